import { SEVERITY } from '../checks/check.js';
import { ignoredFinding } from '../report/ignoreRules.js';
import type { Report } from '../report/report.js';

/**
 * The exit codes of every command, in one place. A command returns one of
 * these; main.ts only passes it on.
 */
export const EXIT = {
  /** Nothing at or above --fail-on. */
  clean: 0,
  /** Some check is at or above --fail-on. */
  findings: 1,
  /** Something could not be judged (a target, a libpq inside it, a region's listing), or bad usage. */
  couldNotJudge: 2,
  usage: 2,
  /** Ctrl-C, as shells report a SIGINT death. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The lowest check status that breaks the build, or never. */
export type FailOn = 'fail' | 'warn' | 'unknown' | 'never';
export const FAIL_ON_LEVELS: readonly FailOn[] = ['fail', 'warn', 'unknown', 'never'];

export interface RunOutcome {
  reports: readonly Report[];
  /** A whole listing (a region's secrets) could not be read. */
  listingFailed?: boolean;
  interrupted?: boolean;
}

/**
 * Interrupted beats could-not-judge beats findings: a run that did not look at
 * everything must never exit as if it had.
 */
export function exitCodeFor(run: RunOutcome, failOn: FailOn): ExitCode {
  if (run.interrupted) return EXIT.interrupted;
  if (run.listingFailed || run.reports.some((r) => r.errors.length > 0)) return EXIT.couldNotJudge;
  if (failOn === 'never') return EXIT.clean;
  const bar = SEVERITY[failOn];
  // A finding accepted through --ignore-file leaves the exit code alone.
  return run.reports.some((r) => r.checks.some((c) => SEVERITY[c.status] >= bar && !ignoredFinding(r, c.id))) ? EXIT.findings : EXIT.clean;
}
