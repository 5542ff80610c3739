/**
 * Busy polling (opt-in, like Linux's SO_BUSY_POLL): a session waiting on an
 * empty rx fifo or a full tx fifo checks the fifo itself once per turn of the
 * event loop, for up to its busyPoll µs after it last moved a byte, instead of
 * waiting for VPP to relay the peer's event. While it polls, the core arms no
 * events for it (vn_session_poll), so neither the peer nor VPP relays
 * notifications nobody waits for; on cut-through two polling ends need VPP for
 * nothing on the data path. setImmediate, so timers and other sockets run.
 */

/** A session that busy-polls its fifos while it waits. */
export interface BusyPollSink {
  /** Microseconds to keep polling after the last byte moved. */
  readonly busyPoll: number;
  /** Try to read and write now; returns a count that grows when bytes moved, or -1 when the session is gone. */
  busyPollOnce(): number;
  /** Polling starts (the core arms no events) or ends (arm them again, by reading and writing once). */
  busyPolling(on: boolean): void;
}

export class BusyPoller {
  private readonly polling = new Map<BusyPollSink, { mark: number; since: number }>();
  private scheduled = false;

  /** `alive()` false: the attachment died; polling stops. */
  constructor(private readonly alive: () => boolean) {}

  start(sink: BusyPollSink) {
    if (this.polling.has(sink)) return;
    this.polling.set(sink, { mark: -1, since: 0 });   // the first poll starts the window
    sink.busyPolling(true);
    if (!this.scheduled) { this.scheduled = true; setImmediate(this.turn); }
  }

  private readonly turn = () => {
    this.scheduled = false;
    if (!this.alive()) { this.polling.clear(); return; }
    const now = performance.now();
    for (const [sink, st] of this.polling) {
      const mark = sink.busyPollOnce();
      if (mark !== st.mark) { st.mark = mark; st.since = now; }
      if (mark < 0) this.polling.delete(sink);
      else if (now - st.since > sink.busyPoll / 1000) { this.polling.delete(sink); sink.busyPolling(false); }
    }
    if (this.polling.size) { this.scheduled = true; setImmediate(this.turn); }
  };
}
