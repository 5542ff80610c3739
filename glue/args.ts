/**
 * The argument forms of node:net, normalised as node does (lib/net.js's
 * normalizeArgs and listen's), with node's errors: one place for connect()
 * and listen() on either transport.
 */
import { badPort } from './errors';

export function validatePort(port: unknown, name = 'Port'): number {
  let p = port;
  if (typeof p === 'string' && p.trim() !== '' && Number.isInteger(Number(p))) p = Number(p);
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 65535) throw badPort(name, port);
  return p;
}

export interface ConnectOpts { port?: unknown; host?: unknown; path?: string; family?: unknown; lookup?: unknown; [k: string]: unknown }

/** node's toNumber: a non-negative number, else false. */
const toNumber = (x: unknown): number | false => { const n = Number(x); return n >= 0 ? n : false; };

/**
 * connect(options[, cb]) | connect(port[, host][, cb]) | connect(path[, cb]),
 * as node's normalizeArgs (a string that is not a number is an IPC path);
 * an already normalised [options, cb] array (net.connect -> socket.connect) passes through.
 */
export function normalizeConnectArgs(args: unknown[]): [ConnectOpts, (() => void) | undefined] {
  if (args.length === 1 && Array.isArray(args[0])) args = args[0];
  if (args.length === 0) return [{}, undefined];
  const [first, second] = args;
  let options: ConnectOpts = {};
  if (first !== null && typeof first === 'object') options = first as ConnectOpts;
  else if (typeof first === 'string' && toNumber(first) === false) options.path = first;
  else {
    options.port = first;
    if (args.length > 1 && typeof second === 'string') options.host = second;
  }
  const last = args[args.length - 1];
  return [options, typeof last === 'function' ? (last as () => void) : undefined];
}

export interface ListenArgs { port: unknown; host?: unknown; path?: unknown; backlog?: unknown; cb?: () => void }

/** listen([port[, host[, backlog]]][, cb]) | listen(options[, cb]) | listen(path[, backlog][, cb]). */
export function normalizeListenArgs(argv: unknown[]): ListenArgs {
  const args = argv.slice();
  const cb = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined;
  const first = args[0];
  if (first !== null && typeof first === 'object') {
    const o = first as { port?: unknown; host?: unknown; path?: unknown; backlog?: unknown };
    return { port: o.port ?? 0, host: o.host, path: o.path, backlog: o.backlog, cb };
  }
  if (typeof first === 'string' && toNumber(first) === false) return { port: 0, path: first, cb };
  return { port: first ?? 0, host: typeof args[1] === 'string' ? args[1] : undefined, cb };
}
