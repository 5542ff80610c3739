/**
 * Message queues (docs/protocol.md §5): the core as consumer of the app mq and as producer of
 * the VPP-bound queues — empty, full, index wrap, and a full VPP-bound queue
 * (VN_EAGAIN or kept pending, never a spin, never an overwrite).
 */
import { VN, EV, T, forEachEngine, attached, ofType, ip4, Msg, newEngine } from './fixtures';

forEachEngine('message queues', (ctx) => {
  ctx.test('empty app mq: poll returns 0 and touches nothing', () => {
    const w = attached(ctx.eng);
    expect(ctx.eng.core.poll()).toBe(0);
    expect([w.appMq.head, w.appMq.tail, w.appMq.cursize]).toEqual([0, 0, 0]);
  });

  ctx.test('the consumer frees ring elements in order and drains everything (§5.3)', () => {
    const w = attached(ctx.eng);
    const l = w.listen();
    w.accepted({ listener: l.handle });
    const s2 = w.accepted({ listener: l.handle });
    const ev = w.pollAll();
    expect(ofType(ev, EV.ACCEPTED).length).toBe(2);
    const sids = ofType(ev, EV.ACCEPTED).map((e) => e[1]);
    w.io(T.IO_RX, sids[0]);
    w.io(T.IO_TX, sids[1]);
    void s2;
    const ev2 = w.pollAll();
    expect(ev2).toContainEqual(expect.arrayContaining([EV.TX, sids[1]]));
    expect(w.appMq.cursize).toBe(0);
    expect(w.appMq.ring(0)).toMatchObject({ cursize: 0, head: 2, tail: 2 });
    expect(w.appMq.ring(1)).toMatchObject({ cursize: 0, head: 3, tail: 3 }); // BOUND + 2 ACCEPTED
  });

  ctx.test('slot and ring indices wrap (app mq)', () => {
    const w = attached(ctx.eng);
    const l = w.listen();
    const g = { slot: w.appMq.maxsize - 2, r0: w.appMq.ring(0).nitems - 1, r1: w.appMq.ring(1).nitems - 1 };
    w.appMq.setPositions(g.slot, g.r0, g.r1);
    for (let i = 0; i < 3; i++) w.accepted({ listener: l.handle });
    const ev = w.pollAll();
    const sids = ofType(ev, EV.ACCEPTED).map((e) => e[1]);
    expect(sids.length).toBe(3);
    for (const sid of sids) w.io(T.IO_TX, sid);
    const ev2 = w.pollAll();
    expect(ofType(ev2, EV.TX).map((e) => e[1]).sort()).toEqual([...sids].sort());
    expect(w.appMq.head).toBe((g.slot + 6) % w.appMq.maxsize);
    expect(w.appMq.ring(0).head).toBe((g.r0 + 3) % w.appMq.ring(0).nitems);
    expect(w.appMq.ring(1).head).toBe((g.r1 + 3) % w.appMq.ring(1).nitems);
  });

  ctx.test('slot and ring indices wrap (VPP-bound queue, producer order kept)', () => {
    const w = attached(ctx.eng);
    const q = w.ctrlMq;
    q.setPositions(q.maxsize - 1, q.ring(0).nitems - 1, q.ring(1).nitems - 2);
    ctx.eng.scratch().set(ip4(127, 0, 0, 1));
    const sids = [1, 2, 3, 4].map((p) => ctx.eng.core.listen(1, 9000 + p));
    sids.forEach((s) => expect(s).toBeGreaterThanOrEqual(0));
    const got = q.drain();  // consume() checks elt_index == ring head
    expect(got.map((p) => p.f.port)).toEqual([9001, 9002, 9003, 9004]);
    expect(q.tail).toBe(3);
    expect(q.ring(1).tail).toBe(2);
  });

  ctx.test('a full app mq (every control slot used) is drained completely across polls of event_cap', async () => {
    const eng = await newEngine(ctx.kind, { eventCap: 4 });
    try {
      const w = attached(eng);
      eng.scratch().set(ip4(0, 0, 0, 0));
      const pend: number[] = [];
      for (let i = 0; i < w.appMq.ring(1).nitems; i++) pend.push(eng.core.listen(1, 8000 + i));
      pend.forEach((sid) => expect(sid).toBeGreaterThanOrEqual(0));
      for (const p of w.ctrlMq.drain()) w.bound({ context: p.f.context as number, port: p.f.port as number });
      expect(w.appMq.ctrl(T.BOUND, new Msg(79))).toBe(false);   // full: the fixture's producer refuses to overwrite
      // The host's loop exactly as vppnet_core.h states it: call again until poll returns 0.
      const got: number[] = [];
      for (let i = 0; i < 100; i++) {
        const n = eng.core.poll();
        const ev = eng.events();
        for (let k = 0; k < n; k++) if (ev[k * 8] === EV.BOUND) got.push(ev[k * 8 + 1]);
        expect(n).toBeLessThanOrEqual(4);
        if (n <= 0) break;
      }
      expect(w.appMq.cursize).toBe(0);            // nothing stranded: VPP will not signal a non-empty queue again
      expect(got.sort((a, b) => a - b)).toEqual([...pend].sort((a, b) => a - b));
      expect(w.appMq.cursize).toBe(0);
    } finally { eng.dispose(); }
  });

  ctx.test('a VPP-bound queue that is full: control calls return VN_EAGAIN, nothing is overwritten', () => {
    const w = attached(ctx.eng, { vppMq: { maxsize: 4, ring0: 4, ring1: 2 } });
    ctx.eng.scratch().set(ip4(0, 0, 0, 0));
    const c = ctx.eng.core;
    const before = c.attach_info(VN.INFO_SESSIONS);
    expect(c.listen(1, 1)).toBeGreaterThanOrEqual(0);
    expect(c.listen(1, 2)).toBeGreaterThanOrEqual(0);
    const t0 = Date.now();
    expect(c.listen(1, 3)).toBe(VN.EAGAIN);
    expect(c.connect(1, 4, 0)).toBe(VN.EAGAIN);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(c.attach_info(VN.INFO_SESSIONS)).toBe(before + 2);   // no sid leaked by the refused calls
    expect(w.ctrlMq.drain().map((p) => p.f.port)).toEqual([1, 2]);
    expect(c.listen(1, 5)).toBeGreaterThanOrEqual(0);
  });

  ctx.test('ACCEPTED_REPLY that does not fit is kept and posted once the queue has room', () => {
    const w = attached(ctx.eng, { vppMq: { maxsize: 4, ring0: 4, ring1: 2 } });
    const l = w.listen();
    ctx.eng.scratch().set(ip4(0, 0, 0, 0));
    ctx.eng.core.listen(1, 1); ctx.eng.core.listen(1, 2);   // ring 1 now full
    const a = w.accepted({ listener: l.handle });
    const ev = w.pollAll();
    expect(ofType(ev, EV.ACCEPTED).length).toBe(1);
    // the host learns of the kept reply from the same call that says whom to signal
    expect(ctx.eng.core.signals() & VN.SIGNALS_PENDING).toBe(VN.SIGNALS_PENDING);
    expect(w.ctrlMq.drain().map((p) => p.type)).toEqual([T.LISTEN, T.LISTEN]);
    w.pollAll();
    expect(ctx.eng.core.signals() & VN.SIGNALS_PENDING).toBe(0);
    const r = w.ctrlMq.drain();
    expect(r.map((p) => p.type)).toEqual([T.ACCEPTED_REPLY]);
    expect(r[0].f.handle).toBe(a.handle);
  });

  ctx.test('TX event that does not fit is kept and posted later (no lost wake-up)', () => {
    const w = attached(ctx.eng, { vppMq: { maxsize: 8, ring0: 2, ring1: 4 } });
    const l = w.listen();
    const a = w.accept(l), b = w.accept(l), d = w.accept(l);
    expect(ctx.eng.send(a.sid, new Uint8Array(3))).toBe(3);     // TX(a), TX(b) fill ring 0
    expect(ctx.eng.send(b.sid, new Uint8Array(3))).toBe(3);
    const r = ctx.eng.send(d.sid, new Uint8Array(4));           // TX(d) cannot be posted now
    expect(r === 4 || r === VN.EAGAIN).toBe(true);
    const first = w.ctrlMq.drain();
    expect(first.map((p) => [p.type, p.sessionIndex])).toEqual([[T.IO_TX, Number(a.handle)], [T.IO_TX, Number(b.handle)]]);
    if (r === VN.EAGAIN) expect(ctx.eng.send(d.sid, new Uint8Array(4))).toBe(4);
    w.pollAll();                                                 // pending work is retried on poll
    const later = w.ctrlMq.drain();
    expect(later.map((p) => [p.type, p.sessionIndex])).toEqual([[T.IO_TX, Number(d.handle)]]);
    expect(d.tx.cursize).toBe(4);
  });

  ctx.test('signals(): bit i only on empty -> non-empty of VPP-bound queue i, cleared by reading', () => {
    const w = attached(ctx.eng, { nVppMqs: 2 });
    const c = ctx.eng.core;
    const l = w.listen();
    c.signals();
    ctx.eng.scratch().set(ip4(0, 0, 0, 0));
    expect(c.signals()).toBe(0);
    c.listen(1, 1);
    expect(c.signals()).toBe(0b01);
    expect(c.signals()).toBe(0);
    c.listen(1, 2);                       // queue was not empty: no new signal
    expect(c.signals()).toBe(0);
    w.ctrlMq.drain();
    c.listen(1, 3);
    expect(c.signals()).toBe(0b01);
    w.ctrlMq.drain();
    w.accepted({ listener: l.handle, mq: 1 });
    w.pollAll();                          // ACCEPTED_REPLY on queue 1
    expect(c.signals()).toBe(0b10);
    expect(w.vppMqs[1].drain().map((p) => p.type)).toEqual([T.ACCEPTED_REPLY]);
  });
});
