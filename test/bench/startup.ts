// Cold start: the CLI inspecting the 9.4 sample against a bare `node -e 0`
// (and `--version`, to split load from work), alternated run by run (the
// order rotates every round) so that machine noise lands on all sides alike.
// Prints medians, means and their ratios.
//
// Children get a clean environment (PATH, HOME). When this shell sets
// variables that slow every node start (NODE_EXTRA_CA_CERTS makes node parse a
// CA bundle at start-up, ~40 ms here; NODE_OPTIONS), the same commands are also
// timed with the inherited environment, interleaved in the same rounds, and
// reported on their own line: a slower bare start flatters the ratio.
//
// Needs the built CLI (npm run build). Run: node --import tsx test/bench/startup.ts
// Knobs: BENCH_STARTUP_RUNS (default 30), BENCH_STARTUP_WARMUP (default 3).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/rotation-inspector.js', import.meta.url));
const MAIN = fileURLToPath(new URL('../../dist/bin/main.cjs', import.meta.url));
const SAMPLE = 'samples/postgres-9.4-rotation.zip';
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 30);
const WARMUP = Number(process.env.BENCH_STARTUP_WARMUP ?? 3);
const TARGET = 1.3;

if (!existsSync(MAIN)) {
  console.error(`startup: ${MAIN} is missing: build the CLI first with "npm run build", then rerun.`);
  process.exit(1);
}

const clean: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', AWS_EC2_METADATA_DISABLED: 'true' };
const SLOWING = ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'].filter((k) => process.env[k]);
const envs: Array<{ name: string; env: NodeJS.ProcessEnv }> = [{ name: 'clean', env: clean }];
if (SLOWING.length) envs.push({ name: 'inherited', env: { ...process.env, NO_COLOR: '1', AWS_EC2_METADATA_DISABLED: 'true' } });

interface Cmd { label: string; args: string[]; okCodes: number[] }
const bare: Cmd = { label: 'node -e 0', args: ['-e', '0'], okCodes: [0] };
// The 9.4 sample fails both checks: exit code 1 is its right answer.
const inspect: Cmd = { label: 'inspect', args: [BIN, 'inspect', SAMPLE, '--format', 'json'], okCodes: [0, 1] };
// Loading the CLI without inspecting anything: splits the cost into module loading and work.
const version: Cmd = { label: '--version', args: [BIN, '--version'], okCodes: [0] };

function timeOnce(cmd: Cmd, env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, cmd.args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  if (!cmd.okCodes.includes(r.status ?? -1)) {
    throw new Error(`${cmd.label}: exit ${r.status ?? r.signal}: ${r.stderr.toString().trim().split('\n')[0] ?? ''}`);
  }
  return ms;
}

// The inspect run must really answer (a JSON report naming 9.4), or we would time an error path.
const check = spawnSync(process.execPath, inspect.args, { cwd: ROOT, env: clean, encoding: 'utf8' });
const report = JSON.parse(check.stdout) as { libraries?: Array<{ version?: { value?: string } }>; errors?: unknown[] };
if (report.libraries?.[0]?.version?.value !== '9.4.26' || (report.errors?.length ?? 1) !== 0) {
  console.error(`startup: the inspect run did not report libpq 9.4.26 without errors: ${check.stdout.slice(0, 300)}`);
  process.exit(1);
}

type Key = 'bare' | 'inspect' | 'version';
const cmds: Record<Key, Cmd> = { bare, inspect, version };
const jobs = envs.flatMap((e) => (['bare', 'inspect', 'version'] as const).map((k) => ({ env: e.name, key: k, run: () => timeOnce(cmds[k], e.env) })));
const times = new Map(jobs.map((j) => [`${j.env}:${j.key}`, [] as number[]]));
for (let i = 0; i < WARMUP; i++) for (const j of jobs) j.run();
for (let i = 0; i < RUNS; i++) {
  // Rotate which command goes first, so none always runs right after another.
  for (let n = 0; n < jobs.length; n++) {
    const j = jobs[(i + n) % jobs.length]!;
    times.get(`${j.env}:${j.key}`)!.push(j.run());
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))]!;
const f = (x: number) => x.toFixed(1);

console.log(`startup: ${RUNS} interleaved runs of each after ${WARMUP} warm-ups, node ${process.version}, ${SAMPLE} --format json`);
for (const { name } of envs) {
  const t = (k: Key) => times.get(`${name}:${k}`)!;
  const label = name === 'clean' ? 'startup' : `startup (inherited env, ${SLOWING.join(' and ')} set: slows every node start)`;
  const ratio = median(t('inspect')) / median(t('bare'));
  console.log(`${label}: node -e 0 median ${f(median(t('bare')))} ms, inspect median ${f(median(t('inspect')))} ms, ratio ${ratio.toFixed(2)} (target <= ${TARGET})${ratio <= TARGET ? '' : '  ABOVE TARGET'}`);
  console.log(`${label}: node -e 0 mean ${f(mean(t('bare')))} ms, inspect mean ${f(mean(t('inspect')))} ms, ratio of means ${(mean(t('inspect')) / mean(t('bare'))).toFixed(2)}; p90 ${f(p90(t('bare')))} / ${f(p90(t('inspect')))} ms`);
  console.log(`${label}: inspect costs ${f(median(t('inspect')) - median(t('bare')))} ms over a bare node start (medians): loading the CLI (--version median ${f(median(t('version')))} ms, ratio ${(median(t('version')) / median(t('bare'))).toFixed(2)}) ${f(median(t('version')) - median(t('bare')))} ms, reading the bundle and reporting ${f(median(t('inspect')) - median(t('version')))} ms`);
}
