// Checks over a built path that several platform profiles share.

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <strings.h>

#include "inspect/inspect_internal.h"

inspect_reason_t inspect__path_failure_reason(inspect_ctx_t *ctx, const inspect_path_t *path) {
  switch (path->end) {
    case PATH_END_SELF_SIGNED: return INSPECT_REASON_SELF_SIGNED;
    case PATH_END_ISSUER_MISSING:
      // A leaf sent alone, a stale intermediate, or one AIA would find, is a
      // missing intermediate; a chain that stops at a CA nobody trusts is an
      // untrusted root.
      if (path->len == 1 || path->stale_issuer || inspect__path(ctx, 1)->end == PATH_END_ANCHORED) {
        return INSPECT_REASON_MISSING_INTERMEDIATE;
      }
      return INSPECT_REASON_UNTRUSTED_ROOT;
    case PATH_END_EMPTY: return INSPECT_REASON_NO_CERTIFICATE;
    case PATH_END_ANCHORED: return INSPECT_REASON_OK;
    case PATH_END_UNTRUSTED_ROOT:
    case PATH_END_TOO_LONG: break;
  }
  return INSPECT_REASON_UNTRUSTED_ROOT;
}

// The certificates a verifier checks: all but a trust anchor at the top.
size_t inspect__path_checked_len(const inspect_ctx_t *ctx, const inspect_path_t *path) {
  if (path->len > 1 && path->end == PATH_END_ANCHORED &&
      (path->source[path->len - 1] == PATH_SOURCE_TRUST ||
       inspect__trust_is_anchor(ctx->in->trust, path->certs[path->len - 1]))) {
    return path->len - 1;
  }
  return path->len;
}

inspect_reason_t inspect__path_time_problem(inspect_ctx_t *ctx, const inspect_path_t *path) {
  size_t len = inspect__path_checked_len(ctx, path);
  for (size_t i = 0; i < len; i++) {
    const inspect_cert_info_t *info = &path->certs[i]->info;
    if (ctx->in->now > info->not_after) {
      return INSPECT_REASON_EXPIRED;
    }
    if (ctx->in->now < info->not_before) {
      return INSPECT_REASON_NOT_YET_VALID;
    }
  }
  return INSPECT_REASON_OK;
}

int inspect__path_weak_signature(inspect_ctx_t *ctx, const inspect_path_t *path) {
  size_t len = inspect__path_checked_len(ctx, path);
  for (size_t i = 0; i < len; i++) {
    const inspect_cert_info_t *info = &path->certs[i]->info;
    if ((info->sig_hash == INSPECT_HASH_SHA1 || info->sig_hash == INSPECT_HASH_MD5) &&
        !inspect_cert_is_self_signed(path->certs[i])) {
      return 1;
    }
  }
  return 0;
}

int inspect__path_weak_key(inspect_ctx_t *ctx, const inspect_path_t *path, int min_rsa_bits) {
  size_t len = inspect__path_checked_len(ctx, path);
  for (size_t i = 0; i < len; i++) {
    const inspect_cert_info_t *info = &path->certs[i]->info;
    if ((info->key_type == INSPECT_KEY_RSA || info->key_type == INSPECT_KEY_DSA) && info->key_bits < min_rsa_bits) {
      return 1;
    }
    if (info->key_type == INSPECT_KEY_EC && info->key_bits < 256) {
      return 1;
    }
  }
  return 0;
}

int inspect__leaf_server_eku_ok(const inspect_cert_t *leaf) {
  const inspect_cert_info_t *info = &leaf->info;
  return !info->has_eku || (info->eku & (INSPECT_EKU_SERVER_AUTH | INSPECT_EKU_ANY)) != 0;
}

int inspect__path_in_sent_order(const inspect_path_t *path) {
  for (size_t k = 0; k < path->len && path->source[k] == PATH_SOURCE_CHAIN; k++) {
    if (path->sent_index[k] != (int)k) {
      return 0;
    }
  }
  return 1;
}

int inspect__path_cas_ok(const inspect_path_t *path) {
  for (size_t k = 1; k < path->len; k++) {
    const inspect_cert_info_t *info = &path->certs[k]->info;
    if (!info->is_ca && !(info->version == 1 && inspect_cert_is_self_signed(path->certs[k]))) {
      return 0;
    }
  }
  return 1;
}

int inspect__path_unhandled_critical(const inspect_ctx_t *ctx, const inspect_path_t *path) {
  size_t n = inspect__path_checked_len(ctx, path);
  for (size_t k = 0; k < n; k++) {
    if (path->certs[k]->info.unhandled_critical != NULL) {
      return (int)k;
    }
  }
  return -1;
}

