import { redact } from '../redact.js';
import { renderCsv } from '../render/csv.js';
import { renderMarkdown } from '../render/markdown.js';
import { renderSarif } from '../render/sarif.js';
import { makeStyle } from '../render/style.js';
import { renderSummaryTable, sortWorstFirst, summarize } from '../render/summary.js';
import { scanAccount, type ScanResult } from '../scan/scanAccount.js';
import { INSPECTOR_VERSION } from '../version.js';
import type { ScanArgs } from './args.js';
import type { CliIo } from './cliIo.js';
import { exitCodeFor, type ExitCode } from './exitCodes.js';
import type { InspectionOutcome } from './progress.js';
import { startAccountRun } from './runControl.js';
import { summaryLine } from './summaryLine.js';

export async function runScan(args: ScanArgs, io: CliIo, signal?: AbortSignal): Promise<ExitCode> {
  const { sink, progress, control, counts, cache, debug, work } = await startAccountRun(args, io, signal, 'the functions in flight', (c) => `${c.found - c.done} of ${c.found} discovered function(s) not inspected`);
  const { err } = control;
  const result: ScanResult = await work(() => scanAccount({
    regions: args.regions, allRegions: args.allRegions, concurrency: args.concurrency, profile: args.profile, endpointUrl: args.endpointUrl,
    region: args.region, maxEntryBytes: args.maxEntryBytes, cache, signal: control.signal, env: io.env,
    debug,
    onDiscovered: (n) => { counts.found = n; progress.found(n); },
    onDiscoveryDone: (n) => { counts.found = n; progress.discoveryDone(n); },
    onInspected: (r) => {
      counts.done++;
      const outcome: InspectionOutcome = r.errors.length > 0 ? 'error' : r.checks.some((c) => c.status === 'fail') ? 'failing' : 'ok';
      const name = r.function?.name ?? r.target.id;
      progress.inspected(name, outcome);
      if (args.debug) progress.message(`debug: inspected ${redact(name)}`);
    },
  }));

  const reports = sortWorstFirst(result.reports);
  const summary = summarize(result.reports);
  for (const l of result.regions) if (l.notEnabled) err(`${l.region}: skipped (the region is not enabled for this account)`);
  for (const e of result.errors) err(e.message);
  for (const r of reports) for (const e of r.errors) err(e.message.startsWith(r.target.id) ? e.message : `${r.function?.name ?? r.target.id}: ${e.message}`);
  for (const r of reports) for (const w of r.warnings ?? []) err(`warning: ${r.function?.name ?? r.target.id}: ${w.message}`);
  if (result.notInspected.length > 0) err(`interrupted: ${result.notInspected.length} of ${result.counters.functions} discovered function(s) were not inspected: ${result.notInspected.join(', ')}`);
  if (args.debug) {
    const c = result.counters;
    err(`debug: ${c.functions} functions, ${c.secrets} secrets, ${c.codeDownloads} code downloads, ${c.layerDownloads} layer downloads, ${c.stackLookups} stack lookups, ${c.cacheHits} cache hits`);
  }

  const out = (text: string) => sink.write(text);
  try {
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
        const style = makeStyle(sink.colour);
        if (reports.length === 0 && result.errors.length === 0) out(`No rotation functions found: no secret in ${result.regions.map((r) => r.region).join(', ')} names a RotationLambdaARN.\n`);
        else out(renderSummaryTable(reports, style));
      }
    }
  } finally {
    sink.close();
  }
  if (sink.file !== undefined && !args.quiet) io.stderr.write(`${redact(summaryLine(result.reports, 'function', sink.file))}\n`);
  return exitCodeFor({ reports, listingFailed: result.errors.length > 0, interrupted: result.interrupted }, args.failOn);
}
