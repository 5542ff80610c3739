/*
 * core.c — the core's lifetime, the attach handshake (encoded and decoded in
 * the scratch buffer; the host moves the datagrams and the fds), the segment
 * table and the wake-up loop that drains the app mq into the event ring.
 */
#include <stdlib.h>
#include "core.h"

vn_core_t *vn_core_new(uint32_t max_sessions, uint32_t event_cap) {
  if (max_sessions == 0 || max_sessions > (1u << 20) || event_cap < 4 || event_cap > (1u << 16)) return NULL;
  vn_core_t *c = calloc(1, sizeof(*c));
  if (!c) return NULL;
  c->session_limit = max_sessions;
  c->event_cap = event_cap;
  c->events = calloc(event_cap, VN_EVENT_WORDS * sizeof(uint32_t));
  if (!c->events || session_table_grow(c, max_sessions < VN_SESSIONS_INITIAL ? max_sessions : VN_SESSIONS_INITIAL) < 0) {
    vn_core_free(c);
    return NULL;
  }
  return c;
}

void vn_core_free(vn_core_t *c) {
  if (!c) return;
  free(c->sessions);
  free(c->events);
  free(c->hmap);
  free(c);
}

uint8_t *vn_scratch(vn_core_t *c) { return c->scratch; }
uint32_t *vn_events(vn_core_t *c) { return c->events; }
vn_iov_t *vn_iov(vn_core_t *c) { return c->iov; }

uintptr_t vn_region_alloc(uint32_t size) {
  if (size == 0 || size > 0x7ffff000u) return 0;
  return (uintptr_t)aligned_alloc(4096, (size + 4095u) & ~4095u);
}
void vn_region_free(uintptr_t base) { free((void *)base); }

void core_emit(vn_core_t *c, uint32_t type, uint32_t sid, uint32_t a, uint32_t b, uint32_t d, uint32_t e) {
  if (c->n_events >= c->event_cap) return;   /* vn_poll keeps room; app calls emit at most one */
  uint32_t *ev = c->events + (uint64_t)c->n_events++ * VN_EVENT_WORDS;
  ev[0] = type; ev[1] = sid; ev[2] = a; ev[3] = b; ev[4] = d; ev[5] = e; ev[6] = 0; ev[7] = 0;
}

void core_poison(vn_core_t *c, int32_t err) {
  if (c->poisoned) return;
  c->poisoned = 1;
  core_emit(c, VN_EV_ATTACH_ERROR, 0, (uint32_t)err, 0, 0, 0);
}

/* ---- attach ---- */
static char *name_put_uint(char *p, uint32_t v) {
  char tmp[10];
  int n = 0;
  do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (n) *p++ = tmp[--n];
  return p;
}

int32_t vn_attach_encode(vn_core_t *c, uint32_t pid, uint32_t seq, uint32_t flags, uint32_t evt_queue_size,
                         uint32_t segment_size, uint32_t add_segment_size, uint32_t rx_fifo_size,
                         uint32_t tx_fifo_size) {
  uint8_t *m = c->scratch;
  memset(m, 0, VN_SAPI_MSG_SIZE);
  m[SAPI_TYPE] = SAPI_ATTACH;
  char *name = (char *)m + ATTACH_NAME;
  memcpy(name, "vppnet-", 7);
  char *p = name_put_uint(name + 7, pid);
  *p++ = '-';
  name_put_uint(p, seq);
  uint64_t opt[6] = {flags, evt_queue_size, segment_size, add_segment_size, 0, 0};
  for (int i = 0; i < 4; i++) wr64(m + ATTACH_OPTIONS + 8 * i, opt[i]);
  wr64(m + ATTACH_OPTIONS + 8 * APP_OPT_RX_FIFO_SIZE, rx_fifo_size);
  wr64(m + ATTACH_OPTIONS + 8 * APP_OPT_TX_FIFO_SIZE, tx_fifo_size);
  return VN_SAPI_MSG_SIZE;
}

