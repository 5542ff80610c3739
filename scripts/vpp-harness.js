'use strict';
// vpp-harness: start, configure, inspect and stop private VPP instances for
// vppnet tests, benchmarks and the demo. CommonJS without dependencies so plain
// `node` scripts use the same code as jest (test/vpp/harness.ts re-exports it).
//
// One instance = one fresh run dir holding everything it owns: startup.conf,
// VCL configs, CLI/API/app sockets, logs, vpp.pid, env. No hugepages, no DPDK,
// no NICs. Topology, entirely inside the VPP process:
//   loop0  127.0.0.2/24  FIB table 0  app namespace "default"  (testAddr)
//          fd00::2/64    (testAddr6)
//   loop1  127.0.1.2/24  FIB table 1  app namespace "peer"     (peerAddr)
//          fd01::2/64    (peerAddr6)
//   plus a route from each table to the other's /24 and /64.
// VPP drops TCP from one of its addresses to another address of the same table
// ("spoofed local-address"), so real TCP needs server and client in different
// namespaces; two apps in one namespace with local scope use cut-through fifos.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn, spawnSync, execFile, execFileSync } = require('node:child_process');

const DEFAULT_PREFIX = '/opt/vpp';
const RUN_DIR_PREFIX = 'vppnet-vpp-';
const UNIX_PATH_MAX = 107; // sun_path is 108 bytes including the NUL
// Plugins enabled when installed; everything else stays disabled.
const PLUGINS = ['af_packet', 'tlsopenssl', 'http', 'hs_apps', 'vperf'];

function harnessError(code, message) {
  const err = new Error(message);
  err.code = code;
  return err;
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function whichOnPath(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

// Where libvppinfra lives decides the lib and plugin dirs (install layouts
// differ: multiarch cmake install, lib64, or a distro package under /usr).
function findLibDir(prefix) {
  const dirs = ['lib/x86_64-linux-gnu', 'lib/aarch64-linux-gnu', 'lib64', 'lib']
    .map((d) => path.join(prefix, d));
  return dirs.find((d) => fs.existsSync(path.join(d, 'libvppinfra.so'))) || null;
}

/**
 * Locate VPP: $VPP_PREFIX (or opts.prefix) if set, else /opt/vpp, else `vpp` on
 * PATH. Returns paths, or { missing } with a reason naming every path tried.
 */
function findVpp(opts = {}) {
  const explicit = opts.prefix || process.env.VPP_PREFIX;
  const tried = [];
  const candidates = [];
  if (explicit) {
    candidates.push(path.join(explicit, 'bin', 'vpp'));
  } else {
    candidates.push(path.join(DEFAULT_PREFIX, 'bin', 'vpp'));
    const onPath = whichOnPath('vpp');
    if (onPath) candidates.push(fs.realpathSync(onPath));
  }
  for (const vpp of candidates) {
    tried.push(vpp);
    if (!isExecutable(vpp)) continue;
    const binDir = path.dirname(vpp);
    const prefix = path.dirname(binDir);
    const vppctl = path.join(binDir, 'vppctl');
    if (!isExecutable(vppctl)) {
      tried[tried.length - 1] += ` (no ${vppctl})`;
      continue;
    }
    const libDir = findLibDir(prefix);
    if (!libDir) {
      tried[tried.length - 1] += ` (no libvppinfra.so under ${prefix}/lib*)`;
      continue;
    }
    const wrongCpu = cannotRun(vpp);
    if (wrongCpu) return { missing: wrongCpu };
    return { prefix, vpp, vppctl, libDir, pluginDir: path.join(libDir, 'vpp_plugins') };
  }
  const where = explicit ? `VPP_PREFIX=${explicit}` : 'set VPP_PREFIX or install one';
  const notOnPath = explicit ? '' : ' and no vpp on PATH';
  return { missing: `no VPP at ${tried.join(', ')}${notOnPath} (${where})` };
}

const runChecks = new Map();   // vpp binary -> why it cannot run here ('' if it can)

/**
 * Why this VPP binary cannot run on this machine, or ''. A VPP built with
 * VPP_BUILD_NATIVE_ONLY uses its build machine's instruction set (AVX-512,
 * say) from main() on, and dies with SIGILL on a CPU without it.
 */
function cannotRun(vpp) {
  if (!runChecks.has(vpp)) {
    const r = spawnSync(vpp, ['--version'], { stdio: 'pipe', timeout: 10000 });
    runChecks.set(vpp, r.signal === 'SIGILL'
      ? `the VPP at ${vpp} cannot run on this CPU (it died with SIGILL: it was built for a CPU with other instructions, ` +
        `such as AVX-512; build VPP on this machine)`
      : r.error ? `the VPP at ${vpp} does not start: ${r.error.message}` : '');
  }
  return runChecks.get(vpp);
}

// ---------------------------------------------------------------------------
// Process bookkeeping

function pidAlive(pid) {
  try {
    // field 3 of /proc/PID/stat is the state; a zombie has exited already
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

// Guards against pid reuse: only a process whose command line names this run
// dir's startup.conf is "our" VPP.
function pidRunsConfig(pid, confPath) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(confPath) && pidAlive(pid);
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(pred, timeoutMs, stepMs = 20) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return true;
    if (Date.now() >= end) return false;
    await sleep(stepMs);
  }
}

function readTail(file, maxLines) {
  try {
    const lines = fs.readFileSync(file, 'utf8').replace(/\r/g, '').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.slice(-maxLines).join('\n');
  } catch {
    return '';
  }
}

// Instances this process started and must not leave behind. Killed
// synchronously on exit (a jest worker exits without awaiting afterAll hooks
// of a timed-out suite).
const live = new Map(); // pid -> instance

function killLiveSync() {
  for (const inst of live.values()) {
    try { process.kill(inst.pid, 'SIGKILL'); } catch { /* gone */ }
    try { fs.rmSync(inst.runDir, { recursive: true, force: true }); } catch { /* best effort */ }
    removeShm(inst.shmPrefix);
  }
  live.clear();
}

let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killLiveSync);
  // Only take over a signal nobody else handles: kill our VPPs, then die of
  // the same signal as the default action would.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    if (process.listenerCount(sig) > 0) continue;
    process.once(sig, () => {
      killLiveSync();
      process.kill(process.pid, sig);
    });
  }
}

