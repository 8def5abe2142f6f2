import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { createProgress, elapsed } from '../src/cli/progress.js';
import { fakeStream, terminalScreen } from './support/fakeStream.js';

const visible = (s: string) => s.replace(/\x1b\[[\d;]*[A-Za-z]/g, '');
/** What the terminal shows last: the text after the last \r of the last write. */
const screen = (writes: string[]) => visible(writes.at(-1)!.split('\r').at(-1)!);
/** A clock the test moves. */
const clock = (start = 1_000_000) => { let t = start; return { now: () => t, advance: (ms: number) => { t += ms; } }; };

test('not a terminal: no bar; messages are plain lines', async (t) => {
  const s = fakeStream(false);
  const p = createProgress(s);
  p.found(3);
  p.inspected('a', 'ok');
  p.discoveryDone(5);
  for (let i = 0; i < 100; i++) p.inspected(`fn-${i}`, 'ok');
  p.message('rotation-inspector: something');
  await sleep(150);
  p.done();
  await sleep(150);
  t.deepEqual(s.writes, ['rotation-inspector: something\n']);
});

test('--quiet (bar: false) on a terminal: no bar either; a message still wipes an echoed ^C off its line', async (t) => {
  const s = fakeStream(true, 80);
  const p = createProgress(s, { bar: false, intervalMs: 0 });
  p.found(3);
  p.inspected('a', 'ok');
  t.deepEqual(s.writes, []);
  s.writes.push('^C');
  p.message('rotation-inspector: interrupted');
  t.deepEqual(terminalScreen(s.writes), ['rotation-inspector: interrupted', '']);
  p.done();
  t.is(s.writes.length, 2);
});

test('discovery and inspection are shown apart: found N so far, then inspected k of N', async (t) => {
  const s = fakeStream(true, 100);
  const c = clock();
  const p = createProgress(s, { intervalMs: 0, now: c.now });
  t.is(screen(s.writes), 'discovering: found 0 so far · inspected 0 · 0:00');
  p.found(5);
  p.inspected('fn-a', 'ok');
  c.advance(3200);
  p.found(12);
  t.is(screen(s.writes), 'discovering: found 12 so far · inspected 1 · 0:03  fn-a');
  p.inspected('fn-b', 'failing');
  p.inspected('fn-c', 'error');
  t.is(screen(s.writes), 'discovering: found 12 so far · inspected 3 · 1 failing · 1 error · 0:03  fn-c');
  p.discoveryDone(20);
  t.regex(screen(s.writes), /^inspecting \[#{4}\.{26}\] 3 of 20 · 1 failing · 1 error · 0:03  fn-c$/);
  for (const w of s.writes) {
    t.true(w.startsWith('\r'));
    t.false(w.includes('\n'));
  }
  p.done();
  t.is(s.writes.at(-1), '\r\x1b[K');
  const n = s.writes.length;
  p.inspected('late', 'ok');
  p.done();
  await sleep(50);
  t.is(s.writes.length, n, 'nothing after done()');
});

test('the bar never moves backwards while discovery keeps finding functions', (t) => {
  const s = fakeStream(true, 100);
  const p = createProgress(s, { intervalMs: 0 });
  // Discovery pages in while inspection runs ahead of it: inspected/found would go 1/1, 1/5, 4/5, 4/20, …
  let found = 0;
  for (let page = 0; page < 6; page++) {
    found += 5;
    p.found(found);
    for (let i = 0; i < 4; i++) p.inspected(`fn-${page}-${i}`, 'ok');
  }
  p.discoveryDone(found);
  for (let i = 0; i < 6; i++) p.inspected(`late-${i}`, 'ok');
  const fills = s.writes.map((w) => /\[(#*)\.*\]/.exec(visible(w))).filter((m) => m !== null).map((m) => m![1]!.length);
  t.true(fills.length >= 7, `${fills.length} bars drawn`);
  for (let i = 1; i < fills.length; i++) t.true(fills[i]! >= fills[i - 1]!, `bar went from ${fills[i - 1]} to ${fills[i]}`);
  const founds = s.writes.map((w) => /found (\d+) so far/.exec(w)).filter((m) => m !== null).map((m) => Number(m![1]));
  t.deepEqual(founds, [...founds].sort((a, b) => a - b), 'found only grows');
  t.is(screen(s.writes), `inspecting [${'#'.repeat(30)}] 30 of 30 · 0:00  late-5`);
  p.done();
});

test('elapsed time: m:ss and h:mm:ss', (t) => {
  t.is(elapsed(0), '0:00');
  t.is(elapsed(65_400), '1:05');
  t.is(elapsed(3_723_000), '1:02:03');
});

test('a message never lands on the bar\'s line: the line (and an echoed ^C) is cleared first, the bar redrawn below', (t) => {
  const s = fakeStream(true, 80);
  const p = createProgress(s, { intervalMs: 0 });
  p.found(4);
  p.inspected('fn-a', 'ok');
  const before = s.writes.length;
  p.message('rotation-inspector: interrupted: finishing the functions in flight');
  const [clearAndLine, redraw] = s.writes.slice(before);
  t.is(clearAndLine, '\r\x1b[Krotation-inspector: interrupted: finishing the functions in flight\n');
  t.regex(visible(redraw!), /^\rdiscovering: found 4 so far · inspected 1 · 0:00  fn-a$/);
  p.done();
  t.is(s.writes.at(-1), '\r\x1b[K');
  p.message('after');
  t.is(s.writes.at(-1), '\r\x1b[Kafter\n', 'after done(): a line of its own, the cursor\'s line wiped first');
});

test('throttled to about 10 redraws a second, with a trailing redraw of the latest state', async (t) => {
  const s = fakeStream(true, 80);
  const p = createProgress(s);
  p.discoveryDone(1000);
  for (let i = 0; i < 1000; i++) p.inspected(`fn-${i}`, 'ok');
  t.true(s.writes.length <= 2, `${s.writes.length} writes for a burst`);
  await sleep(160);
  t.regex(screen(s.writes), new RegExp(`^inspecting \\[${'#'.repeat(30)}\\] 1000 of 1000 · 0:00  fn-999$`));

  const s2 = fakeStream(true, 80);
  const p2 = createProgress(s2);
  p2.discoveryDone(200);
  const start = Date.now();
  while (Date.now() - start < 500) { p2.inspected('x', 'ok'); await sleep(2); }
  p2.done();
  // 500 ms at most every 100 ms: about 6 draws, plus the clear.
  t.true(s2.writes.length <= 8, `${s2.writes.length} writes in 500 ms`);
  t.true(s2.writes.length >= 3);
  p.done();
});

test.serial('no timers left running after done()', async (t) => {
  const live = new Set<unknown>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const patchedSet = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const h = realSet((...a: unknown[]) => { live.delete(h); fn(...a); }, ms, ...args);
    live.add(h);
    return h;
  }) as typeof setTimeout;
  globalThis.setTimeout = patchedSet;
  globalThis.clearTimeout = ((h: Parameters<typeof clearTimeout>[0]) => { live.delete(h); realClear(h); }) as typeof clearTimeout;
  try {
    const s = fakeStream(true, 80);
    const p = createProgress(s);
    p.inspected('a', 'ok');
    p.inspected('b', 'ok'); // within the interval: schedules a trailing redraw
    t.is(live.size, 1);
    p.done();
    t.is(live.size, 0);
    const n = s.writes.length;
    await sleep(150);
    t.is(s.writes.length, n);
  } finally {
    globalThis.setTimeout = realSet;
    globalThis.clearTimeout = realClear;
  }
});

test('fits narrow terminals; labels from outside are shown escaped, never interpreted', async (t) => {
  const s = fakeStream(true, 60);
  const p = createProgress(s, { intervalMs: 0 });
  p.discoveryDone(60);
  p.inspected('a-rather-long-function-name-that-will-not-fit-at-all\x1b[31m\n', 'ok');
  for (const w of s.writes) {
    const shown = visible(w.split('\r').at(-1)!);
    t.true([...shown].length <= 59, shown);
  }
  t.regex(screen(s.writes), /^inspecting \[.*\] 1 of 60 · 0:00  a-rather-.*…$/);
  t.false(s.writes.join('').includes('\x1b[31m'));
  t.false(s.writes.join('').includes('\n'));
  p.done();

  const raw = fakeStream(true, 200);
  const r = createProgress(raw, { intervalMs: 0 });
  r.inspected('fn\x1b[31m\u202e', 'ok');
  t.true(screen(raw.writes).endsWith('fn\\x1b[31m\\u202e'));
  r.done();

  const tiny = fakeStream(true, 12);
  const q = createProgress(tiny, { intervalMs: 0 });
  q.inspected('x', 'ok');
  t.true([...screen(tiny.writes)].length <= 11);
  q.done();
});

test('colour: styled when asked, same text underneath; done() resets the colour', async (t) => {
  const s = fakeStream(true, 80);
  const p = createProgress(s, { colour: true, intervalMs: 0 });
  p.discoveryDone(2);
  p.inspected('fn', 'ok');
  t.true(s.writes.at(-1)!.includes('\x1b[1m1 of 2\x1b[0m'));
  t.is(screen(s.writes), `inspecting [${'#'.repeat(15)}${'.'.repeat(15)}] 1 of 2 · 0:00  fn`);
  p.done();
  t.is(s.writes.at(-1), '\r\x1b[0m\x1b[K');
});
