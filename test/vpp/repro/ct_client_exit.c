/*
 * ct_client_exit: reproducer for a VPP session-layer crash when a
 * cut-through (CT) CLIENT app dies while its connects to a listener of
 * another, live app are still in flight (the server has not accepted them
 * yet, or just did).
 *
 * Plain POSIX sockets, meant to run under VCL's LD_PRELOAD shim (LDP) with a
 * VCL config of local scope, so that client and server (two processes in the
 * same app namespace) are connected through cut-through fifos.
 *
 *   ct_client_exit server PORT [SECONDS [GAP_US [HOLD_MS [BATCH]]]]
 *       One listener on ADDR:PORT for SECONDS (default 60), kept open all the
 *       time. Loop { epoll_wait (<= 10 ms); accept up to BATCH (default 4;
 *       0 = all pending) connections; read and discard whatever they sent;
 *       close accepted sockets older than HOLD_MS (default 5);
 *       usleep(GAP_US) (default 2000; 0 = accept as fast as possible) }.
 *       A slow GAP_US keeps many connects pending in VPP (server session
 *       created and ACCEPTED sent, client session not yet created).
 *   ct_client_exit client PORT [K [MAX_US [HOW [WAIT_MS]]]]
 *       Start K (default 32) nonblocking connects to ADDR:PORT, then
 *       HOW (default "exit"):
 *         exit   usleep(rand 0..MAX_US) (default 0), _exit(0): process
 *                dies with connects in flight, VCL does not detach (VPP sees
 *                the app's socket close)
 *         libc   same but exit(0): VCL's destructor detaches the app
 *         hang   stay alive (epoll_wait on an empty set) up to 10 s, so the
 *                script can SIGKILL it at a random moment
 *         write  poll the sockets up to WAIT_MS (default 2) ms for
 *                POLLOUT, write 1 KiB on each connected one, then
 *                usleep(rand 0..MAX_US) and _exit(0)
 *
 * ADDR is $CT_ADDR or 127.0.0.2 (an address of a VPP loopback; nothing
 * leaves VPP). Every loop is bounded in time. No fork(): with LDP each role
 * runs as its own process, started by run-ct-client-exit.sh.
 */
#define _GNU_SOURCE
#include "repro.h"

#define MAX_CONNS 4096





static unsigned rnd(unsigned max) { return max ? (unsigned)random() % (max + 1) : 0; }

static int server(int port, double secs, unsigned gap_us, unsigned hold_ms, int batch) {
  struct sockaddr_in sa = target(port);
  static int fds[MAX_CONNS];
  static double when[MAX_CONNS];
  int n = 0, one = 1, i;
  long accepted = 0, closed = 0, bytes = 0, loops = 0;
  double end = now_s() + secs;
  char buf[4096];
  struct epoll_event ev = { .events = EPOLLIN }, evs[16];

  repro_report_crashes("server");
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (lfd < 0) { perror("socket"); return 3; }
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 1024) < 0) {
    perror("bind/listen");
    return 3;
  }
  set_nonblock(lfd);
  int ep = epoll_create(1);
  ev.data.fd = lfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  printf("server %d: listening\n", getpid());

  while (now_s() < end) {
    loops++;
    epoll_wait(ep, evs, 16, 10);
    for (i = 0; (batch == 0 || i < batch) && n < MAX_CONNS; i++) {
      int c = accept(lfd, NULL, NULL);
      if (c < 0) break;
      set_nonblock(c);
      fds[n] = c; when[n] = now_s(); n++; accepted++;
    }
    double t = now_s();
    for (i = 0; i < n;) {
      ssize_t r;
      while ((r = read(fds[i], buf, sizeof buf)) > 0) bytes += r;
      if (r == 0 || (t - when[i]) * 1000 >= hold_ms) {
        close(fds[i]); closed++;
        fds[i] = fds[n - 1]; when[i] = when[n - 1]; n--;
      } else i++;
    }
    if (gap_us) usleep(gap_us);
  }
  printf("server %d: %ld loops, %ld accepted, %ld closed, %ld bytes read\n", getpid(), loops, accepted,
         closed, bytes);
  return 0;
}

static int client(int port, int k, unsigned max_us, const char *how, int wait_ms) {
  struct sockaddr_in sa = target(port);
  static int fds[MAX_CONNS];
  int n = 0, i;
  if (k > MAX_CONNS) k = MAX_CONNS;
  for (i = 0; i < k; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    set_nonblock(fd);
    int r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    if (r == 0 || errno == EINPROGRESS) fds[n++] = fd;
    else close(fd);
  }
  if (!strcmp(how, "write")) {
    static struct pollfd p[MAX_CONNS];
    static char data[1024];
    double end = now_s() + wait_ms / 1000.0;
    int left = n;
    for (i = 0; i < n; i++) p[i] = (struct pollfd){ .fd = fds[i], .events = POLLOUT };
    while (left > 0 && now_s() < end) {
      int ms = (int)((end - now_s()) * 1000) + 1;
      if (poll(p, n, ms) <= 0) break;
      for (i = 0; i < n; i++)
        if (p[i].fd >= 0 && (p[i].revents & (POLLOUT | POLLERR | POLLHUP))) {
          if (p[i].revents & POLLOUT) (void)!write(p[i].fd, data, sizeof data);
          p[i].fd = -1; left--;
        }
    }
  }
  if (!strcmp(how, "hang")) {
    struct epoll_event ev;
    int ep = epoll_create(1);
    double end = now_s() + 10;
    while (now_s() < end) epoll_wait(ep, &ev, 1, 100);
    _exit(0);
  }
  if (max_us) usleep(rnd(max_us));
  if (!strcmp(how, "libc")) exit(0);
  _exit(0); /* connects still in flight: VPP has to clean up the app */
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s server PORT [SECONDS [GAP_US [HOLD_MS [BATCH]]]] | client PORT [K [MAX_US [exit|libc|hang|write [WAIT_MS]]]]\n", argv[0]);
    return 2;
  }
  srandom((unsigned)getpid() ^ (unsigned)(now_s() * 1e6));
  setvbuf(stdout, NULL, _IOLBF, 0);
  int port = atoi(argv[2]);
  if (!strcmp(argv[1], "server"))
    return server(port, argc > 3 ? atof(argv[3]) : 60, argc > 4 ? (unsigned)atoi(argv[4]) : 2000,
                  argc > 5 ? (unsigned)atoi(argv[5]) : 5, argc > 6 ? atoi(argv[6]) : 4);
  if (!strcmp(argv[1], "client"))
    return client(port, argc > 3 ? atoi(argv[3]) : 32, argc > 4 ? (unsigned)atoi(argv[4]) : 0,
                  argc > 5 ? argv[5] : "exit", argc > 6 ? atoi(argv[6]) : 2);
  fprintf(stderr, "unknown role %s\n", argv[1]);
  return 2;
}
