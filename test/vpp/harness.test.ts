// Proves the real-VPP harness itself: start, topology, CLI, session parsing,
// clean stop, and the kernel-interop namespace topology.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  describeSkipped, describeVpp, findVpp, noteSkipped, parseSessions, pidAlive, startVpp, vppHasPlugin,
  vppSkipReason, type VppInstance,
} from './harness';
import { createNetnsTopology, netnsSkipReason, type NetnsTopology } from './netns';

const isSocket = (p: string): boolean => {
  try { return fs.statSync(p).isSocket(); } catch { return false; }
};

describe('findVpp', () => {
  const saved = process.env.VPP_PREFIX;
  afterEach(() => {
    if (saved === undefined) delete process.env.VPP_PREFIX;
    else process.env.VPP_PREFIX = saved;
  });

  test('names the path it tried when VPP_PREFIX has no VPP', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'vppnet-novpp-'));
    try {
      process.env.VPP_PREFIX = empty;
      const found = findVpp();
      expect(found).toEqual({ missing: `no VPP at ${empty}/bin/vpp (VPP_PREFIX=${empty})` });
    } finally {
      fs.rmSync(empty, { recursive: true });
    }
  });
});

describe('parseSessions', () => {
  // Recorded from `show session verbose` of VPP 26.10-rc0 (vperf_server in
  // 'default' with local+global scope, one TCP client from 'peer', one
  // cut-through client, plus an HTTP client session).
  const recorded = [
    'Connection                                                  State          Rx-f      Tx-f      ',
    '[0:2][CT:T] 0.0.0.0:6201->0.0.0.0:0                         LISTEN         0         0         ',
    '[0:3][T] 0.0.0.0:6201->0.0.0.0:0                            LISTEN         0         0         ',
    '[0:9][T] 127.0.0.2:6202->127.0.1.2:11229                    ESTABLISHED    62264     0         ',
    '[0:11][CT:T] 127.0.0.2:6201->0.0.0.0:0                      ESTABLISHED    0         0         ',
    '[0:3][H1] app_wrk 3 hc_index 4 ts 0:2                       CLOSED         0         0         ',
    'Thread 0: active sessions 5',
  ].join('\r\n');

  test('reads transport, endpoints, state and fifo counts', () => {
    const s = parseSessions(recorded);
    expect(s).toHaveLength(5);
    expect(s[0]).toMatchObject({ thread: 0, index: 2, transport: 'CT:T', cutThrough: true, state: 'LISTEN',
      local: { address: '0.0.0.0', port: 6201 }, remote: { address: '0.0.0.0', port: 0 } });
    expect(s[2]).toMatchObject({ index: 9, transport: 'T', cutThrough: false, state: 'ESTABLISHED',
      local: { address: '127.0.0.2', port: 6202 }, remote: { address: '127.0.1.2', port: 11229 },
      rxFifo: 62264, txFifo: 0 });
    expect(s[4]).toMatchObject({ transport: 'H1', local: null, remote: null, state: 'CLOSED' });
  });

  test('an idle VPP has none', () => {
    expect(parseSessions('Thread 0: no sessions\r\n')).toEqual([]);
  });
});

