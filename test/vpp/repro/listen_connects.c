/* listen_connects.c — VPP bug 5 (docs/vpp-bugs.md) from a plain C program
 * under VPP's LD_PRELOAD library: on a VPP with worker threads, close a
 * listener (UNLISTEN, which VPP's worker hands to its main thread) and start
 * two non-blocking connects right behind it. VPP's main thread then spins
 * for good. Prints each round; a round that never ends is the hang.
 *
 *   listen_connects serve PORT          a listener that accepts and closes (another app)
 *   listen_connects burst PORT ROUNDS   the UNLISTEN + two CONNECTs, ROUNDS times
 */
#include "repro.h"

static int listener(int port) {
  struct sockaddr_in sa = target(port);
  int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 64) < 0) { perror("listen"); exit(2); }
  return fd;
}

static int serve(int port) {
  int srv = listener(port);
  for (;;) {
    int fd = accept(srv, NULL, NULL);
    if (fd >= 0) close(fd);
  }
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "serve")) return serve(atoi(argv[2]));
  if (argc < 4 || strcmp(argv[1], "burst")) { fprintf(stderr, "usage: listen_connects serve PORT | burst PORT ROUNDS\n"); return 2; }
  int port = atoi(argv[2]), rounds = atoi(argv[3]);
  repro_report_crashes("listen_connects");
  struct sockaddr_in to = target(port);
  for (int r = 0; r < rounds; r++) {
    int b = listener(port + 1 + r % 100);     /* LISTEN (VCL waits for VPP's answer) */
    close(b);                                  /* UNLISTEN ... */
    int c[2];
    for (int i = 0; i < 2; i++) {              /* ... and two CONNECTs right behind it */
      c[i] = socket(AF_INET, SOCK_STREAM, 0);
      set_nonblock(c[i]);
      if (connect(c[i], (struct sockaddr *)&to, sizeof to) < 0 && errno != EINPROGRESS) { perror("connect"); return 2; }
    }
    for (int i = 0; i < 2; i++) {
      struct pollfd p = { .fd = c[i], .events = POLLOUT };
      if (poll(&p, 1, 3000) != 1) { printf("round %d: connect %d not answered in 3 s\n", r, i); fflush(stdout); return 1; }
      close(c[i]);
    }
    printf("round %d ok\n", r);
    fflush(stdout);
  }
  return 0;
}
