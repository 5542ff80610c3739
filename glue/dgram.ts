/**
 * vppnet/dgram: node:dgram's API over VPP's UDP when VPP is reachable, over
 * the kernel otherwise. The transport is chosen where node binds the socket
 * (bind(), or the implicit bind of a first send() or connect()), with the
 * same modes as vppnet's TCP; `socket.transport` says which it got. On the
 * kernel the socket is node's own dgram.Socket underneath, so everything is
 * node's; on VPP a VppDgramHandle carries the datagrams, and this file does
 * what node's dgram.js does above its UDPWrap: arguments, states, events.
 * Differences on VPP: README ("vppnet/dgram").
 */
import * as dgram from 'node:dgram';
import * as dns from 'node:dns';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { getSystemErrorName } from 'node:util';
import { resolve, vppnetOptionsOf, type Config, type Transport, type VppnetOptions } from './config';
import { decide } from './transport';
import { errnoException, invalidArgType, nodeError, vppUnavailable } from './errors';
import { recordDecision } from './activity';
import type { Stack } from './vpp/stack';
import { VppDgramHandle, type Rinfo } from './vpp/dgram-handle';

export type { Rinfo };

export type SocketType = 'udp4' | 'udp6';
export interface SocketOptions extends VppnetOptions {
  type: SocketType;
  reuseAddr?: boolean;
  ipv6Only?: boolean;
  recvBufferSize?: number;
  sendBufferSize?: number;
  lookup?: typeof dns.lookup;
  signal?: AbortSignal;
}
type Callback = (err: Error | null, bytes?: number) => void;
type Msg = string | Buffer | ArrayBufferView | ReadonlyArray<string | Buffer | ArrayBufferView>;

const enum State { Unbound, Binding, Bound, Closed }

/** What node:dgram throws for a port that is not one. */
function badPort(name: string, port: unknown, allowZero: boolean): Error {
  return nodeError('ERR_SOCKET_BAD_PORT',
    `${name} should be >= ${allowZero ? 0 : 1} and < 65536. Received ${typeof port === 'string' ? `type string ('${port}')` : String(port)}.`, RangeError);
}
function validPort(port: unknown, name: string, allowZero = true): number {
  const n = typeof port === 'string' && port.trim() !== '' ? Number(port) : port;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < (allowZero ? 0 : 1) || n > 65535) throw badPort(name, port, allowZero);
  return n;
}

function toBuffer(msg: unknown): Buffer {
  if (typeof msg === 'string') return Buffer.from(msg);
  if (Buffer.isBuffer(msg)) return msg;
  if (ArrayBuffer.isView(msg)) return Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength);
  throw invalidArgType('buffer', 'of type string or an instance of Buffer, TypedArray, or DataView', msg);
}

export class Socket extends EventEmitter {
  readonly type: SocketType;
  private readonly options: SocketOptions;
  private state = State.Unbound;
  private kernel?: dgram.Socket;
  private vpp?: VppDgramHandle;
  private decision?: { transport: Transport; reason: string };
  private peer?: { address: string; port: number };
  private connecting = false;
  /** Sends made before the bind completed (node queues them the same way). */
  private queued: (() => void)[] = [];
  private wantRef = true;

