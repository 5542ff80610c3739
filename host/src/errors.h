// Node-style system errors: { code, errno (negative, as libuv/Node), syscall, path? }.
#ifndef VPPNET_HOST_ERRORS_H
#define VPPNET_HOST_ERRORS_H

#include <napi.h>

namespace vppnet {

// err is a positive errno value. Message format follows Node: "<syscall> <CODE> [path]",
// plus `detail` (e.g. the bad value) when given.
Napi::Error ErrnoError(Napi::Env env, int err, const char *syscall,
                       const char *path = nullptr, const char *detail = nullptr);

[[noreturn]] inline void ThrowErrno(Napi::Env env, int err, const char *syscall,
                                    const char *path = nullptr, const char *detail = nullptr) {
  throw ErrnoError(env, err, syscall, path, detail);
}

// Argument readers that throw TypeError/RangeError naming the argument.
int ArgFd(const Napi::CallbackInfo &info, size_t i, const char *fn);
uint32_t ArgU32(const Napi::CallbackInfo &info, size_t i, const char *fn, const char *name);
// A user-space address or size carried as a JS number: an integer in [0, 2^53).
uintptr_t ArgAddr(const Napi::CallbackInfo &info, size_t i, const char *fn, const char *name);
// Timeout in ms; missing/undefined gives dflt; -1 means forever.
int ArgTimeout(const Napi::CallbackInfo &info, size_t i, const char *fn, int dflt);
// A Uint8Array (or Buffer): pointer and length.
void ArgBytes(const Napi::CallbackInfo &info, size_t i, const char *fn,
              uint8_t **data, size_t *len);

inline Napi::Value AddrValue(Napi::Env env, uintptr_t a) {
  return Napi::Number::New(env, static_cast<double>(a));
}

}  // namespace vppnet

#endif
