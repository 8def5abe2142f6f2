import { redact } from '../redact.js';
import { showOutsideText } from '../render/outsideText.js';
import { colourWanted } from '../render/style.js';
import { defaultCacheDir, openFindingsCache, type FindingsCache } from '../scan/findingsCache.js';
import { INSPECTOR_VERSION } from '../version.js';
import { checkAwsSettings } from './awsSettings.js';
import { errorLine, exitNow, onInterrupt, openReportSink, type CliIo, type ReportSink } from './cliIo.js';
import { EXIT } from './exitCodes.js';
import { createProgress, type Progress } from './progress.js';

/** Ctrl-C for an account-wide run: the first one stops starting new work, the second quits at once. */
export interface RunControl {
  signal: AbortSignal;
  /** A stderr line through the progress display, so none lands on the bar's line. */
  err(line: string): void;
  stop(): void;
}

/**
 * `finishing` names what is left to finish ("the functions in flight"),
 * `notDone()` what a second Ctrl-C leaves undone ("3 of 10 discovered function(s) not inspected").
 */
export function controlRun(io: CliIo, progress: Progress, parent: AbortSignal | undefined, finishing: string, notDone: () => string): RunControl {
  const err = (line: string) => progress.message(errorLine(line).trimEnd());
  const controller = new AbortController();
  parent?.addEventListener('abort', () => controller.abort(), { once: true });
  let interrupts = 0;
  const stop = onInterrupt(io, () => {
    interrupts++;
    if (interrupts > 1) {
      progress.done();
      err(`interrupted again: quitting now; ${notDone()}, no report written`);
      exitNow(io, EXIT.interrupted);
      return;
    }
    err(`interrupted: stopping ${finishing}, then printing what is done (Ctrl-C again to quit at once)`);
    controller.abort();
  });
  return { signal: controller.signal, err, stop };
}

/** What an account-wide command (scan, diagnose) sets up before its work: settings checked, the report sink, progress, Ctrl-C. */
export interface AccountRun {
  sink: ReportSink;
  progress: Progress;
  control: RunControl;
  /** Found and finished so far, for the second Ctrl-C's message. */
  counts: { found: number; done: number };
  /** The on-disk findings cache, unless --no-cache. */
  cache: FindingsCache | undefined;
  /** --debug lines through the progress display, or undefined. */
  debug: ((line: string) => void) | undefined;
  /** Runs the work with the progress display and Ctrl-C in place; the sink is closed if it throws. */
  work<T>(f: () => Promise<T>): Promise<T>;
}

export async function startAccountRun(
  args: { profile: string | undefined; region: string | undefined; output: string | undefined; quiet: boolean; debug: boolean; noCache: boolean; cacheDir: string | undefined }, io: CliIo, signal: AbortSignal | undefined,
  finishing: string, notDone: (c: { found: number; done: number }) => string,
): Promise<AccountRun> {
  await checkAwsSettings(args, io.env);
  const sink = openReportSink(io, args.output);
  const progress = createProgress(io.stderr, { colour: colourWanted(io.stderr, io.env), bar: !args.quiet });
  const counts = { found: 0, done: 0 };
  const control = controlRun(io, progress, signal, finishing, () => notDone(counts));
  const opened = args.noCache ? undefined : openFindingsCache(args.cacheDir ?? defaultCacheDir(io.env), INSPECTOR_VERSION);
  const refused = await opened?.refused;
  if (refused) control.err(`cache not used: ${showOutsideText(refused)}; going on without it`);
  const cache = refused ? undefined : opened;
  const debug = args.debug ? (line: string) => progress.message(`debug: ${redact(showOutsideText(line))}`) : undefined;
  const work = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      sink.close();
      throw e;
    } finally {
      progress.done();
      control.stop();
    }
  };
  return { sink, progress, counts, cache, debug, control, work };
}
