// openssl: OpenSSL 3 at security level 2 (Debian's default), as curl,
// Python and openssl s_client see a server. Verification stops at the first
// error; the host name is checked inside verification (s_client
// -verify_hostname, Python's check_hostname).

#include "inspect/inspect_internal.h"

static const inspect_hs_words_t kHandshake = {
    .alert = "OpenSSL/3: error:{openssl_err}:SSL routines::{openssl_alert} (SSL alert number {number})",
    .closed = "OpenSSL SSL_connect: SSL_ERROR_SYSCALL: the origin closed the connection during the handshake",
    .protocol = "OpenSSL/3: SSL routines::unsupported protocol or wrong version number ({detail})",
    .connect_failed = "Failed to connect to {name}: {detail}",
    .timeout = "SSL connection timeout ({detail})",
    .no_certificate = "no peer certificate available",
    .effect =
        "curl, Python and openssl s_client fail before any HTTP request is sent (curl exits with 35, 7 "
        "when refused, 28 on timeout).",
};

static const char *say_verify(const inspect_rule_failure_t *f) {
  inspect_ctx_t *ctx = f->ctx;
  inspect_ossl_result_t res;
  const inspect_ossl_error_t *e = inspect__ossl_error(ctx, &inspect__ossl_level2, 0, &res);
  if (e->reason != INSPECT_REASON_HOSTNAME_MISMATCH) {
    return inspect__arena_printf(ctx->arena, "SSL certificate problem: %s (X509 error %d at depth %d)",
                                 inspect__ossl_error_text(e->code), e->code, e->depth);
  }
  const inspect_cert_info_t *leaf = &inspect__leaf(ctx)->info;
  if (leaf->num_dns_names == 0 && leaf->common_name != NULL && !ctx->name_is_ip) {
    return inspect__arena_printf(ctx->arena,
                                 "SSL: certificate subject name '%s' does not match target host name '%s' (X509 "
                                 "error %d: %s)",
                                 leaf->common_name, ctx->in->name, e->code, inspect__ossl_error_text(e->code));
  }
  return inspect__arena_printf(ctx->arena,
                               "SSL: no alternative certificate subject name matches target host name '%s' (X509 "
                               "error %d: %s)",
                               ctx->in->name, e->code, inspect__ossl_error_text(e->code));
}

static const inspect_rule_t kRules[] = {
    INSPECT_RULE_HANDSHAKE("G1"),
    {.id = "S1", .check = inspect__check_openssl_level2, .say = say_verify},
    INSPECT_RULE_LATE_ALERT("G2"),
};

static const inspect_rules_words_t kWords = {
    .handshake = &kHandshake,
    .effect =
        "curl exits with code 60 and Python raises SSLCertVerificationError: the request never reaches the "
        "origin.",
    .accept = "curl, Python and openssl s_client connect and verify this server.",
    .sni_fix =
        "connect by the host name (curl https://{name}/, with --connect-to or --resolve to keep the "
        "address): curl and OpenSSL send no SNI to an IP address",
};

const inspect_profile_t inspect_profile_openssl = {
    .id = "openssl",
    .platform = "OpenSSL 3, security level 2 (curl, Python, openssl s_client)",
    .is_default = 1,
    INSPECT_PROFILE_TABLE(kRules, kWords),
};
