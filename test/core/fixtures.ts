/**
 * A fake VPP for the core's tests: it lays out, inside regions of the engine's
 * own memory, exactly what VPP would put into shared memory (segments, message
 * queues, fifos, chunk freelists) and plays VPP's side of the protocol
 * (docs/protocol.md; section numbers in comments are its).
 *
 * Everything is little-endian and written at the doc's byte offsets through a
 * DataView; nothing here shares code or structs with the C core, so the tests
 * check the core against the protocol, not against itself.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Engine, EngineKind } from '../../glue/engine/types';
import { VN as GEN_VN } from '../../glue/engine/boundary.generated';

export const ROOT = path.resolve(__dirname, '../..');

// ---------------------------------------------------------------- constants
// The header's (VN_X as VN.X, VN_EV_X as EV.X), generated from vppnet_core.h by
// scripts/gen-boundary.js; layout.test.ts checks them against the header again.
export const VN = GEN_VN;
export const EV = GEN_VN.EV;

/** session_evt_type_t (§7.3). */
export const T = {
  IO_RX: 0, IO_TX: 1, IO_TX_FLUSH: 2, IO_TX_MAIN: 4, RESET: 8, BOUND: 9, UNLISTEN_REPLY: 10, ACCEPTED: 11,
  ACCEPTED_REPLY: 12, CONNECTED: 13, DISCONNECTED: 14, DISCONNECTED_REPLY: 15, RESET_REPLY: 16,
  SHUTDOWN: 20, DISCONNECT: 21, CONNECT: 22, LISTEN: 24, UNLISTEN: 26, APP_DETACH: 27,
  APP_ADD_SEGMENT: 28, APP_DEL_SEGMENT: 29, MIGRATED: 30, CLEANUP: 31, TERMINATE: 38,
} as const;

export const SAPI = { ATTACH: 1, ATTACH_REPLY: 2 } as const;
export const FSH_OFFSET = 8192;            // ssvm opaque[0] as VPP sets it with 4 KiB pages (§4.1)
export const FSH_HDR = 128;                // §4.4
export const SLICE_SIZE = 192;
export const FIFO_HDR = 192;               // svm_fifo_shared_t (§6.1)
export const CHUNK_HDR = 24;               // §6.2
export const Q_SLOTS = 120;                // slot array offset from Q (§5.1)
export const RING_HDR = 20;
export const IO_ELT = 18, CTRL_ELT = 256;
export const WANT_DEQ_NOTIF = 1, WANT_DEQ_NOTIF_IF_FULL = 2, WANT_DEQ_NOTIF_IF_EMPTY = 4;
const TAG_MASK = 0xFFFF000000000000n, OFF_MASK = 0x0000FFFFFFFFFFFFn, TAG_ONE = 1n << 48n;

// ---------------------------------------------------------------- engines
const ENGINE_ARTEFACTS: Record<EngineKind, string[]> = {
  wasm: ['glue/engine/index.ts', 'glue/engine/wasm.ts', 'wasm/build/vppnet_core.wasm'],
  native: ['glue/engine/index.ts', 'glue/engine/native.ts', 'host/build/Release/vppnet_host.node'],
};

/** Why an engine cannot run here, or null if its artefacts exist (a broken artefact then fails loudly). */
export function engineUnavailable(kind: EngineKind): string | null {
  const missing = ENGINE_ARTEFACTS[kind].filter((f) => !fs.existsSync(path.join(ROOT, f)));
  return missing.length ? `missing ${missing.join(', ')}` : null;
}

export async function newEngine(kind: EngineKind, opts: { maxSessions?: number; eventCap?: number } = {}): Promise<Engine> {
  // Loaded lazily so a missing engine skips instead of failing the file.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mod = require(path.join(ROOT, 'glue/engine/index'));
  return await mod.createEngine(kind, { maxSessions: 64, eventCap: 64, ...opts });
}

/**
 * describe.each over both engines. An engine that cannot load is skipped with
 * one printed line giving the reason and how many tests were skipped.
 */
export function forEachEngine(title: string, body: (ctx: EngineCtx) => void): void {
  for (const kind of ['wasm', 'native'] as EngineKind[]) {
    const why = engineUnavailable(kind);
    const ctx = new EngineCtx(kind);
    let count = 0;
    const counted = (name: string, fn: () => unknown, timeout?: number) => { count++; test(name, fn as any, timeout ?? 10_000); };
    ctx.test = counted;
    (why ? describe.skip : describe)(`${title} [${kind}]`, () => {
      if (!why) {
        beforeEach(async () => { ctx.engine = await newEngine(kind, ctx.opts); });
        afterEach(() => { ctx.engine?.dispose(); ctx.engine = undefined; });
      }
      body(ctx);
    });
    if (why) {
      process.stderr.write(`[core tests] SKIPPED ${kind} engine for "${title}": ${why} — ${count} tests not run\n`);
    }
  }
}

export class EngineCtx {
  engine?: Engine;
  opts: { maxSessions?: number; eventCap?: number } = {};
  test!: (name: string, fn: () => unknown, timeout?: number) => void;
  constructor(readonly kind: EngineKind) {}
  get eng(): Engine { if (!this.engine) throw new Error('engine not created'); return this.engine; }
}

