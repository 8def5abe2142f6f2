import { createHash } from 'node:crypto';
import { REDEPLOY, SCRAM_CUTOFF, TLS_CUTOFF, type Check, type CheckId } from '../checks/check.js';
import type { Report } from '../report/report.js';
import { functionArn, functionName, libpqOf, sortWorstFirst } from './summary.js';

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
    shortDescription: { text: 'Rotation function bundles a libpq that cannot authenticate with scram-sha-256' },
    fullDescription: {
      text: `PostgreSQL rotation functions created from AWS templates before ${SCRAM_CUTOFF} bundle libpq 9.4, which predates SCRAM. ` +
        'Once the database stores the user\'s password as scram-sha-256 (the default from PostgreSQL 14), rotation fails at setSecret.',
    },
    help: { text: `${REDEPLOY}; current bundles ship libpq 10 or later. Until then, keep the database user's password stored as md5 so rotation can log in.` },
    defaultConfiguration: { level: 'error' },
    properties: { tags: ['aws', 'secrets-manager', 'postgresql', 'rotation', 'scram'] },
  },
  {
    id: 'tls',
    name: 'RotationUsesTls',
    shortDescription: { text: 'Rotation handler does not ask for TLS' },
    fullDescription: {
      text: `PostgreSQL rotation handlers from AWS templates before ${TLS_CUTOFF} never ask for TLS, so rotation fails against a database that requires it (rds.force_ssl=1).`,
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

const RULE_INDEX = new Map<RuleId, number>(SARIF_RULES.map((r, i) => [r.id, i]));

/** Stable across runs and versions of the report: depends only on the rule and the function. */
export function fingerprint(ruleId: string, arn: string): string {
  return createHash('sha256').update(`${ruleId}\0${arn}`).digest('hex');
}

/** An artifactLocation.uri must be a URI reference: ARNs pass as they are, paths get percent-encoded. */
function toUri(id: string): string {
  return encodeURI(id.replace(/\\/g, '/'));
}

function location(r: Report) {
  const arn = functionArn(r);
  return {
    physicalLocation: { artifactLocation: { uri: toUri(arn) } },
    logicalLocations: [{ name: functionName(r), kind: 'function', fullyQualifiedName: arn }],
  };
}

function checkResult(r: Report, c: Check) {
  const arn = functionArn(r);
  return {
    ruleId: c.id,
    ruleIndex: RULE_INDEX.get(c.id)!,
    level: (c.status === 'fail' ? 'error' : 'warning') as SarifLevel,
    message: { text: c.summary },
    locations: [location(r)],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(c.id, arn) },
    properties: { evidence: c.evidence, remediation: c.remediation, libpqVersion: libpqOf(r).version },
  };
}

function errorResult(r: Report) {
  const arn = functionArn(r);
  return {
    ruleId: INSPECTION_ERROR_RULE,
    ruleIndex: RULE_INDEX.get(INSPECTION_ERROR_RULE)!,
    level: 'error' as SarifLevel,
    message: { text: r.errors.map((e) => e.message).join('; ') },
    locations: [location(r)],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(INSPECTION_ERROR_RULE, arn) },
    properties: { errors: r.errors.map((e) => ({ code: e.code, message: e.message, ...(e.path !== undefined ? { path: e.path } : {}) })) },
  };
}

/** SARIF 2.1.0: one run; a result per failing or warning check and per report with errors, worst first. */
export function renderSarif(reports: readonly Report[], toolVersion: string): string {
  const results = sortWorstFirst(reports).flatMap((r) => [
    ...(r.errors.length > 0 ? [errorResult(r)] : []),
    ...r.checks.filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => checkResult(r, c)),
  ]);
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'rotation-inspector', version: toolVersion, rules: SARIF_RULES } },
      results,
    }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
