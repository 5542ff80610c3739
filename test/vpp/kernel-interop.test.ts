/**
 * Real TCP between VPP and Linux: a veth pair, one end in a network namespace
 * this test creates (a plain node:net peer lives there), the other end taken
 * by VPP as an af_packet host-interface. vppnet talks to the kernel peer
 * through VPP's TCP stack, both ways, byte-exact; VPP's CLI shows the [T]
 * session while it is open.
 */
import { createHash, randomBytes } from 'crypto';
import { once } from 'events';
import * as vppnet from '../../glue/index';
import { describeVpp, vppSkipReason, describeSkipped } from './harness';
import { createNetnsTopology, netnsSkipReason, type NetnsTopology } from './netns';

const BYTES = 32 << 20;
const nsReason = vppSkipReason() ? null : netnsSkipReason();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const body = (vpp: () => import('./harness').VppInstance) => {
  let topo: NetnsTopology;
  beforeAll(async () => { topo = await createNetnsTopology(vpp()); }, 30000);
  afterAll(async () => { await topo?.teardown(); }, 30000);

  describe.each(['wasm', 'native'] as const)('engine %s', (engine) => {
    const opts = () => ({ mode: 'vpp' as const, engine, appSocket: vpp().appSocket });

    test('vppnet client -> node:net server in the namespace', async () => {
      // the kernel server hashes what it gets and answers with the hash
      const { child, ready } = await topo.startNode(`
        const h = require('node:crypto').createHash('sha256');
        const srv = require('node:net').createServer((s) => {
          s.on('data', (d) => h.update(d));
          s.on('end', () => s.end(h.digest('hex')));
        });
        srv.listen(0, '${topo.nsAddr}', () => console.log('ready ' + srv.address().port));`);
      try {
        const data = randomBytes(BYTES);
        const c = vppnet.connect({ ...opts(), port: Number(ready), host: topo.nsAddr });
        await once(c, 'connect');
        expect(c.transport).toBe('vpp');
        const live = (await vpp().sessions()).filter((s) => s.remote?.address === topo.nsAddr && s.local?.port === c.localPort);
        expect(live.map((s) => s.transport)).toEqual(['T']);
        let answer = '';
        c.on('data', (d: Buffer) => { answer += d; });
        const ended = once(c, 'end');
        c.end(data);
        await ended;
        expect(answer).toBe(sha(data));
      } finally { child.kill(); }
    }, 60000);

    test('node:net client in the namespace -> vppnet server', async () => {
      const srv = vppnet.createServer(opts(), (s) => {
        const h = createHash('sha256');
        s.on('data', (d: Buffer) => h.update(d));
        s.on('end', () => s.end(h.digest('hex')));
      });
      await new Promise<void>((r) => srv.listen(0, '0.0.0.0', () => r()));
      const port = (srv.address() as { port: number }).port;
      const out = await topo.exec([process.execPath, '-e', `
        const data = require('node:crypto').randomBytes(${BYTES});
        const want = require('node:crypto').createHash('sha256').update(data).digest('hex');
        const s = require('node:net').connect(${port}, '${topo.vppAddr}', () => s.end(data));
        let got = '';
        s.on('data', (d) => { got += d; });
        s.on('end', () => { console.log(got === want ? 'match' : 'mismatch ' + got); process.exit(0); });
        s.on('error', (e) => { console.log('error ' + e.code); process.exit(0); });
        setTimeout(() => { console.log('timeout'); process.exit(0); }, 30000);`]);
      expect(out.trim()).toBe('match');
      await new Promise<void>((r) => srv.close(() => r()));
    }, 60000);
  });
};

if (nsReason) describeSkipped('vppnet <-> Linux TCP over a veth into a network namespace', nsReason, () => body(() => { throw new Error(nsReason); }));
else describeVpp('vppnet <-> Linux TCP over a veth into a network namespace', body);
