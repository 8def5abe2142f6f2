import test from 'ava';
import { MAX_INVOCATIONS, groupInvocations, parseLogEvent } from '../src/facts/logs/lambdaLogs.js';
import { ARN, eventsOf, failingRotation, rid, successfulRotation, type InvocationSpec } from './support/rotationLogs.js';

const ID = '0abae0b1-54f1-4d2b-9b6c-2a4c1d3e5f60';
const at = Date.parse('2024-05-01T10:00:00Z');
const e = (message: string, logStreamName = 's1', timestamp = at) => ({ message, logStreamName, timestamp });

test('text REPORT lines: duration, init duration, the optional Status suffix, the old 100 ms billing format', (t) => {
  const r = parseLogEvent(e(`REPORT RequestId: ${ID}\tDuration: 15.74 ms\tBilled Duration: 16 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\tInit Duration: 130.49 ms\t\n`))!;
  t.is(r.kind, 'report');
  t.is(r.durationMs, 15.74);
  t.is(r.status, undefined);
  const old = parseLogEvent(e(`REPORT RequestId: ${ID}\tDuration: 3003.12 ms\tBilled Duration: 3100 ms \tMemory Size: 128 MB\tMax Memory Used: 20 MB\t`))!;
  t.is(old.durationMs, 3003.12);
  const err = parseLogEvent(e(`REPORT RequestId: ${ID}\tDuration: 1.21 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 10 MB\tStatus: error\tError Type: Runtime.InvalidEntrypoint`))!;
  t.is(err.status, 'error');
  t.is(err.errorType, 'Runtime.InvalidEntrypoint');
});

test('"Task timed out" names its request; START and END too', (t) => {
  const to = parseLogEvent(e(`2024-05-01T10:00:30.031Z ${ID} Task timed out after 30.03 seconds\n\n`))!;
  t.is(to.kind, 'timeout');
  t.is(to.requestId, ID);
  t.is(parseLogEvent(e(`START RequestId: ${ID} Version: $LATEST\n`))!.kind, 'start');
  t.is(parseLogEvent(e(`END RequestId: ${ID}\n`))!.requestId, ID);
  t.is(parseLogEvent(e('XRAY TraceId: 1-5e4d\tSegmentId: 1\tSampled: true')), null);
});

test('runtime errors: KeyError quoting (single, double), the older "msg": Type form, and JSON log_level', (t) => {
  t.is(parseLogEvent(e("[ERROR] KeyError: 'host key is missing from secret JSON'\nTraceback (most recent call last):\n  File …"))!.text, 'KeyError: host key is missing from secret JSON');
  t.is(parseLogEvent(e(`[ERROR] KeyError: "Database engine must be set to 'postgres' in order to use this rotation lambda"\nTraceback (most recent call last):`))!.text, "KeyError: Database engine must be set to 'postgres' in order to use this rotation lambda");
  const old = parseLogEvent(e(`"masterarn": KeyError\nTraceback (most recent call last):\n  File "/var/task/lambda_function.py"`))!;
  t.is(old.kind, 'error');
  t.is(old.text, 'KeyError: masterarn');
  const j = parseLogEvent(e(JSON.stringify({ timestamp: '2024-05-01T10:00:00Z', log_level: 'ERROR', errorMessage: 'boom', errorType: 'ValueError', requestId: ID, stackTrace: [] })))!;
  t.deepEqual([j.kind, j.requestId, j.text], ['error', ID, 'ValueError: boom']);
  // A logger record with exc_info carries errorType too, but it is the logger's message.
  const rec = parseLogEvent(e(JSON.stringify({ timestamp: '2024-05-01T10:00:00Z', level: 'WARNING', message: 'Unable to establish database connection', logger: 'root', requestId: ID, errorType: 'Exception', errorMessage: 'x' })))!;
  t.deepEqual([rec.kind, rec.level, rec.text], ['app', 'WARNING', 'Unable to establish database connection']);
});

test('text application lines keep level, request id and message (tabs inside kept)', (t) => {
  const l = parseLogEvent(e(`[INFO]\t2024-05-01T10:00:00.165Z\t${ID}\tcreateSecret: Successfully put secret for ARN ${ARN} and version v1.\n`))!;
  t.deepEqual([l.kind, l.level, l.requestId, l.text], ['app', 'INFO', ID, `createSecret: Successfully put secret for ARN ${ARN} and version v1.`]);
});

for (const format of ['Text', 'JSON'] as const) {
  test(`grouping (${format}): request ids, steps, outcome, durations; unattributed errors join the request running in their stream`, (t) => {
    const specs = [...successfulRotation(at), ...failingRotation(at + 3_600_000, (a) => ({ id: rid(), at: a, durationMs: 412.5, error: { type: 'KeyError', message: 'password key is missing from secret JSON' } }), 2)];
    const inv = groupInvocations(eventsOf(specs, format));
    t.is(inv.length, 8);
    t.true(inv.every((x, i) => i === 0 || x.start <= inv[i - 1]!.start), 'newest first');
    const newest = inv[0]!;
    t.is(newest.outcome, 'failed');
    t.is(newest.cause, 'secret-key-missing');
    t.is(newest.durationMs, 412.5);
    t.true(newest.lines.some((l) => l.message === 'KeyError: password key is missing from secret JSON'));
    const oldest = inv.slice(-4);
    t.deepEqual(oldest.map((x) => x.steps), [['finishSecret'], ['testSecret'], ['setSecret'], ['createSecret']]);
    t.true(oldest.every((x) => x.outcome === 'succeeded' && x.cause === null && !x.timedOut));
  });

  test(`grouping (${format}): timeouts are timed-out with their duration`, (t) => {
    const spec: InvocationSpec = { id: rid(), at, durationMs: 30_003.1, timeout: true, lines: [['INFO', 'Found credentials in environment variables.']] };
    const [inv] = groupInvocations(eventsOf([spec], format));
    t.is(inv!.outcome, 'timed-out');
    t.true(inv!.timedOut);
    t.is(inv!.durationMs, 30_003.1);
  });
}

test('an invocation whose START fell outside the window is still grouped by its request id', (t) => {
  const inv = groupInvocations([e(`[ERROR]\t2024-05-01T10:00:00.165Z\t${ID}\tsetSecret: Unable to log into database with previous, current, or pending secret of secret arn ${ARN}`), e(`REPORT RequestId: ${ID}\tDuration: 31001.00 ms\tBilled Duration: 31001 ms`, 's1', at + 1)]);
  t.is(inv.length, 1);
  t.is(inv[0]!.cause, 'database-unreachable');
  t.is(inv[0]!.outcome, 'succeeded', 'a logged error the handler survived is not a failed invocation');
});

test(`at most ${MAX_INVOCATIONS} invocations, the newest`, (t) => {
  const specs = Array.from({ length: 70 }, (_, i): InvocationSpec => ({ id: rid(), at: at + i * 1000, durationMs: 10 }));
  const inv = groupInvocations(eventsOf(specs, 'Text'));
  t.is(inv.length, MAX_INVOCATIONS);
  t.is(inv[0]!.requestId, specs[69]!.id);
});
