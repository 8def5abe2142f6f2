import { redact } from '../redact.js';
import { showOutsideText } from '../render/outsideText.js';
import { applyIgnoreRules, readIgnoreFile } from '../report/ignoreRules.js';
import { accountOf, ignoreNotes, scanRunOf, sortWorstFirst } from '../render/summary.js';
import { scanAccount, type ScanOptions, type ScanResult } from '../scan/scanAccount.js';
import type { AccountOutcome } from '../scan/scanAccounts.js';
import type { ScanArgs } from './args.js';
import type { CliIo } from './cliIo.js';
import { exitCodeFor, type ExitCode } from './exitCodes.js';
import type { InspectionOutcome } from './progress.js';
import { startAccountRun } from './runControl.js';
import { writeRunOutput } from './runOutput.js';

export async function runScan(args: ScanArgs, io: CliIo, signal?: AbortSignal): Promise<ExitCode> {
  const ignoreRules = args.ignoreFile === undefined ? undefined : readIgnoreFile(args.ignoreFile);
  const { sink, progress, control, counts, cache, debug, work } = await startAccountRun(args, io, signal, 'the functions in flight', (c) => `${c.found - c.done} of ${c.found} discovered function(s) not inspected`);
  const { err } = control;
  const accounts = args.accounts;
  // Many accounts: the fan-out (and the STS/Organizations clients) is loaded only when asked for.
  const scan = accounts
    ? async (o: ScanOptions) => (await import('../scan/scanAccounts.js')).scanAccounts({ ...o, accounts, perAccountConcurrency: args.accountConcurrency })
    : scanAccount;
  const startedAt = new Date();
  const result: ScanResult & { accounts?: AccountOutcome[] } = await work(() => scan({
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

  for (const r of result.reports) {
    const id = r.account ? undefined : accountOf(r);
    if (id) r.account = { id };
  }
  for (const a of result.accounts ?? []) {
    const who = `account ${a.id}${a.name ? ` (${a.name})` : ''}`;
    if (a.skipped) err(`${who}: skipped, the account is ${a.state ?? 'not active'} (its role is never assumed)`);
    else if (a.credentials === 'base') err(`${who}: read with the base credentials (sts:AssumeRole on ${a.roleArn} was refused; it is the caller's own account)`);
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

  writeRunOutput(io, sink, run, args);
  return exitCodeFor({ reports, listingFailed: result.errors.length > 0, interrupted: result.interrupted }, args.failOn);
}

