import { makeFleet, type Fleet } from '../standin/fleet.js';
import { startOrganization, type OrgAccountSpec, type Organization, type OrganizationOptions } from '../standin/organization.js';
import { DEFAULT_CREDENTIALS } from '../standin/server.js';
import { SAMPLE_10_ZIP, SAMPLE_94_ZIP } from './aws.js';

export const MANAGEMENT = '100000000001';
export const memberId = (i: number) => `2${String(i).padStart(11, '0')}`;
export const ROLE = 'RotationAudit';

/** A small fleet of one account: `count` functions over the two sample bundles (the same two SHA-256s in every account). */
export function accountFleet(accountId: string, count = 2, regions = ['us-east-1']): Fleet {
  return makeFleet({ count, codes: [SAMPLE_94_ZIP, SAMPLE_10_ZIP], accountId, namePrefix: `rot-${accountId}`, regions, stackEvery: 0 });
}

export interface TestOrg { org: Organization; fleets: Map<string, Fleet> }

/**
 * An organization: the management account (no member role, one function), `members` member accounts with
 * two functions each, plus whatever `extra` accounts the test adds.
 */
export async function testOrganization(members: number, extra: OrgAccountSpec[] = [], more: Partial<OrganizationOptions> = {}, regions = ['us-east-1']): Promise<TestOrg> {
  const fleets = new Map<string, Fleet>();
  const spec = (id: string, count: number, rest: Partial<OrgAccountSpec> = {}): OrgAccountSpec => {
    const fleet = accountFleet(id, count, regions);
    fleets.set(id, fleet);
    return { id, name: rest.name ?? `acct-${id.slice(-3)}`, fleet: { functions: fleet.functions, secrets: fleet.secrets, stacks: fleet.stacks, layers: fleet.layers }, ...rest };
  };
  const accounts = [
    spec(MANAGEMENT, 1, { name: 'management', roleName: null }),
    ...Array.from({ length: members }, (_, i) => spec(memberId(i + 1), 2)),
    ...extra.map((e) => (e.fleet ? e : spec(e.id, 1, e))),
  ];
  const org = await startOrganization({ accounts, managementId: MANAGEMENT, ...more });
  return { org, fleets };
}

/** Base-credential environment for the CLI against an organization. */
export function orgEnv(org: Organization): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: DEFAULT_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DEFAULT_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: org.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  };
}
