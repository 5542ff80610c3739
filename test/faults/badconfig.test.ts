/**
 * Issue 6, item 7: bad configuration. For each way of pointing vppnet at
 * something that is not a usable VPP — no socket at the path, a socket that is
 * not VPP's (a stream socket; a seqpacket server that never answers),
 * permission denied, a deleted app namespace — three views must agree on the
 * cause: `mode: 'vpp'` fails with ERR_VPPNET_UNAVAILABLE and a `reason`
 * naming it, `mode: 'auto'` uses the kernel with that reason in
 * `transportReason`, and `vppnet doctor` prints it in plain words.
 *
 * A VPP that refuses the attach itself could not be provoked through the
 * public API: the socket API does not check namespace secrets, each attach
 * has a fresh name (pid + sequence) so APP_ATTACHED cannot happen, and VPP
 * accepted every segment/fifo size we tried (0, 4 KiB, 4000 MiB segments;
 * fifos larger than the segment). Deleting the app namespace
 * (`app ns del id peer`) leaves its socket file refusing connections: tested
 * below as ECONNREFUSED.
 */
import * as net from 'net';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { once } from 'events';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as vppnet from '../../glue/index';
import { ENGINES, describeOwnVpp, listen, closeServer, type Engine } from './helpers';

const ROOT = path.join(__dirname, '..', '..');
const REGISTER = path.join(ROOT, 'test', 'conformance', 'ts-register.js');
const ATTACH_TIMEOUT_MS = 2000;
const NOBODY = 65534;

/** `vppnet doctor` as a child process (optionally as another user): its stdout. */
function doctor(appSocket: string, engine: Engine, mode: 'auto' | 'vpp' = 'auto', uid?: number): string {
  const r = spawnSync(process.execPath, ['-r', REGISTER, path.join(ROOT, 'glue', 'cli.ts'), 'doctor', '--app-socket', appSocket, '--engine', engine, '--mode', mode],
    { cwd: ROOT, encoding: 'utf8', timeout: 20000, env: { ...process.env, NODE_DEBUG: '' }, ...(uid !== undefined ? { uid, gid: uid } : {}) });
  if (r.error) throw r.error;
  return r.stdout + r.stderr;
}

