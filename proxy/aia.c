// AIA through the proxy (see conn_internal.h).
//
// A browser that misses an issuer fetches it from the certificate's
// caIssuers URL. Through the proxy, the origin's URL would give the origin's
// issuer, which does not chain to the mirror root; so a mirrored copy names
// a URL of tlsmirror's instead (tls_mirror_set_aia_base):
//
//   http://<SNI, else the local address>:<listen port>/.well-known/tlsmirror-aia/<32 hex>.der
//
// The name is the client's SNI, which already leads to tlsmirror (hosts file,
// --resolve, Chromium's resolver rules), and the port is tlsmirror's TLS
// port, which answers plain HTTP too: a client that can reach only the
// proxy's listen address can fetch it.
//
// When a mirrored chain misses an issuer whose URL a browser would fetch,
// the client's handshake waits while tlsmirror fetches that URL once on
// libuv's thread pool (cached per URL in the server's table, with a TTL;
// other connections wait for a fetch under way instead of fetching again).
// What it gave decides what the mirrored URL serves: the mirrored issuer
// (tls_mirror_aia_issuer) only when the origin's URL served that issuer,
// else the same failure (404, no answer until the client gives up, a body
// too large, garbage, a redirect loop, a redirect to https, the certificate
// that did not issue the copy). The handshake, not the GET, waits for the
// fetch: the verdicts and the record then always hold its outcome, and the
// table is filled before the client can ask. The fetches go
// into the origin's verdicts (the browser profile's, as `inspect` gives them)
// and the connection's record; each GET of a mirrored URL writes a record of
// its own.

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "proxy/conn_internal.h"

#define AIA_PREFIX "/.well-known/tlsmirror-aia"
#define AIA_MAX_FETCHES 8    // URLs fetched for one chain, upward
#define AIA_TTL_OK 600.0     // seconds an outcome stays fresh...
#define AIA_TTL_FAILED 60.0  // ...or a failure
#define AIA_MAX_URLS 1024    // the table's bounds (the oldest go first)
#define AIA_MAX_PATHS 4096

// The server's table.
//
// One origin URL: its last fetch.
typedef struct aia_url_st {
  struct aia_url_st *next;  // newest first
  char *url;
  int fetching;                      // a job is fetching it: others wait
  tls_aia_t *aia;                    // owns the outcome
  const inspect_aia_fetch_t *fetch;  // NULL while fetching
  int64_t fetched_ms;                // wall clock when the fetch ended
  uint64_t expires_ns;               // uv_hrtime
} aia_url_t;

// One mirrored path: what a GET of it gets.
typedef struct aia_path_st {
  struct aia_path_st *next;  // newest first
  char path[48];             // "/<32 hex>.der"
  char *url;                 // the origin's URL it stands for
  inspect_aia_status_t status;
  int64_t fetched_ms;  // of the outcome it mimics
  uint8_t *der;        // with status OK: what a 200 carries
  size_t der_len;
  int issuer;  // `der` is the mirrored issuer (else a certificate that did not issue the copy)
} aia_path_t;

struct proxy_aia_st {
  pthread_mutex_t lock;
  pthread_cond_t fetched;  // a fetch ended
  tls_resolve_t resolves[PROXY_MAX_RESOLVE];
  tls_aia_config_t cfg;
  uint64_t ttl_ok_ns, ttl_failed_ns;
  aia_url_t *urls;
  size_t num_urls;
  aia_path_t *paths;
  size_t num_paths;
};

