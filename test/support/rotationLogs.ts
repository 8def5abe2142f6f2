/**
 * CloudWatch log events of a rotation function, written the way the Lambda
 * Python runtime writes them (awslambdaric bootstrap.py: text formatter
 * "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
 * log_error's "[ERROR] Type: str(exc)" + traceback; JSON formatter and
 * platform.* telemetry records), with the templates' own messages
 * (aws-samples/aws-secrets-manager-rotation-lambdas b4b8eca).
 */
import type { LogEvent } from '../../src/facts/logs/lambdaLogs.js';

export type LogFormat = 'Text' | 'JSON';

export interface InvocationSpec {
  id: string;
  /** Start, ms since the epoch. */
  at: number;
  lines?: Array<[level: 'INFO' | 'ERROR' | 'WARNING', message: string]>;
  /** The unhandled exception the runtime writes. */
  error?: { type: string; message: string };
  durationMs: number;
  timeout?: boolean;
  coldStart?: boolean;
  stream?: string;
}

export const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/db-AbCdEf';
export const FN_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:orders-db-rotation';
export const HOST = 'orders.cluster-abc.us-east-1.rds.amazonaws.com';
export const TOKEN = '3f1c9c4e-6a2b-4f0e-9d55-0c2a8b7e1d42';

/** Python's str(KeyError(msg)): repr of the message. */
function pyRepr(s: string): string {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/'/g, "\\'")}'`;
}

function traceback(type: string): string[] {
  return [
    'Traceback (most recent call last):',
    '  File "/var/task/lambda_function.py", line 78, in lambda_handler',
    '    set_secret(service_client, arn, token)',
    `  File "/var/task/lambda_function.py", line 140, in set_secret`,
    `    raise ${type}(...)`,
  ];
}

const iso = (ms: number) => new Date(ms).toISOString();

export function invocationEvents(spec: InvocationSpec, format: LogFormat): LogEvent[] {
  const stream = spec.stream ?? `2024/05/01/[$LATEST]${spec.id.slice(0, 8)}0000000000000000000000`;
  const out: LogEvent[] = [];
  const ev = (offset: number, message: string) => out.push({ timestamp: spec.at + offset, message, logStreamName: stream });
  const end = spec.durationMs;
  const lines = spec.lines ?? [];
  const errorText = spec.error ? (spec.error.type === 'KeyError' ? pyRepr(spec.error.message) : spec.error.message) : '';
  if (format === 'Text') {
    ev(0, `START RequestId: ${spec.id} Version: $LATEST\n`);
    lines.forEach(([level, m], i) => ev(1 + i * Math.max(1, Math.floor(end / (lines.length + 2))), `[${level}]\t${iso(spec.at + 1 + i)}\t${spec.id}\t${m}\n`));
    if (spec.error) ev(end - 1, [`[ERROR] ${spec.error.type}: ${errorText}`, ...traceback(spec.error.type)].join('\n') + '\n');
    if (spec.timeout) ev(end, `${iso(spec.at + end)} ${spec.id} Task timed out after ${(end / 1000).toFixed(2)} seconds\n\n`);
    ev(end, `END RequestId: ${spec.id}\n`);
    const status = spec.timeout ? '\tStatus: timeout' : spec.error?.type.startsWith('Runtime.') ? `\tStatus: error\tError Type: ${spec.error.type}` : '';
    ev(end, `REPORT RequestId: ${spec.id}\tDuration: ${end.toFixed(2)} ms\tBilled Duration: ${Math.ceil(end)} ms\tMemory Size: 128 MB\tMax Memory Used: 78 MB\t${spec.coldStart ? 'Init Duration: 412.33 ms\t' : ''}${status}\n`);
  } else {
    const ts = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    ev(0, JSON.stringify({ time: iso(spec.at), type: 'platform.start', record: { requestId: spec.id, version: '$LATEST' } }));
    lines.forEach(([level, m], i) => ev(1 + i, JSON.stringify({ timestamp: ts(spec.at + 1 + i), level, message: m, logger: 'root', requestId: spec.id })));
    if (spec.error) ev(end - 1, JSON.stringify({ timestamp: ts(spec.at + end - 1), log_level: 'ERROR', errorMessage: errorText, errorType: spec.error.type, requestId: spec.id, stackTrace: traceback(spec.error.type).slice(1) }));
    const status = spec.timeout ? 'timeout' : spec.error ? 'error' : 'success';
    ev(end, JSON.stringify({ time: iso(spec.at + end), type: 'platform.runtimeDone', record: { requestId: spec.id, status, metrics: { durationMs: end } } }));
    ev(end, JSON.stringify({
      time: iso(spec.at + end), type: 'platform.report',
      record: { requestId: spec.id, metrics: { durationMs: end, billedDurationMs: Math.ceil(end), memorySizeMB: 128, maxMemoryUsedMB: 78, ...(spec.coldStart ? { initDurationMs: 412.33 } : {}) }, ...(status !== 'success' ? { status } : {}), ...(spec.error?.type.startsWith('Runtime.') ? { errorType: spec.error.type } : {}) },
    }));
  }
  return out;
}

