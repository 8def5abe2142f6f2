import { existsSync } from 'node:fs';
import { SEVERITY, type CheckStatus } from '../checks/check.js';
import { InspectError, describeError } from '../errors.js';
import { redact } from '../redact.js';
import { inspectLocal } from '../report/inspectLocal.js';
import type { Report } from '../report/report.js';
import { renderJson, renderNdjsonLine } from '../render/json.js';
import { makeStyle, colourWanted } from '../render/style.js';
import { renderTable } from '../render/table.js';
import { INSPECTOR_VERSION } from '../version.js';
import { parseCli, USAGE, type FailOn, type InspectArgs } from './args.js';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
}

/** Function names and ARNs, as Lambda accepts them (an optional :qualifier). */
const FUNCTION_ARN = /^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+(?::[\w$-]+)?$/;
const FUNCTION_NAME = /^[\w-]{1,140}(?::[\w$-]{1,128})?$/;

export function looksLikeFunction(target: string): boolean {
  return FUNCTION_ARN.test(target) || FUNCTION_NAME.test(target);
}

export function exitCodeFor(reports: readonly Report[], failOn: FailOn): 0 | 1 | 2 {
  if (reports.some((r) => r.errors.length > 0)) return 2;
  if (failOn === 'never') return 0;
  const bar = SEVERITY[failOn as CheckStatus];
  return reports.some((r) => r.checks.some((c) => SEVERITY[c.status] >= bar)) ? 1 : 0;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const err = (line: string) => io.stderr.write(`rotation-inspector: ${redact(line)}\n`);
  let debug = argv.includes('--debug');
  try {
    const args = parseCli(argv);
    if (args.command === 'help') { io.stdout.write(`${USAGE}\n`); return 0; }
    if (args.command === 'version') { io.stdout.write(`${INSPECTOR_VERSION}\n`); return 0; }
    if (args.command === 'scan') {
      debug = args.debug;
      const { runScan } = await import('./scanCommand.js');
      return await runScan(args, io);
    }
    debug = args.debug;
    return await runInspect(args, io);
  } catch (e) {
    if (e instanceof InspectError) {
      err(e.message);
      if (e.code === 'usage') io.stderr.write('Run "rotation-inspector --help" for usage.\n');
    } else {
      err(`internal error: ${describeError(e)}${debug ? '' : ' (run with --debug for details)'}`);
    }
    if (debug && e instanceof Error && e.stack) io.stderr.write(`${redact(e.stack)}\n`);
    return 2;
  }
}

async function runInspect(args: InspectArgs, io: CliIo): Promise<number> {
  const style = makeStyle(colourWanted(io.stdout, io.env));
  const reports: Report[] = [];
  for (const target of args.targets) {
    const isFunction = args.forceFunction || (!existsSync(target) && looksLikeFunction(target));
    let report: Report;
    if (isFunction) {
      const { inspectFunctionTarget } = await import('../aws/inspectFunction.js');
      report = await inspectFunctionTarget(target, {
        region: args.region, profile: args.profile, endpointUrl: args.endpointUrl, created: args.created,
        maxEntryBytes: args.maxEntryBytes, limits: args.limits, debug: args.debug ? (line) => io.stderr.write(`debug: ${redact(line)}\n`) : undefined,
      });
    } else {
      report = await inspectLocal(target, { created: args.created, ...(args.maxEntryBytes ? { maxEntryBytes: args.maxEntryBytes } : {}) });
    }
    reports.push(report);
    for (const e of report.errors) {
      io.stderr.write(`rotation-inspector: ${redact(e.message.startsWith(report.target.id) ? e.message : `${report.target.id}: ${e.message}`)}${args.debug ? ` [${e.code}]` : ''}\n`);
    }
    if (args.format === 'table') io.stdout.write(redact(renderTable(report, style)) + (args.targets.length > 1 ? '\n' : ''));
    else if (args.format === 'ndjson') io.stdout.write(redact(renderNdjsonLine(report)));
  }
  if (args.format === 'json') io.stdout.write(redact(renderJson(reports, args.targets.length === 1)));
  return exitCodeFor(reports, args.failOn);
}
