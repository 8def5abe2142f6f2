import type { DBCluster, DBInstance, Parameter } from '@aws-sdk/client-rds';
import { databaseAdmission, type DatabaseAdmission } from '../facts/network/databaseAdmission.js';
import type { DatabaseNetworkFacts, NetworkSnapshot, NetworkTarget } from '../facts/network/snapshot.js';
import { databaseFacts, POSTGRES_ENGINES, type DatabaseDescription, type DatabaseFacts, type DatabaseSource, type DbParameter } from '../facts/database/databaseSettings.js';
import { awsError, type AwsCallContext } from './awsErrors.js';
import { diagnoseSdk, type DiagnoseClients } from './diagnoseClients.js';
import type { CallOptions } from './session.js';

/** What is read once per run and shared by every secret: listings per region, parameters per group. */
export interface DatabaseReads {
  listings: Map<string, Promise<{ instances: DBInstance[]; clusters: DBCluster[] }>>;
  parameters: Map<string, Promise<{ parameters: DbParameter[] | null; error?: string }>>;
}
export const newDatabaseReads = (): DatabaseReads => ({ listings: new Map(), parameters: new Map() });

/** `inference`: for an inferred database, the rule that admits the function, or why security groups could not be checked. */
export type DatabaseAnswer = { database: DatabaseFacts; network: DatabaseNetworkFacts; inference?: DatabaseAdmission; error?: undefined } | { database: null; error: string };

/** Where the database sits, for the network paths: its VPC, DB subnet group subnets, security groups, port. */
function databaseNetwork(found: { instance?: DBInstance; cluster?: DBCluster }, instances: readonly DBInstance[], identifier: string, port: number | null): DatabaseNetworkFacts {
  const cluster = found.cluster;
  // a cluster's subnet group is named, not described: its member instances carry it
  const instance = found.instance ?? instances.find((i) => cluster && i.DBClusterIdentifier === cluster.DBClusterIdentifier);
  const groups = (cluster?.VpcSecurityGroups ?? instance?.VpcSecurityGroups ?? []).flatMap((g) => (g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : []));
  return {
    identifier,
    vpcId: instance?.DBSubnetGroup?.VpcId || null,
    subnetIds: (instance?.DBSubnetGroup?.Subnets ?? []).flatMap((x) => (x.SubnetIdentifier ? [x.SubnetIdentifier] : [])),
    securityGroupIds: groups,
    port,
    publiclyAccessible: cluster?.PubliclyAccessible ?? instance?.PubliclyAccessible ?? null,
  };
}

/** How to find the database: --database, the secret's host (--read-secret-keys), or the function's VPC. */
export type DatabaseLookup = { by: 'flag'; id: string } | { by: 'secret-host'; host: string } | {
  by: 'inferred'; vpcId: string | null;
  /** the function's VpcConfig and its VPC's network snapshot, to keep only databases whose security groups admit it; a string: why there is none */
  network?: { vpc: NonNullable<NetworkTarget['vpc']>; snapshot: NetworkSnapshot } | string;
};

function listing(clients: DiagnoseClients, reads: DatabaseReads, ctx: (action: string) => AwsCallContext, call: () => CallOptions) {
  let p = reads.listings.get(clients.region);
  if (!p) {
    p = (async () => {
      const s = await diagnoseSdk();
      // Both listings at once: neither waits for the other.
      const [instances, clusters] = await Promise.all([
        (async () => {
          const out: DBInstance[] = [];
          try {
            const options = call();
            for await (const page of s.rds.paginateDescribeDBInstances({ client: clients.rds, pageSize: 100 }, {}, options)) { options.renew(); out.push(...(page.DBInstances ?? [])); }
          } catch (e) { throw awsError(e, ctx('rds:DescribeDBInstances')); }
          return out;
        })(),
        (async () => {
          const out: DBCluster[] = [];
          try {
            const options = call();
            for await (const page of s.rds.paginateDescribeDBClusters({ client: clients.rds, pageSize: 100 }, {}, options)) { options.renew(); out.push(...(page.DBClusters ?? [])); }
          } catch (e) { throw awsError(e, ctx('rds:DescribeDBClusters')); }
          return out;
        })(),
      ]);
      return { instances, clusters };
    })();
    reads.listings.set(clients.region, p);
  }
  return p;
}

