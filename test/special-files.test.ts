import test from 'ava';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectLocal } from '../src/report/inspectLocal.js';
import { runCli } from './support/cli.js';
import { SAMPLE_10 } from './support/fixtures.js';

const posix = process.platform !== 'win32';

async function temp(t: import('ava').ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ri-special-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function timedCli(args: string[]) {
  const start = Date.now();
  const r = await runCli(args);
  return { ...r, ms: Date.now() - start };
}

test('a FIFO target (and a symlink to one): one clear line, exit 2, at once; the other targets go on', async (t) => {
  if (!posix) { t.pass('no FIFOs'); return; }
  const dir = await temp(t);
  const fifo = join(dir, 'bundle.zip');
  execFileSync('mkfifo', [fifo]);
  await symlink(fifo, join(dir, 'link.zip'));
  const r = await timedCli(['inspect', fifo, join(dir, 'link.zip'), SAMPLE_10, '--format', 'json']);
  t.is(r.code, 2, r.stderr);
  t.true(r.ms < 10_000, `${r.ms} ms`);
  t.regex(r.stderr, /^rotation-inspector: .*bundle\.zip: a FIFO \(named pipe\), not a bundle, a directory or an ELF file$/m);
  t.regex(r.stderr, /link\.zip: a FIFO \(named pipe\)/);
  const reports = JSON.parse(r.stdout) as Array<{ errors: Array<{ code: string }>; checks: Array<{ status: string }> }>;
  t.deepEqual(reports.map((x) => x.errors[0]?.code ?? null), ['not-a-regular-file', 'not-a-regular-file', null]);
  t.deepEqual(reports[2]!.checks.map((c) => c.status), ['pass', 'pass']);
});

test('a socket and a character device: the same', async (t) => {
  if (!posix) { t.pass('POSIX only'); return; }
  const dir = await temp(t);
  const sock = join(dir, 'app.sock');
  const server = createServer();
  await new Promise<void>((r) => server.listen(sock, r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const r = await timedCli(['inspect', sock, '/dev/null']);
  t.is(r.code, 2);
  t.regex(r.stderr, /app\.sock: a socket, not a bundle/);
  t.regex(r.stderr, /\/dev\/null: a character device, not a bundle/);
  t.false(r.stderr.includes('    at '));
});

test('a FIFO inside a directory bundle, named like libpq: listed and reported, never blocking', async (t) => {
  if (!posix) { t.pass('no FIFOs'); return; }
  const dir = await temp(t);
  await mkdir(join(dir, 'lib'));
  execFileSync('mkfifo', [join(dir, 'lib', 'libpq.so.5')]);
  await copyFile(SAMPLE_10, join(dir, 'other.zip'));
  const r = await inspectLocal(dir);
  t.is(r.errors[0]?.code, 'not-a-regular-file');
  t.regex(r.errors[0]!.message, /lib\/libpq\.so\.5: a FIFO/);
  t.not(r.checks[0]!.status, 'pass');
  t.not(r.checks[0]!.status, 'not-applicable');
});
