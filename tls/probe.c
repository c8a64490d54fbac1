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

#include "tls/tls_internal.h"

typedef struct {
  tls_probe_result_t *result;
  int alert;
  int handshake_done;
  int alert_after_handshake;
  inspect_chain_t *sent;  // the chain read from the origin's Certificate message
} probe_state_t;

static int g_state_index = -1;
static pthread_once_t g_state_once = PTHREAD_ONCE_INIT;

static void state_index_init(void) { g_state_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL); }

static enum ssl_verify_result_t record_chain(SSL *ssl, uint8_t *out_alert) {
  (void)out_alert;
  probe_state_t *st = SSL_get_ex_data(ssl, g_state_index);
  const STACK_OF(CRYPTO_BUFFER) *peer = SSL_get0_peer_certificates(ssl);
  for (size_t i = 0; peer != NULL && i < sk_CRYPTO_BUFFER_num(peer); i++) {
    const CRYPTO_BUFFER *buf = sk_CRYPTO_BUFFER_value(peer, i);
    // A certificate that does not parse is dropped and the rest kept: the
    // report names it (DROPPED_CERT) and the verdict says what is missing.
    inspect_chain_add_sent(st->result->chain, CRYPTO_BUFFER_data(buf), CRYPTO_BUFFER_len(buf));
  }
  return ssl_verify_ok;  // record, never reject: inspect judges
}

// on_message keeps the chain of the origin's Certificate message. BoringSSL
// checks the leaf's key usage while it processes that message (TLS 1.3:
// KEY_USAGE_BIT_INCORRECT for a leaf without digitalSignature), before the
// verify callback runs; the chain is then known only from here.
static void on_message(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl, void *arg) {
  (void)version;
  (void)arg;
  probe_state_t *st = SSL_get_ex_data(ssl, g_state_index);
  tls_certificate_msg_keep(ssl, write_p, content_type, buf, len, st->sent);
}

// own_limit turns a handshake that tlsmirror's own BoringSSL aborted after
// the origin sent its chain (which clients built on other libraries accept
// or judge themselves) into a completed one with that chain, saying so.
static void own_limit(probe_state_t *st, uint32_t packed, tls_probe_result_t *out) {
  const char *limit = tls_own_limit(packed);
  if (limit == NULL || st->alert >= 0 || inspect_chain_num(out->chain) > 0 || inspect_chain_num(st->sent) == 0) {
    return;
  }
  inspect_chain_free(out->chain);
  out->chain = st->sent;
  st->sent = NULL;
  out->handshake.status = INSPECT_HS_OK;
  snprintf(out->limit, sizeof(out->limit), "%s", limit);
  out->handshake.own_limit = out->limit;
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
    snprintf(out->detail, sizeof(out->detail), "%s",
             errno == ECONNRESET ? "connection reset by peer" : "connection closed by peer");
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
      if (!tls__wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
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
  double deadline = tls__now() + (cfg->timeout > 0 ? cfg->timeout : 10);
  int fd = tls__connect(cfg->host, cfg->port, cfg->connect_addr, deadline, out->detail, sizeof(out->detail), out->peer,
                        sizeof(out->peer));
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
  probe_state_t st = {out, -1, 0, 0, inspect_chain_new()};
  if (st.sent == NULL) {
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    return TLS_ENOMEM;
  }
  SSL_set_ex_data(ssl, g_state_index, &st);
  SSL_set_msg_callback(ssl, on_message);
  SSL_set_min_proto_version(ssl, TLS1_2_VERSION);
  SSL_set_max_proto_version(ssl, TLS1_3_VERSION);
  if (cfg->spec != NULL) {
    (void)tls_hello_spec_apply(ssl, cfg->spec, NULL);  // what it cannot offer keeps BoringSSL's defaults
  }
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
    out->version_id = (uint16_t)SSL_version(ssl);
    out->cipher_id = cipher != NULL ? SSL_CIPHER_get_protocol_id(cipher) : 0;
    out->group_id = SSL_get_curve_id(ssl);
    const uint8_t *alpn;
    unsigned alpn_len;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    snprintf(out->alpn, sizeof(out->alpn), "%.*s", (int)alpn_len, (const char *)alpn);
    if (out->cert_requested && !out->client_cert_sent) {
      // A TLS 1.3 server learns only now that we sent no certificate; its
      // alert follows at once. Wait briefly for it.
      double wait = deadline - tls__now();
      drive(ssl, fd, tls__now() + (wait < 2 ? wait : 2), read_one, &ssl_err, &timed_out);
      if (st.alert >= 0) {
        out->handshake.alert = st.alert;
        out->handshake.alert_after_handshake = 1;
        snprintf(out->detail, sizeof(out->detail), "the origin requested a client certificate and none was sent");
      }
    }
    ERR_clear_error();
  } else {
    uint32_t packed = ERR_peek_error();
    classify(ssl, ssl_err, &st, timed_out, out);
    own_limit(&st, packed, out);
  }
  inspect_chain_free(st.sent);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  close(fd);
  return TLS_OK;
}

void tls_probe_result_cleanup(tls_probe_result_t *result) {
  inspect_chain_free(result->chain);
  result->chain = NULL;
}
