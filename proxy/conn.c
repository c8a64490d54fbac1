// One client connection through the mirror proxy.
//
//   client --TLS--> [client sio]  tlsmirror  [upstream sio] --TLS--> origin
//
// The client's handshake pauses at certificate selection while tlsmirror
// opens the origin connection with the same SNI (or none), ALPN list and
// version range, records the origin's chain and judges it. The client then
// gets the mirrored chain (or the origin's alert, or a stand-in certificate
// and a 502 when the origin cannot be reached), and HTTP flows through. When
// everything is closed, one JSON record describes the connection.

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/bytestring.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proxy/proxy_internal.h"

typedef enum {
  CERT_NONE,     // no ClientHello yet
  CERT_WAITING,  // the client waits while we talk to the origin
  CERT_READY,    // a chain is ready for the client
  CERT_ALERT,    // fail the client's handshake with the origin's alert
} cert_state_t;

typedef enum {
  PHASE_HELLO,     // waiting for the ClientHello
  PHASE_ORIGIN,    // connecting and handshaking with the origin
  PHASE_FINISH,    // the client finishes its handshake
  PHASE_TRAFFIC,   // HTTP or raw bytes flow
} phase_t;

typedef enum {
  ANSWER_NONE,       // relay to the origin
  ANSWER_502,        // tlsmirror answers: the origin could not be used
  ANSWER_PLATFORM,   // --as: answer as the platform would
  ANSWER_FORBIDDEN,  // --as apigateway: the client certificate fails mTLS (403)
} answer_t;

struct proxy_conn_st {
  proxy_worker_t *worker;
  proxy_conn_t *prev, *next;
  proxy_sio_t client;
  proxy_sio_t upstream;
  uv_timer_t timer;
  uv_connect_t connect_req;
  uv_getaddrinfo_t resolve_req;
  uv_work_t keygen_req;
  int open_handles;  // client, timer, upstream (once initialised), a pending resolve or keygen
  int upstream_init;
  phase_t phase;
  uint64_t start_ns;
  int64_t start_ms;  // wall clock, for @timestamp
  char source_ip[INET6_ADDRSTRLEN];
  uint16_t source_port;

  // The ClientHello, as mirrored towards the origin.
  int has_sni;
  char sni[256];
  uint8_t alpn_wire[256];
  size_t alpn_wire_len;
  uint16_t min_version, max_version;
  inspect_buf_t hello_json;   // tls.client.{ja3, ja4, supported_ciphers}
  inspect_buf_t hello_extra;  // tlsmirror.client_hello.*

  // The origin.
  char origin_host[256];
  uint16_t origin_port;
  char origin_ip[INET6_ADDRSTRLEN];
  struct sockaddr_storage origin_addr;
  inspect_chain_t *origin_chain;
  inspect_handshake_t origin_hs;
  char origin_detail[160];
  char origin_version[16];
  char origin_cipher[64];
  char origin_alpn[64];
  int origin_done;
  inspect_report_t *report;

  // What the client gets.
  cert_state_t cert_state;
  tls_identity_t identity;  // borrowed from the mirror cache or the config
  int keygen_tried;         // missing mirror keys were looked for (one keygen job at most)
  int fail_alert;
  answer_t answer;
  const inspect_verdict_t *enforced;  // the --as verdict that rejected

  // The client's side of the story.
  inspect_chain_t *client_chain;       // as the client sent it (mTLS)
  inspect_report_t *client_report;     // client_selection's verdicts on it
  const inspect_verdict_t *client_rejected;  // ALB verify mode refused it
  char *inject;                        // header lines added to every request, or NULL
  int client_ok;
  char client_version[16];
  char client_cipher[64];
  char client_alpn[64];
  int client_not_tls;
  const char *close_reason;
  int refused;  // over --max-conns

  proxy_http_t http;
  int http_mode;
  inspect_buf_t early;     // origin bytes that came before the client's handshake finished
  int pending_alert;       // an origin alert to pass on once the client's handshake finishes, or -1
  int upstream_closed;
  uint64_t bytes_to_origin;
  uint64_t bytes_to_client;
};

static const char *const kPhaseTimeout[] = {
    "the client sent no ClientHello in time",
    "the origin did not complete its handshake in time",
    "the client did not complete its handshake in time",
    "idle timeout",
};

static proxy_server_t *server_of(const proxy_conn_t *conn) { return conn->worker->server; }
static const proxy_config_t *cfg_of(const proxy_conn_t *conn) { return conn->worker->server->cfg; }
static proxy_metrics_t *metrics_of(proxy_conn_t *conn) { return &conn->worker->server->metrics; }

static void conn_record(proxy_conn_t *conn);
static void conn_close(proxy_conn_t *conn);
static void origin_failed(proxy_conn_t *conn);

// Timers.
static void on_timeout(uv_timer_t *timer);

static void set_phase(proxy_conn_t *conn, phase_t phase) {
  const proxy_config_t *cfg = cfg_of(conn);
  conn->phase = phase;
  double seconds = phase == PHASE_TRAFFIC  ? cfg->timeout_idle
                   : phase == PHASE_ORIGIN ? cfg->timeout_connect + cfg->timeout_handshake
                                           : cfg->timeout_handshake;
  uint64_t ms = (uint64_t)(seconds * 1000);
  uv_timer_start(&conn->timer, on_timeout, ms, phase == PHASE_TRAFFIC ? ms : 0);
}

// Releasing: the record is written once every handle has closed.
static void conn_release(proxy_conn_t *conn) {
  if (--conn->open_handles > 0) {
    return;
  }
  proxy_worker_t *worker = conn->worker;
  conn_record(conn);
  if (conn->prev != NULL) {
    conn->prev->next = conn->next;
  } else {
    worker->conns = conn->next;
  }
  if (conn->next != NULL) {
    conn->next->prev = conn->prev;
  }
  worker->num_conns--;
  if (!conn->refused) {
    proxy_metrics_add(&metrics_of(conn)->connections_active, -1);
    proxy_server_release(worker->server);
  }
  inspect_chain_free(conn->origin_chain);
  inspect_report_free(conn->report);
  inspect_chain_free(conn->client_chain);
  inspect_report_free(conn->client_report);
  free(conn->inject);
  proxy_http_cleanup(&conn->http);
  inspect_buf_cleanup(&conn->hello_json);
  inspect_buf_cleanup(&conn->hello_extra);
  inspect_buf_cleanup(&conn->early);
  free(conn);
  proxy_worker_conn_done(worker);
}

static void on_timer_closed(uv_handle_t *handle) {
  conn_release(PROXY_CONTAINER_OF(handle, proxy_conn_t, timer));
}

static void conn_close(proxy_conn_t *conn) {
  if (!uv_is_closing((uv_handle_t *)&conn->timer)) {
    uv_close((uv_handle_t *)&conn->timer, on_timer_closed);
  }
  proxy_sio_close(&conn->client);
  if (conn->upstream_init) {
    proxy_sio_close(&conn->upstream);
  }
}

static void on_timeout(uv_timer_t *timer) {
  proxy_conn_t *conn = PROXY_CONTAINER_OF(timer, proxy_conn_t, timer);
  if (conn->close_reason == NULL) {
    conn->close_reason = kPhaseTimeout[conn->phase];
  }
  if (conn->phase == PHASE_ORIGIN && !conn->origin_done) {
    // The origin is too slow: the client still gets an answer (a 502).
    conn->origin_hs.status = INSPECT_HS_TIMEOUT;
    snprintf(conn->origin_detail, sizeof(conn->origin_detail), "no handshake within %.1f s",
             cfg_of(conn)->timeout_connect + cfg_of(conn)->timeout_handshake);
    proxy_metrics_add(&metrics_of(conn)->handshakes[PROXY_SIDE_ORIGIN][PROXY_HS_TIMEOUT], 1);
    if (conn->upstream_init) {
      proxy_sio_close(&conn->upstream);
    }
    conn->close_reason = NULL;
    origin_failed(conn);
    return;
  }
  if (conn->phase == PHASE_HELLO || conn->phase == PHASE_FINISH) {
    proxy_metrics_add(&metrics_of(conn)->handshakes[PROXY_SIDE_CLIENT][PROXY_HS_TIMEOUT], 1);
  }
  conn_close(conn);
}

// upstream_sni returns the SNI to send to the origin: the client's, unless
// --upstream-sni overrides it; NULL sends none.
static const char *upstream_sni(const proxy_conn_t *conn) {
  const char *forced = cfg_of(conn)->upstream_sni;
  if (forced != NULL) {
    return forced[0] != '\0' ? forced : NULL;
  }
  return conn->has_sni ? conn->sni : NULL;
}

