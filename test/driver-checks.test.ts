import test from 'ava';
import { inspectLocal } from '../src/report/inspectLocal.js';
import { openLocalBundle } from '../src/bundle/openBundle.js';
import { bundleFindings } from '../src/report/bundleFindings.js';
import { buildReport } from '../src/report/buildReport.js';
import { loadSemver } from '../src/report/driverFindings.js';
import type { Check } from '../src/checks/check.js';
import type { ZipEntry } from './standin/zip.js';
import { goBuildInfo, jarOf, nodeHandler, nodePg, pythonDriverHandler, record, zipFile } from './support/driverBundles.js';
import { templateHandler } from './support/templateHandlers.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RECORDS } from './support/driverBundles.js';

const checks = async (entries: ZipEntry[], options: Parameters<typeof inspectLocal>[1] = {}) => {
  const r = await inspectLocal(zipFile(entries), options);
  const by = (id: string) => r.checks.find((c) => c.id === id)!;
  return { scram: by('scram'), tls: by('tls'), report: r };
};
const PRE = templateHandler('postgresql', 'pre');
const pyHandler = (driver: 'pg8000' | 'asyncpg', tls = false) => ({ name: 'lambda_function.py', data: pythonDriverHandler(driver, tls, PRE) });
const expectScram = (t: import('ava').ExecutionContext, c: Check, status: Check['status'], ...texts: RegExp[]) => {
  t.is(c.status, status, c.summary);
  for (const re of texts) t.regex(`${c.summary}\n${c.evidence.join('\n')}\n${c.remediation}`, re);
};

test('node-postgres 7.8.2 from npm: scram fails naming 7.9.0; remediation upgrades pg, never a template redeploy', async (t) => {
  const { scram } = await checks([...nodeHandler({ tls: false }), ...nodePg('pg-7.8.2').entries], { handler: 'index.handler' });
  expectScram(t, scram, 'fail', /node-postgres 7\.8\.2/, /7\.9\.0/, /node_modules\/pg\/package\.json: node-postgres 7\.8\.2 \(version\)/);
  t.regex(scram.remediation, /^Upgrade node-postgres \(pg \(npm\)\) from 7\.8\.2 to 7\.9\.0 or later/);
  t.notRegex(scram.remediation, /template/i);
});

for (const alias of ['pg-7.9.0', 'pg-8']) {
  test(`node-postgres ${alias} from npm: scram passes with the version and its evidence path`, async (t) => {
    const pg = nodePg(alias);
    const { scram } = await checks([...nodeHandler({ tls: false }), ...pg.entries], { handler: 'index.handler' });
    expectScram(t, scram, 'pass', new RegExp(`node-postgres ${pg.version.replace(/\./g, '\\.')}`), /node_modules\/pg\/package\.json/);
  });
}

test('node-postgres: TLS fails when the handler never asks (ssl: false by default), passes with an ssl object', async (t) => {
  const off = await checks([...nodeHandler({ tls: false }), ...nodePg('pg-8').entries], { handler: 'index.handler' });
  expectScram(t, off.tls, 'fail', /node-postgres 8\.\d+\.\d+ uses its default: no TLS/, /Ask node-postgres for verified TLS/);
  const on = await checks([...nodeHandler({ tls: true }), ...nodePg('pg-8').entries], { handler: 'index.handler' });
  expectScram(t, on.tls, 'pass', /through node-postgres 8\./);
});

test('a Node handler that imports pg, with no pg in the bundle: scram unknown, never pass or not-applicable', async (t) => {
  const { scram } = await checks(nodeHandler({ tls: false }), { handler: 'index.handler' });
  expectScram(t, scram, 'unknown', /node-postgres/, /no file in the code or its layers records its version/);
});

test('node-postgres with an unreadable version record: scram unknown with the reason', async (t) => {
  const { scram } = await checks([...nodeHandler({ tls: false }), { name: 'node_modules/pg/package.json', data: '{"name":"pg","version":"latest"}' }], { handler: 'index.handler' });
  expectScram(t, scram, 'unknown', /version is not a version|not a version/);
});

