// Tests of proxy_sio_t (proxy/sio.c): two ends over a real loopback TCP
// connection on one libuv loop, a server (an SSL_CTX from
// tls_origin_ctx_new serving the lab client identity) and a client.
// libuv's own test shape: count every callback, run the loop until nothing
// is left, assert the counts, and uv_loop_close must find no handle open.

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/proxy_internal.h"
#include "tools/lab.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

typedef struct pair_st pair_t;

// One end: its stream and what happened to it.
typedef struct {
  proxy_sio_t sio;
  pair_t *pair;
  const char *name;
  int handshakes_ok, handshakes_failed, paused, eofs, closes, drained, read_stops, read_starts;
  int data_after_shutdown;  // on_data calls after the end shut down
  int shut;
  uint64_t received, sent;
  char text[256];  // small messages received
  size_t text_len;
} end_t;

typedef enum {
  MODE_ECHO,
  MODE_PAUSE,
  MODE_HALF_CLOSE,
  MODE_CLOSE_PAUSED,
  MODE_SHUTDOWN_IN_DATA,
  MODE_FLOOD_PAUSED
} mode_t_;

struct pair_st {
  mode_t_ mode;
  uv_loop_t loop;
  uv_tcp_t listener;
  uv_timer_t watchdog;
  uv_timer_t resume_timer;
  uv_connect_t connect_req;
  end_t server, client;
  int accepted;
  lab_t *lab;
  SSL_CTX *server_ctx, *client_ctx;
  CRYPTO_BUFFER *const *identity;
  size_t identity_len;
  EVP_PKEY *identity_key;
  int released;  // MODE_PAUSE: the certificate may be chosen
  int select_calls;
  uint64_t total;  // MODE_ECHO: bytes the client sends
};

static end_t *end_of(proxy_sio_t *sio) { return PROXY_CONTAINER_OF(sio, end_t, sio); }

// The payload: byte i of the stream is pattern(i).
static uint8_t pattern(uint64_t i) { return (uint8_t)(i * 7 + i / 251); }

static void note_text(end_t *e, const uint8_t *data, size_t len) {
  size_t room = sizeof(e->text) - 1 - e->text_len;
  size_t n = len < room ? len : room;
  memcpy(e->text + e->text_len, data, n);
  e->text_len += n;
  e->text[e->text_len] = '\0';
}

// Client side.
static void client_pump(end_t *c) {
  pair_t *p = c->pair;
  uint8_t chunk[64 * 1024];
  while (c->sent < p->total && !c->sio.above_high_water && !c->sio.closing) {
    size_t n = p->total - c->sent < sizeof(chunk) ? (size_t)(p->total - c->sent) : sizeof(chunk);
    for (size_t i = 0; i < n; i++) {
      chunk[i] = pattern(c->sent + i);
    }
    cr_assert_eq(proxy_sio_write(&c->sio, chunk, n), 0);
    c->sent += n;
  }
}

static void client_on_handshake(proxy_sio_t *sio, int ok) {
  end_t *c = end_of(sio);
  pair_t *p = c->pair;
  if (!ok) {
    c->handshakes_failed++;
    return;
  }
  c->handshakes_ok++;
  // The server sent the identity it was given, as it was given.
  const STACK_OF(CRYPTO_BUFFER) *peer = SSL_get0_peer_certificates(sio->ssl);
  cr_assert_not_null(peer);
  cr_assert_eq(sk_CRYPTO_BUFFER_num(peer), p->identity_len);
  for (size_t i = 0; i < p->identity_len; i++) {
    const CRYPTO_BUFFER *b = sk_CRYPTO_BUFFER_value(peer, i);
    cr_assert(CRYPTO_BUFFER_len(b) == CRYPTO_BUFFER_len(p->identity[i]) &&
              memcmp(CRYPTO_BUFFER_data(b), CRYPTO_BUFFER_data(p->identity[i]), CRYPTO_BUFFER_len(b)) == 0);
  }
  switch (p->mode) {
    case MODE_ECHO: client_pump(c); break;
    case MODE_PAUSE: cr_assert_eq(proxy_sio_write(sio, "ping", 4), 0); break;
    case MODE_HALF_CLOSE:
      cr_assert_eq(proxy_sio_write(sio, "request", 7), 0);
      proxy_sio_close_notify(sio);  // done sending; keep reading
      break;
    case MODE_SHUTDOWN_IN_DATA:
      // Three records in one TCP write, so the server reads them at once:
      // the first two only go to the stream's output, the third flushes all.
      cr_assert_eq(SSL_write(sio->ssl, "one;", 4), 4);
      cr_assert_eq(SSL_write(sio->ssl, "two;", 4), 4);
      cr_assert_eq(proxy_sio_write(sio, "three;", 6), 0);
      break;
    case MODE_CLOSE_PAUSED:
    case MODE_FLOOD_PAUSED: cr_assert_fail("the handshake completed though the server held or closed it");
  }
}

