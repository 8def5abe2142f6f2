// The network snapshot: everything the path model reads about a rotation function's VPC,
// as plain JSON (EC2 and RDS describe answers reduced to the fields the model needs).
// A snapshot holds resource ids, address ranges, rules and endpoint policies: never a secret
// value or a credential. It is versioned: readers refuse a format or version they do not know.

export const NETWORK_SNAPSHOT_FORMAT = 'rotation-inspector/network-snapshot';
export const NETWORK_SNAPSHOT_VERSION = 1;

export interface VpcFacts {
  vpcId: string;
  /** DescribeVpcAttribute enableDnsSupport; null when it could not be read */
  enableDnsSupport: boolean | null;
  /** DescribeVpcAttribute enableDnsHostnames; null when it could not be read */
  enableDnsHostnames: boolean | null;
}

export interface SubnetFacts {
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  cidrBlock: string;
}

/** One route; exactly one target field is set (as in DescribeRouteTables). */
export interface RouteFacts {
  destinationCidrBlock?: string;
  destinationPrefixListId?: string;
  /** `local`, `igw-…`, `vgw-…`, `vpce-…` */
  gatewayId?: string;
  natGatewayId?: string;
  transitGatewayId?: string;
  vpcPeeringConnectionId?: string;
  networkInterfaceId?: string;
  instanceId?: string;
  /** `active` | `blackhole` */
  state: string;
}

export interface RouteTableFacts {
  routeTableId: string;
  vpcId: string;
  /** the VPC's main route table: used by every subnet without an explicit association */
  main: boolean;
  /** explicitly associated subnets */
  subnetIds: string[];
  routes: RouteFacts[];
}

export interface NaclEntryFacts {
  ruleNumber: number;
  /** IANA number as a string: `-1` all, `6` TCP, `17` UDP … */
  protocol: string;
  ruleAction: 'allow' | 'deny';
  egress: boolean;
  /** IPv4 only; IPv6 entries are kept out of the model */
  cidrBlock: string;
  /** absent: all ports */
  portRange?: { from: number; to: number };
}

export interface NetworkAclFacts {
  networkAclId: string;
  vpcId: string;
  subnetIds: string[];
  entries: NaclEntryFacts[];
}

export interface SgPermissionFacts {
  /** `tcp`, `udp`, `icmp`, `-1`, or a number */
  ipProtocol: string;
  fromPort?: number;
  toPort?: number;
  cidrs: string[];
  groupIds: string[];
  prefixListIds: string[];
}

export interface SecurityGroupFacts {
  groupId: string;
  vpcId: string;
  ingress: SgPermissionFacts[];
  egress: SgPermissionFacts[];
}

export interface VpcEndpointFacts {
  vpcEndpointId: string;
  vpcId: string;
  serviceName: string;
  /** `Interface` | `Gateway` | … */
  vpcEndpointType: string;
  /** `available`, `pending`, … (any case) */
  state: string;
  subnetIds: string[];
  groupIds: string[];
  privateDnsEnabled: boolean;
  /** the policy document as EC2 returns it (JSON text); null: none returned (the default full-access policy) */
  policyDocument: string | null;
}

export interface NatGatewayFacts {
  natGatewayId: string;
  vpcId: string;
  subnetId: string;
  /** `available`, `pending`, `failed`, `deleting`, `deleted` */
  state: string;
  /** `public` (default) | `private` (cannot reach the internet) */
  connectivityType: string;
}

export interface PrefixListFacts {
  prefixListId: string;
  name?: string;
  cidrs: string[];
}

/** An EC2 read that failed: what it would have told is unknown, and paths that need it say so. */
export interface UnreadableRead {
  /** IAM action, e.g. `ec2:DescribeNetworkAcls` */
  action: string;
  /** what was asked for (a VPC or resource id), when known */
  scope?: string;
  message: string;
}

/** The database as the paths need it (from RDS DescribeDBInstances/DescribeDBClusters). */
export interface DatabaseNetworkFacts {
  identifier: string;
  vpcId: string | null;
  /** the DB subnet group's subnets (the instance may be in any of them after a failover) */
  subnetIds: string[];
  securityGroupIds: string[];
  port: number | null;
  publiclyAccessible: boolean | null;
}

/** What the model asks about one rotation function. */
export interface NetworkTarget {
  functionName: string;
  /** the execution role, matched against endpoint policies */
  roleArn: string | null;
  /** the secret the function rotates (endpoint policies may name it) */
  secretArn: string | null;
  /** VpcConfig; null or no subnets: not in a VPC */
  vpc: { vpcId: string; subnetIds: string[]; securityGroupIds: string[] } | null;
  /** null: the database is not known */
  database: DatabaseNetworkFacts | null;
  /** alternating users with an RDS-managed superuser secret call the RDS API */
  needsRdsApi: boolean;
}

export interface NetworkSnapshot {
  format: typeof NETWORK_SNAPSHOT_FORMAT;
  version: typeof NETWORK_SNAPSHOT_VERSION;
  region: string;
  /** ISO time of collection */
  collectedAt: string;
  vpcs: VpcFacts[];
  subnets: SubnetFacts[];
  routeTables: RouteTableFacts[];
  networkAcls: NetworkAclFacts[];
  securityGroups: SecurityGroupFacts[];
  vpcEndpoints: VpcEndpointFacts[];
  natGateways: NatGatewayFacts[];
  prefixLists: PrefixListFacts[];
  unreadable: UnreadableRead[];
  targets: NetworkTarget[];
}

export function emptyNetworkSnapshot(region: string, collectedAt = new Date().toISOString()): NetworkSnapshot {
  return {
    format: NETWORK_SNAPSHOT_FORMAT, version: NETWORK_SNAPSHOT_VERSION, region, collectedAt,
    vpcs: [], subnets: [], routeTables: [], networkAcls: [], securityGroups: [], vpcEndpoints: [], natGateways: [], prefixLists: [], unreadable: [], targets: [],
  };
}

const ARRAYS = ['vpcs', 'subnets', 'routeTables', 'networkAcls', 'securityGroups', 'vpcEndpoints', 'natGateways', 'prefixLists', 'unreadable', 'targets'] as const;

/**
 * Checks a parsed JSON value is a network snapshot this version reads; throws an Error with a
 * one-line reason otherwise (the caller names the file).
 */
export function asNetworkSnapshot(value: unknown): NetworkSnapshot {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
  const v = value as Record<string, unknown>;
  if (v['format'] !== NETWORK_SNAPSHOT_FORMAT) throw new Error(`format is not "${NETWORK_SNAPSHOT_FORMAT}"`);
  if (v['version'] !== NETWORK_SNAPSHOT_VERSION) throw new Error(`version ${JSON.stringify(v['version'])} is not supported (this build reads version ${NETWORK_SNAPSHOT_VERSION})`);
  if (typeof v['region'] !== 'string') throw new Error('region is missing');
  for (const key of ARRAYS) if (!Array.isArray(v[key])) throw new Error(`${key} is not a list`);
  return value as NetworkSnapshot;
}
