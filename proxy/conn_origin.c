// The origin leg: where to connect (a fixed origin, or routed by the
// client's SNI), the upstream handshake with the client's offer mirrored,
// the chain exactly as the origin sent it and every profile's verdict on
// it, then the bytes the origin answers with.

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "proxy/conn_internal.h"

// platform_hello returns the ClientHello of the platform tlsmirror answers
// as (--as), which the origin leg then sends instead of the client's offer,
// or NULL.
static const inspect_hello_spec_t *platform_hello(const proxy_config_t *cfg) {
  if (cfg->enforce == PROXY_ENFORCE_NONE || cfg->enforce_profile == NULL) {
    return NULL;
  }
  char id[64];
  snprintf(id, sizeof(id), "%.*s", (int)strcspn(cfg->enforce_profile, ":"), cfg->enforce_profile);
  return inspect_hello_spec_find(id);
}

const char *conn_origin_sni(const proxy_conn_t *conn) {
  const proxy_config_t *cfg = conn_cfg(conn);
  const char *forced = cfg->upstream_sni;
  if (forced != NULL) {
    return forced[0] != '\0' ? forced : NULL;
  }
  const inspect_hello_spec_t *platform = platform_hello(cfg);
  if (platform != NULL && platform->sni == INSPECT_SNI_NEVER) {
    return NULL;
  }
  if (conn->hello.has_sni) {
    return conn->hello.sni;
  }
  // A platform that always sends SNI names the origin it was configured with.
  const char *host = conn->origin.host;
  int always = platform != NULL && (platform->sni == INSPECT_SNI_ALWAYS || platform->sni == INSPECT_SNI_CONFIGURABLE);
  return always && host[0] != '\0' && !inspect_name_is_ip(host) ? host : NULL;
}

void conn_origin_judge(proxy_conn_t *conn, int count) {
  const proxy_config_t *cfg = conn_cfg(conn);
  conn_origin_t *origin = &conn->origin;
  const char *sni = conn_origin_sni(conn);
  inspect_input_t in = {
      .chain = origin->chain,
      .name = sni != NULL       ? sni
              : origin->host[0] ? origin->host
                                : NULL,
      .name_from_peer = 1,
      .sni_sent = sni != NULL,
      .trust = cfg->trust,
      .now = (int64_t)time(NULL),
      .handshake = origin->hs,
  };
  in.handshake.detail = origin->detail[0] ? origin->detail : NULL;
  in.with_sni = conn_origin_with_sni(origin);
  conn_aia_input(conn, &in);
  inspect_report_free(origin->report);
  origin->enforced = NULL;
  if (inspect_cache_report(conn->worker->cache, &in, cfg->selection, &origin->report) != INSPECT_OK) {
    origin->report = NULL;
    return;
  }
  proxy_metrics_t *m = conn_metrics(conn);
  for (size_t i = 0; i < inspect_report_num_verdicts(origin->report) && i < INSPECT_SELECTION_MAX; i++) {
    const inspect_verdict_t *v = inspect_report_get0_verdict(origin->report, i);
    if (count) {
      proxy_metrics_add(&m->verdicts[i][v->reason], 1);
    }
    if (cfg->enforce_profile != NULL && strcmp(v->profile, cfg->enforce_profile) == 0 && !v->accept) {
      origin->enforced = v;
    }
  }
}

void conn_origin_own_limit_summary(const conn_origin_t *origin, inspect_buf_t *out) {
  inspect_buf_puts(out,
                   "tlsmirror's own TLS library (BoringSSL) refused the origin's leaf certificate because its keyUsage "
                   "lacks digitalSignature (KEY_USAGE_BIT_INCORRECT), which OpenSSL/curl and Node accept");
  size_t refusing = 0;
  const inspect_report_t *r = origin->report;
  for (size_t i = 0; r != NULL && i < inspect_report_num_verdicts(r); i++) {
    const inspect_verdict_t *v = inspect_report_get0_verdict(r, i);
    if (!v->accept) {
      inspect_buf_printf(out, "%s%s (%s)", refusing++ ? ", " : "; of the platforms judged, ", v->profile,
                         inspect_reason_name(v->reason));
    }
  }
  inspect_buf_puts(out, refusing ? " would refuse it" : "; none of the platforms judged would refuse it");
  inspect_buf_puts(out, ", and with no connection to the origin tlsmirror answers the client with its own 502.");
}

