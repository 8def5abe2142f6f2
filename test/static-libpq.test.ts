import test from 'ava';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inspectFunctionTarget, type FunctionInspectOptions } from '../src/aws/inspectFunction.js';
import { pqlibVersionEvidence } from '../src/evidence/pqlibVersionEvidence.js';
import { parseElf } from '../src/facts/elf/elfFacts.js';
import { inspectLocal } from '../src/report/inspectLocal.js';
import type { Report } from '../src/report/report.js';
import { buildZip } from './standin/zip.js';
import { DEFAULT_CREDENTIALS, layerArn, sampleEntries, startStandin, type Standin } from './support/aws.js';
import { FIXTURES, SAMPLE_10 } from './support/fixtures.js';
import { templateHandler } from './support/templateHandlers.js';

process.env.AWS_ACCESS_KEY_ID = DEFAULT_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = DEFAULT_CREDENTIALS.secretAccessKey;
process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';

// Ground truth: test/fixtures/drivers/truth.txt (readelf -d, --dyn-syms, objdump -d PQlibVersion).
const D = join(FIXTURES, 'drivers');
const STATIC_15 = join(D, 'static-15-debian/psycopg2/_psycopg.cpython-39-x86_64-linux-gnu.so'); // Debian libpq.a 15.20, NEEDED libssl.so.3
const STATIC_96 = join(D, 'static-9.6-no-openssl/psycopg2/_psycopg.cpython-37m-x86_64-linux-gnu.so'); // stand-in 9.6.24, no OpenSSL
const STATIC_94_SSL = join(D, 'static-9.4-openssl-inside/psycopg2/_psycopg.cpython-37m-x86_64-linux-gnu.so'); // stand-in 9.4.26, defines SSL_connect
const STATIC_11 = join(D, 'static-11-no-openssl/psycopg2-3.9/_psycopg.cpython-39-x86_64-linux-gnu.so'); // stand-in 11.16, no OpenSSL
const DEBIAN_DYNAMIC = join(D, 'debian-psycopg2/psycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so'); // NEEDED libpq.so.5
const SHARED_10 = join(FIXTURES, 'libpq', 'x86_64-10.23-libpq.so.5.10');

/** The current or pre-2021 PostgreSQL template shape, with psycopg2 in place of PyGreSQL. */
const psycopg2Handler = (era: 'pre' | 'current') => templateHandler('postgresql', era).replace('import pg\nimport pgdb', 'import psycopg2').replace(/pgdb\.connect/g, 'psycopg2.connect');

