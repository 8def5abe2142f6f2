import type { TlsCapability } from '../facts/elf/tlsCapability.js';
import type { HandlerFacts } from '../facts/handler/handlerFacts.js';
import { type Check, REDEPLOY, TLS_CUTOFF, creationNote } from './check.js';
import { engineLabel, engineScope, type EngineScope } from './engineScope.js';
import type { CreatedFact, DriverContext } from './scramCheck.js';
import { DRIVER_RULES, driverEvidence, driverLabel, type DriverRule, type SemverApi, type TlsDefault } from './driverRules.js';
import type { DriverFact } from '../facts/drivers/driverRecords.js';

/** What decides the TLS a function gets besides its handler. */
export interface TlsContext {
  /** Why the handler could not be read, when it could not. */
  handlerError?: string;
  /** Defaults to the scope the handler names. */
  scope?: EngineScope;
  /**
   * The libpq whose build decides (the one the function loads, else the least
   * capable one found); null or absent when the bundle has no libpq.
   */
  libpq?: { path: string; tls: TlsCapability } | null;
  /** Live: the function's PGSSLMODE / PGSSLROOTCERT, which libpq reads when the handler sets nothing. */
  environment?: { PGSSLMODE?: string; PGSSLROOTCERT?: string };
  /** Drivers of their own (node-postgres, pg8000, pgjdbc, …): their default decides when the code asks for nothing. */
  drivers?: DriverContext;
}

/** Drivers that talk to the database through libpq. */
const LIBPQ_DRIVERS = /PyGreSQL|^psycopg2?$/;
const ASKING_MODES = new Set(['require', 'verify-ca', 'verify-full']);
const OFF_MODES = new Set(['disable', 'allow']);

export const PREFER_ONLY =
  "TLS only through libpq's default `prefer`: tried, never verified, dropped silently if the handshake fails; recreate from the current template";

/**
 * What goes over the wire, from the handler and its libpq together. TLS asked
 * for (sslmode require/verify-ca/verify-full, the secret's "ssl" key, or
 * PGSSLMODE/PGSSLROOTCERT live) needs a libpq built with OpenSSL; sslmode
 * never set leaves libpq at `prefer`, which is TLS only when libpq has
 * OpenSSL, unverified, with a silent plaintext fallback.
 */
