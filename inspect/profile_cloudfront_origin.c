// cloudfront-origin: CloudFront connecting to a custom origin over HTTPS.
// Documented rules (CloudFront Developer Guide, "HTTP 502 status code" and
// "Requirements for using SSL/TLS certificates"): Mozilla-trusted CA, full
// chain, in the correct order, not self-signed, not expired, and a name that
// matches the Origin Domain or the forwarded Host header (CN or SAN).

#include "inspect/inspect_internal.h"

#define PAGE " (CloudFront returns '502 ERROR: The request could not be satisfied')"

static const inspect_hs_words_t kWords = {
    .alert = "CloudFront could not complete the SSL/TLS handshake with the origin: fatal {alert} alert" PAGE,
    .post_handshake_alert = "The origin requires a client certificate ({alert} alert), which CloudFront does not "
                            "present" PAGE,
    .closed = "The origin closed the connection during the SSL/TLS handshake" PAGE,
    .protocol = "CloudFront and the origin share no SSL/TLS protocol or cipher ({detail})" PAGE,
    .connect_failed = "CloudFront wasn't able to connect to the origin ({detail})" PAGE,
    .timeout = "The origin did not respond in time ({detail}): CloudFront returns '504 ERROR: The request could "
               "not be satisfied'",
    .no_certificate = "The origin presented no certificate" PAGE,
    .effect = "CloudFront would drop the connection to this origin: viewers get 502 Bad Gateway with X-Cache: "
              "Error from cloudfront.",
    .timeout_effect = "CloudFront would time out on this origin: viewers get 504 Gateway Timeout with X-Cache: "
                      "Error from cloudfront.",
};

static const char kEffect[] =
    "CloudFront would drop the connection to this origin: viewers get 502 Bad Gateway with X-Cache: Error from "
    "cloudfront.";
static const char kInvalid[] =
    "SSL/TLS certificate on the origin is expired, invalid, self-signed, or the certificate chain is in the wrong "
    "order" PAGE;

static void judge(inspect_ctx_t *ctx, unsigned options, inspect_verdict_t *out) {
  (void)options;
  if (inspect__judge_handshake(ctx, &kWords, out)) {
    return;
  }
  const inspect_path_t *path = inspect__path(ctx, 0);
  const inspect_cert_t *leaf = path->certs[0];
  if (inspect_cert_is_self_signed(leaf)) {
    inspect__verdict_reject(ctx, out, INSPECT_REASON_SELF_SIGNED,
                            "You can't use a self-signed certificate for HTTPS communication between CloudFront and "
                            "your origin" PAGE,
                            kEffect);
    return;
  }
  if (path->end != PATH_END_ANCHORED) {
    inspect_reason_t reason = inspect__path_failure_reason(ctx, path);
    inspect__verdict_reject(ctx, out, reason,
                            reason == INSPECT_REASON_MISSING_INTERMEDIATE
                                ? "If the full chain of certificates, including the intermediate certificate, is not "
                                  "present, CloudFront drops the TCP connection" PAGE
                                : "The origin certificate must be issued by a CA that Mozilla trusts (CloudFront "
                                  "supports the same certificate authorities as Mozilla)" PAGE,
                            kEffect);
    return;
  }
  if (!inspect__path_in_sent_order(path)) {
    inspect__verdict_reject(ctx, out, INSPECT_REASON_WRONG_ORDER, kInvalid, kEffect);
    return;
  }
  inspect_reason_t time = inspect__path_time_problem(ctx, path);
  if (time != INSPECT_REASON_OK) {
    inspect__verdict_reject(ctx, out, time, kInvalid, kEffect);
    return;
  }
  // UNCERTAIN: CloudFront does not document how it checks CAs and key usage;
  // RFC 5280 6.1.4 (the anchor unchecked) and RFC 8446 4.4.2.2 (a leaf's
  // keyUsage must allow digitalSignature) are followed.
  size_t at;
  inspect_reason_t ca = inspect__path_ca_problem(ctx, path, INSPECT_ANCHOR_UNCHECKED, &at);
  if (ca == INSPECT_REASON_OK) {
    ca = inspect__leaf_key_usage(leaf, INSPECT_KU_DIGITAL_SIGNATURE);
  }
  if (!inspect__leaf_server_eku_ok(leaf) || ca != INSPECT_REASON_OK) {
    inspect__verdict_reject(ctx, out, inspect__leaf_server_eku_ok(leaf) ? ca : INSPECT_REASON_BAD_EKU, kInvalid,
                            kEffect);
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
    // Not documented for origins; CloudFront's CAs issue no SHA-1 certificates.
    inspect__verdict_reject(ctx, out, INSPECT_REASON_WEAK_SIGNATURE, kInvalid, kEffect);
    return;
  }
  if (ctx->in->name != NULL) {
    static const inspect_name_rules_t kRules = {NAME_CN_ALWAYS, 0};
    if (inspect__name_check(leaf, ctx->in->name, ctx->name_is_ip, &kRules) != NAME_MATCH) {
      inspect__verdict_reject(
          ctx, out, INSPECT_REASON_HOSTNAME_MISMATCH,
          inspect__arena_printf(ctx->arena,
                                "The SSL/TLS certificate on your origin must include a domain name that matches "
                                "either the Origin Domain that you specified for the CloudFront distribution or the "
                                "Host header of the origin request (%s)" PAGE,
                                ctx->in->name),
          kEffect);
      return;
    }
  }
  if (inspect__judge_post_handshake_alert(ctx, &kWords, out)) {
    return;
  }
  inspect__verdict_accept(ctx, out, "CloudFront connects to this origin over HTTPS.");
}

const inspect_profile_t inspect_profile_cloudfront_origin = {
    .id = "cloudfront-origin",
    .platform = "Amazon CloudFront connecting to a custom origin",
    .is_default = 1,
    .judge = judge,
};
