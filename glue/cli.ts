#!/usr/bin/env node
/**
 * `vppnet doctor [--mode M] [--app-socket PATH] [--engine E] [--scope S] [--json]`:
 * what `auto` (or the given mode) would choose here, and why, step by step.
 */
import { existsSync, statSync, accessSync, constants as fsc } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { resolve, type VppnetOptions, MODES, ENGINES, SCOPES } from './config';
import { appSocketProblem, reachVpp } from './transport';
import { liveProcesses, statusDir, type ProcessStatus } from './activity';
import { mainLoopCheck } from './vpp-conf';

interface Check { name: string; ok: boolean | null; detail: string }

function parseArgs(argv: string[]): { cmd?: string; opts: VppnetOptions; json: boolean } {
  const opts: VppnetOptions = {};
  let cmd: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--mode') opts.mode = val() as VppnetOptions['mode'];
    else if (a === '--app-socket') opts.appSocket = val();
    else if (a === '--engine') opts.engine = val() as VppnetOptions['engine'];
    else if (a === '--scope') opts.scope = val() as VppnetOptions['scope'];
    else if (a === '--json') json = true;
    else if (a === '-h' || a === '--help') usage();
    else if (!cmd) cmd = a;
    else usage(`unexpected argument '${a}'`);
  }
  return { cmd, opts, json };
}

function usage(msg?: string): never {
  if (msg) process.stderr.write(`vppnet: ${msg}\n`);
  process.stderr.write(`usage: vppnet doctor [--mode ${MODES.join('|')}] [--app-socket PATH] [--engine ${ENGINES.join('|')}] [--scope ${SCOPES.join('|')}] [--json]\n` +
    `  Explains which transport vppnet would use here and why.\n` +
    `  Environment: VPPNET_MODE, VPPNET_APP_SOCKET, VPPNET_ENGINE, VPPNET_SCOPE, NODE_DEBUG=vppnet\n`);
  process.exit(msg ? 2 : 0);
}

function socketChecks(path: string): Check[] {
  const checks: Check[] = [];
  const exists = existsSync(path);
  checks.push({ name: 'app socket exists', ok: exists, detail: path });
  if (!exists) {
    const dir = join(path, '..');
    checks.push({ name: 'its directory exists', ok: existsSync(dir), detail: dir });
    return checks;
  }
  const st = statSync(path);
  checks.push({ name: 'is a unix socket', ok: st.isSocket(), detail: st.isSocket() ? 'yes' : 'not a socket' });
  let writable = true;
  let why = `mode ${(st.mode & 0o777).toString(8)}, owner ${st.uid}:${st.gid}; we are ${process.getuid?.()}:${process.getgid?.()}`;
  try { accessSync(path, fsc.W_OK); } catch (e) { writable = false; why += ` (${(e as NodeJS.ErrnoException).code})`; }
  checks.push({ name: 'we may connect (write permission)', ok: writable, detail: why });
  return checks;
}

function engineChecks(): Check[] {
  const root = join(__dirname, '..', '..');
  const wasm = join(root, 'wasm', 'build', 'vppnet_core.wasm');
  const addon = join(root, 'host', 'build', 'Release', 'vppnet_host.node');
  return [
    { name: 'wasm core built', ok: existsSync(wasm), detail: wasm },
    { name: 'native addon built', ok: existsSync(addon), detail: addon },
  ];
}

