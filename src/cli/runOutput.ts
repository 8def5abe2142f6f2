import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InspectError } from '../errors.js';
import { redact } from '../redact.js';
import { showOutsideText } from '../render/outsideText.js';
import { renderPerAccount, renderScanOutput, type ScanFormat } from '../render/scanOutput.js';
import { makeStyle } from '../render/style.js';
import { isPartial, type ScanRun } from '../render/summary.js';
import { INSPECTOR_VERSION } from '../version.js';
import type { ReportSink, CliIo } from './cliIo.js';
import { summaryLine } from './summaryLine.js';

/**
 * A run's report where the user asked (scan and merge): the sink (stdout or -o), or --output-dir's per-account
 * files plus summary.json. A file written leaves the summary line on stderr (unless --quiet).
 */
export function writeRunOutput(io: CliIo, sink: ReportSink, run: ScanRun, args: { format: ScanFormat; outputDir?: string | undefined; quiet: boolean }): void {
  if (args.outputDir !== undefined) {
    sink.close();
    const files = renderPerAccount(run, { format: args.format, style: makeStyle(false), toolVersion: INSPECTOR_VERSION });
    writeOutputDir(args.outputDir, files);
    if (!args.quiet) io.stderr.write(`${redact(summaryLine(run.reports, 'function', join(args.outputDir, 'summary.json'), isPartial(run)))} (${files.length - 1} account file${files.length === 2 ? '' : 's'})\n`);
    return;
  }
  try {
    const width = sink.target.isTTY ? sink.target.columns ?? 80 : undefined;
    sink.write(renderScanOutput(run, { format: args.format, style: makeStyle(sink.colour), width, toolVersion: INSPECTOR_VERSION }));
  } finally {
    sink.close();
  }
  if (sink.file !== undefined && !args.quiet) io.stderr.write(`${redact(summaryLine(run.reports, 'function', sink.file, isPartial(run)))}\n`);
}

/** Writes --output-dir's files (created when missing); a directory that cannot be written is one line, exit 2. */
function writeOutputDir(dir: string, files: ReadonlyArray<{ name: string; text: string }>): void {
  try {
    mkdirSync(dir, { recursive: true });
    for (const f of files) writeFileSync(join(dir, f.name), redact(f.text));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InspectError('usage', `--output-dir: cannot write to ${showOutsideText(dir)}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOTDIR' || code === 'EEXIST' ? 'it is not a directory' : code ?? 'write failed'}`);
  }
}
