import test from 'ava';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseElf } from '../src/facts/elf/elfFacts.js';
import { inspectLocal } from '../src/report/inspectLocal.js';
import { FIXTURES, fixtureFiles } from './support/fixtures.js';

const stripped = join(FIXTURES, 'elf', 'good', 'no-section-headers-libpq.so.5');

test('a library whose section headers were stripped still yields RUNPATH, SONAME, NEEDED and symbols', (t) => {
  const facts = parseElf(readFileSync(stripped), 'libpq.so.5', { codeOf: ['PQlibVersion'] });
  t.is(facts.soname, 'libpq.so.5');
  t.deepEqual(facts.needed, ['libc.so.6']);
  t.true(facts.runpath?.[0]?.includes('PostgreSQL-9.4.x_client_only'));
  t.true(facts.exports.some((s) => s.name === 'PQlibVersion' && s.type === 'func'));
  t.truthy(facts.code.PQlibVersion);
});

for (const file of fixtureFiles('elf/broken')) {
  const code = basename(file, '.so');
  test(`elf/broken/${basename(file)} inside a bundle is reported as ${code}`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ri-elf-'));
    cpSync(file, join(dir, 'libpq.so.5'));
    const report = await inspectLocal(dir);
    t.is(report.libraries.length, 1, 'the broken library is still listed');
    t.is(report.libraries[0]!.errorCode, code, report.libraries[0]!.error);
    t.true(report.libraries[0]!.error!.startsWith('libpq.so.5: '));
    t.is(report.errors[0]?.code, code);
  });
}

test('a bare file that is neither ELF nor zip is unknown-format', async (t) => {
  const report = await inspectLocal(join(FIXTURES, 'elf', 'broken', 'not-elf.so'));
  t.is(report.errors[0]?.code, 'unknown-format');
  t.regex(report.errors[0]!.message, /neither a zip nor an ELF file \(starts with 0x4d5a9000\)/);
});
