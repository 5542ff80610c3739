/**
 * The stack: one attachment of this process (one VPP app worker) to a VPP
 * app namespace, through one engine. Each wake-up of the app mq eventfd is
 * one drain of the core's event ring, dispatched to the sessions and
 * listeners registered here; VPP is signalled once per drain, or at once from
 * the data path. The handshake (attach.ts), the segments (segments.ts), connect
 * admission (connects.ts) and busy polling (busy-poll.ts) live beside it.
 */
import { debuglog } from 'util';
import type { Engine } from '../engine/types';
import { Ev, VN } from '../engine/abi';
import type { Host, EventfdWatch } from '../host';
import { detached, protocolError, vppGone } from '../errors';
import { attach, type AttachOptions, type Attachment } from './attach';
import { SegmentTable } from './segments';
import { Connects } from './connects';
import { CertPairs } from './certs';
import { BusyPoller, type BusyPollSink } from './busy-poll';
import { bytesToIp } from './addr';

export interface Endpoint { address: string; port: number; family: 'IPv4' | 'IPv6' }

const debug = debuglog('vppnet');

/**
 * A user callback threw while we dispatched (a 'connection', 'data' or
 * 'connect' handler): as node does for a callback from libuv, it becomes the
 * process's uncaught exception ('uncaughtException', or the process dies and
 * its exit settles with VPP), never the attachment's failure: that closed
 * every socket of the process and, detaching with accepts in flight, crashed
 * VPP (docs/vpp-bugs.md, bug 3).
 */
function uncaught(e: unknown) {
  process.nextTick(() => { throw e; });
}

export type StackOptions = AttachOptions;

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

/** What the stack delivers to a session (a VppStreamHandle). */
export interface SessionSink {
  onConnected(vppRetval: number): void;
  onReadable(): void;
  onWritable(): void;
  onPeerClosed(): void;
  onReset(): void;
  onVppClosed(): void;
  onSessionError(err: number): void;
  /** VPP's answer to vn_tls_alpn: its retval and ALPN id. */
  onAlpn?(vppRetval: number, id: number): void;
  /** The attachment is gone (VPP died or lied): the session is too. */
  onStackError(err: Error): void;
}

/** What the stack delivers to a listener (a VppListenHandle). */
export interface ListenerSink {
  /** A UDP session (VPP's connectionless listener): no TCP port of this app. */
  readonly udp?: boolean;
  onBound(vppRetval: number, port: number): void;
  onUnbound(): void;
  onAccept(sid: number): void;
  onStackError(err: Error): void;
}

/** How long an exiting process gives VPP to finish what it started for it (settleBeforeExit). */
const EXIT_SETTLE_MS = 250;
const nap = new Int32Array(new SharedArrayBuffer(4));

export class Stack {
  readonly engine: Engine;
  readonly opts: StackOptions;
  private readonly host: Host;
  private fds?: Attachment;
  private watch?: EventfdWatch;
  private sapiWatch?: EventfdWatch;
  private readonly segments: SegmentTable;
  private readonly sessions: (SessionSink | undefined)[] = [];
  private readonly listeners = new Map<number, ListenerSink>();
  private refs = 0;
  private retryTimer?: NodeJS.Timeout;
  private draining = false;
  /** Connect admission (slots, connects VPP has not answered). */
  readonly connects = new Connects();
  /** The certificate/key pairs of this attachment's TLS listeners in VPP. */
  readonly certs: CertPairs;
  private readonly poller = new BusyPoller(() => !this.dead);
  dead: Error | undefined;
  onDead?: (err: Error) => void;

