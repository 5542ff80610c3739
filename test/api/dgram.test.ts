/**
 * vppnet/dgram without a VPP: node:dgram's argument errors, side by side
 * with node's own (the same code for the same call, whatever the mode), and
 * the kernel transport doing what node:dgram does.
 */
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import * as vdgram from '../../glue/dgram';

const codeOf = (fn: () => unknown): string | undefined => {
  try { fn(); } catch (e) { return (e as { code?: string }).code; }
  return undefined;
};

const NO_VPP = { mode: 'vpp' as const, appSocket: '/nonexistent/vpp.sock' };
/** The calls both classes have, loosely typed: the cases make them with bad arguments on purpose. */
type Sock = { send(...a: unknown[]): void; bind(...a: unknown[]): unknown; connect(...a: unknown[]): void; remoteAddress(): unknown; disconnect(): void };

describe('vppnet/dgram: node:dgram\'s errors for bad calls', () => {
  const cases: [string, (s: Sock) => unknown][] = [
    ['send to port 0', (s) => s.send('x', 0, '127.0.0.1')],
    ['send to port 65536', (s) => s.send('x', 65536, '127.0.0.1')],
    ['send without a port', (s) => s.send('x')],
    ['send a number', (s) => s.send(42, 9, '127.0.0.1')],
    ['send to a non-string address', (s) => s.send('x', 9, 42)],
    ['connect to port 0', (s) => s.connect(0)],
    ['remoteAddress unconnected', (s) => s.remoteAddress()],
    ['disconnect unconnected', (s) => s.disconnect()],
  ];
  for (const [what, call] of cases) {
    test(what, () => {
      const ours = [vdgram.createSocket('udp4'), vdgram.createSocket({ type: 'udp4', ...NO_VPP })];
      const theirs = dgram.createSocket('udp4');
      try {
        const want = codeOf(() => call(theirs as unknown as Sock));
        expect(want).toBeDefined();
        for (const s of ours) expect(codeOf(() => call(s as unknown as Sock))).toBe(want);
      } finally {
        for (const s of [...ours, theirs]) { s.on('error', () => {}); s.close(); }
      }
    });
  }

  test("bind's port is checked (node passes a bad one to libuv: -1 gives EADDRINUSE, 'abc' port 0)", () => {
    const s = vdgram.createSocket('udp4');
    expect(codeOf(() => s.bind(-1))).toBe('ERR_SOCKET_BAD_PORT');
    expect(codeOf(() => s.bind(65536))).toBe('ERR_SOCKET_BAD_PORT');
    s.close();
  });

  test('bad type; send and bind after close; bind twice', () => {
    expect(codeOf(() => vdgram.createSocket('udp5' as 'udp4'))).toBe(codeOf(() => dgram.createSocket('udp5' as 'udp4')));
    for (const make of [() => dgram.createSocket('udp4') as unknown as Sock & { close(): void }, () => vdgram.createSocket('udp4') as unknown as Sock & { close(): void }]) {
      const s = make();
      s.close();
      expect(codeOf(() => s.send('x', 9, '127.0.0.1'))).toBe('ERR_SOCKET_DGRAM_NOT_RUNNING');
      const t = make();
      t.bind(0, '127.0.0.1');
      expect(codeOf(() => t.bind(0, '127.0.0.1'))).toBe('ERR_SOCKET_ALREADY_BOUND');
      t.close();
    }
  });
});

describe('vppnet/dgram on the kernel', () => {
  test("mode 'kernel': node's dgram underneath; transport says so; 'listening', 'message' with rinfo, send callbacks, close", async () => {
    const a = vdgram.createSocket({ type: 'udp4', mode: 'kernel' });
    const b = vdgram.createSocket('udp4');
    b.bind(0, '127.0.0.1');
    await once(b, 'listening');
    const got = once(b, 'message');
    const n = await new Promise<number>((r, j) => a.send(['ab', Buffer.from('cd')], b.address().port, '127.0.0.1', (e: Error | null, k?: number) => (e ? j(e) : r(k!))));
    expect(n).toBe(4);
    const [msg, rinfo] = await got;
    expect(String(msg)).toBe('abcd');
    expect(rinfo).toMatchObject({ address: '127.0.0.1', family: 'IPv4', port: a.address().port, size: 4 });
    expect(a.transport).toBe('kernel');
    const closed = once(a, 'close');
    a.close();
    await closed;
    b.close();
  });

  test("connect() on the kernel: the callback's send needs no address; remoteAddress says the peer", async () => {
    const a = vdgram.createSocket({ type: 'udp4', mode: 'kernel' });
    const b = vdgram.createSocket({ type: 'udp4', mode: 'kernel' });
    b.bind(0, '127.0.0.1');
    await once(b, 'listening');
    const got = once(b, 'message');
    await new Promise<void>((r) => a.connect(b.address().port, '127.0.0.1', () => r()));
    expect(a.remoteAddress()).toEqual({ address: '127.0.0.1', family: 'IPv4', port: b.address().port });
    a.send('connected');
    expect(String((await got)[0])).toBe('connected');
    a.close();
    b.close();
  });

  test("mode 'vpp' with no VPP: the bind says ERR_VPPNET_UNAVAILABLE with the reason; a send's callback does too", async () => {
    const s = vdgram.createSocket({ type: 'udp4', ...NO_VPP });
    const [err] = await once(s.bind(0), 'error');
    expect(err).toMatchObject({ code: 'ERR_VPPNET_UNAVAILABLE' });
    expect(err.reason).toContain('/nonexistent/vpp.sock');
    expect(s.transport).toBeUndefined();
    s.close();
  });
});
