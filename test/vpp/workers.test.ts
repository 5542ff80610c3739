/**
 * A VPP with a worker thread (cpu { workers 1 }), as VPP is deployed: TCP,
 * cut-through and through VPP's TCP, and UDP, on sessions that live on the
 * worker; and VPP's main-thread livelock (docs/vpp-bugs.md, bug 5) that a
 * LISTEN with two CONNECTs right behind it triggers, which vppnet never sends.
 */
import { once } from 'events';
import * as vppnet from '../../glue/index';
import * as vdgram from '../../glue/dgram';
import { describeVpp } from './harness';

type Engine = 'wasm' | 'native';

describeVpp('VPP with a worker thread', (vpp) => {
  const opts = (engine: Engine, ns: 'default' | 'peer' = 'default') => ({
    mode: 'vpp' as const, engine, appSocket: ns === 'default' ? vpp().appSocket : vpp().peerAppSocket, ...(ns === 'peer' ? { scope: 'global' as const } : {}),
  });

  test('VPP runs a worker thread', async () => {
    expect(await vpp().cli('show threads')).toMatch(/vpp_wk_0/);
  });

  describe.each(['wasm', 'native'] as Engine[])('engine %s', (engine) => {
    test('a LISTEN with two CONNECTs right behind it: all answered, VPP\'s main thread still answers its CLI', async () => {
      const a = vppnet.createServer(opts(engine), (s) => s.end('x'));
      await new Promise<void>((r) => a.listen(0, vpp().testAddr, () => r()));
      const port = (a.address() as { port: number }).port;
      const b = vppnet.createServer(opts(engine));
      try {
        b.listen(0, vpp().testAddr);                         // a LISTEN VPP's worker hands to its main thread ...
        const cs = [0, 1, 2].map(() => vppnet.connect({ ...opts(engine), port, host: vpp().testAddr }));   // ... and CONNECTs behind it
        await Promise.all([once(b, 'listening'), ...cs.map((c) => once(c, 'connect'))]);
        expect((await vpp().cli('show version', { timeoutMs: 3000 })).startsWith('vpp ')).toBe(true);
        for (const c of cs) c.destroy();
      } finally {
        await Promise.all([a, b].map((s) => new Promise((r) => s.close(r))));
      }
    }, 20000);

    test("TCP through VPP's TCP and UDP on a session of VPP's worker", async () => {
      const srv = vppnet.createServer(opts(engine), (s) => s.pipe(s));
      await new Promise<void>((r) => srv.listen(0, vpp().testAddr, () => r()));
      const port = (srv.address() as { port: number }).port;
      const c = vppnet.connect({ ...opts(engine, 'peer'), port, host: vpp().testAddr });
      await once(c, 'connect');
      const live = (await vpp().sessions()).filter((s) => s.state !== 'LISTEN' && (s.local?.port === port || s.remote?.port === port));
      expect(live.some((s) => s.thread === 1)).toBe(true);   // VPP's TCP put it on the worker
      c.end('over the worker');
      let got = '';
      c.on('data', (d: Buffer) => { got += d; });
      await once(c, 'end');
      expect(got).toBe('over the worker');
      await new Promise((r) => srv.close(r));

      const u = vdgram.createSocket({ type: 'udp4', ...opts(engine) });
      const v = vdgram.createSocket({ type: 'udp4', ...opts(engine, 'peer') });
      await new Promise<void>((r) => u.bind(0, vpp().testAddr, () => r()));
      u.on('message', (m: Buffer, r: vdgram.Rinfo) => u.send(m, r.port, r.address));
      const back = once(v, 'message');
      v.send('udp over the worker', u.address().port, vpp().testAddr);
      expect(String((await back)[0])).toBe('udp over the worker');
      await Promise.all([u, v].map((s) => new Promise<void>((r) => s.close(() => r()))));
    }, 20000);
  });
}, { workers: 1 });
