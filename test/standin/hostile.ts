// Hostile mode of the loopback stand-in: answers the way a broken proxy or an
// attacker-controlled endpoint would, for one operation at a time
// ('GetFunction', 'GetLayerVersionByArn', 'DescribeStacks', 'ListSecrets',
// 'Code'). server.ts calls hostileSend() from its one response path, so every
// behaviour starts from the real answer (status, headers, body) and distorts it.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type HostileMode =
  /** the real headers, then the real body followed by junk: more bytes than Content-Length / Content-Range promise, without end */
  | 'oversize'
  /** the real headers and body, one byte every `intervalMs` (default 1000) */
  | 'drip'
  /** the real headers, then nothing: the connection stays open */
  | 'stall'
  /** accept the request, never answer */
  | 'stall-before-headers'
  /** a real-shaped 400 error whose message echoes the request's Authorization and x-amz-security-token headers */
  | 'echo-credentials'
  /** the real answer with its body rewritten by `rewrite` (malformed shapes) */
  | 'rewrite';

export interface HostileBehaviour {
  mode: HostileMode;
  /** answers distorted before the op behaves again (default: all of them) */
  times?: number;
  intervalMs?: number;
  /** for 'rewrite': the new body from the real one */
  rewrite?: (body: Buffer) => Buffer | string;
}

export type HostileKnobs = { [op: string]: HostileBehaviour };

/** Bytes a hostile server is willing to send before it gives up itself (the client must stop long before). */
const OVERSIZE_LIMIT = 4 * 1024 * 1024 * 1024;
const JUNK = Buffer.alloc(64 * 1024, 0x41);

function take(b: HostileBehaviour): boolean {
  if (b.times === undefined) return true;
  if (b.times <= 0) return false;
  b.times--;
  return true;
}

function echoBody(req: IncomingMessage, op: string): { headers: Record<string, string>; body: string; status: number } {
  const auth = String(req.headers.authorization ?? '');
  const token = String(req.headers['x-amz-security-token'] ?? '');
  const message = `Request rejected by proxy: Authorization: ${auth}; X-Amz-Security-Token: ${token}; url ${req.url ?? ''}`;
  if (op === 'Code') return { status: 400, headers: { 'Content-Type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidRequest</Code><Message>${message.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Message></Error>` };
  if (op === 'DescribeStacks') return { status: 400, headers: { 'Content-Type': 'text/xml' }, body: `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidRequest</Code><Message>${message.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Message></Error><RequestId>1</RequestId></ErrorResponse>` };
  if (op === 'ListSecrets') return { status: 400, headers: { 'Content-Type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ __type: 'InvalidRequestException', message }) };
  return { status: 400, headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'InvalidParameterValueException' }, body: JSON.stringify({ Type: 'User', message }) };
}

/**
 * Sends a distorted answer when the op has a hostile behaviour armed; returns
 * false to let the stand-in answer normally. Returns the body bytes written.
 */
export function hostileSend(
  knobs: HostileKnobs | undefined, op: string, req: IncomingMessage, res: ServerResponse,
  status: number, headers: Record<string, string>, body: Buffer,
): boolean {
  const b = knobs?.[op];
  if (!b || !take(b)) return false;
  const head = (st: number, h: Record<string, string>, length?: number) => {
    res.statusCode = st;
    for (const [k, v] of Object.entries(h)) res.setHeader(k, v);
    if (length !== undefined) res.setHeader('Content-Length', String(length));
    res.flushHeaders();
  };
  switch (b.mode) {
    case 'stall-before-headers':
      return true;
    case 'stall':
      head(status, headers, body.length);
      return true;
    case 'drip': {
      head(status, headers, body.length);
      let i = 0;
      const timer = setInterval(() => {
        if (res.destroyed || i >= body.length) { clearInterval(timer); if (!res.destroyed) res.end(); return; }
        res.write(body.subarray(i, i + 1));
        i++;
      }, b.intervalMs ?? 1000);
      res.on('close', () => clearInterval(timer));
      return true;
    }
    case 'oversize': {
      // Content-Length names the real body; what follows it is more than promised
      // (chunked encoding lets the server go on past it).
      head(status, headers);
      res.write(body);
      let sent = body.length;
      const more = () => {
        while (!res.destroyed && sent < OVERSIZE_LIMIT) {
          sent += JUNK.length;
          if (!res.write(JUNK)) { res.once('drain', more); return; }
        }
        if (!res.destroyed) res.end();
      };
      more();
      return true;
    }
    case 'echo-credentials': {
      const e = echoBody(req, op);
      head(e.status, e.headers, Buffer.byteLength(e.body));
      res.end(e.body);
      return true;
    }
    case 'rewrite': {
      const out = Buffer.from(b.rewrite ? b.rewrite(body) : body);
      head(status, headers, out.length);
      res.end(out);
      return true;
    }
  }
}
