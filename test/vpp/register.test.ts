/**
 * Zero-change mode on a real VPP: `node --require vppnet/register` puts
 * unmodified programs (node:http + global fetch, node:https with a private CA;
 * express, fastify, ws, undici) on VPP — VPP's CLI lists its sessions — and the same program without a VPP
 * runs on the kernel. Then the whole conformance suite once more through
 * plain node:net with register mode on.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { describeVpp, type VppInstance } from './harness';
import { conformanceSuite } from '../conformance/suite';

const ROOT = path.join(__dirname, '..', '..');
const REGISTER = path.join(ROOT, 'dist', 'cjs', 'register.js');
const APP = path.join(__dirname, 'fixtures', 'unmodified-app.js');
const FRAMEWORKS = path.join(__dirname, 'fixtures', 'unmodified-frameworks.js');
const HOST = '127.0.0.2';

let certs: string;
beforeAll(() => {
  // a private CA and a server certificate it signed, for localhost and HOST
  certs = mkdtempSync(path.join(tmpdir(), 'vppnet-ca-'));
  const ssl = (...a: string[]) => execFileSync('openssl', a, { cwd: certs, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=vppnet test CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=localhost');
  writeFileSync(path.join(certs, 'ext'), `subjectAltName=DNS:localhost,IP:${HOST}\n`);
  ssl('x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.pem', '-days', '2', '-extfile', 'ext');
});
afterAll(() => rmSync(certs, { recursive: true, force: true }));

/** Start the app under register mode; resolves with its first line and a function that finishes it. */
function runApp(env: NodeJS.ProcessEnv, args = [APP, certs, HOST]): Promise<{ up: Record<string, unknown>; finish(): Promise<Record<string, unknown>> }> {
  const child: ChildProcess = spawn(process.execPath, ['--require', REGISTER, ...args],
    { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await Promise.race([lines.next(), new Promise<never>((_, j) => setTimeout(() => j(new Error('the app said nothing for 15 s')), 15000))]);
    if (r.done) throw new Error('the app exited');
    const o = JSON.parse(r.value);
    if (o.error) throw new Error(o.error);
    return o;
  };
  return next().then((up) => ({
    up,
    async finish() {
      child.stdin!.end('done\n');
      const out = await next();
      await new Promise((r) => child.once('exit', r));
      return out;
    },
  }), (e) => { child.kill(); throw e; });
}

describeVpp('register mode', (vpp) => {
  test('an unmodified http + fetch + https program runs on VPP; VPP lists its sessions', async () => {
    const app = await runApp({ VPPNET_MODE: 'vpp', VPPNET_APP_SOCKET: vpp().appSocket, VPPNET_ENGINE: 'wasm' });
    expect(app.up.server).toEqual(['vpp', 'vpp']);
    const { httpPort, httpsPort } = app.up as { httpPort: number; httpsPort: number };
    // the kept-alive fetch and https connections are VPP sessions (cut-through: one namespace)
    const sessions = (await vpp().sessions()).filter((s) => s.state !== 'LISTEN');
    for (const port of [httpPort, httpsPort]) {
      expect(sessions.filter((s) => s.cutThrough && (s.local?.port === port || s.remote?.port === port)).length).toBeGreaterThanOrEqual(2);
    }
    const out = await app.finish();
    expect(out).toEqual({
      fetched: 'plain ok', fetchedAgain: 'plain ok', https: { body: 'secure ok', transport: 'vpp' },
      seen: ['http:vpp', 'https:vpp', 'http:vpp'],
    });
  }, 30000);

  test('unmodified express, fastify and ws servers with undici and ws clients run on VPP; VPP lists their sessions', async () => {
    const app = await runApp({ VPPNET_MODE: 'vpp', VPPNET_APP_SOCKET: vpp().appSocket, VPPNET_ENGINE: 'native' }, [FRAMEWORKS, HOST]);
    expect(app.up.servers).toEqual(['vpp', 'vpp', 'vpp']);
    const ports = app.up.ports as Record<string, number>;
    const sessions = (await vpp().sessions()).filter((s) => s.state !== 'LISTEN');
    // undici's pool and the websocket keep their connections open
    for (const port of [ports.express, ports.ws]) {
      expect(sessions.filter((s) => s.cutThrough && (s.local?.port === port || s.remote?.port === port)).length).toBeGreaterThanOrEqual(2);
    }
    const out = await app.finish();
    expect(out).toEqual({
      expressBody: 'express ok', fastifyBody: { fastify: 'ok' }, echo: 'echo hi', wsTransport: 'vpp',
      seen: ['express:vpp', 'fastify:vpp', 'ws:vpp'],
    });
  }, 30000);

  test('the same program without a VPP (auto) runs on the kernel', async () => {
    const app = await runApp({ VPPNET_MODE: 'auto', VPPNET_APP_SOCKET: path.join(certs, 'no-vpp.sock') });
    expect(app.up.server).toEqual(['kernel', 'kernel']);
    const out = await app.finish();
    expect(out.seen).toEqual(['http:kernel', 'https:kernel', 'http:kernel']);
  }, 30000);

  describe('node:net through register mode', () => {
    const saved: Record<string, string | undefined> = {};
    let unregister: () => void;
    beforeAll(() => {
      for (const k of ['VPPNET_MODE', 'VPPNET_APP_SOCKET']) saved[k] = process.env[k];
      process.env.VPPNET_MODE = 'vpp';
      process.env.VPPNET_APP_SOCKET = vpp().appSocket;
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const reg = require('../../glue/register') as typeof import('../../glue/register');
      reg.register();
      unregister = reg.unregister;
    });
    afterAll(() => {
      unregister?.();   // node:net is shared with the other test files of this worker
      for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
    });
    conformanceSuite({
      name: 'register mode: node:net on VPP cut-through',
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      net: require('node:net'),
      module: path.join(__dirname, '..', 'conformance', 'register-net.ts'),
      host: HOST,
      options: {},
      expectTransport: 'vpp',
      noLocalPort: "VPP's cut-through sessions have no TCP ports: a connect's local port is not used",
      proveTransport: async (port) => {
        const inst: VppInstance = vpp();
        const live = (await inst.sessions()).filter((s) => s.state !== 'LISTEN' && (s.local?.port === port || s.remote?.port === port));
        expect(live.length).toBeGreaterThanOrEqual(2);
        for (const s of live) expect(s.cutThrough).toBe(true);
      },
    });
  });
});
