import test from 'ava';
import { databaseFacts, type DatabaseDescription } from '../src/facts/database/databaseSettings.js';
import { groupInvocations } from '../src/facts/logs/lambdaLogs.js';
import type { SecretMetadata } from '../src/facts/secret/secretFacts.js';
import { CAUSES, diagnose, type Cause, type Confidence, type DiagnoseSnapshot } from '../src/diagnose/diagnose.js';
import { inspectLocal } from '../src/report/inspectLocal.js';
import type { Report } from '../src/report/report.js';
import { SAMPLE_10, SAMPLE_94 } from './support/fixtures.js';
import { ARN, FN_ARN, HOST, TOKEN, createStep, eventsOf, failingRotation, rid, successfulRotation, type InvocationSpec, type LogFormat } from './support/rotationLogs.js';

const DAY = 86_400_000;
const NOW = Date.parse('2024-05-20T12:00:00Z');
const T = NOW - 2 * DAY;
const MASTER = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/master-XyZ123';

let report94: Report;
let report10: Report;
test.before(async () => {
  report94 = await inspectLocal(SAMPLE_94, { created: null });
  report10 = await inspectLocal(SAMPLE_10, { created: null });
});

function stuckSecret(over: Partial<SecretMetadata> = {}): SecretMetadata {
  return {
    name: 'prod/orders/db', arn: ARN, rotationEnabled: true, rotationLambdaArn: FN_ARN,
    rotationRules: { automaticallyAfterDays: 30, duration: '3h', scheduleExpression: 'rate(30 days)' },
    lastRotatedDate: '2024-04-10T10:12:00.000Z', nextRotationDate: '2024-05-18T10:00:00.000Z', owningService: null,
    versions: [
      { id: '9a7d6c1e-0b3f-4c55-8e21-7d4f3b2a1c09', stages: ['AWSCURRENT'], createdDate: '2024-04-10T10:12:00.000Z' },
      { id: TOKEN, stages: ['AWSPENDING'], createdDate: '2024-05-18T10:02:00.000Z' },
    ],
    ...over,
  };
}

const healthySecret = () => stuckSecret({
  lastRotatedDate: new Date(T + 7000).toISOString(), nextRotationDate: '2024-06-17T10:00:00.000Z',
  versions: [{ id: TOKEN, stages: ['AWSCURRENT', 'AWSPENDING'], createdDate: new Date(T).toISOString() }, { id: '9a7d6c1e-0b3f-4c55-8e21-7d4f3b2a1c09', stages: ['AWSPREVIOUS'], createdDate: '2024-04-10T10:12:00.000Z' }],
});

