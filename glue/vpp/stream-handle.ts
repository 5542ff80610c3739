/**
 * VppStreamHandle: one VPP session as the handle under a node net.Socket —
 * what libuv's TCPWrap is for the kernel. node's Socket calls connect(),
 * readStart(), writeBuffer(), shutdown(), close() on it and gets answers
 * the way TCPWrap gives them (req.oncomplete, onread with streamBaseState),
 * so every semantic of node:net above the handle is node's own.
 *
 * Two ways bytes leave it, one per kind of reader:
 *  - node's Socket (JS): a read copies the rx fifo into one Buffer and hands
 *    it to onread, a write copies the caller's Buffer into the tx fifo: one
 *    copy each way;
 *  - a C++ consumer (node's TLS wrapper, the HTTP parser) that sits on the
 *    stream as on a TCPWrap: bytes go through JSStream's readBuffer/onwrite,
 *    node's C++ bridge for streams made in JS. A consumer asks `isStreamBase`
 *    before it attaches; from then on reads take that path.
 * A full tx fifo parks the write until VPP's TX event; a stopped reader
 * leaves bytes in the rx fifo, so VPP's TCP closes its window.
 */
import { debuglog, getSystemErrorName } from 'util';
import type { Stack, SessionSink } from './stack';
import type { BusyPollSink } from './busy-poll';
import { VN } from '../engine/abi';
import { SESSION_E, uvCode, attachmentLost, errnoException } from '../errors';
import { ipToBytes } from './addr';
import { internals, StreamBase } from '../node-internals';

const debug = debuglog('vppnet');

// One Buffer per read: at 64 KiB half the cut-through runs fell to ~10 Gbit/s
// with the reader CPU-bound; 32 KiB kept them at 20-45 (256 KiB: ~11, always)
const READ_MAX = 32 * 1024;
/** Reads per turn of the event loop (libuv reads a stream up to 32 times per wake-up). */
const READS_PER_TURN = 32;
const UV_EOF = -4095;
/** What VPP answers a connect to an endpoint nobody in VPP listens on. */
const REFUSALS = new Set([uvCode('ECONNREFUSED'), uvCode('EHOSTUNREACH'), uvCode('ENETUNREACH')]);

type Req = { oncomplete?: (...a: unknown[]) => void };
interface PendingWrite { req: Req; chunks: Uint8Array[]; idx: number; off: number; viaCxx: boolean }
interface ConnectReq { req: Req; address: string; family: 4 | 6; port: number }
interface Addr { address: string; family: string; port: number }

/**
 * A connect through VPP's TLS: VPP checks the server (verify: its CA file,
 * and `hostname`, also sent as SNI) and answers after the handshake;
 * `failed` is set when the handshake is what failed.
 */
export interface TlsConnect { hostname: string; verify: boolean; alpn: number; failed?: boolean }

/** JSStream's own methods, for the C++ path (our class shadows some names). */
type CxxStream = { readBuffer(b: Uint8Array): void; emitEOF(): void; finishWrite(req: unknown, status: number): void;
  finishShutdown(req: unknown, status: number): void; useUserBuffer(b: Uint8Array): void };
const cxx = StreamBase.prototype as unknown as CxxStream;

export class VppStreamHandle extends StreamBase implements SessionSink, BusyPollSink {
  /** The stack (VPP attachment) this session lives on. */
  stack: Stack;
  /** The core's session id while VPP knows the session; -1 before connect and after close. */
  sid = -1;
  readonly busyPoll: number;
  /** Set by node (onStreamRead). */
  declare onread: (ab?: ArrayBuffer) => unknown;
  private nRead = 0;
  private nWritten = 0;
  private wantRead = false;
  private viaCxx = false;
  private userBuf?: Uint8Array;
  private scratchBuf?: Buffer;
  private readonly writes: PendingWrite[] = [];
  private shutdownReq?: { req: Req; viaCxx: boolean };
  private shutdownSent = false;
  private connectReq?: ConnectReq;
  private peerClosed = false;
  private eofDelivered = false;
  private vppGone = false;
  private closed = false;
  /** Holds a ref on the stack: keeps the event loop alive (updateRef). */
  private held = false;
  private starveMs = 0;
  private turnReads = 0;
  private pullScheduled = false;
  private busyPolledAt = -1;
  private holdsConnectSlot = false;
  /** When this socket connects to a listener of this process through the second attachment (Stack.selfConnect): the listener's stack. */
  private listenerStack?: Stack;
  private local?: Addr;
  private remote?: Addr;

