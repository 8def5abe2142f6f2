// Tests of the loopback AWS stand-in, driven through the real AWS SDK v3 clients.
// Must be set before the first SDK client is constructed (see @aws-sdk/core emitWarningIfUnsupportedVersion).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_ACCESS_KEY_ID = 'AKIAENVNOTUSED000000';
process.env.AWS_SECRET_ACCESS_KEY = 'env-not-used';
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;

import test from 'ava';
import type { ExecutionContext } from 'ava';
import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import {
  GetFunctionCommand,
  GetLayerVersionByArnCommand,
  LambdaClient,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { CloudFormationClient, DescribeStacksCommand, paginateDescribeStacks } from '@aws-sdk/client-cloudformation';
import { ListSecretsCommand, SecretsManagerClient, paginateListSecrets } from '@aws-sdk/client-secrets-manager';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  CODE_URL_SIGNATURE_PREFIX,
  CODE_URL_TOKEN_PREFIX,
  DEFAULT_CREDENTIALS,
  parseRange,
  sdkConfig,
  startStandin,
  type Standin,
  type StandinSecret,
  type StartStandinOptions,
} from './standin/server.js';
import { canonicalPath, canonicalQuery } from './standin/sigv4.js';
import { makeFleet, startFleet } from './standin/fleet.js';
import { buildZip } from './standin/zip.js';

const warnings: string[] = [];
process.on('warning', (w) => warnings.push(`${w.name}: ${w.message}`));

const ACCT = '123456789012';
const ZIP_A = buildZip([
  { name: 'lambda_function.py', data: 'def lambda_handler(e, c):\n    return None\n'.repeat(40) },
  { name: 'postgresql/libpq.so.5', data: Buffer.alloc(3000, 7), compress: false },
]);
const ZIP_B = buildZip([{ name: 'lambda_function.py', data: 'print("b")\n' }]);
const LAYER_ARN = `arn:aws:lambda:us-east-1:${ACCT}:layer:psycopg2:3`;
const LAYER_ZIP = buildZip([{ name: 'python/psycopg2/__init__.py', data: '# layer\n' }]);

function baseOptions(): StartStandinOptions {
  return {
    functions: [
      {
        name: 'rot-single',
        code: ZIP_A,
        runtime: 'python3.9',
        handler: 'lambda_function.lambda_handler',
        architectures: ['arm64'],
        layers: [LAYER_ARN],
        tags: { 'aws:cloudformation:stack-name': 'rot-stack', team: 'db' },
        lastModified: '2023-05-06T07:08:09.123Z',
        timeout: 45,
        vpc: { subnetIds: ['subnet-1', 'subnet-2'], securityGroupIds: ['sg-1'] },
        qualifiers: ['1', 'live'],
      },
      { name: 'rot-eu', region: 'eu-west-1', code: ZIP_B },
      { name: 'rot-image', imageUri: `${ACCT}.dkr.ecr.us-east-1.amazonaws.com/rot:latest` },
    ],
    layers: [{ arn: LAYER_ARN, code: LAYER_ZIP }],
    stacks: [
      { name: 'rot-stack', creationTime: '2020-02-03T04:05:06Z', tags: { 'serverlessrepo:semanticVersion': '1.1.2' } },
      { name: 'old-stack', creationTime: '2019-01-01T00:00:00Z', deleted: true, stackId: `arn:aws:cloudformation:us-east-1:${ACCT}:stack/old-stack/dead` },
      { name: 'eu-stack', region: 'eu-west-1', creationTime: '2021-01-01T00:00:00Z' },
    ],
    secrets: Array.from({ length: 10 }, (_, i): StandinSecret => ({
      name: `db/secret-${i}`,
      rotationEnabled: i % 2 === 0,
      rotationLambdaARN: `arn:aws:lambda:us-east-1:${ACCT}:function:rot-single`,
      lastRotatedDate: `2024-03-0${(i % 9) + 1}T10:00:00.500Z`,
      tags: i === 3 ? { env: 'prod' } : {},
    })),
  };
}

type Clients = { lambda: LambdaClient; cfn: CloudFormationClient; sm: SecretsManagerClient };

function clients(s: Standin, o: { region?: string; attempts?: number; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } } = {}): Clients {
  const cfg = {
    ...sdkConfig(s, o.region ?? 'us-east-1'),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    retryStrategy: new ConfiguredRetryStrategy(o.attempts ?? 3, 5),
  };
  return { lambda: new LambdaClient(cfg), cfn: new CloudFormationClient(cfg), sm: new SecretsManagerClient(cfg) };
}

