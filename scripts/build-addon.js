#!/usr/bin/env node
// Build the native addon (host/ + the core's C in wasm/src) with the local
// node-gyp. Node's headers come from /usr/include/node when present (this
// machine cannot download them). On failure: one line saying what is missing.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const fail = (msg) => { process.stderr.write(`build-addon: ${msg}\n`); process.exit(1); };

const gyp = path.join(root, 'node_modules', '.bin', 'node-gyp');
if (!fs.existsSync(gyp)) fail('node-gyp is not installed: run "npm install" (it is a devDependency)');
try { require.resolve('node-addon-api', { paths: [root] }); } catch {
  fail('node-addon-api is not installed: run "npm install"');
}
const cxx = process.env.CXX || 'c++';
if (spawnSync(cxx, ['--version'], { stdio: 'ignore' }).status !== 0) {
  fail(`no C++ compiler (${cxx}): install one, e.g. "apt-get install g++ make python3"`);
}

const args = ['rebuild', '--directory', 'host'];
if (fs.existsSync('/usr/include/node/node.h')) args.push('--nodedir=/usr');
else if (!process.env.npm_config_nodedir) {
  process.stderr.write('build-addon: /usr/include/node/node.h not found; node-gyp will try to download Node headers\n');
}

const r = spawnSync(gyp, args, { cwd: root, stdio: 'inherit', env: process.env });
if (r.status !== 0) {
  fail(`node-gyp ${args.join(' ')} failed (exit ${r.status ?? r.signal}). ` +
    'It needs a C/C++ toolchain (make, g++), python3, and Node headers ' +
    '(Debian: the nodejs package installs /usr/include/node; else set npm_config_nodedir).');
}
const out = path.join(root, 'host', 'build', 'Release', 'vppnet_host.node');
if (!fs.existsSync(out)) fail(`node-gyp succeeded but ${path.relative(root, out)} is missing`);
process.stdout.write(`build-addon: built ${path.relative(root, out)}\n`);
