import test from 'ava';
import type { Report } from '../src/report/report.js';
import { CSV_COLUMNS, renderCsv } from '../src/render/csv.js';
import { escapeCell, renderMarkdown } from '../src/render/markdown.js';
import { FINGERPRINT_KEY, INSPECTION_ERROR_RULE, SARIF_SCHEMA, fingerprint, renderSarif } from '../src/render/sarif.js';
import { renderScanOutput, type ScanFormat } from '../src/render/scanOutput.js';
import { makeStyle } from '../src/render/style.js';
import { countsText, libpqOf, renderSummaryTable, sortWorstFirst, summarize, verdictOf } from '../src/render/summary.js';
import { parseCsv } from './support/csv.js';
import { ACCOUNT, arnOf, asFunction, build, runOf } from './support/reports.js';
import { sarifSchemaErrors } from './support/sarifSchema.js';

// Realistic reports (test/support/reports.ts): the real offline inspector on the samples, then the fields a scan
// fills in (function, secrets, target, created).

test('the fixtures are what the samples give', async (t) => {
  const f = await build();
  t.deepEqual(f.old.checks.map((c) => c.status), ['fail', 'fail']);
  t.deepEqual(f.current.checks.map((c) => c.status), ['pass', 'pass']);
  t.deepEqual(f.unsure.checks.map((c) => c.status), ['pass', 'warn']);
  t.deepEqual(f.broken.checks.map((c) => c.status), ['unknown', 'unknown']);
  t.is(f.broken.errors.length, 1);
});

// ---------------------------------------------------------------------------
// summary

test('summarize: each function in exactly one verdict; not-applicable is not pass; the old fields agree', async (t) => {
  const f = await build();
  const s = summarize(f.all);
  t.deepEqual(s.counts, { fail: 1, error: 1, warn: 1, unknown: 0, ignored: 0, pass: 2, 'not-applicable': 0 });
  t.deepEqual([s.failing, s.warning, s.passing, s.unknown, s.notApplicable, s.errors], [1, 1, 2, 0, 0, 1]);
  t.deepEqual(s.byCheck, {
    scram: { fail: 1, warn: 0, unknown: 1, pass: 3, 'not-applicable': 0 },
    tls: { fail: 1, warn: 1, unknown: 1, pass: 2, 'not-applicable': 0 },
  });
  t.is(s.secrets, 2 + 1 + 1 + 0 + 4);
  t.is(Object.values(s.counts).reduce((a, b) => a + b, 0), s.functions);
  // A container-image function: every check not-applicable. It used to count as passing.
  const image = structuredClone(f.current);
  image.checks = image.checks.map((c) => ({ ...c, status: 'not-applicable' as const }));
  const withImage = summarize([f.current, image]);
  t.deepEqual([withImage.counts.pass, withImage.counts['not-applicable'], withImage.passing, withImage.notApplicable], [1, 1, 1, 1]);
  t.is(countsText(withImage), '2 functions: 0 fail, 0 error, 0 warn, 0 unknown, 0 ignored, 1 pass, 1 not-applicable');
  t.is(summarize([]).functions, 0);
});

test('sortWorstFirst: errors, then severity, then target id; input untouched', async (t) => {
  const f = await build();
  const input = [...f.all];
  const sorted = sortWorstFirst(input);
  t.deepEqual(sorted.map((r) => r.function?.name), ['pg-rotation-broken', f.old.function!.name, 'pg-rotation-no-handler', 'pg-rotation-current', 'pg-rotation-x']);
  t.deepEqual(input, f.all);
});

test('libpqOf: the loaded library wins, else the lowest version', async (t) => {
  const f = await build();
  const r = structuredClone(f.old);
  const lib94 = { ...f.old.libraries[0]!, installPath: '/opt/lib/libpq.so.5', layer: `arn:aws:lambda:us-east-1:${ACCOUNT}:layer:pg:1` };
  const lib10 = { ...f.current.libraries[0]!, installPath: '/var/task/libpq.so.5' };
  r.libraries = [lib10, lib94];
  delete r.loader;
  t.is(libpqOf(r).version, '9.4.26');
  r.loader = { searchPath: ['/var/task', '/opt/lib'], loads: '/var/task/libpq.so.5', reason: 'first on LD_LIBRARY_PATH' };
  t.deepEqual([libpqOf(r).version, libpqOf(r).exact], ['10.23', true]);
  r.libraries = [];
  t.deepEqual(libpqOf(r), { library: null, version: null, exact: null });
});

