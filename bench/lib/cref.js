'use strict';
// The C references: VPP's own vperf_client/vperf_server (cut-through and TCP
// through VPP) and iperf3 over the kernel loopback. Each returns
// { gbps, bytes, seconds } or throws; availability is checked by the caller.

const fs = require('node:fs');
const path = require('node:path');
const { which, pinned, startProc, waitOut, finish, stop, delay } = require('./proc');

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

const RESULTS = (who) => new RegExp(`${who} RESULTS: Streamed (\\d+) bytes\\s+in ([\\d.]+) seconds \\(([\\d.]+) Gbps`);

/**
 * One vperf uni-directional transfer: `streams` sessions, `writes` writes of
 * `writeSize` bytes each (per session). Throughput as the receiving server
 * reports it (line-buffered with stdbuf; else as the client reports it).
 */
async function vperf(vpp, vcl, { path: p, streams, writeSize, writes, port, cpu, timeoutMs = 60000 }) {
  const bins = vperfPaths(vpp);
  const env = { ...process.env, LD_LIBRARY_PATH: vpp.libDir };
  // line-buffered, or its stdout (the listening line and the results) arrives only at exit
  const stdbuf = which('stdbuf');
  const srvArgv = stdbuf ? [stdbuf, '-oL', '-eL', bins.server, String(port)] : [bins.server, String(port)];
  const srv = startProc(pinned(srvArgv, cpu, cpu && cpu.server), { ...env, VCL_CONFIG: vcl.server });
  let client = null;
  try {
    if (stdbuf) await waitOut(srv, (o) => /Waiting for client data connections/.test(o), 5000, 'vperf_server');
    else await delay(1000); // no way to see the listening line: it has had a second
    const args = ['-U', '-X', '-T', String(writeSize), '-N', String(writes), ...(streams > 1 ? ['-s', String(streams)] : []), vpp.testAddr, String(port)];
    client = startProc(pinned([bins.client, ...args], cpu, cpu && cpu.client), { ...env, VCL_CONFIG: p === 'ct' ? vcl.ct : vcl.peer });
    await finish(client, timeoutMs, 'vperf_client');
    const m = stdbuf
      ? await waitOut(srv, (o) => RESULTS('SERVER').exec(o), 5000, 'vperf_server results')
      : RESULTS('CLIENT').exec(client.out);
    if (!m) throw new Error(`no CLIENT RESULTS from vperf_client: ${client.out.slice(-400)}`);
    return { gbps: Number(m[3]), bytes: Number(m[1]), seconds: Number(m[2]), reportedBy: stdbuf ? 'server' : 'client' };
  } finally {
    await Promise.all([stop(srv, 0), client && stop(client, 0)]);
  }
}

/** iperf3 over the kernel loopback; `streams` parallel streams of `writeSize` writes. */
async function iperf3({ streams, writeSize, seconds, port, cpu }) {
  const bin = which('iperf3');
  const srv = startProc(pinned([bin, '-s', '-1', '-4', '-p', String(port), '-B', '127.0.0.1'], cpu, cpu && cpu.server));
  let client = null;
  try {
    await delay(300); // its stdout is a pipe: the listening line may come only at exit
    client = startProc(pinned([bin, '-4', '-c', '127.0.0.1', '-p', String(port), '-t', String(seconds),
      '-l', String(writeSize), '-P', String(streams), '-J'], cpu, cpu && cpu.client));
    await finish(client, (seconds + 20) * 1000, 'iperf3 client');
    const r = JSON.parse(client.out).end.sum_received;
    return { gbps: r.bits_per_second / 1e9, bytes: r.bytes, seconds: r.seconds };
  } finally {
    await Promise.all([stop(srv, 0), client && stop(client, 0)]);
  }
}

module.exports = { which, vperfPaths, writeVclConfigs, vperf, iperf3 };
