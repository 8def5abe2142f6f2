// Fixture VPCs for the network path model: one working layout and, for every rule of the model, a
// change that breaks it alone (and, where the rule has more than one way to pass, a change that
// still passes). The model tests read them directly; the stand-in tests load the same layouts into the
// stand-in's EC2 and collect them back through the real SDK client.
import {
  emptyNetworkSnapshot, type NaclEntryFacts, type NetworkAclFacts, type NetworkSnapshot, type NetworkTarget, type SgPermissionFacts,
} from '../../src/facts/network/snapshot.js';
import type { ExecutionContext } from 'ava';
import type { NetworkPath, PathName, PathStatus } from '../../src/facts/network/paths.js';

export const REGION = 'us-east-1';
export const ROLE_ARN = 'arn:aws:iam::123456789012:role/rotation-fn-role';
export const OTHER_ROLE_ARN = 'arn:aws:iam::123456789012:role/someone-else';
export const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf';

export const tcp = (port: number | [number, number], over: Partial<SgPermissionFacts>): SgPermissionFacts => {
  const [from, to] = typeof port === 'number' ? [port, port] : port;
  return { ipProtocol: 'tcp', fromPort: from, toPort: to, cidrs: [], groupIds: [], prefixListIds: [], ...over };
};
export const allTraffic = (over: Partial<SgPermissionFacts>): SgPermissionFacts => ({ ipProtocol: '-1', cidrs: [], groupIds: [], prefixListIds: [], ...over });

export const naclEntry = (ruleNumber: number, egress: boolean, ruleAction: 'allow' | 'deny', cidrBlock: string, ports?: [number, number], protocol = ports ? '6' : '-1'): NaclEntryFacts =>
  ({ ruleNumber, egress, ruleAction, cidrBlock, protocol, ...(ports ? { portRange: { from: ports[0], to: ports[1] } } : {}) });

/** The default ACL as EC2 creates it: allow everything both ways, then the `*` deny. */
export const openAclEntries = (): NaclEntryFacts[] => [
  naclEntry(100, false, 'allow', '0.0.0.0/0'), naclEntry(32767, false, 'deny', '0.0.0.0/0'),
  naclEntry(100, true, 'allow', '0.0.0.0/0'), naclEntry(32767, true, 'deny', '0.0.0.0/0'),
];

/**
 * vpc-1 10.0.0.0/16, us-east-1a/b:
 *   function subnets subnet-fa 10.0.1.0/24 (a), subnet-fb 10.0.2.0/24 (b)   (main route table → nat-1)
 *   endpoint subnets subnet-ea 10.0.11.0/24 (a), subnet-eb 10.0.12.0/24 (b)
 *   database subnets subnet-da 10.0.21.0/24 (a), subnet-db 10.0.22.0/24 (b)
 *   public subnet subnet-pub 10.0.100.0/24 (a) with nat-1, rtb-pub 0.0.0.0/0 → igw-1
 *   acl-default (open) on all subnets; sg-fn egress all; sg-vpce admits 443 from sg-fn; sg-db admits 5432 from sg-fn
 *   vpce-sm: secretsmanager interface endpoint, private DNS, in subnet-ea/eb, no policy (default)
 */
