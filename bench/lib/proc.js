'use strict';
// Child processes of the C references (vperf, iperf3, bench/c/peer.c):
// pinned argv, output collected, waits bounded, always reaped.

const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

function which(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const f = path.join(dir, name);
    try { fs.accessSync(f, fs.constants.X_OK); return f; } catch { /* next */ }
  }
  return null;
}

/** argv pinned to `core` with taskset when the run pins (cpu.taskset). */
function pinned(argv, cpu, core) {
  return cpu && cpu.taskset && core !== undefined ? [cpu.taskset, '-c', String(core), ...argv] : argv;
}

/** Spawn argv; p.out collects stdout, p.err the tail of stderr, p.exited resolves with the exit code or signal. */
function startProc(argv, env = process.env) {
  const p = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  p.out = '';
  p.err = '';
  p.stdout.on('data', (d) => { p.out += d; });
  p.stderr.on('data', (d) => { p.err = (p.err + d).slice(-2000); });
  p.exited = new Promise((resolve) => {
    p.once('exit', (code, sig) => resolve(sig || code));
    p.once('error', (e) => { p.err += `spawn ${argv[0]}: ${e.message}`; if (p.pid === undefined) resolve('spawn error'); });
  });
  return p;
}

const tail = (p) => `${p.err}\n${p.out}`.trim().split('\n').slice(-3).join(' | ');
const delay = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolve with test(p.out)'s result once truthy; reject if p exits first or after timeoutMs. */
async function waitOut(p, test, timeoutMs, what) {
  const t0 = Date.now();
  for (;;) {
    const r = test(p.out);
    if (r) return r;
    if (p.exitCode !== null || p.signalCode !== null) throw new Error(`${what}: exited (${p.signalCode || p.exitCode}) ${tail(p)}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: nothing within ${timeoutMs} ms ${tail(p)}`);
    await delay(10);
  }
}

/** Wait for p to exit (SIGKILL after timeoutMs); rejects unless it exits 0. */
async function finish(p, timeoutMs, what) {
  const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
  const status = await p.exited;
  clearTimeout(t);
  if (status !== 0) throw new Error(`${what}: exit ${status}${status === 'SIGKILL' ? ` (timeout ${timeoutMs} ms)` : ''}: ${tail(p)}`);
}

/** SIGTERM, then SIGKILL after graceMs; resolves when p has exited. */
async function stop(p, graceMs) {
  if (p.pid !== undefined && p.exitCode === null && p.signalCode === null) {
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
    await p.exited;
    clearTimeout(t);
  }
  await p.exited;
}

module.exports = { which, pinned, startProc, waitOut, finish, stop, tail, delay };