describeVpp('a private VPP instance', (vpp) => {
  test('starts and answers show version', async () => {
    const inst = vpp();
    process.stderr.write(`VPP pid ${inst.pid} started and configured in ${inst.startMs.toFixed(0)} ms\n`);
    expect(inst.alive()).toBe(true);
    expect(await inst.cli('show version')).toMatch(/^vpp v\d+\.\d+/);
    expect(inst.cliSync('show version')).toMatch(/^vpp v\d+\.\d+/);
  });

  test('both app attach sockets exist', () => {
    const inst = vpp();
    expect(inst.appSocket).toBe(path.join(inst.runDir, 'app_ns_sockets', 'default'));
    expect(inst.peerAppSocket).toBe(path.join(inst.runDir, 'app_ns_sockets', 'peer'));
    expect(isSocket(inst.appSocket)).toBe(true);
    expect(isSocket(inst.peerAppSocket)).toBe(true);
    expect(isSocket(inst.cliSocket)).toBe(true);
  });

  test('loop0 and loop1 carry the test and peer addresses in tables 0 and 1', async () => {
    const inst = vpp();
    expect(inst.testAddr).toBe('127.0.0.2');
    expect(inst.peerAddr).toBe('127.0.1.2');
    const addrs = await inst.cli('show interface addr');
    expect(addrs).toMatch(new RegExp(`${inst.loopIf} \\(up\\):\\s+L3 127\\.0\\.0\\.2/24\\n`));
    expect(addrs).toMatch(new RegExp(`${inst.peerLoopIf} \\(up\\):\\s+L3 127\\.0\\.1\\.2/24 ip4 table-id 1`));
    expect(await inst.cli('show app ns')).toMatch(/peer/);
    // the cross-table routes that let 'peer' reach 'default' over TCP
    expect(await inst.cli('show ip fib table 0 127.0.1.0/24')).toMatch(/lookup in/);
    expect(await inst.cli('show ip fib table 1 127.0.0.0/24')).toMatch(/lookup in/);
  });

  test('has no sessions', async () => {
    expect(await vpp().sessions()).toEqual([]);
  });

  test('CLI errors come back as text and configure() rejects them', async () => {
    const inst = vpp();
    expect(await inst.cli('no such command')).toMatch(/unknown input/);
    await expect(inst.configure('set interface state nosuchif up')).rejects.toMatchObject({ code: 'ERR_VPP_CLI' });
  });

  test('a second instance runs side by side, and stop() leaves no process, run dir or shm file', async () => {
    const first = vpp();
    const second: VppInstance = await startVpp({ pollSleepUsec: 50, privateRxMqs: false });
    let stopped = false;
    try {
      expect(second.runDir).not.toBe(first.runDir);
      expect(second.pid).not.toBe(first.pid);
      expect(second.appSocket).not.toBe(first.appSocket);
      expect(fs.readFileSync(second.configFile, 'utf8')).toMatch(/poll-sleep-usec 50\b/);
      // the default is VPP's own: no fixed sleep in the main loop
      expect(fs.readFileSync(first.configFile, 'utf8')).not.toMatch(/poll-sleep-usec/);
      expect(fs.readFileSync(second.configFile, 'utf8')).toMatch(/session \{ enable use-app-socket-api \}/);
      expect(await second.cli('show version')).toMatch(/^vpp v/);
      expect(await first.cli('show version')).toMatch(/^vpp v/);
      const shmPrefix = fs.readFileSync(path.join(second.runDir, 'shm.prefix'), 'utf8');
      expect(fs.readdirSync('/dev/shm').some((f) => f.startsWith(shmPrefix))).toBe(true);

      const t0 = Date.now();
      await second.stop();
      stopped = true;
      process.stderr.write(`VPP pid ${second.pid} stopped in ${Date.now() - t0} ms\n`);
      expect(pidAlive(second.pid)).toBe(false);
      expect(fs.existsSync(`/proc/${second.pid}`)).toBe(false); // reaped, not a zombie
      expect(fs.existsSync(second.runDir)).toBe(false);
      expect(fs.readdirSync('/dev/shm').some((f) => f.startsWith(shmPrefix))).toBe(false);
      expect(first.alive()).toBe(true);
    } finally {
      if (!stopped) await second.stop();
    }
  }, 60000);

  test('stop() after VPP was SIGKILLed still cleans up', async () => {
    const inst = await startVpp();
    expect(inst.kill('SIGKILL')).toBe(true);
    await inst.stop();
    expect(pidAlive(inst.pid)).toBe(false);
    expect(fs.existsSync(inst.runDir)).toBe(false);
  }, 60000);
});

// --- kernel interop: a network namespace joined to VPP by a veth -----------

const NETNS_TITLE = 'VPP and the kernel over a veth into a network namespace';
const nsReason = vppSkipReason() ? null : netnsSkipReason();
const hasHttpApps = vppHasPlugin('http') && vppHasPlugin('hs_apps');

