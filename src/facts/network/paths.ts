// The path model: for one rotation function and one network snapshot, whether each of its three
// network paths works (Secrets Manager, the database, the RDS API) and, when not, which resource and
// rule blocks it. Pure: it reads only the snapshot.
//
// The rules (each has a passing and a failing test in test/network-model.test.ts):
//  * not in a VPC: the public endpoints are reached directly (pass);
//  * an interface endpoint for the service with private DNS takes the traffic: it must be available,
//    the VPC must have enableDnsSupport and enableDnsHostnames, its security groups must admit TCP 443
//    from the function, the function's groups must allow egress 443 to it, both subnets' network ACLs
//    must pass 443 one way and the ephemeral ports 1024-65535 back, and its policy must allow the
//    function's role; an endpoint without a subnet in a function subnet's zone is a warning (traffic
//    crosses zones);
//  * otherwise the route for 0.0.0.0/0 must go to an available public NAT gateway whose own subnet
//    routes 0.0.0.0/0 to an internet gateway (an internet gateway route from the function's subnet does
//    not work: Lambda's interfaces have no public address), with the ACLs of both subnets and the
//    function's egress rules passing the traffic;
//  * the database must be in the function's VPC (other VPCs: unknown), the function's groups must allow
//    egress to its port, its groups must admit the function, and the ACLs of both sides must pass it.
// A path that fails from any one of the function's subnets fails: Lambda may use any of them.
import { EPHEMERAL_PORTS, INTERNET, PRIVATE_RANGES, type Range } from './addressSpace.js';
import { evaluateEndpointPolicy } from './endpointPolicy.js';
import { evaluateNacl } from './networkAcl.js';
import { evaluateSecurityGroups } from './securityGroup.js';
import type {
  NatGatewayFacts, NetworkAclFacts, NetworkSnapshot, NetworkTarget, RouteFacts, RouteTableFacts, SecurityGroupFacts, SubnetFacts, VpcEndpointFacts, VpcFacts,
} from './snapshot.js';

export type PathName = 'secretsmanager' | 'database' | 'rdsApi';
export type PathStatus = 'pass' | 'fail' | 'warn' | 'unknown' | 'not-applicable';
export type PathRoute = 'public' | 'interface-endpoint' | 'nat' | 'vpc-local' | 'none';

export interface PathFinding {
  /** the resource id, e.g. `nacl-0abc`, `sg-0def (endpoint)` */
  resource: string;
  /** the rule within it, e.g. `rule 100 (egress)`, `ingress`, `route 0.0.0.0/0 → igw-1` */
  rule: string;
  why: string;
  /** the function subnet the finding was seen from */
  subnet?: string;
  /** for unknowns: the IAM action whose refusal left it unknown */
  action?: string;
}

export interface NetworkPath {
  path: PathName;
  status: PathStatus;
  route: PathRoute;
  /** one line per function subnet: the hops the traffic takes */
  hops: string[];
  blocking: PathFinding[];
  warnings: PathFinding[];
  unknowns: PathFinding[];
}

export interface NetworkPaths {
  secretsmanager: NetworkPath;
  database: NetworkPath;
  rdsApi: NetworkPath;
}

/** IAM actions behind each kind of resource the model reads. */
export const NETWORK_READ_ACTIONS = {
  subnet: 'ec2:DescribeSubnets',
  routeTable: 'ec2:DescribeRouteTables',
  networkAcl: 'ec2:DescribeNetworkAcls',
  securityGroup: 'ec2:DescribeSecurityGroups',
  vpcEndpoint: 'ec2:DescribeVpcEndpoints',
  natGateway: 'ec2:DescribeNatGateways',
  vpcAttribute: 'ec2:DescribeVpcAttribute',
  prefixList: 'ec2:GetManagedPrefixListEntries',
} as const;
type ResourceKind = keyof typeof NETWORK_READ_ACTIONS;

