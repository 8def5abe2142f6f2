import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalBundle } from '../src/bundle/openBundle.js';
import { inspectLocal } from '../src/report/inspectLocal.js';
import type { Created, FunctionFacts, Report, SecretRef } from '../src/report/report.js';
import { CSV_COLUMNS, renderCsv } from '../src/render/csv.js';
import { escapeCell, renderMarkdown } from '../src/render/markdown.js';
import { FINGERPRINT_KEY, INSPECTION_ERROR_RULE, SARIF_SCHEMA, fingerprint, renderSarif } from '../src/render/sarif.js';
import { makeStyle } from '../src/render/style.js';
import { libpqOf, renderSummaryTable, sortWorstFirst, summarize } from '../src/render/summary.js';
import { SAMPLE_10, SAMPLE_94 } from './support/fixtures.js';

// ---------------------------------------------------------------------------
// Realistic reports: the real offline inspector on the samples, then the
// fields a scan fills in (function, secrets, target, created).

const ACCOUNT = '123456789012';
const arnOf = (region: string, name: string) => `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`;

function asFunction(base: Report, region: string, name: string, secrets: string[], created?: Created): Report {
  const r = structuredClone(base);
  const arn = arnOf(region, name);
  const fn: FunctionFacts = {
    name, arn, runtime: 'python3.9', handler: 'lambda_function.lambda_handler', packageType: 'Zip', architectures: ['x86_64'],
    codeSha256: 'aGVsbG8=', codeSize: r.target.size ?? null, lastModified: '2021-06-01T00:00:00.000+0000', timeout: 30,
    vpc: null, layers: [], tags: {},
  };
  r.target = { type: 'function', id: arn, region, bytesRead: r.target.bytesRead, size: r.target.size };
  r.function = fn;
  r.secrets = secrets.map((s): SecretRef => ({
    name: s, arn: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${s}-AbCdEf`, rotationEnabled: true, lastRotatedDate: '2024-01-01T00:00:00.000Z',
  }));
  if (created) r.created = created;
  return r;
}

interface Fixture {
  old: Report; current: Report; unsure: Report; broken: Report; injected: Report; all: Report[];
}

let fixture: Promise<Fixture> | undefined;

/** A bundle without its handler (libpq 10 only), created before the cut-offs: the tls check warns. */
async function handlerlessDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ri-render-'));
  const bundle = await openLocalBundle(SAMPLE_10);
  try {
    for (const e of bundle.entries) {
      if (e.type !== 'file' || e.path.endsWith('.py')) continue;
      await writeFile(join(dir, e.path), await bundle.read(e, 1 << 20));
    }
  } finally {
    await bundle.close();
  }
  return dir;
}

function build(): Promise<Fixture> {
  fixture ??= (async () => {
    const r94 = await inspectLocal(SAMPLE_94, { created: '2021-06-01' });
    const r10 = await inspectLocal(SAMPLE_10, { created: '2022-03-01' });
    const dir = await handlerlessDir();
    let rDir: Report;
    try { rDir = await inspectLocal(dir, { created: '2021-06-01' }); } finally { await rm(dir, { recursive: true, force: true }); }
    const rMissing = await inspectLocal(join(tmpdir(), 'ri-no-such-bundle.zip'));

    const old = asFunction(r94, 'us-east-1', 'SecretsManagerRDSPostgreSQLRotationSingleUser-a-very-long-name-for-the-table', ['prod/db/app', 'prod/db/reporting'], {
      date: '2021-06-01', source: 'cloudformation', stack: 'serverlessrepo-SecretsManagerRDSPostgreSQLRotationSingleUser',
      stackId: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/serverlessrepo-x/1`,
    });
    const current = asFunction(r10, 'eu-west-1', 'pg-rotation-current', ['staging/db, "main"']);
    const unsure = asFunction(rDir, 'eu-west-1', 'pg-rotation-no-handler', ['dev/db']);
    const broken = asFunction(rMissing, 'ap-southeast-2', 'pg-rotation-broken', []);
    broken.errors = [{ code: 'access-denied', message: 'GetFunction: AccessDenied |\nnot authorized' }];
    // Names a spreadsheet would run as formulas.
    const injected = asFunction(r10, 'us-west-2', 'pg-rotation-x', ['=HYPERLINK("http://evil.example/","click")', '+1', '-2', '@SUM(A1)']);
    injected.created = { date: null, source: null, note: 'stack deleted', stack: '=cmd|\' /C calc\'!A0' };
    return { old, current, unsure, broken, injected, all: [current, injected, old, unsure, broken] };
  })();
  return fixture;
}

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

