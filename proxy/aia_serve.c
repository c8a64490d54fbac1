// Mirrored AIA URLs (see aia.c and conn_internal.h): what the URL a mirrored
// copy names serves once the origin's URL was fetched, the plain-HTTP GET of
// it on the TLS port (anything else gets 400), and that GET's record.

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "proxy/conn_internal.h"

// Mirrored URLs.
//
// base_of writes "http://<host>:<port>/.well-known/tlsmirror-aia": the host
// is the client's SNI, else the address it connected to.
static int base_of(proxy_conn_t *conn, char *out, size_t out_len) {
  const struct sockaddr_storage *listen = &conn->worker->server->listen_addr;
  unsigned port = ntohs(listen->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)listen)->sin6_port
                                                      : ((const struct sockaddr_in *)listen)->sin_port);
  char host[INET6_ADDRSTRLEN + 2] = "";
  if (conn->hello.has_sni) {
    return snprintf(out, out_len, "http://%s:%u" AIA_PREFIX, conn->hello.sni, port) < (int)out_len;
  }
  struct sockaddr_storage local;
  int len = sizeof(local);
  char ip[INET6_ADDRSTRLEN];
  if (uv_tcp_getsockname(&conn->client_sio.tcp, (struct sockaddr *)&local, &len) != 0 ||
      getnameinfo((struct sockaddr *)&local, (socklen_t)len, ip, sizeof(ip), NULL, 0, NI_NUMERICHOST) != 0) {
    return 0;
  }
  snprintf(host, sizeof(host), local.ss_family == AF_INET6 ? "[%s]" : "%s", ip);
  return snprintf(out, out_len, "http://%s:%u" AIA_PREFIX, host, port) < (int)out_len;
}

static int names_http_aia(const inspect_chain_t *chain) {
  for (size_t i = 0; i < inspect_chain_num(chain); i++) {
    const char *url = inspect_cert_get0_info(inspect_chain_get0(chain, i))->aia_ca_issuers;
    if (url != NULL && strncasecmp(url, "http://", 7) == 0) {
      return 1;
    }
  }
  return 0;
}

void conn_aia_set_base(proxy_conn_t *conn) {
  char base[400];
  int with =
      conn->worker->server->aia != NULL && names_http_aia(conn->origin.chain) && base_of(conn, base, sizeof(base));
  tls_mirror_set_aia_base(conn->worker->mirror, with ? base : NULL);  // out of memory: the origin's URLs stay
}

// path_put stores what `path` serves, unless it serves that outcome already.
// Under the lock.
static void path_put(proxy_aia_t *t, aia_path_t *fresh) {
  for (aia_path_t **p = &t->paths; *p != NULL; p = &(*p)->next) {
    if (strcmp((*p)->path, fresh->path) == 0) {
      aia_path_t *old = *p;
      *p = old->next;
      conn_aia_path_free(old);
      t->num_paths--;
      break;
    }
  }
  if (t->num_paths == AIA_MAX_PATHS) {
    aia_path_t **last = &t->paths;
    while ((*last)->next != NULL) {
      last = &(*last)->next;
    }
    conn_aia_path_free(*last);
    *last = NULL;
    t->num_paths--;
  }
  fresh->next = t->paths;
  t->paths = fresh;
  t->num_paths++;
}

// path_is_current says whether `path` already serves `r`'s outcome.
static int path_is_current(proxy_aia_t *t, const char *path, const aia_result_t *r) {
  pthread_mutex_lock(&t->lock);
  int current = 0;
  for (aia_path_t *p = t->paths; p != NULL && !current; p = p->next) {
    current = strcmp(p->path, path) == 0 && p->fetched_ms == r->fetched_ms && strcmp(p->url, r->url) == 0;
  }
  pthread_mutex_unlock(&t->lock);
  return current;
}

