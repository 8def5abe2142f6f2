import { resolve } from 'node:path';
import type { Bundle } from '../bundle/bundle.js';
import { openLocalBundle } from '../bundle/openBundle.js';
import { InspectError, describeError } from '../errors.js';
import { bundleFindings, loaderFacts, type FindingsOptions } from './bundleFindings.js';
import { loadSemver } from './driverFindings.js';
import { buildReport, failedReport } from './buildReport.js';
import type { Created, Report } from './report.js';

export interface LocalInspectOptions extends FindingsOptions {
  /** Creation date given by the user (--created). */
  created?: string | null;
}

export function createdFromFlag(date: string | null | undefined, unknownNote: string): Created {
  return date ? { date, source: 'flag' } : { date: null, source: null, note: unknownNote };
}

/** Inspects a local zip, directory or ELF file. Never throws: failures become report errors. */
export async function inspectLocal(path: string, options: LocalInspectOptions = {}): Promise<Report> {
  const created = createdFromFlag(options.created, 'offline target: pass --created YYYY-MM-DD to compare with the 2021-12-20 and 2021-12-30 cut-offs');
  let bundle: Bundle;
  try {
    bundle = await openLocalBundle(path);
  } catch (e) {
    const err = e instanceof InspectError ? { code: e.code, message: e.message } : { code: 'error', message: `${path}: ${describeError(e)}` };
    return failedReport({ type: 'path', id: path }, created, err);
  }
  try {
    // A zip or directory is read as the function's code, unpacked at /var/task,
    // so the Lambda loader model can say which libpq it would load.
    const asFunctionCode = bundle.kind !== 'elf';
    const findings = await bundleFindings(bundle, {
      ...options,
      ...(asFunctionCode ? { placeLibrary: (p: string) => ({ installPath: `/var/task/${p}` }) } : {}),
    });
    const loader = asFunctionCode ? loaderFacts([findings]) : undefined;
    return buildReport({
      target: { type: bundle.kind, id: bundle.kind === 'directory' ? resolve(path) : path, bytesRead: bundle.bytesRead, size: bundle.size },
      findings: [findings],
      created,
      semver: await loadSemver(findings.drivers ?? []),
      ...(loader ? { loader } : {}),
    });
  } catch (e) {
    const err = e instanceof InspectError ? { code: e.code, message: e.message } : { code: 'error', message: `${path}: ${describeError(e)}` };
    return failedReport({ type: bundle.kind, id: path }, created, err);
  } finally {
    await bundle.close().catch(() => {});
  }
}
