/**
 * The Engine: one session-layer core (wasm/include/vppnet_core.h) behind one
 * interface, compiled either to WebAssembly or natively into the addon.
 * Nothing above this file knows which one runs.
 */

import type { CoreApi } from './boundary.generated';

/** The core's operations (minus `vn_` and the core pointer), generated from vppnet_core.h. */
export type { CoreApi };

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
  /**
   * The next datagram of a UDP session (vn_udp_bind): its payload, up to
   * `max` bytes (a longer one is cut there), in a new Buffer; the sender,
   * its destination and its whole length are left in scratch (VN_ADDR_*,
   * VN_DGRAM_*). A negative number when none waits (VN_EAGAIN) or on error.
   */
  dgramRecv(sid: number, max: number): Buffer | number;
  /** One datagram to the address in scratch[0..16] and `port`, from scratch VN_DGRAM_LCL_IP: its length, 0 = no room now (wait for VN_EV_TX), or negative. */
  dgramSend(sid: number, data: Uint8Array, isIp4: number, port: number): number;
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