let n = 0;
/** A request id, unique per call. */
export function rid(): string {
  n++;
  return `${(0x1000000 + n).toString(16).padStart(8, '0')}-1111-4222-8333-${n.toString(16).padStart(12, '0')}`;
}

const FOUND: ['INFO', string] = ['INFO', 'Found credentials in environment variables.'];

/** The four invocations of one successful rotation, as the single-user template logs them. */
export function successfulRotation(at: number): InvocationSpec[] {
  const v = TOKEN;
  return [
    { id: rid(), at, coldStart: true, durationMs: 812.4, lines: [FOUND, ['INFO', `createSecret: Successfully put secret for ARN ${ARN} and version ${v}.`]] },
    { id: rid(), at: at + 2000, durationMs: 1412.9, lines: [['INFO', `Successfully established SSL/TLS connection as user 'orders_app' with host: '${HOST}'`], ['INFO', `setSecret: Successfully set password for user orders_app in PostgreSQL DB for secret arn ${ARN}.`]] },
    { id: rid(), at: at + 4000, durationMs: 402.1, lines: [['INFO', `Successfully established SSL/TLS connection as user 'orders_app' with host: '${HOST}'`], ['INFO', `testSecret: Successfully signed into PostgreSQL DB with AWSPENDING secret in ${ARN}.`]] },
    { id: rid(), at: at + 6000, durationMs: 230.7, lines: [['INFO', `finishSecret: Successfully set AWSCURRENT stage to version ${v} for secret ${ARN}.`]] },
  ];
}

/** createSecret that succeeds (a retry finds AWSPENDING already there). */
export function createStep(at: number, retry = false): InvocationSpec {
  return { id: rid(), at, coldStart: !retry, durationMs: 640.2, lines: [...(retry ? [] : [FOUND]), ['INFO', retry ? `createSecret: Successfully retrieved secret for ${ARN}.` : `createSecret: Successfully put secret for ARN ${ARN} and version ${TOKEN}.`]] };
}

/**
 * A failing rotation as Secrets Manager drives it: createSecret, then the
 * failing step, the whole rotation retried `attempts` times.
 */
export function failingRotation(at: number, failing: (at: number) => InvocationSpec, attempts = 3): InvocationSpec[] {
  const out: InvocationSpec[] = [];
  for (let a = 0; a < attempts; a++) {
    const t = at + a * 120_000;
    out.push(createStep(t, a > 0), failing(t + 3000));
  }
  return out;
}

export function eventsOf(specs: readonly InvocationSpec[], format: LogFormat): LogEvent[] {
  const all = specs.flatMap((s) => invocationEvents(s, format));
  // FilterLogEvents interleaves streams; order is not to be relied on.
  return all.sort((a, b) => (a.logStreamName! < b.logStreamName! ? -1 : a.logStreamName! > b.logStreamName! ? 1 : a.timestamp - b.timestamp));
}
