/**
 * Names why a secret's rotation fails, from a plain snapshot of what AWS
 * said: secret metadata, the rotation function's configuration and inspect
 * report, its rotation invocations, its resource policy and the database's
 * settings. Pure: the same snapshot always gives the same diagnosis, so every
 * cause is tested from a JSON snapshot.
 *
 * The causes and the troubleshooting guide sections they come from are in
 * the README ("Causes"). A cause is `confirmed` only when a log line or a
 * setting proves it; otherwise `likely`, or `possible` with the candidates.
 */
import { REDEPLOY, type Check } from '../checks/check.js';
import { connectionTlsCheck, databaseScramCheck, databaseTlsCheck, loadedLibpq, setParameterCommand, type LoadedLibpq } from '../checks/databaseChecks.js';
import { shellWord, type DiagnoseCheck } from '../checks/diagnoseCheck.js';
import { CONNECT_BUDGET_S, functionTimeoutCheck, invokePermissionCheck, raiseTimeoutCommand, SUGGESTED_TIMEOUT_S, type FunctionPolicy } from '../checks/functionChecks.js';
import { rotationStateCheck } from '../checks/rotationStateCheck.js';
import { postgresTemplateRequirements, secretStructureCheck, type SecretRequirements } from '../checks/secretStructureCheck.js';
import { describeSetting, type DatabaseFacts } from '../facts/database/databaseSettings.js';
import { LONG_LOGIN_FAILURE_MS, refusingPolicy, type Invocation } from '../facts/logs/lambdaLogs.js';
import { SAR_APPLICATION_TAG, type SecretMetadata, type SecretShape } from '../facts/secret/secretFacts.js';
import { networkChecks } from '../checks/networkChecks.js';
import { indexNetworkSnapshot, networkPaths, type NetworkPaths } from '../facts/network/paths.js';
import type { NetworkSnapshot } from '../facts/network/snapshot.js';
import type { Report } from '../report/report.js';
import { withNetworkEvidence } from './networkEvidence.js';

export const CAUSES = [
  'ok', 'not-configured', 'managed-rotation', 'secretsmanager-unreachable', 'stalled-after-create', 'secret-key-missing',
  'engine-mismatch', 'database-unreachable', 'database-auth-failed', 'scram-unsupported', 'tls-required', 'tls-hostname-mismatch',
  'pending-password-rejected', 'master-secret-unreadable', 'master-login-failed', 'rds-api-unreachable', 'function-timeout',
  'invoke-permission-missing', 'access-denied', 'stage-conflict', 'import-error', 'unknown',
] as const;
export type Cause = (typeof CAUSES)[number];
export type Confidence = 'confirmed' | 'likely' | 'possible';

/** Causes that are not a failure: exit code 0 as far as the diagnosis goes. */
export const NOT_FAILURES: ReadonlySet<Cause> = new Set(['ok', 'not-configured', 'managed-rotation']);

export interface Diagnosis {
  cause: Cause;
  confidence: Confidence;
  summary: string;
  evidence: string[];
  remediation: string;
  /** With `possible`: the causes the evidence leaves open, most likely first. */
  candidates?: Cause[];
}

/** What lambda:GetFunctionConfiguration says that matters here. */
export interface FunctionConfig {
  name: string;
  arn: string;
  timeout: number | null;
  logGroup: string;
  logFormat: 'Text' | 'JSON';
  tags: Record<string, string>;
}

/** Everything diagnose reads, as plain JSON. `null` parts were not read; `*Error` says why. */
export interface DiagnoseSnapshot {
  /** ISO time the snapshot was taken. */
  now: string;
  region?: string;
  secret: SecretMetadata;
  /** --read-secret-keys: key names and non-secret fields of AWSCURRENT and AWSPENDING. */
  secretShapes?: SecretShape[] | null;
  functionConfig?: FunctionConfig | null;
  /** The function's report as `inspect` gives it. */
  functionReport?: Report | null;
  functionError?: string;
  invocations: Invocation[] | null;
  logsError?: string;
  policy: FunctionPolicy | null;
  database: DatabaseFacts | null;
  databaseError?: string;
  /** The function's network (src/facts/network/snapshot.ts), its first target being this function; absent: not read. */
  network?: NetworkSnapshot | null;
}

