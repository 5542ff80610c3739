'use strict';
// The C reference for the request/response and connection-rate workloads:
// bench/c/peer.c (POSIX sockets + epoll), run over the kernel loopback and,
// unchanged, over VPP under VCL's LD_PRELOAD shim (LDP):
//   kernel   both ends plain, 127.0.0.1
//   ldp-ct   both ends under LDP in the default namespace (local + global
//            scope): cut-through fifos, like vppnet's `ct` rows
//   ldp-tcp  server as above, client in the peer namespace (global scope):
//            through VPP's TCP, like vppnet's `tcp` rows
// rr() and conn() return { client, server }: the client's JSON line (the
// fields bench/worker.js's clients report) and the server's { conns }.

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { which, pinned, startProc, waitOut, finish, stop } = require('./proc');

const SRC = path.join(__dirname, '..', 'c', 'peer.c');
const BIN = path.join(__dirname, '..', 'c', 'build', 'peer');
const PATHS = ['kernel', 'ldp-ct', 'ldp-tcp'];

let built = null;

/**
 * Compile bench/c/peer.c into bench/c/build/peer when missing or older than
 * the source. Returns { bin } or { bin: null, reason }; the result is cached.
 */
function build() {
  if (built) return built;
  const cc = process.env.CC || which('cc') || which('gcc') || which('clang');
  const fresh = () => { try { return fs.statSync(BIN).mtimeMs >= fs.statSync(SRC).mtimeMs; } catch { return false; } };
  if (fresh()) return (built = { bin: BIN });
  if (!cc) return (built = { bin: null, reason: 'no C compiler (cc, gcc, clang) on PATH' });
  fs.mkdirSync(path.dirname(BIN), { recursive: true });
  const tmp = `${BIN}.${process.pid}.tmp`;
  try {
    execFileSync(cc, ['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', '-o', tmp, SRC, '-lm'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 });
    fs.renameSync(tmp, BIN);
    return (built = { bin: BIN });
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const why = (e.stderr && String(e.stderr).trim().split('\n').slice(0, 3).join(' | ')) || e.message.split('\n')[0];
    return (built = { bin: null, reason: `${path.basename(cc)} failed on bench/c/peer.c: ${why}`.slice(0, 300) });
  }
}

/** VCL's LD_PRELOAD library next to VPP's libraries, or null. */
function ldpLib(vpp) {
  const f = vpp && vpp.libDir ? path.join(vpp.libDir, 'libvcl_ldpreload.so') : null;
  return f && fs.existsSync(f) ? f : null;
}

/** Why `p` cannot run here (null when it can); vpp is the harness instance or null. */
function unavailable(p, vpp) {
  const b = build();
  if (!b.bin) return b.reason;
  if (p === 'kernel') return null;
  if (!vpp) return 'no VPP';
  if (!ldpLib(vpp)) return `no libvcl_ldpreload.so in ${vpp.libDir}`;
  return null;
}

/** argv for one end; under LDP the preload is set by `env` right before peer, so taskset itself runs without it. */
function command(bin, args, { ldp, vclConfig, cpu, core }) {
  const argv = [bin, ...args];
  return pinned(ldp ? [which('env') || '/usr/bin/env', `LD_PRELOAD=${ldp}`, `VCL_CONFIG=${vclConfig}`, ...argv] : argv, cpu, core);
}

/**
 * One measurement: start `peer server`, wait for it to listen, run the
 * client to completion, stop the server and read its connection count.
 */
async function measure(vpp, vcl, { path: p, port, cpu, role, args, seconds }) {
  if (!PATHS.includes(p)) throw new Error(`cpeer: unknown path ${p}`);
  const why = unavailable(p, vpp);
  if (why) throw new Error(`cpeer: ${why}`);
  const { bin } = build();
  const ldp = p === 'kernel' ? null : ldpLib(vpp);
  if (ldp && !(vcl && vcl.server && vcl.ct && vcl.peer)) throw new Error(`cpeer: ${p} needs the VCL configs of cref.writeVclConfigs()`);
  const env = { ...process.env };
  delete env.LD_PRELOAD;
  delete env.VCL_CONFIG;
  if (ldp) env.LD_LIBRARY_PATH = [vpp.libDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  const host = p === 'kernel' ? '127.0.0.1' : vpp.testAddr;
  const bind = p === 'kernel' ? '127.0.0.1' : '0.0.0.0';
  const maxServer = String(Math.ceil(seconds + 120)); // the server's own bound on its life
  const server = startProc(command(bin, ['server', String(port), bind, maxServer], { ldp, vclConfig: vcl && vcl.server, cpu, core: cpu && cpu.server }), env);
  let client = null;
  try {
    await waitOut(server, (o) => /^listening \d+/m.test(o), 10000, 'peer server');
    client = startProc(command(bin, [role, host, String(port), ...args], {
      ldp, vclConfig: vcl && (p === 'ldp-tcp' ? vcl.peer : vcl.ct), cpu, core: cpu && cpu.client,
    }), env);
    await finish(client, Math.round(seconds * 1000) + 30000, `peer ${role} ${p}`);
    const line = client.out.trim().split('\n').pop();
    let res;
    try { res = JSON.parse(line); } catch { throw new Error(`peer ${role} ${p}: no JSON result: ${line.slice(0, 200)}`); }
    await stop(server, 5000);
    const m = /\{"conns":(\d+)\}/.exec(server.out);
    if (!m) throw new Error(`peer server ${p}: no connection count (exit ${server.signalCode || server.exitCode}): ${server.err.trim().slice(-300)}`);
    return { client: res, server: { conns: Number(m[1]) } };
  } finally {
    await Promise.all([stop(server, 2000), client && stop(client, 2000)]);
  }
}

/** Request/response: `size`-byte ping-pong on one connection. */
function rr(vpp, vcl, { path: p, size, seconds, warmupSeconds, port, cpu }) {
  return measure(vpp, vcl, { path: p, port, cpu, seconds: seconds + warmupSeconds, role: 'rr', args: [size, seconds, warmupSeconds].map(String) });
}

/** Connection rate: `concurrency` connect/echo/close cycles in flight. */
function conn(vpp, vcl, { path: p, concurrency = 1, seconds, warmupSeconds, port, cpu }) {
  return measure(vpp, vcl, { path: p, port, cpu, seconds: seconds + warmupSeconds, role: 'conn', args: [concurrency, seconds, warmupSeconds].map(String) });
}

module.exports = { build, ldpLib, unavailable, rr, conn, PATHS };
