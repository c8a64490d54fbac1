// node: Node.js 20 (Postman, axios, fetch). Its bundled OpenSSL 3 runs at
// security level 1 and keeps going after errors, so the error Node reports
// is the last one OpenSSL found; the host name is checked afterwards by
// tls.checkServerIdentity, and only when the chain verified.

#include <string.h>

#include "inspect/inspect_internal.h"

static const inspect_hs_words_t kHandshake = {
    .alert =
        "{openssl_err}:SSL routines:ssl3_read_bytes:{openssl_alert}:SSL alert number {number} "
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
  static const int kKnown[] = {2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                               16, 17, 18, 19, 20, 21, 22, 23, 25, 26, 27, 28, 62, 79};
  for (size_t i = 0; i < sizeof(kKnown) / sizeof(kKnown[0]); i++) {
    if (kKnown[i] == code) {
      return inspect__ossl_error_name(code);
    }
  }
  return "UNSPECIFIED";
}

// say_identity gives what tls.checkServerIdentity says for a name the
// certificate does not cover.
static const char *say_identity(const inspect_rule_failure_t *f) {
  inspect_ctx_t *ctx = f->ctx;
  const inspect_cert_t *leaf = inspect__leaf(ctx);
  const inspect_cert_info_t *info = &leaf->info;
  const char *name = ctx->in->name;
  const char *why;
  if (ctx->name_is_ip) {
    inspect_buf_t ips;
    inspect_buf_init(&ips, 1 << 16);
    for (size_t i = 0; i < info->num_ip_addrs; i++) {
      inspect_buf_printf(&ips, "%s%s", i ? ", " : "", info->ip_addrs[i]);
    }
    why = inspect__arena_printf(ctx->arena, "IP: %s is not in the cert's list: %s", name,
                                ips.data != NULL ? ips.data : "");
    inspect_buf_cleanup(&ips);
  } else if (info->num_dns_names > 0) {
    why = inspect__arena_printf(ctx->arena, "Host: %s. is not in the cert's altnames: %s", name,
                                inspect__name_list(ctx, leaf, "DNS:", ", "));
  } else if (info->common_name != NULL) {
    why = inspect__arena_printf(ctx->arena, "Host: %s. is not cert's CN: %s", name, info->common_name);
  } else {
    why = "Cert does not contain a DNS name";
  }
  return inspect__arena_printf(
      ctx->arena, "Hostname/IP does not match certificate's altnames: %s (code ERR_TLS_CERT_ALTNAME_INVALID)", why);
}

static const char *say_verify(const inspect_rule_failure_t *f) {
  inspect_ossl_result_t res;
  const inspect_ossl_error_t *e = inspect__ossl_error(f->ctx, &inspect__ossl_level1, 1, &res);
  return inspect__arena_printf(f->ctx->arena, "%s (code %s)", inspect__ossl_error_text(e->code), node_code(e->code));
}

static const char *say_verify_effect(const inspect_rule_failure_t *f) {
  inspect_ossl_result_t res;
  const inspect_ossl_error_t *e = inspect__ossl_error(f->ctx, &inspect__ossl_level1, 1, &res);
  return inspect__arena_printf(f->ctx->arena, "Node.js clients fail with %s; Postman shows 'Error: %s'.",
                               node_code(e->code), inspect__ossl_error_text(e->code));
}

static const inspect_rule_t kRules[] = {
    INSPECT_RULE_HANDSHAKE("G1"),
    {.id = "N1", .check = inspect__check_openssl_level1, .say = say_verify, .say_effect = say_verify_effect},
    // N2: tls.checkServerIdentity, only once the chain verified.
    {.id = "N2",
     .check = inspect__check_name_cn_fallback,
     .say = say_identity,
     .effect = "Node.js clients fail with ERR_TLS_CERT_ALTNAME_INVALID; Postman shows 'Hostname/IP does not match "
               "certificate's altnames'."},
    INSPECT_RULE_LATE_ALERT("G2"),
};

static const inspect_rules_words_t kWords = {
    .handshake = &kHandshake,
    .accept = "Node.js clients (Postman, axios, fetch) connect.",
    .sni_fix =
        "pass servername: '{name}' to tls.connect (or connect by the host name): Node sends no SNI to an "
        "IP address",
};

const inspect_profile_t inspect_profile_node = {
    .id = "node",
    .platform = "Node.js 20 (Postman, axios, fetch)",
    .is_default = 1,
    INSPECT_PROFILE_TABLE(kRules, kWords),
};
