// Handler facts in linear time: the handler is read as code, comments,
// docstrings and strings in one pass (src/facts/handler/sourceLexer.ts), then
// each line is tested once. This times handlerFacts on handler-shaped inputs of
// n and 4n bytes (512 KB and 2 MB, the handler cap) (a real template shape repeated, one unterminated docstring,
// one line of unclosed connect calls) and prints time(4n) / (4 x time(n)):
// 1.0 is linear, 4.0 would be quadratic.
// Run: node --import tsx test/bench/handler-lexing.ts
import { handlerFacts } from '../../src/facts/handler/handlerFacts.js';
import { templateHandler } from '../support/templateHandlers.js';

// Larger inputs cost somewhat more per byte (cache misses, a larger heap); quadratic work would show 4.0.
const TARGET = 2.0;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const template = templateHandler('postgresql', 'current');
const shapes: Record<string, (bytes: number) => string> = {
  'template repeated': (bytes) => template.repeat(Math.ceil(bytes / template.length)),
  'unterminated docstring': (bytes) => `import psycopg2\n"""${"secret_dict['ssl'] sslmode='require'\n".repeat(Math.ceil(bytes / 37))}`,
  'one line of unclosed connect calls': (bytes) => `import psycopg2\nx = ${'psycopg2.connect('.repeat(Math.ceil(bytes / 17))}\n`,
  // Each short string on one long line once cost a scan to the line's end (quadratic before the lexer bounded it).
  'one line of many short strings': (bytes) => `import psycopg2\nx = [${"'a', ".repeat(Math.ceil(bytes / 5))}]\n`,
};

/** Fastest run of each, the two sizes interleaved so that load from other processes falls on both alike. */
function times(small: string, large: string): [number, number] {
  let a = Infinity;
  let b = Infinity;
  for (let i = 0; i < ROUNDS; i++) {
    let t0 = performance.now();
    handlerFacts([{ path: 'lambda_function.py', text: small }]);
    a = Math.min(a, performance.now() - t0);
    t0 = performance.now();
    handlerFacts([{ path: 'lambda_function.py', text: large }]);
    b = Math.min(b, performance.now() - t0);
  }
  return [a, b];
}

let worst = 0;
for (const [name, make] of Object.entries(shapes)) {
  const small = make(512 * 1024);
  const large = make(2048 * 1024);
  times(small, large); // warm up both sizes (first-call compilation, heap growth)
  const [a, b] = times(small, large);
  const ratio = b / (4 * a);
  worst = Math.max(worst, ratio);
  console.log(`handler-lexing: ${name}: ${(small.length / 1024).toFixed(0)} KB ${a.toFixed(1)} ms, ${(large.length / 1024).toFixed(0)} KB ${b.toFixed(1)} ms: ratio ${ratio.toFixed(2)} (1.0 linear, target <= ${TARGET})`);
}
console.log(`handler-lexing: worst ratio ${worst.toFixed(2)} ${worst <= TARGET ? 'meets' : 'MISSES'} the target <= ${TARGET}`);
