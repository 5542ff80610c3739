/** Addresses: local and remote address, port and family on both ends. */
import { once } from 'node:events';
import { isIP } from 'node:net';
import { type Context } from '../helpers';

export function addressCases(ctx: Context): void {
  const { host, family, T, pair, profile, server, listen, dial, connected } = ctx;

  // libuv reports a connect and the first read in separate callbacks, with microtasks between them: code that
  // awaits 'connect' still finds the socket open and its addresses there, however fast the server answered
  T("after await once(socket, 'connect') the addresses are there, even if the server wrote and ended at once", async () => {
    const srv = server((s) => s.end('bye'));
    const port = await listen(srv);
    const c = dial(port);
    const chunks: Buffer[] = [];
    c.on('data', (d: Buffer) => chunks.push(d));
    await connected(c);
    expect([c.remoteAddress, c.remotePort, c.remoteFamily, c.readyState]).toEqual([host, port, family, 'open']);
    await once(c, 'end');
    expect(Buffer.concat(chunks).toString()).toBe('bye');
  });

  T('local and remote address, port and family agree on both ends', async () => {
    const { s, c, port } = await pair();
    expect(c.remoteAddress).toBe(host);
    expect(c.remotePort).toBe(port);
    expect(c.remoteFamily).toBe(family);
    expect(isIP(c.localAddress!)).toBeGreaterThan(0);
    expect(c.localPort).toBeGreaterThan(0);
    expect(c.localFamily).toBe(family);
    expect(s.localAddress).toBe(host);
    expect(s.localPort).toBe(port);
    expect(s.remoteAddress).toBe(c.localAddress);
    expect(s.remotePort).toBe(c.localPort);
    expect(s.remoteFamily).toBe(family);
    expect(c.address()).toEqual({ address: c.localAddress, port: c.localPort, family });
  });

  T('connect({ localPort }) binds the local port: the client has it, the server sees it', async () => {
    for (let tries = 0; ; tries++) {
      const lp = 40000 + Math.floor(Math.random() * 8000);
      try {
        const { s, c } = await pair({}, { localPort: lp });
        expect(c.localPort).toBe(lp);
        expect(s.remotePort).toBe(lp);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || tries > 5) throw e;   // that port was taken: another
      }
    }
  }, 20000, profile.noLocalPort);
}
