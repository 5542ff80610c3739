/*
 * session.c — the session table, the control messages the app sends, and
 * the state machine driven by what VPP sends back (docs/protocol.md §7, §8).
 * The messages themselves are built in encode.c; handles.c maps VPP's
 * handles to sids; pending.c retries what a full queue turned away.
 *
 * A sid is both our table index and the app session index VPP echoes in IO
 * events. It lives until VPP freed the session (CLEANUP) *and* the app let go
 * of it (vn_close), whichever comes last, so a late event can never land on a
 * reused sid.
 */
#include "core.h"

/* ---- table ---- */
static int32_t sid_alloc(vn_core_t *c, uint8_t state) {
  /* a sid freed while this batch of events was written stays unused until the
   * next vn_poll: the host may still be dispatching events that name it */
  int32_t fallback = -1;
  for (uint32_t n = 0; n < c->max_sessions; n++) {
    uint32_t sid = (c->free_hint + n) % c->max_sessions;
    if (c->sessions[sid].state != SS_FREE) continue;
    if (c->sessions[sid].freed_epoch == c->epoch + 1) {
      if (fallback < 0) fallback = (int32_t)sid;
      continue;
    }
    fallback = (int32_t)sid;
    break;
  }
  if (fallback < 0 && c->max_sessions < c->session_limit) {
    uint32_t first_new = c->max_sessions;
    uint32_t n = c->max_sessions > c->session_limit / 2 ? c->session_limit : 2 * c->max_sessions;
    if (session_table_grow(c, n) == 0) fallback = (int32_t)first_new;
  }
  if (fallback < 0) return VN_ENOMEM;
  uint32_t sid = (uint32_t)fallback;
  memset(&c->sessions[sid], 0, sizeof(vn_session_t));
  c->sessions[sid].state = state;
  c->free_hint = sid + 1;
  c->n_sessions++;
  return (int32_t)sid;
}

/* Let go of all four fifos (and their segments' references). */
static void session_unbind_fifos(vn_core_t *c, vn_session_t *s) {
  vn_fifo_t *f[4] = {&s->rx, &s->tx, &s->rx_sig, &s->tx_sig};
  for (int i = 0; i < 4; i++) {
    if (f[i]->shr && c->seg[f[i]->seg].refs) c->seg[f[i]->seg].refs--;
    f[i]->shr = NULL;
  }
}

static void sid_free(vn_core_t *c, uint32_t sid) {
  vn_session_t *s = &c->sessions[sid];
  if (s->flags & SF_HAS_HANDLE) hmap_del(c, sid);
  session_unbind_fifos(c, s);
  pending_clear(c, s);
  memset(s, 0, sizeof(*s));
  s->freed_epoch = c->epoch + 1;
  c->n_sessions--;
}

/* Point f at the fifo at off in the app segment VPP calls seg_handle. */
static int session_bind_fifo(vn_core_t *c, vn_fifo_t *f, uint64_t seg_handle, uint64_t off) {
  uint32_t slot;
  if (!seg_by_handle(c, seg_handle, &slot) || fifo_bind(c, f, slot, off) < 0) return VN_EBADMSG;
  c->seg[slot].refs++;
  return 0;
}

static int mq_by_off(vn_core_t *c, uint64_t off) {
  for (uint32_t i = 0; i < c->n_vpp_mqs; i++)
    if (c->vpp_mq[i].off == off) return (int)i;
  return -1;
}

static vn_session_t *sid_lookup(vn_core_t *c, uint32_t sid) {
  if (sid >= c->max_sessions || c->sessions[sid].state == SS_FREE) return NULL;
  return &c->sessions[sid];
}

static void tep_read(const uint8_t *t, uint8_t *ip, uint16_t *port, uint8_t *is_ip4) {
  memcpy(ip, t + TEP_IP, 16);
  *port = byte_swap16(rd16(t + TEP_PORT));
  if (is_ip4) *is_ip4 = t[TEP_IS_IP4];
}

/* The close message of this type (a request or a reply) is sent, or owed. */
static void session_queue_close(vn_core_t *c, vn_session_t *s, uint8_t type) {
  s->flags |= SF_ANSWERED;
  s->close_type = type;
  pending_close(c, s, type, PEND_CLOSE);
}

/* ---- messages from VPP ---- */
#define find_listener(c, h) hmap_get(c, h, 1)
#define find_session(c, h) hmap_get(c, h, 0)

