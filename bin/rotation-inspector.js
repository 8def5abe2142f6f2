#!/usr/bin/env node
'use strict';
// CommonJS on purpose (bin/package.json): the CLI is one CommonJS bundle built
// by bin/build-cli.mjs, and loading it with require() skips Node 20's ESM
// loader, which costs ~6 ms of every cold start (test/bench/startup.ts).
const { main } = require('../dist/bin/main.cjs');

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then((code) => {
  process.exitCode = code;
});
