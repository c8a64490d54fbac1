// alb-mtls: an Application Load Balancer HTTPS listener in mutual TLS verify
// mode, judging the chain a client sends (leaf first) against its trust
// store, and linting the CA bundle the trust store is made of.
//
// Sources (ELB documentation, "Mutual authentication with TLS in Application
// Load Balancer", "Connection logs for your Application Load Balancer",
// "Quotas for your Application Load Balancers"; API reference ModifyTrustStore):
// - "Supported certificate: X.509v3"; "Supported public keys: RSA 2K - 8K or
//   ECDSA secp256r1, secp384r1, secp521r1"; "Supported signature algorithms:
//   SHA256, 384, 512 with RSA/SHA256, 384, 512 with EC/SHA256,384,512 hash
//   with RSASSA-PSS with MGF1".
// - CA certificate files: PEM; contents "enclosed within the -----BEGIN
//   CERTIFICATE----- and -----END CERTIFICATE----- boundaries"; "Comments must
//   be preceded by a # character and must not contain any - characters";
//   "There cannot be any blank lines".
// - Quotas: CA certificate size 16 KB, 25 CA certificates per trust store, CA
//   certificate subject size per trust store 10000, maximum certificate chain
//   depth 4.
// - A bad bundle is refused with InvalidCaCertificatesBundle, "The specified
//   ca certificate bundle is in an invalid format, or corrupt."
// - tls_verify_status is "Success" or "Failed:<code>" with the codes
//   ClientCertMaxChainDepthExceeded, ClientCertUntrusted, ClientCertNotYetValid,
//   ClientCertExpired, ClientCertTypeUnsupported, ClientCertInvalid,
//   ClientCertPurposeInvalid, UnmappedConnectionError, ...
// - Listener attribute IgnoreClientCertificateExpiry: "Indicates whether
//   expired client certificates are ignored" (option ignore-expiry).
//
// UNCERTAIN (not documented; inferred from OpenSSL-style verification):
// - which code a failure maps to when several could (an unsupported key or a
//   SHA-1 signature as ClientCertTypeUnsupported, an X.509 v1 client
//   certificate as ClientCertTypeUnsupported, an issuer that is not a CA as
//   ClientCertUntrusted);
// - what a handshake without a client certificate logs: the documented list
//   has no "missing" code (CloudFront's has ClientCertMissing); we say
//   Failed:UnmappedConnectionError;
// - how the depth of 4 is counted: we count the CA certificates from the
//   client's issuer up to the root (the leaf excluded), as API Gateway's
//   "maximum chain length of four" is read;
// - whether the trust store must reach a self-signed root (we require it, as
//   OpenSSL does without partial chains) and whether a bundle with a leaf, an
//   expired CA, a duplicate or an orphan intermediate is refused at upload or
//   only fails clients later (the lint flags them either way);
// - whether ignore-expiry also covers expired CA certificates (we ignore
//   expiry everywhere in the path, as a verify callback skipping
//   X509_V_ERR_CERT_HAS_EXPIRED would).

#include "inspect/inspect_internal.h"

#define UPLOAD_ERROR \
  "InvalidCaCertificatesBundle: The specified ca certificate bundle is in an invalid format, or corrupt."

static const char *const kOptions[] = {"ignore-expiry", NULL};
#define OPTION_IGNORE_EXPIRY 1u

static const inspect_bundle_rules_t kBundle = {
    .platform = "ALB",
    .require_v3 = 1,
    .min_rsa_bits = 2048,
    .max_rsa_bits = 8192,
    .min_ec_bits = 256,
    .named_curves_only = 1,
    .max_cert_der = 16 * 1024,
    .max_cas = 25,
    .max_subject_bytes = 10000,
    .max_depth = 4,
    .blank_lines_ok = 0,
    .hash_comments_ok = 1,
    .texts =
        {
            [INSPECT_BUNDLE_NOT_PEM] = UPLOAD_ERROR,
            [INSPECT_BUNDLE_BAD_PEM] = UPLOAD_ERROR,
            [INSPECT_BUNDLE_NOT_CERTIFICATE] = UPLOAD_ERROR,
            [INSPECT_BUNDLE_BAD_DER] = UPLOAD_ERROR,
            [INSPECT_BUNDLE_NON_PEM_DATA] = UPLOAD_ERROR,
            [INSPECT_BUNDLE_BAD_COMMENT] = UPLOAD_ERROR,
            [INSPECT_BUNDLE_BLANK_LINE] = UPLOAD_ERROR,
            // What clients whose chain runs through the certificate get
            // (UNCERTAIN mapping, see above).
            [INSPECT_BUNDLE_NOT_V3] = "Failed:ClientCertTypeUnsupported",
            [INSPECT_BUNDLE_EXPIRED] = "Failed:ClientCertExpired",
            [INSPECT_BUNDLE_NOT_YET_VALID] = "Failed:ClientCertNotYetValid",
            [INSPECT_BUNDLE_WEAK_KEY] = "Failed:ClientCertTypeUnsupported",
            [INSPECT_BUNDLE_UNSUPPORTED_KEY] = "Failed:ClientCertTypeUnsupported",
            [INSPECT_BUNDLE_WEAK_SIGNATURE] = "Failed:ClientCertTypeUnsupported",
            [INSPECT_BUNDLE_UNSUPPORTED_SIGNATURE] = "Failed:ClientCertTypeUnsupported",
            [INSPECT_BUNDLE_ISSUER_MISSING] = "Failed:ClientCertUntrusted",
            [INSPECT_BUNDLE_CHAIN_TOO_DEEP] = "Failed:ClientCertMaxChainDepthExceeded",
        },
};

