/**
 * Datagrams (UDP): the connectionless session's BOUND, VPP's 47-byte record
 * header in both directions, TX_MAIN events, and records that lie.
 */
import { T, EV, VN, forEachEngine, attached, ip4, ofType, pattern } from './fixtures';

const HDR = 47;

/** A record as VPP enqueues one: header (peer, local address, ports) and payload. */
function record(payload: Uint8Array, from = ip4(127, 0, 1, 2), fromPort = 40000, to = ip4(127, 0, 0, 2), toPort = 5353, len = payload.length) {
  const r = new Uint8Array(HDR + payload.length);
  const dv = new DataView(r.buffer);
  dv.setUint32(0, len, true);
  r.set(from, 8);
  r.set(to, 24);
  dv.setUint16(40, fromPort, false);
  dv.setUint16(42, toPort, false);
  r[44] = 1;
  r.set(payload, HDR);
  return r;
}

forEachEngine('datagrams', (ctx) => {
  const scratchAddr = () => {
    const s = ctx.eng.scratch();
    const dv = new DataView(s.buffer, s.byteOffset);
    return {
      from: s.subarray(VN.ADDR_IP + 12, VN.ADDR_IP + 16).join('.'), port: dv.getUint16(VN.ADDR_PORT, true),
      isIp4: s[VN.ADDR_IS_IP4], to: s.subarray(VN.DGRAM_LCL_IP + 12, VN.DGRAM_LCL_IP + 16).join('.'), len: dv.getUint32(VN.DGRAM_LEN, true),
    };
  };

  ctx.test('udp_bind sends a UDP LISTEN; port 0 is refused (VPP picks no UDP port)', () => {
    const w = attached(ctx.eng);
    ctx.eng.scratch().set(ip4(127, 0, 0, 2));
    expect(ctx.eng.core.udp_bind(1, 0)).toBe(VN.EINVAL);
    const b = w.udpBind(5353);
    const ev = ofType(w.pollAll(), EV.BOUND);
    expect(ev.map((e) => [e[1], e[2]])).toEqual([[b.sid, 0]]);
  });

  ctx.test('each received datagram comes whole, with its sender and destination, in order', () => {
    const w = attached(ctx.eng);
    const b = w.udpBind();
    w.pollAll();
    b.rx.put(record(pattern(100), ip4(127, 0, 1, 2), 40000));
    b.rx.put(record(pattern(3000, 5), ip4(127, 0, 1, 9), 40001));   // spans the fifo's 4 KiB chunks
    b.rx.put(record(new Uint8Array(0), ip4(127, 0, 1, 3), 40002)); // VPP enqueues empty ones too
    w.io(T.IO_RX, b.sid);
    expect(ofType(w.pollAll(), EV.RX).map((e) => e[1])).toEqual([b.sid]);
    const a = ctx.eng.dgramRecv(b.sid, 65536) as Buffer;
    expect(Buffer.compare(a, Buffer.from(pattern(100)))).toBe(0);
    expect(scratchAddr()).toEqual({ from: '127.0.1.2', port: 40000, isIp4: 1, to: '127.0.0.2', len: 100 });
    const c = ctx.eng.dgramRecv(b.sid, 65536) as Buffer;
    expect(Buffer.compare(c, Buffer.from(pattern(3000, 5)))).toBe(0);
    expect(scratchAddr()).toMatchObject({ from: '127.0.1.9', port: 40001, len: 3000 });
    const e = ctx.eng.dgramRecv(b.sid, 65536) as Buffer;
    expect(e.length).toBe(0);
    expect(scratchAddr()).toMatchObject({ from: '127.0.1.3', port: 40002, len: 0 });
    expect(ctx.eng.dgramRecv(b.sid, 65536)).toBe(VN.EAGAIN);
    expect(b.rx.cursize).toBe(0);
  });

  ctx.test('a datagram longer than the reader takes is cut, and the rest of it dropped with it', () => {
    const w = attached(ctx.eng);
    const b = w.udpBind();
    w.pollAll();
    b.rx.put(record(pattern(500)));
    b.rx.put(record(pattern(7, 1)));
    const a = ctx.eng.dgramRecv(b.sid, 200) as Buffer;
    expect(Buffer.compare(a, Buffer.from(pattern(500)).subarray(0, 200))).toBe(0);
    expect(scratchAddr().len).toBe(500);
    expect(Buffer.compare(ctx.eng.dgramRecv(b.sid, 200) as Buffer, Buffer.from(pattern(7, 1)))).toBe(0);
  });

  ctx.test('sending writes header and payload as one record and posts TX_MAIN with the cl_sh_handle', () => {
    const w = attached(ctx.eng);
    const b = w.udpBind(5353);
    w.pollAll();
    const s = ctx.eng.scratch();
    s.fill(0, 0, 40);
    s.set(ip4(127, 0, 1, 2), 0);
    s.set(ip4(127, 0, 0, 2), VN.DGRAM_LCL_IP);
    expect(ctx.eng.dgramSend(b.sid, pattern(1000), 1, 40000)).toBe(1000);
    expect(ctx.eng.dgramSend(b.sid, pattern(10, 3), 1, 40001)).toBe(10);
    expect(w.vppMqs[0].drain().map((p) => [p.type, p.sessionIndex])).toEqual([[T.IO_TX_MAIN, Number(b.cl & 0xFFFFFFFFn)]]);
    const bytes = b.tx.take(1 << 16);
    expect(bytes.length).toBe(HDR + 1000 + HDR + 10);
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    expect(dv.getUint32(0, true)).toBe(1000);
    expect(dv.getUint32(4, true)).toBe(0);
    expect(Array.from(bytes.subarray(8, 24))).toEqual(Array.from(ip4(127, 0, 1, 2)));
    expect(Array.from(bytes.subarray(24, 40))).toEqual(Array.from(ip4(127, 0, 0, 2)));
    expect(dv.getUint16(40, false)).toBe(40000);
    expect(dv.getUint16(42, false)).toBe(5353);
    expect(bytes[44]).toBe(1);
    expect(Buffer.compare(Buffer.from(bytes.subarray(HDR, HDR + 1000)), Buffer.from(pattern(1000)))).toBe(0);
    expect(dv.getUint32(HDR + 1000, true)).toBe(10);
  });

  ctx.test('no room for a whole datagram: nothing written, a TX-space notification armed; empty and oversized ones refused', () => {
    const w = attached(ctx.eng);
    const b = w.udpBind(5353, ip4(127, 0, 0, 2), { size: 4096, chunks: [4096] });
    w.pollAll();
    ctx.eng.scratch().set(ip4(127, 0, 1, 2), 0);
    expect(ctx.eng.dgramSend(b.sid, pattern(3000), 1, 40000)).toBe(3000);
    const before = b.tx.cursize;
    expect(ctx.eng.dgramSend(b.sid, pattern(3000), 1, 40000)).toBe(0);
    expect(b.tx.cursize).toBe(before);
    expect(b.tx.wantDeqNtf).not.toBe(0);
    expect(ctx.eng.dgramSend(b.sid, new Uint8Array(0), 1, 40000)).toBe(VN.EINVAL);
    expect(ctx.eng.dgramSend(b.sid, new Uint8Array(65508), 1, 40000)).toBe(VN.EINVAL);
    expect(ctx.eng.dgramSend(b.sid, pattern(10), 1, 0)).toBe(VN.EINVAL);
  });

  ctx.test('a record header claiming more than its fifo holds poisons the session, never reads past it', () => {
    const w = attached(ctx.eng);
    const b = w.udpBind();
    w.pollAll();
    b.rx.put(record(pattern(10), undefined, undefined, undefined, undefined, 0x7fffffff));
    expect(ctx.eng.dgramRecv(b.sid, 65536)).toBe(VN.EBADMSG);
    expect(ctx.eng.dgramRecv(b.sid, 65536)).toBe(VN.EPIPE);            // poisoned: no more access
    expect(ctx.eng.dgramSend(b.sid, pattern(5), 1, 9)).toBe(VN.EPIPE);
  });

  ctx.test('a record not all there yet is left for later (a writer mid-record)', () => {
    const w = attached(ctx.eng);
    const b = w.udpBind();
    w.pollAll();
    b.rx.put(record(pattern(10), undefined, undefined, undefined, undefined, 20));   // says 20, 10 are there
    expect(ctx.eng.dgramRecv(b.sid, 65536)).toBe(VN.EAGAIN);
    b.rx.put(pattern(10, 9));
    const d = ctx.eng.dgramRecv(b.sid, 65536) as Buffer;
    expect(d.length).toBe(20);
  });

  ctx.test('close is an UNLISTEN; the fifos are not touched after it', () => {
    const w = attached(ctx.eng);
    const b = w.udpBind();
    w.pollAll();
    expect(ctx.eng.core.close(b.sid)).toBe(0);
    const [p] = w.ctrlMq.drain();
    expect(p.type).toBe(T.UNLISTEN);
    expect(p.f.handle).toBe(b.handle);
    b.rx.put(record(pattern(10)));
    expect(ctx.eng.dgramRecv(b.sid, 100)).toBeLessThan(0);
    w.unlistenReply({ context: b.sid, handle: b.handle });
    expect(ofType(w.pollAll(), EV.UNBOUND).map((e) => e[1])).toEqual([b.sid]);
    expect(ctx.eng.core.attach_info(VN.INFO_SESSIONS)).toBe(0);
  });

  ctx.test('udp_connect sends a UDP CONNECT with no local endpoint (VPP picks the source)', () => {
    const w = attached(ctx.eng);
    const s = ctx.eng.scratch();
    s.fill(7, 0, 32);
    s.set(ip4(127, 0, 1, 2), 0);
    const sid = ctx.eng.core.udp_connect(1, 9000);
    const [p] = w.ctrlMq.drain();
    expect(p.f).toMatchObject({ context: sid, port: 9000, lcl_port: 0, proto: 1, is_ip4: 1 });
    expect((p.f.lcl_ip as Uint8Array).every((x) => x === 0)).toBe(true);
  });
});
