import type { GetFunctionCommandOutput } from '@aws-sdk/client-lambda';
import { openZipBundle } from '../bundle/zipBundle.js';
import { InspectError, describeError } from '../errors.js';
import { bundleFindings, cachedFindings, loaderFacts, toReportError, unreadFindings, type BundleFindings } from '../report/bundleFindings.js';
import { loadSemver } from '../report/driverFindings.js';
import { buildReport, failedReport, notApplicableReport } from '../report/buildReport.js';
import { createdFromFlag } from '../report/inspectLocal.js';
import type { Created, FunctionFacts, Report, ReportError } from '../report/report.js';
import type { LoaderFacts } from '../facts/loader/lambdaLoader.js';
import { httpRangeSource } from '../source/httpRangeSource.js';
import { DESCRIBE_STACKS, GET_FUNCTION, GET_FUNCTION_ZIP, GET_LAYER_VERSION, checkAnswer } from './answerShapes.js';
import { awsError } from './awsErrors.js';
import { parseFunctionTarget } from './functionTarget.js';
import { AwsSession, retryStrategy, sdk, type AwsClients, type AwsSettings } from './session.js';

export interface FunctionInspectOptions extends AwsSettings {
  /** --created: overrides the CloudFormation date. */
  created?: string | null | undefined;
  maxEntryBytes?: number | undefined;
  maxBundleBytes?: number | undefined;
}

/** What one code object (function code or layer version) gave, with its cost. */
export interface CodeRead { findings: BundleFindings; bytesRead: number; size: number }

/** A persistent cache of code reads keyed by code SHA-256 (scan's --cache-dir). */
export interface CodeReadCache {
  /** `accept` checks what is read back field by field (and may repair it); undefined is a miss. */
  get<T>(sha256: string, discriminator: string, accept?: (value: unknown) => T | undefined): Promise<T | undefined>;
  set<T>(sha256: string, discriminator: string, value: T): Promise<void>;
}

/**
 * State shared by every function of one run, so that no work is done twice:
 * each code SHA-256 and layer version is read once, each stack described once.
 */
export interface InspectContext {
  session: AwsSession;
  codeReads: Map<string, Promise<CodeRead>>;
  layerReads: Map<string, Promise<CodeRead>>;
  stacks: Map<string, Promise<StackAnswer>>;
  cache?: CodeReadCache | undefined;
  counters: { codeDownloads: number; layerDownloads: number; stackLookups: number; cacheHits: number };
}

export function newInspectContext(settings: AwsSettings, cache?: CodeReadCache): InspectContext {
  return {
    session: new AwsSession(settings), codeReads: new Map(), layerReads: new Map(), stacks: new Map(), cache,
    counters: { codeDownloads: 0, layerDownloads: 0, stackLookups: 0, cacheHits: 0 },
  };
}

type StackAnswer = { created: Created; error?: ReportError };

const STACK_TAG = 'aws:cloudformation:stack-name';
const SAR_APP = 'serverlessrepo:applicationId';
const SAR_VERSION = 'serverlessrepo:semanticVersion';

/** Inspects one live function. Never throws: failures become report errors. */
export async function inspectFunctionTarget(target: string, options: FunctionInspectOptions, shared?: InspectContext): Promise<Report> {
  const context = shared ?? newInspectContext(options);
  try {
    return await inspect(target, options, context);
  } catch (e) {
    // A failure nothing below foresaw is still this function's error, never an unhandled rejection.
    const err = toReportError(e, target);
    return failedReport({ type: 'function', id: target }, { date: null, source: null, note: 'the function could not be inspected' }, { code: err.code, message: err.message });
  } finally {
    if (!shared) await context.session.destroy();
  }
}

