import { checkAccountsRequest, parseAccountIds, readAccountsFile, type AccountsRequest } from '../aws/accountsRequest.js';
import { InspectError } from '../errors.js';
import { checkRegion } from './awsSettings.js';
import { FAIL_ON_LEVELS, type FailOn } from './exitCodes.js';

/** Functions in flight during a scan: measured in test/bench/scan.ts (40 ms latency, 60 functions). */
export const DEFAULT_CONCURRENCY = 24;
/**
 * Tasks in flight when a scan reads many accounts: each account adds its own AssumeRole and listings, so more
 * overlap pays, while --account-concurrency (8) keeps each account's own API rate where a one-account scan puts
 * it. Measured in test/bench/organization.ts (200 accounts × 2 regions, 40 ms latency): 24 → 8.8x the
 * one-at-a-time bound, 64 → 9.3x, 128 → 13.1x.
 */
export const DEFAULT_ACCOUNTS_CONCURRENCY = 128;

export type Format = 'table' | 'json' | 'ndjson' | 'csv' | 'sarif' | 'markdown';
export const FORMATS: readonly Format[] = ['table', 'json', 'ndjson', 'csv', 'sarif', 'markdown'];
const INSPECT_FORMATS: readonly Format[] = ['table', 'json', 'ndjson'];

/**
 * One command-line option. Options without `value` are flags. Commands list
 * the options they take (COMMANDS below); the parser, the help text and the
 * did-you-mean suggestions all read this one table.
 */
export interface OptionSpec {
  /** Long name, without the leading "--". */
  name: string;
  /** One letter, without the leading "-". */
  short?: string;
  /** Placeholder of the value in help (`--format FORMAT`); absent for flags. */
  value?: string;
  /** May be given more than once (every value is kept). */
  multiple?: boolean;
  help: string;
}

const opt = {
  format: (formats: readonly Format[]): OptionSpec => ({ name: 'format', value: formats.join('|'), help: 'report format (default table)' }),
  failOn: { name: 'fail-on', value: FAIL_ON_LEVELS.join('|'), help: 'exit 1 when a check is at or above this status (default warn)' },
  output: { name: 'output', short: 'o', value: 'FILE', help: 'write the report to FILE (- is stdout); the terminal keeps progress and the summary line' },
  quiet: { name: 'quiet', short: 'q', help: 'no progress and no summary line on stderr (errors still show)' },
  region: (multiple: boolean): OptionSpec => ({ name: 'region', value: 'R', multiple, help: multiple ? 'a region to list secrets in (repeatable; default as the AWS CLI)' : 'AWS region (default as the AWS CLI)' }),
  profile: { name: 'profile', value: 'P', help: 'named profile from ~/.aws/config or ~/.aws/credentials' },
  endpointUrl: { name: 'endpoint-url', value: 'URL', help: 'http(s) endpoint for every AWS service (a VPC endpoint, an emulator)' },
  maxEntryBytes: { name: 'max-entry-bytes', value: 'N', help: 'cap on what one zip entry may inflate to (default 64 MiB)' },
  concurrency: (what: string, overAccounts?: number): OptionSpec => ({
    name: 'concurrency', value: 'N', help: `${what} at once (default ${DEFAULT_CONCURRENCY}${overAccounts ? `; ${overAccounts} over many accounts` : ''})`,
  }),
  cacheDir: { name: 'cache-dir', value: 'DIR', help: 'on-disk cache of findings by code SHA-256' },
  noCache: { name: 'no-cache', help: 'do not read or write the cache' },
  maxBundleBytes: { name: 'max-bundle-bytes', value: 'N', help: 'cap on what all entries read from one bundle inflate to together (default 256 MiB)' },
  timeout: { name: 'timeout', value: 'S', help: 'give up an AWS call or a bundle download after S seconds, retries included (default 60)' },
  idleTimeout: { name: 'idle-timeout', value: 'S', help: 'give up a connection that sends nothing for S seconds (default 15)' },
  ignoreFile: { name: 'ignore-file', value: 'FILE', help: 'accepted findings (YAML or JSON): shown as ignored, not counted by --fail-on' },
  debug: { name: 'debug', help: 'stack traces and progress detail on stderr' },
  help: { name: 'help', short: 'h', help: 'this help' },
} satisfies Record<string, OptionSpec | ((...a: never[]) => OptionSpec)>;

