/**
 * Session state machine against the sequences of docs/protocol.md §8 and the answers of §7.10.
 */
import { VN, EV, T, forEachEngine, attached, ofType, ip4, newEngine, Fifo } from './fixtures';

forEachEngine('session lifecycle', (ctx) => {
  ctx.test('peer close: DISCONNECTED -> PEER_CLOSED, data still readable, close -> DISCONNECTED_REPLY, CLEANUP 1 -> CLOSED', () => {
    const w = attached(ctx.eng);
    const s = w.session();
    const c = ctx.eng.core;
    s.rx.put(new TextEncoder().encode('last words')); s.rx.hasEvent = 1;
    w.io(T.IO_RX, s.sid);
    w.closing(T.DISCONNECTED, s.handle);
    const ev = w.pollAll();
    expect(ofType(ev, EV.PEER_CLOSED).map((e) => e[1])).toEqual([s.sid]);
    expect(c.session_flags(s.sid) & VN.SS_PEER_CLOSED).toBeTruthy();
    expect(s.mq.drain()).toEqual([]);                          // nothing answered before the app closes
    expect(Buffer.from(ctx.eng.recv(s.sid, 100) as Buffer).toString()).toBe('last words');
    expect(c.close(s.sid)).toBe(0);
    const r = s.mq.drain();
    expect(r.map((p) => p.type)).toEqual([T.DISCONNECTED_REPLY]);     // and no DISCONNECT
    expect(r[0].f).toEqual({ context: w.clientHandle, retval: 0, handle: s.handle });
    w.cleanup(s.handle, 0);
    expect(ofType(w.pollAll(), EV.CLOSED)).toEqual([]);
    expect(s.mq.drain()).toEqual([]);                          // already answered: CLEANUP 0 needs nothing
    w.cleanup(s.handle, 1);
    expect(ofType(w.pollAll(), EV.CLOSED).map((e) => e[1])).toEqual([s.sid]);
    expect(c.attach_info(VN.INFO_SESSIONS)).toBe(1);           // only the listener is left
  });

  ctx.test('app close: DISCONNECT, events for the session are ignored until CLEANUP 1 -> CLOSED', () => {
    const w = attached(ctx.eng);
    const s = w.session();
    expect(ctx.eng.core.close(s.sid)).toBe(0);
    expect(s.mq.drain().map((p) => p.type)).toEqual([T.DISCONNECT]);
    w.io(T.IO_RX, s.sid);
    w.closing(T.DISCONNECTED, s.handle);
    const mid = w.pollAll();
    expect(mid.filter((e) => e[1] === s.sid && ([EV.RX, EV.PEER_CLOSED] as number[]).includes(e[0]))).toEqual([]);
    expect(s.mq.drain().map((p) => p.type)).not.toContain(T.DISCONNECT);   // never a second DISCONNECT
    expect(ctx.eng.core.tx_reserve(s.sid, 10)).toBeLessThan(0);
    w.cleanup(s.handle, 0);
    w.cleanup(s.handle, 1);
    expect(ofType(w.pollAll(), EV.CLOSED).map((e) => e[1])).toEqual([s.sid]);
  });

  // Earlier notes suggested confirming at once (§7.7 now follows VPP); VPP's source (session.c,
  // session_transport_delete_notify) keeps the session and its fifos until the
  // app confirms, so the core waits for vn_close and unread bytes stay readable.
  ctx.test('CLEANUP 0 after DISCONNECTED without an app close: data stays readable, vn_close confirms', () => {
    const w = attached(ctx.eng);
    const s = w.session();
    s.rx.put(new Uint8Array([9, 8, 7]));
    w.closing(T.DISCONNECTED, s.handle);
    w.pollAll();
    w.cleanup(s.handle, 0);
    w.pollAll();
    expect(s.mq.drain()).toEqual([]);
    expect(Array.from(ctx.eng.recv(s.sid, 10) as Buffer)).toEqual([9, 8, 7]);
    ctx.eng.core.close(s.sid);
    expect(s.mq.drain().map((p) => p.type)).toEqual([T.DISCONNECTED_REPLY]);
  });

  ctx.test('reset: RESET -> VN_EV_RESET + SS_RESET, writes refused, close -> RESET_REPLY', () => {
    const w = attached(ctx.eng);
    const s = w.session();
    w.closing(T.RESET, s.handle);
    expect(ofType(w.pollAll(), EV.RESET).map((e) => e[1])).toEqual([s.sid]);
    expect(ctx.eng.core.session_flags(s.sid) & VN.SS_RESET).toBeTruthy();
    expect(ctx.eng.core.tx_reserve(s.sid, 10)).toBeLessThan(0);
    expect(ctx.eng.core.close(s.sid)).toBe(0);
    const r = s.mq.drain();
    expect(r.map((p) => p.type)).toEqual([T.RESET_REPLY]);
    expect(r[0].f).toEqual({ context: w.clientHandle, retval: 0, handle: s.handle });
    w.cleanup(s.handle, 1);
    expect(ofType(w.pollAll(), EV.CLOSED).map((e) => e[1])).toEqual([s.sid]);
  });

  ctx.test('abort -> TERMINATE; the session closes on CLEANUP 1', () => {
    const w = attached(ctx.eng);
    const s = w.session();
    expect(ctx.eng.core.abort(s.sid)).toBe(0);
    expect(s.mq.drain().map((p) => p.type)).toEqual([T.TERMINATE]);
    expect(ctx.eng.core.abort(s.sid)).toBeLessThanOrEqual(0);
    expect(s.mq.drain()).toEqual([]);                           // one TERMINATE only
    w.cleanup(s.handle, 1);
    expect(ofType(w.pollAll(), EV.CLOSED).map((e) => e[1])).toEqual([s.sid]);
  });

  ctx.test('shutdown keeps the session readable; writes after shutdown are refused', () => {
    const w = attached(ctx.eng);
    const s = w.session();
    expect(ctx.eng.core.shutdown(s.sid)).toBe(0);
    expect(s.mq.drain().map((p) => p.type)).toEqual([T.SHUTDOWN]);
    s.rx.put(new Uint8Array([1, 2, 3]));
    expect(Array.from(ctx.eng.recv(s.sid, 10) as Buffer)).toEqual([1, 2, 3]);
    expect(ctx.eng.core.tx_reserve(s.sid, 1)).toBe(VN.EPIPE);
  });

  ctx.test('connect then close before CONNECTED: the late session is disconnected, and the answer still reported (the host counts unanswered connects)', () => {
    const w = attached(ctx.eng);
    ctx.eng.scratch().fill(0, 0, 32).set(ip4(127, 0, 0, 2));
    const sid = ctx.eng.core.connect(1, 7000, 0);
    w.ctrlMq.drain();
    expect(ctx.eng.core.close(sid)).toBeGreaterThanOrEqual(0);
    const k = w.connected({ context: sid })!;
    const ev = w.pollAll();
    expect(ofType(ev, EV.CONNECTED).map((e) => [e[1], e[2]])).toEqual([[sid, 0]]);
    expect(k.mq.drain().map((p) => [p.type, p.f.handle])).toEqual([[T.DISCONNECT, k.handle]]);
    w.cleanup(k.handle, 1);
    w.pollAll();
    expect(ctx.eng.core.attach_info(VN.INFO_SESSIONS)).toBe(0);
  });

  ctx.test('a handle naming a listener being unlistened and a new session: each message finds its own kind', () => {
    const w = attached(ctx.eng);
    const old = w.listen(7000);
    const l = w.listen(7001);
    expect(ctx.eng.core.unlisten(old.sid)).toBeGreaterThanOrEqual(0);   // UNLISTENING until the reply
    w.ctrlMq.drain();
    // VPP freed the old listen session and reused its index (its handle) for a session accepted on the other listener
    w.accepted({ listener: l.handle, handle: old.handle });
    const acc = ofType(w.pollAll(), EV.ACCEPTED);
    expect(acc.map((e) => e[2])).toEqual([l.sid]);
    w.closing(T.DISCONNECTED, old.handle);
    expect(ofType(w.pollAll(), EV.PEER_CLOSED).map((e) => e[1])).toEqual([acc[0][1]]);
    expect(ctx.eng.core.attach_info(VN.INFO_BAD_MSGS)).toBe(0);
  });

  ctx.test('a handle is reusable after CLEANUP 1', () => {
    const w = attached(ctx.eng);
    const l = w.listen();
    const h = 0x42n;
    w.accepted({ listener: l.handle, handle: h });
    const sid1 = ofType(w.pollAll(), EV.ACCEPTED)[0][1];
    ctx.eng.core.close(sid1);
    w.cleanup(h, 1);
    w.pollAll();
    w.ctrlMq.drain();
    w.accepted({ listener: l.handle, handle: h });
    const ev = ofType(w.pollAll(), EV.ACCEPTED);
    expect(ev.length).toBe(1);
    w.closing(T.DISCONNECTED, h);
    expect(ofType(w.pollAll(), EV.PEER_CLOSED).map((e) => e[1])).toEqual([ev[0][1]]);
  });

  ctx.test('operations on free or out-of-range sids return VN_ENOENT/VN_EINVAL', () => {
    attached(ctx.eng);
    const c = ctx.eng.core;
    for (const sid of [0, 5, 63, 64, 1000, 0xFFFFFFFF]) {
      for (const r of [c.close(sid), c.abort(sid), c.shutdown(sid), c.unlisten(sid), c.tx_reserve(sid, 1), c.tx_commit(sid, 0), c.rx_peek(sid, 1), c.rx_release(sid, 0), c.session_addr(sid, 0)]) {
        expect([VN.ENOENT, VN.EINVAL]).toContain(r);
      }
    }
  });

  ctx.test('the table grows from 1024 slots to maxSessions; handles keep resolving across growth (TIME_WAIT holds TCP sessions 10 s)', async () => {
    const eng = await newEngine(ctx.kind, { maxSessions: 2500 });
    try {
      const w = attached(eng);
      const l = w.listen();
      const sids = new Map<bigint, number>();
      const rx = Fifo.create(w.app), tx = Fifo.create(w.app);   // shared by all: the table is under test, not the fifos
      const take = () => {
        for (const e of ofType(w.pollAll(), EV.ACCEPTED)) sids.set(0x1000n + BigInt(sids.size), e[1]);
        w.ctrlMq.drain();
      };
      for (let i = 0; i < 2600; i++) {
        w.accepted({ listener: l.handle, handle: 0x1000n + BigInt(i), rx, tx });
        if (i % 8 === 7) take();
      }
      take();
      expect(eng.core.attach_info(VN.INFO_SESSIONS)).toBe(2500);  // 1024 -> 2048 -> 2500 slots, then refused
      expect(sids.size).toBe(2499);                               // and the listener
      expect(new Set(sids.values()).size).toBe(2499);
      // sessions made before and after each growth are still found by handle
      for (const i of [0, 1022, 1023, 2046, 2047, 2498]) {
        w.closing(T.DISCONNECTED, 0x1000n + BigInt(i));
        expect(ofType(w.pollAll(), EV.PEER_CLOSED).map((e) => e[1])).toEqual([sids.get(0x1000n + BigInt(i))]);
      }
      // and so is the listener: a new ACCEPTED on it is accepted once a slot is free
      const victim = sids.get(0x1000n)!;
      eng.core.close(victim);
      w.cleanup(0x1000n, 1);
      w.pollAll();
      w.ctrlMq.drain();
      w.accepted({ listener: l.handle, handle: 0x9999n, rx, tx });
      expect(ofType(w.pollAll(), EV.ACCEPTED).length).toBe(1);
    } finally { eng.dispose(); }
  });

  ctx.test('the session table fills up: listen/connect return VN_ENOMEM, ACCEPTED beyond it is refused', async () => {
    const w = attached(ctx.eng, { vppMq: { maxsize: 256, ring0: 128, ring1: 128 } });
    const c = ctx.eng.core;
    const l = w.listen();
    ctx.eng.scratch().set(ip4(127, 0, 0, 2));
    let n = 1, r = 0;
    for (; n < 1000; n++) { r = c.connect(1, 1, 0); if (r < 0) break; if (n % 32 === 0) w.ctrlMq.drain(); }
    expect(r).toBe(VN.ENOMEM);
    expect(n).toBe(64);                                          // max_sessions = 64 in the fixture engines
    w.ctrlMq.drain();
    w.accepted({ listener: l.handle });
    const ev = w.pollAll();
    expect(ofType(ev, EV.ACCEPTED)).toEqual([]);
    const rep = w.ctrlMq.drain().filter((p) => p.type === T.ACCEPTED_REPLY);
    expect(rep.length).toBe(1);
    expect(rep[0].f.retval).not.toBe(0);                         // refused: VPP closes it
  });
});