async function inspect(target: string, options: FunctionInspectOptions, context: InspectContext): Promise<Report> {
  const debug = options.debug;
  const flagCreated: Created | undefined = options.created ? createdFromFlag(options.created, '') : undefined;
  const unknownCreated: Created = { date: null, source: null, note: 'the function could not be read' };
  let region: string | undefined;
  let clients: AwsClients;
  let fn: GetFunctionCommandOutput;
  const ft = (() => { try { return parseFunctionTarget(target); } catch (e) { return e as InspectError; } })();
  if (ft instanceof InspectError) return failedReport({ type: 'function', id: target }, flagCreated ?? unknownCreated, { code: ft.code, message: ft.message });
  const ctx = (action: string, resource = target) => ({ action, resource, region: region ?? '?', profile: options.profile, endpoint: options.endpointUrl });
  try {
    region = ft.region ?? (await context.session.defaultRegion());
    clients = await context.session.clients(region);
    const s = await sdk();
    debug?.(`lambda:GetFunction ${ft.functionName}${ft.qualifier ? `:${ft.qualifier}` : ''} in ${region}`);
    fn = await clients.lambda.send(new s.lambda.GetFunctionCommand({ FunctionName: ft.functionName, ...(ft.qualifier ? { Qualifier: ft.qualifier } : {}) }), context.session.callOptions());
    checkAnswer(fn, GET_FUNCTION, 'lambda:GetFunction', target);
    if (fn.Configuration?.PackageType !== 'Image') checkAnswer(fn, GET_FUNCTION_ZIP, 'lambda:GetFunction', target);
  } catch (e) {
    const err = awsError(e, ctx('lambda:GetFunction'));
    return failedReport({ type: 'function', id: target, ...(region ? { region } : {}) }, flagCreated ?? unknownCreated, { code: err.code, message: err.message });
  }

  const c = fn.Configuration ?? {};
  const arn = c.FunctionArn ?? target;
  const facts: FunctionFacts = {
    name: c.FunctionName ?? ft.functionName,
    arn,
    runtime: c.Runtime ?? null,
    handler: c.Handler ?? null,
    packageType: c.PackageType === 'Image' ? 'Image' : 'Zip',
    architectures: c.Architectures ?? ['x86_64'],
    codeSha256: c.CodeSha256 ?? null,
    codeSize: c.CodeSize ?? null,
    lastModified: c.LastModified ?? null,
    timeout: c.Timeout ?? null,
    vpc: c.VpcConfig?.SubnetIds?.length ? { subnetIds: c.VpcConfig.SubnetIds, securityGroupIds: c.VpcConfig.SecurityGroupIds ?? [] } : null,
    layers: (c.Layers ?? []).map((l) => ({ arn: l.Arn ?? '', codeSize: l.CodeSize ?? null })),
    tags: fn.Tags ?? {},
  };
  const errors: ReportError[] = [];
  const createdP = flagCreated ? Promise.resolve({ created: flagCreated } as StackAnswer) : stackCreated(facts, clients, context, ctx);

  if (facts.packageType === 'Image') {
    const { created, error } = await createdP;
    return notApplicableReport(
      { type: 'function', id: arn, region, ...(ft.qualifier ? { qualifier: ft.qualifier } : {}), bytesRead: 0, size: 0 },
      created,
      `Container-image function (${fn.Code?.ImageUri ?? 'image'}): its code is not a zip and cannot be read through Lambda; inspect the image's libpq instead.`,
      { errors: error ? [error] : [], function: facts },
    );
  }

  const retry = retryStrategy(await sdk(), context.session.retryChoice());
  const key = `${facts.codeSha256 ?? arn}\0${facts.handler ?? ''}`;
  const ownRead = (): Promise<CodeRead> =>
    readBundle({
      name: `${facts.name} code`, sha256: facts.codeSha256, discriminator: `function\0${facts.handler ?? ''}`, size: facts.codeSize ?? 0,
      url: fn.Code?.Location ?? '', context, retry, options,
      refreshUrl: async () => {
        const s = await sdk();
        let again;
        try {
          again = await clients.lambda.send(new s.lambda.GetFunctionCommand({ FunctionName: arn }), context.session.callOptions());
        } catch (e) {
          throw awsError(e, ctx('lambda:GetFunction', arn));
        }
        return checkAnswer(again, GET_FUNCTION_ZIP, 'lambda:GetFunction', arn).Code!.Location!;
      },
      findings: { handler: facts.handler, placeLibrary: (p) => ({ installPath: `/var/task/${p}` }) },
      count: () => { context.counters.codeDownloads++; },
    });
  const readCode = () => sharedRead(context.codeReads, key, ownRead);
  const reads: Array<Promise<CodeRead | ReportError>> = [
    readCode().catch((e: unknown) => toReportError(e, `${facts.name} code`)),
    ...facts.layers.map((layer) => readLayer(layer.arn, context, retry, options, ctx).catch((e: unknown) => toReportError(e, layer.arn))),
  ];
  const results = await Promise.all(reads);
  const { created, error: stackError } = await createdP;
  const layerErrors: ReportError[] = [];
  const findings: BundleFindings[] = [];
  let bytesRead = 0;
  let size = 0;
  results.forEach((r, i) => {
    if ('findings' in r) {
      findings.push(r.findings);
      bytesRead += r.bytesRead;
      size += r.size;
    } else if (i === 0) {
      errors.push(r);
      // keep the function code's slot first so the handler is taken from it;
      // an unread bundle is "not verified", never "no libpq"
      findings.push(unreadFindings(r.message, true));
    } else {
      layerErrors.push(r);
    }
  });
  const loader = loaderFacts(findings);
  debug?.(`${facts.name}: read ${bytesRead} of ${size} bytes; loader: ${loader.reason}`);
  // An unread layer that could hold the libpq the function loads is "not verified", never "no libpq".
  const layersMatter = layerErrors.length > 0 && !layersCannotMatter(loader, findings[0]);
  const report = buildReport({
    target: { type: 'function', id: arn, region, ...(ft.qualifier ? { qualifier: ft.qualifier } : {}), bytesRead, size },
    findings: layersMatter ? [...findings, ...layerErrors.map((e) => unreadFindings(e.message, false))] : findings, created, function: facts, loader, environment: libpqTlsEnvironment(c.Environment?.Variables),
    semver: await loadSemver(findings.flatMap((f) => f.drivers ?? [])),
  });
  // The creation date and the layers are optional reads: when the verdicts cannot depend on them,
  // their failure is a warning; otherwise the function could not be judged (an error, exit 2).
  const warnings: ReportError[] = [];
  if (stackError) (report.checks.every((c) => c.status !== 'unknown') ? warnings : errors).push(stackError);
  (layersMatter ? errors : warnings).push(...layerErrors);
  report.errors.push(...errors);
  if (warnings.length > 0) report.warnings = warnings;
  return report;
}

