// diagnose end to end with the network: every fixture VPC that breaks the Secrets Manager or the database
// path is built in the stand-in (EC2 + Lambda + RDS + logs), a rotation failing with the matching log
// signature is diagnosed through the real SDK clients, and the diagnosis is confirmed naming the rule.
import test from 'ava';
import { diagnoseRun } from '../src/scan/diagnoseAccount.js';
import type { SecretReport } from '../src/diagnose/secretReport.js';
import { installDiagnoseApis } from './standin/diagnoseApis.js';
import { EC2_OPS, installEc2Api } from './standin/ec2Api.js';
import { DEFAULT_CREDENTIALS, startStandin, type Standin } from './support/aws.js';
import { DAY, SCENARIOS, installScenario, scenarioBundles } from './support/diagnoseScenarios.js';
import { networkScenarios, scenarioVpc, workingVpc, workingVpcCopy, type NetworkScenario } from './support/networkFixtures.js';

process.env.AWS_ACCESS_KEY_ID = DEFAULT_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = DEFAULT_CREDENTIALS.secretAccessKey;
process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';

const SM = SCENARIOS.find((s) => s.cause === 'secretsmanager-unreachable')!;
const DB = SCENARIOS.find((s) => s.cause === 'database-unreachable' && s.confidence === 'likely')!;
const sameTarget = (sc: NetworkScenario) => JSON.stringify(scenarioVpc(sc).target) === JSON.stringify(workingVpc().target);
// every way to break either path that lives in the VPC (not in the function's own settings)
const broken = networkScenarios.filter((sc) => sc.expect.status === 'fail' && (sc.expect.path === 'secretsmanager' || sc.expect.path === 'database') && sameTarget(sc));

interface Case { name: string; scenario: NetworkScenario | null; log: typeof SM; secretArn: string; n: number }
let standin: Standin;
const cases: Case[] = [];
let reports: SecretReport[] = [];
let outside: SecretReport | undefined;
let ec2CallsOutside = -1;
const ec2Calls = () => EC2_OPS.reduce((n, op) => n + (standin.counters.requests[op] ?? 0), 0);

test.before(async () => {
  standin = await startStandin();
  const apis = installDiagnoseApis(standin);
  const ec2 = installEc2Api(standin);
  const bundles = await scenarioBundles();
  const add = (name: string, scenario: NetworkScenario | null, log: typeof SM) => {
    const n = cases.length;
    const v = workingVpcCopy(n, scenario ? scenarioVpc(scenario) : workingVpc());
    ec2.addLayout(v.snapshot);
    const t = v.target;
    const i = installScenario(apis, log, 1000 + n, 'Text', bundles, {
      vpcId: t.vpc!.vpcId, subnetIds: t.vpc!.subnetIds, securityGroupIds: t.vpc!.securityGroupIds,
      db: { subnetIds: t.database!.subnetIds, securityGroupIds: t.database!.securityGroupIds },
    });
    cases.push({ name, scenario, log, secretArn: i.secretArn, n });
  };
  for (const sc of broken) add(sc.name, sc, sc.expect.path === 'database' ? DB : SM);
  add('working VPC, Secrets Manager signature', null, SM);
  add('working VPC, database signature', null, DB);
  const run = await diagnoseRun({
    region: 'us-east-1', endpointUrl: standin.endpoint, retry: { mode: 'configured', maxAttempts: 2, delayMs: 5 }, since: new Date(Date.now() - 14 * DAY),
    // the database is found by the secret's host: an inferred one must be admitted by its security groups,
    // which the database-SG cases break on purpose (inference: test/database-inference-live.test.ts)
    readSecretKeys: true, secrets: cases.map((c) => c.secretArn), all: false, regions: [], concurrency: 16,
  });
  reports = run.reports;
  // a function outside any VPC: public endpoints, and not one EC2 call
  const i = installScenario(apis, SM, 3000, 'Text', bundles, { vpcId: '', subnetIds: [], securityGroupIds: [], db: { subnetIds: [], securityGroupIds: [] } });
  const before = ec2Calls();
  outside = (await diagnoseRun({
    region: 'us-east-1', endpointUrl: standin.endpoint, retry: { mode: 'configured', maxAttempts: 2, delayMs: 5 }, since: new Date(Date.now() - 14 * DAY),
    readSecretKeys: false, secrets: [i.secretArn], all: false, regions: [], concurrency: 1,
  })).reports[0];
  const after = ec2Calls();
  ec2CallsOutside = after - before;
});

test('live network: a function outside any VPC reaches the public endpoints, without one EC2 call', (t) => {
  t.is(ec2CallsOutside, 0);
  t.is(outside!.network!.secretsmanager.status, 'pass');
  t.is(outside!.network!.secretsmanager.route, 'public');
  t.is(outside!.diagnosis.confidence, 'possible', outside!.diagnosis.summary);
});
test.after.always(() => standin?.close());

test('live network: there is a broken VPC for every failing rule of both paths', (t) => {
  t.true(broken.length >= 20, String(broken.length));
  t.true(broken.some((s) => s.expect.path === 'database'));
});

test('live network: each broken VPC fails its path naming the resource and rule, and the diagnosis is confirmed naming it', (t) => {
  for (const c of cases.filter((x) => x.scenario)) {
    const r = reports.find((x) => x.target.id === c.secretArn)!;
    const e = c.scenario!.expect;
    const suffix = (id: string) => id.replace(/\b(vpc|subnet|rtb|acl|sg|vpce|nat|igw)-([a-z0-9]+)\b/g, `$1-$2-${c.n}`);
    const path = r.network![e.path];
    t.is(path.status, 'fail', `${c.name}: ${JSON.stringify(path)}`);
    // the database's own name differs from the fixture's (`sg-db (database prod-db)`): compare the resource id
    const id = (r: string) => r.split(' (')[0];
    const hit = path.blocking.find((f) => id(f.resource) === id(suffix(e.resource!)) && f.rule === suffix(e.rule!));
    t.truthy(hit, `${c.name}: ${JSON.stringify(path.blocking)}`);
    t.is(r.diagnosis.cause, c.log.cause, c.name);
    t.is(r.diagnosis.confidence, 'confirmed', `${c.name}: ${r.diagnosis.summary}`);
    t.true(r.diagnosis.summary.includes(`Blocked by ${hit?.resource} ${hit?.rule}`), `${c.name}: ${r.diagnosis.summary}`);
    const check = r.checks.find((x) => x.id === (e.path === 'database' ? 'network-database' : 'network-secretsmanager'))!;
    t.is(check.status, 'fail', c.name);
  }
});

test('live network: the working VPC passes every path and lowers a network diagnosis', (t) => {
  for (const c of cases.filter((x) => !x.scenario)) {
    const r = reports.find((x) => x.target.id === c.secretArn)!;
    t.deepEqual([r.network!.secretsmanager.status, r.network!.database.status, r.network!.rdsApi.status], ['pass', 'pass', 'not-applicable'], c.name);
    t.is(r.diagnosis.cause, c.log.cause);
    t.is(r.diagnosis.confidence, 'possible', `${c.name}: ${r.diagnosis.summary}`);
    t.regex(r.diagnosis.summary, /passes from every subnet/);
  }
});

test('live network: the EC2 reads are one set per VPC, signed, and no more', (t) => {
  const req = standin.counters.requests;
  t.is(req['DescribeSubnets'], cases.length);
  t.is(req['DescribeVpcAttribute'], 2 * cases.length);
  t.is(standin.counters.unsignedRejected, 0);
});
