/** Half-close: end() with and without allowHalfOpen, in either direction. */
import { once } from 'node:events';
import { within, collect, closeEvent, type Context } from '../helpers';

export function halfCloseCases(ctx: Context): void {
  const { T, noHalfClose, server, listen, dial, pair } = ctx;

  T('half-close with allowHalfOpen: the server answers after the client ended', async () => {
    const srv = server((s) => {
      const got = collect(s);
      got.then((b) => s.end(`reply:${b}`), () => {});
    }, { allowHalfOpen: true });
    const port = await listen(srv);
    const c = dial(port);
    const got = collect(c);
    c.end('hello');
    expect((await within(got, 5000, 'reply')).toString()).toBe('reply:hello');
  }, 20000, noHalfClose);

  T('half-close the other way: the client keeps writing after the server ended', async () => {
    const { s, c } = await pair({ allowHalfOpen: true }, { allowHalfOpen: true });
    const atServer = collect(s);
    const atClient = collect(c);
    s.end('bye');
    expect((await within(atClient, 5000, 'client end')).toString()).toBe('bye');
    expect(c.writable).toBe(true);
    c.end('still here');
    expect((await within(atServer, 5000, 'server end')).toString()).toBe('still here');
  }, 20000, noHalfClose);

  T("without allowHalfOpen, the peer's end() ends this side too", async () => {
    const { s, c } = await pair();
    const serverClosed = closeEvent(s);
    const clientEnded = once(c, 'end');
    const clientClosed = closeEvent(c);
    s.resume();
    c.resume();
    c.end('x');
    await within(clientEnded, 5000, "client 'end' (server auto-ended)");
    const hadErrorS = await within(serverClosed, 5000, "server 'close'");
    const hadErrorC = await within(clientClosed, 5000, "client 'close'");
    expect(hadErrorS).toBe(false);
    expect(hadErrorC).toBe(false);
  });
}
