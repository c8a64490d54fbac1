// cloudfront-viewer: this certificate as a CloudFront distribution's viewer
// certificate for the alternate domain name checked (--name). CloudFront
// needs a trusted, valid certificate whose SAN covers the name (exactly or
// by a wildcard at the same level), and by default serves it only to viewers
// that send SNI ("sni-only").

#include "inspect/inspect_internal.h"

static const inspect_hs_words_t kHandshake = {
    .alert = "The certificate could not be fetched: the server sent a fatal {alert} alert",
    .closed = "The certificate could not be fetched: the server closed the connection",
    .protocol = "The certificate could not be fetched: no common TLS version or cipher ({detail})",
    .connect_failed = "The certificate could not be fetched: {detail}",
    .timeout = "The certificate could not be fetched: timeout ({detail})",
    .no_certificate = "The server presented no certificate",
    .effect = "There is no certificate to attach to the distribution.",
};

#define INVALID                                                                                              \
  "InvalidViewerCertificate: The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't " \
  "valid, or doesn't include a valid certificate chain."

static const char *say_name_effect(const inspect_rule_failure_t *f) {
  return inspect__arena_printf(f->ctx->arena,
                               "CloudFront would refuse %s as an alternate domain name for a distribution with this "
                               "certificate.",
                               f->ctx->in->name);
}

static const char *say_accept(const inspect_rule_failure_t *f) {
  if (f->ctx->in->name == NULL) {
    return "CloudFront accepts this certificate for a distribution.";
  }
  return inspect__arena_printf(f->ctx->arena, "CloudFront accepts this certificate for the alternate domain name %s.",
                               f->ctx->in->name);
}

static const inspect_rule_t kRules[] = {
    {.id = "V3",
     .check = inspect__check_sni_sent,
     .message = "If CloudFront can't immediately determine which domain the request is for, it drops the connection.",
     .effect = "CloudFront (SNI-only, the default) drops viewers that send no SNI: they get no certificate; only a "
               "dedicated-IP distribution would serve them."},
    INSPECT_RULE_HANDSHAKE("G1"),
    INSPECT_RULE("V1", inspect__check_leaf_not_self_signed, INVALID),
    INSPECT_RULE("V1", inspect__check_anchored, INVALID),
    INSPECT_RULE("V1", inspect__path_time_problem, INVALID),
    INSPECT_RULE("V1", inspect__check_server_eku, INVALID),
    // UNCERTAIN whether ACM refuses the import; every viewer refuses the
    // certificate, so the distribution cannot use it either way. Likewise an
    // issuer that is not a CA, an exceeded pathLen, or a CA without
    // keyCertSign (RFC 5280 6.1.4; every browser refuses them), and a leaf
    // whose keyUsage lacks digitalSignature (RFC 8446 4.4.2.2; Chrome:
    // ERR_SSL_KEY_USAGE_INCOMPATIBLE).
    INSPECT_RULE("V1", inspect__check_issuers_are_cas, INVALID),
    INSPECT_RULE("V1", inspect__check_critical_extensions, INVALID),
    INSPECT_RULE("V1", inspect__check_name_constraints, INVALID),
    INSPECT_RULE("V1", inspect__check_no_sha1_signature, INVALID),
    {.id = "V2",
     .check = inspect__check_name_san_only,
     .message = "InvalidViewerCertificate: The certificate that is attached to your distribution doesn't cover the "
                "alternate domain name (CNAME) that you're trying to add.",
     .say_effect = say_name_effect},
};

static const inspect_rules_words_t kWords = {
    .handshake = &kHandshake,
    .effect =
        "CloudFront would refuse this certificate for the distribution (InvalidViewerCertificate): viewers "
        "never get it.",
    .say_accept = say_accept,
};

const inspect_profile_t inspect_profile_cloudfront_viewer = {
    .id = "cloudfront-viewer",
    .platform = "Amazon CloudFront serving this certificate to viewers",
    .is_default = 1,
    INSPECT_PROFILE_TABLE(kRules, kWords),
};
