// Parsing a DER certificate into the facts every check needs.

#include <arpa/inet.h>
#include <ctype.h>
#include <openssl/bn.h>
#include <openssl/bytestring.h>
#include <openssl/digest.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>
#include <openssl/err.h>
#include <openssl/mem.h>
#include <openssl/nid.h>
#include <openssl/obj.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect_internal.h"

static void hex(const uint8_t *in, size_t len, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * len] = '\0';
}

// utf8_of returns an ASN.1 string as NUL-terminated UTF-8, with embedded NULs
// replaced so a crafted name can never match a shorter one.
static char *utf8_of(const ASN1_STRING *str) {
  unsigned char *utf8 = NULL;
  int len = ASN1_STRING_to_UTF8(&utf8, str);
  if (len < 0) {
    ERR_clear_error();
    return strdup("?");
  }
  char *out = malloc((size_t)len + 1);
  if (out != NULL) {
    for (int i = 0; i < len; i++) {
      out[i] = utf8[i] == '\0' ? '?' : (char)utf8[i];
    }
    out[len] = '\0';
  }
  OPENSSL_free(utf8);
  return out;
}

// format_dn renders a name as RFC 2253 (last RDN first, "," between RDNs,
// "+" inside a multi-valued RDN, special characters escaped).
static char *format_dn(const X509_NAME *name) {
  inspect_buf_t buf;
  inspect_buf_init(&buf, 1 << 16);
  int n = X509_NAME_entry_count(name);
  for (int i = n - 1; i >= 0; i--) {
    const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
    if (i < n - 1) {
      const X509_NAME_ENTRY *prev = X509_NAME_get_entry(name, i + 1);
      inspect_buf_puts(&buf, X509_NAME_ENTRY_set(e) == X509_NAME_ENTRY_set(prev) ? "+" : ",");
    }
    ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
    int nid = OBJ_obj2nid(obj);
    const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
    if (sn != NULL) {
      inspect_buf_puts(&buf, sn);
    } else {
      char oid[128];
      OBJ_obj2txt(oid, sizeof(oid), obj, 1);
      inspect_buf_puts(&buf, oid);
    }
    inspect_buf_puts(&buf, "=");
    char *value = utf8_of(X509_NAME_ENTRY_get_data(e));
    size_t len = value != NULL ? strlen(value) : 0;
    for (size_t k = 0; k < len; k++) {
      char c = value[k];
      if (strchr(",+\"\\<>;", c) != NULL || (k == 0 && (c == '#' || c == ' ')) || (k == len - 1 && c == ' ')) {
        inspect_buf_append(&buf, "\\", 1);
      }
      inspect_buf_append(&buf, &c, 1);
    }
    free(value);
  }
  if (buf.data == NULL) {
    inspect_buf_puts(&buf, "");
  }
  return buf.data;  // the buffer's storage becomes the string
}

// is_canon_type: the string types RFC 5280 7.1 (and OpenSSL's
// x509_name_canon) compare after case folding and whitespace folding.
static int is_canon_type(int type) {
  switch (type) {
    case V_ASN1_UTF8STRING:
    case V_ASN1_BMPSTRING:
    case V_ASN1_UNIVERSALSTRING:
    case V_ASN1_PRINTABLESTRING:
    case V_ASN1_T61STRING:
    case V_ASN1_IA5STRING:
    case V_ASN1_VISIBLESTRING: return 1;
  }
  return 0;
}

// hash_canon_value hashes a string value as UTF-8 without leading or trailing
// whitespace, each internal run of whitespace one space, ASCII lowercased.
static void hash_canon_value(SHA256_CTX *sha, const uint8_t *utf8, size_t len) {
  size_t start = 0, end = len;
  while (start < end && isspace(utf8[start])) {
    start++;
  }
  while (end > start && isspace(utf8[end - 1])) {
    end--;
  }
  for (size_t i = start; i < end; i++) {
    uint8_t c = utf8[i];
    if (isspace(c)) {
      while (i + 1 < end && isspace(utf8[i + 1])) {
        i++;
      }
      c = ' ';
    } else if (c < 0x80) {
      c = (uint8_t)tolower(c);
    }
    SHA256_Update(sha, &c, 1);
  }
}

