/**
 * vppnet/tls: node:tls over vppnet's TCP. With tlsEngine 'node' (the
 * default) the TLS is node's own: a TLSSocket over a socket whose transport
 * vppnet chose, a tls.Server whose listen binds as vppnet's servers do. So
 * every node:tls feature (SNI, ALPN, session reuse, client certificates,
 * getPeerCertificate, node's errors) is node's, on either transport;
 * `transport` on the TLS socket and server says which one carries it. With
 * tlsEngine 'vpp' VPP does the TLS (vpp-tls.ts).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { vppnetOptionsOf, resolve, type VppnetOptions } from './config';
import { connect as netConnect } from './index';
import { kOptions, withListenBinding } from './bind';
import { invalidArgValue } from './errors';
import * as vppTls from './vpp-tls';

export {
  checkServerIdentity, createSecureContext, getCiphers, rootCertificates, TLSSocket,
  DEFAULT_CIPHERS, DEFAULT_ECDH_CURVE, DEFAULT_MAX_VERSION, DEFAULT_MIN_VERSION,
} from 'node:tls';

export type TlsEngine = 'node' | 'vpp';
export type ConnectionOptions = tls.ConnectionOptions & VppnetOptions & { tlsEngine?: TlsEngine };
export type TlsOptions = tls.TlsOptions & VppnetOptions & { tlsEngine?: TlsEngine };

/** Whether VPP's TLS is asked for (tlsEngine 'vpp'); anything but the two engines throws. */
function vppEngine(o: { tlsEngine?: unknown } | undefined): boolean {
  if (o?.tlsEngine !== undefined && o.tlsEngine !== 'node' && o.tlsEngine !== 'vpp') throw invalidArgValue('options.tlsEngine', o.tlsEngine, ['node', 'vpp']);
  return o?.tlsEngine === 'vpp';
}

const listen2 = withListenBinding((net.Server.prototype as unknown as { _listen2: never })._listen2);

/** node's tls.createServer; its listen() binds VPP or the kernel as vppnet.createServer's does. */
export function createServer(options?: TlsOptions | ((s: tls.TLSSocket) => void), listener?: (s: tls.TLSSocket) => void): tls.Server {
  const o = typeof options === 'function' ? undefined : options;
  if (vppEngine(o)) return vppTls.createServer(o as Record<string, unknown>, listener as never) as unknown as tls.Server;
  const own = vppnetOptionsOf(o);
  resolve(own);
  const srv = tls.createServer(o ?? {}, typeof options === 'function' ? options : listener);
  if (own) (srv as unknown as Record<symbol, unknown>)[kOptions] = own;
  (srv as unknown as { _listen2: unknown })._listen2 = listen2;
  return srv;
}

/**
 * node's tls.connect (options[, cb], or port[, host][, options][, cb]) over a
 * vppnet socket: the transport is chosen by the same options; a `socket` of
 * the caller's is used as it is.
 */
export function connect(...args: unknown[]): tls.TLSSocket {
  let cb = typeof args[args.length - 1] === 'function' ? args.pop() as () => void : undefined;
  let options: ConnectionOptions = {};
  if (args[0] !== null && typeof args[0] === 'object') options = { ...(args[0] as ConnectionOptions) };
  else {
    const [port, host, extra] = args as [number | string, string | object | undefined, object | undefined];
    const more = typeof host === 'object' ? host : extra;
    options = { ...(more as ConnectionOptions), port: Number(port), ...(typeof host === 'string' ? { host } : {}) };
  }
  if (vppEngine(options)) return vppTls.connect(options as vppTls.VppTlsConnectOptions, cb) as unknown as tls.TLSSocket;
  if (!options.socket) {
    const { host, port, path, localAddress, localPort, family, lookup, timeout, autoSelectFamily } = options as ConnectionOptions & net.TcpNetConnectOpts & { path?: string };
    const raw = netConnect({ ...vppnetOptionsOf(options), ...(path ? { path } : { host: host ?? 'localhost', port: port! }),
      localAddress, localPort, family, lookup, timeout, autoSelectFamily } as never);
    options.socket = raw as net.Socket;
  }
  const s = tls.connect(options as tls.ConnectionOptions, cb);
  cb = undefined;
  return s;
}

export default { connect, createServer, checkServerIdentity: tls.checkServerIdentity, createSecureContext: tls.createSecureContext, getCiphers: tls.getCiphers };
