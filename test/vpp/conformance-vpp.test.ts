/**
 * The same conformance suite the kernel transport passes, on the VPP
 * transport: cut-through (both ends in namespace 'default') and through VPP's
 * TCP stack (client in namespace 'peer'), for both engines.
 */
import * as vppnet from '../../glue/index';
import { conformanceSuite } from '../conformance/suite';
import { describeVpp } from './harness';

describeVpp('conformance on VPP', (vpp) => {
  for (const engine of ['wasm', 'native'] as const) {
    const base = { mode: 'vpp', engine, get appSocket() { return vpp().appSocket; } };
    conformanceSuite({
      name: `vpp cut-through (${engine})`,
      net: vppnet,
      host: '127.0.0.2',
      options: base,
      expectTransport: 'vpp',
    });
    conformanceSuite({
      name: `vpp tcp (${engine})`,
      net: vppnet,
      host: '127.0.0.2',
      options: base,
      clientOptions: { scope: 'global', get appSocket() { return vpp().peerAppSocket; } },
      expectTransport: 'vpp',
    });
  }
});
