// EC2 for the loopback stand-in, added through its `use` hook: the read-only calls the network
// path model needs, on the ec2Query protocol (form-encoded POST, XML replies with no Result wrapper,
// `<Response><Errors>` errors), SigV4-verified for service `ec2`, with NextToken paging.
//   DescribeSubnets, DescribeRouteTables, DescribeNetworkAcls, DescribeSecurityGroups,
//   DescribeVpcEndpoints, DescribeNatGateways, DescribeVpcAttribute, DescribeManagedPrefixLists,
//   GetManagedPrefixListEntries
// The account is described by the same plain snapshots the model reads (test/support/networkFixtures.ts),
// turned into the wire shapes of the botocore EC2 model (element names = locationName).
import { randomUUID } from 'node:crypto';
import type { NetworkSnapshot, SgPermissionFacts } from '../../src/facts/network/snapshot.js';
import { CALLER_ARN, DEFAULT_ACCOUNT_ID, DEFAULT_REGION, type Standin, type StandinRequest } from './server.js';
import { verifySigV4 } from './sigv4.js';

const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
export const EC2_OPS = [
  'DescribeSubnets', 'DescribeRouteTables', 'DescribeNetworkAcls', 'DescribeSecurityGroups', 'DescribeVpcEndpoints',
  'DescribeNatGateways', 'DescribeVpcAttribute', 'DescribeManagedPrefixLists', 'GetManagedPrefixListEntries',
] as const;
const OPS = new Set<string>(EC2_OPS);

export interface Ec2Api {
  /** items per page of every Describe call (MaxResults can only lower it); default 1000 */
  knobs: { pageSize: number };
  /** adds a layout's resources (its `targets` are ignored) to the region's account */
  addLayout(snapshot: NetworkSnapshot): void;
}

const x = (s: string | number | boolean) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
const el = (name: string, value: string | number | boolean | undefined | null) => (value === undefined || value === null ? '' : `<${name}>${x(value)}</${name}>`);
const set = (name: string, items: string[]) => `<${name}>${items.map((i) => `<item>${i}</item>`).join('')}</${name}>`;

function permissions(name: string, perms: SgPermissionFacts[]): string {
  return set(name, perms.map((p) => el('ipProtocol', p.ipProtocol) + el('fromPort', p.fromPort) + el('toPort', p.toPort)
    + set('groups', p.groupIds.map((g) => el('groupId', g) + el('userId', DEFAULT_ACCOUNT_ID)))
    + set('ipRanges', p.cidrs.map((c) => el('cidrIp', c)))
    + set('ipv6Ranges', [])
    + set('prefixListIds', p.prefixListIds.map((pl) => el('prefixListId', pl)))));
}

/** Values of `Name.1`, `Name.2`, … */
function listParam(q: URLSearchParams, name: string): string[] {
  const out: string[] = [];
  for (let i = 1; q.has(`${name}.${i}`); i++) out.push(q.get(`${name}.${i}`)!);
  return out;
}
function filters(q: URLSearchParams): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (let i = 1; q.has(`Filter.${i}.Name`); i++) m.set(q.get(`Filter.${i}.Name`)!, listParam(q, `Filter.${i}.Value`));
  return m;
}

