/**
 * The core's exported functions as the engines bind them (vppnet_core.h minus
 * `vn_` and the core pointer). test/core/abi.test.ts checks this list against
 * the header, the WASM exports and the CoreApi interface.
 */
import type { CoreApi } from './types';

export const CORE_FUNCTIONS: readonly (keyof CoreApi)[] = [
  'attach_encode', 'attach_decode', 'attach_info', 'segment_add', 'segment_del', 'segment_base',
  'attach_finish', 'poll', 'signals', 'listen', 'unlisten', 'connect', 'shutdown', 'close', 'abort',
  'session_addr', 'session_flags', 'session_poll', 'session_fifo', 'tx_reserve', 'tx_commit', 'rx_peek', 'rx_release',
];

/** Functions returning uint32_t: read back unsigned. */
export const U32_RESULTS: ReadonlySet<string> = new Set(['attach_info', 'signals', 'session_flags', 'segment_base', 'session_fifo']);

/** Constants of vppnet_core.h the glue uses. */
export const VN = {
  SAPI_MSG_SIZE: 209,
  EVENT_WORDS: 8,
  SEG_APP: 0,
  SEG_VPP_MQ: 1,
  FD_VPP_MQ_SEGMENT: 0x1,
  FD_MEMFD_SEGMENT: 0x2,
  FD_MQ_EVENTFD: 0x4,
  FD_VPP_MQ_EVENTFD: 0x8,
  APP_ACCEPT_REDIRECT: 0x01,
  APP_ADD_SEGMENT: 0x02,
  APP_USE_GLOBAL_SCOPE: 0x20,
  APP_USE_LOCAL_SCOPE: 0x40,
  APP_EVT_MQ_EVENTFD: 0x80,
  INFO: { RETVAL: 0, APP_INDEX: 1, CLIENT_HANDLE: 2, N_FDS: 3, FD_FLAGS: 4, SEG_HANDLE_LO: 5, SEG_HANDLE_HI: 6,
    N_VPP_MQS: 7, SEGMENTS: 8, SESSIONS: 9, PENDING: 10, BAD_MSGS: 11, POISONED: 12, CT_CLOSING: 13, UNREAD: 14 },
  SS_CUT_THROUGH: 0x1,
  SS_PEER_CLOSED: 0x2,
  SS_RESET: 0x4,
} as const;

export const enum Ev {
  BOUND = 1, UNBOUND = 2, ACCEPTED = 3, CONNECTED = 4, RX = 5, TX = 6, PEER_CLOSED = 7, RESET = 8,
  CLOSED = 9, ADD_SEGMENT = 10, DEL_SEGMENT = 11, SESSION_ERROR = 12, ATTACH_ERROR = 13,
}
