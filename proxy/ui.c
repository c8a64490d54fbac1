// The live web view (proxy --ui): a small HTTP server on its own thread and
// event loop, fed by a bounded ring of the newest records.
//
// Workers push each record (one copy, a short lock) and wake the UI loop;
// the loop renders rows and connections with view/ (the report's renderer)
// and streams new rows to browsers as server-sent events. The log file stays
// the source of truth: what falls out of the ring is only gone from the page.
//
// Access: on a loopback address the Host header must name that address (so a
// DNS-rebinding page cannot read it); elsewhere --ui-token is required, the
// page asks for it once (POST /api/login, compared in constant time) and then
// holds a session cookie.

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy/proxy_internal.h"
#include "view/view.h"

#define UI_MAX_REQUEST 16384
#define UI_SSE_BATCH 256  // rows per write to one browser
#define UI_PING_MS 15000  // an SSE comment keeps idle streams open
#define UI_COOKIE "tlsmirror_ui"

typedef struct {
  uint64_t id;  // 0: empty
  char *text;   // the record
  size_t len;
  char *row;  // its row as JSON (view_row_json), rendered by the UI thread on first use
  size_t row_len;
} ui_slot_t;

typedef struct ui_client_st ui_client_t;

struct proxy_ui_st {
  const proxy_config_t *cfg;
  uv_loop_t loop;
  uv_tcp_t listener;
  uv_async_t wakeup;
  uv_timer_t ping;
  uv_thread_t thread;
  int loop_ready, thread_started;
  int stopping;         // atomic
  char host_ok[3][96];  // Host header values accepted without a token
  char url[128];
  uint8_t token_hash[32];
  char session[65];  // the cookie value a right token earns
  int has_token;
  ui_client_t *clients;
  int streams;           // atomic: open event streams; with none, a push wakes nobody
  pthread_mutex_t lock;  // the ring
  ui_slot_t *slots;
  size_t cap;
  uint64_t next_id;
};

struct ui_client_st {
  uv_tcp_t tcp;
  proxy_ui_t *ui;
  ui_client_t *prev, *next;
  char buf[UI_MAX_REQUEST + 1];
  size_t len;
  int sse;      // streaming events
  int writing;  // a write is under way
  int closing;
  uint64_t sent;  // the last id sent
  uv_write_t write_req;
  inspect_buf_t out;
};

// The ring.
void proxy_ui_push(proxy_ui_t *ui, const char *record, size_t len) {
  char *copy = malloc(len);
  if (copy == NULL) {
    return;
  }
  memcpy(copy, record, len);
  pthread_mutex_lock(&ui->lock);
  uint64_t id = ui->next_id++;
  ui_slot_t *slot = &ui->slots[id % ui->cap];
  char *old_text = slot->text, *old_row = slot->row;
  *slot = (ui_slot_t){.id = id, .text = copy, .len = len};
  pthread_mutex_unlock(&ui->lock);
  free(old_text);
  free(old_row);
  // Nobody watching: the record waits in the ring for the next browser, and
  // the worker pays for no wake-up. (A stream counted after this load reads
  // the ring after the lock above, so it sees this record.)
  if (__atomic_load_n(&ui->streams, __ATOMIC_SEQ_CST) > 0) {
    uv_async_send(&ui->wakeup);
  }
}

// ring_bounds gives the oldest and newest ids held (oldest > newest: none).
static void ring_bounds(proxy_ui_t *ui, uint64_t *oldest, uint64_t *newest) {
  pthread_mutex_lock(&ui->lock);
  *newest = ui->next_id - 1;
  *oldest = ui->next_id > ui->cap ? ui->next_id - ui->cap : 1;
  pthread_mutex_unlock(&ui->lock);
}

// ring_copy appends record `id` to `out`; 0 if it is no longer held.
static int ring_copy(proxy_ui_t *ui, uint64_t id, inspect_buf_t *out) {
  pthread_mutex_lock(&ui->lock);
  const ui_slot_t *slot = &ui->slots[id % ui->cap];
  int found = id != 0 && slot->id == id;
  if (found) {
    inspect_buf_append(out, slot->text, slot->len);
  }
  pthread_mutex_unlock(&ui->lock);
  return found;
}