int inspect__path_name_constraints_ok(const inspect_path_t *path) {
  for (size_t j = 1; j < path->len; j++) {
    if (!path->certs[j]->info.has_name_constraints) {
      continue;
    }
    NAME_CONSTRAINTS *nc = X509_get_ext_d2i(path->certs[j]->x509, NID_name_constraints, NULL, NULL);
    for (size_t i = 0; nc != NULL && i < j; i++) {
      if (NAME_CONSTRAINTS_check(path->certs[i]->x509, nc) != X509_V_OK) {
        NAME_CONSTRAINTS_free(nc);
        ERR_clear_error();
        return 0;
      }
    }
    NAME_CONSTRAINTS_free(nc);
  }
  ERR_clear_error();
  return 1;
}

// RFC 5280 6.1.4 (k)-(n): basic constraints, path length and key usage over
// the CAs of a path. Each returns INSPECT_REASON_OK or the failing reason and
// the index of the certificate that fails in *at.

// The path's top is the trust anchor it reached.
static int top_is_anchor(const inspect_ctx_t *ctx, const inspect_path_t *path) {
  return path->len > 1 && inspect__path_checked_len(ctx, path) == path->len - 1;
}

// The CAs checked: every issuer in the path, the anchor only with `anchor`.
static size_t ca_end(const inspect_ctx_t *ctx, const inspect_path_t *path, int anchor) {
  return anchor || !top_is_anchor(ctx, path) ? path->len : path->len - 1;
}

int inspect__path_is_anchor_at(const inspect_ctx_t *ctx, const inspect_path_t *path, size_t k) {
  return k == path->len - 1 && top_is_anchor(ctx, path);
}

inspect_reason_t inspect__path_basic_constraints(const inspect_ctx_t *ctx, const inspect_path_t *path,
                                                 inspect_anchor_rule_t anchor, size_t *at) {
  size_t end = ca_end(ctx, path, anchor != INSPECT_ANCHOR_UNCHECKED);
  for (size_t k = 1; k < end; k++) {
    const inspect_cert_info_t *info = &path->certs[k]->info;
    if (info->is_ca) {
      continue;
    }
    if (inspect__path_is_anchor_at(ctx, path, k)) {
      // An anchor without basicConstraints (or a v1 one) passes unless the
      // rule requires the extension; CA:FALSE never does.
      int v3_without_bc = info->version == 3 && !info->has_basic_constraints;
      if (info->version < 3 || (v3_without_bc && anchor != INSPECT_ANCHOR_BC_REQUIRED)) {
        continue;
      }
    }
    *at = k;
    return INSPECT_REASON_INVALID_CA;
  }
  return INSPECT_REASON_OK;
}

int inspect__path_len_exceeded_at(const inspect_path_t *path, size_t k) {
  int limit = path->certs[k]->info.path_len;
  if (k < 2 || limit < 0) {
    return 0;
  }
  int below = 0;  // intermediate CAs between the leaf and k, self-issued ones excepted
  for (size_t j = 1; j < k; j++) {
    below += !path->certs[j]->info.self_issued;
  }
  return below > limit;
}

inspect_reason_t inspect__path_length(const inspect_ctx_t *ctx, const inspect_path_t *path, int anchor, size_t *at) {
  size_t end = ca_end(ctx, path, anchor);
  for (size_t k = end; k-- > 2;) {
    if (inspect__path_len_exceeded_at(path, k)) {
      *at = k;
      return INSPECT_REASON_PATH_LENGTH;
    }
  }
  return INSPECT_REASON_OK;
}

int inspect__ca_key_usage_ok(const inspect_cert_t *ca) {
  return !ca->info.has_key_usage || (ca->info.key_usage & INSPECT_KU_KEY_CERT_SIGN) != 0;
}

inspect_reason_t inspect__path_ca_key_usage(const inspect_ctx_t *ctx, const inspect_path_t *path, int anchor,
                                            size_t *at) {
  size_t end = ca_end(ctx, path, anchor);
  for (size_t k = end; k-- > 1;) {
    if (!inspect__ca_key_usage_ok(path->certs[k])) {
      *at = k;
      return INSPECT_REASON_KEY_USAGE;
    }
  }
  return INSPECT_REASON_OK;
}

inspect_reason_t inspect__leaf_key_usage(const inspect_cert_t *leaf, unsigned any_of) {
  const inspect_cert_info_t *info = &leaf->info;
  return info->has_key_usage && !(info->key_usage & any_of) ? INSPECT_REASON_KEY_USAGE : INSPECT_REASON_OK;
}

inspect_reason_t inspect__path_ca_problem(const inspect_ctx_t *ctx, const inspect_path_t *path,
                                          inspect_anchor_rule_t anchor, size_t *at) {
  int with_anchor = anchor != INSPECT_ANCHOR_UNCHECKED;
  inspect_reason_t r = inspect__path_basic_constraints(ctx, path, anchor, at);
  if (r == INSPECT_REASON_OK) {
    r = inspect__path_length(ctx, path, with_anchor, at);
  }
  if (r == INSPECT_REASON_OK) {
    r = inspect__path_ca_key_usage(ctx, path, with_anchor, at);
  }
  return r;
}

