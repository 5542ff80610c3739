/**
 * The node:net conformance suite, run unchanged on every transport
 * (test/conformance/kernel.test.ts, test/vpp/conformance-vpp.test.ts).
 * Each behaviour group is one file under cases/; shared helpers and the
 * per-profile context are in helpers.ts. The groups register in this order.
 */
import { createContext, type Context, type Profile } from './helpers';
import { listenCases } from './cases/listen';
import { connectCases } from './cases/connect';
import { dataCases } from './cases/data';
import { backpressureCases } from './cases/backpressure';
import { onreadCases } from './cases/onread';
import { halfCloseCases } from './cases/half-close';
import { destroyCases } from './cases/destroy';
import { timeoutCases } from './cases/timeouts';
import { socketOptionCases } from './cases/socket-options';
import { errorCases } from './cases/errors';
import { serverLifecycleCases } from './cases/server-lifecycle';
import { eventLoopCases } from './cases/event-loop';
import { accountingCases } from './cases/accounting';
import { addressCases } from './cases/addresses';
import { transportCases } from './cases/transport';
import { httpCases } from './cases/http';
import { bindingCases } from './cases/binding';

export type { NetModule, Profile } from './helpers';

const GROUPS: Array<(ctx: Context) => void> = [
  listenCases, connectCases, dataCases, backpressureCases, onreadCases, halfCloseCases, destroyCases,
  timeoutCases, socketOptionCases, errorCases, serverLifecycleCases, eventLoopCases,
  accountingCases, addressCases, transportCases, httpCases, bindingCases,
];

export function conformanceSuite(profile: Profile): void {
  const ctx = createContext(profile);
  for (const register of GROUPS) register(ctx);
  const { tests, sockets, servers } = ctx;

  describe(`net conformance: ${profile.name}`, () => {
    if (profile.skip) {
      process.stderr.write(`\n*** SKIPPING ${tests.length} conformance tests for '${profile.name}': ${profile.skip} ***\n\n`);
      for (const [name] of tests) test.skip(name, () => {});
      return;
    }
    afterEach(async () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      await Promise.all([...servers].map((srv) => new Promise<void>((r) => {
        if (!srv.listening) return r();
        srv.close(() => r());
      })));
      servers.clear();
    });
    for (const [name, fn, timeout, skipReason] of tests) (skipReason ? test.skip : test)(name, fn, timeout);
  });
}
