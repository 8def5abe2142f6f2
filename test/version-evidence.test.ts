import test from 'ava';
import { decodeReturnedConstant, versionFromNumber } from '../src/evidence/pqlibVersionEvidence.js';
import { fileNameEvidence, runpathEvidence } from '../src/evidence/pathEvidence.js';
import { mergeVersionEvidence, type VersionEvidence } from '../src/evidence/versionEvidence.js';
import type { ElfFacts } from '../src/facts/elf/elfFacts.js';

const AWS_94 = '/local/p4clients/pkgbuild-a1b2c/workspace/build/PostgreSQL/PostgreSQL-9.4.x_client_only.123456.0/AL2_x86_64/DEV.STD.PTHREAD/build/private/tmp/brazil-path/build.libfarm/lib';
const AWS_10 = AWS_94.replace('9.4.x', '10.x');
const facts = (runpath: string[] | null, rpath: string[] | null = null): ElfFacts => ({
  class: 64, endianness: 'little', machine: 'x86-64', machineCode: 62, soname: 'libpq.so.5', runpath, rpath, needed: [], exports: [], warnings: [], code: {},
});

test('PG_VERSION_NUM decoding before and after 10', (t) => {
  t.deepEqual(versionFromNumber(90426), { value: '9.4.26', major: 9 });
  t.deepEqual(versionFromNumber(150018), { value: '15.18', major: 15 });
  t.deepEqual(versionFromNumber(100023), { value: '10.23', major: 10 });
  t.deepEqual(versionFromNumber(90600), { value: '9.6.0', major: 9 });
  t.is(versionFromNumber(42), null);
  t.is(versionFromNumber(12345678), null);
});

test('x86-64: mov $imm,%eax; ret — with and without endbr64 and a frame', (t) => {
  t.is(decodeReturnedConstant('x86-64', 'little', Uint8Array.from([0xb8, 0x3a, 0x61, 0x01, 0x00, 0xc3])), 90426);
  t.is(decodeReturnedConstant('x86-64', 'little', Uint8Array.from([0xf3, 0x0f, 0x1e, 0xfa, 0xb8, 0x02, 0x4a, 0x02, 0x00, 0xc3])), 150018);
  t.is(decodeReturnedConstant('x86-64', 'little', Uint8Array.from([0x55, 0x48, 0x89, 0xe5, 0xb8, 0x3a, 0x61, 0x01, 0x00, 0x5d, 0xc3])), 90426);
  // a call instead of a constant: unknown, not a guess
  t.is(decodeReturnedConstant('x86-64', 'little', Uint8Array.from([0xe8, 0, 0, 0, 0, 0xc3])), null);
});

test('aarch64: movz/movk into w0, then ret, hints skipped', (t) => {
  // 150018 = 0x24a02: mov w0,#0x4a02; movk w0,#0x2,lsl #16; ret
  const words = [0xd503233f, 0x52894040, 0x72a00040, 0xd65f03c0];
  const bytes = new Uint8Array(words.length * 4);
  words.forEach((w, i) => new DataView(bytes.buffer).setUint32(i * 4, w, true));
  t.is(decodeReturnedConstant('aarch64', 'little', bytes), 150018);
  const wrongReg = new Uint8Array(8);
  new DataView(wrongReg.buffer).setUint32(0, 0x52893e41, true); // into w1
  new DataView(wrongReg.buffer).setUint32(4, 0xd65f03c0, true);
  t.is(decodeReturnedConstant('aarch64', 'little', wrongReg), null);
});

test('s390x: lgfi %r2,imm; br %r14', (t) => {
  t.is(decodeReturnedConstant('s390', 'big', Uint8Array.from([0xc0, 0x21, 0x00, 0x02, 0x4a, 0x02, 0x07, 0xfe])), 150018);
});

test('machines we do not decode say unknown', (t) => {
  t.is(decodeReturnedConstant('riscv', 'little', Uint8Array.from([1, 2, 3, 4])), null);
});

