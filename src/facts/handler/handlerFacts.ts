import { lexSource, type LexedSource } from './sourceLexer.js';
import { secretKeysRead, type SecretKeysRead } from './secretKeys.js';

/**
 * What a rotation function's own source says: whether it is a Secrets
 * Manager rotation handler, which database it rotates (the engine it names
 * and the driver it imports), and whether it ever asks the database for TLS.
 * Pure: source text in, facts out.
 */
export interface HandlerFacts {
  /** The handler's module inside the bundle. */
  path: string;
  /** Other modules of the bundle that were read with it (its local imports). */
  alsoRead: string[];
  /** java: a compiled handler class, read from its string constants (no line numbers). */
  language: 'python' | 'javascript' | 'java';
  /** All four rotation steps appear: createSecret, setSecret, testSecret, finishSecret. */
  isRotationHandler: boolean;
  steps: string[];
  /** Database drivers imported, most specific first ("pgdb (PyGreSQL)", "psycopg2", …). */
  drivers: string[];
  /** Each driver with its language, the engine it speaks to and the import line. */
  driverImports: DriverImport[];
  /**
   * The database engine: the one the handler compares the secret's `engine`
   * to (the official templates: `secret_dict['engine'] != 'postgres'`,
   * `supported_engines = ["postgres", "aurora-postgresql"]`), else the one its
   * drivers agree on; null when neither names one engine.
   */
  engine: Engine | null;
  /** `file:line: code` of the lines that name the engine (engine comparisons first, else driver imports). */
  engineEvidence: string[];
  asksForTls: boolean;
  /** `file:line: code` for every line that asks for TLS. */
  tlsEvidence: string[];
  /** `file:line: code` for lines that connect without asking for TLS, or turn it off. */
  plainConnections: string[];
  /** `file:line: code` for lines that set sslmode to disable or allow (also as the fallback of a line that asks). */
  turnsTlsOff: string[];
  /**
   * Lines found but not kept: each list above keeps its first MAX_EVIDENCE_LINES lines, so a handler of
   * 100,000 connect calls cannot make a report of megabytes. Present only when something was left out.
   */
  omitted?: { tlsEvidence?: number; plainConnections?: number; turnsTlsOff?: number };
  /** Python handlers: the keys read from the secret's JSON, with or without a default (secretKeys.ts). */
  secretKeys?: SecretKeysRead;
}

/** How many lines each evidence list of HandlerFacts keeps (the rest are counted in `omitted`). */
export const MAX_EVIDENCE_LINES = 50;

/** Database engines as rotation handlers name them; Aurora PostgreSQL is postgresql, Aurora MySQL mysql, DocumentDB mongodb. */
export type Engine = 'postgresql' | 'redshift' | 'mysql' | 'mariadb' | 'oracle' | 'sqlserver' | 'mongodb' | 'db2' | 'influxdb' | 'redis';

export interface DriverImport {
  name: string;
  language: HandlerFacts['language'];
  engine: Engine;
  /** `file:line: code` of the import. */
  evidence: string;
}

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

/** Python modules (the top-level name) of database drivers, in "most specific first" order. */
const PY_DRIVERS: ReadonlyArray<{ module: string; name: string; engine: Engine }> = [
  { module: 'pgdb', name: 'pgdb (PyGreSQL)', engine: 'postgresql' },
  { module: 'pg', name: 'pg (PyGreSQL)', engine: 'postgresql' },
  { module: 'psycopg2', name: 'psycopg2', engine: 'postgresql' },
  { module: 'psycopg', name: 'psycopg', engine: 'postgresql' },
  { module: 'pg8000', name: 'pg8000', engine: 'postgresql' },
  { module: 'asyncpg', name: 'asyncpg', engine: 'postgresql' },
  { module: 'pymysql', name: 'pymysql', engine: 'mysql' },
  { module: 'mysql', name: 'mysql-connector', engine: 'mysql' },
  { module: 'MySQLdb', name: 'mysqlclient', engine: 'mysql' },
  { module: 'oracledb', name: 'oracledb', engine: 'oracle' },
  { module: 'cx_Oracle', name: 'cx_Oracle', engine: 'oracle' },
  { module: 'pymssql', name: 'pymssql', engine: 'sqlserver' },
  { module: 'pymongo', name: 'pymongo', engine: 'mongodb' },
  { module: 'ibm_db', name: 'ibm_db', engine: 'db2' },
  { module: 'influxdb_client', name: 'influxdb-client', engine: 'influxdb' },
  { module: 'redis', name: 'redis', engine: 'redis' },
];
const JS_DRIVERS: ReadonlyArray<{ module: string; name: string; engine: Engine }> = [
  { module: 'pg', name: 'node-postgres', engine: 'postgresql' },
  { module: 'pg-native', name: 'node-postgres', engine: 'postgresql' },
  { module: 'postgres', name: 'postgres.js', engine: 'postgresql' },
  { module: 'mysql', name: 'mysql', engine: 'mysql' },
  { module: 'mysql2', name: 'mysql', engine: 'mysql' },
  { module: 'mongodb', name: 'mongodb', engine: 'mongodb' },
];

