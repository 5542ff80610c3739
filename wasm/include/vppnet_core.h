/*
 * vppnet_core.h — the one boundary between the session-layer core (C) and its hosts.
 *
 * The core is the client side of VPP's host-stack session protocol, sans-I/O:
 * it never makes a syscall, never owns a file descriptor and never allocates
 * on the data path. The host maps segments (memfds) wherever it likes, hands
 * the core their base and size, moves 209-byte socket messages in and out of
 * the core's scratch buffer, and writes eventfds when the core asks it to.
 *
 * The same C builds to WebAssembly (wasm32; pointers are offsets into linear
 * memory) and natively into the Node addon (x86_64). Every function here is
 * exported by both. scripts/gen-boundary.js writes the glue's CoreApi, function
 * table and constants (glue/engine/boundary.generated.ts), the addon's wrapper
 * table (host/src/core_functions.generated.h) and emcc's export list from this
 * file: it understands only the kinds of declaration used here.
 *
 * Conventions:
 *  - Results are >= 0 on success, a negative Linux errno on failure (VN_E*).
 *  - Sessions and listeners share one table; their index ("sid") is also the
 *    app session index VPP echoes back in events.
 *  - 64-bit values (VPP handles) cross the boundary as two u32 halves.
 *  - Everything read from shared memory is untrusted: offsets and lengths are
 *    bounds-checked against the segment they claim to be in.
 */
#ifndef VPPNET_CORE_H
#define VPPNET_CORE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors (negative errno values, mapped to Node codes in glue/errors.ts) ---- */
#define VN_ENOENT       (-2)    /* no such session / segment */
#define VN_EAGAIN       (-11)   /* a VPP-bound queue is full: retry later */
#define VN_ENOMEM       (-12)   /* session table full, segment has no room */
#define VN_EBUSY        (-16)   /* segment still used by sessions */
#define VN_EINVAL       (-22)   /* bad argument from the host */
#define VN_EPIPE        (-32)   /* session no longer writable */
#define VN_EPROTO       (-71)   /* VPP sent something the protocol does not allow */
#define VN_EBADMSG      (-74)   /* malformed shared memory (bad offset, length, type) */
#define VN_ENOTCONN     (-107)  /* session not established */
#define VN_ESHUTDOWN    (-108)  /* attachment poisoned or detached */

/* ---- sizes ---- */
#define VN_SAPI_MSG_SIZE   209   /* every app-socket message, both directions */
#define VN_SAPI_SEND_FDS     5   /* type of the datagram carrying a new segment's fd */
#define VN_SCRATCH_SIZE    512   /* vn_scratch(): socket messages, addresses */
#define VN_EVENT_WORDS     8     /* one event = 8 x u32 */
#define VN_MAX_IOV         32    /* vn_iov(): at most this many regions */
#define VN_MAX_SEGMENTS    256   /* a cut-through segment per (client app, listener) pair */
#define VN_MAX_VPP_MQS     16

/* ---- attach option flags (APP_OPTIONS_FLAGS bits) ---- */
#define VN_APP_ACCEPT_REDIRECT   0x01u
#define VN_APP_ADD_SEGMENT       0x02u
#define VN_APP_USE_GLOBAL_SCOPE  0x20u
#define VN_APP_USE_LOCAL_SCOPE   0x40u
#define VN_APP_EVT_MQ_EVENTFD    0x80u

/* ---- attach reply fd flags, in the order the fds arrive ---- */
#define VN_FD_VPP_MQ_SEGMENT  0x1u
#define VN_FD_MEMFD_SEGMENT   0x2u
#define VN_FD_MQ_EVENTFD      0x4u
#define VN_FD_VPP_MQ_EVENTFD  0x8u

/* ---- segment kinds for vn_segment_add ---- */
#define VN_SEG_APP     0   /* fifo segment named by a VPP segment handle */
#define VN_SEG_VPP_MQ  1   /* the VPP mq segment of the attach reply (no handle) */

/* ---- events the core reports (vn_events(), VN_EVENT_WORDS u32 each) ----
 * word 0 = type, word 1 = sid, words 2.. as listed. */
