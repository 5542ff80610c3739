'use strict';
// Hand-written SVG charts for a bench result: throughput bars, connection and
// HTTP rates, and latency CDFs. No dependencies; plain SVG 1.1 that browsers
// and ImageMagick render the same.

const fs = require('node:fs');
const { fmt } = require('./stats');

const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';
const COLORS = {
  kernel: '#6b6b6b', iperf3: '#b0b0b0',
  'ct-wasm': '#4c8bf5', 'ct-native': '#1a4fb4',
  'ct-wasm-poll': '#9b59d0', 'ct-native-poll': '#5e2a8c',
  'tcp-wasm': '#f5a142', 'tcp-native': '#c4620f',
  'tcp-wasm-poll': '#e05a7a', 'tcp-native-poll': '#9c2343',
  'vperf-ct': '#3aa655', 'vperf-tcp': '#1e6b33',
  // C references for rr and conn: light grey on the kernel (like iperf3), greens over VCL (like vperf)
  'c-kernel': '#b0b0b0', 'c-ldp-ct': '#3aa655', 'c-ldp-tcp': '#1e6b33',
};
const baseId = (id) => id.split('@')[0];
const color = (id) => COLORS[baseId(id)] || '#888';
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function svgDoc(w, h, body) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${FONT} font-size="12">
<rect width="100%" height="100%" fill="#ffffff"/>
${body}
</svg>
`;
}

function niceMax(v) {
  if (!(v > 0)) return 1;
  const e = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * e >= v) return m * e;
  return 10 * e;
}

/** Horizontal bars in groups; each group has its own linear scale (units differ). */
function hbars({ title, subtitle, groups }) {
  const W = 960, LABEL = 300, BAR = 500, ROW = 20, GAP = 18, TOP = subtitle ? 62 : 44;
  let y = TOP;
  const parts = [`<text x="16" y="26" font-size="17" font-weight="bold">${esc(title)}</text>`];
  if (subtitle) parts.push(`<text x="16" y="46" fill="#555">${esc(subtitle)}</text>`);
  for (const g of groups) {
    const max = niceMax(Math.max(...g.bars.map((b) => b.value || 0)));
    parts.push(`<text x="16" y="${y + 14}" font-size="13" font-weight="bold">${esc(g.title)}</text>`);
    parts.push(`<text x="${LABEL + BAR}" y="${y + 14}" text-anchor="end" fill="#777">${esc(g.unit)}</text>`);
    y += 22;
    const y0 = y;
    for (let t = 0; t <= 4; t++) {
      const x = LABEL + (BAR * t) / 4;
      parts.push(`<line x1="${x}" y1="${y0 - 2}" x2="${x}" y2="${y0 + g.bars.length * ROW}" stroke="#e3e3e3"/>`);
    }
    for (const b of g.bars) {
      parts.push(`<text x="${LABEL - 8}" y="${y + 14}" text-anchor="end">${esc(b.label)}</text>`);
      if (b.value > 0) {
        const w = Math.max(1, (BAR * b.value) / max);
        parts.push(`<rect x="${LABEL}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 6}" fill="${color(b.id)}" rx="2"/>`);
        parts.push(`<text x="${LABEL + w + 6}" y="${y + 14}" fill="#222">${esc(fmt(b.value))}${b.note ? `  <tspan fill="#777">${esc(b.note)}</tspan>` : ''}</text>`);
      } else {
        parts.push(`<text x="${LABEL + 6}" y="${y + 14}" fill="#999" font-style="italic">${esc(b.note || 'n/a')}</text>`);
      }
      y += ROW;
    }
    for (let t = 0; t <= 4; t++) {
      const x = LABEL + (BAR * t) / 4;
      parts.push(`<text x="${x}" y="${y + 12}" text-anchor="middle" fill="#888" font-size="10">${esc(fmt((max * t) / 4))}</text>`);
    }
    y += 14 + GAP;
  }
  return svgDoc(W, y + 4, parts.join('\n'));
}

function barsFor(c, value) {
  return c.rows.map((r) => {
    const v = r.summary ? value(r) : null;
    let note = '';
    if (r.unavailable) note = `not available: ${r.unavailable}`;
    else if (!v) note = 'error';
    else if (r.ratio) note = `${r.ratio.toFixed(2)}× kernel`;
    return { id: r.id, label: r.label, value: v || 0, note };
  });
}

/** CDF panels: x = latency (log µs), y = percentile with the tail stretched (-log10(1-q)). */
function cdf({ title, subtitle, panels }) {
  const PW = 600, PH = 330, L = 70, T = subtitle ? 64 : 46, LEG = 330, W = L + PW + 30 + LEG;
  const parts = [`<text x="16" y="26" font-size="17" font-weight="bold">${esc(title)}</text>`];
  if (subtitle) parts.push(`<text x="16" y="46" fill="#555">${esc(subtitle)}</text>`);
  const yOf = (q) => Math.min(3, -Math.log10(Math.max(1e-9, 1 - q)));
  let top = T;
  for (const p of panels) {
    const all = p.lines.flatMap((l) => l.q.filter((v) => v > 0));
    if (!all.length) continue;
    const lo = 10 ** Math.floor(Math.log10(Math.min(...all)));
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...all)));
    const X = (v) => L + (PW * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
    const Y = (q) => top + 24 + PH - (PH * yOf(q)) / 3;
    parts.push(`<text x="${L}" y="${top + 14}" font-size="13" font-weight="bold">${esc(p.title)}</text>`);
    // grid
    for (let e = Math.log10(lo); e <= Math.log10(hi) + 1e-9; e++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e;
        if (v > hi * 1.0001) continue;
        const x = X(v);
        parts.push(`<line x1="${x}" y1="${Y(0)}" x2="${x}" y2="${Y(0.999)}" stroke="${m === 1 ? '#d5d5d5' : '#efefef'}"/>`);
        if (m === 1 || (Math.log10(hi) - Math.log10(lo) <= 3)) {
          parts.push(`<text x="${x}" y="${Y(0) + 16}" text-anchor="middle" fill="#666" font-size="10">${v >= 1000 ? `${v / 1000} ms` : `${v} µs`}</text>`);
        }
      }
    }
    for (const [q, name] of [[0, '0%'], [0.5, 'p50'], [0.9, 'p90'], [0.99, 'p99'], [0.999, 'p99.9']]) {
      parts.push(`<line x1="${L}" y1="${Y(q)}" x2="${L + PW}" y2="${Y(q)}" stroke="#e3e3e3"/>`);
      parts.push(`<text x="${L - 6}" y="${Y(q) + 4}" text-anchor="end" fill="#666" font-size="10">${name}</text>`);
    }
    parts.push(`<rect x="${L}" y="${Y(0.999)}" width="${PW}" height="${Y(0) - Y(0.999)}" fill="none" stroke="#999"/>`);
    parts.push(`<text x="${L + PW / 2}" y="${Y(0) + 32}" text-anchor="middle" fill="#444">round-trip latency (log scale)</text>`);
    // lines
    let ly = top + 30;
    for (const l of p.lines) {
      const pts = [];
      for (let i = 0; i <= 999; i++) pts.push(`${X(l.q[i]).toFixed(1)},${Y(i / 1000).toFixed(1)}`);
      const dash = l.dashed ? ' stroke-dasharray="6 4"' : '';
      parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${color(l.id)}" stroke-width="2"${dash}/>`);
      const lx = L + PW + 30;
      parts.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 28}" y2="${ly - 4}" stroke="${color(l.id)}" stroke-width="2.5"${dash}/>`);
      parts.push(`<text x="${lx + 34}" y="${ly}" font-size="11">${esc(l.label)}</text>`);
      parts.push(`<text x="${lx + 34}" y="${ly + 13}" font-size="10" fill="#777">p50 ${esc(fmt(l.q[500]))} µs · p99 ${esc(fmt(l.q[990]))} · p99.9 ${esc(fmt(l.q[999]))}</text>`);
      ly += 32;
    }
    top = Math.max(Y(0) + 50, ly + 10);
  }
  return svgDoc(W, top + 4, parts.join('\n'));
}

