import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CSV_COLUMNS } from '../src/render/csv.js';
import { functionArn } from './standin/fleet.js';
import { runCli } from './support/cli.js';
import { parseCsv } from './support/csv.js';
import { MANAGEMENT, ROLE, memberId, orgEnv, testOrganization, type TestOrg } from './support/organization.js';
import { sarifSchemaErrors } from './support/sarifSchema.js';

const DENIED = '300000000001';
const SUSPENDED = '300000000002';
const EMPTY = '300000000003';
const ALL = [MANAGEMENT, memberId(1), memberId(2), DENIED, SUSPENDED, EMPTY];

let shared: Promise<TestOrg> | undefined;
const organization = () => (shared ??= testOrganization(2, [
  { id: DENIED, deny: true }, { id: SUSPENDED, state: 'SUSPENDED', name: 'old-sandbox' }, { id: EMPTY, name: 'no-databases', fleet: {} },
]));
test.after.always(async () => { if (shared) await (await shared).org.close(); });

const scan = async (...args: string[]) => {
  const { org } = await organization();
  return runCli(['scan', '--organization', '--role-name', ROLE, '--no-cache', '-q', ...args], orgEnv(org));
};

interface AccountSummary { id: string; name?: string; credentials?: string; skipped?: boolean; error?: { message: string }; functions: number; counts: Record<string, number> }

test('json: every report carries its account; the summary lists every account, those with no rotation function included, with its counts', async (t) => {
  const { fleets } = await organization();
  const run = await scan('--format', 'json');
  t.is(run.code, 2, run.stderr);
  const out = JSON.parse(run.stdout) as { reports: Array<{ account: { id: string; name?: string }; function?: { arn: string } }>; summary: { accounts: AccountSummary[]; functions: number } };
  t.true(out.reports.every((r) => /^\d{12}$/.test(r.account.id)));
  const byId = new Map(out.summary.accounts.map((a) => [a.id, a]));
  t.deepEqual([...byId.keys()].sort(), [...ALL].sort());
  t.like(byId.get(EMPTY), { name: 'no-databases', functions: 0, credentials: 'role' });
  t.is(byId.get(EMPTY)!.counts.fail! + byId.get(EMPTY)!.counts.pass!, 0);
  t.like(byId.get(MANAGEMENT), { credentials: 'base', functions: 1 });
  t.like(byId.get(SUSPENDED), { skipped: true, functions: 0 });
  t.regex(byId.get(DENIED)!.error!.message, /sts:AssumeRole on arn:aws:iam::300000000001:role\/RotationAudit/);
  t.is(byId.get(DENIED)!.counts.error, 1);
  // the per-account counts add up to the run's
  const m1 = byId.get(memberId(1))!;
  t.is(m1.functions, fleets.get(memberId(1))!.functions.length);
  t.is(m1.counts.fail, 1, 'the 9.4 bundle fails SCRAM');
  const total = out.summary.accounts.reduce((n, a) => n + Object.values(a.counts).reduce((x, y) => x + y, 0), 0);
  t.is(total, out.summary.functions);
});

test('table: grouped by account, each with its counts, then the totals', async (t) => {
  const run = await scan();
  t.is(run.code, 2, run.stderr);
  const out = run.stdout;
  for (const id of ALL) t.regex(out, new RegExp(`^ACCOUNT ${id}`, 'm'));
  t.regex(out, /^ACCOUNT 300000000003 \(no-databases\)  read through arn:aws:iam::300000000003:role\/RotationAudit\n  no rotation functions$/m);
  t.regex(out, /^ACCOUNT 300000000002 \(old-sandbox\)  skipped: the account is SUSPENDED$/m);
  t.regex(out, /^ACCOUNT 100000000001 \(management\)  read with the base credentials$/m);
  t.regex(out, /^ACCOUNT 300000000001 .* not read: its role could not be assumed\n  error: 300000000001: sts:AssumeRole on arn:aws:iam::300000000001:role\/RotationAudit was refused: the role does not exist, or its trust policy/m);
  // each read member's section: its own two functions and its own counts line
  const section = out.slice(out.indexOf(`ACCOUNT ${memberId(1)}`), out.indexOf(`ACCOUNT ${memberId(2)}`));
  t.regex(section, /^2 functions: 1 fail, 0 error, 0 warn, 0 unknown, 0 ignored, 1 pass, 0 not-applicable; \d+ secrets?$/m);
  t.regex(out, /^ALL ACCOUNTS: 6 accounts \(4 read, 1 not read, 1 skipped\)$/m);
  t.regex(out, /^6 functions: 3 fail, 1 error, 0 warn/m);
});

