import test from 'ava';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseElf } from '../src/facts/elf/elfFacts.js';
import { inspectLocal } from '../src/report/inspectLocal.js';
import { API_FLOOR } from '../src/evidence/apiFloorTable.js';
import { FIXTURES, libpqTruth } from './support/fixtures.js';

const require = createRequire(import.meta.url);
// elfinfo reads .dynsym through the section headers: an oracle independent of our PT_DYNAMIC path.
const elfinfo = require('elfinfo') as typeof import('elfinfo');

const READELF_MACHINE: Record<string, string> = {
  'Advanced Micro Devices X86-64': 'x86-64', AArch64: 'aarch64', ARM: 'arm', 'Intel 80386': 'i386', PowerPC64: 'ppc64', 'IBM S/390': 's390',
};

for (const truth of libpqTruth()) {
  test(`${truth.file}: facts match readelf, PQlibVersion decodes to ${truth.pqlibversion}`, async (t) => {
    const path = join(FIXTURES, 'libpq', truth.file);
    const machine = READELF_MACHINE[truth.machine];
    const facts = parseElf(readFileSync(path), truth.file, { codeOf: ['PQlibVersion'] });
    t.is(facts.machine as string | undefined, machine);
    t.is(facts.class, truth.class);
    t.is(facts.endianness, truth.endianness);
    t.is(facts.soname, truth.soname);
    t.deepEqual(facts.runpath, truth.runpath);
    t.deepEqual(facts.rpath, truth.rpath);
    t.deepEqual(facts.needed, truth.needed);
    t.is(facts.exports.filter((s) => s.type === 'func').length, truth.exportedFunctions);

    const report = await inspectLocal(path);
    t.deepEqual(report.errors, []);
    const v = report.libraries[0]!.version;
    t.is(v.value, truth.version, 'exact version from the machine code');
    t.true(v.exact);
    t.is(v.major, Number(truth.version.split('.')[0]));
    t.deepEqual(v.conflicts, [], 'file name, API floor and PQlibVersion agree');
    t.is(v.atLeast, v.major);
    t.is(report.checks[0]!.status, 'pass');
  });

  test(`${truth.file}: our dynamic-symbol reading agrees with elfinfo's section-header reading`, async (t) => {
    const bytes = readFileSync(join(FIXTURES, 'libpq', truth.file));
    const ours = parseElf(bytes, truth.file).exports.map((s) => s.name).sort();
    const info = await elfinfo.open(bytes);
    t.true(info.success, info.errors.join('; '));
    const dynsym = info.elf!.sections.find((s) => s.type === 11) as unknown as { symbols: Array<{ name: string; shndx: number; binding: number; visibility: number }> };
    const theirs = dynsym.symbols.filter((s) => s.shndx !== 0 && (s.binding === 1 || s.binding === 2) && (s.visibility === 0 || s.visibility === 3) && s.name).map((s) => s.name);
    t.deepEqual(ours, [...new Set(theirs)].sort());
  });
}

test('API floor table: every entry is exported by each real build of its major or later, by none before', (t) => {
  const builds = libpqTruth().map((tr) => ({ major: Number(tr.version.split('.')[0]), exports: new Set(parseElf(readFileSync(join(FIXTURES, 'libpq', tr.file)), tr.file).exports.map((s) => s.name)) }));
  for (const entry of API_FLOOR.filter((e) => e.major >= 10)) {
    for (const b of builds) t.is(b.exports.has(entry.symbol), b.major >= entry.major, `${entry.symbol} in a ${b.major} build`);
  }
});

test('a stripped-section-headers copy of a real build gives the same facts', (t) => {
  const bytes = Buffer.from(readFileSync(join(FIXTURES, 'libpq', 'x86_64-16.14-libpq.so.5.16')));
  const full = parseElf(bytes, 'a', { codeOf: ['PQlibVersion'] });
  bytes.writeBigUInt64LE(0n, 40); bytes.writeUInt16LE(0, 60); bytes.writeUInt16LE(0, 62);
  const stripped = parseElf(bytes, 'a', { codeOf: ['PQlibVersion'] });
  t.deepEqual(stripped.exports, full.exports);
  t.deepEqual([stripped.soname, stripped.runpath, stripped.needed], [full.soname, full.runpath, full.needed]);
});
