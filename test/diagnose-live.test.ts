import test from 'ava';
import type { DiagnoseOptions } from '../src/aws/diagnoseSecret.js';
import { diagnoseRun } from '../src/scan/diagnoseAccount.js';
import { ROTATION_FILTER_PATTERN } from '../src/aws/logCollector.js';
import type { SecretReport } from '../src/diagnose/secretReport.js';
import { installDiagnoseApis, type DiagnoseApis } from './standin/diagnoseApis.js';
import { DEFAULT_CREDENTIALS, startStandin, type Standin } from './support/aws.js';
import { DAY, PLANTED_PASSWORD, SCENARIOS, installScenario, scenarioBundles, scenarioTitle, type InstalledScenario } from './support/diagnoseScenarios.js';

process.env.AWS_ACCESS_KEY_ID = DEFAULT_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = DEFAULT_CREDENTIALS.secretAccessKey;
process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';

const fast = { mode: 'configured', maxAttempts: 3, delayMs: 5 } as const;
const opts = (s: Standin, more: Partial<DiagnoseOptions> = {}): DiagnoseOptions => ({ region: 'us-east-1', endpointUrl: s.endpoint, retry: fast, since: new Date(Date.now() - 14 * DAY), readSecretKeys: false, ...more });

const diagnoseSecrets = async (ids: string[], o: DiagnoseOptions): Promise<SecretReport[]> => (await diagnoseRun({ ...o, secrets: ids, all: false, regions: [], concurrency: 24 })).reports;

let standin: Standin;
let apis: DiagnoseApis;
const installed: Array<InstalledScenario & { format: 'Text' | 'JSON' }> = [];
test.before(async () => {
  standin = await startStandin();
  apis = installDiagnoseApis(standin);
  // Paging as CloudWatch does it: small pages, and empty pages that still carry a nextToken.
  apis.knobs.logsPageSize = 7;
  apis.knobs.emptyLogPages = 2;
  apis.knobs.rdsPageSize = 20;
  const bundles = await scenarioBundles();
  let idx = 0;
  for (const sc of SCENARIOS) for (const format of ['Text', 'JSON'] as const) installed.push({ ...installScenario(apis, sc, idx++, format, bundles), format });
});
test.after.always(() => standin?.close());

let all: Promise<SecretReport[]> | undefined;
const diagnoseAll = () => (all ??= (async () => {
  standin.resetCounters();
  return diagnoseSecrets(installed.map((i) => i.secretArn), opts(standin));
})());

for (const [k, sc] of SCENARIOS.entries()) {
  test.serial(`live: ${scenarioTitle(sc)} through the real SDK clients, both log formats`, async (t) => {
    const reports = await diagnoseAll();
    for (const format of ['Text', 'JSON'] as const) {
      const i = installed.findIndex((x) => x.scenario === sc && x.format === format);
      const r = reports[i]!;
      t.is(r.target.id, installed[i]!.secretArn);
      t.deepEqual(r.errors, []);
      t.is(r.diagnosis.cause, sc.cause, `${format}: ${r.diagnosis.summary}`);
      t.is(r.diagnosis.confidence, sc.confidence, `${format}: ${r.diagnosis.summary}`);
    }
    void k;
  });
}

test.serial('live: each function, log group and parameter group read once; GetSecretValue never called without --read-secret-keys', async (t) => {
  await diagnoseAll();
  const req = standin.counters.requests;
  t.is(req.GetSecretValue ?? 0, 0);
  t.is(req.DescribeSecret, installed.length);
  const withFunction = installed.filter((i) => i.scenario.secret !== 'managed').length;
  t.is(req.GetFunctionConfiguration, withFunction);
  t.is(req.GetPolicy, withFunction);
  t.is(req.GetFunction, withFunction);
  // Listings are shared: one paged walk of instances and of clusters for the whole run.
  t.true(req.DescribeDBInstances! <= Math.ceil(installed.length / 20) + 1, `DescribeDBInstances ${req.DescribeDBInstances}`);
  t.is(req.DescribeDBClusters, 1);
  t.true(apis.filterPatterns.every((p) => p === ROTATION_FILTER_PATTERN));
});

test.serial('live: a refused log read is unknown naming logs:FilterLogEvents, not a failed report', async (t) => {
  const reports = await diagnoseAll();
  const i = installed.findIndex((x) => x.scenario.logs === 'denied');
  const r = reports[i]!;
  t.is(r.invocations, null);
  t.true(r.unknown.some((u) => u.includes('logs:FilterLogEvents')), r.unknown.join('\n'));
  t.is(r.checks.find((c) => c.id === 'connection-tls')!.status, 'unknown');
  t.deepEqual(r.errors, []);
});

