/**
 * What every conformance case file shares: the transport profile, the
 * module-level stream helpers, and the per-profile context (servers and
 * clients made with the profile's options, tracked for clean-up, and `T`,
 * which registers a test). Only the public API reached through `profile.net`
 * is used, with `profile.options` merged into every createServer/connect call.
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { isIPv6 } from 'node:net';
import type * as net from 'node:net';
import * as path from 'node:path';

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface NetModule {
  createServer(...args: any[]): any;
  connect(...args: any[]): any;
  createConnection?(...args: any[]): any;
  Socket: any;
  Server: any;
}

export interface Profile {
  name: string;
  net: NetModule;
  host: string;
  /** Merged into every createServer/connect options, e.g. { mode: 'vpp', appSocket }. */
  options: object;
  /** Merged after `options` into createServer / connect options only (e.g. the client in another VPP namespace). */
  serverOptions?: object;
  clientOptions?: object;
  expectTransport: 'kernel' | 'vpp';
  /** Evidence from outside the library that a connected pair on `port` uses the transport claimed (VPP: its CLI's sessions). */
  proveTransport?: (port: number) => Promise<void>;
  /** Register every test as skipped and say why, loudly. */
  skip?: string;
  halfCloseSupported?: boolean;
  /** Why a connect to a port nobody listens on is never refused on this profile (the cases that need a refusal skip, saying so). */
  noRefusal?: string;
  /** Why this host's loopback (where a connect to 0.0.0.0 goes) is not the client's (the case skips, saying so). */
  noLoopback?: string;
  /** Why a connect's localPort cannot hold on this profile (the case skips, saying so). */
  noLocalPort?: string;
  /** What a child process require()s to get the same module (default: glue/index.ts). */
  module?: string;
}

export type Sock = net.Socket & { transport?: string };
export type Srv = net.Server & { transport?: string };

const TS_REGISTER = path.join(__dirname, 'ts-register.js');
const DEFAULT_MODULE = path.join(__dirname, '..', '..', 'glue', 'index.ts');

export const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with `p`, or rejects after `ms` naming what did not happen. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => { t = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]);
}

/** Everything a readable side delivers until 'end'. */
export function collect(s: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.once('end', () => resolve(Buffer.concat(parts)));
    s.once('error', reject);
  });
}

/** 'close' -> hadError, without rejecting on 'error' (events.once would). */
export function closeEvent(s: net.Socket): Promise<boolean> {
  return new Promise((r) => (s.destroyed && s.closed ? r(s.errored != null) : s.once('close', r)));
}

/** Exactly `n` bytes (more is an error), without needing the peer to end. */
export function collectN(s: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    s.on('data', (d: Buffer) => {
      parts.push(d);
      got += d.length;
      if (got > n) reject(new Error(`received ${got} bytes, expected ${n}`));
      else if (got === n) resolve(Buffer.concat(parts));
    });
    s.once('error', reject);
  });
}

/** Write `data` in chunks cycling through `sizes`, honouring backpressure, then end() unless told not to. */
export async function writeChunked(s: net.Socket, data: Buffer, sizes: number[], end = true): Promise<void> {
  let off = 0;
  for (let i = 0; off < data.length; i++) {
    const n = Math.min(sizes[i % sizes.length], data.length - off);
    if (!s.write(data.subarray(off, off + n))) await once(s, 'drain');
    off += n;
  }
  if (end) s.end();
}

export function expectCode(fn: () => unknown, code: string): void {
  let err: (Error & { code?: string }) | undefined;
  try { fn(); } catch (e) { err = e as Error & { code?: string }; }
  expect(err).toBeDefined();
  expect(err!.code).toBe(code);
}

export const CHUNK_SIZES = [1, 7, 100, 1000, 1460, 4096, 16384, 65536, 100_000, 1 << 20];

/** A registered test: name (with the skip reason in it), body, timeout, skip reason. */
export type RegisteredTest = [string, () => Promise<void>, number, string | undefined];

