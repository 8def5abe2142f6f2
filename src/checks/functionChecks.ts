import type { Invocation } from '../facts/logs/lambdaLogs.js';
import { shellWord, type DiagnoseCheck } from './diagnoseCheck.js';

/**
 * The single-user PostgreSQL template tries up to three credentials, each
 * with TLS then without, at connect_timeout=5: 30 s before it can log
 * "Unable to log into database" against a database it cannot reach.
 */
export const CONNECT_BUDGET_S = 30;
/** Timeout suggested when raising it: room for the whole connection budget and the Secrets Manager calls. */
export const SUGGESTED_TIMEOUT_S = 60;
/** Observed durations at or above this share of the timeout warn. */
const NEAR_TIMEOUT = 0.8;

export function raiseTimeoutCommand(functionArn: string, seconds: number): string {
  return `aws lambda update-function-configuration --function-name ${shellWord(functionArn)} --timeout ${seconds}`;
}

/** Observed durations against the configured Timeout. */
export function functionTimeoutCheck(functionArn: string, timeoutS: number | null, invocations: readonly Invocation[] | null, logsUnknown?: string): DiagnoseCheck {
  const id = 'function-timeout' as const;
  if (timeoutS === null) return { id, status: 'unknown', summary: 'The function\'s Timeout is unknown (its configuration could not be read).', evidence: [], remediation: '' };
  const target = Math.max(SUGGESTED_TIMEOUT_S, timeoutS * 2);
  const remediation = `Raise the timeout: ${raiseTimeoutCommand(functionArn, Math.min(900, target))}`;
  const evidence = [`Timeout = ${timeoutS} s`];
  const timedOut = (invocations ?? []).filter((i) => i.timedOut);
  const durations = (invocations ?? []).map((i) => i.durationMs).filter((d): d is number => d !== null);
  const longest = durations.length ? Math.max(...durations) : null;
  if (longest !== null) evidence.push(`longest observed invocation ${(longest / 1000).toFixed(2)} s of ${durations.length}`);
  if (timedOut.length > 0) {
    evidence.push(...timedOut.slice(0, 3).map((i) => `${i.start} ${i.requestId}: timed out${i.steps.length ? ` in ${i.steps.join(', ')}` : ''}`));
    return { id, status: 'fail', summary: `${timedOut.length} invocation(s) ran into the ${timeoutS} s timeout.`, evidence, remediation };
  }
  if (timeoutS < CONNECT_BUDGET_S) {
    return { id, status: 'warn', summary: `Timeout ${timeoutS} s is below the ${CONNECT_BUDGET_S} s the template may spend on connection attempts (3 credentials x 2 attempts x 5 s): an unreachable database ends in a timeout instead of an error line.`, evidence, remediation };
  }
  if (longest !== null && longest >= timeoutS * 1000 * NEAR_TIMEOUT) {
    return { id, status: 'warn', summary: `The longest invocation took ${(longest / 1000).toFixed(1)} s of the ${timeoutS} s timeout.`, evidence, remediation };
  }
  if (invocations === null) return { id, status: 'unknown', summary: `Timeout is ${timeoutS} s; no durations observed (${logsUnknown ?? 'logs not read'}).`, evidence, remediation: '' };
  if (longest === null) return { id, status: 'unknown', summary: `Timeout is ${timeoutS} s; no invocation in the logs to compare it with.`, evidence, remediation: '' };
  return { id, status: 'pass', summary: `Every observed invocation finished well within the ${timeoutS} s timeout.`, evidence, remediation: '' };
}

/** lambda:GetPolicy's answer: the policy document, null when the function has none, or why it could not be read. */
export type FunctionPolicy = { document: string | null } | { error: string };

export const SECRETS_MANAGER_PRINCIPAL = 'secretsmanager.amazonaws.com';

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

function namesSecretsManager(principal: unknown): boolean {
  if (principal === '*') return true;
  if (principal && typeof principal === 'object') {
    return asArray((principal as Record<string, unknown>).Service).includes(SECRETS_MANAGER_PRINCIPAL);
  }
  return false;
}

function coversInvoke(action: unknown): boolean {
  return asArray(action).some((a) => a === 'lambda:InvokeFunction' || a === 'lambda:*' || a === '*');
}

export function addPermissionCommand(functionArn: string): string {
  const account = /^arn:[\w-]+:lambda:[\w-]+:(\d{12}):/.exec(functionArn)?.[1];
  return `aws lambda add-permission --function-name ${shellWord(functionArn)} --statement-id SecretsManagerRotationInvoke --action lambda:InvokeFunction --principal ${SECRETS_MANAGER_PRINCIPAL}${account ? ` --source-account ${account}` : ''}`;
}

/** Does the function's resource policy let Secrets Manager invoke it? */
export function invokePermissionCheck(functionArn: string, policy: FunctionPolicy | null): DiagnoseCheck {
  const id = 'invoke-permission' as const;
  const remediation = `Let Secrets Manager invoke the function: ${addPermissionCommand(functionArn)}`;
  if (policy === null) return { id, status: 'unknown', summary: 'The function\'s resource policy was not read.', evidence: [], remediation: '' };
  if ('error' in policy) return { id, status: 'unknown', summary: `The function's resource policy could not be read: ${policy.error}`, evidence: [], remediation: '' };
  if (policy.document === null) {
    return { id, status: 'fail', summary: `The function has no resource policy: ${SECRETS_MANAGER_PRINCIPAL} cannot invoke it, so rotation never starts.`, evidence: ['lambda:GetPolicy: no policy (ResourceNotFoundException)'], remediation };
  }
  let doc: unknown;
  try { doc = JSON.parse(policy.document); } catch { return { id, status: 'unknown', summary: 'The function\'s resource policy is not JSON.', evidence: [], remediation: '' }; }
  const statements = asArray((doc as Record<string, unknown> | null)?.Statement).filter((s): s is Record<string, unknown> => !!s && typeof s === 'object');
  const relevant = statements.filter((s) => namesSecretsManager(s.Principal) && coversInvoke(s.Action));
  const deny = relevant.find((s) => s.Effect === 'Deny');
  const allow = relevant.find((s) => s.Effect === 'Allow');
  const sid = (s: Record<string, unknown>) => (typeof s.Sid === 'string' ? s.Sid : '(no Sid)');
  if (deny) return { id, status: 'fail', summary: `Statement ${sid(deny)} denies ${SECRETS_MANAGER_PRINCIPAL} lambda:InvokeFunction.`, evidence: [`Deny statement ${sid(deny)}`], remediation };
  if (allow) {
    const cond = allow.Condition ? ` with conditions ${JSON.stringify(allow.Condition).slice(0, 300)}` : '';
    return { id, status: 'pass', summary: `Statement ${sid(allow)} lets ${SECRETS_MANAGER_PRINCIPAL} invoke the function${cond ? ' (conditions apply)' : ''}.`, evidence: [`Allow statement ${sid(allow)}${cond}`], remediation: '' };
  }
  return { id, status: 'fail', summary: `No statement of the function's resource policy (${statements.length} statement(s)) lets ${SECRETS_MANAGER_PRINCIPAL} invoke it.`, evidence: statements.slice(0, 5).map((s) => `statement ${sid(s)}`), remediation };
}
