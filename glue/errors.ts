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

/** Map a negative errno returned by the core to a Node-shaped error. */
export function fromCoreError(negErrno: number, syscall: string, address?: string, port?: number): NetError {
  let code = CORE_ERRORS[negErrno];
  if (code === undefined) {
    // Any other Linux errno keeps its own name; anything else is EIO.
    code = getSystemErrorMap().get(negErrno)?.[0] ?? 'EIO';
  }
  return errnoException(code, syscall, address, port);
}

/** SESSION_E_* (protocol doc §7.9) -> Node code. */
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
});

/** Map a VPP SESSION_E_* value (negative; a positive one is negated) to a Node-shaped error. */
export function fromVppError(sessionErr: number, syscall = 'connect', address?: string, port?: number): NetError {
  const v = sessionErr > 0 ? -sessionErr : sessionErr;
  const err = errnoException(VPP_ERRORS[v] ?? 'EIO', syscall, address, port, syscall !== 'connect');
  (err as NetError & { vppError: number }).vppError = v;
  return err;
}

/** The one error `mode: 'vpp'` gives when VPP cannot be used; never a silent fallback. */
export function vppUnavailable(reason: string, appSocket?: string): NetError {
  const err = new Error(`VPP is unavailable: ${reason}`) as NetError;
  err.code = 'ERR_VPPNET_UNAVAILABLE';
  err.reason = reason;
  if (appSocket !== undefined) (err as NetError & { appSocket: string }).appSocket = appSocket;
  return err;
}

function nodeTypeError(code: string, message: string): NetError {
  const err = new TypeError(message) as NetError;
  err.code = code;
  return err;
}

export function invalidArgValue(name: string, value: unknown, allowed: readonly string[]): NetError {
  return nodeTypeError('ERR_INVALID_ARG_VALUE',
    `The argument '${name}' must be one of: ${allowed.map((a) => `'${a}'`).join(', ')}. Received ${inspect(value)}`);
}

export function invalidArgType(name: string, expected: string, value: unknown): NetError {
  return nodeTypeError('ERR_INVALID_ARG_TYPE',
    `The "${name}" argument must be of type ${expected}. Received ${value === null ? 'null' : typeof value === 'object' ? 'an instance of ' + (value as object).constructor?.name : `type ${typeof value} (${inspect(value)})`}`);
}
