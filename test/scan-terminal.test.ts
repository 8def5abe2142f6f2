import test from 'ava';
import { runScan } from '../src/cli/scanCommand.js';
import { parseCli, type ScanArgs } from '../src/cli/args.js';
import { EXIT } from '../src/cli/exitCodes.js';
import { applyFleet, makeFleet } from './standin/fleet.js';
import { DEFAULT_CREDENTIALS, SAMPLE_10_ZIP, SAMPLE_94_ZIP, startStandin } from './support/aws.js';
import { fakeStream, terminalScreen } from './support/fakeStream.js';

// The scan as a person at a terminal sees it: stderr is a terminal (a stream
// that records writes, read back through a small terminal model), Ctrl-C comes
// through the command's interrupt hook, as the process's SIGINT would.
process.env.AWS_ACCESS_KEY_ID = DEFAULT_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = DEFAULT_CREDENTIALS.secretAccessKey;
process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';

async function slowAccount(count: number) {
  const fleet = makeFleet({ count, codes: [SAMPLE_94_ZIP, SAMPLE_10_ZIP], regions: ['us-east-1'], secretsPerFunction: 1, unrotatedSecretsPerRegion: 0, imageEvery: 0, stackEvery: 0, deletedStackEvery: 0 });
  const s = await startStandin({ knobs: { listSecretsPageSize: 5, latencyMs: 60, retryAfterSeconds: 0 } });
  applyFleet(s, fleet);
  return s;
}

const scanArgs = (endpoint: string, more: string[] = []) => parseCli(['scan', '--region', 'us-east-1', '--endpoint-url', endpoint, '--no-cache', '--concurrency', '2', ...more]) as ScanArgs;

/** Waits until `predicate` holds, checking every 10 ms (at most 60 s). */
async function until(predicate: () => boolean): Promise<void> {
  for (let waited = 0; !predicate() && waited < 60_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
}

test('Ctrl-C: the ^C and the message get a line of their own; the report is printed; a second Ctrl-C leaves a clean line and exits 130', async (t) => {
  const s = await slowAccount(24);
  t.teardown(() => s.close());
  const stderr = fakeStream(true, 120);
  const stdout = fakeStream(false);
  let interrupt: (() => void) | undefined;
  const exits: Array<{ code: number; screen: string[]; raw: string }> = [];
  const run = runScan(scanArgs(s.endpoint), {
    stdout, stderr, env: { ...process.env, NO_COLOR: '1' },
    onInterrupt: (h) => { interrupt = h; return () => { interrupt = undefined; }; },
    exitNow: (code) => { exits.push({ code, screen: terminalScreen(stderr.writes), raw: stderr.writes.join('') }); },
  });
  await until(() => /inspecting \[.*\] [3-9] of 24/.test(stderr.writes.at(-1) ?? ''));
  t.truthy(interrupt, 'the scan listens for Ctrl-C while it runs');
  stderr.writes.push('^C'); // the terminal echoes ^C where the cursor is: at the end of the bar
  interrupt!();
  let screen = terminalScreen(stderr.writes);
  const messageRow = screen.findIndex((l) => l.includes('interrupted: stopping the functions in flight'));
  t.true(messageRow >= 0, screen.join('\n'));
  t.is(screen[messageRow], 'rotation-inspector: interrupted: stopping the functions in flight, then printing what is done (Ctrl-C again to quit at once)');
  t.false(screen.some((l) => l.includes('^C')), 'the echoed ^C is wiped with the bar');
  t.regex(screen.at(-1)!, /^inspecting \[/, 'the bar goes on below the message');

  // a second Ctrl-C: quit at once, the bar's line cleared, the cursor on a fresh line, colours reset
  stderr.writes.push('^C');
  interrupt!();
  t.is(exits.length, 1);
  t.is(exits[0]!.code, EXIT.interrupted);
  screen = exits[0]!.screen;
  t.is(screen.at(-1), '', 'the cursor sits at the start of an empty line');
  t.regex(screen.at(-2)!, /^rotation-inspector: interrupted again: quitting now; \d+ of 24 discovered function\(s\) not inspected, no report written$/);
  t.false(screen.some((l) => l.startsWith('inspecting') || l.includes('^C')), screen.join('\n'));

  // (in a real process exitNow does not return; here the first Ctrl-C's orderly stop finishes)
  t.is(await run, EXIT.interrupted);
});

test('the bar shows discovery apart from inspection while the listing is still paging', async (t) => {
  const s = await slowAccount(30);
  t.teardown(() => s.close());
  const stderr = fakeStream(true, 120);
  const code = await runScan(scanArgs(s.endpoint), { stdout: fakeStream(false), stderr, env: { ...process.env, NO_COLOR: '1' } });
  t.is(code, EXIT.findings);
  const shown = stderr.writes.map((w) => w.replace(/^\r/, '').replace(/\x1b\[K$/, ''));
  const discovering = shown.filter((l) => l.startsWith('discovering: '));
  t.true(discovering.length > 0, 'discovery has its own display');
  for (const l of discovering) t.regex(l, /^discovering: found \d+ so far · inspected \d+ · (\d+ failing · )?\d+:\d\d/);
  const found = discovering.map((l) => Number(/found (\d+)/.exec(l)![1]));
  t.deepEqual(found, [...found].sort((a, b) => a - b));
  const bars = shown.filter((l) => l.startsWith('inspecting ['));
  t.true(bars.every((l) => / of 30 · /.test(l)), 'the bar appears only with the final total');
  t.deepEqual(terminalScreen(stderr.writes), [''], 'the terminal is left clean');
});

test('--quiet at a terminal: no bar at all, and Ctrl-C\'s echo still never shares a line with a message', async (t) => {
  const s = await slowAccount(12);
  t.teardown(() => s.close());
  const stderr = fakeStream(true, 120);
  let interrupt: (() => void) | undefined;
  let inspected = 0;
  const run = runScan(scanArgs(s.endpoint, ['--quiet', '--debug']), {
    stdout: fakeStream(false), stderr, env: { ...process.env, NO_COLOR: '1' },
    onInterrupt: (h) => { interrupt = h; return () => { interrupt = undefined; }; },
  });
  await until(() => (inspected = stderr.writes.filter((w) => w.includes('debug: inspected ')).length) >= 2);
  t.true(inspected >= 2);
  stderr.writes.push('^C');
  interrupt!();
  t.is(await run, EXIT.interrupted);
  const screen = terminalScreen(stderr.writes);
  t.false(screen.some((l) => l.includes('^C')), screen.join('\n'));
  t.false(screen.some((l) => /^(inspecting|discovering)/.test(l)), 'no bar with --quiet');
  t.true(screen.includes('rotation-inspector: interrupted: stopping the functions in flight, then printing what is done (Ctrl-C again to quit at once)'));
});
