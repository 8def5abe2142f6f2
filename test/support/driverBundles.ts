import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildZip, type ZipEntry } from '../standin/zip.js';
import { ROOT } from './cli.js';
import { FIXTURES } from './fixtures.js';

/** Version records for drivers: Debian packages' files and our own minimal ones (test/fixtures/drivers/records/README.md). */
export const RECORDS = join(FIXTURES, 'drivers', 'records');

/** Every file under `dir`, named by its path below it (below `prefix` in the bundle). */
export function filesOf(dir: string, prefix = ''): ZipEntry[] {
  const out: ZipEntry[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ name: `${prefix}${relative(dir, p).split('\\').join('/')}`, data: readFileSync(p) });
    }
  };
  walk(dir);
  return out;
}

export const record = (name: string, prefix = '') => filesOf(join(RECORDS, name), prefix);

/** A JAR (a zip) of one records folder. */
export const jarOf = (name: string) => buildZip(record(name));

/**
 * node-postgres as npm installed it (a devDependency alias such as pg-7.8.2 →
 * npm:pg@7.8.2), placed at node_modules/pg with its direct dependencies beside it.
 */
export function nodePg(alias: string, prefix = ''): { entries: ZipEntry[]; version: string } {
  const dir = join(ROOT, 'node_modules', alias);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string; dependencies?: Record<string, string> };
  const entries = filesOf(dir, `${prefix}node_modules/pg/`).filter((e) => !e.name.includes('/pg/node_modules/'));
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    const nested = join(dir, 'node_modules', dep);
    const top = join(ROOT, 'node_modules', dep);
    const from = exists(nested) ? nested : exists(top) ? top : null;
    if (from) entries.push(...filesOf(from, `${prefix}node_modules/${dep}/`).filter((e) => !e.name.slice(prefix.length + 13).includes('node_modules/')));
  }
  return { entries, version: pkg.version };
}
const exists = (p: string) => { try { statSync(p); return true; } catch { return false; } };

const varint = (n: number) => { const b: number[] = []; while (n >= 0x80) { b.push((n & 0x7f) | 0x80); n >>>= 7; } b.push(n); return Buffer.from(b); };
const GO_INFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const GO_INFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');

/**
 * Our own Go build-info blob in the Go 1.18+ layout (32-byte header with the
 * inline flag, then varint-prefixed go version and module text between
 * runtime/debug's sentinels), as the `.go.buildinfo` section of a Go
 * executable carries it: for module versions no Debian package has.
 */
export function goBuildInfo(deps: ReadonlyArray<{ path: string; version: string; replace?: { path: string; version?: string } }>): Buffer {
  const lines = ['path\texample.com/rotation', 'mod\texample.com/rotation\t(devel)\t'];
  for (const d of deps) {
    lines.push(`dep\t${d.path}\t${d.version}\th1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`);
    if (d.replace) lines.push(`=>\t${d.replace.path}\t${d.replace.version ?? ''}\t`);
  }
  lines.push('build\t-compiler=gc', '');
  const mod = Buffer.concat([GO_INFO_START, Buffer.from(lines.join('\n')), GO_INFO_END]);
  const header = Buffer.alloc(32);
  Buffer.from('\xff Go buildinf:', 'latin1').copy(header);
  header[14] = 8;
  header[15] = 2;
  const version = Buffer.from('go1.21.0');
  return Buffer.concat([header, varint(version.length), version, varint(mod.length), mod]);
}

/** Writes a zip to a fresh temporary folder. */
export function zipFile(entries: ZipEntry[], name = 'function.zip'): string {
  const p = join(mkdtempSync(join(tmpdir(), 'ri-drivers-')), name);
  writeFileSync(p, buildZip(entries));
  return p;
}

/**
 * The PostgreSQL single-user template's handler (pre-2021 shape) with pg8000
 * or asyncpg in place of PyGreSQL, as teams adapt it: `import pgdb` becomes
 * `import <driver>` and `pgdb.connect(` `<driver>.connect(`, optionally asking for TLS.
 */
export function pythonDriverHandler(driver: 'pg8000' | 'asyncpg', tls: boolean, template: string): string {
  const ask = driver === 'pg8000' ? ', ssl_context=ssl.create_default_context()' : ", ssl='verify-full'";
  return template
    .replace('import pg\nimport pgdb', `import ssl\nimport ${driver}`)
    .replace(/pgdb\.connect\(([^\n]*)\)/g, (_m, args: string) => `${driver}.connect(${args}${tls ? ask : ''})`);
}

/** A Node.js rotation handler with node-postgres, in the four-step shape of AWS's templates (index.js, `index.handler`). */
export function nodeHandler(options: { tls: boolean; split?: boolean; esm?: boolean }): Array<{ name: string; data: string }> {
  const connect = options.tls
    ? "  const client = new Client({ host: secret.host, port: secret.port || 5432, user: secret.username, password: secret.password, database: secret.dbname || 'postgres', ssl: { rejectUnauthorized: true, ca: RDS_CA } });"
    : "  const client = new Client({ host: secret.host, port: secret.port || 5432, user: secret.username, password: secret.password, database: secret.dbname || 'postgres' });";
  const db = `${options.esm ? "import pg from 'pg';\nconst { Client } = pg;\nimport { readFileSync } from 'node:fs';" : "const { Client } = require('pg');\nconst { readFileSync } = require('node:fs');"}
const RDS_CA = ${options.tls ? "readFileSync('global-bundle.pem', 'utf8')" : 'undefined'};

/** Opens a connection from the secret's fields; null when login fails. */
async function getConnection(secret) {
  if (secret.engine !== 'postgres') throw new Error("Database engine must be set to 'postgres' in order to use this rotation function");
${connect}
  try { await client.connect(); return client; } catch (e) { console.error('Unable to log into database', e.message); return null; }
}
${options.esm ? 'export { getConnection };' : 'module.exports = { getConnection };'}
`;
  const steps = `
async function createSecret(sm, arn, token) { /* generate a new password and store it as AWSPENDING */ }
async function setSecret(sm, arn, token) { const conn = await getConnection(JSON.parse('{}')); if (!conn) throw new Error('setSecret: unable to log into database'); }
async function testSecret(sm, arn, token) { const conn = await getConnection(JSON.parse('{}')); if (!conn) throw new Error('testSecret: unable to log into database'); }
async function finishSecret(sm, arn, token) { /* move AWSCURRENT to the new version */ }

${options.esm ? 'export const handler' : 'exports.handler'} = async (event) => {
  const { SecretId: arn, ClientRequestToken: token, Step: step } = event;
  if (step === 'createSecret') return createSecret(null, arn, token);
  else if (step === 'setSecret') return setSecret(null, arn, token);
  else if (step === 'testSecret') return testSecret(null, arn, token);
  else if (step === 'finishSecret') return finishSecret(null, arn, token);
  throw new Error('Invalid step parameter');
};
`;
  const ext = options.esm ? 'mjs' : 'js';
  if (!options.split) return [{ name: `index.${ext}`, data: `${db}${steps}` }];
  const head = options.esm ? "import { getConnection } from './db.mjs';\n" : "const { getConnection } = require('./db');\n";
  return [{ name: `index.${ext}`, data: `${head}${steps}` }, { name: `db.${ext}`, data: db }];
}
