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
