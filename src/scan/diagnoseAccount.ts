import { closeDiagnoseContext, diagnoseSecretTarget, newDiagnoseContext, type DiagnoseOptions } from '../aws/diagnoseSecret.js';
import type { CodeReadCache } from '../aws/inspectFunction.js';
import type { SecretReport } from '../diagnose/secretReport.js';
import type { ReportError } from '../report/report.js';
import { COMMERCIAL_REGIONS, discoverRotationFunctions, type RegionListing } from './discovery.js';
import { pool } from './scanAccount.js';

export interface DiagnoseRunOptions extends DiagnoseOptions {
  /** Secrets named on the command line (name or ARN). */
  secrets: readonly string[];
  /** Every secret that names a rotation function, in `regions`. */
  all: boolean;
  regions: readonly string[];
  /** With `all`: every commercial region. */
  allRegions?: boolean;
  concurrency: number;
  cache?: CodeReadCache | undefined;
  signal?: AbortSignal | undefined;
  onDiscovered?: (total: number) => void;
  onDiagnosed?: (report: SecretReport) => void;
}

export interface DiagnoseRunResult {
  /** Named secrets first, in the order given, then the discovered ones. */
  reports: SecretReport[];
  notDiagnosed: string[];
  regions: RegionListing[];
  errors: ReportError[];
  interrupted: boolean;
  counters: { secrets: number; functions: number; logReads: number; codeDownloads: number };
}

/**
 * Diagnoses named secrets and, with --all, every secret of the account that
 * names a rotation function (rotation enabled or not), found through scan's
 * discovery. At most `concurrency` secrets in flight; each function, log
 * group, database listing and parameter group is read once per run.
 */
export async function diagnoseRun(options: DiagnoseRunOptions): Promise<DiagnoseRunResult> {
  const c = newDiagnoseContext(options, options.cache);
  try {
    const targets: string[] = [...options.secrets];
    let regions: RegionListing[] = [];
    if (options.all) {
      const session = c.inspect.session;
      const list = options.allRegions ? [...COMMERCIAL_REGIONS] : options.regions.length > 0 ? [...options.regions] : [await session.defaultRegion()];
      const discovery = await discoverRotationFunctions(session, list, options.allRegions === true, () => {});
      regions = discovery.listings;
      const seen = new Set(targets);
      for (const f of discovery.functions.values()) {
        for (const s of f.secrets) if (!seen.has(s.arn)) { seen.add(s.arn); targets.push(s.arn); }
      }
    }
    options.onDiscovered?.(targets.length);
    const byIndex = new Map<number, SecretReport>();
    const work = pool(Math.max(1, options.concurrency), options.signal);
    targets.forEach((id, i) => work.add(async () => {
      const r = await diagnoseSecretTarget(id, options, c);
      byIndex.set(i, r);
      options.onDiagnosed?.(r);
    }));
    await work.drained();
    const reports: SecretReport[] = [];
    const notDiagnosed: string[] = [];
    targets.forEach((id, i) => { const r = byIndex.get(i); if (r) reports.push(r); else notDiagnosed.push(id); });
    return {
      reports, notDiagnosed, regions, interrupted: options.signal?.aborted === true,
      errors: regions.flatMap((l) => (l.error ? [{ code: l.error.code, message: l.error.message }] : [])),
      counters: { secrets: targets.length, functions: c.counters.functions, logReads: c.counters.logReads, codeDownloads: c.inspect.counters.codeDownloads },
    };
  } finally {
    await closeDiagnoseContext(c);
  }
}

