import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseFacts } from '../src/facts/database/databaseSettings.js';
import { groupInvocations } from '../src/facts/logs/lambdaLogs.js';
import { CAUSES, diagnose, type DiagnoseSnapshot } from '../src/diagnose/diagnose.js';
import { inspectLocal } from '../src/report/inspectLocal.js';
import type { Report } from '../src/report/report.js';
import { ALLOW_SM, NOW, SCENARIOS, dbParameters, noise, scenarioBundles, scenarioSecret, scenarioTitle, type Code, type Scenario } from './support/diagnoseScenarios.js';
import { ARN, FN_ARN, HOST, eventsOf, type LogFormat } from './support/rotationLogs.js';

const reports = {} as Record<Code, Report>;
test.before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'diagnose-'));
  for (const [code, zip] of Object.entries(await scenarioBundles()) as Array<[Code, Buffer]>) {
    writeFileSync(join(dir, `${code}.zip`), zip);
    reports[code] = await inspectLocal(join(dir, `${code}.zip`), { created: null });
  }
});

function snapshot(c: Scenario, format: LogFormat): DiagnoseSnapshot {
  const p = dbParameters(c.db ?? 'md5');
  const db = c.db === 'none' ? null : databaseFacts({
    identifier: 'orders', kind: 'instance', engine: 'postgres', engineVersion: p.engineVersion, endpoint: HOST, port: 5432, parameterGroup: p.group,
    parameters: c.db === 'scram-unreadable-group' ? null : p.parameters, ...(c.db === 'scram-unreadable-group' ? { parametersError: 'rds:DescribeDBParameters was refused' } : {}),
  }, 'inferred');
  const s: DiagnoseSnapshot = {
    now: new Date(NOW).toISOString(), region: 'us-east-1', secret: scenarioSecret(c.secret, ARN, 'prod/orders/db', FN_ARN),
    functionConfig: { name: 'orders-db-rotation', arn: FN_ARN, timeout: c.timeout ?? 30, logGroup: '/aws/lambda/orders-db-rotation', logFormat: format, tags: {} },
    functionReport: reports[c.code ?? 'libpq-10'],
    invocations: c.logs === 'denied' ? null : groupInvocations(eventsOf([...(c.quiet ? [] : noise()), ...c.specs()], format)),
    ...(c.logs === 'denied' ? { logsError: 'logs:FilterLogEvents was refused' } : {}),
    policy: c.policy === 'none' ? { document: null } : { document: JSON.stringify(ALLOW_SM(FN_ARN)) },
    database: db,
    ...(db ? {} : { databaseError: 'no PostgreSQL database in the function\'s VPC' }),
  };
  // Diagnosis works from plain JSON.
  return JSON.parse(JSON.stringify(s)) as DiagnoseSnapshot;
}

const CASES = SCENARIOS;

test('every cause of the vocabulary has a snapshot', (t) => {
  const covered = new Set(CASES.map((c) => c.cause));
  t.deepEqual(CAUSES.filter((c) => !covered.has(c)), []);
});

for (const c of CASES) {
  for (const format of ['Text', 'JSON'] as const) {
    test(`diagnose: ${scenarioTitle(c)}, ${format} logs`, (t) => {
      const { diagnosis, checks } = diagnose(snapshot(c, format));
      t.is(diagnosis.cause, c.cause, diagnosis.summary);
      t.is(diagnosis.confidence, c.confidence, diagnosis.summary);
      t.true(diagnosis.summary.length > 0);
      if (diagnosis.confidence === 'confirmed') t.true(diagnosis.evidence.some((e) => e.startsWith('log ') || e.startsWith('setting ')), 'confirmed rests on a log line or a setting');
      if (diagnosis.confidence === 'possible' && c.cause !== 'unknown') t.true((diagnosis.candidates ?? []).includes(c.cause));
      if (c.mentions) t.true([diagnosis.summary, ...diagnosis.evidence, diagnosis.remediation, ...(diagnosis.candidates ?? [])].join('\n').includes(c.mentions), `mentions ${c.mentions}`);
      if (!['ok', 'not-configured', 'managed-rotation', 'unknown'].includes(c.cause)) t.true(diagnosis.remediation.length > 0, 'a failure names its remediation');
      t.is(new Set(checks.map((x) => x.id)).size, checks.length);
    });
  }
}

test('a SAR-deployed function gets the stack update command', (t) => {
  const c = CASES.find((x) => x.cause === 'scram-unsupported')!;
  const s = snapshot(c, 'Text');
  s.functionConfig!.tags = { 'serverlessrepo:applicationId': 'arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser', 'aws:cloudformation:stack-name': 'serverlessrepo-orders-rotation' };
  const { diagnosis } = diagnose(s);
  t.regex(diagnosis.remediation, /aws serverlessrepo create-cloud-formation-change-set --application-id arn:aws:serverlessrepo:us-east-1:297356227824:applications\/SecretsManagerRDSPostgreSQLRotationSingleUser --stack-name orders-rotation /);
  t.regex(diagnosis.remediation, /password_encryption/);
});

