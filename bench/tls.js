#!/usr/bin/env node
'use strict';
// TLS: node:tls over the kernel loopback vs vppnet/tls over VPP, with node's
// TLS on a VPP TCP session (tlsEngine 'node') and with VPP's own TLS
// (tlsEngine 'vpp', both engines). Server in VPP namespace 'default' at
// 127.0.0.2, client in 'peer' (through VPP's TCP).
//   node bench/tls.js [--quick] [--reps N]
// Per row, median of N repetitions (3; 1 with --quick): bulk MB/s (one
// stream, 64 KiB writes, for 2 s) and handshakes/s (connect, handshake,
// close; one at a time, for 1.5 s), with the CPU of the client, the server
// and VPP per MB and per handshake (with tlsEngine 'vpp' the crypto runs in
// VPP). Server core 0 (with VPP's main thread), client core 1, when taskset is
// there. Starts a private VPP (scripts/vpp-harness.js) and stops it.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { fork, execFileSync } = require('node:child_process');
const ROOT = path.join(__dirname, '..');
const { cpuUs, once, taskset, repsOf, median } = require('./lib/solo');
const vtls = require(path.join(ROOT, 'dist', 'cjs', 'tls.js'));

const BULK = { ms: 2000, write: 64 << 10 };
const SHAKES = { ms: 1500 };

function tlsOptions(t) {
  if (t.kind === 'kernel') return { mode: 'kernel' };
  return { mode: 'vpp', engine: t.engine, appSocket: t.appSocket, tlsEngine: t.tlsEngine, ...(t.tlsEngine === 'node' ? { scope: 'global' } : {}) };
}

// ---- the server: counts what it reads, reports it and its CPU ----
if (process.argv[2] === 'server') {
  const t = JSON.parse(process.argv[3]);
  const pki = JSON.parse(process.argv[4]);
  let bytes = 0;
  const srv = vtls.createServer({ ...tlsOptions(t), key: fs.readFileSync(pki.key), cert: fs.readFileSync(pki.cert) }, (s) => {
    s.on('data', (d) => { bytes += d.length; });
    s.on('error', () => {});
    s.on('end', () => s.end());
  });
  srv.on('tlsClientError', () => {});
  srv.on('error', (e) => { process.send({ type: 'error', message: e.message }); process.exit(1); });
  srv.listen(0, t.host, () => process.send({ type: 'ready', port: srv.address().port }));
  process.on('message', (m) => {
    if (m === 'stats') process.send({ type: 'stats', us: cpuUs(), bytes });
    if (m === 'exit') process.exit(0);
  });
  return;
}

function threadsCpuUs(pid) {
  let ns = 0;
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) ns += Number(fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
  return ns / 1000;
}


function makePki(vppHost) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vppnet-bench-tls-'));
  const ssl = (...a) => execFileSync('openssl', a, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=bench CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=vpp.test');
  fs.writeFileSync(path.join(dir, 'ext'), `subjectAltName=DNS:vpp.test,IP:${vppHost},IP:127.0.0.1\n`);
  ssl('x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.pem', '-days', '2', '-extfile', 'ext');
  return { dir, ca: path.join(dir, 'ca.pem'), key: path.join(dir, 'srv.key'), cert: path.join(dir, 'srv.pem') };
}