test.serial('live: a refused parameter group read leaves the engine default, assumed, and says so', async (t) => {
  const reports = await diagnoseAll();
  const i = installed.findIndex((x) => x.scenario.db === 'scram-unreadable-group');
  const r = reports[i]!;
  t.is(r.database?.passwordEncryption.value, 'scram-sha-256');
  t.true(r.database?.passwordEncryption.assumed);
  t.true(r.unknown.some((u) => u.includes('rds:DescribeDBParameters')), r.unknown.join('\n'));
});

test.serial('live: LoggingConfig.LogGroup is honoured; invocations carry steps, durations and lines', async (t) => {
  const reports = await diagnoseAll();
  const i = installed.findIndex((x) => x.scenario.cause === 'scram-unsupported' && x.logGroup.startsWith('/custom/'));
  t.true(i >= 0);
  const r = reports[i]!;
  t.is(r.logs?.logGroup, installed[i]!.logGroup);
  const newest = r.invocations![0]!;
  t.is(newest.outcome, 'failed');
  t.deepEqual(newest.steps, ['setSecret']);
  t.is(newest.durationMs, 388.1);
  t.is(r.database?.source, 'inferred');
  t.is(r.database?.identifier, `orders-${i}`);
});

test.serial('live: --read-secret-keys finds the database by the secret\'s host and keeps key names only', async (t) => {
  const target = installed.find((x) => x.scenario.cause === 'scram-unsupported' && x.scenario.db === 'scram')!;
  standin.resetCounters();
  const [r] = await diagnoseSecrets([target.secretArn], opts(standin, { readSecretKeys: true }));
  t.is(standin.counters.requests.GetSecretValue, 2, 'AWSCURRENT and the stuck AWSPENDING');
  t.deepEqual(r!.secretKeys?.map((k) => k.stage), ['AWSCURRENT', 'AWSPENDING']);
  t.is(r!.database?.source, 'secret-host');
  t.deepEqual(r!.secretKeys?.[0]?.keys, ['engine', 'host', 'username', 'password', 'dbname', 'port']);
  t.is(r!.checks.find((c) => c.id === 'secret-structure')!.status, 'pass');
  t.false(JSON.stringify(r).includes(PLANTED_PASSWORD));
});

test.serial('live: a secret that does not exist is a report with a one-line error; the others go on', async (t) => {
  const [missing, ok] = await diagnoseSecrets(['prod/no-such-secret', installed[0]!.secretArn], opts(standin));
  t.is(missing!.errors[0]!.code, 'secret-not-found');
  t.regex(missing!.errors[0]!.message, /^prod\/no-such-secret: no such secret in us-east-1 \(secretsmanager:DescribeSecret\)$/);
  t.deepEqual(ok!.errors, []);
});

test.serial('live: --database names the instance; the SAR tag is not needed for the report', async (t) => {
  const target = installed.find((x) => x.scenario.cause === 'database-auth-failed')!;
  const i = installed.indexOf(target);
  const [r] = await diagnoseSecrets([target.secretArn], opts(standin, { database: `orders-${i}` }));
  t.is(r!.database?.source, 'flag');
  const [bad] = await diagnoseSecrets([target.secretArn], opts(standin, { database: 'nope' }));
  t.is(bad!.database, null);
  t.true(bad!.unknown.some((u) => u.includes('--database nope')));
});

test.serial('live: a secret whose rotation function is gone: the function part is an error, the diagnosis says so, the report is not failed', async (t) => {
  const arn = apis.addSecret({
    name: 'prod/orphan/db', rotationEnabled: true, rotationLambdaARN: 'arn:aws:lambda:us-east-1:123456789012:function:deleted-rotation-fn',
    nextRotationDate: new Date(Date.now() - 2 * DAY).toISOString(), versions: [{ id: 'v1', stages: ['AWSCURRENT'], createdDate: new Date(Date.now() - 40 * DAY).toISOString() }],
  });
  const [r] = await diagnoseSecrets([arn], opts(standin));
  t.deepEqual(r!.errors, []);
  t.truthy(r!.function && 'error' in r!.function ? r!.function.error.code : undefined);
  t.is(r!.diagnosis.cause, 'unknown');
  t.is(r!.diagnosis.confidence, 'possible');
  t.regex(r!.diagnosis.summary, /deleted-rotation-fn/);
  t.true(r!.unknown.some((u) => u.startsWith('function configuration:')), r!.unknown.join('\n'));
});
