/*
 * core.h — the core's private state and the bounded accessors every module
 * uses to touch shared memory. Nothing here trusts what it reads from a
 * segment: an offset becomes a pointer only through shm_at(), which checks it
 * against the segment's mapped size.
 *
 * The modules, one concern each (all but vn_* names are internal):
 *   layout.h   offsets and sizes of VPP's structures and messages, checked
 *   core.c     lifetime, attach handshake, segment table, vn_poll
 *   mq.c       message queues: the app's (consumed), VPP-bound (produced)
 *   encode.c   the control messages sent to VPP (msg_*)
 *   session.c  the session table, the app's control calls, what VPP sends
 *   handles.c  VPP handle -> sid map, session table growth (hmap_*)
 *   pending.c  messages a full VPP-bound queue turned away, retried (pending_*)
 *   fifo.c     data fifos and their chunk freelists (fifo_*)
 */
#ifndef VN_CORE_H
#define VN_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "vppnet_core.h"
#include "layout.h"

typedef struct {
  uint8_t *base;        /* mapping base in our address space; NULL = free slot */
  uint64_t size;        /* bytes mapped */
  uint64_t fsh;         /* offset of the fifo segment header from base */
  uint64_t handle;      /* VPP's segment handle */
  uint32_t refs;        /* fifos of live sessions that point into it */
  uint8_t kind;
} vn_seg_t;

/* A message queue, located and validated once; only head/tail/cursize are
 * re-read, and range-checked, on every use. */
typedef struct {
  uint8_t *q;
  uint8_t *slots;
  uint8_t *ring[2];
  uint32_t maxsize;
  uint32_t nitems[2];
  uint32_t elsize[2];
  uint64_t off;         /* offset from its segment's fsh (VPP names queues by it) */
} vn_mq_t;

typedef struct {
  uint8_t *shr;         /* svm_fifo_shared_t; NULL = none */
  uint16_t seg;
} vn_fifo_t;

enum {
  SS_FREE = 0,
  SS_LISTEN_PENDING,
  SS_LISTENER,
  SS_UNLISTENING,
  SS_CONNECTING,
  SS_READY,
};

/* session flags */
#define SF_CT            0x01u   /* cut-through: data fifos != signal fifos */
#define SF_PEER_CLOSED   0x02u   /* DISCONNECTED received */
#define SF_RESET         0x04u   /* RESET received */
#define SF_APP_CLOSED    0x08u   /* vn_close / vn_abort called */
#define SF_ANSWERED      0x10u   /* DISCONNECT / *_REPLY / TERMINATE sent */
#define SF_VPP_FREED     0x20u   /* CLEANUP(session) received */
#define SF_POISONED      0x40u   /* bad shared memory: no more fifo access */
#define SF_HAS_HANDLE    0x80u

/* session pend bits: messages still owed to VPP, whose queue was full (pending.c) */
#define PEND_ACCEPT_REPLY 0x1u
#define PEND_TX_EVT       0x2u
#define PEND_DEQ_NTF      0x4u
#define PEND_CLOSE        0x8u
#define PEND_SHUTDOWN     0x10u

/* session flags2 */
#define SF2_SHUT          0x01u   /* vn_shutdown called: no more writes */
#define SF2_ACCEPTED      0x02u   /* the server end of the session */
#define SF2_POLL          0x04u   /* vn_session_poll: the host polls, arm no events */
#define SF2_DGRAM         0x08u   /* a connectionless UDP session (vn_udp_bind): datagram records, TX_MAIN */
#define SF2_ATTR_ASKED    0x10u   /* vn_tls_alpn sent: its reply is expected */

typedef struct {
  uint8_t state;
  uint8_t flags;
  uint8_t pend;
  uint8_t flags2;
  uint8_t close_type;     /* event type of the pending close message */
  uint8_t mq;             /* index of the session's VPP-bound queue */
  uint8_t is_ip4;
  uint16_t lcl_port, rmt_port;   /* host order */
  uint32_t listener;      /* accepted: listener sid */
  uint32_t app_index;     /* accepted: ACCEPTED.context, echoed in the reply */
  uint32_t rx_epoch;      /* last vn_poll that reported VN_EV_RX */
  uint32_t freed_epoch;   /* free: epoch + 1 of the vn_poll that freed it (survives reuse) */
  uint32_t tx_reserved;   /* bytes handed out by vn_tx_reserve */
  uint32_t rx_peeked;     /* bytes handed out by vn_rx_peek */
  uint32_t cl_index;      /* dgram: low half of BOUND's cl_sh_handle, named in its TX_MAIN events */
  uint32_t dgram_len;     /* dgram: the record vn_dgram_peek handed out, header included */
  uint64_t handle;
  vn_fifo_t rx, tx;       /* data fifos */
  vn_fifo_t rx_sig, tx_sig; /* signal fifos (= data fifos unless cut-through) */
  uint8_t lcl_ip[16], rmt_ip[16];
} vn_session_t;

