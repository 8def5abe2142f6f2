import { AccountCredentials, planAccounts, type AccountPlan, type AccountsRequest, type CredentialSource, type PlannedAccount } from '../aws/accounts.js';
import { inspectFunctionTarget, newInspectContext, type InspectContext } from '../aws/inspectFunction.js';
import { AwsSession } from '../aws/session.js';
import { InspectError } from '../errors.js';
import { failedReport } from '../report/buildReport.js';
import type { Report, ReportAccount, ReportError } from '../report/report.js';
import { COMMERCIAL_REGIONS, discoverRotationFunctions, type DiscoveredFunction, type RegionListing } from './discovery.js';
import type { ScanOptions, ScanResult } from './scanAccount.js';

/** One unit of an organization-wide run: one region of one account. */
export interface AccountRegionItem { account: PlannedAccount; region: string }

/** The accounts × regions work list, accounts in plan order; skipped (suspended) accounts have none. */
export function accountRegionWork(accounts: readonly PlannedAccount[], regions: readonly string[]): AccountRegionItem[] {
  return accounts.filter((a) => !a.skipped).flatMap((account) => regions.map((region) => ({ account, region })));
}

/** Tasks of one account in flight at once (default): one large account cannot take the whole pool. */
export const DEFAULT_PER_ACCOUNT_CONCURRENCY = 8;

/**
 * A bounded pool whose tasks belong to a key (an account): at most `limit`
 * run at once and at most `perKey` of one key, started in the order added
 * among those allowed to start.
 */
export function fairPool(limit: number, perKey: number, signal?: AbortSignal) {
  let running = 0;
  const byKey = new Map<string, number>();
  const queue: Array<{ key: string; task: () => Promise<void> }> = [];
  const idle: Array<() => void> = [];
  const next = () => {
    for (let i = 0; i < queue.length && running < limit && !signal?.aborted;) {
      const { key, task } = queue[i]!;
      if ((byKey.get(key) ?? 0) >= perKey) { i++; continue; }
      queue.splice(i, 1);
      running++;
      byKey.set(key, (byKey.get(key) ?? 0) + 1);
      void task().catch(() => {}).finally(() => { running--; byKey.set(key, byKey.get(key)! - 1); next(); });
    }
    if (running === 0 && (queue.length === 0 || signal?.aborted)) idle.splice(0).forEach((r) => r());
  };
  return {
    add(key: string, task: () => Promise<void>) { queue.push({ key, task }); next(); },
    drained(): Promise<void> { return new Promise((r) => { idle.push(r); next(); }); },
    running(key: string): number { return byKey.get(key) ?? 0; },
  };
}

export interface AccountsScanOptions extends ScanOptions {
  accounts: AccountsRequest;
  /** Tasks of one account at once (default DEFAULT_PER_ACCOUNT_CONCURRENCY, never above `concurrency`). */
  perAccountConcurrency?: number | undefined;
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
  const sessions: AwsSession[] = [base.session];
  try {
    const homeRegion = await base.session.defaultRegion();
    const plan = await planAccounts(options.accounts, options, homeRegion);
    options.onPlanned?.(plan);
    const regions = options.allRegions ? [...COMMERCIAL_REGIONS] : options.regions.length > 0 ? [...options.regions] : [homeRegion];
    const credentials = new AccountCredentials(options.accounts, options, homeRegion, plan.callerAccount);
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
    const limit = Math.max(1, options.concurrency);
    const work = fairPool(limit, Math.max(1, Math.min(limit, options.perAccountConcurrency ?? DEFAULT_PER_ACCOUNT_CONCURRENCY)), options.signal);
    const accountRef = (s: AccountState): ReportAccount => ({
      id: s.outcome.id, ...(s.outcome.name ? { name: s.outcome.name } : {}), ...(s.outcome.credentials ? { credentials: s.outcome.credentials } : {}),
    });
    let discovered = 0;
    for (const item of accountRegionWork(plan.accounts, regions)) {
      const state = states.get(item.account.id)!;
      work.add(item.account.id, async () => {
        const access = await credentials.for(item.account);
        if (!access.ok) { state.outcome.error ??= { code: access.error.code, message: access.error.message }; return; }
        state.outcome.credentials = access.source;
        if (!state.context) {
          const session = new AwsSession({ ...options, credentials: access.credentials });
          sessions.push(session);
          // Code, layer and cache reads are shared by every account; stacks are the account's own.
          state.context = { ...base, session, stacks: new Map() };
        }
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
    await Promise.all(sessions.map((s) => s.destroy()));
  }
}
