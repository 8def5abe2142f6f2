import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { openLocalBundle } from '../../src/bundle/openBundle.js';
import { DEFAULT_CREDENTIALS, startStandin, type Standin, type StartStandinOptions } from '../standin/server.js';
import { buildZip, type ZipEntry } from '../standin/zip.js';
import { SAMPLE_10, SAMPLE_94 } from './fixtures.js';

// Nothing in a test may probe the instance-metadata address or leave loopback.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export const SAMPLE_94_ZIP = readFileSync(SAMPLE_94);
export const SAMPLE_10_ZIP = readFileSync(SAMPLE_10);

/** The entries of a sample bundle, to re-pack with other content. */
export async function sampleEntries(path: string): Promise<ZipEntry[]> {
  const bundle = await openLocalBundle(path);
  const out: ZipEntry[] = [];
  for (const e of bundle.entries) if (e.type === 'file') out.push({ name: e.path, data: await bundle.read(e, 1 << 24) });
  await bundle.close();
  return out;
}

/** A bundle of about `megabytes` MB: the sample's files plus incompressible vendored packages. */
export async function largeBundle(samplePath: string, megabytes: number): Promise<Buffer> {
  const entries = await sampleEntries(samplePath);
  const filler: ZipEntry[] = [];
  for (let i = 0; i < megabytes; i++) filler.push({ name: `vendor/package${i}/data.bin`, data: randomBytes(1024 * 1024), compress: false });
  // vendored files before and after, as real bundles have them
  return buildZip([...filler.slice(0, megabytes >> 1), ...entries, ...filler.slice(megabytes >> 1)]);
}

/** In-process SDK clients sign with the stand-in's test credentials and read no profile files. */
export function useTestCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = DEFAULT_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = DEFAULT_CREDENTIALS.secretAccessKey;
  process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';
}

/** Environment for the CLI to reach the stand-in with its test credentials. */
export function cliEnv(standin: Standin, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: DEFAULT_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DEFAULT_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: standin.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    ...extra,
  };
}

export const ACCOUNT = '123456789012';
export const fnArn = (name: string, region = 'us-east-1') => `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`;
export const layerArn = (name: string, version: number, region = 'us-east-1') => `arn:aws:lambda:${region}:${ACCOUNT}:layer:${name}:${version}`;

export { startStandin, DEFAULT_CREDENTIALS, type Standin, type StartStandinOptions };
