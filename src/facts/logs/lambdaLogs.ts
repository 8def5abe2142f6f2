/**
 * CloudWatch Logs events of a rotation function, read as the Lambda runtime
 * writes them, in both log formats, and grouped into invocations. Pure: events
 * in, invocations out.
 *
 * Text format (the default):
 *   START RequestId: <id> Version: $LATEST
 *   [INFO]\t2024-05-01T10:00:00.123Z\t<id>\tcreateSecret: Successfully put secret …
 *   [ERROR] KeyError: 'host key is missing from secret JSON'\nTraceback (most recent call last): …
 *   2024-05-01T10:00:30.000Z <id> Task timed out after 30.03 seconds
 *   END RequestId: <id>
 *   REPORT RequestId: <id>\tDuration: 30030.12 ms\tBilled Duration: … [\tStatus: timeout|error]
 * (awslambdaric bootstrap.py formatter and log_error; Lambda developer guide.)
 * An unhandled error carries no request id in text mode: it belongs to the
 * request running in its log stream, since one execution environment (one
 * stream) serves one request at a time.
 *
 * JSON format (LoggingConfig.LogFormat = "JSON"):
 *   {"time":…,"type":"platform.start|platform.report|…","record":{"requestId":…,"metrics":{"durationMs":…},"status":…}}
 *   {"timestamp":…,"level":"INFO","message":…,"logger":"root","requestId":…}
 *   {"timestamp":…,"log_level":"ERROR","errorMessage":…,"errorType":…,"requestId":…,"stackTrace":[…]}
 */

/** One event as FilterLogEvents returns it. */
export interface LogEvent {
  timestamp: number;
  message: string;
  logStreamName?: string | undefined;
}

export type LineKind = 'start' | 'end' | 'report' | 'timeout' | 'app' | 'error' | 'platform';

/** One event, read. */
export interface LogLine {
  kind: LineKind;
  requestId: string | null;
  timestamp: number;
  /** The text that matters: the application message, or the error as "Type: message". */
  text: string;
  level?: string;
  errorType?: string;
  durationMs?: number;
  /** REPORT status: "timeout", "error", "failure", "success". */
  status?: string;
}

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

export type Outcome = 'succeeded' | 'failed' | 'timed-out' | 'unknown';

export interface Invocation {
  requestId: string;
  /** ISO time of the first event (START when present). */
  start: string;
  durationMs: number | null;
  timedOut: boolean;
  steps: RotationStep[];
  outcome: Outcome;
  /** What the invocation's own lines say went wrong (a diagnosis cause), or null. */
  cause: string | null;
  lines: Array<{ timestamp: string; message: string }>;
}