// The verdict. `count` adds it to the metrics (once per connection).
static void judge(proxy_conn_t *conn, int count) {
  const proxy_config_t *cfg = cfg_of(conn);
  const char *sni = upstream_sni(conn);
  inspect_input_t in = {
      .chain = conn->origin_chain,
      .name = sni != NULL ? sni : conn->origin_host[0] ? conn->origin_host : NULL,
      .sni_sent = sni != NULL,
      .trust = cfg->trust,
      .now = (int64_t)time(NULL),
      .handshake = conn->origin_hs,
  };
  in.handshake.detail = conn->origin_detail[0] ? conn->origin_detail : NULL;
  inspect_report_free(conn->report);
  conn->enforced = NULL;
  if (inspect_cache_report(conn->worker->cache, &in, cfg->selection, &conn->report) != INSPECT_OK) {
    conn->report = NULL;
    return;
  }
  proxy_metrics_t *m = metrics_of(conn);
  for (size_t i = 0; i < inspect_report_num_verdicts(conn->report) && i < INSPECT_SELECTION_MAX; i++) {
    const inspect_verdict_t *v = inspect_report_get0_verdict(conn->report, i);
    if (count) {
      proxy_metrics_add(&m->verdicts[i][v->reason], 1);
    }
    if (cfg->enforce_profile != NULL && strcmp(v->profile, cfg->enforce_profile) == 0 && !v->accept) {
      conn->enforced = v;
    }
  }
}

static int keygen_start(proxy_conn_t *conn, tls_mirror_keygen_t *job);

// choose_identity decides what the client's handshake gets once the origin
// has answered (or failed). It returns 1 when the mirror first needs keys:
// on_keygen_done then calls it again and resumes the client.
static int choose_identity(proxy_conn_t *conn) {
  const proxy_config_t *cfg = cfg_of(conn);
  int origin_ok = conn->origin_hs.status == INSPECT_HS_OK && inspect_chain_num(conn->origin_chain) > 0;
  int64_t now = (int64_t)time(NULL);
  const char *name = conn->has_sni ? conn->sni : conn->origin_host;
  if (cfg->enforce != PROXY_ENFORCE_NONE) {
    // The edge terminates TLS with its own valid certificate; origin problems
    // become the platform's error page.
    if (conn->enforced != NULL || !origin_ok) {
      conn->answer = ANSWER_PLATFORM;
    }
  } else if (!origin_ok) {
    if (conn->origin_hs.status == INSPECT_HS_ALERT) {
      conn->cert_state = CERT_ALERT;  // mirror the origin's alert
      conn->fail_alert = conn->origin_hs.alert;
      return 0;
    }
    if (conn->origin_hs.status == INSPECT_HS_CLOSED || conn->origin_hs.status == INSPECT_HS_PROTOCOL) {
      conn->cert_state = CERT_ALERT;
      conn->fail_alert = -1;  // close without an alert, as the origin did
      return 0;
    }
    conn->answer = ANSWER_502;  // unreachable: explain it to the client
  }
  int err;
  if (cfg->fixed != NULL) {
    conn->identity = *cfg->fixed;
    err = 0;
  } else if (cfg->enforce == PROXY_ENFORCE_NONE && origin_ok) {
    tls_mirror_keygen_t *job = NULL;
    err = tls_mirror_chain_or_keygen(conn->worker->mirror, conn->origin_chain, cfg->trust, &conn->identity,
                                     conn->keygen_tried ? NULL : &job);
    if (job != NULL) {
      if (keygen_start(conn, job)) {
        return 1;
      }
      err = tls_mirror_chain(conn->worker->mirror, conn->origin_chain, cfg->trust, &conn->identity);
    }
  } else {
    err = tls_mirror_standin(conn->worker->mirror, name, now, &conn->identity);
  }
  if (err != 0) {
    conn->close_reason = "cannot mint a certificate for the client";
    conn->cert_state = CERT_ALERT;
    conn->fail_alert = SSL_AD_INTERNAL_ERROR;
    return 0;
  }
  conn->cert_state = CERT_READY;
  return 0;
}

static void resume_client(proxy_conn_t *conn) {
  set_phase(conn, PHASE_FINISH);
  if (conn->cert_state == CERT_ALERT && conn->fail_alert < 0) {
    conn->close_reason = "the origin closed the connection during the handshake; so does tlsmirror";
    conn_close(conn);
    return;
  }
  proxy_sio_resume(&conn->client);
}

// Mirror keys are made on libuv's thread pool: an RSA-4096 key takes about a
// second, and the loop serves every other connection meanwhile. Each key is
// made once per worker; a connection asks at most once (a key that failed is
// then tried inline, and fails there with a logged reason).
static void on_keygen_work(uv_work_t *req) { tls_mirror_keygen_run(req->data); }

static void on_keygen_done(uv_work_t *req, int status) {
  (void)status;  // never cancelled; a job that did not run gives no keys
  proxy_conn_t *conn = PROXY_CONTAINER_OF(req, proxy_conn_t, keygen_req);
  tls_mirror_keygen_finish(conn->worker->mirror, req->data);
  if (!conn->client.closing && !choose_identity(conn)) {
    resume_client(conn);
  }
  conn_release(conn);  // the pending keygen held the connection open
}

// keygen_start queues `job` and returns 1, or frees it and returns 0 when
// the pool refuses it (the caller then makes the keys inline).
static int keygen_start(proxy_conn_t *conn, tls_mirror_keygen_t *job) {
  conn->keygen_tried = 1;
  conn->keygen_req.data = job;
  if (uv_queue_work(&conn->worker->loop, &conn->keygen_req, on_keygen_work, on_keygen_done) != 0) {
    tls_mirror_keygen_finish(conn->worker->mirror, job);  // a job that never ran gives no keys
    return 0;
  }
  conn->open_handles++;
  return 1;
}

// origin_failed gives the client its answer when the origin leg ended
// without a usable handshake.
static void origin_failed(proxy_conn_t *conn) {
  conn->origin_done = 1;
  judge(conn, 1);
  if (!choose_identity(conn)) {
    resume_client(conn);
  }
}

// The upstream leg.
static enum ssl_verify_result_t on_origin_chain(SSL *ssl, uint8_t *out_alert) {
  (void)out_alert;
  proxy_sio_t *sio = SSL_get_app_data(ssl);
  proxy_conn_t *conn = sio->data;
  const STACK_OF(CRYPTO_BUFFER) *peer = SSL_get0_peer_certificates(ssl);
  for (size_t i = 0; peer != NULL && i < sk_CRYPTO_BUFFER_num(peer); i++) {
    const CRYPTO_BUFFER *buf = sk_CRYPTO_BUFFER_value(peer, i);
    inspect_chain_add_der(conn->origin_chain, CRYPTO_BUFFER_data(buf), CRYPTO_BUFFER_len(buf));
  }
  return ssl_verify_ok;  // record and continue: the verdict is inspect's, the client decides for itself
}

static void on_upstream_handshake(proxy_sio_t *sio, int ok) {
  proxy_conn_t *conn = sio->data;
  proxy_metrics_t *m = metrics_of(conn);
  if (conn->origin_done) {
    return;
  }
  if (ok) {
    conn->origin_hs.status = INSPECT_HS_OK;
    snprintf(conn->origin_version, sizeof(conn->origin_version), "%s", SSL_get_version(sio->ssl));
    const SSL_CIPHER *cipher = SSL_get_current_cipher(sio->ssl);
    snprintf(conn->origin_cipher, sizeof(conn->origin_cipher), "%s",
             cipher != NULL ? SSL_CIPHER_standard_name(cipher) : "");
    const uint8_t *alpn;
    unsigned alpn_len;
    SSL_get0_alpn_selected(sio->ssl, &alpn, &alpn_len);
    snprintf(conn->origin_alpn, sizeof(conn->origin_alpn), "%.*s", (int)alpn_len, (const char *)alpn);
    proxy_metrics_add(&m->handshakes[PROXY_SIDE_ORIGIN][PROXY_HS_OK], 1);
    // Keep reading: an origin may alert right after its handshake (TLS 1.3
    // client authentication), before our client is ready to hear it.
  } else if (sio->alert_received >= 0) {
    conn->origin_hs.status = INSPECT_HS_ALERT;
    conn->origin_hs.alert = sio->alert_received;
    snprintf(conn->origin_detail, sizeof(conn->origin_detail), "%s", sio->tls_error);
    proxy_metrics_add(&m->handshakes[PROXY_SIDE_ORIGIN][PROXY_HS_ALERT], 1);
  } else if (sio->error == PROXY_SIO_ETLS) {
    conn->origin_hs.status = INSPECT_HS_PROTOCOL;
    snprintf(conn->origin_detail, sizeof(conn->origin_detail), "%s", sio->tls_error);
    proxy_metrics_add(&m->handshakes[PROXY_SIDE_ORIGIN][PROXY_HS_ERROR], 1);
  } else {
    conn->origin_hs.status = INSPECT_HS_CLOSED;
    snprintf(conn->origin_detail, sizeof(conn->origin_detail), "%s",
             sio->error != 0 ? uv_strerror(sio->error) : "connection closed");
    proxy_metrics_add(&m->handshakes[PROXY_SIDE_ORIGIN][PROXY_HS_CLOSED], 1);
  }
  conn->origin_done = 1;
  judge(conn, 1);
  if (!choose_identity(conn)) {
    resume_client(conn);
  }
}

