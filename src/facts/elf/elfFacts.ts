import { InspectError } from '../../errors.js';

/**
 * What the dynamic loader sees of a shared library: header, dynamic section
 * and dynamic symbol table, read through the program headers (PT_DYNAMIC,
 * PT_LOAD) so that a file whose section headers were stripped still yields
 * them. Pure: bytes in, facts out; every offset and size is checked against
 * the file before it is used.
 */
export interface ElfFacts {
  readonly class: 32 | 64;
  readonly endianness: 'little' | 'big';
  /** e_machine as a short name ("x86-64", "aarch64", "s390", …). */
  readonly machine: string;
  readonly machineCode: number;
  readonly soname: string | null;
  readonly runpath: string[] | null;
  readonly rpath: string[] | null;
  readonly needed: string[];
  /** Defined, exported dynamic symbols (functions and objects). */
  readonly exports: ExportedSymbol[];
  /** Problems that did not stop the reading. */
  readonly warnings: string[];
  /** Up to 64 bytes of a function's code and its address, for the named exports asked for. */
  readonly code: Readonly<Record<string, FunctionCode>>;
}

export interface FunctionCode {
  /** Virtual address of the first byte (the Thumb bit cleared). */
  readonly address: number;
  readonly bytes: Uint8Array;
}

export interface ExportedSymbol {
  readonly name: string;
  readonly type: 'func' | 'object' | 'ifunc' | 'other';
  readonly value: number;
  readonly size: number;
}

const MACHINES: Record<number, string> = {
  2: 'sparc', 3: 'i386', 8: 'mips', 20: 'ppc', 21: 'ppc64', 22: 's390', 40: 'arm', 42: 'superh',
  43: 'sparcv9', 50: 'ia64', 62: 'x86-64', 183: 'aarch64', 243: 'riscv', 258: 'loongarch',
};

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const DT = {
  NULL: 0, NEEDED: 1, HASH: 4, STRTAB: 5, SYMTAB: 6, STRSZ: 10, SYMENT: 11, SONAME: 14, RPATH: 15,
  RUNPATH: 29, GNU_HASH: 0x6ffffef5,
} as const;
const SHT_DYNSYM = 11;
const MAX_SYMBOLS = 1_000_000;
const MAX_DYNAMIC_ENTRIES = 100_000;
const CODE_BYTES = 64;
/** Longer names are not real symbols or paths: they are cut, so that one huge string named by every symbol stays cheap. */
const MAX_NAME_BYTES = 4096;
/** All dynamic strings together, every use counted (real libraries: kilobytes; libstdc++: about 1 MiB). */
export const MAX_STRING_BYTES = 8 * 1024 * 1024;
/** DT_NEEDED, DT_RUNPATH and DT_RPATH entries (and path components) kept per tag: real libraries have a few dozen. */
export const MAX_ENTRIES_PER_TAG = 1024;

interface Segment { type: number; offset: number; vaddr: number; filesz: number; memsz: number }

/** Bounds-checked, endian-aware reads over one file. */
class ElfView {
  readonly le: boolean;
  readonly is64: boolean;
  constructor(readonly bytes: Buffer, readonly path: string, is64: boolean, le: boolean) {
    this.is64 = is64;
    this.le = le;
  }
  fail(code: string, what: string): never {
    throw new InspectError(code, `${this.path}: ${what}`, { path: this.path });
  }
  need(offset: number, length: number, what: string, code = 'truncated-elf'): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.bytes.length) {
      this.fail(code, `${what} at offset ${offset} (+${length}) lies outside the file (size ${this.bytes.length})`);
    }
  }
  u8(o: number): number { return this.bytes[o] ?? 0; }
  u16(o: number): number { return this.le ? this.bytes.readUInt16LE(o) : this.bytes.readUInt16BE(o); }
  u32(o: number): number { return this.le ? this.bytes.readUInt32LE(o) : this.bytes.readUInt32BE(o); }
  u64(o: number, what: string): number {
    const v = this.le ? this.bytes.readBigUInt64LE(o) : this.bytes.readBigUInt64BE(o);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('bad-elf-value', `${what} is 0x${v.toString(16)}, beyond what a file of this size can use`);
    return Number(v);
  }
  /** A native-word: 4 bytes in ELF32, 8 in ELF64. */
  word(o: number, what: string): number { return this.is64 ? this.u64(o, what) : this.u32(o); }
  sword64(o: number): bigint { return this.le ? this.bytes.readBigInt64LE(o) : this.bytes.readBigInt64BE(o); }
}

