// Client certificates (mutual TLS): the client's chain as sent, judged by
// the client profiles (alb-mtls, apigateway-mtls); with --as alb, ALB's
// verify-mode refusal and the X-Amzn-Mtls-* headers it adds to requests;
// with --as apigateway, API Gateway's 403.

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proxy/conn_internal.h"

// conn_mtls_judge judges the client's chain (possibly empty) with the client
// profiles, once.
void conn_mtls_judge(proxy_conn_t *conn) {
  const proxy_config_t *cfg = conn_cfg(conn);
  if (cfg->client_selection == NULL || conn->client.report != NULL) {
    return;
  }
  inspect_input_t in = {
      .chain = conn->client.chain,
      .sni_sent = conn->hello.has_sni,
      .trust = cfg->client_trust,
      .now = (int64_t)time(NULL),
      .handshake = {.status = INSPECT_HS_OK, .alert = -1},
  };
  if (inspect_cache_report(conn->worker->cache, &in, cfg->client_selection, &conn->client.report) != INSPECT_OK) {
    conn->client.report = NULL;
  }
}

// find_verdict returns the verdict of the first profile whose label starts
// with `id`, or NULL.
static const inspect_verdict_t *find_verdict(const inspect_report_t *report, const char *id) {
  for (size_t i = 0; report != NULL && i < inspect_report_num_verdicts(report); i++) {
    const inspect_verdict_t *v = inspect_report_get0_verdict(report, i);
    if (strncmp(v->profile, id, strlen(id)) == 0) {
      return v;
    }
  }
  return NULL;
}

const inspect_verdict_t *conn_mtls_alb_verdict(const inspect_report_t *client_report) {
  return find_verdict(client_report, "alb-mtls");
}

static uint8_t alert_for(inspect_reason_t reason) {
  switch (reason) {
    case INSPECT_REASON_UNTRUSTED_ROOT:
    case INSPECT_REASON_MISSING_INTERMEDIATE:
    case INSPECT_REASON_SELF_SIGNED: return SSL_AD_UNKNOWN_CA;
    case INSPECT_REASON_EXPIRED: return SSL_AD_CERTIFICATE_EXPIRED;
    case INSPECT_REASON_BAD_EKU:
    case INSPECT_REASON_UNSUPPORTED_CERT: return SSL_AD_UNSUPPORTED_CERTIFICATE;
    default: return SSL_AD_BAD_CERTIFICATE;
  }
}

// conn_mtls_on_client_chain records the client's certificates as sent and,
// in ALB verify mode, refuses what ALB would refuse.
enum ssl_verify_result_t conn_mtls_on_client_chain(SSL *ssl, uint8_t *out_alert) {
  proxy_sio_t *sio = SSL_get_app_data(ssl);
  proxy_conn_t *conn = sio->data;
  const proxy_config_t *cfg = conn_cfg(conn);
  const STACK_OF(CRYPTO_BUFFER) *peer = SSL_get0_peer_certificates(ssl);
  for (size_t i = 0; peer != NULL && i < sk_CRYPTO_BUFFER_num(peer); i++) {
    const CRYPTO_BUFFER *buf = sk_CRYPTO_BUFFER_value(peer, i);
    inspect_chain_add_sent(conn->client.chain, CRYPTO_BUFFER_data(buf), CRYPTO_BUFFER_len(buf));
  }
  conn_mtls_judge(conn);
  const inspect_verdict_t *alb = conn_mtls_alb_verdict(conn->client.report);
  if (cfg->enforce == PROXY_ENFORCE_ALB && cfg->mtls_mode == PROXY_MTLS_VERIFY && alb != NULL && !alb->accept) {
    conn->client.rejected = alb;
    conn->close_reason = "ALB verify mode refused the client certificate";
    *out_alert = alert_for(alb->reason);
    return ssl_verify_invalid;
  }
  return ssl_verify_ok;
}

// url_encode appends `data` as ALB encodes PEM in headers: percent-encoding
// with the unreserved characters and "+=/" left as they are.
static void url_encode(inspect_buf_t *out, const char *data, size_t len) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)data[i];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-_.~+=/", c) != NULL) {
      inspect_buf_append(out, &data[i], 1);
    } else {
      char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
      inspect_buf_append(out, esc, 3);
    }
  }
}

