import { InspectError } from '../errors.js';
import type { Report } from '../report/report.js';
import type { AccountRun, RegionOutcome, ScanRun } from '../render/summary.js';

/** One ndjson stream of a scan (`scan --format ndjson`), by the name to cite in messages. */
export interface NdjsonInput { name: string; text: string }

interface SummaryRecord {
  interrupted?: boolean;
  notInspected?: string[];
  regions?: Array<{ region: string; account?: string; notEnabled?: boolean; error?: string }>;
  listingFailures?: Array<{ region: string; code: string; message: string; account?: string }>;
  accounts?: AccountRun[];
  startedAt?: string;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function isReport(x: Record<string, unknown>): boolean {
  return x.schemaVersion === 1 && isObject(x.target) && typeof x.target.id === 'string' && Array.isArray(x.checks) && Array.isArray(x.errors) && Array.isArray(x.libraries);
}

const key = (r: Report) => `${r.account?.id ?? ''}\0${r.function?.arn ?? r.target.id}`;

/**
 * Many scans' ndjson streams (per-account runs, --accounts slices, --output-dir files) as one run: every report,
 * every account, every region outcome and function not inspected. A stream without its closing summary record
 * was cut short: the merged run is partial and says which stream. A line that is not a report or a summary is a
 * usage error naming the stream and line. A report seen twice (the same account and function) counts once.
 */
export function mergeScanStreams(inputs: readonly NdjsonInput[]): { run: ScanRun; notes: string[] } {
  const reports: Report[] = [];
  const seen = new Set<string>();
  const regions: RegionOutcome[] = [];
  const notInspected: string[] = [];
  const accounts = new Map<string, AccountRun>();
  const notes: string[] = [];
  let interrupted = false;
  let startedAt: string | undefined;
  for (const input of inputs) {
    let summary: SummaryRecord | undefined;
    const lines = input.text.split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let value: unknown;
      try { value = JSON.parse(line); } catch { throw new InspectError('usage', `${input.name} line ${i + 1}: not JSON (merge reads scan --format ndjson output)`); }
      if (!isObject(value)) throw new InspectError('usage', `${input.name} line ${i + 1}: not a report or a summary record`);
      if (value.type === 'summary' && isObject(value.summary)) {
        if (summary) throw new InspectError('usage', `${input.name} line ${i + 1}: a second summary record (one file holds one run)`);
        summary = value.summary as SummaryRecord;
        return;
      }
      if (!isReport(value)) throw new InspectError('usage', `${input.name} line ${i + 1}: not a report or a summary record`);
      const report = value as unknown as Report;
      if (seen.has(key(report))) { notes.push(`${input.name} line ${i + 1}: ${report.function?.arn ?? report.target.id} is already in an earlier file; counted once`); return; }
      seen.add(key(report));
      reports.push(report);
    });
    if (!summary) {
      notes.push(`${input.name}: no summary record: the run was cut short, so the merged run is partial`);
      regions.push({ region: '-', error: { code: 'no-summary', message: `${input.name} has no summary record (the run that wrote it was cut short)` } });
      continue;
    }
    interrupted ||= summary.interrupted === true;
    notInspected.push(...(summary.notInspected ?? []));
    const failures = summary.listingFailures ?? [];
    for (const r of summary.regions ?? []) {
      const failure = failures.find((l) => l.region === r.region && l.account === r.account);
      regions.push({
        region: r.region, ...(r.account ? { account: r.account } : {}), ...(r.notEnabled ? { notEnabled: true } : {}),
        ...(r.error !== undefined ? { error: { code: failure?.code ?? 'listing-failed', message: r.error } } : {}),
      });
    }
    for (const a of summary.accounts ?? []) if (!accounts.has(a.id)) accounts.set(a.id, a);
    if (summary.startedAt && (!startedAt || summary.startedAt < startedAt)) startedAt = summary.startedAt;
  }
  return {
    run: {
      reports, regions, notInspected, interrupted, startedAt: startedAt ?? new Date().toISOString(),
      listingFailures: regions.flatMap((l) => (l.error ? [{ region: l.region, code: l.error.code, message: l.error.message, ...(l.account ? { account: l.account } : {}) }] : [])),
      ...(accounts.size > 0 ? { accounts: [...accounts.values()] } : {}),
    },
    notes,
  };
}
