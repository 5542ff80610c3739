/**
 * tlsEngine 'vpp' of vppnet/tls: the TLS is VPP's own (its tlsopenssl
 * engine). A socket is a vppnet Socket whose session VPP opened with its TLS
 * transport, so the fifos carry plaintext and node never sees a record: the
 * handshake, the certificate check and the encryption happen in VPP. Such
 * sessions attach with global scope only: with local scope VPP would connect
 * two apps of one namespace cut-through, and no TLS would run at all. What
 * node:tls has and VPP's TLS does not is refused here, by name.
 */
import * as net from 'node:net';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { Socket, Server } from './index';
import { kOptions, kVppTls, vppHandleOf, type TlsConnect, type TlsListenSpec } from './bind';
import { resolve, vppnetOptionsOf, type VppnetOptions } from './config';
import { nodeError, tlsHandshakeFailed } from './errors';

/** VPP's ALPN protocols by id - 1 (tls_alpn_proto_t, transport_types.h): VPP's TLS offers and selects only these. */
const ALPN_NAMES = Object.freeze([
  'http/1.1', 'h2', 'h3', 'imap', 'pop3', 'smb', 'stun.turn', 'stun.nat-discovery', 'webrtc', 'c-webrtc', 'ftp',
  'managesieve', 'coap', 'co', 'xmpp-client', 'xmpp-server', 'acme-tls/1', 'mqtt', 'dot', 'ntske/1', 'sunrpc', 'irc',
  'nntp', 'nnsp', 'doq', 'sip/2', 'tds/8.0', 'dicom', 'postgresql', 'radius/1.0', 'radius/1.1',
]);
const ALPN_IDS: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries(ALPN_NAMES.map((name, i) => [name, i + 1])));
const alpnName = (id: number): string | false => ALPN_NAMES[id - 1] ?? false;

/**
 * Where ALPN was offered, ask VPP what its handshake chose before saying the
 * session is secure (as node's TLSSocket knows alpnProtocol by then); data
 * that arrives meanwhile waits in the socket (nobody reads it yet).
 */
function withAlpn(s: net.Socket, offered: number, then: () => void) {
  const h = vppHandleOf(s as never) as { askAlpn?(cb: (id: number) => void): void } | undefined;
  if (!offered || !h?.askAlpn) { then(); return; }
  h.askAlpn((id) => { (s as unknown as { alpnProtocol: string | false }).alpnProtocol = alpnName(id); then(); });
}

/** node:tls options VPP's TLS has no way to take (named in the error). */
const UNSUPPORTED_CONNECT = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'secureContext', 'checkServerIdentity', 'session',
  'minVersion', 'maxVersion', 'ciphers', 'ecdhCurve', 'sigalgs', 'secureProtocol', 'pskCallback', 'enableTrace', 'socket'];
const UNSUPPORTED_SERVER = ['ca', 'pfx', 'secureContext', 'SNICallback', 'requestCert', 'ALPNCallback', 'pskCallback',
  'minVersion', 'maxVersion', 'ciphers', 'ecdhCurve', 'sigalgs', 'secureProtocol', 'ticketKeys', 'sessionTimeout',
  'enableTrace'];

const unsupported = (what: string, why: string) =>
  nodeError('ERR_VPPNET_TLS_UNSUPPORTED', `vppnet/tls: ${what} is not available with tlsEngine 'vpp' (${why}); tlsEngine 'node' has it`);

function refuseUnsupported(o: Record<string, unknown>, names: readonly string[]) {
  for (const k of names) {
    if (o[k] === undefined || o[k] === false) continue;
    throw unsupported(`options.${k}`, k === 'ca' ? "VPP checks certificates against its own CA file, tls { ca-cert-path } in VPP's startup.conf"
      : 'VPP takes no such setting from an app');
  }
}

