import { readFile, writeFile } from 'node:fs/promises';
import { SEVERITY } from '../checks/check.js';
import { diagnoseSnapshotFile, parseDiagnoseSnapshotFile, reportsFromSnapshotFile, type SavedSecret } from '../diagnose/diagnoseSnapshotFile.js';
import { describeError, InspectError } from '../errors.js';
import { NOT_FAILURES } from '../diagnose/diagnose.js';
import type { SecretReport } from '../diagnose/secretReport.js';
import { redact } from '../redact.js';
import {
  renderDiagnoseCsv, renderDiagnoseJson, renderDiagnoseMarkdown, renderDiagnoseNdjson, renderDiagnoseSarif, renderDiagnoseTable, secretName, summarizeSecrets,
} from '../render/diagnose.js';
import { makeStyle } from '../render/style.js';
import { accountNotes } from '../render/summary.js';
import type { AccountOutcome } from '../scan/accountFanOut.js';
import { diagnoseRun, type DiagnoseRunOptions, type DiagnoseRunResult } from '../scan/diagnoseAccount.js';
import { INSPECTOR_VERSION } from '../version.js';
import type { DiagnoseArgs } from './args.js';
import type { CliIo } from './cliIo.js';
import { EXIT, type ExitCode, type FailOn } from './exitCodes.js';
import { startAccountRun } from './runControl.js';

/**
 * 130 when interrupted; 2 when a secret (or a region's listing) could not be
 * read; else 1 when a diagnosis names a failure (anything but ok,
 * not-configured, managed-rotation) or a check is at or above --fail-on
 * (--fail-on never: only 2 and 130); else 0.
 */
export function diagnoseExitCode(run: Pick<DiagnoseRunResult, 'reports' | 'errors' | 'interrupted'>, failOn: FailOn): ExitCode {
  if (run.interrupted) return EXIT.interrupted;
  if (run.errors.length > 0 || run.reports.some((r) => r.errors.length > 0)) return EXIT.couldNotJudge;
  if (failOn === 'never') return EXIT.clean;
  if (run.reports.some((r) => !NOT_FAILURES.has(r.diagnosis.cause))) return EXIT.findings;
  const bar = SEVERITY[failOn];
  return run.reports.some((r) => r.checks.some((c) => SEVERITY[c.status] >= bar)) ? EXIT.findings : EXIT.clean;
}

const SECRET_ACCOUNT = /^arn:aws[\w-]*:secretsmanager:[\w-]+:(\d{12}):secret:/;
/** --from-snapshot: the saved run's reports, diagnosed again; a bad file is a one-line error (exit 2). */
async function replay(file: string): Promise<DiagnoseRunResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InspectError('bad-snapshot', `--from-snapshot ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? describeError(e)})`);
  }
  let saved;
  try {
    saved = parseDiagnoseSnapshotFile(text);
  } catch (e) {
    throw new InspectError('bad-snapshot', `--from-snapshot ${file}: ${(e as Error).message}`);
  }
  const reports = reportsFromSnapshotFile(saved);
  return { reports, notDiagnosed: [], regions: [], errors: [], interrupted: false, counters: { secrets: reports.length, functions: 0, logReads: 0, codeDownloads: 0 } };
}