const ALLOW_SM = JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: [{ Sid: 'SecretsManagerAccess', Effect: 'Allow', Principal: { Service: 'secretsmanager.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: FN_ARN }] });

function db(engineVersion: string, params: DatabaseDescription['parameters'], group = 'orders-pg'): ReturnType<typeof databaseFacts> {
  return databaseFacts({ identifier: 'orders', kind: 'instance', engine: 'postgres', engineVersion, endpoint: HOST, port: 5432, parameterGroup: group, parameters: params }, 'secret-host');
}
const SCRAM_DB = () => db('15.4', [{ name: 'password_encryption', value: 'scram-sha-256', source: 'user' }, { name: 'rds.force_ssl', value: '0', source: 'user' }]);
const MD5_DB = () => db('13.12', [{ name: 'password_encryption', value: 'md5', source: 'user' }, { name: 'rds.force_ssl', value: '0', source: 'user' }]);
const FORCE_SSL_DB = () => db('13.12', [{ name: 'password_encryption', value: 'md5', source: 'user' }, { name: 'rds.force_ssl', value: '1', source: 'user' }]);

interface Case {
  cause: Cause;
  confidence: Confidence;
  name?: string;
  specs: () => InvocationSpec[];
  over?: (format: LogFormat) => Partial<DiagnoseSnapshot>;
  /** A word the summary, evidence or remediation must carry. */
  mentions?: string;
  /** No other invocations in the window. */
  quiet?: boolean;
}

function snapshot(c: Case, format: LogFormat): DiagnoseSnapshot {
  const noise = c.quiet ? [] : [
    ...successfulRotation(NOW - 12 * DAY),
    // A hand-run test invocation with a made-up token: an error that is not the cause.
    { id: rid(), at: NOW - 11 * DAY, durationMs: 120.5, lines: [['ERROR', `Secret version 00000000-test has no stage for rotation of secret ${ARN}.`]], error: { type: 'ValueError', message: `Secret version 00000000-test has no stage for rotation of secret ${ARN}.` } } as InvocationSpec,
  ];
  const s: DiagnoseSnapshot = {
    now: new Date(NOW).toISOString(), region: 'us-east-1', secret: stuckSecret(),
    functionConfig: { name: 'orders-db-rotation', arn: FN_ARN, timeout: 30, logGroup: '/aws/lambda/orders-db-rotation', logFormat: format, tags: {} },
    functionReport: report10,
    invocations: groupInvocations(eventsOf([...noise, ...c.specs()], format)),
    policy: { document: ALLOW_SM },
    database: MD5_DB(),
    ...(c.over?.(format) ?? {}),
  };
  // Diagnosis works from plain JSON.
  return JSON.parse(JSON.stringify(s)) as DiagnoseSnapshot;
}

const loginFailed = (durationMs: number) => (at: number): InvocationSpec => ({
  id: rid(), at, durationMs,
  lines: [['ERROR', `setSecret: Unable to log into database with previous, current, or pending secret of secret arn ${ARN}`]],
  error: { type: 'ValueError', message: `Unable to log into database with previous, current, or pending secret of secret arn ${ARN}` },
});

const CASES: Case[] = [
  { cause: 'ok', confidence: 'confirmed', specs: () => [...failingRotation(T - 600_000, loginFailed(350), 1), ...successfulRotation(T)], over: () => ({ secret: healthySecret() }) },
  { cause: 'ok', confidence: 'likely', name: 'no rotation in the window, nothing stuck', quiet: true, specs: () => [], over: () => ({ secret: healthySecret() }) },
  { cause: 'not-configured', confidence: 'confirmed', specs: () => [], over: () => ({ secret: stuckSecret({ rotationEnabled: false }) }) },
  { cause: 'managed-rotation', confidence: 'confirmed', specs: () => [], over: () => ({ secret: stuckSecret({ owningService: 'rds', rotationLambdaArn: null }) }) },
  {
    cause: 'secretsmanager-unreachable', confidence: 'likely', mentions: 'secretsmanager',
    specs: () => [0, 1, 2].map((a) => ({ id: rid(), at: T + a * 120_000, coldStart: true, durationMs: 30_003.5, timeout: true, lines: [['INFO', 'Found credentials in environment variables.']] })),
  },
  {
    cause: 'stalled-after-create', confidence: 'likely', mentions: 'endpoint policy',
    specs: () => failingRotation(T, (at) => ({ id: rid(), at, durationMs: 60_001.2, timeout: true })),
    over: (f) => ({ functionConfig: { name: 'orders-db-rotation', arn: FN_ARN, timeout: 60, logGroup: '/aws/lambda/orders-db-rotation', logFormat: f, tags: {} } }),
  },
  {
    cause: 'secret-key-missing', confidence: 'confirmed', mentions: '"host"',
    specs: () => failingRotation(T, (at) => ({ id: rid(), at, durationMs: 210.3, error: { type: 'KeyError', message: 'host key is missing from secret JSON' } })),
  },
  {
    cause: 'secret-key-missing', confidence: 'confirmed', name: 'masterarn', mentions: '"masterarn"',
    specs: () => failingRotation(T, (at) => ({ id: rid(), at, durationMs: 190.3, error: { type: 'KeyError', message: 'masterarn' } })),
  },
  {
    cause: 'engine-mismatch', confidence: 'confirmed', mentions: 'postgres',
    specs: () => [{ id: rid(), at: T, coldStart: true, durationMs: 301.2, lines: [['INFO', 'Found credentials in environment variables.']], error: { type: 'KeyError', message: "Database engine must be set to 'postgres' in order to use this rotation lambda" } }],
  },
  { cause: 'database-unreachable', confidence: 'likely', specs: () => failingRotation(T, loginFailed(30_112.4)) },
  {
    cause: 'database-unreachable', confidence: 'possible', name: 'silent timeout within the connection budget', mentions: 'stalled-after-create',
    specs: () => failingRotation(T, (at) => ({ id: rid(), at, durationMs: 30_001.9, timeout: true })),
  },
  { cause: 'database-auth-failed', confidence: 'likely', specs: () => failingRotation(T, loginFailed(412.8)) },
  { cause: 'scram-unsupported', confidence: 'confirmed', mentions: 'password_encryption', specs: () => failingRotation(T, loginFailed(388.1)), over: () => ({ functionReport: report94, database: SCRAM_DB() }) },
  {
    cause: 'scram-unsupported', confidence: 'confirmed', name: 'engine default of a PostgreSQL 15 default group',
    specs: () => failingRotation(T, loginFailed(388.1)),
    over: () => ({ functionReport: report94, database: db('15.4', [{ name: 'password_encryption', value: 'scram-sha-256', source: 'system' }], 'default.postgres15') }),
  },
  { cause: 'scram-unsupported', confidence: 'possible', name: 'database unknown', specs: () => failingRotation(T, loginFailed(388.1)), over: () => ({ functionReport: report94, database: null, databaseError: 'the secret names no database and --database was not given' }) },
  {
    cause: 'tls-required', confidence: 'confirmed', name: 'the template line',
    specs: () => failingRotation(T, (at) => ({
      id: rid(), at, durationMs: 1210.5,
      lines: [['ERROR', `Unable to establish SSL/TLS handshake, SSL/TLS is enforced on the host: ${HOST}`], ['ERROR', `setSecret: Unable to log into database with previous, current, or pending secret of secret arn ${ARN}`]],
      error: { type: 'ValueError', message: `Unable to log into database with previous, current, or pending secret of secret arn ${ARN}` },
    })),
  },
  { cause: 'tls-required', confidence: 'confirmed', name: 'force_ssl = 1 and a libpq without OpenSSL', mentions: 'rds.force_ssl', specs: () => failingRotation(T, loginFailed(402.2)), over: () => ({ functionReport: report94, database: FORCE_SSL_DB() }) },
  {
    cause: 'tls-required', confidence: 'possible', name: 'force_ssl = 1 and a handler on sslmode=prefer',
    specs: () => failingRotation(T, loginFailed(402.2)),
    over: () => ({ functionReport: { ...report94, libraries: report94.libraries.map((l) => ({ ...l, version: { ...l.version, value: '11.22', major: 11, atLeast: 11 }, needed: ['libssl.so.3', 'libc.so.6'] })) }, database: FORCE_SSL_DB() }),
  },
  {
    cause: 'tls-hostname-mismatch', confidence: 'confirmed',
    specs: () => failingRotation(T, (at) => ({
      id: rid(), at, durationMs: 980.1,
      lines: [['ERROR', 'Hostname verification failed when estlablishing SSL/TLS Handshake with host: orders-db.internal.example.com'], ['ERROR', `setSecret: Unable to log into database with previous, current, or pending secret of secret arn ${ARN}`]],
      error: { type: 'ValueError', message: `Unable to log into database with previous, current, or pending secret of secret arn ${ARN}` },
    })),
  },
  {
    cause: 'pending-password-rejected', confidence: 'confirmed',
    specs: () => [createStep(T), { id: rid(), at: T + 2000, durationMs: 1500.2, lines: [['INFO', `Successfully established SSL/TLS connection as user 'orders_app' with host: '${HOST}'`], ['INFO', `setSecret: Successfully set password for user orders_app in PostgreSQL DB for secret arn ${ARN}.`]] },
      { id: rid(), at: T + 4000, durationMs: 420.3, lines: [['ERROR', `testSecret: Unable to log into database with pending secret of secret ARN ${ARN}`]], error: { type: 'ValueError', message: `Unable to log into database with pending secret of secret ARN ${ARN}` } }],
  },
  {
    cause: 'master-secret-unreadable', confidence: 'confirmed', mentions: MASTER,
    specs: () => failingRotation(T, (at) => ({ id: rid(), at, durationMs: 520.1, error: { type: 'ClientError', message: `An error occurred (AccessDeniedException) when calling the GetSecretValue operation: User: arn:aws:sts::123456789012:assumed-role/orders-rotation-role/orders-db-rotation is not authorized to perform: secretsmanager:GetSecretValue on resource: ${MASTER} because no identity-based policy allows the secretsmanager:GetSecretValue action` } })),
  },
  {
    cause: 'master-login-failed', confidence: 'confirmed',
    specs: () => failingRotation(T, (at) => ({ id: rid(), at, durationMs: 610.4, lines: [['ERROR', `setSecret: Unable to log into database using credentials in master secret ${MASTER}`]], error: { type: 'ValueError', message: `Unable to log into database using credentials in master secret ${MASTER}` } })),
  },
  {
    cause: 'rds-api-unreachable', confidence: 'confirmed',
    specs: () => failingRotation(T, (at) => {
      const msg = 'Encountered API error while fetching connection parameters from DescribeDBInstances RDS API: Connect timeout on endpoint URL: "https://rds.us-east-1.amazonaws.com/"';
      return { id: rid(), at, durationMs: 24_120.4, lines: [['INFO', `setSecret: The secret ${MASTER} is not a service-linked secret, so it does not have a tag aws:rds:primarydbinstancearn or a tag aws:rds:primarydbclusterarn`], ['ERROR', `setSecret: ${msg}`]], error: { type: 'Exception', message: msg } };
    }),
  },
  {
    cause: 'function-timeout', confidence: 'confirmed', mentions: 'update-function-configuration',
    specs: () => failingRotation(T, (at) => ({ id: rid(), at, durationMs: 30_000.9, timeout: true, lines: [['INFO', `Successfully established SSL/TLS connection as user 'orders_app' with host: '${HOST}'`]] })),
  },
  {
    cause: 'invoke-permission-missing', confidence: 'confirmed', mentions: 'aws lambda add-permission',
    specs: () => [], over: () => ({ policy: { document: null } }),
  },
  {
    cause: 'access-denied', confidence: 'confirmed', name: 'KMS key policy', mentions: 'KMS key policy',
    specs: () => [{ id: rid(), at: T, coldStart: true, durationMs: 712.2, lines: [['INFO', 'Found credentials in environment variables.']], error: { type: 'ClientError', message: 'An error occurred (AccessDeniedException) when calling the GetSecretValue operation: Access to KMS is not allowed' } }],
  },
  {
    cause: 'access-denied', confidence: 'confirmed', name: 'VPC endpoint policy', mentions: 'secretsmanager:PutSecretValue',
    specs: () => [{ id: rid(), at: T, coldStart: true, durationMs: 702.2, error: { type: 'ClientError', message: `An error occurred (AccessDeniedException) when calling the PutSecretValue operation: User: arn:aws:sts::123456789012:assumed-role/orders-rotation-role/orders-db-rotation is not authorized to perform: secretsmanager:PutSecretValue on resource: ${ARN} because no VPC endpoint policy allows the secretsmanager:PutSecretValue action` } }],
  },
  {
    cause: 'stage-conflict', confidence: 'confirmed',
    specs: () => [createStep(T), { id: rid(), at: T + 3000, durationMs: 150.2, lines: [['ERROR', `Secret version ${TOKEN} not set as AWSPENDING for rotation of secret ${ARN}.`]], error: { type: 'ValueError', message: `Secret version ${TOKEN} not set as AWSPENDING for rotation of secret ${ARN}.` } }],
  },
  {
    cause: 'import-error', confidence: 'confirmed',
    specs: () => [0, 1].map((a) => ({ id: rid(), at: T + a * 60_000, durationMs: 2.1, coldStart: true, error: { type: 'Runtime.ImportModuleError', message: "Unable to import module 'lambda_function': No module named 'pgdb'" } })),
  },
  {
    cause: 'unknown', confidence: 'possible', name: 'logs refused, rotation stuck',
    specs: () => [], over: () => ({ invocations: null, logsError: 'logs:FilterLogEvents was refused' }),
  },
];

test('every cause of the vocabulary has a snapshot', (t) => {
  const covered = new Set(CASES.map((c) => c.cause));
  t.deepEqual(CAUSES.filter((c) => !covered.has(c)), []);
});

for (const c of CASES) {
  for (const format of ['Text', 'JSON'] as const) {
    test(`diagnose: ${c.cause}${c.name ? ` (${c.name})` : ''}, ${format} logs`, (t) => {
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

test('confirmed is never claimed without proof: a setting read from nowhere is only assumed', (t) => {
  const c = CASES.find((x) => x.cause === 'scram-unsupported')!;
  const s = snapshot(c, 'Text');
  s.database = databaseFacts({ identifier: 'orders', kind: 'instance', engine: 'postgres', engineVersion: '15.4', endpoint: HOST, port: 5432, parameterGroup: 'orders-pg', parameters: null, parametersError: 'rds:DescribeDBParameters was refused' }, 'flag');
  const { diagnosis } = diagnose(s);
  t.is(diagnosis.cause, 'scram-unsupported');
  t.is(diagnosis.confidence, 'likely');
});
