import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InspectError } from '../errors.js';
import type { Bundle, BundleEntry } from './bundle.js';

/** Entries an unpacked bundle may hold before we stop walking it. */
export const MAX_DIRECTORY_ENTRIES = 200_000;

/** An unpacked bundle: a directory tree, symlinks kept as symlinks. */
export async function openDirectoryBundle(root: string): Promise<Bundle> {
  const entries: BundleEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(root, rel))).sort();
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = await lstat(join(root, path));
      if (entries.length >= MAX_DIRECTORY_ENTRIES) {
        throw new InspectError('too-many-entries', `${root}: more than ${MAX_DIRECTORY_ENTRIES} entries`);
      }
      if (st.isSymbolicLink()) entries.push({ path, type: 'symlink', size: st.size });
      else if (st.isDirectory()) { entries.push({ path, type: 'directory', size: 0 }); await walk(path); }
      else if (st.isFile()) entries.push({ path, type: 'file', size: st.size });
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
      if (entry.type === 'symlink') return Buffer.from(await readlink(full), 'utf8');
      const fh = await open(full, 'r');
      try {
        const { size } = await fh.stat();
        if (size > maxBytes) throw new InspectError('entry-too-large', `${entry.path}: ${size} bytes, above the ${maxBytes}-byte cap`, { path: entry.path });
        const buf = Buffer.allocUnsafe(size);
        const { bytesRead: n } = await fh.read(buf, 0, size, 0);
        bytesRead += n;
        return buf.subarray(0, n);
      } finally {
        await fh.close();
      }
    },
    close: async () => {},
  };
}
