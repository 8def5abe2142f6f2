// An AWS organization on loopback: one endpoint answers
//   * STS (awsQuery, form POST, XML)      AssumeRole, GetCallerIdentity
//   * Organizations (awsJson1_1)          ListAccounts
// itself, and sends every other request to the account whose credentials signed it: each account is its own
// stand-in (server.ts) with its own fleet, reached only with credentials STS issued for that account (or, for the
// caller's own account, the base credentials). Credentials really expire. SigV4 is verified everywhere.
// Node built-ins only.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_CREDENTIALS, startStandin, type Standin, type StandinCredentials, type StandinKnobs, type StartStandinOptions } from './server.js';
import { verifySigV4 } from './sigv4.js';

export interface OrgAccountSpec {
  id: string;
  name?: string;
  /** Organizations' account state; default ACTIVE */
  state?: 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED';
  /** the role that can be assumed; default 'RotationAudit'. null: the account has no such role */
  roleName?: string | null;
  /** AssumeRole answers AccessDenied (the role's trust policy does not trust the caller) */
  deny?: boolean;
  /** the role's trust policy requires this sts:ExternalId */
  externalId?: string;
  /** the account's resources */
  fleet?: Pick<StartStandinOptions, 'functions' | 'layers' | 'stacks' | 'secrets'>;
}

export interface OrganizationOptions {
  accounts: OrgAccountSpec[];
  /** the management account (must be one of accounts); default the first */
  managementId?: string;
  /** the account of the base credentials; default the management account */
  callerId?: string;
  /** lifetime of issued credentials in seconds (reported as Expiration and enforced); default 3600 */
  credentialSeconds?: number;
  /** knobs of every account's stand-in (latency, throttling, …) */
  knobs?: Partial<StandinKnobs>;
  /** ListAccounts page size (AWS: at most 20); default 20 */
  listAccountsPageSize?: number;
  /** Organizations answers AccessDenied (the caller is not the management account or a delegated administrator) */
  organizationsDenied?: boolean;
  /** AssumeRole into these accounts never answers (a stalled STS endpoint) */
  stallAssumeRole?: string[];
}

export interface AssumeRoleCall {
  roleArn: string;
  sessionName: string;
  externalId?: string;
  ok: boolean;
}

export interface Organization {
  endpoint: string;
  /** the base credentials */
  credentials: StandinCredentials;
  /** each account's stand-in, by id */
  standins: Map<string, Standin>;
  assumeRoleCalls: AssumeRoleCall[];
  listAccountsCalls: number;
  /** API requests sent on to an account's stand-in: which account's credentials signed them and which stand-in got them */
  routed: Array<{ signedFor: string; standin: string }>;
  /** every credential secret (secret key, session token) STS issued: must never leak */
  issuedSecrets(): string[];
  /** code downloads over every account's stand-in */
  codeRequests(): number;
  close(): Promise<void>;
}

interface Issued { accountId: string; credentials: StandinCredentials; expiresAt: number }

