import { redact } from '../redact.js';
import { showOutsideText } from '../render/outsideText.js';
import { applyIgnoreRules, readIgnoreFile } from '../report/ignoreRules.js';
import { renderScanOutput } from '../render/scanOutput.js';
import { makeStyle, colourWanted } from '../render/style.js';
import { ignoreNotes, isPartial, scanRunOf, sortWorstFirst } from '../render/summary.js';
import { defaultCacheDir, openFindingsCache } from '../scan/findingsCache.js';
import { scanAccount, type ScanResult } from '../scan/scanAccount.js';
import { INSPECTOR_VERSION } from '../version.js';
import type { ScanArgs } from './args.js';
import { checkAwsSettings } from './awsSettings.js';
import { errorLine, exitNow, onInterrupt, openReportSink, type CliIo } from './cliIo.js';
import { EXIT, exitCodeFor, type ExitCode } from './exitCodes.js';
import { createProgress, type InspectionOutcome } from './progress.js';
import { summaryLine } from './summaryLine.js';

export async function runScan(args: ScanArgs, io: CliIo, signal?: AbortSignal): Promise<ExitCode> {
  await checkAwsSettings(args, io.env);
  const ignoreRules = args.ignoreFile === undefined ? undefined : readIgnoreFile(args.ignoreFile);
  const sink = openReportSink(io, args.output);
  const progress = createProgress(io.stderr, { colour: colourWanted(io.stderr, io.env), bar: !args.quiet });
  // Every stderr line during the scan goes through the progress display, so none lands on the bar's line.
  const err = (line: string) => progress.message(errorLine(line).trimEnd());
  const controller = new AbortController();
  signal?.addEventListener('abort', () => controller.abort(), { once: true });
  let interrupts = 0;
  let found = 0;
  let inspected = 0;
  const stopListening = onInterrupt(io, () => {
    interrupts++;
    if (interrupts > 1) {
      progress.done();
      err(`interrupted again: quitting now; ${found - inspected} of ${found} discovered function(s) not inspected, no report written`);
      exitNow(io, EXIT.interrupted);
      return;
    }
    err('interrupted: stopping the functions in flight, then printing what is done (Ctrl-C again to quit at once)');
    controller.abort();
  });
  let result: ScanResult;
  const startedAt = new Date();
  try {
    const opened = args.noCache ? undefined : openFindingsCache(args.cacheDir ?? defaultCacheDir(io.env), INSPECTOR_VERSION);
    const refused = await opened?.refused;
    if (refused) err(`cache not used: ${showOutsideText(refused)}; going on without it`);
    const cache = refused ? undefined : opened;
    result = await scanAccount({
      regions: args.regions, allRegions: args.allRegions, concurrency: args.concurrency, profile: args.profile, endpointUrl: args.endpointUrl,
      region: args.region, maxEntryBytes: args.maxEntryBytes, maxBundleBytes: args.maxBundleBytes, limits: args.limits, cache, signal: controller.signal, env: io.env,
      debug: args.debug ? (line) => progress.message(`debug: ${redact(showOutsideText(line))}`) : undefined,
      onDiscovered: (n) => { found = n; progress.found(n); },
      onDiscoveryDone: (n) => { found = n; progress.discoveryDone(n); },
      onInspected: (r) => {
        inspected++;
        const outcome: InspectionOutcome = r.errors.length > 0 ? 'error' : r.checks.some((c) => c.status === 'fail') ? 'failing' : 'ok';
        const name = r.function?.name ?? r.target.id;
        progress.inspected(name, outcome);
        if (args.debug) progress.message(`debug: inspected ${redact(showOutsideText(name))}`);
      },
    });
  } catch (e) {
    sink.close();
    throw e;
  } finally {
    progress.done();
    stopListening();
  }

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