test('summarize counts buckets, checks and secrets', async (t) => {
  const f = await build();
  const s = summarize(f.all);
  t.deepEqual(s, {
    functions: 5, failing: 1, warning: 1, errors: 1, passing: 2, unknown: 1,
    byCheck: {
      scram: { fail: 1, warn: 0, unknown: 1, pass: 3, 'not-applicable': 0 },
      tls: { fail: 1, warn: 1, unknown: 1, pass: 2, 'not-applicable': 0 },
    },
    secrets: 2 + 1 + 1 + 0 + 4,
  });
  t.is(s.failing + s.warning + s.passing + s.unknown, s.functions);
  t.deepEqual(summarize([]).functions, 0);
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

test('summary table: worst first, fits 100 columns, totals line', async (t) => {
  const f = await build();
  const out = renderSummaryTable(f.all, makeStyle(false));
  const lines = out.trimEnd().split('\n');
  t.regex(lines[0]!, /^FUNCTION\s+REGION\s+SCRAM\s+TLS\s+LIBPQ\s+CREATED\s+SECRETS$/);
  for (const l of lines) t.true([...l].length <= 100, l);
  t.regex(lines[1]!, /^pg-rotation-broken\s+ap-southeast-2\s+UNKNOWN\s+UNKNOWN\s+none\s+-\s+0$/);
  t.regex(lines[2]!, /^SecretsManagerRDSPostgreSQLRotation.*…\s+us-east-1\s+FAIL\s+FAIL\s+9\.4\.26\s+2021-06-01\s+2$/);
  t.regex(lines[3]!, /^pg-rotation-no-handler\s+eu-west-1\s+PASS\s+WARN\s+10\.23\s+2021-06-01\s+1$/);
  t.true(out.includes('5 functions: 1 failing, 1 warning, 2 passing, 1 unknown, 1 with errors; 8 secrets'));
  t.true(out.includes('error  pg-rotation-broken: GetFunction: AccessDenied | not authorized'));
  t.false(out.includes('\x1b'));
  const coloured = renderSummaryTable(f.all, makeStyle(true));
  t.true(coloured.includes('\x1b[31;1mFAIL'));
  // Colour does not move columns.
  t.is(coloured.replace(/\x1b\[[\d;]*m/g, ''), out);
});

test('summary table: control characters in names never reach the terminal', async (t) => {
  const f = await build();
  const r = structuredClone(f.current);
  r.function!.name = 'evil\x1b]0;title\x07\nname';
  const out = renderSummaryTable([r], makeStyle(false));
  t.false(/[\x00-\x08\x0b-\x1f]/.test(out));
  t.true(out.includes('evil?]0;title? name'));
});

// ---------------------------------------------------------------------------
// CSV

/** RFC 4180, strictly: CRLF records, quoted fields may hold CR, LF, comma and "" for a quote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
          i++;
          break;
        }
        field += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') throw new Error(`bare quote at ${i}`);
        field += text[i++];
      }
    }
    row.push(field);
    if (text[i] === ',') { i++; continue; }
    if (text.startsWith('\r\n', i)) { rows.push(row); row = []; i += 2; continue; }
    if (i >= text.length) { rows.push(row); break; }
    throw new Error(`expected , or CRLF at ${i}, found ${JSON.stringify(text[i])}`);
  }
  return rows;
}

test('csv: header, worst first, parses back to the same cells', async (t) => {
  const f = await build();
  const csv = renderCsv(f.all);
  t.true(csv.endsWith('\r\n'));
  t.false(/[^\r]\n/.test(csv.replace(/"(?:[^"]|"")*"/g, '')), 'bare LF outside quotes');
  const rows = parseCsv(csv);
  t.deepEqual(rows[0], [...CSV_COLUMNS]);
  t.is(rows.length, 1 + f.all.length);
  for (const r of rows) t.is(r.length, CSV_COLUMNS.length);
  const col = (row: string[], name: (typeof CSV_COLUMNS)[number]) => row[CSV_COLUMNS.indexOf(name)];
  t.deepEqual(rows.slice(1).map((r) => col(r, 'function_name')), sortWorstFirst(f.all).map((r) => r.function!.name));

  const old = rows.find((r) => col(r, 'function_name') === f.old.function!.name)!;
  t.deepEqual(old, [
    f.old.function!.arn, f.old.function!.name, 'us-east-1', 'fail', 'fail', '9.4.26', 'true', '2021-06-01', 'cloudformation',
    'serverlessrepo-SecretsManagerRDSPostgreSQLRotationSingleUser', 'prod/db/app;prod/db/reporting', '',
  ]);
  const current = rows.find((r) => col(r, 'function_name') === 'pg-rotation-current')!;
  t.is(col(current, 'secrets'), 'staging/db, "main"');
  t.is(col(current, 'created_source'), 'flag');
  const broken = rows.find((r) => col(r, 'function_name') === 'pg-rotation-broken')!;
  t.is(col(broken, 'errors'), 'GetFunction: AccessDenied |\nnot authorized');
  t.is(col(broken, 'libpq_version'), '');
  t.is(col(broken, 'libpq_exact'), '');
});

test('csv: formula injection is neutralised with a leading apostrophe', async (t) => {
  const f = await build();
  const rows = parseCsv(renderCsv([f.injected]));
  const row = rows[1]!;
  t.is(row[CSV_COLUMNS.indexOf('secrets')], '\'=HYPERLINK("http://evil.example/","click");+1;-2;@SUM(A1)');
  t.is(row[CSV_COLUMNS.indexOf('stack')], '\'=cmd|\' /C calc\'!A0');
  for (const r of rows) for (const cell of r) t.false(/^[=+\-@\t\r]/.test(cell), cell);
  // Each dangerous lead character on its own.
  for (const lead of ['=', '+', '-', '@', '\t']) {
    const r = structuredClone(f.current);
    r.function!.name = `${lead}x`;
    t.is(parseCsv(renderCsv([r]))[1]![1], `'${lead}x`);
  }
});

// ---------------------------------------------------------------------------
// SARIF

const LEVELS = ['none', 'note', 'warning', 'error'];
type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The SARIF 2.1.0 schema's properties per object (additionalProperties: false), for those this renderer emits. */
const ALLOWED: Record<string, string[]> = {
  sarifLog: ['$schema', 'version', 'runs', 'inlineExternalProperties', 'properties'],
  run: ['tool', 'invocations', 'conversion', 'language', 'versionControlProvenance', 'originalUriBaseIds', 'artifacts', 'logicalLocations', 'graphs', 'results', 'automationDetails', 'runAggregates', 'baselineGuid', 'redactionTokens', 'defaultEncoding', 'defaultSourceLanguage', 'newlineSequences', 'columnKind', 'externalPropertyFileReferences', 'threadFlowLocations', 'taxonomies', 'addresses', 'translations', 'policies', 'webRequests', 'webResponses', 'specialLocations', 'properties'],
  tool: ['driver', 'extensions', 'properties'],
  toolComponent: ['guid', 'name', 'organization', 'product', 'productSuite', 'shortDescription', 'fullDescription', 'fullName', 'version', 'semanticVersion', 'dottedQuadFileVersion', 'releaseDateUtc', 'downloadUri', 'informationUri', 'globalMessageStrings', 'notifications', 'rules', 'taxa', 'locations', 'language', 'contents', 'isComprehensive', 'localizedDataSemanticVersion', 'minimumRequiredLocalizedDataSemanticVersion', 'associatedComponent', 'translationMetadata', 'supportedTaxonomies', 'properties'],
  reportingDescriptor: ['id', 'deprecatedIds', 'guid', 'deprecatedGuids', 'name', 'deprecatedNames', 'shortDescription', 'fullDescription', 'messageStrings', 'defaultConfiguration', 'helpUri', 'help', 'relationships', 'properties'],
  reportingConfiguration: ['enabled', 'level', 'rank', 'parameters', 'properties'],
  multiformatMessageString: ['text', 'markdown', 'properties'],
  result: ['ruleId', 'ruleIndex', 'rule', 'kind', 'level', 'message', 'analysisTarget', 'locations', 'guid', 'correlationGuid', 'occurrenceCount', 'partialFingerprints', 'fingerprints', 'stacks', 'codeFlows', 'graphs', 'graphTraversals', 'relatedLocations', 'suppressions', 'baselineState', 'rank', 'attachments', 'hostedViewerUri', 'workItemUris', 'provenance', 'fixes', 'taxa', 'webRequest', 'webResponse', 'properties'],
  message: ['text', 'markdown', 'id', 'arguments', 'properties'],
  location: ['id', 'physicalLocation', 'logicalLocations', 'message', 'annotations', 'relationships', 'properties'],
  physicalLocation: ['address', 'artifactLocation', 'region', 'contextRegion', 'properties'],
  artifactLocation: ['uri', 'uriBaseId', 'index', 'description', 'properties'],
  logicalLocation: ['name', 'index', 'fullyQualifiedName', 'decoratedName', 'parentIndex', 'kind', 'properties'],
};

function only(t: { deepEqual: (a: unknown, b: unknown, m?: string) => void }, kind: keyof typeof ALLOWED, o: Json): void {
  t.deepEqual(Object.keys(o).filter((k) => !ALLOWED[kind]!.includes(k)), [], `${kind} has properties SARIF 2.1.0 does not define`);
}

function isPropertyBag(x: unknown): boolean {
  if (!isObject(x)) return false;
  if (x.tags === undefined) return true;
  return Array.isArray(x.tags) && x.tags.every((s) => typeof s === 'string') && new Set(x.tags).size === x.tags.length;
}

const isMessageString = (x: unknown) => isObject(x) && typeof x.text === 'string' && x.text.length > 0;

test('sarif: SARIF 2.1.0 structure and required properties', async (t) => {
  const f = await build();
  const log = JSON.parse(renderSarif(f.all, '0.1.0')) as Json;
  only(t, 'sarifLog', log);
  t.is(log.$schema, SARIF_SCHEMA);
  t.is(log.version, '2.1.0');
  t.true(Array.isArray(log.runs));
  const runs = log.runs as Json[];
  t.is(runs.length, 1);
  const run = runs[0]!;
  only(t, 'run', run);
  t.true(isObject(run.tool));
  const tool = run.tool as Json;
  only(t, 'tool', tool);
  const driver = tool.driver as Json;
  only(t, 'toolComponent', driver);
  t.is(driver.name, 'rotation-inspector');
  t.is(driver.version, '0.1.0');
  if (driver.informationUri !== undefined) t.notThrows(() => new URL(driver.informationUri as string));

  const rules = driver.rules as Json[];
  t.deepEqual(rules.map((r) => r.id), ['scram', 'tls', INSPECTION_ERROR_RULE]);
  for (const rule of rules) {
    only(t, 'reportingDescriptor', rule);
    t.is(typeof rule.id, 'string');
    t.is(typeof rule.name, 'string');
    for (const k of ['shortDescription', 'fullDescription', 'help'] as const) {
      t.true(isMessageString(rule[k]), `${rule.id}.${k}`);
      only(t, 'multiformatMessageString', rule[k] as Json);
    }
    const conf = rule.defaultConfiguration as Json;
    only(t, 'reportingConfiguration', conf);
    t.true(LEVELS.includes(conf.level as string));
    t.true(isPropertyBag(rule.properties));
  }
  t.regex((rules[0]!.help as Json).text as string, /Redeploy/);

  const results = run.results as Json[];
  t.true(Array.isArray(results));
  for (const res of results) {
    only(t, 'result', res);
    t.true(isObject(res.message) && typeof (res.message as Json).text === 'string', 'result.message.text is required');
    only(t, 'message', res.message as Json);
    t.true(LEVELS.includes(res.level as string));
    t.true(Number.isInteger(res.ruleIndex) && (res.ruleIndex as number) >= 0);
    t.is(rules[res.ruleIndex as number]!.id, res.ruleId);
    const locs = res.locations as Json[];
    t.is(locs.length, 1);
    const loc = locs[0]!;
    only(t, 'location', loc);
    const phys = loc.physicalLocation as Json;
    only(t, 'physicalLocation', phys);
    const art = phys.artifactLocation as Json;
    only(t, 'artifactLocation', art);
    t.is(typeof art.uri, 'string');
    t.false(/[\s"<>\\^`{|}]/.test(art.uri as string), 'uri is a URI reference');
    t.notThrows(() => new URL(art.uri as string, 'file:///'));
    const logical = loc.logicalLocations as Json[];
    for (const l of logical) only(t, 'logicalLocation', l);
    t.is(logical[0]!.kind, 'function');
    t.is(art.uri, logical[0]!.fullyQualifiedName);
    const fp = res.partialFingerprints as Json;
    t.true(Object.values(fp).every((v) => typeof v === 'string'));
    t.is(fp[FINGERPRINT_KEY], fingerprint(res.ruleId as string, logical[0]!.fullyQualifiedName as string));
    t.true(isPropertyBag(res.properties));
  }
});

test('sarif: one result per failing/warning check and per errored report, with levels', async (t) => {
  const f = await build();
  const log = JSON.parse(renderSarif(f.all, '0.1.0'));
  const results = log.runs[0].results as Array<{ ruleId: string; level: string; message: { text: string }; locations: Array<{ logicalLocations: Array<{ name: string; fullyQualifiedName: string }> }>; properties: Json }>;
  const seen = results.map((r) => [r.locations[0]!.logicalLocations[0]!.name, r.ruleId, r.level]);
  t.deepEqual(seen, [
    ['pg-rotation-broken', INSPECTION_ERROR_RULE, 'error'],
    [f.old.function!.name, 'scram', 'error'],
    [f.old.function!.name, 'tls', 'error'],
    ['pg-rotation-no-handler', 'tls', 'warning'],
  ]);
  const scram = results[1]!;
  t.is(scram.message.text, f.old.checks[0]!.summary);
  t.is(scram.locations[0]!.logicalLocations[0]!.fullyQualifiedName, f.old.function!.arn);
  t.deepEqual(scram.properties, { evidence: f.old.checks[0]!.evidence, remediation: f.old.checks[0]!.remediation, libpqVersion: '9.4.26' });
  t.is(results[0]!.message.text, 'GetFunction: AccessDenied |\nnot authorized');
  // Fingerprints are stable across runs and distinct per rule and function.
  const again = JSON.parse(renderSarif([...f.all].reverse(), '9.9.9'));
  t.deepEqual(again.runs[0].results.map((r: Json) => r.partialFingerprints), results.map((r) => (r as unknown as Json).partialFingerprints));
  t.is(new Set(results.map((r) => JSON.stringify((r as unknown as Json).partialFingerprints))).size, results.length);
  // Nothing to report: still a valid log with an empty result list.
  t.deepEqual(JSON.parse(renderSarif([f.current], '0.1.0')).runs[0].results, []);
});

test('sarif: an offline target id with spaces becomes a percent-encoded uri', async (t) => {
  const f = await build();
  const r = structuredClone(f.old);
  delete r.function;
  r.target = { type: 'zip', id: 'my bundles/old rotation.zip' };
  const res = JSON.parse(renderSarif([r], '0.1.0')).runs[0].results[0];
  t.is(res.locations[0].physicalLocation.artifactLocation.uri, 'my%20bundles/old%20rotation.zip');
  t.is(res.locations[0].logicalLocations[0].fullyQualifiedName, 'my bundles/old rotation.zip');
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

test('markdown: heading, summary counts, table worst first, details', async (t) => {
  const f = await build();
  const md = renderMarkdown(f.all, summarize(f.all));
  t.true(md.startsWith('# '));
  t.regex(md, /Inspected 5 rotation functions, rotating 8 secrets: \*\*1\*\* failing, \*\*1\*\* warning, \*\*2\*\* passing, \*\*1\*\* undecided; 1 could not be fully inspected\./);
  const rows = tableRows(md);
  t.deepEqual(cells(rows[0]!), ['Function', 'Region', 'SCRAM', 'TLS', 'libpq', 'Created', 'Secrets']);
  t.regex(rows[1]!, /^\| ---/);
  const body = rows.slice(2).map(cells);
  t.is(body.length, 5);
  for (const r of body) t.is(r.length, 7);
  t.deepEqual(body.map((r) => r[0]), [
    'pg-rotation-broken (error)', 'SecretsManagerRDSPostgreSQLRotationSingleUser-a-very-long-name-for-the-table', 'pg-rotation-no-handler',
    'pg-rotation-current', 'pg-rotation-x',
  ]);
  t.deepEqual(body[1], [body[1]![0], 'us-east-1', 'FAIL', 'FAIL', '9.4.26', '2021-06-01', '2']);

  const details = md.slice(md.indexOf('## Details'));
  t.true(md.includes('## Details'));
  t.true(details.includes(`### ${f.old.function!.name}`));
  t.true(details.includes('### pg-rotation-no-handler'));
  t.false(details.includes('### pg-rotation-current'));
  t.regex(details, /\n- \*\*SCRAM: FAIL\*\*: [^\n]*libpq[^\n]* is 9\.4\.26/);
  t.true(details.includes('  - Fix: Redeploy the rotation function'));
  t.true(details.includes('- **TLS: WARN**: Cannot judge the handler'));
  t.true(md.includes('## Inspection errors'));
  t.true(md.includes('- pg-rotation-broken: GetFunction: AccessDenied \\| not authorized'));
});

test('markdown: pipes and newlines in cells cannot break the table', async (t) => {
  const f = await build();
  const r = structuredClone(f.current);
  r.function!.name = 'a|b\nc<script>';
  r.created = { date: null, source: null, note: 'x' };
  const md = renderMarkdown([r], summarize([r]));
  const rows = tableRows(md);
  t.is(rows.length, 3);
  const row = cells(rows[2]!);
  t.is(row.length, 7);
  t.is(row[0], 'a\\|b<br>c\\<script\\>');
  t.is(escapeCell('x\r\ny|z'), 'x<br>y\\|z');
  t.false(md.includes('<script>'));
  t.true(renderMarkdown([], summarize([])).includes('No PostgreSQL rotation functions'));
});
