/**
 * Where the transport is bound: at connect() and listen(), as node binds an
 * address — not when the object is made. node:net's Socket and Server stay
 * what the user holds; for a TCP endpoint that the mode sends to VPP they get
 * a VPP handle instead of a TCPWrap, and node's own code does the rest.
 * IPC (a path, an fd, a handle) and the kernel cases never reach here.
 *
 * vppnet.Socket/Server (glue/index.ts) call these from their connect and
 * _listen2; register mode (glue/register.ts) puts the same calls on node's
 * own prototypes.
 */
import * as net from 'node:net';
import { internals } from './node-internals';
import { resolve, vppnetOptionsOf, type Config, type Transport, type VppnetOptions } from './config';
import { decide, type Decision } from './transport';
import { errnoException, vppUnavailable } from './errors';
import { recordDecision } from './activity';
import { debug } from './debug';
import { getSystemErrorName } from 'node:util';
import type { Stack } from './vpp/stack';
import { VppStreamHandle } from './vpp/stream-handle';
import { VppListenHandle } from './vpp/listen-handle';
import type { TlsConnect } from './vpp/stream-handle';
export type { TlsConnect };

/**
 * A socket or server of VPP's TLS (vppnet/tls, tlsEngine 'vpp'): what its
 * connect or listen asks of VPP. It exists only in VPP: no kernel fallback.
 */
export const kVppTls = Symbol('vppnet.vppTls');
export interface TlsListenSpec { cert: Buffer; key: Buffer; alpn: number }

/** The vppnet options a socket or server was made with (mode, appSocket, ...). */
export const kOptions = Symbol.for('vppnet.options');
/** The last transport decision of a socket or server: what `transport` says when it has no handle. */
// (Symbol.for: two copies of vppnet in one process read each other's marks)
const kDecision = Symbol.for('vppnet.decision');

type Sock = net.Socket & { _handle: object | null; _peername?: unknown; _sockname?: unknown; [kOptions]?: VppnetOptions;
  [kDecision]?: Decision; [kVppTls]?: TlsConnect };
type Srv = net.Server & { _handle: object | null; _unref: boolean; _connections: number; _connectionKey?: string;
  _emitCloseIfDrained(): void; [kOptions]?: VppnetOptions; [kDecision]?: Decision; [kVppTls]?: TlsListenSpec };

/** What only VPP has (its TLS) gets VPP or ERR_VPPNET_UNAVAILABLE, in `auto` too. */
function vppOnly(d: Decision, what: string): Decision {
  return d.transport === 'kernel' ? { transport: 'unavailable', reason: `${what} needs VPP: ${d.reason}` } : d;
}

function config(o: { [kOptions]?: VppnetOptions }, more?: object): Config {
  const extra = vppnetOptionsOf(more);
  return resolve(extra ? { ...o[kOptions], ...extra } : o[kOptions]);
}

interface OnVpp { stack: Stack; busyPoll: number; auto: boolean; tls?: TlsConnect }
const socketsOnVpp = new WeakMap<object, OnVpp>();

/**
 * connect(): decide for a TCP endpoint and, for VPP, give the socket a VPP
 * handle before node's connect runs (it then uses that handle, as it uses
 * one made by its own constructor). Returns an error to report instead, if
 * `mode: 'vpp'` cannot be met.
 */
export function bindConnect(socket: Sock, options: net.NetConnectOpts & VppnetOptions): Error | undefined {
  const ipc = (options as { path?: unknown }).path != null;
  if (socket._handle && !socket.destroyed) return undefined;   // node's own rules (already connecting, a handle given)
  const cfg = config(socket, options);
  let d = decide(cfg, 'connect', ipc);
  if (socket[kVppTls] && !ipc) d = vppOnly(d, "VPP's TLS (tlsEngine 'vpp')");
  socket[kDecision] = d;
  const o = options as { host?: string; port?: unknown; path?: string };
  recordDecision('connect', ipc ? String(o.path) : `${o.host ?? 'localhost'}:${o.port}`, d.transport, d.reason);
  if (d.transport === 'kernel') { socketsOnVpp.delete(socket); return undefined; }
  if (d.transport === 'unavailable') return vppUnavailable(d.reason, cfg.appSocket);
  const tls = socket[kVppTls];
  const vpp = { stack: d.stack as Stack, busyPoll: cfg.busyPoll, auto: cfg.mode === 'auto' && !tls, tls };
  socketsOnVpp.set(socket, vpp);
  if (socket.destroyed) { socket._handle = null; socket._peername = null; socket._sockname = null; }
  adopt(socket, vppHandle(socket, vpp));
  return undefined;
}