/* A connectionless UDP session's BOUND names the fifos it reads and writes
 * datagrams through, and the queue and index of its TX_MAIN events. It is a
 * data session from now on; one that names fifos we cannot use is poisoned
 * (its host hears VN_EV_SESSION_ERROR after VN_EV_BOUND, and unlistens). */
static void dgram_bound(vn_core_t *c, vn_session_t *s, const uint8_t *m) {
  uint64_t seg = rd64(m + BOUND_SEGMENT);
  int mq = mq_by_off(c, rd64(m + BOUND_VPP_EVT_Q));
  s->cl_index = (uint32_t)rd64(m + BOUND_CL_SH_HANDLE);
  s->state = SS_READY;
  if (mq < 0 || session_bind_fifo(c, &s->rx, seg, rd64(m + BOUND_RX_FIFO)) < 0 ||
      session_bind_fifo(c, &s->tx, seg, rd64(m + BOUND_TX_FIFO)) < 0) {
    c->bad_msgs++;
    session_unbind_fifos(c, s);
    s->flags |= SF_POISONED;
    core_emit(c, VN_EV_SESSION_ERROR, (uint32_t)(s - c->sessions), (uint32_t)VN_EBADMSG, 0, 0, 0);
    return;
  }
  s->mq = (uint8_t)mq;
  s->rx_sig = s->rx;
  s->tx_sig = s->tx;
  c->seg[s->rx.seg].refs++;
  c->seg[s->tx.seg].refs++;
}

static void on_bound(vn_core_t *c, const uint8_t *m) {
  uint32_t sid = rd32(m + BOUND_CONTEXT);
  vn_session_t *s = sid_lookup(c, sid);
  if (!s || s->state != SS_LISTEN_PENDING) { c->bad_msgs++; return; }
  int32_t rv = (int32_t)rd32(m + BOUND_RETVAL);
  uint16_t port = byte_swap16(rd16(m + BOUND_LCL_PORT));
  core_emit(c, VN_EV_BOUND, sid, (uint32_t)rv, port, 0, 0);
  if (rv != 0) { sid_free(c, sid); return; }
  s->handle = rd64(m + BOUND_HANDLE);
  s->lcl_port = port;
  s->state = SS_LISTENER;
  hmap_put(c, sid);
  if (s->flags2 & SF2_DGRAM) dgram_bound(c, s, m);
  if (s->flags & SF_APP_CLOSED) vn_unlisten(c, sid);
}

static void on_unlisten_reply(vn_core_t *c, const uint8_t *m) {
  uint32_t sid = rd32(m + UNLISTEN_REPLY_CONTEXT);
  vn_session_t *s = sid_lookup(c, sid);
  if (!s || s->state != SS_UNLISTENING) { c->bad_msgs++; return; }
  core_emit(c, VN_EV_UNBOUND, sid, rd32(m + UNLISTEN_REPLY_RETVAL), 0, 0, 0);
  sid_free(c, sid);
}