const logEvidence = (i: Invocation, message: string) => `log ${i.start} ${i.requestId}: ${message}`;

function lineOf(i: Invocation, re: RegExp): string | null {
  return i.lines.find((l) => re.test(l.message))?.message ?? null;
}

/** A diagnosis; `confirmed` needs at least one proof (a log line or a setting), else it is `likely`. */
function verdict(cause: Cause, confidence: Confidence, summary: string, proof: string[], more: string[], remediation: string, candidates?: Cause[]): Diagnosis {
  const c: Confidence = confidence === 'confirmed' && proof.length === 0 ? 'likely' : confidence;
  return { cause, confidence: c, summary, evidence: [...proof, ...more], remediation, ...(candidates && c === 'possible' ? { candidates } : {}) };
}

/** Redeploy advice, with the SAR stack update when the function came from the Serverless Application Repository. */
export function redeployRemediation(config: FunctionConfig | null | undefined, region: string | undefined): string {
  const app = config?.tags[SAR_APPLICATION_TAG];
  if (!app || !config) return `${REDEPLOY}.`;
  const stack = config.tags['aws:cloudformation:stack-name'];
  const name = stack?.replace(/^serverlessrepo-/, '') ?? `<stack name without the serverlessrepo- prefix>`;
  const endpoint = `https://secretsmanager.${region ?? '<region>'}.amazonaws.com`;
  return `Update the serverless application stack${stack ? ` ${stack}` : ''} to the latest template version: ` +
    `aws serverlessrepo create-cloud-formation-change-set --application-id ${shellWord(app)} --stack-name ${shellWord(name)} ` +
    `--capabilities CAPABILITY_IAM CAPABILITY_RESOURCE_POLICY --parameter-overrides Name=functionName,Value=${shellWord(config.name)} Name=endpoint,Value=${endpoint}` +
    ` then aws cloudformation execute-change-set --change-set-name <ChangeSetId printed by the first command>`;
}

function isMultiUser(s: DiagnoseSnapshot): boolean {
  const app = s.functionConfig?.tags[SAR_APPLICATION_TAG] ?? '';
  if (/MultiUser/i.test(app)) return true;
  return (s.secretShapes ?? []).some((x) => x.keys.includes('masterarn'));
}

/**
 * What the function requires of its secret: the keys its own handler reads
 * without a default (handler facts), else the PostgreSQL template's list.
 */
function secretRequirements(s: DiagnoseSnapshot, postgres: boolean): SecretRequirements | null {
  const h = s.functionReport?.handler;
  const keys = h?.secretKeys;
  if (h && keys && keys.required.length > 0) {
    return { required: keys.required, engines: keys.engines, source: `${h.path}: the keys its code reads without a default` };
  }
  return postgres || !s.functionReport ? postgresTemplateRequirements(isMultiUser(s)) : null;
}

export interface DiagnoseResult { diagnosis: Diagnosis; checks: DiagnoseCheck[]; network: NetworkPaths | null }