  private readonly tls?: TlsConnect;

  constructor(stack: Stack, opts: { busyPoll?: number; sid?: number; tls?: TlsConnect } = {}) {
    super();
    this.stack = stack;
    this.busyPoll = opts.busyPoll ?? 0;
    this.tls = opts.tls;
    if (opts.sid !== undefined && opts.sid >= 0) {
      this.sid = opts.sid;
      stack.register(this.sid, this);
      this.readAddresses();
    }
  }

  get bytesRead() { return this.nRead; }
  /** What node's TCPWrap counts: every byte handed to a write, whether or not it is in the fifo yet. */
  get bytesWritten() { return this.nDispatched; }
  private nDispatched = 0;
  /** A C++ consumer (TLS, the HTTP parser) is about to attach: deliver through C++ from now on. */
  get isStreamBase() { this.viaCxx = true; return true; }
  /** True on a cut-through session (both apps on this VPP, no TCP in between). */
  get cutThrough() { return this.sid >= 0 && this.ct; }
  /** Read once the session is up (readAddresses): a session never changes path. */
  private ct = false;
  private get connected() { return this.sid >= 0 && !this.connectReq; }

  // ---- connect ----
  connect(req: Req, address: string, port: number) { return this.startConnect(req, address, 4, port); }
  connect6(req: Req, address: string, port: number) { return this.startConnect(req, address, 6, port); }

  /** connect({ localAddress, localPort }): the local endpoint goes with the CONNECT (VPP binds it, or refuses). */
  bind(address: string, port: number) { return this.bindLocal(address, 4, port); }
  bind6(address: string, port: number) { return this.bindLocal(address, 6, port); }
  private bindLocal(address: string, family: 4 | 6, port: number) {
    if (this.sid >= 0 || this.connectReq) return uvCode('EINVAL');
    this.local = { address, family: family === 4 ? 'IPv4' : 'IPv6', port };
    return 0;
  }

  private startConnect(req: Req, address: string, family: 4 | 6, port: number) {
    if (this.closed || this.sid >= 0 || this.connectReq) return uvCode('EISCONN');
    // a connect to the wildcard address means this host, as on Linux (VPP rejects it: INVALID_RMT_IP)
    if (address === '0.0.0.0') address = '127.0.0.1';
    else if (address === '::') address = '::1';
    this.connectReq = { req, address, family, port };
    this.updateRef();
    this.remote = { address, family: family === 4 ? 'IPv4' : 'IPv6', port };
    this.queueConnect();
    return 0;
  }

  private queueConnect() {
    const { port, family } = this.connectReq!;
    // A VPP that does not connect an app to itself (26.06) refuses such an
    // IPv4 connect, which teaches us (onConnected); over IPv6 it answers
    // nothing (VPP's TCP drops a connection from VPP to itself): so an IPv6
    // connect to our own listener takes the second attachment until this
    // app knows its VPP connects it to itself
    const self = this.stack.selfConnect;
    if (self !== true && !this.listenerStack && (self === false || family === 6) && this.stack.listensOn(port)) this.viaSecondApp();
    this.holdsConnectSlot = true;
    this.stack.connects.slot(() => this.sendConnect());
  }

  private releaseConnectSlot() {
    if (!this.holdsConnectSlot) return;
    this.holdsConnectSlot = false;
    this.stack.connects.releaseSlot();
  }

