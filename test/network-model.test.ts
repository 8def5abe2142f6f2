import test from 'ava';
import { cidrRange, subtract } from '../src/facts/network/addressSpace.js';
import { evaluateNacl } from '../src/facts/network/networkAcl.js';
import { indexNetworkSnapshot, networkPaths } from '../src/facts/network/paths.js';
import { asNetworkSnapshot, NETWORK_SNAPSHOT_VERSION } from '../src/facts/network/snapshot.js';
import { assertPath, naclEntry, networkScenarios, scenarioVpc, workingVpc } from './support/networkFixtures.js';

for (const sc of networkScenarios) {
  test(`model: ${sc.name} (${sc.rule}) → ${sc.expect.path} ${sc.expect.status}`, (t) => {
    const { snapshot, target } = scenarioVpc(sc);
    const paths = networkPaths(indexNetworkSnapshot(snapshot), target);
    assertPath(t, paths[sc.expect.path], sc.expect);
  });
}

test('model: every rule has a scenario that passes and one that does not', (t) => {
  const rules = new Map<string, Set<string>>();
  for (const sc of networkScenarios) rules.set(sc.rule, (rules.get(sc.rule) ?? new Set()).add(sc.expect.status === 'pass' || sc.expect.status === 'not-applicable' ? 'ok' : 'broken'));
  // a rule whose only scenario breaks it passes in the working VPC (endpoint-works, nat-works, database-works)
  const working = ['endpoint-works', 'nat-works', 'database-works', 'rds-api-through-nat'].map((n) => networkScenarios.find((s) => s.name === n)!);
  for (const sc of working) t.is(networkPaths(indexNetworkSnapshot(scenarioVpc(sc).snapshot), scenarioVpc(sc).target)[sc.expect.path].status, 'pass');
  t.true([...rules.values()].some((s) => s.has('broken')));
});

test('model: the working VPC names its hops per function subnet', (t) => {
  const { snapshot, target } = workingVpc();
  const p = networkPaths(indexNetworkSnapshot(snapshot), target);
  t.is(p.secretsmanager.route, 'interface-endpoint');
  t.deepEqual(p.secretsmanager.hops, [
    'subnet-fa (us-east-1a) → vpce-sm interface in subnet-ea (us-east-1a) → secretsmanager.us-east-1.amazonaws.com (private DNS)',
    'subnet-fb (us-east-1b) → vpce-sm interface in subnet-eb (us-east-1b) → secretsmanager.us-east-1.amazonaws.com (private DNS)',
  ]);
  t.is(p.rdsApi.route, 'nat');
  t.is(p.rdsApi.hops[0], 'subnet-fa → rtb-main (main) 0.0.0.0/0 → nat-1 in subnet-pub → rtb-pub 0.0.0.0/0 → igw-1 → rds.us-east-1.amazonaws.com');
  t.is(p.database.hops.length, 4);
});

test('model: blocking findings read as "resource rule why"', (t) => {
  const sc = networkScenarios.find((s) => s.name === 'function-nacl-denies-443-out')!;
  const { snapshot, target } = scenarioVpc(sc);
  const f = networkPaths(indexNetworkSnapshot(snapshot), target).secretsmanager.blocking[0]!;
  t.is(`${f.resource} ${f.rule} ${f.why}`, 'acl-fn rule 90 (egress) denies TCP 443 to 0.0.0.0/0, which covers the needed TCP 443 to 10.0.11.0/24 (function subnet subnet-fa)');
  const sg = scenarioVpc(networkScenarios.find((s) => s.name === 'endpoint-sg-admits-nothing')!);
  const g = networkPaths(indexNetworkSnapshot(sg.snapshot), sg.target).secretsmanager.blocking[0]!;
  t.is(`${g.resource} ${g.why}`, 'sg-vpce (endpoint vpce-sm) admits nothing on TCP 443 from sg-fn or 10.0.1.0/24');
});