enum vn_event_type {
  VN_EV_BOUND = 1,        /* listen result: [2]=VPP retval (0 / SESSION_E_*) [3]=port (host order) */
  VN_EV_UNBOUND = 2,      /* unlisten done: [2]=VPP retval; the listener sid is free */
  VN_EV_ACCEPTED = 3,     /* new session sid: [2]=listener sid */
  VN_EV_CONNECTED = 4,    /* connect result: [2]=VPP retval (0 / SESSION_E_*); on error the sid is free */
  VN_EV_RX = 5,           /* data (or EOF) may be readable */
  VN_EV_TX = 6,           /* tx fifo has room again */
  VN_EV_PEER_CLOSED = 7,  /* peer sent FIN: read what is left, then EOF */
  VN_EV_RESET = 8,        /* peer reset the connection */
  VN_EV_CLOSED = 9,       /* VPP freed the session: no more data either way. The sid
                             is free once both this happened and vn_close was called */
  VN_EV_ADD_SEGMENT = 10, /* map a new segment: [2..3]=handle lo/hi [4]=size [5]=fd_flags.
                             vn_poll stops after it; call vn_segment_add, then poll again */
  VN_EV_DEL_SEGMENT = 11, /* [2]=segment slot, already forgotten by the core: unmap it */
  VN_EV_SESSION_ERROR = 12, /* [2]=err: the session is poisoned (bad shared memory) */
  VN_EV_ATTACH_ERROR = 13,  /* [2]=err: the attachment is poisoned; detach */
  VN_EV_ALPN = 14,        /* vn_tls_alpn's answer: [2]=VPP retval [3]=VPP's ALPN id (0: none) */
};

/* ---- scratch layout for vn_session_addr ---- */
#define VN_ADDR_IP       0   /* 16 bytes, ip46 in network order (IPv4 in bytes 12..15) */
#define VN_ADDR_PORT    16   /* u16, host order */
#define VN_ADDR_IS_IP4  18   /* u8 */
#define VN_DGRAM_LCL_IP 20   /* vn_dgram_peek: the address it was sent to (16 bytes);
                                vn_dgram_reserve: the source to send from */
#define VN_DGRAM_LEN    36   /* u32: vn_dgram_peek: the datagram's whole length */

/* ---- iov entry, as laid out in vn_iov() ---- */
typedef struct vn_iov {
  uintptr_t base;   /* address in the core's address space */
  uint32_t len;
} vn_iov_t;

typedef struct vn_core vn_core_t;

/* ---------- lifetime ---------- */
/* max_sessions: the most sessions the table grows to (it starts at up to 1024
 * and doubles when full); event_cap: events one vn_poll may report. */
vn_core_t *vn_core_new(uint32_t max_sessions, uint32_t event_cap);
void vn_core_free(vn_core_t *c);
uint8_t *vn_scratch(vn_core_t *c);          /* VN_SCRATCH_SIZE bytes */
uint32_t *vn_events(vn_core_t *c);          /* event_cap * VN_EVENT_WORDS */
vn_iov_t *vn_iov(vn_core_t *c);             /* VN_MAX_IOV entries */

/* Page-aligned regions of the core's own memory (WASM: where the host maps
 * segments; also fixtures in tests). */
uintptr_t vn_region_alloc(uint32_t size);
void vn_region_free(uintptr_t base);

/* ---------- attach (socket messages through the scratch buffer) ---------- */
/* Writes the 209-byte ATTACH message to scratch. Name "vppnet-<pid>-<seq>".
 * Returns VN_SAPI_MSG_SIZE. */
int32_t vn_attach_encode(vn_core_t *c, uint32_t pid, uint32_t seq, uint32_t flags,
                         uint32_t evt_queue_size, uint32_t segment_size,
                         uint32_t add_segment_size, uint32_t rx_fifo_size,
                         uint32_t tx_fifo_size);
/* Decodes the ATTACH_REPLY in scratch (len bytes, n_fds fds received).
 * Returns its fd_flags (>= 0), or -errno; a VPP refusal gives -VPP_ERR-1000
 * (e.g. -1038 = WRONG_NS_SECRET): see vn_attach_info(VN_INFO_RETVAL). */
int32_t vn_attach_decode(vn_core_t *c, uint32_t len, uint32_t n_fds);
#define VN_INFO_RETVAL          0
#define VN_INFO_APP_INDEX       1
#define VN_INFO_CLIENT_HANDLE   2
#define VN_INFO_N_FDS           3
#define VN_INFO_FD_FLAGS        4
#define VN_INFO_SEG_HANDLE_LO   5
#define VN_INFO_SEG_HANDLE_HI   6
#define VN_INFO_N_VPP_MQS       7   /* after vn_attach_finish */
#define VN_INFO_SEGMENTS        8   /* mapped segments */
#define VN_INFO_SESSIONS        9   /* sessions + listeners in use */
#define VN_INFO_PENDING        10   /* messages waiting for room in a VPP-bound queue:
                                       call vn_poll again soon */
#define VN_INFO_BAD_MSGS       11   /* ignored messages (unknown type / session) */
#define VN_INFO_POISONED       12   /* 1 once the attachment is unusable */
#define VN_INFO_CT_CLOSING     13   /* cut-through sessions the app closed that VPP has
                                       not freed yet (its cleanup is still deferred) */
#define VN_INFO_UNREAD         14   /* messages in VPP-bound queues VPP has not taken yet */
uint32_t vn_attach_info(vn_core_t *c, uint32_t what);