async function withStandin(
  t: ExecutionContext,
  opts: StartStandinOptions,
  fn: (s: Standin, c: Clients) => Promise<void>,
  clientOpts: Parameters<typeof clients>[1] = {},
): Promise<void> {
  const s = await startStandin(opts);
  const c = clients(s, clientOpts);
  try {
    t.regex(s.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    await fn(s, c);
  } finally {
    c.lambda.destroy();
    c.cfn.destroy();
    c.sm.destroy();
    await s.close();
  }
}

async function errorOf(p: Promise<unknown>): Promise<Error & { name: string; $metadata?: { httpStatusCode?: number; attempts?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { name: string; $metadata?: { httpStatusCode?: number; attempts?: number } };
  }
  throw new Error('expected a rejection');
}

const sha256b64 = (b: Buffer) => createHash('sha256').update(b).digest('base64');

// ------------------------------------------------------------------------------------------------
// Lambda

test('GetFunction by name: Configuration, Code and Tags parsed by the SDK', async (t) => {
  await withStandin(t, baseOptions(), async (s, { lambda }) => {
    const out = await lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' }));
    const c = out.Configuration;
    t.truthy(c);
    t.is(c?.FunctionName, 'rot-single');
    t.is(c?.FunctionArn, `arn:aws:lambda:us-east-1:${ACCT}:function:rot-single`);
    t.is(c?.Runtime, 'python3.9');
    t.is(c?.Handler, 'lambda_function.lambda_handler');
    t.is(c?.CodeSize, ZIP_A.length);
    t.is(c?.CodeSha256, sha256b64(ZIP_A));
    t.is(c?.LastModified, '2023-05-06T07:08:09.123+0000');
    t.is(c?.Timeout, 45);
    t.deepEqual(c?.Architectures, ['arm64']);
    t.is(c?.PackageType, 'Zip');
    t.deepEqual(c?.Layers, [{ Arn: LAYER_ARN, CodeSize: LAYER_ZIP.length }]);
    t.deepEqual(c?.VpcConfig?.SubnetIds, ['subnet-1', 'subnet-2']);
    t.deepEqual(c?.VpcConfig?.SecurityGroupIds, ['sg-1']);
    t.regex(c?.VpcConfig?.VpcId ?? '', /^vpc-[0-9a-f]{17}$/);
    t.deepEqual(out.Tags, { 'aws:cloudformation:stack-name': 'rot-stack', team: 'db' });
    t.is(out.Code?.RepositoryType, 'S3');
    const loc = new URL(out.Code?.Location ?? '');
    t.is(loc.origin, s.endpoint);
    t.regex(loc.pathname, /^\/code\/[0-9a-f-]{36}$/);
    t.is(loc.searchParams.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
    t.is(loc.searchParams.get('X-Amz-Expires'), '600');
    t.regex(loc.searchParams.get('X-Amz-Credential') ?? '', /^ASIA[A-Z0-9]+\/\d{8}\/us-east-1\/s3\/aws4_request$/);
    const token = loc.searchParams.get('X-Amz-Security-Token') ?? '';
    const sig = loc.searchParams.get('X-Amz-Signature') ?? '';
    t.true(token.startsWith(CODE_URL_TOKEN_PREFIX));
    t.regex(sig, /^[0-9a-f]{64}$/);
    t.true(sig.startsWith(CODE_URL_SIGNATURE_PREFIX));
    t.true(s.issuedSecrets().includes(token));
    t.true(s.issuedSecrets().includes(sig));
    t.is(s.counters.requests['GetFunction'], 1);
    t.is(s.counters.unsignedRejected, 0);
    t.deepEqual(s.counters.log, [{ op: 'GetFunction', method: 'GET', path: '/2015-03-31/functions/rot-single', status: 200 }]);
  });
});

test('GetFunction accepts partial ARN, full ARN and qualifiers (double-encoded canonical path)', async (t) => {
  await withStandin(t, baseOptions(), async (s, { lambda }) => {
    const full = `arn:aws:lambda:us-east-1:${ACCT}:function:rot-single`;
    const a = await lambda.send(new GetFunctionCommand({ FunctionName: `${ACCT}:function:rot-single` }));
    t.is(a.Configuration?.FunctionArn, full);
    const b = await lambda.send(new GetFunctionCommand({ FunctionName: full }));
    t.is(b.Configuration?.FunctionName, 'rot-single');
    const c = await lambda.send(new GetFunctionCommand({ FunctionName: full, Qualifier: '$LATEST' }));
    t.is(c.Configuration?.FunctionArn, `${full}:$LATEST`);
    t.is(c.Configuration?.Version, '$LATEST');
    const d = await lambda.send(new GetFunctionCommand({ FunctionName: `${full}:1` }));
    t.is(d.Configuration?.Version, '1');
    const e = await lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single', Qualifier: 'live' }));
    t.is(e.Configuration?.FunctionArn, `${full}:live`);
    const nf = await errorOf(lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single', Qualifier: '7' })));
    t.true(nf instanceof ResourceNotFoundException);
    t.is(nf.message, `Function not found: ${full}:7`);
    const mismatch = await errorOf(lambda.send(new GetFunctionCommand({ FunctionName: `${full}:1`, Qualifier: 'live' })));
    t.is(mismatch.name, 'InvalidParameterValueException');
    t.is(s.counters.unsignedRejected, 0);
    t.true(s.counters.log.some((l) => l.path.startsWith('/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1')));
  });
});

test('GetFunction: unknown function is ResourceNotFoundException; region comes from the SigV4 scope', async (t) => {
  await withStandin(t, baseOptions(), async (s, { lambda }) => {
    const e1 = await errorOf(lambda.send(new GetFunctionCommand({ FunctionName: 'nope' })));
    t.true(e1 instanceof ResourceNotFoundException);
    t.is(e1.name, 'ResourceNotFoundException');
    t.is(e1.message, `Function not found: arn:aws:lambda:us-east-1:${ACCT}:function:nope`);
    t.is(e1.$metadata?.httpStatusCode, 404);
    // rot-eu exists only in eu-west-1
    const e2 = await errorOf(lambda.send(new GetFunctionCommand({ FunctionName: 'rot-eu' })));
    t.is(e2.message, `Function not found: arn:aws:lambda:us-east-1:${ACCT}:function:rot-eu`);
    const eu = new LambdaClient({ ...sdkConfig(s, 'eu-west-1'), maxAttempts: 1 });
    try {
      const out = await eu.send(new GetFunctionCommand({ FunctionName: 'rot-eu' }));
      t.is(out.Configuration?.FunctionArn, `arn:aws:lambda:eu-west-1:${ACCT}:function:rot-eu`);
      t.is(out.Configuration?.CodeSha256, sha256b64(ZIP_B));
      t.true(new URL(out.Code?.Location ?? '').searchParams.get('X-Amz-Credential')?.includes('/eu-west-1/s3/'));
    } finally {
      eu.destroy();
    }
    s.removeFunction('rot-single');
    const e3 = await errorOf(lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' })));
    t.is(e3.name, 'ResourceNotFoundException');
    const bad = await errorOf(lambda.send(new GetFunctionCommand({ FunctionName: 'has space' })));
    t.is(bad.name, 'ValidationException');
    t.regex(bad.message, /at 'functionName' failed to satisfy constraint/);
  });
});

test('GetFunction: Image package returns ECR code location', async (t) => {
  await withStandin(t, baseOptions(), async (_s, { lambda }) => {
    const out = await lambda.send(new GetFunctionCommand({ FunctionName: 'rot-image' }));
    t.is(out.Configuration?.PackageType, 'Image');
    t.is(out.Configuration?.Runtime, undefined);
    t.is(out.Code?.RepositoryType, 'ECR');
    t.is(out.Code?.ImageUri, `${ACCT}.dkr.ecr.us-east-1.amazonaws.com/rot:latest`);
    t.is(out.Code?.Location, undefined);
  });
});

test('GetLayerVersionByArn: content location, sha, size; errors', async (t) => {
  await withStandin(t, baseOptions(), async (s, { lambda }) => {
    const out = await lambda.send(new GetLayerVersionByArnCommand({ Arn: LAYER_ARN }));
    t.is(out.LayerVersionArn, LAYER_ARN);
    t.is(out.LayerArn, `arn:aws:lambda:us-east-1:${ACCT}:layer:psycopg2`);
    t.is(out.Version, 3);
    t.is(out.Content?.CodeSize, LAYER_ZIP.length);
    t.is(out.Content?.CodeSha256, sha256b64(LAYER_ZIP));
    const res = await fetch(out.Content?.Location ?? '');
    t.is(res.status, 200);
    t.deepEqual(Buffer.from(await res.arrayBuffer()), LAYER_ZIP);
    t.is(s.counters.log.at(-1)?.path.includes('?'), false);

    const nf = await errorOf(lambda.send(new GetLayerVersionByArnCommand({ Arn: `arn:aws:lambda:us-east-1:${ACCT}:layer:psycopg2:4` })));
    t.true(nf instanceof ResourceNotFoundException);
    t.is(nf.message, 'The resource you requested does not exist.');
    const bad = await errorOf(lambda.send(new GetLayerVersionByArnCommand({ Arn: 'not-an-arn' })));
    t.is(bad.name, 'ValidationException');
    t.is(bad.$metadata?.httpStatusCode, 400);
  });
});

// ------------------------------------------------------------------------------------------------
// Code downloads

test('code download: full body, Range a-b / a- / -n, 416, ignoreRange, counters', async (t) => {
  await withStandin(t, baseOptions(), async (s, { lambda }) => {
    const out = await lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' }));
    const url = out.Code?.Location ?? '';
    s.resetCounters();
    const size = ZIP_A.length;

    const full = await fetch(url);
    t.is(full.status, 200);
    t.is(full.headers.get('content-length'), String(size));
    t.is(full.headers.get('accept-ranges'), 'bytes');
    t.deepEqual(Buffer.from(await full.arrayBuffer()), ZIP_A);

    const r1 = await fetch(url, { headers: { Range: 'bytes=10-19' } });
    t.is(r1.status, 206);
    t.is(r1.headers.get('content-range'), `bytes 10-19/${size}`);
    t.deepEqual(Buffer.from(await r1.arrayBuffer()), ZIP_A.subarray(10, 20));

    const r2 = await fetch(url, { headers: { Range: `bytes=${size - 5}-` } });
    t.is(r2.status, 206);
    t.deepEqual(Buffer.from(await r2.arrayBuffer()), ZIP_A.subarray(size - 5));

    const r3 = await fetch(url, { headers: { Range: 'bytes=-22' } });
    t.is(r3.status, 206);
    t.is(r3.headers.get('content-range'), `bytes ${size - 22}-${size - 1}/${size}`);
    const eocd = Buffer.from(await r3.arrayBuffer());
    t.is(eocd.readUInt32LE(0), 0x06054b50);

    const r4 = await fetch(url, { headers: { Range: `bytes=${size - 3}-${size + 100}` } });
    t.is(r4.status, 206);
    t.is(Buffer.from(await r4.arrayBuffer()).length, 3);

    const r5 = await fetch(url, { headers: { Range: `bytes=${size}-` } });
    t.is(r5.status, 416);
    t.is(r5.headers.get('content-range'), `bytes */${size}`);
    t.regex(await r5.text(), /<Code>InvalidRange<\/Code>/);

    s.knobs.ignoreRange = true;
    const r6 = await fetch(url, { headers: { Range: 'bytes=0-9' } });
    t.is(r6.status, 200);
    t.is(Buffer.from(await r6.arrayBuffer()).length, size);

    t.is(s.counters.codeRequests, 7);
    t.is(s.counters.requests['Code'], 7);
    t.is(s.counters.rangeRequests, 6);
    t.is(s.counters.codeBytesServed, size + 10 + 5 + 22 + 3 + size);
    t.deepEqual(
      s.counters.log.map((l) => [l.status, l.range]),
      [
        [200, undefined],
        [206, 'bytes=10-19'],
        [206, `bytes=${size - 5}-`],
        [206, 'bytes=-22'],
        [206, `bytes=${size - 3}-${size + 100}`],
        [416, `bytes=${size}-`],
        [200, 'bytes=0-9'],
      ],
    );
    for (const l of s.counters.log) {
      t.false(l.path.includes('?'));
      t.false(l.path.includes(CODE_URL_TOKEN_PREFIX));
    }
  });
});

test('code download: missing / wrong signature -> 403, expired URL -> 403 Request has expired', async (t) => {
  await withStandin(t, baseOptions(), async (s, { lambda }) => {
    const out = await lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' }));
    const url = new URL(out.Code?.Location ?? '');
    const bare = await fetch(`${url.origin}${url.pathname}`);
    t.is(bare.status, 403);
    t.regex(await bare.text(), /<Code>AccessDenied<\/Code><Message>Access Denied<\/Message>/);

    const wrong = new URL(url);
    wrong.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    const w = await fetch(wrong);
    t.is(w.status, 403);
    t.regex(await w.text(), /<Code>SignatureDoesNotMatch<\/Code>/);

    const otherObject = new URL(url);
    otherObject.pathname = '/code/00000000-0000-0000-0000-000000000000';
    t.is((await fetch(otherObject)).status, 403);

    s.knobs.expireCodeUrls = 1;
    const ex = await fetch(url);
    t.is(ex.status, 403);
    const body = await ex.text();
    t.regex(body, /<Code>AccessDenied<\/Code><Message>Request has expired<\/Message><X-Amz-Expires>600<\/X-Amz-Expires>/);
    t.is(s.knobs.expireCodeUrls, 0);
    t.is((await fetch(url)).status, 200); // knob consumed

    // real expiry against the clock
    s.knobs.codeUrlExpiresSeconds = 0;
    const short = await lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' }));
    t.is(new URL(short.Code?.Location ?? '').searchParams.get('X-Amz-Expires'), '0');
    await new Promise((r) => setTimeout(r, 5));
    const ex2 = await fetch(short.Code?.Location ?? '');
    t.is(ex2.status, 403);
    t.regex(await ex2.text(), /Request has expired/);
    t.is(s.counters.codeBytesServed, ZIP_A.length);
  });
});

test('code download: throttle (503 SlowDown), server error, truncated body', async (t) => {
  await withStandin(t, baseOptions(), async (s, { lambda }) => {
    const url = (await lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' }))).Code?.Location ?? '';
    s.knobs.throttle['Code'] = 1;
    s.knobs.serverErrors['Code'] = 1;
    s.knobs.truncateBodies['Code'] = 1;
    const a = await fetch(url);
    t.is(a.status, 503);
    t.regex(await a.text(), /<Code>SlowDown<\/Code>/);
    const b = await fetch(url);
    t.is(b.status, 500);
    t.regex(await b.text(), /<Code>InternalError<\/Code>/);
    const c = await fetch(url);
    t.is(c.status, 200);
    t.is(c.headers.get('content-length'), String(ZIP_A.length));
    await t.throwsAsync(c.arrayBuffer());
    const d = await fetch(url);
    t.deepEqual(Buffer.from(await d.arrayBuffer()), ZIP_A);
    t.is(s.counters.throttled, 1);
    t.is(s.counters.codeBytesServed, Math.floor(ZIP_A.length / 2) + ZIP_A.length);
  });
});

// ------------------------------------------------------------------------------------------------
// CloudFormation (awsQuery)

test('DescribeStacks: by name, by stack id (deleted), missing stack ValidationError', async (t) => {
  await withStandin(t, baseOptions(), async (s, { cfn }) => {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: 'rot-stack' }));
    t.is(out.Stacks?.length, 1);
    const st = out.Stacks?.[0];
    t.is(st?.StackName, 'rot-stack');
    t.regex(st?.StackId ?? '', new RegExp(`^arn:aws:cloudformation:us-east-1:${ACCT}:stack/rot-stack/[0-9a-f-]{36}$`));
    t.true(st?.CreationTime instanceof Date);
    t.is(st?.CreationTime?.toISOString(), '2020-02-03T04:05:06.000Z');
    t.is(st?.StackStatus, 'CREATE_COMPLETE');
    t.deepEqual(st?.Tags, [{ Key: 'serverlessrepo:semanticVersion', Value: '1.1.2' }]);

    const del = await cfn.send(new DescribeStacksCommand({ StackName: `arn:aws:cloudformation:us-east-1:${ACCT}:stack/old-stack/dead` }));
    t.is(del.Stacks?.[0]?.StackStatus, 'DELETE_COMPLETE');
    t.true(del.Stacks?.[0]?.DeletionTime instanceof Date);

    const e = await errorOf(cfn.send(new DescribeStacksCommand({ StackName: 'old-stack' })));
    t.is(e.name, 'ValidationError');
    t.is(e.message, 'Stack with id old-stack does not exist');
    t.is(e.$metadata?.httpStatusCode, 400);
    const e2 = await errorOf(cfn.send(new DescribeStacksCommand({ StackName: 'eu-stack' })));
    t.is(e2.message, 'Stack with id eu-stack does not exist');
    t.is(s.counters.requests['DescribeStacks'], 4);
  });
});

test('DescribeStacks: listing pages with paginateDescribeStacks and excludes deleted stacks', async (t) => {
  const opts = baseOptions();
  opts.stacks = Array.from({ length: 7 }, (_, i) => ({ name: `s${i}`, creationTime: `2022-01-0${i + 1}T00:00:00Z`, deleted: i === 6 }));
  opts.knobs = { describeStacksPageSize: 2 };
  await withStandin(t, opts, async (s, { cfn }) => {
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeStacks({ client: cfn }, {})) {
      pages++;
      for (const st of page.Stacks ?? []) names.push(st.StackName ?? '');
    }
    t.deepEqual(names, ['s0', 's1', 's2', 's3', 's4', 's5']);
    t.is(pages, 3);
    t.is(s.counters.requests['DescribeStacks'], 3);
  });
});

// ------------------------------------------------------------------------------------------------
// Secrets Manager (awsJson1_1)

test('ListSecrets: paging across several pages with opaque tokens, epoch-second dates', async (t) => {
  await withStandin(t, { ...baseOptions(), knobs: { listSecretsPageSize: 3 } }, async (s, { sm }) => {
    const pages: number[] = [];
    const names: string[] = [];
    const tokens: string[] = [];
    for await (const page of paginateListSecrets({ client: sm, pageSize: 50 }, {})) {
      pages.push(page.SecretList?.length ?? 0);
      if (page.NextToken) tokens.push(page.NextToken);
      for (const e of page.SecretList ?? []) {
        names.push(e.Name ?? '');
        t.regex(e.ARN ?? '', new RegExp(`^arn:aws:secretsmanager:us-east-1:${ACCT}:secret:${e.Name}-[A-Za-z0-9]{6}$`));
        t.true(e.LastRotatedDate instanceof Date);
      }
    }
    t.deepEqual(pages, [3, 3, 3, 1]);
    t.deepEqual(names, Array.from({ length: 10 }, (_, i) => `db/secret-${i}`));
    for (const tok of tokens) t.false(/^\d+$/.test(tok));
    t.is(s.counters.requests['ListSecrets'], 4);

    const first = await sm.send(new ListSecretsCommand({ MaxResults: 2 }));
    t.is(first.SecretList?.length, 2);
    const e0 = first.SecretList?.[0];
    t.is(e0?.RotationEnabled, true);
    t.is(e0?.RotationLambdaARN, `arn:aws:lambda:us-east-1:${ACCT}:function:rot-single`);
    t.is(e0?.LastRotatedDate?.toISOString(), '2024-03-01T10:00:00.500Z');
    t.is(first.SecretList?.[1]?.RotationEnabled, false);

    const filtered = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'tag-key', Values: ['env'] }] }));
    t.deepEqual(filtered.SecretList?.map((x) => x.Name), ['db/secret-3']);
    const byName = await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['db/secret-1'] }] }));
    t.deepEqual(byName.SecretList?.map((x) => x.Name), ['db/secret-1']);

    const bad = await errorOf(sm.send(new ListSecretsCommand({ NextToken: 'garbage' })));
    t.is(bad.name, 'InvalidNextTokenException');
    const big = await errorOf(sm.send(new ListSecretsCommand({ MaxResults: 500 })));
    t.is(big.name, 'ValidationException');
  });
});