export interface ParseElfOptions {
  /** Exported functions whose first bytes of code to keep (e.g. PQlibVersion). */
  readonly codeOf?: readonly string[];
  /**
   * Bytes of dynamic strings (every use counted) still allowed, shared by the
   * libraries of one bundle so that many copies cannot multiply the cap;
   * default: MAX_STRING_BYTES for this file alone.
   */
  readonly stringBudget?: { left: number };
}

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

export function parseElf(bytes: Buffer, path: string, options: ParseElfOptions = {}): ElfFacts {
  if (!isElf(bytes)) {
    const found = bytes.length === 0 ? 'an empty file' : bytes.length < 4 ? `only ${bytes.length} byte${bytes.length === 1 ? '' : 's'}, ${bytes.toString('hex')}` : bytes.subarray(0, 4).toString('hex');
    throw new InspectError('not-elf', `${path}: not an ELF file (expected magic 7f454c46, found ${found})`, { path });
  }
  if (bytes.length < 16) throw new InspectError('truncated-elf', `${path}: ELF identification (16 bytes) lies outside the file (size ${bytes.length})`, { path });
  const cls = bytes[4];
  const data = bytes[5];
  if (cls !== 1 && cls !== 2) throw new InspectError('bad-elf-class', `${path}: EI_CLASS is ${cls} (expected 1 for ELF32 or 2 for ELF64)`, { path });
  if (data !== 1 && data !== 2) throw new InspectError('bad-elf-data', `${path}: EI_DATA is ${data} (expected 1 little-endian or 2 big-endian)`, { path });
  const v = new ElfView(bytes, path, cls === 2, data === 1);
  const ehsize = v.is64 ? 64 : 52;
  v.need(0, ehsize, 'ELF header', 'truncated-elf');
  const machineCode = v.u16(18);
  const phoff = v.is64 ? v.u64(32, 'e_phoff') : v.u32(28);
  const shoff = v.is64 ? v.u64(40, 'e_shoff') : v.u32(32);
  const phentsize = v.u16(v.is64 ? 54 : 42);
  const phnum = v.u16(v.is64 ? 56 : 44);
  const shentsize = v.u16(v.is64 ? 58 : 46);
  const shnum = v.u16(v.is64 ? 60 : 48);
  const wantPh = v.is64 ? 56 : 32;
  if (phnum === 0) v.fail('no-program-headers', 'has no program headers (e_phnum is 0): not a loadable shared library');
  if (phnum === 0xffff) v.fail('bad-program-header', 'e_phnum is PN_XNUM (extended numbering is not supported)');
  if (phentsize < wantPh) v.fail('bad-program-header', `e_phentsize is ${phentsize} (expected at least ${wantPh})`);
  v.need(phoff, phentsize * phnum, 'program header table', 'bad-program-header');

  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    segments.push(v.is64
      ? { type: v.u32(o), offset: v.u64(o + 8, 'p_offset'), vaddr: v.u64(o + 16, 'p_vaddr'), filesz: v.u64(o + 32, 'p_filesz'), memsz: v.u64(o + 40, 'p_memsz') }
      : { type: v.u32(o), offset: v.u32(o + 4), vaddr: v.u32(o + 8), filesz: v.u32(o + 16), memsz: v.u32(o + 20) });
  }
  const loads = segments.filter((s) => s.type === PT_LOAD && s.filesz > 0 && s.offset + s.filesz <= bytes.length);
  const warnings: string[] = [];
  const toOffset = (vaddr: number, length: number, what: string): number => {
    for (const s of loads) {
      if (vaddr >= s.vaddr && vaddr + length <= s.vaddr + s.filesz) return vaddr - s.vaddr + s.offset;
    }
    return v.fail('bad-dynamic', `${what} at address 0x${vaddr.toString(16)} (+${length}) is not inside any PT_LOAD segment`);
  };

  const dynamic = segments.find((s) => s.type === PT_DYNAMIC);
  const base = {
    class: (v.is64 ? 64 : 32) as 32 | 64,
    endianness: (v.le ? 'little' : 'big') as 'little' | 'big',
    machine: MACHINES[machineCode] ?? `em-${machineCode}`,
    machineCode,
  };
  if (!dynamic) {
    warnings.push('no PT_DYNAMIC segment: statically linked or not a shared library');
    return { ...base, soname: null, runpath: null, rpath: null, needed: [], exports: [], warnings, code: {} };
  }
  const entSize = v.is64 ? 16 : 8;
  v.need(dynamic.offset, dynamic.filesz, 'PT_DYNAMIC segment', 'bad-dynamic');
  const entries: Array<[number, number]> = [];
  for (let o = dynamic.offset; o + entSize <= dynamic.offset + dynamic.filesz; o += entSize) {
    let tag: number;
    if (v.is64) {
      const t = v.sword64(o);
      tag = t > 0x7fffffffn || t < 0n ? -1 : Number(t);
    } else {
      tag = v.u32(o);
    }
    if (tag === DT.NULL) break;
    const isPtr = tag === DT.STRTAB || tag === DT.SYMTAB || tag === DT.HASH || tag === DT.GNU_HASH;
    const isStr = tag === DT.NEEDED || tag === DT.SONAME || tag === DT.RPATH || tag === DT.RUNPATH;
    const wanted = isPtr || isStr || tag === DT.STRSZ || tag === DT.SYMENT;
    if (wanted) entries.push([tag, v.word(o + (v.is64 ? 8 : 4), `dynamic entry ${tag} value`)]);
    if (entries.length > MAX_DYNAMIC_ENTRIES) v.fail('bad-dynamic', `more than ${MAX_DYNAMIC_ENTRIES} dynamic entries`);
  }
  const one = (tag: number): number | undefined => entries.find(([t]) => t === tag)?.[1];
  const all = (tag: number): number[] => entries.filter(([t]) => t === tag).map(([, x]) => x);

  const strtabAddr = one(DT.STRTAB);
  const strsz = one(DT.STRSZ);
  let strOff = -1;
  let strEnd = -1;
  if (strtabAddr !== undefined && strsz !== undefined) {
    strOff = toOffset(strtabAddr, strsz, 'DT_STRTAB');
    strEnd = strOff + strsz;
  } else if (entries.some(([t]) => t === DT.NEEDED || t === DT.SONAME || t === DT.RUNPATH || t === DT.RPATH)) {
    v.fail('bad-dynamic', 'names DT_NEEDED/DT_SONAME/DT_RUNPATH strings but has no DT_STRTAB and DT_STRSZ');
  }
  const strings = new Map<number, string>();
  // Every use counts, a repeated one too: one long string named by every entry is what amplifies.
  const budget = options.stringBudget ?? { left: MAX_STRING_BYTES };
  const limit = options.stringBudget ? 'the bundle\'s' : `${MAX_STRING_BYTES}-byte`;
  const spend = (n: number) => {
    budget.left -= n;
    if (budget.left < 0) v.fail('bad-dynamic', `dynamic strings exceed the ${limit} budget for dynamic strings (every use counted): not a real library`);
  };
  const str = (index: number, what: string): string => {
    const known = strings.get(index);
    if (known !== undefined) { spend(known.length); return known; }
    if (index < 0 || strOff + index >= strEnd) v.fail('bad-dynamic', `${what} string index ${index} is outside DT_STRTAB (size ${strEnd - strOff})`);
    const start = strOff + index;
    const window = bytes.subarray(start, Math.min(strEnd, start + MAX_NAME_BYTES + 1));
    const nul = window.indexOf(0);
    if (nul < 0 && window.length <= MAX_NAME_BYTES) v.fail('bad-dynamic', `${what} string at index ${index} is not NUL-terminated inside DT_STRTAB`);
    const value = bytes.toString('latin1', start, start + (nul < 0 ? MAX_NAME_BYTES : nul));
    spend(value.length);
    strings.set(index, value);
    return value;
  };
  // At most MAX_ENTRIES_PER_TAG kept, and the truncation is a fact of the library.
  const capped = <T>(items: T[], what: string): T[] => {
    if (items.length <= MAX_ENTRIES_PER_TAG) return items;
    warnings.push(`${MAX_ENTRIES_PER_TAG.toLocaleString('en-US')} of ${items.length.toLocaleString('en-US')} ${what} entries kept`);
    return items.slice(0, MAX_ENTRIES_PER_TAG);
  };
  const pathList = (tag: number, what: string): string[] | null => {
    const values = all(tag);
    if (values.length === 0) return null;
    return capped(capped(values, what).flatMap((x) => str(x, what).split(':')), `${what} path`);
  };

  const soValue = one(DT.SONAME);
  const facts = {
    ...base,
    soname: soValue === undefined ? null : str(soValue, 'DT_SONAME'),
    runpath: pathList(DT.RUNPATH, 'DT_RUNPATH'),
    rpath: pathList(DT.RPATH, 'DT_RPATH'),
    needed: capped(all(DT.NEEDED), 'DT_NEEDED').map((x) => str(x, 'DT_NEEDED')),
  };

  const symtabAddr = one(DT.SYMTAB);
  if (symtabAddr === undefined || strOff < 0) {
    warnings.push('no DT_SYMTAB: no dynamic symbols');
    return { ...facts, exports: [], warnings, code: {} };
  }
  const syment = one(DT.SYMENT) ?? (v.is64 ? 24 : 16);
  if (syment !== (v.is64 ? 24 : 16)) v.fail('bad-dynamic', `DT_SYMENT is ${syment} (expected ${v.is64 ? 24 : 16})`);
  const count = symbolCount(v, one(DT.HASH), one(DT.GNU_HASH), symtabAddr, strtabAddr ?? 0, syment, toOffset, shoff, shentsize, shnum, warnings);
  if (count > MAX_SYMBOLS) v.fail('bad-dynamic', `dynamic symbol table claims ${count} symbols (at most ${MAX_SYMBOLS} are read)`);
  const symOff = count > 0 ? toOffset(symtabAddr, count * syment, 'dynamic symbol table') : 0;
  const exports: ExportedSymbol[] = [];
  for (let i = 1; i < count; i++) {
    const o = symOff + i * syment;
    const info = v.is64 ? v.u8(o + 4) : v.u8(o + 12);
    const other = v.is64 ? v.u8(o + 5) : v.u8(o + 13);
    const shndx = v.is64 ? v.u16(o + 6) : v.u16(o + 14);
    const bind = info >> 4;
    const stt = info & 0xf;
    const vis = other & 3;
    if (shndx === 0 || (bind !== 1 && bind !== 2) || (vis !== 0 && vis !== 3)) continue;
    const nameIx = v.u32(o);
    const value = v.is64 ? v.u64(o + 8, 'st_value') : v.u32(o + 4);
    const size = v.is64 ? v.u64(o + 16, 'st_size') : v.u32(o + 8);
    const type = stt === 2 ? 'func' : stt === 1 ? 'object' : stt === 10 ? 'ifunc' : 'other';
    exports.push({ name: str(nameIx, 'symbol name'), type, value, size });
  }

  const code: Record<string, FunctionCode> = {};
  for (const name of options.codeOf ?? []) {
    const sym = exports.find((s) => s.name === name && (s.type === 'func' || s.type === 'ifunc'));
    if (!sym) continue;
    // Thumb function addresses carry the mode in bit 0.
    const addr = base.machineCode === 40 ? sym.value & ~1 : sym.value;
    const seg = loads.find((s) => addr >= s.vaddr && addr < s.vaddr + s.filesz);
    if (!seg) { warnings.push(`${name} at 0x${addr.toString(16)} is not inside any PT_LOAD segment`); continue; }
    const off = addr - seg.vaddr + seg.offset;
    const len = Math.min(CODE_BYTES, seg.offset + seg.filesz - off);
    code[name] = { address: addr, bytes: new Uint8Array(bytes.subarray(off, off + len)) };
  }
  return { ...facts, exports, warnings, code };
}