test('NACL: first matching rule number decides; the default rule denies the rest', (t) => {
  const acl = (entries: ReturnType<typeof naclEntry>[]) => ({ networkAclId: 'acl-x', vpcId: 'v', subnetIds: [], entries });
  const q = { egress: true, remoteCidr: '10.0.0.0/24', ports: { lo: 443, hi: 443 } };
  t.true(evaluateNacl(acl([naclEntry(100, true, 'allow', '0.0.0.0/0'), naclEntry(200, true, 'deny', '0.0.0.0/0')]), q).allowed);
  t.like(evaluateNacl(acl([naclEntry(200, true, 'allow', '0.0.0.0/0'), naclEntry(100, true, 'deny', '10.0.0.128/25', [443, 443])]), q), { allowed: false, rule: 'rule 100 (egress)', partial: true });
  t.like(evaluateNacl(acl([naclEntry(100, false, 'allow', '0.0.0.0/0')]), q), { allowed: false, rule: 'rule * (egress)' });
  // UDP entries do not match TCP; two allow entries together can cover the range
  t.like(evaluateNacl(acl([naclEntry(50, true, 'deny', '0.0.0.0/0', [443, 443], '17'), naclEntry(100, true, 'allow', '10.0.0.0/25', [0, 1000]), naclEntry(110, true, 'allow', '10.0.0.128/25', [400, 500])]), q), { allowed: true });
});

test('address space: CIDR ranges and box subtraction', (t) => {
  t.deepEqual(cidrRange('10.0.1.7/24'), { lo: 167772416, hi: 167772671 });
  t.deepEqual(cidrRange('0.0.0.0/0'), { lo: 0, hi: 2 ** 32 - 1 });
  t.is(cidrRange('10.0.0.0/33'), null);
  t.is(cidrRange('::/0'), null);
  const all = [{ addr: { lo: 0, hi: 9 }, port: { lo: 0, hi: 9 } }];
  t.deepEqual(subtract(all, { addr: { lo: 0, hi: 9 }, port: { lo: 0, hi: 9 } }), []);
  const hole = subtract(all, { addr: { lo: 3, hi: 4 }, port: { lo: 3, hi: 4 } });
  t.is(hole.reduce((n, b) => n + (b.addr.hi - b.addr.lo + 1) * (b.port.hi - b.port.lo + 1), 0), 96);
});

test('snapshot: a wrong format or version is refused with a reason', (t) => {
  const { snapshot } = workingVpc();
  t.is(asNetworkSnapshot(JSON.parse(JSON.stringify(snapshot))).region, 'us-east-1');
  t.throws(() => asNetworkSnapshot({ ...snapshot, version: NETWORK_SNAPSHOT_VERSION + 1 }), { message: /version 2 is not supported/ });
  t.throws(() => asNetworkSnapshot({ ...snapshot, format: 'x' }), { message: /format/ });
  t.throws(() => asNetworkSnapshot({ ...snapshot, subnets: {} }), { message: /subnets is not a list/ });
  t.throws(() => asNetworkSnapshot([]), { message: /not a JSON object/ });
});

test('checks: one per path; a failing path names the blocking rule, a refused read the action to grant', async (t) => {
  const { networkChecks } = await import('../src/checks/networkChecks.js');
  const broken = scenarioVpc(networkScenarios.find((s) => s.name === 'nat-igw-route-only')!);
  const checks = networkChecks(networkPaths(indexNetworkSnapshot(broken.snapshot), broken.target));
  t.deepEqual(checks.map((c) => [c.id, c.status]), [['network-secretsmanager', 'fail'], ['network-database', 'pass'], ['network-rds-api', 'fail']]);
  t.regex(checks[0]!.summary, /^Blocked at rtb-main route 0\.0\.0\.0\/0 → igw-1: goes to an internet gateway.*\(no path to the Secrets Manager endpoint through NAT\)\.$/);
  t.true(checks[0]!.evidence.some((e) => e.startsWith('blocking: rtb-main route 0.0.0.0/0 → igw-1')));
  t.regex(checks[0]!.remediation, /^Change rtb-main \(route 0\.0\.0\.0\/0 → igw-1\)/);
  const refused = scenarioVpc(networkScenarios.find((s) => s.name === 'nacls-refused')!);
  const u = networkChecks(networkPaths(indexNetworkSnapshot(refused.snapshot), refused.target))[0]!;
  t.is(u.status, 'unknown');
  t.regex(u.remediation, /^Grant ec2:DescribeNetworkAcls /);
});
