/**
 * Issue 6, item 6: soak and churn. 64 concurrent checksummed streams (both
 * directions; half cut-through, half through VPP's TCP) for N seconds with
 * zero bytes lost or reordered, then connect/close cycles with no growth of
 * fds, memfd mappings or RSS beyond a stated bound. CI runs a short version;
 * `npm run test:soak` (VPPNET_SOAK=1) the long one (VPPNET_SOAK_SECONDS,
 * default 300; 100,000 cycles).
 */
import { once } from 'events';
import * as vppnet from '../../glue/index';
import { loadHost } from '../../glue/host';
import {
  ENGINES, SOAK, describeOwnVpp, vppOpts, listen, closeServer, pump, resources, fmt, until, sleep, closed, mib, StreamChecker,
  delta, expectWithinChurnBound, churnBoundText,
} from './helpers';

const STREAMS = 64;
const SECONDS = SOAK ? Number(process.env.VPPNET_SOAK_SECONDS ?? 300) : Number(process.env.FAULTS_STREAM_SECONDS ?? 10);
const CYCLES = SOAK ? 100_000 : Number(process.env.FAULTS_CHURN_CYCLES ?? 2000);

describe.each(ENGINES)('engine %s', (engine) => {
  describeOwnVpp(`soak and churn (${engine})`, ({ vpp }) => {
    test(`${STREAMS} checksummed streams for ${SECONDS} s: no byte lost or reordered`, async () => {
      const errors: string[] = [];
      const toServer = new Map<number, StreamChecker>();
      const sentDown = new Map<number, number>();
      const serverPumps: Promise<number>[] = [];
      let stop = false;
      const accepted: vppnet.Socket[] = [];
      // the first 8 bytes a client sends are its stream id; then the stream; the server streams 10000+id back
      const srv = vppnet.createServer(vppOpts(vpp(), engine), (s) => {
        accepted.push(s);
        s.on('error', (e) => errors.push(`server side: ${e.message}`));
        let ck: StreamChecker | undefined;
        let head = Buffer.alloc(0);
        s.on('data', (d: Buffer) => {
          if (ck) { ck.feed(d); return; }
          head = Buffer.concat([head, d]);
          if (head.length < 8) return;
          const id = Number(head.readBigUInt64LE(0));
          ck = new StreamChecker(id);
          toServer.set(id, ck);
          ck.feed(head.subarray(8));
          serverPumps.push(pump(s, 10_000 + id, () => stop).then((n) => { sentDown.set(id, n); return n; }));
        });
      });
      srv.on('error', (e) => errors.push(`server: ${e.message}`));
      const port = await listen(srv);
      const clients = Array.from({ length: STREAMS }, (_, id) => {
        const c = vppnet.connect({ ...vppOpts(vpp(), engine, id % 2 ? 'peer' : 'default'), port, host: vpp().testAddr });
        const ck = new StreamChecker(10_000 + id);
        c.on('data', (d: Buffer) => ck.feed(d));
        c.on('error', (e) => errors.push(`client ${id}: ${e.message}`));
        const head = Buffer.alloc(8);
        head.writeBigUInt64LE(BigInt(id));
        c.write(head);
        return { c, ck, id };
      });
      await Promise.all(clients.map(({ c }) => once(c, 'connect')));
      const t0 = Date.now();
      // no half-close while the other direction still streams: both stop on the flag, then everything is read, then destroyed
      const sent = clients.map(({ c, id }) => pump(c, id, () => stop));
      await sleep(SECONDS * 1000);
      stop = true;
      // bounded: a writer whose 'drain' never comes (a stalled session) is reported, not waited for
      const upOrNull = await Promise.race([Promise.all(sent), sleep(20000).then(() => null)]);
      const stalledPumps = upOrNull ? 0 : STREAMS;
      const up = upOrNull ?? clients.map(({ c }) => c.bytesWritten);
      await until('every server to start its stream back', 5000, () => serverPumps.length === STREAMS).catch(() => {});
      await Promise.race([Promise.all(serverPumps), sleep(20000)]);
      for (const { c, id } of clients) if (!sentDown.has(id)) errors.push(`server side of ${id}: its writer never drained (stalled)`);
      if (stalledPumps) errors.push('a client writer never drained (stalled)');
      await until('every stream read to its end', 20000, () => clients.every(({ ck, id }) => ck.pos >= (sentDown.get(id) ?? Infinity) &&
        (toServer.get(id)?.pos ?? -1) >= up[id]) || errors.length > 0).catch(() => {});
      const ms = Date.now() - t0;
      const report = errors.slice();
      for (const x of [...clients.map(({ c }) => c), ...accepted]) { x.removeAllListeners('error'); x.on('error', () => {}); x.destroy(); }
      const lostUp = clients.filter(({ id }) => (toServer.get(id)?.pos ?? -1) !== up[id] || toServer.get(id)!.bad >= 0);
      const lostDown = clients.filter(({ ck, id }) => ck.pos !== sentDown.get(id));
      const bad = [...toServer.values(), ...clients.map((x) => x.ck)].filter((ck) => ck.bad >= 0).length;
      const total = up.reduce((a, b) => a + b, 0) + clients.reduce((a, { ck }) => a + ck.pos, 0);
      await closeServer(srv);
      process.stdout.write(`[faults/${engine}] soak: ${STREAMS} streams x ${SECONDS} s (${ms} ms, half cut-through, half VPP TCP, both ways): ` +
        `${mib(total)} checked (${(total / (1 << 20) / (ms / 1000)).toFixed(0)} MiB/s), ${bad} corrupt, ${lostUp.length} short up, ${lostDown.length} short down, ` +
        `${report.length} errors${report.length ? ` (e.g. ${report.slice(0, 3).join('; ')})` : ''}\n`);
      expect(report).toEqual([]);
      expect(bad).toBe(0);
      expect(lostUp.map((x) => x.id)).toEqual([]);
      expect(lostDown.map((x) => x.id)).toEqual([]);
    }, SECONDS * 1000 + 60000);

    test(`${CYCLES} connect/close cycles: fds, mappings and RSS bounded`, async () => {
      const host = loadHost();
      const srv = vppnet.createServer(vppOpts(vpp(), engine), (s) => { s.on('error', () => {}); s.on('data', (d) => s.end(d)); });
      const port = await listen(srv);
      const failures: string[] = [];
      const cycle = (i: number, where: 'default' | 'peer') => new Promise<void>((resolve) => {
        const c = vppnet.connect({ ...vppOpts(vpp(), engine, where), port, host: vpp().testAddr });
        const got: Buffer[] = [];
        c.on('data', (d: Buffer) => got.push(d));
        c.on('error', (e: NodeJS.ErrnoException) => { failures.push(`${where} ${e.code}`); });
        c.on('close', () => { if (Buffer.concat(got).toString() !== `c${i}`) failures.push(`${where} wrong reply`); resolve(); });
        c.end(`c${i}`);
      });
      const run = async (n: number) => {
        let next = 0;
        // mostly cut-through (fast); every 8th through VPP's TCP, one at a time, so both paths churn
        await Promise.all(Array.from({ length: 16 }, async (_, w) => {
          while (next < n) { const i = next++; await cycle(i, w === 0 && i % 8 === 0 ? 'peer' : 'default'); }
        }));
      };
      await run(300);   // warm up: both stacks attached, pools and JIT warm
      await sleep(300);
      const start = await resources(host);
      const t0 = Date.now();
      await run(CYCLES);
      const ms = Date.now() - t0;
      await sleep(500);
      const end = await resources(host);
      await closeServer(srv);
      process.stdout.write(`[faults/${engine}] churn: ${CYCLES} connect/close cycles in ${ms} ms (${(CYCLES / (ms / 1000)).toFixed(0)}/s), ${failures.length} failures\n` +
        `  start: ${fmt(start)}\n  end:   ${fmt(end)} (${delta(start, end)}; ${churnBoundText})\n`);
      expect([...new Set(failures)]).toEqual([]);
      expectWithinChurnBound(start, end);
    }, SOAK ? 3_600_000 : 90_000);
  });
});
