// watch(fd, cb): a uv_poll_t on an eventfd (the app mq's, VPP writes it when
// the queue goes non-empty). Each wake-up reads the counter here in C and calls
// cb(null, count) once, through MakeCallback so async hooks and microtasks run
// as for any Node I/O callback. The poll lives until close() or env teardown.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <uv.h>

#include <memory>
#include <string>

#include "errors.h"
#include "host.h"

namespace vppnet {

class WatchHandle;

// The libuv side; it outlives the JS handle's close() until uv_close completes.
struct Poller {
  uv_poll_t poll;
  napi_env env;
  int fd;
  bool closing = false;   // uv_close called (or about to be)
  bool released = false;  // JS references dropped (on close completion or env teardown)
  bool hangup = false;    // watchHangup: report the peer closing, never read
  WatchHandle *handle;    // null once the JS side let go
  Napi::FunctionReference cb;
  Napi::ObjectReference self;  // keeps the JS handle alive while the poll is open
  std::unique_ptr<Napi::AsyncContext> ctx;

  void Release() {
    if (released) return;
    released = true;
    ctx.reset();
    cb.Reset();
    self.Reset();
  }
};

static void OnEnvCleanup(void *arg);
static void DetachHandle(Poller *p);

static void OnClosed(uv_handle_t *h) {
  Poller *p = static_cast<Poller *>(h->data);
  DetachHandle(p);
  if (!p->released) {
    napi_remove_env_cleanup_hook(p->env, OnEnvCleanup, p);
    p->Release();
  }
  delete p;
}

static void ClosePoller(Poller *p, bool release_now) {
  if (!p->closing) {
    p->closing = true;
    uv_poll_stop(&p->poll);
    uv_close(reinterpret_cast<uv_handle_t *>(&p->poll), OnClosed);
  }
  if (release_now) p->Release();
}

// The env is going away (process exit, worker termination): drop the JS
// references while they are still valid and close the poll so the loop can end.
static void OnEnvCleanup(void *arg) {
  Poller *p = static_cast<Poller *>(arg);
  DetachHandle(p);
  ClosePoller(p, true);
}

class WatchHandle : public Napi::ObjectWrap<WatchHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "EventfdWatch",
                       {InstanceMethod<&WatchHandle::Close>("close"),
                        InstanceMethod<&WatchHandle::Ref>("ref"),
                        InstanceMethod<&WatchHandle::Unref>("unref"),
                        InstanceMethod<&WatchHandle::HasRef>("hasRef")});
  }

  explicit WatchHandle(const Napi::CallbackInfo &info) : Napi::ObjectWrap<WatchHandle>(info) {}
  ~WatchHandle() override {
    if (poller_) poller_->handle = nullptr;
  }

  void Start(Napi::Env env, int fd, Napi::Function cb, bool hangup) {
    // Reads in OnPoll must never block, even on a spurious wake-up.
    int fl = fcntl(fd, F_GETFL);
    if (!hangup && (fl < 0 || (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)))
      ThrowErrno(env, errno, "fcntl");
    uv_loop_t *loop;
    NAPI_THROW_IF_FAILED_VOID(env, napi_get_uv_event_loop(env, &loop));

    auto p = std::make_unique<Poller>();
    p->env = env;
    p->fd = fd;
    p->handle = this;
    p->hangup = hangup;
    int r = uv_poll_init(loop, &p->poll, fd);
    if (r < 0) ThrowErrno(env, -r, "uv_poll_init");
    p->poll.data = p.get();
    r = uv_poll_start(&p->poll, hangup ? UV_DISCONNECT : UV_READABLE, OnPoll);
    if (r < 0) {
      Poller *raw = p.release();
      ClosePoller(raw, true);
      ThrowErrno(env, -r, "uv_poll_start");
    }
    p->cb = Napi::Persistent(cb);
    p->self = Napi::Persistent(Value());
    p->ctx = std::make_unique<Napi::AsyncContext>(env, "vppnet:eventfd", Value());
    napi_add_env_cleanup_hook(env, OnEnvCleanup, p.get());
    poller_ = p.release();
  }

 private:
  static void OnPoll(uv_poll_t *h, int status, int /*events*/) {
    Poller *p = static_cast<Poller *>(h->data);
    if (p->closing || p->released) return;
    Napi::Env env(p->env);
    Napi::HandleScope scope(env);
    Napi::Value err = env.Null();
    uint64_t count = 0;
    if (status < 0) {
      uv_poll_stop(&p->poll);  // the fd is unusable; the owner should close()
      err = ErrnoError(env, -status, "uv_poll").Value();
    } else if (p->hangup) {
      uv_poll_stop(&p->poll);  // one-shot: the peer is gone for good
    } else {
      ssize_t n;
      do n = read(p->fd, &count, sizeof count); while (n < 0 && errno == EINTR);
      if (n < 0 && errno == EAGAIN) return;  // spurious: nothing to report
      if (n != sizeof count) {
        uv_poll_stop(&p->poll);
        err = ErrnoError(env, n < 0 ? errno : EINVAL, "read").Value();
        count = 0;
      }
    }
    try {
      p->cb.MakeCallback(p->self.Value(), {err, Napi::Number::New(env, double(count))}, *p->ctx);
    } catch (const Napi::Error &e) {
      // Thrown by the JS callback: report it as any uncaught exception.
      napi_fatal_exception(env, e.Value());
    }
  }

  Napi::Value Close(const Napi::CallbackInfo &info) {
    if (poller_) {
      // References are dropped in OnClosed, after any callback on the stack has
      // returned; if the env goes first, the cleanup hook drops them in time.
      Poller *p = poller_;
      DetachHandle(p);
      ClosePoller(p, false);
    }
    return info.Env().Undefined();
  }
  Napi::Value Ref(const Napi::CallbackInfo &info) {
    if (poller_) uv_ref(reinterpret_cast<uv_handle_t *>(&poller_->poll));
    return Value();
  }
  Napi::Value Unref(const Napi::CallbackInfo &info) {
    if (poller_) uv_unref(reinterpret_cast<uv_handle_t *>(&poller_->poll));
    return Value();
  }
  Napi::Value HasRef(const Napi::CallbackInfo &info) {
    return Napi::Boolean::New(info.Env(),
                              poller_ && uv_has_ref(reinterpret_cast<uv_handle_t *>(&poller_->poll)));
  }

  friend void DetachHandle(Poller *p);
  Poller *poller_ = nullptr;
};

