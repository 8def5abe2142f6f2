import { durationMs, versionWith, type SecretMetadata } from '../facts/secret/secretFacts.js';
import type { DiagnoseCheck } from './diagnoseCheck.js';

/** Without RotationRules.Duration, a rotation is given this long to finish. */
export const DEFAULT_ROTATION_WINDOW_MS = 24 * 3600_000;

/**
 * Is rotation stuck? Fails when NextRotationDate is past ("if rotation is
 * unsuccessful, this date may be in the past", DescribeSecret), or when
 * AWSPENDING sits on a version other than AWSCURRENT's for longer than the
 * rotation window (RotationRules.Duration, else 24 hours): every later
 * rotation then answers "A previous rotation isn't complete".
 */
export function rotationStateCheck(secret: SecretMetadata, now: Date): DiagnoseCheck {
  const id = 'rotation-state' as const;
  if (secret.rotationEnabled !== true) {
    return { id, status: 'not-applicable', summary: `Rotation is ${secret.rotationEnabled === false ? 'turned off' : 'not configured'} for this secret.`, evidence: [`RotationEnabled = ${secret.rotationEnabled}`], remediation: '' };
  }
  const evidence: string[] = [];
  const current = versionWith(secret, 'AWSCURRENT');
  const pending = versionWith(secret, 'AWSPENDING');
  if (secret.lastRotatedDate) evidence.push(`LastRotatedDate = ${secret.lastRotatedDate}`);
  if (secret.nextRotationDate) evidence.push(`NextRotationDate = ${secret.nextRotationDate}`);
  const windowMs = durationMs(secret.rotationRules?.duration) ?? DEFAULT_ROTATION_WINDOW_MS;
  const windowText = secret.rotationRules?.duration ? `the rotation window (Duration ${secret.rotationRules.duration})` : '24 hours (no rotation window set)';
  const remediation = 'Find why the last rotation failed (the diagnosis above); once fixed, run the rotation again (aws secretsmanager rotate-secret --secret-id <arn>). A stale AWSPENDING label on a failed version is cleared by a successful rotation.';
  let stuck: string | null = null;
  let inProgress: string | null = null;
  if (pending && current && pending.id !== current.id) {
    evidence.push(`AWSPENDING on version ${pending.id}${pending.createdDate ? ` created ${pending.createdDate}` : ''}; AWSCURRENT on ${current.id}`);
    const age = pending.createdDate ? now.getTime() - Date.parse(pending.createdDate) : null;
    if (age === null) inProgress = `AWSPENDING sits on version ${pending.id}, not on AWSCURRENT's, and its age is unknown.`;
    else if (age > windowMs) stuck = `AWSPENDING has sat on version ${pending.id} (not AWSCURRENT's) for ${Math.floor(age / 3600_000)} h, longer than ${windowText}: a rotation started and never finished, and every later rotation is refused until it does.`;
    else inProgress = `AWSPENDING sits on version ${pending.id}, created ${Math.floor(age / 60_000)} min ago: a rotation is in progress.`;
  } else if (pending && current) {
    evidence.push(`AWSPENDING and AWSCURRENT on the same version ${current.id} (normal after a rotation: the service clears the label itself)`);
  }
  if (secret.nextRotationDate && Date.parse(secret.nextRotationDate) < now.getTime()) {
    const days = Math.floor((now.getTime() - Date.parse(secret.nextRotationDate)) / 86_400_000);
    return { id, status: 'fail', summary: `NextRotationDate ${secret.nextRotationDate.slice(0, 10)} is ${days} day(s) past: the scheduled rotation did not succeed.${stuck ? ` ${stuck}` : ''}`, evidence, remediation };
  }
  if (stuck) return { id, status: 'fail', summary: stuck, evidence, remediation };
  if (inProgress) return { id, status: 'warn', summary: inProgress, evidence, remediation: '' };
  return { id, status: 'pass', summary: `No rotation is stuck${secret.nextRotationDate ? `; the next is due ${secret.nextRotationDate.slice(0, 10)}` : ''}.`, evidence, remediation: '' };
}
