/** Argument normalisation and validation shared by VppSocket.connect and VppServer.listen, with node:net's errors. */
import { badPort } from '../errors';

export function validatePort(port: unknown, name = 'Port'): number {
  let p = port;
  if (typeof p === 'string' && p.trim() !== '' && Number.isInteger(Number(p))) p = Number(p);
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 65535) throw badPort(name, port);
  return p;
}

export interface ConnectOpts { port?: unknown; host?: unknown; path?: string; family?: unknown; lookup?: unknown }

/** connect(options[, cb]) | connect(port[, host][, cb]) | connect(path[, cb]), as net.connect takes them. */
export function normalizeConnectArgs(args: unknown[]): [ConnectOpts, (() => void) | undefined] {
  if (args.length === 1 && Array.isArray(args[0])) args = args[0];
  args = args.slice();
  const cb = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined;
  const [first, second] = args;
  if (first !== null && typeof first === 'object') return [first as ConnectOpts, cb];
  if (typeof first === 'string' && first !== '' && !/^\d+$/.test(first)) return [{ path: first }, cb];
  return [{ port: first, host: second }, cb];
}