// Cut the link between the JS handle and the poller, whichever goes first.
void DetachHandle(Poller *p) {
  if (p->handle) p->handle->poller_ = nullptr;
  p->handle = nullptr;
}

static Napi::Value StartWatch(const Napi::CallbackInfo &info, const char *name, bool hangup) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, name);
  if (!info[1].IsFunction()) throw Napi::TypeError::New(env, std::string(name) + ": callback must be a function");
  Napi::FunctionReference *ctor = env.GetInstanceData<AddonData>()->watch_ctor.get();
  Napi::Object obj = ctor->New({});
  WatchHandle::Unwrap(obj)->Start(env, fd, info[1].As<Napi::Function>(), hangup);
  return obj;
}

// watch(fd, callback(err, count)) -> handle { close(), ref(), unref(), hasRef() }.
static Napi::Value Watch(const Napi::CallbackInfo &info) { return StartWatch(info, "watch", false); }

// watchHangup(fd, callback(err)) -> handle: one call when the peer of a socket
// closes (EPOLLRDHUP/HUP). Never reads, so datagrams stay for their reader.
static Napi::Value WatchHangup(const Napi::CallbackInfo &info) { return StartWatch(info, "watchHangup", true); }

void InitWatch(Napi::Env env, Napi::Object exports) {
  AddonData *data = env.GetInstanceData<AddonData>();
  data->watch_ctor = std::make_unique<Napi::FunctionReference>(Napi::Persistent(WatchHandle::Define(env)));
  exports.Set("watch", Napi::Function::New(env, Watch, "watch"));
  exports.Set("watchHangup", Napi::Function::New(env, WatchHangup, "watchHangup"));
}

}  // namespace vppnet