// publish_one makes what copy `index`'s URL serves for fetch `r`: the
// mirrored issuer when `r` delivered the copy's issuer; a certificate that
// did not issue it, as the origin's URL gave; else the failure.
static void publish_one(proxy_conn_t *conn, size_t index, aia_result_t *r, const char *base) {
  tls_mirror_t *mirror = conn->worker->mirror;
  proxy_aia_t *t = conn->worker->server->aia;
  const inspect_trust_t *trust = conn_cfg(conn)->trust;
  char path[48];
  if (tls_mirror_aia_path(mirror, conn->origin.chain, index, trust, path, sizeof(path)) != TLS_OK) {
    return;  // its issuer was sent: the copy names no mirrored URL
  }
  free(r->mirrored);
  size_t len = strlen(base) + strlen(path) + 1;
  if ((r->mirrored = malloc(len)) != NULL) {
    snprintf(r->mirrored, len, "%s%s", base, path);
  }
  if (path_is_current(t, path, r)) {
    return;
  }
  aia_path_t *p = calloc(1, sizeof(*p));
  if (p == NULL || (p->url = strdup(r->url)) == NULL) {
    free(p);
    return;
  }
  snprintf(p->path, sizeof(p->path), "%s", path);
  p->status = r->status;
  p->fetched_ms = r->fetched_ms;
  CRYPTO_BUFFER *issuer = NULL;
  for (size_t i = 0; r->status == INSPECT_AIA_OK && issuer == NULL && i < inspect_chain_num(r->certs); i++) {
    tls_mirror_aia_issuer(mirror, conn->origin.chain, index, inspect_chain_get0(r->certs, i), trust, &issuer, path,
                          sizeof(path));
  }
  const uint8_t *der = NULL;
  if (issuer != NULL) {
    p->issuer = 1;
    der = CRYPTO_BUFFER_data(issuer);
    p->der_len = CRYPTO_BUFFER_len(issuer);
  } else if (r->status == INSPECT_AIA_OK && inspect_chain_num(r->certs) > 0) {
    const inspect_cert_info_t *info = inspect_cert_get0_info(inspect_chain_get0(r->certs, 0));
    der = info->der;
    p->der_len = info->der_len;
  }
  if (der != NULL && (p->der = malloc(p->der_len)) != NULL) {
    memcpy(p->der, der, p->der_len);
  } else if (der != NULL) {
    p->status = INSPECT_AIA_DEAD;  // out of memory: serve nothing
  }
  CRYPTO_BUFFER_free(issuer);
  pthread_mutex_lock(&t->lock);
  path_put(t, p);
  pthread_mutex_unlock(&t->lock);
}

void conn_aia_publish(proxy_conn_t *conn) {
  conn_aia_t *aia = conn->aia;
  char base[400];
  if (aia == NULL || aia->num == 0 || !names_http_aia(conn->origin.chain) || !base_of(conn, base, sizeof(base))) {
    return;
  }
  const inspect_chain_t *chain = conn->origin.chain;
  for (size_t k = 0; k < aia->num; k++) {
    for (size_t i = 0; i < inspect_chain_num(chain); i++) {
      const char *url = inspect_cert_get0_info(inspect_chain_get0(chain, i))->aia_ca_issuers;
      if (url != NULL && strcmp(url, aia->results[k].url) == 0) {
        publish_one(conn, i, &aia->results[k], base);
      }
    }
  }
}

// The connection's record: tlsmirror.aia.
static void json_time_ms(inspect_buf_t *out, int64_t ms) {
  char ts[INSPECT_TIME_STR_LEN];
  inspect_time_format_rfc3339(ms / 1000, ts);
  ts[19] = '\0';  // drop the Z to add milliseconds
  inspect_buf_printf(out, "\"%s.%03lldZ\"", ts, (long long)(ms % 1000));
}

void conn_aia_render(const conn_aia_t *aia, inspect_buf_t *out) {
  if (aia == NULL || aia->num == 0) {
    return;
  }
  inspect_buf_puts(out, ",\"aia\":[");
  for (size_t i = 0; i < aia->num; i++) {
    const aia_result_t *r = &aia->results[i];
    inspect_buf_puts(out, i ? ",{\"url\":" : "{\"url\":");
    inspect_buf_json_string(out, r->url);
    inspect_buf_puts(out, ",\"mirrored_url\":");
    inspect_buf_json_string(out, r->mirrored);
    inspect_buf_printf(out, ",\"status\":\"%s\",\"detail\":", inspect_aia_status_name(r->status));
    inspect_buf_json_string(out, r->detail);
    inspect_buf_puts(out, ",\"fetched\":");
    json_time_ms(out, r->fetched_ms);
    inspect_buf_printf(out, ",\"cached\":%s}", r->cached ? "true" : "false");
  }
  inspect_buf_puts(out, "]");
}