int32_t vn_attach_decode(vn_core_t *c, uint32_t len, uint32_t n_fds) {
  const uint8_t *m = c->scratch;
  if (c->attached) return VN_EINVAL;
  if (len != VN_SAPI_MSG_SIZE || m[SAPI_TYPE] != SAPI_ATTACH_REPLY) return VN_EPROTO;
  c->retval = (int32_t)rd32(m + REPLY_RETVAL);
  if (c->retval != 0) return c->retval < 0 && c->retval > -1000 ? c->retval - 1000 : VN_EPROTO;
  c->app_index = rd32(m + REPLY_APP_INDEX);
  c->app_mq_off = rd64(m + REPLY_APP_MQ);
  c->ctrl_mq_off = rd64(m + REPLY_VPP_CTRL_MQ);
  c->first_seg_handle = rd64(m + REPLY_SEGMENT_HANDLE);
  c->client_handle = rd32(m + REPLY_CLIENT_HANDLE);
  c->ctrl_mq_thread = m[REPLY_CTRL_MQ_THREAD];
  c->n_fds = m[REPLY_N_FDS];
  c->fd_flags = m[REPLY_FD_FLAGS];
  uint32_t base = !!(c->fd_flags & VN_FD_VPP_MQ_SEGMENT) + !!(c->fd_flags & VN_FD_MEMFD_SEGMENT) +
                  !!(c->fd_flags & VN_FD_MQ_EVENTFD) + !!(c->fd_flags & VN_FD_VPP_MQ_EVENTFD);
  if (c->n_fds != n_fds || c->n_fds < base || c->n_fds > base + VN_MAX_VPP_MQS || (c->fd_flags & ~0xFu))
    return VN_EPROTO;
  return (int32_t)c->fd_flags;
}

uint32_t vn_attach_info(vn_core_t *c, uint32_t what) {
  switch (what) {
  case VN_INFO_RETVAL: return (uint32_t)c->retval;
  case VN_INFO_APP_INDEX: return c->app_index;
  case VN_INFO_CLIENT_HANDLE: return c->client_handle;
  case VN_INFO_N_FDS: return c->n_fds;
  case VN_INFO_FD_FLAGS: return c->fd_flags;
  case VN_INFO_SEG_HANDLE_LO: return (uint32_t)c->first_seg_handle;
  case VN_INFO_SEG_HANDLE_HI: return (uint32_t)(c->first_seg_handle >> 32);
  case VN_INFO_N_VPP_MQS: return c->n_vpp_mqs;
  case VN_INFO_SEGMENTS: {
    uint32_t n = 0;
    for (int i = 0; i < VN_MAX_SEGMENTS; i++) n += c->seg[i].base != NULL;
    return n;
  }
  case VN_INFO_SESSIONS: return c->n_sessions;
  case VN_INFO_PENDING: return c->n_pending;
  case VN_INFO_BAD_MSGS: return c->bad_msgs;
  case VN_INFO_POISONED: return c->poisoned;
  case VN_INFO_CT_CLOSING: {   /* host's exit path only: a scan */
    uint32_t n = 0;
    for (uint32_t sid = 0; sid < c->max_sessions; sid++) {
      const vn_session_t *s = &c->sessions[sid];
      n += s->state == SS_READY && (s->flags & (SF_CT | SF_APP_CLOSED | SF_VPP_FREED)) == (SF_CT | SF_APP_CLOSED);
    }
    return n;
  }
  case VN_INFO_UNREAD: {
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->n_vpp_mqs; i++) {
      uint32_t k = ld_acq32(c->vpp_mq[i].q + MQ_CURSIZE);
      n += k > c->vpp_mq[i].maxsize ? c->vpp_mq[i].maxsize : k;   /* VPP's word: bounded */
    }
    return n;
  }
  default: return 0;
  }
}

/* ---- segments ---- */
vn_seg_t *seg_by_handle(vn_core_t *c, uint64_t handle, uint32_t *slot) {
  for (uint32_t i = 0; i < VN_MAX_SEGMENTS; i++)
    if (c->seg[i].base && c->seg[i].kind == VN_SEG_APP && c->seg[i].handle == handle) {
      if (slot) *slot = i;
      return &c->seg[i];
    }
  return NULL;
}

int32_t vn_segment_add(vn_core_t *c, uint32_t kind, uint32_t handle_lo, uint32_t handle_hi, uintptr_t base,
                       uint32_t size) {
  uint64_t handle = (uint64_t)handle_hi << 32 | handle_lo;
  if (kind > VN_SEG_VPP_MQ || !base || (base & 4095) || size < 2 * 4096) return VN_EINVAL;
  if (kind == VN_SEG_APP && seg_by_handle(c, handle, NULL)) return VN_EINVAL;
  const uint8_t *b = (const uint8_t *)base;
  /* the header is VPP's: its size claim must fit what we mapped, and the fifo
   * segment header must lie inside with room for its fixed part */
  uint64_t ssvm_size = rd64(b + SSVM_SIZE_OFF), fsh = rd64(b + SSVM_FSH_OFF);
  if (ssvm_size > size || fsh < SSVM_HDR_SIZE || (fsh & 7) || fsh > (uint64_t)size - FSH_SLICES)
    return VN_EBADMSG;
  uint8_t n_slices = b[fsh + FSH_N_SLICES];
  if (fsh + FSH_SLICES + (uint64_t)FSH_SLICE_SIZE * n_slices > size) return VN_EBADMSG;
  for (uint32_t i = 0; i < VN_MAX_SEGMENTS; i++) {
    vn_seg_t *s = &c->seg[i];
    if (s->base) continue;
    s->base = (uint8_t *)base;
    s->size = size;
    s->fsh = fsh;
    s->handle = handle;
    s->kind = (uint8_t)kind;
    s->refs = 0;
    return (int32_t)i;
  }
  return VN_ENOMEM;
}

