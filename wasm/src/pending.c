/*
 * pending.c — messages that found a VPP-bound queue full. A full queue is a
 * result, never a wait (mq.c): the session keeps a PEND_* bit for each kind
 * of message it still owes VPP, and every vn_poll retries them, in a fixed
 * order, before it drains the app mq. c->n_pending counts the sessions with
 * any bit set, so a poll with nothing owed costs one test.
 */
#include "core.h"

void pending_mark(vn_core_t *c, vn_session_t *s, uint8_t bit) {
  if (!s->pend) c->n_pending++;
  s->pend |= bit;
}

void pending_clear(vn_core_t *c, vn_session_t *s) {
  if (s->pend) { c->n_pending--; s->pend = 0; }
}

/* An IO event for s: a connectionless UDP session is named by its BOUND's
 * cl_sh_handle and its TX goes as TX_MAIN (VPP looks it up on its main thread). */
static int post_io(vn_core_t *c, vn_session_t *s, uint8_t type) {
  if (!(s->flags2 & SF2_DGRAM)) return mq_send_io(c, s->mq, type, (uint32_t)s->handle);
  return mq_send_io(c, s->mq, type == EVT_IO_TX ? EVT_IO_TX_MAIN : type, s->cl_index);
}

void pending_post_io(vn_core_t *c, vn_session_t *s, uint8_t type, uint8_t bit) {
  if (post_io(c, s, type) == VN_EAGAIN) pending_mark(c, s, bit);
}

void pending_close(vn_core_t *c, vn_session_t *s, uint8_t type, uint8_t bit) {
  if (msg_close(c, s->mq, type, s->handle) == VN_EAGAIN) pending_mark(c, s, bit);
}

void pending_accepted_reply(vn_core_t *c, vn_session_t *s, uint32_t sid) {
  if (msg_accepted_reply(c, s->mq, s->app_index, 0, s->handle, sid) == VN_EAGAIN) pending_mark(c, s, PEND_ACCEPT_REPLY);
}

/* Each bit clears once its message is posted; the rest wait for the next poll. */
void pending_retry(vn_core_t *c) {
  for (uint32_t sid = 0; sid < c->max_sessions && c->n_pending; sid++) {
    vn_session_t *s = &c->sessions[sid];
    if (!s->pend) continue;
    if ((s->pend & PEND_ACCEPT_REPLY) && msg_accepted_reply(c, s->mq, s->app_index, 0, s->handle, sid) == 0)
      s->pend &= (uint8_t)~PEND_ACCEPT_REPLY;
    if ((s->pend & PEND_SHUTDOWN) && msg_close(c, s->mq, EVT_SHUTDOWN, s->handle) == 0)
      s->pend &= (uint8_t)~PEND_SHUTDOWN;
    if ((s->pend & PEND_CLOSE) && msg_close(c, s->mq, s->close_type, s->handle) == 0)
      s->pend &= (uint8_t)~PEND_CLOSE;
    if ((s->pend & PEND_TX_EVT) && post_io(c, s, EVT_IO_TX) == 0)
      s->pend &= (uint8_t)~PEND_TX_EVT;
    if ((s->pend & PEND_DEQ_NTF) && post_io(c, s, EVT_IO_RX) == 0)
      s->pend &= (uint8_t)~PEND_DEQ_NTF;
    if (!s->pend) c->n_pending--;
  }
}
