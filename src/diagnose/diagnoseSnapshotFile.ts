// `diagnose --save-snapshot FILE` / `--from-snapshot FILE`: everything diagnose read, as one versioned JSON
// document, so a support engineer can diagnose offline from what a customer collected. It holds what
// DiagnoseSnapshot holds (secret metadata, key names and non-secret fields, the function's report,
// configuration, logs of rotation invocations, resource policy, database settings, the network snapshot):
// never a secret value and never a credential. Pure: text in, reports out.
import { asNetworkSnapshot } from '../facts/network/snapshot.js';
import type { ReportError } from '../report/report.js';
import type { DiagnoseSnapshot } from './diagnose.js';
import { secretReport, unreadableSecretReport, type SecretReport, type SecretReportExtras } from './secretReport.js';

export const DIAGNOSE_SNAPSHOT_FORMAT = 'rotation-inspector/diagnose-snapshot';
export const DIAGNOSE_SNAPSHOT_VERSION = 1;

/** One secret as read: the snapshot the diagnosis is made from, and the report's extras. */
export interface SavedSecret { snapshot: DiagnoseSnapshot; extras: SecretReportExtras }

export interface DiagnoseSnapshotFile {
  format: typeof DIAGNOSE_SNAPSHOT_FORMAT;
  version: typeof DIAGNOSE_SNAPSHOT_VERSION;
  /** the inspector version that saved it */
  inspector: string;
  savedAt: string;
  secrets: SavedSecret[];
  /** secrets that could not be read at all, with why */
  unreadable: Array<{ id: string; region?: string; error: ReportError }>;
}

export function diagnoseSnapshotFile(inspector: string, secrets: SavedSecret[], unreadable: DiagnoseSnapshotFile['unreadable'], savedAt = new Date().toISOString()): DiagnoseSnapshotFile {
  return { format: DIAGNOSE_SNAPSHOT_FORMAT, version: DIAGNOSE_SNAPSHOT_VERSION, inspector, savedAt, secrets, unreadable };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and checks a saved file; throws an Error whose message is the one-line reason. */
export function parseDiagnoseSnapshotFile(text: string): DiagnoseSnapshotFile {
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) { throw new Error(`not JSON (${(e as Error).message})`); }
  if (!isObject(v)) throw new Error('not a JSON object');
  if (v['format'] !== DIAGNOSE_SNAPSHOT_FORMAT) throw new Error(`format is not "${DIAGNOSE_SNAPSHOT_FORMAT}"`);
  if (v['version'] !== DIAGNOSE_SNAPSHOT_VERSION) throw new Error(`version ${JSON.stringify(v['version'])} is not supported (this build reads version ${DIAGNOSE_SNAPSHOT_VERSION})`);
  if (!Array.isArray(v['secrets']) || !Array.isArray(v['unreadable'])) throw new Error('secrets or unreadable is not a list');
  for (const [i, s] of (v['secrets'] as unknown[]).entries()) {
    if (!isObject(s) || !isObject(s['snapshot']) || !isObject(s['extras'])) throw new Error(`secrets[${i}] is not {snapshot, extras}`);
    const snap = s['snapshot'];
    if (typeof snap['now'] !== 'string' || !isObject(snap['secret']) || typeof (snap['secret'] as Record<string, unknown>)['arn'] !== 'string') throw new Error(`secrets[${i}].snapshot has no time or secret`);
    if (!Array.isArray((s['extras'] as Record<string, unknown>)['unknown'])) throw new Error(`secrets[${i}].extras.unknown is not a list`);
    if (snap['network'] !== undefined && snap['network'] !== null) {
      try { asNetworkSnapshot(snap['network']); } catch (e) { throw new Error(`secrets[${i}].snapshot.network: ${(e as Error).message}`); }
    }
  }
  return v as unknown as DiagnoseSnapshotFile;
}

/** The reports of a saved run, diagnosed again from what was read. */
export function reportsFromSnapshotFile(f: DiagnoseSnapshotFile): SecretReport[] {
  return [...f.secrets.map((s) => secretReport(s.snapshot, s.extras)), ...f.unreadable.map((u) => unreadableSecretReport(u.id, u.region, u.error))];
}
