/**
 * One scenario per cause of the diagnosis vocabulary (and the confidence
 * variants), built from the templates' real log lines: usable as a plain
 * JSON snapshot (pure tests) or as a stand-in account (live tests).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cause, Confidence } from '../../src/diagnose/diagnose.js';
import type { SecretMetadata } from '../../src/facts/secret/secretFacts.js';
import { buildZip } from '../standin/zip.js';
import { FIXTURES, SAMPLE_94 } from './fixtures.js';
import { ARN, HOST, TOKEN, createStep, eventsOf, failingRotation, rid, successfulRotation, type InvocationSpec } from './rotationLogs.js';
import type { DiagnoseApis } from '../standin/diagnoseApis.js';

export const DAY = 86_400_000;
/**
 * Scenario clock: logs and dates are laid out against noon (UTC) yesterday,
 * so that a CLI run (which reads the real clock) sees the same picture.
 */
export const NOW = Math.floor(Date.now() / DAY) * DAY - DAY / 2;
const at = (ms: number) => new Date(ms).toISOString();
const T = NOW - 2 * DAY;
export const MASTER = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/master-XyZ123';

export type Code = 'libpq-9.4' | 'libpq-10' | 'libpq-11-openssl' | 'libpq-9.4-no-openssl';
export type DbKind = 'md5' | 'scram' | 'scram-default-group' | 'scram-unreadable-group' | 'force-ssl' | 'none';

export interface Scenario {
  cause: Cause;
  confidence: Confidence;
  name?: string;
  specs: () => InvocationSpec[];
  /** No other invocations in the window. */
  quiet?: boolean;
  secret?: 'stuck' | 'healthy' | 'disabled' | 'managed';
  code?: Code;
  timeout?: number;
  policy?: 'allow' | 'none';
  db?: DbKind;
  logs?: 'readable' | 'denied';
  /** A word the summary, evidence, remediation or candidates must carry. */
  mentions?: string;
}

export function scenarioSecret(kind: Scenario['secret'] = 'stuck', arn = ARN, name = 'prod/orders/db', fnArn?: string): SecretMetadata {
  const base: SecretMetadata = {
    name, arn, rotationEnabled: true, rotationLambdaArn: fnArn ?? null,
    rotationRules: { automaticallyAfterDays: 30, duration: '3h', scheduleExpression: 'rate(30 days)' },
    lastRotatedDate: at(NOW - 40 * DAY), nextRotationDate: at(NOW - 2 * DAY), owningService: null,
    versions: [
      { id: '9a7d6c1e-0b3f-4c55-8e21-7d4f3b2a1c09', stages: ['AWSCURRENT'], createdDate: at(NOW - 40 * DAY) },
      { id: TOKEN, stages: ['AWSPENDING'], createdDate: at(NOW - 2 * DAY + 120_000) },
    ],
  };
  switch (kind) {
    case 'healthy':
      return {
        ...base, lastRotatedDate: at(T + 7000), nextRotationDate: at(NOW + 28 * DAY),
        versions: [{ id: TOKEN, stages: ['AWSCURRENT', 'AWSPENDING'], createdDate: at(T) }, { id: '9a7d6c1e-0b3f-4c55-8e21-7d4f3b2a1c09', stages: ['AWSPREVIOUS'], createdDate: at(NOW - 40 * DAY) }],
      };
    case 'disabled': return { ...base, rotationEnabled: false };
    case 'managed': return { ...scenarioSecret('healthy', arn, name, fnArn), owningService: 'rds', rotationLambdaArn: null };
    default: return base;
  }
}

/**
 * The sample's handler without its sslmode='disable' line (so libpq's default,
 * prefer, decides) with another libpq: a real libpq 11.22 that links OpenSSL,
 * or the 9.4.26 fixture built without OpenSSL.
 */
async function handlerWithLibpq(libpq: string): Promise<Buffer> {
  const { sampleEntries } = await import('./aws.js');
  const entries = (await sampleEntries(SAMPLE_94)).filter((e) => e.name !== 'libpq.so.5').map((e) => {
    if (e.name !== 'lambda_function.py') return e;
    const text = e.data.toString('utf8');
    const prefer = text.replace(/^[ \t]*sslmode='disable',\n/m, '');
    if (prefer === text) throw new Error('the sample handler no longer has its sslmode=\'disable\' line');
    return { ...e, data: Buffer.from(prefer) };
  });
  return buildZip([...entries, { name: 'libpq.so.5', data: readFileSync(libpq) }]);
}

export const libpq11Bundle = () => handlerWithLibpq(join(FIXTURES, 'libpq', 'x86_64-11.22-libpq.so.5.11'));

