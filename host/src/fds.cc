// File descriptors received from VPP: sizes, closing, eventfd counters; and the
// accounting tests use to prove nothing leaks.
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <string>
#include <unistd.h>

#include "errors.h"
#include "host.h"

namespace vppnet {

// fdSize(fd) -> st_size (a memfd segment's size).
static Napi::Value FdSize(const Napi::CallbackInfo &info) {
  int fd = ArgFd(info, 0, "fdSize");
  struct stat st;
  if (fstat(fd, &st) < 0) ThrowErrno(info.Env(), errno, "fstat");
  return Napi::Number::New(info.Env(), double(st.st_size));
}

// fdIdentity(fd) -> "dev:ino": the same memfd reached through two fds (VPP
// sends a cut-through segment once per end when one app is both ends).
static Napi::Value FdIdentity(const Napi::CallbackInfo &info) {
  int fd = ArgFd(info, 0, "fdIdentity");
  struct stat st;
  if (fstat(fd, &st) < 0) ThrowErrno(info.Env(), errno, "fstat");
  return Napi::String::New(info.Env(), std::to_string(uint64_t(st.st_dev)) + ":" + std::to_string(uint64_t(st.st_ino)));
}

static Napi::Value CloseFd(const Napi::CallbackInfo &info) {
  int fd = ArgFd(info, 0, "closeFd");
  // Linux releases the fd even when close() reports EINTR: never retry.
  if (close(fd) < 0 && errno != EINTR) ThrowErrno(info.Env(), errno, "close");
  return info.Env().Undefined();
}

// eventfdWrite(fd): add 1 to the counter. EAGAIN (counter saturated) still wakes the reader.
static Napi::Value EventfdWrite(const Napi::CallbackInfo &info) {
  int fd = ArgFd(info, 0, "eventfdWrite");
  uint64_t one = 1;
  for (;;) {
    ssize_t n = write(fd, &one, sizeof one);
    if (n == sizeof one) break;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    ThrowErrno(info.Env(), n < 0 ? errno : EIO, "write");
  }
  return info.Env().Undefined();
}

// eventfdRead(fd) -> counter value, 0 when nothing is pending. Never blocks,
// whether or not the fd has O_NONBLOCK (VPP creates its eventfds blocking).
static Napi::Value EventfdRead(const Napi::CallbackInfo &info) {
  int fd = ArgFd(info, 0, "eventfdRead");
  struct pollfd p = {fd, POLLIN, 0};
  int r;
  do r = poll(&p, 1, 0); while (r < 0 && errno == EINTR);
  if (r < 0) ThrowErrno(info.Env(), errno, "poll");
  if (r == 0) return Napi::Number::New(info.Env(), 0);
  if (p.revents & POLLNVAL) ThrowErrno(info.Env(), EBADF, "read");
  uint64_t v = 0;
  ssize_t n;
  do n = read(fd, &v, sizeof v); while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN) return Napi::Number::New(info.Env(), 0);
  if (n != sizeof v) ThrowErrno(info.Env(), n < 0 ? errno : EINVAL, "read");
  return Napi::Number::New(info.Env(), double(v));
}

// openFdCount(): entries of /proc/self/fd, not counting the one used to list them.
static Napi::Value OpenFdCount(const Napi::CallbackInfo &info) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) ThrowErrno(info.Env(), errno, "opendir", "/proc/self/fd");
  int self = dirfd(d), count = 0;
  while (struct dirent *e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    if (atoi(e->d_name) == self) continue;
    count++;
  }
  closedir(d);
  return Napi::Number::New(info.Env(), count);
}

// Test fixtures: a memfd of `size` bytes (what VPP sends for a segment) and an eventfd.
static Napi::Value TestMemfd(const Napi::CallbackInfo &info) {
  uint32_t size = ArgU32(info, 0, "testMemfd", "size");
  int fd = memfd_create("vppnet-test", MFD_CLOEXEC);
  if (fd < 0) ThrowErrno(info.Env(), errno, "memfd_create");
  if (ftruncate(fd, size) < 0) {
    int err = errno;
    close(fd);
    ThrowErrno(info.Env(), err, "ftruncate");
  }
  return Napi::Number::New(info.Env(), fd);
}

static Napi::Value TestEventfd(const Napi::CallbackInfo &info) {
  int fd = eventfd(0, EFD_CLOEXEC);  // blocking, as VPP creates them
  if (fd < 0) ThrowErrno(info.Env(), errno, "eventfd");
  return Napi::Number::New(info.Env(), fd);
}

void InitFds(Napi::Env env, Napi::Object exports) {
  exports.Set("fdSize", Napi::Function::New(env, FdSize, "fdSize"));
  exports.Set("fdIdentity", Napi::Function::New(env, FdIdentity, "fdIdentity"));
  exports.Set("closeFd", Napi::Function::New(env, CloseFd, "closeFd"));
  exports.Set("eventfdWrite", Napi::Function::New(env, EventfdWrite, "eventfdWrite"));
  exports.Set("eventfdRead", Napi::Function::New(env, EventfdRead, "eventfdRead"));
  exports.Set("openFdCount", Napi::Function::New(env, OpenFdCount, "openFdCount"));
  exports.Set("testMemfd", Napi::Function::New(env, TestMemfd, "testMemfd"));
  exports.Set("testEventfd", Napi::Function::New(env, TestEventfd, "testEventfd"));
}

}  // namespace vppnet
