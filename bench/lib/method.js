'use strict';
// How each workload is measured: recorded in every result and printed in the README.

const NOTES = [
  'bulk: one side writes for a fixed time; Gbit/s = bytes received / (first .. last byte received). The received byte count must equal what was written, and the first and last byte of every received chunk are checked against the stream pattern. Each Node side also reports its process CPU time (user + system, GC included) while it sent or received, per GB moved: steadier than Gbit/s here, and what each engine costs (C rows: not measured). The client sends, except in `bulk-down-onread`: the server sends and the client reads with node\'s `onread` into one reused 64 KiB buffer (no Buffer per read; on node:net too).',
  'rr: one connection; the client writes N bytes and waits for the N echoed bytes; every round trip timed with process.hrtime.bigint after a warm-up.',
  'conn: 1 or 32 loops in flight, each: connect, 16 B echo, destroy(); connections/s = cycles started after the warm-up / time to the last one done; connect time = connect() to the \'connect\' event.',
  'http: a node:http server fed from a vppnet (or node:net) server via emit(\'connection\'); an undici Pool whose connect() returns a vppnet socket; requests/s with connections × pipelining requests in flight.',
  'vperf: VPP\'s C VCL peers, uni-directional, a fixed byte count sized to take about as long as the Node rows; throughput as the receiving server reports it; VCL fifos sized like vppnet\'s.',
  'C rows (rr, conn): bench/c/peer.c, POSIX sockets + epoll, the same windows and quantile table as the Node workers; over the kernel, and under VCL\'s LD_PRELOAD shim (LDP) for cut-through and VPP TCP: what a C program gets on the same path and VPP configuration.',
  'busyPoll rows: the same vppnet rows with `busyPoll: 1000` on both ends (opt-in; a waiting socket polls its fifo for up to 1 ms after its last byte instead of sleeping until VPP relays the peer\'s event). The polling end spends CPU while it waits: on core 0 that is CPU VPP\'s main thread does not get. vperf always polls: both its ends use 100% of their core (measured: 3.6 and 3.2 s of CPU in a 3.3 s TCP transfer).',
  'This VM is noisy: repetitions of one row differ by up to 2× (cut-through bulk e.g. 15-35 Gbit/s in one run), so read ratios across rows with care; every repetition is in the result JSON.',
  'Pinning matters on this 2-core VM: every row runs its server on core 0 (with VPP\'s main thread) and its client on core 1; `--pin 1,1` puts both on one core, which makes kernel loopback round trips several times faster.',
];

module.exports = { NOTES };
