// The EC2 collector through the real SDK EC2 client against the stand-in's ec2Query API: every fixture
// VPC (working and broken) is served by the stand-in, collected back, and gives the same paths.
import { EC2Client } from '@aws-sdk/client-ec2';
import test from 'ava';
import { NetworkReads } from '../src/aws/networkCollector.js';
import { indexNetworkSnapshot, networkPaths } from '../src/facts/network/paths.js';
import { installEc2Api } from './standin/ec2Api.js';
import { sdkConfig } from './standin/server.js';
import { startStandin } from './support/aws.js';
import { assertPath, networkScenarios, scenarioVpc, workingVpc } from './support/networkFixtures.js';

async function served(snapshot: Parameters<ReturnType<typeof installEc2Api>['addLayout']>[0], pageSize = 2) {
  const standin = await startStandin();
  const ec2 = installEc2Api(standin);
  ec2.knobs.pageSize = pageSize;
  ec2.addLayout(snapshot);
  const client = new EC2Client({ ...sdkConfig(standin), maxAttempts: 1 });
  return { standin, client, reads: new NetworkReads(client, 'us-east-1'), close: async () => { client.destroy(); await standin.close(); } };
}

for (const sc of networkScenarios) {
  test(`stand-in: ${sc.name} → ${sc.expect.path} ${sc.expect.status}`, async (t) => {
    const { snapshot, target } = scenarioVpc(sc);
    const expected = networkPaths(indexNetworkSnapshot(snapshot), target);
    const layout = { ...snapshot, unreadable: [] };
    const s = await served(layout);
    try {
      if (sc.standinDenies) s.standin.knobs.accessDenied[sc.standinDenies] = true;
      const collected = await s.reads.snapshot([target]);
      const paths = networkPaths(indexNetworkSnapshot(collected), target);
      assertPath(t, paths[sc.expect.path], sc.expect);
      if (sc.standinDenies) {
        const u = collected.unreadable.find((x) => x.action === `ec2:${sc.standinDenies}`);
        t.truthy(u);
        t.regex(u!.message, new RegExp(`access denied: ec2:${sc.standinDenies} was refused`));
      } else {
        // what came over the wire answers exactly as the fixture it was built from
        t.deepEqual(paths, expected);
      }
    } finally {
      await s.close();
    }
  });
}

test('stand-in: the collected snapshot carries the fixture resources field for field', async (t) => {
  const { snapshot, target } = workingVpc();
  const s = await served(snapshot, 1);
  try {
    const collected = await s.reads.snapshot([target], snapshot.collectedAt);
    const sortBy = <T>(xs: T[], k: (x: T) => string) => [...xs].sort((a, b) => k(a).localeCompare(k(b)));
    t.deepEqual(sortBy(collected.subnets, (x) => x.subnetId), sortBy(snapshot.subnets, (x) => x.subnetId));
    t.deepEqual(sortBy(collected.routeTables, (x) => x.routeTableId), sortBy(snapshot.routeTables, (x) => x.routeTableId));
    t.deepEqual(collected.networkAcls, snapshot.networkAcls);
    t.deepEqual(sortBy(collected.securityGroups, (x) => x.groupId), sortBy(snapshot.securityGroups, (x) => x.groupId));
    t.deepEqual(collected.natGateways, snapshot.natGateways);
    t.deepEqual(collected.vpcs, snapshot.vpcs);
    t.like(collected.vpcEndpoints[0], { ...snapshot.vpcEndpoints[0], policyDocument: collected.vpcEndpoints[0]!.policyDocument });
    // one page per item at page size 1: the paginators followed every nextToken
    t.is(s.standin.counters.requests['DescribeSubnets'], snapshot.subnets.length);
  } finally {
    await s.close();
  }
});

test('stand-in: VPC resources are described once per run, shared by every function in the VPC', async (t) => {
  const { snapshot, target } = workingVpc();
  const s = await served(snapshot, 1000);
  try {
    const many = Array.from({ length: 20 }, (_, i) => ({ ...target, functionName: `fn-${i}` }));
    await s.reads.snapshot(many.slice(0, 10));
    await s.reads.snapshot(many.slice(10));
    const calls = Object.values(s.standin.counters.requests).reduce((a, b) => a + b, 0);
    t.is(calls, 8, JSON.stringify(s.standin.counters.requests));
    t.is(s.standin.counters.unsignedRejected, 0);
  } finally {
    await s.close();
  }
});