static void client_on_data(proxy_sio_t *sio, const uint8_t *data, size_t len) {
  end_t *c = end_of(sio);
  pair_t *p = c->pair;
  if (p->mode == MODE_ECHO) {
    for (size_t i = 0; i < len; i++) {
      cr_assert_eq(data[i], pattern(c->received + i), "byte %llu echoed wrong", (unsigned long long)(c->received + i));
    }
    c->received += len;
    cr_assert_leq(c->received, p->total);
    if (c->received == p->total) {
      c->shut = 1;
      proxy_sio_shutdown(sio);
    }
    return;
  }
  c->received += len;
  note_text(c, data, len);
  if (p->mode == MODE_PAUSE && strcmp(c->text, "pong") == 0) {
    c->shut = 1;
    proxy_sio_shutdown(sio);
  }
}

static void client_on_eof(proxy_sio_t *sio) {
  end_t *c = end_of(sio);
  c->eofs++;
  if (!c->shut) {
    c->shut = 1;
    proxy_sio_shutdown(sio);
  }
}

static void on_drained(proxy_sio_t *sio) {
  end_t *e = end_of(sio);
  e->drained++;
  if (e == &e->pair->client) {
    client_pump(e);
  } else if (e->sio.read_paused) {
    e->read_starts++;
    proxy_sio_read_start(sio);
  }
}

static void on_close(proxy_sio_t *sio) { end_of(sio)->closes++; }

static const proxy_sio_callbacks_t kClientCallbacks = {
    .on_handshake = client_on_handshake,
    .on_data = client_on_data,
    .on_eof = client_on_eof,
    .on_drained = on_drained,
    .on_close = on_close,
};

// Server side.
static void flood_check(uv_timer_t *timer);

static void resume_later(uv_timer_t *timer) {
  pair_t *p = PROXY_CONTAINER_OF(timer, pair_t, resume_timer);
  // The first time, resume while still held: the handshake pauses again
  // (and on_paused restarts this timer).
  if (p->server.paused >= 2) {
    p->released = 1;
  }
  proxy_sio_resume(&p->server.sio);
  if (p->released) {
    uv_close((uv_handle_t *)timer, NULL);
  }
}

static void server_on_paused(proxy_sio_t *sio) {
  end_t *s = end_of(sio);
  pair_t *p = s->pair;
  s->paused++;
  if (p->mode == MODE_CLOSE_PAUSED) {
    proxy_sio_close(sio);
    return;
  }
  if (p->mode == MODE_FLOOD_PAUSED) {
    // Stays held; the flood test looks at the stream once the client has
    // had time to send much more than the cap.
    cr_assert_eq(uv_timer_start(&p->resume_timer, flood_check, 300, 0), 0);
    return;
  }
  cr_assert_eq(p->mode, MODE_PAUSE);
  cr_assert_eq(uv_timer_start(&p->resume_timer, resume_later, 10, 0), 0);
}

static void server_on_handshake(proxy_sio_t *sio, int ok) {
  end_t *s = end_of(sio);
  if (ok) {
    s->handshakes_ok++;
  } else {
    s->handshakes_failed++;
  }
}

