// diagnose --save-snapshot / --from-snapshot through the CLI: a saved run replays offline to the same
// report; the file holds no secret value and no credential; the table and markdown show the paths.
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installDiagnoseApis } from './standin/diagnoseApis.js';
import { installEc2Api } from './standin/ec2Api.js';
import { cliEnv, DEFAULT_CREDENTIALS, startStandin, type Standin } from './support/aws.js';
import { runCli } from './support/cli.js';
import { PLANTED_PASSWORD, SCENARIOS, installScenario, scenarioBundles, type InstalledScenario } from './support/diagnoseScenarios.js';
import { networkScenarios, scenarioVpc, workingVpc, workingVpcCopy } from './support/networkFixtures.js';

let standin: Standin;
const secrets: InstalledScenario[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ri-network-'));
test.before(async () => {
  standin = await startStandin();
  const apis = installDiagnoseApis(standin);
  const ec2 = installEc2Api(standin);
  const bundles = await scenarioBundles();
  const layouts = [
    { v: workingVpcCopy(0, scenarioVpc(networkScenarios.find((s) => s.name === 'endpoint-sg-admits-nothing')!)), log: SCENARIOS.find((s) => s.cause === 'secretsmanager-unreachable')! },
    { v: workingVpcCopy(1, workingVpc()), log: SCENARIOS.find((s) => s.cause === 'database-unreachable' && s.confidence === 'likely')! },
  ];
  layouts.forEach(({ v, log }, i) => {
    ec2.addLayout(v.snapshot);
    const t = v.target;
    secrets.push(installScenario(apis, log, 2000 + i, 'Text', bundles, {
      vpcId: t.vpc!.vpcId, subnetIds: t.vpc!.subnetIds, securityGroupIds: t.vpc!.securityGroupIds,
      db: { subnetIds: t.database!.subnetIds, securityGroupIds: t.database!.securityGroupIds },
    }));
  });
});
test.after.always(() => standin?.close());

const env = () => cliEnv(standin, { XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'ri-cache-')) });
/** No AWS at all: no credentials and an endpoint nothing listens on. */
const offline = { PATH: process.env.PATH ?? '', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', XDG_CACHE_HOME: dir };

test.serial('a saved snapshot replays offline to the same report, and holds no secret value or credential', async (t) => {
  const file = join(dir, 'run.snapshot.json');
  const live = await runCli(['diagnose', ...secrets.map((s) => s.secretArn), '--read-secret-keys', '--format', 'json', '--no-cache', '--save-snapshot', file], env());
  t.is(live.code, 1, live.stderr);
  t.regex(live.stderr, /wrote .*run\.snapshot\.json: the snapshot of 2 secret\(s\)/);
  const saved = readFileSync(file, 'utf8');
  t.false(saved.includes(PLANTED_PASSWORD));
  t.false(saved.includes(DEFAULT_CREDENTIALS.secretAccessKey));
  t.false(saved.includes(DEFAULT_CREDENTIALS.accessKeyId));
  t.like(JSON.parse(saved), { format: 'rotation-inspector/diagnose-snapshot', version: 1 });

  const replay = await runCli(['diagnose', '--from-snapshot', file, '--format', 'json'], offline);
  t.is(replay.code, 1, replay.stderr);
  const a = JSON.parse(live.stdout) as { reports: unknown[] };
  const b = JSON.parse(replay.stdout) as { reports: unknown[] };
  t.deepEqual(b.reports, a.reports);
  const sm = (a.reports as Array<{ diagnosis: { cause: string; confidence: string; summary: string }; network: { secretsmanager: { status: string } } }>)[0]!;
  t.is(sm.diagnosis.cause, 'secretsmanager-unreachable');
  t.is(sm.diagnosis.confidence, 'confirmed');
  t.regex(sm.diagnosis.summary, /Blocked by sg-vpce-0 \(endpoint vpce-sm-0\) ingress/);

  const table = await runCli(['diagnose', '--from-snapshot', file], offline);
  t.regex(table.stdout, /network-secretsmanager +FAIL +Blocked at sg-vpce-0 \(endpoint vpce-sm-0\) ingress: admits nothin/);
  t.regex(table.stdout, /network-database +PASS/);
  t.regex(table.stdout, /network-rds-api +N\/A|network-rds-api +NOT/);
  const md = await runCli(['diagnose', '--from-snapshot', file, '--format', 'markdown'], offline);
  t.regex(md.stdout, /- \*\*secretsmanager\*\* FAIL \(interface-endpoint\)\n {2}- subnet-fa-0 \(us-east-1a\) → vpce-sm-0 interface in subnet-ea-0/);
  t.regex(md.stdout, /blocked by sg-vpce-0 \(endpoint vpce-sm-0\) ingress: admits nothing on TCP 443/);
});

test.serial('a file that is not a snapshot is one line naming it, exit 2', async (t) => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ format: 'rotation-inspector/diagnose-snapshot', version: 7, secrets: [], unreadable: [] }));
  const r = await runCli(['diagnose', '--from-snapshot', bad], offline);
  t.is(r.code, 2);
  t.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  t.regex(r.stderr, /--from-snapshot .*bad\.json: version 7 is not supported/);
  const missing = await runCli(['diagnose', '--from-snapshot', join(dir, 'nope.json')], offline);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /cannot read it \(ENOENT\)/);
  const both = await runCli(['diagnose', 'x', '--from-snapshot', bad], offline);
  t.is(both.code, 2);
});
