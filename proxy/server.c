// The proxy's process: worker event loops sharing one listening address
// through SO_REUSEPORT, signals (SIGTERM and SIGINT drain; a second one stops
// at once), the /metrics and /healthz endpoint, and start-up checks.

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "proxy/proxy_internal.h"

#define METRICS_MAX_REQUEST 8192

typedef struct {
  proxy_server_t *server;
  uv_loop_t *loop;
  uv_signal_t sigint, sigterm;
  uv_async_t worker_done;
  uv_tcp_t metrics;
  int metrics_open;
  unsigned workers_done;
  int closing;
} main_loop_t;

// Start-up.
static int addr_port(const struct sockaddr *sa) {
  return ntohs(sa->sa_family == AF_INET6 ? ((const struct sockaddr_in6 *)sa)->sin6_port
                                         : ((const struct sockaddr_in *)sa)->sin_port);
}

static int addr_is_any(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET) {
    return ((const struct sockaddr_in *)sa)->sin_addr.s_addr == htonl(INADDR_ANY);
  }
  return memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, &in6addr_any, sizeof(in6addr_any)) == 0;
}

static int addr_is_loopback(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET) {
    return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
  }
  return memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, &in6addr_loopback, sizeof(in6addr_loopback)) == 0;
}

static int addr_equal(const struct sockaddr *a, const struct sockaddr *b) {
  if (a->sa_family != b->sa_family) {
    return 0;
  }
  if (a->sa_family == AF_INET) {
    return ((const struct sockaddr_in *)a)->sin_addr.s_addr == ((const struct sockaddr_in *)b)->sin_addr.s_addr;
  }
  return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

int proxy_is_self(const proxy_server_t *server, const struct sockaddr *addr) {
  const struct sockaddr *listen = (const struct sockaddr *)&server->listen_addr;
  if (addr_port(addr) != addr_port(listen)) {
    return 0;
  }
  // Listening on every address, or the hosts file points the origin name
  // at the loopback address tlsmirror listens on.
  return addr_equal(addr, listen) || addr_is_any(listen) || (addr_is_loopback(addr) && addr_is_loopback(listen));
}

static int resolve_origin(proxy_server_t *server, char *err, size_t err_len) {
  const proxy_config_t *cfg = server->cfg;
  for (size_t i = 0; i < cfg->num_resolves; i++) {
    const proxy_resolve_t *r = &cfg->resolves[i];
    if (r->port == cfg->origin_port && strcasecmp(r->host, cfg->origin_host) == 0) {
      if (proxy_parse_host_port(r->addr, cfg->origin_port, &server->origin_addr) != 0) {
        snprintf(err, err_len, "--resolve %s:%u:%s", r->host, r->port, r->addr);
        return PROXY_EBAD_ADDR;
      }
      snprintf(server->origin_ip, sizeof(server->origin_ip), "%s", r->addr);
      return 0;
    }
  }
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype = SOCK_STREAM;
  char port[8];
  snprintf(port, sizeof(port), "%u", cfg->origin_port);
  int gai = getaddrinfo(cfg->origin_host, port, &hints, &res);
  if (gai != 0 || res == NULL) {
    snprintf(err, err_len, "%s: %s", cfg->origin_host, gai_strerror(gai));
    return PROXY_ERESOLVE;
  }
  memcpy(&server->origin_addr, res->ai_addr, res->ai_addrlen);
  getnameinfo(res->ai_addr, res->ai_addrlen, server->origin_ip, sizeof(server->origin_ip), NULL, 0, NI_NUMERICHOST);
  freeaddrinfo(res);
  return 0;
}

// open_listener binds a SO_REUSEPORT socket, so every worker accepts on the
// same address and the kernel spreads connections between them.
static int open_listener(uv_loop_t *loop, uv_tcp_t *handle, const struct sockaddr *addr, int reuseport) {
  int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return uv_translate_sys_error(errno);
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
    int e = errno;
    close(fd);
    return uv_translate_sys_error(e);
  }
  socklen_t len = addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  if (bind(fd, addr, len) != 0) {
    int e = errno;
    close(fd);
    return uv_translate_sys_error(e);
  }
  int r = uv_tcp_init(loop, handle);
  if (r == 0) {
    r = uv_tcp_open(handle, fd);
  }
  if (r != 0) {
    close(fd);
  }
  return r;
}

