import type { AccountPlan } from '../aws/accounts.js';
import { accountDiagnoseContext, closeDiagnoseClients, closeDiagnoseContext, diagnoseSecretTarget, newDiagnoseContext, type DiagnoseContext } from '../aws/diagnoseSecret.js';
import { unreadableSecretReport, type SecretReport } from '../diagnose/secretReport.js';
import {
  failedListing, gatherAccountReports, listingErrors, newAccountOutcome, noteAccountAccess, openAccountFanOut, reportAccountOf,
  type AccountFanOutOptions, type AccountOutcome,
} from './accountFanOut.js';
import type { DiagnoseRunOptions, DiagnoseRunResult } from './diagnoseAccount.js';
import { discoverRotationFunctions, type RegionListing } from './discovery.js';

export interface AccountsDiagnoseOptions extends Omit<DiagnoseRunOptions, 'secrets' | 'all' | 'regions' | 'allRegions'>, AccountFanOutOptions {
  onPlanned?: (plan: AccountPlan) => void;
}

export interface AccountsDiagnoseResult extends DiagnoseRunResult {
  accounts: AccountOutcome[];
  regions: Array<RegionListing & { account: string }>;
}

interface AccountState {
  outcome: AccountOutcome;
  context?: DiagnoseContext;
  /** Secret ARNs in the order discovered; each once. */
  order: string[];
  seen: Set<string>;
  reports: Map<string, SecretReport>;
}

/**
 * `diagnose --all` over many accounts, through scan's fan-out: accounts × regions
 * are work items in one bounded pool with the secrets they discover, at most
 * `perAccountConcurrency` of one account at once, one AssumeRole per account,
 * each account's secrets read only with that account's credentials. An account
 * whose role cannot be assumed is one report naming sts:AssumeRole and the role
 * ARN; suspended accounts are listed, never assumed.
 */
export async function diagnoseAccounts(options: AccountsDiagnoseOptions): Promise<AccountsDiagnoseResult> {
  const base = newDiagnoseContext(options, options.cache);
  const states = new Map<string, AccountState>();
  let fan: Awaited<ReturnType<typeof openAccountFanOut>> | undefined;
  try {
    fan = await openAccountFanOut(options, base.inspect.session);
    const { plan, regions, pool } = fan;
    options.onPlanned?.(plan);
    for (const a of plan.accounts) states.set(a.id, { outcome: newAccountOutcome(a), order: [], seen: new Set(), reports: new Map() });
    let discovered = 0;
    for (const item of fan.work) {
      const state = states.get(item.account.id)!;
      const open = fan.session.bind(fan);
      pool.add(item.account.id, async () => {
        const access = await open(item.account);
        if (!noteAccountAccess(state.outcome, access)) return;
        state.context ??= accountDiagnoseContext(base, access.session);
        const context = state.context;
        const discovery = await discoverRotationFunctions(context.inspect.session, [item.region], options.allRegions, () => {});
        state.outcome.regions.push(...discovery.listings.map((l) => ({ ...l, account: item.account.id })));
        for (const f of discovery.functions.values()) {
          for (const s of f.secrets) {
            if (state.seen.has(s.arn)) continue;
            state.seen.add(s.arn);
            state.order.push(s.arn);
            options.onDiscovered?.(++discovered);
            pool.add(item.account.id, async () => {
              const report = await diagnoseSecretTarget(s.arn, options, context);
              report.account = reportAccountOf(state.outcome);
              state.reports.set(s.arn, report);
              options.onDiagnosed?.(report);
            });
          }
        }
      }, (e) => failedListing(state.outcome, item.region, e));
    }
    await pool.drained();

    const { reports, notDone: notDiagnosed } = gatherAccountReports([...states.values()].map((s) => ({ outcome: s.outcome, order: s.order, done: s.reports })), regions, options.signal,
      (o) => unreadableSecretReport(o.id, undefined, o.error, 'account'), options.onDiagnosed);
    const accounts = [...states.values()].map((s) => s.outcome);
    return {
      reports, notDiagnosed, accounts, regions: accounts.flatMap((a) => a.regions), errors: listingErrors(accounts),
      interrupted: options.signal?.aborted === true,
      counters: { secrets: discovered, functions: base.counters.functions, logReads: base.counters.logReads, codeDownloads: base.inspect.counters.codeDownloads },
    };
  } finally {
    await Promise.all([...states.values()].map((s) => (s.context ? closeDiagnoseClients(s.context) : undefined)));
    await fan?.destroy();
    await closeDiagnoseContext(base);
  }
}
