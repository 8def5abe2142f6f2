#!/usr/bin/env node
'use strict';
// CommonJS on purpose (bin/package.json): the CLI is one CommonJS bundle built
// by bin/build-cli.mjs, and loading it with require() skips Node 20's ESM
// loader, which costs ~6 ms of every cold start (test/bench/startup.ts).
const { join } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'bin', 'main.cjs');
let main;
try {
  ({ main } = require(bundle));
} catch (e) {
  if (!(e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(bundle))) throw e;
  // A fresh clone: dist/ is made by `npm ci` (its prepare script builds) or `npm run build`.
  process.stderr.write(`rotation-inspector: the CLI is not built (${join('dist', 'bin', 'main.cjs')} is missing): run "npm ci" (or "npm run build") in ${join(__dirname, '..')}\n`);
  process.exit(2);
}

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then((code) => {
  process.exitCode = code;
});
