/** Transport rules without a VPP: auto falls back with a reason, `vpp` fails loudly, IPC is always the kernel. */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vppnet from '../../glue/index';

const MISSING = '/nonexistent/vppnet/app.sock';
let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(tmpdir(), 'vppnet-api-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("mode 'vpp' without VPP: connect() emits ERR_VPPNET_UNAVAILABLE with the reason on next tick", async () => {
  const s = vppnet.connect({ mode: 'vpp', appSocket: MISSING, port: 9, host: '127.0.0.1' });
  expect(s.transport).toBe('vpp');
  let sync = true;
  const got = new Promise<NodeJS.ErrnoException & { reason?: string }>((r) => s.once('error', (e) => { expect(sync).toBe(false); r(e); }));
  sync = false;
  const err = await got;
  expect(err.code).toBe('ERR_VPPNET_UNAVAILABLE');
  expect(err.reason).toBe(`no VPP app socket at ${MISSING}`);
  expect(err.message).toContain(MISSING);
  if (!s.closed) await once(s, 'close');
  expect(s.destroyed).toBe(true);
});

test("mode 'vpp' without VPP: new Socket() then connect() fails the same way, and calls no connect listener", async () => {
  const s = new vppnet.Socket({ mode: 'vpp', appSocket: MISSING });
  const cb = jest.fn();
  s.connect(9, '127.0.0.1', cb);
  const [err] = await once(s, 'error').catch((e) => [e]);
  expect(err.code).toBe('ERR_VPPNET_UNAVAILABLE');
  expect(cb).not.toHaveBeenCalled();
});

test("mode 'vpp' without VPP: server.listen() emits ERR_VPPNET_UNAVAILABLE on the server", async () => {
  const srv = vppnet.createServer({ mode: 'vpp', appSocket: MISSING });
  expect(srv.transport).toBeUndefined();   // bound at listen(), as node binds its address
  const listening = jest.fn();
  srv.listen(0, '127.0.0.1', listening);
  const [err] = await once(srv, 'error').catch((e) => [e]);
  expect(srv.transport).toBe('vpp');   // what was asked for
  expect(err.code).toBe('ERR_VPPNET_UNAVAILABLE');
  expect(err.reason).toContain(MISSING);
  expect(srv.listening).toBe(false);
  expect(listening).not.toHaveBeenCalled();
});

test("mode 'vpp' with a path that is not a socket names that reason", async () => {
  const file = path.join(dir, 'plain-file');
  writeFileSync(file, '');
  const s = vppnet.connect({ mode: 'vpp', appSocket: file, port: 9, host: '127.0.0.1' });
  const [err] = await once(s, 'error').catch((e) => [e]);
  expect(err.reason).toBe(`${file} is not a socket`);
});

test('mode auto without VPP falls back to the kernel and keeps the reason', async () => {
  const srv = vppnet.createServer({ mode: 'auto', appSocket: MISSING });
  expect(srv).toBeInstanceOf(net.Server);
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  expect(srv.transport).toBe('kernel');
  expect(srv.transportReason).toBe(`no VPP app socket at ${MISSING}`);
  const c = vppnet.connect({ mode: 'auto', appSocket: MISSING, port: (srv.address() as net.AddressInfo).port, host: '127.0.0.1' });
  expect(c.transport).toBe('kernel');
  await once(c, 'connect');
  c.destroy();
  await new Promise((r) => srv.close(r));
});

test('kernel objects ARE node:net objects; vppnet.Socket/Server work with and without new, and with instanceof', () => {
  const a = new vppnet.Socket({ mode: 'kernel' });
  const b = vppnet.Socket({ mode: 'kernel' });
  for (const s of [a, b]) {
    expect(s).toBeInstanceOf(net.Socket);
    expect(s).toBeInstanceOf(vppnet.Socket);
    expect(s.transport).toBeUndefined();   // not bound before connect()
    expect(s instanceof vppnet.Server).toBe(false);
  }
  expect(new net.Socket()).toBeInstanceOf(vppnet.Socket);
  const srv = new vppnet.Server({ mode: 'kernel' });
  expect(srv).toBeInstanceOf(net.Server);
  expect(srv).toBeInstanceOf(vppnet.Server);
  expect(vppnet.Server(() => {})).toBeInstanceOf(vppnet.Server);
  expect(srv instanceof vppnet.Socket).toBe(false);
  expect(vppnet.Stream).toBe(vppnet.Socket);
  expect(vppnet.isIP('::1')).toBe(6);
  expect(vppnet.default.createServer).toBe(vppnet.createServer);
  expect(vppnet.createConnection).toBe(vppnet.connect);
});

test("IPC paths use the kernel even in mode 'vpp'", async () => {
  const sock = path.join(dir, 'ipc.sock');
  const srv = net.createServer((s) => s.end('over ipc'));
  srv.listen(sock);
  await once(srv, 'listening');
  try {
    const c = vppnet.connect({ mode: 'vpp', appSocket: MISSING, path: sock });
    expect(c.transport).toBe('kernel');
    const c2 = vppnet.connect(sock);
    let text = '';
    c.setEncoding('utf8').on('data', (d) => { text += d; });
    c2.resume();
    await Promise.all([once(c, 'end'), once(c2, 'end')]);
    expect(text).toBe('over ipc');
  } finally {
    await new Promise((r) => srv.close(r));
  }
});

test("connect() overloads: (port, host, cb), (options, cb), ('port', host, cb) are normalized like node", async () => {
  const srv = net.createServer((s) => s.end());
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as net.AddressInfo).port;
  vppnet.configure({ mode: 'kernel' });
  try {
    const hits: string[] = [];
    const a = vppnet.connect(port, '127.0.0.1', () => hits.push('a'));
    const b = vppnet.connect({ port, host: '127.0.0.1' }, () => hits.push('b'));
    const c = vppnet.connect(String(port) as unknown as number, '127.0.0.1', () => hits.push('c'));
    for (const s of [a, b, c]) s.resume();
    await Promise.all([a, b, c].map((s) => once(s, 'close')));
    expect(hits.sort()).toEqual(['a', 'b', 'c']);
  } finally {
    vppnet.configure({ mode: undefined });
    await new Promise((r) => srv.close(r));
  }
});

test('NODE_DEBUG=vppnet logs each transport decision and why', () => {
  const r = spawnSync(process.execPath, ['-r', path.join(__dirname, '../conformance/ts-register.js'), '-e',
    `const v = require(${JSON.stringify(path.join(__dirname, '../../glue/index.ts'))});
     v.createServer({ appSocket: ${JSON.stringify(MISSING)} }).listen(0, '127.0.0.1', function () { this.close(); });
     v.createServer({ mode: 'kernel' }).listen(0, '127.0.0.1', function () { this.close(); });`],
  { env: { ...process.env, NODE_DEBUG: 'vppnet' }, encoding: 'utf8', timeout: 20000 });
  expect(r.status).toBe(0);
  expect(r.stderr).toMatch(new RegExp(`VPPNET \\d+: listen: mode=auto -> kernel \\(no VPP app socket at ${MISSING}\\)`));
  expect(r.stderr).toMatch(/VPPNET \d+: listen: mode=kernel -> kernel \(mode is 'kernel'\)/);
});