/** The snapshot indexed for lookups; build once and answer many functions from it. */
export interface NetworkIndex {
  snapshot: NetworkSnapshot;
  subnets: Map<string, SubnetFacts>;
  vpcs: Map<string, VpcFacts>;
  securityGroups: Map<string, SecurityGroupFacts>;
  natGateways: Map<string, NatGatewayFacts>;
  routeTableBySubnet: Map<string, RouteTableFacts>;
  mainRouteTable: Map<string, RouteTableFacts>;
  naclBySubnet: Map<string, NetworkAclFacts>;
}

export function indexNetworkSnapshot(snapshot: NetworkSnapshot): NetworkIndex {
  const byId = <T>(items: readonly T[], id: (t: T) => string) => new Map(items.map((t) => [id(t), t] as const));
  const routeTableBySubnet = new Map<string, RouteTableFacts>();
  const mainRouteTable = new Map<string, RouteTableFacts>();
  for (const rt of snapshot.routeTables) {
    for (const s of rt.subnetIds) routeTableBySubnet.set(s, rt);
    if (rt.main) mainRouteTable.set(rt.vpcId, rt);
  }
  const naclBySubnet = new Map<string, NetworkAclFacts>();
  for (const acl of snapshot.networkAcls) for (const s of acl.subnetIds) naclBySubnet.set(s, acl);
  return {
    snapshot,
    subnets: byId(snapshot.subnets, (s) => s.subnetId),
    vpcs: byId(snapshot.vpcs, (v) => v.vpcId),
    securityGroups: byId(snapshot.securityGroups, (g) => g.groupId),
    natGateways: byId(snapshot.natGateways, (n) => n.natGatewayId),
    routeTableBySubnet,
    mainRouteTable,
    naclBySubnet,
  };
}

/** SecretsManager calls the rotation templates make, checked against endpoint policies. */
export const SECRETS_MANAGER_ACTIONS = [
  'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage', 'secretsmanager:GetRandomPassword',
] as const;
/** RDS calls of the alternating-users templates with an RDS-managed superuser secret. */
export const RDS_API_ACTIONS = ['rds:DescribeDBInstances'] as const;

interface Side {
  subnet: SubnetFacts | null;
  cidr: string;
  groupIds: readonly string[];
  label: string;
}

class PathEvaluation {
  readonly blocking: PathFinding[] = [];
  readonly warnings: PathFinding[] = [];
  readonly unknowns: PathFinding[] = [];
  readonly hops: string[] = [];
  route: PathRoute = 'none';
  subnet: string | undefined;

  constructor(readonly ix: NetworkIndex, readonly path: PathName) {}

  private add(list: PathFinding[], f: PathFinding): void {
    const withSubnet = this.subnet !== undefined && f.subnet === undefined ? { ...f, subnet: this.subnet } : f;
    if (!list.some((x) => x.resource === withSubnet.resource && x.rule === withSubnet.rule && x.why === withSubnet.why)) list.push(withSubnet);
  }
  block(f: PathFinding): false { this.add(this.blocking, f); return false; }
  warn(f: PathFinding): void { this.add(this.warnings, f); }
  unknown(f: PathFinding): false { this.add(this.unknowns, f); return false; }

  /** A resource the snapshot lacks: unknown, naming the refused action when that is why. */
  missing(kind: ResourceKind, id: string): false {
    const action = NETWORK_READ_ACTIONS[kind];
    const refused = this.ix.snapshot.unreadable.find((u) => u.action === action);
    if (refused) return this.unknown({ resource: id, rule: action, why: `could not be read: ${refused.message}`, action });
    return this.unknown({ resource: id, rule: 'snapshot', why: 'is not in the snapshot' });
  }

  subnetFacts(id: string): SubnetFacts | null {
    return this.ix.subnets.get(id) ?? (this.missing('subnet', id), null);
  }

  routeTable(subnet: SubnetFacts): RouteTableFacts | null {
    const rt = this.ix.routeTableBySubnet.get(subnet.subnetId) ?? this.ix.mainRouteTable.get(subnet.vpcId);
    return rt ?? (this.missing('routeTable', `route table of ${subnet.subnetId}`), null);
  }

