// One live client handshake towards an origin, recording what it sends:
// the chain exactly as sent (custom verify that records and continues), the
// negotiated parameters, and any alert, including one sent after the
// handshake (TLS 1.3 servers reject a missing client certificate then).

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/bytestring.h>
#include <openssl/err.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tls/tls.h"

typedef struct {
  tls_probe_result_t *result;
  int alert;
  int handshake_done;
  int alert_after_handshake;
} probe_state_t;

static int g_state_index = -1;
static pthread_once_t g_state_once = PTHREAD_ONCE_INIT;

static void state_index_init(void) { g_state_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL); }

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum ssl_verify_result_t record_chain(SSL *ssl, uint8_t *out_alert) {
  (void)out_alert;
  probe_state_t *st = SSL_get_ex_data(ssl, g_state_index);
  const STACK_OF(CRYPTO_BUFFER) *peer = SSL_get0_peer_certificates(ssl);
  for (size_t i = 0; peer != NULL && i < sk_CRYPTO_BUFFER_num(peer); i++) {
    const CRYPTO_BUFFER *buf = sk_CRYPTO_BUFFER_value(peer, i);
    // A certificate that does not parse is dropped here and the rest kept:
    // the verdict then reports what is missing.
    inspect_chain_add_der(st->result->chain, CRYPTO_BUFFER_data(buf), CRYPTO_BUFFER_len(buf));
  }
  return ssl_verify_ok;  // record, never reject: inspect judges
}

static void on_info(const SSL *ssl, int where, int value) {
  if ((where & SSL_CB_ALERT) && (where & SSL_CB_READ) && (value & 0xff) != SSL_AD_CLOSE_NOTIFY) {
    probe_state_t *st = SSL_get_ex_data(ssl, g_state_index);
    st->alert = value & 0xff;
    st->alert_after_handshake = st->handshake_done;
  }
}

static int on_cert_request(SSL *ssl, void *arg) {
  (void)arg;
  probe_state_t *st = SSL_get_ex_data(ssl, g_state_index);
  st->result->cert_requested = 1;
  return 1;
}

static int set_alpn(SSL *ssl, const char *list) {
  uint8_t wire[256];
  size_t len = 0;
  const char *p = list;
  while (*p != '\0') {
    size_t n = strcspn(p, ",");
    if (n == 0 || n > 255 || len + 1 + n > sizeof(wire)) {
      return 0;
    }
    wire[len++] = (uint8_t)n;
    memcpy(wire + len, p, n);
    len += n;
    p += n + (p[n] == ',');
  }
  return len == 0 || SSL_set_alpn_protos(ssl, wire, len) == 0;
}

// wait_fd waits until `fd` is ready for `events` or the deadline passes.
static int wait_fd(int fd, short events, double deadline) {
  for (;;) {
    double left = deadline - now_seconds();
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
  if (!wait_fd(fd, POLLOUT, deadline)) {
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

static int open_connection(const tls_probe_config_t *cfg, double deadline, tls_probe_result_t *out) {
  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype = SOCK_STREAM;
  if (cfg->connect_addr != NULL) {
    hints.ai_flags = AI_NUMERICHOST;
  }
  char port[8];
  snprintf(port, sizeof(port), "%u", cfg->port);
  struct addrinfo *res = NULL;
  const char *node = cfg->connect_addr != NULL ? cfg->connect_addr : cfg->host;
  int gai = getaddrinfo(node, port, &hints, &res);
  if (gai != 0) {
    snprintf(out->detail, sizeof(out->detail), "%s: %s", node, gai_strerror(gai));
    return TLS_ERESOLVE;
  }
  int fd = -1, err = 0;
  for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
    fd = connect_addr(ai->ai_addr, ai->ai_addrlen, deadline, &err);
    if (fd >= 0) {
      char host[INET6_ADDRSTRLEN] = "?";
      getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), NULL, 0, NI_NUMERICHOST);
      snprintf(out->peer, sizeof(out->peer), ai->ai_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, cfg->port);
    }
  }
  freeaddrinfo(res);
  if (fd < 0) {
    snprintf(out->detail, sizeof(out->detail), "%s port %u: %s", node, cfg->port, strerror(err));
    return TLS_ECONNECT;
  }
  return fd;
}

