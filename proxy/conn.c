// One client connection through the mirror proxy: its life from accept to
// record (see conn_internal.h for the parts).
//
// The client's handshake pauses at certificate selection while the origin
// leg connects with the same SNI (or none), ALPN list and version range,
// records the origin's chain and judges it. conn_origin_done then chooses
// what the client gets (the mirrored chain, the origin's alert, or a
// stand-in certificate and tlsmirror's own answer) and resumes it. When
// every handle has closed, one JSON record describes the connection.

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proxy/conn_internal.h"

// Deadlines: each client state has one, which the timer enforces.
static void on_timeout(uv_timer_t *timer);

static const char *const kTimeoutReason[] = {
    [CLIENT_AWAIT_HELLO] = "the client sent no ClientHello in time",
    [CLIENT_HELD] = "the origin did not complete its handshake in time",
    [CLIENT_FINISHING] = "the client did not complete its handshake in time",
    [CLIENT_ESTABLISHED] = "idle timeout",
};

void conn_client_set_state(proxy_conn_t *conn, conn_client_state_t state) {
  const proxy_config_t *cfg = conn_cfg(conn);
  conn->client.state = state;
  double seconds;
  switch (state) {
    case CLIENT_AWAIT_HELLO:
    case CLIENT_FINISHING: seconds = cfg->timeout_handshake; break;
    case CLIENT_HELD: seconds = cfg->timeout_connect + cfg->timeout_handshake; break;
    case CLIENT_ESTABLISHED:
    case CLIENT_PLAIN_HTTP:  // its request, or (an AIA GET) waiting until it gives up
      seconds = cfg->timeout_idle;
      break;
    default: return;  // ending: the connection is closing
  }
  uint64_t ms = (uint64_t)(seconds * 1000);
  uv_timer_start(&conn->timer, on_timeout, ms, state == CLIENT_ESTABLISHED ? ms : 0);
}

static void on_timeout(uv_timer_t *timer) {
  proxy_conn_t *conn = PROXY_CONTAINER_OF(timer, proxy_conn_t, timer);
  if (conn->client.state == CLIENT_HELD && conn->origin.state < ORIGIN_ESTABLISHED) {
    // The origin is too slow: the client still gets an answer (a 502).
    char detail[80];
    snprintf(detail, sizeof(detail), "no handshake within %.1f s",
             conn_cfg(conn)->timeout_connect + conn_cfg(conn)->timeout_handshake);
    proxy_metrics_add(&conn_metrics(conn)->handshakes[PROXY_SIDE_ORIGIN][PROXY_HS_TIMEOUT], 1);
    if (conn->origin.stream == STREAM_OPEN) {
      proxy_sio_close(&conn->upstream);
    }
    conn_origin_fail(conn, INSPECT_HS_TIMEOUT, detail);
    return;
  }
  if (conn->close_reason == NULL && conn->client.state <= CLIENT_ESTABLISHED) {
    conn->close_reason = kTimeoutReason[conn->client.state];
  }
  if (conn->client.state == CLIENT_AWAIT_HELLO || conn->client.state == CLIENT_FINISHING) {
    proxy_metrics_add(&conn_metrics(conn)->handshakes[PROXY_SIDE_CLIENT][PROXY_HS_TIMEOUT], 1);
  }
  conn_close(conn);
}

// Closing and releasing: the record is written once every handle has closed.
void conn_release(proxy_conn_t *conn) {
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
  if (conn->client.state != CLIENT_REFUSED) {
    proxy_metrics_add(&conn_metrics(conn)->connections_active, -1);
    proxy_server_release(worker->server);
  }
  inspect_chain_free(conn->origin.chain);
  inspect_chain_free(conn->origin.sent);
  conn_origin_free_probes(&conn->origin);
  inspect_report_free(conn->origin.report);
  inspect_chain_free(conn->client.chain);
  inspect_report_free(conn->client.report);
  free(conn->client.inject);
  proxy_http_cleanup(&conn->http);
  if (conn->h2 != NULL) {
    proxy_h2_cleanup(conn->h2);
    free(conn->h2);
  }
  inspect_buf_cleanup(&conn->hello.json);
  inspect_buf_cleanup(&conn->hello.extra);
  free(conn->hello.raw);
  inspect_buf_cleanup(&conn->early);
  conn_aia_free(conn->aia);
  free(conn);
  proxy_worker_conn_done(worker);
}

