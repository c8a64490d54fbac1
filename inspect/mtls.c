// Shared by the mTLS profiles and the bundle linter: the path of a client's
// chain up to a trusted root, and a platform's key and signature rules.

#include <string.h>

#include "inspect/inspect_internal.h"

inspect_bundle_rule_t inspect__key_rule(const inspect_bundle_rules_t *rules, const inspect_cert_t *cert) {
  const inspect_cert_info_t *info = &cert->info;
  switch (info->key_type) {
    case INSPECT_KEY_RSA:
      if (info->key_bits < rules->min_rsa_bits) {
        return INSPECT_BUNDLE_WEAK_KEY;
      }
      if (rules->max_rsa_bits > 0 && info->key_bits > rules->max_rsa_bits) {
        return INSPECT_BUNDLE_UNSUPPORTED_KEY;
      }
      return INSPECT_BUNDLE_RULE_COUNT;
    case INSPECT_KEY_EC:
      if (info->key_bits < rules->min_ec_bits) {
        return INSPECT_BUNDLE_WEAK_KEY;
      }
      if (rules->named_curves_only && strcmp(info->key_desc, "EC P-256") != 0 &&
          strcmp(info->key_desc, "EC P-384") != 0 && strcmp(info->key_desc, "EC P-521") != 0) {
        return INSPECT_BUNDLE_UNSUPPORTED_KEY;
      }
      return INSPECT_BUNDLE_RULE_COUNT;
    case INSPECT_KEY_DSA:
      return info->key_bits < rules->min_rsa_bits ? INSPECT_BUNDLE_WEAK_KEY : INSPECT_BUNDLE_UNSUPPORTED_KEY;
    case INSPECT_KEY_ED25519:
    case INSPECT_KEY_UNKNOWN: break;
  }
  // Both platforms name RSA and ECDSA only.
  return INSPECT_BUNDLE_UNSUPPORTED_KEY;
}

inspect_bundle_rule_t inspect__sig_rule(const inspect_bundle_rules_t *rules, const inspect_cert_t *cert) {
  (void)rules;  // ALB and API Gateway agree: SHA-256, SHA-384 or SHA-512 with RSA, RSA-PSS or ECDSA
  const inspect_cert_info_t *info = &cert->info;
  if (inspect_cert_is_self_signed(cert)) {
    return INSPECT_BUNDLE_RULE_COUNT;
  }
  switch (info->sig_hash) {
    case INSPECT_HASH_MD5:
    case INSPECT_HASH_SHA1: return INSPECT_BUNDLE_WEAK_SIGNATURE;
    case INSPECT_HASH_SHA256:
    case INSPECT_HASH_SHA384:
    case INSPECT_HASH_SHA512: return INSPECT_BUNDLE_RULE_COUNT;
    case INSPECT_HASH_SHA224:
    case INSPECT_HASH_INTRINSIC:  // Ed25519
    case INSPECT_HASH_UNKNOWN: break;
  }
  return INSPECT_BUNDLE_UNSUPPORTED_SIGNATURE;
}

void inspect__mtls_path(inspect_ctx_t *ctx, int use_sent, inspect_path_t *out) {
  inspect__path_build(ctx, &(inspect_path_opts_t){.use_chain = use_sent, .require_root = 1}, out);
}

int inspect__path_client_purpose_ok(const inspect_path_t *path) {
  for (size_t i = 0; i < path->len; i++) {
    const inspect_cert_info_t *info = &path->certs[i]->info;
    int eku_ok = !info->has_eku || (info->eku & (INSPECT_EKU_CLIENT_AUTH | INSPECT_EKU_ANY));
    int ku_ok =
        i > 0 || !info->has_key_usage || (info->key_usage & (INSPECT_KU_DIGITAL_SIGNATURE | INSPECT_KU_KEY_AGREEMENT));
    if (!eku_ok || !ku_ok) {
      return 0;
    }
  }
  return 1;
}

int inspect__mtls_depth(const inspect_path_t *path) { return path->len > 0 ? (int)path->len - 1 : 0; }
