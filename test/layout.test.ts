import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// The shape of src/ the README describes: data flows source → bundle → facts →
// evidence → checks → report → render, with aws/ and scan/ at the edge and the
// commands under the entry point. These read the real import statements.

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every relative import (static, `import type` and dynamic) of each file, as paths under src/. */
const graph = new Map<string, string[]>(sourceFiles(SRC).map((file) => {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
  return [relative(SRC, file), specs.map((s) => relative(SRC, normalize(join(dirname(file), s.replace(/\.js$/, '.ts')))))];
}));

test('no module of src/ imports itself back through others (no import cycles)', (t) => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (f: string, path: string[]): void => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') { cycles.push([...path.slice(path.indexOf(f)), f].join(' → ')); return; }
    state.set(f, 'open');
    for (const g of graph.get(f) ?? []) visit(g, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f, []);
  t.deepEqual(cycles, []);
});

test('commands sit side by side under the entry point: none imports cli/main.ts, and exit codes come from one module', (t) => {
  const commands = [...graph.keys()].filter((f) => /^cli\/\w+Command\.ts$/.test(f));
  t.true(commands.includes('cli/inspectCommand.ts') && commands.includes('cli/scanCommand.ts'), commands.join(', '));
  for (const c of commands) {
    t.false(graph.get(c)!.includes('cli/main.ts'), `${c} imports cli/main.ts`);
    t.true(graph.get(c)!.includes('cli/exitCodes.ts'), `${c} does not take its exit codes from cli/exitCodes.ts`);
  }
});

test('facts/ takes no types from report/ or later stages: types live beside the code that produces them', (t) => {
  const later = ['evidence/', 'checks/', 'report/', 'render/', 'aws/', 'scan/', 'cli/'];
  const wrong = [...graph].filter(([f]) => f.startsWith('facts/')).flatMap(([f, deps]) => deps.filter((d) => later.some((l) => d.startsWith(l))).map((d) => `${f} → ${d}`));
  t.deepEqual(wrong, []);
});
