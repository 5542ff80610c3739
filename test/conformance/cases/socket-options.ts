/** Socket options: setNoDelay() and setKeepAlive(), before and after connect. */
import { type Context } from '../helpers';

export function socketOptionCases(ctx: Context): void {
  const { T, server, listen, dial, connected } = ctx;

  T('setNoDelay() and setKeepAlive() are accepted before and after connect and return the socket', async () => {
    const srv = server();
    const port = await listen(srv);
    const c = dial(port);
    expect(c.setNoDelay(true)).toBe(c);
    expect(c.setKeepAlive(true, 1000)).toBe(c);
    await connected(c);
    expect(c.setNoDelay(false)).toBe(c);
    expect(c.setNoDelay()).toBe(c);
    expect(c.setKeepAlive(false)).toBe(c);
  });
}
