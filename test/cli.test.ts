import test from 'ava';
import { runCli } from './support/cli.js';
import { SAMPLE_10, SAMPLE_94 } from './support/fixtures.js';

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

test('--fail-on: fail, warn, never', async (t) => {
  t.is((await runCli(['inspect', SAMPLE_94, '--fail-on', 'never'])).code, 0);
  t.is((await runCli(['inspect', SAMPLE_94, '--fail-on', 'fail'])).code, 1);
  t.is((await runCli(['inspect', SAMPLE_10, '--fail-on', 'warn'])).code, 0);
});

for (const [args, message] of [
  [['inspect'], 'inspect: name at least one target'],
  [['inspect', SAMPLE_94, '--format', 'yaml'], '--format: "yaml" is not one of'],
  [['inspect', SAMPLE_94, '--created', '2021-02-30'], '--created: "2021-02-30" is not a date of the form YYYY-MM-DD'],
  [['inspect', SAMPLE_94, '--bogus'], "Unknown option '--bogus'"],
  [['frobnicate'], 'unknown command "frobnicate"'],
] as const) {
  test(`bad usage exits 2 with one clear line: ${args.join(' ')}`, async (t) => {
    const r = await runCli([...args]);
    t.is(r.code, 2);
    t.is(r.stdout, '');
    const first = r.stderr.split('\n')[0]!;
    t.true(first.startsWith('rotation-inspector: '), first);
    t.true(first.includes(message), first);
    t.false(r.stderr.includes('    at '), 'no stack trace');
  });
}

test('colour only on a terminal or when forced; NO_COLOR wins', async (t) => {
  t.false((await runCli(['inspect', SAMPLE_94])).stdout.includes('\x1b['));
  t.true((await runCli(['inspect', SAMPLE_94], { NO_COLOR: '', FORCE_COLOR: '1' })).stdout.includes('\x1b[31;1m'));
  t.false((await runCli(['inspect', SAMPLE_94], { NO_COLOR: '1', FORCE_COLOR: '1' })).stdout.includes('\x1b['));
});

test('--help and --version', async (t) => {
  const help = await runCli(['--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /rotation-inspector inspect <target>/);
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  t.is((await runCli(['--version'])).stdout.trim(), pkg.version);
});
