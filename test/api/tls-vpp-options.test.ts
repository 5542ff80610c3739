/**
 * vppnet/tls with tlsEngine 'vpp', without a VPP: what VPP's TLS cannot do is
 * refused by name before anything reaches VPP; the cert and key are checked by
 * node's crypto first; there is no kernel fallback.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vtls from '../../glue/tls';

const dir = mkdtempSync(path.join(tmpdir(), 'vppnet-tlsopt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pair = (name: string) => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`,
    '-days', '1', '-subj', `/CN=${name}`], { cwd: dir, stdio: 'pipe' });
  return { key: readFileSync(path.join(dir, `${name}.key`)), cert: readFileSync(path.join(dir, `${name}.pem`)) };
};
const a = pair('a'), b = pair('b');
const NO_VPP = { tlsEngine: 'vpp' as const, mode: 'vpp' as const, appSocket: path.join(dir, 'no-vpp.sock') };
const code = (c: string, msg?: RegExp) => expect.objectContaining({ code: c, ...(msg ? { message: expect.stringMatching(msg) } : {}) });

test('connect: node:tls options VPP cannot take are refused by name', () => {
  expect(() => vtls.connect({ ...NO_VPP, port: 1, ca: 'x' })).toThrow(code('ERR_VPPNET_TLS_UNSUPPORTED', /options\.ca.*ca-cert-path/));
  expect(() => vtls.connect({ ...NO_VPP, port: 1, cert: a.cert, key: a.key })).toThrow(code('ERR_VPPNET_TLS_UNSUPPORTED', /options\.cert/));
  expect(() => vtls.connect({ ...NO_VPP, port: 1, minVersion: 'TLSv1.3' })).toThrow(code('ERR_VPPNET_TLS_UNSUPPORTED', /minVersion/));
  expect(() => vtls.connect({ ...NO_VPP, port: 1, ALPNProtocols: ['vpp/1'] })).toThrow(code('ERR_INVALID_ARG_VALUE', /"vpp\/1"/));
  expect(() => vtls.connect({ ...NO_VPP, port: 1, ALPNProtocols: ['h2', 'h3', 'imap', 'pop3', 'mqtt'] })).toThrow(code('ERR_OUT_OF_RANGE'));
  expect(() => vtls.connect({ ...NO_VPP, port: 1, servername: 'bad name' })).toThrow(code('ERR_INVALID_ARG_VALUE', /servername/));
  expect(() => vtls.connect({ ...NO_VPP, port: 1, mode: 'kernel' })).toThrow(code('ERR_INVALID_ARG_VALUE', /'kernel'/));
  expect(() => vtls.connect({ port: 1, tlsEngine: 'quic' as 'vpp' })).toThrow(code('ERR_INVALID_ARG_VALUE', /'node', 'vpp'/));
});

test('createServer: cert and key are required, checked, and must match; unsupported server options are refused', () => {
  expect(() => vtls.createServer({ ...NO_VPP })).toThrow(code('ERR_INVALID_ARG_VALUE', /options\.cert/));
  expect(() => vtls.createServer({ ...NO_VPP, key: a.key, cert: b.cert })).toThrow(code('ERR_VPPNET_TLS_CERT', /not the key/));
  expect(() => vtls.createServer({ ...NO_VPP, key: Buffer.from('junk'), cert: a.cert })).toThrow(/options\.cert or options\.key/);
  expect(() => vtls.createServer({ ...NO_VPP, key: [a.key, b.key], cert: [a.cert, b.cert] })).toThrow(code('ERR_VPPNET_TLS_UNSUPPORTED', /2 entries/));
  for (const o of [{ requestCert: true }, { SNICallback: () => undefined }, { pfx: Buffer.alloc(1) }]) {
    expect(() => vtls.createServer({ ...NO_VPP, ...a, ...o } as never)).toThrow(code('ERR_VPPNET_TLS_UNSUPPORTED'));
  }
  const srv = vtls.createServer({ ...NO_VPP, ...a });
  expect(() => (srv as unknown as { addContext(): void }).addContext()).toThrow(code('ERR_VPPNET_TLS_UNSUPPORTED'));
});

test("no VPP: 'auto' does not fall back to the kernel, a server and a socket both say ERR_VPPNET_UNAVAILABLE", async () => {
  const c = vtls.connect({ ...NO_VPP, mode: 'auto', port: 4433 });
  const [e] = await once(c, 'error');
  expect(e.code).toBe('ERR_VPPNET_UNAVAILABLE');
  expect(e.message).toMatch(/tlsEngine 'vpp'/);
  const srv = vtls.createServer({ ...NO_VPP, mode: 'auto', ...a });
  srv.listen(0);
  const [e2] = await once(srv, 'error');
  expect(e2.code).toBe('ERR_VPPNET_UNAVAILABLE');
});