export function tlsCheck(handler: HandlerFacts | null, created: CreatedFact, context: TlsContext | string = {}): Check {
  const ctx: TlsContext = typeof context === 'string' ? { handlerError: context } : context;
  const id = 'tls' as const;
  const remediation = `${REDEPLOY}; current templates connect with sslmode=require (or verify-full) through a libpq built with OpenSSL and honour the secret's "ssl" key. Until then, a database that requires TLS (rds.force_ssl=1) refuses the rotation's connection, and one that does not gets the password in plaintext.`;
  const { before, note: dateNote } = creationNote(created.date, TLS_CUTOFF, 'when AWS templates never asked for TLS', 'after AWS templates began to ask for TLS');
  const scope = ctx.scope ?? engineScope(handler);
  const na = (summary: string, evidence: string[] = []): Check => ({ id, status: 'not-applicable', summary, evidence, remediation: '' });

  if (scope.kind === 'other-engine') return na(`A ${engineLabel(scope.engine)} rotation handler: this check covers PostgreSQL and Redshift.`, scope.evidence);
  if (scope.kind === 'no-driver' && !ctx.libpq) return na('The rotation handler imports no database driver and names no engine: this check covers PostgreSQL and Redshift.', [`${handler!.path}: no database driver imported`]);
  if (scope.kind === 'unnamed' || scope.kind === 'no-driver') {
    const why = scope.kind === 'unnamed' ? `its engine cannot be named (${handler!.drivers.join(', ') || 'engine names that disagree'})` : 'it imports no known database driver, yet the bundle ships libpq';
    return { id, status: 'unknown', summary: `Cannot judge the rotation handler: ${why}.`, evidence: scope.kind === 'unnamed' ? scope.evidence : [], remediation: '' };
  }
  const sel = ctx.drivers?.selection;
  if (scope.kind === 'no-handler') {
    const why = ctx.handlerError ?? (handler ? `${handler.path} is not a Secrets Manager rotation handler (found ${handler.steps.length}/4 steps)` : 'no handler source in the bundle');
    // A driver of its own whose default is known still says what the code gets when it asks for nothing.
    const defaults = (sel?.judged ?? []).map((d) => {
      const t = DRIVER_RULES[d.name].tlsDefault(d.version, ctx.drivers!.semver ?? NO_SEMVER);
      return `${driverLabel(d)} uses ${t.mode ? TLS_DEFAULT_WORDS[t.mode] : 'a default that depends on its version'} when the code asks for nothing (${t.why})`;
    });
    const driverNote = defaults.length > 0 ? ` ${defaults.join('; ')}.` : '';
    const driverEv = (sel?.judged ?? []).map(driverEvidence);
    if (before) return { id, status: 'warn', summary: `Cannot judge the handler (${why}).${dateNote}.${driverNote}`, evidence: driverEv, remediation };
    return { id, status: 'unknown', summary: `Cannot judge the handler (${why})${created.date === null && defaults.length === 0 ? ', and the creation date is unknown' : ''}.${driverNote}`, evidence: driverEv, remediation: defaults.length > 0 ? '' : remediation };
  }

  const h = handler!;
  const env = ctx.environment ?? {};
  const envMode = env.PGSSLMODE?.trim().toLowerCase();
  const envEvidence = [
    ...(envMode !== undefined ? [`function environment: PGSSLMODE=${envMode}`] : []),
    ...(env.PGSSLROOTCERT !== undefined ? ['function environment: PGSSLROOTCERT is set'] : []),
  ];
  const setsSslmode = h.tlsEvidence.length > 0 || h.turnsTlsOff.length > 0;
  // A driver of its own (pg8000, asyncpg, node-postgres) decides its TLS without libpq, whatever libpq the bundle holds.
  const lib = h.drivers.length === 0 || h.drivers.some((d) => LIBPQ_DRIVERS.test(d)) ? ctx.libpq ?? null : null;
  const driver = lib ? null : sel?.judged[0] ?? null;
  const rule = driver ? DRIVER_RULES[driver.name] : null;
  // The environment counts only where the handler itself sets nothing, and only for a client that reads it.
  const envHeard = !rule || rule.readsPgsslmode;
  const envAsks = envHeard && !setsSslmode && ((envMode !== undefined && ASKING_MODES.has(envMode)) || env.PGSSLROOTCERT !== undefined);
  const envOff = envHeard && !setsSslmode && envMode !== undefined && OFF_MODES.has(envMode);
  const asked = h.asksForTls || envAsks;
  if (!envHeard && envEvidence.length > 0) envEvidence.push(`${driver!.name} does not read PGSSLMODE or PGSSLROOTCERT`);
  const driverEv = driver ? [driverEvidence(driver)] : [];
  const libEvidence = lib ? [`${lib.path}: ${lib.tls.evidence}${lib.tls.openssl?.version ? ` (${lib.tls.openssl.version} in ${lib.tls.openssl.path})` : ''}`] : [];
  const codeWins = (early: boolean) => (early ? `${dateNote}, but the code wins.` : dateNote ? `${dateNote}.` : '');
  const engine = scope.engine === 'redshift' ? 'Redshift ' : '';

  if (asked) {
    const asking = h.tlsEvidence.length + (h.omitted?.tlsEvidence ?? 0);
    const evidence = [...(h.asksForTls ? h.tlsEvidence : envEvidence), ...libEvidence];
    const where = h.asksForTls ? `The ${engine}handler asks for TLS (${asking} place${asking === 1 ? '' : 's'})` : `The function's environment asks ${driver ? driver.name : 'libpq'} for TLS (${envEvidence.join('; ').replace(/function environment: /g, '')})`;
    if (lib && lib.tls.capable === false) {
      const fallback = h.turnsTlsOff[0];
      return {
        id, status: 'fail',
        summary: `${where}, but ${lib.path} was built without OpenSSL and cannot do TLS: the TLS connection fails${fallback ? ', and the handler then falls back to sslmode=disable (plaintext)' : ''}.`,
        evidence: [...evidence, ...(fallback ? [`fallback: ${fallback}`] : [])],
        remediation: `${REDEPLOY}; its bundle ships a libpq built with OpenSSL.`,
      };
    }
    if (lib && lib.tls.capable === null) {
      return { id, status: 'unknown', summary: `${where}, but whether ${lib.path} can do TLS could not be read.`, evidence, remediation };
    }
    return { id, status: 'pass', summary: `${where}${lib ? ' and its libpq is built with OpenSSL' : driver ? ` through ${driverLabel(driver)}` : ''}.${codeWins(before)}`, evidence: [...evidence, ...driverEv], remediation: '' };
  }
  if (h.turnsTlsOff.length > 0 || envOff) {
    return {
      id, status: 'fail',
      summary: `The ${engine}rotation handler turns TLS off: rotation fails against a database that requires TLS, and sends the password in plaintext otherwise.${codeWins(created.date !== null && !before)}`,
      evidence: [...h.turnsTlsOff, ...(envOff ? envEvidence : []), ...libEvidence], remediation,
    };
  }
  const neverSet = [`${h.path}: no sslmode, ssl argument or "ssl" secret key`, ...h.plainConnections, ...envEvidence, ...libEvidence, ...driverEv];
  if (driver && rule) return driverDefault(driver, rule, ctx.drivers?.semver, neverSet);
  if (lib && lib.tls.capable === true) {
    return { id, status: 'warn', summary: `${PREFER_ONLY}.${dateNote ? `${dateNote}.` : ''}`, evidence: neverSet, remediation };
  }
  if (lib && lib.tls.capable === null) {
    return { id, status: 'unknown', summary: `The ${engine}rotation handler never sets sslmode, and whether ${lib.path} can do TLS could not be read.`, evidence: neverSet, remediation };
  }
  const noOpenssl = lib ? ` and ${lib.path} was built without OpenSSL: every connection is plaintext` : '';
  return {
    id, status: 'fail',
    summary: `The ${engine}rotation handler never asks for TLS${noOpenssl}: rotation fails against a database that requires it.${codeWins(created.date !== null && !before)}`,
    evidence: neverSet, remediation,
  };
}