/** What `vpp` and `auto` give in a child process running as `uid` (JSON). */
function modesAs(uid: number, appSocket: string, engine: Engine): { vpp: { code: string; reason: string }; auto: { transport: string; reason: string } } {
  const script = `
    const v = require(${JSON.stringify(path.join(ROOT, 'glue', 'index.ts'))});
    const o = { appSocket: ${JSON.stringify(appSocket)}, engine: ${JSON.stringify(engine)}, port: 9, host: '127.0.0.1' };
    const s = v.connect({ ...o, mode: 'vpp' });
    s.on('error', (e) => {
      const a = v.connect({ ...o, mode: 'auto' });
      a.on('error', () => {});
      process.stdout.write(JSON.stringify({ vpp: { code: e.code, reason: e.reason }, auto: { transport: a.transport, reason: a.transportReason } }));
      a.destroy();
    });`;
  const r = spawnSync(process.execPath, ['-r', REGISTER, '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 20000, uid, gid: uid });
  if (r.status !== 0) throw new Error(`child as uid ${uid} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/**
 * The three views of one bad configuration, in this process: vpp mode's
 * error, auto's kernel fallback (which must also work), and the doctor.
 */
async function views(appSocket: string, engine: Engine) {
  const t0 = Date.now();
  const v = vppnet.connect({ mode: 'vpp', appSocket, engine, port: 9, host: '127.0.0.1' });
  const [err] = (await once(v, 'error')) as [NodeJS.ErrnoException & { reason?: string }];
  const vppMs = Date.now() - t0;
  const kernel = net.createServer((s) => s.end('kernel'));
  const kport = await listen(kernel, '127.0.0.1');
  const a = vppnet.connect({ mode: 'auto', appSocket, engine, port: kport, host: '127.0.0.1' });
  const got: Buffer[] = [];
  a.on('data', (d: Buffer) => got.push(d));
  await once(a, 'close');
  await closeServer(kernel);
  return { err, vppMs, auto: { transport: a.transport, reason: a.transportReason, echoed: Buffer.concat(got).toString() } };
}

function expectSameCause(r: Awaited<ReturnType<typeof views>>, doctorOut: string, cause: RegExp) {
  expect(r.err.code).toBe('ERR_VPPNET_UNAVAILABLE');
  expect(r.err.reason).toMatch(cause);
  expect(r.err.message).toContain(r.err.reason!);
  expect(r.auto.transport).toBe('kernel');
  expect(r.auto.reason).toBe(r.err.reason);
  expect(r.auto.echoed).toBe('kernel');
  expect(doctorOut).toMatch(/=> auto would use: kernel \(/);
  expect(doctorOut).toContain(r.err.reason!);
}

describe.each(ENGINES)('engine %s', (engine) => {
  describe(`bad configuration without VPP (${engine})`, () => {
    let dir: string;
    beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vppnet-badcfg-')); });
    afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

    test('wrong app socket path: the reason names the path and that nothing is there', async () => {
      const p = path.join(dir, 'no-such-socket');
      const r = await views(p, engine);
      const out = doctor(p, engine);
      process.stdout.write(`[faults/${engine}] badconfig ENOENT: "${r.err.reason}" (${r.vppMs} ms)\n`);
      expectSameCause(r, out, new RegExp(`(no VPP app socket at|ENOENT).*${p}`));
      expect(out).toMatch(/\[!!\]\s*app socket exists/);
    });

    test('a stream socket that is not VPP\'s: EPROTOTYPE naming the path, at once', async () => {
      const p = path.join(dir, 'stream.sock');
      const foreign = net.createServer((s) => s.destroy());
      await new Promise<void>((r) => foreign.listen(p, r));
      try {
        const r = await views(p, engine);
        const out = doctor(p, engine);
        process.stdout.write(`[faults/${engine}] badconfig stream socket: "${r.err.reason}" (${r.vppMs} ms)\n`);
        expectSameCause(r, out, new RegExp(`EPROTOTYPE.*${p}`));
        expect(r.vppMs).toBeLessThan(500);
      } finally { await closeServer(foreign); }
    });

    describe('a seqpacket server that accepts and never answers', () => {
      let py: ChildProcess;
      let p: string;
      beforeAll(async () => {
        p = path.join(dir, 'silent.sock');
        py = spawn('python3', ['-c', [
          'import socket, sys',
          's = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)',
          's.bind(sys.argv[1]); s.listen(64)',
          'print("ready", flush=True)',
          'held = []',
          'while True:',
          '    c, _ = s.accept(); held.append(c)',
        ].join('\n'), p], { stdio: ['ignore', 'pipe', 'inherit'] });
        await once(py.stdout!, 'data');
      });
      afterAll(async () => { py.kill('SIGKILL'); await once(py, 'exit').catch(() => {}); });

      test('a timeout within the attach timeout; auto and doctor say the same', async () => {
        const r = await views(p, engine);
        const out = doctor(p, engine);
        process.stdout.write(`[faults/${engine}] badconfig silent seqpacket: "${r.err.reason}" after ${r.vppMs} ms\n`);
        expectSameCause(r, out, /ETIMEDOUT/);
        expect(r.vppMs).toBeGreaterThanOrEqual(ATTACH_TIMEOUT_MS - 50);
        expect(r.vppMs).toBeLessThan(ATTACH_TIMEOUT_MS + 1000);
      }, 20000);

      // Fails today: the reason is only "recvmsg ETIMEDOUT" (glue/vpp/stack.ts attach() lets the host's
      // sapiRecv error through without saying which socket did not answer).
      test('the timeout reason names the app socket path', async () => {
        const r = await views(p, engine);
        expect(r.err.reason).toContain(p);
      }, 20000);
    });
  });

  describeOwnVpp(`bad configuration with a VPP (${engine})`, ({ vpp }) => {
    test('permission denied (a child running as nobody): directory not searchable, then socket not writable', async () => {
      const inst = vpp();
      const sockDir = path.dirname(inst.appSocket);
      const probe = spawnSync('id', ['-u'], { uid: NOBODY, gid: NOBODY, encoding: 'utf8' });
      if (probe.error || probe.stdout.trim() !== String(NOBODY)) {
        process.stderr.write(`\n*** SKIPPED permission check (${engine}): cannot run a child as uid ${NOBODY}: ${probe.error?.message ?? probe.stderr} ***\n\n`);
        return;
      }
      const modes = { run: fs.statSync(inst.runDir).mode & 0o777, dir: fs.statSync(sockDir).mode & 0o777, sock: fs.statSync(inst.appSocket).mode & 0o777 };
      try {
        // 1. as VPP made it: the run dir (mkdtemp, 0700) is not searchable by nobody
        fs.chmodSync(inst.runDir, 0o700);
        const m1 = modesAs(NOBODY, inst.appSocket, engine);
        const d1 = doctor(inst.appSocket, engine, 'auto', NOBODY);
        // 2. the dirs open, the socket file not writable by others: connect() needs write permission
        fs.chmodSync(inst.runDir, 0o755);
        fs.chmodSync(sockDir, 0o755);
        fs.chmodSync(inst.appSocket, 0o600);
        const m2 = modesAs(NOBODY, inst.appSocket, engine);
        const d2 = doctor(inst.appSocket, engine, 'auto', NOBODY);
        process.stdout.write(`[faults/${engine}] badconfig permission (modes run ${modes.run.toString(8)}, dir ${modes.dir.toString(8)}, socket ${modes.sock.toString(8)}):\n` +
          `  dir 0700:    "${m1.vpp.reason}"\n  socket 0600: "${m2.vpp.reason}"\n`);
        for (const [m, d] of [[m1, d1], [m2, d2]] as const) {
          expect(m.vpp.code).toBe('ERR_VPPNET_UNAVAILABLE');
          expect(m.vpp.reason).toMatch(/EACCES/);
          expect(m.vpp.reason).toContain(inst.appSocket);
          expect(m.auto).toEqual({ transport: 'kernel', reason: m.vpp.reason });
          expect(d).toContain(m.vpp.reason);
        }
        expect(m2.vpp.reason).toMatch(/permission/);
        expect(d2).toMatch(/\[!!\]\s*we may connect \(write permission\)/);
        // root itself still attaches: the socket is fine, only the permission is missing
        expect(vppnet.status({ mode: 'vpp', appSocket: inst.appSocket, engine }).vpp.reachable).toBe(true);
      } finally {
        fs.chmodSync(inst.runDir, modes.run);
        fs.chmodSync(sockDir, modes.dir);
        fs.chmodSync(inst.appSocket, modes.sock);
      }
    }, 60000);

    test('a deleted app namespace: its socket file stays and refuses (ECONNREFUSED naming the path)', async () => {
      const inst = vpp();
      const p = inst.peerAppSocket;
      await inst.configure('app ns del id peer');
      expect(fs.existsSync(p)).toBe(true);
      const r = await views(p, engine);
      const out = doctor(p, engine);
      process.stdout.write(`[faults/${engine}] badconfig deleted namespace: "${r.err.reason}" (${r.vppMs} ms)\n`);
      expectSameCause(r, out, new RegExp(`ECONNREFUSED.*${p}`));
      // the other namespace is unaffected
      const st = vppnet.status({ mode: 'vpp', appSocket: inst.appSocket, engine });
      expect(st.vpp.reachable).toBe(true);
    }, 30000);
  });
});
