import test from 'ava';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectFunctionTarget, type FunctionInspectOptions } from '../src/aws/inspectFunction.js';
import { cacheKey, entryPath } from '../src/scan/findingsCache.js';
import { INSPECTOR_VERSION } from '../src/version.js';
import { SAMPLE_94_ZIP, cliEnv, fnArn, startStandin, useTestCredentials, type Standin } from './support/aws.js';
import { runCli } from './support/cli.js';

useTestCredentials();

const fast = { mode: 'configured', maxAttempts: 2, delayMs: 5 } as const;
const opts = (s: Standin, more: Partial<FunctionInspectOptions> = {}): FunctionInspectOptions => ({ region: 'us-east-1', endpointUrl: s.endpoint, retry: fast, ...more });
const HANDLER = 'lambda_function.lambda_handler';
const fn = (name: string) => ({ name, runtime: 'python3.9', handler: HANDLER, code: SAMPLE_94_ZIP });
const CODE_SHA = createHash('sha256').update(SAMPLE_94_ZIP).digest('base64');

type Answer = Record<string, Record<string, unknown> | undefined>;
const rewriteJson = (f: (o: Answer) => unknown) => (b: Buffer) => JSON.stringify(f(JSON.parse(b.toString()) as Answer));

const getFunctionShapes: Array<[string, (b: Buffer) => Buffer | string, RegExp]> = [
  ['a string CodeSize', rewriteJson((o) => { o.Configuration!.CodeSize = '22'; return o; }), /expected a whole number at Configuration\.CodeSize, found the string "22"/],
  ['a null Location', rewriteJson((o) => { o.Code!.Location = null; return o; }), /expected a string at Code\.Location, found nothing/],
  ['no Code', rewriteJson((o) => { delete o.Code; return o; }), /expected an object at Code, found nothing/],
  ['an empty answer', () => '{}', /expected an object at Configuration, found nothing/],
  ['Layers that is a string', rewriteJson((o) => { o.Configuration!.Layers = 'arn'; return o; }), /expected an array at Configuration\.Layers, found the string "arn"/],
  ['a number for a tag value', rewriteJson((o) => ({ ...o, Tags: { team: 5 } })), /expected a string at Tags\.team, found a whole number/],
  ['a negative CodeSize', rewriteJson((o) => { o.Configuration!.CodeSize = -1; return o; }), /expected a whole number at Configuration\.CodeSize, found a whole number/],
];

for (const [title, rewrite, expected] of getFunctionShapes) {
  test(`GetFunction with ${title}: a bad-answer error naming the API and the field, no verdict`, async (t) => {
    const s = await startStandin({ functions: [fn('odd-fn')], knobs: { hostile: { GetFunction: { mode: 'rewrite', rewrite } } } });
    t.teardown(() => s.close());
    const r = await inspectFunctionTarget('odd-fn', opts(s));
    t.is(r.errors[0]?.code, 'bad-answer', JSON.stringify(r.errors));
    t.regex(r.errors[0]!.message, /^odd-fn: lambda:GetFunction answer: /);
    t.regex(r.errors[0]!.message, expected);
    t.deepEqual(r.checks.map((c) => c.status), ['unknown', 'unknown']);
  });
}

test('GetLayerVersion with a string CodeSize: that layer\'s error, the rest of the function read', async (t) => {
  const arn = 'arn:aws:lambda:us-east-1:123456789012:layer:odd:1';
  const s = await startStandin({ functions: [{ ...fn('layered'), layers: [arn] }], layers: [{ arn, code: SAMPLE_94_ZIP }] });
  t.teardown(() => s.close());
  s.knobs.hostile = { GetLayerVersionByArn: { mode: 'rewrite', rewrite: rewriteJson((o) => { o.Content!.CodeSize = 'big'; return o; }) } };
  const r = await inspectFunctionTarget('layered', opts(s));
  // the code's own libpq loads before any layer's, so the unread layer is a warning
  t.is(r.warnings?.length, 1);
  t.is(r.warnings![0]!.code, 'bad-answer');
  t.regex(r.warnings![0]!.message, new RegExp(`^${arn}: lambda:GetLayerVersion answer: expected a whole number at Content\\.CodeSize, found the string "big"$`));
  t.is(r.checks[0]!.status, 'fail', 'the code\'s own libpq 9.4 still decides');
});

