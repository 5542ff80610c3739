/**
 * Every control message round-trips: what the core encodes decodes with the
 * field offsets of docs/protocol.md (§7.4–7.8), and what VPP sends becomes the right event.
 */
import { VN, EV, T, forEachEngine, attached, ofType, ip4, Segment, Fifo } from './fixtures';

const low32 = (h: bigint) => Number(h & 0xFFFFFFFFn);

forEachEngine('control messages', (ctx) => {
  ctx.test('LISTEN on the ctrl mq: client_index, context=sid, port in network order, ip46 (§7.4)', () => {
    const w = attached(ctx.eng);
    ctx.eng.scratch().set(ip4(127, 0, 0, 2));
    const sid = ctx.eng.core.listen(1, 7000);
    expect(sid).toBeGreaterThanOrEqual(0);
    const [p, ...rest] = w.ctrlMq.drain();
    expect(rest).toEqual([]);
    expect(p.type).toBe(T.LISTEN);
    expect(p.f).toMatchObject({ client_index: w.clientHandle, context: sid, wrk_index: 0, vrf: 0, port: 7000, proto: 0, is_ip4: 1, flags: 0, ext_config: 0n, dscp: 0 });
    expect(Array.from(p.f.ip as Uint8Array)).toEqual(Array.from(ip4(127, 0, 0, 2)));
    expect(p.raw[2 + 16]).toBe(7000 >> 8);   // network order on the wire
  });

  ctx.test('LISTEN for IPv6 carries all 16 bytes', () => {
    const w = attached(ctx.eng);
    const ip6 = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    ctx.eng.scratch().set(ip6);
    ctx.eng.core.listen(0, 443);
    const [p] = w.ctrlMq.drain();
    expect(p.f.is_ip4).toBe(0);
    expect(Array.from(p.f.ip as Uint8Array)).toEqual(Array.from(ip6));
  });

  ctx.test('BOUND -> VN_EV_BOUND with err 0 and the actual port (host order)', () => {
    const w = attached(ctx.eng);
    ctx.eng.scratch().set(ip4(0, 0, 0, 0));
    const sid = ctx.eng.core.listen(1, 0);
    w.ctrlMq.drain();
    w.bound({ context: sid, port: 41234 });
    expect(w.pollAll()).toEqual([[EV.BOUND, sid, 0, 41234, 0, 0, 0, 0].map((x, i) => (i < 4 ? x : expect.any(Number)))]);
  });

  ctx.test('BOUND with retval -15 (PORTINUSE) -> VN_EV_BOUND with a negative err', () => {
    const w = attached(ctx.eng);
    ctx.eng.scratch().set(ip4(0, 0, 0, 0));
    const sid = ctx.eng.core.listen(1, 80);
    w.ctrlMq.drain();
    w.bound({ context: sid, retval: -15 });
    const ev = ofType(w.pollAll(), EV.BOUND);
    expect(ev.length).toBe(1);
    expect(ev[0][1]).toBe(sid);
    expect(ev[0][2] | 0).toBeLessThan(0);
  });

  ctx.test('CONNECT on the ctrl mq: context=sid, remote ip/port, no local ip/port (§7.6)', () => {
    const w = attached(ctx.eng);
    ctx.eng.scratch().fill(0, 0, 32).set(ip4(127, 0, 0, 2));
    const sid = ctx.eng.core.connect(1, 7000, 0);
    expect(sid).toBeGreaterThanOrEqual(0);
    const [p] = w.ctrlMq.drain();
    expect(p.type).toBe(T.CONNECT);
    expect(p.f).toMatchObject({ client_index: w.clientHandle, context: sid, wrk_index: 0, vrf: 0, port: 7000, lcl_port: 0, proto: 0, is_ip4: 1, flags: 0, dscp: 0, ext_config: 0n });
    expect(Array.from(p.f.ip as Uint8Array)).toEqual(Array.from(ip4(127, 0, 0, 2)));
    expect((p.f.lcl_ip as Uint8Array).every((b) => b === 0)).toBe(true);
    expect([0n, 0xFFFFFFFFFFFFFFFFn]).toContain(p.f.parent_handle);
  });

  ctx.test('CONNECT with a local endpoint (node\'s localAddress/localPort): lcl_ip from scratch[16], lcl_port', () => {
    const w = attached(ctx.eng);
    const s = ctx.eng.scratch().fill(0, 0, 32);
    s.set(ip4(127, 0, 0, 2));
    s.set(ip4(127, 0, 0, 9), 16);
    const sid = ctx.eng.core.connect(1, 7000, 5555);
    const [p] = w.ctrlMq.drain();
    expect(p.f).toMatchObject({ context: sid, port: 7000, lcl_port: 5555, is_ip4: 1 });
    expect(Array.from(p.f.lcl_ip as Uint8Array)).toEqual(Array.from(ip4(127, 0, 0, 9)));
    expect(ctx.eng.core.connect(1, 7000, 65536)).toBe(VN.EINVAL);
  });

  ctx.test('CONNECTED ok -> VN_EV_CONNECTED err 0; local address from lcl', () => {
    const w = attached(ctx.eng);
    ctx.eng.scratch().fill(0, 0, 32).set(ip4(127, 0, 0, 2));
    const sid = ctx.eng.core.connect(1, 7000, 0);
    w.ctrlMq.drain();
    w.connected({ context: sid });
    const ev = ofType(w.pollAll(), EV.CONNECTED);
    expect(ev.map((e) => [e[1], e[2]])).toEqual([[sid, 0]]);
    expect(ctx.eng.core.session_addr(sid, 0)).toBeGreaterThanOrEqual(0);
    const s = ctx.eng.scratch();
    expect(Array.from(s.subarray(VN.ADDR_IP, VN.ADDR_IP + 16))).toEqual(Array.from(ip4(127, 0, 0, 1)));
    expect(new DataView(s.buffer, s.byteOffset).getUint16(VN.ADDR_PORT, true)).toBe(40001);
    expect(s[VN.ADDR_IS_IP4]).toBe(1);
    expect(w.ctrlMq.cursize).toBe(0);     // no reply to CONNECTED
  });

  ctx.test('CONNECTED refused (-2) -> VN_EV_CONNECTED with err < 0 and the sid is free', () => {
    const w = attached(ctx.eng);
    const c = ctx.eng.core;
    ctx.eng.scratch().set(ip4(127, 0, 0, 2));
    const sid = c.connect(1, 7000, 0);
    expect(c.attach_info(VN.INFO_SESSIONS)).toBe(1);
    w.ctrlMq.drain();
    w.connected({ context: sid, retval: -2 });
    const ev = ofType(w.pollAll(), EV.CONNECTED);
    expect(ev.length).toBe(1);
    expect(ev[0][2] | 0).toBeLessThan(0);
    expect(c.attach_info(VN.INFO_SESSIONS)).toBe(0);
    expect(c.tx_reserve(sid, 1)).toBeLessThan(0);
  });

  ctx.test('ACCEPTED -> VN_EV_ACCEPTED + ACCEPTED_REPLY {app_index, 0, handle, sid} on the session mq (§7.5)', () => {
    const w = attached(ctx.eng, { nVppMqs: 2 });
    const l = w.listen();
    const a = w.accepted({ listener: l.handle, mq: 1, handle: 0x0000000100000005n });
    const ev = ofType(w.pollAll(), EV.ACCEPTED);
    expect(ev.length).toBe(1);
    expect(ev[0][2]).toBe(l.sid);
    const sid = ev[0][1];
    expect(sid).not.toBe(l.sid);
    const r = w.vppMqs[1].drain();
    expect(r.map((p) => p.type)).toEqual([T.ACCEPTED_REPLY]);
    expect(r[0].f).toEqual({ context: w.appIndex, retval: 0, handle: a.handle, app_session_index: sid });
    expect(ctx.eng.core.session_addr(sid, 1)).toBeGreaterThanOrEqual(0);
    const s = ctx.eng.scratch();
    expect(Array.from(s.subarray(0, 16))).toEqual(Array.from(ip4(127, 0, 0, 9)));
    expect(new DataView(s.buffer, s.byteOffset).getUint16(VN.ADDR_PORT, true)).toBe(40000);
    ctx.eng.core.session_addr(sid, 0);
    expect(new DataView(s.buffer, s.byteOffset).getUint16(VN.ADDR_PORT, true)).toBe(7000);
  });

  ctx.test('cut-through ACCEPTED (no endpoints): the listener\'s address, or the loopback for a wildcard one, and one stand-in port', () => {
    const addr = (sid: number, which: number) => {
      expect(ctx.eng.core.session_addr(sid, which)).toBe(0);
      const s = ctx.eng.scratch();
      return [s.subarray(VN.ADDR_IP, VN.ADDR_IP + 16).join('.'), new DataView(s.buffer, s.byteOffset).getUint16(VN.ADDR_PORT, true)];
    };
    const w = attached(ctx.eng);
    for (const [lip, want] of [[ip4(0, 0, 0, 0), ip4(127, 0, 0, 1)], [ip4(127, 0, 0, 2), ip4(127, 0, 0, 2)]]) {
      const l = w.listen(7000 + want[15], lip);
      w.accepted({ listener: l.handle, ct: true });
      const [ev] = ofType(w.pollAll(), EV.ACCEPTED);
      const sid = ev[1];
      expect(ctx.eng.core.session_flags(sid) & VN.SS_CUT_THROUGH).toBe(VN.SS_CUT_THROUGH);
      const [lcl, rmt] = [addr(sid, 0), addr(sid, 1)];
      expect(lcl[0]).toBe(want.join('.'));
      expect(rmt[0]).toBe(want.join('.'));
      expect(rmt[1]).toBeGreaterThanOrEqual(49152);
      w.ctrlMq.drain(); w.vppMqs[0].drain();
    }
  });

  ctx.test('CONNECTED naming a segment the host could not map: the session fails with ENOMEM (room), one naming an unknown one with EBADMSG (a lie)', () => {
    const w = attached(ctx.eng);
    const c = ctx.eng.core;
    const errOf = (segHandle: bigint) => {
      ctx.eng.scratch().fill(0, 0, 32).set(ip4(127, 0, 0, 2));
      const sid = c.connect(1, 7000, 0);
      w.ctrlMq.drain();
      w.connected({ context: sid, segHandle });
      const ev = ofType(w.pollAll(), EV.SESSION_ERROR).filter((e) => e[1] === sid);
      return ev.map((e) => e[2] | 0);
    };
    expect(errOf(0xbeefn)).toEqual([VN.EBADMSG]);
    expect(c.segment_refused(0xbeef, 0)).toBe(0);
    expect(errOf(0xbeefn)).toEqual([VN.ENOMEM]);
  });

  ctx.test('handle 0 is a valid session and listener handle (§7.1)', () => {
    const w = attached(ctx.eng);
    ctx.eng.scratch().set(ip4(0, 0, 0, 0));
    const lsid = ctx.eng.core.listen(1, 7000);
    w.ctrlMq.drain();
    w.bound({ context: lsid, handle: 0n });
    w.pollAll();
    w.accepted({ listener: 0n, handle: 0n });
    const ev = ofType(w.pollAll(), EV.ACCEPTED);
    expect(ev.length).toBe(1);
    const sid = ev[0][1];
    expect(w.ctrlMq.drain()[0].f.handle).toBe(0n);
    expect(ctx.eng.send(sid, new Uint8Array(1))).toBe(1);
    expect(w.ctrlMq.drain().map((p) => [p.type, p.sessionIndex])).toEqual([[T.IO_TX, 0]]);
  });

  ctx.test('UNLISTEN {client_index, wrk_index 0, handle} -> UNLISTEN_REPLY -> VN_EV_UNBOUND, sid free', () => {
    const w = attached(ctx.eng);
    const c = ctx.eng.core;
    const l = w.listen();
    expect(c.unlisten(l.sid)).toBe(0);
    const [p] = w.ctrlMq.drain();
    expect(p.type).toBe(T.UNLISTEN);
    expect(p.f).toMatchObject({ client_index: w.clientHandle, wrk_index: 0, handle: l.handle });
    w.unlistenReply({ context: p.f.context as number, handle: l.handle });
    const ev = ofType(w.pollAll(), EV.UNBOUND);
    expect(ev.map((e) => [e[1], e[2]])).toEqual([[l.sid, 0]]);
    expect(c.attach_info(VN.INFO_SESSIONS)).toBe(0);
  });

  ctx.test('SHUTDOWN / DISCONNECT / TERMINATE carry {client_index, 0, handle} on the session mq (§7.7)', () => {
    const w = attached(ctx.eng);
    const l = w.listen();
    const cases: [number, (sid: number) => number][] = [
      [T.SHUTDOWN, (sid) => ctx.eng.core.shutdown(sid)],
      [T.DISCONNECT, (sid) => ctx.eng.core.close(sid)],
      [T.TERMINATE, (sid) => ctx.eng.core.abort(sid)],
    ];
    for (const [type, call] of cases) {
      const s = w.accept(l);
      expect(call(s.sid)).toBe(0);
      const p = s.mq.drain();
      expect(p.map((x) => x.type)).toEqual([type]);
      expect(p[0].f).toEqual({ client_index: w.clientHandle, context: 0, handle: s.handle });
    }
  });

  ctx.test('APP_ADD_SEGMENT -> VN_EV_ADD_SEGMENT (poll stops after it); sessions can use the new segment', () => {
    const w = attached(ctx.eng);
    const l = w.listen();
    const seg = Segment.alloc(ctx.eng, 512 << 10);
    const h = 0x0100000400000000n;
    w.addSegment(h, seg.size);
    const rx = Fifo.create(seg), tx = Fifo.create(seg);
    w.accepted({ listener: l.handle, seg, segHandle: h, rx, tx });
    const ev = w.poll();
    expect(ev[ev.length - 1].slice(0, 6)).toEqual([EV.ADD_SEGMENT, expect.any(Number), 0, 0x01000004, seg.size, VN.FD_MEMFD_SEGMENT]);
    expect(ofType(ev, EV.ACCEPTED)).toEqual([]);
    const slot = ctx.eng.core.segment_add(VN.SEG_APP, 0, 0x01000004, seg.base, seg.size);
    expect(slot).toBeGreaterThanOrEqual(0);
    const ev2 = ofType(w.pollAll(), EV.ACCEPTED);
    expect(ev2.length).toBe(1);
    rx.put(new TextEncoder().encode('hello'));
    const got = ctx.eng.recv(ev2[0][1], 100);
    expect(Buffer.from(got as Buffer).toString()).toBe('hello');
  });

  ctx.test('APP_DEL_SEGMENT -> VN_EV_DEL_SEGMENT with the slot, already forgotten', () => {
    const w = attached(ctx.eng);
    const seg = Segment.alloc(ctx.eng, 256 << 10);
    const slot = ctx.eng.core.segment_add(VN.SEG_APP, 0x99, 0, seg.base, seg.size);
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(ctx.eng.core.attach_info(VN.INFO_SEGMENTS)).toBe(3);
    w.delSegment(0x99n);
    const ev = ofType(w.pollAll(), EV.DEL_SEGMENT);
    expect(ev.map((e) => e[2])).toEqual([slot]);
    expect(ctx.eng.core.segment_base(slot)).toBe(0);
    expect(ctx.eng.core.attach_info(VN.INFO_SEGMENTS)).toBe(2);
  });

  ctx.test('IO events from VPP: RX -> VN_EV_RX, TX -> VN_EV_TX, for the app session index', () => {
    const w = attached(ctx.eng);
    const s = w.session();
    s.rx.put(new Uint8Array(10)); s.rx.hasEvent = 1;
    w.io(T.IO_RX, s.sid);
    w.io(T.IO_TX, s.sid);
    const ev = w.pollAll();
    expect(ev.map((e) => [e[0], e[1]])).toEqual([[EV.RX, s.sid], [EV.TX, s.sid]]);
    void low32;
  });
});
