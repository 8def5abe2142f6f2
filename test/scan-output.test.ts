import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CSV_COLUMNS } from '../src/render/csv.js';
import { buildZip } from './standin/zip.js';
import { SAMPLE_10_ZIP, SAMPLE_94_ZIP, cliEnv, fnArn, sampleEntries, startStandin, type Standin } from './support/aws.js';
import { SAMPLE_94 } from './support/fixtures.js';
import { BIN, runCli } from './support/cli.js';
import { parseCsv } from './support/csv.js';
import { sarifSchemaErrors } from './support/sarifSchema.js';

// The scan's output through the real CLI, against the loopback stand-in: a run that did not cover the account
// must say so in every format; outside text never reaches stdout raw.

const FORMATS = ['table', 'json', 'ndjson', 'csv', 'sarif', 'markdown'] as const;
const HANDLER = 'lambda_function.lambda_handler';
const col = (row: string[], name: (typeof CSV_COLUMNS)[number]) => row[CSV_COLUMNS.indexOf(name)];

/** What a consumer of each format sees of a partial run; throws when the format hides it. */
function partialSigns(format: (typeof FORMATS)[number], stdout: string): { partial: boolean; listing: string[]; notInspected: string[] } {
  switch (format) {
    case 'table': {
      const lines = stdout.split('\n');
      const counts = lines.findIndex((l) => /^\d+ functions?: /.test(l));
      const above = lines.slice(0, counts);
      return {
        partial: above.some((l) => l.startsWith('PARTIAL RUN ')) && /\(partial\)$/.test(lines.slice(counts).join(' ').replace(/\s+/g, ' ').trim().split(/(?<=\)) /)[0] ?? ''),
        listing: above.filter((l) => l.startsWith('LISTING FAILED ')),
        notInspected: above.filter((l) => /^ {2}arn:/.test(l)).map((l) => l.trim()),
      };
    }
    case 'json': {
      const s = JSON.parse(stdout).summary;
      return { partial: s.partial && !s.complete, listing: s.listingFailures.map((l: { message: string }) => l.message), notInspected: s.notInspected };
    }
    case 'ndjson': {
      const last = JSON.parse(stdout.trimEnd().split('\n').at(-1)!);
      if (last.type !== 'summary') throw new Error('ndjson does not end with its summary');
      return { partial: last.summary.partial, listing: last.summary.listingFailures.map((l: { message: string }) => l.message), notInspected: last.summary.notInspected };
    }
    case 'csv': {
      const rows = parseCsv(stdout).slice(1);
      return {
        partial: rows.some((r) => col(r, 'verdict') === 'partial'),
        listing: rows.filter((r) => col(r, 'verdict') === 'listing-failed').map((r) => col(r, 'errors')!),
        notInspected: rows.filter((r) => col(r, 'verdict') === 'not-inspected').map((r) => col(r, 'function_arn')!),
      };
    }
    case 'sarif': {
      const log = JSON.parse(stdout);
      const errors = sarifSchemaErrors(log);
      if (errors.length) throw new Error(`SARIF is not valid: ${errors.join('; ')}`);
      const inv = log.runs[0].invocations[0];
      const notes = (inv.toolExecutionNotifications ?? []) as Array<{ descriptor: { id: string }; message: { text: string }; properties: { notInspected?: string[] } }>;
      return {
        partial: inv.executionSuccessful === false && notes.some((n) => n.descriptor.id === 'partial-run'),
        listing: notes.filter((n) => n.descriptor.id === 'listing-failed').map((n) => n.message.text),
        notInspected: notes.find((n) => n.descriptor.id === 'partial-run')?.properties.notInspected ?? [],
      };
    }
    case 'markdown': {
      const notInspected = stdout.includes('## Not inspected')
        ? stdout.slice(stdout.indexOf('## Not inspected')).split('\n').filter((l) => l.startsWith('- ')).map((l) => l.slice(2))
        : [];
      return {
        partial: /^> \*\*PARTIAL RUN: /m.test(stdout),
        listing: stdout.split('\n').filter((l) => l.startsWith('> Listing failed in ')),
        notInspected,
      };
    }
  }
}