async function inspectDir(files: Record<string, string | { copy: string }>): Promise<Report> {
  const dir = mkdtempSync(join(tmpdir(), 'ri-static-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      if (typeof content === 'string') writeFileSync(join(dir, name), content);
      else copyFileSync(content.copy, join(dir, name));
    }
    return await inspectLocal(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const status = (r: Report) => Object.fromEntries(r.checks.map((c) => [c.id, c.status]));

test("Debian's libpq.a built into a psycopg2-shaped module: a static libpq 15.20 with OpenSSL, loaded by psycopg2", async (t) => {
  const r = await inspectDir({ 'lambda_function.py': psycopg2Handler('current'), 'psycopg2/_psycopg.cpython-39-x86_64-linux-gnu.so': { copy: STATIC_15 } });
  t.deepEqual(r.errors, []);
  t.is(r.libraries.length, 1);
  const lib = r.libraries[0]!;
  t.like(lib, { path: 'psycopg2/_psycopg.cpython-39-x86_64-linux-gnu.so', linkage: 'static', driver: 'psycopg2', machine: 'x86-64' });
  t.like(lib.version, { value: '15.20', exact: true });
  t.like(lib.tls, { capable: true });
  t.regex(lib.tls!.evidence, /NEEDED libssl\.so\.3, libcrypto\.so\.3/);
  t.is(r.loader?.loads, '/var/task/psycopg2/_psycopg.cpython-39-x86_64-linux-gnu.so');
  t.regex(r.loader!.reason, /psycopg2's module .* has libpq built in/);
  t.deepEqual(status(r), { scram: 'pass', tls: 'pass' });
});

test('a static libpq 9.6 without OpenSSL: scram fails, and TLS fails whether the handler asks or not', async (t) => {
  for (const era of ['pre', 'current'] as const) {
    const r = await inspectDir({ 'lambda_function.py': psycopg2Handler(era), 'psycopg2/_psycopg.cpython-37m-x86_64-linux-gnu.so': { copy: STATIC_96 } });
    const lib = r.libraries[0]!;
    t.like(lib, { linkage: 'static', driver: 'psycopg2' });
    t.is(lib.version.value, '9.6.24');
    t.is(lib.tls?.capable, false);
    t.deepEqual(status(r), { scram: 'fail', tls: 'fail' }, era);
  }
});

test('a static libpq 11.16 without OpenSSL (the prebuilt packages\' shape): scram passes, TLS fails asked or not, naming the fallback', async (t) => {
  const current = await inspectDir({ 'lambda_function.py': psycopg2Handler('current'), 'psycopg2/_psycopg.cpython-39-x86_64-linux-gnu.so': { copy: STATIC_11 } });
  t.like(current.libraries[0], { linkage: 'static', driver: 'psycopg2' });
  t.is(current.libraries[0]!.version.value, '11.16');
  t.deepEqual(status(current), { scram: 'pass', tls: 'fail' });
  const tls = current.checks[1]!;
  t.regex(tls.summary, /^The handler asks for TLS \(\d+ places?\), but \/var\/task\/psycopg2\/_psycopg\.cpython-39-x86_64-linux-gnu\.so was built without OpenSSL and cannot do TLS: the TLS connection fails, and the handler then falls back to sslmode=disable \(plaintext\)\.$/);
  t.true(tls.evidence.some((e) => /^fallback: lambda_function\.py:\d+: .*sslmode='disable'/.test(e)));
  // The package's own folder name (psycopg2-3.9/) is recognised as psycopg2's module too.
  const asShipped = await inspectDir({ 'lambda_function.py': psycopg2Handler('pre'), 'psycopg2-3.9/_psycopg.cpython-39-x86_64-linux-gnu.so': { copy: STATIC_11 } });
  t.like(asShipped.libraries[0], { linkage: 'static', driver: 'psycopg2' });
  t.deepEqual(status(asShipped), { scram: 'pass', tls: 'fail' });
});

test('a static libpq 9.4 with OpenSSL linked in: capable through its defined OpenSSL functions; prefer only warns', async (t) => {
  const r = await inspectDir({ 'lambda_function.py': psycopg2Handler('pre'), 'psycopg2/_psycopg.cpython-37m-x86_64-linux-gnu.so': { copy: STATIC_94_SSL } });
  const lib = r.libraries[0]!;
  t.is(lib.version.value, '9.4.26');
  t.like(lib.tls, { capable: true });
  t.regex(lib.tls!.evidence, /defines OpenSSL's SSL_connect/);
  t.deepEqual(status(r), { scram: 'fail', tls: 'warn' });
});

test("Debian's python3-psycopg2 module links libpq dynamically: not a libpq; the shared libpq.so.5 on LD_LIBRARY_PATH is", async (t) => {
  const r = await inspectDir({
    'lambda_function.py': psycopg2Handler('current'),
    'psycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so': { copy: DEBIAN_DYNAMIC },
    'lib/libpq.so.5': { copy: SHARED_10 },
  });
  t.deepEqual(r.libraries.map((l) => [l.path, l.linkage]), [['lib/libpq.so.5', 'shared']]);
  t.is(r.loader?.loads, '/var/task/lib/libpq.so.5');
  t.deepEqual(status(r), { scram: 'pass', tls: 'pass' });
});

test('static and shared copies together: the handler\'s driver decides which one is used', async (t) => {
  const files = { 'psycopg2/_psycopg.cpython-37m-x86_64-linux-gnu.so': { copy: STATIC_96 }, 'libpq.so.5': { copy: SHARED_10 } };
  const viaPsycopg2 = await inspectDir({ ...files, 'lambda_function.py': psycopg2Handler('current') });
  t.is(viaPsycopg2.loader?.loads, '/var/task/psycopg2/_psycopg.cpython-37m-x86_64-linux-gnu.so');
  t.regex(viaPsycopg2.loader!.reason, /1 libpq file\(s\) beside it are not used by psycopg2/);
  t.deepEqual(status(viaPsycopg2), { scram: 'fail', tls: 'fail' });
  const viaPgdb = await inspectDir({ ...files, 'lambda_function.py': templateHandler('postgresql', 'current') });
  t.is(viaPgdb.loader?.loads, '/var/task/libpq.so.5');
  t.deepEqual(status(viaPgdb), { scram: 'pass', tls: 'pass' });
});

test('before: a module named like psycopg2 is no longer invisible to the scram check (it was not-applicable)', async (t) => {
  const r = await inspectDir({ 'lambda_function.py': psycopg2Handler('pre'), 'psycopg2/_psycopg.cpython-37m-x86_64-linux-gnu.so': { copy: STATIC_96 } });
  t.not(r.checks[0]!.status, 'not-applicable');
  t.is(r.handler?.drivers[0], 'psycopg2');
});

const fast = { mode: 'configured', maxAttempts: 4, delayMs: 5 } as const;
const opts = (s: Standin, more: Partial<FunctionInspectOptions> = {}): FunctionInspectOptions => ({ region: 'us-east-1', endpointUrl: s.endpoint, retry: fast, ...more });

test('live: a static psycopg2 in a layer (python/psycopg2/…) is found, named by its layer and loaded; bytes stay within budget', async (t) => {
  const code = buildZip([
    { name: 'lambda_function.py', data: Buffer.from(psycopg2Handler('current')) },
    // 20 MB of other vendored files the reader must not fetch
    ...Array.from({ length: 20 }, (_, i) => ({ name: `vendor/p${i}/data.bin`, data: Buffer.alloc(1024 * 1024, i), compress: false })),
  ]);
  const layerZip = buildZip([{ name: 'python/psycopg2/_psycopg.cpython-37m-x86_64-linux-gnu.so', data: readFileSync(STATIC_96) }, ...(await sampleEntries(SAMPLE_10)).filter((e) => e.name === 'libpq.so.5').map((e) => ({ ...e, name: 'lib/libpq.so.5' }))]);
  const arn = layerArn('psycopg2-static', 2);
  const s = await startStandin({ functions: [{ name: 'pg-fn', runtime: 'python3.9', handler: 'lambda_function.lambda_handler', code, layers: [arn] }], layers: [{ arn, code: layerZip }] });
  t.teardown(() => s.close());
  const r = await inspectFunctionTarget('pg-fn', opts(s));
  t.deepEqual(r.errors, []);
  const lib = r.libraries.find((l) => l.linkage === 'static');
  t.like(lib, { layer: arn, installPath: '/opt/python/psycopg2/_psycopg.cpython-37m-x86_64-linux-gnu.so', driver: 'psycopg2' });
  t.is(r.loader?.loads, '/opt/python/psycopg2/_psycopg.cpython-37m-x86_64-linux-gnu.so');
  t.deepEqual(status(r), { scram: 'fail', tls: 'fail' });
  t.true(r.target.bytesRead! / r.target.size! < 0.01, `${r.target.bytesRead} of ${r.target.size}`);
});

test("live: PGSSLMODE / PGSSLROOTCERT in the function's environment count as the handler's setting; other variables are never read out", async (t) => {
  const entries = (await sampleEntries(SAMPLE_10)).filter((e) => e.name !== 'lambda_function.py');
  const code = buildZip([...entries, { name: 'lambda_function.py', data: Buffer.from(templateHandler('postgresql', 'pre')) }]);
  const secret = 'hunter2-not-for-output';
  const fn = (name: string, environment?: Record<string, string>) => ({ name, runtime: 'python3.9', handler: 'lambda_function.lambda_handler', code, ...(environment ? { environment } : {}) });
  const s = await startStandin({
    functions: [fn('plain'), fn('env-require', { PGSSLMODE: 'require', DB_PASSWORD: secret }), fn('env-disable', { PGSSLMODE: 'disable' }), fn('env-rootcert', { PGSSLROOTCERT: '/opt/rds-ca.pem' })],
  });
  t.teardown(() => s.close());
  const tls = async (name: string) => (await inspectFunctionTarget(name, opts(s))).checks.find((c) => c.id === 'tls')!;
  t.is((await tls('plain')).status, 'warn');
  const req = await tls('env-require');
  t.is(req.status, 'pass');
  t.deepEqual(req.evidence.slice(0, 1), ['function environment: PGSSLMODE=require']);
  t.false(JSON.stringify(await inspectFunctionTarget('env-require', opts(s))).includes(secret));
  t.is((await tls('env-disable')).status, 'fail');
  const root = await tls('env-rootcert');
  t.is(root.status, 'pass');
  t.false(JSON.stringify(root).includes('/opt/rds-ca.pem'));
});

test('driver fixtures agree with their readelf/objdump ground truth (truth.txt): NEEDED, defined API, PQlibVersion', (t) => {
  const truth = readFileSync(join(D, 'truth.txt'), 'utf8').split(/^== /m).slice(1);
  t.is(truth.length, 6);
  for (const block of truth) {
    const path = join(D, block.slice(0, block.indexOf(' (')));
    const elf = parseElf(readFileSync(path), path, { codeOf: ['PQlibVersion'] });
    t.deepEqual(elf.needed, [...block.matchAll(/Shared library: \[([^\]]+)\]/g)].map((m) => m[1]), path);
    const defined = block.split('defined PQlibVersion/PQconnectdb/SSL_connect:\n')[1]!.split('PQlibVersion:')[0]!.trim().split(/\s+/).filter(Boolean);
    t.deepEqual(elf.exports.filter((s) => ['PQlibVersion', 'PQconnectdb', 'SSL_connect'].includes(s.name)).map((s) => s.name).sort(), defined.sort(), path);
    const mov = /mov\s+\$0x([0-9a-f]+),%eax/.exec(block);
    const exact = pqlibVersionEvidence(elf)[0];
    if (mov) t.regex(exact?.detail ?? '', new RegExp(`returns ${parseInt(mov[1]!, 16)}\\b`), path);
    else t.is(exact, undefined, path);
  }
});

test('a driver module given alone as an ELF target is read as a static libpq', async (t) => {
  const r = await inspectLocal(STATIC_15);
  t.is(r.target.type, 'elf');
  t.like(r.libraries[0], { linkage: 'static', machine: 'x86-64' });
  t.is(r.libraries[0]!.version.value, '15.20');
  const shared = await inspectLocal(SHARED_10);
  t.is(shared.libraries[0]!.linkage, 'shared');
});
