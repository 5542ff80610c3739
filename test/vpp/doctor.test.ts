/** `vppnet doctor` names the VPP it found behind the app socket and whether vppnet supports it. */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { describeVpp } from './harness';

const ROOT = path.join(__dirname, '../..');

describeVpp('vppnet doctor against a real VPP', (vpp) => {
  test('prints the VPP version (from its CLI) and that it is supported', async () => {
    const version = /vpp (v\S+)/.exec(await vpp().cli('show version'))![1];
    const r = spawnSync(process.execPath, ['-r', path.join(ROOT, 'test/conformance/ts-register.js'), path.join(ROOT, 'glue/cli.ts'),
      'doctor', '--mode', 'vpp', '--app-socket', vpp().appSocket], { encoding: 'utf8', timeout: 30000, env: { ...process.env, VPP_PREFIX: vpp().prefix } });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`[ok] VPP version: ${version} (${vpp().cliSocket}): supported`);
    expect(r.stdout).toContain('=> vpp would use: vpp');
  });
});
