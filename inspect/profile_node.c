// node: Node.js 20 (Postman, axios, fetch). Its bundled OpenSSL 3 runs at
// security level 1 and keeps going after errors, so the error Node reports
// is the last one OpenSSL found; the host name is checked afterwards by
// tls.checkServerIdentity, and only when the chain verified.

#include <string.h>

#include "inspect/inspect_internal.h"

static const inspect_hs_words_t kWords = {
    .alert = "{openssl_err}:SSL routines:ssl3_read_bytes:{openssl_alert}:SSL alert number {number} "
             "(code {node_alert_code})",
    .closed = "Client network socket disconnected before secure TLS connection was established (code ECONNRESET)",
    .protocol = "SSL routines:ssl3_get_record:wrong version number ({detail}) (code ERR_SSL_WRONG_VERSION_NUMBER)",
    .connect_failed = "connect ECONNREFUSED {detail} (code ECONNREFUSED)",
    .timeout = "socket hang up: the handshake did not complete ({detail}) (code ECONNRESET)",
    .no_certificate = "Client network socket disconnected before secure TLS connection was established",
    .effect = "Node.js clients (Postman, axios, fetch) fail before any HTTP request is sent.",
};

// node_code returns err.code as Node names it: Node knows a fixed list of
// X509_V_ERR constants (X509ErrorCode in src/crypto/crypto_common.cc) and
// says UNSPECIFIED for the rest (e.g. CA_MD_TOO_WEAK, PERMITTED_VIOLATION).
static const char *node_code(int code) {
  static const int kKnown[] = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 25,
                               26, 27, 28, 62, 79};
  for (size_t i = 0; i < sizeof(kKnown) / sizeof(kKnown[0]); i++) {
    if (kKnown[i] == code) {
      return inspect__ossl_error_name(code);
    }
  }
  return "UNSPECIFIED";
}

// identity_error returns what tls.checkServerIdentity says, or NULL.
static const char *identity_error(inspect_ctx_t *ctx) {
  const inspect_cert_t *leaf = inspect__leaf(ctx);
  const inspect_cert_info_t *info = &leaf->info;
  const char *name = ctx->in->name;
  if (name == NULL) {
    return NULL;
  }
  static const inspect_name_rules_t kRules = {NAME_CN_IF_NO_DNS, NAME_WILDCARD_PARTIAL};
  if (inspect__name_check(leaf, name, ctx->name_is_ip, &kRules) == NAME_MATCH) {
    return NULL;
  }
  if (ctx->name_is_ip) {
    inspect_buf_t ips;
    inspect_buf_init(&ips, 1 << 16);
    for (size_t i = 0; i < info->num_ip_addrs; i++) {
      inspect_buf_printf(&ips, "%s%s", i ? ", " : "", info->ip_addrs[i]);
    }
    const char *msg = inspect__arena_printf(ctx->arena, "IP: %s is not in the cert's list: %s", name,
                                            ips.data != NULL ? ips.data : "");
    inspect_buf_cleanup(&ips);
    return msg;
  }
  if (info->num_dns_names > 0) {
    return inspect__arena_printf(ctx->arena, "Host: %s. is not in the cert's altnames: %s", name,
                                 inspect__name_list(ctx, leaf, "DNS:", ", "));
  }
  if (info->common_name != NULL) {
    return inspect__arena_printf(ctx->arena, "Host: %s. is not cert's CN: %s", name, info->common_name);
  }
  return "Cert does not contain a DNS name";
}

static void judge(inspect_ctx_t *ctx, unsigned options, inspect_verdict_t *out) {
  (void)options;
  if (inspect__judge_handshake(ctx, &kWords, out)) {
    return;
  }
  static const inspect_ossl_opts_t kOpts = {80, 0};
  inspect_ossl_result_t res;
  inspect__ossl_verify(ctx, &kOpts, &res);
  if (res.num > 0) {
    const inspect_ossl_error_t *e = &res.items[res.num - 1];
    const char *text = inspect__ossl_error_text(e->code);
    const char *code = node_code(e->code);
    inspect__verdict_reject(ctx, out, e->reason, inspect__arena_printf(ctx->arena, "%s (code %s)", text, code),
                            inspect__arena_printf(ctx->arena,
                                                  "Node.js clients fail with %s; Postman shows 'Error: %s'.", code,
                                                  text));
    return;
  }
  const char *identity = identity_error(ctx);
  if (identity != NULL) {
    inspect__verdict_reject(
        ctx, out, INSPECT_REASON_HOSTNAME_MISMATCH,
        inspect__arena_printf(ctx->arena,
                              "Hostname/IP does not match certificate's altnames: %s (code ERR_TLS_CERT_ALTNAME_INVALID)",
                              identity),
        "Node.js clients fail with ERR_TLS_CERT_ALTNAME_INVALID; Postman shows 'Hostname/IP does not match "
        "certificate's altnames'.");
    return;
  }
  if (inspect__judge_post_handshake_alert(ctx, &kWords, out)) {
    return;
  }
  inspect__verdict_accept(ctx, out, "Node.js clients (Postman, axios, fetch) connect.");
}

const inspect_profile_t inspect_profile_node = {
    .id = "node",
    .platform = "Node.js 20 (Postman, axios, fetch)",
    .is_default = 1,
    .judge = judge,
};