/** Options of a command that reads many accounts (scan; diagnose --all takes the same table and parseAccountsRequest). */
export const ACCOUNT_OPTIONS: readonly OptionSpec[] = [
  { name: 'role-name', value: 'NAME', help: 'role to assume in each account of --accounts, --accounts-file or --organization' },
  { name: 'accounts', value: 'IDS', help: 'account ids, comma-separated' },
  { name: 'accounts-file', value: 'FILE', help: 'account ids, one a line (# starts a comment)' },
  { name: 'organization', help: 'every account of the organization (Organizations ListAccounts; suspended accounts are skipped)' },
  { name: 'role-arn', value: 'ARN', help: 'one other account: the role to assume there' },
  { name: 'external-id', value: 'ID', help: 'the external id the roles require' },
  { name: 'role-session-name', value: 'NAME', help: 'the assumed-role session name (default rotation-inspector)' },
  { name: 'account-concurrency', value: 'N', help: 'tasks of one account at once (default 8)' },
];

/** The account selection of a command line, checked; undefined when no account option is given. */
export function parseAccountsRequest(one: (name: string) => string | undefined, flag: (name: string) => boolean): AccountsRequest | undefined {
  const list = one('accounts');
  const file = one('accounts-file');
  if (list !== undefined && file !== undefined) throw usage('choose one of --accounts and --accounts-file');
  const request: AccountsRequest = {
    roleName: one('role-name'), roleArn: one('role-arn'), externalId: one('external-id'), roleSessionName: one('role-session-name'),
    organization: flag('organization'),
    accounts: list !== undefined ? parseAccountIds(list, '--accounts') : file !== undefined ? readAccountsFile(file) : undefined,
  };
  if (list !== undefined && request.accounts!.length === 0) throw usage('--accounts: no account id given');
  return checkAccountsRequest(request) ? request : undefined;
}

export type CommandName = 'inspect' | 'scan' | 'diagnose' | 'merge';

export interface CommandSpec {
  name: CommandName;
  synopsis: string;
  summary: string;
  options: readonly OptionSpec[];
  examples: readonly string[];
}