  private sendConnect() {
    const c = this.connectReq;
    if (this.closed || !c) { this.releaseConnectSlot(); return; }
    if (this.stack.dead) { this.onStackError(this.stack.dead); return; }
    // this app is closing its listener there (connects.ts)
    if (this.stack.connects.closing(c)) { this.connectDone(uvCode('ECONNREFUSED')); return; }
    const { engine } = this.stack;
    const scratch = engine.scratch().fill(0, 0, 32);
    scratch.set(ipToBytes(c.address, c.family));
    const lcl = this.local;   // set before the connect only by bind()
    if (lcl) scratch.set(ipToBytes(lcl.address, c.family), 16);
    const tls = this.tls;
    if (tls) {   // ASCII (the TLS layer checked), NUL-terminated
      scratch.fill(0, VN.TLS_HOSTNAME, VN.TLS_HOSTNAME + VN.TLS_HOSTNAME_MAX + 1);
      for (let i = 0; i < tls.hostname.length; i++) scratch[VN.TLS_HOSTNAME + i] = tls.hostname.charCodeAt(i);
    }
    const sid = tls ? engine.core.tls_connect(c.family === 4 ? 1 : 0, c.port, tls.verify ? 1 : 0, tls.alpn)
      : engine.core.connect(c.family === 4 ? 1 : 0, c.port, lcl?.port ?? 0);
    if (sid < 0) {
      if (sid === VN.EAGAIN) { setImmediate(() => this.sendConnect()); return; }
      this.connectDone(uvCode(sid));
      return;
    }
    this.sid = sid;
    this.stack.connects.sent(sid, { address: c.address, family: c.family, port: c.port });
    this.stack.register(sid, this);
    this.stack.kick();
  }

  onConnected(vppRetval: number) {
    this.releaseConnectSlot();
    const c = this.connectReq;
    if (!c) return;
    // (connects sent before the first answer came are retried too)
    if (!this.listenerStack && this.stack.selfConnect !== true && this.stack.listensOn(c.port)) {
      if (this.stack.selfConnect === undefined) {
        this.stack.selfConnect = vppRetval === 0;
        debug('VPP %s this app to its own listener on port %d%s', vppRetval === 0 ? 'connects' : 'refused to connect',
          c.port, vppRetval === 0 ? '' : ` (retval ${vppRetval}; VPP 26.06 does so): such connects use a second attachment`);
      }
      if (vppRetval !== 0 && this.stack.selfConnectStack) {
        this.stack.unregister(this.sid);
        this.sid = -1;
        this.viaSecondApp();
        this.queueConnect();
        return;
      }
    }
    // with local scope VPP answers NOROUTE for a loopback destination nobody
    // listens on: to the user that is a refused connection
    if (vppRetval === SESSION_E.NOROUTE && /^127\.|^::1$/.test(c.address)) vppRetval = SESSION_E.REFUSED;
    if (vppRetval === SESSION_E.TLS_HANDSHAKE && this.tls) this.tls.failed = true;
    if (vppRetval !== 0) {
      debug('connect to %s:%d: VPP answered %d', c.address, c.port, vppRetval);
      this.stack.unregister(this.sid);
      this.sid = -1;
      this.connectDone(uvCode(vppRetval, 'vpp'));
      return;
    }
    this.readAddresses();
    this.connectDone(0);
    if (this.closed) return;
    this.flushWrites();
    if (this.wantRead) this.schedulePull();
    this.maybeShutdown();
  }

  /**
   * `auto` mode: a connect VPP refused (nobody listens there in VPP) is
   * handed to this, to try the kernel (a service on the host's own stack).
   */
  kernelFallback?: (req: Req, address: string, family: 4 | 6, port: number) => void;

  /** VPP's ALPN choice for this TLS session (no session message carries it): cb(id), 0 for none. */
  askAlpn(cb: (id: number) => void) {
    if (this.sid < 0) { cb(0); return; }
    const rv = this.stack.engine.core.tls_alpn(this.sid);
    if (rv === VN.EAGAIN) { setImmediate(() => this.askAlpn(cb)); return; }
    if (rv < 0) { cb(0); return; }
    this.alpnAnswer = cb;
    this.stack.kick();
  }
  private alpnAnswer?: (id: number) => void;
  onAlpn(vppRetval: number, id: number) {
    const cb = this.alpnAnswer;
    this.alpnAnswer = undefined;
    cb?.(vppRetval === 0 ? id : 0);
  }

