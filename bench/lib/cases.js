'use strict';
// What is measured: the workloads (cases) and the rows (transports) each runs on.

const KiB = 1024;

/** Durations in seconds; quick mode keeps the whole run under a minute. */
function durations(quick) {
  return quick
    ? { bulk: 0.25, rr: 0.2, conn: 0.2, http: 0.25, warmup: 0.05, httpWarmup: 0.3, reps: 3 }
    : { bulk: 1.5, rr: 1, conn: 1, http: 1.5, warmup: 0.3, httpWarmup: 0.3, reps: 3 };
}

/**
 * Cases. `metric` is the headline number (the ratio column uses it), `better`
 * says which direction is good. rr runs on two VPP configurations; cases
 * marked `busyPoll` also run the vppnet rows with busy polling on ('ct': the
 * cut-through ones).
 */
function cases(quick) {
  const d = durations(quick);
  const all = [
    { id: 'bulk-1x64k', workload: 'bulk', title: 'Bulk, 1 stream, 64 KiB writes', params: { streams: 1, writeSize: 64 * KiB, seconds: d.bulk }, metric: 'gbps', better: 'higher', cref: true, busyPoll: true },
    { id: 'bulk-4x64k', workload: 'bulk', title: 'Bulk, 4 streams, 64 KiB writes', params: { streams: 4, writeSize: 64 * KiB, seconds: d.bulk }, metric: 'gbps', better: 'higher', cref: true },
    { id: 'bulk-1x4k', workload: 'bulk', title: 'Bulk, 1 stream, 4 KiB writes', params: { streams: 1, writeSize: 4 * KiB, seconds: d.bulk }, metric: 'gbps', better: 'higher', cref: true },
    { id: 'bulk-4x4k', workload: 'bulk', title: 'Bulk, 4 streams, 4 KiB writes', params: { streams: 4, writeSize: 4 * KiB, seconds: d.bulk }, metric: 'gbps', better: 'higher', cref: true },
    { id: 'bulk-down-onread', workload: 'bulk', title: 'Bulk, server to client, 1 stream, 64 KiB writes, client reads with onread (one 64 KiB buffer)', params: { streams: 1, writeSize: 64 * KiB, seconds: d.bulk, direction: 'down', onread: true }, metric: 'gbps', better: 'higher', busyPoll: true },
    { id: 'rr-1', workload: 'rr', title: 'Request/response, 1 B ping-pong', params: { size: 1, seconds: d.rr, warmupSeconds: d.warmup }, metric: 'p50', better: 'lower', vppConfigs: ['default', 'sleep100'], busyPoll: true },
    { id: 'rr-1k', workload: 'rr', title: 'Request/response, 1 KiB ping-pong', params: { size: KiB, seconds: d.rr, warmupSeconds: d.warmup }, metric: 'p50', better: 'lower', vppConfigs: ['default', 'sleep100'] },
    { id: 'conn-1', workload: 'conn', title: 'Connection rate: connect, 16 B echo, close; one at a time', params: { concurrency: 1, seconds: d.conn, warmupSeconds: d.warmup }, metric: 'cps', better: 'higher' },
    { id: 'conn-32', workload: 'conn', title: 'Connection rate: connect, 16 B echo, close; 32 in flight', params: { concurrency: 32, seconds: d.conn, warmupSeconds: d.warmup }, metric: 'cps', better: 'higher' },
    { id: 'http-c1p1', workload: 'http', title: 'HTTP/1.1 (node:http + undici), 1 connection, pipelining 1', params: { connections: 1, pipelining: 1, seconds: d.http, warmupSeconds: d.httpWarmup }, metric: 'rps', better: 'higher', busyPoll: 'ct' },
    { id: 'http-c10p10', workload: 'http', title: 'HTTP/1.1 (node:http + undici), 10 connections, pipelining 10', params: { connections: 10, pipelining: 10, seconds: d.http, warmupSeconds: d.httpWarmup }, metric: 'rps', better: 'higher' },
  ];
  // quick: one case per workload family (the same code paths, a fraction of the time)
  return quick ? all.filter((c) => ['bulk-1x64k', 'rr-1', 'conn-32', 'http-c10p10'].includes(c.id)) : all;
}

