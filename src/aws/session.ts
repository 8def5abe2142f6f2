import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsCredentialIdentityProvider, RetryStrategyV2 } from '@smithy/types';
import { InspectError } from '../errors.js';
import { registerSecret, safeUrl } from '../redact.js';
import { networkLimits, seconds, type NetworkLimits } from '../source/networkLimits.js';
import { boundedHttpHandler } from './boundedHttpHandler.js';

/** The reason an API call's deadline gives when it aborts the call. */
export class CallTimeoutError extends Error {
  override readonly name = 'CallTimeoutError';
}

/** AWS settings, read as the AWS CLI reads them. */
export interface AwsSettings {
  region?: string | undefined;
  profile?: string | undefined;
  endpointUrl?: string | undefined;
  /** Retry policy for every API call and code download (default: configured backoff, 10 attempts, 100 ms). */
  retry?: RetryChoice | undefined;
  /** Where --debug lines go (already redacted by the caller's sink). */
  debug?: ((line: string) => void) | undefined;
  /** Environment to read (tests pass their own). */
  env?: NodeJS.ProcessEnv | undefined;
  /** Credentials for another account (aws/accounts.ts: an assumed role); absent: the default chain. */
  credentials?: AwsCredentialIdentityProvider | undefined;
  /** Deadlines and caps for API calls and code downloads (defaults: DEFAULT_NETWORK_LIMITS). */
  limits?: Partial<NetworkLimits> | undefined;
  /** Ends every call in flight at once (Ctrl-C). */
  signal?: AbortSignal | undefined;
}

/**
 * The SDK's own retry strategies. test/bench/scan.ts measures them against a
 * rate-limited stand-in; the configured backoff (10 attempts, 100 ms apart)
 * finished soonest with nothing lost, so it is the default.
 */
export type RetryChoice =
  | { mode: 'standard'; maxAttempts: number }
  | { mode: 'adaptive'; maxAttempts: number }
  | { mode: 'configured'; maxAttempts: number; delayMs: number };

export const DEFAULT_RETRY: RetryChoice = { mode: 'configured', maxAttempts: 10, delayMs: 100 };

export interface AwsClients {
  region: string;
  lambda: LambdaClient;
  cloudformation: CloudFormationClient;
  secretsManager: SecretsManagerClient;
}

export type Sdk = Awaited<ReturnType<typeof loadSdk>>;

/** The SDK, loaded on first use: offline inspections never pay for it. */
async function loadSdk() {
  // The SDK warns on every Node 20 start that it will want Node 22; our users
  // did not ask for that line. The variable is the SDK's own switch.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [lambda, cloudformation, secretsManager, retry, httpHandler] = await Promise.all([
    import('@aws-sdk/client-lambda'),
    import('@aws-sdk/client-cloudformation'),
    import('@aws-sdk/client-secrets-manager'),
    import('@smithy/core/retry'),
    import('@smithy/node-http-handler'),
  ]);
  return { lambda, cloudformation, secretsManager, retry, httpHandler };
}

let sdkPromise: Promise<Sdk> | undefined;
export function sdk(): Promise<Sdk> {
  return (sdkPromise ??= loadSdk());
}

/** One retry strategy object per client, built from the SDK's classes. */
export function retryStrategy(s: Sdk, choice: RetryChoice): RetryStrategyV2 {
  switch (choice.mode) {
    case 'standard': return new s.retry.StandardRetryStrategy(choice.maxAttempts);
    case 'adaptive': return new s.retry.AdaptiveRetryStrategy(async () => choice.maxAttempts);
    case 'configured': return new s.retry.ConfiguredRetryStrategy(choice.maxAttempts, choice.delayMs);
  }
}

/**
 * Clients per region, created once and shared: the default credential chain
 * (environment, shared files, --profile, SSO, container and instance roles),
 * the region chain, and --endpoint-url / AWS_ENDPOINT_URL* overrides.
 */
/** Options for one client.send (or one paginator): its deadline and Ctrl-C; renew() gives the next page its own deadline. */
export interface CallOptions { abortSignal: AbortSignal; renew(): void }

export class AwsSession {
  private readonly byRegion = new Map<string, Promise<AwsClients>>();
  private defaultRegionPromise: Promise<string> | undefined;
  constructor(readonly settings: AwsSettings) {}

  private get env(): NodeJS.ProcessEnv { return this.settings.env ?? process.env; }

  get limits(): NetworkLimits { return networkLimits(this.settings.limits); }

