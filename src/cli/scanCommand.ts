import { redact } from '../redact.js';
import { showOutsideText } from '../render/outsideText.js';
import { renderCsv } from '../render/csv.js';
import { renderMarkdown } from '../render/markdown.js';
import { renderSarif } from '../render/sarif.js';
import { makeStyle, colourWanted } from '../render/style.js';
import { renderSummaryTable, sortWorstFirst, summarize } from '../render/summary.js';
import { defaultCacheDir, openFindingsCache } from '../scan/findingsCache.js';
import { scanAccount, type ScanResult } from '../scan/scanAccount.js';
import { INSPECTOR_VERSION } from '../version.js';
import type { ScanArgs } from './args.js';
import { exitCodeFor, type CliIo } from './main.js';
import { createProgress } from './progress.js';

/** Exit code for Ctrl-C, as shells report a SIGINT death. */
export const INTERRUPTED = 130;

export async function runScan(args: ScanArgs, io: CliIo, signal?: AbortSignal): Promise<number> {
  const err = (line: string) => io.stderr.write(`rotation-inspector: ${redact(line)}\n`);
  const controller = new AbortController();
  signal?.addEventListener('abort', () => controller.abort(), { once: true });
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(INTERRUPTED);
    err('interrupted: stopping the functions in flight, then printing what is done (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const progress = createProgress(io.stderr, 0, { colour: colourWanted(io.stderr, io.env), verb: 'scanning' });
  let result: ScanResult;
  try {
    const opened = args.noCache ? undefined : openFindingsCache(args.cacheDir ?? defaultCacheDir(io.env), INSPECTOR_VERSION);
    const refused = await opened?.refused;
    if (refused) err(`cache not used: ${showOutsideText(refused)}; going on without it`);
    const cache = refused ? undefined : opened;
    result = await scanAccount({
      regions: args.regions, allRegions: args.allRegions, concurrency: args.concurrency, profile: args.profile, endpointUrl: args.endpointUrl,
      region: args.region, maxEntryBytes: args.maxEntryBytes, limits: args.limits, cache, signal: controller.signal, env: io.env,
      debug: args.debug ? (line) => io.stderr.write(`debug: ${redact(line)}\n`) : undefined,
      onDiscovered: (n) => progress.setTotal(n),
      onInspected: (r) => {
        progress.tick(r.function?.name ?? r.target.id);
        if (args.debug) io.stderr.write(`debug: inspected ${redact(r.function?.name ?? r.target.id)}\n`);
      },
    });
  } finally {
    progress.done();
    process.off('SIGINT', onSigint);
  }

  const reports = sortWorstFirst(result.reports);
  const summary = summarize(result.reports);
  for (const l of result.regions) if (l.notEnabled) err(`${l.region}: skipped (the region is not enabled for this account)`);
  for (const e of result.errors) err(e.message);
  for (const r of reports) for (const e of r.errors) err(e.message.startsWith(r.target.id) ? e.message : `${r.function?.name ?? r.target.id}: ${e.message}`);
  if (result.notInspected.length > 0) err(`interrupted: ${result.notInspected.length} of ${result.counters.functions} discovered function(s) were not inspected: ${result.notInspected.join(', ')}`);
  if (args.debug) {
    const c = result.counters;
    err(`debug: ${c.functions} functions, ${c.secrets} secrets, ${c.codeDownloads} code downloads, ${c.layerDownloads} layer downloads, ${c.stackLookups} stack lookups, ${c.cacheHits} cache hits`);
  }

  const out = (text: string) => io.stdout.write(redact(text));
  switch (args.format) {
    case 'json':
      out(`${JSON.stringify({ reports, summary: { ...summary, notInspected: result.notInspected, interrupted: result.interrupted, regions: result.regions.map((r) => ({ region: r.region, ...(r.notEnabled ? { notEnabled: true } : {}), ...(r.error ? { error: r.error.message } : {}) })), discoveryErrors: result.errors } }, null, 2)}\n`);
      break;
    case 'ndjson':
      for (const r of reports) out(`${JSON.stringify(r)}\n`);
      break;
    case 'csv': out(renderCsv(reports)); break;
    case 'sarif': out(`${renderSarif(reports, INSPECTOR_VERSION)}\n`); break;
    case 'markdown': out(renderMarkdown(reports, summary)); break;
    default: {
      const style = makeStyle(colourWanted(io.stdout, io.env));
      if (reports.length === 0 && result.errors.length === 0) out(`No rotation functions found: no secret in ${result.regions.map((r) => r.region).join(', ')} names a RotationLambdaARN.\n`);
      else out(renderSummaryTable(reports, style));
    }
  }
  if (result.interrupted) return INTERRUPTED;
  const code = exitCodeFor(reports, args.failOn);
  return result.errors.length > 0 ? 2 : code;
}
