import { wrap } from './layout.js';
import { showOutsideText } from './outsideText.js';
import type { Style } from './style.js';
import { accountHow, accountSummaries, countsText, isPartial, partialText, renderSummaryTable, runOfAccount, summarize, type AccountRun, type ScanRun, type TableLayout } from './summary.js';

/**
 * One section per account of a run over several accounts (every account: skipped and not read included): its
 * heading (id, name, how it was read), then `body(account)` for an account that was read, then the line saying
 * how many accounts were read. Shared by `scan` and `diagnose`.
 */
export function renderAccountSections(accounts: readonly AccountRun[], style: Style, layout: TableLayout, body: (a: AccountRun) => string): string[] {
  const out: string[] = [];
  for (const a of accounts) {
    out.push(`${style.bold(`ACCOUNT ${a.id}${a.name ? ` (${showOutsideText(a.name)})` : ''}`)}  ${showOutsideText(accountHow(a))}`);
    if (a.skipped) { out.push(''); continue; }
    if (a.error) { out.push(...wrap(showOutsideText(a.error.message), layout.width, '  error: ', '         ').map((l) => style.status('fail', l)), ''); continue; }
    out.push(body(a));
  }
  const read = accounts.filter((a) => !a.skipped && !a.error).length;
  const skipped = accounts.filter((a) => a.skipped).length;
  const failed = accounts.filter((a) => a.error).length;
  out.push(style.bold(`ALL ACCOUNTS: ${accounts.length} account${accounts.length === 1 ? '' : 's'} (${read} read, ${failed} not read, ${skipped} skipped)`));
  return out;
}

/**
 * The table of a run over several accounts: one section per account (every account, those with no rotation
 * function, skipped or not read included) with its functions and its own counts line, then the totals.
 */
export function renderAccountsTable(run: ScanRun, style: Style, layout: TableLayout = {}): string {
  const out = renderAccountSections(accountSummaries(run), style, layout, (a) => {
    const own = runOfAccount(run, a.id);
    if (own.reports.length === 0 && !isPartial(own)) return '  no rotation functions\n';
    return renderSummaryTable(own.reports, style, layout, { ...own, interrupted: false });
  });
  const s = summarize(run.reports);
  out.push(`${countsText(s)}; ${s.secrets} secret${s.secrets === 1 ? '' : 's'}${isPartial(run) ? ' (partial)' : ''}`);
  if (isPartial(run)) out.push(...wrap(showOutsideText(partialText(run)), layout.width, '', '  ').map((l) => style.status('fail', l)));
  return `${out.join('\n')}\n`;
}
