/**
 * `vppnet doctor` names the VPP it found behind the app socket and whether
 * vppnet supports it, and which processes run in register mode with what
 * their last sockets chose.
 */
import { spawn, spawnSync } from 'child_process';
import { once } from 'events';
import * as path from 'path';
import { describeVpp, startVpp } from './harness';

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

  const doctorOn = (inst: { appSocket: string; prefix: string }) => spawnSync(process.execPath, ['-r', path.join(ROOT, 'test/conformance/ts-register.js'),
    path.join(ROOT, 'glue/cli.ts'), 'doctor', '--mode', 'vpp', '--app-socket', inst.appSocket],
  { encoding: 'utf8', timeout: 30000, env: { ...process.env, VPP_PREFIX: inst.prefix } });

  test("reads VPP's main loop from its startup config: poll-sleep-usec is named with its cost, VPP's own default is ok", async () => {
    const own = doctorOn(vpp());
    expect(own.status).toBe(0);
    if (vpp().pollSleepUsec === 0) expect(own.stdout).toMatch(/\[ok\] VPP's main loop: no poll-sleep-usec, session \{ use-private-rx-mqs \} \(VPP pid \d+, .*startup\.conf\): VPP sleeps in epoll/);
    else expect(own.stdout).toContain(`[!!] VPP's main loop: unix { poll-sleep-usec ${vpp().pollSleepUsec} }`);
    const sleepy = await startVpp({ pollSleepUsec: 100 });
    try {
      const r = doctorOn(sleepy);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`[!!] VPP's main loop: unix { poll-sleep-usec 100 } (VPP pid ${sleepy.pid}, ${sleepy.configFile}): VPP sleeps 100 µs before every poll`);
      expect(r.stdout).toContain('Remove the line');
    } finally { await sleepy.stop(); }
  }, 60000);

  test('lists a process in register mode and what its sockets chose; forgets it when it exits', async () => {
    const app = spawn(process.execPath, ['--require', path.join(ROOT, 'dist/cjs/register.js'), '-e',
      "require('node:http').createServer().listen(0, '127.0.0.1', () => console.log('up'))"],
    { env: { ...process.env, VPPNET_MODE: 'vpp', VPPNET_APP_SOCKET: vpp().appSocket }, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await once(app.stdout!, 'data');
      await new Promise((r) => setTimeout(r, 1300));   // the status file is written within a second of a change
      const doctor = () => JSON.parse(spawnSync(process.execPath, ['-r', path.join(ROOT, 'test/conformance/ts-register.js'),
        path.join(ROOT, 'glue/cli.ts'), 'doctor', '--mode', 'kernel', '--json'], { encoding: 'utf8', timeout: 30000 }).stdout);
      const mine = doctor().processes.find((p: { pid: number }) => p.pid === app.pid);
      expect(mine).toMatchObject({ registered: true });
      expect(mine.decisions).toContainEqual(expect.objectContaining({ what: 'listen', endpoint: '127.0.0.1:0', transport: 'vpp' }));
      app.kill('SIGTERM');
      await once(app, 'exit');
      expect(doctor().processes.some((p: { pid: number }) => p.pid === app.pid)).toBe(false);
    } finally {
      app.kill('SIGKILL');
    }
  }, 30000);
});
