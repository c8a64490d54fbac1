// Log and key log writers, and the Prometheus rendering of the metrics.

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proxy/proxy_internal.h"

int proxy_log_open(proxy_log_t *log, const char *path, const char *option, uint64_t *errors) {
  memset(log, 0, sizeof(*log));
  pthread_mutex_init(&log->lock, NULL);
  log->errors = errors;
  int to_stdout = path == NULL || strcmp(path, "-") == 0;
  snprintf(log->name, sizeof(log->name), "%s %s", option, to_stdout ? "-" : path);
  if (to_stdout) {
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

// write_all writes all of `data`; it returns 0 or the errno of the write that
// failed, with what it wrote in *written.
static int write_all(int fd, const char *data, size_t len, size_t *written) {
  *written = 0;
  while (len > 0) {
    ssize_t w = write(fd, data, len);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      return w < 0 ? errno : EIO;
    }
    data += w;
    len -= (size_t)w;
    *written += (size_t)w;
  }
  return 0;
}

// A record that cannot be written (a full disk, a closed pipe) is dropped,
// not kept for later: the proxy keeps serving, and memory stays bounded
// however long the disk stays full. The first failure is said once on stderr
// with its reason, every lost record is counted (tlsmirror_log_errors_total,
// and proxy_run's result), and when writes succeed again stderr says so. A
// record cut short leaves a partial line: the next one starts on a new line.
int proxy_log_write(proxy_log_t *log, const char *data, size_t len) {
  pthread_mutex_lock(&log->lock);
  size_t written = 0;
  int err = 0;
  if (log->partial) {
    err = write_all(log->fd, "\n", 1, &written);
    log->partial = err != 0;
  }
  if (err == 0) {
    err = write_all(log->fd, data, len, &written);
    log->partial = err != 0 && written > 0;
  }
  if (err != 0) {
    if (log->lost++ == 0) {
      log->first_errno = err;
    }
    if (log->errors != NULL) {
      proxy_metrics_add(log->errors, 1);
    }
    if (!log->failing) {
      fprintf(stderr,
              "tlsmirror proxy: %s: %s: records are dropped (tlsmirror_log_errors_total counts them) "
              "until writes succeed again\n",
              log->name, strerror(err));
    }
    log->failing = 1;
  } else if (log->failing) {
    fprintf(stderr, "tlsmirror proxy: %s: writing again; %llu records were dropped so far\n", log->name,
            (unsigned long long)log->lost);
    log->failing = 0;
  }
  pthread_mutex_unlock(&log->lock);
  return err != 0 ? -1 : 0;
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
#define COUNTER(name, help, value)                                                                             \
  inspect_buf_printf(                                                                                          \
      out, "# HELP tlsmirror_" name " " help "\n# TYPE tlsmirror_" name " counter\ntlsmirror_" name " %llu\n", \
      (unsigned long long)load(value))
  COUNTER("connections_total", "Client connections accepted.", &m->connections_total);
  COUNTER("connections_refused_total", "Client connections closed at once: over --max-conns.", &m->connections_refused);
  COUNTER("requests_total", "HTTP requests seen from clients.", &m->requests_total);
  COUNTER("log_records_total", "Connection records written to the log.", &m->records_total);
#undef COUNTER
  inspect_buf_printf(out,
                     "# HELP tlsmirror_log_errors_total Records and key log lines dropped: the write failed.\n"
                     "# TYPE tlsmirror_log_errors_total counter\n"
                     "tlsmirror_log_errors_total{log=\"records\"} %llu\n"
                     "tlsmirror_log_errors_total{log=\"keylog\"} %llu\n",
                     (unsigned long long)load(&m->log_errors), (unsigned long long)load(&m->keylog_errors));
  inspect_buf_printf(out,
                     "# HELP tlsmirror_connections_active Client connections open now.\n"
                     "# TYPE tlsmirror_connections_active gauge\ntlsmirror_connections_active %llu\n",
                     (unsigned long long)load(&m->connections_active));
  inspect_buf_puts(out,
                   "# HELP tlsmirror_handshakes_total TLS handshakes by side and outcome.\n"
                   "# TYPE tlsmirror_handshakes_total counter\n");
  for (int s = 0; s < PROXY_NUM_SIDES; s++) {
    for (int o = 0; o < PROXY_NUM_HS_OUTCOMES; o++) {
      inspect_buf_printf(out, "tlsmirror_handshakes_total{side=\"%s\",outcome=\"%s\"} %llu\n", kSides[s], kOutcomes[o],
                         (unsigned long long)load(&m->handshakes[s][o]));
    }
  }
  inspect_buf_puts(out,
                   "# HELP tlsmirror_verdicts_total Verdicts on origin chains by profile and reason.\n"
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