function netnsTests(vpp: () => VppInstance): void {
  let topo: NetnsTopology | undefined;
  const topology = (): NetnsTopology => {
    if (!topo) throw new Error('namespace topology was not created');
    return topo;
  };
  beforeAll(async () => {
    topo = await createNetnsTopology(vpp());
  }, 30000);
  afterAll(async () => {
    const ns = topo?.ns;
    await topo?.teardown();
    if (ns) expect(fs.existsSync(`/run/netns/${ns}`)).toBe(false);
  }, 30000);

  test('VPP owns the veth end with its address', async () => {
    const t = topology();
    expect(t.vppAddr).toMatch(/^198\.18\.\d+\.2$/);
    expect(await vpp().cli('show interface addr')).toContain(`${t.vppIf} (up):\n  L3 ${t.vppAddr}/24`);
  });

  test('kernel TCP from the namespace reaches VPP: a SYN to a closed port is answered with RST', async () => {
    const t = topology();
    await vpp().cli('clear errors');
    const out = await t.exec([process.execPath, '-e', `
      const s = require('node:net').connect(7, '${t.vppAddr}');
      s.on('connect', () => { console.log('connected'); process.exit(0); });
      s.on('error', (e) => { console.log(e.code); process.exit(0); });
      setTimeout(() => { console.log('timeout'); process.exit(0); }, 5000);`]);
    expect(out.trim()).toBe('ECONNREFUSED');
    const errors = await vpp().cli('show errors');
    expect(errors).toMatch(/tcp4-input\s+no listener for dst port/);
    expect(errors).toMatch(/tcp4-reset\s+Resets sent/);
  });

  const httpTest = hasHttpApps ? test : test.skip;
  if (!hasHttpApps && !vppSkipReason()) noteSkipped(2, 'VPP has no http/hs_apps plugin (no builtin VPP TCP app to drive)', 'VPP-app');

  httpTest('a VPP app connects to a node:net server inside the namespace', async () => {
    const t = topology();
    const { child, ready } = await t.startNode(`
      const net = require('node:net');
      const srv = net.createServer((s) => {
        s.once('data', (d) => {
          console.log('request ' + String(d).split('\\r\\n')[0]);
          const body = 'hello from ${t.ns}';
          s.end('HTTP/1.1 200 OK\\r\\nContent-Length: ' + body.length + '\\r\\nConnection: close\\r\\n\\r\\n' + body);
        });
      });
      srv.listen(0, '${t.nsAddr}', () => console.log('ready ' + srv.address().port));`);
    const seen = new Promise<string>((resolve) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /^request (.*)$/m.exec(out);
        if (m) resolve(m[1]);
      });
    });
    const reply = await vpp().cli(`http cli client uri http://${t.nsAddr}:${ready}/probe`, { timeoutMs: 15000 });
    expect(reply).toContain(`hello from ${t.ns}`);
    expect(await seen).toBe('GET /probe HTTP/1.1');
  }, 30000);

  httpTest('a node:net client inside the namespace talks to a VPP listener', async () => {
    const t = topology();
    const port = 8080;
    await vpp().cli(`http cli server uri tcp://0.0.0.0/${port}`);
    const listeners = (await vpp().sessions()).filter((s) => s.state === 'LISTEN' && s.local?.port === port);
    expect(listeners.map((s) => s.transport)).toContain('T');
    const out = await t.exec([process.execPath, '-e', `
      const s = require('node:net').connect(${port}, '${t.vppAddr}', () => {
        s.write('GET /show/version HTTP/1.1\\r\\nHost: vpp\\r\\nConnection: close\\r\\n\\r\\n');
      });
      let got = '';
      s.on('data', (d) => { got += d; if (got.includes('</html>')) { console.log(got); process.exit(0); } });
      s.on('end', () => { console.log(got); process.exit(0); });
      s.on('error', (e) => { console.log('error ' + e.code); process.exit(0); });
      setTimeout(() => { console.log('timeout ' + got); process.exit(0); }, 5000);`]);
    expect(out).toMatch(/^HTTP\/1\.1 200/);
    expect(out).toMatch(/vpp v\d+\.\d+/);
  }, 30000);
}

if (nsReason) describeSkipped(NETNS_TITLE, nsReason, () => netnsTests(() => { throw new Error(nsReason); }), 'network-namespace');
else describeVpp(NETNS_TITLE, netnsTests);
