import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installDiagnoseApis, type DiagnoseApis } from './standin/diagnoseApis.js';
import { cliEnv, startStandin, type Standin } from './support/aws.js';
import { runCli } from './support/cli.js';
import { PLANTED_PASSWORD, SCENARIOS, installScenario, scenarioBundles, scenarioTitle, type InstalledScenario } from './support/diagnoseScenarios.js';

let standin: Standin;
let apis: DiagnoseApis;
const installed: InstalledScenario[] = [];
test.before(async () => {
  standin = await startStandin();
  apis = installDiagnoseApis(standin);
  apis.knobs.logsPageSize = 25;
  apis.knobs.emptyLogPages = 1;
  const bundles = await scenarioBundles();
  SCENARIOS.forEach((sc, i) => installed.push(installScenario(apis, sc, i, i % 3 === 0 ? 'JSON' : 'Text', bundles)));
  // A secret whose value is not JSON still carries the planted password: it must not leak either.
  apis.addSecret({ name: 'prod/not-json', rotationEnabled: true, rotationLambdaARN: installed[0]!.functionArn, versions: [{ id: 'v1', stages: ['AWSCURRENT'], createdDate: new Date().toISOString(), value: `postgres://app:${PLANTED_PASSWORD}@host/db` }] });
});
test.after.always(() => standin?.close());

const env = (extra: NodeJS.ProcessEnv = {}) => cliEnv(standin, { XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'ri-cache-')), ...extra });

test.serial('diagnose --all: every secret of the account gets its scenario\'s cause and confidence', async (t) => {
  const r = await runCli(['diagnose', '--all', '--format', 'json', '--no-cache'], env());
  t.is(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { reports: Array<{ target: { id: string }; diagnosis: { cause: string; confidence: string } }>; summary: { secrets: number } };
  // A managed-rotation secret names no function, so --all (like scan) does not list it; named, it is reported.
  const named = installed.filter((i) => i.scenario.secret !== 'managed');
  t.is(out.summary.secrets, named.length + 1);
  for (const i of named) {
    const rep = out.reports.find((x) => x.target.id === i.secretArn);
    t.truthy(rep, `${scenarioTitle(i.scenario)} discovered`);
    t.is(rep?.diagnosis.cause, i.scenario.cause, scenarioTitle(i.scenario));
    t.is(rep?.diagnosis.confidence, i.scenario.confidence, scenarioTitle(i.scenario));
  }
});

test.serial('diagnose one secret: the table names the cause, the evidence and the command to run; a failure exits 1', async (t) => {
  const target = installed.find((i) => i.scenario.cause === 'scram-unsupported' && i.scenario.db === 'scram')!;
  const r = await runCli(['diagnose', target.secretName], env());
  t.is(r.code, 1, r.stderr);
  t.regex(r.stdout, /DIAGNOSIS {2}scram-unsupported \(confirmed\)/);
  t.regex(r.stdout, /password_encryption = scram-sha-256/);
  t.regex(r.stdout, /database-scram +FAIL/);
  t.regex(r.stdout, /aws rds modify-db-parameter-group --db-parameter-group-name orders-pg15-\d+ --parameters ParameterName=password_encryption,ParameterValue=md5/);
});

test.serial('a managed-rotation secret named on the command line gets its report', async (t) => {
  const m = installed.find((i) => i.scenario.secret === 'managed')!;
  const r = await runCli(['diagnose', m.secretName, '--format', 'json'], env());
  t.is(r.code, 0, r.stderr);
  t.is((JSON.parse(r.stdout) as { diagnosis: { cause: string } }).diagnosis.cause, 'managed-rotation');
});

test.serial('diagnose a healthy secret exits 0; --fail-on never keeps a failure at 0', async (t) => {
  const ok = installed.find((i) => i.scenario.cause === 'ok' && i.scenario.confidence === 'confirmed')!;
  const r = await runCli(['diagnose', ok.secretArn], env());
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /DIAGNOSIS {2}ok \(confirmed\)/);
  const bad = installed.find((i) => i.scenario.cause === 'import-error')!;
  t.is((await runCli(['diagnose', bad.secretArn, '--fail-on', 'never'], env())).code, 0);
});

