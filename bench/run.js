#!/usr/bin/env node
'use strict';
// vppnet benchmarks: node:net over the kernel vs vppnet over VPP (cut-through
// and VPP's TCP, WASM and native engine), with C references: VPP's own vperf
// and iperf3 for bulk, bench/c/peer.c (kernel and VCL LDP) for rr and conn.
// `npm run bench` builds first, then runs this.
//
//   node bench/run.js [--quick] [--only <workload|case>[,...]] [--reps N] [--profile] [--no-readme]
//
// Every measurement forks a server and a client worker (bench/worker.js),
// pinned with taskset (server core 0 with VPP's main thread, client core 1).
// Private VPPs are started with scripts/vpp-harness.js and always stopped.
// Output: a table on stdout, bench/results/<date>-<host>[-quick].json (raw
// samples + machine facts), SVG charts next to it, and the README section.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { fork } = require('node:child_process');

const ROOT = path.join(__dirname, '..');
const WORKER = path.join(__dirname, 'worker.js');
const RESULTS = path.join(__dirname, 'results');
const harness = require(path.join(ROOT, 'scripts', 'vpp-harness.js'));
const { cases: allCases, rowsFor, durations, VPP_CONFIGS } = require('./lib/cases');
const { median, fromTable, fmt } = require('./lib/stats');
const cref = require('./lib/cref');
const cpeer = require('./lib/cpeer');
const { facts } = require('./lib/facts');
const charts = require('./lib/svg');
const { summarizeProfiles } = require('./lib/prof');
const { NOTES } = require('./lib/method');

// ---------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const o = { quick: false, only: null, reps: null, profile: false, readme: true, pin: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--profile') o.profile = true;
    else if (a === '--no-readme') o.readme = false;
    else if (a === '--only') o.only = (argv[++i] || '').split(',').filter(Boolean);
    else if (a.startsWith('--only=')) o.only = a.slice(7).split(',').filter(Boolean);
    else if (a === '--reps') o.reps = Number(argv[++i]);
    else if (a === '--no-pin') o.pin = 'none';
    else if (a === '--pin') o.pin = argv[++i];
    else if (a === '-h' || a === '--help') {
      console.log('usage: node bench/run.js [--quick] [--only bulk|rr|conn|http|<case id>[,...]] [--reps N] [--profile] [--no-readme] [--pin SERVER_CORE,CLIENT_CORE | --no-pin]');
      process.exit(0);
    } else {
      console.error(`bench: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (o.only && !o.only.length) { console.error('bench: --only needs a workload (bulk, rr, conn, http) or a case id'); process.exit(2); }
  if (o.reps !== null && !(Number.isInteger(o.reps) && o.reps >= 1)) { console.error(`bench: --reps must be an integer >= 1, got ${o.reps}`); process.exit(2); }
  return o;
}

// ---------------------------------------------------------------------------
// Workers

const children = new Set();
process.on('exit', () => { for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } } });

function forkWorker(cfg, cpu, core, execArgv = []) {
  const opts = { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env } };
  delete opts.env.VPPNET_SCOPE; // the worker sets it from its transport
  if (cpu.taskset && core !== undefined) {
    opts.execPath = cpu.taskset;
    opts.execArgv = ['-c', String(core), process.execPath, ...execArgv];
  } else {
    opts.execArgv = execArgv;
  }
  const child = fork(WORKER, [JSON.stringify(cfg)], opts);
  child.stderrTail = '';
  child.stderr.on('data', (d) => { child.stderrTail = (child.stderrTail + d).slice(-1500); });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** The next message of `type` from child; rejects on its error message, its exit, or the timeout. */
function nextMessage(child, type, timeoutMs, who) {
  return new Promise((resolve, reject) => {
    const done = (fn, v) => { clearTimeout(timer); child.off('message', onMsg); child.off('exit', onExit); fn(v); };
    const onMsg = (m) => {
      if (m && m.type === type) done(resolve, m);
      else if (m && m.type === 'error') done(reject, new Error(`${who} ${m.where}: ${m.message}`));
    };
    const onExit = (code, sig) => done(reject, new Error(`${who} exited (${sig || code}) before '${type}'${child.stderrTail ? `: ${child.stderrTail.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
    const timer = setTimeout(() => done(reject, new Error(`${who}: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
    child.on('message', onMsg);
    child.once('exit', onExit);
  });
}

