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
import { fromCoreError, fromVppError, invalidArgType, ipcOnVpp, notAnIp, serverAlreadyListen, serverNotRunning, SESSION_E } from '../errors';
import { VN } from '../engine/abi';
import { Listener } from './session';
import { normalizeListenArgs, validatePort } from '../args';

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
  private listener?: Listener;
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
    const { port, host, path, cb } = normalizeListenArgs(args);
    if (path !== undefined) throw ipcOnVpp(String(path));
    const p = validatePort(port, 'options.port');
    if (host !== undefined && typeof host !== 'string') throw invalidArgType('options.host', 'string', host);
    if (this.listener || this.bound) throw serverAlreadyListen();
    if (cb) this.once('listening', cb);
    // VPP has no dual-stack wildcard: the default is IPv4 any
    const address = host === undefined || host === '' || host === '0.0.0.0' || host === '::' ? (host === '::' ? '::' : '0.0.0.0') : host;
    const family = net.isIP(address);
    if (!family) throw notAnIp(address);
    this.closing = false;
    this.ephemeralTries = p === 0 ? EPHEMERAL_TRIES : 0;
    this.doListen(address, family, p === 0 ? ephemeralPort() : p);
    return this;
  }

  private doListen(address: string, family: number, port: number) {
    if (this.stack.dead) { process.nextTick(() => this.emit('error', this.stack.dead)); return; }
    const l = Listener.listen(this.stack, address, family, port);
    if (l === VN.EAGAIN) { setImmediate(() => this.doListen(address, family, port)); return; }
    if (typeof l === 'number') { process.nextTick(() => this.emit('error', fromCoreError(l, 'listen', address, port))); return; }
    this.listener = l;
    this.pendingAddr = { address, family: family === 4 ? 'IPv4' : 'IPv6', port };
    this.stack.registerListener(l.sid, this);
    this.setRef(this.refd);
  }
  private pendingAddr?: { address: string; family: string; port: number };
  private ephemeralTries = 0;

  onBound(vppRetval: number, port: number) {
    const want = this.pendingAddr!;
    if ((vppRetval === SESSION_E.PORTINUSE || vppRetval === SESSION_E.ALREADY_LISTENING) && --this.ephemeralTries > 0) {
      // port 0: VPP does not pick listener ports, so we pick one and retry while taken
      this.listener = undefined;
      this.doListen(want.address, want.family === 'IPv4' ? 4 : 6, ephemeralPort());
      return;
    }
    if (vppRetval !== 0) {
      this.listener = undefined;
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
    this.listener = undefined;
    this.bound = undefined;
    this.setRef(false);
    this.maybeClosed();
  }

  onStackError(err: Error) {
    this.listener = undefined;
    const wasListening = this.bound !== undefined;
    this.bound = undefined;
    this.setRef(false);
    if (!this.closing) this.emit('error', err);
    if (wasListening || this.closing) this.maybeClosed();
  }

  private maybeClosed() {
    if (!this.closing || this.listener || this.connections.size > 0) return;
    this.closing = false;
    process.nextTick(() => this.emit('close'));
  }

  close(cb?: (err?: Error) => void): this {
    if (cb) {
      if (!this.bound && !this.listener) {
        this.once('close', () => cb(serverNotRunning()));
      } else this.once('close', () => cb());
    }
    const listener = this.listener;
    if (listener) {
      const port = (this.bound ?? this.pendingAddr)!.port;
      this.closing = true;
      this.bound = undefined;   // not listening from now on, as net.Server
      if (this.stack.dead) this.onUnbound();
      else {
        // VPP must not free a listener this app's connects are still racing
        // towards (connects.ts); what they reach meanwhile is dropped
        this.stack.connects.after(port, () => { if (!this.stack.dead) listener.close(); });
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

  ref() { this.refd = true; if (this.listener) this.setRef(true); return this; }
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


