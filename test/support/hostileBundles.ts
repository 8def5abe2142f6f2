// Hand-built hostile bundles that random mutation does not reach, shared by
// test/fuzz.test.ts (which asserts bounds on them) and
// test/bench/hostile-bundles.ts (which prints time and peak RSS for each).
import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../standin/zip.js';

export interface RawEntry {
  name: string;
  data: Buffer;
  /** unix mode, e.g. 0o120777 for a symlink; default 0o100644 */
  mode?: number;
  /** the CRC-32 the central directory claims (default: the real one) */
  crc?: number;
}

/**
 * A zip of entries that may share content: each distinct Buffer is deflated
 * and checksummed once. With `shareLocals`, entries with the same Buffer also
 * share one local header and one copy of the compressed data: the central
 * directory points them all at it (the overlapping-entries bomb). More than
 * 65,535 entries get a zip64 end-of-central-directory record.
 */
export function hostileZip(entries: readonly RawEntry[], options: { shareLocals?: boolean } = {}): Buffer {
  const packed = new Map<Buffer, { crc: number; method: number; payload: Buffer; offset?: number }>();
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    let p = packed.get(e.data);
    if (!p) {
      const d = deflateRawSync(e.data);
      p = d.length < e.data.length ? { crc: crc32(e.data) >>> 0, method: 8, payload: d } : { crc: crc32(e.data) >>> 0, method: 0, payload: e.data };
      packed.set(e.data, p);
    }
    const name = Buffer.from(e.name, 'utf8');
    let localOffset = offset;
    if (options.shareLocals && p.offset !== undefined) {
      localOffset = p.offset;
    } else {
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(p.method, 8);
      local.writeUInt32LE(p.crc, 14); local.writeUInt32LE(p.payload.length, 18); local.writeUInt32LE(e.data.length, 22); local.writeUInt16LE(name.length, 26);
      parts.push(local, name, p.payload);
      p.offset ??= offset;
      offset += 30 + name.length + p.payload.length;
    }
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0); cd.writeUInt16LE((3 << 8) | 20, 4); cd.writeUInt16LE(20, 6); cd.writeUInt16LE(p.method, 10);
    cd.writeUInt32LE(e.crc ?? p.crc, 16); cd.writeUInt32LE(p.payload.length, 20); cd.writeUInt32LE(e.data.length, 24); cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38); cd.writeUInt32LE(localOffset, 42);
    central.push(cd, name);
  }
  const cd = Buffer.concat(central);
  const tail: Buffer[] = [];
  const many = entries.length > 0xfffe;
  if (many) {
    const z64 = Buffer.alloc(56);
    z64.writeUInt32LE(0x06064b50, 0); z64.writeBigUInt64LE(44n, 4); z64.writeUInt16LE(45, 12); z64.writeUInt16LE(45, 14);
    z64.writeBigUInt64LE(BigInt(entries.length), 24); z64.writeBigUInt64LE(BigInt(entries.length), 32);
    z64.writeBigUInt64LE(BigInt(cd.length), 40); z64.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0); locator.writeBigUInt64LE(BigInt(offset + cd.length), 8); locator.writeUInt32LE(1, 16);
    tail.push(z64, locator);
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(many ? 0xffff : entries.length, 8); eocd.writeUInt16LE(many ? 0xffff : entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12); eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, ...tail, eocd]);
}

/**
 * ELF32 LE shared object: one PT_LOAD over the file, a PT_DYNAMIC, DT_HASH
 * saying `symbols` symbols, all named inside one NUL-free run of `nameLength`
 * bytes: every symbol by the same index, or symbol i by index i (so each name
 * is a different, long string).
 */
export function symbolAmplificationElf(symbols: number, nameLength: number, distinctNames: boolean): Buffer {
  const phoff = 52;
  const dynOff = phoff + 2 * 32;
  const dyn = 6;
  const hashOff = dynOff + dyn * 8;
  const symOff = hashOff + 8;
  const strOff = symOff + symbols * 16;
  const size = strOff + nameLength + 2;
  const b = elf32Header(size, phoff, dynOff, dyn * 8);
  ([[5, strOff], [10, nameLength + 2], [6, symOff], [11, 16], [4, hashOff], [0, 0]] as const).forEach(([tag, v], i) => {
    b.writeUInt32LE(tag, dynOff + i * 8); b.writeUInt32LE(v, dynOff + i * 8 + 4);
  });
  b.writeUInt32LE(0, hashOff); b.writeUInt32LE(symbols, hashOff + 4);
  const spread = Math.max(1, nameLength - 8192);
  for (let i = 1; i < symbols; i++) {
    const o = symOff + i * 16;
    b.writeUInt32LE(distinctNames ? 1 + (i % spread) : 1, o); b[o + 12] = 0x12; b.writeUInt16LE(1, o + 14); // GLOBAL FUNC, defined
  }
  b.fill(0x41, strOff + 1, strOff + 1 + nameLength);
  return b;
}

