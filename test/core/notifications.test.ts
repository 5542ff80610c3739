/**
 * has_event / want_deq_ntf handshakes (docs/protocol.md §6.6) and VPP-bound signals (§5.5).
 */
import { T, EV, forEachEngine, attached, pattern, recvAll, ofType, WANT_DEQ_NOTIF, WANT_DEQ_NOTIF_IF_FULL, WANT_DEQ_NOTIF_IF_EMPTY } from './fixtures';

forEachEngine('notifications', (ctx) => {
  ctx.test('TX event only on the has_event 0 -> 1 transition, with VPP\'s session index', () => {
    const w = attached(ctx.eng);
    const s = w.session();
    expect(ctx.eng.send(s.sid, pattern(10))).toBe(10);
    expect(ctx.eng.send(s.sid, pattern(10))).toBe(10);
    expect(s.mq.drain().map((p) => [p.type, p.sessionIndex])).toEqual([[T.IO_TX, Number(s.handle & 0xFFFFFFFFn)]]);
    expect(s.tx.hasEvent).toBe(1);
    s.tx.hasEvent = 0;                                          // VPP finished a transmit pass
    ctx.eng.send(s.sid, pattern(10));
    expect(s.mq.drain().map((p) => p.type)).toEqual([T.IO_TX]);
  });

  ctx.test('RX: the core clears rx has_event (so new data produces a new event)', () => {
    const w = attached(ctx.eng);
    const s = w.session();
    s.rx.put(pattern(10)); s.rx.hasEvent = 1; w.io(T.IO_RX, s.sid);
    expect(ofType(w.pollAll(), EV.RX).map((e) => e[1])).toEqual([s.sid]);
    recvAll(ctx.eng, s.sid);
    expect(s.rx.hasEvent).toBe(0);
  });

  ctx.test('no want_deq_ntf: no dequeue notification', () => {
    const w = attached(ctx.eng);
    const s = w.session();
    s.rx.put(pattern(100)); recvAll(ctx.eng, s.sid);
    expect(s.mq.drain()).toEqual([]);
  });

  ctx.test('WANT_DEQ_NOTIF: RX to VPP after a read, bit cleared, once', () => {
    const w = attached(ctx.eng);
    const s = w.session();
    s.rx.put(pattern(100)); s.rx.wantDeqNtf = WANT_DEQ_NOTIF;
    expect(ctx.eng.recv(s.sid, 40)).toHaveLength(40);
    expect(s.mq.drain().map((p) => [p.type, p.sessionIndex])).toEqual([[T.IO_RX, Number(s.handle & 0xFFFFFFFFn)]]);
    expect(s.rx.wantDeqNtf & WANT_DEQ_NOTIF).toBe(0);
    recvAll(ctx.eng, s.sid);
    expect(s.mq.drain()).toEqual([]);
  });

  ctx.test('WANT_DEQ_NOTIF honours deq_thresh (free space >= threshold)', () => {
    const w = attached(ctx.eng);
    const s = w.session({ size: 4096, chunks: [4096] });
    s.rx.put(pattern(4096)); s.rx.wantDeqNtf = WANT_DEQ_NOTIF; s.rx.deqThresh = 2048;
    ctx.eng.recv(s.sid, 1000);
    expect(s.mq.drain()).toEqual([]);
    ctx.eng.recv(s.sid, 1100);
    expect(s.mq.drain().map((p) => p.type)).toEqual([T.IO_RX]);
  });

  ctx.test('IF_FULL: notify when the read un-fills a full fifo, set has_deq_ntf, not again', () => {
    const w = attached(ctx.eng);
    const s = w.session({ size: 4096, chunks: [4096] });
    s.rx.put(pattern(4096)); s.rx.wantDeqNtf = WANT_DEQ_NOTIF_IF_FULL;
    ctx.eng.recv(s.sid, 10);
    expect(s.mq.drain().map((p) => p.type)).toEqual([T.IO_RX]);
    expect(s.rx.hasDeqNtf).toBe(1);
    expect(s.rx.wantDeqNtf).toBe(WANT_DEQ_NOTIF_IF_FULL);      // IF_FULL stays set
    s.rx.put(pattern(10));
    ctx.eng.recv(s.sid, 10);
    expect(s.mq.drain()).toEqual([]);
  });

  ctx.test('IF_FULL: no notification when the fifo was not full', () => {
    const w = attached(ctx.eng);
    const s = w.session({ size: 4096, chunks: [4096] });
    s.rx.put(pattern(100)); s.rx.wantDeqNtf = WANT_DEQ_NOTIF_IF_FULL;
    ctx.eng.recv(s.sid, 10);
    expect(s.mq.drain()).toEqual([]);
  });

  ctx.test('IF_EMPTY: notify only when the read empties the fifo', () => {
    const w = attached(ctx.eng);
    const s = w.session();
    s.rx.put(pattern(100)); s.rx.wantDeqNtf = WANT_DEQ_NOTIF_IF_EMPTY;
    ctx.eng.recv(s.sid, 10);
    expect(s.mq.drain()).toEqual([]);
    recvAll(ctx.eng, s.sid);
    expect(s.mq.drain().map((p) => p.type)).toEqual([T.IO_RX]);
    expect(s.rx.hasDeqNtf).toBe(1);
  });

  ctx.test('full tx fifo: arm WANT_DEQ_NOTIF and post TX although no data was written (has_event was 0)', () => {
    const w = attached(ctx.eng);
    const s = w.session({ size: 4096, chunks: [4096] });
    expect(ctx.eng.send(s.sid, pattern(4096))).toBe(4096);
    s.mq.drain(); s.tx.hasEvent = 0;                            // VPP processed the TX but could not send yet
    expect(ctx.eng.send(s.sid, pattern(10))).toBe(0);
    expect(s.tx.wantDeqNtf & WANT_DEQ_NOTIF).toBeTruthy();
    expect(s.mq.drain().map((p) => p.type)).toEqual([T.IO_TX]);
    expect(s.tx.hasEvent).toBe(1);
  });

  ctx.test('full tx fifo with has_event already 1: armed, no extra TX', () => {
    const w = attached(ctx.eng);
    const s = w.session({ size: 4096, chunks: [4096] });
    ctx.eng.send(s.sid, pattern(4096)); s.mq.drain();
    expect(ctx.eng.send(s.sid, pattern(10))).toBe(0);
    expect(s.tx.wantDeqNtf & WANT_DEQ_NOTIF).toBeTruthy();
    expect(s.mq.drain()).toEqual([]);
  });

  ctx.test('VPP\'s TX after space frees up -> VN_EV_TX, and writing works again', () => {
    const w = attached(ctx.eng);
    const s = w.session({ size: 4096, chunks: [4096] });
    ctx.eng.send(s.sid, pattern(4096)); ctx.eng.send(s.sid, pattern(1)); s.mq.drain();
    s.tx.take(1000); s.tx.wantDeqNtf = 0; s.tx.hasEvent = 0;
    w.io(T.IO_TX, s.sid);
    expect(ofType(w.pollAll(), EV.TX).map((e) => e[1])).toEqual([s.sid]);
    expect(ctx.eng.send(s.sid, pattern(2000))).toBe(1000);
  });

  ctx.test('polling mode: reads leave rx has_event set; off clears it', () => {
    const w = attached(ctx.eng);
    const s = w.session();
    expect(ctx.eng.core.session_poll(s.sid, 1)).toBe(0);
    s.rx.put(pattern(10)); s.rx.hasEvent = 1;
    expect(ctx.eng.recv(s.sid, 100)).toHaveLength(10);
    expect(ctx.eng.recv(s.sid, 100)).toBeNull();
    expect(s.rx.hasEvent).toBe(1);                              // the peer posts no more RX events
    expect(ctx.eng.core.session_poll(s.sid, 0)).toBe(0);
    expect(s.rx.hasEvent).toBe(0);                              // new data raises an event again
    s.rx.put(pattern(10)); s.rx.hasEvent = 1;
    recvAll(ctx.eng, s.sid);
    expect(s.rx.hasEvent).toBe(0);
  });

  ctx.test('polling mode: a full tx fifo arms nothing and posts no TX; off, the next full write arms again', () => {
    const w = attached(ctx.eng);
    const s = w.session({ size: 4096, chunks: [4096] });
    ctx.eng.core.session_poll(s.sid, 1);
    expect(ctx.eng.send(s.sid, pattern(4096))).toBe(4096);
    expect(s.mq.drain().map((p) => p.type)).toEqual([T.IO_TX]);  // data still tells the peer
    s.tx.hasEvent = 0;
    expect(ctx.eng.send(s.sid, pattern(10))).toBe(0);
    expect(s.tx.wantDeqNtf).toBe(0);
    expect(s.mq.drain()).toEqual([]);
    ctx.eng.core.session_poll(s.sid, 0);
    expect(ctx.eng.send(s.sid, pattern(10))).toBe(0);
    expect(s.tx.wantDeqNtf & WANT_DEQ_NOTIF).toBeTruthy();
    expect(s.mq.drain().map((p) => p.type)).toEqual([T.IO_TX]);
  });

  ctx.test('polling mode on an unknown session: ENOENT', () => {
    attached(ctx.eng);
    expect(ctx.eng.core.session_poll(12345, 1)).toBe(-2);
  });

  ctx.test('signals() reports the session mq after its first post only', () => {
    const w = attached(ctx.eng);
    const s = w.session();
    s.mq.drain(); ctx.eng.core.signals();
    ctx.eng.send(s.sid, pattern(1));
    expect(ctx.eng.core.signals()).toBe(1);
    s.tx.hasEvent = 0;
    ctx.eng.send(s.sid, pattern(1));                            // queue still holds the first TX
    expect(ctx.eng.core.signals()).toBe(0);
  });
});
