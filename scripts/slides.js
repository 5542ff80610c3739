#!/usr/bin/env node
'use strict';
// make slides: docs/slides/index.html, a self-contained deck (inline CSS, JS
// and SVG; nothing fetched) for presenting vppnet, with its numbers taken
// from the latest full benchmark result in bench/results/.
//   node scripts/slides.js [result.json] [out.html]
// Arrow keys / space / click move between slides; ?print shows them all.

const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const RESULTS = path.join(ROOT, 'bench', 'results');

function latestResult() {
  const files = fs.readdirSync(RESULTS).filter((f) => f.endsWith('.json') && !/-(quick|only|profile)\.json$/.test(f)).sort();
  if (!files.length) throw new Error('slides: no full benchmark result in bench/results (run make bench)');
  return path.join(RESULTS, files[files.length - 1]);
}

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const num = (v) => (v === undefined || v === null || Number.isNaN(v) ? '–'
  : v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** The table of one benchmark case: label, its main metrics, ratio to node:net. */
function caseTable(c, metrics) {
  const rows = c.rows.filter((r) => !r.unavailable && r.okReps && !/busyPoll/.test(r.label) || r.kind === 'kernel');
  const head = metrics.map(([, h]) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr${r.kind === 'kernel' ? ' class="base"' : ''}><td>${esc(r.label)}</td>` +
    metrics.map(([m]) => `<td>${num(r.summary && r.summary[m])}</td>`).join('') +
    `<td>${r.ratio ? `${r.ratio.toFixed(2)}×` : ''}</td></tr>`).join('');
  return `<table><tr><th></th>${head}<th>× node:net</th></tr>${body}</table>`;
}

const ARCH = `<svg viewBox="0 0 900 380" class="diagram" role="img" aria-label="vppnet architecture">
<defs><marker id="a" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#345"/></marker></defs>
<g font-family="sans-serif" font-size="15">
<rect x="20" y="20" width="400" height="340" rx="14" fill="#eef4fb" stroke="#7aa0c8"/>
<text x="35" y="45" font-weight="bold">Node.js process</text>
<rect x="45" y="60" width="350" height="50" rx="8" fill="#fff" stroke="#345"/><text x="60" y="90">your app: http, undici, ws … (the net API)</text>
<rect x="45" y="130" width="350" height="50" rx="8" fill="#fff" stroke="#345"/><text x="60" y="160">glue/ (TypeScript): Socket / Server, stack</text>
<rect x="45" y="200" width="165" height="70" rx="8" fill="#fff6e0" stroke="#b58a2a"/><text x="58" y="228">wasm/ core (C)</text><text x="58" y="250" font-size="13">WASM or native</text>
<rect x="230" y="200" width="165" height="70" rx="8" fill="#e9f7ea" stroke="#4a8b4f"/><text x="243" y="228">host/ addon</text><text x="243" y="250" font-size="13">syscalls only</text>
<rect x="45" y="290" width="350" height="50" rx="8" fill="#fff" stroke="#345" stroke-dasharray="5 4"/><text x="60" y="320">fifo segments mapped into memory</text>
<line x1="220" y1="110" x2="220" y2="130" stroke="#345" marker-end="url(#a)"/>
<line x1="130" y1="180" x2="130" y2="200" stroke="#345" marker-end="url(#a)"/>
<line x1="310" y1="180" x2="310" y2="200" stroke="#345" marker-end="url(#a)"/>
<line x1="130" y1="270" x2="130" y2="290" stroke="#345" marker-end="url(#a)"/>
<rect x="500" y="20" width="380" height="340" rx="14" fill="#f4eefb" stroke="#9a7ac8"/>
<text x="515" y="45" font-weight="bold">VPP (shared by every app)</text>
<rect x="525" y="70" width="330" height="50" rx="8" fill="#fff" stroke="#345"/><text x="540" y="100">app socket: attach, fds (SCM_RIGHTS)</text>
<rect x="525" y="140" width="330" height="60" rx="8" fill="#fff" stroke="#345"/><text x="540" y="165">session layer: message queues,</text><text x="540" y="187">eventfds, cut-through</text>
<rect x="525" y="220" width="330" height="50" rx="8" fill="#fff" stroke="#345"/><text x="540" y="250">TCP / UDP / TLS / QUIC transports</text>
<line x1="395" y1="235" x2="525" y2="95" stroke="#4a8b4f" marker-end="url(#a)"/><text x="420" y="150" font-size="13" fill="#4a8b4f">unix socket</text>
<line x1="395" y1="315" x2="525" y2="170" stroke="#b58a2a" marker-end="url(#a)"/><text x="430" y="280" font-size="13" fill="#b58a2a">shared memory</text>
</g></svg>`;

const FIFO = `<svg viewBox="0 0 900 300" class="diagram" role="img" aria-label="fifos and events">
<defs><marker id="b" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#345"/></marker></defs>
<g font-family="sans-serif" font-size="15">
<rect x="20" y="60" width="170" height="170" rx="12" fill="#eef4fb" stroke="#7aa0c8"/><text x="40" y="90" font-weight="bold">writer app</text><text x="40" y="120" font-size="13">write(): copy into</text><text x="40" y="140" font-size="13">fifo chunks, move tail</text>
<rect x="710" y="60" width="170" height="170" rx="12" fill="#eef4fb" stroke="#7aa0c8"/><text x="730" y="90" font-weight="bold">reader app</text><text x="730" y="120" font-size="13">read: copy out,</text><text x="730" y="140" font-size="13">move head</text>
<rect x="250" y="90" width="400" height="60" rx="8" fill="#fff6e0" stroke="#b58a2a"/>
<g fill="#f0c060">${Array.from({ length: 9 }, (_, i) => `<rect x="${262 + i * 43}" y="102" width="36" height="36" rx="4"/>`).join('')}</g>
<text x="330" y="80">svm_fifo (shared memory)</text>
<line x1="190" y1="120" x2="250" y2="120" stroke="#345" marker-end="url(#b)"/><line x1="650" y1="120" x2="710" y2="120" stroke="#345" marker-end="url(#b)"/>
<rect x="250" y="200" width="400" height="50" rx="8" fill="#f4eefb" stroke="#9a7ac8"/><text x="270" y="230">VPP: TX event → RX event (one per has_event 0→1)</text>
<path d="M105,230 C105,270 250,265 300,250" fill="none" stroke="#9a7ac8" marker-end="url(#b)"/>
<path d="M600,250 C650,265 795,270 795,230" fill="none" stroke="#9a7ac8" marker-end="url(#b)"/>
<text x="40" y="285" font-size="13">cut-through: both apps map the same fifo; VPP only relays events (and the writer's eventfd wakes the reader's loop)</text>
</g></svg>`;

function build(resultFile) {
  const result = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  const byId = Object.fromEntries(result.cases.map((c) => [c.id, c]));
  const svg = (f) => {
    const p = path.join(path.dirname(resultFile), f);
    return fs.existsSync(p) ? fs.readFileSync(p, 'utf8').replace(/<\?xml[^>]*>/, '') : '';
  };
  const charts = (result.charts || []).map(svg).filter(Boolean);
  const vppVersion = (result.setup.vpp.version || 'no VPP').split(' built')[0];
  const m = result.machine;
  const slides = [];
  const slide = (title, html) => slides.push(`<section><h2>${esc(title)}</h2>${html}</section>`);

  slides.push(`<section class="title"><h1>vppnet</h1><p class="sub">Node.js networking on the FD.io VPP host stack</p>
<p>A drop-in <code>node:net</code>: TCP over VPP's session layer and shared-memory fifos when a VPP is reachable, the kernel otherwise.</p>
<p class="small">Numbers: ${esc(result.date)}, ${esc(m.cpuModel)}, ${m.cores} cores, Node ${esc(m.node)}, ${esc(vppVersion)}</p></section>`);
  slide('The problem', `<ul><li>VPP moves packets in user space, in batches, with no system calls on the data path — apps reach it through its host stack (VCL, LD_PRELOAD).</li>
<li>Node cannot use VPP's LD_PRELOAD shim: VCL's descriptors are not kernel descriptors, and libuv indexes its watchers by fd and polls with epoll — Node aborts.</li>
<li>vppnet speaks VPP's session protocol itself, under the <code>net</code> API: <code>require('vppnet')</code> where you had <code>require('node:net')</code>; <code>http</code>, undici, ws run unchanged.</li>
<li>Opportunistic: <code>mode: auto | vpp | kernel</code>; every socket says which transport it got and why.</li></ul>`);
  slide('Architecture', `${ARCH}<p class="small">One C core, sans-I/O and bounds-checked (everything in shared memory is untrusted), compiled to WebAssembly and natively into the addon: the two engines are compared.</p>`);
  slide('How the bytes move', `${FIFO}<ul class="small"><li>One copy between a Buffer and fifo memory; events only on empty→non-empty; one eventfd write per wake-up.</li>
<li>Half-close on cut-through: VPP has none there, so two vppnet ends mark the fifo behind the last byte.</li></ul>`);
  if (byId['bulk-1x64k']) slide('Throughput: bulk, 1 stream, 64 KiB writes', caseTable(byId['bulk-1x64k'], [['gbps', 'Gbit/s'], ['txCpuPerGB', 'send CPU s/GB'], ['rxCpuPerGB', 'recv CPU s/GB']]));
  if (byId['rr-1']) slide('Latency: 1 B ping-pong', caseTable(byId['rr-1'], [['p50', 'p50 µs'], ['p99', 'p99 µs'], ['rtps', 'round trips/s']]) +
    '<p class="small">[default]: VPP as shipped, woken by the apps\' signals; [sleep100]: VPP with poll-sleep-usec 100, which sleeps 100 µs before every poll. The app-side busyPoll rows are in the README.</p>');
  if (byId['http-c10p10']) slide('HTTP/1.1: node:http + undici, 10 connections × 10 pipelined', caseTable(byId['http-c10p10'], [['rps', 'requests/s']]));
  if (byId['conn-32']) slide('Connection rate, 32 in flight', caseTable(byId['conn-32'], [['cps', 'conn/s'], ['connectP50', 'connect p50 µs']]));
  for (const c of charts) slide('Charts', `<div class="chart">${c}</div>`);
  slide('What we learned', `<ul>
<li><b>VPP is shared</b>: an app that crashes it takes every other app down. A chaos test (random listen/close/connect/exit in many processes) found three VPP bugs any app reaches — a cut-through connect racing its listener's close, a client dying with connects in flight, deferred cleanups after an app went away — shown with C programs over VPP's own LD_PRELOAD library, on 26.06 and 26.10 (docs/vpp-bugs.md). vppnet never sends the race itself and settles with VPP before exiting.</li>
<li><b>Releases differ in behaviour, not layout</b>: 26.06 never connects an app to its own listener; vppnet detects it and uses a second attachment.</li>
<li><b>WASM vs native</b>: the same C; copies into a non-shared WASM memory cost about what native ones do — the engines are within noise on bulk, the addon only does syscalls.</li>
<li><b>Idle costs</b>: VPP's default idle sleep (100 µs) dominates small round trips; busy polling, opt-in, turns cut-through ping-pong into microseconds.</li></ul>`);
  slide('Try it', `<pre>git clone … &amp;&amp; cd vppnet
make demo     # the same bytes over the kernel and over VPP, side by side
make test     # every suite; real-VPP suites when VPP is installed
npx vppnet doctor   # what vppnet would choose here, and why</pre>
<p>Point it at a VPP with <code>session { enable use-app-socket-api use-private-rx-mqs }</code>; <code>VPPNET_APP_SOCKET</code>, <code>VPPNET_MODE</code>.</p>`);

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vppnet</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
html,body{margin:0;height:100%;background:#1d2430;font-family:system-ui,sans-serif}
section{display:none;box-sizing:border-box;width:100vw;height:100vh;padding:4vh 6vw;background:#fbfcfe;color:#1d2430;overflow:hidden}
section.on{display:block}
body.print section{display:block;height:auto;min-height:100vh;border-bottom:4px solid #1d2430}
h1{font-size:9vh;margin:18vh 0 2vh;color:#2b5d8f}h2{font-size:5vh;margin:0 0 3vh;color:#2b5d8f}
.sub{font-size:3.5vh;color:#555}p,li{font-size:2.6vh;line-height:1.45}.small,.small li{font-size:2vh;color:#444}
table{border-collapse:collapse;font-size:2.1vh}td,th{padding:.5vh 1.2vw;border-bottom:1px solid #dde}td:not(:first-child),th{text-align:right}
tr.base td{font-weight:bold;background:#eef4fb}.diagram{width:86vw;max-height:62vh}.chart svg{max-width:88vw;max-height:80vh}
pre{background:#1d2430;color:#e8eef6;padding:2vh 2vw;border-radius:8px;font-size:2.3vh}code{background:#eef1f5;padding:0 .3em;border-radius:3px}
#n{position:fixed;right:2vw;bottom:2vh;color:#889;font-size:1.8vh}
</style></head><body>
${slides.join('\n')}
<div id="n"></div>
<script>
(function () {
  var s = document.querySelectorAll('section'), i = 0;
  if (/[?&]print/.test(location.search)) { document.body.className = 'print'; return; }
  function show(k) { i = Math.max(0, Math.min(s.length - 1, k)); for (var j = 0; j < s.length; j++) s[j].className = j === i ? 'on' : '';
    document.getElementById('n').textContent = (i + 1) + ' / ' + s.length; location.hash = i + 1; }
  document.addEventListener('keydown', function (e) {
    if (['ArrowRight', 'PageDown', ' '].indexOf(e.key) >= 0) show(i + 1);
    if (['ArrowLeft', 'PageUp'].indexOf(e.key) >= 0) show(i - 1);
  });
  document.addEventListener('click', function () { show(i + 1); });
  show((parseInt(location.hash.slice(1), 10) || 1) - 1);
})();
</script></body></html>
`;
}

module.exports = { build, latestResult };

if (require.main === module) {
  const file = process.argv[2] || latestResult();
  const out = process.argv[3] || path.join(ROOT, 'docs', 'slides', 'index.html');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, build(file));
  process.stdout.write(`slides: ${path.relative(ROOT, out)} from ${path.relative(ROOT, file)}\n`);
}
