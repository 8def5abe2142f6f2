// Runs every benchmark in test/bench/ in turn (each *.ts file here except
// this one and files starting with "_", which are helpers), each in its own
// `node --import tsx` process so that one benchmark's warm caches and heap do
// not colour the next. New benchmark files are picked up without editing this.
// Run: npm run bench   (node --import tsx test/bench/run.ts [name-filter...])
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMissing, missingTools } from './_tools.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const self = basename(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);

const files = readdirSync(HERE)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== self && !f.startsWith('_'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`bench: no benchmark files in ${HERE}${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}

const missing = missingTools(['unzip', 'readelf']);
if (missing.length > 0) console.log(`bench: ${describeMissing(missing)}: many-bundles.ts skips its comparison with the manual check and times the CLI alone`);

const failed: string[] = [];
const started = process.hrtime.bigint();
for (const f of files) {
  console.log(`\n=== ${f}`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(HERE, f)], { cwd: ROOT, stdio: 'inherit' });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const ok = r.status === 0;
  if (!ok) failed.push(f);
  console.log(`=== ${f}: ${ok ? 'done' : `FAILED (exit ${r.status ?? r.signal})`} in ${s.toFixed(1)} s`);
}
const total = Number(process.hrtime.bigint() - started) / 1e9;
console.log(`\nbench: ${files.length} benchmark(s) in ${total.toFixed(1)} s${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
process.exitCode = failed.length ? 1 : 0;
