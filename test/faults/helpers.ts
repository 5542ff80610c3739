/**
 * Shared pieces of the fault tests: resource accounting (fds, memfd mappings,
 * RSS), bounded waiting, servers and streams through the public API, and a
 * describe block that owns its VPP (tests here kill and restart it).
 */
import { once } from 'events';
import * as fs from 'fs';
import * as v8 from 'v8';
import * as vm from 'vm';
import * as vppnet from '../../glue/index';
import { loadHost, type Host } from '../../glue/host';
import type { Stack } from '../../glue/vpp/stack';
import { vppHandleOf } from '../../glue/bind';
import { describeSkipped, startVpp, vppSkipReason, vppStaysUp, type StartVppOptions, type VppInstance } from '../vpp/harness';

export type Engine = 'wasm' | 'native';
export const ENGINES: Engine[] = ['wasm', 'native'];
export const SOAK = process.env.VPPNET_SOAK === '1';
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function until(what: string, ms: number, check: () => Promise<boolean> | boolean, step = 20): Promise<number> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(step);
  }
  return Date.now() - t0;
}

/**
 * fds, memfd mappings and memory of this process, after a full GC has settled. RSS is split
 * the way the kernel counts it: `shmem` is pages of mapped VPP segments (they
 * belong to the segment, go with its mapping, and grow as VPP places fifos in
 * fresh parts of it), `anon` is this process's own memory (heap, malloc, WASM
 * memory), where a leak would show; `heap` is V8's live heap.
 */
export interface Resources { fds: number; maps: number; rss: number; anon: number; shmem: number; heap: number }
v8.setFlagsFromString('--expose-gc');
const fullGc = vm.runInNewContext('gc') as () => void;
function statusKib(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}
export async function resources(host: Host = loadHost()): Promise<Resources> {
  // V8 frees ArrayBuffer and WASM memory backing stores on a background thread after a GC, so RSS read
  // right after gc() can still hold tens of MiB that are already garbage (seen: -33 .. +51 MiB between
  // two reads of the same steady state). Collect and re-read until anon RSS holds still.
  let prev = -1;
  for (let i = 0; i < 10; i++) {
    fullGc();
    await sleep(50);
    const anon = statusKib(fs.readFileSync('/proc/self/status', 'utf8'), 'RssAnon');
    if (prev >= 0 && Math.abs(anon - prev) < (1 << 20)) break;
    prev = anon;
  }
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  return {
    fds: host.openFdCount(), maps: host.mappingCount(), rss: process.memoryUsage().rss,
    anon: statusKib(status, 'RssAnon'), shmem: statusKib(status, 'RssShmem'), heap: process.memoryUsage().heapUsed,
  };
}
export const mib = (n: number) => (n / (1 << 20)).toFixed(1) + ' MiB';
export function fmt(r: Resources): string {
  return `fds ${r.fds}, memfd mappings ${r.maps}, rss ${mib(r.rss)} (anon ${mib(r.anon)}, shmem ${mib(r.shmem)}), heap ${mib(r.heap)}`;
}
const signed = (n: number, f: (n: number) => string = String) => (n < 0 ? '-' : '+') + f(Math.abs(n));
/** The growth from `a` to `b`, for the bound checks' messages. */
export function delta(a: Resources, b: Resources): string {
  return `fds ${signed(b.fds - a.fds)}, mappings ${signed(b.maps - a.maps)}, anon ${signed(b.anon - a.anon, mib)}, ` +
    `shmem ${signed(b.shmem - a.shmem, mib)}, heap ${signed(b.heap - a.heap, mib)}`;
}
/**
 * What a churn run may leave behind: no fd, no mapping; this process's own
 * memory within 32 MiB (allocator and JIT noise, +2..+4 MiB measured once the
 * GC has settled; one leaked 32 MiB fifo segment or 3.3 KiB per session over
 * 10,000 sessions is more), its live heap within 16 MiB.
 */
export const CHURN_BOUND = { fds: 0, maps: 0, anon: 32 << 20, heap: 16 << 20 };
export function expectWithinChurnBound(start: Resources, end: Resources): void {
  expect(end.fds - start.fds).toBeLessThanOrEqual(CHURN_BOUND.fds);
  expect(end.maps - start.maps).toBeLessThanOrEqual(CHURN_BOUND.maps);
  expect(end.anon - start.anon).toBeLessThan(CHURN_BOUND.anon);
  expect(end.heap - start.heap).toBeLessThan(CHURN_BOUND.heap);
}
export const churnBoundText = `bound: fds +${CHURN_BOUND.fds}, mappings +${CHURN_BOUND.maps}, anon +${mib(CHURN_BOUND.anon)}, heap +${mib(CHURN_BOUND.heap)}`;

/** Options of one attachment: cut-through capable on the default namespace, or VPP TCP from 'peer'. */
export function vppOpts(inst: VppInstance, engine: Engine, where: 'default' | 'peer' = 'default', mode: 'vpp' | 'auto' = 'vpp') {
  return {
    mode, engine,
    appSocket: where === 'default' ? inst.appSocket : inst.peerAppSocket,
    scope: where === 'default' ? ('both' as const) : ('global' as const),
  };
}

