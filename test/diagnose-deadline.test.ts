import test from 'ava';
import { installDiagnoseApis } from './standin/diagnoseApis.js';
import { cliEnv, startStandin } from './support/aws.js';
import { runCli } from './support/cli.js';
import { installScenario, SCENARIOS, scenarioBundles } from './support/diagnoseScenarios.js';

// diagnose's own AWS calls (DescribeSecret, logs, RDS, GetPolicy, …) carry the session's call options: the
// --timeout deadline (retries included) and Ctrl-C. A DescribeSecret whose answer stalls after its headers is
// otherwise held until the idle timeout (15 s by default), then retried.
test('a stalled DescribeSecret ends within the --timeout deadline, as a one-line error', async (t) => {
  const standin = await startStandin();
  t.teardown(() => standin.close());
  const apis = installDiagnoseApis(standin);
  const sc = installScenario(apis, SCENARIOS[0]!, 0, 'Text', await scenarioBundles());
  standin.knobs.hostile = { DescribeSecret: { mode: 'stall' } };
  const started = Date.now();
  const r = await runCli(['diagnose', sc.secretArn, '--timeout', '1', '--no-cache', '-q', '--format', 'json'], cliEnv(standin));
  const elapsed = Date.now() - started;
  t.is(r.code, 2, r.stderr);
  t.true(elapsed < 6_000, `took ${elapsed} ms`);
  t.regex(r.stderr, /DescribeSecret.*within 1 s \(--timeout\)|within 1 s \(--timeout\).*DescribeSecret/);
  t.false(r.stderr.includes('    at '));
  t.true((standin.counters.requests.DescribeSecret ?? 0) >= 1);
});