test('a listing that fails is visible in every format, with the region and the reason', async (t) => {
  const s = await startStandin({ knobs: { accessDenied: { ListSecrets: true } } });
  t.teardown(() => s.close());
  for (const format of FORMATS) {
    const r = await runCli(['scan', '--no-cache', '--region', 'us-east-1', '--format', format], cliEnv(s));
    t.is(r.code, 2, format);
    const seen = partialSigns(format, r.stdout);
    t.true(seen.partial, `${format} marks the run partial:\n${r.stdout}`);
    t.is(seen.listing.length, 1, format);
    t.regex(seen.listing[0]!, /us-east-1.*access denied: secretsmanager:ListSecrets was refused/, format);
  }
  const table = await runCli(['scan', '--no-cache', '--region', 'us-east-1'], cliEnv(s));
  t.false(table.stdout.includes('0 pass,') && !table.stdout.includes('(partial)'));
  t.regex(table.stdout, /^0 functions: 0 fail, 0 error, 0 warn, 0 unknown, 0 ignored, 0 pass, 0 not-applicable; 0 secrets \(partial\)$/m);
  // With the report in a file, the line the terminal keeps says partial too.
  const file = join(mkdtempSync(join(tmpdir(), 'ri-out-')), 'scan.csv');
  const toFile = await runCli(['scan', '--no-cache', '--region', 'us-east-1', '--format', 'csv', '-o', file], cliEnv(s));
  t.is(toFile.code, 2);
  t.regex(toFile.stderr, /^wrote .*scan\.csv: 0 functions: .* \(partial\)$/m);
});

async function account(count: number): Promise<Standin> {
  const s = await startStandin({ knobs: { retryAfterSeconds: 0 } });
  for (let i = 0; i < count; i++) {
    const name = `SecretsManagerRDSPostgreSQLRotationSingleUser-${i.toString(36).padStart(4, '0')}Tail`;
    s.addFunction({ name, code: i % 2 ? SAMPLE_10_ZIP : SAMPLE_94_ZIP, handler: HANDLER, runtime: 'python3.9' });
    s.addSecret({ name: `db/${i}`, rotationEnabled: true, rotationLambdaARN: fnArn(name) });
  }
  return s;
}

test('Ctrl-C: every format marks the run partial and names each function not inspected, one a line', async (t) => {
  const s = await account(24);
  t.teardown(() => s.close());
  s.knobs.latencyMs = 150;
  const run = (format: string) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, 'scan', '--no-cache', '--concurrency', '2', '--format', format, '--debug'], {
      env: { PATH: process.env.PATH, NO_COLOR: '1', ...cliEnv(s) }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && (stderr.match(/^debug: inspected /gm) ?? []).length >= 2) { sent = true; child.kill('SIGINT'); }
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  const results = await Promise.all(FORMATS.map(async (format) => [format, await run(format)] as const));
  for (const [format, r] of results) {
    t.is(r.code, 130, `${format}: ${r.stderr}`);
    const seen = partialSigns(format, r.stdout);
    t.true(seen.partial, `${format} marks the run partial:\n${r.stdout}`);
    t.true(seen.notInspected.length > 0, format);
    t.false(r.stderr.split('\n').some((l) => (l.match(/arn:aws:lambda:/g) ?? []).length > 1), `${format}: stderr names no list of ARNs on one line`);
    for (const arn of seen.notInspected) t.regex(arn, /^arn:aws:lambda:us-east-1:123456789012:function:SecretsManagerRDSPostgreSQLRotationSingleUser-\w+Tail$/, `${format}: one ARN a line`);
  }
});

test('the scan table written to a file keeps whole names, which differ only at their end', async (t) => {
  const s = await account(4);
  t.teardown(() => s.close());
  const r = await runCli(['scan', '--no-cache'], cliEnv(s));
  t.is(r.code, 1);
  for (let i = 0; i < 4; i++) t.regex(r.stdout, new RegExp(`^SecretsManagerRDSPostgreSQLRotationSingleUser-${i.toString(36).padStart(4, '0')}Tail\\s`, 'm'));
  t.false(r.stdout.includes('…'));
  t.regex(r.stdout, /^4 functions: 2 fail, 0 error, 0 warn, 0 unknown, 0 ignored, 2 pass, 0 not-applicable; 4 secrets$/m);
});

