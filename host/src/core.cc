// The session-layer core compiled natively: one wrapper per core function
// (core_functions.generated.h, written from vppnet_core.h by scripts/gen-boundary.js),
// views over the core's scratch and event ring, and the data path (fifo <-> JS
// bytes) done with memcpy in C.
#include <errno.h>
#include <string.h>

#include <algorithm>
#include <type_traits>
#include <utility>

#include "core_functions.generated.h"
#include "errors.h"
#include "host.h"
#include "vppnet_core.h"

namespace vppnet {

// What the External points at. Freed when the External and every view of the
// core's memory are gone; the core itself is freed by coreFree or then.
struct CoreHolder {
  static const uint32_t kMagic = 0x76706e63;  // "vpnc"
  uint32_t magic = kMagic;
  vn_core_t *core;
  uint32_t event_cap;
  int refs = 1;                   // the External + live views
  napi_ref scratch = nullptr;     // weak: cached Uint8Array over vn_scratch()
  napi_ref events = nullptr;      // weak: cached Uint32Array over vn_events()

  void Unref(napi_env env) {
    if (--refs) return;
    if (core) vn_core_free(core);
    if (scratch) napi_delete_reference(env, scratch);
    if (events) napi_delete_reference(env, events);
    magic = 0;
    delete this;
  }
};

static CoreHolder *HolderArg(const Napi::CallbackInfo &info, const char *fn) {
  Napi::Value v = info[0];
  CoreHolder *h = v.IsExternal() ? v.As<Napi::External<CoreHolder>>().Data() : nullptr;
  if (!h || h->magic != CoreHolder::kMagic)
    throw Napi::TypeError::New(info.Env(), std::string(fn) + ": first argument must be a core from coreNew()");
  if (!h->core) ThrowErrno(info.Env(), ESHUTDOWN, fn, nullptr, "the core was freed");
  return h;
}

static vn_core_t *CoreArg(const Napi::CallbackInfo &info, const char *fn) { return HolderArg(info, fn)->core; }

// ---- argument and result conversion for the generated wrappers ----
template <typename T> static T NumArg(const Napi::CallbackInfo &info, size_t i, const char *fn);

template <> uint32_t NumArg<uint32_t>(const Napi::CallbackInfo &info, size_t i, const char *fn) {
  uint32_t v;
  if (napi_get_value_uint32(info.Env(), info[i], &v) != napi_ok)
    throw Napi::TypeError::New(info.Env(), std::string(fn) + ": argument " + std::to_string(i) + " must be a number");
  return v;
}

template <> uintptr_t NumArg<uintptr_t>(const Napi::CallbackInfo &info, size_t i, const char *fn) {
  return ArgAddr(info, i, fn, "address");
}

template <typename R> static Napi::Value NumResult(Napi::Env env, R r) {
  static_assert(std::is_integral<R>::value, "core functions return integers");
  return Napi::Number::New(env, static_cast<double>(r));
}

template <typename Sig> struct CoreFn;
template <typename R, typename... A> struct CoreFn<R (*)(vn_core_t *, A...)> {
  static constexpr size_t kArity = sizeof...(A);
  template <R (*F)(vn_core_t *, A...), size_t... I>
  static Napi::Value Call(const Napi::CallbackInfo &info, const char *fn, std::index_sequence<I...>) {
    vn_core_t *c = CoreArg(info, fn);
    return NumResult(info.Env(), F(c, NumArg<A>(info, I + 1, fn)...));
  }
};

template <auto F> struct Wrapper;
template <typename R, typename... A, R (*F)(vn_core_t *, A...)> struct Wrapper<F> {
  inline static const char *name = nullptr;  // "vn_<fn>", set in InitCore
  static Napi::Value Fn(const Napi::CallbackInfo &info) {
    return CoreFn<R (*)(vn_core_t *, A...)>::template Call<F>(info, name, std::index_sequence_for<A...>{});
  }
};

// ---- lifetime and views ----

// coreNew(maxSessions, eventCap) -> External
static Napi::Value CoreNew(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  uint32_t max_sessions = ArgU32(info, 0, "coreNew", "maxSessions");
  uint32_t event_cap = ArgU32(info, 1, "coreNew", "eventCap");
  vn_core_t *c = vn_core_new(max_sessions, event_cap);
  if (!c) ThrowErrno(env, ENOMEM, "vn_core_new");
  CoreHolder *h = new CoreHolder();
  h->core = c;
  h->event_cap = event_cap;
  return Napi::External<CoreHolder>::New(env, h, [](Napi::Env env, CoreHolder *h) { h->Unref(env); });
}

static void DetachCached(napi_env env, napi_ref ref) {
  napi_value v;
  if (!ref || napi_get_reference_value(env, ref, &v) != napi_ok || !v) return;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, nullptr, nullptr, nullptr, &ab, nullptr) == napi_ok)
    napi_detach_arraybuffer(env, ab);
}

