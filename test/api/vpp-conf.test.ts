/**
 * The reading of VPP's startup config behind `vppnet doctor`'s main-loop
 * check: stanzas with nested braces and comments, as VPP's own parser takes them.
 */
import { stanza, mainLoopOf } from '../../glue/vpp-conf';

const SHIPPED = `
unix {
  nodaemon
  log /var/log/vpp/vpp.log
  ## poll-sleep-usec 100   (a comment: not a setting)
  cli-listen /run/vpp/cli.sock
}
plugins { plugin default { enable } plugin dpdk_plugin.so { disable } }
session { enable use-app-socket-api use-private-rx-mqs }
`;

describe("VPP's startup config", () => {
  test('a stanza is its braces\' contents, nested braces included, comments dropped', () => {
    expect(stanza(SHIPPED, 'plugins')?.trim()).toBe('plugin default { enable } plugin dpdk_plugin.so { disable }');
    expect(stanza(SHIPPED, 'unix')).not.toMatch(/poll-sleep/);
    expect(stanza(SHIPPED, 'cpu')).toBeNull();
  });

  test("VPP's shipped config: no fixed sleep, private rx mqs, no workers", () => {
    expect(mainLoopOf(SHIPPED)).toEqual({ pollSleepUsec: 0, privateRxMqs: true, workers: false });
  });

  test('poll-sleep-usec, workers and no private rx mqs are read where VPP reads them', () => {
    const conf = 'unix { nodaemon poll-sleep-usec 250 } cpu { main-core 0 workers 2 } session { enable }';
    expect(mainLoopOf(conf)).toEqual({ pollSleepUsec: 250, privateRxMqs: false, workers: true });
    // the word elsewhere does not count: only inside unix { }
    expect(mainLoopOf('session { enable } # unix { poll-sleep-usec 9 }').pollSleepUsec).toBe(0);
    expect(mainLoopOf('cpu { corelist-workers 1-3 }').workers).toBe(true);
    expect(mainLoopOf('cpu { workers 0 }').workers).toBe(false);
  });
});