static view_record_t *ring_record(proxy_ui_t *ui, uint64_t id) {
  inspect_buf_t text;
  inspect_buf_init(&text, VIEW_RECORD_MAX);
  view_record_t *rec = NULL;
  if (ring_copy(ui, id, &text) && !text.failed && view_record_parse(text.data, text.len, &rec) != 0) {
    rec = NULL;
  }
  inspect_buf_cleanup(&text);
  return rec;
}

// ring_row appends record `id`'s row JSON to `out` (rendered once, kept in
// its slot); 0 if it is no longer held.
static int ring_row(proxy_ui_t *ui, uint64_t id, inspect_buf_t *out) {
  pthread_mutex_lock(&ui->lock);
  ui_slot_t *slot = &ui->slots[id % ui->cap];
  int found = slot->id == id, have = found && slot->row != NULL;
  if (have) {
    inspect_buf_append(out, slot->row, slot->row_len);
  }
  pthread_mutex_unlock(&ui->lock);
  if (!found || have) {
    return found;
  }
  view_record_t *rec = ring_record(ui, id);
  if (rec == NULL) {
    return 0;  // replaced meanwhile, or not a record (never: the proxy wrote it)
  }
  inspect_buf_t row;
  inspect_buf_init(&row, 1 << 20);
  view_row_json(rec, id, &row);
  view_record_free(rec);
  inspect_buf_append(out, row.data, row.len);
  pthread_mutex_lock(&ui->lock);
  if (slot->id == id && slot->row == NULL && !row.failed) {
    slot->row = row.data;  // the slot takes the rendering
    slot->row_len = row.len;
    row.data = NULL;
  }
  pthread_mutex_unlock(&ui->lock);
  free(row.data);
  return 1;
}

// Clients.
static void on_client_closed(uv_handle_t *handle) {
  ui_client_t *c = PROXY_CONTAINER_OF(handle, ui_client_t, tcp);
  if (c->sse) {
    __atomic_sub_fetch(&c->ui->streams, 1, __ATOMIC_SEQ_CST);
  }
  if (c->prev != NULL) {
    c->prev->next = c->next;
  } else {
    c->ui->clients = c->next;
  }
  if (c->next != NULL) {
    c->next->prev = c->prev;
  }
  inspect_buf_cleanup(&c->out);
  free(c);
}

static void client_close(ui_client_t *c) {
  if (!c->closing) {
    c->closing = 1;
    uv_close((uv_handle_t *)&c->tcp, on_client_closed);
  }
}

static void sse_pump(ui_client_t *c);

static void on_written(uv_write_t *req, int status) {
  ui_client_t *c = PROXY_CONTAINER_OF(req, ui_client_t, write_req);
  c->writing = 0;
  inspect_buf_reset(&c->out);
  if (status < 0 || !c->sse) {
    client_close(c);
    return;
  }
  sse_pump(c);
}

static void client_send(ui_client_t *c) {
  if (c->out.failed) {
    client_close(c);
    return;
  }
  uv_buf_t buf = uv_buf_init(c->out.data, (unsigned)c->out.len);
  c->writing = 1;
  if (uv_write(&c->write_req, (uv_stream_t *)&c->tcp, &buf, 1, on_written) < 0) {
    c->writing = 0;
    client_close(c);
  }
}

static const char kSecurityHeaders[] =
    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
    "Referrer-Policy: no-referrer\r\nContent-Security-Policy: default-src 'self'; script-src 'self'; "
    "style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'\r\n";

static const char *status_text(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 421: return "Misdirected Request";
    case 431: return "Request Header Fields Too Large";
    default: return "Internal Server Error";
  }
}

// respond sends a whole response and closes the connection after it.
static void respond(ui_client_t *c, int status, const char *type, const char *extra, const void *body, size_t len) {
  inspect_buf_printf(&c->out, "HTTP/1.1 %d %s\r\n%sContent-Length: %zu\r\nConnection: close\r\n%s", status,
                     status_text(status), kSecurityHeaders, len, extra != NULL ? extra : "");
  if (type != NULL) {
    inspect_buf_printf(&c->out, "Content-Type: %s\r\n", type);
  }
  inspect_buf_puts(&c->out, "\r\n");
  inspect_buf_append(&c->out, body, len);
  client_send(c);
}

static void respond_text(ui_client_t *c, int status, const char *text) {
  respond(c, status, "text/plain; charset=utf-8", NULL, text, strlen(text));
}

