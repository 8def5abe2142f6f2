/**
 * The string constants of a Java class file (its constant pool's
 * CONSTANT_Utf8 entries), read in one linear pass. Pure: bytes in, strings
 * out; null when the bytes are not a class file or the pool is cut short.
 */
export function classFileStrings(bytes: Buffer): string[] | null {
  if (bytes.length < 10 || bytes.readUInt32BE(0) !== 0xcafebabe) return null;
  const count = bytes.readUInt16BE(8);
  const out: string[] = [];
  let at = 10;
  for (let i = 1; i < count; i++) {
    if (at >= bytes.length) return null;
    const tag = bytes[at]!;
    at += 1;
    let size: number;
    switch (tag) {
      case 1: {
        if (at + 2 > bytes.length) return null;
        const len = bytes.readUInt16BE(at);
        if (at + 2 + len > bytes.length) return null;
        // Modified UTF-8: NUL is C0 80; everything this reads is ASCII in practice.
        out.push(bytes.subarray(at + 2, at + 2 + len).toString('utf8').replace(/\u{fffd}\u{fffd}/gu, '\0'));
        size = 2 + len;
        break;
      }
      case 3: case 4: size = 4; break;
      case 5: case 6: size = 8; i++; break; // long and double take two slots
      case 7: case 8: case 16: case 19: case 20: size = 2; break;
      case 9: case 10: case 11: case 12: case 17: case 18: size = 4; break;
      case 15: size = 3; break;
      default: return null;
    }
    at += size;
  }
  return out;
}