proxy_aia_t *proxy_aia_new(const proxy_config_t *cfg) {
  proxy_aia_t *t = calloc(1, sizeof(*t));
  if (t == NULL) {
    return NULL;
  }
  pthread_mutex_init(&t->lock, NULL);
  pthread_cond_init(&t->fetched, NULL);
  size_t n = cfg->num_resolves < PROXY_MAX_RESOLVE ? cfg->num_resolves : PROXY_MAX_RESOLVE;
  for (size_t i = 0; i < n; i++) {
    // --resolve applies to AIA hosts too, as in `inspect`.
    snprintf(t->resolves[i].host, sizeof(t->resolves[i].host), "%s", cfg->resolves[i].host);
    t->resolves[i].port = cfg->resolves[i].port;
    snprintf(t->resolves[i].addr, sizeof(t->resolves[i].addr), "%s", cfg->resolves[i].addr);
  }
  t->cfg = (tls_aia_config_t){.timeout = cfg->aia_timeout, .resolves = t->resolves, .num_resolves = n};
  proxy_aia_set_ttl(t, AIA_TTL_OK, AIA_TTL_FAILED);
  return t;
}

void proxy_aia_set_ttl(proxy_aia_t *t, double ok, double failed) {
  t->ttl_ok_ns = (uint64_t)(ok * 1e9);
  t->ttl_failed_ns = (uint64_t)(failed * 1e9);
}

static void url_free(aia_url_t *u) {
  free(u->url);
  tls_aia_free(u->aia);
  free(u);
}

static void path_free(aia_path_t *p) {
  free(p->url);
  free(p->der);
  free(p);
}

void proxy_aia_free(proxy_aia_t *t) {
  if (t == NULL) {
    return;
  }
  while (t->urls != NULL) {
    aia_url_t *next = t->urls->next;
    url_free(t->urls);
    t->urls = next;
  }
  while (t->paths != NULL) {
    aia_path_t *next = t->paths->next;
    path_free(t->paths);
    t->paths = next;
  }
  pthread_cond_destroy(&t->fetched);
  pthread_mutex_destroy(&t->lock);
  free(t);
}

static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// url_find returns the entry for `url`, or NULL. Under the lock.
static aia_url_t *url_find(proxy_aia_t *t, const char *url) {
  for (aia_url_t *u = t->urls; u != NULL; u = u->next) {
    if (strcmp(u->url, url) == 0) {
      return u;
    }
  }
  return NULL;
}

// url_evict drops the oldest finished entry when the table is full. Under the lock.
static void url_evict(proxy_aia_t *t) {
  if (t->num_urls < AIA_MAX_URLS) {
    return;
  }
  aia_url_t **oldest = NULL;
  for (aia_url_t **u = &t->urls; *u != NULL; u = &(*u)->next) {
    if (!(*u)->fetching) {
      oldest = u;
    }
  }
  if (oldest != NULL) {
    aia_url_t *dead = *oldest;
    *oldest = dead->next;
    url_free(dead);
    t->num_urls--;
  }
}

// A fetch as one connection keeps it (its own copies: the table's may be
// replaced, and certificates are parsed per thread).
typedef struct {
  char *url;
  char *detail;
  inspect_aia_status_t status;
  inspect_chain_t *certs;  // with status OK
  int64_t fetched_ms;
  int cached;              // fetched earlier, for another connection
  char *mirrored;          // the URL the mirrored copy names instead, or NULL
} aia_result_t;

// An AIA GET: a client's plain-HTTP request on the TLS port (its request
// line and headers are in the connection's proxy_http_t).
typedef struct {
  int answered;  // a response was written (else: held, or closed)
  int held;      // the origin's URL timed out: no answer until the client gives up
  int64_t start_ms;
  uint64_t start_ns;
  // What the path stands for (copied from the table when the request came).
  int found;
  char *url;
  inspect_aia_status_t status;
  int64_t fetched_ms;
  int issuer;
  int code;  // the HTTP status served, 0 for none
} aia_get_t;

struct conn_aia_st {
  proxy_conn_t *conn;
  // Fetching, on the thread pool: inputs the job only reads...
  uv_work_t req;
  proxy_aia_t *table;
  const inspect_chain_t *chain;
  const inspect_trust_t *trust;
  int64_t now;
  double deadline;  // uv_hrtime seconds: the job starts no fetch it could not end by then
  // ...and what it made (read by the loop once it ended).
  int fetched;
  inspect_chain_t *pool;
  aia_result_t results[AIA_MAX_FETCHES];
  inspect_aia_fetch_t fetches[AIA_MAX_FETCHES];  // the verdicts' view of `results`
  size_t num;
  aia_get_t *get;  // when this connection is an AIA GET
};