// another_listener says whether a socket of another process (an earlier
// tlsmirror, say) already listens on `addr`. The workers bind with
// SO_REUSEPORT, which would let them join that socket's group, and the
// kernel would then spread clients over both processes; a probe bound
// without SO_REUSEPORT fails with EADDRINUSE exactly when something listens
// there. The probe is closed before the workers bind: a process starting in
// that instant is the only one it misses. Port 0 picks a free port.
static int another_listener(const struct sockaddr *addr) {
  if (addr_port(addr) == 0) {
    return 0;
  }
  int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return 0;  // the workers' own bind reports what is wrong
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));  // as the workers: TIME_WAIT is no listener
  socklen_t len = addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  int in_use = bind(fd, addr, len) != 0 && errno == EADDRINUSE;
  close(fd);
  return in_use;
}

static void format_addr(const struct sockaddr *sa, char *out, size_t len) {
  char host[INET6_ADDRSTRLEN] = "?";
  getnameinfo(sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in), host,
              sizeof(host), NULL, 0, NI_NUMERICHOST);
  snprintf(out, len, sa->sa_family == AF_INET6 ? "[%s]:%d" : "%s:%d", host, addr_port(sa));
}

// Workers.
static void on_connection(uv_stream_t *listener, int status) {
  proxy_worker_t *worker = listener->data;
  if (status == 0) {
    proxy_conn_accept(worker, listener);
  }
}

static void worker_finish(proxy_worker_t *worker) {
  if (worker->stopped) {
    return;
  }
  worker->stopped = 1;
  uv_close((uv_handle_t *)&worker->wakeup, NULL);
  uv_close((uv_handle_t *)&worker->drain_timer, NULL);
}

int proxy_server_admit(proxy_server_t *server) {
  if (__atomic_add_fetch(&server->open_conns, 1, __ATOMIC_RELAXED) <= server->max_conns) {
    return 1;
  }
  __atomic_sub_fetch(&server->open_conns, 1, __ATOMIC_RELAXED);
  return 0;
}

void proxy_server_release(proxy_server_t *server) { __atomic_sub_fetch(&server->open_conns, 1, __ATOMIC_RELAXED); }

void proxy_worker_conn_done(proxy_worker_t *worker) {
  if (worker->draining && worker->num_conns == 0) {
    worker_finish(worker);
  }
}

static void on_drain_timeout(uv_timer_t *timer) {
  proxy_worker_t *worker = timer->data;
  proxy_conn_close_all(worker);
}

static void on_wakeup(uv_async_t *async) {
  proxy_worker_t *worker = async->data;
  int stop = __atomic_load_n(&worker->server->stop_requested, __ATOMIC_ACQUIRE);
  if (stop >= 1 && !worker->draining) {
    worker->draining = 1;
    uv_close((uv_handle_t *)&worker->listener, NULL);
    uint64_t ms = (uint64_t)(worker->server->cfg->drain * 1000);
    uv_timer_start(&worker->drain_timer, on_drain_timeout, ms, 0);
  }
  if (stop >= 2) {
    proxy_conn_close_all(worker);
  }
  proxy_worker_conn_done(worker);
}

static int worker_init(proxy_worker_t *worker, const struct sockaddr *addr, char *err, size_t err_len) {
  proxy_server_t *server = worker->server;
  int r = uv_loop_init(&worker->loop);
  if (r < 0) {
    snprintf(err, err_len, "event loop: %s", uv_strerror(r));
    return PROXY_ELOOP;
  }
  worker->initialised = 1;
  uv_async_init(&worker->loop, &worker->wakeup, on_wakeup);
  worker->wakeup.data = worker;
  uv_timer_init(&worker->loop, &worker->drain_timer);
  worker->drain_timer.data = worker;
  worker->cache = inspect_cache_new(256);
  worker->mirror = server->cfg->ca != NULL ? tls_mirror_new(server->cfg->ca, 256) : NULL;
  if (worker->cache == NULL || (server->cfg->ca != NULL && worker->mirror == NULL) ||
      proxy_worker_contexts(worker) != 0) {
    snprintf(err, err_len, "worker %u", worker->index);
    return PROXY_ENOMEM;
  }
  r = open_listener(&worker->loop, &worker->listener, addr, 1);
  if (r == 0) {
    worker->listener.data = worker;
    r = uv_listen((uv_stream_t *)&worker->listener, 1024, on_connection);
  }
  if (r < 0) {
    snprintf(err, err_len, "%s: %s", server->listen_text, uv_strerror(r));
    return r == UV_EADDRINUSE ? PROXY_EADDRINUSE : PROXY_EBIND;
  }
  return 0;
}