// sse_pump sends the rows a browser has not seen yet, a batch per write.
static void sse_pump(ui_client_t *c) {
  if (c->writing || c->closing) {
    return;
  }
  uint64_t oldest, newest;
  ring_bounds(c->ui, &oldest, &newest);
  if (c->sent + 1 < oldest) {
    c->sent = oldest - 1;  // what fell out of the ring meanwhile is in the log only
  }
  for (int n = 0; n < UI_SSE_BATCH && c->sent < newest; n++) {
    uint64_t id = ++c->sent;
    size_t mark = c->out.len;
    inspect_buf_printf(&c->out, "id: %llu\nevent: row\ndata: ", (unsigned long long)id);
    if (ring_row(c->ui, id, &c->out)) {
      inspect_buf_puts(&c->out, "\n\n");
    } else {
      c->out.len = mark;
    }
  }
  if (c->out.len > 0) {
    client_send(c);
  }
}

static void on_ping(uv_timer_t *timer) {
  proxy_ui_t *ui = timer->data;
  for (ui_client_t *c = ui->clients; c != NULL; c = c->next) {
    if (c->sse && !c->writing && !c->closing) {
      inspect_buf_puts(&c->out, ": ping\n\n");
      client_send(c);
    }
  }
}

// Requests.
typedef struct {
  char method[8];
  char target[256];
  const char *host, *cookie, *origin, *last_event_id;
  size_t content_length;
  const char *body;
} ui_request_t;

// parse_headers walks the head's header lines once, ending each value of
// interest in place.
static void parse_headers(char *head, ui_request_t *req) {
  static const char *const kNames[] = {"Host", "Cookie", "Origin", "Last-Event-ID", "Content-Length"};
  const char **slots[] = {&req->host, &req->cookie, &req->origin, &req->last_event_id, NULL};
  char *line = strstr(head, "\r\n");
  while (line != NULL) {
    line += 2;
    char *next = strstr(line, "\r\n");
    if (next != NULL) {
      *next = '\0';
    }
    char *colon = strchr(line, ':');
    for (size_t i = 0; colon != NULL && i < sizeof(kNames) / sizeof(kNames[0]); i++) {
      size_t n = strlen(kNames[i]);
      if ((size_t)(colon - line) == n && strncasecmp(line, kNames[i], n) == 0) {
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t') {
          v++;
        }
        for (char *e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--) {
          e[-1] = '\0';
        }
        if (slots[i] != NULL) {
          *slots[i] = v;
        } else {
          req->content_length = strtoul(v, NULL, 10);
        }
      }
    }
    line = next;
  }
}

static int authorized(const proxy_ui_t *ui, const ui_request_t *req) {
  if (!ui->has_token) {
    return 1;
  }
  const char *cookie = req->cookie;
  while (cookie != NULL && (cookie = strstr(cookie, UI_COOKIE "=")) != NULL) {
    if (cookie == req->cookie || cookie[-1] == ' ' || cookie[-1] == ';') {
      const char *v = cookie + strlen(UI_COOKIE) + 1;
      return strlen(v) >= 64 && (v[64] == '\0' || v[64] == ';') && CRYPTO_memcmp(v, ui->session, 64) == 0;
    }
    cookie++;
  }
  return 0;
}

static int host_allowed(const proxy_ui_t *ui, const char *host) {
  if (ui->has_token) {
    return 1;  // the token guards it
  }
  for (size_t i = 0; host != NULL && i < sizeof(ui->host_ok) / sizeof(ui->host_ok[0]); i++) {
    if (ui->host_ok[i][0] != '\0' && strcasecmp(host, ui->host_ok[i]) == 0) {
      return 1;
    }
  }
  return 0;
}

