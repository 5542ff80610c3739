// Kernel-interop topology for real-VPP tests: a private network namespace
// joined to VPP by a veth pair.
//
//   netns <ns>                         root namespace            VPP
//   <nsIf> 198.18.N.1/24  <== veth ==>  <hostIf> (no address) --af_packet--> host-<hostIf> 198.18.N.2/24
//
// Addresses come from 198.18.0.0/15, the range reserved for benchmarking
// (RFC 2544), never routed anywhere. Only the namespace's end and VPP carry
// them; the root-namespace end of the veth has no IP address and IPv6 is
// disabled on it, so the host's routing table never changes and nothing can
// leave the machine. N is picked per topology so parallel tests do not share
// a subnet (they could not collide anyway: each lives in its own ns and VPP).
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type { VppInstance } from './harness';

const NS_PREFIX = 'vppnet-';
let counter = 0;

function ip(args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', timeout: 10000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw Object.assign(new Error(`ip ${args.join(' ')}: ${(e.stderr || e.message).trim()}`), { code: 'ERR_NETNS' });
  }
}

function ipQuiet(args: string[]): void {
  try { ip(args); } catch { /* already gone */ }
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as { code?: string }).code === 'EPERM'; }
}

/**
 * Remove namespaces named vppnet-<pid>-<n> whose creating process is dead
 * (a killed test run). Deleting a namespace also deletes its veth pair.
 */
export function reapStaleNetns(): number {
  let reaped = 0;
  let list = '';
  try { list = ip(['netns', 'list']); } catch { return 0; }
  for (const line of list.split('\n')) {
    const m = /^(vppnet-(\d+)-\d+)\b/.exec(line);
    if (!m || Number(m[2]) === process.pid || pidAlive(Number(m[2]))) continue;
    ipQuiet(['netns', 'del', m[1]]);
    reaped++;
  }
  return reaped;
}

let probed: string | null | undefined;

/** Why namespaces cannot be used here (not root, no `ip`, …), or null. Cached. */
export function netnsSkipReason(): string | null {
  if (probed !== undefined) return probed;
  const name = `${NS_PREFIX}${process.pid}-probe`;
  try {
    ip(['netns', 'add', name]);
    ip(['netns', 'del', name]);
    probed = null;
  } catch (err) {
    probed = `cannot create network namespaces (${(err as Error).message.split('\n')[0]})`;
  }
  return probed;
}

export interface NetnsTopology {
  /** Namespace name, vppnet-<pid>-<n>. */
  readonly ns: string;
  /** veth end in the root namespace, taken by VPP via af_packet. */
  readonly hostIf: string;
  /** veth end inside the namespace. */
  readonly nsIf: string;
  /** VPP's interface name: host-<hostIf>. */
  readonly vppIf: string;
  /** Kernel address inside the namespace, 198.18.N.1. */
  readonly nsAddr: string;
  /** VPP's address on vppIf, 198.18.N.2 (FIB table 0, app namespace 'default'). */
  readonly vppAddr: string;
  readonly prefixLen: number;
  /** Spawn argv inside the namespace (tracked; killed by teardown). */
  spawn(argv: string[]): ChildProcess;
  /** Run argv inside the namespace to completion; resolves with stdout. */
  exec(argv: string[], opts?: { timeoutMs?: number }): Promise<string>;
  /**
   * Run a node script inside the namespace and resolve once it prints a line
   * starting with `ready` (the rest of the line is returned). Killed by teardown.
   */
  startNode(script: string, opts?: { timeoutMs?: number }): Promise<{ child: ChildProcess; ready: string }>;
  teardown(): Promise<void>;
}

/** Create a namespace + veth pair and give VPP the root end. */
export async function createNetnsTopology(vpp: VppInstance): Promise<NetnsTopology> {
  reapStaleNetns();
  const n = ++counter;
  const tag = `${process.pid}-${n}`;
  const ns = `${NS_PREFIX}${tag}`;
  // interface names: at most 15 chars ('vn' + 7-digit pid + 'h' + n)
  const hostIf = `vn${process.pid}h${n}`.slice(0, 15);
  const nsIf = `vn${process.pid}n${n}`.slice(0, 15);
  const subnet = 1 + ((process.pid * 7 + n) % 254);
  const nsAddr = `198.18.${subnet}.1`;
  const vppAddr = `198.18.${subnet}.2`;
  const vppIf = `host-${hostIf}`;
  const children = new Set<ChildProcess>();
  let vppHasIf = false;

  const teardown = async (): Promise<void> => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    children.clear();
    if (vppHasIf && vpp.alive()) await vpp.cli(`delete host-interface name ${hostIf}`).catch(() => {});
    ipQuiet(['link', 'del', hostIf]);
    ipQuiet(['netns', 'del', ns]);
  };

  try {
    ip(['netns', 'add', ns]);
    ip(['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', ns]);
    try { fs.writeFileSync(`/proc/sys/net/ipv6/conf/${hostIf}/disable_ipv6`, '1'); } catch { /* no IPv6 */ }
    ip(['-n', ns, 'addr', 'add', `${nsAddr}/24`, 'dev', nsIf]);
    ip(['-n', ns, 'link', 'set', nsIf, 'up']);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    ip(['link', 'set', hostIf, 'up']);
    const created = await vpp.cli(`create host-interface name ${hostIf}`);
    if (created !== vppIf) throw Object.assign(new Error(`create host-interface name ${hostIf}: ${created}`), { code: 'ERR_VPP_CLI' });
    vppHasIf = true;
    await vpp.configure(`set interface state ${vppIf} up`);
    await vpp.configure(`set interface ip address ${vppIf} ${vppAddr}/24`);
  } catch (err) {
    await teardown();
    throw err;
  }

  const spawnInNs = (argv: string[]): ChildProcess => {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };

  return {
    ns, hostIf, nsIf, vppIf, nsAddr, vppAddr, prefixLen: 24,
    spawn: spawnInNs,
    exec(argv, { timeoutMs = 10000 } = {}) {
      return new Promise((resolve, reject) => {
        execFile('ip', ['netns', 'exec', ns, ...argv], { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
          if (err) reject(Object.assign(new Error(`in ${ns}: ${argv.join(' ')}: ${err.message} ${stderr}`), { code: 'ERR_NETNS' }));
          else resolve(String(stdout));
        });
      });
    },
    startNode(script, { timeoutMs = 10000 } = {}) {
      const child = spawnInNs([process.execPath, '-e', script]);
      return new Promise((resolve, reject) => {
        let out = '';
        let err = '';
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(Object.assign(new Error(`node in ${ns} not ready after ${timeoutMs} ms: ${out}${err}`), { code: 'ERR_NETNS' }));
        }, timeoutMs);
        child.stderr!.on('data', (d) => { err += d; });
        child.stdout!.on('data', (d) => {
          out += d;
          const m = /^ready(.*)$/m.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve({ child, ready: m[1].trim() });
          }
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(Object.assign(new Error(`node in ${ns} exited (${code ?? signal}) before ready: ${out}${err}`), { code: 'ERR_NETNS' }));
        });
      });
    },
    teardown,
  };
}
