import type { Report } from '../report/report.js';
import { ignoredFinding } from '../report/ignoreRules.js';
import { showOutsideText } from './outsideText.js';
import { accountOf, checkStatus, functionArn, lambdaArnParts, functionName, isPartial, libpqOf, partialText, regionOf, sortWorstFirst, verdictOf, type ScanRun } from './summary.js';

/** The account columns every CSV (scan and diagnose) ends with. */
export const ACCOUNT_CSV_COLUMNS = ['account_id', 'account_name'] as const;

/** The account cells of a row: its id (or '' when unknown) and its name from Organizations. */
export function accountCells(id: string | null | undefined, name?: string): Record<(typeof ACCOUNT_CSV_COLUMNS)[number], string> {
  return { account_id: id ?? '', account_name: name ?? '' };
}

export const CSV_COLUMNS = [
  'function_arn', 'function_name', 'region', 'scram', 'tls', 'libpq_version', 'libpq_exact',
  'created', 'created_source', 'stack', 'secrets', 'errors', 'verdict', 'ignored', 'warnings', ...ACCOUNT_CSV_COLUMNS,
] as const;

/**
 * A spreadsheet reads a cell that starts with = + - @ (or a tab or CR) as a
 * formula; a leading apostrophe makes it text.
 */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * One cell: control and bidi characters shown escaped (so no cell holds a line break and none can move a
 * terminal's cursor), formulas neutralised, then RFC 4180 quoting for a comma or quote.
 */
export function csvField(value: string): string {
  const v = neutraliseFormula(showOutsideText(value));
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

type Cells = Record<(typeof CSV_COLUMNS)[number], string>;
const EMPTY: Cells = Object.fromEntries(CSV_COLUMNS.map((c) => [c, ''])) as Cells;

function row(r: Report): Cells {
  const lib = libpqOf(r);
  const c = r.created;
  const stack = c.source === 'cloudformation' ? c.stack : c.source === null ? c.stack ?? '' : '';
  return {
    function_arn: functionArn(r),
    function_name: functionName(r),
    region: regionOf(r) ?? '',
    scram: checkStatus(r, 'scram') ?? '',
    tls: checkStatus(r, 'tls') ?? '',
    libpq_version: lib.version ?? '',
    libpq_exact: lib.exact === null ? '' : String(lib.exact),
    created: c.date ?? '',
    created_source: c.source ?? '',
    stack,
    secrets: (r.secrets ?? []).map((s) => s.name).join(';'),
    errors: r.errors.map((e) => e.message).join('; '),
    verdict: verdictOf(r),
    ignored: r.checks.flatMap((x) => { const i = ignoredFinding(r, x.id); return i ? [`${x.id}: ${i.reason}`] : []; }).join('; '),
    warnings: (r.warnings ?? []).map((w) => w.message).join('; '),
    ...accountCells(accountOf(r), r.account?.name),
  };
}

/**
 * A header row, then one row per function, worst first (`verdict` as every format counts it); then one row per
 * region whose listing failed (verdict `listing-failed`), one `partial` row saying why the run is incomplete, and
 * one row per function not inspected (verdict `not-inspected`). CRLF line ends.
 */
export function renderCsv(reports: readonly Report[], run?: ScanRun): string {
  const rows: Cells[] = sortWorstFirst(reports).map(row);
  if (run) {
    for (const l of run.listingFailures) rows.push({ ...EMPTY, region: l.region, errors: l.message, verdict: 'listing-failed', account_id: l.account ?? '' });
    // Accounts never assumed (suspended, closing) are rows too: nothing discovered is dropped.
    for (const a of run.accounts ?? []) if (a.skipped) rows.push({ ...EMPTY, ...accountCells(a.id, a.name), errors: `account skipped: it is ${a.state ?? 'not active'}`, verdict: 'account-skipped' });
    if (isPartial(run)) rows.push({ ...EMPTY, errors: partialText(run), verdict: 'partial' });
    for (const arn of run.notInspected) {
      const parts = lambdaArnParts(arn);
      rows.push({ ...EMPTY, function_arn: arn, function_name: parts?.name ?? arn, region: parts?.region ?? '', account_id: parts?.account ?? '', errors: 'not inspected: the scan was interrupted', verdict: 'not-inspected' });
    }
  }
  const lines = [[...CSV_COLUMNS], ...rows.map((cells) => CSV_COLUMNS.map((c) => cells[c]))];
  return lines.map((cells) => `${cells.map(csvField).join(',')}\r\n`).join('');
}
