import test from 'ava';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli.js';
import { MANAGEMENT, ROLE, memberId, orgEnv, testOrganization, type TestOrg } from './support/organization.js';

const DENIED = '300000000001';
const SUSPENDED = '300000000002';
let shared: Promise<TestOrg> | undefined;
const organization = () => (shared ??= testOrganization(4, [{ id: DENIED, deny: true }, { id: SUSPENDED, state: 'SUSPENDED' }, { id: '300000000003', fleet: {} }]));
test.after.always(async () => { if (shared) await (await shared).org.close(); });

const scan = async (...args: string[]) => runCli(['scan', '--no-cache', '-q', ...args], orgEnv((await organization()).org));

type Summary = Record<string, unknown> & { accounts?: Array<{ id: string }>; regions?: Array<{ account?: string; region: string }> };
/** A summary as a single run prints it, minus when it started; accounts and regions in id order. */
function comparable(summary: Summary): Summary {
  const { startedAt: _startedAt, ...rest } = summary;
  return {
    ...rest,
    ...(rest.accounts ? { accounts: [...rest.accounts].sort((a, b) => a.id.localeCompare(b.id)) } : {}),
    ...(rest.regions ? { regions: [...rest.regions].sort((a, b) => `${a.account}${a.region}`.localeCompare(`${b.account}${b.region}`)) } : {}),
  };
}
const summaryOf = (ndjsonOrJson: string): Summary => {
  const text = ndjsonOrJson.trim();
  if (text.startsWith('{\n')) return (JSON.parse(text) as { summary: Summary }).summary;
  return (JSON.parse(text.split('\n').at(-1)!) as { summary: Summary }).summary;
};

test('merge of the per-account files of --output-dir gives the summary of the single run', async (t) => {
  const single = await scan('--organization', '--role-name', ROLE, '--format', 'ndjson');
  t.is(single.code, 2, single.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'ri-merge-'));
  await scan('--organization', '--role-name', ROLE, '--format', 'ndjson', '--output-dir', dir);
  const files = readdirSync(dir).filter((f) => f.endsWith('.ndjson')).map((f) => join(dir, f));
  t.is(files.length, 8);
  const merged = await runCli(['merge', ...files, '--format', 'json']);
  t.is(merged.code, 2, merged.stderr);
  t.deepEqual(comparable(summaryOf(merged.stdout)), comparable(summaryOf(single.stdout)));
  // and any other format renders the merged run: the table groups by account
  const table = await runCli(['merge', ...files]);
  t.regex(table.stdout, /^ALL ACCOUNTS: 8 accounts \(6 read, 1 not read, 1 skipped\)$/m);
});

test('merge of --accounts slices gives the summary of one run over the same accounts', async (t) => {
  const ids = [MANAGEMENT, memberId(1), memberId(2), memberId(3), memberId(4), DENIED];
  const whole = await scan('--accounts', ids.join(','), '--role-name', ROLE, '--format', 'ndjson');
  const dir = mkdtempSync(join(tmpdir(), 'ri-slices-'));
  const slices = [ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)];
  const files: string[] = [];
  for (const [i, slice] of slices.entries()) {
    const run = await scan('--accounts', slice.join(','), '--role-name', ROLE, '--format', 'ndjson');
    files.push(join(dir, `slice-${i}.ndjson`));
    writeFileSync(files.at(-1)!, run.stdout);
  }
  const merged = await runCli(['merge', ...files, '--format', 'ndjson']);
  t.deepEqual(comparable(summaryOf(merged.stdout)), comparable(summaryOf(whole.stdout)));
  t.is(merged.stdout.trim().split('\n').length, whole.stdout.trim().split('\n').length, 'every report once');
});

test('merge: a stream cut short makes the merged run partial; a line that is no report is a one-line error', async (t) => {
  const run = await scan('--accounts', memberId(1), '--role-name', ROLE, '--format', 'ndjson');
  t.is(run.code, 1, run.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'ri-cut-'));
  const lines = run.stdout.trim().split('\n');
  writeFileSync(join(dir, 'whole.ndjson'), run.stdout);
  writeFileSync(join(dir, 'cut.ndjson'), `${lines[0]}\n`);
  const clean = await runCli(['merge', join(dir, 'whole.ndjson'), '--format', 'json']);
  t.is(clean.code, 1);
  t.false((summaryOf(clean.stdout) as { partial: boolean }).partial);
  const cut = await runCli(['merge', join(dir, 'cut.ndjson'), '--format', 'json']);
  t.is(cut.code, 2);
  t.true((summaryOf(cut.stdout) as { partial: boolean }).partial);
  t.regex(cut.stderr, /cut\.ndjson: no summary record: the run was cut short/);
  writeFileSync(join(dir, 'bad.ndjson'), `${lines[0]}\n{"hello":1}\n`);
  const bad = await runCli(['merge', join(dir, 'bad.ndjson')]);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /bad\.ndjson line 2: not a report or a summary record/);
  t.is(bad.stderr.trim().split('\n').length, 2, 'one line, and the usage hint');
  const missing = await runCli(['merge', join(dir, 'nope.ndjson')]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /merge: cannot read .*nope\.ndjson: no such file/);
});
