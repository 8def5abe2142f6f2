/**
 * What Secrets Manager says of a secret, without its value, and the little
 * that may be kept from its value under --read-secret-keys. Pure.
 */

export interface RotationRules {
  automaticallyAfterDays?: number;
  /** "3h", "2h30m": the rotation window. */
  duration?: string;
  scheduleExpression?: string;
}

export interface SecretVersion {
  id: string;
  stages: string[];
  createdDate: string | null;
}

export interface SecretMetadata {
  name: string;
  arn: string;
  /** null when the secret was never configured for rotation. */
  rotationEnabled: boolean | null;
  rotationLambdaArn: string | null;
  rotationRules: RotationRules | null;
  lastRotatedDate: string | null;
  nextRotationDate: string | null;
  owningService: string | null;
  versions: SecretVersion[];
  tags?: Record<string, string>;
}

/** The non-secret fields of a database secret. Everything else is dropped on reading. */
export const NON_SECRET_FIELDS = ['engine', 'host', 'port', 'dbname', 'ssl', 'masterarn'] as const;
export type NonSecretField = (typeof NON_SECRET_FIELDS)[number];

/** One version of the secret as kept: its key names and its non-secret fields. */
export interface SecretShape {
  stage: 'AWSCURRENT' | 'AWSPENDING';
  keys: string[];
  fields: Partial<Record<NonSecretField, string>>;
  /** Set when the value is not a JSON object (the value itself is never kept). */
  notJson?: true;
}

/**
 * Reduces a SecretString to key names and non-secret fields at once. The
 * value of every other key, including the password, is never copied.
 */
export function secretShape(stage: SecretShape['stage'], secretString: string | undefined): SecretShape {
  let parsed: unknown;
  try { parsed = secretString === undefined ? undefined : JSON.parse(secretString); } catch { parsed = undefined; }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { stage, keys: [], fields: {}, notJson: true };
  const o = parsed as Record<string, unknown>;
  const fields: SecretShape['fields'] = {};
  for (const f of NON_SECRET_FIELDS) {
    const v = o[f];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[f] = String(v).slice(0, 256);
  }
  return { stage, keys: Object.keys(o).map((k) => k.slice(0, 128)).slice(0, 100), fields };
}

/** "3h", "1h30m", "90m" → milliseconds; null when absent or unreadable. */
export function durationMs(duration: string | undefined): number | null {
  if (!duration) return null;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?$/.exec(duration.trim());
  if (!m || (!m[1] && !m[2])) return null;
  return (Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60_000;
}

/** The version carrying a stage, or null. */
export function versionWith(secret: SecretMetadata, stage: string): SecretVersion | null {
  return secret.versions.find((v) => v.stages.includes(stage)) ?? null;
}

/** The Serverless Application Repository application a function was deployed from, from its tags. */
export const SAR_APPLICATION_TAG = 'serverlessrepo:applicationId';
