import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { RetryStrategyV2 } from '@smithy/types';
import { InspectError, describeError } from '../errors.js';
import { safeUrl } from '../redact.js';
import { RangeCachedSource, type ByteSource } from './byteSource.js';

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
  /** The most a whole download may be when the server ignores Range. */
  maxWholeBytes?: number;
  timeoutMs?: number;
}

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 16 });

interface Answer { status: number; headers: IncomingMessage['headers']; body: Buffer }

class TransientError extends Error {
  constructor(message: string, readonly errorType: 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR', readonly retryAfterMs?: number) { super(message); }
}

function get(url: string, range: string, limit: number, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(u, { method: 'GET', headers: { Range: range, 'Accept-Encoding': 'identity' }, agent: u.protocol === 'https:' ? httpsAgent : httpAgent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
        if (n > limit) { req.destroy(new InspectError('code-too-large', `response is larger than the ${limit} bytes expected`)); return; }
        chunks.push(c);
      });
      res.on('end', () => {
        if (!res.complete) { reject(new TransientError('connection closed before the whole body arrived', 'TRANSIENT')); return; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, n) });
      });
      res.on('aborted', () => reject(new TransientError('connection closed before the whole body arrived', 'TRANSIENT')));
      res.on('error', (e) => reject(e instanceof InspectError ? e : new TransientError(describeError(e), 'TRANSIENT')));
    });
    req.on('timeout', () => req.destroy(new TransientError(`no answer within ${timeoutMs} ms`, 'TRANSIENT')));
    req.on('error', (e) => reject(e instanceof InspectError || e instanceof TransientError ? e : new TransientError(`${(e as NodeJS.ErrnoException).code ?? describeError(e)}`, 'TRANSIENT')));
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
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxWhole = opts.maxWholeBytes ?? 512 * 1024 * 1024;

  const once = async (offset: number, length: number): Promise<Buffer> => {
    const last = offset + length - 1;
    const a = await get(url, `bytes=${offset}-${last}`, Math.max(length, Math.min(opts.size, maxWhole)), timeoutMs);
    transferred += a.body.length;
    if (a.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(a.headers['content-range'] ?? ''));
      if (!m || Number(m[1]) !== offset || Number(m[2]) !== last) throw fail('bad-range-response', `asked for bytes ${offset}-${last}, server sent Content-Range "${a.headers['content-range'] ?? ''}"`);
      if (m[3] !== '*' && Number(m[3]) !== opts.size) throw fail('size-mismatch', `the API says the bundle has ${opts.size} bytes, the server says ${m[3]}`);
      if (a.body.length !== length) throw new TransientError(`expected ${length} bytes, got ${a.body.length}`, 'TRANSIENT');
      return a.body;
    }
    if (a.status === 200) {
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
        if (!(e instanceof TransientError)) throw e;
        if (!strategy || !token) throw fail('code-download-failed', `download failed: ${e.message}`);
        try {
          token = await strategy.refreshRetryTokenForRetry(token, {
            errorType: e.errorType, ...(e.retryAfterMs !== undefined ? { retryAfterHint: new Date(Date.now() + e.retryAfterMs) } : {}),
          });
        } catch {
          throw fail('code-download-failed', `download failed after retries: ${e.message}`);
        }
        await new Promise((r) => setTimeout(r, token!.getRetryDelay()));
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
