import { AccountCredentials, planAccounts, type AccountPlan, type AccountsRequest, type CredentialSource, type PlannedAccount } from '../aws/accounts.js';
import { AwsSession, type AwsSettings } from '../aws/session.js';
import type { InspectError } from '../errors.js';
import { COMMERCIAL_REGIONS } from './discovery.js';

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