// hash_name hashes a name's canonical form (RFC 5280 7.1: attribute values of
// string types compare case- and whitespace-insensitively, whatever their
// string type), so an issuer name that differs from its CA's subject only so
// still names it, as OpenSSL, Java and Chromium's path builder find (not
// Chromium's NSS trust store: see inspect__path_store_issuer_inexact).
static void hash_name(const X509_NAME *name, uint8_t out[32]) {
  SHA256_CTX sha;
  SHA256_Init(&sha);
  for (int i = 0; i < X509_NAME_entry_count(name); i++) {
    const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
    char oid[80];
    OBJ_obj2txt(oid, sizeof(oid), X509_NAME_ENTRY_get_object(e), 1);
    uint8_t set = (uint8_t)X509_NAME_ENTRY_set(e);  // which RDN the attribute belongs to
    SHA256_Update(&sha, &set, 1);
    SHA256_Update(&sha, oid, strlen(oid) + 1);
    const ASN1_STRING *v = X509_NAME_ENTRY_get_data(e);
    unsigned char *utf8 = NULL;
    int n = is_canon_type(ASN1_STRING_type(v)) ? ASN1_STRING_to_UTF8(&utf8, v) : -1;
    if (n >= 0) {
      SHA256_Update(&sha, "u", 1);
      hash_canon_value(&sha, utf8, (size_t)n);
      OPENSSL_free(utf8);
    } else {
      int raw = ASN1_STRING_length(v);
      uint8_t tl[5] = {(uint8_t)ASN1_STRING_type(v), (uint8_t)(raw >> 24), (uint8_t)(raw >> 16), (uint8_t)(raw >> 8),
                       (uint8_t)raw};
      SHA256_Update(&sha, tl, sizeof(tl));
      SHA256_Update(&sha, ASN1_STRING_get0_data(v), (size_t)raw);
    }
    SHA256_Update(&sha, "", 1);  // ends the value
  }
  ERR_clear_error();
  SHA256_Final(out, &sha);
}

static int parse_time(const ASN1_TIME *t, int64_t *out) {
  if (t == NULL) {
    return 0;
  }
  const char *data = (const char *)ASN1_STRING_get0_data(t);
  size_t len = (size_t)ASN1_STRING_length(t);
  int type = ASN1_STRING_type(t);
  return inspect_time_from_asn1(data, len, type == V_ASN1_GENERALIZEDTIME, out);
}

static inspect_hash_t hash_of_nid(int nid) {
  switch (nid) {
    case NID_md5: return INSPECT_HASH_MD5;
    case NID_sha1: return INSPECT_HASH_SHA1;
    case NID_sha224: return INSPECT_HASH_SHA224;
    case NID_sha256: return INSPECT_HASH_SHA256;
    case NID_sha384: return INSPECT_HASH_SHA384;
    case NID_sha512: return INSPECT_HASH_SHA512;
  }
  return INSPECT_HASH_UNKNOWN;
}