void conn_origin_fail(proxy_conn_t *conn, inspect_hs_status_t status, const char *detail) {
  conn->origin.state = ORIGIN_FAILED;
  conn->origin.hs.status = status;
  // Cut to fit (gcc -O2 sees the 300-byte details of a failed resolve).
  snprintf(conn->origin.detail, sizeof(conn->origin.detail), "%.*s", (int)sizeof(conn->origin.detail) - 1, detail);
  conn_origin_done(conn);
}

static void origin_unreachable(proxy_conn_t *conn, const char *detail) {
  proxy_metrics_add(&conn_metrics(conn)->handshakes[PROXY_SIDE_ORIGIN][PROXY_HS_CONNECT_FAILED], 1);
  conn_origin_fail(conn, INSPECT_HS_CONNECT_FAILED, detail);
}

// The upstream handshake.
static enum ssl_verify_result_t on_origin_chain(SSL *ssl, uint8_t *out_alert) {
  (void)out_alert;
  proxy_sio_t *sio = SSL_get_app_data(ssl);
  proxy_conn_t *conn = sio->data;
  const STACK_OF(CRYPTO_BUFFER) *peer = SSL_get0_peer_certificates(ssl);
  for (size_t i = 0; peer != NULL && i < sk_CRYPTO_BUFFER_num(peer); i++) {
    const CRYPTO_BUFFER *buf = sk_CRYPTO_BUFFER_value(peer, i);
    inspect_chain_add_sent(conn->origin.chain, CRYPTO_BUFFER_data(buf), CRYPTO_BUFFER_len(buf));
  }
  return ssl_verify_ok;  // record and continue: the verdict is inspect's, the client decides for itself
}

// on_origin_message keeps the chain of the origin's Certificate message:
// when tlsmirror's own BoringSSL refuses it (tls_own_limit), before the
// verify callback runs, it is known only from here.
static void on_origin_message(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl,
                              void *arg) {
  (void)version, (void)arg;
  proxy_sio_t *sio = SSL_get_app_data(ssl);
  proxy_conn_t *conn = sio->data;
  tls_certificate_msg_keep(ssl, write_p, content_type, buf, len, conn->origin.sent);
}

// own_limit turns a handshake that tlsmirror's own BoringSSL stopped after
// the origin sent its chain into a judged one with that chain: the origin is
// not to blame (OpenSSL and Node clients accept it), though there is no
// connection to relay to.
static void own_limit(conn_origin_t *origin, const proxy_sio_t *sio) {
  const char *limit = tls_own_limit(sio->tls_packed);
  if (limit == NULL || sio->alert_received >= 0 || inspect_chain_num(origin->chain) > 0 || origin->sent == NULL ||
      inspect_chain_num(origin->sent) == 0) {
    return;
  }
  inspect_chain_free(origin->chain);
  origin->chain = origin->sent;
  origin->sent = NULL;
  origin->state = ORIGIN_OWN_LIMIT;
  origin->hs.status = INSPECT_HS_OK;
  origin->hs.own_limit = limit;
  snprintf(origin->detail, sizeof(origin->detail), "%s", limit);
  snprintf(origin->version, sizeof(origin->version), "%s", SSL_get_version(sio->ssl));
  origin->version_id = (uint16_t)SSL_version(sio->ssl);
  const SSL_CIPHER *cipher = SSL_get_pending_cipher(sio->ssl);  // the handshake stopped before it took effect
  snprintf(origin->cipher, sizeof(origin->cipher), "%s", cipher != NULL ? SSL_CIPHER_standard_name(cipher) : "");
  origin->cipher_id = cipher != NULL ? SSL_CIPHER_get_protocol_id(cipher) : 0;
  origin->group = SSL_get_curve_id(sio->ssl);
}

// drop_raw frees the client's ClientHello as sent, which is kept only for a
// replay after a refusal (conn_origin_replay): once no replay can follow, a
// connection should not carry it.
static void drop_raw(conn_hello_t *hello) {
  free(hello->raw);
  hello->raw = NULL;
  hello->raw_len = 0;
}

