/** Transport configuration: options > configure() > env > defaults, and Node-style errors for bad values. */
import * as vppnet from '../../glue/index';
import { resolve, vppnetOptionsOf, DEFAULT_APP_SOCKET } from '../../glue/config';

const ENV_KEYS = ['VPPNET_MODE', 'VPPNET_APP_SOCKET', 'VPPNET_ENGINE', 'VPPNET_SCOPE', 'VPPNET_BUSY_POLL'] as const;
const saved: Record<string, string | undefined> = {};

beforeEach(() => {
  for (const k of ENV_KEYS) { saved[k] = process.env[k]; delete process.env[k]; }
  vppnet.configure({ mode: undefined, appSocket: undefined, engine: undefined, scope: undefined, busyPoll: undefined });
});
afterEach(() => {
  for (const k of ENV_KEYS) { if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k]; }
  vppnet.configure({ mode: undefined, appSocket: undefined, engine: undefined, scope: undefined, busyPoll: undefined });
});

test('defaults: auto, wasm, the default app socket', () => {
  expect(resolve()).toEqual({ mode: 'auto', engine: 'wasm', appSocket: DEFAULT_APP_SOCKET, scope: 'both', busyPoll: 0 });
  expect(DEFAULT_APP_SOCKET).toBe('/run/vpp/app_ns_sockets/default');
});

test('environment overrides defaults', () => {
  process.env.VPPNET_MODE = 'kernel';
  process.env.VPPNET_ENGINE = 'native';
  process.env.VPPNET_APP_SOCKET = '/tmp/x.sock';
  expect(resolve()).toEqual({ mode: 'kernel', engine: 'native', appSocket: '/tmp/x.sock', scope: 'both', busyPoll: 0 });
});

test('configure() overrides the environment; undefined resets a key', () => {
  process.env.VPPNET_MODE = 'kernel';
  expect(vppnet.configure({ mode: 'vpp', appSocket: '/tmp/c.sock' })).toEqual(
    { mode: 'vpp', engine: 'wasm', appSocket: '/tmp/c.sock', scope: 'both', busyPoll: 0 });
  expect(resolve().mode).toBe('vpp');
  vppnet.configure({ mode: undefined });
  expect(resolve()).toEqual({ mode: 'kernel', engine: 'wasm', appSocket: '/tmp/c.sock', scope: 'both', busyPoll: 0 });
});

test('per-call options override configure()', () => {
  vppnet.configure({ mode: 'vpp', engine: 'native' });
  expect(resolve({ mode: 'kernel' })).toEqual({ mode: 'kernel', engine: 'native', appSocket: DEFAULT_APP_SOCKET, scope: 'both', busyPoll: 0 });
  const s = vppnet.connect({ mode: 'kernel', port: 1, host: '127.0.0.1' });
  s.on('error', () => {});
  expect(s.transport).toBe('kernel');
  s.destroy();
});

test.each([
  ['mode', { mode: 'fast' }, /The argument 'options.mode' must be one of: 'auto', 'vpp', 'kernel'. Received 'fast'/],
  ['engine', { engine: 'jit' }, /The argument 'options.engine' must be one of: 'wasm', 'native'. Received 'jit'/],
])('invalid %s in options -> ERR_INVALID_ARG_VALUE naming the value', (_k, opts, msg) => {
  for (const f of [() => vppnet.connect({ ...opts, port: 80 } as never), () => vppnet.createServer(opts as never),
    () => new vppnet.Socket(opts as never)]) {
    expect(f).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', name: 'TypeError' }));
    expect(f).toThrow(msg);
  }
});

test('invalid appSocket type -> ERR_INVALID_ARG_TYPE', () => {
  expect(() => vppnet.createServer({ appSocket: 42 } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
});

test('invalid configure() values -> ERR_INVALID_ARG_VALUE, nothing changed', () => {
  expect(() => vppnet.configure({ mode: 'nope' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  expect(() => vppnet.configure({ mode: 'nope' as never })).toThrow(/Received 'nope'/);
  expect(() => vppnet.configure('kernel' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  expect(resolve().mode).toBe('auto');
});

test('invalid environment values -> ERR_INVALID_ARG_VALUE naming the variable and value', () => {
  process.env.VPPNET_MODE = 'turbo';
  expect(() => vppnet.status()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  expect(() => vppnet.status()).toThrow(/'VPPNET_MODE'.*Received 'turbo'/);
  delete process.env.VPPNET_MODE;
  process.env.VPPNET_ENGINE = 'gpu';
  expect(() => vppnet.createServer()).toThrow(/'VPPNET_ENGINE'.*Received 'gpu'/);
});

test('status() reports mode, engine, appSocket and why VPP is (not) reachable', () => {
  vppnet.configure({ appSocket: '/nonexistent/app.sock' });
  expect(vppnet.status()).toEqual({
    mode: 'auto', engine: 'wasm', appSocket: '/nonexistent/app.sock', scope: 'both', busyPoll: 0, transport: 'kernel',
    vpp: { reachable: false, reason: 'no VPP app socket at /nonexistent/app.sock' },
  });
  expect(vppnet.status({ mode: 'vpp' })).toMatchObject({ mode: 'vpp', transport: null, vpp: { reachable: false } });
  expect(vppnet.status({ mode: 'kernel' })).toMatchObject({ mode: 'kernel', transport: 'kernel',
    vpp: { reachable: false, reason: "not probed: mode is 'kernel'" } });
});

test('busyPoll: µs, from options > configure() > VPPNET_BUSY_POLL > 0; bad values are Node-style errors', () => {
  process.env.VPPNET_BUSY_POLL = '50';
  expect(resolve().busyPoll).toBe(50);
  vppnet.configure({ busyPoll: 1000 });
  expect(resolve().busyPoll).toBe(1000);
  expect(resolve({ busyPoll: 0 }).busyPoll).toBe(0);
  for (const [v, code, msg] of [
    ['50', 'ERR_INVALID_ARG_TYPE', /"options.busyPoll" argument must be of type number. Received type string \('50'\)/],
    [-1, 'ERR_OUT_OF_RANGE', /"options.busyPoll" is out of range. It must be an integer >= 0 and <= 1000000. Received -1/],
    [1.5, 'ERR_OUT_OF_RANGE', /Received 1.5/],
    [2e6, 'ERR_OUT_OF_RANGE', /Received 2000000/],
  ] as const) {
    const f = () => vppnet.connect({ busyPoll: v, port: 80 } as never);
    expect(f).toThrow(expect.objectContaining({ code }));
    expect(f).toThrow(msg);
  }
  expect(() => vppnet.configure({ busyPoll: -5 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  expect(resolve().busyPoll).toBe(1000);
  vppnet.configure({ busyPoll: undefined });
  process.env.VPPNET_BUSY_POLL = 'lots';
  expect(() => resolve()).toThrow(/"VPPNET_BUSY_POLL" argument must be of type number. Received type string \('lots'\)/);
});

test("vppnet's keys are taken out of node's options, validated; node's are left to node", () => {
  const o = { mode: 'kernel', engine: 'wasm', appSocket: '/x', scope: 'both', busyPoll: 100, port: 1, host: '127.0.0.1' };
  expect(vppnetOptionsOf(o)).toEqual({ mode: 'kernel', engine: 'wasm', appSocket: '/x', scope: 'both', busyPoll: 100 });
  expect(o.busyPoll).toBe(100);   // the caller's object is left alone
  expect(vppnetOptionsOf({ port: 1 })).toBeUndefined();
  expect(() => vppnetOptionsOf({ mode: 'fast' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
});
