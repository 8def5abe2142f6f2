import type { FunctionPolicy } from '../checks/functionChecks.js';
import { emptyNetworkSnapshot, type NetworkSnapshot, type NetworkTarget } from '../facts/network/snapshot.js';
import { ec2Client, NetworkReads } from './networkCollector.js';
import type { DiagnoseSnapshot, FunctionConfig } from '../diagnose/diagnose.js';
import type { SavedSecret } from '../diagnose/diagnoseSnapshotFile.js';
import { secretReport, unreadableSecretReport, type SecretReport, type SecretReportExtras } from '../diagnose/secretReport.js';
import { InspectError, describeError } from '../errors.js';
import type { Report } from '../report/report.js';
import type { AwsCallContext } from './awsErrors.js';
import { findDatabase, newDatabaseReads, type DatabaseAnswer, type DatabaseLookup, type DatabaseReads } from './databaseCollector.js';
import { diagnoseClients, destroyDiagnoseClients } from './diagnoseClients.js';
import { functionConfig, functionPolicy, type FunctionConfigAnswer } from './functionCollector.js';
import { inspectFunctionTarget, newInspectContext, type CodeReadCache, type FunctionInspectOptions, type InspectContext } from './inspectFunction.js';
import { rotationInvocations, type LogsAnswer } from './logCollector.js';
import { secretMetadata, secretShapes } from './secretCollector.js';

export interface DiagnoseOptions extends FunctionInspectOptions {
  /** Start of the log window. */
  since: Date;
  /** Read AWSCURRENT/AWSPENDING to keep key names and non-secret fields. */
  readSecretKeys: boolean;
  /** --database: the DB instance or cluster identifier. */
  database?: string | undefined;
  now?: Date;
  /** --save-snapshot: each secret's snapshot as read, before it is diagnosed */
  onSnapshot?: ((saved: SavedSecret) => void) | undefined;
}

/** What one rotation function gave, read once per run whatever the number of secrets it serves. */
interface FunctionAnswer {
  report: Report;
  config: FunctionConfig | null;
  configError?: string;
  vpcId: string | null;
  /** VpcConfig and role, for the network paths; undefined when the configuration could not be read */
  network?: { vpc: FunctionConfigAnswer['vpc']; role: string | null };
  policy: FunctionPolicy;
  logs: LogsAnswer | null;
  region: string;
}

/** State shared by every secret of one run: each function, log group, database listing and parameter group is read once. */
export interface DiagnoseContext {
  inspect: InspectContext;
  functions: Map<string, FunctionReads>;
  databases: DatabaseReads;
  /** EC2 reads per region, shared by every function of the run */
  networks: Map<string, Promise<NetworkReads>>;
  counters: { secrets: number; functions: number; logReads: number; getSecretValue: number };
}

export function newDiagnoseContext(options: DiagnoseOptions, cache?: CodeReadCache): DiagnoseContext {
  return { inspect: newInspectContext(options, cache), functions: new Map(), databases: newDatabaseReads(), networks: new Map(), counters: { secrets: 0, functions: 0, logReads: 0, getSecretValue: 0 } };
}

/** One account's context on a run over many accounts: its own session, functions and databases; code reads and counters shared. */
export function accountDiagnoseContext(base: DiagnoseContext, session: InspectContext['session']): DiagnoseContext {
  return { inspect: { ...base.inspect, session, stacks: new Map() }, functions: new Map(), databases: newDatabaseReads(), networks: new Map(), counters: base.counters };
}

/** Closes the clients only diagnose opened (Logs, RDS, EC2); the session's own are closed by its owner. */
export async function closeDiagnoseClients(c: DiagnoseContext): Promise<void> {
  for (const p of c.networks.values()) (await p.catch(() => null))?.ec2.destroy();
  await destroyDiagnoseClients(c.inspect.session);
}

export async function closeDiagnoseContext(c: DiagnoseContext): Promise<void> {
  await closeDiagnoseClients(c);
  await c.inspect.session.destroy();
}

const SECRET_ARN = /^arn:aws[\w-]*:secretsmanager:([\w-]+):\d{12}:secret:/;
const FUNCTION_REGION = /^arn:aws[\w-]*:lambda:([\w-]+):/;

/** The function's reads, started together: the configuration (and the logs after it) does not wait for the code. */
interface FunctionReads {
  /** Its region and VPC, as soon as GetFunctionConfiguration answers (the database lookup needs no more). */
  placed: Promise<{ region: string; vpcId: string | null; vpc: FunctionConfigAnswer['vpc'] }>;
  answer: Promise<FunctionAnswer>;
}