static conn_aia_t *conn_aia_of(proxy_conn_t *conn) {
  if (conn->aia == NULL && (conn->aia = calloc(1, sizeof(conn_aia_t))) != NULL) {
    conn->aia->conn = conn;
  }
  return conn->aia;
}

static void result_cleanup(aia_result_t *r) {
  free(r->url);
  free(r->detail);
  free(r->mirrored);
  inspect_chain_free(r->certs);
  memset(r, 0, sizeof(*r));
}

void conn_aia_free(conn_aia_t *aia) {
  if (aia == NULL) {
    return;
  }
  for (size_t i = 0; i < aia->num; i++) {
    result_cleanup(&aia->results[i]);
  }
  inspect_chain_free(aia->pool);
  if (aia->get != NULL) {
    free(aia->get->url);
    free(aia->get);
  }
  free(aia);
}

// Fetching.
//
// table_outcome copies `url`'s outcome into `r` and returns 1: from the table
// when it is fresh, after waiting for a fetch under way, else fetched now
// (these two only when `may_block`; without, it returns -1 instead). It
// returns 0 when out of memory.
static int table_outcome(proxy_aia_t *t, const char *url, aia_result_t *r, int may_block) {
  pthread_mutex_lock(&t->lock);
  aia_url_t *u = url_find(t, url);
  while (u != NULL && u->fetching && may_block) {
    pthread_cond_wait(&t->fetched, &t->lock);
    u = url_find(t, url);  // (it may have failed and gone)
  }
  r->cached = u != NULL && !u->fetching && uv_hrtime() < u->expires_ns;
  if (!r->cached && !may_block) {
    pthread_mutex_unlock(&t->lock);
    return -1;
  }
  if (!r->cached) {
    if (u == NULL) {
      url_evict(t);
      u = calloc(1, sizeof(*u));
      if (u == NULL || (u->url = strdup(url)) == NULL) {
        free(u);
        pthread_mutex_unlock(&t->lock);
        return 0;
      }
      u->next = t->urls;
      t->urls = u;
      t->num_urls++;
    }
    u->fetching = 1;
    pthread_mutex_unlock(&t->lock);
    tls_aia_t *aia = tls_aia_new(&t->cfg);
    const inspect_aia_fetch_t *f = aia != NULL ? tls_aia_fetch(aia, url) : NULL;
    pthread_mutex_lock(&t->lock);
    tls_aia_free(u->aia);
    u->aia = aia;
    u->fetch = f;
    u->fetching = 0;
    u->fetched_ms = wall_ms();
    u->expires_ns = uv_hrtime() + (f != NULL && f->status == INSPECT_AIA_OK ? t->ttl_ok_ns : t->ttl_failed_ns);
    pthread_cond_broadcast(&t->fetched);
  }
  int ok = u->fetch != NULL;
  if (ok) {
    const inspect_aia_fetch_t *f = u->fetch;
    r->status = f->status;
    r->fetched_ms = u->fetched_ms;
    r->url = strdup(url);
    r->detail = strdup(f->detail != NULL ? f->detail : "");
    r->certs = inspect_chain_new();
    ok = r->url != NULL && r->detail != NULL && r->certs != NULL;
    for (size_t i = 0; ok && i < inspect_chain_num(f->certs); i++) {
      const inspect_cert_info_t *info = inspect_cert_get0_info(inspect_chain_get0(f->certs, i));
      ok = inspect_chain_add_der(r->certs, info->der, info->der_len) == INSPECT_OK;
    }
  }
  pthread_mutex_unlock(&t->lock);
  if (!ok) {
    result_cleanup(r);
  }
  return ok;
}

