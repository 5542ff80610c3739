/** Idle timeouts: setTimeout(ms) emits 'timeout' without closing; setTimeout(0) disarms. */
import { once } from 'node:events';
import { sleep, within, type Context } from '../helpers';

export function timeoutCases(ctx: Context): void {
  const { T, pair } = ctx;

  T("setTimeout(ms) emits 'timeout' on idleness without closing; setTimeout(0) disarms", async () => {
    const { c } = await pair();
    const t0 = Date.now();
    c.setTimeout(150);
    await within(once(c, 'timeout'), 3000, "'timeout'");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
    expect(c.destroyed).toBe(false);
    expect(c.timeout).toBe(150);
    let fired = false;
    c.on('timeout', () => { fired = true; });
    c.setTimeout(0);
    await sleep(400);
    expect(fired).toBe(false);
  });
}
