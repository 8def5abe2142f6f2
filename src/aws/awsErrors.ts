import { InspectError, describeError } from '../errors.js';
import { redact } from '../redact.js';

interface SdkError { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number }; $fault?: string }

const ACCESS_DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'AuthorizationError', 'UnauthorizedOperation']);
const BAD_CREDENTIALS = new Set(['UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException', 'SignatureDoesNotMatch', 'IncompleteSignature', 'InvalidAccessKeyId', 'MissingAuthenticationToken']);
const EXPIRED = new Set(['ExpiredTokenException', 'ExpiredToken', 'RequestExpired', 'TokenRefreshRequired']);
const THROTTLED = new Set(['TooManyRequestsException', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'SlowDown']);
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError', 'UND_ERR_CONNECT_TIMEOUT']);

export interface AwsCallContext {
  /** The IAM action the call needs, e.g. "lambda:GetFunction". */
  action: string;
  /** What was asked for, e.g. the function name. */
  resource: string;
  region: string;
  profile?: string | undefined;
  endpoint?: string | undefined;
}

/** Turns an SDK failure into one line a user can act on. */
export function awsError(e: unknown, ctx: AwsCallContext): InspectError {
  if (e instanceof InspectError) return e;
  const err = (e ?? {}) as SdkError & { cause?: { code?: string } };
  const name = err.name ?? '';
  const msg = redact(describeError(e));
  const code = err.code ?? err.cause?.code ?? '';
  const profile = ctx.profile ? ` (profile "${ctx.profile}")` : '';
  if (name === 'ResourceNotFoundException' && ctx.action.startsWith('lambda:')) {
    return new InspectError('function-not-found', `${ctx.resource}: no such function in ${ctx.region} (${ctx.action})`, { cause: e });
  }
  if (ACCESS_DENIED.has(name)) {
    const refused = /not authorized to perform:?\s+([\w-]+:[\w*]+)/.exec(msg)?.[1] ?? ctx.action;
    return new InspectError('access-denied', `${ctx.resource}: access denied: ${refused} was refused${profile}; grant it to the identity that runs rotation-inspector`, { cause: e });
  }
  if (EXPIRED.has(name)) {
    return new InspectError('expired-credentials', `${ctx.resource}: the AWS credentials${profile} have expired; refresh them (for SSO: aws sso login${ctx.profile ? ` --profile ${ctx.profile}` : ''})`, { cause: e });
  }
  if (BAD_CREDENTIALS.has(name)) {
    return new InspectError('bad-credentials', `${ctx.resource}: AWS rejected the credentials${profile} for ${ctx.action}: ${msg}`, { cause: e });
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(msg)) {
    return new InspectError('no-credentials', `${ctx.resource}: no AWS credentials found${profile}: set AWS_PROFILE or AWS_ACCESS_KEY_ID, or log in (aws sso login)`, { cause: e });
  }
  if (THROTTLED.has(name)) {
    return new InspectError('throttled', `${ctx.resource}: ${ctx.action} was still throttled after the SDK's retries`, { cause: e });
  }
  // Deadlines, caps and Ctrl-C (AwsSession.callOptions, boundedHttpHandler) reach here wrapped in the SDK's AbortError.
  const causes: Array<{ name?: string; message?: string }> = [];
  for (let c: unknown = e, i = 0; c && typeof c === 'object' && i < 5; c = (c as { cause?: unknown }).cause, i++) causes.push(c as { name?: string });
  const deadline = causes.find((c) => c.name === 'CallTimeoutError');
  if (deadline || name === 'TimeoutError') {
    const why = deadline ? redact((deadline.message ?? '').split('\n')[0]!) : `${msg}, after the SDK's retries`;
    return new InspectError('call-timeout', `${ctx.resource}: ${ctx.action} gave up: ${why}`, { cause: e });
  }
  const tooLarge = causes.find((c) => c.name === 'ResponseTooLargeError');
  if (tooLarge) return new InspectError('response-too-large', `${ctx.resource}: ${ctx.action}: ${redact((tooLarge.message ?? '').split('\n')[0]!)}`, { cause: e });
  if (name === 'AbortError') return new InspectError('interrupted', `${ctx.resource}: ${ctx.action} interrupted`, { cause: e });
  if (NETWORK.has(code) || NETWORK.has(name) || /ECONNREFUSED|ENOTFOUND|socket hang up|connect ETIMEDOUT/.test(msg)) {
    const where = ctx.endpoint ? ctx.endpoint : `the ${ctx.action.split(':')[0]} endpoint in ${ctx.region}`;
    return new InspectError('endpoint-unreachable', `${ctx.resource}: cannot reach ${where} (${code || name || msg})`, { cause: e });
  }
  if (/Region is missing/i.test(msg)) {
    return new InspectError('no-region', 'no AWS region: pass --region, set AWS_REGION, or give the profile a region', { cause: e });
  }
  const status = err.$metadata?.httpStatusCode;
  return new InspectError('aws-error', `${ctx.resource}: ${ctx.action} failed${status ? ` (HTTP ${status}${name ? ` ${name}` : ''})` : name ? ` (${name})` : ''}: ${msg}`, { cause: e });
}