function readFunction(arn: string, options: DiagnoseOptions, c: DiagnoseContext, now: Date): FunctionReads {
  let p = c.functions.get(arn);
  if (!p) {
    c.counters.functions++;
    const session = c.inspect.session;
    const call = () => session.callOptions();
    const regionP = (async () => FUNCTION_REGION.exec(arn)?.[1] ?? (await session.defaultRegion()))();
    const ctxIn = (region: string) => (action: string): AwsCallContext => ({ action, resource: arn, region, profile: options.profile, endpoint: options.endpointUrl });
    const configP = regionP.then(async (region) => {
      const clients = await session.clients(region);
      return functionConfig(clients, arn, {}, ctxIn(region), call).catch((e: unknown) => (e instanceof InspectError ? e : new InspectError('aws-error', describeError(e))));
    });
    const logsP = Promise.all([regionP, configP]).then(async ([region, configA]): Promise<LogsAnswer | null> => {
      if (configA instanceof InspectError) return null;
      c.counters.logReads++;
      return rotationInvocations(await diagnoseClients(session, region), configA.config.logGroup, options.since, now, ctxIn(region), call, options.debug);
    });
    const placed = Promise.all([regionP, configP]).then(([region, configA]) => ({ region, vpcId: configA instanceof InspectError ? null : configA.vpcId, vpc: configA instanceof InspectError ? null : configA.vpc }));
    const answer = (async (): Promise<FunctionAnswer> => {
      const region = await regionP;
      const clients = await session.clients(region);
      const [report, policy, configA, logs] = await Promise.all([
        inspectFunctionTarget(arn, { ...options, created: options.created ?? null }, c.inspect),
        functionPolicy(clients, arn, ctxIn(region), call),
        configP, logsP,
      ]);
      return {
        report, region, policy, logs,
        config: configA instanceof InspectError ? null : { ...configA.config, tags: report.function?.tags ?? {} },
        ...(configA instanceof InspectError ? { configError: configA.message } : {}),
        vpcId: configA instanceof InspectError ? null : configA.vpcId,
        ...(configA instanceof InspectError ? {} : { network: { vpc: configA.vpc, role: configA.role } }),
      };
    })();
    p = { placed, answer };
    c.functions.set(arn, p);
  }
  return p;
}

/** The network snapshot of one function; the EC2 reads are shared by every function of the run. */
async function networkSnapshot(c: DiagnoseContext, region: string, target: NetworkTarget, options: DiagnoseOptions): Promise<NetworkSnapshot> {
  if (!target.vpc) return { ...emptyNetworkSnapshot(region), targets: [target] }; // nothing to read: the EC2 client is not even loaded
  let reads = c.networks.get(region);
  if (!reads) {
    const session = c.inspect.session;
    reads = ec2Client(session, region).then((ec2) => new NetworkReads(ec2, region, { profile: options.profile, callOptions: () => session.callOptions() }));
    c.networks.set(region, reads);
  }
  return reads.then((r) => r.snapshot([target]));
}

/**
 * The function's VPC as the database inference needs it (the same shared EC2 reads as the network paths, so no
 * call is made twice); a string: why security groups cannot be checked.
 */
async function inferenceNetwork(c: DiagnoseContext, region: string, vpc: NonNullable<NetworkTarget['vpc']>, fnArn: string, options: DiagnoseOptions): Promise<{ vpc: NonNullable<NetworkTarget['vpc']>; snapshot: NetworkSnapshot } | string> {
  try {
    const target: NetworkTarget = { functionName: fnArn, roleArn: null, secretArn: null, vpc, database: null, needsRdsApi: false };
    return { vpc, snapshot: await networkSnapshot(c, region, target, options) };
  } catch (e) {
    return `the function's VPC could not be read: ${describeError(e)}`;
  }
}