export function workingVpc(): { snapshot: NetworkSnapshot; target: NetworkTarget } {
  const s = emptyNetworkSnapshot(REGION, '2026-11-30T00:00:00.000Z');
  s.vpcs.push({ vpcId: 'vpc-1', enableDnsSupport: true, enableDnsHostnames: true });
  const subnet = (subnetId: string, az: string, cidrBlock: string) => s.subnets.push({ subnetId, vpcId: 'vpc-1', availabilityZone: `us-east-1${az}`, cidrBlock });
  subnet('subnet-fa', 'a', '10.0.1.0/24');
  subnet('subnet-fb', 'b', '10.0.2.0/24');
  subnet('subnet-ea', 'a', '10.0.11.0/24');
  subnet('subnet-eb', 'b', '10.0.12.0/24');
  subnet('subnet-da', 'a', '10.0.21.0/24');
  subnet('subnet-db', 'b', '10.0.22.0/24');
  subnet('subnet-pub', 'a', '10.0.100.0/24');
  s.routeTables.push(
    { routeTableId: 'rtb-main', vpcId: 'vpc-1', main: true, subnetIds: [], routes: [{ destinationCidrBlock: '10.0.0.0/16', gatewayId: 'local', state: 'active' }, { destinationCidrBlock: '0.0.0.0/0', natGatewayId: 'nat-1', state: 'active' }] },
    { routeTableId: 'rtb-pub', vpcId: 'vpc-1', main: false, subnetIds: ['subnet-pub'], routes: [{ destinationCidrBlock: '10.0.0.0/16', gatewayId: 'local', state: 'active' }, { destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-1', state: 'active' }] },
  );
  s.networkAcls.push({ networkAclId: 'acl-default', vpcId: 'vpc-1', subnetIds: s.subnets.map((x) => x.subnetId), entries: openAclEntries() });
  s.securityGroups.push(
    { groupId: 'sg-fn', vpcId: 'vpc-1', ingress: [], egress: [allTraffic({ cidrs: ['0.0.0.0/0'] })] },
    { groupId: 'sg-vpce', vpcId: 'vpc-1', ingress: [tcp(443, { groupIds: ['sg-fn'] })], egress: [allTraffic({ cidrs: ['0.0.0.0/0'] })] },
    { groupId: 'sg-db', vpcId: 'vpc-1', ingress: [tcp(5432, { groupIds: ['sg-fn'] })], egress: [allTraffic({ cidrs: ['0.0.0.0/0'] })] },
  );
  s.vpcEndpoints.push({
    vpcEndpointId: 'vpce-sm', vpcId: 'vpc-1', serviceName: `com.amazonaws.${REGION}.secretsmanager`, vpcEndpointType: 'Interface', state: 'available',
    subnetIds: ['subnet-ea', 'subnet-eb'], groupIds: ['sg-vpce'], privateDnsEnabled: true, policyDocument: null,
  });
  s.natGateways.push({ natGatewayId: 'nat-1', vpcId: 'vpc-1', subnetId: 'subnet-pub', state: 'available', connectivityType: 'public' });
  const target: NetworkTarget = {
    functionName: 'rotate-prod-db', roleArn: ROLE_ARN, secretArn: SECRET_ARN,
    vpc: { vpcId: 'vpc-1', subnetIds: ['subnet-fa', 'subnet-fb'], securityGroupIds: ['sg-fn'] },
    database: { identifier: 'prod-db', vpcId: 'vpc-1', subnetIds: ['subnet-da', 'subnet-db'], securityGroupIds: ['sg-db'], port: 5432, publiclyAccessible: false },
    needsRdsApi: true,
  };
  s.targets.push(target);
  return { snapshot: s, target };
}

export interface Expectation {
  path: PathName;
  status: PathStatus;
  /** the first blocking (fail), warning (warn) or unknown finding */
  resource?: string;
  rule?: string;
  subnet?: string;
  action?: string;
}

export interface NetworkScenario {
  name: string;
  /** the model rule it exercises */
  rule: string;
  change: (v: { snapshot: NetworkSnapshot; target: NetworkTarget }) => void;
  expect: Expectation;
  /** for the stand-in: the EC2 operation it refuses instead of the snapshot's `unreadable` entry */
  standinDenies?: string;
}

const acl = (s: NetworkSnapshot, id: string, subnetIds: string[], entries: NaclEntryFacts[]): void => {
  for (const a of s.networkAcls) a.subnetIds = a.subnetIds.filter((x) => !subnetIds.includes(x));
  s.networkAcls.push({ networkAclId: id, vpcId: 'vpc-1', subnetIds, entries } satisfies NetworkAclFacts);
};
const sg = (s: NetworkSnapshot, id: string) => s.securityGroups.find((g) => g.groupId === id)!;
const ep = (s: NetworkSnapshot) => s.vpcEndpoints[0]!;
const noEndpoint = (s: NetworkSnapshot) => { s.vpcEndpoints.length = 0; };
const policy = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
const SM_ACTIONS = 'secretsmanager:*';

export const networkScenarios: NetworkScenario[] = [
  // --- not in a VPC
  { name: 'no-vpc', rule: 'not in a VPC: public endpoint', change: ({ target }) => { target.vpc = null; }, expect: { path: 'secretsmanager', status: 'pass' } },
  // --- interface endpoint
  { name: 'endpoint-works', rule: 'interface endpoint', change: () => {}, expect: { path: 'secretsmanager', status: 'pass' } },
  { name: 'endpoint-pending', rule: 'endpoint available', change: ({ snapshot }) => { ep(snapshot).state = 'pending'; }, expect: { path: 'secretsmanager', status: 'fail', resource: 'vpce-sm', rule: 'state' } },
  { name: 'endpoint-dns-support-off', rule: 'VPC DNS attributes', change: ({ snapshot }) => { snapshot.vpcs[0]!.enableDnsSupport = false; }, expect: { path: 'secretsmanager', status: 'fail', resource: 'vpc-1', rule: 'enableDnsSupport' } },
  { name: 'endpoint-dns-hostnames-off', rule: 'VPC DNS attributes', change: ({ snapshot }) => { snapshot.vpcs[0]!.enableDnsHostnames = false; }, expect: { path: 'secretsmanager', status: 'fail', resource: 'vpc-1', rule: 'enableDnsHostnames' } },
  { name: 'endpoint-missing-zone', rule: 'endpoint subnet in each function zone', change: ({ snapshot }) => { ep(snapshot).subnetIds = ['subnet-ea']; }, expect: { path: 'secretsmanager', status: 'warn', resource: 'vpce-sm', rule: 'subnets', subnet: 'subnet-fb' } },
  { name: 'endpoint-sg-admits-nothing', rule: 'endpoint SG admits 443 from the function', change: ({ snapshot }) => { sg(snapshot, 'sg-vpce').ingress = [tcp(443, { groupIds: ['sg-other'] })]; }, expect: { path: 'secretsmanager', status: 'fail', resource: 'sg-vpce (endpoint vpce-sm)', rule: 'ingress' } },
  { name: 'endpoint-sg-admits-vpc-cidr', rule: 'endpoint SG admits 443 from the function', change: ({ snapshot }) => { sg(snapshot, 'sg-vpce').ingress = [tcp(443, { cidrs: ['10.0.0.0/16'] })]; }, expect: { path: 'secretsmanager', status: 'pass' } },
  { name: 'endpoint-sg-admits-one-subnet', rule: 'endpoint SG admits 443 from the function', change: ({ snapshot }) => { sg(snapshot, 'sg-vpce').ingress = [tcp(443, { cidrs: ['10.0.1.0/24'] })]; }, expect: { path: 'secretsmanager', status: 'fail', resource: 'sg-vpce (endpoint vpce-sm)', rule: 'ingress', subnet: 'subnet-fb' } },
  { name: 'endpoint-sg-admits-prefix-list', rule: 'endpoint SG admits 443 from the function', change: ({ snapshot }) => { sg(snapshot, 'sg-vpce').ingress = [tcp(443, { prefixListIds: ['pl-corp'] })]; snapshot.prefixLists.push({ prefixListId: 'pl-corp', name: 'vpc ranges', cidrs: ['10.0.0.0/17'] }); }, expect: { path: 'secretsmanager', status: 'pass' } },
  { name: 'endpoint-sg-wrong-port', rule: 'endpoint SG admits 443 from the function', change: ({ snapshot }) => { sg(snapshot, 'sg-vpce').ingress = [tcp(80, { groupIds: ['sg-fn'] })]; }, expect: { path: 'secretsmanager', status: 'fail', resource: 'sg-vpce (endpoint vpce-sm)', rule: 'ingress' } },
  { name: 'function-sg-no-egress-443', rule: 'function SG egress 443', change: ({ snapshot }) => { sg(snapshot, 'sg-fn').egress = [tcp(5432, { cidrs: ['10.0.0.0/16'] })]; }, expect: { path: 'secretsmanager', status: 'fail', resource: 'sg-fn (function)', rule: 'egress' } },
  { name: 'function-sg-egress-to-endpoint-sg', rule: 'function SG egress 443', change: ({ snapshot }) => { sg(snapshot, 'sg-fn').egress = [tcp(443, { groupIds: ['sg-vpce'] }), tcp(5432, { groupIds: ['sg-db'] })]; }, expect: { path: 'secretsmanager', status: 'pass' } },
  { name: 'function-nacl-denies-443-out', rule: 'function subnet NACL egress 443', change: ({ snapshot }) => { acl(snapshot, 'acl-fn', ['subnet-fa', 'subnet-fb'], [naclEntry(90, true, 'deny', '0.0.0.0/0', [443, 443]), ...openAclEntries()]); }, expect: { path: 'secretsmanager', status: 'fail', resource: 'acl-fn', rule: 'rule 90 (egress)' } },
  { name: 'function-nacl-no-ephemeral-in', rule: 'function subnet NACL ingress ephemeral', change: ({ snapshot }) => { acl(snapshot, 'acl-fn', ['subnet-fa', 'subnet-fb'], [naclEntry(100, true, 'allow', '0.0.0.0/0'), naclEntry(100, false, 'allow', '10.0.0.0/16', [443, 443]), naclEntry(110, false, 'allow', '10.0.0.0/16', [5432, 5432])]); }, expect: { path: 'secretsmanager', status: 'fail', resource: 'acl-fn', rule: 'rule * (ingress)' } },
  { name: 'function-nacl-ephemeral-in-ok', rule: 'function subnet NACL ingress ephemeral', change: ({ snapshot }) => { acl(snapshot, 'acl-fn', ['subnet-fa', 'subnet-fb'], [naclEntry(100, true, 'allow', '0.0.0.0/0', [443, 443]), naclEntry(110, true, 'allow', '10.0.0.0/16', [5432, 5432]), naclEntry(100, false, 'allow', '0.0.0.0/0', [1024, 65535])]); }, expect: { path: 'secretsmanager', status: 'pass' } },
  { name: 'nacl-rule-order', rule: 'NACL rule-number order', change: ({ snapshot }) => { acl(snapshot, 'acl-fn', ['subnet-fa', 'subnet-fb'], [naclEntry(200, true, 'deny', '0.0.0.0/0', [443, 443]), ...openAclEntries()]); }, expect: { path: 'secretsmanager', status: 'pass' } },
  { name: 'one-subnet-nacl-denies', rule: 'any one function subnet fails the path', change: ({ snapshot }) => { acl(snapshot, 'acl-fb', ['subnet-fb'], [naclEntry(90, true, 'deny', '10.0.12.0/24'), ...openAclEntries()]); }, expect: { path: 'secretsmanager', status: 'fail', resource: 'acl-fb', rule: 'rule 90 (egress)', subnet: 'subnet-fb' } },
  { name: 'endpoint-nacl-no-443-in', rule: 'endpoint subnet NACL ingress 443', change: ({ snapshot }) => { acl(snapshot, 'acl-ep', ['subnet-ea', 'subnet-eb'], [naclEntry(100, true, 'allow', '0.0.0.0/0'), naclEntry(100, false, 'allow', '10.0.0.0/16', [1024, 65535])]); }, expect: { path: 'secretsmanager', status: 'fail', resource: 'acl-ep', rule: 'rule * (ingress)' } },
  { name: 'endpoint-nacl-no-ephemeral-out', rule: 'endpoint subnet NACL egress ephemeral', change: ({ snapshot }) => { acl(snapshot, 'acl-ep', ['subnet-ea', 'subnet-eb'], [naclEntry(100, false, 'allow', '0.0.0.0/0'), naclEntry(100, true, 'allow', '10.0.0.0/16', [443, 443])]); }, expect: { path: 'secretsmanager', status: 'fail', resource: 'acl-ep', rule: 'rule * (egress)' } },
  { name: 'same-subnet-skips-nacl', rule: 'NACLs filter only traffic leaving a subnet', change: ({ snapshot, target }) => { ep(snapshot).subnetIds = ['subnet-fa']; target.vpc!.subnetIds = ['subnet-fa']; acl(snapshot, 'acl-fn', ['subnet-fa'], [naclEntry(32767, true, 'deny', '0.0.0.0/0'), naclEntry(32767, false, 'deny', '0.0.0.0/0')]); target.database = null; }, expect: { path: 'secretsmanager', status: 'pass' } },
  { name: 'endpoint-policy-other-role', rule: 'endpoint policy allows the role', change: ({ snapshot }) => { ep(snapshot).policyDocument = policy({ Effect: 'Allow', Principal: { AWS: OTHER_ROLE_ARN }, Action: SM_ACTIONS, Resource: '*' }); }, expect: { path: 'secretsmanager', status: 'fail', resource: 'vpce-sm', rule: 'policy policy' } },
  { name: 'endpoint-policy-account', rule: 'endpoint policy allows the role', change: ({ snapshot }) => { ep(snapshot).policyDocument = policy({ Effect: 'Allow', Principal: { AWS: '123456789012' }, Action: SM_ACTIONS, Resource: '*' }); }, expect: { path: 'secretsmanager', status: 'pass' } },
  { name: 'endpoint-policy-secret-only', rule: 'endpoint policy allows the role', change: ({ snapshot }) => { ep(snapshot).policyDocument = policy({ Effect: 'Allow', Principal: '*', Action: SM_ACTIONS, Resource: [SECRET_ARN.replace(/-AbCdEf$/, '-??????'), '*'] }); }, expect: { path: 'secretsmanager', status: 'pass' } },
  { name: 'endpoint-policy-denies', rule: 'endpoint policy allows the role', change: ({ snapshot }) => { ep(snapshot).policyDocument = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }, { Sid: 'NoWrites', Effect: 'Deny', Principal: '*', Action: 'secretsmanager:PutSecretValue', Resource: '*' }] }); }, expect: { path: 'secretsmanager', status: 'fail', resource: 'vpce-sm', rule: 'policy statement 2 (Sid NoWrites)' } },
  { name: 'endpoint-policy-condition', rule: 'endpoint policy allows the role', change: ({ snapshot }) => { ep(snapshot).policyDocument = policy({ Effect: 'Allow', Principal: '*', Action: SM_ACTIONS, Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } } }); }, expect: { path: 'secretsmanager', status: 'unknown', resource: 'vpce-sm', rule: 'policy statement 1' } },
  // --- NAT
  { name: 'nat-works', rule: 'NAT gateway route (main table fallback)', change: ({ snapshot }) => noEndpoint(snapshot), expect: { path: 'secretsmanager', status: 'pass' } },
  { name: 'endpoint-private-dns-off', rule: 'private DNS off: the public name is used', change: ({ snapshot }) => { ep(snapshot).privateDnsEnabled = false; snapshot.routeTables[0]!.routes.pop(); }, expect: { path: 'secretsmanager', status: 'fail', resource: 'rtb-main', rule: 'route 0.0.0.0/0' } },
  { name: 'nat-explicit-table-without-default', rule: 'explicit association wins over the main table', change: ({ snapshot }) => { noEndpoint(snapshot); snapshot.routeTables.push({ routeTableId: 'rtb-fb', vpcId: 'vpc-1', main: false, subnetIds: ['subnet-fb'], routes: [{ destinationCidrBlock: '10.0.0.0/16', gatewayId: 'local', state: 'active' }] }); }, expect: { path: 'secretsmanager', status: 'fail', resource: 'rtb-fb', rule: 'route 0.0.0.0/0', subnet: 'subnet-fb' } },
  { name: 'nat-igw-route-only', rule: 'an internet gateway route alone does not work', change: ({ snapshot }) => { noEndpoint(snapshot); snapshot.routeTables[0]!.routes[1] = { destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-1', state: 'active' }; }, expect: { path: 'secretsmanager', status: 'fail', resource: 'rtb-main', rule: 'route 0.0.0.0/0 → igw-1' } },
  { name: 'nat-blackhole', rule: 'route state', change: ({ snapshot }) => { noEndpoint(snapshot); snapshot.routeTables[0]!.routes[1]!.state = 'blackhole'; }, expect: { path: 'secretsmanager', status: 'fail', resource: 'rtb-main', rule: 'route 0.0.0.0/0 → nat-1' } },
  { name: 'nat-failed', rule: 'NAT gateway available', change: ({ snapshot }) => { noEndpoint(snapshot); snapshot.natGateways[0]!.state = 'failed'; }, expect: { path: 'secretsmanager', status: 'fail', resource: 'nat-1', rule: 'state' } },
  { name: 'nat-private', rule: 'NAT gateway is public', change: ({ snapshot }) => { noEndpoint(snapshot); snapshot.natGateways[0]!.connectivityType = 'private'; }, expect: { path: 'secretsmanager', status: 'fail', resource: 'nat-1', rule: 'connectivityType' } },
  { name: 'nat-subnet-no-igw', rule: "NAT subnet routes to an internet gateway", change: ({ snapshot }) => { noEndpoint(snapshot); snapshot.routeTables[1]!.routes.pop(); }, expect: { path: 'secretsmanager', status: 'fail', resource: 'rtb-pub', rule: 'route 0.0.0.0/0' } },
  { name: 'nat-transit-gateway', rule: 'routes the model does not follow', change: ({ snapshot }) => { noEndpoint(snapshot); snapshot.routeTables[0]!.routes[1] = { destinationCidrBlock: '0.0.0.0/0', transitGatewayId: 'tgw-1', state: 'active' }; }, expect: { path: 'secretsmanager', status: 'unknown', resource: 'rtb-main', rule: 'route 0.0.0.0/0 → tgw-1' } },
  { name: 'nat-subnet-nacl-denies-in', rule: 'NAT subnet NACL ingress 443 from the function', change: ({ snapshot }) => { noEndpoint(snapshot); acl(snapshot, 'acl-pub', ['subnet-pub'], [naclEntry(50, false, 'deny', '10.0.0.0/16', [443, 443]), ...openAclEntries()]); }, expect: { path: 'secretsmanager', status: 'fail', resource: 'acl-pub', rule: 'rule 50 (ingress)' } },
  { name: 'nat-subnet-nacl-no-ephemeral-in', rule: 'NAT subnet NACL ingress ephemeral from the internet', change: ({ snapshot }) => { noEndpoint(snapshot); acl(snapshot, 'acl-pub', ['subnet-pub'], [naclEntry(100, false, 'allow', '10.0.0.0/16'), naclEntry(100, true, 'allow', '0.0.0.0/0')]); }, expect: { path: 'secretsmanager', status: 'fail', resource: 'acl-pub', rule: 'rule * (ingress)' } },
  { name: 'nat-function-nacl-partial-internet', rule: 'an ACL allowing part of the internet warns', change: ({ snapshot }) => { noEndpoint(snapshot); acl(snapshot, 'acl-fn', ['subnet-fa', 'subnet-fb'], [naclEntry(100, true, 'allow', '52.0.0.0/8', [443, 443]), naclEntry(110, true, 'allow', '10.0.0.0/16'), naclEntry(100, false, 'allow', '0.0.0.0/0')]); }, expect: { path: 'secretsmanager', status: 'warn', resource: 'acl-fn', rule: 'rule * (egress)' } },
  { name: 'nat-function-sg-no-internet', rule: 'function SG egress 443 to the internet', change: ({ snapshot }) => { noEndpoint(snapshot); sg(snapshot, 'sg-fn').egress = [allTraffic({ cidrs: ['10.0.0.0/16'] })]; }, expect: { path: 'secretsmanager', status: 'fail', resource: 'sg-fn (function)', rule: 'egress' } },
  // --- database
  { name: 'database-works', rule: 'database', change: () => {}, expect: { path: 'database', status: 'pass' } },
  { name: 'database-sg-admits-nothing', rule: 'database SG admits the function', change: ({ snapshot }) => { sg(snapshot, 'sg-db').ingress = [tcp(5432, { cidrs: ['192.168.0.0/16'] })]; }, expect: { path: 'database', status: 'fail', resource: 'sg-db (database prod-db)', rule: 'ingress' } },
  { name: 'database-sg-admits-cidr', rule: 'database SG admits the function', change: ({ snapshot }) => { sg(snapshot, 'sg-db').ingress = [tcp([5432, 5432], { cidrs: ['10.0.0.0/20'] })]; }, expect: { path: 'database', status: 'pass' } },
  { name: 'database-function-sg-no-egress', rule: 'function SG egress to the database port', change: ({ snapshot }) => { sg(snapshot, 'sg-fn').egress = [tcp(443, { cidrs: ['0.0.0.0/0'] })]; }, expect: { path: 'database', status: 'fail', resource: 'sg-fn (function)', rule: 'egress' } },
  { name: 'database-nacl-denies', rule: 'database subnet NACL', change: ({ snapshot }) => { acl(snapshot, 'acl-db', ['subnet-da', 'subnet-db'], [naclEntry(100, false, 'deny', '10.0.0.0/22', [5432, 5432]), ...openAclEntries()]); }, expect: { path: 'database', status: 'fail', resource: 'acl-db', rule: 'rule 100 (ingress)' } },
  { name: 'database-nacl-no-ephemeral-out', rule: 'database subnet NACL egress ephemeral', change: ({ snapshot }) => { acl(snapshot, 'acl-db', ['subnet-da', 'subnet-db'], [naclEntry(100, false, 'allow', '0.0.0.0/0'), naclEntry(100, true, 'allow', '10.0.0.0/16', [443, 443])]); }, expect: { path: 'database', status: 'fail', resource: 'acl-db', rule: 'rule * (egress)' } },
  { name: 'database-other-vpc', rule: 'same VPC', change: ({ target }) => { target.database!.vpcId = 'vpc-2'; }, expect: { path: 'database', status: 'unknown', resource: 'prod-db', rule: 'vpc' } },
  { name: 'database-unknown', rule: 'database known', change: ({ target }) => { target.database = null; }, expect: { path: 'database', status: 'unknown', resource: 'database', rule: 'identity' } },
  { name: 'database-function-outside-vpc', rule: 'a function outside a VPC cannot reach a private database', change: ({ target }) => { target.vpc = null; }, expect: { path: 'database', status: 'fail', resource: 'rotate-prod-db', rule: 'VpcConfig' } },
  // --- RDS API
  { name: 'rds-api-not-needed', rule: 'rdsApi not-applicable', change: ({ target }) => { target.needsRdsApi = false; }, expect: { path: 'rdsApi', status: 'not-applicable' } },
  { name: 'rds-api-through-nat', rule: 'rdsApi through NAT', change: () => {}, expect: { path: 'rdsApi', status: 'pass' } },
  { name: 'rds-api-no-route', rule: 'rdsApi needs an rds endpoint or NAT', change: ({ snapshot }) => { snapshot.routeTables[0]!.routes.pop(); }, expect: { path: 'rdsApi', status: 'fail', resource: 'rtb-main', rule: 'route 0.0.0.0/0' } },
  { name: 'rds-api-endpoint', rule: 'rdsApi through an rds interface endpoint', change: ({ snapshot }) => { snapshot.routeTables[0]!.routes.pop(); snapshot.vpcEndpoints.push({ ...ep(snapshot), vpcEndpointId: 'vpce-rds', serviceName: `com.amazonaws.${REGION}.rds` }); }, expect: { path: 'rdsApi', status: 'pass' } },
  // --- unreadable resources
  { name: 'nacls-refused', rule: 'a refused read is unknown, naming the action', change: ({ snapshot }) => { snapshot.networkAcls.length = 0; snapshot.unreadable.push({ action: 'ec2:DescribeNetworkAcls', message: 'UnauthorizedOperation' }); }, expect: { path: 'secretsmanager', status: 'unknown', action: 'ec2:DescribeNetworkAcls' }, standinDenies: 'DescribeNetworkAcls' },
  { name: 'endpoints-refused', rule: 'a refused read is unknown, naming the action', change: ({ snapshot }) => { snapshot.vpcEndpoints.length = 0; snapshot.unreadable.push({ action: 'ec2:DescribeVpcEndpoints', message: 'UnauthorizedOperation' }); }, expect: { path: 'secretsmanager', status: 'unknown', action: 'ec2:DescribeVpcEndpoints' }, standinDenies: 'DescribeVpcEndpoints' },
  { name: 'prefix-list-refused', rule: 'a refused read is unknown, naming the action', change: ({ snapshot }) => { sg(snapshot, 'sg-vpce').ingress = [tcp(443, { prefixListIds: ['pl-corp'] })]; snapshot.unreadable.push({ action: 'ec2:GetManagedPrefixListEntries', scope: 'pl-corp', message: 'UnauthorizedOperation' }); }, expect: { path: 'secretsmanager', status: 'unknown', resource: 'pl-corp', action: 'ec2:GetManagedPrefixListEntries' }, standinDenies: 'GetManagedPrefixListEntries' },
];

/** The working VPC with one scenario's change applied. */
export function scenarioVpc(sc: NetworkScenario): { snapshot: NetworkSnapshot; target: NetworkTarget } {
  const v = workingVpc();
  sc.change(v);
  v.snapshot.targets = [v.target];
  return v;
}

/** The path has the expected status, and the expected finding is among its blocking/warning/unknown list. */
export function assertPath(t: ExecutionContext, path: NetworkPath, e: Expectation): void {
  t.is(path.status, e.status, JSON.stringify(path, null, 1));
  const list = e.status === 'fail' ? path.blocking : e.status === 'warn' ? path.warnings : e.status === 'unknown' ? path.unknowns : [];
  if (e.status === 'pass' || e.status === 'not-applicable') { t.deepEqual([path.blocking, path.warnings, path.unknowns], [[], [], []]); return; }
  const hit = list.find((f) => (e.resource === undefined || f.resource === e.resource) && (e.rule === undefined || f.rule === e.rule)
    && (e.subnet === undefined || f.subnet === e.subnet) && (e.action === undefined || f.action === e.action));
  t.truthy(hit, `expected ${JSON.stringify(e)} among ${JSON.stringify(list, null, 1)}`);
  if (e.subnet) t.false(list.some((f) => f.subnet !== undefined && f.subnet !== e.subnet), 'only the broken subnet is named');
}


/** The working VPC (or another layout) with every resource id suffixed `-<n>`: copies that can share one account. */
export function workingVpcCopy(n: number, v: { snapshot: NetworkSnapshot; target: NetworkTarget } = workingVpc()): { snapshot: NetworkSnapshot; target: NetworkTarget } {
  const text = JSON.stringify(v).replace(/\b(vpc|subnet|rtb|acl|sg|vpce|nat|igw)-([a-z0-9]+)\b/g, `$1-$2-${n}`);
  return JSON.parse(text) as { snapshot: NetworkSnapshot; target: NetworkTarget };
}
