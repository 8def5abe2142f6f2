import { groupInvocations, type Invocation, type LogEvent } from '../facts/logs/lambdaLogs.js';
import { awsError, type AwsCallContext } from './awsErrors.js';
import { diagnoseSdk, type DiagnoseClients } from './diagnoseClients.js';
import type { CallOptions } from './session.js';

/**
 * Only the lines a diagnosis reads: the runtime's START/END/REPORT and
 * "Task timed out" (text) and platform records (JSON), errors, and the
 * templates' own messages. CloudWatch term patterns are case-sensitive; `?`
 * makes each term optional, so an event matching any of them is returned.
 */
export const ROTATION_FILTER_PATTERN = [
  'START', 'END', 'REPORT', '"Task timed out"', '"platform.start"', '"platform.report"', 'ERROR', 'WARNING',
  '"Found credentials"', 'createSecret', 'setSecret', 'testSecret', 'finishSecret', '"Successfully established"',
  '"Unable to"', '"key is missing"', '"Database engine"', 'AWSPENDING', 'AWSCURRENT', '"RDS API"', 'ImportModuleError', 'Hostname', 'Traceback',
].map((t) => `?${t}`).join(' ');

/** Budget of one log read: events and pages (empty pages count). */
export const MAX_LOG_EVENTS = 50_000;
export const MAX_LOG_PAGES = 200;

export interface LogsAnswer {
  invocations: Invocation[] | null;
  /** Why the invocations are missing or partial. */
  note?: string;
  events: number;
  pages: number;
}

/** FilterLogEvents over [since, now] through the SDK's paginator, grouped into invocations. A refusal becomes `unknown`. */
export async function rotationInvocations(clients: DiagnoseClients, logGroup: string, since: Date, now: Date, ctx: (action: string) => AwsCallContext, call: () => CallOptions, debug?: (line: string) => void): Promise<LogsAnswer> {
  const s = await diagnoseSdk();
  const events: LogEvent[] = [];
  let pages = 0;
  let note: string | undefined;
  try {
    const options = call();
    const paginator = s.logs.paginateFilterLogEvents({ client: clients.logs, pageSize: 10_000 }, {
      logGroupName: logGroup, startTime: since.getTime(), endTime: now.getTime(), filterPattern: ROTATION_FILTER_PATTERN,
    }, options);
    // A page may be empty while nextToken is present: the paginator follows it; only the absence of a token ends the read.
    for await (const page of paginator) {
      options.renew();
      pages++;
      for (const e of page.events ?? []) {
        if (e.timestamp === undefined || e.message === undefined) continue;
        events.push({ timestamp: e.timestamp, message: e.message, logStreamName: e.logStreamName });
      }
      if (events.length >= MAX_LOG_EVENTS || pages >= MAX_LOG_PAGES) {
        note = `log read stopped after ${pages} page(s) and ${events.length} event(s) (the budget); later invocations may be missing`;
        break;
      }
    }
  } catch (e) {
    if ((e as { name?: string }).name === 'ResourceNotFoundException') {
      return { invocations: [], note: `log group ${logGroup} does not exist: the function has never logged`, events: 0, pages };
    }
    const err = awsError(e, ctx('logs:FilterLogEvents'));
    return { invocations: null, note: err.message, events: events.length, pages };
  }
  debug?.(`logs:FilterLogEvents ${logGroup}: ${events.length} event(s) in ${pages} page(s)`);
  return { invocations: groupInvocations(events), ...(note ? { note } : {}), events: events.length, pages };
}
