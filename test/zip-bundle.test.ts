import test from 'ava';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { openLocalBundle, openBundleFromSource } from '../src/bundle/openBundle.js';
import { locateLibpq } from '../src/bundle/libpqLocator.js';
import { bufferSource } from '../src/source/byteSource.js';
import { inspectLocal } from '../src/report/inspectLocal.js';
import { FIXTURES, SAMPLE_94, fixtureFiles } from './support/fixtures.js';

const good = (name: string) => join(FIXTURES, 'zip', 'good', name);

for (const file of ['stored.zip', 'deflated.zip', 'data-descriptor.zip', 'zip64.zip', 'nested-dirs.zip']) {
  test(`${file}: lists its entries and reads the 9.4 libpq with a valid CRC`, async (t) => {
    const report = await inspectLocal(good(file));
    t.deepEqual(report.errors, []);
    t.is(report.libraries.length, 1);
    t.is(report.libraries[0]!.version.value, '9.4.26');
    t.is(report.libraries[0]!.soname, 'libpq.so.5');
  });
}

test('symlink entries resolve to the file they name; one library, its links as aliases', async (t) => {
  const report = await inspectLocal(good('symlink.zip'));
  t.deepEqual(report.errors, []);
  t.is(report.libraries.length, 1);
  const lib = report.libraries[0]!;
  t.is(lib.path, 'lib/libpq.so.5.7');
  t.deepEqual(lib.aliases, ['lib/libpq.so.5', 'libpq.so.5']);
  // the .so.5.7 name says "before 10", agreeing with the 9.4.26 compiled in
  t.deepEqual(lib.version.conflicts, []);
  t.true(lib.version.evidence.some((e) => e.source === 'file-name' && e.value === '<10'));
});

test('psycopg2-binary layout: the hashed libpq name is found', async (t) => {
  const report = await inspectLocal(good('psycopg2-binary.zip'));
  t.deepEqual(report.libraries.map((l) => l.path), ['psycopg2_binary.libs/libpq-ab12cd34.so.5.7']);
  t.deepEqual(report.handler?.drivers, ['psycopg2']);
  t.true(report.handler?.asksForTls);
});

test('layer layout: libpq under python/lib/… and lib/ are both found; identical copies are one library', async (t) => {
  const report = await inspectLocal(good('layer-python.zip'));
  t.deepEqual(report.errors, []);
  const names = report.libraries.flatMap((l) => [l.path, ...l.aliases]);
  t.true(names.includes('lib/libpq.so.5'));
  t.true(names.some((p) => p.startsWith('python/lib/python3.9/site-packages/')));
  t.is(new Set(names).size, names.length, 'no name twice');
});

test('no libpq: scram is not-applicable', async (t) => {
  const report = await inspectLocal(good('no-libpq.zip'));
  t.deepEqual(report.libraries, []);
  t.is(report.checks.find((c) => c.id === 'scram')?.status, 'not-applicable');
});

for (const file of fixtureFiles('zip/broken')) {
  const code = basename(file, '.zip');
  test(`broken/${basename(file)} is reported as ${code}, without stopping the rest`, async (t) => {
    const report = await inspectLocal(file);
    t.true(report.errors.length > 0, 'an error is reported');
    t.is(report.errors[0]!.code, code, report.errors[0]!.message);
    // one line, names the input, no stack
    for (const e of report.errors) t.false(e.message.includes('\n'));
    if (report.libraries.length > 0) {
      // the bad entry is still listed, with its error, and the handler was still read
      t.is(report.libraries[0]!.errorCode, code);
      t.not(report.handler, null);
      t.is(report.checks.find((c) => c.id === 'scram')?.status, 'unknown');
    }
  });
}

test('inflates-past-declared-size: the cap holds although the header lies (no large buffer)', async (t) => {
  const before = process.memoryUsage().arrayBuffers;
  const report = await inspectLocal(join(FIXTURES, 'zip', 'broken', 'inflates-past-declared-size.zip'));
  t.is(report.errors[0]?.code, 'inflates-past-declared-size');
  t.true(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024);
});

test('entry cap is configurable: a 14 KB libpq is refused under a 4 KB cap', async (t) => {
  const report = await inspectLocal(SAMPLE_94, { maxEntryBytes: 4096 });
  t.is(report.libraries[0]?.errorCode, 'entry-too-large');
});

test('the same parser reads a zip from a buffer source', async (t) => {
  const bytes = readFileSync(SAMPLE_94);
  const bundle = await openBundleFromSource(bufferSource(bytes, 'in-memory'), 'in-memory.zip');
  const { libraries } = await locateLibpq(bundle);
  t.deepEqual(libraries.map((l) => l.entry.path), ['libpq.so.5']);
  t.true(bundle.entries.some((e) => e.path === 'lambda_function.py'));
});

test('an unpacked directory gives the same verdicts as its zip', async (t) => {
  const { mkdtempSync, writeFileSync, mkdirSync, symlinkSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'ri-dir-'));
  const bundle = await openLocalBundle(SAMPLE_94);
  for (const e of bundle.entries) {
    if (e.type !== 'file') continue;
    mkdirSync(join(dir, e.path, '..'), { recursive: true });
    writeFileSync(join(dir, e.path), await bundle.read(e, 1 << 20));
  }
  await bundle.close();
  mkdirSync(join(dir, 'lib'));
  symlinkSync('../libpq.so.5', join(dir, 'lib', 'libpq.so.5'));
  const fromDir = await inspectLocal(dir);
  const fromZip = await inspectLocal(SAMPLE_94);
  t.is(fromDir.target.type, 'directory');
  t.deepEqual(fromDir.checks.map((c) => c.status), fromZip.checks.map((c) => c.status));
  t.deepEqual(fromDir.libraries[0]!.aliases, ['lib/libpq.so.5']);
});

test('missing path: one-line error naming it', async (t) => {
  const report = await inspectLocal('/nonexistent/bundle.zip');
  t.is(report.errors[0]?.code, 'not-found');
  t.is(report.errors[0]?.message, '/nonexistent/bundle.zip: no such file or directory');
});
