'use strict';
// Top functions by self time in the .cpuprofile files a `--profile` run writes.
//   node bench/lib/prof.js <dir> [topN]

const fs = require('node:fs');
const path = require('node:path');

function topFunctions(file, topN = 12) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // time deltas attribute each sample's duration to the node sampled
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] || 0;
    const n = byId.get(p.samples[i]);
    const cf = n.callFrame;
    const where = cf.url ? `${path.basename(cf.url)}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    self.set(key, (self.get(key) || 0) + dt);
    total += dt;
  }
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, topN);
  return { total, rows: rows.map(([fn, us]) => ({ fn, ms: us / 1000, pct: (100 * us) / total })) };
}

function summarizeProfiles(dir, topN = 12) {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  const out = [];
  for (const f of files) {
    const t = topFunctions(path.join(dir, f), topN);
    out.push(`\n${f}  (${(t.total / 1e6).toFixed(2)} s sampled)`);
    for (const r of t.rows) out.push(`  ${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(6)} ms  ${r.fn}`);
  }
  return out.join('\n');
}

module.exports = { topFunctions, summarizeProfiles };

if (require.main === module) {
  console.log(summarizeProfiles(process.argv[2], Number(process.argv[3]) || 12));
}
