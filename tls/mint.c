// Certificate minting for the lab PKI and the proxy's mirrored chains.

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/bytestring.h>
#include <openssl/digest.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "tls/tls.h"

static int set_random_serial(X509 *x509) {
  // 16 random bytes, top bit clear so the INTEGER stays positive (RFC 5280: 20 octets max).
  BIGNUM *bn = BN_new();
  int ok = bn != NULL && BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
  ASN1_INTEGER *serial = ok ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
  ok = serial != NULL && X509_set_serialNumber(x509, serial);
  ASN1_INTEGER_free(serial);
  BN_free(bn);
  return ok;
}

static int set_time(X509 *x509, int64_t t, int not_after) {
  ASN1_TIME *tm = ASN1_TIME_set(NULL, (time_t)t);
  int ok = tm != NULL && (not_after ? X509_set1_notAfter(x509, tm) : X509_set1_notBefore(x509, tm));
  ASN1_TIME_free(tm);
  return ok;
}

static int add_ext(X509 *x509, X509V3_CTX *ctx, int nid, const char *value) {
  X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
  int ok = ext != NULL && X509_add_ext(x509, ext, -1);
  X509_EXTENSION_free(ext);
  return ok;
}

// add_critical_oid adds a critical extension of a private OID, holding an
// ASN.1 NULL: one that no verifier processes.
static int add_critical_oid(X509 *x509, const char *oid) {
  static const uint8_t kNull[] = {0x05, 0x00};
  ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
  ASN1_OCTET_STRING *data = ASN1_OCTET_STRING_new();
  X509_EXTENSION *ext = NULL;
  int ok = obj != NULL && data != NULL && ASN1_OCTET_STRING_set(data, kNull, sizeof(kNull)) &&
           (ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 1, data)) != NULL && X509_add_ext(x509, ext, -1);
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(data);
  ASN1_OBJECT_free(obj);
  return ok;
}

// subject_alt_names renders the SAN config string ("DNS:a,IP:127.0.0.1").
static int subject_alt_names(const tls_cert_spec_t *spec, inspect_buf_t *out) {
  for (size_t i = 0; i < spec->num_dns_names; i++) {
    const char *name = spec->dns_names[i];
    if (name[0] == '\0' || strpbrk(name, ", \t\r\n") != NULL) {
      return 0;
    }
    inspect_buf_printf(out, "%sDNS:%s", out->len ? "," : "", name);
  }
  for (size_t i = 0; i < spec->num_ip_addrs; i++) {
    const char *ip = spec->ip_addrs[i];
    if (ip[0] == '\0' || strpbrk(ip, ", \t\r\n") != NULL) {
      return 0;
    }
    inspect_buf_printf(out, "%sIP:%s", out->len ? "," : "", ip);
  }
  return !out->failed;
}

// key_usage_value renders tls_key_usage_t bits as a critical KeyUsage config string.
static void key_usage_value(unsigned bits, char *out, size_t len) {
  static const struct {
    unsigned bit;
    const char *name;
  } kNames[] = {{TLS_KU_DIGITAL_SIGNATURE, "digitalSignature"},
                {TLS_KU_KEY_ENCIPHERMENT, "keyEncipherment"},
                {TLS_KU_KEY_AGREEMENT, "keyAgreement"},
                {TLS_KU_KEY_CERT_SIGN, "keyCertSign"},
                {TLS_KU_CRL_SIGN, "cRLSign"}};
  size_t used = (size_t)snprintf(out, len, "critical");
  for (size_t i = 0; i < sizeof(kNames) / sizeof(kNames[0]) && used < len; i++) {
    if (bits & kNames[i].bit) {
      used += (size_t)snprintf(out + used, len - used, ",%s", kNames[i].name);
    }
  }
}

