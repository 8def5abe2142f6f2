import { scramCheck } from '../checks/scramCheck.js';
import { tlsCheck, type TlsContext } from '../checks/tlsCheck.js';
import { engineScope } from '../checks/engineScope.js';
import { selectDrivers, type SemverApi } from '../checks/driverRules.js';
import type { Check } from '../checks/check.js';
import type { LoaderFacts } from '../facts/loader/lambdaLoader.js';
import { INSPECTOR_VERSION } from '../version.js';
import type { BundleFindings } from './bundleFindings.js';
import type { Created, FunctionFacts, Report, ReportError, Target } from './report.js';

export interface ReportParts {
  target: Target;
  /** Function code first, then layers in order. */
  findings: BundleFindings[];
  created: Created;
  function?: FunctionFacts;
  loader?: LoaderFacts;
  /** Live: the TLS settings libpq reads from the function's environment (only these two names, never other values). */
  environment?: TlsContext['environment'];
  /** The `semver` package (report/driverFindings.ts loadSemver), when the findings carry drivers of their own. */
  semver?: SemverApi;
}

/** Findings, creation date and loader choice in; checks with verdicts out. */
export function buildReport(parts: ReportParts): Report {
  const libraries = parts.findings.flatMap((f) => f.libraries);
  const main = parts.findings[0];
  const handler = main?.handler ?? null;
  const errors = parts.findings.flatMap((f) => f.errors);
  const loadedPath = parts.loader?.loads ?? null;
  const subjects = libraries.filter((l) => !l.error).map((l) => ({
    path: l.installPath ?? l.path, version: l.version, highest: l.highest,
    ...(loadedPath !== null ? { loaded: (l.installPath ?? l.path) === loadedPath } : {}),
  }));
  const unreadable = libraries.filter((l) => l.error).map((l) => l.installPath ?? l.path);
  const created = { date: parts.created.date };
  const drivers = parts.findings.flatMap((f) => f.drivers ?? []);
  const driverContext = { selection: selectDrivers(handler, drivers), ...(parts.semver ? { semver: parts.semver } : {}) };
  const scope = engineScope(handler);
  // The libpq whose build decides TLS: the one the function loads, else the least capable one found.
  const readable = libraries.filter((l) => !l.error).map((l) => ({ ...l, tls: l.tls ?? { capable: null, evidence: 'TLS capability not recorded' } }));
  const loadedLib = loadedPath !== null ? readable.find((l) => (l.installPath ?? l.path) === loadedPath) : undefined;
  const rank = (c: boolean | null) => (c === false ? 0 : c === null ? 1 : 2);
  const tlsLib = loadedLib ?? [...readable].sort((a, b) => rank(a.tls!.capable) - rank(b.tls!.capable))[0];
  const libpq = unreadable.length > 0 && !loadedLib
    ? { path: unreadable[0]!, tls: { capable: null, evidence: 'could not be read' } }
    : tlsLib ? { path: tlsLib.installPath ?? tlsLib.path, tls: tlsLib.tls! } : null;
  const checks = notVerified([
    scramCheck(subjects, created, unreadable, scope, driverContext),
    tlsCheck(handler, created, { scope, libpq, drivers: driverContext, ...(main?.handlerError ? { handlerError: main.handlerError } : {}), ...(parts.environment ? { environment: parts.environment } : {}) }),
  ], parts.findings.map((f) => f.unread));
  return {
    ...envelope(parts.target, parts.created),
    libraries: libraries.map(({ highest: _highest, ...l }) => l),
    handler,
    drivers,
    checks,
    errors,
    ...(parts.function ? { function: parts.function } : {}),
    ...(parts.loader ? { loader: parts.loader } : {}),
  };
}

/**
 * A bundle that could not be read is not an empty bundle: a check cannot
 * pass or be not-applicable on what was not read. An unread function code
 * (the handler and the first libpq on the path) makes both checks unknown;
 * an unread layer (passed here only when it could hold the libpq that
 * loads) turns a pass or not-applicable into unknown, while a failure
 * already proven by what was read stands.
 */
function notVerified(checks: Check[], unread: ReadonlyArray<string | undefined>): Check[] {
  const causes = unread.filter((u): u is string => u !== undefined);
  if (causes.length === 0) return checks;
  const codeUnread = unread[0] !== undefined;
  const evidence = causes.map((why) => `not read: ${why}`);
  return checks.map((c) => {
    if (!codeUnread && (c.status === 'fail' || c.status === 'warn' || c.status === 'unknown')) return { ...c, evidence: [...c.evidence, ...evidence] };
    return {
      ...c, status: 'unknown' as const,
      summary: `Not verified: ${causes.length === 1 ? 'a bundle' : `${causes.length} bundles`} of this function could not be read (${causes.join('; ')}).`,
      evidence: [...c.evidence, ...evidence],
      remediation: c.remediation || 'Fix the cause above and inspect again; until then this function is not verified.',
    };
  });
}

/** The fields every report starts with, in schema order. */
function envelope(target: Target, created: Created): Pick<Report, 'schemaVersion' | 'inspector' | 'target' | 'created'> {
  return { schemaVersion: 1, inspector: { name: 'rotation-inspector', version: INSPECTOR_VERSION }, target, created };
}

/** Both checks with one status and one summary: for targets whose code was not (or cannot be) read. */
function sameForBoth(status: Check['status'], summary: string): Check[] {
  return (['scram', 'tls'] as const).map((id) => ({ id, status, summary, evidence: [], remediation: '' }));
}

/** A report for a target that could not be inspected at all. The cause is said once, in `errors`. */
export function failedReport(target: Target, created: Created, error: ReportError): Report {
  return { ...envelope(target, created), libraries: [], handler: null, checks: sameForBoth('unknown', 'Not inspected: the target could not be read (see errors).'), errors: [error] };
}

/** A report for a target whose code is outside what the checks judge (a container image). */
export function notApplicableReport(target: Target, created: Created, summary: string, extra: { errors: ReportError[]; function?: FunctionFacts }): Report {
  return { ...envelope(target, created), libraries: [], handler: null, checks: sameForBoth('not-applicable', summary), ...extra };
}
