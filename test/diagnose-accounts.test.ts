import test from 'ava';
import { installDiagnoseApis } from './standin/diagnoseApis.js';
import { startOrganization, type Organization } from './standin/organization.js';
import { DIAGNOSE_CSV_COLUMNS } from '../src/render/diagnose.js';
import { runCli } from './support/cli.js';
import { parseCsv } from './support/csv.js';
import { sarifSchemaErrors } from './support/sarifSchema.js';
import { PLANTED_PASSWORD, SCENARIOS, installScenario, scenarioBundles, type InstalledScenario } from './support/diagnoseScenarios.js';
import { MANAGEMENT, ROLE, memberId, orgEnv } from './support/organization.js';

const A = memberId(1);
const B = memberId(2);
const DENIED = '300000000001';
const SUSPENDED = '300000000002';
const OK = SCENARIOS.findIndex((s) => s.cause === 'ok');
const FAILING = SCENARIOS.findIndex((s) => s.cause === 'secret-key-missing');

interface Json {
  reports: Array<{ target: { type: string; id: string }; account?: { id: string; name?: string; credentials?: string }; diagnosis: { cause: string }; errors: Array<{ message: string }> }>;
  summary: { secrets: number; accounts: Array<{ id: string; name?: string; skipped?: boolean; state?: string; credentials?: string; error?: { message: string }; secrets: number }> };
}

let org: Organization;
const installed = new Map<string, InstalledScenario>();
test.before(async () => {
  const empty = { functions: [], secrets: [] };
  org = await startOrganization({
    managementId: MANAGEMENT,
    accounts: [
      { id: MANAGEMENT, name: 'management', roleName: null, fleet: empty },
      { id: A, name: 'orders', fleet: empty },
      { id: B, name: 'payments', fleet: empty },
      { id: DENIED, name: 'legacy', deny: true, fleet: empty },
      { id: SUSPENDED, name: 'old', state: 'SUSPENDED', fleet: empty },
    ],
  });
  const bundles = await scenarioBundles();
  // Each account's stand-in has its own secret, function, logs and database; the two secrets have different names.
  installed.set(A, installScenario(installDiagnoseApis(org.standins.get(A)!), SCENARIOS[OK]!, OK, 'Text', bundles));
  installed.set(B, installScenario(installDiagnoseApis(org.standins.get(B)!), SCENARIOS[FAILING]!, FAILING, 'JSON', bundles));
});
test.after.always(() => org?.close());

test.serial('diagnose --all --organization: each account\'s secrets diagnosed under its account, the denied account one report naming sts:AssumeRole, the suspended one listed', async (t) => {
  const r = await runCli(['diagnose', '--all', '--organization', '--role-name', ROLE, '--no-cache', '-q', '--format', 'json'], orgEnv(org));
  t.is(r.code, 2, r.stderr); // an account could not be read: never a clean run
  const out = JSON.parse(r.stdout) as Json;
  for (const [id, name] of [[A, 'orders'], [B, 'payments']] as const) {
    const mine = out.reports.filter((x) => x.account?.id === id);
    t.deepEqual(mine.map((x) => x.target.id), [installed.get(id)!.secretArn], `account ${id}: its own secret only`);
    t.deepEqual(mine[0]!.account, { id, name, credentials: 'role' });
    t.is(mine[0]!.diagnosis.cause, installed.get(id)!.scenario.cause, JSON.stringify(mine[0]));
  }
  const denied = out.reports.filter((x) => x.account?.id === DENIED);
  t.is(denied.length, 1);
  t.is(denied[0]!.target.type, 'account');
  t.regex(denied[0]!.errors[0]!.message, new RegExp(`sts:AssumeRole on arn:aws:iam::${DENIED}:role/${ROLE}`));
  t.false(out.reports.some((x) => x.account?.id === SUSPENDED));
  // the summary lists every account, read or not
  const accounts = new Map(out.summary.accounts.map((a) => [a.id, a]));
  t.deepEqual([...accounts.keys()].sort(), [MANAGEMENT, A, B, DENIED, SUSPENDED].sort());
  t.like(accounts.get(SUSPENDED), { skipped: true, state: 'SUSPENDED', secrets: 0 });
  t.like(accounts.get(A), { name: 'orders', credentials: 'role', secrets: 1 });
  t.like(accounts.get(MANAGEMENT), { credentials: 'base', secrets: 0 });
  t.regex(accounts.get(DENIED)!.error!.message, /sts:AssumeRole/);
  t.is(out.summary.secrets, 3);
  t.regex(r.stderr, new RegExp(`account ${SUSPENDED} \\(old\\): skipped, the account is SUSPENDED`));
  // one AssumeRole per account; never into the suspended one
  t.is(org.assumeRoleCalls.filter((c) => c.roleArn.includes(A)).length, 1);
  t.is(org.assumeRoleCalls.filter((c) => c.roleArn.includes(B)).length, 1);
  t.false(org.assumeRoleCalls.some((c) => c.roleArn.includes(SUSPENDED)));
  t.false(r.stdout.includes(PLANTED_PASSWORD) || r.stderr.includes(PLANTED_PASSWORD));
  for (const s of org.issuedSecrets()) t.false(r.stdout.includes(s) || r.stderr.includes(s), 'issued credentials never printed');
});

