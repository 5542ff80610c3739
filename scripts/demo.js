#!/usr/bin/env node
// make demo: an echo server and a client in two processes, moving a few hundred
// MB through vppnet; prints MB/s, connections, and which transport ran and why.
//   VPPNET_DEMO_MB (default 256) total MB sent by the client (echoed back: twice that moves)
//   VPPNET_DEMO_CONNS (default 4) parallel connections
//   VPPNET_MODE / VPPNET_APP_SOCKET / VPPNET_ENGINE as usual
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { fork, spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist', 'cjs', 'index.js');
let HOST = process.env.VPPNET_DEMO_HOST || '127.0.0.1';

function loadVppnet() {
  if (!fs.existsSync(dist)) {
    console.log('demo: dist/ missing, running npm run build');
    const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  return require(dist);
}

// A VPP installed here but not running: start a private one with the tests'
// harness (and stop it after), so a user who has VPP sees the VPP path.
async function maybeStartPrivateVpp() {
  const mode = process.env.VPPNET_MODE || 'auto';
  const appSocket = process.env.VPPNET_APP_SOCKET || '/run/vpp/app_ns_sockets/default';
  if (mode === 'kernel' || fs.existsSync(appSocket)) return null;
  const harness = require('./vpp-harness.js');
  const found = harness.findVpp();
  if (found.missing) return null;
  console.log(`demo: VPP is installed (${found.vpp}) but not running here: starting a private instance`);
  const inst = await harness.startVpp({});
  return { env: { VPPNET_APP_SOCKET: inst.appSocket }, host: inst.testAddr, stop: () => inst.stop(), cli: (c) => inst.cli(c) };
}
// ---------------------------------------------------------------------------

function describe(obj) {
  return `${obj.transport}${obj.transportReason ? ` (${obj.transportReason})` : ''}`;
}

function server() {
  const vppnet = loadVppnet();
  const srv = vppnet.createServer((s) => s.pipe(s));
  let conns = 0;
  srv.on('connection', () => { conns++; });
  srv.on('error', (e) => { process.send({ error: `${e.code}: ${e.message}` }); process.exit(1); });
  let cpu0;
  srv.listen(0, HOST, () => {
    cpu0 = process.cpuUsage();
    process.send({ port: srv.address().port, transport: describe(srv) });
  });
  process.on('message', (m) => {
    if (m !== 'stop') return;
    const c = process.cpuUsage(cpu0);
    srv.close(() => { process.send({ conns, cpuSec: (c.user + c.system) / 1e6 }); process.disconnect(); });
  });
}

function oneConnection(vppnet, port, bytes, chunk) {
  return new Promise((resolve, reject) => {
    const s = vppnet.connect({ port, host: HOST });
    const sent = createHash('sha256');
    const got = createHash('sha256');
    let received = 0;
    s.on('error', reject);
    s.on('data', (d) => { received += d.length; got.update(d); });
    s.on('end', () => resolve({ transport: describe(s), received, ok: received === bytes && sent.digest('hex') === got.digest('hex') }));
    s.on('connect', () => {
      let left = bytes;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, chunk.length);
          const b = n === chunk.length ? chunk : chunk.subarray(0, n);
          sent.update(b);
          left -= n;
          if (!s.write(b)) return s.once('drain', pump);
        }
        s.end();
      };
      pump();
    });
  });
}