const PY_CASES: Array<{ dir: string; driver: 'pg8000' | 'asyncpg'; scram: Check['status']; tls: Check['status']; fixed?: string }> = [
  { dir: 'debian-pg8000-1.10.6', driver: 'pg8000', scram: 'fail', tls: 'fail', fixed: '1.13.0' },
  { dir: 'own-pg8000-1.12.5-metadata', driver: 'pg8000', scram: 'fail', tls: 'fail', fixed: '1.13.0' },
  { dir: 'own-pg8000-1.31.0-metadata', driver: 'pg8000', scram: 'pass', tls: 'warn' },
  { dir: 'own-asyncpg-0.18.3-init', driver: 'asyncpg', scram: 'fail', tls: 'fail', fixed: '0.19.0' },
  { dir: 'debian-asyncpg-0.27.0', driver: 'asyncpg', scram: 'pass', tls: 'warn' },
];
for (const c of PY_CASES) {
  test(`${c.driver} (${c.dir}) with the template handler adapted to it: scram ${c.scram}, tls ${c.tls} by the driver's default`, async (t) => {
    const { scram, tls } = await checks([pyHandler(c.driver), ...record(c.dir)]);
    expectScram(t, scram, c.scram, new RegExp(`${c.driver} \\d`), ...(c.fixed ? [new RegExp(`only from ${c.fixed.replace(/\./g, '\\.')}`), new RegExp(`to ${c.fixed.replace(/\./g, '\\.')} or later`)] : []));
    t.is(tls.status, c.tls, tls.summary);
    t.regex(tls.summary, new RegExp(c.driver));
    const asked = await checks([pyHandler(c.driver, true), ...record(c.dir)]);
    t.is(asked.tls.status, 'pass', asked.tls.summary);
  });
}

test('PGSSLMODE=require in the function environment: asyncpg reads it (pass), pg8000 does not (fail, and says so)', async (t) => {
  const tlsWith = async (entries: ZipEntry[]) => {
    const bundle = await openLocalBundle(zipFile(entries));
    const findings = await bundleFindings(bundle, {});
    await bundle.close();
    const r = buildReport({ target: { type: 'zip', id: 'f' }, findings: [findings], created: { date: null, source: null, note: '' }, environment: { PGSSLMODE: 'require' }, semver: await loadSemver(findings.drivers ?? []) });
    return r.checks.find((c) => c.id === 'tls')!;
  };
  const pg8000 = await tlsWith([pyHandler('pg8000'), ...record('own-pg8000-1.12.5-metadata')]);
  t.is(pg8000.status, 'fail', pg8000.summary);
  t.true(pg8000.evidence.includes('pg8000 does not read PGSSLMODE or PGSSLROOTCERT'));
  const asyncpg = await tlsWith([pyHandler('asyncpg'), ...record('own-asyncpg-0.18.3-init')]);
  t.is(asyncpg.status, 'pass', asyncpg.summary);
  t.regex(asyncpg.summary, /environment asks asyncpg for TLS/);
});

test('several drivers: the one the handler imports is judged, the others are listed', async (t) => {
  const { scram } = await checks([pyHandler('asyncpg'), ...record('debian-asyncpg-0.27.0'), ...record('own-pg8000-1.12.5-metadata')]);
  expectScram(t, scram, 'pass', /asyncpg 0\.27\.0/, /also in the bundle, not judged: pg8000-1\.12\.5\.dist-info\/METADATA: pg8000 1\.12\.5/);
});

test('psycopg 3 (Debian 3.1.7) with no libpq in the bundle: libpq decides, and none is there: unknown', async (t) => {
  const handler = { name: 'lambda_function.py', data: PRE.replace('import pg\nimport pgdb', 'import psycopg').replace(/pgdb\.connect/g, 'psycopg.connect') };
  const { scram } = await checks([handler, ...record('debian-psycopg-3.1.7')]);
  expectScram(t, scram, 'unknown', /psycopg 3\.1\.7 logs in through libpq, but the bundle ships none/);
});

