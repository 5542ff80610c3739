/** Destroying: destroy(), destroy(err), destroySoon(), resetAndDestroy() and what each end sees. */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { sha, within, collect, closeEvent, type Context } from '../helpers';

export function destroyCases(ctx: Context): void {
  const { T, pair } = ctx;

  T("destroy() closes this side at once and the peer sees 'end' and 'close'", async () => {
    const { s, c } = await pair();
    const ended = once(s, 'end');
    const closed = closeEvent(s);
    s.resume();
    const localClose = closeEvent(c);
    c.destroy();
    expect(c.destroyed).toBe(true);
    expect(await within(localClose, 2000, "local 'close'")).toBe(false);
    await within(ended, 5000, "peer 'end'");
    expect(await within(closed, 5000, "peer 'close'")).toBe(false);
  });

  T("destroy(err) emits 'error' with err, then 'close' with hadError true", async () => {
    const { c } = await pair();
    const boom = new Error('boom');
    const ev: string[] = [];
    let seen: unknown;
    c.on('error', (e) => { ev.push('error'); seen = e; });
    const closed = closeEvent(c);
    c.destroy(boom);
    const hadError = await within(closed, 2000, "'close'");
    expect(seen).toBe(boom);
    expect(hadError).toBe(true);
    expect(ev).toEqual(['error']);
  });

  T('destroySoon() sends what is queued, then closes', async () => {
    const { s, c } = await pair();
    const got = collect(s);
    const data = randomBytes(2 << 20);
    c.write(data);
    c.destroySoon();
    const all = await within(got, 10000, 'data then end');
    expect(sha(all)).toBe(sha(data));
    await within(closeEvent(c), 5000, "client 'close'");
    expect(c.destroyed).toBe(true);
  });

  T("resetAndDestroy() makes the peer fail with ECONNRESET and 'close' hadError true", async () => {
    const { s, c } = await pair();
    c.resume();
    const err = new Promise<NodeJS.ErrnoException>((r) => c.once('error', r));
    const closed = closeEvent(c);
    s.resetAndDestroy();
    const e = await within(err, 5000, "peer 'error'");
    expect(e.code).toBe('ECONNRESET');
    expect(await within(closed, 5000, "peer 'close'")).toBe(true);
  });
}
