/*
 * fifo.c — svm_fifo: single-producer/single-consumer byte streams made of
 * chunk lists in a shared segment, grown by the producer from lock-free
 * freelists it shares with VPP and trimmed by the consumer back into them.
 *
 * The host copies bytes; the core only hands out regions (vn_iov) and
 * publishes positions. Every chunk offset and length read from the segment is
 * checked before use and every list walk is bounded: a lying peer poisons the
 * session, it never steers an access outside the segment or loops us forever.
 * Sections (§) are docs/protocol.md's.
 */
#include "core.h"

#define MAX_WALK        8192     /* chunks visited in one list walk */
#define MAX_CAS_RETRY   4096
#define MAX_CHUNK       (4096u << (FS_CHUNK_CLASSES - 1))

typedef struct {
  uint8_t *p;          /* chunk header */
  uint64_t off;        /* offset from fsh */
  uint32_t start, len; /* fifo position of its first byte, data bytes */
} chunk_t;

static int chunk_at(const vn_seg_t *s, uint64_t off, chunk_t *ch) {
  if (off == 0 || (off & 7)) return 0;
  uint8_t *p = shm_at(s, off, CHUNK_HDR_SIZE);
  if (!p) return 0;
  uint32_t len = rd32(p + CHUNK_LENGTH);
  if (len == 0 || !shm_at(s, off + CHUNK_HDR_SIZE, len)) return 0;
  ch->p = p;
  ch->off = off;
  ch->start = rd32(p + CHUNK_START_BYTE);
  ch->len = len;
  return 1;
}

static inline int chunk_has(const chunk_t *ch, uint32_t pos) {
  return (int32_t)(pos - ch->start) >= 0 && (int32_t)(pos - (ch->start + ch->len)) < 0;
}

/* The chunk containing pos: try the cached hint, then walk from start_chunk. */
static int chunk_find(const vn_seg_t *s, uint8_t *shr, uint64_t hint, uint32_t pos, chunk_t *ch) {
  if (hint && chunk_at(s, hint, ch) && chunk_has(ch, pos)) return 1;
  uint64_t off = rd64(shr + FIFO_START_CHUNK);
  for (int i = 0; i < MAX_WALK && off; i++) {
    if (!chunk_at(s, off, ch)) return 0;
    if (chunk_has(ch, pos)) return 1;
    off = rd64(ch->p + CHUNK_NEXT);
  }
  return 0;
}

/* Fill vn_iov with up to n bytes from position pos; returns the bytes covered. */
static uint32_t iov_fill(vn_core_t *c, const vn_seg_t *s, chunk_t ch, uint32_t pos, uint32_t n) {
  uint32_t got = 0;
  for (int i = 0; i < VN_MAX_IOV && got < n; i++) {
    uint32_t at = pos - ch.start, take = ch.len - at;
    if (take > n - got) take = n - got;
    c->iov[i].base = (uintptr_t)(ch.p + CHUNK_HDR_SIZE + at);
    c->iov[i].len = take;
    got += take;
    pos += take;
    if (got < n) {
      uint64_t next = rd64(ch.p + CHUNK_NEXT);
      if (!chunk_at(s, next, &ch) || ch.start != pos) break;   /* list ends or lies */
    }
  }
  return got;
}

static void iov_clear(vn_core_t *c) { memset(c->iov, 0, sizeof(c->iov)); }

/* ---- chunk freelists (§6.5) ---- */
static uint8_t *fl_head(const vn_seg_t *s, uint32_t slice, uint32_t i) {
  uint8_t *p = shm_at(s, FSH_SLICES + (uint64_t)FSH_SLICE_SIZE * slice + SLICE_FREE_CHUNKS + 8ull * i, 8);
  return p && is_aligned(p, 8) ? p : NULL;
}

static void fl_count(const vn_seg_t *s, uint32_t slice, int64_t bytes) {
  uint8_t *a = shm_at(s, FSH_N_CACHED_BYTES, 8);
  uint8_t *b = shm_at(s, FSH_SLICES + (uint64_t)FSH_SLICE_SIZE * slice + SLICE_N_FL_CHUNK_BYTES, 8);
  if (a && is_aligned(a, 8)) __atomic_fetch_add(A64(a), (uint64_t)bytes, __ATOMIC_RELAXED);
  if (b && is_aligned(b, 8)) __atomic_fetch_add(A64(b), (uint64_t)bytes, __ATOMIC_RELAXED);
}