/**
 * Functions that share a code SHA-256 share one successful read. A failed
 * read is not shared: each function has its own presigned URL, so a function
 * that finds the shared read failed tries its own (once) before giving up,
 * and a success replaces the failure for those that come after.
 */
async function sharedRead(reads: Map<string, Promise<CodeRead>>, key: string, ownRead: () => Promise<CodeRead>): Promise<CodeRead> {
  let own: Promise<CodeRead> | undefined;
  for (;;) {
    let p = reads.get(key);
    if (!p) { own = p = ownRead(); reads.set(key, p); }
    try {
      return await p;
    } catch (e) {
      if (p === own) throw e;
      if (reads.get(key) === p) { own = ownRead(); reads.set(key, own); }
      // else another function already started a fresh read: wait for that one
    }
  }
}

/**
 * Whether no layer could change which libpq loads: the function's own code
 * supplies it from /var/task, which Lambda searches before /opt/lib, and a
 * psycopg2 handler takes its wheel's copy from /var/task, which Python
 * searches before /opt/python.
 */
function layersCannotMatter(loader: LoaderFacts, code: BundleFindings | undefined): boolean {
  if (!loader.loads?.startsWith('/var/task/') || !code) return false;
  const psycopg2 = code.handler?.drivers.includes('psycopg2') ?? false;
  return !psycopg2 || /^\/var\/task\/psycopg2(_binary\.libs|\/\.libs)\//.test(loader.loads);
}

/**
 * The two variables libpq reads for TLS when the handler sets nothing. Only
 * these are taken from the function's environment (other values may be
 * secrets); PGSSLMODE only when it is one of libpq's modes, PGSSLROOTCERT
 * only as "set" (its value is not kept).
 */
function libpqTlsEnvironment(vars: Record<string, string> | undefined): { PGSSLMODE?: string; PGSSLROOTCERT?: string } {
  const mode = vars?.['PGSSLMODE']?.trim().toLowerCase();
  return {
    ...(mode !== undefined ? { PGSSLMODE: /^(?:disable|allow|prefer|require|verify-ca|verify-full)$/.test(mode) ? mode : 'unrecognised' } : {}),
    ...(vars?.['PGSSLROOTCERT'] ? { PGSSLROOTCERT: 'set' } : {}),
  };
}

interface ReadBundleArgs {
  name: string; sha256: string | null | undefined; discriminator: string; size: number; url: string;
  context: InspectContext; retry: ReturnType<typeof retryStrategy>; options: FunctionInspectOptions;
  refreshUrl: () => Promise<string>;
  findings: Parameters<typeof bundleFindings>[1];
  count: () => void;
}

/** Reads one code object over HTTP Range, or takes it from the on-disk cache. */
async function readBundle(a: ReadBundleArgs): Promise<CodeRead> {
  if (a.sha256 && a.context.cache) {
    const hit = await a.context.cache.get(a.sha256, a.discriminator, cachedFindings).catch(() => undefined);
    if (hit) {
      a.context.counters.cacheHits++;
      a.options.debug?.(`${a.name}: cache hit for ${a.sha256}`);
      return { findings: hit, bytesRead: 0, size: a.size };
    }
  }
  if (!a.url) throw new InspectError('no-code-location', `${a.name}: Lambda gave no code location`);
  a.count();
  const source = httpRangeSource({
    url: a.url, size: a.size, name: a.name, refreshUrl: a.refreshUrl, retry: a.retry,
    limits: a.context.session.limits, signal: a.context.session.settings.signal,
  });
  const bundle = await openZipBundle(source);
  try {
    const findings = await bundleFindings(bundle, {
      ...a.findings,
      ...(a.options.maxEntryBytes ? { maxEntryBytes: a.options.maxEntryBytes } : {}),
      ...(a.options.maxBundleBytes ? { maxBundleBytes: a.options.maxBundleBytes } : {}),
    });
    a.options.debug?.(`${a.name}: ${bundle.entries.length} entries, read ${source.bytesRead} of ${a.size} bytes`);
    if (a.sha256 && a.context.cache && findings.errors.length === 0) await a.context.cache.set(a.sha256, a.discriminator, findings).catch(() => {});
    return { findings, bytesRead: source.bytesRead, size: a.size };
  } finally {
    await bundle.close();
  }
}

