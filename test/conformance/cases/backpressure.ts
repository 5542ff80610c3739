/** Flow control: write() returning false and 'drain'; pause() and resume(). */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { sha, sleep, within, collect, type Context } from '../helpers';

export function backpressureCases(ctx: Context): void {
  const { T, pair } = ctx;

  T("backpressure: write() returns false, 'drain' comes, nothing is lost", async () => {
    const { s, c } = await pair();
    s.pause();
    const chunk = randomBytes(64 * 1024);
    const hash = createHash('sha256');
    let written = 0;
    while (c.write(chunk)) {
      hash.update(chunk);
      written += chunk.length;
      if (written > 512 << 20) throw new Error('write() never returned false after 512 MiB');
    }
    hash.update(chunk);
    written += chunk.length;
    expect(c.writableLength).toBeGreaterThan(0);
    expect(c.writableNeedDrain).toBe(true);
    const drained = once(c, 'drain');
    const got = collect(s);
    s.resume();
    await within(drained, 10000, "'drain'");
    c.end();
    const all = await within(got, 20000, 'all data');
    expect(all.length).toBe(written);
    expect(sha(all)).toBe(hash.digest('hex'));
  }, 40000);

  T('pause() stops data events until resume()', async () => {
    const { s, c } = await pair();
    s.pause();
    expect(s.isPaused()).toBe(true);
    let seen = 0;
    s.on('data', (d: Buffer) => { seen += d.length; });
    c.write('abc');
    await sleep(200);
    expect(seen).toBe(0);
    s.resume();
    await within((async () => { while (seen < 3) await sleep(5); })(), 5000, 'data after resume');
    expect(seen).toBe(3);
  });
}
