import { parseArgs } from 'node:util';
import { InspectError } from '../errors.js';

/** Functions in flight during a scan: measured in test/bench/scan.ts (40 ms latency, 60 functions). */
export const DEFAULT_CONCURRENCY = 24;

export type Format = 'table' | 'json' | 'ndjson' | 'csv' | 'sarif' | 'markdown';
export type FailOn = 'fail' | 'warn' | 'never';

export interface CommonOptions {
  format: Format;
  failOn: FailOn;
  debug: boolean;
  region: string | undefined;
  profile: string | undefined;
  endpointUrl: string | undefined;
  maxEntryBytes: number | undefined;
  /** --timeout / --idle-timeout, in ms: deadlines for each AWS call and each bundle download. */
  limits: { totalMs?: number; idleMs?: number };
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
}
export type CliArgs = InspectArgs | ScanArgs | { command: 'help' } | { command: 'version' };

export const USAGE = `Usage:
  rotation-inspector inspect <target>... [options]
      <target>: a deployment bundle (.zip), an unpacked directory, a libpq ELF file,
                or a Lambda function name / ARN (with an optional :qualifier)
      --created YYYY-MM-DD     when the function was set up (offline targets)
      --function               read every target as a Lambda function name
  rotation-inspector scan [options]
      --region R (repeatable)  --all-regions  --concurrency N (default 24)
      --cache-dir DIR          --no-cache
Options for both:
  --format table|json|ndjson|csv|sarif|markdown   (default table; csv/sarif/markdown: scan)
  --fail-on fail|warn|never   exit 1 when a check is at or above this (default warn)
  --region R  --profile P  --endpoint-url URL     AWS settings, as the AWS CLI reads them
  --max-entry-bytes N         cap on what one zip entry may inflate to (default 64 MiB)
  --timeout S                 give up an AWS call or a bundle download after S seconds, retries included (default 60)
  --idle-timeout S            give up a connection that sends nothing for S seconds (default 15)
  --debug                     stack traces and progress detail on stderr
Exit codes: 0 nothing at or above --fail-on, 1 something is, 2 a target could not be inspected or bad usage.`;

const usage = (message: string) => new InspectError('usage', message);

const FORMATS: readonly Format[] = ['table', 'json', 'ndjson', 'csv', 'sarif', 'markdown'];

function checkDate(value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(`${value}T00:00:00Z`) : null;
  if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw usage(`--created: "${value}" is not a date of the form YYYY-MM-DD`);
  }
  return value;
}

function seconds(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400) throw usage(`${name}: "${value}" is not a number of seconds (above 0, at most 86400)`);
  return Math.ceil(n * 1000);
}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw usage(`${name}: "${value}" is not a positive whole number`);
  return n;
}

export function parseCli(argv: readonly string[]): CliArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return { command: 'help' };
  if (command === '--version' || command === '-V') return { command: 'version' };
  if (command !== 'inspect' && command !== 'scan') throw usage(`unknown command "${command}" (expected inspect or scan; see --help)`);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string' }, 'fail-on': { type: 'string' }, debug: { type: 'boolean' }, created: { type: 'string' },
        function: { type: 'boolean' }, region: { type: 'string', multiple: true }, 'all-regions': { type: 'boolean' },
        profile: { type: 'string' }, 'endpoint-url': { type: 'string' }, concurrency: { type: 'string' },
        'cache-dir': { type: 'string' }, 'no-cache': { type: 'boolean' }, 'max-entry-bytes': { type: 'string' },
        timeout: { type: 'string' }, 'idle-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw usage((e as Error).message.split('\n')[0]!.replace(/^TypeError \[\w+\]: /, ''));
  }
  const v = parsed.values;
  if (v.help) return { command: 'help' };
  const format = (v.format ?? 'table') as Format;
  if (!FORMATS.includes(format)) throw usage(`--format: "${v.format}" is not one of ${FORMATS.join(', ')}`);
  const failOn = (v['fail-on'] ?? 'warn') as FailOn;
  if (!['fail', 'warn', 'never'].includes(failOn)) throw usage(`--fail-on: "${v['fail-on']}" is not one of fail, warn, never`);
  const regions = v.region ?? [];
  if (v['endpoint-url'] !== undefined) {
    try { new URL(v['endpoint-url']); } catch { throw usage(`--endpoint-url: "${v['endpoint-url']}" is not a URL`); }
  }
  const common: CommonOptions = {
    format, failOn, debug: v.debug === true, region: regions[0], profile: v.profile, endpointUrl: v['endpoint-url'],
    maxEntryBytes: positiveInt('--max-entry-bytes', v['max-entry-bytes']),
    limits: {
      ...(v.timeout !== undefined ? { totalMs: seconds('--timeout', v.timeout) } : {}),
      ...(v['idle-timeout'] !== undefined ? { idleMs: seconds('--idle-timeout', v['idle-timeout']) } : {}),
    },
  };
  if (command === 'inspect') {
    if (parsed.positionals.length === 0) throw usage('inspect: name at least one target (a .zip, a directory, an ELF file or a function)');
    if (regions.length > 1) throw usage('inspect: --region takes one region');
    if (['csv', 'sarif', 'markdown'].includes(format)) throw usage(`inspect: --format ${format} is for scan; use table, json or ndjson`);
    for (const flag of ['all-regions', 'concurrency', 'cache-dir', 'no-cache'] as const) {
      if (v[flag] !== undefined) throw usage(`inspect: --${flag} is a scan option`);
    }
    return { command, ...common, targets: parsed.positionals, created: v.created === undefined ? null : checkDate(v.created), forceFunction: v.function === true };
  }
  if (parsed.positionals.length > 0) throw usage(`scan: unexpected argument "${parsed.positionals[0]}" (scan reads the account; use inspect for single targets)`);
  if (v.created !== undefined || v.function !== undefined) throw usage('scan: --created and --function are inspect options');
  return {
    command, ...common, regions, allRegions: v['all-regions'] === true,
    concurrency: positiveInt('--concurrency', v.concurrency) ?? DEFAULT_CONCURRENCY, cacheDir: v['cache-dir'], noCache: v['no-cache'] === true,
  };
}