int32_t vn_segment_refused(vn_core_t *c, uint32_t handle_lo, uint32_t handle_hi) {
  c->refused[c->n_refused++ % VN_REFUSED_SEGMENTS] = (uint64_t)handle_hi << 32 | handle_lo;
  return 0;
}

int seg_refused(const vn_core_t *c, uint64_t handle) {
  uint32_t n = c->n_refused < VN_REFUSED_SEGMENTS ? c->n_refused : VN_REFUSED_SEGMENTS;
  for (uint32_t i = 0; i < n; i++) if (c->refused[i] == handle) return 1;
  return 0;
}

int32_t vn_segment_del(vn_core_t *c, uint32_t slot) {
  if (slot >= VN_MAX_SEGMENTS || !c->seg[slot].base) return VN_ENOENT;
  if (c->seg[slot].refs) return VN_EBUSY;
  memset(&c->seg[slot], 0, sizeof(vn_seg_t));
  return 0;
}

uintptr_t vn_segment_base(vn_core_t *c, uint32_t slot) {
  return slot < VN_MAX_SEGMENTS ? (uintptr_t)c->seg[slot].base : 0;
}

int32_t vn_attach_finish(vn_core_t *c) {
  if (c->attached) return VN_EINVAL;
  /* without private rx mqs VPP's queues need its glibc pthread mutex, which a
   * WASM client cannot take: require `session { use-private-rx-mqs }` */
  if (!(c->fd_flags & VN_FD_VPP_MQ_EVENTFD) || !(c->fd_flags & VN_FD_MQ_EVENTFD)) return VN_EPROTO;
  vn_seg_t *app = seg_by_handle(c, c->first_seg_handle, NULL), *vs = NULL;
  for (int i = 0; i < VN_MAX_SEGMENTS; i++)
    if (c->seg[i].base && c->seg[i].kind == VN_SEG_VPP_MQ) vs = &c->seg[i];
  if (!app || !vs) return VN_ENOENT;
  if (mq_locate(&c->app_mq, app, c->app_mq_off) < 0) return VN_EBADMSG;
  uint8_t *f = shm_at(vs, 0, FSH_SLICES);
  uint32_t n = f[FSH_N_MQS];
  uint64_t start = rd64(f + FSH_START_BYTE_INDEX), reserved = rd32(f + FSH_N_RESERVED_BYTES);
  if (n == 0 || n > VN_MAX_VPP_MQS || reserved <= start) return VN_EBADMSG;
  if (n != c->n_fds - 3) return VN_EPROTO;   /* one VPP_MQ eventfd per queue */
  uint64_t qsize = (reserved - start) / n;
  c->ctrl_mq = n;
  for (uint32_t i = 0; i < n; i++) {
    if (mq_locate(&c->vpp_mq[i], vs, start + i * qsize) < 0) return VN_EBADMSG;
    if (start + i * qsize == c->ctrl_mq_off) c->ctrl_mq = i;
  }
  if (c->ctrl_mq == n) return VN_EBADMSG;
  c->n_vpp_mqs = n;
  c->attached = 1;
  return 0;
}

/* ---- wake-up ---- */
int32_t vn_poll(vn_core_t *c) {
  c->n_events = 0;
  c->epoch++;
  if (!c->attached) return VN_ENOTCONN;
  if (c->poisoned) return 0;
  if (c->n_pending) pending_retry(c);
  uint8_t elt[CTRL_EVT_SIZE];
  /* each message yields at most two events */
  while (c->n_events + 2 <= c->event_cap && !c->poisoned) {
    uint32_t ring;
    int rv = mq_dequeue(&c->app_mq, elt, &ring);
    if (rv == 0) break;
    if (rv < 0) {
      core_poison(c, rv);
      break;
    }
    session_dispatch(c, elt, ring);
    if (c->n_events && c->events[(c->n_events - 1) * VN_EVENT_WORDS] == VN_EV_ADD_SEGMENT) break;
  }
  return (int32_t)c->n_events;
}

uint32_t vn_signals(vn_core_t *c) {
  uint32_t s = c->signals;
  c->signals = 0;
  if (c->n_pending) s |= VN_SIGNALS_PENDING;
  return s;
}
