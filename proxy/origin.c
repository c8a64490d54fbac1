// The lab's HTTPS origins: one listener per scenario on one event loop, each
// answering HTTP/1.1 requests with a 200 that names the scenario; and a
// plain-HTTP listener that serves what the lab's AIA URLs name.

#include <http_parser.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy/proxy_internal.h"

#define ORIGIN_IDLE_MS 30000
#define ORIGIN_MAX_HEADER 65536

typedef struct origin_server_st origin_server_t;

typedef struct {
  uv_tcp_t listener;
  origin_server_t *server;
  proxy_origin_site_t *site;
} origin_listener_t;

typedef struct origin_conn_st {
  proxy_sio_t sio;
  uv_timer_t timer;  // hello delay, then idle timeout
  origin_listener_t *listener;
  http_parser parser;
  size_t header_bytes;
  // What the lab reports back about mTLS headers from a proxy (ALB emulation).
  char path[256];
  char field[64];
  inspect_buf_t mtls_cert;  // X-Amzn-Mtls-Clientcert, URL-decoded
  inspect_buf_t mtls_seen;  // names of the X-Amzn-Mtls-* headers received
  int closes;               // handles still open: sio and timer
  struct origin_conn_st *prev, *next;
} origin_conn_t;

// A plain-HTTP connection: one GET, one answer, then close (as AIA fetchers
// ask with Connection: close).
#define PLAIN_MAX_REQUEST 8192

typedef struct plain_conn_st {
  uv_tcp_t tcp;
  origin_server_t *server;
  char buf[PLAIN_MAX_REQUEST];
  size_t len;
  uv_write_t write_req;
  inspect_buf_t response;
  struct plain_conn_st *prev, *next;
} plain_conn_t;

struct origin_server_st {
  uv_loop_t loop;
  origin_listener_t *listeners;
  size_t num_listeners;
  origin_conn_t *conns;
  const proxy_origins_config_t *cfg;
  uv_tcp_t http;  // the plain-HTTP listener
  int http_open;
  plain_conn_t *plain_conns;
  uv_signal_t sigint, sigterm;
  uv_timer_t duration;
  int stopping;
};

static void conn_release(origin_conn_t *conn) {
  if (--conn->closes > 0) {
    return;
  }
  origin_server_t *server = conn->listener->server;
  if (conn->prev != NULL) {
    conn->prev->next = conn->next;
  } else {
    server->conns = conn->next;
  }
  if (conn->next != NULL) {
    conn->next->prev = conn->prev;
  }
  inspect_buf_cleanup(&conn->mtls_cert);
  inspect_buf_cleanup(&conn->mtls_seen);
  free(conn);
}

static void on_timer_closed(uv_handle_t *handle) { conn_release(PROXY_CONTAINER_OF(handle, origin_conn_t, timer)); }

static void on_sio_close(proxy_sio_t *sio) {
  origin_conn_t *conn = sio->data;
  if (!uv_is_closing((uv_handle_t *)&conn->timer)) {
    uv_close((uv_handle_t *)&conn->timer, on_timer_closed);
  }
  conn_release(conn);
}

static void on_idle(uv_timer_t *timer) {
  origin_conn_t *conn = PROXY_CONTAINER_OF(timer, origin_conn_t, timer);
  proxy_sio_close(&conn->sio);
}

