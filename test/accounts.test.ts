import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LambdaClient, GetFunctionCommand } from '@aws-sdk/client-lambda';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { parseAccountIds, partitionOf, roleArnFor } from '../src/aws/accounts.js';
import { DEFAULT_ACCOUNTS_CONCURRENCY, DEFAULT_CONCURRENCY, parseCli, type ScanArgs } from '../src/cli/args.js';
import { fairPool } from '../src/scan/accountFanOut.js';
import { scanAccounts, type AccountsScanOptions } from '../src/scan/scanAccounts.js';
import { functionArn } from './standin/fleet.js';
import { DEFAULT_CREDENTIALS } from './support/aws.js';
import { runCli } from './support/cli.js';
import { MANAGEMENT, ROLE, accountFleet, memberId, orgEnv, testOrganization } from './support/organization.js';

process.env.AWS_ACCESS_KEY_ID = DEFAULT_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = DEFAULT_CREDENTIALS.secretAccessKey;
process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';
process.env.AWS_EC2_METADATA_DISABLED = 'true';

const fast = { mode: 'configured', maxAttempts: 3, delayMs: 5 } as const;
const DENIED = '300000000001';
const SUSPENDED = '300000000002';
const opts = (endpoint: string, more: Partial<AccountsScanOptions>): AccountsScanOptions => ({
  regions: ['us-east-1'], allRegions: false, concurrency: 8, endpointUrl: endpoint, region: 'us-east-1', retry: fast, accounts: {}, ...more,
});

test('account ids: commas or one a line with comments; bad ids name the line; partition and role ARN', (t) => {
  t.deepEqual(parseAccountIds('# prod\n111111111111\n\n222222222222  # payments\n111111111111\n', 'ids.txt'), ['111111111111', '222222222222']);
  t.deepEqual(parseAccountIds('111111111111,222222222222', '--accounts'), ['111111111111', '222222222222']);
  t.throws(() => parseAccountIds('111111111111\n12345\n', 'ids.txt'), { message: 'ids.txt line 2: "12345" is not an AWS account id (12 digits)' });
  t.is(partitionOf('cn-north-1'), 'aws-cn');
  t.is(partitionOf('us-gov-west-1'), 'aws-us-gov');
  t.is(partitionOf('eu-west-1'), 'aws');
  t.is(roleArnFor('aws-cn', '111111111111', 'Audit'), 'arn:aws-cn:iam::111111111111:role/Audit');
});

test('--organization: every active account read through its role, the management account with the base credentials, denied and suspended accounts reported, each bundle read once', async (t) => {
  const { org, fleets } = await testOrganization(4, [{ id: DENIED, deny: true }, { id: SUSPENDED, state: 'SUSPENDED' }], { listAccountsPageSize: 3 });
  t.teardown(() => org.close());
  const result = await scanAccounts(opts(org.endpoint, { accounts: { organization: true, roleName: ROLE } }));
  // every account once
  t.deepEqual(result.accounts.map((a) => a.id).sort(), [MANAGEMENT, ...[1, 2, 3, 4].map(memberId), DENIED, SUSPENDED].sort());
  const byId = new Map(result.accounts.map((a) => [a.id, a]));
  t.is(byId.get(MANAGEMENT)!.credentials, 'base');
  t.true(byId.get(MANAGEMENT)!.management);
  t.is(byId.get(memberId(1))!.credentials, 'role');
  t.true(byId.get(SUSPENDED)!.skipped);
  t.is(byId.get(SUSPENDED)!.state, 'SUSPENDED');
  t.false(org.assumeRoleCalls.some((c) => c.roleArn.includes(SUSPENDED)), 'a suspended account is never assumed');
  // functions: each reported once, under its own account, with the account's name
  for (const [id, fleet] of fleets) {
    if (id === DENIED || id === SUSPENDED) continue;
    const mine = result.reports.filter((r) => r.account?.id === id).map((r) => r.function?.arn).sort();
    t.deepEqual(mine, fleet.functions.map(functionArn).sort(), `account ${id}`);
  }
  t.is(result.reports.find((r) => r.account?.id === memberId(2))!.account!.name, `acct-${memberId(2).slice(-3)}`);
  // the denied account: one report naming sts:AssumeRole and the role ARN
  const denied = result.reports.filter((r) => r.account?.id === DENIED);
  t.is(denied.length, 1);
  t.is(denied[0]!.target.type, 'account');
  t.regex(denied[0]!.errors[0]!.message, new RegExp(`sts:AssumeRole on arn:aws:iam::${DENIED}:role/${ROLE}`));
  t.false(result.reports.some((r) => r.account?.id === SUSPENDED));
  // two distinct bundles across 6 accounts: two downloads
  t.is(result.counters.codeDownloads, 2);
  t.is(org.codeRequests(), 2);
  // CloudTrail shows who asked
  t.true(org.assumeRoleCalls.every((c) => c.sessionName.includes('rotation-inspector')));
  // one AssumeRole per account (shared by every client of the account), plus the management account's refused one
  t.is(org.assumeRoleCalls.filter((c) => c.roleArn.includes(memberId(1))).length, 1);
  t.is(org.listAccountsCalls, 3, 'seven accounts in pages of three, through the paginator');
});

