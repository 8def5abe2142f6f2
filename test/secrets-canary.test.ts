import test from 'ava';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CODE_URL_TOKEN_PREFIX } from './standin/server.js';
import { SAMPLE_94_ZIP, cliEnv, fnArn, startStandin, type Standin } from './support/aws.js';
import { runCli } from './support/cli.js';

// Canary credentials: if any of these appears in any output, a secret was echoed.
const CANARY = {
  accessKeyId: 'AKIACANARYKEY0000001',
  secretAccessKey: 'canary/Secret+Access/KEY-9f8e7d6c5b4a',
  sessionToken: 'CANARYSESSIONTOKEN-IQoJb3JpZ2luX2VjEJr-canary-0123456789abcdef',
};
const PASSWORD = 'CanaryPassw0rd-5150';

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...await allFiles(p));
    else out.push(p);
  }
  return out;
}

function assertClean(t: import('ava').ExecutionContext, s: Standin, what: string, text: string) {
  for (const secret of [CANARY.sessionToken, CANARY.secretAccessKey, CANARY.accessKeyId, PASSWORD, ...s.issuedSecrets()]) {
    t.false(text.includes(secret), `${what} leaks ${secret.slice(0, 12)}…`);
  }
  t.false(text.includes(CODE_URL_TOKEN_PREFIX), `${what}: a presigned token`);
  t.false(/Signature=[0-9a-f]{16,}/i.test(text), `${what}: a request signature`);
}

const ops = ['GetFunction', 'DescribeStacks', 'ListSecrets', 'Code'] as const;

for (const debug of [false, true]) {
  for (const op of ops) {
    test(`an endpoint that echoes credentials in its ${op} error: nothing secret in stdout, stderr or any file${debug ? ' (--debug)' : ''}`, async (t) => {
      const s = await startStandin({
        credentials: CANARY,
        functions: [{ name: 'canary-fn', code: SAMPLE_94_ZIP, handler: 'lambda_function.lambda_handler', tags: { 'aws:cloudformation:stack-name': 'canary-stack' } }],
        stacks: [{ name: 'canary-stack', creationTime: '2021-06-01T00:00:00Z' }],
        secrets: [{ name: 'db/canary', rotationEnabled: true, rotationLambdaARN: fnArn('canary-fn') }],
        knobs: { hostile: { [op]: { mode: 'echo-credentials' } } },
      });
      t.teardown(() => s.close());
      const root = await mkdtemp(join(tmpdir(), 'ri-canary-'));
      t.teardown(() => rm(root, { recursive: true, force: true }));
      const env = cliEnv(s, {
        AWS_ACCESS_KEY_ID: CANARY.accessKeyId, AWS_SECRET_ACCESS_KEY: CANARY.secretAccessKey, AWS_SESSION_TOKEN: CANARY.sessionToken, AWS_MAX_ATTEMPTS: '1',
      });
      const flags = debug ? ['--debug'] : [];
      const scan = await runCli(['scan', '--cache-dir', join(root, 'cache'), '--format', 'json', '-o', join(root, 'scan.json'), ...flags], env);
      const inspect = await runCli(['inspect', 'canary-fn', '--format', 'json', ...flags], env);
      t.not(scan.code, 0, 'the echoing endpoint is an error');
      t.regex(scan.stderr + inspect.stderr, op === 'Code' ? /download failed with HTTP 400/ : /Request rejected by proxy/, 'the error itself is shown');
      for (const [what, text] of [['scan stdout', scan.stdout], ['scan stderr', scan.stderr], ['inspect stdout', inspect.stdout], ['inspect stderr', inspect.stderr]] as const) assertClean(t, s, what, text);
      for (const file of await allFiles(root)) assertClean(t, s, file, await readFile(file, 'utf8'));
    });
  }
}

test('--endpoint-url with a user and password: refused, and the password never printed (with and without --debug)', async (t) => {
  for (const flags of [[], ['--debug']]) {
    for (const url of [`http://user:${PASSWORD}@127.0.0.1:9`, `ftp://user:${PASSWORD}@127.0.0.1:9`]) {
      const r = await runCli(['inspect', 'some-fn', '--endpoint-url', url, ...flags], { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1' });
      t.is(r.code, 2);
      t.regex(r.stderr, /--endpoint-url/);
      t.false((r.stdout + r.stderr).includes(PASSWORD), r.stderr);
    }
  }
});

test('AWS_ENDPOINT_URL with a password: never printed', async (t) => {
  const r = await runCli(['inspect', 'some-fn', '--debug'], { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1', AWS_ENDPOINT_URL: `http://user:${PASSWORD}@127.0.0.1:9` });
  t.is(r.code, 2);
  t.false((r.stdout + r.stderr).includes(PASSWORD), r.stderr);
});

test('redact: header-style echoes, URL user information and registered secret values', async (t) => {
  const { redact, registerSecret } = await import('../src/redact.js');
  t.is(redact('X-Amz-Security-Token: FQoGZXIvYXdzEJr; next'), 'X-Amz-Security-Token: <redacted>; next');
  t.is(redact('authorization:Bearer abc.def; x'), 'authorization:<redacted>; x');
  t.is(redact('Authorization: AWS4-HMAC-SHA256 Credential=AKIA/x, SignedHeaders=host, Signature=0123abcd'), 'Authorization: AWS4-HMAC-SHA256 <redacted>');
  t.is(redact('cannot reach http://me:hunter2@proxy:8080/x'), 'cannot reach http://<redacted>@proxy:8080/x');
  registerSecret('a-registered-session-token-123');
  t.is(redact('echo: a-registered-session-token-123 and a-registered-session-token-123'), 'echo: <redacted> and <redacted>');
  registerSecret('short');
  t.is(redact('a short word'), 'a short word', 'short values are not registered');
});
