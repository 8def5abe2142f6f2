// Loopback stand-in for the AWS APIs rotation-inspector talks to.
//
// One node:http server answers, on the real wire protocols:
//   * Lambda (restJson1)          GetFunction, GetLayerVersionByArn
//   * CloudFormation (awsQuery)   DescribeStacks  (form-encoded POST, XML reply)
//   * Secrets Manager (awsJson1_1) ListSecrets
//   * "S3" presigned code downloads under /code/<id>
// Every API request must carry a valid SigV4 header signature for the configured
// credentials; it is verified in full.  Node built-ins only.
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostileSend, type HostileKnobs } from './hostile.js';
import { toAmzDate, verifySigV4, type SigV4Credentials, type SigV4Failure } from './sigv4.js';

export interface StandinFunction {
  name: string;
  /** default us-east-1 */
  region?: string;
  /** default 123456789012 */
  accountId?: string;
  runtime?: string;
  handler?: string;
  architectures?: ('x86_64' | 'arm64')[];
  packageType?: 'Zip' | 'Image';
  /** zip bytes */
  code?: Buffer;
  imageUri?: string;
  /** layer version ARNs */
  layers?: string[];
  tags?: Record<string, string>;
  lastModified?: string;
  timeout?: number;
  vpc?: { subnetIds: string[]; securityGroupIds: string[] };
  /** Environment.Variables */
  environment?: Record<string, string>;
  /** extra qualifiers (published versions / aliases) GetFunction accepts besides $LATEST */
  qualifiers?: string[];
}

export interface StandinLayer {
  /** arn:aws:lambda:REGION:ACCT:layer:NAME:VERSION */
  arn: string;
  code: Buffer;
}

export interface StandinStack {
  name: string;
  region?: string;
  stackId?: string;
  /** ISO */
  creationTime: string;
  tags?: Record<string, string>;
  deleted?: boolean;
  /** default CREATE_COMPLETE (DELETE_COMPLETE when deleted) */
  status?: string;
  description?: string;
}

export interface StandinSecret {
  name: string;
  region?: string;
  arn?: string;
  rotationEnabled?: boolean;
  rotationLambdaARN?: string;
  /** ISO */
  lastRotatedDate?: string;
  description?: string;
  tags?: Record<string, string>;
}

export interface StandinKnobs {
  /** added to every response */
  latencyMs: number;
  /**
   * op ('GetFunction','GetLayerVersionByArn','DescribeStacks','ListSecrets','Code') -> number of upcoming
   * requests answered with the service's real throttling error (Lambda 429 TooManyRequestsException +
   * Retry-After, CloudFormation 400 Throttling, Secrets Manager 400 ThrottlingException, S3 503 SlowDown)
   */
  throttle: { [op: string]: number };
  /** token bucket across API ops (not code downloads), burst capacity max(1, rate): beyond it, throttling errors as above */
  rateLimitPerSecond?: number;
  /** Retry-After seconds sent with Lambda 429s (default 1, as Lambda does). 0 lets fast-retry tests run fast. */
  retryAfterSeconds?: number;
  /** next N requests of the op get a 500 with the service's real error shape */
  serverErrors: { [op: string]: number };
  /** next N successful responses of the op declare Content-Length but close early */
  truncateBodies: { [op: string]: number };
  /** next N code downloads get S3's 403 AccessDenied "Request has expired" */
  expireCodeUrls: number;
  /** X-Amz-Expires of issued code URLs (default 600); really enforced against the clock */
  codeUrlExpiresSeconds?: number;
  /** serve 200 with the whole body ignoring Range */
  ignoreRange: boolean;
  /** real AccessDenied(Exception) shapes naming the action */
  accessDenied: { [op: string]: boolean };
  /** Lambda 403 UnrecognizedClientException; CFN 403 InvalidClientTokenId; SM 400 UnrecognizedClientException */
  invalidCredentials: boolean;
  /** Lambda 403 / SM 400 ExpiredTokenException; CFN 403 ExpiredToken */
  expiredToken: boolean;
  /** max SecretList entries per ListSecrets page (MaxResults can only lower it). default 100 */
  listSecretsPageSize: number;
  /** max Stacks per DescribeStacks page. default 100 */
  describeStacksPageSize?: number;
  /** op -> a hostile behaviour (oversize, drip, stall, echoed credentials, rewritten body): see hostile.ts */
  hostile?: HostileKnobs;
}

export interface StandinLogEntry {
  op: string;
  method: string;
  /** WITHOUT query string for code urls */
  path: string;
  range?: string;
  status: number;
}

export interface StandinCounters {
  /** per op incl. 'Code' (and 'Unknown') */
  requests: Record<string, number>;
  codeBytesServed: number;
  codeRequests: number;
  rangeRequests: number;
  throttled: number;
  /** API requests rejected by SigV4 verification: missing / malformed / wrongly-signed, wrong service scope, unknown key or session token (not knob-forced errors) */
  unsignedRejected: number;
  log: StandinLogEntry[];
}

export interface StandinCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface Standin {
  endpoint: string;
  /** the credentials requests must be signed with */
  credentials: StandinCredentials;
  /** mutable: change between requests */
  knobs: StandinKnobs;
  /** live object; resetCounters() clears it in place */
  counters: StandinCounters;
  resetCounters(): void;
  addFunction(f: StandinFunction): void;
  addLayer(l: StandinLayer): void;
  addStack(s: StandinStack): void;
  addSecret(s: StandinSecret): void;
  removeFunction(name: string, region?: string): void;
  /** Adds APIs kept in other files (test/standin/diagnoseApis.ts): each extension is asked first, in order. */
  use(extension: StandinExtension): void;
  /** every presigned-URL session token and signature handed out so far (fake secrets: must never leak) */
  issuedSecrets(): string[];
  close(): Promise<void>;
}

/** One request as an extension sees it; it answers through `res` and returns true, or returns false to pass. */
export interface StandinRequest {
  req: IncomingMessage;
  res: ServerResponse;
  rawUrl: string;
  rawPath: string;
  rawQuery: string;
  body: Buffer;
}
export type StandinExtension = (r: StandinRequest, standin: Standin) => Promise<boolean>;

export interface StartStandinOptions {
  functions?: StandinFunction[];
  layers?: StandinLayer[];
  stacks?: StandinStack[];
  secrets?: StandinSecret[];
  knobs?: Partial<StandinKnobs>;
  credentials?: StandinCredentials;
  /** loopback address to bind; default 127.0.0.1 */
  host?: string;
  /** more key pairs this stand-in accepts besides `credentials` (organization.ts: those STS issued for the account); `expired` answers ExpiredToken */
  acceptCredentials?: (accessKeyId: string) => { credentials: StandinCredentials; expired: boolean } | undefined;
}