static void on_upstream_handshake(proxy_sio_t *sio, int ok) {
  proxy_conn_t *conn = sio->data;
  conn_origin_t *origin = &conn->origin;
  proxy_metrics_t *m = conn_metrics(conn);
  if (origin->state >= ORIGIN_ESTABLISHED) {
    return;
  }
  proxy_hs_outcome_t outcome;
  if (ok) {
    origin->state = ORIGIN_ESTABLISHED;
    origin->hs.status = INSPECT_HS_OK;
    drop_raw(&conn->hello);
    snprintf(origin->version, sizeof(origin->version), "%s", SSL_get_version(sio->ssl));
    const SSL_CIPHER *cipher = SSL_get_current_cipher(sio->ssl);
    snprintf(origin->cipher, sizeof(origin->cipher), "%s", cipher != NULL ? SSL_CIPHER_standard_name(cipher) : "");
    const uint8_t *alpn;
    unsigned alpn_len;
    SSL_get0_alpn_selected(sio->ssl, &alpn, &alpn_len);
    snprintf(origin->alpn, sizeof(origin->alpn), "%.*s", (int)alpn_len, (const char *)alpn);
    origin->version_id = (uint16_t)SSL_version(sio->ssl);
    origin->cipher_id = cipher != NULL ? SSL_CIPHER_get_protocol_id(cipher) : 0;
    origin->group = SSL_get_curve_id(sio->ssl);
    origin->sigalg = SSL_get_peer_signature_algorithm(sio->ssl);
    outcome = PROXY_HS_OK;
    // Keep reading: an origin may alert right after its handshake (TLS 1.3
    // client authentication), before our client is ready to hear it.
  } else {
    origin->state = ORIGIN_FAILED;
    if (sio->alert_received >= 0) {
      origin->hs.status = INSPECT_HS_ALERT;
      origin->hs.alert = sio->alert_received;
      snprintf(origin->detail, sizeof(origin->detail), "%s", sio->tls_error);
      outcome = PROXY_HS_ALERT;
    } else if (sio->error == PROXY_SIO_ETLS) {
      origin->hs.status = INSPECT_HS_PROTOCOL;
      snprintf(origin->detail, sizeof(origin->detail), "%s", sio->tls_error);
      outcome = PROXY_HS_ERROR;
      own_limit(origin, sio);
    } else {
      origin->hs.status = INSPECT_HS_CLOSED;
      snprintf(origin->detail, sizeof(origin->detail), "%s",
               sio->error != 0 ? uv_strerror(sio->error) : "connection closed");
      outcome = PROXY_HS_CLOSED;
    }
  }
  inspect_chain_free(origin->sent);  // kept only while the handshake runs
  origin->sent = NULL;
  proxy_metrics_add(&m->handshakes[PROXY_SIDE_ORIGIN][outcome], 1);
  conn_origin_done(conn);
}

// Replaying the client's own ClientHello: does the origin accept what the
// client offered, where it refused what tlsmirror could offer of it?
typedef struct {
  uv_work_t req;
  proxy_conn_t *conn;
  tls_probe_config_t cfg;
  char host[256];
  char addr[INET6_ADDRSTRLEN];
  uint8_t *hello;
  size_t hello_len;
  tls_offer_result_t result;
} replay_job_t;

static void on_replay_work(uv_work_t *req) {
  replay_job_t *job = req->data;
  if (tls_offer_probe(&job->cfg, job->hello, job->hello_len, &job->result) != TLS_OK) {
    job->result.outcome = TLS_OFFER_CLOSED;
  }
}

static void on_replay_done(uv_work_t *req, int status) {
  (void)status;  // never cancelled
  replay_job_t *job = req->data;
  proxy_conn_t *conn = job->conn;
  if ((conn->origin.replay = malloc(sizeof(*conn->origin.replay))) != NULL) {
    *conn->origin.replay = job->result;
  }
  free(job);
  if (!conn->client_sio.closing) {
    conn_origin_proceed(conn);
  }
  conn_release(conn);  // the pending replay held the connection open
}

int conn_origin_replay(proxy_conn_t *conn) {
  const conn_origin_t *origin = &conn->origin;
  const conn_hello_t *hello = &conn->hello;
  int refused = origin->state == ORIGIN_FAILED &&
                (origin->hs.status == INSPECT_HS_PROTOCOL ||
                 (origin->hs.status == INSPECT_HS_ALERT &&
                  (origin->hs.alert == SSL_AD_HANDSHAKE_FAILURE || origin->hs.alert == SSL_AD_INSUFFICIENT_SECURITY ||
                   origin->hs.alert == SSL_AD_ILLEGAL_PARAMETER)));
  if (!refused || origin->replay != NULL || hello->raw == NULL || hello->offered_as != NULL ||
      hello->unmirrorable.num_ciphers + hello->unmirrorable.num_groups == 0) {
    return 0;
  }
  replay_job_t *job = calloc(1, sizeof(*job));
  if (job == NULL) {
    return 0;
  }
  snprintf(job->host, sizeof(job->host), "%s", origin->host[0] ? origin->host : origin->ip);
  snprintf(job->addr, sizeof(job->addr), "%s", origin->ip);
  job->cfg = (tls_probe_config_t){.host = job->host, .port = origin->port, .connect_addr = job->addr, .timeout = 5};
  job->hello = hello->raw;  // the connection outlives the job: it is released in on_replay_done
  job->hello_len = hello->raw_len;
  job->conn = conn;
  return conn_queue_job(conn, &job->req, job, on_replay_work, on_replay_done);
}

