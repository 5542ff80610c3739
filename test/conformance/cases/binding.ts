/**
 * Where the transport is bound (at connect()/listen(), from the address, as
 * node binds one) and listen()'s own rules: one object, any endpoint; node's
 * errors for listening twice, closing a closed server, aborting a listen.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { within, collect, type Context } from '../helpers';

export function bindingCases(ctx: Context): void {
  const { N, T, host, server, listen, sopts, copts, sockets, profile } = ctx;

  T('one Server listens on a port, then on a unix path after close(); one Socket connects to either', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vppnet-bind-'));
    try {
      const srv = server((s) => s.end(`hello over ${s.transport}`));
      const port = await listen(srv);
      expect(srv.transport).toBe(profile.expectTransport);
      const tcp = new N.Socket(copts());
      sockets.add(tcp);
      tcp.connect({ port, host });
      expect(String(await within(collect(tcp), 5000, 'tcp reply'))).toBe(`hello over ${profile.expectTransport}`);
      await new Promise<void>((r) => srv.close(() => r()));
      const ipc = path.join(dir, 'srv.sock');
      srv.listen(ipc);
      await within(once(srv, 'listening'), 5000, 'listening on a path');
      expect(srv.transport).toBe('kernel');   // IPC is always the kernel's
      expect(srv.address()).toBe(ipc);
      const unix = new N.Socket(copts());
      sockets.add(unix);
      unix.connect(ipc);
      expect(unix.transport).toBe('kernel');
      expect(String(await within(collect(unix), 5000, 'ipc reply'))).toBe('hello over kernel');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  T('close() then listen() again: the second callback fires and the server accepts', async () => {
    const srv = server((s) => s.end('again'));
    await listen(srv);
    await new Promise<void>((r) => srv.close(() => r()));
    const port = await new Promise<number>((r) => srv.listen(0, host, () => r((srv.address() as { port: number }).port)));
    const c = N.connect({ ...copts(), port, host });
    sockets.add(c);
    expect(String(await within(collect(c), 5000, 'reply after re-listen'))).toBe('again');
  });

  T("listen() twice throws ERR_SERVER_ALREADY_LISTEN; close() of a closed server says ERR_SERVER_NOT_RUNNING", async () => {
    const srv = server();
    await listen(srv);
    expect(() => srv.listen(0, host)).toThrow(expect.objectContaining({ code: 'ERR_SERVER_ALREADY_LISTEN' }));
    await new Promise<void>((r) => srv.close(() => r()));
    const err = await new Promise<Error | undefined>((r) => srv.close((e) => r(e)));
    expect(err).toMatchObject({ code: 'ERR_SERVER_NOT_RUNNING' });
  });

  T('listen({ signal }) stops listening when the signal aborts', async () => {
    const ac = new AbortController();
    const srv = server();
    srv.listen({ port: 0, host, signal: ac.signal });
    await within(once(srv, 'listening'), 5000, 'listening');
    const closed = once(srv, 'close');
    ac.abort();
    await within(closed, 5000, 'close after abort');
    expect(srv.listening).toBe(false);
  });

  T('subclasses of Socket and Server are real classes on every transport', async () => {
    class MyServer extends (N.Server as unknown as new (o?: object) => import('node:net').Server) { mine = true; }
    class MySocket extends (N.Socket as unknown as new (o?: object) => import('node:net').Socket) { mine = true; }
    const srv = new MyServer(sopts());
    srv.on('connection', (s: import('node:net').Socket) => { sockets.add(s); s.end('sub'); });
    ctx.servers.add(srv);
    const port = await listen(srv);
    expect(srv).toBeInstanceOf(MyServer);
    expect(srv.transport).toBe(profile.expectTransport);
    const c = new MySocket(copts());
    sockets.add(c);
    expect(c).toBeInstanceOf(MySocket);
    c.connect(port, host);
    expect(String(await within(collect(c), 5000, 'reply'))).toBe('sub');
    expect(c.transport).toBe(profile.expectTransport);
    expect(c.mine).toBe(true);
  });

  T('bytesWritten counts bytes, not characters, writes before connect included, once', async () => {
    const srv = server((s) => s.resume());
    const port = await listen(srv);
    const c = N.connect({ ...copts(), port, host });
    sockets.add(c);
    c.write('héllo');          // 6 bytes, written while connecting
    c.write(Buffer.alloc(10));
    expect(c.bytesWritten).toBe(16);
    await within(once(c, 'connect'), 5000, 'connect');
    await new Promise<void>((r) => c.write('€', () => r()));   // 3 bytes
    expect(c.bytesWritten).toBe(19);
  });
}
