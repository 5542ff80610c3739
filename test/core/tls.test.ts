/**
 * TLS in VPP, the core's side: ADD_DEL_CERT_KEY and its reply (app socket),
 * and the crypto config a TLS LISTEN/CONNECT hands VPP by offset — a chunk
 * from slice 0 of the VPP mq segment, which VPP frees; given back when the
 * message cannot go out.
 */
import { T, VN, forEachEngine, attached, ip4, Msg, CHUNK_HDR } from './fixtures';

const EXT = CHUNK_HDR;   // the config sits at the chunk's data

forEachEngine('tls', (ctx) => {
  const hostAt = (name: string) => {
    const s = ctx.eng.scratch();
    s.fill(0, VN.TLS_HOSTNAME, VN.TLS_HOSTNAME + 256);
    for (let i = 0; i < name.length; i++) s[VN.TLS_HOSTNAME + i] = name.charCodeAt(i);
  };

  ctx.test('cert_key_encode: an add carries both lengths; a delete the index; bounds VPP cannot take are refused', () => {
    const c = ctx.eng.core;
    expect(c.cert_key_encode(9, 0, 1200, 240)).toBe(VN.SAPI_MSG_SIZE);
    const m = Buffer.from(ctx.eng.scratch().subarray(0, VN.SAPI_MSG_SIZE));
    expect([m[0], m.readUInt32LE(1), m.readUInt32LE(5), m.readUInt16LE(9), m.readUInt16LE(11), m[13]]).toEqual([6, 9, 0, 1200, 1440, 1]);
    expect(c.cert_key_encode(10, 5, 0, 0)).toBe(VN.SAPI_MSG_SIZE);
    const d = Buffer.from(ctx.eng.scratch().subarray(0, VN.SAPI_MSG_SIZE));
    expect([d[0], d.readUInt32LE(1), d.readUInt32LE(5), d.readUInt16LE(11), d[13]]).toEqual([6, 10, 5, 0, 0]);
    for (const [cert, key] of [[0, 10], [10, 0], [10001, 10], [10, 10001]]) expect(c.cert_key_encode(1, 0, cert, key)).toBe(VN.EINVAL);
  });

  ctx.test('cert_key_decode: the index; VPP\'s refusal as -1000 + retval; another message or context is EPROTO', () => {
    const c = ctx.eng.core;
    const reply = (type: number, context: number, retval: number, index: number) => {
      const s = ctx.eng.scratch(); s.fill(0, 0, VN.SAPI_MSG_SIZE);
      s.set(new Msg(13).u8(0, type).u32(1, context).u32(5, retval >>> 0).u32(9, index).b);
    };
    reply(7, 3, 0, 12); expect(c.cert_key_decode(VN.SAPI_MSG_SIZE, 3)).toBe(12);
    reply(7, 3, -19, 0); expect(c.cert_key_decode(VN.SAPI_MSG_SIZE, 3)).toBe(-1019);
    reply(7, 4, 0, 12); expect(c.cert_key_decode(VN.SAPI_MSG_SIZE, 3)).toBe(VN.EPROTO);
    reply(5, 3, 0, 12); expect(c.cert_key_decode(VN.SAPI_MSG_SIZE, 3)).toBe(VN.EPROTO);
    reply(7, 3, 0, 12); expect(c.cert_key_decode(100, 3)).toBe(VN.EPROTO);
  });

  ctx.test('tls_listen: a TLS LISTEN whose ext_config names a chunk of the VPP mq segment with the crypto config', () => {
    const w = attached(ctx.eng);
    ctx.eng.scratch().set(ip4(127, 0, 0, 2));
    const before = w.vpp.byteIndex;
    const sid = ctx.eng.core.tls_listen(1, 4433, 3, 0x0201);   // h2, then http/1.1
    expect(sid).toBeGreaterThanOrEqual(0);
    const [m] = w.ctrlMq.drain();
    expect(m.type).toBe(T.LISTEN);
    expect(m.f.proto).toBe(3);
    const off = Number(m.f.ext_config);
    expect(off).toBeGreaterThanOrEqual(before);   // carved from the segment's free room
    expect(w.vpp.u32(off + 4)).toBeGreaterThanOrEqual(288);   // the chunk's length
    const cfg = w.vpp.read(off + EXT, 288);
    const dv = new DataView(cfg.buffer, cfg.byteOffset);
    expect([dv.getUint16(0, true), dv.getUint16(2, true)]).toEqual([1, 284]);
    expect([dv.getUint32(4, true), dv.getUint32(8, true), dv.getUint32(12, true), dv.getUint32(16, true)]).toEqual([3, 0, 0xffffffff, 0xffffffff]);
    expect(Array.from(cfg.subarray(20, 24))).toEqual([1, 2, 0, 0]);
    expect([cfg[24], dv.getUint32(28, true), cfg[32]]).toEqual([0, 0, 0]);
  });

  ctx.test('tls_connect: verify sends the name (SNI) with peer and hostname checks; no verify sends no name', () => {
    const w = attached(ctx.eng);
    ctx.eng.scratch().fill(0, 0, 32).set(ip4(127, 0, 1, 2));
    hostAt('vpp.test');
    expect(ctx.eng.core.tls_connect(1, 4433, 1, 1)).toBeGreaterThanOrEqual(0);
    ctx.eng.scratch().set(ip4(127, 0, 1, 2));
    hostAt('ignored.test');
    expect(ctx.eng.core.tls_connect(1, 4433, 0, 0)).toBeGreaterThanOrEqual(0);
    const [a, b] = w.ctrlMq.drain();
    const cfgOf = (p: typeof a) => w.vpp.read(Number(p.f.ext_config) + EXT, 288);
    expect([a.type, a.f.proto, b.f.proto]).toEqual([T.CONNECT, 3, 3]);
    const ca = cfgOf(a), cb = cfgOf(b);
    expect(new DataView(ca.buffer, ca.byteOffset).getUint32(28, true)).toBe(0x02 | 0x08);
    expect(Buffer.from(ca.subarray(32, 41)).toString('latin1')).toBe('vpp.test\0');
    expect(ca[20]).toBe(1);
    expect(new DataView(cb.buffer, cb.byteOffset).getUint32(28, true)).toBe(0);
    expect(cb[32]).toBe(0);
    expect(a.f.ext_config).not.toBe(b.f.ext_config);
  });

  ctx.test('bad arguments: no pair, a gap in the ALPN list, verify without a name, a name with no end', () => {
    attached(ctx.eng);
    const c = ctx.eng.core;
    ctx.eng.scratch().set(ip4(127, 0, 0, 2));
    expect(c.tls_listen(1, 4433, 0, 0)).toBe(VN.EINVAL);
    expect(c.tls_listen(1, 4433, 1, 0x010001)).toBe(VN.EINVAL);
    hostAt('');
    expect(c.tls_connect(1, 4433, 1, 0)).toBe(VN.EINVAL);
    expect(c.tls_connect(1, 4433, 2, 0)).toBe(VN.EINVAL);
    ctx.eng.scratch().fill(0x61, VN.TLS_HOSTNAME, VN.TLS_HOSTNAME + 256);
    expect(c.tls_connect(1, 4433, 1, 0)).toBe(VN.EINVAL);
  });

  ctx.test('a LISTEN that cannot go out (queue full) gives its chunk back to the freelist', () => {
    const w = attached(ctx.eng, { vppSegSize: 1 << 20, vppMq: { maxsize: 128, ring0: 128, ring1: 16 } });
    ctx.eng.scratch().set(ip4(127, 0, 0, 2));
    let rv = 0, n = 0;
    while ((rv = ctx.eng.core.tls_listen(1, 5000 + n, 1, 0)) >= 0) n++;
    expect(rv).toBe(VN.EAGAIN);
    const free = w.vpp.freelist(0);
    const sent = new Set(w.ctrlMq.drain().map((p) => Number(p.f.ext_config)));
    expect(sent.size).toBe(n);
    expect(free.length).toBeGreaterThan(0);
    for (const c of free) expect(sent.has(c)).toBe(false);   // the refused one's chunk is free again, no sent one is
  });

  ctx.test("tls_alpn asks VPP with a TRANSPORT_ATTR on the session's queue; its reply is VN_EV_ALPN, once", () => {
    const w = attached(ctx.eng);
    const s = w.session();
    expect(ctx.eng.core.tls_alpn(s.sid)).toBe(0);
    expect(ctx.eng.core.tls_alpn(s.sid)).toBe(VN.EINVAL);   // one question at a time
    const [q] = s.mq.drain().filter((p) => p.type === 33);
    const raw = Buffer.from(q.raw.subarray(2));
    expect([raw.readUInt32LE(0), raw.readBigUInt64LE(4), raw[12], raw[52]]).toEqual([w.clientHandle, s.handle, 6, 1]);
    const reply = (handle: bigint) => new Msg(53).u32(0, 0).u64(4, handle).u8(12, 6).u8(20, 2).u8(52, 1);
    w.appMq.must(w.appMq.ctrl(34, reply(s.handle)));
    w.appMq.must(w.appMq.ctrl(34, reply(s.handle)));   // not asked: ignored
    w.appMq.must(w.appMq.ctrl(34, reply(0x9999n)));    // no such session: ignored
    const ev = w.pollAll().filter((e) => e[0] === VN.EV_ALPN);
    expect(ev.map((e) => [e[1], e[2], e[3]])).toEqual([[s.sid, 0, 2]]);
    expect(ctx.eng.core.attach_info(VN.INFO_BAD_MSGS)).toBe(2);
  });

  ctx.test('a segment with no room for the config: ENOMEM, nothing sent', () => {
    const w = attached(ctx.eng);
    w.vpp.setByteIndex(w.vpp.maxByteIndex);
    ctx.eng.scratch().set(ip4(127, 0, 0, 2));
    expect(ctx.eng.core.tls_listen(1, 4433, 1, 0)).toBe(VN.ENOMEM);
    expect(w.ctrlMq.drain()).toEqual([]);
  });
});
