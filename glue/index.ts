/**
 * vppnet — node:net over the FD.io VPP host stack when reachable, the kernel otherwise.
 *
 * The transport is chosen once per socket/server, at construction, from
 * options > configure() > VPPNET_* env > defaults (glue/config.ts, glue/transport.ts).
 * Kernel objects ARE node:net objects (with `transport = 'kernel'`); VPP
 * objects are VppSocket/VppServer. vppnet.Socket / vppnet.Server construct
 * either and accept both for instanceof.
 */
import * as net from 'node:net';
import { configure, resolve, stripVppnetOptions, type Config, type Transport, type VppnetOptions } from './config';
import { decide, reachVpp, VppServer, VppSocket, type Decision } from './transport';
import { invalidArgType, vppUnavailable } from './errors';
import { debug } from './debug';
import { normalizeConnectArgs } from './args';

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

/** A socket of either transport. */
export interface Socket extends net.Socket {
  readonly transport: Transport;
  /** Why this transport was chosen (vppnet extension). */
  readonly transportReason?: string;
}
/** A server of either transport; its 'connection' sockets have the same transport. */
export interface Server extends net.Server {
  readonly transport: Transport;
  readonly transportReason?: string;
}

interface SocketConstructor {
  new (options?: SocketOptions): Socket;
  (options?: SocketOptions): Socket;
}
interface ServerConstructor {
  new (connectionListener?: (socket: Socket) => void): Server;
  new (options?: ServerOptions, connectionListener?: (socket: Socket) => void): Server;
  (connectionListener?: (socket: Socket) => void): Server;
  (options?: ServerOptions, connectionListener?: (socket: Socket) => void): Server;
}

function tag(o: object, transport: Transport, reason: string): void {
  Object.defineProperty(o, 'transport', { value: transport, enumerable: true, configurable: true });
  Object.defineProperty(o, 'transportReason', { value: reason, enumerable: false, configurable: true });
}

function isIpcSocketOptions(o: SocketOptions | NetConnectOpts): boolean {
  const x = o as { path?: unknown; fd?: unknown; handle?: unknown };
  return x.path !== undefined || x.fd !== undefined || x.handle !== undefined;
}

/** A socket that fails its connect() with ERR_VPPNET_UNAVAILABLE on next tick, like node reports connect errors. */
function unavailableSocket(options: SocketOptions, cfg: Config, reason: string): Socket {
  const s = new net.Socket(stripVppnetOptions(options));
  tag(s, 'vpp', reason);
  const err = vppUnavailable(reason, cfg.appSocket);
  s.connect = function connect(): net.Socket {
    process.nextTick(() => s.destroy(err));
    return s;
  } as net.Socket['connect'];
  return s as Socket;
}

function makeSocket(options: SocketOptions | undefined, what: string, ipc: boolean): Socket {
  if (options !== undefined && options !== null && typeof options !== 'object') {
    throw invalidArgType('options', 'object', options);
  }
  const opts = (options ?? {}) as SocketOptions;
  const cfg = resolve(opts);
  const d = decide(cfg, what, ipc || isIpcSocketOptions(opts));
  return socketFor(d, opts, cfg);
}

function socketFor(d: Decision, opts: SocketOptions, cfg: Config): Socket {
  switch (d.transport) {
    case 'vpp': {
      const s = new VppSocket({ ...stripVppnetOptions(opts), busyPoll: cfg.busyPoll } as never, d.stack as never);
      tag(s, 'vpp', d.reason);
      return s as unknown as Socket;
    }
    case 'kernel': {
      const s = new net.Socket(stripVppnetOptions(opts));
      tag(s, 'kernel', d.reason);
      return s as Socket;
    }
    default:
      return unavailableSocket(opts, cfg, d.reason);
  }
}

function isSocket(x: unknown): boolean {
  return x instanceof net.Socket || x instanceof VppSocket;
}
function isServer(x: unknown): boolean {
  return x instanceof net.Server || x instanceof VppServer;
}

