/**
 * VppListenHandle: one VPP listener as the handle under a node net.Server —
 * what TCPWrap in server mode is for the kernel. Each ACCEPTED becomes a
 * VppStreamHandle handed to node's own onconnection, so maxConnections,
 * 'drop', pauseOnConnect, noDelay/keepAlive and the accepted Socket are
 * node's. Unlike a kernel listen, VPP answers LISTEN later (BOUND): the
 * server says 'listening' then, or 'error' (glue/net.ts).
 */
import type { ListenerSink, Stack } from './stack';
import { VppStreamHandle } from './stream-handle';
import { VN } from '../engine/abi';
import { SESSION_E, uvCode } from '../errors';
import { ipToBytes, EPHEMERAL_TRIES, ephemeralPort } from './addr';

interface Addr { address: string; family: 'IPv4' | 'IPv6'; port: number }

/** A listener of VPP's TLS: its certificate/key pair in VPP (stack.certs, released with the listener) and ALPN ids. */
export interface TlsListen { ckpair: number; alpn: number }


export class VppListenHandle implements ListenerSink {
  /** node's onconnection (set by glue/net.ts as setupListenHandle sets it). */
  onconnection?: (err: number, handle?: VppStreamHandle) => void;
  /** VPP's answer to LISTEN: 0, or a libuv status. */
  onbound?: (status: number) => void;
  /** VPP freed the listener after close(). */
  onunbound?: () => void;
  /** The attachment died under the listener. */
  onerror?: (err: Error) => void;
  private sid = -1;
  private addr?: Addr;
  private ephemeralTries = 0;
  private closed = false;
  /** VPP answered the LISTEN: until then the listen is a request, which keeps the loop alive even unref'd. */
  private bound = false;
  private held = false;

  constructor(readonly stack: Stack, private readonly busyPoll: number, private tls?: TlsListen) {}

  /** The address to listen on; port 0 picks one now, so address() can say it at once, as node's does. */
  bind(address: string, family: 4 | 6, port: number) {
    this.ephemeralTries = port === 0 ? EPHEMERAL_TRIES : 0;
    this.addr = { address, family: family === 4 ? 'IPv4' : 'IPv6', port: port || ephemeralPort() };
    return 0;
  }

  /** LISTEN (the backlog is VPP's business: it has no accept queue to size). */
  listen(_backlog?: number): number {
    if (this.stack.dead) return uvCode('ECONNABORTED');
    const a = this.addr!;
    const { engine } = this.stack;
    engine.scratch().set(ipToBytes(a.address, a.family === 'IPv4' ? 4 : 6));
    const isIp4 = a.family === 'IPv4' ? 1 : 0;
    const sid = this.tls ? engine.core.tls_listen(isIp4, a.port, this.tls.ckpair, this.tls.alpn) : engine.core.listen(isIp4, a.port);
    if (sid === VN.EAGAIN) { setImmediate(() => { if (!this.closed) this.relisten(); }); return 0; }
    if (sid < 0) return uvCode(sid);
    this.sid = sid;
    this.stack.connects.ctrlSent();
    this.stack.registerListener(sid, this);
    this.stack.kick();
    this.updateRef();
    return 0;
  }

  private relisten() {
    const err = this.listen();
    if (err) { this.sid = -1; this.updateRef(); this.releaseTls(); this.onbound?.(err); }
  }

  /** VPP no longer uses the pair for this listener. */
  private releaseTls() {
    const t = this.tls;
    this.tls = undefined;
    if (t && !this.stack.dead) this.stack.certs.release(t.ckpair);
  }

  onBound(vppRetval: number) {
    if ((vppRetval === SESSION_E.PORTINUSE || vppRetval === SESSION_E.ALREADY_LISTENING) && --this.ephemeralTries > 0) {
      this.sid = -1;
      this.addr!.port = ephemeralPort();
      this.relisten();
      return;
    }
    if (vppRetval !== 0) {
      this.sid = -1;
      this.updateRef();
      this.releaseTls();
      this.onbound?.(uvCode(vppRetval, 'vpp'));
      return;
    }
    this.bound = true;
    this.updateRef();
    this.onbound?.(0);
  }

  onAccept(sid: number) {
    if (this.closed || !this.onconnection) { this.stack.engine.core.close(sid); this.stack.kick(); return; }
    this.onconnection(0, new VppStreamHandle(this.stack, { sid, busyPoll: this.busyPoll }));
  }

  onUnbound() {
    this.sid = -1;
    this.updateRef();
    this.releaseTls();
    this.onunbound?.();
  }

  onStackError(err: Error) {
    this.sid = -1;
    this.updateRef();
    if (!this.closed) this.onerror?.(err);
    else this.onunbound?.();
  }

  getsockname(out: Partial<Addr>) {
    if (!this.addr) return uvCode('EINVAL');
    Object.assign(out, this.addr);
    return 0;
  }

  /** UNLISTEN, once this app's own connects towards it are answered (connects.ts); onunbound follows. */
  close(cb?: () => void) {
    if (this.closed) return;
    this.closed = true;
    const sid = this.sid;
    if (cb) setImmediate(cb);
    if (sid < 0 || this.stack.dead) { this.releaseTls(); setImmediate(() => this.onunbound?.()); return; }
    const { address, family, port } = this.addr!;
    this.stack.connects.after({ address, family: family === 'IPv4' ? 4 : 6, port }, () => {
      if (this.stack.dead) return;
      if (this.stack.engine.core.unlisten(sid) === 0) this.stack.connects.ctrlSent();
      this.stack.kick();
    });
  }

  ref() { this.wantRef = true; this.updateRef(); }
  unref() { this.wantRef = false; this.updateRef(); }
  hasRef() { return this.wantRef; }
  private wantRef = true;
  /**
   * Held while VPP has the listener and the server is ref'd, and while the
   * LISTEN is unanswered in any case: node binds synchronously and says
   * 'listening' on the next tick, so an unref'd server still hears it.
   */
  private updateRef() {
    const on = this.sid >= 0 && (this.wantRef || !this.bound);
    if (on === this.held) return;
    this.held = on;
    if (on) this.stack.ref(); else this.stack.unref();
  }
}
