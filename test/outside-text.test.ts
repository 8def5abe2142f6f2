import test from 'ava';
import { escapeJsonOutsideText, hasInterpretedCharacters, showOutsideText } from '../src/render/outsideText.js';

const HOSTILE = [
  ['ESC colour', 'lib\x1b[32mPASS\x1b[0m.so', 'lib\\x1b[32mPASS\\x1b[0m.so'],
  ['OSC 52 clipboard write', 'a\x1b]52;c;ZWNobyBoaQ==\x07b', 'a\\x1b]52;c;ZWNobyBoaQ==\\x07b'],
  ['CR overwrite', 'x.so\r  PASS    scram', 'x.so\\x0d  PASS    scram'],
  ['newline', 'a\nb', 'a\\x0ab'],
  ['C1 CSI', 'a\u009b31mb', 'a\\x9b31mb'],
  ['bidi override', 'evil\u202Eos.qplib', 'evil\\u202eos.qplib'],
  ['bidi isolate', 'a\u2066b\u2069', 'a\\u2066b\\u2069'],
  ['line separator', 'a\u2028b', 'a\\u2028b'],
] as const;

for (const [name, input, shown] of HOSTILE) {
  test(`showOutsideText makes ${name} visible`, (t) => {
    t.is(showOutsideText(input), shown);
    t.true(hasInterpretedCharacters(input));
    t.false(hasInterpretedCharacters(showOutsideText(input)));
  });
}

test('showOutsideText keeps printable text, Unicode included', (t) => {
  const plain = 'python/lib/python3.9/site-packages/psycopg2_binary.libs/libpq-9f2a.so.5.15 — Zürich ✓';
  t.is(showOutsideText(plain), plain);
  t.false(hasInterpretedCharacters(plain));
});

test('escapeJsonOutsideText leaves the parsed value unchanged and no raw C1 or bidi character', (t) => {
  const value = { name: 'a\u009b31m\u202Eb\u2028c\x7f' };
  const json = escapeJsonOutsideText(JSON.stringify(value));
  t.deepEqual(JSON.parse(json), value);
  t.false(/[\u007f-\u009f\u202a-\u202e\u2028]/.test(json));
});
