/**
 * VppDgramHandle: one connectionless UDP session of VPP under a vppnet
 * dgram.Socket — what libuv's UDPWrap is for the kernel. VPP hands the
 * session one rx and one tx fifo (BOUND): every datagram from any peer comes
 * in through the one, every datagram to any peer goes out through the other,
 * each as one record (wasm/src/dgram.c).
 *
 * VPP sends a datagram from the source address its record names, verbatim.
 * A socket bound to an address sends from it; one bound to the wildcard
 * answers a peer from the address that peer reached it at, and asks VPP
 * (a UDP connect, closed at once) which source it picks for a new one.
 */
import { debuglog } from 'util';
import type { ListenerSink, SessionSink, Stack } from './stack';
import { VN } from '../engine/abi';
import { SESSION_E, uvCode } from '../errors';
import { bytesToIp, ipToBytes, EPHEMERAL_TRIES, ephemeralPort } from './addr';

const debug = debuglog('vppnet');

/**
 * VPP sends a longer record as several datagrams (its udp mtu, 1500 by
 * default, less the headers): message boundaries would be lost, so a longer
 * send fails with EMSGSIZE, as a kernel socket with don't-fragment does.
 */
export const MAX_DGRAM = { 4: 1472, 6: 1452 } as const;
/** Datagrams read per wake-up before the loop gets a turn (libuv reads up to 32). */
const READS_PER_TURN = 32;
/** The largest datagram IPv4 can carry: what one read takes. */
const READ_MAX = 65507;

export interface Rinfo { address: string; family: 'IPv4' | 'IPv6'; port: number; size: number }
interface Pending { data: Buffer; address: string; port: number; cb: (status: number) => void }

const WILDCARD = new Set(['0.0.0.0', '::']);

export class VppDgramHandle implements ListenerSink, SessionSink {
  readonly udp = true;
  /** A datagram (the one callback node's UDPWrap has: onmessage). */
  onmessage?: (msg: Buffer, rinfo: Rinfo) => void;
  /** The session failed (bad shared memory, or the attachment is gone). */
  onerror?: (status: number, err?: Error) => void;
  private sid = -1;
  private bound = false;
  private closed = false;
  private addr?: { address: string; family: 4 | 6; port: number };
  private onbound?: (status: number) => void;
  private tries = 0;
  private readonly queue: Pending[] = [];
  /** Peer address -> the local address it reached us at (or VPP picked for it). */
  private readonly sources = new Map<string, string>();
  /** Peer addresses whose source VPP is being asked for, with the sends that wait. */
  private readonly asking = new Map<string, Pending[]>();
  private wantRef = true;
  private held = false;

  constructor(readonly stack: Stack, readonly family: 4 | 6) {}

  // ---- bind ----
  /** UDP LISTEN: VPP answers with the session's fifos (BOUND); port 0 picks one. */
  bind(address: string, port: number, cb: (status: number) => void) {
    this.addr = { address, family: this.family, port: port || ephemeralPort() };
    this.tries = port === 0 ? EPHEMERAL_TRIES : 1;
    this.onbound = cb;
    this.sendBind();
  }

  private sendBind() {
    if (this.stack.dead) { this.onbound?.(uvCode('ECONNABORTED')); return; }
    const { engine } = this.stack;
    const a = this.addr!;
    engine.scratch().set(ipToBytes(a.address, a.family));
    const sid = engine.core.udp_bind(a.family === 4 ? 1 : 0, a.port);
    if (sid === VN.EAGAIN) { setImmediate(() => { if (!this.closed) this.sendBind(); }); return; }
    if (sid < 0) { this.onbound?.(uvCode(sid)); return; }
    this.sid = sid;
    this.stack.connects.ctrlSent();
    this.stack.registerListener(sid, this);
    this.stack.register(sid, this);
    this.stack.kick();
    this.updateRef();
  }

