import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { handlerFacts, localImports } from '../src/facts/handler/handlerFacts.js';
import { SAMPLES } from './support/fixtures.js';

const src = (name: string) => readFileSync(join(SAMPLES, 'src', name, 'lambda_function.py'), 'utf8');

test('old template: a pgdb rotation handler that never asks for TLS', (t) => {
  const h = handlerFacts([{ path: 'lambda_function.py', text: src('handler-9.4') }])!;
  t.true(h.isRotationHandler);
  t.deepEqual(h.steps, ['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
  t.deepEqual(h.drivers, ['pgdb (PyGreSQL)']);
  t.is(h.engine, 'postgresql');
  t.false(h.asksForTls);
  t.deepEqual(h.tlsEvidence, []);
  t.true(h.plainConnections.some((l) => l.includes('pgdb.connect(')));
});

test('TLS-aware template: sslmode and the secret\'s ssl key are found, with line numbers', (t) => {
  const h = handlerFacts([{ path: 'lambda_function.py', text: src('handler-10') }])!;
  t.true(h.isRotationHandler);
  t.true(h.asksForTls);
  t.true(h.tlsEvidence.some((l) => /^lambda_function\.py:\d+: .*sslmode/.test(l)));
  t.true(h.tlsEvidence.some((l) => /'ssl'/.test(l)));
});

const py = (body: string) => handlerFacts([{ path: 'h.py', text: `import psycopg2\n${body}\n# createSecret setSecret\n` }])!;

test('TLS asks in the forms drivers take', (t) => {
  t.true(py("conn = psycopg2.connect(host=h, sslmode='verify-full', sslrootcert='/opt/rds.pem')").asksForTls);
  t.true(py("conn = psycopg2.connect('host=h dbname=d sslmode=require')").asksForTls);
  t.true(py("params = {'sslmode': 'require'}").asksForTls);
  t.true(py('conn = pg8000.connect(user=u, ssl_context=ctx)').asksForTls);
  t.true(py("use_ssl = secret.get('ssl', True)").asksForTls);
});

test('not TLS: disabled, preferred, commented out, or in another word', (t) => {
  t.false(py("conn = psycopg2.connect(host=h, sslmode='disable')").asksForTls);
  t.false(py("conn = psycopg2.connect(host=h, sslmode='prefer')").asksForTls);
  t.false(py("conn = psycopg2.connect(host=h)  # sslmode='require' some day").asksForTls);
  t.false(py('use_ssl = False').asksForTls);
  t.false(py('conn = pymysql.connect(host=h, ssl=None)').asksForTls);
});

test('a handler that is not a rotation handler is said to be so', (t) => {
  const h = handlerFacts([{ path: 'app.py', text: 'import psycopg2\ndef lambda_handler(e, c):\n  return 1\n' }])!;
  t.false(h.isRotationHandler);
  t.deepEqual(h.steps, []);
});

test('MySQL rotation handler: engine mysql', (t) => {
  const h = handlerFacts([{ path: 'h.py', text: "import pymysql\nsteps = ['createSecret','setSecret','testSecret','finishSecret']\n" }])!;
  t.is(h.engine, 'mysql');
});

test('local imports are module paths', (t) => {
  t.deepEqual(localImports('import boto3\nfrom common.db import connect\nimport a, b.c\n', 'python'), [['boto3.py'], ['common/db.py'], ['a.py'], ['b/c.py']]);
});

test('a connect call that passes sslmode on a later line is not a plain connection', (t) => {
  const h = py("conn = pgdb.connect(host=h,\n    user=u,\n    sslmode='require' if use_ssl else 'disable')\nother = pgdb.connect(host=h)");
  t.true(h.asksForTls);
  t.deepEqual(h.plainConnections, ['h.py:5: other = pgdb.connect(host=h)']);
});

test('drivers: cx_Oracle and node-postgres are recognised', (t) => {
  t.is(handlerFacts([{ path: 'h.py', text: 'import cx_Oracle\n' }])!.engine, 'oracle');
  t.deepEqual(handlerFacts([{ path: 'index.js', text: "const { Client } = require('pg');\n" }])!.drivers, ['node-postgres']);
});

test('turning TLS off is a plain connection whatever the case of sslmode', (t) => {
  const h = py("params = dict(SSLMODE='disable', host=h)\n");
  t.false(h.asksForTls);
  t.deepEqual(h.plainConnections, ["h.py:2: params = dict(SSLMODE='disable', host=h)"]);
});

test('evidence lists are bounded: 10,000 connect calls keep MAX_EVIDENCE_LINES lines and count the rest', async (t) => {
  const { MAX_EVIDENCE_LINES } = await import('../src/facts/handler/handlerFacts.js');
  const base = src('handler-10');
  const h = handlerFacts([{ path: 'lambda_function.py', text: `${base}\n${'conn = pgdb.connect(host=h, sslmode="disable")\n'.repeat(10_000)}${'c = pgdb.connect(host=h, sslmode="require")\n'.repeat(10_000)}` }])!;
  t.is(h.plainConnections.length, MAX_EVIDENCE_LINES);
  t.is(h.turnsTlsOff.length, MAX_EVIDENCE_LINES);
  t.is(h.tlsEvidence.length, MAX_EVIDENCE_LINES);
  t.true((h.omitted?.turnsTlsOff ?? 0) >= 10_000 - MAX_EVIDENCE_LINES);
  t.true((h.omitted?.tlsEvidence ?? 0) >= 10_000 - MAX_EVIDENCE_LINES);
  // the kept lines are the first ones found (the template's own fallback line, then the added calls), with line numbers
  t.regex(h.turnsTlsOff[0]!, /^lambda_function\.py:\d+: sslmode = 'require' if use_ssl else 'disable'/);
  t.regex(h.turnsTlsOff[MAX_EVIDENCE_LINES - 1]!, /^lambda_function\.py:\d+: conn = pgdb\.connect/);
  t.true(JSON.stringify(h).length < 64 * 1024);
});