// ---------------------------------------------------------------------------
// Outside text is data

/** Every class of character a terminal or a viewer would interpret. */
const HOSTILE = '\x1b[2K\r\x1b]8;;https://evil.example/\x07link\x1b]8;;\x07\x1b]52;c;cm0gLXJmIH4=\x07\u009b32m\u202eSSAP\u202c\u2066x\u2069\nPASS  PASS  verified';
/** Raw bytes that must never reach a terminal, a spreadsheet or a viewer (CR and LF are checked per format). */
const RAW_CONTROL = /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

test('hostile names and messages from AWS never reach stdout raw, and never forge a verdict line', async (t) => {
  const s = await startStandin({});
  t.teardown(() => s.close());
  s.addFunction({ name: 'pg-rotation-good', code: SAMPLE_10_ZIP, handler: HANDLER, runtime: 'python3.12', tags: { 'aws:cloudformation:stack-name': `stack${HOSTILE}` } });
  s.addSecret({ name: `db/${HOSTILE}`, rotationEnabled: true, rotationLambdaARN: fnArn('pg-rotation-good') });
  s.addSecret({ name: 'db/other', rotationEnabled: true, rotationLambdaARN: fnArn(`gone${HOSTILE}`) });
  for (const format of FORMATS) {
    // --debug too: its lines name functions and carry AWS messages.
    const r = await runCli(['scan', '--no-cache', '--format', format, ...(format === 'table' ? ['--debug'] : [])], cliEnv(s));
    t.is(r.code, 2, `${format}: ${r.stderr}`);
    const out = r.stdout;
    const lines = format === 'csv' ? out.split('\r\n') : out.split('\n');
    for (const l of lines) t.false(RAW_CONTROL.test(l) || l.includes('\r'), `${format}: raw control character in ${JSON.stringify(l)}`);
    t.false(lines.some((l) => /^\s*PASS\b/.test(l)), `${format}: a line reads as a verdict`);
    if (format === 'csv') {
      const rows = parseCsv(out);
      t.is(rows.length, 3, 'header and one row per function: no forged row');
      for (const row of rows) t.is(row.length, CSV_COLUMNS.length);
    }
    if (format === 'json') {
      // The raw value stays available to programs.
      const parsed = JSON.parse(out);
      const secrets = parsed.reports.flatMap((x: { secrets?: Array<{ name: string }> }) => x.secrets ?? []).map((x: { name: string }) => x.name);
      t.true(secrets.includes(`db/${HOSTILE}`));
    }
    if (format === 'sarif') t.deepEqual(sarifSchemaErrors(JSON.parse(out)), []);
    for (const l of r.stderr.split('\n')) {
      t.false(RAW_CONTROL.test(l) || l.includes('\r'), `${format} stderr: raw control character in ${JSON.stringify(l)}`);
      t.false(/^\s*PASS\b/.test(l), `${format} stderr: a line reads as a verdict`);
    }
  }
});

