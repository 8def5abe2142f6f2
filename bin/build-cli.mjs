// Bundles the CLI for start-up time. Measured on Node 20 (test/bench/startup.ts):
// unbundled ESM 1.74x `node -e 0`, one ESM bundle 2.0x (every node: built-in of
// the live and scan paths hoisted to the top), split ESM chunks 1.85x. A single
// CommonJS bundle loads through require(), which skips ESM linking, and esbuild
// initialises each bundled module (and requires its built-ins) only when it is
// first used. yauzl is inlined; the AWS SDK stays external and is imported only
// when a function or an account is read.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bin', { recursive: true, force: true });
await build({
  entryPoints: { main: 'src/cli/main.ts' },
  outfile: 'dist/bin/main.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: process.env.CLI_MINIFY !== '0',
  legalComments: 'linked',
  external: ['@aws-sdk/*', '@smithy/*'],
  logLevel: 'warning',
});