// ---------------------------------------------------------------- memory
/** A window on core memory that re-creates its views when WASM memory grows (old buffer detached). */
export class Mem {
  private u8?: Uint8Array;
  private dv?: DataView;
  constructor(readonly eng: Engine, readonly base: number, readonly size: number) {}
  bytes(): Uint8Array {
    if (!this.u8 || this.u8.byteLength === 0 || this.u8.byteLength !== this.size) {
      this.u8 = this.eng.view(this.base, this.size);
      this.dv = new DataView(this.u8.buffer, this.u8.byteOffset, this.u8.byteLength);
    }
    return this.u8;
  }
  d(): DataView { this.bytes(); return this.dv!; }
  u8at(o: number) { return this.d().getUint8(o); }
  u16(o: number) { return this.d().getUint16(o, true); }
  u32(o: number) { return this.d().getUint32(o, true); }
  i32(o: number) { return this.d().getInt32(o, true); }
  u64(o: number) { return this.d().getBigUint64(o, true); }
  set8(o: number, v: number) { this.d().setUint8(o, v); }
  set16(o: number, v: number) { this.d().setUint16(o, v, true); }
  set32(o: number, v: number) { this.d().setUint32(o, v >>> 0, true); }
  set64(o: number, v: bigint | number) { this.d().setBigUint64(o, BigInt.asUintN(64, BigInt(v)), true); }
  write(o: number, b: Uint8Array) { this.bytes().set(b, o); }
  read(o: number, n: number): Uint8Array { return this.bytes().slice(o, o + n); }
}

/** A byte buffer with little-endian field setters at explicit offsets (messages). */
export class Msg {
  readonly b: Uint8Array;
  readonly d: DataView;
  constructor(size: number) { this.b = new Uint8Array(size); this.d = new DataView(this.b.buffer); }
  u8(o: number, v: number) { this.d.setUint8(o, v); return this; }
  u16(o: number, v: number) { this.d.setUint16(o, v, true); return this; }
  be16(o: number, v: number) { this.d.setUint16(o, v, false); return this; }
  u32(o: number, v: number) { this.d.setUint32(o, v >>> 0, true); return this; }
  u64(o: number, v: bigint | number) { this.d.setBigUint64(o, BigInt.asUintN(64, BigInt(v)), true); return this; }
  bytes(o: number, v: Uint8Array) { this.b.set(v, o); return this; }
}

export const ip4 = (a: number, b: number, c: number, d: number) => { const ip = new Uint8Array(16); ip.set([a, b, c, d], 12); return ip; };

/** transport_endpoint_t (28 bytes, §7.1). */
export function endpoint(m: Msg, o: number, ip: Uint8Array, port: number, isIp4 = 1) {
  m.bytes(o, ip).be16(o + 16, port).u8(o + 18, isIp4);
}

// ---------------------------------------------------------------- segments
/** A fifo segment laid out as VPP does (§4.2, §4.4). Offsets in methods are from the fsh. */
export class Segment {
  readonly mem: Mem;
  readonly fsh = FSH_OFFSET;
  constructor(readonly eng: Engine, readonly base: number, readonly size: number, init = true) {
    this.mem = new Mem(eng, base, size);
    if (init) this.init();
  }
  static alloc(eng: Engine, size: number, init = true): Segment {
    const base = eng.allocRegion(size);
    if (!base) throw new Error(`allocRegion(${size}) failed`);
    return new Segment(eng, base, size, init);
  }
  init() {
    const m = this.mem;
    m.bytes().fill(0, 0, this.fsh + FSH_HDR + SLICE_SIZE);
    m.set64(32, this.size);            // ssvm_size
    m.set32(40, 4242);                 // server_pid
    m.set64(56, this.fsh);             // opaque[0] = fsh offset
    m.set32(112, 1);                   // ready
    m.set32(116, 1);                   // type = memfd
    const start = FSH_HDR + SLICE_SIZE; // one slice
    m.set32(this.fsh + 16, 22);        // max_log2_fifo_size
    m.set8(this.fsh + 20, 1);          // n_slices
    this.setByteIndex(start);
    m.set64(this.fsh + 72, this.size - this.fsh);  // max_byte_index
    m.set64(this.fsh + 80, start);                 // start_byte_index
    m.set32(this.fsh + 12, start);                 // n_reserved_bytes
  }
  // fsh-relative accessors
  u8(o: number) { return this.mem.u8at(this.fsh + o); }
  u32(o: number) { return this.mem.u32(this.fsh + o); }
  i32(o: number) { return this.mem.i32(this.fsh + o); }
  u64(o: number) { return this.mem.u64(this.fsh + o); }
  n64(o: number) { return Number(this.mem.u64(this.fsh + o)); }
  set8(o: number, v: number) { this.mem.set8(this.fsh + o, v); }
  set16(o: number, v: number) { this.mem.set16(this.fsh + o, v); }
  set32(o: number, v: number) { this.mem.set32(this.fsh + o, v); }
  set64(o: number, v: bigint | number) { this.mem.set64(this.fsh + o, v); }
  write(o: number, b: Uint8Array) { this.mem.write(this.fsh + o, b); }
  read(o: number, n: number) { return this.mem.read(this.fsh + o, n); }
  /** Address (in the core's space) of an fsh offset. */
  addr(o: number) { return this.base + this.fsh + o; }