test('CLI scan: a malformed GetFunction answer is that function\'s error; no stack trace, not "interrupted", the others inspected', async (t) => {
  const s = await startStandin({
    functions: [fn('odd-1'), fn('fine-2')],
    secrets: [{ name: 'db/1', rotationEnabled: true, rotationLambdaARN: fnArn('odd-1') }, { name: 'db/2', rotationEnabled: true, rotationLambdaARN: fnArn('fine-2') }],
  });
  t.teardown(() => s.close());
  s.knobs.hostile = { GetFunction: { mode: 'rewrite', times: 1, rewrite: rewriteJson((o) => { o.Configuration!.CodeSize = '22'; return o; }) } };
  const r = await runCli(['scan', '--no-cache', '--format', 'json', '--concurrency', '1'], cliEnv(s, { AWS_MAX_ATTEMPTS: '1' }));
  t.is(r.code, 2, r.stderr);
  t.false(r.stderr.includes('    at '), r.stderr);
  const out = JSON.parse(r.stdout) as { reports: Array<{ target: { id: string }; errors: Array<{ code: string }>; checks: Array<{ status: string }> }>; summary: { interrupted: boolean } };
  t.false(out.summary.interrupted);
  t.is(out.reports.length, 2);
  const odd = out.reports.find((x) => x.errors.length > 0)!;
  t.is(odd.errors[0]!.code, 'bad-answer');
  t.true(out.reports.some((x) => x.errors.length === 0 && x.checks[0]!.status === 'fail'));
});

test('ListSecrets with a number for a secret name: that region\'s listing error, named', async (t) => {
  const s = await startStandin({ functions: [fn('f')], secrets: [{ name: 'db/f', rotationEnabled: true, rotationLambdaARN: fnArn('f') }] });
  t.teardown(() => s.close());
  s.knobs.hostile = { ListSecrets: { mode: 'rewrite', rewrite: rewriteJson((o) => { (o.SecretList as unknown as Array<Record<string, unknown>>)[0]!.Name = 7; return o; }) } };
  const r = await runCli(['scan', '--no-cache'], cliEnv(s));
  t.is(r.code, 2);
  t.regex(r.stderr, /secrets in us-east-1: secretsmanager:ListSecrets answer: expected a string at SecretList\[0\]\.Name, found a whole number/);
});

// ---- the on-disk cache ------------------------------------------------------------------------

/** A well-formed entry that says the 9.4 bundle holds libpq 15: a forged PASS if it were trusted. */
function forgedEntry() {
  const library = {
    path: 'libpq.so.5', aliases: [], installPath: '/var/task/libpq.so.5', size: 1, machine: 'x86-64', class: 64, endianness: 'little',
    soname: 'libpq.so.5', runpath: null, rpath: null, needed: [], exportedFunctions: 1, highest: 15,
    version: { value: '15.18', major: 15, exact: true, atLeast: 15, evidence: [{ source: 'PQlibVersion', value: '15.18', detail: 'forged' }], conflicts: [] },
  };
  return { inspectorVersion: INSPECTOR_VERSION, sha256: CODE_SHA, discriminator: `function\0${HANDLER}`, createdAt: new Date().toISOString(), value: { libraries: [library], handler: null, handlerError: 'x', errors: [] } };
}

async function plant(dir: string, entry: unknown, mode = 0o700) {
  const file = entryPath(dir, cacheKey(CODE_SHA, `function\0${HANDLER}`));
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  await writeFile(file, typeof entry === 'string' ? entry : JSON.stringify(entry), { mode: 0o600 });
  await chmod(dir, mode);
  return file;
}

async function scanWithCache(t: import('ava').ExecutionContext, dir: string) {
  const s = await startStandin({ functions: [fn('cached-fn')], secrets: [{ name: 'db/c', rotationEnabled: true, rotationLambdaARN: fnArn('cached-fn') }] });
  t.teardown(() => s.close());
  const r = await runCli(['scan', '--cache-dir', dir, '--format', 'json', '--debug'], cliEnv(s));
  return { r, s, report: (JSON.parse(r.stdout) as { reports: Array<{ checks: Array<{ status: string }> }> }).reports[0]! };
}

