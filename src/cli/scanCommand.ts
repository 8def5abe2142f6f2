import { redact } from '../redact.js';
import { showOutsideText } from '../render/outsideText.js';
import { applyIgnoreRules, readIgnoreFile } from '../report/ignoreRules.js';
import { renderScanOutput } from '../render/scanOutput.js';
import { makeStyle } from '../render/style.js';
import { ignoreNotes, isPartial, scanRunOf, sortWorstFirst } from '../render/summary.js';
import { scanAccount, type ScanResult } from '../scan/scanAccount.js';
import { INSPECTOR_VERSION } from '../version.js';
import type { ScanArgs } from './args.js';
import type { CliIo } from './cliIo.js';
import { exitCodeFor, type ExitCode } from './exitCodes.js';
import type { InspectionOutcome } from './progress.js';
import { startAccountRun } from './runControl.js';
import { summaryLine } from './summaryLine.js';

export async function runScan(args: ScanArgs, io: CliIo, signal?: AbortSignal): Promise<ExitCode> {
  const ignoreRules = args.ignoreFile === undefined ? undefined : readIgnoreFile(args.ignoreFile);
  const { sink, progress, control, counts, cache, debug, work } = await startAccountRun(args, io, signal, 'the functions in flight', (c) => `${c.found - c.done} of ${c.found} discovered function(s) not inspected`);
  const { err } = control;
  const startedAt = new Date();
  const result: ScanResult = await work(() => scanAccount({
    regions: args.regions, allRegions: args.allRegions, concurrency: args.concurrency, profile: args.profile, endpointUrl: args.endpointUrl,
    region: args.region, maxEntryBytes: args.maxEntryBytes, maxBundleBytes: args.maxBundleBytes, limits: args.limits, cache, signal: control.signal, env: io.env,
    debug,
    onDiscovered: (n) => { counts.found = n; progress.found(n); },
    onDiscoveryDone: (n) => { counts.found = n; progress.discoveryDone(n); },
    onInspected: (r) => {
      counts.done++;
      const outcome: InspectionOutcome = r.errors.length > 0 ? 'error' : r.checks.some((c) => c.status === 'fail') ? 'failing' : 'ok';
      const name = r.function?.name ?? r.target.id;
      progress.inspected(name, outcome);
      if (args.debug) progress.message(`debug: inspected ${redact(showOutsideText(name))}`);
    },
  }));

  const reports = sortWorstFirst(result.reports);
  const ignore = ignoreRules && applyIgnoreRules(reports, ignoreRules, startedAt.toISOString().slice(0, 10), args.ignoreFile!);
  const run = scanRunOf(result, startedAt, ignore);
  for (const note of ignoreNotes(ignore)) err(note);
  for (const l of result.regions) if (l.notEnabled) err(`${l.region}: skipped (the region is not enabled for this account)`);
  for (const e of result.errors) err(e.message);
  for (const r of reports) for (const e of r.errors) err(e.message.startsWith(r.target.id) ? e.message : `${r.function?.name ?? r.target.id}: ${e.message}`);
  for (const r of reports) for (const w of r.warnings ?? []) err(`warning: ${r.function?.name ?? r.target.id}: ${w.message}`);
  if (result.notInspected.length > 0) err(`interrupted: ${result.notInspected.length} of ${result.counters.functions} discovered function(s) were not inspected; the report marks the run partial and lists each one`);
  if (args.debug) {
    const c = result.counters;
    err(`debug: ${c.functions} functions, ${c.secrets} secrets, ${c.codeDownloads} code downloads, ${c.layerDownloads} layer downloads, ${c.stackLookups} stack lookups, ${c.cacheHits} cache hits`);
  }

  try {
    const width = sink.target.isTTY ? sink.target.columns ?? 80 : undefined;
    sink.write(renderScanOutput(run, { format: args.format, style: makeStyle(sink.colour), width, toolVersion: INSPECTOR_VERSION }));
  } finally {
    sink.close();
  }
  if (sink.file !== undefined && !args.quiet) io.stderr.write(`${redact(summaryLine(result.reports, 'function', sink.file, isPartial(run)))}\n`);
  return exitCodeFor({ reports, listingFailed: result.errors.length > 0, interrupted: result.interrupted }, args.failOn);
}
