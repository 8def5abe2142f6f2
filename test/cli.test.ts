import test from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli } from './support/cli.js';
import { FIXTURES, SAMPLE_10, SAMPLE_94 } from './support/fixtures.js';

/** libpq 10 alone: scram passes, tls is unknown (no handler to read). */
const LIBPQ_10 = join(FIXTURES, 'libpq', 'x86_64-10.23-libpq.so.5.10');
const tempDir = () => mkdtempSync(join(tmpdir(), 'rotation-inspector-cli-'));

/** Bad usage: exit 2, nothing on stdout, one error line naming `message`, the hint, and never a stack trace. */
async function usageError(t: import('ava').ExecutionContext, args: string[], message: string | RegExp, env: NodeJS.ProcessEnv = {}) {
  const r = await runCli(args, env);
  t.is(r.code, 2, r.stderr);
  t.is(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  t.true(lines.length <= 2, r.stderr);
  t.true(lines[0]!.startsWith('rotation-inspector: '), lines[0]);
  if (typeof message === 'string') t.true(lines[0]!.includes(message), lines[0]);
  else t.regex(lines[0]!, message);
  if (lines[1] !== undefined) t.regex(lines[1], /^Run "rotation-inspector (inspect |scan )?--help" for usage\.$/);
  t.false(r.stderr.includes('    at '), 'no stack trace');
  return lines[0]!;
}

test('9.4 sample fails both checks (exit 1); 10 sample passes (exit 0)', async (t) => {
  const old = await runCli(['inspect', SAMPLE_94]);
  t.is(old.code, 1);
  t.regex(old.stdout, /FAIL\s+scram/);
  t.regex(old.stdout, /FAIL\s+tls/);
  t.is(old.stderr, '');
  const cur = await runCli(['inspect', SAMPLE_10]);
  t.is(cur.code, 0);
  t.regex(cur.stdout, /PASS\s+scram/);
  t.regex(cur.stdout, /PASS\s+tls/);
});

test('--format json: one object with the documented fields', async (t) => {
  const r = await runCli(['inspect', SAMPLE_94, '--format', 'json', '--created', '2021-06-01']);
  const report = JSON.parse(r.stdout);
  t.is(report.schemaVersion, 1);
  t.deepEqual(report.target, { type: 'zip', id: SAMPLE_94, bytesRead: report.target.bytesRead, size: report.target.size });
  t.deepEqual(report.created, { date: '2021-06-01', source: 'flag' });
  const lib = report.libraries[0];
  t.like(lib, { path: 'libpq.so.5', machine: 'x86-64', class: 64, endianness: 'little', soname: 'libpq.so.5', needed: ['libssl.so.1.0.0', 'libcrypto.so.1.0.0', 'libc.so.6'] });
  t.like(lib.tls, { capable: true, openssl: { path: 'libcrypto.so.1.0.0', version: 'OpenSSL 1.0.2u  20 Dec 2019' } });
  t.like(lib.version, { value: '9.4.26', major: 9, exact: true, atLeast: 9, conflicts: [] });
  t.deepEqual(lib.version.evidence.map((e: { source: string }) => e.source), ['PQlibVersion', 'RUNPATH', 'exported-api']);
  t.deepEqual(report.checks.map((c: { id: string; status: string }) => [c.id, c.status]), [['scram', 'fail'], ['tls', 'fail']]);
  t.deepEqual(report.errors, []);
});

test('several targets: an array in order; a broken one gets errors and exit 2, the rest go on', async (t) => {
  const r = await runCli(['inspect', SAMPLE_10, '/no/such.zip', SAMPLE_94, '--format', 'json']);
  t.is(r.code, 2);
  const reports = JSON.parse(r.stdout);
  t.deepEqual(reports.map((x: { target: { id: string } }) => x.target.id), [SAMPLE_10, '/no/such.zip', SAMPLE_94]);
  t.is(reports[1].errors[0].code, 'not-found');
  t.is(reports[2].checks[0].status, 'fail');
  t.is(r.stderr.trim(), 'rotation-inspector: /no/such.zip: no such file or directory');
});

test('ndjson: one report per line, nothing else on stdout', async (t) => {
  const r = await runCli(['inspect', SAMPLE_10, SAMPLE_94, '--format', 'ndjson']);
  const lines = r.stdout.trim().split('\n');
  t.is(lines.length, 2);
  t.deepEqual(lines.map((l) => JSON.parse(l).checks[0].status), ['pass', 'fail']);
});

test('--fail-on: fail, warn, unknown, never', async (t) => {
  t.is((await runCli(['inspect', SAMPLE_94, '--fail-on', 'never'])).code, 0);
  t.is((await runCli(['inspect', SAMPLE_94, '--fail-on', 'fail'])).code, 1);
  t.is((await runCli(['inspect', SAMPLE_10, '--fail-on', 'warn'])).code, 0);
  // an UNKNOWN verdict breaks only --fail-on unknown
  const unknown = await runCli(['inspect', LIBPQ_10, '--format', 'json']);
  t.deepEqual(JSON.parse(unknown.stdout).checks.map((c: { status: string }) => c.status), ['pass', 'unknown']);
  t.is(unknown.code, 0, 'the default (warn) lets UNKNOWN through');
  t.is((await runCli(['inspect', LIBPQ_10, '--fail-on', 'fail'])).code, 0);
  t.is((await runCli(['inspect', LIBPQ_10, '--fail-on', 'unknown'])).code, 1);
  t.is((await runCli(['inspect', LIBPQ_10, '--fail-on', 'never'])).code, 0);
});

for (const [args, message] of [
  [['inspect'], 'inspect: name at least one target'],
  [['inspect', SAMPLE_94, '--format', 'yaml'], '--format: "yaml" is not one of'],
  [['inspect', SAMPLE_94, '--created', '2021-02-30'], '--created: "2021-02-30" is not a date of the form YYYY-MM-DD'],
  [['inspect', SAMPLE_94, '--bogus'], 'inspect: unknown option --bogus'],
  [['frobnicate'], 'unknown command "frobnicate" (expected inspect, scan, diagnose or merge)'],
  // near misses get a suggestion
  [['inspect', SAMPLE_94, '--formt', 'json'], 'inspect: unknown option --formt (did you mean --format?)'],
  [['scan', '--regoin', 'eu-west-1'], 'scan: unknown option --regoin (did you mean --region?)'],
  [['scan', '--fail-on=unknonw'], '--fail-on: "unknonw" is not one of fail, warn, unknown, never (did you mean unknown?)'],
  [['inspcet', SAMPLE_94], 'unknown command "inspcet" (did you mean inspect?)'],
  [['sacn'], 'unknown command "sacn" (did you mean scan?)'],
  [['--format', 'json'], '--format goes after a command'],
  // an option of the other command says so
  [['inspect', SAMPLE_94, '--concurrency', '3'], 'inspect: --concurrency is a scan option'],
  [['scan', '--created', '2021-01-01'], 'scan: --created is an inspect option'],
  [['inspect', SAMPLE_94, '--format', 'sarif'], 'inspect: --format sarif is for scan; use table, json, ndjson'],
  // an option that needs a value, followed by another option: one line, even under --debug
  [['inspect', SAMPLE_94, '--format', '--fail-on', 'never', '--debug'], 'inspect: --format needs a value (table|json|ndjson) but is followed by the option --fail-on'],
  [['scan', '--format'], 'scan: --format needs a value'],
  [['inspect', SAMPLE_94, '--debug=yes'], 'inspect: --debug takes no value'],
  [['scan', '--concurrency', '-3'], '--concurrency: "-3" is not a positive whole number'],
  [['inspect', SAMPLE_94, '--region', 'eu-west-1', '--region', 'us-east-1'], 'inspect: --region is given twice'],
] as const) {
  test(`bad usage exits 2 with one clear line: ${args.join(' ')}`, async (t) => {
    const line = await usageError(t, [...args], message);
    t.false(/Unknown option '|argument is ambiguous|TypeError|ERR_PARSE_ARGS/.test(line), 'no raw Node parser text');
  });
}

for (const [args, message] of [
  [['--region', 'eu-west-1a'], '--region: "eu-west-1a" is not an AWS region (an availability zone; the region is eu-west-1)'],
  [['--region', 'Ireland'], '--region: "Ireland" is not an AWS region (a region looks like eu-west-1 or us-east-1)'],
  [['--region', 'eu_west_1'], '--region: "eu_west_1" is not an AWS region'],
  [['--endpoint-url', 'localhost:4566'], '--endpoint-url: "localhost:4566" is not an http:// or https:// URL'],
  [['--endpoint-url', 'ftp://example.com'], '--endpoint-url: "ftp://example.com" is not an http:// or https:// URL'],
  [['--endpoint-url', 'https://AKIDEXAMPLE:hunter2@example.com'], '--endpoint-url: the URL carries a user name or password'],
] as const) {
  test(`AWS settings checked before any call: ${args.join(' ')}`, async (t) => {
    const line = await usageError(t, ['inspect', 'my-rotation-fn', ...args], message);
    t.false(line.includes('hunter2'), 'no password echoed');
    await usageError(t, ['scan', ...args], message);
  });
}

test('a region from the environment is checked too, when AWS is about to be called', async (t) => {
  await usageError(t, ['scan'], 'AWS_REGION: "eu-west-1a" is not an AWS region (an availability zone; the region is eu-west-1)', { AWS_REGION: 'eu-west-1a' });
  await usageError(t, ['inspect', 'my-rotation-fn'], 'AWS_DEFAULT_REGION: "Frankfurt" is not an AWS region', { AWS_DEFAULT_REGION: 'Frankfurt' });
  // --region wins over the environment, and an offline inspection never looks
  t.false((await runCli(['inspect', 'my-rotation-fn', '--region', 'eu-west-1', '--endpoint-url', 'http://127.0.0.1:9'], { AWS_REGION: 'nowhere' })).stderr.includes('AWS_REGION'));
  t.is((await runCli(['inspect', SAMPLE_10], { AWS_REGION: 'nowhere' })).code, 0);
});

test('a profile that is not defined says so, naming the files read (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE honoured)', async (t) => {
  const home = tempDir();
  await usageError(t, ['inspect', 'my-rotation-fn', '--profile', 'audit'], 'profile audit is not defined in ~/.aws/config or ~/.aws/credentials', { HOME: home });
  await usageError(t, ['scan', '--profile', 'audit'], 'profile audit is not defined in ~/.aws/config or ~/.aws/credentials', { HOME: home });
  await usageError(t, ['scan'], 'profile audit (from AWS_PROFILE) is not defined in ~/.aws/config or ~/.aws/credentials', { HOME: home, AWS_PROFILE: 'audit' });
  const dir = tempDir();
  const config = join(dir, 'config');
  const credentials = join(dir, 'credentials');
  writeFileSync(config, '[default]\nregion = eu-west-1\n\n[profile ops]\nregion = us-east-1\n\n[audit]\nregion = us-east-1\n');
  writeFileSync(credentials, '[creds-only]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = x\n');
  const env = { HOME: home, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
  // "[audit]" without "profile " is not a profile in the config file (the SDK's rule)
  await usageError(t, ['inspect', 'my-rotation-fn', '--profile', 'audit'], `profile audit is not defined in ${config} or ${credentials}`, env);
  // defined profiles pass the check and the inspection goes on (to an endpoint that refuses)
  for (const profile of ['ops', 'creds-only']) {
    const r = await runCli(['inspect', 'my-rotation-fn', '--profile', profile, '--region', 'eu-west-1', '--endpoint-url', 'http://127.0.0.1:9'], env);
    t.false(r.stderr.includes('is not defined'), r.stderr);
  }
  // an offline inspection never reads the profile
  t.is((await runCli(['inspect', SAMPLE_10, '--profile', 'audit'], { HOME: home })).code, 0);
});

test('colour only on a terminal or when forced; NO_COLOR wins', async (t) => {
  t.false((await runCli(['inspect', SAMPLE_94])).stdout.includes('\x1b['));
  t.true((await runCli(['inspect', SAMPLE_94], { NO_COLOR: '', FORCE_COLOR: '1' })).stdout.includes('\x1b[31;1m'));
  t.false((await runCli(['inspect', SAMPLE_94], { NO_COLOR: '1', FORCE_COLOR: '1' })).stdout.includes('\x1b['));
});

test('--help, -v and --version; no arguments: usage on stderr, exit 2', async (t) => {
  const help = await runCli(['--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /rotation-inspector inspect <target>/);
  t.regex(help.stdout, /^ {2}130 +interrupted with Ctrl-C/m);
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  for (const flag of ['--version', '-v', '-V']) t.is((await runCli([flag])).stdout, `${pkg.version}\n`);
  const bare = await runCli([]);
  t.is(bare.code, 2);
  t.is(bare.stdout, '');
  t.regex(bare.stderr, /^Usage:\n {2}rotation-inspector inspect <target>/);
});

for (const [command, own, foreign] of [
  ['inspect', ['--created', '--function', '--output', '--quiet', '--fail-on'], ['--concurrency', '--all-regions']],
  ['scan', ['--all-regions', '--concurrency', '--cache-dir', '--no-cache', '--output', '--quiet', '--organization', '--role-name', '--output-dir'], ['--created', '--function']],
  ['merge', ['--format', '--output', '--output-dir', '--fail-on'], ['--concurrency', '--role-name', '--region']],
] as const) {
  test(`${command} --help: that command's options, two examples, the fail-on levels and exit 130`, async (t) => {
    for (const args of [[command, '--help'], [command, '-h'], ['help', command]]) {
      const r = await runCli(args);
      t.is(r.code, 0);
      t.is(r.stderr, '');
      t.true(r.stdout.startsWith(`Usage: rotation-inspector ${command}`), r.stdout);
      for (const o of own) t.regex(r.stdout, new RegExp(`^ +(-\\w, )?${o}\\b`, 'm'), o);
      for (const o of foreign) t.false(r.stdout.includes(o), o);
      const examples = r.stdout.slice(r.stdout.indexOf('Examples:')).split('\n\n')[0]!.split('\n').slice(1);
      t.is(examples.length, 2);
      for (const e of examples) t.true(e.startsWith(`  rotation-inspector ${command} `), e);
      t.regex(r.stdout, /unknown on FAIL, WARN or\s+UNKNOWN/);
      t.regex(r.stdout, /^ {2}130 +interrupted with Ctrl-C/m);
    }
  });
}

test('-o/--output: the report goes to the file (never in colour), the terminal keeps the summary line; --quiet drops it', async (t) => {
  const dir = tempDir();
  const file = join(dir, 'report.json');
  const r = await runCli(['inspect', SAMPLE_94, SAMPLE_10, '--format', 'json', '-o', file]);
  t.is(r.code, 1);
  t.is(r.stdout, '');
  t.is(r.stderr, `wrote ${file}: 2 targets: 1 fail, 0 error, 0 warn, 0 unknown, 0 ignored, 1 pass, 0 not-applicable\n`);
  t.deepEqual(JSON.parse(readFileSync(file, 'utf8')).map((x: { target: { id: string } }) => x.target.id), [SAMPLE_94, SAMPLE_10]);

  const table = join(dir, 'report.txt');
  const q = await runCli(['inspect', SAMPLE_94, `--output=${table}`, '--quiet'], { NO_COLOR: '', FORCE_COLOR: '1' });
  t.is(q.code, 1);
  t.is(q.stdout, '');
  t.is(q.stderr, '', '--quiet: no summary line');
  t.regex(readFileSync(table, 'utf8'), /FAIL\s+scram/);
  t.false(readFileSync(table, 'utf8').includes('\x1b['), 'no colour in a file');

  // errors still reach the terminal with --quiet, and the report of the broken target is in the file
  const broken = await runCli(['inspect', '/no/such.zip', '-q', '-o', file, '--format', 'json']);
  t.is(broken.code, 2);
  t.is(broken.stderr, 'rotation-inspector: /no/such.zip: no such file or directory\n');
  t.is(JSON.parse(readFileSync(file, 'utf8')).errors[0].code, 'not-found');

  // -o - is stdout, as usual
  const dash = await runCli(['inspect', SAMPLE_10, '-o', '-', '--format', 'json']);
  t.is(dash.code, 0);
  t.is(JSON.parse(dash.stdout).target.id, SAMPLE_10);
  t.is(dash.stderr, '');

  // a file that cannot be written: one line, before any work
  mkdirSync(join(dir, 'a-directory'));
  await usageError(t, ['inspect', SAMPLE_94, '-o', join(dir, 'missing', 'r.json')], `--output: cannot write ${join(dir, 'missing', 'r.json')}: its directory does not exist`);
  await usageError(t, ['inspect', SAMPLE_94, '-o', join(dir, 'a-directory')], 'it is a directory');
});

test('scan -o FILE: the report in the file, the summary line on the terminal; --quiet: nothing but errors', async (t) => {
  const { SAMPLE_10_ZIP, SAMPLE_94_ZIP, cliEnv, fnArn, startStandin } = await import('./support/aws.js');
  const s = await startStandin({
    functions: [
      { name: 'old-rotation', code: SAMPLE_94_ZIP, handler: 'lambda_function.lambda_handler', runtime: 'python3.12' },
      { name: 'new-rotation', code: SAMPLE_10_ZIP, handler: 'lambda_function.lambda_handler', runtime: 'python3.12' },
    ],
  });
  t.teardown(() => s.close());
  s.addSecret({ name: 'db/old', rotationEnabled: true, rotationLambdaARN: fnArn('old-rotation') });
  s.addSecret({ name: 'db/new', rotationEnabled: true, rotationLambdaARN: fnArn('new-rotation') });
  const file = join(tempDir(), 'rotation.csv');
  const r = await runCli(['scan', '--no-cache', '--format', 'csv', '-o', file], cliEnv(s));
  t.is(r.code, 1, r.stderr);
  t.is(r.stdout, '');
  t.regex(r.stderr, new RegExp(`^wrote ${file}: 2 functions: 1 fail, 0 error, 0 warn, 0 unknown, 0 ignored, 1 pass, 0 not-applicable\\n$`));
  t.regex(readFileSync(file, 'utf8'), /old-rotation/);
  const q = await runCli(['scan', '--no-cache', '--quiet', '--output', file], cliEnv(s));
  t.is(q.code, 1);
  t.is(q.stdout, '');
  t.is(q.stderr, '');
  t.regex(readFileSync(file, 'utf8'), /^FUNCTION/);
});

test('messages say what was found: a short file, an empty file, a truncated ELF', async (t) => {
  const dir = tempDir();
  const cases: Array<[string, Buffer, string]> = [
    ['two-bytes.so', Buffer.from('ab'), 'neither a zip nor an ELF file (only 2 bytes: 0x6162)'],
    ['empty.so', Buffer.alloc(0), 'neither a zip nor an ELF file (an empty file)'],
    ['five-bytes.so', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2]), 'ELF identification (16 bytes) lies outside the file (size 5)'],
  ];
  for (const [name, bytes, message] of cases) {
    writeFileSync(join(dir, name), bytes);
    const r = await runCli(['inspect', join(dir, name), '--format', 'json']);
    t.is(r.code, 2);
    const report = JSON.parse(r.stdout);
    t.true(report.errors[0].message.endsWith(message), report.errors[0].message);
    t.false(r.stdout.includes('0x00000000'));
  }
});

test('a missing path: labelled as a path, not a zip, and its error said once', async (t) => {
  const r = await runCli(['inspect', '/no/such/bundle']);
  t.is(r.code, 2);
  t.true(r.stdout.startsWith('/no/such/bundle (path)\n'), r.stdout);
  t.is(r.stdout.split('no such file or directory').length - 1, 1, r.stdout);
  t.false(/libpq\s+none found|handler\s+not found/.test(r.stdout), 'nothing was read, so nothing is "not found"');
  t.is(r.stderr, 'rotation-inspector: /no/such/bundle: no such file or directory\n');
  const json = JSON.parse((await runCli(['inspect', '/no/such/bundle', '--format', 'json'])).stdout);
  t.is(json.target.type, 'path');
  for (const c of json.checks) t.false(c.summary.includes('no such file'), c.summary);
});

test('a handler over the size cap is "not read", not "not found"', async (t) => {
  const { buildZip } = await import('./standin/zip.js');
  const { sampleEntries } = await import('./support/aws.js');
  const entries = (await sampleEntries(SAMPLE_10)).map((e) => (e.name === 'lambda_function.py' ? { ...e, data: Buffer.concat([Buffer.from(e.data), Buffer.from(`\n#${'x'.repeat(1100 * 1024)}\n`)]) } : e));
  const zip = join(tempDir(), 'big-handler.zip');
  writeFileSync(zip, buildZip(entries));
  const r = await runCli(['inspect', zip]);
  t.is(r.code, 2);
  t.regex(r.stdout, /^ {2}handler +lambda_function\.py: not read \(entry-too-large, see error\)$/m);
  t.notRegex(r.stdout, /handler +not found/);
});

test('inspect FILE --function: the file is named as not a function name, never as "not a file"', async (t) => {
  const r = await runCli(['inspect', SAMPLE_10, '--function', '--region', 'eu-west-1', '--endpoint-url', 'http://127.0.0.1:9']);
  t.is(r.code, 2);
  t.is(r.stderr, `rotation-inspector: ${SAMPLE_10}: not a Lambda function name or function ARN\n`);
});

test('before dist/ is built: one line saying what to run, exit 2, no module-not-found stack', async (t) => {
  const { cpSync } = await import('node:fs');
  const { spawnSync } = await import('node:child_process');
  const fresh = tempDir();
  cpSync(join(ROOT, 'bin'), join(fresh, 'bin'), { recursive: true });
  const r = spawnSync(process.execPath, [join(fresh, 'bin', 'rotation-inspector.js'), 'inspect', SAMPLE_10], { encoding: 'utf8' });
  t.is(r.status, 2);
  t.is(r.stdout, '');
  t.is(r.stderr, `rotation-inspector: the CLI is not built (dist/bin/main.cjs is missing): run "npm ci" (or "npm run build") in ${fresh}\n`);
});

test('npm run demo exits with the scan\'s code (2: the stand-in account has a deleted function)', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'standin', 'demo.ts'), '--format', 'json'], {
    cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' },
  });
  t.is(r.status, 2, r.stderr);
  t.regex(r.stderr, /demo: scan exited 2: some function could not be inspected/);
  t.true(JSON.parse(r.stdout).reports.length > 0);
});

test('--help: an option whose names are wider than the column puts its help on the next line, aligned', async (t) => {
  const r = await runCli(['scan', '--help']);
  t.is(r.code, 0);
  const lines = r.stdout.split('\n');
  const i = lines.findIndex((l) => l.includes('--format table|json|ndjson|csv|sarif|markdown'));
  t.true(i >= 0);
  t.regex(lines[i]!, /markdown$/);
  const helpColumn = lines.find((l) => l.includes('--fail-on '))!.indexOf('exit 1 when');
  t.is(lines[i + 1]!.indexOf('report format'), helpColumn);
});