  get byteIndex() { return this.n64(64); }
  setByteIndex(v: number) { this.set64(64, v); }
  get maxByteIndex() { return this.n64(72); }
  /** VPP's bump allocator (fixture side). */
  alloc(n: number, align = 64): number {
    const at = Math.ceil(this.byteIndex / align) * align;
    if (at + n > this.maxByteIndex) throw new Error(`fixture segment full: ${n} bytes at ${at}`);
    this.setByteIndex(at + n);
    return at;
  }

  // ---- slice 0 chunk freelists (§6.5)
  flHeadOff(i: number) { return FSH_HDR + 8 * i; }
  flHead(i: number) { return this.u64(this.flHeadOff(i)); }
  get nCachedBytes() { return this.u64(0); }
  get nFlChunkBytes() { return this.u64(FSH_HDR + 96); }
  /** Chunk offsets on freelist i, head first (bounded walk). */
  freelist(i: number): number[] {
    const out: number[] = [];
    let c = Number(this.flHead(i) & OFF_MASK);
    while (c && out.length < 100000) { out.push(c); c = this.n64(c + 8); }
    return out;
  }
  pushChunk(c: number) {
    const len = this.u32(c + 4);
    const i = sizeClass(len);
    const old = this.flHead(i);
    this.set64(c + 8, old & OFF_MASK);
    this.set64(this.flHeadOff(i), BigInt(c) | ((old + TAG_ONE) & TAG_MASK));
    this.set64(FSH_HDR + 96, this.nFlChunkBytes + BigInt(len));
    this.set64(0, this.nCachedBytes + BigInt(len));
  }
  popChunk(i: number): number {
    const old = this.flHead(i);
    const c = Number(old & OFF_MASK);
    if (!c) return 0;
    this.set64(this.flHeadOff(i), this.u64(c + 8) | ((old + TAG_ONE) & TAG_MASK));
    this.set64(c + 8, 0);
    const len = BigInt(this.u32(c + 4));
    this.set64(FSH_HDR + 96, this.nFlChunkBytes - len);
    this.set64(0, this.nCachedBytes - len);
    return c;
  }
  /** Carve a free chunk of `len` data bytes (not linked anywhere). */
  newChunk(len: number, startByte = 0): number {
    const c = this.alloc(CHUNK_HDR + len, 8);
    this.set32(c, startByte); this.set32(c + 4, len); this.set64(c + 8, 0);
    this.set32(c + 16, 0); this.set32(c + 20, 0);
    return c;
  }
}

export function sizeClass(bytes: number): number {
  if (bytes <= 4096) return 0;
  return Math.min(10, Math.ceil(Math.log2(bytes)) - 12);
}

// ---------------------------------------------------------------- message queues
export interface MqGeom { maxsize: number; ring0: number; ring1: number }
export const mqBytes = (g: MqGeom) => Q_SLOTS + 8 * g.maxsize + RING_HDR + g.ring0 * IO_ELT + RING_HDR + g.ring1 * CTRL_ELT;

export interface MqElt { ring: number; elt: number; data: Uint8Array }

