// The cost of looking for drivers of their own (issue 13) on bundles that have
// none: a libpq-only bundle's inspection (bundleFindings: libpq, handler and the
// driver lookup) against the driver lookup alone (driverFindings: one pass over
// the entry list, no reads when nothing matches), measured in one process,
// interleaved, medians of many runs. Two bundles: the 9.4 sample, and the same
// with 3,000 vendored Python files (a site-packages the lookup must walk past).
// The printed ratio is the share of the inspection the lookup takes.
// Run: node --import tsx test/bench/driver-lookup.ts   Knob: BENCH_ROUNDS (default 200).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { openZipBundle } from '../../src/bundle/zipBundle.js';
import { bufferSource } from '../../src/source/byteSource.js';
import { bundleFindings } from '../../src/report/bundleFindings.js';
import { driverFindings } from '../../src/report/driverFindings.js';
import { DEFAULT_MAX_ENTRY_BYTES } from '../../src/bundle/bundle.js';
import { buildZip, type ZipEntry } from '../standin/zip.js';
import { openLocalBundle } from '../../src/bundle/openBundle.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const TARGET = 0.10;

async function entries(path: string): Promise<ZipEntry[]> {
  const b = await openLocalBundle(path);
  const out: ZipEntry[] = [];
  for (const e of b.entries) if (e.type === 'file') out.push({ name: e.path, data: await b.read(e, 1 << 26) });
  await b.close();
  return out;
}
const sample = await entries(join(ROOT, 'samples', 'postgres-9.4-rotation.zip'));
const vendored: ZipEntry[] = Array.from({ length: 3000 }, (_, i) => ({ name: `vendor/pkg${i % 60}/module_${i}.py`, data: `# module ${i}\nVALUE = ${i}\n` }));
const bundles = [
  { name: '9.4 sample', zip: buildZip(sample) },
  { name: '9.4 sample + 3,000 vendored files', zip: buildZip([...sample, ...vendored]) },
];
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]!; };
const now = () => Number(process.hrtime.bigint()) / 1e6;

let worst = 0;
for (const b of bundles) {
  const whole: number[] = [];
  const lookup: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // A fresh bundle each time, so no entry cache carries over between the two measurements.
    const a = await openZipBundle(bufferSource(b.zip, 'bench.zip'));
    let t0 = now();
    await bundleFindings(a);
    whole.push(now() - t0);
    await a.close();
    const c = await openZipBundle(bufferSource(b.zip, 'bench.zip'));
    t0 = now();
    const d = await driverFindings(c, [], DEFAULT_MAX_ENTRY_BYTES);
    lookup.push(now() - t0);
    if (d.drivers.length !== 0) throw new Error(`${b.name}: drivers found in a libpq-only bundle`);
    await c.close();
  }
  const ratio = median(lookup) / median(whole);
  worst = Math.max(worst, ratio);
  console.log(`driver-lookup: ${b.name}: lookup ${median(lookup).toFixed(3)} ms of ${median(whole).toFixed(3)} ms per inspection = ${ratio.toFixed(3)} (target <= ${TARGET})`);
}
console.log(`driver-lookup: worst share ${worst.toFixed(3)}: ${worst <= TARGET ? 'met' : 'NOT MET'}`);