  /**
   * Options for one client.send: an abort signal that fires at the call's
   * deadline (retries included) or at Ctrl-C. A paginator hands the same
   * options to every page: call renew() between pages to give each its own.
   */
  callOptions(): CallOptions {
    const { totalMs } = this.limits;
    const run = this.settings.signal;
    const fresh = (): AbortSignal => {
      const deadline = new AbortController();
      setTimeout(() => deadline.abort(new CallTimeoutError(`no complete answer within ${seconds(totalMs)} (--timeout)`)), totalMs).unref();
      return run ? AbortSignal.any([deadline.signal, run]) : deadline.signal;
    };
    const options = { abortSignal: fresh(), renew() { options.abortSignal = fresh(); } };
    return options;
  }

  /** --retry from the caller, else the SDK's AWS_MAX_ATTEMPTS / AWS_RETRY_MODE, else the measured default. */
  retryChoice(): RetryChoice {
    if (this.settings.retry) return this.settings.retry;
    const attempts = Number(this.env.AWS_MAX_ATTEMPTS);
    const mode = this.env.AWS_RETRY_MODE;
    if (!this.env.AWS_MAX_ATTEMPTS && !mode) return DEFAULT_RETRY;
    const maxAttempts = Number.isSafeInteger(attempts) && attempts > 0 ? attempts : DEFAULT_RETRY.maxAttempts;
    if (mode === 'adaptive' || mode === 'standard') return { mode, maxAttempts };
    return { ...DEFAULT_RETRY, maxAttempts };
  }

  /** --region, then AWS_REGION, AWS_DEFAULT_REGION, then the profile's region. */
  defaultRegion(): Promise<string> {
    return (this.defaultRegionPromise ??= (async () => {
      const fromFlagOrEnv = this.settings.region ?? this.env.AWS_REGION ?? this.env.AWS_DEFAULT_REGION;
      if (fromFlagOrEnv) return fromFlagOrEnv;
      const s = await sdk();
      const probe = new s.lambda.LambdaClient({ ...(this.settings.profile ? { profile: this.settings.profile } : {}) });
      try {
        return await probe.config.region();
      } catch {
        throw new InspectError('no-region', `no AWS region: pass --region, set AWS_REGION, or give the profile${this.settings.profile ? ` "${this.settings.profile}"` : ''} a region`);
      } finally {
        probe.destroy();
      }
    })());
  }

  clients(region?: string): Promise<AwsClients> {
    return (async () => {
      const r = region ?? (await this.defaultRegion());
      let p = this.byRegion.get(r);
      if (!p) {
        p = this.create(r);
        this.byRegion.set(r, p);
      }
      return p;
    })();
  }

  /**
   * What every AWS client of this session is built with, whatever its service (Lambda, CloudFormation, Secrets
   * Manager here; Logs, RDS, EC2, STS where a command needs them): the region, one HTTP handler with the session's
   * limits for the clients built together, the profile, endpoint and credentials (an assumed role's in a run over
   * many accounts, never the base ones), and the retry settings; `retry()` gives each client its own strategy.
   */
  async clientConfig(region: string) {
    const s = await sdk();
    const choice = this.retryChoice();
    const common = {
      region,
      requestHandler: boundedHttpHandler(s.httpHandler, this.limits),
      ...(this.settings.profile ? { profile: this.settings.profile } : {}),
      ...(this.settings.endpointUrl ? { endpoint: this.settings.endpointUrl } : {}),
      ...(this.settings.credentials ? { credentials: this.settings.credentials } : {}),
      maxAttempts: choice.maxAttempts,
      retryMode: choice.mode === 'adaptive' ? 'adaptive' : 'standard',
    };
    return { common, choice, retry: () => retryStrategy(s, choice) };
  }

  private async create(region: string): Promise<AwsClients> {
    const s = await sdk();
    const { common, choice, retry } = await this.clientConfig(region);
    this.settings.debug?.(`AWS clients for ${region}${this.settings.endpointUrl ? ` at ${safeUrl(this.settings.endpointUrl)}` : ''}, retry ${choice.mode} x${choice.maxAttempts}`);
    const clients = {
      region,
      lambda: new s.lambda.LambdaClient({ ...common, retryStrategy: retry() }),
      cloudformation: new s.cloudformation.CloudFormationClient({ ...common, retryStrategy: retry() }),
      secretsManager: new s.secretsManager.SecretsManagerClient({ ...common, retryStrategy: retry() }),
    };
    // Whatever an endpoint echoes back (an error body quoting the request's headers) must not carry the
    // credentials out: the values in use are redacted from every line written. Resolving them here is what the
    // first call does anyway (the provider caches them); a failure is left for that call to report.
    try {
      const creds = await clients.lambda.config.credentials();
      registerSecret(creds.secretAccessKey);
      registerSecret(creds.sessionToken);
    } catch { /* reported by the call that needs them */ }
    return clients;
  }

  async destroy(): Promise<void> {
    for (const p of this.byRegion.values()) {
      const c = await p.catch(() => undefined);
      c?.lambda.destroy(); c?.cloudformation.destroy(); c?.secretsManager.destroy();
    }
    this.byRegion.clear();
  }
}
