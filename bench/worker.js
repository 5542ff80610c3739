'use strict';
// One side (server or client) of one benchmark measurement, forked by
// bench/run.js so that client and server are separate processes (pinned to
// separate cores where taskset exists). Configuration comes as one JSON
// argument; results go back over the IPC channel:
//   server: {type:'ready', port} once listening, {type:'result', ...} when done
//   client: {type:'result', ...}
// A transport is { kind: 'kernel' } (plain node:net, the baseline) or
// { kind: 'vpp', appSocket, engine, scope, busyPoll } (vppnet's public API, mode 'vpp').

const path = require('node:path');
const http = require('node:http');

const cfg = JSON.parse(process.argv[2]);
const T = cfg.transport;
const HR = () => process.hrtime.bigint();
/** CPU seconds (user + system) this process used since `since` (a process.cpuUsage()). */
const cpuSince = (since) => { const u = process.cpuUsage(since); return (u.user + u.system) / 1e6; };
const ns2s = (ns) => Number(ns) / 1e9;

function netFor(transport) {
  if (transport.kind === 'kernel') return { net: require('node:net'), extra: {} };
  // scope is read from the environment by the stack when the public API does not take it
  if (transport.scope) process.env.VPPNET_SCOPE = transport.scope;
  const net = require(path.join(__dirname, '..', 'dist', 'cjs', 'index.js'));
  return { net, extra: { mode: 'vpp', appSocket: transport.appSocket, engine: transport.engine, scope: transport.scope, busyPoll: transport.busyPoll } };
}

const { net, extra } = netFor(T);
const send = (m) => process.send(m);
const fail = (where, err) => {
  send({ type: 'error', where, message: `${err && err.code ? err.code + ': ' : ''}${err && err.message ? err.message : err}` });
  setTimeout(() => process.exit(1), 50);
};
process.on('uncaughtException', (e) => fail('uncaught', e));
// The parent ends every worker with 'exit' (a clean exit writes --cpu-prof profiles).
process.on('message', (m) => { if (m === 'exit') process.exit(0); });

// Stream content: byte at stream offset o is PAT(o mod 256); write sizes are
// multiples of 256, so every write starts at offset 0 of the pattern.
const PAT = (o) => (o * 131 + 7) & 0xff;
function patternBuffer(size) {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = PAT(i);
  return b;
}

// Quantiles of a latency sample (µs) at q = i/1000, i = 0..1000: enough for
// p50/p99/p99.9 and a CDF chart, small enough to keep per repetition.
function summarize(samples, n) {
  const a = samples.subarray(0, n).sort();
  const q = [];
  for (let i = 0; i <= 1000; i++) q.push(n ? a[Math.min(n - 1, Math.floor((i / 1000) * n))] : 0);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i];
  return { n, meanUs: n ? sum / n : 0, quantilesUs: q };
}

class Samples {
  constructor() { this.a = new Float64Array(1 << 16); this.n = 0; }
  push(v) {
    if (this.n === this.a.length) { const b = new Float64Array(this.a.length * 2); b.set(this.a); this.a = b; }
    this.a[this.n++] = v;
  }
}

// ---------------------------------------------------------------------------
// Servers

function listen(srv) {
  srv.on('error', (e) => fail('server', e));
  const host = T.kind === 'kernel' ? '127.0.0.1' : '0.0.0.0';
  srv.listen(0, host, () => send({ type: 'ready', port: srv.address().port }));
}

// Bulk: the sender writes the pattern for `seconds` and ends; the receiver
// counts and checks. Upstream (default) the client sends; with
// direction 'down' the server sends and the client receives (so the client
// can read with node's `onread`, a client-only option).

/** Receive-side counters; stream() gives one socket's chunk checker. */
function bulkCounter() {
  const st = { bytes: 0, first: 0n, last: 0n, bad: 0, chunks: 0 };
  st.stream = () => {
    let off = 0;
    return (d, n = d.length) => {
      const now = HR();
      if (st.first === 0n) { st.first = now; st.cpu0 = process.cpuUsage(); }
      st.last = now;
      // sampled content check: first and last byte of every chunk
      if (d[0] !== PAT(off) || d[n - 1] !== PAT(off + n - 1)) st.bad++;
      off += n;
      st.bytes += n;
      st.chunks++;
    };
  };
  // cpuS: this process's CPU from the first byte on (what receiving cost, GC included)
  st.result = (extraFields) => ({ type: 'result', bytes: st.bytes, seconds: ns2s(st.last - st.first), badChunks: st.bad, chunks: st.chunks, cpuS: st.cpu0 ? cpuSince(st.cpu0) : null, ...extraFields });
  return st;
}

