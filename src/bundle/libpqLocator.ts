import { basename, dirname, normalizeEntryPath, type Bundle, type BundleEntry } from './bundle.js';

/**
 * libpq.so, libpq.so.5, libpq.so.5.15, auditwheel's copies in psycopg2_binary.libs/ and
 * psycopg_binary.libs/ (libpq-ab12cd34.so.5.15), and the Ruby pg binary gem's own
 * ports/<platform>/lib/libpq-ruby-pg.so.1 (pg ≥ 1.6.0).
 */
export const LIBPQ_FILE_NAME = /^libpq(?:-[0-9a-zA-Z]{6,}|-ruby-pg)?\.so(?:\.\d+)*$/;

export function isLibpqName(path: string): boolean {
  return LIBPQ_FILE_NAME.test(basename(path));
}

/** One libpq file and every name that reaches it. */
export interface LocatedLibpq {
  entry: BundleEntry;
  /** Symlinks that resolve to it and identical copies, sorted. */
  aliases: string[];
}

/**
 * A driver's compiled module that may have libpq built in (psycopg2's
 * _psycopg.cpython-3X-….so, PyGreSQL's _pg, psycopg's C module, pg-native's
 * addon, Ruby pg's pg_ext): a libpq for the checks when it defines libpq's API.
 */
export interface DriverModule {
  entry: BundleEntry;
  /** Named as the handler facts name drivers; null for a PostgreSQL-named ELF file of no known driver. */
  driver: string | null;
  language: 'python' | 'javascript' | 'ruby' | null;
}

export interface LibpqLocation {
  libraries: LocatedLibpq[];
  /** Candidate driver modules, to be read for a static libpq (only their dynamic symbols matter). */
  modules: DriverModule[];
  /** Candidates left unread because the budget below was spent (reported, never dropped silently). */
  overBudget: BundleEntry[];
  /** Symlinks that lead nowhere, loop, or leave the bundle. */
  broken: Array<{ path: string; code: string; message: string }>;
}

/** ELF file names: shared objects and Node addons. */
const ELF_NAME = /\.(?:so(?:\.\d+)*|node)$/;
const DRIVER_MODULES: ReadonlyArray<{ re: RegExp; driver: string; language: DriverModule['language'] }> = [
  // psycopg2/…, and the prebuilt packages' own folder names (psycopg2-3.9/_psycopg.cpython-39-….so)
  { re: /(?:^|\/)psycopg2\/[^/]+$|(?:^|\/)_psycopg\.[^/]*$/, driver: 'psycopg2', language: 'python' },
  { re: /(?:^|\/)psycopg_(?:c|binary)\/(?:[^/]+\/)*[^/]+$/, driver: 'psycopg', language: 'python' },
  { re: /(?:^|\/)_pg\.[^/]*$/, driver: 'pg (PyGreSQL)', language: 'python' },
  { re: /(?:^|\/)node_modules\/libpq\/(?:[^/]+\/)*[^/]+\.node$/, driver: 'node-postgres', language: 'javascript' },
  { re: /(?:^|\/)pg_ext\.so$/, driver: 'pg (Ruby)', language: 'ruby' },
];
/** Other ELF files whose path names PostgreSQL are candidates too, without a known driver. */
const POSTGRES_WORDS = /psycopg|postgres|libpq|pgdb|(?:^|[/_-])pg(?:[._/-]|$)/i;
/** At most this many candidate modules, and this many declared bytes of them, per bundle. */
export const MAX_MODULE_CANDIDATES = 32;
export const MAX_MODULE_BYTES = 64 * 1024 * 1024;

const MAX_LINK_DEPTH = 8;
const MAX_LINK_BYTES = 4096;

/**
 * Finds every libpq in a bundle, following symlink entries to the files they
 * name so that no library is reported twice. Only symlink entries are read.
 */
