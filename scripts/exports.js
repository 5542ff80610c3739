#!/usr/bin/env node
// Lists the core's exported functions from its one header (wasm/include/vppnet_core.h),
// so the WASM export list, the addon's wrappers and glue/engine/types.ts are all checked
// against a single source. Prints the emcc EXPORTED_FUNCTIONS JSON; with --names, one name a line.
'use strict';
const fs = require('fs');
const path = require('path');

function coreFunctions(header = path.join(__dirname, '..', 'wasm', 'include', 'vppnet_core.h')) {
  const text = fs.readFileSync(header, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const names = [];
  for (const m of text.matchAll(/^[\w\s\*]*?\b(vn_\w+)\s*\(/gm)) names.push(m[1]);
  return [...new Set(names)];
}

module.exports = { coreFunctions };

if (require.main === module) {
  const names = coreFunctions();
  if (process.argv.includes('--names')) console.log(names.join('\n'));
  else console.log(JSON.stringify(names.map((n) => '_' + n)));
}
