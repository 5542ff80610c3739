/**
 * Transport selection when VPP IS reachable. The VPP transport is replaced by
 * a recording double (jest.mock) so these tests pin down the glue's rules —
 * which object is built, with what, and instanceof — on any machine.
 * The real VPP transport is exercised by test/vpp/.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const calls: Array<{ kind: string; args: unknown[] }> = [];
let attach: { ok: true; stack: unknown } | { ok: false; reason: string } | 'throw' = { ok: true, stack: { id: 'stack-1' } };

jest.mock('../../glue/vpp', () => {
  const { Duplex } = jest.requireActual('node:stream');
  const { EventEmitter } = jest.requireActual('node:events');
  class VppSocket extends Duplex {
    transport = 'vpp';
    constructor(options: object | undefined, stack: unknown) { super(); calls.push({ kind: 'socket', args: [options, stack] }); }
    connect(...args: unknown[]) { calls.push({ kind: 'socket.connect', args }); return this; }
    setTimeout(ms: number) { calls.push({ kind: 'socket.setTimeout', args: [ms] }); return this; }
    _read() {}
  }
  class VppServer extends EventEmitter {
    transport = 'vpp';
    constructor(options: object | undefined, listener: unknown, stack: unknown) { super(); calls.push({ kind: 'server', args: [options, listener, stack] }); }
  }
  return {
    tryStack: (cfg: unknown) => {
      calls.push({ kind: 'tryStack', args: [cfg] });
      if (attach === 'throw') throw new Error('mmap failed');
      return attach;
    },
    VppSocket,
    VppServer,
  };
});

// eslint-disable-next-line import/first
import * as vppnet from '../../glue/index';
// eslint-disable-next-line import/first
import { forgetFailures } from '../../glue/transport';
// eslint-disable-next-line import/first
import { VppServer, VppSocket } from '../../glue/vpp';

let dir: string;
let appSocket: string;
let fakeVpp: net.Server;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vppnet-sel-'));
  appSocket = path.join(dir, 'app.sock');
  fakeVpp = net.createServer().listen(appSocket); // only has to exist as a socket
  await once(fakeVpp, 'listening');
});
afterAll(async () => {
  await new Promise((r) => fakeVpp.close(r));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => { calls.length = 0; attach = { ok: true, stack: { id: 'stack-1' } }; forgetFailures(); });

test('auto with a reachable VPP builds a VppSocket with the stack, minus vppnet options, and connects it', () => {
  const s = vppnet.connect({ appSocket, engine: 'native', port: 80, host: '10.0.0.1', timeout: 500 });
  expect(s).toBeInstanceOf(VppSocket);
  expect(s).toBeInstanceOf(vppnet.Socket);
  expect(s).not.toBeInstanceOf(net.Socket);
  expect(s.transport).toBe('vpp');
  expect(s.transportReason).toBe(`attached to ${appSocket} (native)`);
  expect(calls.map((c) => c.kind)).toEqual(['tryStack', 'socket', 'socket.setTimeout', 'socket.connect']);
  expect(calls[0].args[0]).toEqual({ appSocket, engine: 'native', scope: 'both' });
  expect(calls[1].args[1]).toEqual({ id: 'stack-1' });
  expect(calls[3].args[0]).toEqual({ port: 80, host: '10.0.0.1', timeout: 500 });
});

test('auto with a reachable VPP builds a VppServer with options and listener', () => {
  const listener = (): void => {};
  const srv = vppnet.createServer({ appSocket, allowHalfOpen: true }, listener);
  expect(srv).toBeInstanceOf(VppServer);
  expect(srv).toBeInstanceOf(vppnet.Server);
  expect(srv.transport).toBe('vpp');
  expect(calls[1]).toEqual({ kind: 'server', args: [{ allowHalfOpen: true, busyPoll: 0 }, listener, { id: 'stack-1' }] });
  expect(new vppnet.Server({ appSocket })).toBeInstanceOf(VppServer);
});

test('configure() and the environment steer the choice like options do', () => {
  vppnet.configure({ appSocket });
  try {
    expect(new vppnet.Socket()).toBeInstanceOf(VppSocket);
    expect(new vppnet.Socket({ mode: 'kernel' })).toBeInstanceOf(net.Socket);
    process.env.VPPNET_MODE = 'kernel';
    expect(new vppnet.Socket()).toBeInstanceOf(net.Socket);
  } finally {
    delete process.env.VPPNET_MODE;
    vppnet.configure({ appSocket: undefined });
  }
});

test('a failed attach: auto falls back with the reason, vpp errors with it, and the failure is remembered briefly', async () => {
  attach = { ok: false, reason: 'attach refused: WRONG_NS_SECRET' };
  const srv = vppnet.createServer({ appSocket });
  expect(srv).toBeInstanceOf(net.Server);
  expect(srv.transportReason).toBe('attach refused: WRONG_NS_SECRET');
  const s = vppnet.connect({ mode: 'vpp', appSocket, port: 1, host: '127.0.0.1' });
  const [err] = await once(s, 'error').catch((e) => [e]);
  expect(err).toMatchObject({ code: 'ERR_VPPNET_UNAVAILABLE', reason: 'attach refused: WRONG_NS_SECRET' });
  expect(calls.filter((c) => c.kind === 'tryStack')).toHaveLength(1); // second decision used the remembered failure
  forgetFailures();
  attach = { ok: true, stack: {} };
  expect(vppnet.createServer({ appSocket })).toBeInstanceOf(VppServer);
});

test('an attach that throws is a failure with a reason, not a crash', () => {
  attach = 'throw';
  const srv = vppnet.createServer({ appSocket });
  expect(srv.transport).toBe('kernel');
  expect(srv.transportReason).toBe('attach threw: mmap failed');
});

test("kernel mode and IPC never ask VPP", () => {
  vppnet.createServer({ mode: 'kernel', appSocket }).close();
  const s = new vppnet.Socket({ appSocket, fd: undefined, path: undefined } as never);
  expect(s).toBeInstanceOf(VppSocket); // plain options -> VPP
  calls.length = 0;
  const c = vppnet.connect({ appSocket, path: path.join(dir, 'nope.sock') });
  c.on('error', () => {});
  expect(c).toBeInstanceOf(net.Socket);
  expect(calls.filter((x) => x.kind === 'tryStack')).toHaveLength(0);
});

test('status() says VPP is reachable and auto would use it', () => {
  expect(vppnet.status({ appSocket })).toEqual({ mode: 'auto', engine: 'wasm', appSocket, scope: 'both', busyPoll: 0, transport: 'vpp',
    vpp: { reachable: true, reason: `attached to ${appSocket} (wasm)` } });
});
