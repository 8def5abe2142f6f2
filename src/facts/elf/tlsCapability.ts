import type { ElfFacts } from './elfFacts.js';

/**
 * Whether a libpq build can speak TLS: libpq does TLS only through OpenSSL,
 * so a build has it when it needs OpenSSL's libraries (libssl, libcrypto,
 * also under the hashed names wheels give them: libssl-1a2b3c4d.so.1.1) or
 * carries OpenSSL's functions inside (a static build). Pure: ELF facts in.
 */
export interface TlsCapability {
  /** null when the library could not be read. */
  capable: boolean | null;
  evidence: string;
  /** OpenSSL's version string ("OpenSSL 1.0.2k-fips  26 Jan 2017") when the bundle ships the library it needs. */
  openssl?: { path: string; version: string | null };
}

/** libssl.so.1.0.0, libcrypto.so.10, libssl-1a2b3c4d.so.1.1, libcrypto.so.3 */
export const OPENSSL_LIBRARY = /^lib(?:ssl|crypto)(?:-[0-9a-zA-Z]{6,})?\.so(?:\.[\w]+)*$/;
/** Functions only OpenSSL's libssl defines (1.0: SSL_library_init; 1.1+: OPENSSL_init_ssl). */
const OPENSSL_FUNCTIONS = ['SSL_connect', 'SSL_CTX_new', 'SSL_library_init', 'OPENSSL_init_ssl'];

export function tlsCapability(elf: Pick<ElfFacts, 'needed' | 'exports'>): TlsCapability {
  const needed = elf.needed.filter((n) => OPENSSL_LIBRARY.test(n));
  if (needed.length > 0) return { capable: true, evidence: `NEEDED ${needed.join(', ')}: built with OpenSSL` };
  const inside = elf.exports.filter((s) => (s.type === 'func' || s.type === 'ifunc') && OPENSSL_FUNCTIONS.includes(s.name)).map((s) => s.name);
  if (inside.length > 0) return { capable: true, evidence: `defines OpenSSL's ${inside.join(', ')}: OpenSSL linked in` };
  return { capable: false, evidence: 'no libssl/libcrypto in NEEDED and no OpenSSL function defined: built without OpenSSL, so it cannot do TLS' };
}

/** OpenSSL's version text inside libssl/libcrypto bytes ("OpenSSL 1.0.2k-fips  26 Jan 2017", "OpenSSL 3.0.13 30 Jan 2024"). */
export function opensslVersionString(bytes: Buffer): string | null {
  const text = bytes.toString('latin1');
  for (let at = text.indexOf('OpenSSL '); at >= 0; at = text.indexOf('OpenSSL ', at + 8)) {
    const m = /^OpenSSL \d+\.\d+\.\d+[a-z]{0,2}(?:-[\w]{1,16})? {1,2}\d{1,2} [A-Z][a-z]{2} \d{4}/.exec(text.slice(at, at + 64));
    if (m) return m[0];
  }
  return null;
}