/** options.ALPNProtocols (names, or node's wire format) as up to 4 of VPP's ids, byte i = the i-th. */
function alpnIds(v: unknown): number {
  if (v === undefined || v === null) return 0;
  let names: string[];
  if (Array.isArray(v)) names = v.map((x) => (typeof x === 'string' ? x : Buffer.from(x as Uint8Array).toString('latin1')));
  else if (v instanceof Uint8Array) {
    names = [];
    for (let i = 0; i < v.length; i += 1 + v[i]) names.push(Buffer.from(v.subarray(i + 1, i + 1 + v[i])).toString('latin1'));
  } else throw nodeError('ERR_INVALID_ARG_TYPE', `The "options.ALPNProtocols" property must be an Array or a Buffer. Received ${typeof v}`, TypeError);
  if (names.length > 4) throw nodeError('ERR_OUT_OF_RANGE', `The value of "options.ALPNProtocols" is out of range. VPP's TLS takes up to 4 protocols. Received ${names.length}`, RangeError);
  let ids = 0;
  names.forEach((n, i) => {
    const id = ALPN_IDS[n];
    if (!id) throw nodeError('ERR_INVALID_ARG_VALUE', `The property 'options.ALPNProtocols' holds ${JSON.stringify(n)}, which VPP's TLS does not know (it knows ${Object.keys(ALPN_IDS).join(', ')})`, TypeError);
    ids |= id << (8 * i);
  });
  return ids >>> 0;
}

/** The vppnet options of a VPP-TLS object: VPP, with global scope. */
function vppOptions(o: object | undefined): VppnetOptions {
  const own = vppnetOptionsOf(o) ?? {};
  if (resolve(own).mode === 'kernel') {
    throw nodeError('ERR_INVALID_ARG_VALUE', "The property 'options.tlsEngine' is 'vpp', which needs VPP, but the mode is 'kernel'", TypeError);
  }
  return { ...own, scope: 'global' };
}

// ---- the client ----

type TlsSock = net.Socket & { [kVppTls]?: TlsConnect; [kOptions]?: VppnetOptions };

/**
 * A connected socket of VPP's TLS: node:tls's TLSSocket surface where VPP can
 * answer it. 'secureConnect' follows 'connect' (VPP answers the connect
 * after the handshake).
 */
class VppTlsSocket extends Socket {
  readonly encrypted = true;
  authorized = false;
  authorizationError: string | undefined;
  alpnProtocol: string | false = false;
  readonly servername: string | false;
  constructor(private readonly spec: TlsConnect, options: VppnetOptions) {
    super();
    const self = this as TlsSock;
    self[kOptions] = options;
    self[kVppTls] = spec;
    this.servername = spec.verify ? spec.hostname : false;
    this.authorizationError = spec.verify ? undefined : 'NOT_VERIFIED (rejectUnauthorized: false)';
    this.once('connect', () => {
      this.authorized = spec.verify;
      withAlpn(this, spec.alpn, () => this.emit('secureConnect'));
    });
  }
  /** VPP keeps the peer's certificate, the cipher and the protocol to itself: node's answers for "none known". */
  getPeerCertificate() { return null; }
  getCipher() { return undefined; }
  getProtocol() { return null; }
  getSession() { return undefined; }
  isSessionReused() { return false; }
  /** A handshake VPP failed arrives as node's connect error: say what it was. */
  _destroy(err: Error | null, cb: (e?: Error | null) => void) {
    const spec = this.spec;
    super._destroy(err, (e?: Error | null) => {
      const x = e as (NodeJS.ErrnoException & { address?: string; port?: number }) | null;
      cb(x && spec.failed && x.syscall === 'connect'
        ? tlsHandshakeFailed(x.address ?? '?', x.port ?? 0, spec.verify ? spec.hostname : undefined, x) : e);
    });
  }
}

export type VppTlsConnectOptions = net.TcpNetConnectOpts & VppnetOptions & {
  servername?: string; rejectUnauthorized?: boolean; ALPNProtocols?: string[] | Uint8Array[] | Uint8Array;
};

/** tls.connect with tlsEngine 'vpp'. */
export function connect(options: VppTlsConnectOptions, cb?: () => void): net.Socket {
  refuseUnsupported(options as unknown as Record<string, unknown>, UNSUPPORTED_CONNECT);
  const verify = options.rejectUnauthorized !== false;
  const host = options.host ?? 'localhost';
  const hostname = options.servername ?? host;
  if (verify && !/^[\x21-\x7e]{1,255}$/.test(hostname)) {
    throw nodeError('ERR_INVALID_ARG_VALUE', `The property 'options.servername' must be an ASCII host name of 1 to 255 characters. Received ${JSON.stringify(hostname)}`, TypeError);
  }
  const spec: TlsConnect = { hostname, verify, alpn: alpnIds(options.ALPNProtocols) };
  const s = new VppTlsSocket(spec, vppOptions(options));
  if (cb) s.once('secureConnect', cb);
  if (options.timeout) s.setTimeout(options.timeout);
  const { port, localAddress, localPort, family, lookup, autoSelectFamily } = options;
  return s.connect({ host, port, localAddress, localPort, family, lookup, autoSelectFamily } as net.TcpNetConnectOpts);
}