test.serial('diagnose --all --accounts: one account\'s credentials never read another account\'s secrets', async (t) => {
  const before = org.routed.length;
  const r = await runCli(['diagnose', '--all', '--accounts', `${A},${B}`, '--role-name', ROLE, '--no-cache', '-q', '--format', 'ndjson', '--account-concurrency', '1'], orgEnv(org));
  t.is(r.code, 1, r.stderr); // B's secret is failing
  const reports = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Json['reports'][number]);
  t.deepEqual(reports.map((x) => [x.account?.id, x.target.id]).sort(), [[A, installed.get(A)!.secretArn], [B, installed.get(B)!.secretArn]].sort());
  const routed = org.routed.slice(before);
  t.true(routed.length > 4);
  t.true(routed.every((x) => x.signedFor === x.standin), 'every request reached the stand-in of the account whose credentials signed it');
  t.deepEqual(new Set(routed.map((x) => x.standin)), new Set([A, B]));
});

test.serial('diagnose --all --organization: table, markdown, csv and sarif each show every secret\'s account', async (t) => {
  const run = async (format: string) => {
    const r = await runCli(['diagnose', '--all', '--organization', '--role-name', ROLE, '--no-cache', '-q', '--format', format], orgEnv(org));
    t.is(r.code, 2, `${format}: ${r.stderr}`); // the denied account: never a clean run
    return r.stdout;
  };
  const secretOf = (id: string) => installed.get(id)!.secretArn.split(':')[6]!.replace(/-[A-Za-z0-9]{6}$/, '');

  // table: a section per account (scan's grouping), each read account with its own secret and counts
  const table = await run('table');
  const section = (id: string, next: string) => table.slice(table.indexOf(`ACCOUNT ${id}`), table.indexOf(next));
  t.regex(table, new RegExp(`^ACCOUNT ${A} \\(orders\\)  `, 'm'));
  t.regex(table, new RegExp(`^ACCOUNT ${B} \\(payments\\)  `, 'm'));
  t.regex(table, new RegExp(`^ACCOUNT ${DENIED} \\(legacy\\) .*\\n  error: .*sts:AssumeRole`, 'm'));
  t.regex(table, new RegExp(`^ACCOUNT ${SUSPENDED} \\(old\\)  skipped`, 'm'));
  const a = section(A, `ACCOUNT ${B}`);
  t.true(a.includes(secretOf(A)) && !a.includes(secretOf(B)), a);
  t.regex(a, /^1 secret: 0 failing, 1 ok, 0 unknown$/m);
  t.regex(table, /^ALL ACCOUNTS: 5 accounts \(3 read, 1 not read, 1 skipped\)$/m);
  t.regex(table, /^3 secrets: 1 failing, 1 ok, 0 unknown, 1 with errors$/m);

  // markdown: an Account column and a line per secret
  const md = await run('markdown');
  t.true(md.includes('| Secret | Account | Region |'));
  t.regex(md, new RegExp(`\\| ${secretOf(A)} \\| ${A} \\(orders\\) \\| us-east-1 \\|`));
  t.regex(md, new RegExp(`\\| ${secretOf(B)} \\| ${B} \\(payments\\) \\| us-east-1 \\|`));
  t.true(md.includes(`Account ${B} (payments), region us-east-1.`));

  // csv: scan's account_id / account_name columns
  const csv = parseCsv(await run('csv'));
  t.deepEqual(csv[0], [...DIAGNOSE_CSV_COLUMNS]);
  const col = (row: string[], name: (typeof DIAGNOSE_CSV_COLUMNS)[number]) => row[DIAGNOSE_CSV_COLUMNS.indexOf(name)];
  for (const [id, name] of [[A, 'orders'], [B, 'payments']] as const) {
    const row = csv.find((x) => col(x, 'secret_arn') === installed.get(id)!.secretArn)!;
    t.deepEqual([col(row, 'account_id'), col(row, 'account_name')], [id, name]);
  }
  t.truthy(csv.find((x) => col(x, 'account_id') === DENIED && col(x, 'errors')!.includes('sts:AssumeRole')));

  // sarif: scan's pseudo-path, aws/<account>/<region>/secretsmanager/<secret>; valid against the schema
  const sarif = JSON.parse(await run('sarif')) as { runs: Array<{ results: Array<{ locations: Array<{ physicalLocation: { artifactLocation: { uri: string } }; properties: { account: string; accountName?: string } }> }> }> };
  t.deepEqual(sarifSchemaErrors(sarif), []);
  const locations = sarif.runs[0]!.results.flatMap((r) => r.locations);
  const uris = locations.map((l) => l.physicalLocation.artifactLocation.uri);
  t.true(uris.includes(`aws/${B}/us-east-1/secretsmanager/${encodeURIComponent(secretOf(B))}`), uris.join(' '));
  t.true(uris.includes(`aws/${DENIED}`), uris.join(' '));
  t.true(locations.some((l) => l.properties.account === B && l.properties.accountName === 'payments'));
});

test('diagnose: the account options go with --all and no secret names', async (t) => {
  const r = await runCli(['diagnose', 'prod/db', '--accounts', A, '--role-name', ROLE], orgEnv(org));
  t.is(r.code, 2);
  t.regex(r.stderr, /account options .* go with --all/);
  t.false(r.stderr.includes('    at '));
});
