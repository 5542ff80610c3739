/** Node-shaped errors from core errnos and VPP session errors: one table each. */
import { constants } from 'node:os';
import { getSystemErrorMap, getSystemErrorName } from 'node:util';
import { CORE_ERRORS, errnoException, uvCode, vppUnavailable } from '../../glue/errors';

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

/** The code node gives the user for the status a VPP handle hands it (node's uvException names it). */
const codeOf = (status: number) => getSystemErrorName(status);

test('uvCode maps core errnos to the statuses node reports', () => {
  expect(uvCode(-32)).toBe(-E.EPIPE);
  expect(codeOf(uvCode(-107))).toBe('ENOTCONN');
  expect(codeOf(uvCode(-108))).toBe('ECONNABORTED');
  expect(codeOf(uvCode(-74))).toBe('EPROTO');
  expect(codeOf(uvCode(-12))).toBe('ENOBUFS');
  expect(codeOf(uvCode(-E.ETIMEDOUT))).toBe('ETIMEDOUT'); // not in the table: its own name
  expect(codeOf(uvCode(-99999))).toBe('EIO');
  expect(codeOf(uvCode('ECONNRESET'))).toBe('ECONNRESET');
});

test.each([
  [-2, 'ECONNREFUSED'], [-3, 'ETIMEDOUT'], [-6, 'EHOSTUNREACH'], [-7, 'EHOSTUNREACH'], [-20, 'EHOSTUNREACH'],
  [-15, 'EADDRINUSE'], [-16, 'EADDRINUSE'], [-17, 'EADDRINUSE'], [-8, 'EADDRNOTAVAIL'], [-18, 'EADDRNOTAVAIL'],
  [-9, 'EADDRNOTAVAIL'], [-4, 'ENOBUFS'], [-23, 'ENOBUFS'], [-24, 'ENOBUFS'], [-25, 'ENOBUFS'], [-1, 'EIO'], [-38, 'EIO'],
])('uvCode(%i, vpp) -> %s', (v, code) => {
  expect(uvCode(v, 'vpp')).toBe(-E[code]);
  expect(codeOf(uvCode(v, 'vpp'))).toBe(code);
});

test('uvCode takes a positive SESSION_E_* value as its negative', () => {
  expect(codeOf(uvCode(15, 'vpp'))).toBe('EADDRINUSE');
  expect(codeOf(uvCode(2, 'vpp'))).toBe('ECONNREFUSED');
});

test('vppUnavailable carries the code and the reason', () => {
  const e = vppUnavailable('no VPP app socket at /x', '/x');
  expect(e).toMatchObject({ code: 'ERR_VPPNET_UNAVAILABLE', reason: 'no VPP app socket at /x' });
  expect(e.message).toBe('VPP is unavailable: no VPP app socket at /x');
});
