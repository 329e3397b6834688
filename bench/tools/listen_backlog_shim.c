/* Diagnostic of bench/run.sh, never used by the emulator itself: an LD_PRELOAD shim that
 * turns every listen(fd, n) into listen(fd, 4096). Debian's libcpp-httplib 0.11 is compiled
 * with CPPHTTPLIB_LISTEN_BACKLOG 5, so the emulator's listening socket queues at most 5
 * connections not yet accepted; the run measures 1,000 concurrent streams with and without
 * this shim to show what that queue costs. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/socket.h>

int listen(int fd, int backlog) {
  static int (*real_listen)(int, int);
  if (!real_listen) real_listen = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
  (void)backlog;
  return real_listen(fd, 4096);
}