int conn_queue_job(proxy_conn_t *conn, uv_work_t *req, void *job, uv_work_cb work, uv_after_work_cb done) {
  req->data = job;
  if (uv_queue_work(&conn->worker->loop, req, work, done) != 0) {
    free(job);
    return 0;
  }
  conn->open_handles++;
  return 1;
}

// conn_origin_observe lets the HTTP observers see what the origin answers.
void conn_origin_observe(proxy_conn_t *conn, const uint8_t *data, size_t len) {
  if (conn->h2 != NULL) {
    proxy_h2_feed(conn->h2, PROXY_H2_FROM_ORIGIN, data, len);
  }
  proxy_http_response_feed(&conn->http, data, len);
  conn_request_deadlines(conn);
}

static void on_upstream_data(proxy_sio_t *sio, const uint8_t *data, size_t len) {
  proxy_conn_t *conn = sio->data;
  if (conn->answer != ANSWER_NONE) {
    return;  // tlsmirror answered the client itself
  }
  if (!conn->client_sio.handshake_done) {
    // Held until the client's handshake finishes; past 1 MiB, stop reading.
    if (!inspect_buf_append(&conn->early, data, len)) {
      conn->close_reason = "the origin sent over 1 MiB before the client finished its handshake";
      conn_close(conn);
    } else if (conn->early.len > 256 * 1024) {
      proxy_sio_read_stop(sio);
    }
    return;
  }
  conn_origin_observe(conn, data, len);
  conn->bytes_to_client += len;
  proxy_metrics_add(&conn_metrics(conn)->bytes_to_client, (int64_t)len);
  proxy_sio_write(&conn->client_sio, data, len);
  if (conn->client_sio.above_high_water) {
    proxy_sio_read_stop(&conn->upstream);  // backpressure: the client reads slower
  }
  uv_timer_again(&conn->timer);
}

// origin_closed notes an origin that closes in the middle of a response:
// the client gets a truncated answer, which the record must say.
static void origin_closed(proxy_conn_t *conn) {
  if (conn->origin.state != ORIGIN_ESTABLISHED) {
    return;
  }
  int cut = proxy_http_response_eof(&conn->http);
  if (conn->h2 != NULL) {
    cut |= proxy_h2_responses_cut(conn->h2) > 0;
  }
  if (cut) {
    conn->origin.state = ORIGIN_CUT_SHORT;
    conn->close_reason = "the origin closed the connection in the middle of a response";
  }
}

static void on_upstream_eof(proxy_sio_t *sio) {
  proxy_conn_t *conn = sio->data;
  origin_closed(conn);
  // The origin is done: finish sending to the client, then close both;
  // unless tlsmirror answers the client itself (conn_answer ends it).
  if (conn->answer == ANSWER_NONE) {
    proxy_sio_shutdown(&conn->client_sio);
  }
  proxy_sio_shutdown(sio);
}

static void on_upstream_drained(proxy_sio_t *sio) {
  proxy_conn_t *conn = sio->data;
  proxy_sio_read_start(&conn->client_sio);
}

static void on_upstream_close(proxy_sio_t *sio) {
  proxy_conn_t *conn = sio->data;
  conn_origin_t *origin = &conn->origin;
  origin->stream = STREAM_CLOSED;
  if (conn->client.state == CLIENT_ESTABLISHED) {
    origin_closed(conn);  // (a reset without a FIN does not pass on_upstream_eof)
  }
  if (origin->state < ORIGIN_ESTABLISHED && conn->client.state == CLIENT_HELD) {
    on_upstream_handshake(sio, 0);  // connect or handshake failed before any verdict
  } else if (sio->alert_received >= 0 && sio->handshake_done) {
    // An alert after the handshake (e.g. certificate_required) changes the
    // verdict, and the client gets it too: now, or when its handshake ends.
    origin->hs.alert = sio->alert_received;
    origin->hs.alert_after_handshake = 1;
    conn_origin_judge(conn, 0);
    origin->pending_alert = sio->alert_received;
    if (conn->client_sio.handshake_done && !conn->client_sio.closing) {
      conn_client_pass_alert(conn);
    }
  } else if (conn->answer == ANSWER_NONE && conn->client_sio.handshake_done && !conn->client_sio.closing) {
    proxy_sio_shutdown(&conn->client_sio);  // nothing more to relay (tlsmirror's own answers end by themselves)
  }
  conn_release(conn);
}

