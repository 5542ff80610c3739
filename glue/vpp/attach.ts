/**
 * The attach handshake over VPP's app socket: ATTACH, the reply and its fds
 * (in flag order: VPP mq segment, app segment, app mq eventfd, VPP mq
 * eventfds), the two segments mapped, the core's queues located.
 */
import type { Engine } from '../engine/types';
import { VN } from '../engine/abi';
import type { Host } from '../host';
import { attachFailed, attachRefused } from '../errors';
import type { SegmentTable } from './segments';

export interface AttachOptions {
  appSocket: string;
  /** 'both' (cut-through to local listeners, TCP otherwise), or 'global' (always VPP's TCP). */
  scope: 'both' | 'global';
  fifoSize: number;
  segmentSize: number;
  addSegmentSize: number;
  evtQueueSize: number;
  attachTimeoutMs: number;
}

/** The attachment's fds; closing the app socket is how VPP learns the app is gone. */
export interface Attachment { sapiFd: number; mqEventFd: number; vppMqEventFds: number[] }

let attachSeq = 0;

/** Attach, mapping the segments into `segments`; on failure every fd taken is closed (the caller releases `segments`). */
export function attach(host: Host, engine: Engine, opts: AttachOptions, segments: SegmentTable): Attachment {
  const core = engine.core;
  const sapiFd = host.sapiConnect(opts.appSocket, opts.attachTimeoutMs);
  const taken = [sapiFd];
  try {
    const flags = VN.APP_ACCEPT_REDIRECT | VN.APP_ADD_SEGMENT | VN.APP_USE_GLOBAL_SCOPE | VN.APP_EVT_MQ_EVENTFD |
      (opts.scope === 'both' ? VN.APP_USE_LOCAL_SCOPE : 0);
    const len = core.attach_encode(process.pid, ++attachSeq, flags, opts.evtQueueSize, opts.segmentSize,
      opts.addSegmentSize, opts.fifoSize, opts.fifoSize);
    let reply: ReturnType<Host['sapiRecv']>;
    try {
      host.sapiSend(sapiFd, engine.scratch().subarray(0, len));
      reply = host.sapiRecv(sapiFd, opts.attachTimeoutMs);
    } catch (e) {
      throw attachFailed(opts.appSocket, e as NodeJS.ErrnoException, opts.attachTimeoutMs);
    }
    const { msg, fds } = reply;
    engine.scratch().set(msg.subarray(0, Math.min(msg.length, VN.SCRATCH_SIZE)));
    const fdFlags = core.attach_decode(msg.length, fds.length);
    if (fdFlags < 0) {
      for (const fd of fds) host.closeFd(fd);
      throw attachRefused(fdFlags, core.attach_info(VN.INFO.RETVAL) | 0, opts.appSocket);
    }
    let i = 0;
    const take = () => fds[i++];
    const vppSegFd = fdFlags & VN.FD_VPP_MQ_SEGMENT ? take() : -1;
    const appSegFd = fdFlags & VN.FD_MEMFD_SEGMENT ? take() : -1;
    const mqEventFd = fdFlags & VN.FD_MQ_EVENTFD ? take() : -1;
    const vppMqEventFds = fds.slice(i);
    taken.push(mqEventFd, ...vppMqEventFds);
    try {
      if (vppSegFd >= 0) segments.map(vppSegFd, VN.SEG_VPP_MQ, 0, 0);
    } catch (e) {
      if (appSegFd >= 0) host.closeFd(appSegFd);   // map() closes the fd it is given, not the next one
      throw e;
    }
    if (appSegFd >= 0) segments.map(appSegFd, VN.SEG_APP, core.attach_info(VN.INFO.SEG_HANDLE_LO), core.attach_info(VN.INFO.SEG_HANDLE_HI));
    const rv = core.attach_finish();
    if (rv < 0) {
      throw attachRefused(rv, 0, opts.appSocket,
        rv === VN.EPROTO ? 'VPP must run with "session { use-private-rx-mqs }" and hand out eventfds' : undefined);
    }
    return { sapiFd, mqEventFd, vppMqEventFds };
  } catch (e) {
    for (const fd of taken) if (fd >= 0) host.closeFd(fd);
    throw e;
  }
}
