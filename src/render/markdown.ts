import type { CheckStatus } from '../checks/check.js';
import type { Report } from '../report/report.js';
import { CHECK_IDS, STATUS_LABEL, checkStatus, errorLine, functionArn, functionName, libpqOf, regionOf, sortWorstFirst, type ScanSummary } from './summary.js';

const CHECK_TITLE: Record<string, string> = { scram: 'SCRAM', tls: 'TLS' };

/** Text that renders as itself: ASCII punctuation markdown gives meaning to is backslash-escaped, control characters dropped. */
function inline(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '')
    .replace(/[\\`*_[\]<>|~]|&(?=#?\w+;)/g, (c) => `\\${c}`);
}

/** Inline text on one line: newlines become spaces. */
export function escapeMarkdown(text: string): string {
  return inline(text.replace(/\r\n|[\r\n\t\u2028\u2029]/g, ' '));
}

/** A table cell: `|` escaped (by inline), newlines become <br>. */
export function escapeCell(text: string): string {
  return text.split(/\r\n|[\r\n\u2028\u2029]/).map((part) => inline(part.replace(/\t/g, ' '))).join('<br>');
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function statusCounts(counts: Record<CheckStatus, number>): string {
  const order: CheckStatus[] = ['fail', 'warn', 'unknown', 'pass', 'not-applicable'];
  const parts = order.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${STATUS_LABEL[s].toLowerCase()}`);
  return parts.length ? parts.join(', ') : 'none';
}

/** For tickets and pull requests: a summary, a table worst first, then what to fix per function. */
export function renderMarkdown(reports: readonly Report[], summary: ScanSummary): string {
  const sorted = sortWorstFirst(reports);
  const out: string[] = ['# PostgreSQL rotation function inspection', ''];
  if (summary.functions === 0) {
    out.push('No PostgreSQL rotation functions were found.', '');
    return `${out.join('\n')}`;
  }
  const counts = [
    `**${summary.failing}** failing`, `**${summary.warning}** warning`, `**${summary.passing}** passing`,
    ...(summary.unknown ? [`**${summary.unknown}** undecided`] : []),
  ];
  out.push(
    `Inspected ${plural(summary.functions, 'rotation function')}, rotating ${plural(summary.secrets, 'secret')}: ${counts.join(', ')}` +
    `${summary.errors ? `; ${summary.errors} could not be fully inspected` : ''}. ` +
    `SCRAM check: ${statusCounts(summary.byCheck.scram)}. TLS check: ${statusCounts(summary.byCheck.tls)}.`,
    '',
    '| Function | Region | SCRAM | TLS | libpq | Created | Secrets |',
    '| --- | --- | --- | --- | --- | --- | ---: |',
  );
  for (const r of sorted) {
    const scram = checkStatus(r, 'scram');
    const tls = checkStatus(r, 'tls');
    const lib = libpqOf(r);
    const name = escapeCell(functionName(r)) + (r.errors.length ? ' (error)' : '');
    const cells = [
      name,
      escapeCell(regionOf(r) ?? '-'),
      scram ? STATUS_LABEL[scram] : '-',
      tls ? STATUS_LABEL[tls] : '-',
      escapeCell(lib.version ?? (r.libraries.length ? '?' : 'none')),
      escapeCell(r.created.date ?? 'unknown'),
      r.secrets ? String(r.secrets.length) : '-',
    ];
    out.push(`| ${cells.join(' | ')} |`);
  }
  out.push('');

  const flagged = sorted.filter((r) => r.checks.some((c) => c.status === 'fail' || c.status === 'warn'));
  if (flagged.length) {
    out.push('## Details', '');
    for (const r of flagged) {
      out.push(`### ${escapeMarkdown(functionName(r))}`, '');
      const arn = functionArn(r);
      if (arn !== functionName(r)) out.push(`ARN: ${escapeMarkdown(arn)}`, '');
      const secrets = r.secrets ?? [];
      if (secrets.length) out.push(`Rotates: ${secrets.map((s) => escapeMarkdown(s.name)).join(', ')}`, '');
      for (const id of CHECK_IDS) {
        const c = r.checks.find((x) => x.id === id);
        if (!c || (c.status !== 'fail' && c.status !== 'warn')) continue;
        out.push(`- **${CHECK_TITLE[c.id] ?? c.id}: ${STATUS_LABEL[c.status]}**: ${escapeMarkdown(c.summary)}`);
        if (c.remediation) out.push(`  - Fix: ${escapeMarkdown(c.remediation)}`);
      }
      out.push('');
    }
  }
  const errored = sorted.filter((r) => r.errors.length > 0);
  if (errored.length) {
    out.push('## Inspection errors', '');
    for (const r of errored) {
      for (const e of r.errors) out.push(`- ${escapeMarkdown(errorLine(r, e.message))}`);
    }
    out.push('');
  }
  return out.join('\n');
}
