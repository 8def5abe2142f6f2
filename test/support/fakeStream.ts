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