/** Write the pattern on `s` until `deadline`, then end(); resolves on 'finish'. Adds to counter.sent. */
function pumpPattern(s, buf, deadline, counter) {
  return new Promise((resolve, reject) => {
    s.on('error', reject);
    s.on('finish', resolve); // everything written has been handed to the transport
    const pump = () => {
      for (;;) {
        if (HR() >= deadline) { s.end(); return; }
        counter.sent += buf.length;
        if (!s.write(buf)) { s.once('drain', pump); return; }
      }
    };
    pump();
  });
}

function bulkServer() {
  const { writeSize, seconds, direction } = cfg.params;
  if (direction === 'down') {
    const buf = patternBuffer(writeSize);
    const counter = { sent: 0, cpuS: null };
    const srv = net.createServer(extra, (s) => {
      s.resume();
      const cpu0 = process.cpuUsage();
      pumpPattern(s, buf, HR() + BigInt(Math.round(seconds * 1e9)), counter).then(() => { counter.cpuS = cpuSince(cpu0); }, () => {});
    });
    process.on('message', (m) => { if (m === 'stop') send({ type: 'result', sent: counter.sent, cpuS: counter.cpuS }); });
    listen(srv);
    return;
  }
  // Done when the bytes the client reports having sent have all arrived (its
  // FIN is not waited for: the byte count is the measurement's end).
  const st = bulkCounter();
  let expect = -1, reported = false;
  const report = (why) => {
    if (reported) return;
    reported = true;
    send(st.result({ why }));
  };
  const srv = net.createServer(extra, (s) => {
    const chunk = st.stream();
    s.on('data', (d) => {
      chunk(d);
      if (expect >= 0 && st.bytes >= expect) report('complete');
    });
    s.on('end', () => s.end());
    s.on('error', () => {});
  });
  process.on('message', (m) => {
    if (!m || m.type !== 'expect') return;
    expect = m.bytes;
    if (st.bytes >= expect) report('complete');
    else setTimeout(() => report('timeout'), m.timeoutMs).unref();
  });
  listen(srv);
}

function echoServer() {
  // rr and connection rate: echo whatever arrives, close when the peer does
  let conns = 0, cpu0 = null;
  const srv = net.createServer(extra, (s) => {
    conns++;
    cpu0 ??= process.cpuUsage();
    if (s.setNoDelay) s.setNoDelay(true);
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
    s.on('error', () => {});
  });
  process.on('message', (m) => { if (m === 'stop') send({ type: 'result', conns, cpuS: cpu0 && cpuSince(cpu0) }); });
  listen(srv);
}

