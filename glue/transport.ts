/**
 * Which transport a new socket or server gets, and why. The only importer of
 * the VPP transport (./vpp). Rules:
 *  - IPC (path, fd, handle) always uses the kernel;
 *  - `kernel`: the kernel;
 *  - `vpp`: VPP or ERR_VPPNET_UNAVAILABLE with the reason — never a silent fallback;
 *  - `auto`: VPP when its app socket is there and attaching works, else the kernel (reason kept).
 */
import { accessSync, constants as fsc, statSync } from 'node:fs';
import * as vpp from './vpp';
import { debug } from './debug';
import type { Config, Transport } from './config';

export type Decision =
  | { transport: 'vpp'; stack: unknown; reason: string }
  | { transport: 'kernel'; reason: string }
  | { transport: 'unavailable'; reason: string };

/** Failed attaches are remembered this long so `auto` does not block on every connect. */
const FAILURE_TTL_MS = 1000;
const failures = new Map<string, { reason: string; until: number }>();

/** Why `path` cannot be VPP's app socket, or null if it looks usable. Cheap: no connect. */
export function appSocketProblem(path: string): string | null {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `no VPP app socket at ${path}`;
    return `cannot stat VPP app socket ${path} (${code})`;
  }
  if (!st.isSocket()) return `${path} is not a socket`;
  try {
    accessSync(path, fsc.W_OK);
  } catch (e) {
    return `no permission to connect to ${path} (${(e as NodeJS.ErrnoException).code})`;
  }
  return null;
}

/** Try to reach VPP for this configuration (attaches on first success; cached by ./vpp). */
export function reachVpp(cfg: Config): { ok: true; stack: unknown } | { ok: false; reason: string } {
  // attached: the attachment is what counts, not the socket file (a VPP that died took the stack with it)
  const live = vpp.liveStack(cfg);
  if (live) return { ok: true, stack: live };
  const problem = appSocketProblem(cfg.appSocket);
  if (problem) return { ok: false, reason: problem };
  const key = `${cfg.appSocket}\0${cfg.engine}\0${cfg.scope}`;
  const failed = failures.get(key);
  if (failed && failed.until > Date.now()) return { ok: false, reason: failed.reason };
  let r: ReturnType<typeof vpp.tryStack>;
  try {
    r = vpp.tryStack({ appSocket: cfg.appSocket, engine: cfg.engine, scope: cfg.scope });
  } catch (e) {
    r = { ok: false, reason: `attach threw: ${(e as Error).message}` };
  }
  if (r.ok) failures.delete(key);
  else failures.set(key, { reason: r.reason, until: Date.now() + FAILURE_TTL_MS });
  return r;
}

/** Forget remembered attach failures (e.g. after starting VPP). */
export function forgetFailures(): void {
  failures.clear();
}

/** Decide for one socket/server. `ipc` is true for path/fd/handle endpoints. */
export function decide(cfg: Config, what: string, ipc = false): Decision {
  let d: Decision;
  if (ipc) {
    d = { transport: 'kernel', reason: 'IPC endpoints always use the kernel' };
  } else if (cfg.mode === 'kernel') {
    d = { transport: 'kernel', reason: "mode is 'kernel'" };
  } else {
    const r = reachVpp(cfg);
    if (r.ok) d = { transport: 'vpp', stack: r.stack, reason: `attached to ${cfg.appSocket} (${cfg.engine})` };
    else if (cfg.mode === 'vpp') d = { transport: 'unavailable', reason: r.reason };
    else d = { transport: 'kernel', reason: r.reason };
  }
  debug('%s: mode=%s -> %s (%s)', what, cfg.mode, d.transport, d.reason);
  return d;
}

export type { Transport };
