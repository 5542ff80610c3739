/** Server lifecycle: close() while connections live, getConnections(), maxConnections. */
import { once } from 'node:events';
import { sleep, within, closeEvent, type Context } from '../helpers';

export function serverLifecycleCases(ctx: Context): void {
  const { T, server, listen, dial, connected, pair, noRefusal } = ctx;

  T('server.close() stops listening at once but calls back only after its connections end', async () => {
    const { srv, c, port } = await pair();
    let closedCb = false;
    const done = new Promise<void>((r) => srv.close(() => { closedCb = true; r(); }));
    expect(srv.listening).toBe(false);
    await sleep(200);
    expect(closedCb).toBe(false);
    const refused = dial(port);
    const [err] = (await within(once(refused, 'error').catch((e) => [e]), 10000, 'connect after close')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
    c.end();
    await within(done, 5000, 'close callback after the connection ended');
  }, 20000, noRefusal);

  T('getConnections() counts live connections; maxConnections drops the excess', async () => {
    const srv = server();
    const port = await listen(srv);
    let accepted = 0;
    srv.on('connection', () => { accepted++; });
    const a = dial(port);
    const b = dial(port);
    await Promise.all([connected(a), connected(b)]);
    await within((async () => { while (accepted < 2) await sleep(5); })(), 5000, '2 connections');
    const n = await new Promise<number>((r, j) => srv.getConnections((e, k) => (e ? j(e) : r(k))));
    expect(n).toBe(2);
    srv.maxConnections = 2;
    const third = dial(port);
    third.on('error', () => {});
    third.resume();
    await within(closeEvent(third), 5000, 'excess connection closed');
    expect(accepted).toBe(2);
    a.destroy();
    await within((async () => {
      for (;;) {
        const k = await new Promise<number>((r, j) => srv.getConnections((e, m) => (e ? j(e) : r(m))));
        if (k === 1) return;
        await sleep(10);
      }
    })(), 5000, 'getConnections() back to 1');
  });
}
