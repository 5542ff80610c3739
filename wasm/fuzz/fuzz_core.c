/*
 * fuzz_core.c — libFuzzer target for the session-layer core.
 *
 * The harness plays VPP with a well-formed world (app segment with app mq and
 * four fifo pairs, VPP mq segment with one VPP-bound queue, laid out as in
 * docs/protocol.md §4–6), then lets the input drive it: an optional
 * patch of the ATTACH_REPLY, then a stream of ops that patch any byte of
 * either segment (headers, queues, fifos, chunk lists), post control messages
 * and IO events on the app mq, poll, consume the VPP-bound queue and run the
 * data path (rx_peek/rx_release/tx_reserve/tx_commit) on any sid. Everything
 * is bounded; ASan/UBSan catch what the core must never do.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vppnet_core.h"

#define APP_SZ (256u * 1024u)
#define VPP_SZ (64u * 1024u)
#define FSH 8192u
#define SLICES_END (128u + 192u)
#define APP_MQ_OFF SLICES_END
#define APP_MAX 32u
#define APP_R0 32u
#define APP_R1 16u
#define VPP_MAX 64u
#define VPP_R0 64u
#define VPP_R1 32u
#define N_FIFOS 8u
#define LISTENER_HANDLE 0x10u

static inline void w8(uint8_t *p, uint8_t v) { *p = v; }
static inline void w16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void w32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void w64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint32_t r32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static uint32_t mq_bytes(uint32_t max, uint32_t n0, uint32_t n1) { return 120 + 8 * max + 20 + n0 * 18 + 20 + n1 * 256; }

typedef struct {
  vn_core_t *c;
  uint8_t *app, *vpp;          /* mapping bases */
  uint64_t fifo[N_FIFOS];      /* fsh offsets of fifo headers */
  uint64_t vppq;               /* fsh offset of the VPP-bound queue */
} world_t;

static void seg_init(uint8_t *b, uint32_t size) {
  memset(b, 0, size);
  w64(b + 32, size); w64(b + 56, FSH); w32(b + 112, 1); w32(b + 116, 1);
  uint8_t *f = b + FSH;
  w32(f + 16, 22); w8(f + 20, 1);
  w64(f + 64, SLICES_END); w64(f + 72, size - FSH); w64(f + 80, SLICES_END); w32(f + 12, SLICES_END);
}
static uint64_t bump(uint8_t *b, uint64_t n, uint64_t align) {
  uint8_t *f = b + FSH; uint64_t at; memcpy(&at, f + 64, 8);
  at = (at + align - 1) & ~(align - 1);
  w64(f + 64, at + n);
  return at;
}
static void mq_init(uint8_t *q, uint32_t max, uint32_t n0, uint32_t n1) {
  w32(q, 2); w32(q + 108, max); w32(q + 112, 8);
  uint8_t *r0 = q + 120 + 8 * max, *r1 = r0 + 20 + n0 * 18;
  w32(r0 + 4, n0); w32(r0 + 16, 18); w32(r1 + 4, n1); w32(r1 + 16, 256);
}
/* Ring r of queue q, or NULL if the (possibly patched) header puts it outside [q, end). */
static uint8_t *ring(uint8_t *q, uint32_t r, const uint8_t *end) {
  uint32_t max = r32(q + 108);
  if (max > 4096) return NULL;
  uint8_t *r0 = q + 120 + 8 * max;
  if (r0 + 20 > end || r32(r0 + 4) > 4096 || r32(r0 + 16) > 256) return NULL;
  uint8_t *rg = r ? r0 + 20 + r32(r0 + 4) * r32(r0 + 16) : r0;
  if (rg + 20 > end) return NULL;
  return rg;
}
/* VPP's producer (§5.2) on the app mq; tolerant of patched headers (stays in bounds or gives up). */
static void produce(world_t *w, uint32_t r, const uint8_t *elt, uint32_t len) {
  uint8_t *q = w->app + FSH + APP_MQ_OFF, *rg = ring(q, r, w->app + APP_SZ);
  if (!rg) return;
  uint32_t max = r32(q + 108), n = r32(rg + 4), es = r32(rg + 16), tail = r32(rg + 12), qt = r32(q + 100);
  if (!max || !n || (es != 18 && es != 256) || tail >= n || qt >= max) return;
  if (r32(q + 104) >= max || r32(rg) >= n) return;
  uint8_t *e = rg + 20 + (uint64_t)tail * es;
  if (e + es > w->app + APP_SZ) return;
  memset(e, 0, es); memcpy(e, elt, len < es ? len : es);
  w32(rg + 12, (tail + 1) % n); w32(rg, r32(rg) + 1);
  w32(q + 120 + 8 * qt, r); w32(q + 124 + 8 * qt, tail);
  w32(q + 100, (qt + 1) % max); w32(q + 104, r32(q + 104) + 1);
}
/* VPP's consumer (§5.3) on the VPP-bound queue. */
static void consume_all(world_t *w) {
  uint8_t *q = w->vpp + FSH + w->vppq, *end = w->vpp + VPP_SZ;
  for (int i = 0; i < 256 && r32(q + 104); i++) {
    uint32_t h = r32(q + 96), max = r32(q + 108);
    if (!max || max > 4096 || h >= max) return;               /* patched by the input: VPP gives up too */
    uint32_t rr = r32(q + 120 + 8 * h);
    w32(q + 96, (h + 1) % max); w32(q + 104, r32(q + 104) - 1);
    uint8_t *rg = ring(q, rr & 1, end);
    if (!rg || !r32(rg + 4)) return;
    w32(rg + 8, (r32(rg + 8) + 1) % r32(rg + 4)); w32(rg, r32(rg) - 1);
  }
}
static uint64_t new_fifo(world_t *w, uint32_t start) {
  uint8_t *b = w->app, *f = b + FSH;
  uint64_t h = bump(b, 192, 64), c0 = bump(b, 24 + 4096, 8), c1 = bump(b, 24 + 4096, 8);
  w32(f + c0, start); w32(f + c0 + 4, 4096); w64(f + c0 + 8, c1);
  w32(f + c1, start + 4096); w32(f + c1 + 4, 4096);
  w64(f + h, c0); w64(f + h + 8, c1); w32(f + h + 16, 4096); w32(f + h + 20, 16384);
  w64(f + h + 64, c0); w32(f + h + 72, start); w64(f + h + 128, c0); w32(f + h + 136, start);
  return h;
}
static void ctrl(world_t *w, uint8_t type, const uint8_t *msg, uint32_t len) {
  uint8_t e[256] = {0}; e[0] = type; memcpy(e + 2, msg, len > 254 ? 254 : len);
  produce(w, 1, e, 256);
}
static void poll_bounded(world_t *w) {
  for (int i = 0; i < 8; i++) { int32_t n = vn_poll(w->c); if (n <= 0) break; }
}

