/**
 * Connect admission of one attachment: how many CONNECTs may wait for VPP's
 * answer at once, and which ones do (by endpoint), so that a listener of this
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

/** A connect's destination, or a listener's address (0.0.0.0 and :: take every address of their family). */
export interface Endpoint { address: string; family: 4 | 6; port: number }
const WILDCARD = new Set(['0.0.0.0', '::']);
/** Whether VPP can hand a connect to `to` to a listener on `l`: a connect to another family or address cannot reach it. */
const reaches = (to: Endpoint, l: Endpoint) =>
  to.port === l.port && to.family === l.family && (WILDCARD.has(l.address) || to.address === l.address);
const keyOf = (l: Endpoint) => `${l.family} ${l.address} ${l.port}`;

export class Connects {
  private slotsUsed = 0;
  private readonly queue: (() => void)[] = [];
  /** LISTENs and UNLISTENs of this app VPP has not answered (gate, below). */
  private ctrl = 0;
  /** Connects sent since the first of those went out, and the ones held back. */
  private sentBehindCtrl = 0;
  private readonly held: (() => void)[] = [];
  private readonly inFlight = new Map<number, Endpoint>();   // sid -> destination
  private readonly waiters = new Map<string, { listener: Endpoint; fns: (() => void)[] }>();   // unlistens waiting
  /** The other attachment of this process whose connects reach our listeners (VPP 26.06's self-connects). */
  paired?: Connects;

  /** Run `start` now if a slot is free, else when one is. */
  slot(start: () => void) {
    if (this.ctrl > 0) {
      if (this.sentBehindCtrl >= 1) { this.held.push(start); return; }
      this.sentBehindCtrl++;
    }
    if (this.slotsUsed < MAX_IN_FLIGHT) { this.slotsUsed++; start(); } else this.queue.push(start);
  }

  /**
   * VPP with worker threads (26.06 and 26.10) hands a LISTEN or UNLISTEN
   * that reaches a worker to its main thread, and a CONNECT the worker reads
   * while that is pending joins it there, to keep the order. The main thread
   * then runs that list with the workers stopped, and a CONNECT it finds
   * there re-queues itself behind whatever else is still in the list: two
   * such CONNECTs re-queue each other forever. VPP's main thread spins and
   * every app of that VPP stops (docs/vpp-bugs.md, bug 5). So while a LISTEN
   * or UNLISTEN of this app waits for VPP's answer, at most one CONNECT goes
   * out; the rest go once VPP has answered.
   */
  ctrlSent() { this.ctrl++; }
  ctrlAnswered() {
    if (this.ctrl === 0 || --this.ctrl > 0) return;
    this.sentBehindCtrl = 0;
    for (const start of this.held.splice(0)) this.slot(start);
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
   * listener of this app is closed only once this app's connects that can
   * reach it are answered (not one to another address: Happy Eyeballs leaves
   * an abandoned attempt that VPP's TCP may answer only at its timeout), and
   * new connects to a listener being closed are refused, as a closed one would.
   */
  sent(sid: number, to: Endpoint) { this.inFlight.set(sid, to); }
  answered(sid: number) {
    if (!this.inFlight.delete(sid)) return;
    this.runWaiters();
    this.paired?.runWaiters();
  }
  /** The process is exiting: the answer counts, but the unlistens waiting for it stay unsent (the detach frees those listeners). */
  answeredAtExit(sid: number) { this.inFlight.delete(sid); }
  get unanswered() { return this.inFlight.size; }

  /** Run fn once no connect of this app that can reach `listener` waits for VPP's answer. */
  after(listener: Endpoint, fn: () => void) {
    if (!this.towards(listener)) { fn(); return; }
    debug('unlisten of %s port %d waits for this app\'s connects to it', listener.address, listener.port);
    const w = this.waiters.get(keyOf(listener));
    if (w) w.fns.push(fn); else this.waiters.set(keyOf(listener), { listener, fns: [fn] });
  }
  /** A listener of this app (or of its paired attachment) that a connect to `to` can reach is being closed. */
  closing(to: Endpoint): boolean {
    const any = (c: Connects) => { for (const w of c.waiters.values()) if (reaches(to, w.listener)) return true; return false; };
    return any(this) || (!!this.paired && any(this.paired));
  }

  /** The attachment is gone: nothing is in flight, every waiting unlisten runs (and finds the stack dead). */
  clear() {
    this.inFlight.clear();
    this.ctrl = 0;
    this.sentBehindCtrl = 0;
    this.queue.push(...this.held.splice(0));
    const fns = [...this.waiters.values()].flatMap((w) => w.fns);
    this.waiters.clear();
    for (const fn of fns) fn();
    this.paired?.runWaiters();
  }

  /** Connects still waiting for a slot, taken out (to fail them on a dead stack). */
  drainQueue() { return [...this.held.splice(0), ...this.queue.splice(0)]; }

  private towards(l: Endpoint) {
    const mine = (c: Connects) => { for (const to of c.inFlight.values()) if (reaches(to, l)) return true; return false; };
    return mine(this) || (!!this.paired && mine(this.paired));
  }
  private runWaiters() {
    for (const [key, w] of this.waiters) {
      if (this.towards(w.listener)) continue;
      this.waiters.delete(key);
      for (const fn of w.fns) fn();
    }
  }
}