static void on_upstream_data(proxy_sio_t *sio, const uint8_t *data, size_t len) {
  proxy_conn_t *conn = sio->data;
  if (conn->answer != ANSWER_NONE) {
    return;  // tlsmirror answered the client itself
  }
  if (!conn->client.handshake_done) {
    // Held until the client's handshake finishes; past 1 MiB, stop reading.
    if (!inspect_buf_append(&conn->early, data, len)) {
      conn->close_reason = "the origin sent over 1 MiB before the client finished its handshake";
      conn_close(conn);
    } else if (conn->early.len > 256 * 1024) {
      proxy_sio_read_stop(sio);
    }
    return;
  }
  proxy_http_response_feed(&conn->http, data, len);
  conn->bytes_to_client += len;
  proxy_metrics_add(&metrics_of(conn)->bytes_to_client, (int64_t)len);
  proxy_sio_write(&conn->client, data, len);
  if (conn->client.above_high_water) {
    proxy_sio_read_stop(&conn->upstream);  // backpressure: the client reads slower
  }
  uv_timer_again(&conn->timer);
}

static void on_upstream_eof(proxy_sio_t *sio) {
  proxy_conn_t *conn = sio->data;
  // The origin is done: finish sending to the client, then close both;
  // unless tlsmirror answers the client itself (answer() ends it).
  if (conn->answer == ANSWER_NONE) {
    proxy_sio_shutdown(&conn->client);
  }
  proxy_sio_shutdown(sio);
}

static void on_upstream_drained(proxy_sio_t *sio) {
  proxy_conn_t *conn = sio->data;
  proxy_sio_read_start(&conn->client);
}

// pass_alert sends the client the origin's post-handshake alert.
static void pass_alert(proxy_conn_t *conn) {
  SSL_send_fatal_alert(conn->client.ssl, (uint8_t)conn->pending_alert);
  if (conn->close_reason == NULL) {
    conn->close_reason = "the origin sent a fatal alert after the handshake";
  }
  proxy_sio_close_after_flush(&conn->client);
}

static void on_upstream_close(proxy_sio_t *sio) {
  proxy_conn_t *conn = sio->data;
  conn->upstream_closed = 1;
  if (!conn->origin_done && conn->phase == PHASE_ORIGIN) {
    on_upstream_handshake(sio, 0);  // connect or handshake failed before any verdict
  } else if (sio->alert_received >= 0 && sio->handshake_done) {
    // An alert after the handshake (e.g. certificate_required) changes the
    // verdict, and the client gets it too: now, or when its handshake ends.
    conn->origin_hs.alert = sio->alert_received;
    conn->origin_hs.alert_after_handshake = 1;
    judge(conn, 0);
    conn->pending_alert = sio->alert_received;
    if (conn->client.handshake_done && !conn->client.closing) {
      pass_alert(conn);
    }
  } else if (conn->answer == ANSWER_NONE && conn->client.handshake_done && !conn->client.closing) {
    proxy_sio_shutdown(&conn->client);  // nothing more to relay (tlsmirror's own answers end by themselves)
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

static void origin_unreachable(proxy_conn_t *conn, inspect_hs_status_t status, const char *detail) {
  conn->origin_hs.status = status;
  snprintf(conn->origin_detail, sizeof(conn->origin_detail), "%s", detail);
  proxy_metrics_add(&metrics_of(conn)->handshakes[PROXY_SIDE_ORIGIN][PROXY_HS_CONNECT_FAILED], 1);
  origin_failed(conn);
}

static void on_upstream_connect(uv_connect_t *req, int status) {
  proxy_conn_t *conn = PROXY_CONTAINER_OF(req, proxy_conn_t, connect_req);
  if (status == UV_ECANCELED || conn->origin_done) {
    return;
  }
  if (status < 0) {
    char detail[160];
    snprintf(detail, sizeof(detail), "%s port %u: %s", conn->origin_ip, conn->origin_port, uv_strerror(status));
    origin_unreachable(conn, INSPECT_HS_CONNECT_FAILED, detail);
    proxy_sio_close(&conn->upstream);
    return;
  }
  proxy_sio_start(&conn->upstream);
}

static void connect_origin(proxy_conn_t *conn) {
  proxy_worker_t *worker = conn->worker;
  const struct sockaddr *sa = (const struct sockaddr *)&conn->origin_addr;
  getnameinfo(sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
              conn->origin_ip, sizeof(conn->origin_ip), NULL, 0, NI_NUMERICHOST);
  if (proxy_is_self(worker->server, sa)) {
    origin_unreachable(conn, INSPECT_HS_CONNECT_FAILED,
                       "the origin resolves to tlsmirror itself (hosts file?): give its real address with --resolve");
    return;
  }
  SSL *ssl = SSL_new(worker->upstream_ctx);
  if (ssl == NULL) {
    origin_unreachable(conn, INSPECT_HS_CONNECT_FAILED, "out of memory");
    return;
  }
  SSL_set_connect_state(ssl);
  const char *sni = upstream_sni(conn);
  if (sni != NULL) {
    SSL_set_tlsext_host_name(ssl, sni);
  }
  if (cfg_of(conn)->enforce == PROXY_ENFORCE_ALB && cfg_of(conn)->mtls_mode != PROXY_MTLS_OFF) {
    SSL_set_alpn_protos(ssl, (const uint8_t *)"\x08http/1.1", 9);  // ALB's headers go into HTTP/1.1 heads
  } else if (conn->alpn_wire_len > 0) {
    SSL_set_alpn_protos(ssl, conn->alpn_wire, conn->alpn_wire_len);
  }
  SSL_set_min_proto_version(ssl, conn->min_version);
  SSL_set_max_proto_version(ssl, conn->max_version);
  SSL_set_custom_verify(ssl, SSL_VERIFY_PEER, on_origin_chain);
  const tls_identity_t *id = cfg_of(conn)->upstream_identity;
  if (id != NULL) {
    SSL_set_chain_and_key(ssl, id->chain, id->chain_len, id->key, NULL);  // for origins that demand mTLS
  }
  if (proxy_sio_init(&worker->loop, &conn->upstream, ssl, &kUpstreamCallbacks, conn) < 0) {
    origin_unreachable(conn, INSPECT_HS_CONNECT_FAILED, "out of memory");
    return;
  }
  conn->upstream_init = 1;
  conn->open_handles++;
  int r = uv_tcp_connect(&conn->connect_req, &conn->upstream.tcp, sa, on_upstream_connect);
  if (r < 0) {
    char detail[160];
    snprintf(detail, sizeof(detail), "%s port %u: %s", conn->origin_ip, conn->origin_port, uv_strerror(r));
    origin_unreachable(conn, INSPECT_HS_CONNECT_FAILED, detail);
    proxy_sio_close(&conn->upstream);
  }
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  proxy_conn_t *conn = PROXY_CONTAINER_OF(req, proxy_conn_t, resolve_req);
  if (status == 0 && res != NULL && !conn->client.closing) {
    memcpy(&conn->origin_addr, res->ai_addr, res->ai_addrlen);
    connect_origin(conn);
  } else if (!conn->client.closing) {
    char detail[300];
    snprintf(detail, sizeof(detail), "cannot resolve %s: %s", conn->origin_host,
             status != 0 ? uv_strerror(status) : "no address");
    origin_unreachable(conn, INSPECT_HS_CONNECT_FAILED, detail);
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

static void start_origin(proxy_conn_t *conn) {
  const proxy_config_t *cfg = cfg_of(conn);
  proxy_server_t *server = server_of(conn);
  set_phase(conn, PHASE_ORIGIN);
  conn->origin_port = cfg->origin_port;
  if (cfg->origin_host != NULL) {
    snprintf(conn->origin_host, sizeof(conn->origin_host), "%s", cfg->origin_host);
    memcpy(&conn->origin_addr, &server->origin_addr, sizeof(conn->origin_addr));
    connect_origin(conn);
    return;
  }
  // Route by SNI.
  if (!conn->has_sni) {
    conn->origin_hs.status = INSPECT_HS_CONNECT_FAILED;
    snprintf(conn->origin_detail, sizeof(conn->origin_detail), "the client sent no SNI: nothing to route by");
    conn->origin_done = 1;
    judge(conn, 1);
    conn->cert_state = CERT_ALERT;
    conn->fail_alert = SSL_AD_UNRECOGNIZED_NAME;
    resume_client(conn);
    return;
  }
  snprintf(conn->origin_host, sizeof(conn->origin_host), "%s", conn->sni);
  if (lookup_resolve(cfg, conn->sni, &conn->origin_port, &conn->origin_addr)) {
    connect_origin(conn);
    return;
  }
  char port[8];
  snprintf(port, sizeof(port), "%u", conn->origin_port);
  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype = SOCK_STREAM;
  conn->open_handles++;
  if (uv_getaddrinfo(&conn->worker->loop, &conn->resolve_req, on_resolved, conn->sni, port, &hints) < 0) {
    conn->open_handles--;
    origin_unreachable(conn, INSPECT_HS_CONNECT_FAILED, "cannot start name resolution");
  }
}

// Client certificates (mTLS).
//
// judge_client judges the client's chain (possibly empty) with the client
// profiles, once.
static void judge_client(proxy_conn_t *conn) {
  const proxy_config_t *cfg = cfg_of(conn);
  if (cfg->client_selection == NULL || conn->client_report != NULL) {
    return;
  }
  inspect_input_t in = {
      .chain = conn->client_chain,
      .sni_sent = conn->has_sni,
      .trust = cfg->client_trust,
      .now = (int64_t)time(NULL),
      .handshake = {INSPECT_HS_OK, -1, 0, NULL},
  };
  if (inspect_cache_report(conn->worker->cache, &in, cfg->client_selection, &conn->client_report) != INSPECT_OK) {
    conn->client_report = NULL;
  }
}

// alb_verdict returns the alb-mtls verdict on the client's chain, if judged.
static const inspect_verdict_t *alb_verdict(const proxy_conn_t *conn) {
  for (size_t i = 0; conn->client_report != NULL && i < inspect_report_num_verdicts(conn->client_report); i++) {
    const inspect_verdict_t *v = inspect_report_get0_verdict(conn->client_report, i);
    if (strncmp(v->profile, "alb-mtls", 8) == 0) {
      return v;
    }
  }
  return NULL;
}

static uint8_t alert_for(inspect_reason_t reason) {
  switch (reason) {
    case INSPECT_REASON_UNTRUSTED_ROOT:
    case INSPECT_REASON_MISSING_INTERMEDIATE:
    case INSPECT_REASON_SELF_SIGNED:
      return SSL_AD_UNKNOWN_CA;
    case INSPECT_REASON_EXPIRED:
      return SSL_AD_CERTIFICATE_EXPIRED;
    case INSPECT_REASON_BAD_EKU:
    case INSPECT_REASON_UNSUPPORTED_CERT:
      return SSL_AD_UNSUPPORTED_CERTIFICATE;
    default:
      return SSL_AD_BAD_CERTIFICATE;
  }
}

// on_client_chain records the client's certificates as sent and, in ALB
// verify mode, refuses what ALB would refuse.
static enum ssl_verify_result_t on_client_chain(SSL *ssl, uint8_t *out_alert) {
  proxy_sio_t *sio = SSL_get_app_data(ssl);
  proxy_conn_t *conn = sio->data;
  const proxy_config_t *cfg = cfg_of(conn);
  const STACK_OF(CRYPTO_BUFFER) *peer = SSL_get0_peer_certificates(ssl);
  for (size_t i = 0; peer != NULL && i < sk_CRYPTO_BUFFER_num(peer); i++) {
    const CRYPTO_BUFFER *buf = sk_CRYPTO_BUFFER_value(peer, i);
    inspect_chain_add_der(conn->client_chain, CRYPTO_BUFFER_data(buf), CRYPTO_BUFFER_len(buf));
  }
  judge_client(conn);
  const inspect_verdict_t *alb = alb_verdict(conn);
  if (cfg->enforce == PROXY_ENFORCE_ALB && cfg->mtls_mode == PROXY_MTLS_VERIFY && alb != NULL && !alb->accept) {
    conn->client_rejected = alb;
    conn->close_reason = "ALB verify mode refused the client certificate";
    *out_alert = alert_for(alb->reason);
    return ssl_verify_invalid;
  }
  return ssl_verify_ok;
}

// url_encode appends `data` as ALB encodes PEM in headers: percent-encoding
// with the unreserved characters and "+=/" left as they are.
static void url_encode(inspect_buf_t *out, const char *data, size_t len) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)data[i];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-_.~+=/", c) != NULL) {
      inspect_buf_append(out, &data[i], 1);
    } else {
      char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
      inspect_buf_append(out, esc, 3);
    }
  }
}

