// Registration of the addon's parts; each .cc exports its own functions.
#ifndef VPPNET_HOST_HOST_H
#define VPPNET_HOST_HOST_H

#include <napi.h>

#include <memory>

namespace vppnet {

// Per-env state (workers each get their own), set with napi_set_instance_data.
struct AddonData {
  std::unique_ptr<Napi::FunctionReference> watch_ctor;
};

void InitSapi(Napi::Env env, Napi::Object exports);     // app socket: connect, send, recv
void InitFds(Napi::Env env, Napi::Object exports);      // fd size/close, eventfd, accounting
void InitMapping(Napi::Env env, Napi::Object exports);  // mmap of memfds, views
void InitWatch(Napi::Env env, Napi::Object exports);    // uv_poll on eventfds
void InitCore(Napi::Env env, Napi::Object exports);     // the native session-layer core
}  // namespace vppnet

#endif