// gather collects what a browser would fetch for the chain: while its path
// (through the trust store and what was fetched so far) stops at a
// certificate whose issuer nobody sent, that certificate's caIssuers URL.
// Without `may_block` (on the event loop) it takes fresh outcomes from the
// table only, and returns 1 where a URL must be fetched or waited for: the
// thread pool goes on from there (a step starts there only when a whole
// fetch still ends before the deadline). It returns 0 when done.
static int gather(conn_aia_t *aia, int may_block) {
  while (aia->num < AIA_MAX_FETCHES) {
    inspect_input_t in = {.chain = aia->chain, .trust = aia->trust, .aia_pool = aia->pool, .now = aia->now};
    const char *url = inspect_aia_next_url(&in);
    int seen = url == NULL;
    for (size_t i = 0; !seen && i < aia->num; i++) {
      seen = strcmp(aia->results[i].url, url) == 0;  // fetched already: what it gave did not help
    }
    if (seen || (may_block && (double)uv_hrtime() / 1e9 + aia->table->cfg.timeout > aia->deadline)) {
      return 0;
    }
    aia_result_t *r = &aia->results[aia->num];
    int got = table_outcome(aia->table, url, r, may_block);
    if (got <= 0) {
      return got < 0;
    }
    aia->num++;
    for (size_t i = 0; i < inspect_chain_num(r->certs); i++) {
      const inspect_cert_info_t *info = inspect_cert_get0_info(inspect_chain_get0(r->certs, i));
      if (inspect_chain_add_der(aia->pool, info->der, info->der_len) != INSPECT_OK) {
        break;  // past INSPECT_CHAIN_MAX, no more
      }
    }
  }
  return 0;
}

int proxy_aia_lookup(proxy_aia_t *t, const char *url, proxy_aia_outcome_t *out) {
  aia_result_t r;
  memset(&r, 0, sizeof(r));
  if (table_outcome(t, url, &r, 1) != 1) {
    return PROXY_ENOMEM;
  }
  *out = (proxy_aia_outcome_t){r.status, r.cached, inspect_chain_num(r.certs)};
  result_cleanup(&r);
  return 0;
}

size_t proxy_aia_num_urls(proxy_aia_t *t) {
  pthread_mutex_lock(&t->lock);
  size_t n = t->num_urls;
  pthread_mutex_unlock(&t->lock);
  return n;
}

static void on_fetch_work(uv_work_t *req) { gather(PROXY_CONTAINER_OF(req, conn_aia_t, req), 1); }

// rejudge judges the origin again with the fetches, keeping the verdict
// metrics to the verdicts the connection ends with.
static void rejudge(proxy_conn_t *conn) {
  inspect_reason_t before[INSPECT_SELECTION_MAX];
  const inspect_report_t *r = conn->origin.report;
  size_t n = r != NULL ? inspect_report_num_verdicts(r) : 0;
  for (size_t i = 0; i < n && i < INSPECT_SELECTION_MAX; i++) {
    before[i] = inspect_report_get0_verdict(r, i)->reason;
  }
  conn_origin_judge(conn, 0);
  r = conn->origin.report;
  proxy_metrics_t *m = conn_metrics(conn);
  for (size_t i = 0; r != NULL && i < n && i < inspect_report_num_verdicts(r) && i < INSPECT_SELECTION_MAX; i++) {
    inspect_reason_t after = inspect_report_get0_verdict(r, i)->reason;
    if (after != before[i]) {
      proxy_metrics_add(&m->verdicts[i][before[i]], -1);
      proxy_metrics_add(&m->verdicts[i][after], 1);
    }
  }
}

// fetched ends the fetching: the origin is judged again with the fetches.
static void fetched(conn_aia_t *aia) {
  aia->fetched = 1;
  for (size_t i = 0; i < aia->num; i++) {
    const aia_result_t *r = &aia->results[i];
    aia->fetches[i] = (inspect_aia_fetch_t){r->url, r->status, r->detail, r->status == INSPECT_AIA_OK ? r->certs : NULL};
  }
  rejudge(aia->conn);
}