async function tempDir(t: import('ava').ExecutionContext) {
  const root = await mkdtemp(join(tmpdir(), 'ri-hostile-cache-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  return root;
}

test('cache: a planted verdict in a group/other-writable directory is not used; the run says why once and reads the code', async (t) => {
  if (process.platform === 'win32') { t.pass('POSIX modes only'); return; }
  const dir = join(await tempDir(t), 'cache');
  await plant(dir, forgedEntry(), 0o777);
  const { r, s, report } = await scanWithCache(t, dir);
  t.is((r.stderr.match(/cache not used: .*cache is writable by group or others \(mode 777\); going on without it/g) ?? []).length, 1, r.stderr);
  t.is(report.checks[0]!.status, 'fail', 'the code was read, not the planted entry');
  t.true((s.counters.requests.Code ?? 0) > 0);
});

test('cache: a directory that is a symlink is not used', async (t) => {
  if (process.platform === 'win32') { t.pass('POSIX only'); return; }
  const root = await tempDir(t);
  await plant(join(root, 'real'), forgedEntry());
  await symlink(join(root, 'real'), join(root, 'cache'));
  const { r, report } = await scanWithCache(t, join(root, 'cache'));
  t.regex(r.stderr, /cache not used: .*cache is a symbolic link/);
  t.is(report.checks[0]!.status, 'fail');
});

const garbled: Array<[string, unknown]> = [
  ['not JSON', '{"inspectorVersion": '],
  ['libraries as a string', { ...forgedEntry(), value: { libraries: 'libpq', handler: null, errors: [] } }],
  ['a version with a string major', (() => { const e = forgedEntry(); (e.value.libraries[0]!.version as { major: unknown }).major = '15'; return e; })()],
  ['another CodeSha256 than it is filed under', { ...forgedEntry(), sha256: 'AAAA' }],
  ['an unread bundle', { ...forgedEntry(), value: { libraries: [], handler: null, errors: [], unread: 'x' } }],
  ['null value', { ...forgedEntry(), value: null }],
];

for (const [title, entry] of garbled) {
  test(`cache: an entry with ${title} is discarded and the code read again, no stack trace`, async (t) => {
    const dir = join(await tempDir(t), 'cache');
    await plant(dir, entry);
    const { r, s, report } = await scanWithCache(t, dir);
    t.is(r.code, 1, r.stderr);
    t.false(r.stderr.includes('    at '));
    t.is(report.checks[0]!.status, 'fail');
    t.true((s.counters.requests.Code ?? 0) > 0, 're-fetched');
    t.regex(r.stderr, /0 cache hits/);
  });
}

test('cache: a well-formed entry in a safe directory is used (the validation is not a blanket miss)', async (t) => {
  const dir = join(await tempDir(t), 'cache');
  await plant(dir, forgedEntry());
  const { r, s, report } = await scanWithCache(t, dir);
  t.regex(r.stderr, /1 cache hits/);
  t.is(s.counters.requests.Code ?? 0, 0);
  t.is(report.checks[0]!.status, 'pass', 'what an owner-only cache holds is trusted');
});

test('cache: what bundleFindings produces passes the field-by-field check after a JSON round trip (samples, layers, real libpq)', async (t) => {
  const { openLocalBundle } = await import('../src/bundle/openBundle.js');
  const { bundleFindings, cachedFindings } = await import('../src/report/bundleFindings.js');
  const { fixtureFiles, SAMPLE_10, SAMPLE_94 } = await import('./support/fixtures.js');
  const targets = [SAMPLE_94, SAMPLE_10, ...fixtureFiles('zip/good'), ...fixtureFiles('libpq').filter((f) => /\.so\.5/.test(f)).slice(0, 4)];
  for (const target of targets) {
    const bundle = await openLocalBundle(target);
    const f = await bundleFindings(bundle, { handler: HANDLER, placeLibrary: (p) => ({ installPath: `/var/task/${p}` }) });
    await bundle.close();
    const back = cachedFindings(JSON.parse(JSON.stringify(f)));
    t.truthy(back, `${target}: a fresh entry must be accepted`);
    t.deepEqual(back, f, target);
  }
});

test('scan pool: a failure nothing foresaw inside one function\'s inspection is that function\'s error; no rejection escapes', async (t) => {
  const { scanAccount } = await import('../src/scan/scanAccount.js');
  const s = await startStandin({
    functions: [fn('boom-1'), fn('calm-2')],
    secrets: [{ name: 'db/1', rotationEnabled: true, rotationLambdaARN: fnArn('boom-1') }, { name: 'db/2', rotationEnabled: true, rotationLambdaARN: fnArn('calm-2') }],
  });
  t.teardown(() => s.close());
  const escaped: unknown[] = [];
  const onRejection = (e: unknown) => { escaped.push(e); };
  process.on('unhandledRejection', onRejection);
  t.teardown(() => { process.off('unhandledRejection', onRejection); });
  const result = await scanAccount({
    regions: ['us-east-1'], allRegions: false, concurrency: 2, endpointUrl: s.endpoint, retry: fast,
    // a debug sink that throws for one function stands for any bug inside an inspection
    debug: (line) => { if (line.startsWith('boom-1: read')) throw new Error('sink failed'); },
    onInspected: () => { throw new Error('progress failed'); },
  });
  await new Promise((r) => setTimeout(r, 50));
  t.deepEqual(escaped, []);
  t.is(result.reports.length, 2);
  const boom = result.reports.find((r) => r.target.id.endsWith('boom-1'))!;
  t.deepEqual(boom.errors.map((e) => e.code), ['error']);
  t.regex(boom.errors[0]!.message, /sink failed/);
  t.deepEqual(boom.checks.map((c) => c.status), ['unknown', 'unknown']);
  t.deepEqual(result.reports.find((r) => r.target.id.endsWith('calm-2'))!.errors, []);
});