test('RUNPATH: the AWS build path names the release', (t) => {
  const old = runpathEvidence(facts([AWS_94, '/local/p4clients/x/src/PostgreSQL/build/private/install/lib']));
  t.deepEqual(old.map((e) => [e.source, e.value, e.lo]), [['RUNPATH', '9.4.x', 9]]);
  t.deepEqual(runpathEvidence(facts(null, [AWS_10])).map((e) => [e.source, e.value, e.lo]), [['RPATH', '10.x', 10]]);
  t.deepEqual(runpathEvidence(facts(['/usr/pgsql-15/lib'])).map((e) => e.value), ['15']);
  t.deepEqual(runpathEvidence(facts(['/usr/lib/postgresql/16/lib'])).map((e) => e.value), ['16']);
  t.deepEqual(runpathEvidence(facts(['$ORIGIN/../lib'])), []);
});

test('file name: libpq.so.5.N with N >= 10 is major N; below 10 predates 10', (t) => {
  t.deepEqual(fileNameEvidence('lib/libpq.so.5.15').map((e) => [e.value, e.lo, e.hi]), [['15', 15, 15]]);
  t.deepEqual(fileNameEvidence('libpq.so.5.7').map((e) => [e.value, e.hi]), [['<10', 9]]);
  t.deepEqual(fileNameEvidence('libpq.so.5'), []);
});

const ev = (source: VersionEvidence['source'], kind: VersionEvidence['kind'], value: string, lo: number, hi: number): VersionEvidence => ({ source, kind, value, lo, hi, detail: value });

test('merge: exact beats pattern beats floor, and every disagreement is kept', (t) => {
  const merged = mergeVersionEvidence([
    ev('RUNPATH', 'pattern', '9.4.x', 9, 9),
    ev('exported-api', 'floor', '>=10', 10, Infinity),
    ev('PQlibVersion', 'exact', '15.18', 15, 15),
  ]);
  t.is(merged.value, '15.18');
  t.is(merged.major, 15);
  t.true(merged.exact);
  t.is(merged.atLeast, 15);
  t.deepEqual(merged.evidence.map((e) => e.source), ['PQlibVersion', 'RUNPATH', 'exported-api']);
  t.is(merged.conflicts.length, 2);
  t.true(merged.conflicts.some((c) => c.includes('PQlibVersion says 15.18 but RUNPATH says 9.4.x (PQlibVersion wins)')));
  t.true(merged.conflicts.some((c) => c.includes('RUNPATH says 9.4.x but exported-api says >=10 (RUNPATH wins)')));
});

test('merge: a floor alone gives atLeast but no value', (t) => {
  const merged = mergeVersionEvidence([ev('exported-api', 'floor', '>=12', 12, Infinity)]);
  t.deepEqual([merged.value, merged.major, merged.exact, merged.atLeast], [null, null, false, 12]);
});

test('merge: a pattern gives value and major; floor raises atLeast only when consistent', (t) => {
  const merged = mergeVersionEvidence([ev('RUNPATH', 'pattern', '10.x', 10, 10), ev('exported-api', 'floor', '>=10', 10, Infinity)]);
  t.deepEqual([merged.value, merged.major, merged.exact, merged.atLeast, merged.conflicts], ['10.x', 10, false, 10, []]);
});

test('merge: no evidence is all null', (t) => {
  t.deepEqual(mergeVersionEvidence([]), { value: null, major: null, exact: false, atLeast: null, evidence: [], conflicts: [] });
});

test('API floor: the newest release wins within major 9 too', async (t) => {
  const { apiFloorEvidence, compareReleases } = await import('../src/evidence/apiFloorEvidence.js');
  t.is(compareReleases('9.5', '9.6'), -1);
  t.is(compareReleases('10', '9.6'), 1);
  t.is(compareReleases('9.6', '9.6'), 0);
  const exports = ['PQlibVersion', 'PQsslInUse', 'PQresultVerboseErrorMessage', 'PQexec'].map((name) => ({ name, type: 'func' as const, value: 0, size: 0 }));
  const [floor] = apiFloorEvidence({ ...facts(null), exports });
  t.is(floor?.value, '>=9.6');
  t.is(floor?.lo, 9);
  t.regex(floor!.detail, /PQresultVerboseErrorMessage/);
});
