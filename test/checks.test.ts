import test from 'ava';
import { scramCheck, type ScramSubject } from '../src/checks/scramCheck.js';
import { tlsCheck } from '../src/checks/tlsCheck.js';
import { mergeVersionEvidence } from '../src/evidence/versionEvidence.js';
import type { HandlerFacts } from '../src/facts/handler/handlerFacts.js';

const lib = (path: string, value: string | null, lo: number, hi: number, kind: 'exact' | 'pattern' | 'floor' = 'exact'): ScramSubject => {
  const version = mergeVersionEvidence(value === null && lo === 0 ? [] : [{ source: kind === 'floor' ? 'exported-api' : 'PQlibVersion', kind, value: value ?? `>=${lo}`, lo, hi, detail: '' }]);
  return { path, version, highest: hi };
};
const none = { date: null };

test('scram: below 10 fails; 10 and later passes; an API floor of 10 counts', (t) => {
  t.is(scramCheck([lib('libpq.so.5', '9.4.26', 9, 9)], none).status, 'fail');
  t.is(scramCheck([lib('libpq.so.5', '10.23', 10, 10)], none).status, 'pass');
  t.is(scramCheck([lib('libpq.so.5', null, 10, Infinity, 'floor')], none).status, 'pass');
});

test('scram: the lowest libpq found is judged until the loader says which loads', (t) => {
  const both = [lib('a/libpq.so.5', '15.4', 15, 15), lib('b/libpq.so.5', '9.4.26', 9, 9)];
  t.is(scramCheck(both, none).status, 'fail');
  t.is(scramCheck([{ ...both[0]!, loaded: true }, { ...both[1]!, loaded: false }], none).status, 'pass');
});

test('scram: no libpq is not-applicable; unknown version warns only before the cut-off', (t) => {
  t.is(scramCheck([], none).status, 'not-applicable');
  const unknown = lib('libpq.so.5', null, 0, Infinity);
  t.is(scramCheck([unknown], { date: '2021-12-29' }).status, 'warn');
  t.is(scramCheck([unknown], { date: '2021-12-30' }).status, 'unknown');
  t.is(scramCheck([unknown], none).status, 'unknown');
});

test('scram: when the date and the binary disagree, the binary wins and the summary says so', (t) => {
  const early = scramCheck([lib('libpq.so.5', '10.23', 10, 10)], { date: '2021-06-01' });
  t.is(early.status, 'pass');
  t.regex(early.summary, /before 2021-12-30.*but the binary wins/);
  const late = scramCheck([lib('libpq.so.5', '9.4.26', 9, 9)], { date: '2022-06-01' });
  t.is(late.status, 'fail');
  t.regex(late.summary, /but the binary wins/);
  t.truthy(late.remediation);
});

test('scram: an unreadable libpq keeps the verdict from passing', (t) => {
  t.is(scramCheck([lib('a/libpq.so.5', '15.4', 15, 15)], none, ['b/libpq.so.5']).status, 'unknown');
});

const handler = (over: Partial<HandlerFacts>): HandlerFacts => ({
  path: 'lambda_function.py', alsoRead: [], language: 'python', isRotationHandler: true, steps: [], drivers: ['pgdb (PyGreSQL)'],
  driverImports: [], engine: 'postgresql', engineEvidence: [], asksForTls: false, tlsEvidence: [], plainConnections: [], turnsTlsOff: [], ...over,
});

test('tls: pass if asked, fail if a rotation handler never asks', (t) => {
  t.is(tlsCheck(handler({ asksForTls: true, tlsEvidence: ['x'] }), none).status, 'pass');
  const f = tlsCheck(handler({}), none);
  t.is(f.status, 'fail');
  t.truthy(f.remediation);
});

test('tls: no handler warns before 2021-12-20, else unknown', (t) => {
  t.is(tlsCheck(null, { date: '2021-12-19' }).status, 'warn');
  t.is(tlsCheck(null, { date: '2021-12-20' }).status, 'unknown');
  t.is(tlsCheck(null, none).status, 'unknown');
  t.is(tlsCheck(handler({ isRotationHandler: false }), none).status, 'unknown');
});

test('tls: a handler created early but asking for TLS passes; the code wins', (t) => {
  const c = tlsCheck(handler({ asksForTls: true, tlsEvidence: ['x'] }), { date: '2021-01-01' });
  t.is(c.status, 'pass');
  t.regex(c.summary, /the code wins/);
});
