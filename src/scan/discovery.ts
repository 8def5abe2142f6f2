import { LIST_SECRETS_PAGE, checkAnswer } from '../aws/answerShapes.js';
import { awsError } from '../aws/awsErrors.js';
import { sdk, type AwsSession } from '../aws/session.js';
import type { InspectError } from '../errors.js';
import type { SecretRef } from '../report/report.js';

/** A rotation function and the secrets that name it, as discovery found them. */
export interface DiscoveredFunction {
  arn: string;
  secrets: SecretRef[];
}

export interface RegionListing {
  region: string;
  error?: InspectError;
  /** True when --all-regions met a region the account has not enabled. */
  notEnabled?: boolean;
}

/** The commercial regions, for --all-regions (opt-in regions that are not enabled are reported as such). */
export const COMMERCIAL_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1', 'ap-south-1', 'ap-south-2', 'ap-southeast-1',
  'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-7', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-south-1', 'eu-south-2',
  'eu-north-1', 'il-central-1', 'me-south-1', 'me-central-1', 'mx-central-1', 'sa-east-1',
] as const;

const FUNCTION_ARN = /^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+$/;

/** Drops a version or alias qualifier: a function is inspected once whichever of its versions secrets name. */
export function unqualifiedArn(arn: string): string {
  const parts = arn.split(':');
  return parts.length > 7 ? parts.slice(0, 7).join(':') : arn;
}

/**
 * Lists every secret that names a rotation function, in each region, through
 * the SDK's ListSecrets paginator. `onFunction` fires the first time a
 * function is seen, so its inspection can start while paging goes on.
 */
export async function discoverRotationFunctions(
  session: AwsSession, regions: readonly string[], allRegions: boolean,
  onFunction: (arn: string) => void,
): Promise<{ functions: Map<string, DiscoveredFunction>; listings: RegionListing[] }> {
  const s = await sdk();
  const functions = new Map<string, DiscoveredFunction>();
  const listings = await Promise.all(regions.map(async (region): Promise<RegionListing> => {
    try {
      const clients = await session.clients(region);
      const call = session.callOptions();
      const pages = s.secretsManager.paginateListSecrets({ client: clients.secretsManager, pageSize: 100 }, { IncludePlannedDeletion: false }, call);
      for await (const page of pages) {
        call.renew();
        checkAnswer(page, LIST_SECRETS_PAGE, 'secretsmanager:ListSecrets', `secrets in ${region}`);
        for (const secret of page.SecretList ?? []) {
          const raw = secret.RotationLambdaARN;
          if (!raw) continue;
          const arn = FUNCTION_ARN.test(unqualifiedArn(raw)) ? unqualifiedArn(raw) : raw;
          let entry = functions.get(arn);
          if (!entry) {
            entry = { arn, secrets: [] };
            functions.set(arn, entry);
            onFunction(arn);
          }
          entry.secrets.push({
            name: secret.Name ?? '', arn: secret.ARN ?? '', rotationEnabled: secret.RotationEnabled === true,
            lastRotatedDate: secret.LastRotatedDate ? secret.LastRotatedDate.toISOString() : null,
          });
        }
      }
      return { region };
    } catch (e) {
      const err = awsError(e, { action: 'secretsmanager:ListSecrets', resource: `secrets in ${region}`, region, profile: session.settings.profile, endpoint: session.settings.endpointUrl });
      // An opt-in region the account has not enabled rejects every token.
      if (allRegions && (err.code === 'bad-credentials')) return { region, notEnabled: true };
      return { region, error: err };
    }
  }));
  return { functions, listings };
}
