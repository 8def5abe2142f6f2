import type { Check, CheckStatus } from '../checks/check.js';
import { ignoredFinding } from '../report/ignoreRules.js';
import type { Report } from '../report/report.js';
import { showOutsideText } from './outsideText.js';
import {
  CHECK_IDS, STATUS_LABEL, accountOf, checkStatus, countsText, errorLine, functionName, ignoreNotes, isPartial, libpqOf,
  partialText, regionOf, scanRunOf, sortWorstFirst, summarize, type ScanRun,
} from './summary.js';

const CHECK_TITLE: Record<string, string> = { scram: 'SCRAM', tls: 'TLS' };

/**
 * Text that renders as itself: control and bidi characters shown escaped (showOutsideText), then the ASCII
 * punctuation markdown gives meaning to backslash-escaped.
 */
function inline(text: string): string {
  return showOutsideText(text).replace(/[\\`*_[\]<>|~#]|&(?=#?\w+;)/g, (c) => `\\${c}`);
}

/** A table cell: one line (line breaks are shown escaped), `|` escaped. */
export const escapeCell = inline;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function statusCounts(counts: Record<CheckStatus, number>): string {
  const order: CheckStatus[] = ['fail', 'warn', 'unknown', 'pass', 'not-applicable'];
  const parts = order.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length ? parts.join(', ') : 'none';
}

const day = (date: string | null) => (date ? date.slice(0, 10) : 'unknown');
const stackOf = (r: Report) => (r.created.source === 'cloudformation' ? r.created.stack : r.created.source === null ? r.created.stack ?? null : null);

function table(header: string[], rows: string[][], numeric: number[] = []): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_h, i) => (numeric.includes(i) ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ];
}

/** A finding: one check of one function that fails, warns or cannot decide, and is not ignored. */
interface Finding { r: Report; c: Check }

/** Findings with the same check, status and fix, in the order of their worst function. */
function groupFindings(sorted: readonly Report[]): Array<{ key: string; check: Check; items: Finding[] }> {
  const groups = new Map<string, { key: string; check: Check; items: Finding[] }>();
  const rank: Record<string, number> = { fail: 0, warn: 1, unknown: 2 };
  for (const r of sorted) {
    for (const id of CHECK_IDS) {
      const c = r.checks.find((x) => x.id === id);
      if (!c || rank[c.status] === undefined || ignoredFinding(r, c.id)) continue;
      if (c.status === 'unknown' && r.errors.length > 0) continue; // listed under inspection errors
      const key = `${c.id}\0${c.status}\0${c.remediation}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { key, check: c, items: [] }));
      g.items.push({ r, c });
    }
  }
  return [...groups.values()].sort((a, b) => rank[a.check.status]! - rank[b.check.status]! || CHECK_IDS.indexOf(a.check.id) - CHECK_IDS.indexOf(b.check.id));
}

/**
 * For tickets and pull requests: when and where the scan ran, whether it was complete, the counts, a table worst
 * first, then each finding once with its fix and the functions it concerns (stack, creation day, account, region).
 */
