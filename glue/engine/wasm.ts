/**
 * The WASM engine: the core compiled by emscripten into a standalone module
 * whose (non-shared) linear memory we create and import. Segments are mapped
 * by the addon over page-aligned regions the module reserved, so the core
 * reads fifos in place and JS copies a Buffer into fifo memory with one set().
 */
import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from '../host';
import { ENGINE_DEFAULTS, type CoreApi, type Engine, type EngineOptions } from './types';
import { CORE_FUNCTIONS, U32_RESULTS } from './abi';

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit: pointers are read back unsigned (>>> 0)
const IOV_WORDS = 2; // wasm32 vn_iov_t = { u32 base, u32 len }

let compiled: WebAssembly.Module | undefined;

export function wasmPath(): string {
  return path.join(packageRoot(), 'wasm', 'build', 'vppnet_core.wasm');
}

function module(): WebAssembly.Module {
  if (compiled) return compiled;
  const file = wasmPath();
  if (!fs.existsSync(file)) {
    const err = new Error(`vppnet: WASM core not built: ${file} is missing (run "make wasm")`);
    (err as NodeJS.ErrnoException).code = 'ERR_VPPNET_NO_WASM';
    throw err;
  }
  return (compiled = new WebAssembly.Module(fs.readFileSync(file)));
}

type Exports = Record<string, (...args: number[]) => number> & { _initialize(): void };

export interface WasmHooks {
  /** Backing-store address of the memory (addon), for mapping segments into it. */
  wasmBase?(u8: Uint8Array): number;
  mapFixed?(addr: number, size: number, fd: number): void;
  unmapFixed?(addr: number, size: number): void;
}

export function createWasmEngine(opts: EngineOptions = {}, host: WasmHooks = {}): Engine {
  const memory = new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES });
  let u8 = new Uint8Array(memory.buffer);
  let u32 = new Uint32Array(memory.buffer);
  const refresh = () => {
    u8 = new Uint8Array(memory.buffer);
    u32 = new Uint32Array(memory.buffer);
  };
  const instance = new WebAssembly.Instance(module(), {
    env: { memory, emscripten_notify_memory_growth: refresh },
  });
  const ex = instance.exports as unknown as Exports;
  ex._initialize();
  const eventCap = opts.eventCap ?? ENGINE_DEFAULTS.eventCap;
  const corePtr = ex.vn_core_new(opts.maxSessions ?? ENGINE_DEFAULTS.maxSessions, eventCap);
  if (!corePtr) throw new Error('vppnet: the WASM core could not allocate its state');
  const scratchPtr = ex.vn_scratch(corePtr);
  const eventsPtr = ex.vn_events(corePtr);
  const iovPtr = ex.vn_iov(corePtr) >>> 2;
  const { vn_tx_reserve, vn_tx_commit, vn_rx_peek, vn_rx_release, vn_dgram_peek, vn_dgram_release, vn_dgram_reserve, vn_dgram_commit } = ex;

  const core = {} as Record<string, (...a: number[]) => number>;
  for (const name of CORE_FUNCTIONS) {
    const fn = ex['vn_' + name];
    core[name] = U32_RESULTS.has(name) ? (...a) => fn(corePtr, ...a) >>> 0 : (...a) => fn(corePtr, ...a);
  }

  let base = -1;
  const memBase = () => {
    if (base < 0) {
      if (!host.wasmBase) throw new Error('vppnet: the WASM engine needs the addon to map segments');
      base = host.wasmBase(u8);
    }
    return base;
  };
  const round = (n: number) => Math.ceil(n / 4096) * 4096;
  /** Copy the `n` bytes the core's iov describes into `dst`. */
  const copyOut = (dst: Uint8Array, n: number) => {
    if (u8.byteLength === 0) refresh();
    for (let i = iovPtr, off = 0; off < n; i += IOV_WORDS) {
      const p = u32[i], len = u32[i + 1];
      dst.set(u8.subarray(p, p + len), off);
      off += len;
    }
  };
  /** Copy `data` into the regions the core's iov describes. */
  const copyIn = (data: Uint8Array, n: number) => {
    if (u8.byteLength === 0) refresh();
    for (let i = iovPtr, off = 0; off < n; i += IOV_WORDS) {
      const len = u32[i + 1];
      u8.set(off === 0 && len === data.length ? data : data.subarray(off, off + len), u32[i]);
      off += len;
    }
  };
  /** Copy the `n` bytes vn_rx_peek described (its iov) into `dst`, then release them from the fifo. */
  const takePeeked = (sid: number, dst: Uint8Array, n: number): number => {
    copyOut(dst, n);
    const rv = vn_rx_release(corePtr, sid, n);
    return rv < 0 ? rv : n;
  };

  return {
    kind: 'wasm',
    core: core as unknown as CoreApi,
    scratch: () => {
      if (u8.byteLength === 0) refresh();
      return u8.subarray(scratchPtr, scratchPtr + 512);
    },
    events: () => new Uint32Array(memory.buffer, eventsPtr, eventCap * 8),
    view: (ptr, len) => new Uint8Array(memory.buffer, ptr, len),
    allocRegion(size) {
      const ptr = ex.vn_region_alloc(size) >>> 0;
      if (!ptr) throw new Error(`vppnet: cannot reserve ${size} bytes of WASM memory (maximum ${MAX_PAGES * PAGE})`);
      if (u8.byteLength === 0 || u8.buffer !== memory.buffer) refresh();
      return ptr;
    },
    freeRegion: (ptr) => ex.vn_region_free(ptr),
    mapSegment(fd, size) {
      const ptr = this.allocRegion(round(size));
      try {
        // the mappings live at fixed addresses: a memory V8 had to move on
        // growth (no room to reserve its maximum) would lose them
        if (base >= 0 && host.wasmBase!(u8) !== base) throw new Error('vppnet: the WASM memory moved when it grew; segments cannot be mapped into it');
        host.mapFixed!(memBase() + ptr, round(size), fd);
      } catch (e) {
        ex.vn_region_free(ptr);
        throw e;
      }
      return ptr;
    },
    unmapSegment(ptr, size) {
      host.unmapFixed!(memBase() + ptr, round(size));
      ex.vn_region_free(ptr);
    },
    send(sid, data) {
      const n = vn_tx_reserve(corePtr, sid, data.length);
      if (n <= 0) return n;
      copyIn(data, n);
      const rv = vn_tx_commit(corePtr, sid, n);
      return rv < 0 ? rv : n;
    },
    recv(sid, max) {
      const n = vn_rx_peek(corePtr, sid, max);
      if (n <= 0) return n === 0 ? null : n;
      const buf = Buffer.allocUnsafe(n);
      const rv = takePeeked(sid, buf, n);
      return rv < 0 ? rv : buf;
    },
    dgramRecv(sid, max) {
      const n = vn_dgram_peek(corePtr, sid, max);
      if (n < 0) return n;
      const buf = Buffer.allocUnsafe(n);
      copyOut(buf, n);
      const rv = vn_dgram_release(corePtr, sid);
      return rv < 0 ? rv : buf;
    },
    dgramSend(sid, data, isIp4, port) {
      const n = vn_dgram_reserve(corePtr, sid, data.length, isIp4, port);
      if (n <= 0) return n;
      copyIn(data, n);
      const rv = vn_dgram_commit(corePtr, sid);
      return rv < 0 ? rv : n;
    },
    recvInto(sid, buf) {
      const n = vn_rx_peek(corePtr, sid, buf.length);
      return n <= 0 ? n : takePeeked(sid, buf, n);
    },
    dispose() {
      ex.vn_core_free(corePtr);
    },
  };
}
