/**
 * vppnet/tls with tlsEngine 'vpp' over a real VPP: VPP's own TLS (its
 * tlsopenssl engine) does the handshake, checks the certificate against the
 * CA file VPP was started with and encrypts; vppnet's fifos carry plaintext.
 * Server in the default namespace, client in 'peer', both engines; VPP's CLI
 * shows the TLS sessions. Refusals: an untrusted certificate, a wrong name,
 * no common ALPN. HTTP over it, both ends.
 */
import { execFileSync } from 'child_process';
import { once } from 'events';
import * as http from 'http';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import type * as net from 'net';
import * as vtls from '../../glue/tls';
import { describeVpp, noteSkipped, vppHasPlugin, vppSkipReason } from './harness';

type Engine = 'wasm' | 'native';

// the CA must exist when VPP starts (tls { ca-cert-path }): made before the suite
const dir = mkdtempSync(path.join(tmpdir(), 'vppnet-vpptls-'));
const pki = (() => {
  if (vppSkipReason()) return { ca: '', key: Buffer.alloc(0), cert: Buffer.alloc(0), otherKey: Buffer.alloc(0), otherCert: Buffer.alloc(0) };
  const ssl = (...a: string[]) => execFileSync('openssl', a, { cwd: dir, stdio: 'pipe' });
  const issue = (name: string, ca: string) => {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=vpp.test');
    writeFileSync(path.join(dir, `${name}.ext`), 'subjectAltName=DNS:vpp.test\n');
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  };
  for (const ca of ['ca', 'rogue']) ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=vppnet ${ca} CA`);
  issue('srv', 'ca');
  issue('other', 'rogue');
  const read = (f: string) => readFileSync(path.join(dir, f));
  return { ca: path.join(dir, 'ca.pem'), key: read('srv.key'), cert: read('srv.pem'), otherKey: read('other.key'), otherCert: read('other.pem') };
})();

describeVpp("vppnet/tls, tlsEngine 'vpp' (VPP's TLS)", (vpp) => {
  const serverOn = async (engine: Engine, o: { cert?: Buffer; key?: Buffer; ALPNProtocols?: string[] } = {}) => {
    const srv = vtls.createServer({ key: o.key ?? pki.key, cert: o.cert ?? pki.cert, ALPNProtocols: o.ALPNProtocols,
      tlsEngine: 'vpp', mode: 'vpp', engine, appSocket: vpp().appSocket });
    srv.on('secureConnection', (s: net.Socket) => { s.on('error', () => {}); s.pipe(s); });
    await new Promise<void>((r) => srv.listen(0, vpp().testAddr, () => r()));
    expect(srv.transport).toBe('vpp');
    return { srv, port: (srv.address() as net.AddressInfo).port };
  };
  const dialed: net.Socket[] = [];
  afterEach(() => { for (const c of dialed.splice(0)) c.destroy(); });
  const dial = (engine: Engine, port: number, o: Partial<vtls.ConnectionOptions> = {}) => track(
    vtls.connect({ tlsEngine: 'vpp', mode: 'vpp', engine, appSocket: vpp().peerAppSocket, host: vpp().testAddr, port, servername: 'vpp.test', ...o }));
  const track = <S extends object>(c: S) => { dialed.push(c as unknown as net.Socket); return c; };
  const closeServer = (srv: net.Server) => { for (const c of dialed.splice(0)) c.destroy(); return new Promise((r) => srv.close(r)); };

  describe.each(['wasm', 'native'] as Engine[])('engine %s', (engine) => {
    test('a verified session: secureConnect, 1 MiB echoed byte-exact, the sessions are VPP TLS sessions', async () => {
      const { srv, port } = await serverOn(engine);
      try {
        const c = dial(engine, port);
        await once(c, 'secureConnect');
        expect(c.authorized).toBe(true);
        expect(c.encrypted).toBe(true);
        expect(c.transport).toBe('vpp');
        // VPP's TLS sessions of both ends (their lines name no ports), and VPP's TCP under them
        const sessions = await vpp().sessions();
        expect(sessions.filter((s) => s.transport === 'TLS' && s.state !== 'LISTEN').length).toBeGreaterThanOrEqual(2);
        expect(sessions.filter((s) => s.transport === 'T' && s.state === 'ESTABLISHED' && (s.local?.port === port || s.remote?.port === port)).length).toBe(2);
        expect(sessions.some((s) => s.cutThrough && (s.local?.port === port || s.remote?.port === port))).toBe(false);
        const sent = Buffer.alloc(1 << 20);
        for (let i = 0; i < sent.length; i++) sent[i] = (i * 7 + (i >> 12)) & 0xff;
        const got: Buffer[] = [];
        let n = 0;
        const all = new Promise<void>((r) => c.on('data', (d: Buffer) => { got.push(d); n += d.length; if (n >= sent.length) r(); }));
        c.write(sent);
        await all;
        expect(Buffer.concat(got).equals(sent)).toBe(true);
        c.destroy();
        await once(c, 'close');
      } finally {
        await closeServer(srv);
      }
    }, 30000);

    test('refused: a certificate VPP\'s CA file does not vouch for', async () => {
      const rogue = await serverOn(engine, { cert: pki.otherCert, key: pki.otherKey });
      try {
        const untrusted = dial(engine, rogue.port);
        const [e1] = await once(untrusted, 'error');
        expect(e1.code).toBe('ERR_VPPNET_TLS_HANDSHAKE');
        expect(e1.message).toMatch(/not trusted by VPP's CA file/);
        // (a wrong name is not here: VPP 26.10 answers such a connect with nothing at all; see the issue note)
        // without verification the untrusted one connects, and says it is not authorized
        const lax = dial(engine, rogue.port, { rejectUnauthorized: false });
        await once(lax, 'secureConnect');
        expect(lax.authorized).toBe(false);
        expect(lax.authorizationError).toMatch(/NOT_VERIFIED/);
        lax.destroy();
      } finally {
        await closeServer(rogue.srv);
      }
    }, 30000);
  });

  test("ALPN: the server's choice, on both ends; none in common fails the handshake", async () => {
    const { srv, port } = await serverOn('wasm', { ALPNProtocols: ['h2', 'http/1.1'] });
    try {
      const serverSide = new Promise<string | false | undefined>((r) => srv.once('secureConnection', (s: net.Socket & { alpnProtocol?: string | false }) => r(s.alpnProtocol)));
      const ok = dial('wasm', port, { ALPNProtocols: ['imap', 'http/1.1'] });
      await once(ok, 'secureConnect');
      expect(ok.alpnProtocol).toBe('http/1.1');
      expect(await serverSide).toBe('http/1.1');
      ok.destroy();
      const none = dial('wasm', port, { ALPNProtocols: ['imap'] });
      const [e] = await once(none, 'error');
      expect(e.code).toBe('ERR_VPPNET_TLS_HANDSHAKE');
    } finally {
      await closeServer(srv);
    }
  }, 30000);

  test("HTTP over VPP's TLS: node's http server on the TLS server's sockets, an http client on a TLS socket", async () => {
    const { srv, port } = await serverOn('native');
    srv.removeAllListeners('secureConnection');
    const web = http.createServer((req, res) => res.end(`over ${req.socket.constructor.name}: ${req.url}`));
    srv.on('secureConnection', (s: net.Socket) => web.emit('connection', s));
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = http.get({ path: '/hello', createConnection: () => dial('native', port) as unknown as net.Socket }, (res) => {
          let b = '';
          res.setEncoding('utf8').on('data', (d) => { b += d; }).on('end', () => resolve(b));
        });
        req.on('error', reject);
      });
      expect(body).toBe('over Socket: /hello');
    } finally {
      web.close();
      await closeServer(srv);
    }
  }, 30000);

  // VPP's own TLS test apps are in its hs_apps plugin
  const peersTest = vppHasPlugin('hs_apps') ? test : test.skip;
  if (!vppHasPlugin('hs_apps') && !vppSkipReason()) noteSkipped(1, "VPP has no hs_apps plugin (VPP's own TLS test server and client)", 'VPP-app');
  peersTest("VPP's own TLS peer: VPP's test TLS server accepts vppnet's handshake", async () => {
    // VPP's built-in server (its built-in test certificate: not in VPP's CA file, so no check)
    const port = 20000 + (process.pid % 20000);
    await vpp().cli(`test tls server uri tls://${vpp().testAddr}/${port}`);
    const c = dial('native', port, { rejectUnauthorized: false });
    await once(c, 'secureConnect');
    let shown = '';
    for (let i = 0; i < 50 && !/accepted connections 1\b/.test(shown); i++) {
      shown = await vpp().cli('show test tls server');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(shown).toMatch(/accepted connections 1\b/);
    c.destroy();
  }, 30000);
}, { tlsCaFile: pki.ca || undefined });
