/**
 * vppnet/tls over a real VPP: node's TLS on vppnet's TCP, cut-through and
 * through VPP's TCP (the client in namespace 'peer'), both engines, with a
 * private CA: verification, SNI, ALPN, wrong names and untrusted
 * certificates refused with node's errors. VPP's CLI shows the sessions.
 */
import { execFileSync } from 'child_process';
import { once } from 'events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import type * as nodeTls from 'tls';
import * as vtls from '../../glue/tls';
import { describeVpp } from './harness';

type Engine = 'wasm' | 'native';

describeVpp('vppnet/tls over VPP', (vpp) => {
  let dir: string;
  let ca: Buffer, key: Buffer, cert: Buffer;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vppnet-tls-'));
    const ssl = (...a: string[]) => execFileSync('openssl', a, { cwd: dir, stdio: 'pipe' });
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=vppnet tls test CA');
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=vpp.test');
    writeFileSync(path.join(dir, 'ext'), `subjectAltName=DNS:vpp.test,IP:${vpp().testAddr}\n`);
    ssl('x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.pem', '-days', '2', '-extfile', 'ext');
    [ca, key, cert] = ['ca.pem', 'srv.key', 'srv.pem'].map((f) => readFileSync(path.join(dir, f)));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const serverOn = async (engine: Engine) => {
    const srv = vtls.createServer({ key, cert, ALPNProtocols: ['vpp/1', 'http/1.1'], mode: 'vpp', engine, appSocket: vpp().appSocket },
      (s) => { s.on('data', (d: Buffer) => s.write(Buffer.concat([Buffer.from(`${s.alpnProtocol}:${(s as nodeTls.TLSSocket & { servername?: string }).servername}:`), d]))); s.on('error', () => {}); });
    srv.on('tlsClientError', () => {});
    await new Promise<void>((r) => srv.listen(0, vpp().testAddr, () => r()));
    expect(srv.transport).toBe('vpp');
    return { srv, port: (srv.address() as { port: number }).port };
  };
  const client = (engine: Engine, ns: 'default' | 'peer') => ({
    mode: 'vpp' as const, engine, appSocket: ns === 'default' ? vpp().appSocket : vpp().peerAppSocket, ...(ns === 'peer' ? { scope: 'global' as const } : {}),
  });

  describe.each(['wasm', 'native'] as Engine[])('engine %s', (engine) => {
    for (const ns of ['default', 'peer'] as const) {
      test(`a verified TLS session with SNI and ALPN, ${ns === 'default' ? 'cut-through' : "through VPP's TCP"}`, async () => {
        const { srv, port } = await serverOn(engine);
        try {
          const c = vtls.connect({ ...client(engine, ns), host: vpp().testAddr, port, ca, servername: 'vpp.test', ALPNProtocols: ['vpp/1'] });
          await once(c, 'secureConnect');
          expect(c.authorized).toBe(true);
          expect(c.getPeerCertificate().subject.CN).toBe('vpp.test');
          expect(c.alpnProtocol).toBe('vpp/1');
          expect(c.getProtocol()).toMatch(/^TLSv1\.[23]$/);
          expect(c.transport).toBe('vpp');
          const live = (await vpp().sessions()).filter((s) => s.state !== 'LISTEN' && (s.local?.port === port || s.remote?.port === port));
          expect(live.length).toBeGreaterThanOrEqual(ns === 'default' ? 2 : 1);
          for (const s of live) expect(s.cutThrough).toBe(ns === 'default');
          c.write('hello');
          const [d] = await once(c, 'data');
          expect(String(d)).toBe('vpp/1:vpp.test:hello');
          c.end();
          await once(c, 'close');
        } finally {
          await new Promise((r) => srv.close(r));
        }
      }, 20000);
    }

    test("a wrong name, and a certificate nobody vouches for, are refused with node's errors", async () => {
      const { srv, port } = await serverOn(engine);
      try {
        const wrong = vtls.connect({ ...client(engine, 'peer'), host: vpp().testAddr, port, ca, servername: 'other.test' });
        const [e1] = await once(wrong, 'error');
        expect(e1.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
        const untrusted = vtls.connect({ ...client(engine, 'peer'), host: vpp().testAddr, port, servername: 'vpp.test' });
        const [e2] = await once(untrusted, 'error');
        expect(e2.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      } finally {
        await new Promise((r) => srv.close(r));
      }
    }, 20000);
  });

  test("connect(port, host, options) as node's; a refused TCP connect is the TLS socket's error; an unknown tlsEngine is refused", async () => {
    const c = vtls.connect(1, vpp().testAddr, { ...client('wasm', 'default') });
    const [err] = await once(c, 'error');
    expect(err.code).toBe('ECONNREFUSED');
    expect(() => vtls.connect({ port: 1, tlsEngine: 'quic' as 'node' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });
});
