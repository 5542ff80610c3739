/**
 * The transport decision when VPP IS reachable or not, as a table: the
 * attach (tryStack) is replaced by a recording double so the rules — which
 * transport, why, what is asked of VPP and what is remembered — are pinned
 * down on any machine. Binding a socket or server to what was decided is
 * real-VPP work: test/vpp/transport.test.ts and the conformance suite.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const calls: unknown[] = [];
let attach: { ok: true; stack: unknown } | { ok: false; reason: string } | 'throw' = { ok: true, stack: { id: 'stack-1' } };

jest.mock('../../glue/vpp', () => ({
  liveStack: () => undefined,   // no attachment cached: every decision asks tryStack
  tryStack: (cfg: unknown) => {
    calls.push(cfg);
    if (attach === 'throw') throw new Error('mmap failed');
    return attach;
  },
}));

// eslint-disable-next-line import/first
import * as vppnet from '../../glue/index';
// eslint-disable-next-line import/first
import { decide, forgetFailures } from '../../glue/transport';
// eslint-disable-next-line import/first
import { resolve } from '../../glue/config';

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

test('auto with a reachable VPP decides for VPP, with the stack of this configuration', () => {
  const d = decide(resolve({ appSocket, engine: 'native' }), 'connect');
  expect(d).toEqual({ transport: 'vpp', stack: { id: 'stack-1' }, reason: `attached to ${appSocket} (native)` });
  expect(calls).toEqual([{ appSocket, engine: 'native', scope: 'both' }]);
});

test('configure() and the environment steer the decision like options do', () => {
  vppnet.configure({ appSocket });
  try {
    expect(decide(resolve(), 'connect').transport).toBe('vpp');
    expect(decide(resolve({ mode: 'kernel' }), 'connect').transport).toBe('kernel');
    process.env.VPPNET_MODE = 'kernel';
    expect(decide(resolve(), 'connect')).toEqual({ transport: 'kernel', reason: "mode is 'kernel'" });
  } finally {
    delete process.env.VPPNET_MODE;
    vppnet.configure({ appSocket: undefined });
  }
});

test('a failed attach: auto falls back with the reason, vpp errors with it, and the failure is remembered briefly', async () => {
  attach = { ok: false, reason: 'attach refused: WRONG_NS_SECRET' };
  expect(decide(resolve({ appSocket }), 'listen')).toEqual({ transport: 'kernel', reason: 'attach refused: WRONG_NS_SECRET' });
  const s = vppnet.connect({ mode: 'vpp', appSocket, port: 1, host: '127.0.0.1' });
  const [err] = await once(s, 'error').catch((e) => [e]);
  expect(err).toMatchObject({ code: 'ERR_VPPNET_UNAVAILABLE', reason: 'attach refused: WRONG_NS_SECRET' });
  expect(s.transport).toBe('vpp');   // what was asked for, and could not be had
  expect(calls).toHaveLength(1); // the second decision used the remembered failure
  forgetFailures();
  attach = { ok: true, stack: {} };
  expect(decide(resolve({ appSocket }), 'listen').transport).toBe('vpp');
});

test('an attach that throws is a failure with a reason, not a crash', async () => {
  attach = 'throw';
  const srv = vppnet.createServer({ appSocket }).listen(0, '127.0.0.1');
  await once(srv, 'listening');
  expect(srv.transport).toBe('kernel');
  expect(srv.transportReason).toBe('attach threw: mmap failed');
  await new Promise((r) => srv.close(r));
});

test('kernel mode and IPC never ask VPP', async () => {
  const srv = vppnet.createServer({ mode: 'kernel', appSocket }).listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const c = vppnet.connect({ appSocket, path: path.join(dir, 'nope.sock') });
  c.on('error', () => {});
  expect(c).toBeInstanceOf(net.Socket);
  expect(c.transport).toBe('kernel');
  expect(calls).toHaveLength(0);
  await new Promise((r) => srv.close(r));
});

test('status() says VPP is reachable and auto would use it', () => {
  expect(vppnet.status({ appSocket })).toEqual({ mode: 'auto', engine: 'wasm', appSocket, scope: 'both', busyPoll: 0, transport: 'vpp',
    vpp: { reachable: true, reason: `attached to ${appSocket} (wasm)` } });
});
