import { InspectError, describeError } from '../errors.js';
import type { ReportError } from './report.js';

/** A failed read as a report error: the InspectError's code and message, else a generic one naming the path. */
export function toReportError(e: unknown, path?: string): ReportError {
  if (e instanceof InspectError) return { ...(e.path ?? path ? { path: e.path ?? path } : {}), code: e.code, message: e.message };
  return { ...(path ? { path } : {}), code: 'error', message: `${path ? `${path}: ` : ''}${describeError(e)}` };
}