struct vn_core {
  uint8_t scratch[VN_SCRATCH_SIZE];
  vn_iov_t iov[VN_MAX_IOV];
  uint32_t *events;
  uint32_t event_cap, n_events;
  uint32_t epoch;

  vn_seg_t seg[VN_MAX_SEGMENTS];
  vn_mq_t app_mq;
  vn_mq_t vpp_mq[VN_MAX_VPP_MQS];
  uint32_t n_vpp_mqs, ctrl_mq;
  uint32_t signals;
  uint8_t attached, poisoned;

  /* attach reply */
  int32_t retval;
  uint32_t app_index, client_handle, n_fds, fd_flags;
  uint64_t app_mq_off, ctrl_mq_off, first_seg_handle;
  uint32_t ctrl_mq_thread;

  vn_session_t *sessions;
  uint32_t max_sessions, n_sessions, free_hint;   /* max_sessions: slots allocated now */
  uint32_t session_limit;                         /* the table grows (doubling) up to this */
  uint32_t n_pending;                             /* sessions with pend bits (pending.c) */
  /* handle -> sid of sessions and listeners (handles.c); a handle may name
   * one of each for a while, so lookups say which kind they want */
  uint32_t *hmap;
  uint32_t hmap_mask;
  uint32_t bad_msgs;
  uint64_t refused[VN_REFUSED_SEGMENTS];   /* segments the host could not map (ring) */
  uint32_t n_refused;
};

/* ---- bounded shared-memory access ---- */
/* Pointer to [off, off+len) of segment s, offsets from its fsh; NULL if out of bounds. */
static inline uint8_t *shm_at(const vn_seg_t *s, uint64_t off, uint64_t len) {
  uint64_t room = s->size - s->fsh;
  if (!s->base || off > room || len > room - off) return NULL;
  return s->base + s->fsh + off;
}
static inline int is_aligned(const void *p, uintptr_t a) { return ((uintptr_t)p & (a - 1)) == 0; }

static inline uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline uint16_t byte_swap16(uint16_t v) { return (uint16_t)((v >> 8) | (v << 8)); }

/* Atomics on naturally aligned shared fields (callers check alignment once
 * when they validate the structure). */
#define A32(p) ((uint32_t *)(void *)(p))
#define A64(p) ((uint64_t *)(void *)(p))
static inline uint32_t ld_acq32(uint8_t *p) { return __atomic_load_n(A32(p), __ATOMIC_ACQUIRE); }
static inline void st_rel32(uint8_t *p, uint32_t v) { __atomic_store_n(A32(p), v, __ATOMIC_RELEASE); }

/* ---- module entry points ---- */
/* core.c */
void core_emit(vn_core_t *c, uint32_t type, uint32_t sid, uint32_t a, uint32_t b, uint32_t d, uint32_t e);
void core_poison(vn_core_t *c, int32_t err);
vn_seg_t *seg_by_handle(vn_core_t *c, uint64_t handle, uint32_t *slot);
int seg_refused(const vn_core_t *c, uint64_t handle);   /* vn_segment_refused named it */

/* mq.c */
int mq_locate(vn_mq_t *mq, const vn_seg_t *s, uint64_t off);
/* Reserve an element on ring r of a VPP-bound queue: returns its address
 * (zeroed, elsize bytes) or NULL if full. mq_commit publishes it. */
uint8_t *mq_alloc(vn_core_t *c, vn_mq_t *mq, uint32_t r, uint32_t *elt);
int mq_commit(vn_core_t *c, uint32_t mq_index, uint32_t r, uint32_t elt);
/* Dequeue one message from the app mq into out (CTRL_EVT_SIZE bytes).
 * Returns 1 with *ring set, 0 if empty, <0 if the queue is corrupt. */
