import type { Report } from '../report/report.js';
import { renderCsv } from './csv.js';
import { renderMarkdown } from './markdown.js';
import { escapeJsonOutsideText } from './outsideText.js';
import { renderSarif } from './sarif.js';
import type { Style } from './style.js';
import { isPartial, renderSummaryTable, scanSummaryJson, sortWorstFirst, type ScanRun } from './summary.js';

export type ScanFormat = 'table' | 'json' | 'ndjson' | 'csv' | 'sarif' | 'markdown';

export interface ScanOutputOptions {
  format: ScanFormat;
  style: Style;
  /** Terminal width of stdout; undefined when stdout is not a terminal (nothing is cut or wrapped). */
  width?: number | undefined;
  toolVersion: string;
}

/**
 * A scan's report in one format. Every format carries the same counts and says when the run is partial (a listing
 * failed, or functions were not inspected); JSON keeps outside text raw but escaped, the others show it escaped.
 */
export function renderScanOutput(run: ScanRun, options: ScanOutputOptions): string {
  const reports: Report[] = sortWorstFirst(run.reports);
  switch (options.format) {
    case 'json':
      return escapeJsonOutsideText(`${JSON.stringify({ reports, summary: scanSummaryJson(run) }, null, 2)}\n`);
    case 'ndjson':
      // The last record is the summary, so a stream consumer also learns of failed listings and partial runs.
      return escapeJsonOutsideText(`${[...reports.map((r) => JSON.stringify(r)), JSON.stringify({ type: 'summary', summary: scanSummaryJson(run) })].join('\n')}\n`);
    case 'csv': return renderCsv(reports, run);
    case 'sarif': return renderSarif(reports, options.toolVersion, run);
    case 'markdown': return renderMarkdown(reports, run);
    default: {
      if (reports.length === 0 && !isPartial(run) && !run.ignore) {
        return `No rotation functions found: no secret in ${run.regions.map((r) => r.region).join(', ')} names a RotationLambdaARN.\n`;
      }
      return renderSummaryTable(reports, options.style, { width: options.width }, run);
    }
  }
}