static void server_on_data(proxy_sio_t *sio, const uint8_t *data, size_t len) {
  end_t *s = end_of(sio);
  pair_t *p = s->pair;
  if (s->shut) {
    s->data_after_shutdown++;
  }
  s->received += len;
  switch (p->mode) {
    case MODE_ECHO:
      cr_assert_eq(proxy_sio_write(sio, data, len), 0);
      s->sent += len;
      if (sio->above_high_water && !sio->read_paused) {
        s->read_stops++;
        proxy_sio_read_stop(sio);  // until the client has read the echo
      }
      break;
    case MODE_PAUSE:
      note_text(s, data, len);
      if (strcmp(s->text, "ping") == 0) {
        cr_assert_eq(proxy_sio_write(sio, "pong", 4), 0);
      }
      break;
    case MODE_HALF_CLOSE: note_text(s, data, len); break;
    case MODE_SHUTDOWN_IN_DATA:
      note_text(s, data, len);
      if (!s->shut) {
        s->shut = 1;
        proxy_sio_shutdown(sio);
        // As conn.c's on_upstream_drained may do to a stream shut down.
        proxy_sio_read_start(sio);
      }
      break;
    case MODE_CLOSE_PAUSED:
    case MODE_FLOOD_PAUSED: cr_assert_fail("data on a held or closed stream");
  }
}

static void server_on_eof(proxy_sio_t *sio) {
  end_t *s = end_of(sio);
  s->eofs++;
  if (s->pair->mode == MODE_HALF_CLOSE) {
    // The client is done sending; the server still answers.
    cr_assert_str_eq(s->text, "request");
    cr_assert_eq(proxy_sio_write(sio, "response", 8), 0);
  }
  if (!s->shut) {
    s->shut = 1;
    proxy_sio_shutdown(sio);
  }
}

static const proxy_sio_callbacks_t kServerCallbacks = {
    .on_handshake = server_on_handshake,
    .on_paused = server_on_paused,
    .on_data = server_on_data,
    .on_eof = server_on_eof,
    .on_drained = on_drained,
    .on_close = on_close,
};

// held_select_certificate stands for the proxy's: it holds the handshake
// (retry) until the test releases it, then serves the identity.
static enum ssl_select_cert_result_t held_select_certificate(const SSL_CLIENT_HELLO *hello) {
  proxy_sio_t *sio = SSL_get_app_data(hello->ssl);
  pair_t *p = end_of(sio)->pair;
  p->select_calls++;
  if (!p->released) {
    return ssl_select_cert_retry;
  }
  return SSL_set_chain_and_key(hello->ssl, p->identity, p->identity_len, p->identity_key, NULL)
             ? ssl_select_cert_success
             : ssl_select_cert_error;
}

static void on_connection(uv_stream_t *listener, int status) {
  pair_t *p = PROXY_CONTAINER_OF(listener, pair_t, listener);
  cr_assert_eq(status, 0);
  cr_assert_eq(p->accepted++, 0, "a second connection");
  SSL *ssl = SSL_new(p->server_ctx);
  cr_assert_not_null(ssl);
  SSL_set_accept_state(ssl);
  cr_assert_eq(proxy_sio_init(&p->loop, &p->server.sio, ssl, &kServerCallbacks, p), 0);
  cr_assert_eq(uv_accept(listener, (uv_stream_t *)&p->server.sio.tcp), 0);
  cr_assert_eq(proxy_sio_start(&p->server.sio), 0);
  uv_close((uv_handle_t *)listener, NULL);
}

static void on_watchdog(uv_timer_t *timer) {
  (void)timer;
  cr_assert_fail("the loop did not finish in time");
}

static void pair_init(pair_t *p, mode_t_ mode) {
  memset(p, 0, sizeof(*p));
  p->mode = mode;
  p->server.pair = p->client.pair = p;
  p->server.name = "server";
  p->client.name = "client";
  cr_assert_eq(uv_loop_init(&p->loop), 0);
  int err = 0;
  p->lab = lab_new((int64_t)time(NULL), &err);
  cr_assert_not_null(p->lab);
  p->identity = lab_get0_client_chain(p->lab, &p->identity_len);
  p->identity_key = lab_get0_client_key(p->lab);
  tls_origin_config_t cfg = {.identity = {p->identity, p->identity_len, p->identity_key}};
  p->server_ctx = tls_origin_ctx_new(&cfg, &err);
  cr_assert_not_null(p->server_ctx, "tls_origin_ctx_new: %s", tls_strerror(err));
  if (mode == MODE_PAUSE || mode == MODE_CLOSE_PAUSED || mode == MODE_FLOOD_PAUSED) {
    SSL_CTX_set_select_certificate_cb(p->server_ctx, held_select_certificate);
  }
  if (mode == MODE_PAUSE || mode == MODE_FLOOD_PAUSED) {
    cr_assert_eq(uv_timer_init(&p->loop, &p->resume_timer), 0);
  }
  p->client_ctx = SSL_CTX_new(TLS_method());
  cr_assert_not_null(p->client_ctx);
  // A watchdog that does not keep the loop alive.
  cr_assert_eq(uv_timer_init(&p->loop, &p->watchdog), 0);
  cr_assert_eq(uv_timer_start(&p->watchdog, on_watchdog, 20000, 0), 0);
  uv_unref((uv_handle_t *)&p->watchdog);
}

