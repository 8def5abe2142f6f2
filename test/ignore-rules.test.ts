import test from 'ava';
import { applyIgnoreRules, parseIgnoreFile } from '../src/report/ignoreRules.js';
import { summarize, verdictOf } from '../src/render/summary.js';
import { build } from './support/reports.js';

const YAML = `# accepted risk
ignore:
  - function: SecretsManagerRDSPostgreSQLRotationSingleUser-*   # the legacy fleet
    check: scram
    reason: 'md5 until the 2027 migration: it''s tracked in OPS-1'
    expires: 2026-12-31
  - check: tls
    function: "arn:aws:lambda:eu-west-1:123456789012:function:pg-rotation-no-handler"
    reason: "handler kept elsewhere \\u2014 reviewed"
`;

test('the YAML subset and JSON give the same entries, with their file and line', (t) => {
  const rules = parseIgnoreFile(YAML, 'ri.yaml');
  t.deepEqual(rules, [
    { function: 'SecretsManagerRDSPostgreSQLRotationSingleUser-*', check: 'scram', reason: 'md5 until the 2027 migration: it\'s tracked in OPS-1', expires: '2026-12-31', entry: 'ri.yaml:3' },
    { function: 'arn:aws:lambda:eu-west-1:123456789012:function:pg-rotation-no-handler', check: 'tls', reason: 'handler kept elsewhere — reviewed', expires: null, entry: 'ri.yaml:7' },
  ]);
  const json = parseIgnoreFile(JSON.stringify({ ignore: rules.map(({ entry: _e, expires, ...r }) => ({ ...r, ...(expires ? { expires } : {}) })) }), 'ri.json');
  t.deepEqual(json.map(({ entry: _e, ...r }) => r), rules.map(({ entry: _e, ...r }) => r));
  t.deepEqual(json.map((r) => r.entry), ['ri.json: entry 1', 'ri.json: entry 2']);
  t.is(parseIgnoreFile('- function: a\n  check: tls\n  reason: r\n', 'bare.yaml').length, 1, 'a bare list works too');
  t.deepEqual(parseIgnoreFile('# nothing yet\nignore:\n', 'empty.yaml'), []);
});

test('a malformed ignore file is an error naming the file, the line and the cause', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['ignore:\n  - function: x\n    check: scram\n', /^f:2: an entry needs a "reason"$/],
    ['ignore:\n  - function: x\n    check: tsl\n    reason: r\n', /^f:2: "check" must be one of scram, tls, not "tsl"$/],
    ['ignore:\n  - function: x\n    check: tls\n    reason: r\n    expires: 2026-02-30\n', /^f:2: "expires" must be a date of the form YYYY-MM-DD, not "2026-02-30"$/],
    ['ignore:\n  - function: x\n    check: tls\n    reason: r\n    owner: me\n', /^f:2: unknown key "owner"/],
    ['ignore:\n  - function: x\n      check: tls\n', /^f:3: "check" is not lined up/],
    ['ignore:\n  - function: [a, b]\n', /^f:2: "\[a, b\]": only plain or quoted one-line values are read/],
    ['ignore:\n  - function: "x\n', /^f:2: unterminated double-quoted value$/],
    ['ignore:\n\t- function: x\n', /^f:2: tabs are not allowed/],
    ['rules:\n  - function: x\n', /^f:1: expected "ignore:"/],
    ['{"ignore": {"function": "x"}}', /^f: expected \{"ignore": \[ … \]\} or a list of entries$/],
    ['{"ignore": [', /^f: not valid JSON/],
  ];
  for (const [text, message] of cases) {
    const e = t.throws(() => parseIgnoreFile(text, 'f'), undefined, text);
    t.regex(e!.message, message, text);
    t.is((e as { code?: string }).code, 'bad-ignore-file');
  }
});

test('entries match names, ARNs and globs; apply through their expiry day; the rest is reported', async (t) => {
  const f = await build();
  const reports = [structuredClone(f.old), structuredClone(f.unsure), structuredClone(f.current)];
  const rules = parseIgnoreFile(YAML + `  - function: pg-rotation-current
    check: tls
    reason: passes anyway
  - function: "*"
    check: tls
    reason: long gone
    expires: 2026-11-29
`, 'ri.yaml');
  const outcome = applyIgnoreRules(reports, rules, '2026-12-31', 'ri.yaml');
  t.deepEqual(reports[0]!.ignored, [{ check: 'scram', reason: rules[0]!.reason, expires: '2026-12-31', entry: 'ri.yaml:3' }]);
  t.is(verdictOf(reports[0]!), 'fail', 'the tls finding still counts');
  t.deepEqual(reports[1]!.ignored?.map((i) => i.check), ['tls']);
  t.is(verdictOf(reports[1]!), 'ignored');
  t.is(reports[2]!.ignored, undefined, 'a passing check is not a finding to ignore');
  t.deepEqual(outcome.expired.map((r) => r.entry), ['ri.yaml:13']);
  t.deepEqual(outcome.unmatched.map((r) => r.entry), ['ri.yaml:10']);
  t.is(outcome.applied, 2);
  t.is(summarize(reports).ignored, 2);
  // The day after the expiry the entry no longer applies.
  const later = [structuredClone(f.old)];
  const next = applyIgnoreRules(later, rules, '2027-01-01', 'ri.yaml');
  t.is(later[0]!.ignored, undefined);
  t.true(next.expired.some((r) => r.entry === 'ri.yaml:3'));
});
