/**
 * Seeded mutation fuzzing of the two parsers that read untrusted bytes: the
 * ELF reader (parseElf) and the whole offline zip pipeline (zip reader,
 * libpq locator, ELF facts, version evidence, handler facts).
 *
 * Contract under test: on any input the inspector either answers or raises an
 * InspectError with a code and a one-line message. No other exception, no
 * hang, no memory blow-up; no case runs away past CASE_BUDGET_MS.
 *
 * Every case is generated from one 32-bit seed (mulberry32), so a failure is
 * reproducible from the seed alone:
 *   FUZZ_REPLAY=elf:0x1234abcd npx ava test/fuzz.test.ts     (or zip:<seed>)
 * Other knobs: FUZZ_SEED (base seed), FUZZ_ELF_CASES, FUZZ_ZIP_CASES, FUZZ_WALL_CAP_MS.
 * Failing inputs are written to /tmp/fuzz-repro/.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openBundleFromSource } from '../src/bundle/openBundle.js';
import { InspectError } from '../src/errors.js';
import { apiFloorEvidence } from '../src/evidence/apiFloorEvidence.js';
import { fileNameEvidence, runpathEvidence } from '../src/evidence/pathEvidence.js';
import { PQLIBVERSION, pqlibVersionEvidence } from '../src/evidence/pqlibVersionEvidence.js';
import { highestMajor, mergeVersionEvidence } from '../src/evidence/versionEvidence.js';
import { parseElf, type ElfFacts } from '../src/facts/elf/elfFacts.js';
import { renderJson } from '../src/render/json.js';
import { bundleFindings } from '../src/report/bundleFindings.js';
import { inspectLocal } from '../src/report/inspectLocal.js';
import { bufferSource } from '../src/source/byteSource.js';
import { buildZip, type ZipEntry } from './standin/zip.js';
import { hostileShapes, hostileZip, symbolAmplificationElf } from './support/hostileBundles.js';
import { ROOT } from './support/cli.js';
import { FIXTURES, SAMPLE_10, SAMPLE_94, fixtureFiles } from './support/fixtures.js';

const REPRO_DIR = '/tmp/fuzz-repro';
const ROOT_SRC = pathToFileURL(join(ROOT, 'src')).href;
/**
 * The crafted bundles run in a child on the built library (dist/, built by `npm test`'s pretest), without the tsx
 * loader: their memory bounds are the product's, not those of a TypeScript compiler loaded beside it (about 60 MB).
 */
const ROOT_DIST = pathToFileURL(join(ROOT, 'dist')).href;
const BASE_SEED = parseSeed(process.env.FUZZ_SEED) ?? 0x5eed2024;
const ELF_CASES = Number(process.env.FUZZ_ELF_CASES ?? 20_000);
const ZIP_CASES = Number(process.env.FUZZ_ZIP_CASES ?? 12_000);
/** Every n-th zip mutant also goes through inspectLocal from a temp file (file source, loader model, report, JSON). */
const INSPECT_LOCAL_EVERY = 10;
/**
 * A runaway detector, not a speed target (speed lives in test/bench/): typical
 * cases take well under 50 ms and the crafted ones under 1.5 s on a quiet
 * machine, while the quadratic blow-ups this test found took 10 s to minutes.
 * The margin keeps a loaded CI machine from failing a healthy case.
 */
const CASE_BUDGET_MS = 8_000;
/** A pending promise this long is a hang, not a slow case. */
const HANG_MS = 10_000;
const RSS_LIMIT = 1.5 * 1024 ** 3;
/** Issue 12: a bundle of any shape stays under what a 1 GiB bomb gets (10 s, 256 MiB), and its report stays small. */
const STRICT_MS = 10_000;
const STRICT_RSS = 256 * 1024 ** 2;
const STRICT_JSON_BYTES = 8 * 1024 * 1024;
/** Wall-time cap per loop, so a much slower machine still finishes: it then covers a prefix of the same sequence. */
const LOOP_WALL_CAP_MS = Number(process.env.FUZZ_WALL_CAP_MS ?? 30_000);
const REPLAY = /^(elf|zip):(0x[0-9a-f]+|\d+)$/i.exec(process.env.FUZZ_REPLAY ?? '');

function parseSeed(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n >>> 0 : undefined;
}
const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

// ---------------------------------------------------------------- PRNG

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) { this.next = mulberry32(seed); }
  float(): number { return this.next(); }
  /** 0 ≤ n < max */
  int(max: number): number { return max <= 0 ? 0 : Math.floor(this.next() * max); }
  u32(): number { return Math.floor(this.next() * 4294967296) >>> 0; }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((n, [, w]) => n + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) { if ((r -= w) < 0) return item; }
    return (items[items.length - 1] as readonly [T, number])[0];
  }
}

