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
  srv.listen(0, HOST, () => {
    process.send({ port: srv.address().port, transport: describe(srv) });
  });
  process.on('message', (m) => {
    if (m === 'stop') srv.close(() => { process.send({ conns }); process.disconnect(); });
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

async function client() {
  const vppnet = loadVppnet();
  const mb = Number(process.env.VPPNET_DEMO_MB || 256);
  const conns = Number(process.env.VPPNET_DEMO_CONNS || 4);
  const vpp = await maybeStartPrivateVpp();
  if (vpp && !process.env.VPPNET_DEMO_HOST) HOST = vpp.host;
  const env = { ...process.env, ...(vpp ? vpp.env : {}), VPPNET_DEMO_HOST: HOST };
  Object.assign(process.env, vpp ? vpp.env : {});

  const st = vppnet.status();
  console.log(`vppnet demo: mode=${st.mode} engine=${st.engine} appSocket=${st.appSocket}`);
  console.log(`  VPP reachable: ${st.vpp.reachable ? 'yes' : 'no'} (${st.vpp.reason})`);

  const child = fork(__filename, ['--server'], { env, stdio: 'inherit' });
  const ready = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (c) => reject(new Error(`echo server exited (${c})`)));
  });
  if (ready.error) throw new Error(`echo server: ${ready.error}`);
  console.log(`  echo server (pid ${child.pid}): port ${ready.port}, transport: ${ready.transport}`);

  const per = Math.floor((mb * 1024 * 1024) / conns);
  const chunk = Buffer.alloc(256 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 131 + 7) & 0xff;
  const t0 = process.hrtime.bigint();
  const transfers = Promise.all(Array.from({ length: conns }, () => oneConnection(vppnet, ready.port, per, chunk)));
  if (vpp) {
    // what VPP itself says while the bytes move: proof they go through its session layer
    await new Promise((r) => setTimeout(r, 100));
    const text = await vpp.cli('show session verbose');
    console.log('  VPP `show session verbose` during the transfer:');
    for (const line of text.trim().split('\n')) console.log(`    ${line.trimEnd()}`);
  }
  const results = await transfers;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;

  child.send('stop');
  const bye = await new Promise((resolve) => child.once('message', resolve));
  await new Promise((resolve) => child.once('exit', resolve));
  if (vpp) await vpp.stop();

  const total = per * conns;
  const ok = results.every((r) => r.ok);
  console.log(`  client   (pid ${process.pid}): transport: ${results[0].transport}`);
  console.log(`  connections: ${conns} (server accepted ${bye.conns})`);
  console.log(`  moved: ${(total / 1048576).toFixed(0)} MB each way in ${secs.toFixed(2)} s = ` +
    `${(total / 1048576 / secs).toFixed(0)} MB/s each way, ${((2 * total) / 1048576 / secs).toFixed(0)} MB/s total`);
  console.log(`  byte-exact: ${ok ? 'yes' : 'NO'}`);
  console.log(`transport: ${results[0].transport}`);
  if (!ok) process.exit(1);
}

if (process.argv[2] === '--server') server();
else client().catch((e) => { console.error(`demo: ${e.stack || e}`); process.exit(1); });
