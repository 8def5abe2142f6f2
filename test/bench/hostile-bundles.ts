// Hostile bundle shapes (issue 12): each inspected by the built CLI in its own
// process, printing wall time, peak RSS and report size, against the bound a
// 1 GiB zip bomb gets (10 s, 256 MiB). Then the linear-work check: the
// many-entries and many-aliases shapes at 25,000 and 100,000 entries, whose
// time ratio should be near 4 (quadratic work would show 16).
// Needs the built CLI (npm run build). Peak RSS needs GNU time (/usr/bin/time).
// Run: node --import tsx test/bench/hostile-bundles.ts
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostileShapes, hostileZip, type RawEntry } from '../support/hostileBundles.js';
import { sampleEntries } from '../support/aws.js';
import { SAMPLE_94 } from '../support/fixtures.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'rotation-inspector.js');
const TIME = '/usr/bin/time';
const LIMIT_MS = 10_000;
const LIMIT_RSS_MB = 256;

if (!existsSync(join(ROOT, 'dist', 'bin', 'main.cjs'))) {
  console.error('hostile-bundles: the CLI is not built: run "npm run build" first.');
  process.exit(1);
}
const haveTime = spawnSync(TIME, ['-f', '%M', 'true']).status === 0;
if (!haveTime) console.log('hostile-bundles: /usr/bin/time is missing (apt-get install time): peak RSS not measured');

function inspect(file: string): { ms: number; rssMb: number | null; reportBytes: number; code: number | null } {
  const args = [BIN, 'inspect', file, '--format', 'json'];
  const t0 = process.hrtime.bigint();
  const r = haveTime
    ? spawnSync(TIME, ['-f', '%M', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 })
    : spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const rssKb = haveTime ? Number(r.stderr.trim().split('\n').at(-1)) : NaN;
  return { ms, rssMb: Number.isFinite(rssKb) ? rssKb / 1024 : null, reportBytes: r.stdout.length, code: r.status };
}

const files: RawEntry[] = (await sampleEntries(SAMPLE_94)).map((e) => ({ name: e.name, data: Buffer.from(e.data) }));
const libpq = files.find((e) => e.name === 'libpq.so.5')!.data;
const dir = mkdtempSync(join(tmpdir(), 'ri-bench-hostile-'));
let over = 0;
try {
  console.log(`shape                                   zip bytes   time ms   peak RSS MB   report bytes   exit`);
  for (const c of hostileShapes(files, libpq)) {
    const file = join(dir, c.name);
    writeFileSync(file, c.zip);
    const m = inspect(file);
    const bad = m.ms > LIMIT_MS || (m.rssMb ?? 0) > LIMIT_RSS_MB;
    if (bad) over++;
    console.log(`${c.name.padEnd(38)} ${String(c.zip.length).padStart(10)} ${m.ms.toFixed(0).padStart(9)} ${(m.rssMb?.toFixed(0) ?? '-').padStart(13)} ${String(m.reportBytes).padStart(14)} ${String(m.code).padStart(6)}${bad ? '   OVER 10 s / 256 MiB' : ''}`);
  }
  const linear = (name: string, make: (n: number) => RawEntry[]) => {
    const at = (n: number) => {
      const file = join(dir, `${name}-${n}.zip`);
      writeFileSync(file, hostileZip([...files, ...make(n)]));
      return inspect(file).ms;
    };
    const small = at(25_000);
    const large = at(100_000);
    console.log(`${name}: 25,000 entries ${small.toFixed(0)} ms, 100,000 entries ${large.toFixed(0)} ms: ratio ${(large / small).toFixed(2)} (linear: about 4, quadratic: 16)`);
  };
  linear('many-tiny-entries', (n) => Array.from({ length: n }, (_, i) => ({ name: `vendor/p${i % 100}/f${i}.txt`, data: Buffer.from('x') })));
  linear('many-aliases', (n) => Array.from({ length: n }, (_, i) => ({ name: `links/libpq.so.5.${i}`, data: Buffer.from('../libpq.so.5'), mode: 0o120777 })));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(over === 0 ? `hostile-bundles: every shape within ${LIMIT_MS / 1000} s and ${LIMIT_RSS_MB} MiB` : `hostile-bundles: ${over} shape(s) over ${LIMIT_MS / 1000} s or ${LIMIT_RSS_MB} MiB`);
process.exitCode = over === 0 ? 0 : 1;
