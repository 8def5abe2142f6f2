import { describeSetting, type DatabaseFacts } from '../facts/database/databaseSettings.js';
import type { Invocation } from '../facts/logs/lambdaLogs.js';
import type { Report } from '../report/report.js';
import { REDEPLOY } from './check.js';
import type { DiagnoseCheck } from './diagnoseCheck.js';

/** The libpq a function loads, as its inspect report tells it. */
export interface LoadedLibpq {
  path: string;
  value: string | null;
  /** Known major (exact or pattern evidence), else null. */
  major: number | null;
  atLeast: number | null;
  /** Whether it links OpenSSL (libssl in DT_NEEDED); null when no dependencies were read. */
  openssl: boolean | null;
}

/** The libpq the loader model picks, else the lowest version found (as the scram check judges). */
export function loadedLibpq(report: Report | null): LoadedLibpq | null {
  if (!report) return null;
  const libs = report.libraries.filter((l) => !l.error);
  if (libs.length === 0) return null;
  const loads = report.loader?.loads;
  const rank = (l: (typeof libs)[number]) => l.version.major ?? l.version.atLeast ?? 0;
  const chosen = libs.find((l) => loads && l.installPath === loads) ?? [...libs].sort((a, b) => rank(a) - rank(b))[0]!;
  return {
    path: chosen.installPath ?? chosen.path, value: chosen.version.value, major: chosen.version.major, atLeast: chosen.version.atLeast,
    openssl: chosen.tls?.capable ?? null,
  };
}

const libpqText = (l: LoadedLibpq) => `${l.path}: libpq ${l.value ?? (l.atLeast !== null ? `>=${l.atLeast}` : 'of unknown version')}`;

export function setParameterCommand(db: DatabaseFacts, name: string, value: string): string {
  const group = db.passwordEncryption.group;
  const custom = group && !group.startsWith('default.');
  if (!custom) return `create a custom ${db.kind === 'cluster' ? 'cluster ' : ''}parameter group, set ${name} = ${value}, attach it to ${db.identifier}`;
  return db.kind === 'cluster'
    ? `aws rds modify-db-cluster-parameter-group --db-cluster-parameter-group-name ${group} --parameters ParameterName=${name},ParameterValue=${value},ApplyMethod=immediate`
    : `aws rds modify-db-parameter-group --db-parameter-group-name ${group} --parameters ParameterName=${name},ParameterValue=${value},ApplyMethod=immediate`;
}

/** The function's libpq against this database's password_encryption. */
export function databaseScramCheck(libpq: LoadedLibpq | null, db: DatabaseFacts | null, dbUnknown?: string): DiagnoseCheck {
  const id = 'database-scram' as const;
  if (!db) return { id, status: 'unknown', summary: `The database is unknown${dbUnknown ? ` (${dbUnknown})` : ''}: its password_encryption cannot be compared.`, evidence: [], remediation: '' };
  if (!libpq) return { id, status: 'not-applicable', summary: 'The function loads no libpq (or its bundle could not be read).', evidence: [], remediation: '' };
  const pe = db.passwordEncryption.value;
  const evidence = [libpqText(libpq), describeSetting('password_encryption', db.passwordEncryption)];
  const below10 = libpq.major !== null && libpq.major < 10;
  if ((libpq.atLeast ?? 0) >= 10 || (libpq.major ?? 0) >= 10) {
    return { id, status: 'pass', summary: `libpq ${libpq.value ?? `>=${libpq.atLeast}`} can authenticate with scram-sha-256; password_encryption = ${pe ?? 'unknown'}.`, evidence, remediation: '' };
  }
  if (!below10) return { id, status: 'unknown', summary: `The libpq version is unknown; password_encryption = ${pe ?? 'unknown'}.`, evidence, remediation: '' };
  const fix = `${REDEPLOY} (libpq 10 or later).`;
  if (pe === 'scram-sha-256') {
    return { id, status: 'fail', summary: `libpq ${libpq.value} and password_encryption = scram-sha-256: libpq before 10 cannot do SCRAM, so the rotation cannot log in to ${db.identifier}.`, evidence, remediation: `${fix} Until then: ${setParameterCommand(db, 'password_encryption', 'md5')}, then reset the user's password so it is stored as md5.` };
  }
  if (pe === 'md5') {
    return { id, status: 'pass', summary: `libpq ${libpq.value} and password_encryption = md5: logins work today, but the next engine upgrade (14+ defaults to scram-sha-256) or a password stored as SCRAM breaks rotation.`, evidence, remediation: fix };
  }
  return { id, status: 'unknown', summary: `libpq ${libpq.value} cannot do SCRAM, and password_encryption is unknown.`, evidence, remediation: fix };
}

