// Reads what the network path model needs from EC2, read-only, through the SDK's EC2 client and
// paginators. Everything is read per VPC (filtered by vpc-id) once per run and shared by every
// function in that VPC: the call count grows with VPCs, not functions. A refused or failed call
// is kept as an `unreadable` entry naming the IAM action, and the paths that need it are `unknown`.
import type {
  EC2Client, IpPermission, NatGateway, NetworkAcl, RouteTable, SecurityGroup, Subnet, VpcEndpoint,
} from '@aws-sdk/client-ec2';
import {
  emptyNetworkSnapshot, type NaclEntryFacts, type NetworkSnapshot, type NetworkTarget, type PrefixListFacts, type SgPermissionFacts, type UnreadableRead, type VpcFacts,
} from '../facts/network/snapshot.js';
import { awsError } from './awsErrors.js';
import type { AwsSession } from './session.js';

type Ec2Sdk = typeof import('@aws-sdk/client-ec2');
let ec2SdkPromise: Promise<Ec2Sdk> | undefined;
/** The EC2 client is large: loaded on first use, by the command that reads networks only. */
export function ec2Sdk(): Promise<Ec2Sdk> {
  return (ec2SdkPromise ??= import('@aws-sdk/client-ec2'));
}

/** An EC2 client with the session's settings (credential chain, profile, endpoint, retry). */
export async function ec2Client(session: AwsSession, region: string): Promise<EC2Client> {
  const [s, { common, retry }] = await Promise.all([ec2Sdk(), session.clientConfig(region)]);
  return new s.EC2Client({ ...common, retryStrategy: retry() });
}

type VpcRead = Pick<NetworkSnapshot, 'subnets' | 'routeTables' | 'networkAcls' | 'securityGroups' | 'vpcEndpoints' | 'natGateways' | 'unreadable'> & { vpc: VpcFacts };

const str = (v: string | undefined): string => v ?? '';

function permission(p: IpPermission): SgPermissionFacts {
  return {
    ipProtocol: str(p.IpProtocol),
    ...(p.FromPort !== undefined ? { fromPort: p.FromPort } : {}),
    ...(p.ToPort !== undefined ? { toPort: p.ToPort } : {}),
    cidrs: (p.IpRanges ?? []).flatMap((r) => (r.CidrIp ? [r.CidrIp] : [])),
    groupIds: (p.UserIdGroupPairs ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
    prefixListIds: (p.PrefixListIds ?? []).flatMap((l) => (l.PrefixListId ? [l.PrefixListId] : [])),
  };
}

const subnetFacts = (s: Subnet) => ({ subnetId: str(s.SubnetId), vpcId: str(s.VpcId), availabilityZone: str(s.AvailabilityZone), cidrBlock: str(s.CidrBlock) });
const routeTableFacts = (t: RouteTable) => ({
  routeTableId: str(t.RouteTableId), vpcId: str(t.VpcId),
  main: (t.Associations ?? []).some((a) => a.Main === true),
  subnetIds: (t.Associations ?? []).flatMap((a) => (a.SubnetId ? [a.SubnetId] : [])),
  routes: (t.Routes ?? []).map((r) => ({
    ...(r.DestinationCidrBlock ? { destinationCidrBlock: r.DestinationCidrBlock } : {}),
    ...(r.DestinationPrefixListId ? { destinationPrefixListId: r.DestinationPrefixListId } : {}),
    ...(r.GatewayId ? { gatewayId: r.GatewayId } : {}),
    ...(r.NatGatewayId ? { natGatewayId: r.NatGatewayId } : {}),
    ...(r.TransitGatewayId ? { transitGatewayId: r.TransitGatewayId } : {}),
    ...(r.VpcPeeringConnectionId ? { vpcPeeringConnectionId: r.VpcPeeringConnectionId } : {}),
    ...(r.NetworkInterfaceId ? { networkInterfaceId: r.NetworkInterfaceId } : {}),
    ...(r.InstanceId ? { instanceId: r.InstanceId } : {}),
    state: str(r.State),
  })),
});
const naclFacts = (a: NetworkAcl) => ({
  networkAclId: str(a.NetworkAclId), vpcId: str(a.VpcId),
  subnetIds: (a.Associations ?? []).flatMap((x) => (x.SubnetId ? [x.SubnetId] : [])),
  entries: (a.Entries ?? []).filter((e) => e.CidrBlock).map((e): NaclEntryFacts => ({
    ruleNumber: e.RuleNumber ?? 32767, protocol: str(e.Protocol), ruleAction: e.RuleAction === 'allow' ? 'allow' : 'deny', egress: e.Egress === true, cidrBlock: str(e.CidrBlock),
    ...(e.PortRange?.From !== undefined && e.PortRange.To !== undefined ? { portRange: { from: e.PortRange.From, to: e.PortRange.To } } : {}),
  })),
});
const sgFacts = (g: SecurityGroup) => ({ groupId: str(g.GroupId), vpcId: str(g.VpcId), ingress: (g.IpPermissions ?? []).map(permission), egress: (g.IpPermissionsEgress ?? []).map(permission) });
const endpointFacts = (e: VpcEndpoint) => ({
  vpcEndpointId: str(e.VpcEndpointId), vpcId: str(e.VpcId), serviceName: str(e.ServiceName), vpcEndpointType: str(e.VpcEndpointType), state: str(e.State),
  subnetIds: e.SubnetIds ?? [], groupIds: (e.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])), privateDnsEnabled: e.PrivateDnsEnabled === true,
  policyDocument: e.PolicyDocument ?? null,
});
const natFacts = (n: NatGateway) => ({ natGatewayId: str(n.NatGatewayId), vpcId: str(n.VpcId), subnetId: str(n.SubnetId), state: str(n.State), connectivityType: n.ConnectivityType ?? 'public' });

