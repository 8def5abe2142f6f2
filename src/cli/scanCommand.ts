import { redact } from '../redact.js';
import { showOutsideText } from '../render/outsideText.js';
import { applyIgnoreRules, readIgnoreFile } from '../report/ignoreRules.js';
import { renderScanOutput } from '../render/scanOutput.js';
import { makeStyle, colourWanted } from '../render/style.js';
import { ignoreNotes, scanRunOf, sortWorstFirst } from '../render/summary.js';
import { defaultCacheDir, openFindingsCache } from '../scan/findingsCache.js';
import { scanAccount, type ScanResult } from '../scan/scanAccount.js';
import { INSPECTOR_VERSION } from '../version.js';
import type { ScanArgs } from './args.js';
import { exitCodeFor, type CliIo } from './main.js';
import { createProgress } from './progress.js';

/** Exit code for Ctrl-C, as shells report a SIGINT death. */
export const INTERRUPTED = 130;

export async function runScan(args: ScanArgs, io: CliIo, signal?: AbortSignal): Promise<number> {
  const err = (line: string) => io.stderr.write(`rotation-inspector: ${showOutsideText(redact(line))}\n`);
  const ignoreRules = args.ignoreFile === undefined ? undefined : readIgnoreFile(args.ignoreFile);
  const controller = new AbortController();
  signal?.addEventListener('abort', () => controller.abort(), { once: true });
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(INTERRUPTED);
    err('interrupted: finishing the functions in flight, then printing what is done (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const progress = createProgress(io.stderr, 0, { colour: colourWanted(io.stderr, io.env), verb: 'scanning' });
  let result: ScanResult;
  const startedAt = new Date();
  try {
    const cache = args.noCache ? undefined : openFindingsCache(args.cacheDir ?? defaultCacheDir(io.env), INSPECTOR_VERSION);
    result = await scanAccount({
      regions: args.regions, allRegions: args.allRegions, concurrency: args.concurrency, profile: args.profile, endpointUrl: args.endpointUrl,
      region: args.region, maxEntryBytes: args.maxEntryBytes, cache, signal: controller.signal, env: io.env,
      debug: args.debug ? (line) => io.stderr.write(`debug: ${showOutsideText(redact(line))}\n`) : undefined,
      onDiscovered: (n) => progress.setTotal(n),
      onInspected: (r) => {
        progress.tick(r.function?.name ?? r.target.id);
        if (args.debug) io.stderr.write(`debug: inspected ${showOutsideText(redact(r.function?.name ?? r.target.id))}\n`);
      },
    });
  } finally {
    progress.done();
    process.off('SIGINT', onSigint);
  }

  const reports = sortWorstFirst(result.reports);
  const ignore = ignoreRules && applyIgnoreRules(reports, ignoreRules, startedAt.toISOString().slice(0, 10), args.ignoreFile!);
  for (const note of ignoreNotes(ignore)) err(note);
  for (const l of result.regions) if (l.notEnabled) err(`${l.region}: skipped (the region is not enabled for this account)`);
  for (const e of result.errors) err(e.message);
  for (const r of reports) for (const e of r.errors) err(e.message.startsWith(r.target.id) ? e.message : `${r.function?.name ?? r.target.id}: ${e.message}`);
  if (result.notInspected.length > 0) err(`interrupted: ${result.notInspected.length} of ${result.counters.functions} discovered function(s) were not inspected: ${result.notInspected.join(', ')}`);
  if (args.debug) {
    const c = result.counters;
    err(`debug: ${c.functions} functions, ${c.secrets} secrets, ${c.codeDownloads} code downloads, ${c.layerDownloads} layer downloads, ${c.stackLookups} stack lookups, ${c.cacheHits} cache hits`);
  }

  const format = args.format;
  const width = io.stdout.isTTY ? io.stdout.columns ?? 80 : undefined;
  io.stdout.write(redact(renderScanOutput(scanRunOf(result, startedAt, ignore), { format, style: makeStyle(colourWanted(io.stdout, io.env)), width, toolVersion: INSPECTOR_VERSION })));
  if (result.interrupted) return INTERRUPTED;
  const code = exitCodeFor(reports, args.failOn);
  return result.errors.length > 0 ? 2 : code;
}
