// Real-VPP test harness: typed view of scripts/vpp-harness.js (the one
// implementation, shared with plain-node scripts) plus the jest helper
// describeVpp().
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface VppPaths {
  prefix: string;
  vpp: string;
  vppctl: string;
  libDir: string;
  pluginDir: string;
}
export type FindVppResult = VppPaths | { missing: string };

export interface Endpoint {
  address: string;
  port: number;
}

/** One line of `show session verbose`. */
export interface VppSession {
  thread: number;
  index: number;
  /** 'T' = TCP through VPP's stack, 'CT:T' = cut-through, others e.g. 'U', 'H1'. */
  transport: string;
  cutThrough: boolean;
  local: Endpoint | null;
  remote: Endpoint | null;
  /** The connection column as printed, e.g. '127.0.0.2:6201->127.0.1.2:51446'. */
  connection: string;
  /** e.g. LISTEN, ESTABLISHED, CLOSE_WAIT, TIME_WAIT, CLOSED. */
  state: string;
  rxFifo: number | null;
  txFifo: number | null;
}

export interface StartVppOptions {
  /** VPP's TCP gives up on a connection whose peer half-closed after this many seconds unless the app closes it (VPP default 2). */
  tcpCloseWaitSec?: number;
  /**
   * unix { poll-sleep-usec }. Default 0, VPP's own: its main loop waits in epoll until an app signals it (with
   * private rx mqs; without them VPP's session node polls and takes a core). N > 0 sleeps N µs before every poll.
   */
  pollSleepUsec?: number;
  /** session { use-private-rx-mqs }. Default true. */
  privateRxMqs?: boolean;
  /** memory { main-heap-size }. Default '512M'. */
  mainHeap?: string;
  /** Extra words inside session { }, e.g. 'evt_qs_memfd_seg'. */
  extraSession?: string;
  /** cpu { main-core }. Default 0. */
  mainCore?: number;
  /** tls { ca-cert-path }: the CA certificates VPP's TLS checks servers against. */
  tlsCaFile?: string;
  /** cpu { workers }: VPP worker threads. Default VPP_WORKERS, else 0. */
  workers?: number;
  /** Run dir to use; default a fresh $TMPDIR/vppnet-vpp-XXXXXX. */
  runDir?: string;
  /** How long to wait for the CLI to answer. Default 30000. */
  timeoutMs?: number;
  /** Leave VPP running when this process exits (vpp-instance.js up). Default false. */
  persistent?: boolean;
  found?: VppPaths;
  testAddr?: string;
  peerAddr?: string;
  peerSecret?: number;
}

export interface VppInstance {
  readonly runDir: string;
  readonly pid: number;
  readonly configFile: string;
  readonly prefix: string;
  readonly vpp: string;
  readonly vppctl: string;
  readonly libDir: string;
  readonly cliSocket: string;
  readonly apiSocket: string;
  /** Attach socket of app namespace 'default' (runDir/app_ns_sockets/default). */
  readonly appSocket: string;
  /** Attach socket of app namespace 'peer' (FIB table 1). */
  readonly peerAppSocket: string;
  /** loop0, table 0, namespace 'default': 127.0.0.2. */
  readonly testAddr: string;
  /** loop0's IPv6 address (fd00::2): IPv6 inside VPP: cut-through in namespace 'default', VPP's TCP from 'peer'. */
  readonly testAddr6: string;
  /** loop1, table 1, namespace 'peer': 127.0.1.2. */
  readonly peerAddr: string;
  /** loop1's IPv6 address (fd01::2): IPv6 through VPP's TCP from namespace 'default'. */
  readonly peerAddr6: string;
  readonly loopIf: string;
  readonly peerLoopIf: string;
  readonly privateRxMqs: boolean;
  readonly pollSleepUsec: number;
  /** VCL_CONFIG, VCL_CONFIG_GLOBAL, VCL_CONFIG_PEER for VPP's C test peers. */
  readonly vclConfigs: Record<string, string>;
  /** Wall time from spawn to configured topology, in ms. */
  readonly startMs: number;
  cli(cmd: string, opts?: { timeoutMs?: number }): Promise<string>;
  cliSync(cmd: string, opts?: { timeoutMs?: number }): string;
  /** A command that prints nothing on success; rejects with its output otherwise. */
  configure(cmd: string): Promise<void>;
  sessions(): Promise<VppSession[]>;
  alive(): boolean;
  kill(signal?: NodeJS.Signals | number): boolean;
  stop(opts?: { timeoutMs?: number }): Promise<void>;
  logTail(lines?: number): string;
  /** null when VPP runs, answers its CLI and printed no signal; else what went wrong, with its backtrace. */
  health(opts?: { killed?: boolean; cli?: boolean }): string | null;
  env(): Record<string, string>;
}