/** Per-call options: the call's deadline (retries included) and Ctrl-C; renewed for every page. */
export type CallOptions = () => { abortSignal: AbortSignal; renew(): void };

/** The EC2 reads of one run: per VPC and per prefix list, each made once and shared. */
export class NetworkReads {
  private readonly vpcReads = new Map<string, Promise<VpcRead>>();
  private readonly prefixReads = new Map<string, Promise<PrefixListFacts | UnreadableRead>>();
  /** EC2 requests made (pages included) */
  calls = 0;

  constructor(readonly ec2: EC2Client, readonly region: string, private readonly options: { profile?: string | undefined; callOptions?: CallOptions | undefined } = {}) {}

  private call(): { abortSignal?: AbortSignal; renew(): void } {
    return this.options.callOptions?.() ?? { renew() {} };
  }

  private refused(e: unknown, action: string, scope: string): UnreadableRead {
    return { action, scope, message: awsError(e, { action, resource: scope, region: this.region, profile: this.options.profile }).message };
  }

  /** Pages of one paginated call into `out`; a failure becomes an unreadable entry. */
  private async all<T>(action: string, scope: string, pages: (call: ReturnType<NetworkReads['call']>) => AsyncIterable<T[]>, unreadable: UnreadableRead[]): Promise<T[]> {
    const out: T[] = [];
    const call = this.call();
    try {
      for await (const items of pages(call)) { this.calls++; call.renew(); out.push(...items); }
    } catch (e) {
      unreadable.push(this.refused(e, action, scope));
    }
    return out;
  }

  vpc(vpcId: string): Promise<VpcRead> {
    let p = this.vpcReads.get(vpcId);
    if (!p) this.vpcReads.set(vpcId, (p = this.readVpc(vpcId)));
    return p;
  }