/** How many entries the dynamic symbol table has: from DT_GNU_HASH, DT_HASH, or the section headers. */
function symbolCount(
  v: ElfView, hashAddr: number | undefined, gnuHashAddr: number | undefined, symtabAddr: number, strtabAddr: number,
  syment: number, toOffset: (a: number, l: number, w: string) => number,
  shoff: number, shentsize: number, shnum: number, warnings: string[],
): number {
  if (gnuHashAddr !== undefined) {
    const h = toOffset(gnuHashAddr, 16, 'DT_GNU_HASH header');
    const nbuckets = v.u32(h);
    const symoffset = v.u32(h + 4);
    const bloomSize = v.u32(h + 8);
    const bucketsOff = h + 16 + bloomSize * (v.is64 ? 8 : 4);
    v.need(bucketsOff, nbuckets * 4, 'DT_GNU_HASH buckets', 'bad-dynamic');
    let max = 0;
    for (let i = 0; i < nbuckets; i++) max = Math.max(max, v.u32(bucketsOff + i * 4));
    if (max === 0) return symoffset;
    if (max < symoffset) v.fail('bad-dynamic', `DT_GNU_HASH bucket names symbol ${max}, below its symoffset ${symoffset}`);
    const chainOff = bucketsOff + nbuckets * 4;
    for (let idx = max; idx < MAX_SYMBOLS; idx++) {
      const c = chainOff + (idx - symoffset) * 4;
      v.need(c, 4, 'DT_GNU_HASH chain', 'bad-dynamic');
      if (v.u32(c) & 1) return idx + 1;
    }
    return v.fail('bad-dynamic', 'DT_GNU_HASH chain never ends');
  }
  if (hashAddr !== undefined) {
    // s390x and Alpha use 8-byte hash words in ELF64.
    const wide = v.is64 && v.u16(18) === 22;
    const h = toOffset(hashAddr, wide ? 16 : 8, 'DT_HASH header');
    return wide ? v.u64(h + 8, 'DT_HASH nchain') : v.u32(h + 4);
  }
  // Neither hash table: trust a SHT_DYNSYM section header if there is one.
  if (shnum > 0 && shentsize >= (v.is64 ? 64 : 40) && shoff > 0 && shoff + shnum * shentsize <= v.bytes.length) {
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * shentsize;
      if (v.u32(o + 4) !== SHT_DYNSYM) continue;
      const size = v.is64 ? v.u64(o + 32, 'sh_size') : v.u32(o + 20);
      return Math.floor(size / syment);
    }
  }
  if (strtabAddr > symtabAddr) {
    warnings.push('no hash table: dynamic symbol count estimated from the gap before DT_STRTAB');
    return Math.floor((strtabAddr - symtabAddr) / syment);
  }
  warnings.push('no hash table and no section headers: dynamic symbols not read');
  return 0;
}
