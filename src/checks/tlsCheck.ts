import type { TlsCapability } from '../facts/elf/tlsCapability.js';
import type { HandlerFacts } from '../facts/handler/handlerFacts.js';
import { type Check, REDEPLOY, TLS_CUTOFF, creationNote } from './check.js';
import { engineLabel, engineScope, type EngineScope } from './engineScope.js';
import type { CreatedFact } from './scramCheck.js';

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
  if (scope.kind === 'no-handler') {
    const why = ctx.handlerError ?? (handler ? `${handler.path} is not a Secrets Manager rotation handler (found ${handler.steps.length}/4 steps)` : 'no handler source in the bundle');
    if (before) return { id, status: 'warn', summary: `Cannot judge the handler (${why}).${dateNote}.`, evidence: [], remediation };
    return { id, status: 'unknown', summary: `Cannot judge the handler (${why})${created.date === null ? ', and the creation date is unknown' : ''}.`, evidence: [], remediation };
  }

  const h = handler!;
  const env = ctx.environment ?? {};
  const envMode = env.PGSSLMODE?.trim().toLowerCase();
  const envEvidence = [
    ...(envMode !== undefined ? [`function environment: PGSSLMODE=${envMode}`] : []),
    ...(env.PGSSLROOTCERT !== undefined ? ['function environment: PGSSLROOTCERT is set'] : []),
  ];
  const setsSslmode = h.tlsEvidence.length > 0 || h.turnsTlsOff.length > 0;
  // The environment counts only where the handler itself sets nothing.
  const envAsks = !setsSslmode && ((envMode !== undefined && ASKING_MODES.has(envMode)) || env.PGSSLROOTCERT !== undefined);
  const envOff = !setsSslmode && envMode !== undefined && OFF_MODES.has(envMode);
  const asked = h.asksForTls || envAsks;
  // A driver of its own (pg8000, asyncpg, node-postgres) decides its TLS without libpq, whatever libpq the bundle holds.
  const lib = h.drivers.length === 0 || h.drivers.some((d) => LIBPQ_DRIVERS.test(d)) ? ctx.libpq ?? null : null;
  const libEvidence = lib ? [`${lib.path}: ${lib.tls.evidence}${lib.tls.openssl?.version ? ` (${lib.tls.openssl.version} in ${lib.tls.openssl.path})` : ''}`] : [];
  const codeWins = (early: boolean) => (early ? `${dateNote}, but the code wins.` : dateNote ? `${dateNote}.` : '');
  const engine = scope.engine === 'redshift' ? 'Redshift ' : '';

  if (asked) {
    const evidence = [...(h.asksForTls ? h.tlsEvidence : envEvidence), ...libEvidence];
    const where = h.asksForTls ? `The ${engine}handler asks for TLS (${h.tlsEvidence.length} place${h.tlsEvidence.length === 1 ? '' : 's'})` : `The function's environment asks libpq for TLS (${envEvidence.join('; ').replace(/function environment: /g, '')})`;
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
    return { id, status: 'pass', summary: `${where}${lib ? ' and its libpq is built with OpenSSL' : ''}.${codeWins(before)}`, evidence, remediation: '' };
  }
  if (h.turnsTlsOff.length > 0 || envOff) {
    return {
      id, status: 'fail',
      summary: `The ${engine}rotation handler turns TLS off: rotation fails against a database that requires TLS, and sends the password in plaintext otherwise.${codeWins(created.date !== null && !before)}`,
      evidence: [...h.turnsTlsOff, ...(envOff ? envEvidence : []), ...libEvidence], remediation,
    };
  }
  const neverSet = [`${h.path}: no sslmode, ssl argument or "ssl" secret key`, ...h.plainConnections, ...envEvidence, ...libEvidence];
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