/** An svm_msg_q at fsh offset q of a segment (§5.1). The fixture is VPP: producer of the app mq, consumer of the VPP-bound ones. */
export class Mq {
  constructor(readonly seg: Segment, readonly q: number) {}
  static create(seg: Segment, q: number, g: MqGeom): Mq {
    seg.write(q, new Uint8Array(mqBytes(g)));
    seg.set32(q, 2);                               // n_rings
    seg.set32(q + 108, g.maxsize);
    seg.set32(q + 112, 8);                         // elsize
    const mq = new Mq(seg, q);
    seg.set32(mq.ringOff(0) + 4, g.ring0); seg.set32(mq.ringOff(0) + 16, IO_ELT);
    seg.set32(mq.ringOff(1) + 4, g.ring1); seg.set32(mq.ringOff(1) + 16, CTRL_ELT);
    return mq;
  }
  get head() { return this.seg.u32(this.q + 96); }
  get tail() { return this.seg.u32(this.q + 100); }
  get cursize() { return this.seg.u32(this.q + 104); }
  get maxsize() { return this.seg.u32(this.q + 108); }
  ringOff(r: number): number {
    const r0 = this.q + Q_SLOTS + 8 * this.seg.u32(this.q + 108);
    if (r === 0) return r0;
    return r0 + RING_HDR + this.seg.u32(r0 + 4) * this.seg.u32(r0 + 16);
  }
  ring(r: number) {
    const o = this.ringOff(r);
    return { cursize: this.seg.u32(o), nitems: this.seg.u32(o + 4), head: this.seg.u32(o + 8), tail: this.seg.u32(o + 12), elsize: this.seg.u32(o + 16) };
  }
  /** Put the queue and both rings at an arbitrary position (wrap tests). */
  setPositions(slot: number, r0: number, r1: number) {
    this.seg.set32(this.q + 96, slot); this.seg.set32(this.q + 100, slot);
    for (const [r, p] of [[0, r0], [1, r1]]) { const o = this.ringOff(r); this.seg.set32(o + 8, p); this.seg.set32(o + 12, p); }
  }
  /** Producer, §5.2. Returns false when full (never overwrites). */
  produce(r: number, elt: Uint8Array): boolean {
    const s = this.seg, ro = this.ringOff(r), g = this.ring(r);
    if (this.cursize >= this.maxsize || g.cursize >= g.nitems) return false;
    const e = g.tail;
    s.set32(ro + 12, (e + 1) % g.nitems);
    s.set32(ro, g.cursize + 1);
    const eo = ro + RING_HDR + e * g.elsize;
    s.write(eo, new Uint8Array(g.elsize));
    s.write(eo, elt.subarray(0, g.elsize));
    const t = this.tail;
    s.set32(this.q + Q_SLOTS + 8 * t, r); s.set32(this.q + Q_SLOTS + 8 * t + 4, e);
    s.set32(this.q + 100, (t + 1) % this.maxsize);
    s.set32(this.q + 104, this.cursize + 1);
    return true;
  }
  /** IO event on ring 0 (§7.2). */
  io(type: number, sessionIndex: number): boolean {
    const m = new Msg(IO_ELT).u8(0, type).u32(2, sessionIndex);
    return this.produce(0, m.b);
  }
  /** Control event on ring 1: 2-byte header, message at element offset 2. */
  ctrl(type: number, msg: Msg | Uint8Array): boolean {
    const body = msg instanceof Msg ? msg.b : msg;
    const e = new Uint8Array(CTRL_ELT); e[0] = type; e.set(body.subarray(0, CTRL_ELT - 2), 2);
    return this.produce(1, e);
  }
  must(ok: boolean) { if (!ok) throw new Error('fixture: app mq full'); }
  /** Consumer, §5.3. Checks the producer's discipline (elt_index == ring head) like VPP does. */
  consume(): MqElt | null {
    const s = this.seg;
    if (this.cursize === 0) return null;
    const h = this.head;
    const ring = s.u32(this.q + Q_SLOTS + 8 * h), elt = s.u32(this.q + Q_SLOTS + 8 * h + 4);
    s.set32(this.q + 96, (h + 1) % this.maxsize);
    s.set32(this.q + 104, this.cursize - 1);
    if (ring > 1) throw new Error(`VPP-bound slot ${h}: ring_index ${ring}`);
    const ro = this.ringOff(ring), g = this.ring(ring);
    if (elt !== g.head) throw new Error(`VPP-bound slot ${h}: elt_index ${elt} != ring ${ring} head ${g.head} (producer order broken, §5.2)`);
    const data = s.read(ro + RING_HDR + elt * g.elsize, g.elsize);
    s.set32(ro + 8, (g.head + 1) % g.nitems);
    s.set32(ro, g.cursize - 1);
    return { ring, elt, data };
  }
  drain(): Posted[] { const out: Posted[] = []; for (let e; (e = this.consume());) out.push(decodePosted(e)); return out; }
}

// ---------------------------------------------------------------- what the core posts to VPP
export interface Posted {
  ring: number; type: number;
  /** IO: session_index. */ sessionIndex?: number;
  /** Decoded control fields (message offsets per §7). */ f: Record<string, number | bigint | Uint8Array>;
  raw: Uint8Array;
}

export function decodePosted(e: MqElt): Posted {
  const d = new DataView(e.data.buffer, e.data.byteOffset, e.data.byteLength);
  const type = e.data[0];
  if (e.ring === 0) return { ring: 0, type, sessionIndex: d.getUint32(2, true), f: { postponed: e.data[1] }, raw: e.data };
  const m = 2; // message starts at element byte 2
  const u32 = (o: number) => d.getUint32(m + o, true), i32 = (o: number) => d.getInt32(m + o, true);
  const u64 = (o: number) => d.getBigUint64(m + o, true), be16 = (o: number) => d.getUint16(m + o, false);
  const ip = (o: number) => e.data.slice(m + o, m + o + 16);
  let f: Posted['f'];
  switch (type) {
    case T.LISTEN: f = { client_index: u32(0), context: u32(4), wrk_index: u32(8), vrf: u32(12), port: be16(16), proto: e.data[m + 18], is_ip4: e.data[m + 19], ip: ip(20), flags: e.data[m + 36], ext_config: u64(37), dscp: e.data[m + 45] }; break;
    case T.CONNECT: f = { client_index: u32(0), context: u32(4), wrk_index: u32(8), vrf: u32(12), port: be16(16), lcl_port: be16(18), proto: e.data[m + 20], is_ip4: e.data[m + 21], ip: ip(22), lcl_ip: ip(38), parent_handle: u64(54), flags: e.data[m + 67], dscp: e.data[m + 68], ext_config: u64(69) }; break;
    case T.UNLISTEN: f = { client_index: u32(0), context: u32(4), wrk_index: u32(8), handle: u64(12) }; break;
    case T.ACCEPTED_REPLY: f = { context: u32(0), retval: i32(4), handle: u64(8), app_session_index: u32(16) }; break;
    case T.DISCONNECTED_REPLY: case T.RESET_REPLY: f = { context: u32(0), retval: i32(4), handle: u64(8) }; break;
    case T.SHUTDOWN: case T.DISCONNECT: case T.TERMINATE: f = { client_index: u32(0), context: u32(4), handle: u64(8) }; break;
    case T.APP_DETACH: f = { client_index: u32(0), context: u32(4) }; break;
    default: f = {};
  }
  return { ring: 1, type, f, raw: e.data };
}