  onBound(vppRetval: number) {
    if (vppRetval !== 0) {
      this.stack.unregister(this.sid);
      this.sid = -1;
      if ((vppRetval === SESSION_E.ALREADY_LISTENING || vppRetval === SESSION_E.PORTINUSE) && --this.tries > 0 && !this.closed) {
        this.addr!.port = ephemeralPort();
        this.sendBind();
        return;
      }
      this.updateRef();
      this.onbound?.(uvCode(vppRetval, 'vpp'));
      return;
    }
    this.bound = true;
    this.updateRef();
    if (this.closed) { this.release(); return; }
    this.onbound?.(0);
  }

  // never called: the core refuses a cut-through ACCEPTED on a UDP session (it is no TCP listener)
  onAccept(sid: number) { this.stack.engine.core.close(sid); this.stack.kick(); }
  onUnbound() { this.sid = -1; this.updateRef(); }
  /** The address bound (after bind). */
  sockname(): { address: string; family: 'IPv4' | 'IPv6'; port: number } | undefined {
    const a = this.addr;
    return a && this.bound ? { address: a.address, family: a.family === 4 ? 'IPv4' : 'IPv6', port: a.port } : undefined;
  }

  // ---- send ----
  /** One datagram to address:port; cb(status) once it is in the tx fifo (or failed). */
  send(data: Buffer, address: string, port: number, cb: (status: number) => void) {
    if (this.closed || !this.bound) { cb(uvCode('EBADF')); return; }
    if (data.length > MAX_DGRAM[this.family]) { cb(uvCode('EMSGSIZE')); return; }
    if (data.length === 0) { cb(uvCode('EINVAL')); return; }   // VPP sends no empty datagram
    const p: Pending = { data, address, port, cb };
    const waiting = this.asking.get(address);
    if (waiting) waiting.push(p);
    else if (this.queue.length) this.queue.push(p);
    else if (this.sourceFor(address) === undefined) this.askSource(p);
    else if (!this.trySend(p)) this.queue.push(p);
    this.updateRef();
  }

  /** 1 sent (cb called), 0 no room now. */
  private trySend(p: Pending): boolean {
    const { engine } = this.stack;
    const s = engine.scratch();   // both addresses are written whole: nothing else of scratch is read
    s.set(ipToBytes(p.address, this.family), 0);
    s.set(ipToBytes(this.sourceFor(p.address)!, this.family), VN.DGRAM_LCL_IP);
    const n = engine.dgramSend(this.sid, p.data, this.family === 4 ? 1 : 0, p.port);
    if (n === 0) return false;
    this.stack.signalNow();
    p.cb(n < 0 ? uvCode(n) : 0);
    return true;
  }

  private sourceFor(peer: string): string | undefined {
    const a = this.addr!.address;
    return WILDCARD.has(a) ? this.sources.get(peer) : a;
  }

  /** Ask VPP which source it would use towards `peer` (a UDP connect it answers at once), then send. */
  private askSource(first: Pending) {
    const peer = first.address;
    const waiting = [first];
    this.asking.set(peer, waiting);
    // a CONNECT like any other: it takes a connect slot (connects.ts)
    this.stack.connects.slot(() => this.probe(peer, first.port, waiting));
  }

