/** Accounting: bytesRead and bytesWritten on both ends. */
import { randomBytes } from 'node:crypto';
import { within, collect, type Context } from '../helpers';

export function accountingCases(ctx: Context): void {
  const { T, pair } = ctx;

  T('bytesRead and bytesWritten count payload bytes on both ends', async () => {
    const { s, c } = await pair();
    const up = randomBytes(300_000);
    const down = randomBytes(12_345);
    const atServer = collect(s);
    const atClient = collect(c);
    c.end(up);
    s.end(down);
    await within(Promise.all([atServer, atClient]), 5000, 'both directions');
    expect(s.bytesRead).toBe(up.length);
    expect(c.bytesWritten).toBe(up.length);
    expect(c.bytesRead).toBe(down.length);
    expect(s.bytesWritten).toBe(down.length);
  });

  T('bytesWritten counts a write when it is handed over, before it is all sent', async () => {
    const { s, c } = await pair();
    const big = Buffer.alloc(10_000_000, 1);   // more than any fifo or socket buffer holds
    const ended = new Promise<number>((r) => s.end(big, () => r(s.bytesWritten)));
    expect(s.bytesWritten).toBe(big.length);
    const got = await within(collect(c), 10000, 'the whole write');
    expect(got.length).toBe(big.length);
    expect(await ended).toBe(big.length);
  });
}
