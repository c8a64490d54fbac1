// Tests of one connection through the proxy (proxy/conn*.c), in process:
// the lab's origins and the proxy run on their own threads, and a real
// BoringSSL client on the test's thread drives each leg into the state a
// case needs. What the client saw and who the record says rejected the
// connection are checked together, for every way a connection ends.

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "proxy/proxy.h"
#include "tools/lab.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

typedef enum {
  CLIENT_CLOSE_AT_ONCE,   // connect and close: no ClientHello
  CLIENT_PLAIN_HTTP,      // plain HTTP to the TLS port
  CLIENT_REQUEST,         // handshake, GET /, read the answer
  CLIENT_REJECT_CERT,     // refuse the (mirrored) certificate with a bad_certificate alert
  CLIENT_HANDSHAKE_ONLY,  // handshake, then close without a request
} client_action_t;

typedef struct {
  char name[48];
  char scenario[32];  // lab scenario the proxy's origin is
  int fixed_origin;   // --origin HOST instead of routing by SNI
  int unreachable;    // the origin's address is a closed port
  int sni;            // the client sends the scenario's host as SNI
  client_action_t action;
  double timeout_handshake;  // 0: the default
  char as[32];               // --as profile, or ""
  // Expectations (Criterion copies the cases into each test's process: arrays, not pointers).
  char client_sees[48];  // in what the client read or the error it got ("" for nothing to check)
  char rejected_by[32];
  char summary[96];  // a part of tlsmirror.summary
} conn_case_t;

ParameterizedTestParameters(conn, ends) {
  static conn_case_t cases[] = {
      {"no ClientHello", "good", 0, 0, 1, CLIENT_CLOSE_AT_ONCE, 0, "", "", "client",
       "closed the connection before sending a ClientHello"},
      {"plain HTTP", "good", 0, 0, 1, CLIENT_PLAIN_HTTP, 0, "", "400 Bad Request", "client",
       "plain HTTP to the TLS port"},
      {"relayed", "good", 0, 0, 1, CLIENT_REQUEST, 0, "", "HTTP/1.1 200", "none", "All 8 profiles accept"},
      {"a profile rejects", "expired", 0, 0, 1, CLIENT_REQUEST, 0, "", "HTTP/1.1 200", "openssl", "openssl (EXPIRED)"},
      {"client rejects in the handshake", "good", 0, 0, 1, CLIENT_REJECT_CERT, 0, "", "CERTIFICATE_VERIFY_FAILED",
       "client", "rejected the (mirrored) origin certificate with a fatal bad_certificate alert"},
      {"client rejects after the handshake", "good", 0, 0, 1, CLIENT_HANDSHAKE_ONLY, 0, "", "", "client",
       "completed the handshake, then closed without a request"},
      // The cause is named (issue 16, item 7): one more handshake with SNI completes.
      {"origin alert mirrored", "sni-required", 1, 0, 0, CLIENT_REQUEST, 0, "", "HANDSHAKE_FAILURE", "origin",
       "refuses handshakes without SNI (a fatal handshake_failure alert) and works with SNI"},
      {"no SNI to route by", "good", 0, 0, 0, CLIENT_REQUEST, 0, "", "UNRECOGNIZED_NAME", "origin",
       "the client sent no SNI: nothing to route by"},
      {"origin unreachable", "good", 0, 1, 1, CLIENT_REQUEST, 0, "", "HTTP/1.1 502", "origin", "connection refused"},
      {"origin too slow", "slow-handshake", 0, 0, 1, CLIENT_REQUEST, 0.5, "", "HTTP/1.1 502", "origin",
       "no handshake within"},
      {"post-handshake alert", "mtls-required", 0, 0, 1, CLIENT_REQUEST, 0, "", "ALERT_CERTIFICATE_REQUIRED", "origin",
       "The origin failed the connection"},
      {"--as rejects", "missing-intermediate", 0, 0, 1, CLIENT_REQUEST, 0, "cloudfront-origin",
       "X-Cache: Error from cloudfront", "cloudfront-origin", "cloudfront-origin rejects the origin"},
  };
  return cr_make_param_array(conn_case_t, cases, COUNT_OF(cases));
}