/** The seed of case i: a murmur3 finalizer over base + i, so neighbouring cases differ in every bit. */
function caseSeed(base: number, i: number): number {
  let h = (base + Math.imul(i + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

// ---------------------------------------------------------------- targets

interface Field { at: number; width: 1 | 2 | 4 | 8 }
interface Region { name: string; start: number; end: number; fields: Field[]; weight: number }
interface Target { name: string; bytes: Buffer; le: boolean; regions: Region[] }

function region(name: string, start: number, end: number, size: number, weight: number, fields: Field[] = []): Region | null {
  const s = Math.max(0, Math.min(start, size));
  const e = Math.max(s, Math.min(end, size));
  if (e <= s) return null;
  return { name, start: s, end: e, weight, fields: fields.filter((f) => f.at >= 0 && f.at + f.width <= size) };
}

const fieldsAt = (base: number, layout: ReadonlyArray<readonly [number, 1 | 2 | 4 | 8]>): Field[] =>
  layout.map(([off, width]) => ({ at: base + off, width }));

/** Structure of an (unmutated) ELF file, read independently of src/, to aim mutations. */
function elfTarget(name: string, bytes: Buffer): Target {
  const is64 = bytes[4] === 2;
  const le = bytes[5] === 1;
  const u16 = (o: number) => (le ? bytes.readUInt16LE(o) : bytes.readUInt16BE(o));
  const u32 = (o: number) => (le ? bytes.readUInt32LE(o) : bytes.readUInt32BE(o));
  const word = (o: number) => (is64 ? Number(le ? bytes.readBigUInt64LE(o) : bytes.readBigUInt64BE(o)) : u32(o));
  const w: 4 | 8 = is64 ? 8 : 4;
  const size = bytes.length;
  const regions: Region[] = [];
  const add = (r: Region | null) => { if (r) regions.push(r); };

  const ehsize = is64 ? 64 : 52;
  const header: Array<readonly [number, 1 | 2 | 4 | 8]> = is64
    ? [[4, 1], [5, 1], [6, 1], [16, 2], [18, 2], [20, 4], [24, 8], [32, 8], [40, 8], [48, 4], [52, 2], [54, 2], [56, 2], [58, 2], [60, 2], [62, 2]]
    : [[4, 1], [5, 1], [6, 1], [16, 2], [18, 2], [20, 4], [24, 4], [28, 4], [32, 4], [36, 4], [40, 2], [42, 2], [44, 2], [46, 2], [48, 2], [50, 2]];
  add(region('elf-header', 0, ehsize, size, 12, fieldsAt(0, header)));

  const phoff = word(is64 ? 32 : 28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  const shoff = word(is64 ? 40 : 32);
  const shentsize = u16(is64 ? 58 : 46);
  const shnum = u16(is64 ? 60 : 48);
  const phLayout: Array<readonly [number, 1 | 2 | 4 | 8]> = is64
    ? [[0, 4], [4, 4], [8, 8], [16, 8], [24, 8], [32, 8], [40, 8], [48, 8]]
    : [[0, 4], [4, 4], [8, 4], [12, 4], [16, 4], [20, 4], [24, 4], [28, 4]];
  const loads: Array<{ offset: number; vaddr: number; filesz: number }> = [];
  let dyn: { offset: number; filesz: number; ph: number } | undefined;
  const phFields: Field[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    const type = u32(o);
    const p = is64
      ? { offset: word(o + 8), vaddr: word(o + 16), filesz: word(o + 32) }
      : { offset: u32(o + 4), vaddr: u32(o + 8), filesz: u32(o + 16) };
    if (type === 1) loads.push(p);
    if (type === 2) dyn = { ...p, ph: o };
    phFields.push(...fieldsAt(o, phLayout));
  }
  add(region('program-headers', phoff, phoff + phnum * phentsize, size, 12, phFields));
  if (dyn) add(region('pt-dynamic-phdr', dyn.ph, dyn.ph + phentsize, size, 6, fieldsAt(dyn.ph, phLayout)));

  const toOff = (vaddr: number): number | undefined => {
    for (const l of loads) if (vaddr >= l.vaddr && vaddr < l.vaddr + l.filesz) return vaddr - l.vaddr + l.offset;
    return undefined;
  };
  if (dyn) {
    const ent = 2 * w;
    const all: Field[] = [];
    const values: Field[] = [];
    const addr: Record<number, number> = {};
    for (let o = dyn.offset; o + ent <= dyn.offset + dyn.filesz; o += ent) {
      const tag = word(o);
      all.push({ at: o, width: w }, { at: o + w, width: w });
      if ([1, 4, 5, 6, 10, 11, 14, 15, 29, 0x6ffffef5].includes(tag)) values.push({ at: o + w, width: w }, { at: o, width: w });
      if (addr[tag] === undefined) addr[tag] = word(o + w);
      if (tag === 0) break;
    }
    add(region('dynamic', dyn.offset, dyn.offset + dyn.filesz, size, 14, all));
    add(region('dynamic-wanted', dyn.offset, dyn.offset + dyn.filesz, size, 12, values));
    const at = (tag: number) => (addr[tag] === undefined ? undefined : toOff(addr[tag]));
    const gnu = at(0x6ffffef5);
    if (gnu !== undefined) add(region('gnu-hash', gnu, gnu + 64, size, 6, fieldsAt(gnu, [[0, 4], [4, 4], [8, 4], [12, 4], [16, 4], [20, 4], [24, 4], [28, 4]])));
    const hash = at(4);
    if (hash !== undefined) add(region('hash', hash, hash + 16, size, 6, fieldsAt(hash, [[0, 4], [4, 4], [8, 8], [0, 8]])));
    const sym = at(6);
    const syment = is64 ? 24 : 16;
    if (sym !== undefined) {
      const f: Field[] = [];
      for (let i = 0; i < 64; i++) {
        f.push(...fieldsAt(sym + i * syment, is64
          ? [[0, 4], [4, 1], [5, 1], [6, 2], [8, 8], [16, 8]]
          : [[0, 4], [4, 4], [8, 4], [12, 1], [13, 1], [14, 2]]));
      }
      add(region('dynsym', sym, sym + 64 * syment, size, 6, f));
    }
    const str = at(5);
    const strsz = addr[10];
    if (str !== undefined && strsz !== undefined) add(region('dynstr', str, str + strsz, size, 5));
  }
  if (shoff > 0 && shnum > 0) {
    const shLayout: Array<readonly [number, 1 | 2 | 4 | 8]> = is64
      ? [[4, 4], [24, 8], [32, 8], [56, 8]] : [[4, 4], [16, 4], [20, 4], [36, 4]];
    const f: Field[] = [];
    for (let i = 0; i < shnum; i++) f.push(...fieldsAt(shoff + i * shentsize, shLayout));
    add(region('section-headers', shoff, shoff + shnum * shentsize, size, 4, f));
  }
  // PQlibVersion's code, to exercise the instruction decoders.
  try {
    const code = parseElf(bytes, name, { codeOf: [PQLIBVERSION] }).code[PQLIBVERSION];
    const off = code === undefined ? undefined : toOff(code.address);
    if (off !== undefined) add(region('pqlibversion-code', off, off + 64, size, 6));
  } catch { /* an original that does not parse just gets no code region */ }
  add(region('anywhere', 0, size, size, 12));
  return { name, bytes, le, regions };
}

/** Structure of an (unmutated) zip: EOCD, zip64 records, central records, local headers, entry data. */
function zipTarget(name: string, bytes: Buffer): Target {
  const size = bytes.length;
  const regions: Region[] = [];
  const add = (r: Region | null) => { if (r) regions.push(r); };
  let eocd = -1;
  for (let o = size - 22; o >= Math.max(0, size - 22 - 0xffff); o--) {
    if (bytes.readUInt32LE(o) === 0x06054b50) { eocd = o; break; }
  }
  if (eocd >= 0) {
    add(region('eocd', eocd, eocd + 22 + bytes.readUInt16LE(eocd + 20), size, 12,
      fieldsAt(eocd, [[0, 4], [4, 2], [6, 2], [8, 2], [10, 2], [12, 4], [16, 4], [20, 2]])));
    const loc = eocd - 20;
    if (loc >= 0 && bytes.readUInt32LE(loc) === 0x07064b50) {
      add(region('zip64-locator', loc, loc + 20, size, 4, fieldsAt(loc, [[0, 4], [4, 4], [8, 8], [16, 4]])));
      const rec = Number(bytes.readBigUInt64LE(loc + 8));
      if (rec + 56 <= size && bytes.readUInt32LE(rec) === 0x06064b50) {
        add(region('zip64-eocd', rec, rec + 56, size, 5,
          fieldsAt(rec, [[0, 4], [4, 8], [12, 2], [14, 2], [16, 4], [20, 4], [24, 8], [32, 8], [40, 8], [48, 8]])));
      }
    }
    let cdOff = bytes.readUInt32LE(eocd + 16);
    let cdSize = bytes.readUInt32LE(eocd + 12);
    if (cdOff === 0xffffffff) {
      const z = regions.find((r) => r.name === 'zip64-eocd');
      if (z) { cdSize = Number(bytes.readBigUInt64LE(z.start + 40)); cdOff = Number(bytes.readBigUInt64LE(z.start + 48)); }
    }
    const cdFields: Field[] = [];
    const interesting: Field[] = [];
    const locals: Field[] = [];
    const localInteresting: Field[] = [];
    let o = cdOff;
    while (o + 46 <= Math.min(size, cdOff + cdSize) && bytes.readUInt32LE(o) === 0x02014b50) {
      const n = bytes.readUInt16LE(o + 28);
      const m = bytes.readUInt16LE(o + 30);
      const k = bytes.readUInt16LE(o + 32);
      const entryName = bytes.toString('latin1', o + 46, o + 46 + n);
      const keen = /libpq|lambda_function|\.so/.test(entryName);
      const f = fieldsAt(o, [[0, 4], [4, 2], [6, 2], [8, 2], [10, 2], [16, 4], [20, 4], [24, 4], [28, 2], [30, 2], [32, 2], [34, 2], [38, 4], [42, 4]]);
      for (let i = 0; i < n; i++) f.push({ at: o + 46 + i, width: 1 });
      for (let i = 0; i + 2 <= m; i += 2) f.push({ at: o + 46 + n + i, width: 2 }, ...(i + 8 <= m ? [{ at: o + 46 + n + i, width: 8 as const }] : []));
      cdFields.push(...f);
      if (keen) interesting.push(...f);
      let local = bytes.readUInt32LE(o + 42);
      if (local === 0xffffffff && m >= 4) {
        // zip64 extra: the offset is the last 8-byte value of the 0x0001 field
        for (let e = o + 46 + n; e + 4 <= o + 46 + n + m;) {
          const id = bytes.readUInt16LE(e);
          const len = bytes.readUInt16LE(e + 2);
          if (id === 1 && len >= 8) local = Number(bytes.readBigUInt64LE(e + 4 + len - 8));
          e += 4 + len;
        }
      }
      if (local + 30 <= size && bytes.readUInt32LE(local) === 0x04034b50) {
        const ln = bytes.readUInt16LE(local + 26);
        const lm = bytes.readUInt16LE(local + 28);
        const lf = fieldsAt(local, [[0, 4], [4, 2], [6, 2], [8, 2], [14, 4], [18, 4], [22, 4], [26, 2], [28, 2]]);
        for (let i = 0; i < ln; i++) lf.push({ at: local + 30 + i, width: 1 });
        locals.push(...lf);
        if (keen) localInteresting.push(...lf);
        const dataStart = local + 30 + ln + lm;
        const csize = bytes.readUInt32LE(o + 20);
        if (keen && csize !== 0xffffffff) add(region(`data:${entryName}`, dataStart, dataStart + csize, size, 4));
      }
      o += 46 + n + m + k;
    }
    add(region('central-directory', cdOff, cdOff + cdSize, size, 12, cdFields));
    if (interesting.length) add(region('central-libpq-handler', cdOff, cdOff + cdSize, size, 10, interesting));
    if (locals.length) add(region('local-headers', 0, cdOff, size, 10, locals));
    if (localInteresting.length) add(region('local-libpq-handler', 0, cdOff, size, 8, localInteresting));
  }
  add(region('anywhere', 0, size, size, 10));
  return { name, bytes, le: true, regions };
}

// ---------------------------------------------------------------- mutations

const INTERESTING_8 = [0n, 1n, 0x7fn, 0xffn, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n,
  2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n] as const;
const INTERESTING_4 = [0, 1, 8, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
  0x6ffffef5, 0xa1ff0000, 0x41ed0000] as const;
const INTERESTING_2 = [0, 1, 2, 3, 8, 12, 14, 99, 0x7f, 0x80, 0xff, 0x31e, 0x7fff, 0x8000, 0xfffe, 0xffff] as const;
const INTERESTING_1 = [0, 1, 2, 0x2f, 0x2e, 0x5c, 0x7f, 0x80, 0xfe, 0xff] as const;

function pickRegion(rng: Rng, t: Target, bytes: Buffer): Region {
  const live = t.regions.filter((r) => r.start < bytes.length);
  const r = live.length ? rng.weighted(live.map((x) => [x, x.weight] as const)) : undefined;
  return r ?? { name: 'anywhere', start: 0, end: Math.max(1, bytes.length), fields: [], weight: 1 };
}

function offsetIn(rng: Rng, r: Region, len: number): number {
  const end = Math.min(r.end, len);
  return r.start >= end ? rng.int(Math.max(1, len)) : r.start + rng.int(end - r.start);
}

function writeValue(buf: Buffer, at: number, width: 1 | 2 | 4 | 8, le: boolean, rng: Rng): string {
  if (at < 0 || at + width > buf.length) return `skip@${at}`;
  const size = buf.length;
  if (width === 8) {
    const v = rng.weighted<bigint>([
      [rng.pick(INTERESTING_8), 5],
      [BigInt(size) + BigInt(rng.int(3)) - 1n, 2],
      [BigInt(rng.int(size)), 2],
      [(BigInt(rng.u32()) << 32n) | BigInt(rng.u32()), 3],
    ]);
    if (le) buf.writeBigUInt64LE(v, at); else buf.writeBigUInt64BE(v, at);
    return `w8@${at}=0x${v.toString(16)}`;
  }
  if (width === 4) {
    const v = rng.weighted<number>([[rng.pick(INTERESTING_4), 5], [(size + rng.int(3) - 1) >>> 0, 2], [rng.int(size), 2], [rng.u32(), 3]]) >>> 0;
    if (le) buf.writeUInt32LE(v, at); else buf.writeUInt32BE(v, at);
    return `w4@${at}=0x${v.toString(16)}`;
  }
  if (width === 2) {
    const v = rng.weighted<number>([[rng.pick(INTERESTING_2), 5], [rng.int(0x10000), 3], [rng.int(64), 2]]);
    if (le) buf.writeUInt16LE(v, at); else buf.writeUInt16BE(v, at);
    return `w2@${at}=0x${v.toString(16)}`;
  }
  const v = rng.chance(0.6) ? rng.pick(INTERESTING_1) : rng.int(256);
  buf[at] = v;
  return `w1@${at}=0x${v.toString(16)}`;
}

type Op = 'flip' | 'byte' | 'field' | 'word' | 'truncate' | 'zero' | 'copy-over' | 'copy-field' | 'insert-dup' | 'delete';
type OpWeights = ReadonlyArray<readonly [Op, number]>;
const ELF_OPS: OpWeights = [
  ['flip', 16], ['byte', 12], ['field', 30], ['word', 10], ['truncate', 8], ['zero', 6], ['copy-over', 6],
  ['copy-field', 6], ['insert-dup', 3], ['delete', 3],
];
/** A zip cut anywhere loses its EOCD (always "not-a-zip"), so truncation is rarer and cutting out the middle commoner. */
const ZIP_OPS: OpWeights = [
  ['flip', 16], ['byte', 12], ['field', 30], ['word', 8], ['truncate', 3], ['zero', 6], ['copy-over', 6],
  ['copy-field', 6], ['insert-dup', 5], ['delete', 6],
];
/** Source text: bytes, and whole lines duplicated or cut. */
const TEXT_OPS: OpWeights = [['flip', 10], ['byte', 10], ['copy-over', 10], ['insert-dup', 20], ['delete', 10], ['zero', 3], ['truncate', 3]];

interface Mutant { bytes: Buffer; target: string; ops: string[] }

function mutate(corpus: readonly Target[], seed: number, weights: OpWeights): Mutant {
  const rng = new Rng(seed);
  const t = rng.pick(corpus);
  let buf = Buffer.from(t.bytes);
  const ops: string[] = [];
  const n = rng.chance(0.5) ? 1 : 2 + rng.int(4);
  for (let k = 0; k < n; k++) {
    const r = pickRegion(rng, t, buf);
    const op = rng.weighted(weights);
    const len = buf.length;
    if (len === 0) break;
    const at = offsetIn(rng, r, len);
    switch (op) {
      case 'flip': { const bit = rng.int(8); buf[at] = (buf[at] ?? 0) ^ (1 << bit); ops.push(`${r.name}:flip@${at}.${bit}`); break; }
      case 'byte': { const v = rng.pick([0x00, 0xff, 0x7f, 0x80] as const); buf[at] = v; ops.push(`${r.name}:byte@${at}=0x${v.toString(16)}`); break; }
      case 'field': {
        const f = r.fields.length ? rng.pick(r.fields) : { at, width: rng.pick([1, 2, 4, 8] as const) };
        ops.push(`${r.name}:field:${writeValue(buf, f.at, f.width, t.le, rng)}`);
        break;
      }
      case 'word': {
        const width = rng.pick([4, 8] as const);
        const aligned = at - ((at - r.start) % width);
        ops.push(`${r.name}:word:${writeValue(buf, aligned, width, t.le, rng)}`);
        break;
      }
      case 'truncate': {
        const to = rng.weighted<number>([[rng.int(len), 3], [at, 3], [Math.min(r.start, len - 1), 1], [Math.min(r.end, len) - 1, 1]]);
        buf = buf.subarray(0, Math.max(0, to));
        ops.push(`${r.name}:truncate@${to}`);
        break;
      }
      case 'zero': {
        const count = 1 + rng.int(rng.chance(0.7) ? 64 : 4096);
        const v = rng.chance(0.8) ? 0 : 0xff;
        buf.fill(v, at, Math.min(len, at + count));
        ops.push(`${r.name}:fill@${at}+${count}=0x${v.toString(16)}`);
        break;
      }
      case 'copy-over': {
        const count = 1 + rng.int(rng.chance(0.7) ? 64 : 2048);
        const from = rng.int(len);
        buf.copy(buf, at, from, Math.min(len, from + count));
        ops.push(`${r.name}:copy@${from}+${count}->${at}`);
        break;
      }
      case 'copy-field': {
        // Duplicate one field of the region over another of the same width (a second DT_NEEDED, two EOCDs' worth of offsets…).
        const a = r.fields.length ? rng.pick(r.fields) : undefined;
        const same = a ? r.fields.filter((f) => f.width === a.width) : [];
        if (!a || same.length === 0) { ops.push(`${r.name}:copy-field:none`); break; }
        const b = rng.pick(same);
        if (a.at + a.width <= len && b.at + b.width <= len) buf.copy(buf, b.at, a.at, a.at + a.width);
        ops.push(`${r.name}:copy-field@${a.at}->${b.at}/${a.width}`);
        break;
      }
      case 'insert-dup': {
        const count = 1 + rng.int(256);
        const from = rng.int(len);
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(from, Math.min(len, from + count)), buf.subarray(at)]);
        ops.push(`${r.name}:insert@${at}<-${from}+${count}`);
        break;
      }
      case 'delete': {
        const count = 1 + rng.int(256);
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(Math.min(len, at + count))]);
        ops.push(`${r.name}:delete@${at}+${count}`);
        break;
      }
    }
  }
  return { bytes: buf, target: t.name, ops };
}

