/**
 * The segments VPP hands this app (memfds: the VPP mq segment, the app's own
 * fifo segment, one per cut-through peer), mapped into the engine's memory
 * and registered with the core by slot. An app that is both ends of
 * cut-through sessions (it connects to its own listener) gets each such
 * segment twice, under two handles: one file, mapped once, two slots.
 */
import { debuglog } from 'util';
import type { Engine } from '../engine/types';
import { VN } from '../engine/abi';
import type { Host, SapiDatagram } from '../host';
import { protocolError } from '../errors';

const debug = debuglog('vppnet');

export interface Segment { base: number; size: number; handle: string; file: string }

export class SegmentTable {
  /** slot -> mapping. */
  readonly slots = new Map<number, Segment>();
  /** file identity -> its one mapping and how many slots use it. */
  private readonly files = new Map<string, { base: number; size: number; slots: number }>();

  /** Segment fds that arrived while the app socket was read for another reply (certs.ts). */
  private readonly early: SapiDatagram[] = [];

  constructor(private readonly host: Host, private readonly engine: Engine) {}

  /** A SEND_FDS datagram read ahead of its ADD_SEGMENT event: add() takes it from here. */
  arrived(d: SapiDatagram) { this.early.push(d); }

  get count() { return this.slots.size; }

  /** Map a memfd VPP gave us and register it with the core; the fd is closed either way. */
  map(fd: number, kind: number, lo: number, hi: number) {
    const { host, engine } = this;
    let file = '';
    try {
      file = host.fdIdentity(fd);
      let m = this.files.get(file);
      if (!m) {
        const size = host.fdSize(fd);
        m = { base: engine.mapSegment(fd, size), size, slots: 0 };
        this.files.set(file, m);
      }
      m.slots++;
      const slot = engine.core.segment_add(kind, lo, hi, m.base, m.size);
      if (slot === VN.ENOMEM) throw new Error(`no free segment slot for VPP segment ${handleStr(lo, hi)} (the core holds ${VN.MAX_SEGMENTS})`);
      if (slot < 0) throw protocolError(slot, `VPP segment ${handleStr(lo, hi)} is malformed`);
      this.slots.set(slot, { base: m.base, size: m.size, handle: kind === VN.SEG_APP ? handleStr(lo, hi) : '', file });
      file = '';
    } finally {
      if (file) this.unmap(file);
      host.closeFd(fd);
    }
  }

  /** One slot less uses the file: unmap it with the last. */
  private unmap(file: string) {
    const m = this.files.get(file);
    if (!m || --m.slots > 0) return;
    this.files.delete(file);
    this.engine.unmapSegment(m.base, m.size);
  }

  /** VPP announced a segment (ADD_SEGMENT): its fd waits on the app socket. */
  add(sapiFd: number, timeoutMs: number, lo: number, hi: number, fdFlags: number) {
    if (!fdFlags) throw new Error('vppnet: VPP announced a segment without a file descriptor');
    // VPP sent the fd on the app socket before it queued this event
    const { msg, fds } = this.early.shift() ?? this.host.sapiRecv(sapiFd, timeoutMs);
    if (msg[0] !== VN.SAPI_SEND_FDS || fds.length !== 1) {
      for (const fd of fds) this.host.closeFd(fd);
      throw new Error(`vppnet: expected one segment fd from VPP, got message type ${msg[0]} with ${fds.length} fds`);
    }
    // VPP reuses the handle of a segment it freed without telling us (the
    // cut-through segment of a closed listener): that old mapping is stale
    const handle = handleStr(lo, hi);
    for (const [slot, seg] of this.slots) {
      if (seg.handle !== handle) continue;
      const rv = this.engine.core.segment_del(slot);
      if (rv < 0) throw protocolError(rv, `VPP reused segment handle ${handle} while sessions still use it`);
      this.slots.delete(slot);
      this.unmap(seg.file);
      debug('segment %s was stale: unmapped', handle);
    }
    try {
      this.map(fds[0], VN.SEG_APP, lo, hi);
    } catch (e) {
      // out of room (segment slots, or a WASM memory's 4 GiB): only the
      // sessions VPP puts in this segment fail (the core refuses or poisons
      // them); the rest of the app goes on
      if ((e as NodeJS.ErrnoException).errno !== VN.ENOMEM && !/memory|ENOMEM|segment slot/i.test((e as Error).message)) throw e;
      debug('segment %s could not be mapped (%s): its sessions will fail', handle, (e as Error).message);
      this.engine.core.segment_refused(lo, hi);   // they fail with ENOBUFS, not as VPP's fault
      return;
    }
    debug('mapped segment %s', handle);
  }

  /** VPP deleted a segment (the core already forgot the slot): unmap it. */
  del(slot: number) {
    const seg = this.slots.get(slot);
    debug('VPP deleted segment in slot %d', slot);
    if (!seg) return;
    this.slots.delete(slot);
    this.unmap(seg.file);
  }

  /** Forget and unmap all of them (detach). */
  release() {
    for (const d of this.early.splice(0)) for (const fd of d.fds) this.host.closeFd(fd);
    for (const slot of this.slots.keys()) this.engine.core.segment_del(slot);
    for (const m of this.files.values()) this.engine.unmapSegment(m.base, m.size);
    this.slots.clear();
    this.files.clear();
  }
}

function handleStr(lo: number, hi: number): string {
  return '0x' + ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString(16);
}