test('one account\'s credentials never read another account\'s resources', async (t) => {
  const { org, fleets } = await testOrganization(2);
  t.teardown(() => org.close());
  const result = await scanAccounts(opts(org.endpoint, { accounts: { accounts: [memberId(1), memberId(2)], roleName: ROLE } }));
  t.is(result.reports.length, 4);
  // every request routed to an account's stand-in was signed with that account's credentials
  t.true(org.routed.length > 0);
  t.true(org.routed.every((r) => r.signedFor === r.standin));
  t.deepEqual(new Set(org.routed.map((r) => r.standin)), new Set([memberId(1), memberId(2)]));
  // and those credentials cannot see the other account's function, through the real SDK
  const creds = fromTemporaryCredentials({ params: { RoleArn: roleArnFor('aws', memberId(1), ROLE), RoleSessionName: 'isolation-test' }, clientConfig: { region: 'us-east-1', endpoint: org.endpoint } });
  const lambda = new LambdaClient({ region: 'us-east-1', endpoint: org.endpoint, credentials: creds, maxAttempts: 1 });
  t.teardown(() => lambda.destroy());
  const own = functionArn(fleets.get(memberId(1))!.functions[0]!);
  const other = functionArn(fleets.get(memberId(2))!.functions[0]!);
  t.is((await lambda.send(new GetFunctionCommand({ FunctionName: own }))).Configuration?.FunctionArn, own);
  await t.throwsAsync(lambda.send(new GetFunctionCommand({ FunctionName: other })), { name: 'ResourceNotFoundException' });
});

test('--role-arn reads one other account; --external-id is sent; a role that needs one fails without it', async (t) => {
  const { org, fleets } = await testOrganization(0, [{ id: '400000000001', externalId: 'audit-2026' }]);
  t.teardown(() => org.close());
  const roleArn = roleArnFor('aws', '400000000001', ROLE);
  const without = await scanAccounts(opts(org.endpoint, { accounts: { roleArn } }));
  t.is(without.reports.length, 1);
  t.regex(without.reports[0]!.errors[0]!.message, /sts:AssumeRole on arn:aws:iam::400000000001:role\/RotationAudit/);
  const withId = await scanAccounts(opts(org.endpoint, { accounts: { roleArn, externalId: 'audit-2026', roleSessionName: 'ticket-42' } }));
  t.deepEqual(withId.reports.map((r) => r.function?.arn), fleets.get('400000000001')!.functions.map(functionArn));
  t.deepEqual(withId.reports[0]!.account, { id: '400000000001', credentials: 'role' });
  t.like(org.assumeRoleCalls.at(-1), { externalId: 'audit-2026', sessionName: 'ticket-42', ok: true });
});

test('expiring role credentials are renewed by the SDK before they expire, and the stand-in refuses expired ones', async (t) => {
  // 301 s credentials enter the SDK's 5-minute refresh window after 1 s; one at a time, at 300 ms a request, the
  // six functions' GetFunction calls run from about 1 s to past 3 s after the first AssumeRole.
  const fleet = accountFleet('700000000001', 6);
  const { org } = await testOrganization(0, [{ id: '700000000001', fleet: { functions: fleet.functions, secrets: fleet.secrets } }], { credentialSeconds: 301, knobs: { latencyMs: 300 } });
  t.teardown(() => org.close());
  const result = await scanAccounts(opts(org.endpoint, { concurrency: 1, accounts: { accounts: ['700000000001'], roleName: ROLE } }));
  t.is(result.reports.length, 6);
  t.deepEqual(result.reports.flatMap((r) => r.errors), []);
  t.true(org.assumeRoleCalls.filter((c) => c.ok).length >= 2, `renewed: ${org.assumeRoleCalls.length} AssumeRole calls`);

  const { org: short } = await testOrganization(1, [], { credentialSeconds: 1 });
  t.teardown(() => short.close());
  const provider = fromTemporaryCredentials({ params: { RoleArn: roleArnFor('aws', memberId(1), ROLE), RoleSessionName: 'expiry-test' }, clientConfig: { region: 'us-east-1', endpoint: short.endpoint } });
  const fixed = await provider();
  await new Promise((r) => setTimeout(r, 1200));
  const lambda = new LambdaClient({ region: 'us-east-1', endpoint: short.endpoint, credentials: fixed, maxAttempts: 1 });
  t.teardown(() => lambda.destroy());
  await t.throwsAsync(lambda.send(new GetFunctionCommand({ FunctionName: 'x' })), { name: 'ExpiredTokenException' });
});

test('the pool caps one account: a small account starts while a large one still has work queued', async (t) => {
  const started: string[] = [];
  const pool = fairPool(4, 2);
  let open!: () => void;
  const gate = new Promise<void>((r) => { open = r; });
  for (let i = 0; i < 20; i++) pool.add('big', async () => { started.push('big'); await gate; });
  pool.add('small', async () => { started.push('small'); });
  await new Promise((r) => setImmediate(r));
  t.deepEqual(started, ['big', 'big', 'small'], 'two of big (its cap), then small, while 18 of big wait');
  t.is(pool.running('big'), 2);
  open();
  await pool.drained();
  t.is(started.length, 21);
});

