'use strict';
// One chaos process: a seeded random mix of node:net operations through
// vppnet on a real VPP (test/chaos/run.js starts several and watches VPP).
// Everything it does is what ordinary node:net programs do: listen on port 0,
// close in 'listening' and listen again, retry after EADDRINUSE, close a
// listener from 'connection' while its sessions go on, connect and write
// before the connect completes, end, destroy mid-write, resetAndDestroy, and
// exit abruptly with all of that still open.
//
// env: CHAOS_SEED, CHAOS_APP_SOCKET, CHAOS_PEER_APP_SOCKET (VPP TCP clients),
//      CHAOS_ADDR (listen/connect address), CHAOS_ENGINE, CHAOS_EXIT_RATE
//      (abrupt exits per second), CHAOS_EXIT_KIND (exit | kill | mix), CHAOS_OPS_PER_SEC, CHAOS_STEADY=1 (also
//      keeps two listeners open for good and never exits abruptly).
// IPC: sends { listening: port, stable } / { closed: port } / { uncaught: text } /
//      { counts }; receives { ports: [...] } (other processes' listeners this
//      one may connect to), { quiesce: true } (no new operations) and
//      { stop: true } (close all, exit 0).

const path = require('node:path');
const net = require(process.env.CHAOS_VPPNET || path.join(__dirname, '../../glue/index.ts'));

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seed = Number(process.env.CHAOS_SEED || 1);
const rand = rng(seed);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const chance = (p) => rand() < p;
const ADDR = process.env.CHAOS_ADDR || '127.0.0.2';
const base = { mode: 'vpp', engine: process.env.CHAOS_ENGINE || 'wasm', appSocket: process.env.CHAOS_APP_SOCKET };
const peer = process.env.CHAOS_PEER_APP_SOCKET
  ? { mode: 'vpp', engine: base.engine, appSocket: process.env.CHAOS_PEER_APP_SOCKET, scope: 'global' } : null;
const steady = process.env.CHAOS_STEADY === '1';
const exitRate = steady ? 0 : Number(process.env.CHAOS_EXIT_RATE || 0);
const opsPerSec = Number(process.env.CHAOS_OPS_PER_SEC || 100);
const noReset = process.env.CHAOS_NO_RESET === '1';   // no resetAndDestroy (TERMINATE): for bisecting
const noTcp = process.env.CHAOS_NO_TCP === '1';       // cut-through only: for bisecting

const counts = {};
const count = (k, err) => {
  counts[k] = (counts[k] || 0) + 1;
  // errors that are vppnet's or VPP's, not the program's: keep the first message
  if (err && /^ERR_VPPNET|^EPROTO|^EIO/.test(err.code) && !counts[`first:${err.code}`]) counts[`first:${err.code}`] = err.message;
};
const servers = new Set();
const sockets = new Set();
let knownPorts = [];       // other processes' listeners
const ownPorts = new Set(); // this process's churning listeners
let stopping = false;

process.on('uncaughtException', (err) => {
  // stderr synchronously: an IPC message may not leave before the exit
  require('node:fs').writeSync(2, `chaos worker ${seed}: uncaught ${err && err.stack || err}\n`);
  process.exit(70);
});
process.on('message', (m) => {
  if (m.ports) knownPorts = m.ports;
  if (m.quiesce) stopping = true;
  if (m.stop) stop();
});

const payload = Buffer.alloc(64 * 1024, 0x61);
const swallow = () => {};

function track(s) {
  sockets.add(s);
  s.on('error', (e) => count(`err:${e.code}`, e));
  s.on('close', () => sockets.delete(s));
  return s;
}

function serve(socket, server) {
  track(socket);
  count('accepted');
  socket.on('data', (d) => socket.write(d));
  socket.on('end', () => socket.end());
  if (chance(0.1)) closeServer(server);              // close the listener from 'connection'
  if (chance(0.05)) setTimeout(() => socket.destroy(), rand() * 50);
  if (chance(0.03) && !noReset) socket.resetAndDestroy();
}

