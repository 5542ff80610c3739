#!/usr/bin/env node
'use strict';
// UDP: node:dgram over the kernel loopback vs vppnet/dgram over VPP's UDP
// (server in VPP namespace 'default' at 127.0.0.2, client in 'peer': VPP
// drops UDP between two apps of one namespace), WASM and native engine.
//   node bench/udp.js [--quick] [--reps N]
// Per row, median of N repetitions (3; 1 with --quick): 1-byte round trips
// (p50, p99) and 64-byte datagrams/s with 32 in flight, and the client's and
// the server's CPU per round trip / per datagram. Server core 0 (with VPP's
// main thread), client core 1, when taskset is there. Starts a private VPP
// (scripts/vpp-harness.js) and stops it.

const path = require('node:path');
const { fork } = require('node:child_process');
const ROOT = path.join(__dirname, '..');
const { cpuUs, once, taskset, repsOf, median } = require('./lib/solo');
const dgram = require(path.join(ROOT, 'dist', 'cjs', 'dgram.js'));

const RT = { warm: 500, n: 5000 };
const FLOOD = { ms: 2000, window: 32, size: 64 };

function socketOptions(t) {
  return t.kind === 'kernel' ? { type: 'udp4', mode: 'kernel' } : { type: 'udp4', mode: 'vpp', engine: t.engine, appSocket: t.appSocket };
}

// ---- the server: echoes every datagram to its sender; reports its CPU ----
if (process.argv[2] === 'server') {
  const t = JSON.parse(process.argv[3]);
  const s = dgram.createSocket(socketOptions(t));
  s.on('message', (m, r) => s.send(m, r.port, r.address));
  s.on('error', (e) => { process.send({ type: 'error', message: e.message }); process.exit(1); });
  s.bind(0, t.host, () => process.send({ type: 'ready', port: s.address().port, transport: s.transport }));
  process.on('message', (m) => {
    if (m === 'cpu') process.send({ type: 'cpu', us: cpuUs() });
    if (m === 'exit') s.close(() => process.exit(0));
  });
  return;
}



async function measure(row, vpp, pin) {
  const srvT = row.kind === 'kernel' ? { kind: 'kernel', host: '127.0.0.1' } : { kind: 'vpp', engine: row.engine, appSocket: vpp.appSocket, host: vpp.testAddr };
  const cliT = row.kind === 'kernel' ? { kind: 'kernel' } : { kind: 'vpp', engine: row.engine, appSocket: vpp.peerAppSocket };
  const opts = pin ? { execPath: pin, execArgv: ['-c', '0', process.execPath] } : {};
  const child = fork(__filename, ['server', JSON.stringify(srvT)], { ...opts, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const { port } = await once(child, 'ready');
    const c = dgram.createSocket(socketOptions(cliT));
    await new Promise((r) => c.bind(0, r));
    const host = srvT.host;
    // round trips
    const one = Buffer.alloc(1, 7);
    const rtts = [];
    let t0 = 0n;
    const cpu0 = cpuUs();
    const srvCpu0 = (child.send('cpu'), (await once(child, 'cpu')).us);
    await new Promise((resolve, reject) => {
      let i = 0;
      const timer = setTimeout(() => reject(new Error(`round trips stalled at ${i}`)), 30000);
      c.on('message', () => {
        if (i >= RT.warm) rtts.push(Number(process.hrtime.bigint() - t0) / 1000);
        if (++i === RT.warm + RT.n) { clearTimeout(timer); c.removeAllListeners('message'); resolve(); return; }
        t0 = process.hrtime.bigint();
        c.send(one, port, host);
      });
      t0 = process.hrtime.bigint();
      c.send(one, port, host);
    });
    const rtCpu = (cpuUs() - cpu0) / (RT.warm + RT.n);
    child.send('cpu');
    const rtSrvCpu = ((await once(child, 'cpu')).us - srvCpu0) / (RT.warm + RT.n);
    // a flood: `window` datagrams in flight, refilled as answers come back (UDP may drop: lost ones are refilled on a timer)
    const payload = Buffer.alloc(FLOOD.size, 1);
    let got = 0, inFlight = 0;
    const cpu1 = cpuUs();
    child.send('cpu');
    const srvCpu1 = (await once(child, 'cpu')).us;
    const start = Date.now();
    await new Promise((resolve) => {
      const fill = () => { while (inFlight < FLOOD.window) { inFlight++; c.send(payload, port, host); } };
      c.on('message', () => { got++; inFlight--; if (Date.now() - start < FLOOD.ms) fill(); else if (inFlight === 0) resolve(); });
      const lost = setInterval(() => { if (Date.now() - start >= FLOOD.ms) { clearInterval(lost); resolve(); } else { inFlight = 0; fill(); } }, 200);
      fill();
    });
    const secs = (Date.now() - start) / 1000;
    const floodCpu = (cpuUs() - cpu1) / got;
    child.send('cpu');
    const floodSrvCpu = ((await once(child, 'cpu')).us - srvCpu1) / got;
    c.close();
    return { p50: median(rtts), p99: [...rtts].sort((a, b) => a - b)[Math.floor(rtts.length * 0.99)], rtCpu, rtSrvCpu, rate: got / secs, floodCpu, floodSrvCpu };
  } finally {
    child.send('exit');
    await new Promise((r) => child.once('exit', r));
  }
}

async function main() {
  const reps = repsOf(process.argv);
  const harness = require(path.join(ROOT, 'scripts', 'vpp-harness.js'));
  const vpp = await harness.startVpp({});
  const pin = taskset();
  const rows = [
    { name: 'node:dgram, kernel 127.0.0.1', kind: 'kernel' },
    { name: 'vppnet/dgram, VPP UDP, WASM', kind: 'vpp', engine: 'wasm' },
    { name: 'vppnet/dgram, VPP UDP, native', kind: 'vpp', engine: 'native' },
  ];
  try {
    const out = [];
    for (const row of rows) {
      const runs = [];
      for (let r = 0; r < reps; r++) runs.push(await measure(row, vpp, pin));
      const m = (k) => median(runs.map((x) => x[k]));
      out.push({ row, p50: m('p50'), p99: m('p99'), rtCpu: m('rtCpu'), rtSrvCpu: m('rtSrvCpu'), rate: m('rate'), floodCpu: m('floodCpu'), floodSrvCpu: m('floodSrvCpu') });
    }
    const base = out[0];
    const f = (x, d = 1) => x.toFixed(d);
    console.log(`\nUDP, median of ${reps} (VPP ${(await vpp.cli('show version')).split(' ')[1]}; taskset ${pin ? 'server core 0, client core 1' : 'none'})\n`);
    console.log('| row | 1 B RTT p50 µs | p99 µs | p50 vs node | CPU µs/RT client + server | 64 B datagrams/s, 32 in flight | vs node | CPU µs/datagram client + server |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const o of out) {
      console.log(`| ${o.row.name} | ${f(o.p50)} | ${f(o.p99)} | ${f(o.p50 / base.p50, 2)}× | ${f(o.rtCpu)} + ${f(o.rtSrvCpu)} | ${Math.round(o.rate).toLocaleString('en-US')} | ${f(o.rate / base.rate, 2)}× | ${f(o.floodCpu)} + ${f(o.floodSrvCpu)} |`);
    }
  } finally {
    await vpp.stop();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
