/** Data: bytes arrive exact, in any chunking, both ways at once, from strings in any encoding. */
import { randomBytes } from 'node:crypto';
import { sha, within, collect, collectN, writeChunked, CHUNK_SIZES, type Context } from '../helpers';

export function dataCases(ctx: Context): void {
  const { T, echoPair, pair } = ctx;

  T('echo of 4 MiB written in many chunk sizes comes back byte-exact', async () => {
    const { c } = await echoPair();
    const data = randomBytes(4 << 20);
    const got = collect(c);
    await writeChunked(c, data, CHUNK_SIZES);
    const back = await within(got, 20000, 'echo');
    expect(back.length).toBe(data.length);
    expect(sha(back)).toBe(sha(data));
  }, 30000);

  T('8 MiB each way at once, checksummed on both ends', async () => {
    const { s, c } = await pair();
    const up = randomBytes(8 << 20);
    const down = randomBytes(8 << 20);
    const atServer = collectN(s, up.length);
    const atClient = collectN(c, down.length);
    await Promise.all([writeChunked(c, up, [65536, 1460, 200_000], false), writeChunked(s, down, [16384, 3, 1 << 20], false)]);
    const [u, d] = await within(Promise.all([atServer, atClient]), 25000, 'both streams');
    expect(sha(u)).toBe(sha(up));
    expect(sha(d)).toBe(sha(down));
  }, 40000);

  T('string writes with encodings arrive as the same bytes', async () => {
    const { s, c } = await pair();
    const got = collect(s);
    c.write('héllo ', 'utf8');
    c.write('776f726c64', 'hex');
    c.end(Buffer.from('!'));
    expect((await within(got, 5000, 'data')).toString('utf8')).toBe('héllo world!');
  });
}
