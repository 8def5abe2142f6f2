import { basename, dirname, type Bundle, type BundleEntry } from '../bundle/bundle.js';
import { openZipBundle } from '../bundle/zipBundle.js';
import { bufferSource } from '../source/byteSource.js';
import {
  depsJsonVersion, found, gemVersionRb, gemspecVersion, goDrivers, goModuleInfo, jarFileNameVersion, jdbcClassVersion, jdbcManifestVersion,
  npmLockVersion, npmPackageVersion, pomPropertiesVersion, pythonMetadataVersion, pythonModuleVersion, recordCandidates,
  type DriverFact, type RecordCandidate,
} from '../facts/drivers/driverRecords.js';
import type { SemverApi } from '../checks/driverRules.js';
import type { ReportError } from './report.js';
import { toReportError } from './reportError.js';

/** Loads `semver` only when a bundle carries a driver of its own: libpq-only inspections never load it. */
export async function loadSemver(drivers: readonly DriverFact[]): Promise<SemverApi | undefined> {
  if (drivers.length === 0) return undefined;
  const m = (await import('semver')) as SemverApi & { default?: SemverApi };
  return m.default ?? m;
}

/** A version record is a small text file; more than this is not one. */
export const MAX_RECORD_BYTES = 1024 * 1024;
/** A pgjdbc JAR is about 1 MB; a nested JAR is read whole, up to this. */
export const MAX_JAR_BYTES = 32 * 1024 * 1024;
/** Candidate files read per bundle. */
export const MAX_RECORD_CANDIDATES = 64;

export interface DriverFindings { drivers: DriverFact[]; errors: ReportError[] }

/**
 * Which PostgreSQL drivers a bundle carries and their versions, from the
 * small files that record them (and, for Go, the executable's build info).
 * `executables` are the files that may be Go programs (`bootstrap`, the
 * go1.x handler).
 */
export async function driverFindings(bundle: Bundle, executables: readonly string[], maxEntryBytes: number): Promise<DriverFindings> {
  const candidates = recordCandidates(bundle.entries, new Set(executables));
  const errors: ReportError[] = [];
  const drivers: DriverFact[] = [];
  if (candidates.length === 0) return { drivers, errors };
  const files = new Map(bundle.entries.filter((e) => e.type === 'file').map((e) => [e.path, e]));
  let readCount = 0;

  // Past the record budget, one error and one null-version fact per driver say what was left unread (never dropped silently).
  const skipped = new Map<string, { count: number; first: string; name?: RecordCandidate['name'] }>();
  const readEntry = async (c: RecordCandidate, cap: number): Promise<Buffer | null> => {
    const e = files.get(c.path)!;
    if (e.size > cap) {
      if (c.name) drivers.push(found(c.name, c.path, 'not read', null, `not read: larger than ${cap} bytes`));
      errors.push({ path: c.path, code: 'candidate-not-read', message: `${c.path}: not read for a driver version (larger than ${cap} bytes)` });
      return null;
    }
    if (readCount >= MAX_RECORD_CANDIDATES) {
      const key = c.name ?? c.kind;
      const s = skipped.get(key);
      if (s) s.count++;
      else skipped.set(key, { count: 1, first: c.path, ...(c.name ? { name: c.name } : {}) });
      return null;
    }
    readCount++;
    try {
      return await bundle.read(e, cap);
    } catch (err) {
      const r = toReportError(err, c.path);
      errors.push(r);
      if (c.name) drivers.push(found(c.name, c.path, 'not read', null, r.message));
      return null;
    }
  };
  const text = async (c: RecordCandidate) => (await readEntry(c, MAX_RECORD_BYTES))?.toString('utf8') ?? null;

  const lockFacts: DriverFact[] = [];
  const moduleFacts: DriverFact[] = [];
  let bundlePom: DriverFact | null = null;
  for (const c of candidates) {
    switch (c.kind) {
      case 'npm-package': { const t = await text(c); if (t !== null) drivers.push(npmPackageVersion(c.path, t)); break; }
      case 'npm-lock': { const t = await text(c); const f = t === null ? null : npmLockVersion(c.path, t); if (f) lockFacts.push(f); break; }
      case 'python-metadata': { const t = await text(c); if (t !== null) drivers.push(pythonMetadataVersion(c.name!, c.path, t)); break; }
      case 'python-version-module': {
        // Only where no metadata of the same driver sits in the same folder (site-packages).
        const site = dirname(dirname(c.path));
        if (candidates.some((o) => o.kind === 'python-metadata' && o.name === c.name && dirname(dirname(o.path)) === site)) break;
        if (moduleFacts.some((f) => f.name === c.name && dirname(dirname(f.evidence.path)) === site)) break;
        const t = await text(c);
        const f = t === null ? null : pythonModuleVersion(c.name!, c.path, t);
        if (f) moduleFacts.push(f);
        break;
      }
      case 'jar': { const b = await readEntry(c, MAX_JAR_BYTES); if (b) drivers.push(await jarVersion(c.path, b, errors)); break; }
      case 'jar-pom-properties': { const t = await text(c); if (t !== null) bundlePom = { ...pomPropertiesVersion(c.path, t), fatJar: true }; break; }
      case 'jdbc-classes': {
        if (bundlePom) { drivers.push(bundlePom); break; }
        drivers.push({ ...(await unpackedJdbcVersion(bundle, files, c, readEntry)), fatJar: true });
        break;
      }
      case 'deps-json': { const t = await text(c); const f = t === null ? null : depsJsonVersion(c.path, t); if (f) drivers.push(f); break; }
      case 'npgsql-dll': {
        if (candidates.some((o) => o.kind === 'deps-json' && dirname(o.path) === dirname(c.path))) break;
        drivers.push(found('Npgsql', c.path, 'version resource', null, `${c.path}: no ${'*.deps.json'} beside it, and the DLL's version resource is not read`));
        break;
      }
      case 'gemspec': { const t = await text(c); if (t !== null) drivers.push(gemspecVersion(c.path, t)); break; }
      case 'gem-version-rb': {
        const gem = basename(dirname(dirname(dirname(c.path))));
        if (candidates.some((o) => o.kind === 'gemspec' && basename(o.path) === `${gem}.gemspec`)) break;
        const t = await text(c);
        if (t !== null) drivers.push(gemVersionRb(c.path, t));
        break;
      }
      case 'go-executable': {
        const b = await readEntry(c, maxEntryBytes);
        const info = b ? goModuleInfo(b) : null;
        if (info) drivers.push(...goDrivers(c.path, info));
        else if (info === '') drivers.push(found('lib/pq', c.path, 'Go build info', null, `${c.path} is a Go program without module build info (built outside module mode?): its drivers cannot be named`));
        break;
      }
    }
  }
  for (const [key, s] of skipped) {
    const why = `more than ${MAX_RECORD_CANDIDATES} version records in this bundle: ${s.count} ${key} record(s) not read, the first ${s.first}`;
    errors.push({ path: s.first, code: 'candidate-not-read', message: `${s.first}: not read for a driver version (${why})` });
    if (s.name) drivers.push(found(s.name, s.first, 'not read', null, `not read: ${why}`));
  }
  drivers.push(...moduleFacts);
  if (!drivers.some((d) => d.name === 'node-postgres')) drivers.push(...lockFacts.slice(0, 1));
  return { drivers, errors };
}

