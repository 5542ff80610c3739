'use strict';
// The C references: VPP's own vperf_client/vperf_server (cut-through and TCP
// through VPP) and iperf3 over the kernel loopback. Each returns
// { gbps, bytes, seconds } or throws; availability is checked by the caller.

const fs = require('node:fs');
const path = require('node:path');
const { spawn, execFile } = require('node:child_process');

function which(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const f = path.join(dir, name);
    try { fs.accessSync(f, fs.constants.X_OK); return f; } catch { /* next */ }
  }
  return null;
}

function vperfPaths(vpp) {
  const bin = path.dirname(vpp.vpp);
  const client = path.join(bin, 'vperf_client');
  const server = path.join(bin, 'vperf_server');
  return fs.existsSync(client) && fs.existsSync(server) ? { client, server } : null;
}

/**
 * VCL configs for this run, with the same fifo size vppnet uses, so that the
 * C references (vperf; bench/c/peer.c under LDP, see cpeer.js) and vppnet run
 * with equal buffering. Written into runDir.
 */
function writeVclConfigs(dir, vpp, fifoSize) {
  const conf = (sock, scopes) => [
    'vcl {',
    `  rx-fifo-size ${fifoSize}`,
    `  tx-fifo-size ${fifoSize}`,
    ...scopes.map((s) => `  app-scope-${s}`),
    `  app-socket-api ${sock}`,
    '  use-mq-eventfd',
    '}',
    '',
  ].join('\n');
  const files = {
    server: path.join(dir, 'bench-vcl-server.conf'), // default ns, local + global scope
    ct: path.join(dir, 'bench-vcl-ct.conf'),         // same: cut-through to the server
    peer: path.join(dir, 'bench-vcl-peer.conf'),     // peer ns, global scope only: TCP through VPP
  };
  fs.writeFileSync(files.server, conf(vpp.appSocket, ['local', 'global']));
  fs.writeFileSync(files.ct, conf(vpp.appSocket, ['local', 'global']));
  fs.writeFileSync(files.peer, conf(vpp.peerAppSocket, ['global']));
  return files;
}

function runCapture(file, args, opts, timeoutMs) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...opts, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 },
      (err, stdout, stderr) => (err ? reject(new Error(`${path.basename(file)}: ${err.message.split('\n')[0]} ${String(stderr).slice(-300)}`)) : resolve(String(stdout))));
  });
}

/**
 * One vperf uni-directional transfer: `streams` sessions, `writes` writes of
 * `writeSize` bytes each (per session). Throughput as the receiving server reports it.
 */
async function vperf(vpp, vcl, { path: p, streams, writeSize, writes, port, cpu, timeoutMs = 60000 }) {
  const bins = vperfPaths(vpp);
  const env = { ...process.env, LD_LIBRARY_PATH: vpp.libDir };
  const pin = (c, file, args) => (cpu && cpu.taskset && c !== undefined ? [cpu.taskset, ['-c', String(c), file, ...args]] : [file, args]);
  // line-buffered, or its stdout (the listening line and the results) arrives only at exit
  const stdbuf = which('stdbuf');
  const [sf, sa] = stdbuf
    ? pin(cpu && cpu.server, stdbuf, ['-oL', '-eL', bins.server, String(port)])
    : pin(cpu && cpu.server, bins.server, [String(port)]);
  const srv = spawn(sf, sa, { env: { ...env, VCL_CONFIG: vcl.server }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  srv.stdout.on('data', (d) => { out += d; });
  srv.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => srv.once('exit', resolve));
  try {
    // wait for the listener
    const t0 = Date.now();
    while (!/Waiting for client data connections/.test(out)) {
      if (srv.exitCode !== null) throw new Error(`vperf_server exited (${srv.exitCode}): ${out.slice(-400)}`);
      if (Date.now() - t0 > (stdbuf ? 5000 : 1000)) {
        if (stdbuf) throw new Error(`vperf_server did not start: ${out.slice(-400)}`);
        break; // no stdbuf: no way to see the line; it has had a second
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const args = ['-U', '-X', '-T', String(writeSize), '-N', String(writes)];
    if (streams > 1) args.push('-s', String(streams));
    args.push(vpp.testAddr, String(port));
    const [cf, ca] = pin(cpu && cpu.client, bins.client, args);
    const cout = await runCapture(cf, ca, { env: { ...env, VCL_CONFIG: p === 'ct' ? vcl.ct : vcl.peer } }, timeoutMs);
    if (!stdbuf) {
      const c = /CLIENT RESULTS: Streamed (\d+) bytes\s+in ([\d.]+) seconds \(([\d.]+) Gbps/.exec(cout);
      if (!c) throw new Error(`no CLIENT RESULTS from vperf_client: ${cout.slice(-400)}`);
      return { gbps: Number(c[3]), bytes: Number(c[1]), seconds: Number(c[2]), reportedBy: 'client' };
    }
    const t1 = Date.now();
    let m;
    while (!(m = /SERVER RESULTS: Streamed (\d+) bytes\s+in ([\d.]+) seconds \(([\d.]+) Gbps/.exec(out))) {
      if (srv.exitCode !== null || Date.now() - t1 > 5000) throw new Error(`no SERVER RESULTS from vperf_server: ${out.slice(-400)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return { gbps: Number(m[3]), bytes: Number(m[1]), seconds: Number(m[2]), reportedBy: 'server' };
  } finally {
    if (srv.exitCode === null) srv.kill('SIGKILL');
    await exited;
  }
}

/** iperf3 over the kernel loopback; `streams` parallel streams of `writeSize` writes. */
async function iperf3({ streams, writeSize, seconds, port, cpu }) {
  const bin = which('iperf3');
  const pin = (c, args) => (cpu && cpu.taskset && c !== undefined ? [cpu.taskset, ['-c', String(c), bin, ...args]] : [bin, args]);
  const [sf, sa] = pin(cpu && cpu.server, ['-s', '-1', '-4', '-p', String(port), '-B', '127.0.0.1']);
  const srv = spawn(sf, sa, { stdio: 'ignore' });
  const exited = new Promise((resolve) => srv.once('exit', resolve));
  try {
    await new Promise((r) => setTimeout(r, 300));
    const [cf, ca] = pin(cpu && cpu.client, ['-4', '-c', '127.0.0.1', '-p', String(port), '-t', String(seconds),
      '-l', String(writeSize), '-P', String(streams), '-J']);
    const j = JSON.parse(await runCapture(cf, ca, {}, (seconds + 20) * 1000));
    const r = j.end.sum_received;
    return { gbps: r.bits_per_second / 1e9, bytes: r.bytes, seconds: r.seconds };
  } finally {
    if (srv.exitCode === null) srv.kill('SIGKILL');
    await exited;
  }
}

module.exports = { which, vperfPaths, writeVclConfigs, vperf, iperf3 };