// add_constraints adds basicConstraints and keyUsage as `spec` asks: by
// default a CA gets CA:TRUE and keyCertSign, a leaf CA:FALSE and the usage
// its key type needs in TLS.
static int add_constraints(X509 *x509, X509V3_CTX *ctx, const tls_cert_spec_t *spec, EVP_PKEY *key) {
  char value[128];
  if (spec->basic_constraints == TLS_BC_CA_FALSE || (!spec->is_ca && spec->basic_constraints == TLS_BC_DEFAULT)) {
    snprintf(value, sizeof(value), "CA:FALSE");
  } else if (spec->path_len >= 0) {
    snprintf(value, sizeof(value), "critical,CA:TRUE,pathlen:%d", spec->path_len);
  } else {
    snprintf(value, sizeof(value), "critical,CA:TRUE");
  }
  if (spec->basic_constraints != TLS_BC_ABSENT && !add_ext(x509, ctx, NID_basic_constraints, value)) {
    return 0;
  }
  if (spec->key_usage != 0) {
    key_usage_value(spec->key_usage, value, sizeof(value));
  } else {
    snprintf(value, sizeof(value), "%s",
             spec->is_ca                        ? "critical,keyCertSign,cRLSign,digitalSignature"
             : EVP_PKEY_id(key) == EVP_PKEY_RSA ? "critical,digitalSignature,keyEncipherment"
                                                : "critical,digitalSignature");
  }
  return add_ext(x509, ctx, NID_key_usage, value);
}

// add_policy adds certificatePolicies holding one policy without qualifiers,
// encoded here since BoringSSL's config parser needs a config database for it.
static int add_policy(X509 *x509, const char *oid) {
  CBB cbb, policies, info;
  uint8_t *der = NULL;
  size_t der_len = 0;
  ASN1_OCTET_STRING *data = ASN1_OCTET_STRING_new();
  X509_EXTENSION *ext = NULL;
  CBB_zero(&cbb);
  int ok = data != NULL && CBB_init(&cbb, 32) && CBB_add_asn1(&cbb, &policies, CBS_ASN1_SEQUENCE) &&
           CBB_add_asn1(&policies, &info, CBS_ASN1_SEQUENCE) && CBB_add_asn1_oid_from_text(&info, oid, strlen(oid)) &&
           CBB_finish(&cbb, &der, &der_len) && ASN1_OCTET_STRING_set(data, der, (int)der_len) &&
           (ext = X509_EXTENSION_create_by_NID(NULL, NID_certificate_policies, 0, data)) != NULL &&
           X509_add_ext(x509, ext, -1);
  CBB_cleanup(&cbb);
  OPENSSL_free(der);
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(data);
  return ok;
}

// add_policies adds certificatePolicies and policyConstraints.
static int add_policies(X509 *x509, X509V3_CTX *ctx, const tls_cert_spec_t *spec) {
  if (spec->policy_oid != NULL && !add_policy(x509, spec->policy_oid)) {
    return 0;
  }
  return !spec->require_explicit_policy ||
         add_ext(x509, ctx, NID_policy_constraints, "critical,requireExplicitPolicy:0");
}

