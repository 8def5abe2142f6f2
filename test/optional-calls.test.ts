import test from 'ava';
import { buildZip } from './standin/zip.js';
import { runCli } from './support/cli.js';
import { SAMPLE_10_ZIP, SAMPLE_94_ZIP, cliEnv, layerArn, sampleEntries, startStandin } from './support/aws.js';
import { SAMPLE_94 } from './support/fixtures.js';

// Exit 2 means "could not judge". A refused optional call (the stack's
// creation date, a layer) that cannot change a verdict is a warning in the
// report; when a verdict does depend on it, it stays an error.

const STACK = { name: 'SecretsManagerRDSPostgreSQLRotationSingleUser-old', creationTime: '2021-06-01T10:00:00Z' };
const stackTags = { 'aws:cloudformation:stack-name': STACK.name };
const fn = (name: string, code: Buffer, more: Record<string, unknown> = {}) => ({ name, runtime: 'python3.9', handler: 'lambda_function.lambda_handler', code, tags: stackTags, ...more });

test('DescribeStacks refused while the binary and the code decide: definite verdicts, a warning, exit 1 (not 2)', async (t) => {
  const s = await startStandin({ functions: [fn('old-fn', SAMPLE_94_ZIP), fn('new-fn', SAMPLE_10_ZIP)], stacks: [STACK], knobs: { accessDenied: { DescribeStacks: true } } });
  t.teardown(() => s.close());
  const r = await runCli(['inspect', 'old-fn', '--format', 'json'], cliEnv(s));
  t.is(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  t.deepEqual(report.checks.map((c: { status: string }) => c.status), ['fail', 'fail']);
  t.deepEqual(report.errors, []);
  t.is(report.warnings.length, 1);
  t.is(report.warnings[0].code, 'access-denied');
  t.regex(report.warnings[0].message, /cloudformation:DescribeStacks was refused/);
  t.like(report.created, { date: null, source: null, stack: STACK.name });
  t.regex(r.stderr, /^rotation-inspector: warning: arn:aws:lambda:us-east-1:\d{12}:function:old-fn: .*cloudformation:DescribeStacks was refused/m);

  // passing functions pass: the refusal alone is no reason to break the build
  t.is((await runCli(['inspect', 'new-fn'], cliEnv(s))).code, 0);
  // the table says it, once, as a warning
  const table = await runCli(['inspect', 'old-fn'], cliEnv(s));
  t.regex(table.stdout, /^ {2}warning .*cloudformation:DescribeStacks was refused/m);
  t.notRegex(table.stdout, /^ {2}error/m);

  // a scan agrees
  s.addSecret({ name: 'db/new', rotationEnabled: true, rotationLambdaARN: 'arn:aws:lambda:us-east-1:123456789012:function:new-fn' });
  const scan = await runCli(['scan', '--no-cache', '--format', 'json'], cliEnv(s));
  t.is(scan.code, 0, scan.stderr);
  t.regex(scan.stderr, /warning: new-fn: .*DescribeStacks was refused/);
});

test('DescribeStacks refused when a verdict needs the date: still an error, exit 2', async (t) => {
  // no libpq and no handler: TLS can only be judged by the creation date
  const s = await startStandin({ functions: [fn('bare-fn', buildZip([{ name: 'README.txt', data: 'nothing here' }]))], stacks: [STACK], knobs: { accessDenied: { DescribeStacks: true } } });
  t.teardown(() => s.close());
  const r = await runCli(['inspect', 'bare-fn', '--format', 'json'], cliEnv(s));
  t.is(r.code, 2, r.stderr);
  const report = JSON.parse(r.stdout);
  t.true(report.checks.some((c: { status: string }) => c.status === 'unknown'));
  t.is(report.errors[0].code, 'access-denied');
  t.is(report.warnings, undefined);
});

test('a layer that cannot be read: a warning when the function\'s own libpq loads first, an error when the layer may hold it', async (t) => {
  const layer = layerArn('db-libs', 3);
  const withoutLibpq = buildZip((await sampleEntries(SAMPLE_94)).filter((e) => !e.name.includes('libpq')));
  const s = await startStandin({
    functions: [fn('own-libpq', SAMPLE_94_ZIP, { layers: [layer] }), fn('libpq-in-layer', withoutLibpq, { layers: [layer] })],
    layers: [{ arn: layer, code: buildZip([{ name: 'lib/README.txt', data: 'layer' }]) }],
    stacks: [STACK], knobs: { accessDenied: { GetLayerVersionByArn: true } },
  });
  t.teardown(() => s.close());
  const own = await runCli(['inspect', 'own-libpq', '--format', 'json'], cliEnv(s));
  t.is(own.code, 1, own.stderr);
  const ownReport = JSON.parse(own.stdout);
  t.is(ownReport.loader.loads, '/var/task/libpq.so.5');
  t.deepEqual(ownReport.errors, []);
  t.regex(ownReport.warnings[0].message, /lambda:GetLayerVersion was refused/);

  const inLayer = await runCli(['inspect', 'libpq-in-layer', '--format', 'json'], cliEnv(s));
  t.is(inLayer.code, 2, inLayer.stderr);
  const inLayerReport = JSON.parse(inLayer.stdout);
  t.regex(inLayerReport.errors[0].message, /lambda:GetLayerVersion was refused/);
});