const TLS_DEFAULT_WORDS: Record<TlsDefault, string> = {
  none: 'no TLS',
  prefer: 'TLS only if the server offers it, unverified, with a plaintext fallback',
  require: 'TLS without certificate checks, never plaintext',
};
/** Without semver every version-dependent default is unknown. */
const NO_SEMVER: SemverApi = { valid: () => null, clean: () => null, coerce: () => null, gte: () => false };

/** The handler asks nothing: the driver's own default decides (same pass/warn/fail meaning as for libpq). */
function driverDefault(driver: DriverFact, rule: DriverRule, semver: SemverApi | undefined, evidence: string[]): Check {
  const id = 'tls' as const;
  const t = rule.tlsDefault(driver.version, semver ?? NO_SEMVER);
  const label = driverLabel(driver);
  const remediation = `Ask ${driver.name} for verified TLS in the function's code: ${rule.askTls}; then update the function code.`;
  const lead = `The rotation handler never asks for TLS, so ${label} uses its default`;
  if (t.mode === 'none') {
    return { id, status: 'fail', summary: `${lead}: no TLS (${t.why}). Rotation fails against a database that requires TLS, and sends the password in plaintext otherwise.`, evidence, remediation };
  }
  if (t.mode === 'prefer') {
    return { id, status: 'warn', summary: `${lead}: ${TLS_DEFAULT_WORDS.prefer} (${t.why}).`, evidence, remediation };
  }
  if (t.mode === 'require') {
    return { id, status: 'pass', summary: `${lead}: ${TLS_DEFAULT_WORDS.require} (${t.why}).`, evidence, remediation: '' };
  }
  return { id, status: 'unknown', summary: `The rotation handler never asks for TLS, and ${driver.name}'s default depends on a version that could not be read (${t.why}).`, evidence, remediation };
}
