// Fleet builder: N rotation functions sharing a few caller-supplied code zips, with the
// CloudFormation stacks and Secrets Manager secrets that point at them. Generic: it never
// invents code bytes.
import {
  DEFAULT_ACCOUNT_ID,
  startStandin,
  type Standin,
  type StandinFunction,
  type StandinLayer,
  type StandinSecret,
  type StandinStack,
  type StartStandinOptions,
} from './server.js';

export interface FleetOptions {
  /** number of functions */
  count: number;
  /** zip bytes; function i uses codes[i % codes.length] (unless it is an Image function) */
  codes: Buffer[];
  /** round-robin; default ['us-east-1'] */
  regions?: string[];
  accountId?: string;
  /** function i is named `${namePrefix}-${i}` (zero-padded); default 'rotation' */
  namePrefix?: string;
  /** default 'python3.9'; a function gets the runtime for its index */
  runtime?: string | ((i: number) => string);
  architectures?: (i: number) => ('x86_64' | 'arm64')[];
  /** layers to register; function i gets layers[i % layers.length] when layerEvery > 0 and i % layerEvery === 0 */
  layers?: StandinLayer[];
  layerEvery?: number;
  /** every k-th function belongs to a CloudFormation stack (tags aws:cloudformation:*); default 1, 0 = none */
  stackEvery?: number;
  /** of those stacks, every k-th is deleted (function orphaned); default 0 = none */
  deletedStackEvery?: number;
  /** rotation-enabled secrets per function; default 1 */
  secretsPerFunction?: number;
  /** additional secrets per region with rotation disabled; default 0 */
  unrotatedSecretsPerRegion?: number;
  /** every k-th function is an Image package (no zip); default 0 = none */
  imageEvery?: number;
  /** put every k-th function in a VPC; default 0 = none */
  vpcEvery?: number;
  /** ISO base time: stack i created base + i hours, secrets rotated base + i hours + k minutes; default 2021-01-01T00:00:00Z */
  baseTime?: string;
  /** extra tags for function i (merged over the CloudFormation tags) */
  tags?: (i: number) => Record<string, string> | undefined;
}

export interface FleetFunctionInfo {
  fn: StandinFunction;
  arn: string;
  /** index into codes, or -1 for Image functions */
  codeIndex: number;
  stack?: StandinStack;
  secrets: StandinSecret[];
}

export interface Fleet {
  functions: StandinFunction[];
  layers: StandinLayer[];
  stacks: StandinStack[];
  secrets: StandinSecret[];
  info: FleetFunctionInfo[];
  regions: string[];
  /** bytes of all distinct code zips referenced by Zip functions */
  uniqueCodeBytes: number;
}

export function functionArn(f: StandinFunction): string {
  return `arn:aws:lambda:${f.region ?? 'us-east-1'}:${f.accountId ?? DEFAULT_ACCOUNT_ID}:function:${f.name}`;
}

