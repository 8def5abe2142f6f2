// The APIs `diagnose` reads, added to the loopback stand-in through its `use` hook,
// on the real wire protocols and with SigV4 verified as the core stand-in does:
//   * Secrets Manager (awsJson1_1)  DescribeSecret, ListSecretVersionIds, GetSecretValue
//   * CloudWatch Logs (awsJson1_1, target Logs_20140328)  FilterLogEvents (term filter patterns,
//     pages that may be empty while a nextToken is present)
//   * Lambda (restJson1)            GetFunctionConfiguration, GetPolicy
//   * RDS (awsQuery, XML)           DescribeDBInstances, DescribeDBClusters, DescribeDBParameters,
//                                   DescribeDBClusterParameters (Marker paging)
// Shapes follow the botocore service models (see the shared reference facts, section 5).
import { createHash, randomUUID } from 'node:crypto';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION, CALLER_ARN, type Standin, type StandinFunction, type StandinRequest } from './server.js';
import { hostileSend } from './hostile.js';
import { verifySigV4 } from './sigv4.js';

export interface DiagVersion { id: string; stages: string[]; createdDate: string; /** SecretString */ value?: string }
export interface DiagSecret {
  name: string;
  region?: string;
  rotationEnabled?: boolean;
  rotationLambdaARN?: string;
  rotationRules?: { AutomaticallyAfterDays?: number; Duration?: string; ScheduleExpression?: string };
  lastRotatedDate?: string;
  nextRotationDate?: string;
  owningService?: string;
  tags?: Record<string, string>;
  versions: DiagVersion[];
}
export interface DiagFunction extends StandinFunction {
  logFormat?: 'Text' | 'JSON';
  /** LoggingConfig.LogGroup; default /aws/lambda/<name> */
  logGroup?: string;
  /** The resource policy document; null: the function has none (GetPolicy 404). */
  policy?: object | null;
  vpcId?: string;
}
export interface DiagDbInstance {
  identifier: string;
  region?: string;
  engine: string;
  engineVersion: string;
  address: string;
  port?: number;
  parameterGroup: string;
  vpcId?: string;
  securityGroups?: string[];
  /** the DB subnet group's subnets */
  subnetIds?: string[];
  clusterIdentifier?: string;
}
export interface DiagDbCluster {
  identifier: string;
  region?: string;
  engine: string;
  engineVersion: string;
  endpoint: string;
  readerEndpoint?: string;
  port?: number;
  parameterGroup: string;
  vpcId?: string;
}
export interface DiagParameterGroup { name: string; cluster?: boolean; region?: string; parameters: Array<{ name: string; value?: string; source: 'user' | 'system' | 'engine-default' }> }
export interface DiagLogEvent { timestamp: number; message: string; logStreamName?: string }

export interface DiagnoseKnobs {
  /** events per FilterLogEvents page */
  logsPageSize: number;
  /** answer this many FilterLogEvents calls of each query with an empty page and a nextToken first */
  emptyLogPages: number;
  /** records per RDS page */
  rdsPageSize: number;
  /** versions per ListSecretVersionIds page */
  versionsPageSize: number;
  /** log groups whose FilterLogEvents is refused (AccessDeniedException naming the group) */
  deniedLogGroups: string[];
  /** parameter groups whose Describe*Parameters is refused */
  deniedParameterGroups: string[];
}

export interface DiagnoseApis {
  knobs: DiagnoseKnobs;
  /** Filter patterns FilterLogEvents was asked for. */
  filterPatterns: string[];
  addSecret(s: DiagSecret): string;
  addFunction(f: DiagFunction): string;
  addLogEvents(group: string, events: readonly DiagLogEvent[], region?: string): void;
  addDbInstance(d: DiagDbInstance): void;
  addDbCluster(d: DiagDbCluster): void;
  addParameterGroup(g: DiagParameterGroup): void;
}

export function secretArn(name: string, region = DEFAULT_REGION): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const h = createHash('sha256').update(`${region}\0${name}`).digest();
  let s = '';
  for (let i = 0; i < 6; i++) s += alphabet[(h[i] ?? 0) % alphabet.length];
  return `arn:aws:secretsmanager:${region}:${DEFAULT_ACCOUNT_ID}:secret:${name}-${s}`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const xml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
