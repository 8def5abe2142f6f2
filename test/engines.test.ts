import test from 'ava';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handlerFacts, type Engine } from '../src/facts/handler/handlerFacts.js';
import { inspectLocal } from '../src/report/inspectLocal.js';
import type { Check } from '../src/checks/check.js';
import { FIXTURES } from './support/fixtures.js';
import { templateHandler, type Era, type TemplateEngine } from './support/templateHandlers.js';

/** What each template shape names, and how the checks treat it. */
const ENGINES: Array<{ shape: TemplateEngine; engine: Engine | null; evidence: RegExp | null; judged: 'postgresql' | 'redshift' | 'no' | 'no-driver' }> = [
  { shape: 'postgresql', engine: 'postgresql', evidence: /secret_dict\['engine'\] != 'postgres'/, judged: 'postgresql' },
  { shape: 'aurora-postgresql', engine: 'postgresql', evidence: /supported_engines = \["postgres", "aurora-postgresql"\]/, judged: 'postgresql' },
  { shape: 'redshift', engine: 'redshift', evidence: /!= 'redshift'/, judged: 'redshift' },
  { shape: 'mysql', engine: 'mysql', evidence: /'mysql'|"mysql"/, judged: 'no' },
  { shape: 'mariadb', engine: 'mariadb', evidence: /!= 'mariadb'/, judged: 'no' },
  { shape: 'oracle', engine: 'oracle', evidence: /!= 'oracle'/, judged: 'no' },
  { shape: 'sqlserver', engine: 'sqlserver', evidence: /!= 'sqlserver'/, judged: 'no' },
  { shape: 'mongodb', engine: 'mongodb', evidence: /!= 'mongo'/, judged: 'no' },
  { shape: 'db2', engine: 'db2', evidence: /startswith\('db2'\)/, judged: 'no' },
  { shape: 'influxdb', engine: 'influxdb', evidence: /"timestream-influxdb"/, judged: 'no' },
  { shape: 'elasticache', engine: null, evidence: null, judged: 'no-driver' },
  { shape: 'generic', engine: null, evidence: null, judged: 'no-driver' },
];
const ERAS: Era[] = ['pre', 'current'];

for (const e of ENGINES) {
  for (const era of ERAS) {
    test(`${e.shape} template (${era}): engine named from the handler, with its line`, (t) => {
      const h = handlerFacts([{ path: 'lambda_function.py', text: templateHandler(e.shape, era) }])!;
      t.true(h.isRotationHandler);
      t.is(h.engine, e.engine);
      if (e.evidence) t.regex(h.engineEvidence[0] ?? '', new RegExp(`^lambda_function\\.py:\\d+: .*${e.evidence.source}`));
      else t.deepEqual(h.engineEvidence, []);
      if (e.judged === 'no-driver') t.deepEqual(h.drivers, []);
      else t.true(h.driverImports.every((d) => d.language === 'python' && /^lambda_function\.py:\d+: (import|from) /.test(d.evidence)));
    });
  }
}

test('docstrings, comments and log messages never ask for TLS or turn it off (part 3)', (t) => {
  // The pre-2021 PostgreSQL shape: its docstrings and log lines mention sslmode=require and secret_dict['ssl'].
  const pre = handlerFacts([{ path: 'lambda_function.py', text: templateHandler('postgresql', 'pre') }])!;
  t.false(pre.asksForTls);
  t.deepEqual(pre.tlsEvidence, []);
  t.deepEqual(pre.turnsTlsOff, []);
  const text = [
    'import psycopg2',
    "steps = ['createSecret', 'setSecret', 'testSecret', 'finishSecret']",
    'def get_connection(secret_dict):',
    '    """Connects. secret_dict[\'ssl\'] decides; sslmode=\'verify-full\' is used when it is true.',
    "    'ssl' in secret_dict means the user asked; sslmode='disable' otherwise",
    '    """',
    "    logger.info(\"connecting with sslmode='require' to %s\" % host)",
    "    raise_if = 'host=h sslmode=require'",
    "    # conn = psycopg2.connect(host=h, sslmode='require')",
    "    return psycopg2.connect(host=secret_dict['host'])",
  ].join('\n');
  const h = handlerFacts([{ path: 'h.py', text }])!;
  t.false(h.asksForTls, h.tlsEvidence.join('\n'));
  t.deepEqual(h.turnsTlsOff, []);
  t.deepEqual(h.plainConnections, ["h.py:10: return psycopg2.connect(host=secret_dict['host'])"]);
  // A DSN that is an argument of the connect call still counts, as do values in code.
  t.true(handlerFacts([{ path: 'h.py', text: 'import psycopg2\nconn = psycopg2.connect(\n    "host=h sslmode=require")\n' }])!.asksForTls);
  t.true(handlerFacts([{ path: 'h.py', text: "import psycopg2\nuse = 'ssl' in secret_dict\n" }])!.asksForTls);
});