  /** Tell node how the connect ended (afterConnect), as TCPWrap does. */
  private connectDone(status: number) {
    const c = this.connectReq!;
    this.connectReq = undefined;
    this.releaseConnectSlot();
    this.updateRef();
    if (status !== 0 && this.kernelFallback && REFUSALS.has(status)) {
      this.kernelFallback(c.req, c.address, c.family, c.port);
      return;
    }
    c.req.oncomplete?.(status, this, c.req, status === 0, status === 0);
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
    const held = this.held;
    this.hold(false);
    this.listenerStack = this.stack;
    this.stack = other;
    this.hold(held);
  }

  private readAddresses() {
    this.ct = (this.stack.engine.core.session_flags(this.sid) & VN.SS_CUT_THROUGH) !== 0;
    const l = this.stack.endpoint(this.sid, 0);
    if (l) this.local = l;
    if (!this.remote) this.remote = this.stack.endpoint(this.sid, 1);
  }

  getsockname(out: Partial<Addr>) {
    if (!this.local) return uvCode('EINVAL');
    Object.assign(out, this.local);
    return 0;
  }
  getpeername(out: Partial<Addr>) {
    if (!this.remote || !this.connected) return uvCode('ENOTCONN');
    Object.assign(out, this.remote);
    return 0;
  }

  // ---- write path ----
  writeBuffer(req: Req, buf: Uint8Array) { return this.write(req, [buf]); }
  writev(req: Req, chunks: (Uint8Array | string)[], allBuffers: boolean) {
    if (allBuffers) return this.write(req, chunks as Uint8Array[]);
    const bufs: Uint8Array[] = [];
    for (let i = 0; i < chunks.length; i += 2) {
      const c = chunks[i];
      bufs.push(typeof c === 'string' ? Buffer.from(c, chunks[i + 1] as BufferEncoding) : c);
    }
    return this.write(req, bufs);
  }
  writeUtf8String(req: Req, s: string) { return this.write(req, [Buffer.from(s, 'utf8')]); }
  writeLatin1String(req: Req, s: string) { return this.write(req, [Buffer.from(s, 'latin1')]); }
  writeAsciiString(req: Req, s: string) { return this.write(req, [Buffer.from(s, 'ascii')]); }
  writeUcs2String(req: Req, s: string) { return this.write(req, [Buffer.from(s, 'ucs2')]); }

  /** node's Socket writes: as much as fits now; the rest completes through req.oncomplete. */
  private write(req: Req, chunks: Uint8Array[]) {
    const st = internals();
    let total = 0;
    for (const c of chunks) total += c.length;
    st.streamBaseState[st.kBytesWritten] = total;
    st.streamBaseState[st.kLastWriteWasAsync] = 0;
    if (this.closed) return uvCode('EBADF');   // libuv: the handle's fd is gone
    if (this.vppGone || this.shutdownSent) return uvCode('EPIPE');
    this.nDispatched += total;
    const w: PendingWrite = { req, chunks, idx: 0, off: 0, viaCxx: false };
    if (this.writes.length === 0 && this.connected) {
      const r = this.send(w);
      if (r < 0) return r;
      if (r === 1) return 0;
    }
    this.writes.push(w);
    this.updateRef();
    st.streamBaseState[st.kLastWriteWasAsync] = 1;
    return 0;
  }

  /** Copy a pending write into the tx fifo: 1 all sent, 0 fifo full (parked), < 0 an error. */
  private send(w: PendingWrite): number {
    const { engine } = this.stack;
    while (w.idx < w.chunks.length) {
      const chunk = w.chunks[w.idx];
      if (chunk.length === w.off) { w.idx++; w.off = 0; continue; }   // node:http ends responses with write('')
      const n = engine.send(this.sid, w.off === 0 ? chunk : chunk.subarray(w.off));
      if (n === VN.ENOMEM) {
        // the segment is out of chunk memory: nothing will wake us, so poll
        // back with a growing delay until other sessions free some
        this.starveMs = Math.min(this.starveMs * 2 || 1, 50);
        setTimeout(() => { if (!this.closed) this.flushWrites(); }, this.starveMs).unref();
        this.stack.kick();
        return 0;
      }
      this.starveMs = 0;
      if (n < 0) return uvCode(n);
      if (n === 0) {   // tx fifo full: VPP's TX event resumes us
        this.stack.kick();
        this.park();
        this.armFullBackstop();
        return 0;
      }
      this.fullBackoffMs = 0;
      this.nWritten += n;
      w.off += n;
      this.stack.signalNow();   // the reader learns now, not after the fifo filled
    }
    return 1;
  }