// pss_hash reads the digest of an RSASSA-PSS signature's parameters.
static inspect_hash_t pss_hash(const X509 *x509) {
  const X509_ALGOR *alg = NULL;
  X509_get0_signature(NULL, &alg, x509);
  int ptype;
  const void *pval;
  X509_ALGOR_get0(NULL, &ptype, &pval, alg);
  if (ptype != V_ASN1_SEQUENCE || pval == NULL) {
    return INSPECT_HASH_SHA1;  // absent parameters default to SHA-1 (RFC 4055)
  }
  const ASN1_STRING *params = pval;
  CBS cbs, seq, field, hash_alg, oid;
  CBS_init(&cbs, ASN1_STRING_get0_data(params), (size_t)ASN1_STRING_length(params));
  if (!CBS_get_asn1(&cbs, &seq, CBS_ASN1_SEQUENCE)) {
    return INSPECT_HASH_UNKNOWN;
  }
  if (!CBS_peek_asn1_tag(&seq, CBS_ASN1_CONTEXT_SPECIFIC | CBS_ASN1_CONSTRUCTED | 0)) {
    return INSPECT_HASH_SHA1;
  }
  if (!CBS_get_asn1(&seq, &field, CBS_ASN1_CONTEXT_SPECIFIC | CBS_ASN1_CONSTRUCTED | 0) ||
      !CBS_get_asn1(&field, &hash_alg, CBS_ASN1_SEQUENCE) || !CBS_get_asn1(&hash_alg, &oid, CBS_ASN1_OBJECT)) {
    return INSPECT_HASH_UNKNOWN;
  }
  ASN1_OBJECT *obj = ASN1_OBJECT_create(NID_undef, CBS_data(&oid), CBS_len(&oid), NULL, NULL);
  int nid = obj != NULL ? OBJ_obj2nid(obj) : NID_undef;
  ASN1_OBJECT_free(obj);
  return hash_of_nid(nid);
}

static void parse_key(inspect_cert_t *cert) {
  inspect_cert_info_t *info = &cert->info;
  EVP_PKEY *pkey = cert->pkey;
  if (pkey == NULL) {
    snprintf(cert->key_desc, sizeof(cert->key_desc), "unsupported key");
    return;
  }
  info->key_bits = EVP_PKEY_bits(pkey);
  switch (EVP_PKEY_id(pkey)) {
    case EVP_PKEY_RSA:
      info->key_type = INSPECT_KEY_RSA;
      snprintf(cert->key_desc, sizeof(cert->key_desc), "RSA %d", info->key_bits);
      break;
    case EVP_PKEY_EC: {
      info->key_type = INSPECT_KEY_EC;
      const EC_KEY *ec = EVP_PKEY_get0_EC_KEY(pkey);
      int curve = ec != NULL ? EC_GROUP_get_curve_name(EC_KEY_get0_group(ec)) : NID_undef;
      const char *name = curve == NID_X9_62_prime256v1 ? "P-256"
                         : curve == NID_secp384r1      ? "P-384"
                         : curve == NID_secp521r1      ? "P-521"
                         : curve == NID_secp224r1      ? "P-224"
                                                       : "other curve";
      snprintf(cert->key_desc, sizeof(cert->key_desc), "EC %s", name);
      break;
    }
    case EVP_PKEY_ED25519:
      info->key_type = INSPECT_KEY_ED25519;
      snprintf(cert->key_desc, sizeof(cert->key_desc), "Ed25519");
      break;
    case EVP_PKEY_DSA:
      info->key_type = INSPECT_KEY_DSA;
      snprintf(cert->key_desc, sizeof(cert->key_desc), "DSA %d", info->key_bits);
      break;
    default: snprintf(cert->key_desc, sizeof(cert->key_desc), "key type %d", EVP_PKEY_id(pkey)); break;
  }
}

static void parse_signature(inspect_cert_t *cert) {
  inspect_cert_info_t *info = &cert->info;
  int nid = X509_get_signature_nid(cert->x509);
  const char *ln = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
  info->sig_alg = ln != NULL ? ln : "unknown";
  int md = NID_undef, pk = NID_undef;
  if (nid == NID_rsassaPss) {
    info->sig_hash = pss_hash(cert->x509);
  } else if (nid == NID_ED25519) {
    info->sig_hash = INSPECT_HASH_INTRINSIC;
  } else if (OBJ_find_sigid_algs(nid, &md, &pk)) {
    info->sig_hash = hash_of_nid(md);
  }
}

static int push_string(char ***list, size_t *num, char *str) {
  if (str == NULL) {
    return 0;
  }
  char **grown = realloc(*list, (*num + 1) * sizeof(char *));
  if (grown == NULL) {
    free(str);
    return 0;
  }
  grown[(*num)++] = str;
  *list = grown;
  return 1;
}

