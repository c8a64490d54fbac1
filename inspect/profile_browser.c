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
  return inspect__arena_printf(ctx->arena,
                               "Chrome blocks the page with 'Your connection is not private' (NET::%s)%s%s.", error,
                               note ? ": " : "", note ? note : "");
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

// B9: BoringSSL inside Chrome refuses a leaf whose keyUsage lacks
// digitalSignature while it reads the Certificate message (TLS 1.3 and
// ECDHE), before the certificate is verified.
static inspect_reason_t check_leaf_key_usage(inspect_ctx_t *ctx, const inspect_path_t *path) {
  (void)ctx;
  return inspect__leaf_key_usage(path->certs[0], INSPECT_KU_DIGITAL_SIGNATURE);
}

// B10: Chrome's parser refuses a keyUsage that names no bit, or an extension
// twice, so that CA is never an issuer. Returns the first such CA's index, or 0.
static size_t unparsable_issuer(const inspect_path_t *path) {
  for (size_t k = 1; k < path->len; k++) {
    const inspect_cert_t *ca = path->certs[k];
    if ((ca->info.has_key_usage && ca->info.key_usage == 0) || ca->duplicate_extension) {
      return k;
    }
  }
  return 0;
}

static inspect_reason_t check_issuers_parse(inspect_ctx_t *ctx, const inspect_path_t *path) {
  (void)ctx;
  size_t k = unparsable_issuer(path);
  return k == 0                                ? INSPECT_REASON_OK
         : path->certs[k]->duplicate_extension ? INSPECT_REASON_INVALID_CA
                                               : INSPECT_REASON_KEY_USAGE;
}

static const char *unparsable_note(const inspect_rule_failure_t *f) {
  return f->reason == INSPECT_REASON_INVALID_CA
             ? "a CA has an extension twice, and Chrome cannot parse it as an issuer"
             : "a CA's key usage names no bit, and Chrome cannot use it as an issuer";
}

// B1: every issuer a CA with keyCertSign and within its pathLen, and an EKU
// that allows serverAuth. Chrome enforces the constraints of a locally
// trusted root too (pathLen, keyCertSign, EKU, validity; measured by
// tools/difftest), though it takes one without basicConstraints as a CA;
// the anchors of its root store are taken as they are.
static inspect_reason_t check_issuers_are_cas(inspect_ctx_t *ctx, const inspect_path_t *path) {
  int local = !inspect_trust_is_system(ctx->in->trust);
  size_t at;
  inspect_reason_t ca =
      inspect__path_ca_problem(ctx, path, local ? INSPECT_ANCHOR_BC_OPTIONAL : INSPECT_ANCHOR_UNCHECKED, &at);
  const inspect_cert_t *leaf = path->certs[0];
  if (local && path->len == 1 && path->end == PATH_END_ANCHORED) {
    // A leaf pinned as its own root meets the anchor's constraints too: no
    // CA:FALSE, and keyCertSign if it has a key usage.
    ca = leaf->info.has_basic_constraints && !leaf->info.is_ca ? INSPECT_REASON_INVALID_CA
         : !inspect__ca_key_usage_ok(leaf)                     ? INSPECT_REASON_KEY_USAGE
                                                               : ca;
  }
  return ca != INSPECT_REASON_OK ? ca : inspect__path_ca_eku(ctx, path, local, &at);
}

// B11: Chrome looks trusted CAs up by their exact subject name.
static inspect_reason_t check_issuer_exact(inspect_ctx_t *ctx, const inspect_path_t *path) {
  (void)ctx;
  return inspect__path_store_issuer_inexact(path) >= 0 ? INSPECT_REASON_UNTRUSTED_ROOT : INSPECT_REASON_OK;
}

static const char *inexact_note(const inspect_rule_failure_t *f) {
  (void)f;
  return "the issuer name differs from the trusted CA's subject in case, spaces or string type, and Chrome looks "
         "trusted CAs up by their exact name";
}