// The lab's origins on their own thread.
typedef struct {
  proxy_origin_site_t site;
  proxy_origins_config_t cfg;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int ready;
  int rc;
  char err[256];
} lab_thread_t;

static int on_lab_ready(void *arg, const proxy_origin_site_t *sites, size_t num) {
  (void)sites, (void)num;
  lab_thread_t *t = arg;
  pthread_mutex_lock(&t->lock);
  t->ready = 1;
  pthread_cond_broadcast(&t->cond);
  pthread_mutex_unlock(&t->lock);
  return 0;
}

static void *lab_main(void *arg) {
  lab_thread_t *t = arg;
  t->rc = proxy_origins_run(&t->cfg, t->err, sizeof(t->err));
  pthread_mutex_lock(&t->lock);
  t->ready = -1;  // ended (or never started)
  pthread_cond_broadcast(&t->cond);
  pthread_mutex_unlock(&t->lock);
  return NULL;
}

// The proxy on its own thread; its records arrive through on_record.
typedef struct {
  proxy_config_t cfg;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  char listen[80];
  int ended;
  int rc;
  char err[512];
  int records;
  char rejected_by[64];
  char summary[2048];
} proxy_thread_t;

static void on_proxy_ready(void *arg, const char *listen, const char *metrics) {
  (void)metrics;
  proxy_thread_t *t = arg;
  pthread_mutex_lock(&t->lock);
  snprintf(t->listen, sizeof(t->listen), "%s", listen);
  pthread_cond_broadcast(&t->cond);
  pthread_mutex_unlock(&t->lock);
}

static void on_record(void *arg, const char *sni, const char *rejected_by, const char *summary,
                      const inspect_report_t *verdicts) {
  (void)sni, (void)verdicts;
  proxy_thread_t *t = arg;
  pthread_mutex_lock(&t->lock);
  t->records++;
  snprintf(t->rejected_by, sizeof(t->rejected_by), "%s", rejected_by);
  snprintf(t->summary, sizeof(t->summary), "%s", summary);
  pthread_cond_broadcast(&t->cond);
  pthread_mutex_unlock(&t->lock);
}

static void *proxy_main(void *arg) {
  proxy_thread_t *t = arg;
  t->rc = proxy_run(&t->cfg, t->err, sizeof(t->err));
  pthread_mutex_lock(&t->lock);
  t->ended = 1;
  pthread_cond_broadcast(&t->cond);
  pthread_mutex_unlock(&t->lock);
  return NULL;
}