export function renderMarkdown(reports: readonly Report[], run?: ScanRun): string {
  const scan = run ?? scanRunOf({ reports, notInspected: [], regions: [], interrupted: false }, new Date());
  const summary = summarize(reports);
  const sorted = sortWorstFirst(reports);
  const out: string[] = ['# PostgreSQL rotation function inspection', ''];
  const accounts = [...new Set(sorted.map(accountOf).filter((a): a is string => a !== null))].sort();
  const regions = [...new Set(scan.regions.map((r) => r.region))].sort();
  out.push(
    `Scanned ${scan.startedAt.slice(0, 19).replace('T', ' ')} UTC` +
    `${accounts.length ? `; account${accounts.length === 1 ? '' : 's'} ${accounts.map(inline).join(', ')}` : ''}` +
    `${regions.length ? `; region${regions.length === 1 ? '' : 's'} ${regions.map(inline).join(', ')}` : ''}.`,
    '',
  );
  if (isPartial(scan)) {
    out.push(`> **${inline(partialText(scan))}**`);
    for (const l of scan.listingFailures) out.push('>', `> Listing failed in ${inline(l.region)}: ${inline(l.message)}`);
    out.push('');
  }
  if (summary.functions === 0) {
    out.push(isPartial(scan) ? 'No rotation function was inspected.' : 'No PostgreSQL rotation functions were found.', '');
  }
  out.push(
    `**${countsText(summary)}**; rotating ${plural(summary.secrets, 'secret')}` +
    `${summary.errors ? `; ${summary.errors} could not be fully inspected` : ''}.` +
    (summary.functions ? ` SCRAM check: ${statusCounts(summary.byCheck.scram)}. TLS check: ${statusCounts(summary.byCheck.tls)}.` : ''),
    '',
  );
  if (sorted.length) {
    out.push(...table(['Function', 'Account', 'Region', 'SCRAM', 'TLS', 'libpq', 'Created', 'Stack', 'Secrets'], sorted.map((r) => {
      const scram = checkStatus(r, 'scram');
      const tls = checkStatus(r, 'tls');
      const label = (id: 'scram' | 'tls', s: CheckStatus | null) => (s ? `${STATUS_LABEL[s]}${ignoredFinding(r, id) ? ' (ignored)' : ''}` : '-');
      const lib = libpqOf(r);
      return [
        escapeCell(functionName(r)) + (r.errors.length ? ' (error)' : ''),
        escapeCell(accountOf(r) ?? '-'),
        escapeCell(regionOf(r) ?? '-'),
        label('scram', scram),
        label('tls', tls),
        escapeCell(lib.version ?? (r.libraries.length ? '?' : 'none')),
        escapeCell(day(r.created.date)),
        escapeCell(stackOf(r) ?? '-'),
        r.secrets ? String(r.secrets.length) : '-',
      ];
    }), [8]), '');
  }

  const groups = groupFindings(sorted);
  if (groups.length) {
    out.push('## Findings', '');
    for (const g of groups) {
      out.push(`### ${CHECK_TITLE[g.check.id] ?? g.check.id}: ${STATUS_LABEL[g.check.status]} (${plural(g.items.length, 'function')})`, '');
      // One summary for all when the functions give the same one; else each its own.
      const same = g.items.every(({ c }) => c.summary === g.items[0]!.c.summary);
      if (same) out.push(inline(g.check.summary), '');
      if (g.check.remediation) out.push(`Fix: ${inline(g.check.remediation)}`, '');
      out.push(...table(['Function', 'Account', 'Region', 'Stack', 'Created', ...(same ? [] : ['Why'])], g.items.map(({ r, c }) => [
        escapeCell(functionName(r)), escapeCell(accountOf(r) ?? '-'), escapeCell(regionOf(r) ?? '-'), escapeCell(stackOf(r) ?? '-'),
        escapeCell(day(r.created.date)), ...(same ? [] : [escapeCell(c.summary)]),
      ])), '');
    }
  }
  const ignored = sorted.flatMap((r) => (r.ignored ?? []).map((i) => ({ r, i, status: checkStatus(r, i.check) })));
  if (ignored.length) {
    out.push('## Ignored findings', '');
    out.push(...table(['Function', 'Check', 'Status', 'Reason', 'Expires', 'Entry'], ignored.map(({ r, i, status }) => [
      escapeCell(functionName(r)), CHECK_TITLE[i.check] ?? i.check, status ? STATUS_LABEL[status] : '-', escapeCell(i.reason), escapeCell(i.expires ?? 'never'), escapeCell(i.entry),
    ])), '');
  }
  const notes = ignoreNotes(scan.ignore);
  if (notes.length) {
    out.push('## Ignore file', '');
    for (const n of notes) out.push(`- ${inline(n)}`);
    out.push('');
  }
  const errored = sorted.filter((r) => r.errors.length > 0);
  if (errored.length) {
    out.push('## Inspection errors', '');
    for (const r of errored) {
      for (const e of r.errors) out.push(`- ${inline(errorLine(r, e.message))}`);
    }
    out.push('');
  }
  const warned = sorted.filter((r) => (r.warnings ?? []).length > 0);
  if (warned.length) {
    out.push('## Warnings', '');
    for (const r of warned) for (const w of r.warnings ?? []) out.push(`- ${inline(errorLine(r, w.message))}`);
    out.push('');
  }
  if (scan.notInspected.length) {
    out.push('## Not inspected', '');
    for (const arn of scan.notInspected) out.push(`- ${inline(arn)}`);
    out.push('');
  }
  return out.join('\n');
}