  constructor(options: SocketType | SocketOptions, listener?: (msg: Buffer, rinfo: Rinfo) => void) {
    super();
    const o: SocketOptions = typeof options === 'string' ? { type: options } : { ...options };
    if (o.type !== 'udp4' && o.type !== 'udp6') {
      throw nodeError('ERR_SOCKET_BAD_TYPE', 'Bad socket type specified. Valid types are: udp4, udp6', TypeError);
    }
    vppnetOptionsOf(o, 'options.');
    this.type = o.type;
    this.options = o;
    if (listener !== undefined) {
      if (typeof listener !== 'function') throw invalidArgType('listener', 'of type function', listener);
      this.on('message', listener);
    }
    o.signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  /** 'vpp' or 'kernel' once bound; undefined before. */
  get transport(): Transport | undefined { return this.decision?.transport; }
  get transportReason(): string | undefined { return this.decision?.reason; }

  private get family(): 4 | 6 { return this.type === 'udp4' ? 4 : 6; }
  private get anyAddress() { return this.type === 'udp4' ? '0.0.0.0' : '::'; }
  private get localhost() { return this.type === 'udp4' ? '127.0.0.1' : '::1'; }

  private healthCheck() {
    if (this.state === State.Closed) throw nodeError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running', Error);
  }

  // ---- bind ----
  bind(port?: unknown, address?: unknown, callback?: () => void): this;
  bind(...args: unknown[]): this {
    this.healthCheck();
    if (this.state !== State.Unbound) throw nodeError('ERR_SOCKET_ALREADY_BOUND', 'Socket is already bound', Error);
    const cb = typeof args[args.length - 1] === 'function' ? args.pop() as () => void : undefined;
    let port: unknown = args[0], address: unknown = args[1];
    if (port !== null && typeof port === 'object') {
      const o = port as { port?: unknown; address?: unknown; fd?: unknown; exclusive?: boolean };
      if (o.fd !== undefined) return this.onKernel('fd', (k) => k.bind(o as dgram.BindOptions, cb));
      port = o.port; address = o.address;
    }
    const p = port === undefined ? 0 : validPort(port, 'Port');
    if (address !== undefined && address !== null && typeof address !== 'string') throw invalidArgType('address', 'of type string', address);
    if (cb) this.once('listening', cb);
    this.state = State.Binding;
    const host = (address as string | undefined) || this.anyAddress;
    this.lookup(host, (err, ip) => {
      if (this.state === State.Closed) return;
      if (err) { this.state = State.Unbound; this.emit('error', err); return; }
      this.startBind(ip!, p);
    });
    return this;
  }

  private lookup(host: string, cb: (err: Error | null, ip?: string) => void) {
    if (isIP(host)) { process.nextTick(cb, null, host); return; }
    (this.options.lookup ?? dns.lookup)(host, { family: this.family }, (err, ip) => cb(err, ip as string));
  }

  private startBind(ip: string, port: number) {
    const cfg: Config = { ...resolve(this.options), scope: 'global' };   // UDP never takes cut-through
    const d = decide(cfg, `dgram bind ${ip}:${port}`);
    this.decision = { transport: d.transport === 'vpp' ? 'vpp' : 'kernel', reason: d.reason };
    recordDecision('dgram bind', `${ip}:${port}`, this.decision.transport, d.reason);
    if (d.transport === 'unavailable') {
      this.state = State.Unbound;
      this.decision = undefined;
      process.nextTick(() => this.emit('error', vppUnavailable(d.reason, cfg.appSocket)));
      return;
    }
    if (d.transport === 'kernel') { this.bindKernel(ip, port); return; }
    const h = new VppDgramHandle(d.stack as Stack, this.family);
    this.vpp = h;
    if (!this.wantRef) h.unref();
    h.onmessage = (msg, rinfo) => {
      if (this.peer && (rinfo.address !== this.peer.address || rinfo.port !== this.peer.port)) return;   // connected: from the peer only
      this.emit('message', msg, rinfo);
    };
    h.onerror = (status, err) => this.emit('error', err ?? errnoException(getSystemErrorName(status), 'recvmsg'));
    h.bind(ip, port, (status) => {
      if (this.state === State.Closed) return;
      if (status !== 0) {
        this.state = State.Unbound;
        this.vpp = undefined;
        this.emit('error', errnoException(getSystemErrorName(status), 'bind', ip, port));
        return;
      }
      this.bound();
    });
  }

  private bindKernel(ip: string, port: number) {
    const k = this.makeKernel();
    k.once('listening', () => this.bound());
    k.bind({ port, address: ip, exclusive: true });
  }

  private makeKernel(): dgram.Socket {
    const { type, reuseAddr, ipv6Only, recvBufferSize, sendBufferSize, lookup } = this.options;
    const k = dgram.createSocket({ type, reuseAddr, ipv6Only, recvBufferSize, sendBufferSize, lookup });
    this.kernel = k;
    if (!this.wantRef) k.unref();
    k.on('message', (msg, rinfo) => this.emit('message', msg, rinfo));
    k.on('error', (e) => this.emit('error', e));
    k.on('connect', () => {
      const r = k.remoteAddress();
      this.connecting = false;
      this.peer = { address: r.address, port: r.port };
      this.emit('connect');
    });
    return k;
  }

  /** An endpoint only the kernel has (fd): bound at once there. */
  private onKernel(what: string, go: (k: dgram.Socket) => void): this {
    this.decision = { transport: 'kernel', reason: `${what} endpoints always use the kernel` };
    this.state = State.Binding;
    const k = this.makeKernel();
    k.once('listening', () => this.bound());
    go(k);
    return this;
  }

  private bound() {
    this.state = State.Bound;
    this.emit('listening');
    for (const f of this.queued.splice(0)) f();
  }

  /** node binds an unbound socket on its first send or connect: to any address, port 0. */
  private ensureBound() {
    if (this.state === State.Unbound) this.bind({ port: 0 });
  }

  // ---- send ----
  send(msg: Msg, port?: number, address?: string, callback?: Callback): void;
  send(msg: Msg, port?: number, callback?: Callback): void;
  send(msg: Msg, callback?: Callback): void;
  send(msg: string | ArrayBufferView, offset: number, length: number, port?: number, address?: string, callback?: Callback): void;
  send(msg: string | ArrayBufferView, offset: number, length: number, port?: number, callback?: Callback): void;
  send(msg: string | ArrayBufferView, offset: number, length: number, callback?: Callback): void;
  send(msg: Msg, ...rest: unknown[]): void {
    this.healthCheck();
    let cb = typeof rest[rest.length - 1] === 'function' ? rest.pop() as Callback : undefined;
    let list: Buffer[];
    let port: unknown, address: unknown;
    if (typeof msg === 'string' || ArrayBuffer.isView(msg)) {
      if (typeof rest[0] === 'number' && typeof rest[1] === 'number' && rest.length >= 2 && (rest.length > 2 || this.peer)) {
        // send(msg, offset, length[, port[, address]])
        const [offset, length] = rest as number[];
        const b = toBuffer(msg);
        if (offset < 0 || offset > b.length) throw nodeError('ERR_OUT_OF_RANGE', `The value of "offset" is out of range. It must be >= 0 && <= ${b.length}. Received ${offset}`, RangeError);
        if (length < 0 || offset + length > b.length) throw nodeError('ERR_OUT_OF_RANGE', `The value of "length" is out of range. It must be >= 0 && <= ${b.length - offset}. Received ${length}`, RangeError);
        list = [b.subarray(offset, offset + length)];
        [port, address] = rest.slice(2);
      } else {
        list = [toBuffer(msg)];
        [port, address] = rest;
      }
    } else if (Array.isArray(msg)) {
      list = msg.map(toBuffer);
      [port, address] = rest;
    } else {
      throw invalidArgType('buffer', 'of type string or an instance of Buffer, TypedArray, or DataView', msg);
    }
    if (this.peer) {
      if (port !== undefined || address !== undefined) throw nodeError('ERR_SOCKET_DGRAM_IS_CONNECTED', 'Already connected', Error);
    } else {
      if (port === undefined) throw badPort('Port', port, false);
      validPort(port, 'Port', false);
      if (address !== undefined && address !== null && typeof address !== 'string') throw invalidArgType('address', 'of type string', address);
    }
    const go = () => {
      if (this.kernel) {
        const k = this.kernel as unknown as { send(...a: unknown[]): void };
        if (this.peer) k.send(list, cb); else k.send(list, port, address || undefined, cb);
        cb = undefined;
        return;
      }
      const to = this.peer ?? { address: (address as string) || this.localhost, port: Number(port) };
      this.lookup(to.address, (err, ip) => {
        if (err) { this.deliver(cb, err); return; }
        const data = list.length === 1 ? list[0] : Buffer.concat(list);
        if (!this.vpp || this.state === State.Closed) { this.deliver(cb, nodeError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running', Error)); return; }
        this.vpp.send(data, ip!, to.port, (status) => {
          if (status === 0) { if (cb) cb(null, data.length); return; }
          this.deliver(cb, errnoException(getSystemErrorName(status), 'send', ip, to.port));
        });
      });
    };
    if (this.state === State.Bound) go();
    else { this.queued.push(go); this.ensureBound(); }
  }

  /** A send's error: to its callback, else as 'error' (node's afterSend). */
  private deliver(cb: Callback | undefined, err: Error) {
    if (cb) process.nextTick(cb, err);
    else process.nextTick(() => this.emit('error', err));
  }

  // ---- connect ----
  connect(port: unknown, address?: unknown, callback?: () => void): void {
    if (typeof address === 'function') { callback = address as () => void; address = undefined; }
    const p = validPort(port, 'Port', false);
    if (address !== undefined && address !== null && typeof address !== 'string') throw invalidArgType('address', 'of type string', address);
    this.healthCheck();
    if (this.peer || this.connecting) throw nodeError('ERR_SOCKET_DGRAM_IS_CONNECTED', 'Already connected', Error);
    this.connecting = true;
    if (callback) this.once('connect', callback);
    const go = () => {
      if (this.kernel) { this.kernel.connect(p, (address as string) || undefined); return; }   // 'connect' above
      this.lookup((address as string) || this.localhost, (err, ip) => {
        this.connecting = false;
        if (err) { this.emit('error', err); return; }
        this.peer = { address: ip!, port: p };
        this.emit('connect');
      });
    };
    if (this.state === State.Bound) go();
    else { this.queued.push(go); this.ensureBound(); }
  }

  disconnect(): void {
    this.healthCheck();
    if (!this.peer) throw nodeError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'Not connected', Error);
    this.kernel?.disconnect();
    this.peer = undefined;
  }

  remoteAddress(): { address: string; family: 'IPv4' | 'IPv6'; port: number } {
    this.healthCheck();
    if (!this.peer) throw nodeError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'Not connected', Error);
    if (this.kernel) return this.kernel.remoteAddress() as { address: string; family: 'IPv4' | 'IPv6'; port: number };
    return { address: this.peer.address, family: this.family === 4 ? 'IPv4' : 'IPv6', port: this.peer.port };
  }

  address(): { address: string; family: 'IPv4' | 'IPv6'; port: number } {
    this.healthCheck();
    if (this.kernel) return this.kernel.address() as { address: string; family: 'IPv4' | 'IPv6'; port: number };
    const a = this.state === State.Bound ? this.vpp?.sockname() : undefined;
    if (!a) throw errnoException('EBADF', 'getsockname');
    return a;
  }

  // ---- close, refs ----
  close(callback?: () => void): this {
    if (this.state === State.Closed) {
      if (callback) process.nextTick(() => callback());   // node: already closed, the callback still runs
      return this;
    }
    if (typeof callback === 'function') this.once('close', callback);
    this.state = State.Closed;
    this.queued.length = 0;
    if (this.kernel) { this.kernel.close(() => this.emit('close')); return this; }
    this.vpp?.close();
    process.nextTick(() => this.emit('close'));
    return this;
  }

  ref(): this { this.wantRef = true; this.kernel?.ref(); this.vpp?.ref(); return this; }
  unref(): this { this.wantRef = false; this.kernel?.unref(); this.vpp?.unref(); return this; }

  // ---- options: node's on the kernel; accepted where VPP has no such thing ----
  setBroadcast(flag: boolean) { this.kernel?.setBroadcast(flag); }
  setTTL(ttl: number) { return this.kernel ? this.kernel.setTTL(ttl) : ttl; }
  setMulticastTTL(ttl: number) { return this.kernel ? this.kernel.setMulticastTTL(ttl) : ttl; }
  setMulticastLoopback(flag: boolean) { return this.kernel ? this.kernel.setMulticastLoopback(flag) : flag; }
  setMulticastInterface(iface: string) { this.onlyKernel('setMulticastInterface', (k) => k.setMulticastInterface(iface)); }
  addMembership(group: string, iface?: string) { this.onlyKernel('addMembership', (k) => k.addMembership(group, iface)); }
  dropMembership(group: string, iface?: string) { this.onlyKernel('dropMembership', (k) => k.dropMembership(group, iface)); }
  getRecvBufferSize(): number { return this.kernel ? this.kernel.getRecvBufferSize() : this.bufferSize(); }
  getSendBufferSize(): number { return this.kernel ? this.kernel.getSendBufferSize() : this.bufferSize(); }
  setRecvBufferSize(size: number) { this.kernel?.setRecvBufferSize(size); }
  setSendBufferSize(size: number) { this.kernel?.setSendBufferSize(size); }

  private bufferSize(): number {
    if (this.state !== State.Bound) throw nodeError('ERR_SOCKET_BUFFER_SIZE', 'Could not get or set buffer size: EBADF', Error);
    return this.vpp!.stack.opts.fifoSize;
  }

  /** Multicast is the kernel's: VPP's session layer has no group membership. */
  private onlyKernel(what: string, go: (k: dgram.Socket) => void) {
    if (this.kernel) { go(this.kernel); return; }
    throw errnoException('ENOSYS', what);
  }
}

/** node's dgram.createSocket, with vppnet's options (mode, appSocket, engine). */
export function createSocket(type: SocketType | SocketOptions, listener?: (msg: Buffer, rinfo: Rinfo) => void): Socket {
  return new Socket(type, listener);
}

export default { createSocket, Socket };
