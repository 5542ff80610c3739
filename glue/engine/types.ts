/**
 * The Engine: one session-layer core (wasm/include/vppnet_core.h) behind one
 * interface, compiled either to WebAssembly or natively into the addon.
 * Nothing above this file knows which one runs.
 */

/** The core's exported functions, minus the `vn_` prefix and the core pointer. Mirrors vppnet_core.h (checked by test/core/abi.test.ts). */
export interface CoreApi {
  attach_encode(pid: number, seq: number, flags: number, evtQueueSize: number, segmentSize: number,
    addSegmentSize: number, rxFifoSize: number, txFifoSize: number): number;
  attach_decode(len: number, nFds: number): number;
  attach_info(what: number): number;
  segment_add(kind: number, handleLo: number, handleHi: number, base: number, size: number): number;
  segment_del(slot: number): number;
  segment_base(slot: number): number;
  attach_finish(): number;
  poll(): number;
  signals(): number;
  listen(isIp4: number, port: number): number;
  unlisten(sid: number): number;
  connect(isIp4: number, port: number): number;
  shutdown(sid: number): number;
  close(sid: number): number;
  abort(sid: number): number;
  session_addr(sid: number, which: number): number;
  session_flags(sid: number): number;
  session_poll(sid: number, on: number): number;
  session_fifo(sid: number, which: number): number;
  tx_reserve(sid: number, len: number): number;
  tx_commit(sid: number, n: number): number;
  rx_peek(sid: number, len: number): number;
  rx_release(sid: number, n: number): number;
}

export type EngineKind = 'wasm' | 'native';

export interface Engine {
  readonly kind: EngineKind;
  /** Core functions bound to this engine's core instance. */
  readonly core: CoreApi;
  /** VN_SCRATCH_SIZE bytes of core memory (socket messages, addresses). Re-fetch after anything that may grow memory. */
  scratch(): Uint8Array;
  /** The event ring: event_cap * VN_EVENT_WORDS u32. Re-fetch after anything that may grow memory. */
  events(): Uint32Array;
  /** A view of `len` bytes at `ptr` in the core's address space (tests, hostile-memory hooks). */
  view(ptr: number, len: number): Uint8Array;
  /** Page-aligned region of core memory (fixtures; WASM maps segments over these). */
  allocRegion(size: number): number;
  freeRegion(ptr: number): void;
  /** Map a memfd of `size` bytes into the core's address space; returns its base. Closes nothing. */
  mapSegment(fd: number, size: number): number;
  /** Undo mapSegment (WASM: zero pages back over the region, then free it). */
  unmapSegment(base: number, size: number): void;
  /** Copy up to data.length bytes into the session's tx fifo and publish them; returns bytes taken (0 = full, wait for VN_EV_TX). Negative = -errno. */
  send(sid: number, data: Uint8Array): number;
  /** Take up to `max` readable bytes out of the rx fifo into a new Buffer; null when none. Throws nothing: a negative count comes back as a number. */
  recv(sid: number, max: number): Buffer | number | null;
  /** Take up to buf.length readable bytes out of the rx fifo into `buf` (no allocation: node's `onread`); returns bytes, 0 when none, negative = -errno. */
  recvInto(sid: number, buf: Uint8Array): number;
  /** Free the core. */
  dispose(): void;
}

export interface EngineOptions {
  /** The session table starts small and doubles up to this (TCP sessions an app closed stay until VPP's TIME_WAIT ends: 10 s). */
  maxSessions?: number;
  /** Events one poll may report. */
  eventCap?: number;
}
export const ENGINE_DEFAULTS: Required<EngineOptions> = { maxSessions: 1 << 18, eventCap: 256 };
