// JDK 17's certificate checks, emulated: PKIXValidator picks the
// CertPathValidator when the chain is sent in order and ends at (or under) a
// trust anchor, and the CertPathBuilder otherwise; then EndEntityChecker
// (key usage for TLS servers), then the endpoint identity check. Shared by
// the java profile and API Gateway's integration client.

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "inspect/inspect_internal.h"

static const char kBuildFailed[] =
    "PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: "
    "unable to find valid certification path to requested target";
static const char kValidationFailed[] = "PKIX path validation failed: java.security.cert.CertPathValidatorException: ";

static int same_name(const inspect_cert_t *subject_of, const inspect_cert_t *issuer_of) {
  return memcmp(subject_of->subject_hash, issuer_of->issuer_hash, 32) == 0;
}

// java_sig_name renders a signature algorithm as the JDK names it.
static const char *java_sig_name(const inspect_cert_t *cert) {
  int ec = cert->info.key_type == INSPECT_KEY_EC;
  switch (cert->info.sig_hash) {
    case INSPECT_HASH_MD5: return "MD5withRSA";
    case INSPECT_HASH_SHA1: return ec ? "SHA1withECDSA" : "SHA1withRSA";
    default: return cert->info.sig_alg;
  }
}

// check_ca runs KeyChecker's and ConstraintsChecker's checks of the CA at
// `i` (0 < i < len, the anchor excluded): keyCertSign, then basic
// constraints (a v1/v2 CA passes only when self-issued right under the
// anchor), then the pathLenConstraint of every CA above it.
static const char *check_ca(const inspect_path_t *path, size_t i, size_t len, inspect_reason_t *reason) {
  const inspect_cert_info_t *info = &path->certs[i]->info;
  if (!inspect__ca_key_usage_ok(path->certs[i])) {
    *reason = INSPECT_REASON_KEY_USAGE;
    return "CA key usage check failed: keyCertSign bit is not set";
  }
  int v1_rollover = info->version < 3 && i == len - 1 && info->self_issued;
  if (!(info->version == 3 ? info->is_ca : v1_rollover)) {
    *reason = INSPECT_REASON_INVALID_CA;
    return "basic constraints check failed: this is not a CA certificate";
  }
  if (info->self_issued) {
    return NULL;
  }
  int below = 0;  // non-self-issued CAs from this one up to the one constraining it
  for (size_t j = i + 1; j < len; j++) {
    below += !path->certs[j - 1]->info.self_issued;
    int limit = path->certs[j]->info.path_len;
    if (limit >= 0 && below > limit) {
      *reason = INSPECT_REASON_PATH_LENGTH;
      return "basic constraints check failed: pathLenConstraint violated - this cert must be the last cert in the "
             "certification path";
    }
  }
  return NULL;
}

// verify_anchor is PKIXValidator.verifyTrustAnchor, run once a path was
// validated or built: a v3 anchor must be a CA, with keyCertSign if it has a
// keyUsage. It returns NULL when the anchor passes.
static const char *verify_anchor(inspect_ctx_t *ctx, const inspect_path_t *path, inspect_reason_t *reason) {
  if (path->len < 2 || inspect__path_checked_len(ctx, path) != path->len - 1) {
    return NULL;
  }
  const inspect_cert_t *anchor = path->certs[path->len - 1];
  const inspect_cert_info_t *info = &anchor->info;
  if (info->version < 3) {
    return NULL;
  }
  const char *what = NULL;
  if (!info->is_ca) {
    *reason = INSPECT_REASON_INVALID_CA;
    what = "is not a CA certificate";
  } else if (!inspect__ca_key_usage_ok(anchor)) {
    *reason = INSPECT_REASON_KEY_USAGE;
    what = "does not have keyCertSign bit set in KeyUsage extension";
  }
  return what == NULL ? NULL
                      : inspect__arena_printf(ctx->arena,
                                              "sun.security.validator.ValidatorException: TrustAnchor with subject "
                                              "\"%s\" %s",
                                              inspect__java_dn(ctx, info->subject), what);
}

