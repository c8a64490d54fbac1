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

static const inspect_hs_words_t kHandshake = {
    .alert = "NET::{chrome_alert}",
    .post_handshake_alert = "NET::ERR_BAD_SSL_CLIENT_AUTH_CERT",
    .closed = "NET::ERR_CONNECTION_CLOSED",
    .protocol = "NET::ERR_SSL_VERSION_OR_CIPHER_MISMATCH",
    .connect_failed = "NET::ERR_CONNECTION_REFUSED",
    .timeout = "NET::ERR_TIMED_OUT",
    .no_certificate = "NET::ERR_SSL_PROTOCOL_ERROR",
    .effect = "Chrome shows 'This site can't provide a secure connection' instead of the page.",
};

static const char *frame(const inspect_rule_failure_t *f) {
  return inspect__arena_printf(f->ctx->arena, "NET::%s", f->message);
}

// blocked says what Chrome shows for `error`, and why (which AIA URL failed)
// when `note` is not NULL.
static const char *blocked(inspect_ctx_t *ctx, const char *error, const char *note) {
  return inspect__arena_printf(ctx->arena, "Chrome blocks the page with 'Your connection is not private' (NET::%s)%s%s.",
                               error, note ? ": " : "", note ? note : "");
}

static const char *say_blocked(const inspect_rule_failure_t *f) { return blocked(f->ctx, f->message, NULL); }

#define AUTHORITY_INVALID "ERR_CERT_AUTHORITY_INVALID"

static const char *say_authority(const inspect_rule_failure_t *f) {
  const char *note = inspect__aia_browser_reject_note(f->ctx, f->path);
  return note != NULL ? inspect__arena_printf(f->ctx->arena, AUTHORITY_INVALID ": %s", note) : AUTHORITY_INVALID;
}

static const char *say_authority_blocked(const inspect_rule_failure_t *f) {
  return blocked(f->ctx, AUTHORITY_INVALID, inspect__aia_browser_reject_note(f->ctx, f->path));
}

// B7: kMinRsaModulusLengthBits (1024) in cert_verify_proc_builtin.cc.
static inspect_reason_t check_key_size(inspect_ctx_t *ctx, const inspect_path_t *path) {
  return inspect__path_weak_key(ctx, path, 1024) ? INSPECT_REASON_WEAK_KEY : INSPECT_REASON_OK;
}

static const char *say_accept(const inspect_rule_failure_t *f) {
  const char *fetched = inspect__aia_browser_accept_effect(f->ctx, f->path);
  return fetched != NULL ? fetched : "Chrome shows the page with a padlock.";
}

// In Chrome's order of seriousness (net::MapCertStatusToNetError).
static const inspect_rule_t kRules[] = {
    INSPECT_RULE_HANDSHAKE("G1"),
    INSPECT_RULE("B1", inspect__check_server_eku, "ERR_CERT_INVALID"),
    INSPECT_RULE("B1", inspect__check_issuers_are_cas, "ERR_CERT_INVALID"),
    INSPECT_RULE("B2", inspect__check_critical_extensions, "ERR_CERT_INVALID"),
    INSPECT_RULE("B3", inspect__check_name_constraints, "ERR_CERT_INVALID"),
    INSPECT_RULE("B4", inspect__check_no_sha1_signature, "ERR_CERT_INVALID"),
    {.id = "B5", .check = inspect__check_anchored, .say = say_authority, .say_effect = say_authority_blocked},
    INSPECT_RULE("B6", inspect__check_name_san_only, "ERR_CERT_COMMON_NAME_INVALID"),
    INSPECT_RULE("B7", check_key_size, "ERR_CERT_WEAK_KEY"),
    INSPECT_RULE("B8", inspect__path_time_problem, "ERR_CERT_DATE_INVALID"),
    INSPECT_RULE_LATE_ALERT("G2"),
};

static const inspect_rules_words_t kWords = {
    .handshake = &kHandshake,
    .use_aia_pool = 1,
    .frame = frame,
    .say_effect = say_blocked,
    .say_accept = say_accept,
    .sni_fix = "open https://{name}/ by its name: browsers send no SNI to an IP address",
};

const inspect_profile_t inspect_profile_browser = {
    .id = "browser",
    .platform = "Chromium-based browsers (Chrome, Edge)",
    .is_default = 1,
    INSPECT_PROFILE_TABLE(kRules, kWords),
};
