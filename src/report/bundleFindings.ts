import { DEFAULT_MAX_BUNDLE_BYTES, DEFAULT_MAX_ENTRY_BYTES, basename, withReadBudget, type Bundle, type BundleEntry } from '../bundle/bundle.js';
import { MAX_MODULE_BYTES, MAX_MODULE_CANDIDATES, isLibpqName, locateLibpq, type DriverModule } from '../bundle/libpqLocator.js';
import { InspectError, describeError } from '../errors.js';
import { apiFloorEvidence } from '../evidence/apiFloorEvidence.js';
import { fileNameEvidence, runpathEvidence } from '../evidence/pathEvidence.js';
import { PQLIBVERSION, pqlibVersionEvidence } from '../evidence/pqlibVersionEvidence.js';
import { highestMajor, mergeVersionEvidence, type VersionEvidence } from '../evidence/versionEvidence.js';
import { MAX_STRING_BYTES, parseElf } from '../facts/elf/elfFacts.js';
import { OPENSSL_LIBRARY, opensslVersionString, tlsCapability } from '../facts/elf/tlsCapability.js';
import { classFileStrings } from '../facts/handler/classFile.js';
import { classHandlerFacts, javaHandlerClass } from '../facts/handler/classHandlerFacts.js';
import { handlerFacts, languageOf, localImports, type Engine, type HandlerFacts, type SourceFile } from '../facts/handler/handlerFacts.js';
import { whichLibpqLoads, type LoaderFacts } from '../facts/loader/lambdaLoader.js';
import { shapeProblem, type Shape } from '../outsideShape.js';
import type { LibraryReport, ReportError } from './report.js';
import { toReportError } from './reportError.js';
import { driverFindings } from './driverFindings.js';
import { DRIVER_LANGUAGES, DRIVER_NAMES, type DriverFact } from '../facts/drivers/driverRecords.js';

export { toReportError };

/** What one bundle (function code or a layer) contributes to a report. */
export interface BundleFindings {
  libraries: Array<LibraryReport & { highest: number }>;
  handler: HandlerFacts | null;
  handlerError?: string;
  /** PostgreSQL drivers other than libpq, with the version the bundle records (absent in findings cached by older versions). */
  drivers?: DriverFact[];
  errors: ReportError[];
  /**
   * Set when the bundle itself could not be read (download failed, budget
   * exceeded, not a zip): why. Its absence of libraries is then not evidence
   * of anything, and the checks that depend on it are unknown.
   */
  unread?: string;
}

export interface FindingsOptions {
  /** Lambda handler setting, e.g. "lambda_function.lambda_handler". */
  handler?: string | null;
  /** Look for a handler at all (layers: no). */
  findHandler?: boolean;
  maxEntryBytes?: number;
  /** Cap on what all the entries read from the bundle inflate to together (default DEFAULT_MAX_BUNDLE_BYTES). */
  maxBundleBytes?: number;
  /** Decorates each library (layer ARN, install path). */
  placeLibrary?: (path: string) => Pick<LibraryReport, 'layer' | 'installPath'>;
}

const MAX_HANDLER_BYTES = 1024 * 1024;
/** libpq files read in full per bundle: real bundles hold one to three; past it each is an unread library (unknown). */
export const MAX_LIBPQ_READ = 32;
/**
 * The largest libpq or driver module read in full, whatever --max-entry-bytes allows: real ones are 0.2–10 MB
 * (a static psycopg2 module with debug symbols included). Each is held whole while it is parsed, and a hostile
 * bundle of many 60 MiB "libpq" entries kept two or three of them alive at once, past the 256 MiB bound.
 */
export const MAX_LIBPQ_BYTES = 32 * 1024 * 1024;
/** Names (symlinks and identical copies) kept per library, and weighed as file-name evidence. */
export const MAX_ALIASES = 64;
/** Local modules read with the handler, and all handler source together. */
const MAX_LOCAL_IMPORTS = 20;
const MAX_HANDLER_TOTAL_BYTES = 4 * 1024 * 1024;
const MAX_HANDLER_CANDIDATES = 25;
/** Driver packages are not the handler's own code: their text must not count as the handler asking for TLS. */
const DRIVER_MODULES = new Set(['pgdb', 'pg', 'psycopg2', 'psycopg', 'pg8000', 'asyncpg', 'pymysql', 'boto3', 'botocore', 'json', 'logging', 'os', 'ssl']);

