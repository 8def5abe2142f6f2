import { InspectError } from '../errors.js';

/**
 * A deployment bundle seen as a list of entries, whatever its container: a
 * zip, an unpacked directory or a single ELF file. Listing is cheap; content
 * is read per entry, only for the entries an inspection needs.
 */
export type BundleKind = 'zip' | 'directory' | 'elf';

export interface BundleEntry {
  /** Path inside the bundle: forward slashes, no leading "./" or "/". */
  readonly path: string;
  readonly type: 'file' | 'symlink' | 'directory';
  /** Uncompressed size as the container declares it. */
  readonly size: number;
  /** CRC-32 the container records, when it records one (zip). */
  readonly crc32?: number;
}

export interface Bundle {
  readonly kind: BundleKind;
  /** How to name the bundle in messages (a path, or a redacted URL). */
  readonly id: string;
  readonly entries: readonly BundleEntry[];
  /** Entry content (a symlink's content is its target), at most `maxBytes`. */
  read(entry: BundleEntry, maxBytes: number): Promise<Buffer>;
  /** Bytes taken from the origin so far, and the origin's size. */
  readonly bytesRead: number;
  readonly size: number;
  close(): Promise<void>;
}

/** Default cap on what one entry may inflate to. */
export const DEFAULT_MAX_ENTRY_BYTES = 64 * 1024 * 1024;

/**
 * Default cap on what all the entries read from one bundle may inflate to
 * together: a zip whose central directory points many entries at the same
 * compressed data cannot make the reads add up past it.
 */
export const DEFAULT_MAX_BUNDLE_BYTES = 256 * 1024 * 1024;

/**
 * The same bundle, with every read counted against one budget: a read that
 * would take the total past `limit` fails as `bundle-budget-exceeded` before
 * anything is inflated, and no read may inflate past what is left. A read
 * that fails still counts what it declared.
 */
export function withReadBudget(bundle: Bundle, limit: number): Bundle & { readonly inflated: number } {
  let used = 0;
  return {
    kind: bundle.kind, id: bundle.id, entries: bundle.entries, size: bundle.size,
    get bytesRead() { return bundle.bytesRead; },
    get inflated() { return used; },
    async read(entry, maxBytes) {
      // An entry above the per-entry cap is that cap's error (entry-too-large), refused before inflating.
      if (entry.size > maxBytes) return bundle.read(entry, maxBytes);
      const left = limit - used;
      if (entry.size > left) {
        throw new InspectError('bundle-budget-exceeded', `${entry.path}: not read: the bundle's entries would inflate past ${limit} bytes in all (--max-bundle-bytes); ${used} bytes read so far`, { path: entry.path });
      }
      // Reserved before the read: a read that fails after inflating (a CRC mismatch) has still cost its bytes.
      used += entry.size;
      const bytes = await bundle.read(entry, Math.min(maxBytes, left));
      used += bytes.length - entry.size;
      return bytes;
    },
    close: () => bundle.close(),
  };
}

export function normalizeEntryPath(p: string): string {
  const parts: string[] = [];
  for (const part of p.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

export function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
