import { Writable } from 'node:stream';

export type FakeStream = Writable & { isTTY?: boolean; columns?: number; writes: string[] };

/** A stream that records every write; a terminal when `tty`. */
export function fakeStream(tty: boolean, columns?: number): FakeStream {
  const writes: string[] = [];
  const s = new Writable({
    write(chunk: Buffer | string, _enc, cb) { writes.push(String(chunk)); cb(); },
  }) as FakeStream;
  s.writes = writes;
  if (tty) s.isTTY = true;
  if (columns !== undefined) s.columns = columns;
  return s;
}

/**
 * What a terminal shows after these writes: \r returns to column 0, \n starts
 * a new line, ESC[K erases to the end of the line, other escape sequences
 * (colour) show nothing, every other character overwrites the cell under the
 * cursor. The last element is the line the cursor is on.
 */
export function terminalScreen(writes: readonly string[]): string[] {
  const lines: string[][] = [[]];
  let col = 0;
  const text = writes.join('');
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const line = lines[lines.length - 1]!;
    if (c === '\r') { col = 0; continue; }
    if (c === '\n') { lines.push([]); col = 0; continue; }
    if (c === '\x1b') {
      const m = /^\x1b\[([\d;]*)([A-Za-z])/.exec(text.slice(i));
      if (m) {
        if (m[2] === 'K') line.length = Math.min(line.length, col);
        i += m[0].length - 1;
        continue;
      }
    }
    while (line.length < col) line.push(' ');
    line[col++] = c;
  }
  return lines.map((l) => l.join(''));
}
