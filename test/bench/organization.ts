// Organization-wide scan benchmark, against the loopback organization stand-in (in this process):
// BENCH_ACCOUNTS (default 200) member accounts × 2 regions, one rotation function per region (a small fleet over
// three distinct bundles, the same three in every account, as a SAR app deployed everywhere), 40 ms of latency on
// every request (STS, Organizations, Lambda, Secrets Manager, CloudFormation, code downloads).
// Prints, measured in this one run:
//   * wall time against the one-at-a-time bound (every request the run made, one after another, each costing at
//     least the latency): the ratio is how much the shared pool overlaps;
//   * distinct bundle downloads against distinct bundles.
// Run: node --import tsx test/bench/organization.ts      Knobs: BENCH_ACCOUNTS, BENCH_CONCURRENCY (default: 24, 64 and 128, scan's default over accounts)
import './_awsEnv.js';
import { readFileSync } from 'node:fs';
import { DEFAULT_ACCOUNTS_CONCURRENCY, DEFAULT_CONCURRENCY } from '../../src/cli/args.js';
import { scanAccounts } from '../../src/scan/scanAccounts.js';
import { makeFleet } from '../standin/fleet.js';
import { startOrganization, type OrgAccountSpec } from '../standin/organization.js';
import { buildZip } from '../standin/zip.js';


const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 200);
const CONCURRENCIES = process.env.BENCH_CONCURRENCY ? [Number(process.env.BENCH_CONCURRENCY)] : [DEFAULT_CONCURRENCY, 64, DEFAULT_ACCOUNTS_CONCURRENCY];
const LATENCY = 40;
const REGIONS = ['us-east-1', 'eu-west-1'];

const root = new URL('../../samples/', import.meta.url);
const sample94 = readFileSync(new URL('postgres-9.4-rotation.zip', root));
const sample10 = readFileSync(new URL('postgres-10-rotation.zip', root));
const codes = [sample94, sample10, buildZip([{ name: 'lambda_function.py', data: 'import boto3\n' }])];

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const id = (i: number) => `5${String(i).padStart(11, '0')}`;

for (const concurrency of CONCURRENCIES) {
  const accounts: OrgAccountSpec[] = Array.from({ length: ACCOUNTS }, (_, i) => {
    const fleet = makeFleet({ count: REGIONS.length, codes: [codes[i % 3]!, codes[(i + 1) % 3]!], accountId: id(i), namePrefix: `rot-${i}`, regions: REGIONS, stackEvery: 1 });
    return { id: id(i), name: `member-${i}`, fleet: { functions: fleet.functions, secrets: fleet.secrets, stacks: fleet.stacks } };
  });
  // The management account (the caller) has no member role: it is read with the base credentials.
  accounts.unshift({ id: '100000000001', name: 'management', roleName: null, fleet: {} });
  const org = await startOrganization({ accounts, knobs: { latencyMs: LATENCY, retryAfterSeconds: 0 } });
  const t0 = process.hrtime.bigint();
  const result = await scanAccounts({
    regions: REGIONS, allRegions: false, concurrency, endpointUrl: org.endpoint, region: 'us-east-1',
    accounts: { organization: true, roleName: 'RotationAudit' },
  });
  const wall = ms(t0);
  const apiRequests = [...org.standins.values()].reduce((n, s) => n + Object.values(s.counters.requests).reduce((a, b) => a + b, 0), 0);
  const requests = apiRequests + org.assumeRoleCalls.length + org.listAccountsCalls + 1; // + GetCallerIdentity
  const bound = requests * LATENCY;
  const functions = result.reports.filter((r) => r.function).length;
  const errors = result.reports.filter((r) => r.errors.length > 0).length;
  const distinct = new Set(result.reports.map((r) => r.function?.codeSha256).filter(Boolean)).size;
  console.log(`organization: ${ACCOUNTS} member accounts + management × ${REGIONS.length} regions, ${functions} functions, ${LATENCY} ms latency, --concurrency ${concurrency}`);
  console.log(`  wall ${(wall / 1000).toFixed(1)} s; one-at-a-time bound ${(bound / 1000).toFixed(1)} s (${requests} requests × ${LATENCY} ms): ${(bound / wall).toFixed(1)}x faster than the bound`);
  console.log(`  bundle downloads ${org.codeRequests()} (tool counted ${result.counters.codeDownloads}) for ${distinct} distinct bundles; AssumeRole calls ${org.assumeRoleCalls.length} for ${ACCOUNTS + 1} accounts; reports with errors ${errors}`);
  console.log(`  throughput ${(functions / (wall / 1000)).toFixed(0)} functions/s, ${((ACCOUNTS + 1) / (wall / 1000)).toFixed(1)} accounts/s`);
  await org.close();
}
