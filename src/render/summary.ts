import { SEVERITY, type CheckId, type CheckStatus } from '../checks/check.js';
import type { LibraryReport, Report } from '../report/report.js';
import type { Style } from './style.js';

/** Counts over a scan. `failing + warning + passing + unknown === functions`; `errors` overlaps them. */
export interface ScanSummary {
  functions: number;
  /** At least one check fails. */
  failing: number;
  /** The worst check warns. */
  warning: number;
  /** Reports that carry inspection errors (they are also counted in one of the other buckets). */
  errors: number;
  /** No errors, and every check passes or does not apply. */
  passing: number;
  /** Neither failing, warning nor passing: a check could not decide, or errors hid the answer. */
  unknown: number;
  byCheck: Record<CheckId, Record<CheckStatus, number>>;
  /** Sum of report.secrets?.length. */
  secrets: number;
}

export const CHECK_IDS: readonly CheckId[] = ['scram', 'tls'];
export const STATUS_LABEL: Record<CheckStatus, string> = { fail: 'FAIL', warn: 'WARN', unknown: 'UNKNOWN', pass: 'PASS', 'not-applicable': 'N/A' };

const zeroStatuses = (): Record<CheckStatus, number> => ({ fail: 0, warn: 0, unknown: 0, pass: 0, 'not-applicable': 0 });

/** Highest check severity of a report (SEVERITY), -1 when it has no checks. */
export function worstSeverity(r: Report): number {
  return r.checks.reduce((m, c) => Math.max(m, SEVERITY[c.status]), -1);
}

