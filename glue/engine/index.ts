import type { Engine, EngineKind, EngineOptions } from './types';
import { createWasmEngine } from './wasm';

export type { Engine, EngineKind, EngineOptions, CoreApi } from './types';

/** An engine of the given kind. The WASM engine maps segments through the addon when one is given. */
export function createEngine(kind: EngineKind, opts: EngineOptions = {}): Engine {
  if (kind === 'native') {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return (require('./native') as typeof import('./native')).createNativeEngine(opts);
  }
  if (kind !== 'wasm') throw new TypeError(`vppnet: unknown engine ${JSON.stringify(kind)} (expected 'wasm' or 'native')`);
  let host: import('../host').Host | undefined;
  try {
    host = (require('../host') as typeof import('../host')).loadHost();
  } catch {
    host = undefined; // fixtures and tests without the addon: no segment mapping
  }
  return createWasmEngine(opts, host ?? {});
}
