import type { Report } from '../report/report.js';

/** One object for one target, an array for several. */
export function renderJson(reports: readonly Report[], single: boolean): string {
  return `${JSON.stringify(single && reports.length === 1 ? reports[0] : reports, null, 2)}\n`;
}

export function renderNdjsonLine(report: Report): string {
  return `${JSON.stringify(report)}\n`;
}