static void on_accepted(vn_core_t *c, const uint8_t *m) {
  uint32_t lsid = find_listener(c, rd64(m + ACC_LISTENER));
  int mq = mq_by_off(c, rd64(m + ACC_VPP_MQ));
  if (mq < 0) { c->bad_msgs++; return; }          /* nowhere to even refuse it */
  /* kept apart from the session: a refusal must name VPP's session even after the slot is freed */
  uint64_t handle = rd64(m + ACC_HANDLE);
  uint32_t app_index = rd32(m + ACC_CONTEXT);
  int32_t sid = VN_ENOENT;
  if (lsid != NO_SID && c->sessions[lsid].state == SS_LISTENER) sid = sid_alloc(c, SS_READY);
  if (sid >= 0) {
    vn_session_t *t = &c->sessions[sid];
    uint64_t seg = rd64(m + ACC_SEGMENT);
    if (session_bind_fifo(c, &t->rx, seg, rd64(m + ACC_RX_FIFO)) < 0 || session_bind_fifo(c, &t->tx, seg, rd64(m + ACC_TX_FIFO)) < 0) {
      c->bad_msgs++;                                /* a segment we could not map, or a lie */
      sid_free(c, (uint32_t)sid);
      sid = VN_EBADMSG;
    }
  }
  if (sid < 0) {                                    /* refuse: VPP closes it (and refuses a cut-through peer's connect) */
    msg_accepted_reply(c, (uint8_t)mq, app_index, -1, handle, 0);
    return;
  }
  vn_session_t *s = &c->sessions[sid];
  s->handle = handle;
  s->app_index = app_index;
  s->mq = (uint8_t)mq;
  /* both fifos count once more as signal fifos */
  s->rx_sig = s->rx;
  s->tx_sig = s->tx;
  c->seg[s->rx.seg].refs++;
  c->seg[s->tx.seg].refs++;
  s->listener = lsid;
  s->flags2 |= SF2_ACCEPTED;
  tep_read(m + ACC_LCL, s->lcl_ip, &s->lcl_port, NULL);
  tep_read(m + ACC_RMT, s->rmt_ip, &s->rmt_port, &s->is_ip4);   /* rmt.is_ip4 is set even on cut-through */
  static const uint8_t zero[16];
  if (s->rmt_port == 0 && !memcmp(s->rmt_ip, zero, 16)) {
    s->flags |= SF_CT;
    /* VPP names neither end's address on cut-through: report the listener's,
     * or, for a wildcard listener, this host's loopback of its family (the
     * peer is an app on this VPP: a socket never has 0.0.0.0 as an address) */
    vn_session_t *l = &c->sessions[lsid];
    if (!memcmp(s->lcl_ip, zero, 16)) memcpy(s->lcl_ip, l->lcl_ip, 16);
    if (!memcmp(s->lcl_ip, zero, 16)) {
      if (s->is_ip4) { s->lcl_ip[12] = 127; s->lcl_ip[15] = 1; }
      else s->lcl_ip[15] = 1;
    }
  }
  hmap_put(c, (uint32_t)sid);
  pending_accepted_reply(c, s, (uint32_t)sid);
  core_emit(c, VN_EV_ACCEPTED, (uint32_t)sid, lsid, 0, 0, 0);
}

static void on_connected(vn_core_t *c, const uint8_t *m) {
  uint32_t sid = rd32(m + CONN_CONTEXT);
  vn_session_t *s = sid_lookup(c, sid);
  if (!s || s->state != SS_CONNECTING) { c->bad_msgs++; return; }
  int32_t rv = (int32_t)rd32(m + CONN_RETVAL);
  if (rv != 0) {
    core_emit(c, VN_EV_CONNECTED, sid, (uint32_t)rv, 0, 0, 0);
    sid_free(c, sid);
    return;
  }
  s->handle = rd64(m + CONN_HANDLE);
  int mq = mq_by_off(c, rd64(m + CONN_VPP_MQ));
  if (mq < 0) {            /* cannot even tell VPP: forget it, the detach cleans up */
    c->bad_msgs++;
    core_emit(c, VN_EV_CONNECTED, sid, (uint32_t)-19 /* SESSION_E_INVALID */, 0, 0, 0);
    sid_free(c, sid);
    return;
  }
  s->mq = (uint8_t)mq;
  s->state = SS_READY;
  hmap_put(c, sid);
  uint64_t seg = rd64(m + CONN_SEGMENT), ct_seg = rd64(m + CONN_CT_SEGMENT);
  uint64_t ct_rx = rd64(m + CONN_CT_RX_FIFO), ct_tx = rd64(m + CONN_CT_TX_FIFO);
  int bad = session_bind_fifo(c, &s->rx_sig, seg, rd64(m + CONN_RX_FIFO)) < 0 || session_bind_fifo(c, &s->tx_sig, seg, rd64(m + CONN_TX_FIFO)) < 0;
  if (!bad && (ct_rx || ct_tx)) {
    /* cut-through: data moves in the shared ct segment, signals stay in ours */
    s->flags |= SF_CT;
    bad = session_bind_fifo(c, &s->rx, ct_seg, ct_rx) < 0 || session_bind_fifo(c, &s->tx, ct_seg, ct_tx) < 0;
  } else if (!bad) {
    s->rx = s->rx_sig;
    s->tx = s->tx_sig;
    c->seg[s->rx.seg].refs++;
    c->seg[s->tx.seg].refs++;
  }
  uint16_t lport;
  tep_read(m + CONN_LCL, s->lcl_ip, &lport, NULL);
  s->lcl_port = lport;
  if (bad) {
    /* a segment we could not make room for is ours to blame, not VPP's */
    int32_t err = seg_refused(c, seg) || seg_refused(c, ct_seg) ? VN_ENOMEM : VN_EBADMSG;
    if (err == VN_EBADMSG) c->bad_msgs++;
    s->flags |= SF_POISONED | SF_APP_CLOSED;
    session_unbind_fifos(c, s);
    session_queue_close(c, s, EVT_DISCONNECT);
    core_emit(c, VN_EV_SESSION_ERROR, sid, (uint32_t)err, 0, 0, 0);
    return;
  }
  if (s->flags & SF_APP_CLOSED) {         /* closed while connecting */
    session_queue_close(c, s, EVT_DISCONNECT);
  }
  /* also when the app closed it meanwhile: the host counts connects VPP has
   * not answered yet (see Stack.afterConnects) */
  core_emit(c, VN_EV_CONNECTED, sid, 0, 0, 0, 0);
}