/**
 * A zip case: three in four mutate a zip's bytes; the rest mutate the libpq or
 * the handler and pack it into a valid zip (right CRC), so the mutation gets
 * past the container and reaches the ELF reader, the evidence, the locator
 * and the handler parser inside the pipeline.
 */
function zipMutant(c: Corpora, seed: number): Mutant {
  const rng = new Rng(seed ^ 0x3c6ef372);
  const mode = rng.weighted<'zip' | 'elf' | 'handler'>([['zip', 75], ['elf', 15], ['handler', 10]]);
  if (mode === 'zip') return mutate(c.zip, seed, ZIP_OPS);
  const inner = mode === 'elf' ? mutate(c.elf, seed, ELF_OPS) : mutate([c.handler], seed, TEXT_OPS);
  const libName = rng.pick(['libpq.so.5', 'lib/libpq.so.5.17', 'psycopg2_binary.libs/libpq-ab12cd34.so.5.15']);
  const compress = inner.bytes.length < 64 * 1024 || rng.chance(0.1);
  const entries = c.sample94.filter((e) => mode !== 'elf' || e.name !== 'libpq.so.5');
  const packed: ZipEntry[] = mode === 'elf'
    ? [...entries, { name: libName, data: inner.bytes, compress }]
    : entries.map((e) => (e.name === 'lambda_function.py' ? { ...e, data: inner.bytes } : e));
  return { bytes: buildZip(packed), target: `${inner.target} packed as ${mode === 'elf' ? libName : 'lambda_function.py'}`, ops: inner.ops };
}

