// OpenSSL 3's X509_verify_cert, emulated over our path: the same checks in
// the same order (x509_vfy.c: leaf key level, build_chain, check_extensions,
// check_auth_level, check_id, internal_verify, check_name_constraints), so
// a client that stops at the first error (curl, s_client, Python) and one
// that reports the last (Node) can both be predicted.

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "inspect/inspect_internal.h"

typedef struct {
  int code;
  const char *name;
  const char *text;
} ossl_code_t;

static const ossl_code_t kCodes[] = {
    {2, "UNABLE_TO_GET_ISSUER_CERT", "unable to get issuer certificate"},
    {7, "CERT_SIGNATURE_FAILURE", "certificate signature failure"},
    {9, "CERT_NOT_YET_VALID", "certificate is not yet valid"},
    {10, "CERT_HAS_EXPIRED", "certificate has expired"},
    {18, "DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"},
    {19, "SELF_SIGNED_CERT_IN_CHAIN", "self-signed certificate in certificate chain"},
    {20, "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "unable to get local issuer certificate"},
    {21, "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate"},
    {22, "CERT_CHAIN_TOO_LONG", "certificate chain too long"},
    {25, "PATH_LENGTH_EXCEEDED", "path length constraint exceeded"},
    {26, "INVALID_PURPOSE", "unsuitable certificate purpose"},
    {32, "KEYUSAGE_NO_CERTSIGN", "key usage does not include certificate signing"},
    {34, "UNHANDLED_CRITICAL_EXTENSION", "unhandled critical extension"},
    {47, "PERMITTED_VIOLATION", "permitted subtree violation"},
    {48, "EXCLUDED_VIOLATION", "excluded subtree violation"},
    {51, "UNSUPPORTED_CONSTRAINT_TYPE", "unsupported name constraint type"},
    {53, "UNSUPPORTED_NAME_SYNTAX", "unsupported or invalid name syntax"},
    {62, "HOSTNAME_MISMATCH", "hostname mismatch"},
    {64, "IP_ADDRESS_MISMATCH", "IP address mismatch"},
    {66, "EE_KEY_TOO_SMALL", "EE certificate key too weak"},
    {67, "CA_KEY_TOO_SMALL", "CA certificate key too weak"},
    {68, "CA_MD_TOO_WEAK", "CA signature digest algorithm too weak"},
    {79, "INVALID_CA", "invalid CA certificate"},
};

static const ossl_code_t *find_code(int code) {
  for (size_t i = 0; i < sizeof(kCodes) / sizeof(kCodes[0]); i++) {
    if (kCodes[i].code == code) {
      return &kCodes[i];
    }
  }
  return NULL;
}

const char *inspect__ossl_error_text(int code) {
  const ossl_code_t *c = find_code(code);
  return c != NULL ? c->text : "certificate verify failed";
}

const char *inspect__ossl_error_name(int code) {
  const ossl_code_t *c = find_code(code);
  return c != NULL ? c->name : "UNSPECIFIED";
}

static void add(inspect_ossl_result_t *out, int code, int depth, inspect_reason_t reason) {
  if (out->num < INSPECT_OSSL_MAX_ERRORS) {
    out->items[out->num].code = code;
    out->items[out->num].depth = depth;
    out->items[out->num].reason = reason;
    out->num++;
  }
}

// OpenSSL's check_ca (v3_purp.c): 0 when `cert` cannot be a CA (keyUsage
// without keyCertSign, CA:FALSE, or no basicConstraints and nothing else),
// 1 for CA:TRUE, 3 for a v1 self-signed root, 4 for a certificate without
// basicConstraints whose keyUsage allows keyCertSign.
static int check_ca(const inspect_cert_t *cert) {
  const inspect_cert_info_t *info = &cert->info;
  if (!inspect__ca_key_usage_ok(cert)) {
    return 0;
  }
  if (info->has_basic_constraints) {
    return info->is_ca ? 1 : 0;
  }
  if (info->version == 1 && inspect_cert_is_self_signed(cert)) {
    return 3;
  }
  return info->has_key_usage ? 4 : 0;
}

// ca_reason names why check_ca failed: the key usage or the CA itself.
static inspect_reason_t ca_reason(const inspect_cert_t *cert) {
  return inspect__ca_key_usage_ok(cert) ? INSPECT_REASON_INVALID_CA : INSPECT_REASON_KEY_USAGE;
}

// Purpose SSL server, as OpenSSL's check_purpose_ssl_server: EKU (if
// present) must allow serverAuth; a leaf's key usage (if present) must allow
// a TLS key exchange; a CA must pass check_ca (check_ssl_ca). The trust
// anchor is checked too: libssl verifies with trust X509_TRUST_SSL_SERVER and
// X509_TRUST_NO_SS_COMPAT, so a store without auxiliary trust decides nothing.
static inspect_reason_t purpose_problem(const inspect_cert_t *cert, int is_leaf) {
  const inspect_cert_info_t *info = &cert->info;
  if (info->has_eku && !(info->eku & INSPECT_EKU_SERVER_AUTH)) {
    return INSPECT_REASON_BAD_EKU;
  }
  if (is_leaf) {
    return inspect__leaf_key_usage(
        cert, INSPECT_KU_DIGITAL_SIGNATURE | INSPECT_KU_KEY_ENCIPHERMENT | INSPECT_KU_KEY_AGREEMENT);
  }
  return check_ca(cert) == 0 ? ca_reason(cert) : INSPECT_REASON_OK;
}

// check_extensions: x509_vfy.c's, from the leaf up. An intermediate must be a
// CA by its basicConstraints (79, "X509_V_FLAG_X509_STRICT is implicit for
// intermediate CAs"); the top only must not fail check_ca. pathLen is
// checked for every CA from depth 2, the trust anchor included (25).
static void check_extensions(const inspect_path_t *path, inspect_ossl_result_t *out) {
  for (size_t i = 0; i < path->len; i++) {
    const inspect_cert_t *cert = path->certs[i];
    if (cert->info.unhandled_critical != NULL) {
      add(out, 34, (int)i, INSPECT_REASON_UNHANDLED_CRITICAL_EXTENSION);
    }
    if (i > 0) {
      int ret = check_ca(cert);
      if (ret == 0 || (i + 1 < path->len && ret != 1)) {
        // OpenSSL's words say "invalid CA" even for a missing keyCertSign; the
        // key usage is named by 32, which Node reports last.
        add(out, 79, (int)i, INSPECT_REASON_INVALID_CA);
      }
    }
    inspect_reason_t purpose = purpose_problem(cert, i == 0);
    if (purpose != INSPECT_REASON_OK) {
      add(out, 26, (int)i, purpose);
    }
    if (inspect__path_len_exceeded_at(path, i)) {
      add(out, 25, (int)i, INSPECT_REASON_PATH_LENGTH);
    }
  }
}

static void check_name_constraints(const inspect_path_t *path, inspect_ossl_result_t *out) {
  for (int i = (int)path->len - 1; i >= 0; i--) {
    X509 *x = path->certs[i]->x509;
    for (size_t j = (size_t)i + 1; j < path->len; j++) {
      if (!path->certs[j]->info.has_name_constraints) {
        continue;
      }
      NAME_CONSTRAINTS *nc = X509_get_ext_d2i(path->certs[j]->x509, NID_name_constraints, NULL, NULL);
      if (nc == NULL) {
        continue;
      }
      int rv = NAME_CONSTRAINTS_check(x, nc);
      if (rv == X509_V_OK && i == 0) {
        rv = inspect__cn_name_constraint_error(path->certs[0], nc);  // the leaf's CN, as NAME_CONSTRAINTS_check_CN
      }
      NAME_CONSTRAINTS_free(nc);
      if (rv != X509_V_OK) {
        add(out, rv, i, INSPECT_REASON_NAME_CONSTRAINTS);
        break;
      }
    }
  }
  ERR_clear_error();
}

// openssl_path is the chain OpenSSL builds. OpenSSL 3 marks a certificate
// whose keyUsage names no bit (X509V3_R_EMPTY_KEY_USAGE) or that has an
// extension twice invalid, and never
// takes it as an issuer, nor one that its subordinate's authorityKeyIdentifier
// does not name (ossl_x509_likely_issued), so its chain stops below such a
// CA (20, "unable to get local issuer certificate").
static const inspect_path_t *openssl_path(inspect_ctx_t *ctx, inspect_path_t *cut) {
  const inspect_path_t *path = inspect__path(ctx, 0);
  for (size_t k = 1; k < path->len; k++) {
    const inspect_cert_info_t *info = &path->certs[k]->info;
    if ((info->has_key_usage && info->key_usage == 0) || path->certs[k]->duplicate_extension ||
        !inspect__akid_matches(path->certs[k - 1], path->certs[k])) {
      *cut = *path;
      cut->len = k;
      cut->end = PATH_END_ISSUER_MISSING;
      cut->stale_issuer = 0;
      return cut;
    }
  }
  return path;
}

void inspect__ossl_verify(inspect_ctx_t *ctx, const inspect_ossl_opts_t *opts, inspect_ossl_result_t *out) {
  memset(out, 0, sizeof(*out));
  const inspect_path_t *path = openssl_path(ctx, &out->cut);
  out->path = path;
  if (path->len == 0) {
    return;
  }
  const inspect_cert_t *leaf = path->certs[0];
  if (inspect__key_security_bits(leaf) < opts->security_bits) {
    add(out, 66, 0, INSPECT_REASON_WEAK_KEY);
  }
  int top = (int)path->len - 1;
  switch (path->end) {
    case PATH_END_SELF_SIGNED: add(out, 18, 0, INSPECT_REASON_SELF_SIGNED); break;
    case PATH_END_UNTRUSTED_ROOT: add(out, 19, top, INSPECT_REASON_UNTRUSTED_ROOT); break;
    case PATH_END_ISSUER_MISSING:
      // OpenSSL picks a same-named issuer without checking its signature and
      // fails later on it (7); otherwise it reports the missing issuer (20).
      add(out, path->stale_issuer ? 7 : 20, top, inspect__path_failure_reason(ctx, path));
      break;
    case PATH_END_TOO_LONG: add(out, 22, top, INSPECT_REASON_UNTRUSTED_ROOT); break;
    case PATH_END_ANCHORED:
    case PATH_END_EMPTY: break;
  }
  check_extensions(path, out);
  for (size_t i = 0; i < path->len; i++) {
    if (i > 0 && inspect__key_security_bits(path->certs[i]) < opts->security_bits) {
      add(out, 67, (int)i, INSPECT_REASON_WEAK_KEY);
    }
    if ((int)i < top && inspect__sig_security_bits(path->certs[i]) < opts->security_bits) {
      add(out, 68, (int)i, INSPECT_REASON_WEAK_SIGNATURE);
    }
  }
  if (opts->check_host && ctx->in->name != NULL) {
    static const inspect_name_rules_t kRules = {
        NAME_CN_IF_NO_DNS, NAME_WILDCARD_PARTIAL | NAME_WILDCARD_ONE_SIDE | NAME_WILDCARD_WHOLE_ALABEL};
    if (inspect__name_check(leaf, ctx->in->name, ctx->name_is_ip, &kRules) != NAME_MATCH) {
      add(out, ctx->name_is_ip ? 64 : 62, 0, INSPECT_REASON_HOSTNAME_MISMATCH);
    }
  }
  if (path->end == PATH_END_ISSUER_MISSING && path->len == 1 && !path->stale_issuer) {
    add(out, 21, 0, inspect__path_failure_reason(ctx, path));
  }
  // internal_verify, from the top down: the issuer's keyCertSign (32, at the
  // issuer's depth, for a CA:TRUE issuer), then each certificate's validity.
  for (int i = top; i >= 0; i--) {
    const inspect_cert_info_t *info = &path->certs[i]->info;
    if (i < top && path->certs[i + 1]->info.is_ca && !inspect__ca_key_usage_ok(path->certs[i + 1])) {
      add(out, 32, i + 1, INSPECT_REASON_KEY_USAGE);
    }
    // check_cert_time tests both ends: a certificate whose notBefore is after
    // its notAfter can be not yet valid and expired at once (Node: 10, last).
    if (ctx->in->now < info->not_before) {
      add(out, 9, i, INSPECT_REASON_NOT_YET_VALID);
    }
    if (ctx->in->now > info->not_after) {
      add(out, 10, i, INSPECT_REASON_EXPIRED);
    }
  }
  check_name_constraints(path, out);
}
