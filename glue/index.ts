/**
 * vppnet — node:net over the FD.io VPP host stack when reachable, the kernel otherwise.
 *
 * vppnet.Socket and vppnet.Server are node's net.Socket and net.Server with
 * the transport bound where node binds an address (glue/bind.ts): connect()
 * to an IP or a name and listen() on a port go to VPP when the mode says so
 * (options > configure() > VPPNET_* env > defaults: glue/config.ts), and
 * everything else stays node's. Either way the object is node's class, and
 * `transport` says which one it uses.
 */
import * as net from 'node:net';
import { configure, resolve, vppnetOptionsOf, type Config, type Transport, type VppnetOptions } from './config';
import { reachVpp } from './transport';
import { kOptions, vppHandleOf, transportOf, transportReasonOf, withConnectBinding, withListenBinding, withReinitBinding } from './bind';
import { internals } from './node-internals';
import { invalidArgType } from './errors';
import { debug } from './debug';

export {
  isIP, isIPv4, isIPv6, BlockList, SocketAddress,
  getDefaultAutoSelectFamily, setDefaultAutoSelectFamily,
  getDefaultAutoSelectFamilyAttemptTimeout, setDefaultAutoSelectFamilyAttemptTimeout,
} from 'node:net';
export { configure } from './config';
export type { Mode, EngineName, Transport, VppnetOptions, Config } from './config';

export type SocketOptions = net.SocketConstructorOpts & VppnetOptions;
export type NetConnectOpts = net.NetConnectOpts & VppnetOptions;
export type ServerOptions = net.ServerOpts & VppnetOptions;

declare module 'node:net' {
  interface Socket {
    /** vppnet: the transport this socket uses ('vpp' | 'kernel'); undefined until connect() or accept binds one. */
    readonly transport: Transport | undefined;
    /** vppnet: why that transport. */
    readonly transportReason: string | undefined;
  }
  interface Server {
    /** vppnet: the transport this server listens on; undefined until listen(). */
    readonly transport: Transport | undefined;
    readonly transportReason: string | undefined;
  }
}

// `transport` on every socket and server of node:net, vppnet's or not (accepted
// sockets, http's, tls'), read off its handle
for (const proto of [net.Socket.prototype, net.Server.prototype]) {
  Object.defineProperty(proto, 'transport', { configurable: true, get(this: object) { return transportOf(this); } });
  Object.defineProperty(proto, 'transportReason', { configurable: true, get(this: object) { return transportReasonOf(this); } });
}

// node's resetAndDestroy() accepts only a TCPWrap under the socket; a VPP
// handle resets too (RST), the rest stays node's
const resetAndDestroy = net.Socket.prototype.resetAndDestroy;
net.Socket.prototype.resetAndDestroy = function (this: net.Socket & { _reset(): void }) {
  if (!vppHandleOf(this as never)) return resetAndDestroy.call(this);
  if (this.connecting) this.once('connect', () => this._reset()); else this._reset();
  return this;
};

const reinitialize = (() => { try { return internals().reinitialize; } catch { return Symbol('unused'); } })();
const baseProto = net.Socket.prototype as unknown as Record<PropertyKey, unknown>;

/**
 * vppnet.Socket and vppnet.Server are node's classes with vppnet's options
 * checked at construction and the transport bound at connect()/listen(). They
 * are plain constructor functions, as node's are: callable without `new`, and
 * `class X extends vppnet.Socket` works; a Proxy to make a class callable put
 * every construction on V8's slow path (26 µs a socket, measured).
 */
function VppnetSocket(this: net.Socket, options?: SocketOptions): net.Socket | void {
  if (!new.target) return new (VppnetSocket as unknown as new (o?: SocketOptions) => net.Socket)(options);
  if (options !== undefined && options !== null && typeof options !== 'object') throw invalidArgType('options', 'object', options);
  const own = vppnetOptionsOf(options);
  resolve(own);   // bad VPPNET_* values throw here, where node validates options
  (net.Socket as unknown as Function).call(this, options ?? undefined);
  if (own) (this as unknown as Record<symbol, unknown>)[kOptions] = own;
}
function VppnetServer(this: net.Server, options?: ServerOptions | ((s: net.Socket) => void), listener?: (s: net.Socket) => void): net.Server | void {
  if (!new.target) return new (VppnetServer as unknown as new (o?: unknown, l?: unknown) => net.Server)(options, listener);
  const own = typeof options === 'function' ? undefined : vppnetOptionsOf(options);
  resolve(own);
  (net.Server as unknown as Function).call(this, options, listener);
  if (own) (this as unknown as Record<symbol, unknown>)[kOptions] = own;
}
/** Subclass `C` of node's `Base`: prototype chain, statics, and instanceof (see below). */
function inherit(C: Function, Base: Function) {
  Object.setPrototypeOf(C.prototype, Base.prototype);
  Object.setPrototypeOf(C, Base);
  // every vppnet.Socket matches, and so does any net.Socket (accepted ones are
  // node's); a subclass of it matches its own instances, as classes do
  Object.defineProperty(C, Symbol.hasInstance, {
    value(this: unknown, x: unknown): boolean { return this === C ? x instanceof Base : Function.prototype[Symbol.hasInstance].call(this, x); },
  });
}
inherit(VppnetSocket, net.Socket);
inherit(VppnetServer, net.Server);
const vproto = VppnetSocket.prototype as unknown as Record<PropertyKey, unknown>;
vproto.connect = withConnectBinding(baseProto.connect as never);
vproto[reinitialize] = withReinitBinding(baseProto[reinitialize] as never);
(VppnetServer.prototype as unknown as Record<string, unknown>)._listen2 =
  withListenBinding((net.Server.prototype as unknown as { _listen2: never })._listen2);