static void on_fetch_done(uv_work_t *req, int status) {
  (void)status;  // never cancelled; a job that did not run fetched nothing more
  conn_aia_t *aia = PROXY_CONTAINER_OF(req, conn_aia_t, req);
  proxy_conn_t *conn = aia->conn;
  if (!conn->client_sio.closing) {
    fetched(aia);
    conn_client_serve(conn);
  }
  conn_release(conn);  // the pending job held the connection open
}

// misses_issuer says whether the origin's verdicts found a path that stops
// short of a trust anchor: only then can a browser fetch anything.
static int misses_issuer(const inspect_report_t *r) {
  for (size_t i = 0; r != NULL && i < inspect_report_num_findings(r); i++) {
    const char *code = inspect_report_get0_finding(r, i)->code;
    if (strcmp(code, "MISSING_INTERMEDIATE") == 0 || strcmp(code, "UNTRUSTED_ROOT") == 0) {
      return 1;
    }
  }
  return 0;
}

int conn_aia_fetch(proxy_conn_t *conn) {
  const proxy_config_t *cfg = conn_cfg(conn);
  const conn_origin_t *origin = &conn->origin;
  proxy_aia_t *table = conn->worker->server->aia;
  if ((conn->aia != NULL && conn->aia->fetched) || table == NULL || conn->client_sio.closing ||
      origin->hs.status != INSPECT_HS_OK ||
      !misses_issuer(origin->report)) {
    return 0;
  }
  int64_t now = (int64_t)time(NULL);
  inspect_input_t in = {.chain = origin->chain, .trust = cfg->trust, .now = now};
  conn_aia_t *aia = inspect_aia_next_url(&in) != NULL ? conn_aia_of(conn) : NULL;
  if (aia == NULL || (aia->pool == NULL && (aia->pool = inspect_chain_new()) == NULL)) {
    return 0;
  }
  aia->table = table;
  aia->chain = origin->chain;
  aia->trust = cfg->trust;
  aia->now = now;
  // The client's handshake waits: its deadline starts again, and the job
  // ends a second before it.
  aia->deadline = (double)uv_hrtime() / 1e9 + cfg->timeout_connect + cfg->timeout_handshake - 1;
  if (!gather(aia, 0) || uv_queue_work(&conn->worker->loop, &aia->req, on_fetch_work, on_fetch_done) != 0) {
    fetched(aia);  // every outcome was in the table (or the pool refused the job)
    return 0;
  }
  conn->open_handles++;
  conn_client_set_state(conn, CLIENT_HELD);
  return 1;
}

void conn_aia_input(const proxy_conn_t *conn, inspect_input_t *in) {
  const conn_aia_t *aia = conn->aia;
  if (aia != NULL && aia->fetched && aia->num > 0) {
    in->aia_pool = aia->pool;
    in->aia_fetches = aia->fetches;
    in->num_aia_fetches = aia->num;
  }
}

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
  int with = conn->worker->server->aia != NULL && names_http_aia(conn->origin.chain) && base_of(conn, base, sizeof(base));
  tls_mirror_set_aia_base(conn->worker->mirror, with ? base : NULL);  // out of memory: the origin's URLs stay
}

// path_put stores what `path` serves, unless it serves that outcome already.
// Under the lock.
static void path_put(proxy_aia_t *t, aia_path_t *fresh) {
  for (aia_path_t **p = &t->paths; *p != NULL; p = &(*p)->next) {
    if (strcmp((*p)->path, fresh->path) == 0) {
      aia_path_t *old = *p;
      *p = old->next;
      path_free(old);
      t->num_paths--;
      break;
    }
  }
  if (t->num_paths == AIA_MAX_PATHS) {
    aia_path_t **last = &t->paths;
    while ((*last)->next != NULL) {
      last = &(*last)->next;
    }
    path_free(*last);
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
  g->start_ms = wall_ms();
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
  sio->cb = &kPlainCallbacks;  // ...from the stream, which now delivers it as it came
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
    served = g->held                    ? "nothing: held until the client gave up, as the origin's URL timed out"
             : g->issuer                ? "the mirrored issuer"
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