export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_ACCOUNT_ID = '123456789012';
export const CALLER_ARN = `arn:aws:iam::${DEFAULT_ACCOUNT_ID}:user/test`;
export const DEFAULT_CREDENTIALS: Readonly<StandinCredentials> = Object.freeze({
  accessKeyId: 'AKIASTANDINTESTKEY01',
  secretAccessKey: 'standin/Secret+Access/Key0000000000000000',
});
/** presigned code URLs carry X-Amz-Security-Token=SECRET-TOKEN-... */
export const CODE_URL_TOKEN_PREFIX = 'SECRET-TOKEN-';
/** presigned code URLs carry X-Amz-Signature=0badc0de... (64 hex chars) */
export const CODE_URL_SIGNATURE_PREFIX = '0badc0de';

/** Client config for the SDK v3 clients: `new LambdaClient({...sdkConfig(standin), maxAttempts: 2})`. */
export function sdkConfig(
  standin: Pick<Standin, 'endpoint' | 'credentials'>,
  region: string = DEFAULT_REGION,
): { endpoint: string; region: string; credentials: StandinCredentials } {
  return { endpoint: standin.endpoint, region, credentials: { ...standin.credentials } };
}

export function defaultKnobs(): StandinKnobs {
  return {
    latencyMs: 0,
    throttle: {},
    serverErrors: {},
    truncateBodies: {},
    expireCodeUrls: 0,
    ignoreRange: false,
    accessDenied: {},
    invalidCredentials: false,
    expiredToken: false,
    listSecretsPageSize: 100,
  };
}

// ---------------------------------------------------------------------------------------------

type Service = 'lambda' | 'cloudformation' | 'secretsmanager' | 's3' | 'unknown';

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  service: Service;
  op: string;
  rawPath: string;
  rawQuery: string;
  body: Buffer;
  logPath: string;
  range?: string;
  region: string;
  requestId: string;
}

interface FunctionRecord {
  f: StandinFunction;
  region: string;
  accountId: string;
  codeId?: string;
  code?: Buffer;
}

interface LayerRecord {
  arn: string;
  region: string;
  accountId: string;
  name: string;
  version: number;
  codeId: string;
  code: Buffer;
}

interface CodeObject {
  data: Buffer;
  etag: string;
  region: string;
}

interface PageToken {
  scope: string;
  offset: number;
}

const LAMBDA_FN_PATTERN =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const LAMBDA_FN_PATTERN_TEXT =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?';
const LAYER_ARN_PATTERN = /^arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):([0-9]+)$/;
const LAYER_ARN_PATTERN_TEXT = 'arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+';
const CFN_XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
const MAX_BODY = 4 * 1024 * 1024;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

function hashUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\0')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function secretSuffix(region: string, name: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const h = createHash('sha256').update(`${region}\0${name}`).digest();
  let s = '';
  for (let i = 0; i < 6; i++) s += alphabet[(h[i] ?? 0) % alphabet.length];
  return s;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function consume(map: { [op: string]: number }, op: string): boolean {
  const n = map[op] ?? 0;
  if (n > 0) {
    map[op] = n - 1;
    return true;
  }
  return false;
}

function epochSeconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

