#!/usr/bin/env node
// npm install of the package: use the prebuilt addon when it loads here, else
// build it from the shipped sources with npm's own node-gyp; if neither works,
// say so and succeed anyway — the kernel transport needs no addon, and
// `mode: 'vpp'` then fails with ERR_VPPNET_UNAVAILABLE naming the reason.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { prebuildDir } = require('./platform.js');

const root = path.join(__dirname, '..');
const built = path.join(root, 'host', 'build', 'Release', 'vppnet_host.node');
const prebuilt = path.join(root, prebuildDir(), 'vppnet_host.node');
const loads = (p) => { try { require(p); return true; } catch { return false; } };

if (fs.existsSync(path.join(root, '.git'))) process.exit(0);          // a source checkout: make builds it
if (fs.existsSync(built) && loads(built)) process.exit(0);
if (fs.existsSync(prebuilt) && loads(prebuilt)) process.exit(0);
const gyp = process.env.npm_config_node_gyp;                          // npm's own node-gyp, during npm install
const why = fs.existsSync(prebuilt) ? `${path.relative(root, prebuilt)} does not load here` : `no prebuilt addon for ${prebuildDir()}`;
if (gyp && fs.existsSync(path.join(root, 'host', 'binding.gyp'))) {
  process.stdout.write(`vppnet: ${why}; building it from source\n`);
  const r = spawnSync(process.execPath, [gyp, 'rebuild', '--directory', 'host'], { cwd: root, stdio: 'inherit' });
  if (r.status === 0 && loads(built)) process.exit(0);
}
process.stderr.write(`vppnet: ${why} and it could not be built (needs make, g++, python3): ` +
  'the kernel transport works; the VPP transport will report ERR_VPPNET_UNAVAILABLE\n');
