import type { Report } from '../report/report.js';
import { checkStatus, functionArn, functionName, libpqOf, regionOf, sortWorstFirst } from './summary.js';

export const CSV_COLUMNS = [
  'function_arn', 'function_name', 'region', 'scram', 'tls', 'libpq_version', 'libpq_exact',
  'created', 'created_source', 'stack', 'secrets', 'errors',
] as const;

/**
 * A spreadsheet reads a cell that starts with = + - @ (or a tab or CR) as a
 * formula; a leading apostrophe makes it text.
 */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** RFC 4180: quote a field holding a comma, quote, CR or LF, doubling the quotes. */
export function csvField(value: string): string {
  const v = neutraliseFormula(value);
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function row(r: Report): string[] {
  const lib = libpqOf(r);
  const c = r.created;
  const stack = c.source === 'cloudformation' ? c.stack : c.source === null ? c.stack ?? '' : '';
  return [
    functionArn(r),
    functionName(r),
    regionOf(r) ?? '',
    checkStatus(r, 'scram') ?? '',
    checkStatus(r, 'tls') ?? '',
    lib.version ?? '',
    lib.exact === null ? '' : String(lib.exact),
    c.date ?? '',
    c.source ?? '',
    stack,
    (r.secrets ?? []).map((s) => s.name).join(';'),
    r.errors.map((e) => e.message).join('; '),
  ];
}

/** A header row, then one row per function, worst first; CRLF line ends. */
export function renderCsv(reports: readonly Report[]): string {
  const lines = [[...CSV_COLUMNS], ...sortWorstFirst(reports).map(row)];
  return lines.map((cells) => `${cells.map(csvField).join(',')}\r\n`).join('');
}
