// Server-side AWS Signature Version 4 verification (header-based auth only),
// following https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
// Node built-ins only.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SigV4Request {
  method: string;
  /** request-target exactly as received (path + optional ?query) */
  rawUrl: string;
  /** node's req.rawHeaders (name, value, name, value, ...) */
  rawHeaders: string[];
  body: Buffer;
}

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string; // YYYYMMDD
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string; // YYYYMMDDTHHMMSSZ
}

export type SigV4Failure =
  /** no Authorization header at all */
  | 'missing'
  /** Authorization header present but malformed / missing parts */
  | 'incomplete'
  /** scope names another service */
  | 'wrong-service'
  /** access key id not known */
  | 'unknown-key'
  /** session token missing / wrong */
  | 'invalid-token'
  /** x-amz-date too far from server time */
  | 'expired'
  /** signature mismatch */
  | 'mismatch';

export type SigV4Result =
  | { ok: true; auth: ParsedAuthorization; canonicalRequest: string }
  | { ok: false; failure: SigV4Failure; message: string; auth?: ParsedAuthorization; region?: string };

/** RFC 3986 escaping exactly as the SDK's escapeUri does. */
export function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac('AWS4' + secret, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

/**
 * Canonical URI for non-S3 services: normalise the path as received (which is
 * already percent-encoded on the wire) and percent-encode every segment again
 * ("double encoding"), keeping '/' separators.
 */
export function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const seg of rawPath.split('/')) {
    if (seg.length === 0 || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const normalized = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq === -1 ? part : part.slice(0, eq);
    const v = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([escapeUri(safeDecode(k)), escapeUri(safeDecode(v))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** lower-cased header name -> values joined with ',' (as SigV4 requires for repeated headers) */
export function headerMap(rawHeaders: string[]): Map<string, string> {
  const m = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const value = rawHeaders[i + 1] ?? '';
    const list = m.get(name);
    if (list) list.push(value);
    else m.set(name, [value]);
  }
  const out = new Map<string, string>();
  for (const [k, v] of m) out.set(k, v.map((x) => x.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').trim()).join(','));
  return out;
}

function amzDateToMs(amzDate: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

export function toAmzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function parseAuthorization(value: string): { auth?: Omit<ParsedAuthorization, 'amzDate'>; problems: string[]; region?: string } {
  const problems: string[] = [];
  const trimmed = value.trim();
  const sp = trimmed.indexOf(' ');
  const algorithm = sp === -1 ? trimmed : trimmed.slice(0, sp);
  if (algorithm !== 'AWS4-HMAC-SHA256') {
    return { problems: [`Unsupported AWS 'algorithm': '${algorithm}'`] };
  }
  const params = new Map<string, string>();
  for (const piece of (sp === -1 ? '' : trimmed.slice(sp + 1)).split(',')) {
    const p = piece.trim();
    const eq = p.indexOf('=');
    if (eq > 0) params.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim());
  }
  const credential = params.get('Credential');
  const signedHeaders = params.get('SignedHeaders');
  const signature = params.get('Signature');
  if (!credential) problems.push("Authorization header requires 'Credential' parameter.");
  if (!signature) problems.push("Authorization header requires 'Signature' parameter.");
  if (!signedHeaders) problems.push("Authorization header requires 'SignedHeaders' parameter.");
  if (!credential || !signature || !signedHeaders) return { problems };
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request' || !scope[0] || !/^\d{8}$/.test(scope[1] ?? '') || !scope[2] || !scope[3]) {
    return {
      problems: [`Credential should be scoped to a valid region. Credential=${credential}`],
      ...(scope[2] ? { region: scope[2] } : {}),
    };
  }
  if (!/^[0-9a-f]{64}$/.test(signature)) {
    problems.push('Signature must be 64 lower-case hex characters.');
    return { problems, region: scope[2] };
  }
  return {
    auth: {
      accessKeyId: scope[0],
      date: scope[1] as string,
      region: scope[2],
      service: scope[3],
      signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()),
      signature,
    },
    problems,
    region: scope[2],
  };
}

export interface VerifyOptions {
  expectedService: string;
  credentials: SigV4Credentials;
  now?: Date;
  /** maximum allowed clock difference, default 15 minutes as AWS */
  maxSkewMs?: number;
}

/** Full SigV4 verification of a header-signed request. */
export function verifySigV4(req: SigV4Request, opts: VerifyOptions): SigV4Result {
  const headers = headerMap(req.rawHeaders);
  const authz = headers.get('authorization');
  if (authz === undefined || authz === '') {
    return { ok: false, failure: 'missing', message: 'Missing Authentication Token' };
  }
  const parsed = parseAuthorization(authz);
  if (!parsed.auth) {
    return {
      ok: false,
      failure: 'incomplete',
      message: `${parsed.problems.join(' ')} Authorization=${authz.split(',')[0] ?? ''}`,
      ...(parsed.region ? { region: parsed.region } : {}),
    };
  }
  const a = parsed.auth;
  const amzDate = headers.get('x-amz-date');
  if (!amzDate) {
    return {
      ok: false,
      failure: 'incomplete',
      message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
      region: a.region,
    };
  }
  const auth: ParsedAuthorization = { ...a, amzDate };
  if (a.service !== opts.expectedService) {
    return {
      ok: false,
      failure: 'wrong-service',
      message: `Credential should be scoped to correct service: '${opts.expectedService}'. `,
      auth,
      region: a.region,
    };
  }
  if (!a.signedHeaders.includes('host')) {
    return {
      ok: false,
      failure: 'incomplete',
      message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
      auth,
      region: a.region,
    };
  }
  const requestMs = amzDateToMs(amzDate);
  if (requestMs === undefined) {
    return { ok: false, failure: 'incomplete', message: `Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`, auth, region: a.region };
  }
  if (amzDate.slice(0, 8) !== a.date) {
    return {
      ok: false,
      failure: 'mismatch',
      message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${a.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
      auth,
      region: a.region,
    };
  }
  if (a.accessKeyId !== opts.credentials.accessKeyId) {
    return { ok: false, failure: 'unknown-key', message: 'The security token included in the request is invalid.', auth, region: a.region };
  }
  const token = headers.get('x-amz-security-token');
  if ((opts.credentials.sessionToken ?? undefined) !== (token ?? undefined)) {
    return { ok: false, failure: 'invalid-token', message: 'The security token included in the request is invalid.', auth, region: a.region };
  }
  const now = (opts.now ?? new Date()).getTime();
  const maxSkew = opts.maxSkewMs ?? 15 * 60 * 1000;
  if (Math.abs(now - requestMs) > maxSkew) {
    const nowStr = toAmzDate(new Date(now));
    const msg =
      requestMs < now
        ? `Signature expired: ${amzDate} is now earlier than ${toAmzDate(new Date(now - maxSkew))} (${nowStr} - 15 min.)`
        : `Signature not yet current: ${amzDate} is still later than ${toAmzDate(new Date(now + maxSkew))} (${nowStr} + 15 min.)`;
    return { ok: false, failure: 'expired', message: msg, auth, region: a.region };
  }

  const bodyHash = sha256Hex(req.body);
  const declared = headers.get('x-amz-content-sha256');
  let payloadHash = bodyHash;
  if (declared !== undefined) {
    if (declared === 'UNSIGNED-PAYLOAD') payloadHash = declared;
    else if (declared !== bodyHash) {
      return {
        ok: false,
        failure: 'mismatch',
        message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
        auth,
        region: a.region,
      };
    }
  }

  const q = req.rawUrl.indexOf('?');
  const rawPath = q === -1 ? req.rawUrl : req.rawUrl.slice(0, q);
  const rawQuery = q === -1 ? '' : req.rawUrl.slice(q + 1);
  const sortedSigned = [...a.signedHeaders].sort();
  const canonicalHeaders = sortedSigned.map((h) => `${h}:${headers.get(h) ?? ''}\n`).join('');
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalPath(rawPath),
    canonicalQuery(rawQuery),
    canonicalHeaders,
    sortedSigned.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${a.date}/${a.region}/${a.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const expected = createHmac('sha256', signingKey(opts.credentials.secretAccessKey, a.date, a.region, a.service))
    .update(stringToSign, 'utf8')
    .digest();
  const given = Buffer.from(a.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return {
      ok: false,
      failure: 'mismatch',
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      auth,
      region: a.region,
    };
  }
  return { ok: true, auth, canonicalRequest };
}
