/**
 * An app that exits must not hurt VPP (docs/vpp-bugs.md, bugs 2 and 3: VPP
 * finishes cut-through connects and closes a few turns of its loop later and
 * crashes when the app is gone by then). A vppnet process that calls
 * process.exit() right after closing cut-through sessions, or with connects
 * still in flight, first lets VPP finish them (bounded), then goes; VPP stays
 * up and keeps nothing of it. Both engines.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { describeVpp } from './harness';

const REGISTER = path.join(__dirname, '../conformance/ts-register.js');
const INDEX = path.join(__dirname, '../../glue/index.ts');

/** A child that opens `pairs` cut-through pairs to its own listener, then closes them and `connects` more, and exits at once. */
function child(appSocket: string, host: string, engine: string, pairs: number, connects: number) {
  const script = `
    const net = require(${JSON.stringify(INDEX)});
    const o = { mode: 'vpp', engine: ${JSON.stringify(engine)}, appSocket: ${JSON.stringify(appSocket)} };
    const srv = net.createServer(o, (s) => { s.on('error', () => {}); s.resume(); });
    srv.listen(0, ${JSON.stringify(host)}, async () => {
      const port = srv.address().port;
      const socks = await Promise.all(Array.from({ length: ${pairs} }, () => new Promise((res) => {
        const c = net.connect({ ...o, port, host: ${JSON.stringify(host)} }, () => res(c));
      })));
      for (const c of socks) c.destroy();
      for (let i = 0; i < ${connects}; i++) net.connect({ ...o, port, host: ${JSON.stringify(host)} }).on('error', () => {});
      setImmediate(() => process.exit(0));   // the closes and connects are with VPP, not answered yet
    });`;
  return spawnSync(process.execPath, ['-r', REGISTER, '-e', script], {
    encoding: 'utf8', timeout: 30000, env: { ...process.env, NODE_DEBUG: 'vppnet' },
  });
}

describeVpp('process.exit() with cut-through closes and connects in flight', (vpp) => {
  test.each(['wasm', 'native'])('%s: VPP finishes them before the app goes, stays up, keeps nothing', async (engine) => {
    for (let run = 0; run < 5; run++) {
      const r = child(vpp().appSocket, vpp().testAddr, engine, 16, 16);
      expect(r.status).toBe(0);
      // the exit waited for VPP's answers (VPP frees a closed cut-through session only a few loop turns later)
      expect(r.stderr).toMatch(/exit: VPP answered \d+ connects and freed \d+ closed cut-through sessions in [\d.]+ ms/);
      expect(r.stderr).not.toMatch(/exit: VPP has not answered/);
      expect(vpp().health()).toBeNull();
    }
    const deadline = Date.now() + 10000;
    let apps = '';
    while (Date.now() < deadline) {
      apps = (await vpp().cli('show app')).split('\n').filter((l) => /vppnet-/.test(l)).join('\n');
      if (!apps && (await vpp().sessions()).length === 0) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(apps).toBe('');
    expect(await vpp().sessions()).toEqual([]);
  }, 120000);
});