static int add_extensions(X509 *x509, X509 *issuer, const tls_cert_spec_t *spec, EVP_PKEY *key) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x509, x509, NULL, NULL, 0);
  char value[128];
  if (!add_constraints(x509, &ctx, spec, key) || !add_policies(x509, &ctx, spec)) {
    return 0;
  }
  if (spec->eku != 0) {
    const char *eku = (spec->eku & TLS_EKU_SERVER) && (spec->eku & TLS_EKU_CLIENT) ? "serverAuth,clientAuth"
                      : (spec->eku & TLS_EKU_SERVER)                               ? "serverAuth"
                                                                                   : "clientAuth";
    if (!add_ext(x509, &ctx, NID_ext_key_usage, eku)) {
      return 0;
    }
  }
  if (spec->num_dns_names + spec->num_ip_addrs > 0) {
    inspect_buf_t san;
    inspect_buf_init(&san, 1 << 16);
    int ok = subject_alt_names(spec, &san) && add_ext(x509, &ctx, NID_subject_alt_name, san.data);
    inspect_buf_cleanup(&san);
    if (!ok) {
      return 0;
    }
  }
  if (spec->permitted_dns != NULL) {
    snprintf(value, sizeof(value), "critical,permitted;DNS:%s", spec->permitted_dns);
    if (!add_ext(x509, &ctx, NID_name_constraints, value)) {
      return 0;
    }
  }
  if (spec->critical_oid != NULL && !add_critical_oid(x509, spec->critical_oid)) {
    return 0;
  }
  if (spec->aia_ca_issuers != NULL) {
    // The URI goes into a config string: refuse separators that would end it.
    if (spec->aia_ca_issuers[0] == '\0' || strpbrk(spec->aia_ca_issuers, ", \t\r\n") != NULL) {
      return 0;
    }
    inspect_buf_t aia;
    inspect_buf_init(&aia, 1 << 12);
    inspect_buf_printf(&aia, "caIssuers;URI:%s", spec->aia_ca_issuers);
    int ok = !aia.failed && add_ext(x509, &ctx, NID_info_access, aia.data);
    inspect_buf_cleanup(&aia);
    if (!ok) {
      return 0;
    }
  }
  if (!add_ext(x509, &ctx, NID_subject_key_identifier, "hash")) {
    return 0;
  }
  // Self-signed roots carry no AKI, as most public roots do.
  if (issuer != NULL && !add_ext(x509, &ctx, NID_authority_key_identifier, "keyid:always")) {
    return 0;
  }
  return 1;
}

static int set_subject(X509 *x509, const tls_cert_spec_t *spec) {
  X509_NAME *name = X509_get_subject_name(x509);
  if (spec->organization != NULL &&
      !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const uint8_t *)spec->organization, -1, -1, 0)) {
    return 0;
  }
  if (spec->common_name != NULL &&
      !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const uint8_t *)spec->common_name, -1, -1, 0)) {
    return 0;
  }
  return 1;
}

int tls_cert_mint(const tls_cert_spec_t *spec, EVP_PKEY *key, const CRYPTO_BUFFER *issuer, EVP_PKEY *issuer_key,
                  CRYPTO_BUFFER **out) {
  *out = NULL;
  X509 *issuer_x509 = NULL;
  if (issuer != NULL) {
    const uint8_t *p = CRYPTO_BUFFER_data(issuer);
    issuer_x509 = d2i_X509(NULL, &p, (long)CRYPTO_BUFFER_len(issuer));
    if (issuer_x509 == NULL || issuer_key == NULL) {
      X509_free(issuer_x509);
      return TLS_EMINT;
    }
  }
  X509 *x509 = X509_new();
  int ok = x509 != NULL && X509_set_version(x509, spec->version1 ? X509_VERSION_1 : X509_VERSION_3) &&
           set_random_serial(x509) && set_subject(x509, spec) &&
           X509_set_issuer_name(
               x509, issuer_x509 != NULL ? X509_get_subject_name(issuer_x509) : X509_get_subject_name(x509)) &&
           set_time(x509, spec->not_before, 0) && set_time(x509, spec->not_after, 1) && X509_set_pubkey(x509, key) &&
           (spec->version1 || add_extensions(x509, issuer_x509, spec, key)) &&
           X509_sign(x509, issuer_x509 != NULL ? issuer_key : key, spec->md != NULL ? spec->md : EVP_sha256());
  int err = TLS_EMINT;
  if (ok) {
    uint8_t *der = NULL;
    int der_len = i2d_X509(x509, &der);
    if (der_len > 0) {
      *out = CRYPTO_BUFFER_new(der, (size_t)der_len, NULL);
      err = *out != NULL ? TLS_OK : TLS_ENOMEM;
    }
    OPENSSL_free(der);
  }
  X509_free(x509);
  X509_free(issuer_x509);
  ERR_clear_error();
  return err;
}
