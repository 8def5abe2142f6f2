import type { LibpqVersion } from '../evidence/versionEvidence.js';
import { type Check, REDEPLOY, SEVERITY, SCRAM_CUTOFF, creationNote } from './check.js';
import { DRIVER_RULES, driverEvidence, driverLabel, driverRemediation, scramOf, type DriverSelection, type SemverApi } from './driverRules.js';
import { engineLabel, type EngineScope } from './engineScope.js';

/** The bundle's drivers of their own (not libpq), which the handler uses, and the version order to compare them. */
export interface DriverContext { selection: DriverSelection; semver?: SemverApi }

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
export function scramCheck(libraries: readonly ScramSubject[], created: CreatedFact, unreadable: readonly string[] = [], scope: EngineScope = { kind: 'no-handler' }, drivers?: DriverContext): Check {
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
  const sel = drivers?.selection;
  const ownDrivers = sel !== undefined && (sel.judged.length > 0 || sel.missing.length > 0);
  if (scope.kind === 'no-driver' && libraries.length === 0 && unreadable.length === 0 && !ownDrivers) {
    return { id, status: 'not-applicable', summary: 'The rotation handler imports no database driver and the bundle has no libpq.', evidence: [], remediation: '' };
  }
  const others = (sel?.others ?? []).map((d) => `also in the bundle, not judged: ${driverEvidence(d)}`);
  let verdict: Check;
  if (ownDrivers) {
    verdict = judgeDrivers(sel, drivers!.semver);
    // A handler that names no driver, in a bundle that also ships libpq: the worse of the two.
    if (sel.libpqDecides && (libraries.length > 0 || unreadable.length > 0)) {
      const lib = judgeScram(libraries, created, unreadable);
      if (SEVERITY[lib.status] > SEVERITY[verdict.status]) verdict = { ...lib, evidence: [...lib.evidence, ...verdict.evidence] };
      else verdict = { ...verdict, evidence: [...verdict.evidence, ...lib.evidence] };
    }
  } else if (libraries.length === 0 && unreadable.length === 0 && sel && sel.others.some((d) => DRIVER_RULES[d.name].libpqBased)) {
    // psycopg 3, Ruby pg: they log in through a libpq that is not in the bundle.
    const d = sel.others.find((x) => DRIVER_RULES[x.name].libpqBased)!;
    return {
      id, status: 'unknown',
      summary: `${driverLabel(d)} logs in through libpq, but the bundle ships none: the libpq it loads comes from elsewhere (the runtime or a layer not read), and its version decides scram-sha-256.`,
      evidence: sel.others.map(driverEvidence), remediation: `Ship a libpq 10 or later with the function (a binary build of ${d.name} that carries its own libpq, or libpq in a layer).`,
    };
  } else {
    verdict = judgeScram(libraries, created, unreadable);
  }
  if (others.length > 0) verdict = { ...verdict, evidence: [...verdict.evidence, ...others] };
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

/**
 * A driver of its own against the release that taught it scram-sha-256. A
 * version that cannot be read, or a driver the handler imports that no bundle
 * records, is unknown: never a pass.
 */
function judgeDrivers(sel: DriverSelection, semver: SemverApi | undefined): Check {
  const id = 'scram' as const;
  const judged = sel.judged.map((d) => ({ d, ...scramOf(d, semver) }));
  const evidence = [...sel.judged.map(driverEvidence), ...sel.missing.map((n) => `${n}: imported by the handler, but no file in the code or its layers records its version`)];
  const fail = judged.find((j) => j.status === 'fail');
  if (fail) {
    return {
      id, status: 'fail',
      summary: `${driverLabel(fail.d)} cannot authenticate with scram-sha-256 (${fail.why}): rotation fails at setSecret against a database that stores SCRAM passwords.`,
      evidence, remediation: driverRemediation(fail.d, fail.fixedIn!),
    };
  }
  const unknown = judged.find((j) => j.status === 'unknown');
  if (unknown || sel.missing.length > 0) {
    const name = unknown ? unknown.d.name : sel.missing[0]!;
    const why = unknown ? unknown.why : 'no file in the code or its layers records its version (a bundler may have inlined it, or it comes from elsewhere)';
    const fixedIn = unknown ? unknown.fixedIn : DRIVER_RULES[name].scramFrom();
    return {
      id, status: 'unknown',
      summary: `Cannot tell whether ${name} can log in with scram-sha-256: ${why}.`,
      evidence,
      remediation: fixedIn ? `Make sure the function ships ${name} (${DRIVER_RULES[name].package}) ${fixedIn} or later.` : '',
    };
  }
  return {
    id, status: 'pass',
    summary: `${judged.map((j) => driverLabel(j.d)).join(', ')}: scram-sha-256 is supported (${[...new Set(judged.map((j) => j.why))].join('; ')}).`,
    evidence, remediation: '',
  };
}
