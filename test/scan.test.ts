import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanAccount, type ScanOptions } from '../src/scan/scanAccount.js';
import { openFindingsCache } from '../src/scan/findingsCache.js';
import { applyFleet, makeFleet, functionArn } from './standin/fleet.js';
import { buildZip } from './standin/zip.js';
import { SAMPLE_10 } from './support/fixtures.js';
import { DEFAULT_CREDENTIALS, SAMPLE_10_ZIP, SAMPLE_94_ZIP, cliEnv, fnArn, sampleEntries, startStandin, type Standin } from './support/aws.js';
import { runCli } from './support/cli.js';
import { sarifSchemaErrors } from './support/sarifSchema.js';

process.env.AWS_ACCESS_KEY_ID = DEFAULT_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = DEFAULT_CREDENTIALS.secretAccessKey;
process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';

const fast = { mode: 'configured', maxAttempts: 5, delayMs: 5 } as const;

async function account(count = 40) {
  // a third distinct bundle: the 10 sample's files plus one more
  const mixed = buildZip([...(await sampleEntries(SAMPLE_10)), { name: 'README.txt', data: 'variant' }]);
  const fleet = makeFleet({
    count, codes: [SAMPLE_94_ZIP, SAMPLE_10_ZIP, mixed], regions: ['us-east-1', 'eu-west-1'], secretsPerFunction: 2,
    unrotatedSecretsPerRegion: 3, imageEvery: 13, stackEvery: 2, deletedStackEvery: 5,
  });
  const s = await startStandin({ knobs: { listSecretsPageSize: 7, retryAfterSeconds: 0 } });
  applyFleet(s, fleet);
  // a secret that names a function which was deleted since
  s.addSecret({ name: 'orphan/secret', rotationEnabled: true, rotationLambdaARN: fnArn('deleted-fn') });
  // a secret with rotation switched off still names its function
  s.addSecret({ name: 'paused/secret', rotationEnabled: false, rotationLambdaARN: functionArn(fleet.functions[1]!) });
  return { s, fleet };
}

const opts = (s: Standin, more: Partial<ScanOptions> = {}): ScanOptions => ({
  regions: ['us-east-1', 'eu-west-1'], allRegions: false, concurrency: 8, endpointUrl: s.endpoint, retry: fast, ...more,
});

test('every discovered function is reported exactly once, with its secrets; distinct bundles read once; stacks described once', async (t) => {
  const { s, fleet } = await account();
  t.teardown(() => s.close());
  s.knobs.throttle = { GetFunction: 3, ListSecrets: 1, DescribeStacks: 2 };
  const result = await scanAccount(opts(s));
  const arns = result.reports.map((r) => r.function?.arn ?? r.target.id);
  const expected = [...fleet.functions.map(functionArn), fnArn('deleted-fn')].sort();
  t.deepEqual([...arns].sort(), expected, 'no gap, no duplicate');
  t.is(new Set(arns).size, arns.length);
  // the deleted function is a report with errors, not a gap
  const deleted = result.reports.find((r) => r.target.id === fnArn('deleted-fn'))!;
  t.is(deleted.errors[0]?.code, 'function-not-found');
  t.deepEqual(deleted.secrets?.map((x) => x.name), ['orphan/secret']);
  // secrets grouped per function, rotation on or off
  const second = result.reports.find((r) => r.function?.arn === functionArn(fleet.functions[1]!))!;
  t.true(second.secrets!.some((x) => x.name === 'paused/secret' && x.rotationEnabled === false));
  t.is(second.secrets!.length, 3);
  t.is(result.counters.secrets, fleet.secrets.filter((x) => x.rotationLambdaARN).length + 2);
  // image functions are reports too
  t.true(result.reports.some((r) => r.function?.packageType === 'Image' && r.checks[0]!.status === 'not-applicable'));
  // no work twice
  t.is(result.counters.codeDownloads, 3, 'three distinct code SHA-256s');
  t.is(s.counters.codeRequests, 3);
  const liveStacks = new Set(fleet.stacks.map((x) => `${x.region}:${x.name}`)).size;
  t.is(result.counters.stackLookups, liveStacks);
  t.is(s.counters.requests.DescribeStacks, liveStacks + 2, 'each stack described once (plus 2 throttled retries)');
  t.true(s.counters.throttled >= 6, 'throttling absorbed by the SDK retry strategy');
  t.deepEqual(result.errors, []);
  // verdicts follow the bundle
  const old = result.reports.find((r) => r.function?.codeSha256 && r.libraries[0]?.version.value === '9.4.26');
  t.is(old?.checks[0]?.status, 'fail');
});

