import { existsSync } from 'node:fs';
import { redact } from '../redact.js';
import { showOutsideText } from '../render/outsideText.js';
import { ignoreMatcher, readIgnoreFile } from '../report/ignoreRules.js';
import { inspectLocal } from '../report/inspectLocal.js';
import type { Report } from '../report/report.js';
import { renderJson, renderNdjsonLine } from '../render/json.js';
import { makeStyle } from '../render/style.js';
import { ignoreNotes } from '../render/summary.js';
import { renderTable } from '../render/table.js';
import type { InspectArgs } from './args.js';
import { errorLine, openReportSink, type CliIo } from './cliIo.js';
import { exitCodeFor, type ExitCode } from './exitCodes.js';
import { checkAwsSettings } from './awsSettings.js';
import { summaryLine } from './summaryLine.js';

/** Function names and ARNs, as Lambda accepts them (an optional :qualifier). */
const FUNCTION_ARN = /^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+(?::[\w$-]+)?$/;
const FUNCTION_NAME = /^[\w-]{1,140}(?::[\w$-]{1,128})?$/;

export function looksLikeFunction(target: string): boolean {
  return FUNCTION_ARN.test(target) || FUNCTION_NAME.test(target);
}

export async function runInspect(args: InspectArgs, io: CliIo): Promise<ExitCode> {
  const isFunction = args.targets.map((t) => args.forceFunction || (!existsSync(t) && looksLikeFunction(t)));
  if (isFunction.some(Boolean)) await checkAwsSettings(args, io.env);
  const ignore = args.ignoreFile === undefined ? undefined : ignoreMatcher(readIgnoreFile(args.ignoreFile), new Date().toISOString().slice(0, 10), args.ignoreFile);
  const sink = openReportSink(io, args.output);
  const style = makeStyle(sink.colour);
  const width = sink.target.isTTY ? sink.target.columns ?? 80 : undefined;
  const reports: Report[] = [];
  try {
    for (const [i, target] of args.targets.entries()) {
      let report: Report;
      if (isFunction[i]) {
        const { inspectFunctionTarget } = await import('../aws/inspectFunction.js');
        report = await inspectFunctionTarget(target, {
          region: args.region, profile: args.profile, endpointUrl: args.endpointUrl, created: args.created,
          maxEntryBytes: args.maxEntryBytes, maxBundleBytes: args.maxBundleBytes, limits: args.limits, debug: args.debug ? (line) => io.stderr.write(`debug: ${redact(showOutsideText(line))}\n`) : undefined,
        });
      } else {
        report = await inspectLocal(target, { created: args.created, ...(args.maxEntryBytes ? { maxEntryBytes: args.maxEntryBytes } : {}), ...(args.maxBundleBytes ? { maxBundleBytes: args.maxBundleBytes } : {}) });
      }
      ignore?.apply(report);
      reports.push(report);
      for (const e of report.errors) {
        const id = report.target.id;
        io.stderr.write(errorLine(`${e.message.startsWith(id) ? e.message : `${id}: ${e.message}`}${args.debug ? ` [${e.code}]` : ''}`));
      }
      for (const w of report.warnings ?? []) io.stderr.write(errorLine(`warning: ${report.target.id}: ${w.message}`));
      if (args.format === 'table') sink.write(renderTable(report, style, width) + (args.targets.length > 1 ? '\n' : ''));
      else if (args.format === 'ndjson') sink.write(renderNdjsonLine(report));
    }
    if (args.format === 'json') sink.write(renderJson(reports, args.targets.length === 1));
  } finally {
    sink.close();
  }
  for (const note of ignoreNotes(ignore?.outcome())) io.stderr.write(errorLine(note));
  if (sink.file !== undefined && !args.quiet) io.stderr.write(`${redact(summaryLine(reports, 'target', sink.file))}\n`);
  return exitCodeFor({ reports }, args.failOn);
}
