#!/usr/bin/env node
'use strict';
// The layers of glue/ and the imports between them: the drawing in
// docs/architecture.md is generated from the sources by this script, and
// test/api/layers.test.ts checks that no import runs back up a layer.
//   node scripts/imports.js          print the drawing (markdown + mermaid)
//   node scripts/imports.js --write  rewrite it in docs/architecture.md

const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const GLUE = path.join(ROOT, 'glue');

/** Bottom to top; a module may import its own layer or those below. */
const LAYERS = [
  ['boundary', ['engine/boundary.generated']],
  ['shared', ['errors', 'debug', 'config', 'vpp/addr', 'node-internals', 'activity', 'vpp-conf']],
  ['engine', ['engine/abi', 'engine/types', 'engine/wasm', 'engine/native', 'engine/index', 'host']],
  ['attachment', ['vpp/attach', 'vpp/segments', 'vpp/connects', 'vpp/certs', 'vpp/busy-poll', 'vpp/stack']],
  ['handles', ['vpp/stream-handle', 'vpp/listen-handle', 'vpp/dgram-handle']],
  ['transport', ['vpp/index', 'transport']],
  ['binding', ['bind']],
  ['net API', ['index', 'register', 'cli', 'dgram', 'tls', 'vpp-tls']],
];

function modules(dir = GLUE, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) modules(p, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(path.relative(GLUE, p).replace(/\.ts$/, ''));
  }
  return out.sort();
}

/** { from, to } for every relative import or re-export of a glue module. */
function edges() {
  const all = new Set(modules());
  const out = [];
  for (const m of all) {
    const src = fs.readFileSync(path.join(GLUE, `${m}.ts`), 'utf8');
    for (const [, spec] of src.matchAll(/^(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)) {
      let to = path.normalize(path.join(path.dirname(m), spec));
      if (!all.has(to) && all.has(path.join(to, 'index'))) to = path.join(to, 'index');
      if (all.has(to) && to !== m && !out.some((e) => e.from === m && e.to === to)) out.push({ from: m, to });
    }
  }
  return out;
}

function layerOf(m) {
  const i = LAYERS.findIndex(([, ms]) => ms.includes(m));
  return i;
}

/** Modules in no layer, and imports that run from a lower layer up to a higher one. */
function problems() {
  const unplaced = modules().filter((m) => layerOf(m) < 0);
  const upward = edges().filter((e) => layerOf(e.to) > layerOf(e.from));
  return { unplaced, upward };
}

function drawing() {
  const id = (m) => m.replace(/[^a-z0-9]/gi, '_');
  const lines = ['```mermaid', 'flowchart TB'];
  for (const [name, ms] of [...LAYERS].reverse()) {
    lines.push(`  subgraph ${id(name)}["${name}"]`);
    for (const m of ms) lines.push(`    ${id(m)}["${m}"]`);
    lines.push('  end');
  }
  for (const e of edges()) lines.push(`  ${id(e.from)} --> ${id(e.to)}`);
  lines.push('```');
  const table = ['| layer (top to bottom) | modules (glue/) |', '|---|---|',
    ...[...LAYERS].reverse().map(([name, ms]) => `| ${name} | ${ms.map((m) => `\`${m}.ts\``).join(', ')} |`)];
  return `${table.join('\n')}\n\nEvery arrow is an import; each points down or sideways (test/api/layers.test.ts).\n\n${lines.join('\n')}\n`;
}

const START = '<!-- imports:start -->';
const END = '<!-- imports:end -->';
const DOC = path.join(ROOT, 'docs', 'architecture.md');

function withDrawing(doc) {
  const i = doc.indexOf(START), j = doc.indexOf(END);
  if (i < 0 || j < 0) throw new Error(`${DOC}: missing ${START} / ${END}`);
  return doc.slice(0, i + START.length) + '\n' + drawing() + doc.slice(j);
}

module.exports = { edges, problems, drawing, withDrawing, DOC, LAYERS };

if (require.main === module) {
  if (process.argv.includes('--write')) fs.writeFileSync(DOC, withDrawing(fs.readFileSync(DOC, 'utf8')));
  else process.stdout.write(drawing());
}
