// AIA through the proxy (see conn_internal.h): the server's table and the
// fetching; aia_serve.c serves the mirrored URLs.
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

#define AIA_TTL_OK 600.0     // seconds an outcome stays fresh...
#define AIA_TTL_FAILED 60.0  // ...or a failure
#define AIA_MAX_URLS 1024    // the table's bounds (the oldest go first)

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

void conn_aia_path_free(aia_path_t *p) {
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
    conn_aia_path_free(t->paths);
    t->paths = next;
  }
  pthread_cond_destroy(&t->fetched);
  pthread_mutex_destroy(&t->lock);
  free(t);
}

int64_t conn_aia_wall_ms(void) {
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

conn_aia_t *conn_aia_of(proxy_conn_t *conn) {
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
    u->fetched_ms = conn_aia_wall_ms();
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
    aia->fetches[i] =
        (inspect_aia_fetch_t){r->url, r->status, r->detail, r->status == INSPECT_AIA_OK ? r->certs : NULL};
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
      origin->hs.status != INSPECT_HS_OK || !misses_issuer(origin->report)) {
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