static void parse_names(inspect_cert_t *cert) {
  inspect_cert_info_t *info = &cert->info;
  int crit = 0;
  GENERAL_NAMES *names = X509_get_ext_d2i(cert->x509, NID_subject_alt_name, &crit, NULL);
  info->has_san = names != NULL || crit >= 0;
  for (size_t i = 0; names != NULL && i < sk_GENERAL_NAME_num(names); i++) {
    const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type == GEN_DNS) {
      push_string(&cert->dns, &info->num_dns_names, utf8_of(gn->d.dNSName));
    } else if (gn->type == GEN_IPADD) {
      const ASN1_OCTET_STRING *ip = gn->d.iPAddress;
      char text[INET6_ADDRSTRLEN];
      int len = ASN1_STRING_length(ip);
      const uint8_t *data = ASN1_STRING_get0_data(ip);
      if ((len == 4 && inet_ntop(AF_INET, data, text, sizeof(text)) != NULL) ||
          (len == 16 && inet_ntop(AF_INET6, data, text, sizeof(text)) != NULL)) {
        push_string(&cert->ips, &info->num_ip_addrs, strdup(text));
      }
    }
  }
  GENERAL_NAMES_free(names);
  info->dns_names = (const char *const *)cert->dns;
  info->ip_addrs = (const char *const *)cert->ips;

  const X509_NAME *subject = X509_get_subject_name(cert->x509);
  int last = -1;
  for (int pos = -1; (pos = X509_NAME_get_index_by_NID(subject, NID_commonName, pos)) >= 0;) {
    last = pos;
  }
  if (last >= 0) {
    cert->common_name = utf8_of(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, last)));
    info->common_name = cert->common_name;
  }
}

static void parse_aia(inspect_cert_t *cert) {
  AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(cert->x509, NID_info_access, NULL, NULL);
  for (size_t i = 0; aia != NULL && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
    const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
    if (OBJ_obj2nid(ad->method) == NID_ad_ca_issuers && ad->location->type == GEN_URI) {
      cert->aia = utf8_of(ad->location->d.uniformResourceIdentifier);
      cert->info.aia_ca_issuers = cert->aia;
      break;
    }
  }
  AUTHORITY_INFO_ACCESS_free(aia);
}

// BoringSSL's X509_get_key_usage and X509_get_extended_key_usage return 0
// for a certificate it marks invalid, which includes CA:FALSE with a
// pathLenConstraint (OpenSSL 3, Java and Chromium accept that one): read the
// extensions themselves then.
static unsigned raw_key_usage(X509 *x) {
  ASN1_BIT_STRING *ku = X509_get_ext_d2i(x, NID_key_usage, NULL, NULL);
  unsigned bits = ku != NULL && ASN1_STRING_length(ku) > 0 ? ASN1_STRING_get0_data(ku)[0] : 0;
  ASN1_BIT_STRING_free(ku);
  return bits;
}

static uint32_t raw_eku(X509 *x) {
  EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
  uint32_t xku = 0;
  for (size_t i = 0; eku != NULL && i < sk_ASN1_OBJECT_num(eku); i++) {
    switch (OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i))) {
      case NID_server_auth: xku |= XKU_SSL_SERVER; break;
      case NID_client_auth: xku |= XKU_SSL_CLIENT; break;
      case NID_anyExtendedKeyUsage: xku |= XKU_ANYEKU; break;
      default:
        xku |= XKU_DVCS;  // stands for any other purpose
        break;
    }
  }
  sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
  return xku;
}

// has_duplicate_extension returns 1 if an extension occurs twice (RFC 5280
// 4.2 forbids it; OpenSSL then marks the certificate invalid).
static int has_duplicate_extension(const X509 *x) {
  int n = X509_get_ext_count(x);
  for (int i = 0; i < n; i++) {
    const ASN1_OBJECT *obj = X509_EXTENSION_get_object(X509_get_ext(x, i));
    for (int j = i + 1; j < n; j++) {
      if (OBJ_cmp(obj, X509_EXTENSION_get_object(X509_get_ext(x, j))) == 0) {
        return 1;
      }
    }
  }
  return 0;
}

