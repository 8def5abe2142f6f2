import type { AccountPlan, CredentialSource } from '../aws/accounts.js';
import { inspectFunctionTarget, newInspectContext, type InspectContext } from '../aws/inspectFunction.js';
import { InspectError, describeError } from '../errors.js';
import { failedReport } from '../report/buildReport.js';
import type { Report, ReportAccount, ReportError } from '../report/report.js';
import { openAccountFanOut, type AccountFanOutOptions } from './accountFanOut.js';
import { discoverRotationFunctions, type DiscoveredFunction, type RegionListing } from './discovery.js';
import type { ScanOptions, ScanResult } from './scanAccount.js';

export interface AccountsScanOptions extends ScanOptions, AccountFanOutOptions {
  onPlanned?: (plan: AccountPlan) => void;
}

/** What happened to one account of the run. */
export interface AccountOutcome {
  id: string;
  name?: string;
  /** Organizations' state. */
  state?: string;
  management?: boolean;
  /** Suspended or closing: never assumed. */
  skipped?: boolean;
  /** How it was read; absent when it was not. */
  credentials?: CredentialSource;
  roleArn: string;
  /** The role could not be assumed. */
  error?: ReportError;
  regions: Array<RegionListing & { account: string }>;
  functions: number;
  notInspected: string[];
}

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
      states.set(a.id, {
        outcome: {
          id: a.id, ...(a.name ? { name: a.name } : {}), ...(a.state ? { state: a.state } : {}), ...(a.management ? { management: true } : {}),
          ...(a.skipped ? { skipped: true } : {}), roleArn: a.roleArn, regions: [], functions: 0, notInspected: [],
        },
        order: [], byArn: new Map(), found: new Map(),
      });
    }
    const accountRef = (s: AccountState): ReportAccount => ({
      id: s.outcome.id, ...(s.outcome.name ? { name: s.outcome.name } : {}), ...(s.outcome.credentials ? { credentials: s.outcome.credentials } : {}),
    });
    let discovered = 0;
    for (const item of fan.work) {
      const state = states.get(item.account.id)!;
      const openAccount = fan.session.bind(fan);
      work.add(item.account.id, async () => {
        const access = await openAccount(item.account);
        if (!access.ok) { state.outcome.error ??= { code: access.error.code, message: access.error.message }; return; }
        state.outcome.credentials = access.source;
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
      }, (e) => {
        // Whatever nothing below foresaw is this region's listing failure, never a silent gap.
        state.outcome.regions.push({ region: item.region, account: item.account.id, error: e instanceof InspectError ? e : new InspectError('internal', `${item.region}: ${describeError(e)}`) });
      });
    }
    await work.drained();
    options.onDiscoveryDone?.(discovered);

    const reports: Report[] = [];
    const notInspected: string[] = [];
    let secrets = 0;
    for (const state of states.values()) {
      const o = state.outcome;
      if (o.error) {
        const report = failedReport({ type: 'account', id: o.id }, { date: null, source: null, note: 'the account could not be read' }, o.error);
        report.account = accountRef(state);
        reports.push(report);
        options.onInspected?.(report);
        continue;
      }
      o.functions = state.order.length;
      for (const arn of state.order) {
        const report = state.byArn.get(arn);
        if (!report) { o.notInspected.push(arn); notInspected.push(arn); continue; }
        const found = state.found.get(arn);
        report.secrets = (found?.secrets ?? []).sort((a, b) => a.name.localeCompare(b.name));
        secrets += report.secrets.length;
        reports.push(report);
      }
      // Items never started (Ctrl-C) leave regions unlisted: say so.
      if (!o.skipped && !o.error && o.regions.length < regions.length && options.signal?.aborted) {
        for (const region of regions) {
          if (!o.regions.some((l) => l.region === region)) o.regions.push({ region, account: o.id, error: new InspectError('interrupted', `${region}: not listed, the run was interrupted`) });
        }
      }
    }
    const accounts = [...states.values()].map((s) => s.outcome);
    const listings = accounts.flatMap((a) => a.regions);
    const errors = listings.flatMap((l) => (l.error ? [{ code: l.error.code, message: `account ${l.account}: ${l.error.message}` }] : []));
    return {
      reports, notInspected, regions: listings, errors, interrupted: options.signal?.aborted === true, accounts, plan,
      counters: { ...base.counters, functions: discovered, secrets },
    };
  } finally {
    await fan?.destroy();
    await base.session.destroy();
  }
}