// header_value appends a certificate's text (a DN) as a header value: control
// characters a client put in its certificate must not split the header.
static void header_value(inspect_buf_t *out, const char *value) {
  for (const char *p = value; *p != '\0'; p++) {
    char c = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
    inspect_buf_append(out, &c, 1);
  }
}

static void pem_of(inspect_buf_t *out, const inspect_cert_t *cert) {
  const inspect_cert_info_t *info = inspect_cert_get0_info(cert);
  inspect_pem_append_cert(out, info->der, info->der_len);
}

// alb_headers prepares what ALB adds to every request of an mTLS listener.
static void alb_headers(proxy_conn_t *conn) {
  const proxy_config_t *cfg = cfg_of(conn);
  if (cfg->enforce != PROXY_ENFORCE_ALB || cfg->mtls_mode == PROXY_MTLS_OFF) {
    return;
  }
  conn->http.strip_prefix = "X-Amzn-Mtls-";  // clients cannot forge them
  size_t n = inspect_chain_num(conn->client_chain);
  if (n == 0) {
    return;
  }
  inspect_buf_t out, pem;
  inspect_buf_init(&out, 1 << 20);
  inspect_buf_init(&pem, 1 << 20);
  if (cfg->mtls_mode == PROXY_MTLS_PASSTHROUGH) {
    for (size_t i = 0; i < n; i++) {
      pem_of(&pem, inspect_chain_get0(conn->client_chain, i));
    }
    inspect_buf_puts(&out, "X-Amzn-Mtls-Clientcert: ");
    url_encode(&out, pem.data, pem.len);
    inspect_buf_puts(&out, "\r\n");
  } else {
    const inspect_cert_info_t *leaf = inspect_cert_get0_info(inspect_chain_get0(conn->client_chain, 0));
    char nb[INSPECT_TIME_STR_LEN], na[INSPECT_TIME_STR_LEN];
    inspect_time_format_rfc3339(leaf->not_before, nb);
    inspect_time_format_rfc3339(leaf->not_after, na);
    inspect_buf_puts(&out, "X-Amzn-Mtls-Clientcert-Serial-Number: ");
    for (const char *p = leaf->serial_hex; *p != '\0'; p++) {
      char c = *p >= 'a' && *p <= 'f' ? (char)(*p - 32) : *p;
      inspect_buf_append(&out, &c, 1);
    }
    inspect_buf_puts(&out, "\r\nX-Amzn-Mtls-Clientcert-Issuer: ");
    header_value(&out, leaf->issuer);
    inspect_buf_puts(&out, "\r\nX-Amzn-Mtls-Clientcert-Subject: ");
    header_value(&out, leaf->subject);
    inspect_buf_printf(&out, "\r\nX-Amzn-Mtls-Clientcert-Validity: NotBefore=%s;NotAfter=%s\r\n"
                             "X-Amzn-Mtls-Clientcert-Leaf: ",
                       nb, na);
    pem_of(&pem, inspect_chain_get0(conn->client_chain, 0));
    url_encode(&out, pem.data, pem.len);
    inspect_buf_puts(&out, "\r\n");
  }
  conn->inject = out.failed ? NULL : strdup(out.data);
  conn->http.inject = conn->inject;
  inspect_buf_cleanup(&out);
  inspect_buf_cleanup(&pem);
}

// apigateway_mtls applies API Gateway's custom-domain mutual TLS with
// --as apigateway: a client certificate apigateway-mtls rejects gets a 403.
static void apigateway_mtls(proxy_conn_t *conn) {
  if (cfg_of(conn)->enforce != PROXY_ENFORCE_APIGATEWAY || conn->client_report == NULL) {
    return;
  }
  for (size_t i = 0; i < inspect_report_num_verdicts(conn->client_report); i++) {
    const inspect_verdict_t *v = inspect_report_get0_verdict(conn->client_report, i);
    if (strncmp(v->profile, "apigateway-mtls", 15) == 0 && !v->accept) {
      conn->client_rejected = v;
      conn->answer = ANSWER_FORBIDDEN;
    }
  }
}

