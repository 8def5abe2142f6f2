import type { LibpqVersion } from '../evidence/versionEvidence.js';
import { type Check, REDEPLOY, SCRAM_CUTOFF, creationNote } from './check.js';
import { engineLabel, type EngineScope } from './engineScope.js';

/** One libpq as the scram check sees it. */
export interface ScramSubject {
  path: string;
  version: LibpqVersion;
  /** Highest major the evidence allows (Infinity when unbounded). */
  highest: number;
  /** True when the loader model says the function loads this one. */
  loaded?: boolean;
}

export interface CreatedFact { date: string | null }

function label(s: ScramSubject): string {
  const v = s.version;
  const what = v.value ?? (v.atLeast !== null ? `>=${v.atLeast}` : 'unknown version');
  return `${s.path}: libpq ${what}${v.evidence.length ? ` (${v.evidence.map((e) => e.source).join(', ')})` : ''}`;
}

/**
 * Can the libpq the function loads authenticate with scram-sha-256? That
 * needs libpq 10 or later. Until the loader's choice is known, the lowest
 * version found is judged.
 */
export function scramCheck(libraries: readonly ScramSubject[], created: CreatedFact, unreadable: readonly string[] = [], scope: EngineScope = { kind: 'no-handler' }): Check {
  const id = 'scram' as const;
  if (scope.kind === 'other-engine') {
    return { id, status: 'not-applicable', summary: `A ${engineLabel(scope.engine)} rotation handler: scram-sha-256 through libpq is PostgreSQL's.`, evidence: scope.evidence, remediation: '' };
  }
  if (scope.kind === 'judged' && scope.engine === 'redshift') {
    return {
      id, status: 'not-applicable',
      summary: "A Redshift rotation handler: Redshift stores its users' passwords as MD5 or SHA-256 hashes and never asks for scram-sha-256, so libpq's version does not decide the login.",
      evidence: [...scope.evidence, ...libraries.map(label)], remediation: '',
    };
  }
  if (scope.kind === 'no-driver' && libraries.length === 0 && unreadable.length === 0) {
    return { id, status: 'not-applicable', summary: 'The rotation handler imports no database driver and the bundle has no libpq.', evidence: [], remediation: '' };
  }
  const verdict = judgeScram(libraries, created, unreadable);
  if (scope.kind === 'unnamed' && verdict.status === 'fail') {
    return { ...verdict, status: 'unknown', summary: `${verdict.summary} But the handler's database engine cannot be named, so whether it logs in through this libpq is unknown.`, evidence: [...verdict.evidence, ...scope.evidence] };
  }
  return verdict;
}

function judgeScram(libraries: readonly ScramSubject[], created: CreatedFact, unreadable: readonly string[]): Check {
  const id = 'scram' as const;
  const remediation = `${REDEPLOY}; its bundle ships libpq 10 or later. Until then, keep the database user's password stored as md5 (password_encryption = md5, then reset the password) so rotation can log in.`;
  const evidence = [...libraries.map(label), ...unreadable.map((p) => `${p}: could not be read`)];
  const { before, note: dateNote } = creationNote(created.date, SCRAM_CUTOFF, 'when AWS templates still bundled libpq 9.4', 'after AWS templates moved to libpq 10');

  if (libraries.length === 0 && unreadable.length === 0) {
    return { id, status: 'not-applicable', summary: 'No libpq in the bundle: this function does not log in through libpq.', evidence: [], remediation: '' };
  }
  const loaded = libraries.find((l) => l.loaded);
  const judged = loaded ? [loaded] : libraries;
  const below = judged.filter((l) => l.highest < 10);
  if (below.length > 0) {
    const worst = below[0]!;
    const binaryWins = created.date !== null && !before ? `${dateNote}, but the binary wins.` : dateNote ? `${dateNote}.` : '';
    return {
      id, status: 'fail',
      summary: `${loaded ? 'The libpq this function loads' : 'Bundled libpq'} is ${worst.version.value ?? 'older than 10'}: it cannot authenticate with scram-sha-256, so rotation fails at setSecret against a database that stores SCRAM passwords.${binaryWins}`,
      evidence, remediation,
    };
  }
  const unknown = judged.filter((l) => (l.version.atLeast ?? 0) < 10);
  if (unknown.length === 0 && unreadable.length === 0) {
    const v = judged.map((l) => l.version.value ?? `>=${l.version.atLeast}`).join(', ');
    const binaryWins = before ? `${dateNote}, but the binary wins.` : dateNote ? `${dateNote}.` : '';
    return { id, status: 'pass', summary: `${loaded ? 'The libpq this function loads' : 'Bundled libpq'} is ${v}: scram-sha-256 is supported.${binaryWins}`, evidence, remediation: '' };
  }
  const why = unreadable.length > 0 && unknown.length === 0
    ? `${unreadable.length} libpq file(s) could not be read`
    : `the version of ${unknown.map((l) => l.path).join(', ')} could not be told`;
  if (before) {
    return { id, status: 'warn', summary: `Cannot confirm SCRAM support: ${why}.${dateNote}.`, evidence, remediation };
  }
  return {
    id, status: 'unknown',
    summary: `Cannot tell whether scram-sha-256 works: ${why}${created.date === null ? ', and the creation date is unknown' : ''}.`,
    evidence, remediation,
  };
}
