import { scramCheck } from '../checks/scramCheck.js';
import { tlsCheck, type TlsContext } from '../checks/tlsCheck.js';
import { engineScope } from '../checks/engineScope.js';
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
  const scope = engineScope(handler);
  // The libpq whose build decides TLS: the one the function loads, else the least capable one found.
  const readable = libraries.filter((l) => !l.error).map((l) => ({ ...l, tls: l.tls ?? { capable: null, evidence: 'TLS capability not recorded' } }));
  const loadedLib = loadedPath !== null ? readable.find((l) => (l.installPath ?? l.path) === loadedPath) : undefined;
  const rank = (c: boolean | null) => (c === false ? 0 : c === null ? 1 : 2);
  const tlsLib = loadedLib ?? [...readable].sort((a, b) => rank(a.tls!.capable) - rank(b.tls!.capable))[0];
  const libpq = unreadable.length > 0 && !loadedLib
    ? { path: unreadable[0]!, tls: { capable: null, evidence: 'could not be read' } }
    : tlsLib ? { path: tlsLib.installPath ?? tlsLib.path, tls: tlsLib.tls! } : null;
  const checks = [
    scramCheck(subjects, created, unreadable, scope),
    tlsCheck(handler, created, { scope, libpq, ...(main?.handlerError ? { handlerError: main.handlerError } : {}), ...(parts.environment ? { environment: parts.environment } : {}) }),
  ];
  return {
    ...envelope(parts.target, parts.created),
    libraries: libraries.map(({ highest: _highest, ...l }) => l),
    handler,
    checks,
    errors,
    ...(parts.function ? { function: parts.function } : {}),
    ...(parts.loader ? { loader: parts.loader } : {}),
  };
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