// header_value appends a certificate's text (a DN) as a header value: control
// characters a client put in its certificate must not split the header.
static void header_value(inspect_buf_t *out, const char *value) {
  for (const char *p = value; *p != '\0'; p++) {
    char c = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
    inspect_buf_append(out, &c, 1);
  }
}

// pem_of appends `cert` as PEM: INSPECT_OK or INSPECT_ENOMEM.
static int pem_of(inspect_buf_t *out, const inspect_cert_t *cert) {
  const inspect_cert_info_t *info = inspect_cert_get0_info(cert);
  return inspect_pem_append_cert(out, info->der, info->der_len);
}

// alb_headers prepares what ALB adds to every request of an mTLS listener.
static void alb_headers(proxy_conn_t *conn) {
  const proxy_config_t *cfg = conn_cfg(conn);
  if (cfg->enforce != PROXY_ENFORCE_ALB || cfg->mtls_mode == PROXY_MTLS_OFF) {
    return;
  }
  conn->http.strip_prefix = "X-Amzn-Mtls-";  // clients cannot forge them
  const inspect_chain_t *chain = conn->client.chain;
  size_t n = inspect_chain_num(chain);
  if (n == 0) {
    return;
  }
  inspect_buf_t out, pem;
  inspect_buf_init(&out, 1 << 20);
  inspect_buf_init(&pem, 1 << 20);
  if (cfg->mtls_mode == PROXY_MTLS_PASSTHROUGH) {
    for (size_t i = 0; i < n; i++) {
      out.failed |= pem_of(&pem, inspect_chain_get0(chain, i)) != INSPECT_OK;
    }
    inspect_buf_puts(&out, "X-Amzn-Mtls-Clientcert: ");
    url_encode(&out, pem.data, pem.len);
    inspect_buf_puts(&out, "\r\n");
  } else {
    const inspect_cert_info_t *leaf = inspect_cert_get0_info(inspect_chain_get0(chain, 0));
    char nb[INSPECT_TIME_STR_LEN], na[INSPECT_TIME_STR_LEN];
    inspect_time_format_rfc3339(leaf->not_before, nb);
    inspect_time_format_rfc3339(leaf->not_after, na);
    inspect_buf_puts(&out, "X-Amzn-Mtls-Clientcert-Serial-Number: ");
    for (const char *p = leaf->serial_hex; *p != '\0'; p++) {
      char c = *p >= 'a' && *p <= 'f' ? (char)(*p - 32) : *p;
      inspect_buf_append(&out, &c, 1);
    }
    inspect_buf_puts(&out, "\r\nX-Amzn-Mtls-Clientcert-Issuer: ");
    header_value(&out, leaf->issuer);
    inspect_buf_puts(&out, "\r\nX-Amzn-Mtls-Clientcert-Subject: ");
    header_value(&out, leaf->subject);
    inspect_buf_printf(&out,
                       "\r\nX-Amzn-Mtls-Clientcert-Validity: NotBefore=%s;NotAfter=%s\r\n"
                       "X-Amzn-Mtls-Clientcert-Leaf: ",
                       nb, na);
    out.failed |= pem_of(&pem, inspect_chain_get0(chain, 0)) != INSPECT_OK;
    url_encode(&out, pem.data, pem.len);
    inspect_buf_puts(&out, "\r\n");
  }
  conn->client.inject = out.failed ? NULL : strdup(out.data);
  conn->http.inject = conn->client.inject;
  inspect_buf_cleanup(&out);
  inspect_buf_cleanup(&pem);
}

// apigateway_403 applies API Gateway's custom-domain mutual TLS with
// --as apigateway: a client certificate apigateway-mtls rejects gets a 403.
static void apigateway_403(proxy_conn_t *conn) {
  if (conn_cfg(conn)->enforce != PROXY_ENFORCE_APIGATEWAY || conn->client.report == NULL) {
    return;
  }
  for (size_t i = 0; i < inspect_report_num_verdicts(conn->client.report); i++) {
    const inspect_verdict_t *v = inspect_report_get0_verdict(conn->client.report, i);
    if (strncmp(v->profile, "apigateway-mtls", 15) == 0 && !v->accept) {
      conn->client.rejected = v;
      conn->answer = ANSWER_FORBIDDEN;
    }
  }
}

void conn_mtls_apply(proxy_conn_t *conn) {
  alb_headers(conn);
  apigateway_403(conn);
}