static void worker_cleanup(proxy_worker_t *worker) {
  if (worker->initialised) {
    if (!__atomic_load_n(&worker->done, __ATOMIC_ACQUIRE)) {
      // Start-up failed before the loop ran: close what was opened.
      worker_finish(worker);
      if (worker->listener.loop != NULL && !uv_is_closing((uv_handle_t *)&worker->listener)) {
        uv_close((uv_handle_t *)&worker->listener, NULL);
      }
      uv_run(&worker->loop, UV_RUN_DEFAULT);
    }
    uv_loop_close(&worker->loop);
  }
  SSL_CTX_free(worker->client_ctx);
  SSL_CTX_free(worker->upstream_ctx);
  inspect_cache_free(worker->cache);
  tls_mirror_free(worker->mirror);
}

// The main loop: signals, metrics, worker completion.
static void request_stop(main_loop_t *m, int level) {
  proxy_server_t *server = m->server;
  __atomic_store_n(&server->stop_requested, level, __ATOMIC_RELEASE);
  for (unsigned i = 0; i < server->num_workers; i++) {
    uv_async_send(&server->workers[i].wakeup);
  }
}

static void on_signal(uv_signal_t *handle, int signum) {
  (void)signum;
  main_loop_t *m = handle->data;
  int level = __atomic_load_n(&m->server->stop_requested, __ATOMIC_ACQUIRE) == 0 ? 1 : 2;
  request_stop(m, level);
}

static void on_worker_done(uv_async_t *async) {
  main_loop_t *m = async->data;
  unsigned done = 0;
  for (unsigned i = 0; i < m->server->num_workers; i++) {
    done += __atomic_load_n(&m->server->workers[i].done, __ATOMIC_ACQUIRE) != 0;
  }
  if (done == m->server->num_workers && !m->closing) {
    m->closing = 1;
    uv_close((uv_handle_t *)&m->sigint, NULL);
    uv_close((uv_handle_t *)&m->sigterm, NULL);
    uv_close((uv_handle_t *)&m->worker_done, NULL);
    if (m->metrics_open) {
      uv_close((uv_handle_t *)&m->metrics, NULL);
    }
  }
}

typedef struct {
  uv_tcp_t tcp;
  main_loop_t *main;
  char buf[METRICS_MAX_REQUEST];
  size_t len;
  uv_write_t write_req;
  inspect_buf_t response;
} metrics_conn_t;

static void on_metrics_closed(uv_handle_t *handle) {
  metrics_conn_t *mc = PROXY_CONTAINER_OF(handle, metrics_conn_t, tcp);
  inspect_buf_cleanup(&mc->response);
  free(mc);
}

static void on_metrics_written(uv_write_t *req, int status) {
  (void)status;
  metrics_conn_t *mc = PROXY_CONTAINER_OF(req, metrics_conn_t, write_req);
  uv_close((uv_handle_t *)&mc->tcp, on_metrics_closed);
}

