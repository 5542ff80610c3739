/** Connecting: 'connect', 'ready' and 'connection' in order; connecting/pending/readyState. */
import { sleep, within, type Context } from '../helpers';

export function connectCases(ctx: Context): void {
  const { T, server, listen, dial, connected } = ctx;

  T("client 'connect' then 'ready'; server 'connection'; connecting/pending/readyState move", async () => {
    const srv = server();
    const port = await listen(srv);
    const ev: string[] = [];
    srv.on('connection', () => ev.push('connection'));
    const c = dial(port, {}, () => ev.push('connect-callback'));
    expect(c.connecting).toBe(true);
    expect(c.pending).toBe(true);
    expect(c.readyState).toBe('opening');
    c.on('connect', () => ev.push('connect'));
    c.on('ready', () => ev.push('ready'));
    await connected(c);
    await within((async () => { while (!ev.includes('connection') || !ev.includes('ready')) await sleep(5); })(), 5000, 'connection + ready');
    expect(ev.indexOf('connect-callback')).toBeLessThan(ev.indexOf('ready'));
    expect(ev.indexOf('connect')).toBeLessThan(ev.indexOf('ready'));
    expect(c.connecting).toBe(false);
    expect(c.pending).toBe(false);
    expect(c.readyState).toBe('open');
  });
}