// Plain HTTP on the TLS port: an AIA GET, else 400.
static const proxy_sio_callbacks_t kPlainCallbacks;

static void respond(proxy_conn_t *conn, int code, const char *head, const void *body, size_t body_len) {
  inspect_buf_t out;
  inspect_buf_init(&out, body_len + 4096);
  inspect_buf_printf(&out, "HTTP/1.1 %d %s\r\n%sContent-Length: %zu\r\nConnection: close\r\n\r\n", code,
                     http_status_str((enum http_status)code), head, body_len);
  inspect_buf_append(&out, body, body_len);
  conn->http.status = code;
  if (conn->aia != NULL && conn->aia->get != NULL) {
    conn->aia->get->answered = 1;
    conn->aia->get->code = code;
  }
  if (!out.failed) {
    proxy_sio_write_raw(&conn->client_sio, out.data, out.len);
  }
  inspect_buf_cleanup(&out);
  proxy_sio_close_after_flush(&conn->client_sio);
}

static void bad_request(proxy_conn_t *conn) {
  static const char kBody[] = "tlsmirror: this port speaks TLS; use https:// to reach it.\n\n\n";
  respond(conn, 400, "Content-Type: text/plain\r\n", kBody, sizeof(kBody) - 1);
}

// serve answers GET AIA_PREFIX<path> as the origin's URL answered.
static void serve(proxy_conn_t *conn, aia_get_t *g) {
  const proxy_http_t *http = &conn->http;
  const char *path = http->path + strlen(AIA_PREFIX);
  proxy_aia_t *t = conn->worker->server->aia;
  uint8_t *der = NULL;
  size_t der_len = 0;
  pthread_mutex_lock(&t->lock);
  for (aia_path_t *p = t->paths; p != NULL && !g->found; p = p->next) {
    if (strcmp(p->path, path) == 0) {
      g->found = 1;
      g->url = strdup(p->url);
      g->status = p->status;
      g->fetched_ms = p->fetched_ms;
      g->issuer = p->issuer;
      if (p->der != NULL && (der = malloc(p->der_len)) != NULL) {
        memcpy(der, p->der, p->der_len);
        der_len = p->der_len;
      }
    }
  }
  pthread_mutex_unlock(&t->lock);
  static const char kNotFound[] = "tlsmirror: no mirrored AIA URL by this name (another run's, or forgotten)\n";
  static const char kGarbage[] = "tlsmirror: the origin's AIA URL answered with bytes that hold no certificate\n";
  static const char kDead[] = "tlsmirror: the origin's AIA URL failed, so does this one\n";
  char location[700];
  if (!g->found) {
    respond(conn, 404, "Content-Type: text/plain\r\n", kNotFound, sizeof(kNotFound) - 1);
  } else if (g->status == INSPECT_AIA_OK && der != NULL) {
    respond(conn, 200, "Content-Type: application/pkix-cert\r\n", der, der_len);
  } else if (g->status == INSPECT_AIA_TIMEOUT) {
    g->held = 1;  // no answer: the client gives up, as it would on the origin's URL
    conn->close_reason = "the origin's AIA URL timed out: no answer until the client gave up";
  } else if (g->status == INSPECT_AIA_TOO_LARGE) {
    uint8_t *zeros = calloc(1, TLS_AIA_MAX_BYTES + 1);
    if (zeros != NULL) {
      respond(conn, 200, "Content-Type: application/pkix-cert\r\n", zeros, TLS_AIA_MAX_BYTES + 1);
    } else {
      respond(conn, 404, "Content-Type: text/plain\r\n", kNotFound, sizeof(kNotFound) - 1);
    }
    free(zeros);
  } else if (g->status == INSPECT_AIA_GARBAGE) {
    respond(conn, 200, "Content-Type: application/pkix-cert\r\n", kGarbage, sizeof(kGarbage) - 1);
  } else if (g->status == INSPECT_AIA_REDIRECT_LOOP) {
    snprintf(location, sizeof(location), "Location: %.600s\r\n", http->path);  // to itself, until the client stops
    respond(conn, 302, location, "", 0);
  } else if (g->status == INSPECT_AIA_NOT_HTTP) {
    snprintf(location, sizeof(location), "Location: https://%.255s%.400s\r\n", http->host[0] ? http->host : "localhost",
             http->path);
    respond(conn, 302, location, "", 0);  // browsers follow AIA redirects to http:// only
  } else {
    respond(conn, 404, "Content-Type: text/plain\r\n", kDead, sizeof(kDead) - 1);
  }
  free(der);
}