/** The checks of a secret report, the function's own first. */
export function diagnoseChecks(s: DiagnoseSnapshot): DiagnoseCheck[] {
  const now = new Date(s.now);
  const fnArn = s.functionConfig?.arn ?? s.secret.rotationLambdaArn ?? '<function>';
  const libpq = loadedLibpq(s.functionReport ?? null);
  const own: Check[] = s.functionReport?.checks ?? [];
  const postgres = s.functionReport?.handler?.engine === 'postgresql' || (s.database ? /postgres/.test(s.database.engine) : false);
  return [
    ...own,
    rotationStateCheck(s.secret, now),
    functionTimeoutCheck(fnArn, s.functionConfig?.timeout ?? null, s.invocations, s.logsError),
    invokePermissionCheck(fnArn, s.policy),
    secretStructureCheck(s.secretShapes ?? null, secretRequirements(s, postgres)),
    databaseScramCheck(libpq, s.database, s.databaseError),
    databaseTlsCheck(s.functionReport ?? null, libpq, s.database, s.databaseError),
    connectionTlsCheck(s.invocations, s.logsError),
  ];
}

/** The diagnosis and the checks of one secret. */
export function diagnose(s: DiagnoseSnapshot): DiagnoseResult {
  const target = s.network?.targets[0];
  const network = s.network && target ? networkPaths(indexNetworkSnapshot(s.network), target) : null;
  const checks = [...diagnoseChecks(s), ...(network ? networkChecks(network) : [])];
  return { diagnosis: withNetworkEvidence(diagnosis(s, checks), network), checks, network };
}

/**
 * Lines only an invocation Secrets Manager did not start can produce: a made-up
 * token, rotation turned off, a bad Step (someone testing the function by hand).
 */
const BY_HAND = /has no stage for rotation of secret|is not enabled for rotation|Invalid step parameter/;
const byHand = (i: Invocation) => i.lines.some((l) => BY_HAND.test(l.message));

const FINISHED = /finishSecret: (?:Successfully set AWSCURRENT stage|Version \S+ already marked as AWSCURRENT)/;
const PROGRESS = /Successfully established|Successfully (?:set password|signed into|put secret|retrieved secret)/;
const FOUND_CREDENTIALS = /^Found credentials in environment variables\.?$/;
const CREATE_DONE = /createSecret: Successfully (?:put|retrieved) secret/;

function checkOf(checks: readonly DiagnoseCheck[], id: DiagnoseCheck['id']): DiagnoseCheck | undefined {
  return checks.find((c) => c.id === id);
}

function settingProof(db: DatabaseFacts, which: 'passwordEncryption' | 'forceSsl'): string[] {
  const st = db[which];
  if (st.assumed || st.value === null) return [];
  return [`setting ${db.identifier}: ${describeSetting(which === 'passwordEncryption' ? 'password_encryption' : 'rds.force_ssl', st)}`];
}