static void on_connected(uv_connect_t *req, int status) {
  pair_t *p = PROXY_CONTAINER_OF(req, pair_t, connect_req);
  cr_assert_eq(status, 0, "connect: %s", uv_strerror(status));
  cr_assert_eq(proxy_sio_start(&p->client.sio), 0);
}

// listen_and_connect opens the listener, and the client end unless `raw`.
static void listen_on(pair_t *p, struct sockaddr_in *addr) {
  cr_assert_eq(uv_tcp_init(&p->loop, &p->listener), 0);
  cr_assert_eq(uv_ip4_addr("127.0.0.1", 0, addr), 0);
  cr_assert_eq(uv_tcp_bind(&p->listener, (const struct sockaddr *)addr, 0), 0);
  cr_assert_eq(uv_listen((uv_stream_t *)&p->listener, 4, on_connection), 0);
  int len = sizeof(*addr);
  cr_assert_eq(uv_tcp_getsockname(&p->listener, (struct sockaddr *)addr, &len), 0);
}

static void connect_client(pair_t *p) {
  struct sockaddr_in addr;
  listen_on(p, &addr);
  SSL *ssl = SSL_new(p->client_ctx);
  cr_assert_not_null(ssl);
  SSL_set_connect_state(ssl);
  cr_assert(SSL_set_tlsext_host_name(ssl, "sio.test"));
  cr_assert_eq(proxy_sio_init(&p->loop, &p->client.sio, ssl, &kClientCallbacks, p), 0);
  cr_assert_eq(uv_tcp_connect(&p->connect_req, &p->client.sio.tcp, (const struct sockaddr *)&addr, on_connected), 0);
}

// pair_finish runs the loop to its end and checks that nothing is left.
static void pair_finish(pair_t *p) {
  cr_assert_eq(uv_run(&p->loop, UV_RUN_DEFAULT), 0);
  uv_close((uv_handle_t *)&p->watchdog, NULL);
  cr_assert_eq(uv_run(&p->loop, UV_RUN_DEFAULT), 0);
  cr_assert_eq(uv_loop_close(&p->loop), 0, "handles left open");
  SSL_CTX_free(p->server_ctx);
  SSL_CTX_free(p->client_ctx);
  lab_free(p->lab);
  ERR_clear_error();
}

// More than 1 MiB each way with backpressure on both ends: the client
// writes while below the high-water mark and resumes on_drained; the server
// echoes and stops reading while its echo is queued above the mark.
Test(sio, echo_with_backpressure) {
  pair_t *p = malloc(sizeof(*p));
  cr_assert_not_null(p);
  pair_init(p, MODE_ECHO);
  p->total = 3 * 1024 * 1024 + 12345;
  connect_client(p);
  pair_finish(p);
  cr_assert_eq(p->client.handshakes_ok, 1);
  cr_assert_eq(p->server.handshakes_ok, 1);
  cr_assert_eq(p->client.sent, p->total);
  cr_assert_eq(p->server.received, p->total);
  cr_assert_eq(p->client.received, p->total);
  cr_assert_geq(p->client.drained, 1, "the client never went above the high-water mark");
  cr_assert_geq(p->server.read_stops, 1, "the server never stopped reading");
  cr_assert_eq(p->server.read_starts, p->server.read_stops);
  cr_assert_eq(p->server.eofs, 1);
  cr_assert_eq(p->client.closes, 1);
  cr_assert_eq(p->server.closes, 1);
  cr_assert_eq(p->client.sio.error, 0, "client: %s", uv_strerror(p->client.sio.error));
  cr_assert_eq(p->client.sio.write_queue, 0);
  cr_assert_eq(p->server.sio.write_queue, 0);
  cr_assert_geq(p->client.sio.bytes_out, p->total);
  cr_assert_geq(p->server.sio.bytes_in, p->total);
  free(p);
}