test('inspect: hostile zip entry names, symlink targets and handler files are shown escaped in the table', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ri-hostile-'));
  const entries = await sampleEntries(SAMPLE_94);
  const libDir = `lib${HOSTILE.replace(/\//g, '|')}`;
  const hostile = entries.map((e) => (e.name === 'libpq.so.5' ? { ...e, name: `${libDir}/libpq.so.5` } : e));
  hostile.push({ name: 'libpq.so.5', data: `${libDir}/libpq.so.5`, mode: 0o120777 });
  hostile.push({ name: `helper${HOSTILE.replace(/\//g, '|')}.py`, data: 'import psycopg2\n' });
  const zip = join(dir, 'hostile.zip');
  writeFileSync(zip, buildZip(hostile));
  const table = await runCli(['inspect', zip, '--created', '2021-06-01'], {});
  t.is(table.code, 1, table.stderr);
  const lines = table.stdout.split('\n');
  for (const l of [...lines, ...table.stderr.split('\n')]) t.false(RAW_CONTROL.test(l) || l.includes('\r'), `raw control character in ${JSON.stringify(l)}`);
  t.deepEqual(lines.filter((l) => /^\s*(PASS|FAIL|WARN|UNKNOWN|N\/A)\b/.test(l)).map((l) => l.trim().split(/\s+/).slice(0, 2).join(' ')), ['FAIL scram', 'FAIL tls']);
  t.true(table.stdout.includes('\\x1b]52;c;'), 'the OSC 52 sequence is shown, not sent');
  // JSON keeps the raw names for programs, escaped so no raw C1 or bidi byte is written.
  const json = await runCli(['inspect', zip, '--format', 'json'], {});
  t.false(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/.test(json.stdout));
  t.true(JSON.parse(json.stdout).libraries.some((l: { path: string; aliases: string[] }) => [l.path, ...l.aliases].includes(`${libDir}/libpq.so.5`)));
});

// ---------------------------------------------------------------------------
// --ignore-file

test('--ignore-file: ignored findings stay visible with their reason, leave the exit code alone; expired and unused entries are listed', async (t) => {
  const s = await startStandin({});
  t.teardown(() => s.close());
  s.addFunction({ name: 'legacy-rotation-1', code: SAMPLE_94_ZIP, handler: HANDLER, runtime: 'python3.9' });
  s.addSecret({ name: 'db/legacy', rotationEnabled: true, rotationLambdaARN: fnArn('legacy-rotation-1') });
  const dir = mkdtempSync(join(tmpdir(), 'ri-ignore-'));
  const file = join(dir, 'rotation-ignore.yaml');
  writeFileSync(file, [
    '# accepted until the migration',
    'ignore:',
    '  - function: legacy-rotation-*',
    '    check: scram',
    '    reason: "database keeps md5 until 2027"',
    '    expires: 2999-12-31',
    '  - function: arn:aws:lambda:us-east-1:123456789012:function:legacy-rotation-1',
    '    check: tls',
    '    reason: retired next sprint',
    '  - function: legacy-rotation-1',
    '    check: scram',
    '    reason: the old acceptance',
    '    expires: 2020-01-01',
    '  - function: nothing-by-this-name',
    '    check: tls',
    '    reason: stale',
    '',
  ].join('\n'));
  const without = await runCli(['scan', '--no-cache'], cliEnv(s));
  t.is(without.code, 1);
  const table = await runCli(['scan', '--no-cache', '--ignore-file', file], cliEnv(s));
  t.is(table.code, 0, table.stderr);
  t.regex(table.stdout, /^legacy-rotation-1\s+us-east-1\s+FAIL \(ignored\)\s+FAIL \(ignored\)/m);
  t.regex(table.stdout, /^1 function: 0 fail, 0 error, 0 warn, 0 unknown, 1 ignored, 0 pass, 0 not-applicable; 1 secret$/m);
  t.regex(table.stderr, /rotation-ignore\.yaml:10 \(legacy-rotation-1, scram\) expired 2020-01-01: it no longer applies/);
  t.regex(table.stderr, /rotation-ignore\.yaml:14 \(nothing-by-this-name, tls\) matched nothing in this run/);
  t.regex(table.stdout, /^IGNORE FILE {5}ignore entry .*:10 .*expired 2020-01-01/m);

  const json = JSON.parse((await runCli(['scan', '--no-cache', '--format', 'json', '--ignore-file', file], cliEnv(s))).stdout);
  t.deepEqual(json.reports[0].ignored.map((i: { check: string; reason: string }) => [i.check, i.reason]), [['scram', 'database keeps md5 until 2027'], ['tls', 'retired next sprint']]);
  t.is(json.summary.ignored, 2);
  t.deepEqual(json.summary.ignoreFile.expired.map((e: { entry: string }) => e.entry), [`${file}:10`]);
  t.deepEqual(json.summary.ignoreFile.unmatched.map((e: { entry: string }) => e.entry), [`${file}:14`]);

  const sarif = JSON.parse((await runCli(['scan', '--no-cache', '--format', 'sarif', '--ignore-file', file], cliEnv(s))).stdout);
  t.deepEqual(sarifSchemaErrors(sarif), []);
  const results = sarif.runs[0].results as Array<{ ruleId: string; suppressions?: Array<{ kind: string; status: string; justification: string }> }>;
  t.deepEqual(results.map((r) => [r.ruleId, r.suppressions?.[0]?.kind, r.suppressions?.[0]?.status, r.suppressions?.[0]?.justification]), [
    ['scram', 'external', 'accepted', 'database keeps md5 until 2027'], ['tls', 'external', 'accepted', 'retired next sprint'],
  ]);
  t.is(sarif.runs[0].invocations[0].toolConfigurationNotifications.length, 2);

  const csv = parseCsv((await runCli(['scan', '--no-cache', '--format', 'csv', '--ignore-file', file], cliEnv(s))).stdout);
  t.is(col(csv[1]!, 'ignored'), 'scram: database keeps md5 until 2027; tls: retired next sprint');
  t.is(col(csv[1]!, 'scram'), 'fail');
  const md = (await runCli(['scan', '--no-cache', '--format', 'markdown', '--ignore-file', file], cliEnv(s))).stdout;
  t.true(md.includes('## Ignored findings'));
  t.true(md.includes('| legacy-rotation-1 | SCRAM | FAIL | database keeps md5 until 2027 | 2999-12-31 |'));
  t.false(md.includes('## Findings'));

  // inspect takes the same file
  const inspect = await runCli(['inspect', 'legacy-rotation-1', '--ignore-file', file], cliEnv(s));
  t.is(inspect.code, 0, inspect.stderr);
  t.regex(inspect.stdout, /ignored: database keeps md5 until 2027 \(.*rotation-ignore\.yaml:3, until 2999-12-31\)/);

  // A broken ignore file stops the run at once, naming the file and line.
  writeFileSync(file, 'ignore:\n  - function: x\n    check: sram\n    reason: typo\n');
  const bad = await runCli(['scan', '--no-cache', '--ignore-file', file], cliEnv(s));
  t.is(bad.code, 2);
  t.regex(bad.stderr, /rotation-ignore\.yaml:2: "check" must be one of scram, tls, not "sram"/);
  t.is(bad.stdout, '');
});

