import { readFileSync } from 'node:fs';
import { InspectError, describeError } from '../errors.js';
import { showOutsideText } from '../render/outsideText.js';
import { sortWorstFirst } from '../render/summary.js';
import { mergeScanStreams, type NdjsonInput } from '../scan/mergeRuns.js';
import type { MergeArgs } from './args.js';
import { errorLine, openReportSink, type CliIo } from './cliIo.js';
import { exitCodeFor, type ExitCode } from './exitCodes.js';
import { writeRunOutput } from './runOutput.js';

/**
 * `merge FILE...`: scans written as ndjson (one per account, or per --accounts slice) become one run, rendered in
 * any format with the summary a single run over the same accounts gives. Reads files only; no AWS call.
 */
export async function runMerge(args: MergeArgs, io: CliIo): Promise<ExitCode> {
  const inputs: NdjsonInput[] = args.files.map((file) => {
    try {
      return { name: file, text: readFileSync(file === '-' ? 0 : file, 'utf8') };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InspectError('usage', `merge: cannot read ${showOutsideText(file)}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code ?? describeError(e)}`);
    }
  });
  const { run, notes } = mergeScanStreams(inputs);
  for (const note of notes) io.stderr.write(errorLine(note));
  const sink = openReportSink(io, args.output);
  writeRunOutput(io, sink, run, args);
  return exitCodeFor({ reports: sortWorstFirst(run.reports), listingFailed: run.listingFailures.length > 0, interrupted: run.interrupted }, args.failOn);
}