static void metrics_respond(metrics_conn_t *mc) {
  inspect_buf_t body;
  inspect_buf_init(&body, 16 << 20);
  int status = 200;
  const char *type = "text/plain; version=0.0.4; charset=utf-8";
  if (strncmp(mc->buf, "GET /metrics ", 13) == 0 || strncmp(mc->buf, "GET /metrics?", 13) == 0) {
    proxy_metrics_render(&mc->main->server->metrics, &body);
  } else if (strncmp(mc->buf, "GET /healthz ", 13) == 0) {
    int draining = __atomic_load_n(&mc->main->server->stop_requested, __ATOMIC_ACQUIRE) != 0;
    status = draining ? 503 : 200;
    inspect_buf_puts(&body, draining ? "draining\n" : "ok\n");
    type = "text/plain; charset=utf-8";
  } else {
    status = 404;
    inspect_buf_puts(&body, "tlsmirror: try /metrics or /healthz\n");
    type = "text/plain; charset=utf-8";
  }
  inspect_buf_init(&mc->response, 16 << 20);
  inspect_buf_printf(&mc->response,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
                     status == 200   ? "OK"
                     : status == 404 ? "Not Found"
                                     : "Service Unavailable",
                     type, body.len);
  inspect_buf_append(&mc->response, body.data != NULL ? body.data : "", body.len);
  inspect_buf_cleanup(&body);
  uv_buf_t buf = uv_buf_init(mc->response.data, (unsigned)mc->response.len);
  if (uv_write(&mc->write_req, (uv_stream_t *)&mc->tcp, &buf, 1, on_metrics_written) < 0) {
    uv_close((uv_handle_t *)&mc->tcp, on_metrics_closed);
  }
}

static void on_metrics_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  (void)suggested;
  metrics_conn_t *mc = PROXY_CONTAINER_OF(handle, metrics_conn_t, tcp);
  *buf = uv_buf_init(mc->buf + mc->len, (unsigned)(sizeof(mc->buf) - 1 - mc->len));
}

static void on_metrics_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  (void)buf;
  metrics_conn_t *mc = PROXY_CONTAINER_OF(stream, metrics_conn_t, tcp);
  if (nread < 0 || (nread == 0 && mc->len == sizeof(mc->buf) - 1)) {
    uv_close((uv_handle_t *)&mc->tcp, on_metrics_closed);
    return;
  }
  mc->len += (size_t)nread;
  mc->buf[mc->len] = '\0';
  if (strstr(mc->buf, "\r\n\r\n") != NULL || strstr(mc->buf, "\n\n") != NULL || mc->len == sizeof(mc->buf) - 1) {
    uv_read_stop(stream);
    metrics_respond(mc);
  }
}

static void on_metrics_connection(uv_stream_t *listener, int status) {
  main_loop_t *m = listener->data;
  if (status < 0) {
    return;
  }
  metrics_conn_t *mc = calloc(1, sizeof(*mc));
  if (mc == NULL) {
    return;
  }
  mc->main = m;
  uv_tcp_init(m->loop, &mc->tcp);
  if (uv_accept(listener, (uv_stream_t *)&mc->tcp) < 0 ||
      uv_read_start((uv_stream_t *)&mc->tcp, on_metrics_alloc, on_metrics_read) < 0) {
    uv_close((uv_handle_t *)&mc->tcp, on_metrics_closed);
  }
}

static void worker_thread(void *arg) {
  proxy_worker_t *worker = arg;
  uv_run(&worker->loop, UV_RUN_DEFAULT);
  __atomic_store_n(&worker->done, 1, __ATOMIC_RELEASE);
  uv_async_send(worker->server->main_wakeup);
}

static unsigned default_workers(void) {
  unsigned n = uv_available_parallelism();
  return n == 0 ? 1 : n > 64 ? 64 : n;
}

// server_open takes the configuration: the listen and origin addresses, the
// logs, the AIA table and the workers' slots.
static int server_open(proxy_server_t *server, const proxy_config_t *cfg, char *err, size_t err_len) {
  server->cfg = cfg;
  server->metrics.selection = cfg->selection;
  server->num_workers = cfg->workers != 0 ? cfg->workers : default_workers();
  server->max_conns = cfg->max_conns;
  int rc = proxy_parse_host_port(cfg->listen, 8443, &server->listen_addr);
  if (rc != 0) {
    snprintf(err, err_len, "--listen %s", cfg->listen);
    return rc;
  }
  if (cfg->origin_host != NULL && (rc = resolve_origin(server, err, err_len)) != 0) {
    return rc;
  }
  if (proxy_log_open(&server->log, cfg->log_path, "--log", &server->metrics.log_errors) != 0) {
    snprintf(err, err_len, "--log %s: %s", cfg->log_path, strerror(errno));
    return PROXY_ELOG;
  }
  if (cfg->keylog_path != NULL) {
    if (proxy_log_open(&server->keylog, cfg->keylog_path, "--keylog", &server->metrics.keylog_errors) != 0) {
      snprintf(err, err_len, "--keylog %s: %s", cfg->keylog_path, strerror(errno));
      return PROXY_ELOG;
    }
    server->keylog_enabled = 1;
  }
  if ((server->aia = proxy_aia_new(cfg)) == NULL) {
    return PROXY_ENOMEM;
  }
  server->workers = calloc(server->num_workers, sizeof(proxy_worker_t));
  return server->workers != NULL ? 0 : PROXY_ENOMEM;
}

