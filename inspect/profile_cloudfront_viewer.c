// cloudfront-viewer: this certificate as a CloudFront distribution's viewer
// certificate for the alternate domain name checked (--name). CloudFront
// needs a trusted, valid certificate whose SAN covers the name (exactly or
// by a wildcard at the same level), and by default serves it only to viewers
// that send SNI ("sni-only").

#include "inspect/inspect_internal.h"

static const inspect_hs_words_t kWords = {
    .alert = "The certificate could not be fetched: the server sent a fatal {alert} alert",
    .closed = "The certificate could not be fetched: the server closed the connection",
    .protocol = "The certificate could not be fetched: no common TLS version or cipher ({detail})",
    .connect_failed = "The certificate could not be fetched: {detail}",
    .timeout = "The certificate could not be fetched: timeout ({detail})",
    .no_certificate = "The server presented no certificate",
    .effect = "There is no certificate to attach to the distribution.",
};

static const char kInvalid[] =
    "InvalidViewerCertificate: The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't "
    "valid, or doesn't include a valid certificate chain.";
static const char kEffect[] =
    "CloudFront would refuse this certificate for the distribution (InvalidViewerCertificate): viewers never get it.";

static void judge(inspect_ctx_t *ctx, unsigned options, inspect_verdict_t *out) {
  (void)options;
  if (!ctx->in->sni_sent) {
    inspect__verdict_reject(ctx, out, INSPECT_REASON_NO_CERTIFICATE,
                            "If CloudFront can't immediately determine which domain the request is for, it drops "
                            "the connection.",
                            "CloudFront (SNI-only, the default) drops viewers that send no SNI: they get no "
                            "certificate; only a dedicated-IP distribution would serve them.");
    return;
  }
  if (inspect__judge_handshake(ctx, &kWords, out)) {
    return;
  }
  const inspect_path_t *path = inspect__path(ctx, 0);
  const inspect_cert_t *leaf = path->certs[0];
  if (inspect_cert_is_self_signed(leaf)) {
    inspect__verdict_reject(ctx, out, INSPECT_REASON_SELF_SIGNED, kInvalid, kEffect);
    return;
  }
  if (path->end != PATH_END_ANCHORED) {
    inspect__verdict_reject(ctx, out, inspect__path_failure_reason(ctx, path), kInvalid, kEffect);
    return;
  }
  inspect_reason_t time = inspect__path_time_problem(ctx, path);
  if (time != INSPECT_REASON_OK) {
    inspect__verdict_reject(ctx, out, time, kInvalid, kEffect);
    return;
  }
  if (!inspect__leaf_server_eku_ok(leaf)) {
    inspect__verdict_reject(ctx, out, INSPECT_REASON_BAD_EKU, kInvalid, kEffect);
    return;
  }
  // UNCERTAIN whether ACM refuses the import; every viewer refuses the
  // certificate, so the distribution cannot use it either way. Likewise an
  // issuer that is not a CA, an exceeded pathLen, or a CA without keyCertSign
  // (RFC 5280 6.1.4; every browser refuses them), and a leaf whose keyUsage
  // lacks digitalSignature (RFC 8446 4.4.2.2; Chrome: ERR_SSL_KEY_USAGE_INCOMPATIBLE).
  size_t at;
  inspect_reason_t ca = inspect__path_ca_problem(ctx, path, INSPECT_ANCHOR_UNCHECKED, &at);
  if (ca == INSPECT_REASON_OK) {
    ca = inspect__leaf_key_usage(leaf, INSPECT_KU_DIGITAL_SIGNATURE);
  }
  if (ca != INSPECT_REASON_OK) {
    inspect__verdict_reject(ctx, out, ca, kInvalid, kEffect);
    return;
  }
  if (inspect__path_unhandled_critical(ctx, path) >= 0) {
    inspect__verdict_reject(ctx, out, INSPECT_REASON_UNHANDLED_CRITICAL_EXTENSION, kInvalid, kEffect);
    return;
  }
  if (!inspect__path_name_constraints_ok(path)) {
    inspect__verdict_reject(ctx, out, INSPECT_REASON_NAME_CONSTRAINTS, kInvalid, kEffect);
    return;
  }
  if (inspect__path_weak_signature(ctx, path)) {
    inspect__verdict_reject(ctx, out, INSPECT_REASON_WEAK_SIGNATURE, kInvalid, kEffect);
    return;
  }
  if (ctx->in->name != NULL) {
    static const inspect_name_rules_t kRules = {NAME_CN_NEVER, 0};
    inspect_name_result_t r = inspect__name_check(leaf, ctx->in->name, ctx->name_is_ip, &kRules);
    if (r != NAME_MATCH) {
      inspect__verdict_reject(ctx, out, r == NAME_NO_SAN ? INSPECT_REASON_NO_SAN : INSPECT_REASON_HOSTNAME_MISMATCH,
                              "InvalidViewerCertificate: The certificate that is attached to your distribution "
                              "doesn't cover the alternate domain name (CNAME) that you're trying to add.",
                              inspect__arena_printf(ctx->arena,
                                                    "CloudFront would refuse %s as an alternate domain name for a "
                                                    "distribution with this certificate.",
                                                    ctx->in->name));
      return;
    }
  }
  inspect__verdict_accept(ctx, out,
                          ctx->in->name != NULL
                              ? inspect__arena_printf(ctx->arena,
                                                      "CloudFront accepts this certificate for the alternate domain "
                                                      "name %s.",
                                                      ctx->in->name)
                              : "CloudFront accepts this certificate for a distribution.");
}

const inspect_profile_t inspect_profile_cloudfront_viewer = {
    .id = "cloudfront-viewer",
    .platform = "Amazon CloudFront serving this certificate to viewers",
    .is_default = 1,
    .judge = judge,
};
