// Tests of the proxy's AIA table (proxy/aia.c): each URL is fetched once
// while its outcome is fresh, however many callers ask at once (they wait
// for the fetch under way), fetched again once stale, and the table stays
// bounded. Against a real HTTP server on loopback that counts its requests.

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proxy/proxy_internal.h"

// A plain-HTTP server: every GET gets 200 with one DER certificate (or, for
// "/missing", 404), after `delay_ms`.
typedef struct {
  int fd;
  uint16_t port;
  unsigned delay_ms;
  uint8_t der[2048];
  size_t der_len;
  int hits;  // atomic
  pthread_t thread;
} server_t;

static void *serve(void *arg) {
  server_t *s = arg;
  for (;;) {
    int c = accept(s->fd, NULL, NULL);
    if (c < 0) {
      return NULL;  // closed: the test is over
    }
    char req[4096];
    ssize_t n = read(c, req, sizeof(req) - 1);
    req[n > 0 ? n : 0] = '\0';
    __atomic_add_fetch(&s->hits, 1, __ATOMIC_RELAXED);
    struct timespec d = {.tv_sec = s->delay_ms / 1000, .tv_nsec = (long)(s->delay_ms % 1000) * 1000000};
    nanosleep(&d, NULL);
    char head[128];
    if (strstr(req, "GET /missing ") == req) {
      static const char k404[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      cr_assert_eq(write(c, k404, sizeof(k404) - 1), (ssize_t)(sizeof(k404) - 1));
    } else {
      int len = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                         s->der_len);
      cr_assert_eq(write(c, head, (size_t)len), len);
      cr_assert_eq(write(c, s->der, s->der_len), (ssize_t)s->der_len);
    }
    close(c);
  }
}

static void server_start(server_t *s, unsigned delay_ms) {
  memset(s, 0, sizeof(*s));
  s->delay_ms = delay_ms;
  // Any certificate will do: the table keeps what the URL gave.
  EVP_PKEY *key = tls_key_generate(TLS_KEY_EC_P256, 0);
  tls_cert_spec_t spec = {
      .common_name = "aia table test CA", .not_before = 0, .not_after = 4102444800, .is_ca = 1, .path_len = -1};
  CRYPTO_BUFFER *cert = NULL;
  cr_assert_eq(tls_cert_mint(&spec, key, NULL, NULL, &cert), TLS_OK);
  cr_assert_leq(CRYPTO_BUFFER_len(cert), sizeof(s->der));
  s->der_len = CRYPTO_BUFFER_len(cert);
  memcpy(s->der, CRYPTO_BUFFER_data(cert), s->der_len);
  CRYPTO_BUFFER_free(cert);
  EVP_PKEY_free(key);
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof(addr);
  cr_assert_eq(bind(s->fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
  cr_assert_eq(listen(s->fd, 64), 0);
  getsockname(s->fd, (struct sockaddr *)&addr, &len);
  s->port = ntohs(addr.sin_port);
  pthread_create(&s->thread, NULL, serve, s);
}

static void server_stop(server_t *s) {
  shutdown(s->fd, SHUT_RDWR);
  close(s->fd);
  pthread_join(s->thread, NULL);
}

static proxy_aia_t *table_new(double timeout) {
  proxy_config_t cfg;
  proxy_config_init(&cfg);
  cfg.aia_timeout = timeout;
  proxy_aia_t *t = proxy_aia_new(&cfg);
  cr_assert_not_null(t);
  return t;
}

Test(aia_table, fetched_once_while_fresh_then_again) {
  server_t s;
  server_start(&s, 0);
  proxy_aia_t *t = table_new(5);
  proxy_aia_set_ttl(t, 1, 1);  // (for outcomes fetched from now on)
  char url[128];
  snprintf(url, sizeof(url), "http://127.0.0.1:%u/issuer.der", s.port);
  proxy_aia_outcome_t out;
  cr_assert_eq(proxy_aia_lookup(t, url, &out), 0);
  cr_assert(out.status == INSPECT_AIA_OK && !out.cached && out.num_certs == 1);
  for (int i = 0; i < 5; i++) {
    cr_assert_eq(proxy_aia_lookup(t, url, &out), 0);
    cr_assert(out.status == INSPECT_AIA_OK && out.cached && out.num_certs == 1);
  }
  cr_assert_eq(s.hits, 1, "fetched %d times while fresh", s.hits);
  // Stale: fetched again. A failure is kept too, for its own time.
  usleep(1200 * 1000);
  cr_assert_eq(proxy_aia_lookup(t, url, &out), 0);
  cr_assert(out.status == INSPECT_AIA_OK && !out.cached);
  cr_assert_eq(s.hits, 2);
  char missing[128];
  snprintf(missing, sizeof(missing), "http://127.0.0.1:%u/missing", s.port);
  proxy_aia_set_ttl(t, 600, 1);
  cr_assert_eq(proxy_aia_lookup(t, missing, &out), 0);
  cr_assert(out.status == INSPECT_AIA_DEAD && !out.cached && out.num_certs == 0);
  cr_assert_eq(proxy_aia_lookup(t, missing, &out), 0);
  cr_assert(out.status == INSPECT_AIA_DEAD && out.cached);
  usleep(1200 * 1000);
  cr_assert_eq(proxy_aia_lookup(t, missing, &out), 0);
  cr_assert(!out.cached && s.hits == 4, "hits %d", s.hits);
  cr_assert_eq(proxy_aia_num_urls(t), 2);
  proxy_aia_free(t);
  server_stop(&s);
}

typedef struct {
  proxy_aia_t *table;
  const char *url;
  proxy_aia_outcome_t out;
} caller_t;

static void *lookup(void *arg) {
  caller_t *c = arg;
  cr_assert_eq(proxy_aia_lookup(c->table, c->url, &c->out), 0);
  return NULL;
}

Test(aia_table, callers_at_once_wait_for_one_fetch) {
  server_t s;
  server_start(&s, 300);  // slow enough that every caller comes while it is fetched
  proxy_aia_t *t = table_new(5);
  char url[128];
  snprintf(url, sizeof(url), "http://127.0.0.1:%u/issuer.der", s.port);
  enum { N = 8 };
  caller_t callers[N];
  pthread_t threads[N];
  for (int i = 0; i < N; i++) {
    callers[i] = (caller_t){.table = t, .url = url};
    pthread_create(&threads[i], NULL, lookup, &callers[i]);
  }
  int fetched = 0;
  for (int i = 0; i < N; i++) {
    pthread_join(threads[i], NULL);
    cr_assert(callers[i].out.status == INSPECT_AIA_OK && callers[i].out.num_certs == 1);
    fetched += !callers[i].out.cached;
  }
  cr_assert_eq(s.hits, 1, "%d fetches for %d callers at once", s.hits, N);
  cr_assert_eq(fetched, 1, "one caller fetched, the others waited for it");
  proxy_aia_free(t);
  server_stop(&s);
}

Test(aia_table, bounded) {
  // A port that refuses: every fetch fails at once.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof(addr);
  cr_assert_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
  getsockname(fd, (struct sockaddr *)&addr, &len);
  proxy_aia_t *t = table_new(1);
  proxy_aia_outcome_t out;
  for (int i = 0; i < 1100; i++) {
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/%d.der", ntohs(addr.sin_port), i);
    cr_assert_eq(proxy_aia_lookup(t, url, &out), 0);
    cr_assert_eq(out.status, INSPECT_AIA_DEAD);
  }
  cr_assert_eq(proxy_aia_num_urls(t), 1024, "%zu URLs kept", proxy_aia_num_urls(t));
  proxy_aia_free(t);
  close(fd);
}