async function endWorker(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  try { child.send('exit'); } catch { /* channel closed */ }
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

function transports(row, vpp) {
  if (row.kind === 'kernel') return { server: { kind: 'kernel' }, client: { kind: 'kernel' }, host: '127.0.0.1' };
  const server = { kind: 'vpp', appSocket: vpp.appSocket, engine: row.engine, scope: 'both', busyPoll: row.busyPoll || 0 };
  const client = row.path === 'ct' ? server : { ...server, appSocket: vpp.peerAppSocket, scope: 'global' };
  return { server, client, host: vpp.testAddr };
}

/** CPU seconds a process has used so far, all its threads (schedstat: nanoseconds, not 10 ms ticks); null if unreadable. */
function processCpuS(pid) {
  try {
    let ns = 0;
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) ns += Number(fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e9;
  } catch { return null; }
}

/** One measurement of a Node row: fork server, then client, collect both results (and VPP's CPU meanwhile). */
async function measureNode(c, row, vpp, cpu, prof) {
  const t = transports(row, vpp);
  const seconds = c.params.seconds + (c.params.warmupSeconds || 0);
  const timeoutMs = Math.round(seconds * 1000) + 30000;
  const argv = (role) => (prof ? ['--cpu-prof', `--cpu-prof-dir=${prof.dir}`, `--cpu-prof-name=${c.id}.${row.id.replace('@', '-')}.${role}.cpuprofile`] : []);
  const server = forkWorker({ role: 'server', workload: c.workload, transport: t.server, params: c.params }, cpu, cpu.server, argv('server'));
  let client;
  try {
    const ready = await nextMessage(server, 'ready', 20000, 'server');
    const vpp0 = row.kind === 'vpp' ? processCpuS(vpp.pid) : null;
    client = forkWorker({ role: 'client', workload: c.workload, transport: t.client, params: c.params, port: ready.port, host: t.host }, cpu, cpu.client, argv('client'));
    const cr = await nextMessage(client, 'result', timeoutMs, 'client');
    const vppS = vpp0 !== null ? processCpuS(vpp.pid) - vpp0 : null;
    // bulk upstream: the server reports once all bytes the client sent have arrived
    const upstream = c.workload === 'bulk' && c.params.direction !== 'down';
    server.send(upstream ? { type: 'expect', bytes: cr.sent, timeoutMs: 10000 } : 'stop');
    const sr = await nextMessage(server, 'result', 15000, 'server');
    return sample(c, cr, sr, vppS);
  } finally {
    await Promise.all([endWorker(server), client && endWorker(client)]);
  }
}

/**
 * The numbers one repetition contributes (and a check that the transfer was
 * exact). CPU per unit of work: both Node processes together (over the kernel
 * this includes the kernel's TCP, in their system time), and VPP's own.
 */
function sample(c, cr, sr, vppS) {
  const per = (cpuS, units) => (typeof cpuS === 'number' && units ? (cpuS * 1e6) / units : null);
  const appS = typeof cr.cpuS === 'number' && typeof sr.cpuS === 'number' ? cr.cpuS + sr.cpuS : null;
  switch (c.workload) {
    case 'bulk': {
      // the receiving side's counts against what the sending side wrote
      const [rx, tx] = c.params.direction === 'down' ? [cr, sr] : [sr, cr];
      if (rx.bytes !== tx.sent) throw new Error(`byte count mismatch: ${tx.sent} sent, ${rx.bytes} received`);
      if (rx.badChunks) throw new Error(`content check failed on ${rx.badChunks} of ${rx.chunks} chunks`);
      // CPU seconds per GB moved, each side: steadier than Gbit/s on a noisy VM, and what an engine costs
      const perGB = (cpuS) => (typeof cpuS === 'number' ? cpuS / (rx.bytes / 1e9) : null);
      return { gbps: (rx.bytes * 8) / rx.seconds / 1e9, bytes: rx.bytes, seconds: rx.seconds, chunks: rx.chunks, txCpuPerGB: perGB(tx.cpuS), rxCpuPerGB: perGB(rx.cpuS) };
    }
    case 'rr':
      return {
        rtps: cr.rounds / cr.seconds, rounds: cr.rounds,
        p50: fromTable(cr.quantilesUs, 0.5), p99: fromTable(cr.quantilesUs, 0.99), p999: fromTable(cr.quantilesUs, 0.999),
        meanUs: cr.meanUs, quantilesUs: cr.quantilesUs,
        appCpuUs: per(appS, cr.allRounds), vppCpuUs: per(vppS, cr.allRounds),
      };
    case 'conn':
      if (sr.conns < cr.count) throw new Error(`server saw ${sr.conns} connections, client made ${cr.count}`);
      return {
        cps: cr.count / cr.seconds, count: cr.count,
        connectP50: fromTable(cr.connect.quantilesUs, 0.5), connectP99: fromTable(cr.connect.quantilesUs, 0.99),
        cycleP50: fromTable(cr.cycle.quantilesUs, 0.5), cycleP99: fromTable(cr.cycle.quantilesUs, 0.99),
        connectQuantilesUs: cr.connect.quantilesUs,
      };
    case 'http':
      if (sr.requests < cr.requests) throw new Error(`server answered ${sr.requests} requests, client counted ${cr.requests}`);
      return { rps: cr.requests / cr.seconds, requests: cr.requests, appCpuUs: per(appS, cr.allRequests), vppCpuUs: per(vppS, cr.allRequests) };
    default:
      throw new Error(`unknown workload ${c.workload}`);
  }
}

let nextPort = 25201;
async function measureCref(c, row, vpp, vcl, cpu, quick) {
  const { streams, writeSize, seconds } = c.params;
  if (row.kind === 'iperf3') {
    return cref.iperf3({ streams, writeSize, seconds: Math.max(1, Math.round(seconds)), port: nextPort++, cpu });
  }
  // vperf sends a fixed amount: sized to take about as long as the Node rows
  const total = (row.path === 'ct' ? 4096 : 768) * (quick ? 0.125 : 1) * 2 ** 20;
  const writes = Math.max(1, Math.round(total / streams / writeSize));
  return cref.vperf(vpp, vcl, { path: row.path, streams, writeSize, writes, port: nextPort++, cpu });
}

/** One measurement of a C peer row (bench/c/peer.c): the same sample fields as the Node rows. */
async function measureCpeer(c, row, vpp, vcl, cpu) {
  const run = { rr: cpeer.rr, conn: cpeer.conn }[c.workload];
  if (!run) throw new Error(`no C peer for workload ${c.workload}`);
  const r = await run(vpp, vcl, { ...c.params, path: row.path, port: nextPort++, cpu });
  return sample(c, r.client, r.server);
}

// ---------------------------------------------------------------------------
// Summaries

const METRICS = {
  bulk: ['gbps', 'txCpuPerGB', 'rxCpuPerGB'],
  rr: ['p50', 'p99', 'p999', 'rtps', 'appCpuUs', 'vppCpuUs'],
  conn: ['cps', 'connectP50', 'connectP99'],
  http: ['rps', 'appCpuUs', 'vppCpuUs'],
};

function summarizeRow(c, r) {
  const ok = r.samples.filter((s) => !s.error);
  r.summary = {};
  for (const m of METRICS[c.workload]) r.summary[m] = median(ok.map((s) => s[m]));
  if (c.workload === 'rr') {
    // median quantile table across repetitions (for the CDF chart)
    r.summary.quantilesUs = ok.length ? ok[0].quantilesUs.map((_, i) => median(ok.map((s) => s.quantilesUs[i]))) : null;
  }
  r.okReps = ok.length;
}

function ratios(c) {
  const base = c.rows.find((r) => r.id === 'kernel');
  const b = base && base.summary && base.summary[c.metric];
  for (const r of c.rows) {
    const v = r.summary && r.summary[c.metric];
    r.ratio = b && v ? v / b : null;
  }
}

const COLS = {
  gbps: 'Gbit/s', txCpuPerGB: 'send CPU s/GB', rxCpuPerGB: 'recv CPU s/GB', p50: 'p50 µs', p99: 'p99 µs', p999: 'p99.9 µs', rtps: 'round trips/s',
  cps: 'conn/s', connectP50: 'connect p50 µs', connectP99: 'connect p99 µs', rps: 'requests/s',
  appCpuUs: 'Node CPU µs/op', vppCpuUs: 'VPP CPU µs/op',
};

function table(c) {
  const cols = METRICS[c.workload];
  const head = ['row', ...cols.map((m) => COLS[m]), `× kernel (${COLS[c.metric]})`];
  const lines = c.rows.map((r) => {
    if (r.unavailable) return [r.label, ...cols.map(() => ''), `not available: ${r.unavailable}`];
    const reps = r.okReps < r.samples.length ? ` (${r.okReps}/${r.samples.length} ok)` : '';
    if (!r.okReps) return [r.label, ...cols.map(() => '—'), `error: ${(r.samples.find((s) => s.error) || {}).error || '?'}`.slice(0, 140)];
    return [r.label + reps, ...cols.map((m) => fmt(r.summary[m])), r.ratio === null ? '' : `${r.ratio.toFixed(2)}×`];
  });
  const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const row = (l) => l.map((x, i) => (i === 0 || i === l.length - 1 ? String(x).padEnd(w[i]) : String(x).padStart(w[i]))).join('  ').trimEnd();
  return [`\n${c.title}   [${c.id}]`, row(head), w.map((n) => '-'.repeat(n)).join('  '), ...lines.map(row)].join('\n');
}

// ---------------------------------------------------------------------------

function stamp() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const d = durations(args.quick);
  const reps = args.reps || d.reps;
  let selected = allCases(args.quick);
  if (args.only) {
    selected = allCases(false).filter((c) => args.only.some((o) => c.workload === o || c.id === o));
    if (args.quick) selected = selected.map((c) => ({ ...c, params: { ...c.params, ...allCases(true).find((q) => q.workload === c.workload).params, ...pick(c.params, ['streams', 'writeSize', 'size', 'connections', 'pipelining', 'concurrency']) } }));
    if (!selected.length) { console.error(`bench: --only ${args.only.join(',')} matches no workload (bulk, rr, conn, http) or case id`); process.exit(2); }
  }
  if (args.profile && !args.only) {
    // profiling run: bulk and rr unless --only names others; vppnet rows, one repetition
    selected = selected.filter((c) => ['bulk-1x64k', 'rr-1'].includes(c.id));
  }

  const taskset = cref.which('taskset');
  const ncpu = os.cpus().length;
  const cpu = { taskset: ncpu >= 2 && args.pin !== 'none' ? taskset : null, server: 0, client: 1 };
  if (args.pin && args.pin !== 'none') [cpu.server, cpu.client] = args.pin.split(',').map(Number);
  // the library's default; the same size for the workers and VPP's C peers
  const fifoSize = Number(process.env.VPPNET_FIFO_SIZE) || 4 << 20;
  process.env.VPPNET_FIFO_SIZE = String(fifoSize);

  const found = harness.findVpp();
  const result = {
    version: 1,
    date: new Date().toISOString(),
    quick: args.quick,
    profile: args.profile,
    only: args.only,
    repetitions: reps,
    machine: facts(),
    setup: {
      pinning: cpu.taskset ? `taskset: server core ${cpu.server} (shared with VPP's main thread), client core ${cpu.client}` : `no pinning (${taskset ? `${ncpu} core(s)` : 'taskset not found'})`,
      fifoSize,
      engines: ['wasm', 'native'],
      vpp: found.missing ? { available: false, reason: found.missing } : { available: true, prefix: found.prefix },
      vppConfigs: VPP_CONFIGS,
      durations: d,
      notes: NOTES,
    },
    cases: [],
  };

  const instances = {};
  const stopAll = async () => {
    for (const [k, inst] of Object.entries(instances)) {
      delete instances[k];
      await inst.stop().catch((e) => console.error(`bench: stopping VPP: ${e.message}`));
    }
  };
  const vppFor = async (name) => {
    if (found.missing) return null;
    if (!instances[name]) {
      instances[name] = await harness.startVpp({ pollSleepUsec: VPP_CONFIGS[name].pollSleepUsec });
      if (!result.setup.vpp.version) result.setup.vpp.version = (await instances[name].cli('show version')).trim();
      process.stderr.write(`bench: VPP '${name}' up (pid ${instances[name].pid}, poll-sleep-usec ${VPP_CONFIGS[name].pollSleepUsec})\n`);
    }
    return instances[name];
  };
  const stopVpp = async (name) => {
    const inst = instances[name];
    if (inst) { delete instances[name]; await inst.stop(); }
  };

  let profDir = null;
  if (args.profile) {
    profDir = path.join(RESULTS, `prof-${stamp()}`);
    fs.mkdirSync(profDir, { recursive: true });
  }

  try {
    const vperfOk = !found.missing && cref.vperfPaths(found);
    const iperfOk = cref.which('iperf3');
    // Which VPP configurations are needed, in order: VPP as shipped for
    // everything; the poll-sleep-usec one only while its rows run.
    const profiled = (r) => r.kind === 'vpp' && r.vppConfig === 'default';
    for (const c of selected) {
      result.cases.push({ ...c, rows: rowsFor(c).filter((r) => !args.profile || profiled(r)).map((r) => ({ ...r, samples: [] })) });
    }
    const needs = new Set();
    for (const c of result.cases) for (const r of c.rows) if (r.vppConfig) needs.add(r.vppConfig);
    // Two passes: VPP as shipped (with the kernel and C reference rows), then
    // the poll-sleep-usec VPP only while its rows run (one VPP on core 0 at a time).
    const passes = ['default', ...(needs.has('sleep100') ? ['sleep100'] : [])];
    for (const pass of passes) {
      const vpp = needs.has(pass) ? await vppFor(pass).catch((e) => { result.setup.vpp.startError = e.message; return null; }) : null;
      const vcl = vpp ? cref.writeVclConfigs(vpp.runDir, vpp, fifoSize) : null;
      for (let rep = 0; rep < (args.profile ? 1 : reps); rep++) {
        for (const c of result.cases) {
          for (const r of c.rows) {
            if ((r.vppConfig || 'default') !== pass) continue;
            if (r.kind === 'vperf' && !vperfOk) { r.unavailable = found.missing ? 'no VPP' : 'vperf_client/vperf_server not installed'; continue; }
            if (r.kind === 'iperf3' && !iperfOk) { r.unavailable = 'iperf3 not installed'; continue; }
            if (r.vppConfig && !vpp) { r.unavailable = found.missing || result.setup.vpp.startError || 'VPP did not start'; continue; }
            const cpeerWhy = r.kind === 'cpeer' && cpeer.unavailable(r.path, vpp);
            if (cpeerWhy) { r.unavailable = cpeerWhy; continue; }
            const label = `${c.id} ${r.id} rep ${rep + 1}/${reps}`;
            const ts = Date.now();
            try {
              const s = r.kind === 'vperf' || r.kind === 'iperf3'
                ? await measureCref(c, r, vpp, vcl, cpu, args.quick)
                : r.kind === 'cpeer'
                  ? await measureCpeer(c, r, vpp, vcl, cpu)
                  : await measureNode(c, r, vpp, cpu, profDir && { dir: profDir });
              r.samples.push(s);
              process.stderr.write(`bench: ${label}: ${fmt(s[c.metric])} ${COLS[c.metric]} (${Date.now() - ts} ms)\n`);
            } catch (e) {
              r.samples.push({ error: e.message.split('\n')[0] });
              process.stderr.write(`bench: ${label}: ERROR ${e.message}\n`);
            }
          }
        }
      }
      await stopVpp(pass);
    }
  } finally {
    await stopAll();
  }

  result.machine.loadavgEnd = os.loadavg();
  result.elapsedSeconds = (Date.now() - t0) / 1000;
  for (const c of result.cases) {
    for (const r of c.rows) if (!r.unavailable) summarizeRow(c, r);
    ratios(c);
  }

  for (const c of result.cases) console.log(table(c));
  const m = result.machine;
  console.log(`\n${m.cpuModel}, ${m.cores} cores, ${m.kernel}, Node ${m.node}; ${result.setup.vpp.version ? result.setup.vpp.version.split('\n')[0] : 'VPP not available'}; ` +
    `fifo ${fifoSize} B; medians of ${reps} repetitions; ${result.setup.pinning}; ${result.elapsedSeconds.toFixed(0)} s`);

  fs.mkdirSync(RESULTS, { recursive: true });
  const stem = `${stamp()}-${os.hostname()}${args.quick ? '-quick' : ''}${args.only ? '-only' : ''}${args.profile ? '-profile' : ''}`;
  const file = path.join(RESULTS, `${stem}.json`);
  const svgs = charts.writeCharts(result, path.join(RESULTS, stem));
  result.charts = svgs.map((f) => path.basename(f));
  fs.writeFileSync(file, JSON.stringify(result, null, 1) + '\n');
  console.log(`\nresults: ${path.relative(ROOT, file)}`);
  for (const f of svgs) console.log(`chart:   ${path.relative(ROOT, f)}`);
  if (!args.quick && !args.only && !args.profile) {
    // a full run replaces the previous ones: git keeps the history, the tree the latest
    const keep = new Set([path.basename(file), ...result.charts]);
    for (const f of fs.readdirSync(RESULTS)) {
      if (/^\d{4}-\d\d-\d\dT\d{6}-.*\.(json|svg)$/.test(f) && !keep.has(f)) fs.rmSync(path.join(RESULTS, f));
    }
  }

  if (profDir) {
    console.log(`\nprofiles: ${path.relative(ROOT, profDir)}`);
    console.log(summarizeProfiles(profDir));
  }
  if (args.readme && !args.profile && !args.only) {
    require('./readme').update();
    console.log('README.md bench section regenerated');
  }
  const failed = result.cases.some((c) => c.rows.some((r) => r.samples.some((s) => s.error)));
  process.exitCode = failed ? 1 : 0;
}

function pick(o, keys) {
  const out = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

main().catch((e) => {
  console.error(`bench: ${e.stack || e}`);
  process.exitCode = 1;
});
