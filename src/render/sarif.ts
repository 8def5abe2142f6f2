import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REDEPLOY, SCRAM_CUTOFF, TLS_CUTOFF, type Check, type CheckId } from '../checks/check.js';
import { ignoredFinding } from '../report/ignoreRules.js';
import type { Report } from '../report/report.js';
import { escapeJsonOutsideText, showOutsideText } from './outsideText.js';
import {
  accountOf, functionArn, functionName, ignoreNotes, isPartial, libpqOf, partialText, regionOf, scanRunOf, sortWorstFirst, summarize,
  type ScanRun,
} from './summary.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const INSPECTION_ERROR_RULE = 'inspection-error';
export const FINGERPRINT_KEY = 'rotationInspector/v1';

type SarifLevel = 'none' | 'note' | 'warning' | 'error';
type RuleId = CheckId | typeof INSPECTION_ERROR_RULE;

interface SarifRule {
  id: RuleId;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string };
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[] };
}

export const SARIF_RULES: readonly SarifRule[] = [
  {
    id: 'scram',
    name: 'ScramSha256Support',
    shortDescription: { text: 'Rotation function bundles a libpq or PostgreSQL driver that cannot authenticate with scram-sha-256' },
    fullDescription: {
      text: `PostgreSQL rotation functions created from AWS templates before ${SCRAM_CUTOFF} bundle libpq 9.4, which predates SCRAM; ` +
        'functions that bring their own driver fail the same way with node-postgres < 7.9.0, pg8000 < 1.13.0, asyncpg < 0.19.0, pgjdbc < 42.2.1, ' +
        'lib/pq < 1.1.0, pgx v3 < 3.4.0 or Npgsql < 3.2.7. ' +
        'Once the database stores the user\'s password as scram-sha-256 (the default from PostgreSQL 14), rotation fails at setSecret.',
    },
    help: { text: `${REDEPLOY}; current bundles ship libpq 10 or later. A function with a driver of its own: upgrade the driver to the release the result names and update the function code. Until then, keep the database user's password stored as md5 so rotation can log in.` },
    defaultConfiguration: { level: 'error' },
    properties: { tags: ['aws', 'secrets-manager', 'postgresql', 'rotation', 'scram'] },
  },
  {
    id: 'tls',
    name: 'RotationUsesTls',
    shortDescription: { text: 'Rotation handler does not ask for TLS' },
    fullDescription: {
      text: `PostgreSQL rotation handlers from AWS templates before ${TLS_CUTOFF} never ask for TLS, so rotation fails against a database that requires it (rds.force_ssl=1). ` +
        'A handler with a driver of its own that asks for nothing gets that driver\'s default: none for node-postgres, pg8000 < 1.31.0, asyncpg < 0.22.0, pgjdbc < 42.2.5 and Npgsql < 6.0.',
    },
    help: { text: `${REDEPLOY}; current templates connect with sslmode=require (or verify-full) and honour the secret's "ssl" key.` },
    defaultConfiguration: { level: 'error' },
    properties: { tags: ['aws', 'secrets-manager', 'postgresql', 'rotation', 'tls'] },
  },
  {
    id: INSPECTION_ERROR_RULE,
    name: 'InspectionError',
    shortDescription: { text: 'The rotation function could not be (fully) inspected' },
    fullDescription: { text: 'rotation-inspector could not read all of the function\'s code, layers or metadata, so its verdicts may be missing or incomplete.' },
    help: { text: 'Check the error message: usually missing permissions (lambda:GetFunction, lambda:GetLayerVersion), a network failure, or an unreadable bundle. Fix it and scan again.' },
    defaultConfiguration: { level: 'error' },
    properties: { tags: ['aws', 'rotation-inspector'] },
  },
];

