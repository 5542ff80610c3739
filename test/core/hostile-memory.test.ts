/**
 * Everything in shared memory is untrusted: bad offsets, lengths, loops,
 * types and indices give errors / VN_EV_SESSION_ERROR / VN_EV_ATTACH_ERROR —
 * never a crash, an out-of-bounds access or a hang (each test is time-bounded).
 */
import { VN, EV, T, forEachEngine, attached, ofType, pattern, recvAll, FakeVpp, Fifo, Msg, SessionFx } from './fixtures';

forEachEngine('hostile memory', (ctx) => {
  /** An accepted session whose fifo header is then corrupted by `mut`; returns the data-path results. */
  const corrupt = (mut: (s: SessionFx, w: FakeVpp) => void) => {
    const w = attached(ctx.eng);
    const s = w.session({ size: 16384, chunks: [4096, 4096] });
    s.rx.put(pattern(6000));
    mut(s, w);
    const t0 = Date.now();
    const r = [ctx.eng.core.rx_peek(s.sid, 100000), ctx.eng.core.tx_reserve(s.sid, 100000)];
    w.io(T.IO_RX, s.sid);
    const ev = w.pollAll();
    expect(Date.now() - t0).toBeLessThan(2000);
    return { r, ev, s, w };
  };
  const poisoned = (o: ReturnType<typeof corrupt>, which: 0 | 1) => {
    expect(o.r[which]).toBeLessThan(0);
    expect([VN.EBADMSG, VN.EPROTO, VN.EPIPE, VN.ESHUTDOWN]).toContain(o.r[which]);
  };

  ctx.test('chunk length past the segment end', () => {
    const o = corrupt((s) => s.rx.seg.set32(s.rx.startChunk + 4, 1 << 30));
    poisoned(o, 0);
  });
  ctx.test('chunk length not a power of two >= 4096 / zero', () => {
    poisoned(corrupt((s) => s.rx.seg.set32(s.rx.startChunk + 4, 0)), 0);
  });
  /** Reads until the core stops: bounded, never more than was written, and the session ends up refusing reads. */
  const readsEndInError = (o: ReturnType<typeof corrupt>) => {
    let total = 0, last = 0;
    for (let i = 0; i < 20; i++) {
      last = ctx.eng.core.rx_peek(o.s.sid, 100000);
      if (last <= 0) break;
      total += last;
      if (ctx.eng.core.rx_release(o.s.sid, last) < 0) { last = -1; break; }
    }
    expect(total).toBeLessThanOrEqual(12000);            // never past the (corrupt) tail
    expect(last).toBeLessThan(0);
  };
  ctx.test('chunk next loop (A -> B -> A) with tail beyond the list', () => {
    readsEndInError(corrupt((s) => { const [a, b] = s.rx.chunks(); s.rx.seg.set64(b.off + 8, a.off); s.rx.seg.set32(s.rx.off + 136, 12000); s.rx.seg.set64(s.rx.off + 64, 0); }));
  });
  ctx.test('chunk next pointing past the segment', () => {
    readsEndInError(corrupt((s) => { s.rx.seg.set64(s.rx.chunks()[0].off + 8, 1n << 40n); s.rx.seg.set64(s.rx.off + 64, 0); }));
  });
  ctx.test('start_chunk 0 / out of range', () => {
    poisoned(corrupt((s) => { s.rx.seg.set64(s.rx.off, 0); s.rx.seg.set64(s.rx.off + 64, 0); }), 0);
  });
  ctx.test('cursize > size (tail - head beyond capacity)', () => {
    poisoned(corrupt((s) => s.rx.seg.set32(s.rx.off + 136, 0x7FFFFFFF)), 0);
  });
  ctx.test('tx fifo size 0 or huge', () => {
    const o = corrupt((s) => s.tx.seg.set32(s.tx.off + 20, 0xFFFFFFFF));
    expect(o.r[1]).toBeLessThanOrEqual(0);
  });
  ctx.test('a session poisoned by a data call: the call says VN_EBADMSG (the host errors the socket), it stays poisoned, it can still be closed', () => {
    const o = corrupt((s) => s.rx.seg.set32(s.rx.startChunk + 4, 1 << 30));
    // the event a data call emits outside vn_poll is not delivered: the call's own result is the report
    expect(o.r[0]).toBe(VN.EBADMSG);
    expect(ctx.eng.core.rx_peek(o.s.sid, 10)).toBeLessThan(0);
    expect(ctx.eng.core.tx_reserve(o.s.sid, 10)).toBeLessThan(0);
    expect(ctx.eng.core.close(o.s.sid)).toBeGreaterThanOrEqual(0);   // it can still be closed
  });

  const badAccept = (o: Parameters<FakeVpp['accepted']>[0] extends infer A ? Partial<A> : never) => {
    const w = attached(ctx.eng);
    const l = w.listen();
    const a = w.accepted({ listener: l.handle, ...o });
    const ev = w.pollAll();
    const replies = w.ctrlMq.drain().filter((p) => p.type === T.ACCEPTED_REPLY);
    const acc = ofType(ev, EV.ACCEPTED);
    // either refused to VPP (retval != 0) without an ACCEPTED event, or reported as a session error;
    // a refusal names VPP's session and our app (else VPP ignores it, and a cut-through peer's connect hangs)
    const refused = acc.length === 0 && replies.length === 1 && replies[0].f.retval !== 0;
    if (refused) expect([String(replies[0].f.handle), replies[0].f.context]).toEqual([String(a.handle), w.appIndex]);
    const errored = ofType(ev, EV.SESSION_ERROR).length > 0;
    expect(refused || errored).toBe(true);
    if (acc.length) expect(ctx.eng.core.rx_peek(acc[0][1], 10)).toBeLessThan(0);
  };
  ctx.test('ACCEPTED with an rx fifo offset past the segment', () => badAccept({ rxOff: 1 << 30 }));
  ctx.test('ACCEPTED with a misaligned fifo offset', () => badAccept({ rxOff: 8200 + 4 }));
  ctx.test('ACCEPTED with fifo offset 0', () => badAccept({ txOff: 0 }));
  ctx.test('ACCEPTED naming an unknown segment handle', () => badAccept({ segHandle: 0xdeadn }));
  /** vpp_event_queue_address and mq_index name the same queue twice (docs/protocol.md §4.4); a core may trust either one, as long as it only ever posts to one of its own validated queues. */
  const oneOfOurQueues = (o: { vppEvtQ?: number; mqIndex?: number }) => () => {
    const w = attached(ctx.eng);
    const l = w.listen();
    w.accepted({ listener: l.handle, ...o });
    const ev = w.pollAll();
    const posted = w.ctrlMq.drain();
    if (ofType(ev, EV.ACCEPTED).length) expect(posted.map((p) => p.type)).toEqual([T.ACCEPTED_REPLY]);
    else expect(posted.filter((p) => p.type === T.ACCEPTED_REPLY && p.f.retval === 0)).toEqual([]);   // refused, errored or dropped
    for (const q of w.vppMqs.slice(1)) expect(q.cursize).toBe(0);
  };
  ctx.test('ACCEPTED naming a VPP mq that is not one of ours', oneOfOurQueues({ vppEvtQ: 12345 }));
  ctx.test('ACCEPTED with mq_index out of range', oneOfOurQueues({ mqIndex: 5 }));

  ctx.test('unknown control types and internal types are skipped, later messages still processed', () => {
    const w = attached(ctx.eng);
    const s = w.session();
    for (const t of [99, 255, 3, 5, 7, 35]) w.appMq.ctrl(t, new Msg(16));
    w.io(200, s.sid);
    w.io(T.IO_TX, s.sid);
    const ev = w.pollAll();
    expect(ofType(ev, EV.TX).map((e) => e[1])).toEqual([s.sid]);
    expect(ofType(ev, EV.ATTACH_ERROR)).toEqual([]);
  });

  ctx.test('events for unknown sessions and handles are ignored', () => {
    const w = attached(ctx.eng);
    const s = w.session();
    w.io(T.IO_RX, 50); w.io(T.IO_TX, 0xFFFFFFFF);
    w.closing(T.DISCONNECTED, 0x7777n); w.closing(T.RESET, 0x7778n); w.cleanup(0x7779n, 1);
    w.unlistenReply({ context: 40, handle: 0x99n });
    w.connected({ context: 33 });
    w.bound({ context: 60 });
    w.io(T.IO_TX, s.sid);
    const ev = w.pollAll();
    expect(ev.filter((e) => e[0] !== EV.SESSION_ERROR).map((e) => [e[0], e[1]])).toEqual([[EV.TX, s.sid]]);
  });

  const corruptMq = (mut: (w: FakeVpp) => void) => {
    const w = attached(ctx.eng);
    const s = w.session();
    w.io(T.IO_TX, s.sid);
    mut(w);
    const t0 = Date.now();
    let ev: number[][] = [];
    for (let i = 0; i < 5; i++) { const n = ctx.eng.core.poll(); if (n <= 0) break; ev.push(...Array.from({ length: n }, (_, k) => Array.from(ctx.eng.events().subarray(k * 8, k * 8 + 8)))); }
    expect(Date.now() - t0).toBeLessThan(2000);
    return ev;
  };
  ctx.test('app mq slot with ring index out of range -> VN_EV_ATTACH_ERROR, then VN_ESHUTDOWN', () => {
    const ev = corruptMq((w) => w.app.set32(w.appMq.q + 120 + 8 * (w.appMq.head), 7));
    expect(ofType(ev, EV.ATTACH_ERROR).length).toBe(1);
    expect(ctx.eng.core.listen(1, 1)).toBeLessThan(0);
  });
  ctx.test('app mq slot with element index out of range', () => {
    const ev = corruptMq((w) => w.app.set32(w.appMq.q + 120 + 8 * (w.appMq.head) + 4, 1 << 20));
    expect(ofType(ev, EV.ATTACH_ERROR).length).toBe(1);
  });
  ctx.test('app mq cursize > maxsize', () => {
    const ev = corruptMq((w) => w.app.set32(w.appMq.q + 104, 1 << 30));
    expect(ofType(ev, EV.ATTACH_ERROR).length).toBe(1);
  });
  ctx.test('app mq head out of range', () => {
    const ev = corruptMq((w) => w.app.set32(w.appMq.q + 96, 1 << 30));
    expect(ofType(ev, EV.ATTACH_ERROR).length).toBe(1);
  });
  ctx.test('VPP-bound queue corrupted by VPP (tail out of range): posting fails, no write out of bounds', () => {
    const w = attached(ctx.eng);
    w.ctrlMq.seg.set32(w.ctrlMq.q + 100, 1 << 30);
    w.ctrlMq.seg.set32(w.ctrlMq.ringOff(1) + 12, 1 << 30);
    ctx.eng.scratch().fill(0);
    expect(ctx.eng.core.listen(1, 1)).toBeLessThan(0);
  });

  ctx.test('CONNECTED with bad fifos -> connect error, sid freed or poisoned', () => {
    const w = attached(ctx.eng);
    ctx.eng.scratch().fill(0);
    const sid = ctx.eng.core.connect(1, 1, 0);
    w.ctrlMq.drain();
    w.connected({ context: sid, rxOff: 1 << 30 });
    const ev = w.pollAll();
    const c = ofType(ev, EV.CONNECTED);
    expect(c.length === 1 && (c[0][2] | 0) < 0 || ofType(ev, EV.SESSION_ERROR).length === 1).toBe(true);
  });

  ctx.test('a fifo shared by two sessions, torn down underneath: reads stay in bounds', () => {
    const w = attached(ctx.eng);
    const l = w.listen();
    const rx = Fifo.create(w.app), tx = Fifo.create(w.app);
    w.accepted({ listener: l.handle, rx, tx });
    const sid = ofType(w.pollAll(), EV.ACCEPTED)[0][1];
    rx.put(pattern(3000));
    w.app.mem.bytes().fill(0xFF, w.app.fsh + rx.off, w.app.fsh + rx.off + 192);
    expect(() => recvAll(ctx.eng, sid)).toThrow(/recv ->/);
  });
});