/** Invocations kept per report, newest first. */
export const MAX_INVOCATIONS = 50;
/** Lines kept per invocation, and characters per line. */
export const MAX_LINES = 40;
export const MAX_LINE_CHARS = 1000;

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const START_RE = new RegExp(`^START RequestId: (${UUID})`);
const END_RE = new RegExp(`^END RequestId: (${UUID})`);
const REPORT_RE = new RegExp(`^REPORT RequestId: (${UUID})`);
const DURATION_RE = /\bDuration: ([\d.]+) ms/;
const STATUS_RE = /\bStatus: (\w+)/;
const TIMEOUT_RE = new RegExp(`^(?:\\S+ )?(${UUID}) Task timed out after ([\\d.]+) seconds`);
const APP_RE = new RegExp(`^\\[(\\w+)\\]\\t(\\S+)\\t(${UUID})\\t([\\s\\S]*)$`);
/** `[ERROR] KeyError: 'msg'` then the traceback (the runtime's log_error: a space, not a tab, after the level). */
const ERROR_RE = /^\[ERROR\] ([\w.]+): ([^\n\r]*)/;
/** `"msg": KeyError` / `msg: KeyError` then a traceback (older Python runtimes). */
const OLD_ERROR_RE = /^(?:(['"])([\s\S]*?)\1|([^\n]*?)): ([\w.]+(?:Error|Exception))\s*(?:\n|\r|Traceback)/;

function clip(s: string): string {
  const t = s.replace(/\s+$/, '');
  return t.length > MAX_LINE_CHARS ? `${t.slice(0, MAX_LINE_CHARS)}…` : t;
}

/** Strips the quotes Python's str(KeyError(msg)) puts around its text. */
function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && (t[0] === "'" || t[0] === '"') && t[t.length - 1] === t[0]) return t.slice(1, -1);
  return t;
}

function asRecord(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function parseJson(ev: LogEvent): LogLine | null {
  let o: Record<string, unknown> | null;
  try { o = asRecord(JSON.parse(ev.message)); } catch { return null; }
  if (!o) return null;
  const ts = ev.timestamp;
  const type = str(o.type);
  if (type?.startsWith('platform.')) {
    const rec = asRecord(o.record) ?? {};
    const requestId = str(rec.requestId) ?? null;
    if (type === 'platform.start') return { kind: 'start', requestId, timestamp: ts, text: `START ${requestId ?? ''}` };
    if (type === 'platform.report') {
      const metrics = asRecord(rec.metrics) ?? {};
      const d = typeof metrics.durationMs === 'number' ? metrics.durationMs : undefined;
      const status = str(rec.status);
      return {
        kind: 'report', requestId, timestamp: ts, text: `REPORT ${requestId ?? ''}${d !== undefined ? ` Duration: ${d} ms` : ''}${status ? ` Status: ${status}` : ''}`,
        ...(d !== undefined ? { durationMs: d } : {}), ...(status ? { status } : {}), ...(str(rec.errorType) ? { errorType: str(rec.errorType)! } : {}),
      };
    }
    if (type === 'platform.runtimeDone') {
      const status = str(rec.status);
      return { kind: 'platform', requestId, timestamp: ts, text: type, ...(status ? { status } : {}) };
    }
    return { kind: 'platform', requestId, timestamp: ts, text: type };
  }
  const requestId = str(o.requestId) ?? str(o.AWSRequestId) ?? null;
  const errorType = str(o.errorType);
  const errorMessage = str(o.errorMessage);
  // Unhandled error: "log_level" (not "level"), errorType + errorMessage.
  if (errorType && errorMessage !== undefined && (str(o.log_level) ?? str(o.level)) === 'ERROR' && o.message === undefined) {
    return { kind: 'error', requestId, timestamp: ts, text: `${errorType}: ${unquote(errorMessage)}`, level: 'ERROR', errorType };
  }
  const message = str(o.message);
  if (message === undefined) return null;
  const t = TIMEOUT_RE.exec(message);
  if (t) return { kind: 'timeout', requestId: t[1]!, timestamp: ts, text: message.trim() };
  return { kind: 'app', requestId, timestamp: ts, text: message, level: str(o.level) ?? str(o.log_level) ?? 'INFO' };
}

/** Reads one event; null for events that say nothing (blank lines, XRAY, INIT lines, other JSON). */
export function parseLogEvent(ev: LogEvent): LogLine | null {
  const m = ev.message;
  const ts = ev.timestamp;
  if (m.startsWith('{')) return parseJson(ev);
  let r: RegExpExecArray | null;
  if ((r = START_RE.exec(m))) return { kind: 'start', requestId: r[1]!, timestamp: ts, text: m.trim() };
  if ((r = END_RE.exec(m))) return { kind: 'end', requestId: r[1]!, timestamp: ts, text: m.trim() };
  if ((r = REPORT_RE.exec(m))) {
    const d = DURATION_RE.exec(m);
    const s = STATUS_RE.exec(m);
    const errorType = /\bError Type: ([\w.]+)/.exec(m)?.[1];
    return {
      kind: 'report', requestId: r[1]!, timestamp: ts, text: m.trim().replace(/\t/g, ' '),
      ...(d ? { durationMs: Number(d[1]) } : {}), ...(s ? { status: s[1]!.toLowerCase() } : {}), ...(errorType ? { errorType } : {}),
    };
  }
  if ((r = TIMEOUT_RE.exec(m))) return { kind: 'timeout', requestId: r[1]!, timestamp: ts, text: m.trim() };
  if ((r = APP_RE.exec(m))) {
    return { kind: 'app', requestId: r[3]!, timestamp: ts, text: r[4]!.replace(/\n$/, ''), level: r[1]! };
  }
  if ((r = ERROR_RE.exec(m))) {
    return { kind: 'error', requestId: null, timestamp: ts, text: `${r[1]!}: ${unquote(r[2]!)}`, level: 'ERROR', errorType: r[1]! };
  }
  if ((r = OLD_ERROR_RE.exec(m))) {
    const msg = r[2] ?? r[3] ?? '';
    return { kind: 'error', requestId: null, timestamp: ts, text: `${r[4]!}: ${msg}`, level: 'ERROR', errorType: r[4]! };
  }
  return null;
}

/** The rotation step a line belongs to, from the templates' message prefixes and raised texts. */
export function stepOf(text: string): RotationStep | null {
  const prefix = /\b(createSecret|setSecret|testSecret|finishSecret):/.exec(text);
  if (prefix) return prefix[1] as RotationStep;
  if (/Unable to log into database with pending secret/.test(text)) return 'testSecret';
  if (/Unable to log into database (?:with previous, current, or pending|using (?:current )?credentials)|Attempting to modify user|RDS API/.test(text)) return 'setSecret';
  return null;
}

interface Building {
  requestId: string;
  stream: string;
  first: number;
  lines: LogLine[];
}

/**
 * Groups events into invocations by request id, newest first, at most `cap`.
 * Events may come in any order and from many streams (FilterLogEvents
 * interleaves them); an event without a request id joins the request that
 * was running in its stream at that time.
 */
export function groupInvocations(events: readonly LogEvent[], cap = MAX_INVOCATIONS): Invocation[] {
  const sorted = [...events].sort((a, b) => a.timestamp - b.timestamp);
  const byId = new Map<string, Building>();
  const runningInStream = new Map<string, string>();
  for (const ev of sorted) {
    const line = parseLogEvent(ev);
    if (!line) continue;
    const stream = ev.logStreamName ?? '';
    let id = line.requestId;
    if (id === null) id = runningInStream.get(stream) ?? null;
    if (id === null) continue;
    let b = byId.get(id);
    if (!b) {
      b = { requestId: id, stream, first: ev.timestamp, lines: [] };
      byId.set(id, b);
    }
    b.lines.push(line);
    if (line.kind === 'start') runningInStream.set(stream, id);
    else if (line.kind === 'report' && runningInStream.get(stream) === id) runningInStream.delete(stream);
  }
  return [...byId.values()]
    .sort((a, b) => b.first - a.first)
    .slice(0, cap)
    .map(finish);
}

function finish(b: Building): Invocation {
  const report = b.lines.find((l) => l.kind === 'report');
  const timedOut = b.lines.some((l) => l.kind === 'timeout') || report?.status === 'timeout';
  const errored = b.lines.some((l) => l.kind === 'error') || report?.status === 'error' || report?.status === 'failure';
  const steps: RotationStep[] = [];
  for (const l of b.lines) {
    const s = l.kind === 'app' || l.kind === 'error' ? stepOf(l.text) : null;
    if (s && !steps.includes(s)) steps.push(s);
  }
  const outcome: Outcome = timedOut ? 'timed-out' : errored ? 'failed' : report || b.lines.some((l) => l.kind === 'end') ? 'succeeded' : 'unknown';
  const shown = b.lines.filter((l) => l.kind !== 'platform');
  const lines = shown.slice(0, MAX_LINES).map((l) => ({ timestamp: new Date(l.timestamp).toISOString(), message: clip(l.text) }));
  if (shown.length > MAX_LINES) lines.push({ timestamp: new Date(shown[shown.length - 1]!.timestamp).toISOString(), message: `… ${shown.length - MAX_LINES} more line(s)` });
  return {
    requestId: b.requestId,
    start: new Date(b.first).toISOString(),
    durationMs: report?.durationMs ?? null,
    timedOut,
    steps,
    outcome,
    cause: invocationCause(classifyInvocation(b.lines, outcome).cause, report?.durationMs ?? null),
    lines,
  };
}

/**
 * The troubleshooting guide's discriminator for "setSecret: Unable to log into
 * database": "If the task duration is long, for example over 5000ms", the
 * function may not reach the database; if it is short, it may not authenticate.
 */
export const LONG_LOGIN_FAILURE_MS = 5000;

/** The per-invocation cause: a failed login is told apart by its duration alone here. */
export function invocationCause(lineCause: string | null, durationMs: number | null): string | null {
  if (lineCause === 'timed-out') return null;
  if (lineCause !== 'database-login-failed') return lineCause;
  if (durationMs === null) return 'database-auth-failed';
  return durationMs > LONG_LOGIN_FAILURE_MS ? 'database-unreachable' : 'database-auth-failed';
}

/** What one invocation's lines prove, as a diagnosis cause, with the line that proves it. */
export interface LineVerdict {
  cause: string | null;
  /** The line that shows the cause. */
  line?: string;
  /** Details pulled from the line: the missing key, the refused action… */
  detail?: Record<string, string>;
}

interface Signature {
  cause: string;
  re: RegExp;
  detail?: (m: RegExpExecArray) => Record<string, string>;
}

/**
 * The templates' own lines (aws-samples/aws-secrets-manager-rotation-lambdas,
 * PostgreSQL single and multi user, b4b8eca), most specific first.
 */
const SIGNATURES: readonly Signature[] = [
  { cause: 'import-error', re: /Runtime\.ImportModuleError|Unable to import module '([^']*)'/ },
  { cause: 'secret-key-missing', re: /(\w+) key is missing from secret JSON/, detail: (m) => ({ key: m[1]! }) },
  { cause: 'secret-key-missing', re: /^KeyError: '?(masterarn)'?$/m, detail: (m) => ({ key: m[1]! }) },
  { cause: 'engine-mismatch', re: /Database engine must be set to '([\w-]+)'/, detail: (m) => ({ engine: m[1]! }) },
  { cause: 'stage-conflict', re: /Secret version (\S+) not set as AWSPENDING for rotation/ },
  { cause: 'tls-required', re: /SSL\/TLS is enforced on the host/ },
  { cause: 'tls-hostname-mismatch', re: /Hostname verification failed when estlablishing SSL\/TLS Handshake|Hostname verification failed/ },
  { cause: 'rds-api-unreachable', re: /Encountered API error while fetching connection parameters from (DescribeDB\w+) RDS API: (.*)/, detail: (m) => ({ api: m[1]!, error: m[2]! }) },
  { cause: 'master-login-failed', re: /Unable to log into database using credentials in master secret/ },
  { cause: 'pending-password-rejected', re: /testSecret: Unable to log into database with pending secret|Unable to log into database with pending secret/ },
  { cause: 'database-login-failed', re: /Unable to log into database with previous, current, or pending secret|Unable to log into database using current credentials/ },
];

/** AWS's access-denied sentence: who, what, which resource, and which policy refused it. */
const ACCESS_DENIED_RE = /(AccessDenied\w*|not authorized to perform|Access to KMS is not allowed)/;
const DENIED_ACTION = /not authorized to perform:?\s+([\w-]+:[\w*]+)(?:\s+on resource:?\s+(\S+?))?(?:\s+(because|with)\b(.*))?$/m;

/** Which policy refused an action, from AWS's wording. */
export function refusingPolicy(text: string): string {
  if (/Access to KMS is not allowed|kms:/i.test(text)) return 'the KMS key policy (or a grant) of the key that encrypts the secret';
  if (/VPC endpoint policy/i.test(text)) return 'the VPC endpoint policy';
  if (/resource-based policy/i.test(text)) return 'a resource-based policy';
  if (/permissions boundary/i.test(text)) return 'the role\'s permissions boundary';
  if (/service control policy/i.test(text)) return 'a service control policy';
  if (/session policy/i.test(text)) return 'a session policy';
  if (/identity-based policy/i.test(text)) return 'the rotation role\'s identity policy';
  return 'a policy (AWS did not say which; the rotation role\'s identity policy is the usual one)';
}

/** The cause one invocation's lines show, and the line that shows it. */
export function classifyInvocation(lines: readonly LogLine[], outcome: Outcome): LineVerdict {
  for (const sig of SIGNATURES) {
    for (const l of lines) {
      if (l.kind !== 'app' && l.kind !== 'error') continue;
      const m = sig.re.exec(l.text);
      if (m) return { cause: sig.cause, line: l.text, ...(sig.detail ? { detail: sig.detail(m) } : {}) };
    }
  }
  for (const l of lines) {
    if ((l.kind === 'app' || l.kind === 'error') && ACCESS_DENIED_RE.test(l.text)) {
      const m = DENIED_ACTION.exec(l.text);
      const detail: Record<string, string> = { policy: refusingPolicy(l.text) };
      if (m?.[1]) detail.action = m[1];
      else if (/KMS/.test(l.text)) detail.action = 'kms:Decrypt';
      if (m?.[2]) detail.resource = m[2];
      return { cause: 'access-denied', line: l.text, detail };
    }
  }
  if (outcome === 'timed-out') return { cause: 'timed-out' };
  return { cause: null };
}
