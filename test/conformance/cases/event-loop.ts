/**
 * The event loop (in child processes): unref() lets it exit, ref() keeps it
 * alive, a socket nobody reads holds nothing (libuv's rule), an unref'd
 * server still says 'listening', a flat-out peer does not starve it, and an
 * exception thrown in a callback is the process's own uncaught exception.
 */
import { sleep, within, type Context } from '../helpers';

export function eventLoopCases(ctx: Context): void {
  const { T, server, listen, child } = ctx;

  T('unref() on server and sockets lets the process exit', async () => {
    const ch = child(`
      const srv = net.createServer(sopts, (s) => s.unref());
      srv.listen({ port: 0, host }, () => {
        const c = net.connect({ ...copts, port: srv.address().port, host }, () => {
          c.unref(); srv.unref(); process.stdout.write('ready\\n');
        });
      });`);
    const r = await within(ch.exited, 15000, 'child exit').catch((e) => { ch.p.kill('SIGKILL'); throw new Error(`${e.message}; stderr: ${ch.errors()}`); });
    expect(r.err).toBe('');
    expect(r.out).toBe('ready\n');
    expect(r.code).toBe(0);
  }, 20000);

  T('a peer in another process that writes flat out does not starve this event loop', async () => {
    let bytes = 0, last = 0, maxGap = 0;
    // a reader slower than the writer (100 µs of work per chunk): the bytes never run out while it reads
    const srv = server((s) => { s.on('data', (d: Buffer) => { bytes += d.length; const t = process.hrtime.bigint(); while (process.hrtime.bigint() - t < 100_000n); }); });
    const port = await listen(srv);
    const ticker = setInterval(() => {
      const now = Date.now();
      if (last && bytes) maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    try {
      const ch = child(`
        const c = net.connect({ ...copts, port: ${port}, host }, () => {
          const buf = Buffer.alloc(65536, 7), end = Date.now() + 1500;
          const pump = () => { while (Date.now() < end) if (!c.write(buf)) return c.once('drain', pump); c.end(); };
          pump();
        });
        c.on('close', () => process.exit(0));`);
      const r = await within(ch.exited, 15000, 'writer exit').catch((e) => { ch.p.kill('SIGKILL'); throw e; });
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
    } finally { clearInterval(ticker); }
    expect(bytes).toBeGreaterThan(1 << 20);
    expect(maxGap).toBeLessThan(250);             // a 5 ms timer still runs while the bytes pour in
  }, 20000);

  /** Run `body` in a child; resolve with its exit, or kill it and fail after `ms`. */
  const run = async (body: string, ms = 10000) => {
    const ch = child(body);
    return within(ch.exited, ms, 'child exit').catch((e) => { ch.p.kill('SIGKILL'); throw new Error(`${e.message}; stdout: ${ch.output()} stderr: ${ch.errors()}`); });
  };

  T('a socket nobody reads, whose peer has ended, lets the process exit', async () => {
    // the server side never reads ('asd' stays buffered, so it never sees 'end'):
    // on the kernel libuv stops reading at EOF and the handle holds the loop no more
    const r = await run(`
      const srv = net.createServer(sopts, (s) => { s.end('x'); srv.close(); });
      srv.listen({ port: 0, host }, () => {
        const c = net.connect({ ...copts, port: srv.address().port, host }, () => c.end('asd'));
        c.resume();
        c.on('close', () => process.stdout.write('client closed\\n'));
      });`);
    expect(r.err).toBe('');
    expect(r.out).toBe('client closed\n');
    expect(r.code).toBe(0);
  });

  T("an unref'd server still emits 'listening'", async () => {
    const r = await run(`
      const srv = net.createServer(sopts);
      srv.listen({ port: 0, host }, () => process.stdout.write('listening\\n'));
      srv.unref();`);
    expect(r.err).toBe('');
    expect(r.out).toBe('listening\n');
    expect(r.code).toBe(0);
  });

  T("a throw in a socket's callback is the process's uncaught exception, once; the other sockets go on", async () => {
    const r = await run(`
      process.on('uncaughtException', (e) => process.stdout.write('uncaught: ' + e.message + '\\n'));
      const srv = net.createServer(sopts, (s) => s.on('data', (d) => { if (String(d) === 'boom') throw new Error('thrown in data'); s.write(d); }));
      srv.listen({ port: 0, host }, () => {
        const port = srv.address().port;
        const a = net.connect({ ...copts, port, host }, () => a.write('boom'));
        const b = net.connect({ ...copts, port, host });
        for (const s of [a, b]) s.on('error', (e) => process.stdout.write('socket error: ' + e.message + '\\n'));
        setTimeout(() => b.write('hello'), 300);
        b.on('data', (d) => { process.stdout.write('echo: ' + d + '\\n'); process.exit(0); });
      });`);
    expect(r.err).toBe('');
    expect(r.out).toBe('uncaught: thrown in data\necho: hello\n');
    expect(r.code).toBe(0);
  });

  T("a throw in the 'connection' handler ends the process as node's does: the error printed, exit code 1", async () => {
    const r = await run(`
      const srv = net.createServer(sopts, () => { throw new Error('thrown in connection'); });
      srv.listen({ port: 0, host }, () => net.connect({ ...copts, port: srv.address().port, host }).on('error', () => {}));`);
    expect(r.err).toContain('Error: thrown in connection');
    expect(r.code).toBe(1);
  });

  T('ref() after unref() keeps the process alive', async () => {
    const ch = child(`
      const srv = net.createServer(sopts);
      srv.listen({ port: 0, host }, () => { srv.unref(); srv.ref(); process.stdout.write('ready\\n'); });`);
    try {
      await within((async () => { while (!ch.output().includes('ready')) { if (ch.p.exitCode !== null) break; await sleep(20); } })(), 15000, 'child ready');
      expect(ch.errors()).toBe('');
      expect(ch.output()).toBe('ready\n');
      await sleep(1000);
      expect(ch.p.exitCode).toBeNull();
    } finally {
      ch.p.kill('SIGKILL');
      await ch.exited;
    }
  }, 20000);
}
