import type { DriverFact, DriverName } from '../facts/drivers/driverRecords.js';
import type { HandlerFacts } from '../facts/handler/handlerFacts.js';

/** The part of the `semver` package the rules use; loaded lazily by whoever builds the report (see loadSemver). */
export interface SemverApi {
  valid(v: string): string | null;
  clean(v: string, options?: { loose?: boolean }): string | null;
  coerce(v: string): { version: string } | null;
  gte(a: string, b: string): boolean;
}

/** What a driver does for TLS when the code asks for nothing. */
export type TlsDefault =
  /** No TLS at all: a database that requires it refuses the connection. */
  | 'none'
  /** TLS tried without checking the certificate, plaintext when the server refuses. */
  | 'prefer'
  /** TLS always, certificate not checked, never plaintext (lib/pq's `require`). */
  | 'require';

export interface DriverRule {
  name: DriverName;
  /** Drivers that log in through libpq (psycopg 3, Ruby pg): libpq's version decides. */
  libpqBased: boolean;
  /** The package to upgrade, as its registry names it. */
  package: string;
  /** First release that can log in with scram-sha-256 (null: every release, or libpq decides). */
  scramFrom: (module?: string) => string | null;
  /** A release that claims SCRAM but cannot use it. */
  scramNote?: { version: string; text: string };
  /** How the code asks this driver for verified TLS. */
  askTls: string;
  /** TLS when nobody asks, by version ("none before 1.31.0"); the citation is in the README table. */
  tlsDefault: (v: string | null, semver: SemverApi) => { mode: TlsDefault | null; why: string };
  /** Reads PGSSLMODE from the environment when the code sets nothing. */
  readsPgsslmode: boolean;
}

const since = (release: string, before: TlsDefault, after: TlsDefault, what: { before: string; after: string }) =>
  (v: string | null, semver: SemverApi) => {
    const n = v === null ? null : normalize(v, semver);
    if (n === null) return { mode: before === after ? before : null, why: `${what.before} before ${release}, ${what.after} from ${release}` };
    return semver.gte(n, release) ? { mode: after, why: `${what.after} from ${release}` } : { mode: before, why: `${what.before} before ${release}` };
  };
const always = (mode: TlsDefault, why: string) => () => ({ mode, why });

export const DRIVER_RULES: Record<DriverName, DriverRule> = {
  'node-postgres': {
    name: 'node-postgres', libpqBased: false, askTls: "ssl: { ca: <RDS CA bundle> } (or sslmode=verify-full in the connection string)", package: 'pg (npm)', scramFrom: () => '7.9.0', readsPgsslmode: true,
    tlsDefault: always('none', 'ssl: false unless PGSSLMODE is set'),
  },
  pg8000: {
    name: 'pg8000', libpqBased: false, askTls: 'ssl_context=ssl.create_default_context(cafile=<RDS CA bundle>)', package: 'pg8000 (PyPI)', scramFrom: () => '1.13.0', readsPgsslmode: false,
    tlsDefault: since('1.31.0', 'none', 'prefer', { before: 'no TLS unless ssl_context is given', after: 'TLS tried without certificate checks, plaintext fallback' }),
  },
  asyncpg: {
    name: 'asyncpg', libpqBased: false, askTls: "ssl='verify-full' (or an ssl.SSLContext with the RDS CA bundle)", package: 'asyncpg (PyPI)', scramFrom: () => '0.19.0', readsPgsslmode: true,
    tlsDefault: since('0.22.0', 'none', 'prefer', { before: 'no TLS unless ssl= or PGSSLMODE', after: "ssl='prefer' on TCP (no certificate check, plaintext fallback)" }),
  },
  psycopg: {
    name: 'psycopg', libpqBased: true, askTls: "sslmode='verify-full', sslrootcert=<RDS CA bundle>", package: 'psycopg (PyPI)', scramFrom: () => null, readsPgsslmode: true,
    tlsDefault: always('prefer', "libpq's sslmode=prefer"),
  },
  pgjdbc: {
    name: 'pgjdbc', libpqBased: false, package: 'org.postgresql:postgresql (Maven)', scramFrom: () => '42.2.1', readsPgsslmode: false,
    scramNote: { version: '42.2.0', text: '42.2.0 added SCRAM but did not package its SCRAM client library' },
    askTls: 'sslmode=verify-full (with sslrootcert) in the JDBC URL or properties',
    tlsDefault: since('42.2.5', 'none', 'prefer', { before: 'no TLS unless ssl/sslmode is given', after: 'sslmode=prefer' }),
  },
  'lib/pq': {
    name: 'lib/pq', libpqBased: false, askTls: 'sslmode=verify-full sslrootcert=<RDS CA bundle> in the DSN', package: 'github.com/lib/pq (Go module)', scramFrom: () => '1.1.0', readsPgsslmode: true,
    tlsDefault: always('require', 'sslmode=require without certificate checks (no plaintext fallback)'),
  },
  pgx: {
    name: 'pgx', libpqBased: false, askTls: 'sslmode=verify-full sslrootcert=<RDS CA bundle> in the connection string', package: 'github.com/jackc/pgx (Go module)', readsPgsslmode: true,
    // v3 learnt SCRAM in 3.4.0; v4 authenticates through pgconn (SCRAM from its first release); v5 has it built in.
    scramFrom: (module) => (module === 'github.com/jackc/pgx' ? '3.4.0' : null),
    tlsDefault: always('prefer', 'sslmode=prefer when the config is parsed from a string or the environment'),
  },
  pgconn: {
    name: 'pgconn', libpqBased: false, askTls: 'sslmode=verify-full sslrootcert=<RDS CA bundle> in the connection string', package: 'github.com/jackc/pgconn (Go module)', scramFrom: () => null, readsPgsslmode: true,
    tlsDefault: always('prefer', 'sslmode=prefer when the config is parsed from a string or the environment'),
  },
  Npgsql: {
    name: 'Npgsql', libpqBased: false, askTls: 'SSL Mode=VerifyFull;Root Certificate=<RDS CA bundle> in the connection string', package: 'Npgsql (NuGet)', scramFrom: () => '3.2.7', readsPgsslmode: false,
    tlsDefault: since('6.0.0', 'none', 'prefer', { before: 'SSL Mode=Disable', after: 'SSL Mode=Prefer' }),
  },
  'pg (Ruby)': {
    name: 'pg (Ruby)', libpqBased: true, askTls: "sslmode: 'verify-full', sslrootcert: <RDS CA bundle>", package: 'pg (RubyGems)', scramFrom: () => null, readsPgsslmode: true,
    tlsDefault: always('prefer', "libpq's sslmode=prefer"),
  },
};