/** Does the function get TLS when this database demands it (rds.force_ssl = 1)? */
export function databaseTlsCheck(report: Report | null, libpq: LoadedLibpq | null, db: DatabaseFacts | null, dbUnknown?: string): DiagnoseCheck {
  const id = 'database-tls' as const;
  if (!db) return { id, status: 'unknown', summary: `The database is unknown${dbUnknown ? ` (${dbUnknown})` : ''}: its rds.force_ssl cannot be compared.`, evidence: [], remediation: '' };
  const fs = db.forceSsl.value;
  const evidence = [describeSetting('rds.force_ssl', db.forceSsl)];
  const remediation = `${REDEPLOY}; current templates ask for TLS (sslmode=verify-full with the RDS CA bundle).`;
  if (fs === '0') return { id, status: 'pass', summary: `${db.identifier} does not require TLS (rds.force_ssl = 0).`, evidence, remediation: '' };
  if (fs !== '1') return { id, status: 'unknown', summary: `rds.force_ssl of ${db.identifier} is unknown.`, evidence, remediation: '' };
  const h = report?.handler ?? null;
  if (libpq) evidence.push(`${libpqText(libpq)}${libpq.openssl === false ? ' without OpenSSL (no libssl in its dependencies)' : libpq.openssl ? ', linked with OpenSSL' : ''}`);
  if (libpq?.openssl === false) {
    return { id, status: 'fail', summary: `${db.identifier} requires TLS (rds.force_ssl = 1) and the function's libpq was built without OpenSSL: it cannot do TLS at all.`, evidence, remediation };
  }
  if (!h) return { id, status: 'unknown', summary: `${db.identifier} requires TLS (rds.force_ssl = 1); the handler could not be read.`, evidence, remediation: '' };
  if (h.asksForTls) return { id, status: 'pass', summary: `${db.identifier} requires TLS and the handler asks for it.`, evidence: [...evidence, ...h.tlsEvidence.slice(0, 3)], remediation: '' };
  const off = h.turnsTlsOff;
  if (off.length > 0) {
    return { id, status: 'fail', summary: `${db.identifier} requires TLS (rds.force_ssl = 1) and the handler turns TLS off.`, evidence: [...evidence, ...off.slice(0, 3)], remediation };
  }
  return {
    id, status: 'warn',
    summary: `${db.identifier} requires TLS (rds.force_ssl = 1) and the handler never asks for it: it relies on libpq's default sslmode=prefer, which negotiates TLS only if the libpq has it.`,
    evidence: [...evidence, ...h.plainConnections.slice(0, 3)], remediation,
  };
}

const PLAIN_CONNECTION = /Successfully established non SSL\/TLS connection/;
const TLS_CONNECTION = /Successfully established SSL\/TLS connection/;

/** Did the function actually connect with TLS? The templates log "non SSL/TLS" when they fell back to plaintext. */
export function connectionTlsCheck(invocations: readonly Invocation[] | null, logsUnknown?: string): DiagnoseCheck {
  const id = 'connection-tls' as const;
  if (invocations === null) return { id, status: 'unknown', summary: `The logs could not be read${logsUnknown ? ` (${logsUnknown})` : ''}.`, evidence: [], remediation: '' };
  const plain = invocations.flatMap((i) => i.lines.filter((l) => PLAIN_CONNECTION.test(l.message)).map((l) => `${l.timestamp} ${i.requestId}: ${l.message}`));
  const tls = invocations.flatMap((i) => i.lines.filter((l) => TLS_CONNECTION.test(l.message)).map((l) => `${l.timestamp} ${i.requestId}: ${l.message}`));
  if (plain.length > 0) {
    return { id, status: 'warn', summary: `The function fell back to a plaintext connection ${plain.length} time(s): the password change travelled unencrypted, and a database that starts requiring TLS will refuse it.`, evidence: plain.slice(0, 3), remediation: 'Set "ssl": true in the secret (no plaintext fallback) and make sure the database accepts TLS; a CNAME host needs the RDS endpoint name for verify-full.' };
  }
  if (tls.length > 0) return { id, status: 'pass', summary: `Connections used TLS (${tls.length} logged).`, evidence: tls.slice(0, 3), remediation: '' };
  return { id, status: 'unknown', summary: 'No connection line in the logs of the window (the template logs one per successful connection).', evidence: [], remediation: '' };
}
