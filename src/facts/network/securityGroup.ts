// Security groups are stateful allow-lists: a connection is admitted when any rule of any group on
// the network interface allows it (return traffic is implied). A rule names its peer by security
// group (membership, whatever the address), by IPv4 range, or by managed prefix list.
import { cidrRange, protocolName, subtract, type Box } from './addressSpace.js';
import type { PrefixListFacts, SecurityGroupFacts, SgPermissionFacts } from './snapshot.js';

export interface SgQuestion {
  direction: 'egress' | 'ingress';
  port: number;
  /** the security groups on the other side (a rule naming one of them admits the connection) */
  peerGroupIds: readonly string[];
  /** the other side's address range: every address in it must be covered */
  peerCidr: string;
}

export type SgAnswer =
  | { verdict: 'allowed'; by: string }
  | { verdict: 'denied'; why: string }
  /** a rule names a prefix list whose entries were not read */
  | { verdict: 'unknown'; prefixListId: string };

function coversPort(p: SgPermissionFacts, port: number): boolean {
  const proto = protocolName(p.ipProtocol);
  if (proto === 'all') return true;
  if (proto !== 'tcp') return false;
  return (p.fromPort ?? 0) <= port && port <= (p.toPort ?? 65535);
}

export function evaluateSecurityGroups(groups: readonly SecurityGroupFacts[], q: SgQuestion, prefixLists: readonly PrefixListFacts[]): SgAnswer {
  const peer = cidrRange(q.peerCidr);
  if (!peer) throw new Error(`not an IPv4 CIDR: ${q.peerCidr}`);
  let left: Box[] = [{ addr: peer, port: { lo: q.port, hi: q.port } }];
  let missingList: string | null = null;
  for (const g of groups) {
    for (const p of q.direction === 'egress' ? g.egress : g.ingress) {
      if (!coversPort(p, q.port)) continue;
      const ref = p.groupIds.find((id) => q.peerGroupIds.includes(id));
      if (ref) return { verdict: 'allowed', by: `${g.groupId} ${q.direction} ${ref}` };
      const cidrs = [...p.cidrs];
      for (const pl of p.prefixListIds) {
        const list = prefixLists.find((l) => l.prefixListId === pl);
        if (list) cidrs.push(...list.cidrs);
        else missingList ??= pl;
      }
      for (const c of cidrs) {
        const r = cidrRange(c);
        if (!r) continue;
        left = subtract(left, { addr: r, port: { lo: 0, hi: 65535 } });
        if (left.length === 0) return { verdict: 'allowed', by: `${g.groupId} ${q.direction} ${c}` };
      }
    }
  }
  if (missingList) return { verdict: 'unknown', prefixListId: missingList };
  const dir = q.direction === 'egress' ? 'allows no egress on' : 'admits nothing on';
  const peerText = [...q.peerGroupIds, q.peerCidr].join(' or ');
  return { verdict: 'denied', why: `${dir} TCP ${q.port} ${q.direction === 'egress' ? 'to' : 'from'} ${peerText}` };
}
