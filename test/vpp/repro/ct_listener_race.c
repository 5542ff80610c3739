/*
 * ct_listener_race: reproducer for a VPP session-layer crash when a
 * cut-through (CT) connect races with the target listener going away.
 *
 * Plain POSIX sockets, meant to run under VCL's LD_PRELOAD shim (LDP) with a
 * VCL config of local scope, so that client and server (two processes in the
 * same app namespace) are connected through cut-through fifos.
 *
 *   ct_listener_race server PORT [MAX_US [SECONDS [FLAGS]]]
 *       loop { socket, bind ADDR:PORT, listen, usleep(rand 0..MAX_US),
 *              [FLAGS has "accept": nonblocking accept once, close it], close,
 *              [FLAGS has "drain": epoll_wait 20 ms on an empty epoll set, so
 *               VCL consumes late ACCEPTED events for the closed listener
 *               outside listen(); see below] }
 *       MAX_US default 2000 (0: no sleep), SECONDS default 60.
 *       Note: VCL (26.10-rc0 vppcom.c vcl_handle_mq_event) itself crashes
 *       with SIGSEGV when an ACCEPTED event for an already closed listener
 *       arrives while it waits for the reply to the next listen()
 *       (vcl_session_accepted returns NULL, then vcl_session_has_attr(NULL)).
 *       That turns the plain unlisten loop into "app dies with a listener
 *       open" as well; "drain" mostly avoids it.
 *   ct_listener_race server-exit PORT [MAX_US]
 *       socket, bind, listen, usleep(rand 0..MAX_US), _exit(0): an app that
 *       dies with a listener open (the calling script restarts it in a loop).
 *   ct_listener_race server-once PORT [MAX_US [SECONDS]]
 *       socket, bind, listen, usleep(rand 0..MAX_US), close, then stay alive
 *       (epoll_wait on an empty set, which safely eats late ACCEPTED events)
 *       until SECONDS (default 60) have passed: an unlisten with no app exit
 *       anywhere near it (the script starts one such process after another).
 *   ct_listener_race client PORT [SECONDS [POLL_MS]]
 *       loop { nonblocking socket, connect ADDR:PORT (EINPROGRESS ok),
 *              poll up to POLL_MS (default 5) ms, close } for SECONDS (def 60).
 *
 * ADDR is $CT_ADDR or 127.0.0.2 (an address of a VPP loopback; nothing
 * leaves VPP). Every loop is bounded in time. No fork(): with LDP each role
 * runs as its own process, started by run-ct-listener-race.sh.
 */
#define _GNU_SOURCE
#include "repro.h"




static unsigned rnd(unsigned max) { return max ? (unsigned)random() % (max + 1) : 0; }

/* returns listening fd or -1 */
static int do_listen(int port) {
  struct sockaddr_in sa = target(port);
  int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 128) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static int server(int port, unsigned max_us, double secs, int do_accept, int drain) {
  double end = now_s() + secs;
  struct epoll_event ev;
  int ep = drain ? epoll_create(1) : -1;
  long n = 0, fails = 0, accepted = 0;
  while (now_s() < end && n < 10000000) {
    int fd = do_listen(port);
    if (fd < 0) { fails++; usleep(100); continue; }
    n++;
    if (max_us) usleep(rnd(max_us));
    if (do_accept) {
      set_nonblock(fd);
      int c = accept(fd, NULL, NULL);
      if (c >= 0) { accepted++; close(c); }
    }
    close(fd);
    if (ep >= 0) epoll_wait(ep, &ev, 1, 20);
  }
  printf("server: %ld listen/close cycles, %ld listen failures, %ld accepted\n", n, fails, accepted);
  return 0;
}

static int server_exit(int port, unsigned max_us) {
  int fd = do_listen(port);
  if (fd < 0) _exit(3);
  usleep(rnd(max_us));
  _exit(0); /* listener still open: VPP has to clean up the app */
}

static int server_once(int port, unsigned max_us, double secs) {
  double end = now_s() + secs;
  struct epoll_event ev;
  int ep = epoll_create(1);
  int fd = do_listen(port);
  if (fd < 0) { printf("server-once %d: listen failed\n", getpid()); return 3; }
  usleep(rnd(max_us));
  close(fd);
  while (now_s() < end) epoll_wait(ep, &ev, 1, 100);
  return 0;
}

static int client(int port, double secs, int poll_ms) {
  struct sockaddr_in sa = target(port);
  double end = now_s() + secs;
  long n = 0, ok = 0, refused = 0, other = 0, timeout = 0;
  while (now_s() < end && n < 100000000) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) { other++; usleep(1000); continue; }
    set_nonblock(fd);
    n++;
    int r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    if (r == 0) ok++;
    else if (errno == EINPROGRESS) {
      struct pollfd p = { .fd = fd, .events = POLLOUT };
      r = poll(&p, 1, poll_ms);
      if (r > 0) {
        int err = 0; socklen_t l = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (!err) ok++; else if (err == ECONNREFUSED) refused++; else other++;
      } else timeout++;
    } else if (errno == ECONNREFUSED) refused++;
    else other++;
    close(fd);
  }
  printf("client: %ld connects: %ld ok, %ld refused, %ld timeout, %ld other\n", n, ok, refused, timeout, other);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s server PORT [MAX_US [SECONDS [accept,drain]]] | server-exit PORT [MAX_US] | server-once PORT [MAX_US [SECONDS]] | client PORT [SECONDS [POLL_MS]]\n", argv[0]);
    return 2;
  }
  srandom((unsigned)getpid() ^ (unsigned)(now_s() * 1e6));
  setvbuf(stdout, NULL, _IOLBF, 0);
  int port = atoi(argv[2]);
  if (!strcmp(argv[1], "server"))
    return server(port, argc > 3 ? (unsigned)atoi(argv[3]) : 2000, argc > 4 ? atof(argv[4]) : 60,
                  argc > 5 && strstr(argv[5], "accept") != NULL, argc > 5 && strstr(argv[5], "drain") != NULL);
  if (!strcmp(argv[1], "server-exit")) return server_exit(port, argc > 3 ? (unsigned)atoi(argv[3]) : 2000);
  if (!strcmp(argv[1], "server-once"))
    return server_once(port, argc > 3 ? (unsigned)atoi(argv[3]) : 2000, argc > 4 ? atof(argv[4]) : 60);
  if (!strcmp(argv[1], "client"))
    return client(port, argc > 3 ? atof(argv[3]) : 60, argc > 4 ? atoi(argv[4]) : 5);
  fprintf(stderr, "unknown role %s\n", argv[1]);
  return 2;
}