// respond answers one request; a HEAD gets the head alone (RFC 9110, 9.3.2).
static void respond(origin_conn_t *conn, int status, const char *reason, int keep_alive, int head_only) {
  const proxy_origin_site_t *site = conn->listener->site;
  const char *sni = tls_conn_get_sni(conn->sio.ssl);
  inspect_buf_t body, extra;
  inspect_buf_init(&body, 1 << 20);
  inspect_buf_init(&extra, 4096);
  if (status != 200) {
    inspect_buf_printf(&body, "tlsmirror lab: %d %s\n", status, reason);
  } else if (strcmp(conn->path, "/mtls-echo") == 0) {
    inspect_buf_append(&body, conn->mtls_cert.data != NULL ? conn->mtls_cert.data : "", conn->mtls_cert.len);
  } else {
    inspect_buf_printf(&body, "tlsmirror lab: scenario %s: %s\n", site->name,
                       site->description != NULL ? site->description : "");
  }
  if (conn->mtls_seen.len > 0) {
    inspect_buf_printf(&extra, "X-Lab-Mtls-Headers: %s\r\n", conn->mtls_seen.data);
  }
  if (conn->mtls_cert.len > 0) {
    uint8_t digest[32];
    SHA256((const uint8_t *)conn->mtls_cert.data, conn->mtls_cert.len, digest);
    inspect_buf_puts(&extra, "X-Lab-Mtls-Clientcert-Sha256: ");
    for (int i = 0; i < 32; i++) {
      inspect_buf_printf(&extra, "%02x", digest[i]);
    }
    inspect_buf_puts(&extra, "\r\n");
  }
  char head[2048];
  int head_len = snprintf(head, sizeof(head),
                          "HTTP/1.1 %d %s\r\n"
                          "Content-Type: text/plain; charset=utf-8\r\n"
                          "Content-Length: %zu\r\n"
                          "X-Lab-Scenario: %s\r\n"
                          "X-Lab-SNI: %s\r\n"
                          "X-Lab-TLS-Version: %s\r\n"
                          "%s"
                          "Connection: %s\r\n\r\n",
                          status, reason, body.len, site->name, sni != NULL ? sni : "-", SSL_get_version(conn->sio.ssl),
                          extra.data != NULL ? extra.data : "", keep_alive ? "keep-alive" : "close");
  if (head_len < 0 || (size_t)head_len >= sizeof(head) || body.failed) {
    proxy_sio_close(&conn->sio);
  } else if (proxy_sio_write(&conn->sio, head, (size_t)head_len) == 0 && !head_only) {
    proxy_sio_write(&conn->sio, body.data != NULL ? body.data : "", body.len);
  }
  inspect_buf_cleanup(&body);
  inspect_buf_cleanup(&extra);
  inspect_buf_reset(&conn->mtls_cert);
  inspect_buf_reset(&conn->mtls_seen);
  conn->path[0] = '\0';
  if (!keep_alive) {
    proxy_sio_shutdown(&conn->sio);
  }
}

static int on_headers_complete(http_parser *parser) {
  origin_conn_t *conn = parser->data;
  conn->header_bytes = 0;
  return 0;
}

static int on_url(http_parser *parser, const char *at, size_t len) {
  origin_conn_t *conn = parser->data;
  size_t used = strlen(conn->path);
  size_t n = len < sizeof(conn->path) - 1 - used ? len : sizeof(conn->path) - 1 - used;
  memcpy(conn->path + used, at, n);
  conn->path[used + n] = '\0';
  conn->header_bytes += len;
  return conn->header_bytes > ORIGIN_MAX_HEADER;
}

static int on_header_field(http_parser *parser, const char *at, size_t len) {
  origin_conn_t *conn = parser->data;
  snprintf(conn->field, sizeof(conn->field), "%.*s", (int)len, at);
  conn->header_bytes += len;
  return conn->header_bytes > ORIGIN_MAX_HEADER;
}

