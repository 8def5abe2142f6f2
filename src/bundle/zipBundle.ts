import { crc32, inflateRawSync } from 'node:zlib';
import * as yauzlModule from 'yauzl';
import type * as Yauzl from 'yauzl';
import { InspectError, describeError } from '../errors.js';
import type { ByteSource } from '../source/byteSource.js';
import { normalizeEntryPath, type Bundle, type BundleEntry } from './bundle.js';

// The CLI bundle inlines yauzl (measured: a separate CommonJS load cost ~12 ms
// of a cold start); the library build imports it normally.
const yauzl = yauzlModule as typeof Yauzl;

/** Entries a zip may list before we call it hostile. */
export const MAX_ZIP_ENTRIES = 200_000;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const MADE_BY_UNIX = 3;
const MADE_BY_OSX = 19;

/** A yauzl RandomAccessReader that reads through our ByteSource. */
function readerFor(source: ByteSource): Yauzl.RandomAccessReader {
  // The typings mark the class abstract for _readStreamForRange, which the
  // read() override below makes unnecessary.
  const { RandomAccessReader } = yauzl as unknown as { RandomAccessReader: new () => Yauzl.RandomAccessReader };
  const reader = new RandomAccessReader();
  // yauzl's default read() goes through streams; a direct read is simpler and
  // keeps every byte on the one counted, cached path.
  (reader as unknown as { read: unknown }).read = (
    buffer: Buffer, offset: number, length: number, position: number, cb: (err: Error | null) => void,
  ) => {
    source.read(position, length).then(
      (bytes) => { bytes.copy(buffer, offset); cb(null); },
      (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
    );
  };
  return reader;
}

function entryType(e: Yauzl.Entry): BundleEntry['type'] {
  if (e.fileName.endsWith('/')) return 'directory';
  const madeBy = e.versionMadeBy >> 8;
  if (madeBy === MADE_BY_UNIX || madeBy === MADE_BY_OSX) {
    const mode = (e.externalFileAttributes >>> 16) & S_IFMT;
    if (mode === S_IFLNK) return 'symlink';
    if (mode === S_IFDIR) return 'directory';
  }
  return 'file';
}

function openError(source: ByteSource, e: unknown): InspectError {
  if (e instanceof InspectError && e.code === 'truncated') {
    return new InspectError('truncated-central-directory', `${source.name}: central directory runs past the end of the file (${e.message.replace(`${source.name}: `, '')})`, { cause: e });
  }
  if (e instanceof InspectError) return e;
  const msg = describeError(e);
  if (/end of central directory record signature not found/i.test(msg)) {
    return new InspectError('not-a-zip', `${source.name}: not a zip file: no end-of-central-directory record in the last 64 KiB (truncated, or another format)`, { cause: e });
  }
  if (/central directory file header signature/i.test(msg)) {
    return new InspectError('bad-central-directory', `${source.name}: corrupt central directory: ${msg}`, { cause: e });
  }
  if (/zip64/i.test(msg)) {
    return new InspectError('bad-zip64-record', `${source.name}: corrupt zip64 record: ${msg}`, { cause: e });
  }
  return new InspectError('bad-zip', `${source.name}: not a readable zip: ${msg}`, { cause: e });
}

/**
 * Lists a zip's central directory (yauzl does the parsing and validation) and
 * reads single entries on demand: local header, compressed bytes, one
 * size-capped inflate, CRC-32 check.
 */
export async function openZipBundle(source: ByteSource): Promise<Bundle> {
  let zipfile: Yauzl.ZipFile;
  try {
    zipfile = await yauzl.fromRandomAccessReaderPromise(readerFor(source), source.size, {
      lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true, strictFileNames: false,
    });
  } catch (e) {
    throw openError(source, e);
  }
  const zf = zipfile as unknown as { entryCount: number; readEntryCursor: number };
  if (zf.entryCount > MAX_ZIP_ENTRIES) {
    zipfile.close();
    throw new InspectError('too-many-entries', `${source.name}: central directory declares ${zf.entryCount} entries (at most ${MAX_ZIP_ENTRIES} are read)`);
  }
  // Fetch the whole central directory at once: over HTTP this is one request.
  await source.prefetch(zf.readEntryCursor, source.size - zf.readEntryCursor).catch(() => {});

  const raw = new Map<string, Yauzl.Entry>();
  const entries: BundleEntry[] = [];
  try {
    for (;;) {
      const e = await nextEntry(zipfile);
      if (!e) break;
      const path = normalizeEntryPath(e.fileName);
      if (path === '' || raw.has(path)) continue;
      raw.set(path, e);
      entries.push({ path, type: entryType(e), size: e.uncompressedSize, crc32: e.crc32 });
    }
  } catch (e) {
    zipfile.close();
    throw openError(source, e);
  }

  return {
    kind: 'zip',
    id: source.name,
    entries,
    get bytesRead() { return source.bytesRead; },
    size: source.size,
    read: (entry, maxBytes) => {
      const e = raw.get(entry.path);
      if (!e) return Promise.reject(new InspectError('no-such-entry', `${entry.path}: not in ${source.name}`, { path: entry.path }));
      return readEntry(source, zipfile, e, entry.path, maxBytes);
    },
    close: async () => { zipfile.close(); await source.close(); },
  };
}

function nextEntry(zipfile: Yauzl.ZipFile): Promise<Yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const onEntry = (e: Yauzl.Entry) => { cleanup(); resolve(e); };
    const onEnd = () => { cleanup(); resolve(undefined); };
    const onError = (err: Error) => { cleanup(); reject(err); };
    const cleanup = () => {
      zipfile.off('entry', onEntry); zipfile.off('end', onEnd); zipfile.off('error', onError);
    };
    zipfile.on('entry', onEntry); zipfile.on('end', onEnd); zipfile.on('error', onError);
    zipfile.readEntry();
  });
}