  groups(ids: readonly string[]): SecurityGroupFacts[] | null {
    const out: SecurityGroupFacts[] = [];
    let ok = true;
    for (const id of ids) {
      const g = this.ix.securityGroups.get(id);
      if (g) out.push(g);
      else ok = this.missing('securityGroup', id);
    }
    return ok ? out : null;
  }

  securityGroupRule(from: Side, to: Side, port: number, direction: 'egress' | 'ingress'): boolean {
    const own = direction === 'egress' ? from : to;
    const peer = direction === 'egress' ? to : from;
    const groups = this.groups(own.groupIds);
    if (!groups) return false;
    const answer = evaluateSecurityGroups(groups, { direction, port, peerGroupIds: peer.groupIds, peerCidr: peer.cidr }, this.ix.snapshot.prefixLists);
    if (answer.verdict === 'allowed') return true;
    if (answer.verdict === 'unknown') return this.missing('prefixList', answer.prefixListId);
    return this.block({ resource: `${own.groupIds.join(', ') || 'no security group'} (${own.label})`, rule: direction, why: answer.why });
  }

  naclRule(side: Side, egress: boolean, remoteCidr: string, ports: Range, partialIsWarning: boolean): boolean {
    if (!side.subnet) return true;
    const acl = this.ix.naclBySubnet.get(side.subnet.subnetId);
    if (!acl) return this.missing('networkAcl', `network ACL of ${side.subnet.subnetId}`);
    const answer = evaluateNacl(acl, { egress, remoteCidr, ports, ...(remoteCidr === INTERNET ? { excludeCidrs: PRIVATE_RANGES } : {}) });
    if (answer.allowed) return true;
    const finding = { resource: acl.networkAclId, rule: answer.rule, why: `${answer.why} (${side.label} subnet ${side.subnet.subnetId})` };
    if (answer.partial && partialIsWarning) { this.warn(finding); return true; }
    return this.block(finding);
  }

  /** A TCP connection from one side to the other on `port`: security groups both ends, ACLs both ways. */
  connection(from: Side, to: Side, port: number): boolean {
    const internet = to.subnet === null;
    let ok = this.securityGroupRule(from, to, port, 'egress');
    if (to.groupIds.length > 0 || to.subnet) ok = this.securityGroupRule(from, to, port, 'ingress') && ok;
    if (from.subnet && to.subnet && from.subnet.subnetId === to.subnet.subnetId) return ok; // ACLs filter only traffic crossing a subnet's edge
    const p = { lo: port, hi: port };
    ok = this.naclRule(from, true, to.cidr, p, internet) && ok;
    ok = this.naclRule(from, false, to.cidr, EPHEMERAL_PORTS, internet) && ok;
    ok = this.naclRule(to, false, from.cidr, p, false) && ok;
    ok = this.naclRule(to, true, from.cidr, EPHEMERAL_PORTS, false) && ok;
    return ok;
  }

  result(status?: PathStatus): NetworkPath {
    const computed: PathStatus = this.blocking.length > 0 ? 'fail' : this.unknowns.length > 0 ? 'unknown' : this.warnings.length > 0 ? 'warn' : 'pass';
    return { path: this.path, status: status ?? computed, route: this.route, hops: this.hops, blocking: this.blocking, warnings: this.warnings, unknowns: this.unknowns };
  }
}

function routeTarget(r: RouteFacts): string {
  return r.natGatewayId ?? r.gatewayId ?? r.transitGatewayId ?? r.vpcPeeringConnectionId ?? r.networkInterfaceId ?? r.instanceId ?? 'no target';
}

function defaultRoute(rt: RouteTableFacts): RouteFacts | undefined {
  return rt.routes.find((r) => r.destinationCidrBlock === INTERNET);
}

function isAvailable(state: string): boolean {
  return state.toLowerCase() === 'available';
}

function functionSide(target: NetworkTarget, subnet: SubnetFacts): Side {
  return { subnet, cidr: subnet.cidrBlock, groupIds: target.vpc?.securityGroupIds ?? [], label: 'function' };
}