/* Register a mapped segment; checks its header. Returns the slot (>= 0). */
int32_t vn_segment_add(vn_core_t *c, uint32_t kind, uint32_t handle_lo, uint32_t handle_hi,
                       uintptr_t base, uint32_t size);
/* The host could not map the segment VPP announced as handle (no room):
 * sessions VPP puts in it then fail with VN_ENOMEM, not as a protocol error.
 * The core remembers the last VN_REFUSED_SEGMENTS such handles. */
#define VN_REFUSED_SEGMENTS 32
int32_t vn_segment_refused(vn_core_t *c, uint32_t handle_lo, uint32_t handle_hi);
/* Forget a segment no session uses (for hosts tearing down). */
int32_t vn_segment_del(vn_core_t *c, uint32_t slot);
/* Base address of a slot (0 if empty) — lets the host find what to unmap. */
uintptr_t vn_segment_base(vn_core_t *c, uint32_t slot);
/* After both attach segments are added: locate and validate the app mq and
 * the VPP-bound queues. Returns 0. */
int32_t vn_attach_finish(vn_core_t *c);

/* ---------- wake-up: drain the app mq into the event ring ---------- */
/* Returns the number of events written to vn_events() (0..event_cap). Call
 * again until it returns 0: it stops early when the ring is nearly full and
 * right after a VN_EV_ADD_SEGMENT (map it first). */
int32_t vn_poll(vn_core_t *c);
/* Bitmask of VPP-bound queues that went empty -> non-empty since the last
 * call: the host writes 1 to VPP_MQ eventfd i for each set bit i. Clears it.
 * VN_SIGNALS_PENDING is set too while messages wait for room in a queue
 * (VN_INFO_PENDING > 0): the host retries later. One call per wake-up. */
#define VN_SIGNALS_PENDING 0x40000000u
uint32_t vn_signals(vn_core_t *c);

/* ---------- control (ip for listen/connect: 16 bytes at scratch[0]; a connect's
 * local ip at scratch[16], all zero for any) ---------- */
int32_t vn_listen(vn_core_t *c, uint32_t is_ip4, uint32_t port);    /* -> sid */
int32_t vn_unlisten(vn_core_t *c, uint32_t sid);
/* lcl_port 0: VPP picks the local port (and, with a zero local ip, the address) */
int32_t vn_connect(vn_core_t *c, uint32_t is_ip4, uint32_t port, uint32_t lcl_port);   /* -> sid */
int32_t vn_shutdown(vn_core_t *c, uint32_t sid);  /* half-close: FIN after tx drains */
int32_t vn_close(vn_core_t *c, uint32_t sid);     /* app is done with the session */
int32_t vn_abort(vn_core_t *c, uint32_t sid);     /* RST */
/* Local (which=0) or remote (which=1) address into scratch (VN_ADDR_*). */
int32_t vn_session_addr(vn_core_t *c, uint32_t sid, uint32_t which);
#define VN_SS_CUT_THROUGH 0x1u
#define VN_SS_PEER_CLOSED 0x2u   /* DISCONNECTED, or (cut-through) the peer's shutdown
                                    mark seen by an empty vn_rx_peek: EOF */
#define VN_SS_RESET       0x4u
uint32_t vn_session_flags(vn_core_t *c, uint32_t sid);
/* Polling mode (on = 1): the host checks this session's fifos itself (busy
 * polling), so the core stops arming the events it would otherwise sleep on:
 * a read leaves the rx has_event flag set (the peer posts no more RX events)
 * and a full tx fifo asks for no TX-space notification. Off (on = 0) clears
 * rx has_event, as a read would; the host then reads and writes once, so that
 * an empty read or a full write arms what it sleeps on. */
int32_t vn_session_poll(vn_core_t *c, uint32_t sid, uint32_t on);
/* Address of a session's svm_fifo_shared_t (which: 0 rx, 1 tx, 2 rx signal,
 * 3 tx signal), 0 if none. For tests that play a lying VPP. */
uintptr_t vn_session_fifo(vn_core_t *c, uint32_t sid, uint32_t which);

/* ---------- data ---------- */
/* Up to len bytes of tx fifo room as regions in vn_iov(); returns the bytes
 * available (0: full — a TX-space notification is armed, wait for VN_EV_TX;
 * VN_ENOMEM: the fifo has room but its segment has no memory to grow it —
 * no event will come for that, retry after a short delay). */
int32_t vn_tx_reserve(vn_core_t *c, uint32_t sid, uint32_t len);
/* Publish n bytes written into the reserved regions; tells VPP if needed. */
int32_t vn_tx_commit(vn_core_t *c, uint32_t sid, uint32_t n);
/* Up to len readable bytes as regions in vn_iov(); returns the count. */
int32_t vn_rx_peek(vn_core_t *c, uint32_t sid, uint32_t len);
/* Consume n bytes (frees chunks, sends a dequeue notification if VPP asked). */
int32_t vn_rx_release(vn_core_t *c, uint32_t sid, uint32_t n);

