/**
 * Node-shaped errors. Every negative errno from the C core and every
 * SESSION_E_* from VPP becomes a Node `code` here, and nowhere else.
 */
import { constants } from 'node:os';
import { getSystemErrorMap, inspect } from 'node:util';

const errno = constants.errno as Record<string, number>;

export interface NetError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  address?: string;
  port?: number;
  reason?: string;
}

function codeToErrno(code: string): number {
  const n = errno[code];
  return n === undefined ? -errno.EIO : -n;
}

function details(address?: string, port?: number): string {
  if (address === undefined) return '';
  return port !== undefined && port > 0 ? ` ${address}:${port}` : ` ${address}`;
}

/**
 * Like node's exceptionWithHostPort: `connect ECONNREFUSED 127.0.0.1:1234`.
 * With `describe` like uvExceptionWithHostPort: `listen EADDRINUSE: address already in use 127.0.0.1:80`.
 */
export function errnoException(code: string, syscall: string, address?: string, port?: number,
  describe = false): NetError {
  const n = codeToErrno(code);
  const desc = describe ? getSystemErrorMap().get(n)?.[1] : undefined;
  const head = desc ? `${syscall} ${code}: ${desc}` : `${syscall} ${code}`;
  const err = new Error(head + details(address, port)) as NetError;
  err.errno = n;
  err.code = code;
  err.syscall = syscall;
  if (address !== undefined) err.address = address;
  if (port !== undefined && port > 0) err.port = port;
  return err;
}

/**
 * The core's VN_E* results (wasm/include/vppnet_core.h) — negative Linux
 * errnos — and the Node code each one surfaces as. The core's values ARE Linux
 * errnos, so the table only checks them against os.constants.errno and
 * says what they mean to a socket user.
 */
export const CORE_ERRORS: Readonly<Record<number, string>> = Object.freeze({
  [-2]: 'ENOENT',      // VN_ENOENT: no such session / segment
  [-11]: 'EAGAIN',     // VN_EAGAIN: a VPP-bound queue is full
  [-12]: 'ENOBUFS',    // VN_ENOMEM: session table or segment full -> what node says when buffers run out
  [-16]: 'EBUSY',      // VN_EBUSY
  [-22]: 'EINVAL',     // VN_EINVAL
  [-32]: 'EPIPE',      // VN_EPIPE: no longer writable
  [-71]: 'EPROTO',     // VN_EPROTO: VPP broke the protocol
  [-74]: 'EPROTO',     // VN_EBADMSG: malformed shared memory -> protocol error to the user
  [-107]: 'ENOTCONN',  // VN_ENOTCONN
  [-108]: 'ECONNABORTED', // VN_ESHUTDOWN: attachment gone -> every session on it is aborted
});

/** SESSION_E_* (docs/protocol.md §7.9) -> Node code. */
export const VPP_ERRORS: Readonly<Record<number, string>> = Object.freeze({
  [-2]: 'ECONNREFUSED',   // REFUSED
  [-3]: 'ETIMEDOUT',      // TIMEDOUT
  [-4]: 'ENOBUFS',        // ALLOC
  [-6]: 'EHOSTUNREACH',   // NOROUTE
  [-7]: 'EHOSTUNREACH',   // NOINTF
  [-8]: 'EADDRNOTAVAIL',  // NOIP
  [-9]: 'EADDRNOTAVAIL',  // NOPORT (ephemeral ports exhausted)
  [-15]: 'EADDRINUSE',    // PORTINUSE
  [-16]: 'EADDRINUSE',    // IPINUSE
  [-17]: 'EADDRINUSE',    // ALREADY_LISTENING
  [-18]: 'EADDRNOTAVAIL', // ADDR_NOT_IN_USE
  [-20]: 'EHOSTUNREACH',  // INVALID_RMT_IP
  [-23]: 'ENOBUFS',       // SEG_NO_SPACE
  [-24]: 'ENOBUFS',       // SEG_NO_SPACE2
  [-25]: 'ENOBUFS',       // SEG_CREATE
  [-32]: 'ECONNABORTED',  // TLS_HANDSHAKE (vppnet/tls says which: tlsHandshakeFailed)
  [-34]: 'EINVAL',        // NOEXTCFG
  [-35]: 'EPROTONOSUPPORT', // NOCRYPTOENG: VPP has no TLS engine (tlsopenssl plugin)
});

/** VPP's TLS handshake failed (CONNECTED's TLS_HANDSHAKE): VPP does not say why. */
export const tlsHandshakeFailed = (host: string, port: number, servername: string | undefined, cause: Error) =>
  nodeError('ERR_VPPNET_TLS_HANDSHAKE',
    `vppnet: VPP's TLS handshake with ${host}:${port} failed: the server's certificate is not trusted by VPP's CA ` +
    `file (tls { ca-cert-path })${servername ? ` or does not name "${servername}"` : ''}, or the two ends share no ` +
    'TLS version, cipher or ALPN protocol', Error, { cause, host, port });

/** The one error `mode: 'vpp'` gives when VPP cannot be used; never a silent fallback. */
export function vppUnavailable(reason: string, appSocket?: string): NetError {
  const err = new Error(`VPP is unavailable: ${reason}`) as NetError;
  err.code = 'ERR_VPPNET_UNAVAILABLE';
  err.reason = reason;
  if (appSocket !== undefined) (err as NetError & { appSocket: string }).appSocket = appSocket;
  return err;
}