// ---------------------------------------------------------------- oracles

interface Failure { kind: 'elf' | 'zip' | 'crafted'; seed: number; target: string; ops: string[]; problem: string; file?: string }

function oneLine(s: unknown): boolean {
  return typeof s === 'string' && s.length > 0 && !s.includes('\n') && !s.includes('\r');
}

function checkInspectError(e: InspectError): string | null {
  if (typeof e.code !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(e.code)) return `InspectError with a bad code ${JSON.stringify(e.code)}`;
  if (!oneLine(e.message)) return `InspectError ${e.code} message is not one line: ${JSON.stringify(e.message)}`;
  return null;
}

function describeThrown(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message.split('\n')[0]} @ ${(e.stack ?? '').split('\n').slice(1, 3).map((s) => s.trim()).join(' < ')}`;
  return `non-Error thrown: ${String(e)}`;
}

/** What bundleFindings would do with the facts: every evidence function must take any facts. */
function evidenceOf(facts: ElfFacts): void {
  const evidence = [...pqlibVersionEvidence(facts), ...runpathEvidence(facts), ...apiFloorEvidence(facts), ...fileNameEvidence('libpq.so.5.10')];
  const v = mergeVersionEvidence(evidence);
  highestMajor(v, evidence);
  JSON.stringify(v);
}

function checkFacts(f: ElfFacts): string | null {
  if (f.class !== 32 && f.class !== 64) return `facts.class is ${String(f.class)}`;
  if (f.endianness !== 'little' && f.endianness !== 'big') return `facts.endianness is ${String(f.endianness)}`;
  const code = f.code[PQLIBVERSION];
  if (code && code.bytes.length > 64) return `PQlibVersion code is ${code.bytes.length} bytes (at most 64)`;
  return null;
}

interface Stats { cases: number; ok: number; inspectErrors: Map<string, number>; reported: Map<string, number>; slowest: { ms: number; seed: number; target: string }; peakRss: number; ms: number }
const newStats = (): Stats => ({ cases: 0, ok: 0, inspectErrors: new Map(), reported: new Map(), slowest: { ms: 0, seed: 0, target: '' }, peakRss: 0, ms: 0 });
const bump = (counts: Map<string, number>, code: string) => counts.set(code, (counts.get(code) ?? 0) + 1);

function saveRepro(kind: string, seed: number, m: Mutant, problem: string): string {
  mkdirSync(REPRO_DIR, { recursive: true });
  const file = join(REPRO_DIR, `${kind}-${hex(seed)}.${kind === 'elf' ? 'so.5' : 'zip'}`);
  writeFileSync(file, m.bytes);
  writeFileSync(`${file}.json`, `${JSON.stringify({ kind, seed: hex(seed), baseSeed: hex(BASE_SEED), target: m.target, ops: m.ops, problem }, null, 2)}\n`);
  return file;
}

// Attribute crashes that escape every try/catch (an 'error' event nobody listens to, a rejection nobody awaits).
let current: { kind: 'elf' | 'zip'; seed: number; mutant: Mutant } | undefined;
const escaped: Failure[] = [];
const onEscape = (e: unknown) => {
  if (!current) return;
  const problem = `escaped to the process: ${describeThrown(e)}`;
  escaped.push({ kind: current.kind, seed: current.seed, target: current.mutant.target, ops: current.mutant.ops, problem, file: saveRepro(current.kind, current.seed, current.mutant, problem) });
};
process.on('uncaughtExceptionMonitor', onEscape);
process.on('unhandledRejection', onEscape);

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | 'hang'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<'hang'>((resolve) => { timer = setTimeout(() => resolve('hang'), ms); })])
    .finally(() => clearTimeout(timer));
}

function report(t: ExecutionContext, label: string, s: Stats, failures: Failure[]): void {
  const codes = [...s.inspectErrors.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ');
  t.log(`${label}: ${s.cases} mutants in ${(s.ms / 1000).toFixed(1)} s (${(s.ms / Math.max(1, s.cases)).toFixed(2)} ms/case): ${s.ok} answered, ${s.cases - s.ok} InspectError`);
  t.log(`${label}: InspectError codes: ${codes || '(none)'}`);
  if (s.reported.size) t.log(`${label}: error codes inside answered reports: ${[...s.reported.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')}`);
  t.log(`${label}: slowest case ${s.slowest.ms.toFixed(1)} ms, seed ${hex(s.slowest.seed)} (${s.slowest.target}); peak RSS ${(s.peakRss / 2 ** 20).toFixed(0)} MB`);
  for (const f of failures.slice(0, 15)) t.log(`FAIL ${f.kind} seed ${hex(f.seed)} ${f.target} [${f.ops.join(' ')}]: ${f.problem}${f.file ? ` -> ${f.file}` : ''}`);
  if (failures.length > 15) t.log(`… and ${failures.length - 15} more failures`);
}

// ---------------------------------------------------------------- corpora

const LIBPQ_DIR = join(FIXTURES, 'libpq');
const ELF_FILES = [
  'x86_64-10.23-libpq.so.5.10', // no section symtab, RPATH and RUNPATH
  'x86_64-17.10-libpq.so.5.17',
  'aarch64-16.4-libpq.so.5.16',
  's390x-15.18-libpq.so.5.15', // big-endian, 8-byte DT_HASH words
  'i386-15.18-libpq.so.5.15',
  'i386-16.14-libpq.so.5.16',
  'armhf-15.18-libpq.so.5.15', // Thumb MOVW/MOVT
  'armhf-17.10-libpq.so.5.17', // Thumb literal pool
  'ppc64le-17.10-libpq.so.5.17',
];

async function entriesOf(zip: Buffer, name: string): Promise<ZipEntry[]> {
  const bundle = await openBundleFromSource(bufferSource(zip, name), 'x.zip');
  const out: ZipEntry[] = [];
  for (const e of bundle.entries) if (e.type === 'file') out.push({ name: e.path, data: await bundle.read(e, 1 << 26), mode: e.path.endsWith('.py') ? 0o100644 : 0o100755 });
  await bundle.close();
  return out;
}

interface Corpora { elf: Target[]; zip: Target[]; handler: Target; sample94: ZipEntry[] }
let corporaPromise: Promise<Corpora> | undefined;
function corpora(): Promise<Corpora> {
  return corporaPromise ??= (async () => {
    const s94 = readFileSync(SAMPLE_94);
    const s10 = readFileSync(SAMPLE_10);
    const sample94 = await entriesOf(s94, 'postgres-9.4-rotation.zip');
    const sampleLib = sample94.find((e) => e.name === 'libpq.so.5');
    if (!sampleLib || typeof sampleLib.data === 'string') throw new Error('the 9.4 sample has no libpq.so.5');
    const elf = [
      elfTarget('sample-9.4:libpq.so.5', sampleLib.data),
      elfTarget('no-section-headers-libpq.so.5', readFileSync(join(FIXTURES, 'elf', 'good', 'no-section-headers-libpq.so.5'))),
      ...ELF_FILES.map((f) => elfTarget(f, readFileSync(join(LIBPQ_DIR, f)))),
    ];
    // Real bundles carry real-sized libraries: also the sample with a ~330 KB libpq, deflated and stored.
    const withReal = (lib: string, compress: boolean) => buildZip(sample94.map((e) => (e.name === 'libpq.so.5' ? { ...e, data: readFileSync(join(LIBPQ_DIR, lib)), compress } : e)));
    const zip = [
      zipTarget('postgres-9.4-rotation.zip', s94),
      zipTarget('postgres-10-rotation.zip', s10),
      ...fixtureFiles('zip/good').map((f) => zipTarget(`good/${basename(f)}`, readFileSync(f))),
      ...fixtureFiles('zip/broken').filter((f) => f.endsWith('.zip')).map((f) => zipTarget(`broken/${basename(f)}`, readFileSync(f))),
      zipTarget('sample-9.4+x86_64-15.8-deflated.zip', withReal('x86_64-15.8-libpq.so.5.15', true)),
      zipTarget('sample-9.4+aarch64-16.4-stored.zip', withReal('aarch64-16.4-libpq.so.5.16', false)),
    ];
    const handler = sample94.find((e) => e.name === 'lambda_function.py');
    if (!handler) throw new Error('the 9.4 sample has no lambda_function.py');
    const text = Buffer.from(handler.data);
    return { elf, zip, sample94, handler: { name: 'sample-9.4:lambda_function.py', bytes: text, le: true, regions: [{ name: 'text', start: 0, end: text.length, fields: [], weight: 1 }] } };
  })();
}

// ---------------------------------------------------------------- runners

function runElfCase(corpus: readonly Target[], seed: number, stats: Stats, failures: Failure[]): void {
  const m = mutate(corpus, seed, ELF_OPS);
  current = { kind: 'elf', seed, mutant: m };
  const fail = (problem: string) => failures.push({ kind: 'elf', seed, target: m.target, ops: m.ops, problem, file: saveRepro('elf', seed, m, problem) });
  const t0 = performance.now();
  try {
    const facts = parseElf(m.bytes, 'libpq.so.5', { codeOf: [PQLIBVERSION] });
    const bad = checkFacts(facts);
    if (bad) fail(bad);
    try { evidenceOf(facts); } catch (e) { fail(`evidence from parsed facts threw ${describeThrown(e)}`); }
    stats.ok++;
  } catch (e) {
    if (e instanceof InspectError) {
      bump(stats.inspectErrors, e.code);
      const bad = checkInspectError(e);
      if (bad) fail(bad);
    } else {
      fail(`parseElf threw ${describeThrown(e)}`);
    }
  }
  const ms = performance.now() - t0;
  stats.cases++;
  if (ms > stats.slowest.ms) stats.slowest = { ms, seed, target: m.target };
  if (ms > CASE_BUDGET_MS) fail(`took ${ms.toFixed(0)} ms (budget ${CASE_BUDGET_MS} ms)`);
  current = undefined;
}

async function pipeline(bytes: Buffer): Promise<{ error?: InspectError; findings?: Awaited<ReturnType<typeof bundleFindings>> }> {
  let bundle;
  try {
    bundle = await openBundleFromSource(bufferSource(bytes, 'fuzz.zip'), 'x.zip');
  } catch (e) {
    if (e instanceof InspectError) return { error: e };
    throw e;
  }
  try {
    return { findings: await bundleFindings(bundle) };
  } catch (e) {
    if (e instanceof InspectError) return { error: e };
    throw e;
  } finally {
    await bundle.close();
  }
}

function checkReportErrors(errors: ReadonlyArray<{ code: string; message: string }>, where: string): string | null {
  for (const e of errors) {
    if (e.code === 'error') return `${where}: a non-InspectError was caught and reported as code "error": ${e.message}`;
    if (!oneLine(e.code)) return `${where}: error without a code: ${JSON.stringify(e)}`;
    if (!oneLine(e.message)) return `${where}: error message is not one line: ${JSON.stringify(e.message)}`;
  }
  return null;
}

async function runZipCase(c: Corpora, seed: number, i: number, tmp: string, stats: Stats, failures: Failure[]): Promise<void> {
  const m = zipMutant(c, seed);
  current = { kind: 'zip', seed, mutant: m };
  const fail = (problem: string) => failures.push({ kind: 'zip', seed, target: m.target, ops: m.ops, problem, file: saveRepro('zip', seed, m, problem) });
  const t0 = performance.now();
  try {
    const r = await withDeadline(pipeline(m.bytes), HANG_MS);
    if (r === 'hang') {
      fail(`openBundleFromSource/bundleFindings still pending after ${HANG_MS} ms`);
    } else if (r.error) {
      bump(stats.inspectErrors, r.error.code);
      const bad = checkInspectError(r.error);
      if (bad) fail(bad);
    } else if (r.findings) {
      stats.ok++;
      for (const e of r.findings.errors) bump(stats.reported, e.code);
      const bad = checkReportErrors(r.findings.errors, 'bundleFindings')
        ?? checkReportErrors(r.findings.libraries.filter((l) => l.error).map((l) => ({ code: l.errorCode ?? '', message: l.error ?? '' })), 'library');
      if (bad) fail(bad);
      JSON.stringify(r.findings);
    }
  } catch (e) {
    fail(`pipeline threw ${describeThrown(e)}`);
  }
  if (i % INSPECT_LOCAL_EVERY === 0) {
    const file = join(tmp, `${hex(seed)}.zip`);
    writeFileSync(file, m.bytes);
    try {
      const rep = await withDeadline(inspectLocal(file), HANG_MS);
      if (rep === 'hang') fail(`inspectLocal still pending after ${HANG_MS} ms`);
      else {
        const bad = checkReportErrors(rep.errors, 'inspectLocal');
        if (bad) fail(bad);
        renderJson([rep], true);
      }
    } catch (e) {
      fail(`inspectLocal threw (it must never throw) ${describeThrown(e)}`);
    }
    unlinkSync(file);
  }
  const ms = performance.now() - t0;
  stats.cases++;
  if (ms > stats.slowest.ms) stats.slowest = { ms, seed, target: m.target };
  if (ms > CASE_BUDGET_MS) fail(`took ${ms.toFixed(0)} ms (budget ${CASE_BUDGET_MS} ms)`);
  current = undefined;
}

function sampleRss(stats: Stats, failures: Failure[], kind: 'elf' | 'zip', seed: number): void {
  const rss = process.memoryUsage().rss;
  stats.peakRss = Math.max(stats.peakRss, rss);
  if (rss > RSS_LIMIT && !failures.some((f) => f.problem.startsWith('RSS'))) {
    failures.push({ kind, seed, target: '(process)', ops: [], problem: `RSS ${(rss / 2 ** 20).toFixed(0)} MB above ${(RSS_LIMIT / 2 ** 20).toFixed(0)} MB after seed ${hex(seed)}` });
  }
}

// ---------------------------------------------------------------- tests

test.serial('ELF: mutated libraries give facts or an InspectError, nothing else', (t) => {
  t.timeout(90_000);
  if (REPLAY && REPLAY[1]!.toLowerCase() !== 'elf') { t.pass('replaying a zip case'); return; }
  return corpora().then(({ elf }) => {
    t.log(`ELF corpus: ${elf.map((x) => `${x.name} (${x.bytes.length} B, ${x.regions.map((r) => r.name).join('/')})`).join('; ')}`);
    const stats = newStats();
    const failures: Failure[] = [];
    const start = performance.now();
    const seeds = REPLAY ? [Number(REPLAY[2]) >>> 0] : undefined;
    const total = seeds ? 1 : ELF_CASES;
    t.log(`base seed ${hex(BASE_SEED)}, ${total} cases${seeds ? ' (replay)' : ''}`);
    for (let i = 0; i < total; i++) {
      const seed = seeds?.[0] ?? caseSeed(BASE_SEED, i);
      if (seeds) { const m = mutate(elf, seed, ELF_OPS); t.log(`replay ${hex(seed)}: ${m.target} ${JSON.stringify(m.ops)}`); }
      runElfCase(elf, seed, stats, failures);
      if (i % 250 === 0) sampleRss(stats, failures, 'elf', seed);
      if (performance.now() - start > LOOP_WALL_CAP_MS) { t.log(`stopped after ${i + 1} cases: wall-time cap ${LOOP_WALL_CAP_MS} ms`); break; }
    }
    sampleRss(stats, failures, 'elf', 0);
    stats.ms = performance.now() - start;
    report(t, 'elf', stats, [...failures, ...escaped.splice(0)]);
    t.true(stats.peakRss < RSS_LIMIT, 'RSS stayed below the limit');
    t.true(stats.slowest.ms < CASE_BUDGET_MS, `slowest case ${stats.slowest.ms.toFixed(0)} ms (seed ${hex(stats.slowest.seed)})`);
    t.deepEqual(failures.map((f) => `${hex(f.seed)}: ${f.problem}`), []);
  });
});

test.serial('zip: mutated bundles through the offline pipeline give findings or an InspectError, nothing else', async (t) => {
  t.timeout(90_000);
  if (REPLAY && REPLAY[1]!.toLowerCase() !== 'zip') { t.pass('replaying an ELF case'); return; }
  const c = await corpora();
  const { zip } = c;
  t.log(`zip corpus: ${zip.map((x) => `${x.name} (${x.bytes.length} B)`).join('; ')}`);
  const tmp = mkdtempSync(join(tmpdir(), 'ri-fuzz-'));
  const stats = newStats();
  const failures: Failure[] = [];
  const start = performance.now();
  const seeds = REPLAY ? [Number(REPLAY[2]) >>> 0] : undefined;
  const total = seeds ? 1 : ZIP_CASES;
  t.log(`base seed ${hex(BASE_SEED ^ 0x2a2a2a2a)}, ${total} cases${seeds ? ' (replay)' : ''}, every ${INSPECT_LOCAL_EVERY}th also through inspectLocal`);
  try {
    for (let i = 0; i < total; i++) {
      const seed = seeds?.[0] ?? caseSeed(BASE_SEED ^ 0x2a2a2a2a, i);
      if (seeds) { const m = zipMutant(c, seed); t.log(`replay ${hex(seed)}: ${m.target} ${JSON.stringify(m.ops)}`); }
      await runZipCase(c, seed, seeds ? 0 : i, tmp, stats, failures);
      if (i % 100 === 0) sampleRss(stats, failures, 'zip', seed);
      if (performance.now() - start > LOOP_WALL_CAP_MS) { t.log(`stopped after ${i + 1} cases: wall-time cap ${LOOP_WALL_CAP_MS} ms`); break; }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  // Let late 'error' events and rejections surface while we still attribute them.
  await new Promise((r) => setTimeout(r, 50));
  sampleRss(stats, failures, 'zip', 0);
  stats.ms = performance.now() - start;
  const all = [...failures, ...escaped.splice(0)];
  report(t, 'zip', stats, all);
  t.true(stats.peakRss < RSS_LIMIT, 'RSS stayed below the limit');
  t.true(stats.slowest.ms < CASE_BUDGET_MS, `slowest case ${stats.slowest.ms.toFixed(0)} ms (seed ${hex(stats.slowest.seed)})`);
  t.deepEqual(all.map((f) => `${hex(f.seed)}: ${f.problem}`), []);
});

// ---------------------------------------------------------------- crafted inputs

/**
 * Hostile inputs that random mutation will not reach, built by hand (test/support/hostileBundles.ts). Each runs
 * through the same in-process pipeline, but in a child process with a heap cap
 * and a kill timer, so a hang or an out-of-memory crash fails this test
 * instead of taking the test worker down.
 */
const CHILD = `
const src = process.env.FUZZ_SRC;
const { readFileSync } = await import('node:fs');
const { openBundleFromSource } = await import(src + '/bundle/openBundle.js');
const { bundleFindings } = await import(src + '/report/bundleFindings.js');
const { bufferSource } = await import(src + '/source/byteSource.js');
const { InspectError } = await import(src + '/errors.js');
const bytes = readFileSync(process.env.FUZZ_ZIP);
// The budget is on work done: CPU time (user + system) of the inspection, which a loaded machine's waiting does
// not inflate; a hang is still caught by the parent's wall-clock kill timer.
const t0 = performance.now();
const cpu0 = process.cpuUsage();
let out;
try {
  const bundle = await openBundleFromSource(bufferSource(bytes, 'crafted.zip'), 'x.zip');
  const f = await bundleFindings(bundle);
  await bundle.close();
  out = { errors: f.errors.map((e) => e.code), messages: f.errors.map((e) => e.message.slice(0, 160)), exports: f.libraries.map((l) => l.exportedFunctions), jsonBytes: JSON.stringify(f).length };
} catch (e) {
  out = e instanceof InspectError ? { inspectError: e.code } : { thrown: String(e) };
}
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({ ms: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0, maxRssKb: process.resourceUsage().maxRSS, ...out }));
`;

interface ChildResult { code: number | null; signal: string | null; stdout: string; stderr: string; killed: boolean; wallMs: number }

function runChild(zipPath: string, killAfterMs: number): Promise<ChildResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--max-old-space-size=1024', '--input-type=module', '-e', CHILD], {
      env: { ...process.env, FUZZ_SRC: ROOT_DIST, FUZZ_ZIP: zipPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { if (stderr.length < 4000) stderr += d.toString(); });
    const timer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, killAfterMs);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr, killed, wallMs: performance.now() - t0 }); });
  });
}