static int hexval(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

static int on_header_value(http_parser *parser, const char *at, size_t len) {
  origin_conn_t *conn = parser->data;
  conn->header_bytes += len;
  if (strncasecmp(conn->field, "x-amzn-mtls-", 12) == 0) {
    inspect_buf_printf(&conn->mtls_seen, "%s%s", conn->mtls_seen.len ? "," : "", conn->field);
  }
  if (strcasecmp(conn->field, "x-amzn-mtls-clientcert") == 0) {
    // URL-decode, as a target behind ALB must.
    for (size_t i = 0; i < len; i++) {
      char c = at[i];
      if (c == '%' && i + 2 < len && hexval(at[i + 1]) >= 0 && hexval(at[i + 2]) >= 0) {
        c = (char)(hexval(at[i + 1]) * 16 + hexval(at[i + 2]));
        i += 2;
      }
      inspect_buf_append(&conn->mtls_cert, &c, 1);
    }
  }
  return conn->header_bytes > ORIGIN_MAX_HEADER;
}

static int on_message_complete(http_parser *parser) {
  origin_conn_t *conn = parser->data;
  respond(conn, 200, "OK", http_should_keep_alive(parser), parser->method == HTTP_HEAD);
  return 0;
}

static const http_parser_settings kParserSettings = {
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_message_complete = on_message_complete,
};

static void on_data(proxy_sio_t *sio, const uint8_t *data, size_t len) {
  origin_conn_t *conn = sio->data;
  uv_timer_again(&conn->timer);
  size_t n = http_parser_execute(&conn->parser, &kParserSettings, (const char *)data, len);
  if (!sio->closing && (conn->parser.http_errno != HPE_OK || n != len)) {
    if (conn->parser.upgrade) {
      return;  // the lab does not upgrade; the client will give up
    }
    respond(conn, 400, "Bad Request", 0, 0);
  }
}

static void on_eof(proxy_sio_t *sio) { proxy_sio_shutdown(sio); }

static const proxy_sio_callbacks_t kOriginCallbacks = {
    .on_data = on_data,
    .on_eof = on_eof,
    .on_close = on_sio_close,
};

static void start_tls(origin_conn_t *conn) {
  uv_timer_start(&conn->timer, on_idle, ORIGIN_IDLE_MS, ORIGIN_IDLE_MS);
  proxy_sio_start(&conn->sio);
}

static void on_hello_delay(uv_timer_t *timer) {
  origin_conn_t *conn = PROXY_CONTAINER_OF(timer, origin_conn_t, timer);
  start_tls(conn);
}

static void on_connection(uv_stream_t *stream, int status) {
  origin_listener_t *listener = PROXY_CONTAINER_OF(stream, origin_listener_t, listener);
  origin_server_t *server = listener->server;
  if (status < 0 || server->stopping) {
    return;
  }
  origin_conn_t *conn = calloc(1, sizeof(*conn));
  SSL *ssl = SSL_new(listener->site->ctx);
  if (conn == NULL || ssl == NULL) {
    free(conn);
    SSL_free(ssl);
    return;
  }
  SSL_set_accept_state(ssl);
  conn->listener = listener;
  if (proxy_sio_init(&server->loop, &conn->sio, ssl, &kOriginCallbacks, conn) < 0) {
    free(conn);
    return;
  }
  uv_timer_init(&server->loop, &conn->timer);
  conn->closes = 2;
  conn->next = server->conns;
  if (server->conns != NULL) {
    server->conns->prev = conn;
  }
  server->conns = conn;
  http_parser_init(&conn->parser, HTTP_REQUEST);
  conn->parser.data = conn;
  inspect_buf_init(&conn->mtls_cert, 1 << 20);
  inspect_buf_init(&conn->mtls_seen, 4096);
  if (uv_accept(stream, (uv_stream_t *)&conn->sio.tcp) < 0) {
    proxy_sio_close(&conn->sio);
    return;
  }
  if (listener->site->hello_delay_ms > 0) {
    uv_timer_start(&conn->timer, on_hello_delay, listener->site->hello_delay_ms, 0);
  } else {
    start_tls(conn);
  }
}

static void on_plain_closed(uv_handle_t *handle) {
  plain_conn_t *pc = PROXY_CONTAINER_OF(handle, plain_conn_t, tcp);
  if (pc->prev != NULL) {
    pc->prev->next = pc->next;
  } else {
    pc->server->plain_conns = pc->next;
  }
  if (pc->next != NULL) {
    pc->next->prev = pc->prev;
  }
  inspect_buf_cleanup(&pc->response);
  free(pc);
}

static void plain_close(plain_conn_t *pc) {
  if (!uv_is_closing((uv_handle_t *)&pc->tcp)) {
    uv_close((uv_handle_t *)&pc->tcp, on_plain_closed);
  }
}

static void on_plain_written(uv_write_t *req, int status) {
  (void)status;
  plain_close(PROXY_CONTAINER_OF(req, plain_conn_t, write_req));
}

// plain_respond answers the request in pc->buf from the routes: 200 with
// the route's body for a GET of its path (the query ignored), else 404.
static void plain_respond(plain_conn_t *pc) {
  const proxy_origins_config_t *cfg = pc->server->cfg;
  const proxy_http_route_t *route = NULL;
  if (strncmp(pc->buf, "GET ", 4) == 0) {
    const char *path = pc->buf + 4;
    size_t len = strcspn(path, " ?\r\n");
    for (size_t i = 0; i < cfg->num_routes && route == NULL; i++) {
      if (strlen(cfg->routes[i].path) == len && strncmp(cfg->routes[i].path, path, len) == 0) {
        route = &cfg->routes[i];
      }
    }
  }
  static const char kNotFound[] = "tlsmirror lab: no such object\n";
  inspect_buf_init(&pc->response, 1 << 24);
  inspect_buf_printf(
      &pc->response, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
      route != NULL ? "200 OK" : "404 Not Found", route != NULL ? route->content_type : "text/plain; charset=utf-8",
      route != NULL ? route->body_len : sizeof(kNotFound) - 1);
  inspect_buf_append(&pc->response, route != NULL ? (const void *)route->body : kNotFound,
                     route != NULL ? route->body_len : sizeof(kNotFound) - 1);
  uv_buf_t buf = uv_buf_init(pc->response.data, (unsigned)pc->response.len);
  if (pc->response.failed || uv_write(&pc->write_req, (uv_stream_t *)&pc->tcp, &buf, 1, on_plain_written) < 0) {
    plain_close(pc);
  }
}

static void on_plain_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  (void)suggested;
  plain_conn_t *pc = PROXY_CONTAINER_OF(handle, plain_conn_t, tcp);
  *buf = uv_buf_init(pc->buf + pc->len, (unsigned)(sizeof(pc->buf) - 1 - pc->len));
}

