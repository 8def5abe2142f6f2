import test from 'ava';
import { withNetworkEvidence, type NetworkAwareDiagnosis } from '../src/diagnose/networkEvidence.js';
import { indexNetworkSnapshot, networkPaths } from '../src/facts/network/paths.js';
import { networkScenarios, scenarioVpc, workingVpc } from './support/networkFixtures.js';

const pathsOf = (name: string) => { const v = scenarioVpc(networkScenarios.find((s) => s.name === name)!); return networkPaths(indexNetworkSnapshot(v.snapshot), v.target); };
const working = () => { const v = workingVpc(); return networkPaths(indexNetworkSnapshot(v.snapshot), v.target); };
const unreachable: NetworkAwareDiagnosis = {
  cause: 'secretsmanager-unreachable', confidence: 'likely',
  summary: 'The function timed out right after "Found credentials in environment variables": it could not reach the Secrets Manager endpoint.',
  evidence: ['log 2026-11-30T00:00:00Z req-1: Found credentials in environment variables.'], remediation: 'Give the function a route to Secrets Manager.',
};

test('diagnosis: a log signature plus a blocking rule is confirmed and names the rule', (t) => {
  const d = withNetworkEvidence(unreachable, pathsOf('endpoint-sg-admits-nothing'));
  t.is(d.confidence, 'confirmed');
  t.regex(d.summary, /Blocked by sg-vpce \(endpoint vpce-sm\) ingress: admits nothing on TCP 443 from sg-fn or 10\.0\.1\.0\/24/);
  t.is(d.evidence[0], 'network: sg-vpce (endpoint vpce-sm) ingress: admits nothing on TCP 443 from sg-fn or 10.0.1.0/24 [from subnet-fa]');
  t.regex(d.remediation, /^Change sg-vpce \(endpoint vpce-sm\) \(ingress\)/);
  // a block on another path does not confirm it: there the Secrets Manager path passes, which weakens it
  t.is(withNetworkEvidence(unreachable, pathsOf('database-sg-admits-nothing')).confidence, 'possible');
  // an unknown path leaves the confidence alone and says why
  const u = withNetworkEvidence(unreachable, pathsOf('nacls-refused'));
  t.is(u.confidence, 'likely');
  t.regex(u.evidence.at(-1)!, /^network: Whether the function reaches the Secrets Manager endpoint is unknown: .*ec2:DescribeNetworkAcls/);
});

test('diagnosis: a passing path lowers a network cause and raises the other candidates', (t) => {
  const d = withNetworkEvidence({ ...unreachable, candidates: ['secretsmanager-unreachable', 'function-timeout', 'database-unreachable'] }, working());
  t.is(d.confidence, 'possible');
  t.deepEqual(d.candidates, ['function-timeout', 'database-unreachable', 'secretsmanager-unreachable']);
  t.regex(d.summary, /passes from every subnet \(interface-endpoint\)/);
  t.is(withNetworkEvidence<NetworkAwareDiagnosis>({ ...unreachable, confidence: 'confirmed' }, working()).confidence, 'likely');
});

test('diagnosis: a failing path among the candidates of a possible diagnosis becomes the lead', (t) => {
  const possible: NetworkAwareDiagnosis = { cause: 'unknown', confidence: 'possible', summary: 'The last invocation failed with an error this tool does not know.', evidence: [], remediation: 'Read the log.', candidates: ['access-denied', 'database-unreachable'] };
  const d = withNetworkEvidence(possible, pathsOf('database-nacl-denies'));
  t.is(d.cause, 'database-unreachable');
  t.is(d.confidence, 'likely');
  t.regex(d.evidence[0]!, /^network: acl-db rule 100 \(ingress\): denies TCP 5432 to|^network: acl-db rule 100 \(ingress\): denies TCP 5432 from/);
  const passing = withNetworkEvidence(possible, working());
  t.deepEqual(passing.candidates, ['access-denied', 'database-unreachable']);
  t.is(passing.cause, 'unknown');
  t.is(withNetworkEvidence(possible, null), possible);
});