test('ListSecrets: secrets are per region', async (t) => {
  const opts = baseOptions();
  opts.secrets = [{ name: 'eu-only', region: 'eu-west-1', rotationEnabled: true }];
  await withStandin(t, opts, async (s, { sm }) => {
    t.deepEqual((await sm.send(new ListSecretsCommand({}))).SecretList, []);
    const eu = new SecretsManagerClient({ ...sdkConfig(s, 'eu-west-1'), maxAttempts: 1 });
    try {
      const out = await eu.send(new ListSecretsCommand({}));
      t.deepEqual(out.SecretList?.map((x) => x.ARN?.startsWith('arn:aws:secretsmanager:eu-west-1:')), [true]);
    } finally {
      eu.destroy();
    }
  });
});

// ------------------------------------------------------------------------------------------------
// Throttling, server errors, truncation, latency

test('throttling is retried by the SDK and counted (all three services)', async (t) => {
  await withStandin(t, { ...baseOptions(), knobs: { retryAfterSeconds: 0 } }, async (s, { lambda, cfn, sm }) => {
    s.knobs.throttle = { GetFunction: 2, DescribeStacks: 1, ListSecrets: 2, GetLayerVersionByArn: 1 };
    const f = await lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' }));
    t.is(f.$metadata.attempts, 3);
    const st = await cfn.send(new DescribeStacksCommand({ StackName: 'rot-stack' }));
    t.is(st.$metadata.attempts, 2);
    const ls = await sm.send(new ListSecretsCommand({}));
    t.is(ls.$metadata.attempts, 3);
    const l = await lambda.send(new GetLayerVersionByArnCommand({ Arn: LAYER_ARN }));
    t.is(l.$metadata.attempts, 2);
    t.is(s.counters.throttled, 6);
    t.is(s.counters.requests['GetFunction'], 3);
    t.deepEqual(
      s.counters.log.filter((x) => x.op === 'GetFunction').map((x) => x.status),
      [429, 429, 200],
    );
    t.deepEqual(
      s.counters.log.filter((x) => x.op === 'DescribeStacks').map((x) => x.status),
      [400, 200],
    );
  });
});