function emptyLibrary(path: string, size: number): LibraryReport & { highest: number } {
  return {
    path, aliases: [], size, machine: null, class: null, endianness: null, soname: null, runpath: null, rpath: null,
    needed: [], exportedFunctions: 0, highest: Infinity,
    version: { value: null, major: null, exact: false, atLeast: null, evidence: [], conflicts: [] },
  };
}

const STRINGS = { array: 'string' } as const;
const NULLABLE_STRINGS = { nullable: STRINGS } as const;
const INT_OR_NULL = { nullable: 'integer' } as const;
const EVIDENCE_SOURCES = ['PQlibVersion', 'RUNPATH', 'RPATH', 'exported-api', 'file-name'] as const;
const LANGUAGES = { oneOf: ['python', 'javascript', 'java'] } as const;
// An engine this build does not know makes the entry a miss (read again), never a verdict on a guess.
const ENGINES = { oneOf: ['postgresql', 'redshift', 'mysql', 'mariadb', 'oracle', 'sqlserver', 'mongodb', 'db2', 'influxdb', 'redis'] satisfies readonly Engine[] } as const;

/** BundleFindings as JSON holds them: what a cache entry must look like, field by field. */
const FINDINGS_SHAPE: Shape = {
  object: {
    libraries: {
      array: {
        object: {
          path: 'string', aliases: STRINGS, layer: 'string', installPath: 'string', size: 'integer',
          machine: { nullable: 'string' }, class: { nullable: 'integer' }, endianness: { nullable: { oneOf: ['little', 'big'] } },
          soname: { nullable: 'string' }, runpath: NULLABLE_STRINGS, rpath: NULLABLE_STRINGS, needed: STRINGS, exportedFunctions: 'integer',
          version: {
            object: {
              value: { nullable: 'string' }, major: INT_OR_NULL, exact: 'boolean', atLeast: INT_OR_NULL, conflicts: STRINGS,
              evidence: { array: { object: { source: { oneOf: EVIDENCE_SOURCES }, value: 'string', detail: 'string' } } },
            },
          },
          // JSON turns an unbounded Infinity into null
          highest: { nullable: 'integer' },
          tls: {
            object: {
              capable: { nullable: 'boolean' }, evidence: 'string',
              openssl: { object: { path: 'string', version: { nullable: 'string' } } },
            },
            optional: ['openssl'],
          },
          linkage: { oneOf: ['shared', 'static'] }, driver: 'string',
          warnings: STRINGS, error: 'string', errorCode: 'string',
        },
        optional: ['layer', 'installPath', 'tls', 'linkage', 'driver', 'warnings', 'error', 'errorCode'],
      },
    },
    handler: {
      nullable: {
        object: {
          path: 'string', alsoRead: STRINGS, language: LANGUAGES, isRotationHandler: 'boolean', steps: STRINGS,
          drivers: STRINGS, driverImports: { array: { object: { name: 'string', language: LANGUAGES, engine: ENGINES, evidence: 'string' } } },
          engine: { nullable: ENGINES }, engineEvidence: STRINGS,
          asksForTls: 'boolean', tlsEvidence: STRINGS, plainConnections: STRINGS, turnsTlsOff: STRINGS,
          omitted: {
            object: { tlsEvidence: 'number', plainConnections: 'number', turnsTlsOff: 'number' },
            optional: ['tlsEvidence', 'plainConnections', 'turnsTlsOff'],
          },
        },
        optional: ['omitted'],
      },
    },
    handlerError: 'string',
    drivers: {
      array: {
        object: {
          name: { oneOf: DRIVER_NAMES }, version: { nullable: 'string' }, evidence: { object: { path: 'string', field: 'string' } },
          language: { oneOf: DRIVER_LANGUAGES }, reason: 'string', module: 'string', fatJar: 'boolean',
        },
        optional: ['reason', 'module', 'fatJar'],
      },
    },
    errors: { array: { object: { path: 'string', code: 'string', message: 'string' }, optional: ['path'] } },
  },
  optional: ['handlerError', 'drivers'],
};

/**
 * Findings read back from the cache, checked field by field; undefined
 * (a miss, so the bundle is read again) when anything differs. An unread
 * bundle is never cached, so an entry that claims one is refused too.
 */
