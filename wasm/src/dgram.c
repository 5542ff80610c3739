/*
 * dgram.c — datagrams in a UDP session's fifos. Each record is VPP's 47-byte
 * header (DGRAM_*) and then the payload, back to back, wrapping across
 * chunks like any bytes. VPP enqueues a received datagram whole or not at
 * all, and sends a record only once all of it is in the fifo, so a record is
 * read and written as one: its header and payload are peeked (or reserved)
 * together and released (or committed) together. The header is VPP's, so
 * its length is checked against the fifo before anything is trusted.
 */
#include "core.h"

/* Copy n bytes out of (or into) the regions in c->iov, from their start. */
static void iov_copy(vn_core_t *c, uint8_t *buf, uint32_t n, int out) {
  for (uint32_t i = 0, done = 0; i < VN_MAX_IOV && done < n; i++) {
    uint32_t k = c->iov[i].len < n - done ? c->iov[i].len : n - done;
    uint8_t *p = (uint8_t *)c->iov[i].base;
    if (out) memcpy(buf + done, p, k); else memcpy(p, buf + done, k);
    done += k;
  }
}

/* Leave in c->iov only bytes [skip, skip + n) of what it describes. */
static void iov_window(vn_core_t *c, uint32_t skip, uint32_t n) {
  vn_iov_t out[VN_MAX_IOV];
  uint32_t k = 0;
  for (uint32_t i = 0; i < VN_MAX_IOV && n; i++) {
    uintptr_t base = c->iov[i].base;
    uint32_t len = c->iov[i].len;
    if (skip >= len) { skip -= len; continue; }
    base += skip; len -= skip; skip = 0;
    if (len > n) len = n;
    out[k].base = base; out[k].len = len; k++;
    n -= len;
  }
  memset(c->iov, 0, sizeof(c->iov));
  memcpy(c->iov, out, k * sizeof(vn_iov_t));
}

static vn_session_t *dgram_session(vn_core_t *c, uint32_t sid, int32_t *err) {
  vn_session_t *s = sid < c->max_sessions ? &c->sessions[sid] : NULL;
  if (!s || s->state == SS_FREE) { *err = VN_ENOENT; return NULL; }
  if (!(s->flags2 & SF2_DGRAM) || s->state != SS_READY) { *err = VN_EINVAL; return NULL; }
  if ((s->flags & SF_POISONED) || !s->rx.shr || !s->tx.shr) { *err = VN_EPIPE; return NULL; }
  return s;
}

int32_t vn_dgram_peek(vn_core_t *c, uint32_t sid, uint32_t max) {
  int32_t err;
  vn_session_t *s = dgram_session(c, sid, &err);
  if (!s) return err;
  s->dgram_len = 0;
  int32_t n = fifo_rx_peek(c, s, DGRAM_HDR_SIZE);
  if (n < 0) return n;
  if (n < DGRAM_HDR_SIZE) { s->rx_peeked = 0; return VN_EAGAIN; }
  uint8_t h[DGRAM_HDR_SIZE];
  iov_copy(c, h, DGRAM_HDR_SIZE, 1);
  uint32_t len = rd32(h + DGRAM_LEN), size = rd32(s->rx.shr + FIFO_SIZE);
  if (len > size || len > size - DGRAM_HDR_SIZE) return fifo_poison(c, s);
  n = fifo_rx_peek(c, s, DGRAM_HDR_SIZE + len);
  if (n < 0) return n;
  /* not all there yet (a cut-through writer mid-record; VPP never does that) */
  if ((uint32_t)n < DGRAM_HDR_SIZE + len) { s->rx_peeked = 0; return VN_EAGAIN; }
  memcpy(c->scratch + VN_ADDR_IP, h + DGRAM_RMT_IP, 16);
  wr16(c->scratch + VN_ADDR_PORT, byte_swap16(rd16(h + DGRAM_RMT_PORT)));
  c->scratch[VN_ADDR_IS_IP4] = h[DGRAM_IS_IP4] ? 1 : 0;
  memcpy(c->scratch + VN_DGRAM_LCL_IP, h + DGRAM_LCL_IP, 16);
  wr32(c->scratch + VN_DGRAM_LEN, len);
  uint32_t take = len < max ? len : max;
  iov_window(c, DGRAM_HDR_SIZE, take);
  s->dgram_len = DGRAM_HDR_SIZE + len;
  return (int32_t)take;
}

int32_t vn_dgram_release(vn_core_t *c, uint32_t sid) {
  int32_t err;
  vn_session_t *s = dgram_session(c, sid, &err);
  if (!s) return err;
  uint32_t n = s->dgram_len;
  if (!n) return VN_EINVAL;
  s->dgram_len = 0;
  return fifo_rx_release(c, s, n);
}

int32_t vn_dgram_reserve(vn_core_t *c, uint32_t sid, uint32_t len, uint32_t is_ip4, uint32_t port) {
  int32_t err;
  vn_session_t *s = dgram_session(c, sid, &err);
  if (!s) return err;
  /* VPP sends no empty datagram (it waits for more bytes behind its header) */
  if (len == 0 || len > DGRAM_MAX || port == 0 || port > 65535 || is_ip4 > 1) return VN_EINVAL;
  uint32_t want = DGRAM_HDR_SIZE + len;
  int32_t n = 0;
  for (int attempt = 0; attempt < 2; attempt++) {
    n = fifo_tx_reserve(c, s, want);
    if (n < 0) return n;
    if ((uint32_t)n == want) break;
    /* room for part of it only: ask to hear when VPP takes more (a full fifo
     * asked already), then look once more, in case VPP took it meanwhile */
    s->tx_reserved = 0;
    __atomic_fetch_or(A32(s->tx_sig.shr + FIFO_WANT_DEQ_NTF), WANT_DEQ_NOTIF, __ATOMIC_ACQ_REL);
    n = 0;
  }
  if ((uint32_t)n != want) { memset(c->iov, 0, sizeof(c->iov)); return 0; }
  uint8_t h[DGRAM_HDR_SIZE] = {0};
  wr32(h + DGRAM_LEN, len);
  memcpy(h + DGRAM_RMT_IP, c->scratch, 16);
  memcpy(h + DGRAM_LCL_IP, c->scratch + VN_DGRAM_LCL_IP, 16);
  wr16(h + DGRAM_RMT_PORT, byte_swap16((uint16_t)port));
  wr16(h + DGRAM_LCL_PORT, byte_swap16(s->lcl_port));
  h[DGRAM_IS_IP4] = (uint8_t)is_ip4;
  iov_copy(c, h, DGRAM_HDR_SIZE, 0);
  iov_window(c, DGRAM_HDR_SIZE, len);
  return (int32_t)len;
}

int32_t vn_dgram_commit(vn_core_t *c, uint32_t sid) {
  int32_t err;
  vn_session_t *s = dgram_session(c, sid, &err);
  if (!s) return err;
  if (s->tx_reserved < DGRAM_HDR_SIZE + 1) return VN_EINVAL;
  return fifo_tx_commit(c, s, s->tx_reserved);
}