// coreFree(core): frees the core now; its scratch/events views become empty (detached).
static Napi::Value CoreFree(const Napi::CallbackInfo &info) {
  CoreHolder *h = HolderArg(info, "coreFree");
  DetachCached(info.Env(), h->scratch);
  DetachCached(info.Env(), h->events);
  vn_core_free(h->core);
  h->core = nullptr;
  return info.Env().Undefined();
}

// An external typed array over core memory, cached weakly in *slot; it holds a ref on the holder.
template <typename T>
static Napi::Value CachedView(const Napi::CallbackInfo &info, CoreHolder *h, napi_ref *slot, void *data,
                              size_t elems) {
  Napi::Env env = info.Env();
  if (*slot) {
    napi_value v;
    if (napi_get_reference_value(env, *slot, &v) == napi_ok && v) return Napi::Value(env, v);
    napi_delete_reference(env, *slot);
    *slot = nullptr;
  }
  using TA = Napi::TypedArrayOf<T>;
  size_t bytes = elems * sizeof(T);
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, data, bytes,
                                                [](Napi::Env env, void *, CoreHolder *h) { h->Unref(env); }, h);
  h->refs++;
  TA ta = TA::New(env, elems, ab, 0);
  NAPI_THROW_IF_FAILED(env, napi_create_reference(env, ta, 0, slot), Napi::Value());
  return ta;
}

// coreScratch(core) -> Uint8Array(VN_SCRATCH_SIZE) over the core's scratch buffer.
static Napi::Value CoreScratch(const Napi::CallbackInfo &info) {
  CoreHolder *h = HolderArg(info, "coreScratch");
  return CachedView<uint8_t>(info, h, &h->scratch, vn_scratch(h->core), VN_SCRATCH_SIZE);
}

// coreEvents(core) -> Uint32Array(eventCap * VN_EVENT_WORDS) over the event ring.
static Napi::Value CoreEvents(const Napi::CallbackInfo &info) {
  CoreHolder *h = HolderArg(info, "coreEvents");
  return CachedView<uint32_t>(info, h, &h->events, vn_events(h->core),
                                       size_t(h->event_cap) * VN_EVENT_WORDS);
}

// regionAlloc(size) -> addr (page aligned); regionFree(addr).
static Napi::Value RegionAlloc(const Napi::CallbackInfo &info) {
  uint32_t size = ArgU32(info, 0, "regionAlloc", "size");
  uintptr_t a = vn_region_alloc(size);
  if (!a) ThrowErrno(info.Env(), ENOMEM, "vn_region_alloc");
  return AddrValue(info.Env(), a);
}

static Napi::Value RegionFree(const Napi::CallbackInfo &info) {
  vn_region_free(ArgAddr(info, 0, "regionFree", "addr"));
  return info.Env().Undefined();
}

// ---- data path: no allocation but coreRecv's one Buffer per read ----

