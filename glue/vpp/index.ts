/**
 * The VPP transport: stacks (one attachment per app socket, engine and scope,
 * made lazily and synchronously on first use), and the handles node's
 * Socket and Server run on over them.
 */
import { createEngine } from '../engine';
import { loadHost } from '../host';
import { stackDefaults, Stack } from './stack';

export { VppStreamHandle } from './stream-handle';
export { VppListenHandle } from './listen-handle';
export { VppDgramHandle } from './dgram-handle';
export { Stack } from './stack';

export interface VppConfig {
  appSocket: string;
  engine: 'wasm' | 'native';
  /** 'both' (default): cut-through to listeners of this namespace, VPP's TCP otherwise; 'global': always TCP. */
  scope?: 'both' | 'global';
}

const stacks = new Map<string, Stack>();

const keyOf = (cfg: VppConfig) => `${cfg.appSocket}\0${cfg.engine}\0${cfg.scope ?? 'both'}`;

/** The stack for this configuration, attaching now if there is none (blocking, bounded by a timeout). */
export function getStack(cfg: VppConfig): Stack {
  return stackFor(keyOf(cfg), { ...cfg, scope: cfg.scope ?? 'both' });
}

/** The stack for this configuration if one is attached and alive (no syscall: the per-connect fast path). */
export function liveStack(cfg: VppConfig): Stack | undefined {
  const have = stacks.get(keyOf(cfg));
  return have && !have.dead ? have : undefined;
}

/**
 * The second attachment that connects of this process to its own listeners
 * take when VPP does not connect an app to itself (VPP 26.06: see
 * Stack.selfConnect). Made on first need, with `stack`'s configuration.
 */
export function selfConnectStack(stack: Stack): Stack {
  const { appSocket, scope } = stack.opts;
  const self = stackFor(`${appSocket}\0${stack.engine.kind}\0${scope}\0self`, { appSocket, engine: stack.engine.kind, scope });
  // its connects race towards the first attachment's listeners (connects.ts)
  stack.connects.paired = self.connects;
  self.connects.paired = stack.connects;
  return self;
}

function stackFor(key: string, cfg: VppConfig & { scope: 'both' | 'global' }): Stack {
  const { scope } = cfg;
  const have = stacks.get(key);
  if (have && !have.dead) return have;
  stacks.delete(key);
  const host = loadHost();
  const engine = cfg.engine === 'native' ? createEngine('native') : createEngine('wasm');
  let stack: Stack;
  try {
    stack = new Stack(host, engine, { ...stackDefaults(), appSocket: cfg.appSocket, scope });
  } catch (e) {
    engine.dispose();
    throw e;
  }
  // a dead stack (VPP gone) is dropped: the next socket attaches afresh
  stack.onDead = () => {
    if (stacks.get(key) === stack) stacks.delete(key);
    setImmediate(() => engine.dispose());
  };
  if (!key.endsWith('\0self')) stack.selfConnectStack = () => selfConnectStack(stack);
  stacks.set(key, stack);
  return stack;
}

/** getStack, with a failure as a reason instead of an exception (what `auto` needs). */
export function tryStack(cfg: VppConfig): { ok: true; stack: Stack } | { ok: false; reason: string } {
  try {
    return { ok: true, stack: getStack(cfg) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, reason: err.code && !err.message.includes(err.code) ? `${err.message} (${err.code})` : err.message };
  }
}

/** Detach every stack of this process (tests, shutdown). */
export function detachAll(): void {
  for (const s of [...stacks.values()]) s.close();
  stacks.clear();
}
