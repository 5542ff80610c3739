#!/usr/bin/env node
'use strict';
// The API chaos test: several processes (test/chaos/worker.js) do a seeded
// random mix of node:net operations through vppnet against one real VPP,
// dying abruptly at random moments and being restarted, for a bounded time.
// Oracle: VPP stays alive and prints no signal, no worker throws, and once
// every worker has gone VPP holds none of their sessions or listeners.
//
//   node test/chaos/run.js [--seed N] [--procs 3] [--seconds 20] [--engine wasm|native|mix]
//                          [--exit-rate 0.5] [--ops 100] [--run-dir DIR] [--vpp-prefix P]
//                          [--vpp-ct-race] [--kill-at-end] [--exit-kind exit|kill|mix]
// Process 0 is steady (two listeners open for good, no abrupt exit); the
// others churn. Every process connects to its own churning listeners, to the
// steady listeners, and to ports nobody listens on. --vpp-ct-race also lets
// processes connect to each other's churning listeners: that reaches a VPP
// bug no app can avoid (a cut-through connect racing with the listener's
// close in another app: docs/vpp-bugs.md), so VPP is expected to die.
// Prints one JSON line of results; exit 0 = all held, 1 = an oracle failed
// (the line says which, with the seed to replay), 2 = usage.

const path = require('node:path');
const { fork } = require('node:child_process');
const { startVpp, attachVpp, findVpp, parseSessions } = require('../../scripts/vpp-harness.js');

