/**
 * Mapping memfd segments: anywhere (native engine) and over a region of a
 * WebAssembly.Memory (WASM engine) where WASM code and the memfd's other
 * mappings see the same bytes; zero pages back on unmap; exact accounting.
 */
import { hostOrSkip, PEEK_POKE_WASM } from './helpers';

const host = hostOrSkip('mapping.test.ts');
const d = host ? describe : describe.skip;
const WASM_PAGE = 65536;

d('memfd mappings', () => {
  test('fdIdentity names the file: stable for one memfd, another for another', () => {
    const h = host!;
    const a = h.testMemfd(h.pageSize), b = h.testMemfd(h.pageSize);
    try {
      expect(h.fdIdentity(a)).toMatch(/^\d+:\d+$/);
      expect(h.fdIdentity(a)).toBe(h.fdIdentity(a));
      expect(h.fdIdentity(a)).not.toBe(h.fdIdentity(b));
      expect(() => h.fdIdentity(1e6)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'fstat' }));
    } finally {
      h.closeFd(a);
      h.closeFd(b);
    }
  });

  test('mapAnywhere twice over one memfd: both mappings share bytes; counts return to baseline', () => {
    const h = host!;
    const fds0 = h.openFdCount(), maps0 = h.mappingCount();
    const fd = h.testMemfd(2 * h.pageSize);
    expect(h.fdSize(fd)).toBe(2 * h.pageSize);
    const a = h.mapAnywhere(fd, 2 * h.pageSize);
    const b = h.mapAnywhere(fd, 2 * h.pageSize);
    expect(a % h.pageSize).toBe(0);
    expect(a).not.toBe(b);
    expect(h.mappingCount()).toBe(maps0 + 2);
    const va = h.view(a, 2 * h.pageSize), vb = h.view(b, 2 * h.pageSize);
    va[h.pageSize + 7] = 0xab;
    expect(vb[h.pageSize + 7]).toBe(0xab);
    vb.fill(0x11, 0, 16);
    expect(Array.from(va.subarray(0, 16))).toEqual(new Array(16).fill(0x11));
    h.unmap(a, 2 * h.pageSize);
    h.unmap(b, 2 * h.pageSize);
    h.closeFd(fd);
    expect(h.mappingCount()).toBe(maps0);
    expect(h.openFdCount()).toBe(fds0);
  });

  test('the fd can be closed once mapped; the mapping stays', () => {
    const h = host!;
    const fd = h.testMemfd(h.pageSize);
    const a = h.mapAnywhere(fd, h.pageSize);
    h.closeFd(fd);
    h.view(a, 4).set([1, 2, 3, 4]);
    expect(Array.from(h.view(a, 4))).toEqual([1, 2, 3, 4]);
    h.unmap(a, h.pageSize);
  });

  test('bad sizes and addresses are EINVAL naming the value; nothing is mapped', () => {
    const h = host!;
    const maps0 = h.mappingCount();
    const fd = h.testMemfd(h.pageSize);
    try {
      expect(() => h.mapAnywhere(fd, 2 * h.pageSize)).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringMatching(/exceeds the fd's \d+ bytes/) }));
      expect(() => h.mapAnywhere(fd, 100)).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringMatching(/size 100/) }));
      expect(() => h.mapAnywhere(fd, 0)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      expect(() => h.mapFixed(h.pageSize + 1, h.pageSize, fd)).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringMatching(/not page aligned/) }));
      expect(() => h.unmapFixed(h.pageSize, 5)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      expect(() => h.mapAnywhere(-1, h.pageSize)).toThrow(expect.objectContaining({ name: 'RangeError' }));
      expect(() => h.mapAnywhere(fd, 2 ** 60)).toThrow(expect.objectContaining({ name: 'RangeError' }));
      expect(() => h.fdSize(1e6)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'fstat' }));
    } finally { h.closeFd(fd); }
    expect(h.mappingCount()).toBe(maps0);
  });
});

d('mapping over WebAssembly.Memory', () => {
  test('wasmBase finds the memory; a memfd mapped over a region is seen by WASM code and by the memfd', () => {
    const h = host!;
    const fds0 = h.openFdCount(), maps0 = h.mappingCount();
    const memory = new WebAssembly.Memory({ initial: 4, maximum: 64 });
    const { load, store } = new WebAssembly.Instance(new WebAssembly.Module(PEEK_POKE_WASM), { env: { memory } })
      .exports as { load(a: number): number; store(a: number, v: number): void };
    const base = h.wasmBase(new Uint8Array(memory.buffer));
    expect(base % h.pageSize).toBe(0);
    expect(h.wasmBase(new Uint8Array(memory.buffer, 100, 8))).toBe(base);   // byteOffset does not matter

    const off = WASM_PAGE, size = WASM_PAGE;  // the memory's second 64 KiB page
    store(off - 1, 0x77);                     // a neighbour that must survive
    const fd = h.testMemfd(size);
    const other = h.mapAnywhere(fd, size);    // "VPP's" view of the segment
    h.view(other, size)[3] = 0x5a;
    h.mapFixed(base + off, size, fd);
    expect(h.mappingCount()).toBe(maps0 + 2);

    expect(load(off + 3)).toBe(0x5a);         // memfd -> WASM
    store(off + 9, 0xc3);
    expect(h.view(other, size)[9]).toBe(0xc3);  // WASM -> memfd
    new Uint8Array(memory.buffer)[off + size - 1] = 0x42;  // JS view of the memory, last byte
    expect(h.view(other, size)[size - 1]).toBe(0x42);
    expect(load(off - 1)).toBe(0x77);

    // The mapping survives memory.grow (V8 reserved the maximum; the base does not move).
    memory.grow(4);
    expect(h.wasmBase(new Uint8Array(memory.buffer))).toBe(base);
    h.view(other, size)[10] = 0x99;
    expect(load(off + 10)).toBe(0x99);

    // unmapFixed: zero pages back; still valid WASM memory, detached from the memfd.
    h.unmapFixed(base + off, size);
    expect(h.mappingCount()).toBe(maps0 + 1);
    expect(load(off + 3)).toBe(0);
    expect(load(off + 9)).toBe(0);
    expect(new Uint8Array(memory.buffer, off, size).every((b) => b === 0)).toBe(true);
    store(off + 3, 1);
    expect(h.view(other, size)[3]).toBe(0x5a);  // the segment kept its bytes
    expect(load(off - 1)).toBe(0x77);

    h.unmap(other, size);
    h.closeFd(fd);
    expect(h.mappingCount()).toBe(maps0);
    expect(h.openFdCount()).toBe(fds0);
  });

  test('wasmBase works for a shared memory too', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
    const base = host!.wasmBase(new Uint8Array(memory.buffer));
    expect(base % host!.pageSize).toBe(0);
    new Uint8Array(memory.buffer)[5] = 9;
    expect(host!.view(base, 8)[5]).toBe(9);
  });
});
