import { Transform, type Readable } from 'node:stream';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions } from '@smithy/types';
import { seconds, type NetworkLimits } from '../source/networkLimits.js';

type HandlerModule = typeof import('@smithy/node-http-handler');
type Request = Parameters<NodeHttpHandler['handle']>[0];
type Handled = Awaited<ReturnType<NodeHttpHandler['handle']>>;

/** An answer larger than any the inspector needs: the call fails, it is not retried. */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
}

/**
 * The SDK's own NodeHttpHandler with the inspector's limits: connection and
 * socket (idle) timeouts from `idleMs`, a deadline for the headers from
 * `totalMs`, and a cap on the body. The call-wide deadline (retries
 * included) and Ctrl-C come through the abortSignal of each send
 * (AwsSession.callOptions), which the handler honours while the body arrives.
 */
export function boundedHttpHandler(mod: HandlerModule, limits: NetworkLimits): NodeHttpHandler {
  class BoundedHttpHandler extends mod.NodeHttpHandler {
    override async handle(request: Request, options: HttpHandlerOptions = {}): Promise<Handled> {
      const out = await super.handle(request, options);
      const res = out.response;
      const max = limits.maxApiResponseBytes;
      const declared = Number(res.headers['content-length']);
      const body = res.body as Readable;
      if (Number.isFinite(declared) && declared > max) {
        body.destroy();
        throw new ResponseTooLargeError(`the answer declares ${declared} bytes, more than the ${max} accepted`);
      }
      let n = 0;
      const capped = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          n += chunk.length;
          if (n > max) cb(new ResponseTooLargeError(`the answer is larger than the ${max} bytes accepted`));
          else cb(null, chunk);
        },
      });
      const signal = options.abortSignal as AbortSignal | undefined;
      const onAbort = () => capped.destroy(signal?.reason instanceof Error ? signal.reason : Object.assign(new Error(`no complete answer within ${seconds(limits.totalMs)} (--timeout)`), { name: 'AbortError' }));
      signal?.addEventListener?.('abort', onAbort, { once: true });
      // Aborting destroys the socket too: the deadline, not the reset it causes, is the reason.
      body.on('error', (e) => capped.destroy(signal?.aborted && signal.reason instanceof Error ? signal.reason : e));
      capped.on('close', () => { signal?.removeEventListener?.('abort', onAbort); if (!body.destroyed) body.destroy(); });
      body.pipe(capped);
      res.body = capped;
      return out;
    }
  }
  return new BoundedHttpHandler({
    connectionTimeout: limits.idleMs,
    socketTimeout: limits.idleMs,
    requestTimeout: limits.totalMs,
    throwOnRequestTimeout: true,
  });
}