static void on_plain_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  (void)buf;
  plain_conn_t *pc = PROXY_CONTAINER_OF(stream, plain_conn_t, tcp);
  if (nread < 0) {
    plain_close(pc);
    return;
  }
  pc->len += (size_t)nread;
  pc->buf[pc->len] = '\0';
  if (strstr(pc->buf, "\r\n\r\n") != NULL || strstr(pc->buf, "\n\n") != NULL || pc->len == sizeof(pc->buf) - 1) {
    uv_read_stop(stream);
    plain_respond(pc);
  }
}

static void on_plain_connection(uv_stream_t *listener, int status) {
  origin_server_t *server = PROXY_CONTAINER_OF(listener, origin_server_t, http);
  plain_conn_t *pc = status < 0 || server->stopping ? NULL : calloc(1, sizeof(*pc));
  if (pc == NULL) {
    return;
  }
  pc->server = server;
  pc->next = server->plain_conns;
  if (server->plain_conns != NULL) {
    server->plain_conns->prev = pc;
  }
  server->plain_conns = pc;
  uv_tcp_init(&server->loop, &pc->tcp);
  if (uv_accept(listener, (uv_stream_t *)&pc->tcp) < 0 ||
      uv_read_start((uv_stream_t *)&pc->tcp, on_plain_alloc, on_plain_read) < 0) {
    plain_close(pc);
  }
}

static void stop(origin_server_t *server) {
  if (server->stopping) {
    return;
  }
  server->stopping = 1;
  for (size_t i = 0; i < server->num_listeners; i++) {
    uv_close((uv_handle_t *)&server->listeners[i].listener, NULL);
  }
  for (origin_conn_t *conn = server->conns; conn != NULL; conn = conn->next) {
    proxy_sio_close(&conn->sio);
  }
  if (server->http_open) {
    uv_close((uv_handle_t *)&server->http, NULL);
  }
  for (plain_conn_t *pc = server->plain_conns; pc != NULL; pc = pc->next) {
    plain_close(pc);
  }
  uv_close((uv_handle_t *)&server->sigint, NULL);
  uv_close((uv_handle_t *)&server->sigterm, NULL);
  uv_close((uv_handle_t *)&server->duration, NULL);
}

