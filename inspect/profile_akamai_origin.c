// akamai-origin: an Akamai edge connecting to the origin with "Origin SSL
// Certificate Verification" on: a certificate from a CA in the Akamai
// certificate store (or a custom CA you trust: --trust), a complete chain,
// not self-signed, not expired, and CN or SAN matching the "Match CN/SAN To"
// names (the origin host name). "Use SNI TLS Extension: off" is a client
// that sends no SNI (--no-sni): the origin may then serve another
// certificate.

#include "inspect/inspect_internal.h"

#define EFFECT                                                                                                  \
  "Akamai would fail the connection to this origin: users get 503 Service Unavailable with 'An error occurred " \
  "while processing your request. Reference #...'."
#define PAGE " (the edge answers 'An error occurred while processing your request. Reference #...')"

static const inspect_hs_words_t kHandshake = {
    .alert = "The origin aborted the SSL handshake with a fatal {alert} alert" PAGE,
    .closed = "The origin closed the connection during the SSL handshake" PAGE,
    .protocol = "No common SSL/TLS version or cipher with the origin ({detail})" PAGE,
    .connect_failed = "The edge cannot connect to the origin ({detail})" PAGE,
    .timeout = "The origin did not answer in time ({detail})" PAGE,
    .no_certificate = "The origin presented no certificate" PAGE,
    .effect = EFFECT,
};

// The edge's certificate checks end in the same error page; without SNI
// (K9) the words say so.
static const char *frame(const inspect_rule_failure_t *f) {
  return inspect__arena_printf(f->ctx->arena, "%s%s" PAGE, f->message,
                               f->ctx->in->sni_sent ? "" : " (no SNI was sent: 'Use SNI TLS Extension' is off)");
}

// K4, K5: a self-signed origin certificate passes only when pinned or
// trusted as a custom CA (--trust).
static inspect_reason_t check_self_signed_untrusted(inspect_ctx_t *ctx, const inspect_path_t *path) {
  return path->end != PATH_END_ANCHORED ? inspect__check_leaf_not_self_signed(ctx, path) : INSPECT_REASON_OK;
}

static const char *say_critical(const inspect_rule_failure_t *f) {
  int k = inspect__path_unhandled_critical(f->ctx, f->path);
  return inspect__arena_printf(f->ctx->arena,
                               "The origin certificate chain has a critical extension the edge does not process (%s "
                               "in certificate %d)",
                               f->path->certs[k]->info.unhandled_critical, k);
}

// UNCERTAIN: Akamai does not document these checks; RFC 5280 6.1.4 (the
// anchor unchecked) and RFC 8446 4.4.2.2 are followed, as any TLS client
// library does.
static const char *say_invalid_chain(const inspect_rule_failure_t *f) {
  size_t at;
  inspect_reason_t ca = inspect__path_ca_problem(f->ctx, f->path, INSPECT_ANCHOR_UNCHECKED, &at);
  if (ca == INSPECT_REASON_OK) {
    ca = INSPECT_REASON_KEY_USAGE;  // the leaf's
    at = 0;
  }
  const char *what = ca == INSPECT_REASON_PATH_LENGTH ? "path length constraint exceeded"
                     : ca == INSPECT_REASON_KEY_USAGE ? "key usage not allowed"
                                                      : "not a CA certificate";
  return inspect__arena_printf(f->ctx->arena, "The origin certificate chain is invalid (%s in certificate %zu)", what,
                               at);
}

static const char *say_name(const inspect_rule_failure_t *f) {
  return inspect__arena_printf(f->ctx->arena,
                               "The origin certificate's CN/SAN does not match the Match CN/SAN To names ({{Origin "
                               "Hostname}} = %s)",
                               f->ctx->in->name);
}

static const inspect_rule_t kRules[] = {
    INSPECT_RULE_HANDSHAKE("G1"),
    INSPECT_RULE("K5", check_self_signed_untrusted,
                 "The origin certificate is self-signed; pin it or trust a custom CA"),
    INSPECT_RULE("K5", inspect__check_chain_complete,
                 "The origin certificate must have a complete certificate chain (leaf, intermediate, root)"),
    INSPECT_RULE("K4", inspect__check_anchored,
                 "The origin certificate's CA is not in the Akamai certificate store or the custom CAs you trust"),
    INSPECT_RULE("K5", inspect__path_time_problem, "The origin certificate must not be expired or not yet valid"),
    INSPECT_RULE("K5", inspect__check_server_eku, "The origin certificate is not valid for a TLS server"),
    {.id = "K5", .check = inspect__check_issuers_are_cas, .say = say_invalid_chain},
    {.id = "K5", .check = inspect__check_critical_extensions, .say = say_critical},
    INSPECT_RULE("K5", inspect__check_name_constraints, "The origin certificate violates its CA's name constraints"),
    {.id = "K3", .check = inspect__check_name_cn_or_san, .say = say_name},
    INSPECT_RULE_LATE_ALERT("G2"),
};

static const inspect_rules_words_t kWords = {
    .handshake = &kHandshake,
    .frame = frame,
    .effect = EFFECT,
    .accept = "Akamai's edge connects to this origin.",
    .sni_fix =
        "turn on \"Use SNI TLS Extension\" in the Origin Server behavior (originSni: true), so the edge "
        "sends {name}",
};

const inspect_profile_t inspect_profile_akamai_origin = {
    .id = "akamai-origin",
    .platform = "Akamai edge connecting to the origin",
    .is_default = 1,
    INSPECT_PROFILE_TABLE(kRules, kWords),
};
