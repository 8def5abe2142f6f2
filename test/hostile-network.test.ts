import test from 'ava';
import { spawn } from 'node:child_process';
import { inspectFunctionTarget, type FunctionInspectOptions } from '../src/aws/inspectFunction.js';
import type { HostileBehaviour } from './standin/hostile.js';
import { SAMPLE_10_ZIP, SAMPLE_94_ZIP, cliEnv, fnArn, startStandin, useTestCredentials, type Standin } from './support/aws.js';
import { BIN, runCli } from './support/cli.js';

useTestCredentials();

// Small deadlines keep the hostile cases fast; the defaults (15 s idle, 60 s total) are the same code path.
const limits = { idleMs: 1000, totalMs: 4000 };
const fast = { mode: 'configured', maxAttempts: 3, delayMs: 5 } as const;
const opts = (s: Standin, more: Partial<FunctionInspectOptions> = {}): FunctionInspectOptions => ({ region: 'us-east-1', endpointUrl: s.endpoint, retry: fast, limits, ...more });
const fn = (name: string, code = SAMPLE_94_ZIP) => ({ name, runtime: 'python3.9', handler: 'lambda_function.lambda_handler', code });

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const start = Date.now();
  const r = await f();
  return [r, Date.now() - start];
}

// Under a loaded machine a read may end a little past its deadline; an unbounded one (a 1.5 KB answer at a
// byte per 50 ms takes 75 s) never ends this soon. The cases run one at a time so they do not starve each other.
const SLACK_MS = 10_000;
// A stall is given up by the idle timeout on each attempt, then by the retry budget or the deadline, whichever comes first.
const GAVE_UP = /^(download-timeout|code-download-failed)$/;

const codeCases: Array<[string, HostileBehaviour, RegExp, Partial<import('./standin/server.js').StandinKnobs>?]> = [
  ['a Range answer larger than the range', { mode: 'oversize' }, /^response-too-large$/],
  ['a whole download larger than CodeSize', { mode: 'oversize' }, /^response-too-large$/, { ignoreRange: true }],
  ['a server that drips a byte every 100 ms', { mode: 'drip', intervalMs: 100 }, /^download-timeout$/],
  ['a server that stalls after the headers', { mode: 'stall' }, GAVE_UP],
  ['a server that never answers', { mode: 'stall-before-headers' }, GAVE_UP],
];

for (const [title, behaviour, code, knobs] of codeCases) {
  test.serial(`code download: ${title} ends as that function's error within the deadline`, async (t) => {
    const s = await startStandin({ functions: [fn('hostile-fn')], knobs: { ...knobs, hostile: { Code: behaviour } } });
    t.teardown(() => s.close());
    const [r, ms] = await timed(() => inspectFunctionTarget('hostile-fn', opts(s)));
    t.regex(r.errors[0]?.code ?? '', code, JSON.stringify(r.errors));
    t.regex(r.errors[0]!.message, /^hostile-fn code: /);
    t.deepEqual(r.checks.map((c) => c.status), ['unknown', 'unknown']);
    t.true(ms < limits.totalMs + SLACK_MS, `${ms} ms`);
  });
}

const apiCases: Array<[string, HostileBehaviour, string]> = [
  ['stalls after the headers', { mode: 'stall' }, 'call-timeout'],
  ['never answers', { mode: 'stall-before-headers' }, 'call-timeout'],
  ['drips its answer', { mode: 'drip', intervalMs: 50 }, 'call-timeout'],
  ['answers without end', { mode: 'oversize' }, 'response-too-large'],
];

for (const [title, behaviour, code] of apiCases) {
  test.serial(`GetFunction that ${title}: that call's error within the deadline, retries included`, async (t) => {
    const s = await startStandin({ functions: [fn('api-fn')], knobs: { hostile: { GetFunction: behaviour } } });
    t.teardown(() => s.close());
    const [r, ms] = await timed(() => inspectFunctionTarget('api-fn', opts(s, { limits: { ...limits, maxApiResponseBytes: 1024 * 1024 } })));
    t.is(r.errors[0]?.code, code, JSON.stringify(r.errors));
    t.regex(r.errors[0]!.message, /^api-fn: lambda:GetFunction( gave up: no complete answer within 4 s \(--timeout\)| gave up: .*after the SDK's retries|: the answer is larger than the 1048576 bytes accepted)$/);
    t.true(ms < limits.totalMs + SLACK_MS, `${ms} ms`);
  });
}

test.serial('the other functions go on: one hostile code server, the next function is read', async (t) => {
  const s = await startStandin({ functions: [fn('bad'), fn('good', SAMPLE_10_ZIP)], knobs: { hostile: { Code: { mode: 'stall', times: fast.maxAttempts } } } });
  t.teardown(() => s.close());
  const bad = await inspectFunctionTarget('bad', opts(s));
  const good = await inspectFunctionTarget('good', opts(s));
  t.regex(bad.errors[0]?.code ?? '', GAVE_UP);
  t.deepEqual(good.errors, []);
  t.deepEqual(good.checks.map((c) => c.status), ['pass', 'pass']);
});

test.serial('CLI: --timeout and --idle-timeout bound a stalled code server; one line, exit 2', async (t) => {
  const s = await startStandin({ functions: [fn('stuck')], knobs: { hostile: { Code: { mode: 'drip', intervalMs: 200 } } } });
  t.teardown(() => s.close());
  const [r, ms] = await timed(() => runCli(['inspect', 'stuck', '--timeout', '1', '--idle-timeout', '0.5'], cliEnv(s)));
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /^rotation-inspector: \S*stuck: stuck code: gave up after 1 s \(--timeout\) \(http:\/\/127\.0\.0\.1:\d+\/code\/[\w-]+\)$/m);
  t.true(ms < 5000, `${ms} ms`);
  const bad = await runCli(['inspect', 'stuck', '--timeout', 'soon'], cliEnv(s));
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--timeout: "soon" is not a number of seconds/);
});

test.serial('CLI scan: the first Ctrl-C ends the run promptly while a request hangs, and the output says it is partial', async (t) => {
  const names = ['hang-1', 'hang-2', 'hang-3'];
  const s = await startStandin({
    functions: names.map((n) => fn(n)),
    secrets: names.map((n) => ({ name: `db/${n}`, rotationEnabled: true, rotationLambdaARN: fnArn(n) })),
    knobs: { hostile: { GetFunction: { mode: 'stall-before-headers' } } },
  });
  t.teardown(() => s.close());
  // default deadlines (60 s): only Ctrl-C can end this run soon
  const child = spawn(process.execPath, [BIN, 'scan', '--no-cache', '--format', 'json', '--debug'], { env: { PATH: process.env.PATH, ...cliEnv(s) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  for (let waited = 0; (stderr.match(/debug: lambda:GetFunction /g) ?? []).length < 3 && waited < 30_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 200));
  const sent = Date.now();
  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const ms = Date.now() - sent;
  t.is(code, 130, stderr);
  t.true(ms < 3000, `${ms} ms after Ctrl-C`);
  const out = JSON.parse(stdout) as { summary: { interrupted: boolean; notInspected: string[] }; reports: unknown[] };
  t.true(out.summary.interrupted);
  t.deepEqual([...out.summary.notInspected].sort(), names.map((n) => fnArn(n)).sort());
  t.regex(stderr, /interrupted: 3 of 3 discovered function\(s\) were not inspected/);
});
