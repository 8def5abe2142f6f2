import { classFileStrings } from '../handler/classFile.js';

/**
 * PostgreSQL client drivers that are not libpq, and the files in which a
 * deployment bundle records which version of them it carries: npm's
 * package.json and lock files, Python's dist-info/egg-info metadata and
 * version modules, a JAR's pom.properties and MANIFEST, a Go executable's
 * build information, .NET's deps.json, a Ruby gem's specification. Pure:
 * paths in → which files to read; bytes in → facts. Reading is the caller's.
 */
export const DRIVER_LANGUAGES = ['javascript', 'python', 'java', 'go', 'dotnet', 'ruby'] as const;
export type DriverLanguage = (typeof DRIVER_LANGUAGES)[number];

/** Driver names, as the handler facts name the drivers a handler imports. */
export const DRIVER_NAMES = ['node-postgres', 'pg8000', 'asyncpg', 'psycopg', 'pgjdbc', 'lib/pq', 'pgx', 'pgconn', 'Npgsql', 'pg (Ruby)'] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];

export interface DriverFact {
  name: DriverName;
  /** As recorded ("7.8.2", "v1.10.9", "3.6.2+incompatible"); null when no record could be read. */
  version: string | null;
  /** The file and the field that hold the version (or that show the driver is there). */
  evidence: { path: string; field: string };
  language: DriverLanguage;
  /** Why the version is null. */
  reason?: string;
  /** The Go module path (pgx v3/v4/v5 differ only there). */
  module?: string;
  /** pgjdbc's classes merged into the function's own JAR or zip: upgrading means rebuilding the function. */
  fatJar?: boolean;
}

/** What a candidate file is, which decides how it is parsed. */
export type RecordKind =
  | 'npm-package' | 'npm-lock'
  | 'python-metadata' | 'python-version-module'
  | 'jar' | 'jar-pom-properties' | 'jdbc-classes'
  | 'go-executable'
  | 'deps-json' | 'npgsql-dll'
  | 'gemspec' | 'gem-version-rb';

export interface RecordCandidate { path: string; kind: RecordKind; name?: DriverName }

const PY_DIST: ReadonlyArray<{ re: RegExp; name: DriverName }> = [
  { re: /^pg8000$/i, name: 'pg8000' },
  { re: /^asyncpg$/i, name: 'asyncpg' },
  { re: /^psycopg(?:[_-](?:binary|c))?$/i, name: 'psycopg' },
];
/** Python modules' own version files: versioneer's JSON blob, `__version__ = 'X'`. */
const PY_VERSION_MODULES: ReadonlyArray<{ re: RegExp; name: DriverName }> = [
  { re: /(?:^|\/)pg8000\/_version\.py$/, name: 'pg8000' },
  { re: /(?:^|\/)asyncpg\/(?:_version|__init__)\.py$/, name: 'asyncpg' },
  { re: /(?:^|\/)psycopg\/version\.py$/, name: 'psycopg' },
];
const ONE_NODE_MODULES = /^(?:(?!node_modules\/).)*node_modules\/(?!.*node_modules\/)/;

