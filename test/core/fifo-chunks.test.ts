/**
 * Chunk lists (docs/protocol.md §6.4–6.5): growth through the slice freelists (pop, carve from
 * byte_index, fallback to other size classes), freeing on dequeue, counters.
 */
import { forEachEngine, attached, pattern, recvAll, FakeVpp, SessionFx, CHUNK_HDR, WANT_DEQ_NOTIF } from './fixtures';

/** n_fl_chunk_bytes and n_cached_bytes equal the data bytes on the freelists. */
function countersConsistent(w: FakeVpp) {
  let sum = 0n;
  for (let i = 0; i <= 10; i++) for (const c of w.app.freelist(i)) sum += BigInt(w.app.u32(c + 4));
  expect(w.app.nFlChunkBytes).toBe(sum);
  expect(w.app.nCachedBytes).toBe(sum);
}
const fullyCarve = (w: FakeVpp) => w.app.set64(72, w.app.byteIndex);

forEachEngine('fifo chunks', (ctx) => {
  const sess = (w: FakeVpp): SessionFx => w.session({ size: 65536, chunks: [4096], minAlloc: 4096 });

  ctx.test('growth pops a chunk of the right class from the freelist', () => {
    const w = attached(ctx.eng);
    const s = sess(w);
    const free = w.app.newChunk(4096); w.app.pushChunk(free);
    const bi = w.app.byteIndex;
    expect(ctx.eng.send(s.tx.seg === w.app ? s.sid : -1, pattern(8192))).toBe(8192);
    expect(s.tx.chunks().map((c) => [c.off, c.start, c.len])).toEqual([[s.tx.startChunk, 0, 4096], [free, 4096, 4096]]);
    expect(s.tx.endChunk).toBe(free);
    expect(w.app.freelist(0)).toEqual([]);
    expect(w.app.byteIndex).toBe(bi);                          // no carving needed
    expect(w.app.u32(free + 16)).toBe(0); expect(w.app.u32(free + 20)).toBe(0);
    countersConsistent(w);
    expect(s.tx.contents()).toEqual(pattern(8192));
  });

  ctx.test('empty freelists: carve from byte_index (8-byte aligned), surplus goes to the freelist', () => {
    const w = attached(ctx.eng);
    const s = sess(w);
    const bi = w.app.byteIndex;
    expect(ctx.eng.send(s.sid, pattern(8192))).toBe(8192);
    const grown = s.tx.chunks().slice(1);
    expect(grown.length).toBeGreaterThanOrEqual(1);
    expect(grown[0].start).toBe(4096);
    expect(grown[0].off).toBeGreaterThanOrEqual(bi);
    expect(w.app.byteIndex).toBeGreaterThan(bi);
    expect(w.app.byteIndex % 8).toBe(0);
    expect(w.app.byteIndex).toBeLessThanOrEqual(w.app.maxByteIndex);
    const carved = w.app.byteIndex - bi;
    const onList = w.app.freelist(0).length;
    expect(carved).toBe((onList + grown.length) * (CHUNK_HDR + 4096));   // class 0 batch: every carved chunk is accounted for
    countersConsistent(w);
  });

  ctx.test('segment fully carved: falls back to a larger recycled class (§6.5 step 3)', () => {
    const w = attached(ctx.eng);
    const s = sess(w);
    const big = w.app.newChunk(16384); w.app.pushChunk(big);
    fullyCarve(w);
    expect(ctx.eng.send(s.sid, pattern(8192))).toBe(8192);
    expect(s.tx.endChunk).toBe(big);
    countersConsistent(w);
  });

  ctx.test('segment fully carved: falls back to a smaller recycled class and writes less', () => {
    const w = attached(ctx.eng);
    const s = sess(w);
    const small = w.app.newChunk(4096); w.app.pushChunk(small);
    fullyCarve(w);
    const n = ctx.eng.send(s.sid, pattern(40000));
    expect(n).toBeGreaterThanOrEqual(8192);
    expect(n).toBeLessThan(40000);
    expect(s.tx.contents()).toEqual(pattern(40000).subarray(0, n));
    countersConsistent(w);
  });

  ctx.test('cannot grow at all: writes what fits, then 0 with WANT_DEQ_NOTIF armed', () => {
    const w = attached(ctx.eng);
    const s = sess(w);
    fullyCarve(w);
    expect(ctx.eng.send(s.sid, pattern(10000))).toBe(4096);
    expect(ctx.eng.send(s.sid, pattern(10))).toBe(0);
    expect(s.tx.wantDeqNtf & WANT_DEQ_NOTIF).toBeTruthy();
  });

  ctx.test('dequeue frees chunks entirely behind head to their class lists; the last chunk stays', () => {
    const w = attached(ctx.eng);
    const s = w.session({ size: 3 * 16384, chunks: [4096, 8192, 16384] });
    const ch = s.rx.chunks();
    const d = pattern(4096 + 8192 + 16384);
    expect(s.rx.put(d)).toBe(d.length);
    expect(recvAll(ctx.eng, s.sid, 5000).length).toBeGreaterThan(0);
    expect(s.rx.startChunk).toBe(ch[2].off);
    expect(w.app.freelist(0)).toEqual([ch[0].off]);
    expect(w.app.freelist(1)).toEqual([ch[1].off]);
    expect(w.app.freelist(2)).toEqual([]);                    // the last chunk is never freed
    expect(s.rx.head).toBe(d.length);
    countersConsistent(w);
  });

  ctx.test('a read that stops mid-chunk frees only the chunks before it', () => {
    const w = attached(ctx.eng);
    const s = w.session({ size: 16384, chunks: [4096, 4096, 4096] });
    const ch = s.rx.chunks();
    s.rx.put(pattern(12288));
    expect(ctx.eng.recv(s.sid, 5000)).toHaveLength(5000);
    expect(s.rx.startChunk).toBe(ch[1].off);
    expect(w.app.freelist(0)).toEqual([ch[0].off]);
    expect(s.rx.head).toBe(5000);
  });

  ctx.test('long transfer recycles chunks: byte_index stops moving once the freelists are primed', () => {
    const w = attached(ctx.eng, { appSegSize: 4 << 20 });
    const s = sess(w);
    const d = pattern(1 << 20, 3);
    let off = 0, marks: number[] = [];
    while (off < d.length) {
      const n = ctx.eng.send(s.sid, d.subarray(off, off + 30000));
      expect(n).toBeGreaterThan(0);
      off += n;
      expect(Buffer.compare(Buffer.from(s.tx.take(1 << 30)), Buffer.from(d.subarray(off - n, off)))).toBe(0);
      s.tx.hasEvent = 0;
      marks.push(w.app.byteIndex);
    }
    expect(marks[marks.length - 1]).toBe(marks[Math.floor(marks.length / 2)]);
    countersConsistent(w);
  });
});