export function invalidArgValue(name: string, value: unknown, allowed: readonly string[]): NetError {
  return nodeError('ERR_INVALID_ARG_VALUE',
    `The argument '${name}' must be one of: ${allowed.map((a) => `'${a}'`).join(', ')}. Received ${inspect(value)}`, TypeError);
}

export function invalidArgType(name: string, expected: string, value: unknown): NetError {
  return nodeError('ERR_INVALID_ARG_TYPE',
    `The "${name}" argument must be of type ${expected}. Received ${value === null ? 'null' : typeof value === 'object' ? 'an instance of ' + (value as object).constructor?.name : `type ${typeof value} (${inspect(value)})`}`, TypeError);
}

// ---- node:net's own argument and state errors (same class, code and message as node) ----

/** A Node-style error of class `Ctor` with `code`. */
export function nodeError(code: string, message: string, Ctor: ErrorConstructor = Error, props: object = {}): NetError {
  return Object.assign(new Ctor(message), { code }, props) as NetError;
}

export const outOfRange = (name: string, range: string, received: unknown) =>
  nodeError('ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be ${range}. Received ${inspect(received)}`, RangeError);
export const emptyPath = (name: string) =>
  nodeError('ERR_INVALID_ARG_VALUE', `The argument '${name}' must be a non-empty path. Received ''`, TypeError);

// ---- what only the VPP transport says ----

/** VPP's SESSION_E_* values the transport branches on (VPP's session_error list). */
export const SESSION_E = Object.freeze({ REFUSED: -2, NOROUTE: -6, PORTINUSE: -15, ALREADY_LISTENING: -17, TLS_HANDSHAKE: -32 });

/** VPP (or its shared memory) broke the protocol: the core's error and what it was doing. */
export const protocolError = (coreErr: number, message: string) =>
  nodeError('ERR_VPPNET_PROTOCOL', `vppnet: ${message} (core error ${coreErr})`, Error, { errno: coreErr });

/** VPP closed the app socket: it stopped or restarted. */
export const vppGone = (path: string) =>
  nodeError('ECONNRESET', `vppnet: VPP closed the app socket ${path} (VPP stopped or restarted)`, Error, { errno: -104, syscall: 'read' });

export const detached = () => nodeError('ERR_VPPNET_DETACHED', 'vppnet: detached from VPP');

/** What a session reports when its attachment went away (VPP gone, detached, lied). */
export function attachmentLost(err: Error): NetError {
  const e = err as NodeJS.ErrnoException;
  return nodeError(e.code ?? 'ECONNRESET', e.code === 'ECONNRESET' ? 'read ECONNRESET' : err.message, Error,
    { errno: e.errno ?? -104, syscall: 'read', cause: err });
}

/** The app socket could not be talked to. */
export function attachFailed(path: string, err: NodeJS.ErrnoException, timeoutMs: number): NetError {
  const why = err.code === 'ETIMEDOUT' ? `no reply within ${timeoutMs} ms (is it VPP's app socket?)` : err.message;
  return nodeError(err.code ?? 'ERR_VPPNET_ATTACH', `vppnet: attach to ${path} failed: ${why}`, Error, { errno: err.errno, cause: err });
}

const VPP_ATTACH_ERRORS: Readonly<Record<number, string>> = Object.freeze({
  [-13]: 'no such app (NOAPP)',
  [-14]: 'app already attached (APP_ATTACHED)',
  [-22]: 'invalid app namespace (INVALID_NS)',
  [-38]: 'wrong app namespace secret (WRONG_NS_SECRET)',
  [-25]: 'VPP could not create a segment (SEG_CREATE)',
  [-33]: 'VPP could not allocate an eventfd (EVENTFD_ALLOC)',
});

/** VPP refused the attach (core result <= -1000 carries VPP's retval) or its reply was malformed. */
export function attachRefused(coreRv: number, vppRetval: number, path: string, why?: string): NetError {
  const reason = why ?? (coreRv <= -1000
    ? `VPP refused the attach: ${VPP_ATTACH_ERRORS[vppRetval] ?? `SESSION_E ${vppRetval}`}`
    : `VPP's attach reply is malformed (core error ${coreRv})`);
  return nodeError('ERR_VPPNET_ATTACH', `vppnet: attach to ${path} failed: ${reason}`, Error, { errno: coreRv });
}

/**
 * A libuv status (a negative errno) for a handle to hand node: from an errno
 * name, a core result (negative errno, CORE_ERRORS' reading) or, with
 * `from: 'vpp'`, a SESSION_E_* value (VPP_ERRORS). node's own code turns it
 * into the error the user sees, as it does for a TCPWrap.
 */
export function uvCode(v: string | number, from: 'core' | 'vpp' = 'core'): number {
  if (typeof v === 'string') return codeToErrno(v);
  if (from === 'vpp') return codeToErrno(VPP_ERRORS[v > 0 ? -v : v] ?? 'EIO');
  // any other Linux errno keeps its own name; anything else is EIO
  const code = CORE_ERRORS[v] ?? getSystemErrorMap().get(v)?.[0] ?? 'EIO';
  return codeToErrno(code);
}
