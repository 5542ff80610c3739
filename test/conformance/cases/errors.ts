/** Errors: node-shaped ECONNREFUSED and EADDRINUSE, node's own argument errors. */
import { once } from 'node:events';
import { constants } from 'node:os';
import { within, closeEvent, expectCode, type Context } from '../helpers';

type NetError = NodeJS.ErrnoException & { address?: string; port?: number };

export function errorCases(ctx: Context): void {
  const { N, host, copts, T, server, listen, dial, pair, freePort, noRefusal } = ctx;

  /** node:net's shape of a failed connect/listen: code, errno, syscall, address, port and message. */
  function expectNetError(err: NetError, code: 'ECONNREFUSED' | 'EADDRINUSE', syscall: string, port: number, message: string): void {
    expect(err.code).toBe(code);
    expect(err.errno).toBe(-constants.errno[code]);
    expect(err.syscall).toBe(syscall);
    expect(err.address).toBe(host);
    expect(err.port).toBe(port);
    expect(err.message).toBe(message);
  }

  T('connecting to a closed port fails with a node-shaped ECONNREFUSED', async () => {
    const port = await freePort();
    const c = dial(port);
    const [err] = (await within(once(c, 'error').catch((e) => [e]), 10000, "'error'")) as [NetError];
    expectNetError(err, 'ECONNREFUSED', 'connect', port, `connect ECONNREFUSED ${host}:${port}`);
    expect(await within(closeEvent(c), 5000, "'close'")).toBe(true);
  }, 20000, noRefusal);

  T('a connect to the wildcard address means this host: refused where nobody listens', async () => {
    const port = await freePort();
    const wildcard = ctx.family === 'IPv6' ? '::' : '0.0.0.0';
    const c = N.connect({ ...copts(), port, host: wildcard });
    ctx.sockets.add(c);
    const [err] = (await within(once(c, 'error').catch((e) => [e]), 10000, "'error'")) as [NetError];
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.port).toBe(port);
  }, 20000, noRefusal ?? ctx.profile.noLoopback);

  T('listening twice on one port fails with a node-shaped EADDRINUSE', async () => {
    const a = server();
    const port = await listen(a);
    const b = server();
    b.listen({ port, host });
    const [err] = (await within(once(b, 'error').catch((e) => [e]), 5000, "'error'")) as [NetError];
    expectNetError(err, 'EADDRINUSE', 'listen', port, `listen EADDRINUSE: address already in use ${host}:${port}`);
    expect(b.listening).toBe(false);
  });

  T("bad input throws node's own errors", async () => {
    expectCode(() => N.connect({ ...copts(), port: -1, host }), 'ERR_SOCKET_BAD_PORT');
    expectCode(() => N.connect({ ...copts(), port: 'abc', host }), 'ERR_SOCKET_BAD_PORT');
    expectCode(() => N.connect({ ...copts() }), 'ERR_MISSING_ARGS');
    expectCode(() => N.createServer(42), 'ERR_INVALID_ARG_TYPE');
    const srv = server();
    expectCode(() => srv.listen({ port: 65536, host }), 'ERR_SOCKET_BAD_PORT');
    const { c } = await pair();
    expectCode(() => c.write(123 as unknown as string), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => c.setTimeout('x' as unknown as number), 'ERR_INVALID_ARG_TYPE');
  });
}
