/**
 * The stack: one attachment of this process (one VPP app worker) to a VPP
 * app namespace, through one engine. It attaches over the app socket, maps
 * the segments VPP hands over, and turns each wake-up of the app mq eventfd
 * into one drain of the core's event ring, dispatched to sockets and servers.
 */
import { debuglog } from 'util';
import type { Engine } from '../engine/types';
import { Ev, VN } from '../engine/abi';
import type { Host, EventfdWatch } from '../host';

const debug = debuglog('vppnet');

export interface StackOptions {
  appSocket: string;
  /** 'both' (cut-through to local listeners, TCP otherwise), or 'global' (always VPP's TCP). */
  scope: 'both' | 'global';
  fifoSize: number;
  segmentSize: number;
  addSegmentSize: number;
  evtQueueSize: number;
  attachTimeoutMs: number;
}

function envInt(name: string, dflt: number): number {
  const v = process.env[name];
  return v && /^\d+$/.test(v) ? Number(v) : dflt;
}

/** Defaults, read from the environment when a stack attaches (VPPNET_FIFO_SIZE, VPPNET_SEGMENT_SIZE, VPPNET_ADD_SEGMENT_SIZE). */
export const stackDefaults = (): Omit<StackOptions, 'appSocket'> => ({
  scope: 'both',
  // fifos grow on demand up to this; with 1 MiB a bulk stream stalls on every
  // full fifo for a notification round trip through VPP (4 MiB measured ~2x)
  fifoSize: envInt('VPPNET_FIFO_SIZE', 4 << 20),
  // memfds: only the pages fifos touch are backed
  segmentSize: envInt('VPPNET_SEGMENT_SIZE', 128 << 20),
  addSegmentSize: envInt('VPPNET_ADD_SEGMENT_SIZE', 128 << 20),
  // the app mq's control ring gets 1/16 of the slots: 1024 control messages
  // in flight (ACCEPTED, CONNECTED, ...) before VPP refuses with ALLOC
  evtQueueSize: 16384,
  attachTimeoutMs: 2000,
});

/** What the stack delivers to a session (a VppSocket). */
export interface SessionSink {
  onConnected(vppRetval: number): void;
  onReadable(): void;
  onWritable(): void;
  onPeerClosed(): void;
  onReset(): void;
  onVppClosed(): void;
  onSessionError(err: number): void;
  /** The attachment is gone (VPP died or lied): the session is too. */
  onStackError(err: Error): void;
}

/** A session that busy-polls its fifos while it waits (see Stack.spinOn). */
export interface SpinSink {
  /** Microseconds to keep polling after the last byte moved. */
  readonly busyPoll: number;
  /** Try to read and write now; returns a count that grows when bytes moved, or -1 when the session is gone. */
  spinPoll(): number;
  /** Polling starts (the core arms no events) or ends (arm them again, by reading and writing once). */
  polling(on: boolean): void;
}

/** What the stack delivers to a listener (a VppServer). */
export interface ListenerSink {
  onBound(vppRetval: number, port: number): void;
  onUnbound(): void;
  onAccept(sid: number): void;
  onStackError(err: Error): void;
}

interface Segment { base: number; size: number; handle: string }

let attachSeq = 0;
const VN_ENOMEM = -12;
/** How long an exiting process gives VPP to finish what it started for it (settleBeforeExit). */
const EXIT_SETTLE_MS = 250;
const nap = new Int32Array(new SharedArrayBuffer(4));
const MAX_CONNECTS_IN_FLIGHT = 64;

export class Stack {
  readonly engine: Engine;
  readonly opts: StackOptions;
  private readonly host: Host;
  private sapiFd = -1;
  private mqEventFd = -1;
  private vppMqEventFds: number[] = [];
  private watch?: EventfdWatch;
  private sapiWatch?: EventfdWatch;
  private readonly segments = new Map<number, Segment>();
  private readonly sessions: (SessionSink | undefined)[] = [];
  private readonly listeners = new Map<number, ListenerSink>();
  private refs = 0;
  private retryTimer?: NodeJS.Timeout;
  private draining = false;
  dead: Error | undefined;
  onDead?: (err: Error) => void;

  constructor(host: Host, engine: Engine, opts: StackOptions) {
    this.host = host;
    this.engine = engine;
    this.opts = opts;
    try {
      this.attach();
    } catch (e) {
      this.release();
      throw e;
    }
  }

