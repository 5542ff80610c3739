/*
 * peer: the C reference for the request/response and connection-rate
 * benchmarks. Plain POSIX sockets + epoll, so the same binary runs over the
 * kernel and, unchanged, over VPP's host stack under VCL's LD_PRELOAD shim
 * (LDP). For that reason it sticks to calls LDP intercepts: socket, bind,
 * listen, accept (no accept4 flags), connect, fcntl(O_NONBLOCK) (no
 * SOCK_NONBLOCK), setsockopt, getsockopt(SO_ERROR), epoll, read, write, close.
 *
 *   peer server <port> [bindAddr [maxSeconds]]
 *       echo server; prints "listening <port>", then on SIGTERM/SIGINT
 *       {"conns":N} (connections accepted) and exits 0.
 *   peer rr <host> <port> <size> <seconds> <warmupSeconds>
 *       one connection, ping-pong of `size` bytes; one JSON line.
 *   peer conn <host> <port> <concurrency> <seconds> <warmupSeconds>
 *       `concurrency` cycles in flight, each: connect, write 16 B, read the
 *       echo, close; one JSON line.
 *
 * The measurement windows and the quantile table are those of
 * bench/worker.js (rrClient, connClient, summarize), so the runner treats
 * both alike. Failures: a message on stderr and exit status 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL
#define WAIT_MS 5000   /* longest wait for any one event before giving up */
#define GRACE_NS (10 * NS) /* after the run: time left to finish cycles in flight */

static const char *role = "peer";

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "peer %s: ", role);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static double num_arg(const char *s, const char *name, double lo, double hi) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !(v >= lo && v <= hi)) die("%s must be a number in [%g, %g], got '%s'", name, lo, hi, s);
  return v;
}

static void set_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL, 0);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) die("fcntl(O_NONBLOCK): %s", strerror(errno));
}

static void set_nodelay(int fd) {
  int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) die("setsockopt(TCP_NODELAY): %s", strerror(errno));
}

static struct sockaddr_in addr_of(const char *host, int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) die("host must be an IPv4 address, got '%s'", host);
  return a;
}

static void ep_ctl(int ep, int op, int fd, uint32_t events, void *ptr) {
  struct epoll_event ev = { .events = events, .data.ptr = ptr };
  if (epoll_ctl(ep, op, fd, &ev) < 0) die("epoll_ctl(fd %d): %s", fd, strerror(errno));
}

/* ------------------------------------------------------------------------ */
/* Latency samples (µs) and the quantile table of bench/worker.js summarize(). */

typedef struct {
  double *a;
  size_t n, cap;
} samples_t;

static void push(samples_t *s, double v) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 1 << 16;
    double *a = realloc(s->a, cap * sizeof *a);
    if (!a) die("out of memory for %zu samples", cap);
    s->a = a;
    s->cap = cap;
  }
  s->a[s->n++] = v;
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

typedef struct {
  size_t n;
  double mean;
  double q[1001]; /* q[i] = sorted[min(n-1, floor(i/1000 * n))] */
} summary_t;

static summary_t summarize(samples_t *s) {
  summary_t r = { .n = s->n };
  size_t n = s->n;
  if (!n) return r;
  qsort(s->a, n, sizeof *s->a, cmp_double);
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += s->a[i];
  r.mean = sum / (double)n;
  for (int i = 0; i <= 1000; i++) {
    size_t k = (size_t)floor(((double)i / 1000.0) * (double)n);
    r.q[i] = s->a[k < n - 1 ? k : n - 1];
  }
  return r;
}

/* The fields of worker.js's summarize() output (no braces). */
static void summary_json(const summary_t *m, FILE *f) {
  fprintf(f, "\"n\":%zu,\"meanUs\":%.3f,\"quantilesUs\":[", m->n, m->mean);
  for (int i = 0; i <= 1000; i++) fprintf(f, "%s%.3f", i ? "," : "", m->q[i]);
  fputc(']', f);
}

/* ------------------------------------------------------------------------ */
/* server */

typedef struct {
  int fd;
  size_t off, len; /* bytes of buf still to echo */
  char buf[65536];
} conn_t;

static volatile sig_atomic_t stopping;
static void on_stop(int sig) { (void)sig; stopping = 1; }

