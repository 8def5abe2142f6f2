// 300 bundles: one CLI process inspecting them all, against the manual check
// a person would script (`unzip -p <zip> libpq.so.5 > tmp; readelf -d tmp` in
// one bash loop). Both read the same 300 distinct zips from a temp dir.
// The mix: 200 sample-sized bundles (the two samples, 14 KB stand-in libpq, each
// with a different small extra file) and 100 bundles carrying a real 240–380 KB
// libpq from test/fixtures/libpq, as real deployment bundles do.
// Needs the built CLI (npm run build); the comparison needs unzip and readelf
// and is skipped, with a line saying so, when either is missing.
// Run: node --import tsx test/bench/many-bundles.ts
// Knobs: BENCH_BUNDLES (default 300), BENCH_REAL_SHARE (default 1/3), BENCH_ROUNDS (default 3).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLocalBundle } from '../../src/bundle/openBundle.js';
import { buildZip, type ZipEntry } from '../standin/zip.js';
import { describeMissing, missingTools } from './_tools.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'rotation-inspector.js');
const MAIN = join(ROOT, 'dist', 'bin', 'main.cjs');
const LIBPQ = join(ROOT, 'test', 'fixtures', 'libpq');
const COUNT = Number(process.env.BENCH_BUNDLES ?? 300);
const REAL_SHARE = Number(process.env.BENCH_REAL_SHARE ?? 1 / 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TARGET = 0.35;
const TIME = '/usr/bin/time';

if (!existsSync(MAIN)) {
  console.error(`many-bundles: ${MAIN} is missing: build the CLI first with "npm run build", then rerun.`);
  process.exit(1);
}
const missing = missingTools(['unzip', 'readelf']);
const compare = missing.length === 0;
if (!compare) console.log(`many-bundles: SKIPPED the comparison with the manual check (unzip -p + readelf -d): ${describeMissing(missing)}; timing the CLI alone`);
const haveTime = spawnSync(TIME, ['-f', '%M', 'true']).status === 0;

async function entries(path: string): Promise<ZipEntry[]> {
  const b = await openLocalBundle(path);
  const out: ZipEntry[] = [];
  for (const e of b.entries) if (e.type === 'file') out.push({ name: e.path, data: await b.read(e, 1 << 26), mode: e.path.endsWith('.py') ? 0o100644 : 0o100755 });
  await b.close();
  return out;
}

const samples = [await entries(join(ROOT, 'samples', 'postgres-9.4-rotation.zip')), await entries(join(ROOT, 'samples', 'postgres-10-rotation.zip'))];
const realLibs = readdirSync(LIBPQ).filter((f) => /-libpq\.so\.5\.\d+$/.test(f)).sort().map((f) => ({ name: f, bytes: readFileSync(join(LIBPQ, f)) }));
const dir = mkdtempSync(join(tmpdir(), 'ri-bench-bundles-'));
const paths: string[] = [];
const realCount = Math.round(COUNT * REAL_SHARE);
let bytesOnDisk = 0;
const realSizes: number[] = [];
for (let i = 0; i < COUNT; i++) {
  const base = samples[i % 2]!;
  const extra: ZipEntry = { name: `config/bundle-${i}.json`, data: JSON.stringify({ bundle: i, note: 'makes every zip distinct' }) };
  let files = [...base, extra];
  // Spread the real-library bundles through the list rather than at the end.
  const real = i % Math.round(COUNT / Math.max(1, realCount)) === 0 && realSizes.length < realCount;
  if (real) {
    const lib = realLibs[realSizes.length % realLibs.length]!;
    realSizes.push(lib.bytes.length);
    files = files.map((e) => (e.name === 'libpq.so.5' ? { ...e, data: lib.bytes } : e));
  }
  const zip = buildZip(files);
  const p = join(dir, `bundle-${String(i).padStart(3, '0')}.zip`);
  writeFileSync(p, zip);
  bytesOnDisk += zip.length;
  paths.push(p);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', AWS_EC2_METADATA_DISABLED: 'true', LC_ALL: 'C' };
const outFile = join(dir, 'out.txt');
const timeFile = join(dir, 'time.txt');

/** One timed run with stdout to a file; peak RSS from GNU time when it is there. */
function run(cmd: string, args: string[]): { ms: number; status: number | null; peakKb: number | null } {
  const argv = haveTime ? [TIME, '-f', '%M', '-o', timeFile, cmd, ...args] : [cmd, ...args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', '"$@" > "$OUT"', 'sh', ...argv], { env: { ...env, OUT: outFile }, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  const peakKb = haveTime ? Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop()) : null;
  return { ms, status: r.status, peakKb };
}

const nodeArgs = [BIN, 'inspect', ...paths, '--format', 'ndjson'];
// The manual check: one bash process running the loop.
const loop = 'tmp=$(mktemp); for z in "$@"; do unzip -p "$z" libpq.so.5 > "$tmp"; readelf -d "$tmp"; done; rm -f "$tmp"';
const shellArgs = ['-c', loop, 'bash', ...paths];

// Warm both (page cache, binaries), and check each answers for all 300.
const warmNode = run(process.execPath, nodeArgs);
const lines = readFileSync(outFile, 'utf8').split('\n').filter((l) => l.trim() !== '');
const reports = lines.map((l) => JSON.parse(l) as { errors: unknown[]; libraries: Array<{ version: { value: string | null } }> });
const withErrors = reports.filter((r) => r.errors.length > 0).length;
const versions = new Map<string, number>();
for (const r of reports) for (const l of r.libraries) versions.set(l.version.value ?? 'unknown', (versions.get(l.version.value ?? 'unknown') ?? 0) + 1);
let sonames = 0;
if (compare) {
  run('bash', shellArgs);
  sonames = readFileSync(outFile, 'utf8').split('\n').filter((l) => l.includes('(SONAME)')).length;
}

const nodeMs: number[] = [];
const shellMs: number[] = [];
let peakKb = warmNode.peakKb;
for (let i = 0; i < ROUNDS; i++) {
  const order = i % 2 === 0 ? ['node', 'shell'] : ['shell', 'node'];
  for (const which of order) {
    if (which === 'node') {
      const r = run(process.execPath, nodeArgs);
      nodeMs.push(r.ms);
      if (r.peakKb !== null) peakKb = Math.max(peakKb ?? 0, r.peakKb);
    } else if (compare) {
      shellMs.push(run('bash', shellArgs).ms);
    }
  }
}

// Without GNU time: the same work in this process, for its peak RSS.
let inProcess = '';
if (!haveTime) {
  const { inspectLocal } = await import('../../src/report/inspectLocal.js');
  for (const p of paths) await inspectLocal(p);
  inProcess = ` (in-process variant: maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB, includes this benchmark's own memory)`;
}
rmSync(dir, { recursive: true, force: true });

const n = median(nodeMs);
const s = compare ? median(shellMs) : NaN;
const ratio = n / s;
console.log(`many-bundles: ${COUNT} distinct zips (${(bytesOnDisk / 2 ** 20).toFixed(1)} MB): ${COUNT - realSizes.length} sample-sized (14 KB stand-in libpq) + ${realSizes.length} with a real libpq of ${Math.min(...realSizes) >> 10}–${Math.max(...realSizes) >> 10} KB; median of ${ROUNDS} interleaved rounds after one warm-up each`);
if (compare) {
  console.log(`many-bundles: one node process ${n.toFixed(0)} ms (${(n / COUNT).toFixed(2)} ms/bundle), shell loop unzip -p + readelf -d ${s.toFixed(0)} ms (${(s / COUNT).toFixed(2)} ms/bundle), ratio ${ratio.toFixed(2)} (target <= ${TARGET})${ratio <= TARGET ? '' : '  ABOVE TARGET'}`);
} else {
  console.log(`many-bundles: one node process ${n.toFixed(0)} ms (${(n / COUNT).toFixed(2)} ms/bundle); ratio against the manual check not measured: ${describeMissing(missing)}`);
}
console.log(`many-bundles: runs node [${nodeMs.map((x) => x.toFixed(0)).join(', ')}] ms${compare ? `, shell [${shellMs.map((x) => x.toFixed(0)).join(', ')}] ms` : ''}`);
console.log(`many-bundles: node output ${lines.length} ndjson lines (expected ${COUNT})${lines.length === COUNT ? '' : '  WRONG'}, ${withErrors} report(s) with errors, exit ${warmNode.status}; versions ${[...versions].map(([v, c]) => `${v} x${c}`).join(', ')}${compare ? `; shell loop printed ${sonames} SONAME lines` : ''}`);
console.log(`many-bundles: node peak RSS ${peakKb !== null ? `${(peakKb / 1024).toFixed(0)} MB (GNU time %M)` : 'n/a'}${inProcess}`);
if (lines.length !== COUNT) process.exitCode = 1;
