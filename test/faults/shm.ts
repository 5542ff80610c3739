/**
 * Test-only access to a live attachment's shared memory, to play a lying VPP:
 * fifo headers of a session (vn_session_fifo), chunks, and the app mq (found
 * by its layout in the first app segment). Never part of the public API.
 */
import { loadHost } from '../../glue/host';
import type { Stack } from '../../glue/vpp/stack';

interface Seg { base: number; size: number; handle: string }

export class Shm {
  constructor(readonly stack: Stack) {}

  private get segs(): Map<number, Seg> { return (this.stack as unknown as { segments: { slots: Map<number, Seg> } }).segments.slots; }
  /** A DataView over [addr, addr+len) of the core's address space (fetched fresh: WASM memory may grow). */
  dv(addr: number, len: number): DataView {
    const u8 = this.stack.engine.view(addr, len);
    return new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  }
  /** The segment holding addr, with its fsh address. */
  segOf(addr: number): Seg & { fsh: number } {
    for (const s of this.segs.values()) {
      if (addr >= s.base && addr < s.base + s.size) {
        return { ...s, fsh: s.base + Number(this.dv(s.base + 56, 8).getBigUint64(0, true)) };
      }
    }
    throw new Error(`address 0x${addr.toString(16)} is in no mapped segment`);
  }
  /** svm_fifo_shared_t of a session: 0 rx, 1 tx. */
  fifo(sid: number, which: 0 | 1): { addr: number; fsh: number; segEnd: number } {
    const addr = this.stack.engine.core.session_fifo(sid, which);
    if (!addr) throw new Error(`session ${sid} has no fifo ${which}`);
    const s = this.segOf(addr);
    return { addr, fsh: s.fsh, segEnd: s.base + s.size };
  }

  /** The app mq (VPP -> us): n_rings 2, elsize 8, ring 0 of 18-byte and ring 1 of 256-byte elements. */
  appMq(): AppMq {
    const want = this.stack.opts.evtQueueSize;
    for (const s of this.segs.values()) {
      const fsh = s.base + Number(this.dv(s.base + 56, 8).getBigUint64(0, true));
      const span = Math.min(s.size - (fsh - s.base), 8 << 20);
      const dv = this.dv(fsh, span);
      for (let q = 0; q + 160 < span; q += 8) {
        if (dv.getUint32(q, true) !== 2 || dv.getUint32(q + 108, true) !== want || dv.getUint32(q + 112, true) !== 8) continue;
        const r0 = q + 120 + 8 * want;
        if (r0 + 20 > span || dv.getUint32(r0 + 4, true) !== want || dv.getUint32(r0 + 16, true) !== 18) continue;
        const r1 = r0 + 20 + want * 18;
        if (r1 + 20 > span || dv.getUint32(r1 + 4, true) !== Math.max(16, want / 16) || dv.getUint32(r1 + 16, true) !== 256) continue;
        return new AppMq(this, fsh + q);
      }
    }
    throw new Error('app mq not found in the app segments');
  }

  /** Wake the stack as VPP does after posting to an empty app mq. */
  wake() {
    const fd = (this.stack as unknown as { fds: { mqEventFd: number } }).fds.mqEventFd;
    loadHost().eventfdWrite(fd);
  }
}

export class AppMq {
  readonly maxsize: number;
  readonly rings: { at: number; nitems: number; elsize: number }[] = [];
  constructor(private readonly shm: Shm, readonly addr: number) {
    const h = shm.dv(addr, 120);
    this.maxsize = h.getUint32(108, true);
    let at = addr + 120 + 8 * this.maxsize;
    for (let r = 0; r < 2; r++) {
      const rh = shm.dv(at, 20);
      const ring = { at, nitems: rh.getUint32(4, true), elsize: rh.getUint32(16, true) };
      this.rings.push(ring);
      at += 20 + ring.nitems * ring.elsize;
    }
  }
  header(): DataView { return this.shm.dv(this.addr, 120); }
  /** Post one element on ring r as VPP's producer does (docs/protocol.md §5.2); `fill` writes the element. */
  post(r: 0 | 1, fill: (el: DataView) => void, slot?: { ring: number; elt: number }) {
    const q = this.header();
    const ring = this.rings[r];
    const rh = this.shm.dv(ring.at, 20);
    if (q.getUint32(104, true) >= this.maxsize || rh.getUint32(0, true) >= ring.nitems) throw new Error('app mq full');
    const e = rh.getUint32(12, true);
    rh.setUint32(12, (e + 1) % ring.nitems, true);
    rh.setUint32(0, rh.getUint32(0, true) + 1, true);
    const el = this.shm.dv(ring.at + 20 + e * ring.elsize, ring.elsize);
    for (let i = 0; i < ring.elsize; i++) el.setUint8(i, 0);
    fill(el);
    const tail = q.getUint32(100, true);
    const s = this.shm.dv(this.addr + 120 + 8 * tail, 8);
    s.setUint32(0, slot?.ring ?? r, true);
    s.setUint32(4, slot?.elt ?? e, true);
    q.setUint32(100, (tail + 1) % this.maxsize, true);
    q.setUint32(104, q.getUint32(104, true) + 1, true);
  }
}