// A VPP killed with SIGKILL leaves its API segment file in /dev/shm.
function removeShm(shmPrefix) {
  if (!shmPrefix) return;
  try {
    for (const f of fs.readdirSync('/dev/shm')) {
      if (f.startsWith(shmPrefix)) fs.rmSync(path.join('/dev/shm', f), { force: true });
    }
  } catch { /* no /dev/shm */ }
}

// Run dirs whose owner process died without cleaning up (SIGKILLed jest
// worker): stop their VPP and remove them. Persistent instances (owner 0,
// started by `vpp-instance.js up`) are left alone.
function reapStale(tmpDir = os.tmpdir()) {
  let names;
  try { names = fs.readdirSync(tmpDir); } catch { return 0; }
  let reaped = 0;
  for (const name of names) {
    if (!name.startsWith(RUN_DIR_PREFIX)) continue;
    const dir = path.join(tmpDir, name);
    let owner;
    try { owner = Number(fs.readFileSync(path.join(dir, 'owner.pid'), 'utf8')); } catch { continue; }
    if (!owner || owner === process.pid || pidAlive(owner)) continue;
    const conf = path.join(dir, 'startup.conf');
    let pid = 0;
    try { pid = Number(fs.readFileSync(path.join(dir, 'vpp.pid'), 'utf8')); } catch { /* never started */ }
    if (pid && pidRunsConfig(pid, conf)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    try { removeShm(fs.readFileSync(path.join(dir, 'shm.prefix'), 'utf8').trim()); } catch { /* none */ }
    fs.rmSync(dir, { recursive: true, force: true });
    reaped++;
  }
  return reaped;
}

// ---------------------------------------------------------------------------
// Configuration files

/** The /64 of an IPv6 address whose interface id is all in its last group (fd01::2 -> fd01::/64). */
function net64(addr) {
  const i = addr.lastIndexOf('::');
  if (i < 0) throw harnessError('ERR_INVALID_ARG_VALUE', `not a short IPv6 address: ${addr}`);
  return `${addr.slice(0, i)}::/64`;
}

function net24(addr) {
  const p = addr.split('.');
  if (p.length !== 4) throw harnessError('ERR_INVALID_ARG_VALUE', `not an IPv4 address: ${addr}`);
  return `${p[0]}.${p[1]}.${p[2]}.0/24`;
}

function startupConf(o) {
  const plugins = PLUGINS
    .map((p) => `${p}_plugin.so`)
    .filter((so) => fs.existsSync(path.join(o.found.pluginDir, so)))
    .map((so) => `  plugin ${so} { enable }`)
    .join('\n');
  const session = ['enable', 'use-app-socket-api'];
  if (o.privateRxMqs) session.push('use-private-rx-mqs');
  if (o.extraSession) session.push(o.extraSession);
  return `# generated by vppnet scripts/vpp-harness.js
unix {
  nodaemon
  runtime-dir ${o.runDir}
  cli-listen ${o.cliSocket}
  log ${o.runDir}/vpp.log
  cli-no-pager${o.pollSleepUsec ? `\n  poll-sleep-usec ${o.pollSleepUsec}` : ''}
}
api-segment { prefix ${o.shmPrefix} }
socksvr { socket-name ${o.runDir}/api.sock }
statseg { socket-name ${o.runDir}/stats.sock size 32M page-size 4k }
cpu { main-core ${o.mainCore}${o.workers ? ` workers ${o.workers}` : ''} }
buffers { buffers-per-numa 16384 page-size 4k }
memory { main-heap-size ${o.mainHeap} main-heap-page-size 4k }
plugins {
  path ${o.found.pluginDir}
  plugin default { disable }
${plugins}
}
session { ${session.join(' ')} }
${o.tcpCloseWaitSec ? `tcp { closewait-time ${o.tcpCloseWaitSec} }\n` : ''}${o.tlsCaFile ? `tls { ca-cert-path ${o.tlsCaFile} }\n` : ''}`;
}

// VCL configs, for VPP's own C test peers (vperf_client/vperf_server, LDP):
// the reference the benchmarks compare against. Peer namespace: global scope
// only (with local scope a connect to 127/8 without a local listener fails
// with NOROUTE instead of going through TCP).
function writeVclConfigs(runDir, appSocket, peerAppSocket) {
  const vcl = (sock, scopes) =>
    `vcl {\n  rx-fifo-size 4000000\n  tx-fifo-size 4000000\n${scopes.map((s) => `  app-scope-${s}\n`).join('')}` +
    `  app-socket-api ${sock}\n  use-mq-eventfd\n}\n`;
  const files = {
    VCL_CONFIG: path.join(runDir, 'vcl.conf'),
    VCL_CONFIG_GLOBAL: path.join(runDir, 'vcl-global.conf'),
    VCL_CONFIG_PEER: path.join(runDir, 'vcl-peer.conf'),
  };
  fs.writeFileSync(files.VCL_CONFIG, vcl(appSocket, ['local', 'global']));
  fs.writeFileSync(files.VCL_CONFIG_GLOBAL, vcl(appSocket, ['global']));
  fs.writeFileSync(files.VCL_CONFIG_PEER, vcl(peerAppSocket, ['global']));
  return files;
}

// ---------------------------------------------------------------------------
// `show session verbose`

// Lines look like (columns padded with spaces):
//   [0:7][T] 127.0.0.2:6201->127.0.1.2:51446     ESTABLISHED    0    0
//   [0:11][CT:T] 127.0.0.2:6201->0.0.0.0:0       ESTABLISHED    0    0
//   [0:3][H1] app_wrk 3 hc_index 4 ts 0:2         CLOSED         0    0
// followed by "Thread N: active sessions K" / "Thread N: no sessions".
const SESSION_LINE = /^\[(\d+):(\d+)\]\[([^\]]+)\]\s+(.*?)\s+([A-Z][A-Z0-9_-]*)(?:\s+(\d+)\s+(\d+))?\s*$/;

