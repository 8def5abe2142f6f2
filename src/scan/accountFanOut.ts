import { AccountCredentials, planAccounts, type AccountPlan, type AccountsRequest, type CredentialSource, type PlannedAccount } from '../aws/accounts.js';
import { AwsSession, type AwsSettings } from '../aws/session.js';
import { InspectError, describeError } from '../errors.js';
import type { ReportAccount, ReportError } from '../report/report.js';
import { COMMERCIAL_REGIONS, type RegionListing } from './discovery.js';

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
  const queue: Array<{ key: string; task: () => Promise<void>; onError: ((e: unknown) => void) | undefined }> = [];
  const idle: Array<() => void> = [];
  const next = () => {
    for (let i = 0; i < queue.length && running < limit && !signal?.aborted;) {
      const { key, task, onError } = queue[i]!;
      if ((byKey.get(key) ?? 0) >= perKey) { i++; continue; }
      queue.splice(i, 1);
      running++;
      byKey.set(key, (byKey.get(key) ?? 0) + 1);
      void task().catch((e: unknown) => onError?.(e)).finally(() => { running--; byKey.set(key, byKey.get(key)! - 1); next(); });
    }
    if (running === 0 && (queue.length === 0 || signal?.aborted)) idle.splice(0).forEach((r) => r());
  };
  return {
    /** `onError` hears a task's rejection (a task should not reject; the pool goes on either way). */
    add(key: string, task: () => Promise<void>, onError?: (e: unknown) => void) { queue.push({ key, task, onError }); next(); },
    drained(): Promise<void> { return new Promise((r) => { idle.push(r); next(); }); },
    running(key: string): number { return byKey.get(key) ?? 0; },
  };
}

/** What a command needs to read many accounts (scan; diagnose --all takes the same). */
export interface AccountFanOutOptions extends AwsSettings {
  accounts: AccountsRequest;
  /** Regions to read in each account (empty: the default region). */
  regions: readonly string[];
  allRegions: boolean;
  /** Tasks in flight over all accounts. */
  concurrency: number;
  /** Tasks of one account at once (default DEFAULT_PER_ACCOUNT_CONCURRENCY, never above `concurrency`). */
  perAccountConcurrency?: number | undefined;
}

export type AccountSession = { ok: true; session: AwsSession; source: CredentialSource } | { ok: false; error: InspectError };

/**
 * Many accounts, ready to read: the plan (ids, names, roles, skipped accounts), the accounts × regions work list,
 * one pool capped per account, and each account's session (its role assumed once, on first use, and renewed by the
 * SDK; the base credentials for the caller's own account without the role). `destroy` closes every session.
 */
export interface AccountFanOut {
  plan: AccountPlan;
  regions: string[];
  work: AccountRegionItem[];
  pool: ReturnType<typeof fairPool>;
  session(account: PlannedAccount): Promise<AccountSession>;
  destroy(): Promise<void>;
}

export async function openAccountFanOut(options: AccountFanOutOptions, home: AwsSession): Promise<AccountFanOut> {
  const homeRegion = await home.defaultRegion();
  const plan = await planAccounts(options.accounts, options, homeRegion);
  const regions = options.allRegions ? [...COMMERCIAL_REGIONS] : options.regions.length > 0 ? [...options.regions] : [homeRegion];
  const credentials = new AccountCredentials(options.accounts, options, homeRegion, plan.callerAccount);
  const limit = Math.max(1, options.concurrency);
  const pool = fairPool(limit, Math.max(1, Math.min(limit, options.perAccountConcurrency ?? DEFAULT_PER_ACCOUNT_CONCURRENCY)), options.signal);
  const sessions = new Map<string, Promise<AccountSession>>();
  return {
    plan, regions, work: accountRegionWork(plan.accounts, regions), pool,
    session(account) {
      let p = sessions.get(account.id);
      if (!p) {
        p = credentials.for(account).then((access): AccountSession => (access.ok
          ? { ok: true, source: access.source, session: new AwsSession({ ...options, credentials: access.credentials }) }
          : access));
        sessions.set(account.id, p);
      }
      return p;
    },
    async destroy() {
      await Promise.all([...sessions.values()].map(async (p) => { const a = await p.catch(() => undefined); if (a?.ok) await a.session.destroy(); }));
    },
  };
}