static int setup(world_t *w, const uint8_t **in, size_t *left) {
  memset(w, 0, sizeof *w);
  w->c = vn_core_new(16, 8);
  w->app = (uint8_t *)vn_region_alloc(APP_SZ);
  w->vpp = (uint8_t *)vn_region_alloc(VPP_SZ);
  if (!w->c || !w->app || !w->vpp) abort();
  seg_init(w->app, APP_SZ); seg_init(w->vpp, VPP_SZ);
  uint64_t am = bump(w->app, mq_bytes(APP_MAX, APP_R0, APP_R1), 64);
  mq_init(w->app + FSH + am, APP_MAX, APP_R0, APP_R1);
  w->vppq = SLICES_END;
  uint32_t qs = (mq_bytes(VPP_MAX, VPP_R0, VPP_R1) + 63) & ~63u;
  mq_init(w->vpp + FSH + w->vppq, VPP_MAX, VPP_R0, VPP_R1);
  w8(w->vpp + FSH + 22, 1); w32(w->vpp + FSH + 12, SLICES_END + qs); w64(w->vpp + FSH + 64, SLICES_END + qs);
  for (uint32_t i = 0; i < N_FIFOS; i++) w->fifo[i] = new_fifo(w, i & 1 ? 0xFFFFF000u : 0);

  uint8_t *s = vn_scratch(w->c);
  memset(s, 0, VN_SCRATCH_SIZE);
  s[0] = 2; w32(s + 5, 7); w64(s + 9, am); w64(s + 17, w->vppq); w64(s + 25, 0x300000001ull);
  w32(s + 33, 0xcafe); s[38] = 4; s[39] = 0xF;
  uint32_t len = 209, nfds = 4;
  if (*left && (**in & 1)) {                     /* input patches the attach reply */
    uint8_t k = (**in >> 1) & 63; (*in)++; (*left)--;
    if (k > *left) k = (uint8_t)*left;
    memcpy(s, *in, k); *in += k; *left -= k;
    if (*left) { nfds = **in & 7; (*in)++; (*left)--; }
  } else if (*left) { (*in)++; (*left)--; }
  if (vn_attach_decode(w->c, len, nfds) < 0) return -1;
  if (vn_segment_add(w->c, VN_SEG_VPP_MQ, 0, 0, (uintptr_t)w->vpp, VPP_SZ) < 0) return -1;
  if (vn_segment_add(w->c, VN_SEG_APP, vn_attach_info(w->c, VN_INFO_SEG_HANDLE_LO),
                     vn_attach_info(w->c, VN_INFO_SEG_HANDLE_HI), (uintptr_t)w->app, APP_SZ) < 0) return -1;
  if (vn_attach_finish(w->c) < 0) return -1;
  /* one listener with handle LISTENER_HANDLE so ACCEPTED messages have a parent */
  memset(vn_scratch(w->c), 0, 16);
  int32_t l = vn_listen(w->c, 1, 7000);
  consume_all(w);
  if (l >= 0) { uint8_t m[79] = {0}; w32(m, (uint32_t)l); w64(m + 4, LISTENER_HANDLE); ctrl(w, 9, m, sizeof m); }
  poll_bounded(w);
  return 0;
}