function inVpc(target: NetworkTarget): target is NetworkTarget & { vpc: NonNullable<NetworkTarget['vpc']> } {
  return target.vpc !== null && target.vpc.subnetIds.length > 0;
}

function notApplicable(ix: NetworkIndex, path: PathName, why: string): NetworkPath {
  const ev = new PathEvaluation(ix, path);
  ev.hops.push(why);
  return ev.result('not-applicable');
}

function servicePath(ix: NetworkIndex, target: NetworkTarget, path: 'secretsmanager' | 'rdsApi'): NetworkPath {
  const service = path === 'secretsmanager' ? 'secretsmanager' : 'rds';
  const region = ix.snapshot.region;
  const publicName = `${service}.${region}.amazonaws.com`;
  const ev = new PathEvaluation(ix, path);
  if (!inVpc(target)) {
    ev.route = 'public';
    ev.hops.push(`not in a VPC → public endpoint ${publicName}`);
    return ev.result();
  }
  const vpcId = target.vpc.vpcId;
  const refusedEndpoints = ix.snapshot.unreadable.find((u) => u.action === NETWORK_READ_ACTIONS.vpcEndpoint);
  if (refusedEndpoints) {
    ev.missing('vpcEndpoint', `interface endpoints of ${vpcId}`);
    return ev.result();
  }
  const serviceName = `com.amazonaws.${region}.${service}`;
  const endpoints = ix.snapshot.vpcEndpoints.filter((e) => e.vpcId === vpcId && e.serviceName === serviceName && e.vpcEndpointType.toLowerCase() === 'interface');
  const privateDns = endpoints.filter((e) => e.privateDnsEnabled);
  const endpoint = privateDns.find((e) => isAvailable(e.state)) ?? privateDns[0];
  if (endpoint) endpointPath(ev, target, endpoint, publicName);
  else {
    for (const e of endpoints) ev.hops.push(`${e.vpcEndpointId} (${serviceName}) has private DNS off: ${publicName} resolves to the public endpoint`);
    natPath(ev, target, publicName);
  }
  return ev.result();
}

function endpointPath(ev: PathEvaluation, target: NetworkTarget & { vpc: NonNullable<NetworkTarget['vpc']> }, endpoint: VpcEndpointFacts, publicName: string): void {
  ev.route = 'interface-endpoint';
  const id = endpoint.vpcEndpointId;
  const vpc = ev.ix.vpcs.get(target.vpc.vpcId);
  for (const attr of ['enableDnsSupport', 'enableDnsHostnames'] as const) {
    const value = vpc?.[attr];
    if (value === undefined || value === null) ev.missing('vpcAttribute', `${target.vpc.vpcId} ${attr}`);
    else if (!value) ev.block({ resource: target.vpc.vpcId, rule: attr, why: `is false: the private DNS name of ${id} does not resolve ${publicName} inside the VPC` });
  }
  if (!isAvailable(endpoint.state)) ev.block({ resource: id, rule: 'state', why: `is ${endpoint.state}, not available` });
  const policy = evaluateEndpointPolicy(endpoint.policyDocument, {
    roleArn: target.roleArn,
    actions: ev.path === 'secretsmanager' ? SECRETS_MANAGER_ACTIONS : RDS_API_ACTIONS,
    resource: ev.path === 'secretsmanager' ? target.secretArn : null,
  });
  if (policy.verdict === 'denied') ev.block({ resource: id, rule: `policy ${policy.rule}`, why: policy.why });
  else if (policy.verdict === 'unsure') ev.unknown({ resource: id, rule: `policy ${policy.rule}`, why: policy.why });

  const endpointSubnets = endpoint.subnetIds.map((s) => ev.subnetFacts(s)).filter((s): s is SubnetFacts => s !== null);
  if (endpoint.subnetIds.length === 0) ev.block({ resource: id, rule: 'subnets', why: 'has no subnets: no network interface to reach' });
  for (const subnetId of target.vpc.subnetIds) {
    ev.subnet = subnetId;
    const subnet = ev.subnetFacts(subnetId);
    if (!subnet) continue;
    const sameZone = endpointSubnets.filter((s) => s.availabilityZone === subnet.availabilityZone);
    if (sameZone.length === 0 && endpointSubnets.length > 0) {
      ev.warn({ resource: id, rule: 'subnets', why: `has no subnet in ${subnet.availabilityZone}, the zone of ${subnetId}: its traffic crosses to ${endpointSubnets.map((s) => s.availabilityZone).join(', ')} and stops if that zone fails` });
    }
    for (const e of sameZone.length > 0 ? sameZone : endpointSubnets) {
      ev.connection(functionSide(target, subnet), { subnet: e, cidr: e.cidrBlock, groupIds: endpoint.groupIds, label: `endpoint ${id}` }, 443);
      ev.hops.push(`${subnetId} (${subnet.availabilityZone}) → ${id} interface in ${e.subnetId} (${e.availabilityZone}) → ${publicName} (private DNS)`);
    }
  }
  ev.subnet = undefined;
}

