import type { Report } from '../report/report.js';
import { summarize } from '../render/summary.js';

/**
 * The one line the terminal keeps when the report goes to a file (-o):
 * `wrote report.json: 14 functions: 3 failing, 2 warning, 8 passing, 1 unknown; 1 with errors`.
 */
export function summaryLine(reports: readonly Report[], noun: 'function' | 'target', file: string): string {
  const s = summarize(reports);
  const counts = `${s.failing} failing, ${s.warning} warning, ${s.passing} passing, ${s.unknown} unknown`;
  return `wrote ${file}: ${reports.length} ${noun}${reports.length === 1 ? '' : 's'}: ${counts}${s.errors ? `; ${s.errors} with errors` : ''}`;
}
