// cloudfront-origin: CloudFront connecting to a custom origin over HTTPS.
// Documented rules (CloudFront Developer Guide, "HTTP 502 status code" and
// "Requirements for using SSL/TLS certificates"): Mozilla-trusted CA, full
// chain, in the correct order, not self-signed, not expired, and a name that
// matches the Origin Domain or the forwarded Host header (CN or SAN).

#include "inspect/inspect_internal.h"

#define PAGE " (CloudFront returns '502 ERROR: The request could not be satisfied')"
#define EFFECT                                                                                                 \
  "CloudFront would drop the connection to this origin: viewers get 502 Bad Gateway with X-Cache: Error from " \
  "cloudfront."

static const inspect_hs_words_t kHandshake = {
    .alert = "CloudFront could not complete the SSL/TLS handshake with the origin: fatal {alert} alert" PAGE,
    .post_handshake_alert =
        "The origin requires a client certificate ({alert} alert), which CloudFront does not "
        "present" PAGE,
    .closed = "The origin closed the connection during the SSL/TLS handshake" PAGE,
    .protocol = "CloudFront and the origin share no SSL/TLS protocol or cipher ({detail})" PAGE,
    .connect_failed = "CloudFront wasn't able to connect to the origin ({detail})" PAGE,
    .timeout =
        "The origin did not respond in time ({detail}): CloudFront returns '504 ERROR: The request could "
        "not be satisfied'",
    .no_certificate = "The origin presented no certificate" PAGE,
    .effect = EFFECT,
    .timeout_effect =
        "CloudFront would time out on this origin: viewers get 504 Gateway Timeout with X-Cache: "
        "Error from cloudfront.",
};

// O3: the 502 page's one sentence for every certificate problem it lists.
#define INVALID                                                                                                   \
  "SSL/TLS certificate on the origin is expired, invalid, self-signed, or the certificate chain is in the wrong " \
  "order" PAGE

static const char *say_name(const inspect_rule_failure_t *f) {
  return inspect__arena_printf(f->ctx->arena,
                               "The SSL/TLS certificate on your origin must include a domain name that matches "
                               "either the Origin Domain that you specified for the CloudFront distribution or the "
                               "Host header of the origin request (%s)" PAGE,
                               f->ctx->in->name);
}

static const inspect_rule_t kRules[] = {
    INSPECT_RULE_HANDSHAKE("G1"),
    INSPECT_RULE("O2", inspect__check_leaf_not_self_signed,
                 "You can't use a self-signed certificate for HTTPS communication between CloudFront and your "
                 "origin" PAGE),
    INSPECT_RULE("O4", inspect__check_chain_complete,
                 "If the full chain of certificates, including the intermediate certificate, is not present, "
                 "CloudFront drops the TCP connection" PAGE),
    INSPECT_RULE("O1", inspect__check_anchored,
                 "The origin certificate must be issued by a CA that Mozilla trusts (CloudFront supports the same "
                 "certificate authorities as Mozilla)" PAGE),
    INSPECT_RULE("O5", inspect__check_sent_order, INVALID),
    INSPECT_RULE("O3", inspect__path_time_problem, INVALID),
    INSPECT_RULE("O3", inspect__check_server_eku, INVALID),
    // UNCERTAIN: CloudFront does not document how it checks CAs and key
    // usage; RFC 5280 6.1.4 (the anchor unchecked) and RFC 8446 4.4.2.2 (a
    // leaf's keyUsage must allow digitalSignature) are followed.
    INSPECT_RULE("O3", inspect__check_issuers_are_cas, INVALID),
    INSPECT_RULE("O3", inspect__check_critical_extensions, INVALID),
    INSPECT_RULE("O3", inspect__check_name_constraints, INVALID),
    // Not documented for origins; CloudFront's CAs issue no SHA-1 certificates.
    INSPECT_RULE("O12", inspect__check_no_sha1_signature, INVALID),
    {.id = "O6", .check = inspect__check_name_cn_or_san, .say = say_name},
    INSPECT_RULE_LATE_ALERT("G2"),
};

static const inspect_rules_words_t kWords = {
    .handshake = &kHandshake,
    .effect = EFFECT,
    .accept = "CloudFront connects to this origin over HTTPS.",
};

const inspect_profile_t inspect_profile_cloudfront_origin = {
    .id = "cloudfront-origin",
    .platform = "Amazon CloudFront connecting to a custom origin",
    .is_default = 1,
    INSPECT_PROFILE_TABLE(kRules, kWords),
};