static void on_timer_closed(uv_handle_t *handle) { conn_release(PROXY_CONTAINER_OF(handle, proxy_conn_t, timer)); }

static void on_request_timer_closed(uv_handle_t *handle) {
  conn_release(PROXY_CONTAINER_OF(handle, proxy_conn_t, request_timer));
}

void conn_close_timers(proxy_conn_t *conn) {
  if (!uv_is_closing((uv_handle_t *)&conn->timer)) {
    uv_close((uv_handle_t *)&conn->timer, on_timer_closed);
  }
  if (!uv_is_closing((uv_handle_t *)&conn->request_timer)) {
    uv_close((uv_handle_t *)&conn->request_timer, on_request_timer_closed);
  }
}

// HTTP/1.1 deadlines.
static void on_request_deadline(uv_timer_t *timer) {
  proxy_conn_t *conn = PROXY_CONTAINER_OF(timer, proxy_conn_t, request_timer);
  const proxy_config_t *cfg = conn_cfg(conn);
  if (conn->request_deadline == DEADLINE_HEAD) {
    static const char kResponse[] =
        "HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain\r\nContent-Length: 48\r\nConnection: close\r\n\r\n"
        "tlsmirror: the request head did not end in time\n";
    static char reason[96];
    snprintf(reason, sizeof(reason), "the request head did not end within %g s (--timeout-request)",
             cfg->timeout_request);
    conn->close_reason = reason;
    conn->http.status = conn->http.status != 0 ? conn->http.status : 408;
    proxy_sio_write(&conn->client_sio, kResponse, sizeof(kResponse) - 1);
    proxy_sio_shutdown(&conn->client_sio);
    if (conn->origin.stream == STREAM_OPEN) {
      proxy_sio_shutdown(&conn->upstream);
    }
  } else if (conn->request_deadline == DEADLINE_KEEPALIVE) {
    static char reason[96];
    snprintf(reason, sizeof(reason), "no request within %g s (--timeout-keepalive)", cfg->timeout_keepalive);
    conn->close_reason = reason;
    proxy_sio_shutdown(&conn->client_sio);
    if (conn->origin.stream == STREAM_OPEN) {
      proxy_sio_shutdown(&conn->upstream);
    }
  }
  conn->request_deadline = DEADLINE_NONE;
}

void conn_request_deadlines(proxy_conn_t *conn) {
  if (conn->client.state != CLIENT_ESTABLISHED || conn->answer != ANSWER_NONE) {
    return;
  }
  conn_request_deadline_t want;
  switch (proxy_http_phase(&conn->http)) {
    case PROXY_HTTP_IDLE: want = DEADLINE_KEEPALIVE; break;
    case PROXY_HTTP_IN_HEAD: want = DEADLINE_HEAD; break;
    default: want = DEADLINE_NONE; break;
  }
  if (want == conn->request_deadline) {
    return;  // not renewed
  }
  conn->request_deadline = want;
  if (want == DEADLINE_NONE) {
    uv_timer_stop(&conn->request_timer);
    return;
  }
  const proxy_config_t *cfg = conn_cfg(conn);
  double seconds = want == DEADLINE_HEAD ? cfg->timeout_request : cfg->timeout_keepalive;
  uv_timer_start(&conn->request_timer, on_request_deadline, (uint64_t)(seconds * 1000), 0);
}

void conn_close(proxy_conn_t *conn) {
  conn_close_timers(conn);
  proxy_sio_close(&conn->client_sio);
  if (conn->origin.stream == STREAM_OPEN) {
    proxy_sio_close(&conn->upstream);
  }
}

// What the client gets.
//
// Mirror keys are made on libuv's thread pool: an RSA-4096 key takes about a
// second, and the loop serves every other connection meanwhile. Each key is
// made once per worker; a connection asks at most once (a key that failed is
// then tried inline, and fails there with a logged reason).
static int choose_identity(proxy_conn_t *conn);