export function cachedFindings(value: unknown): BundleFindings | undefined {
  if (shapeProblem(value, FINDINGS_SHAPE) !== null) return undefined;
  const f = value as BundleFindings & { unread?: unknown };
  if (f.unread !== undefined) return undefined;
  for (const l of f.libraries) if ((l.highest as number | null) === null) l.highest = Infinity;
  return f;
}

/** The findings of a bundle that could not be read at all: nothing in it is known. */
export function unreadFindings(why: string, isFunctionCode: boolean): BundleFindings {
  return { libraries: [], handler: null, ...(isFunctionCode ? { handlerError: `the function code could not be read: ${why}` } : {}), errors: [], unread: why };
}

/** Reads the libpq files and the handler of one bundle into facts and evidence. */
export async function bundleFindings(whole: Bundle, options: FindingsOptions = {}): Promise<BundleFindings> {
  const maxBytes = options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  // Every read below (symlink targets, libraries, modules, OpenSSL, handler source) counts against one budget.
  const bundle = withReadBudget(whole, options.maxBundleBytes ?? DEFAULT_MAX_BUNDLE_BYTES);
  const stringBudget = { left: MAX_STRING_BYTES };
  let libpqRead = 0;
  const errors: ReportError[] = [];
  const located = await locateLibpq(bundle);
  for (const b of located.broken) errors.push(b);

  const libraries: BundleFindings['libraries'] = [];
  const opensslSeen = new Map<string, Promise<string | null>>();
  const readLibrary = async (entry: BundleEntry, allAliases: string[], module?: DriverModule): Promise<void> => {
    // Real libraries have two or three names; a hostile bundle can give one 100,000 (each a file-name clue to weigh).
    const aliases = allAliases.slice(0, MAX_ALIASES);
    const aliasNote = allAliases.length > MAX_ALIASES ? [`${MAX_ALIASES.toLocaleString('en-US')} of ${allAliases.length.toLocaleString('en-US')} names of this file kept`] : [];
    const lib: BundleFindings['libraries'][number] = { ...emptyLibrary(entry.path, entry.size), aliases, ...options.placeLibrary?.(entry.path), ...(aliasNote.length ? { warnings: aliasNote } : {}) };
    try {
      if (!module && ++libpqRead > MAX_LIBPQ_READ) {
        throw new InspectError('too-many-libpq', `${entry.path}: not read: the bundle holds ${located.libraries.length} libpq files and at most ${MAX_LIBPQ_READ} are read in full`, { path: entry.path });
      }
      const bytes = await bundle.read(entry, Math.min(maxBytes, MAX_LIBPQ_BYTES));
      const elf = parseElf(bytes, entry.path, { codeOf: [PQLIBVERSION], stringBudget });
      // A driver module is a libpq only when it defines libpq's API itself (libpq linked in).
      if (module && !definesLibpqApi(elf)) return;
      const evidence: VersionEvidence[] = [
        ...pqlibVersionEvidence(elf),
        ...runpathEvidence(elf),
        ...apiFloorEvidence(elf),
        ...(module ? [] : dedupeByValue([entry.path, ...aliases].flatMap(fileNameEvidence))),
      ];
      const version = mergeVersionEvidence(evidence);
      Object.assign(lib, {
        machine: elf.machine, class: elf.class, endianness: elf.endianness, soname: elf.soname, runpath: elf.runpath,
        rpath: elf.rpath, needed: elf.needed, exportedFunctions: elf.exports.filter((s) => s.type === 'func').length,
        version, highest: highestMajor(version, evidence),
        tls: tlsCapability(elf),
        // A bare ELF target that is not a libpq file but defines its API (a driver module given alone) has it built in.
        linkage: module || (bundle.kind === 'elf' && !isLibpqName(entry.path) && !elf.soname?.startsWith('libpq') && definesLibpqApi(elf)) ? 'static' : 'shared',
        ...(module?.driver ? { driver: module.driver } : {}),
        ...(elf.warnings.length + aliasNote.length ? { warnings: [...aliasNote, ...elf.warnings] } : {}),
      });
      await addOpensslVersion(bundle, lib, opensslSeen);
    } catch (e) {
      // A module that is not an ELF file is not a libpq; one that cannot be read might be, and says so.
      if (module && e instanceof InspectError && e.code === 'not-elf') return;
      const err = toReportError(e, entry.path);
      errors.push(err);
      lib.error = err.message;
      lib.errorCode = err.code;
      if (module) lib.linkage = 'static';
    }
    libraries.push(lib);
  };
  for (const { entry, aliases } of located.libraries) await readLibrary(entry, aliases);
  for (const m of located.modules) await readLibrary(m.entry, [], m);
  for (const e of located.overBudget) {
    errors.push({ path: e.path, code: 'candidate-not-read', message: `${e.path}: not read for a built-in libpq (more than ${MAX_MODULE_CANDIDATES} candidate modules or ${MAX_MODULE_BYTES} bytes of them in this bundle)` });
  }

  // Go programs: a custom runtime's bootstrap, or the go1.x handler's executable.
  const executables = bundle.kind === 'elf' ? [] : bundle.entries.filter((e) => basename(e.path) === 'bootstrap' || (options.handler && e.path === options.handler)).map((e) => e.path);
  const drivers = await driverFindings(bundle, executables, maxBytes);
  errors.push(...drivers.errors);

  let handler: HandlerFacts | null = null;
  let handlerError: string | undefined;
  if (options.findHandler !== false) {
    try {
      handler = await readHandler(bundle, options.handler ?? null, maxBytes);
      if (!handler) handlerError = options.handler ? `handler module for "${options.handler}" not found in the bundle` : 'no handler source in the bundle';
    } catch (e) {
      const err = toReportError(e);
      errors.push(err);
      handlerError = err.message;
    }
  }
  return { libraries, handler, ...(handlerError ? { handlerError } : {}), drivers: drivers.drivers, errors };
}