/** Node rows; `path` ct = cut-through (both ends on the default namespace), tcp = client in the peer namespace. */
const NODE_ROWS = [
  { id: 'kernel', label: 'node:net, kernel 127.0.0.1', kind: 'kernel' },
  { id: 'ct-wasm', label: 'vppnet cut-through, WASM', kind: 'vpp', path: 'ct', engine: 'wasm' },
  { id: 'ct-native', label: 'vppnet cut-through, native', kind: 'vpp', path: 'ct', engine: 'native' },
  // opt-in busy polling (as vperf does: both its ends spin at 100% CPU), 1 ms:
  // longer than VPP's default relay (~0.7 ms round trip), so it holds on both VPP configurations
  { id: 'ct-wasm-poll', label: 'vppnet cut-through, WASM, busyPoll 1 ms', kind: 'vpp', path: 'ct', engine: 'wasm', busyPoll: 1000 },
  { id: 'ct-native-poll', label: 'vppnet cut-through, native, busyPoll 1 ms', kind: 'vpp', path: 'ct', engine: 'native', busyPoll: 1000 },
  { id: 'tcp-wasm', label: 'vppnet VPP TCP, WASM', kind: 'vpp', path: 'tcp', engine: 'wasm' },
  { id: 'tcp-native', label: 'vppnet VPP TCP, native', kind: 'vpp', path: 'tcp', engine: 'native' },
  { id: 'tcp-wasm-poll', label: 'vppnet VPP TCP, WASM, busyPoll 1 ms', kind: 'vpp', path: 'tcp', engine: 'wasm', busyPoll: 1000 },
  { id: 'tcp-native-poll', label: 'vppnet VPP TCP, native, busyPoll 1 ms', kind: 'vpp', path: 'tcp', engine: 'native', busyPoll: 1000 },
];

/** C reference rows (bulk only). */
const CREF_ROWS = [
  { id: 'iperf3', label: 'iperf3 (C), kernel 127.0.0.1', kind: 'iperf3' },
  { id: 'vperf-ct', label: 'vperf (C, VCL), cut-through', kind: 'vperf', path: 'ct' },
  { id: 'vperf-tcp', label: 'vperf (C, VCL), VPP TCP', kind: 'vperf', path: 'tcp' },
];

/**
 * VPP as shipped (no poll-sleep-usec: its main loop waits in epoll until an app
 * signals it) serves every row; the request/response rows run again on a VPP
 * with `unix { poll-sleep-usec 100 }`, a line many VM and container guides add,
 * to show what it costs.
 */
const VPP_CONFIGS = {
  default: { pollSleepUsec: 0, label: 'VPP as shipped (no poll-sleep-usec)' },
  sleep100: { pollSleepUsec: 100, label: 'VPP with poll-sleep-usec 100' },
};

/**
 * C reference rows for rr and conn: bench/c/peer.c (POSIX sockets + epoll),
 * the same program over the kernel and over VPP under VCL's LD_PRELOAD shim.
 */
const CPEER_ROWS = [
  { id: 'c-kernel', label: 'C sockets (epoll), kernel 127.0.0.1', kind: 'cpeer', path: 'kernel' },
  { id: 'c-ldp-ct', label: 'C sockets over VCL LDP, cut-through', kind: 'cpeer', path: 'ldp-ct' },
  { id: 'c-ldp-tcp', label: 'C sockets over VCL LDP, VPP TCP', kind: 'cpeer', path: 'ldp-tcp' },
];
const CPEER_WORKLOADS = ['rr', 'conn'];

/** The rows of one case, each with the VPP configuration it runs on (null for the kernel). */
function rowsFor(c) {
  const rows = [];
  for (const r of NODE_ROWS) {
    if (r.busyPoll && !(c.busyPoll === true || c.busyPoll === r.path)) continue;
    if (r.kind === 'kernel') { rows.push({ ...r, vppConfig: null }); continue; }
    for (const vc of c.vppConfigs || ['default']) {
      const suffix = c.vppConfigs ? ` [${vc}]` : '';
      rows.push({ ...r, id: c.vppConfigs ? `${r.id}@${vc}` : r.id, label: r.label + suffix, vppConfig: vc });
    }
  }
  if (c.cref) for (const r of CREF_ROWS) rows.push({ ...r, vppConfig: r.kind === 'vperf' ? 'default' : null });
  if (CPEER_WORKLOADS.includes(c.workload)) {
    // like the Node rows: the kernel once, the VPP paths on each VPP configuration of the case
    for (const r of CPEER_ROWS) {
      if (r.path === 'kernel') rows.push({ ...r, vppConfig: null });
      else for (const vc of c.vppConfigs || ['default']) rows.push({ ...r, id: c.vppConfigs ? `${r.id}@${vc}` : r.id, label: c.vppConfigs ? `${r.label} [${vc}]` : r.label, vppConfig: vc });
    }
  }
  return rows;
}

module.exports = { durations, cases, rowsFor, VPP_CONFIGS, NODE_ROWS, CREF_ROWS, CPEER_ROWS };