// ---- the server ----

type PemInput = string | Buffer | Array<string | Buffer | { pem: string | Buffer; passphrase?: string }> | { pem: string | Buffer; passphrase?: string };

function one<T>(v: T | T[], name: string): T {
  if (!Array.isArray(v)) return v;
  if (v.length !== 1) throw unsupported(`${name} with ${v.length} entries`, 'VPP takes one certificate and key per listener');
  return v[0];
}

/** cert and key as PEM, checked by node's crypto first: VPP takes any bytes and fails every handshake later. */
function pemPair(o: { cert?: unknown; key?: unknown; passphrase?: string }): { cert: Buffer; key: Buffer } {
  if (o.cert === undefined || o.key === undefined) {
    throw nodeError('ERR_INVALID_ARG_VALUE', "The property 'options.cert' and 'options.key' are required with tlsEngine 'vpp': VPP's TLS listener needs its certificate and key", TypeError);
  }
  const certIn = one(o.cert as PemInput, 'options.cert') as string | Buffer;
  const keyIn = one(o.key as PemInput, 'options.key') as string | Buffer | { pem: string | Buffer; passphrase?: string };
  let x509: X509Certificate;
  let key: KeyObject;
  try {
    x509 = new X509Certificate(certIn);
    key = typeof keyIn === 'object' && !Buffer.isBuffer(keyIn)
      ? createPrivateKey({ key: keyIn.pem, passphrase: keyIn.passphrase ?? o.passphrase })
      : createPrivateKey({ key: keyIn, passphrase: o.passphrase });
  } catch (e) {
    throw Object.assign(e as Error, { message: `vppnet/tls: options.cert or options.key: ${(e as Error).message}` });
  }
  if (!x509.checkPrivateKey(key)) throw nodeError('ERR_VPPNET_TLS_CERT', 'vppnet/tls: options.key is not the key of options.cert');
  // a PEM chain goes as it is (intermediates included); DER becomes PEM
  const certText = Buffer.from(certIn).toString('latin1');
  const cert = certText.includes('-----BEGIN') ? Buffer.from(certIn) : Buffer.from(x509.toString());
  return { cert, key: Buffer.from(key.export({ type: 'pkcs8', format: 'pem' }) as string) };
}

type TlsSrv = net.Server & { [kVppTls]?: TlsListenSpec; [kOptions]?: VppnetOptions };

/** A server of VPP's TLS: node's net.Server on a VPP TLS listener; 'secureConnection' for each handshaken session. */
class VppTlsServer extends Server {
  constructor(options: Record<string, unknown>, listener?: (s: net.Socket) => void) {
    refuseUnsupported(options, UNSUPPORTED_SERVER);
    const pair = pemPair(options);
    const own = vppOptions(options);
    const alpn = alpnIds(options.ALPNProtocols);
    const { allowHalfOpen, pauseOnConnect, noDelay, keepAlive, keepAliveInitialDelay, highWaterMark } = options as net.ServerOpts;
    super({ allowHalfOpen, pauseOnConnect, noDelay, keepAlive, keepAliveInitialDelay, highWaterMark });
    const self = this as TlsSrv;
    self[kOptions] = own;
    self[kVppTls] = { ...pair, alpn };
    this.on('connection', (s: net.Socket) => {
      Object.assign(s, { encrypted: true, authorized: false, authorizationError: 'NO_CLIENT_CERTIFICATE (tlsEngine vpp)', alpnProtocol: false, servername: false });
      withAlpn(s, alpn, () => this.emit('secureConnection', s));
    });
    if (listener) this.on('secureConnection', listener);
  }
  addContext(): never { throw unsupported('server.addContext()', 'VPP takes one certificate and key per listener'); }
  setSecureContext(): never { throw unsupported('server.setSecureContext()', 'VPP takes one certificate and key per listener'); }
}

/** tls.createServer with tlsEngine 'vpp'. */
export function createServer(options: Record<string, unknown>, listener?: (s: net.Socket) => void): net.Server {
  return new VppTlsServer(options, listener);
}
