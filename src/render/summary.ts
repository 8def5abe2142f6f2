import { SEVERITY, type CheckId, type CheckStatus } from '../checks/check.js';
import { ignoredFinding, type IgnoreOutcome, type IgnoreRule } from '../report/ignoreRules.js';
import type { LibraryReport, Report } from '../report/report.js';
import { padEnd, padStart, shortenKeepingEnd, visibleLength, wrap } from './layout.js';
import { showOutsideText } from './outsideText.js';
import type { Style } from './style.js';

/**
 * What one function comes to, in the same words in every format: the worst of its checks that are not ignored,
 * except that a report with inspection errors and no failing check is `error` (its verdicts may be incomplete),
 * and one whose only findings were accepted through --ignore-file is `ignored`. A function whose checks all do
 * not apply is `not-applicable`, never `pass`.
 */
export type Verdict = 'fail' | 'error' | 'warn' | 'unknown' | 'ignored' | 'pass' | 'not-applicable';
export const VERDICTS: readonly Verdict[] = ['fail', 'error', 'warn', 'unknown', 'ignored', 'pass', 'not-applicable'];

/** Functions per verdict; they add up to the number of functions. */
export type VerdictCounts = Record<Verdict, number>;

/**
 * Counts over a scan. `counts` puts each function in exactly one verdict. The older fields are kept and agree with
 * it: failing = fail, warning = warn, passing = pass, unknown = unknown, notApplicable = not-applicable; `errors`
 * is still every report that carries inspection errors (failing ones included).
 */
