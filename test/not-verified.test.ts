import test from 'ava';
import { inspectFunctionTarget, newInspectContext, type FunctionInspectOptions } from '../src/aws/inspectFunction.js';
import { scanAccount } from '../src/scan/scanAccount.js';
import { buildZip } from './standin/zip.js';
import { SAMPLE_10_ZIP, SAMPLE_94_ZIP, cliEnv, fnArn, layerArn, sampleEntries, startStandin, useTestCredentials, type Standin } from './support/aws.js';
import { runCli } from './support/cli.js';
import { SAMPLE_10 } from './support/fixtures.js';

useTestCredentials();

// One attempt: a failed download stays failed.
const once = { mode: 'configured', maxAttempts: 1, delayMs: 1 } as const;
const opts = (s: Standin, more: Partial<FunctionInspectOptions> = {}): FunctionInspectOptions => ({ region: 'us-east-1', endpointUrl: s.endpoint, retry: once, ...more });
const fn = (name: string, code: Buffer, more: object = {}) => ({ name, runtime: 'python3.9', handler: 'lambda_function.lambda_handler', code, ...more });

test('a failed download is not "no libpq": both checks unknown with the cause, the report has the error', async (t) => {
  const s = await startStandin({ functions: [fn('fn-a', SAMPLE_10_ZIP)], knobs: { accessDenied: { Code: true } } });
  t.teardown(() => s.close());
  const r = await inspectFunctionTarget('fn-a', opts(s));
  t.is(r.errors[0]?.code, 'code-url-expired');
  t.deepEqual(r.checks.map((c) => c.status), ['unknown', 'unknown']);
  for (const c of r.checks) {
    t.regex(c.summary, /^Not verified: a bundle of this function could not be read \(fn-a code: the code location refused/);
    t.false(/No libpq/.test(c.summary));
  }
});

test('a failed layer read that could hold the loaded libpq: "not verified", never "no libpq"', async (t) => {
  const arn = layerArn('lost', 1);
  // the function's own code ships no libpq: the layer's could be the one that loads
  const code = buildZip((await sampleEntries(SAMPLE_10)).filter((e) => e.name !== 'libpq.so.5'));
  const s = await startStandin({ functions: [fn('fn-l', code, { layers: [arn] })], layers: [{ arn, code: buildZip([{ name: 'lib/x.txt', data: 'x' }]) }] });
  t.teardown(() => s.close());
  s.knobs.accessDenied = { GetLayerVersionByArn: true };
  const r = await inspectFunctionTarget('fn-l', opts(s));
  t.is(r.errors[0]?.code, 'access-denied');
  t.is(r.checks[0]!.status, 'unknown', 'scram: the layer was not read');
  t.regex(r.checks[0]!.summary, /Not verified: .*lambda:GetLayerVersion/);
});

test('a failed layer read that cannot matter (the code\'s own libpq loads first): a warning, the verdict stands', async (t) => {
  const arn = layerArn('lost', 2);
  const s = await startStandin({ functions: [fn('fn-m', SAMPLE_10_ZIP, { layers: [arn] })], layers: [{ arn, code: buildZip([{ name: 'lib/x.txt', data: 'x' }]) }] });
  t.teardown(() => s.close());
  s.knobs.accessDenied = { GetLayerVersionByArn: true };
  const r = await inspectFunctionTarget('fn-m', opts(s));
  t.deepEqual(r.errors, []);
  t.is(r.warnings?.[0]?.code, 'access-denied');
  t.is(r.checks[0]!.status, 'pass');
});

test('functions sharing a CodeSha256: one failed download is not copied to the other, which tries its own URL', async (t) => {
  const s = await startStandin({ functions: [fn('twin-1', SAMPLE_94_ZIP), fn('twin-2', SAMPLE_94_ZIP), fn('twin-3', SAMPLE_94_ZIP)], knobs: { serverErrors: { Code: 1 } } });
  t.teardown(() => s.close());
  const context = newInspectContext(opts(s));
  const first = await inspectFunctionTarget('twin-1', opts(s), context);
  const second = await inspectFunctionTarget('twin-2', opts(s), context);
  const third = await inspectFunctionTarget('twin-3', opts(s), context);
  await context.session.destroy();
  t.is(first.errors[0]?.code, 'code-download-failed');
  t.deepEqual(first.checks.map((c) => c.status), ['unknown', 'unknown']);
  t.deepEqual(second.errors, [], 'twin-2 read its own URL');
  t.deepEqual(second.checks.map((c) => c.status), ['fail', 'fail']);
  t.deepEqual(third.errors, []);
  t.is(context.counters.codeDownloads, 2, 'the third twin takes the successful read');
});

test('concurrent twins in a scan: a failure is retried on the next URL, a success shared', async (t) => {
  const names = ['c1', 'c2', 'c3', 'c4'];
  const s = await startStandin({
    functions: names.map((n) => fn(n, SAMPLE_94_ZIP)),
    secrets: names.map((n) => ({ name: `db/${n}`, rotationEnabled: true, rotationLambdaARN: fnArn(n) })),
    knobs: { serverErrors: { Code: 1 } },
  });
  t.teardown(() => s.close());
  const result = await scanAccount({ regions: ['us-east-1'], allRegions: false, concurrency: 4, endpointUrl: s.endpoint, retry: once });
  const failed = result.reports.filter((r) => r.errors.length > 0);
  t.is(failed.length, 1, 'only the function whose own URL failed');
  t.deepEqual(failed[0]!.checks.map((c) => c.status), ['unknown', 'unknown']);
  t.true(result.reports.filter((r) => r.errors.length === 0).every((r) => r.checks[0]!.status === 'fail'));
  t.is(result.counters.codeDownloads, 2);
});

test('CLI: a failed download exits 2 and no output format shows a verdict of absence', async (t) => {
  const s = await startStandin({ functions: [fn('fn-a', buildZip(await sampleEntries(SAMPLE_10)))], knobs: { accessDenied: { Code: true } } });
  t.teardown(() => s.close());
  const json = await runCli(['inspect', 'fn-a', '--format', 'json'], cliEnv(s, { AWS_MAX_ATTEMPTS: '1' }));
  t.is(json.code, 2, json.stderr);
  const report = JSON.parse(json.stdout) as { checks: Array<{ status: string }> };
  t.deepEqual(report.checks.map((c) => c.status), ['unknown', 'unknown']);
  const table = await runCli(['inspect', 'fn-a'], cliEnv(s, { AWS_MAX_ATTEMPTS: '1' }));
  t.is(table.code, 2);
  t.false(/not-applicable|No libpq/i.test(table.stdout), table.stdout);
});
