import { readFileSync } from 'node:fs';
import { InspectError, describeError } from '../errors.js';

/**
 * Which accounts a command reads and how: the role to assume in each, taken
 * from --role-name with --accounts / --accounts-file / --organization, or one
 * --role-arn. Any command that reads accounts (scan, diagnose --all) takes an
 * AccountsRequest, resolves it with planAccounts() and reads each planned
 * account through AccountCredentials.
 */
export interface AccountsRequest {
  roleName?: string | undefined;
  roleArn?: string | undefined;
  /** --accounts and --accounts-file ids, in the order given. */
  accounts?: readonly string[] | undefined;
  organization?: boolean | undefined;
  externalId?: string | undefined;
  roleSessionName?: string | undefined;
}

/** The default role session name: CloudTrail shows who asked. */
export const DEFAULT_ROLE_SESSION_NAME = 'rotation-inspector';

/** How an account is read: through the assumed role, or (the caller's own account without the role) the base credentials. */
export type CredentialSource = 'role' | 'base';

/** An account of the run. */
export interface PlannedAccount {
  id: string;
  /** From Organizations. */
  name?: string;
  /** The role to assume; the base credentials read the account when the role cannot be assumed and the account is the caller's own. */
  roleArn: string;
  /** Organizations' state (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED); absent for --accounts. */
  state?: string;
  /** Not assumed: the account is suspended or closing. */
  skipped?: boolean;
  /** The organization's management account. */
  management?: boolean;
}

export interface AccountPlan {
  accounts: PlannedAccount[];
  partition: string;
  /** The account of the base credentials (STS GetCallerIdentity). */
  callerAccount: string;
  /** The management account, when the accounts came from Organizations. */
  managementAccount?: string;
}

export const ACCOUNT_ID = /^\d{12}$/;
export const ROLE_ARN = /^arn:(aws[\w-]*):iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
const ROLE_NAME = /^[\w+=,.@/-]{1,576}$/;

/** The partition of a region: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, … */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  const iso = /^[a-z]{2}-iso([a-z]?)-/.exec(region);
  if (iso) return iso[1] ? `aws-iso-${iso[1]}` : 'aws-iso';
  return 'aws';
}

export function roleArnFor(partition: string, accountId: string, roleName: string): string {
  const path = roleName.includes('/') ? roleName.replace(/^\/+/, '') : roleName;
  return `arn:${partition}:iam::${accountId}:role/${path}`;
}

/**
 * Account ids from --accounts (commas) or an accounts file (one a line;
 * `#` starts a comment; blank lines skipped). A bad id is a usage error naming
 * where it came from; repeats are dropped.
 */
export function parseAccountIds(text: string, source: string): string[] {
  const ids: string[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    for (const raw of line.replace(/#.*$/, '').split(',')) {
      const id = raw.trim();
      if (!id) continue;
      if (!ACCOUNT_ID.test(id)) {
        const where = lines.length > 1 ? `${source} line ${i + 1}` : source;
        throw new InspectError('usage', `${where}: "${id.slice(0, 40)}" is not an AWS account id (12 digits)`);
      }
      if (!ids.includes(id)) ids.push(id);
    }
  });
  return ids;
}

export function readAccountsFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InspectError('usage', `--accounts-file: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? describeError(e)})`);
  }
  const ids = parseAccountIds(text, path);
  if (ids.length === 0) throw new InspectError('usage', `--accounts-file: ${path} names no account`);
  return ids;
}

/** Checks the combination of account options; returns whether any was given. */
export function checkAccountsRequest(r: AccountsRequest): boolean {
  const usage = (m: string) => new InspectError('usage', m);
  const chosen = [r.accounts !== undefined, r.organization === true, r.roleArn !== undefined].filter(Boolean).length;
  const any = chosen > 0 || r.roleName !== undefined || r.externalId !== undefined || r.roleSessionName !== undefined;
  if (!any) return false;
  if (chosen === 0) throw usage('--role-name needs the accounts to read: --accounts, --accounts-file or --organization (or give one --role-arn)');
  if (chosen > 1) throw usage('choose one of --accounts/--accounts-file, --organization and --role-arn');
  if (r.roleArn !== undefined) {
    if (r.roleName !== undefined) throw usage('--role-arn names the role already; drop --role-name');
    if (!ROLE_ARN.test(r.roleArn)) throw usage(`--role-arn: "${r.roleArn.slice(0, 120)}" is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)`);
  } else if (r.roleName === undefined) {
    throw usage(`${r.organization ? '--organization' : '--accounts'} needs --role-name NAME: the role to assume in each account`);
  } else if (!ROLE_NAME.test(r.roleName)) {
    throw usage(`--role-name: "${r.roleName.slice(0, 80)}" is not an IAM role name`);
  }
  if (r.roleSessionName !== undefined && !/^[\w+=,.@-]{2,64}$/.test(r.roleSessionName)) {
    throw usage(`--role-session-name: "${r.roleSessionName.slice(0, 80)}" is not a session name (2-64 of letters, digits and +=,.@_-)`);
  }
  if (r.externalId !== undefined && !/^[\w+=,.@:/-]{2,1224}$/.test(r.externalId)) {
    throw usage('--external-id: not an external id (2-1224 of letters, digits and +=,.@:/-)');
  }
  return true;
}
