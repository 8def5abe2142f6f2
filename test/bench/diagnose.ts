// `diagnose` benchmark, against the loopback stand-in (in this process), 40 ms per request.
// 1. One secret: `rotation-inspector diagnose <secret>` (a process, as a user runs it) against the AWS CLI
//    script a person would run for the same answer: describe-secret, get-function-configuration, get-policy,
//    filter-log-events, describe-db-instances, describe-db-parameters, one `aws` process each, in turn.
//    Target: ≤ 0.25 of the script. Needs the AWS CLI on PATH (apt-get install awscli); without it, the
//    script's six calls are timed as six `node` processes that each make the one SDK call (faster than
//    the AWS CLI's Python start-up, so the ratio printed is then an upper bound).
// 2. `diagnose --all` on a 50-secret account against the one-at-a-time lower bound (every request the run
//    makes, one after another, each costing at least the latency). Target: ≤ 0.15.
// Run: node --import tsx test/bench/diagnose.ts
import './_awsEnv.js';
import { spawn } from 'node:child_process';

/** Runs a process without blocking this one (the stand-in answers from this process's event loop). */
function run(cmd: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
import { diagnoseRun } from '../../src/scan/diagnoseAccount.js';
import { installDiagnoseApis } from '../standin/diagnoseApis.js';
import { DEFAULT_CREDENTIALS, startStandin } from '../standin/server.js';
import { DAY, SCENARIOS, installScenario, scenarioBundles } from '../support/diagnoseScenarios.js';
import { ROTATION_FILTER_PATTERN } from '../../src/aws/logCollector.js';
import { describeMissing, missingTools } from './_tools.js';

const LATENCY = 40;
const ROOT = new URL('../../', import.meta.url).pathname;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const bundles = await scenarioBundles();

// ---- 1. one secret --------------------------------------------------------------------------
{
  const s = await startStandin({ knobs: { latencyMs: LATENCY } });
  const apis = installDiagnoseApis(s);
  const sc = SCENARIOS.find((x) => x.cause === 'scram-unsupported' && x.db === 'scram')!;
  const one = installScenario(apis, sc, 0, 'Text', bundles);
  const env = {
    PATH: process.env.PATH, HOME: process.env.HOME, AWS_ACCESS_KEY_ID: DEFAULT_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: DEFAULT_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_ENDPOINT_URL: s.endpoint, AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const since = String(Date.now() - 14 * DAY);
  const script: string[][] = [
    ['secretsmanager', 'describe-secret', '--secret-id', one.secretArn],
    ['lambda', 'get-function-configuration', '--function-name', one.functionArn],
    ['lambda', 'get-policy', '--function-name', one.functionArn],
    ['logs', 'filter-log-events', '--log-group-name', one.logGroup, '--start-time', since, '--filter-pattern', ROTATION_FILTER_PATTERN],
    ['rds', 'describe-db-instances'],
    ['rds', 'describe-db-parameters', '--db-parameter-group-name', 'orders-pg15-0'],
  ];
  const haveAws = missingTools(['aws']).length === 0;
  if (!haveAws) console.log(`diagnose: ${describeMissing(['aws'])}: the script's calls are timed as one node process per SDK call`);
  const runScript = async () => {
    const t0 = process.hrtime.bigint();
    for (const cmd of script) {
      const r = haveAws
        ? await run('aws', [...cmd, '--endpoint-url', s.endpoint, '--output', 'json'], { env })
        : await run(process.execPath, ['--input-type=module', '-e', sdkCall(cmd)], { env, cwd: ROOT });
      if (r.status !== 0) throw new Error(`script step ${cmd.slice(0, 2).join(' ')} failed: ${r.stderr}`);
    }
    return ms(t0);
  };
  const runDiagnose = async () => {
    const t0 = process.hrtime.bigint();
    const r = await run(process.execPath, ['bin/rotation-inspector.js', 'diagnose', one.secretArn, '--no-cache'], { env, cwd: ROOT });
    if (r.status !== 1 || !/scram-unsupported \(confirmed\)/.test(r.stdout)) throw new Error(`diagnose did not name the cause (exit ${r.status}): ${r.stdout}${r.stderr}`);
    return ms(t0);
  };
  // Interleaved, medians of 5: the machine is shared.
  const scriptTimes: number[] = [];
  const diagnoseTimes: number[] = [];
  s.resetCounters();
  diagnoseTimes.push(await runDiagnose());
  const diagnoseRequests = Object.values(s.counters.requests).reduce((a, b) => a + b, 0);
  s.resetCounters();
  scriptTimes.push(await runScript());
  const scriptRequests = Object.values(s.counters.requests).reduce((a, b) => a + b, 0);
  for (let i = 0; i < 4; i++) { diagnoseTimes.push(await runDiagnose()); scriptTimes.push(await runScript()); }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const d = median(diagnoseTimes);
  const sc2 = median(scriptTimes);
  console.log(`diagnose: one secret ${d.toFixed(0)} ms (${diagnoseRequests} requests, code and layers read too) against the ${haveAws ? 'AWS CLI' : 'node-per-call'} script ${sc2.toFixed(0)} ms (${script.length} commands, ${scriptRequests} requests): ratio ${(d / sc2).toFixed(3)} (target <= 0.25)`);
  await s.close();
}

// ---- 2. --all on 50 secrets ---------------------------------------------------------------------
{
  const s = await startStandin({ knobs: { latencyMs: LATENCY } });
  const apis = installDiagnoseApis(s);
  const failing = SCENARIOS.filter((x) => x.secret !== 'managed');
  for (let i = 0; i < 50; i++) installScenario(apis, failing[i % failing.length]!, i, i % 2 ? 'JSON' : 'Text', bundles);
  s.resetCounters();
  const t0 = process.hrtime.bigint();
  const r = await diagnoseRun({ secrets: [], all: true, regions: ['us-east-1'], concurrency: 24, endpointUrl: s.endpoint, region: 'us-east-1', since: new Date(Date.now() - 14 * DAY), readSecretKeys: false });
  const wall = ms(t0);
  const requests = Object.values(s.counters.requests).reduce((a, b) => a + b, 0);
  const bound = requests * LATENCY;
  console.log(`diagnose --all: 50 secrets in ${wall.toFixed(0)} ms; one-at-a-time lower bound ${requests} requests x ${LATENCY} ms = ${bound} ms; ratio ${(wall / bound).toFixed(3)} (target <= 0.15); ${r.reports.length} reports, ${r.reports.filter((x) => x.errors.length).length} with errors; ${s.counters.requests.DescribeDBClusters ?? 0} DescribeDBClusters call(s) for the run`);
  await s.close();
}

/** One SDK call in its own process, standing in for one `aws` command when the AWS CLI is not installed. */
function sdkCall(cmd: string[]): string {
  const arg = (name: string) => JSON.stringify(cmd[cmd.indexOf(name) + 1]);
  switch (`${cmd[0]} ${cmd[1]}`) {
    case 'secretsmanager describe-secret': return `const m = await import('@aws-sdk/client-secrets-manager'); await new m.SecretsManagerClient({}).send(new m.DescribeSecretCommand({ SecretId: ${arg('--secret-id')} }));`;
    case 'lambda get-function-configuration': return `const m = await import('@aws-sdk/client-lambda'); await new m.LambdaClient({}).send(new m.GetFunctionConfigurationCommand({ FunctionName: ${arg('--function-name')} }));`;
    case 'lambda get-policy': return `const m = await import('@aws-sdk/client-lambda'); await new m.LambdaClient({}).send(new m.GetPolicyCommand({ FunctionName: ${arg('--function-name')} }));`;
    case 'logs filter-log-events': return `const m = await import('@aws-sdk/client-cloudwatch-logs'); for await (const _ of m.paginateFilterLogEvents({ client: new m.CloudWatchLogsClient({}) }, { logGroupName: ${arg('--log-group-name')}, startTime: Number(${arg('--start-time')}), filterPattern: ${arg('--filter-pattern')} })) {}`;
    case 'rds describe-db-instances': return `const m = await import('@aws-sdk/client-rds'); for await (const _ of m.paginateDescribeDBInstances({ client: new m.RDSClient({}) }, {})) {}`;
    default: return `const m = await import('@aws-sdk/client-rds'); for await (const _ of m.paginateDescribeDBParameters({ client: new m.RDSClient({}) }, { DBParameterGroupName: ${arg('--db-parameter-group-name')} })) {}`;
  }
}
