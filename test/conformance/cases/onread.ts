/** The onread option: reads into the caller's buffer (fixed or from a function), pausing by returning false. */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { within, closeEvent, type Context } from '../helpers';

export function onreadCases(ctx: Context): void {
  const { T, server, listen, dial } = ctx;

  T("onread: bytes land in one reusable buffer and go to the callback; returning false pauses until resume()", async () => {
    const payload = Buffer.alloc(256 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + (i >> 10)) & 255;
    const srv = server((s) => s.end(payload));
    const port = await listen(srv);
    const buf = Buffer.alloc(4096);
    const got: Buffer[] = [];
    const bufs = new Set<Uint8Array>();
    let calls = 0, duringPause = -1;
    const c = dial(port, {
      onread: {
        buffer: buf,
        callback: (n: number, b: Uint8Array) => {
          bufs.add(b);
          got.push(Buffer.from(b.subarray(0, n)));
          if (++calls !== 3) return true;
          const at = calls;
          setTimeout(() => { duringPause = calls - at; c.resume(); }, 150);
          return false;
        },
      },
    });
    const ended = once(c, 'end');
    await within(closeEvent(c), 5000, 'close');
    await within(ended, 100, "'end'");
    expect(duringPause).toBe(0);                 // paused: no callback for 150 ms
    expect([...bufs]).toEqual([buf]);            // always the caller's buffer
    expect(Buffer.concat(got).equals(payload)).toBe(true);
    expect(c.bytesRead).toBe(payload.length);
  });

  T('onread with a buffer function: each read goes into the buffer it returns', async () => {
    const payload = randomBytes(64 * 1024);
    const srv = server((s) => s.end(payload));
    const port = await listen(srv);
    const given: Uint8Array[] = [];
    const got: Buffer[] = [];
    let sameAsGiven = true;
    const c = dial(port, {
      onread: {
        buffer: () => { const b = new Uint8Array(1000); given.push(b); return b; },
        callback: (n: number, b: Uint8Array) => { sameAsGiven &&= b === given[given.length - 1]; got.push(Buffer.from(b.subarray(0, n))); },
      },
    });
    await within(closeEvent(c), 5000, 'close');
    expect(sameAsGiven).toBe(true);
    expect(got.every((b) => b.length <= 1000)).toBe(true);
    expect(Buffer.concat(got).equals(payload)).toBe(true);
  });
}
