/**
 * The core's boundary cannot drift: every vn_* function declared in
 * vppnet_core.h is exported by the WASM module and reachable from TypeScript
 * (CoreApi in glue/engine/types.ts, with the same arity minus the core
 * pointer; the lifetime/buffer functions through the WASM engine).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './fixtures';

interface CDecl { name: string; params: string[] }

export function headerFunctions(): CDecl[] {
  const src = fs.readFileSync(path.join(ROOT, 'wasm/include/vppnet_core.h'), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/gm, ' ').replace(/#.*$/gm, ' ').replace(/\s+/g, ' ');
  const out: CDecl[] = [];
  const re = /([A-Za-z_][\w\s]*?[\s*])(vn_\w+)\s*\(([^)]*)\)\s*;/g;
  for (let m; (m = re.exec(src));) {
    const params = m[3].trim() === 'void' || m[3].trim() === '' ? [] : m[3].split(',').map((s) => s.trim());
    out.push({ name: m[2], params });
  }
  return out;
}

function coreApiMethods(): Map<string, number> {
  const src = fs.readFileSync(path.join(ROOT, 'glue/engine/types.ts'), 'utf8');
  const body = /export interface CoreApi\s*\{([\s\S]*?)\n\}/.exec(src);
  if (!body) throw new Error('CoreApi not found in glue/engine/types.ts');
  const out = new Map<string, number>();
  const re = /(\w+)\s*\(([^)]*)\)\s*:\s*number\s*;/g;
  for (let m; (m = re.exec(body[1]));) out.set(m[1], m[2].trim() ? m[2].split(',').length : 0);
  return out;
}

/** Functions that are not per-call core operations: the engine owns them. */
const ENGINE_LEVEL = ['vn_core_new', 'vn_core_free', 'vn_scratch', 'vn_events', 'vn_iov', 'vn_region_alloc', 'vn_region_free'];

describe('core ABI: header ⇄ WASM exports ⇄ TypeScript', () => {
  const decls = headerFunctions();

  test('the header parses into the expected number of vn_* functions', () => {
    expect(decls.length).toBeGreaterThanOrEqual(28);
    expect(decls.map((d) => d.name)).toContain('vn_poll');
    expect(new Set(decls.map((d) => d.name)).size).toBe(decls.length);
  });

  test('every core operation is in CoreApi with the same arity (minus the core pointer), and nothing extra', () => {
    const api = coreApiMethods();
    const expected = decls.filter((d) => !ENGINE_LEVEL.includes(d.name));
    const problems: string[] = [];
    for (const d of expected) {
      const key = d.name.slice(3);
      if (!/vn_core_t\s*\*/.test(d.params[0] ?? '')) problems.push(`${d.name}: first parameter is not vn_core_t *`);
      if (!api.has(key)) problems.push(`${d.name}: missing from CoreApi`);
      else if (api.get(key) !== d.params.length - 1) problems.push(`${d.name}: CoreApi.${key} takes ${api.get(key)} args, header ${d.params.length - 1} (+core)`);
    }
    for (const k of api.keys()) if (!expected.some((d) => d.name === `vn_${k}`)) problems.push(`CoreApi.${k}: not declared in vppnet_core.h`);
    expect(problems).toEqual([]);
  });

  const abiTs = path.join(ROOT, 'glue/engine/abi.ts');
  (fs.existsSync(abiTs) ? test : test.skip)('glue/engine/abi.ts binds exactly the CoreApi functions, and its VN_INFO_* codes are the header\'s', () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const abi = require(abiTs);
    expect([...abi.CORE_FUNCTIONS].sort()).toEqual([...coreApiMethods().keys()].sort());
    const hdr = fs.readFileSync(path.join(ROOT, 'wasm/include/vppnet_core.h'), 'utf8');
    const info = new Map([...hdr.matchAll(/#define\s+VN_INFO_(\w+)\s+(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    const notInHeader = Object.entries(abi.VN.INFO as Record<string, number>).filter(([k, v]) => info.get(k) !== v).map(([k, v]) => `VN_INFO_${k}=${v}`);
    expect(notInHeader).toEqual([]);
  });

  const wasmPath = path.join(ROOT, 'wasm/build/vppnet_core.wasm');
  const haveWasm = fs.existsSync(wasmPath);
  if (!haveWasm) process.stderr.write(`[core tests] SKIPPED WASM export checks in abi.test.ts: ${wasmPath} not built (make wasm) — 2 tests not run\n`);
  (haveWasm ? test : test.skip)('every vn_* function is exported by the WASM module as a function', () => {
    const mod = new WebAssembly.Module(fs.readFileSync(wasmPath));
    const exports = new Map(WebAssembly.Module.exports(mod).map((e) => [e.name, e.kind]));
    const missing = decls.filter((d) => exports.get(d.name) !== 'function').map((d) => d.name);
    expect(missing).toEqual([]);
  });
  (haveWasm ? test : test.skip)('the WASM module imports only memory and emscripten growth notifications (no WASI)', () => {
    const mod = new WebAssembly.Module(fs.readFileSync(wasmPath));
    const imports = WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}:${i.kind}`);
    for (const i of imports) expect(i).toMatch(/^env\.(memory:memory|emscripten_notify_memory_growth:function)$/);
  });

  const wasmTs = path.join(ROOT, 'glue/engine/wasm.ts');
  const haveTs = fs.existsSync(wasmTs);
  (haveTs ? test : test.skip)('the WASM engine uses every engine-level function (lifetime, buffers, regions)', () => {
    const src = fs.readFileSync(wasmTs, 'utf8');
    const unused = ENGINE_LEVEL.filter((n) => !src.includes(n));
    expect(unused).toEqual([]);
  });
});
