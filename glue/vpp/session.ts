/**
 * Session and Listener: one VPP session, or one listener, as a socket or a
 * server sees it — a sid on one stack's core. Every data call is one trip
 * down (Socket -> Session -> engine -> fifo) and signals VPP on the way back
 * when the core queued something for it; nothing above this file touches the
 * core, its scratch buffer or its numbers.
 */
import type { Stack } from './stack';
import { VN } from '../engine/abi';
import { ipToBytes, bytesToIp } from './addr';

export interface Endpoint { address: string; port: number; family: 'IPv4' | 'IPv6' }

/** A read's result besides a byte count or a Buffer: the peer ended its side and everything was read. */
export const END = -1;   // not a VN_E* value: those are the Linux errnos of vppnet_core.h

export class Session {
  constructor(readonly stack: Stack, readonly sid: number) {}

  /** Ask VPP to connect; a Session, or a negative core error (VN_EAGAIN: queue full, try again). */
  static connect(stack: Stack, address: string, family: number, port: number): Session | number {
    const { engine } = stack;
    engine.scratch().set(ipToBytes(address, family));
    const sid = engine.core.connect(family === 4 ? 1 : 0, port);
    if (sid < 0) return sid;
    stack.kick();
    return new Session(stack, sid);
  }

  /** Copy `data` into the tx fifo: bytes taken (0: full, VN_EV_TX resumes), or a negative core error. */
  send(data: Uint8Array): number {
    const n = this.stack.engine.send(this.sid, data);
    if (n > 0) this.stack.signalNow();   // the reader learns now, not after the fifo filled
    else if (n === 0 || n === VN.ENOMEM) this.stack.kick();
    return n;
  }

  /** Up to `max` bytes as a new Buffer, 0 when there is nothing yet, END at the end of the stream, or a negative core error. */
  recv(max: number): Buffer | number {
    const r = this.stack.engine.recv(this.sid, max);
    if (r === null) return this.ended() ? END : 0;
    if (typeof r !== 'number') this.stack.signalNow();   // a dequeue notification reaches the writer now
    return r;
  }

  /** Up to buf.length bytes into `buf` (node's onread): a count, 0, END, or a negative core error. */
  recvInto(buf: Uint8Array): number {
    const n = this.stack.engine.recvInto(this.sid, buf);
    if (n === 0) return this.ended() ? END : 0;
    if (n > 0) this.stack.signalNow();
    return n;
  }

  /** The peer ended: DISCONNECTED, or (cut-through) its shutdown mark seen by an empty read. */
  private ended() { return (this.stack.engine.core.session_flags(this.sid) & VN.SS_PEER_CLOSED) !== 0; }

  get cutThrough() { return (this.stack.engine.core.session_flags(this.sid) & VN.SS_CUT_THROUGH) !== 0; }

  /** Half-close: FIN once the tx fifo drained (the end mark on cut-through). */
  shutdown() { this.stack.engine.core.shutdown(this.sid); this.stack.kick(); }
  /** Done with the session: DISCONNECT (or the reply VPP waits for). */
  close() { this.stack.engine.core.close(this.sid); this.stack.kick(); }
  /** RST. */
  abort() { this.stack.engine.core.abort(this.sid); this.stack.kick(); }
  /** Busy polling: the host checks the fifos itself, the core arms no events (vn_session_poll). */
  poll(on: boolean) { this.stack.engine.core.session_poll(this.sid, on ? 1 : 0); }

  local(): Endpoint { return addr(this.stack, this.sid, 0); }
  remote(): Endpoint { return addr(this.stack, this.sid, 1); }
}

export class Listener {
  constructor(readonly stack: Stack, readonly sid: number) {}

  /** Ask VPP to listen: a Listener (BOUND answers), or a negative core error (VN_EAGAIN: try again). */
  static listen(stack: Stack, address: string, family: number, port: number): Listener | number {
    const { engine } = stack;
    engine.scratch().set(ipToBytes(address, family));
    const sid = engine.core.listen(family === 4 ? 1 : 0, port);
    if (sid < 0) return sid;
    stack.kick();
    return new Listener(stack, sid);
  }

  /** UNLISTEN (UNBOUND answers). */
  close() { this.stack.engine.core.unlisten(this.sid); this.stack.kick(); }

  local(): Endpoint { return addr(this.stack, this.sid, 0); }
}

function addr(stack: Stack, sid: number, which: number): Endpoint {
  stack.engine.core.session_addr(sid, which);
  const s = stack.engine.scratch();
  const isIp4 = s[VN.ADDR_IS_IP4] === 1;
  return {
    address: bytesToIp(s.subarray(VN.ADDR_IP, VN.ADDR_IP + 16), isIp4),
    port: s[VN.ADDR_PORT] | (s[VN.ADDR_PORT + 1] << 8),
    family: isIp4 ? 'IPv4' : 'IPv6',
  };
}
