/**
 * VppSocket: a net.Socket-compatible stream.Duplex over one VPP session.
 * Writes copy the caller's Buffer straight into tx fifo memory (engine.send);
 * reads copy contiguous rx regions into one Buffer per push (engine.recv), or
 * with node's `onread` into the caller's buffer (engine.recvInto), at most
 * READS_PER_TURN times per turn of the event loop.
 * A full tx fifo parks the write until VPP's TX event; a full readable side
 * leaves bytes in the rx fifo, so VPP's TCP closes its window.
 */
import { Duplex } from 'stream';
import * as dns from 'dns';
import * as net from 'net';
import type { Stack, SessionSink } from './stack';
import type { BusyPollSink } from './busy-poll';
import { VN } from '../engine/abi';
import {
  alreadyConnected, attachmentLost, endedByPeer, errnoException, fromCoreError, fromVppError, invalidArgType, ipcOnVpp,
  missingArgs, outOfRange, SESSION_E,
} from '../errors';
import { normalizeConnectArgs, validatePort } from '../args';
import { ipToBytes } from './addr';
import { debuglog } from 'util';

const debug = debuglog('vppnet');

// One Buffer per read: at 64 KiB half the cut-through runs fell to ~10 Gbit/s
// with the reader CPU-bound; 32 KiB kept them at 20-45 (256 KiB: ~11, always)
const READ_MAX = 32 * 1024;
/** Reads per turn of the event loop (libuv reads a stream up to 32 times per wake-up). */
const READS_PER_TURN = 32;
const kRef = Symbol('ref');

export interface VppSocketOptions {
  allowHalfOpen?: boolean;
  readableHighWaterMark?: number;
  writableHighWaterMark?: number;
  highWaterMark?: number;
  /** As node's: bytes go into one caller-owned buffer and to `callback`, not to 'data' (no Buffer per read). */
  onread?: { buffer?: unknown; callback?: unknown } | null;
  /** µs to poll the fifos while waiting, after the last byte moved (0: wait for VPP's events). */
  busyPoll?: number;
}

/** node's `onread`, taken as node takes it: anything but a Uint8Array (or a function) and a callback is ignored. */
interface OnRead { buffer: Uint8Array | (() => Uint8Array); callback: (n: number, buf: Uint8Array) => unknown }
function onReadOption(o: VppSocketOptions['onread']): OnRead | undefined {
  if (o === null || typeof o !== 'object' || typeof o.callback !== 'function') return undefined;
  if (!(o.buffer instanceof Uint8Array) && typeof o.buffer !== 'function') return undefined;
  return o as OnRead;
}

interface PendingWrite { chunks: Uint8Array[]; idx: number; off: number; cb: (err?: Error | null) => void }

export class VppSocket extends Duplex implements SessionSink, BusyPollSink {
  readonly transport = 'vpp' as const;
  connecting = false;
  bytesRead = 0;
  private written = 0;
  remoteAddress?: string;
  remotePort?: number;
  remoteFamily?: string;
  localAddress?: string;
  localPort?: number;
  localFamily?: string;
  server?: unknown;
  timeout?: number;
  /** The stack (VPP attachment) this socket's session lives on. */
  stack: Stack;
  /** When this socket connects to a listener of this process through the second attachment (Stack.selfConnect): the listener's stack. */
  private listenerStack?: Stack;
  /** The core's session id while VPP knows the session; -1 before connect and after close. */
  sid = -1;
  private pendingWrite?: PendingWrite;
  private starveMs = 0;
  private reading = false;
  private peerClosed = false;
  private eofPushed = false;
  private vppGone = false;
  private timer?: NodeJS.Timeout;
  private [kRef] = false;