/** Files worth reading for a driver's version, from the bundle's entry list alone (one pass, no reads). */
export function recordCandidates(entries: Iterable<{ readonly path: string; readonly type: string }>, goExecutables: ReadonlySet<string> = new Set()): RecordCandidate[] {
  const out: RecordCandidate[] = [];
  let jdbcClasses: string | null = null;
  const named = (p: string, base: string) => p === base || p.endsWith(`/${base}`);
  for (const e of entries) {
    if (e.type !== 'file') continue;
    const p = e.path;
    // Cheap tests on the name's last character and end first: most entries of a bundle are none of these.
    switch (p.charCodeAt(p.length - 1)) {
      case 0x6e: // n: package.json, package-lock.json, .package-lock.json, npm-shrinkwrap.json, *.deps.json
        if (named(p, 'package.json')) {
          // The handler's own node_modules/pg, not a copy nested inside another package.
          if (p.endsWith('node_modules/pg/package.json') && ONE_NODE_MODULES.test(p)) out.push({ path: p, kind: 'npm-package', name: 'node-postgres' });
        } else if (named(p, 'package-lock.json') || named(p, 'npm-shrinkwrap.json')) {
          if (!p.includes('node_modules/')) out.push({ path: p, kind: 'npm-lock', name: 'node-postgres' });
        } else if (p.endsWith('node_modules/.package-lock.json')) {
          out.push({ path: p, kind: 'npm-lock', name: 'node-postgres' });
        } else if (p.endsWith('.deps.json')) {
          out.push({ path: p, kind: 'deps-json', name: 'Npgsql' });
        }
        break;
      case 0x41: case 0x4f: case 0x6f: // A, O, o: …dist-info/METADATA, …egg-info/PKG-INFO, …egg-info
        if (p.endsWith('.dist-info/METADATA') || p.endsWith('.egg-info/PKG-INFO') || p.endsWith('.egg-info')) {
          const dist = /(?:^|\/)([A-Za-z0-9_.]+?)-[^/]*\.(?:dist-info\/METADATA|egg-info\/PKG-INFO|egg-info)$/.exec(p);
          const d = dist ? PY_DIST.find((x) => x.re.test(dist[1]!)) : undefined;
          if (d) out.push({ path: p, kind: 'python-metadata', name: d.name });
        }
        break;
      case 0x79: // y: pg8000/_version.py, asyncpg/_version.py, asyncpg/__init__.py, psycopg/version.py
        if (p.endsWith('version.py') || p.endsWith('/__init__.py')) {
          const m = PY_VERSION_MODULES.find((x) => x.re.test(p));
          if (m) out.push({ path: p, kind: 'python-version-module', name: m.name });
        }
        break;
      case 0x72: // r: *postgresql*.jar
        if (p.endsWith('.jar') && /postgresql|pgjdbc/i.test(p.slice(p.lastIndexOf('/') + 1))) out.push({ path: p, kind: 'jar', name: 'pgjdbc' });
        break;
      case 0x73: // s: pom.properties, Driver.class
        if (p.endsWith('META-INF/maven/org.postgresql/postgresql/pom.properties')) out.push({ path: p, kind: 'jar-pom-properties', name: 'pgjdbc' });
        else if (named(p, 'org/postgresql/Driver.class')) jdbcClasses ??= p;
        break;
      case 0x6c: // l: Npgsql.dll
        if (named(p, 'Npgsql.dll')) out.push({ path: p, kind: 'npgsql-dll', name: 'Npgsql' });
        break;
      case 0x63: // c: specifications/pg-X.gemspec
        if (p.endsWith('.gemspec') && /(?:^|\/)specifications\/pg-\d[^/]*\.gemspec$/.test(p)) out.push({ path: p, kind: 'gemspec', name: 'pg (Ruby)' });
        break;
      case 0x62: // b: gems/pg-X/lib/pg/version.rb
        if (p.endsWith('/lib/pg/version.rb') && /(?:^|\/)gems\/pg-\d[^/]*\/lib\/pg\/version\.rb$/.test(p)) out.push({ path: p, kind: 'gem-version-rb', name: 'pg (Ruby)' });
        break;
    }
    if (goExecutables.size > 0 && goExecutables.has(p)) out.push({ path: p, kind: 'go-executable' });
  }
  if (jdbcClasses) out.push({ path: jdbcClasses, kind: 'jdbc-classes', name: 'pgjdbc' });
  return out;
}

const LANGUAGE: Record<DriverName, DriverLanguage> = {
  'node-postgres': 'javascript', pg8000: 'python', asyncpg: 'python', psycopg: 'python', pgjdbc: 'java',
  'lib/pq': 'go', pgx: 'go', pgconn: 'go', Npgsql: 'dotnet', 'pg (Ruby)': 'ruby',
};
export const driverLanguage = (name: DriverName): DriverLanguage => LANGUAGE[name];

export function found(name: DriverName, path: string, field: string, version: string | null, reason?: string): DriverFact {
  const v = version?.trim() ?? '';
  const ok = /^v?\d+(?:\.\d+){0,3}(?:[-+.][\w.+-]*)?$/.test(v) && v.length <= 64;
  return {
    name, version: ok ? v : null, evidence: { path, field }, language: LANGUAGE[name],
    ...(ok ? {} : { reason: reason ?? (v ? `${field} is not a version` : `no ${field} in ${path}`) }),
  };
}

function jsonOf(text: string): unknown {
  try { return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text); } catch { return undefined; }
}
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** node_modules/pg/package.json `version`. */
export function npmPackageVersion(path: string, text: string): DriverFact {
  const j = jsonOf(text);
  if (!isObject(j)) return found('node-postgres', path, 'version', null, `${path} is not JSON`);
  if (j['name'] !== undefined && j['name'] !== 'pg') return found('node-postgres', path, 'name', null, `${path} names package ${JSON.stringify(j['name']).slice(0, 40)}, not pg`);
  return found('node-postgres', path, 'version', str(j['version']));
}

