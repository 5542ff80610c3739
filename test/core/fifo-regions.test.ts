/**
 * Fifo data path (docs/protocol.md §6.3–6.4): empty/full, every contiguous-region shape that
 * tx_reserve / rx_peek hand out in vn_iov(), and byte-exact streams through
 * engine.send / engine.recv (which copy by those regions).
 */
import { VN, forEachEngine, attached, pattern, pump, recvAll, iovOf, readIov, CHUNK_HDR } from './fixtures';

forEachEngine('fifo regions', (ctx) => {
  const withIov = (name: string, fn: (iov: NonNullable<ReturnType<typeof iovOf>>) => void) =>
    ctx.test(name, () => {
      const iov = iovOf(ctx.eng);
      if (!iov) { process.stderr.write(`[core tests] ${ctx.kind}: "${name}" checks returned counts only — Engine exposes no iov() accessor\n`); }
      fn(iov ?? (() => []));
    });

  ctx.test('empty rx fifo: rx_peek 0, recv null; rx_release of more than available is refused', () => {
    const w = attached(ctx.eng);
    const s = w.session();
    expect(ctx.eng.core.rx_peek(s.sid, 100)).toBe(0);
    expect(ctx.eng.recv(s.sid, 100)).toBeNull();
    expect(ctx.eng.core.rx_release(s.sid, 1)).toBeLessThan(0);
  });

  ctx.test('full tx fifo: tx_reserve 0, send 0; tx_commit beyond the reservation is refused', () => {
    const w = attached(ctx.eng);
    const s = w.session({ size: 4096, chunks: [4096] });
    expect(ctx.eng.send(s.sid, pattern(5000))).toBe(4096);
    expect(ctx.eng.core.tx_reserve(s.sid, 10)).toBe(0);
    expect(ctx.eng.send(s.sid, pattern(10))).toBe(0);
    expect(ctx.eng.core.tx_commit(s.sid, 1)).toBeLessThan(0);
    expect(s.tx.cursize).toBe(4096);
  });

  withIov('rx in one chunk: one region at the chunk data', (iov) => {
    const w = attached(ctx.eng);
    const s = w.session();
    const d = pattern(100);
    s.rx.put(d);
    expect(ctx.eng.core.rx_peek(s.sid, 1000)).toBe(100);
    const r = iov(VN.MAX_IOV).filter((e) => e.len);
    if (r.length) {
      expect(r).toEqual([{ base: s.rx.seg.addr(s.rx.startChunk + CHUNK_HDR), len: 100 }]);
      expect(readIov(ctx.eng, r)).toEqual(d);
    }
    expect(ctx.eng.core.rx_peek(s.sid, 30)).toBe(30);          // partial peek
    expect(ctx.eng.core.rx_release(s.sid, 30)).toBeGreaterThanOrEqual(0);
    expect(s.rx.head).toBe(30);
    expect(Array.from(recvAll(ctx.eng, s.sid))).toEqual(Array.from(d.subarray(30)));
  });

  withIov('rx across a chunk boundary: two regions', (iov) => {
    const w = attached(ctx.eng);
    const s = w.session({ size: 8192, chunks: [4096, 4096] });
    s.rx.put(pattern(4000, 9));
    expect(recvAll(ctx.eng, s.sid).length).toBe(4000);
    const d = pattern(3000, 3);
    s.rx.put(d);
    expect(ctx.eng.core.rx_peek(s.sid, 8192)).toBe(3000);
    const r = iov(VN.MAX_IOV).filter((e) => e.len);
    if (r.length) {
      expect(r.map((e) => e.len)).toEqual([96, 2904]);
      expect(readIov(ctx.eng, r)).toEqual(d);
    }
    expect(recvAll(ctx.eng, s.sid)).toEqual(d);
  });

  withIov('rx over more chunks than VN_MAX_IOV: at most 32 regions, the rest on the next peek', (iov) => {
    const w = attached(ctx.eng, { appSegSize: 4 << 20 });
    const s = w.session({ size: 40 * 4096, chunks: new Array(40).fill(4096) });
    const d = pattern(40 * 4096, 5);
    expect(s.rx.put(d)).toBe(d.length);
    const n = ctx.eng.core.rx_peek(s.sid, d.length);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(32 * 4096);
    const r = iov(VN.MAX_IOV).filter((e) => e.len);
    if (r.length) { expect(r.length).toBeLessThanOrEqual(32); expect(r.reduce((a, e) => a + e.len, 0)).toBe(n); }
    expect(recvAll(ctx.eng, s.sid)).toEqual(d);
  });

  withIov('tx_reserve: room in the tail chunk, then across into the next, then into a grown chunk', (iov) => {
    const w = attached(ctx.eng);
    const s = w.session({ size: 16384, chunks: [4096, 4096] });
    expect(ctx.eng.send(s.sid, pattern(4000))).toBe(4000);
    const n = ctx.eng.core.tx_reserve(s.sid, 16384);
    expect(n).toBe(16384 - 4000);
    const r = iov(VN.MAX_IOV).filter((e) => e.len);
    if (r.length) {
      expect(r[0]).toEqual({ base: s.tx.seg.addr(s.tx.startChunk + CHUNK_HDR + 4000), len: 96 });
      expect(r[1].len).toBe(4096);
      expect(r.reduce((a, e) => a + e.len, 0)).toBe(n);
      expect(s.tx.chunks().length).toBeGreaterThan(2);         // grown before handing out the room (§6.4 step 2)
    }
    expect(s.tx.tail).toBe(4000);                              // nothing published before commit
    expect(ctx.eng.core.tx_commit(s.sid, 0)).toBe(0);
    expect(s.tx.tail).toBe(4000);
  });

  ctx.test('tx_commit publishes exactly n bytes of what was reserved', () => {
    const w = attached(ctx.eng);
    const s = w.session({ size: 8192, chunks: [4096] });
    expect(ctx.eng.core.tx_reserve(s.sid, 100)).toBe(100);
    expect(ctx.eng.core.tx_commit(s.sid, 60)).toBeGreaterThanOrEqual(0);
    expect(s.tx.tail).toBe(60);
    expect(ctx.eng.core.tx_commit(s.sid, 41)).toBeLessThan(0);   // never more than reserved
  });

  for (const start of [0, 0xFFFFFFFF - 5000, 0xFFFFF000]) {
    for (const w_ of [1, 777, 4096, 65536]) {
      ctx.test(`byte-exact tx stream: ${w_}-byte writes from position 0x${start.toString(16)}`, () => {
        const w = attached(ctx.eng, { appSegSize: 4 << 20 });
        const s = w.session({ size: 32768, chunks: [4096], start });
        const d = pattern(w_ === 1 ? 9000 : 200000, w_);
        expect(pump(ctx.eng, s, d, w_)).toEqual(d);
        expect(s.tx.tail).toBe((start + d.length) >>> 0);
      });
    }
  }

  ctx.test('byte-exact rx stream across growth and chunk recycling from position 2^32-3000', () => {
    const w = attached(ctx.eng, { appSegSize: 4 << 20 });
    const start = 0xFFFFFFFF - 3000;
    const s = w.session({ size: 20000, chunks: [4096], start });
    const d = pattern(300000, 77); const got: Uint8Array[] = [];
    let off = 0;
    while (off < d.length) { off += s.rx.put(d.subarray(off, off + 7000)); got.push(recvAll(ctx.eng, s.sid, 5000)); }
    got.push(recvAll(ctx.eng, s.sid));
    const all = Buffer.concat(got);
    expect(all.length).toBe(d.length);
    expect(Buffer.compare(all, Buffer.from(d))).toBe(0);
    expect(s.rx.head).toBe((start + d.length) >>> 0);
  });
});