// The server's certificate selection answers retry: the handshake pauses
// (on_paused), a resume while still held pauses it again, and a resume once
// released completes it.
Test(sio, pause_and_resume) {
  pair_t *p = malloc(sizeof(*p));
  cr_assert_not_null(p);
  pair_init(p, MODE_PAUSE);
  connect_client(p);
  pair_finish(p);
  cr_assert_eq(p->server.paused, 2);
  cr_assert_eq(p->select_calls, 3);
  cr_assert_eq(p->server.handshakes_ok, 1);
  cr_assert_eq(p->client.handshakes_ok, 1);
  cr_assert_str_eq(p->server.text, "ping");
  cr_assert_str_eq(p->client.text, "pong");
  cr_assert_eq(p->server.closes, 1);
  cr_assert_eq(p->client.closes, 1);
  free(p);
}

// Closing a paused handshake: no handshake callback, the handle closes, the
// client sees the connection end during its handshake.
Test(sio, close_while_paused) {
  pair_t *p = malloc(sizeof(*p));
  cr_assert_not_null(p);
  pair_init(p, MODE_CLOSE_PAUSED);
  connect_client(p);
  pair_finish(p);
  cr_assert_eq(p->server.paused, 1);
  cr_assert_eq(p->server.handshakes_ok + p->server.handshakes_failed, 0);
  cr_assert_eq(p->server.closes, 1);
  cr_assert_eq(p->client.handshakes_failed, 1);
  cr_assert_eq(p->client.handshakes_ok, 0);
  cr_assert_eq(p->client.closes, 1);
  cr_assert(p->client.sio.error == UV_EOF || p->client.sio.error == UV_ECONNRESET, "client: %d", p->client.sio.error);
  free(p);
}

// close_notify as a half close: the client says it is done, the server
// still answers, then closes; each end sees one EOF.
Test(sio, close_notify_half_close) {
  pair_t *p = malloc(sizeof(*p));
  cr_assert_not_null(p);
  pair_init(p, MODE_HALF_CLOSE);
  connect_client(p);
  pair_finish(p);
  cr_assert_str_eq(p->server.text, "request");
  cr_assert_str_eq(p->client.text, "response");
  cr_assert_eq(p->server.eofs, 1);
  cr_assert_eq(p->client.eofs, 1);
  cr_assert_eq(p->server.closes, 1);
  cr_assert_eq(p->client.closes, 1);
  free(p);
}

// Writes are refused before the handshake and after close.
Test(sio, write_outside_the_session) {
  pair_t *p = malloc(sizeof(*p));
  cr_assert_not_null(p);
  pair_init(p, MODE_PAUSE);
  struct sockaddr_in addr;
  listen_on(p, &addr);
  SSL *ssl = SSL_new(p->client_ctx);
  SSL_set_connect_state(ssl);
  cr_assert_eq(proxy_sio_init(&p->loop, &p->client.sio, ssl, &kClientCallbacks, p), 0);
  cr_assert_eq(proxy_sio_write(&p->client.sio, "early", 5), UV_ECANCELED);
  proxy_sio_close(&p->client.sio);
  cr_assert_eq(proxy_sio_write(&p->client.sio, "late", 4), UV_ECANCELED);
  cr_assert_eq(proxy_sio_write_raw(&p->client.sio, "late", 4), UV_ECANCELED);
  uv_close((uv_handle_t *)&p->listener, NULL);
  uv_close((uv_handle_t *)&p->resume_timer, NULL);
  pair_finish(p);
  cr_assert_eq(p->client.closes, 1);
  free(p);
}

// A peer that is not a TLS client: the server's handshake fails once, for
// the right reason, and the stream closes.
typedef struct {
  char name[40];
  char bytes[128];
  size_t len;
  int error;           // expected sio->error
  char tls_error[32];  // expected in sio->tls_error
} raw_case_t;

#define BYTES(s) .bytes = s, .len = sizeof(s) - 1

