/*
 * ct_kill_mix: one LDP app (one process, no fork) doing the mix of the Node
 * chaos test that crashes VPP when such processes are SIGKILLed at random:
 * many cut-through sessions in all states, as client and as server, to
 * several peers, at the moment of the kill.
 *
 *   ct_kill_mix ROLE SEED SECONDS PORT_BASE [NLISTEN [RATE]] -- PEER_PORT... | @FILE
 *     ROLE stable: listens on PORT_BASE .. PORT_BASE+NLISTEN-1 (NLISTEN
 *                  default 2) and never closes them
 *          churn:  listens on PORT_BASE .. PORT_BASE+NLISTEN-1 (default 3);
 *                  each listener is closed after rand 0.2-3 s and re-opened
 *                  (same port) after rand 0-50 ms
 *     Both roles, RATE (default 100) operations per second: a non-blocking
 *     connect to a random port of (own listeners + PEER_PORTs), then at once
 *     (50%) a write of rand 1..64 KiB (usually before the connect
 *     completed), then after rand 0..50 ms (20%: 0, right away) one of:
 *     close / shutdown(SHUT_WR) (then close on EOF or after 2 s) / close with
 *     SO_LINGER {1,0} (RST). Accepted sockets echo what they read and are
 *     closed when the peer closes (EOF or error) or after 5 s.
 *     $KM_LCHURN=0: churn listeners stay open too (only the kills close them).
 *     PEER_PORTs: the listening ports of the other processes (stable and
 *     churn); @FILE: one port a line.
 *
 * ADDR is $CT_ADDR or 127.0.0.2. Bounded: SECONDS, at most MAX_FDS sockets.
 */
#define _GNU_SOURCE
#include "repro.h"

#define MAX_FDS 65536
#define MAX_LIVE 600
#define MAX_LISTEN 16
#define MAX_PEERS 256

enum { FREE = 0, LST, SRV, CLI };
enum { A_CLOSE = 0, A_SHUT, A_RST };
struct conn {
  int kind, action, shut;
  double deadline, born;
  size_t pend; /* client: bytes still to write */
};
static struct conn C[MAX_FDS];
static int ep, nlive, maxfd;
static struct { int port, fd; double until; } L[MAX_LISTEN];
static int nl, peers[MAX_PEERS], np;
static unsigned long long rs;
static long st_conn, st_acc, st_close, st_rst, st_shut, st_wr, st_echo, st_lcl, st_err;
static char buf[65536];

static unsigned rnd(unsigned n) { /* 0..n-1, xorshift64* */
  rs ^= rs >> 12; rs ^= rs << 25; rs ^= rs >> 27;
  return n ? (unsigned)((rs * 2685821657736338717ULL) >> 33) % n : 0;
}


static void add(int fd, int kind, unsigned events) {
  struct epoll_event ev = { .events = events, .data.fd = fd };
  memset(&C[fd], 0, sizeof C[fd]);
  C[fd].kind = kind; C[fd].born = now_s();
  if (fd > maxfd) maxfd = fd;
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  if (kind != LST) nlive++;
}

static void drop(int fd, int rst) {
  if (rst) {
    struct linger lg = { 1, 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    st_rst++;
  }
  epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
  if (C[fd].kind != LST) nlive--;
  C[fd].kind = FREE;
  close(fd);
  st_close++;
}

static int do_listen(int port) {
  struct sockaddr_in sa = target(port);
  int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || fd >= MAX_FDS) { if (fd >= 0) close(fd); return -1; }
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  set_nonblock(fd);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 128) < 0) { close(fd); st_err++; return -1; }
  add(fd, LST, EPOLLIN);
  return fd;
}

static void do_connect(void) {
  int nt = nl + np, i = rnd(nt), port = i < nl ? L[i].port : peers[i - nl];
  struct sockaddr_in sa = target(port);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) { st_err++; return; }
  if (fd >= MAX_FDS) { close(fd); return; }
  set_nonblock(fd);
  int r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
  if (r < 0 && errno != EINPROGRESS) { close(fd); st_err++; return; }
  st_conn++;
  add(fd, CLI, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
  C[fd].action = rnd(3);
  C[fd].deadline = now_s() + (rnd(5) == 0 ? 0 : rnd(51) / 1000.0);
  C[fd].pend = rnd(2) ? 1 + rnd(65536) : 0;
  if (C[fd].pend) { /* before the connect completed */
    ssize_t w = write(fd, buf, C[fd].pend);
    if (w > 0) { C[fd].pend -= w; st_wr += w; }
  }
  if (C[fd].deadline <= now_s()) { /* right away */
    if (C[fd].action == A_SHUT) { shutdown(fd, SHUT_WR); C[fd].shut = 1; C[fd].deadline = now_s() + 2; st_shut++; }
    else drop(fd, C[fd].action == A_RST);
  }
}

