/*
 * handles.c — VPP's session handle -> our sid, for the messages that name a
 * session by handle (ACCEPTED's listener, DISCONNECTED, RESET, CLEANUP), and
 * the growth of the session table, which rebuilds this map.
 *
 * Open addressing with linear probing and backward-shift deletion: no
 * tombstones, so a lookup stops at the first empty slot. The map is sized at
 * least twice the session table, so it is never more than half full.
 */
#include <stdlib.h>
#include "core.h"

static uint32_t hmap_slot(const vn_core_t *c, uint64_t h) {
  return (uint32_t)((h * 0x9E3779B97F4A7C15ull) >> 32) & c->hmap_mask;
}

static int session_is_listener(const vn_session_t *s) {
  return s->state == SS_LISTENER || s->state == SS_UNLISTENING;
}

/* Listeners and sessions share the map, and one handle may name both for a
 * while (VPP frees a listen session and reuses its index for a new session
 * before our UNLISTEN_REPLY arrives): every lookup names the kind it wants. */
uint32_t hmap_get(const vn_core_t *c, uint64_t h, int listener) {
  for (uint32_t i = hmap_slot(c, h), n = 0; n <= c->hmap_mask; i = (i + 1) & c->hmap_mask, n++) {
    uint32_t sid = c->hmap[i];
    if (sid == NO_SID) return NO_SID;
    if (c->sessions[sid].handle == h && session_is_listener(&c->sessions[sid]) == listener) return sid;
  }
  return NO_SID;
}

void hmap_put(vn_core_t *c, uint32_t sid) {
  uint32_t i = hmap_slot(c, c->sessions[sid].handle);
  while (c->hmap[i] != NO_SID) i = (i + 1) & c->hmap_mask;
  c->hmap[i] = sid;
  c->sessions[sid].flags |= SF_HAS_HANDLE;
}

void hmap_del(vn_core_t *c, uint32_t sid) {
  uint32_t i = hmap_slot(c, c->sessions[sid].handle);
  while (c->hmap[i] != sid) {
    if (c->hmap[i] == NO_SID) return;
    i = (i + 1) & c->hmap_mask;
  }
  c->hmap[i] = NO_SID;
  for (uint32_t j = (i + 1) & c->hmap_mask; c->hmap[j] != NO_SID; j = (j + 1) & c->hmap_mask) {
    uint32_t k = hmap_slot(c, c->sessions[c->hmap[j]].handle);
    /* move j back into the hole at i unless its home lies cyclically in (i, j] */
    if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
      c->hmap[i] = c->hmap[j];
      c->hmap[j] = NO_SID;
      i = j;
    }
  }
  c->sessions[sid].flags &= (uint8_t)~SF_HAS_HANDLE;
}

int32_t session_table_grow(vn_core_t *c, uint32_t n) {
  /* control path only (a connect or accept found the table full): realloc the
   * slots, rebuild the handle map at twice the size */
  uint32_t hsize = 16;
  while (hsize < 2 * n) hsize <<= 1;
  uint32_t *hmap = malloc(hsize * sizeof(uint32_t));
  vn_session_t *grown = hmap ? realloc(c->sessions, n * sizeof(vn_session_t)) : NULL;
  if (!grown) { free(hmap); return VN_ENOMEM; }
  memset(grown + c->max_sessions, 0, (n - c->max_sessions) * sizeof(vn_session_t));
  c->sessions = grown;
  free(c->hmap);
  c->hmap = hmap;
  memset(c->hmap, 0xff, hsize * sizeof(uint32_t));
  c->hmap_mask = hsize - 1;
  uint32_t old = c->max_sessions;
  c->max_sessions = n;
  for (uint32_t sid = 0; sid < old; sid++)
    if (c->sessions[sid].flags & SF_HAS_HANDLE) hmap_put(c, sid);
  return 0;
}
