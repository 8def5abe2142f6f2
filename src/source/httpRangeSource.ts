import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { RetryStrategyV2 } from '@smithy/types';
import { InspectError, describeError } from '../errors.js';
import { safeUrl } from '../redact.js';
import { RangeCachedSource, type ByteSource } from './byteSource.js';
import { networkLimits, seconds, type NetworkLimits } from './networkLimits.js';

export interface HttpRangeOptions {
  /** The (presigned) URL. Never printed: messages use its origin and path only. */
  url: string;
  /** Size the API reported (Lambda CodeSize); checked against the server's answers. */
  size: number;
  /** What to call the source in messages. */
  name: string;
  /** Fetches a fresh URL once when the server answers 403 (an expired presigned URL). */
  refreshUrl?: () => Promise<string>;
  /** The SDK's retry strategy, for throttling and transient faults. */
  retry?: RetryStrategyV2;
  /** Idle and total deadlines, the whole-download cap. */
  limits?: Partial<NetworkLimits> | undefined;
  /** Ends every request at once (Ctrl-C). */
  signal?: AbortSignal | undefined;
}

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 16 });

interface Answer { status: number; headers: IncomingMessage['headers']; body: Buffer }

class TransientError extends Error {
  constructor(message: string, readonly errorType: 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR', readonly retryAfterMs?: number) { super(message); }
}

/** Why a request was given up for good: past the deadline, interrupted, or an answer larger than allowed. */
class FinalError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

/** Error bodies are read only to be discarded; a few KiB is plenty. */
const MAX_ERROR_BODY = 64 * 1024;

interface GetLimits {
  /** Most body bytes accepted for a status (206: the range, 200: the whole object). */
  bodyLimit: (status: number) => number;
  idleMs: number;
  /** Epoch ms past which the request is abandoned. */
  deadlineAt: number;
  totalMs: number;
  signal?: AbortSignal | undefined;
}

function get(url: string, range: string, l: GetLimits): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    // Once a request is given up for good, whichever event reports it carries that reason.
    let final: FinalError | undefined;
    const stop = (e: FinalError) => { final ??= e; req.destroy(e); };
    const fail = (e: Error) => { if (!settled) { settled = true; clearTimeout(timer); l.signal?.removeEventListener('abort', onAbort); reject(final ?? e); } };
    // `timeout` is the socket's idle timeout: it covers connecting, waiting for
    // the headers and any pause in the body; the timer covers a drip.
    const req = request(u, { method: 'GET', headers: { Range: range, 'Accept-Encoding': 'identity' }, agent: u.protocol === 'https:' ? httpsAgent : httpAgent, timeout: l.idleMs }, (res) => {
      const status = res.statusCode ?? 0;
      const limit = l.bodyLimit(status);
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > limit) {
        stop(new FinalError('response-too-large', `HTTP ${status} answer declares ${declared} bytes, more than the ${limit} expected`));
        return;
      }
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
        if (n > limit) { stop(new FinalError('response-too-large', `HTTP ${status} answer is larger than the ${limit} bytes expected`)); return; }
        chunks.push(c);
      });
      res.on('end', () => {
        if (!res.complete) { fail(new TransientError('connection closed before the whole body arrived', 'TRANSIENT')); return; }
        if (settled) return;
        settled = true; clearTimeout(timer); l.signal?.removeEventListener('abort', onAbort);
        resolve({ status, headers: res.headers, body: Buffer.concat(chunks, n) });
      });
      res.on('aborted', () => fail(new TransientError('connection closed before the whole body arrived', 'TRANSIENT')));
      res.on('error', (e) => fail(e instanceof FinalError ? e : new TransientError(describeError(e), 'TRANSIENT')));
    });
    const timer = setTimeout(() => stop(new FinalError('download-timeout', `gave up after ${seconds(l.totalMs)} (--timeout)`)), Math.max(0, l.deadlineAt - Date.now()));
    const onAbort = () => stop(new FinalError('interrupted', 'interrupted'));
    if (l.signal?.aborted) onAbort();
    else l.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('timeout', () => req.destroy(new TransientError(`no bytes for ${seconds(l.idleMs)} (--idle-timeout)`, 'TRANSIENT')));
    req.on('error', (e) => fail(e instanceof FinalError || e instanceof TransientError ? e : new TransientError(`${(e as NodeJS.ErrnoException).code ?? describeError(e)}`, 'TRANSIENT')));
    req.end();
  });
}

/**
 * Reads a bundle over HTTP Range requests: the zip reader asks for the tail,
 * the central directory and single entries, so only a small part of a large
 * bundle crosses the wire. A server that ignores Range gets one whole
 * download, served from memory afterwards.
 */
