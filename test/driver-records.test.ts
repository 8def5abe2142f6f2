import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLibpqName } from '../src/bundle/libpqLocator.js';
import { inspectLocal } from '../src/report/inspectLocal.js';
import type { DriverFact } from '../src/facts/drivers/driverRecords.js';
import { RECORDS, goBuildInfo, jarOf, nodePg, record, zipFile } from './support/driverBundles.js';

const driversOf = async (entries: Parameters<typeof zipFile>[0]) => (await inspectLocal(zipFile(entries))).drivers ?? [];
/** Ground truth: the line `Field: value` / `field=value` / `"field": "value"` of the file that holds it. */
const fieldOf = (file: string, re: RegExp) => re.exec(readFileSync(join(RECORDS, file), 'utf8'))![1]!;
const one = (drivers: DriverFact[], name: string) => {
  const found = drivers.filter((d) => d.name === name);
  if (found.length !== 1) throw new Error(`expected one ${name}, got ${JSON.stringify(drivers)}`);
  return found[0]!;
};

for (const alias of ['pg-7.8.2', 'pg-7.9.0', 'pg-8']) {
  test(`node-postgres from npm (${alias}): version from node_modules/pg/package.json`, async (t) => {
    const pg = nodePg(alias);
    const d = one(await driversOf(pg.entries), 'node-postgres');
    t.deepEqual(d, { name: 'node-postgres', version: pg.version, evidence: { path: 'node_modules/pg/package.json', field: 'version' }, language: 'javascript' });
  });
}

test('node-postgres in a Node.js layer (nodejs/node_modules/pg) is found too', async (t) => {
  const pg = nodePg('pg-7.8.2', 'nodejs/');
  t.is(one(await driversOf(pg.entries), 'node-postgres').evidence.path, 'nodejs/node_modules/pg/package.json');
});

