/**
 * VppServer: a net.Server-compatible listener on VPP's session layer.
 * listen() sends LISTEN; BOUND makes it 'listening'; every ACCEPTED becomes a
 * VppSocket handed to 'connection'. close() unlistens and waits for the
 * accepted sockets to close, as net.Server does.
 */
import { EventEmitter } from 'events';
import * as net from 'net';
import type { ListenerSink, Stack } from './stack';
import { VppSocket, type VppSocketOptions } from './socket';
import { fromCoreError, fromVppError } from '../errors';
import { ipToBytes } from './addr';
import { validatePort } from './args';

/** As node's: accepted sockets take these; `onread` is a client option only. */
export interface VppServerOptions extends Omit<VppSocketOptions, 'onread'> {
  pauseOnConnect?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
}

export class VppServer extends EventEmitter implements ListenerSink {
  readonly transport = 'vpp' as const;
  readonly stack: Stack;
  maxConnections?: number;
  private readonly options: VppServerOptions;
  private sid = -1;
  private bound?: { address: string; family: string; port: number };
  private readonly connections = new Set<VppSocket>();
  private closing = false;
  private refd = true;
  private holdsRef = false;

  constructor(options: VppServerOptions | undefined, listener: ((s: VppSocket) => void) | undefined, stack: Stack) {
    super();
    const { onread: _clientOnly, ...rest } = (options ?? {}) as VppSocketOptions;
    this.options = rest;
    this.stack = stack;
    if (listener) this.on('connection', listener);
  }

  get listening() { return this.bound !== undefined; }

  listen(...args: unknown[]): this {
    const cb = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined;
    let port: unknown = 0, host: unknown, first = args[0];
    if (first !== null && typeof first === 'object') {
      const o = first as { port?: unknown; host?: unknown; path?: unknown };
      if (o.path !== undefined) throw Object.assign(new Error(`vppnet: IPC path ${String(o.path)} cannot use the VPP transport`), { code: 'ERR_VPPNET_UNSUPPORTED' });
      port = o.port ?? 0; host = o.host;
    } else if (first !== undefined) {
      port = first;
      if (typeof args[1] === 'string') host = args[1];
    }
    const p = validatePort(port, 'options.port');
    if (host !== undefined && typeof host !== 'string') throw Object.assign(new TypeError(`The "options.host" property must be of type string. Received ${typeof host}`), { code: 'ERR_INVALID_ARG_TYPE' });
    if (this.sid >= 0 || this.bound) throw Object.assign(new Error('Listen method has been called more than once without closing.'), { code: 'ERR_SERVER_ALREADY_LISTEN' });
    if (cb) this.once('listening', cb);
    // VPP has no dual-stack wildcard: the default is IPv4 any
    const address = host === undefined || host === '' || host === '0.0.0.0' || host === '::' ? (host === '::' ? '::' : '0.0.0.0') : host;
    const family = net.isIP(address);
    if (!family) throw Object.assign(new Error(`vppnet: listen needs an IP address on the VPP transport, got ${JSON.stringify(address)}`), { code: 'ERR_INVALID_IP_ADDRESS' });
    this.closing = false;
    this.ephemeralTries = p === 0 ? EPHEMERAL_TRIES : 0;
    this.doListen(address, family, p === 0 ? ephemeralPort() : p);
    return this;
  }

  private doListen(address: string, family: number, port: number) {
    const { engine } = this.stack;
    if (this.stack.dead) { process.nextTick(() => this.emit('error', this.stack.dead)); return; }
    engine.scratch().set(ipToBytes(address, family));
    const sid = engine.core.listen(family === 4 ? 1 : 0, port);
    if (sid === -11) { setImmediate(() => this.doListen(address, family, port)); return; }
    if (sid < 0) { process.nextTick(() => this.emit('error', fromCoreError(sid, 'listen', address, port))); return; }
    this.sid = sid;
    this.pendingAddr = { address, family: family === 4 ? 'IPv4' : 'IPv6', port };
    this.stack.registerListener(sid, this);
    this.setRef(this.refd);
    this.stack.kick();
  }
  private pendingAddr?: { address: string; family: string; port: number };
  private ephemeralTries = 0;