static inline uint32_t ClampLen(size_t n) { return n > INT32_MAX ? uint32_t(INT32_MAX) : uint32_t(n); }

// Copy src into the regions a reserve left in vn_iov() (at most want bytes).
static size_t CopyIn(vn_core_t *c, const uint8_t *src, size_t want) {
  const vn_iov_t *iov = vn_iov(c);
  size_t done = 0;
  for (int i = 0; i < VN_MAX_IOV && done < want; i++) {
    size_t k = std::min(size_t(iov[i].len), want - done);
    memcpy(reinterpret_cast<void *>(iov[i].base), src + done, k);
    done += k;
  }
  return done;
}

// coreSend(core, sid, data) -> bytes taken (0: fifo full, wait for VN_EV_TX) or -errno.
static Napi::Value CoreSend(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  vn_core_t *c = CoreArg(info, "coreSend");
  uint32_t sid = NumArg<uint32_t>(info, 1, "coreSend");
  uint8_t *data;
  size_t len;
  ArgBytes(info, 2, "coreSend", &data, &len);
  int32_t n = vn_tx_reserve(c, sid, ClampLen(len));
  if (n <= 0) return Napi::Number::New(env, n);
  size_t done = CopyIn(c, data, std::min(size_t(n), len));
  int32_t r = vn_tx_commit(c, sid, uint32_t(done));
  return Napi::Number::New(env, r < 0 ? r : int32_t(done));
}

// Copy the regions vn_rx_peek left in vn_iov() to dst (at most want bytes).
static size_t CopyOut(vn_core_t *c, uint8_t *dst, size_t want) {
  const vn_iov_t *iov = vn_iov(c);
  size_t done = 0;
  for (int i = 0; i < VN_MAX_IOV && done < want; i++) {
    size_t k = std::min(size_t(iov[i].len), want - done);
    memcpy(dst + done, reinterpret_cast<const void *>(iov[i].base), k);
    done += k;
  }
  return done;
}

// coreRecvInto(core, sid, u8) -> n: up to u8.length readable bytes copied into
// the caller's buffer (node's onread buffer, reused), consumed; 0 when empty,
// or -errno.
static Napi::Value CoreRecvInto(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  vn_core_t *c = CoreArg(info, "coreRecvInto");
  uint32_t sid = NumArg<uint32_t>(info, 1, "coreRecvInto");
  if (!info[2].IsTypedArray()) throw Napi::TypeError::New(env, "coreRecvInto: buffer must be a Uint8Array");
  Napi::Uint8Array u8 = info[2].As<Napi::Uint8Array>();
  int32_t n = vn_rx_peek(c, sid, uint32_t(std::min(u8.ByteLength(), size_t(INT32_MAX))));
  if (n <= 0) return Napi::Number::New(env, n);
  size_t done = CopyOut(c, u8.Data(), size_t(n));
  int32_t r = vn_rx_release(c, sid, uint32_t(done));
  return Napi::Number::New(env, r < 0 ? r : int32_t(done));
}

// coreRecv(core, sid, max) -> Buffer of the up to max readable bytes, consumed;
// null when empty, or -errno. One peek, one copy: node's Buffer::New does not
// zero-fill, so sizing it after the peek costs nothing.
static Napi::Value CoreRecv(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  vn_core_t *c = CoreArg(info, "coreRecv");
  uint32_t sid = NumArg<uint32_t>(info, 1, "coreRecv");
  uint32_t max = ArgU32(info, 2, "coreRecv", "max");
  int32_t n = vn_rx_peek(c, sid, std::min(max, uint32_t(INT32_MAX)));
  if (n < 0) return Napi::Number::New(env, n);
  if (n == 0) return env.Null();
  Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(env, size_t(n));
  size_t done = CopyOut(c, buf.Data(), size_t(n));
  int32_t r = vn_rx_release(c, sid, uint32_t(done));
  if (r < 0) return Napi::Number::New(env, r);
  return done == size_t(n) ? Napi::Value(buf) : Napi::Value(Napi::Buffer<uint8_t>::Copy(env, buf.Data(), done));
}

