// Log and key log writers, and the Prometheus rendering of the metrics.

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "proxy/proxy_internal.h"

int proxy_log_open(proxy_log_t *log, const char *path) {
  memset(log, 0, sizeof(*log));
  pthread_mutex_init(&log->lock, NULL);
  if (path == NULL || strcmp(path, "-") == 0) {
    log->fd = STDOUT_FILENO;
    return 0;
  }
  log->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log->fd < 0) {
    return PROXY_ELOG;
  }
  log->owned = 1;
  return 0;
}

void proxy_log_write(proxy_log_t *log, const char *data, size_t len) {
  pthread_mutex_lock(&log->lock);
  while (len > 0) {
    ssize_t w = write(log->fd, data, len);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      break;  // a full disk or a closed pipe: the record is lost, the proxy goes on
    }
    data += w;
    len -= (size_t)w;
  }
  pthread_mutex_unlock(&log->lock);
}

void proxy_log_close(proxy_log_t *log) {
  if (log->owned) {
    fsync(log->fd);
    close(log->fd);
  }
  log->owned = 0;
  pthread_mutex_destroy(&log->lock);
}

static uint64_t load(const uint64_t *v) { return __atomic_load_n(v, __ATOMIC_RELAXED); }

static const char *const kSides[PROXY_NUM_SIDES] = {"client", "origin"};
static const char *const kOutcomes[PROXY_NUM_HS_OUTCOMES] = {"ok",      "alert",          "closed", "timeout",
                                                             "not_tls", "connect_failed", "error"};

void proxy_metrics_render(const proxy_metrics_t *m, inspect_buf_t *out) {
#define COUNTER(name, help, value)                                                      \
  inspect_buf_printf(out, "# HELP tlsmirror_" name " " help "\n# TYPE tlsmirror_" name \
                          " counter\ntlsmirror_" name " %llu\n",                         \
                     (unsigned long long)load(value))
  COUNTER("connections_total", "Client connections accepted.", &m->connections_total);
  COUNTER("connections_refused_total", "Client connections closed at once: over --max-conns.",
          &m->connections_refused);
  COUNTER("requests_total", "HTTP requests seen from clients.", &m->requests_total);
  COUNTER("log_records_total", "Connection records written.", &m->records_total);
#undef COUNTER
  inspect_buf_printf(out,
                     "# HELP tlsmirror_connections_active Client connections open now.\n"
                     "# TYPE tlsmirror_connections_active gauge\ntlsmirror_connections_active %llu\n",
                     (unsigned long long)load(&m->connections_active));
  inspect_buf_puts(out, "# HELP tlsmirror_handshakes_total TLS handshakes by side and outcome.\n"
                        "# TYPE tlsmirror_handshakes_total counter\n");
  for (int s = 0; s < PROXY_NUM_SIDES; s++) {
    for (int o = 0; o < PROXY_NUM_HS_OUTCOMES; o++) {
      inspect_buf_printf(out, "tlsmirror_handshakes_total{side=\"%s\",outcome=\"%s\"} %llu\n", kSides[s], kOutcomes[o],
                         (unsigned long long)load(&m->handshakes[s][o]));
    }
  }
  inspect_buf_puts(out, "# HELP tlsmirror_verdicts_total Verdicts on origin chains by profile and reason.\n"
                        "# TYPE tlsmirror_verdicts_total counter\n");
  for (size_t p = 0; m->selection != NULL && p < m->selection->num; p++) {
    for (int r = 0; r < INSPECT_REASON_COUNT; r++) {
      uint64_t v = load(&m->verdicts[p][r]);
      if (v > 0) {
        inspect_buf_printf(out, "tlsmirror_verdicts_total{profile=\"%s\",reason=\"%s\"} %llu\n",
                           m->selection->items[p].label, inspect_reason_name((inspect_reason_t)r),
                           (unsigned long long)v);
      }
    }
  }
  inspect_buf_printf(out,
                     "# HELP tlsmirror_bytes_total Application bytes relayed, by direction.\n"
                     "# TYPE tlsmirror_bytes_total counter\n"
                     "tlsmirror_bytes_total{direction=\"to_origin\"} %llu\n"
                     "tlsmirror_bytes_total{direction=\"to_client\"} %llu\n",
                     (unsigned long long)load(&m->bytes_to_origin), (unsigned long long)load(&m->bytes_to_client));
}