export const COMMANDS: Record<CommandName, CommandSpec> = {
  inspect: {
    name: 'inspect',
    synopsis: 'rotation-inspector inspect <target>... [options]',
    summary: 'Inspect bundles (.zip), directories, libpq ELF files or Lambda functions (name, ARN, :qualifier).',
    options: [
      opt.format(INSPECT_FORMATS), opt.failOn, opt.output, opt.quiet,
      { name: 'created', value: 'YYYY-MM-DD', help: 'when the function was set up (offline targets; overrides CloudFormation live)' },
      { name: 'function', help: 'read every target as a Lambda function name, even if a file of that name exists' },
      opt.region(false), opt.profile, opt.endpointUrl, opt.maxEntryBytes, opt.maxBundleBytes, opt.timeout, opt.idleTimeout, opt.ignoreFile, opt.debug, opt.help,
    ],
    examples: [
      'rotation-inspector inspect ./SecretsManagerRDSPostgreSQLRotationSingleUser.zip --created 2021-06-01',
      'rotation-inspector inspect my-rotation-fn --profile audit --region eu-west-1 --format json -o report.json',
    ],
  },
  scan: {
    name: 'scan',
    synopsis: 'rotation-inspector scan [options]',
    summary: 'Find every rotation function of an account through its secrets; inspect each once.',
    options: [
      opt.format(FORMATS), opt.failOn, opt.output, opt.quiet,
      opt.region(true),
      { name: 'all-regions', help: 'every commercial region (those not enabled are named and skipped)' },
      opt.profile, opt.endpointUrl,
      opt.concurrency('functions inspected', DEFAULT_ACCOUNTS_CONCURRENCY), opt.cacheDir, opt.noCache,
      ...ACCOUNT_OPTIONS,
      { name: 'output-dir', value: 'DIR', help: 'one report file per account in DIR (in --format) plus summary.json' },
      opt.maxEntryBytes, opt.maxBundleBytes, opt.timeout, opt.idleTimeout, opt.ignoreFile, opt.debug, opt.help,
    ],
    examples: [
      'rotation-inspector scan --organization --role-name RotationAudit --all-regions --format markdown -o rotation-audit.md',
      'rotation-inspector scan --region eu-west-1 --fail-on fail --format sarif -o rotation.sarif',
    ],
  },
  diagnose: {
    name: 'diagnose',
    synopsis: 'rotation-inspector diagnose <secret>... | --all [options]',
    summary: 'Name why a secret\'s rotation fails: logs, rotation state, timeout, invoke permission, database settings (read-only).',
    options: [
      opt.format(FORMATS), opt.failOn, opt.output, opt.quiet,
      { name: 'all', help: 'every secret of the account that names a rotation function (regions as in scan)' },
      opt.region(true),
      { name: 'all-regions', help: 'with --all: every commercial region (those not enabled are named and skipped)' },
      { name: 'since', value: '14d|YYYY-MM-DD', help: 'start of the log window (default 14d)' },
      { name: 'read-secret-keys', help: 'read AWSCURRENT/AWSPENDING to keep key names and host/engine/port only (never values)' },
      { name: 'database', value: 'ID', help: 'the RDS instance or cluster identifier the secrets rotate' },
      { name: 'save-snapshot', value: 'FILE', help: 'also write everything read (no secret values, no credentials) to FILE as JSON' },
      { name: 'from-snapshot', value: 'FILE', help: 'diagnose offline from a file written by --save-snapshot (no AWS access)' },
      opt.profile, opt.endpointUrl,
      opt.concurrency('secrets diagnosed', DEFAULT_ACCOUNTS_CONCURRENCY), opt.cacheDir, opt.noCache,
      ...ACCOUNT_OPTIONS,
      opt.maxEntryBytes, opt.maxBundleBytes, opt.timeout, opt.idleTimeout,
      opt.debug, opt.help,
    ],
    examples: [
      'rotation-inspector diagnose prod/orders/db --region eu-west-1',
      'rotation-inspector diagnose --all --since 2024-05-01 --format markdown -o rotation-diagnosis.md',
      'rotation-inspector diagnose --all --organization --role-name RotationAudit --format json -o organization-diagnosis.json',
      'rotation-inspector diagnose prod/orders/db --save-snapshot orders.snapshot.json',
      'rotation-inspector diagnose --from-snapshot orders.snapshot.json --format markdown',
    ],
  },
  merge: {
    name: 'merge',
    synopsis: 'rotation-inspector merge <file.ndjson>... [options]',
    summary: 'Merge scans written with --format ndjson (per-account runs, --accounts slices) into one report and summary.',
    options: [
      opt.format(FORMATS), opt.failOn, opt.output, opt.quiet,
      { name: 'output-dir', value: 'DIR', help: 'one report file per account in DIR (in --format) plus summary.json' },
      opt.debug, opt.help,
    ],
    examples: [
      'rotation-inspector merge runs/*.ndjson --format json -o organization.json',
      'rotation-inspector merge a.ndjson b.ndjson --format sarif -o rotation.sarif',
    ],
  },
};

const EXIT_CODES_HELP = `Exit codes:
  0    nothing at or above --fail-on
  1    some check is at or above --fail-on
  2    something could not be judged (a target, a libpq inside it, a region's listing), or bad usage
  130  interrupted with Ctrl-C (scan: what was done is reported, the rest is named)`;

