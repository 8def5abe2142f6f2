import type { Report } from '../report/report.js';
import { countsText, summarize } from '../render/summary.js';

/**
 * The one line the terminal keeps when the report goes to a file (-o):
 * `wrote report.json: 14 functions: 3 fail, 1 error, 2 warn, 0 unknown, 0 ignored, 8 pass, 0 not-applicable`.
 */
export function summaryLine(reports: readonly Report[], noun: 'function' | 'target', file: string, partial = false): string {
  // The counts in the words of every report format; a partial run says so, as the table does.
  return `wrote ${file}: ${countsText(summarize(reports), noun)}${partial ? ' (partial)' : ''}`;
}