/** Lambda's timestamp format: 2024-01-01T00:00:00.000+0000 */
function lambdaTimestamp(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toISOString().replace('Z', '+0000');
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------

class StandinImpl implements Standin {
  endpoint = '';
  readonly credentials: StandinCredentials;
  knobs: StandinKnobs;
  readonly counters: StandinCounters = {
    requests: {},
    codeBytesServed: 0,
    codeRequests: 0,
    rangeRequests: 0,
    throttled: 0,
    unsignedRejected: 0,
    log: [],
  };
  private readonly server: Server;
  private readonly functions = new Map<string, FunctionRecord>();
  private readonly layers = new Map<string, LayerRecord>();
  private readonly stacks: (StandinStack & { region: string; stackId: string })[] = [];
  private readonly secrets: (StandinSecret & { region: string; arn: string })[] = [];
  private readonly codeObjects = new Map<string, CodeObject>();
  private readonly pageTokens = new Map<string, PageToken>();
  private readonly issued: string[] = [];
  private readonly urlKey = randomBytes(32);
  private bucket: { tokens: number; last: number; rate: number } | undefined;
  acceptCredentials: StartStandinOptions['acceptCredentials'];
  private readonly extensions: StandinExtension[] = [];

  constructor(credentials: StandinCredentials, knobs: StandinKnobs) {
    this.credentials = credentials;
    this.knobs = knobs;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.statusCode = 500;
          res.setHeader('Content-Type', 'text/plain');
          res.end(`stand-in internal error: ${err instanceof Error ? err.message : String(err)}`);
        } else {
          res.destroy();
        }
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  async listen(host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address() as AddressInfo;
    const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.endpoint = `http://${h}:${addr.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  resetCounters(): void {
    const c = this.counters;
    c.requests = {};
    c.codeBytesServed = 0;
    c.codeRequests = 0;
    c.rangeRequests = 0;
    c.throttled = 0;
    c.unsignedRejected = 0;
    c.log = [];
  }

  issuedSecrets(): string[] {
    return [...this.issued];
  }

  // ---- data -------------------------------------------------------------------------------

  private putCode(data: Buffer, region: string): string {
    const id = randomUUID();
    this.codeObjects.set(id, { data, etag: `"${createHash('md5').update(data).digest('hex')}"`, region });
    return id;
  }

  addFunction(f: StandinFunction): void {
    const region = f.region ?? DEFAULT_REGION;
    const accountId = f.accountId ?? DEFAULT_ACCOUNT_ID;
    const packageType = f.packageType ?? (f.imageUri !== undefined && f.code === undefined ? 'Image' : 'Zip');
    const rec: FunctionRecord = { f: { ...f, packageType }, region, accountId };
    if (packageType === 'Zip') {
      const code = f.code ?? EMPTY_ZIP;
      rec.code = code;
      rec.codeId = this.putCode(code, region);
    }
    this.functions.set(`${region}\0${accountId}\0${f.name}`, rec);
  }

  use(extension: StandinExtension): void {
    this.extensions.push(extension);
  }

  removeFunction(name: string, region: string = DEFAULT_REGION): void {
    for (const [k, rec] of this.functions) {
      if (rec.region === region && rec.f.name === name) this.functions.delete(k);
    }
  }

  addLayer(l: StandinLayer): void {
    const m = LAYER_ARN_PATTERN.exec(l.arn);
    if (!m) throw new Error(`stand-in: not a layer version ARN: ${l.arn}`);
    const region = m[1] as string;
    this.layers.set(l.arn, {
      arn: l.arn,
      region,
      accountId: m[2] as string,
      name: m[3] as string,
      version: Number(m[4]),
      code: l.code,
      codeId: this.putCode(l.code, region),
    });
  }

  addStack(s: StandinStack): void {
    const region = s.region ?? DEFAULT_REGION;
    const stackId =
      s.stackId ?? `arn:aws:cloudformation:${region}:${DEFAULT_ACCOUNT_ID}:stack/${s.name}/${hashUuid(region, s.name, s.creationTime)}`;
    const idx = this.stacks.findIndex((x) => x.stackId === stackId);
    const rec = { ...s, region, stackId };
    if (idx >= 0) this.stacks[idx] = rec;
    else this.stacks.push(rec);
  }

  addSecret(s: StandinSecret): void {
    const region = s.region ?? DEFAULT_REGION;
    const arn = s.arn ?? `arn:aws:secretsmanager:${region}:${DEFAULT_ACCOUNT_ID}:secret:${s.name}-${secretSuffix(region, s.name)}`;
    const idx = this.secrets.findIndex((x) => x.region === region && x.name === s.name);
    const rec = { ...s, region, arn };
    if (idx >= 0) this.secrets[idx] = rec;
    else this.secrets.push(rec);
  }

  // ---- plumbing ---------------------------------------------------------------------------

  private classify(req: IncomingMessage, rawPath: string, body: Buffer): { service: Service; op: string } {
    const method = req.method ?? 'GET';
    if (rawPath.startsWith('/code/')) return { service: 's3', op: 'Code' };
    if (rawPath.startsWith('/2015-03-31/functions/')) {
      const rest = rawPath.slice('/2015-03-31/functions/'.length);
      if (method === 'GET' && rest.length > 0 && !rest.includes('/')) return { service: 'lambda', op: 'GetFunction' };
      return { service: 'lambda', op: 'Unknown' };
    }
    if (rawPath === '/2018-10-31/layers') {
      return { service: 'lambda', op: method === 'GET' ? 'GetLayerVersionByArn' : 'Unknown' };
    }
    if (rawPath.startsWith('/2015-03-31/') || rawPath.startsWith('/2018-10-31/')) return { service: 'lambda', op: 'Unknown' };
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string') {
      if (target.startsWith('secretsmanager.')) return { service: 'secretsmanager', op: target.slice('secretsmanager.'.length) || 'Unknown' };
      return { service: 'unknown', op: 'Unknown' };
    }
    if (method === 'POST' && rawPath === '/') {
      const action = new URLSearchParams(body.toString('utf8')).get('Action');
      if (action) return { service: 'cloudformation', op: action };
    }
    return { service: 'unknown', op: 'Unknown' };
  }

  /** write a response and log it. Truncation applies to 2xx only. */
  private send(ctx: Ctx, status: number, headers: Record<string, string>, body: Buffer, opts: { head?: boolean } = {}): number {
    const { res } = ctx;
    const truncate = status >= 200 && status < 300 && !opts.head && body.length > 0 && consume(this.knobs.truncateBodies, ctx.op);
    const entry: StandinLogEntry = { op: ctx.op, method: ctx.req.method ?? 'GET', path: ctx.logPath, status };
    if (ctx.range !== undefined) entry.range = ctx.range;
    this.counters.log.push(entry);
    if (!opts.head && hostileSend(this.knobs.hostile, ctx.op, ctx.req, res, status, headers, body)) return 0;
    res.statusCode = status;
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.setHeader('Content-Length', String(body.length));
    if (opts.head) {
      res.end();
      return 0;
    }
    if (truncate) {
      const part = body.subarray(0, Math.floor(body.length / 2));
      res.write(part, () => {
        res.socket?.destroy();
      });
      return part.length;
    }
    res.end(body);
    return body.length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      res.destroy();
      return;
    }
    const rawUrl = req.url ?? '/';
    const qi = rawUrl.indexOf('?');
    const rawPath = qi === -1 ? rawUrl : rawUrl.slice(0, qi);
    const rawQuery = qi === -1 ? '' : rawUrl.slice(qi + 1);
    for (const ext of this.extensions) if (await ext({ req, res, rawUrl, rawPath, rawQuery, body }, this)) return;
    const { service, op } = this.classify(req, rawPath, body);
    const rangeHeader = req.headers.range;
    const ctx: Ctx = {
      req,
      res,
      service,
      op,
      rawPath,
      rawQuery,
      body,
      logPath: service === 's3' ? rawPath : rawUrl,
      region: DEFAULT_REGION,
      requestId: randomUUID(),
    };
    if (service === 's3' && typeof rangeHeader === 'string') ctx.range = rangeHeader;
    this.counters.requests[op] = (this.counters.requests[op] ?? 0) + 1;
    if (this.knobs.latencyMs > 0) await sleep(this.knobs.latencyMs);

    if (service === 's3') return this.handleCode(ctx);
    if (service === 'unknown') {
      this.send(ctx, 404, { 'Content-Type': 'application/json', 'x-amzn-RequestId': ctx.requestId }, Buffer.from('{"message":"Not Found"}'));
      return;
    }

    // ---- authentication ----
    const keyId = /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
    const other = keyId === undefined ? undefined : this.acceptCredentials?.(keyId);
    const v = verifySigV4(
      { method: req.method ?? 'GET', rawUrl, rawHeaders: req.rawHeaders, body },
      { expectedService: service, credentials: other?.credentials ?? this.credentials },
    );
    if (v.auth) ctx.region = v.auth.region;
    else if (!v.ok && v.region) ctx.region = v.region;
    if (!v.ok) {
      this.counters.unsignedRejected++;
      this.authError(ctx, v.failure, v.message);
      return;
    }
    if (this.knobs.invalidCredentials) return this.authError(ctx, 'invalid-token', 'The security token included in the request is invalid.');
    if (this.knobs.expiredToken || other?.expired) return this.tokenExpired(ctx);

    // ---- unknown operation ----
    if (op === 'Unknown' || !['GetFunction', 'GetLayerVersionByArn', 'DescribeStacks', 'ListSecrets'].includes(op)) {
      return this.unknownOperation(ctx);
    }

    // ---- fault injection ----
    if (consume(this.knobs.throttle, op) || !this.takeRateToken()) {
      this.counters.throttled++;
      return this.throttleError(ctx);
    }
    if (consume(this.knobs.serverErrors, op)) return this.serverError(ctx);
    if (this.knobs.accessDenied[op]) return this.accessDenied(ctx);

    switch (op) {
      case 'GetFunction':
        return this.getFunction(ctx);
      case 'GetLayerVersionByArn':
        return this.getLayerVersionByArn(ctx);
      case 'DescribeStacks':
        return this.describeStacks(ctx);
      case 'ListSecrets':
        return this.listSecrets(ctx);
    }
  }

  private takeRateToken(): boolean {
    const rate = this.knobs.rateLimitPerSecond;
    if (rate === undefined || rate <= 0) {
      this.bucket = undefined;
      return true;
    }
    const now = Date.now();
    const capacity = Math.max(1, rate);
    if (!this.bucket || this.bucket.rate !== rate) this.bucket = { tokens: capacity, last: now, rate };
    const b = this.bucket;
    b.tokens = Math.min(capacity, b.tokens + ((now - b.last) / 1000) * rate);
    b.last = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    return false;
  }

  // ---- error shapes per protocol ------------------------------------------------------------

  private lambdaError(ctx: Ctx, status: number, type: string, body: Record<string, unknown>, extra: Record<string, string> = {}): void {
    this.send(
      ctx,
      status,
      { 'Content-Type': 'application/json', 'x-amzn-RequestId': ctx.requestId, 'x-amzn-ErrorType': type, ...extra },
      Buffer.from(JSON.stringify(body)),
    );
  }

  private cfnError(ctx: Ctx, status: number, code: string, message: string, type: 'Sender' | 'Receiver' = 'Sender'): void {
    const xml =
      `<ErrorResponse xmlns="${CFN_XMLNS}">\n  <Error>\n    <Type>${type}</Type>\n    <Code>${xmlEscape(code)}</Code>\n` +
      `    <Message>${xmlEscape(message)}</Message>\n  </Error>\n  <RequestId>${ctx.requestId}</RequestId>\n</ErrorResponse>\n`;
    this.send(ctx, status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': ctx.requestId }, Buffer.from(xml));
  }

  private smError(ctx: Ctx, status: number, type: string, message: string, messageKey: 'message' | 'Message' = 'Message'): void {
    this.send(
      ctx,
      status,
      { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': ctx.requestId },
      Buffer.from(JSON.stringify({ __type: type, [messageKey]: message })),
    );
  }

  private s3Error(ctx: Ctx, status: number, code: string, message: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}): void {
    const fields = Object.entries(extra)
      .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
      .join('');
    const hostId = randomBytes(48).toString('base64');
    const xml =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${fields}` +
      `<RequestId>${ctx.requestId.replace(/-/g, '').slice(0, 16).toUpperCase()}</RequestId><HostId>${hostId}</HostId></Error>`;
    this.send(
      ctx,
      status,
      { 'Content-Type': 'application/xml', 'x-amz-request-id': ctx.requestId.replace(/-/g, '').slice(0, 16).toUpperCase(), 'x-amz-id-2': hostId, Server: 'AmazonS3', ...headers },
      ctx.req.method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(xml),
    );
  }

  private authError(ctx: Ctx, failure: SigV4Failure, message: string): void {
    switch (ctx.service) {
      case 'lambda': {
        const type = {
          missing: 'MissingAuthenticationTokenException',
          incomplete: 'IncompleteSignatureException',
          'wrong-service': 'InvalidSignatureException',
          'unknown-key': 'UnrecognizedClientException',
          'invalid-token': 'UnrecognizedClientException',
          expired: 'InvalidSignatureException',
          mismatch: 'InvalidSignatureException',
        }[failure];
        return this.lambdaError(ctx, 403, type, { message });
      }
      case 'cloudformation': {
        const code = {
          missing: 'MissingAuthenticationToken',
          incomplete: 'IncompleteSignature',
          'wrong-service': 'SignatureDoesNotMatch',
          'unknown-key': 'InvalidClientTokenId',
          'invalid-token': 'InvalidClientTokenId',
          expired: 'SignatureDoesNotMatch',
          mismatch: 'SignatureDoesNotMatch',
        }[failure];
        return this.cfnError(ctx, 403, code, failure === 'missing' ? 'Request is missing Authentication Token' : message);
      }
      case 'secretsmanager': {
        const type = {
          missing: 'MissingAuthenticationTokenException',
          incomplete: 'IncompleteSignatureException',
          'wrong-service': 'InvalidSignatureException',
          'unknown-key': 'UnrecognizedClientException',
          'invalid-token': 'UnrecognizedClientException',
          expired: 'InvalidSignatureException',
          mismatch: 'InvalidSignatureException',
        }[failure];
        return this.smError(ctx, 400, type, message, 'message');
      }
      default:
        return;
    }
  }

  private tokenExpired(ctx: Ctx): void {
    const msg = 'The security token included in the request is expired';
    if (ctx.service === 'lambda') return this.lambdaError(ctx, 403, 'ExpiredTokenException', { message: msg });
    if (ctx.service === 'cloudformation') return this.cfnError(ctx, 403, 'ExpiredToken', msg);
    return this.smError(ctx, 400, 'ExpiredTokenException', msg, 'message');
  }

  private unknownOperation(ctx: Ctx): void {
    if (ctx.service === 'lambda') return this.lambdaError(ctx, 404, 'UnknownOperationException', { Type: 'User', message: 'Unknown operation' });
    if (ctx.service === 'cloudformation') return this.cfnError(ctx, 400, 'InvalidAction', `Could not find operation ${ctx.op} for version 2010-05-15`);
    return this.smError(ctx, 400, 'UnknownOperationException', '', 'message');
  }

  private throttleError(ctx: Ctx): void {
    if (ctx.service === 'lambda') {
      return this.lambdaError(
        ctx,
        429,
        'TooManyRequestsException',
        { Reason: 'CallerRateLimitExceeded', Type: 'User', message: 'Rate exceeded' },
        { 'Retry-After': String(this.knobs.retryAfterSeconds ?? 1) },
      );
    }
    if (ctx.service === 'cloudformation') return this.cfnError(ctx, 400, 'Throttling', 'Rate exceeded');
    return this.smError(ctx, 400, 'ThrottlingException', 'Rate exceeded', 'message');
  }

  private serverError(ctx: Ctx): void {
    if (ctx.service === 'lambda') {
      return this.lambdaError(ctx, 500, 'ServiceException', { Type: 'Service', Message: 'An error occurred when processing the request.' });
    }
    if (ctx.service === 'cloudformation') {
      return this.cfnError(ctx, 500, 'InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 'Receiver');
    }
    return this.smError(ctx, 500, 'InternalServiceError', 'An error occurred on the server side.');
  }

  private accessDenied(ctx: Ctx): void {
    const deny = (action: string, resource?: string) =>
      `User: ${CALLER_ARN} is not authorized to perform: ${action}${resource ? ` on resource: ${resource}` : ''} because no identity-based policy allows the ${action} action`;
    if (ctx.service === 'lambda') {
      if (ctx.op === 'GetFunction') {
        const p = this.parseFunctionName(ctx);
        const resource = p ? `arn:aws:lambda:${ctx.region}:${p.accountId}:function:${p.name}${p.qualifier ? `:${p.qualifier}` : ''}` : '*';
        return this.lambdaError(ctx, 403, 'AccessDeniedException', { Message: deny('lambda:GetFunction', resource) });
      }
      const arn = new URLSearchParams(ctx.rawQuery).get('Arn') ?? '*';
      return this.lambdaError(ctx, 403, 'AccessDeniedException', { Message: deny('lambda:GetLayerVersion', arn) });
    }
    if (ctx.service === 'cloudformation') {
      const name = new URLSearchParams(ctx.body.toString('utf8')).get('StackName');
      const resource = name
        ? name.startsWith('arn:')
          ? name
          : `arn:aws:cloudformation:${ctx.region}:${DEFAULT_ACCOUNT_ID}:stack/${name}/*`
        : `arn:aws:cloudformation:${ctx.region}:${DEFAULT_ACCOUNT_ID}:stack/*/*`;
      return this.cfnError(ctx, 403, 'AccessDenied', deny('cloudformation:DescribeStacks', resource));
    }
    return this.smError(ctx, 400, 'AccessDeniedException', deny('secretsmanager:ListSecrets'));
  }

  // ---- Lambda -------------------------------------------------------------------------------

  private parseFunctionName(ctx: Ctx): { raw: string; accountId: string; name: string; qualifier?: string; arnRegion?: string } | undefined {
    const seg = ctx.rawPath.slice('/2015-03-31/functions/'.length);
    let raw: string;
    try {
      raw = decodeURIComponent(seg);
    } catch {
      return undefined;
    }
    const m = LAMBDA_FN_PATTERN.exec(raw);
    if (!m || raw.length > 170) return undefined;
    const out: { raw: string; accountId: string; name: string; qualifier?: string; arnRegion?: string } = {
      raw,
      accountId: m[5] ? m[5].slice(0, -1) : DEFAULT_ACCOUNT_ID,
      name: m[7] as string,
    };
    if (m[9] !== undefined) out.qualifier = m[9];
    if (m[3]) out.arnRegion = m[3].slice(0, -1);
    return out;
  }

  private issueCodeUrl(codeId: string, region: string): string {
    const now = new Date();
    const amzDate = toAmzDate(now);
    const expires = String(this.knobs.codeUrlExpiresSeconds ?? 600);
    const token = CODE_URL_TOKEN_PREFIX + 'IQoJb3JpZ2luX2VjE' + randomBytes(30).toString('base64url');
    const credential = `ASIASTANDINCODEURL01/${amzDate.slice(0, 8)}/${region}/s3/aws4_request`;
    const signature = this.codeSignature(codeId, amzDate, expires, token, credential);
    this.issued.push(token, signature);
    const q = [
      `versionId=${encodeURIComponent(createHash('sha256').update(codeId).digest('base64url').slice(0, 32))}`,
      `X-Amz-Security-Token=${encodeURIComponent(token)}`,
      'X-Amz-Algorithm=AWS4-HMAC-SHA256',
      `X-Amz-Date=${amzDate}`,
      'X-Amz-SignedHeaders=host',
      `X-Amz-Expires=${expires}`,
      `X-Amz-Credential=${encodeURIComponent(credential)}`,
      `X-Amz-Signature=${signature}`,
    ].join('&');
    return `${this.endpoint}/code/${codeId}?${q}`;
  }

  private codeSignature(codeId: string, amzDate: string, expires: string, token: string, credential: string): string {
    const mac = createHmac('sha256', this.urlKey).update([codeId, amzDate, expires, token, credential].join('\n')).digest('hex');
    return CODE_URL_SIGNATURE_PREFIX + mac.slice(0, 64 - CODE_URL_SIGNATURE_PREFIX.length);
  }

  private findFunction(region: string, accountId: string, name: string): FunctionRecord | undefined {
    return this.functions.get(`${region}\0${accountId}\0${name}`);
  }

  private getFunction(ctx: Ctx): void {
    const p = this.parseFunctionName(ctx);
    if (!p) {
      let raw = ctx.rawPath.slice('/2015-03-31/functions/'.length);
      try {
        raw = decodeURIComponent(raw);
      } catch {
        /* keep raw */
      }
      return this.lambdaError(ctx, 400, 'ValidationException', {
        message: `1 validation error detected: Value '${raw}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${LAMBDA_FN_PATTERN_TEXT}`,
      });
    }
    const qp = new URLSearchParams(ctx.rawQuery).get('Qualifier') ?? undefined;
    if (qp !== undefined && p.qualifier !== undefined && qp !== p.qualifier) {
      return this.lambdaError(ctx, 400, 'InvalidParameterValueException', {
        Type: 'User',
        message: 'The derived qualifier from the function name does not match the specified qualifier.',
      });
    }
    const qualifier = qp ?? p.qualifier;
    const baseArn = `arn:aws:lambda:${ctx.region}:${p.accountId}:function:${p.name}`;
    const notFound = () =>
      this.lambdaError(ctx, 404, 'ResourceNotFoundException', {
        Type: 'User',
        Message: `Function not found: ${baseArn}${qualifier !== undefined ? `:${qualifier}` : ''}`,
      });
    if (p.arnRegion !== undefined && p.arnRegion !== ctx.region) return notFound();
    const rec = this.findFunction(ctx.region, p.accountId, p.name);
    if (!rec) return notFound();
    if (qualifier !== undefined && qualifier !== '$LATEST' && !(rec.f.qualifiers ?? []).includes(qualifier)) return notFound();
    const f = rec.f;
    const isImage = f.packageType === 'Image';
    const code = rec.code ?? Buffer.alloc(0);
    const config: Record<string, unknown> = {
      FunctionName: f.name,
      FunctionArn: qualifier !== undefined ? `${baseArn}:${qualifier}` : baseArn,
    };
    if (!isImage) {
      config['Runtime'] = f.runtime ?? 'python3.9';
    }
    config['Role'] = `arn:aws:iam::${rec.accountId}:role/${f.name.slice(0, 40)}-role`;
    if (!isImage) config['Handler'] = f.handler ?? 'lambda_function.lambda_handler';
    config['CodeSize'] = isImage ? 0 : code.length;
    config['Description'] = '';
    config['Timeout'] = f.timeout ?? 30;
    config['MemorySize'] = 128;
    config['LastModified'] = lambdaTimestamp(f.lastModified ?? '2024-01-01T00:00:00.000Z');
    config['CodeSha256'] = isImage
      ? createHash('sha256').update(f.imageUri ?? '').digest('hex')
      : createHash('sha256').update(code).digest('base64');
    config['Version'] = qualifier !== undefined && /^\d+$/.test(qualifier) ? qualifier : '$LATEST';
    if (f.vpc) {
      config['VpcConfig'] = {
        SubnetIds: f.vpc.subnetIds,
        SecurityGroupIds: f.vpc.securityGroupIds,
        VpcId: `vpc-${createHash('sha256').update(f.vpc.subnetIds.join(',')).digest('hex').slice(0, 17)}`,
        Ipv6AllowedForDualStack: false,
      };
    }
    if (f.environment) config['Environment'] = { Variables: f.environment };
    config['TracingConfig'] = { Mode: 'PassThrough' };
    config['RevisionId'] = hashUuid(f.name, config['CodeSha256'] as string, config['LastModified'] as string);
    if (f.layers && f.layers.length > 0) {
      config['Layers'] = f.layers.map((arn) => ({ Arn: arn, CodeSize: this.layers.get(arn)?.code.length ?? 0 }));
    }
    config['State'] = 'Active';
    config['LastUpdateStatus'] = 'Successful';
    config['PackageType'] = f.packageType;
    config['Architectures'] = f.architectures ?? ['x86_64'];
    config['EphemeralStorage'] = { Size: 512 };
    config['SnapStart'] = { ApplyOn: 'None', OptimizationStatus: 'Off' };
    config['LoggingConfig'] = { LogFormat: 'Text', LogGroup: `/aws/lambda/${f.name}` };
    const out: Record<string, unknown> = { Configuration: config };
    if (isImage) {
      out['Code'] = { RepositoryType: 'ECR', ImageUri: f.imageUri ?? '', ResolvedImageUri: `${(f.imageUri ?? '').split(':')[0]}@sha256:${config['CodeSha256'] as string}` };
    } else {
      out['Code'] = { RepositoryType: 'S3', Location: this.issueCodeUrl(rec.codeId as string, rec.region) };
    }
    if (f.tags && Object.keys(f.tags).length > 0) out['Tags'] = f.tags;
    this.send(ctx, 200, { 'Content-Type': 'application/json', 'x-amzn-RequestId': ctx.requestId }, Buffer.from(JSON.stringify(out)));
  }

  private getLayerVersionByArn(ctx: Ctx): void {
    const q = new URLSearchParams(ctx.rawQuery);
    const arn = q.get('Arn');
    if (q.get('find') !== 'LayerVersion' || arn === null) return this.unknownOperation(ctx);
    const m = LAYER_ARN_PATTERN.exec(arn);
    if (!m || arn.length > 140) {
      return this.lambdaError(ctx, 400, 'ValidationException', {
        message: `1 validation error detected: Value '${arn}' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: ${LAYER_ARN_PATTERN_TEXT}`,
      });
    }
    const rec = this.layers.get(arn);
    if (!rec || rec.region !== ctx.region) {
      return this.lambdaError(ctx, 404, 'ResourceNotFoundException', { Type: 'User', Message: 'The resource you requested does not exist.' });
    }
    const out = {
      Content: {
        Location: this.issueCodeUrl(rec.codeId, rec.region),
        CodeSha256: createHash('sha256').update(rec.code).digest('base64'),
        CodeSize: rec.code.length,
      },
      LayerArn: arn.slice(0, arn.lastIndexOf(':')),
      LayerVersionArn: arn,
      Description: '',
      CreatedDate: '2024-01-01T00:00:00.000+0000',
      Version: rec.version,
    };
    this.send(ctx, 200, { 'Content-Type': 'application/json', 'x-amzn-RequestId': ctx.requestId }, Buffer.from(JSON.stringify(out)));
  }

  // ---- CloudFormation -----------------------------------------------------------------------

  private newPageToken(scope: string, offset: number): string {
    const token = randomBytes(60).toString('base64');
    this.pageTokens.set(token, { scope, offset });
    return token;
  }

  private describeStacks(ctx: Ctx): void {
    const params = new URLSearchParams(ctx.body.toString('utf8'));
    if (params.get('Version') !== '2010-05-15') {
      return this.cfnError(ctx, 400, 'InvalidParameterValue', `Invalid API version specified: ${params.get('Version') ?? ''}`);
    }
    const stackName = params.get('StackName');
    const nextToken = params.get('NextToken');
    let list: (StandinStack & { region: string; stackId: string })[];
    if (stackName !== null && stackName !== '') {
      const inRegion = this.stacks.filter((s) => s.region === ctx.region);
      const found = stackName.startsWith('arn:')
        ? inRegion.find((s) => s.stackId === stackName)
        : inRegion.find((s) => s.name === stackName && !s.deleted);
      if (!found) return this.cfnError(ctx, 400, 'ValidationError', `Stack with id ${stackName} does not exist`);
      list = [found];
    } else {
      list = this.stacks.filter((s) => s.region === ctx.region && !s.deleted);
    }
    const scope = `cfn\0${ctx.region}\0${stackName ?? ''}`;
    let offset = 0;
    if (nextToken !== null && nextToken !== '') {
      const t = this.pageTokens.get(nextToken);
      if (!t || t.scope !== scope) return this.cfnError(ctx, 400, 'ValidationError', 'Invalid NextToken');
      offset = t.offset;
    }
    const pageSize = Math.max(1, this.knobs.describeStacksPageSize ?? 100);
    const page = list.slice(offset, offset + pageSize);
    const more = offset + pageSize < list.length;
    const members = page.map((s) => {
      const status = s.status ?? (s.deleted ? 'DELETE_COMPLETE' : 'CREATE_COMPLETE');
      const tags = Object.entries(s.tags ?? {})
        .map(([k, v]) => `\n          <member>\n            <Key>${xmlEscape(k)}</Key>\n            <Value>${xmlEscape(v)}</Value>\n          </member>`)
        .join('');
      const creation = new Date(Date.parse(s.creationTime)).toISOString();
      return (
        `\n      <member>` +
        `\n        <StackId>${xmlEscape(s.stackId)}</StackId>` +
        `\n        <StackName>${xmlEscape(s.name)}</StackName>` +
        (s.description !== undefined ? `\n        <Description>${xmlEscape(s.description)}</Description>` : '') +
        `\n        <Parameters/>` +
        `\n        <CreationTime>${creation}</CreationTime>` +
        (s.deleted ? `\n        <DeletionTime>${new Date(Date.parse(s.creationTime) + 86_400_000).toISOString()}</DeletionTime>` : '') +
        `\n        <RollbackConfiguration/>` +
        `\n        <StackStatus>${xmlEscape(status)}</StackStatus>` +
        `\n        <DisableRollback>false</DisableRollback>` +
        `\n        <NotificationARNs/>` +
        `\n        <Capabilities>\n          <member>CAPABILITY_IAM</member>\n        </Capabilities>` +
        `\n        <Outputs/>` +
        `\n        <Tags>${tags}${tags ? '\n        ' : ''}</Tags>` +
        `\n        <EnableTerminationProtection>false</EnableTerminationProtection>` +
        `\n        <DriftInformation>\n          <StackDriftStatus>NOT_CHECKED</StackDriftStatus>\n        </DriftInformation>` +
        `\n      </member>`
      );
    });
    const xml =
      `<DescribeStacksResponse xmlns="${CFN_XMLNS}">\n  <DescribeStacksResult>\n    <Stacks>${members.join('')}\n    </Stacks>` +
      (more ? `\n    <NextToken>${xmlEscape(this.newPageToken(scope, offset + pageSize))}</NextToken>` : '') +
      `\n  </DescribeStacksResult>\n  <ResponseMetadata>\n    <RequestId>${ctx.requestId}</RequestId>\n  </ResponseMetadata>\n</DescribeStacksResponse>\n`;
    this.send(ctx, 200, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': ctx.requestId }, Buffer.from(xml));
  }

  // ---- Secrets Manager ----------------------------------------------------------------------

  private listSecrets(ctx: Ctx): void {
    let input: unknown;
    try {
      input = ctx.body.length === 0 ? {} : JSON.parse(ctx.body.toString('utf8'));
    } catch {
      return this.smError(ctx, 400, 'SerializationException', 'Start of structure or map found where not expected.', 'message');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return this.smError(ctx, 400, 'SerializationException', 'Start of structure or map found where not expected.', 'message');
    }
    const body = input as { MaxResults?: unknown; NextToken?: unknown; Filters?: unknown };
    const maxResults = body.MaxResults;
    if (maxResults !== undefined && (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100)) {
      const constraint = typeof maxResults === 'number' && maxResults < 1 ? 'greater than or equal to 1' : 'less than or equal to 100';
      return this.smError(
        ctx,
        400,
        'ValidationException',
        `1 validation error detected: Value '${String(maxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value ${constraint}`,
        'message',
      );
    }
    const validKeys = ['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all'];
    const filters: { key: string; values: string[] }[] = [];
    if (body.Filters !== undefined) {
      if (!Array.isArray(body.Filters)) return this.smError(ctx, 400, 'SerializationException', 'Filters must be a list', 'message');
      for (const f of body.Filters as unknown[]) {
        const ff = f as { Key?: unknown; Values?: unknown };
        if (typeof ff.Key !== 'string' || !validKeys.includes(ff.Key)) {
          return this.smError(
            ctx,
            400,
            'ValidationException',
            `1 validation error detected: Value '${String(ff.Key)}' at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set: [${validKeys.join(', ')}]`,
            'message',
          );
        }
        const values = Array.isArray(ff.Values) ? (ff.Values as unknown[]).filter((v): v is string => typeof v === 'string') : [];
        filters.push({ key: ff.Key, values });
      }
    }
    const matchOne = (s: StandinSecret, key: string, value: string): boolean => {
      const v = value.toLowerCase();
      const pre = (x: string | undefined) => x !== undefined && x.toLowerCase().startsWith(v);
      const tags = Object.entries(s.tags ?? {});
      switch (key) {
        case 'name':
          return pre(s.name);
        case 'description':
          return pre(s.description);
        case 'tag-key':
          return tags.some(([k]) => pre(k));
        case 'tag-value':
          return tags.some(([, tv]) => pre(tv));
        case 'all':
          return pre(s.name) || pre(s.description) || tags.some(([k, tv]) => pre(k) || pre(tv));
        default:
          return false;
      }
    };
    const matches = (s: StandinSecret) =>
      filters.every((f) => {
        const pos = f.values.filter((v) => !v.startsWith('!'));
        const neg = f.values.filter((v) => v.startsWith('!')).map((v) => v.slice(1));
        if (neg.some((v) => matchOne(s, f.key, v))) return false;
        return pos.length === 0 || pos.some((v) => matchOne(s, f.key, v));
      });
    const list = this.secrets.filter((s) => s.region === ctx.region && matches(s));
    const scope = `sm\0${ctx.region}\0${JSON.stringify(filters)}`;
    let offset = 0;
    if (body.NextToken !== undefined) {
      const t = typeof body.NextToken === 'string' ? this.pageTokens.get(body.NextToken) : undefined;
      if (!t || t.scope !== scope) return this.smError(ctx, 400, 'InvalidNextTokenException', 'You provided an invalid NextToken value.');
      offset = t.offset;
    }
    const pageSize = Math.max(1, Math.min(maxResults ?? Number.POSITIVE_INFINITY, this.knobs.listSecretsPageSize));
    const page = list.slice(offset, offset + pageSize);
    const more = offset + pageSize < list.length;
    const created = epochSeconds('2023-01-01T00:00:00.000Z');
    const entries = page.map((s) => {
      const e: Record<string, unknown> = { ARN: s.arn, Name: s.name };
      if (s.description !== undefined) e['Description'] = s.description;
      if (s.rotationEnabled !== undefined || s.rotationLambdaARN !== undefined) e['RotationEnabled'] = s.rotationEnabled ?? false;
      if (s.rotationLambdaARN !== undefined) e['RotationLambdaARN'] = s.rotationLambdaARN;
      if (s.rotationEnabled) e['RotationRules'] = { AutomaticallyAfterDays: 30 };
      if (s.lastRotatedDate !== undefined) e['LastRotatedDate'] = epochSeconds(s.lastRotatedDate);
      e['LastChangedDate'] = s.lastRotatedDate !== undefined ? epochSeconds(s.lastRotatedDate) : created;
      if (s.tags && Object.keys(s.tags).length > 0) e['Tags'] = Object.entries(s.tags).map(([Key, Value]) => ({ Key, Value }));
      e['SecretVersionsToStages'] = { [hashUuid(s.arn, 'current')]: ['AWSCURRENT'] };
      e['CreatedDate'] = created;
      return e;
    });
    const out: Record<string, unknown> = { SecretList: entries };
    if (more) out['NextToken'] = this.newPageToken(scope, offset + pageSize);
    this.send(ctx, 200, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': ctx.requestId }, Buffer.from(JSON.stringify(out)));
  }

  // ---- presigned code downloads ("S3") ------------------------------------------------------

  private handleCode(ctx: Ctx): void {
    const method = ctx.req.method ?? 'GET';
    this.counters.codeRequests++;
    if (ctx.range !== undefined) this.counters.rangeRequests++;
    if (method !== 'GET' && method !== 'HEAD') {
      return this.s3Error(ctx, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', { Method: method, ResourceType: 'OBJECT' });
    }
    const id = decodeURIComponent(ctx.rawPath.slice('/code/'.length));
    const q = new URLSearchParams(ctx.rawQuery);
    const sig = q.get('X-Amz-Signature');
    const amzDate = q.get('X-Amz-Date');
    const expires = q.get('X-Amz-Expires');
    const token = q.get('X-Amz-Security-Token');
    const credential = q.get('X-Amz-Credential');
    if (!sig || !amzDate || !expires || !token || !credential || q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') {
      return this.s3Error(ctx, 403, 'AccessDenied', 'Access Denied');
    }
    const expected = Buffer.from(this.codeSignature(id, amzDate, expires, token, credential));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return this.s3Error(ctx, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
        AWSAccessKeyId: credential.split('/')[0] ?? '',
      });
    }
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    const signedAt = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : 0;
    const expiresAt = signedAt + Number(expires) * 1000;
    const forced = this.knobs.expireCodeUrls > 0;
    if (forced || Date.now() > expiresAt) {
      if (forced) this.knobs.expireCodeUrls--;
      const serverTime = forced ? Math.max(Date.now(), expiresAt + 1000) : Date.now();
      return this.s3Error(ctx, 403, 'AccessDenied', 'Request has expired', {
        'X-Amz-Expires': expires,
        Expires: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        ServerTime: new Date(serverTime).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      });
    }
    if (consume(this.knobs.throttle, 'Code')) {
      this.counters.throttled++;
      return this.s3Error(ctx, 503, 'SlowDown', 'Please reduce your request rate.');
    }
    if (consume(this.knobs.serverErrors, 'Code')) return this.s3Error(ctx, 500, 'InternalError', 'We encountered an internal error. Please try again.');
    if (this.knobs.accessDenied['Code']) return this.s3Error(ctx, 403, 'AccessDenied', 'Access Denied');
    const obj = this.codeObjects.get(id);
    if (!obj) return this.s3Error(ctx, 404, 'NoSuchKey', 'The specified key does not exist.', { Key: id });

    const size = obj.data.length;
    const baseHeaders: Record<string, string> = {
      'x-amz-request-id': ctx.requestId.replace(/-/g, '').slice(0, 16).toUpperCase(),
      'x-amz-id-2': randomBytes(48).toString('base64'),
      'Last-Modified': 'Mon, 01 Jan 2024 00:00:00 GMT',
      ETag: obj.etag,
      'x-amz-server-side-encryption': 'AES256',
      'x-amz-version-id': q.get('versionId') ?? 'null',
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/zip',
      Server: 'AmazonS3',
    };
    const head = method === 'HEAD';
    const r = ctx.range !== undefined && !this.knobs.ignoreRange ? parseRange(ctx.range, size) : { kind: 'none' as const };
    if (r.kind === 'unsatisfiable') {
      return this.s3Error(
        ctx,
        416,
        'InvalidRange',
        'The requested range is not satisfiable',
        { RangeRequested: ctx.range ?? '', ActualObjectSize: String(size) },
        { 'Content-Range': `bytes */${size}` },
      );
    }
    if (r.kind === 'range') {
      const slice = obj.data.subarray(r.start, r.end + 1);
      this.counters.codeBytesServed += this.send(ctx, 206, { ...baseHeaders, 'Content-Range': `bytes ${r.start}-${r.end}/${size}` }, slice, { head });
      return;
    }
    this.counters.codeBytesServed += this.send(ctx, 200, baseHeaders, obj.data, { head });
  }
}

export type RangeResult = { kind: 'none' } | { kind: 'unsatisfiable' } | { kind: 'range'; start: number; end: number };

/** Single byte-range semantics as S3 applies them (multi-range and malformed ranges are ignored). */
export function parseRange(header: string, size: number): RangeResult {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return { kind: 'none' };
  const a = m[1] ?? '';
  const b = m[2] ?? '';
  if (a === '' && b === '') return { kind: 'none' };
  if (a === '') {
    const n = Number(b);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  if (b === '') {
    if (start >= size) return { kind: 'unsatisfiable' };
    return { kind: 'range', start, end: size - 1 };
  }
  const end = Number(b);
  if (end < start) return { kind: 'none' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end: Math.min(end, size - 1) };
}

/** 22-byte end-of-central-directory record: a valid empty zip */
const EMPTY_ZIP = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);

export async function startStandin(opts: StartStandinOptions = {}): Promise<Standin> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host)) throw new Error(`stand-in only binds to loopback addresses, not ${host}`);
  const knobs = { ...defaultKnobs(), ...(opts.knobs ?? {}) };
  knobs.throttle = { ...knobs.throttle };
  knobs.serverErrors = { ...knobs.serverErrors };
  knobs.truncateBodies = { ...knobs.truncateBodies };
  knobs.accessDenied = { ...knobs.accessDenied };
  const creds: SigV4Credentials = { ...(opts.credentials ?? DEFAULT_CREDENTIALS) };
  const s = new StandinImpl(creds, knobs);
  s.acceptCredentials = opts.acceptCredentials;
  await s.listen(host);
  for (const l of opts.layers ?? []) s.addLayer(l);
  for (const f of opts.functions ?? []) s.addFunction(f);
  for (const st of opts.stacks ?? []) s.addStack(st);
  for (const se of opts.secrets ?? []) s.addSecret(se);
  return s;
}