test('node-postgres without its package folder: the lock file records the version', async (t) => {
  const d = one(await driversOf(record('own-node-pg-lock-7.4.3')), 'node-postgres');
  const truth = (JSON.parse(readFileSync(join(RECORDS, 'own-node-pg-lock-7.4.3/package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> }).packages['node_modules/pg']!.version;
  t.deepEqual([d.version, d.evidence], [truth, { path: 'package-lock.json', field: 'packages["node_modules/pg"].version' }]);
});

test('a pg copy nested inside another package is not the handler\'s driver', async (t) => {
  const pg = nodePg('pg-7.8.2', 'node_modules/some-orm/');
  t.deepEqual((await driversOf(pg.entries)).filter((d) => d.name === 'node-postgres'), []);
});

test('node-postgres whose package.json has no version: version null with the reason', async (t) => {
  const d = one(await driversOf([{ name: 'node_modules/pg/package.json', data: '{"name":"pg"}' }, { name: 'index.js', data: "require('pg')" }]), 'node-postgres');
  t.is(d.version, null);
  t.regex(d.reason ?? '', /no version in node_modules\/pg\/package\.json/);
});

const PY: Array<{ dir: string; name: string; file: string; field: string; truth: RegExp }> = [
  { dir: 'debian-pg8000-1.10.6', name: 'pg8000', file: 'pg8000-1.10.6.egg-info/PKG-INFO', field: 'Version', truth: /^Version: (.+)$/m },
  { dir: 'debian-asyncpg-0.27.0', name: 'asyncpg', file: 'asyncpg-0.27.0.egg-info/PKG-INFO', field: 'Version', truth: /^Version: (.+)$/m },
  { dir: 'debian-psycopg-3.1.7', name: 'psycopg', file: 'psycopg-3.1.7.dist-info/METADATA', field: 'Version', truth: /^Version: (.+)$/m },
  { dir: 'own-pg8000-1.12.5-metadata', name: 'pg8000', file: 'pg8000-1.12.5.dist-info/METADATA', field: 'Version', truth: /^Version: (.+)$/m },
  { dir: 'own-pg8000-1.31.0-metadata', name: 'pg8000', file: 'pg8000-1.31.0.dist-info/METADATA', field: 'Version', truth: /^Version: (.+)$/m },
  { dir: 'own-asyncpg-0.18.3-init', name: 'asyncpg', file: 'asyncpg/__init__.py', field: '__version__', truth: /^__version__ = '(.+)'$/m },
];
for (const c of PY) {
  test(`Python ${c.dir}: ${c.name} version from ${c.file} ${c.field}`, async (t) => {
    const d = one(await driversOf(record(c.dir, 'python/')), c.name);
    t.deepEqual(d, { name: c.name as DriverFact['name'], version: fieldOf(`${c.dir}/${c.file}`, c.truth), evidence: { path: `python/${c.file}`, field: c.field }, language: 'python' });
  });
}

test('pg8000 from Debian without its egg-info: versioneer\'s _version.py JSON blob', async (t) => {
  const entries = record('debian-pg8000-1.10.6').filter((e) => !e.name.includes('egg-info'));
  const d = one(await driversOf(entries), 'pg8000');
  t.deepEqual([d.version, d.evidence], [fieldOf('debian-pg8000-1.10.6/pg8000/_version.py', /"version": "(.+)"/), { path: 'pg8000/_version.py', field: 'version_json "version"' }]);
});

test('psycopg_binary\'s own libpq (psycopg_binary.libs/libpq-<hash>.so.5.N) and Ruby pg\'s libpq-ruby-pg.so.1 are libpq files', (t) => {
  t.true(isLibpqName('psycopg_binary.libs/libpq-9b1e7f2a.so.5.16'));
  t.true(isLibpqName('vendor/bundle/ruby/3.2.0/gems/pg-1.6.0-x86_64-linux/ports/x86_64-linux/lib/libpq-ruby-pg.so.1'));
  t.false(isLibpqName('libpq-ruby-pg.rb'));
});

test('pgjdbc 42.5.5 from Debian as lib/postgresql-42.5.5.jar: MANIFEST Implementation-Version inside the nested JAR', async (t) => {
  const d = one(await driversOf([{ name: 'lib/postgresql-42.5.5.jar', data: jarOf('debian-pgjdbc-42.5.5-jar-parts') }]), 'pgjdbc');
  t.deepEqual([d.version, d.evidence], [fieldOf('debian-pgjdbc-42.5.5-jar-parts/META-INF/MANIFEST.MF', /^Implementation-Version: (\S+)/m), { path: 'lib/postgresql-42.5.5.jar!/META-INF/MANIFEST.MF', field: 'Implementation-Version' }]);
  t.falsy(d.fatJar);
});

test('pgjdbc 42.2.0 (own MANIFEST, Bundle-Version) and 42.1.4 (own pom.properties) inside nested JARs', async (t) => {
  const drivers = await driversOf([
    { name: 'lib/postgresql-42.2.0.jar', data: jarOf('own-pgjdbc-42.2.0-jar-parts') },
    { name: 'lib/postgresql-42.1.4.jar', data: jarOf('own-pgjdbc-42.1.4-jar-parts') },
  ]);
  t.deepEqual(drivers.filter((d) => d.name === 'pgjdbc').map((d) => [d.version, d.evidence.field]).sort(), [['42.1.4', 'version'], ['42.2.0', 'Bundle-Version']]);
});

test('pgjdbc classes unpacked into a fat JAR, the function\'s own MANIFEST: DriverInfo.class DRIVER_FULL_NAME, marked fatJar', async (t) => {
  const parts = record('debian-pgjdbc-42.5.5-jar-parts').filter((e) => e.name !== 'META-INF/MANIFEST.MF');
  const d = one(await driversOf([{ name: 'META-INF/MANIFEST.MF', data: 'Manifest-Version: 1.0\r\nMain-Class: example.Rotation\r\n\r\n' }, ...parts]), 'pgjdbc');
  const truth = /PostgreSQL JDBC Driver (\d+\.\d+\.\d+)/.exec(readFileSync(join(RECORDS, 'debian-pgjdbc-42.5.5-jar-parts/org/postgresql/util/DriverInfo.class'), 'latin1'))![1];
  t.deepEqual([d.version, d.evidence, d.fatJar], [truth, { path: 'org/postgresql/util/DriverInfo.class', field: 'DRIVER_FULL_NAME' }, true]);
});

test('pgjdbc classes unpacked with nothing that records the version: version null, reason given', async (t) => {
  const d = one(await driversOf([{ name: 'org/postgresql/Driver.class', data: Buffer.from([0xca, 0xfe, 0xba, 0xbe]) }]), 'pgjdbc');
  t.is(d.version, null);
  t.regex(d.reason ?? '', /without pom\.properties/);
});

test('Go bootstrap from Debian\'s Go 1.19 with Debian\'s lib/pq 1.10.7: the .go.buildinfo dep line', async (t) => {
  const blob = readFileSync(join(RECORDS, 'debian-go-lib-pq-1.10.7/go.buildinfo.bin'));
  const d = one(await driversOf([{ name: 'bootstrap', data: blob, mode: 0o100755 }]), 'lib/pq');
  t.deepEqual([d.version, d.evidence, d.language], [/dep\tgithub\.com\/lib\/pq\t(v[\d.]+)/.exec(blob.toString('latin1'))![1], { path: 'bootstrap', field: 'dep github.com/lib/pq' }, 'go']);
});

test('Go build info of our own: lib/pq v1.0.0, pgx v3 +incompatible, pgx/v4 with pgconn, a locally replaced module', async (t) => {
  const drivers = await driversOf([
    { name: 'bootstrap', data: goBuildInfo([{ path: 'github.com/lib/pq', version: 'v1.0.0' }]) },
    { name: 'v3/bootstrap', data: goBuildInfo([{ path: 'github.com/jackc/pgx', version: 'v3.3.0+incompatible' }]) },
    { name: 'v4/bootstrap', data: goBuildInfo([{ path: 'github.com/jackc/pgconn', version: 'v1.14.0' }, { path: 'github.com/jackc/pgx/v4', version: 'v4.18.1' }]) },
    { name: 'replaced/bootstrap', data: goBuildInfo([{ path: 'github.com/lib/pq', version: 'v1.10.9', replace: { path: '../pq' } }]) },
  ]);
  t.deepEqual(drivers.map((d) => [d.evidence.path, d.name, d.module, d.version]), [
    ['bootstrap', 'lib/pq', 'github.com/lib/pq', 'v1.0.0'],
    ['v3/bootstrap', 'pgx', 'github.com/jackc/pgx', 'v3.3.0+incompatible'],
    ['v4/bootstrap', 'pgconn', 'github.com/jackc/pgconn', 'v1.14.0'],
    ['v4/bootstrap', 'pgx', 'github.com/jackc/pgx/v4', 'v4.18.1'],
    ['replaced/bootstrap', 'lib/pq', 'github.com/lib/pq', null],
  ]);
  t.regex(drivers[4]!.reason!, /replaced by \.\.\/pq/);
});

test('Npgsql from <app>.deps.json libraries["Npgsql/X"]; a DLL without deps.json is version null', async (t) => {
  for (const v of ['3.2.6', '6.0.7']) {
    const d = one(await driversOf(record(`own-npgsql-${v}-deps`)), 'Npgsql');
    t.deepEqual([d.version, d.evidence, d.language], [v, { path: 'Rotation.deps.json', field: `libraries["Npgsql/${v}"]` }, 'dotnet']);
  }
  const dll = one(await driversOf([{ name: 'Npgsql.dll', data: Buffer.from('MZ') }]), 'Npgsql');
  t.is(dll.version, null);
});

test('Ruby pg 1.4.5 from Debian: specifications/pg-1.4.5.gemspec s.version', async (t) => {
  const d = one(await driversOf(record('debian-ruby-pg-1.4.5', 'vendor/bundle/ruby/3.1.0/')), 'pg (Ruby)');
  t.deepEqual([d.version, d.evidence], [fieldOf('debian-ruby-pg-1.4.5/specifications/pg-1.4.5.gemspec', /s\.version = "(.+)"/), { path: 'vendor/bundle/ruby/3.1.0/specifications/pg-1.4.5.gemspec', field: 's.version' }]);
});

test('a version record over the size budget is not read: version null and a candidate-not-read error', async (t) => {
  const report = await inspectLocal(zipFile([{ name: 'pg8000-1.12.5.dist-info/METADATA', data: `Version: 1.12.5\n\n${'x'.repeat(2 * 1024 * 1024)}` }]));
  const d = one(report.drivers ?? [], 'pg8000');
  t.is(d.version, null);
  t.true(report.errors.some((e) => e.code === 'candidate-not-read' && e.path === 'pg8000-1.12.5.dist-info/METADATA'));
});

test('a nested JAR that is not a zip: the file name still records the version, and the error is reported', async (t) => {
  const report = await inspectLocal(zipFile([{ name: 'lib/postgresql-42.2.5.jar', data: 'not a zip' }]));
  t.deepEqual(report.drivers?.map((d) => [d.version, d.evidence.field]), [['42.2.5', 'file name']]);
  t.true(report.errors.some((e) => e.path === 'lib/postgresql-42.2.5.jar'));
});

test('a libpq-only bundle reports no drivers', async (t) => {
  t.deepEqual((await inspectLocal(zipFile([{ name: 'lambda_function.py', data: 'import pg\n' }]))).drivers, []);
});
