/**
 * Issue 6, item 4: a lying VPP. The test scribbles on live shared memory from
 * the application side — a session's fifo header and chunks, the app mq's
 * header, slots and messages — and checks that each lie ends in a clear error
 * on the affected session (EPROTO) or on the attachment (ERR_VPPNET_PROTOCOL),
 * that bystanders keep working, and that nothing crashes, reads out of bounds
 * or hangs (every wait is bounded).
 */
import { once } from 'events';
import * as vppnet from '../../glue/index';
import { loadHost } from '../../glue/host';
import { VN } from '../../glue/engine/abi';
import { describeVpp } from '../vpp/harness';
import { vppHandleOf } from '../../glue/bind';
import type { VppStreamHandle } from '../../glue/vpp/stream-handle';
import { ENGINES, vppOpts, listen, closeServer, until, sleep, stackOf, closed, resources, fmt } from './helpers';
import { Shm } from './shm';

describe.each(ENGINES)('engine %s', (engine) => {
  describeVpp(`hostile shared memory (${engine})`, (vpp) => {
    let srv: vppnet.Server;
    let port: number;
    const serverSide: vppnet.Socket[] = [];
    beforeAll(async () => {
      srv = vppnet.createServer(vppOpts(vpp(), engine), (s) => {
        serverSide.push(s);
        s.on('error', () => {});
        s.on('data', (d) => { if (!s.destroyed) s.write(d); });
      });
      srv.on('error', () => {});
      port = await listen(srv);
    });
    afterAll(async () => {
      for (const s of serverSide) s.destroy();
      await closeServer(srv);
    });

    /** A connected cut-through client and the error it ends with (if any). */
    async function client() {
      const c = vppnet.connect({ ...vppOpts(vpp(), engine), port, host: vpp().testAddr });
      const errs: NodeJS.ErrnoException[] = [];
      c.on('error', (e) => errs.push(e));
      await once(c, 'connect');
      const h = vppHandleOf(c as never) as VppStreamHandle;
      expect(h.cutThrough).toBe(true);
      return { c, errs, sid: h.sid, shm: new Shm(stackOf(c)) };
    }
    async function echoes(c: vppnet.Socket, msg = 'ping') {
      const got: Buffer[] = [];
      const on = (d: Buffer) => got.push(d);
      c.on('data', on);
      c.write(msg);
      await until(`echo of ${msg}`, 3000, () => Buffer.concat(got).toString() === msg);
      c.removeListener('data', on);
    }

    /**
     * Corrupt the client's rx fifo, then post an RX event for it on the app mq
     * as VPP would: its next read must fail with EPROTO, a bystander must not
     * notice. `mut` returns how to undo the lie: VPP itself walks start_chunk
     * and the chunk headers when it frees the fifo (it trusts that memory, and
     * crashes on the lie — see the report), so the lie is undone as soon as
     * the victim's 'error' is emitted, before VPP hears of the abort.
     */
    async function lieInRxFifo(mut: (shm: Shm, f: ReturnType<Shm['fifo']>) => () => void) {
      const bystander = await client();
      await echoes(bystander.c);
      const victim = await client();
      await echoes(victim.c);
      // unread bytes in the rx fifo: the victim's stream buffer fills (64 KiB), the rest stays in shared memory
      const got: Buffer[] = [];
      victim.c.pause();
      const sent = Buffer.alloc(512 << 10, 'x');
      victim.c.write(sent);
      const f0 = victim.shm.fifo(victim.sid, 0);
      await until('unread bytes in the rx fifo', 3000, () => {
        const dv = victim.shm.dv(f0.addr, 192);
        return ((dv.getUint32(136, true) - dv.getUint32(72, true)) >>> 0) >= 256 << 10;
      });
      victim.c.on('data', (d: Buffer) => got.push(d));
      const undo = mut(victim.shm, victim.shm.fifo(victim.sid, 0));
      victim.c.prependListener('error', undo);
      victim.c.resume();
      const mq = victim.shm.appMq();
      mq.post(0, (el) => { el.setUint8(0, 0 /* SESSION_IO_EVT_RX */); el.setUint32(2, victim.sid, true); });
      victim.shm.wake();
      const t = await until('the victim to fail', 3000, () => victim.errs.length > 0).catch((e) => {
        undo();
        throw new Error(`${e.message}; read ${Buffer.concat(got).length} bytes, stack dead: ${victim.shm.stack.dead?.message}`);
      });
      expect(victim.errs[0].code).toBe('EPROTO');
      expect(victim.errs[0].message).toMatch(/^read EPROTO/);
      const read = Buffer.concat(got);
      expect(read.length).toBeLessThan(sent.length);
      expect(read.equals(sent.subarray(0, read.length))).toBe(true);   // not a byte of the lie reached the user
      await closed(victim.c);
      await echoes(bystander.c, 'still here');
      expect(bystander.errs).toEqual([]);
      expect(victim.shm.stack.dead).toBeUndefined();
      bystander.c.destroy();
      await sleep(100);
      expect(vpp().alive()).toBe(true);
      return t;
    }

    test('rx fifo offsets out of range (start_chunk past the segment, head_chunk unknown): EPROTO on that session only', async () => {
      await lieInRxFifo((shm, f) => {
        const dv = shm.dv(f.addr, 192);
        const saved = [dv.getBigUint64(0, true), dv.getBigUint64(64, true)];
        dv.setBigUint64(0, 1n << 40n, true);
        dv.setBigUint64(64, 0n, true);
        return () => { const d = shm.dv(f.addr, 192); d.setBigUint64(0, saved[0], true); d.setBigUint64(64, saved[1], true); };
      });
    });

    test('rx fifo chunk length past the end of the segment: EPROTO on that session only', async () => {
      await lieInRxFifo((shm, f) => {
        const dv = shm.dv(f.addr, 192);
        const chunk = f.fsh + Number(dv.getBigUint64(0, true));
        const saved = [shm.dv(chunk, 24).getUint32(4, true), dv.getBigUint64(64, true)];
        shm.dv(chunk, 24).setUint32(4, 0x40000000, true);   // 1 GiB: runs past the mapping
        dv.setBigUint64(64, 0n, true);
        return () => { shm.dv(chunk, 24).setUint32(4, saved[0] as number, true); shm.dv(f.addr, 192).setBigUint64(64, saved[1] as bigint, true); };
      });
    });

    test('rx fifo head_chunk (the consumer cache) out of range: ignored or EPROTO, never a wrong byte', async () => {
      const a = await client();
      await echoes(a.c);
      const f = a.shm.fifo(a.sid, 0);
      a.shm.dv(f.addr, 192).setBigUint64(64, 1n << 40n, true);
      await echoes(a.c, 'through the real chunk list').catch(() => undefined);
      if (a.errs.length) expect(a.errs[0].code).toBe('EPROTO');
      else await echoes(a.c, 'again');
      a.c.destroy();
    });

    test('rx fifo tail beyond head + size (more bytes than the fifo holds): EPROTO on that session only', async () => {
      await lieInRxFifo((shm, f) => {
        const dv = shm.dv(f.addr, 192);
        const saved = dv.getUint32(136, true);
        dv.setUint32(136, (dv.getUint32(72, true) + 0x7ffffff0) >>> 0, true);
        return () => shm.dv(f.addr, 192).setUint32(136, saved, true);
      });
    });

    test('app mq: unknown message types and events for unknown sessions are counted and skipped', async () => {
      const a = await client();
      await echoes(a.c);
      const mq = a.shm.appMq();
      const core = a.shm.stack.engine.core;
      const bad0 = core.attach_info(VN.INFO.BAD_MSGS);
      mq.post(1, (el) => { el.setUint8(0, 99); });                                            // unknown control type
      mq.post(0, (el) => { el.setUint8(0, 0 /* IO_EVT_RX */); el.setUint32(2, 60000, true); }); // no such session
      mq.post(0, (el) => { el.setUint8(0, 1 /* IO_EVT_TX */); el.setUint32(2, 0xffffffff, true); });
      mq.post(1, (el) => { el.setUint8(0, 13 /* DISCONNECTED */); el.setBigUint64(2 + 8, 0x7777777n, true); });
      a.shm.wake();
      await until('the core to skip them', 2000, () => core.attach_info(VN.INFO.BAD_MSGS) >= bad0 + 3);
      expect(mq.header().getUint32(104, true)).toBe(0);   // drained
      await echoes(a.c, 'after junk');
      expect(a.errs).toEqual([]);
      expect(a.shm.stack.dead).toBeUndefined();
      a.c.destroy();
    });

    test('app mq header corrupted (cursize > maxsize): ERR_VPPNET_PROTOCOL on the attachment, every socket fails, the next socket re-attaches', async () => {
      const host = loadHost();
      const a = await client();
      await echoes(a.c);
      const stack = a.shm.stack;
      // the server shares the attachment unless VPP refuses an app's connects
      // to itself (VPP 26.06): then this client is on this process's second one
      const srvErr = stackOf(srv) === stack ? new Promise<NodeJS.ErrnoException>((r) => srv.once('error', r)) : undefined;
      const mq = a.shm.appMq();
      const before = await resources(host);
      mq.header().setUint32(104, mq.maxsize + 5, true);
      a.shm.wake();
      await until('the attachment to be dropped', 2000, () => stack.dead !== undefined);
      expect((stack.dead as NodeJS.ErrnoException).code).toBe('ERR_VPPNET_PROTOCOL');
      expect(stack.dead!.message).toMatch(/shared memory is corrupt/);
      if (srvErr) expect((await srvErr).code).toBe('ERR_VPPNET_PROTOCOL');
      await until('the client to fail', 2000, () => a.errs.length > 0);
      expect(a.errs[0].code).toBeTruthy();
      await closed(a.c);
      await sleep(20);
      const after = await resources(host);
      process.stdout.write(`[faults/${engine}] poisoned attachment released: ${fmt(before)} -> ${fmt(after)}\n`);
      expect(after.maps).toBeLessThan(before.maps);
      // a fresh attachment for new sockets; the old server is gone with the old one
      const srv2 = vppnet.createServer(vppOpts(vpp(), engine), (s) => s.pipe(s));
      const port2 = await listen(srv2);
      expect(stackOf(srv2)).not.toBe(stack);
      const c = vppnet.connect({ ...vppOpts(vpp(), engine), port: port2, host: vpp().testAddr });
      c.on('error', () => {});
      await once(c, 'connect');
      await echoes(c, 'fresh');
      c.destroy();
      await closeServer(srv2);
    });

    test('app mq slot naming a ring element that is not the ring head: ERR_VPPNET_PROTOCOL, no hang', async () => {
      const srv3 = vppnet.createServer(vppOpts(vpp(), engine), (s) => { s.on('error', () => {}); s.pipe(s); });
      srv3.on('error', () => {});
      const port3 = await listen(srv3);
      const c = vppnet.connect({ ...vppOpts(vpp(), engine), port: port3, host: vpp().testAddr });
      c.on('error', () => {});
      await once(c, 'connect');
      const shm = new Shm(stackOf(c));
      const mq = shm.appMq();
      mq.post(1, (el) => { el.setUint8(0, 99); }, { ring: 1, elt: mq.rings[1].nitems + 3 });
      shm.wake();
      await until('the attachment to be dropped', 2000, () => shm.stack.dead !== undefined);
      expect((shm.stack.dead as NodeJS.ErrnoException).code).toBe('ERR_VPPNET_PROTOCOL');
      await closed(c);
      await closeServer(srv3);
    });
  });
});