test.serial('a secret that does not exist: exit 2, one line naming it and the action; the other secret is still reported', async (t) => {
  const ok = installed.find((i) => i.scenario.cause === 'ok')!;
  const r = await runCli(['diagnose', 'prod/missing', ok.secretName, '--format', 'ndjson'], env());
  t.is(r.code, 2);
  t.deepEqual(r.stderr.trim().split('\n'), ['rotation-inspector: prod/missing: no such secret in us-east-1 (secretsmanager:DescribeSecret)']);
  t.is(r.stdout.trim().split('\n').length, 2);
});

test.serial('usage errors are one line and exit 2', async (t) => {
  for (const args of [['diagnose'], ['diagnose', 'x', '--since', '3 weeks'], ['diagnose', 'x', '--since', '2999-01-01'], ['diagnose', 'x', '--database', 'bad_id!']]) {
    const r = await runCli(args, env());
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, /^rotation-inspector: .+\nRun "rotation-inspector diagnose --help" for usage\.\n$/, args.join(' '));
  }
});

test.serial('the planted password appears in no output, file, cache entry or error, under every format and --debug', async (t) => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'ri-leak-'));
  const outDir = mkdtempSync(join(tmpdir(), 'ri-out-'));
  const seen: string[] = [];
  for (const format of ['table', 'json', 'ndjson', 'csv', 'sarif', 'markdown']) {
    for (const extra of [[], ['--debug', '-o', join(outDir, `report.${format}`)]]) {
      const r = await runCli(['diagnose', '--all', '--read-secret-keys', '--format', format, '--cache-dir', cacheDir, ...extra], env());
      t.true(r.code === 1, `${format} ${extra.join(' ')}: exit ${r.code}\n${r.stderr}`);
      seen.push(r.stdout, r.stderr);
    }
  }
  const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
  for (const f of [...files(cacheDir), ...files(outDir)]) seen.push(readFileSync(f, 'latin1'));
  t.true(files(outDir).length === 6 && files(cacheDir).length > 0);
  const all = seen.join('\n');
  t.false(all.includes(PLANTED_PASSWORD), 'the password leaked');
  t.false(all.includes('Pl4nted'), 'part of the password leaked');
  // The keys were read: the secret-structure check ran, and the non-JSON value is said to be so.
  t.regex(all, /"secret-structure"/);
  t.regex(all, /AWSCURRENT is not a JSON object/);
});

test.serial('diagnose --all: Ctrl-C prints what is done, names the rest, exits 130', async (t) => {
  const { spawn } = await import('node:child_process');
  const { BIN } = await import('./support/cli.js');
  standin.knobs.latencyMs = 100;
  t.teardown(() => { standin.knobs.latencyMs = 0; });
  const child = spawn(process.execPath, [BIN, 'diagnose', '--all', '--no-cache', '--concurrency', '2', '--format', 'json', '--debug'], { env: { PATH: process.env.PATH, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  // interrupt once three secrets are done, however slow the machine is
  for (let waited = 0; (stderr.match(/^debug: diagnosed /gm) ?? []).length < 3 && waited < 60_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => child.on('close', r));
  t.is(code, 130, stderr);
  const out = JSON.parse(stdout) as { reports: unknown[]; summary: { interrupted: boolean; notDiagnosed: string[]; secrets: number } };
  t.true(out.summary.interrupted);
  const total = installed.filter((i) => i.scenario.secret !== 'managed').length + 1;
  t.true(out.reports.length >= 3 && out.reports.length < total, `${out.reports.length} reports`);
  t.is(out.reports.length + out.summary.notDiagnosed.length, total, 'every discovered secret is either reported or named');
  t.regex(stderr, new RegExp(`interrupted: \\d+ of ${total} secret\\(s\\) were not diagnosed`));
});

test.serial('diagnose --all --all-regions lists secrets in every commercial region; --all-regions alone is a usage error', async (t) => {
  const { COMMERCIAL_REGIONS } = await import('../src/scan/discovery.js');
  standin.resetCounters();
  const r = await runCli(['diagnose', '--all', '--all-regions', '--format', 'ndjson', '--no-cache'], env());
  t.is(r.code, 1, r.stderr);
  t.is(standin.counters.requests.ListSecrets, COMMERCIAL_REGIONS.length);
  t.is(r.stdout.trim().split('\n').length, installed.filter((i) => i.scenario.secret !== 'managed').length + 1);
  const bad = await runCli(['diagnose', 'x', '--all-regions'], env());
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--all-regions goes with --all/);
});