function parseEndpoint(text) {
  const i = text.lastIndexOf(':');
  if (i < 0) return null;
  const port = Number(text.slice(i + 1));
  if (!Number.isInteger(port)) return null;
  return { address: text.slice(0, i), port };
}

function parseSessions(text) {
  const sessions = [];
  for (const raw of text.replace(/\r/g, '').split('\n')) {
    const line = raw.trimEnd();
    const m = SESSION_LINE.exec(line);
    if (!m) continue;
    const [, thread, index, transport, conn, state, rx, tx] = m;
    const arrow = conn.indexOf('->');
    sessions.push({
      thread: Number(thread),
      index: Number(index),
      transport,
      cutThrough: transport.startsWith('CT:'),
      local: arrow >= 0 ? parseEndpoint(conn.slice(0, arrow)) : null,
      remote: arrow >= 0 ? parseEndpoint(conn.slice(arrow + 2)) : null,
      connection: conn,
      state,
      rxFifo: rx === undefined ? null : Number(rx),
      txFifo: tx === undefined ? null : Number(tx),
    });
  }
  return sessions;
}

// ---------------------------------------------------------------------------
// The instance

const cliOutput = (stdout) => stdout.replace(/\r/g, '').replace(/\s+$/, '');

class VppInstance {
  constructor(fields) {
    Object.assign(this, fields);
  }

