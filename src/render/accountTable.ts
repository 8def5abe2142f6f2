import { wrap } from './layout.js';
import { showOutsideText } from './outsideText.js';
import type { Style } from './style.js';
import { accountHow, accountSummaries, countsText, isPartial, partialText, renderSummaryTable, runOfAccount, summarize, type ScanRun, type TableLayout } from './summary.js';

/**
 * The table of a run over several accounts: one section per account (every account, those with no rotation
 * function, skipped or not read included) with its functions and its own counts line, then the totals.
 */
export function renderAccountsTable(run: ScanRun, style: Style, layout: TableLayout = {}): string {
  const out: string[] = [];
  const accounts = accountSummaries(run);
  for (const a of accounts) {
    out.push(`${style.bold(`ACCOUNT ${a.id}${a.name ? ` (${showOutsideText(a.name)})` : ''}`)}  ${showOutsideText(accountHow(a))}`);
    const own = runOfAccount(run, a.id);
    if (a.skipped) { out.push(''); continue; }
    if (a.error) { out.push(...wrap(showOutsideText(a.error.message), layout.width, '  error: ', '         ').map((l) => style.status('fail', l)), ''); continue; }
    if (own.reports.length === 0 && !isPartial(own)) { out.push('  no rotation functions', ''); continue; }
    out.push(renderSummaryTable(own.reports, style, layout, { ...own, interrupted: false }));
  }
  const s = summarize(run.reports);
  const read = accounts.filter((a) => !a.skipped && !a.error).length;
  const skipped = accounts.filter((a) => a.skipped).length;
  const failed = accounts.filter((a) => a.error).length;
  out.push(style.bold(`ALL ACCOUNTS: ${accounts.length} account${accounts.length === 1 ? '' : 's'} (${read} read, ${failed} not read, ${skipped} skipped)`));
  out.push(`${countsText(s)}; ${s.secrets} secret${s.secrets === 1 ? '' : 's'}${isPartial(run) ? ' (partial)' : ''}`);
  if (isPartial(run)) out.push(...wrap(showOutsideText(partialText(run)), layout.width, '', '  ').map((l) => style.status('fail', l)));
  return `${out.join('\n')}\n`;
}