// The sink of the connection's proxy_http_t, which reads the request: one
// request per connection, always answered by tlsmirror.
static void plain_forward(void *arg, const uint8_t *data, size_t len) {
  (void)data, (void)len;
  proxy_conn_t *conn = arg;
  if (!conn->aia->get->answered) {
    bad_request(conn);  // not HTTP
  }
}

static int plain_on_head(void *arg, proxy_http_t *http) {
  proxy_conn_t *conn = arg;
  aia_get_t *g = conn->aia->get;
  proxy_metrics_add(&conn_metrics(conn)->requests_total, 1);
  if (strcmp(http->method, "GET") != 0 || strncmp(http->path, AIA_PREFIX "/", sizeof(AIA_PREFIX)) != 0 ||
      strlen(http->path) > sizeof(AIA_PREFIX) + 40) {
    bad_request(conn);
    return 1;
  }
  g->start_ms = conn_aia_wall_ms();
  g->start_ns = uv_hrtime();
  serve(conn, g);
  return 1;
}

static void plain_on_too_large(void *arg) { bad_request(arg); }

static const proxy_http_sink_t kPlainSink = {
    .forward = plain_forward,
    .on_head = plain_on_head,
    .on_too_large = plain_on_too_large,
};

static void on_plain_data(proxy_sio_t *sio, const uint8_t *data, size_t len) {
  proxy_conn_t *conn = sio->data;
  proxy_http_request_feed(&conn->http, data, len);
}

static void on_plain_eof(proxy_sio_t *sio) {
  proxy_conn_t *conn = sio->data;
  const aia_get_t *g = conn->aia->get;
  if (g->held) {
    conn->close_reason = "the client gave up waiting, as on the origin's AIA URL, which timed out";
  } else if (!g->answered && conn->close_reason == NULL) {
    conn->close_reason = "the client closed before a whole request";
  }
  proxy_sio_close(sio);
}

static void on_plain_close(proxy_sio_t *sio) {
  proxy_conn_t *conn = sio->data;
  conn_close_timers(conn);
  conn_release(conn);
}

static const proxy_sio_callbacks_t kPlainCallbacks = {
    .on_data = on_plain_data,
    .on_eof = on_plain_eof,
    .on_close = on_plain_close,
};

void conn_plain_http(proxy_conn_t *conn) {
  proxy_sio_t *sio = &conn->client_sio;
  conn_aia_t *aia = strstr(sio->tls_error, "HTTP_REQUEST") != NULL ? conn_aia_of(conn) : NULL;
  if (aia == NULL || (aia->get = calloc(1, sizeof(aia_get_t))) == NULL || proxy_sio_set_plain(sio) != 0) {
    bad_request(conn);  // CONNECT, or its first bytes are gone
    return;
  }
  conn->http.sink = &kPlainSink;  // the request is read as a relayed one would be...
  sio->cb = &kPlainCallbacks;     // ...from the stream, which now delivers it as it came
}