  private probe(peer: string, port: number, waiting: Pending[]) {
    const stack = this.stack, { engine } = stack;
    engine.scratch().fill(0, 0, 32).set(ipToBytes(peer, this.family));
    const sid = stack.dead ? VN.ESHUTDOWN : engine.core.udp_connect(this.family === 4 ? 1 : 0, port);
    let finished = false;
    const done = (source: string | undefined, status: number) => {
      if (finished) return;
      finished = true;
      stack.connects.releaseSlot();
      this.asking.delete(peer);
      this.updateRef();
      if (source) this.sources.set(peer, source);
      for (const p of waiting) {
        if (status !== 0 || this.closed) p.cb(status || uvCode('EBADF'));
        else this.send(p.data, p.address, p.port, p.cb);
      }
    };
    if (sid < 0) { done(undefined, uvCode(sid)); return; }
    stack.register(sid, {
      onConnected(rv: number) {
        if (rv !== 0) {
          debug('dgram: VPP has no source towards %s (retval %d)', peer, rv);
          stack.unregister(sid);
          done(undefined, uvCode(rv, 'vpp'));
          return;
        }
        const local = stack.endpoint(sid, 0)?.address;
        engine.core.close(sid);
        stack.kick();
        done(local, local ? 0 : uvCode('EHOSTUNREACH'));
      },
      onVppClosed() { stack.unregister(sid); },
      onReadable() {}, onWritable() {}, onPeerClosed() {}, onReset() {},
      onSessionError() { stack.unregister(sid); },
      onStackError(err: Error) { done(undefined, uvCode('ECONNABORTED')); void err; },
    });
    stack.kick();
  }

  onWritable() {
    while (this.queue.length && !this.closed) {
      if (!this.trySend(this.queue[0])) return;
      this.queue.shift();
    }
    this.updateRef();
  }

  // ---- receive ----
  onReadable() {
    const { engine } = this.stack;
    for (let i = 0; i < READS_PER_TURN && !this.closed; i++) {
      const r = engine.dgramRecv(this.sid, READ_MAX);
      if (typeof r === 'number') {
        if (r !== VN.EAGAIN) this.onerror?.(uvCode(r));
        return;
      }
      const s = engine.scratch();
      const isIp4 = s[VN.ADDR_IS_IP4] === 1;
      const address = bytesToIp(s.subarray(VN.ADDR_IP, VN.ADDR_IP + 16), isIp4);
      const port = s[VN.ADDR_PORT] | (s[VN.ADDR_PORT + 1] << 8);
      const to = bytesToIp(s.subarray(VN.DGRAM_LCL_IP, VN.DGRAM_LCL_IP + 16), isIp4);
      if (!WILDCARD.has(to)) this.sources.set(address, to);   // answer from where it reached us
      this.stack.signalNow();
      this.onmessage?.(r, { address, family: isIp4 ? 'IPv4' : 'IPv6', port, size: r.length });
    }
    // more may wait: look again on the next turn (VPP raises no new event for them)
    setImmediate(() => { if (!this.closed && this.sid >= 0) this.onReadable(); });
  }

  onConnected() {}
  onPeerClosed() {}
  onReset() {}
  onVppClosed() {}
  onSessionError(err: number) { this.onerror?.(uvCode(err)); }
  onStackError(err: Error) {
    this.sid = -1;
    this.bound = false;
    this.updateRef();
    if (!this.closed) this.onerror?.(uvCode('ECONNABORTED'), err);
  }

  // ---- close, refs ----
  close() {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.queue.splice(0)) p.cb(uvCode('EBADF'));
    if (this.bound || this.sid < 0) this.release();
    // else: BOUND has not come yet; onBound releases it
  }

  private release() {
    if (this.sid >= 0 && !this.stack.dead) {
      this.stack.unregister(this.sid);
      // an UNLISTEN: VPP frees the session; UNBOUND follows
      if (this.stack.engine.core.close(this.sid) === 0) this.stack.connects.ctrlSent();
      this.stack.kick();
    }
    this.bound = false;
    this.updateRef();
  }

  ref() { this.wantRef = true; this.updateRef(); }
  unref() { this.wantRef = false; this.updateRef(); }
  /** Held while bound and ref'd, and while a bind or a send waits for VPP in any case (libuv's requests). */
  private updateRef() {
    const requests = (this.sid >= 0 && !this.bound && !this.closed) || this.queue.length > 0 || this.asking.size > 0;
    const on = !this.stack.dead && (requests || (this.wantRef && this.bound && !this.closed));
    if (on === this.held) return;
    this.held = on;
    if (on) this.stack.ref(); else this.stack.unref();
  }
}
