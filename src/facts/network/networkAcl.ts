// Network ACLs are stateless and ordered: for each direction, entries are evaluated in ascending
// rule number and the first entry that matches a packet decides; a packet no entry matches meets the
// default `*` rule, which denies it. DescribeNetworkAcls returns that rule as number 32767; it is
// implied here when absent.
import { ALL_PORTS, cidrRange, formatPorts, intersects, protocolName, subtract, type Box, type Range } from './addressSpace.js';
import type { NetworkAclFacts } from './snapshot.js';

export interface NaclQuestion {
  egress: boolean;
  /** the remote side: destination for egress, source for ingress */
  remoteCidr: string;
  /** destination ports of the packets */
  ports: Range;
  /** addresses the question leaves out (the private ranges, when the remote side is the internet) */
  excludeCidrs?: readonly string[];
}

export type NaclAnswer =
  | { allowed: true; rules: string[] }
  /** `partial`: some but not all of the asked packets are denied */
  | { allowed: false; rule: string; why: string; partial: boolean };

function direction(egress: boolean): string {
  return egress ? 'egress' : 'ingress';
}

/** Whether every TCP packet of the question passes this ACL, and otherwise the first entry that denies some. */
export function evaluateNacl(acl: NetworkAclFacts, q: NaclQuestion): NaclAnswer {
  const remote = cidrRange(q.remoteCidr);
  if (!remote) throw new Error(`not an IPv4 CIDR: ${q.remoteCidr}`);
  const asked: Box = { addr: remote, port: q.ports };
  let left: Box[] = [asked];
  for (const c of q.excludeCidrs ?? []) {
    const r = cidrRange(c);
    if (r) left = subtract(left, { addr: r, port: q.ports });
  }
  const used: string[] = [];
  const toFrom = q.egress ? 'to' : 'from';
  const entries = acl.entries.filter((e) => e.egress === q.egress).sort((a, b) => a.ruleNumber - b.ruleNumber);
  for (const e of entries) {
    const proto = protocolName(e.protocol);
    if (proto !== 'all' && proto !== 'tcp') continue;
    const addr = cidrRange(e.cidrBlock);
    if (!addr) continue;
    const box: Box = { addr, port: proto === 'all' || !e.portRange ? ALL_PORTS : { lo: e.portRange.from, hi: e.portRange.to } };
    if (!intersects(left, box)) continue;
    const ruleName = e.ruleNumber === 32767 ? '*' : String(e.ruleNumber);
    if (e.ruleAction === 'deny') {
      const partial = subtract(left, box).length > 0;
      return {
        allowed: false,
        rule: `rule ${ruleName} (${direction(q.egress)})`,
        why: `denies ${proto === 'all' ? 'all traffic' : `TCP ${formatPorts(box.port)}`} ${toFrom} ${e.cidrBlock}, which ${partial ? 'covers part of' : 'covers'} the needed TCP ${formatPorts(q.ports)} ${toFrom} ${q.remoteCidr}`,
        partial,
      };
    }
    used.push(`rule ${ruleName}`);
    left = subtract(left, box);
    if (left.length === 0) return { allowed: true, rules: used };
  }
  const partial = used.length > 0;
  return {
    allowed: false,
    rule: `rule * (${direction(q.egress)})`,
    why: `no rule allows ${partial ? 'all of ' : ''}TCP ${formatPorts(q.ports)} ${toFrom} ${q.remoteCidr}; the default rule denies it`,
    partial,
  };
}