const FAIL_ON_HELP = `--fail-on levels (exit 1): fail on FAIL; warn on FAIL or WARN (the default); unknown on FAIL, WARN or
UNKNOWN; never: no check exits 1 (exit 2 and 130 still apply).`;

const OPTION_COLUMN = 40;

/** One option of a command's help; names wider than the column put the help on the next line, aligned. */
function optionLine(o: OptionSpec): string {
  const names = `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.value ? ` ${o.value}` : ''}`;
  return names.length < OPTION_COLUMN
    ? `  ${names.padEnd(OPTION_COLUMN)} ${o.help}`
    : `  ${names}\n  ${' '.repeat(OPTION_COLUMN)} ${o.help}`;
}

/** Help for one command: its options and two examples. */
export function commandHelp(name: CommandName): string {
  const c = COMMANDS[name];
  return [
    `Usage: ${c.synopsis}`, '', c.summary, '', 'Options:', ...c.options.map(optionLine), '',
    'Examples:', ...c.examples.map((e) => `  ${e}`), '', FAIL_ON_HELP, '', EXIT_CODES_HELP,
  ].join('\n');
}

export const USAGE = [
  'Usage:',
  ...Object.values(COMMANDS).map((c) => `  ${c.synopsis}`),
  '  rotation-inspector --help | -h          this help; "rotation-inspector <command> --help" for a command\'s options',
  '  rotation-inspector --version | -v',
  '',
  'Commands:',
  ...Object.values(COMMANDS).map((c) => `  ${c.name.padEnd(9)} ${c.summary}`),
  '',
  'Examples:',
  '  rotation-inspector inspect samples/postgres-9.4-rotation.zip',
  '  rotation-inspector scan --region eu-west-1 --format sarif -o rotation.sarif',
  '',
  EXIT_CODES_HELP,
].join('\n');

export interface CommonOptions {
  format: Format;
  failOn: FailOn;
  debug: boolean;
  /** Report to this file instead of stdout. */
  output: string | undefined;
  quiet: boolean;
  region: string | undefined;
  profile: string | undefined;
  endpointUrl: string | undefined;
  maxEntryBytes: number | undefined;
  maxBundleBytes: number | undefined;
  /** --timeout / --idle-timeout, in ms: deadlines for each AWS call and each bundle download. */
  limits: { totalMs?: number; idleMs?: number };
  /** --ignore-file: accepted findings (see report/ignoreRules.ts). */
  ignoreFile: string | undefined;
}
export interface InspectArgs extends CommonOptions {
  command: 'inspect';
  targets: string[];
  created: string | null;
  forceFunction: boolean;
}
export interface ScanArgs extends CommonOptions {
  command: 'scan';
  regions: string[];
  allRegions: boolean;
  concurrency: number;
  cacheDir: string | undefined;
  noCache: boolean;
  /** Other accounts to read through a role (--role-name with --accounts/--organization, or --role-arn). */
  accounts: AccountsRequest | undefined;
  accountConcurrency: number | undefined;
  /** --output-dir: one file per account plus summary.json. */
  outputDir: string | undefined;
}
export interface DiagnoseArgs extends CommonOptions {
  command: 'diagnose';
  secrets: string[];
  all: boolean;
  regions: string[];
  allRegions: boolean;
  /** Start of the log window. */
  since: Date;
  readSecretKeys: boolean;
  database: string | undefined;
  /** --save-snapshot FILE */
  saveSnapshot: string | undefined;
  /** --from-snapshot FILE: no AWS access */
  fromSnapshot: string | undefined;
  concurrency: number;
  cacheDir: string | undefined;
  noCache: boolean;
  /** With --all: other accounts to read through a role, as scan takes them. */
  accounts: AccountsRequest | undefined;
  accountConcurrency: number | undefined;
}
/** `help` without a topic and `bare` is the whole usage; `bare`: no arguments at all (usage on stderr, exit 2). */
export interface MergeArgs extends CommonOptions {
  command: 'merge';
  files: string[];
  outputDir: string | undefined;
}
export type CliArgs = InspectArgs | ScanArgs | DiagnoseArgs | MergeArgs | { command: 'help'; topic?: CommandName; bare?: boolean } | { command: 'version' };