function vppHandle(socket: Sock, vpp: OnVpp): VppStreamHandle {
  const h = new VppStreamHandle(vpp.stack, { busyPoll: vpp.busyPoll, tls: vpp.tls });
  if (vpp.auto) h.kernelFallback = (req, address, family, port) => toKernel(socket, req, address, family, port);
  return h;
}

/**
 * `auto`: VPP refused this connect — nobody listens there in VPP — so it is
 * tried on the kernel, where a service of the host's own stack (a database on
 * 127.0.0.1, say) listens. node's connect request goes on unchanged: its
 * completion is the kernel's.
 */
function toKernel(socket: Sock, req: object, address: string, family: 4 | 6, port: number) {
  socketsOnVpp.delete(socket);
  const reason = `VPP refused ${address}:${port} (no listener there in VPP): tried on the kernel`;
  socket[kDecision] = { transport: 'kernel', reason };
  recordDecision('connect', `${address}:${port}`, 'kernel', reason);
  debug('connect %s:%d: %s', address, port, reason);
  const tcp = internals().newTcp() as { connect(r: object, a: string, p: number): number; connect6(r: object, a: string, p: number): number };
  adopt(socket, tcp);
  const err = family === 4 ? tcp.connect(req, address, port) : tcp.connect6(req, address, port);
  if (err) (req as { oncomplete(...a: unknown[]): void }).oncomplete(err, tcp, req, false, false);
}

/** Give `socket` this handle as node's connect() gives it a fresh TCPWrap (initSocketHandle). */
function adopt(socket: Sock, handle: object) {
  const reinit = (net.Socket.prototype as unknown as Record<symbol, (h: object) => void>)[internals().reinitialize];
  reinit.call(socket, handle);
}

/**
 * node's Happy Eyeballs (autoSelectFamily) makes a fresh TCPWrap for every
 * address it tries after the first: a socket bound to VPP gets a fresh VPP
 * handle instead. Returns the handle to adopt.
 */
export function reinitHandle(socket: object, handle: object): object {
  const vpp = socketsOnVpp.get(socket);
  if (!vpp || isVppHandle(handle)) return handle;
  (handle as { close(): void }).close();
  return vppHandle(socket as Sock, vpp);
}

/**
 * _listen2 (node's setupListenHandle): decide for a TCP address and, for VPP,
 * set the server up on a VPP listener. Returns false when node's own
 * setupListenHandle should run (kernel, IPC, a handle or fd given).
 */
export function bindListen(server: Srv, address: string | null, port: number, addressType: number, backlog: number,
  fd: number | undefined): boolean {
  if (server._handle || typeof fd === 'number' || addressType === -1) return false;
  const cfg = config(server);
  const tls = server[kVppTls];
  let d = decide(cfg, 'listen');
  if (tls) d = vppOnly(d, "VPP's TLS (tlsEngine 'vpp')");
  server[kDecision] = d;
  recordDecision('listen', `${address ?? 'any'}:${port}`, d.transport, d.reason);
  if (d.transport === 'kernel') return false;
  if (d.transport === 'unavailable') {
    process.nextTick(() => server.emit('error', vppUnavailable(d.reason, cfg.appSocket)));
    return true;
  }
  // VPP has no dual-stack wildcard: node's "any address" is IPv4's here
  const family = addressType === 6 ? 6 : 4;
  const addr = address ?? (family === 6 ? '::' : '0.0.0.0');
  const stack = d.stack as Stack;
  let ckpair = 0;
  if (tls) {
    try {
      ckpair = stack.certs.acquire(tls.cert, tls.key);
    } catch (e) {
      process.nextTick(() => server.emit('error', e));
      return true;
    }
  }
  const h = new VppListenHandle(stack, cfg.busyPoll, tls ? { ckpair, alpn: tls.alpn } : undefined);
  const { onconnection, ownerSymbol } = internals();
  h.bind(addr, family, port);
  const fail = (status: number) => {
    const e = errnoException(getSystemErrorName(status), 'listen', addr, port, true);
    process.nextTick(() => server.emit('error', e));
  };
  const err = h.listen(backlog);
  if (err) { h.close(); fail(err); return true; }   // (close: its TLS pair is let go)
  server._handle = h;
  (h as unknown as Record<symbol, unknown>)[ownerSymbol] = server;
  h.onconnection = onconnection as VppListenHandle['onconnection'];
  h.onbound = (status) => {
    if (server._handle !== h) return;
    if (status) { server._handle = null; h.close(); fail(status); return; }
    server.emit('listening');
  };
  h.onerror = (e) => {
    if (server._handle !== h) return;
    server._handle = null;
    server.emit('error', e);
  };
  // node's close() drops the handle and emits 'close' once no connection is
  // left: VPP's listener counts as one until VPP has freed it, so a listen()
  // right after 'close' finds the port free
  const close = h.close.bind(h);
  h.close = (cb) => {
    server._connections++;
    h.onunbound = () => { h.onunbound = undefined; server._connections--; server._emitCloseIfDrained(); };
    close(cb);
  };
  server._connectionKey = `${family}:${addr}:${port}`;
  if (server._unref) h.unref();
  return true;
}

