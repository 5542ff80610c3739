// The core's functions that take (vn_core_t *, numbers...) and return a number,
// as listed in wasm/include/vppnet_core.h: name (without "vn_") and arity
// (without the core). Adding a core function to the addon is one line here;
// core.cc checks each arity against the C prototype at compile time.
#ifndef VPPNET_HOST_CORE_FUNCTIONS_H
#define VPPNET_HOST_CORE_FUNCTIONS_H

#define VN_CORE_FUNCTIONS(X) \
  X(attach_encode, 8)        \
  X(attach_decode, 2)        \
  X(attach_info, 1)          \
  X(segment_add, 5)          \
  X(segment_del, 1)          \
  X(segment_base, 1)         \
  X(attach_finish, 0)        \
  X(poll, 0)                 \
  X(signals, 0)              \
  X(listen, 2)               \
  X(unlisten, 1)             \
  X(connect, 2)              \
  X(shutdown, 1)             \
  X(close, 1)                \
  X(abort, 1)                \
  X(session_addr, 2)         \
  X(session_flags, 1)        \
  X(session_poll, 2)         \
  X(session_fifo, 2)         \
  X(tx_reserve, 2)           \
  X(tx_commit, 2)            \
  X(rx_peek, 2)              \
  X(rx_release, 2)

#endif
