/**
 * The same conformance suite the kernel transport passes, on the VPP
 * transport: cut-through (both ends in namespace 'default') and through VPP's
 * TCP stack (client in namespace 'peer'), for both engines. Each profile's
 * transport test also checks VPP's own CLI: the pair shows as [CT:T]
 * resp. [T] sessions, never a kernel fallback. Cut-through runs once more
 * with busy polling on, and IPv6 runs both paths.
 */
import * as vppnet from '../../glue/index';
import { conformanceSuite } from '../conformance/suite';
import { describeVpp, type VppInstance } from './harness';

/** VPP's `show session verbose` lists both ends of the pair on `port`, on the expected path. */
async function expectVppSessions(inst: VppInstance, port: number, cutThrough: boolean): Promise<void> {
  const live = (await inst.sessions()).filter((s) => s.state !== 'LISTEN' && (s.local?.port === port || s.remote?.port === port));
  expect(live.length).toBeGreaterThanOrEqual(2);   // both ends
  for (const s of live) expect(cutThrough ? s.cutThrough : s.transport === 'T' && !s.cutThrough).toBe(true);
}

/** A client in namespace 'peer' connects through VPP's TCP: 127.0.0.1 there is no app's, nobody answers. */
const PEER_NO_LOOPBACK = "the client is in VPP namespace 'peer', whose table has no loopback: a connect to this host's loopback gets no answer there";

/** Cut-through sessions have no ports of their own: VPP does not use a connect's local port there. */
const CT_NO_PORTS = "VPP's cut-through sessions have no TCP ports: a connect's local port is not used (the client's port is a stand-in both ends agree on)";

describeVpp('conformance on VPP', (vpp) => {
  for (const engine of ['wasm', 'native'] as const) {
    const base = { mode: 'vpp', engine, get appSocket() { return vpp().appSocket; } };
    conformanceSuite({
      name: `vpp cut-through (${engine})`,
      net: vppnet,
      host: '127.0.0.2',
      options: base,
      expectTransport: 'vpp',
      noLocalPort: CT_NO_PORTS,
      proveTransport: (port) => expectVppSessions(vpp(), port, true),
    });
    conformanceSuite({
      name: `vpp tcp (${engine})`,
      net: vppnet,
      host: '127.0.0.2',
      options: base,
      clientOptions: { scope: 'global', get appSocket() { return vpp().peerAppSocket; } },
      noLoopback: PEER_NO_LOOPBACK,
      expectTransport: 'vpp',
      proveTransport: (port) => expectVppSessions(vpp(), port, false),
    });
  }
  // IPv6 inside VPP (loop0's fd00::2), both ends in one namespace
  conformanceSuite({
    name: 'vpp cut-through IPv6 (native)',
    net: vppnet,
    host: 'fd00::2',
    options: { mode: 'vpp', engine: 'native', get appSocket() { return vpp().appSocket; } },
    noRefusal: "VPP answers a connect to its own IPv6 address with no listener by trying TCP to itself, which it drops: no RST, no error before TCP's own timeout",
    expectTransport: 'vpp',
    noLocalPort: CT_NO_PORTS,
    proveTransport: (port) => expectVppSessions(vpp(), port, true),
  });
  // IPv6 through VPP's TCP: client in namespace 'peer' (fd01::2), server at fd00::2
  conformanceSuite({
    name: 'vpp tcp IPv6 (wasm)',
    net: vppnet,
    host: 'fd00::2',
    options: { mode: 'vpp', engine: 'wasm', get appSocket() { return vpp().appSocket; } },
    clientOptions: { scope: 'global', get appSocket() { return vpp().peerAppSocket; } },
    noLoopback: PEER_NO_LOOPBACK,
    expectTransport: 'vpp',
    proveTransport: (port) => expectVppSessions(vpp(), port, false),
  });
  // busy polling changes who notices data and space first, never what the stream does
  conformanceSuite({
    name: 'vpp cut-through, busyPoll 2000 µs (wasm)',
    net: vppnet,
    host: '127.0.0.2',
    options: { mode: 'vpp', engine: 'wasm', busyPoll: 2000, get appSocket() { return vpp().appSocket; } },
    expectTransport: 'vpp',
    noLocalPort: CT_NO_PORTS,
    proveTransport: (port) => expectVppSessions(vpp(), port, true),
  });
});
