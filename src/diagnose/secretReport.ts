import type { DiagnoseCheck } from '../checks/diagnoseCheck.js';
import type { DatabaseFacts } from '../facts/database/databaseSettings.js';
import type { NetworkPaths } from '../facts/network/paths.js';
import type { Invocation } from '../facts/logs/lambdaLogs.js';
import type { SecretMetadata, SecretShape } from '../facts/secret/secretFacts.js';
import type { Report, ReportAccount, ReportError } from '../report/report.js';
import { INSPECTOR_VERSION } from '../version.js';
import { diagnose, type Diagnosis, type DiagnoseSnapshot } from './diagnose.js';

/** One secret's report (schema version 1, target.type "secret"). */
export interface SecretReport {
  schemaVersion: 1;
  inspector: { name: 'rotation-inspector'; version: string };
  /** "account": a run over many accounts could not read the account (its role could not be assumed). */
  target: { type: 'secret' | 'account'; id: string; region?: string };
  /** The account the secret is in (name when Organizations gave one; credentials on runs over several accounts). */
  account?: ReportAccount;
  secret: Omit<SecretMetadata, 'tags'> | null;
  /** The rotation function's report as `inspect` gives it, or why it could not be read. */
  function: Report | { error: ReportError } | null;
  /** Rotation invocations in the window, newest first; null when the logs could not be read. */
  invocations: Invocation[] | null;
  logs?: { logGroup: string; since: string; note?: string };
  /** --read-secret-keys: key names and non-secret fields only. */
  secretKeys?: SecretShape[];
  database: DatabaseFacts | null;
  /** The three network paths (absent when the function's network was not read). */
  network?: NetworkPaths;
  diagnosis: Diagnosis;
  checks: DiagnoseCheck[];
  /** Parts that could not be read, each naming the refused action or the reason. */
  unknown: string[];
  errors: ReportError[];
}

export interface SecretReportExtras {
  logs?: SecretReport['logs'];
  functionError?: ReportError;
  unknown: string[];
}

/** The report of one secret from its snapshot. */
export function secretReport(s: DiagnoseSnapshot, extras: SecretReportExtras): SecretReport {
  const { diagnosis, checks, network } = diagnose(s);
  const { tags: _tags, ...secret } = s.secret;
  return {
    schemaVersion: 1,
    inspector: { name: 'rotation-inspector', version: INSPECTOR_VERSION },
    target: { type: 'secret', id: s.secret.arn, ...(s.region ? { region: s.region } : {}) },
    secret,
    function: s.functionReport ?? (extras.functionError ? { error: extras.functionError } : null),
    invocations: s.invocations,
    ...(extras.logs ? { logs: extras.logs } : {}),
    ...(s.secretShapes ? { secretKeys: s.secretShapes } : {}),
    database: s.database,
    ...(network ? { network } : {}),
    diagnosis, checks, unknown: extras.unknown, errors: [],
  };
}

/** A secret (or, on a run over many accounts, an account) that could not be read at all. */
export function unreadableSecretReport(id: string, region: string | undefined, error: ReportError, type: 'secret' | 'account' = 'secret'): SecretReport {
  return {
    schemaVersion: 1, inspector: { name: 'rotation-inspector', version: INSPECTOR_VERSION },
    target: { type, id, ...(region ? { region } : {}) },
    secret: null, function: null, invocations: null, database: null,
    diagnosis: { cause: 'unknown', confidence: 'possible', summary: `The ${type} could not be read: ${error.message}`, evidence: [], remediation: '' },
    checks: [], unknown: [], errors: [error],
  };
}