/** Which transport an object of node:net uses, or was last decided for it (undefined: not yet bound). */
export function transportOf(o: { _handle?: object | null; [kDecision]?: Decision }): Transport | undefined {
  if (o._handle) return vppHandleOf(o) ? 'vpp' : 'kernel';
  const d = o[kDecision];
  return d ? (d.transport === 'kernel' ? 'kernel' : 'vpp') : undefined;
}

const kVppHandle = Symbol.for('vppnet.handle');
(VppStreamHandle.prototype as unknown as Record<symbol, boolean>)[kVppHandle] = true;
(VppListenHandle.prototype as unknown as Record<symbol, boolean>)[kVppHandle] = true;
function isVppHandle(h: unknown): boolean {
  return typeof h === 'object' && h !== null && (h as Record<symbol, unknown>)[kVppHandle] === true;
}

/** Why: the last decision's reason; for an accepted socket, its server's. */
export function transportReasonOf(o: { _handle?: object | null; server?: unknown; [kDecision]?: Decision }): string | undefined {
  const d = o[kDecision] ?? (o.server as { [kDecision]?: Decision } | null | undefined)?.[kDecision];
  if (d) return d.reason;
  return o._handle ? (transportOf(o) === 'vpp' ? 'accepted by a VPP listener' : 'a kernel handle') : undefined;
}

/** The VPP handle under a socket (its sid, cut-through) or a server; undefined on the kernel. */
export function vppHandleOf(s: { _handle?: object | null }): VppStreamHandle | VppListenHandle | undefined {
  const h = s._handle as (object & { _parent?: object }) | null | undefined;
  if (isVppHandle(h)) return h as VppStreamHandle | VppListenHandle;
  return isVppHandle(h?._parent) ? h!._parent as VppStreamHandle : undefined;
}

// ---- the three methods of node's classes that bind a transport, wrapped ----

type Normalized = [net.NetConnectOpts & VppnetOptions & { path?: string | null }, ((...a: unknown[]) => void) | null] & Record<symbol, unknown>;
const kBound = Symbol('vppnet.bound');
type ConnectFn = (this: net.Socket, ...args: unknown[]) => net.Socket;

/** Socket.prototype.connect, deciding the transport first (once per call, however often it is wrapped). */
export function withConnectBinding(connect: ConnectFn): ConnectFn {
  return function (this: net.Socket, ...args: unknown[]): net.Socket {
    const { normalizedArgs } = internals();
    const a0 = args[0] as Record<symbol, unknown> | undefined;
    const normalized = (Array.isArray(a0) && a0[normalizedArgs] ? a0
      : (net as unknown as { _normalizeArgs(a: unknown[]): unknown })._normalizeArgs(args)) as Normalized;
    if (!normalized[kBound]) {
      normalized[kBound] = true;
      const [options, cb] = normalized;
      // without a port or path node throws ERR_MISSING_ARGS: nothing to decide
      if ((options as { port?: unknown }).port !== undefined || options.path != null) {
        const err = bindConnect(this as Sock, options);
        if (err) {
          if (cb) this.once('connect', cb);
          (this as { connecting: boolean }).connecting = true;
          process.nextTick(() => this.destroy(err));
          return this;
        }
      }
    }
    return connect.call(this, normalized);
  };
}

type Listen2 = (this: net.Server, address: string | null, port: number, addressType: number, backlog: number,
  fd?: number, flags?: number) => void;
/** Server.prototype._listen2 (node's setupListenHandle), VPP first when the mode says so. */
export function withListenBinding(listen2: Listen2): Listen2 {
  return function (this: net.Server, address, port, addressType, backlog, fd, flags) {
    if (!bindListen(this as Srv, address, port, addressType, backlog, fd)) listen2.call(this, address, port, addressType, backlog, fd, flags);
  };
}

type Reinit = (this: net.Socket, handle: object) => void;
/** Socket.prototype[kReinitializeHandle]: Happy Eyeballs' next attempt gets a VPP handle on a VPP-bound socket. */
export function withReinitBinding(reinit: Reinit): Reinit {
  return function (this: net.Socket, handle: object) { reinit.call(this, reinitHandle(this, handle)); };
}