/** What the run's notifications mean (invocations[].toolExecutionNotifications / toolConfigurationNotifications). */
export const SARIF_NOTIFICATIONS = [
  { id: 'listing-failed', shortDescription: { text: 'Secrets could not be listed in a region: rotation functions there may be missing from the results' } },
  { id: 'partial-run', shortDescription: { text: 'The scan did not cover the account (a listing failed or it was interrupted): the results are incomplete' } },
  { id: 'ignore-file', shortDescription: { text: 'An ignore-file entry expired or matched no finding' } },
] as const;

const RULE_INDEX = new Map<RuleId, number>(SARIF_RULES.map((r, i) => [r.id, i]));

/** Stable across runs and versions of the report: depends only on the rule and the function. */
export function fingerprint(ruleId: string, arn: string): string {
  return createHash('sha256').update(`${ruleId}\0${arn}`).digest('hex');
}

/** Each segment percent-encoded (":" included), so a name from input never becomes a scheme or a new segment. */
const segment = (text: string): string => encodeURIComponent(text);

/**
 * The relative pseudo-path of an AWS resource, `aws/<account>[/<region>/<service>/<name>]`, each segment
 * percent-encoded; an unknown account or region is named so. Shared by `scan` and `diagnose`.
 */
export function awsPseudoPath(account: string | null | undefined, region?: string | null, service?: string, name?: string): string {
  const parts = ['aws', account ?? 'unknown-account'];
  if (service !== undefined && name !== undefined) parts.push(region ?? 'unknown-region', service, name);
  return parts.map(segment).join('/');
}

/**
 * Code-scanning services take only file locations: a function gets the stable relative pseudo-path
 * `aws/<account>/<region>/lambda/<name>`; an offline bundle its relative path, or a `file:` URI when absolute.
 * Nothing else (no ARN, no other scheme) becomes a URI.
 */
export function artifactUri(r: Report): string {
  if (r.target.type === 'account') return awsPseudoPath(r.target.id);
  if (r.target.type === 'function' || r.function) return awsPseudoPath(accountOf(r), regionOf(r), 'lambda', functionName(r));
  const path = r.target.id.replace(/\\/g, '/');
  if (isAbsolute(r.target.id)) return pathToFileURL(r.target.id).href;
  return path.split('/').map(segment).join('/');
}

function where(r: Report) {
  const arn = functionArn(r);
  return {
    locations: [{
      physicalLocation: { artifactLocation: { uri: artifactUri(r) } },
      logicalLocations: [{ name: showOutsideText(functionName(r)), kind: r.target.type === 'account' ? 'namespace' : 'function', fullyQualifiedName: showOutsideText(arn) }],
    }],
    properties: {
      arn: showOutsideText(arn), account: accountOf(r), region: regionOf(r),
      ...(r.account?.name ? { accountName: showOutsideText(r.account.name) } : {}), ...(r.account?.credentials ? { credentials: r.account.credentials } : {}),
    },
  };
}

function checkResult(r: Report, c: Check) {
  const arn = functionArn(r);
  const at = where(r);
  const ignored = ignoredFinding(r, c.id);
  return {
    ruleId: c.id,
    ruleIndex: RULE_INDEX.get(c.id)!,
    level: (c.status === 'fail' ? 'error' : c.status === 'warn' ? 'warning' : 'note') as SarifLevel,
    message: { text: showOutsideText(c.summary) },
    locations: at.locations,
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(c.id, arn) },
    ...(ignored ? {
      suppressions: [{
        kind: 'external', status: 'accepted', justification: showOutsideText(ignored.reason),
        properties: { expires: ignored.expires, entry: showOutsideText(ignored.entry) },
      }],
    } : {}),
    properties: {
      ...at.properties, status: c.status, evidence: c.evidence.map(showOutsideText), remediation: c.remediation,
      libpqVersion: libpqOf(r).version === null ? null : showOutsideText(libpqOf(r).version!),
    },
  };
}

