// The app socket: AF_UNIX SOCK_SEQPACKET, one 209-byte message per datagram,
// fds as SCM_RIGHTS on the datagram that announces them (docs/protocol.md §3).
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include "errors.h"
#include "host.h"
#include "vppnet_core.h"

namespace vppnet {

static const size_t kMaxFds = 16;

static int64_t NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Remaining ms until deadline (-1 = forever), never negative otherwise.
static int Remaining(int64_t deadline) {
  if (deadline < 0) return -1;
  int64_t left = deadline - NowMs();
  return left > 0 ? int(left) : 0;
}

// poll() one fd for `events`, restarting on EINTR. Returns revents, 0 on timeout, -errno on error.
static int PollOne(int fd, short events, int64_t deadline) {
  for (;;) {
    struct pollfd p = {fd, events, 0};
    int r = poll(&p, 1, Remaining(deadline));
    if (r > 0) return p.revents;
    if (r == 0) return 0;
    if (errno != EINTR) return -errno;
  }
}

static int64_t Deadline(int timeout_ms) { return timeout_ms < 0 ? -1 : NowMs() + timeout_ms; }

// sapiConnect(path, timeoutMs) -> fd. The fd is nonblocking and close-on-exec.
static Napi::Value SapiConnect(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "sapiConnect: path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int64_t deadline = Deadline(ArgTimeout(info, 1, "sapiConnect", 5000));

  struct sockaddr_un sun;
  memset(&sun, 0, sizeof sun);
  sun.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof sun.sun_path || path.find('\0') != std::string::npos)
    ThrowErrno(env, path.empty() ? ENOENT : ENAMETOOLONG, "connect", path.c_str());
  memcpy(sun.sun_path, path.data(), path.size());

  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) ThrowErrno(env, errno, "socket");

  for (;;) {
    if (connect(fd, reinterpret_cast<struct sockaddr *>(&sun), sizeof sun) == 0) return Napi::Number::New(env, fd);
    int err = errno;
    if (err == EINTR) continue;
    if (err == EINPROGRESS) {
      // Wait for the handshake, then read its outcome.
      int r = PollOne(fd, POLLOUT, deadline);
      if (r == 0) err = ETIMEDOUT;
      else if (r < 0) err = -r;
      else {
        socklen_t len = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
        if (err == 0) return Napi::Number::New(env, fd);
      }
    } else if (err == EAGAIN) {
      // A Unix listener's backlog is full: nothing is in progress, try again shortly.
      if (Remaining(deadline) != 0) {
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, nullptr);
        continue;
      }
      err = ETIMEDOUT;
    }
    close(fd);
    ThrowErrno(env, err, "connect", path.c_str());
  }
}

// One datagram, all of it (seqpacket sends all or nothing), within the deadline.
static void SendDatagram(Napi::Env env, int fd, const uint8_t *data, size_t len, int64_t deadline) {
  for (;;) {
    ssize_t n = send(fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n == ssize_t(len)) return;
    if (n >= 0) ThrowErrno(env, EMSGSIZE, "send");
    if (errno == EINTR) continue;
    if (errno != EAGAIN) ThrowErrno(env, errno, "send");
    int r = PollOne(fd, POLLOUT, deadline);
    if (r == 0) ThrowErrno(env, ETIMEDOUT, "send");
    if (r < 0) ThrowErrno(env, -r, "send");
  }
}

// The second datagram of ADD_DEL_CERT_KEY (VPP's bound on a cert and key).
static const size_t kMaxData = 20000;