static int server(int argc, char **argv) {
  if (argc < 1 || argc > 3) die("usage: peer server <port> [bindAddr [maxSeconds]]");
  int port = (int)num_arg(argv[0], "port", 0, 65535);
  const char *bind_addr = argc > 1 ? argv[1] : "0.0.0.0";
  double max_s = argc > 2 ? num_arg(argv[2], "maxSeconds", 1, 86400) : 600;

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (lfd < 0) die("socket: %s", strerror(errno));
  int one = 1;
  if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) die("setsockopt(SO_REUSEADDR): %s", strerror(errno));
  struct sockaddr_in a = addr_of(bind_addr, port);
  if (bind(lfd, (struct sockaddr *)&a, sizeof a) < 0) die("bind %s:%d: %s", bind_addr, port, strerror(errno));
  if (listen(lfd, 1024) < 0) die("listen: %s", strerror(errno));
  set_nonblock(lfd);
  if (port == 0) {
    socklen_t al = sizeof a;
    if (getsockname(lfd, (struct sockaddr *)&a, &al) < 0) die("getsockname: %s", strerror(errno));
    port = ntohs(a.sin_port);
  }
  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1: %s", strerror(errno));
  ep_ctl(ep, EPOLL_CTL_ADD, lfd, EPOLLIN, NULL); /* NULL marks the listener */
  printf("listening %d\n", port);
  fflush(stdout);

  const int64_t deadline = now_ns() + (int64_t)(max_s * NS);
  unsigned long conns = 0;
  struct epoll_event evs[64];
  while (!stopping) {
    if (now_ns() > deadline) die("still running after %g s (maxSeconds); nobody stopped it", max_s);
    int k = epoll_wait(ep, evs, 64, 100);
    if (k < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait: %s", strerror(errno));
    }
    for (int i = 0; i < k; i++) {
      conn_t *c = evs[i].data.ptr;
      if (!c) {
        for (;;) {
          int fd = accept(lfd, NULL, NULL);
          if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) break;
            die("accept: %s", strerror(errno));
          }
          set_nonblock(fd);
          set_nodelay(fd);
          c = malloc(sizeof *c);
          if (!c) die("out of memory for connection %lu", conns);
          c->fd = fd;
          c->off = c->len = 0;
          ep_ctl(ep, EPOLL_CTL_ADD, fd, EPOLLIN, c);
          conns++;
        }
        continue;
      }
      int closed = 0;
      if (c->len == 0) { /* read only when the previous chunk is echoed (backpressure) */
        ssize_t r = read(c->fd, c->buf, sizeof c->buf);
        if (r > 0) c->off = 0, c->len = (size_t)r;
        else if (r == 0) closed = 1; /* the peer closed */
        else if (errno == ECONNRESET || errno == EPIPE) closed = 1;
        else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) die("read: %s", strerror(errno));
      }
      while (!closed && c->len) {
        ssize_t w = write(c->fd, c->buf + c->off, c->len);
        if (w > 0) { c->off += (size_t)w; c->len -= (size_t)w; continue; }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == ECONNRESET || errno == EPIPE)) { closed = 1; break; }
        die("write: %s", w < 0 ? strerror(errno) : "wrote 0 bytes");
      }
      if (closed) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        free(c);
      } else {
        /* wait for room to write the rest, or for more input */
        ep_ctl(ep, EPOLL_CTL_MOD, c->fd, c->len ? EPOLLOUT : EPOLLIN, c);
      }
    }
  }
  printf("{\"conns\":%lu}\n", conns);
  fflush(stdout);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* rr client */

/* Wait (bounded) for fd to become readable/writable. */
static void wait_for(int ep, uint32_t what, const char *doing) {
  struct epoll_event ev;
  for (;;) {
    int k = epoll_wait(ep, &ev, 1, WAIT_MS);
    if (k > 0) {
      if ((ev.events & what) || (ev.events & (EPOLLERR | EPOLLHUP))) return;
      continue;
    }
    if (k == 0) die("%s: nothing within %d ms", doing, WAIT_MS);
    if (errno != EINTR) die("epoll_wait: %s", strerror(errno));
  }
}

static int connect_nb(int fd, const struct sockaddr_in *a) {
  if (connect(fd, (const struct sockaddr *)a, sizeof *a) == 0) return 0;
  if (errno == EINPROGRESS || errno == EAGAIN || errno == EALREADY) return 1;
  die("connect %s:%d: %s", inet_ntoa(a->sin_addr), ntohs(a->sin_port), strerror(errno));
  return -1;
}

static void check_connected(int fd, const struct sockaddr_in *a) {
  int err = 0;
  socklen_t l = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0) die("getsockopt(SO_ERROR): %s", strerror(errno));
  if (err) die("connect %s:%d: %s", inet_ntoa(a->sin_addr), ntohs(a->sin_port), strerror(err));
}

