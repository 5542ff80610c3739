/**
 * Attach: decoding VPP's ATTACH_REPLY (docs/protocol.md §3.4), registering the two segments
 * (§4.1–4.4) and locating the queues; every malformed input is refused with a
 * negative errno, never a crash.
 */
import { VN, forEachEngine, FakeVpp, Segment, FSH_OFFSET, mqBytes, VPP_MQ } from './fixtures';

const neg = (r: number) => expect(r).toBeLessThan(0);

forEachEngine('attach', (ctx) => {
  ctx.test('a good reply decodes to its fd_flags and exposes every field', () => {
    const w = new FakeVpp(ctx.eng, { appIndex: 9, clientHandle: 0x01020304, segHandle: 0x0000000500000002n });
    const c = ctx.eng.core;
    expect(c.attach_decode(w.writeAttachReply(), 4)).toBe(0xF);
    expect(c.attach_info(VN.INFO_RETVAL) | 0).toBe(0);
    expect(c.attach_info(VN.INFO_APP_INDEX)).toBe(9);
    expect(c.attach_info(VN.INFO_CLIENT_HANDLE)).toBe(0x01020304);
    expect(c.attach_info(VN.INFO_N_FDS)).toBe(4);
    expect(c.attach_info(VN.INFO_FD_FLAGS)).toBe(0xF);
    expect(c.attach_info(VN.INFO_SEG_HANDLE_LO)).toBe(2);
    expect(c.attach_info(VN.INFO_SEG_HANDLE_HI)).toBe(5);
  });

  ctx.test('the full sequence registers both segments and finds the VPP-bound queues (§4.4)', () => {
    const w = new FakeVpp(ctx.eng, { nVppMqs: 3 });
    const { vppSlot, appSlot } = w.attach();
    const c = ctx.eng.core;
    expect(vppSlot).toBeGreaterThanOrEqual(0);
    expect(appSlot).toBeGreaterThanOrEqual(0);
    expect(appSlot).not.toBe(vppSlot);
    expect(c.segment_base(vppSlot)).toBe(w.vpp.base);
    expect(c.segment_base(appSlot)).toBe(w.app.base);
    expect(c.attach_info(VN.INFO_N_VPP_MQS)).toBe(3);
    expect(c.attach_info(VN.INFO_SEGMENTS)).toBe(2);
    expect(c.attach_info(VN.INFO_SESSIONS)).toBe(0);
    expect(c.poll()).toBe(0);
  });

  ctx.test('private rx mqs with 2 VPP threads: 5 fds', () => {
    const w = new FakeVpp(ctx.eng, { nVppMqs: 2 });
    expect(ctx.eng.core.attach_decode(w.writeAttachReply(), 5)).toBe(0xF);
  });

  ctx.test('shared mode reply (fd_flags 0x7, 3 fds) decodes', () => {
    const w = new FakeVpp(ctx.eng);
    expect(ctx.eng.core.attach_decode(w.writeAttachReply({ fdFlags: 0x7 }), 3)).toBe(0x7);
  });

  ctx.test('VPP refusal: retval -38 gives -1038 and RETVAL info', () => {
    const w = new FakeVpp(ctx.eng);
    const r = ctx.eng.core.attach_decode(w.writeAttachReply({ retval: -38, fdFlags: 0, nFds: 0 }), 0);
    expect(r).toBe(-1038);
    expect(ctx.eng.core.attach_info(VN.INFO_RETVAL) | 0).toBe(-38);
  });

  ctx.test('wrong message type is refused', () => {
    const w = new FakeVpp(ctx.eng);
    const r = ctx.eng.core.attach_decode(w.writeAttachReply({ type: 4 }), 4);
    expect([VN.EPROTO, VN.EBADMSG]).toContain(r);
  });

  ctx.test('short or oversized message is refused', () => {
    const w = new FakeVpp(ctx.eng);
    w.writeAttachReply();
    for (const len of [0, 1, 39, 208]) expect([len, ctx.eng.core.attach_decode(len, 4) < 0]).toEqual([len, true]);
    neg(ctx.eng.core.attach_decode(100000, 4));
  });

  ctx.test('fd count that does not match n_fds / fd_flags is refused', () => {
    const w = new FakeVpp(ctx.eng);
    neg(ctx.eng.core.attach_decode(w.writeAttachReply(), 3));
    neg(ctx.eng.core.attach_decode(w.writeAttachReply(), 9));
    neg(ctx.eng.core.attach_decode(w.writeAttachReply({ nFds: 2 }), 2));   // reply says 2 but flags say 4
  });

  const missingSegment = (fdFlags: number, nFds: number, present: number) => () => {
    const w = new FakeVpp(ctx.eng);
    const c = ctx.eng.core;
    const r = c.attach_decode(w.writeAttachReply({ fdFlags, nFds }), nFds);
    if (r < 0) return;                                       // refused at decode: fine
    // the host maps only the segment whose fd arrived; the attach must not finish
    if (present === VN.SEG_APP) c.segment_add(VN.SEG_APP, c.attach_info(VN.INFO_SEG_HANDLE_LO), c.attach_info(VN.INFO_SEG_HANDLE_HI), w.app.base, w.app.size);
    else c.segment_add(VN.SEG_VPP_MQ, 0, 0, w.vpp.base, w.vpp.size);
    neg(c.attach_finish());
  };
  ctx.test('a reply without the VPP mq segment cannot complete the attach', missingSegment(0x6, 2, VN.SEG_APP));
  ctx.test('a reply without the app segment cannot complete the attach', missingSegment(0xD, 3, VN.SEG_VPP_MQ));

  ctx.test('segment_add rejects bad headers', () => {
    const w = new FakeVpp(ctx.eng);
    const c = ctx.eng.core;
    c.attach_decode(w.writeAttachReply(), 4);
    const bad = (mut: (s: Segment) => void, size?: number) => {
      const s = Segment.alloc(ctx.eng, 64 << 10);
      mut(s);
      const r = c.segment_add(VN.SEG_APP, 77, 0, s.base, size ?? s.size);
      ctx.eng.freeRegion(s.base);
      return r;
    };
    neg(bad((s) => s.mem.set64(32, s.size + 4096)));                  // ssvm_size larger than the mapping
    neg(bad((s) => s.mem.set64(56, s.size)));                         // fsh offset at the end
    neg(bad((s) => s.mem.set64(56, 2n ** 63n)));                     // fsh offset absurd
    neg(bad((s) => s.mem.set64(56, s.size - 64)));                    // header would run past the end
    neg(bad((s) => s.mem.set64(56, FSH_OFFSET + 3)));                 // misaligned header (atomics need alignment)
    neg(bad(() => undefined, 100));                                   // mapping smaller than the ssvm header
    neg(bad(() => undefined, 0));
    neg(c.segment_add(VN.SEG_APP, 1, 0, 0, 1 << 20));                 // NULL base
    neg(c.segment_add(7, 1, 0, w.app.base, w.app.size));              // unknown kind
    expect(c.attach_info(VN.INFO_SEGMENTS)).toBe(0);
  });

  ctx.test('segment_add with a handle already registered is refused', () => {
    const w = new FakeVpp(ctx.eng);
    w.attach();
    const s = Segment.alloc(ctx.eng, 64 << 10);
    const c = ctx.eng.core;
    neg(c.segment_add(VN.SEG_APP, c.attach_info(VN.INFO_SEG_HANDLE_LO), c.attach_info(VN.INFO_SEG_HANDLE_HI), s.base, s.size));
  });

  ctx.test('attach_finish before the segments are added fails', () => {
    const w = new FakeVpp(ctx.eng);
    const c = ctx.eng.core;
    c.attach_decode(w.writeAttachReply(), 4);
    neg(c.attach_finish());
    c.segment_add(VN.SEG_VPP_MQ, 0, 0, w.vpp.base, w.vpp.size);
    neg(c.attach_finish());
  });

  const finishWith = (mut: (w: FakeVpp) => void, reply: Parameters<FakeVpp['writeAttachReply']>[0] = {}) => {
    const w = new FakeVpp(ctx.eng);
    mut(w);
    const c = ctx.eng.core;
    const fl = c.attach_decode(w.writeAttachReply(reply), 4);
    if (fl < 0) return fl;
    const a = c.segment_add(VN.SEG_VPP_MQ, 0, 0, w.vpp.base, w.vpp.size);
    const b = c.segment_add(VN.SEG_APP, c.attach_info(VN.INFO_SEG_HANDLE_LO), c.attach_info(VN.INFO_SEG_HANDLE_HI), w.app.base, w.app.size);
    if (a < 0 || b < 0) return Math.min(a, b);
    return c.attach_finish();
  };

  ctx.test('attach_finish validates the queues it locates', () => {
    expect(finishWith(() => undefined)).toBe(0);
    neg(finishWith(() => undefined, { appMq: 1 << 30 }));                       // app mq past the segment
    neg(finishWith(() => undefined, { appMq: 2n ** 40n as unknown as number }));
    neg(finishWith(() => undefined, { ctrlMq: 1 << 30 }));                      // ctrl mq past the VPP mq segment
    neg(finishWith((w) => w.app.set32(w.appMqOff, 3)));                          // n_rings != 2
    neg(finishWith((w) => w.app.set32(w.appMqOff + 108, 1 << 28)));              // slots run past the end
    neg(finishWith((w) => w.app.set32(w.appMqOff + 108, 0)));                    // no slots
    neg(finishWith((w) => w.app.set32(w.appMqOff + 112, 16)));                   // slot elsize != 8
    neg(finishWith((w) => w.app.set32(w.appMq.ringOff(0) + 16, 17)));           // ring 0 elsize != 18
    neg(finishWith((w) => w.app.set32(w.appMq.ringOff(1) + 4, 1 << 24)));        // ring 1 past the end
    neg(finishWith((w) => w.app.set32(w.appMq.ringOff(0) + 4, 0)));              // empty ring
    neg(finishWith((w) => w.vpp.set8(22, 0)));                                   // n_mqs 0
    neg(finishWith((w) => w.vpp.set8(22, 17)));                                  // more than VN_MAX_VPP_MQS
    neg(finishWith((w) => w.vpp.set32(12, 100)));                                // n_reserved_bytes < start_byte_index
    neg(finishWith(() => undefined, { ctrlMq: 320 + 64 }));                      // ctrl mq not one of the §4.4 queues
  });

  ctx.test('queue i sits at start_byte_index + i*qsize (§4.4): sessions on queue 2 post there', () => {
    const w = new FakeVpp(ctx.eng, { nVppMqs: 3 });
    w.attach();
    const l = w.listen();
    const a = w.accepted({ listener: l.handle, mq: 2 });
    w.pollAll();
    expect(w.vppMqs[2].q).toBe(320 + 2 * Math.ceil(mqBytes(VPP_MQ) / 64) * 64);
    expect(w.vppMqs[2].drain().map((p) => p.type)).toEqual([12]);
    expect(w.vppMqs[0].cursize + w.vppMqs[1].cursize).toBe(0);
    void a;
  });

  ctx.test('calls before attach fail cleanly', () => {
    const c = ctx.eng.core;
    expect(c.poll()).toBeLessThanOrEqual(0);
    neg(c.listen(1, 80));
    neg(c.connect(1, 80, 0));
    neg(c.tx_reserve(0, 10));
    neg(c.rx_peek(0, 10));
    expect(c.signals()).toBe(0);
  });
});