test('throttling beyond maxAttempts surfaces the named exceptions', async (t) => {
  await withStandin(
    t,
    baseOptions(),
    async (s, { lambda, cfn, sm }) => {
      s.knobs.throttle = { GetFunction: 5, DescribeStacks: 5, ListSecrets: 5 };
      const e1 = await errorOf(lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' })));
      t.true(e1 instanceof TooManyRequestsException);
      t.is((e1 as TooManyRequestsException).Reason, 'CallerRateLimitExceeded');
      t.is((e1 as TooManyRequestsException).retryAfterSeconds, '1');
      t.is(e1.message, 'Rate exceeded');
      t.is(e1.$metadata?.httpStatusCode, 429);
      const e2 = await errorOf(cfn.send(new DescribeStacksCommand({})));
      t.is(e2.name, 'Throttling');
      t.is(e2.message, 'Rate exceeded');
      const e3 = await errorOf(sm.send(new ListSecretsCommand({})));
      t.is(e3.name, 'ThrottlingException');
      t.is(s.counters.throttled, 3);
    },
    { attempts: 1 },
  );
});

test('rateLimitPerSecond token bucket throttles bursts across API ops', async (t) => {
  await withStandin(
    t,
    { ...baseOptions(), knobs: { rateLimitPerSecond: 3 } },
    async (s, { lambda, sm }) => {
      const t0 = Date.now();
      const results = await Promise.allSettled([
        ...Array.from({ length: 10 }, () => lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' }))),
        ...Array.from({ length: 10 }, () => sm.send(new ListSecretsCommand({}))),
      ]);
      const elapsed = Date.now() - t0;
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      // a burst of 3, then 3 per second refill while the burst trickles in
      t.true(ok >= 3, `ok=${ok}`);
      t.true(ok <= 3 + Math.ceil((elapsed / 1000) * 3), `ok=${ok} elapsed=${elapsed}ms`);
      t.is(s.counters.throttled, 20 - ok);
      const names = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).name] : []));
      t.true(names.includes('TooManyRequestsException'));
      t.true(names.includes('ThrottlingException'));
      // the bucket refills
      await new Promise((r) => setTimeout(r, 400));
      await lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' }));
      t.pass();
    },
    { attempts: 1 },
  );
});