// ---------------------------------------------------------------- fifos
export interface FifoOpts { size?: number; chunks?: number[]; start?: number; minAlloc?: number; slice?: number }

/** svm_fifo_shared_t at fsh offset `off` (§6.1) with its chunk list (§6.2). */
export class Fifo {
  constructor(readonly seg: Segment, readonly off: number) {}
  static create(seg: Segment, o: FifoOpts = {}): Fifo {
    const size = o.size ?? 16384, chunks = o.chunks ?? [4096], start = (o.start ?? 0) >>> 0;
    const f = seg.alloc(FIFO_HDR, 64);
    seg.write(f, new Uint8Array(FIFO_HDR));
    let pos = start, prev = 0, first = 0;
    for (const len of chunks) {
      const c = seg.newChunk(len, pos);
      if (prev) seg.set64(prev + 8, c); else first = c;
      prev = c; pos = (pos + len) >>> 0;
    }
    seg.set64(f + 0, first); seg.set64(f + 8, prev);
    seg.set32(f + 16, o.minAlloc ?? 4096); seg.set32(f + 20, size); seg.set8(f + 24, o.slice ?? 0);
    seg.set64(f + 64, first); seg.set32(f + 72, start);
    seg.set64(f + 128, first); seg.set32(f + 136, start);
    return new Fifo(seg, f);
  }
  get startChunk() { return this.seg.n64(this.off); }
  get endChunk() { return this.seg.n64(this.off + 8); }
  get size() { return this.seg.u32(this.off + 20); }
  get hasEvent() { return this.seg.u32(this.off + 40); }
  set hasEvent(v: number) { this.seg.set32(this.off + 40, v); }
  get wantDeqNtf() { return this.seg.u32(this.off + 44); }
  set wantDeqNtf(v: number) { this.seg.set32(this.off + 44, v); }
  get hasDeqNtf() { return this.seg.u32(this.off + 48); }
  set hasDeqNtf(v: number) { this.seg.set32(this.off + 48, v); }
  set deqThresh(v: number) { this.seg.set32(this.off + 60, v); }
  get headChunk() { return this.seg.n64(this.off + 64); }
  get head() { return this.seg.u32(this.off + 72); }
  get tailChunk() { return this.seg.n64(this.off + 128); }
  get tail() { return this.seg.u32(this.off + 136); }
  get cursize() { return (this.tail - this.head) >>> 0; }
  /** Chunk list from start_chunk: [offset, start_byte, length]. */
  chunks(): { off: number; start: number; len: number }[] {
    const out = []; let c = this.startChunk;
    while (c && out.length < 10000) { out.push({ off: c, start: this.seg.u32(c), len: this.seg.u32(c + 4) }); c = this.seg.n64(c + 8); }
    return out;
  }
  private find(pos: number) {
    for (const c of this.chunks()) if (((pos - c.start) | 0) >= 0 && ((pos - (c.start + c.len)) | 0) < 0) return c;
    return null;
  }
  /** VPP as producer into an rx fifo; grows with fresh chunks. Does not post events. */
  put(data: Uint8Array): number {
    const s = this.seg, tail = this.tail, n = Math.min(data.length, this.size - this.cursize);
    if (!n) return 0;
    const ch = this.chunks(); const last = ch[ch.length - 1];
    const end = (last.start + last.len) >>> 0;
    const have = (end - tail) | 0;
    if (have < n) {
      let len = 4096; while (len < n - have) len *= 2;
      const c = s.newChunk(len, end);
      s.set64(last.off + 8, c); s.set64(this.off + 8, c);
    }
    let pos = tail, done = 0;
    while (done < n) {
      const c = this.find(pos)!;
      const off = (pos - c.start) >>> 0, k = Math.min(n - done, c.len - off);
      s.write(c.off + CHUNK_HDR + off, data.subarray(done, done + k));
      done += k; pos = (pos + k) >>> 0;
    }
    s.set32(this.off + 136, pos);
    return n;
  }
  /** VPP as consumer of a tx fifo: reads n bytes, frees chunks behind head to the freelists (§6.4). */
  take(max: number, free = true): Uint8Array {
    const s = this.seg, head = this.head, n = Math.min(max, this.cursize);
    const out = new Uint8Array(n);
    let pos = head, done = 0;
    while (done < n) {
      const c = this.find(pos);
      if (!c) throw new Error(`tx fifo: no chunk holds position ${pos}`);
      const off = (pos - c.start) >>> 0, k = Math.min(n - done, c.len - off);
      out.set(s.read(c.off + CHUNK_HDR + off, k), done);
      done += k; pos = (pos + k) >>> 0;
    }
    if (free) {
      const ch = this.chunks();
      let i = 0;
      while (i < ch.length - 1 && ((pos - (ch[i].start + ch[i].len)) | 0) >= 0) i++;
      for (let j = 0; j < i; j++) s.pushChunk(ch[j].off);
      s.set64(this.off, ch[i].off);
      s.set64(this.off + 64, 0);
    }
    s.set32(this.off + 72, pos);
    return out;
  }
  /** Raw bytes between head and tail, walking chunks (no consumption). */
  contents(): Uint8Array {
    const n = this.cursize, out = new Uint8Array(n); let pos = this.head, done = 0;
    while (done < n) {
      const c = this.find(pos)!; const off = (pos - c.start) >>> 0, k = Math.min(n - done, c.len - off);
      out.set(this.seg.read(c.off + CHUNK_HDR + off, k), done); done += k; pos = (pos + k) >>> 0;
    }
    return out;
  }
}