/**
 * Which libpq the function loads, from the findings of its code and layers.
 * Each readable library sits at its installPath; its aliases sit beside it,
 * under the same root (/var/task or /opt).
 */
export function loaderFacts(findings: readonly BundleFindings[]): LoaderFacts {
  const placed = findings.flatMap((f) => f.libraries).filter((l) => !l.error && l.installPath).map((l) => {
    const root = l.installPath!.slice(0, l.installPath!.length - l.path.length);
    return { installPath: l.installPath!, aliasPaths: l.aliases.map((a) => `${root}${a}`), ...(l.linkage ? { linkage: l.linkage } : {}), ...(l.driver ? { driver: l.driver } : {}) };
  });
  return whichLibpqLoads(placed, findings[0]?.handler?.drivers ?? []);
}

/** OpenSSL's libraries are read only for their version text, and only this much of each. */
const MAX_OPENSSL_BYTES = 8 * 1024 * 1024;

/**
 * Where the bundle ships the OpenSSL library a libpq needs (beside it, in
 * lib/, or anywhere else under that name), its version string.
 */
async function addOpensslVersion(bundle: Bundle, lib: LibraryReport, seen: Map<string, Promise<string | null>>): Promise<void> {
  if (!lib.tls?.capable) return;
  const dir = lib.path.includes('/') ? lib.path.slice(0, lib.path.lastIndexOf('/') + 1) : '';
  for (const name of lib.needed.filter((n) => OPENSSL_LIBRARY.test(n)).sort((a, b) => Number(b.startsWith('libcrypto')) - Number(a.startsWith('libcrypto')))) {
    const files = bundle.entries.filter((e) => e.type === 'file' && basename(e.path) === name);
    const entry = files.find((e) => e.path === `${dir}${name}`) ?? files.find((e) => e.path === `lib/${name}`) ?? files[0];
    if (!entry) continue;
    let version = seen.get(entry.path);
    if (!version) {
      version = entry.size > MAX_OPENSSL_BYTES ? Promise.resolve(null) : bundle.read(entry, MAX_OPENSSL_BYTES).then(opensslVersionString, () => null);
      seen.set(entry.path, version);
    }
    lib.tls = { ...lib.tls, openssl: { path: entry.path, version: await version } };
    if (lib.tls.openssl!.version) return;
  }
}

/** libpq's connection API, defined (not merely imported): the file has libpq in it. */
const LIBPQ_API = ['PQconnectdb', 'PQconnectdbParams', 'PQsetdbLogin', 'PQconnectStart'];
function definesLibpqApi(elf: { exports: ReadonlyArray<{ name: string; type: string }> }): boolean {
  return elf.exports.some((s) => (s.type === 'func' || s.type === 'ifunc') && LIBPQ_API.includes(s.name));
}

