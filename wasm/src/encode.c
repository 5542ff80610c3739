/*
 * encode.c — the control messages the app sends VPP, one function each:
 * every field at its layout.h offset (session_types.h / application_interface.h
 * of VPP), every unnamed byte zero, posted on ring 1 of a VPP-bound queue.
 *
 * Each returns what mq_send_ctrl does: 0 posted, VN_EAGAIN the queue is full
 * (the caller drops the message or defers it, see pending.c), another
 * negative code if the core cannot send at all.
 */
#include "core.h"

int msg_listen(vn_core_t *c, uint32_t sid, uint32_t is_ip4, uint16_t port, const uint8_t *ip, uint8_t proto,
               uint64_t ext) {
  uint8_t m[LISTEN_SIZE] = {0};
  wr32(m + LISTEN_CLIENT_INDEX, c->client_handle);
  wr32(m + LISTEN_CONTEXT, sid);
  wr16(m + LISTEN_PORT, byte_swap16(port));
  m[LISTEN_PROTO] = proto;              /* UDP with flags 0: connectionless */
  m[LISTEN_IS_IP4] = (uint8_t)is_ip4;   /* vrf, flags, dscp 0 */
  memcpy(m + LISTEN_IP, ip, 16);
  wr64(m + LISTEN_EXT_CONFIG, ext);
  return mq_send_ctrl(c, c->ctrl_mq, EVT_LISTEN, m, sizeof(m));
}

int msg_unlisten(vn_core_t *c, uint32_t sid, uint64_t handle) {
  uint8_t m[UNLISTEN_SIZE] = {0};
  wr32(m + UNLISTEN_CLIENT_INDEX, c->client_handle);
  wr32(m + UNLISTEN_CONTEXT, sid);
  wr64(m + UNLISTEN_HANDLE, handle);
  return mq_send_ctrl(c, c->ctrl_mq, EVT_UNLISTEN, m, sizeof(m));
}

int msg_connect(vn_core_t *c, uint32_t sid, uint32_t is_ip4, uint16_t port, const uint8_t *ip,
                uint16_t lcl_port, const uint8_t *lcl_ip, uint8_t proto, uint64_t ext) {
  uint8_t m[CONNECT_SIZE] = {0};
  wr32(m + CONNECT_CLIENT_INDEX, c->client_handle);
  wr32(m + CONNECT_CONTEXT, sid);
  wr16(m + CONNECT_PORT, byte_swap16(port));
  wr16(m + CONNECT_LCL_PORT, byte_swap16(lcl_port));
  m[CONNECT_PROTO] = proto;             /* 0 TCP, 1 UDP, 3 TLS; no parent */
  m[CONNECT_IS_IP4] = (uint8_t)is_ip4;
  memcpy(m + CONNECT_IP, ip, 16);
  memcpy(m + CONNECT_LCL_IP, lcl_ip, 16);
  wr64(m + CONNECT_EXT_CONFIG, ext);    /* VPP reads ckpair and engine only from here */
  return mq_send_ctrl(c, c->ctrl_mq, EVT_CONNECT, m, sizeof(m));
}

/* SHUTDOWN / DISCONNECT / TERMINATE carry {client_index, context 0, handle};
 * DISCONNECTED_REPLY / RESET_REPLY {context, retval 0, handle}, where the
 * context we echo is our client index too: the same bytes for all five. */
int msg_close(vn_core_t *c, uint32_t mq, uint8_t type, uint64_t handle) {
  uint8_t m[CLOSE_SIZE] = {0};
  wr32(m + CLOSE_CLIENT_INDEX, c->client_handle);
  wr64(m + CLOSE_HANDLE, handle);
  return mq_send_ctrl(c, mq, type, m, sizeof(m));
}

int msg_accepted_reply(vn_core_t *c, uint32_t mq, uint32_t context, int32_t retval, uint64_t handle, uint32_t sid) {
  uint8_t m[ACCEPTED_REPLY_SIZE] = {0};
  wr32(m + ACCEPTED_REPLY_CONTEXT, context);
  wr32(m + ACCEPTED_REPLY_RETVAL, (uint32_t)retval);
  wr64(m + ACCEPTED_REPLY_HANDLE, handle);
  wr32(m + ACCEPTED_REPLY_APP_SESSION_INDEX, sid);
  return mq_send_ctrl(c, mq, EVT_ACCEPTED_REPLY, m, sizeof(m));
}

int msg_transport_attr_get(vn_core_t *c, uint32_t mq, uint64_t handle, uint8_t type) {
  uint8_t m[ATTR_SIZE] = {0};
  wr32(m + ATTR_CLIENT_INDEX, c->client_handle);
  wr64(m + ATTR_HANDLE, handle);
  m[ATTR_TYPE] = type;
  m[ATTR_IS_GET] = 1;
  return mq_send_ctrl(c, mq, EVT_TRANSPORT_ATTR, m, sizeof(m));
}
