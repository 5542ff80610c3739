#!/usr/bin/env node
// The core's boundary, generated from its one header (wasm/include/vppnet_core.h),
// the way quickjs-emscripten generates its FFI: the header is the only list of
// functions and constants; everything else is written from it.
//
//   node scripts/gen-boundary.js            write the committed files:
//                                             glue/engine/boundary.generated.ts
//                                             host/src/core_functions.generated.h
//   node scripts/gen-boundary.js --check    exit 1 (naming the files) if they are stale
//   node scripts/gen-boundary.js --exports  print emcc's -sEXPORTED_FUNCTIONS JSON
//
// The parser is small and strict: the header may hold only what it knows
// (include guard, #include, #ifdef __cplusplus blocks, `#define VN_* <integer>`,
// typedefs, one-line-typed enums of VN_* = <integer>, and prototypes whose types
// are listed below). Anything else is an error naming the line, so a new kind of
// declaration is taught here instead of being silently skipped.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const HEADER = 'wasm/include/vppnet_core.h';
const TS_OUT = 'glue/engine/boundary.generated.ts';
const H_OUT = 'host/src/core_functions.generated.h';

/** Integer types a core operation may take and return; `u32`: read back unsigned (wasm32 returns i32). */
const NUMERIC = { int32_t: { u32: false }, uint32_t: { u32: true }, uintptr_t: { u32: true } };
/** Every other type a prototype may use (engine-level functions: lifetime, buffers, regions). */
const OTHER_TYPES = new Set(['void', 'vn_core_t *', 'uint8_t *', 'uint32_t *', 'vn_iov_t *']);
/** Constants also grouped under VN.<group> (without the prefix), as the glue reads them. */
const GROUPS = ['INFO', 'EV'];

function fail(file, line, msg) {
  throw new Error(`gen-boundary: ${file}:${line}: ${msg}`);
}

function parseInt_(s) {
  const m = /^\(?\s*(-?)\s*(0x[0-9a-fA-F]+|\d+)u?\s*\)?$/.exec(s.trim());
  return m ? Number(m[1] + '1') * Number(m[2]) : null;
}

const normType = (t) => t.replace(/\s+/g, ' ').replace(/\s*\*\s*/g, ' *').trim();