// A blocking client on the test's thread.
static int connect_to(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  cr_assert_geq(fd, 0);
  struct timeval tv = {10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  cr_assert_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
  return fd;
}

static enum ssl_verify_result_t accept_any(SSL *ssl, uint8_t *out_alert) {
  (void)ssl, (void)out_alert;
  return ssl_verify_ok;
}

static enum ssl_verify_result_t reject_any(SSL *ssl, uint8_t *out_alert) {
  (void)ssl;
  *out_alert = SSL_AD_BAD_CERTIFICATE;
  return ssl_verify_invalid;
}

static void read_all(int fd, SSL *ssl, char *out, size_t out_len) {
  size_t len = strlen(out);
  while (len + 1 < out_len) {
    int n =
        ssl != NULL ? SSL_read(ssl, out + len, (int)(out_len - 1 - len)) : (int)read(fd, out + len, out_len - 1 - len);
    if (n <= 0) {
      if (ssl != NULL) {
        ERR_error_string_n(ERR_get_error(), out + len, out_len - len);  // the alert, if any
        len = strlen(out);
      }
      break;
    }
    len += (size_t)n;
    out[len] = '\0';
  }
}

static void run_client(const conn_case_t *c, uint16_t port, const char *host, char *seen, size_t seen_len) {
  seen[0] = '\0';
  int fd = connect_to(port);
  if (c->action == CLIENT_CLOSE_AT_ONCE) {
    close(fd);
    return;
  }
  if (c->action == CLIENT_PLAIN_HTTP) {
    static const char kRequest[] = "GET / HTTP/1.1\r\nHost: plain.test\r\n\r\n";
    cr_assert_eq(write(fd, kRequest, sizeof(kRequest) - 1), (ssize_t)(sizeof(kRequest) - 1));
    read_all(fd, NULL, seen, seen_len);
    close(fd);
    return;
  }
  SSL_CTX *ctx = SSL_CTX_new(TLS_method());
  SSL *ssl = SSL_new(ctx);
  cr_assert_not_null(ssl);
  SSL_set_fd(ssl, fd);
  if (c->sni) {
    SSL_set_tlsext_host_name(ssl, host);
  }
  static const uint8_t kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_set_alpn_protos(ssl, kAlpn, sizeof(kAlpn));
  SSL_set_custom_verify(ssl, SSL_VERIFY_PEER, c->action == CLIENT_REJECT_CERT ? reject_any : accept_any);
  if (SSL_connect(ssl) != 1) {
    ERR_error_string_n(ERR_get_error(), seen, seen_len);
  } else if (c->action == CLIENT_REQUEST) {
    char request[512];
    int n = snprintf(request, sizeof(request), "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", host);
    cr_assert_eq(SSL_write(ssl, request, n), n);
    read_all(fd, ssl, seen, seen_len);
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  close(fd);
}

static void wait_until(pthread_mutex_t *lock, pthread_cond_t *cond, const int *flag, const char *what) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 15;
  pthread_mutex_lock(lock);
  while (*flag == 0) {
    cr_assert_neq(pthread_cond_timedwait(cond, lock, &deadline), ETIMEDOUT, "timed out waiting for %s", what);
  }
  pthread_mutex_unlock(lock);
}

ParameterizedTest(conn_case_t *c, conn, ends) {
  int64_t now = (int64_t)time(NULL);
  int err = 0;
  lab_t *lab = lab_new(now, &err);
  cr_assert_not_null(lab, "lab_new: %s", tls_strerror(err));
  int index = lab_scenario_find(c->scenario);
  cr_assert_geq(index, 0);
  const lab_scenario_t *scenario = lab_scenario_get((size_t)index);

  // The origin.
  static lab_thread_t lt;
  memset(&lt, 0, sizeof(lt));
  pthread_mutex_init(&lt.lock, NULL);
  pthread_cond_init(&lt.cond, NULL);
  lt.site.name = scenario->name;
  lt.site.description = scenario->what;
  lt.site.hello_delay_ms = scenario->hello_delay_ms;
  lt.site.ctx = lab_origin_ctx_new(lab, (size_t)index, &err);
  cr_assert_not_null(lt.site.ctx);
  lt.cfg = (proxy_origins_config_t){
      .listen_addr = "127.0.0.1", .sites = &lt.site, .num_sites = 1, .on_ready = on_lab_ready, .arg = &lt};
  pthread_t lab_thread, proxy_thread;
  cr_assert_eq(pthread_create(&lab_thread, NULL, lab_main, &lt), 0);
  wait_until(&lt.lock, &lt.cond, &lt.ready, "the lab");
  cr_assert_eq(lt.ready, 1, "the lab did not start: %s", lt.err);

  // The proxy, in front of it.
  char ca_dir[] = "/tmp/tlsmirror-conn-test-XXXXXX";
  cr_assert_not_null(mkdtemp(ca_dir));
  char ca_path[256];
  snprintf(ca_path, sizeof(ca_path), "%s/ca", ca_dir);
  cr_assert_eq(tls_mirror_ca_create(ca_path, now), TLS_OK);
  tls_mirror_ca_t *ca = NULL;
  cr_assert_eq(tls_mirror_ca_load(ca_path, &ca), TLS_OK);
  inspect_trust_t *trust = inspect_trust_new(0);
  CRYPTO_BUFFER *root = lab_get0_root(lab);
  cr_assert_eq(inspect_trust_load(trust, CRYPTO_BUFFER_data(root), CRYPTO_BUFFER_len(root), NULL), INSPECT_OK);
  inspect_selection_t sel;
  inspect_selection_all(&sel);
  proxy_resolve_t resolve = {.port = 443};
  snprintf(resolve.host, sizeof(resolve.host), "%s", scenario->host);
  snprintf(resolve.addr, sizeof(resolve.addr), "127.0.0.1");
  if (c->unreachable) {
    // A port nothing listens on: bind one, then close it.
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    cr_assert_eq(bind(probe, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t alen = sizeof(a);
    getsockname(probe, (struct sockaddr *)&a, &alen);
    resolve.port = ntohs(a.sin_port);
    close(probe);
  } else {
    resolve.port = lt.site.port;
  }
  char log_path[300];
  snprintf(log_path, sizeof(log_path), "%s/records.jsonl", ca_dir);
  static proxy_thread_t pt;
  memset(&pt, 0, sizeof(pt));
  pthread_mutex_init(&pt.lock, NULL);
  pthread_cond_init(&pt.cond, NULL);
  proxy_config_init(&pt.cfg);
  pt.cfg.listen = "127.0.0.1:0";
  pt.cfg.origin_host = c->fixed_origin ? scenario->host : NULL;
  pt.cfg.origin_port = resolve.port;
  pt.cfg.resolves = &resolve;
  pt.cfg.num_resolves = 1;
  pt.cfg.trust = trust;
  pt.cfg.selection = &sel;
  pt.cfg.ca = ca;
  pt.cfg.log_path = log_path;
  pt.cfg.workers = 1;
  if (c->timeout_handshake > 0) {
    pt.cfg.timeout_handshake = c->timeout_handshake;
    pt.cfg.timeout_connect = c->timeout_handshake;
  }
  if (c->as[0] != '\0') {
    pt.cfg.enforce = PROXY_ENFORCE_CLOUDFRONT;
    pt.cfg.enforce_profile = c->as;
  }
  pt.cfg.on_ready = on_proxy_ready;
  pt.cfg.on_record = on_record;
  pt.cfg.arg = &pt;
  cr_assert_eq(pthread_create(&proxy_thread, NULL, proxy_main, &pt), 0);
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 15;
  pthread_mutex_lock(&pt.lock);
  while (pt.listen[0] == '\0' && !pt.ended) {
    pthread_cond_timedwait(&pt.cond, &pt.lock, &deadline);
  }
  pthread_mutex_unlock(&pt.lock);
  cr_assert(!pt.ended, "the proxy did not start: %s", pt.err);
  uint16_t port = (uint16_t)atoi(strrchr(pt.listen, ':') + 1);

  char seen[8192];
  run_client(c, port, scenario->host, seen, sizeof(seen));
  wait_until(&pt.lock, &pt.cond, &pt.records, "the record");

  raise(SIGTERM);  // both loops stop cleanly
  pthread_join(proxy_thread, NULL);
  pthread_join(lab_thread, NULL);
  cr_assert_eq(pt.rc, 0, "%s", pt.err);
  cr_assert_eq(pt.records, 1, "%s: %d records", c->name, pt.records);
  cr_expect_not_null(strstr(seen, c->client_sees), "%s: the client saw: %s", c->name, seen);
  cr_expect_str_eq(pt.rejected_by, c->rejected_by, "%s: rejected_by %s (%s)", c->name, pt.rejected_by, pt.summary);
  cr_expect_not_null(strstr(pt.summary, c->summary), "%s: summary: %s", c->name, pt.summary);

  SSL_CTX_free(lt.site.ctx);
  inspect_trust_free(trust);
  tls_mirror_ca_free(ca);
  lab_free(lab);
  char cmd[400];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ca_dir);
  cr_assert_eq(system(cmd), 0);
}