const usage = (message: string) => new InspectError('usage', message);

/** Edit distance (insertions, deletions, substitutions, adjacent swaps), for did-you-mean. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate within a third of its length (at least 1, at most 3 edits), or undefined. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const n = distance(word.toLowerCase(), c);
    const limit = Math.min(3, Math.max(1, Math.floor(c.length / 3)));
    if (n <= limit && n < bestDistance) { best = c; bestDistance = n; }
  }
  return best;
}

const didYouMean = (suggestion: string | undefined) => (suggestion ? ` (did you mean ${suggestion}?)` : '');

/** What tokenize() read: every option given (by long name) and the positionals. */
interface Tokens {
  values: Map<string, string[] | true>;
  positionals: string[];
}

/**
 * GNU-style options as people type them: `--name value`, `--name=value`,
 * `-x value`, flags, `--` before positionals that start with a dash. Every
 * mistake is one line naming the option.
 */
function tokenize(command: CommandSpec, argv: readonly string[]): Tokens {
  const byLong = new Map(command.options.map((o) => [o.name, o]));
  const byShort = new Map(command.options.filter((o) => o.short).map((o) => [o.short!, o]));
  const values = new Map<string, string[] | true>();
  const positionals: string[] = [];
  const unknown = (shown: string, name: string): InspectError => {
    const elsewhere = Object.values(COMMANDS).find((c) => c !== command && c.options.some((o) => o.name === name));
    if (elsewhere) return usage(`${command.name}: ${shown} is ${/^[aeiou]/.test(elsewhere.name) ? 'an' : 'a'} ${elsewhere.name} option`);
    const names = command.options.map((o) => `--${o.name}`);
    return usage(`${command.name}: unknown option ${shown}${didYouMean(nearest(`--${name}`, names))}`);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (arg === '-' || !arg.startsWith('-')) { positionals.push(arg); continue; }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    let shown: string;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      shown = `--${name}`;
      if (eq >= 0) inline = arg.slice(eq + 1);
      spec = byLong.get(name);
      if (!spec) throw unknown(shown, name);
    } else {
      shown = arg.slice(0, 2);
      spec = byShort.get(arg[1]!);
      if (!spec) {
        const long = command.options.find((o) => o.name === arg.slice(1));
        throw usage(`${command.name}: unknown option ${arg}${long ? ` (did you mean --${long.name}?)` : ''}`);
      }
      if (arg.length > 2) inline = arg.slice(2);
    }
    if (!spec.value) {
      if (inline !== undefined) throw usage(`${command.name}: ${shown} takes no value (got "${inline}")`);
      values.set(spec.name, true);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined) throw usage(`${command.name}: ${shown} needs a value (${spec.value})`);
      if (next.startsWith('-') && next !== '-' && !/^-\d/.test(next)) {
        throw usage(`${command.name}: ${shown} needs a value (${spec.value}) but is followed by the option ${next.split('=')[0]}`);
      }
      value = next;
      i++;
    }
    const previous = values.get(spec.name);
    if (previous !== undefined && !spec.multiple) throw usage(`${command.name}: ${shown} is given twice`);
    values.set(spec.name, [...(Array.isArray(previous) ? previous : []), value]);
  }
  return { values, positionals };
}

function outputDirOf(dir: string | undefined, output: string | undefined): string | undefined {
  if (dir === undefined) return undefined;
  if (dir === '') throw usage('--output-dir: the directory name is empty');
  if (output !== undefined) throw usage('choose one of --output and --output-dir');
  return dir;
}

function checkDate(value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(`${value}T00:00:00Z`) : null;
  if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw usage(`--created: "${value}" is not a date of the form YYYY-MM-DD`);
  }
  return value;
}

