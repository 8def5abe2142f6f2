import test from 'ava';
import { createServer } from 'node:net';
import { inspectFunctionTarget, type FunctionInspectOptions } from '../src/aws/inspectFunction.js';
import { CODE_URL_SIGNATURE_PREFIX, CODE_URL_TOKEN_PREFIX } from './standin/server.js';
import { buildZip } from './standin/zip.js';
import { ACCOUNT, DEFAULT_CREDENTIALS, SAMPLE_10_ZIP, SAMPLE_94_ZIP, cliEnv, fnArn, largeBundle, layerArn, sampleEntries, startStandin, type Standin } from './support/aws.js';
import { runCli } from './support/cli.js';
import { SAMPLE_10, SAMPLE_94 } from './support/fixtures.js';

process.env.AWS_ACCESS_KEY_ID = DEFAULT_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = DEFAULT_CREDENTIALS.secretAccessKey;
process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';

const fast = { mode: 'configured', maxAttempts: 4, delayMs: 5 } as const;
const opts = (s: Standin, more: Partial<FunctionInspectOptions> = {}): FunctionInspectOptions => ({ region: 'us-east-1', endpointUrl: s.endpoint, retry: fast, ...more });

const OLD_STACK = { name: 'SecretsManagerRDSPostgreSQLRotationSingleUser-old', creationTime: '2021-06-01T10:00:00Z', tags: { 'serverlessrepo:applicationId': 'arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser', 'serverlessrepo:semanticVersion': '1.1.60' } };

function oldFunction(name = 'my-rotation-fn') {
  return {
    name, runtime: 'python3.9', handler: 'lambda_function.lambda_handler', code: SAMPLE_94_ZIP,
    tags: { 'aws:cloudformation:stack-name': OLD_STACK.name, 'aws:cloudformation:logical-id': 'SecretsManagerRDSPostgreSQLRotationSingleUser' },
  };
}

/** Every fake secret the stand-in issued, plus the test credentials: none may appear in any output. */
function assertNothingSecret(t: import('ava').ExecutionContext, s: Standin, ...texts: string[]) {
  const all = texts.join('\n');
  for (const secret of [...s.issuedSecrets(), DEFAULT_CREDENTIALS.secretAccessKey, DEFAULT_CREDENTIALS.accessKeyId]) {
    t.false(all.includes(secret), `leaked ${secret.slice(0, 6)}…`);
  }
  t.false(all.includes(CODE_URL_TOKEN_PREFIX), 'no presigned token');
  t.false(all.includes(`X-Amz-Signature=${CODE_URL_SIGNATURE_PREFIX}`), 'no presigned signature');
  t.false(/X-Amz-(Signature|Security-Token|Credential)=(?!<redacted>)/.test(all), 'no presigned query string');
}