function diagnosis(s: DiagnoseSnapshot, checks: readonly DiagnoseCheck[]): Diagnosis {
  const sec = s.secret;
  const redeploy = redeployRemediation(s.functionConfig, s.region);
  const fnArn = s.functionConfig?.arn ?? sec.rotationLambdaArn ?? '<function>';

  if (sec.owningService || (sec.rotationEnabled === true && !sec.rotationLambdaArn)) {
    const proof = [sec.owningService ? `setting OwningService = ${sec.owningService}` : 'setting RotationEnabled = true with no RotationLambdaARN'];
    return verdict('managed-rotation', 'confirmed', `${sec.name} is rotated by ${sec.owningService ?? 'the service that manages it'} (managed rotation): no rotation function to diagnose.`, proof, [], '');
  }
  if (sec.rotationEnabled !== true) {
    const proof = [`setting RotationEnabled = ${sec.rotationEnabled === null ? 'absent (never configured)' : 'false'}`];
    return verdict('not-configured', 'confirmed', `Rotation is ${sec.rotationEnabled === false ? 'turned off' : 'not configured'} for ${sec.name}${sec.rotationLambdaArn ? ` (it still names ${sec.rotationLambdaArn})` : ''}.`, proof, [], sec.rotationLambdaArn ? `Turn rotation back on: aws secretsmanager rotate-secret --secret-id ${shellWord(sec.arn)} --rotation-lambda-arn ${shellWord(sec.rotationLambdaArn)}` : '');
  }

  const invocations = s.invocations ?? [];
  const state = checkOf(checks, 'rotation-state');
  const stuck = state?.status === 'fail';
  const failureIdx = invocations.findIndex((i) => (i.outcome === 'failed' || i.outcome === 'timed-out') && !byHand(i));
  const finishIdx = invocations.findIndex((i) => i.outcome === 'succeeded' && i.lines.some((l) => FINISHED.test(l.message)));

  if (finishIdx >= 0 && (failureIdx < 0 || finishIdx < failureIdx) && !stuck) {
    const i = invocations[finishIdx]!;
    return verdict('ok', 'confirmed', `The last rotation finished at ${i.start}; nothing is stuck.`, [logEvidence(i, lineOf(i, FINISHED)!)], state ? [state.summary] : [], '');
  }

  if (failureIdx >= 0) return failureDiagnosis(s, checks, invocations, failureIdx, redeploy, fnArn);

  // No failure observed in the window.
  const invoke = checkOf(checks, 'invoke-permission');
  if (invoke?.status === 'fail') {
    return verdict('invoke-permission-missing', 'confirmed', `${invoke.summary}`, [`setting ${invoke.evidence[0] ?? 'resource policy'}`], invocations.length === 0 ? ['no rotation invocation in the logs of the window'] : [], invoke.remediation);
  }
  if (s.functionError) {
    return verdict('unknown', 'possible', `The rotation function cannot be read: ${s.functionError}`, [], [], `Check that ${fnArn} exists and that the secret names the right function.`, ['invoke-permission-missing', 'function-timeout']);
  }
  const dbScram = checkOf(checks, 'database-scram');
  const dbTls = checkOf(checks, 'database-tls');
  if (dbScram?.status === 'fail' && s.database) {
    return verdict('scram-unsupported', 'likely', `No failed rotation in the logs yet, but ${dbScram.summary}`, [], dbScram.evidence, dbScram.remediation);
  }
  if (dbTls?.status === 'fail') {
    return verdict('tls-required', 'likely', `No failed rotation in the logs yet, but ${dbTls.summary}`, [], dbTls.evidence, `${redeploy} ${dbTls.remediation}`);
  }
  if (s.invocations === null) {
    return verdict('unknown', 'possible', `The function's logs could not be read (${s.logsError ?? 'not read'}), so no failure can be named.${stuck ? ` ${state!.summary}` : ''}`, [], state ? [state.summary] : [], 'Grant logs:FilterLogEvents on the function\'s log group and run diagnose again.', stuck ? ['invoke-permission-missing', 'function-timeout', 'database-unreachable'] : undefined);
  }
  if (stuck) {
    return verdict('unknown', 'possible', `${state!.summary} The function logged no rotation in the window, so Secrets Manager may not reach it.`, [], state!.evidence, `Widen --since, or look at CloudTrail RotationFailed events for ${sec.name}.`, ['invoke-permission-missing', 'function-timeout']);
  }
  return verdict('ok', 'likely', `No failed rotation in the logs of the window and nothing is stuck${sec.nextRotationDate ? `; the next rotation is due ${sec.nextRotationDate.slice(0, 10)}` : ''}.`, [], state ? [state.summary] : [], '');
}