// sapiSend(fd, msg: Uint8Array of exactly VN_SAPI_MSG_SIZE bytes, timeoutMs = 5000[, data]).
// VPP detaches an app that sends any other length, so refuse it here. `data`
// (1..20000 bytes) goes as one more datagram in the same call: VPP reads the
// cert and key of ADD_DEL_CERT_KEY right after the message, without waiting.
static Napi::Value SapiSend(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "sapiSend");
  uint8_t *data;
  size_t len;
  ArgBytes(info, 1, "sapiSend", &data, &len);
  if (len != VN_SAPI_MSG_SIZE) {
    std::string d = "message is " + std::to_string(len) + " bytes, must be " +
                    std::to_string(VN_SAPI_MSG_SIZE);
    ThrowErrno(env, EINVAL, "send", nullptr, d.c_str());
  }
  uint8_t *more = nullptr;
  size_t more_len = 0;
  if (info.Length() > 3 && !info[3].IsUndefined()) {
    ArgBytes(info, 3, "sapiSend", &more, &more_len);
    if (more_len == 0 || more_len > kMaxData) {
      std::string d = "data is " + std::to_string(more_len) + " bytes, must be 1.." + std::to_string(kMaxData);
      ThrowErrno(env, EINVAL, "send", nullptr, d.c_str());
    }
  }
  int64_t deadline = Deadline(ArgTimeout(info, 2, "sapiSend", 5000));
  SendDatagram(env, fd, data, len, deadline);
  if (more) SendDatagram(env, fd, more, more_len, deadline);
  return env.Undefined();
}

// sapiRecv(fd, timeoutMs) -> { msg: Buffer, fds: number[] }: one datagram and its SCM_RIGHTS fds.
static Napi::Value SapiRecv(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "sapiRecv");
  int64_t deadline = Deadline(ArgTimeout(info, 1, "sapiRecv", 5000));

  uint8_t buf[VN_SAPI_MSG_SIZE];
  // Room for kMaxFds fds, plus credentials in case SO_PASSCRED is on.
  alignas(struct cmsghdr) char cbuf[CMSG_SPACE(kMaxFds * sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
  struct iovec iov = {buf, sizeof buf};
  struct msghdr mh;
  ssize_t n;
  for (;;) {
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof cbuf;
    n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n >= 0) break;
    if (errno == EINTR) continue;
    if (errno != EAGAIN) ThrowErrno(env, errno, "recvmsg");
    int r = PollOne(fd, POLLIN, deadline);
    if (r == 0) ThrowErrno(env, ETIMEDOUT, "recvmsg");
    if (r < 0) ThrowErrno(env, -r, "recvmsg");
  }

  int fds[kMaxFds];
  size_t nfds = 0;
  bool too_many = false;  // cbuf has slack for a few more than kMaxFds: refuse those too
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const unsigned char *p = CMSG_DATA(c);
    for (size_t j = 0; j < k; j++) {
      int f;
      memcpy(&f, p + j * sizeof(int), sizeof f);
      if (nfds < kMaxFds) fds[nfds++] = f;
      else close(f), too_many = true;
    }
  }
  if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || too_many) {
    for (size_t j = 0; j < nfds; j++) close(fds[j]);
    ThrowErrno(env, EMSGSIZE, "recvmsg", nullptr,
               (mh.msg_flags & MSG_TRUNC) ? "datagram longer than 209 bytes" : "more than 16 fds");
  }
  if (n == 0 && nfds == 0) ThrowErrno(env, ECONNRESET, "recvmsg");  // peer closed

  Napi::Object out = Napi::Object::New(env);
  out.Set("msg", Napi::Buffer<uint8_t>::Copy(env, buf, size_t(n)));
  Napi::Array arr = Napi::Array::New(env, nfds);
  for (size_t j = 0; j < nfds; j++) arr.Set(uint32_t(j), Napi::Number::New(env, fds[j]));
  out.Set("fds", arr);
  return out;
}

void InitSapi(Napi::Env env, Napi::Object exports) {
  exports.Set("sapiConnect", Napi::Function::New(env, SapiConnect, "sapiConnect"));
  exports.Set("sapiSend", Napi::Function::New(env, SapiSend, "sapiSend"));
  exports.Set("sapiRecv", Napi::Function::New(env, SapiRecv, "sapiRecv"));
}

}  // namespace vppnet