/** package-lock.json (v2/v3 `packages["node_modules/pg"].version`, v1 `dependencies.pg.version`); null when pg is not locked. */
export function npmLockVersion(path: string, text: string): DriverFact | null {
  const j = jsonOf(text);
  if (!isObject(j)) return null;
  const pkgs = j['packages'];
  if (isObject(pkgs) && isObject(pkgs['node_modules/pg'])) return found('node-postgres', path, 'packages["node_modules/pg"].version', str(pkgs['node_modules/pg']['version']));
  const deps = j['dependencies'];
  if (isObject(deps) && isObject(deps['pg'])) return found('node-postgres', path, 'dependencies.pg.version', str(deps['pg']['version']));
  return null;
}

/** `Version:` of a METADATA / PKG-INFO header (RFC 822 style, before the first blank line). */
export function pythonMetadataVersion(name: DriverName, path: string, text: string): DriverFact {
  const head = text.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const m = /^Version:[ \t]*(\S+)[ \t]*$/m.exec(head);
  return found(name, path, 'Version', m?.[1] ?? null);
}

/** `__version__ = 'X'` (asyncpg, psycopg) or versioneer's `"version": "X"` JSON blob (pg8000 ≤ 1.28). */
export function pythonModuleVersion(name: DriverName, path: string, text: string): DriverFact | null {
  const assigned = /^__version__\s*(?::\s*\w+\s*)?=\s*['"]([^'"\n]{1,64})['"]/m.exec(text);
  if (assigned) return found(name, path, '__version__', assigned[1]!);
  const versioneer = /^\s*"version":\s*"([^"\n]{1,64})"/m.exec(text);
  if (versioneer) return found(name, path, 'version_json "version"', versioneer[1]!);
  return null;
}

/** Java .properties / MANIFEST values (MANIFEST continuation lines start with one space). */
function manifestFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith(' ') && last) { fields.set(last, fields.get(last)! + line.slice(1)); continue; }
    const m = /^([\w.-]+)\s*[:=]\s*(.*)$/.exec(line);
    if (m) { last = m[1]!; if (!fields.has(last)) fields.set(last, m[2]!.trim()); } else last = null;
  }
  return fields;
}

export function pomPropertiesVersion(path: string, text: string): DriverFact {
  return found('pgjdbc', path, 'version', manifestFields(text).get('version') ?? null);
}

/** pgjdbc's MANIFEST: Bundle-Version, else Implementation-Version; null when the manifest is not pgjdbc's. */
export function jdbcManifestVersion(path: string, text: string): DriverFact | null {
  const f = manifestFields(text);
  const ours = /^org\.postgresql/.test(f.get('Bundle-SymbolicName') ?? '') || /PostgreSQL JDBC/i.test(f.get('Implementation-Title') ?? f.get('Bundle-Name') ?? '');
  if (!ours) return null;
  if (f.has('Bundle-Version')) return found('pgjdbc', path, 'Bundle-Version', f.get('Bundle-Version')!);
  return found('pgjdbc', path, 'Implementation-Version', f.get('Implementation-Version') ?? null);
}

/** `postgresql-42.2.5.jar`, `postgresql-9.4.1212.jre7.jar`. */
export function jarFileNameVersion(path: string): DriverFact | null {
  const m = /^postgresql-(\d+\.\d+\.\d+)(?:\.jre\d+)?\.jar$/i.exec(path.slice(path.lastIndexOf('/') + 1));
  return m ? found('pgjdbc', path, 'file name', m[1]!) : null;
}

/** `<app>.deps.json` `libraries["Npgsql/X"]`; null when Npgsql is not listed. */
export function depsJsonVersion(path: string, text: string): DriverFact | null {
  const j = jsonOf(text);
  const libs = isObject(j) ? j['libraries'] : undefined;
  if (!isObject(libs)) return null;
  const key = Object.keys(libs).find((k) => /^npgsql\/[^/]+$/i.test(k));
  return key ? found('Npgsql', path, `libraries["${key}"]`, key.slice(key.indexOf('/') + 1)) : null;
}