test('the scan table on a terminal of 80 and 160 columns: sized to it, names keep their distinguishing end', async (t) => {
  const { main } = await import('../src/cli/main.js');
  const { Writable } = await import('node:stream');
  const s = await account(3);
  t.teardown(() => s.close());
  const env = cliEnv(s, { NO_COLOR: '1' });
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY, AWS_CONFIG_FILE: env.AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE: env.AWS_SHARED_CREDENTIALS_FILE, AWS_EC2_METADATA_DISABLED: 'true' });
  const terminal = async (columns: number) => {
    let text = '';
    let errText = '';
    const stdout = Object.assign(new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } }), { isTTY: true, columns });
    const stderr = new Writable({ write(c, _e, done) { errText += String(c); done(); } });
    const code = await main(['scan', '--no-cache', '--region', 'us-east-1', '--endpoint-url', s.endpoint], { stdout, stderr, env, onInterrupt: () => () => {} });
    return { code, text, errText };
  };
  const names = [0, 1, 2].map((i) => `SecretsManagerRDSPostgreSQLRotationSingleUser-${i.toString(36).padStart(4, '0')}Tail`);
  const narrow = await terminal(80);
  t.is(narrow.code, 1, narrow.errText);
  for (const l of narrow.text.split('\n')) t.true([...l].length <= 80, l);
  const shown = narrow.text.split('\n').filter((l) => l.startsWith('Secrets')).map((l) => l.split(/\s+/)[0]!);
  t.is(shown.length, 3);
  for (const name of names) t.true(shown.some((x) => x === name || (x.includes('…') && x.endsWith(name.slice(-12)))), name);
  const wide = await terminal(160);
  for (const name of names) t.regex(wide.text, new RegExp(`^${name}\\s`, 'm'));
});
