/**
 * The startup configuration of the VPP that serves an app socket, for `vppnet
 * doctor`: how VPP's main loop sleeps decides what every message between two
 * apps waits in VPP. The session protocol does not say, and no CLI command
 * shows it, so read what VPP read: `vpp -c FILE`, or the stanzas on its
 * command line.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { dirname, basename } from 'node:path';

export interface VppConf { pid: number; source: string; text: string }

/** VPP's config syntax: `name { ... }` stanzas (nested braces), `#` comments to the end of a line. */
export function stanza(text: string, name: string): string | null {
  const src = text.replace(/#[^\n]*/g, '');
  const re = new RegExp(`(^|[\\s}])${name}\\s*\\{`, 'g');
  const m = re.exec(src);
  if (!m) return null;
  let depth = 1;
  const start = m.index + m[0].length;
  for (let i = start; i < src.length; i++) {
    if (src[i] === '{') depth++;
    else if (src[i] === '}' && --depth === 0) return src.slice(start, i);
  }
  return src.slice(start);
}

function vppConfOf(pid: number): VppConf | null {
  let argv: string[];
  try {
    if (basename(readlinkSync(`/proc/${pid}/exe`)) !== 'vpp') return null;
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch { return null; }
  const c = argv.indexOf('-c');
  if (c >= 0 && argv[c + 1]) {
    try { return { pid, source: argv[c + 1], text: readFileSync(argv[c + 1], 'utf8') }; } catch (e) {
      return { pid, source: `${argv[c + 1]} (${(e as NodeJS.ErrnoException).code})`, text: '' };
    }
  }
  return { pid, source: 'its command line', text: argv.slice(1).join(' ') };
}

/**
 * The VPP whose app sockets live where `appSocket` is: VPP puts them in
 * `<runtime-dir>/app_ns_sockets/` (runtime-dir /run/vpp unless its unix
 * stanza says otherwise). With one VPP running, that one.
 */
export function findVppConf(appSocket: string): VppConf | null {
  const confs: VppConf[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const conf = vppConfOf(Number(d));
    if (conf) confs.push(conf);
  }
  const runtimeDir = dirname(dirname(appSocket));
  const named = confs.find((c) => (/\bruntime-dir\s+(\S+)/.exec(stanza(c.text, 'unix') ?? '')?.[1] ?? '/run/vpp') === runtimeDir);
  return named ?? (confs.length === 1 ? confs[0] : null);
}

export interface MainLoop { pollSleepUsec: number; privateRxMqs: boolean; workers: boolean }

export function mainLoopOf(text: string): MainLoop {
  const unix = stanza(text, 'unix') ?? '';
  const cpu = stanza(text, 'cpu') ?? '';
  const session = stanza(text, 'session') ?? '';
  return {
    pollSleepUsec: Number(/\bpoll-sleep-usec\s+(\d+)/.exec(unix)?.[1] ?? 0),
    privateRxMqs: /\buse-private-rx-mqs\b/.test(session),
    workers: /\b(workers\s+[1-9]|corelist-workers)/.test(cpu),
  };
}

/** What VPP's main loop costs each message, and what to change; ok null when the config cannot be read. */
export function mainLoopCheck(appSocket: string): { name: string; ok: boolean | null; detail: string } {
  const name = "VPP's main loop";
  const conf = findVppConf(appSocket);
  if (!conf) return { name, ok: null, detail: 'not known (no running VPP found whose runtime-dir holds this app socket)' };
  if (!conf.text) return { name, ok: null, detail: `not known (cannot read ${conf.source} of VPP pid ${conf.pid})` };
  const m = mainLoopOf(conf.text);
  const where = `VPP pid ${conf.pid}, ${conf.source}`;
  const workers = m.workers ? ' With worker threads the workers carry the sessions; connects and accepts still pass the main loop.' : '';
  if (m.pollSleepUsec > 0) {
    return { name, ok: false, detail: `unix { poll-sleep-usec ${m.pollSleepUsec} } (${where}): VPP sleeps ${m.pollSleepUsec} µs before every poll ` +
      `instead of waiting for the apps' signals, so each message between two apps waits up to that (plus timer slack) in VPP, ` +
      `and VPP wakes ${Math.round(1e6 / m.pollSleepUsec)} times a second when idle. Remove the line: VPP then sleeps in epoll ` +
      `until an app signals it (node bench/run.js --only rr-1 measures both: its [sleep100] rows).${workers}` };
  }
  if (!m.privateRxMqs) {
    return { name, ok: true, detail: `no poll-sleep-usec, no session { use-private-rx-mqs } (${where}): VPP's session node polls, ` +
      `which keeps a core busy: lowest latency, a core's cost.${workers}` };
  }
  return { name, ok: true, detail: `no poll-sleep-usec, session { use-private-rx-mqs } (${where}): VPP sleeps in epoll until an app ` +
    `signals it and polls only while busy.${workers}` };
}