/** Diagnoses one secret (name or ARN). Never throws: a secret that cannot be read is a report with errors. */
export async function diagnoseSecretTarget(secretId: string, options: DiagnoseOptions, c: DiagnoseContext): Promise<SecretReport> {
  const now = options.now ?? new Date();
  const session = c.inspect.session;
  // Every AWS call: the --timeout deadline and Ctrl-C.
  const call = () => session.callOptions();
  c.counters.secrets++;
  let region: string | undefined;
  try {
    region = SECRET_ARN.exec(secretId)?.[1] ?? (await session.defaultRegion());
    const clients = await session.clients(region);
    const ctx = (action: string): AwsCallContext => ({ action, resource: secretId, region: region!, profile: options.profile, endpoint: options.endpointUrl });
    options.debug?.(`secretsmanager:DescribeSecret ${secretId} in ${region}`);
    const { secret, withVersions } = await secretMetadata(clients, secretId, ctx, call);
    const unknown: string[] = [];
    const snapshot: DiagnoseSnapshot = { now: now.toISOString(), region, secret, invocations: null, policy: null, database: null };

    const fnArn = secret.rotationLambdaArn;
    const active = secret.rotationEnabled === true && fnArn && !secret.owningService;
    // Everything below starts at once; each part waits only for what it needs.
    const fnReads = fnArn && (active || secret.rotationEnabled === false) ? readFunction(fnArn, options, c, now) : null;
    const shapesP = options.readSecretKeys ? (c.counters.getSecretValue++, secretShapes(clients, secret, ctx, call)) : Promise.resolve(null);
    const databaseP = active ? (async (): Promise<DatabaseAnswer> => {
      const shapes = options.database ? null : await shapesP;
      const host = shapes?.shapes.find((x) => x.stage === 'AWSCURRENT')?.fields.host;
      const placed = !options.database && !host && fnReads ? await fnReads.placed : null;
      const dbRegion = placed?.region ?? FUNCTION_REGION.exec(fnArn)?.[1] ?? region!;
      const lookup: DatabaseLookup = options.database ? { by: 'flag', id: options.database } : host ? { by: 'secret-host', host }
        : { by: 'inferred', vpcId: placed?.vpcId ?? null, ...(placed?.vpc ? { network: await inferenceNetwork(c, dbRegion, placed.vpc, fnArn, options) } : {}) };
      return findDatabase(await diagnoseClients(session, dbRegion), c.databases, lookup, (action) => ({ ...ctx(action), region: dbRegion }), call);
    })() : Promise.resolve(null);
    const [shapesA, fn, answer, versioned] = await Promise.all([shapesP, fnReads?.answer ?? null, databaseP, withVersions]);
    snapshot.secret = versioned;

    if (shapesA) {
      snapshot.secretShapes = shapesA.shapes;
      unknown.push(...shapesA.errors.map((e) => `secret keys: ${e}`));
    }
    if (fn) {
      snapshot.functionReport = fn.report.errors.length > 0 && fn.report.libraries.length === 0 && !fn.report.function ? null : fn.report;
      if (!snapshot.functionReport) snapshot.functionError = fn.report.errors.map((e) => e.message).join('; ');
      snapshot.functionConfig = fn.config;
      if (fn.configError) unknown.push(`function configuration: ${fn.configError}`);
      snapshot.policy = fn.policy;
      if ('error' in fn.policy) unknown.push(`invoke permission: ${fn.policy.error}`);
      snapshot.invocations = fn.logs?.invocations ?? null;
      if (fn.logs?.note) unknown.push(`logs: ${fn.logs.note}`);
      if (!fn.logs) snapshot.logsError = 'the function configuration (its log group) could not be read';
      else if (fn.logs.invocations === null) snapshot.logsError = fn.logs.note ?? 'the logs could not be read';
    }
    if (answer) {
      snapshot.database = answer.database;
      if (answer.database === null) { snapshot.databaseError = answer.error; unknown.push(`database: ${answer.error}`); }
      else {
        if (answer.database.note) unknown.push(`database settings: ${answer.database.note}`);
        if (answer.inference?.verdict === 'unchecked') unknown.push(`database: inferred as the one PostgreSQL database in the function's VPC, but its security groups could not be checked: ${answer.inference.why}`);
      }
    }
    if (active && fn?.network) {
      // alternating users with an RDS-managed superuser secret (named rds!…) call the RDS API
      const masterArn = snapshot.secretShapes?.find((x) => x.stage === 'AWSCURRENT')?.fields.masterarn ?? '';
      const target: NetworkTarget = {
        functionName: fn.config?.name ?? fnArn, roleArn: fn.network.role, secretArn: secret.arn, vpc: fn.network.vpc,
        database: answer?.database ? answer.network : null, needsRdsApi: /:secret:rds!/.test(masterArn),
      };
      snapshot.network = await networkSnapshot(c, fn.region, target, options);
      for (const u of snapshot.network.unreadable) unknown.push(`network: ${u.message}`);
    } else if (active && fn) unknown.push('network: the function configuration (its VPC) could not be read');
    const functionError = fn && !snapshot.functionReport ? fn.report.errors[0] : undefined;
    const extras: SecretReportExtras = {
      unknown,
      ...(fn?.config ? { logs: { logGroup: fn.config.logGroup, since: options.since.toISOString(), ...(fn.logs?.note ? { note: fn.logs.note } : {}) } } : {}),
      ...(functionError ? { functionError } : {}),
    };
    options.onSnapshot?.({ snapshot, extras });
    return secretReport(snapshot, extras);
  } catch (e) {
    const err = e instanceof InspectError ? e : new InspectError('aws-error', `${secretId}: ${describeError(e)}`);
    return unreadableSecretReport(secretId, region, { code: err.code, message: err.message });
  }
}
