// Whether a database's security groups admit a rotation function: ingress on the database port from one of
// the function's security groups, or from address ranges covering every subnet the function may run in.
// Used to infer which PostgreSQL database of the function's VPC it rotates; pure, over the network snapshot.
import { evaluateSecurityGroups } from './securityGroup.js';
import type { DatabaseNetworkFacts, NetworkSnapshot, NetworkTarget } from './snapshot.js';

export type DatabaseAdmission =
  | { verdict: 'admitted'; by: string }
  | { verdict: 'denied'; why: string }
  /** the snapshot lacks what is needed (a refused read, a group or subnet not in it, an unread prefix list) */
  | { verdict: 'unchecked'; why: string };

export function databaseAdmission(snapshot: NetworkSnapshot, fn: NonNullable<NetworkTarget['vpc']>, db: DatabaseNetworkFacts): DatabaseAdmission {
  const refused = (action: string) => snapshot.unreadable.find((u) => u.action === action)?.message;
  if (db.port === null) return { verdict: 'unchecked', why: 'its port is not known' };
  const groups = [];
  for (const id of db.securityGroupIds) {
    const g = snapshot.securityGroups.find((x) => x.groupId === id);
    if (!g) return { verdict: 'unchecked', why: `security group ${id} ${refused('ec2:DescribeSecurityGroups') ? `could not be read: ${refused('ec2:DescribeSecurityGroups')}` : 'is not in the snapshot'}` };
    groups.push(g);
  }
  if (groups.length === 0) return { verdict: 'unchecked', why: 'RDS names no VPC security group for it' };
  let by = '';
  for (const subnetId of fn.subnetIds) {
    const s = snapshot.subnets.find((x) => x.subnetId === subnetId);
    if (!s) return { verdict: 'unchecked', why: `the function's subnet ${subnetId} ${refused('ec2:DescribeSubnets') ? `could not be read: ${refused('ec2:DescribeSubnets')}` : 'is not in the snapshot'}` };
    const a = evaluateSecurityGroups(groups, { direction: 'ingress', port: db.port, peerGroupIds: fn.securityGroupIds, peerCidr: s.cidrBlock }, snapshot.prefixLists);
    if (a.verdict === 'denied') return { verdict: 'denied', why: `${db.securityGroupIds.join(', ')} ${a.why} (the function's subnet ${subnetId})` };
    if (a.verdict === 'unknown') return { verdict: 'unchecked', why: `prefix list ${a.prefixListId} could not be read` };
    by ||= a.by;
  }
  return by ? { verdict: 'admitted', by } : { verdict: 'unchecked', why: 'the function names no subnet' };
}