/** Engine names a handler compares the secret's `engine` with (Secrets Manager's and RDS's spellings). */
export function engineNamed(word: string): Engine | null {
  const w = word.toLowerCase();
  if (w === 'postgres' || w === 'postgresql' || w === 'aurora-postgresql') return 'postgresql';
  if (w === 'redshift' || w === 'redshift-serverless') return 'redshift';
  if (w === 'mysql' || w === 'aurora-mysql' || w === 'aurora') return 'mysql';
  if (w === 'mariadb') return 'mariadb';
  if (w === 'oracle' || w.startsWith('oracle-') || w === 'custom-oracle-ee') return 'oracle';
  if (w === 'sqlserver' || w.startsWith('sqlserver-') || w.startsWith('custom-sqlserver')) return 'sqlserver';
  if (w === 'mongo' || w === 'mongodb' || w === 'docdb' || w === 'documentdb') return 'mongodb';
  if (w.startsWith('db2')) return 'db2';
  if (w === 'timestream-influxdb' || w === 'influxdb') return 'influxdb';
  if (w === 'redis' || w === 'valkey') return 'redis';
  return null;
}

/** A line that compares the secret's engine (`['engine'] != 'x'`, `.get('engine') in [...]`, `.engine === 'x'`, `.startswith('db2')`), or lists supported engines. */
const ENGINE_KEY = /\[\s*['"]engine['"]\s*\]|\.get\(\s*['"]engine['"]|\.engine\b/;
const ENGINE_COMPARE = /[!=]==?|\bnot\s+in\b|\bin\b|\.startswith\(/;
const ENGINE_LIST = /\b\w*engines\w*\s*=\s*[[({]/i;
const QUOTED_WORD = /['"]([\w.-]{1,40})['"]/g;

/**
 * Lines longer than this are generated or minified code; only their start is
 * read, which keeps every pattern below linear in the size of the source.
 */
export const MAX_LINE_CHARS = 2000;
/** A connect call's arguments span at most this many lines (an unclosed call stops there). */
const MAX_CALL_LINES = 30;

/** sslmode (keyword, dict key or connection string) set to a mode that requires TLS, anywhere after it on the line. */
const SSLMODE = /sslmode/i;
const SSLMODE_REQUIRES = /\b(?:require|verify-ca|verify-full)\b/i;
export function asksSslmode(line: string): boolean {
  const at = line.search(SSLMODE);
  return at >= 0 && /^sslmode['"]?\s*[=:]/i.test(line.slice(at)) && SSLMODE_REQUIRES.test(line.slice(at));
}
/** sslmode set to disable or allow anywhere after it on the line: no TLS, or TLS only if the server insists. */
export function turnsSslmodeOff(line: string): boolean {
  const at = line.search(SSLMODE);
  return at >= 0 && /^sslmode['"]?\s*[=:]/i.test(line.slice(at)) && /\b(?:disable|allow)\b/i.test(line.slice(at));
}

/** Lines that ask the database for TLS. Each test is linear in the line. */
const TLS_ASKS: ReadonlyArray<(line: string) => boolean> = [
  asksSslmode, // sslmode='require', {'sslmode': 'verify-full'}, "host=h sslmode=require", conditional expressions
  (l) => /\bssl_context\s*=/.test(l), // pg8000
  (l) => /\bssl\s*=\s*(?!None\b|False\b|false\b)[\w({'"]/.test(l), // asyncpg, pymysql, node-postgres
  (l) => /\bssl\s*:\s*(?!false\b|null\b|undefined\b)[\w{'"]/.test(l), // node-postgres config objects
  (l) => /\bsslrootcert\b/.test(l),
  (l) => /\[\s*['"]ssl['"]\s*\]|\.get\(\s*['"]ssl['"]|['"]ssl['"]\s+in\s+\w+/.test(l), // the secret's "ssl" key
];
const TLS_OFF = /sslmode\s*[=:]\s*['"]?(?:disable|allow|prefer)['"]?\s*[,)\n]/i;
/** A call that opens a database connection; its string arguments (a DSN) are read for TLS words. */
export const CONNECT = /\b(?:pgdb|pg|psycopg2|psycopg|pg8000|asyncpg|pymysql)\.connect\s*\(|\bnew\s+(?:Client|Pool)\s*\(/g;

export interface SourceFile { path: string; text: string }

/** Languages whose source text is lexed (a Java handler is read from its compiled class instead). */
export type SourceLanguage = 'python' | 'javascript';

export function languageOf(path: string): SourceLanguage | null {
  if (path.endsWith('.py')) return 'python';
  if (/\.(?:m|c)?js$/.test(path)) return 'javascript';
  return null;
}

const cut = (line: string) => (line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line);

/** The top-level modules one import line names: `import a.b, c as d`, `from a.b import c`, `require('x')`, `from 'x'`. */
function importedModules(line: string, language: SourceLanguage): string[] {
  if (language === 'python') {
    const from = /^from\s+([\w.]+)\s+import\b/.exec(line);
    if (from) return [from[1]!.split('.')[0]!];
    const imp = /^import\s+(.+)$/.exec(line);
    if (!imp) return [];
    return imp[1]!.split(',').map((part) => part.trim().split(/\s+/)[0]!.split('.')[0]!).filter(Boolean);
  }
  const out: string[] = [];
  for (const m of line.matchAll(/(?:require\(\s*|\bfrom\s+|^import\s+)['"]([@\w./-]+)['"]/g)) out.push(m[1]!.split('/')[0]!);
  return out;
}

interface FileLines {
  path: string;
  /** Comments blanked, strings kept: what evidence lines show. */
  shown: string[];
  /** Comments blanked and the text of strings that are not values (prose, docstrings, DSNs outside a connect call) blanked. */
  code: string[];
  /** For each connect call: [first line, last line] of its arguments. */
  calls: Array<[number, number]>;
}

function linesOf(f: SourceFile, language: SourceLanguage): FileLines {
  const lexed: LexedSource = lexSource(f.text, language, CONNECT, MAX_CALL_LINES);
  return { path: f.path, shown: lexed.shown.split('\n').map((l) => cut(l).trim()), code: lexed.code.split('\n').map((l) => cut(l).trim()), calls: lexed.calls };
}

const where = (path: string, i: number, line: string) => `${path}:${i + 1}: ${line.length > 160 ? `${line.slice(0, 157)}...` : line}`;

/** Facts from the handler module and the local modules read with it. */
export function handlerFacts(files: readonly SourceFile[]): HandlerFacts | null {
  const main = files[0];
  if (!main) return null;
  const language = languageOf(main.path) ?? 'python';
  const read = files.map((f) => linesOf(f, language));
  const steps = ROTATION_STEPS.filter((s) => read.some((f) => f.code.some((l) => l.includes(`'${s}'`) || l.includes(`"${s}"`) || l.includes(`\`${s}\``))));
  const table = language === 'python' ? PY_DRIVERS : JS_DRIVERS;

  const driverImports: DriverImport[] = [];
  const engineLines: Array<{ engine: Engine; evidence: string }> = [];
  const tlsEvidence: string[] = [];
  const plainConnections: string[] = [];
  const turnsTlsOff: string[] = [];
  const omitted: NonNullable<HandlerFacts['omitted']> = {};
  const keep = (list: string[], field: keyof typeof omitted, line: string) => {
    if (list.length < MAX_EVIDENCE_LINES) list.push(line);
    else omitted[field] = (omitted[field] ?? 0) + 1;
  };
  for (const f of read) {
    // Each line is tested once; a call's span then only looks the answers up.
    // Every TLS pattern (asking for it or turning it off) contains "ssl": most lines never reach a regular expression.
    const mentionsSsl = f.code.map((line) => /ssl/i.test(line));
    const asks = f.code.map((line, i) => mentionsSsl[i]! && TLS_ASKS.some((test) => test(line)));
    const asksBefore = [0];
    for (const a of asks) asksBefore.push(asksBefore[asksBefore.length - 1]! + (a ? 1 : 0));
    const callAt = new Map<number, number>();
    for (const [first, last] of f.calls) if (!callAt.has(first) || callAt.get(first)! < last) callAt.set(first, last);

    f.code.forEach((line, i) => {
      if (line === '') return;
      const shown = where(f.path, i, f.shown[i]!);
      if (/^(?:import|from)\b/.test(line) || line.includes('require(')) {
        for (const m of importedModules(line, language)) {
          const d = table.find((x) => x.module === m);
          if (d && !driverImports.some((x) => x.name === d.name)) driverImports.push({ name: d.name, language, engine: d.engine, evidence: shown });
        }
      }
      if (/engine/i.test(line) && ((ENGINE_KEY.test(line) && ENGINE_COMPARE.test(line)) || ENGINE_LIST.test(line))) {
        for (const m of line.matchAll(QUOTED_WORD)) {
          const e = engineNamed(m[1]!);
          if (e && !engineLines.some((x) => x.engine === e && x.evidence === shown)) engineLines.push({ engine: e, evidence: shown });
        }
      }
      if (mentionsSsl[i] && turnsSslmodeOff(line)) keep(turnsTlsOff, 'turnsTlsOff', shown);
      if (asks[i]) keep(tlsEvidence, 'tlsEvidence', shown);
      else if (mentionsSsl[i] && TLS_OFF.test(line)) keep(plainConnections, 'plainConnections', shown);
      else {
        const last = callAt.get(i);
        if (last !== undefined && asksBefore[last + 1]! - asksBefore[i]! === 0) keep(plainConnections, 'plainConnections', shown);
      }
    });
  }
  driverImports.sort((a, b) => table.findIndex((d) => d.name === a.name) - table.findIndex((d) => d.name === b.name));

  const named = [...new Set(engineLines.map((e) => e.engine))];
  const byDriver = [...new Set(driverImports.map((d) => d.engine))];
  let engine: Engine | null = null;
  let engineEvidence: string[] = [];
  if (named.length > 0) {
    engine = named.length === 1 ? named[0]! : null;
    engineEvidence = [...new Set(engineLines.map((e) => e.evidence))];
  } else if (byDriver.length > 0) {
    engine = byDriver.length === 1 ? byDriver[0]! : null;
    engineEvidence = driverImports.map((d) => d.evidence);
  }
  return {
    path: main.path,
    alsoRead: files.slice(1).map((f) => f.path),
    language,
    isRotationHandler: steps.length === ROTATION_STEPS.length,
    steps,
    drivers: driverImports.map((d) => d.name),
    driverImports,
    engine,
    engineEvidence,
    asksForTls: tlsEvidence.length > 0,
    tlsEvidence,
    plainConnections,
    turnsTlsOff,
    ...(Object.keys(omitted).length > 0 ? { omitted } : {}),
    ...(language === 'python' ? { secretKeys: secretKeysRead(read.flatMap((f) => f.shown)) } : {}),
  };
}

/**
 * Local modules a handler imports, as bundle paths to try (the first that
 * exists is the module). Python: `import x`, `from x import y` → x.py.
 * JavaScript: `require('./x')`, `import … from './x.js'`, `import('./x')`
 * relative to the handler's folder `from` → x, x.js, x.mjs, x.cjs, x/index.js.
 */
export function localImports(text: string, language: SourceLanguage, from = ''): string[][] {
  const out = new Map<string, string[]>();
  if (language === 'python') {
    for (const m of text.matchAll(/^[ \t]*(?:from\s+([\w.]+)\s+import\b|import\s+([\w.]+(?:\s*,\s*[\w.]+)*))/gm)) {
      const names = m[1] ? [m[1]] : (m[2] ?? '').split(',').map((s) => s.trim());
      for (const n of names) if (n && !n.startsWith('.')) out.set(n, [`${n.replace(/\./g, '/')}.py`]);
    }
    return [...out.values()];
  }
  const dir = from.includes('/') ? from.slice(0, from.lastIndexOf('/')) : '';
  // One bounded pattern per import form; a specifier is at most 200 characters, so each match is linear.
  for (const m of text.matchAll(/(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s+|^\s*import\s+)['"](\.{1,2}\/[\w@./-]{1,200})['"]/gm)) {
    const spec = m[1]!;
    const joined = normalizeRelative(dir, spec);
    if (joined === null || out.has(joined)) continue;
    const bare = joined.replace(/\.(?:m|c)?js$/, '');
    out.set(joined, /\.(?:m|c)?js$/.test(joined) ? [joined] : [joined, `${bare}.js`, `${bare}.mjs`, `${bare}.cjs`, `${bare}/index.js`, `${bare}/index.mjs`]);
  }
  return [...out.values()];
}

/** dir + "./a/../b" → a bundle path; null when it climbs out of the bundle. */
function normalizeRelative(dir: string, spec: string): string | null {
  const parts = dir ? dir.split('/') : [];
  for (const p of spec.split('/')) {
    if (p === '.' || p === '') continue;
    if (p === '..') { if (parts.length === 0) return null; parts.pop(); } else parts.push(p);
  }
  return parts.join('/');
}