// The record of an AIA GET.
int conn_aia_record(proxy_conn_t *conn) {
  const aia_get_t *g = conn->aia != NULL ? conn->aia->get : NULL;
  const proxy_http_t *http = &conn->http;
  if (g == NULL || g->start_ms == 0) {
    return 0;  // not an AIA GET: the connection's own record
  }
  int ok = g->found && g->issuer && g->code == 200;
  inspect_buf_t out;
  inspect_buf_init(&out, 1 << 16);
  inspect_buf_puts(&out, "{\"@timestamp\":");
  json_time_ms(&out, g->start_ms);
  inspect_buf_printf(&out,
                     ",\"event\":{\"kind\":\"event\",\"category\":[\"network\",\"web\"],\"dataset\":\"tlsmirror.aia\","
                     "\"duration\":%llu,\"outcome\":\"%s\"",
                     (unsigned long long)(uv_hrtime() - g->start_ns), ok ? "success" : "failure");
  if (conn->close_reason != NULL) {
    inspect_buf_puts(&out, ",\"reason\":");
    inspect_buf_json_string(&out, conn->close_reason);
  }
  inspect_buf_puts(&out, "},\"source\":{\"ip\":");
  inspect_buf_json_string(&out, conn->source_ip);
  inspect_buf_printf(&out, ",\"port\":%u},\"http\":{\"request\":{\"method\":\"GET\"}", conn->source_port);
  if (g->code != 0) {
    inspect_buf_printf(&out, ",\"response\":{\"status_code\":%d}", g->code);
  }
  inspect_buf_puts(&out, "},\"url\":{\"original\":");
  inspect_buf_json_string(&out, http->path);
  inspect_buf_puts(&out, ",\"path\":");
  inspect_buf_json_string(&out, http->path);
  if (http->host[0] != '\0') {
    // The Host header without its port ("[v6]:port" keeps its brackets off).
    const char *host = http->host[0] == '[' ? http->host + 1 : http->host;
    size_t len = http->host[0] == '[' ? strcspn(host, "]") : strcspn(host, ":");
    inspect_buf_puts(&out, ",\"domain\":");
    inspect_buf_json_string_len(&out, host, len);
  }
  inspect_buf_puts(&out, "}");
  if (http->user_agent[0] != '\0') {
    inspect_buf_puts(&out, ",\"user_agent\":{\"original\":");
    inspect_buf_json_string(&out, http->user_agent);
    inspect_buf_puts(&out, "}");
  }
  inspect_buf_puts(&out, ",\"tlsmirror\":{\"aia_get\":{\"path\":");
  inspect_buf_json_string(&out, http->path + strlen(AIA_PREFIX));
  inspect_buf_puts(&out, ",\"url\":");
  inspect_buf_json_string(&out, g->found ? g->url : NULL);
  const char *served;
  if (g->found) {
    inspect_buf_printf(&out, ",\"status\":\"%s\",\"fetched\":", inspect_aia_status_name(g->status));
    json_time_ms(&out, g->fetched_ms);
    served = g->held                       ? "nothing: held until the client gave up, as the origin's URL timed out"
             : g->issuer                   ? "the mirrored issuer"
             : g->status == INSPECT_AIA_OK ? "the certificate the origin's URL served, which did not issue the copy"
                                           : "the failure of the origin's URL";
  } else {
    served = "404: no mirrored AIA URL by this name";
  }
  inspect_buf_puts(&out, ",\"served\":");
  inspect_buf_json_string(&out, served);
  inspect_buf_puts(&out, "},\"rejected_by\":\"none\",\"summary\":");
  inspect_buf_t summary;
  inspect_buf_init(&summary, 4096);
  inspect_buf_printf(&summary, "A client fetched the mirrored AIA URL %s", http->path);
  if (g->found) {
    inspect_buf_printf(&summary, " (for %s, %s) and got %s.", g->url, inspect_aia_status_name(g->status), served);
  } else {
    inspect_buf_puts(&summary, ": not in the table, 404.");
  }
  inspect_buf_json_string(&out, summary.data);
  inspect_buf_cleanup(&summary);
  inspect_buf_puts(&out, "}}\n");
  proxy_server_t *server = conn->worker->server;
  if (!out.failed) {
    proxy_log_write(&server->log, out.data, out.len);
    proxy_metrics_add(&server->metrics.records_total, 1);
  }
  inspect_buf_cleanup(&out);
  return 1;
}
