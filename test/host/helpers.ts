/**
 * Shared by the addon tests: loading the addon (skip with one printed line if
 * it is not built), a fake VPP app socket in Python, a tiny WASM module.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, type ChildProcess } from 'child_process';
import type { Host } from '../../glue/host';

export const ROOT = path.resolve(__dirname, '../..');
export const ADDON_PATH = path.join(ROOT, 'host/build/Release/vppnet_host.node');

/** The addon, or null with the reason printed once per file. */
export function hostOrSkip(file: string): Host | null {
  if (!fs.existsSync(ADDON_PATH)) {
    process.stderr.write(`[host tests] SKIPPED ${file}: ${path.relative(ROOT, ADDON_PATH)} not built (make addon)\n`);
    return null;
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require('../../glue/host').loadHost();
}

export function tmpSocketPath(tag: string): string {
  return path.join(os.tmpdir(), `vppnet-${tag}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.sock`);
}

/**
 * A stand-in for VPP's app socket listener (docs/protocol.md §3): SOCK_SEQPACKET,
 * answers ATTACH (type 1) with a 209-byte ATTACH_REPLY (type 2) carrying
 * [memfd segment (64 KiB, starts with "hello from vpp"), eventfd] as
 * SCM_RIGHTS, and echoes the request's name at reply offset 100 and its length
 * at offset 200 (u32). Other request types make it misbehave on purpose.
 */
const FAKE_VPP = String.raw`
import os, socket, struct, sys
path = sys.argv[1]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
srv.bind(path); srv.listen(1); srv.settimeout(20)
print("ready", flush=True)
conn, _ = srv.accept(); conn.settimeout(20)
def memfd(size, text):
    fd = os.memfd_create("vpp-test-seg"); os.ftruncate(fd, size); os.pwrite(fd, text, 0); return fd
def send(data, fds):
    socket.send_fds(conn, [bytes(data)], fds)
    for f in fds: os.close(f)
try:
    while True:
        msg = conn.recv(4096)
        if not msg: break
        cmd = msg[0]
        reply = bytearray(209)
        if cmd == 1:                                  # ATTACH -> ATTACH_REPLY + [memfd, eventfd]
            reply[0] = 2; reply[38] = 2; reply[39] = 0x6
            reply[100:164] = msg[1:65]; reply[200:204] = struct.pack('<I', len(msg))
            send(reply, [memfd(65536, b"hello from vpp"), os.eventfd(0)])
        elif cmd == 10: send(bytearray(300), [memfd(4096, b"x")])          # too long + an fd
        elif cmd == 11: send(reply, [os.eventfd(0) for _ in range(20)])    # more fds than allowed
        elif cmd == 12: send(reply, [os.eventfd(0) for _ in range(60)])    # control data truncated
        elif cmd == 13: send(bytearray(b"\x05" * 50), [])                  # short datagram, no fds
        elif cmd == 14: break                                              # VPP goes away
        elif cmd == 15: pass                                               # silence
finally:
    conn.close(); srv.close(); os.unlink(path)
`;

export class FakeVpp {
  readonly path = tmpSocketPath('fakevpp');
  private child?: ChildProcess;
  private stderr = '';

  async start(): Promise<void> {
    const child = spawn('python3', ['-c', FAKE_VPP, this.path], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr!.on('data', (d) => { this.stderr += d; });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fake VPP did not start: ${this.stderr}`)), 10_000);
      child.stdout!.once('data', () => { clearTimeout(timer); resolve(); });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`fake VPP exited ${code}: ${this.stderr}`)); });
    });
  }

  /** Wait for the fake to exit (it does once the connection closes); kill it after timeoutMs. */
  async stop(timeoutMs = 5000): Promise<{ code: number | null; stderr: string }> {
    const child = this.child;
    if (!child) return { code: null, stderr: '' };
    if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, stderr: this.stderr };
    return await new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('exit', (code) => { clearTimeout(timer); resolve({ code, stderr: this.stderr }); });
    });
  }
}

/** A 209-byte request whose first byte is `type`. */
export function request(type: number, name = ''): Uint8Array {
  const m = new Uint8Array(209);
  m[0] = type;
  m.set(Buffer.from(name, 'latin1').subarray(0, 63), 1);
  return m;
}

/**
 * (module (import "env" "memory" (memory 1))
 *   (func (export "load") (param i32) (result i32) local.get 0 i32.load8_u)
 *   (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store8))
 */
export const PEEK_POKE_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x0b, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00,
  0x02, 0x0f, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x01,
  0x03, 0x03, 0x02, 0x00, 0x01,
  0x07, 0x10, 0x02, 0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x00, 0x05, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x00, 0x01,
  0x0a, 0x13, 0x02, 0x07, 0x00, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x3a, 0x00, 0x00, 0x0b,
]);

/** Run a Node script in a child process; resolves with its exit code, or 'timeout' (then killed). */
export function runNode(script: string, timeoutMs: number): Promise<{ code: number | null | 'timeout'; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ADDON: ADDON_PATH } });
    let stdout = '', stderr = '', timedOut = false;
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code: timedOut ? 'timeout' : code, stdout, stderr }); });
  });
}
