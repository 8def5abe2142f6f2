// VPC endpoint policies: a request through the endpoint needs an Allow for its principal, action and
// resource and no Deny. No policy (or the default `{"Principal":"*","Action":"*","Resource":"*"}`)
// allows everything. Conditions and Not* elements are beyond this model: a statement with them that
// would decide the answer makes it `unsure`, never a guess.

export type PolicyVerdict = { verdict: 'allowed' } | { verdict: 'denied' | 'unsure'; rule: string; why: string };

export interface PolicyRequest {
  /** the function's execution role ARN; null when unknown */
  roleArn: string | null;
  actions: readonly string[];
  /** ARN of the resource, or null when unknown or `*`-only actions */
  resource: string | null;
}

interface Statement { Sid?: string; Effect?: string; Principal?: unknown; Action?: unknown; Resource?: unknown; Condition?: unknown; NotPrincipal?: unknown; NotAction?: unknown; NotResource?: unknown }

const list = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function wildcard(pattern: string, value: string, caseless: boolean): boolean {
  const esc = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${esc}$`, caseless ? 'i' : '').test(value);
}

function accountOf(arn: string | null): string | null {
  return arn ? (/^arn:[^:]+:iam::(\d{12}):/.exec(arn)?.[1] ?? null) : null;
}

/** true / false, or null when the principal cannot be decided (role unknown) */
function principalMatches(principal: unknown, roleArn: string | null): boolean | null {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const aws = list((principal as Record<string, unknown>)['AWS']);
  if (aws.includes('*')) return true;
  if (aws.length === 0) return false;
  if (!roleArn) return null;
  const account = accountOf(roleArn);
  return aws.some((p) => p === roleArn || (account !== null && (p === account || p === `arn:aws:iam::${account}:root`)));
}

function resourceMatches(resources: string[], resource: string | null): boolean | null {
  if (resources.includes('*')) return true;
  if (resource === null) return null;
  return resources.some((r) => wildcard(r, resource, false));
}

function statementName(s: Statement, i: number): string {
  return s.Sid ? `statement ${i + 1} (Sid ${s.Sid})` : `statement ${i + 1}`;
}

export function evaluateEndpointPolicy(document: string | null, req: PolicyRequest): PolicyVerdict {
  if (document === null || document.trim() === '') return { verdict: 'allowed' };
  let parsed: unknown;
  try { parsed = JSON.parse(document); } catch { return { verdict: 'unsure', rule: 'policy', why: 'the policy document is not JSON' }; }
  const raw = (parsed as { Statement?: unknown })?.Statement;
  const statements: Statement[] = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? [raw as Statement] : [];
  for (const action of req.actions) {
    let allowed = false;
    let unsure: { rule: string; why: string } | null = null;
    let unsureDeny: { rule: string; why: string } | null = null;
    for (const [i, s] of statements.entries()) {
      if (s.NotPrincipal !== undefined || s.NotAction !== undefined || s.NotResource !== undefined) {
        unsure ??= { rule: statementName(s, i), why: 'uses NotPrincipal/NotAction/NotResource, which the model does not evaluate' };
        continue;
      }
      if (!list(s.Action).some((a) => wildcard(a, action, true))) continue;
      const principal = principalMatches(s.Principal, req.roleArn);
      const resource = resourceMatches(list(s.Resource), action === 'secretsmanager:GetRandomPassword' ? '*' : req.resource);
      if (principal === false || resource === false) continue;
      const name = statementName(s, i);
      const doubt = principal === null || resource === null
        ? `may apply to ${action}: ${principal === null ? 'the execution role is not known' : 'the resource ARN is not known'}`
        : s.Condition !== undefined ? `applies to ${action} under a Condition the model does not evaluate` : null;
      if (doubt !== null) {
        if (s.Effect === 'Deny') unsureDeny ??= { rule: name, why: doubt };
        else unsure ??= { rule: name, why: doubt };
        continue;
      }
      if (s.Effect === 'Deny') return { verdict: 'denied', rule: name, why: `denies ${action} to ${req.roleArn ?? 'the function'}` };
      if (s.Effect === 'Allow') allowed = true;
    }
    if (unsureDeny) return { verdict: 'unsure', ...unsureDeny };
    if (!allowed) {
      if (unsure) return { verdict: 'unsure', ...unsure };
      return { verdict: 'denied', rule: 'policy', why: `no statement allows ${action} to ${req.roleArn ?? 'the function'}` };
    }
  }
  return { verdict: 'allowed' };
}
