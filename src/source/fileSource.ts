import { open } from 'node:fs/promises';
import { InspectError } from '../errors.js';
import { RangeCachedSource, type ByteSource } from './byteSource.js';

/** Random access to a local file; only the ranges asked for are read. */
export async function fileSource(path: string): Promise<ByteSource> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new InspectError('unreadable', `${path}: cannot open (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { path, cause: e });
  }
  const { size } = await handle.stat();
  const h = handle;
  return new RangeCachedSource({
    name: path,
    size,
    async fetch(offset, length) {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await h.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === length ? buf : buf.subarray(0, got);
    },
    close: () => h.close(),
  }, 16 * 1024 * 1024);
}