/** What happened to one account of a run over many accounts (scan, diagnose --all). */
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
  /** Rotation functions (scan) or secrets (diagnose) found in the account. */
  functions: number;
  notInspected: string[];
}

/** A planned account's outcome before anything is read. */
export function newAccountOutcome(a: PlannedAccount): AccountOutcome {
  return {
    id: a.id, ...(a.name ? { name: a.name } : {}), ...(a.state ? { state: a.state } : {}), ...(a.management ? { management: true } : {}),
    ...(a.skipped ? { skipped: true } : {}), roleArn: a.roleArn, regions: [], functions: 0, notInspected: [],
  };
}

/** The `account` of every report of the account. */
export function reportAccountOf(o: AccountOutcome): ReportAccount {
  return { id: o.id, ...(o.name ? { name: o.name } : {}), ...(o.credentials ? { credentials: o.credentials } : {}) };
}

/** Records what the account's session gave: the error (the role could not be assumed) or how it is read; false when it cannot be read. */
export function noteAccountAccess(o: AccountOutcome, access: AccountSession): access is Extract<AccountSession, { ok: true }> {
  if (!access.ok) { o.error ??= { code: access.error.code, message: access.error.message }; return false; }
  o.credentials = access.source;
  return true;
}

/** A region listing that failed in a way nothing below foresaw: never a silent gap. */
export function failedListing(o: AccountOutcome, region: string, e: unknown): void {
  o.regions.push({ region, account: o.id, error: e instanceof InspectError ? e : new InspectError('internal', `${region}: ${describeError(e)}`) });
}

/** Regions never listed because the run was interrupted (Ctrl-C) are named, so the run never looks whole. */
export function markUnlistedRegions(o: AccountOutcome, regions: readonly string[], signal: AbortSignal | undefined): void {
  if (o.skipped || o.error || o.regions.length >= regions.length || !signal?.aborted) return;
  for (const region of regions) {
    if (!o.regions.some((l) => l.region === region)) o.regions.push({ region, account: o.id, error: new InspectError('interrupted', `${region}: not listed, the run was interrupted`) });
  }
}

/** Every listing failure of the run, each naming its account. */
export function listingErrors(accounts: readonly AccountOutcome[]): ReportError[] {
  return accounts.flatMap((a) => a.regions).flatMap((l) => (l.error ? [{ code: l.error.code, message: `account ${l.account}: ${l.error.message}` }] : []));
}

/** One account's part of a run: its outcome, the targets it found in order, and the reports done so far. */
export interface AccountWork<R> { outcome: AccountOutcome; order: readonly string[]; done: Map<string, R> }

/**
 * The reports of a run over many accounts, account by account in plan order: an account whose role could not be
 * assumed is the one report `failed` gives; a found target without a report (Ctrl-C) is listed as not done.
 */
export function gatherAccountReports<R extends { account?: ReportAccount }>(
  accounts: Iterable<AccountWork<R>>, regions: readonly string[], signal: AbortSignal | undefined,
  failed: (o: AccountOutcome & { error: ReportError }) => R, onFailed?: (r: R) => void,
): { reports: R[]; notDone: string[] } {
  const reports: R[] = [];
  const notDone: string[] = [];
  for (const a of accounts) {
    const o = a.outcome;
    if (o.error) {
      const report = failed(o as AccountOutcome & { error: ReportError });
      report.account = reportAccountOf(o);
      reports.push(report);
      onFailed?.(report);
      continue;
    }
    o.functions = a.order.length;
    for (const id of a.order) {
      const report = a.done.get(id);
      if (report) reports.push(report);
      else { o.notInspected.push(id); notDone.push(id); }
    }
    markUnlistedRegions(o, regions, signal);
  }
  return { reports, notDone };
}