function httpServer() {
  let requests = 0;
  const body = Buffer.from('hello from vppnet bench\n');
  const hs = http.createServer({ keepAliveTimeout: 30000 }, (req, res) => {
    requests++;
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
  let cpu0 = null;
  const srv = net.createServer(extra, (s) => { cpu0 ??= process.cpuUsage(); hs.emit('connection', s); });
  process.on('message', (m) => { if (m === 'stop') send({ type: 'result', requests, cpuS: cpu0 && cpuSince(cpu0) }); });
  listen(srv);
}

// ---------------------------------------------------------------------------
// Clients

const connectOpts = () => ({ port: cfg.port, host: cfg.host, ...extra });

function connectOne() {
  return new Promise((resolve, reject) => {
    const s = net.connect(connectOpts());
    s.once('error', reject);
    s.once('connect', () => { s.removeListener('error', reject); resolve(s); });
  });
}

async function bulkClient() {
  const { streams, writeSize, seconds, direction, onread } = cfg.params;
  if (direction === 'down') {
    // receive until every stream ended; with onread, into one 64 KiB buffer per stream
    const st = bulkCounter();
    await Promise.all(Array.from({ length: streams }, () => new Promise((resolve, reject) => {
      const chunk = st.stream();
      const opts = onread ? { ...connectOpts(), onread: { buffer: Buffer.allocUnsafe(64 * 1024), callback: (n, b) => { chunk(b, n); } } } : connectOpts();
      const s = net.connect(opts);
      s.on('error', reject);
      if (!onread) s.on('data', (d) => chunk(d));
      s.on('end', () => { s.destroy(); resolve(); });
    })));
    send(st.result());
    return;
  }
  const buf = patternBuffer(writeSize);
  const socks = await Promise.all(Array.from({ length: streams }, connectOne));
  const deadline = HR() + BigInt(Math.round(seconds * 1e9));
  const counter = { sent: 0 };
  const cpu0 = process.cpuUsage();
  await Promise.all(socks.map((s) => {
    s.resume(); // the server sends nothing but its FIN
    return pumpPattern(s, buf, deadline, counter);
  }));
  send({ type: 'result', sent: counter.sent, cpuS: cpuSince(cpu0) });
  for (const s of socks) s.destroy();
}

async function rrClient() {
  const { size, seconds, warmupSeconds } = cfg.params;
  const s = await connectOne();
  const cpu0 = process.cpuUsage();
  if (s.setNoDelay) s.setNoDelay(true);
  const msg = patternBuffer(Math.max(size, 1)).subarray(0, size);
  const lat = new Samples();
  const start = HR();
  const warmEnd = start + BigInt(Math.round(warmupSeconds * 1e9));
  const end = warmEnd + BigInt(Math.round(seconds * 1e9));
  let got = 0, t0 = 0n, measuredStart = 0n, rounds = 0, allRounds = 0;
  await new Promise((resolve, reject) => {
    s.on('error', reject);
    const ping = () => { got = 0; t0 = HR(); s.write(msg); };
    s.on('data', (d) => {
      got += d.length;
      if (got < size) return;
      const t1 = HR();
      allRounds++;
      if (t1 >= warmEnd) {
        if (measuredStart === 0n) measuredStart = t0;
        lat.push(Number(t1 - t0) / 1e3);
        rounds++;
      }
      if (t1 >= end) { resolve(); return; }
      ping();
    });
    ping();
  });
  const seconds_ = ns2s(HR() - measuredStart);
  const cpuS = cpuSince(cpu0);
  s.destroy();
  // cpuS and allRounds: from the connect on, warm-up included (the server and VPP are counted over the same span)
  send({ type: 'result', rounds, seconds: seconds_, cpuS, allRounds, ...summarize(lat.a, lat.n) });
}

async function connClient() {
  // `concurrency` loops, each: connect, write 16 B, read the echo, close; as
  // a connection-rate load generator does (one at a time would measure latency)
  const { seconds, warmupSeconds, concurrency = 1 } = cfg.params;
  const msg = Buffer.from('0123456789abcdef');
  const connectLat = new Samples();
  const cycleLat = new Samples();
  const start = HR();
  const warmEnd = start + BigInt(Math.round(warmupSeconds * 1e9));
  const end = warmEnd + BigInt(Math.round(seconds * 1e9));
  let count = 0, measuredEnd = 0n;
  const cycle = () => new Promise((resolve, reject) => {
    let tc = 0n, got = 0;
    const s = net.connect(connectOpts());
    s.on('error', reject);
    s.once('connect', () => { tc = HR(); s.write(msg); });
    // close = destroy() once the echo is in (like close(2))
    s.on('data', (d) => { got += d.length; if (got >= msg.length) s.destroy(); });
    s.on('close', () => (got >= msg.length ? resolve(tc) : reject(new Error(`connection closed after ${got} bytes`))));
  });
  const loop = async () => {
    for (;;) {
      const t0 = HR();
      if (t0 >= end) return;
      const t1 = await cycle();
      const t2 = HR();
      if (t0 >= warmEnd) {
        connectLat.push(Number(t1 - t0) / 1e3);
        cycleLat.push(Number(t2 - t0) / 1e3);
        count++;
        measuredEnd = t2;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  send({ type: 'result', count, seconds: ns2s(measuredEnd - warmEnd), connect: summarize(connectLat.a, connectLat.n), cycle: summarize(cycleLat.a, cycleLat.n) });
}

async function httpClient() {
  const { Pool } = require('undici');
  const { connections, pipelining, seconds, warmupSeconds } = cfg.params;
  const pool = new Pool(`http://${cfg.host}:${cfg.port}`, {
    connections,
    pipelining,
    connect: (_opts, cb) => {
      const s = net.connect(connectOpts());
      const onErr = (e) => cb(e, null);
      s.once('error', onErr);
      s.once('connect', () => { s.removeListener('error', onErr); cb(null, s); });
    },
  });
  const start = HR();
  const cpu0 = process.cpuUsage();
  const warmEnd = start + BigInt(Math.round(warmupSeconds * 1e9));
  const end = warmEnd + BigInt(Math.round(seconds * 1e9));
  let done = 0, all = 0, measuredStart = 0n, measuredEnd = 0n;
  const loop = async () => {
    for (;;) {
      const now = HR();
      if (now >= end) return;
      const r = await pool.request({ path: '/', method: 'GET' });
      await r.body.text();
      if (r.statusCode !== 200) throw new Error(`HTTP ${r.statusCode}`);
      all++;
      const t = HR();
      if (t >= warmEnd && t < end) {
        if (measuredStart === 0n) measuredStart = warmEnd;
        done++;
        measuredEnd = t;
      }
    }
  };
  await Promise.all(Array.from({ length: connections * pipelining }, loop));
  send({ type: 'result', requests: done, seconds: ns2s(measuredEnd - measuredStart), cpuS: cpuSince(cpu0), allRequests: all });
  await pool.close().catch(() => {});
}

// ---------------------------------------------------------------------------

const servers = { bulk: bulkServer, rr: echoServer, conn: echoServer, http: httpServer };
const clients = { bulk: bulkClient, rr: rrClient, conn: connClient, http: httpClient };
const table = cfg.role === 'server' ? servers : clients;
const run = table[cfg.workload];
if (!run) fail('config', new Error(`unknown ${cfg.role} workload ${cfg.workload}`));
else Promise.resolve().then(run).catch((e) => fail(cfg.role, e));