  /** Run one CLI command; resolves with its output (VPP reports errors as text). */
  cli(cmd, { timeoutMs = 10000 } = {}) {
    return new Promise((resolve, reject) => {
      execFile(this.vppctl, ['-s', this.cliSocket, cmd], { timeout: timeoutMs, killSignal: 'SIGKILL' },
        (err, stdout, stderr) => {
          if (err) {
            reject(harnessError('ERR_VPP_CLI', `vppctl "${cmd}" failed: ${err.message.trim()} ${String(stderr).trim()}`));
          } else {
            resolve(cliOutput(String(stdout)));
          }
        });
    });
  }

  cliSync(cmd, { timeoutMs = 10000 } = {}) {
    try {
      return cliOutput(execFileSync(this.vppctl, ['-s', this.cliSocket, cmd],
        { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    } catch (err) {
      throw harnessError('ERR_VPP_CLI', `vppctl "${cmd}" failed: ${err.message.trim()}`);
    }
  }

  /** A configuration command: VPP prints nothing on success. */
  async configure(cmd) {
    const out = await this.cli(cmd);
    if (out !== '') throw harnessError('ERR_VPP_CLI', `vppctl "${cmd}": ${out}\n${this.logTail(10)}`);
  }

  async sessions() {
    return parseSessions(await this.cli('show session verbose'));
  }

  alive() {
    // Our child: its exit event (fired once reaped) is the truth. A dying
    // process loses its cmdline before it is gone, so /proc is not.
    if (this.child) return this.child.exitCode === null && this.child.signalCode === null;
    return pidRunsConfig(this.pid, this.configFile);
  }

  kill(signal = 'SIGTERM') {
    if (!this.alive()) return false;
    process.kill(this.pid, signal);
    return true;
  }

  /** SIGTERM, SIGKILL after timeoutMs, wait for exit, remove the run dir. */
  async stop({ timeoutMs = 10000 } = {}) {
    // Not our child (attached by run dir): once the pid is confirmed ours,
    // wait for it to vanish or turn zombie.
    const ours = this.child ? true : this.alive();
    const gone = () => (this.child ? !this.alive() : !pidAlive(this.pid));
    if (ours && !gone()) {
      if (this.alive()) {
        try { process.kill(this.pid, 'SIGTERM'); } catch { /* raced with exit */ }
      }
      if (!(await waitUntil(gone, timeoutMs))) {
        try { process.kill(this.pid, 'SIGKILL'); } catch { /* raced with exit */ }
        if (!(await waitUntil(gone, 5000))) {
          throw harnessError('ERR_VPP_STOP', `VPP pid ${this.pid} survived SIGKILL (${this.runDir})`);
        }
      }
    }
    live.delete(this.pid);
    removeShm(this.shmPrefix);
    fs.rmSync(this.runDir, { recursive: true, force: true });
  }

  /**
   * VPP is shared by every app on a host: the worst a vppnet bug can do is
   * take it down. null when VPP runs, answers its CLI and printed no signal
   * or failed assertion; else what went wrong, with VPP's backtrace.
   * killed: the test stopped this VPP on purpose (only its output counts).
   */
  health({ killed = false, cli = true } = {}) {
    const problems = [];
    for (const f of ['vpp.out', 'vpp.log']) {
      const out = readTail(path.join(this.runDir, f), 2000);
      const bad = out.search(/received signal|assertion .* fails|^.*Backtrace/im);
      if (bad >= 0) { problems.push(`VPP printed (${f}):\n${out.slice(Math.max(0, bad - 200), bad + 4000)}`); break; }
    }
    if (killed) { /* stopped on purpose: only what it printed counts */ } else if (!this.alive()) problems.unshift(`VPP pid ${this.pid} is not running`);
    else if (cli) {
      try {
        if (!/^vpp v/.test(this.cliSync('show version', { timeoutMs: 5000 }))) problems.push('VPP\'s CLI gave no version');
      } catch (err) {
        problems.push(`VPP's CLI does not answer: ${err.message}`);
      }
    }
    return problems.length ? `${problems.join('\n')}\n(run dir ${this.runDir})` : null;
  }

  /** Last lines of VPP's log and stdout/stderr, for failure messages. */
  logTail(lines = 40) {
    const log = readTail(path.join(this.runDir, 'vpp.log'), lines);
    const out = readTail(path.join(this.runDir, 'vpp.out'), lines);
    return `--- ${this.runDir}/vpp.log\n${log}\n--- ${this.runDir}/vpp.out\n${out}`;
  }

  /** KEY=VALUE view of this instance (sockets, addresses, namespaces). */
  env() {
    return {
      VPP_RUN_DIR: this.runDir,
      VPP_PID: String(this.pid),
      VPP_CLI_SOCKET: this.cliSocket,
      VPP_API_SOCKET: this.apiSocket,
      VPP_APP_SOCKET: this.appSocket,
      VPP_TEST_ADDR: this.testAddr,
      VPP_TEST_PREFIX: `${this.testAddr}/24`,
      VPP_TEST_ADDR6: this.testAddr6,
      VPP_PEER_NS: 'peer',
      VPP_PEER_APP_SOCKET: this.peerAppSocket,
      VPP_PEER_ADDR: this.peerAddr,
      VPP_PEER_ADDR6: this.peerAddr6,
      VPP_LOOP_IF: this.loopIf,
      VPP_PEER_LOOP_IF: this.peerLoopIf,
      VPP_PRIVATE_RX_MQS: this.privateRxMqs ? '1' : '0',
      VPP_POLL_SLEEP_USEC: String(this.pollSleepUsec),
      VPP_WORKERS: String(this.workers ?? 0),
      VPP_PREFIX: this.prefix,
      VPP_LIB_DIR: this.libDir,
      VPP_LDP_LIB: path.join(this.libDir, 'libvcl_ldpreload.so'),
      ...this.vclConfigs,
    };
  }
}

const ENV_FIELDS = {
  runDir: 'VPP_RUN_DIR', appSocket: 'VPP_APP_SOCKET', peerAppSocket: 'VPP_PEER_APP_SOCKET',
  cliSocket: 'VPP_CLI_SOCKET', apiSocket: 'VPP_API_SOCKET', testAddr: 'VPP_TEST_ADDR',
  testAddr6: 'VPP_TEST_ADDR6', peerAddr: 'VPP_PEER_ADDR', peerAddr6: 'VPP_PEER_ADDR6', prefix: 'VPP_PREFIX', libDir: 'VPP_LIB_DIR',
  loopIf: 'VPP_LOOP_IF', peerLoopIf: 'VPP_PEER_LOOP_IF',
};

function formatEnv(env) {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

/**
 * Reattach to an instance started elsewhere (e.g. by `vpp-instance.js up`),
 * from RUN_DIR/env. Its stop() stops it; it is not killed when we exit.
 */
function attachVpp(runDir) {
  const dir = path.resolve(runDir);
  let text;
  try {
    text = fs.readFileSync(path.join(dir, 'env'), 'utf8');
  } catch {
    throw harnessError('ERR_VPP_NOT_RUNNING', `no VPP instance in ${dir} (missing ${dir}/env)`);
  }
  const env = Object.fromEntries(text.split('\n').filter(Boolean).map((l) => {
    const i = l.indexOf('=');
    return [l.slice(0, i), l.slice(i + 1)];
  }));
  const fields = Object.fromEntries(Object.entries(ENV_FIELDS).map(([f, k]) => [f, env[k]]));
  const vclConfigs = {};
  for (const k of ['VCL_CONFIG', 'VCL_CONFIG_GLOBAL', 'VCL_CONFIG_PEER']) if (env[k]) vclConfigs[k] = env[k];
  let shmPrefix = '';
  try { shmPrefix = fs.readFileSync(path.join(dir, 'shm.prefix'), 'utf8').trim(); } catch { /* older */ }
  return new VppInstance({
    ...fields,
    pid: Number(env.VPP_PID),
    vpp: path.join(fields.prefix, 'bin', 'vpp'),
    vppctl: path.join(fields.prefix, 'bin', 'vppctl'),
    configFile: path.join(dir, 'startup.conf'),
    privateRxMqs: env.VPP_PRIVATE_RX_MQS !== '0',
    pollSleepUsec: Number(env.VPP_POLL_SLEEP_USEC),
    shmPrefix,
    vclConfigs,
    startMs: 0,
  });
}

/**
 * Start one private VPP and configure the two-namespace loopback topology.
 * Options: pollSleepUsec (0: VPP's own default, no fixed sleep; its main loop
 * waits in epoll until an app signals it), privateRxMqs (true), mainHeap ('512M'),
 * extraSession (extra words inside `session { }`), mainCore (0), workers (VPP worker
 * threads: VPP_WORKERS, else 0),
 * tcpCloseWaitSec (VPP's TCP closes a connection whose peer half-closed after
 * this long if the app has not closed it: 2 s by default in VPP),
 * tlsCaFile (the CA certificates VPP's TLS checks servers against: tls { ca-cert-path }),
 * runDir (default: a fresh mkdtemp dir), timeoutMs (30000, for the CLI to
 * answer), persistent (false: killed when this process exits), found (a
 * findVpp() result), testAddr, peerAddr, peerSecret.
 */
async function startVpp(opts = {}) {
  const found = opts.found || findVpp();
  if (found.missing) throw harnessError('ERR_VPP_NOT_FOUND', found.missing);
  const o = {
    found,
    pollSleepUsec: opts.pollSleepUsec ?? 0,
    privateRxMqs: opts.privateRxMqs ?? true,
    mainHeap: opts.mainHeap ?? '512M',
    extraSession: opts.extraSession ?? '',
    tcpCloseWaitSec: opts.tcpCloseWaitSec ?? 0,
    tlsCaFile: opts.tlsCaFile ? path.resolve(opts.tlsCaFile) : '',
    mainCore: opts.mainCore ?? 0,
    // VPP worker threads (sessions then live on them, each with its own queue
    // towards the app): opts.workers, else VPP_WORKERS, else none
    workers: opts.workers ?? (process.env.VPP_WORKERS ? Number(process.env.VPP_WORKERS) : 0),
    testAddr: opts.testAddr ?? '127.0.0.2',
    peerAddr: opts.peerAddr ?? '127.0.1.2',
    peerSecret: opts.peerSecret ?? 42,
    timeoutMs: opts.timeoutMs ?? 30000,
  };
  if (!Number.isInteger(o.workers) || o.workers < 0) {
    throw harnessError('ERR_INVALID_ARG_VALUE', `workers must be an integer >= 0, got ${opts.workers ?? process.env.VPP_WORKERS}`);
  }
  if (!Number.isInteger(o.pollSleepUsec) || o.pollSleepUsec < 0) {
    throw harnessError('ERR_INVALID_ARG_VALUE', `pollSleepUsec must be an integer >= 0, got ${opts.pollSleepUsec}`);
  }
  if (!/^\d+[KMG]?$/i.test(String(o.mainHeap))) {
    throw harnessError('ERR_INVALID_ARG_VALUE', `mainHeap must look like 512M, got ${opts.mainHeap}`);
  }
  if (net24(o.testAddr) === net24(o.peerAddr)) {
    throw harnessError('ERR_INVALID_ARG_VALUE', `testAddr ${o.testAddr} and peerAddr ${o.peerAddr} must be in different /24s`);
  }

  if (!opts.persistent) reapStale();
  let runDir;
  if (opts.runDir) {
    runDir = path.resolve(opts.runDir);
    fs.mkdirSync(runDir, { recursive: true });
    const oldPid = Number(readTail(path.join(runDir, 'vpp.pid'), 1));
    if (oldPid && pidRunsConfig(oldPid, path.join(runDir, 'startup.conf'))) {
      throw harnessError('ERR_VPP_RUNNING', `VPP already running for ${runDir} (pid ${oldPid}); stop it first`);
    }
  } else {
    runDir = fs.mkdtempSync(path.join(os.tmpdir(), RUN_DIR_PREFIX));
  }
  o.runDir = runDir;
  o.cliSocket = path.join(runDir, 'cli.sock');
  const appSocket = path.join(runDir, 'app_ns_sockets', 'default');
  const peerAppSocket = path.join(runDir, 'app_ns_sockets', 'peer');
  if (peerAppSocket.length > UNIX_PATH_MAX || o.cliSocket.length > UNIX_PATH_MAX) {
    throw harnessError('ERR_INVALID_ARG_VALUE', `run dir too long for unix socket paths: ${runDir}`);
  }
  // Unique per run dir: the API segment lives in /dev/shm under this name.
  o.shmPrefix = 'vppnet' + crypto.createHash('sha1').update(`${runDir}\0${process.pid}`).digest('hex').slice(0, 10);

  const configFile = path.join(runDir, 'startup.conf');
  for (const f of ['cli.sock', 'api.sock', 'stats.sock', 'vpp.pid', 'env']) fs.rmSync(path.join(runDir, f), { force: true });
  fs.rmSync(path.join(runDir, 'app_ns_sockets'), { recursive: true, force: true });
  fs.writeFileSync(configFile, startupConf(o));
  fs.writeFileSync(path.join(runDir, 'shm.prefix'), o.shmPrefix);
  fs.writeFileSync(path.join(runDir, 'owner.pid'), String(opts.persistent ? 0 : process.pid));
  const vclConfigs = writeVclConfigs(runDir, appSocket, peerAppSocket);

  const t0 = process.hrtime.bigint();
  const outFd = fs.openSync(path.join(runDir, 'vpp.out'), 'a');
  let child;
  try {
    // detached: own session (setsid), so a ^C to our process group does not
    // reach VPP before we stop it in order.
    // tls { ca-cert-path } does not reach VPP's openssl engine: VPP applies
    // the stanza after that engine loaded its CA file at init, and nothing
    // reloads it (tls_config_fn runs after tls_openssl_init; 26.06 and 26.10).
    // So a VPP given a CA file gets a mount namespace of its own, in which the
    // default path is that file (the pid stays VPP's: unshare and sh exec).
    const [cmd, args] = o.tlsCaFile
      ? ['unshare', ['-m', '--propagation', 'private', 'sh', '-c',
          'mount --bind "$0" /etc/ssl/certs/ca-certificates.crt && exec "$1" -c "$2"', o.tlsCaFile, found.vpp, configFile]]
      : [found.vpp, ['-c', configFile]];
    child = spawn(cmd, args, {
      detached: true,
      stdio: ['ignore', outFd, outFd],
      env: { ...process.env, LD_LIBRARY_PATH: [found.libDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') },
    });
  } finally {
    fs.closeSync(outFd);
  }
  const spawnError = new Promise((resolve) => child.once('error', resolve));
  child.unref();
  const pid = child.pid;
  if (pid) fs.writeFileSync(path.join(runDir, 'vpp.pid'), String(pid));

  const inst = new VppInstance({
    runDir, pid, configFile, child: pid ? child : undefined,
    prefix: found.prefix, vpp: found.vpp, vppctl: found.vppctl, libDir: found.libDir,
    cliSocket: o.cliSocket,
    apiSocket: path.join(runDir, 'api.sock'),
    appSocket, peerAppSocket,
    testAddr: o.testAddr, testAddr6: TEST_ADDR6, peerAddr: o.peerAddr, peerAddr6: PEER_ADDR6,
    privateRxMqs: o.privateRxMqs, pollSleepUsec: o.pollSleepUsec, workers: o.workers,
    shmPrefix: o.shmPrefix, vclConfigs, startMs: 0,
  });
  if (!opts.persistent && pid) {
    live.set(pid, inst);
    installExitHook();
  }

  const fail = async (msg) => {
    const tail = inst.logTail(20);
    await inst.stop({ timeoutMs: 2000 }).catch(() => {});
    return harnessError('ERR_VPP_START', `${msg}\n${tail}`);
  };

  if (!pid) throw await fail(`could not spawn ${found.vpp}: ${(await spawnError).message}`);

  // Wait for the CLI to answer.
  let exited = false;
  const up = await waitUntil(async () => {
    if (!inst.alive()) { exited = true; return true; }
    if (!fs.existsSync(o.cliSocket)) return false;
    try {
      return (await inst.cli('show version', { timeoutMs: 2000 })).startsWith('vpp ');
    } catch {
      return false;
    }
  }, o.timeoutMs, 25);
  if (exited) throw await fail(`VPP exited during startup (pid ${pid}, ${runDir})`);
  if (!up) throw await fail(`VPP CLI did not answer within ${o.timeoutMs} ms (pid ${pid}, ${runDir})`);

  try {
    await configureTopology(inst, o);
  } catch (err) {
    throw await fail(`topology setup failed: ${err.message}`);
  }
  inst.startMs = Number(process.hrtime.bigint() - t0) / 1e6;
  fs.writeFileSync(path.join(runDir, 'env'), formatEnv(inst.env()));
  return inst;
}

/** IPv6 addresses of loop0 and loop1 (unique-local ones: they exist only inside this VPP). */
const TEST_ADDR6 = 'fd00::2';
const PEER_ADDR6 = 'fd01::2';

async function configureTopology(inst, o) {
  const loop0 = await inst.cli('create loopback interface');
  const loop1 = await inst.cli('create loopback interface');
  for (const name of [loop0, loop1]) {
    if (!/^loop\d+$/.test(name)) throw harnessError('ERR_VPP_CLI', `create loopback interface: ${name}`);
  }
  await inst.configure(`set interface state ${loop0} up`);
  await inst.configure(`set interface ip address ${loop0} ${o.testAddr}/24`);
  await inst.configure(`set interface ip address ${loop0} ${TEST_ADDR6}/64`);
  // Both tables before the namespace: an app namespace takes its interface's
  // FIB indices when it is added.
  await inst.configure('ip table add 1');
  await inst.configure('ip6 table add 1');
  await inst.configure(`set interface ip table ${loop1} 1`);
  await inst.configure(`set interface ip6 table ${loop1} 1`);
  await inst.configure(`set interface state ${loop1} up`);
  await inst.configure(`set interface ip address ${loop1} ${o.peerAddr}/24`);
  await inst.configure(`set interface ip address ${loop1} ${PEER_ADDR6}/64`);
  // `via lookup in table N` takes a FIB index, not a table id: IPv6's table 1
  // is not FIB index 1 (loop0's link-local table is), so ask VPP for it.
  const fib = async (ip, table) => {
    const m = /fib_index:(\d+)/.exec(await inst.cli(`show ${ip} fib table ${table} summary`));
    if (!m) throw harnessError('ERR_VPP_CLI', `no FIB index for ${ip} table ${table}`);
    return m[1];
  };
  await inst.configure(`ip route add ${net24(o.peerAddr)} table 0 via lookup in table ${await fib('ip', 1)}`);
  await inst.configure(`ip route add ${net24(o.testAddr)} table 1 via lookup in table ${await fib('ip', 0)}`);
  await inst.configure(`ip route add ${net64(PEER_ADDR6)} table 0 via lookup in table ${await fib('ip6', 1)}`);
  await inst.configure(`ip route add ${net64(TEST_ADDR6)} table 1 via lookup in table ${await fib('ip6', 0)}`);
  await inst.configure(`app ns add id peer secret ${o.peerSecret} if ${loop1}`);
  inst.loopIf = loop0;
  inst.peerLoopIf = loop1;
  const addrs = await inst.cli('show interface addr');
  for (const a of [`${o.testAddr}/24`, `${o.peerAddr}/24`, `${TEST_ADDR6}/64`, `${PEER_ADDR6}/64`]) {
    if (!addrs.includes(a)) throw harnessError('ERR_VPP_CLI', `address ${a} missing:\n${addrs}`);
  }
  const sockets = () => [inst.appSocket, inst.peerAppSocket].every((s) => {
    try { return fs.statSync(s).isSocket(); } catch { return false; }
  });
  if (!(await waitUntil(sockets, 5000))) {
    throw harnessError('ERR_VPP_START', `app sockets ${inst.appSocket} / ${inst.peerAppSocket} did not appear (session layer not enabled?)`);
  }
}

/** Stop the instance recorded in runDir (by pid, checked against its startup.conf). */
async function stopRunDir(runDir, opts) {
  const dir = path.resolve(runDir);
  if (!fs.existsSync(path.join(dir, 'startup.conf'))) {
    throw harnessError('ERR_VPP_NOT_RUNNING', `${dir} is not a VPP run dir (no startup.conf)`);
  }
  const pid = Number(readTail(path.join(dir, 'vpp.pid'), 1));
  let shmPrefix = '';
  try { shmPrefix = fs.readFileSync(path.join(dir, 'shm.prefix'), 'utf8').trim(); } catch { /* none */ }
  const inst = new VppInstance({ runDir: dir, pid, configFile: path.join(dir, 'startup.conf'), shmPrefix });
  const wasRunning = pid > 0 && inst.alive();
  await inst.stop(opts);
  return { pid, wasRunning };
}

module.exports = {
  findVpp,
  startVpp,
  attachVpp,
  stopRunDir,
  parseSessions,
  formatEnv,
  reapStale,
  pidAlive,
  VppInstance,
};
