import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InspectError } from '../errors.js';
import { RangeCachedSource, type ByteSource } from './byteSource.js';

/**
 * Random access to a local file; only the ranges asked for are read. Reads
 * are synchronous under the async interface: for a command-line tool reading
 * a few ranges of one file, that skips the thread-pool round trip of each
 * read (measured in test/bench/startup.ts).
 */
export async function fileSource(path: string): Promise<ByteSource> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new InspectError('unreadable', `${path}: cannot open (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { path, cause: e });
  }
  const { size } = fstatSync(fd);
  let open = true;
  return new RangeCachedSource({
    name: path,
    size,
    async fetch(offset, length) {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, buf, got, length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return got === length ? buf : buf.subarray(0, got);
    },
    close: async () => { if (open) { open = false; closeSync(fd); } },
  }, 16 * 1024 * 1024);
}
