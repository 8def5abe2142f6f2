import { closeSync, openSync, writeSync } from 'node:fs';
import { InspectError, describeError } from '../errors.js';
import { redact } from '../redact.js';
import { showOutsideText } from '../render/outsideText.js';
import { colourWanted } from '../render/style.js';

/** What a command may touch: its streams, its environment, Ctrl-C. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  /** Registers a Ctrl-C handler and returns its removal (default: the process's SIGINT). */
  onInterrupt?: (handler: () => void) => () => void;
  /** Leaves at once with this code (default: process.exit): a second Ctrl-C. */
  exitNow?: (code: number) => void;
}

export function onInterrupt(io: CliIo, handler: () => void): () => void {
  if (io.onInterrupt) return io.onInterrupt(handler);
  process.on('SIGINT', handler);
  return () => { process.off('SIGINT', handler); };
}

export function exitNow(io: CliIo, code: number): void {
  if (io.exitNow) io.exitNow(code);
  else process.exit(code);
}

/** One line for stderr, prefixed with the program name, outside text made inert, redacted. */
export function errorLine(line: string): string {
  return `rotation-inspector: ${redact(showOutsideText(line))}\n`;
}

/** Where the report goes: stdout, or the file named by -o/--output. */
export interface ReportSink {
  /** The stream the report's looks follow (a file is never a terminal). */
  target: { isTTY?: boolean; columns?: number };
  /** Colour in the report: on stdout as NO_COLOR/FORCE_COLOR/terminal say; never in a file. */
  colour: boolean;
  /** The file, when the report goes to one. */
  file: string | undefined;
  write(text: string): void;
  close(): void;
}

/**
 * Opens -o FILE before any work, so a path that cannot be written is a usage
 * error at once, not after a long scan. Every write is redacted.
 */
export function openReportSink(io: CliIo, file: string | undefined): ReportSink {
  if (file === undefined || file === '-') {
    return { target: io.stdout, colour: colourWanted(io.stdout, io.env), file: undefined, write: (text) => { io.stdout.write(redact(text)); }, close() {} };
  }
  let fd: number;
  try {
    fd = openSync(file, 'w');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const cause = code === 'ENOENT' ? 'its directory does not exist' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : describeError(e);
    throw new InspectError('usage', `--output: cannot write ${showOutsideText(file)}: ${cause}`);
  }
  return {
    target: { isTTY: false }, colour: false, file,
    write: (text) => { writeSync(fd, redact(text)); },
    close: () => { closeSync(fd); },
  };
}
