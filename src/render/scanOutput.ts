import type { Report } from '../report/report.js';
import { renderAccountsTable } from './accountTable.js';
import { renderCsv } from './csv.js';
import { renderMarkdown } from './markdown.js';
import { escapeJsonOutsideText } from './outsideText.js';
import { renderSarif } from './sarif.js';
import type { Style } from './style.js';
import { accountOf, isPartial, renderSummaryTable, runOfAccount, scanSummaryJson, sortWorstFirst, type ScanRun } from './summary.js';

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
      if (run.accounts) return renderAccountsTable(run, options.style, { width: options.width });
      if (reports.length === 0 && !isPartial(run) && !run.ignore) {
        return `No rotation functions found: no secret in ${run.regions.map((r) => r.region).join(', ')} names a RotationLambdaARN.\n`;
      }
      return renderSummaryTable(reports, options.style, { width: options.width }, run);
    }
  }
}

const EXTENSION: Record<ScanFormat, string> = { table: 'txt', json: 'json', ndjson: 'ndjson', csv: 'csv', sarif: 'sarif', markdown: 'md' };

/**
 * --output-dir: one file per account (`<account id>.<ext>`, that account's part of the run in the chosen format)
 * and `summary.json` (the whole run's summary, every account with its counts).
 */
export function renderPerAccount(run: ScanRun, options: ScanOutputOptions): Array<{ name: string; text: string }> {
  const ids = run.accounts ? run.accounts.map((a) => a.id) : [...new Set(run.reports.map(accountOf).filter((a): a is string => a !== null))];
  const files = ids.map((id) => ({
    name: `${id}.${EXTENSION[options.format]}`,
    text: renderScanOutput(runOfAccount(run, id), { ...options, width: undefined }),
  }));
  files.push({ name: 'summary.json', text: escapeJsonOutsideText(`${JSON.stringify({ summary: scanSummaryJson(run) }, null, 2)}\n`) });
  return files;
}