// coreDgramRecv(core, sid, max) -> the next datagram's payload (up to max) in
// a Buffer, its sender in scratch; or -errno (VN_EAGAIN: none waits).
static Napi::Value CoreDgramRecv(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  vn_core_t *c = CoreArg(info, "coreDgramRecv");
  uint32_t sid = NumArg<uint32_t>(info, 1, "coreDgramRecv");
  uint32_t max = ArgU32(info, 2, "coreDgramRecv", "max");
  int32_t n = vn_dgram_peek(c, sid, max);
  if (n < 0) return Napi::Number::New(env, n);
  Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(env, size_t(n));
  CopyOut(c, buf.Data(), size_t(n));
  int32_t r = vn_dgram_release(c, sid);
  return r < 0 ? Napi::Value(Napi::Number::New(env, r)) : Napi::Value(buf);
}

// coreDgramSend(core, sid, data, isIp4, port) -> data.length sent, 0 no room
// now (wait for VN_EV_TX), or -errno; the addresses wait in scratch.
static Napi::Value CoreDgramSend(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  vn_core_t *c = CoreArg(info, "coreDgramSend");
  uint32_t sid = NumArg<uint32_t>(info, 1, "coreDgramSend");
  uint8_t *data;
  size_t len;
  ArgBytes(info, 2, "coreDgramSend", &data, &len);
  uint32_t is_ip4 = ArgU32(info, 3, "coreDgramSend", "isIp4"), port = ArgU32(info, 4, "coreDgramSend", "port");
  int32_t n = vn_dgram_reserve(c, sid, ClampLen(len), is_ip4, port);
  if (n <= 0) return Napi::Number::New(env, n);
  CopyIn(c, data, size_t(n));
  int32_t r = vn_dgram_commit(c, sid);
  return Napi::Number::New(env, r < 0 ? r : n);
}

void InitCore(Napi::Env env, Napi::Object exports) {
  Napi::Object arity = Napi::Object::New(env);
#define X(fn, n)                                                                                   \
  static_assert(CoreFn<decltype(&vn_##fn)>::kArity == n,                                           \
                "core_functions.generated.h: arity of vn_" #fn);                                   \
  Wrapper<&vn_##fn>::name = "vn_" #fn;                                                             \
  exports.Set("vn_" #fn, Napi::Function::New(env, Wrapper<&vn_##fn>::Fn, "vn_" #fn));             \
  arity.Set(#fn, Napi::Number::New(env, n));
  VN_CORE_FUNCTIONS(X)
#undef X
  exports.Set("coreFunctions", arity);
  exports.Set("coreNew", Napi::Function::New(env, CoreNew, "coreNew"));
  exports.Set("coreFree", Napi::Function::New(env, CoreFree, "coreFree"));
  exports.Set("coreScratch", Napi::Function::New(env, CoreScratch, "coreScratch"));
  exports.Set("coreEvents", Napi::Function::New(env, CoreEvents, "coreEvents"));
  exports.Set("coreSend", Napi::Function::New(env, CoreSend, "coreSend"));
  exports.Set("coreRecvInto", Napi::Function::New(env, CoreRecvInto, "coreRecvInto"));
  exports.Set("coreRecv", Napi::Function::New(env, CoreRecv, "coreRecv"));
  exports.Set("coreDgramRecv", Napi::Function::New(env, CoreDgramRecv, "coreDgramRecv"));
  exports.Set("coreDgramSend", Napi::Function::New(env, CoreDgramSend, "coreDgramSend"));
  exports.Set("regionAlloc", Napi::Function::New(env, RegionAlloc, "regionAlloc"));
  exports.Set("regionFree", Napi::Function::New(env, RegionFree, "regionFree"));
}

}  // namespace vppnet