// ---------------------------------------------------------------- the fake VPP
export interface WorldOpts {
  appSegSize?: number; vppSegSize?: number;
  appMq?: MqGeom; vppMq?: MqGeom; nVppMqs?: number;
  appIndex?: number; clientHandle?: number; segHandle?: bigint;
}

export interface SessionFx { sid: number; handle: bigint; rx: Fifo; tx: Fifo; mq: Mq }

export class FakeVpp {
  readonly app: Segment;
  readonly vpp: Segment;
  readonly appMq: Mq;
  readonly vppMqs: Mq[] = [];
  readonly appIndex: number;
  readonly clientHandle: number;
  readonly segHandle: bigint;
  readonly appMqOff: number;
  private nextHandle = 0x100n;
  constructor(readonly eng: Engine, o: WorldOpts = {}) {
    this.appIndex = o.appIndex ?? 7;
    this.clientHandle = o.clientHandle ?? 0x0badcafe;
    this.segHandle = o.segHandle ?? 0x0000000300000001n;
    this.app = Segment.alloc(eng, o.appSegSize ?? 1 << 20);
    this.vpp = Segment.alloc(eng, o.vppSegSize ?? 256 << 10);
    this.appMqOff = this.app.alloc(mqBytes(o.appMq ?? APP_MQ), 64);
    this.appMq = Mq.create(this.app, this.appMqOff, o.appMq ?? APP_MQ);
    // VPP-bound (private rx) queues back to back from start_byte_index (§4.4)
    const n = o.nVppMqs ?? 1, g = o.vppMq ?? VPP_MQ;
    const qsize = Math.ceil(mqBytes(g) / 64) * 64;
    const start = this.vpp.n64(80);
    for (let i = 0; i < n; i++) this.vppMqs.push(Mq.create(this.vpp, start + i * qsize, g));
    this.vpp.set8(22, n);
    this.vpp.set32(12, start + n * qsize);   // n_reserved_bytes
    this.vpp.setByteIndex(start + n * qsize);
  }
  get ctrlMq() { return this.vppMqs[0]; }

  /** ATTACH_REPLY (§3.4) into scratch; returns its length. */
  writeAttachReply(o: { retval?: number; fdFlags?: number; nFds?: number; type?: number; appMq?: number; ctrlMq?: number; ctrlThread?: number } = {}): number {
    const fdFlags = o.fdFlags ?? 0xF;
    const m = new Msg(VN.SAPI_MSG_SIZE)
      .u8(0, o.type ?? SAPI.ATTACH_REPLY).u32(1, o.retval ?? 0).u32(5, this.appIndex)
      .u64(9, o.appMq ?? this.appMqOff).u64(17, o.ctrlMq ?? this.ctrlMq.q).u64(25, this.segHandle)
      .u32(33, this.clientHandle).u8(37, o.ctrlThread ?? 0)
      .u8(38, o.nFds ?? this.fdCount(fdFlags)).u8(39, fdFlags);
    const s = this.eng.scratch(); s.fill(0); s.set(m.b);
    return VN.SAPI_MSG_SIZE;
  }
  fdCount(flags: number) {
    let n = 0; for (const b of [1, 2, 4]) if (flags & b) n++;
    if (flags & 8) n += this.vppMqs.length;
    return n;
  }
  /** attach_decode → segment_add(VPP_MQ) → segment_add(APP, handle) → attach_finish; throws on any failure. */
  attach(): { vppSlot: number; appSlot: number } {
    const c = this.eng.core;
    const len = this.writeAttachReply();
    const r = c.attach_decode(len, this.fdCount(0xF));
    if (r !== 0xF) throw new Error(`attach_decode -> ${r}`);
    const vppSlot = c.segment_add(VN.SEG_VPP_MQ, 0, 0, this.vpp.base, this.vpp.size);
    if (vppSlot < 0) throw new Error(`segment_add(VPP_MQ) -> ${vppSlot}`);
    const appSlot = c.segment_add(VN.SEG_APP, c.attach_info(VN.INFO_SEG_HANDLE_LO), c.attach_info(VN.INFO_SEG_HANDLE_HI), this.app.base, this.app.size);
    if (appSlot < 0) throw new Error(`segment_add(APP) -> ${appSlot}`);
    const f = c.attach_finish();
    if (f !== 0) throw new Error(`attach_finish -> ${f}`);
    return { vppSlot, appSlot };
  }

