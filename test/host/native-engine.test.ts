/**
 * The native Engine over the addon, and the addon loader. Deeper protocol
 * behaviour of the core runs for both engines in test/core; here: the binding
 * itself (wrappers generated from one table, zero-copy views, lifetime).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { hostCandidates, loadHostFrom, packageRoot } from '../../glue/host';
import type { CoreApi } from '../../glue/engine/types';
import { CORE_TABLE } from '../../glue/engine/boundary.generated';
import { hostOrSkip, ROOT } from './helpers';

const host = hostOrSkip('native-engine.test.ts');
const d = host ? describe : describe.skip;
// eslint-disable-next-line @typescript-eslint/no-var-requires
const native = () => require('../../glue/engine/native') as typeof import('../../glue/engine/native');

describe('loader', () => {
  test('the package root is found from glue/ sources and from dist/cjs/ alike', () => {
    expect(packageRoot(path.join(ROOT, 'glue'))).toBe(ROOT);
    expect(packageRoot(path.join(ROOT, 'dist/cjs/engine'))).toBe(ROOT);
    expect(hostCandidates(ROOT)).toEqual([
      path.join(ROOT, 'host/build/Release/vppnet_host.node'),
      path.join(ROOT, 'host/build/Debug/vppnet_host.node'),
      path.join(ROOT, `prebuilds/linux-${process.arch}-glibc/vppnet_host.node`),   // the package's prebuilt one
    ]);
  });

  test('a failed load lists every path tried and says run "make addon"', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vppnet-loader-'));
    const broken = path.join(dir, 'broken.node');
    fs.writeFileSync(broken, 'not an ELF file');
    const missing = path.join(dir, 'missing.node');
    try {
      let err: (Error & { code?: string }) | undefined;
      try { loadHostFrom([missing, broken]); } catch (e) { err = e as Error; }
      expect(err?.code).toBe('ERR_VPPNET_NO_ADDON');
      expect(err?.message).toContain(`${missing} (not found)`);
      expect(err?.message).toContain(broken);
      expect(err?.message).toContain('run "make addon"');
    } finally { fs.rmSync(dir, { recursive: true }); }
  });
});

d('addon core table', () => {
  test('one vn_* wrapper per CoreApi method, arities from the C prototypes', () => {
    const h = host!;
    const api = Object.fromEntries(Object.entries(CORE_TABLE).map(([name, f]) => [name, f.arity]));
    expect(h.coreFunctions).toEqual(api);
    for (const name of Object.keys(api)) expect(typeof (h as any)[`vn_${name}`]).toBe('function');
  });

  test('wrappers check the core argument and their numbers', () => {
    const h = host!;
    expect(() => (h.vn_poll as any)({})).toThrow(expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(/vn_poll: first argument must be a core/) }));
    const core = h.coreNew(4, 4);
    try {
      expect(() => (h.vn_listen as any)(core, 1)).toThrow(expect.objectContaining({ name: 'TypeError', message: expect.stringMatching(/vn_listen: argument 2/) }));
      expect(() => (h.vn_segment_base as any)(core, 'x')).toThrow(expect.objectContaining({ name: 'TypeError' }));
    } finally { h.coreFree(core); }
    expect(() => h.vn_poll(core)).toThrow(expect.objectContaining({ code: 'ESHUTDOWN', message: expect.stringMatching(/freed/) }));
  });
});

d('native engine', () => {
  test('views are the core\'s own memory, cached, and detach on dispose', () => {
    const eng = native().createNativeEngine({ maxSessions: 8, eventCap: 16 });
    expect(eng.kind).toBe('native');
    const s = eng.scratch();
    expect(Object.prototype.toString.call(s)).toBe('[object Uint8Array]');
    expect(s.length).toBe(512);
    expect(eng.scratch()).toBe(s);
    expect(eng.events().length).toBe(16 * 8);
    expect(eng.events()).toBe(eng.events());
    // The scratch view is zero-copy: what the core writes appears without re-fetching.
    const n = eng.core.attach_encode(4242, 7, 0xe3, 2048, 1 << 20, 1 << 20, 1 << 16, 1 << 16);
    expect(n).toBe(209);
    expect(s[0]).toBe(1);                    // ATTACH
    expect(Buffer.from(s.subarray(1, 1 + 13)).toString('latin1')).toBe('vppnet-4242-7');
    eng.dispose();
    expect(s.length).toBe(0);
    expect(() => eng.core.poll()).toThrow(expect.objectContaining({ code: 'ESHUTDOWN' }));
    expect(() => eng.send(0, new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'ESHUTDOWN' }));
    eng.dispose();                            // twice is fine
  });

  test('core has exactly the CoreApi methods', () => {
    const eng = native().createNativeEngine();
    try {
      const names: Array<keyof CoreApi> = Object.keys(host!.coreFunctions) as any;
      expect(Object.keys(eng.core).sort()).toEqual([...names].sort());
      expect(typeof eng.core.poll()).toBe('number');   // not attached: the core's answer, passed through
    } finally { eng.dispose(); }
  });

  test('send/recv on a session that does not exist give negative numbers, not exceptions', () => {
    const eng = native().createNativeEngine({ maxSessions: 4 });
    try {
      const r = eng.recv(3, 100);
      expect(typeof r).toBe('number');
      expect(r as number).toBeLessThan(0);
      expect(eng.send(3, new Uint8Array(10))).toBeLessThan(0);
      expect(() => eng.send(3, 'x' as any)).toThrow(expect.objectContaining({ name: 'TypeError' }));
    } finally { eng.dispose(); }
  });

  test('regions: page aligned, writable through view(); segments map and unmap', () => {
    const h = host!;
    const eng = native().createNativeEngine();
    const maps0 = h.mappingCount(), fds0 = h.openFdCount();
    try {
      const r = eng.allocRegion(3 * 4096 + 1);
      expect(r % 4096).toBe(0);
      const v = eng.view(r, 4 * 4096);
      v.fill(0xee);
      expect(eng.view(r + 4096, 1)[0]).toBe(0xee);
      eng.freeRegion(r);

      const fd = h.testMemfd(1 << 20);
      const base = eng.mapSegment(fd, 1 << 20);
      h.closeFd(fd);
      expect(h.mappingCount()).toBe(maps0 + 1);
      eng.view(base, 1 << 20)[(1 << 20) - 1] = 1;
      eng.unmapSegment(base, 1 << 20);
      expect(h.mappingCount()).toBe(maps0);
      expect(h.openFdCount()).toBe(fds0);
    } finally { eng.dispose(); }
  });
});
