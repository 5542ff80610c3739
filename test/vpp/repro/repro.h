/* repro.h — what the reproducers share: the target address, a clock, non-blocking fds. */
#ifndef REPRO_H
#define REPRO_H
#include <arpa/inet.h>
#include <execinfo.h>
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static inline double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* $CT_ADDR or 127.0.0.2 (an address of a VPP loopback: nothing leaves VPP) */
static inline struct sockaddr_in target(int port) {
  struct sockaddr_in sa;
  const char *a = getenv("CT_ADDR");
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, a && *a ? a : "127.0.0.2", &sa.sin_addr) != 1) {
    fprintf(stderr, "bad CT_ADDR\n");
    exit(2);
  }
  return sa;
}

static inline void set_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL, 0);
  if (fl >= 0) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Report our own crashes (VCL/LDP code runs inside us) with a time stamp and
 * a backtrace, then die of the same signal. */
static double repro_t0;
static const char *repro_who = "pid";
static void repro_on_fatal(int sig) {
  char m[128];
  void *bt[32];
  int n = snprintf(m, sizeof m, "%s %d: got signal %d at t=%.3f s, backtrace:\n", repro_who, getpid(), sig, now_s() - repro_t0);
  (void)!write(2, m, n);
  backtrace_symbols_fd(bt, backtrace(bt, 32), 2);
  signal(sig, SIG_DFL);
  raise(sig);
}
static inline void repro_report_crashes(const char *who) {
  repro_who = who;
  repro_t0 = now_s();
  signal(SIGSEGV, repro_on_fatal);
  signal(SIGBUS, repro_on_fatal);
  signal(SIGABRT, repro_on_fatal);
}
#endif
