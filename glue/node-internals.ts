/**
 * The parts of node:net's machinery vppnet plugs into, found once, here.
 *
 * node's net.Socket and net.Server do everything a user sees (arguments,
 * states, events, errors, timeouts, half-close, accounting) and talk to the
 * transport through a *handle*: libuv's TCPWrap for the kernel. vppnet gives
 * them a handle of its own for VPP (glue/vpp/stream-handle.ts), so node:net's
 * semantics are node's own code. What that needs from node:
 *  - JSStream: a C++ StreamBase driven from JS, so node's C++ consumers (the
 *    TLS wrapper, the HTTP parser) can sit on a VPP handle as on a TCPWrap;
 *  - streamBaseState: where a handle reports read sizes and write results,
 *    as TCPWrap does from C++;
 *  - TCPWrap, for a connect that `auto` moves to the kernel after VPP refused it;
 *  - owner_symbol, onStreamRead, onconnection, async_id_symbol and
 *    kReinitializeHandle: read off a socket and a server once, by probing.
 * All of it is reachable through process.binding's allowlist (js_stream,
 * stream_wrap) on node 20 and 22; `problem` says why when it is not.
 */
import * as net from 'node:net';

type AnyFn = (...a: never[]) => unknown;
interface Bindings {
  JSStream: new () => object;
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  kBytesWritten: number;
  kLastWriteWasAsync: number;
}

function symbolNamed(o: object, name: string): symbol | undefined {
  return Object.getOwnPropertySymbols(o).find((s) => s.description === name);
}

function probe() {
  const binding = (process as unknown as { binding(n: string): Record<string, unknown> }).binding;
  const js = binding('js_stream') as { JSStream: Bindings['JSStream'] };
  const sw = binding('stream_wrap') as unknown as Omit<Bindings, 'JSStream'>;
  const tcp = binding('tcp_wrap') as { TCP: new (type: number) => object; constants: { SOCKET: number } };
  // a socket over a dummy handle shows what node puts on a handle it adopts
  const handle = { readStart: () => 0, readStop: () => 0, getAsyncId: () => -1 } as Record<string | symbol, unknown>;
  const sock = new net.Socket({ handle: handle as never, manualStart: true } as net.SocketConstructorOpts);
  const ownerSymbol = symbolNamed(handle, 'owner_symbol');
  const asyncIdSymbol = symbolNamed(sock, 'async_id_symbol');
  const reinitialize = symbolNamed(net.Socket.prototype, 'kReinitializeHandle');
  const onStreamRead = handle.onread as AnyFn | undefined;
  (sock as unknown as { _handle: unknown })._handle = null;
  // a server handed a dummy listen handle shows node's onconnection
  const lh = { listen: () => 0, close() {}, getAsyncId: () => -1, ref() {}, unref() {} } as Record<string | symbol, unknown>;
  const srv = new net.Server() as net.Server & { _handle: unknown; _listen2: (...a: unknown[]) => void };
  srv._handle = lh;
  srv._listen2('127.0.0.1', 0, 4, 511);
  srv._handle = null;   // its 'listening' (next tick) sees no handle and stays quiet
  const onconnection = lh.onconnection as AnyFn | undefined;
  const normalizedArgs = Object.getOwnPropertySymbols((net as unknown as { _normalizeArgs(a: unknown[]): object })._normalizeArgs([]))[0];
  const missing = Object.entries({
    TCP: typeof tcp.TCP === 'function', JSStream: js.JSStream, streamBaseState: ArrayBuffer.isView(sw.streamBaseState), owner_symbol: ownerSymbol,
    async_id_symbol: asyncIdSymbol, kReinitializeHandle: reinitialize, onStreamRead: typeof onStreamRead === 'function',
    onconnection: typeof onconnection === 'function', normalizedArgsSymbol: normalizedArgs,
  }).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length) throw new Error(`node ${process.version} lacks what vppnet plugs into in node:net (${missing.join(', ')})`);
  return {
    /** A fresh TCPWrap (libuv's TCP socket), as net.Socket makes one. */
    newTcp: () => new tcp.TCP(tcp.constants.SOCKET),
    JSStream: js.JSStream,
    streamBaseState: sw.streamBaseState,
    kReadBytesOrError: sw.kReadBytesOrError,
    kArrayBufferOffset: sw.kArrayBufferOffset,
    kBytesWritten: sw.kBytesWritten,
    kLastWriteWasAsync: sw.kLastWriteWasAsync,
    ownerSymbol: ownerSymbol!,
    asyncIdSymbol: asyncIdSymbol!,
    /** net.Socket.prototype[kReinitializeHandle]: adopt a handle as connect() does (initSocketHandle). */
    reinitialize: reinitialize!,
    /** The mark node's normalizeArgs puts on its result (connect() takes such an array as is). */
    normalizedArgs: normalizedArgs!,
    onconnection: onconnection as (this: object, err: number, handle: object) => void,
  };
}

let found: ReturnType<typeof probe> | undefined;
/** Why vppnet cannot plug into this node's net (null: it can). */
export let problem: string | null = null;
try {
  found = probe();
} catch (e) {
  problem = (e as Error).message;
}

/** The machinery; throws `problem` when this node lacks it. */
export function internals(): ReturnType<typeof probe> {
  if (!found) throw new Error(problem!);
  return found;
}

/** A base class for the VPP stream handle: JSStream when there is one (else a plain class; `problem` says why). */
export const StreamBase: new () => object = found ? found.JSStream : class {};