static const proxy_sio_callbacks_t kUpstreamCallbacks = {
    .on_handshake = on_upstream_handshake,
    .on_data = on_upstream_data,
    .on_eof = on_upstream_eof,
    .on_drained = on_upstream_drained,
    .on_close = on_upstream_close,
};

// Connecting.
static void on_upstream_connect(uv_connect_t *req, int status) {
  proxy_conn_t *conn = PROXY_CONTAINER_OF(req, proxy_conn_t, connect_req);
  if (status == UV_ECANCELED || conn->origin.state >= ORIGIN_ESTABLISHED) {
    return;
  }
  if (status < 0) {
    char detail[160];
    snprintf(detail, sizeof(detail), "%s port %u: %s", conn->origin.ip, conn->origin.port, uv_strerror(status));
    origin_unreachable(conn, detail);
    proxy_sio_close(&conn->upstream);
    return;
  }
  conn->origin.state = ORIGIN_HANDSHAKING;
  proxy_sio_start(&conn->upstream);
}

// mirror_offer makes the upstream ClientHello offer what the client offered
// (or, with --as, what that platform offers), as far as BoringSSL can:
// versions, TLS 1.2 suites in order, groups and signature algorithms. What it
// cannot offer is kept for the record.
static void mirror_offer(proxy_conn_t *conn, SSL *ssl) {
  conn_hello_t *hello = &conn->hello;
  const inspect_hello_spec_t *platform = platform_hello(conn_cfg(conn));
  if (platform != NULL) {
    (void)tls_hello_spec_apply(ssl, platform, &hello->unmirrorable);
    hello->offered_as = conn_cfg(conn)->enforce_profile;
    drop_raw(hello);  // the origin sees the platform's offer, never the client's
    return;
  }
  const inspect_hello_spec_t spec = conn_hello_spec(hello, INSPECT_SNI_AS_CLIENT, NULL);
  // TLS_ENO_OFFER leaves that list at BoringSSL's defaults: the origin still
  // gets an offer, and the record lists what was not mirrored.
  (void)tls_hello_spec_apply(ssl, &spec, &hello->unmirrorable);
  if (hello->unmirrorable.num_ciphers + hello->unmirrorable.num_groups == 0) {
    drop_raw(hello);  // tlsmirror offers all the client did: nothing for a replay to learn
  }
}

// upstream_ssl returns the upstream connection's SSL with the client's offer
// mirrored, or NULL.
static SSL *upstream_ssl(proxy_conn_t *conn) {
  SSL *ssl = SSL_new(conn->worker->upstream_ctx);
  if (ssl == NULL) {
    return NULL;
  }
  const conn_hello_t *hello = &conn->hello;
  SSL_set_connect_state(ssl);
  const char *sni = conn_origin_sni(conn);
  if (sni != NULL) {
    SSL_set_tlsext_host_name(ssl, sni);
  }
  const proxy_config_t *cfg = conn_cfg(conn);
  if (cfg->enforce == PROXY_ENFORCE_ALB && cfg->mtls_mode != PROXY_MTLS_OFF) {
    SSL_set_alpn_protos(ssl, (const uint8_t *)"\x08http/1.1", 9);  // ALB's headers go into HTTP/1.1 heads
  } else if (hello->alpn_wire_len > 0) {
    SSL_set_alpn_protos(ssl, hello->alpn_wire, hello->alpn_wire_len);
  }
  mirror_offer(conn, ssl);
  SSL_set_custom_verify(ssl, SSL_VERIFY_PEER, on_origin_chain);
  if (conn->origin.sent == NULL) {
    conn->origin.sent = inspect_chain_new();  // NULL: an own limit is then told as the origin's failure
  }
  SSL_set_msg_callback(ssl, on_origin_message);
  const tls_identity_t *id = cfg->upstream_identity;
  if (id != NULL) {
    SSL_set_chain_and_key(ssl, id->chain, id->chain_len, id->key, NULL);  // for origins that demand mTLS
  }
  return ssl;
}