  /** Parked writes, in order; each completes as node's async writes do. */
  private flushWrites() {
    while (this.writes.length && this.connected && !this.closed) {
      const w = this.writes[0];
      const r = this.vppGone ? uvCode('EPIPE') : this.send(w);
      if (r === 0) return;
      this.writes.shift();
      this.completeWrite(w, r < 0 ? r : 0);
    }
    if (!this.writes.length) this.maybeShutdown();
    this.updateRef();
  }

  private completeWrite(w: PendingWrite, status: number) {
    if (w.viaCxx) cxx.finishWrite.call(this, w.req, status);
    else w.req.oncomplete?.(status);
  }

  onWritable() { if (this.writes.length) this.flushWrites(); }

  shutdown(req: Req) {
    if (this.closed) return uvCode('ENOTCONN');
    this.shutdownReq = { req, viaCxx: false };
    this.updateRef();
    this.maybeShutdown();
    return 0;
  }

  /** FIN once the writes before it are in the fifo (as libuv's shutdown waits for the write queue). */
  private maybeShutdown() {
    const s = this.shutdownReq;
    if (!s || this.writes.length || (!this.connected && !this.vppGone)) return;
    this.shutdownReq = undefined;
    this.updateRef();
    if (!this.vppGone && !this.shutdownSent && this.sid >= 0) {
      this.shutdownSent = true;
      this.stack.engine.core.shutdown(this.sid);
      this.stack.kick();
    }
    process.nextTick(() => {
      if (s.viaCxx) cxx.finishShutdown.call(this, s.req, 0);
      else s.req.oncomplete?.(0);
    });
  }

  // ---- the C++ side (JSStream calls these when TLS or the HTTP parser drive the stream) ----
  onreadstart() { this.viaCxx = true; return this.readStart(); }
  onreadstop() { return this.readStop(); }
  onwrite(req: Req, bufs: Uint8Array[]) {
    this.viaCxx = true;
    if (this.closed || this.vppGone || this.shutdownSent) return uvCode('EPIPE');
    for (const b of bufs) this.nDispatched += b.length;
    const w: PendingWrite = { req, chunks: bufs, idx: 0, off: 0, viaCxx: true };
    this.writes.push(w);
    this.updateRef();
    if (this.writes.length === 1 && this.connected) process.nextTick(() => this.flushWrites());
    return 0;
  }
  onshutdown(req: Req) {
    if (this.closed) return uvCode('ENOTCONN');
    this.shutdownReq = { req, viaCxx: true };
    this.updateRef();
    this.maybeShutdown();
    return 0;
  }
  isClosing() { return this.closed; }

  // ---- read path ----
  useUserBuffer(buf: Uint8Array) {
    this.userBuf = buf;
    cxx.useUserBuffer.call(this, buf);
  }

  readStart() {
    this.wantRead = true;
    this.updateRef();
    // never from inside the call: whoever started reading may still be
    // setting the socket up (a TLS server wraps an accepted socket right after)
    if (this.connected) this.schedulePull();
    return 0;
  }
  readStop() { this.wantRead = false; this.updateRef(); return 0; }

  private schedulePull() {
    if (this.pullScheduled) return;
    this.pullScheduled = true;
    setImmediate(() => {
      this.pullScheduled = false;
      this.turnReads = 0;
      if (!this.closed && this.connected && this.wantRead) this.pull();
    });
  }

