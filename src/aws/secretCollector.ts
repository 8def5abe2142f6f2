import { InspectError } from '../errors.js';
import { secretShape, type SecretMetadata, type SecretShape } from '../facts/secret/secretFacts.js';
import { awsError, type AwsCallContext } from './awsErrors.js';
import { sdk, type AwsClients, type CallOptions } from './session.js';

const iso = (d: Date | undefined) => (d ? d.toISOString() : null);

/**
 * DescribeSecret, then (`versions`) ListSecretVersionIds through the SDK's
 * paginator for the versions' ages: metadata, never the value. The first
 * promise throws InspectError; the rest of the work need not wait for the ages.
 */
export async function secretMetadata(clients: AwsClients, secretId: string, ctx: (action: string) => AwsCallContext, call: () => CallOptions): Promise<{ secret: SecretMetadata; withVersions: Promise<SecretMetadata> }> {
  const s = await sdk();
  let d;
  try {
    d = await clients.secretsManager.send(new s.secretsManager.DescribeSecretCommand({ SecretId: secretId }), call());
  } catch (e) {
    if ((e as { name?: string }).name === 'ResourceNotFoundException') {
      throw new InspectError('secret-not-found', `${secretId}: no such secret in ${clients.region} (secretsmanager:DescribeSecret)`, { cause: e });
    }
    throw awsError(e, ctx('secretsmanager:DescribeSecret'));
  }
  const stages = new Map(Object.entries(d.VersionIdsToStages ?? {}));
  const r = d.RotationRules;
  const secret: SecretMetadata = {
    name: d.Name ?? secretId,
    arn: d.ARN ?? secretId,
    rotationEnabled: d.RotationEnabled ?? null,
    rotationLambdaArn: d.RotationLambdaARN ?? null,
    rotationRules: r ? { ...(r.AutomaticallyAfterDays !== undefined ? { automaticallyAfterDays: r.AutomaticallyAfterDays } : {}), ...(r.Duration ? { duration: r.Duration } : {}), ...(r.ScheduleExpression ? { scheduleExpression: r.ScheduleExpression } : {}) } : null,
    lastRotatedDate: iso(d.LastRotatedDate),
    nextRotationDate: iso(d.NextRotationDate),
    owningService: d.OwningService ?? null,
    versions: [...stages].map(([id, st]) => ({ id, stages: st, createdDate: null })),
    tags: Object.fromEntries((d.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
  };
  const withVersions = (async (): Promise<SecretMetadata> => {
    const created = new Map<string, string | null>();
    try {
      const options = call();
      const pages = s.secretsManager.paginateListSecretVersionIds({ client: clients.secretsManager, pageSize: 100 }, { SecretId: secret.arn, IncludeDeprecated: false }, options);
      for await (const page of pages) {
        options.renew();
        for (const v of page.Versions ?? []) {
          if (!v.VersionId) continue;
          created.set(v.VersionId, iso(v.CreatedDate));
          if (!stages.has(v.VersionId)) stages.set(v.VersionId, v.VersionStages ?? []);
        }
      }
    } catch {
      // Version ages are optional: without them a stuck AWSPENDING's age is unknown (the check says so).
    }
    return { ...secret, versions: [...stages].map(([id, st]) => ({ id, stages: st, createdDate: created.get(id) ?? null })) };
  })();
  return { secret, withVersions };
}

/**
 * --read-secret-keys: GetSecretValue of AWSCURRENT and AWSPENDING, reduced at
 * once to key names and the non-secret fields. The SecretString goes out of
 * scope inside this function; errors carry AWS's message, never the value.
 */
export async function secretShapes(clients: AwsClients, secret: SecretMetadata, ctx: (action: string) => AwsCallContext, call: () => CallOptions): Promise<{ shapes: SecretShape[]; errors: string[] }> {
  const s = await sdk();
  const stages = (['AWSCURRENT', 'AWSPENDING'] as const).filter((st) => secret.versions.some((v) => v.stages.includes(st)));
  const shapes: SecretShape[] = [];
  const errors: string[] = [];
  for (const stage of stages) {
    try {
      const out = await clients.secretsManager.send(new s.secretsManager.GetSecretValueCommand({ SecretId: secret.arn, VersionStage: stage }), call());
      shapes.push(secretShape(stage, out.SecretString));
    } catch (e) {
      errors.push(`${stage}: ${awsError(e, ctx('secretsmanager:GetSecretValue')).message}`);
    }
  }
  return { shapes, errors };
}
