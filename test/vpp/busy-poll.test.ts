/**
 * Busy polling (`busyPoll` µs): a waiting session checks its fifos itself.
 * On cut-through the fifos are shared memory between the two apps, so two
 * polling ends move bytes with VPP frozen (SIGSTOP); without polling the same
 * bytes wait for VPP to relay the peer's event. And the polling stops: an idle
 * process goes back to sleeping in epoll.
 */
import { once } from 'events';
import * as vppnet from '../../glue/index';
import { describeVpp, type VppInstance } from './harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An echo pair on cut-through (proven with VPP's CLI); `busyPoll` on both ends. */
async function echoPair(vpp: VppInstance, engine: 'wasm' | 'native', busyPoll: number) {
  const opts = { mode: 'vpp' as const, engine, appSocket: vpp.appSocket, busyPoll };
  const srv = vppnet.createServer(opts, (s) => s.pipe(s));
  await new Promise<void>((resolve, reject) => { srv.once('error', reject); srv.listen(0, '0.0.0.0', resolve); });
  const port = (srv.address() as { port: number }).port;
  const c = vppnet.connect({ ...opts, port, host: vpp.testAddr });
  await once(c, 'connect');
  // VPP's CLI lists both ends as cut-through sessions: not a kernel fallback
  const sessions = (await vpp.sessions()).filter((s) => s.state !== 'LISTEN' && (s.local?.port === port || s.remote?.port === port));
  expect(sessions.length).toBeGreaterThanOrEqual(2);
  for (const s of sessions) expect(s.cutThrough).toBe(true);
  let got = '', sent = 0;
  c.setEncoding('latin1');
  c.on('data', (d: string) => { got += d; });
  /** Write `msg`, then wait up to `ms` for everything written so far to come back; true when it did. */
  const roundTrip = async (msg: string, ms: number) => {
    sent += msg.length;
    if (msg) c.write(msg);
    const end = Date.now() + ms;
    while (got.length < sent && Date.now() < end) await sleep(1);
    return got.length >= sent;
  };
  const close = async () => { c.destroy(); await new Promise((r) => srv.close(r)); };
  return { roundTrip, close, received: () => got };
}

/** Run `fn` with VPP stopped (SIGSTOP), always resuming it. */
async function withVppFrozen<T>(vpp: VppInstance, fn: () => Promise<T>): Promise<T> {
  expect(vpp.kill('SIGSTOP')).toBe(true);
  try {
    return await fn();
  } finally {
    vpp.kill('SIGCONT');
  }
}

describeVpp('busy polling', (vpp) => {
  describe.each(['wasm', 'native'] as const)('engine %s', (engine) => {
    test('cut-through: polling ends exchange bytes while VPP is frozen; ends that wait for events do not', async () => {
      // polling: both ends keep checking their fifos for a second after each byte
      const polling = await echoPair(vpp(), engine, 1_000_000);
      try {
        expect(await polling.roundTrip('warm', 2000)).toBe(true);   // both ends are now polling
        const trips = await withVppFrozen(vpp(), async () => {
          let ok = 0;
          for (let i = 0; i < 20; i++) if (await polling.roundTrip(`ping-${i};`, 500)) ok++; else break;
          return ok;
        });
        expect(trips).toBe(20);
        expect(polling.received()).toBe('warm' + Array.from({ length: 20 }, (_, i) => `ping-${i};`).join(''));
      } finally {
        await polling.close();
      }
      // the control: the same exchange without polling waits for VPP
      const waiting = await echoPair(vpp(), engine, 0);
      try {
        expect(await waiting.roundTrip('warm', 2000)).toBe(true);
        const whileFrozen = await withVppFrozen(vpp(), () => waiting.roundTrip('ping', 300));
        expect(whileFrozen).toBe(false);
        expect(await waiting.roundTrip('', 2000)).toBe(true);   // VPP resumed: the echo arrives
        expect(waiting.received()).toBe('warmping');
      } finally {
        await waiting.close();
      }
    }, 20000);

    test('an idle connection stops polling once its window has passed, and wakes on events again', async () => {
      const pair = await echoPair(vpp(), engine, 20_000);   // 20 ms
      try {
        for (let i = 0; i < 10; i++) expect(await pair.roundTrip('x', 2000)).toBe(true);
        await sleep(200);   // 10x the window
        const before = process.cpuUsage();
        await sleep(500);
        const used = process.cpuUsage(before);
        // still polling would be ~500 ms of CPU
        expect((used.user + used.system) / 1000).toBeLessThan(100);
        // asleep again, the ends wake on VPP's events: the core armed them when polling ended
        for (let i = 0; i < 3; i++) expect(await pair.roundTrip('y', 2000)).toBe(true);
      } finally {
        await pair.close();
      }
    });
  });
});
