/**
 * Connect admission of one attachment: how many CONNECTs may wait for VPP's
 * answer at once, and which ones do (by port), so that a listener of this
 * app is never closed while its own connects race towards it.
 */
import { debuglog } from 'util';

const debug = debuglog('vppnet');

/**
 * Each connect in flight makes VPP queue control messages for us (CONNECTED,
 * and ACCEPTED when we are also the server); a full control ring makes VPP
 * fail the connect. Excess connects wait their turn.
 */
const MAX_IN_FLIGHT = 64;

export class Connects {
  private slotsUsed = 0;
  private readonly queue: (() => void)[] = [];
  private readonly inFlight = new Map<number, number>();   // sid -> port
  private readonly waiters = new Map<number, (() => void)[]>();   // port -> unlistens waiting
  /** The other attachment of this process whose connects reach our listeners (VPP 26.06's self-connects). */
  paired?: Connects;

  /** Run `start` now if a slot is free, else when one is. */
  slot(start: () => void) {
    if (this.slotsUsed < MAX_IN_FLIGHT) { this.slotsUsed++; start(); } else this.queue.push(start);
  }
  releaseSlot() {
    const next = this.queue.shift();
    // on a later tick: a connect that fails at once releases its slot again,
    // and a long queue would otherwise recurse through every one of them
    if (next) process.nextTick(next); else this.slotsUsed--;
  }

  /**
   * VPP (26.06 and 26.10) accepts a cut-through connect two turns of its
   * loop after the CONNECT, through the listener it found at first, without
   * checking that the listener still exists: an UNLISTEN in between makes VPP
   * dereference the freed listener (ct_accept_one, docs/vpp-bugs.md). So a
   * listener of this app is closed only once this app's connects to its port
   * are answered, and new connects to a port being closed are refused, as a
   * closed listener would.
   */
  sent(sid: number, port: number) { this.inFlight.set(sid, port); }
  answered(sid: number) {
    if (!this.inFlight.delete(sid)) return;
    this.runWaiters();
    this.paired?.runWaiters();
  }
  /** The process is exiting: the answer counts, but the unlistens waiting for it stay unsent (the detach frees those listeners). */
  answeredAtExit(sid: number) { this.inFlight.delete(sid); }
  get unanswered() { return this.inFlight.size; }

  /** Run fn once no connect of this app to `port` waits for VPP's answer. */
  after(port: number, fn: () => void) {
    if (!this.to(port)) { fn(); return; }
    debug('unlisten of port %d waits for this app\'s connects to it', port);
    const fns = this.waiters.get(port);
    if (fns) fns.push(fn); else this.waiters.set(port, [fn]);
  }
  /** A listener of this app (or of its paired attachment) on `port` is being closed. */
  closing(port: number): boolean { return this.waiters.has(port) || !!this.paired?.waiters.has(port); }

  /** The attachment is gone: nothing is in flight, every waiting unlisten runs (and finds the stack dead). */
  clear() {
    this.inFlight.clear();
    const fns = [...this.waiters.values()].flat();
    this.waiters.clear();
    for (const fn of fns) fn();
    this.paired?.runWaiters();
  }

  /** Connects still waiting for a slot, taken out (to fail them on a dead stack). */
  drainQueue() { return this.queue.splice(0); }

  private to(port: number) {
    const mine = (c: Connects) => { for (const p of c.inFlight.values()) if (p === port) return true; return false; };
    return mine(this) || (!!this.paired && mine(this.paired));
  }
  private runWaiters() {
    for (const [port, fns] of this.waiters) {
      if (this.to(port)) continue;
      this.waiters.delete(port);
      for (const fn of fns) fn();
    }
  }
}
