import type { ByteSource } from '../source/byteSource.js';
import { InspectError } from '../errors.js';
import { basename, type Bundle, type BundleEntry } from './bundle.js';

/** A bare shared library given on its own: a bundle of one entry. */
export function elfBundle(source: ByteSource, fileName: string): Bundle {
  const entry: BundleEntry = { path: basename(fileName), type: 'file', size: source.size };
  return {
    kind: 'elf',
    id: source.name,
    entries: [entry],
    get bytesRead() { return source.bytesRead; },
    size: source.size,
    async read(e, maxBytes) {
      if (e.path !== entry.path) throw new InspectError('no-such-entry', `${e.path}: not in ${source.name}`);
      if (source.size > maxBytes) throw new InspectError('entry-too-large', `${source.name}: ${source.size} bytes, above the ${maxBytes}-byte cap`);
      return source.read(0, source.size);
    },
    close: () => source.close(),
  };
}
