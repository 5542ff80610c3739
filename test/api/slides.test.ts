/**
 * `make slides`: docs/slides/index.html is one self-contained file (no
 * network: inline CSS, JS, SVG) built from the latest benchmark result, and
 * Debian's headless Chromium renders it: the deck's script runs and the
 * slides show the measured numbers.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const slides = require('../../scripts/slides.js') as { build(file: string): string; latestResult(): string };
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vppnet-slides-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const resultFile = slides.latestResult();
const result = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
const html = slides.build(resultFile);
const out = path.join(dir, 'index.html');
fs.writeFileSync(out, html);

test('the deck is one file that fetches nothing, with the latest result\'s numbers in it', () => {
  expect(html).not.toMatch(/<(script|img|link|iframe)[^>]+(src|href)=["'](?!#|data:)/i);
  expect(html).not.toMatch(/url\(\s*["']?https?:/i);
  const kernelBulk = result.cases.find((c: { id: string }) => c.id === 'bulk-1x64k').rows.find((r: { kind: string }) => r.kind === 'kernel');
  expect(html).toContain(kernelBulk.summary.gbps >= 10 ? kernelBulk.summary.gbps.toFixed(1) : kernelBulk.summary.gbps.toFixed(2));
  expect(html).toContain(result.date);
  expect((html.match(/<section/g) ?? []).length).toBeGreaterThanOrEqual(10);
});

function chromium(args: string[]) {
  const profile = fs.mkdtempSync(path.join(dir, 'profile-'));
  return spawnSync(CHROMIUM!, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`,
    '--window-size=1280,720', ...args], { encoding: 'utf8', timeout: 60000 });
}

if (!CHROMIUM) {
  process.stderr.write('\n*** SKIPPED 1 rendering test in test/api/slides.test.ts: no chromium (make deps installs Debian\'s) ***\n\n');
}
(CHROMIUM ? test : test.skip)('headless Chromium renders it: the script shows one slide at a time, a screenshot has content', () => {
  const dom = chromium(['--dump-dom', `file://${out}#5`]);
  expect(dom.status).toBe(0);
  // the deck's own script ran: slide 5 of N is the one shown
  expect(dom.stdout).toMatch(/<div id="n">5 \/ \d+<\/div>/);
  expect((dom.stdout.match(/<section class="on"/g) ?? []).length).toBe(1);
  const png = path.join(dir, 'slide.png');
  const shot = chromium([`--screenshot=${png}`, `file://${out}#3`]);
  expect(shot.status).toBe(0);
  const bytes = fs.readFileSync(png);
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  expect(bytes.length).toBeGreaterThan(20000);   // a drawn diagram, not a blank page (~4 KB)
}, 120000);