/**
 * ELF32 LE shared object whose dynamic section repeats one tag (DT_NEEDED 1,
 * DT_RPATH 15, DT_RUNPATH 29) `count` times, every entry naming the same
 * `length`-byte string (with ':' every 64 bytes, so a path list splits).
 */
export function dynamicAmplificationElf(tag: 1 | 15 | 29, count: number, length: number): Buffer {
  const phoff = 52;
  const dynOff = phoff + 2 * 32;
  const dynEntries = count + 3;
  const strOff = dynOff + dynEntries * 8;
  const size = strOff + length + 2;
  const b = elf32Header(size, phoff, dynOff, dynEntries * 8);
  const put = (i: number, t: number, v: number) => { b.writeUInt32LE(t, dynOff + i * 8); b.writeUInt32LE(v, dynOff + i * 8 + 4); };
  put(0, 5, strOff); put(1, 10, length + 2);
  for (let i = 0; i < count; i++) put(2 + i, tag, 1);
  put(2 + count, 0, 0);
  for (let i = 0; i < length; i++) b[strOff + 1 + i] = i % 64 === 63 ? 0x3a : 0x61 + (i % 26);
  return b;
}

function elf32Header(size: number, phoff: number, dynOff: number, dynSize: number): Buffer {
  const b = Buffer.alloc(size);
  b.write('\x7fELF', 0, 'latin1');
  b[4] = 1; b[5] = 1; b[6] = 1;
  b.writeUInt16LE(3, 16); b.writeUInt16LE(3, 18); b.writeUInt32LE(1, 20);
  b.writeUInt32LE(phoff, 28); b.writeUInt16LE(52, 40); b.writeUInt16LE(32, 42); b.writeUInt16LE(2, 44);
  const ph = (o: number, type: number, off: number, sz: number) => {
    b.writeUInt32LE(type, o); b.writeUInt32LE(off, o + 4); b.writeUInt32LE(off, o + 8); b.writeUInt32LE(sz, o + 16); b.writeUInt32LE(sz, o + 20);
  };
  ph(phoff, 1, 0, size);
  ph(phoff + 32, 2, dynOff, dynSize);
  return b;
}

/** The hostile bundle shapes of issue 12, built around a real libpq (`libpq`) and handler entries (`files`). */
export function hostileShapes(files: readonly RawEntry[], libpq: Buffer): Array<{ name: string; what: string; zip: Buffer }> {
  const withLib = (lib: Buffer) => hostileZip([...files.filter((e) => e.name !== 'libpq.so.5'), { name: 'libpq.so.5', data: lib }]);
  const zeros = Buffer.alloc(60 * 1024 * 1024);
  const tiny = Buffer.from('x');
  return [
    {
      name: 'dynamic-needed-amplification.zip',
      what: 'libpq.so.5 whose 65,000 DT_NEEDED entries all name one 4,000-byte string',
      zip: withLib(dynamicAmplificationElf(1, 65_000, 4000)),
    },
    {
      name: 'dynamic-runpath-amplification.zip',
      what: 'libpq.so.5 whose 65,000 DT_RUNPATH entries all name one 4,000-byte path list',
      zip: withLib(dynamicAmplificationElf(29, 65_000, 4000)),
    },
    {
      name: 'overlapping-libpq-entries.zip',
      what: '2,000 entries named libpq.so.5.N, all pointing at one deflate stream of 60 MiB of zeros, each claiming another CRC (so none is an identical copy of another)',
      zip: hostileZip([...files, ...Array.from({ length: 2000 }, (_, i) => ({ name: `lib${i}/libpq.so.5.${i}`, data: zeros, crc: i }))], { shareLocals: true }),
    },
    {
      name: 'many-tiny-entries.zip',
      what: '100,000 one-byte entries besides the bundle',
      zip: hostileZip([...files, ...Array.from({ length: 100_000 }, (_, i) => ({ name: `vendor/p${i % 100}/f${i}.txt`, data: tiny }))]),
    },
    {
      name: 'many-aliases.zip',
      what: '100,000 symlinks named libpq.so.5.N, all to the one libpq.so.5',
      zip: hostileZip([...files, ...Array.from({ length: 100_000 }, (_, i) => ({ name: `links/libpq.so.5.${i}`, data: Buffer.from('../libpq.so.5'), mode: 0o120777 }))]),
    },
  ];
}
