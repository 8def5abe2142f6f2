import type { Report } from '../report/report.js';
import { escapeJsonOutsideText } from './outsideText.js';

/** One object for one target, an array for several. Outside text keeps its raw value, with no raw C1 or bidi character. */
export function renderJson(reports: readonly Report[], single: boolean): string {
  return escapeJsonOutsideText(`${JSON.stringify(single && reports.length === 1 ? reports[0] : reports, null, 2)}\n`);
}

export function renderNdjsonLine(report: Report): string {
  return escapeJsonOutsideText(`${JSON.stringify(report)}\n`);
}
