// Network path benchmark.
// 1. Collection: 50 VPC functions spread over 5 VPCs, read through the real EC2 client from the stand-in
//    with 20 ms per request. EC2 calls must grow with VPCs, not functions: printed per function, with the
//    wall time against the one-at-a-time bound (every call made, one after another) and against reading
//    each function's network on its own.
// 2. The model: 1,000 functions' paths from one snapshot, against the time to load that snapshot.
// Run: node --import tsx test/bench/network.ts
import { EC2Client } from '@aws-sdk/client-ec2';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetworkReads } from '../../src/aws/networkCollector.js';
import { indexNetworkSnapshot, networkPaths } from '../../src/facts/network/paths.js';
import { asNetworkSnapshot, emptyNetworkSnapshot, type NetworkSnapshot, type NetworkTarget } from '../../src/facts/network/snapshot.js';
import { installEc2Api } from '../standin/ec2Api.js';
import { sdkConfig, startStandin } from '../standin/server.js';
import { workingVpcCopy } from '../support/networkFixtures.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const LATENCY = 20;
const VPCS = 5;
const FUNCTIONS = 50;

const copies = Array.from({ length: VPCS }, (_, i) => workingVpcCopy(i + 1));
const targets: NetworkTarget[] = Array.from({ length: FUNCTIONS }, (_, i) => ({ ...copies[i % VPCS]!.target, functionName: `rotate-${i}` }));

// 1. Collection
const standin = await startStandin({ knobs: { latencyMs: LATENCY } });
const ec2 = installEc2Api(standin);
for (const c of copies) ec2.addLayout(c.snapshot);
const client = new EC2Client({ ...sdkConfig(standin), maxAttempts: 1 });

async function run(shared: boolean, concurrency: number) {
  standin.resetCounters();
  const sharedReads = new NetworkReads(client, 'us-east-1');
  const queue = [...targets];
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let t = queue.shift(); t; t = queue.shift()) await (shared ? sharedReads : new NetworkReads(client, 'us-east-1')).snapshot([t]);
  }));
  const wall = ms(t0);
  const calls = Object.values(standin.counters.requests).reduce((a, b) => a + b, 0);
  return { wall, calls };
}
await new NetworkReads(client, 'us-east-1').snapshot([copies[0]!.target]); // load the EC2 client and warm the connection first
const shared = await run(true, 8);
const alone = await run(false, 8);
console.log(`collect: ${FUNCTIONS} functions over ${VPCS} VPCs, ${LATENCY} ms per EC2 request, 8 at a time`);
console.log(`collect: shared reads   ${shared.calls} EC2 calls = ${(shared.calls / FUNCTIONS).toFixed(2)} per function (${(shared.calls / VPCS).toFixed(1)} per VPC), ${shared.wall.toFixed(0)} ms; one-at-a-time bound ${shared.calls * LATENCY} ms → ${(shared.calls * LATENCY / shared.wall).toFixed(1)}x faster`);
console.log(`collect: per function   ${alone.calls} EC2 calls = ${(alone.calls / FUNCTIONS).toFixed(2)} per function, ${alone.wall.toFixed(0)} ms → sharing makes ${(alone.calls / shared.calls).toFixed(1)}x fewer calls, ${(alone.wall / shared.wall).toFixed(1)}x less time`);
client.destroy();
await standin.close();

// 2. The model over one snapshot of 1,000 functions
const big: NetworkSnapshot = emptyNetworkSnapshot('us-east-1');
for (const c of copies) {
  for (const k of ['vpcs', 'subnets', 'routeTables', 'networkAcls', 'securityGroups', 'vpcEndpoints', 'natGateways', 'prefixLists'] as const) (big[k] as unknown[]).push(...(c.snapshot[k] as unknown[]));
}
big.targets = Array.from({ length: 1000 }, (_, i) => ({ ...copies[i % VPCS]!.target, functionName: `rotate-${i}` }));
const dir = mkdtempSync(join(tmpdir(), 'network-bench-'));
const file = join(dir, 'snapshot.json');
writeFileSync(file, JSON.stringify(big));
const best = (f: () => void) => { let m = Infinity; for (let i = 0; i < 5; i++) { const t0 = process.hrtime.bigint(); f(); m = Math.min(m, ms(t0)); } return m; };
let loaded: NetworkSnapshot = big;
const load = best(() => { loaded = asNetworkSnapshot(JSON.parse(readFileSync(file, 'utf8'))); });
let failing = 0;
const model = best(() => {
  const ix = indexNetworkSnapshot(loaded);
  failing = 0;
  for (const t of loaded.targets) { const p = networkPaths(ix, t); if (p.secretsmanager.status !== 'pass') failing++; }
});
rmSync(dir, { recursive: true, force: true });
console.log(`model: ${loaded.targets.length} functions' paths in ${model.toFixed(1)} ms (${(model * 1000 / loaded.targets.length).toFixed(0)} µs each, ${failing} not passing); loading the ${(JSON.stringify(big).length / 1024).toFixed(0)} KiB snapshot ${load.toFixed(1)} ms → paths/load = ${(model / load).toFixed(1)}x`);
if (model > 1000) { console.error('model: over the 1 s budget for 1,000 functions'); process.exitCode = 1; }
if (shared.calls > VPCS * 8) { console.error(`collect: ${shared.calls} calls for ${VPCS} VPCs: more than 8 per VPC`); process.exitCode = 1; }