static void on_peer_close(vn_core_t *c, const uint8_t *m, int reset) {
  uint32_t sid = find_session(c, rd64(m + CLOSE_HANDLE));
  if (sid == NO_SID) { c->bad_msgs++; return; }
  vn_session_t *s = &c->sessions[sid];
  s->flags |= reset ? SF_RESET : SF_PEER_CLOSED;
  if (s->flags & SF_APP_CLOSED) {
    /* we closed first; a reset still wants its confirmation */
    if (reset && !(s->pend & PEND_CLOSE) && s->close_type != EVT_TERMINATE) session_queue_close(c, s, EVT_RESET_REPLY);
    return;
  }
  core_emit(c, reset ? VN_EV_RESET : VN_EV_PEER_CLOSED, sid, 0, 0, 0, 0);
}

static void on_cleanup(vn_core_t *c, const uint8_t *m) {
  uint32_t sid = find_session(c, rd64(m + CLEANUP_HANDLE));
  if (sid == NO_SID) { c->bad_msgs++; return; }
  vn_session_t *s = &c->sessions[sid];
  if (m[CLEANUP_TYPE] != CLEANUP_SESSION) {
    /* transport gone: VPP keeps the session and its fifos until the app
     * confirms, so unread bytes stay readable; vn_close confirms */
    return;
  }
  hmap_del(c, sid);
  session_unbind_fifos(c, s);
  s->flags |= SF_VPP_FREED;
  pending_clear(c, s);
  core_emit(c, VN_EV_CLOSED, sid, 0, 0, 0, 0);
  if (s->flags & SF_APP_CLOSED) sid_free(c, sid);
}

static void on_del_segment(vn_core_t *c, const uint8_t *m) {
  uint32_t slot;
  vn_seg_t *seg = seg_by_handle(c, rd64(m + DELSEG_HANDLE), &slot);
  if (!seg) { c->bad_msgs++; return; }
  /* VPP deletes only segments without fifos: sessions still pointing here
   * were told otherwise by a lying or buggy peer; cut them off first */
  for (uint32_t sid = 0; seg->refs && sid < c->max_sessions; sid++) {
    vn_session_t *s = &c->sessions[sid];
    if (s->state != SS_READY || !(s->rx.shr || s->tx.shr)) continue;
    if (s->rx.seg == slot || s->tx.seg == slot || s->rx_sig.seg == slot || s->tx_sig.seg == slot) {
      session_unbind_fifos(c, s);
      if (!(s->flags & SF_POISONED)) {
        s->flags |= SF_POISONED;
        core_emit(c, VN_EV_SESSION_ERROR, sid, (uint32_t)VN_EBADMSG, 0, 0, 0);
      }
    }
  }
  seg->refs = 0;
  vn_segment_del(c, slot);
  core_emit(c, VN_EV_DEL_SEGMENT, 0, slot, 0, 0, 0);
}

/* The answer to vn_tls_alpn: only for a session that asked and is still ours. */
static void on_attr_reply(vn_core_t *c, const uint8_t *m) {
  uint32_t sid = hmap_get(c, rd64(m + ATTR_REPLY_HANDLE), 0);
  vn_session_t *s = sid_lookup(c, sid);
  if (!s || !(s->flags2 & SF2_ATTR_ASKED) || m[ATTR_REPLY_TYPE] != ATTR_TLS_ALPN) { c->bad_msgs++; return; }
  s->flags2 &= (uint8_t)~SF2_ATTR_ASKED;
  int32_t rv = (int32_t)rd32(m + ATTR_REPLY_RETVAL);
  core_emit(c, VN_EV_ALPN, sid, (uint32_t)rv, rv == 0 ? m[ATTR_REPLY_VALUE] : 0, 0, 0);
}