// classify turns a failed handshake into the status inspect judges.
static void classify(SSL *ssl, int ssl_err, const probe_state_t *st, int timed_out, tls_probe_result_t *out) {
  inspect_handshake_t *hs = &out->handshake;
  uint32_t packed = ERR_peek_error();
  const char *reason = packed != 0 ? ERR_reason_error_string(packed) : NULL;
  if (st->alert >= 0) {
    hs->status = INSPECT_HS_ALERT;
    hs->alert = st->alert;
    snprintf(out->detail, sizeof(out->detail), "%s", reason != NULL ? reason : "fatal alert");
  } else if (timed_out) {
    hs->status = INSPECT_HS_TIMEOUT;
    snprintf(out->detail, sizeof(out->detail), "no handshake after the timeout");
  } else if (ssl_err == SSL_ERROR_SYSCALL || ssl_err == SSL_ERROR_ZERO_RETURN || packed == 0) {
    hs->status = INSPECT_HS_CLOSED;
    snprintf(out->detail, sizeof(out->detail), "%s", errno == ECONNRESET ? "connection reset by peer"
                                                                          : "connection closed by peer");
  } else {
    hs->status = INSPECT_HS_PROTOCOL;
    snprintf(out->detail, sizeof(out->detail), "%s", reason != NULL ? reason : "handshake failure");
  }
  (void)ssl;
  ERR_clear_error();
}

// drive runs `op` (handshake or read) until it completes, fails or times out.
static int drive(SSL *ssl, int fd, double deadline, int (*op)(SSL *), int *out_err, int *timed_out) {
  for (;;) {
    int r = op(ssl);
    if (r > 0) {
      return 1;
    }
    int e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (!wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
        *timed_out = 1;
        *out_err = e;
        return 0;
      }
      continue;
    }
    *out_err = e;
    return 0;
  }
}

static int read_one(SSL *ssl) {
  uint8_t byte;
  return SSL_peek(ssl, &byte, 1);
}

int tls_probe_run(const tls_probe_config_t *cfg, tls_probe_result_t *out) {
  pthread_once(&g_state_once, state_index_init);
  memset(out, 0, sizeof(*out));
  out->handshake.alert = -1;
  out->handshake.detail = out->detail;
  out->chain = inspect_chain_new();
  if (out->chain == NULL) {
    return TLS_ENOMEM;
  }
  double deadline = now_seconds() + (cfg->timeout > 0 ? cfg->timeout : 10);
  int fd = open_connection(cfg, deadline, out);
  if (fd < 0) {
    return fd;
  }
  SSL_CTX *ctx = SSL_CTX_new(TLS_with_buffers_method());
  SSL *ssl = ctx != NULL ? SSL_new(ctx) : NULL;
  if (ssl == NULL) {
    SSL_CTX_free(ctx);
    close(fd);
    return TLS_ENOMEM;
  }
  probe_state_t st = {out, -1, 0, 0};
  SSL_set_ex_data(ssl, g_state_index, &st);
  SSL_set_min_proto_version(ssl, TLS1_2_VERSION);
  SSL_set_max_proto_version(ssl, TLS1_3_VERSION);
  SSL_set_custom_verify(ssl, SSL_VERIFY_PEER, record_chain);
  SSL_set_info_callback(ssl, on_info);
  SSL_set_cert_cb(ssl, on_cert_request, NULL);
  if (cfg->client_chain != NULL && cfg->client_key != NULL) {
    out->client_cert_sent = SSL_set_chain_and_key(ssl, cfg->client_chain, cfg->client_chain_len, cfg->client_key, NULL);
  }
  if (cfg->sni != NULL) {
    SSL_set_tlsext_host_name(ssl, cfg->sni);
  }
  if (cfg->alpn != NULL) {
    set_alpn(ssl, cfg->alpn);
  }
  SSL_set_fd(ssl, fd);
  SSL_set_connect_state(ssl);
  int ssl_err = 0, timed_out = 0;
  if (drive(ssl, fd, deadline, SSL_do_handshake, &ssl_err, &timed_out)) {
    st.handshake_done = 1;
    out->handshake.status = INSPECT_HS_OK;
    snprintf(out->version, sizeof(out->version), "%s", SSL_get_version(ssl));
    const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
    snprintf(out->cipher, sizeof(out->cipher), "%s", cipher != NULL ? SSL_CIPHER_standard_name(cipher) : "");
    const uint8_t *alpn;
    unsigned alpn_len;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    snprintf(out->alpn, sizeof(out->alpn), "%.*s", (int)alpn_len, (const char *)alpn);
    if (out->cert_requested && !out->client_cert_sent) {
      // A TLS 1.3 server learns only now that we sent no certificate; its
      // alert follows at once. Wait briefly for it.
      double wait = deadline - now_seconds();
      drive(ssl, fd, now_seconds() + (wait < 2 ? wait : 2), read_one, &ssl_err, &timed_out);
      if (st.alert >= 0) {
        out->handshake.alert = st.alert;
        out->handshake.alert_after_handshake = 1;
        snprintf(out->detail, sizeof(out->detail), "the origin requested a client certificate and none was sent");
      }
    }
    ERR_clear_error();
  } else {
    classify(ssl, ssl_err, &st, timed_out, out);
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  close(fd);
  return TLS_OK;
}

void tls_probe_result_cleanup(tls_probe_result_t *result) {
  inspect_chain_free(result->chain);
  result->chain = NULL;
}