/** One run: an echo server child and `conns` client connections, all in `mode`. */
async function run(vppnet, mode, env, mb, conns, vpp) {
  const child = fork(__filename, ['--server'], { env: { ...env, VPPNET_MODE: mode }, stdio: 'inherit' });
  const ready = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (c) => reject(new Error(`echo server exited (${c})`)));
  });
  if (ready.error) throw new Error(`echo server (${mode}): ${ready.error}`);
  vppnet.configure({ mode });
  const per = Math.floor((mb * 1024 * 1024) / conns);
  const chunk = Buffer.alloc(256 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 131 + 7) & 0xff;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const transfers = Promise.all(Array.from({ length: conns }, () => oneConnection(vppnet, ready.port, per, chunk)));
  let sessions = '';
  if (vpp && mode !== 'kernel') {
    // what VPP itself says while the bytes move: proof they go through its session layer
    await new Promise((r) => setTimeout(r, 100));
    sessions = await vpp.cli('show session verbose');
  }
  const results = await transfers;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(cpu0);
  child.send('stop');
  const bye = await new Promise((resolve) => child.once('message', resolve));
  await new Promise((resolve) => child.once('exit', resolve));
  const total = per * conns;
  const gb = (2 * total) / 1e9;   // each byte is written and read once each way
  return {
    mode, server: ready.transport, client: results[0].transport, conns: bye.conns, sessions,
    ok: results.every((r) => r.ok), mbps: total / 1048576 / secs, secs,
    cpuPerGb: ((c.user + c.system) / 1e6 + bye.cpuSec) / gb,
  };
}

async function client() {
  const vppnet = loadVppnet();
  const mb = Number(process.env.VPPNET_DEMO_MB || 256);
  const conns = Number(process.env.VPPNET_DEMO_CONNS || 4);
  const vpp = await maybeStartPrivateVpp();
  if (vpp && !process.env.VPPNET_DEMO_HOST) HOST = vpp.host;
  const env = { ...process.env, ...(vpp ? vpp.env : {}), VPPNET_DEMO_HOST: HOST };
  Object.assign(process.env, vpp ? vpp.env : {});

  const st = vppnet.status();
  const mode = process.env.VPPNET_MODE || 'auto';
  console.log(`vppnet demo: mode=${st.mode} engine=${st.engine} appSocket=${st.appSocket}`);
  console.log(`  VPP reachable: ${st.vpp.reachable ? 'yes' : 'no'} (${st.vpp.reason})`);
  console.log(`  ${mb} MB echoed over ${conns} connections, byte-exact (sha256), server and client in two processes`);

  const runs = [];
  try {
    // the same bytes over the kernel (node:net itself), then as the mode chooses
    if (mode !== 'kernel' && st.vpp.reachable) runs.push(await run(vppnet, 'kernel', env, mb, conns, vpp));
    runs.push(await run(vppnet, mode, env, mb, conns, vpp));
  } finally {
    if (vpp) await vpp.stop();
  }
  const mine = runs[runs.length - 1];
  if (mine.sessions) {
    console.log('  VPP `show session verbose` during the transfer:');
    for (const line of mine.sessions.trim().split('\n')) console.log(`    ${line.trimEnd()}`);
  }
  console.log('');
  console.log('  transport                                  MB/s each way   CPU s per GB moved   byte-exact');
  for (const r of runs) {
    console.log(`  ${r.client.slice(0, 42).padEnd(42)} ${r.mbps.toFixed(0).padStart(13)}   ${r.cpuPerGb.toFixed(3).padStart(18)}   ${r.ok ? 'yes' : 'NO'}`);
  }
  if (runs.length === 2) {
    const [k, v] = runs;
    console.log(`  VPP / kernel: ${(v.mbps / k.mbps).toFixed(2)}x the throughput at ${(v.cpuPerGb / k.cpuPerGb).toFixed(2)}x the CPU per GB`);
  }
  console.log(`transport: ${mine.client}`);
  if (!st.vpp.reachable && mode !== 'kernel') {
    console.log('');
    console.log('No VPP here, so this ran over the kernel. To see the VPP path:');
    console.log('  - install VPP (FD.io publishes packages for Debian/Ubuntu: packages "vpp", "vpp-plugin-core"),');
    console.log('    with `session { enable use-app-socket-api use-private-rx-mqs }` in /etc/vpp/startup.conf, then `make demo` again;');
    console.log('  - or with VPP installed under /opt/vpp (or VPP_PREFIX=...), `make demo` starts a private VPP itself');
    console.log('    (scripts/vpp-instance.js up does the same for your own programs).');
  }
  if (runs.some((r) => !r.ok)) process.exit(1);
}

if (process.argv[2] === '--server') server();
else client().catch((e) => { console.error(`demo: ${e.stack || e}`); process.exit(1); });