static void login(ui_client_t *c, const ui_request_t *req) {
  proxy_ui_t *ui = c->ui;
  uint8_t hash[32];
  SHA256((const uint8_t *)req->body, req->content_length, hash);  // equal lengths: a constant-time compare
  if (!ui->has_token || CRYPTO_memcmp(hash, ui->token_hash, sizeof(hash)) != 0) {
    respond_text(c, 403, "wrong token\n");
    return;
  }
  char cookie[160];
  snprintf(cookie, sizeof(cookie), "Set-Cookie: " UI_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict\r\n", ui->session);
  respond(c, 204, NULL, cookie, "", 0);
}

static void serve_asset(ui_client_t *c, const char *name) {
  const view_asset_t *a = view_asset_find(name);
  if (a == NULL) {
    respond_text(c, 404, "not found\n");
    return;
  }
  respond(c, 200, a->type, NULL, a->data, a->len);
}

static void serve_conn(ui_client_t *c, const char *rest) {
  char *end;
  unsigned long long id = strtoull(rest, &end, 10);
  int json = strcmp(end, ".json") == 0;
  if (end == rest || (*end != '\0' && !json)) {
    respond_text(c, 404, "not found\n");
    return;
  }
  inspect_buf_t body;
  inspect_buf_init(&body, INSPECT_BUF_DEFAULT_MAX);
  if (json) {
    if (!ring_copy(c->ui, id, &body)) {
      respond_text(c, 404, "this connection is no longer in memory: its record is in the log file\n");
    } else {
      char disposition[96];
      snprintf(disposition, sizeof(disposition),
               "Content-Disposition: attachment; filename=\"tlsmirror-%llu.json\"\r\n", id);
      respond(c, 200, "application/json", disposition, body.data, body.len);
    }
    inspect_buf_cleanup(&body);
    return;
  }
  view_record_t *rec = ring_record(c->ui, id);
  if (rec == NULL) {
    respond_text(c, 404, "this connection is no longer in memory: its record is in the log file\n");
  } else {
    view_conn_html(rec, id, &body);
    view_record_free(rec);
    respond(c, body.failed ? 500 : 200, "text/html; charset=utf-8", NULL, body.data, body.failed ? 0 : body.len);
  }
  inspect_buf_cleanup(&body);
}

static void start_events(ui_client_t *c, const ui_request_t *req) {
  c->sse = 1;
  __atomic_add_fetch(&c->ui->streams, 1, __ATOMIC_SEQ_CST);
  if (req->last_event_id != NULL) {
    c->sent = strtoull(req->last_event_id, NULL, 10);  // a reconnecting browser resumes
  }
  inspect_buf_printf(&c->out,
                     "HTTP/1.1 200 OK\r\n%sContent-Type: text/event-stream\r\nConnection: keep-alive\r\n\r\n"
                     "retry: 2000\n\n",
                     kSecurityHeaders);
  client_send(c);
}

static void route(ui_client_t *c, ui_request_t *req) {
  proxy_ui_t *ui = c->ui;
  if (!host_allowed(ui, req->host)) {
    char msg[256];
    snprintf(msg, sizeof(msg), "tlsmirror: this view answers only to its own address: open %s\n", ui->url);
    respond_text(c, 421, msg);
    return;
  }
  char *query = strchr(req->target, '?');
  if (query != NULL) {
    *query = '\0';
  }
  const char *t = req->target;
  int get = strcmp(req->method, "GET") == 0;
  if (strcmp(t, "/api/login") == 0) {
    // A page on another origin must not try tokens: browsers send Origin on POST.
    char self[160];
    snprintf(self, sizeof(self), "http://%s", req->host != NULL ? req->host : "");
    if (strcmp(req->method, "POST") != 0) {
      respond_text(c, 405, "POST the token\n");
    } else if (req->origin != NULL && strcasecmp(req->origin, self) != 0) {
      respond_text(c, 403, "cross-origin login refused\n");
    } else {
      login(c, req);
    }
    return;
  }
  if (!get) {
    respond_text(c, 405, "only GET\n");
    return;
  }
  if (strcmp(t, "/") == 0 || strcmp(t, "/index.html") == 0) {
    serve_asset(c, "index.html");
  } else if (strcmp(t, "/style.css") == 0 || strcmp(t, "/app.js") == 0) {
    serve_asset(c, t + 1);
  } else if (strncmp(t, "/api/", 5) != 0) {
    respond_text(c, 404, "not found\n");
  } else if (!authorized(ui, req)) {
    respond_text(c, 401, "this view needs the --ui-token\n");
  } else if (strcmp(t, "/api/hello") == 0) {
    char body[96];
    int n = snprintf(body, sizeof(body), "{\"ring\":%zu,\"token\":%s}", ui->cap, ui->has_token ? "true" : "false");
    respond(c, 200, "application/json", NULL, body, (size_t)n);
  } else if (strcmp(t, "/api/events") == 0) {
    start_events(c, req);
  } else if (strncmp(t, "/api/conn/", 10) == 0) {
    serve_conn(c, t + 10);
  } else {
    respond_text(c, 404, "not found\n");
  }
}

// parse_request reads the head once it is whole (and the body, for a
// login); 0 while more is needed, 1 ready, -1 malformed.
static int parse_request(ui_client_t *c, ui_request_t *req) {
  char *end = strstr(c->buf, "\r\n\r\n");
  if (end == NULL) {
    return c->len >= UI_MAX_REQUEST ? -1 : 0;
  }
  size_t head_len = (size_t)(end - c->buf) + 4;
  memset(req, 0, sizeof(*req));
  if (sscanf(c->buf, "%7s %255s HTTP/1.", req->method, req->target) != 2) {
    return -1;
  }
  // The body's length first (the head is parsed in place only once whole).
  const char *length = strcasestr(c->buf, "\r\nContent-Length:");
  size_t content_length = length != NULL && length < end ? strtoul(length + 17, NULL, 10) : 0;
  if (content_length > 1024) {
    return -1;
  }
  if (c->len < head_len + content_length) {
    return 0;
  }
  end[2] = '\0';  // the headers end with the last CRLF
  parse_headers(c->buf, req);
  req->content_length = content_length;
  req->body = c->buf + head_len;
  return 1;
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  (void)suggested;
  ui_client_t *c = PROXY_CONTAINER_OF(handle, ui_client_t, tcp);
  *buf = uv_buf_init(c->buf + c->len, (unsigned)(UI_MAX_REQUEST - c->len));
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  (void)buf;
  ui_client_t *c = PROXY_CONTAINER_OF(stream, ui_client_t, tcp);
  if (nread < 0) {
    client_close(c);
    return;
  }
  if (c->sse || c->writing) {
    return;  // one request a connection; an event stream only listens
  }
  c->len += (size_t)nread;
  c->buf[c->len] = '\0';
  ui_request_t req;
  int r = parse_request(c, &req);
  if (r == 0) {
    return;
  }
  if (r < 0) {
    respond_text(c, c->len >= UI_MAX_REQUEST ? 431 : 400, "bad request\n");
    return;
  }
  route(c, &req);
}

static void on_connection(uv_stream_t *listener, int status) {
  proxy_ui_t *ui = listener->data;
  if (status < 0) {
    return;
  }
  ui_client_t *c = calloc(1, sizeof(*c));
  if (c == NULL) {
    return;
  }
  c->ui = ui;
  inspect_buf_init(&c->out, INSPECT_BUF_DEFAULT_MAX);
  c->next = ui->clients;
  if (ui->clients != NULL) {
    ui->clients->prev = c;
  }
  ui->clients = c;
  uv_tcp_init(&ui->loop, &c->tcp);
  if (uv_accept(listener, (uv_stream_t *)&c->tcp) < 0 || uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0) {
    client_close(c);
  }
}

// The loop.
static void on_wakeup(uv_async_t *async) {
  proxy_ui_t *ui = async->data;
  if (__atomic_load_n(&ui->stopping, __ATOMIC_ACQUIRE)) {
    if (ui->listener.loop != NULL) {
      uv_close((uv_handle_t *)&ui->listener, NULL);
    }
    uv_close((uv_handle_t *)&ui->wakeup, NULL);
    uv_close((uv_handle_t *)&ui->ping, NULL);
    for (ui_client_t *c = ui->clients; c != NULL; c = c->next) {
      client_close(c);
    }
    return;
  }
  for (ui_client_t *c = ui->clients; c != NULL; c = c->next) {
    if (c->sse) {
      sse_pump(c);
    }
  }
}

static void ui_thread(void *arg) {
  proxy_ui_t *ui = arg;
  uv_run(&ui->loop, UV_RUN_DEFAULT);
}

static void format_host(const struct sockaddr *sa, char *out, size_t len) {
  char host[INET6_ADDRSTRLEN] = "?";
  uint16_t port = ntohs(sa->sa_family == AF_INET6 ? ((const struct sockaddr_in6 *)sa)->sin6_port
                                                  : ((const struct sockaddr_in *)sa)->sin_port);
  getnameinfo(sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in), host,
              sizeof(host), NULL, 0, NI_NUMERICHOST);
  snprintf(out, len, sa->sa_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, port);
}

