/**
 * vppnet/dgram over a real VPP: datagrams between two apps in different VPP
 * namespaces (VPP's UDP: it drops UDP between two addresses of one FIB
 * table), both engines, IPv4 and IPv6; with a node:dgram peer in a network
 * namespace over a veth. VPP's own counters prove the path: every datagram
 * one side sends is one "Packets enqueued" of VPP's udp4-input/udp6-input,
 * and its CLI lists the bound sessions as [U] while they are open.
 */
import { once } from 'events';
import { createHash, randomBytes } from 'crypto';
import * as vdgram from '../../glue/dgram';
import { describeVpp, vppSkipReason, describeSkipped, type VppInstance } from './harness';
import { createNetnsTopology, netnsSkipReason, type NetnsTopology } from './netns';

type Engine = 'wasm' | 'native';
type Sock = vdgram.Socket;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** VPP's count of datagrams its UDP input handed to sessions. */
async function enqueued(vpp: VppInstance, family: 4 | 6): Promise<number> {
  const out = await vpp.cli('show errors');
  let n = 0;
  for (const line of out.split('\n')) {
    const m = new RegExp(`^\\s*(\\d+)\\s+udp${family}-input\\s+Packets enqueued`).exec(line);
    if (m) n += Number(m[1]);
  }
  return n;
}

function bound(s: Sock, port: number, address?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, address, () => { s.off('error', reject); resolve(); });
  });
}

function sent(s: Sock, msg: Buffer | string, port?: number, address?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const cb = (e: Error | null, n?: number) => (e ? reject(e) : resolve(n!));
    if (port === undefined) s.send(msg, cb); else s.send(msg, port, address, cb);
  });
}

function messages(s: Sock, n: number, ms = 5000, skip?: (m: Buffer) => boolean): Promise<[Buffer, vdgram.Rinfo][]> {
  return new Promise((resolve, reject) => {
    const got: [Buffer, vdgram.Rinfo][] = [];
    const t = setTimeout(() => reject(new Error(`${got.length} of ${n} datagrams within ${ms} ms`)), ms);
    s.on('message', (m: Buffer, r: vdgram.Rinfo) => {
      if (skip?.(m)) return;
      got.push([m, r]);
      if (got.length === n) { clearTimeout(t); resolve(got); }
    });
  });
}

const close = (s: Sock) => new Promise<void>((r) => s.close(() => r()));

describeVpp('vppnet/dgram over VPP', (vpp) => {
  const opts = (engine: Engine, ns: 'default' | 'peer', type: 'udp4' | 'udp6' = 'udp4') =>
    ({ type, mode: 'vpp' as const, engine, appSocket: ns === 'default' ? vpp().appSocket : vpp().peerAppSocket });
  const open: Sock[] = [];
  const socket = (o: vdgram.SocketOptions) => { const s = vdgram.createSocket(o); open.push(s); return s; };
  afterEach(async () => { await Promise.all(open.splice(0).map((s) => close(s).catch(() => {}))); });

  describe.each(['wasm', 'native'] as Engine[])('engine %s', (engine) => {
    for (const [family, type, host] of [[4, 'udp4', '127.0.0.2'], [6, 'udp6', 'fd00::2']] as const) {
      test(`${type}: a wildcard-bound client in namespace 'peer' and a server bound to ${host}: each datagram whole, both ways, through VPP's UDP`, async () => {
        const srv = socket(opts(engine, 'default', type));
        await bound(srv, 0, host);
        expect(srv.transport).toBe('vpp');
        const port = srv.address().port;
        const listed = (await vpp().sessions()).filter((s) => s.transport === 'U' && s.local?.port === port);
        expect(listed.length).toBeGreaterThan(0);
        // the server echoes each datagram back to its sender
        srv.on('message', (m: Buffer, r: vdgram.Rinfo) => srv.send(m, r.port, r.address));
        const cli = socket(opts(engine, 'peer', type));
        const sizes = [1, 2, 47, 48, 100, 512, 1000, 1400, 1472 - (family === 6 ? 20 : 0)];
        const data = sizes.map((n) => randomBytes(n));
        const before = await enqueued(vpp(), family);
        const back = messages(cli, data.length);
        for (const d of data) expect(await sent(cli, d, port, host)).toBe(d.length);
        expect(cli.transport).toBe('vpp');
        const got = await back;
        expect(got.map(([m]) => sha(m)).sort()).toEqual(data.map(sha).sort());
        for (const [, r] of got) expect(r).toMatchObject({ address: host, port, family: family === 4 ? 'IPv4' : 'IPv6' });
        // every datagram went through VPP's UDP twice (there and back)
        expect((await enqueued(vpp(), family)) - before).toBeGreaterThanOrEqual(2 * data.length);
        expect(cli.address().address).toBe(family === 4 ? '0.0.0.0' : '::');
      }, 20000);
    }

    test('a wildcard-bound server answers from the address it was reached at; connect() sends to and hears from its peer only', async () => {
      const srv = socket(opts(engine, 'default'));
      await bound(srv, 0);
      const port = srv.address().port;
      expect(srv.address().address).toBe('0.0.0.0');
      srv.on('message', (m: Buffer, r: vdgram.Rinfo) => srv.send(Buffer.concat([Buffer.from('re:'), m]), r.port, r.address));
      const cli = socket(opts(engine, 'peer'));
      const connected = once(cli, 'connect');
      cli.connect(port, vpp().testAddr);
      await connected;
      expect(cli.remoteAddress()).toEqual({ address: vpp().testAddr, family: 'IPv4', port });
      expect(() => cli.send('x', port, vpp().testAddr)).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_DGRAM_IS_CONNECTED' }));
      // a stranger in 'peer' writes to the connected client: it must not hear it
      const stranger = socket(opts(engine, 'peer'));
      await bound(stranger, 0);
      const back = messages(cli, 1);
      await sent(stranger, 'not for you', cli.address().port, vpp().peerAddr).catch(() => 0);
      await sent(cli, 'hello');
      const [[m, r]] = await back;
      expect(String(m)).toBe('re:hello');
      expect(r).toMatchObject({ address: vpp().testAddr, port });
      cli.disconnect();
      expect(() => cli.remoteAddress()).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_DGRAM_NOT_CONNECTED' }));
    }, 20000);

    test('what VPP cannot carry whole fails with node\'s errors: over its UDP mtu EMSGSIZE, an empty datagram EINVAL', async () => {
      const s = socket(opts(engine, 'peer'));
      await bound(s, 0);
      await expect(sent(s, Buffer.alloc(1473), 9, vpp().testAddr)).rejects.toMatchObject({ code: 'EMSGSIZE', syscall: 'send' });
      await expect(sent(s, Buffer.alloc(0), 9, vpp().testAddr)).rejects.toMatchObject({ code: 'EINVAL', syscall: 'send' });
    });

    test('bind to a port VPP has: EADDRINUSE as node says it; close() lets go of the port in VPP', async () => {
      const a = socket(opts(engine, 'default'));
      await bound(a, 0, vpp().testAddr);
      const port = a.address().port;
      const b = socket(opts(engine, 'default'));
      await expect(bound(b, port, vpp().testAddr)).rejects.toMatchObject({ code: 'EADDRINUSE', syscall: 'bind', port });
      await close(a);
      const gone = async () => !(await vpp().sessions()).some((s) => s.transport === 'U' && s.local?.port === port);
      for (let i = 0; i < 40 && !(await gone()); i++) await new Promise((r) => setTimeout(r, 50));
      expect(await gone()).toBe(true);
      const c = socket(opts(engine, 'default'));
      await bound(c, port, vpp().testAddr);
      expect(c.address().port).toBe(port);
    });
  });

  test("mode 'vpp' without a VPP: 'error' ERR_VPPNET_UNAVAILABLE, never a silent fallback; mode 'kernel' is node's dgram", async () => {
    const s = vdgram.createSocket({ type: 'udp4', mode: 'vpp', appSocket: '/nonexistent/vpp.sock' });
    const [err] = await once(s.bind(0), 'error');
    expect(err.code).toBe('ERR_VPPNET_UNAVAILABLE');
    s.close();
    const k = socket({ type: 'udp4', mode: 'kernel' });
    const k2 = socket({ type: 'udp4', mode: 'kernel' });
    await bound(k, 0, '127.0.0.1');
    expect(k.transport).toBe('kernel');
    const got = messages(k, 1);
    await sent(k2, 'via the kernel', k.address().port, '127.0.0.1');
    expect(String((await got)[0][0])).toBe('via the kernel');
  });
});

