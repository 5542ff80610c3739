/*
 * mq.c — svm_msg_q: consume the app's own queue, produce into VPP-bound
 * queues. With `use-private-rx-mqs` we are the only producer of our VPP-bound
 * queues and the only consumer of the app mq, so the cursize atomics are the
 * whole synchronisation: no cross-process lock, no spinning. A full queue is a
 * result (NULL / VN_EAGAIN), never a wait.
 */
#include "core.h"

int mq_locate(vn_mq_t *mq, const vn_seg_t *s, uint64_t off) {
  uint8_t *q = shm_at(s, off, MQ_SLOTS);
  if (!q || !is_aligned(q, 8) || rd32(q + MQ_N_RINGS) != 2) return VN_EBADMSG;
  uint32_t maxsize = rd32(q + MQ_MAXSIZE);
  if (maxsize == 0 || maxsize > (1u << 20) || rd32(q + MQ_ELSIZE) != 8) return VN_EBADMSG;
  uint64_t at = off + MQ_SLOTS + 8ull * maxsize;
  memset(mq, 0, sizeof(*mq));
  for (int r = 0; r < 2; r++) {
    uint8_t *ring = shm_at(s, at, RING_HDR_SIZE);
    if (!ring || !is_aligned(ring, 4)) return VN_EBADMSG;
    uint32_t n = rd32(ring + RING_NITEMS), el = rd32(ring + RING_ELSIZE);
    uint32_t need = r == MQ_IO_RING ? IO_EVT_SIZE : CTRL_EVT_SIZE;
    if (n == 0 || n > (1u << 20) || el < need || el > 4096) return VN_EBADMSG;
    if (!shm_at(s, at + RING_HDR_SIZE, (uint64_t)n * el)) return VN_EBADMSG;
    mq->ring[r] = ring;
    mq->nitems[r] = n;
    mq->elsize[r] = el;
    at += RING_HDR_SIZE + (uint64_t)n * el;
  }
  mq->q = q;
  mq->slots = q + MQ_SLOTS;
  mq->maxsize = maxsize;
  mq->off = off;
  return 0;
}

uint8_t *mq_alloc(vn_core_t *c, vn_mq_t *mq, uint32_t r, uint32_t *elt) {
  uint8_t *ring = mq->ring[r];
  if (ld_acq32(mq->q + MQ_CURSIZE) >= mq->maxsize) return NULL;
  if (ld_acq32(ring + RING_CURSIZE) >= mq->nitems[r]) return NULL;
  uint32_t e = rd32(ring + RING_TAIL);
  if (e >= mq->nitems[r] || rd32(mq->q + MQ_TAIL) >= mq->maxsize) {
    core_poison(c, VN_EBADMSG);
    return NULL;
  }
  uint8_t *p = ring + RING_HDR_SIZE + (uint64_t)e * mq->elsize[r];
  memset(p, 0, mq->elsize[r]);
  *elt = e;
  return p;
}

int mq_commit(vn_core_t *c, uint32_t mq_index, uint32_t r, uint32_t e) {
  vn_mq_t *mq = &c->vpp_mq[mq_index];
  uint8_t *ring = mq->ring[r];
  /* ring element first, then its slot, then the release of cursize: the
   * consumer frees elements in slot order, so these must stay in step */
  wr32(ring + RING_TAIL, (e + 1) % mq->nitems[r]);
  __atomic_fetch_add(A32(ring + RING_CURSIZE), 1, __ATOMIC_RELEASE);
  uint32_t t = rd32(mq->q + MQ_TAIL);
  wr32(mq->slots + 8ull * t, r);
  wr32(mq->slots + 8ull * t + 4, e);
  wr32(mq->q + MQ_TAIL, (t + 1) % mq->maxsize);
  uint32_t old = __atomic_fetch_add(A32(mq->q + MQ_CURSIZE), 1, __ATOMIC_RELEASE);
  if (old == 0) c->signals |= 1u << mq_index;
  return 0;
}

int mq_send_ctrl(vn_core_t *c, uint32_t mq_index, uint8_t type, const uint8_t *msg, uint32_t len) {
  if (c->poisoned || !c->attached) return VN_ESHUTDOWN;
  if (mq_index >= c->n_vpp_mqs || len > CTRL_EVT_SIZE - EVT_MSG_OFF) return VN_EINVAL;
  uint32_t e;
  uint8_t *p = mq_alloc(c, &c->vpp_mq[mq_index], MQ_CTRL_RING, &e);
  if (!p) return c->poisoned ? VN_ESHUTDOWN : VN_EAGAIN;
  p[0] = type;
  memcpy(p + EVT_MSG_OFF, msg, len);
  return mq_commit(c, mq_index, MQ_CTRL_RING, e);
}

int mq_send_io(vn_core_t *c, uint32_t mq_index, uint8_t type, uint32_t session_index) {
  if (c->poisoned || !c->attached) return VN_ESHUTDOWN;
  if (mq_index >= c->n_vpp_mqs) return VN_EINVAL;
  uint32_t e;
  uint8_t *p = mq_alloc(c, &c->vpp_mq[mq_index], MQ_IO_RING, &e);
  if (!p) return c->poisoned ? VN_ESHUTDOWN : VN_EAGAIN;
  p[0] = type;
  wr32(p + EVT_MSG_OFF, session_index);   /* session_event_t: type, then the session index */
  return mq_commit(c, mq_index, MQ_IO_RING, e);
}

int mq_dequeue(vn_mq_t *mq, uint8_t *out, uint32_t *ring_out) {
  uint32_t n = ld_acq32(mq->q + MQ_CURSIZE);
  if (n == 0) return 0;
  uint32_t h = rd32(mq->q + MQ_HEAD);
  if (n > mq->maxsize || h >= mq->maxsize) return VN_EBADMSG;
  uint32_t r = rd32(mq->slots + 8ull * h), e = rd32(mq->slots + 8ull * h + 4);
  if (r > 1 || e >= mq->nitems[r]) return VN_EBADMSG;
  uint8_t *ring = mq->ring[r];
  /* VPP allocates ring elements in slot order: anything else is a corrupt queue */
  if (rd32(ring + RING_HEAD) != e || ld_acq32(ring + RING_CURSIZE) == 0) return VN_EBADMSG;
  uint32_t len = r == MQ_IO_RING ? IO_EVT_SIZE : CTRL_EVT_SIZE;
  memset(out, 0, CTRL_EVT_SIZE);
  memcpy(out, ring + RING_HDR_SIZE + (uint64_t)e * mq->elsize[r], len);
  wr32(mq->q + MQ_HEAD, (h + 1) % mq->maxsize);
  __atomic_fetch_sub(A32(mq->q + MQ_CURSIZE), 1, __ATOMIC_ACQ_REL);
  wr32(ring + RING_HEAD, (e + 1) % mq->nitems[r]);
  __atomic_fetch_sub(A32(ring + RING_CURSIZE), 1, __ATOMIC_ACQ_REL);
  *ring_out = r;
  return 1;
}