// exact_issuer_name returns 1 if `cert`'s issuer name is byte for byte
// `issuer`'s subject name.
static int exact_issuer_name(const inspect_cert_t *cert, const inspect_cert_t *issuer) {
  const uint8_t *a = NULL, *b = NULL;
  size_t alen = 0, blen = 0;
  if (!X509_NAME_get0_der(X509_get_issuer_name(cert->x509), &a, &alen) ||
      !X509_NAME_get0_der(X509_get_subject_name(issuer->x509), &b, &blen)) {
    return 0;
  }
  return alen == blen && memcmp(a, b, alen) == 0;
}

int inspect__path_store_issuer_inexact(const inspect_path_t *path) {
  for (size_t k = 1; k < path->len; k++) {
    if (path->source[k] == PATH_SOURCE_TRUST && !exact_issuer_name(path->certs[k - 1], path->certs[k])) {
      return (int)k;
    }
  }
  return -1;
}

inspect_reason_t inspect__path_ca_eku(const inspect_ctx_t *ctx, const inspect_path_t *path, int anchor, size_t *at) {
  size_t end = ca_end(ctx, path, anchor);
  for (size_t k = end; k-- > 1;) {
    if (!inspect__leaf_server_eku_ok(path->certs[k])) {
      *at = k;
      return INSPECT_REASON_BAD_EKU;
    }
  }
  return INSPECT_REASON_OK;
}

inspect_reason_t inspect__anchor_time_problem(const inspect_ctx_t *ctx, const inspect_path_t *path) {
  if (!top_is_anchor(ctx, path)) {
    return INSPECT_REASON_OK;
  }
  const inspect_cert_info_t *info = &path->certs[path->len - 1]->info;
  return ctx->in->now > info->not_after    ? INSPECT_REASON_EXPIRED
         : ctx->in->now < info->not_before ? INSPECT_REASON_NOT_YET_VALID
                                           : INSPECT_REASON_OK;
}

int inspect__akid_matches(const inspect_cert_t *cert, const inspect_cert_t *issuer) {
  AUTHORITY_KEYID *akid = X509_get_ext_d2i(cert->x509, NID_authority_key_identifier, NULL, NULL);
  int ok = akid == NULL || X509_check_akid(issuer->x509, akid) == X509_V_OK;
  AUTHORITY_KEYID_free(akid);
  ERR_clear_error();
  return ok;
}

// cn_is_dns is OpenSSL's cn2dnsid test: letters, digits, '_', and '-' or '.'
// inside, with at least one '.' between two label characters.
static int cn_is_dns(const char *cn) {
  size_t n = strlen(cn);
  int dot = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)cn[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
      continue;
    }
    if (i > 0 && i + 1 < n && c == '-') {
      continue;
    }
    if (i > 0 && i + 1 < n && c == '.' && cn[i + 1] != '.' && cn[i - 1] != '-' && cn[i + 1] != '-') {
      dot = 1;
      continue;
    }
    return 0;
  }
  return dot;
}

// dns_within is OpenSSL's nc_dns: `dns` equals the constraint or ends with
// it after a '.' (or the constraint starts with '.'); case-insensitive.
static int dns_within(const char *dns, const ASN1_IA5STRING *base) {
  size_t blen = (size_t)ASN1_STRING_length(base), dlen = strlen(dns);
  const char *b = (const char *)ASN1_STRING_get0_data(base);
  if (blen == 0) {
    return 1;
  }
  if (dlen < blen) {
    return 0;
  }
  const char *tail = dns + (dlen - blen);
  if (dlen > blen && b[0] != '.' && tail[-1] != '.') {
    return 0;
  }
  return strncasecmp(tail, b, blen) == 0;
}

int inspect__cn_name_constraint_error(const inspect_cert_t *leaf, NAME_CONSTRAINTS *nc) {
  const inspect_cert_info_t *info = &leaf->info;
  if (nc == NULL || info->num_dns_names > 0 || info->common_name == NULL || !cn_is_dns(info->common_name)) {
    return 0;
  }
  int permitted = 0, matched = 0;
  for (size_t i = 0; i < sk_GENERAL_SUBTREE_num(nc->permittedSubtrees); i++) {
    const GENERAL_NAME *base = sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, i)->base;
    if (base->type == GEN_DNS) {
      permitted = 1;
      matched |= dns_within(info->common_name, base->d.dNSName);
    }
  }
  if (permitted && !matched) {
    return X509_V_ERR_PERMITTED_VIOLATION;
  }
  for (size_t i = 0; i < sk_GENERAL_SUBTREE_num(nc->excludedSubtrees); i++) {
    const GENERAL_NAME *base = sk_GENERAL_SUBTREE_value(nc->excludedSubtrees, i)->base;
    if (base->type == GEN_DNS && dns_within(info->common_name, base->d.dNSName)) {
      return X509_V_ERR_EXCLUDED_VIOLATION;
    }
  }
  return 0;
}
