/**
 * eventfd counters and watch(): one JS callback per wake-up with the counter
 * read in C, ref/unref/close deciding whether the process can exit, teardown
 * with the env (workers, process exit), exceptions reported as uncaught.
 */
import { hostOrSkip, runNode } from './helpers';

const host = hostOrSkip('watch.test.ts');
const d = host ? describe : describe.skip;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

d('eventfd counters', () => {
  test('write adds 1, read returns and resets the counter, 0 when none, never blocks', () => {
    const h = host!;
    const fd = h.testEventfd();   // blocking, as VPP creates them
    try {
      expect(h.eventfdRead(fd)).toBe(0);
      h.eventfdWrite(fd); h.eventfdWrite(fd); h.eventfdWrite(fd);
      expect(h.eventfdRead(fd)).toBe(3);
      expect(h.eventfdRead(fd)).toBe(0);
    } finally { h.closeFd(fd); }
    expect(() => h.eventfdRead(fd)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(() => h.closeFd(fd)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'close' }));
  });
});

d('watch', () => {
  test('one callback per wake-up, with the coalesced count; none without a write', async () => {
    const h = host!;
    const fds0 = h.openFdCount();
    const fd = h.testEventfd();
    const calls: Array<[Error | null, number]> = [];
    const w = h.watch(fd, (err, n) => { calls.push([err, n]); });
    try {
      await sleep(30);
      expect(calls).toEqual([]);
      h.eventfdWrite(fd);
      await waitFor(() => calls.length >= 1);
      expect(calls).toEqual([[null, 1]]);
      h.eventfdWrite(fd); h.eventfdWrite(fd); h.eventfdWrite(fd);   // one wake-up
      await waitFor(() => calls.length >= 2);
      await sleep(30);
      expect(calls).toEqual([[null, 1], [null, 3]]);
      expect(h.eventfdRead(fd)).toBe(0);                              // the watch drained it
    } finally { w.close(); h.closeFd(fd); }
    expect(h.openFdCount()).toBe(fds0);
  });

  test('close() stops callbacks at once, even with a write pending; close twice is harmless', async () => {
    const h = host!;
    const fd = h.testEventfd();
    let calls = 0;
    const w = h.watch(fd, () => { calls++; });
    h.eventfdWrite(fd);
    w.close();
    w.close();
    await sleep(30);
    expect(calls).toBe(0);
    expect(w.hasRef()).toBe(false);
    h.closeFd(fd);
  });

  test('close() from inside the callback', async () => {
    const h = host!;
    const fd = h.testEventfd();
    let calls = 0;
    const w = h.watch(fd, () => { calls++; w.close(); h.eventfdWrite(fd); });
    h.eventfdWrite(fd);
    await waitFor(() => calls >= 1);
    await sleep(30);
    expect(calls).toBe(1);
    h.closeFd(fd);
  });

  test('ref/unref/hasRef track the uv handle', () => {
    const h = host!;
    const fd = h.testEventfd();
    const w = h.watch(fd, () => {});
    expect(w.hasRef()).toBe(true);
    expect(w.unref()).toBe(w);
    expect(w.hasRef()).toBe(false);
    w.ref();
    expect(w.hasRef()).toBe(true);
    w.close();
    h.closeFd(fd);
  });

  test('one fd, one watch: a second watch on the same fd is EEXIST', () => {
    const h = host!;
    const fd = h.testEventfd();
    const w = h.watch(fd, () => {});
    try {
      expect(() => h.watch(fd, () => {})).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    } finally { w.close(); h.closeFd(fd); }
  });

  test('bad arguments are TypeErrors', () => {
    expect(() => (host!.watch as any)(0)).toThrow(expect.objectContaining({ name: 'TypeError' }));
    expect(() => (host!.watch as any)('x', () => {})).toThrow(expect.objectContaining({ name: 'TypeError' }));
  });
});

// Process-level behaviour runs in child processes (the loop must be free to end).
d('watch and the process lifetime', () => {
  const prelude = `const h = require(process.env.ADDON); const fd = h.testEventfd();`;

  test('an active watch keeps the process alive; close() in the callback lets it exit', async () => {
    const alive = await runNode(`${prelude} h.watch(fd, () => {});`, 1500);
    expect(alive.code).toBe('timeout');
    const r = await runNode(`${prelude}
      const w = h.watch(fd, (err, n) => { console.log('woke', err, n); w.close(); });
      setTimeout(() => h.eventfdWrite(fd), 20);`, 10_000);
    expect(r).toEqual({ code: 0, stdout: 'woke null 1\n', stderr: '' });
  });

  test('unref() lets a process with an idle watch exit', async () => {
    const r = await runNode(`${prelude} h.watch(fd, () => {}).unref(); console.log('done');`, 10_000);
    expect(r).toEqual({ code: 0, stdout: 'done\n', stderr: '' });
  });

  test('a throwing callback is an uncaught exception; process.nextTick work queued in it runs', async () => {
    const r = await runNode(`${prelude}
      process.on('uncaughtException', (e) => { console.log('caught', e.message); w.close(); });
      const w = h.watch(fd, () => { process.nextTick(() => console.log('tick')); throw new Error('boom'); });
      h.eventfdWrite(fd);`, 10_000);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('caught boom\n');
    expect(r.stdout).toContain('tick\n');
    expect(r.stderr).toBe('');
  });

  test('workers: an open watch is released when the worker ends, and the process exits', async () => {
    const r = await runNode(`
      const { Worker } = require('worker_threads');
      const w = new Worker(\`
        const { parentPort } = require('worker_threads');
        const h = require(process.env.ADDON);
        const fd = h.testEventfd();
        h.watch(fd, (err, n) => parentPort.postMessage('woke ' + n));
        h.eventfdWrite(fd);
      \`, { eval: true });
      w.on('message', (m) => { console.log(m); w.terminate(); });
      w.on('exit', (c) => console.log('worker exit', c));`, 15_000);
    expect(r).toEqual({ code: 0, stdout: 'woke 1\nworker exit 1\n', stderr: '' });
  });

  test('process.exit() with watches open does not crash', async () => {
    const r = await runNode(`${prelude}
      for (let i = 0; i < 8; i++) h.watch(h.testEventfd(), () => {});
      setTimeout(() => process.exit(3), 20);`, 10_000);
    expect(r).toEqual({ code: 3, stdout: '', stderr: '' });
  });
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(2);
  }
}