/** The per-profile context every case file's registration function takes. */
export type Context = ReturnType<typeof createContext>;

export function createContext(profile: Profile) {
  const { net: N, host, options } = profile;
  const sopts = () => ({ ...options, ...profile.serverOptions });
  const copts = () => ({ ...options, ...profile.clientOptions });
  const family = isIPv6(host) ? 'IPv6' : 'IPv4';
  const sockets = new Set<net.Socket>();
  const servers = new Set<net.Server>();

  function server(listener?: (s: Sock) => void, extra: object = {}): Srv {
    const srv: Srv = N.createServer({ ...sopts(), ...extra }, listener);
    srv.on('connection', (s: net.Socket) => sockets.add(s));
    servers.add(srv);
    return srv;
  }
  async function listen(srv: net.Server, port = 0): Promise<number> {
    srv.listen({ port, host });
    await within(once(srv, 'listening'), 5000, 'listening');
    return (srv.address() as net.AddressInfo).port;
  }
  function dial(port: number, extra: object = {}, cb?: () => void): Sock {
    const s: Sock = N.connect({ ...copts(), ...extra, port, host }, cb);
    sockets.add(s);
    return s;
  }
  async function connected(s: net.Socket): Promise<void> {
    await within(once(s, 'connect'), 5000, 'connect');
  }
  /** An echo server and one connected client. */
  async function echoPair(extra: object = {}): Promise<{ srv: Srv; port: number; c: Sock }> {
    const srv = server((s) => s.pipe(s), extra);
    const port = await listen(srv);
    const c = dial(port);
    await connected(c);
    return { srv, port, c };
  }
  /** A server whose first accepted socket is handed back, and its client. */
  async function pair(extra: object = {}, clientExtra: object = {}): Promise<{ srv: Srv; port: number; c: Sock; s: Sock }> {
    const srv = server(undefined, extra);
    const port = await listen(srv);
    const accepted = once(srv, 'connection');
    const c = dial(port, clientExtra);
    const [[s]] = await within(Promise.all([accepted, once(c, 'connect')]), 5000, 'connection + connect');
    return { srv, port, c, s: s as Sock };
  }
  /** A port nobody listens on (just released by this transport). */
  async function freePort(): Promise<number> {
    const srv = server();
    const port = await listen(srv);
    await new Promise<void>((r) => srv.close(() => r()));
    return port;
  }

  /** Run a child node that require()s the module and evals `body`; resolves with its exit. */
  function child(body: string, env: Record<string, string> = {}) {
    const mod = profile.module ?? DEFAULT_MODULE;
    const pre = mod.endsWith('.ts') ? ['-r', TS_REGISTER] : [];
    const script = `const net = require(${JSON.stringify(mod)}); const sopts = ${JSON.stringify(sopts())};` +
      ` const copts = ${JSON.stringify(copts())};` +
      ` const host = ${JSON.stringify(host)};\n${body}`;
    const p = spawn(process.execPath, [...pre, '-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const exited = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((r) =>
      p.once('exit', (code, signal) => r({ code, signal, out, err })));
    return { p, exited, output: () => out, errors: () => err };
  }

  const tests: RegisteredTest[] = [];
  /** Register a test; `skipReason` registers it as skipped (and says why in its name). */
  const T = (name: string, fn: () => Promise<void>, timeout = 20000, skipReason?: string): void => {
    tests.push([skipReason ? `${name} [skipped: ${skipReason}]` : name, fn, timeout, skipReason]);
  };
  const noHalfClose = profile.halfCloseSupported === false ? 'profile says half-close is not supported' : undefined;
  const noRefusal = profile.noRefusal;

  return {
    profile, N, host, family, sopts, copts, sockets, servers, tests, T, noHalfClose, noRefusal,
    server, listen, dial, connected, echoPair, pair, freePort, child,
  };
}