async function measure(row, vpp, pki, pin) {
  const srvT = row.kind === 'kernel' ? { kind: 'kernel', host: '127.0.0.1' } : { kind: 'vpp', engine: row.engine, tlsEngine: row.tlsEngine, appSocket: vpp.appSocket, host: vpp.testAddr };
  const cliT = row.kind === 'kernel' ? { kind: 'kernel' } : { kind: 'vpp', engine: row.engine, tlsEngine: row.tlsEngine, appSocket: vpp.peerAppSocket };
  const opts = pin ? { execPath: pin, execArgv: ['-c', '0', process.execPath] } : {};
  const child = fork(__filename, ['server', JSON.stringify(srvT), JSON.stringify(pki)], { ...opts, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const stats = async () => { child.send('stats'); return once(child, 'stats'); };
  const vppUs = () => (row.kind === 'kernel' ? 0 : threadsCpuUs(vpp.pid));
  try {
    const { port } = await once(child, 'ready');
    const ca = fs.readFileSync(pki.ca);
    const dial = () => vtls.connect({ ...tlsOptions(cliT), host: srvT.host, port, servername: 'vpp.test', ...(row.tlsEngine === 'vpp' ? {} : { ca }) });
    // bulk: one stream, writes kept 4 deep, for BULK.ms
    const chunk = Buffer.alloc(BULK.write, 0x5a);
    const c = dial();
    await new Promise((r, j) => { c.once('secureConnect', r); c.once('error', j); });
    const s0 = await stats(), cpu0 = cpuUs(), v0 = vppUs(), t0 = Date.now();
    await new Promise((resolve) => {
      const pump = () => { while (Date.now() - t0 < BULK.ms) if (!c.write(chunk)) return; resolve(); };
      c.on('drain', pump);
      pump();
    });
    // what the server has read by the time it answers (writes still in flight count when they land)
    await new Promise((r) => setTimeout(r, 100));
    const s1 = await stats();
    const secs = (Date.now() - t0) / 1000, mb = (s1.bytes - s0.bytes) / 1e6;
    const bulk = { mbps: mb / secs, cliUs: (cpuUs() - cpu0) / mb, srvUs: (s1.us - s0.us) / mb, vppUs: (vppUs() - v0) / mb };
    c.destroy();
    // handshakes, one at a time
    const h0 = await stats(), hc0 = cpuUs(), hv0 = vppUs(), ht0 = Date.now();
    let n = 0;
    while (Date.now() - ht0 < SHAKES.ms) {
      const s = dial();
      await new Promise((r, j) => { s.once('secureConnect', r); s.once('error', j); });
      s.end();
      await new Promise((r) => s.once('close', r));
      n++;
    }
    const hsecs = (Date.now() - ht0) / 1000, h1 = await stats();
    const shakes = { rate: n / hsecs, cliUs: (cpuUs() - hc0) / n, srvUs: (h1.us - h0.us) / n, vppUs: (vppUs() - hv0) / n };
    return { bulk, shakes };
  } finally {
    child.send('exit');
    await new Promise((r) => child.once('exit', r));
  }
}

async function main() {
  const reps = repsOf(process.argv);
  const harness = require(path.join(ROOT, 'scripts', 'vpp-harness.js'));
  const pki = makePki('127.0.0.2');
  const vpp = await harness.startVpp({ tlsCaFile: pki.ca, tcpCloseWaitSec: 1 });
  const pin = taskset();
  const rows = [
    { name: 'node:tls, kernel 127.0.0.1', kind: 'kernel' },
    { name: "vppnet/tls, tlsEngine 'node', VPP TCP, native", kind: 'vpp', engine: 'native', tlsEngine: 'node' },
    { name: "vppnet/tls, tlsEngine 'vpp' (VPP's TLS), WASM", kind: 'vpp', engine: 'wasm', tlsEngine: 'vpp' },
    { name: "vppnet/tls, tlsEngine 'vpp' (VPP's TLS), native", kind: 'vpp', engine: 'native', tlsEngine: 'vpp' },
  ];
  try {
    const out = [];
    for (const row of rows) {
      const runs = [];
      for (let r = 0; r < reps; r++) runs.push(await measure(row, vpp, pki, pin));
      const m = (k, f) => median(runs.map((x) => x[k][f]));
      out.push({ row, ...Object.fromEntries(['bulk', 'shakes'].map((k) => [k, Object.fromEntries(Object.keys(runs[0][k]).map((f) => [f, m(k, f)]))])) });
    }
    const base = out[0];
    const f = (x, d = 0) => x.toFixed(d);
    console.log(`\nTLS, median of ${reps} (VPP ${(await vpp.cli('show version')).split(' ')[1]}; taskset ${pin ? 'server core 0, client core 1' : 'none'})\n`);
    console.log('| row | bulk MB/s | vs node | CPU µs/MB client + server + VPP | handshakes/s | vs node | CPU µs/handshake client + server + VPP |');
    console.log('|---|---|---|---|---|---|---|');
    for (const o of out) {
      const b = o.bulk, h = o.shakes;
      console.log(`| ${o.row.name} | ${f(b.mbps)} | ${(b.mbps / base.bulk.mbps).toFixed(2)}× | ${f(b.cliUs)} + ${f(b.srvUs)} + ${f(b.vppUs)} | ${f(h.rate)} | ${(h.rate / base.shakes.rate).toFixed(2)}× | ${f(h.cliUs)} + ${f(h.srvUs)} + ${f(h.vppUs)} |`);
    }
  } finally {
    await vpp.stop();
    fs.rmSync(pki.dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
