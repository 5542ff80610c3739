/**
 * Constants and byte layouts the fixture and the core must agree on: the
 * header's numbers, the ATTACH request (docs/protocol.md §3.3), and the element sizes of the
 * queues the core writes (§5.1, §7.2).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, VN, EV, forEachEngine, attached, T, IO_ELT, CTRL_ELT, ip4 } from './fixtures';

function headerDefines(): Map<string, number> {
  const src = fs.readFileSync(path.join(ROOT, 'wasm/include/vppnet_core.h'), 'utf8');
  const out = new Map<string, number>();
  for (const m of src.matchAll(/#define\s+(VN_\w+)\s+\(?(-?(?:0x[0-9a-fA-F]+|\d+))u?\)?/g)) out.set(m[1], Number(m[2]));
  for (const m of src.matchAll(/(VN_EV_\w+)\s*=\s*(\d+)/g)) out.set(m[1], Number(m[2]));
  return out;
}

describe('header constants', () => {
  const defs = headerDefines();
  test.each(Object.entries(VN).filter(([, v]) => typeof v === 'number'))('VN_%s matches the fixture', (k, v) => {
    expect(defs.get(`VN_${k}`)).toBe(v);
  });
  test.each(Object.entries(EV))('VN_EV_%s matches the fixture', (k, v) => {
    expect(defs.get(`VN_EV_${k}`)).toBe(v);
  });
  test('attach flags = the doc\'s APP_OPTIONS_FLAGS bits (§3.3) and sum to 0xE3', () => {
    const f = ['VN_APP_ACCEPT_REDIRECT', 'VN_APP_ADD_SEGMENT', 'VN_APP_USE_GLOBAL_SCOPE', 'VN_APP_USE_LOCAL_SCOPE', 'VN_APP_EVT_MQ_EVENTFD'].map((n) => defs.get(n)!);
    expect(f).toEqual([0x1, 0x2, 0x20, 0x40, 0x80]);
    expect(f.reduce((a, b) => a | b, 0)).toBe(0xE3);
  });
});

forEachEngine('layout', (ctx) => {
  ctx.test('ATTACH request: 209 bytes, type 1, name vppnet-<pid>-<seq>, 18 u64 options at 65 (§3.3)', () => {
    const { core } = ctx.eng;
    ctx.eng.scratch().fill(0xAA);
    const n = core.attach_encode(1234, 5, 0xE3, 2048, 1 << 20, 128 << 20, 65536, 131072);
    expect(n).toBe(209);
    const s = ctx.eng.scratch(), d = new DataView(s.buffer, s.byteOffset, 209);
    expect(s[0]).toBe(1);
    const name = Buffer.from(s.subarray(1, 65));
    expect(name.subarray(0, name.indexOf(0)).toString()).toBe('vppnet-1234-5');
    expect(s[64]).toBe(0);                 // byte 63 of name is NUL
    const opt = (i: number) => d.getBigUint64(65 + 8 * i, true);
    expect(opt(0)).toBe(0xE3n);
    expect(opt(1)).toBe(2048n);
    expect(opt(2)).toBe(BigInt(1 << 20));
    expect(opt(3)).toBe(BigInt(128 << 20));
    expect(opt(5)).toBe(65536n);
    expect(opt(6)).toBe(131072n);
    for (const i of [4, 7, 8, 9, 10, 11, 12, 13]) expect([i, opt(i)]).toEqual([i, 0n]);
    // the message is zero-filled up to 209 bytes: nothing of the 0xAA pattern remains
    expect(Array.from(s.subarray(1 + name.indexOf(0), 65)).every((b) => b === 0)).toBe(true);
  });

  ctx.test('control messages go on ring 1 (256-byte elements, message at +2), IO events on ring 0 (18 bytes)', () => {
    const w = attached(ctx.eng);
    ctx.eng.scratch().set(ip4(127, 0, 0, 1));
    ctx.eng.core.listen(1, 8080);
    const e = w.ctrlMq.consume()!;
    expect(e.ring).toBe(1);
    expect(e.data.length).toBe(CTRL_ELT);
    expect(e.data[0]).toBe(T.LISTEN);
    expect(e.data[1]).toBe(0);
    const s = w.session();
    expect(ctx.eng.send(s.sid, new Uint8Array(10))).toBe(10);
    const io = s.mq.consume()!;
    expect(io.ring).toBe(0);
    expect(io.data.length).toBe(IO_ELT);
    expect(io.data[0]).toBe(T.IO_TX);
    expect(new DataView(io.data.buffer).getUint32(2, true)).toBe(Number(s.handle & 0xFFFFFFFFn));
  });

  ctx.test('event ring holds event_cap x 8 u32', () => {
    expect(ctx.eng.events().length).toBe(64 * VN.EVENT_WORDS);
    expect(ctx.eng.scratch().length).toBe(VN.SCRATCH_SIZE);
  });
});