test('server errors: retried, or surfaced with the service error shape', async (t) => {
  await withStandin(t, baseOptions(), async (s, { lambda, cfn, sm }) => {
    s.knobs.serverErrors = { GetFunction: 1, DescribeStacks: 1, ListSecrets: 1 };
    t.is((await lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' }))).$metadata.attempts, 2);
    t.is((await cfn.send(new DescribeStacksCommand({}))).$metadata.attempts, 2);
    t.is((await sm.send(new ListSecretsCommand({}))).$metadata.attempts, 2);
  });
  await withStandin(
    t,
    baseOptions(),
    async (s, { lambda, cfn, sm }) => {
      s.knobs.serverErrors = { GetFunction: 1, DescribeStacks: 1, ListSecrets: 1 };
      const e1 = await errorOf(lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' })));
      t.is(e1.name, 'ServiceException');
      t.is(e1.$metadata?.httpStatusCode, 500);
      const e2 = await errorOf(cfn.send(new DescribeStacksCommand({})));
      t.is(e2.name, 'InternalFailure');
      const e3 = await errorOf(sm.send(new ListSecretsCommand({})));
      t.is(e3.name, 'InternalServiceError');
    },
    { attempts: 1 },
  );
});

test('truncated API body is an SDK error and is retried', async (t) => {
  await withStandin(t, baseOptions(), async (s, { lambda, sm }) => {
    s.knobs.truncateBodies = { GetFunction: 1, ListSecrets: 1 };
    const out = await lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' }));
    t.is(out.Configuration?.FunctionName, 'rot-single');
    t.is(s.counters.requests['GetFunction'], 2);
    const ls = await sm.send(new ListSecretsCommand({}));
    t.is(ls.SecretList?.length, 10);
    t.is(s.counters.requests['ListSecrets'], 2);
  });
});

test('latencyMs delays every response', async (t) => {
  await withStandin(t, { ...baseOptions(), knobs: { latencyMs: 120 } }, async (_s, { sm }) => {
    const t0 = Date.now();
    await sm.send(new ListSecretsCommand({}));
    t.true(Date.now() - t0 >= 115);
  });
});

// ------------------------------------------------------------------------------------------------
// Authorization and credentials

test('accessDenied knob: named exceptions naming the action', async (t) => {
  await withStandin(
    t,
    baseOptions(),
    async (s, { lambda, cfn, sm }) => {
      s.knobs.accessDenied = { GetFunction: true, DescribeStacks: true, ListSecrets: true, GetLayerVersionByArn: true };
      const e1 = await errorOf(lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' })));
      t.is(e1.name, 'AccessDeniedException');
      t.is(e1.$metadata?.httpStatusCode, 403);
      t.is(
        e1.message,
        `User: arn:aws:iam::${ACCT}:user/test is not authorized to perform: lambda:GetFunction on resource: arn:aws:lambda:us-east-1:${ACCT}:function:rot-single because no identity-based policy allows the lambda:GetFunction action`,
      );
      const e1b = await errorOf(lambda.send(new GetLayerVersionByArnCommand({ Arn: LAYER_ARN })));
      t.regex(e1b.message, /lambda:GetLayerVersion on resource: arn:aws:lambda:us-east-1:123456789012:layer:psycopg2:3 /);
      const e2 = await errorOf(cfn.send(new DescribeStacksCommand({ StackName: 'rot-stack' })));
      t.is(e2.name, 'AccessDenied');
      t.is(
        e2.message,
        `User: arn:aws:iam::${ACCT}:user/test is not authorized to perform: cloudformation:DescribeStacks on resource: arn:aws:cloudformation:us-east-1:${ACCT}:stack/rot-stack/* because no identity-based policy allows the cloudformation:DescribeStacks action`,
      );
      const e3 = await errorOf(sm.send(new ListSecretsCommand({})));
      t.is(e3.name, 'AccessDeniedException');
      t.is(
        e3.message,
        `User: arn:aws:iam::${ACCT}:user/test is not authorized to perform: secretsmanager:ListSecrets because no identity-based policy allows the secretsmanager:ListSecrets action`,
      );
    },
    { attempts: 1 },
  );
});

test('invalidCredentials and expiredToken knobs', async (t) => {
  await withStandin(t, baseOptions(), async (s, { lambda, cfn, sm }) => {
    s.knobs.invalidCredentials = true;
    const e1 = await errorOf(lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' })));
    t.is(e1.name, 'UnrecognizedClientException');
    t.is(e1.message, 'The security token included in the request is invalid.');
    t.is(e1.$metadata?.httpStatusCode, 403);
    const e2 = await errorOf(cfn.send(new DescribeStacksCommand({})));
    t.is(e2.name, 'InvalidClientTokenId');
    t.is(e2.message, 'The security token included in the request is invalid.');
    const e3 = await errorOf(sm.send(new ListSecretsCommand({})));
    t.is(e3.name, 'UnrecognizedClientException');
    t.is(e3.$metadata?.attempts, 1);

    s.knobs.invalidCredentials = false;
    s.knobs.expiredToken = true;
    const x1 = await errorOf(lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' })));
    t.is(x1.name, 'ExpiredTokenException');
    t.is(x1.message, 'The security token included in the request is expired');
    const x2 = await errorOf(cfn.send(new DescribeStacksCommand({})));
    t.is(x2.name, 'ExpiredToken');
    const x3 = await errorOf(sm.send(new ListSecretsCommand({})));
    t.is(x3.name, 'ExpiredTokenException');
    t.is(s.counters.unsignedRejected, 0);
  });
});

test('wrongly signed requests (wrong secret key) are rejected and counted', async (t) => {
  await withStandin(
    t,
    baseOptions(),
    async (s, { lambda, cfn, sm }) => {
      const e1 = await errorOf(lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' })));
      t.is(e1.name, 'InvalidSignatureException');
      t.is(e1.$metadata?.httpStatusCode, 403);
      t.regex(e1.message, /^The request signature we calculated does not match the signature you provided/);
      const e2 = await errorOf(cfn.send(new DescribeStacksCommand({})));
      t.is(e2.name, 'SignatureDoesNotMatch');
      t.is(e2.$metadata?.httpStatusCode, 403);
      const e3 = await errorOf(sm.send(new ListSecretsCommand({})));
      t.is(e3.name, 'InvalidSignatureException');
      t.is(e3.$metadata?.httpStatusCode, 400);
      t.is(s.counters.unsignedRejected, 3);
      t.is(s.counters.requests['GetFunction'], 1);
    },
    { attempts: 1, credentials: { accessKeyId: DEFAULT_CREDENTIALS.accessKeyId, secretAccessKey: 'wrong-secret' } },
  );
});

test('unknown access key is UnrecognizedClientException', async (t) => {
  await withStandin(
    t,
    baseOptions(),
    async (s, { lambda }) => {
      const e = await errorOf(lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' })));
      t.is(e.name, 'UnrecognizedClientException');
      t.is(s.counters.unsignedRejected, 1);
    },
    { attempts: 1, credentials: { accessKeyId: 'AKIAOTHERKEY00000000', secretAccessKey: DEFAULT_CREDENTIALS.secretAccessKey } },
  );
});

test('session token is required when configured', async (t) => {
  const creds = { accessKeyId: 'ASIATEMPKEY000000000', secretAccessKey: 'temp-secret', sessionToken: 'session-token-xyz' };
  const s = await startStandin({ ...baseOptions(), credentials: creds });
  try {
    const ok = clients(s, { attempts: 1 });
    t.is((await ok.lambda.send(new GetFunctionCommand({ FunctionName: 'rot-single' }))).Configuration?.FunctionName, 'rot-single');
    ok.lambda.destroy();
    const noTok = clients(s, { attempts: 1, credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey } });
    const e = await errorOf(noTok.sm.send(new ListSecretsCommand({})));
    t.is(e.name, 'UnrecognizedClientException');
    for (const c of [ok, noTok]) {
      c.lambda.destroy();
      c.cfn.destroy();
      c.sm.destroy();
    }
  } finally {
    await s.close();
  }
});

// Independent signer (the SDK's own SignatureV4) for hand-made requests.
type SourceData = string | ArrayBuffer | ArrayBufferView;
const toBuf = (d: SourceData): Buffer =>
  typeof d === 'string' ? Buffer.from(d, 'utf8') : d instanceof ArrayBuffer ? Buffer.from(d) : Buffer.from(d.buffer, d.byteOffset, d.byteLength);
class NodeSha256 {
  private readonly h;
  constructor(secret?: SourceData) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuf(secret));
  }
  update(data: SourceData): void {
    this.h.update(toBuf(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
  reset(): void {
    /* single use */
  }
}

function rawRequest(endpoint: string, method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function signedRaw(s: Standin, service: string, method: string, path: string, query: Record<string, string>, headers: Record<string, string>, body: string) {
  const u = new URL(s.endpoint);
  const signer = new SignatureV4({ service, region: 'us-east-1', credentials: s.credentials, sha256: NodeSha256 });
  const signed = await signer.sign({ method, protocol: 'http:', hostname: u.hostname, port: Number(u.port), path, query, headers: { host: u.host, ...headers }, body });
  const qs = Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return rawRequest(s.endpoint, method, qs ? `${path}?${qs}` : path, signed.headers as Record<string, string>, body);
}

test('raw requests: missing auth, tampered body, wrong service scope; a correctly hand-signed request passes', async (t) => {
  await withStandin(t, baseOptions(), async (s) => {
    const none = await rawRequest(s.endpoint, 'GET', '/2015-03-31/functions/rot-single', {});
    t.is(none.status, 403);
    t.is(none.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException');

    const incomplete = await rawRequest(s.endpoint, 'POST', '/', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.ListSecrets', authorization: 'AWS4-HMAC-SHA256 Credential=x' }, '{}');
    t.is(incomplete.status, 400);
    t.is(JSON.parse(incomplete.body).__type, 'IncompleteSignatureException');

    const ok = await signedRaw(s, 'lambda', 'GET', '/2015-03-31/functions/rot-single', { Qualifier: '$LATEST' }, {}, '');
    t.is(ok.status, 200);

    const smHeaders = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.ListSecrets' };
    const goodSm = await signedRaw(s, 'secretsmanager', 'POST', '/', {}, smHeaders, '{"MaxResults":1}');
    t.is(goodSm.status, 200);
    t.is(JSON.parse(goodSm.body).SecretList.length, 1);

    const wrongScope = await signedRaw(s, 'cloudformation', 'GET', '/2015-03-31/functions/rot-single', {}, {}, '');
    t.is(wrongScope.status, 403);
    t.is(wrongScope.headers['x-amzn-errortype'], 'InvalidSignatureException');
    t.regex(JSON.parse(wrongScope.body).message, /Credential should be scoped to correct service: 'lambda'/);

    // sign one body, send another: (a) declared x-amz-content-sha256 no longer matches
    const u = new URL(s.endpoint);
    const sign = (applyChecksum: boolean) =>
      new SignatureV4({ service: 'secretsmanager', region: 'us-east-1', credentials: s.credentials, sha256: NodeSha256, applyChecksum }).sign({
        method: 'POST',
        protocol: 'http:',
        hostname: u.hostname,
        port: Number(u.port),
        path: '/',
        query: {},
        headers: { host: u.host, ...smHeaders },
        body: '{}',
      });
    const withHash = await sign(true);
    t.truthy((withHash.headers as Record<string, string>)['x-amz-content-sha256']);
    const tamperedA = await rawRequest(s.endpoint, 'POST', '/', withHash.headers as Record<string, string>, '{"MaxResults":2}');
    t.is(tamperedA.status, 400);
    t.is(JSON.parse(tamperedA.body).__type, 'InvalidSignatureException');
    // (b) no hash header: the body hash in the canonical request changes the signature
    const noHash = await sign(false);
    t.is((noHash.headers as Record<string, string>)['x-amz-content-sha256'], undefined);
    t.is((await rawRequest(s.endpoint, 'POST', '/', noHash.headers as Record<string, string>, '{}')).status, 200);
    const tamperedB = await rawRequest(s.endpoint, 'POST', '/', noHash.headers as Record<string, string>, '{"MaxResults":2}');
    t.is(tamperedB.status, 400);
    t.regex(JSON.parse(tamperedB.body).message, /^The request signature we calculated does not match/);

    t.is(s.counters.unsignedRejected, 5);
  });
});

// ------------------------------------------------------------------------------------------------
// helpers

test('sigv4 canonicalisation helpers', (t) => {
  t.is(canonicalPath('/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af'), '/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A1%253Afunction%253Af');
  t.is(canonicalPath('/a/./b/../c/'), '/a/c/');
  t.is(canonicalPath('/'), '/');
  t.is(canonicalQuery('b=2&a=%24LATEST&a=1'), 'a=%24LATEST&a=1&b=2');
  t.is(canonicalQuery('find=LayerVersion&Arn=arn%3Aaws'), 'Arn=arn%3Aaws&find=LayerVersion');
});

test('parseRange semantics', (t) => {
  t.deepEqual(parseRange('bytes=0-9', 100), { kind: 'range', start: 0, end: 9 });
  t.deepEqual(parseRange('bytes=90-', 100), { kind: 'range', start: 90, end: 99 });
  t.deepEqual(parseRange('bytes=-10', 100), { kind: 'range', start: 90, end: 99 });
  t.deepEqual(parseRange('bytes=-1000', 100), { kind: 'range', start: 0, end: 99 });
  t.deepEqual(parseRange('bytes=95-1000', 100), { kind: 'range', start: 95, end: 99 });
  t.deepEqual(parseRange('bytes=100-', 100), { kind: 'unsatisfiable' });
  t.deepEqual(parseRange('bytes=-0', 100), { kind: 'unsatisfiable' });
  t.deepEqual(parseRange('bytes=5-1', 100), { kind: 'none' });
  t.deepEqual(parseRange('bytes=0-1,5-6', 100), { kind: 'none' });
  t.deepEqual(parseRange('items=0-1', 100), { kind: 'none' });
});

test('startStandin refuses non-loopback hosts', async (t) => {
  await t.throwsAsync(startStandin({ host: '0.0.0.0' }), { message: /loopback/ });
});

test('fleet: shared code zips, stacks, secrets; scanned through the SDK', async (t) => {
  const fleet = makeFleet({ count: 12, codes: [ZIP_A, ZIP_B], regions: ['us-east-1', 'eu-west-1'], deletedStackEvery: 3, imageEvery: 6, secretsPerFunction: 2, unrotatedSecretsPerRegion: 1 });
  t.is(fleet.functions.length, 12);
  t.is(fleet.stacks.length, 12);
  t.is(fleet.stacks.filter((x) => x.deleted).length, 4);
  t.is(fleet.secrets.length, 12 * 2 + 2);
  t.is(fleet.functions.filter((f) => f.packageType === 'Image').length, 2);
  t.is(fleet.uniqueCodeBytes, ZIP_A.length + ZIP_B.length);
  const { standin, fleet: f2 } = await startFleet({ count: 6, codes: [ZIP_A, ZIP_B], deletedStackEvery: 2 }, { knobs: { listSecretsPageSize: 4 } });
  const c = clients(standin);
  try {
    const arns: string[] = [];
    for await (const page of paginateListSecrets({ client: c.sm }, {})) for (const e of page.SecretList ?? []) arns.push(e.RotationLambdaARN ?? '');
    t.is(arns.length, 6);
    const urls = new Set<string>();
    for (const arn of arns) {
      const out = await c.lambda.send(new GetFunctionCommand({ FunctionName: arn }));
      urls.add(new URL(out.Code?.Location ?? '').pathname);
      const stackName = out.Tags?.['aws:cloudformation:stack-name'] ?? '';
      const info = f2.info.find((i) => i.arn === arn);
      if (info?.stack?.deleted) {
        const e = await errorOf(c.cfn.send(new DescribeStacksCommand({ StackName: stackName })));
        t.is(e.message, `Stack with id ${stackName} does not exist`);
      } else {
        const st = await c.cfn.send(new DescribeStacksCommand({ StackName: stackName }));
        t.is(st.Stacks?.[0]?.StackName, stackName);
      }
    }
    t.is(urls.size, 6);
    t.is(standin.counters.requests['GetFunction'], 6);
    t.is(standin.counters.requests['ListSecrets'], 2);
  } finally {
    c.lambda.destroy();
    c.cfn.destroy();
    c.sm.destroy();
    await standin.close();
  }
});

test.after.always('no NodeVersionSupportWarning with AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true', (t) => {
  t.deepEqual(
    warnings.filter((w) => w.includes('NodeVersionSupportWarning')),
    [],
  );
});
