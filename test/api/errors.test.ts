/** Node-shaped errors from core errnos and VPP session errors: one table each. */
import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';
import { CORE_ERRORS, errnoException, fromCoreError, fromVppError, vppUnavailable } from '../../glue/errors';

const E = constants.errno as Record<string, number>;

test('errnoException has the shape node gives connect errors', () => {
  const e = errnoException('ECONNREFUSED', 'connect', '127.0.0.1', 1234);
  expect(e.message).toBe('connect ECONNREFUSED 127.0.0.1:1234');
  expect(e).toMatchObject({ code: 'ECONNREFUSED', errno: -E.ECONNREFUSED, syscall: 'connect', address: '127.0.0.1', port: 1234 });
  expect(e).toBeInstanceOf(Error);
});

test('errnoException with a description has the shape node gives listen errors', () => {
  const e = errnoException('EADDRINUSE', 'listen', '127.0.0.1', 80, true);
  expect(e.message).toBe('listen EADDRINUSE: address already in use 127.0.0.1:80');
  expect(e.errno).toBe(-E.EADDRINUSE);
});

test('every VN_E* of vppnet_core.h is in the table, with its Linux value', () => {
  const header = require('node:fs').readFileSync(require('node:path').join(__dirname, '../../wasm/include/vppnet_core.h'), 'utf8') as string;
  const defs = [...header.matchAll(/#define VN_(E[A-Z]+)\s+\((-\d+)\)/g)].map((m) => [m[1], Number(m[2])] as const);
  expect(defs.length).toBeGreaterThanOrEqual(10);
  for (const [name, value] of defs) {
    // The core's values are Linux errnos (node knows each by os.constants or libuv's map).
    expect(E[name] !== undefined ? -E[name] : getSystemErrorMap().get(value)?.[0] === name ? value : NaN).toBe(value);
    expect(CORE_ERRORS[value]).toBeDefined();
  }
});

test('fromCoreError maps core errnos to node codes', () => {
  expect(fromCoreError(-32, 'write')).toMatchObject({ code: 'EPIPE', errno: -E.EPIPE, syscall: 'write', message: 'write EPIPE' });
  expect(fromCoreError(-107, 'write').code).toBe('ENOTCONN');
  expect(fromCoreError(-108, 'read').code).toBe('ECONNABORTED');
  expect(fromCoreError(-74, 'read').code).toBe('EPROTO');
  expect(fromCoreError(-12, 'connect', '10.0.0.1', 80)).toMatchObject({ code: 'ENOBUFS', address: '10.0.0.1', port: 80 });
  expect(fromCoreError(-E.ETIMEDOUT, 'connect').code).toBe('ETIMEDOUT'); // not in the table: its own name
  expect(fromCoreError(-99999, 'x').code).toBe('EIO');
});

test.each([
  [-2, 'ECONNREFUSED'], [-3, 'ETIMEDOUT'], [-6, 'EHOSTUNREACH'], [-7, 'EHOSTUNREACH'], [-20, 'EHOSTUNREACH'],
  [-15, 'EADDRINUSE'], [-16, 'EADDRINUSE'], [-17, 'EADDRINUSE'], [-8, 'EADDRNOTAVAIL'], [-18, 'EADDRNOTAVAIL'],
  [-9, 'EADDRNOTAVAIL'], [-4, 'ENOBUFS'], [-23, 'ENOBUFS'], [-24, 'ENOBUFS'], [-25, 'ENOBUFS'], [-1, 'EIO'], [-38, 'EIO'],
])('fromVppError(%i) -> %s', (v, code) => {
  const e = fromVppError(v, 'connect', '127.0.0.1', 9);
  expect(e.code).toBe(code);
  expect(e.errno).toBe(-E[code]);
  expect((e as unknown as { vppError: number }).vppError).toBe(v);
});

test('fromVppError for listen reads like node listen errors; positive values are accepted', () => {
  expect(fromVppError(15, 'listen', '0.0.0.0', 8080).message).toBe('listen EADDRINUSE: address already in use 0.0.0.0:8080');
  expect(fromVppError(-2, 'connect', '127.0.0.1', 9).message).toBe('connect ECONNREFUSED 127.0.0.1:9');
});

test('vppUnavailable carries the code and the reason', () => {
  const e = vppUnavailable('no VPP app socket at /x', '/x');
  expect(e).toMatchObject({ code: 'ERR_VPPNET_UNAVAILABLE', reason: 'no VPP app socket at /x' });
  expect(e.message).toBe('VPP is unavailable: no VPP app socket at /x');
});