static void on_event(int fd, unsigned ev) {
  struct conn *c = &C[fd];
  ssize_t r;
  if (c->kind == LST) {
    for (int k = 0; k < 16 && nlive < MAX_LIVE; k++) {
      int a = accept(fd, NULL, NULL);
      if (a < 0) break;
      if (a >= MAX_FDS) { close(a); continue; }
      set_nonblock(a);
      add(a, SRV, EPOLLIN | EPOLLRDHUP);
      C[a].deadline = now_s() + 5;
      st_acc++;
    }
    return;
  }
  if (c->kind == SRV) {
    int n = 0;
    while (n++ < 8 && (r = read(fd, buf, sizeof buf)) > 0) {
      ssize_t w = write(fd, buf, r); /* echo, drop what does not fit */
      if (w > 0) st_echo += w;
    }
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) || (ev & (EPOLLHUP | EPOLLERR)))
      drop(fd, 0);
    return;
  }
  if (c->kind == CLI) {
    if ((ev & EPOLLOUT) && c->pend && !c->shut) {
      ssize_t w = write(fd, buf, c->pend);
      if (w > 0) { c->pend -= w; st_wr += w; }
    }
    if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      while ((r = read(fd, buf, sizeof buf)) > 0) ;
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) || (ev & (EPOLLHUP | EPOLLERR))) {
        drop(fd, 0);
        return;
      }
    }
    if (!c->pend) { /* nothing more to write: stop EPOLLOUT */
      struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = fd };
      epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
    }
  }
}

static void load_peers(int argc, char **argv, int i) {
  for (; i < argc && np < MAX_PEERS; i++) {
    if (argv[i][0] == '@') {
      FILE *f = fopen(argv[i] + 1, "r");
      int p;
      if (!f) { perror(argv[i] + 1); exit(2); }
      while (np < MAX_PEERS && fscanf(f, "%d", &p) == 1) peers[np++] = p;
      fclose(f);
    } else peers[np++] = atoi(argv[i]);
  }
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s stable|churn SEED SECONDS PORT_BASE [NLISTEN [RATE]] -- PEER_PORT...|@FILE\n", argv[0]);
    return 2;
  }
  int stable = !strcmp(argv[1], "stable"), i;
  rs = strtoull(argv[2], NULL, 0) * 0x9E3779B97F4A7C15ULL + 1;
  double secs = atof(argv[3]);
  int base = atoi(argv[4]), nlisten = stable ? 2 : 3, rate = 100;
  for (i = 5; i < argc && strcmp(argv[i], "--"); i++) {
    if (i == 5) nlisten = atoi(argv[i]);
    if (i == 6) rate = atoi(argv[i]);
  }
  load_peers(argc, argv, i + 1);
  if (nlisten > MAX_LISTEN) nlisten = MAX_LISTEN;
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGPIPE, SIG_IGN);
  repro_report_crashes("pid");
  const char *lc = getenv("KM_LCHURN"); /* 0: churn listeners are never closed */
  int lchurn = !(lc && !strcmp(lc, "0"));
  const double t0 = repro_t0;
  ep = epoll_create(1);
  memset(buf, 'x', sizeof buf);
  for (nl = 0; nl < nlisten; nl++) {
    L[nl].port = base + nl;
    L[nl].fd = do_listen(L[nl].port);
    L[nl].until = stable || !lchurn ? 1e18 : now_s() + 0.2 + rnd(2801) / 1000.0;
  }
  printf("%s %d: seed %s, %d listeners from %d, %d peer ports, %d ops/s\n", argv[1], getpid(), argv[2], nl, base, np, rate);

  double end = t0 + secs, next_op = t0, next_sweep = t0;
  struct epoll_event evs[64];
  while (now_s() < end) {
    int n = epoll_wait(ep, evs, 64, 2);
    for (i = 0; i < n; i++) if (C[evs[i].data.fd].kind != FREE) on_event(evs[i].data.fd, evs[i].events);
    double t = now_s();
    while (next_op <= t) {
      next_op += (rnd(2001) / 1000.0) / rate; /* mean 1/rate */
      if (nlive < MAX_LIVE) do_connect();
    }
    for (i = 0; i < nl; i++) { /* churn listeners: close / relisten */
      if (L[i].fd >= 0 && t >= L[i].until) {
        drop(L[i].fd, 0); st_lcl++;
        L[i].fd = -1;
        L[i].until = t + rnd(51) / 1000.0;
      } else if (L[i].fd < 0 && t >= L[i].until) {
        L[i].fd = do_listen(L[i].port);
        L[i].until = t + (L[i].fd < 0 ? 0.05 : 0.2 + rnd(2801) / 1000.0);
      }
    }
    if (t >= next_sweep) { /* client deadlines, server timeouts */
      next_sweep = t + 0.002;
      for (int fd = 0; fd <= maxfd; fd++) {
        struct conn *c = &C[fd];
        if (c->kind == CLI && t >= c->deadline) {
          if (c->shut) drop(fd, 0);
          else if (c->action == A_SHUT) { shutdown(fd, SHUT_WR); c->shut = 1; c->deadline = t + 2; st_shut++; }
          else drop(fd, c->action == A_RST);
        } else if (c->kind == SRV && t >= c->deadline) drop(fd, 0);
      }
    }
  }
  printf("%s %d: done: %ld connects, %ld accepted, %ld closes (%ld RST, %ld shut, %ld listener closes), %ld B written, %ld B echoed, %ld errors, %d live\n",
         argv[1], getpid(), st_conn, st_acc, st_close, st_rst, st_shut, st_lcl, st_wr, st_echo, st_err, nlive);
  return 0;
}
