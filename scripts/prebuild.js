#!/usr/bin/env node
// The release step (`npm pack` / `npm publish` run it as prepack): everything
// an install needs without a compiler goes into the package — the WASM core,
// dist/, and the native addon as prebuilds/<platform>-<arch>-<libc>/vppnet_host.node
// (node-addon-api is N-API: one binary serves every Node version >= 20).
// Release: `make build && npm pack`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { prebuildDir } = require('./platform.js');

const root = path.join(__dirname, '..');
// built by `make build` (the release is `make build && npm pack`); not rebuilt
// here, so that packing never installs or compiles anything behind your back
const need = ['wasm/build/vppnet_core.wasm', 'host/build/Release/vppnet_host.node', 'dist/cjs/index.js', 'dist/esm/index.mjs'];
const missing = need.filter((f) => !fs.existsSync(path.join(root, f)));
if (missing.length) {
  process.stderr.write(`prebuild: ${missing.join(', ')} missing: run "make build" first\n`);
  process.exit(1);
}
const dir = path.join(root, prebuildDir());
fs.mkdirSync(dir, { recursive: true });
fs.copyFileSync(path.join(root, 'host', 'build', 'Release', 'vppnet_host.node'), path.join(dir, 'vppnet_host.node'));
process.stdout.write(`prebuild: ${path.relative(root, dir)}/vppnet_host.node\n`);