export function installEc2Api(standin: Standin): Ec2Api {
  const accounts = new Map<string, NetworkSnapshot[]>();
  const api: Ec2Api = {
    knobs: { pageSize: 1000 },
    addLayout(snapshot) {
      const r = snapshot.region || DEFAULT_REGION;
      accounts.set(r, [...(accounts.get(r) ?? []), snapshot]);
    },
  };
  const all = <K extends keyof NetworkSnapshot>(region: string, key: K): NetworkSnapshot[K] extends (infer T)[] ? T[] : never =>
    (accounts.get(region) ?? []).flatMap((s) => s[key] as unknown[]) as never;

  standin.use(async (r: StandinRequest) => {
    if (r.req.method !== 'POST' || r.rawPath !== '/') return false;
    const q = new URLSearchParams(r.body.toString('utf8'));
    const op = q.get('Action') ?? '';
    if (!OPS.has(op) || q.get('Version') !== '2016-11-15') return false;
    const requestId = randomUUID();
    standin.counters.requests[op] = (standin.counters.requests[op] ?? 0) + 1;
    if (standin.knobs.latencyMs > 0) await new Promise((res) => setTimeout(res, standin.knobs.latencyMs));
    const send = (status: number, body: string) => {
      standin.counters.log.push({ op, method: 'POST', path: r.rawPath, status });
      r.res.statusCode = status;
      r.res.setHeader('Content-Type', 'text/xml;charset=UTF-8');
      r.res.setHeader('Content-Length', String(Buffer.byteLength(body)));
      r.res.end(body);
    };
    const error = (status: number, code: string, message: string) =>
      send(status, `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${x(code)}</Code><Message>${x(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`);
    const v = verifySigV4({ method: 'POST', rawUrl: r.rawUrl, rawHeaders: r.req.rawHeaders, body: r.body }, { expectedService: 'ec2', credentials: standin.credentials });
    if (!v.ok) { standin.counters.unsignedRejected++; error(401, 'AuthFailure', v.message); return true; }
    if (standin.knobs.accessDenied[op]) {
      error(403, 'UnauthorizedOperation', `You are not authorized to perform this operation. User: ${CALLER_ARN} is not authorized to perform: ec2:${op} because no identity-based policy allows the ec2:${op} action`);
      return true;
    }
    const region = v.auth.region;
    const f = filters(q);
    const vpcFilter = f.get('vpc-id');
    const inVpc = (vpcId: string) => !vpcFilter || vpcFilter.includes(vpcId);
    const reply = (inner: string) => send(200, `<?xml version="1.0" encoding="UTF-8"?>\n<${op}Response xmlns="${EC2_XMLNS}"><requestId>${requestId}</requestId>${inner}</${op}Response>`);
    const page = (setName: string, items: string[]) => {
      const max = Math.min(api.knobs.pageSize, Number(q.get('MaxResults') ?? Infinity));
      const start = Number(q.get('NextToken') ?? 0);
      const next = start + max < items.length ? start + max : null;
      reply(set(setName, items.slice(start, start + max)) + el('nextToken', next === null ? null : String(next)));
    };
    const byIds = <T>(items: T[], id: (t: T) => string, param: string) => {
      const ids = listParam(q, param);
      return ids.length === 0 ? items : items.filter((i) => ids.includes(id(i)));
    };

    switch (op) {
      case 'DescribeSubnets':
        page('subnetSet', byIds(all(region, 'subnets'), (s) => s.subnetId, 'SubnetId').filter((s) => inVpc(s.vpcId)).map((s) =>
          el('subnetId', s.subnetId) + el('state', 'available') + el('vpcId', s.vpcId) + el('cidrBlock', s.cidrBlock) + el('availableIpAddressCount', 250) + el('availabilityZone', s.availabilityZone) + el('ownerId', DEFAULT_ACCOUNT_ID)));
        return true;
      case 'DescribeRouteTables':
        page('routeTableSet', byIds(all(region, 'routeTables'), (t) => t.routeTableId, 'RouteTableId').filter((t) => inVpc(t.vpcId)).map((t) =>
          el('routeTableId', t.routeTableId) + el('vpcId', t.vpcId) + el('ownerId', DEFAULT_ACCOUNT_ID)
          + set('routeSet', t.routes.map((rt) => el('destinationCidrBlock', rt.destinationCidrBlock) + el('destinationPrefixListId', rt.destinationPrefixListId) + el('gatewayId', rt.gatewayId)
            + el('natGatewayId', rt.natGatewayId) + el('transitGatewayId', rt.transitGatewayId) + el('vpcPeeringConnectionId', rt.vpcPeeringConnectionId)
            + el('networkInterfaceId', rt.networkInterfaceId) + el('instanceId', rt.instanceId) + el('state', rt.state) + el('origin', rt.gatewayId === 'local' ? 'CreateRouteTable' : 'CreateRoute')))
          + set('associationSet', [
            ...(t.main ? [el('routeTableAssociationId', `rtbassoc-main-${t.routeTableId}`) + el('routeTableId', t.routeTableId) + el('main', true) + '<associationState><state>associated</state></associationState>'] : []),
            ...t.subnetIds.map((s) => el('routeTableAssociationId', `rtbassoc-${s}`) + el('routeTableId', t.routeTableId) + el('subnetId', s) + el('main', false) + '<associationState><state>associated</state></associationState>'),
          ])));
        return true;
      case 'DescribeNetworkAcls':
        page('networkAclSet', byIds(all(region, 'networkAcls'), (a) => a.networkAclId, 'NetworkAclId').filter((a) => inVpc(a.vpcId)).map((a) =>
          el('networkAclId', a.networkAclId) + el('vpcId', a.vpcId) + el('default', a.networkAclId === 'acl-default') + el('ownerId', DEFAULT_ACCOUNT_ID)
          + set('entrySet', a.entries.map((e) => el('ruleNumber', e.ruleNumber) + el('protocol', e.protocol) + el('ruleAction', e.ruleAction) + el('egress', e.egress) + el('cidrBlock', e.cidrBlock)
            + (e.portRange ? `<portRange>${el('from', e.portRange.from)}${el('to', e.portRange.to)}</portRange>` : '')))
          + set('associationSet', a.subnetIds.map((s) => el('networkAclAssociationId', `aclassoc-${s}`) + el('networkAclId', a.networkAclId) + el('subnetId', s)))));
        return true;
      case 'DescribeSecurityGroups':
        page('securityGroupInfo', byIds(all(region, 'securityGroups'), (g) => g.groupId, 'GroupId').filter((g) => inVpc(g.vpcId)).map((g) =>
          el('ownerId', DEFAULT_ACCOUNT_ID) + el('groupId', g.groupId) + el('groupName', g.groupId.replace(/^sg-/, '')) + el('groupDescription', `fixture ${g.groupId}`) + el('vpcId', g.vpcId)
          + permissions('ipPermissions', g.ingress) + permissions('ipPermissionsEgress', g.egress)));
        return true;
      case 'DescribeVpcEndpoints': {
        const services = f.get('service-name');
        page('vpcEndpointSet', byIds(all(region, 'vpcEndpoints'), (e) => e.vpcEndpointId, 'VpcEndpointId').filter((e) => inVpc(e.vpcId) && (!services || services.includes(e.serviceName))).map((e) =>
          el('vpcEndpointId', e.vpcEndpointId) + el('vpcEndpointType', e.vpcEndpointType) + el('vpcId', e.vpcId) + el('serviceName', e.serviceName) + el('state', e.state)
          + el('policyDocument', e.policyDocument ?? JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }))
          + set('subnetIdSet', e.subnetIds.map((s) => x(s))) + set('groupSet', e.groupIds.map((g) => el('groupId', g) + el('groupName', g)))
          + el('privateDnsEnabled', e.privateDnsEnabled) + el('requesterManaged', false)
          + set('dnsEntrySet', [el('dnsName', `${e.vpcEndpointId}-abc.${e.serviceName.split('.').pop()}.${region}.vpce.amazonaws.com`) + el('hostedZoneId', 'Z7HUB22UULQXV')])
          + el('ownerId', DEFAULT_ACCOUNT_ID)));
        return true;
      }
      case 'DescribeNatGateways':
        page('natGatewaySet', byIds(all(region, 'natGateways'), (n) => n.natGatewayId, 'NatGatewayId').filter((n) => inVpc(n.vpcId)).map((n) =>
          el('natGatewayId', n.natGatewayId) + el('vpcId', n.vpcId) + el('subnetId', n.subnetId) + el('state', n.state) + el('connectivityType', n.connectivityType) + el('createTime', '2024-01-01T00:00:00.000Z')));
        return true;
      case 'DescribeVpcAttribute': {
        const vpc = all(region, 'vpcs').find((v) => v.vpcId === q.get('VpcId'));
        const attr = q.get('Attribute') ?? '';
        if (!vpc) { error(400, 'InvalidVpcID.NotFound', `The vpc ID '${q.get('VpcId') ?? ''}' does not exist`); return true; }
        if (attr !== 'enableDnsSupport' && attr !== 'enableDnsHostnames') { error(400, 'InvalidParameterValue', `Value (${attr}) for parameter attribute is invalid.`); return true; }
        reply(el('vpcId', vpc.vpcId) + `<${attr}>${el('value', vpc[attr] ?? false)}</${attr}>`);
        return true;
      }
      case 'DescribeManagedPrefixLists':
        page('prefixListSet', byIds(all(region, 'prefixLists'), (p) => p.prefixListId, 'PrefixListId').map((p) =>
          el('prefixListId', p.prefixListId) + el('prefixListName', p.name ?? p.prefixListId) + el('addressFamily', 'IPv4') + el('state', 'create-complete') + el('maxEntries', 10) + el('version', 1) + el('ownerId', DEFAULT_ACCOUNT_ID)));
        return true;
      case 'GetManagedPrefixListEntries': {
        const list = all(region, 'prefixLists').find((p) => p.prefixListId === q.get('PrefixListId'));
        if (!list) { error(400, 'InvalidPrefixListID.NotFound', `The prefix list ID '${q.get('PrefixListId') ?? ''}' does not exist`); return true; }
        page('entrySet', list.cidrs.map((c) => el('cidr', c)));
        return true;
      }
    }
    return false;
  });
  return api;
}