ParameterizedTestParameters(sio, raw_peer) {
  static raw_case_t cases[] = {
      {"FIN at once", .len = 0, .error = UV_EOF},
      {"FIN mid-record", BYTES("\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03\x03"), .error = UV_EOF},
      {"plain HTTP", BYTES("GET / HTTP/1.1\r\nHost: sio.test\r\n\r\n"), .error = PROXY_SIO_ETLS,
       .tls_error = "HTTP_REQUEST"},
      {"garbage", BYTES("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09"), .error = PROXY_SIO_ETLS},
  };
  return cr_make_param_array(raw_case_t, cases, COUNT_OF(cases));
}

typedef struct {
  uv_tcp_t tcp;
  uv_connect_t connect;
  uv_write_t write;
  uv_shutdown_t shutdown;
  const raw_case_t *c;
  char buf[4096];
  int closed;
} raw_client_t;

static void raw_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)suggested;
  raw_client_t *r = PROXY_CONTAINER_OF((uv_tcp_t *)h, raw_client_t, tcp);
  *buf = uv_buf_init(r->buf, sizeof(r->buf));
}

static void raw_closed(uv_handle_t *h) { PROXY_CONTAINER_OF((uv_tcp_t *)h, raw_client_t, tcp)->closed++; }

static void raw_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  (void)buf;
  if (nread < 0) {
    uv_close((uv_handle_t *)s, raw_closed);  // the server's answer (an alert, or nothing) ended
  }
}

static void raw_shutdown_done(uv_shutdown_t *req, int status) { (void)req, (void)status; }

static void raw_written(uv_write_t *req, int status) {
  raw_client_t *r = PROXY_CONTAINER_OF(req, raw_client_t, write);
  cr_assert_eq(status, 0);
  cr_assert_eq(uv_shutdown(&r->shutdown, (uv_stream_t *)&r->tcp, raw_shutdown_done), 0);
}

static void raw_connected(uv_connect_t *req, int status) {
  raw_client_t *r = PROXY_CONTAINER_OF(req, raw_client_t, connect);
  cr_assert_eq(status, 0);
  cr_assert_eq(uv_read_start((uv_stream_t *)&r->tcp, raw_alloc, raw_read), 0);
  if (r->c->len == 0) {
    cr_assert_eq(uv_shutdown(&r->shutdown, (uv_stream_t *)&r->tcp, raw_shutdown_done), 0);
    return;
  }
  uv_buf_t b = uv_buf_init((char *)r->c->bytes, (unsigned)r->c->len);
  cr_assert_eq(uv_write(&r->write, (uv_stream_t *)&r->tcp, &b, 1, raw_written), 0);
}

ParameterizedTest(raw_case_t *c, sio, raw_peer) {
  pair_t *p = malloc(sizeof(*p));
  raw_client_t *r = calloc(1, sizeof(*r));
  cr_assert(p != NULL && r != NULL);
  pair_init(p, MODE_ECHO);
  struct sockaddr_in addr;
  listen_on(p, &addr);
  r->c = c;
  cr_assert_eq(uv_tcp_init(&p->loop, &r->tcp), 0);
  cr_assert_eq(uv_tcp_connect(&r->connect, &r->tcp, (const struct sockaddr *)&addr, raw_connected), 0);
  pair_finish(p);
  cr_assert_eq(p->server.handshakes_failed, 1, "%s", c->name);
  cr_assert_eq(p->server.handshakes_ok, 0, "%s", c->name);
  cr_assert_eq(p->server.closes, 1, "%s", c->name);
  cr_assert_eq(p->server.sio.error, c->error, "%s: error %d (%s)", c->name, p->server.sio.error,
               p->server.sio.tls_error);
  if (c->tls_error[0] != '\0') {
    cr_assert_not_null(strstr(p->server.sio.tls_error, c->tls_error), "%s: %s", c->name, p->server.sio.tls_error);
  }
  cr_assert_eq(p->server.received, 0);
  cr_assert_eq(r->closed, 1);
  free(r);
  free(p);
}