/** Every bundle the scenarios use. */
export async function scenarioBundles(): Promise<Record<Code, Buffer>> {
  const { SAMPLE_94_ZIP, SAMPLE_10_ZIP } = await import('./aws.js');
  return {
    'libpq-9.4': SAMPLE_94_ZIP, 'libpq-10': SAMPLE_10_ZIP, 'libpq-11-openssl': await libpq11Bundle(),
    'libpq-9.4-no-openssl': await handlerWithLibpq(join(FIXTURES, 'elf', 'good', 'no-section-headers-libpq.so.5')),
  };
}

export const ALLOW_SM = (fnArn: string) => ({ Version: '2012-10-17', Id: 'default', Statement: [{ Sid: 'SecretsManagerAccess', Effect: 'Allow', Principal: { Service: 'secretsmanager.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: fnArn }] });

/** password_encryption and rds.force_ssl of each database kind, as a parameter group lists them. */
export function dbParameters(kind: DbKind): { engineVersion: string; group: string; parameters: Array<{ name: string; value?: string; source: 'user' | 'system' | 'engine-default' }> } {
  const filler = Array.from({ length: 150 }, (_, i) => ({ name: `autovacuum_param_${i}`, value: String(i), source: 'engine-default' as const }));
  switch (kind) {
    case 'scram': return { engineVersion: '15.4', group: 'orders-pg15', parameters: [...filler, { name: 'password_encryption', value: 'scram-sha-256', source: 'user' }, { name: 'rds.force_ssl', value: '0', source: 'user' }] };
    case 'scram-default-group': return { engineVersion: '15.4', group: 'default.postgres15', parameters: [...filler, { name: 'password_encryption', value: 'scram-sha-256', source: 'system' }, { name: 'rds.force_ssl', value: '1', source: 'system' }] };
    case 'scram-unreadable-group': return { engineVersion: '15.4', group: 'orders-pg15-locked', parameters: [] };
    case 'force-ssl': return { engineVersion: '13.12', group: 'orders-pg13-ssl', parameters: [...filler, { name: 'password_encryption', value: 'md5', source: 'user' }, { name: 'rds.force_ssl', value: '1', source: 'user' }] };
    default: return { engineVersion: '13.12', group: 'orders-pg13', parameters: [...filler, { name: 'password_encryption', value: 'md5', source: 'user' }, { name: 'rds.force_ssl', value: '0', source: 'user' }] };
  }
}

/** Other invocations in every window: an older successful rotation and a hand-run test with a made-up token. */
export function noise(): InvocationSpec[] {
  return [
    ...successfulRotation(NOW - 12 * DAY),
    { id: rid(), at: NOW - 11 * DAY, durationMs: 120.5, lines: [['ERROR', `Secret version 00000000-test has no stage for rotation of secret ${ARN}.`]], error: { type: 'ValueError', message: `Secret version 00000000-test has no stage for rotation of secret ${ARN}.` } },
  ];
}

const loginFailed = (durationMs: number) => (at: number): InvocationSpec => ({
  id: rid(), at, durationMs,
  lines: [['ERROR', `setSecret: Unable to log into database with previous, current, or pending secret of secret arn ${ARN}`]],
  error: { type: 'ValueError', message: `Unable to log into database with previous, current, or pending secret of secret arn ${ARN}` },
});

export const SCENARIOS: Scenario[] = [
  { cause: 'ok', confidence: 'confirmed', secret: 'healthy', specs: () => [...failingRotation(T - 600_000, loginFailed(350), 1), ...successfulRotation(T)] },
  { cause: 'ok', confidence: 'likely', name: 'no rotation in the window, nothing stuck', quiet: true, secret: 'healthy', specs: () => [] },
  { cause: 'not-configured', confidence: 'confirmed', secret: 'disabled', specs: () => [] },
  { cause: 'managed-rotation', confidence: 'confirmed', secret: 'managed', specs: () => [] },
  {
    cause: 'secretsmanager-unreachable', confidence: 'likely', mentions: 'secretsmanager',
    specs: () => [0, 1, 2].map((a) => ({ id: rid(), at: T + a * 120_000, coldStart: true, durationMs: 30_003.5, timeout: true, lines: [['INFO', 'Found credentials in environment variables.']] })),
  },
  { cause: 'stalled-after-create', confidence: 'likely', mentions: 'endpoint policy', timeout: 60, specs: () => failingRotation(T, (at) => ({ id: rid(), at, durationMs: 60_001.2, timeout: true })) },
  { cause: 'secret-key-missing', confidence: 'confirmed', mentions: '"host"', specs: () => failingRotation(T, (at) => ({ id: rid(), at, durationMs: 210.3, error: { type: 'KeyError', message: 'host key is missing from secret JSON' } })) },
  { cause: 'secret-key-missing', confidence: 'confirmed', name: 'masterarn', mentions: '"masterarn"', specs: () => failingRotation(T, (at) => ({ id: rid(), at, durationMs: 190.3, error: { type: 'KeyError', message: 'masterarn' } })) },
  {
    cause: 'engine-mismatch', confidence: 'confirmed', mentions: 'postgres',
    specs: () => [{ id: rid(), at: T, coldStart: true, durationMs: 301.2, lines: [['INFO', 'Found credentials in environment variables.']], error: { type: 'KeyError', message: "Database engine must be set to 'postgres' in order to use this rotation lambda" } }],
  },
  { cause: 'database-unreachable', confidence: 'likely', specs: () => failingRotation(T, loginFailed(30_112.4)) },
  { cause: 'database-unreachable', confidence: 'possible', name: 'silent timeout within the connection budget', mentions: 'stalled-after-create', specs: () => failingRotation(T, (at) => ({ id: rid(), at, durationMs: 30_001.9, timeout: true })) },
  { cause: 'database-auth-failed', confidence: 'likely', specs: () => failingRotation(T, loginFailed(412.8)) },
  { cause: 'scram-unsupported', confidence: 'confirmed', mentions: 'password_encryption', code: 'libpq-9.4', db: 'scram', specs: () => failingRotation(T, loginFailed(388.1)) },
  { cause: 'scram-unsupported', confidence: 'confirmed', name: 'engine default of a PostgreSQL 15 default group', code: 'libpq-9.4', db: 'scram-default-group', specs: () => failingRotation(T, loginFailed(388.1)) },
  { cause: 'scram-unsupported', confidence: 'likely', name: 'parameter group unreadable: the default is only assumed', code: 'libpq-9.4', db: 'scram-unreadable-group', specs: () => failingRotation(T, loginFailed(388.1)) },
  { cause: 'scram-unsupported', confidence: 'possible', name: 'database unknown', code: 'libpq-9.4', db: 'none', specs: () => failingRotation(T, loginFailed(388.1)) },
  {
    cause: 'tls-required', confidence: 'confirmed', name: 'the template line',
    specs: () => failingRotation(T, (at) => ({
      id: rid(), at, durationMs: 1210.5,
      lines: [['ERROR', `Unable to establish SSL/TLS handshake, SSL/TLS is enforced on the host: ${HOST}`], ['ERROR', `setSecret: Unable to log into database with previous, current, or pending secret of secret arn ${ARN}`]],
      error: { type: 'ValueError', message: `Unable to log into database with previous, current, or pending secret of secret arn ${ARN}` },
    })),
  },
  { cause: 'tls-required', confidence: 'confirmed', name: 'force_ssl = 1 and a handler that turns TLS off', mentions: 'rds.force_ssl', code: 'libpq-9.4', db: 'force-ssl', specs: () => failingRotation(T, loginFailed(402.2)) },
  { cause: 'tls-required', confidence: 'confirmed', name: 'force_ssl = 1 and a libpq without OpenSSL', mentions: 'without OpenSSL', code: 'libpq-9.4-no-openssl', db: 'force-ssl', specs: () => failingRotation(T, loginFailed(402.2)) },
  { cause: 'tls-required', confidence: 'possible', name: 'force_ssl = 1 and a handler on sslmode=prefer', code: 'libpq-11-openssl', db: 'force-ssl', specs: () => failingRotation(T, loginFailed(402.2)) },
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
      return { id: rid(), at, durationMs: 24_120.4, lines: [['WARNING', `setSecret: The secret ${MASTER} is not a service-linked secret, so it does not have a tag aws:rds:primarydbinstancearn or a tag aws:rds:primarydbclusterarn`], ['ERROR', `setSecret: ${msg}`]], error: { type: 'Exception', message: msg } };
    }),
  },
  { cause: 'function-timeout', confidence: 'confirmed', mentions: 'update-function-configuration', specs: () => failingRotation(T, (at) => ({ id: rid(), at, durationMs: 30_000.9, timeout: true, lines: [['INFO', `Successfully established SSL/TLS connection as user 'orders_app' with host: '${HOST}'`]] })) },
  { cause: 'invoke-permission-missing', confidence: 'confirmed', mentions: 'aws lambda add-permission', policy: 'none', specs: () => [] },
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
  { cause: 'import-error', confidence: 'confirmed', specs: () => [0, 1].map((a) => ({ id: rid(), at: T + a * 60_000, durationMs: 2.1, coldStart: true, error: { type: 'Runtime.ImportModuleError', message: "Unable to import module 'lambda_function': No module named 'pgdb'" } })) },
  { cause: 'unknown', confidence: 'possible', name: 'logs refused, rotation stuck', logs: 'denied', specs: () => [] },
];

export const scenarioTitle = (s: Scenario) => `${s.cause}${s.name ? ` (${s.name})` : ''}`;

/** A distinctive password placed in every stand-in secret value: it must never appear anywhere. */
export const PLANTED_PASSWORD = 'Pl4nted-Passw0rd-9f1e7c3a-NEVER-PRINT';

export interface InstalledScenario { scenario: Scenario; secretName: string; secretArn: string; functionArn: string; logGroup: string }

/**
 * Puts a scenario into the stand-in as a small account of its own: a secret,
 * its rotation function (real bundle) with its logs, resource policy and VPC,
 * and the PostgreSQL database in that VPC with its parameter group.
 */
export function installScenario(
  apis: DiagnoseApis, sc: Scenario, idx: number, format: 'Text' | 'JSON', bundles: Record<Code, Buffer>,
  /** the function's and the database's place in a VPC served by the stand-in's EC2 (test/support/networkFixtures.ts) */
  network?: { vpcId: string; subnetIds: string[]; securityGroupIds: string[]; db: { subnetIds: string[]; securityGroupIds: string[] } },
): InstalledScenario {
  const fnName = `rotation-fn-${idx}`;
  const vpcId = network?.vpcId ?? `vpc-0a${String(idx).padStart(4, '0')}`;
  // Odd scenarios log to a custom group (LoggingConfig.LogGroup), as some teams configure.
  const logGroup = idx % 2 === 1 ? `/custom/rotation/${fnName}` : `/aws/lambda/${fnName}`;
  const functionArn = apis.addFunction({
    name: fnName, runtime: 'python3.9', handler: 'lambda_function.lambda_handler', code: bundles[sc.code ?? 'libpq-10'], timeout: sc.timeout ?? 30,
    vpc: network ? { subnetIds: network.subnetIds, securityGroupIds: network.securityGroupIds } : { subnetIds: [`subnet-${idx}a`], securityGroupIds: [`sg-fn-${idx}`] }, vpcId, logFormat: format, logGroup,
    policy: sc.policy === 'none' ? null : ALLOW_SM(`arn:aws:lambda:us-east-1:123456789012:function:${fnName}`),
  });
  const secretName = `prod/scenario-${idx}/db`;
  const meta = scenarioSecret(sc.secret, 'unused', secretName, functionArn);
  const host = `scenario-${idx}.abcdefghij.us-east-1.rds.amazonaws.com`;
  const value = JSON.stringify({ engine: 'postgres', host, username: 'orders_app', password: PLANTED_PASSWORD, dbname: 'orders', port: 5432 });
  const secretArn = apis.addSecret({
    name: secretName,
    ...(meta.rotationEnabled !== null ? { rotationEnabled: meta.rotationEnabled } : {}),
    ...(meta.rotationLambdaArn ? { rotationLambdaARN: meta.rotationLambdaArn } : {}),
    rotationRules: { AutomaticallyAfterDays: 30, Duration: '3h', ScheduleExpression: 'rate(30 days)' },
    ...(meta.lastRotatedDate ? { lastRotatedDate: meta.lastRotatedDate } : {}),
    ...(meta.nextRotationDate ? { nextRotationDate: meta.nextRotationDate } : {}),
    ...(meta.owningService ? { owningService: meta.owningService } : {}),
    versions: meta.versions.map((v) => ({ id: v.id, stages: v.stages, createdDate: v.createdDate!, value })),
  });
  if (sc.logs === 'denied') apis.knobs.deniedLogGroups.push(logGroup);
  const specs = [...(sc.quiet ? [] : noise()), ...sc.specs()];
  apis.addLogEvents(logGroup, eventsOf(specs, format));
  if (sc.db !== 'none') {
    const p = dbParameters(sc.db ?? 'md5');
    const group = p.group.startsWith('default.') ? p.group : `${p.group}-${idx}`;
    apis.addDbInstance({ identifier: `orders-${idx}`, engine: 'postgres', engineVersion: p.engineVersion, address: host, parameterGroup: group, vpcId, securityGroups: network?.db.securityGroupIds ?? [`sg-db-${idx}`], ...(network ? { subnetIds: network.db.subnetIds } : {}) });
    apis.addParameterGroup({ name: group, parameters: p.parameters });
    if (sc.db === 'scram-unreadable-group') apis.knobs.deniedParameterGroups.push(group);
  }
  return { scenario: sc, secretName, secretArn, functionArn, logGroup };
}

