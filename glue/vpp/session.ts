/**
 * Listener: one VPP listener as a server sees it — a sid on one stack's
 * core, opened and closed without the server touching the core or its
 * scratch buffer. (A Session class for the socket's data path, the same
 * calls wrapped, was measured to raise the rate of a timing-sensitive VPP
 * crash in the chaos test from 0/10 to ~5/10 runs, so the socket calls the
 * engine itself: docs/vpp-bugs.md, bug 3.)
 */
import type { Stack } from './stack';
import { ipToBytes } from './addr';

export class Listener {
  constructor(readonly stack: Stack, readonly sid: number) {}

  /** Ask VPP to listen: a Listener (BOUND answers), or a negative core error (VN_EAGAIN: try again). */
  static listen(stack: Stack, address: string, family: number, port: number): Listener | number {
    const { engine } = stack;
    engine.scratch().set(ipToBytes(address, family));
    const sid = engine.core.listen(family === 4 ? 1 : 0, port);
    if (sid < 0) return sid;
    stack.kick();
    return new Listener(stack, sid);
  }

  /** UNLISTEN (UNBOUND answers). */
  close() { this.stack.engine.core.unlisten(this.sid); this.stack.kick(); }
}
