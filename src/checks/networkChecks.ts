// The three network checks of a secret report, from the path model's answers.
import type { Check } from './check.js';
import type { NetworkPath, NetworkPaths, PathFinding, PathName } from '../facts/network/paths.js';

export type NetworkCheckId = 'network-secretsmanager' | 'network-database' | 'network-rds-api';
export const NETWORK_CHECK_IDS: readonly NetworkCheckId[] = ['network-secretsmanager', 'network-database', 'network-rds-api'];

export const NETWORK_CHECK_OF: Readonly<Record<PathName, NetworkCheckId>> = {
  secretsmanager: 'network-secretsmanager', database: 'network-database', rdsApi: 'network-rds-api',
};

const DESTINATION: Readonly<Record<PathName, string>> = {
  secretsmanager: 'the Secrets Manager endpoint', database: 'the database', rdsApi: 'the RDS API',
};

/** `acl-0abc rule 90 (egress): denies … [subnet-0a]`: one line naming the resource and rule. */
export function describeFinding(f: PathFinding): string {
  return `${f.resource} ${f.rule}: ${f.why}${f.subnet && !f.why.includes(f.subnet) ? ` [from ${f.subnet}]` : ''}`;
}

function remediation(path: NetworkPath): string {
  const f = path.blocking[0];
  if (!f) {
    if (path.status === 'unknown' && path.unknowns.some((u) => u.action)) {
      return `Grant ${[...new Set(path.unknowns.flatMap((u) => (u.action ? [u.action] : [])))].join(', ')} to the identity that runs rotation-inspector, or pass a snapshot taken by one that has it (--from-snapshot).`;
    }
    return '';
  }
  const fix = `Change ${f.resource} (${f.rule}) so that it ${f.why.startsWith('denies') || f.why.startsWith('no rule') ? 'allows' : 'permits'} the traffic`;
  if (path.path === 'secretsmanager' || path.path === 'rdsApi') {
    const svc = path.path === 'secretsmanager' ? 'secretsmanager' : 'rds';
    return `${fix}; the function needs TCP 443 to ${DESTINATION[path.path]} (interface endpoint com.amazonaws.<region>.${svc} with private DNS, or a NAT gateway) and ports 1024-65535 back through every network ACL on the way.`;
  }
  return `${fix}; the function's security group must allow egress to the database port, the database's security group must admit the function's group, and the network ACLs must pass the port and ports 1024-65535 back.`;
}

/** The check for one path: fail names the blocking rule, unknown names what could not be read. */
export function networkCheck(path: NetworkPath): Omit<Check, 'id'> & { id: NetworkCheckId } {
  const dest = DESTINATION[path.path];
  const via = path.route === 'interface-endpoint' ? ' through its interface endpoint' : path.route === 'nat' ? ' through NAT' : path.route === 'public' ? ' over its public endpoint' : '';
  const summary = {
    pass: `The function reaches ${dest}${via} from every subnet.`,
    // the rule first: the table shows one line per path, cut at the terminal's width
    fail: `Blocked at ${path.blocking[0] ? describeFinding(path.blocking[0]) : '?'} (no path to ${dest}${via}).`,
    warn: `The function reaches ${dest}${via}, with a caveat: ${path.warnings[0] ? describeFinding(path.warnings[0]) : ''}.`,
    unknown: `Whether the function reaches ${dest} is unknown: ${path.unknowns[0] ? describeFinding(path.unknowns[0]) : 'not read'}.`,
    'not-applicable': `The function does not need ${dest}.`,
  }[path.status];
  return {
    id: NETWORK_CHECK_OF[path.path],
    status: path.status,
    summary,
    evidence: [...path.blocking.map((f) => `blocking: ${describeFinding(f)}`), ...path.warnings.map((f) => `warning: ${describeFinding(f)}`), ...path.unknowns.map((f) => `unknown: ${describeFinding(f)}`), ...path.hops.map((h) => `hop: ${h}`)],
    remediation: remediation(path),
  };
}

export function networkChecks(paths: NetworkPaths): Array<Omit<Check, 'id'> & { id: NetworkCheckId }> {
  return [networkCheck(paths.secretsmanager), networkCheck(paths.database), networkCheck(paths.rdsApi)];
}
