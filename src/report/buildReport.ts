import { scramCheck } from '../checks/scramCheck.js';
import { tlsCheck } from '../checks/tlsCheck.js';
import type { Check } from '../checks/check.js';
import { INSPECTOR_VERSION } from '../version.js';
import type { BundleFindings } from './bundleFindings.js';
import type { Created, FunctionFacts, LoaderFacts, Report, Target } from './report.js';

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
  const checks = [scramCheck(subjects, created, unreadable), tlsCheck(handler, created, main?.handlerError)];
  return {
    schemaVersion: 1,
    inspector: { name: 'rotation-inspector', version: INSPECTOR_VERSION },
    target: parts.target,
    libraries: libraries.map(({ highest: _highest, ...l }) => l),
    handler,
    created: parts.created,
    checks,
    errors,
    ...(parts.function ? { function: parts.function } : {}),
    ...(parts.loader ? { loader: parts.loader } : {}),
  };
}

/** A report for a target that could not be inspected at all. */
export function failedReport(target: Target, created: Created, error: { code: string; message: string; path?: string }): Report {
  const checks: Check[] = (['scram', 'tls'] as const).map((id) => ({
    id, status: 'unknown', summary: `Not inspected: ${error.message}`, evidence: [], remediation: '',
  }));
  return {
    schemaVersion: 1,
    inspector: { name: 'rotation-inspector', version: INSPECTOR_VERSION },
    target, libraries: [], handler: null, created, checks, errors: [error],
  };
}