static void on_keygen_work(uv_work_t *req) { tls_mirror_keygen_run(req->data); }

static void on_keygen_done(uv_work_t *req, int status) {
  (void)status;  // never cancelled; a job that did not run gives no keys
  proxy_conn_t *conn = PROXY_CONTAINER_OF(req, proxy_conn_t, keygen_req);
  tls_mirror_keygen_finish(conn->worker->mirror, req->data);
  conn->client.keygen = KEYGEN_DONE;
  if (!conn->client_sio.closing && !choose_identity(conn)) {
    conn_client_resume(conn);
  }
  conn_release(conn);  // the pending keygen held the connection open
}

// keygen_start queues `job` and returns 1, or frees it and returns 0 when
// the pool refuses it (the caller then makes the keys inline).
static int keygen_start(proxy_conn_t *conn, tls_mirror_keygen_t *job) {
  conn->client.keygen = KEYGEN_RUNNING;
  conn->keygen_req.data = job;
  if (uv_queue_work(&conn->worker->loop, &conn->keygen_req, on_keygen_work, on_keygen_done) != 0) {
    tls_mirror_keygen_finish(conn->worker->mirror, job);  // a job that never ran gives no keys
    conn->client.keygen = KEYGEN_DONE;
    return 0;
  }
  conn->open_handles++;
  return 1;
}

static void serve_alert(proxy_conn_t *conn, int alert) {
  conn->client.serve = SERVE_ALERT;
  conn->client.fail_alert = alert;
}

// choose_identity decides what the client's handshake gets once the origin
// leg has a result. It returns 1 when the mirror first needs keys:
// on_keygen_done then calls it again and resumes the client.
static int choose_identity(proxy_conn_t *conn) {
  const proxy_config_t *cfg = conn_cfg(conn);
  conn_origin_t *origin = &conn->origin;
  // tlsmirror's own limit: judged, but there is no upstream connection to relay to.
  int own_limit = origin->state == ORIGIN_OWN_LIMIT;
  int origin_ok = !own_limit && origin->hs.status == INSPECT_HS_OK && inspect_chain_num(origin->chain) > 0;
  if (cfg->enforce != PROXY_ENFORCE_NONE) {
    // The edge terminates TLS with its own valid certificate; origin problems
    // become the platform's error page, tlsmirror's own limit its own 502.
    if (origin->enforced != NULL || !origin_ok) {
      conn->answer = origin->enforced == NULL && own_limit ? ANSWER_502 : ANSWER_PLATFORM;
    }
  } else if (!origin_ok) {
    if (origin->hs.status == INSPECT_HS_ALERT) {
      serve_alert(conn, origin->hs.alert);  // mirror the origin's alert
      return 0;
    }
    if (origin->hs.status == INSPECT_HS_CLOSED || origin->hs.status == INSPECT_HS_PROTOCOL) {
      serve_alert(conn, -1);  // close without an alert, as the origin did
      return 0;
    }
    conn->answer = ANSWER_502;  // unreachable or tlsmirror's own limit (status OK): explain it to the client
  }
  int err;
  conn_serve_t serve;
  if (cfg->fixed != NULL) {
    conn->client.identity = *cfg->fixed;
    serve = SERVE_FIXED;
    err = 0;
  } else if (cfg->enforce == PROXY_ENFORCE_NONE && origin_ok) {
    tls_mirror_keygen_t *job = NULL;
    serve = SERVE_MIRROR;
    conn_aia_set_base(conn);
    err = tls_mirror_chain_or_keygen(conn->worker->mirror, origin->chain, cfg->trust, &conn->client.identity,
                                     conn->client.keygen == KEYGEN_NONE ? &job : NULL);
    if (job != NULL) {
      if (keygen_start(conn, job)) {
        return 1;
      }
      err = tls_mirror_chain(conn->worker->mirror, origin->chain, cfg->trust, &conn->client.identity);
    }
  } else {
    const char *name = conn->hello.has_sni ? conn->hello.sni : origin->host;
    serve = SERVE_STANDIN;
    err = tls_mirror_standin(conn->worker->mirror, name, (int64_t)time(NULL), &conn->client.identity);
  }
  if (err != 0) {
    conn->close_reason = "cannot mint a certificate for the client";
    serve_alert(conn, SSL_AD_INTERNAL_ERROR);
    return 0;
  }
  conn->client.serve = serve;
  if (serve == SERVE_MIRROR) {
    conn_aia_publish(conn);
  }
  return 0;
}