/** A VPP program (vpp, vppctl) from $VPP_PREFIX/bin, /opt/vpp/bin or /usr/bin, the first that exists. */
function vppProgram(name: string): string | null {
  for (const dir of [process.env.VPP_PREFIX && join(process.env.VPP_PREFIX, 'bin'), '/opt/vpp/bin', '/usr/bin']) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** VPP releases whose session protocol vppnet speaks (the real-VPP suites run against each). */
export const SUPPORTED_VPP = ['26.06', '26.10'];

/**
 * Which VPP serves this app socket. The session protocol carries no version,
 * so ask VPP's CLI: its socket beside the app socket's directory (a private
 * VPP's run dir) or VPP's default, through the vppctl of $VPP_PREFIX,
 * /opt/vpp, or PATH.
 */
export function vppVersion(appSocket: string): Check {
  const clis = [process.env.VPP_CLI_SOCKET, join(dirname(dirname(appSocket)), 'cli.sock'), '/run/vpp/cli.sock']
    .filter((p): p is string => !!p && existsSync(p));
  const vppctl = vppProgram('vppctl');
  if (!clis.length || !vppctl) {
    return { name: 'VPP version', ok: null, detail: `not known (${!clis.length ? 'no VPP CLI socket found' : 'no vppctl found'}; the session protocol carries no version)` };
  }
  for (const cli of clis) {
    try {
      const out = execFileSync(vppctl, ['-s', cli, 'show version'], { encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'] });
      const m = /vpp v(\d+\.\d+)(\S*)/.exec(out);
      if (!m) continue;
      const ok = SUPPORTED_VPP.includes(m[1]);
      return { name: 'VPP version', ok, detail: `v${m[1]}${m[2]} (${cli}): ${ok ? 'supported' : `not one vppnet was tested with (${SUPPORTED_VPP.join(', ')})`}` };
    } catch { /* try the next socket */ }
  }
  return { name: 'VPP version', ok: null, detail: `not known (VPP's CLI did not answer at ${clis.join(', ')})` };
}

export function doctor(opts: VppnetOptions): { config: ReturnType<typeof resolve>; checks: Check[]; choice: string; reason: string;
  processes: ProcessStatus[] } {
  const config = resolve(opts);
  const checks = [...socketChecks(config.appSocket), ...engineChecks()];
  let choice: string;
  let reason: string;
  if (config.mode === 'kernel') {
    choice = 'kernel';
    reason = "mode is 'kernel'";
  } else {
    const problem = appSocketProblem(config.appSocket);
    const r = problem ? { ok: false as const, reason: problem } : reachVpp(config);
    checks.push({ name: `attach (${config.engine} engine)`, ok: problem ? null : r.ok,
      detail: problem ? 'not tried' : r.ok ? 'attached' : String(r.reason) });
    if (!problem) checks.push(vppVersion(config.appSocket), mainLoopCheck(config.appSocket));
    if (r.ok) { choice = 'vpp'; reason = `attached to ${config.appSocket}`; }
    else if (config.mode === 'vpp') { choice = 'error ERR_VPPNET_UNAVAILABLE'; reason = String(r.reason); }
    else { choice = 'kernel'; reason = String(r.reason); }
  }
  return { config, checks, choice, reason, processes: liveProcesses() };
}

/** Processes of this user in register mode, and what their last sockets chose. */
function processLines(ps: ProcessStatus[]): string[] {
  if (!ps.length) return ['', `register mode: no process of this user runs with vppnet/register (${statusDir()})`];
  const out = ['', `register mode: active in ${ps.length} process${ps.length > 1 ? 'es' : ''}`];
  for (const p of ps) {
    out.push(`  pid ${p.pid} since ${p.since}: ${p.argv.join(' ')}`);
    for (const d of p.decisions.slice(-5)) out.push(`    ${d.what} ${d.endpoint} -> ${d.transport} (${d.reason})`);
    if (!p.decisions.length) out.push('    no socket or server bound yet');
  }
  return out;
}

function main(): void {
  const { cmd, opts, json } = parseArgs(process.argv.slice(2));
  if (cmd !== 'doctor') usage(cmd ? `unknown command '${cmd}'` : 'missing command');
  let report;
  try {
    report = doctor(opts);
  } catch (e) {
    usage((e as Error).message);
  }
  if (json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  const { config, checks, choice, reason, processes } = report;
  const mark = (ok: boolean | null): string => (ok === null ? '[-]' : ok ? '[ok]' : '[!!]');
  const out = [
    'vppnet doctor',
    `  mode       ${config.mode}`,
    `  engine     ${config.engine}`,
    `  appSocket  ${config.appSocket}`,
    `  scope      ${config.scope}`,
    '',
    ...checks.map((c) => `  ${mark(c.ok).padEnd(5)}${c.name}: ${c.detail}`),
    '',
    `=> ${config.mode} would use: ${choice} (${reason})`,
    ...processLines(processes),
  ];
  const bin = vppProgram('vpp');
  if (choice !== 'vpp' && config.mode !== 'kernel') {
    out.push(bin
      ? `   VPP is installed at ${bin}: start it with a session layer and app socket (see README "Pointing vppnet at a VPP").`
      : '   No VPP installation found (looked in $VPP_PREFIX/bin, /opt/vpp/bin, /usr/bin).');
  }
  process.stdout.write(out.join('\n') + '\n');
}

if (require.main === module) main();
