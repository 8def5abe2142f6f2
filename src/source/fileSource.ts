import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { InspectError } from '../errors.js';
import { RangeCachedSource, type ByteSource } from './byteSource.js';

/** What a path is when it is not a regular file or a directory. */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

/** The error for a target that is neither a regular file nor a directory (nor a symlink to one). */
export function notAFile(path: string, st: Stats): InspectError {
  return new InspectError('not-a-regular-file', `${path}: ${kindOf(st)}, not a bundle, a directory or an ELF file`, { path });
}

/**
 * Opens a regular file for reading, and only that: O_NONBLOCK keeps a FIFO
 * (with no writer) from blocking the open, and fstat on the opened
 * descriptor refuses anything else, even if the path was swapped after a
 * stat.
 */
export function openRegularFile(path: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new InspectError('unreadable', `${path}: cannot open (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { path, cause: e });
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw notAFile(path, st);
  }
  return { fd, size: st.size };
}

/**
 * Random access to a local file; only the ranges asked for are read. Reads
 * are synchronous under the async interface: for a command-line tool reading
 * a few ranges of one file, that skips the thread-pool round trip of each
 * read (measured in test/bench/startup.ts).
 */
export async function fileSource(path: string): Promise<ByteSource> {
  const { fd, size } = openRegularFile(path);
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