function errorResult(r: Report) {
  const arn = functionArn(r);
  const at = where(r);
  return {
    ruleId: INSPECTION_ERROR_RULE,
    ruleIndex: RULE_INDEX.get(INSPECTION_ERROR_RULE)!,
    level: 'error' as SarifLevel,
    message: { text: showOutsideText(r.errors.map((e) => e.message).join('; ')) },
    locations: at.locations,
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(INSPECTION_ERROR_RULE, arn) },
    properties: {
      ...at.properties,
      errors: r.errors.map((e) => ({ code: showOutsideText(e.code), message: showOutsideText(e.message), ...(e.path !== undefined ? { path: showOutsideText(e.path) } : {}) })),
    },
  };
}

/** The scanned account: the secrets' account, else the functions', else "unknown-account". */
function scannedAccount(run: ScanRun): string {
  if (run.accounts && run.accounts.length > 1) return `${run.accounts.length}-accounts`;
  const fromArn = (arn: string) => /^arn:[\w-]+:[\w-]+:[\w-]*:(\d{12}):/.exec(arn)?.[1];
  for (const r of run.reports) for (const s of r.secrets ?? []) { const a = fromArn(s.arn); if (a) return a; }
  for (const r of run.reports) { const a = accountOf(r); if (a) return a; }
  for (const arn of run.notInspected) { const a = fromArn(arn); if (a) return a; }
  return 'unknown-account';
}

/** What the run could not do, as SARIF notifications: failed listings, the interruption, ignore-file notes. */
function invocation(run: ScanRun) {
  const notifications = [
    ...run.listingFailures.map((l) => ({
      level: 'error', message: { text: showOutsideText(`listing secrets failed in ${l.region}: ${l.message}`) },
      descriptor: { id: 'listing-failed' }, properties: { region: showOutsideText(l.region), code: showOutsideText(l.code) },
    })),
    ...(isPartial(run) ? [{
      level: 'error', message: { text: showOutsideText(partialText(run)) }, descriptor: { id: 'partial-run' },
      properties: { interrupted: run.interrupted, notInspected: run.notInspected.map(showOutsideText) },
    }] : []),
  ];
  const config = ignoreNotes(run.ignore).map((text) => ({ level: 'warning', message: { text: showOutsideText(text) }, descriptor: { id: 'ignore-file' } }));
  return {
    executionSuccessful: !isPartial(run),
    startTimeUtc: run.startedAt,
    ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
    ...(config.length ? { toolConfigurationNotifications: config } : {}),
  };
}

/**
 * SARIF 2.1.0, as code-scanning services take it: one run whose `automationDetails.id` keeps each account and set
 * of regions apart, one invocation that says whether the run was complete (a failed listing or an interruption is
 * `executionSuccessful: false` with the reason), and a result per failing, warning or undecided check and per
 * report with errors, worst first. Ignored findings stay, with an accepted `suppressions` entry.
 */
export function renderSarif(reports: readonly Report[], toolVersion: string, run?: ScanRun): string {
  const scan = run ?? scanRunOf({ reports, notInspected: [], regions: [], interrupted: false }, new Date());
  const results = sortWorstFirst(reports).flatMap((r) => [
    ...(r.errors.length > 0 ? [errorResult(r)] : []),
    ...r.checks.filter((c) => c.status === 'fail' || c.status === 'warn' || (c.status === 'unknown' && r.errors.length === 0)).map((c) => checkResult(r, c)),
  ]);
  const regions = [...new Set(scan.regions.map((r) => r.region))].sort();
  const s = summarize(reports);
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'rotation-inspector', version: toolVersion, rules: SARIF_RULES, notifications: SARIF_NOTIFICATIONS } },
      automationDetails: { id: `rotation-inspector/${segment(scannedAccount(scan))}/${regions.length ? regions.map(segment).join('+') : 'default-region'}/${scan.startedAt}` },
      invocations: [invocation(scan)],
      results,
      properties: { counts: s.counts, ignored: s.ignored, partial: isPartial(scan), notInspected: scan.notInspected.map(showOutsideText) },
    }],
  };
  return escapeJsonOutsideText(`${JSON.stringify(log, null, 2)}\n`);
}
