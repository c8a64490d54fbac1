// apigateway: Amazon API Gateway's HTTP / HTTP_PROXY integration calling a
// public HTTPS backend. Its client behaves as Java's PKIX trust manager plus
// Apache HttpClient's host name check; failures are execution-log messages
// and a 500 to the caller. Option insecure-skip-verification is the
// integration's tlsConfig.insecureSkipVerification: any CA is accepted, but
// expiry, the host name and the presence of a root CA are still checked.

#include "inspect/inspect_internal.h"

#define PREFIX "Execution failed due to configuration error: "

static const char *const kOptions[] = {"insecure-skip-verification", NULL};
#define OPTION_INSECURE 1u

static const inspect_hs_words_t kWords = {
    .alert = PREFIX "Received fatal alert: {alert}",
    .closed = PREFIX "Remote host terminated the handshake",
    .protocol = PREFIX "No appropriate protocol (protocol is disabled or cipher suites are inappropriate)",
    .connect_failed = PREFIX "Connect to {name} failed: {detail}",
    .timeout = "Execution failed due to a timeout error",
    .no_certificate = PREFIX "Empty server certificate chain",
    .effect = "API Gateway would fail the integration: clients get 500 {\"message\": \"Internal server error\"}.",
    .timeout_effect = "API Gateway would time out the integration: clients get 504 {\"message\": \"Endpoint "
                      "request timed out\"}.",
};

static const char kEffect[] =
    "API Gateway would fail the integration: clients get 500 {\"message\": \"Internal server error\"}.";

// root_present checks insecureSkipVerification's one trust rule: the chain
// must lead to a root CA (self-signed, CA:TRUE, keyCertSign), sent or known.
static int root_present(const inspect_path_t *path) {
  if (path->end == PATH_END_ANCHORED) {
    return 1;
  }
  if (path->end != PATH_END_UNTRUSTED_ROOT) {
    return 0;
  }
  const inspect_cert_info_t *root = &path->certs[path->len - 1]->info;
  return root->is_ca && (!root->has_key_usage || (root->key_usage & INSPECT_KU_KEY_CERT_SIGN));
}

static void judge(inspect_ctx_t *ctx, unsigned options, inspect_verdict_t *out) {
  if (inspect__judge_handshake(ctx, &kWords, out)) {
    return;
  }
  inspect_reason_t reason = INSPECT_REASON_OK;
  const char *msg = NULL;
  if (options & OPTION_INSECURE) {
    const inspect_path_t *path = inspect__path(ctx, 0);
    if (!root_present(path)) {
      reason = inspect__path_failure_reason(ctx, path);
      msg = "PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find "
            "valid certification path to requested target";
    } else if ((reason = inspect__path_time_problem(ctx, path)) != INSPECT_REASON_OK) {
      msg = "PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed";
    }
  } else {
    msg = inspect__jdk_verify(ctx, &reason);
  }
  if (msg == NULL && ctx->in->name != NULL) {
    // Apache HttpClient (SSLConnectionSocketFactory) checks the name.
    static const inspect_name_rules_t kRules = {NAME_CN_IF_NO_DNS, NAME_WILDCARD_PARTIAL};
    const inspect_cert_t *leaf = inspect__leaf(ctx);
    if (inspect__name_check(leaf, ctx->in->name, ctx->name_is_ip, &kRules) != NAME_MATCH) {
      reason = INSPECT_REASON_HOSTNAME_MISMATCH;
      msg = inspect__arena_printf(ctx->arena,
                                  "Host name '%s' does not match the certificate subject provided by the peer (%s)",
                                  ctx->in->name, inspect__java_dn(ctx, leaf->info.subject));
    }
  }
  if (msg != NULL) {
    inspect__verdict_reject(ctx, out, reason, inspect__arena_printf(ctx->arena, PREFIX "%s", msg), kEffect);
    return;
  }
  if (inspect__judge_post_handshake_alert(ctx, &kWords, out)) {
    return;
  }
  inspect__verdict_accept(ctx, out, "API Gateway's HTTP integration connects to this backend.");
}

const inspect_profile_t inspect_profile_apigateway = {
    .id = "apigateway",
    .platform = "Amazon API Gateway HTTP/HTTP_PROXY integration",
    .options = kOptions,
    .is_default = 1,
    .judge = judge,
};