  private async readVpc(vpcId: string): Promise<VpcRead> {
    const s = await ec2Sdk();
    const client = { client: this.ec2, pageSize: 1000 };
    const Filters = [{ Name: 'vpc-id', Values: [vpcId] }];
    const unreadable: UnreadableRead[] = [];
    const map = <P, T>(it: (call: object) => AsyncIterable<P>, pick: (p: P) => T[] | undefined) => async function* (call: object) { for await (const page of it(call)) yield pick(page) ?? []; };
    const attribute = async (Attribute: 'enableDnsSupport' | 'enableDnsHostnames'): Promise<boolean | null> => {
      try {
        this.calls++;
        const out = await this.ec2.send(new s.DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute }), this.call());
        return (Attribute === 'enableDnsSupport' ? out.EnableDnsSupport?.Value : out.EnableDnsHostnames?.Value) ?? null;
      } catch (e) {
        unreadable.push(this.refused(e, 'ec2:DescribeVpcAttribute', `${vpcId} ${Attribute}`));
        return null;
      }
    };
    const [subnets, routeTables, networkAcls, securityGroups, vpcEndpoints, natGateways, enableDnsSupport, enableDnsHostnames] = await Promise.all([
      this.all('ec2:DescribeSubnets', vpcId, map((c) => s.paginateDescribeSubnets(client, { Filters }, c), (p) => p.Subnets), unreadable),
      this.all('ec2:DescribeRouteTables', vpcId, map((c) => s.paginateDescribeRouteTables(client, { Filters }, c), (p) => p.RouteTables), unreadable),
      this.all('ec2:DescribeNetworkAcls', vpcId, map((c) => s.paginateDescribeNetworkAcls(client, { Filters }, c), (p) => p.NetworkAcls), unreadable),
      this.all('ec2:DescribeSecurityGroups', vpcId, map((c) => s.paginateDescribeSecurityGroups(client, { Filters }, c), (p) => p.SecurityGroups), unreadable),
      this.all('ec2:DescribeVpcEndpoints', vpcId, map((c) => s.paginateDescribeVpcEndpoints(client, { Filters }, c), (p) => p.VpcEndpoints), unreadable),
      this.all('ec2:DescribeNatGateways', vpcId, map((c) => s.paginateDescribeNatGateways(client, { Filter: Filters }, c), (p) => p.NatGateways), unreadable),
      attribute('enableDnsSupport'),
      attribute('enableDnsHostnames'),
    ]);
    return {
      vpc: { vpcId, enableDnsSupport, enableDnsHostnames },
      subnets: subnets.map(subnetFacts),
      routeTables: routeTables.map(routeTableFacts),
      networkAcls: networkAcls.map(naclFacts),
      securityGroups: securityGroups.map(sgFacts),
      vpcEndpoints: vpcEndpoints.map(endpointFacts),
      natGateways: natGateways.map(natFacts),
      unreadable,
    };
  }

  prefixList(prefixListId: string): Promise<PrefixListFacts | UnreadableRead> {
    let p = this.prefixReads.get(prefixListId);
    if (!p) {
      p = (async () => {
        const s = await ec2Sdk();
        const unreadable: UnreadableRead[] = [];
        const client = { client: this.ec2, pageSize: 100 };
        const [lists, entries] = await Promise.all([
          this.all('ec2:DescribeManagedPrefixLists', prefixListId, async function* (c) { for await (const page of s.paginateDescribeManagedPrefixLists(client, { PrefixListIds: [prefixListId] }, c)) yield page.PrefixLists ?? []; }, unreadable),
          this.all('ec2:GetManagedPrefixListEntries', prefixListId, async function* (c) { for await (const page of s.paginateGetManagedPrefixListEntries(client, { PrefixListId: prefixListId }, c)) yield page.Entries ?? []; }, unreadable),
        ]);
        const refusedEntries = unreadable.find((u) => u.action === 'ec2:GetManagedPrefixListEntries');
        if (refusedEntries) return refusedEntries;
        const name = lists[0]?.PrefixListName;
        return { prefixListId, ...(name ? { name } : {}), cidrs: entries.flatMap((e) => (e.Cidr ? [e.Cidr] : [])) };
      })();
      this.prefixReads.set(prefixListId, p);
    }
    return p;
  }

  /** The snapshot for these functions: their VPCs' resources (read once each) and the prefix lists their rules use. */
  async snapshot(targets: readonly NetworkTarget[], collectedAt = new Date().toISOString()): Promise<NetworkSnapshot> {
    const snap = emptyNetworkSnapshot(this.region, collectedAt);
    const vpcIds = [...new Set(targets.flatMap((t) => (t.vpc && t.vpc.subnetIds.length > 0 ? [t.vpc.vpcId] : [])))];
    const reads = await Promise.all(vpcIds.map((v) => this.vpc(v)));
    for (const r of reads) {
      snap.vpcs.push(r.vpc);
      snap.subnets.push(...r.subnets);
      snap.routeTables.push(...r.routeTables);
      snap.networkAcls.push(...r.networkAcls);
      snap.securityGroups.push(...r.securityGroups);
      snap.vpcEndpoints.push(...r.vpcEndpoints);
      snap.natGateways.push(...r.natGateways);
      snap.unreadable.push(...r.unreadable);
    }
    const lists = [...new Set(snap.securityGroups.flatMap((g) => [...g.ingress, ...g.egress].flatMap((p) => p.prefixListIds)))];
    for (const l of await Promise.all(lists.map((id) => this.prefixList(id)))) {
      if ('cidrs' in l) snap.prefixLists.push(l);
      else snap.unreadable.push(l);
    }
    snap.targets.push(...targets);
    return snap;
  }
}