static const inspect_hs_words_t kWords = {
    // UNCERTAIN: see above.
    .alert = "Failed:UnmappedConnectionError",
    .closed = "Failed:UnmappedConnectionError",
    .protocol = "Failed:UnmappedConnectionError",
    .connect_failed = "Failed:UnmappedConnectionError",
    .timeout = "Failed:UnmappedConnectionError",
    .no_certificate = "Failed:UnmappedConnectionError",
    .effect =
        "ALB fails the TLS handshake with this client (a verify-mode listener requires a client "
        "certificate): the connection log records tls_verify_status Failed:UnmappedConnectionError.",
};

static void reject(inspect_ctx_t *ctx, inspect_verdict_t *out, inspect_reason_t reason, const char *status) {
  inspect__verdict_reject(ctx, out, reason, status,
                          inspect__arena_printf(ctx->arena,
                                                "ALB fails the TLS handshake with this client: the connection log "
                                                "records tls_verify_status %s and no request reaches the targets.",
                                                status));
}

static inspect_reason_t untrusted_reason(const inspect_path_t *path) {
  switch (path->end) {
    case PATH_END_SELF_SIGNED: return INSPECT_REASON_SELF_SIGNED;
    case PATH_END_ISSUER_MISSING:
      return path->len == 1 || path->stale_issuer ? INSPECT_REASON_MISSING_INTERMEDIATE : INSPECT_REASON_UNTRUSTED_ROOT;
    default: break;
  }
  return INSPECT_REASON_UNTRUSTED_ROOT;
}

static void judge(inspect_ctx_t *ctx, unsigned options, inspect_verdict_t *out) {
  if (inspect__judge_handshake(ctx, &kWords, out)) {
    return;
  }
  inspect_path_t path;
  inspect__mtls_path(ctx, 1, &path);
  if (inspect__mtls_depth(&path) > kBundle.max_depth || path.end == PATH_END_TOO_LONG) {
    reject(ctx, out, INSPECT_REASON_CHAIN_TOO_LONG, "Failed:ClientCertMaxChainDepthExceeded");
    return;
  }
  if (path.end != PATH_END_ANCHORED) {
    reject(ctx, out, untrusted_reason(&path), "Failed:ClientCertUntrusted");
    return;
  }
  if (!inspect__path_cas_ok(&path)) {
    reject(ctx, out, INSPECT_REASON_UNTRUSTED_ROOT, "Failed:ClientCertUntrusted");
    return;
  }
  for (size_t i = 0; i < path.len; i++) {
    const inspect_cert_t *c = path.certs[i];
    inspect_bundle_rule_t key = inspect__key_rule(&kBundle, c);
    inspect_bundle_rule_t sig = inspect__sig_rule(&kBundle, c);
    if (c->info.version != 3) {
      reject(ctx, out, INSPECT_REASON_UNSUPPORTED_CERT, "Failed:ClientCertTypeUnsupported");
      return;
    }
    if (key != INSPECT_BUNDLE_RULE_COUNT || sig != INSPECT_BUNDLE_RULE_COUNT) {
      inspect_reason_t reason = key == INSPECT_BUNDLE_WEAK_KEY         ? INSPECT_REASON_WEAK_KEY
                                : key != INSPECT_BUNDLE_RULE_COUNT     ? INSPECT_REASON_UNSUPPORTED_CERT
                                : sig == INSPECT_BUNDLE_WEAK_SIGNATURE ? INSPECT_REASON_WEAK_SIGNATURE
                                                                       : INSPECT_REASON_UNSUPPORTED_CERT;
      reject(ctx, out, reason, "Failed:ClientCertTypeUnsupported");
      return;
    }
  }
  if (!inspect__path_client_purpose_ok(&path)) {
    reject(ctx, out, INSPECT_REASON_BAD_EKU, "Failed:ClientCertPurposeInvalid");
    return;
  }
  for (size_t i = 0; i < path.len; i++) {
    const inspect_cert_info_t *info = &path.certs[i]->info;
    if (ctx->in->now < info->not_before) {
      reject(ctx, out, INSPECT_REASON_NOT_YET_VALID, "Failed:ClientCertNotYetValid");
      return;
    }
    if (ctx->in->now > info->not_after && !(options & OPTION_IGNORE_EXPIRY)) {
      reject(ctx, out, INSPECT_REASON_EXPIRED, "Failed:ClientCertExpired");
      return;
    }
  }
  inspect__verdict_accept(ctx, out,
                          "ALB accepts this client certificate and passes it to the targets in the "
                          "X-Amzn-Mtls-Clientcert-* headers.");
  out->message = "Success";
}

const inspect_profile_t inspect_profile_alb_mtls = {
    .id = "alb-mtls",
    .platform = "AWS Application Load Balancer, mutual TLS verify mode (client certificates)",
    .options = kOptions,
    .is_default = 0,
    .judge = judge,
    .bundle = &kBundle,
};