// ---------------------------------------------------------------------------
// the scan table

const plain = makeStyle(false);
const LONG = 'SecretsManagerRDSPostgreSQLRotationSingleUser-a-very-long-name-for-the-table';

test('summary table written to a file: nothing is cut, worst first, counts line', async (t) => {
  const f = await build();
  const out = renderSummaryTable(f.all, plain);
  const lines = out.trimEnd().split('\n');
  t.regex(lines[0]!, /^FUNCTION\s+REGION\s+SCRAM\s+TLS\s+LIBPQ\s+CREATED\s+SECRETS$/);
  t.regex(lines[1]!, /^pg-rotation-broken\s+ap-southeast-2\s+UNKNOWN\s+UNKNOWN\s+none\s+-\s+0$/);
  t.regex(lines[2]!, new RegExp(`^${LONG}\\s+us-east-1\\s+FAIL\\s+FAIL\\s+9\\.4\\.26\\s+2021-06-01\\s+2$`));
  t.regex(lines[3]!, /^pg-rotation-no-handler\s+eu-west-1\s+PASS\s+WARN\s+10\.23\s+2021-06-01\s+1$/);
  t.true(out.includes(`${countsText(summarize(f.all))}; 8 secrets`));
  t.true(out.includes('5 functions: 1 fail, 1 error, 1 warn, 0 unknown, 0 ignored, 2 pass, 0 not-applicable; 8 secrets'));
  t.regex(out, /\nerror {11}pg-rotation-broken: GetFunction: AccessDenied \|\\x0anot authorized\n/);
  t.false(out.includes('…'));
  t.false(out.includes('\x1b'));
  const coloured = renderSummaryTable(f.all, makeStyle(true));
  t.true(coloured.includes('\x1b[31;1mFAIL'));
  // Colour does not move columns.
  t.is(coloured.replace(/\x1b\[[\d;]*m/g, ''), out);
});

test('summary table on a terminal: 80 columns shorten names keeping their distinguishing end; 160 columns keep them whole', async (t) => {
  const f = await build();
  const fleet = ['AbCdEf123456', 'XyZ987654321', 'QrStUv000111'].map((suffix) =>
    asFunction(f.old, 'us-east-1', `SecretsManagerRDSPostgreSQLRotationSingleUser-${suffix}`, ['db']));
  const reports = [...f.all, ...fleet];
  const at80 = renderSummaryTable(reports, plain, { width: 80 });
  for (const l of at80.split('\n')) t.true([...l].length <= 80, `${[...l].length}: ${l}`);
  const names = at80.split('\n').filter((l) => l.startsWith('Secrets')).map((l) => l.split(/\s+/)[0]!);
  t.is(names.length, 4);
  t.is(new Set(names).size, 4, 'every row still tells its function apart');
  for (const suffix of ['AbCdEf123456', 'XyZ987654321', 'QrStUv000111']) t.true(names.some((n) => n.includes('…') && n.endsWith(`-${suffix}`)), suffix);
  t.true(names.some((n) => n.endsWith('-for-the-table')));
  // The error line wraps under its label instead of being cut.
  t.regex(at80, /^error {11}pg-rotation-broken: GetFunction: AccessDenied \|\\x0anot\n {16}authorized$/m);
  // On a narrow terminal SECRETS and CREATED give their room to the names.
  t.regex(at80.split('\n')[0]!, /^FUNCTION\s+REGION\s+SCRAM\s+TLS\s+LIBPQ$/);

  const at160 = renderSummaryTable(reports, plain, { width: 160 });
  t.true(at160.includes(LONG));
  for (const r of fleet) t.true(at160.includes(r.function!.name));
  t.false(at160.includes('…'));
});

test('summary table: control characters in names are shown, never sent to the terminal', async (t) => {
  const f = await build();
  const r = structuredClone(f.current);
  r.function!.name = 'evil\x1b]0;title\x07\nname';
  const out = renderSummaryTable([r], plain);
  t.false(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/.test(out));
  t.true(out.includes('evil\\x1b]0;title\\x07\\x0aname'));
});

test('summary table: a failed listing and an interrupted run are printed above the counts, one ARN a line', async (t) => {
  const f = await build();
  const notInspected = [arnOf('us-east-1', 'left-1'), arnOf('us-east-1', 'left-2'), arnOf('eu-west-1', 'left-3')];
  const run = runOf([f.current], {
    regions: [{ region: 'us-east-1' }, { region: 'eu-west-1', error: { code: 'access-denied', message: 'secrets in eu-west-1: access denied: secretsmanager:ListSecrets was refused' } }],
    interrupted: true, notInspected,
  });
  const out = renderSummaryTable(run.reports, plain, {}, run);
  const lines = out.split('\n');
  const counts = lines.findIndex((l) => l.startsWith('1 function: '));
  const listing = lines.findIndex((l) => l.startsWith('LISTING FAILED  eu-west-1: secrets in eu-west-1: access denied'));
  const partial = lines.findIndex((l) => l.startsWith('PARTIAL RUN     '));
  t.true(listing >= 0 && partial > listing && counts > partial, out);
  for (const arn of notInspected) t.true(lines.includes(`  ${arn}`), arn);
  t.regex(lines[counts]!, /\(partial\)$/);
  // An empty table still says the listing failed.
  const empty = renderScanOutput(runOf([], { regions: run.regions }), { format: 'table', style: plain, toolVersion: '0.1.0' });
  t.regex(empty, /^LISTING FAILED {2}eu-west-1: /m);
  t.regex(empty, /^0 functions: 0 fail, 0 error, 0 warn, 0 unknown, 0 ignored, 0 pass, 0 not-applicable; 0 secrets \(partial\)$/m);
  t.false(empty.includes('No rotation functions found'));
});

// ---------------------------------------------------------------------------
// CSV

test('csv: header, worst first, parses back to the same cells', async (t) => {
  const f = await build();
  const csv = renderCsv(f.all);
  t.true(csv.endsWith('\r\n'));
  t.false(/[\r\n]/.test(csv.replace(/\r\n/g, '')), 'no line break except the record ends');
  const rows = parseCsv(csv);
  t.deepEqual(rows[0], [...CSV_COLUMNS]);
  t.is(rows.length, 1 + f.all.length);
  for (const r of rows) t.is(r.length, CSV_COLUMNS.length);
  const col = (row: string[], name: (typeof CSV_COLUMNS)[number]) => row[CSV_COLUMNS.indexOf(name)];
  t.deepEqual(rows.slice(1).map((r) => col(r, 'function_name')), sortWorstFirst(f.all).map((r) => r.function!.name));

  const old = rows.find((r) => col(r, 'function_name') === f.old.function!.name)!;
  t.deepEqual(old, [
    f.old.function!.arn, f.old.function!.name, 'us-east-1', 'fail', 'fail', '9.4.26', 'true', '2021-06-01', 'cloudformation',
    'serverlessrepo-SecretsManagerRDSPostgreSQLRotationSingleUser', 'prod/db/app;prod/db/reporting', '', 'fail', '', '',
    '123456789012', '',
  ]);
  const current = rows.find((r) => col(r, 'function_name') === 'pg-rotation-current')!;
  t.is(col(current, 'secrets'), 'staging/db, "main"');
  t.is(col(current, 'created_source'), 'flag');
  const broken = rows.find((r) => col(r, 'function_name') === 'pg-rotation-broken')!;
  t.is(col(broken, 'errors'), 'GetFunction: AccessDenied |\\x0anot authorized');
  t.is(col(broken, 'libpq_version'), '');
  t.is(col(broken, 'libpq_exact'), '');
  // The verdict column counts the same way as every other format.
  const byVerdict: Record<string, number> = {};
  for (const r of rows.slice(1)) byVerdict[col(r, 'verdict')!] = (byVerdict[col(r, 'verdict')!] ?? 0) + 1;
  const s = summarize(f.all);
  for (const [v, n] of Object.entries(s.counts)) t.is(byVerdict[v] ?? 0, n, v);
});

test('csv: formula injection is neutralised with a leading apostrophe', async (t) => {
  const f = await build();
  const rows = parseCsv(renderCsv([f.injected]));
  const row = rows[1]!;
  t.is(row[CSV_COLUMNS.indexOf('secrets')], '\'=HYPERLINK("http://evil.example/","click");+1;-2;@SUM(A1)');
  t.is(row[CSV_COLUMNS.indexOf('stack')], '\'=cmd|\' /C calc\'!A0');
  for (const r of rows) for (const cell of r) t.false(/^[=+\-@\t\r]/.test(cell), cell);
  // Each dangerous lead character on its own; tab and CR are shown escaped, so no cell starts with them.
  for (const lead of ['=', '+', '-', '@']) {
    const r = structuredClone(f.current);
    r.function!.name = `${lead}x`;
    t.is(parseCsv(renderCsv([r]))[1]![1], `'${lead}x`);
  }
  for (const [lead, shown] of [['\t', '\\x09'], ['\r', '\\x0d']] as const) {
    const r = structuredClone(f.current);
    r.function!.name = `${lead}=1+1`;
    t.is(parseCsv(renderCsv([r]))[1]![1], `${shown}=1+1`);
  }
});

test('csv: a failed listing and an interrupted run are rows of their own', async (t) => {
  const f = await build();
  const left = [arnOf('us-east-1', 'left-1'), arnOf('us-east-1', 'left-2')];
  const run = runOf([f.current], {
    regions: [{ region: 'us-east-1', error: { code: 'endpoint-unreachable', message: 'secrets in us-east-1: endpoint unreachable' } }],
    interrupted: true, notInspected: left,
  });
  const rows = parseCsv(renderCsv(run.reports, run));
  const col = (row: string[], name: (typeof CSV_COLUMNS)[number]) => row[CSV_COLUMNS.indexOf(name)];
  t.deepEqual(rows.slice(1).map((r) => col(r, 'verdict')), ['pass', 'listing-failed', 'partial', 'not-inspected', 'not-inspected']);
  const listing = rows[2]!;
  t.is(col(listing, 'region'), 'us-east-1');
  t.is(col(listing, 'errors'), 'secrets in us-east-1: endpoint unreachable');
  t.regex(col(rows[3]!, 'errors')!, /^PARTIAL RUN: listing secrets failed in 1 region \(us-east-1\); the scan was interrupted; 2 discovered functions were not inspected\./);
  t.deepEqual(rows.slice(4).map((r) => [col(r, 'function_arn'), col(r, 'function_name'), col(r, 'region')]), [[left[0], 'left-1', 'us-east-1'], [left[1], 'left-2', 'us-east-1']]);
  // A listing that failed with nothing found is not a bare header.
  const empty = parseCsv(renderCsv([], runOf([], { regions: run.regions })));
  t.deepEqual(empty.slice(1).map((r) => col(r, 'verdict')), ['listing-failed', 'partial']);
});

// ---------------------------------------------------------------------------
// SARIF

type Json = Record<string, any>;

function sarif(reports: readonly Report[], run = runOf(reports)): Json {
  return JSON.parse(renderSarif(reports, '0.1.0', run)) as Json;
}

test('sarif: valid against the official SARIF 2.1.0 schema, complete or not', async (t) => {
  const f = await build();
  const failed = runOf(f.all, {
    regions: [{ region: 'us-east-1', error: { code: 'access-denied', message: 'secrets in us-east-1: access denied' } }, { region: 'eu-west-1' }],
    interrupted: true, notInspected: [arnOf('eu-west-1', 'left')],
  });
  const offline = structuredClone(f.old);
  delete offline.function;
  offline.target = { type: 'zip', id: '/tmp/my bundles/old rotation.zip' };
  for (const [name, log] of [
    ['complete', sarif(f.all)], ['partial', sarif(f.all, failed)], ['empty', sarif([])], ['no run given', JSON.parse(renderSarif(f.all, '0.1.0'))],
    ['offline', sarif([offline])],
  ] as const) {
    t.deepEqual(sarifSchemaErrors(log), [], name);
  }
});

test('sarif: relative pseudo-paths per function, the ARN as a logical location, automationDetails and invocations', async (t) => {
  const f = await build();
  const log = sarif(f.all);
  t.is(log.$schema, SARIF_SCHEMA);
  const run = log.runs[0];
  t.deepEqual(run.tool.driver.rules.map((r: Json) => r.id), ['scram', 'tls', INSPECTION_ERROR_RULE]);
  t.regex(run.automationDetails.id, new RegExp(`^rotation-inspector/${ACCOUNT}/eu-west-1\\+us-east-1/2026-11-30T11:20:05.000Z$`));
  t.deepEqual(run.invocations, [{ executionSuccessful: true, startTimeUtc: '2026-11-30T11:20:05.000Z' }]);
  const results = run.results as Json[];
  t.deepEqual(results.map((r) => [r.locations[0].logicalLocations[0].name, r.ruleId, r.level]), [
    ['pg-rotation-broken', INSPECTION_ERROR_RULE, 'error'],
    [f.old.function!.name, 'scram', 'error'],
    [f.old.function!.name, 'tls', 'error'],
    ['pg-rotation-no-handler', 'tls', 'warning'],
  ]);
  for (const r of results) {
    const uri = r.locations[0].physicalLocation.artifactLocation.uri as string;
    const name = r.locations[0].logicalLocations[0].name as string;
    const arn = r.locations[0].logicalLocations[0].fullyQualifiedName as string;
    t.regex(arn, /^arn:aws:lambda:/);
    t.is(uri, `aws/${ACCOUNT}/${r.properties.region}/lambda/${name}`);
    t.is(new URL(uri, 'file:///checkout/').protocol, 'file:', 'relative, not a scheme of its own');
    t.is(r.properties.arn, arn);
    t.is(r.properties.account, ACCOUNT);
    t.is(r.partialFingerprints[FINGERPRINT_KEY], fingerprint(r.ruleId, arn));
  }
  const scram = results[1]!;
  t.is(scram.message.text, f.old.checks[0]!.summary);
  t.deepEqual(scram.properties.evidence, f.old.checks[0]!.evidence);
  t.is(scram.properties.libpqVersion, '9.4.26');
  t.is(results[0]!.message.text, 'GetFunction: AccessDenied |\\x0anot authorized');
  // Fingerprints are stable across runs and distinct per rule and function.
  const again = sarif([...f.all].reverse());
  t.deepEqual(again.runs[0].results.map((r: Json) => r.partialFingerprints), results.map((r) => r.partialFingerprints));
  t.is(new Set(results.map((r) => JSON.stringify(r.partialFingerprints))).size, results.length);
  // The counts, the same as every format.
  t.deepEqual(run.properties.counts, summarize(f.all).counts);
  // Nothing to report: still a valid log with an empty result list.
  t.deepEqual(sarif([f.current]).runs[0].results, []);
});

test('sarif: a failed listing or an interruption is an unsuccessful invocation with the notification', async (t) => {
  const f = await build();
  const run = runOf([f.current], {
    regions: [{ region: 'us-east-1', error: { code: 'expired-credentials', message: 'secrets in us-east-1: the credentials have expired' } }, { region: 'eu-west-1' }],
    interrupted: true, notInspected: [arnOf('eu-west-1', 'left')],
  });
  const log = sarif(run.reports, run);
  const inv = log.runs[0].invocations[0];
  const described = new Set(log.runs[0].tool.driver.notifications.map((n: Json) => n.id));
  t.false(inv.executionSuccessful);
  const notes = inv.toolExecutionNotifications as Json[];
  t.deepEqual(notes.map((n) => [n.level, n.descriptor.id]), [['error', 'listing-failed'], ['error', 'partial-run']]);
  for (const n of notes) t.true(described.has(n.descriptor.id), `${n.descriptor.id} is described in driver.notifications`);
  t.is(notes[0]!.message.text, 'listing secrets failed in us-east-1: secrets in us-east-1: the credentials have expired');
  t.deepEqual(notes[0]!.properties, { region: 'us-east-1', code: 'expired-credentials' });
  t.deepEqual(notes[1]!.properties.notInspected, [arnOf('eu-west-1', 'left')]);
});

test('sarif: offline targets become relative paths or file: URIs, never another scheme', async (t) => {
  const f = await build();
  const uriOf = (id: string) => {
    const r = structuredClone(f.old);
    delete r.function;
    r.target = { type: 'zip', id };
    return sarif([r]).runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri as string;
  };
  t.is(uriOf('my bundles/old rotation.zip'), 'my%20bundles/old%20rotation.zip');
  t.is(uriOf('/tmp/a b.zip'), 'file:///tmp/a%20b.zip');
  for (const hostile of ['javascript:alert(1)', 'https://evil.example/x.zip', 'data:text/html,<b>x</b>', '..\\..\\x:y.zip']) {
    const uri = uriOf(hostile);
    t.is(new URL(uri, 'file:///checkout/').protocol, 'file:', `${hostile} -> ${uri}`);
    t.false(/^[a-z][\w+.-]*:/i.test(uri), `${hostile} -> ${uri}`);
  }
  // A function name cannot open a scheme either.
  const r = structuredClone(f.old);
  r.function!.name = 'javascript:alert(1)';
  t.is(sarif([r]).runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, `aws/${ACCOUNT}/us-east-1/lambda/javascript%3Aalert(1)`);
});

// ---------------------------------------------------------------------------
// Markdown

function tableRows(md: string): string[] {
  return md.split('\n').filter((l) => l.startsWith('| '));
}

/** Splits a GFM table row on unescaped pipes. */
function cells(row: string): string[] {
  return row.slice(2, -2).split(/(?<!\\) \| /);
}

test('markdown: when and where, counts, table worst first, each finding once with its fix and functions', async (t) => {
  const f = await build();
  const fleet = ['AbCdEf', 'XyZ987'].map((suffix) => asFunction(f.old, 'us-east-1', `SecretsManagerRDSPostgreSQLRotationSingleUser-${suffix}`, ['db'], f.old.created));
  const reports = [...f.all, ...fleet];
  const md = renderMarkdown(reports, runOf(reports));
  t.true(md.startsWith('# PostgreSQL rotation function inspection\n\nScanned 2026-11-30 11:20:05 UTC; account 123456789012; regions eu-west-1, us-east-1.\n'));
  t.true(md.includes('**7 functions: 3 fail, 1 error, 1 warn, 0 unknown, 0 ignored, 2 pass, 0 not-applicable**; rotating 10 secrets; 1 could not be fully inspected.'));
  t.false(md.includes('undecided'));
  const rows = tableRows(md);
  t.deepEqual(cells(rows[0]!), ['Function', 'Account', 'Region', 'SCRAM', 'TLS', 'libpq', 'Created', 'Stack', 'Secrets']);
  const body = rows.slice(2, 2 + reports.length).map(cells);
  for (const r of body) t.is(r.length, 9);
  t.is(body[0]![0], 'pg-rotation-broken (error)');
  const oldRow = body.find((r) => r[0] === LONG.replace(/_/g, '\\_'))!;
  t.deepEqual(oldRow, [oldRow[0], ACCOUNT, 'us-east-1', 'FAIL', 'FAIL', '9.4.26', '2021-06-01', 'serverlessrepo-SecretsManagerRDSPostgreSQLRotationSingleUser', '2']);

  const findings = md.slice(md.indexOf('## Findings'));
  t.true(findings.includes('### SCRAM: FAIL (3 functions)'));
  t.true(findings.includes('### TLS: FAIL (3 functions)'));
  t.true(findings.includes('### TLS: WARN (1 function)'));
  // The fix paragraph once per finding, not once per function.
  t.is(md.split('Fix: Redeploy the rotation function').length - 1, 3);
  const scramSection = findings.slice(findings.indexOf('### SCRAM: FAIL'), findings.indexOf('### TLS: FAIL'));
  const scramRows = tableRows(scramSection).slice(2).map(cells);
  t.deepEqual(scramRows.map((r) => r[0]), sortWorstFirst([f.old, ...fleet]).map((x) => x.function!.name));
  for (const r of scramRows) t.deepEqual(r.slice(1, 5), [ACCOUNT, 'us-east-1', 'serverlessrepo-SecretsManagerRDSPostgreSQLRotationSingleUser', '2021-06-01']);
  // The three functions give the same summary: it is said once, above their table.
  t.is(md.split('it cannot authenticate with scram-sha-256').length - 1, 1);
  t.deepEqual(cells(tableRows(scramSection)[0]!), ['Function', 'Account', 'Region', 'Stack', 'Created']);
  // Different summaries get a Why column.
  const other = structuredClone(fleet[0]!);
  other.function!.name = 'pg-rotation-other';
  other.target.id = arnOf('us-east-1', 'pg-rotation-other');
  other.checks[0] = { ...other.checks[0]!, summary: 'A different reason.' };
  const mixed = renderMarkdown([fleet[0]!, other], runOf([fleet[0]!, other]));
  const mixedScram = mixed.slice(mixed.indexOf('### SCRAM: FAIL (2 functions)'), mixed.indexOf('### TLS'));
  t.deepEqual(cells(tableRows(mixedScram)[0]!), ['Function', 'Account', 'Region', 'Stack', 'Created', 'Why']);
  t.deepEqual(tableRows(mixedScram).slice(2).map((r) => cells(r).at(-1)), [fleet[0]!.checks[0]!.summary, 'A different reason.']);
  t.true(md.includes('## Inspection errors'));
  t.true(md.includes('- pg-rotation-broken: GetFunction: AccessDenied \\| not authorized') || md.includes('- pg-rotation-broken: GetFunction: AccessDenied \\|\\\\x0anot authorized'));
});

test('markdown: a failed listing and an interrupted run say so at the top, skipped functions one a line', async (t) => {
  const f = await build();
  const left = [arnOf('us-east-1', 'left-1'), arnOf('us-east-1', 'left-2')];
  const run = runOf([f.current], {
    regions: [{ region: 'us-east-1', error: { code: 'access-denied', message: 'secrets in us-east-1: access denied' } }],
    interrupted: true, notInspected: left,
  });
  const md = renderMarkdown(run.reports, run);
  const top = md.slice(0, md.indexOf('**1 function'));
  t.true(top.includes('> **PARTIAL RUN: listing secrets failed in 1 region (us-east-1); the scan was interrupted; 2 discovered functions were not inspected.'));
  t.true(top.includes('> Listing failed in us-east-1: secrets in us-east-1: access denied'));
  t.true(md.includes(`## Not inspected\n\n- ${left[0]}\n- ${left[1]}\n`));
  const empty = renderMarkdown([], runOf([], { regions: run.regions }));
  t.false(empty.includes('No PostgreSQL rotation functions were found'));
  t.true(empty.includes('Listing failed in us-east-1'));
  t.true(renderMarkdown([], runOf([])).includes('No PostgreSQL rotation functions were found.'));
});

test('markdown: pipes and newlines in cells cannot break the table', async (t) => {
  const f = await build();
  const r = structuredClone(f.current);
  r.function!.name = 'a|b\nc<script>';
  r.created = { date: null, source: null, note: 'x' };
  const md = renderMarkdown([r], runOf([r]));
  const rows = tableRows(md);
  t.is(rows.length, 3);
  const row = cells(rows[2]!);
  t.is(row.length, 9);
  t.is(row[0], 'a\\|b\\\\x0ac\\<script\\>');
  t.is(row[6], 'unknown');
  t.is(escapeCell('x\r\ny|z'), 'x\\\\x0d\\\\x0ay\\|z');
  t.false(md.includes('<script>'));
});

// ---------------------------------------------------------------------------
// json and ndjson: the same summary

test('json and ndjson carry the same summary; ndjson ends with it', async (t) => {
  const f = await build();
  const run = runOf(f.all, { interrupted: true, notInspected: [arnOf('us-east-1', 'left')] });
  const opts = (format: ScanFormat) => ({ format, style: plain, toolVersion: '0.1.0' });
  const json = JSON.parse(renderScanOutput(run, opts('json')));
  const lines = renderScanOutput(run, opts('ndjson')).trimEnd().split('\n').map((l) => JSON.parse(l));
  t.is(lines.length, f.all.length + 1);
  const last = lines.at(-1);
  t.is(last.type, 'summary');
  t.deepEqual(last.summary, json.summary);
  t.deepEqual(json.summary.counts, summarize(f.all).counts);
  t.like(json.summary, { partial: true, complete: false, interrupted: true, notInspected: [arnOf('us-east-1', 'left')], passing: 2, notApplicable: 0 });
  for (const l of lines.slice(0, -1)) t.is(l.schemaVersion, 1);
});

// ---------------------------------------------------------------------------
// the inspect table

test('inspect table: on a terminal summaries and fixes wrap at words with a hanging indent; the fix has normal weight', async (t) => {
  const { renderTable } = await import('../src/render/table.js');
  const f = await build();
  const flat = renderTable(f.old, plain);
  const fix = flat.split('\n').find((l) => l.trimStart().startsWith('fix: '))!;
  t.true([...fix].length > 200, 'in a file the fix stays on one line');
  for (const width of [60, 100]) {
    const out = renderTable(f.old, plain, width);
    const lines = out.trimEnd().split('\n');
    const verdict = lines.findIndex((l) => /^ {2}FAIL {4}scram {2}/.test(l));
    for (const l of lines.slice(verdict)) t.true([...l].length <= width, `${width}: ${l}`);
    // Same words, only the line breaks differ.
    t.is(out.replace(/\s+/g, ' '), flat.replace(/\s+/g, ' '));
    t.regex(lines[verdict + 1]!, /^ {17}\S/, 'the summary continues under itself');
    const fixAt = lines.findIndex((l) => l.startsWith('          fix: '));
    t.true(fixAt > verdict);
    t.regex(lines[fixAt + 1]!, /^ {15}\S/, 'the fix continues under its first word');
    // No word is cut in two.
    const words = new Set(flat.split(/\s+/));
    for (const w of out.split(/\s+/)) t.true(words.has(w), w);
  }
  // In colour, the fix is not dimmed: it is the most useful text.
  const coloured = renderTable(f.old, makeStyle(true), 100);
  for (const l of coloured.split('\n').filter((x) => x.includes('fix: ') || /^ {15}\S/.test(x))) t.false(l.includes('\x1b[2m'), l);
});

test('report warnings (an optional call refused) show in the scan table, markdown and csv', async (t) => {
  const f = await build();
  const r = structuredClone(f.old);
  r.warnings = [{ code: 'access-denied', message: 'cloudformation:DescribeStacks was refused; the binary decides' }];
  const table = renderSummaryTable([r], plain);
  t.regex(table, /^warning {9}SecretsManager\S+: cloudformation:DescribeStacks was refused; the binary decides$/m);
  t.true(renderMarkdown([r], runOf([r])).includes('## Warnings\n\n- SecretsManager'));
  const rows = parseCsv(renderCsv([r]));
  t.is(rows[1]![CSV_COLUMNS.indexOf('warnings')], 'cloudformation:DescribeStacks was refused; the binary decides');
  t.is(verdictOf(r), 'fail', 'a warning changes no verdict');
});

// ---------------------------------------------------------------------------
// Every renderer, every string field poisoned

const POISON = '\x1b[2K\r\x1b]8;;https://evil.example/\x07x\x1b]8;;\x07\x1b]52;c;cm0=\x07\u009b1m\u202eSSAP\u2066\u2069\u2028\nPASS  PASS  verified\r\n=1+1';
/** Enumerations the renderers switch on: poisoning them would test nothing but a crash. */
const ENUM_KEYS = new Set(['status', 'type', 'source', 'packageType', 'endianness', 'kind', 'linkage', 'engine', 'language']);

function poison<T>(value: T, key = ''): T {
  if (typeof value === 'string') return (ENUM_KEYS.has(key) || (key === 'id' && ['scram', 'tls'].includes(value)) ? value : `${value}${POISON}`) as T;
  if (Array.isArray(value)) return value.map((v) => poison(v, key)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, poison(v, k)])) as T;
  return value;
}

