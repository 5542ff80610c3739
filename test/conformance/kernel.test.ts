/**
 * The conformance suite on the kernel transport: explicitly (`mode: 'kernel'`),
 * and through `auto` when this machine has no VPP app socket.
 */
import { existsSync } from 'node:fs';
import * as vppnet from '../../glue/index';
import { DEFAULT_APP_SOCKET } from '../../glue/config';
import { conformanceSuite } from './suite';

conformanceSuite({
  name: 'kernel (mode: kernel)',
  net: vppnet,
  host: '127.0.0.1',
  options: { mode: 'kernel' },
  expectTransport: 'kernel',
});

// `auto` with an app socket that cannot exist: must be the kernel.
conformanceSuite({
  name: 'kernel (mode: auto, no VPP app socket)',
  net: vppnet,
  host: '127.0.0.1',
  options: { mode: 'auto', appSocket: '/nonexistent/vppnet/app_ns_sockets/default' },
  expectTransport: 'kernel',
});

// `auto` with the default socket, only when no VPP is running here (else test/vpp covers it).
conformanceSuite({
  name: 'kernel (mode: auto, default app socket)',
  net: vppnet,
  host: '127.0.0.1',
  options: { mode: 'auto' },
  expectTransport: 'kernel',
  skip: existsSync(process.env.VPPNET_APP_SOCKET || DEFAULT_APP_SOCKET)
    ? `a VPP app socket exists at ${process.env.VPPNET_APP_SOCKET || DEFAULT_APP_SOCKET}; auto would not pick the kernel`
    : undefined,
});