test('Ruby pg 1.4.5 (Debian) without a libpq: unknown, never not-applicable', async (t) => {
  const { scram } = await checks(record('debian-ruby-pg-1.4.5', 'vendor/bundle/ruby/3.1.0/'));
  expectScram(t, scram, 'unknown', /pg \(Ruby\) 1\.4\.5 logs in through libpq/);
});

const jdbc = (name: string, dir: string) => ({ name, data: jarOf(dir) });
test('pgjdbc: 42.1.4 fails, 42.2.0 fails as the release that did not package SCRAM, Debian\'s 42.5.5 passes', async (t) => {
  expectScram(t, (await checks([jdbc('lib/postgresql-42.1.4.jar', 'own-pgjdbc-42.1.4-jar-parts')])).scram, 'fail', /pgjdbc 42\.1\.4/, /42\.2\.1/);
  expectScram(t, (await checks([jdbc('lib/postgresql-42.2.0.jar', 'own-pgjdbc-42.2.0-jar-parts')])).scram, 'fail', /did not package its SCRAM client library/, /to 42\.2\.1 or later/);
  expectScram(t, (await checks([jdbc('lib/postgresql-42.5.5.jar', 'debian-pgjdbc-42.5.5-jar-parts')])).scram, 'pass', /pgjdbc 42\.5\.5/, /lib\/postgresql-42\.5\.5\.jar!\/META-INF\/MANIFEST\.MF/);
});

test('pgjdbc classes merged into a fat JAR: the remediation says to rebuild the function', async (t) => {
  const parts = record('own-pgjdbc-42.1.4-jar-parts');
  const { scram } = await checks([...parts, { name: 'org/postgresql/Driver.class', data: Buffer.from([0xca, 0xfe, 0xba, 0xbe]) }]);
  expectScram(t, scram, 'fail', /pgjdbc 42\.1\.4/, /rebuild the function/);
});

test('Go: lib/pq v1.0.0 fails (v1.1.0), Debian-built lib/pq v1.10.7 passes; pgx v3.3.0 fails (3.4.0), pgx v4 passes', async (t) => {
  const real = readFileSync(join(RECORDS, 'debian-go-lib-pq-1.10.7/go.buildinfo.bin'));
  const boot = (data: Buffer) => [{ name: 'bootstrap', data, mode: 0o100755 }];
  expectScram(t, (await checks(boot(goBuildInfo([{ path: 'github.com/lib/pq', version: 'v1.0.0' }])))).scram, 'fail', /lib\/pq v1\.0\.0/, /only from 1\.1\.0/, /github\.com\/lib\/pq \(Go module\)/);
  expectScram(t, (await checks(boot(real))).scram, 'pass', /lib\/pq v1\.10\.7/, /bootstrap: lib\/pq v1\.10\.7 \(dep github\.com\/lib\/pq\)/);
  expectScram(t, (await checks(boot(goBuildInfo([{ path: 'github.com/jackc/pgx', version: 'v3.3.0+incompatible' }])))).scram, 'fail', /pgx \(github\.com\/jackc\/pgx\) v3\.3\.0\+incompatible/, /3\.4\.0/);
  expectScram(t, (await checks(boot(goBuildInfo([{ path: 'github.com/jackc/pgconn', version: 'v1.14.0' }, { path: 'github.com/jackc/pgx/v4', version: 'v4.18.1' }])))).scram, 'pass', /pgx \(github\.com\/jackc\/pgx\/v4\) v4\.18\.1/);
  const tls = (await checks(boot(real))).tls;
  t.regex(tls.summary, /lib\/pq v1\.10\.7 uses TLS without certificate checks, never plaintext/);
});

