import type { SecretShape } from '../facts/secret/secretFacts.js';
import type { DiagnoseCheck } from './diagnoseCheck.js';

/** What a rotation function requires of its secret. */
export interface SecretRequirements {
  /** Keys read without a default: a missing one raises KeyError. */
  required: string[];
  /** Accepted values of "engine" (the template raises "Database engine must be set to …" otherwise). */
  engines: string[];
  /** Where the list comes from, for the evidence. */
  source: string;
}

/**
 * The official PostgreSQL templates (aws-samples/aws-secrets-manager-rotation-lambdas
 * b4b8eca, get_secret_dict): single user requires host, username, password
 * and an engine of postgres or aurora-postgresql; multi user also masterarn.
 */
export function postgresTemplateRequirements(multiUser: boolean): SecretRequirements {
  return {
    required: ['engine', 'host', 'username', 'password', ...(multiUser ? ['masterarn'] : [])],
    engines: ['postgres', 'aurora-postgresql'],
    source: `the PostgreSQL ${multiUser ? 'multi' : 'single'}-user template's get_secret_dict`,
  };
}

/** Only with --read-secret-keys: the keys the function needs, in AWSCURRENT and AWSPENDING. */
export function secretStructureCheck(shapes: readonly SecretShape[] | null, req: SecretRequirements | null): DiagnoseCheck {
  const id = 'secret-structure' as const;
  if (shapes === null) return { id, status: 'not-applicable', summary: 'Secret keys are read only with --read-secret-keys.', evidence: [], remediation: '' };
  if (!req) return { id, status: 'unknown', summary: 'What the function requires of its secret is unknown (not a PostgreSQL rotation template).', evidence: shapes.map((s) => `${s.stage}: keys ${s.keys.join(', ')}`), remediation: '' };
  if (shapes.length === 0) return { id, status: 'unknown', summary: 'No version of the secret could be read.', evidence: [], remediation: '' };
  const problems: string[] = [];
  const evidence = [`required: ${req.required.join(', ')} (${req.source})`];
  for (const s of shapes) {
    evidence.push(`${s.stage}: keys ${s.keys.length ? s.keys.join(', ') : '(none)'}${s.fields.engine !== undefined ? `; engine = ${s.fields.engine}` : ''}`);
    if (s.notJson) { problems.push(`${s.stage} is not a JSON object`); continue; }
    const missing = req.required.filter((k) => !s.keys.includes(k));
    if (missing.length) problems.push(`${s.stage} lacks ${missing.map((k) => `"${k}"`).join(', ')}`);
    if (s.fields.engine !== undefined && req.engines.length > 0 && !req.engines.includes(s.fields.engine)) problems.push(`${s.stage} has engine "${s.fields.engine}", not one of ${req.engines.join(', ')}`);
  }
  if (problems.length) {
    return { id, status: 'fail', summary: `The secret does not have what the function reads: ${problems.join('; ')}.`, evidence, remediation: `Add the missing keys${req.engines[0] ? ` (and "engine": "${req.engines[0]}")` : ''} to the secret's JSON: aws secretsmanager put-secret-value with the full JSON, or edit it in the console.` };
  }
  return { id, status: 'pass', summary: 'Every key the function reads is present.', evidence, remediation: '' };
}