  /** Poll once; returns the events as arrays of 8 words. */
  poll(): number[][] {
    const n = this.eng.core.poll();
    if (n < 0) throw new Error(`poll -> ${n}`);
    const ev = this.eng.events(), out: number[][] = [];
    for (let i = 0; i < n; i++) out.push(Array.from(ev.subarray(i * 8, i * 8 + 8)));
    return out;
  }
  /** Poll until it returns 0 (the header's rule), bounded, collecting all events. */
  pollAll(max = 1000): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < max; i++) {
      const e = this.poll();
      if (e.length === 0) return out;
      out.push(...e);
    }
    throw new Error(`pollAll: still producing events after ${max} polls`);
  }

  handle(): bigint { return this.nextHandle++; }

  // ---- messages VPP sends (§7)
  bound(o: { context: number; handle?: bigint; retval?: number; port?: number; ip?: Uint8Array; mq?: number }): bigint {
    const h = o.handle ?? this.handle();
    const m = new Msg(79).u32(0, o.context).u64(4, h).u64(12, 0).u32(20, o.retval ?? 0)
      .u8(24, 1).bytes(25, o.ip ?? ip4(127, 0, 0, 1)).be16(41, o.port ?? 7000)
      .u64(59, this.vppMqs[o.mq ?? 0].q).u32(75, o.mq ?? 0);
    this.appMq.must(this.appMq.ctrl(T.BOUND, m));
    return h;
  }
  /** vn_udp_bind + its BOUND with a connectionless session's fifos (§ datagrams). */
  udpBind(port = 5353, ip = ip4(127, 0, 0, 2), fifo?: FifoOpts): { sid: number; handle: bigint; cl: bigint; rx: Fifo; tx: Fifo } {
    this.eng.scratch().set(ip, 0);
    const sid = this.eng.core.udp_bind(1, port);
    if (sid < 0) throw new Error(`udp_bind -> ${sid}`);
    const [p] = this.ctrlMq.drain();
    if (p?.type !== T.LISTEN || p.f.proto !== 1) throw new Error(`expected a UDP LISTEN, got ${JSON.stringify(p)}`);
    const rx = Fifo.create(this.app, fifo), tx = Fifo.create(this.app, fifo);
    const handle = this.handle(), cl = 0x0000000300000007n + BigInt(sid);
    const m = new Msg(79).u32(0, sid).u64(4, handle).u64(12, cl).u32(20, 0)
      .u8(24, 1).bytes(25, ip).be16(41, port)
      .u64(43, rx.off).u64(51, tx.off).u64(59, this.vppMqs[0].q).u64(67, this.segHandle).u32(75, 0);
    this.appMq.must(this.appMq.ctrl(T.BOUND, m));
    return { sid, handle, cl, rx, tx };
  }
  unlistenReply(o: { context: number; handle: bigint; retval?: number }) {
    this.appMq.must(this.appMq.ctrl(T.UNLISTEN_REPLY, new Msg(16).u32(0, o.context).u64(4, o.handle).u32(12, o.retval ?? 0)));
  }
  /** ACCEPTED (§7.5) with fresh fifos in `seg` (default the attach segment). */
  /** ct: a cut-through ACCEPTED, as VPP sends it: both endpoints zero but for rmt.is_ip4. */
  accepted(o: { listener: bigint; handle?: bigint; seg?: Segment; segHandle?: bigint; rx?: Fifo; tx?: Fifo; fifo?: FifoOpts; mq?: number; rxOff?: number; txOff?: number; vppEvtQ?: number; mqIndex?: number; ct?: boolean }) {
    const seg = o.seg ?? this.app;
    const rx = o.rx ?? Fifo.create(seg, o.fifo), tx = o.tx ?? Fifo.create(seg, o.fifo);
    const h = o.handle ?? this.handle();
    const mqi = o.mq ?? 0;
    const m = new Msg(120).u32(0, this.appIndex).u64(4, o.listener).u64(12, h)
      .u64(20, o.rxOff ?? rx.off).u64(28, o.txOff ?? tx.off).u64(36, o.segHandle ?? this.segHandle)
      .u64(44, o.vppEvtQ ?? this.vppMqs[mqi].q).u32(52, o.mqIndex ?? mqi);
    if (o.ct) endpoint(m, 84, ip4(0, 0, 0, 0), 0);
    else {
      endpoint(m, 56, ip4(127, 0, 0, 1), 7000);
      endpoint(m, 84, ip4(127, 0, 0, 9), 40000);
    }
    m.u16(112, 0x800);
    this.appMq.must(this.appMq.ctrl(T.ACCEPTED, m));
    return { handle: h, rx, tx, mq: this.vppMqs[mqi] };
  }
  connected(o: { context: number; retval?: number; handle?: bigint; seg?: Segment; segHandle?: bigint; fifo?: FifoOpts; mq?: number; rxOff?: number; txOff?: number }) {
    const seg = o.seg ?? this.app, mqi = o.mq ?? 0;
    const m = new Msg(104).u32(0, o.context).u32(4, o.retval ?? 0);
    if (o.retval) { this.appMq.must(this.appMq.ctrl(T.CONNECTED, m)); return null; }
    const rx = Fifo.create(seg, o.fifo), tx = Fifo.create(seg, o.fifo), h = o.handle ?? this.handle();
    m.u64(8, h).u64(16, o.rxOff ?? rx.off).u64(24, o.txOff ?? tx.off).u64(32, o.segHandle ?? this.segHandle)
      .u64(64, this.vppMqs[mqi].q).u32(100, mqi);
    endpoint(m, 72, ip4(127, 0, 0, 1), 40001);
    this.appMq.must(this.appMq.ctrl(T.CONNECTED, m));
    return { handle: h, rx, tx, mq: this.vppMqs[mqi] };
  }
  /** DISCONNECTED / RESET (16 bytes: client_index, context, handle). */
  closing(type: number, handle: bigint) {
    this.appMq.must(this.appMq.ctrl(type, new Msg(16).u32(0, this.clientHandle).u32(4, 0).u64(8, handle)));
  }
  cleanup(handle: bigint, type: 0 | 1) { this.appMq.must(this.appMq.ctrl(T.CLEANUP, new Msg(9).u64(0, handle).u8(8, type))); }
  addSegment(handle: bigint, size: number, fdFlags = VN.FD_MEMFD_SEGMENT, name = 'seg') {
    const m = new Msg(152).u32(0, this.clientHandle).u8(8, fdFlags).u32(12, size).bytes(16, new TextEncoder().encode(name)).u64(144, handle);
    this.appMq.must(this.appMq.ctrl(T.APP_ADD_SEGMENT, m));
  }
  delSegment(handle: bigint) { this.appMq.must(this.appMq.ctrl(T.APP_DEL_SEGMENT, new Msg(16).u32(0, this.clientHandle).u64(8, handle))); }
  io(type: number, sid: number) { this.appMq.must(this.appMq.io(type, sid)); }

  // ---- whole sequences
  /** listen → LISTEN posted → BOUND → VN_EV_BOUND. */
  listen(port = 7000, ip = ip4(0, 0, 0, 0)): { sid: number; handle: bigint } {
    const c = this.eng.core;
    this.eng.scratch().set(ip, 0);
    const sid = c.listen(1, port);
    if (sid < 0) throw new Error(`listen -> ${sid}`);
    const p = this.ctrlMq.drain();
    if (p.length !== 1 || p[0].type !== T.LISTEN) throw new Error(`expected one LISTEN, got ${JSON.stringify(p.map((x) => x.type))}`);
    const handle = this.bound({ context: p[0].f.context as number, port });
    const ev = this.pollAll();
    if (!ev.some((e) => e[0] === EV.BOUND && e[1] === sid && e[2] === 0)) throw new Error(`no BOUND event: ${JSON.stringify(ev)}`);
    return { sid, handle };
  }
  /** ACCEPTED on a listener → VN_EV_ACCEPTED + ACCEPTED_REPLY. */
  accept(listener: { sid: number; handle: bigint }, fifo?: FifoOpts): SessionFx {
    const a = this.accepted({ listener: listener.handle, fifo });
    const ev = this.pollAll();
    const e = ev.find((x) => x[0] === EV.ACCEPTED);
    if (!e) throw new Error(`no ACCEPTED event: ${JSON.stringify(ev)}`);
    const reply = a.mq.drain().filter((p) => p.type === T.ACCEPTED_REPLY);
    if (reply.length !== 1) throw new Error('no ACCEPTED_REPLY');
    return { sid: e[1], handle: a.handle, rx: a.rx, tx: a.tx, mq: a.mq };
  }
  /** listen + accept in one go. */
  session(fifo?: FifoOpts): SessionFx { return this.accept(this.listen(), fifo); }
}

