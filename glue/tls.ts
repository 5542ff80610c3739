/**
 * vppnet/tls: node:tls over vppnet's TCP. The TLS is node's own (tlsEngine
 * 'node', the only engine yet): a TLSSocket over a socket whose transport
 * vppnet chose, a tls.Server whose listen binds as vppnet's servers do. So
 * every node:tls feature (SNI, ALPN, session reuse, client certificates,
 * getPeerCertificate, node's errors) is node's, on either transport;
 * `transport` on the TLS socket and server says which one carries it.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { vppnetOptionsOf, resolve, type VppnetOptions } from './config';
import { connect as netConnect } from './index';
import { kOptions, withListenBinding } from './bind';
import { invalidArgValue } from './errors';

export {
  checkServerIdentity, createSecureContext, getCiphers, rootCertificates, TLSSocket,
  DEFAULT_CIPHERS, DEFAULT_ECDH_CURVE, DEFAULT_MAX_VERSION, DEFAULT_MIN_VERSION,
} from 'node:tls';

export type ConnectionOptions = tls.ConnectionOptions & VppnetOptions & { tlsEngine?: 'node' };
export type TlsOptions = tls.TlsOptions & VppnetOptions & { tlsEngine?: 'node' };

function checkEngine(o: { tlsEngine?: unknown } | undefined) {
  if (o?.tlsEngine !== undefined && o.tlsEngine !== 'node') throw invalidArgValue('options.tlsEngine', o.tlsEngine, ['node']);
}

const listen2 = withListenBinding((net.Server.prototype as unknown as { _listen2: never })._listen2);

/** node's tls.createServer; its listen() binds VPP or the kernel as vppnet.createServer's does. */
export function createServer(options?: TlsOptions | ((s: tls.TLSSocket) => void), listener?: (s: tls.TLSSocket) => void): tls.Server {
  const o = typeof options === 'function' ? undefined : options;
  checkEngine(o);
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
  checkEngine(options);
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