function parseArgs(argv) {
  const o = { seed: Date.now() % 1e9, procs: 3, seconds: 20, engine: 'mix', exitRate: 0.5, ops: 100, runDir: '', prefix: '', ctRace: false, killAtEnd: false, exitKind: 'mix' };
  const num = (a, v) => {
    if (!/^\d+(\.\d+)?$/.test(v ?? '')) { console.error(`chaos: ${a} needs a number, got ${v}`); process.exit(2); }
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], v = argv[i + 1];
    switch (a) {
      case '--seed': o.seed = num(a, v); i++; break;
      case '--procs': o.procs = num(a, v); i++; break;
      case '--seconds': o.seconds = num(a, v); i++; break;
      case '--exit-rate': o.exitRate = num(a, v); i++; break;
      case '--ops': o.ops = num(a, v); i++; break;
      case '--engine': o.engine = v; i++; break;
      case '--run-dir': o.runDir = v; i++; break;
      case '--vpp-prefix': o.prefix = v; i++; break;
      case '--vpp-ct-race': o.ctRace = true; break;
      case '--kill-at-end': o.killAtEnd = true; break;
      case '--exit-kind': o.exitKind = v; i++; break;
      default: console.error(`chaos: unknown argument ${a}`); process.exit(2);
    }
  }
  if (!['exit', 'kill', 'mix'].includes(o.exitKind)) { console.error(`chaos: --exit-kind exit|kill|mix, got ${o.exitKind}`); process.exit(2); }
  if (!['wasm', 'native', 'mix'].includes(o.engine)) { console.error(`chaos: --engine wasm|native|mix, got ${o.engine}`); process.exit(2); }
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function runChaos(opts) {
  const o = { ...parseArgs([]), ...opts };
  const found = o.prefix ? findVpp({ prefix: o.prefix }) : undefined;
  const vpp = o.runDir ? attachVpp(o.runDir) : await startVpp({ found, tcpCloseWaitSec: 5 });
  const version = (await vpp.cli('show version')).trim();
  const workers = new Set();
  const ports = new Map();   // port -> { worker, stable }
  const uncaught = [];
  const totals = {};
  let started = 0, exited = 0, nextSeed = o.seed;
  const deadline = Date.now() + o.seconds * 1000;
  let stopping = false;

  // what each process may connect to besides its own listeners
  const broadcast = () => {
    for (const w of workers) {
      if (!w.connected) continue;
      const list = [...ports].filter(([, p]) => p.worker !== w && (p.stable || o.ctRace)).map(([port]) => port);
      w.send({ ports: list }, () => {});
    }
  };
  let steadyUp = false;
  const spawnWorker = () => {
    const seed = nextSeed++;
    const steady = !steadyUp;
    steadyUp = true;
    const engine = o.engine === 'mix' ? (seed % 2 ? 'native' : 'wasm') : o.engine;
    const w = fork(path.join(__dirname, 'worker.js'), [], {
      execArgv: ['-r', path.join(__dirname, '../conformance/ts-register.js')],
      env: {
        ...process.env, NODE_DEBUG: process.env.CHAOS_NODE_DEBUG || '', CHAOS_SEED: String(seed), CHAOS_ENGINE: engine,
        CHAOS_APP_SOCKET: vpp.appSocket, CHAOS_PEER_APP_SOCKET: vpp.peerAppSocket, CHAOS_ADDR: vpp.testAddr,
        CHAOS_EXIT_RATE: String(o.exitRate), CHAOS_OPS_PER_SEC: String(o.ops), CHAOS_STEADY: steady ? '1' : '', CHAOS_EXIT_KIND: o.exitKind,
      },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    w.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
    if (process.env.CHAOS_STDERR_DIR) w.stderr.pipe(require('node:fs').createWriteStream(path.join(process.env.CHAOS_STDERR_DIR, `worker-${seed}.err`)));
    w.seed = seed;
    w.counts = {};
    started++;
    workers.add(w);
    w.on('message', (m) => {
      if (m.listening) { ports.set(m.listening, { worker: w, stable: !!m.stable }); broadcast(); }
      if (m.closed && ports.get(m.closed)?.worker === w) { ports.delete(m.closed); broadcast(); }
      if (m.counts) w.counts = m.counts;
      if (m.uncaught) uncaught.push({ seed, engine, error: m.uncaught });
    });
    w.on('exit', (code, signal) => {
      exited++;
      workers.delete(w);
      for (const [p, e] of ports) if (e.worker === w) ports.delete(p);
      if (steady && !stopping) uncaught.push({ seed, engine, error: `the steady process exited (${code ?? signal})` });
      for (const [k, v] of Object.entries(w.counts)) totals[k] = typeof v === 'string' ? (totals[k] ?? v) : (totals[k] || 0) + v;
      if ((signal && signal !== 'SIGKILL') || (code && code !== 3 && code !== 0)) {
        const m = /chaos worker \d+: uncaught [\s\S]*/.exec(stderr);
        uncaught.push({ seed, engine, error: m ? m[0].slice(0, 2000) : `exit ${code ?? signal}: ${stderr.slice(-2000)}` });
      }
      broadcast();
      if (!stopping && Date.now() < deadline) spawnWorker();
    });
  };

  for (let i = 0; i < o.procs; i++) spawnWorker();
  let dead = null;
  // what VPP's CLI shows while the mix runs: the sessions are VPP's, cut-through ([CT:T]) and TCP ([T])
  const seen = { cutThrough: 0, tcp: 0 };
  let nextLook = Date.now() + 1000;
  while (Date.now() < deadline && !dead) {
    await sleep(200);
    if (vpp.health({ cli: false })) { dead = vpp.alive() ? 'VPP printed a signal' : 'VPP exited'; break; }
    if (Date.now() < nextLook) continue;
    nextLook = Date.now() + 1000;
    // only established ones: VPP prints at most 50 sessions per thread, and listeners would fill them
    const ss = parseSessions(await vpp.cli('show session verbose state ready'));
    seen.cutThrough = Math.max(seen.cutThrough, ss.filter((x) => x.cutThrough).length);
    seen.tcp = Math.max(seen.tcp, ss.filter((x) => x.transport === 'T').length);
  }
  // stop: no new operations anywhere, then every worker closes everything
  // and exits normally (--kill-at-end: half of them die with it all open,
  // which reaches VPP bug 3 of docs/vpp-bugs.md in about a third of the runs)
  stopping = true;
  for (const w of workers) if (w.connected) w.send({ quiesce: true }, () => {});
  await sleep(1000);
  let k = 0;
  for (const w of [...workers]) {
    if (o.killAtEnd && k++ % 2) w.kill('SIGKILL');
    else if (w.connected) w.send({ stop: true }, () => {});
  }
  const t0 = Date.now();
  while (workers.size && Date.now() - t0 < 10000) await sleep(50);
  for (const w of workers) w.kill('SIGKILL');
  while (workers.size) await sleep(20);

  // every app is gone: VPP must have let go of their sessions and listeners
  let left = null;
  if (!dead) {
    const t1 = Date.now();
    for (;;) {
      if (!vpp.alive()) { dead = 'VPP exited after the workers'; break; }
      const apps = (await vpp.cli('show app')).split('\n').filter((l) => /vppnet-/.test(l));
      const sessions = (await vpp.cli('show session')).match(/active sessions (\d+)/g) || [];
      const n = sessions.reduce((a, s) => a + Number(s.split(' ').pop()), 0);
      left = { apps: apps.length, sessions: n };
      if ((apps.length === 0 && n === 0) || Date.now() - t1 > 20000) break;
      await sleep(250);
    }
  }
  const trouble = vpp.health({ cli: false });
  if (!dead && trouble) dead = vpp.alive() ? 'VPP printed a signal' : 'VPP exited';
  const result = {
    ok: !dead && uncaught.length === 0 && left && left.apps === 0 && left.sessions === 0,
    seed: o.seed, procs: o.procs, seconds: o.seconds, engine: o.engine, exitRate: o.exitRate, ctRace: o.ctRace, killAtEnd: o.killAtEnd, exitKind: o.exitKind,
    version, started, exited, vppDead: dead, left, seen, uncaught: uncaught.slice(0, 5), totals,
  };
  if (dead) result.vppOutput = `${trouble ?? ''}\n${vpp.logTail(60)}`;
  if (!o.runDir && (!dead || !process.env.CHAOS_KEEP)) await vpp.stop();
  else result.runDir = vpp.runDir;
  return result;
}

module.exports = { runChaos };

if (require.main === module) {
  const o = parseArgs(process.argv.slice(2));
  runChaos(o).then((r) => {
    console.log(JSON.stringify(r));
    if (!r.ok) console.error(`chaos: FAILED; replay with: node test/chaos/run.js --seed ${r.seed} --procs ${r.procs} --seconds ${r.seconds} --engine ${r.engine} --exit-rate ${r.exitRate}${r.ctRace ? ' --vpp-ct-race' : ''}${r.killAtEnd ? ' --kill-at-end' : ''} --exit-kind ${r.exitKind}`);
    process.exit(r.ok ? 0 : 1);
  }, (e) => { console.error(e); process.exit(1); });
}