export const APP_MQ: MqGeom = { maxsize: 64, ring0: 64, ring1: 16 };
export const VPP_MQ: MqGeom = { maxsize: 128, ring0: 128, ring1: 64 };

/** A fresh fake VPP, attached. */
export function attached(eng: Engine, o: WorldOpts = {}): FakeVpp {
  const w = new FakeVpp(eng, o);
  w.attach();
  return w;
}

/** Events of a type. */
export const ofType = (ev: number[][], t: number) => ev.filter((e) => e[0] === t);

export function pattern(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n); let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[i] = x & 0xff; }
  return b;
}

// ---------------------------------------------------------------- vn_iov()
export interface IovEntry { base: number; len: number }
/**
 * The core's vn_iov() entries, if the engine exposes them (Engine.iov()). The
 * Engine interface has no accessor yet; tests that need one skip loudly.
 */
export function iovOf(eng: Engine): ((n: number) => IovEntry[]) | null {
  const e = eng as unknown as { iov?: (n?: number) => IovEntry[] };
  return typeof e.iov === 'function' ? (n: number) => e.iov!(n).slice(0, n) : null;
}

/** Read bytes by iov entries (core addresses). */
export function readIov(eng: Engine, iov: IovEntry[]): Uint8Array {
  const total = iov.reduce((a, e) => a + e.len, 0), out = new Uint8Array(total);
  let o = 0; for (const e of iov) { out.set(eng.view(e.base, e.len), o); o += e.len; }
  return out;
}

/** Send everything, letting the fake VPP drain the tx fifo; returns what VPP read. */
export function pump(eng: Engine, s: SessionFx, data: Uint8Array, chunk = 65536): Uint8Array {
  const out: Uint8Array[] = []; let off = 0, guard = 0;
  while (off < data.length) {
    if (++guard > 100000) throw new Error('pump: no progress');
    const n = eng.send(s.sid, data.subarray(off, Math.min(data.length, off + chunk)));
    if (n < 0) throw new Error(`send -> ${n}`);
    off += n;
    out.push(s.tx.take(1 << 30));
    s.tx.hasEvent = 0;
  }
  return concat(out);
}
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0)); let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
export function recvAll(eng: Engine, sid: number, max = 1 << 30): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 10000; i++) {
    const r = eng.recv(sid, max);
    if (r === null || r === 0) break;
    if (typeof r === 'number') throw new Error(`recv -> ${r}`);
    parts.push(r);
  }
  return concat(parts);
}