/** `specifications/pg-X.gemspec`: `s.version = "X"`, else the file name. */
export function gemspecVersion(path: string, text: string): DriverFact {
  const m = /\.version\s*=\s*["']([^"'\n]{1,64})["']/.exec(text);
  if (m) return found('pg (Ruby)', path, 's.version', m[1]!);
  const n = /pg-(\d[\w.]*?)(?:-[a-z][\w-]*)?\.gemspec$/.exec(path);
  return found('pg (Ruby)', path, 'file name', n?.[1] ?? null);
}

/** `gems/pg-X/lib/pg/version.rb`: `VERSION = 'X'`. */
export function gemVersionRb(path: string, text: string): DriverFact {
  return found('pg (Ruby)', path, 'VERSION', /\bVERSION\s*=\s*['"]([^'"\n]{1,64})['"]/.exec(text)?.[1] ?? null);
}

/** Go modules that are PostgreSQL drivers. */
const GO_MODULES: ReadonlyArray<{ re: RegExp; name: DriverName }> = [
  { re: /^github\.com\/lib\/pq$/, name: 'lib/pq' },
  { re: /^github\.com\/jackc\/pgx(?:\/v\d+)?$/, name: 'pgx' },
  { re: /^github\.com\/jackc\/pgconn$/, name: 'pgconn' },
];
const GO_BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
/** runtime/debug's sentinels around the module text (src/cmd/go/internal/modload/build.go: infoStart, infoEnd). */
const GO_INFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const GO_INFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');
const MAX_GO_MODINFO = 1024 * 1024;
const MAX_GO_SENTINEL_TRIES = 16;

/**
 * The module text a Go executable embeds (`go version -m` prints it): the
 * build-info magic says the file is a Go program with build information; the
 * module text sits between runtime/debug's sentinels, inline after the header
 * from Go 1.18 and in the data segment before. Null when there is none.
 */
export function goModuleInfo(bytes: Buffer): string | null {
  if (bytes.indexOf(GO_BUILDINFO_MAGIC) < 0) return null;
  // A real executable has one module text; a few candidates are tried, and the first end sentinel
  // after a start serves every start before it, so the search stays linear in the file.
  let end = -1;
  let tries = 0;
  for (let at = bytes.indexOf(GO_INFO_START); at >= 0 && tries < MAX_GO_SENTINEL_TRIES; at = bytes.indexOf(GO_INFO_START, at + 1)) {
    const start = at + GO_INFO_START.length;
    if (end < start) {
      end = bytes.indexOf(GO_INFO_END, start);
      if (end < 0) break;
    }
    if (end - start > MAX_GO_MODINFO) continue;
    tries++;
    const text = bytes.subarray(start, end).toString('utf8');
    if (/^path\t/m.test(text) || /^mod\t/m.test(text)) return text;
  }
  return '';
}

/** PostgreSQL drivers among a Go executable's `dep` lines (a `=>` line replaces the one before it). */
export function goDrivers(path: string, modinfo: string): DriverFact[] {
  const out: DriverFact[] = [];
  let last: { fact: DriverFact; module: string } | null = null;
  for (const line of modinfo.split('\n')) {
    const f = line.split('\t');
    if (f[0] === 'dep') {
      last = null;
      const module = f[1] ?? '';
      const d = GO_MODULES.find((x) => x.re.test(module));
      if (!d) continue;
      const fact = { ...found(d.name, path, `dep ${module}`, f[2] ?? null), module };
      out.push(fact);
      last = { fact, module };
    } else if (f[0] === '=>' && last) {
      const replaced = found(last.fact.name, path, `dep ${last.module} => ${f[1] ?? ''}`, f[2] ?? null,
        `${last.module} is replaced by ${(f[1] ?? '').slice(0, 80)} (a local copy has no version)`);
      out[out.indexOf(last.fact)] = { ...replaced, module: last.module };
      last = null;
    }
  }
  return out;
}

/**
 * pgjdbc's `org/postgresql/util/DriverInfo.class`: its constant pool keeps
 * DRIVER_FULL_NAME, "PostgreSQL JDBC Driver X", as a modified-UTF-8 constant
 * (tag 1, u2 length, bytes). Null when no such constant is there.
 */
export function jdbcClassVersion(path: string, bytes: Buffer): DriverFact | null {
  const full = classFileStrings(bytes)?.find((c) => /^PostgreSQL JDBC Driver \d/.test(c));
  return full ? found('pgjdbc', path, 'DRIVER_FULL_NAME', full.slice('PostgreSQL JDBC Driver '.length)) : null;
}
