// apigateway-mtls: an API Gateway custom domain with mutual TLS, judging the
// chain a client sends (leaf first) against its truststore, and linting the
// truststore PEM file.
//
// Sources:
// - API Gateway Developer Guide, "Configuring mutual TLS authentication for a
//   REST API": the truststore must hold "the complete chain of trust,
//   starting from the issuing CA certificate, up to the root CA certificate";
//   "Certificates can have a maximum chain length of four"; "SHA-256 or
//   stronger", "RSA-2048 or stronger", "ECDSA-256 or stronger"; API Gateway
//   checks X.509 syntax, integrity, validity period and name/key chaining and
//   does not check revocation; a failing client gets 403.
// - AWS Knowledge Center, "api-gateway-mutual-tls-403-errors": REST API
//   execution logs say "Access denied. Reason: Could not find issuer for
//   certificate", "Access denied. Reason: Client cert using an insecure
//   Signature Algorithm" or "Access denied. Reason: self signed certificate";
//   HTTP APIs have no execution log.
// - API reference, MutualTlsAuthentication.truststoreWarnings: "Invalid
//   certificates produce warnings. Mutual TLS is still enabled, but some
//   clients might not be able to access your API."
// - [3P] weblineglobal.com ("aws-api-gateway-mtls-403-ca-chain-fix"): clients
//   that send their intermediate still fail when only the root is in the
//   truststore. So the issuer of each certificate is looked up in the
//   truststore only, never in the chain the client sends.
// - [3P] javierinthecloud.com ("understanding-the-api-gateway-mtls-chain-
//   depth-limit"): the limit of four counts CA certificates (root plus three
//   intermediates); the client certificate is not counted.
//
// UNCERTAIN: "self signed certificate" is OpenSSL 1.1's text for error 18,
// so the other reasons are given in OpenSSL 1.1's words too ("certificate has
// expired", "certificate is not yet valid", "certificate chain too long", "EE
// certificate key too weak", "CA certificate key too weak", "invalid CA
// certificate", "unsupported certificate purpose"); none is documented. That
// API Gateway checks the client certificate's purpose at all is an inference
// from OpenSSL's default for TLS servers. What happens when the client sends
// no certificate is not documented either: the handshake fails before any
// execution log.

#include "inspect/inspect_internal.h"

#define REASON "Access denied. Reason: "

static const inspect_bundle_rules_t kBundle = {
    .platform = "API Gateway",
    .require_v3 = 0,
    .min_rsa_bits = 2048,
    .max_rsa_bits = 0,
    .min_ec_bits = 256,
    .named_curves_only = 1,  // UNCERTAIN: "ECDSA-256 or stronger" names no curves
    .max_cert_der = 0,
    .max_cas = 0,
    .max_subject_bytes = 0,
    .max_depth = 4,
    .blank_lines_ok = 1,
    .hash_comments_ok = 0,  // UNCERTAIN: only PEM blocks are documented
    .texts =
        {
            [INSPECT_BUNDLE_ISSUER_MISSING] = REASON "Could not find issuer for certificate",
            [INSPECT_BUNDLE_WEAK_SIGNATURE] = REASON "Client cert using an insecure Signature Algorithm",
            [INSPECT_BUNDLE_UNSUPPORTED_SIGNATURE] = REASON "Client cert using an insecure Signature Algorithm",
            [INSPECT_BUNDLE_CHAIN_TOO_DEEP] = REASON "certificate chain too long",
            [INSPECT_BUNDLE_EXPIRED] = REASON "certificate has expired",
            [INSPECT_BUNDLE_NOT_YET_VALID] = REASON "certificate is not yet valid",
            [INSPECT_BUNDLE_WEAK_KEY] = REASON "CA certificate key too weak",
        },
};

static const char kEffect[] =
    "API Gateway refuses this client: the request fails with 403 Forbidden before it reaches the API (REST APIs "
    "write the reason to the execution log).";

