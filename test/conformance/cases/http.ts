/** Protocols on top: node:http (keep-alive agent, createConnection) and undici over the transport. */
import { createHash, randomBytes } from 'node:crypto';
import { isIPv6 } from 'node:net';
import * as http from 'node:http';
import { sha, within, type Context } from '../helpers';

export function httpCases(ctx: Context): void {
  const { host, T, server, listen, dial } = ctx;

  T('node:http server and client (keep-alive agent) run over it', async () => {
    const hs = http.createServer((req, res) => {
      const h = createHash('sha256');
      req.on('data', (d) => h.update(d));
      req.on('end', () => res.end(JSON.stringify({ url: req.url, sha: h.digest('hex') })));
    });
    const srv = server((s) => hs.emit('connection', s));
    const port = await listen(srv);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    (agent as unknown as { createConnection: unknown }).createConnection = () => dial(port);
    try {
      const post = (body: Buffer, pathname: string) => new Promise<{ json: { url: string; sha: string }; reused: boolean }>((resolve, reject) => {
        const req = http.request({ host, port, method: 'POST', path: pathname, agent }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d) => parts.push(d));
          res.on('end', () => resolve({ json: JSON.parse(Buffer.concat(parts).toString()), reused: req.reusedSocket }));
        });
        req.on('error', reject);
        req.end(body);
      });
      const b1 = randomBytes(1 << 20);
      const b2 = randomBytes(1000);
      const r1 = await within(post(b1, '/one'), 10000, 'first request');
      const r2 = await within(post(b2, '/two'), 10000, 'second request');
      expect(r1.json).toEqual({ url: '/one', sha: sha(b1) });
      expect(r2.json).toEqual({ url: '/two', sha: sha(b2) });
      expect(r2.reused).toBe(true);
      // A one-shot request through the createConnection option, too.
      const r3 = await within(new Promise<string>((resolve, reject) => {
        const req = http.request({ host, port, path: '/three', createConnection: () => dial(port) }, (res) => {
          res.setEncoding('utf8');
          let t = '';
          res.on('data', (d) => { t += d; });
          res.on('end', () => resolve(t));
        });
        req.on('error', reject);
        req.end();
      }), 10000, 'createConnection request');
      expect(JSON.parse(r3).url).toBe('/three');
    } finally {
      agent.destroy();
      hs.close();
    }
  });

  T('undici Client with a vppnet connect function', async () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { Client } = require('undici') as typeof import('undici');
    const hs = http.createServer((req, res) => {
      const h = createHash('sha256');
      req.on('data', (d) => h.update(d));
      req.on('end', () => res.end(h.digest('hex')));
    });
    const srv = server((s) => hs.emit('connection', s));
    const port = await listen(srv);
    const client = new Client(`http://${isIPv6(host) ? `[${host}]` : host}:${port}`, {
      connect: (_opts, cb) => {
        const s = dial(port);
        s.once('connect', () => cb(null, s as never));
        s.once('error', (e) => cb(e, null));
      },
    });
    try {
      for (let i = 0; i < 3; i++) {
        const body = randomBytes(100_000 * (i + 1));
        const r = await within(client.request({ path: `/${i}`, method: 'POST', body }), 10000, `request ${i}`);
        expect(r.statusCode).toBe(200);
        expect(await r.body.text()).toBe(sha(body));
      }
    } finally {
      await client.close();
      hs.close();
    }
  });
}