function failureDiagnosis(s: DiagnoseSnapshot, checks: readonly DiagnoseCheck[], invocations: readonly Invocation[], idx: number, redeploy: string, fnArn: string): Diagnosis {
  const inv = invocations[idx]!;
  const line = (re: RegExp) => lineOf(inv, re);
  const proofLine = (re: RegExp) => { const l = line(re); return l ? [logEvidence(inv, l)] : []; };
  const timing = inv.durationMs !== null ? [`invocation ${inv.requestId} took ${(inv.durationMs / 1000).toFixed(2)} s${s.functionConfig?.timeout ? ` of a ${s.functionConfig.timeout} s timeout` : ''}`] : [];
  const retries = invocations.filter((i) => i !== inv && i.cause !== null && i.cause === inv.cause).length;
  const also = [...timing, ...(retries ? [`${retries} other invocation(s) in the window failed the same way`] : [])];
  const secretArn = s.secret.arn;

  switch (inv.cause) {
    case 'import-error':
      return verdict('import-error', 'confirmed', 'The function cannot load its code (Runtime.ImportModuleError): its runtime and its bundled modules do not match.', proofLine(/ImportModuleError|Unable to import module/), also, redeploy);
    case 'secret-key-missing': {
      const l = line(/key is missing from secret JSON|KeyError: '?masterarn/);
      const key = /(\w+) key is missing/.exec(l ?? '')?.[1] ?? (/masterarn/.test(l ?? '') ? 'masterarn' : '?');
      return verdict('secret-key-missing', 'confirmed', `The secret has no "${key}" key, which the rotation function requires.`, l ? [logEvidence(inv, l)] : [], also,
        `Add "${key}" to the secret's JSON (AWSCURRENT${key === 'masterarn' ? ': the ARN of the superuser secret' : ''}), e.g. in the console or with aws secretsmanager put-secret-value --secret-id ${shellWord(secretArn)} --secret-string file://secret.json`);
    }
    case 'engine-mismatch': {
      const l = line(/Database engine must be set to/);
      const engine = /set to '([\w-]+)'/.exec(l ?? '')?.[1] ?? 'postgres';
      return verdict('engine-mismatch', 'confirmed', `The secret's "engine" is missing or not one this function accepts (it needs ${engine}).`, l ? [logEvidence(inv, l)] : [], also, `Set "engine": "${engine}" in the secret's JSON (AWSCURRENT), or use the rotation template for the secret's engine.`);
    }
    case 'stage-conflict':
      return verdict('stage-conflict', 'confirmed', 'AWSPENDING was moved off the version being rotated (a concurrent PutSecretValue or UpdateSecretVersionStage during rotation; look for RotationAbandoned in CloudTrail).', proofLine(/not set as AWSPENDING/), also, `Do not write the secret while it rotates; start rotation again: aws secretsmanager rotate-secret --secret-id ${shellWord(secretArn)}`);
    case 'tls-required':
      return verdict('tls-required', 'confirmed', 'The database requires TLS and refused the function\'s plaintext connection.', proofLine(/SSL\/TLS is enforced/), also, `${redeploy} Current templates connect with TLS; set "ssl": true in the secret once they do.`);
    case 'tls-hostname-mismatch':
      return verdict('tls-hostname-mismatch', 'confirmed', 'verify-full rejected the database\'s certificate: the secret\'s host is not the name in the certificate (a CNAME or custom DNS name).', proofLine(/Hostname verification failed/), also, 'Put the RDS endpoint name (…rds.amazonaws.com) in the secret\'s "host", or connect through a name the certificate covers.');
    case 'master-login-failed':
      return verdict('master-login-failed', 'confirmed', 'The superuser secret (masterarn) could not log in to the database.', proofLine(/credentials in master secret/), also, 'Check the superuser secret\'s username, password and host (rotate or fix it first), and that it can reach the same database.');
    case 'pending-password-rejected':
      return verdict('pending-password-rejected', 'confirmed', 'testSecret could not log in with the new (AWSPENDING) password after setSecret changed it: a replica, a proxy or a propagation delay answered with the old one.', proofLine(/with pending secret/), also, 'Point the secret\'s host at the writer endpoint (not a replica or a proxy that caches credentials), then rotate again.');
    case 'rds-api-unreachable': {
      const l = line(/RDS API/) ?? '';
      if (/AccessDenied|not authorized/.test(l)) {
        const action = /(rds:\w+)/.exec(l)?.[1] ?? (/DescribeDBClusters/.test(l) ? 'rds:DescribeDBClusters' : 'rds:DescribeDBInstances');
        return verdict('access-denied', 'confirmed', `The rotation role may not call ${action} (needed to find the superuser secret's database).`, [logEvidence(inv, l)], also, `Allow ${action} in the rotation role's identity policy.`);
      }
      return verdict('rds-api-unreachable', 'confirmed', 'The function could not reach the RDS API to find the superuser secret\'s database (no route to rds.<region>.amazonaws.com from its subnets).', l ? [logEvidence(inv, l)] : [], also, 'Give the function\'s subnets a route to the RDS API: an interface VPC endpoint com.amazonaws.<region>.rds, or a NAT gateway.');
    }
    case 'access-denied': {
      const l = line(/AccessDenied|not authorized|Access to KMS/) ?? '';
      const m = /not authorized to perform:?\s+([\w-]+:[\w*]+)(?:\s+on resource:?\s+(\S+?))?(?:\s|$)/.exec(l);
      const action = m?.[1] ?? (/KMS/.test(l) ? 'kms:Decrypt' : 'an action');
      const resource = m?.[2]?.replace(/[.,;]$/, '');
      const policy = refusingPolicy(l);
      const otherSecret = action === 'secretsmanager:GetSecretValue' && resource && !sameSecret(resource, s.secret);
      if (otherSecret) {
        return verdict('master-secret-unreadable', 'confirmed', `The rotation role may not read the superuser secret ${resource} (refused by ${policy}).`, [logEvidence(inv, l)], also, `Allow secretsmanager:GetSecretValue on ${resource} (and kms:Decrypt on its key) in the rotation role's identity policy.`);
      }
      return verdict('access-denied', 'confirmed', `${action}${resource ? ` on ${resource}` : ''} was refused by ${policy}.`, [logEvidence(inv, l)], also,
        /KMS|kms:/.test(l) ? 'Let the rotation role use the secret\'s KMS key: add it to the key policy (kms:Decrypt, kms:GenerateDataKey) or grant it.' :
        /VPC endpoint policy/.test(l) ? `Allow ${action} for the rotation role in the Secrets Manager VPC endpoint policy.` :
        `Allow ${action}${resource ? ` on ${resource}` : ''} in ${policy}.`);
    }
    case 'database-unreachable':
    case 'database-auth-failed':
      return loginFailure(s, checks, inv, also, redeploy);
    default:
      break;
  }

  if (inv.outcome === 'timed-out') return timeoutDiagnosis(s, invocations, inv, also, fnArn);

  // Failed with an error we do not know: name it.
  const err = inv.lines.find((l) => /Error|Exception/.test(l.message));
  if (err && /ResourceNotFoundException.*GetSecretValue|GetSecretValue.*ResourceNotFoundException/.test(err.message) && inv.steps.includes('setSecret')) {
    return verdict('master-secret-unreadable', 'likely', 'setSecret could not find a secret it reads; with alternating users that is the superuser secret named by masterarn.', [logEvidence(inv, err.message)], also, 'Check that the secret\'s masterarn names an existing secret the rotation role may read.');
  }
  return verdict('unknown', 'possible', `The last rotation invocation failed with an error this tool does not know${err ? `: ${err.message.slice(0, 200)}` : ''}.`, err ? [logEvidence(inv, err.message)] : [], also, 'Read the full log of that invocation.', ['access-denied', 'database-unreachable']);
}

function sameSecret(resource: string, secret: SecretMetadata): boolean {
  if (resource === secret.arn || resource === secret.name) return true;
  // Secret ARNs end in -XXXXXX; a policy may name the ARN without it.
  return secret.arn.startsWith(resource) || resource.startsWith(secret.arn.replace(/-[A-Za-z0-9]{6}$/, ''));
}

/** "Unable to log into database": SCRAM, TLS, network or credentials, told apart by the settings and the duration. */
function loginFailure(s: DiagnoseSnapshot, checks: readonly DiagnoseCheck[], inv: Invocation, also: string[], redeploy: string): Diagnosis {
  const l = lineOf(inv, /Unable to log into database/)!;
  const proof = [logEvidence(inv, l)];
  const libpq: LoadedLibpq | null = loadedLibpq(s.functionReport ?? null);
  const db = s.database;
  const old = libpq?.major !== null && libpq?.major !== undefined && libpq.major < 10;
  const long = inv.durationMs !== null && inv.durationMs > LONG_LOGIN_FAILURE_MS;
  const scramNote = db ? [] : [`database unknown: ${s.databaseError ?? 'not found'}`];

  if (old && db?.passwordEncryption.value === 'scram-sha-256') {
    const settingP = settingProof(db, 'passwordEncryption');
    return verdict('scram-unsupported', settingP.length ? 'confirmed' : 'likely',
      `The function's libpq ${libpq!.value} cannot do scram-sha-256, and ${db.identifier} stores passwords with password_encryption = scram-sha-256: every login fails.`,
      [...proof, ...settingP], [`${libpq!.path}: libpq ${libpq!.value}`, ...also], `${redeploy} Until then: ${setParameterCommand(db, 'password_encryption', 'md5')}, then reset the user's password so it is stored as md5.`);
  }
  const dbTls = checkOf(checks, 'database-tls');
  if (db?.forceSsl.value === '1' && dbTls?.status === 'fail') {
    return verdict('tls-required', 'confirmed', `${db.identifier} requires TLS (rds.force_ssl = 1) and the function cannot use it: ${dbTls.summary}`, [...proof, ...settingProof(db, 'forceSsl')], [...dbTls.evidence, ...also], `${redeploy}`);
  }
  if (old && !db) {
    return verdict('scram-unsupported', 'possible', `Login failed and the function's libpq ${libpq!.value} cannot do scram-sha-256; whether the database uses SCRAM is unknown.`, proof, [`${libpq!.path}: libpq ${libpq!.value}`, ...scramNote, ...also], `${redeploy} Pass --database ID to compare with the database's settings.`, ['scram-unsupported', long ? 'database-unreachable' : 'database-auth-failed', 'tls-required']);
  }
  if (db?.forceSsl.value === '1' && dbTls?.status === 'warn') {
    return verdict('tls-required', 'possible', `${db.identifier} requires TLS and the handler relies on libpq's default sslmode=prefer; the handshake may still work, so this is one candidate.`, proof, [...dbTls.evidence, ...also], redeploy, ['tls-required', long ? 'database-unreachable' : 'database-auth-failed']);
  }
  if (long) {
    return verdict('database-unreachable', 'likely', `setSecret could not log in after ${(inv.durationMs! / 1000).toFixed(1)} s, longer than the guide's 5 s: the function probably cannot reach the database over the network (security groups, subnets, routes).`, proof, [...scramNote, ...also], 'Let the function reach the database: put it in the database\'s VPC, allow its security group outbound to the database port, and the database\'s security group inbound from it.');
  }
  return verdict('database-auth-failed', 'likely', `setSecret failed quickly${inv.durationMs !== null ? ` (${(inv.durationMs / 1000).toFixed(1)} s)` : ''}: the database answered and refused the credentials (none of AWSCURRENT, AWSPENDING, AWSPREVIOUS work).`, proof, [...scramNote, ...also], 'Put a working username and password in the secret\'s AWSCURRENT version (aws secretsmanager put-secret-value), then rotate again.');
}

/** An invocation that ran into its timeout without a telling line. */
function timeoutDiagnosis(s: DiagnoseSnapshot, invocations: readonly Invocation[], inv: Invocation, also: string[], fnArn: string): Diagnosis {
  const timeout = s.functionConfig?.timeout ?? null;
  const timeoutLine = inv.lines.find((l) => /Task timed out|Status: timeout/.test(l.message));
  const proof = timeoutLine ? [logEvidence(inv, timeoutLine.message)] : [];
  const appLines = inv.lines.filter((l) => !/^(START|END|REPORT) |Task timed out/.test(l.message));
  const raise = raiseTimeoutCommand(fnArn, Math.max(SUGGESTED_TIMEOUT_S, (timeout ?? 30) * 2));
  const progress = appLines.filter((l) => PROGRESS.test(l.message));
  const lastApp = appLines[appLines.length - 1];

  if (lastApp && FOUND_CREDENTIALS.test(lastApp.message) && inv.steps.length === 0) {
    return verdict('secretsmanager-unreachable', 'likely', 'The function timed out right after "Found credentials in environment variables": it could not reach the Secrets Manager endpoint.', [...proof, logEvidence(inv, lastApp.message)], also,
      'Give the function a route to Secrets Manager: an interface VPC endpoint com.amazonaws.<region>.secretsmanager (private DNS on, its security group admitting the function\'s subnets on 443) or a NAT gateway; check the subnets\' network ACLs allow 443 out and ephemeral ports back.');
  }
  if (progress.length > 0 && /Successfully established|Successfully set password|Successfully signed into/.test(progress[progress.length - 1]!.message)) {
    return verdict('function-timeout', 'confirmed', `The function was still working (it had connected to the database) when its ${timeout ?? '?'} s timeout ended it.`, [...proof, logEvidence(inv, progress[progress.length - 1]!.message)], also, `Raise the timeout: ${raise}`);
  }
  if (timeout !== null && timeout < 10) {
    return verdict('function-timeout', 'likely', `The function's ${timeout} s timeout is shorter than one database connection attempt (connect_timeout=5, TLS then plaintext).`, proof, [`setting Timeout = ${timeout} s`, ...also], `Raise the timeout: ${raise}`);
  }
  const createDone = invocations.some((i) => i !== inv && i.start < inv.start && i.lines.some((l) => CREATE_DONE.test(l.message)));
  const nothing = appLines.length === 0 || appLines.every((l) => FOUND_CREDENTIALS.test(l.message));
  if (createDone && nothing) {
    if (timeout !== null && timeout > CONNECT_BUDGET_S) {
      return verdict('stalled-after-create', 'likely', `createSecret succeeded, then the next step logged nothing and ran into the ${timeout} s timeout, longer than the template's ${CONNECT_BUDGET_S} s of connection attempts: it hung on a Secrets Manager call.`, proof, also,
        'Check what the guide lists for "no activity after createSecret": the subnets\' network ACLs allow HTTPS out and back, the Secrets Manager endpoint\'s security group admits the VPC CIDRs, the endpoint policy allows the rotation role, and the timeout.', undefined);
    }
    return verdict('database-unreachable', 'possible', `createSecret succeeded, then the next step logged nothing and ran into the ${timeout ?? '?'} s timeout: the template can spend ${CONNECT_BUDGET_S} s on connection attempts to an unreachable database before it logs anything, or it hung on a Secrets Manager call.`, proof, also,
      `Check the network path to the database first (security groups, subnets), then to Secrets Manager; raising the timeout above ${CONNECT_BUDGET_S} s makes the next attempt say which: ${raise}`, ['database-unreachable', 'stalled-after-create', 'function-timeout']);
  }
  if (nothing) {
    return verdict('secretsmanager-unreachable', 'possible', `The function ran into its ${timeout ?? '?'} s timeout without logging a step.`, proof, also, `Check the function's route to Secrets Manager (VPC endpoint or NAT) and its timeout: ${raise}`, ['secretsmanager-unreachable', 'function-timeout', 'database-unreachable']);
  }
  return verdict('function-timeout', 'likely', `The function ran into its ${timeout ?? '?'} s timeout after "${lastApp!.message.slice(0, 120)}".`, proof, also, `Raise the timeout: ${raise}`);
}