void conn_client_serve(proxy_conn_t *conn) {
  if (!choose_identity(conn)) {
    conn_client_resume(conn);
  }
}

void conn_origin_done(proxy_conn_t *conn) {
  if (conn_origin_probe_sni(conn)) {
    return;  // judged once the handshake with SNI has its answer (conn_sni.c)
  }
  conn_origin_judge(conn, 1);
  if (!conn_origin_replay(conn)) {
    conn_origin_proceed(conn);
  }
}

void conn_origin_proceed(proxy_conn_t *conn) {
  if (!conn_aia_fetch(conn)) {
    conn_client_serve(conn);
  }
}

// Accepting.
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
  conn->origin.hs.alert = -1;
  conn->origin.pending_alert = -1;
  conn->client.fail_alert = -1;
  inspect_buf_init(&conn->early, 1 << 20);
  conn->origin.chain = inspect_chain_new();
  conn->client.chain = inspect_chain_new();
  inspect_buf_init(&conn->hello.json, 1 << 16);
  inspect_buf_init(&conn->hello.extra, 1 << 16);
  proxy_http_init(&conn->http, &conn_http_sink, conn, server->cfg->max_header, !server->cfg->log_headers_unredacted);
  if (conn->origin.chain == NULL || conn->client.chain == NULL ||
      proxy_sio_init(&worker->loop, &conn->client_sio, ssl, &conn_client_callbacks, conn) < 0) {
    inspect_chain_free(conn->origin.chain);
    conn_origin_free_probes(&conn->origin);
    inspect_chain_free(conn->client.chain);
    proxy_http_cleanup(&conn->http);
    free(conn);
    return;
  }
  uv_timer_init(&worker->loop, &conn->timer);
  uv_timer_init(&worker->loop, &conn->request_timer);
  conn->open_handles = 3;
  conn->next = worker->conns;
  if (worker->conns != NULL) {
    worker->conns->prev = conn;
  }
  worker->conns = conn;
  worker->num_conns++;
  proxy_metrics_add(&server->metrics.connections_total, 1);
  if (uv_accept(listener, (uv_stream_t *)&conn->client_sio.tcp) < 0) {
    conn->client.state = CLIENT_REFUSED;
    conn_close(conn);
    return;
  }
  struct sockaddr_storage peer;
  int peer_len = sizeof(peer);
  if (uv_tcp_getpeername(&conn->client_sio.tcp, (struct sockaddr *)&peer, &peer_len) == 0) {
    getnameinfo((struct sockaddr *)&peer, (socklen_t)peer_len, conn->source_ip, sizeof(conn->source_ip), NULL, 0,
                NI_NUMERICHOST);
    conn->source_port = ntohs(peer.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&peer)->sin6_port
                                                         : ((struct sockaddr_in *)&peer)->sin_port);
  }
  if (worker->draining || !proxy_server_admit(server)) {
    conn->client.state = CLIENT_REFUSED;
    conn->close_reason = worker->draining ? "shutting down" : "over --max-conns: connection refused";
    proxy_metrics_add(&server->metrics.connections_refused, 1);
    conn_close(conn);
    return;
  }
  proxy_metrics_add(&server->metrics.connections_active, 1);
  conn_client_set_state(conn, CLIENT_AWAIT_HELLO);
  proxy_sio_start(&conn->client_sio);
}

void proxy_conn_close_all(proxy_worker_t *worker) {
  for (proxy_conn_t *conn = worker->conns; conn != NULL; conn = conn->next) {
    if (conn->close_reason == NULL) {
      conn->close_reason = "shutting down";
    }
    conn_close(conn);
  }
}
