/**
 * Issue 6, item 5: a peer that stops reading, and many connects at once.
 */
import { once } from 'events';
import * as vppnet from '../../glue/index';
import { describeVpp } from '../vpp/harness';
import { ENGINES, vppOpts, listen, closeServer, until, sleep, streamBytes, StreamChecker, mib } from './helpers';

describe.each(ENGINES)('engine %s', (engine) => {
  describeVpp(`backpressure and full queues (${engine})`, (vpp) => {
    test('a peer that stops reading: write() === false, memory bounded, resumes with no loss', async () => {
      let peer!: vppnet.Socket;
      const srv = vppnet.createServer(vppOpts(vpp(), engine), (s) => { peer = s; s.pause(); });
      const port = await listen(srv);
      const c = vppnet.connect({ ...vppOpts(vpp(), engine, 'peer'), port, host: vpp().testAddr });
      await once(c, 'connect');
      await until('accept', 3000, () => peer !== undefined);
      const rss0 = process.memoryUsage().rss;
      // write as a well-behaved writer does (stop on false, go on at 'drain') until 'drain' stops coming
      let pos = 0;
      let falses = 0;
      for (;;) {
        while (c.write(streamBytes(1, pos, 64 << 10))) pos += 64 << 10;
        pos += 64 << 10;
        falses++;
        const drained = await Promise.race([once(c, 'drain').then(() => true), sleep(1000).then(() => false)]);
        if (!drained) break;
        expect(pos).toBeLessThan(64 << 20);
      }
      const blockedAt = pos;
      expect(falses).toBeGreaterThan(0);
      expect(c.writableLength).toBeLessThanOrEqual(128 << 10);   // what the writer holds: one chunk over the mark
      const rss1 = process.memoryUsage().rss;
      process.stdout.write(`[faults/${engine}] stalled writer blocked after ${mib(blockedAt)} (fifos + stream buffers); rss ${mib(rss0)} -> ${mib(rss1)}\n`);
      expect(blockedAt).toBeLessThan(16 << 20);
      expect(rss1 - rss0).toBeLessThan(64 << 20);
      const check = new StreamChecker(1);
      peer.on('data', (d: Buffer) => check.feed(d));
      peer.resume();
      await until('all bytes through', 30000, () => check.pos >= blockedAt || check.bad >= 0);
      expect(check.bad).toBe(-1);
      c.destroy();
      peer.destroy();
      await closeServer(srv);
    }, 60000);

    // Each connect makes VPP queue control messages for us: the stack keeps at most 64 in flight and the app
    // mq has 1024 control slots, so none is refused (before: ENOBUFS from ~128 at once, then a detach).
    test('2000 connects at once: every one connects and echoes, no retry spin afterwards', async () => {
      const srv = vppnet.createServer(vppOpts(vpp(), engine), (s) => { s.on('error', () => {}); s.on('data', (d) => s.end(d)); });
      srv.on('error', (e) => process.stdout.write(`[faults/${engine}] server error: ${e.message}\n`));
      const port = await listen(srv);
      const N = Number(process.env.FAULTS_CONNECTS ?? 2000);
      const t0 = Date.now();
      const results = await Promise.all(Array.from({ length: N }, (_, i) => new Promise<string>((resolve) => {
        const c = vppnet.connect({ ...vppOpts(vpp(), engine), port, host: vpp().testAddr });
        const chunks: Buffer[] = [];
        c.on('data', (d: Buffer) => chunks.push(d));
        c.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code}`));
        c.on('close', () => resolve(Buffer.concat(chunks).toString()));
        c.end(String(i));
      })));
      const ms = Date.now() - t0;
      const wrong = results.filter((r, i) => r !== String(i));
      if (wrong.length) process.stdout.write(`[faults/${engine}] ${wrong.length} of ${N} failed, e.g. ${[...new Set(wrong)].slice(0, 3).join(', ')}; VPP alive: ${vpp().alive()}\n${vpp().alive() ? '' : vpp().logTail(15)}\n`);
      expect(wrong).toEqual([]);
      const cpu0 = process.cpuUsage();
      await sleep(1000);
      const cpu = process.cpuUsage(cpu0);
      process.stdout.write(`[faults/${engine}] ${N} concurrent connects: ${ms} ms; idle cpu after: ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms/s\n`);
      expect(cpu.user + cpu.system).toBeLessThan(200_000);
      await closeServer(srv);
    }, 45000);
  });
});
