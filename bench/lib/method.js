'use strict';
// How each workload is measured: recorded in every result and printed in the README.

const NOTES = [
  'bulk: the client writes for a fixed time; Gbit/s = bytes received by the server / (first .. last byte received). The server\'s byte count must equal what the client wrote, and the first and last byte of every received chunk are checked against the stream pattern.',
  'rr: one connection; the client writes N bytes and waits for the N echoed bytes; every round trip timed with process.hrtime.bigint after a warm-up.',
  'conn: sequential: connect, 16 B echo, destroy(); connections/s over the run, connect time = connect() to the \'connect\' event.',
  'http: a node:http server fed from a vppnet (or node:net) server via emit(\'connection\'); an undici Pool whose connect() returns a vppnet socket; requests/s with connections × pipelining requests in flight.',
  'vperf: VPP\'s C VCL peers, uni-directional, a fixed byte count sized to take about as long as the Node rows; throughput as the receiving server reports it; VCL fifos sized like vppnet\'s.',
  'Pinning matters on this 2-core VM: with server and client on different cores (the layout used for every row) a kernel 1 B round trip costs ~110-130 µs; with both on one core (`--pin 1,1`) ~30 µs. The VPP rows barely change (~150-200 µs tuned, ~750 µs default).',
];

module.exports = { NOTES };
