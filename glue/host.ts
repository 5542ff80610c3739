/**
 * The native addon (host/): syscalls only — the app socket with fd passing,
 * memfd mappings, eventfd polling — plus the core compiled natively. Loaded
 * lazily and once; a missing build is an error that says how to make one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Opaque handle to a natively compiled core (an N-API External). */
export interface NativeCore { readonly __brand: 'vppnet.NativeCore' }

/** What `sapiRecv` returns: one datagram and the fds that came with it (close them!). */
export interface SapiDatagram { msg: Buffer; fds: number[] }

/** A uv_poll_t on an eventfd; the callback runs once per wake-up with the counter read. */
export interface EventfdWatch {
  close(): void;
  ref(): this;
  unref(): this;
  hasRef(): boolean;
}

/** Native wrappers of the core functions: `vn_<name>(core, ...args)`, one per CoreApi method. */
type CoreWrappers = {
  [K in keyof import('./engine/boundary.generated').CoreApi as `vn_${K & string}`]:
    (core: NativeCore, ...args: Parameters<import('./engine/boundary.generated').CoreApi[K]>) => number
};

/**
 * Every function of vppnet_host.node. Errors are Node-style: `code`, negative
 * `errno`, `syscall`, and `path` where one applies. Addresses are JS numbers.
 */
export interface Host extends CoreWrappers {
  // ---- app socket (AF_UNIX SOCK_SEQPACKET, 209-byte messages) ----
  /** Connect to VPP's app socket; returns a nonblocking, close-on-exec fd. Default timeout 5000 ms. */
  sapiConnect(path: string, timeoutMs?: number): number;
  /** Send one message of exactly 209 bytes (EINVAL otherwise). Default timeout 5000 ms (ETIMEDOUT).
   * `data` (1..20000 bytes) follows at once as one more datagram (ADD_DEL_CERT_KEY's cert and key). */
  sapiSend(fd: number, msg: Uint8Array, timeoutMs?: number, data?: Uint8Array): void;
  /** Receive one datagram and up to 16 SCM_RIGHTS fds (close-on-exec). ETIMEDOUT, ECONNRESET on EOF,
   * EMSGSIZE (fds closed) when longer than 209 bytes or carrying too many fds. Default timeout 5000 ms. */
  sapiRecv(fd: number, timeoutMs?: number): SapiDatagram;

  // ---- fds ----
  fdSize(fd: number): number;
  /** "dev:ino" of the file behind fd: one memfd sent twice is one file. */
  fdIdentity(fd: number): string;
  closeFd(fd: number): void;
  /** Add 1 to an eventfd's counter (EAGAIN ignored). */
  eventfdWrite(fd: number): void;
  /** Read and reset an eventfd's counter without blocking; 0 if nothing pending. */
  eventfdRead(fd: number): number;
  /** Watch an eventfd: O_NONBLOCK is set on it; cb(null, count) once per wake-up, cb(err, 0) on a poll error. */
  watch(fd: number, cb: (err: Error | null, count: number) => void): EventfdWatch;
  /** Watch a socket for its peer closing (never reads it): cb once, then the watch stops. */
  watchHangup(fd: number, cb: (err: Error | null) => void): EventfdWatch;

  // ---- mappings ----
  readonly pageSize: number;
  /** Address of byte 0 of the (Shared)ArrayBuffer under `u8`, e.g. `new Uint8Array(memory.buffer)`. */
  wasmBase(u8: Uint8Array): number;
  /** mmap(addr, size, RW, MAP_SHARED|MAP_FIXED, fd, 0). addr/size page aligned and size <= the fd's size, else EINVAL. */
  mapFixed(addr: number, size: number, fd: number): void;
  /** Zero pages (private anonymous, MAP_FIXED) back over [addr, addr+size): the range stays valid memory. */
  unmapFixed(addr: number, size: number): void;
  /** mmap(NULL, size, RW, MAP_SHARED, fd, 0) -> addr. size <= the fd's size, else EINVAL. */
  mapAnywhere(fd: number, size: number): number;
  unmap(addr: number, size: number): void;
  /** A Uint8Array over raw memory (no copy). The caller keeps the memory alive. */
  view(addr: number, len: number): Uint8Array;

