// apigateway: Amazon API Gateway's HTTP / HTTP_PROXY integration calling a
// public HTTPS backend. Its client behaves as Java's PKIX trust manager plus
// Apache HttpClient's host name check; failures are execution-log messages
// and a 500 to the caller. Option insecure-skip-verification is the
// integration's tlsConfig.insecureSkipVerification: any CA is accepted, but
// expiry, the host name and the presence of a root CA are still checked.

#include "inspect/inspect_internal.h"

#define PREFIX "Execution failed due to configuration error: "
#define EFFECT "API Gateway would fail the integration: clients get 500 {\"message\": \"Internal server error\"}."

static const char *const kOptions[] = {"insecure-skip-verification", NULL};
#define OPTION_INSECURE 1u

static const inspect_hs_words_t kHandshake = {
    .alert = PREFIX "Received fatal alert: {alert}",
    .closed = PREFIX "Remote host terminated the handshake",
    .protocol = PREFIX "No appropriate protocol (protocol is disabled or cipher suites are inappropriate)",
    .connect_failed = PREFIX "Connect to {name} failed: {detail}",
    .timeout = "Execution failed due to a timeout error",
    .no_certificate = PREFIX "Empty server certificate chain",
    .effect = EFFECT,
    .timeout_effect =
        "API Gateway would time out the integration: clients get 504 {\"message\": \"Endpoint "
        "request timed out\"}.",
};

// root_present checks insecureSkipVerification's one trust rule (A8): the
// chain must lead to a root CA (self-signed, CA:TRUE, keyCertSign), sent or
// known.
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

static inspect_reason_t check_root_present(inspect_ctx_t *ctx, const inspect_path_t *path) {
  return root_present(path) ? INSPECT_REASON_OK : inspect__path_failure_reason(ctx, path);
}

// Every certificate problem is an execution-log line with one prefix.
static const char *frame(const inspect_rule_failure_t *f) {
  return inspect__arena_printf(f->ctx->arena, PREFIX "%s", f->message);
}

// A5: Apache HttpClient's SSLConnectionSocketFactory checks the name.
static const char *say_name(const inspect_rule_failure_t *f) {
  return inspect__arena_printf(f->ctx->arena,
                               "Host name '%s' does not match the certificate subject provided by the peer (%s)",
                               f->ctx->in->name, inspect__java_dn(f->ctx, f->path->certs[0]->info.subject));
}

static const inspect_rule_t kRules[] = {
    INSPECT_RULE_HANDSHAKE("G1"),
    {.id = "A2", .check = inspect__check_jdk_pkix, .say = inspect__say_jdk_pkix},
    {.id = "A5", .check = inspect__check_name_cn_fallback, .say = say_name},
    INSPECT_RULE_LATE_ALERT("G2"),
};

// A8: insecureSkipVerification skips only the CA check.
static const inspect_rule_t kInsecureRules[] = {
    INSPECT_RULE_HANDSHAKE("G1"),
    INSPECT_RULE("A8", check_root_present,
                 "PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to "
                 "find valid certification path to requested target"),
    INSPECT_RULE("A4", inspect__path_time_problem,
                 "PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed"),
    {.id = "A5", .check = inspect__check_name_cn_fallback, .say = say_name},
    INSPECT_RULE_LATE_ALERT("G2"),
};

static const inspect_rules_words_t kWords = {
    .handshake = &kHandshake,
    .frame = frame,
    .effect = EFFECT,
    .accept = "API Gateway's HTTP integration connects to this backend.",
};

static void judge(inspect_ctx_t *ctx, unsigned options, inspect_verdict_t *out) {
  if (options & OPTION_INSECURE) {
    inspect__rules_run(ctx, kInsecureRules, INSPECT_COUNT(kInsecureRules), &kWords, out);
  } else {
    inspect__rules_run(ctx, kRules, INSPECT_COUNT(kRules), &kWords, out);
  }
}

const inspect_profile_t inspect_profile_apigateway = {
    .id = "apigateway",
    .platform = "Amazon API Gateway HTTP/HTTP_PROXY integration",
    .options = kOptions,
    .is_default = 1,
    .judge = judge,
};