export function httpRangeSource(opts: HttpRangeOptions): ByteSource {
  let url = opts.url;
  let refreshed = false;
  let whole: Buffer | undefined;
  let transferred = 0;
  const where = () => safeUrl(url);
  const fail = (code: string, why: string) => new InspectError(code, `${opts.name}: ${why} (${where()})`);
  const limits = networkLimits(opts.limits);
  // One deadline for the whole bundle, every range and retry included.
  let deadlineAt: number | undefined;
  const getLimits = (length: number): GetLimits => ({
    bodyLimit: (status) => (status === 206 ? length : status === 200 ? Math.min(opts.size, limits.maxDownloadBytes) : MAX_ERROR_BODY),
    idleMs: limits.idleMs, deadlineAt: (deadlineAt ??= Date.now() + limits.totalMs), totalMs: limits.totalMs, signal: opts.signal,
  });

  const once = async (offset: number, length: number): Promise<Buffer> => {
    const last = offset + length - 1;
    const a = await get(url, `bytes=${offset}-${last}`, getLimits(length));
    transferred += a.body.length;
    if (a.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(a.headers['content-range'] ?? ''));
      if (!m || Number(m[1]) !== offset || Number(m[2]) !== last) throw fail('bad-range-response', `asked for bytes ${offset}-${last}, server sent Content-Range "${a.headers['content-range'] ?? ''}"`);
      if (m[3] !== '*' && Number(m[3]) !== opts.size) throw fail('size-mismatch', `the API says the bundle has ${opts.size} bytes, the server says ${m[3]}`);
      if (a.body.length !== length) throw new TransientError(`expected ${length} bytes, got ${a.body.length}`, 'TRANSIENT');
      return a.body;
    }
    if (a.status === 200) {
      if (opts.size > limits.maxDownloadBytes) throw fail('code-too-large', `the server ignores Range and the bundle has ${opts.size} bytes, more than the ${limits.maxDownloadBytes}-byte whole-download cap`);
      if (a.body.length !== opts.size) {
        if (a.body.length < opts.size) throw new TransientError(`whole download has ${a.body.length} of ${opts.size} bytes`, 'TRANSIENT');
        throw fail('size-mismatch', `the API says the bundle has ${opts.size} bytes, the download has ${a.body.length}`);
      }
      whole = a.body;
      return a.body.subarray(offset, offset + length);
    }
    if (a.status === 403 && opts.refreshUrl && !refreshed) {
      refreshed = true;
      url = await opts.refreshUrl();
      return once(offset, length);
    }
    if (a.status === 403) throw fail('code-url-expired', 'the code location refused the download (HTTP 403: expired or not allowed)');
    if (a.status === 416) throw fail('bad-range-response', `the server cannot serve bytes ${offset}-${last} (HTTP 416)`);
    if (a.status === 429 || a.status === 503) {
      const ra = Number(a.headers['retry-after']);
      throw new TransientError(`HTTP ${a.status}`, 'THROTTLING', Number.isFinite(ra) ? ra * 1000 : undefined);
    }
    if (a.status >= 500) throw new TransientError(`HTTP ${a.status}`, 'SERVER_ERROR');
    throw fail('code-download-failed', `download failed with HTTP ${a.status}`);
  };

  const fetchRange = async (offset: number, length: number): Promise<Buffer> => {
    if (whole) return whole.subarray(offset, offset + length);
    const strategy = opts.retry;
    let token = strategy ? await strategy.acquireInitialRetryToken('code-download') : undefined;
    for (;;) {
      try {
        const bytes = await once(offset, length);
        if (strategy && token) strategy.recordSuccess(token);
        return bytes;
      } catch (e) {
        if (e instanceof FinalError) throw fail(e.code, e.message);
        if (!(e instanceof TransientError)) throw e;
        if (!strategy || !token) throw fail('code-download-failed', `download failed: ${e.message}`);
        try {
          token = await strategy.refreshRetryTokenForRetry(token, {
            errorType: e.errorType, ...(e.retryAfterMs !== undefined ? { retryAfterHint: new Date(Date.now() + e.retryAfterMs) } : {}),
          });
        } catch {
          throw fail('code-download-failed', `download failed after retries: ${e.message}`);
        }
        const delay = token.getRetryDelay();
        if (Date.now() + delay >= (deadlineAt ?? Infinity)) throw fail('download-timeout', `gave up after ${seconds(limits.totalMs)} (--timeout): ${e.message}`);
        if (opts.signal?.aborted) throw fail('interrupted', 'interrupted');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  };

  return new RangeCachedSource({
    name: opts.name,
    size: opts.size,
    fetch: fetchRange,
    get transferred() { return transferred; },
    close: async () => {},
  });
}
