#!/usr/bin/env node
// Run a TypeScript file without ts-node: transpile on require with the installed compiler.
// Usage: node bench/ts-run.js bench/core-fifo.ts [args]
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');
require.extensions['.ts'] = (module, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: filename,
  });
  module._compile(out.outputText, filename);
};
const file = path.resolve(process.argv[2]);
process.argv.splice(1, 2, file);
require(file);
