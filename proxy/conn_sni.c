// Naming the cause of a refused handshake without SNI. When the client sent
// no SNI and the origin refused the mirrored handshake, tlsmirror makes one
// more handshake to the origin with the client's offer and the origin's name
// (--origin's host) as SNI, on the thread pool as conn_origin_replay does.
// If that one completes, the origin requires SNI: the verdicts name the cause
// and each platform's fix, and platforms that always send SNI (CloudFront,
// API Gateway) are judged on that handshake (inspect_input_t.with_sni).

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/conn_internal.h"

typedef struct {
  uv_work_t req;
  proxy_conn_t *conn;
  tls_probe_config_t cfg;
  inspect_hello_spec_t spec;  // points into the connection's hello, which outlives the job
  char host[256];
  char addr[INET6_ADDRSTRLEN];
  tls_probe_result_t result;
  int ok;
} sni_job_t;

static void on_sni_work(uv_work_t *req) {
  sni_job_t *job = req->data;
  job->ok = tls_probe_run(&job->cfg, &job->result) == TLS_OK;
  if (!job->ok) {
    tls_probe_result_cleanup(&job->result);
  }
}

static void on_sni_done(uv_work_t *req, int status) {
  (void)status;  // never cancelled
  sni_job_t *job = req->data;
  proxy_conn_t *conn = job->conn;
  conn_origin_t *origin = &conn->origin;
  if (job->ok && (origin->sni = calloc(1, sizeof(*origin->sni))) == NULL) {
    tls_probe_result_cleanup(&job->result);
  } else if (job->ok) {
    origin->sni->result = job->result;
    origin->sni->result.handshake.detail = origin->sni->result.detail;  // it pointed into the job
    snprintf(origin->sni->name, sizeof(origin->sni->name), "%s", job->host);
  }
  free(job);
  conn_origin_judge(conn, 1);
  if (!conn->client_sio.closing && (conn_origin_sni_is_cause(origin) || !conn_origin_replay(conn))) {
    conn_origin_proceed(conn);
  }
  conn_release(conn);  // the pending probe held the connection open
}

int conn_origin_probe_sni(proxy_conn_t *conn) {
  const conn_origin_t *origin = &conn->origin;
  const conn_hello_t *hello = &conn->hello;
  inspect_hs_status_t st = origin->hs.status;
  if (origin->state != ORIGIN_FAILED || conn_origin_sni(conn) != NULL || hello->has_sni ||
      (st != INSPECT_HS_ALERT && st != INSPECT_HS_CLOSED && st != INSPECT_HS_PROTOCOL) || origin->host[0] == '\0' ||
      inspect_name_is_ip(origin->host) || origin->sni != NULL) {
    return 0;
  }
  sni_job_t *job = calloc(1, sizeof(*job));
  if (job == NULL) {
    return 0;
  }
  snprintf(job->host, sizeof(job->host), "%s", origin->host);
  snprintf(job->addr, sizeof(job->addr), "%s", origin->ip);
  job->spec = conn_hello_spec(hello, INSPECT_SNI_ALWAYS, "the client's own offer, with SNI");
  job->cfg = (tls_probe_config_t){.host = job->host,
                                  .port = origin->port,
                                  .connect_addr = job->addr,
                                  .sni = job->host,
                                  .timeout = 5,
                                  .spec = &job->spec};
  job->conn = conn;
  return conn_queue_job(conn, &job->req, job, on_sni_work, on_sni_done);
}

int conn_origin_sni_is_cause(const conn_origin_t *origin) {
  return origin->sni != NULL && origin->sni->result.handshake.status == INSPECT_HS_OK;
}

const inspect_retry_t *conn_origin_with_sni(conn_origin_t *origin) {
  conn_sni_probe_t *sni = origin->sni;
  if (sni == NULL) {
    return NULL;
  }
  sni->retry = (inspect_retry_t){sni->name, sni->result.handshake, sni->result.chain};
  return &sni->retry;
}

void conn_origin_record_sni(inspect_buf_t *out, const conn_origin_t *origin) {
  static const char *const kStatus[] = {"none", "ok", "alert", "closed", "protocol", "connect_failed", "timeout"};
  if (origin->sni == NULL) {
    return;
  }
  const tls_probe_result_t *r = &origin->sni->result;
  inspect_buf_puts(out, ",\"with_sni\":{\"sni\":");
  inspect_buf_json_string(out, origin->sni->name);
  inspect_buf_printf(out, ",\"handshake\":\"%s\",\"version\":", kStatus[r->handshake.status]);
  inspect_buf_json_string(out, r->version[0] ? r->version + (strncmp(r->version, "TLSv", 4) == 0 ? 4 : 0) : NULL);
  inspect_buf_puts(out, ",\"cipher\":");
  inspect_buf_json_string(out, r->cipher[0] ? r->cipher : NULL);
  inspect_buf_printf(out, ",\"certificates\":%zu,\"detail\":", inspect_chain_num(r->chain));
  inspect_buf_json_string(out, r->handshake.status == INSPECT_HS_OK ? NULL : r->detail);
  inspect_buf_puts(out, "}");
}

void conn_origin_free_probes(conn_origin_t *origin) {
  if (origin->sni != NULL) {
    tls_probe_result_cleanup(&origin->sni->result);
    free(origin->sni);
    origin->sni = NULL;
  }
  free(origin->replay);
  origin->replay = NULL;
}
