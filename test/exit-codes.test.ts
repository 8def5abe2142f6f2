import test from 'ava';
import { readFileSync } from 'node:fs';
import { EXIT, FAIL_ON_LEVELS, exitCodeFor, type FailOn } from '../src/cli/exitCodes.js';
import type { CheckStatus } from '../src/checks/check.js';
import type { Report } from '../src/report/report.js';
import { inspectLocal } from '../src/report/inspectLocal.js';
import { SAMPLE_10 } from './support/fixtures.js';

/** A real report (the 10 sample) with its checks set to `statuses`. */
async function reportWith(statuses: CheckStatus[], errors = false): Promise<Report> {
  const r = await inspectLocal(SAMPLE_10);
  r.checks = r.checks.map((c, i) => ({ ...c, status: statuses[i] ?? 'pass' }));
  if (errors) r.errors.push({ code: 'access-denied', message: 'x: access denied' });
  return r;
}

const STATUS_WORD: Record<string, CheckStatus> = { FAIL: 'fail', WARN: 'warn', UNKNOWN: 'unknown' };

test('the README CI table says exactly what each --fail-on level breaks on', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const ci = readme.slice(readme.indexOf('### In CI'), readme.indexOf('### Exit codes'));
  const rows = [...ci.matchAll(/^\| `(\w+)`(?: \(default\))? \| ([^|]+) \| ([^|]+) \|$/gm)];
  t.deepEqual(rows.map((m) => m[1]), [...FAIL_ON_LEVELS], 'one row per level, in order');
  for (const [, level, breaks, passes] of rows) {
    for (const [word, status] of Object.entries(STATUS_WORD)) {
      const code = exitCodeFor({ reports: [await reportWith([status, 'pass'])] }, level as FailOn);
      if (new RegExp(`\\b${word}\\b`).test(breaks!)) t.is(code, EXIT.findings, `${level} breaks on ${word}`);
      else { t.is(code, EXIT.clean, `${level} lets ${word} pass`); t.regex(passes!, new RegExp(`\\b${word}\\b`), `${level}: ${word} listed as passing`); }
    }
    t.is(exitCodeFor({ reports: [await reportWith(['pass', 'not-applicable'])] }, level as FailOn), EXIT.clean, `${level}: PASS and N/A never break`);
  }
  t.regex(readme, /\| 130 \| `scan` interrupted with Ctrl-C/);
});

test('interrupted beats could-not-judge beats findings, at every level', async (t) => {
  const failing = await reportWith(['fail', 'fail']);
  const broken = await reportWith(['unknown', 'unknown'], true);
  for (const level of FAIL_ON_LEVELS) {
    t.is(exitCodeFor({ reports: [failing, broken], interrupted: true }, level), EXIT.interrupted);
    t.is(exitCodeFor({ reports: [failing, broken] }, level), EXIT.couldNotJudge);
    t.is(exitCodeFor({ reports: [failing], listingFailed: true }, level), EXIT.couldNotJudge);
    t.is(exitCodeFor({ reports: [] }, level), EXIT.clean);
  }
  t.is(exitCodeFor({ reports: [failing] }, 'never'), EXIT.clean);
});