  onBound(vppRetval: number, port: number) {
    const want = this.pendingAddr!;
    if ((vppRetval === -15 || vppRetval === -17) && --this.ephemeralTries > 0) {
      // port 0: VPP does not pick listener ports, so we pick one and retry while taken
      this.sid = -1;
      this.doListen(want.address, want.family === 'IPv4' ? 4 : 6, ephemeralPort());
      return;
    }
    if (vppRetval !== 0) {
      this.sid = -1;
      this.setRef(false);
      this.emit('error', fromVppError(vppRetval, 'listen', want.address, want.port));
      return;
    }
    this.bound = { address: want.address, family: want.family, port };
    this.emit('listening');
  }

  onAccept(sid: number) {
    const socket = new VppSocket(this.options, this.stack, sid);
    if (this.closing || (this.maxConnections !== undefined && this.connections.size >= this.maxConnections)) {
      this.emit('drop', { localAddress: socket.localAddress, localPort: socket.localPort, localFamily: socket.localFamily,
        remoteAddress: socket.remoteAddress, remotePort: socket.remotePort, remoteFamily: socket.remoteFamily });
      socket.destroy();
      return;
    }
    socket.server = this;
    this.connections.add(socket);
    socket.once('close', () => {
      this.connections.delete(socket);
      this.maybeClosed();
    });
    if (this.options.pauseOnConnect) socket.pause();
    this.emit('connection', socket);
  }

  onUnbound() {
    this.sid = -1;
    this.bound = undefined;
    this.setRef(false);
    this.maybeClosed();
  }

  onStackError(err: Error) {
    this.sid = -1;
    const wasListening = this.bound !== undefined;
    this.bound = undefined;
    this.setRef(false);
    if (!this.closing) this.emit('error', err);
    if (wasListening || this.closing) this.maybeClosed();
  }

  private maybeClosed() {
    if (!this.closing || this.sid >= 0 || this.connections.size > 0) return;
    this.closing = false;
    process.nextTick(() => this.emit('close'));
  }

  close(cb?: (err?: Error) => void): this {
    if (cb) {
      if (!this.bound && this.sid < 0) {
        this.once('close', () => cb(errnoNotRunning()));
      } else this.once('close', () => cb());
    }
    if (this.sid >= 0) {
      const sid = this.sid, port = (this.bound ?? this.pendingAddr)!.port;
      this.closing = true;
      this.bound = undefined;   // not listening from now on, as net.Server
      if (this.stack.dead) this.onUnbound();
      else {
        // VPP must not free a listener this app's connects are still racing
        // towards (Stack.afterConnects); what they reach meanwhile is dropped
        this.stack.afterConnects(port, () => {
          if (this.stack.dead) return;
          this.stack.engine.core.unlisten(sid);
          this.stack.kick();
        });
      }
    } else if (!this.closing) {
      this.closing = true;
      this.maybeClosed();
    }
    return this;
  }

  address() { return this.bound ? { ...this.bound } : null; }

  getConnections(cb: (err: Error | null, count: number) => void): this {
    const n = this.connections.size;
    process.nextTick(() => cb(null, n));
    return this;
  }

  ref() { this.refd = true; if (this.sid >= 0) this.setRef(true); return this; }
  unref() { this.refd = false; this.setRef(false); return this; }

  private setRef(on: boolean) {
    if (on === this.holdsRef) return;
    this.holdsRef = on;
    if (on) this.stack.ref(); else this.stack.unref();
  }

  [Symbol.asyncDispose]() {
    return new Promise<void>((resolve) => (this.listening ? this.close(() => resolve()) : resolve()));
  }
}

const EPHEMERAL_TRIES = 64;

/** A port from the IANA dynamic range, as the kernel would pick for port 0. */
function ephemeralPort(): number {
  return 49152 + Math.floor(Math.random() * 16384);
}

function errnoNotRunning() {
  return Object.assign(new Error('Server is not running.'), { code: 'ERR_SERVER_NOT_RUNNING' });
}

