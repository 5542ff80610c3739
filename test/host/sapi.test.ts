/**
 * The app socket (docs/protocol.md §3): SOCK_SEQPACKET connect errors, 209-byte
 * messages, SCM_RIGHTS fds in order, truncation, timeouts, EOF — against a
 * Python stand-in for VPP's listener. No fd may leak on any path.
 */
import * as fs from 'fs';
import * as net from 'net';
import { FakeVpp, hostOrSkip, request, tmpSocketPath } from './helpers';

const host = hostOrSkip('sapi.test.ts');
const d = host ? describe : describe.skip;

d('sapiConnect errors', () => {
  test('a missing path is ENOENT with path and syscall', () => {
    const p = tmpSocketPath('missing');
    expect(() => host!.sapiConnect(p, 1000)).toThrow(expect.objectContaining({
      code: 'ENOENT', errno: -2, syscall: 'connect', path: p, message: `connect ENOENT ${p}`,
    }));
  });

  test("a stream socket (not VPP's) is EPROTOTYPE or ECONNREFUSED, and no fd leaks", async () => {
    const p = tmpSocketPath('stream');
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(p, r));
    try {
      const before = host!.openFdCount();
      let err: NodeJS.ErrnoException | undefined;
      try { host!.sapiConnect(p, 1000); } catch (e) { err = e as NodeJS.ErrnoException; }
      expect(err).toBeDefined();
      expect(['EPROTOTYPE', 'ECONNREFUSED']).toContain(err!.code);
      expect(err!.syscall).toBe('connect');
      expect(err!.path).toBe(p);
      expect(host!.openFdCount()).toBe(before);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('a socket file with no listener is ECONNREFUSED', () => {
    const p = tmpSocketPath('dead');
    // A bound but never-listening seqpacket socket: python binds, exits, leaves the file.
    require('child_process').execFileSync('python3', ['-c',
      'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.bind(sys.argv[1])', p]);
    try {
      expect(() => host!.sapiConnect(p, 1000)).toThrow(expect.objectContaining({ code: 'ECONNREFUSED', path: p }));
    } finally { fs.unlinkSync(p); }
  });

  test('a non-string path is a TypeError', () => {
    expect(() => (host!.sapiConnect as any)(42, 10)).toThrow(expect.objectContaining({ name: 'TypeError' }));
  });
});

d('attach exchange with a fake VPP', () => {
  let vpp: FakeVpp;
  beforeEach(async () => { vpp = new FakeVpp(); await vpp.start(); });
  afterEach(async () => { await vpp.stop(); });

  test('send 209 bytes, receive the reply and its fds in order; the memfd maps; nothing leaks', async () => {
    const h = host!;
    const fdsBefore = h.openFdCount();
    const mapsBefore = h.mappingCount();
    const sock = h.sapiConnect(vpp.path, 2000);
    expect(h.openFdCount()).toBe(fdsBefore + 1);

    h.sapiSend(sock, request(1, 'vppnet-test-app'));
    const { msg, fds } = h.sapiRecv(sock, 5000);
    expect(Buffer.isBuffer(msg)).toBe(true);
    expect(msg.length).toBe(209);
    expect(msg[0]).toBe(2);                                 // ATTACH_REPLY
    expect(msg.readUInt32LE(200)).toBe(209);                // VPP saw exactly one 209-byte datagram
    expect(msg.subarray(100, 115).toString('latin1')).toBe('vppnet-test-app');
    expect(fds).toHaveLength(2);
    expect(h.openFdCount()).toBe(fdsBefore + 3);

    const [seg, efd] = fds;
    expect(h.fdSize(seg)).toBe(65536);
    const base = h.mapAnywhere(seg, 65536);
    expect(h.mappingCount()).toBe(mapsBefore + 1);
    expect(Buffer.from(h.view(base, 14)).toString('latin1')).toBe('hello from vpp');
    h.unmap(base, 65536);
    expect(h.mappingCount()).toBe(mapsBefore);

    // The second fd is an eventfd: its counter works.
    h.eventfdWrite(efd);
    h.eventfdWrite(efd);
    expect(h.eventfdRead(efd)).toBe(2);
    expect(h.eventfdRead(efd)).toBe(0);

    for (const f of [seg, efd, sock]) h.closeFd(f);
    expect(h.openFdCount()).toBe(fdsBefore);
    expect((await vpp.stop()).code).toBe(0);
  });

  test('a message of the wrong length is refused before it reaches VPP (EINVAL)', () => {
    const sock = host!.sapiConnect(vpp.path, 2000);
    try {
      expect(() => host!.sapiSend(sock, new Uint8Array(208))).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'send' }));
      expect(() => host!.sapiSend(sock, new Uint8Array(210))).toThrow(/210 bytes, must be 209/);
      expect(() => (host!.sapiSend as any)(sock, 'x'.repeat(209))).toThrow(expect.objectContaining({ name: 'TypeError' }));
    } finally { host!.closeFd(sock); }
  });

  test('recv times out with ETIMEDOUT, within bounds', () => {
    const sock = host!.sapiConnect(vpp.path, 2000);
    try {
      host!.sapiSend(sock, request(15));
      const t0 = Date.now();
      expect(() => host!.sapiRecv(sock, 100)).toThrow(expect.objectContaining({ code: 'ETIMEDOUT', syscall: 'recvmsg' }));
      const dt = Date.now() - t0;
      expect(dt).toBeGreaterThanOrEqual(90);
      expect(dt).toBeLessThan(2000);
    } finally { host!.closeFd(sock); }
  });

  test('a datagram longer than 209 bytes is EMSGSIZE and its fd is closed', () => {
    const h = host!;
    const sock = h.sapiConnect(vpp.path, 2000);
    const before = h.openFdCount();
    try {
      h.sapiSend(sock, request(10));
      expect(() => h.sapiRecv(sock, 5000)).toThrow(expect.objectContaining({ code: 'EMSGSIZE' }));
      expect(h.openFdCount()).toBe(before);
    } finally { h.closeFd(sock); }
  });

  test('more than 16 fds, or more than the control buffer holds, is EMSGSIZE with every fd closed', () => {
    const h = host!;
    const sock = h.sapiConnect(vpp.path, 2000);
    const before = h.openFdCount();
    try {
      h.sapiSend(sock, request(11));   // 20 fds: fit in the control buffer, over the limit
      expect(() => h.sapiRecv(sock, 5000)).toThrow(expect.objectContaining({ code: 'EMSGSIZE', message: expect.stringMatching(/more than 16 fds/) }));
      expect(h.openFdCount()).toBe(before);
      h.sapiSend(sock, request(12));   // 60 fds: MSG_CTRUNC
      expect(() => h.sapiRecv(sock, 5000)).toThrow(expect.objectContaining({ code: 'EMSGSIZE' }));
      expect(h.openFdCount()).toBe(before);
    } finally { h.closeFd(sock); }
  });

  test('a short datagram comes back as it came (the caller validates)', () => {
    const sock = host!.sapiConnect(vpp.path, 2000);
    try {
      host!.sapiSend(sock, request(13));
      const { msg, fds } = host!.sapiRecv(sock, 5000);
      expect(msg.length).toBe(50);
      expect(msg.every((b) => b === 5)).toBe(true);
      expect(fds).toEqual([]);
    } finally { host!.closeFd(sock); }
  });

  test('VPP closing the socket is ECONNRESET; sending after it fails too', async () => {
    const sock = host!.sapiConnect(vpp.path, 2000);
    try {
      host!.sapiSend(sock, request(14));
      expect(() => host!.sapiRecv(sock, 5000)).toThrow(expect.objectContaining({ code: 'ECONNRESET', syscall: 'recvmsg' }));
      await vpp.stop();
      expect(() => host!.sapiSend(sock, request(1))).toThrow(expect.objectContaining({ syscall: 'send' }));
    } finally { host!.closeFd(sock); }
  });
});
