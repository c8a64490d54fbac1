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
    case INSPECT_KEY_UNKNOWN:
      break;
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
    case INSPECT_HASH_SHA1:
      return INSPECT_BUNDLE_WEAK_SIGNATURE;
    case INSPECT_HASH_SHA256:
    case INSPECT_HASH_SHA384:
    case INSPECT_HASH_SHA512:
      return INSPECT_BUNDLE_RULE_COUNT;
    case INSPECT_HASH_SHA224:
    case INSPECT_HASH_INTRINSIC:  // Ed25519
    case INSPECT_HASH_UNKNOWN:
      break;
  }
  return INSPECT_BUNDLE_UNSUPPORTED_SIGNATURE;
}

static int in_path(const inspect_path_t *path, const inspect_cert_t *cert) {
  for (size_t i = 0; i < path->len; i++) {
    if (path->certs[i] == cert) {
      return 1;
    }
  }
  return 0;
}

static void push(inspect_path_t *path, const inspect_cert_t *cert, inspect_path_source_t source, int sent_index) {
  path->certs[path->len] = cert;
  path->source[path->len] = source;
  path->sent_index[path->len] = sent_index;
  path->len++;
}

// sent_issuer finds `cert`'s issuer among the certificates the client sent.
static const inspect_cert_t *sent_issuer(inspect_ctx_t *ctx, const inspect_path_t *path, const inspect_cert_t *cert,
                                         int *out_index, int *stale) {
  const inspect_chain_t *chain = ctx->in->chain;
  for (size_t i = 1; i < inspect_chain_num(chain); i++) {
    const inspect_cert_t *cand = inspect_chain_get0(chain, i);
    if (in_path(path, cand) || memcmp(cand->subject_hash, cert->issuer_hash, 32) != 0) {
      continue;
    }
    if (inspect__signed_by(ctx, cert, cand)) {
      *out_index = (int)i;
      return cand;
    }
    *stale = 1;
  }
  return NULL;
}

void inspect__mtls_path(inspect_ctx_t *ctx, int use_sent, inspect_path_t *out) {
  memset(out, 0, sizeof(*out));
  const inspect_chain_t *chain = ctx->in->chain;
  if (inspect_chain_num(chain) == 0) {
    out->end = PATH_END_EMPTY;
    return;
  }
  push(out, inspect_chain_get0(chain, 0), PATH_SOURCE_CHAIN, 0);
  for (;;) {
    const inspect_cert_t *top = out->certs[out->len - 1];
    if (inspect_cert_is_self_signed(top)) {
      if (out->source[out->len - 1] == PATH_SOURCE_TRUST || inspect__trust_is_anchor(ctx->in->trust, top)) {
        out->end = PATH_END_ANCHORED;
      } else {
        out->end = out->len == 1 ? PATH_END_SELF_SIGNED : PATH_END_UNTRUSTED_ROOT;
      }
      return;
    }
    if (out->len == INSPECT_PATH_MAX) {
      out->end = PATH_END_TOO_LONG;
      return;
    }
    const inspect_cert_t *issuer = inspect__trust_find_issuer(ctx, ctx->in->trust, top);
    if (issuer != NULL && !in_path(out, issuer)) {
      push(out, issuer, PATH_SOURCE_TRUST, -1);
      continue;
    }
    int index = -1, stale = 0;
    issuer = use_sent ? sent_issuer(ctx, out, top, &index, &stale) : NULL;
    if (issuer != NULL) {
      push(out, issuer, PATH_SOURCE_CHAIN, index);
      continue;
    }
    out->stale_issuer = stale;
    out->end = PATH_END_ISSUER_MISSING;
    return;
  }
}

int inspect__mtls_depth(const inspect_path_t *path) { return path->len > 0 ? (int)path->len - 1 : 0; }
