import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBundleFromSource } from '../src/bundle/openBundle.js';
import { bundleFindings } from '../src/report/bundleFindings.js';
import { bufferSource } from '../src/source/byteSource.js';
import { sampleEntries } from './support/aws.js';
import { runCli } from './support/cli.js';
import { SAMPLE_10, SAMPLE_94 } from './support/fixtures.js';
import { dynamicAmplificationElf, hostileZip, type RawEntry } from './support/hostileBundles.js';

const entries94 = async (): Promise<RawEntry[]> => (await sampleEntries(SAMPLE_94)).map((e) => ({ name: e.name, data: Buffer.from(e.data) }));

async function file(t: import('ava').ExecutionContext, name: string, bytes: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ri-amplify-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const p = join(dir, name);
  await writeFile(p, bytes);
  return p;
}

type JsonReport = { libraries: Array<{ needed: string[]; runpath: string[] | null; warnings?: string[]; error?: string; errorCode?: string }>; errors: Array<{ code: string; message: string }>; checks: Array<{ status: string; summary: string }> };

test('65,000 DT_NEEDED entries naming one long string: 1,024 kept, the truncation reported as a fact, the report stays small', async (t) => {
  const files = (await entries94()).filter((e) => e.name !== 'libpq.so.5');
  const zip = hostileZip([...files, { name: 'libpq.so.5', data: dynamicAmplificationElf(1, 65_000, 4000) }]);
  const r = await runCli(['inspect', await file(t, 'needed.zip', zip), '--format', 'json']);
  t.true(r.stdout.length < 8 * 1024 * 1024, `${r.stdout.length} bytes of report`);
  const report = JSON.parse(r.stdout) as JsonReport;
  t.is(report.libraries[0]!.needed.length, 1024);
  t.true(report.libraries[0]!.warnings?.includes('1,024 of 65,000 DT_NEEDED entries kept'), JSON.stringify(report.libraries[0]!.warnings));
});

test('DT_RUNPATH repeated 65,000 times: entries and path components capped, every use counted against the string budget', async (t) => {
  const files = (await entries94()).filter((e) => e.name !== 'libpq.so.5');
  const zip = hostileZip([...files, { name: 'libpq.so.5', data: dynamicAmplificationElf(29, 65_000, 4000) }]);
  const bundle = await openBundleFromSource(bufferSource(zip, 'runpath.zip'), 'runpath.zip');
  const f = await bundleFindings(bundle);
  await bundle.close();
  const lib = f.libraries[0]!;
  t.true((lib.runpath ?? []).length <= 1024);
  t.true(lib.warnings?.some((w) => /^1,024 of 65,000 DT_RUNPATH entries kept$/.test(w)), JSON.stringify(lib.warnings));
  // a string read 65,000 times costs 65,000 times its length: past the budget the library is an error, not a verdict
  // three libraries of 1,024 kept uses of a 4,000-byte string each: 12 MB, past the bundle's 8 MiB, which they share
  const bigger = hostileZip([...files, ...[0, 1, 2].map((i) => ({ name: i === 0 ? 'libpq.so.5' : `lib${i}/libpq.so.5.1${i}`, data: dynamicAmplificationElf(1, 3000, 4000 - i) }))]);
  const b2 = await openBundleFromSource(bufferSource(bigger, 'two.zip'), 'two.zip');
  const f2 = await bundleFindings(b2);
  await b2.close();
  t.true(f2.errors.some((e) => e.code === 'bad-dynamic' && /budget for dynamic strings/.test(e.message)), JSON.stringify(f2.errors));
});

test('entries pointing at one deflate stream: the bundle read budget and the libpq cap end it; the verdict is never a pass', async (t) => {
  // under the 32 MiB libpq cap (MAX_LIBPQ_BYTES), so each entry is inflated until the bundle budget ends it
  const zeros = Buffer.alloc(30 * 1024 * 1024);
  const files = (await sampleEntries(SAMPLE_10)).map((e) => ({ name: e.name, data: Buffer.from(e.data) }));
  const zip = hostileZip([...files, ...Array.from({ length: 400 }, (_, i) => ({ name: `l${i}/libpq.so.5.${10 + i}`, data: zeros, crc: i }))], { shareLocals: true });
  const path = await file(t, 'overlap.zip', zip);
  const started = Date.now();
  const r = await runCli(['inspect', path, '--format', 'json']);
  t.true(Date.now() - started < 15_000);
  t.is(r.code, 2);
  const report = JSON.parse(r.stdout) as JsonReport;
  const codes = new Set(report.errors.map((e) => e.code));
  t.true(codes.has('bundle-budget-exceeded'), [...codes].join(', '));
  t.true(codes.has('too-many-libpq'), [...codes].join(', '));
  t.regex(report.errors.find((e) => e.code === 'bundle-budget-exceeded')!.message, /inflate past 268435456 bytes in all \(--max-bundle-bytes\)/);
  t.not(report.checks[0]!.status, 'pass');
  // the flag moves the budget
  const small = await runCli(['inspect', path, '--format', 'json', '--max-bundle-bytes', '1000000']);
  t.regex(small.stdout, /inflate past 1000000 bytes in all/);
});