const RDS_XMLNS = 'http://rds.amazonaws.com/doc/2014-10-31/';
const epoch = (iso: string) => Date.parse(iso) / 1000;

type Service = 'secretsmanager' | 'logs' | 'lambda' | 'rds';
const SM_OPS = new Set(['DescribeSecret', 'ListSecretVersionIds', 'GetSecretValue']);
const RDS_OPS = new Set(['DescribeDBInstances', 'DescribeDBClusters', 'DescribeDBParameters', 'DescribeDBClusterParameters']);
const ACTIONS: Record<string, string> = {
  DescribeSecret: 'secretsmanager:DescribeSecret', ListSecretVersionIds: 'secretsmanager:ListSecretVersionIds', GetSecretValue: 'secretsmanager:GetSecretValue',
  FilterLogEvents: 'logs:FilterLogEvents', GetFunctionConfiguration: 'lambda:GetFunctionConfiguration', GetPolicy: 'lambda:GetPolicy',
  DescribeDBInstances: 'rds:DescribeDBInstances', DescribeDBClusters: 'rds:DescribeDBClusters', DescribeDBParameters: 'rds:DescribeDBParameters', DescribeDBClusterParameters: 'rds:DescribeDBClusterParameters',
};

/** Matches a CloudWatch Logs term pattern: `?a ?"b c"` is any of them, `a b` is all of them; terms are case-sensitive. */
export function matchesFilterPattern(pattern: string, message: string): boolean {
  const terms = [...pattern.matchAll(/(\?)?(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)].map((m) => ({ optional: m[1] === '?', text: (m[2] ?? m[3] ?? '').replace(/\\"/g, '"') }));
  if (terms.length === 0) return true;
  const any = terms.filter((t) => t.optional);
  const all = terms.filter((t) => !t.optional);
  return all.every((t) => message.includes(t.text)) && (any.length === 0 || any.some((t) => message.includes(t.text)));
}

export function installDiagnoseApis(standin: Standin): DiagnoseApis {
  const secrets = new Map<string, DiagSecret & { arn: string; region: string }>();
  const functions = new Map<string, DiagFunction & { arn: string; region: string }>();
  const logs = new Map<string, DiagLogEvent[]>();
  const instances: Array<DiagDbInstance & { region: string }> = [];
  const clusters: Array<DiagDbCluster & { region: string }> = [];
  const groups = new Map<string, DiagParameterGroup & { region: string }>();
  const emptyServed = new Map<string, number>();
  const api: DiagnoseApis = {
    knobs: { logsPageSize: 50, emptyLogPages: 0, rdsPageSize: 100, versionsPageSize: 100, deniedLogGroups: [], deniedParameterGroups: [] },
    filterPatterns: [],
    addSecret(s) {
      const region = s.region ?? DEFAULT_REGION;
      const arn = secretArn(s.name, region);
      secrets.set(`${region}\0${s.name}`, { ...s, region, arn });
      standin.addSecret({ name: s.name, region, arn, ...(s.rotationEnabled !== undefined ? { rotationEnabled: s.rotationEnabled } : {}), ...(s.rotationLambdaARN ? { rotationLambdaARN: s.rotationLambdaARN } : {}), ...(s.lastRotatedDate ? { lastRotatedDate: s.lastRotatedDate } : {}), ...(s.tags ? { tags: s.tags } : {}) });
      return arn;
    },
    addFunction(f) {
      const region = f.region ?? DEFAULT_REGION;
      const arn = `arn:aws:lambda:${region}:${f.accountId ?? DEFAULT_ACCOUNT_ID}:function:${f.name}`;
      functions.set(`${region}\0${f.name}`, { ...f, region, arn });
      standin.addFunction(f);
      return arn;
    },
    addLogEvents(group, events, region = DEFAULT_REGION) {
      const list = logs.get(`${region}\0${group}`) ?? [];
      list.push(...events);
      list.sort((a, b) => a.timestamp - b.timestamp);
      logs.set(`${region}\0${group}`, list);
    },
    addDbInstance(d) { instances.push({ ...d, region: d.region ?? DEFAULT_REGION }); },
    addDbCluster(d) { clusters.push({ ...d, region: d.region ?? DEFAULT_REGION }); },
    addParameterGroup(g) { groups.set(`${g.region ?? DEFAULT_REGION}\0${g.cluster ? 'c' : 'i'}\0${g.name}`, { ...g, region: g.region ?? DEFAULT_REGION }); },
  };

  const classify = (r: StandinRequest): { service: Service; op: string } | null => {
    const target = r.req.headers['x-amz-target'];
    if (typeof target === 'string') {
      if (target === 'Logs_20140328.FilterLogEvents') return { service: 'logs', op: 'FilterLogEvents' };
      const op = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : '';
      return SM_OPS.has(op) ? { service: 'secretsmanager', op } : null;
    }
    const m = /^\/2015-03-31\/functions\/([^/]+)\/(configuration|policy)$/.exec(r.rawPath);
    if (m && r.req.method === 'GET') return { service: 'lambda', op: m[2] === 'configuration' ? 'GetFunctionConfiguration' : 'GetPolicy' };
    if (r.req.method === 'POST' && r.rawPath === '/') {
      const action = new URLSearchParams(r.body.toString('utf8')).get('Action') ?? '';
      if (RDS_OPS.has(action)) return { service: 'rds', op: action };
    }
    return null;
  };

  return (() => {
    standin.use(async (r) => {
      const c = classify(r);
      if (!c) return false;
      const { service, op } = c;
      const requestId = randomUUID();
      standin.counters.requests[op] = (standin.counters.requests[op] ?? 0) + 1;
      if (standin.knobs.latencyMs > 0) await sleep(standin.knobs.latencyMs);
      const send = (status: number, type: string, body: string) => {
        standin.counters.log.push({ op, method: r.req.method ?? 'GET', path: r.rawUrl, status });
        // hostile.ts modes (stall, drip, …) per operation, as for the core stand-in's operations
        if (hostileSend(standin.knobs.hostile, op, r.req, r.res, status, { 'Content-Type': type, 'x-amzn-RequestId': requestId }, Buffer.from(body))) return;
        r.res.statusCode = status;
        r.res.setHeader('Content-Type', type);
        r.res.setHeader('x-amzn-RequestId', requestId);
        r.res.setHeader('Content-Length', String(Buffer.byteLength(body)));
        r.res.end(body);
      };
      const jsonError = (status: number, type: string, message: string) => {
        if (service === 'lambda') {
          r.res.setHeader('x-amzn-ErrorType', type);
          return send(status, 'application/json', JSON.stringify({ Type: 'User', Message: message }));
        }
        return send(status, 'application/x-amz-json-1.1', JSON.stringify({ __type: type, message }));
      };
      const rdsError = (status: number, code: string, message: string) =>
        send(status, 'text/xml', `<ErrorResponse xmlns="${RDS_XMLNS}"><Error><Type>Sender</Type><Code>${xml(code)}</Code><Message>${xml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
      const error = (status: number, code: string, message: string) => (service === 'rds' ? rdsError(status, code, message) : jsonError(status, code, message));

      // The caller's key pair, or (an account of organization.ts) one STS issued for this account.
      const signing = standin.signingCredentials(r.req.headers.authorization);
      const v = verifySigV4({ method: r.req.method ?? 'GET', rawUrl: r.rawUrl, rawHeaders: r.req.rawHeaders, body: r.body }, { expectedService: service, credentials: signing.credentials });
      if (!v.ok) {
        standin.counters.unsignedRejected++;
        error(service === 'secretsmanager' || service === 'logs' ? 400 : 403, service === 'rds' ? 'SignatureDoesNotMatch' : 'InvalidSignatureException', v.message);
        return true;
      }
      if (signing.expired) { error(service === 'secretsmanager' || service === 'logs' ? 400 : 403, 'ExpiredTokenException', 'The security token included in the request is expired'); return true; }
      const region = v.auth.region;
      if (standin.knobs.accessDenied[op]) {
        const msg = `User: ${CALLER_ARN} is not authorized to perform: ${ACTIONS[op]} because no identity-based policy allows the ${ACTIONS[op]} action`;
        if (service === 'rds') rdsError(403, 'AccessDenied', msg);
        else jsonError(service === 'lambda' ? 403 : 400, 'AccessDeniedException', msg);
        return true;
      }
      const input = (): Record<string, unknown> => { try { return JSON.parse(r.body.toString('utf8') || '{}') as Record<string, unknown>; } catch { return {}; } };
      const findSecret = (id: unknown) => [...secrets.values()].find((s) => s.region === region && (s.name === id || s.arn === id || (typeof id === 'string' && id.startsWith(s.arn.slice(0, -7)) && s.arn.startsWith(id))));
      const json = (o: unknown) => send(200, service === 'lambda' ? 'application/json' : 'application/x-amz-json-1.1', JSON.stringify(o));

      switch (op) {
        case 'DescribeSecret': {
          const s = findSecret(input().SecretId);
          if (!s) { error(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret."); return true; }
          json({
            ARN: s.arn, Name: s.name, ...(s.rotationEnabled !== undefined ? { RotationEnabled: s.rotationEnabled } : {}),
            ...(s.rotationLambdaARN ? { RotationLambdaARN: s.rotationLambdaARN } : {}), ...(s.rotationRules ? { RotationRules: s.rotationRules } : {}),
            ...(s.lastRotatedDate ? { LastRotatedDate: epoch(s.lastRotatedDate) } : {}), ...(s.nextRotationDate ? { NextRotationDate: epoch(s.nextRotationDate) } : {}),
            ...(s.owningService ? { OwningService: s.owningService } : {}),
            Tags: Object.entries(s.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
            VersionIdsToStages: Object.fromEntries(s.versions.filter((x) => x.stages.length > 0).map((x) => [x.id, x.stages])),
            CreatedDate: epoch(s.versions[0]?.createdDate ?? '2020-01-01T00:00:00Z'),
          });
          return true;
        }
        case 'ListSecretVersionIds': {
          const i = input();
          const s = findSecret(i.SecretId);
          if (!s) { error(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret."); return true; }
          const all = s.versions.filter((x) => i.IncludeDeprecated === true || x.stages.length > 0);
          const start = typeof i.NextToken === 'string' ? Number(i.NextToken) : 0;
          const size = Math.min(api.knobs.versionsPageSize, typeof i.MaxResults === 'number' ? i.MaxResults : 100);
          const page = all.slice(start, start + size);
          json({ ARN: s.arn, Name: s.name, Versions: page.map((x) => ({ VersionId: x.id, VersionStages: x.stages, CreatedDate: epoch(x.createdDate) })), ...(start + size < all.length ? { NextToken: String(start + size) } : {}) });
          return true;
        }
        case 'GetSecretValue': {
          const i = input();
          const s = findSecret(i.SecretId);
          const ver = s?.versions.find((x) => (i.VersionId ? x.id === i.VersionId : x.stages.includes(typeof i.VersionStage === 'string' ? i.VersionStage : 'AWSCURRENT')));
          if (!s || !ver || ver.value === undefined) { error(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label: " + String(i.VersionStage ?? 'AWSCURRENT')); return true; }
          json({ ARN: s.arn, Name: s.name, VersionId: ver.id, SecretString: ver.value, VersionStages: ver.stages, CreatedDate: epoch(ver.createdDate) });
          return true;
        }
        case 'FilterLogEvents': {
          const i = input();
          const group = (i.logGroupName ?? i.logGroupIdentifier) as string;
          if (api.knobs.deniedLogGroups.includes(group)) {
            jsonError(400, 'AccessDeniedException', `User: ${CALLER_ARN} is not authorized to perform: logs:FilterLogEvents on resource: arn:aws:logs:${region}:${DEFAULT_ACCOUNT_ID}:log-group:${group}:log-stream: because no identity-based policy allows the logs:FilterLogEvents action`);
            return true;
          }
          const events = logs.get(`${region}\0${group}`);
          if (!events) { error(400, 'ResourceNotFoundException', 'The specified log group does not exist.'); return true; }
          const pattern = typeof i.filterPattern === 'string' ? i.filterPattern : '';
          if (!i.nextToken) api.filterPatterns.push(pattern);
          const startTime = typeof i.startTime === 'number' ? i.startTime : 0;
          const endTime = typeof i.endTime === 'number' ? i.endTime : Infinity;
          const token = typeof i.nextToken === 'string' ? i.nextToken : `q:${randomUUID()}:0`;
          const [, qid, offText] = token.split(':');
          const served = emptyServed.get(qid!) ?? 0;
          if (served < api.knobs.emptyLogPages) {
            emptyServed.set(qid!, served + 1);
            json({ events: [], searchedLogStreams: [], nextToken: token });
            return true;
          }
          const matching = events.filter((e) => e.timestamp >= startTime && e.timestamp <= endTime && matchesFilterPattern(pattern, e.message));
          const offset = Number(offText);
          const size = Math.min(api.knobs.logsPageSize, typeof i.limit === 'number' ? i.limit : 10_000);
          const page = matching.slice(offset, offset + size);
          json({
            events: page.map((e, k) => ({ logStreamName: e.logStreamName ?? '2024/01/01/[$LATEST]0', timestamp: e.timestamp, message: e.message, ingestionTime: e.timestamp + 200, eventId: `${e.timestamp}${offset + k}` })),
            searchedLogStreams: [],
            ...(offset + size < matching.length ? { nextToken: `q:${qid}:${offset + size}` } : {}),
          });
          return true;
        }
        case 'GetFunctionConfiguration':
        case 'GetPolicy': {
          const raw = decodeURIComponent(/^\/2015-03-31\/functions\/([^/]+)\//.exec(r.rawPath)![1]!);
          const name = raw.startsWith('arn:') ? raw.split(':')[6]! : raw;
          const f = functions.get(`${region}\0${name}`);
          if (!f) { error(404, 'ResourceNotFoundException', `Function not found: arn:aws:lambda:${region}:${DEFAULT_ACCOUNT_ID}:function:${name}`); return true; }
          if (op === 'GetPolicy') {
            if (!f.policy) { error(404, 'ResourceNotFoundException', 'The resource you requested does not exist.'); return true; }
            json({ Policy: JSON.stringify(f.policy), RevisionId: createHash('sha256').update(JSON.stringify(f.policy)).digest('hex').slice(0, 36) });
            return true;
          }
          json({
            FunctionName: f.name, FunctionArn: f.arn, Runtime: f.runtime ?? 'python3.9', Role: `arn:aws:iam::${DEFAULT_ACCOUNT_ID}:role/${f.name}-role`,
            Handler: f.handler ?? 'lambda_function.lambda_handler', Timeout: f.timeout ?? 30, MemorySize: 128, LastModified: '2024-01-01T00:00:00.000+0000',
            VpcConfig: { SubnetIds: f.vpc?.subnetIds ?? [], SecurityGroupIds: f.vpc?.securityGroupIds ?? [], VpcId: f.vpcId ?? '' },
            Environment: { Variables: { SECRETS_MANAGER_ENDPOINT: `https://secretsmanager.${region}.amazonaws.com` } },
            Architectures: f.architectures ?? ['x86_64'], PackageType: f.packageType ?? 'Zip', State: 'Active', LastUpdateStatus: 'Successful',
            LoggingConfig: { LogFormat: f.logFormat ?? 'Text', LogGroup: f.logGroup ?? `/aws/lambda/${f.name}` },
          });
          return true;
        }
        default:
          return rds(op, new URLSearchParams(r.body.toString('utf8')), region, send, rdsError, requestId);
      }
    });
    return api;
  })();

  function rds(op: string, q: URLSearchParams, region: string, send: (s: number, t: string, b: string) => void, rdsError: (s: number, c: string, m: string) => void, requestId: string): boolean {
    const marker = Number(q.get('Marker') ?? '0');
    const size = Math.min(api.knobs.rdsPageSize, Number(q.get('MaxRecords') ?? '100'));
    const wrap = (inner: string, total: number) =>
      send(200, 'text/xml', `<${op}Response xmlns="${RDS_XMLNS}"><${op}Result>${inner}${marker + size < total ? `<Marker>${marker + size}</Marker>` : ''}</${op}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op}Response>`);
    const filter = (name: string) => {
      for (let k = 1; q.has(`Filters.Filter.${k}.Name`); k++) if (q.get(`Filters.Filter.${k}.Name`) === name) return q.get(`Filters.Filter.${k}.Values.Value.1`);
      return null;
    };
    if (op === 'DescribeDBInstances') {
      const id = q.get('DBInstanceIdentifier');
      const cluster = filter('db-cluster-id');
      const all = instances.filter((d) => d.region === region && (!id || d.identifier === id) && (!cluster || d.clusterIdentifier === cluster));
      if (id && all.length === 0) { rdsError(404, 'DBInstanceNotFound', `DBInstance ${id} not found.`); return true; }
      const page = all.slice(marker, marker + size);
      wrap(`<DBInstances>${page.map((d) => `<DBInstance><DBInstanceIdentifier>${xml(d.identifier)}</DBInstanceIdentifier><Engine>${d.engine}</Engine><EngineVersion>${d.engineVersion}</EngineVersion><DBInstanceStatus>available</DBInstanceStatus><Endpoint><Address>${xml(d.address)}</Address><Port>${d.port ?? 5432}</Port></Endpoint><VpcSecurityGroups>${(d.securityGroups ?? []).map((g) => `<VpcSecurityGroupMembership><VpcSecurityGroupId>${g}</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership>`).join('')}</VpcSecurityGroups><DBParameterGroups><DBParameterGroup><DBParameterGroupName>${xml(d.parameterGroup)}</DBParameterGroupName><ParameterApplyStatus>in-sync</ParameterApplyStatus></DBParameterGroup></DBParameterGroups><DBSubnetGroup><VpcId>${d.vpcId ?? ''}</VpcId><Subnets>${(d.subnetIds ?? []).map((x) => `<Subnet><SubnetIdentifier>${xml(x)}</SubnetIdentifier><SubnetStatus>Active</SubnetStatus></Subnet>`).join('')}</Subnets></DBSubnetGroup><PubliclyAccessible>false</PubliclyAccessible>${d.clusterIdentifier ? `<DBClusterIdentifier>${d.clusterIdentifier}</DBClusterIdentifier>` : ''}<DBInstanceArn>arn:aws:rds:${region}:${DEFAULT_ACCOUNT_ID}:db:${d.identifier}</DBInstanceArn></DBInstance>`).join('')}</DBInstances>`, all.length);
      return true;
    }
    if (op === 'DescribeDBClusters') {
      const id = q.get('DBClusterIdentifier');
      const all = clusters.filter((d) => d.region === region && (!id || d.identifier === id));
      if (id && all.length === 0) { rdsError(404, 'DBClusterNotFoundFault', `DBCluster ${id} not found.`); return true; }
      const page = all.slice(marker, marker + size);
      wrap(`<DBClusters>${page.map((d) => `<DBCluster><DBClusterIdentifier>${xml(d.identifier)}</DBClusterIdentifier><Engine>${d.engine}</Engine><EngineVersion>${d.engineVersion}</EngineVersion><Status>available</Status><Endpoint>${xml(d.endpoint)}</Endpoint><ReaderEndpoint>${xml(d.readerEndpoint ?? '')}</ReaderEndpoint><Port>${d.port ?? 5432}</Port><DBClusterParameterGroup>${xml(d.parameterGroup)}</DBClusterParameterGroup><DBClusterArn>arn:aws:rds:${region}:${DEFAULT_ACCOUNT_ID}:cluster:${d.identifier}</DBClusterArn></DBCluster>`).join('')}</DBClusters>`, all.length);
      return true;
    }
    const cluster = op === 'DescribeDBClusterParameters';
    const name = q.get(cluster ? 'DBClusterParameterGroupName' : 'DBParameterGroupName') ?? '';
    if (api.knobs.deniedParameterGroups.includes(name)) {
      rdsError(403, 'AccessDenied', `User: ${CALLER_ARN} is not authorized to perform: rds:${op} on resource: arn:aws:rds:${region}:${DEFAULT_ACCOUNT_ID}:pg:${name} because no identity-based policy allows the rds:${op} action`);
      return true;
    }
    const g = groups.get(`${region}\0${cluster ? 'c' : 'i'}\0${name}`);
    if (!g) { rdsError(404, 'DBParameterGroupNotFound', `${cluster ? 'DBClusterParameterGroup' : 'DBParameterGroup'} not found: ${name}`); return true; }
    const source = q.get('Source');
    const all = g.parameters.filter((p) => !source || p.source === source);
    const page = all.slice(marker, marker + size);
    wrap(`<Parameters>${page.map((p) => `<Parameter><ParameterName>${xml(p.name)}</ParameterName>${p.value !== undefined ? `<ParameterValue>${xml(p.value)}</ParameterValue>` : ''}<Source>${p.source}</Source><ApplyType>dynamic</ApplyType><DataType>string</DataType><IsModifiable>true</IsModifiable><ApplyMethod>pending-reboot</ApplyMethod></Parameter>`).join('')}</Parameters>`, all.length);
    return true;
  }
}
