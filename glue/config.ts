/**
 * Transport configuration: per call (options) > configure() > environment > defaults.
 * Read on every decision, so changing process.env or configure() takes effect
 * for the next socket or server.
 */
import { emptyPath, invalidArgType, invalidArgValue, outOfRange } from './errors';

export type Mode = 'auto' | 'vpp' | 'kernel';
export type EngineName = 'wasm' | 'native';
export type Transport = 'vpp' | 'kernel';
/** 'both': cut-through to listeners of the namespace, VPP's TCP otherwise; 'global': always VPP's TCP. */
export type Scope = 'both' | 'global';

export const MODES: readonly Mode[] = ['auto', 'vpp', 'kernel'];
export const ENGINES: readonly EngineName[] = ['wasm', 'native'];
export const SCOPES: readonly Scope[] = ['both', 'global'];
export const DEFAULT_APP_SOCKET = '/run/vpp/app_ns_sockets/default';

/** The options vppnet adds to createServer/connect/new Socket. */
export interface VppnetOptions {
  mode?: Mode;
  appSocket?: string;
  engine?: EngineName;
  scope?: Scope;
  /** µs a VPP socket polls its fifos while waiting, after its last byte moved; 0 (default) waits for VPP's events. */
  busyPoll?: number;
}

export interface Config {
  mode: Mode;
  appSocket: string;
  engine: EngineName;
  scope: Scope;
  busyPoll: number;
}

/** The keys vppnet adds to node's options. */
const KEYS = ['mode', 'appSocket', 'engine', 'scope', 'busyPoll'] as const;
/** A second of polling is already far past any useful window. */
const BUSY_POLL_MAX = 1_000_000;

const overrides: VppnetOptions = {};

function checkMode(v: unknown, name: string): Mode {
  if (!MODES.includes(v as Mode)) throw invalidArgValue(name, v, MODES);
  return v as Mode;
}
function checkEngine(v: unknown, name: string): EngineName {
  if (!ENGINES.includes(v as EngineName)) throw invalidArgValue(name, v, ENGINES);
  return v as EngineName;
}
function checkScope(v: unknown, name: string): Scope {
  if (!SCOPES.includes(v as Scope)) throw invalidArgValue(name, v, SCOPES);
  return v as Scope;
}
function checkBusyPoll(v: unknown, name: string): number {
  if (typeof v !== 'number') throw invalidArgType(name, 'number', v);
  if (!Number.isInteger(v) || v < 0 || v > BUSY_POLL_MAX) {
    throw outOfRange(name, `an integer >= 0 and <= ${BUSY_POLL_MAX}`, v);
  }
  return v;
}
function checkAppSocket(v: unknown, name: string): string {
  if (typeof v !== 'string') throw invalidArgType(name, 'string', v);
  if (v === '') throw emptyPath(name);
  return v;
}

/** Validate only the vppnet keys present in `o` (undefined means "not set"). */
export function validateOptions(o: VppnetOptions | undefined, prefix = 'options.'): void {
  if (o === null || typeof o !== 'object') return;
  if (o.mode !== undefined) checkMode(o.mode, prefix + 'mode');
  if (o.engine !== undefined) checkEngine(o.engine, prefix + 'engine');
  if (o.appSocket !== undefined) checkAppSocket(o.appSocket, prefix + 'appSocket');
  if (o.scope !== undefined) checkScope(o.scope, prefix + 'scope');
  if (o.busyPoll !== undefined) checkBusyPoll(o.busyPoll, prefix + 'busyPoll');
}

/**
 * Set process-wide defaults. A key given as undefined goes back to the
 * environment/default. Returns the configuration now in effect.
 */
export function configure(o: VppnetOptions = {}): Config {
  if (o === null || typeof o !== 'object') throw invalidArgType('options', 'object', o);
  validateOptions(o, '');
  for (const k of KEYS) {
    if (k in o) {
      if (o[k] === undefined) delete overrides[k];
      else (overrides as Record<string, unknown>)[k] = o[k];
    }
  }
  return resolve();
}

function fromEnv(): VppnetOptions {
  const e = process.env;
  const out: VppnetOptions = {};
  if (e.VPPNET_MODE) out.mode = checkMode(e.VPPNET_MODE, 'VPPNET_MODE');
  if (e.VPPNET_ENGINE) out.engine = checkEngine(e.VPPNET_ENGINE, 'VPPNET_ENGINE');
  if (e.VPPNET_APP_SOCKET) out.appSocket = e.VPPNET_APP_SOCKET;
  if (e.VPPNET_SCOPE) out.scope = checkScope(e.VPPNET_SCOPE, 'VPPNET_SCOPE');
  if (e.VPPNET_BUSY_POLL) out.busyPoll = checkBusyPoll(/^\d+$/.test(e.VPPNET_BUSY_POLL) ? Number(e.VPPNET_BUSY_POLL) : e.VPPNET_BUSY_POLL, 'VPPNET_BUSY_POLL');
  return out;
}

/** The configuration for one socket/server: options > configure() > env > defaults. */
export function resolve(o?: VppnetOptions | null): Config {
  if (o !== undefined && o !== null) validateOptions(o);
  const env = fromEnv();
  const pick = <K extends keyof VppnetOptions>(k: K): VppnetOptions[K] =>
    (o && o[k] !== undefined ? o[k] : undefined) ?? overrides[k] ?? env[k];
  return {
    mode: pick('mode') ?? 'auto',
    appSocket: pick('appSocket') ?? DEFAULT_APP_SOCKET,
    engine: pick('engine') ?? 'wasm',
    scope: pick('scope') ?? 'both',
    busyPoll: pick('busyPoll') ?? 0,
  };
}

/** vppnet's own keys of `o` (validated), or undefined when it has none. */
export function vppnetOptionsOf(o: unknown, prefix = 'options.'): VppnetOptions | undefined {
  if (o === null || typeof o !== 'object') return undefined;
  const x = o as Record<string, unknown>;
  if (!KEYS.some((k) => x[k] !== undefined)) return undefined;
  validateOptions(x as VppnetOptions, prefix);
  const out: Record<string, unknown> = {};
  for (const k of KEYS) if (x[k] !== undefined) out[k] = x[k];
  return out as VppnetOptions;
}