// workers_bind sets up each worker's loop and listener: the first binds
// (port 0 picks a free port), the others share its port.
static int workers_bind(proxy_server_t *server, char *err, size_t err_len) {
  const proxy_config_t *cfg = server->cfg;
  if (another_listener((struct sockaddr *)&server->listen_addr)) {
    format_addr((struct sockaddr *)&server->listen_addr, server->listen_text, sizeof(server->listen_text));
    snprintf(err, err_len, "%s", server->listen_text);
    return PROXY_ELISTENING;
  }
  int rc = 0;
  for (unsigned i = 0; rc == 0 && i < server->num_workers; i++) {
    proxy_worker_t *w = &server->workers[i];
    w->server = server;
    w->index = i;
    format_addr((struct sockaddr *)&server->listen_addr, server->listen_text, sizeof(server->listen_text));
    rc = worker_init(w, (struct sockaddr *)&server->listen_addr, err, err_len);
    if (rc == 0 && i == 0) {
      int len = sizeof(server->listen_addr);
      uv_tcp_getsockname(&w->listener, (struct sockaddr *)&server->listen_addr, &len);
      format_addr((struct sockaddr *)&server->listen_addr, server->listen_text, sizeof(server->listen_text));
    }
  }
  if (rc == 0 && cfg->origin_host != NULL && proxy_is_self(server, (struct sockaddr *)&server->origin_addr)) {
    snprintf(err, err_len, "%s resolves to %s, where tlsmirror listens", cfg->origin_host, server->origin_ip);
    rc = PROXY_ELOOPBACK;
  }
  return rc;
}

// main_loop_open starts the main loop's handles: SIGINT, SIGTERM and the
// wake-up a worker sends when it ends.
static void main_loop_open(main_loop_t *m) {
  uv_signal_init(m->loop, &m->sigint);
  uv_signal_init(m->loop, &m->sigterm);
  uv_async_init(m->loop, &m->worker_done, on_worker_done);
  m->sigint.data = m->sigterm.data = m->worker_done.data = m;
  m->server->main_wakeup = &m->worker_done;
  uv_signal_start(&m->sigint, on_signal, SIGINT);
  uv_signal_start(&m->sigterm, on_signal, SIGTERM);
}

// metrics_open listens for --metrics on the main loop.
static int metrics_open(main_loop_t *m, char *err, size_t err_len) {
  proxy_server_t *server = m->server;
  const char *listen = server->cfg->metrics_listen;
  struct sockaddr_storage maddr;
  int rc = proxy_parse_host_port(listen, 9090, &maddr);
  if (rc != 0) {
    snprintf(err, err_len, "--metrics %s", listen);
    return rc;
  }
  format_addr((struct sockaddr *)&maddr, server->metrics_text, sizeof(server->metrics_text));
  int r = open_listener(m->loop, &m->metrics, (struct sockaddr *)&maddr, 0);
  m->metrics_open = r == 0 || m->metrics.loop != NULL;
  if (r == 0) {
    m->metrics.data = m;
    r = uv_listen((uv_stream_t *)&m->metrics, 64, on_metrics_connection);
  }
  if (r < 0) {
    snprintf(err, err_len, "--metrics %s: %s", server->metrics_text, uv_strerror(r));
    return r == UV_EADDRINUSE ? PROXY_EADDRINUSE : PROXY_EBIND;
  }
  int len = sizeof(maddr);
  uv_tcp_getsockname(&m->metrics, (struct sockaddr *)&maddr, &len);
  format_addr((struct sockaddr *)&maddr, server->metrics_text, sizeof(server->metrics_text));
  return 0;
}