void session_dispatch(vn_core_t *c, const uint8_t *e, uint32_t ring) {
  const uint8_t *m = e + EVT_MSG_OFF;
  if (ring == MQ_IO_RING) {
    uint32_t sid = rd32(m);
    vn_session_t *s = sid_lookup(c, sid);
    if (!s || s->state != SS_READY || (s->flags & (SF_VPP_FREED | SF_POISONED)) ||
        (e[0] != EVT_IO_RX && e[0] != EVT_IO_TX)) {
      c->bad_msgs++;
      return;
    }
    if (s->flags & SF_APP_CLOSED) return;   /* nobody reads or writes it any more */
    if (e[0] == EVT_IO_TX) { core_emit(c, VN_EV_TX, sid, 0, 0, 0, 0); return; }
    if (s->rx_epoch != c->epoch) {      /* one RX per session per wake-up */
      s->rx_epoch = c->epoch;
      core_emit(c, VN_EV_RX, sid, 0, 0, 0, 0);
    }
    return;
  }
  switch (e[0]) {
  case EVT_BOUND: on_bound(c, m); break;
  case EVT_UNLISTEN_REPLY: on_unlisten_reply(c, m); break;
  case EVT_ACCEPTED: on_accepted(c, m); break;
  case EVT_CONNECTED: on_connected(c, m); break;
  case EVT_DISCONNECTED: on_peer_close(c, m, 0); break;
  case EVT_RESET: on_peer_close(c, m, 1); break;
  case EVT_CLEANUP: on_cleanup(c, m); break;
  case EVT_APP_ADD_SEGMENT:
    core_emit(c, VN_EV_ADD_SEGMENT, 0, rd32(m + ADDSEG_HANDLE), rd32(m + ADDSEG_HANDLE + 4),
              rd32(m + ADDSEG_SEG_SIZE), m[ADDSEG_FD_FLAGS]);
    break;
  case EVT_APP_DEL_SEGMENT: on_del_segment(c, m); break;
  case EVT_DISCONNECTED_REPLY: break;     /* answer to a close variant we do not use */
  case EVT_TRANSPORT_ATTR_REPLY: on_attr_reply(c, m); break;
  default: c->bad_msgs++; break;
  }
}

/* ---- the app's control calls ---- */
/* Attached, and the shared memory has not lied: messages can go to VPP. */
static int core_ready(const vn_core_t *c) { return c->attached && !c->poisoned; }

int32_t session_listen(vn_core_t *c, uint32_t is_ip4, uint32_t port, uint8_t proto, uint64_t ext) {
  if (!core_ready(c)) return VN_ESHUTDOWN;
  if (port > 65535 || is_ip4 > 1 || (proto == PROTO_UDP && port == 0)) return VN_EINVAL;
  int32_t sid = sid_alloc(c, SS_LISTEN_PENDING);
  if (sid < 0) return sid;
  int rv = msg_listen(c, (uint32_t)sid, is_ip4, (uint16_t)port, c->scratch, proto, ext);
  if (rv < 0) { sid_free(c, (uint32_t)sid); return rv; }
  vn_session_t *s = &c->sessions[sid];
  s->is_ip4 = (uint8_t)is_ip4;
  if (proto == PROTO_UDP) s->flags2 |= SF2_DGRAM;
  memcpy(s->lcl_ip, c->scratch, 16);
  return sid;
}

int32_t vn_listen(vn_core_t *c, uint32_t is_ip4, uint32_t port) { return session_listen(c, is_ip4, port, 0, 0); }
int32_t vn_udp_bind(vn_core_t *c, uint32_t is_ip4, uint32_t port) { return session_listen(c, is_ip4, port, PROTO_UDP, 0); }

int32_t vn_unlisten(vn_core_t *c, uint32_t sid) {
  vn_session_t *s = sid_lookup(c, sid);
  if (!s) return VN_ENOENT;
  if (s->state == SS_LISTEN_PENDING) { s->flags |= SF_APP_CLOSED; return 0; }
  if (s->state == SS_UNLISTENING) return 0;
  int dgram = s->state == SS_READY && (s->flags2 & SF2_DGRAM);
  if (s->state != SS_LISTENER && !dgram) return VN_EINVAL;
  if (!core_ready(c)) return VN_ESHUTDOWN;
  int rv = msg_unlisten(c, sid, s->handle);
  if (rv < 0) return rv;
  /* VPP frees a connectionless session's fifos at once: hands off them now */
  if (dgram) { session_unbind_fifos(c, s); pending_clear(c, s); }
  s->state = SS_UNLISTENING;
  return 0;
}