export type Socket = net.Socket;
export type Server = net.Server;
interface SocketClass { new (options?: SocketOptions): net.Socket; (options?: SocketOptions): net.Socket; readonly prototype: net.Socket }
interface ServerClass {
  new (options?: ServerOptions | ((s: net.Socket) => void), listener?: (s: net.Socket) => void): net.Server;
  (options?: ServerOptions | ((s: net.Socket) => void), listener?: (s: net.Socket) => void): net.Server;
  readonly prototype: net.Server;
}
export const Socket = VppnetSocket as unknown as SocketClass;
export const Server = VppnetServer as unknown as ServerClass;
/** node:net exports the same class as `Stream`. */
export const Stream = Socket;

export function createServer(connectionListener?: (socket: Socket) => void): Server;
export function createServer(options?: ServerOptions, connectionListener?: (socket: Socket) => void): Server;
export function createServer(a?: unknown, b?: unknown): Server {
  return new Server(a as ServerOptions, b as (s: net.Socket) => void);
}

export function connect(options: NetConnectOpts, connectionListener?: () => void): Socket;
export function connect(port: number, host?: string, connectionListener?: () => void): Socket;
export function connect(path: string, connectionListener?: () => void): Socket;
/** As node's net.connect: a new Socket from the options, connected. */
export function connect(...args: unknown[]): Socket {
  const normalized = (net as unknown as { _normalizeArgs(a: unknown[]): [NetConnectOpts, unknown] })._normalizeArgs(args);
  const options = normalized[0];
  debug('createConnection', normalized);
  const socket = new Socket(options as SocketOptions);
  if (options.timeout) socket.setTimeout(options.timeout);
  return socket.connect(normalized as never);
}
export const createConnection = connect;

export interface Status extends Config {
  /** What a new TCP socket would get now; null in `vpp` mode when VPP is unreachable (it would error). */
  transport: Transport | null;
  vpp: { reachable: boolean; reason: string };
}

/** What vppnet would do for a new TCP socket, and why. Probes (attaches to) VPP unless mode is 'kernel'. */
export function status(options?: VppnetOptions): Status {
  const cfg = resolve(options);
  if (cfg.mode === 'kernel') {
    return { ...cfg, transport: 'kernel', vpp: { reachable: false, reason: "not probed: mode is 'kernel'" } };
  }
  const r = reachVpp(cfg);
  const reason = r.ok ? `attached to ${cfg.appSocket} (${cfg.engine})` : r.reason;
  debug('status: mode=%s reachable=%s (%s)', cfg.mode, r.ok, reason);
  return {
    ...cfg,
    transport: r.ok ? 'vpp' : cfg.mode === 'vpp' ? null : 'kernel',
    vpp: { reachable: r.ok, reason },
  };
}

const legacy = net as unknown as { _createServerHandle: unknown; _normalizeArgs: unknown; _setSimultaneousAccepts: unknown };
export const _createServerHandle = legacy._createServerHandle;
export const _normalizeArgs = legacy._normalizeArgs;
export const _setSimultaneousAccepts = legacy._setSimultaneousAccepts;

const vppnet = {
  createServer, createConnection, connect, Server, Socket, Stream,
  isIP: net.isIP, isIPv4: net.isIPv4, isIPv6: net.isIPv6,
  BlockList: net.BlockList, SocketAddress: net.SocketAddress,
  getDefaultAutoSelectFamily: net.getDefaultAutoSelectFamily,
  setDefaultAutoSelectFamily: net.setDefaultAutoSelectFamily,
  getDefaultAutoSelectFamilyAttemptTimeout: net.getDefaultAutoSelectFamilyAttemptTimeout,
  setDefaultAutoSelectFamilyAttemptTimeout: net.setDefaultAutoSelectFamilyAttemptTimeout,
  _createServerHandle, _normalizeArgs, _setSimultaneousAccepts,
  configure, status,
};
export default vppnet;
