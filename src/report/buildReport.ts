import { scramCheck } from '../checks/scramCheck.js';
import { tlsCheck } from '../checks/tlsCheck.js';
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
  const checks = notVerified(
    [scramCheck(subjects, created, unreadable), tlsCheck(handler, created, main?.handlerError)],
    parts.findings.map((f) => f.unread),
  );
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

/**
 * A bundle that could not be read is not an empty bundle: a check that
 * depends on it cannot pass or be not-applicable. The function code decides
 * both checks (it holds the handler and the first libpq on the path), so
 * both become unknown; an unread layer can still hide the libpq the
 * function loads, so only a failure already proven by what was read stands.
 */
function notVerified(checks: Check[], unread: ReadonlyArray<string | undefined>): Check[] {
  const causes = unread.filter((u): u is string => u !== undefined);
  if (causes.length === 0) return checks;
  const codeUnread = unread[0] !== undefined;
  return checks.map((c) => {
    const depends = c.id === 'scram' || codeUnread;
    const keep = !codeUnread && (c.status === 'fail' || c.status === 'warn' || c.status === 'unknown');
    if (!depends) return c;
    if (keep) return { ...c, evidence: [...c.evidence, ...causes.map((why) => `not read: ${why}`)] };
    return {
      ...c, status: 'unknown' as const,
      summary: `Not verified: ${causes.length === 1 ? 'a bundle' : `${causes.length} bundles`} of this function could not be read (${causes.join('; ')}).`,
      evidence: [...c.evidence, ...causes.map((why) => `not read: ${why}`)],
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
