/**
 * What a rotation function's own source says: whether it is a Secrets
 * Manager rotation handler, which database driver it imports, and whether it
 * ever asks the database for TLS. Pure: source text in, facts out.
 */
export interface HandlerFacts {
  /** The handler's module inside the bundle. */
  path: string;
  /** Other modules of the bundle that were read with it (its local imports). */
  alsoRead: string[];
  language: 'python' | 'javascript';
  /** All four rotation steps appear: createSecret, setSecret, testSecret, finishSecret. */
  isRotationHandler: boolean;
  steps: string[];
  /** Database drivers imported, most specific first ("pgdb (PyGreSQL)", "psycopg2", …). */
  drivers: string[];
  /** Database engine the drivers point at, when they agree. */
  engine: 'postgresql' | 'mysql' | 'oracle' | 'sqlserver' | 'mongodb' | null;
  asksForTls: boolean;
  /** `file:line: code` for every line that asks for TLS. */
  tlsEvidence: string[];
  /** `file:line: code` for lines that connect without asking for TLS, or turn it off. */
  plainConnections: string[];
}

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

/** `hint`: a substring every match contains, tested before the regular expression. */
type DriverPattern = { re: RegExp; name: string; hint: string; engine: NonNullable<HandlerFacts['engine']> };
const PY_DRIVERS: readonly DriverPattern[] = [
  { re: /^[ \t]*(?:import\s+pgdb\b|from\s+pgdb\s+import\b)/m, name: 'pgdb (PyGreSQL)', hint: 'pgdb', engine: 'postgresql' },
  { re: /^[ \t]*(?:import\s+pg\b|from\s+pg\s+import\b)/m, name: 'pg (PyGreSQL)', hint: 'pg', engine: 'postgresql' },
  { re: /^[ \t]*(?:import\s+psycopg2\b|from\s+psycopg2(?:\.\w+)*\s+import\b)/m, name: 'psycopg2', hint: 'psycopg2', engine: 'postgresql' },
  { re: /^[ \t]*(?:import\s+psycopg\b|from\s+psycopg(?:\.\w+)*\s+import\b)/m, name: 'psycopg', hint: 'psycopg', engine: 'postgresql' },
  { re: /^[ \t]*(?:import\s+pg8000\b|from\s+pg8000(?:\.\w+)*\s+import\b)/m, name: 'pg8000', hint: 'pg8000', engine: 'postgresql' },
  { re: /^[ \t]*(?:import\s+asyncpg\b|from\s+asyncpg\s+import\b)/m, name: 'asyncpg', hint: 'asyncpg', engine: 'postgresql' },
  { re: /^[ \t]*(?:import\s+pymysql\b|from\s+pymysql\s+import\b)/m, name: 'pymysql', hint: 'pymysql', engine: 'mysql' },
  { re: /^[ \t]*(?:import\s+mysql\.connector\b|from\s+mysql\s+import\b)/m, name: 'mysql-connector', hint: 'mysql', engine: 'mysql' },
  { re: /^[ \t]*(?:import\s+(?:cx_Oracle|oracledb)\b|from\s+(?:cx_Oracle|oracledb)\s+import\b)/m, name: 'oracle', hint: 'racle', engine: 'oracle' },
  { re: /^[ \t]*(?:import\s+pymssql\b|from\s+pymssql\s+import\b)/m, name: 'pymssql', hint: 'pymssql', engine: 'sqlserver' },
  { re: /^[ \t]*(?:import\s+pymongo\b|from\s+pymongo\s+import\b)/m, name: 'pymongo', hint: 'pymongo', engine: 'mongodb' },
];
const JS_DRIVERS: readonly DriverPattern[] = [
  { re: /(?:require\(\s*|from\s+)['"](?:pg|pg-native|postgres)['"]/, name: 'node-postgres', hint: 'pg', engine: 'postgresql' },
  { re: /(?:require\(\s*|from\s+)['"]mysql2?(?:\/promise)?['"]/, name: 'mysql', hint: 'mysql', engine: 'mysql' },
];

/**
 * Lines longer than this are generated or minified code; only their start is
 * read, which keeps every pattern below linear in the size of the source.
 */
export const MAX_LINE_CHARS = 2000;

/** sslmode (keyword, dict key or connection string) set to a mode that requires TLS, anywhere after it on the line. */
const SSLMODE = /sslmode/i;
const SSLMODE_REQUIRES = /\b(?:require|verify-ca|verify-full)\b/i;
function asksSslmode(line: string): boolean {
  const at = line.search(SSLMODE);
  return at >= 0 && /^sslmode['"]?\s*[=:]/i.test(line.slice(at)) && SSLMODE_REQUIRES.test(line.slice(at));
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
const CONNECT = /\b(?:pgdb|pg|psycopg2|psycopg|pg8000|asyncpg|pymysql)\.connect\s*\(|\bnew\s+(?:Client|Pool)\s*\(/;

/** Python and JS comments out, strings kept (they carry sslmode values). */
function stripComments(line: string, language: HandlerFacts['language']): string {
  const marker = language === 'python' ? '#' : '//';
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || (language === 'javascript' && c === '`')) {
      quote = c;
    } else if (line.startsWith(marker, i)) {
      return line.slice(0, i);
    }
  }
  return line;
}

export interface SourceFile { path: string; text: string }

/** Whether any line of the call that opens on line `i` (up to its closing parenthesis, at most 30 lines) asks for TLS. */
function callAsksTls(asks: readonly boolean[], depth: readonly number[], i: number): boolean {
  let open = 0;
  for (let j = i; j < asks.length && j < i + 30; j++) {
    if (asks[j]) return true;
    open += depth[j]!;
    if (open <= 0) return false;
  }
  return false;
}

export function languageOf(path: string): HandlerFacts['language'] | null {
  if (path.endsWith('.py')) return 'python';
  if (/\.(?:m|c)?js$/.test(path)) return 'javascript';
  return null;
}

/** Facts from the handler module and the local modules read with it. */
export function handlerFacts(files: readonly SourceFile[]): HandlerFacts | null {
  const main = files[0];
  if (!main) return null;
  const language = languageOf(main.path) ?? 'python';
  const all = files.map((f) => f.text).join('\n');
  const steps = ROTATION_STEPS.filter((s) => all.includes(`'${s}'`) || all.includes(`"${s}"`) || all.includes(`\`${s}\``));
  const table = language === 'python' ? PY_DRIVERS : JS_DRIVERS;
  const found = table.filter((d) => all.includes(d.hint) && d.re.test(all));
  const engines = [...new Set(found.map((d) => d.engine))];
  const tlsEvidence: string[] = [];
  const plainConnections: string[] = [];
  for (const f of files) {
    const lines = f.text.split('\n').map((raw) => stripComments(raw.length > MAX_LINE_CHARS ? raw.slice(0, MAX_LINE_CHARS) : raw, language).trim());
    // Each line is tested once; a call's span then only looks the answers up.
    // Every TLS pattern (asking for it or turning it off) contains "ssl": most lines never reach a regular expression.
    const mentionsSsl = lines.map((line) => /ssl/i.test(line));
    const asks = lines.map((line, i) => mentionsSsl[i]! && TLS_ASKS.some((test) => test(line)));
    const depth = lines.map((line) => { let d = 0; for (const c of line) d += c === '(' ? 1 : c === ')' ? -1 : 0; return d; });
    lines.forEach((line, i) => {
      if (line === '') return;
      const where = `${f.path}:${i + 1}: ${line.length > 160 ? `${line.slice(0, 157)}...` : line}`;
      if (asks[i]) tlsEvidence.push(where);
      else if ((mentionsSsl[i] && TLS_OFF.test(line)) || (line.includes('(') && CONNECT.test(line) && !callAsksTls(asks, depth, i))) plainConnections.push(where);
    });
  }
  return {
    path: main.path,
    alsoRead: files.slice(1).map((f) => f.path),
    language,
    isRotationHandler: steps.length === ROTATION_STEPS.length,
    steps,
    drivers: found.map((d) => d.name),
    engine: engines.length === 1 ? engines[0]! : null,
    asksForTls: tlsEvidence.length > 0,
    tlsEvidence,
    plainConnections,
  };
}

/** Local modules a Python handler imports (`import x`, `from x import y`), as bundle paths. */
export function localImports(text: string, language: HandlerFacts['language']): string[] {
  if (language !== 'python') return [];
  const out = new Set<string>();
  for (const m of text.matchAll(/^[ \t]*(?:from\s+([\w.]+)\s+import\b|import\s+([\w.]+(?:\s*,\s*[\w.]+)*))/gm)) {
    const names = m[1] ? [m[1]] : (m[2] ?? '').split(',').map((s) => s.trim());
    for (const n of names) if (n && !n.startsWith('.')) out.add(`${n.replace(/\./g, '/')}.py`);
  }
  return [...out];
}