function dedupeByValue(items: VersionEvidence[]): VersionEvidence[] {
  const seen = new Set<string>();
  return items.filter((e) => !seen.has(e.value) && (seen.add(e.value), true));
}

/**
 * A Java handler: the class the handler setting names (`com.example.Rotation::handleRequest`
 * → com/example/Rotation.class at the bundle root), or offline a class named like a
 * handler (…Rotation…, …Handler…, …Lambda…) whose constants hold `createSecret`.
 */
async function readJavaHandler(bundle: Bundle, files: ReadonlyMap<string, BundleEntry>, handler: string | null): Promise<HandlerFacts | null> {
  const named = handler ? javaHandlerClass(handler) : null;
  const candidates = named
    ? [files.get(named)].filter((e): e is BundleEntry => e !== undefined)
    : handler ? [] : [...files.values()].filter((e) => e.path.endsWith('.class') && /rotat|handler|lambda/i.test(basename(e.path)) && !/^(?:org\/postgresql|com\/amazonaws|software\/amazon)\//.test(e.path)).slice(0, MAX_HANDLER_CANDIDATES);
  for (const e of candidates) {
    if (e.size > MAX_HANDLER_BYTES) continue;
    const constants = classFileStrings(await bundle.read(e, MAX_HANDLER_BYTES));
    if (constants && (named || constants.includes('createSecret'))) return classHandlerFacts(e.path, constants);
  }
  return null;
}

/** "lambda_function.lambda_handler" → lambda_function.py / .js / .mjs / .cjs */
export function handlerModuleCandidates(handler: string): string[] {
  const dot = handler.lastIndexOf('.');
  const module = dot > 0 ? handler.slice(0, dot) : handler;
  // Python handlers name a dotted module; Node handlers a file path.
  const pythonPath = module.replace(/\./g, '/');
  return [...new Set([`${pythonPath}.py`, `${module}.js`, `${module}.mjs`, `${module}.cjs`])];
}

async function readText(bundle: Bundle, entry: BundleEntry, maxBytes: number): Promise<string> {
  return (await bundle.read(entry, Math.min(maxBytes, MAX_HANDLER_BYTES))).toString('utf8');
}

async function readHandler(bundle: Bundle, handler: string | null, maxBytes: number): Promise<HandlerFacts | null> {
  const files = new Map(bundle.entries.filter((e) => e.type === 'file').map((e) => [e.path, e]));
  let main: SourceFile | undefined;
  if (handler) {
    for (const p of handlerModuleCandidates(handler)) {
      const e = files.get(p);
      if (e) { main = { path: p, text: await readText(bundle, e, maxBytes) }; break; }
    }
  } else {
    // No handler setting (offline): AWS's file name first, then any top-level
    // module that looks like a rotation handler.
    const named = files.get('lambda_function.py');
    const rest = [...files.values()]
      .filter((e) => !e.path.includes('/') && languageOf(e.path) && e.path !== 'lambda_function.py' && !DRIVER_MODULES.has(basename(e.path).replace(/\.\w+$/, '')))
      .slice(0, MAX_HANDLER_CANDIDATES);
    for (const e of named ? [named, ...rest] : rest) {
      const text = await readText(bundle, e, maxBytes);
      if (e === named || /\bcreateSecret\b/.test(text) || /def\s+lambda_handler\s*\(/.test(text) || /exports\.handler\b|export\s+(?:const|async function)\s+handler\b/.test(text)) {
        main = { path: e.path, text };
        break;
      }
    }
  }
  if (!main) return readJavaHandler(bundle, files, handler);
  const sources: SourceFile[] = [main];
  const language = languageOf(main.path) ?? 'python';
  let total = main.text.length;
  for (const candidates of localImports(main.text, language, main.path)) {
    const p = candidates.find((c) => files.has(c) && c !== main!.path && !sources.some((s) => s.path === c));
    const e = p === undefined ? undefined : files.get(p);
    if (!e || !p || DRIVER_MODULES.has(p.replace(/\.py$/, '').split('/')[0]!)) continue;
    // A handler's own helpers are a few small modules; stop well before a hostile bundle could matter.
    if (sources.length > MAX_LOCAL_IMPORTS || total + e.size > MAX_HANDLER_TOTAL_BYTES) break;
    const text = await readText(bundle, e, maxBytes);
    total += text.length;
    sources.push({ path: p, text });
  }
  return handlerFacts(sources);
}
