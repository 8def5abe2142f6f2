import test from 'ava';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createProgress } from '../src/cli/progress.js';

type FakeStream = Writable & { isTTY?: boolean; columns?: number; writes: string[] };

/** A stream that records every write; a terminal when `tty`. */
function fakeStream(tty: boolean, columns?: number): FakeStream {
  const writes: string[] = [];
  const s = new Writable({
    write(chunk: Buffer | string, _enc, cb) { writes.push(String(chunk)); cb(); },
  }) as FakeStream;
  s.writes = writes;
  if (tty) s.isTTY = true;
  if (columns !== undefined) s.columns = columns;
  return s;
}

const visible = (s: string) => s.replace(/\x1b\[[\d;]*[A-Za-z]/g, '');
/** What the terminal shows last: the text after the last \r of the last write. */
const screen = (writes: string[]) => visible(writes.at(-1)!.split('\r').at(-1)!);

test('not a terminal: writes nothing at all', async (t) => {
  const s = fakeStream(false);
  const p = createProgress(s, 3);
  p.tick('a');
  p.setTotal(5);
  for (let i = 0; i < 100; i++) p.tick(`fn-${i}`);
  await sleep(150);
  p.done();
  await sleep(150);
  t.deepEqual(s.writes, []);
});

test('terminal: a bar redrawn in place with \\r, cleared on done', async (t) => {
  const s = fakeStream(true, 80);
  const p = createProgress(s, 4, { intervalMs: 0 });
  t.is(screen(s.writes), 'scanning [..............................] 0/4');
  p.tick('fn-a');
  t.is(screen(s.writes), 'scanning [#######.......................] 1/4 fn-a');
  p.tick('fn-b');
  p.setTotal(8);
  t.regex(screen(s.writes), /^scanning \[#{7}\.{23}\] 2\/8 fn-b$/);
  for (const w of s.writes) {
    t.true(w.startsWith('\r'));
    t.false(w.includes('\n'));
  }
  p.done();
  t.is(s.writes.at(-1), '\r\x1b[K');
  const n = s.writes.length;
  p.tick('late');
  p.done();
  await sleep(50);
  t.is(s.writes.length, n, 'nothing after done()');
});

test('throttled to about 10 redraws a second, with a trailing redraw of the latest state', async (t) => {
  const s = fakeStream(true, 80);
  const p = createProgress(s, 1000);
  for (let i = 0; i < 1000; i++) p.tick(`fn-${i}`);
  t.true(s.writes.length <= 2, `${s.writes.length} writes for a burst`);
  await sleep(160);
  t.is(screen(s.writes), `scanning [${'#'.repeat(30)}] 1000/1000 fn-999`);

  const s2 = fakeStream(true, 80);
  const p2 = createProgress(s2, 200);
  const start = Date.now();
  while (Date.now() - start < 500) { p2.tick('x'); await sleep(2); }
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
    const p = createProgress(s, 10);
    p.tick('a');
    p.tick('b'); // within the interval: schedules a trailing redraw
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

test('fits narrow terminals; labels lose control characters', async (t) => {
  const s = fakeStream(true, 40);
  const p = createProgress(s, 60, { intervalMs: 0 });
  p.tick('a-rather-long-function-name-that-will-not-fit-at-all\x1b[31m\n');
  for (const w of s.writes) {
    const shown = visible(w.split('\r').at(-1)!);
    t.true([...shown].length <= 39, shown);
  }
  t.regex(screen(s.writes), /^scanning \[.*\] 1\/60 a-rather-.*…$/);
  t.false(s.writes.join('').includes('\x1b[31m'));
  t.false(s.writes.join('').includes('\n'));
  p.done();

  const tiny = fakeStream(true, 12);
  const q = createProgress(tiny, 1000, { intervalMs: 0 });
  q.tick('x');
  t.true([...screen(tiny.writes)].length <= 11);
  q.done();
});

test('colour: styled when asked, same text underneath', async (t) => {
  const s = fakeStream(true, 80);
  const p = createProgress(s, 2, { colour: true, intervalMs: 0 });
  p.tick('fn');
  t.true(s.writes.at(-1)!.includes('\x1b[1m1/2\x1b[0m'));
  t.is(screen(s.writes), `scanning [${'#'.repeat(15)}${'.'.repeat(15)}] 1/2 fn`);
  p.done();
});