test('every renderer, fed reports whose every text field holds ESC, OSC 8/52, CR, LF, C1 and bidi characters, writes none of them raw and forges no verdict line', async (t) => {
  const { renderTable } = await import('../src/render/table.js');
  const f = await build();
  const reports = f.all.map((r) => poison(r));
  reports[0]!.warnings = [{ code: 'x', message: `warned${POISON}` }];
  reports[1]!.ignored = [{ check: 'scram', reason: `accepted${POISON}`, expires: null, entry: `f.yaml:3${POISON}` }];
  const run = runOf(reports, {
    regions: [{ region: 'us-east-1', error: { code: 'x', message: `denied${POISON}` } }, { region: 'eu-west-1' }],
    interrupted: true, notInspected: [arnOf('us-east-1', `left${POISON}`)],
  });
  const outputs: Array<[string, string, string]> = [
    ...(['table', 'csv', 'markdown', 'sarif', 'json', 'ndjson'] as const).map((format): [string, string, string] => [format, renderScanOutput(run, { format, style: plain, toolVersion: '0.1.0' }), format === 'csv' ? '\r\n' : '\n']),
    ['table at 60 columns', renderScanOutput(run, { format: 'table', style: plain, width: 60, toolVersion: '0.1.0' }), '\n'],
    ...reports.map((r, i): [string, string, string] => [`inspect table ${i}`, renderTable(r, plain, i % 2 ? 70 : undefined), '\n']),
  ];
  for (const [name, out, eol] of outputs) {
    const lines = out.split(eol);
    for (const l of lines) {
      t.false(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/.test(l), `${name}: raw control in ${JSON.stringify(l).slice(0, 200)}`);
      // Verdicts start a line (scan rows at column 0, inspect verdicts at column 2, markdown cells after "| ");
      // wrapped text continues at column 10 or more, under its label, where no verdict stands.
      t.false(/^( {0,2}|[|>] ?)PASS +PASS +verified/.test(l), `${name}: forged verdict line ${JSON.stringify(l).slice(0, 200)}`);
    }
    if (name === 'csv') {
      const rows = parseCsv(out);
      for (const row of rows) t.is(row.length, CSV_COLUMNS.length);
      for (const row of rows) for (const cell of row) t.false(/^[=+\-@\t\r]/.test(cell), cell);
    }
    if (name === 'sarif') {
      const log = JSON.parse(out);
      t.deepEqual(sarifSchemaErrors(log), []);
      for (const res of log.runs[0].results) t.is(new URL(res.locations[0].physicalLocation.artifactLocation.uri, 'file:///c/').protocol, 'file:');
    }
  }
  // JSON keeps the raw values for programs.
  const json = JSON.parse(renderScanOutput(run, { format: 'json', style: plain, toolVersion: '0.1.0' }));
  t.is(json.summary.listingFailures[0].message, `denied${POISON}`);
  t.true(json.reports.some((r: Report) => r.function?.name === `${f.old.function!.name}${POISON}`));
});