#define NEED(n) do { if (left < (n)) goto done; } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  world_t w;
  const uint8_t *in = data; size_t left = size;
  if (setup(&w, &in, &left) < 0) goto done;
  for (int steps = 0; left && steps < 256; steps++) {
    uint8_t op = *in++; left--;
    switch (op % 14) {
    case 0: case 1: {                            /* patch a segment: u16 word offset, len, bytes */
      NEED(3);
      uint8_t *b = op % 14 == 0 ? w.app : w.vpp; uint32_t sz = op % 14 == 0 ? APP_SZ : VPP_SZ;
      uint32_t off = (FSH + (uint32_t)(in[0] | in[1] << 8) * 4u) % sz, n = in[2] & 15; in += 3; left -= 3;
      if (n > left) n = (uint32_t)left;
      if (off + n > sz) n = sz - off;
      memcpy(b + off, in, n); in += n; left -= n;
      break;
    }
    case 2: {                                    /* control message: type, len, payload */
      NEED(2);
      uint8_t type = in[0], n = in[1]; in += 2; left -= 2;
      if (n > left) n = (uint8_t)left;
      ctrl(&w, type, in, n); in += n; left -= n;
      break;
    }
    case 3: {                                    /* IO event: type, sid */
      NEED(3);
      uint8_t e[18] = {0}; e[0] = in[0] & 3; w32(e + 2, in[1] | (uint32_t)in[2] << 8); in += 3; left -= 3;
      produce(&w, 0, e, 18);
      break;
    }
    case 4: poll_bounded(&w); vn_signals(w.c); break;
    case 5: {                                    /* well-formed ACCEPTED: fifo pair, handle byte */
      NEED(2);
      uint8_t m[120] = {0}; uint32_t k = (in[0] % (N_FIFOS / 2)) * 2;
      w32(m, 7); w64(m + 4, LISTENER_HANDLE); w64(m + 12, 0x100 + in[1]);
      w64(m + 20, w.fifo[k]); w64(m + 28, w.fifo[k + 1]); w64(m + 36, 0x300000001ull); w64(m + 44, w.vppq);
      m[56 + 18] = 1; m[84 + 18] = 1; in += 2; left -= 2;
      ctrl(&w, 11, m, sizeof m);
      break;
    }
    case 6: {                                    /* close-type message for handle */
      NEED(2);
      uint8_t m[16] = {0}; w64(m + 8, 0x100 + in[1]);
      static const uint8_t t[] = {8, 14, 31, 31, 29, 10};
      uint8_t type = t[in[0] % 6];
      if (type == 31) { uint8_t c9[9]; w64(c9, 0x100 + in[1]); c9[8] = in[0] & 1; ctrl(&w, 31, c9, 9); }
      else ctrl(&w, type, m, 16);
      in += 2; left -= 2;
      break;
    }
    case 7: {                                    /* rx: peek + release */
      NEED(3);
      uint32_t sid = in[0] % 20, len = (uint32_t)in[1] << 6 | in[2]; in += 3; left -= 3;
      int32_t n = vn_rx_peek(w.c, sid, len);
      if (n > 0) {
        const vn_iov_t *iov = vn_iov(w.c); uint32_t sum = 0; volatile uint8_t x = 0;
        for (int i = 0; i < VN_MAX_IOV && sum < (uint32_t)n; i++) {
          if (iov[i].len) { x ^= ((const uint8_t *)iov[i].base)[0]; x ^= ((const uint8_t *)iov[i].base)[iov[i].len - 1]; }
          sum += iov[i].len;
        }
        if (sum != (uint32_t)n) abort();           /* iov must cover exactly what was returned */
        vn_rx_release(w.c, sid, (uint32_t)n / ((len & 1) + 1));
      }
      break;
    }
    case 8: {                                    /* tx: reserve + write + commit */
      NEED(3);
      uint32_t sid = in[0] % 20, len = (uint32_t)in[1] << 6 | in[2]; in += 3; left -= 3;
      int32_t n = vn_tx_reserve(w.c, sid, len);
      if (n > 0) {
        const vn_iov_t *iov = vn_iov(w.c); uint32_t sum = 0;
        for (int i = 0; i < VN_MAX_IOV && sum < (uint32_t)n; i++) { memset((void *)iov[i].base, 0x5a, iov[i].len); sum += iov[i].len; }
        if (sum != (uint32_t)n) abort();
        vn_tx_commit(w.c, sid, (uint32_t)n);
      }
      break;
    }
    case 9: {                                    /* app calls */
      NEED(2);
      uint32_t sid = in[1] % 20;
      switch (in[0] % 7) {
      case 0: vn_close(w.c, sid); break;
      case 1: vn_shutdown(w.c, sid); break;
      case 2: vn_abort(w.c, sid); break;
      case 3: vn_unlisten(w.c, sid); break;
      case 4: memset(vn_scratch(w.c), 0, 32); vn_connect(w.c, 1, sid, 0); break;
      case 5:
        vn_session_addr(w.c, sid, in[0] & 1);
        vn_session_flags(w.c, sid);
        vn_session_poll(w.c, sid, (in[0] >> 3) & 1);   /* polling mode on or off */
        break;
      case 6: memset(vn_scratch(w.c), 0, 16); vn_listen(w.c, 1, sid); break;
      }
      in += 2; left -= 2;
      break;
    }
    case 10: consume_all(&w); break;
    case 12: {                                   /* UDP bind and its BOUND with a fifo pair */
      NEED(3);
      uint32_t port = 1 + in[0], k = (in[1] % (N_FIFOS / 2)) * 2; in += 3; left -= 3;
      memset(vn_scratch(w.c), 0, 16);
      int32_t sid = vn_udp_bind(w.c, 1, port);
      if (sid < 0) break;
      uint8_t m[79] = {0};
      w32(m, (uint32_t)sid); w64(m + 4, 0x200 + in[-1]); w64(m + 12, 0x400 + in[-1]); w64(m + 43, w.fifo[k]);
      w64(m + 51, w.fifo[k + 1]); w64(m + 59, w.vppq); w64(m + 67, 0x300000001ull);
      ctrl(&w, 9, m, sizeof m);
      break;
    }
    case 13: {                                   /* datagrams: peek + release, reserve + commit */
      NEED(3);
      uint32_t sid = in[0] % 20, len = (uint32_t)in[1] << 6 | in[2]; in += 3; left -= 3;
      int32_t n = vn_dgram_peek(w.c, sid, len);
      if (n >= 0) {
        const vn_iov_t *iov = vn_iov(w.c); uint32_t sum = 0; volatile uint8_t x = 0;
        for (int i = 0; i < VN_MAX_IOV && sum < (uint32_t)n; i++) {
          if (iov[i].len) { x ^= ((const uint8_t *)iov[i].base)[0]; x ^= ((const uint8_t *)iov[i].base)[iov[i].len - 1]; }
          sum += iov[i].len;
        }
        if (sum != (uint32_t)n) abort();
        vn_dgram_release(w.c, sid);
      }
      memset(vn_scratch(w.c), 0, 40);
      n = vn_dgram_reserve(w.c, sid, len, 1, 9);
      if (n > 0) {
        const vn_iov_t *iov = vn_iov(w.c); uint32_t sum = 0;
        for (int i = 0; i < VN_MAX_IOV && sum < (uint32_t)n; i++) { memset((void *)iov[i].base, 0xa5, iov[i].len); sum += iov[i].len; }
        if (sum != (uint32_t)n) abort();
        vn_dgram_commit(w.c, sid);
      }
      break;
    }
    case 11: {                                   /* well-formed CONNECTED for a sid */
      NEED(2);
      uint8_t m[104] = {0}; uint32_t k = (in[1] % (N_FIFOS / 2)) * 2;
      w32(m, in[0] % 20); w64(m + 8, 0x100 + in[1]); w64(m + 16, w.fifo[k]); w64(m + 24, w.fifo[k + 1]);
      w64(m + 32, 0x300000001ull); w64(m + 64, w.vppq); in += 2; left -= 2;
      ctrl(&w, 13, m, sizeof m);
      break;
    }
    }
  }
  poll_bounded(&w);
done:
  vn_core_free(w.c);
  vn_region_free((uintptr_t)w.app);
  vn_region_free((uintptr_t)w.vpp);
  return 0;
}