interface HarnessModule {
  findVpp(opts?: { prefix?: string }): FindVppResult;
  startVpp(opts?: StartVppOptions): Promise<VppInstance>;
  attachVpp(runDir: string): VppInstance;
  stopRunDir(runDir: string, opts?: { timeoutMs?: number }): Promise<{ pid: number; wasRunning: boolean }>;
  parseSessions(text: string): VppSession[];
  formatEnv(env: Record<string, string>): string;
  reapStale(tmpDir?: string): number;
  pidAlive(pid: number): boolean;
}

// One implementation for jest and plain node: the CommonJS module, typed here.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const harness: HarnessModule = require('../../scripts/vpp-harness.js');

export const {
  findVpp, startVpp, attachVpp, stopRunDir, parseSessions, formatEnv, reapStale, pidAlive,
} = harness;

/** Why real-VPP tests cannot run here, or null when they can. */
export function vppSkipReason(): string | null {
  if (process.env.VPPNET_SKIP_VPP === '1') return 'VPPNET_SKIP_VPP=1';
  const found = findVpp();
  return 'missing' in found ? found.missing : null;
}

/** The installed VPP has this plugin (e.g. 'http', 'hs_apps'). */
export function vppHasPlugin(name: string): boolean {
  const found = findVpp();
  if ('missing' in found) return false;
  return fs.existsSync(path.join(found.pluginDir, `${name}_plugin.so`));
}

// --- skipped-test accounting: one loud line per test file -------------------

interface CircusBlock { type?: string; children?: CircusBlock[] }

// jest-circus keeps its state under a private Symbol('JEST_STATE_SYMBOL') on
// the test global; its describe tree is the exact count of what fn defined
// (test.each rows included).
function circusBlock(): CircusBlock | undefined {
  const g = globalThis as unknown as Record<symbol, { currentDescribeBlock?: CircusBlock } | undefined>;
  const sym = Object.getOwnPropertySymbols(g).find((s) => s.description === 'JEST_STATE_SYMBOL');
  return sym ? g[sym]?.currentDescribeBlock : undefined;
}

function countTests(block: CircusBlock): number {
  let n = 0;
  for (const child of block.children ?? []) n += child.type === 'test' ? 1 : countTests(child);
  return n;
}

function currentTestFile(): string {
  const testPath = expect.getState().testPath;
  return testPath ? path.relative(process.cwd(), testPath) : '<unknown file>';
}

const pendingSkips = new Map<string, { count: number; reasons: Set<string> }>();

/**
 * Record that `count` tests of the current file were registered as skipped
 * because of `reason`. The line is printed once per file, after the file has
 * been collected (a microtask runs after jest's synchronous require of it).
 */
export function noteSkipped(count: number, reason: string, what = 'real-VPP'): void {
  const file = currentTestFile();
  const key = `${file}\0${what}`;
  let entry = pendingSkips.get(key);
  if (!entry) {
    entry = { count: 0, reasons: new Set() };
    pendingSkips.set(key, entry);
    queueMicrotask(() => {
      pendingSkips.delete(key);
      const e = entry!;
      process.stderr.write(`\n*** SKIPPED ${e.count} ${what} tests in ${file}: ${[...e.reasons].join('; ')} ***\n\n`);
    });
  }
  entry.count += count;
  entry.reasons.add(reason);
}

/**
 * Register `fn` as a describe block with tests marked skipped, count them and
 * report the reason. For tests that need more than VPP (e.g. network
 * namespaces).
 */