// check_cert runs the CertPathValidator's checkers on the certificate at
// `i` of `path` (the leaf is 0). It returns NULL when every check passes.
static const char *check_cert(inspect_ctx_t *ctx, const inspect_path_t *path, size_t i, size_t len, int sha1_restricted,
                              const char *policy, inspect_reason_t *reason) {
  const inspect_cert_t *cert = path->certs[i];
  const inspect_cert_info_t *info = &cert->info;
  // AlgorithmChecker first: a keyUsage that names none of the bits
  // digitalSignature..cRLSign allows the key no primitive.
  if (info->has_key_usage && (info->key_usage & 0xfeu) == 0) {
    *reason = INSPECT_REASON_KEY_USAGE;
    return "incorrect KeyUsage extension bits";
  }
  // The issuer signed with this certificate's signature algorithm; the
  // "jdkCA" SHA-1 rule applies only to chains anchored in the JDK's cacerts.
  if (info->sig_hash == INSPECT_HASH_MD5 || (info->sig_hash == INSPECT_HASH_SHA1 && sha1_restricted)) {
    *reason = INSPECT_REASON_WEAK_SIGNATURE;
    return inspect__arena_printf(ctx->arena, "Algorithm constraints check failed on signature algorithm: %s",
                                 java_sig_name(cert));
  }
  if ((info->key_type == INSPECT_KEY_RSA || info->key_type == INSPECT_KEY_DSA) && info->key_bits < 1024) {
    *reason = INSPECT_REASON_WEAK_KEY;
    return inspect__arena_printf(ctx->arena,
                                 "Algorithm constraints check failed on keysize limits: %s %d bit key used with "
                                 "certificate: %s",
                                 info->key_type == INSPECT_KEY_RSA ? "RSA" : "DSA", info->key_bits, info->subject);
  }
  if (i > 0) {
    const char *ca = check_ca(path, i, len, reason);
    if (ca != NULL) {
      return ca;
    }
  }
  // Name constraints of the CAs above, not of the anchor: PKIXValidator makes
  // TrustAnchors without name constraints.
  for (size_t j = i + 1; j < len; j++) {
    if (!path->certs[j]->info.has_name_constraints) {
      continue;
    }
    NAME_CONSTRAINTS *nc = X509_get_ext_d2i(path->certs[j]->x509, NID_name_constraints, NULL, NULL);
    int rv = nc != NULL ? NAME_CONSTRAINTS_check(cert->x509, nc) : X509_V_OK;
    if (rv == X509_V_OK && i == 0) {
      rv = inspect__cn_name_constraint_error(cert, nc);  // a CN-only leaf's CN as a DNSName
    }
    NAME_CONSTRAINTS_free(nc);
    ERR_clear_error();
    if (rv != X509_V_OK) {
      *reason = INSPECT_REASON_NAME_CONSTRAINTS;
      return "name constraints check failed";
    }
  }
  if (policy != NULL) {  // PolicyChecker, before BasicChecker
    *reason = INSPECT_REASON_POLICY;
    return policy;
  }
  if (ctx->in->now < info->not_before || ctx->in->now > info->not_after) {
    *reason = ctx->in->now < info->not_before ? INSPECT_REASON_NOT_YET_VALID : INSPECT_REASON_EXPIRED;
    return "validity check failed";
  }
  // PKIXMasterCertPathValidator, once every checker has seen the certificate.
  if (info->unhandled_critical != NULL) {
    *reason = INSPECT_REASON_UNHANDLED_CRITICAL_EXTENSION;
    return "unrecognized critical extension(s)";
  }
  return NULL;
}

// validate_path runs check_cert from the anchor side down to the leaf, as
// PKIXCertPathValidator does, and returns the first failure.
static const char *validate_path(inspect_ctx_t *ctx, const inspect_path_t *path, size_t len, int sha1_restricted,
                                 inspect_reason_t *reason) {
  size_t policy_at = 0;
  const char *policy = inspect__path_policy_error(ctx, path, 0, &policy_at);
  for (size_t k = len; k-- > 0;) {
    const char *msg =
        check_cert(ctx, path, k, len, sha1_restricted, policy != NULL && k == policy_at ? policy : NULL, reason);
    if (msg != NULL) {
      return msg;
    }
  }
  return NULL;
}

// uses_validator mirrors PKIXValidator.engineValidate: an ordered chain that
// contains an anchor, or whose last certificate an anchor signed.
static int uses_validator(inspect_ctx_t *ctx) {
  const inspect_chain_t *chain = ctx->in->chain;
  size_t n = inspect_chain_num(chain);
  for (size_t i = 0; i < n; i++) {
    const inspect_cert_t *c = inspect_chain_get0(chain, i);
    if (i > 0 && !same_name(c, inspect_chain_get0(chain, i - 1))) {
      return 0;
    }
    if (inspect__trust_is_anchor(ctx->in->trust, c)) {
      return 1;
    }
  }
  return n > 0 && inspect__trust_find_issuer(ctx, ctx->in->trust, inspect_chain_get0(chain, n - 1)) != NULL;
}