test('inspect my-rotation-fn: offline verdicts plus the stack\'s creation date and SAR application', async (t) => {
  const s = await startStandin({ functions: [oldFunction()], stacks: [OLD_STACK] });
  t.teardown(() => s.close());
  const r = await inspectFunctionTarget('my-rotation-fn', opts(s));
  t.deepEqual(r.errors, []);
  t.like(r.target, { type: 'function', id: fnArn('my-rotation-fn'), region: 'us-east-1', size: SAMPLE_94_ZIP.length });
  t.like(r.created, { date: '2021-06-01T10:00:00.000Z', source: 'cloudformation', stack: OLD_STACK.name });
  t.deepEqual((r.created as { application?: unknown }).application, { id: OLD_STACK.tags['serverlessrepo:applicationId'], semanticVersion: '1.1.60' });
  t.regex((r.created as { stackId: string }).stackId, /^arn:aws:cloudformation:us-east-1:123456789012:stack\//);
  t.deepEqual(r.checks.map((c) => c.status), ['fail', 'fail']);
  t.regex(r.checks[0]!.summary, /created 2021-06-01.*before 2021-12-30/);
  t.is(r.libraries[0]!.installPath, '/var/task/libpq.so.5');
  t.is(r.loader?.loads, '/var/task/libpq.so.5');
  t.like(r.function, { name: 'my-rotation-fn', runtime: 'python3.9', handler: 'lambda_function.lambda_handler', packageType: 'Zip' });
});

test('the same report offline and live: libraries and checks agree', async (t) => {
  const s = await startStandin({ functions: [{ ...oldFunction(), code: SAMPLE_10_ZIP, tags: {} }] });
  t.teardown(() => s.close());
  const live = await inspectFunctionTarget(fnArn('my-rotation-fn'), opts(s));
  const { inspectLocal } = await import('../src/report/inspectLocal.js');
  const offline = await inspectLocal(SAMPLE_10);
  t.deepEqual(live.libraries, offline.libraries);
  t.deepEqual(live.handler, offline.handler);
  t.deepEqual(live.checks.map((c) => c.status), offline.checks.map((c) => c.status));
  t.like(live.created, { date: null, source: null });
  t.regex((live.created as { note: string }).note, /no aws:cloudformation:stack-name tag/);
});

test('a 25 MB bundle: under 1% of it crosses the wire', async (t) => {
  const code = await largeBundle(SAMPLE_94, 25);
  const s = await startStandin({ functions: [{ ...oldFunction(), code }], stacks: [OLD_STACK] });
  t.teardown(() => s.close());
  const r = await inspectFunctionTarget('my-rotation-fn', opts(s));
  t.deepEqual(r.errors, []);
  t.is(r.checks[0]!.status, 'fail');
  t.is(r.target.size, code.length);
  t.is(r.target.bytesRead, s.counters.codeBytesServed);
  const share = s.counters.codeBytesServed / code.length;
  t.log(`read ${s.counters.codeBytesServed} of ${code.length} bytes (${(share * 100).toFixed(3)}%) in ${s.counters.codeRequests} requests`);
  t.true(share < 0.01, `${(share * 100).toFixed(2)}%`);
  t.true(s.counters.codeRequests <= 6);
});

test('a server that ignores Range: one whole download, same verdicts, sizes and CRCs checked', async (t) => {
  const s = await startStandin({ functions: [oldFunction()], stacks: [OLD_STACK], knobs: { ignoreRange: true } });
  t.teardown(() => s.close());
  const r = await inspectFunctionTarget('my-rotation-fn', opts(s));
  t.deepEqual(r.errors, []);
  t.is(r.checks[0]!.status, 'fail');
  t.is(s.counters.codeRequests, 1);
  t.is(r.target.bytesRead, SAMPLE_94_ZIP.length);
});

test('an expired presigned location (403) is fetched afresh once', async (t) => {
  const s = await startStandin({ functions: [oldFunction()], stacks: [OLD_STACK], knobs: { expireCodeUrls: 1 } });
  t.teardown(() => s.close());
  const r = await inspectFunctionTarget('my-rotation-fn', opts(s));
  t.deepEqual(r.errors, []);
  t.is(s.counters.requests.GetFunction, 2, 'GetFunction again for a fresh URL');
  t.true(s.counters.log.some((l) => l.op === 'Code' && l.status === 403));
});

test('a location that stays forbidden: one clear error, no query string', async (t) => {
  const s = await startStandin({ functions: [oldFunction()], stacks: [OLD_STACK], knobs: { expireCodeUrls: 5 } });
  t.teardown(() => s.close());
  const r = await inspectFunctionTarget('my-rotation-fn', opts(s));
  t.is(r.errors[0]?.code, 'code-url-expired');
  t.regex(r.errors[0]!.message, /^my-rotation-fn code: the code location refused the download \(HTTP 403: expired or not allowed\) \(http:\/\/127\.0\.0\.1:\d+\/code\/[\w-]+\)$/);
  assertNothingSecret(t, s, JSON.stringify(r));
});

test('layers: a libpq in a layer counts, names its layer, and the loader picks /var/task first', async (t) => {
  const layerZip = buildZip((await sampleEntries(SAMPLE_94)).filter((e) => e.name === 'libpq.so.5').map((e) => ({ ...e, name: 'lib/libpq.so.5' })));
  const arn = layerArn('old-libpq', 3);
  const s = await startStandin({ functions: [{ ...oldFunction(), code: SAMPLE_10_ZIP, layers: [arn] }], layers: [{ arn, code: layerZip }], stacks: [OLD_STACK] });
  t.teardown(() => s.close());
  const r = await inspectFunctionTarget('my-rotation-fn', opts(s));
  t.deepEqual(r.errors, []);
  const layerLib = r.libraries.find((l) => l.layer === arn);
  t.like(layerLib, { path: 'lib/libpq.so.5', installPath: '/opt/lib/libpq.so.5' });
  t.is(layerLib?.version.value, '9.4.26');
  t.is(r.loader?.loads, '/var/task/libpq.so.5');
  t.is(r.checks[0]!.status, 'pass', 'the loaded libpq (10) is judged, not the layer\'s');
  t.regex(r.loader!.reason, /\/var\/task/);
  t.deepEqual(r.function?.layers.map((l) => l.arn), [arn]);
});

test('layers: when only the layer has libpq.so.5, the layer\'s is loaded and judged', async (t) => {
  const entries = (await sampleEntries(SAMPLE_10)).filter((e) => e.name !== 'libpq.so.5');
  const layerZip = buildZip((await sampleEntries(SAMPLE_94)).filter((e) => e.name === 'libpq.so.5').map((e) => ({ ...e, name: 'lib/libpq.so.5' })));
  const arn = layerArn('old-libpq', 1);
  const s = await startStandin({ functions: [{ ...oldFunction(), code: buildZip(entries), layers: [arn], tags: {} }], layers: [{ arn, code: layerZip }] });
  t.teardown(() => s.close());
  const r = await inspectFunctionTarget('my-rotation-fn', opts(s));
  t.is(r.loader?.loads, '/opt/lib/libpq.so.5');
  t.is(r.checks[0]!.status, 'fail');
});

test('container-image function: not-applicable, not an error', async (t) => {
  const s = await startStandin({ functions: [{ name: 'img-fn', packageType: 'Image', imageUri: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/rot:1` }] });
  t.teardown(() => s.close());
  const r = await inspectFunctionTarget('img-fn', opts(s));
  t.deepEqual(r.errors, []);
  t.deepEqual(r.checks.map((c) => c.status), ['not-applicable', 'not-applicable']);
  t.regex(r.checks[0]!.summary, /Container-image function/);
});

test('a function ARN from another region is read in its own region', async (t) => {
  const s = await startStandin({ functions: [{ ...oldFunction('eu-fn'), region: 'eu-west-1', tags: {} }] });
  t.teardown(() => s.close());
  const r = await inspectFunctionTarget(fnArn('eu-fn', 'eu-west-1'), opts(s, { region: 'us-east-1' }));
  t.deepEqual(r.errors, []);
  t.is(r.target.region, 'eu-west-1');
});

test('throttling, 5xx and truncated bodies are absorbed by the SDK retry strategy', async (t) => {
  const s = await startStandin({
    functions: [oldFunction()], stacks: [OLD_STACK],
    knobs: { retryAfterSeconds: 0, throttle: { GetFunction: 2, DescribeStacks: 1, Code: 1 }, serverErrors: { GetFunction: 1 }, truncateBodies: { Code: 1 } },
  });
  t.teardown(() => s.close());
  const r = await inspectFunctionTarget('my-rotation-fn', opts(s));
  t.deepEqual(r.errors, []);
  t.is(r.checks[0]!.status, 'fail');
  t.true(s.counters.throttled >= 3);
  t.true(s.counters.requests.GetFunction! >= 4);
});

test('a missing stack: created is unknown and says why', async (t) => {
  const s = await startStandin({ functions: [oldFunction()] });
  t.teardown(() => s.close());
  const r = await inspectFunctionTarget('my-rotation-fn', opts(s));
  t.deepEqual(r.errors, []);
  t.like(r.created, { date: null, source: null, stack: OLD_STACK.name });
  t.regex((r.created as { note: string }).note, /no longer exists/);
  t.is(r.checks[0]!.status, 'fail', 'the binary still decides');
});

test('--created overrides the stack date', async (t) => {
  const s = await startStandin({ functions: [oldFunction()], stacks: [OLD_STACK] });
  t.teardown(() => s.close());
  const r = await inspectFunctionTarget('my-rotation-fn', opts(s, { created: '2023-01-01' }));
  t.deepEqual(r.created, { date: '2023-01-01', source: 'flag' });
  t.is(s.counters.requests.DescribeStacks ?? 0, 0);
});

const closedPort = () => new Promise<number>((resolve) => {
  const srv = createServer();
  srv.listen(0, '127.0.0.1', () => { const { port } = srv.address() as { port: number }; srv.close(() => resolve(port)); });
});

test('CLI: every error a user can act on, one line each, exit 2, nothing secret', async (t) => {
  const s = await startStandin({ functions: [oldFunction(), oldFunction('denied-fn')], stacks: [OLD_STACK] });
  t.teardown(() => s.close());
  const cases: Array<[string, () => void, string[], RegExp]> = [
    ['missing', () => {}, ['inspect', 'no-such-fn'], /^rotation-inspector: no-such-fn: no such function in us-east-1 \(lambda:GetFunction\)( \[function-not-found\])?$/],
    ['denied', () => { s.knobs.accessDenied = { GetFunction: true }; }, ['inspect', 'denied-fn'], /^rotation-inspector: denied-fn: access denied: lambda:GetFunction was refused; grant it/],
    // a refused DescribeStacks is a warning when the binary decides: test/optional-calls.test.ts
    ['bad credentials', () => { s.knobs.accessDenied = {}; s.knobs.invalidCredentials = true; }, ['inspect', 'my-rotation-fn'], /AWS rejected the credentials for lambda:GetFunction: The security token included in the request is invalid/],
    ['expired', () => { s.knobs.invalidCredentials = false; s.knobs.expiredToken = true; }, ['inspect', 'my-rotation-fn'], /the AWS credentials have expired; refresh them/],
  ];
  for (const [name, arrange, args, expected] of cases) {
    arrange();
    const r = await runCli([...args, '--debug'], cliEnv(s));
    t.is(r.code, 2, name);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('rotation-inspector: '));
    t.true(lines.some((l) => expected.test(l)), `${name}: ${r.stderr}`);
    t.false(r.stderr.includes('    at '), `${name}: no stack trace`);
    assertNothingSecret(t, s, r.stdout, r.stderr);
  }
  const port = await closedPort();
  const down = await runCli(['inspect', 'my-rotation-fn'], cliEnv(s, { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_MAX_ATTEMPTS: '1' }));
  t.is(down.code, 2);
  t.regex(down.stderr, /my-rotation-fn: cannot reach .*ECONNREFUSED/);
});

test('CLI: --endpoint-url, --region and --profile (shared credentials file) work; --debug stays clean', async (t) => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'ri-aws-'));
  writeFileSync(join(dir, 'credentials'), `[audit]\naws_access_key_id = ${DEFAULT_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${DEFAULT_CREDENTIALS.secretAccessKey}\n`);
  writeFileSync(join(dir, 'config'), '[profile audit]\nregion = us-east-1\n');
  const s = await startStandin({ functions: [oldFunction()], stacks: [OLD_STACK], knobs: { expireCodeUrls: 1 } });
  t.teardown(() => s.close());
  const env = {
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_CONFIG_FILE: join(dir, 'config'), AWS_EC2_METADATA_DISABLED: 'true',
  };
  const r = await runCli(['inspect', 'my-rotation-fn', '--profile', 'audit', '--endpoint-url', s.endpoint, '--format', 'json', '--debug'], env);
  t.is(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  t.is(report.target.id, fnArn('my-rotation-fn'));
  t.regex(r.stderr, /debug: lambda:GetFunction my-rotation-fn in us-east-1/);
  t.false(r.stderr.includes('NodeVersionSupportWarning'), 'the SDK\'s Node-version warning is silenced');
  assertNothingSecret(t, s, r.stdout, r.stderr);
  const wrongRegion = await runCli(['inspect', 'my-rotation-fn', '--profile', 'audit', '--region', 'eu-west-1', '--endpoint-url', s.endpoint], env);
  t.regex(wrongRegion.stderr, /my-rotation-fn: no such function in eu-west-1/);
});

test('CLI: an offline inspection never loads the AWS SDK', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const hook = `data:text/javascript,${encodeURIComponent(`
    import { register } from 'node:module';
    register('data:text/javascript,' + encodeURIComponent('export async function resolve(s, c, n) { if (s.includes("@aws-sdk") || s.includes("@smithy")) process.stderr.write("LOADED " + s + "\\\\n"); return n(s, c); }'));
  `)}`;
  const { BIN } = await import('./support/cli.js');
  const r = spawnSync(process.execPath, ['--import', hook, BIN, 'inspect', SAMPLE_94], { encoding: 'utf8', env: { PATH: process.env.PATH, NO_COLOR: '1' } });
  t.is(r.status, 1, r.stderr);
  t.false(r.stderr.includes('LOADED'), r.stderr);
  const live = spawnSync(process.execPath, ['--import', hook, BIN, 'inspect', 'some-fn', '--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:9'], { encoding: 'utf8', env: { PATH: process.env.PATH, AWS_EC2_METADATA_DISABLED: 'true', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_MAX_ATTEMPTS: '1' } });
  t.true(live.stderr.includes('LOADED @aws-sdk/client-lambda'), 'the hook does see SDK loads');
});