test('the on-disk cache lets a repeated scan skip every download', async (t) => {
  const { s } = await account(12);
  t.teardown(() => s.close());
  const dir = mkdtempSync(join(tmpdir(), 'ri-cache-'));
  const first = await scanAccount(opts(s, { cache: openFindingsCache(dir, '0.1.0') }));
  t.is(first.counters.codeDownloads, 3);
  s.resetCounters();
  const again = await scanAccount(opts(s, { cache: openFindingsCache(dir, '0.1.0') }));
  t.is(again.counters.codeDownloads, 0);
  t.is(s.counters.codeRequests, 0);
  t.is(again.counters.cacheHits, 3);
  t.deepEqual(again.reports.map((r) => r.checks.map((c) => c.status)), first.reports.map((r) => r.checks.map((c) => c.status)));
  // an upgrade invalidates
  const upgraded = await scanAccount(opts(s, { cache: openFindingsCache(dir, '9.9.9') }));
  t.is(upgraded.counters.codeDownloads, 3);
});

test('interrupted: what is done is kept, the rest is named, nothing silently dropped', async (t) => {
  const { s } = await account(30);
  t.teardown(() => s.close());
  s.knobs.latencyMs = 20;
  const controller = new AbortController();
  let done = 0;
  const result = await scanAccount(opts(s, { concurrency: 2, signal: controller.signal, onInspected: () => { if (++done === 4) controller.abort(); } }));
  t.true(result.interrupted);
  t.true(result.reports.length >= 4 && result.reports.length < 31);
  t.is(result.reports.length + result.notInspected.length, result.counters.functions);
});

test('a secret naming a function in another region: read where the function lives', async (t) => {
  const s = await startStandin({ functions: [{ name: 'eu-rot', region: 'eu-west-1', code: SAMPLE_10_ZIP, handler: 'lambda_function.lambda_handler', runtime: 'python3.12' }] });
  t.teardown(() => s.close());
  s.addSecret({ name: 'db/us', region: 'us-east-1', rotationEnabled: true, rotationLambdaARN: fnArn('eu-rot', 'eu-west-1') });
  const result = await scanAccount(opts(s, { regions: ['us-east-1'] }));
  t.is(result.reports.length, 1);
  t.deepEqual(result.reports[0]!.errors, []);
  t.is(result.reports[0]!.target.region, 'eu-west-1');
});

test('CLI scan: formats for people and machines, exit codes', async (t) => {
  const { s } = await account(14);
  t.teardown(() => s.close());
  const env = cliEnv(s);
  const base = ['scan', '--region', 'us-east-1', '--region', 'eu-west-1', '--no-cache'];
  const json = await runCli([...base, '--format', 'json'], env);
  t.is(json.code, 2, 'the deleted function could not be inspected');
  const parsed = JSON.parse(json.stdout);
  t.is(parsed.reports.length, 15);
  t.is(parsed.summary.functions, 15);
  t.true(parsed.summary.errors >= 1);
  const nd = await runCli([...base, '--format', 'ndjson'], env);
  const lines = nd.stdout.trim().split('\n');
  t.is(lines.length, 16, 'one report a function, then the summary record');
  for (const l of lines.slice(0, -1)) t.is(JSON.parse(l).schemaVersion, 1);
  t.deepEqual(JSON.parse(lines.at(-1)!).summary.counts, parsed.summary.counts);
  const csv = await runCli([...base, '--format', 'csv'], env);
  t.is(csv.stdout.trim().split('\r\n').length, 16);
  const sarif = JSON.parse((await runCli([...base, '--format', 'sarif'], env)).stdout);
  t.is(sarif.version, '2.1.0');
  t.deepEqual(sarifSchemaErrors(sarif), [], 'valid against the official SARIF 2.1.0 schema');
  t.true(sarif.runs[0].results.length > 0);
  const md = await runCli([...base, '--format', 'markdown'], env);
  t.regex(md.stdout, /\|/);
  const table = await runCli([...base], env);
  t.regex(table.stdout, /FAIL/);
  t.is(table.stderr.split('\n').filter((l) => l.includes('deleted-fn')).length, 1, 'one line for the function that could not be read');
  t.false(table.stderr.includes('\r'), 'no progress bar when stderr is not a terminal');
  // without the deleted function: exit 1 on warn/fail, 0 with --fail-on never
  s.knobs.accessDenied = {};
  const s2 = await startStandin({ functions: [{ name: 'good', code: SAMPLE_10_ZIP, handler: 'lambda_function.lambda_handler', runtime: 'python3.12', tags: {} }] });
  t.teardown(() => s2.close());
  s2.addSecret({ name: 'db/good', rotationEnabled: true, rotationLambdaARN: fnArn('good') });
  t.is((await runCli(['scan', '--no-cache'], cliEnv(s2))).code, 0);
  t.is((await runCli(['scan', '--no-cache', '--format', 'json'], cliEnv(s2))).code, 0);
});