/** `new Socket(options)` / `Socket(options)`: a net.Socket or a VppSocket. */
export const Socket = function Socket(options?: SocketOptions): Socket {
  return makeSocket(options, 'new Socket', false);
} as unknown as SocketConstructor;
Object.defineProperty(Socket, Symbol.hasInstance, { value: isSocket });

/** node:net exports the same class as `Stream`. */
export const Stream = Socket;

function normalizeServerArgs(a?: unknown, b?: unknown): [ServerOptions, ((s: Socket) => void) | undefined] {
  if (typeof a === 'function') return [{}, a as (s: Socket) => void];
  if (a === undefined || a === null) return [{}, b as (s: Socket) => void];
  if (typeof a !== 'object') throw invalidArgType('options', 'object', a);
  return [a as ServerOptions, b as (s: Socket) => void];
}

function makeServer(a: unknown, b: unknown, what: string): Server {
  const [opts, listener] = normalizeServerArgs(a, b);
  const cfg = resolve(opts);
  const d = decide(cfg, what);
  switch (d.transport) {
    case 'vpp': {
      const srv = new VppServer({ ...stripVppnetOptions(opts), busyPoll: cfg.busyPoll } as never, listener as never, d.stack as never);
      tag(srv, 'vpp', d.reason);
      return srv as unknown as Server;
    }
    case 'kernel': {
      const srv = net.createServer(stripVppnetOptions(opts), listener as (s: net.Socket) => void);
      tag(srv, 'kernel', d.reason);
      // Accepted sockets carry the transport too; first listener so user code sees it.
      srv.prependListener('connection', (s: net.Socket) => tag(s, 'kernel', 'accepted by a kernel server'));
      return srv as Server;
    }
    default: {
      // listen() reports what `mode: 'vpp'` cannot do, as an 'error' on the server.
      const srv = net.createServer(stripVppnetOptions(opts), listener as (s: net.Socket) => void);
      tag(srv, 'vpp', d.reason);
      const err = vppUnavailable(d.reason, cfg.appSocket);
      srv.listen = function listen(): net.Server {
        process.nextTick(() => srv.emit('error', err));
        return srv;
      } as net.Server['listen'];
      return srv as Server;
    }
  }
}

/** `new Server([options][, connectionListener])`: a net.Server or a VppServer. */
export const Server = function Server(a?: unknown, b?: unknown): Server {
  return makeServer(a, b, 'new Server');
} as unknown as ServerConstructor;
Object.defineProperty(Server, Symbol.hasInstance, { value: isServer });

export function createServer(connectionListener?: (socket: Socket) => void): Server;
export function createServer(options?: ServerOptions, connectionListener?: (socket: Socket) => void): Server;
export function createServer(a?: unknown, b?: unknown): Server {
  return makeServer(a, b, 'createServer');
}

export function connect(options: NetConnectOpts, connectionListener?: () => void): Socket;
export function connect(port: number, host?: string, connectionListener?: () => void): Socket;
export function connect(path: string, connectionListener?: () => void): Socket;
export function connect(...args: unknown[]): Socket {
  const [o, cb] = normalizeConnectArgs(args);
  const options = o as NetConnectOpts;
  const socket = makeSocket(options as SocketOptions, 'connect', isIpcSocketOptions(options));
  if (options.timeout) socket.setTimeout(options.timeout);
  const connectOpts = stripVppnetOptions(options);
  return (cb ? socket.connect(connectOpts, cb) : socket.connect(connectOpts)) as Socket;
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

const vppnet = {
  createServer, createConnection, connect, Server, Socket, Stream,
  isIP: net.isIP, isIPv4: net.isIPv4, isIPv6: net.isIPv6,
  BlockList: net.BlockList, SocketAddress: net.SocketAddress,
  getDefaultAutoSelectFamily: net.getDefaultAutoSelectFamily,
  setDefaultAutoSelectFamily: net.setDefaultAutoSelectFamily,
  getDefaultAutoSelectFamilyAttemptTimeout: net.getDefaultAutoSelectFamilyAttemptTimeout,
  setDefaultAutoSelectFamilyAttemptTimeout: net.setDefaultAutoSelectFamilyAttemptTimeout,
  configure, status,
};
export default vppnet;