function subtitleOf(result) {
  const m = result.machine;
  const v = result.setup.vpp.version ? result.setup.vpp.version.split('\n')[0].replace(/ built by.*/, '') : 'no VPP';
  return `${m.cpuModel}, ${m.cores} cores · Node ${m.node} · ${v} · medians of ${result.repetitions} runs · ${result.date.slice(0, 10)}`;
}

/** Write the charts for this result next to `stem` (stem + '-<kind>.svg'); returns the files written. */
function writeCharts(result, stem) {
  const out = [];
  const sub = subtitleOf(result);
  const write = (kind, svg) => { const f = `${stem}-${kind}.svg`; fs.writeFileSync(f, svg); out.push(f); };
  const bulk = result.cases.filter((c) => c.workload === 'bulk');
  if (bulk.length) {
    write('throughput', hbars({
      title: 'vppnet bulk throughput (client → server, separate processes)', subtitle: sub,
      groups: bulk.map((c) => ({ title: c.title, unit: 'Gbit/s', bars: barsFor(c, (r) => r.summary.gbps) })),
    }));
  }
  const rates = result.cases.filter((c) => c.workload === 'conn' || c.workload === 'http');
  if (rates.length) {
    write('rates', hbars({
      title: 'vppnet connection rate and HTTP/1.1 requests', subtitle: sub,
      groups: rates.map((c) => ({
        title: c.title, unit: c.workload === 'conn' ? 'connections/s' : 'requests/s',
        bars: barsFor(c, (r) => (c.workload === 'conn' ? r.summary.cps : r.summary.rps)),
      })),
    }));
  }
  const rr = result.cases.filter((c) => c.workload === 'rr');
  const panels = rr.map((c) => ({
    title: c.title,
    lines: c.rows.filter((r) => r.summary && r.summary.quantilesUs).map((r) => ({
      id: r.id, label: r.label, q: r.summary.quantilesUs, dashed: r.vppConfig === 'sleep100',
    })),
  })).filter((p) => p.lines.length);
  if (panels.length) {
    write('latency', cdf({ title: 'vppnet request/response latency CDF (solid: VPP as shipped, dashed: poll-sleep-usec 100)', subtitle: sub, panels }));
  }
  return out;
}

module.exports = { writeCharts, hbars, cdf };