int mq_dequeue(vn_mq_t *mq, uint8_t *out, uint32_t *ring);
/* Post a control message (type + payload of len bytes) / an IO event. */
int mq_send_ctrl(vn_core_t *c, uint32_t mq_index, uint8_t type, const uint8_t *msg, uint32_t len);
int mq_send_io(vn_core_t *c, uint32_t mq_index, uint8_t type, uint32_t session_index);

/* encode.c: build one message to VPP and post it on VPP-bound queue mq
 * (listen, unlisten, connect: the control queue). 0 posted, VN_EAGAIN full,
 * another negative code if nothing can be sent. */
int msg_listen(vn_core_t *c, uint32_t sid, uint32_t is_ip4, uint16_t port, const uint8_t *ip, uint8_t proto,
               uint64_t ext);
int msg_unlisten(vn_core_t *c, uint32_t sid, uint64_t handle);
int msg_connect(vn_core_t *c, uint32_t sid, uint32_t is_ip4, uint16_t port, const uint8_t *ip,
                uint16_t lcl_port, const uint8_t *lcl_ip, uint8_t proto, uint64_t ext);
/* SHUTDOWN, DISCONNECT, TERMINATE, DISCONNECTED_REPLY, RESET_REPLY (type) */
int msg_close(vn_core_t *c, uint32_t mq, uint8_t type, uint64_t handle);
int msg_accepted_reply(vn_core_t *c, uint32_t mq, uint32_t context, int32_t retval, uint64_t handle, uint32_t sid);
int msg_transport_attr_get(vn_core_t *c, uint32_t mq, uint64_t handle, uint8_t type);

/* handles.c: handle -> sid; NO_SID if none (of that kind) */
#define NO_SID 0xFFFFFFFFu
uint32_t hmap_get(const vn_core_t *c, uint64_t handle, int listener);
void hmap_put(vn_core_t *c, uint32_t sid);      /* under c->sessions[sid].handle; sets SF_HAS_HANDLE */
void hmap_del(vn_core_t *c, uint32_t sid);
/* Grow the session table to n slots (n > current, <= session_limit) and
 * rebuild the map for it; VN_ENOMEM if out of memory. */
#define VN_SESSIONS_INITIAL 1024u
int32_t session_table_grow(vn_core_t *c, uint32_t n);

/* pending.c: post now, or set the session's pend bit if the queue is full */
void pending_post_io(vn_core_t *c, vn_session_t *s, uint8_t type, uint8_t bit);
void pending_close(vn_core_t *c, vn_session_t *s, uint8_t type, uint8_t bit);
void pending_accepted_reply(vn_core_t *c, vn_session_t *s, uint32_t sid);
void pending_mark(vn_core_t *c, vn_session_t *s, uint8_t bit);
void pending_clear(vn_core_t *c, vn_session_t *s);   /* the session is gone: owe nothing */
void pending_retry(vn_core_t *c);                    /* vn_poll, while c->n_pending */

/* fifo.c */
int fifo_bind(vn_core_t *c, vn_fifo_t *f, uint32_t seg_slot, uint64_t off);
int32_t fifo_tx_reserve(vn_core_t *c, vn_session_t *s, uint32_t len);
int32_t fifo_tx_commit(vn_core_t *c, vn_session_t *s, uint32_t n);
void fifo_tx_event(vn_core_t *c, vn_session_t *s);
int32_t fifo_rx_peek(vn_core_t *c, vn_session_t *s, uint32_t len);
int32_t fifo_rx_release(vn_core_t *c, vn_session_t *s, uint32_t n);
int fifo_poison(vn_core_t *c, vn_session_t *s);
int seg_chunk_alloc(const vn_seg_t *s, uint32_t len, uint64_t *off, uint8_t **data);   /* 1, 0 no room, <0 */
int seg_chunk_free(const vn_seg_t *s, uint64_t off);   /* the session's fifos lied: cut it off; VN_EBADMSG */

/* session.c */
void session_dispatch(vn_core_t *c, const uint8_t *elt, uint32_t ring);
/* LISTEN / CONNECT of any transport (ip at scratch[0], a connect's local ip
 * at scratch[16]); ext: the offset of an ext config chunk, or 0 */
int32_t session_listen(vn_core_t *c, uint32_t is_ip4, uint32_t port, uint8_t proto, uint64_t ext);
int32_t session_connect(vn_core_t *c, uint32_t is_ip4, uint32_t port, uint32_t lcl_port, uint8_t proto, uint64_t ext);

#endif