function parametersOf(clients: DiagnoseClients, reads: DatabaseReads, kind: 'instance' | 'cluster', group: string, ctx: (action: string) => AwsCallContext, call: () => CallOptions) {
  const key = `${clients.region}\0${kind}\0${group}`;
  let p = reads.parameters.get(key);
  if (!p) {
    p = (async () => {
      const s = await diagnoseSdk();
      const out: DbParameter[] = [];
      const keep = (ps: Parameter[] | undefined) => {
        for (const x of ps ?? []) if (x.ParameterName) out.push({ name: x.ParameterName, value: x.ParameterValue, source: x.Source });
      };
      try {
        const options = call();
        if (kind === 'cluster') {
          for await (const page of s.rds.paginateDescribeDBClusterParameters({ client: clients.rds, pageSize: 100 }, { DBClusterParameterGroupName: group }, options)) { options.renew(); keep(page.Parameters); }
        } else {
          for await (const page of s.rds.paginateDescribeDBParameters({ client: clients.rds, pageSize: 100 }, { DBParameterGroupName: group }, options)) { options.renew(); keep(page.Parameters); }
        }
        return { parameters: out };
      } catch (e) {
        return { parameters: null, error: awsError(e, ctx(kind === 'cluster' ? 'rds:DescribeDBClusterParameters' : 'rds:DescribeDBParameters')).message };
      }
    })();
    reads.parameters.set(key, p);
  }
  return p;
}

const isPostgres = (engine: string | undefined) => POSTGRES_ENGINES.has(engine ?? '');

