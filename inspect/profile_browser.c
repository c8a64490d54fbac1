// browser: Chromium's certificate verifier, proven against Chromium
// 156.0.8078.129 (Debian's chromium-headless-shell) on every lab scenario by
// tests/tools/browser_fidelity_test.py. It fetches missing intermediates
// from the caIssuers URL (AIA; inspect/aia.c), tolerates any order,
// ignores the subject CN, and reports the most serious problem first
// (net::MapCertStatusToNetError). Its path builder accepts RSA keys of 1024
// bits and more (kMinRsaModulusLengthBits in cert_verify_proc_builtin.cc),
// and a name-constraint violation has no status of its own there, so it
// becomes CERT_STATUS_INVALID (ERR_CERT_INVALID), the most serious one.
// Chromium 156 no longer verifies SHA-1 signatures at all: a path through
// one fails to build, also ERR_CERT_INVALID (not ERR_CERT_WEAK_SIGNATURE_
// ALGORITHM, which older versions gave). A TLS 1.3 origin's
// certificate_required alert after the handshake, when Chrome had no client
// certificate to send, is ERR_BAD_SSL_CLIENT_AUTH_CERT.

#include "inspect/inspect_internal.h"

static const inspect_hs_words_t kWords = {
    .alert = "NET::{chrome_alert}",
    .post_handshake_alert = "NET::ERR_BAD_SSL_CLIENT_AUTH_CERT",
    .closed = "NET::ERR_CONNECTION_CLOSED",
    .protocol = "NET::ERR_SSL_VERSION_OR_CIPHER_MISMATCH",
    .connect_failed = "NET::ERR_CONNECTION_REFUSED",
    .timeout = "NET::ERR_TIMED_OUT",
    .no_certificate = "NET::ERR_SSL_PROTOCOL_ERROR",
    .effect = "Chrome shows 'This site can't provide a secure connection' instead of the page.",
};

// reject_noted rejects with Chrome's error and, when `note` is not NULL, why
// (which AIA URL failed).
static void reject_noted(inspect_ctx_t *ctx, inspect_verdict_t *out, inspect_reason_t reason, const char *error,
                         const char *note) {
  inspect__verdict_reject(ctx, out, reason,
                          inspect__arena_printf(ctx->arena, "NET::%s%s%s", error, note ? ": " : "", note ? note : ""),
                          inspect__arena_printf(ctx->arena,
                                                "Chrome blocks the page with 'Your connection is not private' "
                                                "(NET::%s)%s%s.",
                                                error, note ? ": " : "", note ? note : ""));
}

static void reject(inspect_ctx_t *ctx, inspect_verdict_t *out, inspect_reason_t reason, const char *error) {
  reject_noted(ctx, out, reason, error, NULL);
}

