/**
 * Fifo microbenchmark: enqueue + dequeue throughput of the core, driven from
 * JS the way the glue drives it (engine.send, then engine.recv), on a fixture
 * session whose rx and tx fifo are the same fifo (so every byte goes in and
 * comes out through the real chunk list, freelists included).
 *
 *   node bench/ts-run.js bench/core-fifo.ts [--runs 5] [--mib 256]
 */
import { EngineKind, Engine } from '../glue/engine/types';
import { FakeVpp, Fifo, engineUnavailable, newEngine, pattern, EV, ofType } from '../test/core/fixtures';

const arg = (k: string, d: number) => { const i = process.argv.indexOf(k); return i > 0 ? Number(process.argv[i + 1]) : d; };
const RUNS = arg('--runs', 5), MIB = arg('--mib', 256);
const SIZES = [64, 1024, 65536];

function loopbackSession(eng: Engine) {
  const w = new FakeVpp(eng, { appSegSize: 32 << 20 });
  w.attach();
  const l = w.listen();
  const f = Fifo.create(w.app, { size: 4 << 20, chunks: [1 << 20], minAlloc: 1 << 20 });
  w.accepted({ listener: l.handle, rx: f, tx: f });
  const e = ofType(w.pollAll(), EV.ACCEPTED);
  if (!e.length) throw new Error('fixture session not accepted');
  return { sid: e[0][1], w };
}

function once(eng: Engine, sid: number, size: number, w: FakeVpp): number {
  const buf = Buffer.from(pattern(size));
  const total = Math.max(size, Math.floor((MIB << 20) / (size < 1024 ? 16 : 1)));
  const iters = Math.floor(total / size);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) {
    const n = eng.send(sid, buf);
    if (n !== size) throw new Error(`send ${size} -> ${n}`);
    const r = eng.recv(sid, size);
    if (!r || typeof r === 'number' || r.length !== size) throw new Error(`recv -> ${r}`);
    if ((i & 1023) === 0) w.ctrlMq.drain();          // VPP consumes the TX events
  }
  const ns = Number(process.hrtime.bigint() - t0);
  return (iters * size) / ns;                       // bytes per ns = GB/s
}

async function main() {
  const res: Record<string, Record<number, number | string>> = {};
  for (const kind of ['wasm', 'native'] as EngineKind[]) {
    res[kind] = {};
    const why = engineUnavailable(kind);
    if (why) { for (const s of SIZES) res[kind][s] = `skipped: ${why}`; continue; }
    const eng = await newEngine(kind, { maxSessions: 16, eventCap: 64 });
    const { sid, w } = loopbackSession(eng);
    for (const s of SIZES) {
      once(eng, sid, s, w);                                        // warm-up
      const r = Array.from({ length: RUNS }, () => once(eng, sid, s, w)).sort((a, b) => a - b);
      res[kind][s] = r[Math.floor(r.length / 2)];
    }
    eng.dispose();
  }
  const fmt = (v: number | string) => (typeof v === 'number' ? v.toFixed(2) : '—');
  console.log(`core fifo send+recv, median of ${RUNS} runs (GB/s = bytes enqueued and dequeued per ns)`);
  console.log('| write size | wasm GB/s | native GB/s | wasm/native |');
  console.log('|---:|---:|---:|---:|');
  for (const s of SIZES) {
    const a = res.wasm[s], b = res.native[s];
    const ratio = typeof a === 'number' && typeof b === 'number' ? (a / b).toFixed(2) : '—';
    console.log(`| ${s >= 1024 ? `${s / 1024} KiB` : `${s} B`} | ${fmt(a)} | ${fmt(b)} | ${ratio} |`);
  }
  for (const k of ['wasm', 'native']) if (typeof res[k][64] === 'string') console.log(`${k}: ${res[k][64]}`);
}
main().catch((e) => { console.error(e); process.exit(1); });
