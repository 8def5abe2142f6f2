// diagnose without --read-secret-keys or --database infers the database: the one PostgreSQL instance or
// cluster in the function's VPC whose security groups admit the function. Each VPC is built in the stand-in
// (EC2 + Lambda + RDS + logs) and diagnosed through the real SDK clients.
import test from 'ava';
import { diagnoseRun } from '../src/scan/diagnoseAccount.js';
import type { SecretReport } from '../src/diagnose/secretReport.js';
import { installDiagnoseApis, type DiagnoseApis } from './standin/diagnoseApis.js';
import { installEc2Api, type Ec2Api } from './standin/ec2Api.js';
import { DEFAULT_CREDENTIALS, startStandin, type Standin } from './support/aws.js';
import { DAY, SCENARIOS, installScenario, scenarioBundles, type Code } from './support/diagnoseScenarios.js';
import { tcp, workingVpcCopy } from './support/networkFixtures.js';

process.env.AWS_ACCESS_KEY_ID = DEFAULT_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = DEFAULT_CREDENTIALS.secretAccessKey;
process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';

const DB = SCENARIOS.find((s) => s.cause === 'database-unreachable' && s.confidence === 'likely')!;
let standin: Standin;
let apis: DiagnoseApis;
let ec2: Ec2Api;
let bundles: Record<Code, Buffer>;

/**
 * The working VPC copy `n` with the scenario's database orders-<1000+n> (sg-db-<n>); `dbAdmits: false` makes
 * sg-db admit only 192.168.0.0/16; `other` adds a second PostgreSQL instance other-<n> in the VPC with its own group.
 */
function install(n: number, o: { dbAdmits: boolean; other?: 'admits' | 'denies' }): string {
  const v = workingVpcCopy(n);
  const fnGroup = v.target.vpc!.securityGroupIds[0]!;
  if (!o.dbAdmits) v.snapshot.securityGroups.find((g) => g.groupId === `sg-db-${n}`)!.ingress = [tcp(5432, { cidrs: ['192.168.0.0/16'] })];
  if (o.other) v.snapshot.securityGroups.push({ groupId: `sg-other-${n}`, vpcId: v.target.vpc!.vpcId, ingress: [tcp(5432, o.other === 'admits' ? { groupIds: [fnGroup] } : { cidrs: ['192.168.0.0/16'] })], egress: [] });
  ec2.addLayout(v.snapshot);
  const t = v.target;
  const i = installScenario(apis, DB, 1000 + n, 'Text', bundles, {
    vpcId: t.vpc!.vpcId, subnetIds: t.vpc!.subnetIds, securityGroupIds: t.vpc!.securityGroupIds,
    db: { subnetIds: t.database!.subnetIds, securityGroupIds: t.database!.securityGroupIds },
  });
  if (o.other) {
    apis.addDbInstance({ identifier: `other-${n}`, engine: 'postgres', engineVersion: '15.4', address: `other-${n}.abcdefghij.us-east-1.rds.amazonaws.com`, parameterGroup: 'default.postgres15', vpcId: t.vpc!.vpcId, securityGroups: [`sg-other-${n}`], subnetIds: t.database!.subnetIds });
  }
  return i.secretArn;
}

async function diagnose(secretArn: string): Promise<SecretReport> {
  const run = await diagnoseRun({
    region: 'us-east-1', endpointUrl: standin.endpoint, retry: { mode: 'configured', maxAttempts: 2, delayMs: 5 }, since: new Date(Date.now() - 14 * DAY),
    readSecretKeys: false, secrets: [secretArn], all: false, regions: [], concurrency: 1,
  });
  return run.reports[0]!;
}

test.before(async () => {
  standin = await startStandin();
  apis = installDiagnoseApis(standin);
  ec2 = installEc2Api(standin);
  bundles = await scenarioBundles();
  apis.addParameterGroup({ name: 'default.postgres15', parameters: [{ name: 'password_encryption', value: 'scram-sha-256', source: 'system' }] });
});
test.after.always(() => standin?.close());

test.serial('inference: of two PostgreSQL databases in the VPC, the one whose security group admits the function is inferred', async (t) => {
  const arn = install(0, { dbAdmits: true, other: 'denies' });
  const subnetReads = standin.counters.requests['DescribeSubnets'] ?? 0;
  const r = await diagnose(arn);
  t.is((standin.counters.requests['DescribeSubnets'] ?? 0) - subnetReads, 1, 'the inference and the network paths share one read of the VPC');
  t.is(r.database?.identifier, 'orders-1000');
  t.is(r.database?.source, 'inferred');
  t.is(r.database?.admittedBy, 'sg-db-0 ingress sg-fn-0');
  t.false(r.unknown.some((u) => u.startsWith('database')), r.unknown.join('\n'));
  // and the other way round: the second database is the one admitting the function
  const r2 = await diagnose(install(1, { dbAdmits: false, other: 'admits' }));
  t.is(r2.database?.identifier, 'other-1');
  t.is(r2.database?.admittedBy, 'sg-other-1 ingress sg-fn-1');
});

test.serial('inference: when neither database admits the function the database is unknown, naming both and why', async (t) => {
  const r = await diagnose(install(2, { dbAdmits: false, other: 'denies' }));
  t.is(r.database, null);
  const why = r.unknown.find((u) => u.startsWith('database:')) ?? '';
  t.regex(why, /2 PostgreSQL database\(s\) in the function's VPC vpc-1-2 and none admits the function/);
  t.true(why.includes('instance:orders-1002: sg-db-2 admits nothing on TCP 5432 from sg-fn-2 or 10.0.1.0/24'), why);
  t.true(why.includes('instance:other-2: sg-other-2 admits nothing on TCP 5432'), why);
  t.true(why.includes('--database'), why);
});

test.serial('inference: a lone PostgreSQL database whose security group does not admit the function is not inferred', async (t) => {
  const r = await diagnose(install(3, { dbAdmits: false }));
  t.is(r.database, null);
  t.true(r.unknown.some((u) => u.includes('none admits the function') && u.includes('instance:orders-1003')), r.unknown.join('\n'));
});

test.serial('inference: two databases both admitting the function leave it unknown', async (t) => {
  const r = await diagnose(install(4, { dbAdmits: true, other: 'admits' }));
  t.is(r.database, null);
  t.true(r.unknown.some((u) => u.includes('2 admit the function') && u.includes('admitted by sg-other-4 ingress sg-fn-4')), r.unknown.join('\n'));
});

test.serial('inference: with DescribeSecurityGroups refused, the lone database is still inferred and the report says its groups were not checked', async (t) => {
  const arn = install(5, { dbAdmits: false });
  standin.knobs.accessDenied['DescribeSecurityGroups'] = true;
  try {
    const r = await diagnose(arn);
    t.is(r.database?.identifier, 'orders-1005');
    t.is(r.database?.source, 'inferred');
    t.is(r.database?.admittedBy, undefined);
    t.true(r.unknown.some((u) => /security groups could not be checked: security group sg-db-5 could not be read: .*ec2:DescribeSecurityGroups/.test(u)), r.unknown.join('\n'));
  } finally {
    delete standin.knobs.accessDenied['DescribeSecurityGroups'];
  }
});
