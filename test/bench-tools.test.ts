import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './support/cli.js';

test('npm run bench without unzip and readelf: the comparison is skipped with a line saying so, the CLI is still timed', (t) => {
  // A PATH with a shell and nothing else: no unzip, no readelf.
  const bin = mkdtempSync(join(tmpdir(), 'ri-no-tools-'));
  for (const tool of ['sh', 'mktemp']) {
    const where = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(where, join(bin, tool));
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'bench', 'many-bundles.ts')], {
    cwd: ROOT, encoding: 'utf8', env: { HOME: process.env.HOME, PATH: bin, BENCH_BUNDLES: '4', BENCH_ROUNDS: '1' },
  });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^many-bundles: SKIPPED the comparison with the manual check \(unzip -p \+ readelf -d\): unzip and readelf are not installed \(apt-get install unzip binutils\); timing the CLI alone$/m);
  t.regex(r.stdout, /^many-bundles: one node process \d+ ms .*ratio against the manual check not measured/m);
  t.regex(r.stdout, /node output 4 ndjson lines \(expected 4\)/);
});