// B8: the dates of every certificate, and those of a locally trusted root.
static inspect_reason_t check_dates(inspect_ctx_t *ctx, const inspect_path_t *path) {
  inspect_reason_t time = inspect__path_time_problem(ctx, path);
  if (time == INSPECT_REASON_OK && !inspect_trust_is_system(ctx->in->trust)) {
    time = inspect__anchor_time_problem(ctx, path);
  }
  return time;
}

// B12: policy processing fails after the dates: a chain out of its validity
// and without a valid policy gets ERR_CERT_DATE_INVALID (tools/difftest).
static inspect_reason_t check_policies(inspect_ctx_t *ctx, const inspect_path_t *path) {
  size_t at;
  return inspect__path_policy_error(ctx, path, 1, &at) != NULL ? INSPECT_REASON_POLICY : INSPECT_REASON_OK;
}

// B7: kMinRsaModulusLengthBits (1024) in cert_verify_proc_builtin.cc.
static inspect_reason_t check_key_size(inspect_ctx_t *ctx, const inspect_path_t *path) {
  return inspect__path_weak_key(ctx, path, 1024) ? INSPECT_REASON_WEAK_KEY : INSPECT_REASON_OK;
}

static const char *say_accept(const inspect_rule_failure_t *f) {
  const char *fetched = inspect__aia_browser_accept_effect(f->ctx, f->path);
  return fetched != NULL ? fetched : "Chrome shows the page with a padlock.";
}

// Authority errors whose cause a note names (B10, B11).
typedef const char *(*note_fn)(const inspect_rule_failure_t *f);

static const char *authority_noted(const inspect_rule_failure_t *f, note_fn note) {
  return inspect__arena_printf(f->ctx->arena, AUTHORITY_INVALID ": %s", note(f));
}

static const char *say_unparsable(const inspect_rule_failure_t *f) { return authority_noted(f, unparsable_note); }
static const char *say_unparsable_blocked(const inspect_rule_failure_t *f) {
  return blocked(f->ctx, AUTHORITY_INVALID, unparsable_note(f));
}
static const char *say_inexact(const inspect_rule_failure_t *f) { return authority_noted(f, inexact_note); }
static const char *say_inexact_blocked(const inspect_rule_failure_t *f) {
  return blocked(f->ctx, AUTHORITY_INVALID, inexact_note(f));
}

// In Chrome's order of seriousness (net::MapCertStatusToNetError), after
// what BoringSSL and the certificate parser refuse first.
static const inspect_rule_t kRules[] = {
    INSPECT_RULE_HANDSHAKE("G1"),
    INSPECT_RULE("B9", check_leaf_key_usage, "ERR_SSL_KEY_USAGE_INCOMPATIBLE"),
    {.id = "B10", .check = check_issuers_parse, .say = say_unparsable, .say_effect = say_unparsable_blocked},
    INSPECT_RULE("B1", inspect__check_server_eku, "ERR_CERT_INVALID"),
    INSPECT_RULE("B1", check_issuers_are_cas, "ERR_CERT_INVALID"),
    INSPECT_RULE("B2", inspect__check_critical_extensions, "ERR_CERT_INVALID"),
    INSPECT_RULE("B3", inspect__check_name_constraints, "ERR_CERT_INVALID"),
    INSPECT_RULE("B4", inspect__check_no_sha1_signature, "ERR_CERT_INVALID"),
    {.id = "B5", .check = inspect__check_anchored, .say = say_authority, .say_effect = say_authority_blocked},
    {.id = "B11", .check = check_issuer_exact, .say = say_inexact, .say_effect = say_inexact_blocked},
    INSPECT_RULE("B6", inspect__check_name_san_only, "ERR_CERT_COMMON_NAME_INVALID"),
    INSPECT_RULE("B7", check_key_size, "ERR_CERT_WEAK_KEY"),
    INSPECT_RULE("B8", check_dates, "ERR_CERT_DATE_INVALID"),
    INSPECT_RULE("B12", check_policies, "ERR_CERT_INVALID"),
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
