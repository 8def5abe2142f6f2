/**
 * Lambda's LD_LIBRARY_PATH for its managed runtimes: the runtime's own
 * directories, then the function code (/var/task), then layers (/opt).
 */
export const LAMBDA_LIBRARY_PATH = ['/var/lang/lib', '/lib64', '/usr/lib64', '/var/runtime', '/var/runtime/lib', '/var/task', '/var/task/lib', '/opt/lib'] as const;

/** Python's import path in Lambda: function code before layers. */
const PYTHON_ROOTS = ['/var/task', '/opt/python'];

/** Which libpq the Lambda loader would pick, and why. */
export interface LoaderFacts {
  /** Directories searched for libpq.so.5, in order. */
  searchPath: string[];
  /** installPath of the libpq the function would load, or null. */
  loads: string | null;
  reason: string;
}

export interface PlacedLibrary {
  /** Where the file sits: /var/task/…, /opt/… */
  installPath: string;
  /** Other names that reach it, as install paths. */
  aliasPaths: string[];
  /** "static": libpq built into a driver's module, which then uses that copy. */
  linkage?: 'shared' | 'static';
  driver?: string;
}

/** PyGreSQL's modules (pg, pgdb) are one driver; other names must match. */
const sameDriver = (a: string, b: string) => a === b || (a.includes('PyGreSQL') && b.includes('PyGreSQL'));

const rootRank = (p: string) => { const i = PYTHON_ROOTS.findIndex((r) => p.startsWith(`${r}/`)); return i < 0 ? PYTHON_ROOTS.length : i; };
const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/'));
const nameOf = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/**
 * Which libpq the function loads. psycopg2 wheels link their own copy through
 * the extension's RUNPATH ($ORIGIN/../psycopg2_binary.libs); everything else
 * (PyGreSQL's _pg, psycopg2 built against a bundled libpq) asks the loader for
 * libpq.so.5, found in LD_LIBRARY_PATH order.
 */
export function whichLibpqLoads(libraries: readonly PlacedLibrary[], drivers: readonly string[]): LoaderFacts {
  const searchPath = [...LAMBDA_LIBRARY_PATH];
  if (libraries.length === 0) return { searchPath, loads: null, reason: 'no libpq in the function code or its layers' };
  // A driver with libpq built in uses that copy, whatever LD_LIBRARY_PATH says; Python finds /var/task before /opt/python.
  const builtIn = libraries.filter((l) => l.linkage === 'static' && l.driver && drivers.some((d) => sameDriver(d, l.driver!)));
  if (builtIn.length > 0) {
    const first = [...builtIn].sort((a, b) => rootRank(a.installPath) - rootRank(b.installPath))[0]!;
    const shared = libraries.filter((l) => l.linkage !== 'static').length;
    return {
      searchPath, loads: first.installPath,
      reason: `${first.driver}'s module ${first.installPath} has libpq built in and uses that copy, whatever LD_LIBRARY_PATH says${shared ? `; ${shared} libpq file(s) beside it are not used by ${first.driver}` : ''}`,
    };
  }
  if (drivers.includes('psycopg2')) {
    for (const root of PYTHON_ROOTS) {
      const own = libraries.find((l) => [l.installPath, ...l.aliasPaths].some((p) => p.startsWith(`${root}/psycopg2_binary.libs/`) || p.startsWith(`${root}/psycopg2/.libs/`)));
      if (own) {
        return { searchPath, loads: own.installPath, reason: `psycopg2 loads the libpq its wheel ships, through its extension's RUNPATH ($ORIGIN/../psycopg2_binary.libs); ${root} comes first on Python's path` };
      }
    }
  }
  for (const dir of searchPath) {
    const hit = libraries.find((l) => [l.installPath, ...l.aliasPaths].some((p) => dirOf(p) === dir && nameOf(p) === 'libpq.so.5'));
    if (hit) {
      const others = libraries.length - 1;
      return { searchPath, loads: hit.installPath, reason: `first libpq.so.5 on LD_LIBRARY_PATH is in ${dir}${others ? `; ${others} other libpq file(s) are not loaded` : ''}` };
    }
  }
  return { searchPath, loads: null, reason: 'no file named libpq.so.5 in a directory on LD_LIBRARY_PATH: which libpq loads depends on RUNPATHs this model does not follow, so the lowest version found is judged' };
}