  private attach() {
    const { host, engine, opts } = this;
    const core = engine.core;
    this.sapiFd = host.sapiConnect(opts.appSocket, opts.attachTimeoutMs);
    const flags = VN.APP_ACCEPT_REDIRECT | VN.APP_ADD_SEGMENT | VN.APP_USE_GLOBAL_SCOPE | VN.APP_EVT_MQ_EVENTFD |
      (opts.scope === 'both' ? VN.APP_USE_LOCAL_SCOPE : 0);
    const len = core.attach_encode(process.pid, ++attachSeq, flags, opts.evtQueueSize, opts.segmentSize,
      opts.addSegmentSize, opts.fifoSize, opts.fifoSize);
    let reply: ReturnType<Host['sapiRecv']>;
    try {
      host.sapiSend(this.sapiFd, engine.scratch().subarray(0, len));
      reply = host.sapiRecv(this.sapiFd, opts.attachTimeoutMs);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw Object.assign(new Error(`vppnet: attach to ${opts.appSocket} failed: ${err.code === 'ETIMEDOUT'
        ? `no reply within ${opts.attachTimeoutMs} ms (is it VPP's app socket?)` : err.message}`),
      { code: err.code ?? 'ERR_VPPNET_ATTACH', errno: err.errno, cause: err });
    }
    const { msg, fds } = reply;
    engine.scratch().set(msg.subarray(0, Math.min(msg.length, 512)));
    const fdFlags = core.attach_decode(msg.length, fds.length);
    if (fdFlags < 0) {
      for (const fd of fds) host.closeFd(fd);
      throw attachError(fdFlags, core.attach_info(VN.INFO.RETVAL) | 0, opts.appSocket);
    }
    // fds arrive in flag order: VPP mq segment, app segment, app mq eventfd, VPP mq eventfds
    let i = 0;
    const take = () => fds[i++];
    const vppSegFd = fdFlags & VN.FD_VPP_MQ_SEGMENT ? take() : -1;
    const appSegFd = fdFlags & VN.FD_MEMFD_SEGMENT ? take() : -1;
    this.mqEventFd = fdFlags & VN.FD_MQ_EVENTFD ? take() : -1;
    this.vppMqEventFds = fds.slice(i);
    if (vppSegFd >= 0) this.mapSegment(vppSegFd, VN.SEG_VPP_MQ, 0, 0);
    if (appSegFd >= 0) {
      this.mapSegment(appSegFd, VN.SEG_APP, core.attach_info(VN.INFO.SEG_HANDLE_LO), core.attach_info(VN.INFO.SEG_HANDLE_HI));
    }
    const rv = core.attach_finish();
    if (rv < 0) {
      throw attachError(rv, 0, opts.appSocket,
        rv === -71 ? 'VPP must run with "session { use-private-rx-mqs }" and hand out eventfds' : undefined);
    }
    process.on('exit', this.settleBeforeExit);
    this.watch = host.watch(this.mqEventFd, (err) => (err ? this.fail(err) : this.drain()));
    // VPP closing the app socket is how a dead or restarted VPP shows itself
    this.sapiWatch = host.watchHangup(this.sapiFd, () => this.fail(vppGone(opts.appSocket)));
    this.updateRef();
    debug('attached to %s (engine %s, app index %d, %d VPP queues)', opts.appSocket, engine.kind,
      core.attach_info(VN.INFO.APP_INDEX), core.attach_info(VN.INFO.N_VPP_MQS));
  }

  /** Map a memfd VPP gave us and register it with the core; the fd is closed either way. */
  private mapSegment(fd: number, kind: number, lo: number, hi: number) {
    const { host, engine } = this;
    let base = -1;
    try {
      const size = host.fdSize(fd);
      base = engine.mapSegment(fd, size);
      const slot = engine.core.segment_add(kind, lo, hi, base, size);
      if (slot < 0) throw coreErr(slot, `VPP segment ${handleStr(lo, hi)} is malformed`);
      this.segments.set(slot, { base, size, handle: kind === VN.SEG_APP ? handleStr(lo, hi) : '' });
      base = -1;
    } finally {
      if (base >= 0) engine.unmapSegment(base, host.fdSize(fd));
      host.closeFd(fd);
    }
  }

  // ---- sessions and listeners ----
  register(sid: number, sink: SessionSink) { this.sessions[sid] = sink; }
  unregister(sid: number) { this.sessions[sid] = undefined; }
  registerListener(sid: number, sink: ListenerSink) { this.listeners.set(sid, sink); }

  /**
   * Whether VPP connects this app to its own listeners: undefined until a
   * connect to one of them is answered. VPP 26.10 does (cut-through); VPP
   * 26.06 never does (its ct_session_connect skips listeners of the
   * connecting app, and the connect falls to VPP's TCP, which refuses a
   * connection from VPP to itself): there such connects go through a second
   * attachment of this process (glue/vpp/index.ts selfConnectStack).
   */
  selfConnect: boolean | undefined;
  /** That second attachment (set by glue/vpp/index.ts). */
  selfConnectStack?: () => Stack;
  /** A listener of this app is bound to `port` (any address). */
  listensOn(port: number): boolean {
    const { core } = this.engine;
    for (const sid of this.listeners.keys()) {
      if (core.session_addr(sid, 0) < 0) continue;
      const b = this.engine.scratch();
      if ((b[16] | (b[17] << 8)) === port) return true;   // VN_ADDR_PORT: u16, host order
    }
    return false;
  }

  /**
   * Connects in flight are bounded: each one makes VPP queue control messages
   * for us (CONNECTED, and ACCEPTED when we are also the server), and a full
   * control ring makes VPP fail the connect. Excess connects wait their turn.
   */
  connectSlot(start: () => void) {
    if (this.connecting < MAX_CONNECTS_IN_FLIGHT) { this.connecting++; start(); } else this.connectQueue.push(start);
  }
  releaseConnectSlot() {
    const next = this.connectQueue.shift();
    // on a later tick: a connect that fails at once releases its slot again,
    // and a long queue would otherwise recurse through every one of them
    if (next) process.nextTick(next); else this.connecting--;
  }
  private connecting = 0;
  private readonly connectQueue: (() => void)[] = [];

  /**
   * CONNECTs VPP has not answered yet, by sid -> port. VPP (26.06 and
   * 26.10) accepts a cut-through connect two turns of its loop after the
   * CONNECT, through the listener it found at first, without checking that
   * the listener still exists: an UNLISTEN in between makes VPP dereference
   * the freed listener (SIGSEGV in ct_accept_one). So a listener of this app
   * is closed only once this app's connects to its port are answered, and
   * new connects to a port being closed are refused here, as a closed
   * listener would (docs/vpp-bugs.md).
   */
  connectSent(sid: number, port: number) { this.inFlight.set(sid, port); }
  connectAnswered(sid: number) {
    if (!this.inFlight.delete(sid)) return;
    this.runWaiters();
    this.paired?.runWaiters();
  }
  private runWaiters() {
    for (const [port, fns] of this.portWaiters) {
      if (this.connectsTo(port)) continue;
      this.portWaiters.delete(port);
      for (const fn of fns) fn();
    }
  }
  /** The other attachment of this process whose connects reach our listeners (VPP 26.06: selfConnectStack). */
  paired?: Stack;
  /** Run fn once no connect of this app to `port` is waiting for VPP's answer. */
  afterConnects(port: number, fn: () => void) {
    if (!this.connectsTo(port)) { fn(); return; }
    debug('unlisten of port %d waits for this app\'s connects to it', port);
    const fns = this.portWaiters.get(port);
    if (fns) fns.push(fn); else this.portWaiters.set(port, [fn]);
  }
  /** A listener of this app (or of its paired attachment) on `port` is being closed. */
  closing(port: number): boolean { return this.portWaiters.has(port) || !!this.paired?.portWaiters.has(port); }
  private connectsTo(port: number) {
    const mine = (st: Stack) => { for (const p of st.inFlight.values()) if (p === port) return true; return false; };
    return mine(this) || (!!this.paired && !this.paired.dead && mine(this.paired));
  }
  private readonly inFlight = new Map<number, number>();
  private readonly portWaiters = new Map<number, (() => void)[]>();

  /**
   * Busy polling (opt-in, like Linux's SO_BUSY_POLL): a session waiting on an
   * empty rx fifo or a full tx fifo checks the fifo itself once per turn of
   * the event loop, for up to its busyPoll µs after it last moved a byte,
   * instead of waiting for VPP to relay the peer's event. While it polls,
   * the core arms no events for it (vn_session_poll), so neither the peer nor
   * VPP relays notifications nobody waits for; on cut-through two polling
   * ends need VPP for nothing on the data path.
   */
  spinOn(sink: SpinSink) {
    if (this.spinning.has(sink)) return;
    this.spinning.set(sink, { mark: -1, since: 0 });   // the first poll starts the window
    sink.polling(true);
    if (!this.spinScheduled) { this.spinScheduled = true; setImmediate(this.spin); }
  }
  private readonly spin = () => {
    this.spinScheduled = false;
    if (this.dead) { this.spinning.clear(); return; }
    const now = performance.now();
    for (const [sink, st] of this.spinning) {
      const mark = sink.spinPoll();
      if (mark !== st.mark) { st.mark = mark; st.since = now; }
      if (mark < 0) this.spinning.delete(sink);
      else if (now - st.since > sink.busyPoll / 1000) { this.spinning.delete(sink); sink.polling(false); }
    }
    if (this.spinning.size) { this.spinScheduled = true; setImmediate(this.spin); }
  };
  private readonly spinning = new Map<SpinSink, { mark: number; since: number }>();
  private spinScheduled = false;

  /** Keep the event loop alive while a ref'd socket or server uses the stack. */
  ref() { this.refs++; this.updateRef(); }
  unref() { this.refs--; this.updateRef(); }
  private updateRef() {
    if (this.refs > 0) { this.watch?.ref(); this.sapiWatch?.ref(); } else { this.watch?.unref(); this.sapiWatch?.unref(); }
  }

  /** After local calls that may have queued messages for VPP: signal once, at the end of this tick. */
  kick() {
    if (this.kickScheduled) return;
    this.kickScheduled = true;
    queueMicrotask(() => {
      this.kickScheduled = false;
      this.signalNow();
    });
  }
  private kickScheduled = false;

  /**
   * Signal VPP now for every queue the core says needs it. The data path
   * calls this at once: a reader's dequeue notification or a writer's TX
   * event told at the end of the tick reached the peer only after a whole
   * fifo had been drained or filled, and the two took turns instead of
   * overlapping (one 4 MiB fifo per VPP round trip).
   */
  signalNow() {
    if (this.dead) return;
    const bits = this.engine.core.signals();
    for (let i = 0; bits >>> i; i++) if ((bits >>> i) & 1) this.host.eventfdWrite(this.vppMqEventFds[i]);
    if (this.engine.core.attach_info(VN.INFO.PENDING) && !this.retryTimer) {
      // a VPP-bound queue was full: try again shortly, never spin
      this.retryTimer = setTimeout(() => { this.retryTimer = undefined; this.drain(); }, 1);
      this.retryTimer.unref();
    }
  }

  /** One wake-up: drain the app mq in batches, dispatch, then signal VPP once. */
  drain() {
    if (this.dead || this.draining) return;
    this.draining = true;
    const { engine } = this;
    try {
      for (;;) {
        const n = engine.core.poll();
        if (n <= 0) break;
        const ev = engine.events();
        for (let i = 0; i < n * VN.EVENT_WORDS; i += VN.EVENT_WORDS) {
          const type = ev[i], sid = ev[i + 1], a = ev[i + 2] | 0;
          if (type === Ev.ADD_SEGMENT) this.addSegment(ev[i + 2], ev[i + 3], ev[i + 5]);
          else this.dispatch(type, sid, a, ev[i + 3]);
          if (this.dead) return;
        }
      }
    } catch (e) {
      this.fail(e as Error);
    } finally {
      this.draining = false;
    }
    this.signalNow();
  }

  private dispatch(type: number, sid: number, a: number, b: number) {
    switch (type) {
      case Ev.RX: this.sessions[sid]?.onReadable(); break;
      case Ev.TX: this.sessions[sid]?.onWritable(); break;
      case Ev.CONNECTED: this.connectAnswered(sid); this.sessions[sid]?.onConnected(a); break;
      case Ev.ACCEPTED: {
        const l = this.listeners.get(a);
        if (l) l.onAccept(sid); else this.engine.core.close(sid);
        break;
      }
      case Ev.PEER_CLOSED: this.sessions[sid]?.onPeerClosed(); break;
      case Ev.RESET: this.sessions[sid]?.onReset(); break;
      case Ev.CLOSED: this.sessions[sid]?.onVppClosed(); break;
      case Ev.SESSION_ERROR: this.connectAnswered(sid); this.sessions[sid]?.onSessionError(a); break;
      case Ev.BOUND: {
        const l = this.listeners.get(sid);
        if (a !== 0) this.listeners.delete(sid); // the core freed the sid: a retry may reuse it
        l?.onBound(a, b);
        break;
      }
      case Ev.UNBOUND: { const l = this.listeners.get(sid); this.listeners.delete(sid); l?.onUnbound(); break; }
      case Ev.DEL_SEGMENT: this.delSegment(a); break;
      case Ev.ATTACH_ERROR: this.fail(coreErr(a, 'VPP shared memory is corrupt; detached')); break;
      default: debug('unknown core event %d', type);
    }
  }

  private addSegment(lo: number, hi: number, fdFlags: number) {
    if (!fdFlags) throw new Error('vppnet: VPP announced a segment without a file descriptor');
    // VPP sent the fd on the app socket before it queued this event
    const { msg, fds } = this.host.sapiRecv(this.sapiFd, this.opts.attachTimeoutMs);
    if (msg[0] !== 5 || fds.length !== 1) {
      for (const fd of fds) this.host.closeFd(fd);
      throw new Error(`vppnet: expected one segment fd from VPP, got message type ${msg[0]} with ${fds.length} fds`);
    }
    // VPP reuses the handle of a segment it freed without telling us (the
    // cut-through segment of a closed listener): that old mapping is stale
    const handle = handleStr(lo, hi);
    for (const [slot, seg] of this.segments) {
      if (seg.handle !== handle) continue;
      const rv = this.engine.core.segment_del(slot);
      if (rv < 0) throw coreErr(rv, `VPP reused segment handle ${handle} while sessions still use it`);
      this.segments.delete(slot);
      this.engine.unmapSegment(seg.base, seg.size);
      debug('segment %s was stale: unmapped', handle);
    }
    try {
      this.mapSegment(fds[0], VN.SEG_APP, lo, hi);
    } catch (e) {
      // out of room (segment slots, or a WASM memory's 4 GiB): only the
      // sessions VPP puts in this segment fail (the core refuses or poisons
      // them); the rest of the app goes on
      if ((e as NodeJS.ErrnoException).errno !== VN_ENOMEM && !/memory|ENOMEM/i.test((e as Error).message)) throw e;
      debug('segment %s could not be mapped (%s): its sessions will fail', handle, (e as Error).message);
      return;
    }
    debug('mapped segment %s', handle);
  }

  private delSegment(slot: number) {
    const seg = this.segments.get(slot);
    debug('VPP deleted segment in slot %d', slot);
    if (!seg) return;
    this.segments.delete(slot);
    this.engine.unmapSegment(seg.base, seg.size);
  }

  get segmentCount() { return this.segments.size; }

  /** The attachment is unusable (VPP died, closed the socket, or lied): fail everything, release all. */
  fail(err: Error) {
    if (this.dead) return;
    this.dead = err;
    debug('stack failed: %s', err.message);
    const sessions = this.sessions.slice();
    const listeners = [...this.listeners.values()];
    this.sessions.length = 0;
    this.listeners.clear();
    this.release();
    for (const s of sessions) s?.onStackError(err);
    // connects still waiting for a slot run now and fail on the dead stack
    for (const start of this.connectQueue.splice(0)) start();
    for (const l of listeners) l.onStackError(err);
    this.inFlight.clear();
    const waiters = [...this.portWaiters.values()].flat();
    this.portWaiters.clear();
    for (const fn of waiters) fn();
    this.paired?.runWaiters();
    this.onDead?.(err);
  }

  /** Detach: closing the app socket makes VPP clean up everything of this app. */
  close() {
    this.fail(Object.assign(new Error('vppnet: detached from VPP'), { code: 'ERR_VPPNET_DETACHED' }));
  }

  /**
   * The process is exiting (process.exit(), or the end of the program), and
   * its exit will detach this app. VPP finishes a cut-through connect, and
   * the close of a cut-through session, a few turns of its loop later, and
   * crashes when the app is gone by then (docs/vpp-bugs.md, bugs 2 and 3). So
   * the app closes its sessions itself, as the kernel closes a dying
   * process's sockets (a FIN, not a reset), answers what VPP sends meanwhile,
   * and goes once VPP has answered its connects and freed its cut-through
   * sessions (bounded). Nobody is told: nothing runs after 'exit'.
   */
  private readonly settleBeforeExit = () => {
    if (this.dead) return;
    const { core } = this.engine;
    const t0 = performance.now(), until = t0 + EXIT_SETTLE_MS;
    const connects = this.inFlight.size;
    try {
      this.sessions.forEach((sink, sid) => { if (sink) core.close(sid); });
      const closing = core.attach_info(VN.INFO.CT_CLOSING);
      let quiet = false;
      for (;;) {
        this.signalNow();
        for (let n = core.poll(); n > 0; n = core.poll()) {
          const ev = this.engine.events();
          for (let i = 0; i < n * VN.EVENT_WORDS; i += VN.EVENT_WORDS) {
            const type = ev[i], sid = ev[i + 1];
            if (type === Ev.ADD_SEGMENT) this.addSegment(ev[i + 2], ev[i + 3], ev[i + 5]);
            else if (type === Ev.DEL_SEGMENT) this.delSegment(ev[i + 2]);
            else if (type === Ev.CONNECTED || type === Ev.SESSION_ERROR) {
              this.inFlight.delete(sid);
              if (type === Ev.CONNECTED && ev[i + 2] === 0) core.close(sid);
            } else if (type === Ev.ACCEPTED || type === Ev.PEER_CLOSED || type === Ev.RESET) core.close(sid);
          }
        }
        const left = core.attach_info(VN.INFO.CT_CLOSING);
        // and VPP has taken every message this app sent (an ACCEPTED_REPLY
        // or DISCONNECT VPP reads after the detach names a session of an app
        // that is gone), then one more turn of its loop to handle them
        const settled = !this.inFlight.size && !left && !core.attach_info(VN.INFO.PENDING) && !core.attach_info(VN.INFO.UNREAD);
        if (settled && !quiet) { quiet = true; Atomics.wait(nap, 0, 0, 1); continue; }
        quiet = settled;
        if (settled) {
          if (closing || connects) {
            debug('exit: VPP answered %d connects and freed %d closed cut-through sessions in %s ms', connects, closing,
              (performance.now() - t0).toFixed(1));
          }
          return;
        }
        if (performance.now() > until) {
          debug('exit: VPP has not answered %d connects and freed %d closed cut-through sessions within %d ms',
            this.inFlight.size, left, EXIT_SETTLE_MS);
          return;
        }
        Atomics.wait(nap, 0, 0, 0.2);
      }
    } catch (e) {
      debug('exit: %s', (e as Error).message);
    }
  };

  private release() {
    const { host } = this;
    process.removeListener('exit', this.settleBeforeExit);
    this.watch?.close();
    this.sapiWatch?.close();
    this.watch = this.sapiWatch = undefined;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const [slot, seg] of this.segments) {
      this.engine.core.segment_del(slot);
      this.engine.unmapSegment(seg.base, seg.size);
    }
    this.segments.clear();
    for (const fd of [this.sapiFd, this.mqEventFd, ...this.vppMqEventFds]) if (fd >= 0) host.closeFd(fd);
    this.sapiFd = this.mqEventFd = -1;
    this.vppMqEventFds = [];
  }
}

function handleStr(lo: number, hi: number): string {
  return '0x' + ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString(16);
}

function coreErr(code: number, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`vppnet: ${message} (core error ${code})`), { code: 'ERR_VPPNET_PROTOCOL', errno: code });
}

function vppGone(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`vppnet: VPP closed the app socket ${path} (VPP stopped or restarted)`),
    { code: 'ECONNRESET', errno: -104, syscall: 'read' });
}

const VPP_ATTACH_ERRORS: Record<number, string> = {
  [-13]: 'no such app (NOAPP)',
  [-14]: 'app already attached (APP_ATTACHED)',
  [-22]: 'invalid app namespace (INVALID_NS)',
  [-38]: 'wrong app namespace secret (WRONG_NS_SECRET)',
  [-25]: 'VPP could not create a segment (SEG_CREATE)',
  [-33]: 'VPP could not allocate an eventfd (EVENTFD_ALLOC)',
};

function attachError(rv: number, vppRetval: number, path: string, why?: string): NodeJS.ErrnoException {
  const reason = why ?? (rv <= -1000
    ? `VPP refused the attach: ${VPP_ATTACH_ERRORS[vppRetval] ?? `SESSION_E ${vppRetval}`}`
    : `VPP's attach reply is malformed (core error ${rv})`);
  return Object.assign(new Error(`vppnet: attach to ${path} failed: ${reason}`), { code: 'ERR_VPPNET_ATTACH', errno: rv });
}