test('Npgsql: 3.2.6 fails (3.2.7), 6.0.7 passes, from <app>.deps.json', async (t) => {
  expectScram(t, (await checks(record('own-npgsql-3.2.6-deps'))).scram, 'fail', /Npgsql 3\.2\.6/, /to 3\.2\.7 or later/, /Rotation\.deps\.json/);
  expectScram(t, (await checks(record('own-npgsql-6.0.7-deps'))).scram, 'pass', /Npgsql 6\.0\.7/);
});

test('a driver whose version cannot be read (pgjdbc classes with no record): unknown, never pass', async (t) => {
  const { scram } = await checks([{ name: 'org/postgresql/Driver.class', data: Buffer.from([0xca, 0xfe, 0xba, 0xbe]) }]);
  expectScram(t, scram, 'unknown', /pgjdbc/);
});

test('a libpq-only sample keeps its libpq verdict and reports no drivers', async (t) => {
  const { SAMPLE_94 } = await import('./support/fixtures.js');
  const r = await inspectLocal(SAMPLE_94);
  t.deepEqual(r.drivers, []);
  t.is(r.checks.find((c) => c.id === 'scram')!.status, 'fail');
});

test('live: a Node.js function with pg 7.8.2 fails and with pg 8 passes, over the stand-in; a pg in a layer counts', async (t) => {
  const { inspectFunctionTarget } = await import('../src/aws/inspectFunction.js');
  const { DEFAULT_CREDENTIALS, startStandin, layerArn } = await import('./support/aws.js');
  const { buildZip } = await import('./standin/zip.js');
  process.env.AWS_ACCESS_KEY_ID = DEFAULT_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = DEFAULT_CREDENTIALS.secretAccessKey;
  process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';
  const layer = layerArn('pg-old', 1);
  const fn = (name: string, code: ZipEntry[], layers: string[] = []) => ({ name, runtime: 'nodejs20.x', handler: 'index.handler', code: buildZip(code), layers });
  const s = await startStandin({
    functions: [
      fn('node-old', [...nodeHandler({ tls: false }), ...nodePg('pg-7.8.2').entries]),
      fn('node-new', [...nodeHandler({ tls: true }), ...nodePg('pg-8').entries]),
      fn('node-layer', nodeHandler({ tls: false }), [layer]),
    ],
    layers: [{ arn: layer, code: buildZip(nodePg('pg-7.8.2', 'nodejs/').entries) }],
  });
  t.teardown(() => s.close());
  const o = { region: 'us-east-1', endpointUrl: s.endpoint, retry: { mode: 'configured', maxAttempts: 2, delayMs: 5 } as const };
  const old = await inspectFunctionTarget('node-old', o);
  t.like(old.checks.find((c) => c.id === 'scram'), { status: 'fail' });
  t.deepEqual(old.drivers?.map((d) => [d.name, d.version, d.evidence.path]), [['node-postgres', '7.8.2', 'node_modules/pg/package.json']]);
  const fresh = await inspectFunctionTarget('node-new', o);
  t.deepEqual(fresh.checks.map((c) => c.status), ['pass', 'pass']);
  const viaLayer = await inspectFunctionTarget('node-layer', o);
  t.like(viaLayer.checks.find((c) => c.id === 'scram'), { status: 'fail' });
  t.regex(viaLayer.checks.find((c) => c.id === 'scram')!.evidence.join('\n'), /nodejs\/node_modules\/pg\/package\.json/);
});

for (const esm of [false, true]) {
  test(`a Node.js handler split over two files (${esm ? 'index.mjs importing ./db.mjs' : "index.js requiring ./db"}): the driver and the TLS it asks for are read from the local module`, async (t) => {
    const split = nodeHandler({ tls: true, split: true, esm });
    const { scram, tls, report } = await checks([...split, ...nodePg('pg-7.8.2').entries], { handler: 'index.handler' });
    t.is(report.handler?.path, esm ? 'index.mjs' : 'index.js');
    t.deepEqual(report.handler?.alsoRead, [esm ? 'db.mjs' : 'db.js']);
    t.deepEqual(report.handler?.drivers, ['node-postgres']);
    t.is(scram.status, 'fail', scram.summary);
    t.is(tls.status, 'pass', tls.summary);
    t.regex(tls.evidence.join('\n'), new RegExp(`^db\\.${esm ? 'mjs' : 'js'}:\\d+: const client = new Client\\(`, 'm'));
  });
}