function natPath(ev: PathEvaluation, target: NetworkTarget & { vpc: NonNullable<NetworkTarget['vpc']> }, publicName: string): void {
  ev.route = 'nat';
  for (const subnetId of target.vpc.subnetIds) {
    ev.subnet = subnetId;
    const subnet = ev.subnetFacts(subnetId);
    if (!subnet) continue;
    const rt = ev.routeTable(subnet);
    if (!rt) continue;
    const route = defaultRoute(rt);
    const via = rt.subnetIds.includes(subnetId) ? '' : ' (main)';
    if (!route) {
      ev.block({ resource: rt.routeTableId, rule: 'route 0.0.0.0/0', why: `is missing${via}: ${publicName} is reached neither through an interface endpoint with private DNS nor through a NAT gateway` });
      continue;
    }
    const target0 = routeTarget(route);
    const rule = `route 0.0.0.0/0 → ${target0}`;
    if (route.state.toLowerCase() === 'blackhole') { ev.block({ resource: rt.routeTableId, rule, why: 'is a blackhole: its target no longer exists' }); continue; }
    if (route.gatewayId?.startsWith('igw-')) {
      ev.block({ resource: rt.routeTableId, rule, why: `goes to an internet gateway, which does not work for Lambda: its network interfaces have no public address (use a NAT gateway or an interface endpoint for ${publicName})` });
      continue;
    }
    if (!route.natGatewayId) {
      ev.unknown({ resource: rt.routeTableId, rule, why: 'leaves through a target the model does not follow (transit gateway, peering, appliance or firewall endpoint)' });
      continue;
    }
    const nat = ev.ix.natGateways.get(route.natGatewayId);
    if (!nat) { ev.missing('natGateway', route.natGatewayId); continue; }
    if (!isAvailable(nat.state)) ev.block({ resource: nat.natGatewayId, rule: 'state', why: `is ${nat.state}, not available` });
    if (nat.connectivityType.toLowerCase() === 'private') ev.block({ resource: nat.natGatewayId, rule: 'connectivityType', why: 'is private: a private NAT gateway cannot reach the internet' });
    const natSubnet = ev.subnetFacts(nat.subnetId);
    if (!natSubnet) continue;
    const natRt = ev.routeTable(natSubnet);
    let igw = '?';
    if (natRt) {
      const out = defaultRoute(natRt);
      if (!out || !out.gatewayId?.startsWith('igw-') || out.state.toLowerCase() !== 'active') {
        ev.block({ resource: natRt.routeTableId, rule: out ? `route 0.0.0.0/0 → ${routeTarget(out)}` : 'route 0.0.0.0/0', why: `${out ? 'is not an active route to an internet gateway' : 'is missing'}: ${nat.natGatewayId} in ${natSubnet.subnetId} cannot reach the internet` });
      } else igw = out.gatewayId;
    }
    const fn = functionSide(target, subnet);
    const natSide: Side = { subnet: natSubnet, cidr: natSubnet.cidrBlock, groupIds: [], label: `NAT ${nat.natGatewayId}` };
    // function → internet: the function's egress rule and its subnet's ACLs see the public address
    ev.connection(fn, { subnet: null, cidr: INTERNET, groupIds: [], label: publicName }, 443);
    // through the NAT gateway's subnet: in from the function and out to the internet, and back
    if (subnet.subnetId !== natSubnet.subnetId) {
      ev.naclRule(natSide, false, subnet.cidrBlock, { lo: 443, hi: 443 }, false);
      ev.naclRule(natSide, true, subnet.cidrBlock, EPHEMERAL_PORTS, false);
    }
    ev.naclRule(natSide, true, INTERNET, { lo: 443, hi: 443 }, true);
    ev.naclRule(natSide, false, INTERNET, EPHEMERAL_PORTS, true);
    ev.hops.push(`${subnetId} → ${rt.routeTableId}${via} 0.0.0.0/0 → ${nat.natGatewayId} in ${natSubnet.subnetId} → ${natRt?.routeTableId ?? '?'} 0.0.0.0/0 → ${igw} → ${publicName}`);
  }
  ev.subnet = undefined;
}