  constructor(options: VppSocketOptions | undefined, stack: Stack, sid = -1) {
    super({
      allowHalfOpen: options?.allowHalfOpen ?? false,
      readableHighWaterMark: options?.readableHighWaterMark ?? options?.highWaterMark,
      writableHighWaterMark: options?.writableHighWaterMark ?? options?.highWaterMark,
      emitClose: false,
      autoDestroy: true,
      decodeStrings: true,
    });
    this.stack = stack;
    this.onread = onReadOption(options?.onread);
    this.busyPoll = options?.busyPoll ?? 0;
    if (sid >= 0) this.adopt(sid);
  }
  private readonly onread?: OnRead;
  readonly busyPoll: number;

  /** An accepted session: established at once. */
  private adopt(sid: number) {
    this.sid = sid;
    this.stack.register(sid, this);
    this.setRef(true);
    this.readAddresses();
  }

  get bytesWritten() { return this.written; }
  get pending() { return this.sid < 0 || this.connecting; }
  get readyState(): string {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable && !this.writable) return 'readOnly';
    if (!this.readable && this.writable) return 'writeOnly';
    return 'closed';
  }
  get bufferSize() { return this.writableLength; }
  /** True on a cut-through session (both apps on this VPP, no TCP in between). */
  get cutThrough() { return this.sid >= 0 && (this.stack.engine.core.session_flags(this.sid) & VN.SS_CUT_THROUGH) !== 0; }

  // ---- connect ----
  connect(...args: unknown[]): this {
    const [opts, cb] = normalizeConnectArgs(args);
    if (cb) this.once('connect', cb);
    if (this.sid >= 0 || this.connecting) throw alreadyConnected();
    if (opts.path !== undefined) throw ipcOnVpp(opts.path);
    if (opts.port === undefined) throw missingArgs('options', 'port', 'path');
    const port = validatePort(opts.port);
    const host = opts.host ?? 'localhost';
    if (typeof host !== 'string') throw invalidArgType('options.host', 'string', host);
    this.connecting = true;
    this.setRef(true);
    const family = net.isIP(host);
    if (family) process.nextTick(() => this.queueConnect(host, family, port));
    else {
      const lookup = (opts.lookup as typeof dns.lookup | undefined) ?? dns.lookup;
      lookup(host, { family: (opts.family as number) || 4 }, (err, address, fam) => {
        this.emit('lookup', err, address, fam, host);
        if (this.destroyed) return;
        if (err) { this.destroy(err); return; }
        this.queueConnect(address, fam as number, port);
      });
    }
    return this;
  }

  private queueConnect(address: string, family: number, port: number) {
    if (this.stack.selfConnect === false && !this.listenerStack && this.stack.listensOn(port)) this.viaSecondApp();
    this.holdsConnectSlot = true;
    this.stack.connects.slot(() => this.startConnect(address, family, port));
  }

  private releaseConnectSlot() {
    if (!this.holdsConnectSlot) return;
    this.holdsConnectSlot = false;
    this.stack.connects.releaseSlot();
  }
  private holdsConnectSlot = false;

  private startConnect(address: string, family: number, port: number) {
    if (this.destroyed) { this.releaseConnectSlot(); return; }
    if (this.stack.dead) { this.onStackError(this.stack.dead); return; }
    const { engine } = this.stack;
    if (this.stack.connects.closing(port)) {   // this app is closing its listener there (connects.ts)
      this.destroy(errnoException('ECONNREFUSED', 'connect', address, port));
      return;
    }
    engine.scratch().set(ipToBytes(address, family));
    const sid = engine.core.connect(family === 4 ? 1 : 0, port);
    if (sid < 0) {
      if (sid === VN.EAGAIN) { setImmediate(() => this.startConnect(address, family, port)); return; }
      this.destroy(fromCoreError(sid, 'connect', address, port));
      return;
    }
    this.sid = sid;
    this.remoteAddress = address;
    this.remotePort = port;
    this.remoteFamily = family === 4 ? 'IPv4' : 'IPv6';
    this.stack.connects.sent(sid, port);
    this.stack.register(sid, this);
    this.stack.kick();
  }

  onConnected(vppRetval: number) {
    this.releaseConnectSlot();
    // (connects sent before the first answer came are retried too)
    if (!this.listenerStack && this.stack.selfConnect !== true && this.remotePort !== undefined &&
        this.stack.listensOn(this.remotePort)) {
      if (this.stack.selfConnect === undefined) {
        this.stack.selfConnect = vppRetval === 0;
        debug('VPP %s this app to its own listener on port %d%s', vppRetval === 0 ? 'connects' : 'refused to connect',
          this.remotePort, vppRetval === 0 ? '' : ` (retval ${vppRetval}; VPP 26.06 does so): such connects use a second attachment`);
      }
      if (vppRetval !== 0 && this.stack.selfConnectStack) {
        this.stack.unregister(this.sid);
        this.sid = -1;
        this.viaSecondApp();
        this.queueConnect(this.remoteAddress!, this.remoteFamily === 'IPv4' ? 4 : 6, this.remotePort);
        return;
      }
    }
    // with local scope VPP answers NOROUTE for a loopback destination nobody
    // listens on: to the user that is a refused connection
    if (vppRetval === SESSION_E.NOROUTE && /^127\.|^::1$/.test(this.remoteAddress ?? '')) vppRetval = SESSION_E.REFUSED;
    if (vppRetval !== 0) {
      const err = fromVppError(vppRetval, 'connect', this.remoteAddress, this.remotePort);
      this.stack.unregister(this.sid);
      this.sid = -1;
      this.connecting = false;
      this.destroy(err);
      return;
    }
    this.connecting = false;
    this.readAddresses();
    this.emit('connect');
    this.emit('ready');
    this.touch();
    if (this.pendingWrite) this.flushWrite();
    if (this.reading) this.pull();
    if (this.writableFinished || (this.writableEnded && !this.pendingWrite)) this.stack.engine.core.shutdown(this.sid);
  }

  /** Connect through this process's second attachment (a connect to a listener of this app, on a VPP that refuses those). */
  private viaSecondApp() {
    let other: Stack;
    try {
      other = this.stack.selfConnectStack!();
    } catch (e) {
      debug('second attachment failed: %s', (e as Error).message);
      return;   // the connect goes on, and fails, where it is
    }
    const ref = this[kRef];
    if (ref) this.setRef(false);
    this.listenerStack = this.stack;
    this.stack = other;
    if (ref) this.setRef(true);
  }

  private readAddresses() {
    const l = this.stack.endpoint(this.sid, 0)!;
    this.localAddress = l.address; this.localPort = l.port; this.localFamily = l.family;
    if (this.remoteAddress === undefined) {
      const r = this.stack.endpoint(this.sid, 1)!;
      this.remoteAddress = r.address; this.remotePort = r.port; this.remoteFamily = r.family;
    }
  }

  address() {
    return this.localAddress === undefined ? {} : { address: this.localAddress, family: this.localFamily, port: this.localPort };
  }

  // ---- write path ----
  _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void) {
    this.pendingWrite = { chunks: [chunk], idx: 0, off: 0, cb };
    if (!this.connecting && this.sid >= 0) this.flushWrite();
  }

  _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void) {
    this.pendingWrite = { chunks: chunks.map((c) => c.chunk), idx: 0, off: 0, cb };
    if (!this.connecting && this.sid >= 0) this.flushWrite();
  }

  private flushWrite() {
    const w = this.pendingWrite!;
    const { engine } = this.stack;
    while (w.idx < w.chunks.length) {
      const chunk = w.chunks[w.idx];
      if (chunk.length === 0) { w.idx++; continue; }   // node:http ends responses with write('')
      const n = engine.send(this.sid, w.off === 0 ? chunk : chunk.subarray(w.off));
      if (n === VN.ENOMEM) {
        // the segment is out of chunk memory: nothing will wake us, so poll
        // back with a growing delay until other sessions free some
        this.starveMs = Math.min(this.starveMs * 2 || 1, 50);
        setTimeout(() => { if (this.pendingWrite === w && !this.destroyed) this.flushWrite(); }, this.starveMs).unref();
        this.stack.kick();
        return;
      }
      this.starveMs = 0;
      if (n < 0) {
        this.pendingWrite = undefined;
        w.cb(fromCoreError(n, 'write'));
        return;
      }
      if (n === 0) {   // tx fifo full: VPP's TX event resumes us
        this.stack.kick();
        this.park();
        return;
      }
      this.written += n;
      w.off += n;
      if (w.off === chunk.length) { w.idx++; w.off = 0; }
      this.stack.signalNow();   // the reader learns now, not after the fifo filled
    }
    this.pendingWrite = undefined;
    this.touch();
    w.cb();
  }

  onWritable() {
    if (this.pendingWrite && !this.connecting) this.flushWrite();
  }

  _final(cb: (err?: Error | null) => void) {
    if (this.sid >= 0 && !this.connecting && !this.vppGone) {
      this.stack.engine.core.shutdown(this.sid);
      this.stack.kick();
    }
    cb();
  }

  // ---- read path ----
  _read() {
    if (this.onreadPaused) return;
    this.reading = true;
    if (!this.connecting && this.sid >= 0) this.pull();
  }

  private pull() {
    const { engine } = this.stack;
    while (this.reading && !this.eofPushed) {
      if (this.turnReads >= READS_PER_TURN) {
        // A peer that keeps the fifo full would keep us here for good (the
        // stream's own read-more calls come back through _read on nextTick,
        // never yielding): give the loop back, as libuv caps reads per wake-up.
        if (!this.pullScheduled) {
          this.pullScheduled = true;
          setImmediate(() => { this.pullScheduled = false; this.turnReads = 0; if (!this.destroyed && this.sid >= 0) this.pull(); });
        }
        break;
      }
      this.turnReads++;
      // n: bytes read (into `into` with onread, else into `chunk`), 0 for none, < 0 an error
      let n = 0, chunk: Buffer | undefined, into: Uint8Array | undefined;
      if (this.vppGone) n = 0;
      else if (this.onread) {
        const b = this.onread.buffer;
        into = typeof b === 'function' ? b() : b;
        n = engine.recvInto(this.sid, into);
      } else {
        const r = engine.recv(this.sid, READ_MAX);
        if (typeof r === 'number') n = r;
        else if (r) { chunk = r; n = r.length; }
      }
      if (n === 0) {
        // cut-through EOF: the peer's shutdown mark, seen by the empty read
        if (!this.peerClosed && !this.vppGone && engine.core.session_flags(this.sid) & VN.SS_PEER_CLOSED) this.peerClosed = true;
        if (this.peerClosed || this.vppGone) {
          this.eofPushed = true;
          this.push(null);
          process.nextTick(() => this.read(0));   // as node's net does: 'end' even when nobody reads
        } else this.park();
        break;
      }
      if (n < 0) { this.destroy(fromCoreError(n, 'read')); return; }
      this.bytesRead += n;
      this.touch();
      this.stack.signalNow();   // a dequeue notification reaches the writer now, not after the fifo drained
      if (chunk) {
        if (!this.push(chunk)) this.reading = false;
      } else if (this.onread!.callback(n, into!) === false) this.pause();   // as node's: false pauses
    }
  }

  // With onread nothing is pushed, so the stream never asks again: pause and
  // resume stop and start the reads themselves, as node's do on its handle.
  pause(): this {
    if (this.onread) { this.onreadPaused = true; this.reading = false; }
    return super.pause();
  }
  resume(): this {
    super.resume();
    if (this.onread && this.onreadPaused) {
      this.onreadPaused = false;
      this.reading = true;
      process.nextTick(() => { if (this.reading && !this.connecting && this.sid >= 0) this.pull(); });
    }
    return this;
  }
  private onreadPaused = false;
  private pullScheduled = false;
  private turnReads = 0;

  /** Like node's read loop, fill the stream's buffer up to its high-water mark even while nobody consumes (so EOF is seen). */
  onReadable() {
    if (!this.pullScheduled) this.turnReads = 0;   // a wake-up: a new turn of the loop
    if (this.reading) this.pull();
    else if (!this.destroyed && !this.eofPushed && !this.onreadPaused) this.read(0);
  }

  busyPollOnce(): number {
    if (this.destroyed || this.sid < 0) return -1;
    this.onReadable();
    this.onWritable();
    return this.bytesRead + this.written;
  }

  busyPolling(on: boolean) {
    if (this.sid < 0 || this.vppGone) return;
    this.stack.engine.core.session_poll(this.sid, on ? 1 : 0);
    if (on) return;
    // the window passed: poll again only once bytes move again; an empty
    // read or a full write now arms the events we sleep on
    this.busyPolledAt = this.bytesRead + this.written;
    this.busyPollOnce();
  }
  private busyPolledAt = -1;

  /** Waiting on an empty rx or a full tx fifo: with busyPoll, poll it (once per spell of traffic). */
  private park() {
    if (this.busyPoll && this.bytesRead + this.written !== this.busyPolledAt) this.stack.busyPoll(this);
  }

  onPeerClosed() {
    this.peerClosed = true;
    this.pull();
    if (!this.eofPushed && !this.reading) this.read(0);
  }

  onReset() {
    this.destroy(errnoException('ECONNRESET', 'read'));
  }

  onVppClosed() {
    this.vppGone = true;
    if (this.sid >= 0) this.stack.unregister(this.sid);
    if (!this.peerClosed && !this.destroyed && !this.writableFinished) {
      this.onReset();
      return;
    }
    this.peerClosed = true;
    if (this.pendingWrite) {
      const w = this.pendingWrite;
      this.pendingWrite = undefined;
      w.cb(endedByPeer());
    }
    this.pull();
  }

  onStackError(err: Error) {
    this.vppGone = true;
    this.destroy(attachmentLost(err));
  }

  /** The core poisoned the session (VPP's shared memory lied about it). */
  onSessionError(err: number) {
    this.destroy(fromCoreError(err, 'read'));
  }

  // ---- teardown ----
  _destroy(err: Error | null, cb: (err?: Error | null) => void) {
    this.clearTimer();
    this.releaseConnectSlot();
    this.connecting = false;
    if (this.sid >= 0) {
      const { core } = this.stack.engine;
      if (!this.vppGone) ((err && !this.peerClosed) || this.abortOnDestroy ? core.abort(this.sid) : core.close(this.sid));
      this.stack.unregister(this.sid);
      this.stack.kick();
      this.sid = -1;
    }
    this.setRef(false);
    cb(err);
    // like a libuv handle's close callback: a later turn of the loop, not this tick
    setImmediate(() => this.emit('close', !!err));
  }

  destroySoon() {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  resetAndDestroy() {
    this.abortOnDestroy = true;
    return this.destroy();
  }
  private abortOnDestroy = false;

  // ---- options, timers, refs ----
  setNoDelay(_noDelay?: boolean) { return this; }        // VPP's TCP sends as soon as the TX event is handled
  setKeepAlive(_enable?: boolean, _delay?: number) { return this; }

  setTimeout(ms: number, cb?: () => void) {
    if (typeof ms !== 'number') throw invalidArgType('msecs', 'number', ms);
    if (!Number.isFinite(ms) || ms < 0) throw outOfRange('msecs', 'a non-negative finite number', ms);
    this.timeout = ms;
    if (cb) { if (ms === 0) this.removeListener('timeout', cb); else this.once('timeout', cb); }
    this.clearTimer();
    if (ms > 0) {
      this.timer = setTimeout(() => this.emit('timeout'), ms);
      if (!this[kRef]) this.timer.unref();
    }
    return this;
  }

  private touch() { this.timer?.refresh(); }
  private clearTimer() { if (this.timer) clearTimeout(this.timer); this.timer = undefined; }

  ref() { this.setRef(true); this.timer?.ref(); return this; }
  unref() { this.setRef(false); this.timer?.unref(); return this; }

  private setRef(on: boolean) {
    if (on && (this.destroyed || this[kRef])) return;
    if (!on && !this[kRef]) return;
    this[kRef] = on;
    if (on) this.stack.ref(); else this.stack.unref();
  }
}