test('CLI: scan --organization reports every account, names the suspended one and the denied role on stderr, exits 2', async (t) => {
  const { org } = await testOrganization(2, [{ id: DENIED, deny: true }, { id: SUSPENDED, state: 'SUSPENDED', name: 'old-sandbox' }]);
  t.teardown(() => org.close());
  const run = await runCli(['scan', '--organization', '--role-name', ROLE, '--format', 'ndjson', '--no-cache', '-q'], orgEnv(org));
  t.is(run.code, 2, run.stderr);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { account?: { id: string }; errors?: Array<{ message: string }>; type?: string });
  t.is(lines.filter((l) => l.account?.id === DENIED).length, 1);
  t.regex(lines.find((l) => l.account?.id === DENIED)!.errors![0]!.message, /sts:AssumeRole/);
  t.is(lines.filter((l) => l.type !== 'summary').length, 1 + 1 + 2 * 2, 'management 1 + denied 1 + two members × 2');
  t.true(lines.filter((l) => l.type !== 'summary').every((l) => typeof l.account?.id === 'string'));
  t.regex(run.stderr, new RegExp(`account ${SUSPENDED} \\(old-sandbox\\): skipped, the account is SUSPENDED`));
  t.regex(run.stderr, new RegExp(`account ${MANAGEMENT} \\(management\\): read with the base credentials`));
  t.false(org.issuedSecrets().some((s) => run.stdout.includes(s) || run.stderr.includes(s)), 'no issued credential is printed');
});

test('CLI: account options are checked before any AWS call', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ri-accounts-'));
  writeFileSync(join(dir, 'ids.txt'), '# prod\n111111111111\nnot-an-id\n');
  const cases: Array<[string[], RegExp]> = [
    [['--accounts', '111111111111'], /--accounts needs --role-name NAME/],
    [['--role-name', 'Audit'], /--role-name needs the accounts to read/],
    [['--role-name', 'Audit', '--accounts-file', join(dir, 'ids.txt')], /ids\.txt line 3: "not-an-id" is not an AWS account id/],
    [['--role-arn', 'arn:aws:iam::12:role/x'], /--role-arn: .* is not an IAM role ARN/],
    [['--organization', '--role-name', 'A', '--accounts', '111111111111'], /choose one of/],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(['scan', ...args], { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1' });
    t.is(run.code, 2, args.join(' '));
    t.regex(run.stderr, message);
    t.notRegex(run.stderr, /at .*\.js/);
  }
});

test('scan over many accounts defaults to the wider pool the organization benchmark measured', (t) => {
  const many = parseCli(['scan', '--accounts', '111111111111', '--role-name', 'Audit']) as ScanArgs;
  t.is(many.concurrency, DEFAULT_ACCOUNTS_CONCURRENCY);
  t.is((parseCli(['scan']) as ScanArgs).concurrency, DEFAULT_CONCURRENCY);
  t.is((parseCli(['scan', '--organization', '--role-name', 'Audit', '--concurrency', '5']) as ScanArgs).concurrency, 5);
});

test('CLI: --organization from an account that may not list the organization is one line naming organizations:ListAccounts, exit 2', async (t) => {
  const { org } = await testOrganization(1, [], { organizationsDenied: true });
  t.teardown(() => org.close());
  const run = await runCli(['scan', '--organization', '--role-name', ROLE, '--no-cache', '-q'], orgEnv(org));
  t.is(run.code, 2);
  t.is(run.stdout, '');
  t.regex(run.stderr, /^rotation-inspector: the organization: access denied: organizations:ListAccounts was refused/);
  t.is(run.stderr.trim().split('\n').length, 1, run.stderr);
  t.is(org.assumeRoleCalls.length, 0, 'no account is assumed when the list is unknown');
});

test('a stalled AssumeRole ends at the call deadline as that account\'s error; the other accounts are read', async (t) => {
  const { org, fleets } = await testOrganization(2, [], { stallAssumeRole: [memberId(2)] });
  t.teardown(() => org.close());
  const started = Date.now();
  // Deadlines far above what a loaded machine needs for an answer, far below forever.
  const result = await scanAccounts(opts(org.endpoint, { limits: { totalMs: 4000, idleMs: 3000 }, accounts: { accounts: [memberId(1), memberId(2)], roleName: ROLE } }));
  t.true(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
  const stalled = result.reports.filter((r) => r.account?.id === memberId(2));
  t.is(stalled.length, 1);
  t.regex(stalled[0]!.errors[0]!.message, new RegExp(`^${memberId(2)}: sts:AssumeRole on arn:aws:iam::${memberId(2)}:role/${ROLE} failed: .*(gave up|timed out|no complete answer)`));
  t.deepEqual(result.reports.filter((r) => r.account?.id === memberId(1)).map((r) => r.function?.arn).sort(), fleets.get(memberId(1))!.functions.map(functionArn).sort());
});