/** --since: `14d` (days back from now, 1 to 455, about 15 months) or a day `YYYY-MM-DD` in the past. */
export function checkSince(value: string, now = new Date()): Date {
  const days = /^(\d{1,3})d$/.exec(value);
  if (days) {
    const n = Number(days[1]);
    if (n < 1 || n > 455) throw usage(`--since: "${value}" is out of range (1d to 455d)`);
    return new Date(now.getTime() - n * 86_400_000);
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(`${value}T00:00:00Z`) : null;
  if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw usage(`--since: "${value}" is neither a number of days (14d) nor a date of the form YYYY-MM-DD`);
  }
  if (d.getTime() > now.getTime()) throw usage(`--since: ${value} is in the future`);
  return d;
}

function seconds(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n <= 0 || n > 86_400) throw usage(`--${name}: "${value}" is not a number of seconds (above 0, at most 86400)`);
  return Math.ceil(n * 1000);
}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) throw usage(`--${name}: "${value}" is not a positive whole number`);
  return n;
}

function checkEndpointUrl(value: string): string {
  let url: URL | undefined;
  try { url = new URL(value); } catch { url = undefined; }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw usage(`--endpoint-url: "${value}" is not an http:// or https:// URL (like https://lambda.eu-west-1.amazonaws.com or http://localhost:4566)`);
  }
  if (url.username || url.password) throw usage('--endpoint-url: the URL carries a user name or password; give credentials through a profile or the environment');
  return value;
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw usage(`--${name}: "${value}" is not one of ${allowed.join(', ')}${didYouMean(nearest(value, allowed))}`);
}

const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

/** Whether a word names a command of the table. */
export function isCommand(word: string | undefined): word is CommandName {
  return word !== undefined && Object.hasOwn(COMMANDS, word);
}