/** A pgjdbc JAR inside the bundle: pom.properties, else its MANIFEST, else its file name. */
async function jarVersion(path: string, bytes: Buffer, errors: ReportError[]): Promise<DriverFact> {
  const fromName = jarFileNameVersion(path);
  let jar: Bundle | null = null;
  try {
    jar = await openZipBundle(bufferSource(bytes, path));
    const entry = (p: string) => jar!.entries.find((e) => e.path === p && e.type === 'file');
    const pom = entry('META-INF/maven/org.postgresql/postgresql/pom.properties');
    if (pom && pom.size <= MAX_RECORD_BYTES) {
      const f = pomPropertiesVersion(`${path}!/${pom.path}`, (await jar.read(pom, MAX_RECORD_BYTES)).toString('utf8'));
      if (f.version) return f;
    }
    const mf = entry('META-INF/MANIFEST.MF');
    if (mf && mf.size <= MAX_RECORD_BYTES) {
      const f = jdbcManifestVersion(`${path}!/${mf.path}`, (await jar.read(mf, MAX_RECORD_BYTES)).toString('utf8'));
      if (f?.version) return f;
    }
    if (!jar.entries.some((e) => e.path === 'org/postgresql/Driver.class')) {
      return found('pgjdbc', path, 'org/postgresql/Driver.class', null, `${path} has no org/postgresql/Driver.class: not pgjdbc`);
    }
    return fromName ?? found('pgjdbc', path, 'MANIFEST.MF', null, `${path}: neither pom.properties, a pgjdbc MANIFEST nor a versioned file name`);
  } catch (e) {
    const r = toReportError(e, path);
    errors.push(r);
    return fromName ?? found('pgjdbc', path, 'not read', null, r.message);
  } finally {
    await jar?.close().catch(() => {});
  }
}

/** pgjdbc's classes unpacked into the function's own JAR or zip: its MANIFEST, else DriverInfo.class. */
async function unpackedJdbcVersion(
  bundle: Bundle, files: ReadonlyMap<string, BundleEntry>, c: RecordCandidate,
  readEntry: (c: RecordCandidate, cap: number) => Promise<Buffer | null>,
): Promise<DriverFact> {
  const root = c.path.slice(0, c.path.length - 'org/postgresql/Driver.class'.length);
  const mf = files.get(`${root}META-INF/MANIFEST.MF`);
  if (mf && mf.size <= MAX_RECORD_BYTES) {
    const f = jdbcManifestVersion(mf.path, (await bundle.read(mf, MAX_RECORD_BYTES)).toString('utf8'));
    if (f?.version) return f;
  }
  const info = `${root}org/postgresql/util/DriverInfo.class`;
  if (files.has(info)) {
    const b = await readEntry({ path: info, kind: 'jdbc-classes', name: 'pgjdbc' }, MAX_RECORD_BYTES);
    const f = b ? jdbcClassVersion(info, b) : null;
    if (f) return f;
  }
  return found('pgjdbc', c.path, 'pom.properties', null, `pgjdbc classes unpacked at ${root || 'the bundle root'} without pom.properties, a pgjdbc MANIFEST or a readable DriverInfo.class`);
}