/** Parse the header into { functions: [{ name, ret, params: [{ type, name }] }], constants: [{ name, value }] }. */
function parseHeader(file = path.join(ROOT, HEADER)) {
  const rel = path.relative(ROOT, file);
  const src = fs.readFileSync(file, 'utf8');
  // Comments out, newlines kept (so line numbers stay right).
  const text = src.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (c) => c.replace(/[^\n]/g, ' '));
  const lines = text.split('\n');
  const constants = [];
  let guard = null;
  let code = '';           // C outside preprocessor lines, each char tagged with its line via lineOf
  const lineOf = [];
  for (let i = 0; i < lines.length; i++) {
    const ln = i + 1;
    const l = lines[i].trim();
    if (l.startsWith('#')) {
      let m;
      if ((m = /^#\s*ifdef\s+__cplusplus$/.exec(l))) {         // extern "C" wrappers: skip to #endif
        while (++i < lines.length && !/^#\s*endif\b/.test(lines[i].trim()));
        if (i === lines.length) fail(rel, ln, 'unterminated #ifdef __cplusplus');
      } else if ((m = /^#\s*ifndef\s+(\w+)$/.exec(l)) && guard === null) guard = m[1];
      else if ((m = /^#\s*define\s+(\w+)$/.exec(l)) && m[1] === guard) { /* include guard */ }
      else if ((m = /^#\s*define\s+(VN_\w+)\s+(.+)$/.exec(l))) {
        const v = parseInt_(m[2]);
        if (v === null) fail(rel, ln, `#define ${m[1]}: value "${m[2]}" is not an integer`);
        constants.push({ name: m[1], value: v, line: ln });
      } else if (/^#\s*include\s*<\w+\.h>$/.test(l) || /^#\s*endif\b/.test(l)) { /* ok */ }
      else fail(rel, ln, `preprocessor line not understood: ${l}`);
      continue;
    }
    code += lines[i] + '\n';
    for (let k = 0; k <= lines[i].length; k++) lineOf.push(ln);
  }

  // Split into top-level statements at ';' (braces nest).
  const functions = [];
  let depth = 0, start = 0;
  for (let k = 0; k < code.length; k++) {
    const ch = code[k];
    if (ch === '{') depth++;
    else if (ch === '}') { if (--depth < 0) fail(rel, lineOf[k], 'unbalanced }'); }
    else if (ch === ';' && depth === 0) {
      const stmt = code.slice(start, k).replace(/\s+/g, ' ').trim();
      const ln = lineOf[start + code.slice(start, k).search(/\S/)];
      statement(stmt, ln);
      start = k + 1;
    }
  }
  if (code.slice(start).trim()) fail(rel, lineOf[start], `trailing text without ';': ${code.slice(start).trim().slice(0, 60)}`);

  function statement(stmt, ln) {
    let m;
    if (/^typedef struct \w+ \{[^{}]*\} \w+$/.test(stmt) || /^typedef struct \w+ \w+$/.test(stmt)) return;
    if ((m = /^enum \w+ \{([^{}]*)\}$/.exec(stmt))) {
      for (const item of m[1].split(',').map((s) => s.trim()).filter(Boolean)) {
        const e = /^(VN_\w+) = (.+)$/.exec(item);
        const v = e && parseInt_(e[2]);
        if (!e || v === null) fail(rel, ln, `enum member not understood: ${item}`);
        constants.push({ name: e[1], value: v, line: ln });
      }
      return;
    }
    if ((m = /^(.*?)\b(vn_\w+) ?\((.*)\)$/.exec(stmt))) {
      const ret = normType(m[1]);
      if (!(ret in NUMERIC) && !OTHER_TYPES.has(ret)) fail(rel, ln, `${m[2]}: return type "${ret}" not understood`);
      const raw = m[3].trim();
      const params = raw === 'void' || raw === '' ? [] : raw.split(',').map((p) => {
        const pm = /^(.*?)(\w+)$/.exec(p.trim());
        const type = pm && normType(pm[1]);
        if (!pm || !type || (!(type in NUMERIC) && !OTHER_TYPES.has(type)) || type === 'void')
          fail(rel, ln, `${m[2]}: parameter "${p.trim()}" not understood (want "<type> <name>")`);
        return { type, name: pm[2] };
      });
      if (functions.some((f) => f.name === m[2])) fail(rel, ln, `${m[2]} declared twice`);
      functions.push({ name: m[2], ret, params, line: ln });
      return;
    }
    fail(rel, ln, `declaration not understood: ${stmt.slice(0, 80)}`);
  }

  const seen = new Set();
  for (const c of constants) {
    if (seen.has(c.name)) fail(rel, c.line, `${c.name} defined twice`);
    seen.add(c.name);
  }
  if (!functions.length) fail(rel, 1, 'no vn_* prototypes found');
  return { functions, constants };
}

/**
 * A core operation takes (vn_core_t *, numbers...) and returns a number; the
 * engines bind each one as CoreApi.<name without vn_>. The rest (lifetime,
 * buffers, regions) are engine-level: each engine calls them itself.
 */
function classify({ functions }) {
  const core = [], engine = [];
  for (const f of functions) {
    const isCore = f.params[0]?.type === 'vn_core_t *' && f.ret in NUMERIC && f.params.slice(1).every((p) => p.type in NUMERIC);
    (isCore ? core : engine).push(f);
  }
  return { core, engine };
}

const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const hex = (c) => /^VN_(APP|FD|SS)_/.test(c.name) ? '0x' + c.value.toString(16) : String(c.value);
const BANNER = `generated by scripts/gen-boundary.js from ${HEADER} — do not edit`;

function renderTs(parsed) {
  const { core, engine } = classify(parsed);
  const o = [];
  o.push(`// ${BANNER}.`);
  o.push('// A leaf module (it imports nothing): the core\'s functions and constants as the glue binds them.');
  o.push('');
  o.push('/** The core\'s operations, minus the `vn_` prefix and the core pointer: every vn_* function that takes (vn_core_t *, numbers...) and returns a number. */');
  o.push('export interface CoreApi {');
  for (const f of core) o.push(`  /** ${f.ret} ${f.name}(${f.params.map((p) => `${p.type.replace(' *', '*')} ${p.name}`).join(', ')}) */`,
    `  ${f.name.slice(3)}(${f.params.slice(1).map((p) => `${camel(p.name)}: number`).join(', ')}): number;`);
  o.push('}');
  o.push('');
  o.push('/** Each CoreApi function: its arity (without the core) and whether its result is unsigned (uint32_t, uintptr_t: read back with >>> 0). */');
  o.push('export const CORE_TABLE: { readonly [K in keyof CoreApi]: { readonly arity: number; readonly u32: boolean } } = {');
  for (const f of core) o.push(`  ${f.name.slice(3)}: { arity: ${f.params.length - 1}, u32: ${NUMERIC[f.ret].u32} },`);
  o.push('};');
  o.push('');
  o.push('/** The CoreApi function names, in header order. */');
  o.push('export const CORE_FUNCTIONS: readonly (keyof CoreApi)[] = [');
  o.push(...wrap(core.map((f) => `'${f.name.slice(3)}'`)));
  o.push('];');
  o.push('');
  o.push('/** Functions returning uint32_t or uintptr_t: read back unsigned. */');
  o.push(`export const U32_RESULTS: ReadonlySet<string> = new Set<keyof CoreApi>([${core.filter((f) => NUMERIC[f.ret].u32).map((f) => `'${f.name.slice(3)}'`).join(', ')}]);`);
  o.push('');
  o.push('/** The other vn_* functions (lifetime, buffers, regions), with their C names: each engine calls them itself. */');
  o.push(`export const ENGINE_FUNCTIONS = [${engine.map((f) => `'${f.name}'`).join(', ')}] as const;`);
  o.push('');
  o.push(`/** Every constant of the header (VN_<X> as VN.<X>), and the ${GROUPS.map((g) => `VN_${g}_*`).join(' and ')} ones also grouped (VN.${GROUPS[0]}.<X>). */`);
  o.push('export const VN = {');
  for (const c of parsed.constants) o.push(`  ${c.name.slice(3)}: ${hex(c)},`);
  for (const g of GROUPS) {
    const members = parsed.constants.filter((c) => c.name.startsWith(`VN_${g}_`));
    o.push(`  ${g}: {`);
    for (const c of members) o.push(`    ${c.name.slice(4 + g.length)}: ${hex(c)},`);
    o.push('  },');
  }
  o.push('} as const;');
  o.push('');
  o.push('/** The event types of vn_events() (enum vn_event_type), inlined by tsc. */');
  o.push('export const enum Ev {');
  for (const c of parsed.constants.filter((x) => x.name.startsWith('VN_EV_'))) o.push(`  ${c.name.slice(6)} = ${c.value},`);
  o.push('}');
  o.push('');
  return o.join('\n');
}

function wrap(items, indent = '  ', width = 110) {
  const out = [];
  let line = '';
  for (const it of items) {
    if (line && (indent + line + ' ' + it + ',').length > width) { out.push(indent + line.trimEnd()); line = ''; }
    line += it + ', ';
  }
  if (line) out.push(indent + line.trimEnd());
  return out;
}

function renderH(parsed) {
  const { core } = classify(parsed);
  const entries = core.map((f) => `  X(${f.name.slice(3)}, ${f.params.length - 1})`);
  const col = Math.max('#define VN_CORE_FUNCTIONS(X)'.length, ...entries.map((e) => e.length)) + 1;
  const pad = (s) => s + ' '.repeat(col - s.length) + '\\';
  return [
    `// ${BANNER}.`,
    '// The core\'s functions that take (vn_core_t *, numbers...) and return a number:',
    '// name (without "vn_") and arity (without the core). core.cc wraps each one and',
    '// checks its arity against the C prototype at compile time.',
    '#ifndef VPPNET_HOST_CORE_FUNCTIONS_GENERATED_H',
    '#define VPPNET_HOST_CORE_FUNCTIONS_GENERATED_H',
    '',
    pad('#define VN_CORE_FUNCTIONS(X)'),
    ...entries.map((e, i) => (i === entries.length - 1 ? e : pad(e))),
    '',
    '#endif',
    '',
  ].join('\n');
}

/** emcc's -sEXPORTED_FUNCTIONS: every vn_* function, with the C symbol's leading underscore. */
function renderExports(parsed) {
  return JSON.stringify(parsed.functions.map((f) => '_' + f.name)) + '\n';
}

/** { path relative to the repo: contents } of the committed generated files. */
function generate(header) {
  const parsed = parseHeader(header);
  return { [TS_OUT]: renderTs(parsed), [H_OUT]: renderH(parsed) };
}

module.exports = { parseHeader, classify, generate, renderExports, HEADER, TS_OUT, H_OUT };

if (require.main === module) {
  try {
    const args = process.argv.slice(2);
    if (args.includes('--exports')) process.stdout.write(renderExports(parseHeader()));
    else if (args.includes('--check')) {
      const stale = Object.entries(generate()).filter(([f, s]) => !fs.existsSync(path.join(ROOT, f)) || fs.readFileSync(path.join(ROOT, f), 'utf8') !== s).map(([f]) => f);
      if (stale.length) { console.error(`gen-boundary: stale (run node scripts/gen-boundary.js): ${stale.join(', ')}`); process.exit(1); }
    } else if (args.length) { console.error('usage: gen-boundary.js [--check | --exports]'); process.exit(2); }
    else for (const [f, s] of Object.entries(generate())) fs.writeFileSync(path.join(ROOT, f), s);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