test('an engine comparison in a docstring names nothing; a handler with two engines names none', (t) => {
  const doc = handlerFacts([{ path: 'h.py', text: 'def f():\n    """if secret_dict[\'engine\'] != \'mysql\': refuse"""\n' }])!;
  t.is(doc.engine, null);
  const two = handlerFacts([{ path: 'h.py', text: "import pymysql\nimport pgdb\nsteps = ['createSecret','setSecret','testSecret','finishSecret']\n" }])!;
  t.is(two.engine, null);
  t.deepEqual(two.drivers, ['pgdb (PyGreSQL)', 'pymysql']);
});

/** A directory bundle: the handler and, optionally, a libpq file as libpq.so.5. */
async function inspectWith(handler: string, libpq: string | null) {
  const dir = mkdtempSync(join(tmpdir(), 'ri-engine-'));
  try {
    writeFileSync(join(dir, 'lambda_function.py'), handler);
    if (libpq) copyFileSync(libpq, join(dir, 'libpq.so.5'));
    const r = await inspectLocal(dir);
    return Object.fromEntries(r.checks.map((c) => [c.id, c])) as unknown as Record<'scram' | 'tls', Check>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const LIBPQ_10 = join(FIXTURES, 'libpq', 'x86_64-10.23-libpq.so.5.10'); // Debian-built, NEEDED libssl.so.1.1
const STAND_IN_96_NO_SSL = join(FIXTURES, 'drivers', 'shared-9.6-no-openssl', 'libpq.so.5');

for (const e of ENGINES) {
  for (const era of ERAS) {
    test(`${e.shape} template (${era}) with libpq 10 (OpenSSL) and 9.6 (no OpenSSL): scram and tls verdicts`, async (t) => {
      const text = templateHandler(e.shape, era);
      const with10 = await inspectWith(text, LIBPQ_10);
      const with96 = await inspectWith(text, STAND_IN_96_NO_SSL);
      if (e.judged === 'no' || e.judged === 'no-driver') {
        // Not PostgreSQL: whatever the handler's TLS lines and whatever libpq the bundle carries.
        t.is(with10.tls.status, e.judged === 'no' ? 'not-applicable' : 'unknown');
        if (e.judged === 'no') t.is(with96.scram.status, 'not-applicable');
        const bare = await inspectWith(text, null);
        t.is(bare.tls.status, 'not-applicable');
        t.is(bare.scram.status, 'not-applicable');
        return;
      }
      if (e.judged === 'redshift') {
        t.is(with96.scram.status, 'not-applicable');
        t.regex(with96.scram.summary, /Redshift/);
      } else {
        t.is(with10.scram.status, 'pass');
        t.is(with96.scram.status, 'fail');
      }
      if (era === 'current' && e.judged === 'postgresql') {
        t.is(with10.tls.status, 'pass');
        t.is(with96.tls.status, 'fail');
        t.regex(with96.tls.summary, /built without OpenSSL.*falls back to sslmode=disable/);
      } else {
        // sslmode never set: libpq's prefer when it has OpenSSL, plaintext when it has not.
        t.is(with10.tls.status, 'warn');
        t.regex(with10.tls.summary, /^TLS only through libpq's default `prefer`: tried, never verified, dropped silently if the handshake fails; recreate from the current template/);
        t.is(with96.tls.status, 'fail');
      }
    });
  }
}

test('a handler whose driver is not libpq-based (pg8000) is judged on its own TLS words, not on a libpq the bundle also holds', async (t) => {
  const text = templateHandler('postgresql', 'current').replace('import pg\nimport pgdb', 'import pg8000').replace(/pgdb\.connect\(([^)]*)sslmode='verify-full'\)/, 'pg8000.connect($1ssl_context=True)');
  const checks = await inspectWith(text, STAND_IN_96_NO_SSL);
  t.is(checks.tls.status, 'pass');
  t.false(checks.tls.summary.includes('OpenSSL'));
});