static int fl_pop(const vn_seg_t *s, uint32_t slice, uint32_t i, chunk_t *ch) {
  uint8_t *h = fl_head(s, slice, i);
  if (!h) return VN_EBADMSG;
  uint64_t old = __atomic_load_n(A64(h), __ATOMIC_ACQUIRE);
  for (int k = 0; k < MAX_CAS_RETRY; k++) {
    if ((old & FL_OFF_MASK) == 0) return 0;
    if (!chunk_at(s, old & FL_OFF_MASK, ch)) return VN_EBADMSG;
    uint64_t nw = (rd64(ch->p + CHUNK_NEXT) & FL_OFF_MASK) | ((old + FL_TAG_INC) & FL_TAG_MASK);
    if (__atomic_compare_exchange_n(A64(h), &old, nw, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      wr64(ch->p + CHUNK_NEXT, 0);
      fl_count(s, slice, -(int64_t)ch->len);
      return 1;
    }
  }
  return VN_EAGAIN;
}

static int fl_push(const vn_seg_t *s, uint32_t slice, uint32_t i, uint64_t first, uint8_t *last, uint64_t bytes) {
  uint8_t *h = fl_head(s, slice, i);
  if (!h) return VN_EBADMSG;
  uint64_t old = __atomic_load_n(A64(h), __ATOMIC_ACQUIRE);
  for (int k = 0; k < MAX_CAS_RETRY; k++) {
    wr64(last + CHUNK_NEXT, old & FL_OFF_MASK);
    uint64_t nw = first | ((old + FL_TAG_INC) & FL_TAG_MASK);
    if (__atomic_compare_exchange_n(A64(h), &old, nw, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      fl_count(s, slice, (int64_t)bytes);
      return 0;
    }
  }
  return VN_EAGAIN;
}

static uint32_t fl_index(uint32_t bytes) {
  uint32_t i = 0;
  while (i < FS_CHUNK_CLASSES - 1 && (4096u << i) < bytes) i++;
  return i;
}

/* Carve `batch` chunks of class i from the segment's bump allocator and put
 * them on freelist i. */
static int fl_carve(const vn_seg_t *s, uint32_t slice, uint32_t i, uint32_t batch) {
  uint8_t *bi = shm_at(s, FSH_BYTE_INDEX, 16);
  if (!bi || !is_aligned(bi, 8)) return VN_EBADMSG;
  uint64_t csz = CHUNK_HDR_SIZE + (4096ull << i), need = csz * batch;
  uint64_t max = rd64(bi + 8), old = __atomic_load_n(A64(bi), __ATOMIC_ACQUIRE);
  for (int k = 0;; k++) {
    if (k == MAX_CAS_RETRY || (old & 7)) return VN_EAGAIN;
    if (old + need > max || !shm_at(s, old, need)) return 0;
    if (__atomic_compare_exchange_n(A64(bi), &old, old + need, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) break;
  }
  for (uint32_t k = 0; k < batch; k++) {
    uint8_t *p = shm_at(s, old + k * csz, CHUNK_HDR_SIZE);
    wr32(p + CHUNK_START_BYTE, 0);
    wr32(p + CHUNK_LENGTH, 4096u << i);
    wr64(p + CHUNK_NEXT, k + 1 < batch ? old + (k + 1) * csz : 0);
    wr32(p + CHUNK_ENQ_RB, 0);
    wr32(p + CHUNK_DEQ_RB, 0);
  }
  int rv = fl_push(s, slice, i, old, shm_at(s, old + (batch - 1) * csz, CHUNK_HDR_SIZE),
                   (4096ull << i) * batch);
  return rv < 0 ? rv : 1;
}

/* One chunk of at least `want` bytes if possible, else the best there is. */
static int chunk_alloc(const vn_seg_t *s, uint32_t slice, uint32_t want, chunk_t *ch) {
  uint32_t i = fl_index(want > MAX_CHUNK ? MAX_CHUNK : want);
  int rv = fl_pop(s, slice, i, ch);
  if (rv != 0) return rv;
  if ((rv = fl_carve(s, slice, i, 32)) == 0) rv = fl_carve(s, slice, i, 1);
  if (rv < 0) return rv;
  if (rv > 0 && (rv = fl_pop(s, slice, i, ch)) != 0) return rv;
  for (uint32_t j = i + 1; j < FS_CHUNK_CLASSES; j++)
    if ((rv = fl_pop(s, slice, j, ch)) != 0) return rv;
  for (uint32_t j = i; j-- > 0;)
    if ((rv = fl_pop(s, slice, j, ch)) != 0) return rv;
  return 0;
}

/* A loose chunk of at least `len` bytes from slice 0 of segment s, for a
 * message that hands VPP memory by offset (the crypto config of a TLS
 * LISTEN/CONNECT): VPP reads it and frees it to the slice's freelist itself.
 * Returns 1 with *off (from fsh) and *data, 0 if the segment has no room. */
int seg_chunk_alloc(const vn_seg_t *s, uint32_t len, uint64_t *off, uint8_t **data) {
  chunk_t ch;
  int rv = chunk_alloc(s, 0, len, &ch);
  if (rv <= 0) return rv;
  if (ch.len < len) {   /* only smaller chunks left: give it back */
    rv = fl_push(s, 0, fl_index(ch.len), ch.off, ch.p, ch.len);
    return rv < 0 ? rv : 0;
  }
  wr32(ch.p + CHUNK_START_BYTE, 0);
  *off = ch.off;
  *data = ch.p + CHUNK_HDR_SIZE;
  return 1;
}

/* The message carrying a seg_chunk_alloc chunk never went out: take it back. */
int seg_chunk_free(const vn_seg_t *s, uint64_t off) {
  chunk_t ch;
  if (!chunk_at(s, off, &ch)) return VN_EBADMSG;
  return fl_push(s, 0, fl_index(ch.len), ch.off, ch.p, ch.len);
}

/* ---- binding a session to its fifos ---- */
int fifo_bind(vn_core_t *c, vn_fifo_t *f, uint32_t slot, uint64_t off) {
  if (slot >= VN_MAX_SEGMENTS) return VN_EBADMSG;
  vn_seg_t *s = &c->seg[slot];
  uint8_t *shr = off ? shm_at(s, off, FIFO_SHR_SIZE) : NULL;   /* 0 is NULL (§4.3) */
  if (!shr || !is_aligned(shr, 8)) return VN_EBADMSG;
  uint32_t size = rd32(shr + FIFO_SIZE);
  if (size == 0 || size > s->size) return VN_EBADMSG;
  uint8_t *nsl = shm_at(s, FSH_N_SLICES, 1);
  if (!nsl || shr[FIFO_SLICE_INDEX] >= *nsl) return VN_EBADMSG;
  f->shr = shr;
  f->seg = (uint16_t)slot;
  return 0;
}

/* The segment lied about this session's fifo: no more access to it. */
int fifo_poison(vn_core_t *c, vn_session_t *s) {
  if (!(s->flags & SF_POISONED)) {
    s->flags |= SF_POISONED;
    core_emit(c, VN_EV_SESSION_ERROR, (uint32_t)(s - c->sessions), (uint32_t)VN_EBADMSG, 0, 0, 0);
  }
  iov_clear(c);
  return VN_EBADMSG;
}

/* Tell VPP the tx fifo has news: one TX event per has_event 0 -> 1 (§6.6). */
void fifo_tx_event(vn_core_t *c, vn_session_t *s) {
  if (__atomic_exchange_n(A32(s->tx_sig.shr + FIFO_HAS_EVENT), 1, __ATOMIC_ACQ_REL) == 0)
    pending_post_io(c, s, EVT_IO_TX, PEND_TX_EVT);
}

/* ---- producer side ---- */
int32_t fifo_tx_reserve(vn_core_t *c, vn_session_t *s, uint32_t len) {
  iov_clear(c);
  s->tx_reserved = 0;
  vn_seg_t *seg = &c->seg[s->tx.seg];
  uint8_t *shr = s->tx.shr;
  int starved = 0;   /* room in the fifo, but no chunk memory in the segment */
  for (int attempt = 0; attempt < 2; attempt++) {
    starved = 0;
    uint32_t size = rd32(shr + FIFO_SIZE);
    uint32_t tail = rd32(shr + FIFO_TAIL), head = ld_acq32(shr + FIFO_HEAD);
    uint32_t used = tail - head;
    if (used > size || size > seg->size) return fifo_poison(c, s);
    uint32_t n = size - used < len ? size - used : len;
    if (n > 0) {
      chunk_t end, first;
      if (!chunk_at(seg, rd64(shr + FIFO_END_CHUNK), &end)) return fifo_poison(c, s);
      int32_t have = (int32_t)(end.start + end.len - tail);
      if (have < 0) return fifo_poison(c, s);
      if ((uint32_t)have < n) {
        uint32_t min_alloc = rd32(shr + FIFO_MIN_ALLOC), roomy = size - used;
        uint32_t want = n - (uint32_t)have;
        if (want < (min_alloc < roomy ? min_alloc : roomy)) want = min_alloc < roomy ? min_alloc : roomy;
        int rv = chunk_alloc(seg, shr[FIFO_SLICE_INDEX], want, &first);
        if (rv == VN_EBADMSG) return fifo_poison(c, s);
        if (rv > 0) {
          wr32(first.p + CHUNK_START_BYTE, end.start + end.len);
          wr32(first.p + CHUNK_ENQ_RB, 0);
          wr32(first.p + CHUNK_DEQ_RB, 0);
          wr64(first.p + CHUNK_NEXT, 0);
          wr64(end.p + CHUNK_NEXT, first.off);
          wr64(shr + FIFO_END_CHUNK, first.off);
          if (rd64(shr + FIFO_TAIL_CHUNK) == 0 && (uint32_t)have == 0)
            wr64(shr + FIFO_TAIL_CHUNK, first.off);
          have += (int32_t)first.len;
        }
        starved = have == 0 && rv == 0 && used == 0;   /* drained: no notification will come */
        if ((uint32_t)have < n) n = (uint32_t)have;
      }
      if (n > 0) {
        chunk_t at;
        if (!chunk_find(seg, shr, rd64(shr + FIFO_TAIL_CHUNK), tail, &at)) return fifo_poison(c, s);
        n = iov_fill(c, seg, at, tail, n);
        s->tx_reserved = n;
        return (int32_t)n;
      }
    }
    if (attempt == 0 && !(s->flags2 & SF2_POLL)) {
      /* full or cannot grow: ask for a TX-space event, and post TX so a
       * cut-through peer learns of the request (§6.6), then retry once
       * (a polling host looks again without being told) */
      __atomic_fetch_or(A32(s->tx_sig.shr + FIFO_WANT_DEQ_NTF), WANT_DEQ_NOTIF, __ATOMIC_ACQ_REL);
      fifo_tx_event(c, s);
    }
  }
  /* a drained fifo that cannot grow gets no dequeue notification: the host
   * must retry once other sessions give memory back */
  return starved ? VN_ENOMEM : 0;
}

int32_t fifo_tx_commit(vn_core_t *c, vn_session_t *s, uint32_t n) {
  if (n > s->tx_reserved) return VN_EINVAL;
  s->tx_reserved = 0;
  if (n == 0) return 0;
  vn_seg_t *seg = &c->seg[s->tx.seg];
  uint8_t *shr = s->tx.shr;
  uint32_t tail = rd32(shr + FIFO_TAIL), nt = tail + n;
  chunk_t ch;
  if (!chunk_find(seg, shr, rd64(shr + FIFO_TAIL_CHUNK), tail, &ch)) return fifo_poison(c, s);
  /* cache the chunk holding the new tail (0 when it sits at the list's end) */
  uint64_t tc = 0;
  for (int i = 0; i < MAX_WALK; i++) {
    if (chunk_has(&ch, nt)) { tc = ch.off; break; }
    uint64_t next = rd64(ch.p + CHUNK_NEXT);
    if (!next) break;
    if (!chunk_at(seg, next, &ch)) return fifo_poison(c, s);
  }
  wr64(shr + FIFO_TAIL_CHUNK, tc);
  st_rel32(shr + FIFO_TAIL, nt);
  /* cut-through: ask for the dequeue notification once the fifo is half
   * full, not only when it is full. The request rides VPP's relay of our TX
   * event and the notification takes another; asked at full, the reader had
   * drained the fifo before the writer heard, and the two took turns. */
  if ((s->flags & SF_CT) && !(s->flags2 & SF2_POLL) && nt - ld_acq32(shr + FIFO_HEAD) >= rd32(shr + FIFO_SIZE) / 2)
    __atomic_fetch_or(A32(s->tx_sig.shr + FIFO_WANT_DEQ_NTF), WANT_DEQ_NOTIF, __ATOMIC_ACQ_REL);
  fifo_tx_event(c, s);
  return 0;
}

/* ---- consumer side ---- */
int32_t fifo_rx_peek(vn_core_t *c, vn_session_t *s, uint32_t len) {
  iov_clear(c);
  s->rx_peeked = 0;
  vn_seg_t *seg = &c->seg[s->rx.seg];
  uint8_t *shr = s->rx.shr;
  /* clear before reading: data that lands after this raises a new event
   * (not while the host polls: it will look again without being told) */
  if (!(s->flags2 & SF2_POLL)) __atomic_exchange_n(A32(s->rx_sig.shr + FIFO_HAS_EVENT), 0, __ATOMIC_ACQ_REL);
  uint32_t size = rd32(shr + FIFO_SIZE);
  uint32_t head = rd32(shr + FIFO_HEAD), tail = ld_acq32(shr + FIFO_TAIL);
  uint32_t avail = tail - head;
  if (avail > size || size > seg->size) return fifo_poison(c, s);
  uint32_t n = avail < len ? avail : len;
  if (n == 0) {
    /* a vppnet peer on cut-through marks its shutdown behind its last byte */
    if ((s->flags & SF_CT) && ld_acq32(shr + FIFO_VN_EOF) == VN_EOF_MAGIC &&
        ld_acq32(shr + FIFO_TAIL) == head)
      s->flags |= SF_PEER_CLOSED;
    return 0;
  }
  chunk_t ch;
  if (!chunk_find(seg, shr, rd64(shr + FIFO_HEAD_CHUNK), head, &ch)) return fifo_poison(c, s);
  n = iov_fill(c, seg, ch, head, n);
  s->rx_peeked = n;
  return (int32_t)n;
}

static void fifo_deq_notify(vn_core_t *c, vn_session_t *s, uint32_t n_read) {
  uint8_t *sig = s->rx_sig.shr, *shr = s->rx.shr;
  uint32_t want = __atomic_load_n(A32(sig + FIFO_WANT_DEQ_NTF), __ATOMIC_ACQUIRE);
  if (!want) return;
  uint32_t size = rd32(shr + FIFO_SIZE);
  uint32_t bytes = ld_acq32(shr + FIFO_TAIL) - rd32(shr + FIFO_HEAD);
  if (bytes > size) bytes = size;
  int notify = 0;
  if ((want & WANT_DEQ_NOTIF) && size - bytes >= rd32(sig + FIFO_DEQ_THRESH)) notify = 1;
  if ((want & WANT_DEQ_NOTIF_IF_FULL) && bytes < size && bytes + n_read >= size && !rd32(sig + FIFO_HAS_DEQ_NTF))
    notify = 1;
  if ((want & WANT_DEQ_NOTIF_IF_EMPTY) && bytes == 0 && !rd32(sig + FIFO_HAS_DEQ_NTF)) notify = 1;
  if (!notify) return;
  if (want & (WANT_DEQ_NOTIF_IF_FULL | WANT_DEQ_NOTIF_IF_EMPTY)) wr32(sig + FIFO_HAS_DEQ_NTF, 1);
  if (want & WANT_DEQ_NOTIF) __atomic_fetch_and(A32(sig + FIFO_WANT_DEQ_NTF), ~WANT_DEQ_NOTIF, __ATOMIC_ACQ_REL);
  pending_post_io(c, s, EVT_IO_RX, PEND_DEQ_NTF);
}

int32_t fifo_rx_release(vn_core_t *c, vn_session_t *s, uint32_t n) {
  if (n > s->rx_peeked) return VN_EINVAL;
  s->rx_peeked = 0;
  if (n == 0) return 0;
  vn_seg_t *seg = &c->seg[s->rx.seg];
  uint8_t *shr = s->rx.shr;
  uint32_t nh = rd32(shr + FIFO_HEAD) + n;
  uint32_t slice = shr[FIFO_SLICE_INDEX];
  chunk_t ch;
  uint64_t start = rd64(shr + FIFO_START_CHUNK);
  if (!chunk_at(seg, start, &ch)) return fifo_poison(c, s);
  /* give every chunk wholly behind the new head back to the freelists; the
   * last chunk of the list always stays */
  for (int i = 0; i < MAX_WALK && (int32_t)(nh - (ch.start + ch.len)) >= 0; i++) {
    uint64_t next = rd64(ch.p + CHUNK_NEXT);
    chunk_t nx;
    if (!next) break;
    if (!chunk_at(seg, next, &nx)) return fifo_poison(c, s);
    wr64(shr + FIFO_START_CHUNK, next);
    if (fl_push(seg, slice, fl_index(ch.len), ch.off, ch.p, ch.len) < 0) return fifo_poison(c, s);
    ch = nx;
  }
  wr64(shr + FIFO_HEAD_CHUNK, chunk_has(&ch, nh) ? ch.off : 0);
  st_rel32(shr + FIFO_HEAD, nh);
  fifo_deq_notify(c, s, n);
  return 0;
}
