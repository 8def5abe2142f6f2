// IPv4 address ranges × port ranges: the packet sets the path model asks rules about.
// A set is a list of disjoint boxes; rules are applied by intersecting and subtracting boxes.

export interface Range { lo: number; hi: number }
/** addresses × destination ports */
export interface Box { addr: Range; port: Range }

export const ALL_PORTS: Range = { lo: 0, hi: 65535 };
/** Lambda's and the NAT gateway's source ports: the return traffic's destination ports. */
export const EPHEMERAL_PORTS: Range = { lo: 1024, hi: 65535 };
export const INTERNET = '0.0.0.0/0';
/** RFC 1918: never the address of a public AWS endpoint, so left out when the remote side is the internet */
export const PRIVATE_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/** `10.0.1.0/24` → its address range; null when it is not an IPv4 CIDR. */
export function cidrRange(cidr: string): Range | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!m) return null;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return null;
  const ip = ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!;
  const size = 2 ** (32 - bits);
  const lo = Math.floor(ip / size) * size;
  return { lo, hi: lo + size - 1 };
}

export function contains(outer: Range, inner: Range): boolean {
  return outer.lo <= inner.lo && inner.hi <= outer.hi;
}

function intersectRange(a: Range, b: Range): Range | null {
  const lo = Math.max(a.lo, b.lo);
  const hi = Math.min(a.hi, b.hi);
  return lo <= hi ? { lo, hi } : null;
}

export function intersects(set: readonly Box[], box: Box): boolean {
  return set.some((b) => intersectRange(b.addr, box.addr) !== null && intersectRange(b.port, box.port) !== null);
}

/** set minus box, still as disjoint boxes */
export function subtract(set: readonly Box[], cut: Box): Box[] {
  const out: Box[] = [];
  for (const b of set) {
    const a = intersectRange(b.addr, cut.addr);
    const p = intersectRange(b.port, cut.port);
    if (!a || !p) { out.push(b); continue; }
    if (b.addr.lo < a.lo) out.push({ addr: { lo: b.addr.lo, hi: a.lo - 1 }, port: b.port });
    if (a.hi < b.addr.hi) out.push({ addr: { lo: a.hi + 1, hi: b.addr.hi }, port: b.port });
    if (b.port.lo < p.lo) out.push({ addr: a, port: { lo: b.port.lo, hi: p.lo - 1 } });
    if (p.hi < b.port.hi) out.push({ addr: a, port: { lo: p.hi + 1, hi: b.port.hi } });
  }
  return out;
}

export function formatPorts(r: Range): string {
  if (r.lo === 0 && r.hi === 65535) return 'all ports';
  return r.lo === r.hi ? String(r.lo) : `${r.lo}-${r.hi}`;
}

/** Protocol numbers and names as EC2 spells them → `tcp`, `all`, or the text itself. */
export function protocolName(p: string): string {
  const s = p.trim().toLowerCase();
  if (s === '-1' || s === 'all') return 'all';
  if (s === '6' || s === 'tcp') return 'tcp';
  if (s === '17' || s === 'udp') return 'udp';
  return s;
}