static int rr(int argc, char **argv) {
  if (argc != 5) die("usage: peer rr <host> <port> <size> <seconds> <warmupSeconds>");
  struct sockaddr_in a = addr_of(argv[0], (int)num_arg(argv[1], "port", 1, 65535));
  size_t size = (size_t)num_arg(argv[2], "size", 1, 1 << 20);
  double seconds = num_arg(argv[3], "seconds", 0, 3600), warmup = num_arg(argv[4], "warmupSeconds", 0, 3600);
  signal(SIGPIPE, SIG_IGN);

  char *msg = malloc(size), *back = malloc(size);
  if (!msg || !back) die("out of memory for %zu-byte messages", size);
  for (size_t i = 0; i < size; i++) msg[i] = (char)((i * 131 + 7) & 0xff); /* worker.js's pattern */

  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket: %s", strerror(errno));
  set_nonblock(fd);
  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1: %s", strerror(errno));
  if (connect_nb(fd, &a)) {
    ep_ctl(ep, EPOLL_CTL_ADD, fd, EPOLLOUT, NULL);
    wait_for(ep, EPOLLOUT, "connect");
    check_connected(fd, &a);
    ep_ctl(ep, EPOLL_CTL_MOD, fd, EPOLLIN, NULL);
  } else {
    ep_ctl(ep, EPOLL_CTL_ADD, fd, EPOLLIN, NULL);
  }
  set_nodelay(fd);

  samples_t lat = { 0 };
  const int64_t start = now_ns();
  const int64_t warm_end = start + (int64_t)llround(warmup * NS);
  const int64_t end = warm_end + (int64_t)llround(seconds * NS);
  int64_t measured_start = 0;
  unsigned long rounds = 0;
  for (;;) {
    int64_t t0 = now_ns();
    for (size_t off = 0; off < size;) { /* write all of msg */
      ssize_t w = write(fd, msg + off, size - off);
      if (w > 0) { off += (size_t)w; continue; }
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        ep_ctl(ep, EPOLL_CTL_MOD, fd, EPOLLOUT, NULL);
        wait_for(ep, EPOLLOUT, "write");
        ep_ctl(ep, EPOLL_CTL_MOD, fd, EPOLLIN, NULL);
        continue;
      }
      die("write: %s", w < 0 ? strerror(errno) : "wrote 0 bytes");
    }
    for (size_t got = 0; got < size;) { /* read all of the echo */
      ssize_t r = read(fd, back + got, size - got);
      if (r > 0) { got += (size_t)r; continue; }
      if (r == 0) die("connection closed after %zu of %zu echoed bytes (round %lu)", got, size, rounds);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) { wait_for(ep, EPOLLIN, "echo"); continue; }
      die("read: %s", strerror(errno));
    }
    int64_t t1 = now_ns();
    if (memcmp(msg, back, size)) die("echo differs from what was sent (round %lu)", rounds);
    if (t1 >= warm_end) {
      if (!measured_start) measured_start = t0;
      push(&lat, (double)(t1 - t0) / 1e3);
      rounds++;
    }
    if (t1 >= end) break;
  }
  double secs = (double)(now_ns() - measured_start) / 1e9;
  close(fd);

  summary_t m = summarize(&lat);
  /* p50/p99/p999 as bench/lib/stats.js fromTable() reads them from the table */
  printf("{\"rounds\":%lu,\"seconds\":%.6f,\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,", rounds, secs, m.q[500], m.q[990], m.q[999]);
  summary_json(&m, stdout);
  printf("}\n");
  fflush(stdout);
  free(lat.a);
  free(msg);
  free(back);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* conn client */

enum { IDLE, CONNECTING, ECHOING };
static const char CONN_MSG[16] = "0123456789abcdef";

typedef struct {
  int fd, state;
  int64_t t0, tc; /* cycle start (before socket()), connect complete */
  size_t sent, got;
  char back[sizeof CONN_MSG];
} slot_t;

typedef struct {
  int ep, active;
  struct sockaddr_in a;
  int64_t warm_end, end, measured_end;
  unsigned long count;
  samples_t connect_lat, cycle_lat;
} conn_run_t;

/* Write what is left of the 16 bytes, then wait for the echo (or for room). */
static void conn_pump(conn_run_t *r, slot_t *s) {
  while (s->sent < sizeof CONN_MSG) {
    ssize_t w = write(s->fd, CONN_MSG + s->sent, sizeof CONN_MSG - s->sent);
    if (w > 0) { s->sent += (size_t)w; continue; }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    die("write: %s", w < 0 ? strerror(errno) : "wrote 0 bytes");
  }
  ep_ctl(r->ep, EPOLL_CTL_MOD, s->fd, s->sent < sizeof CONN_MSG ? EPOLLOUT : EPOLLIN, s);
}