function closeServer(server) {
  if (!servers.has(server)) return;
  servers.delete(server);
  const port = server.address() && server.address().port;
  if (port) { ownPorts.delete(port); process.send({ closed: port }); }
  server.close(swallow);
  count('unlisten');
}

function listen() {
  const server = net.createServer(base, (s) => serve(s, server));
  servers.add(server);
  const kind = rand();
  server.on('error', (e) => {
    count(`listen-err:${e.code}`, e);
    // a program that retries on EADDRINUSE from its 'error' handler
    if (e.code === 'EADDRINUSE' && !stopping) server.listen(0, ADDR);
  });
  server.on('listening', () => {
    const { port } = server.address();
    count('listening');
    if (kind < 0.15 && !server.relistened) {        // close in 'listening', listen again
      server.relistened = true;
      server.close(() => { if (!stopping && servers.has(server)) server.listen(0, ADDR); });
      return;
    }
    ownPorts.add(port);
    process.send({ listening: port });
    setTimeout(() => closeServer(server), 200 + rand() * 3000);
  });
  if (kind > 0.85 && knownPorts.length) server.listen(pick(knownPorts), ADDR);   // likely EADDRINUSE
  else if (kind > 0.75) server.listen(0);                                        // no host
  else server.listen(0, ADDR);
}

/** Listeners that stay open: a steady process's, never closed before the end. */
function stableListener() {
  const server = net.createServer(base, (s) => {
    track(s);
    count('accepted-stable');
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
  });
  server.on('error', (e) => count(`stable-err:${e.code}`));
  server.listen(0, ADDR, () => process.send({ listening: server.address().port, stable: true }));
}

function connect() {
  const useTcp = peer && !noTcp && chance(0.3);
  const own = [...ownPorts];
  const r = rand();
  const port = r < 0.5 && knownPorts.length ? pick(knownPorts)
    : r < 0.9 && own.length ? pick(own) : 1 + Math.floor(rand() * 1000) + 20000;
  const s = track(net.connect({ ...(useTcp ? peer : base), port, host: ADDR }));
  count(useTcp ? 'connect-tcp' : 'connect-ct');
  const before = Math.floor(rand() * payload.length);
  if (before) s.write(payload.subarray(0, before));   // written before the connect completes
  const what = rand();
  if (what < 0.15) s.end();
  else if (what < 0.25) s.destroy();
  else if (what < 0.3) { if (noReset) s.destroy(); else s.resetAndDestroy(); }
  else {
    s.on('connect', () => {
      count('connected');
      if (chance(0.3)) s.write(payload.subarray(0, Math.floor(rand() * payload.length)));
      const later = rand();
      setTimeout(() => {
        if (later < 0.5) s.end();
        else if (later < 0.8) s.destroy();
        else if (noReset) s.destroy();
        else s.resetAndDestroy();
      }, rand() * 100);
    });
    s.resume();
  }
}

const exitKind = process.env.CHAOS_EXIT_KIND || 'mix';   // exit (process.exit) | kill (SIGKILL) | mix
function abruptExit() {
  count('exit');
  if (exitKind === 'kill' || (exitKind === 'mix' && chance(0.5))) process.kill(process.pid, 'SIGKILL');
  process.exit(chance(0.5) ? 0 : 3);
}

function tick() {
  if (stopping) return;
  if (exitRate && chance(exitRate / opsPerSec)) abruptExit();
  const r = rand();
  if (r < 0.25 && servers.size < 16) listen();
  else if (sockets.size < 200) connect();
  setTimeout(tick, (1000 / opsPerSec) * 2 * rand());
}

function stop() {
  stopping = true;
  for (const server of [...servers]) closeServer(server);
  for (const s of sockets) s.destroy();
  // exit once VPP had time to finish its cleanups of what was just closed
  // (exiting right after closing cut-through sessions reaches VPP bug 3 in
  // docs/vpp-bugs.md)
  process.send({ counts }, () => setTimeout(() => process.exit(0), Number(process.env.CHAOS_EXIT_GRACE_MS || 1500)));
}

setInterval(() => process.send({ counts }), 1000).unref();
if (steady) { stableListener(); stableListener(); }
tick();
