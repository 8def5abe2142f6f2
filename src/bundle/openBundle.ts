import { statSync } from 'node:fs';
import { InspectError } from '../errors.js';
import type { ByteSource } from '../source/byteSource.js';
import { fileSource, notAFile } from '../source/fileSource.js';
import type { Bundle } from './bundle.js';
import { openDirectoryBundle } from './directoryBundle.js';
import { elfBundle } from './elfBundle.js';
import { openZipBundle } from './zipBundle.js';

const ELF_MAGIC = 0x7f454c46;
const ZIP_LOCAL = 0x504b0304;
const ZIP_EMPTY = 0x504b0506;

/** Opens a bundle from any byte source, telling zip from ELF by content. */
export async function openBundleFromSource(source: ByteSource, fileName: string): Promise<Bundle> {
  // A zip reader starts with the last 64 KiB; a file no larger is read once, whole.
  if (source.size <= 64 * 1024 + 22 + 20) await source.prefetch(0, source.size);
  const first = await source.read(0, Math.min(4, source.size));
  const head = first.length === 4 ? first.readUInt32BE(0) : -1;
  if (head === ELF_MAGIC) return elfBundle(source, fileName);
  if (head === ZIP_LOCAL || head === ZIP_EMPTY || /\.(zip|jar)$/i.test(fileName)) return openZipBundle(source);
  // Self-extracting or prefixed zips still have their directory at the end.
  try {
    return await openZipBundle(source);
  } catch (e) {
    if (e instanceof InspectError && e.code === 'not-a-zip') {
      const start = first.length === 0 ? 'an empty file' : first.length < 4 ? `only ${first.length} byte${first.length === 1 ? '' : 's'}: 0x${first.toString('hex')}` : `starts with 0x${first.toString('hex')}`;
      throw new InspectError('unknown-format', `${source.name}: neither a zip nor an ELF file (${start})`);
    }
    throw e;
  }
}

/** Opens a local target: a directory, a zip or a bare ELF file. */
export async function openLocalBundle(path: string): Promise<Bundle> {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InspectError(code === 'ENOENT' ? 'not-found' : 'unreadable', `${path}: ${code === 'ENOENT' ? 'no such file or directory' : `cannot read (${code ?? 'error'})`}`, { path, cause: e });
  }
  if (st.isDirectory()) return openDirectoryBundle(path);
  if (!st.isFile()) throw notAFile(path, st);
  const source = await fileSource(path);
  try {
    return await openBundleFromSource(source, path);
  } catch (e) {
    await source.close();
    throw e;
  }
}