test.serial('crafted hostile bundles: finish within the per-case budget and bounded memory', async (t) => {
  t.timeout(180_000);
  if (REPLAY) { t.pass('replay mode'); return; }
  const { sample94 } = await corpora();
  const handler = sample94.find((e) => e.name === 'lambda_function.py');
  if (!handler) throw new Error('the 9.4 sample has no lambda_function.py');
  const withHandler = (extra: string) => buildZip(sample94.map((e) => (e === handler ? { ...e, data: `${handler.data.toString()}\n${extra}` } : e)));
  const withLib = (lib: Buffer) => buildZip(sample94.map((e) => (e.name === 'libpq.so.5' ? { ...e, data: lib } : e)));
  // Handlers stay under the 1 MiB cap on handler files (MAX_HANDLER_BYTES), so they are parsed, not refused.
  const cases: Array<{ name: string; what: string; zip: Buffer; strict?: boolean }> = [
    // The amplification shapes of issue 12: held to 10 s, 256 MiB and a bounded report (see STRICT_* below).
    ...hostileShapes(sample94.map((e) => ({ name: e.name, data: Buffer.from(e.data) })), Buffer.from(sample94.find((e) => e.name === 'libpq.so.5')!.data)).map((c) => ({ ...c, strict: true })),
    {
      name: 'handler-whitespace-redos.zip',
      what: 'lambda_function.py followed by 500,000 blank lines (1.0 MB, just under the handler cap)',
      zip: withHandler(' \n'.repeat(500_000)),
    },
    {
      name: 'handler-sslmode-line-redos.zip',
      what: 'lambda_function.py with one 1.0 MB line of repeated "sslmode=" (just under the handler cap)',
      zip: withHandler(`DSN = "${'sslmode='.repeat(125_000)}"\n`),
    },
    {
      name: 'handler-unclosed-connect-calls.zip',
      what: 'lambda_function.py with 100,000 lines of "new Pool(" (1.0 MB, just under the handler cap)',
      zip: withHandler('new Pool(\n'.repeat(100_000)),
    },
    {
      name: 'handler-many-local-imports.zip',
      what: 'lambda_function.py importing 260 local modules of just under 1 MiB each (the per-file and 4 MiB total caps bound what is read)',
      zip: (() => {
        const names = Array.from({ length: 260 }, (_, i) => `m${i}`);
        // Lines of 1 KiB: the case is about how many modules and bytes are read, not lines (handler-whitespace-redos has those).
        const body = Buffer.from(`${'x = 1'.padEnd(1023)}\n`.repeat(1023));
        const files = sample94.map((e) => ({ name: e.name, data: Buffer.from(e === handler ? `${handler.data.toString()}\nimport ${names.join(', ')}\n` : e.data) }));
        return hostileZip([...files, ...names.map((n) => ({ name: `${n}.py`, data: body }))]);
      })(),
    },
    {
      name: 'js-handler-unclosed-requires.zip',
      what: 'index.js rotation handler with one 880 KB line of unclosed "require(\'./" (local-import scan, under the handler cap), no lambda_function.py',
      zip: buildZip([
        ...sample94.filter((e) => e !== handler),
        { name: 'index.js', data: `const steps = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];\nexports.handler = async () => {};\nconst x = [${"require('./".repeat(80_000)}];\n` },
      ]),
    },
    {
      name: 'go-buildinfo-sentinel-flood.zip',
      what: 'bootstrap of 8 MB: the Go build-info magic, then 500,000 module-text start sentinels and no end sentinel until the last byte',
      zip: (() => {
        const start = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
        const end = Buffer.from('f932433186182072008242104116d8f2', 'hex');
        return buildZip([...sample94, { name: 'bootstrap', data: Buffer.concat([Buffer.from('\xff Go buildinf:', 'latin1'), Buffer.alloc(18), ...Array.from({ length: 500_000 }, () => start), end]), compress: true }]);
      })(),
    },
    {
      name: 'java-handler-constant-flood.zip',
      what: 'com/example/Rotation.class of 1 MB: 65,000 string constants, all "sslmode" or "createSecret", no Python handler',
      zip: (() => {
        const consts = Array.from({ length: 65_000 }, (_, i) => { const t = Buffer.from(i % 2 ? 'sslmode' : 'createSecret'); const h = Buffer.alloc(3); h[0] = 1; h.writeUInt16BE(t.length, 1); return Buffer.concat([h, t]); });
        const head = Buffer.alloc(10); head.writeUInt32BE(0xcafebabe, 0); head.writeUInt16BE(55, 6); head.writeUInt16BE(65_001, 8);
        return buildZip([...sample94.filter((e) => e !== handler), { name: 'com/example/Rotation.class', data: Buffer.concat([head, ...consts]) }]);
      })(),
    },
    {
      name: 'driver-records-flood.zip',
      what: '20,000 pg8000 dist-info METADATA files (version-record candidates past the 64-record budget)',
      zip: buildZip([...sample94, ...Array.from({ length: 20_000 }, (_, i) => ({ name: `p${i}/pg8000-1.${i}.0.dist-info/METADATA`, data: `Version: 1.${i}.0\n` }))]),
    },
    {
      name: 'elf-symbol-name-amplification.zip',
      what: 'libpq.so.5 of 1.9 MB: 65,536 dynamic symbols all named by one 900,000-byte string',
      zip: withLib(symbolAmplificationElf(65_536, 900_000, false)),
    },
    {
      name: 'elf-distinct-long-symbol-names.zip',
      what: 'libpq.so.5 of 6.8 MB: 400,000 dynamic symbols, symbol i named from offset i of one 400 KB NUL-free run (400,000 distinct names of >= 4 KB)',
      zip: withLib(symbolAmplificationElf(400_000, 408_192, true)),
    },
  ];
  const tmp = mkdtempSync(join(tmpdir(), 'ri-crafted-'));
  const problems: string[] = [];
  try {
    // One at a time: each child times itself, and two on two cores would inflate the times.
    for (const c of cases) {
      const file = join(tmp, c.name);
      writeFileSync(file, c.zip);
      const r = await runChild(file, 20_000);
      let parsed: { ms: number; wallMs?: number; maxRssKb: number; thrown?: string; errors?: string[]; messages?: string[]; inspectError?: string; jsonBytes?: number } | undefined;
      try { parsed = r.code === 0 ? JSON.parse(r.stdout) : undefined; } catch { parsed = undefined; }
      let problem: string | null = null;
      if (r.killed) problem = `still running after ${(r.wallMs / 1000).toFixed(1)} s: killed (a hang)`;
      else if (!parsed) problem = `child exited ${r.code ?? r.signal}: ${/heap out of memory|Allocation failed/i.test(r.stderr) ? 'JavaScript heap out of memory (1 GiB heap cap)' : r.stderr.split('\n').slice(0, 3).join(' | ')}`;
      else if (parsed.thrown) problem = `non-InspectError escaped: ${parsed.thrown}`;
      else if (parsed.errors?.includes('error')) problem = `a non-InspectError was caught and reported as code "error" ("${parsed.messages?.[parsed.errors.indexOf('error')] ?? ''}") after ${parsed.ms.toFixed(0)} ms, peak RSS ${(parsed.maxRssKb / 1024).toFixed(0)} MB`;
      else if (parsed.ms > CASE_BUDGET_MS) problem = `took ${parsed.ms.toFixed(0)} ms of CPU (budget ${CASE_BUDGET_MS} ms), peak RSS ${(parsed.maxRssKb / 1024).toFixed(0)} MB`;
      else if (parsed.maxRssKb * 1024 > RSS_LIMIT) problem = `peak RSS ${(parsed.maxRssKb / 1024).toFixed(0)} MB`;
      else if (c.strict && parsed.ms > STRICT_MS) problem = `took ${parsed.ms.toFixed(0)} ms of CPU (a hostile shape gets ${STRICT_MS} ms)`;
      else if (c.strict && parsed.maxRssKb * 1024 > STRICT_RSS) problem = `peak RSS ${(parsed.maxRssKb / 1024).toFixed(0)} MB (a hostile shape gets ${STRICT_RSS / 1024 ** 2} MiB)`;
      else if (c.strict && (parsed.jsonBytes ?? 0) > STRICT_JSON_BYTES) problem = `findings are ${parsed.jsonBytes} bytes of JSON (at most ${STRICT_JSON_BYTES})`;
      // A slow-pattern case proves nothing if the handler cap refuses it before the lexer runs.
      else if (c.name.startsWith('handler-') && parsed.errors?.includes('entry-too-large')) problem = 'refused by the handler size cap (entry-too-large): the case no longer reaches the handler lexer';
      t.log(`${c.name} (${c.zip.length} B zip; ${c.what}): ${problem ?? `ok in ${parsed!.ms.toFixed(0)} ms of CPU (${(parsed!.wallMs ?? 0).toFixed(0)} ms wall), peak RSS ${(parsed!.maxRssKb / 1024).toFixed(0)} MB, ${parsed!.jsonBytes ?? 0} B of findings${parsed!.errors?.length ? `, errors ${[...new Set(parsed!.errors)].join(', ')}` : ''}`}`);
      if (problem) {
        mkdirSync(REPRO_DIR, { recursive: true });
        const saved = join(REPRO_DIR, c.name);
        writeFileSync(saved, c.zip);
        problems.push(`${c.name}: ${problem} (saved ${saved})`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  t.deepEqual(problems, []);
});

test.serial('the mutator is deterministic: one seed, one mutant', async (t) => {
  const c = await corpora();
  const { elf } = c;
  for (const seed of [1, 0xdeadbeef, caseSeed(BASE_SEED, 7)]) {
    const a = zipMutant(c, seed);
    const b = zipMutant(c, seed);
    t.deepEqual(a.ops, b.ops);
    t.true(a.bytes.equals(b.bytes));
    t.true(mutate(elf, seed, ELF_OPS).bytes.equals(mutate(elf, seed, ELF_OPS).bytes));
  }
  t.not(caseSeed(BASE_SEED, 0), caseSeed(BASE_SEED, 1));
});


// ---------------------------------------------------------------- AWS answers and cache entries

const ANSWER_CASES = Number(process.env.FUZZ_ANSWER_CASES ?? 150);
const CACHE_CASES = Number(process.env.FUZZ_CACHE_CASES ?? 600);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path inside a JSON value (the root included), as key lists. */
function jsonPaths(v: Json, at: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => jsonPaths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) jsonPaths(x, [...at, k], out);
  return out;
}

/** One to three seeded edits of a JSON value: a field deleted, retyped, emptied, blown up or nested. */
function mutateJson(value: Json, rng: Rng): { value: Json; ops: string[] } {
  let root: Json = JSON.parse(JSON.stringify(value)) as Json;
  const ops: string[] = [];
  const replacements: Array<[string, () => Json]> = [
    ['null', () => null], ['true', () => true], ['zero', () => 0], ['minus-one', () => -1], ['fraction', () => 0.5], ['huge-number', () => 1e300],
    ['empty-string', () => ''], ['number-string', () => '22'], ['long-string', () => 'A'.repeat(100_000)], ['control-string', () => '\u001b]52;c;cGFzcw==\u0007\u202eSSAP'],
    ['empty-array', () => []], ['empty-object', () => ({})], ['many-items', () => Array.from({ length: 5000 }, (_, i) => `x${i}`)],
    ['deep', () => { let d: Json = 'x'; for (let i = 0; i < 200; i++) d = { d }; return d; }],
  ];
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const paths = jsonPaths(root);
    const path = rng.pick(paths);
    const label = path.join('.') || '(root)';
    if (path.length > 0 && rng.chance(0.25)) {
      const parent = path.slice(0, -1).reduce<Json>((o, k) => (o as Record<string, Json>)[k as string] as Json, root) as Record<string, Json> | Json[];
      const key = path[path.length - 1]!;
      if (Array.isArray(parent)) parent.splice(key as number, 1); else delete parent[key as string];
      ops.push(`delete ${label}`);
      continue;
    }
    const [name, make] = rng.pick(replacements);
    if (path.length === 0) { root = make(); ops.push(`root=${name}`); continue; }
    const parent = path.slice(0, -1).reduce<Json>((o, k) => (o as Record<string, Json>)[k as string] as Json, root) as Record<string, Json>;
    parent[path[path.length - 1] as string] = make();
    ops.push(`${label}=${name}`);
  }
  return { value: root, ops };
}

test.serial('AWS answers mutated field by field: every function ends as a report, never a crash, a generic error or a pass on a bad answer', async (t) => {
  t.timeout(120_000);
  if (REPLAY) { t.pass('replay mode'); return; }
  const { inspectFunctionTarget, newInspectContext } = await import('../src/aws/inspectFunction.js');
  const { discoverRotationFunctions } = await import('../src/scan/discovery.js');
  const { startStandin, DEFAULT_CREDENTIALS } = await import('./standin/server.js');
  process.env.AWS_ACCESS_KEY_ID = DEFAULT_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = DEFAULT_CREDENTIALS.secretAccessKey;
  process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  const layer = 'arn:aws:lambda:us-east-1:123456789012:layer:l:1';
  const s = await startStandin({
    functions: [{ name: 'fz', code: readFileSync(SAMPLE_10), handler: 'lambda_function.lambda_handler', layers: [layer], tags: { 'aws:cloudformation:stack-name': 'st' } }],
    layers: [{ arn: layer, code: buildZip([{ name: 'python/x.py', data: 'x = 1\n' }]) }],
    stacks: [{ name: 'st', creationTime: '2022-03-01T00:00:00Z' }],
    secrets: [{ name: 'db/fz', rotationEnabled: true, rotationLambdaARN: 'arn:aws:lambda:us-east-1:123456789012:function:fz' }],
  });
  t.teardown(() => s.close());
  const options = { region: 'us-east-1', endpointUrl: s.endpoint, retry: { mode: 'configured', maxAttempts: 1, delayMs: 1 } as const, limits: { totalMs: 5000, idleMs: 2000 } };
  const context = newInspectContext(options);
  t.teardown(() => context.session.destroy());
  const problems: string[] = [];
  const counts = new Map<string, number>();
  for (let i = 0; i < ANSWER_CASES; i++) {
    const seed = caseSeed(BASE_SEED ^ 0xa115, i);
    const rng = new Rng(seed);
    const op = rng.pick(['GetFunction', 'GetFunction', 'GetLayerVersionByArn', 'ListSecrets'] as const);
    let ops: string[] = [];
    s.knobs.hostile = { [op]: { mode: 'rewrite', rewrite: (body) => { const m = mutateJson(JSON.parse(body.toString()) as Json, rng); ops = m.ops; return JSON.stringify(m.value); } } };
    context.codeReads.clear(); context.layerReads.clear(); context.stacks.clear();
    const where = `seed ${hex(seed)} ${op} [${ops.join(', ')}]`;
    try {
      if (op === 'ListSecrets') {
        const found = await discoverRotationFunctions(context.session, ['us-east-1'], false, () => {});
        const listing = found.listings[0]!;
        bump(counts, listing.error ? listing.error.code : 'listed');
        if (listing.error && !oneLine(listing.error.message)) problems.push(`${where}: listing error is not one line`);
        continue;
      }
      const r = await inspectFunctionTarget('fz', options, context);
      JSON.stringify(r);
      renderJson([r], true);
      const bad = checkReportErrors([...r.errors, ...(r.warnings ?? [])], where);
      if (bad) problems.push(bad);
      const codes = r.errors.map((e) => e.code);
      codes.forEach((c) => bump(counts, c));
      if (codes.length === 0) bump(counts, 'clean');
      if (codes.includes('bad-answer') && r.checks.some((c) => c.status === 'pass') && op === 'GetFunction') problems.push(`${where}: a pass on a malformed GetFunction answer`);
    } catch (e) {
      problems.push(`${where}: threw ${describeThrown(e)}`);
    }
  }
  s.knobs.hostile = {};
  t.log(`${ANSWER_CASES} mutated answers: ${[...counts].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  t.deepEqual(problems, []);
});

test.serial('cache entries mutated field by field: a miss or a well-formed entry, never a throw', async (t) => {
  if (REPLAY) { t.pass('replay mode'); return; }
  const { openFindingsCache, cacheKey, entryPath } = await import('../src/scan/findingsCache.js');
  const { cachedFindings } = await import('../src/report/bundleFindings.js');
  const { buildReport } = await import('../src/report/buildReport.js');
  const { openLocalBundle } = await import('../src/bundle/openBundle.js');
  const dir = mkdtempSync(join(tmpdir(), 'ri-fuzz-cache-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cache = openFindingsCache(dir, '0.0.0-fuzz');
  const valid: Json[] = [];
  for (const target of [SAMPLE_94, SAMPLE_10, ...fixtureFiles('zip/good')]) {
    const bundle = await openLocalBundle(target);
    valid.push(JSON.parse(JSON.stringify(await bundleFindings(bundle, { handler: 'lambda_function.lambda_handler', placeLibrary: (p) => ({ installPath: `/var/task/${p}` }) }))) as Json);
    await bundle.close();
  }
  const sha = 'fuzzsha256';
  const file = entryPath(dir, cacheKey(sha, 'd'));
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const problems: string[] = [];
  let accepted = 0;
  for (let i = 0; i < CACHE_CASES; i++) {
    const seed = caseSeed(BASE_SEED ^ 0xcace, i);
    const rng = new Rng(seed);
    const entry: Json = { inspectorVersion: '0.0.0-fuzz', sha256: sha, discriminator: 'd', createdAt: new Date(0).toISOString(), value: rng.pick(valid) };
    const m = mutateJson(entry, rng);
    writeFileSync(file, rng.chance(0.05) ? JSON.stringify(m.value).slice(0, rng.int(200)) : JSON.stringify(m.value), { mode: 0o600 });
    const where = `seed ${hex(seed)} [${m.ops.join(', ')}]`;
    try {
      const got = await cache.get(sha, 'd', cachedFindings);
      if (got === undefined) continue;
      accepted++;
      const report = buildReport({ target: { type: 'zip', id: 'cached' }, findings: [got], created: { date: null, source: null, note: 'fuzz' } });
      JSON.stringify(report);
      if (report.checks.length !== 2) problems.push(`${where}: ${report.checks.length} checks from an accepted entry`);
    } catch (e) {
      problems.push(`${where}: threw ${describeThrown(e)}`);
    }
  }
  t.log(`${CACHE_CASES} mutated cache entries: ${accepted} accepted as well-formed (edits the shape allows), ${CACHE_CASES - accepted} discarded`);
  t.true(accepted < CACHE_CASES, 'the check refuses something');
  t.deepEqual(problems, []);
});