const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ORG_TARGET = 'AWSOrganizationsV20161128.';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const xmlEscape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startOrganization(o: OrganizationOptions): Promise<Organization> {
  const base: StandinCredentials = { ...DEFAULT_CREDENTIALS };
  const managementId = o.managementId ?? o.accounts[0]!.id;
  const callerId = o.callerId ?? managementId;
  const lifetime = (o.credentialSeconds ?? 3600) * 1000;
  const issued = new Map<string, Issued>();
  const standins = new Map<string, Standin>();
  const specs = new Map(o.accounts.map((a) => [a.id, a]));
  const org: Organization = {
    endpoint: '', credentials: base, standins, assumeRoleCalls: [], listAccountsCalls: 0, routed: [],
    issuedSecrets: () => [...issued.values()].flatMap((i) => [i.credentials.secretAccessKey, i.credentials.sessionToken!]),
    codeRequests: () => [...standins.values()].reduce((n, s) => n + s.counters.codeRequests, 0),
    close: async () => { await Promise.all([...standins.values()].map((s) => s.close())); await new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }); },
  };
  for (const a of o.accounts) {
    const standin = await startStandin({
      ...(a.fleet ?? {}), knobs: { ...(o.knobs ?? {}) },
      // The caller's own account takes the base credentials; any other only what STS issued for it.
      credentials: a.id === callerId ? base : { accessKeyId: `AKIANOTISSUED${a.id.slice(-7)}`, secretAccessKey: randomBytes(20).toString('base64') },
      acceptCredentials: (key) => {
        const i = issued.get(key);
        return i && i.accountId === a.id ? { credentials: i.credentials, expired: Date.now() >= i.expiresAt } : undefined;
      },
    });
    standins.set(a.id, standin);
  }

  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'x-amzn-RequestId': randomUUID() });
    res.end(body);
  };
  const stsError = (res: ServerResponse, status: number, code: string, message: string) =>
    send(res, status, 'text/xml', `<ErrorResponse xmlns="${STS_XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
  const orgError = (res: ServerResponse, status: number, type: string, message: string) =>
    send(res, status, 'application/x-amz-json-1.1', JSON.stringify({ __type: type, Message: message }));
  const callerArn = `arn:aws:iam::${callerId}:user/test`;

  const sts = (req: IncomingMessage, res: ServerResponse, body: Buffer, params: URLSearchParams) => {
    const v = verifySigV4({ method: req.method ?? 'POST', rawUrl: req.url ?? '/', rawHeaders: req.rawHeaders, body }, { expectedService: 'sts', credentials: base });
    if (!v.ok) return stsError(res, 403, v.failure === 'unknown-key' || v.failure === 'invalid-token' ? 'InvalidClientTokenId' : 'SignatureDoesNotMatch', v.message);
    const action = params.get('Action');
    if (action === 'GetCallerIdentity') {
      return send(res, 200, 'text/xml', `<GetCallerIdentityResponse xmlns="${STS_XMLNS}"><GetCallerIdentityResult><Arn>${callerArn}</Arn><UserId>AIDASTANDINUSER00001</UserId><Account>${callerId}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`);
    }
    if (action !== 'AssumeRole') return stsError(res, 400, 'InvalidAction', `Could not find operation ${action ?? ''} for version 2011-06-15`);
    const roleArn = params.get('RoleArn') ?? '';
    const sessionName = params.get('RoleSessionName') ?? '';
    const externalId = params.get('ExternalId') ?? undefined;
    const m = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(roleArn);
    if (m && o.stallAssumeRole?.includes(m[1]!)) return; // no answer, ever
    const spec = m ? specs.get(m[1]!) : undefined;
    const roleName = spec ? (spec.roleName === undefined ? 'RotationAudit' : spec.roleName) : null;
    const allowed = spec && m && roleName === m[2] && !spec.deny && (spec.externalId === undefined || spec.externalId === externalId) &&
      (spec.state ?? 'ACTIVE') === 'ACTIVE' && /^[\w+=,.@-]{2,64}$/.test(sessionName);
    org.assumeRoleCalls.push({ roleArn, sessionName, ...(externalId !== undefined ? { externalId } : {}), ok: Boolean(allowed) });
    if (!allowed) return stsError(res, 403, 'AccessDenied', `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    const credentials: StandinCredentials = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(60).toString('base64')}`,
    };
    const expiresAt = Date.now() + lifetime;
    issued.set(credentials.accessKeyId, { accountId: spec!.id, credentials, expiresAt });
    const expiration = new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return send(res, 200, 'text/xml', `<AssumeRoleResponse xmlns="${STS_XMLNS}"><AssumeRoleResult><AssumedRoleUser><AssumedRoleId>AROASTANDINROLE00001:${xmlEscape(sessionName)}</AssumedRoleId><Arn>arn:aws:sts::${spec!.id}:assumed-role/${xmlEscape(m![2]!)}/${xmlEscape(sessionName)}</Arn></AssumedRoleUser><Credentials><AccessKeyId>${credentials.accessKeyId}</AccessKeyId><SecretAccessKey>${xmlEscape(credentials.secretAccessKey)}</SecretAccessKey><SessionToken>${xmlEscape(credentials.sessionToken!)}</SessionToken><Expiration>${expiration}</Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`);
  };

  const organizations = (req: IncomingMessage, res: ServerResponse, body: Buffer, op: string) => {
    const v = verifySigV4({ method: req.method ?? 'POST', rawUrl: req.url ?? '/', rawHeaders: req.rawHeaders, body }, { expectedService: 'organizations', credentials: base });
    if (!v.ok) return orgError(res, 400, v.failure === 'unknown-key' || v.failure === 'invalid-token' ? 'UnrecognizedClientException' : 'InvalidSignatureException', v.message);
    if (op !== 'ListAccounts') return orgError(res, 400, 'UnknownOperationException', '');
    org.listAccountsCalls++;
    if (o.organizationsDenied) return orgError(res, 400, 'AccessDeniedException', `You don't have permissions to access this resource.`);
    let input: { NextToken?: string; MaxResults?: number };
    try { input = JSON.parse(body.toString('utf8') || '{}') as typeof input; } catch { return orgError(res, 400, 'SerializationException', 'bad JSON'); }
    const size = Math.min(input.MaxResults ?? 20, o.listAccountsPageSize ?? 20);
    const start = input.NextToken ? Number(Buffer.from(input.NextToken, 'base64').toString('utf8')) : 0;
    const page = o.accounts.slice(start, start + size).map((a) => ({
      Id: a.id, Arn: `arn:aws:organizations::${managementId}:account/o-standin0001/${a.id}`, Email: `aws+${a.id}@example.com`,
      Name: a.name ?? `account-${a.id}`, Status: a.state === 'SUSPENDED' ? 'SUSPENDED' : a.state === 'PENDING_CLOSURE' ? 'PENDING_CLOSURE' : 'ACTIVE',
      State: a.state ?? 'ACTIVE', JoinedMethod: a.id === managementId ? 'CREATED' : 'INVITED', JoinedTimestamp: 1.6094592E9,
    }));
    const next = start + size < o.accounts.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
    return send(res, 200, 'application/x-amz-json-1.1', JSON.stringify({ Accounts: page, ...(next ? { NextToken: next } : {}) }));
  };

  /** Everything else goes to the stand-in of the account whose credentials signed it (unknown keys: the caller's, which refuses them). */
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const key = /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
    const owner = issued.get(key)?.accountId ?? callerId;
    const target = standins.get(owner)!;
    org.routed.push({ signedFor: key === base.accessKeyId ? callerId : issued.get(key)?.accountId ?? '?', standin: owner });
    const url = new URL(target.endpoint);
    const headers: Record<string, string | string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers[req.rawHeaders[i]!] = req.rawHeaders[i + 1]!;
    const out = httpRequest({ host: url.hostname, port: url.port, method: req.method, path: req.url, headers, setHost: false }, (back) => {
      res.writeHead(back.statusCode ?? 502, back.headers);
      back.pipe(res);
    });
    out.on('error', () => res.destroy());
    out.end(body);
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const target = req.headers['x-amz-target'];
      if (typeof target === 'string' && target.startsWith(ORG_TARGET)) {
        await sleep(o.knobs?.latencyMs ?? 0);
        return organizations(req, res, body, target.slice(ORG_TARGET.length));
      }
      if (req.method === 'POST' && (req.url ?? '/').split('?')[0] === '/' && typeof target !== 'string') {
        const params = new URLSearchParams(body.toString('utf8'));
        if (params.get('Version') === '2011-06-15') {
          await sleep(o.knobs?.latencyMs ?? 0);
          return sts(req, res, body, params);
        }
      }
      return forward(req, res, body);
    })().catch(() => res.destroy());
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  org.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return org;
}