/** The database a secret rotates, with password_encryption and rds.force_ssl. A refusal or no match is an answer with the reason. */
export async function findDatabase(clients: DiagnoseClients, reads: DatabaseReads, lookup: DatabaseLookup, ctx: (action: string) => AwsCallContext, call: () => CallOptions): Promise<DatabaseAnswer> {
  let list;
  try {
    list = await listing(clients, reads, ctx, call);
  } catch (e) {
    return { database: null, error: (e as Error).message };
  }
  const clusterOf = (i: DBInstance) => (i.DBClusterIdentifier ? list.clusters.find((c) => c.DBClusterIdentifier === i.DBClusterIdentifier) : undefined);
  let found: { instance?: DBInstance; cluster?: DBCluster } | null = null;
  let source: DatabaseSource;
  let inference: DatabaseAdmission | undefined;
  if (lookup.by === 'flag') {
    source = 'flag';
    const c = list.clusters.find((x) => x.DBClusterIdentifier === lookup.id);
    const i = list.instances.find((x) => x.DBInstanceIdentifier === lookup.id);
    if (c) found = { cluster: c };
    else if (i) found = clusterOf(i) ? { cluster: clusterOf(i)! } : { instance: i };
    if (!found) return { database: null, error: `--database ${lookup.id}: no DB instance or cluster of that name in ${clients.region}` };
  } else if (lookup.by === 'secret-host') {
    source = 'secret-host';
    const host = lookup.host.toLowerCase();
    const c = list.clusters.find((x) => [x.Endpoint, x.ReaderEndpoint, ...(x.CustomEndpoints ?? [])].some((h) => h?.toLowerCase() === host));
    const i = list.instances.find((x) => x.Endpoint?.Address?.toLowerCase() === host);
    if (c) found = { cluster: c };
    else if (i) found = clusterOf(i) ? { cluster: clusterOf(i)! } : { instance: i };
    if (!found) return { database: null, error: `the secret's host ${lookup.host} is no RDS endpoint in ${clients.region} (a CNAME, a proxy, or another account)` };
  } else {
    source = 'inferred';
    if (!lookup.vpcId) return { database: null, error: 'the function is not in a VPC and the secret was not read (--read-secret-keys) or named (--database)' };
    const inVpc = list.instances.filter((i) => isPostgres(i.Engine) && i.DBSubnetGroup?.VpcId === lookup.vpcId);
    const candidates = new Map<string, { instance?: DBInstance; cluster?: DBCluster }>();
    for (const i of inVpc) {
      const c = clusterOf(i);
      candidates.set(c ? `cluster:${c.DBClusterIdentifier}` : `instance:${i.DBInstanceIdentifier}`, c ? { cluster: c } : { instance: i });
    }
    if (candidates.size === 0) return { database: null, error: `no PostgreSQL database in the function's VPC ${lookup.vpcId}` };
    const network = lookup.network ?? 'the function\'s network was not read';
    const judged = [...candidates].map(([name, c]) => {
      const id = c.cluster?.DBClusterIdentifier ?? c.instance?.DBInstanceIdentifier ?? '?';
      const port = c.cluster?.Port ?? c.instance?.Endpoint?.Port ?? null;
      const admission: DatabaseAdmission = typeof network === 'string' ? { verdict: 'unchecked', why: network } : databaseAdmission(network.snapshot, network.vpc, databaseNetwork(c, list.instances, id, port));
      return { name, c, admission };
    });
    const admitted = judged.filter((j) => j.admission.verdict === 'admitted');
    const unchecked = judged.filter((j) => j.admission.verdict === 'unchecked');
    const pick = admitted.length === 1 && unchecked.length === 0 ? admitted[0]! : judged.length === 1 && unchecked.length === 1 ? unchecked[0]! : null;
    if (!pick) {
      const said = judged.map((j) => `${j.name}: ${j.admission.verdict === 'admitted' ? `admitted by ${j.admission.by}` : j.admission.verdict === 'denied' ? j.admission.why : `security groups not checked, ${j.admission.why}`}`);
      const how = admitted.length === 0 && unchecked.length === 0 ? 'none admits the function' : admitted.length > 1 ? `${admitted.length} admit the function` : 'security groups could not be checked for all of them';
      return { database: null, error: `${judged.length} PostgreSQL database(s) in the function's VPC ${lookup.vpcId} and ${how} (${said.join('; ')}); name one with --database or use --read-secret-keys` };
    }
    found = pick.c;
    inference = pick.admission;
  }
  const d = found.cluster
    ? { identifier: found.cluster.DBClusterIdentifier ?? '?', kind: 'cluster' as const, engine: found.cluster.Engine ?? '', engineVersion: found.cluster.EngineVersion ?? '', endpoint: found.cluster.Endpoint ?? null, port: found.cluster.Port ?? null, parameterGroup: found.cluster.DBClusterParameterGroup ?? null }
    : { identifier: found.instance!.DBInstanceIdentifier ?? '?', kind: 'instance' as const, engine: found.instance!.Engine ?? '', engineVersion: found.instance!.EngineVersion ?? '', endpoint: found.instance!.Endpoint?.Address ?? null, port: found.instance!.Endpoint?.Port ?? null, parameterGroup: found.instance!.DBParameterGroups?.[0]?.DBParameterGroupName ?? null };
  const params = d.parameterGroup ? await parametersOf(clients, reads, d.kind, d.parameterGroup, ctx, call) : { parameters: null, error: 'no parameter group named' };
  const desc: DatabaseDescription = { ...d, parameters: params.parameters, ...(params.error ? { parametersError: params.error } : {}) };
  const admittedBy = inference?.verdict === 'admitted' ? { admittedBy: inference.by } : {};
  return { database: { ...databaseFacts(desc, source), ...admittedBy }, network: databaseNetwork(found, list.instances, d.identifier, d.port), ...(inference ? { inference } : {}) };
}