  constructor(host: Host, engine: Engine, opts: StackOptions) {
    this.host = host;
    this.engine = engine;
    this.opts = opts;
    this.segments = new SegmentTable(host, engine);
    try {
      this.fds = attach(host, engine, opts, this.segments);
    } catch (e) {
      this.segments.release();
      throw e;
    }
    this.certs = new CertPairs(host, engine, () => this.fds!.sapiFd, opts.attachTimeoutMs, this.segments);
    process.on('exit', this.settleBeforeExit);
    this.watch = host.watch(this.fds.mqEventFd, (err) => (err ? this.fail(err) : this.drain()));
    // VPP closing the app socket is how a dead or restarted VPP shows itself
    this.sapiWatch = host.watchHangup(this.fds.sapiFd, () => this.fail(vppGone(opts.appSocket)));
    this.updateRef();
    debug('attached to %s (engine %s, app index %d, %d VPP queues)', opts.appSocket, engine.kind,
      engine.core.attach_info(VN.INFO.APP_INDEX), engine.core.attach_info(VN.INFO.N_VPP_MQS));
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
    for (const [sid, l] of this.listeners) if (!l.udp && this.endpoint(sid, 0)?.port === port) return true;
    return false;
  }

  /** Local (which 0) or remote (1) address of a session or listener, as the core reports it; undefined for an unknown sid. */
  endpoint(sid: number, which: 0 | 1): Endpoint | undefined {
    if (this.engine.core.session_addr(sid, which) < 0) return undefined;
    const s = this.engine.scratch();
    const isIp4 = s[VN.ADDR_IS_IP4] === 1;
    return {
      address: bytesToIp(s.subarray(VN.ADDR_IP, VN.ADDR_IP + 16), isIp4),
      port: s[VN.ADDR_PORT] | (s[VN.ADDR_PORT + 1] << 8),
      family: isIp4 ? 'IPv4' : 'IPv6',
    };
  }