/** "v1.10.9", "3.3.0+incompatible", "4.1.3.0" → a semantic version, or null. */
export function normalize(v: string, semver: SemverApi): string | null {
  const cleaned = semver.valid(v) ?? semver.clean(v, { loose: true });
  if (cleaned) return cleaned;
  const four = /^v?(\d+\.\d+\.\d+)\.\d+$/.exec(v);
  return four ? four[1]! : null;
}

export const driverLabel = (d: DriverFact) => `${d.name}${d.module && d.name === 'pgx' ? ` (${d.module})` : ''} ${d.version ?? '(version unknown)'}`;
export const driverEvidence = (d: DriverFact) =>
  `${d.evidence.path}: ${d.name} ${d.version ?? 'version not read'} (${d.evidence.field})${d.reason ? `: ${d.reason}` : ''}${d.fatJar ? ' [classes merged into the function JAR]' : ''}`;

/**
 * The drivers a verdict is about. The handler names the driver it imports
 * (node-postgres, pg8000, asyncpg, psycopg, psycopg2, PyGreSQL): that one is
 * judged and the others listed. Without a handler that names one (Go, Java,
 * .NET, Ruby, or no handler read), every driver the bundle carries is judged.
 */
export interface DriverSelection {
  /** Drivers of their own to judge (not libpq-based). */
  judged: DriverFact[];
  /** Drivers found but not the one the handler uses. */
  others: DriverFact[];
  /** Drivers the handler imports that no bundle records (a version that cannot be read). */
  missing: DriverName[];
  /** The handler logs in through libpq (psycopg2, PyGreSQL, psycopg, Ruby pg) or names no driver: libpq's verdict stands. */
  libpqDecides: boolean;
}

export function selectDrivers(handler: HandlerFacts | null, drivers: readonly DriverFact[]): DriverSelection {
  const imported = handler?.drivers ?? [];
  const ownNames = new Set(Object.values(DRIVER_RULES).filter((r) => !r.libpqBased).map((r) => r.name as string));
  const importedOwn = imported.filter((n) => ownNames.has(n)) as DriverName[];
  const importsLibpqDriver = imported.some((n) => !ownNames.has(n) && /PyGreSQL|^psycopg2?$|^pg \(Ruby\)$/.test(n));
  if (importedOwn.length > 0) {
    const judged = drivers.filter((d) => importedOwn.includes(d.name));
    return {
      judged, others: drivers.filter((d) => !judged.includes(d)),
      missing: importedOwn.filter((n) => !drivers.some((d) => d.name === n)), libpqDecides: importsLibpqDriver,
    };
  }
  if (importsLibpqDriver) return { judged: [], others: [...drivers], missing: [], libpqDecides: true };
  const judged = drivers.filter((d) => !DRIVER_RULES[d.name].libpqBased);
  return { judged, others: drivers.filter((d) => !judged.includes(d)), missing: [], libpqDecides: true };
}

/** One driver against its SCRAM release. */
export function scramOf(d: DriverFact, semver: SemverApi | undefined): { status: 'pass' | 'fail' | 'unknown'; fixedIn: string | null; why: string } {
  const rule = DRIVER_RULES[d.name];
  const fixedIn = rule.scramFrom(d.module);
  if (d.version === null) return { status: 'unknown', fixedIn, why: d.reason ?? 'version not recorded' };
  if (fixedIn === null) return { status: 'pass', fixedIn, why: `every ${d.module ?? d.name} release has scram-sha-256` };
  const v = semver ? normalize(d.version, semver) : null;
  if (v === null || !semver) return { status: 'unknown', fixedIn, why: `${d.version} is not a version that can be compared` };
  return semver.gte(v, fixedIn)
    ? { status: 'pass', fixedIn, why: `scram-sha-256 since ${fixedIn}` }
    : { status: 'fail', fixedIn, why: `scram-sha-256 only from ${fixedIn}${rule.scramNote?.version === v ? `; ${rule.scramNote.text}` : ''}` };
}

/** What to do about a driver: its release to upgrade to, and a rebuild when its classes are merged into the function's JAR. */
export function driverRemediation(d: DriverFact, fixedIn: string): string {
  const rule = DRIVER_RULES[d.name];
  const rebuild = d.fatJar ? ' Its classes are merged into the function\'s own JAR: rebuild the function with the new dependency (replacing one file is not enough), then update the function code.' : ' Then update the function code.';
  return `Upgrade ${d.name} (${rule.package}) from ${d.version ?? 'the bundled version'} to ${fixedIn} or later.${rebuild} Until then, keep the database user's password stored as md5 (password_encryption = md5, then reset the password) so rotation can log in.`;
}