int32_t session_connect(vn_core_t *c, uint32_t is_ip4, uint32_t port, uint32_t lcl_port, uint8_t proto, uint64_t ext) {
  if (!core_ready(c)) return VN_ESHUTDOWN;
  if (port == 0 || port > 65535 || is_ip4 > 1 || lcl_port > 65535) return VN_EINVAL;
  int32_t sid = sid_alloc(c, SS_CONNECTING);
  if (sid < 0) return sid;
  int rv = msg_connect(c, (uint32_t)sid, is_ip4, (uint16_t)port, c->scratch, (uint16_t)lcl_port, c->scratch + 16, proto, ext);
  if (rv < 0) { sid_free(c, (uint32_t)sid); return rv; }
  vn_session_t *s = &c->sessions[sid];
  s->is_ip4 = (uint8_t)is_ip4;
  s->rmt_port = (uint16_t)port;
  memcpy(s->rmt_ip, c->scratch, 16);
  return sid;
}

int32_t vn_connect(vn_core_t *c, uint32_t is_ip4, uint32_t port, uint32_t lcl_port) {
  return session_connect(c, is_ip4, port, lcl_port, 0, 0);
}
int32_t vn_udp_connect(vn_core_t *c, uint32_t is_ip4, uint32_t port) {
  memset(c->scratch + 16, 0, 16);   /* VPP picks the source: that is the question */
  return session_connect(c, is_ip4, port, 0, PROTO_UDP, 0);
}

int32_t vn_shutdown(vn_core_t *c, uint32_t sid) {
  vn_session_t *s = sid_lookup(c, sid);
  if (!s) return VN_ENOENT;
  if (s->state != SS_READY) return VN_ENOTCONN;
  if (s->flags & (SF_APP_CLOSED | SF_VPP_FREED | SF_ANSWERED) || (s->flags2 & SF2_SHUT)) return 0;
  s->flags2 |= SF2_SHUT;
  if (s->flags & SF_CT) {
    /* VPP ignores SHUTDOWN on cut-through: mark the data fifo and wake the peer */
    if (!s->tx.shr) return 0;
    st_rel32(s->tx.shr + FIFO_VN_EOF, VN_EOF_MAGIC);
    fifo_tx_event(c, s);
    return 0;
  }
  pending_close(c, s, EVT_SHUTDOWN, PEND_SHUTDOWN);
  return 0;
}

static int32_t session_close(vn_core_t *c, uint32_t sid, int abort) {
  vn_session_t *s = sid_lookup(c, sid);
  if (!s) return VN_ENOENT;
  switch (s->state) {
  case SS_LISTEN_PENDING: case SS_LISTENER: case SS_UNLISTENING:
    return vn_unlisten(c, sid);
  case SS_CONNECTING:
    s->flags |= SF_APP_CLOSED;
    return 0;
  default: break;
  }
  if (s->flags & SF_APP_CLOSED) return 0;
  s->flags |= SF_APP_CLOSED;
  if (s->flags & SF_VPP_FREED) { sid_free(c, sid); return 0; }
  if (s->flags & SF_ANSWERED) return 0;
  uint8_t type = (s->flags & SF_RESET) ? EVT_RESET_REPLY
               : abort ? EVT_TERMINATE
               : (s->flags & SF_PEER_CLOSED) ? EVT_DISCONNECTED_REPLY : EVT_DISCONNECT;
  if (core_ready(c)) session_queue_close(c, s, type);
  return 0;
}

/* a connectionless UDP session is VPP's listener: closing it is an unlisten */
static int is_dgram(vn_core_t *c, uint32_t sid) {
  vn_session_t *s = sid_lookup(c, sid);
  return s && (s->flags2 & SF2_DGRAM);
}
int32_t vn_close(vn_core_t *c, uint32_t sid) { return is_dgram(c, sid) ? vn_unlisten(c, sid) : session_close(c, sid, 0); }
int32_t vn_abort(vn_core_t *c, uint32_t sid) { return is_dgram(c, sid) ? vn_unlisten(c, sid) : session_close(c, sid, 1); }

/* Cut-through has no TCP, so VPP reports 0.0.0.0:0 for the connecting end.
 * Both ends share the client->server data fifo, so both derive the same
 * stand-in port from its offset; the address is the listener's. */
