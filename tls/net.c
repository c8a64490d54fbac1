// Blocking TCP connections with a deadline (see tls_internal.h).

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tls/tls_internal.h"

double tls__now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int tls__wait_fd(int fd, short events, double deadline) {
  for (;;) {
    double left = deadline - tls__now();
    if (left <= 0) {
      return 0;
    }
    struct pollfd pfd = {fd, events, 0};
    int r = poll(&pfd, 1, (int)(left * 1000) + 1);
    if (r > 0) {
      return 1;
    }
    if (r < 0 && errno != EINTR) {
      return 0;
    }
  }
}

static int connect_addr(const struct sockaddr *sa, socklen_t len, double deadline, int *out_errno) {
  int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    *out_errno = errno;
    return -1;
  }
  if (connect(fd, sa, len) == 0) {
    return fd;
  }
  if (errno != EINPROGRESS) {
    *out_errno = errno;
    close(fd);
    return -1;
  }
  if (!tls__wait_fd(fd, POLLOUT, deadline)) {
    *out_errno = ETIMEDOUT;
    close(fd);
    return -1;
  }
  int soerr = 0;
  socklen_t soerr_len = sizeof(soerr);
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &soerr_len);
  if (soerr != 0) {
    *out_errno = soerr;
    close(fd);
    return -1;
  }
  return fd;
}

int tls__connect(const char *host, uint16_t port, const char *addr, double deadline, char *detail, size_t detail_len,
                 char *peer, size_t peer_len) {
  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype = SOCK_STREAM;
  if (addr != NULL) {
    hints.ai_flags = AI_NUMERICHOST;
  }
  char port_text[8];
  snprintf(port_text, sizeof(port_text), "%u", port);
  struct addrinfo *res = NULL;
  const char *node = addr != NULL ? addr : host;
  int gai = getaddrinfo(node, port_text, &hints, &res);
  if (gai != 0) {
    snprintf(detail, detail_len, "%s: %s", node, gai_strerror(gai));
    return TLS_ERESOLVE;
  }
  int fd = -1, err = 0;
  for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
    fd = connect_addr(ai->ai_addr, ai->ai_addrlen, deadline, &err);
    if (fd >= 0 && peer != NULL) {
      char text[INET6_ADDRSTRLEN] = "?";
      getnameinfo(ai->ai_addr, ai->ai_addrlen, text, sizeof(text), NULL, 0, NI_NUMERICHOST);
      snprintf(peer, peer_len, ai->ai_family == AF_INET6 ? "[%s]:%u" : "%s:%u", text, port);
    }
  }
  freeaddrinfo(res);
  if (fd < 0) {
    snprintf(detail, detail_len, "%s port %u: %s", node, port, strerror(err));
    return TLS_ECONNECT;
  }
  return fd;
}
