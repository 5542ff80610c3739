#!/usr/bin/env node
'use strict';
// Regenerate the README's benchmark section (between <!-- bench:start --> and
// <!-- bench:end -->) from the latest full result in bench/results/.
//   node bench/readme.js [result.json]

const fs = require('node:fs');
const path = require('node:path');
const { fmt } = require('./lib/stats');
const { NOTES } = require('./lib/method');

const ROOT = path.join(__dirname, '..');
const README = path.join(ROOT, 'README.md');
const RESULTS = path.join(__dirname, 'results');
const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

/** Latest full run (not quick/only/profile); else the latest of any kind. */
function latestResult() {
  let files = [];
  try { files = fs.readdirSync(RESULTS).filter((f) => f.endsWith('.json')).sort(); } catch { /* none */ }
  const full = files.filter((f) => !/-(quick|only|profile)\.json$/.test(f));
  const pick = (full.length ? full : files).pop();
  return pick ? path.join(RESULTS, pick) : null;
}

function cell(c, r, m) {
  if (r.unavailable) return 'n/a';
  if (!r.okReps) return 'error';
  return fmt(r.summary[m]);
}

function mdTable(c) {
  const cols = {
    bulk: [['gbps', 'Gbit/s'], ['txCpuPerGB', 'send CPU s/GB'], ['rxCpuPerGB', 'recv CPU s/GB']],
    rr: [['p50', 'p50 µs'], ['p99', 'p99 µs'], ['p999', 'p99.9 µs'], ['rtps', 'round trips/s'], ['appCpuUs', 'Node CPU µs/rt'], ['vppCpuUs', 'VPP CPU µs/rt']],
    conn: [['cps', 'conn/s'], ['connectP50', 'connect p50 µs'], ['connectP99', 'connect p99 µs']],
    http: [['rps', 'requests/s'], ['appCpuUs', 'Node CPU µs/req'], ['vppCpuUs', 'VPP CPU µs/req']],
  }[c.workload];
  const lines = [
    `| ${['', ...cols.map((x) => x[1]), '× kernel'].join(' | ')} |`,
    `|${['---', ...cols.map(() => '---:'), '---:'].join('|')}|`,
  ];
  for (const r of c.rows) {
    const ratio = r.unavailable ? `not available (${r.unavailable})` : r.ratio ? `${r.ratio.toFixed(2)}` : '';
    lines.push(`| ${[r.label, ...cols.map(([m]) => cell(c, r, m)), ratio].join(' | ')} |`);
  }
  return lines.join('\n');
}

function section(result, file) {
  const m = result.machine;
  const rel = (f) => path.relative(ROOT, path.join(path.dirname(file), f));
  const vpp = result.setup.vpp.version ? result.setup.vpp.version.split('\n')[0] : 'VPP not available';
  const out = [
    START,
    '## Benchmarks',
    '',
    '`make bench` (= `npm run bench`: build, then `node bench/run.js`) runs every workload below in one go (≤ 10 min);',
    '`npm run bench -- --quick` is a ≤ 1 min smoke run, `npm run bench -- --only bulk|rr|conn|http|<case>` one workload,',
    '`npm run bench -- --profile` writes `--cpu-prof` profiles of the cut-through bulk and rr workers and prints their top functions.',
    '',
    'How it is measured: client and server are separate Node processes (`bench/worker.js`), ' +
      `${result.setup.pinning}. ` +
      'Each row is the median of ' + result.repetitions + ' repetitions; "× kernel" is the ratio to `node:net` over the kernel loopback ' +
      'measured in the same run (for latency, < 1 is faster). Private VPPs are started for the run (`scripts/vpp-harness.js`) and stopped after it: ' +
      'VPP as shipped (no `poll-sleep-usec`: its main loop waits in epoll until an app signals it, and its session node polls only while busy) for everything, ' +
      'and one with `unix { poll-sleep-usec 100 }` for the request/response rows marked `[sleep100]`, to show what that common line costs. ' +
      '*Cut-through*: both ends attach to the same VPP namespace, data moves through shared fifos without TCP. ' +
      '*VPP TCP*: the client attaches in a second namespace with global scope, so the bytes go through VPP\'s TCP stack. ' +
      '*Node CPU µs/rt, µs/req*: the CPU both Node processes used per round trip or request, warm-up included (over the kernel this holds ' +
      'the kernel\'s TCP too, as their system time); *VPP CPU*: what VPP used meanwhile, all its threads. ' +
      `The C reference is VPP's own \`vperf_client\`/\`vperf_server\` (VCL, fifos of ${result.setup.fifoSize} B like vppnet's); ` +
      '`iperf3` is the C reference on the kernel when installed; for request/response and connection rate it is `bench/c/peer.c` ' +
      '(POSIX sockets + epoll) over the kernel and under VCL\'s LD_PRELOAD shim.',
    '',
    ...NOTES.map((n) => `- ${n}`),
    '',
    `Latest run (started ${result.date.slice(0, 16).replace("T", " ")} UTC) on ${m.cpuModel}, ${m.cores} cores, ${m.kernel}, Node ${m.node}, ${vpp}, ` +
      `load average ${m.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at start (\`${rel(path.basename(file))}\`).`,
    '',
  ];
  for (const c of result.cases) out.push(`**${c.title}**`, '', mdTable(c), '');
  for (const svg of result.charts || []) out.push(`![${svg}](${rel(svg)})`, '');
  out.push(END);
  return out.join('\n');
}

function update(file = latestResult()) {
  if (!file) throw new Error('bench/readme: no result in bench/results/; run `npm run bench` first');
  const result = JSON.parse(fs.readFileSync(file, 'utf8'));
  const text = fs.readFileSync(README, 'utf8');
  const s = text.indexOf(START);
  const e = text.indexOf(END);
  const body = section(result, file);
  const next = s >= 0 && e > s
    ? text.slice(0, s) + body + text.slice(e + END.length)
    : `${text.replace(/\s*$/, '\n')}\n${body}\n`;
  fs.writeFileSync(README, next);
  return file;
}

module.exports = { update, latestResult };

if (require.main === module) {
  const f = update(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  console.log(`README.md bench section regenerated from ${path.relative(ROOT, f)}`);
}