export function describeSkipped(title: string, reason: string, fn: () => void, what = 'real-VPP'): void {
  describe.skip(title, () => {
    // Fallback count if the circus state is not reachable: direct test()/it() calls.
    const g = globalThis as unknown as { test: jest.It; it: jest.It };
    const saved = { test: g.test, it: g.it };
    let calls = 0;
    const counting = (orig: jest.It): jest.It =>
      Object.assign((...args: Parameters<jest.It>) => { calls++; return orig(...args); }, orig);
    g.test = counting(saved.test);
    g.it = counting(saved.it);
    try {
      fn();
    } finally {
      g.test = saved.test;
      g.it = saved.it;
    }
    const block = circusBlock();
    noteSkipped(block ? countTests(block) : calls, reason, what);
  });
}

export interface DescribeVppOptions extends StartVppOptions {
  /** beforeAll timeout: start + topology. Default 60000. */
  startTimeoutMs?: number;
}

/**
 * A describe block with one private VPP for all its tests: started in
 * beforeAll, stopped in afterAll. `fn` gets a getter for the instance:
 *
 *   describeVpp('attach', (vpp) => {
 *     test('show version', async () => {
 *       expect(await vpp().cli('show version')).toMatch(/^vpp v/);
 *     });
 *   });
 *
 * Without VPP (or with VPPNET_SKIP_VPP=1) the tests are registered as skipped
 * and one line per file says how many and why. With VPPNET_REQUIRE_VPP=1 a
 * missing VPP fails instead (CI jobs that built VPP).
 */
export function describeVpp(title: string, fn: (vpp: () => VppInstance) => void, opts: DescribeVppOptions = {}): void {
  const reason = vppSkipReason();
  const noVpp = (): VppInstance => {
    throw Object.assign(new Error(`no VPP instance: ${reason}`), { code: 'ERR_VPP_NOT_FOUND' });
  };
  if (reason && process.env.VPPNET_REQUIRE_VPP === '1' && process.env.VPPNET_SKIP_VPP !== '1') {
    describe(title, () => {
      test('VPP is installed (VPPNET_REQUIRE_VPP=1)', () => {
        throw Object.assign(new Error(reason), { code: 'ERR_VPP_NOT_FOUND' });
      });
    });
    return;
  }
  if (reason) {
    describeSkipped(title, reason, () => fn(noVpp));
    return;
  }
  const { startTimeoutMs = 60000, ...startOpts } = opts;
  describe(title, () => {
    let inst: VppInstance | undefined;
    let startError: Error | undefined;
    beforeAll(async () => {
      try {
        inst = await startVpp(startOpts);
      } catch (err) {
        startError = err as Error;
        throw err;
      }
    }, startTimeoutMs);
    afterAll(async () => {
      await inst?.stop();
    }, 30000);
    fn(() => {
      if (!inst) {
        throw Object.assign(new Error(`VPP did not start: ${startError?.message ?? 'beforeAll has not run'}`),
          { code: 'ERR_VPP_START' });
      }
      return inst;
    });
    // registered after fn's tests, so it runs last: the file fails if VPP died
    vppStaysUp(() => inst);
  });
}

/**
 * The last test of a real-VPP file: VPP is shared by every app on a host,
 * and taking it down is the worst bug vppnet can have. Fails with VPP's
 * backtrace when VPP died, stopped answering or printed a signal.
 * `killed`: the file stopped this instance on purpose (then only VPP's output counts).
 */
export function vppStaysUp(inst: () => VppInstance | undefined, killed: () => boolean = () => false): void {
  let told = false;
  afterEach(() => {
    const i = inst();
    const problem = i && !told && !killed() ? i.health({ cli: false }) : null;
    told ||= problem !== null;
    if (problem) process.stderr.write(`\n*** VPP is down after "${expect.getState().currentTestName}": ${problem}\n`);
  });
  test('VPP is still alive and printed no signal', () => {
    const i = inst();
    if (!i) throw new Error('VPP did not start');
    const problem = i.health({ killed: killed() });
    if (problem) throw new Error(problem);
  });
}