function databasePath(ix: NetworkIndex, target: NetworkTarget): NetworkPath {
  const ev = new PathEvaluation(ix, 'database');
  const db = target.database;
  if (!db) {
    ev.unknown({ resource: 'database', rule: 'identity', why: 'the database is not known, so its network cannot be read' });
    return ev.result();
  }
  if (!inVpc(target)) {
    ev.route = 'public';
    if (db.publiclyAccessible === false) ev.block({ resource: target.functionName, rule: 'VpcConfig', why: `is empty: the function runs outside any VPC and ${db.identifier} is not publicly accessible` });
    else ev.unknown({ resource: db.identifier, rule: 'public access', why: 'the function runs outside any VPC: it reaches the database over the internet from addresses the model cannot see' });
    return ev.result();
  }
  if (db.vpcId === null) return (ev.unknown({ resource: db.identifier, rule: 'vpc', why: 'the database\'s VPC is not known' }), ev.result());
  if (db.vpcId !== target.vpc.vpcId) {
    ev.unknown({ resource: db.identifier, rule: 'vpc', why: `is in ${db.vpcId} and the function in ${target.vpc.vpcId}: paths through peering or a transit gateway are beyond the model` });
    return ev.result();
  }
  if (db.port === null) return (ev.unknown({ resource: db.identifier, rule: 'port', why: 'the database port is not known' }), ev.result());
  if (db.subnetIds.length === 0) return (ev.unknown({ resource: db.identifier, rule: 'subnets', why: 'the database\'s subnets are not known' }), ev.result());
  ev.route = 'vpc-local';
  const dbSubnets = db.subnetIds.map((s) => ev.subnetFacts(s)).filter((s): s is SubnetFacts => s !== null);
  for (const subnetId of target.vpc.subnetIds) {
    ev.subnet = subnetId;
    const subnet = ev.subnetFacts(subnetId);
    if (!subnet) continue;
    for (const d of dbSubnets) {
      ev.connection(functionSide(target, subnet), { subnet: d, cidr: d.cidrBlock, groupIds: db.securityGroupIds, label: `database ${db.identifier}` }, db.port);
      ev.hops.push(`${subnetId} → local route → ${d.subnetId} (${db.identifier}, TCP ${db.port})`);
    }
  }
  ev.subnet = undefined;
  return ev.result();
}

/** Every path of one function from an indexed snapshot. */
export function networkPaths(ix: NetworkIndex, target: NetworkTarget): NetworkPaths {
  return {
    secretsmanager: servicePath(ix, target, 'secretsmanager'),
    database: databasePath(ix, target),
    rdsApi: target.needsRdsApi ? servicePath(ix, target, 'rdsApi') : notApplicable(ix, 'rdsApi', 'the function does not call the RDS API'),
  };
}