// After the owner shuts a stream down (a 431, an error page), records that
// arrived in the same read are not delivered any more.
Test(sio, no_data_after_shutdown) {
  pair_t *p = malloc(sizeof(*p));
  cr_assert_not_null(p);
  pair_init(p, MODE_SHUTDOWN_IN_DATA);
  connect_client(p);
  pair_finish(p);
  cr_assert_eq(p->server.handshakes_ok, 1);
  cr_assert_eq(p->server.closes, 1);
  cr_assert_eq(p->client.closes, 1);
  cr_assert_eq(p->server.data_after_shutdown, 0, "on_data ran %d times after shutdown (got \"%s\")",
               p->server.data_after_shutdown, p->server.text);
  free(p);
}

// A client that keeps sending after its ClientHello while the handshake is
// held: the server keeps at most PROXY_SIO_MAX_PENDING bytes (plus one read)
// and stops reading, so the flood waits in TCP buffers, not in memory.
typedef struct {
  uv_tcp_t tcp;
  uv_connect_t connect;
  uv_write_t write;
  uint8_t *bytes;
  size_t len;
  int write_status;
  int closed;
} flood_client_t;

static void flood_written(uv_write_t *req, int status) {
  PROXY_CONTAINER_OF(req, flood_client_t, write)->write_status = status;
}

static void flood_connected(uv_connect_t *req, int status) {
  flood_client_t *f = PROXY_CONTAINER_OF(req, flood_client_t, connect);
  cr_assert_eq(status, 0);
  uv_buf_t b = uv_buf_init((char *)f->bytes, (unsigned)f->len);
  cr_assert_eq(uv_write(&f->write, (uv_stream_t *)&f->tcp, &b, 1, flood_written), 0);
}

static void flood_closed(uv_handle_t *h) { PROXY_CONTAINER_OF((uv_tcp_t *)h, flood_client_t, tcp)->closed++; }

static void flood_check(uv_timer_t *timer) {
  pair_t *p = PROXY_CONTAINER_OF(timer, pair_t, resume_timer);
  flood_client_t *f = p->resume_timer.data;
  proxy_sio_t *sio = &p->server.sio;
  cr_assert_eq(p->server.paused, 1);
  cr_assert(sio->in_len - sio->in_off <= PROXY_SIO_MAX_PENDING + 64 * 1024, "%zu bytes kept",
            sio->in_len - sio->in_off);
  cr_assert(sio->input_full && !sio->reading, "the held stream still reads");
  proxy_sio_close(sio);
  uv_close((uv_handle_t *)&f->tcp, flood_closed);
  uv_close((uv_handle_t *)timer, NULL);
}

Test(sio, held_handshake_caps_input) {
  pair_t *p = malloc(sizeof(*p));
  flood_client_t *f = calloc(1, sizeof(*f));
  cr_assert(p != NULL && f != NULL);
  pair_init(p, MODE_FLOOD_PAUSED);
  // A real ClientHello from BoringSSL, then 8 MiB that are not for a held handshake.
  SSL *hello_ssl = SSL_new(p->client_ctx);
  cr_assert_not_null(hello_ssl);
  BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
  SSL_set_bio(hello_ssl, rbio, wbio);
  SSL_set_connect_state(hello_ssl);
  cr_assert(SSL_set_tlsext_host_name(hello_ssl, "sio.test"));
  cr_assert_leq(SSL_do_handshake(hello_ssl), 0);
  const uint8_t *hello;
  size_t hello_len;
  cr_assert(BIO_mem_contents(wbio, &hello, &hello_len) && hello_len > 0);
  f->len = hello_len + 8 * 1024 * 1024;
  f->bytes = malloc(f->len);
  cr_assert_not_null(f->bytes);
  memcpy(f->bytes, hello, hello_len);
  memset(f->bytes + hello_len, 0x17, f->len - hello_len);
  SSL_free(hello_ssl);
  struct sockaddr_in addr;
  listen_on(p, &addr);
  cr_assert_eq(uv_tcp_init(&p->loop, &f->tcp), 0);
  cr_assert_eq(uv_tcp_connect(&f->connect, &f->tcp, (const struct sockaddr *)&addr, flood_connected), 0);
  p->resume_timer.data = f;
  pair_finish(p);
  cr_assert_eq(p->server.closes, 1);
  cr_assert_eq(f->closed, 1);
  cr_assert_eq(f->write_status, UV_ECANCELED, "the 8 MiB went through: the server kept reading");
  free(f->bytes);
  free(f);
  free(p);
}