  private pull() {
    const { engine } = this.stack;
    while (this.wantRead && !this.eofDelivered && !this.closed) {
      if (this.turnReads >= READS_PER_TURN) {
        // A peer that keeps the fifo full would keep us here for good: give
        // the loop back, as libuv caps reads per wake-up.
        this.schedulePull();
        return;
      }
      this.turnReads++;
      let n = 0, chunk: Buffer | undefined;
      const viaCxx = this.viaCxx;
      if (this.vppGone) n = 0;
      else if (viaCxx) {
        this.scratchBuf ??= Buffer.allocUnsafe(READ_MAX);
        n = engine.recvInto(this.sid, this.scratchBuf);
      } else if (this.userBuf) n = engine.recvInto(this.sid, this.userBuf);
      else {
        const r = engine.recv(this.sid, READ_MAX);
        if (typeof r === 'number') n = r;
        else if (r) { chunk = r; n = r.length; }
      }
      if (n === 0) {
        // cut-through EOF: the peer's shutdown mark, seen by the empty read
        if (!this.peerClosed && !this.vppGone && engine.core.session_flags(this.sid) & VN.SS_PEER_CLOSED) this.peerClosed = true;
        if (this.peerClosed || this.vppGone) this.deliverEof();
        else this.park();
        return;
      }
      if (n < 0) { this.deliverError(uvCode(n)); return; }
      this.nRead += n;
      this.stack.signalNow();   // a dequeue notification reaches the writer now, not after the fifo drained
      if (viaCxx) { cxx.readBuffer.call(this, this.scratchBuf!.subarray(0, n)); continue; }
      const st = internals();
      st.streamBaseState[st.kReadBytesOrError] = n;
      if (chunk) {
        st.streamBaseState[st.kArrayBufferOffset] = chunk.byteOffset;
        this.onread(chunk.buffer as ArrayBuffer);
      } else {
        const next = this.onread();
        if (ArrayBuffer.isView(next)) this.userBuf = next as Uint8Array;
      }
    }
  }

  private deliverEof() {
    this.eofDelivered = true;
    this.updateRef();
    if (this.viaCxx) { cxx.emitEOF.call(this); return; }
    const st = internals();
    st.streamBaseState[st.kReadBytesOrError] = UV_EOF;
    this.onread();
  }

  private deliverError(status: number) {
    this.eofDelivered = true;
    this.updateRef();
    if (this.viaCxx) { this.owner()?.destroy(errnoException(getSystemErrorName(status), 'read')); return; }
    const st = internals();
    st.streamBaseState[st.kReadBytesOrError] = status;
    this.onread();
  }

  private owner(): { destroy(e?: Error): void } | undefined {
    return (this as unknown as Record<symbol, { destroy(e?: Error): void }>)[internals().ownerSymbol];
  }

  /** A wake-up: a new turn of the loop for the read cap. */
  // A pull already scheduled reads what is there on its own turn: the reader
  // started (or connected) in this callback hears of bytes and EOF only after
  // its microtasks ran, as libuv delivers a connect and the first read in
  // separate callbacks (`await once(s, 'connect')` still sees remoteAddress).
  onReadable() {
    if (this.pullScheduled) return;
    this.turnReads = 0;
    if (this.wantRead && this.connected) this.pull();
  }

  onPeerClosed() {
    this.peerClosed = true;
    if (!this.pullScheduled && this.wantRead && this.connected) this.pull();
  }

  onReset() { this.fail(uvCode('ECONNRESET')); }

  /** The session failed: the reader hears it as a read error, as node hears a reset on a TCPWrap. */
  private fail(status: number) {
    if (this.closed) return;
    if (this.connectReq) { this.connectDone(status); return; }
    for (const w of this.writes.splice(0)) this.completeWrite(w, status);
    this.updateRef();
    if (!this.eofDelivered) this.deliverError(status);
  }

  onVppClosed() {
    this.vppGone = true;
    if (this.sid >= 0) this.stack.unregister(this.sid);
    if (!this.peerClosed && !this.shutdownSent) { this.onReset(); return; }
    this.peerClosed = true;
    for (const w of this.writes.splice(0)) this.completeWrite(w, uvCode('EPIPE'));
    this.updateRef();
    if (this.wantRead) this.pull();
  }

  onStackError(err: Error) {
    this.vppGone = true;
    this.releaseConnectSlot();
    if (this.closed) return;
    const owner = this.owner();
    if (owner) owner.destroy(attachmentLost(err));
  }