// The client leg.
//
// capture_hello keeps what the origin leg mirrors (SNI, ALPN, versions) and
// renders what the record says about the ClientHello now, so the full
// summary need not stay in memory for the connection's life.
static void capture_hello(proxy_conn_t *conn, const SSL_CLIENT_HELLO *client_hello) {
  conn->min_version = TLS1_VERSION;
  conn->max_version = TLS1_3_VERSION;
  tls_hello_t *h = malloc(sizeof(*h));
  if (h == NULL || tls_hello_parse(client_hello->client_hello, client_hello->client_hello_len, h) != TLS_OK) {
    free(h);
    return;  // BoringSSL parsed it already; offer the widest range and no extras
  }
  conn->has_sni = h->has_sni;
  memcpy(conn->sni, h->sni, sizeof(conn->sni));
  memcpy(conn->alpn_wire, h->alpn_wire, h->alpn_wire_len);
  conn->alpn_wire_len = h->alpn_wire_len;
  if (h->max_version != 0) {
    // Without supported_versions a client states no minimum: keep the floor.
    conn->min_version = h->num_versions > 0 && h->min_version >= TLS1_VERSION ? h->min_version : TLS1_VERSION;
    conn->max_version = h->max_version > TLS1_3_VERSION ? TLS1_3_VERSION : h->max_version;
  }
  inspect_buf_t *j = &conn->hello_json;
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
  inspect_buf_t *k = &conn->hello_extra;
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

static enum ssl_select_cert_result_t on_select_certificate(const SSL_CLIENT_HELLO *hello) {
  proxy_sio_t *sio = SSL_get_app_data(hello->ssl);
  proxy_conn_t *conn = sio->data;
  switch (conn->cert_state) {
    case CERT_NONE:
      capture_hello(conn, hello);
      conn->cert_state = CERT_WAITING;
      return ssl_select_cert_retry;  // on_client_paused starts the origin leg
    case CERT_WAITING:
      return ssl_select_cert_retry;
    case CERT_READY:
      if (!SSL_set_chain_and_key(hello->ssl, conn->identity.chain, conn->identity.chain_len, conn->identity.key,
                                 NULL)) {
        return ssl_select_cert_error;
      }
      return ssl_select_cert_success;
    case CERT_ALERT:
      return ssl_select_cert_success;  // on_servername sends the alert
  }
  return ssl_select_cert_error;
}

// on_servername runs after certificate selection: the place where BoringSSL
// lets a server choose which fatal alert to send.
static int on_servername(SSL *ssl, int *out_alert, void *arg) {
  (void)arg;
  proxy_sio_t *sio = SSL_get_app_data(ssl);
  proxy_conn_t *conn = sio->data;
  if (conn->cert_state == CERT_ALERT) {
    *out_alert = conn->fail_alert;
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
  const char *want = conn->answer != ANSWER_NONE ? "http/1.1" : conn->origin_alpn;
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

static void on_client_paused(proxy_sio_t *sio) {
  proxy_conn_t *conn = sio->data;
  if (conn->cert_state == CERT_WAITING && conn->phase == PHASE_HELLO) {
    start_origin(conn);
  }
}

// Platform answers (--as) and tlsmirror's own 502.
static void random_hex(char *out, size_t len) {
  static const char digits[] = "0123456789abcdef";
  uint8_t bytes[32];
  size_t n = len / 2 < sizeof(bytes) ? len / 2 : sizeof(bytes);
  RAND_bytes(bytes, n);
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
  out[2 * n] = '\0';
}

static void answer(proxy_conn_t *conn) {
  const proxy_config_t *cfg = cfg_of(conn);
  inspect_buf_t body, head;
  inspect_buf_init(&body, 1 << 16);
  inspect_buf_init(&head, 1 << 16);
  const char *reason = conn->enforced != NULL ? inspect_reason_name(conn->enforced->reason)
                       : conn->report != NULL && inspect_report_num_verdicts(conn->report) > 0
                           ? inspect_reason_name(inspect_report_get0_verdict(conn->report, 0)->reason)
                           : "CONNECT_FAILED";
  char id[41];
  random_hex(id, 40);
  int status;
  const char *status_text, *type;
  proxy_enforce_t as = conn->answer == ANSWER_PLATFORM ? cfg->enforce : PROXY_ENFORCE_NONE;
  if (conn->answer == ANSWER_FORBIDDEN) {
    // API Gateway's custom-domain mTLS: a 403 to the caller; the reason is
    // only in the execution log (here, the record).
    as = PROXY_ENFORCE_NONE;
    status = 403;
    status_text = "Forbidden";
    type = "application/json";
    reason = inspect_reason_name(conn->client_rejected->reason);
    inspect_buf_puts(&body, "{\"message\":\"Forbidden\"}");
    inspect_buf_printf(&head, "x-amzn-ErrorType: ForbiddenException\r\nx-amzn-RequestId: %.8s-%.4s-%.4s-%.4s-%.12s\r\n",
                       id, id + 8, id + 12, id + 16, id + 20);
  } else switch (as) {
    case PROXY_ENFORCE_CLOUDFRONT:
      status = 502;
      status_text = "Bad Gateway";
      type = "text/html";
      inspect_buf_printf(&body,
                         "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\" "
                         "\"http://www.w3.org/TR/html4/loose.dtd\">\n"
                         "<HTML><HEAD><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=iso-8859-1\">\n"
                         "<TITLE>ERROR: The request could not be satisfied</TITLE>\n"
                         "</HEAD><BODY>\n<H1>502 ERROR</H1>\n<H2>The request could not be satisfied.</H2>\n"
                         "<HR noshade size=\"1px\">\n"
                         "CloudFront attempted to establish a connection with the origin, but either the attempt "
                         "failed or the origin closed the connection.\n"
                         "We can't connect to the server for this app or website at this time. There might be too "
                         "much traffic or a configuration error. Try again later, or contact the app or website "
                         "owner.\n<BR clear=\"all\">\n"
                         "If you provide content to customers through CloudFront, you can find steps to "
                         "troubleshoot and help prevent this error by reviewing the CloudFront documentation.\n"
                         "<BR clear=\"all\">\n<HR noshade size=\"1px\">\n<PRE>\nGenerated by cloudfront "
                         "(CloudFront)\nRequest ID: %.56s\n</PRE>\n<ADDRESS>\n</ADDRESS>\n</BODY></HTML>",
                         id);
      inspect_buf_printf(&head,
                         "Server: CloudFront\r\nX-Cache: Error from cloudfront\r\nVia: 1.1 %.32s.cloudfront.net "
                         "(CloudFront)\r\nX-Amz-Cf-Pop: TLSMIRROR\r\nX-Amz-Cf-Id: %.40s\r\n",
                         id, id);
      break;
    case PROXY_ENFORCE_APIGATEWAY:
      status = 500;
      status_text = "Internal Server Error";
      type = "application/json";
      inspect_buf_puts(&body, "{\"message\": \"Internal server error\"}");
      inspect_buf_printf(&head, "x-amzn-ErrorType: InternalServerErrorException\r\nx-amzn-RequestId: %.8s-%.4s-%.4s-%.4s-%.12s\r\n",
                         id, id + 8, id + 12, id + 16, id + 20);
      break;
    case PROXY_ENFORCE_AKAMAI:
      status = 503;
      status_text = "Service Unavailable";
      type = "text/html";
      inspect_buf_printf(&body,
                         "<HTML><HEAD>\n<TITLE>Service Unavailable</TITLE>\n</HEAD><BODY>\n<H1>Service "
                         "Unavailable</H1>\nAn error occurred while processing your request.<p>\n"
                         "Reference #30.%.8s.%lld.%.8s\n</BODY></HTML>\n",
                         id, (long long)time(NULL), id + 8);
      inspect_buf_puts(&head, "Server: AkamaiGHost\r\nMime-Version: 1.0\r\n");
      break;
    case PROXY_ENFORCE_ALB:
      // ALB does not verify targets' certificates; it fails only when the
      // target's handshake fails.
      status = 502;
      status_text = "Bad Gateway";
      type = "text/html";
      inspect_buf_puts(&body, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                              "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n");
      inspect_buf_puts(&head, "Server: awselb/2.0\r\n");
      break;
    case PROXY_ENFORCE_NONE:
    default:
      status = 502;
      status_text = "Bad Gateway";
      type = "text/plain; charset=utf-8";
      inspect_buf_printf(&body, "tlsmirror could not use the origin %s:%u: %s (%s).\n%s\n", conn->origin_host,
                         conn->origin_port, conn->origin_detail[0] ? conn->origin_detail : "no detail", reason,
                         conn->report != NULL ? inspect_report_get0_summary(conn->report) : "");
      break;
  }
  char top[512];
  int top_len = snprintf(top, sizeof(top),
                         "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n"
                         "X-Tlsmirror-Verdict: %s %s\r\n",
                         status, status_text, type, body.len,
                         conn->client_rejected != NULL ? conn->client_rejected->profile
                         : conn->enforced != NULL      ? conn->enforced->profile
                                                       : "origin",
                         reason);
  proxy_sio_write(&conn->client, top, (size_t)top_len);
  proxy_sio_write(&conn->client, head.data != NULL ? head.data : "", head.len);
  proxy_sio_write(&conn->client, "\r\n", 2);
  proxy_sio_write(&conn->client, body.data != NULL ? body.data : "", body.len);
  conn->http.status = conn->http.status != 0 ? conn->http.status : status;
  conn->http.responses++;
  inspect_buf_cleanup(&body);
  inspect_buf_cleanup(&head);
  proxy_sio_shutdown(&conn->client);
  if (conn->upstream_init) {
    proxy_sio_shutdown(&conn->upstream);
  }
}

// HTTP sink.
static void http_forward(void *arg, const uint8_t *data, size_t len) {
  proxy_conn_t *conn = arg;
  conn->bytes_to_origin += len;
  proxy_metrics_add(&metrics_of(conn)->bytes_to_origin, (int64_t)len);
  proxy_sio_write(&conn->upstream, data, len);
  if (conn->upstream.above_high_water) {
    proxy_sio_read_stop(&conn->client);
  }
}

static int http_on_head(void *arg, proxy_http_t *http) {
  (void)http;
  proxy_conn_t *conn = arg;
  proxy_metrics_add(&metrics_of(conn)->requests_total, 1);
  if (conn->answer != ANSWER_NONE) {
    answer(conn);
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
  proxy_sio_write(&conn->client, kResponse, sizeof(kResponse) - 1);
  proxy_sio_shutdown(&conn->client);
}

static void http_reject(void *arg, int status, const char *response, size_t len, const char *why) {
  proxy_conn_t *conn = arg;
  conn->close_reason = why;
  conn->http.status = conn->http.status != 0 ? conn->http.status : status;
  proxy_sio_write(&conn->client, response, len);
  proxy_sio_shutdown(&conn->client);
}

static const proxy_http_sink_t kHttpSink = {
    .forward = http_forward,
    .on_head = http_on_head,
    .on_too_large = http_on_too_large,
    .reject = http_reject,
};

static void on_client_handshake(proxy_sio_t *sio, int ok) {
  proxy_conn_t *conn = sio->data;
  proxy_metrics_t *m = metrics_of(conn);
  if (cfg_of(conn)->client_auth != PROXY_CLIENT_AUTH_NONE) {
    // Judge the client's chain once the handshake got that far: it completed,
    // or failed because a required certificate was missing.
    int missing = !ok && inspect_chain_num(conn->client_chain) == 0 &&
                  cfg_of(conn)->client_auth == PROXY_CLIENT_AUTH_REQUIRE &&
                  (sio->alert_sent == SSL_AD_CERTIFICATE_REQUIRED || sio->alert_sent == SSL_AD_HANDSHAKE_FAILURE);
    if (ok || missing) {
      judge_client(conn);
    }
  }
  if (!ok) {
    // A client speaking plain HTTP to the TLS port gets a readable answer.
    if (strstr(sio->tls_error, "HTTP_REQUEST") != NULL || strstr(sio->tls_error, "HTTPS_PROXY_REQUEST") != NULL) {
      static const char kResponse[] =
          "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 62\r\nConnection: close\r\n\r\n"
          "tlsmirror: this port speaks TLS; use https:// to reach it.\n\n\n";
      conn->client_not_tls = 1;
      conn->http.status = 400;
      proxy_sio_write_raw(sio, kResponse, sizeof(kResponse) - 1);
      proxy_metrics_add(&m->handshakes[PROXY_SIDE_CLIENT][PROXY_HS_NOT_TLS], 1);
    } else {
      proxy_metrics_add(&m->handshakes[PROXY_SIDE_CLIENT][sio->alert_received >= 0 ? PROXY_HS_ALERT
                                                          : sio->error == PROXY_SIO_ETLS ? PROXY_HS_ERROR
                                                                                         : PROXY_HS_CLOSED],
                        1);
    }
    if (conn->upstream_init) {
      proxy_sio_shutdown(&conn->upstream);
    }
    return;  // the client stream closes itself
  }
  conn->client_ok = 1;
  proxy_metrics_add(&m->handshakes[PROXY_SIDE_CLIENT][PROXY_HS_OK], 1);
  snprintf(conn->client_version, sizeof(conn->client_version), "%s", SSL_get_version(sio->ssl));
  const SSL_CIPHER *cipher = SSL_get_current_cipher(sio->ssl);
  snprintf(conn->client_cipher, sizeof(conn->client_cipher), "%s", cipher != NULL ? SSL_CIPHER_standard_name(cipher) : "");
  const uint8_t *alpn;
  unsigned alpn_len;
  SSL_get0_alpn_selected(sio->ssl, &alpn, &alpn_len);
  snprintf(conn->client_alpn, sizeof(conn->client_alpn), "%.*s", (int)alpn_len, (const char *)alpn);
  // HTTP/1.1 (or no ALPN) is watched request by request; anything else is relayed raw.
  if (conn->client_alpn[0] != '\0' && strcmp(conn->client_alpn, "http/1.1") != 0) {
    proxy_http_set_raw(&conn->http);
  }
  alb_headers(conn);
  apigateway_mtls(conn);
  set_phase(conn, PHASE_TRAFFIC);
  if (conn->early.len > 0) {
    proxy_http_response_feed(&conn->http, (const uint8_t *)conn->early.data, conn->early.len);
    conn->bytes_to_client += conn->early.len;
    proxy_sio_write(sio, conn->early.data, conn->early.len);
    inspect_buf_cleanup(&conn->early);
  }
  if (conn->pending_alert >= 0) {
    pass_alert(conn);
  } else if (conn->upstream_closed && conn->answer == ANSWER_NONE) {
    proxy_sio_shutdown(sio);  // the origin is already gone
  } else if (conn->upstream_init && !conn->upstream.closing) {
    proxy_sio_read_start(&conn->upstream);
  }
}

static void on_client_data(proxy_sio_t *sio, const uint8_t *data, size_t len) {
  proxy_conn_t *conn = sio->data;
  uv_timer_again(&conn->timer);
  if (conn->answer == ANSWER_NONE && (!conn->upstream_init || conn->upstream.closing)) {
    return;  // the origin is gone: nothing to forward to
  }
  proxy_http_request_feed(&conn->http, data, len);
}

static void on_client_eof(proxy_sio_t *sio) {
  proxy_conn_t *conn = sio->data;
  if (conn->upstream_init && conn->upstream.handshake_done && !conn->upstream.closing) {
    proxy_sio_close_notify(&conn->upstream);  // the client is done; keep relaying the origin's answer
  } else {
    proxy_sio_shutdown(sio);
  }
}

static void on_client_drained(proxy_sio_t *sio) {
  proxy_conn_t *conn = sio->data;
  if (conn->upstream_init) {
    proxy_sio_read_start(&conn->upstream);
  }
}

static void on_client_close(proxy_sio_t *sio) {
  proxy_conn_t *conn = sio->data;
  if (conn->upstream_init && !conn->upstream.closing) {
    proxy_sio_shutdown(&conn->upstream);
  }
  if (!uv_is_closing((uv_handle_t *)&conn->timer)) {
    uv_close((uv_handle_t *)&conn->timer, on_timer_closed);
  }
  conn_release(conn);
}

static const proxy_sio_callbacks_t kClientCallbacks = {
    .on_handshake = on_client_handshake,
    .on_paused = on_client_paused,
    .on_data = on_client_data,
    .on_eof = on_client_eof,
    .on_drained = on_client_drained,
    .on_close = on_client_close,
};

static void on_keylog(const SSL *ssl, const char *line) {
  proxy_sio_t *sio = SSL_get_app_data(ssl);
  proxy_conn_t *conn = sio->data;
  proxy_server_t *server = server_of(conn);
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
    SSL_CTX_set_custom_verify(c, mode, on_client_chain);
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

void proxy_conn_accept(proxy_worker_t *worker, uv_stream_t *listener) {
  proxy_server_t *server = worker->server;
  proxy_conn_t *conn = calloc(1, sizeof(*conn));
  SSL *ssl = conn != NULL ? SSL_new(worker->client_ctx) : NULL;
  if (ssl == NULL) {
    free(conn);
    return;
  }
  SSL_set_accept_state(ssl);
  conn->worker = worker;
  conn->start_ns = uv_hrtime();
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  conn->start_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  conn->origin_hs.alert = -1;
  conn->fail_alert = -1;
  conn->pending_alert = -1;
  inspect_buf_init(&conn->early, 1 << 20);
  conn->origin_chain = inspect_chain_new();
  conn->client_chain = inspect_chain_new();
  inspect_buf_init(&conn->hello_json, 1 << 16);
  inspect_buf_init(&conn->hello_extra, 1 << 16);
  proxy_http_init(&conn->http, &kHttpSink, conn, server->cfg->max_header, !server->cfg->log_headers_unredacted);
  if (conn->origin_chain == NULL || conn->client_chain == NULL ||
      proxy_sio_init(&worker->loop, &conn->client, ssl, &kClientCallbacks, conn) < 0) {
    inspect_chain_free(conn->origin_chain);
    inspect_chain_free(conn->client_chain);
    proxy_http_cleanup(&conn->http);
    free(conn);
    return;
  }
  uv_timer_init(&worker->loop, &conn->timer);
  conn->open_handles = 2;
  conn->next = worker->conns;
  if (worker->conns != NULL) {
    worker->conns->prev = conn;
  }
  worker->conns = conn;
  worker->num_conns++;
  proxy_metrics_add(&server->metrics.connections_total, 1);
  if (uv_accept(listener, (uv_stream_t *)&conn->client.tcp) < 0) {
    conn->refused = 1;
    conn_close(conn);
    return;
  }
  struct sockaddr_storage peer;
  int peer_len = sizeof(peer);
  if (uv_tcp_getpeername(&conn->client.tcp, (struct sockaddr *)&peer, &peer_len) == 0) {
    getnameinfo((struct sockaddr *)&peer, (socklen_t)peer_len, conn->source_ip, sizeof(conn->source_ip), NULL, 0,
                NI_NUMERICHOST);
    conn->source_port = ntohs(peer.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&peer)->sin6_port
                                                         : ((struct sockaddr_in *)&peer)->sin_port);
  }
  if (worker->draining || !proxy_server_admit(server)) {
    conn->refused = 1;
    conn->close_reason = worker->draining ? "shutting down" : "over --max-conns: connection refused";
    proxy_metrics_add(&server->metrics.connections_refused, 1);
    conn_close(conn);
    return;
  }
  proxy_metrics_add(&server->metrics.connections_active, 1);
  set_phase(conn, PHASE_HELLO);
  proxy_sio_start(&conn->client);
}

void proxy_conn_close_all(proxy_worker_t *worker) {
  for (proxy_conn_t *conn = worker->conns; conn != NULL; conn = conn->next) {
    if (conn->close_reason == NULL) {
      conn->close_reason = "shutting down";
    }
    conn_close(conn);
  }
}

// The record.
static void json_key(inspect_buf_t *out, int *first, const char *key) {
  inspect_buf_printf(out, "%s\"%s\":", *first ? "" : ",", key);
  *first = 0;
}

static const char *ecs_version(const char *v) {
  // ECS wants "1.3" with tls.version_protocol "tls".
  if (strncmp(v, "TLSv", 4) == 0) {
    return v + 4;
  }
  return v;
}

// record_chain appends ECS's certificate_chain (PEM, as sent), hash and x509
// members for `chain` (the caller opens and closes the object).
static void record_chain(inspect_buf_t *out, const inspect_chain_t *chain) {
  inspect_buf_puts(out, "\"certificate_chain\":[");
  for (size_t i = 0; i < inspect_chain_num(chain); i++) {
    const inspect_cert_info_t *c = inspect_cert_get0_info(inspect_chain_get0(chain, i));
    inspect_buf_t pem;
    inspect_buf_init(&pem, 1 << 20);
    inspect_pem_append_cert(&pem, c->der, c->der_len);
    inspect_buf_puts(out, i ? "," : "");
    inspect_buf_json_string(out, pem.data != NULL ? pem.data : "");
    inspect_buf_cleanup(&pem);
  }
  inspect_buf_puts(out, "]");
  if (inspect_chain_num(chain) > 0) {
    const inspect_cert_info_t *leaf = inspect_cert_get0_info(inspect_chain_get0(chain, 0));
    char nb[INSPECT_TIME_STR_LEN], na[INSPECT_TIME_STR_LEN];
    inspect_time_format_rfc3339(leaf->not_before, nb);
    inspect_time_format_rfc3339(leaf->not_after, na);
    inspect_buf_puts(out, ",\"hash\":{\"sha256\":\"");
    for (size_t i = 0; i < 64; i++) {
      char ch = leaf->sha256_hex[i];
      inspect_buf_printf(out, "%c", ch >= 'a' ? ch - 32 : ch);  // ECS shows hashes upper case
    }
    inspect_buf_puts(out, "\"},\"x509\":{\"subject\":{\"distinguished_name\":");
    inspect_buf_json_string(out, leaf->subject);
    inspect_buf_puts(out, "},\"issuer\":{\"distinguished_name\":");
    inspect_buf_json_string(out, leaf->issuer);
    inspect_buf_printf(out, "},\"not_before\":\"%s\",\"not_after\":\"%s\",\"serial_number\":", nb, na);
    inspect_buf_json_string(out, leaf->serial_hex);
    inspect_buf_puts(out, ",\"alternative_names\":[");
    for (size_t i = 0; i < leaf->num_dns_names; i++) {
      inspect_buf_puts(out, i ? "," : "");
      inspect_buf_json_string(out, leaf->dns_names[i]);
    }
    for (size_t i = 0; i < leaf->num_ip_addrs; i++) {
      inspect_buf_puts(out, i || leaf->num_dns_names ? "," : "");
      inspect_buf_json_string(out, leaf->ip_addrs[i]);
    }
    inspect_buf_puts(out, "]}");
  }
}

static const char *rejected_by(const proxy_conn_t *conn, const char **summary_out, inspect_buf_t *scratch) {
  const inspect_report_t *r = conn->report;
  const char *verdict_summary = r != NULL ? inspect_report_get0_summary(r) : "";
  if (conn->client_not_tls) {
    *summary_out = "The client spoke plain HTTP to the TLS port and got 400 Bad Request.";
    return "client";
  }
  if (conn->cert_state == CERT_NONE) {
    // No ClientHello came: nothing was mirrored, judged or served.
    if (conn->client.tls_error[0] != '\0') {
      inspect_buf_printf(scratch, "The client's first bytes were not a TLS ClientHello (%s).", conn->client.tls_error);
      *summary_out = scratch->data;
    } else if (conn->close_reason != NULL) {
      inspect_buf_printf(scratch, "No ClientHello: %s.", conn->close_reason);
      *summary_out = scratch->data;
    } else {
      *summary_out = "The client closed the connection before sending a ClientHello (a port check or health probe?).";
    }
    return "client";
  }
  if (conn->client_rejected != NULL && conn->answer == ANSWER_FORBIDDEN) {
    inspect_buf_printf(scratch, "API Gateway (mutual TLS) refuses the client certificate: the caller gets 403 "
                                "{\"message\":\"Forbidden\"}; the execution log says '%s' (%s).",
                       conn->client_rejected->message, inspect_reason_name(conn->client_rejected->reason));
    *summary_out = scratch->data;
    return conn->client_rejected->profile;
  }
  if (conn->client_rejected != NULL) {
    inspect_buf_printf(scratch, "ALB (verify mode) refuses the client certificate: tls_verify_status %s (%s).",
                       conn->client_rejected->message, inspect_reason_name(conn->client_rejected->reason));
    *summary_out = scratch->data;
    return conn->client_rejected->profile;
  }
  if (conn->enforced != NULL) {
    inspect_buf_printf(scratch, "%s rejects the origin (%s): %s", conn->enforced->profile,
                       inspect_reason_name(conn->enforced->reason), conn->enforced->effect);
    *summary_out = scratch->data;
    return conn->enforced->profile;
  }
  if (conn->origin_done && (conn->origin_hs.status != INSPECT_HS_OK || conn->origin_hs.alert >= 0)) {
    inspect_buf_printf(scratch, "The origin failed the connection (%s); %s",
                       conn->origin_detail[0] ? conn->origin_detail : tls_alert_name(conn->origin_hs.alert),
                       verdict_summary);
    *summary_out = scratch->data;
    return "origin";
  }
  if (conn->origin_done && conn->origin_hs.status == INSPECT_HS_OK && !conn->client_ok) {
    if (conn->client.alert_received >= 0) {
      inspect_buf_printf(scratch, "The client rejected the (mirrored) origin certificate with a fatal %s alert. %s",
                         SSL_alert_desc_string_long(conn->client.alert_received), verdict_summary);
    } else {
      inspect_buf_printf(scratch, "The client closed the connection during the handshake without an alert. %s",
                         verdict_summary);
    }
    *summary_out = scratch->data;
    return "client";
  }
  if (conn->client_ok && conn->http.requests == 0 && conn->bytes_to_origin == 0 && conn->answer == ANSWER_NONE &&
      conn->origin_hs.status == INSPECT_HS_OK && conn->close_reason == NULL) {
    inspect_buf_printf(scratch,
                       "The client completed the handshake, then closed without a request: it most likely rejected "
                       "the certificate after the handshake (curl and Node check the host name then). %s",
                       verdict_summary);
    *summary_out = scratch->data;
    return "client";
  }
  if (r != NULL && inspect_report_num_rejects(r) > 0) {
    *summary_out = verdict_summary;
    for (size_t i = 0; i < inspect_report_num_verdicts(r); i++) {
      const inspect_verdict_t *v = inspect_report_get0_verdict(r, i);
      if (!v->accept) {
        return v->profile;  // this client passed; that platform would not
      }
    }
  }
  *summary_out = verdict_summary[0] ? verdict_summary : "The connection was relayed.";
  return "none";
}

static void conn_record(proxy_conn_t *conn) {
  proxy_server_t *server = server_of(conn);
  inspect_buf_t out, scratch;
  inspect_buf_init(&out, 16 << 20);
  inspect_buf_init(&scratch, 1 << 16);
  int64_t ms = conn->start_ms;
  char ts[INSPECT_TIME_STR_LEN];
  inspect_time_format_rfc3339(ms / 1000, ts);
  ts[19] = '\0';  // drop the Z to add milliseconds
  const char *summary;
  const char *who = rejected_by(conn, &summary, &scratch);
  int first = 1;
  inspect_buf_printf(&out, "{\"@timestamp\":\"%s.%03lldZ\"", ts, (long long)(ms % 1000));
  inspect_buf_printf(&out, ",\"event\":{\"kind\":\"event\",\"category\":[\"network\"],\"dataset\":\"tlsmirror.connection\","
                           "\"duration\":%llu,\"outcome\":\"%s\"",
                     (unsigned long long)(uv_hrtime() - conn->start_ns), strcmp(who, "none") == 0 ? "success" : "failure");
  if (conn->close_reason != NULL) {
    inspect_buf_puts(&out, ",\"reason\":");
    inspect_buf_json_string(&out, conn->close_reason);
  }
  inspect_buf_puts(&out, "},\"source\":{\"ip\":");
  inspect_buf_json_string(&out, conn->source_ip);
  inspect_buf_printf(&out, ",\"port\":%u,\"bytes\":%llu}", conn->source_port,
                     (unsigned long long)conn->bytes_to_origin);
  if (conn->origin_host[0] != '\0') {
    inspect_buf_puts(&out, ",\"destination\":{\"address\":");
    inspect_buf_json_string(&out, conn->origin_host);
    if (conn->origin_ip[0] != '\0') {
      inspect_buf_puts(&out, ",\"ip\":");
      inspect_buf_json_string(&out, conn->origin_ip);
    }
    inspect_buf_printf(&out, ",\"port\":%u,\"bytes\":%llu}", conn->origin_port,
                       (unsigned long long)conn->bytes_to_client);
  }
  // tls.*: the client's side, then the origin's chain.
  inspect_buf_puts(&out, ",\"tls\":{");
  first = 1;
  if (conn->client_version[0] != '\0') {
    json_key(&out, &first, "version");
    inspect_buf_json_string(&out, ecs_version(conn->client_version));
    json_key(&out, &first, "version_protocol");
    inspect_buf_puts(&out, "\"tls\"");
    json_key(&out, &first, "cipher");
    inspect_buf_json_string(&out, conn->client_cipher);
  }
  json_key(&out, &first, "established");
  inspect_buf_puts(&out, conn->client_ok ? "true" : "false");
  if (conn->client_alpn[0] != '\0') {
    json_key(&out, &first, "next_protocol");
    inspect_buf_json_string(&out, conn->client_alpn);
  }
  json_key(&out, &first, "client");
  inspect_buf_puts(&out, "{");
  if (conn->has_sni) {
    inspect_buf_puts(&out, "\"server_name\":");
    inspect_buf_json_string(&out, conn->sni);
    inspect_buf_puts(&out, ",");
  }
  if (conn->hello_json.len > 0) {
    inspect_buf_append(&out, conn->hello_json.data, conn->hello_json.len);
    inspect_buf_puts(&out, ",");
  }
  if (inspect_chain_num(conn->client_chain) > 0) {
    record_chain(&out, conn->client_chain);
    inspect_buf_puts(&out, ",");
  }
  inspect_buf_printf(&out, "\"sni_sent\":%s}", conn->has_sni ? "true" : "false");
  if (conn->origin_done) {
    inspect_buf_puts(&out, ",\"server\":{");
    record_chain(&out, conn->origin_chain);
    inspect_buf_puts(&out, "}");
  }
  inspect_buf_puts(&out, "}");
  if (conn->http.requests > 0 || conn->http.status != 0) {
    inspect_buf_puts(&out, ",\"http\":{\"request\":{");
    first = 1;
    if (conn->http.method[0] != '\0') {
      json_key(&out, &first, "method");
      inspect_buf_json_string(&out, conn->http.method);
    }
    if (conn->http.headers_json.len > 0) {
      json_key(&out, &first, "headers");
      inspect_buf_printf(&out, "{%s}", conn->http.headers_json.data);
    }
    inspect_buf_printf(&out, "},\"requests\":%u,\"responses\":%u", conn->http.requests, conn->http.responses);
    if (conn->http.status != 0) {
      inspect_buf_printf(&out, ",\"response\":{\"status_code\":%d}", conn->http.status);
    }
    inspect_buf_puts(&out, "}");
    if (conn->http.path[0] != '\0') {
      inspect_buf_puts(&out, ",\"url\":{\"original\":");
      inspect_buf_json_string(&out, conn->http.path);
      const char *q = strchr(conn->http.path, '?');
      inspect_buf_puts(&out, ",\"path\":");
      inspect_buf_json_string_len(&out, conn->http.path, q != NULL ? (size_t)(q - conn->http.path) : strlen(conn->http.path));
      inspect_buf_puts(&out, "}");
    }
    if (conn->http.user_agent[0] != '\0') {
      inspect_buf_puts(&out, ",\"user_agent\":{\"original\":");
      inspect_buf_json_string(&out, conn->http.user_agent);
      inspect_buf_puts(&out, "}");
    }
  }
  // tlsmirror.*: the origin handshake, the verdicts and who rejects.
  inspect_buf_puts(&out, ",\"tlsmirror\":{");
  if (conn->hello_extra.len > 0) {
    inspect_buf_puts(&out, "\"client_hello\":{");
    inspect_buf_append(&out, conn->hello_extra.data, conn->hello_extra.len);
    inspect_buf_puts(&out, "},");
  }
  inspect_buf_puts(&out, "\"origin\":{");
  first = 1;
  if (conn->origin_done) {
    static const char *const kStatus[] = {"none", "ok", "alert", "closed", "protocol", "connect_failed", "timeout"};
    json_key(&out, &first, "handshake");
    inspect_buf_printf(&out, "\"%s\"", kStatus[conn->origin_hs.status]);
    if (conn->origin_version[0] != '\0') {
      json_key(&out, &first, "version");
      inspect_buf_json_string(&out, ecs_version(conn->origin_version));
      json_key(&out, &first, "cipher");
      inspect_buf_json_string(&out, conn->origin_cipher);
    }
    if (conn->origin_alpn[0] != '\0') {
      json_key(&out, &first, "next_protocol");
      inspect_buf_json_string(&out, conn->origin_alpn);
    }
    json_key(&out, &first, "alert");
    if (conn->origin_hs.alert >= 0) {
      inspect_buf_printf(&out, "{\"number\":%d,\"name\":", conn->origin_hs.alert);
      inspect_buf_json_string(&out, tls_alert_name(conn->origin_hs.alert));
      inspect_buf_puts(&out, "}");
    } else {
      inspect_buf_puts(&out, "null");
    }
    if (conn->origin_detail[0] != '\0') {
      json_key(&out, &first, "detail");
      inspect_buf_json_string(&out, conn->origin_detail);
    }
  }
  inspect_buf_puts(&out, "},\"client\":{");
  inspect_buf_printf(&out, "\"alert_received\":");
  if (conn->client.alert_received >= 0) {
    inspect_buf_printf(&out, "{\"number\":%d,\"name\":", conn->client.alert_received);
    inspect_buf_json_string(&out, tls_alert_name(conn->client.alert_received));
    inspect_buf_puts(&out, "}");
  } else {
    inspect_buf_puts(&out, "null");
  }
  inspect_buf_puts(&out, ",\"alert_sent\":");
  if (conn->client.alert_sent >= 0) {
    inspect_buf_printf(&out, "{\"number\":%d,\"name\":", conn->client.alert_sent);
    inspect_buf_json_string(&out, tls_alert_name(conn->client.alert_sent));
    inspect_buf_puts(&out, "}");
  } else {
    inspect_buf_puts(&out, "null");
  }
  const char *served = "nothing";
  if (conn->cert_state == CERT_ALERT) {
    served = "alert";
  } else if (conn->cert_state == CERT_READY) {
    served = server->cfg->fixed != NULL ? "fixed" : conn->answer == ANSWER_NONE && server->cfg->enforce == PROXY_ENFORCE_NONE
                                                        ? "mirror"
                                                        : "stand-in";
  }
  inspect_buf_printf(&out, ",\"served\":\"%s\"}", served);
  if (conn->report != NULL) {
    inspect_buf_puts(&out, ",\"findings\":");
    inspect_json_findings(&out, conn->report);
    inspect_buf_puts(&out, ",\"verdicts\":");
    inspect_json_verdicts(&out, conn->report);
  }
  if (conn->client_report != NULL) {
    const inspect_verdict_t *alb = alb_verdict(conn);
    inspect_buf_printf(&out, ",\"client_certificate\":{\"sent\":%s", inspect_chain_num(conn->client_chain) > 0 ? "true" : "false");
    if (alb != NULL) {
      inspect_buf_puts(&out, ",\"tls_verify_status\":");
      inspect_buf_json_string(&out, alb->accept ? "Success" : alb->message);
    }
    inspect_buf_puts(&out, ",\"findings\":");
    inspect_json_findings(&out, conn->client_report);
    inspect_buf_puts(&out, ",\"verdicts\":");
    inspect_json_verdicts(&out, conn->client_report);
    inspect_buf_puts(&out, "}");
  }
  inspect_buf_puts(&out, ",\"rejected_by\":");
  inspect_buf_json_string(&out, who);
  inspect_buf_puts(&out, ",\"summary\":");
  inspect_buf_json_string(&out, summary);
  inspect_buf_puts(&out, "}}\n");
  if (!out.failed) {
    if (proxy_log_write(&server->log, out.data, out.len) == 0) {
      proxy_metrics_add(&server->metrics.records_total, 1);
    }
  }
  if (server->cfg->on_record != NULL) {
    server->cfg->on_record(server->cfg->arg, conn->has_sni ? conn->sni : NULL, who, summary);
  }
  inspect_buf_cleanup(&out);
  inspect_buf_cleanup(&scratch);
}