static void on_signal(uv_signal_t *handle, int signum) {
  (void)signum;
  stop(handle->data);
}

static void on_duration(uv_timer_t *timer) { stop(timer->data); }

// listen_on binds `tcp` to addr:*port (0 = any free port), sets *port to
// the bound port and listens; `what` names the listener in `err`.
static int listen_on(origin_server_t *server, uv_tcp_t *tcp, const char *addr, uint16_t *port, const char *what,
                     uv_connection_cb on_conn, char *err, size_t err_len) {
  uv_tcp_init(&server->loop, tcp);  // first: the caller closes it even when it fails
  char text[300];
  snprintf(text, sizeof(text), "%s:%u", addr, *port);
  struct sockaddr_storage ss;
  int r = proxy_parse_host_port(text, 0, &ss);
  if (r < 0) {
    snprintf(err, err_len, "%s", text);
    return r;
  }
  r = uv_tcp_bind(tcp, (const struct sockaddr *)&ss, 0);
  if (r == 0) {
    r = uv_listen((uv_stream_t *)tcp, 511, on_conn);
  }
  if (r < 0) {
    snprintf(err, err_len, "%s (%s): %s", text, what, uv_strerror(r));
    return r == UV_EADDRINUSE ? PROXY_EADDRINUSE : PROXY_EBIND;
  }
  struct sockaddr_storage bound;
  int len = sizeof(bound);
  uv_tcp_getsockname(tcp, (struct sockaddr *)&bound, &len);
  *port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                            : ((struct sockaddr_in *)&bound)->sin_port);
  return 0;
}

int proxy_origins_run(proxy_origins_config_t *cfg, char *err, size_t err_len) {
  err[0] = '\0';
  signal(SIGPIPE, SIG_IGN);
  origin_server_t *server = calloc(1, sizeof(*server));
  origin_listener_t *listeners = calloc(cfg->num_sites ? cfg->num_sites : 1, sizeof(*listeners));
  if (server == NULL || listeners == NULL || uv_loop_init(&server->loop) < 0) {
    free(server);
    free(listeners);
    return PROXY_ENOMEM;
  }
  server->listeners = listeners;
  const char *addr = cfg->listen_addr != NULL ? cfg->listen_addr : "127.0.0.1";
  int result = 0;
  server->cfg = cfg;
  for (size_t i = 0; i < cfg->num_sites; i++) {
    listeners[i].server = server;
    listeners[i].site = &cfg->sites[i];
    char what[128];
    snprintf(what, sizeof(what), "scenario %s", cfg->sites[i].name);
    result = listen_on(server, &listeners[i].listener, addr, &cfg->sites[i].port, what, on_connection, err, err_len);
    server->num_listeners = i + 1;
    if (result < 0) {
      break;
    }
  }
  if (result == 0 && cfg->http) {
    result =
        listen_on(server, &server->http, addr, &cfg->http_port, "the AIA listener", on_plain_connection, err, err_len);
    server->http_open = 1;
  }
  uv_signal_init(&server->loop, &server->sigint);
  uv_signal_init(&server->loop, &server->sigterm);
  uv_timer_init(&server->loop, &server->duration);
  server->sigint.data = server->sigterm.data = server->duration.data = server;
  if (result == 0 && cfg->on_ready != NULL && cfg->on_ready(cfg->arg, cfg->sites, cfg->num_sites) != 0) {
    result = PROXY_EREADY;
    stop(server);
  } else if (result == 0) {
    uv_signal_start(&server->sigint, on_signal, SIGINT);
    uv_signal_start(&server->sigterm, on_signal, SIGTERM);
    if (cfg->duration > 0) {
      uv_timer_start(&server->duration, on_duration, (uint64_t)(cfg->duration * 1000), 0);
    }
  } else {
    stop(server);
  }
  uv_run(&server->loop, UV_RUN_DEFAULT);
  int closed = uv_loop_close(&server->loop);
  (void)closed;
  free(listeners);
  free(server);
  return result;
}