test('JavaScript local imports resolve relative to the handler\'s folder; bare packages and paths leaving the bundle are not local', async (t) => {
  const { localImports } = await import('../src/facts/handler/handlerFacts.js');
  t.deepEqual(localImports("const db = require('./lib/db');\nimport x from '../shared/util.mjs';\nconst pg = require('pg');\nconst up = require('../../../etc/passwd');\n", 'javascript', 'src/index.js'), [
    ['src/lib/db', 'src/lib/db.js', 'src/lib/db.mjs', 'src/lib/db.cjs', 'src/lib/db/index.js', 'src/lib/db/index.mjs'],
    ['shared/util.mjs'],
  ]);
});

test('CLI: the table names the driver, its version and record; JSON carries drivers; exit 1 on the scram failure', async (t) => {
  const { runCli } = await import('./support/cli.js');
  const zip = zipFile([...nodeHandler({ tls: false }), ...nodePg('pg-7.8.2').entries]);
  const table = await runCli(['inspect', zip]);
  t.is(table.code, 1, table.stderr);
  t.regex(table.stdout, /^ {2}driver {4}node-postgres 7\.8\.2 {2}\[node_modules\/pg\/package\.json: version\]$/m);
  t.regex(table.stdout, /FAIL\s+scram\s+node-postgres 7\.8\.2 cannot authenticate with scram-sha-256/);
  const json = await runCli(['inspect', zip, '--format', 'json']);
  t.deepEqual((JSON.parse(json.stdout) as { drivers: unknown[] }).drivers, [{ name: 'node-postgres', version: '7.8.2', evidence: { path: 'node_modules/pg/package.json', field: 'version' }, language: 'javascript' }]);
});

test('psycopg 3 binary wheel carrying a pre-10 libpq as psycopg_binary.libs/libpq-<hash>.so.5.9: libpq decides, scram fails on it', async (t) => {
  const libpq96 = readFileSync(join(RECORDS, '..', 'shared-9.6-no-openssl', 'libpq.so.5'));
  const handler = { name: 'lambda_function.py', data: PRE.replace('import pg\nimport pgdb', 'import psycopg').replace(/pgdb\.connect/g, 'psycopg.connect') };
  const { scram, report } = await checks([handler, ...record('debian-psycopg-3.1.7'), { name: 'psycopg_binary.libs/libpq-1a2b3c4d.so.5.9', data: libpq96 }]);
  t.deepEqual(report.libraries.map((l) => [l.path, l.version.major]), [['psycopg_binary.libs/libpq-1a2b3c4d.so.5.9', 9]]);
  expectScram(t, scram, 'fail', /libpq.* 9\.6/, /psycopg_binary\.libs\/libpq-1a2b3c4d\.so\.5\.9/);
  t.true(report.drivers?.some((d) => d.name === 'psycopg' && d.version === '3.1.7'));
});

test('Ruby pg binary gem: ports/<platform>/lib/libpq-ruby-pg.so.1 is the libpq judged (a real libpq 16.4 → pass)', async (t) => {
  const lib = readFileSync(join(RECORDS, '..', '..', 'libpq', 'aarch64-16.4-libpq.so.5.16'));
  const gem = 'vendor/bundle/ruby/3.3.0/gems/pg-1.6.0-aarch64-linux/';
  const { scram, report } = await checks([{ name: `${gem}ports/aarch64-linux/lib/libpq-ruby-pg.so.1`, data: lib }, { name: `${gem}lib/pg/version.rb`, data: "module PG\n\tVERSION = '1.6.0'\nend\n" }]);
  t.deepEqual(report.libraries.map((l) => [l.path, l.version.value]), [[`${gem}ports/aarch64-linux/lib/libpq-ruby-pg.so.1`, '16.4']]);
  t.is(scram.status, 'pass', scram.summary);
  t.true(report.drivers?.some((d) => d.name === 'pg (Ruby)' && d.version === '1.6.0' && d.evidence.field === 'VERSION'));
});