export function listen(srv: vppnet.Server | import('net').Server, host = '0.0.0.0'): Promise<number> {
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, host, () => { srv.removeListener('error', reject); resolve((srv.address() as { port: number }).port); });
  });
}

export function closeServer(srv: { close(cb?: (err?: Error) => void): unknown }): Promise<void> {
  return new Promise((r) => { srv.close(() => r()); });
}

/**
 * The stack (VPP attachment) of a VPP socket or server: the test-only way in
 * to shared memory. Remembered: node drops a socket's handle when it closes.
 */
export function stackOf(x: unknown): Stack {
  const s = vppHandleOf(x as { _handle?: object | null })?.stack ?? stacksSeen.get(x as object);
  if (!s) throw new Error('not a VPP socket/server');
  stacksSeen.set(x as object, s);
  return s;
}
const stacksSeen = new WeakMap<object, Stack>();

/**
 * A deterministic byte stream per id: byte p is pattern[(p + shift) % period]
 * (the period is prime-sized so streams do not line up). A receiver checks
 * every byte in order: loss, duplication or reordering is a mismatch.
 */
const PERIOD = (1 << 20) + 7;
const PATTERN = (() => {
  const b = Buffer.allocUnsafe(PERIOD * 2);
  let x = 0x9e3779b9;
  for (let i = 0; i < PERIOD; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[i] = x & 0xff; }
  b.copy(b, PERIOD, 0, PERIOD);
  return b;
})();
export function streamBytes(id: number, pos: number, len: number): Buffer {
  const start = (pos + id * 7919) % PERIOD;
  if (len <= PERIOD) return PATTERN.subarray(start, start + len);
  throw new RangeError('len too large');
}
export class StreamChecker {
  pos = 0;
  bad = -1;
  constructor(readonly id: number) {}
  feed(d: Buffer) {
    if (this.bad >= 0) return;
    for (let off = 0; off < d.length;) {
      const n = Math.min(d.length - off, 1 << 20);
      const want = streamBytes(this.id, this.pos, n);
      if (Buffer.compare(want, d.subarray(off, off + n)) !== 0) {
        let i = 0;
        while (want[i] === d[off + i]) i++;
        this.bad = this.pos + i;
        return;
      }
      this.pos += n;
      off += n;
    }
  }
}

/** Resolves on 'drain' or 'close' (never rejects; errors are the caller's listeners' business). */
export function drainOrClose(s: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { s.removeListener('drain', done); s.removeListener('close', done); resolve(); };
    s.on('drain', done);
    s.on('close', done);
  });
}

/** Resolves on 'close' (unlike events.once, an 'error' first does not reject). */
export function closed(s: NodeJS.EventEmitter & { closed?: boolean }): Promise<void> {
  return new Promise((resolve) => { if (s.closed) resolve(); else s.once('close', () => resolve()); });
}

/** Write the stream of `id` on `s` until stop() says so or `total` bytes went; resolves with the byte count. */
export async function pump(s: vppnet.Socket, id: number, stop: () => boolean, total = Infinity, chunk = 64 << 10): Promise<number> {
  let pos = 0;
  while (!stop() && pos < total && !s.destroyed) {
    const n = Math.min(chunk, total - pos);
    const ok = s.write(streamBytes(id, pos, n));
    pos += n;
    if (!ok) await drainOrClose(s);
  }
  return pos;
}

/**
 * A describe block that owns its VPP: started in beforeAll, stopped in
 * afterAll; tests may kill it and start another on the same run dir (same app
 * socket paths) through `restart`.
 */
export function describeOwnVpp(title: string, fn: (ctl: {
  vpp: () => VppInstance;
  restart: () => Promise<VppInstance>;
  kill: () => Promise<void>;
  cleanup: () => Promise<void>;
}) => void, opts: StartVppOptions = {}): void {
  const reason = vppSkipReason();
  const noVpp = (): VppInstance => { throw new Error(`no VPP: ${reason}`); };
  if (reason) {
    describeSkipped(title, reason, () => fn({ vpp: noVpp, restart: async () => noVpp(), kill: async () => { noVpp(); }, cleanup: async () => { noVpp(); } }));
    return;
  }
  describe(title, () => {
    let inst: VppInstance | undefined;
    let runDir: string | undefined;
    let killed = false;
    beforeAll(async () => { inst = await startVpp(opts); runDir = inst.runDir; }, 60000);
    afterAll(async () => { await inst?.stop(); }, 30000);
    fn({
      vpp: () => { if (!inst) throw new Error('VPP did not start'); return inst; },
      /** SIGKILL VPP; its run dir (and app socket file, now refusing connections) stays until restart. */
      kill: async () => {
        const old = inst!;
        killed = true;
        old.kill('SIGKILL');
        await until('VPP to die', 5000, () => !old.alive());
      },
      /** Remove the dead VPP's run dir: the app socket path disappears. */
      cleanup: async () => { await inst?.stop(); },
      restart: async () => {
        if (inst) await inst.stop();
        inst = undefined;
        inst = await startVpp({ ...opts, runDir });
        killed = false;
        return inst;
      },
    });
    vppStaysUp(() => inst, () => killed);
  });
}