export async function runDiagnose(args: DiagnoseArgs, io: CliIo, signal?: AbortSignal): Promise<ExitCode> {
  const saved: SavedSecret[] = [];
  const replayed = args.fromSnapshot !== undefined ? await replay(args.fromSnapshot) : null;
  const { sink, progress, control, counts, cache, debug, work } = await startAccountRun(replayed ? { ...args, noCache: true } : args, io, signal, 'the secrets in flight', (c) => `${c.found - c.done} of ${c.found} secret(s) not diagnosed`);
  const { err } = control;
  const accounts = args.accounts;
  // Many accounts: scan's fan-out (and the STS/Organizations clients) is loaded only when asked for.
  const run = accounts
    ? async (o: DiagnoseRunOptions) => (await import('../scan/diagnoseAccounts.js')).diagnoseAccounts({ ...o, allRegions: o.allRegions === true, accounts, perAccountConcurrency: args.accountConcurrency })
    : diagnoseRun;
  const result: DiagnoseRunResult & { accounts?: AccountOutcome[] } = replayed ? await work(async () => replayed) : await work(() => run({
    secrets: args.secrets, all: args.all, regions: args.regions, allRegions: args.allRegions, region: args.region, concurrency: args.concurrency,
    since: args.since, readSecretKeys: args.readSecretKeys, database: args.database, created: null,
    ...(args.saveSnapshot !== undefined ? { onSnapshot: (x: SavedSecret) => { saved.push(x); } } : {}),
    profile: args.profile, endpointUrl: args.endpointUrl, maxEntryBytes: args.maxEntryBytes, maxBundleBytes: args.maxBundleBytes, limits: args.limits, cache, signal: control.signal, env: io.env,
    debug,
    onDiscovered: (n) => { counts.found = n; progress.found(n); progress.discoveryDone(n); },
    onDiagnosed: (r) => {
      counts.done++;
      progress.inspected(secretName(r), r.errors.length ? 'error' : NOT_FAILURES.has(r.diagnosis.cause) ? 'ok' : 'failing');
      if (args.debug) progress.message(`debug: diagnosed ${redact(secretName(r))}: ${r.diagnosis.cause} (${r.diagnosis.confidence})`);
    },
  }));

  // One account: each report's account is the one in its secret's ARN.
  for (const r of result.reports) {
    const id = r.account ? undefined : SECRET_ACCOUNT.exec(r.secret?.arn ?? r.target.id)?.[1];
    if (id) r.account = { id };
  }
  for (const note of accountNotes(result.accounts ?? [])) err(note);
  for (const l of result.regions) if (l.notEnabled) err(`${l.region}: skipped (the region is not enabled for this account)`);
  for (const e of result.errors) err(e.message);
  for (const r of result.reports) for (const e of r.errors) err(`${e.message.startsWith(r.target.id) ? e.message : `${r.target.id}: ${e.message}`}${args.debug ? ` [${e.code}]` : ''}`);
  if (result.notDiagnosed.length > 0) err(`interrupted: ${result.notDiagnosed.length} of ${result.counters.secrets} secret(s) were not diagnosed: ${result.notDiagnosed.join(', ')}`);
  if (args.debug) {
    const c = result.counters;
    err(`debug: ${c.secrets} secrets, ${c.functions} functions, ${c.logReads} log reads, ${c.codeDownloads} code downloads`);
  }
  if (args.saveSnapshot !== undefined) {
    const unreadable = result.reports.filter((r) => r.secret === null && r.errors.length > 0).map((r) => ({ id: r.target.id, ...(r.target.region ? { region: r.target.region } : {}), error: r.errors[0]! }));
    try {
      await writeFile(args.saveSnapshot, `${JSON.stringify(diagnoseSnapshotFile(INSPECTOR_VERSION, saved, unreadable), null, 1)}\n`, { mode: 0o600 });
      if (!args.quiet) io.stderr.write(`${redact(`wrote ${args.saveSnapshot}: the snapshot of ${saved.length} secret(s); replay it with diagnose --from-snapshot`)}\n`);
    } catch (e) {
      err(`--save-snapshot ${args.saveSnapshot}: cannot write it (${(e as NodeJS.ErrnoException).code ?? describeError(e)})`);
      sink.close();
      return EXIT.couldNotJudge;
    }
  }
  const summary = summarizeSecrets(result.reports, result.notDiagnosed, result.interrupted,
    result.accounts ?? [...new Set(result.reports.flatMap((r) => (r.account ? [r.account.id] : [])))].map((id) => ({ id })));
  const reports: readonly SecretReport[] = result.reports;
  try {
    switch (args.format) {
      case 'json': sink.write(renderDiagnoseJson(reports, !args.all && args.secrets.length === 1, summary)); break;
      case 'ndjson': sink.write(renderDiagnoseNdjson(reports)); break;
      case 'csv': sink.write(renderDiagnoseCsv(reports)); break;
      case 'sarif': sink.write(renderDiagnoseSarif(reports, INSPECTOR_VERSION)); break;
      case 'markdown': sink.write(renderDiagnoseMarkdown(reports, summary)); break;
      default:
        if (reports.length === 0 && result.errors.length === 0) sink.write('No secret names a rotation function in the regions read.\n');
        else sink.write(renderDiagnoseTable(reports, makeStyle(sink.colour), summary, result.accounts !== undefined));
    }
  } finally {
    sink.close();
  }
  if (sink.file !== undefined && !args.quiet) io.stderr.write(`${redact(`wrote ${sink.file}: ${summary.secrets} secret(s): ${summary.failing} failing, ${summary.ok} ok, ${summary.unknown} unknown${summary.errors ? `; ${summary.errors} with errors` : ''}`)}\n`);
  return diagnoseExitCode(result, args.failOn);
}
