/** Listening: port 0, address(), the 'listening' event and the listen callback. */
import { sleep, type Context } from '../helpers';

export function listenCases(ctx: Context): void {
  const { host, family, T, server, listen } = ctx;

  T('listen on port 0 picks a port; address() reports it', async () => {
    const srv = server();
    expect(srv.listening).toBe(false);
    const port = await listen(srv);
    expect(srv.listening).toBe(true);
    expect(port).toBeGreaterThan(0);
    expect(srv.address()).toEqual({ address: host, family, port });
  });

  T("'listening' event comes before the listen callback; both once", async () => {
    const srv = server();
    const ev: string[] = [];
    srv.on('listening', () => ev.push('listening'));
    await new Promise<void>((r) => srv.listen(0, host, () => { ev.push('callback'); r(); }));
    await sleep(20);
    expect(ev).toEqual(['listening', 'callback']);
  });
}
