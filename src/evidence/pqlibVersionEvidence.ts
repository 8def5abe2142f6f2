import type { ElfFacts } from '../facts/elf/elfFacts.js';
import type { VersionEvidence } from './versionEvidence.js';

/**
 * PQlibVersion() returns PG_VERSION_NUM, a constant the compiler turns into
 * one immediate load and a return. Decoding that load gives the exact version
 * the library was built from, whatever its file is called.
 */
export const PQLIBVERSION = 'PQlibVersion';

/** The constant a function returns in its first instructions, or null. */
export function decodeReturnedConstant(machine: string, endianness: 'little' | 'big', code: Uint8Array, address = 0): number | null {
  switch (machine) {
    case 'x86-64':
    case 'i386':
      return decodeX86(code);
    case 'aarch64':
      return decodeAarch64(code);
    case 's390':
      return decodeS390(code);
    case 'arm':
      return decodeArmThumb(code, endianness, address);
    case 'ppc64':
    case 'ppc':
      return decodePower(code, endianness);
    default:
      return null;
  }
}

/**
 * A straight-line x86 function: optional endbr, frame set-up and tear-down in
 * any order around one `mov $imm,%eax`, then `ret`.
 */
function decodeX86(b: Uint8Array): number | null {
  let value: number | null = null;
  let i = 0;
  const at = (k: number) => b[i + k] ?? -1;
  while (i < b.length) {
    if (at(0) === 0xf3 && at(1) === 0x0f && at(2) === 0x1e && (at(3) === 0xfa || at(3) === 0xfb)) i += 4; // endbr64/32
    else if (at(0) === 0x55 || at(0) === 0x5d || at(0) === 0xc9) i += 1; // push/pop %ebp, leave
    else if (at(0) === 0x48 && at(1) === 0x89 && at(2) === 0xe5) i += 3; // mov %rsp,%rbp
    else if (at(0) === 0x89 && at(1) === 0xe5) i += 2; // mov %esp,%ebp
    else if (at(0) === 0xb8) { value = u32le(b, i + 1); i += 5; } // mov $imm32,%eax
    else if (at(0) === 0xc7 && at(1) === 0xc0) { value = u32le(b, i + 2); i += 6; }
    else if (at(0) === 0xc3 || (at(0) === 0xf3 && at(1) === 0xc3)) return value; // ret, rep ret
    else return null;
  }
  return null;
}

function u32le(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24)) >>> 0;
}

