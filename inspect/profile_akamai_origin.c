// akamai-origin: an Akamai edge connecting to the origin with "Origin SSL
// Certificate Verification" on: a certificate from a CA in the Akamai
// certificate store (or a custom CA you trust: --trust), a complete chain,
// not self-signed, not expired, and CN or SAN matching the "Match CN/SAN To"
// names (the origin host name). "Use SNI TLS Extension: off" is a client
// that sends no SNI (--no-sni): the origin may then serve another
// certificate.

#include "inspect/inspect_internal.h"

#define PAGE " (the edge answers 'An error occurred while processing your request. Reference #...')"

static const inspect_hs_words_t kWords = {
    .alert = "The origin aborted the SSL handshake with a fatal {alert} alert" PAGE,
    .closed = "The origin closed the connection during the SSL handshake" PAGE,
    .protocol = "No common SSL/TLS version or cipher with the origin ({detail})" PAGE,
    .connect_failed = "The edge cannot connect to the origin ({detail})" PAGE,
    .timeout = "The origin did not answer in time ({detail})" PAGE,
    .no_certificate = "The origin presented no certificate" PAGE,
    .effect = "Akamai would fail the connection to this origin: users get 503 Service Unavailable with 'An error "
              "occurred while processing your request. Reference #...'.",
};

static const char kEffect[] =
    "Akamai would fail the connection to this origin: users get 503 Service Unavailable with 'An error occurred "
    "while processing your request. Reference #...'.";

// reject_invalid_chain rejects a path with an issuer that is not a CA, an
// exceeded pathLen, a CA without keyCertSign, or a leaf whose key usage
// lacks digitalSignature, and returns 1 then. UNCERTAIN: Akamai does not
// document these checks; RFC 5280 6.1.4 (the anchor unchecked) and RFC 8446
// 4.4.2.2 are followed, as any TLS client library does.
static int reject_invalid_chain(inspect_ctx_t *ctx, const inspect_path_t *path, const char *sni_note,
                                inspect_verdict_t *out) {
  size_t at;
  inspect_reason_t ca = inspect__path_ca_problem(ctx, path, INSPECT_ANCHOR_UNCHECKED, &at);
  if (ca == INSPECT_REASON_OK &&
      inspect__leaf_key_usage(path->certs[0], INSPECT_KU_DIGITAL_SIGNATURE) != INSPECT_REASON_OK) {
    ca = INSPECT_REASON_KEY_USAGE;
    at = 0;
  }
  if (ca == INSPECT_REASON_OK) {
    return 0;
  }
  const char *what = ca == INSPECT_REASON_PATH_LENGTH ? "path length constraint exceeded"
                     : ca == INSPECT_REASON_KEY_USAGE   ? "key usage not allowed"
                                                        : "not a CA certificate";
  inspect__verdict_reject(
      ctx, out, ca,
      inspect__arena_printf(ctx->arena, "The origin certificate chain is invalid (%s in certificate %zu)%s" PAGE, what,
                            at, sni_note),
      kEffect);
  return 1;
}

static void judge(inspect_ctx_t *ctx, unsigned options, inspect_verdict_t *out) {
  (void)options;
  if (inspect__judge_handshake(ctx, &kWords, out)) {
    return;
  }
  const inspect_path_t *path = inspect__path(ctx, 0);
  const inspect_cert_t *leaf = path->certs[0];
  const char *sni_note = ctx->in->sni_sent ? "" : " (no SNI was sent: 'Use SNI TLS Extension' is off)";
  if (path->end != PATH_END_ANCHORED && inspect_cert_is_self_signed(leaf)) {
    inspect__verdict_reject(ctx, out, INSPECT_REASON_SELF_SIGNED,
                            inspect__arena_printf(ctx->arena,
                                                  "The origin certificate is self-signed; pin it or trust a custom "
                                                  "CA%s" PAGE,
                                                  sni_note),
                            kEffect);
    return;
  }
  if (path->end != PATH_END_ANCHORED) {
    inspect_reason_t reason = inspect__path_failure_reason(ctx, path);
    inspect__verdict_reject(
        ctx, out, reason,
        inspect__arena_printf(ctx->arena, "%s%s" PAGE,
                              reason == INSPECT_REASON_MISSING_INTERMEDIATE
                                  ? "The origin certificate must have a complete certificate chain (leaf, intermediate, "
                                    "root)"
                                  : "The origin certificate's CA is not in the Akamai certificate store or the custom "
                                    "CAs you trust",
                              sni_note),
        kEffect);
    return;
  }
  inspect_reason_t time = inspect__path_time_problem(ctx, path);
  if (time != INSPECT_REASON_OK) {
    inspect__verdict_reject(
        ctx, out, time,
        inspect__arena_printf(ctx->arena, "The origin certificate must not be expired or not yet valid%s" PAGE, sni_note),
        kEffect);
    return;
  }
  if (!inspect__leaf_server_eku_ok(leaf)) {
    inspect__verdict_reject(
        ctx, out, INSPECT_REASON_BAD_EKU,
        inspect__arena_printf(ctx->arena, "The origin certificate is not valid for a TLS server%s" PAGE, sni_note),
        kEffect);
    return;
  }
  if (reject_invalid_chain(ctx, path, sni_note, out)) {
    return;
  }
  int critical = inspect__path_unhandled_critical(ctx, path);
  if (critical >= 0) {
    inspect__verdict_reject(ctx, out, INSPECT_REASON_UNHANDLED_CRITICAL_EXTENSION,
                            inspect__arena_printf(ctx->arena,
                                                  "The origin certificate chain has a critical extension the edge "
                                                  "does not process (%s in certificate %d)%s" PAGE,
                                                  path->certs[critical]->info.unhandled_critical, critical, sni_note),
                            kEffect);
    return;
  }
  if (!inspect__path_name_constraints_ok(path)) {
    inspect__verdict_reject(
        ctx, out, INSPECT_REASON_NAME_CONSTRAINTS,
        inspect__arena_printf(ctx->arena, "The origin certificate violates its CA's name constraints%s" PAGE, sni_note),
        kEffect);
    return;
  }
  if (ctx->in->name != NULL) {
    static const inspect_name_rules_t kRules = {NAME_CN_ALWAYS, 0};
    if (inspect__name_check(leaf, ctx->in->name, ctx->name_is_ip, &kRules) != NAME_MATCH) {
      inspect__verdict_reject(ctx, out, INSPECT_REASON_HOSTNAME_MISMATCH,
                              inspect__arena_printf(ctx->arena,
                                                    "The origin certificate's CN/SAN does not match the Match CN/SAN "
                                                    "To names ({{Origin Hostname}} = %s)%s" PAGE,
                                                    ctx->in->name, sni_note),
                              kEffect);
      return;
    }
  }
  if (inspect__judge_post_handshake_alert(ctx, &kWords, out)) {
    return;
  }
  inspect__verdict_accept(ctx, out, "Akamai's edge connects to this origin.");
}

const inspect_profile_t inspect_profile_akamai_origin = {
    .id = "akamai-origin",
    .platform = "Akamai edge connecting to the origin",
    .is_default = 1,
    .judge = judge,
};
