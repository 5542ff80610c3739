/**
 * The native Engine: the core compiled into the addon. Pointers are real
 * addresses; segments are mapped anywhere; send/recv copy in C.
 */
import { loadHost, type Host, type NativeCore } from '../host';
import { ENGINE_DEFAULTS, type CoreApi, type Engine, type EngineOptions } from './types';

/** CoreApi bound to one core: every `host.coreFunctions` entry as a method without the `vn_` prefix. */
function bindCore(host: Host, core: NativeCore): CoreApi {
  const api: Record<string, (...args: number[]) => number> = {};
  for (const name of Object.keys(host.coreFunctions)) {
    const fn = (host as unknown as Record<string, (c: NativeCore, ...a: number[]) => number>)[`vn_${name}`];
    api[name] = fn.bind(null, core);
  }
  return api as unknown as CoreApi;
}

export function createNativeEngine(opts: EngineOptions = {}): Engine {
  const host = loadHost();
  const maxSessions = opts.maxSessions ?? ENGINE_DEFAULTS.maxSessions;
  const eventCap = opts.eventCap ?? ENGINE_DEFAULTS.eventCap;
  const c = host.coreNew(maxSessions, eventCap);
  // Native memory never moves: fetch the views once. After dispose() they are
  // detached (length 0) and every core call throws ESHUTDOWN.
  const scratch = host.coreScratch(c);
  const events = host.coreEvents(c);
  let disposed = false;

  return {
    kind: 'native',
    core: bindCore(host, c),
    scratch: () => scratch,
    events: () => events,
    view: (ptr, len) => host.view(ptr, len),
    allocRegion: (size) => host.regionAlloc(size),
    freeRegion: (ptr) => host.regionFree(ptr),
    mapSegment: (fd, size) => host.mapAnywhere(fd, size),
    unmapSegment: (base, size) => host.unmap(base, size),
    send: (sid, data) => host.coreSend(c, sid, data),
    recv: (sid, max) => host.coreRecv(c, sid, max),
    dgramRecv: (sid, max) => host.coreDgramRecv(c, sid, max),
    dgramSend: (sid, data, isIp4, port) => host.coreDgramSend(c, sid, data, isIp4, port),
    recvInto: (sid, buf) => host.coreRecvInto(c, sid, buf),
    dispose() {
      if (disposed) return;
      disposed = true;
      host.coreFree(c);
    },
  };
}
