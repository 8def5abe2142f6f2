export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface ProgressOptions {
  colour?: boolean;
  /** Least time between two redraws (default 100 ms: at most ~10 a second). */
  intervalMs?: number;
  /** Word before the bar (default "scanning"). */
  verb?: string;
}

export interface Progress {
  /** One more item done; `label` names it (a function name). */
  tick(label?: string): void;
  /** The total changed (more functions discovered, or fewer). */
  setTotal(n: number): void;
  /** Clears the line and stops; later calls do nothing. */
  done(): void;
}

const SILENT: Progress = { tick() {}, setTotal() {}, done() {} };

function clean(label: string): string {
  return label.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
}

function cut(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return width <= 0 ? '' : `${chars.slice(0, width - 1).join('')}…`;
}

/**
 * A one-line progress bar, `scanning [#######.......] 12/60 my-fn`, redrawn
 * in place with \r at most every `intervalMs`. Writes nothing at all unless
 * the stream is a terminal. The trailing redraw timer is unref'd and
 * cleared by done().
 */
export function createProgress(stream: ProgressStream, total: number, opts: ProgressOptions = {}): Progress {
  if (stream.isTTY !== true) return SILENT;
  const interval = opts.intervalMs ?? 100;
  const verb = opts.verb ?? 'scanning';
  const colour = opts.colour === true;
  let count = 0;
  let max = Math.max(0, total);
  let label = '';
  let lastDraw = -Infinity;
  let drawn = false;
  let finished = false;
  let timer: NodeJS.Timeout | undefined;

  const render = (): string => {
    const columns = stream.columns && stream.columns > 0 ? stream.columns : 80;
    const room = columns - 1; // never touch the last column: some terminals wrap there
    const counter = `${count}/${max}`;
    const barWidth = Math.max(0, Math.min(30, room - verb.length - counter.length - 5 - 12));
    const filled = max > 0 ? Math.min(barWidth, Math.floor((Math.min(count, max) / max) * barWidth)) : 0;
    const bar = barWidth > 0 ? ` [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]` : '';
    const head = `${verb}${bar} ${counter}`;
    const rest = room - [...head].length - 1;
    const tail = label && rest > 1 ? cut(label, rest) : '';
    if (!colour || [...head].length > room) return cut(tail ? `${head} ${tail}` : head, room);
    const styledBar = bar ? ` [\x1b[36m${'#'.repeat(filled)}\x1b[2m${'.'.repeat(barWidth - filled)}\x1b[0m]` : '';
    return `${verb}${styledBar} \x1b[1m${counter}\x1b[0m${tail ? ` \x1b[2m${tail}\x1b[0m` : ''}`;
  };

  const draw = (): void => {
    timer = undefined;
    if (finished) return;
    lastDraw = Date.now();
    drawn = true;
    // \r, then the line, then clear whatever a longer previous line left behind.
    stream.write(`\r${render()}\x1b[K`);
  };

  const schedule = (): void => {
    if (finished || timer) return;
    const wait = lastDraw + interval - Date.now();
    if (wait <= 0) { draw(); return; }
    timer = setTimeout(draw, wait);
    timer.unref();
  };

  schedule();
  return {
    tick(l?: string) {
      if (finished) return;
      count++;
      if (l !== undefined) label = clean(l);
      schedule();
    },
    setTotal(n: number) {
      if (finished) return;
      max = Math.max(0, n);
      schedule();
    },
    done() {
      if (finished) return;
      finished = true;
      if (timer) { clearTimeout(timer); timer = undefined; }
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
