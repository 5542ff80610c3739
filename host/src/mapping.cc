// Mapping memfd segments: anywhere (native core) or over a region of a
// WebAssembly.Memory (WASM core), and views of raw addresses.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "errors.h"
#include "host.h"

namespace vppnet {

static uintptr_t PageSize() {
  static const uintptr_t ps = uintptr_t(sysconf(_SC_PAGESIZE));
  return ps;
}

// A mapping past the end of the memfd would SIGBUS on first touch: refuse it.
static void CheckFdCovers(Napi::Env env, int fd, uintptr_t size, const char *syscall) {
  struct stat st;
  if (fstat(fd, &st) < 0) ThrowErrno(env, errno, "fstat");
  if (uintptr_t(st.st_size) < size) {
    std::string d = "size " + std::to_string(size) + " exceeds the fd's " + std::to_string(st.st_size) + " bytes";
    ThrowErrno(env, EINVAL, syscall, nullptr, d.c_str());
  }
}

static void CheckRange(Napi::Env env, uintptr_t addr, uintptr_t size, bool need_addr, const char *syscall) {
  const uintptr_t ps = PageSize();
  std::string d;
  if (need_addr && (addr == 0 || addr % ps)) d = "address " + std::to_string(addr) + " is not page aligned";
  else if (size == 0 || size % ps) d = "size " + std::to_string(size) + " is not a positive multiple of the page size";
  if (!d.empty()) ThrowErrno(env, EINVAL, syscall, nullptr, d.c_str());
}

// wasmBase(u8) -> address of byte 0 of the (Shared)ArrayBuffer under u8, e.g.
// new Uint8Array(memory.buffer). The base never moves on memory.grow().
static Napi::Value WasmBase(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "wasmBase: argument must be a Uint8Array");
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value ab;
  napi_status s = napi_get_typedarray_info(env, info[0], &type, &length, &data, &ab, &offset);
  NAPI_THROW_IF_FAILED(env, s, Napi::Value());
  if (!data) throw Napi::TypeError::New(env, "wasmBase: the buffer is detached");
  // napi_get_typedarray_info's data already includes byteOffset.
  return AddrValue(env, uintptr_t(data) - offset);
}

// mapFixed(addr, size, fd): the memfd's first `size` bytes replace [addr, addr+size).
static Napi::Value MapFixed(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  uintptr_t addr = ArgAddr(info, 0, "mapFixed", "addr");
  uintptr_t size = ArgAddr(info, 1, "mapFixed", "size");
  int fd = ArgFd(info, 2, "mapFixed");
  CheckRange(env, addr, size, true, "mmap");
  CheckFdCovers(env, fd, size, "mmap");
  void *p = mmap(reinterpret_cast<void *>(addr), size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
  if (p == MAP_FAILED) ThrowErrno(env, errno, "mmap");
  return env.Undefined();
}

// unmapFixed(addr, size): zero pages back over a mapFixed region; it stays valid memory.
static Napi::Value UnmapFixed(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  uintptr_t addr = ArgAddr(info, 0, "unmapFixed", "addr");
  uintptr_t size = ArgAddr(info, 1, "unmapFixed", "size");
  CheckRange(env, addr, size, true, "mmap");
  void *p = mmap(reinterpret_cast<void *>(addr), size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (p == MAP_FAILED) ThrowErrno(env, errno, "mmap");
  return env.Undefined();
}

// mapAnywhere(fd, size) -> addr.
static Napi::Value MapAnywhere(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0, "mapAnywhere");
  uintptr_t size = ArgAddr(info, 1, "mapAnywhere", "size");
  CheckRange(env, 0, size, false, "mmap");
  CheckFdCovers(env, fd, size, "mmap");
  void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) ThrowErrno(env, errno, "mmap");
  return AddrValue(env, uintptr_t(p));
}

// unmap(addr, size): undo mapAnywhere.
static Napi::Value Unmap(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  uintptr_t addr = ArgAddr(info, 0, "unmap", "addr");
  uintptr_t size = ArgAddr(info, 1, "unmap", "size");
  CheckRange(env, addr, size, true, "munmap");
  if (munmap(reinterpret_cast<void *>(addr), size) < 0) ThrowErrno(env, errno, "munmap");
  return env.Undefined();
}

// view(addr, len) -> Uint8Array over [addr, addr+len) with no copy. The caller
// guarantees the memory outlives the view (tests; mapped segments).
static Napi::Value View(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  uintptr_t addr = ArgAddr(info, 0, "view", "addr");
  uintptr_t len = ArgAddr(info, 1, "view", "len");
  if (len == 0) return Napi::Uint8Array::New(env, 0);
  if (addr == 0) ThrowErrno(env, EINVAL, "view", nullptr, "address 0");
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, reinterpret_cast<void *>(addr), len);
  return Napi::Uint8Array::New(env, len, ab, 0);
}

// mappingCount(): memfd mappings in /proc/self/maps (segments currently mapped).
static Napi::Value MappingCount(const Napi::CallbackInfo &info) {
  FILE *f = fopen("/proc/self/maps", "re");
  if (!f) ThrowErrno(info.Env(), errno, "open", "/proc/self/maps");
  char line[4096];
  int count = 0;
  bool counted = false;  // a line longer than the buffer comes in pieces: count it once
  while (fgets(line, sizeof line, f)) {
    if (!counted && strstr(line, "/memfd:")) counted = true, count++;
    if (strchr(line, '\n')) counted = false;
  }
  fclose(f);
  return Napi::Number::New(info.Env(), count);
}

void InitMapping(Napi::Env env, Napi::Object exports) {
  exports.Set("pageSize", Napi::Number::New(env, double(PageSize())));
  exports.Set("wasmBase", Napi::Function::New(env, WasmBase, "wasmBase"));
  exports.Set("mapFixed", Napi::Function::New(env, MapFixed, "mapFixed"));
  exports.Set("unmapFixed", Napi::Function::New(env, UnmapFixed, "unmapFixed"));
  exports.Set("mapAnywhere", Napi::Function::New(env, MapAnywhere, "mapAnywhere"));
  exports.Set("unmap", Napi::Function::New(env, Unmap, "unmap"));
  exports.Set("view", Napi::Function::New(env, View, "view"));
  exports.Set("mappingCount", Napi::Function::New(env, MappingCount, "mappingCount"));
}

}  // namespace vppnet