static uint16_t ct_port(const vn_core_t *c, const vn_fifo_t *f) {
  if (!f->shr) return 0;
  const vn_seg_t *g = &c->seg[f->seg];
  uint64_t off = (uint64_t)(f->shr - (g->base + g->fsh));
  return (uint16_t)(49152 + (off / FIFO_SHR_SIZE) % 16384);
}

int32_t vn_session_addr(vn_core_t *c, uint32_t sid, uint32_t which) {
  vn_session_t *s = sid_lookup(c, sid);
  if (!s) return VN_ENOENT;
  const uint8_t *ip = which ? s->rmt_ip : s->lcl_ip;
  uint16_t port = which ? s->rmt_port : s->lcl_port;
  if ((s->flags & SF_CT) && port == 0 && s->state == SS_READY) {
    int client = !(s->flags2 & SF2_ACCEPTED);
    ip = client ? s->rmt_ip : s->lcl_ip;                /* the listener's address */
    port = ct_port(c, client ? &s->tx : &s->rx);        /* client -> server fifo */
  }
  memcpy(c->scratch + VN_ADDR_IP, ip, 16);
  wr16(c->scratch + VN_ADDR_PORT, port);
  c->scratch[VN_ADDR_IS_IP4] = s->is_ip4;
  return 0;
}

uint32_t vn_session_flags(vn_core_t *c, uint32_t sid) {
  vn_session_t *s = sid_lookup(c, sid);
  if (!s) return 0;
  return ((s->flags & SF_CT) ? VN_SS_CUT_THROUGH : 0) | ((s->flags & SF_PEER_CLOSED) ? VN_SS_PEER_CLOSED : 0) |
         ((s->flags & SF_RESET) ? VN_SS_RESET : 0);
}

uintptr_t vn_session_fifo(vn_core_t *c, uint32_t sid, uint32_t which) {
  vn_session_t *s = sid_lookup(c, sid);
  const vn_fifo_t *f[4];
  if (!s || which > 3) return 0;
  f[0] = &s->rx; f[1] = &s->tx; f[2] = &s->rx_sig; f[3] = &s->tx_sig;
  return (uintptr_t)f[which]->shr;
}

/* ---- data ---- */
static vn_session_t *data_session(vn_core_t *c, uint32_t sid, int32_t *err) {
  vn_session_t *s = sid_lookup(c, sid);
  if (!s) { *err = VN_ENOENT; return NULL; }
  if (s->state != SS_READY) { *err = VN_ENOTCONN; return NULL; }
  if ((s->flags & (SF_VPP_FREED | SF_POISONED)) || !s->rx.shr || !s->tx.shr) { *err = VN_EPIPE; return NULL; }
  return s;
}

int32_t vn_session_poll(vn_core_t *c, uint32_t sid, uint32_t on) {
  int32_t err;
  vn_session_t *s = data_session(c, sid, &err);
  if (!s) return err;
  if (on) s->flags2 |= SF2_POLL;
  else {
    s->flags2 &= (uint8_t)~SF2_POLL;
    __atomic_store_n(A32(s->rx_sig.shr + FIFO_HAS_EVENT), 0, __ATOMIC_RELEASE);
  }
  return 0;
}

int32_t vn_tx_reserve(vn_core_t *c, uint32_t sid, uint32_t len) {
  int32_t err;
  vn_session_t *s = data_session(c, sid, &err);
  if (!s) return err;
  if ((s->flags & (SF_RESET | SF_APP_CLOSED)) || (s->flags2 & SF2_SHUT)) return VN_EPIPE;
  return fifo_tx_reserve(c, s, len);
}

int32_t vn_tx_commit(vn_core_t *c, uint32_t sid, uint32_t n) {
  int32_t err;
  vn_session_t *s = data_session(c, sid, &err);
  return s ? fifo_tx_commit(c, s, n) : err;
}

int32_t vn_rx_peek(vn_core_t *c, uint32_t sid, uint32_t len) {
  int32_t err;
  vn_session_t *s = data_session(c, sid, &err);
  return s ? fifo_rx_peek(c, s, len) : err;
}

int32_t vn_rx_release(vn_core_t *c, uint32_t sid, uint32_t n) {
  int32_t err;
  vn_session_t *s = data_session(c, sid, &err);
  return s ? fifo_rx_release(c, s, n) : err;
}