export interface ScanSummary {
  functions: number;
  counts: VerdictCounts;
  failing: number;
  warning: number;
  /** Reports that carry inspection errors, whatever their verdict. */
  errors: number;
  passing: number;
  unknown: number;
  notApplicable: number;
  /** Per check, per status, as the checks said (ignored findings included). */
  byCheck: Record<CheckId, Record<CheckStatus, number>>;
  /** Findings accepted through --ignore-file. */
  ignored: number;
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

/** Checks that count: those no ignore-file entry accepted. */
export function countedChecks(r: Report) {
  return r.checks.filter((c) => !ignoredFinding(r, c.id));
}

export function verdictOf(r: Report): Verdict {
  const checks = countedChecks(r);
  const worst = checks.reduce((m, c) => Math.max(m, SEVERITY[c.status]), -1);
  if (worst >= SEVERITY.fail) return 'fail';
  if (r.errors.length > 0) return 'error';
  if (worst >= SEVERITY.warn) return 'warn';
  if (worst >= SEVERITY.unknown) return 'unknown';
  if ((r.ignored?.length ?? 0) > 0) return 'ignored';
  if (worst >= SEVERITY.pass) return 'pass';
  // No checks at all is not a verdict.
  return checks.length > 0 ? 'not-applicable' : 'unknown';
}

export const zeroCounts = (): VerdictCounts => ({ fail: 0, error: 0, warn: 0, unknown: 0, ignored: 0, pass: 0, 'not-applicable': 0 });

export function summarize(reports: readonly Report[]): ScanSummary {
  const counts = zeroCounts();
  const byCheck = { scram: zeroStatuses(), tls: zeroStatuses() };
  let errors = 0;
  let ignored = 0;
  let secrets = 0;
  for (const r of reports) {
    counts[verdictOf(r)]++;
    if (r.errors.length > 0) errors++;
    for (const c of r.checks) {
      const n = byCheck[c.id];
      if (n) n[c.status]++;
    }
    ignored += r.ignored?.length ?? 0;
    secrets += r.secrets?.length ?? 0;
  }
  return {
    functions: reports.length, counts, failing: counts.fail, warning: counts.warn, errors, passing: counts.pass,
    unknown: counts.unknown, notApplicable: counts['not-applicable'], byCheck, ignored, secrets,
  };
}

/** "5 functions: 1 fail, 1 error, 1 warn, 0 unknown, 2 pass, 0 not-applicable": the one way every format counts. */
export function countsText(s: ScanSummary, noun: 'function' | 'target' = 'function'): string {
  return `${s.functions} ${noun}${s.functions === 1 ? '' : 's'}: ${VERDICTS.map((v) => `${s.counts[v]} ${v}`).join(', ')}`;
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

/** The parts of a Lambda function ARN (arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]), else null. */
export function lambdaArnParts(arn: string): { region: string; account: string; name: string } | null {
  const m = /^arn:[\w-]+:lambda:([\w-]+):(\d{12}):function:([^:]+)/.exec(arn);
  return m ? { region: m[1]!, account: m[2]!, name: m[3]! } : null;
}

/** The name people know a function by. */
export function functionName(r: Report): string {
  return r.function?.name ?? lambdaArnParts(r.target.id)?.name ?? r.target.id;
}

/** The report's account (scans), else the account of its Lambda ARN, else null. */
export function accountOf(r: Report): string | null {
  return r.account?.id ?? lambdaArnParts(functionArn(r))?.account ?? null;
}

/** The function ARN, or the target id for offline targets. */
export function functionArn(r: Report): string {
  return r.function?.arn ?? r.target.id;
}

/** target.region, else the region field of a Lambda ARN, else null. */
export function regionOf(r: Report): string | null {
  return r.target.region ?? lambdaArnParts(functionArn(r))?.region ?? null;
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

/** "name: message", unless the message already starts with the name or target id. */
export function errorLine(r: Report, message: string): string {
  const name = functionName(r);
  return message.startsWith(name) || message.startsWith(r.target.id) ? message : `${name}: ${message}`;
}

// ---------------------------------------------------------------------------
// The run around the reports: what a scan could not list or did not inspect.

export interface ListingFailure { region: string; code: string; message: string; account?: string }

/** One region of a scan: listed, failed (error) or not enabled for the account (`account`: runs over several accounts). */
export interface RegionOutcome { region: string; notEnabled?: boolean; error?: { code: string; message: string }; account?: string }

/** One account of a run over several accounts, as scan/scanAccounts.ts reports it. */
export interface AccountRun {
  id: string;
  name?: string;
  /** Organizations' state. */
  state?: string;
  management?: boolean;
  /** Suspended or closing: never assumed. */
  skipped?: boolean;
  /** How it was read: the assumed role, or the base credentials. */
  credentials?: 'role' | 'base';
  roleArn?: string;
  /** The role could not be assumed. */
  error?: { code: string; message: string };
}

/** What every scan format shows besides the reports. */
export interface ScanRun {
  reports: readonly Report[];
  /** Regions whose secrets could not be listed: functions there may be missing. */
  listingFailures: readonly ListingFailure[];
  /** Regions listed (or tried), and those --all-regions found not enabled. */
  regions: readonly RegionOutcome[];
  /** Ctrl-C stopped the scan. */
  interrupted: boolean;
  /** Functions discovered but never inspected. */
  notInspected: readonly string[];
  /** When the scan started, ISO 8601. */
  startedAt: string;
  ignore?: IgnoreOutcome | undefined;
  /** Runs over several accounts: every account, read or not. */
  accounts?: readonly AccountRun[] | undefined;
}

/** The fields of a scan result a ScanRun is made of, as scan/scanAccount.ts returns them. */
export interface ScanResultLike {
  reports: readonly Report[];
  notInspected: readonly string[];
  regions: readonly RegionOutcome[];
  interrupted: boolean;
  accounts?: readonly AccountRun[] | undefined;
}

export function scanRunOf(result: ScanResultLike, startedAt: Date, ignore?: IgnoreOutcome): ScanRun {
  return {
    reports: result.reports, regions: result.regions, interrupted: result.interrupted, notInspected: result.notInspected,
    listingFailures: result.regions.flatMap((l) => (l.error ? [{ region: l.region, code: l.error.code, message: l.error.message, ...(l.account ? { account: l.account } : {}) }] : [])),
    startedAt: startedAt.toISOString(), ignore,
    ...(result.accounts ? { accounts: result.accounts.map(accountRunOf) } : {}),
  };
}

/** The AccountRun fields of an account outcome (scan/scanAccounts.ts), and nothing else. */
function accountRunOf(a: AccountRun): AccountRun {
  return {
    id: a.id, ...(a.name ? { name: a.name } : {}), ...(a.state ? { state: a.state } : {}), ...(a.management ? { management: true } : {}),
    ...(a.skipped ? { skipped: true } : {}), ...(a.credentials ? { credentials: a.credentials } : {}), ...(a.roleArn ? { roleArn: a.roleArn } : {}),
    ...(a.error ? { error: { code: a.error.code, message: a.error.message } } : {}),
  };
}

/** The part of a run over several accounts that belongs to one account: its reports, listings and uninspected functions. */
export function runOfAccount(run: ScanRun, id: string): ScanRun {
  return {
    ...run,
    reports: run.reports.filter((r) => accountOf(r) === id),
    listingFailures: run.listingFailures.filter((l) => (l.account ?? id) === id),
    regions: run.regions.filter((r) => (r.account ?? id) === id),
    notInspected: run.notInspected.filter((arn) => lambdaArnParts(arn)?.account === id),
    ...(run.accounts ? { accounts: run.accounts.filter((a) => a.id === id) } : {}),
  };
}

/** Every account of a run with its counts (those without rotation functions too). */
export function accountSummaries(run: ScanRun) {
  return (run.accounts ?? []).map((a) => {
    const own = runOfAccount(run, a.id);
    const s = summarize(own.reports);
    return {
      ...accountRunOf(a), functions: own.reports.filter((r) => r.target.type !== 'account').length, counts: s.counts, secrets: s.secrets,
      listingFailures: own.listingFailures.length, notInspected: own.notInspected.length, partial: isPartial(own),
    };
  });
}

/** How an account was read, in words. */
export function accountHow(a: AccountRun): string {
  if (a.skipped) return `skipped: the account is ${a.state ?? 'not active'}`;
  if (a.error) return 'not read: its role could not be assumed';
  if (a.credentials === 'base') return 'read with the base credentials';
  return a.roleArn ? `read through ${a.roleArn}` : 'read';
}

/** A run that does not cover the whole account: a listing failed, or functions were left uninspected. */
export function isPartial(run: ScanRun): boolean {
  return run.interrupted || run.notInspected.length > 0 || run.listingFailures.length > 0;
}

/** The sentence every format uses for a partial run. */
export function partialText(run: ScanRun): string {
  const why: string[] = [];
  if (run.listingFailures.length > 0) {
    why.push(`listing secrets failed in ${run.listingFailures.length} region${run.listingFailures.length === 1 ? '' : 's'} (${run.listingFailures.map((l) => (l.account ? `${l.account} ${l.region}` : l.region)).join(', ')})`);
  }
  if (run.interrupted) why.push('the scan was interrupted');
  if (run.notInspected.length > 0) why.push(`${run.notInspected.length} discovered function${run.notInspected.length === 1 ? ' was' : 's were'} not inspected`);
  return `PARTIAL RUN: ${why.join('; ')}. The counts cover only what was inspected.`;
}

/** "an ignore-file entry …" notes: expired entries and entries that matched nothing. */
export function ignoreNotes(outcome: IgnoreOutcome | undefined): string[] {
  if (!outcome) return [];
  const name = (rule: IgnoreRule) => `${rule.entry} (${rule.function}, ${rule.check})`;
  return [
    ...outcome.expired.map((rule) => `ignore entry ${name(rule)} expired ${rule.expires}: it no longer applies`),
    ...outcome.unmatched.map((rule) => `ignore entry ${name(rule)} matched nothing in this run: remove it if the finding is gone`),
  ];
}

/** The one JSON shape of a scan's summary (json's `summary`, ndjson's last record). */
export function scanSummaryJson(run: ScanRun) {
  const s = summarize(run.reports);
  return {
    ...s,
    complete: !isPartial(run),
    partial: isPartial(run),
    interrupted: run.interrupted,
    notInspected: [...run.notInspected],
    listingFailures: run.listingFailures.map((l) => ({ ...l })),
    regions: run.regions.map((r) => ({ region: r.region, ...(r.account ? { account: r.account } : {}), ...(r.notEnabled ? { notEnabled: true } : {}), ...(r.error ? { error: r.error.message } : {}) })),
    ...(run.accounts ? { accounts: accountSummaries(run) } : {}),
    discoveryErrors: run.listingFailures.map((l) => ({ code: l.code, message: l.message })),
    startedAt: run.startedAt,
    ...(run.ignore ? {
      ignoreFile: {
        file: run.ignore.file, rules: run.ignore.rules, applied: run.ignore.applied,
        expired: run.ignore.expired.map((x) => ({ ...x })), unmatched: run.ignore.unmatched.map((x) => ({ ...x })),
      },
    } : {}),
  };
}

// ---------------------------------------------------------------------------
// The scan table

export interface TableLayout {
  /** Terminal width; undefined (not a terminal) means nothing is cut or wrapped. */
  width?: number | undefined;
}

/** Narrowest the FUNCTION column gets before the table is allowed to run past the width. */
const MIN_NAME = 16;
/** Room for names below which narrow terminals drop SECRETS, then CREATED. */
const WANTED_NAME = 32;

/**
 * One row per function, worst first; then what the run missed (failed listings, functions not inspected, one per
 * line), the counts, and one line per inspection error. On a terminal the FUNCTION column takes what the others
 * leave and a longer name keeps its start and its distinguishing end; elsewhere nothing is cut.
 */
export function renderSummaryTable(reports: readonly Report[], style: Style, layout: TableLayout = {}, run?: ScanRun): string {
  const width = layout.width;
  const rows = sortWorstFirst(reports).map((r) => {
    const lib = libpqOf(r);
    const scram = checkStatus(r, 'scram');
    const tls = checkStatus(r, 'tls');
    const label = (id: CheckId, s: CheckStatus | null) => (s ? `${STATUS_LABEL[s]}${ignoredFinding(r, id) ? ' (ignored)' : ''}` : '-');
    return {
      r, scram, tls,
      cells: [
        showOutsideText(functionName(r)),
        showOutsideText(regionOf(r) ?? '-'),
        label('scram', scram),
        label('tls', tls),
        showOutsideText(lib.version ?? (r.libraries.length ? '?' : 'none')),
        showOutsideText(r.created.date?.slice(0, 10) ?? '-'),
        r.secrets ? String(r.secrets.length) : '-',
      ],
    };
  });
  const header = ['FUNCTION', 'REGION', 'SCRAM', 'TLS', 'LIBPQ', 'CREATED', 'SECRETS'];
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((row) => visibleLength(row.cells[i] ?? ''))));
  // On a narrow terminal SECRETS, then CREATED, give their room to the names.
  let columns = header.map((_h, i) => i);
  const room = () => width! - columns.slice(1).reduce((a, i) => a + widths[i]! + 2, 0);
  if (width !== undefined) {
    for (const drop of [6, 5]) {
      if (room() >= Math.min(widths[0]!, WANTED_NAME)) break;
      columns = columns.filter((i) => i !== drop);
    }
    widths[0] = Math.min(widths[0]!, Math.max(MIN_NAME, room()));
  }
  const line = (cells: string[], decorate: (i: number, padded: string) => string): string =>
    columns.map((i) => decorate(i, i === 6 ? padStart(cells[i]!, widths[i]!) : padEnd(cells[i]!, widths[i]!))).join('  ').trimEnd();

  const out: string[] = [];
  if (rows.length > 0) {
    out.push(style.bold(line(header, (_i, p) => p)));
    for (const row of rows) {
      const cells = [shortenKeepingEnd(row.cells[0]!, widths[0]!), ...row.cells.slice(1)];
      out.push(line(cells, (i, p) => {
        if (i === 0 && row.r.errors.length > 0) return style.status('fail', p);
        if (i === 2 && row.scram) return style.status(row.scram, p);
        if (i === 3 && row.tls) return style.status(row.tls, p);
        if (i === 5 && row.r.created.date === null) return style.dim(p);
        return p;
      }));
    }
    out.push('');
  }
  const para = (label: string, text: string, decorate: (t: string) => string) => {
    const lines = wrap(showOutsideText(text), width, padEnd(label, 16), ' '.repeat(16));
    lines.forEach((l, i) => out.push(i === 0 ? decorate(l.slice(0, 16)) + l.slice(16) : l));
  };
  if (run) {
    for (const l of run.listingFailures) para('LISTING FAILED', `${l.account ? `${l.account} ` : ''}${l.region}: ${l.message}`, (t) => style.status('fail', t));
    if (isPartial(run)) {
      para('PARTIAL RUN', partialText(run).replace(/^PARTIAL RUN: /, ''), (t) => style.status('fail', t));
      if (run.notInspected.length > 0) {
        out.push('not inspected:');
        for (const arn of run.notInspected) out.push(`  ${showOutsideText(arn)}`);
      }
    }
    for (const note of ignoreNotes(run.ignore)) para('IGNORE FILE', note, (t) => style.status('warn', t));
  }
  const s = summarize(reports);
  // The counts line, in the words countsText uses, wrapped between its parts when the terminal is narrow.
  const parts = [
    { plain: `${s.functions} function${s.functions === 1 ? '' : 's'}:`, styled: (p: string) => style.bold(p) },
    ...VERDICTS.map((v, i) => ({
      plain: `${s.counts[v]} ${v}${i < VERDICTS.length - 1 ? ',' : ';'}`,
      styled: (p: string) => (s.counts[v] === 0 ? p : style.status(v === 'error' ? 'fail' : v === 'ignored' ? 'not-applicable' : v, p)),
    })),
    { plain: `${s.secrets} secret${s.secrets === 1 ? '' : 's'}`, styled: (p: string) => p },
    ...(run && isPartial(run) ? [{ plain: '(partial)', styled: (p: string) => style.status('fail', p) }] : []),
  ];
  let countsLine = '';
  let used = 0;
  for (const part of parts) {
    const n = visibleLength(part.plain);
    if (used > 0 && width !== undefined && used + 1 + n > width) { out.push(countsLine); countsLine = '  '; used = 2; }
    else if (used > 0) { countsLine += ' '; used++; }
    countsLine += part.styled(part.plain);
    used += n;
  }
  out.push(countsLine);
  for (const row of rows) {
    for (const e of row.r.errors) para('error', errorLine(row.r, e.message), (t) => style.status('fail', t));
  }
  for (const row of rows) {
    for (const w of row.r.warnings ?? []) para('warning', errorLine(row.r, w.message), (t) => style.status('warn', t));
  }
  return `${out.join('\n')}\n`;
}
