/*
 * crypto.c — TLS in VPP: the session is VPP's (proto TLS), VPP's TLS engine
 * encrypts, and the app's fifos carry plaintext as for TCP. What differs is
 * set up here: a certificate/key pair handed to VPP over the app socket, and
 * the crypto config a TLS LISTEN or CONNECT names by offset — a chunk the
 * app takes from its VPP mq segment's slice 0, which VPP frees itself once
 * it has read it (session_mq_free_ext_config).
 */
#include "core.h"

/* ---- the certificate/key pair (app socket) ---- */
int32_t vn_cert_key_encode(vn_core_t *c, uint32_t context, uint32_t index, uint32_t cert_len, uint32_t key_len) {
  uint8_t *m = c->scratch;
  /* VPP checks neither part for zero, and reads the pair before checking the
   * parts' bounds: a refused add would leave its data datagram unread */
  if (index == 0 && (cert_len == 0 || key_len == 0 || cert_len > CERT_MAX_PART || key_len > CERT_MAX_PART ||
                     cert_len + key_len > CERT_MAX_TOTAL))
    return VN_EINVAL;
  memset(m, 0, VN_SAPI_MSG_SIZE);
  m[SAPI_TYPE] = SAPI_CERT_KEY;
  wr32(m + CERT_CONTEXT, context);
  wr32(m + CERT_INDEX, index);
  if (index == 0) {
    wr16(m + CERT_CERT_LEN, (uint16_t)cert_len);
    wr16(m + CERT_CERTKEY_LEN, (uint16_t)(cert_len + key_len));
    m[CERT_IS_ADD] = 1;
  }
  return VN_SAPI_MSG_SIZE;
}

int32_t vn_cert_key_decode(vn_core_t *c, uint32_t len, uint32_t context) {
  const uint8_t *m = c->scratch;
  if (len != VN_SAPI_MSG_SIZE || m[SAPI_TYPE] != SAPI_CERT_KEY_REPLY || rd32(m + CERT_REPLY_CONTEXT) != context)
    return VN_EPROTO;
  int32_t rv = (int32_t)rd32(m + CERT_REPLY_RETVAL);
  if (rv != 0) return rv < 0 && rv > -1000 ? rv - 1000 : VN_EPROTO;
  uint32_t index = rd32(m + CERT_REPLY_INDEX);
  return index > 0x7fffffffu ? VN_EPROTO : (int32_t)index;
}

/* ---- the crypto config of a LISTEN / CONNECT ---- */
static const vn_seg_t *mq_segment(const vn_core_t *c) {
  for (uint32_t i = 0; i < VN_MAX_SEGMENTS; i++)
    if (c->seg[i].base && c->seg[i].kind == VN_SEG_VPP_MQ) return &c->seg[i];
  return NULL;
}

/* Write the config into a fresh chunk; *off names it to VPP. hostname: NUL-terminated or NULL. */
static int32_t ext_crypto(vn_core_t *c, uint32_t ckpair, uint32_t verify, uint32_t alpn, const uint8_t *hostname,
                          uint64_t *off) {
  const vn_seg_t *s = mq_segment(c);
  if (!s) return VN_ESHUTDOWN;
  uint8_t *p;
  int rv = seg_chunk_alloc(s, EXT_SIZE, off, &p);
  if (rv < 0) { core_poison(c, VN_EBADMSG); return VN_ESHUTDOWN; }
  if (rv == 0) return VN_ENOMEM;
  memset(p, 0, EXT_SIZE);
  wr16(p + EXT_TYPE, EXT_TYPE_CRYPTO);
  wr16(p + EXT_LEN, EXT_CRYPTO_LEN);
  wr32(p + EXT_CKPAIR, ckpair);
  wr32(p + EXT_TLS_PROFILE, 0xffffffffu);
  wr32(p + EXT_OWNER_WRK, 0xffffffffu);
  wr32(p + EXT_ALPN, alpn);
  wr32(p + EXT_VERIFY, verify);
  if (hostname) memcpy(p + EXT_HOSTNAME, hostname, strlen((const char *)hostname));
  return 0;
}

static int valid_alpn(uint32_t alpn) {
  /* up to 4 ids in preference order, none after a 0 */
  for (int i = 0, end = 0; i < 4; i++) {
    uint8_t id = (uint8_t)(alpn >> (8 * i));
    if (end && id) return 0;
    if (!id) end = 1;
  }
  return 1;
}

int32_t vn_tls_listen(vn_core_t *c, uint32_t is_ip4, uint32_t port, uint32_t ckpair, uint32_t alpn) {
  /* a listener without a pair asks its app for one in-process: every handshake fails */
  if (ckpair == 0 || !valid_alpn(alpn)) return VN_EINVAL;
  if (!c->attached || c->poisoned) return VN_ESHUTDOWN;
  uint64_t off;
  int32_t rv = ext_crypto(c, ckpair, 0, alpn, NULL, &off);
  if (rv < 0) return rv;
  int32_t sid = session_listen(c, is_ip4, port, PROTO_TLS, off);
  if (sid < 0) seg_chunk_free(mq_segment(c), off);
  return sid;
}

int32_t vn_tls_connect(vn_core_t *c, uint32_t is_ip4, uint32_t port, uint32_t verify, uint32_t alpn) {
  if (verify > 1 || !valid_alpn(alpn)) return VN_EINVAL;
  const uint8_t *host = c->scratch + VN_TLS_HOSTNAME;
  if (!memchr(host, 0, VN_TLS_HOSTNAME_MAX + 1) || (verify && !host[0])) return VN_EINVAL;
  if (!c->attached || c->poisoned) return VN_ESHUTDOWN;
  /* verify: the chain against VPP's CA file and the name against hostname.
   * Not verifying means no name at all: VPP fails a handshake whose chain
   * it cannot verify whenever a hostname is set, whatever the flags say */
  uint64_t off;
  int32_t rv = ext_crypto(c, 0, verify ? TLS_VERIFY_PEER | TLS_VERIFY_HOSTNAME : 0, alpn, verify ? host : NULL, &off);
  if (rv < 0) return rv;
  int32_t sid = session_connect(c, is_ip4, port, 0, PROTO_TLS, off);
  if (sid < 0) seg_chunk_free(mq_segment(c), off);
  return sid;
}

int32_t vn_tls_alpn(vn_core_t *c, uint32_t sid) {
  if (!c->attached || c->poisoned) return VN_ESHUTDOWN;
  if (sid >= c->max_sessions) return VN_ENOENT;
  vn_session_t *s = &c->sessions[sid];
  if (s->state != SS_READY || !(s->flags & SF_HAS_HANDLE)) return VN_ENOTCONN;
  if (s->flags2 & SF2_ATTR_ASKED) return VN_EINVAL;
  int rv = msg_transport_attr_get(c, s->mq, s->handle, ATTR_TLS_ALPN);
  if (rv == 0) s->flags2 |= SF2_ATTR_ASKED;
  return rv;
}