export function summarize(reports: readonly Report[]): ScanSummary {
  const s: ScanSummary = {
    functions: reports.length, failing: 0, warning: 0, errors: 0, passing: 0, unknown: 0,
    byCheck: { scram: zeroStatuses(), tls: zeroStatuses() }, secrets: 0,
  };
  for (const r of reports) {
    const worst = worstSeverity(r);
    const hasErrors = r.errors.length > 0;
    if (hasErrors) s.errors++;
    if (worst >= SEVERITY.fail) s.failing++;
    else if (worst >= SEVERITY.warn) s.warning++;
    else if (!hasErrors && worst <= SEVERITY.pass && r.checks.length > 0) s.passing++;
    else s.unknown++;
    for (const c of r.checks) {
      const counts = s.byCheck[c.id];
      if (counts) counts[c.status]++;
    }
    s.secrets += r.secrets?.length ?? 0;
  }
  return s;
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Reports with errors first, then by highest check severity, then by target id. Returns a new array. */
export function sortWorstFirst(reports: readonly Report[]): Report[] {
  return [...reports].sort((a, b) => {
    const ea = a.errors.length > 0 ? 1 : 0;
    const eb = b.errors.length > 0 ? 1 : 0;
    if (ea !== eb) return eb - ea;
    const sa = worstSeverity(a);
    const sb = worstSeverity(b);
    if (sa !== sb) return sb - sa;
    return byCodeUnit(a.target.id, b.target.id);
  });
}

/** The name people know a function by. */
export function functionName(r: Report): string {
  return r.function?.name ?? /^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:([\w-]+)/.exec(r.target.id)?.[1] ?? r.target.id;
}

/** The function ARN, or the target id for offline targets. */
export function functionArn(r: Report): string {
  return r.function?.arn ?? r.target.id;
}

/** target.region, else the region field of a Lambda ARN, else null. */
export function regionOf(r: Report): string | null {
  if (r.target.region) return r.target.region;
  const m = /^arn:[\w-]+:lambda:([\w-]+):/.exec(functionArn(r));
  return m?.[1] ?? null;
}

export function checkStatus(r: Report, id: CheckId): CheckStatus | null {
  return r.checks.find((c) => c.id === id)?.status ?? null;
}

function versionKey(l: LibraryReport): number[] {
  const v = l.version;
  const nums = v.value ? (v.value.match(/\d+/g) ?? []).map(Number) : [];
  if (nums.length > 0) return nums;
  if (v.major !== null) return [v.major];
  if (v.atLeast !== null) return [v.atLeast];
  return [Infinity];
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export interface LibpqChoice {
  library: LibraryReport | null;
  /** "9.4.26", ">=10", or null when nothing is known. */
  version: string | null;
  exact: boolean | null;
}

/** The libpq that matters: the one the loader picks, else the lowest version found. */
export function libpqOf(r: Report): LibpqChoice {
  const readable = r.libraries.filter((l) => !l.error);
  const loads = r.loader?.loads ?? null;
  let lib: LibraryReport | undefined = loads !== null ? readable.find((l) => l.installPath === loads) : undefined;
  if (!lib) lib = [...readable].sort((a, b) => compareKeys(versionKey(a), versionKey(b)))[0];
  if (!lib) return { library: null, version: null, exact: null };
  const v = lib.version;
  return { library: lib, version: v.value ?? (v.atLeast !== null ? `>=${v.atLeast}` : null), exact: v.exact };
}

/** Control characters never reach a terminal or a document. */
export function oneLine(text: string): string {
  return text.replace(/\r\n|[\r\n\t]/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
}

/** Cuts text to `width` characters, ending in … when cut. */
export function truncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 0) return '';
  return `${chars.slice(0, width - 1).join('')}…`;
}

const visibleLength = (text: string): number => [...text].length;
const pad = (text: string, width: number): string => text + ' '.repeat(Math.max(0, width - visibleLength(text)));

/** "name: message", unless the message already starts with the name or target id. */
export function errorLine(r: Report, message: string): string {
  const name = functionName(r);
  return message.startsWith(name) || message.startsWith(r.target.id) ? message : `${name}: ${message}`;
}

/** Target width of the table. */
const WIDTH = 100;

/** One row per function, worst first, then totals (and one line per inspection error). Fits 100 columns. */
export function renderSummaryTable(reports: readonly Report[], style: Style): string {
  const rows = sortWorstFirst(reports).map((r) => {
    const lib = libpqOf(r);
    const scram = checkStatus(r, 'scram');
    const tls = checkStatus(r, 'tls');
    return {
      r, scram, tls,
      cells: [
        oneLine(functionName(r)),
        oneLine(regionOf(r) ?? '-'),
        scram ? STATUS_LABEL[scram] : '-',
        tls ? STATUS_LABEL[tls] : '-',
        truncate(oneLine(lib.version ?? (r.libraries.length ? '?' : 'none')), 12),
        oneLine(r.created.date?.slice(0, 10) ?? '-'),
        r.secrets ? String(r.secrets.length) : '-',
      ],
    };
  });
  const header = ['FUNCTION', 'REGION', 'SCRAM', 'TLS', 'LIBPQ', 'CREATED', 'SECRETS'];
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((row) => visibleLength(row.cells[i] ?? ''))));
  // Every column but the first keeps its width; the function name gets what is left of 100 columns.
  const others = widths.slice(1).reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  widths[0] = Math.max(visibleLength(header[0]!), Math.min(widths[0]!, Math.max(16, WIDTH - others)));
  const fnWidth = widths[0]!;

  const line = (cells: string[], decorate: (i: number, padded: string) => string): string =>
    cells.map((c, i) => {
      const padded = i === cells.length - 1 ? c.padStart(widths[i]!) : pad(c, widths[i]!);
      return decorate(i, padded);
    }).join('  ').trimEnd();

  const out: string[] = [];
  out.push(style.bold(line(header, (_i, p) => p)));
  for (const row of rows) {
    const cells = [truncate(row.cells[0]!, fnWidth), ...row.cells.slice(1)];
    out.push(line(cells, (i, p) => {
      if (i === 0 && row.r.errors.length > 0) return style.status('fail', p);
      if (i === 2 && row.scram) return style.status(row.scram, p);
      if (i === 3 && row.tls) return style.status(row.tls, p);
      if (i === 5 && row.r.created.date === null) return style.dim(p);
      return p;
    }));
  }
  const s = summarize(reports);
  const parts = [
    style.status(s.failing ? 'fail' : 'pass', `${s.failing} failing`),
    style.status(s.warning ? 'warn' : 'pass', `${s.warning} warning`),
    style.status('pass', `${s.passing} passing`),
    ...(s.unknown ? [style.status('unknown', `${s.unknown} unknown`)] : []),
    ...(s.errors ? [style.status('fail', `${s.errors} with errors`)] : []),
  ];
  out.push('');
  out.push(`${style.bold(`${s.functions} function${s.functions === 1 ? '' : 's'}`)}: ${parts.join(', ')}; ${s.secrets} secret${s.secrets === 1 ? '' : 's'}`);
  for (const row of rows) {
    for (const e of row.r.errors) {
      const prefix = 'error  ';
      out.push(style.status('fail', prefix) + truncate(oneLine(errorLine(row.r, e.message)), WIDTH - prefix.length));
    }
  }
  return `${out.join('\n')}\n`;
}
