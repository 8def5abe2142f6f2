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