function readLayer(arn: string, context: InspectContext, retry: ReturnType<typeof retryStrategy>, options: FunctionInspectOptions, ctx: (action: string, resource?: string) => Parameters<typeof awsError>[1]): Promise<CodeRead> {
  let p = context.layerReads.get(arn);
  if (!p) {
    p = (async () => {
      const layerRegion = /^arn:aws[\w-]*:lambda:([\w-]+):/.exec(arn)?.[1];
      const s = await sdk();
      const clients = await context.session.clients(layerRegion);
      const get = async () => {
        try {
          const answer = await clients.lambda.send(new s.lambda.GetLayerVersionByArnCommand({ Arn: arn }), context.session.callOptions());
          return checkAnswer(answer, GET_LAYER_VERSION, 'lambda:GetLayerVersion', arn);
        } catch (e) {
          throw awsError(e, { ...ctx('lambda:GetLayerVersion', arn), region: clients.region });
        }
      };
      options.debug?.(`lambda:GetLayerVersion ${arn}`);
      const layer = await get();
      return readBundle({
        name: `layer ${arn}`, sha256: layer.Content?.CodeSha256, discriminator: 'layer', size: layer.Content?.CodeSize ?? 0,
        url: layer.Content?.Location ?? '', context, retry, options,
        refreshUrl: async () => (await get()).Content?.Location ?? '',
        findings: { findHandler: false, placeLibrary: (path) => ({ layer: arn, installPath: `/opt/${path}` }) },
        count: () => { context.counters.layerDownloads++; },
      });
    })();
    context.layerReads.set(arn, p);
  }
  return p;
}

function stackCreated(facts: FunctionFacts, clients: AwsClients, context: InspectContext, ctx: (action: string, resource?: string) => Parameters<typeof awsError>[1]): Promise<StackAnswer> {
  const stack = facts.tags[STACK_TAG];
  if (!stack) {
    return Promise.resolve({ created: { date: null, source: null, note: `no ${STACK_TAG} tag: the function was not created by CloudFormation (or the tag was removed); pass --created YYYY-MM-DD` } });
  }
  const key = `${clients.region}\0${stack}`;
  let p = context.stacks.get(key);
  if (!p) {
    p = (async (): Promise<StackAnswer> => {
      context.counters.stackLookups++;
      const s = await sdk();
      try {
        const out = checkAnswer(
          await clients.cloudformation.send(new s.cloudformation.DescribeStacksCommand({ StackName: stack }), context.session.callOptions()),
          DESCRIBE_STACKS, 'cloudformation:DescribeStacks', stack,
        );
        const st = out.Stacks?.[0];
        if (!st?.CreationTime) return { created: { date: null, source: null, note: `stack ${stack} has no creation time`, stack } };
        const tags = Object.fromEntries((st.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
        const appId = tags[SAR_APP] ?? facts.tags[SAR_APP];
        const appVersion = tags[SAR_VERSION] ?? facts.tags[SAR_VERSION];
        return {
          created: {
            date: st.CreationTime.toISOString(), source: 'cloudformation', stack: st.StackName ?? stack, stackId: st.StackId ?? '',
            ...(appId ? { application: { id: appId, ...(appVersion ? { semanticVersion: appVersion } : {}) } } : {}),
          },
        };
      } catch (e) {
        const name = (e as { name?: string }).name;
        if (name === 'ValidationError' && /does not exist/i.test(describeError(e))) {
          return { created: { date: null, source: null, note: `stack ${stack} (named by the function's ${STACK_TAG} tag) no longer exists; pass --created YYYY-MM-DD`, stack } };
        }
        const err = awsError(e, { ...ctx('cloudformation:DescribeStacks', stack), region: clients.region });
        return { created: { date: null, source: null, note: `stack ${stack} could not be described: ${err.message}`, stack }, error: { code: err.code, message: err.message } };
      }
    })();
    context.stacks.set(key, p);
  }
  return p;
}