test('CLI scan: listing denied is an error naming the action; empty account says so', async (t) => {
  const s = await startStandin({ knobs: { accessDenied: { ListSecrets: true } } });
  t.teardown(() => s.close());
  const denied = await runCli(['scan', '--no-cache'], cliEnv(s));
  t.is(denied.code, 2);
  t.regex(denied.stderr, /secrets in us-east-1: access denied: secretsmanager:ListSecrets was refused/);
  s.knobs.accessDenied = {};
  const empty = await runCli(['scan', '--no-cache'], cliEnv(s));
  t.is(empty.code, 0);
  t.regex(empty.stdout, /No rotation functions found/);
});

test('CLI scan: Ctrl-C prints what is done and the summary, names the rest, exits 130', async (t) => {
  const { spawn } = await import('node:child_process');
  const { BIN } = await import('./support/cli.js');
  const { s } = await account(30);
  t.teardown(() => s.close());
  s.knobs.latencyMs = 150;
  const child = spawn(process.execPath, [BIN, 'scan', '--region', 'us-east-1', '--region', 'eu-west-1', '--no-cache', '--concurrency', '2', '--format', 'json', '--debug'], {
    env: { PATH: process.env.PATH, ...cliEnv(s) }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  // interrupt once three functions are done, however slow the machine is
  for (let waited = 0; (stderr.match(/^debug: inspected /gm) ?? []).length < 3 && waited < 60_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => child.on('close', r));
  t.is(code, 130, stderr);
  const out = JSON.parse(stdout);
  t.true(out.summary.interrupted);
  t.true(out.reports.length > 0 && out.reports.length < 31, `${out.reports.length} reports`);
  t.is(out.reports.length + out.summary.notInspected.length, 31, 'every discovered function is either reported or named');
  t.regex(stderr, /interrupted: \d+ of 31 discovered function\(s\) were not inspected/);
});

test('--all-regions lists secrets in every commercial region and finds functions wherever they are', async (t) => {
  const { COMMERCIAL_REGIONS } = await import('../src/scan/discovery.js');
  const s = await startStandin({ functions: [{ name: 'far', region: 'ap-southeast-2', code: SAMPLE_10_ZIP, handler: 'lambda_function.lambda_handler', runtime: 'python3.12' }] });
  t.teardown(() => s.close());
  s.addSecret({ name: 'db/far', region: 'ap-southeast-2', rotationEnabled: true, rotationLambdaARN: fnArn('far', 'ap-southeast-2') });
  const r = await runCli(['scan', '--all-regions', '--no-cache', '--format', 'json'], cliEnv(s));
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.is(out.summary.regions.length, COMMERCIAL_REGIONS.length);
  t.deepEqual(out.reports.map((x: { target: { region: string } }) => x.target.region), ['ap-southeast-2']);
  t.is(s.counters.requests.ListSecrets, COMMERCIAL_REGIONS.length);
});
