#!/usr/bin/env node
// `npm test`: build what the tests need if it is missing or stale, run jest
// (extra args pass through), end with one line "N passed, N failed, N skipped".
// Exit code = jest's.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
process.chdir(root);

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  if (r.status !== 0) process.stderr.write(`\n*** test.js: ${what} failed (exit ${r.status ?? r.signal}); suites that need it will say so ***\n\n`);
  return r.status === 0;
}

function newestMtime(dir, ext) {
  let t = 0;
  if (!fs.existsSync(dir)) return t;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestMtime(p, ext));
    else if (e.name.endsWith(ext)) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

// 1. The native addon (host/), if it can be built here.
const addon = path.join(root, 'host', 'build', 'Release', 'vppnet_host.node');
const addonStale = !fs.existsSync(addon) || fs.statSync(addon).mtimeMs <
  Math.max(newestMtime(path.join(root, 'wasm', 'src'), '.c'), newestMtime(path.join(root, 'wasm', 'src'), '.h'),
    newestMtime(path.join(root, 'wasm', 'include'), '.h'), newestMtime(path.join(root, 'host', 'src'), '.cc'),
    newestMtime(path.join(root, 'host', 'src'), '.h'));
if (addonStale && fs.existsSync(path.join(root, 'host', 'binding.gyp')) &&
    fs.existsSync(path.join(root, 'scripts', 'build-addon.js'))) {
  run(process.execPath, ['scripts/build-addon.js'], 'building the native addon');
}

// 2. dist/ (the entry-point tests import the compiled package).
const distIndex = path.join(root, 'dist', 'cjs', 'index.js');
const esmIndex = path.join(root, 'dist', 'esm', 'index.mjs');
const built = fs.existsSync(distIndex) && fs.existsSync(esmIndex) ? fs.statSync(distIndex).mtimeMs : 0;
if (built < newestMtime(path.join(root, 'glue'), '.ts')) {
  if (!run('npm', ['run', '--silent', 'build'], 'npm run build')) process.env.VPPNET_BUILD_FAILED = '1';
}

// 3. the type check of glue/, test/ and bench/ (ts-jest only transpiles a file at a time)
let typeErrors = 0;
if (process.argv.length <= 2) {
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (tsc.status !== 0) { typeErrors = 1; process.stderr.write('\n*** test.js: tsc -p tsconfig.json found type errors (counted as 1 failed) ***\n\n'); }
}

// 4. jest, with a JSON summary we can count from.
const results = path.join(os.tmpdir(), `vppnet-jest-${process.pid}.json`);
const jestBin = require.resolve('jest/bin/jest');
// One test file at a time, in a worker that jest replaces once it grows past
// workerIdleMemoryLimit: every WASM engine reserves gigabytes of address space
// until collected, and hundreds of them in one process exhaust V8's budget.
const args = [jestBin, '--maxWorkers=1', '--json', `--outputFile=${results}`, ...process.argv.slice(2)];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: process.env });

let passed = 0, failed = 0, skipped = 0;
try {
  const j = JSON.parse(fs.readFileSync(results, 'utf8'));
  passed = j.numPassedTests;
  failed = j.numFailedTests;
  skipped = j.numPendingTests + j.numTodoTests;
  // A suite that could not run (compile error, crash) has no failing test of its own: count it.
  for (const s of j.testResults) {
    if (s.status === 'failed' && !s.assertionResults.some((a) => a.status === 'failed')) failed++;
  }
  fs.unlinkSync(results);
} catch (e) {
  if (r.status === 0) failed++;
  process.stderr.write(`test.js: no jest results (${e.message})\n`);
}
failed += typeErrors;
process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(typeErrors ? 1 : r.status ?? 1);