const JAVA = join(RECORDS, '..', 'java-handler', 'com', 'example');
const javaClass = (name: string) => ({ name: `com/example/${name}.class`, data: readFileSync(join(JAVA, `${name}.class`)) });
test('Java: the handler class the setting names is read from its constants (steps, pgjdbc, engine, sslmode=verify-full); with Debian\'s pgjdbc 42.5.5 both checks pass', async (t) => {
  const { scram, tls, report } = await checks([javaClass('Rotation'), jdbc('lib/postgresql-42.5.5.jar', 'debian-pgjdbc-42.5.5-jar-parts')], { handler: 'com.example.Rotation::handleRequest' });
  t.like(report.handler, { path: 'com/example/Rotation.class', language: 'java', isRotationHandler: true, drivers: ['pgjdbc'], engine: 'postgresql', asksForTls: true });
  t.deepEqual(report.handler?.tlsEvidence, ['com/example/Rotation.class: "sslmode" with "verify-full"']);
  t.is(scram.status, 'pass', scram.summary);
  t.is(tls.status, 'pass', tls.summary);
  t.regex(tls.summary, /through pgjdbc 42\.5\.5/);
});

test('Java handler that asks for no TLS: pgjdbc 42.2.0 (no TLS by default before 42.2.5) fails both checks; 42.5.5 (prefer) warns', async (t) => {
  const old = await checks([javaClass('PlainRotation'), jdbc('lib/postgresql-42.2.0.jar', 'own-pgjdbc-42.2.0-jar-parts')], { handler: 'com.example.PlainRotation::handleRequest' });
  t.is(old.scram.status, 'fail', old.scram.summary);
  expectScram(t, old.tls, 'fail', /pgjdbc 42\.2\.0 uses its default: no TLS/, /sslmode=verify-full/);
  const fresh = await checks([javaClass('PlainRotation'), jdbc('lib/postgresql-42.5.5.jar', 'debian-pgjdbc-42.5.5-jar-parts')], { handler: 'com.example.PlainRotation::handleRequest' });
  expectScram(t, fresh.tls, 'warn', /sslmode=prefer/);
});

test('Java offline without a handler setting: a class named like a handler whose constants hold createSecret is the handler', async (t) => {
  const { report } = await checks([javaClass('PlainRotation'), jdbc('lib/postgresql-42.5.5.jar', 'debian-pgjdbc-42.5.5-jar-parts')]);
  t.is(report.handler?.path, 'com/example/PlainRotation.class');
});

test('class files: string constants read from the pool; a cut-short or foreign file is null', async (t) => {
  const { classFileStrings } = await import('../src/facts/handler/classFile.js');
  const bytes = readFileSync(join(JAVA, 'Rotation.class'));
  t.true(classFileStrings(bytes)!.includes('jdbc:postgresql://\u0001:5432/postgres'));
  t.is(classFileStrings(bytes.subarray(0, 200)), null);
  t.is(classFileStrings(Buffer.from('not a class file')), null);
});

test('go1.x: the executable the handler setting names (main) is read for Go build info like a custom runtime\'s bootstrap', async (t) => {
  const { scram, report } = await checks([{ name: 'main', data: goBuildInfo([{ path: 'github.com/lib/pq', version: 'v1.0.0' }]), mode: 0o100755 }], { handler: 'main' });
  t.deepEqual(report.drivers?.map((d) => [d.evidence.path, d.name, d.version]), [['main', 'lib/pq', 'v1.0.0']]);
  t.is(scram.status, 'fail', scram.summary);
});
