import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { InspectError } from '../errors.js';
import { awsError } from './awsErrors.js';
import { networkLimits } from '../source/networkLimits.js';
import { boundedHttpHandler } from './boundedHttpHandler.js';
import { AwsSession, sdk, type AwsSettings } from './session.js';
import { ACCOUNT_ID, DEFAULT_ROLE_SESSION_NAME, partitionOf, roleArnFor, ROLE_ARN, type AccountPlan, type AccountsRequest, type CredentialSource, type PlannedAccount } from './accountsRequest.js';

export * from './accountsRequest.js';

// Reading the planned accounts: GetCallerIdentity, Organizations ListAccounts and each role assumed. The request
// itself (flags, ids, role ARNs) is parsed in accountsRequest.ts, which the command line loads without the SDK.

type AccountsSdk = Awaited<ReturnType<typeof loadAccountsSdk>>;
async function loadAccountsSdk() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [sts, organizations, providers, core] = await Promise.all([
    import('@aws-sdk/client-sts'),
    import('@aws-sdk/client-organizations'),
    import('@aws-sdk/credential-providers'),
    import('@smithy/core'),
  ]);
  return { sts, organizations, providers, core };
}
let accountsSdk: Promise<AccountsSdk> | undefined;
/** STS, Organizations and the SDK's credential providers, loaded only by a run over accounts. */
export function loadAccountSdk(): Promise<AccountsSdk> {
  return (accountsSdk ??= loadAccountsSdk());
}

/** STS and Organizations clients take the limits every other client has: connect/idle timeouts and an answer cap. */
async function clientConfig(settings: AwsSettings, region: string) {
  return {
    region,
    requestHandler: boundedHttpHandler((await sdk()).httpHandler, networkLimits(settings.limits)),
    ...(settings.profile ? { profile: settings.profile } : {}),
    ...(settings.endpointUrl ? { endpoint: settings.endpointUrl } : {}),
  };
}

/** The deadline (--timeout, retries included) and Ctrl-C of one call, as AwsSession gives them to every call. */
const callOptions = (settings: AwsSettings) => new AwsSession(settings).callOptions();

/** The account of the base credentials. */
export async function callerAccount(settings: AwsSettings, region: string): Promise<string> {
  const s = await loadAccountSdk();
  const client = new s.sts.STSClient(await clientConfig(settings, region));
  try {
    const out = await client.send(new s.sts.GetCallerIdentityCommand({}), callOptions(settings));
    if (!out.Account || !ACCOUNT_ID.test(out.Account)) throw new InspectError('aws-error', 'sts:GetCallerIdentity gave no account id');
    return out.Account;
  } catch (e) {
    throw awsError(e, { action: 'sts:GetCallerIdentity', resource: 'the base credentials', region, profile: settings.profile, endpoint: settings.endpointUrl });
  } finally {
    client.destroy();
  }
}

/** Organizations' account states that are never assumed. */
const NOT_READ = new Set(['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED']);

/**
 * Every account of the organization, through Organizations' ListAccounts
 * paginator (from the management account or a delegated administrator).
 * Organizations is global: its calls go to the partition's home region.
 */
export async function listOrganizationAccounts(settings: AwsSettings, region: string): Promise<{ accounts: Array<{ id: string; name: string; state: string }>; management?: string }> {
  const s = await loadAccountSdk();
  const home = partitionOf(region) === 'aws-cn' ? 'cn-northwest-1' : partitionOf(region) === 'aws-us-gov' ? 'us-gov-west-1' : partitionOf(region) === 'aws' ? 'us-east-1' : region;
  const client = new s.organizations.OrganizationsClient(await clientConfig(settings, home));
  const accounts: Array<{ id: string; name: string; state: string }> = [];
  let management: string | undefined;
  try {
    const call = callOptions(settings);
    for await (const page of s.organizations.paginateListAccounts({ client }, {}, call)) {
      call.renew();
      for (const a of page.Accounts ?? []) {
        if (!a.Id || !ACCOUNT_ID.test(a.Id)) continue;
        // arn:aws:organizations::MANAGEMENT:account/o-xxxx/ID names the management account.
        management ??= /^arn:[\w-]+:organizations::(\d{12}):account\//.exec(a.Arn ?? '')?.[1];
        const state = String((a as { State?: string }).State ?? a.Status ?? 'ACTIVE');
        accounts.push({ id: a.Id, name: a.Name ?? '', state });
      }
    }
  } catch (e) {
    throw awsError(e, { action: 'organizations:ListAccounts', resource: 'the organization', region: home, profile: settings.profile, endpoint: settings.endpointUrl });
  } finally {
    client.destroy();
  }
  return { accounts, ...(management ? { management } : {}) };
}