function u32be(b: Uint8Array, o: number): number {
  return (((b[o] ?? 0) << 24) | ((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0)) >>> 0;
}

/** MOVZ/MOVK/MOVN into w0/x0, then RET; hint instructions (BTI, PACIASP) skipped. AArch64 code is little-endian in either data order. */
function decodeAarch64(b: Uint8Array): number | null {
  let w0: number | null = null;
  for (let o = 0; o + 4 <= b.length && o < 64; o += 4) {
    const insn = u32le(b, o);
    if (((insn & 0xfffff01f) >>> 0) === 0xd503201f) continue; // HINT space: NOP, BTI, PACIASP
    if (insn === 0xd65f03c0 || insn === 0xd65f0bff) return w0; // RET, RETAA
    if ((insn & 0x1f) !== 0) return null; // only writes to register 0 are understood
    const op = insn & 0x7f800000;
    const shift = ((insn >>> 21) & 3) * 16;
    const imm = (insn >>> 5) & 0xffff;
    if (shift > 16 && (insn & 0x80000000) === 0) return null;
    if (op === 0x52800000) w0 = (imm * 2 ** shift) >>> 0; // MOVZ
    else if (op === 0x72800000 && w0 !== null) w0 = ((w0 & ~(0xffff << shift)) | (imm << shift)) >>> 0; // MOVK
    else if (op === 0x12800000) w0 = ~(imm << shift) >>> 0; // MOVN
    else return null;
  }
  return null;
}

/** s390x: LGFI/IILF/LLILF/LHI/LGHI into %r2, then BR %r14. */
function decodeS390(b: Uint8Array): number | null {
  let value: number | null = null;
  let i = 0;
  const u16 = (o: number) => ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
  const u32 = (o: number) => ((u16(o) << 16) | u16(o + 2)) >>> 0;
  if (b[0] === 0xc0 && (b[1] === 0x21 || b[1] === 0x29 || b[1] === 0x2f)) { value = u32(2); i = 6; }
  else if (b[0] === 0xa7 && (b[1] === 0x28 || b[1] === 0x29)) { value = u16(2); i = 4; }
  else return null;
  return b[i] === 0x07 && b[i + 1] === 0xfe ? value : null;
}

/**
 * ARM Thumb-2: MOVW r0 (+ MOVT r0), or LDR r0 from a literal pool, then BX LR.
 * A literal load needs the instruction's address: the pool is PC-relative.
 */
function decodeArmThumb(b: Uint8Array, endianness: 'little' | 'big', address: number): number | null {
  const hw = (o: number) => (endianness === 'little' ? (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) : ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0));
  const word = (o: number) => (endianness === 'little' ? u32le(b, o) : u32be(b, o));
  const imm16 = (h1: number, h2: number) => ((h1 & 0xf) << 12) | (((h1 >> 10) & 1) << 11) | (((h2 >> 12) & 7) << 8) | (h2 & 0xff);
  let o = 0;
  let value: number | null = null;
  for (let n = 0; n < 4 && o + 2 <= b.length; n++) {
    const h1 = hw(o);
    if (h1 === 0x4770) return value; // bx lr
    if ((h1 & 0xff00) === 0x4800) { // ldr r0, [pc, #imm8*4]
      const pool = ((address + o + 4) & ~3) + (h1 & 0xff) * 4 - address;
      if (pool < 0 || pool + 4 > b.length) return null;
      value = word(pool);
      o += 2;
      continue;
    }
    const h2 = hw(o + 2);
    if ((h2 & 0x0f00) !== 0) return null; // Rd must be r0
    if ((h1 & 0xfbf0) === 0xf240) value = imm16(h1, h2); // MOVW
    else if ((h1 & 0xfbf0) === 0xf2c0 && value !== null) value = ((imm16(h1, h2) << 16) | (value & 0xffff)) >>> 0; // MOVT
    else return null;
    o += 4;
  }
  return null;
}

/** Power: optional TOC set-up (addis/addi r2), then lis/li r3 (+ ori r3), then blr. */
function decodePower(b: Uint8Array, endianness: 'little' | 'big'): number | null {
  let r3: number | null = null;
  for (let o = 0; o + 4 <= b.length && o < 64; o += 4) {
    const insn = endianness === 'little' ? u32le(b, o) : u32be(b, o);
    const op = insn >>> 26;
    const rt = (insn >>> 21) & 31;
    const ra = (insn >>> 16) & 31;
    const imm = insn & 0xffff;
    if (insn === 0x4e800020) return r3; // blr
    if (rt === 2 && (op === 15 || op === 14)) continue; // addis/addi r2: TOC pointer set-up
    if (op === 15 && rt === 3 && ra === 0) r3 = (imm << 16) >>> 0; // lis r3,imm
    else if (op === 14 && rt === 3 && ra === 0) r3 = (imm << 16) >> 16; // li r3,imm (sign-extended)
    else if (op === 24 && rt === 3 && ra === 3 && r3 !== null) r3 = (r3 | imm) >>> 0; // ori r3,r3,imm
    else if (op === 24 && insn === 0x60000000) continue; // nop
    else return null;
  }
  return null;
}

/** 90426 → "9.4.26"; 150018 → "15.18"; null when the number is not a plausible PG_VERSION_NUM. */
export function versionFromNumber(n: number): { value: string; major: number } | null {
  if (!Number.isInteger(n) || n < 70000 || n >= 1_000_000) return null;
  const major = Math.floor(n / 10000);
  if (major >= 10) return { value: `${major}.${n % 10000}`, major };
  const minor = Math.floor(n / 100) % 100;
  return { value: `${major}.${minor}.${n % 100}`, major };
}

export function pqlibVersionEvidence(elf: ElfFacts): VersionEvidence[] {
  const code = elf.code[PQLIBVERSION];
  if (!code) return [];
  const n = decodeReturnedConstant(elf.machine, elf.endianness, code.bytes, code.address);
  if (n === null) return [];
  const v = versionFromNumber(n);
  if (!v) return [];
  return [{ source: 'PQlibVersion', kind: 'exact', value: v.value, lo: v.major, hi: v.major, detail: `PQlibVersion() returns ${n}` }];
}
