// The client leg: the ClientHello (what the origin leg mirrors and what the
// record says about it), the chain or alert the client's handshake gets,
// and the bytes it sends once established (HTTP/1.1 watched request by
// request, anything else relayed raw).

#include <openssl/bytestring.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>
#include <openssl/nid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/conn_internal.h"

// copy_offer copies the non-GREASE values of `in` into `out` (at most `max`).
static size_t copy_offer(uint16_t *out, size_t max, const uint16_t *in, size_t num) {
  size_t n = 0;
  for (size_t i = 0; i < num && n < max; i++) {
    if (!tls_hello_is_grease(in[i])) {
      out[n++] = in[i];
    }
  }
  return n;
}

static int offered(const uint16_t *list, size_t num, uint16_t value) {
  for (size_t i = 0; i < num; i++) {
    if (list[i] == value) {
      return 1;
    }
  }
  return 0;
}

// keep_raw keeps the ClientHello record as the client sent it, rebuilt
// around its body (record and handshake headers), for a replay to the origin.
static void keep_raw(conn_hello_t *hello, const uint8_t *body, size_t len) {
  if (len + 4 > 16384 || (hello->raw = malloc(len + 9)) == NULL) {
    return;  // more than one record: it is not replayed
  }
  uint8_t *r = hello->raw;
  size_t rec = len + 4;
  const uint8_t head[9] = {
      22, 3, 1, (uint8_t)(rec >> 8), (uint8_t)rec, 1, (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
  memcpy(r, head, sizeof(head));
  memcpy(r + 9, body, len);
  hello->raw_len = len + 9;
}

// capture_hello keeps what the origin leg mirrors (SNI, ALPN, versions) and
// renders what the record says about the ClientHello now, so the full
// summary need not stay in memory for the connection's life.
static void capture_hello(conn_hello_t *hello, const SSL_CLIENT_HELLO *client_hello) {
  hello->min_version = TLS1_VERSION;
  hello->max_version = TLS1_3_VERSION;
  tls_hello_t *h = malloc(sizeof(*h));
  if (h == NULL || tls_hello_parse(client_hello->client_hello, client_hello->client_hello_len, h) != TLS_OK) {
    free(h);
    return;  // BoringSSL parsed it already; offer the widest range and no extras
  }
  keep_raw(hello, client_hello->client_hello, client_hello->client_hello_len);
  hello->has_sni = h->has_sni;
  memcpy(hello->sni, h->sni, sizeof(hello->sni));
  memcpy(hello->alpn_wire, h->alpn_wire, h->alpn_wire_len);
  hello->alpn_wire_len = h->alpn_wire_len;
  hello->num_ciphers = copy_offer(hello->ciphers, 64, h->ciphers, h->num_ciphers);
  hello->num_groups = copy_offer(hello->groups, 32, h->groups, h->num_groups);
  hello->num_sigalgs = copy_offer(hello->sigalgs, 32, h->sigalgs, h->num_sigalgs);
  if (h->max_version != 0) {
    // Without supported_versions a client states no minimum: keep the floor.
    hello->min_version = h->num_versions > 0 && h->min_version >= TLS1_VERSION ? h->min_version : TLS1_VERSION;
    hello->max_version = h->max_version > TLS1_3_VERSION ? TLS1_3_VERSION : h->max_version;
  }
  inspect_buf_t *j = &hello->json;
  inspect_buf_printf(j, "\"ja3\":\"%s\",\"ja4\":\"%s\",\"supported_ciphers\":[", h->ja3, h->ja4);
  for (size_t i = 0, n = 0; i < h->num_ciphers; i++) {
    if (tls_hello_is_grease(h->ciphers[i])) {
      continue;
    }
    const char *name = tls_cipher_name(h->ciphers[i]);
    if (name != NULL) {
      inspect_buf_printf(j, "%s\"%s\"", n++ ? "," : "", name);
    } else {
      inspect_buf_printf(j, "%s\"0x%04x\"", n++ ? "," : "", h->ciphers[i]);
    }
  }
  inspect_buf_puts(j, "]");
  inspect_buf_t *k = &hello->extra;
  inspect_buf_puts(k, "\"versions\":[");
  for (size_t i = 0, n = 0; i < h->num_versions; i++) {
    const char *name = tls_version_name(h->versions[i]);
    if (!tls_hello_is_grease(h->versions[i]) && name != NULL) {
      inspect_buf_printf(k, "%s\"%s\"", n++ ? "," : "", name);
    }
  }
  inspect_buf_puts(k, "],\"groups\":[");
  for (size_t i = 0, n = 0; i < h->num_groups; i++) {
    const char *name = tls_group_name(h->groups[i]);
    if (!tls_hello_is_grease(h->groups[i])) {
      if (name != NULL) {
        inspect_buf_printf(k, "%s\"%s\"", n++ ? "," : "", name);
      } else {
        inspect_buf_printf(k, "%s\"0x%04x\"", n++ ? "," : "", h->groups[i]);
      }
    }
  }
  inspect_buf_puts(k, "],\"alpn\":[");
  CBS list, proto;
  CBS_init(&list, h->alpn_wire, h->alpn_wire_len);
  for (size_t n = 0; CBS_get_u8_length_prefixed(&list, &proto); n++) {
    inspect_buf_puts(k, n ? "," : "");
    inspect_buf_json_string_len(k, (const char *)CBS_data(&proto), CBS_len(&proto));
  }
  inspect_buf_printf(k, "],\"extensions\":%zu", h->num_extensions);
  free(h);
}

// sigalg_fits_key says whether tlsmirror can sign with `sigalg` using `key`
// at `version`: the key type must match, and in TLS 1.3 an ECDSA scheme
// names its curve.
static int sigalg_fits_key(uint16_t sigalg, EVP_PKEY *key, uint16_t version) {
  if (SSL_get_signature_algorithm_key_type(sigalg) != EVP_PKEY_id(key)) {
    return 0;
  }
  if (EVP_PKEY_id(key) != EVP_PKEY_EC || version < TLS1_3_VERSION) {
    return 1;
  }
  int nid = EC_GROUP_get_curve_name(EC_KEY_get0_group(EVP_PKEY_get0_EC_KEY(key)));
  return (sigalg == SSL_SIGN_ECDSA_SECP256R1_SHA256 && nid == NID_X9_62_prime256v1) ||
         (sigalg == SSL_SIGN_ECDSA_SECP384R1_SHA384 && nid == NID_secp384r1) ||
         (sigalg == SSL_SIGN_ECDSA_SECP521R1_SHA512 && nid == NID_secp521r1);
}

// mirror_origin_choice makes the client's handshake end where the origin's
// did: the same protocol version, TLS 1.2 suite, group and signature
// algorithm, each when the client offered it (the origin chose from what
// tlsmirror offered, which may be less than the client's offer; BoringSSL
// chooses TLS 1.3 suites itself). A client that advertises what it then
// refuses (curl offers TLS 1.0 but refuses it) fails as it would direct.
static void mirror_origin_choice(proxy_conn_t *conn, SSL *ssl) {
  const conn_origin_t *origin = &conn->origin;
  const conn_hello_t *hello = &conn->hello;
  if (origin->version_id == 0) {
    return;
  }
  SSL_set_min_proto_version(ssl, origin->version_id);
  SSL_set_max_proto_version(ssl, origin->version_id);
  if (origin->version_id <= TLS1_2_VERSION && offered(hello->ciphers, hello->num_ciphers, origin->cipher_id)) {
    const SSL_CIPHER *cipher = SSL_get_cipher_by_value(origin->cipher_id);
    if (cipher != NULL) {
      SSL_set_strict_cipher_list(ssl, SSL_CIPHER_get_name(cipher));
    }
  }
  const char *group = origin->group != 0 && offered(hello->groups, hello->num_groups, origin->group)
                          ? SSL_get_curve_name(origin->group)
                          : NULL;
  if (group != NULL) {
    SSL_set1_curves_list(ssl, group);
  }
  if (origin->sigalg != 0 && origin->version_id >= TLS1_2_VERSION &&
      offered(hello->sigalgs, hello->num_sigalgs, origin->sigalg) &&
      sigalg_fits_key(origin->sigalg, conn->client.identity.key, origin->version_id)) {
    SSL_set_signing_algorithm_prefs(ssl, &origin->sigalg, 1);
  }
}

static enum ssl_select_cert_result_t on_select_certificate(const SSL_CLIENT_HELLO *hello) {
  proxy_sio_t *sio = SSL_get_app_data(hello->ssl);
  proxy_conn_t *conn = sio->data;
  conn_client_t *client = &conn->client;
  if (client->state == CLIENT_AWAIT_HELLO) {
    capture_hello(&conn->hello, hello);
    conn_client_set_state(conn, CLIENT_HELD);
    return ssl_select_cert_retry;  // on_client_paused starts the origin leg
  }
  switch (client->serve) {
    case SERVE_NOTHING: return ssl_select_cert_retry;  // the origin leg has no result yet
    case SERVE_ALERT: return ssl_select_cert_success;  // on_servername sends the alert
    case SERVE_MIRROR:
      mirror_origin_choice(conn, hello->ssl);
      // fall through
    case SERVE_STANDIN:
    case SERVE_FIXED:
      if (!SSL_set_chain_and_key(hello->ssl, client->identity.chain, client->identity.chain_len, client->identity.key,
                                 NULL)) {
        return ssl_select_cert_error;
      }
      return ssl_select_cert_success;
  }
  return ssl_select_cert_error;
}

// on_servername runs after certificate selection: the place where BoringSSL
// lets a server choose which fatal alert to send.
static int on_servername(SSL *ssl, int *out_alert, void *arg) {
  (void)arg;
  proxy_sio_t *sio = SSL_get_app_data(ssl);
  proxy_conn_t *conn = sio->data;
  if (conn->client.serve == SERVE_ALERT) {
    *out_alert = conn->client.fail_alert;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  return SSL_TLSEXT_ERR_OK;
}

// on_select_alpn gives the client the protocol the origin chose.
static int on_select_alpn(SSL *ssl, const uint8_t **out, uint8_t *out_len, const uint8_t *in, unsigned in_len,
                          void *arg) {
  (void)arg;
  proxy_sio_t *sio = SSL_get_app_data(ssl);
  proxy_conn_t *conn = sio->data;
  const char *want = conn->answer != ANSWER_NONE ? "http/1.1" : conn->origin.alpn;
  size_t want_len = strlen(want);
  CBS list, proto;
  CBS_init(&list, in, in_len);
  while (want_len > 0 && CBS_get_u8_length_prefixed(&list, &proto)) {
    if (CBS_len(&proto) == want_len && memcmp(CBS_data(&proto), want, want_len) == 0) {
      *out = CBS_data(&proto);
      *out_len = (uint8_t)want_len;
      return SSL_TLSEXT_ERR_OK;
    }
  }
  return SSL_TLSEXT_ERR_NOACK;
}

// conn_client_resume lets the client's handshake go on with what it was
// chosen to get.
void conn_client_resume(proxy_conn_t *conn) {
  conn_client_set_state(conn, CLIENT_FINISHING);
  if (conn->client.serve == SERVE_ALERT && conn->client.fail_alert < 0) {
    conn->close_reason = "the origin closed the connection during the handshake; so does tlsmirror";
    conn_close(conn);
    return;
  }
  proxy_sio_resume(&conn->client_sio);
}

static void on_client_paused(proxy_sio_t *sio) {
  proxy_conn_t *conn = sio->data;
  if (conn->client.state == CLIENT_HELD && conn->origin.state == ORIGIN_NOT_STARTED) {
    conn_origin_start(conn);
  }
}

// conn_client_pass_alert sends the client the origin's post-handshake alert.
void conn_client_pass_alert(proxy_conn_t *conn) {
  SSL_send_fatal_alert(conn->client_sio.ssl, (uint8_t)conn->origin.pending_alert);
  if (conn->close_reason == NULL) {
    conn->close_reason = "the origin sent a fatal alert after the handshake";
  }
  proxy_sio_close_after_flush(&conn->client_sio);
}

// HTTP sink: what the client sends, towards the origin.
static void http_forward(void *arg, const uint8_t *data, size_t len) {
  proxy_conn_t *conn = arg;
  conn->bytes_to_origin += len;
  proxy_metrics_add(&conn_metrics(conn)->bytes_to_origin, (int64_t)len);
  proxy_sio_write(&conn->upstream, data, len);
  if (conn->upstream.above_high_water) {
    proxy_sio_read_stop(&conn->client_sio);
  }
}

static int http_on_head(void *arg, proxy_http_t *http) {
  (void)http;
  proxy_conn_t *conn = arg;
  proxy_metrics_add(&conn_metrics(conn)->requests_total, 1);
  if (conn->answer != ANSWER_NONE) {
    conn_answer(conn);
    return 1;
  }
  return 0;
}

static void http_on_too_large(void *arg) {
  proxy_conn_t *conn = arg;
  static const char kResponse[] =
      "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain\r\nContent-Length: 43\r\n"
      "Connection: close\r\n\r\ntlsmirror: the request head is over the limit\n";
  conn->close_reason = "request head over --max-header";
  conn->http.status = 431;
  proxy_sio_write(&conn->client_sio, kResponse, sizeof(kResponse) - 1);
  proxy_sio_shutdown(&conn->client_sio);
}

static void http_reject(void *arg, int status, const char *response, size_t len, const char *why) {
  proxy_conn_t *conn = arg;
  conn->close_reason = why;
  conn->http.status = conn->http.status != 0 ? conn->http.status : status;
  proxy_sio_write(&conn->client_sio, response, len);
  proxy_sio_shutdown(&conn->client_sio);
}

const proxy_http_sink_t conn_http_sink = {
    .forward = http_forward,
    .on_head = http_on_head,
    .on_too_large = http_on_too_large,
    .reject = http_reject,
};

// describe_refused_hello says what was wrong with a ClientHello BoringSSL
// refused before any callback ran, when tlsmirror can read it, or NULL.
static const char *describe_refused_hello(const proxy_sio_t *sio) {
  const uint8_t *rec = sio->first_record;
  size_t len = sio->first_record_have;
  if (rec == NULL || len < 4 || len != sio->first_record_len || rec[0] != 1) {
    return NULL;
  }
  size_t body_len = (size_t)rec[1] << 16 | (size_t)rec[2] << 8 | rec[3];
  tls_hello_t *h = malloc(sizeof(*h));
  const char *why = NULL;
  if (h != NULL && body_len + 4 <= len && tls_hello_parse(rec + 4, body_len, h) == TLS_OK) {
    int sni_extension = 0;
    for (size_t i = 0; i < h->num_extensions; i++) {
      sni_extension |= h->extensions[i] == 0;
    }
    why = sni_extension && !h->has_sni
              ? "its server_name is not a usable host name (empty, over 255 bytes, or with a NUL byte); OpenSSL "
                "servers refuse it too"
              : "tlsmirror reads it, but its TLS library does not accept it";
  }
  free(h);
  return why;
}

// The client's handshake ended.
static void client_failed(proxy_conn_t *conn, proxy_sio_t *sio) {
  proxy_metrics_t *m = conn_metrics(conn);
  // A client speaking plain HTTP to the TLS port gets a readable answer
  // (a GET of a mirrored AIA URL, what it stands for).
  if (strstr(sio->tls_error, "HTTP_REQUEST") != NULL || strstr(sio->tls_error, "HTTPS_PROXY_REQUEST") != NULL) {
    conn_client_set_state(conn, CLIENT_PLAIN_HTTP);
    proxy_metrics_add(&m->handshakes[PROXY_SIDE_CLIENT][PROXY_HS_NOT_TLS], 1);
    conn_plain_http(conn);
  } else {
    if (conn->client.state != CLIENT_AWAIT_HELLO) {
      conn_client_set_state(conn, CLIENT_FAILED);  // (no ClientHello stays CLIENT_AWAIT_HELLO)
    } else {
      conn->client.hello_refused = describe_refused_hello(sio);
    }
    proxy_metrics_add(&m->handshakes[PROXY_SIDE_CLIENT][sio->alert_received >= 0       ? PROXY_HS_ALERT
                                                        : sio->error == PROXY_SIO_ETLS ? PROXY_HS_ERROR
                                                                                       : PROXY_HS_CLOSED],
                      1);
  }
  if (conn->origin.stream == STREAM_OPEN) {
    proxy_sio_shutdown(&conn->upstream);
  }
  // The client stream closes itself.
}

static void on_client_handshake(proxy_sio_t *sio, int ok) {
  proxy_conn_t *conn = sio->data;
  const proxy_config_t *cfg = conn_cfg(conn);
  if (cfg->client_auth != PROXY_CLIENT_AUTH_NONE) {
    // Judge the client's chain once the handshake got that far: it completed,
    // or failed because a required certificate was missing.
    int missing = !ok && inspect_chain_num(conn->client.chain) == 0 && cfg->client_auth == PROXY_CLIENT_AUTH_REQUIRE &&
                  (sio->alert_sent == SSL_AD_CERTIFICATE_REQUIRED || sio->alert_sent == SSL_AD_HANDSHAKE_FAILURE);
    if (ok || missing) {
      conn_mtls_judge(conn);
    }
  }
  if (!ok) {
    client_failed(conn, sio);
    return;
  }
  conn_client_t *client = &conn->client;
  proxy_metrics_add(&conn_metrics(conn)->handshakes[PROXY_SIDE_CLIENT][PROXY_HS_OK], 1);
  snprintf(client->version, sizeof(client->version), "%s", SSL_get_version(sio->ssl));
  const SSL_CIPHER *cipher = SSL_get_current_cipher(sio->ssl);
  snprintf(client->cipher, sizeof(client->cipher), "%s", cipher != NULL ? SSL_CIPHER_standard_name(cipher) : "");
  const uint8_t *alpn;
  unsigned alpn_len;
  SSL_get0_alpn_selected(sio->ssl, &alpn, &alpn_len);
  snprintf(client->alpn, sizeof(client->alpn), "%.*s", (int)alpn_len, (const char *)alpn);
  client->group = SSL_get_curve_id(sio->ssl);
  // HTTP/1.1 (or no ALPN) is watched request by request; anything else is
  // relayed raw, and HTTP/2 decoded passively on the side.
  if (client->alpn[0] != '\0' && strcmp(client->alpn, "http/1.1") != 0) {
    proxy_http_set_raw(&conn->http);
  }
  if (strcmp(client->alpn, "h2") == 0 && conn->answer == ANSWER_NONE) {
    conn->h2 = malloc(sizeof(*conn->h2));
    if (conn->h2 != NULL) {
      proxy_h2_limits_t limits = {.redact = !conn_cfg(conn)->log_headers_unredacted};
      proxy_h2_init(conn->h2, &limits);
    }
  }
  conn_mtls_apply(conn);
  conn_client_set_state(conn, CLIENT_ESTABLISHED);
  if (conn->early.len > 0) {
    conn_origin_observe(conn, (const uint8_t *)conn->early.data, conn->early.len);
    conn->bytes_to_client += conn->early.len;
    proxy_sio_write(sio, conn->early.data, conn->early.len);
    inspect_buf_cleanup(&conn->early);
  }
  conn_request_deadlines(conn);  // the first request's first byte
  if (conn->origin.pending_alert >= 0) {
    conn_client_pass_alert(conn);
  } else if (conn->origin.stream == STREAM_CLOSED && conn->answer == ANSWER_NONE) {
    proxy_sio_shutdown(sio);  // the origin is already gone
  } else if (conn->origin.stream == STREAM_OPEN && !conn->upstream.closing) {
    proxy_sio_read_start(&conn->upstream);
  }
}

static void on_client_data(proxy_sio_t *sio, const uint8_t *data, size_t len) {
  proxy_conn_t *conn = sio->data;
  uv_timer_again(&conn->timer);
  if (conn->answer == ANSWER_NONE && (conn->origin.stream != STREAM_OPEN || conn->upstream.closing)) {
    return;  // the origin is gone: nothing to forward to
  }
  if (conn->h2 != NULL) {
    proxy_h2_feed(conn->h2, PROXY_H2_FROM_CLIENT, data, len);
  }
  proxy_http_request_feed(&conn->http, data, len);
  conn_request_deadlines(conn);
}

static void on_client_eof(proxy_sio_t *sio) {
  proxy_conn_t *conn = sio->data;
  if (conn->h2 != NULL && conn->origin.stream == STREAM_OPEN) {
    // HTTP/2 ends a conversation with GOAWAY, not with half a connection:
    // the client leaving means it is over, though the origin may keep its
    // side open after its own GOAWAY.
    proxy_sio_shutdown(&conn->upstream);
    proxy_sio_shutdown(sio);
  } else if (conn->origin.stream == STREAM_OPEN && conn->upstream.handshake_done && !conn->upstream.closing) {
    proxy_sio_close_notify(&conn->upstream);  // the client is done; keep relaying the origin's answer
  } else {
    proxy_sio_shutdown(sio);
  }
}

static void on_client_drained(proxy_sio_t *sio) {
  proxy_conn_t *conn = sio->data;
  if (conn->origin.stream == STREAM_OPEN) {
    proxy_sio_read_start(&conn->upstream);
  }
}

static void on_client_close(proxy_sio_t *sio) {
  proxy_conn_t *conn = sio->data;
  if (conn->origin.stream == STREAM_OPEN && !conn->upstream.closing) {
    proxy_sio_shutdown(&conn->upstream);
  }
  conn_close_timers(conn);
  conn_release(conn);
}

const proxy_sio_callbacks_t conn_client_callbacks = {
    .on_handshake = on_client_handshake,
    .on_paused = on_client_paused,
    .on_data = on_client_data,
    .on_eof = on_client_eof,
    .on_drained = on_client_drained,
    .on_close = on_client_close,
};

// The worker's TLS contexts: the client-facing one and the upstream one.
static void on_keylog(const SSL *ssl, const char *line) {
  proxy_sio_t *sio = SSL_get_app_data(ssl);
  proxy_conn_t *conn = sio->data;
  proxy_server_t *server = conn->worker->server;
  char buf[512];
  int n = snprintf(buf, sizeof(buf), "%s\n", line);
  if (n > 0 && (size_t)n < sizeof(buf)) {
    proxy_log_write(&server->keylog, buf, (size_t)n);
  }
}

int proxy_worker_contexts(proxy_worker_t *worker) {
  proxy_server_t *server = worker->server;
  worker->client_ctx = SSL_CTX_new(TLS_with_buffers_method());
  worker->upstream_ctx = SSL_CTX_new(TLS_with_buffers_method());
  if (worker->client_ctx == NULL || worker->upstream_ctx == NULL) {
    return PROXY_ENOMEM;
  }
  SSL_CTX *c = worker->client_ctx;
  SSL_CTX_set_min_proto_version(c, TLS1_VERSION);
  SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION);
  SSL_CTX_set_select_certificate_cb(c, on_select_certificate);
  SSL_CTX_set_tlsext_servername_callback(c, on_servername);
  SSL_CTX_set_alpn_select_cb(c, on_select_alpn, NULL);
  if (server->cfg->client_auth != PROXY_CLIENT_AUTH_NONE) {
    int mode = SSL_VERIFY_PEER;
    if (server->cfg->client_auth == PROXY_CLIENT_AUTH_REQUIRE) {
      mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
    SSL_CTX_set_custom_verify(c, mode, conn_mtls_on_client_chain);
  }
  // Every client connection must show its own handshake: no resumption.
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
  SSL_CTX *u = worker->upstream_ctx;
  SSL_CTX_set_session_cache_mode(u, SSL_SESS_CACHE_OFF);
  if (server->keylog_enabled) {
    SSL_CTX_set_keylog_callback(c, on_keylog);
    SSL_CTX_set_keylog_callback(u, on_keylog);
  }
  return 0;
}

inspect_hello_spec_t conn_hello_spec(const conn_hello_t *hello, inspect_sni_rule_t sni, const char *source) {
  return (inspect_hello_spec_t){
      .min_version = hello->min_version,
      .max_version = hello->max_version,
      .ciphers = hello->ciphers,
      .num_ciphers = hello->num_ciphers,
      .groups = hello->groups,
      .num_groups = hello->num_groups,
      .sigalgs = hello->sigalgs,
      .num_sigalgs = hello->num_sigalgs,
      .sni = sni,
      .source = source,
  };
}