test('csv and sarif carry the account', async (t) => {
  const { fleets } = await organization();
  const csv = parseCsv((await scan('--format', 'csv')).stdout);
  const col = (row: string[], name: (typeof CSV_COLUMNS)[number]) => row[CSV_COLUMNS.indexOf(name)];
  const own = functionArn(fleets.get(memberId(2))!.functions[0]!);
  const row = csv.find((r) => col(r, 'function_arn') === own)!;
  t.is(col(row, 'account_id'), memberId(2));
  t.is(col(row, 'account_name'), `acct-${memberId(2).slice(-3)}`);
  t.truthy(csv.find((r) => col(r, 'verdict') === 'account-skipped' && col(r, 'account_id') === SUSPENDED));
  t.truthy(csv.find((r) => col(r, 'account_id') === DENIED && col(r, 'verdict') === 'error'));

  const sarif = JSON.parse((await scan('--format', 'sarif')).stdout) as { runs: Array<{ results: Array<{ ruleId: string; properties: { account: string; accountName?: string }; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }> }> };
  t.deepEqual(sarifSchemaErrors(sarif), []);
  const results = sarif.runs[0]!.results;
  t.true(results.every((r) => /^\d{12}$/.test(r.properties.account)));
  const denied = results.find((r) => r.properties.account === DENIED)!;
  t.is(denied.locations[0]!.physicalLocation.artifactLocation.uri, `aws/${DENIED}`);
  t.true(results.some((r) => r.properties.account === memberId(1) && r.properties.accountName === `acct-${memberId(1).slice(-3)}`));
});

test('--output-dir: one file per account (its reports only) plus summary.json', async (t) => {
  const dir = join(mkdtempSync(join(tmpdir(), 'ri-outdir-')), 'org-run');
  const run = await scan('--format', 'ndjson', '--output-dir', dir);
  t.is(run.code, 2, run.stderr);
  t.deepEqual(readdirSync(dir).sort(), [...ALL.map((id) => `${id}.ndjson`), 'summary.json'].sort());
  for (const id of ALL) {
    const lines = readFileSync(join(dir, `${id}.ndjson`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type?: string; account?: { id: string }; summary?: { accounts: AccountSummary[] } });
    const reports = lines.filter((l) => l.type !== 'summary');
    t.true(reports.every((r) => r.account?.id === id), id);
    t.deepEqual(lines.at(-1)!.summary!.accounts.map((a) => a.id), [id]);
  }
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { summary: { accounts: AccountSummary[]; functions: number } };
  t.is(summary.summary.accounts.length, ALL.length);
  t.is(summary.summary.functions, 6);
  const clash = await scan('--output-dir', dir, '-o', 'x.json');
  t.is(clash.code, 2);
  t.regex(clash.stderr, /choose one of --output and --output-dir/);
});

test('an account name from Organizations is outside text: no raw control character reaches the table, csv, sarif or stderr', async (t) => {
  const evil = 'pay\u001b]8;;http://evil.example/\u0007ments\u001b[2J\nFAKE ROW\u202e';
  const { org } = await testOrganization(0, [{ id: '600000000001', name: evil }, { id: '600000000002', name: evil, state: 'SUSPENDED' }]);
  t.teardown(() => org.close());
  for (const format of ['table', 'csv', 'sarif', 'markdown', 'json']) {
    const run = await runCli(['scan', '--organization', '--role-name', ROLE, '--no-cache', '-q', '--format', format], orgEnv(org));
    t.is(run.code, 1, `${format}: ${run.stderr}`);
    for (const [where, text] of [['stdout', run.stdout], ['stderr', run.stderr]] as const) {
      t.false(/[\u001b\u0007\u202e]/.test(text), `${format} ${where} holds a raw control character`);
      t.false(/^FAKE ROW/m.test(text), `${format} ${where}: the name forged a line`);
    }
  }
  // json keeps the raw value (escaped by JSON)
  const json = JSON.parse((await runCli(['scan', '--organization', '--role-name', ROLE, '--no-cache', '-q', '--format', 'json'], orgEnv(org))).stdout) as { summary: { accounts: Array<{ id: string; name?: string }> } };
  t.is(json.summary.accounts.find((a) => a.id === '600000000001')!.name, evil);
});
