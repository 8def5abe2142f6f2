/** A verdict on one question, with what it rests on and what to do. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'unknown' | 'not-applicable';
export type CheckId = 'scram' | 'tls';

export interface Check {
  id: CheckId;
  status: CheckStatus;
  summary: string;
  evidence: string[];
  remediation: string;
}

/** Severity order used by --fail-on and by "worst first" sorting. */
export const SEVERITY: Record<CheckStatus, number> = { fail: 4, warn: 3, unknown: 2, pass: 1, 'not-applicable': 0 };

/** AWS fixed its templates on these dates (UTC). */
export const SCRAM_CUTOFF = '2021-12-30';
export const TLS_CUTOFF = '2021-12-20';

export const REDEPLOY =
  'Redeploy the rotation function from the current AWS template (Secrets Manager console: edit rotation and create a new function, or update the serverless application / CloudFormation stack that created it)';

/**
 * Whether a creation date falls before a template cut-off, and the sentence
 * that says so (empty when the date is unknown). Dates compare as ISO strings,
 * so a full timestamp and a YYYY-MM-DD day both work.
 */
export function creationNote(date: string | null, cutoff: string, beforeWhat: string, afterWhat: string): { before: boolean; note: string } {
  if (date === null) return { before: false, note: '' };
  const before = date < cutoff;
  const day = date.slice(0, 10);
  return { before, note: before ? ` The function was created ${day}, before ${cutoff}, ${beforeWhat}` : ` The function was created ${day}, ${afterWhat}` };
}