  /** Poll `sink`'s fifos while it waits (busy-poll.ts). */
  busyPoll(sink: BusyPollSink) { this.poller.start(sink); }

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
    if (this.dead || !this.fds) return;
    let bits = this.engine.core.signals();
    const pending = bits & VN.SIGNALS_PENDING;
    bits &= ~VN.SIGNALS_PENDING;
    for (let i = 0; bits >>> i; i++) if ((bits >>> i) & 1) this.host.eventfdWrite(this.fds.vppMqEventFds[i]);
    if (pending && !this.retryTimer) {
      // a VPP-bound queue was full: try again shortly, never spin
      this.retryTimer = setTimeout(() => { this.retryTimer = undefined; this.drain(); }, 1);
      this.retryTimer.unref();
    }
  }

  /**
   * One wake-up: drain the app mq in batches, dispatch, then signal VPP once.
   * Only the core's own failures fail the attachment; what a socket's user
   * throws is theirs (uncaught, below) and the other events still go out.
   */
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
          try {
            this.dispatch(ev[i], ev[i + 1], ev[i + 2] | 0, ev[i + 3], ev[i + 5]);
          } catch (e) {
            uncaught(e);
          }
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

  private dispatch(type: number, sid: number, a: number, b: number, e: number) {
    switch (type) {
      case Ev.RX: this.sessions[sid]?.onReadable(); break;
      case Ev.TX: this.sessions[sid]?.onWritable(); break;
      case Ev.CONNECTED: this.connects.answered(sid); this.sessions[sid]?.onConnected(a); break;
      case Ev.ACCEPTED: {
        const l = this.listeners.get(a);
        if (l) l.onAccept(sid); else this.engine.core.close(sid);
        break;
      }
      case Ev.PEER_CLOSED: this.sessions[sid]?.onPeerClosed(); break;
      case Ev.ALPN: this.sessions[sid]?.onAlpn?.(a, b); break;
      case Ev.RESET: this.sessions[sid]?.onReset(); break;
      case Ev.CLOSED: this.sessions[sid]?.onVppClosed(); break;
      case Ev.SESSION_ERROR: this.connects.answered(sid); this.sessions[sid]?.onSessionError(a); break;
      case Ev.BOUND: {
        this.connects.ctrlAnswered();
        const l = this.listeners.get(sid);
        if (a !== 0) this.listeners.delete(sid); // the core freed the sid: a retry may reuse it
        l?.onBound(a, b);
        break;
      }
      case Ev.UNBOUND: { this.connects.ctrlAnswered(); const l = this.listeners.get(sid); this.listeners.delete(sid); l?.onUnbound(); break; }
      case Ev.ADD_SEGMENT: this.segments.add(this.fds!.sapiFd, this.opts.attachTimeoutMs, a, b, e); break;
      case Ev.DEL_SEGMENT: this.segments.del(a); break;
      case Ev.ATTACH_ERROR: this.fail(protocolError(a, 'VPP shared memory is corrupt; detached')); break;
      default: debug('unknown core event %d', type);
    }
  }

  get segmentCount() { return this.segments.count; }

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
    for (const start of this.connects.drainQueue()) start();
    for (const l of listeners) l.onStackError(err);
    this.connects.clear();
    this.onDead?.(err);
  }

  /**
   * Detach: closing the app socket makes VPP clean up everything of this app.
   * First let VPP finish what it started for us, as at exit: a detach with
   * cut-through accepts or closes in flight crashes VPP (bugs 2 and 3).
   */
  close() {
    this.settleBeforeExit();
    this.fail(detached());
  }

  /**
   * The process is exiting (process.exit(), or the end of the program), and
   * its exit will detach this app. VPP finishes a cut-through connect, and
   * the close of a cut-through session, a few turns of its loop later, and
   * crashes when the app is gone by then (docs/vpp-bugs.md, bugs 2 and 3). So
   * the app closes its sessions itself, as the kernel closes a dying
   * process's sockets (a FIN, not a reset), answers what VPP sends meanwhile,
   * and goes once VPP has answered its connects, freed its cut-through
   * sessions and taken every message it sent (bounded). Nobody is told:
   * nothing runs after 'exit'.
   */
  private readonly settleBeforeExit = () => {
    if (this.dead) return;
    const { core } = this.engine;
    const t0 = performance.now(), until = t0 + EXIT_SETTLE_MS;
    const connects = this.connects.unanswered;
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
            if (type === Ev.ADD_SEGMENT) this.segments.add(this.fds!.sapiFd, this.opts.attachTimeoutMs, ev[i + 2], ev[i + 3], ev[i + 5]);
            else if (type === Ev.DEL_SEGMENT) this.segments.del(ev[i + 2]);
            else if (type === Ev.CONNECTED || type === Ev.SESSION_ERROR) {
              this.connects.answeredAtExit(sid);
              if (type === Ev.CONNECTED && ev[i + 2] === 0) core.close(sid);
            } else if (type === Ev.ACCEPTED || type === Ev.PEER_CLOSED || type === Ev.RESET) core.close(sid);
          }
        }
        const left = core.attach_info(VN.INFO.CT_CLOSING);
        // an ACCEPTED_REPLY or DISCONNECT VPP reads after the detach names a
        // session of an app that is gone: wait until VPP took them all, then
        // one more turn of its loop to handle them
        const settled = !this.connects.unanswered && !left && !core.attach_info(VN.INFO.PENDING) && !core.attach_info(VN.INFO.UNREAD);
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
            this.connects.unanswered, left, EXIT_SETTLE_MS);
          return;
        }
        Atomics.wait(nap, 0, 0, 0.2);
      }
    } catch (e) {
      debug('exit: %s', (e as Error).message);
    }
  };

  private release() {
    process.removeListener('exit', this.settleBeforeExit);
    this.watch?.close();
    this.sapiWatch?.close();
    this.watch = this.sapiWatch = undefined;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.segments.release();
    const fds = this.fds;
    this.fds = undefined;
    if (fds) for (const fd of [fds.sapiFd, fds.mqEventFd, ...fds.vppMqEventFds]) if (fd >= 0) this.host.closeFd(fd);
  }
}