static void parse_extensions(inspect_cert_t *cert) {
  inspect_cert_info_t *info = &cert->info;
  X509 *x = cert->x509;
  uint32_t flags = X509_get_extension_flags(x);
  info->extensions_invalid = (flags & EXFLAG_INVALID) != 0;
  info->has_basic_constraints = (flags & EXFLAG_BCONS) != 0;
  info->is_ca = (flags & EXFLAG_CA) != 0;
  info->path_len = info->is_ca ? (int)X509_get_pathlen(x) : -1;
  info->has_key_usage = (flags & EXFLAG_KUSAGE) != 0;
  info->key_usage = !info->has_key_usage       ? 0
                    : info->extensions_invalid ? raw_key_usage(x)
                                               : X509_get_key_usage(x) & 0xff;
  info->has_eku = (flags & EXFLAG_XKUSAGE) != 0;
  if (info->has_eku) {
    uint32_t xku = info->extensions_invalid ? raw_eku(x) : X509_get_extended_key_usage(x);
    info->eku = ((xku & XKU_SSL_SERVER) ? INSPECT_EKU_SERVER_AUTH : 0) |
                ((xku & XKU_SSL_CLIENT) ? INSPECT_EKU_CLIENT_AUTH : 0) | ((xku & XKU_ANYEKU) ? INSPECT_EKU_ANY : 0) |
                ((xku & ~(uint32_t)(XKU_SSL_SERVER | XKU_SSL_CLIENT | XKU_ANYEKU)) ? INSPECT_EKU_OTHER : 0);
  }
  info->has_name_constraints = X509_get_ext_by_NID(x, NID_name_constraints, -1) >= 0;
  cert->duplicate_extension = has_duplicate_extension(x);
  for (int i = 0; (flags & EXFLAG_CRITICAL) && i < X509_get_ext_count(x); i++) {
    X509_EXTENSION *ext = X509_get_ext(x, i);
    if (X509_EXTENSION_get_critical(ext) && !X509_supported_extension(ext)) {
      OBJ_obj2txt(cert->unhandled_critical, sizeof(cert->unhandled_critical), X509_EXTENSION_get_object(ext), 0);
      info->unhandled_critical = cert->unhandled_critical;
      break;
    }
  }
  ERR_clear_error();
}

void inspect_cert_free(inspect_cert_t *cert) {
  if (cert == NULL || __atomic_sub_fetch(&cert->refs, 1, __ATOMIC_ACQ_REL) > 0) {
    return;
  }
  X509_free(cert->x509);
  EVP_PKEY_free(cert->pkey);
  free(cert->der);
  free(cert->subject);
  free(cert->issuer);
  free(cert->common_name);
  free(cert->serial_hex);
  free(cert->aia);
  for (size_t i = 0; i < cert->info.num_dns_names; i++) {
    free(cert->dns[i]);
  }
  for (size_t i = 0; i < cert->info.num_ip_addrs; i++) {
    free(cert->ips[i]);
  }
  free(cert->dns);
  free(cert->ips);
  free(cert);
}

void inspect_cert_up_ref(inspect_cert_t *cert) { __atomic_add_fetch(&cert->refs, 1, __ATOMIC_RELAXED); }