export function parseCli(argv: readonly string[]): CliArgs {
  const [command, ...rest] = argv;
  if (command === undefined) return { command: 'help', bare: true };
  if (command === '--help' || command === '-h') return { command: 'help' };
  if (command === 'help') {
    const topic = rest[0];
    if (topic === undefined) return { command: 'help' };
    if (isCommand(topic)) return { command: 'help', topic };
    throw usage(`help: unknown command "${topic}"${didYouMean(nearest(topic, COMMAND_NAMES))}`);
  }
  if (command === '--version' || command === '-V' || command === '-v') return { command: 'version' };
  if (!isCommand(command)) {
    if (command.startsWith('-')) {
      const known = Object.values(COMMANDS).some((c) => c.options.some((o) => `--${o.name}` === command.split('=')[0]));
      if (known) throw usage(`${command.split('=')[0]} goes after a command: rotation-inspector ${COMMAND_NAMES.join('|')} ${command} …`);
      throw usage(`unknown option ${command.split('=')[0]}${didYouMean(nearest(command.split('=')[0]!, ['--help', '--version']))}`);
    }
    const suggestion = nearest(command, [...COMMAND_NAMES, 'help']);
    throw usage(`unknown command "${command}"${suggestion ? ` (did you mean ${suggestion}?)` : ` (expected ${COMMAND_NAMES.slice(0, -1).join(', ')} or ${COMMAND_NAMES.at(-1)})`}`);
  }
  const spec = COMMANDS[command];
  const { values, positionals } = tokenize(spec, rest);
  const one = (name: string): string | undefined => { const v = values.get(name); return Array.isArray(v) ? v[0] : undefined; };
  const flag = (name: string): boolean => values.get(name) === true;
  if (flag('help')) return { command: 'help', topic: command };

  const formatValue = one('format');
  if (command === 'inspect' && formatValue !== undefined && FORMATS.includes(formatValue as Format) && !INSPECT_FORMATS.includes(formatValue as Format)) {
    throw usage(`inspect: --format ${formatValue} is for scan; use ${INSPECT_FORMATS.join(', ')}`);
  }
  const format = oneOf('format', formatValue, command === 'inspect' ? INSPECT_FORMATS : FORMATS, 'table');
  const regionValues = values.get('region');
  const regions = (Array.isArray(regionValues) ? regionValues : []).map((r) => checkRegion(r, '--region'));
  const endpointUrl = one('endpoint-url');
  const output = one('output');
  if (output === '') throw usage('--output: the file name is empty');
  const common: CommonOptions = {
    format,
    failOn: oneOf('fail-on', one('fail-on'), FAIL_ON_LEVELS, 'warn'),
    debug: flag('debug'), output, quiet: flag('quiet'),
    region: regions[0], profile: one('profile'), endpointUrl: endpointUrl === undefined ? undefined : checkEndpointUrl(endpointUrl),
    maxEntryBytes: positiveInt('max-entry-bytes', one('max-entry-bytes')), ignoreFile: one('ignore-file'),
    maxBundleBytes: positiveInt('max-bundle-bytes', one('max-bundle-bytes')),
    limits: {
      ...(one('timeout') !== undefined ? { totalMs: seconds('timeout', one('timeout')) } : {}),
      ...(one('idle-timeout') !== undefined ? { idleMs: seconds('idle-timeout', one('idle-timeout')) } : {}),
    },
  };
  if (command === 'merge') {
    if (positionals.length === 0) throw usage('merge: name at least one ndjson file written by scan --format ndjson');
    return { command, ...common, files: positionals, outputDir: outputDirOf(one('output-dir'), output) };
  }
  if (command === 'inspect') {
    if (positionals.length === 0) throw usage('inspect: name at least one target (a .zip, a directory, an ELF file or a function)');
    const created = one('created');
    return { command, ...common, targets: positionals, created: created === undefined ? null : checkDate(created), forceFunction: flag('function') };
  }
  if (command === 'diagnose') {
    const all = flag('all');
    const fromSnapshot = one('from-snapshot');
    const saveSnapshot = one('save-snapshot');
    if (fromSnapshot !== undefined && (positionals.length > 0 || all || saveSnapshot !== undefined)) throw usage('diagnose: --from-snapshot replays a saved run: give no secrets, --all or --save-snapshot with it');
    if (positionals.length === 0 && !all && fromSnapshot === undefined) throw usage('diagnose: name at least one secret (name or ARN), or give --all (or --from-snapshot FILE)');
    if (flag('all-regions') && !all) throw usage('diagnose: --all-regions goes with --all');
    const since = one('since');
    const database = one('database');
    if (database !== undefined && !/^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(database)) throw usage(`--database: "${database}" is not an RDS instance or cluster identifier`);
    const accounts = parseAccountsRequest(one, flag);
    if (accounts && (!all || positionals.length > 0)) throw usage('diagnose: the account options (--role-name, --accounts, --accounts-file, --organization, --role-arn) go with --all and no secret names');
    return {
      command, ...common, secrets: positionals, all, regions, allRegions: flag('all-regions'),
      since: since === undefined ? new Date(Date.now() - 14 * 86_400_000) : checkSince(since),
      readSecretKeys: flag('read-secret-keys'), database, saveSnapshot, fromSnapshot,
      concurrency: positiveInt('concurrency', one('concurrency')) ?? (accounts ? DEFAULT_ACCOUNTS_CONCURRENCY : DEFAULT_CONCURRENCY), cacheDir: one('cache-dir'), noCache: flag('no-cache'),
      accounts, accountConcurrency: positiveInt('account-concurrency', one('account-concurrency')),
    };
  }
  if (positionals.length > 0) throw usage(`scan: unexpected argument "${positionals[0]}" (scan reads the account; use inspect for single targets)`);
  const accounts = parseAccountsRequest(one, flag);
  return {
    command, ...common, regions, allRegions: flag('all-regions'),
    concurrency: positiveInt('concurrency', one('concurrency')) ?? (accounts ? DEFAULT_ACCOUNTS_CONCURRENCY : DEFAULT_CONCURRENCY), cacheDir: one('cache-dir'), noCache: flag('no-cache'),
    accounts, accountConcurrency: positiveInt('account-concurrency', one('account-concurrency')),
    outputDir: outputDirOf(one('output-dir'), output),
  };
}