export async function locateLibpq(bundle: Bundle): Promise<LibpqLocation> {
  const byPath = new Map(bundle.entries.map((e) => [e.path, e]));
  const targets = new Map<string, string>();
  const broken: LibpqLocation['broken'] = [];

  const resolve = async (start: BundleEntry): Promise<BundleEntry | null> => {
    let cur = start;
    const seen = new Set<string>();
    for (let depth = 0; cur.type === 'symlink'; depth++) {
      if (depth >= MAX_LINK_DEPTH || seen.has(cur.path)) {
        broken.push({ path: start.path, code: 'symlink-loop', message: `${start.path}: symlink chain loops or is deeper than ${MAX_LINK_DEPTH}` });
        return null;
      }
      seen.add(cur.path);
      let target = targets.get(cur.path);
      if (target === undefined) {
        try {
          target = (await bundle.read(cur, MAX_LINK_BYTES)).toString('utf8');
        } catch (e) {
          broken.push({ path: start.path, code: 'unreadable-symlink', message: `${cur.path}: symlink target cannot be read (${(e as Error).message})` });
          return null;
        }
        targets.set(cur.path, target);
      }
      if (target.startsWith('/')) {
        broken.push({ path: start.path, code: 'absolute-symlink', message: `${start.path}: symlink points outside the bundle (${target})` });
        return null;
      }
      const dir = dirname(cur.path);
      const joined = dir === '' ? target : `${dir}/${target}`;
      const climbs = joined.split('/').reduce((d, p) => (d < 0 ? d : p === '..' ? d - 1 : p === '.' || p === '' ? d : d + 1), 0);
      const resolved = normalizeEntryPath(joined);
      const next = byPath.get(resolved);
      if (climbs < 0 || !next) {
        broken.push({ path: start.path, code: 'dangling-symlink', message: `${start.path}: symlink points to ${target}, which is not in the bundle` });
        return null;
      }
      cur = next;
    }
    return cur.type === 'file' ? cur : null;
  };

  // Aliases gather in sets: a bundle of 100,000 links to one file stays linear.
  const groups = new Map<string, { entry: BundleEntry; aliases: Set<string> }>();
  const contentKey = (e: BundleEntry) => (e.crc32 !== undefined ? `${e.size}:${e.crc32}` : `path:${e.path}`);
  const keyOfFile = new Map<string, string>();
  const add = (file: BundleEntry, alias?: string) => {
    const key = keyOfFile.get(file.path) ?? contentKey(file);
    keyOfFile.set(file.path, key);
    let g = groups.get(key);
    if (!g) { g = { entry: file, aliases: new Set() }; groups.set(key, g); }
    else if (g.entry.path !== file.path) g.aliases.add(file.path);
    if (alias && alias !== g.entry.path) g.aliases.add(alias);
  };

  // Real files first, so a library is named by its file, not by a link to it.
  // A bare ELF file given as the target is the library, whatever its name.
  const candidates = bundle.kind === 'elf' ? bundle.entries : bundle.entries.filter((e) => e.type !== 'directory' && isLibpqName(e.path));
  for (const e of candidates.filter((c) => c.type === 'file')) add(e);
  for (const e of candidates.filter((c) => c.type === 'symlink')) {
    const file = await resolve(e);
    if (file) add(file, e.path);
  }
  const libraries = [...groups.values()].map((g) => ({ entry: g.entry, aliases: [...g.aliases].sort() }));
  libraries.sort((a, b) => a.entry.path.localeCompare(b.entry.path));

  // Driver modules that may carry a static libpq: known drivers first, then other PostgreSQL-named ELF files.
  const modules: DriverModule[] = [];
  const overBudget: BundleEntry[] = [];
  if (bundle.kind !== 'elf') {
    const known: DriverModule[] = [];
    const other: DriverModule[] = [];
    for (const e of bundle.entries) {
      if (e.type !== 'file' || isLibpqName(e.path) || !ELF_NAME.test(e.path)) continue;
      const d = DRIVER_MODULES.find((x) => x.re.test(e.path));
      if (d) known.push({ entry: e, driver: d.driver, language: d.language });
      else if (POSTGRES_WORDS.test(e.path)) other.push({ entry: e, driver: null, language: null });
    }
    let bytes = 0;
    for (const m of [...known, ...other]) {
      if (modules.length >= MAX_MODULE_CANDIDATES || bytes + m.entry.size > MAX_MODULE_BYTES) { overBudget.push(m.entry); continue; }
      bytes += m.entry.size;
      modules.push(m);
    }
  }
  return { libraries, modules, overBudget, broken };
}