const nsReason = vppSkipReason() ? null : netnsSkipReason();
const interop = (vpp: () => VppInstance) => {
  let topo: NetnsTopology;
  beforeAll(async () => { topo = await createNetnsTopology(vpp()); }, 30000);
  afterAll(async () => { await topo?.teardown(); }, 30000);

  test.each(['wasm', 'native'] as Engine[])('engine %s: vppnet/dgram and a node:dgram peer in a network namespace answer each other through VPP', async (engine) => {
    // the kernel peer answers every datagram with its sha256
    const { child, ready } = await topo.startNode(`
      const s = require('node:dgram').createSocket('udp4');
      s.on('message', (m, r) => s.send(require('node:crypto').createHash('sha256').update(m).digest('hex') + ' ' + r.address, r.port, r.address));
      s.bind(0, '${topo.nsAddr}', () => console.log('ready ' + s.address().port));`);
    const s = vdgram.createSocket({ type: 'udp4', mode: 'vpp', engine, appSocket: vpp().appSocket });
    try {
      await bound(s, 0);
      // VPP drops what it sends while it resolves the peer's MAC (ARP), as any
      // router may: UDP, so ask until the peer answers, then count
      const warm = messages(s, 1, 3000);
      const ping = setInterval(() => s.send('warm-up', Number(ready), topo.nsAddr), 100);
      await warm.finally(() => clearInterval(ping));
      s.removeAllListeners('message');
      const data = [randomBytes(1), randomBytes(700), randomBytes(1472)];
      const warmAnswer = `${sha(Buffer.from('warm-up'))} ${topo.vppAddr}`;
      const back = messages(s, data.length, 5000, (m) => String(m) === warmAnswer);   // late answers to the warm-up
      for (const d of data) await sent(s, d, Number(ready), topo.nsAddr);
      const got = (await back).map(([m, r]) => { expect(r).toMatchObject({ address: topo.nsAddr, port: Number(ready) }); return String(m); });
      // the kernel saw VPP's address as the sender: the source was picked right
      expect(got.sort()).toEqual(data.map((d) => `${sha(d)} ${topo.vppAddr}`).sort());
    } finally {
      child.kill();
      await close(s);
    }
  }, 30000);
};

if (nsReason) describeSkipped('vppnet/dgram <-> Linux UDP over a veth into a network namespace', nsReason, () => interop(() => { throw new Error(nsReason); }));
else describeVpp('vppnet/dgram <-> Linux UDP over a veth into a network namespace', interop);
