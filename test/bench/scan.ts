// Account-scan benchmark, against the loopback stand-in (in this process).
// 1. Retry strategies against a rate-limited stand-in: which finishes soonest without losing anything.
// 2. With 40 ms of latency per request, a 60-function scan against the one-at-a-time lower bound
//    (every request the scan makes, one after another, each costing at least the latency).
// 3. Downloads against distinct bundles.
// Run: node --import tsx test/bench/scan.ts
import './_awsEnv.js';
import { readFileSync } from 'node:fs';
import { scanAccount } from '../../src/scan/scanAccount.js';
import type { RetryChoice } from '../../src/aws/session.js';
import { applyFleet, makeFleet } from '../standin/fleet.js';
import { startStandin } from '../standin/server.js';


const root = new URL('../../samples/', import.meta.url);
const codes = [readFileSync(new URL('postgres-9.4-rotation.zip', root)), readFileSync(new URL('postgres-10-rotation.zip', root))];

async function account(count: number, knobs: Record<string, unknown>) {
  const fleet = makeFleet({ count, codes, regions: ['us-east-1'], secretsPerFunction: 2, stackEvery: 1 });
  const s = await startStandin({ knobs: { retryAfterSeconds: 0, ...knobs } });
  applyFleet(s, fleet);
  return { s, fleet };
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

// 1. Retry strategies, 60 functions, the stand-in allows 50 API requests a second.
const strategies: Array<[string, RetryChoice]> = [
  ['standard x5', { mode: 'standard', maxAttempts: 5 }],
  ['standard x10', { mode: 'standard', maxAttempts: 10 }],
  ['adaptive x10', { mode: 'adaptive', maxAttempts: 10 }],
  ['configured x10, 100 ms (default)', { mode: 'configured', maxAttempts: 10, delayMs: 100 }],
];
for (const [label, retry] of strategies) {
  const { s, fleet } = await account(60, { rateLimitPerSecond: 50, latencyMs: 10 });
  const t0 = process.hrtime.bigint();
  const r = await scanAccount({ regions: ['us-east-1'], allRegions: false, concurrency: 8, endpointUrl: s.endpoint, retry });
  const wall = ms(t0);
  const lost = r.reports.filter((x) => x.errors.length > 0).length + (fleet.functions.length - r.reports.length);
  console.log(`retry: ${label.padEnd(24)} ${wall.toFixed(0).padStart(6)} ms, ${s.counters.throttled} throttled answers, ${lost} function(s) lost`);
  await s.close();
}

// 2 + 3. Latency-bound scan: 60 functions, 40 ms per request.
for (const concurrency of [1, 8, 16, 24, 32]) {
  const { s, fleet } = await account(60, { latencyMs: 40 });
  const t0 = process.hrtime.bigint();
  const r = await scanAccount({ regions: ['us-east-1'], allRegions: false, concurrency, endpointUrl: s.endpoint });
  const wall = ms(t0);
  const requests = Object.values(s.counters.requests).reduce((a, b) => a + b, 0);
  const lowerBound = requests * 40;
  const distinct = new Set(fleet.functions.map((f) => f.code)).size;
  console.log(`scan: 60 functions, concurrency ${String(concurrency).padStart(2)}: ${wall.toFixed(0).padStart(5)} ms; one-at-a-time lower bound ${requests} requests x 40 ms = ${lowerBound} ms; ratio ${(wall / lowerBound).toFixed(3)} (target <= 0.10, bar 0.25); downloads ${r.counters.codeDownloads} for ${distinct} distinct bundles; ${r.reports.length} reports`);
  await s.close();
}