  // ---- accounting (tests) ----
  /** Entries of /proc/self/fd. */
  openFdCount(): number;
  /** Lines of /proc/self/maps naming a memfd. */
  mappingCount(): number;
  /** Test fixtures: a memfd of `size` bytes; a blocking eventfd (as VPP makes them). */
  testMemfd(size: number): number;
  testEventfd(): number;

  // ---- the native core ----
  /** Name -> arity (without the core) of every vn_* wrapper, from host/src/core_functions.generated.h. */
  readonly coreFunctions: Readonly<Record<string, number>>;
  coreNew(maxSessions: number, eventCap: number): NativeCore;
  /** Frees the core now; its scratch/events views become detached (length 0); later calls throw ESHUTDOWN. */
  coreFree(core: NativeCore): void;
  /** VN_SCRATCH_SIZE bytes over the core's scratch buffer (no copy; the same object each call). */
  coreScratch(core: NativeCore): Uint8Array;
  /** eventCap * VN_EVENT_WORDS words over the core's event ring (no copy; the same object each call). */
  coreEvents(core: NativeCore): Uint32Array;
  /** vn_tx_reserve + memcpy + vn_tx_commit: bytes taken, 0 when full, or -errno. */
  coreSend(core: NativeCore, sid: number, data: Uint8Array): number;
  /** vn_rx_peek + memcpy into the caller's buffer + vn_rx_release: bytes copied (0 when empty) or -errno. */
  coreRecvInto(core: NativeCore, sid: number, into: Uint8Array): number;
  /** One read: a Buffer of what was there (up to max), null when empty, or -errno. */
  coreRecv(core: NativeCore, sid: number, max: number): Buffer | null | number;
  /** The next datagram's payload (up to max), its sender in scratch; or -errno (VN_EAGAIN: none). */
  coreDgramRecv(core: NativeCore, sid: number, max: number): Buffer | number;
  /** One datagram (addresses in scratch): its length, 0 no room now, or -errno. */
  coreDgramSend(core: NativeCore, sid: number, data: Uint8Array, isIp4: number, port: number): number;
  /** vn_region_alloc: a page-aligned region (ENOMEM thrown on failure). */
  regionAlloc(size: number): number;
  regionFree(addr: number): void;
}

const ADDON = 'vppnet_host.node';
let cached: Host | undefined;

/** The package root: the nearest directory up from here whose package.json is named "vppnet". */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (pkg && pkg.name === 'vppnet') return dir;
    } catch { /* no package.json here, or not JSON */ }
    if (path.dirname(dir) === dir) throw new Error(`vppnet: no package.json named "vppnet" above ${from}`);
  }
}

/** The paths loadHost() tries, in order: a local build, then the package's prebuilt one for this machine. */
export function hostCandidates(root: string = packageRoot()): string[] {
  const built = ['Release', 'Debug'].map((b) => path.join(root, 'host', 'build', b, ADDON));
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { prebuildDir } = require(path.join(root, 'scripts', 'platform.js')) as { prebuildDir(): string };
  return [...built, path.join(root, prebuildDir(), ADDON)];
}

/** Load the addon (cached). Throws code 'ERR_VPPNET_NO_ADDON' naming every path tried. */
export function loadHost(): Host {
  if (cached) return cached;
  let candidates: string[] = [];
  try { candidates = hostCandidates(); } catch { /* reported below as "no package root" */ }
  cached = loadHostFrom(candidates);
  return cached;
}

/** Load the first candidate that exists and loads (not cached; loadHost() is the entry point). */
export function loadHostFrom(candidates: string[]): Host {
  const tried: string[] = [];
  for (const p of candidates) {
    if (!fs.existsSync(p)) { tried.push(`${p} (not found)`); continue; }
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      return require(p) as Host;
    } catch (e) {
      tried.push(`${p} (${(e as Error).message.split('\n')[0]})`);
    }
  }
  const err = new Error(`vppnet: the native addon could not be loaded; tried:\n  ${tried.join('\n  ') || `(no package root above ${__dirname})`}\n` +
    'run "make addon" in a checkout, or reinstall the package (needs a C/C++ toolchain where no prebuilt addon fits)') as Error & { code: string };
  err.code = 'ERR_VPPNET_NO_ADDON';
  throw err;
}