static int is_loopback(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET) {
    return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
  }
  return memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, &in6addr_loopback, sizeof(in6addr_loopback)) == 0;
}

int proxy_ui_start(proxy_server_t *server, char *err, size_t err_len) {
  const proxy_config_t *cfg = server->cfg;
  struct sockaddr_storage addr;
  if (proxy_parse_host_port(cfg->ui_listen, 8080, &addr) != 0) {
    snprintf(err, err_len, "--ui %s", cfg->ui_listen);
    return PROXY_EBAD_ADDR;
  }
  int has_token = cfg->ui_token != NULL && cfg->ui_token[0] != '\0';
  if (!is_loopback((struct sockaddr *)&addr) && !has_token) {
    snprintf(err, err_len, "--ui %s", cfg->ui_listen);
    return PROXY_EUI_TOKEN;
  }
  proxy_ui_t *ui = calloc(1, sizeof(*ui));
  if (ui == NULL || (ui->slots = calloc(cfg->ui_ring, sizeof(ui_slot_t))) == NULL) {
    free(ui);
    return PROXY_ENOMEM;
  }
  ui->cfg = cfg;
  ui->cap = cfg->ui_ring;
  ui->next_id = 1;
  ui->has_token = has_token;
  pthread_mutex_init(&ui->lock, NULL);
  server->ui = ui;
  if (has_token) {
    uint8_t random[32];
    SHA256((const uint8_t *)cfg->ui_token, strlen(cfg->ui_token), ui->token_hash);
    RAND_bytes(random, sizeof(random));
    for (size_t i = 0; i < sizeof(random); i++) {
      snprintf(ui->session + 2 * i, 3, "%02x", random[i]);
    }
  }
  int r = uv_loop_init(&ui->loop);
  if (r < 0) {
    snprintf(err, err_len, "--ui: %s", uv_strerror(r));
    return PROXY_ELOOP;
  }
  ui->loop_ready = 1;
  uv_async_init(&ui->loop, &ui->wakeup, on_wakeup);
  ui->wakeup.data = ui;
  uv_timer_init(&ui->loop, &ui->ping);
  ui->ping.data = ui;
  uv_timer_start(&ui->ping, on_ping, UI_PING_MS, UI_PING_MS);
  r = uv_tcp_init(&ui->loop, &ui->listener);
  if (r == 0) {
    r = uv_tcp_bind(&ui->listener, (struct sockaddr *)&addr, 0);
  }
  if (r == 0) {
    ui->listener.data = ui;
    r = uv_listen((uv_stream_t *)&ui->listener, 64, on_connection);
  }
  if (r < 0) {
    snprintf(err, err_len, "--ui %s: %s", cfg->ui_listen, uv_strerror(r));
    return r == UV_EADDRINUSE ? PROXY_EADDRINUSE : PROXY_EBIND;
  }
  int len = sizeof(addr);
  uv_tcp_getsockname(&ui->listener, (struct sockaddr *)&addr, &len);
  format_host((struct sockaddr *)&addr, ui->host_ok[0], sizeof(ui->host_ok[0]));
  snprintf(ui->url, sizeof(ui->url), "http://%s/", ui->host_ok[0]);
  const char *port = strrchr(ui->host_ok[0], ':');
  if (is_loopback((struct sockaddr *)&addr)) {
    snprintf(ui->host_ok[1], sizeof(ui->host_ok[1]), "localhost%s", port);
  }
  if (uv_thread_create(&ui->thread, ui_thread, ui) != 0) {
    snprintf(err, err_len, "--ui");
    return PROXY_ETHREAD;
  }
  ui->thread_started = 1;
  return 0;
}

const char *proxy_ui_url(const proxy_ui_t *ui) { return ui->url; }

void proxy_ui_stop(proxy_ui_t *ui) {
  if (ui == NULL) {
    return;
  }
  if (ui->loop_ready) {
    __atomic_store_n(&ui->stopping, 1, __ATOMIC_RELEASE);
    if (ui->thread_started) {
      uv_async_send(&ui->wakeup);
      uv_thread_join(&ui->thread);
    } else {
      on_wakeup(&ui->wakeup);
      uv_run(&ui->loop, UV_RUN_DEFAULT);
    }
    uv_loop_close(&ui->loop);
  }
  for (size_t i = 0; i < ui->cap; i++) {
    free(ui->slots[i].text);
    free(ui->slots[i].row);
  }
  free(ui->slots);
  pthread_mutex_destroy(&ui->lock);
  free(ui);
}