static void judge(inspect_ctx_t *ctx, unsigned options, inspect_verdict_t *out) {
  (void)options;
  if (inspect__judge_handshake(ctx, &kWords, out)) {
    return;
  }
  const inspect_path_t *path = inspect__path(ctx, 1);
  const inspect_cert_t *leaf = path->certs[0];
  // BoringSSL inside Chrome refuses a leaf whose keyUsage lacks
  // digitalSignature while it reads the Certificate message (TLS 1.3 and
  // ECDHE), before the certificate is verified.
  if (inspect__leaf_key_usage(leaf, INSPECT_KU_DIGITAL_SIGNATURE) != INSPECT_REASON_OK) {
    reject(ctx, out, INSPECT_REASON_KEY_USAGE, "ERR_SSL_KEY_USAGE_INCOMPATIBLE");
    return;
  }
  for (size_t k = 1; k < path->len; k++) {
    // Chrome's parser refuses a keyUsage that names no bit, or an extension
    // twice, so that CA is never an issuer.
    const inspect_cert_t *ca = path->certs[k];
    if ((ca->info.has_key_usage && ca->info.key_usage == 0) || ca->duplicate_extension) {
      reject_noted(ctx, out, ca->duplicate_extension ? INSPECT_REASON_INVALID_CA : INSPECT_REASON_KEY_USAGE,
                   "ERR_CERT_AUTHORITY_INVALID",
                   ca->duplicate_extension ? "a CA has an extension twice, and Chrome cannot parse it as an issuer"
                                           : "a CA's key usage names no bit, and Chrome cannot use it as an issuer");
      return;
    }
  }
  // In Chrome's order of seriousness. Chrome enforces the constraints and
  // dates of a locally trusted root (pathLen, keyCertSign, EKU, validity;
  // measured by tools/difftest), though it takes one without basicConstraints
  // as a CA; the anchors of its root store are taken as they are.
  int local = !inspect_trust_is_system(ctx->in->trust);
  size_t at;
  inspect_reason_t ca =
      inspect__path_ca_problem(ctx, path, local ? INSPECT_ANCHOR_BC_OPTIONAL : INSPECT_ANCHOR_UNCHECKED, &at);
  if (local && path->len == 1 && path->end == PATH_END_ANCHORED) {
    // A leaf pinned as its own root meets the anchor's constraints too: no
    // CA:FALSE, and keyCertSign if it has a key usage.
    ca = leaf->info.has_basic_constraints && !leaf->info.is_ca ? INSPECT_REASON_INVALID_CA
         : !inspect__ca_key_usage_ok(leaf)                     ? INSPECT_REASON_KEY_USAGE
                                                               : ca;
  }
  if (ca == INSPECT_REASON_OK) {
    ca = inspect__path_ca_eku(ctx, path, local, &at);  // the EKU of every CA
  }
  if (!inspect__leaf_server_eku_ok(leaf) || ca != INSPECT_REASON_OK) {
    reject(ctx, out, inspect__leaf_server_eku_ok(leaf) ? ca : INSPECT_REASON_BAD_EKU, "ERR_CERT_INVALID");
    return;
  }
  if (inspect__path_unhandled_critical(ctx, path) >= 0) {
    reject(ctx, out, INSPECT_REASON_UNHANDLED_CRITICAL_EXTENSION, "ERR_CERT_INVALID");
    return;
  }
  if (!inspect__path_name_constraints_ok(path)) {
    reject(ctx, out, INSPECT_REASON_NAME_CONSTRAINTS, "ERR_CERT_INVALID");
    return;
  }
  if (inspect__path_weak_signature(ctx, path)) {
    reject(ctx, out, INSPECT_REASON_WEAK_SIGNATURE, "ERR_CERT_INVALID");
    return;
  }
  if (path->end != PATH_END_ANCHORED) {
    reject_noted(ctx, out, inspect__path_failure_reason(ctx, path), "ERR_CERT_AUTHORITY_INVALID",
                 inspect__aia_browser_reject_note(ctx, path));
    return;
  }
  if (inspect__path_store_issuer_inexact(path) >= 0) {
    reject_noted(ctx, out, INSPECT_REASON_UNTRUSTED_ROOT, "ERR_CERT_AUTHORITY_INVALID",
                 "the issuer name differs from the trusted CA's subject in case, spaces or string type, and Chrome "
                 "looks trusted CAs up by their exact name");
    return;
  }
  if (ctx->in->name != NULL) {
    static const inspect_name_rules_t kRules = {NAME_CN_NEVER, 0};
    inspect_name_result_t r = inspect__name_check(leaf, ctx->in->name, ctx->name_is_ip, &kRules);
    if (r != NAME_MATCH) {
      reject(ctx, out, r == NAME_NO_SAN ? INSPECT_REASON_NO_SAN : INSPECT_REASON_HOSTNAME_MISMATCH,
             "ERR_CERT_COMMON_NAME_INVALID");
      return;
    }
  }
  if (inspect__path_weak_key(ctx, path, 1024)) {
    reject(ctx, out, INSPECT_REASON_WEAK_KEY, "ERR_CERT_WEAK_KEY");
    return;
  }
  inspect_reason_t time = inspect__path_time_problem(ctx, path);
  if (time == INSPECT_REASON_OK && local) {
    time = inspect__anchor_time_problem(ctx, path);
  }
  if (time != INSPECT_REASON_OK) {
    reject(ctx, out, time, "ERR_CERT_DATE_INVALID");
    return;
  }
  // Policy processing fails after the dates: a chain out of its validity
  // and without a valid policy gets ERR_CERT_DATE_INVALID (tools/difftest).
  size_t policy_at;
  if (inspect__path_policy_error(ctx, path, 1, &policy_at) != NULL) {
    reject(ctx, out, INSPECT_REASON_POLICY, "ERR_CERT_INVALID");
    return;
  }
  if (inspect__judge_post_handshake_alert(ctx, &kWords, out)) {
    return;
  }
  const char *fetched = inspect__aia_browser_accept_effect(ctx, path);
  inspect__verdict_accept(ctx, out, fetched != NULL ? fetched : "Chrome shows the page with a padlock.");
}

const inspect_profile_t inspect_profile_browser = {
    .id = "browser",
    .platform = "Chromium-based browsers (Chrome, Edge)",
    .is_default = 1,
    .judge = judge,
};
