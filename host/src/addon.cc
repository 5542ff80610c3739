// vppnet_host: syscalls only (the protocol lives in the core, ../wasm/src).
#include "host.h"

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new vppnet::AddonData());
  vppnet::InitSapi(env, exports);
  vppnet::InitFds(env, exports);
  vppnet::InitMapping(env, exports);
  vppnet::InitWatch(env, exports);
  vppnet::InitCore(env, exports);
  return exports;
}

NODE_API_MODULE(vppnet_host, InitAddon)