/** Resolves the accounts of a request: ids, names from Organizations, the role ARN of each, suspended ones marked. */
export async function planAccounts(request: AccountsRequest, settings: AwsSettings, region: string): Promise<AccountPlan> {
  const partition = partitionOf(region);
  const caller = await callerAccount(settings, region);
  if (request.roleArn) {
    const m = ROLE_ARN.exec(request.roleArn)!;
    return { partition: m[1]!, callerAccount: caller, accounts: [{ id: m[2]!, roleArn: request.roleArn }] };
  }
  const roleName = request.roleName!;
  if (request.organization) {
    const org = await listOrganizationAccounts(settings, region);
    return {
      partition, callerAccount: caller, ...(org.management ? { managementAccount: org.management } : {}),
      accounts: org.accounts.map((a) => ({
        id: a.id, ...(a.name ? { name: a.name } : {}), roleArn: roleArnFor(partition, a.id, roleName), state: a.state,
        ...(NOT_READ.has(a.state) ? { skipped: true } : {}), ...(a.id === org.management ? { management: true } : {}),
      })),
    };
  }
  return { partition, callerAccount: caller, accounts: (request.accounts ?? []).map((id) => ({ id, roleArn: roleArnFor(partition, id, roleName) })) };
}

/** One account's credentials: the SDK's refreshing provider, the source, or why the role could not be assumed. */
export type AccountAccess =
  | { ok: true; source: CredentialSource; credentials?: AwsCredentialIdentityProvider }
  | { ok: false; error: InspectError };

/**
 * Credentials per account: STS AssumeRole from the base credentials through
 * the SDK's own fromTemporaryCredentials, memoized with the SDK's
 * memoizeIdentityProvider, so every client of an account shares one session
 * and it is renewed before it expires. The caller's own account falls back to
 * the base credentials when the role is refused (a management account
 * without the member role).
 */
export class AccountCredentials {
  private readonly access = new Map<string, Promise<AccountAccess>>();
  constructor(private readonly request: AccountsRequest, private readonly settings: AwsSettings, private readonly region: string, private readonly callerAccount: string) {}

  /** Assumes the role once (further calls share the answer). */
  for(account: PlannedAccount): Promise<AccountAccess> {
    let p = this.access.get(account.id);
    if (!p) {
      p = this.assume(account);
      this.access.set(account.id, p);
    }
    return p;
  }

  private async assume(account: PlannedAccount): Promise<AccountAccess> {
    const s = await loadAccountSdk();
    const provider = s.providers.fromTemporaryCredentials({
      params: {
        RoleArn: account.roleArn,
        RoleSessionName: this.request.roleSessionName ?? DEFAULT_ROLE_SESSION_NAME,
        ...(this.request.externalId ? { ExternalId: this.request.externalId } : {}),
      },
      clientConfig: await clientConfig(this.settings, this.region),
    });
    const memo: AwsCredentialIdentityProvider = s.core.memoizeIdentityProvider(
      provider as AwsCredentialIdentityProvider, s.core.isIdentityExpired, s.core.doesIdentityRequireRefresh,
    ) as AwsCredentialIdentityProvider;
    try {
      // The first AssumeRole has the deadline of any call; the SDK's renewals run inside the calls that need them.
      const first: Promise<AwsCredentialIdentity> = memo();
      const { abortSignal } = callOptions(this.settings);
      await new Promise<void>((resolve, reject) => {
        const stop = () => reject(abortSignal.reason);
        if (abortSignal.aborted) { stop(); return; }
        abortSignal.addEventListener('abort', stop, { once: true });
        first.then(() => { abortSignal.removeEventListener('abort', stop); resolve(); }, (e: unknown) => { abortSignal.removeEventListener('abort', stop); reject(e); });
      });
      this.settings.debug?.(`sts:AssumeRole ${account.roleArn}: assumed`);
      return { ok: true, source: 'role', credentials: memo };
    } catch (e) {
      if (account.id === this.callerAccount) {
        this.settings.debug?.(`sts:AssumeRole ${account.roleArn} refused; ${account.id} is the caller's own account: reading it with the base credentials`);
        return { ok: true, source: 'base' };
      }
      const err = awsError(e, { action: 'sts:AssumeRole', resource: account.roleArn, region: this.region, profile: this.settings.profile, endpoint: this.settings.endpointUrl });
      const why = err.code === 'access-denied'
        ? `was refused: the role does not exist, or its trust policy does not let the caller assume it${this.request.externalId ? ' with this external id' : ''}`
        : `failed: ${err.message.startsWith(account.roleArn) ? err.message.slice(account.roleArn.length + 2) : err.message}`;
      // The message starts with the account id (the report's target id), as function errors start with the function.
      return { ok: false, error: new InspectError(err.code === 'access-denied' ? 'assume-role-denied' : 'assume-role-failed', `${account.id}: sts:AssumeRole on ${account.roleArn} ${why}`) };
    }
  }
}
