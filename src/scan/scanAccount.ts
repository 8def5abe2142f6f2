import { inspectFunctionTarget, newInspectContext, type CodeReadCache, type InspectContext } from '../aws/inspectFunction.js';
import type { AwsSettings } from '../aws/session.js';
import type { Report, ReportError } from '../report/report.js';
import { COMMERCIAL_REGIONS, discoverRotationFunctions, type RegionListing } from './discovery.js';

export interface ScanOptions extends AwsSettings {
  /** Regions to list secrets in (empty: the default region). */
  regions: readonly string[];
  allRegions: boolean;
  /** Functions inspected at once. */
  concurrency: number;
  maxEntryBytes?: number | undefined;
  maxBundleBytes?: number | undefined;
  cache?: CodeReadCache | undefined;
  /** Stops starting new inspections (Ctrl-C). */
  signal?: AbortSignal | undefined;
  onDiscovered?: (total: number) => void;
  /** Discovery is over (every listing paged, or interrupted): `total` functions found. */
  onDiscoveryDone?: (total: number) => void;
  onInspected?: (report: Report) => void;
}

export interface ScanResult {
  /** One report per discovered function, in discovery order. */
  reports: Report[];
  /** Functions discovered but not inspected because the scan was interrupted. */
  notInspected: string[];
  /** Regions whose secrets could not be listed, and regions not enabled. */
  regions: RegionListing[];
  errors: ReportError[];
  interrupted: boolean;
  counters: InspectContext['counters'] & { functions: number; secrets: number };
}

/** A bounded pool: at most `limit` tasks run at once, started in the order added. */
export function pool(limit: number, signal?: AbortSignal) {
  let running = 0;
  const queue: Array<() => Promise<void>> = [];
  const idle: Array<() => void> = [];
  const next = () => {
    while (running < limit && queue.length > 0 && !signal?.aborted) {
      const task = queue.shift()!;
      running++;
      void task().finally(() => { running--; next(); });
    }
    if (running === 0 && (queue.length === 0 || signal?.aborted)) idle.splice(0).forEach((r) => r());
  };
  return {
    add(task: () => Promise<void>) { queue.push(task); next(); },
    drained(): Promise<void> { return new Promise((r) => { idle.push(r); next(); }); },
    pending(): number { return queue.length; },
  };
}

/**
 * Every rotation function of an account, each inspected once: discovery and
 * inspection overlap, code and layers are read once per SHA-256 and version,
 * stacks described once, and the on-disk cache skips known bundles.
 */
export async function scanAccount(options: ScanOptions): Promise<ScanResult> {
  const context = newInspectContext(options, options.cache);
  try {
    const regions = options.allRegions ? [...COMMERCIAL_REGIONS] : options.regions.length > 0 ? [...options.regions] : [await context.session.defaultRegion()];
    const byArn = new Map<string, Report>();
    const order: string[] = [];
    const work = pool(Math.max(1, options.concurrency), options.signal);
    const discovery = await discoverRotationFunctions(context.session, regions, options.allRegions, (arn) => {
      order.push(arn);
      options.onDiscovered?.(order.length);
      // A task never rejects: inspectFunctionTarget turns every failure into the function's report, and a
      // failing progress callback does not lose the report.
      work.add(async () => {
        const report = await inspectFunctionTarget(arn, { ...options, created: null }, context);
        // Ctrl-C ends the reads in flight: a function cut short is not inspected, not a report with errors.
        if (options.signal?.aborted && report.errors.some((e) => e.code === 'interrupted')) return;
        byArn.set(arn, report);
        try { options.onInspected?.(report); } catch { /* progress output only */ }
      });
    });
    options.onDiscoveryDone?.(order.length);
    await work.drained();
    const reports: Report[] = [];
    const notInspected: string[] = [];
    for (const arn of order) {
      const report = byArn.get(arn);
      if (!report) { notInspected.push(arn); continue; }
      const found = discovery.functions.get(arn);
      report.secrets = (found?.secrets ?? []).sort((a, b) => a.name.localeCompare(b.name));
      reports.push(report);
    }
    const errors = discovery.listings.flatMap((l) => (l.error ? [{ code: l.error.code, message: l.error.message }] : []));
    return {
      reports, notInspected, regions: discovery.listings, errors, interrupted: options.signal?.aborted === true,
      counters: { ...context.counters, functions: order.length, secrets: [...discovery.functions.values()].reduce((n, f) => n + f.secrets.length, 0) },
    };
  } finally {
    await context.session.destroy();
  }
}
