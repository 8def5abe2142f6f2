import { showOutsideText } from '../render/outsideText.js';

export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface ProgressOptions {
  colour?: boolean;
  /** Least time between two redraws (default 100 ms: at most ~10 a second). */
  intervalMs?: number;
  /** Draw the bar (default true); false (--quiet) keeps only message() lines. */
  bar?: boolean;
  /** The clock, for elapsed time (default Date.now). */
  now?: () => number;
}

/** How one inspection ended, for the counters on the bar. */
export type InspectionOutcome = 'ok' | 'failing' | 'error';

/**
 * Progress of a scan: discovery (functions found so far) and inspection
 * (inspected k of N) are shown apart, so the bar never moves backwards while
 * discovery is still paging: it appears only once the total is known.
 */
export interface Progress {
  /** Discovery has found `n` functions so far. */
  found(n: number): void;
  /** Discovery is over: `n` functions in all. */
  discoveryDone(n: number): void;
  /** One more function inspected; `label` names it (outside text: shown escaped). */
  inspected(label: string, outcome: InspectionOutcome): void;
  /** A line of its own on the stream, never on the bar's line; the bar is redrawn below it. */
  message(line: string): void;
  /** Clears the bar's line and stops drawing; later calls but message() do nothing. */
  done(): void;
}

function cut(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 0 ? '' : `${chars.slice(0, width - 1).join('')}…`;
}

/** 0:07, 12:34, 1:02:03. */
export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

const BAR = { filled: '#', empty: '.' };

/**
 * A one-line progress display redrawn in place with \r at most every
 * `intervalMs`:
 *   discovering: found 37 so far · inspected 12 · 1 failing · 0:03  my-fn
 *   inspecting [#######.............] 12 of 60 · 1 failing · 2 errors · 0:05  my-fn
 * On a stream that is not a terminal, or with `bar: false`, only message()
 * writes (plain lines). The
 * trailing redraw timer is unref'd and cleared by done().
 */
export function createProgress(stream: ProgressStream, opts: ProgressOptions = {}): Progress {
  const tty = stream.isTTY === true && opts.bar !== false;
  const interval = opts.intervalMs ?? 100;
  const now = opts.now ?? Date.now;
  const colour = opts.colour === true;
  const started = now();
  let found = 0;
  let total: number | null = null;
  let inspected = 0;
  let failing = 0;
  let errors = 0;
  let label = '';
  let lastDraw = -Infinity;
  let drawn = false;
  let finished = false;
  let timer: NodeJS.Timeout | undefined;

  const render = (): string => {
    const columns = stream.columns && stream.columns > 0 ? stream.columns : 80;
    const room = columns - 1; // never touch the last column: some terminals wrap there
    const tallies = [failing ? `${failing} failing` : '', errors ? `${errors} error${errors === 1 ? '' : 's'}` : '', elapsed(now() - started)].filter(Boolean);
    let head: string;
    let styledHead: string;
    if (total === null) {
      head = `discovering: found ${found} so far · inspected ${inspected} · ${tallies.join(' · ')}`;
      styledHead = head;
    } else {
      const counter = `${inspected} of ${total}`;
      const rest = ` ${counter} · ${tallies.join(' · ')}`;
      const barWidth = Math.max(0, Math.min(30, room - 'inspecting'.length - rest.length - 3 - 12));
      const filled = total > 0 ? Math.min(barWidth, Math.floor((Math.min(inspected, total) / total) * barWidth)) : barWidth;
      const bar = barWidth > 0 ? ` [${BAR.filled.repeat(filled)}${BAR.empty.repeat(barWidth - filled)}]` : '';
      head = `inspecting${bar}${rest}`;
      const styledBar = bar ? ` [\x1b[36m${BAR.filled.repeat(filled)}\x1b[2m${BAR.empty.repeat(barWidth - filled)}\x1b[0m]` : '';
      styledHead = `inspecting${styledBar} \x1b[1m${counter}\x1b[0m · ${tallies.join(' · ')}`;
    }
    const spare = room - [...head].length - 2;
    const tail = label && spare > 1 ? cut(label, spare) : '';
    if (!colour || [...head].length > room) return cut(tail ? `${head}  ${tail}` : head, room);
    return `${styledHead}${tail ? `  \x1b[2m${tail}\x1b[0m` : ''}`;
  };

  const draw = (): void => {
    timer = undefined;
    if (finished || !tty) return;
    lastDraw = now();
    drawn = true;
    // \r, then the line, then clear whatever a longer previous line (or an echoed ^C) left behind.
    stream.write(`\r${render()}\x1b[K`);
  };

  const schedule = (): void => {
    if (finished || timer || !tty) return;
    const wait = lastDraw + interval - now();
    if (wait <= 0) { draw(); return; }
    timer = setTimeout(draw, wait);
    timer.unref();
  };

  schedule();
  return {
    found(n: number) {
      if (finished || total !== null) return;
      found = Math.max(found, n);
      schedule();
    },
    discoveryDone(n: number) {
      if (finished) return;
      found = Math.max(found, n);
      total = found;
      schedule();
    },
    inspected(l: string, outcome: InspectionOutcome) {
      if (finished) return;
      inspected++;
      if (outcome === 'failing') failing++;
      if (outcome === 'error') errors++;
      label = showOutsideText(l);
      schedule();
    },
    message(line: string) {
      // On a terminal, wipe the cursor's line first: it may hold the bar, or the ^C the terminal echoed
      // (even with no bar drawn, as with --quiet). Then redraw the bar below.
      stream.write(`${stream.isTTY === true ? '\r\x1b[K' : ''}${line}\n`);
      if (!tty || !drawn || finished) return;
      if (timer) { clearTimeout(timer); timer = undefined; }
      draw();
    },
    done() {
      if (finished) return;
      finished = true;
      if (timer) { clearTimeout(timer); timer = undefined; }
      if (drawn) stream.write(colour ? '\r\x1b[0m\x1b[K' : '\r\x1b[K');
    },
  };
}