static void connect_origin(proxy_conn_t *conn) {
  proxy_worker_t *worker = conn->worker;
  conn_origin_t *origin = &conn->origin;
  const struct sockaddr *sa = (const struct sockaddr *)&origin->addr;
  getnameinfo(sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in), origin->ip,
              sizeof(origin->ip), NULL, 0, NI_NUMERICHOST);
  if (proxy_is_self(worker->server, sa)) {
    origin_unreachable(conn,
                       "the origin resolves to tlsmirror itself (hosts file?): give its real address with --resolve");
    return;
  }
  SSL *ssl = upstream_ssl(conn);
  if (ssl == NULL || proxy_sio_init(&worker->loop, &conn->upstream, ssl, &kUpstreamCallbacks, conn) < 0) {
    origin_unreachable(conn, "out of memory");
    return;
  }
  origin->stream = STREAM_OPEN;
  conn->open_handles++;
  int r = uv_tcp_connect(&conn->connect_req, &conn->upstream.tcp, sa, on_upstream_connect);
  if (r < 0) {
    char detail[160];
    snprintf(detail, sizeof(detail), "%s port %u: %s", origin->ip, origin->port, uv_strerror(r));
    origin_unreachable(conn, detail);
    proxy_sio_close(&conn->upstream);
  }
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  proxy_conn_t *conn = PROXY_CONTAINER_OF(req, proxy_conn_t, resolve_req);
  if (status == 0 && res != NULL && !conn->client_sio.closing) {
    memcpy(&conn->origin.addr, res->ai_addr, res->ai_addrlen);
    connect_origin(conn);
  } else if (!conn->client_sio.closing) {
    char detail[300];
    snprintf(detail, sizeof(detail), "cannot resolve %s: %s", conn->origin.host,
             status != 0 ? uv_strerror(status) : "no address");
    origin_unreachable(conn, detail);
  }
  uv_freeaddrinfo(res);
  conn_release(conn);  // the pending resolve held the connection open
}

// lookup_resolve finds where --resolve says `host` lives when routing by
// SNI: an entry for the name at the origin port, else any entry for the name
// (whose port then wins, so one proxy can front origins on several ports).
static int lookup_resolve(const proxy_config_t *cfg, const char *host, uint16_t *port, struct sockaddr_storage *out) {
  const proxy_resolve_t *found = NULL;
  for (size_t i = 0; i < cfg->num_resolves; i++) {
    const proxy_resolve_t *r = &cfg->resolves[i];
    if (strcasecmp(r->host, host) == 0 && (found == NULL || r->port == *port)) {
      found = r;
    }
  }
  if (found == NULL || proxy_parse_host_port(found->addr, found->port, out) != 0) {
    return 0;
  }
  *port = found->port;
  return 1;
}

void conn_origin_start(proxy_conn_t *conn) {
  const proxy_config_t *cfg = conn_cfg(conn);
  conn_origin_t *origin = &conn->origin;
  origin->state = ORIGIN_CONNECTING;
  origin->port = cfg->origin_port;
  if (cfg->origin_host != NULL) {
    snprintf(origin->host, sizeof(origin->host), "%s", cfg->origin_host);
    memcpy(&origin->addr, &conn->worker->server->origin_addr, sizeof(origin->addr));
    connect_origin(conn);
    return;
  }
  // Route by SNI.
  if (!conn->hello.has_sni) {
    origin->state = ORIGIN_FAILED;
    origin->hs.status = INSPECT_HS_CONNECT_FAILED;
    snprintf(origin->detail, sizeof(origin->detail), "the client sent no SNI: nothing to route by");
    conn_origin_judge(conn, 1);
    conn->client.serve = SERVE_ALERT;
    conn->client.fail_alert = SSL_AD_UNRECOGNIZED_NAME;
    conn_client_resume(conn);
    return;
  }
  snprintf(origin->host, sizeof(origin->host), "%s", conn->hello.sni);
  if (lookup_resolve(cfg, conn->hello.sni, &origin->port, &origin->addr)) {
    connect_origin(conn);
    return;
  }
  char port[8];
  snprintf(port, sizeof(port), "%u", origin->port);
  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype = SOCK_STREAM;
  conn->open_handles++;
  if (uv_getaddrinfo(&conn->worker->loop, &conn->resolve_req, on_resolved, conn->hello.sni, port, &hints) < 0) {
    conn->open_handles--;
    origin_unreachable(conn, "cannot start name resolution");
  }
}