inspect_cert_t *inspect_cert_new(const uint8_t *der, size_t der_len, int *out_err) {
  *out_err = INSPECT_EBAD_DER;
  if (der == NULL || der_len == 0 || der_len > (1u << 20)) {
    return NULL;
  }
  const uint8_t *p = der;
  X509 *x509 = d2i_X509(NULL, &p, (long)der_len);
  if (x509 == NULL || p != der + der_len) {
    X509_free(x509);
    ERR_clear_error();
    return NULL;
  }
  inspect_cert_t *cert = calloc(1, sizeof(*cert));
  if (cert == NULL || (cert->der = malloc(der_len)) == NULL) {
    free(cert);
    X509_free(x509);
    *out_err = INSPECT_ENOMEM;
    return NULL;
  }
  cert->refs = 1;
  cert->x509 = x509;
  memcpy(cert->der, der, der_len);
  inspect_cert_info_t *info = &cert->info;
  info->der = cert->der;
  info->der_len = der_len;
  SHA256(der, der_len, info->sha256);
  hex(info->sha256, 32, info->sha256_hex);
  info->version = (int)X509_get_version(x509) + 1;

  const X509_NAME *subject = X509_get_subject_name(x509);
  const X509_NAME *issuer = X509_get_issuer_name(x509);
  cert->subject = format_dn(subject);
  cert->issuer = format_dn(issuer);
  info->subject = cert->subject != NULL ? cert->subject : "";
  info->issuer = cert->issuer != NULL ? cert->issuer : "";
  hash_name(subject, cert->subject_hash);
  hash_name(issuer, cert->issuer_hash);
  info->self_issued = memcmp(cert->subject_hash, cert->issuer_hash, 32) == 0;

  const ASN1_BIT_STRING *spki = X509_get0_pubkey_bitstr(x509);
  if (spki != NULL) {
    SHA256(ASN1_STRING_get0_data(spki), (size_t)ASN1_STRING_length(spki), cert->spki_hash);
  }
  // Times that do not parse are treated as never valid.
  if (!parse_time(X509_get0_notBefore(x509), &info->not_before)) {
    info->not_before = INT64_MAX;
  }
  if (!parse_time(X509_get0_notAfter(x509), &info->not_after)) {
    info->not_after = INT64_MIN;
  }
  BIGNUM *serial = ASN1_INTEGER_to_BN(X509_get_serialNumber(x509), NULL);
  char *serial_hex = serial != NULL ? BN_bn2hex(serial) : NULL;
  cert->serial_hex = strdup(serial_hex != NULL ? serial_hex : "");
  info->serial_hex = cert->serial_hex;
  OPENSSL_free(serial_hex);
  BN_free(serial);

  cert->pkey = X509_get_pubkey(x509);
  parse_key(cert);
  info->key_desc = cert->key_desc;
  parse_signature(cert);
  parse_extensions(cert);
  parse_names(cert);
  parse_aia(cert);
  ERR_clear_error();
  if (cert->subject == NULL || cert->issuer == NULL || cert->serial_hex == NULL) {
    inspect_cert_free(cert);
    *out_err = INSPECT_ENOMEM;
    return NULL;
  }
  *out_err = INSPECT_OK;
  return cert;
}

const inspect_cert_info_t *inspect_cert_get0_info(const inspect_cert_t *cert) { return &cert->info; }

int inspect_cert_is_self_signed(const inspect_cert_t *cert) {
  int state = __atomic_load_n(&cert->self_signed_state, __ATOMIC_ACQUIRE);
  if (state == 0) {
    // Only self-issued certificates need the signature check. Threads racing
    // here compute the same answer, so the cache needs no lock.
    int yes = cert->info.self_issued && cert->pkey != NULL && X509_verify(cert->x509, cert->pkey) == 1;
    ERR_clear_error();
    state = yes ? 2 : 1;
    __atomic_store_n(&((inspect_cert_t *)cert)->self_signed_state, state, __ATOMIC_RELEASE);
  }
  return state == 2;
}

struct x509_st *inspect_cert_get0_x509(const inspect_cert_t *cert) {
  return cert->x509;
}

int inspect__names_issuer(const inspect_cert_t *cert, const inspect_cert_t *issuer) {
  if (memcmp(cert->issuer_hash, issuer->subject_hash, 32) != 0) {
    return 0;
  }
  const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(cert->x509);
  const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(issuer->x509);
  if (aki != NULL && ski != NULL && ASN1_OCTET_STRING_cmp(aki, ski) != 0) {
    return 0;
  }
  return 1;
}

int inspect_cert_is_issued_by(const inspect_cert_t *cert, const inspect_cert_t *issuer) {
  int ok = memcmp(cert->issuer_hash, issuer->subject_hash, 32) == 0 && issuer->pkey != NULL &&
           X509_verify(cert->x509, issuer->pkey) == 1;
  ERR_clear_error();
  return ok;
}