// serve starts the workers, runs the main loop until they all ended, and
// joins them.
static int serve(main_loop_t *m, char *err, size_t err_len) {
  proxy_server_t *server = m->server;
  const proxy_config_t *cfg = server->cfg;
  int rc = 0;
  if (cfg->on_ready != NULL) {
    cfg->on_ready(cfg->arg, server->listen_text, cfg->metrics_listen != NULL ? server->metrics_text : NULL);
  }
  unsigned started = 0;
  for (; started < server->num_workers; started++) {
    if (uv_thread_create(&server->workers[started].thread, worker_thread, &server->workers[started]) != 0) {
      snprintf(err, err_len, "worker %u", started);
      rc = PROXY_ETHREAD;
      request_stop(m, 2);
      break;
    }
  }
  uv_run(m->loop, UV_RUN_DEFAULT);
  for (unsigned i = 0; i < started; i++) {
    uv_thread_join(&server->workers[i].thread);
  }
  return rc;
}

// main_loop_abandon closes the main loop's handles when the server did not start.
static void main_loop_abandon(main_loop_t *m) {
  uv_close((uv_handle_t *)&m->sigint, NULL);
  uv_close((uv_handle_t *)&m->sigterm, NULL);
  uv_close((uv_handle_t *)&m->worker_done, NULL);
  if (m->metrics_open) {
    uv_close((uv_handle_t *)&m->metrics, NULL);
  }
  uv_run(m->loop, UV_RUN_DEFAULT);
}

// server_close releases the server and returns `rc`, or, for a run that
// dropped records, an error that says how many.
static int server_close(proxy_server_t *server, uv_loop_t *loop, int rc, char *err, size_t err_len) {
  for (unsigned i = 0; server->workers != NULL && i < server->num_workers; i++) {
    if (server->workers[i].server != NULL) {
      worker_cleanup(&server->workers[i]);
    }
  }
  uv_loop_close(loop);
  proxy_ui_stop(server->ui);  // after the workers: nothing pushes records any more
  free(server->workers);
  proxy_aia_free(server->aia);
  proxy_log_t *logs[] = {&server->log, server->keylog_enabled ? &server->keylog : NULL};
  for (size_t i = 0; rc == 0 && i < 2; i++) {
    if (logs[i] != NULL && logs[i]->lost > 0) {
      snprintf(err, err_len, "%s: %llu records dropped (%s)", logs[i]->name, (unsigned long long)logs[i]->lost,
               strerror(logs[i]->first_errno));
      rc = PROXY_ELOG_WRITE;
    }
  }
  if (server->keylog_enabled) {
    proxy_log_close(&server->keylog);
  }
  proxy_log_close(&server->log);
  free(server);
  return rc;
}

int proxy_run(const proxy_config_t *cfg, char *err, size_t err_len) {
  err[0] = '\0';
  int rc = proxy_config_check(cfg, err, err_len);
  if (rc != 0) {
    return rc;
  }
  signal(SIGPIPE, SIG_IGN);
  proxy_server_t *server = calloc(1, sizeof(*server));
  main_loop_t m;
  memset(&m, 0, sizeof(m));
  if (server == NULL) {
    return PROXY_ENOMEM;
  }
  rc = server_open(server, cfg, err, err_len);
  if (rc == 0) {
    rc = workers_bind(server, err, err_len);
  }
  // The main loop: signals, metrics, and the end of the workers.
  m.server = server;
  m.loop = uv_default_loop();
  if (rc == 0) {
    main_loop_open(&m);
  }
  if (rc == 0 && cfg->metrics_listen != NULL) {
    rc = metrics_open(&m, err, err_len);
  }
  if (rc == 0 && cfg->ui_listen != NULL && (rc = proxy_ui_start(server, err, err_len)) == 0 &&
      cfg->on_ui_ready != NULL) {
    cfg->on_ui_ready(cfg->arg, proxy_ui_url(server->ui));
  }
  if (rc == 0) {
    rc = serve(&m, err, err_len);
  } else if (server->main_wakeup != NULL) {
    main_loop_abandon(&m);
  }
  return server_close(server, m.loop, rc, err, err_len);
}
