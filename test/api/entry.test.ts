/**
 * The package as users get it: dist/cjs (require), dist/esm (import), the
 * `vppnet` bin — from the build tree and from an `npm pack` tarball installed
 * into a separate directory. scripts/test.js builds dist/ first.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');
const cjs = path.join(root, 'dist', 'cjs', 'index.js');
const esm = path.join(root, 'dist', 'esm', 'index.mjs');
const cli = path.join(root, 'dist', 'cjs', 'cli.js');
const EXPECTED = ['createServer', 'createConnection', 'connect', 'Server', 'Socket', 'Stream', 'isIP', 'isIPv4', 'isIPv6',
  'BlockList', 'SocketAddress', 'getDefaultAutoSelectFamily', 'setDefaultAutoSelectFamily', 'configure', 'status'];

function node(args: string[], cwd = root, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 30000, env: { ...process.env, ...env } });
}

const PROBE = `const m = MOD; const d = m.default;
  const out = { names: Object.keys(m).filter((k) => k !== 'default').sort(), sameDefault: d.createServer === m.createServer,
    transport: m.connect({ mode: 'kernel', port: 9, host: '127.0.0.1' }).on('error', () => {}).transport, status: m.status({ mode: 'kernel' }).transport };
  console.log(JSON.stringify(out));`;

describe('build tree', () => {
  beforeAll(() => {
    if (process.env.VPPNET_BUILD_FAILED) throw new Error('npm run build failed (see the output above the tests)');
    if (!existsSync(cjs) || !existsSync(esm)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  });

  test('require() of dist/cjs gives every named export and a default', () => {
    const r = node(['-e', PROBE.replace('MOD', `require(${JSON.stringify(cjs)})`)]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.names).toEqual(expect.arrayContaining(EXPECTED));
    expect(out).toMatchObject({ sameDefault: true, transport: 'kernel', status: 'kernel' });
  });

  test('import of dist/esm gives the same named exports and default', () => {
    const r = node(['--input-type=module', '-e',
      `import * as m0 from ${JSON.stringify(esm)}; ${PROBE.replace('MOD', 'm0')}`]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    const c = JSON.parse(node(['-e', PROBE.replace('MOD', `require(${JSON.stringify(cjs)})`)]).stdout);
    expect(out.names).toEqual(c.names);
    expect(out).toMatchObject({ sameDefault: true, transport: 'kernel' });
  });

  test('`vppnet doctor` explains the choice (and --json says it for machines)', () => {
    const r = node([cli, 'doctor', '--app-socket', '/nonexistent/app.sock']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('app socket exists: /nonexistent/app.sock');
    expect(r.stdout).toContain('=> auto would use: kernel (no VPP app socket at /nonexistent/app.sock)');
    const j = node([cli, 'doctor', '--json', '--mode', 'vpp', '--app-socket', '/nonexistent/app.sock']);
    expect(JSON.parse(j.stdout)).toMatchObject({ choice: 'error ERR_VPPNET_UNAVAILABLE',
      config: { mode: 'vpp', appSocket: '/nonexistent/app.sock' } });
    const bad = node([cli, 'doctor', '--mode', 'warp']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Received 'warp'/);
  });
});

// ---- npm pack -> npm i in a separate directory (bounded; skipped loudly when npm cannot install) ----
const work = mkdtempSync(path.join(tmpdir(), 'vppnet-pack-'));
let installError: string | null = null;
if (existsSync(cjs) && existsSync(esm)) {
  const npm = (args: string[], cwd: string) => spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 120000 });
  const pack = npm(['pack', '--silent', '--pack-destination', work], root);
  const tgz = pack.stdout.trim().split('\n').pop() ?? '';
  if (pack.status !== 0 || !tgz) {
    installError = `npm pack failed: ${pack.stderr}`;
  } else {
    const app = path.join(work, 'app');
    mkdirSync(app);
    writeFileSync(path.join(app, 'package.json'), '{"name":"app","private":true}');
    const i = npm(['i', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', path.join(work, tgz)], app);
    if (i.status !== 0) installError = `npm i of the tarball failed (offline?): ${(i.stderr || String(i.error)).split('\n').slice(-5).join(' ')}`;
  }
} else {
  installError = 'dist/ is missing';
}
if (installError) process.stderr.write(`\n*** SKIPPING the installed-package tests: ${installError} ***\n\n`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('installed from npm pack', () => {
  const t = installError ? test.skip : test;
  const app = path.join(work, 'app');

  t("require('vppnet') and import 'vppnet' resolve through package.json exports", () => {
    const r1 = node(['-e', PROBE.replace('MOD', "require('vppnet')")], app);
    expect(r1.stderr).toBe('');
    expect(JSON.parse(r1.stdout).names).toEqual(expect.arrayContaining(EXPECTED));
    const r2 = node(['--input-type=module', '-e', `import * as m0 from 'vppnet'; ${PROBE.replace('MOD', 'm0')}`], app);
    expect(r2.stderr).toBe('');
    expect(JSON.parse(r2.stdout)).toMatchObject({ sameDefault: true, transport: 'kernel' });
  });

  t('the installed package loads its prebuilt native addon (no compiler at install: --ignore-scripts)', () => {
    const pkg = path.join(app, 'node_modules', 'vppnet');
    expect(existsSync(path.join(pkg, 'host', 'build'))).toBe(false);
    const r = node(['-e', `const h = require(${JSON.stringify(path.join(pkg, 'dist', 'cjs', 'host.js'))});
      const host = h.loadHost(); console.log(JSON.stringify({ from: h.hostCandidates().find((p) => require('fs').existsSync(p)), page: host.pageSize }));`], app);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout);
    expect(j.from).toBe(path.join(pkg, 'prebuilds', `linux-${process.arch}-glibc`, 'vppnet_host.node'));
    expect(j.page).toBeGreaterThan(0);
  });

  t('the vppnet bin is installed and runs', () => {
    const r = spawnSync(path.join(app, 'node_modules', '.bin', 'vppnet'), ['doctor', '--mode', 'kernel'],
      { encoding: 'utf8', timeout: 30000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("=> kernel would use: kernel (mode is 'kernel')");
  });
});
