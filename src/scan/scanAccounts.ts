import type { AccountPlan } from '../aws/accounts.js';
import { inspectFunctionTarget, newInspectContext, type InspectContext } from '../aws/inspectFunction.js';
import { failedReport } from '../report/buildReport.js';
import type { Report } from '../report/report.js';
import {
  failedListing, gatherAccountReports, listingErrors, newAccountOutcome, noteAccountAccess, openAccountFanOut, reportAccountOf, type AccountFanOutOptions, type AccountOutcome,
} from './accountFanOut.js';
import { discoverRotationFunctions, type DiscoveredFunction, type RegionListing } from './discovery.js';
import type { ScanOptions, ScanResult } from './scanAccount.js';

export interface AccountsScanOptions extends ScanOptions, AccountFanOutOptions {
  onPlanned?: (plan: AccountPlan) => void;
}

export type { AccountOutcome } from './accountFanOut.js';

export interface AccountsScanResult extends ScanResult {
  accounts: AccountOutcome[];
  plan: AccountPlan;
  regions: Array<RegionListing & { account: string }>;
}

interface AccountState {
  outcome: AccountOutcome;
  context?: InspectContext;
  order: string[];
  byArn: Map<string, Report>;
  found: Map<string, DiscoveredFunction>;
}

/**
 * Every rotation function of many accounts in one run: accounts × regions are
 * work items in one bounded pool with the functions they discover, at most
 * `perAccountConcurrency` of one account at once; code and layers are read
 * once per SHA-256 across all accounts. An account whose role cannot be
 * assumed is one report naming sts:AssumeRole and the role ARN.
 */
export async function scanAccounts(options: AccountsScanOptions): Promise<AccountsScanResult> {
  const base = newInspectContext(options, options.cache);
  let fan: Awaited<ReturnType<typeof openAccountFanOut>> | undefined;
  try {
    fan = await openAccountFanOut(options, base.session);
    const { plan, regions, pool: work } = fan;
    options.onPlanned?.(plan);
    const states = new Map<string, AccountState>();
    for (const a of plan.accounts) {
      states.set(a.id, { outcome: newAccountOutcome(a), order: [], byArn: new Map(), found: new Map() });
    }
    const accountRef = (s: AccountState) => reportAccountOf(s.outcome);
    let discovered = 0;
    for (const item of fan.work) {
      const state = states.get(item.account.id)!;
      const openAccount = fan.session.bind(fan);
      work.add(item.account.id, async () => {
        const access = await openAccount(item.account);
        if (!noteAccountAccess(state.outcome, access)) return;
        // Code, layer and cache reads are shared by every account; stacks are the account's own.
        state.context ??= { ...base, session: access.session, stacks: new Map() };
        const context = state.context;
        const discovery = await discoverRotationFunctions(context.session, [item.region], options.allRegions, (arn) => {
          state.order.push(arn);
          options.onDiscovered?.(++discovered);
          work.add(item.account.id, async () => {
            const report = await inspectFunctionTarget(arn, { ...options, created: null }, context);
            report.account = accountRef(state);
            state.byArn.set(arn, report);
            options.onInspected?.(report);
          });
        });
        for (const [arn, f] of discovery.functions) state.found.set(arn, f);
        state.outcome.regions.push(...discovery.listings.map((l) => ({ ...l, account: item.account.id })));
      }, (e) => failedListing(state.outcome, item.region, e));
    }
    await work.drained();
    options.onDiscoveryDone?.(discovered);

    let secrets = 0;
    const { reports, notDone: notInspected } = gatherAccountReports([...states.values()].map((s) => ({ outcome: s.outcome, order: s.order, done: s.byArn })), regions, options.signal,
      (o) => failedReport({ type: 'account', id: o.id }, { date: null, source: null, note: 'the account could not be read' }, o.error), options.onInspected);
    for (const state of states.values()) {
      for (const [arn, report] of state.byArn) {
        report.secrets = (state.found.get(arn)?.secrets ?? []).sort((a, b) => a.name.localeCompare(b.name));
        secrets += report.secrets.length;
      }
    }
    const accounts = [...states.values()].map((s) => s.outcome);
    const listings = accounts.flatMap((a) => a.regions);
    const errors = listingErrors(accounts);
    return {
      reports, notInspected, regions: listings, errors, interrupted: options.signal?.aborted === true, accounts, plan,
      counters: { ...base.counters, functions: discovered, secrets },
    };
  } finally {
    await fan?.destroy();
    await base.session.destroy();
  }
}