async function readEntry(source: ByteSource, zipfile: Yauzl.ZipFile, e: Yauzl.Entry, path: string, maxBytes: number): Promise<Buffer> {
  const fail = (code: string, why: string) => new InspectError(code, `${path}: ${why}`, { path });
  if (e.isEncrypted()) throw fail('encrypted-entry', 'entry is encrypted (general-purpose flag bit 0 set); encrypted entries are not read');
  if (e.compressionMethod !== 0 && e.compressionMethod !== 8) {
    throw fail('unsupported-compression-method', `compression method ${e.compressionMethod} (expected 0 stored or 8 deflate)`);
  }
  if (e.uncompressedSize > maxBytes) {
    throw fail('entry-too-large', `declares ${e.uncompressedSize} bytes uncompressed, above the ${maxBytes}-byte cap`);
  }
  // Deflate never needs much more room than the data it encodes.
  if (e.compressedSize > e.uncompressedSize + (e.uncompressedSize >>> 6) + 1024) {
    throw fail('entry-too-large', `declares ${e.compressedSize} compressed bytes for ${e.uncompressedSize} uncompressed`);
  }
  // Local header + name + extra (the central directory's lengths are the usual
  // guess) + data, in one fetch.
  const headerGuess = 30 + e.fileNameLength + e.extraFieldLength + 64;
  await source.prefetch(e.relativeOffsetOfLocalHeader, headerGuess + e.compressedSize).catch(() => {});
  let dataStart: number;
  try {
    ({ fileDataStart: dataStart } = await zipfile.readLocalFileHeaderPromise(e, { minimal: true }));
  } catch (err) {
    const msg = describeError(err);
    if (/local file header signature/i.test(msg)) throw fail('bad-local-header', `${msg.replace('invalid local file header signature: ', 'local header signature is ')} (expected 0x4034b50)`);
    if (/overflows file bounds/i.test(msg) || (err instanceof InspectError && err.code === 'truncated')) {
      throw fail('truncated-entry', `entry data runs past the end of the file (${msg})`);
    }
    throw fail('bad-local-header', msg);
  }
  if (dataStart + e.compressedSize > source.size) {
    throw fail('truncated-entry', `entry data runs past the end of the file (${dataStart} + ${e.compressedSize} > ${source.size})`);
  }
  const stored = await source.read(dataStart, e.compressedSize);
  let data: Buffer;
  if (e.compressionMethod === 0) {
    data = stored;
  } else {
    try {
      data = inflateRawSync(stored, { maxOutputLength: Math.max(1, e.uncompressedSize) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw fail('inflates-past-declared-size', `inflates past its declared ${e.uncompressedSize} bytes (the size in the header is wrong)`);
      }
      throw fail('corrupt-deflate-data', `deflate data is corrupt (${describeError(err)})`);
    }
  }
  if (data.length !== e.uncompressedSize) {
    throw fail('size-mismatch', `inflated to ${data.length} bytes, central directory says ${e.uncompressedSize}`);
  }
  const actual = crc32(data) >>> 0;
  if (actual !== e.crc32 >>> 0) {
    throw fail('crc-mismatch', `CRC-32 is 0x${actual.toString(16).padStart(8, '0')}, central directory says 0x${(e.crc32 >>> 0).toString(16).padStart(8, '0')}`);
  }
  return data;
}
