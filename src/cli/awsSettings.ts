import { homedir } from 'node:os';
import { InspectError } from '../errors.js';

/**
 * AWS region names: two letters, an optional partition word (gov, iso, isob,
 * isoe, isof), a direction, a number: us-east-1, us-gov-west-1, cn-northwest-1,
 * us-isob-east-1. An availability zone (eu-west-1a) is not a region.
 */
const REGION = /^[a-z]{2}(?:-(?:gov|iso[a-z]?))?-[a-z]+-\d{1,2}$/;

export function checkRegion(value: string, from: string): string {
  if (REGION.test(value)) return value;
  const zone = /^([a-z]{2}(?:-(?:gov|iso[a-z]?))?-[a-z]+-\d{1,2})[a-z]$/.exec(value);
  const hint = zone ? ` (an availability zone; the region is ${zone[1]})` : ' (a region looks like eu-west-1 or us-east-1)';
  throw new InspectError('usage', `${from}: "${value}" is not an AWS region${hint}`);
}

const CONFIG_DEFAULT = '~/.aws/config';
const CREDENTIALS_DEFAULT = '~/.aws/credentials';

/**
 * AWS_REGION (else AWS_DEFAULT_REGION) must be a region, as --region must.
 * A named profile that neither shared file defines is a usage error before
 * any AWS call: `profile audit is not defined in ~/.aws/config or
 * ~/.aws/credentials`. The files are read with the SDK's own loader (same
 * section rules, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE honoured),
 * loaded only when a command is about to talk to AWS. The default profile may
 * be absent (the credential chain has other sources); so may AWS_PROFILE's when
 * access keys are in the environment, which the chain reads first.
 */
export async function checkAwsSettings(settings: { profile: string | undefined; region: string | undefined }, env: NodeJS.ProcessEnv): Promise<void> {
  // --region was checked with the other options; the environment's region is checked when AWS is about to be called.
  if (settings.region === undefined) {
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION'] as const) {
      const value = env[name];
      if (value) { checkRegion(value, name); break; }
    }
  }
  const fromFlag = settings.profile !== undefined && settings.profile !== '';
  const name = fromFlag ? settings.profile! : env.AWS_PROFILE;
  if (!name || name === 'default') return;
  if (!fromFlag && env.AWS_ACCESS_KEY_ID) return;
  const configFile = env.AWS_CONFIG_FILE || CONFIG_DEFAULT;
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || CREDENTIALS_DEFAULT;
  const { loadSharedConfigFiles } = await import('@smithy/core/config');
  const files = await loadSharedConfigFiles({ configFilepath: configFile, filepath: credentialsFile, ignoreCache: true });
  if (Object.hasOwn(files.configFile, name) || Object.hasOwn(files.credentialsFile, name)) return;
  const home = homedir();
  const shown = (p: string) => (home && p.startsWith(`${home}/`) ? `~/${p.slice(home.length + 1)}` : p);
  throw new InspectError('usage', `profile ${name}${fromFlag ? '' : ' (from AWS_PROFILE)'} is not defined in ${shown(configFile)} or ${shown(credentialsFile)}`);
}
