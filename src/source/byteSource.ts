import { InspectError } from '../errors.js';

/**
 * Random access to the bytes of one bundle, wherever they live (a file, a
 * buffer, an HTTP server that honours Range). Everything above this layer
 * reads through it, so the same parser serves every origin.
 */
export interface ByteSource {
  /** What to call the source in messages: never a presigned query string. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /** Bytes fetched from the origin so far (cache hits are not counted). */
  readonly bytesRead: number;
  /** Exactly `length` bytes at `offset`, or an InspectError. */
  read(offset: number, length: number): Promise<Buffer>;
  /** A hint that [offset, offset+length) will be read soon: fetch it in one go. */
  prefetch(offset: number, length: number): Promise<void>;
  close(): Promise<void>;
}

/** What an origin must provide; caching and bounds checks are shared. */
export interface RangeFetcher {
  readonly name: string;
  readonly size: number;
  /** Fetch [offset, offset+length), already checked to lie inside the source. */
  fetch(offset: number, length: number): Promise<Buffer>;
  /** Bytes that crossed the wire, when the origin counts them itself (retries, whole downloads). */
  readonly transferred?: number;
  close(): Promise<void>;
}

interface Segment { start: number; bytes: Buffer }

/** Cached ranges kept per source: the tail, the central directory and the last few entries read. */
const MAX_SEGMENTS = 64;

/**
 * Serves reads from ranges fetched earlier when they cover the request, and
 * fetches exactly the missing range otherwise. Over HTTP this turns the zip
 * reader's many small reads (central directory records, local headers) into a
 * handful of requests.
 */
export class RangeCachedSource implements ByteSource {
  private readonly segments: Segment[] = [];
  private held = 0;
  private fetched = 0;
  constructor(private readonly fetcher: RangeFetcher, private readonly maxCachedBytes = 256 * 1024 * 1024) {}

  get name(): string { return this.fetcher.name; }
  get size(): number { return this.fetcher.size; }
  get bytesRead(): number { return this.fetcher.transferred ?? this.fetched; }

  private check(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new InspectError('bad-range', `${this.name}: invalid read of ${length} bytes at offset ${offset}`);
    }
    if (offset + length > this.size) {
      throw new InspectError('truncated', `${this.name}: read of ${length} bytes at offset ${offset} runs past the end (size ${this.size})`);
    }
  }

  private cached(offset: number, length: number): Buffer | undefined {
    for (const s of this.segments) {
      if (offset >= s.start && offset + length <= s.start + s.bytes.length) {
        return s.bytes.subarray(offset - s.start, offset - s.start + length);
      }
    }
    return undefined;
  }

  private async fetchInto(offset: number, length: number): Promise<Buffer> {
    const bytes = await this.fetcher.fetch(offset, length);
    if (bytes.length !== length) {
      throw new InspectError('truncated', `${this.name}: expected ${length} bytes at offset ${offset}, got ${bytes.length}`);
    }
    this.fetched += bytes.length;
    if (length <= this.maxCachedBytes) {
      // A bounded number of segments, oldest dropped first: every lookup scans them, so 100,000 small reads of a
      // hostile zip must not leave 100,000 segments behind (quadratic); the bytes held stay under the cap too.
      this.segments.push({ start: offset, bytes });
      this.held += length;
      while (this.segments.length > MAX_SEGMENTS || this.held > this.maxCachedBytes) this.held -= this.segments.shift()!.bytes.length;
    }
    return bytes;
  }

  async read(offset: number, length: number): Promise<Buffer> {
    this.check(offset, length);
    if (length === 0) return Buffer.alloc(0);
    return this.cached(offset, length) ?? this.fetchInto(offset, length);
  }

  async prefetch(offset: number, length: number): Promise<void> {
    const start = Math.max(0, Math.min(offset, this.size));
    const len = Math.max(0, Math.min(length, this.size - start));
    if (len === 0 || len > this.maxCachedBytes || this.cached(start, len)) return;
    await this.fetchInto(start, len);
  }

  close(): Promise<void> { return this.fetcher.close(); }
}

/** A source over bytes already in memory. */
export function bufferSource(bytes: Buffer, name = 'buffer'): ByteSource {
  return new RangeCachedSource({
    name,
    size: bytes.length,
    fetch: async (offset, length) => bytes.subarray(offset, offset + length),
    close: async () => {},
  }, 0);
}