const char *inspect__jdk_verify(inspect_ctx_t *ctx, inspect_reason_t *reason) {
  const inspect_path_t *path = inspect__path(ctx, 0);
  int sha1_restricted = inspect_trust_is_system(ctx->in->trust);
  const char *msg;
  if (path->len == 1 && path->end == PATH_END_ANCHORED && path->certs[0]->info.sig_hash != INSPECT_HASH_MD5) {
    // PKIXValidator.engineValidate returns a trusted leaf as it is: nothing
    // of it is checked (validity, key usage, EKU, critical extensions). An
    // MD5 signature still fails the handshake (jdk.tls.disabledAlgorithms).
    *reason = INSPECT_REASON_OK;
    return NULL;
  }
  size_t checked = inspect__path_checked_len(ctx, path);
  if (uses_validator(ctx)) {
    // The path we built is the chain as sent up to its anchor, which itself
    // is not validated. The validator tries only the anchors that the top
    // certificate's authorityKeyIdentifier names (key id, serial).
    if (checked < path->len && !inspect__akid_matches(path->certs[checked - 1], path->certs[checked])) {
      *reason = INSPECT_REASON_UNTRUSTED_ROOT;
      return inspect__arena_printf(ctx->arena, "%sPath does not chain with any of the trust anchors",
                                   kValidationFailed);
    }
    msg = validate_path(ctx, path, checked, sha1_restricted, reason);
    if (msg != NULL) {
      return inspect__arena_printf(ctx->arena, "%s%s", kValidationFailed, msg);
    }
    if ((msg = verify_anchor(ctx, path, reason)) != NULL) {
      return inspect__arena_printf(ctx->arena, "PKIX path validation failed: %s", msg);
    }
  } else {
    if (path->end != PATH_END_ANCHORED) {
      *reason = inspect__path_failure_reason(ctx, path);
      return kBuildFailed;
    }
    // The builder ends only at an anchor the top certificate's
    // authorityKeyIdentifier names (below it, the AKI is a mere hint: a
    // leaf's wrong AKI passes), and refuses an anchor out of its validity.
    size_t top = path->len - 1;
    if (checked == top && !inspect__akid_matches(path->certs[top - 1], path->certs[top])) {
      *reason = INSPECT_REASON_UNTRUSTED_ROOT;
      return kBuildFailed;
    }
    if ((*reason = inspect__anchor_time_problem(ctx, path)) != INSPECT_REASON_OK) {
      return kBuildFailed;
    }
    // The builder validates what it finds; a failure leaves it without a path.
    if (validate_path(ctx, path, inspect__path_checked_len(ctx, path), sha1_restricted, reason) != NULL) {
      return kBuildFailed;
    }
    if ((msg = verify_anchor(ctx, path, reason)) != NULL) {
      return inspect__arena_printf(ctx->arena, "PKIX path building failed: %s", msg);
    }
  }
  // EndEntityChecker for a TLS server: the key usage a TLS 1.3 or ECDHE
  // server key needs (authType UNKNOWN or ECDHE_*: digitalSignature), then
  // the extended key usage. Validator.validate skips it when the leaf is
  // itself the trust anchor (a chain of one).
  if (inspect__leaf_key_usage(path->certs[0], INSPECT_KU_DIGITAL_SIGNATURE) != INSPECT_REASON_OK) {
    *reason = INSPECT_REASON_KEY_USAGE;
    return "KeyUsage does not allow digital signatures";
  }
  const inspect_cert_info_t *leaf = &path->certs[0]->info;
  if (leaf->has_eku && !(leaf->eku & (INSPECT_EKU_SERVER_AUTH | INSPECT_EKU_ANY))) {
    *reason = INSPECT_REASON_BAD_EKU;
    return "Extended key usage does not permit use for TLS server authentication";
  }
  *reason = INSPECT_REASON_OK;
  return NULL;
}

const char *inspect__jdk_hostname(inspect_ctx_t *ctx) {
  const inspect_cert_t *leaf = inspect__leaf(ctx);
  const char *name = ctx->in->name;
  if (leaf == NULL || name == NULL) {
    return NULL;
  }
  // HostnameChecker compares U-labels, and checks a wildcard against the
  // public suffix list only for chains that end at a cacerts root.
  inspect_name_rules_t rules = {NAME_CN_IF_NO_DNS, NAME_WILDCARD_PARTIAL | NAME_WILDCARD_WHOLE_ALABEL};
  if (!inspect_trust_is_system(ctx->in->trust)) {
    rules.wildcards |= NAME_WILDCARD_ANY_DOMAIN;
  }
  if (inspect__name_check(leaf, name, ctx->name_is_ip, &rules) == NAME_MATCH) {
    return NULL;
  }
  if (ctx->name_is_ip) {
    return leaf->info.num_ip_addrs == 0 && leaf->info.num_dns_names == 0
               ? "No subject alternative names present"
               : inspect__arena_printf(ctx->arena, "No subject alternative names matching IP address %s found", name);
  }
  if (leaf->info.num_dns_names > 0) {
    return inspect__arena_printf(ctx->arena, "No subject alternative DNS name matching %s found.", name);
  }
  return inspect__arena_printf(ctx->arena, "No name matching %s found", name);
}

const char *inspect__java_dn(inspect_ctx_t *ctx, const char *rfc2253) {
  inspect_buf_t buf;
  inspect_buf_init(&buf, 1 << 16);
  for (const char *p = rfc2253; *p != '\0'; p++) {
    if (*p == '\\' && p[1] != '\0') {
      inspect_buf_append(&buf, p, 2);
      p++;
    } else if (*p == ',') {
      inspect_buf_puts(&buf, ", ");
    } else {
      inspect_buf_append(&buf, p, 1);
    }
  }
  const char *out = inspect__arena_strdup(ctx->arena, buf.data != NULL ? buf.data : "");
  inspect_buf_cleanup(&buf);
  return out;
}
