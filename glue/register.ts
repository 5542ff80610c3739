/**
 * Zero-change mode: `node --require vppnet/register app.js` (or `--import`
 * for ESM, or NODE_OPTIONS) binds node:net's own classes the way
 * vppnet.Socket/Server are bound (glue/bind.ts), so everything built on
 * net.Socket and net.Server — http, https, tls, fetch/undici, ws, express,
 * fastify, database drivers — takes vppnet's transport choice (VPPNET_MODE,
 * VPPNET_APP_SOCKET, ...) without a changed line. What it patches, and why
 * each is needed:
 *  - net.Socket.prototype.connect: every client socket (net.connect, http's
 *    agent, undici) connects through it;
 *  - net.Socket.prototype[kReinitializeHandle]: Happy Eyeballs' later attempts;
 *  - net.Server.prototype._listen2: every server (http.Server, tls.Server
 *    extend net.Server) listens through it;
 *  - tls.connect: it makes its TCPWrap itself, before connect(); on VPP it is
 *    given a VPP-bound socket instead, and TLS runs on that.
 * IPC, fds, pipes, stdio and child processes never reach these paths'
 * VPP branch. `unregister()` puts node's own methods back. A process in
 * register mode leaves a status file for `vppnet doctor` (glue/activity.ts).
 */
import * as net from 'node:net';
// the module object itself (not an import namespace): its connect is replaced
import tls = require('node:tls');
import { withConnectBinding, withListenBinding, withReinitBinding } from './bind';
import { internals, problem } from './node-internals';
import { resolve } from './config';
import { decide } from './transport';
import { debug } from './debug';
import { publish } from './activity';
import './index';   // `transport` on node's sockets and servers

type Proto = Record<PropertyKey, unknown>;
let saved: { connect: unknown; reinit: unknown; listen2: unknown; tlsConnect: typeof tls.connect } | undefined;

/** Is register mode on in this process? */
export function registered(): boolean { return saved !== undefined; }

/** Put node:net's classes (and tls.connect) on vppnet's transport choice. Idempotent. */
export function register(): void {
  if (saved) return;
  if (problem) { debug('register: not patching node:net: %s', problem); return; }
  const sp = net.Socket.prototype as unknown as Proto, vp = net.Server.prototype as unknown as Proto;
  const { reinitialize } = internals();
  saved = { connect: sp.connect, reinit: sp[reinitialize], listen2: vp._listen2, tlsConnect: tls.connect };
  sp.connect = withConnectBinding(saved.connect as never);
  sp[reinitialize] = withReinitBinding(saved.reinit as never);
  vp._listen2 = withListenBinding(saved.listen2 as never);
  const tlsConnect = saved.tlsConnect;
  (tls as { connect: unknown }).connect = function connect(...args: unknown[]) {
    return tlsConnect.apply(tls, tlsOnVpp(args) as never);
  };
  publish(true);
  debug('register: node:net and tls.connect now bind TCP to %s', resolve().mode === 'kernel' ? 'the kernel (mode kernel)' : 'VPP when the mode says so');
}

/** Undo register(). */
export function unregister(): void {
  if (!saved) return;
  const sp = net.Socket.prototype as unknown as Proto, vp = net.Server.prototype as unknown as Proto;
  sp.connect = saved.connect;
  sp[internals().reinitialize] = saved.reinit;
  vp._listen2 = saved.listen2;
  (tls as { connect: unknown }).connect = saved.tlsConnect;
  saved = undefined;
  publish(false);
}

/**
 * tls.connect's arguments, with a VPP-bound socket under them when the mode
 * puts this TCP endpoint on VPP (tls.connect then wraps it, as it wraps any
 * socket it is given). Argument forms as tls's normalizeConnectArgs.
 */
function tlsOnVpp(args: unknown[]): unknown[] {
  const [options, cb] = (net as unknown as { _normalizeArgs(a: unknown[]): [Record<string, unknown>, unknown] })._normalizeArgs(args);
  if (args[1] !== null && typeof args[1] === 'object') Object.assign(options, args[1]);
  else if (args[2] !== null && typeof args[2] === 'object') Object.assign(options, args[2]);
  if (options.socket || options.path != null || options.port === undefined) return args;
  if (decide(resolve(), 'tls.connect').transport === 'kernel') return args;
  const { host, port, localAddress, localPort, family, hints, lookup, autoSelectFamily, autoSelectFamilyAttemptTimeout } = options;
  const socket = new net.Socket();
  socket.connect({ host, port, localAddress, localPort, family, hints, lookup, autoSelectFamily,
    autoSelectFamilyAttemptTimeout } as net.NetConnectOpts);
  const out: unknown[] = [{ ...options, socket }];
  if (typeof cb === 'function') out.push(cb);
  return out;
}

register();