/* Start the next cycle on s, or leave s idle once the run is over. */
static void conn_start(conn_run_t *r, slot_t *s) {
  s->t0 = now_ns();
  if (s->t0 >= r->end) { s->state = IDLE; return; }
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (s->fd < 0) die("socket: %s", strerror(errno));
  set_nonblock(s->fd);
  s->sent = s->got = 0;
  r->active++;
  s->state = CONNECTING;
  ep_ctl(r->ep, EPOLL_CTL_ADD, s->fd, EPOLLOUT, s);
  if (!connect_nb(s->fd, &r->a)) { /* connected at once */
    s->tc = now_ns();
    s->state = ECHOING;
    conn_pump(r, s);
  }
}

/* An event on s: finish connecting, keep writing, or read the echo and close. */
static void conn_event(conn_run_t *r, slot_t *s) {
  if (s->state == CONNECTING) {
    check_connected(s->fd, &r->a);
    s->tc = now_ns();
    s->state = ECHOING;
    conn_pump(r, s);
    return;
  }
  if (s->sent < sizeof CONN_MSG) { conn_pump(r, s); return; }
  ssize_t n = read(s->fd, s->back + s->got, sizeof s->back - s->got);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n < 0) die("read: %s", strerror(errno));
  if (n == 0) die("connection closed after %zu of %zu echoed bytes", s->got, sizeof CONN_MSG);
  s->got += (size_t)n;
  if (s->got < sizeof s->back) return;
  if (memcmp(s->back, CONN_MSG, sizeof CONN_MSG)) die("echo differs from what was sent");
  epoll_ctl(r->ep, EPOLL_CTL_DEL, s->fd, NULL);
  close(s->fd);
  r->active--;
  int64_t t2 = now_ns();
  if (s->t0 >= r->warm_end) { /* cycles started after the warm-up count */
    push(&r->connect_lat, (double)(s->tc - s->t0) / 1e3);
    push(&r->cycle_lat, (double)(t2 - s->t0) / 1e3);
    r->count++;
    r->measured_end = t2;
  }
  conn_start(r, s);
}

static int conn(int argc, char **argv) {
  if (argc != 5) die("usage: peer conn <host> <port> <concurrency> <seconds> <warmupSeconds>");
  conn_run_t r = { .a = addr_of(argv[0], (int)num_arg(argv[1], "port", 1, 65535)) };
  int concurrency = (int)num_arg(argv[2], "concurrency", 1, 1024);
  double seconds = num_arg(argv[3], "seconds", 0, 3600), warmup = num_arg(argv[4], "warmupSeconds", 0, 3600);
  signal(SIGPIPE, SIG_IGN);

  r.ep = epoll_create1(0);
  if (r.ep < 0) die("epoll_create1: %s", strerror(errno));
  slot_t *slots = calloc((size_t)concurrency, sizeof *slots);
  if (!slots) die("out of memory for %d slots", concurrency);
  r.warm_end = now_ns() + (int64_t)llround(warmup * NS);
  r.end = r.warm_end + (int64_t)llround(seconds * NS);

  for (int i = 0; i < concurrency; i++) conn_start(&r, &slots[i]);
  struct epoll_event evs[64];
  unsigned long last_count = 0;
  int64_t last_progress = now_ns();
  while (r.active) {
    int64_t now = now_ns();
    if (now > r.end + GRACE_NS) die("%d cycles still unfinished %lld s after the run", r.active, (long long)(GRACE_NS / NS));
    if (now - last_progress > (int64_t)WAIT_MS * 1000000) die("no cycle completed within %d ms (%d in flight)", WAIT_MS, r.active);
    int k = epoll_wait(r.ep, evs, 64, 100);
    if (k < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait: %s", strerror(errno));
    }
    for (int i = 0; i < k; i++) conn_event(&r, evs[i].data.ptr);
    if (k > 0 || r.count != last_count) last_progress = now_ns(), last_count = r.count;
  }
  /* seconds: from the end of the warm-up to the last completed cycle */
  double secs = r.count ? (double)(r.measured_end - r.warm_end) / 1e9 : 0;
  summary_t mc = summarize(&r.connect_lat), my = summarize(&r.cycle_lat);
  printf("{\"count\":%lu,\"seconds\":%.6f,\"connect\":{", r.count, secs);
  summary_json(&mc, stdout);
  printf("},\"cycle\":{");
  summary_json(&my, stdout);
  printf("}}\n");
  fflush(stdout);
  free(r.connect_lat.a);
  free(r.cycle_lat.a);
  free(slots);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2) role = argv[1];
  if (argc >= 2 && !strcmp(argv[1], "server")) return server(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "rr")) return rr(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "conn")) return conn(argc - 2, argv + 2);
  fprintf(stderr, "usage: peer server <port> [bindAddr [maxSeconds]]\n"
                  "       peer rr <host> <port> <size> <seconds> <warmupSeconds>\n"
                  "       peer conn <host> <port> <concurrency> <seconds> <warmupSeconds>\n");
  return 2;
}