export function makeFleet(o: FleetOptions): Fleet {
  if (o.codes.length === 0) throw new Error('makeFleet: at least one code zip is required');
  const regions = o.regions && o.regions.length > 0 ? o.regions : ['us-east-1'];
  const accountId = o.accountId ?? DEFAULT_ACCOUNT_ID;
  const prefix = o.namePrefix ?? 'rotation';
  const base = Date.parse(o.baseTime ?? '2021-01-01T00:00:00Z');
  const width = String(Math.max(0, o.count - 1)).length;
  const stackEvery = o.stackEvery ?? 1;
  const layers = o.layers ?? [];
  const usedCodes = new Set<number>();
  const fleet: Fleet = { functions: [], layers: [...layers], stacks: [], secrets: [], info: [], regions, uniqueCodeBytes: 0 };

  for (let i = 0; i < o.count; i++) {
    const region = regions[i % regions.length] as string;
    const name = `${prefix}-${String(i).padStart(width, '0')}`;
    const isImage = (o.imageEvery ?? 0) > 0 && i % (o.imageEvery as number) === (o.imageEvery as number) - 1;
    const codeIndex = isImage ? -1 : i % o.codes.length;
    const fn: StandinFunction = {
      name,
      region,
      accountId,
      timeout: 30,
      lastModified: new Date(base + i * 3_600_000).toISOString(),
    };
    if (isImage) {
      fn.packageType = 'Image';
      fn.imageUri = `${accountId}.dkr.ecr.${region}.amazonaws.com/${prefix}:${i}`;
    } else {
      fn.packageType = 'Zip';
      fn.code = o.codes[codeIndex] as Buffer;
      fn.runtime = typeof o.runtime === 'function' ? o.runtime(i) : (o.runtime ?? 'python3.9');
      fn.handler = 'lambda_function.lambda_handler';
      usedCodes.add(codeIndex);
    }
    const arch = o.architectures?.(i);
    if (arch) fn.architectures = arch;
    if ((o.layerEvery ?? 0) > 0 && layers.length > 0 && i % (o.layerEvery as number) === 0) {
      const l = layers[i % layers.length] as StandinLayer;
      fn.layers = [l.arn];
    }
    if ((o.vpcEvery ?? 0) > 0 && i % (o.vpcEvery as number) === 0) {
      fn.vpc = { subnetIds: [`subnet-${String(i).padStart(8, '0')}`], securityGroupIds: [`sg-${String(i).padStart(8, '0')}`] };
    }
    const tags: Record<string, string> = {};
    let stack: StandinStack | undefined;
    if (stackEvery > 0 && i % stackEvery === 0) {
      const stackIndex = i / stackEvery;
      const deleted = (o.deletedStackEvery ?? 0) > 0 && stackIndex % (o.deletedStackEvery as number) === (o.deletedStackEvery as number) - 1;
      const stackName = `${prefix}-stack-${String(i).padStart(width, '0')}`;
      const uuid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      stack = {
        name: stackName,
        region,
        stackId: `arn:aws:cloudformation:${region}:${accountId}:stack/${stackName}/${uuid}`,
        creationTime: new Date(base + i * 3_600_000).toISOString(),
        tags: { Purpose: 'rotation' },
      };
      if (deleted) stack.deleted = true;
      fleet.stacks.push(stack);
      tags['aws:cloudformation:stack-name'] = stackName;
      tags['aws:cloudformation:stack-id'] = stack.stackId as string;
      tags['aws:cloudformation:logical-id'] = 'RotationFunction';
      tags['lambda:createdBy'] = 'SAM';
    }
    Object.assign(tags, o.tags?.(i) ?? {});
    if (Object.keys(tags).length > 0) fn.tags = tags;
    fleet.functions.push(fn);

    const arn = functionArn(fn);
    const secrets: StandinSecret[] = [];
    for (let k = 0; k < (o.secretsPerFunction ?? 1); k++) {
      const s: StandinSecret = {
        name: `${prefix}/db-${String(i).padStart(width, '0')}/user-${k}`,
        region,
        rotationEnabled: true,
        rotationLambdaARN: arn,
        lastRotatedDate: new Date(base + i * 3_600_000 + k * 60_000).toISOString(),
      };
      secrets.push(s);
      fleet.secrets.push(s);
    }
    const info: FleetFunctionInfo = { fn, arn, codeIndex, secrets };
    if (stack) info.stack = stack;
    fleet.info.push(info);
  }
  for (const region of regions) {
    for (let k = 0; k < (o.unrotatedSecretsPerRegion ?? 0); k++) {
      fleet.secrets.push({ name: `${prefix}/unrotated-${k}`, region, rotationEnabled: false });
    }
  }
  for (const c of usedCodes) fleet.uniqueCodeBytes += (o.codes[c] as Buffer).length;
  return fleet;
}

/** Register a fleet on a running stand-in. */
export function applyFleet(standin: Standin, fleet: Fleet): void {
  for (const l of fleet.layers) standin.addLayer(l);
  for (const f of fleet.functions) standin.addFunction(f);
  for (const s of fleet.stacks) standin.addStack(s);
  for (const s of fleet.secrets) standin.addSecret(s);
}

/** makeFleet + startStandin in one go. */
export async function startFleet(o: FleetOptions, standinOpts: Omit<StartStandinOptions, 'functions' | 'layers' | 'stacks' | 'secrets'> = {}): Promise<{ standin: Standin; fleet: Fleet }> {
  const fleet = makeFleet(o);
  const standin = await startStandin({ ...standinOpts, functions: fleet.functions, layers: fleet.layers, stacks: fleet.stacks, secrets: fleet.secrets });
  return { standin, fleet };
}