/* ---------- TLS in VPP (VPP's TLS transport; the fifos carry plaintext) ----------
 * A server's certificate and key go to VPP over the app socket first:
 * vn_cert_key_encode writes ADD_DEL_CERT_KEY into scratch (index 0: add a
 * pair whose cert and key, each with its terminating NUL, are cert_len and
 * key_len bytes; else delete pair `index`). The host sends it and, for an
 * add, the cert then the key as one more datagram right after it. Returns
 * VN_SAPI_MSG_SIZE, VN_EINVAL for lengths VPP cannot take (0, or over
 * 10000 each). vn_cert_key_decode reads the reply from scratch: the new
 * pair's index (>= 1; 0 for a delete), VPP's refusal as -1000 + its
 * SESSION_E value, VN_EPROTO if it is not the reply to `context`. */
int32_t vn_cert_key_encode(vn_core_t *c, uint32_t context, uint32_t index, uint32_t cert_len, uint32_t key_len);
int32_t vn_cert_key_decode(vn_core_t *c, uint32_t len, uint32_t context);
/* alpn: up to 4 of VPP's ALPN ids (tls_alpn_proto_t) in preference order,
 * byte i = the i-th, 0 ends the list. */
/* A TLS listener with pair ckpair (>= 1) on scratch[0] ip and port; answered
 * by VN_EV_BOUND as vn_listen. */
int32_t vn_tls_listen(vn_core_t *c, uint32_t is_ip4, uint32_t port, uint32_t ckpair, uint32_t alpn);   /* -> sid */
/* A TLS connect to scratch[0] ip and port. verify 1: VPP checks the chain
 * against its CA file and the name at scratch[VN_TLS_HOSTNAME] (NUL-
 * terminated, <= 255 bytes, also the SNI); 0: no check, no SNI. VN_EV_CONNECTED
 * comes after the handshake; a failed one is VPP's TLS_HANDSHAKE (-32). */
#define VN_TLS_HOSTNAME      32
#define VN_TLS_HOSTNAME_MAX 255
int32_t vn_tls_connect(vn_core_t *c, uint32_t is_ip4, uint32_t port, uint32_t verify, uint32_t alpn);   /* -> sid */
/* Ask VPP which ALPN protocol a TLS session's handshake chose (VPP says so in
 * no session message): VN_EV_ALPN answers. */
int32_t vn_tls_alpn(vn_core_t *c, uint32_t sid);

/* ---------- datagrams (UDP: vn_udp_bind sessions) ----------
 * Every record in a UDP session's fifos is one datagram: VPP's 47-byte
 * header (peer, local address, ports, length), then its payload. */
/* A connectionless UDP session on scratch[0] ip and port (non-zero; VPP
 * picks none). VN_EV_BOUND answers as for vn_listen; then the session reads
 * and writes datagrams, and vn_unlisten closes it. */
int32_t vn_udp_bind(vn_core_t *c, uint32_t is_ip4, uint32_t port);   /* -> sid */
/* A connected UDP session to scratch[0] ip and port: its CONNECTED's local
 * address says which source VPP picks for that peer (then vn_close it). */
int32_t vn_udp_connect(vn_core_t *c, uint32_t is_ip4, uint32_t port);   /* -> sid */
/* The next datagram: its payload, up to max bytes, as regions in vn_iov();
 * the sender at scratch VN_ADDR_*, its destination at VN_DGRAM_LCL_IP and its
 * length at VN_DGRAM_LEN. Returns the payload bytes handed out (a longer
 * datagram is cut there), VN_EAGAIN when none waits. */
int32_t vn_dgram_peek(vn_core_t *c, uint32_t sid, uint32_t max);
/* Drop the datagram vn_dgram_peek handed out, all of it. */
int32_t vn_dgram_release(vn_core_t *c, uint32_t sid);
/* Room for one datagram of len (1..65507) bytes to scratch[0] ip, port, from
 * scratch VN_DGRAM_LCL_IP: writes its header and hands out the payload's
 * regions in vn_iov(). Returns len, or 0 when the fifo has no room for it
 * now (a TX-space notification is armed: wait for VN_EV_TX). */
int32_t vn_dgram_reserve(vn_core_t *c, uint32_t sid, uint32_t len, uint32_t is_ip4, uint32_t port);
/* Send the reserved datagram (header and payload become visible at once). */
int32_t vn_dgram_commit(vn_core_t *c, uint32_t sid);

#ifdef __cplusplus
}
#endif
#endif
