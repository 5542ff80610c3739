#include "errors.h"

#include <uv.h>

#include <cmath>
#include <string>

namespace vppnet {

Napi::Error ErrnoError(Napi::Env env, int err, const char *syscall, const char *path,
                       const char *detail) {
  // libuv error codes are negative errno values on Unix; uv_err_name gives Node's code names.
  const char *code = uv_err_name(-err);
  std::string msg = std::string(syscall) + " " + code;
  if (path) msg += std::string(" ") + path;
  if (detail) msg += std::string(": ") + detail;
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("code", Napi::String::New(env, code));
  e.Set("syscall", Napi::String::New(env, syscall));
  if (path) e.Set("path", Napi::String::New(env, path));
  return e;
}

static std::string ArgName(const char *fn, const char *name) {
  return std::string(fn) + ": " + name;
}

int ArgFd(const Napi::CallbackInfo &info, size_t i, const char *fn) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), ArgName(fn, "fd must be a number"));
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= INT32_MAX) || d != std::floor(d))
    throw Napi::RangeError::New(info.Env(), ArgName(fn, "fd must be a non-negative integer, got ") +
                                                std::to_string(d));
  return static_cast<int>(d);
}

uint32_t ArgU32(const Napi::CallbackInfo &info, size_t i, const char *fn, const char *name) {
  Napi::Value v = info[i];
  if (!v.IsNumber())
    throw Napi::TypeError::New(info.Env(), ArgName(fn, name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= UINT32_MAX) || d != std::floor(d))
    throw Napi::RangeError::New(info.Env(), ArgName(fn, name) + " must be a u32, got " +
                                                std::to_string(d));
  return static_cast<uint32_t>(d);
}

uintptr_t ArgAddr(const Napi::CallbackInfo &info, size_t i, const char *fn, const char *name) {
  Napi::Value v = info[i];
  if (!v.IsNumber())
    throw Napi::TypeError::New(info.Env(), ArgName(fn, name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d < 9007199254740992.0) || d != std::floor(d))
    throw Napi::RangeError::New(info.Env(), ArgName(fn, name) + " must be an integer in [0, 2^53), got " +
                                                std::to_string(d));
  return static_cast<uintptr_t>(d);
}

int ArgTimeout(const Napi::CallbackInfo &info, size_t i, const char *fn, int dflt) {
  if (info.Length() <= i || info[i].IsUndefined()) return dflt;
  if (!info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), ArgName(fn, "timeoutMs must be a number"));
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (d < 0) return -1;
  if (d > INT32_MAX || std::isnan(d)) return INT32_MAX;
  return static_cast<int>(d);
}

void ArgBytes(const Napi::CallbackInfo &info, size_t i, const char *fn, uint8_t **data,
              size_t *len) {
  // One napi_get_typedarray_info call (node-addon-api's As<Uint8Array> makes several): this is the data path.
  napi_typedarray_type type;
  void *p;
  if (napi_get_typedarray_info(info.Env(), info[i], &type, len, &p, nullptr, nullptr) != napi_ok ||
      type != napi_uint8_array)
    throw Napi::TypeError::New(info.Env(), ArgName(fn, "data must be a Uint8Array"));
  *data = static_cast<uint8_t *>(p);
}

}  // namespace vppnet