static const inspect_hs_words_t kWords = {
    .alert = "The TLS handshake with API Gateway failed ({alert} alert)",
    .closed = "The TLS handshake with API Gateway failed: the connection was closed",
    .protocol =
        "The TLS handshake with API Gateway failed: no common protocol or cipher (API Gateway mutual TLS "
        "needs TLS 1.2 or later)",
    .connect_failed = "Could not connect to API Gateway ({detail})",
    .timeout = "The TLS handshake with API Gateway timed out ({detail})",
    .no_certificate =
        "The client presented no certificate: a custom domain with mutual TLS requires one, so the "
        "TLS handshake fails before any execution log is written",
    .effect = "API Gateway refuses this client: the TLS handshake fails and no request reaches the API.",
};

static void reject(inspect_ctx_t *ctx, inspect_verdict_t *out, inspect_reason_t reason, const char *why) {
  inspect__verdict_reject(ctx, out, reason, why, kEffect);
}

static void judge(inspect_ctx_t *ctx, unsigned options, inspect_verdict_t *out) {
  (void)options;
  if (inspect__judge_handshake(ctx, &kWords, out)) {
    return;
  }
  inspect_path_t path;
  inspect__mtls_path(ctx, 0, &path);
  if (path.end == PATH_END_SELF_SIGNED) {
    reject(ctx, out, INSPECT_REASON_SELF_SIGNED, REASON "self signed certificate");
    return;
  }
  if (inspect__mtls_depth(&path) > kBundle.max_depth || path.end == PATH_END_TOO_LONG) {
    reject(ctx, out, INSPECT_REASON_CHAIN_TOO_LONG, REASON "certificate chain too long");
    return;
  }
  if (path.end != PATH_END_ANCHORED) {
    // The truststore lacks an intermediate the client sends, or the chain
    // leads to a CA the truststore does not hold at all.
    inspect_path_t with_sent;
    inspect__mtls_path(ctx, 1, &with_sent);
    int rescued = with_sent.end == PATH_END_ANCHORED;
    reject(ctx, out, rescued ? INSPECT_REASON_MISSING_INTERMEDIATE : INSPECT_REASON_UNTRUSTED_ROOT,
           REASON "Could not find issuer for certificate");
    return;
  }
  if (!inspect__path_cas_ok(&path)) {
    reject(ctx, out, INSPECT_REASON_UNTRUSTED_ROOT, REASON "invalid CA certificate");
    return;
  }
  for (size_t i = 0; i < path.len; i++) {
    if (inspect__sig_rule(&kBundle, path.certs[i]) != INSPECT_BUNDLE_RULE_COUNT) {
      reject(ctx, out, INSPECT_REASON_WEAK_SIGNATURE, REASON "Client cert using an insecure Signature Algorithm");
      return;
    }
  }
  for (size_t i = 0; i < path.len; i++) {
    inspect_bundle_rule_t key = inspect__key_rule(&kBundle, path.certs[i]);
    if (key != INSPECT_BUNDLE_RULE_COUNT) {
      reject(ctx, out, key == INSPECT_BUNDLE_WEAK_KEY ? INSPECT_REASON_WEAK_KEY : INSPECT_REASON_UNSUPPORTED_CERT,
             i == 0 ? REASON "EE certificate key too weak" : REASON "CA certificate key too weak");
      return;
    }
  }
  for (size_t i = 0; i < path.len; i++) {
    const inspect_cert_info_t *info = &path.certs[i]->info;
    if (ctx->in->now < info->not_before) {
      reject(ctx, out, INSPECT_REASON_NOT_YET_VALID, REASON "certificate is not yet valid");
      return;
    }
    if (ctx->in->now > info->not_after) {
      reject(ctx, out, INSPECT_REASON_EXPIRED, REASON "certificate has expired");
      return;
    }
  }
  if (!inspect__path_client_purpose_ok(&path)) {
    reject(ctx, out, INSPECT_REASON_BAD_EKU, REASON "unsupported certificate purpose");
    return;
  }
  inspect__verdict_accept(ctx, out,
                          "API Gateway accepts this client certificate and passes it to authorizers and the "
                          "integration ($context.identity.clientCert).");
}

const inspect_profile_t inspect_profile_apigateway_mtls = {
    .id = "apigateway-mtls",
    .platform = "Amazon API Gateway custom domain with mutual TLS (client certificates)",
    .is_default = 0,
    .judge = judge,
    .bundle = &kBundle,
};
