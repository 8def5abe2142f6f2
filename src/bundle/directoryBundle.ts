import { closeSync, lstatSync, readSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { InspectError } from '../errors.js';
import { openRegularFile } from '../source/fileSource.js';
import type { Bundle, BundleEntry } from './bundle.js';

/** Entries an unpacked bundle may hold before we stop walking it. */
export const MAX_DIRECTORY_ENTRIES = 200_000;

/**
 * An unpacked bundle: a directory tree, symlinks kept as symlinks. File system
 * calls are synchronous under the async interface, as in fileSource.
 */
export async function openDirectoryBundle(root: string): Promise<Bundle> {
  const entries: BundleEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    const names = readdirSync(join(root, rel)).sort();
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(join(root, path));
      if (entries.length >= MAX_DIRECTORY_ENTRIES) {
        throw new InspectError('too-many-entries', `${root}: more than ${MAX_DIRECTORY_ENTRIES} entries`);
      }
      if (st.isSymbolicLink()) entries.push({ path, type: 'symlink', size: st.size });
      else if (st.isDirectory()) { entries.push({ path, type: 'directory', size: 0 }); await walk(path); }
      else if (st.isFile()) entries.push({ path, type: 'file', size: st.size });
      // A FIFO, socket or device is listed, not dropped: reading it is that entry's not-a-regular-file error.
      else entries.push({ path, type: 'file', size: 0 });
    }
  };
  await walk('');
  let bytesRead = 0;
  return {
    kind: 'directory',
    id: root,
    entries,
    get bytesRead() { return bytesRead; },
    size: entries.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0),
    async read(entry, maxBytes) {
      const full = join(root, entry.path);
      if (entry.type === 'symlink') return Buffer.from(readlinkSync(full), 'utf8');
      // a file swapped for a FIFO since the walk must not block the read
      const { fd, size } = openRegularFile(full);
      try {
        if (size > maxBytes) throw new InspectError('entry-too-large', `${entry.path}: ${size} bytes, above the ${maxBytes}-byte cap`, { path: entry.path });
        const buf = Buffer.allocUnsafe(size);
        let n = 0;
        while (n < size) {
          const got = readSync(fd, buf, n, size - n, n);
          if (got === 0) break;
          n += got;
        }
        bytesRead += n;
        return buf.subarray(0, n);
      } finally {
        closeSync(fd);
      }
    },
    close: async () => {},
  };
}