  /** The core poisoned the session (VPP's shared memory lied about it). */
  onSessionError(err: number) { this.fail(uvCode(err)); }

  // ---- busy polling ----
  busyPollOnce(): number {
    if (this.closed || this.sid < 0) return -1;
    this.onReadable();
    this.onWritable();
    return this.nRead + this.nWritten;
  }

  busyPolling(on: boolean) {
    if (this.sid < 0 || this.vppGone || this.closed) return;
    this.stack.engine.core.session_poll(this.sid, on ? 1 : 0);
    if (on) return;
    // the window passed: poll again only once bytes move again; an empty
    // read or a full write now arms the events we sleep on
    this.busyPolledAt = this.nRead + this.nWritten;
    this.busyPollOnce();
  }

  /** Waiting on an empty rx or a full tx fifo: with busyPoll, poll it (once per spell of traffic). */
  /**
   * A writer parked on a full cut-through fifo also looks again by itself,
   * after 1, 2, 4 .. 64 ms. VPP 26.06 can lose its dequeue notification:
   * ct_session_tx hands the writer's request to the reader's fifo after the
   * reader may already have drained it, and an empty fifo is never read again
   * (26.10 checks for that and notifies at once). Seen as a 32 MiB echo
   * between two processes stalling for good in ~1 run of 15; one timer, and
   * only while a write waits.
   */
  private armFullBackstop() {
    if (!this.ct) return;
    this.fullBackoffMs = Math.min(this.fullBackoffMs * 2 || 1, 64);
    clearTimeout(this.fullBackstop);
    this.fullBackstop = setTimeout(() => { if (!this.closed && this.sid >= 0) this.flushWrites(); }, this.fullBackoffMs);
    this.fullBackstop.unref();
  }
  private fullBackstop?: NodeJS.Timeout;
  private fullBackoffMs = 0;

  private park() {
    if (this.busyPoll && this.nRead + this.nWritten !== this.busyPolledAt) this.stack.busyPoll(this);
  }

  // ---- teardown, options, refs ----
  close(cb?: () => void) { this.release(false); if (cb) setImmediate(cb); }
  /** resetAndDestroy(): RST instead of FIN. */
  reset(cb?: () => void) { this.release(true); if (cb) setImmediate(cb); return 0; }

  private release(abort: boolean) {
    if (this.closed) return;
    this.closed = true;
    this.wantRead = false;
    this.releaseConnectSlot();
    this.connectReq = undefined;
    if (this.sid >= 0) {
      const { core } = this.stack.engine;
      if (!this.vppGone) (abort ? core.abort(this.sid) : core.close(this.sid));
      this.stack.unregister(this.sid);
      this.stack.kick();
      this.sid = -1;
    }
    this.writes.length = 0;
    clearTimeout(this.fullBackstop);
    this.hold(false);
  }

  setNoDelay() { return 0; }       // VPP's TCP sends as soon as the TX event is handled: there is no Nagle to turn off
  setKeepAlive() { return 0; }     // VPP's TCP has no keepalive probes; accepted and ignored

  // node's ref()/unref()
  ref() { this.wantRef = true; this.updateRef(); }
  unref() { this.wantRef = false; this.updateRef(); }
  hasRef() { return this.wantRef; }
  private wantRef = true;
  /**
   * libuv's rule for what keeps the loop alive: a ref'd handle while it is
   * active (reading, until EOF), and a request (connect, write, shutdown)
   * whether its handle is ref'd or not. So a socket nobody reads any more
   * (paused, or its peer ended) lets the process exit, as on the kernel.
   */
  private updateRef() {
    const requests = this.connectReq !== undefined || this.writes.length > 0 || this.shutdownReq !== undefined;
    const reading = this.wantRead && !this.eofDelivered && this.sid >= 0;
    this.hold(!this.closed && (requests || (this.wantRef && reading)));
  }
  private hold(on: boolean) {
    if (on === this.held) return;
    this.held = on;
    if (on) this.stack.ref(); else this.stack.unref();
  }

}
