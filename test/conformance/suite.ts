/**
 * The node:net conformance suite, run unchanged on every transport.
 * Only the public API reached through `profile.net` is used, with
 * `profile.options` merged into every createServer/connect call.
 */
import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as http from 'node:http';
import { isIP, isIPv6 } from 'node:net';
import type * as net from 'node:net';
import { constants } from 'node:os';
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
  /** What a child process require()s to get the same module (default: glue/index.ts). */
  module?: string;
}

type Sock = net.Socket & { transport?: string };
type Srv = net.Server & { transport?: string };

const TS_REGISTER = path.join(__dirname, 'ts-register.js');
const DEFAULT_MODULE = path.join(__dirname, '..', '..', 'glue', 'index.ts');

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with `p`, or rejects after `ms` naming what did not happen. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => { t = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]);
}

/** Everything a readable side delivers until 'end'. */
function collect(s: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.once('end', () => resolve(Buffer.concat(parts)));
    s.once('error', reject);
  });
}

/** 'close' -> hadError, without rejecting on 'error' (events.once would). */
function closeEvent(s: net.Socket): Promise<boolean> {
  return new Promise((r) => (s.destroyed && s.closed ? r(s.errored != null) : s.once('close', r)));
}

/** Exactly `n` bytes (more is an error), without needing the peer to end. */
function collectN(s: net.Socket, n: number): Promise<Buffer> {
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
async function writeChunked(s: net.Socket, data: Buffer, sizes: number[], end = true): Promise<void> {
  let off = 0;
  for (let i = 0; off < data.length; i++) {
    const n = Math.min(sizes[i % sizes.length], data.length - off);
    if (!s.write(data.subarray(off, off + n))) await once(s, 'drain');
    off += n;
  }
  if (end) s.end();
}

function expectCode(fn: () => unknown, code: string): void {
  let err: (Error & { code?: string }) | undefined;
  try { fn(); } catch (e) { err = e as Error & { code?: string }; }
  expect(err).toBeDefined();
  expect(err!.code).toBe(code);
}

const CHUNK_SIZES = [1, 7, 100, 1000, 1460, 4096, 16384, 65536, 100_000, 1 << 20];

export function conformanceSuite(profile: Profile): void {
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

  const tests: Array<[string, () => Promise<void>, number, string | undefined]> = [];
  /** Register a test; `skipReason` registers it as skipped (and says why in its name). */
  const T = (name: string, fn: () => Promise<void>, timeout = 20000, skipReason?: string): void => {
    tests.push([skipReason ? `${name} [skipped: ${skipReason}]` : name, fn, timeout, skipReason]);
  };
  const noHalfClose = profile.halfCloseSupported === false ? 'profile says half-close is not supported' : undefined;

  // ---- listening ----
  T('listen on port 0 picks a port; address() reports it', async () => {
    const srv = server();
    expect(srv.listening).toBe(false);
    const port = await listen(srv);
    expect(srv.listening).toBe(true);
    expect(port).toBeGreaterThan(0);
    expect(srv.address()).toEqual({ address: host, family, port });
  });

  T("'listening' event comes before the listen callback; both once", async () => {
    const srv = server();
    const ev: string[] = [];
    srv.on('listening', () => ev.push('listening'));
    await new Promise<void>((r) => srv.listen(0, host, () => { ev.push('callback'); r(); }));
    await sleep(20);
    expect(ev).toEqual(['listening', 'callback']);
  });

  T("client 'connect' then 'ready'; server 'connection'; connecting/pending/readyState move", async () => {
    const srv = server();
    const port = await listen(srv);
    const ev: string[] = [];
    srv.on('connection', () => ev.push('connection'));
    const c = dial(port, {}, () => ev.push('connect-callback'));
    expect(c.connecting).toBe(true);
    expect(c.pending).toBe(true);
    expect(c.readyState).toBe('opening');
    c.on('connect', () => ev.push('connect'));
    c.on('ready', () => ev.push('ready'));
    await connected(c);
    await within((async () => { while (!ev.includes('connection') || !ev.includes('ready')) await sleep(5); })(), 5000, 'connection + ready');
    expect(ev.indexOf('connect-callback')).toBeLessThan(ev.indexOf('ready'));
    expect(ev.indexOf('connect')).toBeLessThan(ev.indexOf('ready'));
    expect(c.connecting).toBe(false);
    expect(c.pending).toBe(false);
    expect(c.readyState).toBe('open');
  });

  // ---- data ----
  T('echo of 4 MiB written in many chunk sizes comes back byte-exact', async () => {
    const { c } = await echoPair();
    const data = randomBytes(4 << 20);
    const got = collect(c);
    await writeChunked(c, data, CHUNK_SIZES);
    const back = await within(got, 20000, 'echo');
    expect(back.length).toBe(data.length);
    expect(sha(back)).toBe(sha(data));
  }, 30000);

  T('8 MiB each way at once, checksummed on both ends', async () => {
    const { s, c } = await pair();
    const up = randomBytes(8 << 20);
    const down = randomBytes(8 << 20);
    const atServer = collectN(s, up.length);
    const atClient = collectN(c, down.length);
    await Promise.all([writeChunked(c, up, [65536, 1460, 200_000], false), writeChunked(s, down, [16384, 3, 1 << 20], false)]);
    const [u, d] = await within(Promise.all([atServer, atClient]), 25000, 'both streams');
    expect(sha(u)).toBe(sha(up));
    expect(sha(d)).toBe(sha(down));
  }, 40000);

  T('string writes with encodings arrive as the same bytes', async () => {
    const { s, c } = await pair();
    const got = collect(s);
    c.write('héllo ', 'utf8');
    c.write('776f726c64', 'hex');
    c.end(Buffer.from('!'));
    expect((await within(got, 5000, 'data')).toString('utf8')).toBe('héllo world!');
  });

  T("backpressure: write() returns false, 'drain' comes, nothing is lost", async () => {
    const { s, c } = await pair();
    s.pause();
    const chunk = randomBytes(64 * 1024);
    const hash = createHash('sha256');
    let written = 0;
    while (c.write(chunk)) {
      hash.update(chunk);
      written += chunk.length;
      if (written > 512 << 20) throw new Error('write() never returned false after 512 MiB');
    }
    hash.update(chunk);
    written += chunk.length;
    expect(c.writableLength).toBeGreaterThan(0);
    expect(c.writableNeedDrain).toBe(true);
    const drained = once(c, 'drain');
    const got = collect(s);
    s.resume();
    await within(drained, 10000, "'drain'");
    c.end();
    const all = await within(got, 20000, 'all data');
    expect(all.length).toBe(written);
    expect(sha(all)).toBe(hash.digest('hex'));
  }, 40000);

  T('pause() stops data events until resume()', async () => {
    const { s, c } = await pair();
    s.pause();
    expect(s.isPaused()).toBe(true);
    let seen = 0;
    s.on('data', (d: Buffer) => { seen += d.length; });
    c.write('abc');
    await sleep(200);
    expect(seen).toBe(0);
    s.resume();
    await within((async () => { while (seen < 3) await sleep(5); })(), 5000, 'data after resume');
    expect(seen).toBe(3);
  });

  T("onread: bytes land in one reusable buffer and go to the callback; returning false pauses until resume()", async () => {
    const payload = Buffer.alloc(256 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + (i >> 10)) & 255;
    const srv = server((s) => s.end(payload));
    const port = await listen(srv);
    const buf = Buffer.alloc(4096);
    const got: Buffer[] = [];
    const bufs = new Set<Uint8Array>();
    let calls = 0, duringPause = -1;
    const c = dial(port, {
      onread: {
        buffer: buf,
        callback: (n: number, b: Uint8Array) => {
          bufs.add(b);
          got.push(Buffer.from(b.subarray(0, n)));
          if (++calls !== 3) return true;
          const at = calls;
          setTimeout(() => { duringPause = calls - at; c.resume(); }, 150);
          return false;
        },
      },
    });
    const ended = once(c, 'end');
    await within(closeEvent(c), 5000, 'close');
    await within(ended, 100, "'end'");
    expect(duringPause).toBe(0);                 // paused: no callback for 150 ms
    expect([...bufs]).toEqual([buf]);            // always the caller's buffer
    expect(Buffer.concat(got).equals(payload)).toBe(true);
    expect(c.bytesRead).toBe(payload.length);
  });

  T('onread with a buffer function: each read goes into the buffer it returns', async () => {
    const payload = randomBytes(64 * 1024);
    const srv = server((s) => s.end(payload));
    const port = await listen(srv);
    const given: Uint8Array[] = [];
    const got: Buffer[] = [];
    let sameAsGiven = true;
    const c = dial(port, {
      onread: {
        buffer: () => { const b = new Uint8Array(1000); given.push(b); return b; },
        callback: (n: number, b: Uint8Array) => { sameAsGiven &&= b === given[given.length - 1]; got.push(Buffer.from(b.subarray(0, n))); },
      },
    });
    await within(closeEvent(c), 5000, 'close');
    expect(sameAsGiven).toBe(true);
    expect(got.every((b) => b.length <= 1000)).toBe(true);
    expect(Buffer.concat(got).equals(payload)).toBe(true);
  });

  // ---- closing ----
  T('half-close with allowHalfOpen: the server answers after the client ended', async () => {
    const srv = server((s) => {
      const got = collect(s);
      got.then((b) => s.end(`reply:${b}`), () => {});
    }, { allowHalfOpen: true });
    const port = await listen(srv);
    const c = dial(port);
    const got = collect(c);
    c.end('hello');
    expect((await within(got, 5000, 'reply')).toString()).toBe('reply:hello');
  }, 20000, noHalfClose);

  T('half-close the other way: the client keeps writing after the server ended', async () => {
    const { s, c } = await pair({ allowHalfOpen: true }, { allowHalfOpen: true });
    const atServer = collect(s);
    const atClient = collect(c);
    s.end('bye');
    expect((await within(atClient, 5000, 'client end')).toString()).toBe('bye');
    expect(c.writable).toBe(true);
    c.end('still here');
    expect((await within(atServer, 5000, 'server end')).toString()).toBe('still here');
  }, 20000, noHalfClose);

  T("without allowHalfOpen, the peer's end() ends this side too", async () => {
    const { s, c } = await pair();
    const serverClosed = closeEvent(s);
    const clientEnded = once(c, 'end');
    const clientClosed = closeEvent(c);
    s.resume();
    c.resume();
    c.end('x');
    await within(clientEnded, 5000, "client 'end' (server auto-ended)");
    const hadErrorS = await within(serverClosed, 5000, "server 'close'");
    const hadErrorC = await within(clientClosed, 5000, "client 'close'");
    expect(hadErrorS).toBe(false);
    expect(hadErrorC).toBe(false);
  });

  T("destroy() closes this side at once and the peer sees 'end' and 'close'", async () => {
    const { s, c } = await pair();
    const ended = once(s, 'end');
    const closed = closeEvent(s);
    s.resume();
    const localClose = closeEvent(c);
    c.destroy();
    expect(c.destroyed).toBe(true);
    expect(await within(localClose, 2000, "local 'close'")).toBe(false);
    await within(ended, 5000, "peer 'end'");
    expect(await within(closed, 5000, "peer 'close'")).toBe(false);
  });

  T("destroy(err) emits 'error' with err, then 'close' with hadError true", async () => {
    const { c } = await pair();
    const boom = new Error('boom');
    const ev: string[] = [];
    let seen: unknown;
    c.on('error', (e) => { ev.push('error'); seen = e; });
    const closed = closeEvent(c);
    c.destroy(boom);
    const hadError = await within(closed, 2000, "'close'");
    expect(seen).toBe(boom);
    expect(hadError).toBe(true);
    expect(ev).toEqual(['error']);
  });

  T('destroySoon() sends what is queued, then closes', async () => {
    const { s, c } = await pair();
    const got = collect(s);
    const data = randomBytes(2 << 20);
    c.write(data);
    c.destroySoon();
    const all = await within(got, 10000, 'data then end');
    expect(sha(all)).toBe(sha(data));
    await within(closeEvent(c), 5000, "client 'close'");
    expect(c.destroyed).toBe(true);
  });

  T("resetAndDestroy() makes the peer fail with ECONNRESET and 'close' hadError true", async () => {
    const { s, c } = await pair();
    c.resume();
    const err = new Promise<NodeJS.ErrnoException>((r) => c.once('error', r));
    const closed = closeEvent(c);
    s.resetAndDestroy();
    const e = await within(err, 5000, "peer 'error'");
    expect(e.code).toBe('ECONNRESET');
    expect(await within(closed, 5000, "peer 'close'")).toBe(true);
  });

  T("setTimeout(ms) emits 'timeout' on idleness without closing; setTimeout(0) disarms", async () => {
    const { c } = await pair();
    const t0 = Date.now();
    c.setTimeout(150);
    await within(once(c, 'timeout'), 3000, "'timeout'");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(c.destroyed).toBe(false);
    expect(c.timeout).toBe(150);
    let fired = false;
    c.on('timeout', () => { fired = true; });
    c.setTimeout(0);
    await sleep(400);
    expect(fired).toBe(false);
  });

  T('setNoDelay() and setKeepAlive() are accepted before and after connect and return the socket', async () => {
    const srv = server();
    const port = await listen(srv);
    const c = dial(port);
    expect(c.setNoDelay(true)).toBe(c);
    expect(c.setKeepAlive(true, 1000)).toBe(c);
    await connected(c);
    expect(c.setNoDelay(false)).toBe(c);
    expect(c.setNoDelay()).toBe(c);
    expect(c.setKeepAlive(false)).toBe(c);
  });

  // ---- errors ----
  T('connecting to a closed port fails with a node-shaped ECONNREFUSED', async () => {
    const port = await freePort();
    const c = dial(port);
    const [err] = (await within(once(c, 'error').catch((e) => [e]), 10000, "'error'")) as [NodeJS.ErrnoException & { address?: string; port?: number }];
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.errno).toBe(-constants.errno.ECONNREFUSED);
    expect(err.syscall).toBe('connect');
    expect(err.address).toBe(host);
    expect(err.port).toBe(port);
    expect(err.message).toBe(`connect ECONNREFUSED ${host}:${port}`);
    expect(await within(closeEvent(c), 5000, "'close'")).toBe(true);
  });

  T('listening twice on one port fails with a node-shaped EADDRINUSE', async () => {
    const a = server();
    const port = await listen(a);
    const b = server();
    b.listen({ port, host });
    const [err] = (await within(once(b, 'error').catch((e) => [e]), 5000, "'error'")) as [NodeJS.ErrnoException & { address?: string; port?: number }];
    expect(err.code).toBe('EADDRINUSE');
    expect(err.errno).toBe(-constants.errno.EADDRINUSE);
    expect(err.syscall).toBe('listen');
    expect(err.address).toBe(host);
    expect(err.port).toBe(port);
    expect(err.message).toBe(`listen EADDRINUSE: address already in use ${host}:${port}`);
    expect(b.listening).toBe(false);
  });

  T("bad input throws node's own errors", async () => {
    expectCode(() => N.connect({ ...copts(), port: -1, host }), 'ERR_SOCKET_BAD_PORT');
    expectCode(() => N.connect({ ...copts(), port: 'abc', host }), 'ERR_SOCKET_BAD_PORT');
    expectCode(() => N.connect({ ...copts() }), 'ERR_MISSING_ARGS');
    expectCode(() => N.createServer(42), 'ERR_INVALID_ARG_TYPE');
    const srv = server();
    expectCode(() => srv.listen({ port: 65536, host }), 'ERR_SOCKET_BAD_PORT');
    const { c } = await pair();
    expectCode(() => c.write(123 as unknown as string), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => c.setTimeout('x' as unknown as number), 'ERR_INVALID_ARG_TYPE');
  });

  // ---- server lifecycle ----
  T('server.close() stops listening at once but calls back only after its connections end', async () => {
    const { srv, c, port } = await pair();
    let closedCb = false;
    const done = new Promise<void>((r) => srv.close(() => { closedCb = true; r(); }));
    expect(srv.listening).toBe(false);
    await sleep(200);
    expect(closedCb).toBe(false);
    const refused = dial(port);
    const [err] = (await within(once(refused, 'error').catch((e) => [e]), 10000, 'connect after close')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
    c.end();
    await within(done, 5000, 'close callback after the connection ended');
  });

  T('getConnections() counts live connections; maxConnections drops the excess', async () => {
    const srv = server();
    const port = await listen(srv);
    let accepted = 0;
    srv.on('connection', () => { accepted++; });
    const a = dial(port);
    const b = dial(port);
    await Promise.all([connected(a), connected(b)]);
    await within((async () => { while (accepted < 2) await sleep(5); })(), 5000, '2 connections');
    const n = await new Promise<number>((r, j) => srv.getConnections((e, k) => (e ? j(e) : r(k))));
    expect(n).toBe(2);
    srv.maxConnections = 2;
    const third = dial(port);
    third.on('error', () => {});
    third.resume();
    await within(closeEvent(third), 5000, 'excess connection closed');
    expect(accepted).toBe(2);
    a.destroy();
    await within((async () => {
      for (;;) {
        const k = await new Promise<number>((r, j) => srv.getConnections((e, m) => (e ? j(e) : r(m))));
        if (k === 1) return;
        await sleep(10);
      }
    })(), 5000, 'getConnections() back to 1');
  });

  T('unref() on server and sockets lets the process exit', async () => {
    const ch = child(`
      const srv = net.createServer(sopts, (s) => s.unref());
      srv.listen({ port: 0, host }, () => {
        const c = net.connect({ ...copts, port: srv.address().port, host }, () => {
          c.unref(); srv.unref(); process.stdout.write('ready\\n');
        });
      });`);
    const r = await within(ch.exited, 15000, 'child exit').catch((e) => { ch.p.kill('SIGKILL'); throw new Error(`${e.message}; stderr: ${ch.errors()}`); });
    expect(r.err).toBe('');
    expect(r.out).toBe('ready\n');
    expect(r.code).toBe(0);
  }, 20000);

  T('a peer in another process that writes flat out does not starve this event loop', async () => {
    let bytes = 0, last = 0, maxGap = 0;
    // a reader slower than the writer (100 µs of work per chunk): the bytes never run out while it reads
    const srv = server((s) => { s.on('data', (d: Buffer) => { bytes += d.length; const t = process.hrtime.bigint(); while (process.hrtime.bigint() - t < 100_000n); }); });
    const port = await listen(srv);
    const ticker = setInterval(() => {
      const now = Date.now();
      if (last && bytes) maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    try {
      const ch = child(`
        const c = net.connect({ ...copts, port: ${port}, host }, () => {
          const buf = Buffer.alloc(65536, 7), end = Date.now() + 1500;
          const pump = () => { while (Date.now() < end) if (!c.write(buf)) return c.once('drain', pump); c.end(); };
          pump();
        });
        c.on('close', () => process.exit(0));`);
      const r = await within(ch.exited, 15000, 'writer exit').catch((e) => { ch.p.kill('SIGKILL'); throw e; });
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
    } finally { clearInterval(ticker); }
    expect(bytes).toBeGreaterThan(1 << 20);
    expect(maxGap).toBeLessThan(250);             // a 5 ms timer still runs while the bytes pour in
  }, 20000);

  T('ref() after unref() keeps the process alive', async () => {
    const ch = child(`
      const srv = net.createServer(sopts);
      srv.listen({ port: 0, host }, () => { srv.unref(); srv.ref(); process.stdout.write('ready\\n'); });`);
    try {
      await within((async () => { while (!ch.output().includes('ready')) { if (ch.p.exitCode !== null) break; await sleep(20); } })(), 15000, 'child ready');
      expect(ch.errors()).toBe('');
      expect(ch.output()).toBe('ready\n');
      await sleep(1000);
      expect(ch.p.exitCode).toBeNull();
    } finally {
      ch.p.kill('SIGKILL');
      await ch.exited;
    }
  }, 20000);

  // ---- accounting and identity ----
  T('bytesRead and bytesWritten count payload bytes on both ends', async () => {
    const { s, c } = await pair();
    const up = randomBytes(300_000);
    const down = randomBytes(12_345);
    const atServer = collect(s);
    const atClient = collect(c);
    c.end(up);
    s.end(down);
    await within(Promise.all([atServer, atClient]), 5000, 'both directions');
    expect(s.bytesRead).toBe(up.length);
    expect(c.bytesWritten).toBe(up.length);
    expect(c.bytesRead).toBe(down.length);
    expect(s.bytesWritten).toBe(down.length);
  });

  T('local and remote address, port and family agree on both ends', async () => {
    const { s, c, port } = await pair();
    expect(c.remoteAddress).toBe(host);
    expect(c.remotePort).toBe(port);
    expect(c.remoteFamily).toBe(family);
    expect(isIP(c.localAddress!)).toBeGreaterThan(0);
    expect(c.localPort).toBeGreaterThan(0);
    expect(c.localFamily).toBe(family);
    expect(s.localAddress).toBe(host);
    expect(s.localPort).toBe(port);
    expect(s.remoteAddress).toBe(c.localAddress);
    expect(s.remotePort).toBe(c.localPort);
    expect(s.remoteFamily).toBe(family);
    expect(c.address()).toEqual({ address: c.localAddress, port: c.localPort, family });
  });

  T(`sockets and servers report transport '${profile.expectTransport}' on both ends`, async () => {
    const { srv, s, c, port } = await pair();
    expect(srv.transport).toBe(profile.expectTransport);
    expect(c.transport).toBe(profile.expectTransport);
    expect(s.transport).toBe(profile.expectTransport);
    await profile.proveTransport?.(port);
    expect(c).toBeInstanceOf(N.Socket);
    expect(s).toBeInstanceOf(N.Socket);
    expect(srv).toBeInstanceOf(N.Server);
  });

  // ---- protocols on top ----
  T('node:http server and client (keep-alive agent) run over it', async () => {
    const hs = http.createServer((req, res) => {
      const h = createHash('sha256');
      req.on('data', (d) => h.update(d));
      req.on('end', () => res.end(JSON.stringify({ url: req.url, sha: h.digest('hex') })));
    });
    const srv = server((s) => hs.emit('connection', s));
    const port = await listen(srv);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    (agent as unknown as { createConnection: unknown }).createConnection = () => dial(port);
    try {
      const post = (body: Buffer, pathname: string) => new Promise<{ json: { url: string; sha: string }; reused: boolean }>((resolve, reject) => {
        const req = http.request({ host, port, method: 'POST', path: pathname, agent }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d) => parts.push(d));
          res.on('end', () => resolve({ json: JSON.parse(Buffer.concat(parts).toString()), reused: req.reusedSocket }));
        });
        req.on('error', reject);
        req.end(body);
      });
      const b1 = randomBytes(1 << 20);
      const b2 = randomBytes(1000);
      const r1 = await within(post(b1, '/one'), 10000, 'first request');
      const r2 = await within(post(b2, '/two'), 10000, 'second request');
      expect(r1.json).toEqual({ url: '/one', sha: sha(b1) });
      expect(r2.json).toEqual({ url: '/two', sha: sha(b2) });
      expect(r2.reused).toBe(true);
      // A one-shot request through the createConnection option, too.
      const r3 = await within(new Promise<string>((resolve, reject) => {
        const req = http.request({ host, port, path: '/three', createConnection: () => dial(port) }, (res) => {
          res.setEncoding('utf8');
          let t = '';
          res.on('data', (d) => { t += d; });
          res.on('end', () => resolve(t));
        });
        req.on('error', reject);
        req.end();
      }), 10000, 'createConnection request');
      expect(JSON.parse(r3).url).toBe('/three');
    } finally {
      agent.destroy();
      hs.close();
    }
  });

  T('undici Client with a vppnet connect function', async () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { Client } = require('undici') as typeof import('undici');
    const hs = http.createServer((req, res) => {
      const h = createHash('sha256');
      req.on('data', (d) => h.update(d));
      req.on('end', () => res.end(h.digest('hex')));
    });
    const srv = server((s) => hs.emit('connection', s));
    const port = await listen(srv);
    const client = new Client(`http://${isIPv6(host) ? `[${host}]` : host}:${port}`, {
      connect: (_opts, cb) => {
        const s = dial(port);
        s.once('connect', () => cb(null, s as never));
        s.once('error', (e) => cb(e, null));
      },
    });
    try {
      for (let i = 0; i < 3; i++) {
        const body = randomBytes(100_000 * (i + 1));
        const r = await within(client.request({ path: `/${i}`, method: 'POST', body }), 10000, `request ${i}`);
        expect(r.statusCode).toBe(200);
        expect(await r.body.text()).toBe(sha(body));
      }
    } finally {
      await client.close();
      hs.close();
    }
  });

  describe(`net conformance: ${profile.name}`, () => {
    if (profile.skip) {
      process.stderr.write(`\n*** SKIPPING ${tests.length} conformance tests for '${profile.name}': ${profile.skip} ***\n\n`);
      for (const [name] of tests) test.skip(name, () => {});
      return;
    }
    afterEach(async () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      await Promise.all([...servers].map((srv) => new Promise<void>((r) => {
        if (!srv.listening) return r();
        srv.close(() => r());
      })));
      servers.clear();
    });
    for (const [name, fn, timeout, skipReason] of tests) (skipReason ? test.skip : test)(name, fn, timeout);
  });
}
