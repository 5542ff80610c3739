/**
 * TCP over a real VPP, through the public API. Every test proves the path it
 * claims with VPP's own CLI: cut-through sessions show as [CT:T], sessions
 * through VPP's TCP stack as [T] — a kernel fallback would show nothing.
 * Runs for both engines (the WASM one is the default).
 */
import { createHash, randomBytes } from 'crypto';
import { once } from 'events';
import { fork } from 'child_process';
import * as path from 'path';
import * as vppnet from '../../glue/index';
import { loadHost } from '../../glue/host';
import { describeVpp, type VppInstance, type VppSession } from './harness';

type Engine = 'wasm' | 'native';
const ENGINES: Engine[] = ['wasm', 'native'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ms: number, check: () => Promise<boolean> | boolean) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Sessions of this VPP that carry data (not listeners), on `port`. */
async function sessionsOn(inst: VppInstance, port: number): Promise<VppSession[]> {
  return (await inst.sessions()).filter((s) => s.state !== 'LISTEN' &&
    (s.local?.port === port || s.remote?.port === port));
}

function listen(srv: vppnet.Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, '0.0.0.0', () => resolve((srv.address() as { port: number }).port));
  });
}

function sha(b: Buffer) { return createHash('sha256').update(b).digest('hex'); }

describeVpp('VPP transport (public API)', (vpp) => {
  const opts = (engine: Engine, where: 'default' | 'peer' = 'default') => ({
    mode: 'vpp' as const,
    engine,
    appSocket: where === 'default' ? vpp().appSocket : vpp().peerAppSocket,
    scope: where === 'default' ? ('both' as const) : ('global' as const),
  });

  describe.each(ENGINES)('engine %s', (engine) => {
    /** An echo server on the default namespace and a client on `clientNs`. */
    async function echo(clientNs: 'default' | 'peer', bytes: number, chunk = 64 * 1024) {
      const srv = vppnet.createServer(opts(engine), (s) => s.pipe(s));
      const port = await listen(srv);
      expect(srv.transport).toBe('vpp');
      const c = vppnet.connect({ ...opts(engine, clientNs), port, host: vpp().testAddr });
      expect(c.transport).toBe('vpp');
      await once(c, 'connect');
      const data = randomBytes(bytes);
      const hash = createHash('sha256');
      let got = 0;
      c.on('data', (d: Buffer) => { hash.update(d); got += d.length; });
      const ended = once(c, 'end');
      const live = await sessionsOn(vpp(), port);
      for (let off = 0; off < data.length; off += chunk) {
        if (!c.write(data.subarray(off, off + chunk))) await once(c, 'drain');
      }
      if (clientNs === 'peer') c.end(); // TCP: half-close reaches the server, whose pipe ends
      else await until('echo complete', 60000, () => got >= bytes);
      if (clientNs === 'peer') await ended;
      expect(got).toBe(bytes);
      expect(hash.digest('hex')).toBe(sha(data));
      c.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
      return live;
    }

    test("auto: a connect VPP refuses (a service on the kernel's loopback) goes to the kernel; 'vpp' mode reports the refusal", async () => {
      const net = await import('node:net');
      const kernelSrv = net.createServer((s) => s.end('from the kernel')).listen(0, '127.0.0.1');
      await once(kernelSrv, 'listening');
      const port = (kernelSrv.address() as { port: number }).port;
      try {
        const c = vppnet.connect({ ...opts(engine), mode: 'auto', port, host: '127.0.0.1' });
        expect(c.transport).toBe('vpp');   // decided for VPP, which is reachable
        const chunks: Buffer[] = [];
        c.on('data', (d: Buffer) => chunks.push(d));
        await once(c, 'end');
        expect(Buffer.concat(chunks).toString()).toBe('from the kernel');
        expect(c.transport).toBe('kernel');
        expect(c.transportReason).toBe(`VPP refused 127.0.0.1:${port} (no listener there in VPP): tried on the kernel`);
        const v = vppnet.connect({ ...opts(engine), port, host: '127.0.0.1' });
        const [err] = await once(v, 'error');
        expect(err).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect', port });
        expect(v.transport).toBe('vpp');
      } finally {
        await new Promise((r) => kernelSrv.close(r));
      }
    });

    // node's Happy Eyeballs (autoSelectFamily) gives every attempt after the first a fresh handle: on a VPP-bound
    // socket that must be a VPP handle again, and the abandoned attempt must not linger in VPP or in the app
    test('Happy Eyeballs: an IPv6 attempt VPP cannot complete, then IPv4 on a fresh VPP handle, cut-through', async () => {
      const srv = vppnet.createServer(opts(engine), (s) => s.on('data', (d) => s.end(d)));
      const port = await listen(srv);
      try {
        // fd00::9 is on loop0's fd00::/64 but nobody answers for it: VPP's TCP SYN goes unanswered
        const lookup = (_h: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) =>
          cb(null, [{ address: 'fd00::9', family: 6 }, { address: vpp().testAddr, family: 4 }]);
        const c = vppnet.connect({ ...opts(engine), port, host: 'dual.test', lookup, autoSelectFamily: true, autoSelectFamilyAttemptTimeout: 200 } as never);
        const chunks: Buffer[] = [];
        c.on('data', (d: Buffer) => chunks.push(d));
        await once(c, 'connect');
        expect(c.autoSelectFamilyAttemptedAddresses).toEqual([`fd00::9:${port}`, `${vpp().testAddr}:${port}`]);
        expect([c.remoteAddress, c.remoteFamily, c.transport]).toEqual([vpp().testAddr, 'IPv4', 'vpp']);
        const live = await sessionsOn(vpp(), port);
        expect(live.filter((x) => x.cutThrough).length).toBeGreaterThanOrEqual(2);
        c.write('hello');
        await once(c, 'end');
        expect(Buffer.concat(chunks).toString()).toBe('hello');
        c.destroy();
      } finally {
        // the abandoned IPv6 attempt cannot reach this IPv4 listener: its close does not wait for VPP's answer to it
        // (VPP's TCP gives a half-open up only after 60 s, and an app cannot cancel one: VPP names it only in the answer)
        const t0 = Date.now();
        await new Promise((r) => srv.close(r));
        expect(Date.now() - t0).toBeLessThan(2000);
      }
    }, 30000);

    test('cut-through: both ends in one namespace, bytes move through shared fifos ([CT:T])', async () => {
      const live = await echo('default', 16 << 20);
      expect(live.length).toBeGreaterThanOrEqual(2);
      expect(live.every((s) => s.cutThrough)).toBe(true);
    }, 60000);

    test("through VPP's TCP stack: client in namespace 'peer' ([T], not cut-through)", async () => {
      const live = await echo('peer', 8 << 20);
      expect(live.length).toBeGreaterThanOrEqual(2);
      expect(live.every((s) => s.transport === 'T' && !s.cutThrough)).toBe(true);
    }, 60000);

    test('1 GiB in each direction through VPP TCP, byte-exact', async () => {
      const total = 1 << 30;
      const block = randomBytes(1 << 20);
      const srv = vppnet.createServer({ ...opts(engine), allowHalfOpen: true }, (s) => {
        // server: count and hash what arrives, then send 1 GiB back
        const h = createHash('sha256');
        let n = 0;
        s.on('data', (d: Buffer) => { h.update(d); n += d.length; });
        s.on('end', async () => {
          (s as unknown as { rxHash: string; rxBytes: number }).rxHash = h.digest('hex');
          srv.emit('rx', n, (s as unknown as { rxHash: string }).rxHash);
          for (let i = 0; i < total / block.length; i++) if (!s.write(block)) await once(s, 'drain');
          s.end();
        });
      });
      const port = await listen(srv);
      const c = vppnet.connect({ ...opts(engine, 'peer'), port, host: vpp().testAddr });
      await once(c, 'connect');
      const expected = createHash('sha256');
      for (let i = 0; i < total / block.length; i++) expected.update(block);
      const want = expected.digest('hex');
      const rx = once(srv, 'rx');
      const back = createHash('sha256');
      let got = 0;
      c.on('data', (d: Buffer) => { back.update(d); got += d.length; });
      const ended = once(c, 'end');
      for (let i = 0; i < total / block.length; i++) if (!c.write(block)) await once(c, 'drain');
      c.end();
      const [n, h] = await rx;
      expect(n).toBe(total);
      expect(h).toBe(want);
      await ended;
      expect(got).toBe(total);
      expect(back.digest('hex')).toBe(want);
      c.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    }, 240000);
    // (VPP's TCP closes a half-closed connection after tcp closewait-time, 2 s by
    // default, if the app has not closed it: this VPP gets 60 s, see the end)

    test('1,000 sequential and 200 concurrent connections leak no session, fd or mapping', async () => {
      const host = loadHost();
      const srv = vppnet.createServer(opts(engine), (s) => { s.on('data', (d) => s.end(d)); });
      const port = await listen(srv);
      // warm up: the cut-through segment is mapped once and stays
      const one = async () => {
        const c = vppnet.connect({ ...opts(engine), port, host: vpp().testAddr });
        c.end('x');
        const [d] = await once(c, 'data');
        expect(d.toString()).toBe('x');
        await once(c, 'close');
      };
      await one();
      const fds = host.openFdCount(), maps = host.mappingCount();
      for (let i = 0; i < 1000; i++) await one();
      await Promise.all(Array.from({ length: 200 }, one));
      await until('VPP to free every session on the port', 15000, async () => (await sessionsOn(vpp(), port)).length === 0);
      expect(host.openFdCount()).toBe(fds);
      expect(host.mappingCount()).toBeLessThanOrEqual(maps); // VPP may also free idle segments
      await new Promise<void>((r) => srv.close(() => r()));
    }, 120000);

    test('two processes: a vppnet client in a child process talks to this process through VPP', async () => {
      const srv = vppnet.createServer(opts(engine), (s) => s.pipe(s));
      const port = await listen(srv);
      const child = fork(path.join(__dirname, 'fixtures', 'echo-client.js'), [], {
        env: { ...process.env, VPPNET_MODE: 'vpp', VPPNET_ENGINE: engine, VPPNET_APP_SOCKET: vpp().appSocket,
          PORT: String(port), HOST: vpp().testAddr, BYTES: String(32 << 20) },
        execArgv: ['-r', path.join(__dirname, '..', 'conformance', 'ts-register.js')],
      });
      const [msg] = await once(child, 'message');
      const live = await sessionsOn(vpp(), port);
      child.send('exit');
      await once(child, 'exit');
      expect(msg).toMatchObject({ ok: true, bytes: 32 << 20, transport: 'vpp' });
      expect(live.some((s) => s.cutThrough)).toBe(true);
      await new Promise<void>((r) => srv.close(() => r()));
    }, 60000);
  });
}, { tcpCloseWaitSec: 60 });
