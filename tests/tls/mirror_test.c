// Tests of the mirror (tls/mirror.c): the mirror CA on disk, mirrored chains
// and stand-ins, against the lab PKI minted in memory at test time.
//
// For every lab scenario (and for chains the lab does not serve: a trusted
// self-signed leaf, an expired anchor, a path length violation...) the
// mirrored chain is checked twice:
//  - structurally: same count and order, and each copy keeps the original's
//    names, dates, extensions, key type and size class and signature hash,
//    with a key of its own;
//  - behaviourally: a client trusting the mirror root gets the same verdict
//    from the mirror as a client trusting the lab root gets from the origin.
//    Two verifiers judge: BoringSSL's X509_verify_cert in process, and
//    OpenSSL 3 (`openssl verify` at security level 2, as curl and
//    s_client use it), since the two differ (see verify_openssl).

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <openssl/bytestring.h>
#include <openssl/digest.h>
#include <openssl/err.h>
#include <openssl/mem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tls/tls.h"
#include "tools/lab.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
#define DAY (24 * 3600)

// Helpers.

// tmp_dir makes a new empty directory under the test's temporary directory.
static void tmp_dir(char *out, size_t len) {
  const char *base = getenv("TEST_TMPDIR");
  snprintf(out, len, "%s/mirrorXXXXXX", base != NULL && base[0] != '\0' ? base : "/tmp");
  cr_assert_not_null(mkdtemp(out), "mkdtemp %s: %s", out, strerror(errno));
}

static X509 *x509_of(const CRYPTO_BUFFER *buf) {
  X509 *x = X509_parse_from_buffer((CRYPTO_BUFFER *)buf);
  cr_assert_not_null(x, "not a certificate");
  return x;
}

static inspect_cert_t *cert_of(const CRYPTO_BUFFER *buf) {
  int err = 0;
  inspect_cert_t *c = inspect_cert_new(CRYPTO_BUFFER_data(buf), CRYPTO_BUFFER_len(buf), &err);
  cr_assert_not_null(c, "inspect_cert_new: %d", err);
  return c;
}

static inspect_chain_t *chain_of(CRYPTO_BUFFER *const *certs, size_t n) {
  inspect_chain_t *chain = inspect_chain_new();
  cr_assert_not_null(chain);
  for (size_t i = 0; i < n; i++) {
    cr_assert_eq(inspect_chain_add_der(chain, CRYPTO_BUFFER_data(certs[i]), CRYPTO_BUFFER_len(certs[i])), 0);
  }
  return chain;
}

static inspect_trust_t *trust_of(CRYPTO_BUFFER *const *anchors, size_t n) {
  inspect_trust_t *trust = inspect_trust_new(0);
  cr_assert_not_null(trust);
  for (size_t i = 0; i < n; i++) {
    inspect_cert_t *c = cert_of(anchors[i]);
    cr_assert_eq(inspect_trust_add1_cert(trust, c), 0);
    inspect_cert_free(c);
  }
  return trust;
}

static int same_buffer(const CRYPTO_BUFFER *a, const CRYPTO_BUFFER *b) {
  return CRYPTO_BUFFER_len(a) == CRYPTO_BUFFER_len(b) &&
         memcmp(CRYPTO_BUFFER_data(a), CRYPTO_BUFFER_data(b), CRYPTO_BUFFER_len(a)) == 0;
}

// spki returns the DER SubjectPublicKeyInfo of `x` (free with OPENSSL_free).
static size_t spki(X509 *x, uint8_t **out) {
  *out = NULL;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), out);
  cr_assert_gt(len, 0);
  return (size_t)len;
}

static int same_key(X509 *a, X509 *b) {
  uint8_t *da, *db;
  size_t la = spki(a, &da), lb = spki(b, &db);
  int same = la == lb && memcmp(da, db, la) == 0;
  OPENSSL_free(da);
  OPENSSL_free(db);
  return same;
}

// signed_by returns 1 if `issuer`'s key verifies `x`'s signature.
static int signed_by(X509 *x, X509 *issuer) {
  EVP_PKEY *key = X509_get_pubkey(issuer);
  int ok = key != NULL && X509_verify(x, key) == 1;
  EVP_PKEY_free(key);
  ERR_clear_error();
  return ok;
}

// The environment: a mirror CA on disk, the lab, and the lab root as the
// trust store the origin chains are judged against.
typedef struct {
  char dir[512];     // temporary directory
  char ca_dir[600];  // the mirror CA
  int64_t now;
  lab_t *lab;
  tls_mirror_ca_t *ca;
  tls_mirror_t *mirror;
  inspect_trust_t *trust;
  X509 *mirror_root;
  X509 *mirror_untrusted;
} env_t;

static void env_init(env_t *e, size_t cache_entries) {
  memset(e, 0, sizeof(*e));
  e->now = (int64_t)time(NULL);
  tmp_dir(e->dir, sizeof(e->dir));
  snprintf(e->ca_dir, sizeof(e->ca_dir), "%s/ca", e->dir);
  cr_assert_eq(tls_mirror_ca_create(e->ca_dir, e->now), TLS_OK);
  cr_assert_eq(tls_mirror_ca_load(e->ca_dir, &e->ca), TLS_OK);
  e->mirror = tls_mirror_new(e->ca, cache_entries);
  cr_assert_not_null(e->mirror);
  int err = 0;
  e->lab = lab_new(e->now, &err);
  cr_assert_not_null(e->lab, "lab_new: %s", tls_strerror(err));
  CRYPTO_BUFFER *root = lab_get0_root(e->lab);
  e->trust = trust_of(&root, 1);
  e->mirror_root = x509_of(tls_mirror_ca_get0_root(e->ca));
  char path[700];
  snprintf(path, sizeof(path), "%s/%s", e->ca_dir, TLS_MIRROR_UNTRUSTED_FILE);
  STACK_OF(CRYPTO_BUFFER) *certs = NULL;
  cr_assert_eq(tls_pem_read_certs(path, 1, &certs), TLS_OK);
  e->mirror_untrusted = x509_of(sk_CRYPTO_BUFFER_value(certs, 0));
  sk_CRYPTO_BUFFER_pop_free(certs, CRYPTO_BUFFER_free);
}

static void env_cleanup(env_t *e) {
  X509_free(e->mirror_root);
  X509_free(e->mirror_untrusted);
  inspect_trust_free(e->trust);
  tls_mirror_free(e->mirror);
  tls_mirror_ca_free(e->ca);
  lab_free(e->lab);
}

static int is_ip(const char *text) {
  uint8_t addr[16];
  return inet_pton(AF_INET, text, addr) == 1 || inet_pton(AF_INET6, text, addr) == 1;
}

// Verdicts.
typedef struct {
  int err;    // X509_V_OK or the first X509_V_ERR_*
  int depth;  // where, -1 for none
} verdict_t;

static int verdict_eq(verdict_t a, verdict_t b) { return a.err == b.err && a.depth == b.depth; }

// verify_boringssl runs BoringSSL's X509_verify_cert on `chain` as sent
// (leaf first, the rest as untrusted certificates) against `anchors`, at
// `now`, for `host` (NULL: no name check) and `purpose` (0: none).
static verdict_t verify_boringssl(CRYPTO_BUFFER *const *chain, size_t n, CRYPTO_BUFFER *const *anchors,
                                  size_t num_anchors, const char *host, int purpose, int64_t now) {
  X509_STORE *store = X509_STORE_new();
  for (size_t i = 0; i < num_anchors; i++) {
    X509 *a = x509_of(anchors[i]);
    cr_assert(X509_STORE_add_cert(store, a));
    X509_free(a);
  }
  X509 *leaf = x509_of(chain[0]);
  STACK_OF(X509) *untrusted = sk_X509_new_null();
  for (size_t i = 1; i < n; i++) {
    cr_assert(sk_X509_push(untrusted, x509_of(chain[i])));
  }
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  cr_assert(X509_STORE_CTX_init(ctx, store, leaf, untrusted));
  X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_time(param, (time_t)now);
  if (host != NULL && is_ip(host)) {
    cr_assert(X509_VERIFY_PARAM_set1_ip_asc(param, host));
  } else if (host != NULL) {
    // The length must be given: BoringSSL takes 0 as an empty name.
    cr_assert(X509_VERIFY_PARAM_set1_host(param, host, strlen(host)));
  }
  if (purpose != 0) {
    cr_assert(X509_STORE_CTX_set_purpose(ctx, purpose));
  }
  verdict_t v = {X509_V_OK, -1};
  if (X509_verify_cert(ctx) != 1) {
    v.err = X509_STORE_CTX_get_error(ctx);
    v.depth = X509_STORE_CTX_get_error_depth(ctx);
  }
  X509_STORE_CTX_free(ctx);
  sk_X509_pop_free(untrusted, X509_free);
  X509_free(leaf);
  X509_STORE_free(store);
  ERR_clear_error();
  return v;
}

static void write_pem(const char *path, CRYPTO_BUFFER *const *certs, size_t n) {
  cr_assert_eq(tls_pem_write_certs(path, certs, n), TLS_OK, "%s", path);
}

// verify_openssl asks OpenSSL 3 (`openssl verify`) the same question, at
// security level 2 as Debian's curl and s_client do. OpenSSL 3 and BoringSSL
// differ, which is why both are asked:
//  - at level 2 OpenSSL refuses SHA-1 signatures (CA_MD_TOO_WEAK, 68) and
//    RSA keys under 2048 bits (EE_KEY_TOO_SMALL, 66); BoringSSL's
//    X509_verify_cert has no security levels and accepts both, and its
//    numbers 66 and 67 mean other things (STORE_LOOKUP,
//    NAME_CONSTRAINTS_WITHOUT_SANS);
//  - a self-signed leaf whose keyUsage lacks keyCertSign is
//    DEPTH_ZERO_SELF_SIGNED_CERT (18) to OpenSSL 3 but
//    UNABLE_TO_GET_ISSUER_CERT_LOCALLY (20) to BoringSSL, which, like
//    OpenSSL 1.1, does not see it as its own issuer;
//  - X509_VERIFY_PARAM_set1_host with a length of 0 means strlen to
//    OpenSSL and an empty name to BoringSSL.
static verdict_t verify_openssl(const char *dir, CRYPTO_BUFFER *const *chain, size_t n, CRYPTO_BUFFER *const *anchors,
                                size_t num_anchors, const char *host, int64_t now) {
  char leaf[700], rest[700], ca[700], out[700], cmd[4096];
  snprintf(leaf, sizeof(leaf), "%s/leaf.pem", dir);
  snprintf(rest, sizeof(rest), "%s/untrusted.pem", dir);
  snprintf(ca, sizeof(ca), "%s/anchors.pem", dir);
  snprintf(out, sizeof(out), "%s/verify.out", dir);
  write_pem(leaf, chain, 1);
  write_pem(ca, anchors, num_anchors);
  if (n > 1) {
    write_pem(rest, chain + 1, n - 1);
  }
  snprintf(cmd, sizeof(cmd),
           "openssl verify -auth_level 2 -purpose sslserver -attime %lld -CAfile '%s' %s%s%s %s%s%s '%s' >'%s' 2>&1",
           (long long)now, ca, n > 1 ? "-untrusted '" : "", n > 1 ? rest : "", n > 1 ? "'" : "",
           host == NULL  ? ""
           : is_ip(host) ? "-verify_ip '"
                         : "-verify_hostname '",
           host != NULL ? host : "", host != NULL ? "'" : "", leaf, out);
  int rc = system(cmd);
  cr_assert_neq(rc, -1);
  FILE *f = fopen(out, "r");
  cr_assert_not_null(f);
  char text[4096];
  size_t len = fread(text, 1, sizeof(text) - 1, f);
  fclose(f);
  text[len] = '\0';
  verdict_t v = {X509_V_OK, -1};
  const char *e = strstr(text, "error ");
  if (e != NULL && sscanf(e, "error %d at %d depth", &v.err, &v.depth) == 2) {
    return v;
  }
  cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 0 && strstr(text, ": OK") != NULL, "openssl verify: %s", text);
  return v;
}

static int is_key_id(X509_EXTENSION *ext) {
  int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
  return nid == NID_subject_key_identifier || nid == NID_authority_key_identifier;
}

static int same_octets(const ASN1_OCTET_STRING *a, const ASN1_OCTET_STRING *b) {
  return a != NULL && b != NULL && ASN1_STRING_length(a) == ASN1_STRING_length(b) &&
         memcmp(ASN1_STRING_get0_data(a), ASN1_STRING_get0_data(b), (size_t)ASN1_STRING_length(a)) == 0;
}

// The mirror, structurally.
//
// check_copy checks the copy `m` of `o`: same subject, issuer (or the mirror
// root when a trust anchor issued `o`), dates, SANs, extensions in the same
// order and, but for the key identifiers, byte for byte (basic and name
// constraints, key usage, EKU, SAN), key type and size class, signature
// hash, and self-signedness; a key of its own. A leaf that is itself a trust
// anchor (`trusted_leaf`) is issued by the mirror root instead.
static void check_copy(const env_t *e, const inspect_trust_t *trust, const CRYPTO_BUFFER *orig,
                       const CRYPTO_BUFFER *copy, int trusted_leaf, const char *what) {
  inspect_cert_t *oc = cert_of(orig), *mc = cert_of(copy);
  const inspect_cert_info_t *o = inspect_cert_get0_info(oc), *m = inspect_cert_get0_info(mc);
  X509 *ox = inspect_cert_get0_x509(oc), *mx = inspect_cert_get0_x509(mc);
  cr_assert_str_eq(m->subject, o->subject, "%s: subject", what);
  cr_assert_eq(X509_NAME_cmp(X509_get_subject_name(mx), X509_get_subject_name(ox)), 0, "%s: subject DER", what);
  int o_self = inspect_cert_is_self_signed(oc), m_self = inspect_cert_is_self_signed(mc);
  int by_anchor = trusted_leaf || (!o_self && inspect_trust_issuer_of(trust, oc));
  if (by_anchor) {
    cr_assert_eq(X509_NAME_cmp(X509_get_issuer_name(mx), X509_get_subject_name(e->mirror_root)), 0,
                 "%s: issued by a trust anchor, but not by the mirror root (%s)", what, m->issuer);
    cr_assert(signed_by(mx, e->mirror_root), "%s: not signed by the mirror root", what);
  } else {
    cr_assert_str_eq(m->issuer, o->issuer, "%s: issuer", what);
    cr_assert_eq(X509_NAME_cmp(X509_get_issuer_name(mx), X509_get_issuer_name(ox)), 0, "%s: issuer DER", what);
    cr_assert(!signed_by(mx, e->mirror_root), "%s: signed by the mirror root", what);
  }
  cr_assert_eq(m_self, trusted_leaf ? 0 : o_self, "%s: self-signed %d, original %d", what, m_self, o_self);
  cr_assert_eq(m->self_issued, trusted_leaf ? 0 : o->self_issued, "%s", what);
  cr_assert_eq(m->version, o->version, "%s: version", what);
  cr_assert_eq(m->not_before, o->not_before, "%s: notBefore", what);
  cr_assert_eq(m->not_after, o->not_after, "%s: notAfter", what);
  cr_assert_eq(m->has_san, o->has_san, "%s", what);
  cr_assert_eq(m->num_dns_names, o->num_dns_names, "%s", what);
  for (size_t k = 0; k < o->num_dns_names; k++) {
    cr_assert_str_eq(m->dns_names[k], o->dns_names[k], "%s", what);
  }
  cr_assert_eq(m->num_ip_addrs, o->num_ip_addrs, "%s", what);
  for (size_t k = 0; k < o->num_ip_addrs; k++) {
    cr_assert_str_eq(m->ip_addrs[k], o->ip_addrs[k], "%s", what);
  }
  cr_assert_eq(m->has_basic_constraints, o->has_basic_constraints, "%s", what);
  cr_assert_eq(m->is_ca, o->is_ca, "%s", what);
  cr_assert_eq(m->path_len, o->path_len, "%s", what);
  cr_assert_eq(m->has_key_usage, o->has_key_usage, "%s", what);
  cr_assert_eq(m->key_usage, o->key_usage, "%s", what);
  cr_assert_eq(m->has_eku, o->has_eku, "%s", what);
  cr_assert_eq(m->eku, o->eku, "%s", what);
  cr_assert_eq(m->has_name_constraints, o->has_name_constraints, "%s", what);
  // Key: same type and size class (P-521 is minted as P-384, the closest
  // the minting code offers), never the original key.
  cr_assert_eq(m->key_type, o->key_type, "%s: key %s, original %s", what, m->key_desc, o->key_desc);
  if (o->key_type == INSPECT_KEY_EC && o->key_bits > 384) {
    cr_assert_eq(m->key_bits, 384, "%s: key %s, original %s", what, m->key_desc, o->key_desc);
  } else {
    cr_assert_eq(m->key_bits, o->key_bits, "%s: key %s, original %s", what, m->key_desc, o->key_desc);
  }
  cr_assert(!same_key(mx, ox), "%s: the copy has the original's key", what);
  // Signature: same hash (MD5 cannot be minted: SHA-1 stands in).
  cr_assert_eq(m->sig_hash, o->sig_hash == INSPECT_HASH_MD5 ? INSPECT_HASH_SHA1 : o->sig_hash,
               "%s: signed with %s, original %s", what, m->sig_alg, o->sig_alg);
  // Extensions but the key identifiers (which name the new keys, see
  // check_key_identifiers): the same, in the same order, byte for byte.
  int ko = 0, km = 0;
  for (;;) {
    while (ko < X509_get_ext_count(ox) && is_key_id(X509_get_ext(ox, ko)))
      ko++;
    while (km < X509_get_ext_count(mx) && is_key_id(X509_get_ext(mx, km)))
      km++;
    if (ko == X509_get_ext_count(ox) || km == X509_get_ext_count(mx)) {
      break;
    }
    X509_EXTENSION *oe = X509_get_ext(ox, ko++), *me = X509_get_ext(mx, km++);
    int nid = OBJ_obj2nid(X509_EXTENSION_get_object(oe));
    cr_assert_eq(OBJ_obj2nid(X509_EXTENSION_get_object(me)), nid, "%s: extension %d", what, ko - 1);
    cr_assert_eq(X509_EXTENSION_get_critical(me), X509_EXTENSION_get_critical(oe), "%s: extension %d", what, ko - 1);
    ASN1_OCTET_STRING *ov = X509_EXTENSION_get_data(oe), *mv = X509_EXTENSION_get_data(me);
    cr_assert(ASN1_STRING_length(ov) == ASN1_STRING_length(mv) &&
                  memcmp(ASN1_STRING_get0_data(ov), ASN1_STRING_get0_data(mv), (size_t)ASN1_STRING_length(ov)) == 0,
              "%s: extension %s differs", what, OBJ_nid2sn(nid));
  }
  cr_assert(ko == X509_get_ext_count(ox) && km == X509_get_ext_count(mx), "%s: extensions missing or added", what);
  inspect_cert_free(oc);
  inspect_cert_free(mc);
}

// check_key_identifiers: a copy has a subject key identifier when the
// original has one, naming its own key, and an authority key identifier when
// the original has one, naming its issuer's key: the issuer's copy in the
// chain, the mirror root, or (when the issuer was not sent) a key no
// certificate of the chain or of the mirror CA has. Verifiers use them to
// pick issuers, so a missing or wrong one changes which errors they give.
static void check_key_identifiers(const env_t *e, CRYPTO_BUFFER *const *orig, X509 *const *copies, size_t n,
                                  const char *name) {
  for (size_t i = 0; i < n; i++) {
    if (X509_cmp(copies[i], e->mirror_root) == 0) {
      continue;  // a sent anchor: the mirror root
    }
    X509 *o = x509_of(orig[i]);
    const ASN1_OCTET_STRING *oski = X509_get0_subject_key_id(o), *oaki = X509_get0_authority_key_id(o);
    const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(copies[i]);
    const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(copies[i]);
    cr_assert_eq(ski != NULL, oski != NULL, "%s, certificate %zu: subject key identifier", name, i);
    cr_assert_eq(aki != NULL, oaki != NULL, "%s, certificate %zu: authority key identifier", name, i);
    if (ski != NULL) {
      cr_assert(!same_octets(ski, oski), "%s, certificate %zu: the original's key identifier", name, i);
    }
    if (aki != NULL) {
      X509 *issuer = NULL;
      for (size_t j = 0; j < n && issuer == NULL; j++) {
        if (signed_by(copies[i], copies[j])) {
          issuer = copies[j];
        }
      }
      if (issuer == NULL && signed_by(copies[i], e->mirror_root)) {
        issuer = e->mirror_root;
      }
      if (issuer != NULL) {
        cr_assert(same_octets(aki, X509_get0_subject_key_id(issuer)),
                  "%s, certificate %zu: the authority key "
                  "identifier is not its issuer's",
                  name, i);
      } else {
        for (size_t j = 0; j < n; j++) {
          cr_assert(!same_octets(aki, X509_get0_subject_key_id(copies[j])),
                    "%s, certificate %zu: issuer unsent, "
                    "yet its authority key identifier names certificate %zu",
                    name, i, j);
        }
        cr_assert(!same_octets(aki, X509_get0_subject_key_id(e->mirror_root)) &&
                      !same_octets(aki, X509_get0_subject_key_id(e->mirror_untrusted)),
                  "%s, certificate %zu", name, i);
      }
    }
    X509_free(o);
  }
}

// check_mirror checks a whole mirrored chain against the origin's.
static void check_mirror(const env_t *e, const inspect_trust_t *trust, CRYPTO_BUFFER *const *orig, size_t n,
                         const tls_identity_t *id, const char *name) {
  cr_assert_eq(id->chain_len, n, "%s: %zu certificates, the origin sent %zu", name, id->chain_len, n);
  X509 *copies[INSPECT_CHAIN_MAX];
  for (size_t i = 0; i < n; i++) {
    char what[96];
    snprintf(what, sizeof(what), "%s, certificate %zu", name, i);
    inspect_cert_t *oc = cert_of(orig[i]);
    int anchor = inspect_trust_contains(trust, oc);
    if (anchor && i > 0) {
      // The copy of a trust anchor is the mirror root itself.
      cr_assert(same_buffer(id->chain[i], tls_mirror_ca_get0_root(e->ca)), "%s: a trust anchor, not the mirror root",
                what);
    } else {
      check_copy(e, trust, orig[i], id->chain[i], anchor, what);
    }
    inspect_cert_free(oc);
    copies[i] = x509_of(id->chain[i]);
  }
  // No two certificates of the chain share a key, unless the origin sent
  // the same certificate twice as an anchor.
  for (size_t i = 0; i < n; i++) {
    for (size_t j = i + 1; j < n; j++) {
      if (!same_buffer(id->chain[i], id->chain[j])) {
        cr_assert(!same_key(copies[i], copies[j]), "%s: certificates %zu and %zu share a key", name, i, j);
      }
    }
  }
  cr_assert(X509_check_private_key(copies[0], id->key), "%s: the key is not the leaf's", name);
  check_key_identifiers(e, orig, copies, n, name);
  for (size_t i = 0; i < n; i++) {
    X509_free(copies[i]);
  }
}

// Lab scenarios.
typedef struct {
  char name[40];
  int no_sni;  // the chain served without SNI (where it differs)
} scenario_param_t;

ParameterizedTestParameters(mirror, lab) {
  static scenario_param_t params[64];
  size_t n = 0;
  int err = 0;
  lab_t *lab = lab_new((int64_t)time(NULL), &err);
  for (size_t i = 0; lab != NULL && i < lab_scenario_count() && n + 2 <= COUNT_OF(params); i++) {
    snprintf(params[n].name, sizeof(params[n].name), "%s", lab_scenario_get(i)->name);
    params[n++].no_sni = 0;
    size_t n0, n1;
    if (lab_get0_chain(lab, i, 1, &n1) != lab_get0_chain(lab, i, 0, &n0)) {
      snprintf(params[n].name, sizeof(params[n].name), "%s", lab_scenario_get(i)->name);
      params[n++].no_sni = 1;
    }
  }
  lab_free(lab);
  return cr_make_param_array(scenario_param_t, params, n);
}

// The parameters above cover every scenario, with room for a no-SNI chain
// each.
Test(mirror, lab_params_cover_the_lab) { cr_assert_leq(2 * lab_scenario_count(), 64); }

// BoringSSL verdicts with the host checked and purpose TLS server, as a
// BoringSSL client judges the chain; every scenario where it is not OK, so
// that the parity below is not between two OKs only.
static const struct {
  const char *name;
  int no_sni;
  int err, depth;
} kBoringVerdicts[] = {
    {"missing-intermediate", 0, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0},
    {"missing-intermediate-aia", 0, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0},
    {"missing-intermediate-dead-aia", 0, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0},
    {"aia-pkcs7", 0, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0},
    {"expired", 0, X509_V_ERR_CERT_HAS_EXPIRED, 0},
    {"not-yet-valid", 0, X509_V_ERR_CERT_NOT_YET_VALID, 0},
    {"self-signed", 0, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0},
    {"untrusted-root", 0, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 2},
    {"hostname-mismatch", 0, X509_V_ERR_HOSTNAME_MISMATCH, 0},
    {"wildcard-too-deep", 0, X509_V_ERR_HOSTNAME_MISMATCH, 0},
    {"eku-client-only", 0, X509_V_ERR_INVALID_PURPOSE, 0},
    {"name-constraint-violation", 0, X509_V_ERR_PERMITTED_VIOLATION, 0},
    {"unknown-critical-extension", 0, X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION, 0},
    {"sni-default-cert", 1, X509_V_ERR_HOSTNAME_MISMATCH, 0},
    // Path validation (issue 15). BoringSSL does not take a CA without
    // keyCertSign as an issuer at all, and refuses a leaf without SANs under
    // name constraints outright.
    {"pathlen-exceeded", 0, X509_V_ERR_PATH_LENGTH_EXCEEDED, 2},
    {"ca-without-keycertsign", 0, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0},
    {"intermediate-not-ca", 0, X509_V_ERR_INVALID_CA, 1},
    {"intermediate-no-basic-constraints", 0, X509_V_ERR_INVALID_CA, 1},
    {"name-constraint-cn-only", 0, X509_V_ERR_NAME_CONSTRAINTS_WITHOUT_SANS, -1},
};

// The lab's expectation for OpenSSL 3, as a verify error.
static int openssl_error_of(const char *reason) {
  static const struct {
    const char *reason;
    int err;
  } kMap[] = {
      {"OK", X509_V_OK},
      {"MISSING_INTERMEDIATE", X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY},
      {"EXPIRED", X509_V_ERR_CERT_HAS_EXPIRED},
      {"NOT_YET_VALID", X509_V_ERR_CERT_NOT_YET_VALID},
      {"SELF_SIGNED", X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT},
      {"UNTRUSTED_ROOT", X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN},
      {"HOSTNAME_MISMATCH", X509_V_ERR_HOSTNAME_MISMATCH},
      {"WEAK_SIGNATURE", 68},  // OpenSSL 3's X509_V_ERR_CA_MD_TOO_WEAK
      {"WEAK_KEY", 66},        // OpenSSL 3's X509_V_ERR_EE_KEY_TOO_SMALL
      {"BAD_EKU", X509_V_ERR_INVALID_PURPOSE},
      {"NAME_CONSTRAINTS", X509_V_ERR_PERMITTED_VIOLATION},
      {"UNHANDLED_CRITICAL_EXTENSION", X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION},
      {"PATH_LENGTH", X509_V_ERR_PATH_LENGTH_EXCEEDED},
      {"INVALID_CA", 79},  // OpenSSL 3's X509_V_ERR_INVALID_CA (BoringSSL's is 24)
  };
  for (size_t i = 0; i < COUNT_OF(kMap); i++) {
    if (strcmp(kMap[i].reason, reason) == 0) {
      return kMap[i].err;
    }
  }
  return -1;  // decided by the handshake, not the chain (HANDSHAKE_ALERT)
}

ParameterizedTest(scenario_param_t *p, mirror, lab) {
  env_t e;
  env_init(&e, 8);
  int index = lab_scenario_find(p->name);
  cr_assert_geq(index, 0, "%s", p->name);
  const lab_scenario_t *s = lab_scenario_get((size_t)index);
  size_t n = 0;
  CRYPTO_BUFFER *const *orig = lab_get0_chain(e.lab, (size_t)index, p->no_sni, &n);
  inspect_chain_t *chain = chain_of(orig, n);
  tls_identity_t id;
  cr_assert_eq(tls_mirror_chain(e.mirror, chain, e.trust, &id), TLS_OK, "%s", p->name);
  char name[64];
  snprintf(name, sizeof(name), "%s%s", p->name, p->no_sni ? " (no SNI)" : "");
  check_mirror(&e, e.trust, orig, n, &id, name);

  // Behaviour: the same verdict from the mirror (trusting the mirror root)
  // as from the origin (trusting the lab root), with and without a name
  // check and a purpose.
  CRYPTO_BUFFER *lab_root = lab_get0_root(e.lab);
  CRYPTO_BUFFER *mirror_root = tls_mirror_ca_get0_root(e.ca);
  for (int with_host = 0; with_host < 2; with_host++) {
    for (int purpose = 0; purpose < 2; purpose++) {
      const char *host = with_host ? s->host : NULL;
      int pur = purpose ? X509_PURPOSE_SSL_SERVER : 0;
      verdict_t vo = verify_boringssl(orig, n, &lab_root, 1, host, pur, e.now);
      verdict_t vm = verify_boringssl(id.chain, id.chain_len, &mirror_root, 1, host, pur, e.now);
      cr_assert(verdict_eq(vo, vm),
                "%s, host %s, purpose %d: BoringSSL says %d at %d to the origin, %d at %d to the mirror", name,
                host != NULL ? host : "-", pur, vo.err, vo.depth, vm.err, vm.depth);
      if (with_host && purpose) {
        verdict_t want = {X509_V_OK, -1};
        for (size_t k = 0; k < COUNT_OF(kBoringVerdicts); k++) {
          if (strcmp(kBoringVerdicts[k].name, p->name) == 0 && kBoringVerdicts[k].no_sni == p->no_sni) {
            want.err = kBoringVerdicts[k].err;
            want.depth = kBoringVerdicts[k].depth;
          }
        }
        cr_assert(verdict_eq(vo, want), "%s: BoringSSL says %d at %d, expected %d at %d", name, vo.err, vo.depth,
                  want.err, want.depth);
      }
    }
  }
  // OpenSSL 3, at security level 2, with the host checked.
  char odir[700], mdir[700];
  snprintf(odir, sizeof(odir), "%s/origin", e.dir);
  snprintf(mdir, sizeof(mdir), "%s/mirror", e.dir);
  cr_assert_eq(mkdir(odir, 0700), 0);
  cr_assert_eq(mkdir(mdir, 0700), 0);
  for (int with_host = 0; with_host < 2; with_host++) {
    const char *host = with_host ? s->host : NULL;
    verdict_t vo = verify_openssl(odir, orig, n, &lab_root, 1, host, e.now);
    verdict_t vm = verify_openssl(mdir, id.chain, id.chain_len, &mirror_root, 1, host, e.now);
    cr_assert(verdict_eq(vo, vm), "%s, host %s: OpenSSL 3 says %d at %d to the origin, %d at %d to the mirror", name,
              host != NULL ? host : "-", vo.err, vo.depth, vm.err, vm.depth);
    int want = openssl_error_of(p->no_sni ? s->expect_openssl_no_sni : s->expect_openssl);
    if (with_host && want >= 0) {
      cr_assert_eq(vo.err, want, "%s: OpenSSL 3 says %d, the lab expects %s", name, vo.err,
                   p->no_sni ? s->expect_openssl_no_sni : s->expect_openssl);
    }
  }
  inspect_chain_free(chain);
  env_cleanup(&e);
}

// Specific shapes of the lab scenarios.
static void mirror_scenario(env_t *e, const char *name, int no_sni, CRYPTO_BUFFER *const **orig, size_t *n,
                            tls_identity_t *id) {
  int index = lab_scenario_find(name);
  cr_assert_geq(index, 0, "%s", name);
  *orig = lab_get0_chain(e->lab, (size_t)index, no_sni, n);
  inspect_chain_t *chain = chain_of(*orig, *n);
  cr_assert_eq(tls_mirror_chain(e->mirror, chain, e->trust, id), TLS_OK, "%s", name);
  inspect_chain_free(chain);
}

// A missing intermediate stays missing: the leaf's issuer cannot be found
// with the mirror roots, and its name is the original issuer's.
Test(mirror, missing_intermediate_stays_missing) {
  env_t e;
  env_init(&e, 8);
  CRYPTO_BUFFER *const *orig;
  size_t n;
  tls_identity_t id;
  mirror_scenario(&e, "missing-intermediate", 0, &orig, &n, &id);
  cr_assert_eq(id.chain_len, 1);
  X509 *leaf = x509_of(id.chain[0]), *oleaf = x509_of(orig[0]);
  cr_assert_eq(X509_NAME_cmp(X509_get_issuer_name(leaf), X509_get_issuer_name(oleaf)), 0);
  cr_assert(!signed_by(leaf, e.mirror_root));
  cr_assert(!signed_by(leaf, e.mirror_untrusted));
  cr_assert(!signed_by(leaf, leaf));
  // Nor by any copy of the lab's intermediates the mirror hands out
  // elsewhere (what a client that caches intermediates would try).
  mirror_scenario(&e, "good", 0, &orig, &n, &id);
  X509 *inter = x509_of(id.chain[1]);
  cr_assert_eq(X509_NAME_cmp(X509_get_subject_name(inter), X509_get_issuer_name(leaf)), 0);
  cr_assert(!signed_by(leaf, inter));
  // Even offered that copy, a client finds no issuer: the leaf's authority
  // key identifier names another key, so the copy is not a candidate (it
  // would otherwise fail as a bad signature, a different error).
  CRYPTO_BUFFER *with_copy[2] = {NULL, id.chain[1]};
  CRYPTO_BUFFER *mirror_root = tls_mirror_ca_get0_root(e.ca);
  mirror_scenario(&e, "missing-intermediate", 0, &orig, &n, &id);
  with_copy[0] = id.chain[0];
  verdict_t v =
      verify_boringssl(with_copy, 2, &mirror_root, 1, "missing-intermediate.lab.test", X509_PURPOSE_SSL_SERVER, e.now);
  cr_assert_eq(v.err, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "BoringSSL: %d at %d", v.err, v.depth);
  cr_assert_eq(v.depth, 0);
  X509_free(inter);
  X509_free(leaf);
  X509_free(oleaf);
  env_cleanup(&e);
}

// Self-signed stays self-signed; an untrusted root stays an untrusted,
// self-signed root.
Test(mirror, self_signed_stays_self_signed) {
  env_t e;
  env_init(&e, 8);
  CRYPTO_BUFFER *const *orig;
  size_t n;
  tls_identity_t id;
  mirror_scenario(&e, "self-signed", 0, &orig, &n, &id);
  X509 *leaf = x509_of(id.chain[0]);
  cr_assert(signed_by(leaf, leaf));
  cr_assert_eq(X509_NAME_cmp(X509_get_issuer_name(leaf), X509_get_subject_name(leaf)), 0);
  X509_free(leaf);
  mirror_scenario(&e, "untrusted-root", 0, &orig, &n, &id);
  cr_assert_eq(n, 3);
  X509 *root = x509_of(id.chain[2]), *inter = x509_of(id.chain[1]);
  cr_assert(signed_by(root, root));
  cr_assert(signed_by(inter, root));
  cr_assert(!signed_by(root, e.mirror_root));
  cr_assert(!same_key(root, e.mirror_root) && !same_key(root, e.mirror_untrusted));
  X509_free(root);
  X509_free(inter);
  env_cleanup(&e);
}

// A trust anchor the origin sends comes back as the mirror root, wherever it
// stands in the chain.
Test(mirror, sent_anchor_is_the_mirror_root) {
  env_t e;
  env_init(&e, 8);
  static const struct {
    const char *name;
    size_t at;
  } kCases[] = {{"anchor-included", 2}, {"wrong-order", 1}};
  for (size_t k = 0; k < COUNT_OF(kCases); k++) {
    CRYPTO_BUFFER *const *orig;
    size_t n;
    tls_identity_t id;
    mirror_scenario(&e, kCases[k].name, 0, &orig, &n, &id);
    cr_assert(same_buffer(orig[kCases[k].at], lab_get0_root(e.lab)), "%s", kCases[k].name);
    cr_assert(same_buffer(id.chain[kCases[k].at], tls_mirror_ca_get0_root(e.ca)), "%s", kCases[k].name);
  }
  env_cleanup(&e);
}

// Chains the lab does not serve, minted here.
typedef struct {
  EVP_PKEY *key;
  CRYPTO_BUFFER *cert;
} node_t;

static EVP_PKEY *ed25519_key(void) {
  EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
  EVP_PKEY *key = NULL;
  cr_assert(pctx != NULL && EVP_PKEY_keygen_init(pctx) && EVP_PKEY_keygen(pctx, &key));
  EVP_PKEY_CTX_free(pctx);
  return key;
}

// mint mints `spec` for a new key of `type` (TLS_KEY_*, or 0 for Ed25519),
// issued by `issuer` (NULL: self-signed).
static node_t mint(const tls_cert_spec_t *spec, int type, int rsa_bits, const node_t *issuer) {
  node_t node;
  node.key = type == 0 ? ed25519_key() : tls_key_generate((tls_key_type_t)type, rsa_bits);
  cr_assert_not_null(node.key);
  int err = tls_cert_mint(spec, node.key, issuer != NULL ? issuer->cert : NULL, issuer != NULL ? issuer->key : NULL,
                          &node.cert);
  cr_assert_eq(err, TLS_OK, "minting %s: %s", spec->common_name, tls_strerror(err));
  return node;
}

static void node_free(node_t *node) {
  CRYPTO_BUFFER_free(node->cert);
  EVP_PKEY_free(node->key);
}

typedef struct {
  char name[40];
  // BoringSSL's X509_verify_cert refuses the origin where OpenSSL 3 accepts
  // it, and the mirror follows OpenSSL 3: the origin gets this error at
  // depth 0 from BoringSSL, the mirror none.
  int boringssl_refuses;
} shape_param_t;

#define SITE "site.test"

// build_shape mints the chain named `name`: the chain as sent, the trust
// anchors, and the nodes to free.
typedef struct {
  node_t nodes[8];
  size_t num_nodes;
  CRYPTO_BUFFER *chain[8];
  size_t chain_len;
  CRYPTO_BUFFER *anchors[2];
  size_t num_anchors;
} shape_t;

static const node_t *add(shape_t *s, node_t node) {
  cr_assert_lt(s->num_nodes, COUNT_OF(s->nodes));
  s->nodes[s->num_nodes] = node;
  return &s->nodes[s->num_nodes++];
}

static void build_shape(const char *name, int64_t now, shape_t *s) {
  static const char *const kSite[] = {SITE};
  memset(s, 0, sizeof(*s));
  tls_cert_spec_t ca = {.organization = "mirror test",
                        .not_before = now - 365 * DAY,
                        .not_after = now + 365 * DAY,
                        .is_ca = 1,
                        .path_len = -1};
  tls_cert_spec_t leaf = {.common_name = SITE,
                          .organization = "mirror test",
                          .dns_names = kSite,
                          .num_dns_names = 1,
                          .not_before = now - DAY,
                          .not_after = now + 90 * DAY,
                          .path_len = -1,
                          .eku = TLS_EKU_SERVER};
  tls_cert_spec_t spec;
#define CA(cn_, ...) (spec = ca, spec.common_name = cn_, __VA_ARGS__, &spec)
#define LEAF(...) (spec = leaf, __VA_ARGS__, &spec)
  const node_t *root = add(s, mint(CA("test root", spec.path_len = -1), TLS_KEY_EC_P256, 0, NULL));
  s->anchors[s->num_anchors++] = root->cert;
  if (strcmp(name, "trusted-self-signed-leaf") == 0) {
    // A self-signed origin certificate the user trusts as such (--trust).
    const node_t *l = add(s, mint(LEAF(spec.common_name = SITE), TLS_KEY_EC_P256, 0, NULL));
    s->anchors[s->num_anchors++] = l->cert;
    s->chain[s->chain_len++] = l->cert;
  } else if (strcmp(name, "leaf-under-root") == 0) {
    const node_t *l = add(s, mint(LEAF(spec.common_name = SITE), TLS_KEY_EC_P256, 0, root));
    s->chain[s->chain_len++] = l->cert;
  } else if (strcmp(name, "leaf-under-root-sent") == 0) {
    const node_t *l = add(s, mint(LEAF(spec.common_name = SITE), TLS_KEY_EC_P256, 0, root));
    s->chain[s->chain_len++] = l->cert;
    s->chain[s->chain_len++] = root->cert;
  } else if (strcmp(name, "leaf-sent-twice") == 0) {
    const node_t *i = add(s, mint(CA("test inter", spec.path_len = 0), TLS_KEY_EC_P256, 0, root));
    const node_t *l = add(s, mint(LEAF(spec.common_name = SITE), TLS_KEY_EC_P256, 0, i));
    s->chain[s->chain_len++] = l->cert;
    s->chain[s->chain_len++] = l->cert;
    s->chain[s->chain_len++] = i->cert;
  } else if (strcmp(name, "path-length-exceeded") == 0) {
    const node_t *i = add(s, mint(CA("test inter", spec.path_len = 0), TLS_KEY_EC_P256, 0, root));
    const node_t *sub = add(s, mint(CA("test sub-CA", spec.path_len = -1), TLS_KEY_EC_P256, 0, i));
    const node_t *l = add(s, mint(LEAF(spec.common_name = SITE), TLS_KEY_EC_P256, 0, sub));
    s->chain[s->chain_len++] = l->cert;
    s->chain[s->chain_len++] = sub->cert;
    s->chain[s->chain_len++] = i->cert;
  } else if (strcmp(name, "leaf-as-issuer") == 0) {
    const node_t *i = add(s, mint(CA("test inter", spec.path_len = -1), TLS_KEY_EC_P256, 0, root));
    const node_t *l1 = add(s, mint(LEAF(spec.common_name = "not a CA"), TLS_KEY_EC_P256, 0, i));
    const node_t *l2 = add(s, mint(LEAF(spec.common_name = SITE), TLS_KEY_EC_P256, 0, l1));
    s->chain[s->chain_len++] = l2->cert;
    s->chain[s->chain_len++] = l1->cert;
    s->chain[s->chain_len++] = i->cert;
  } else if (strcmp(name, "expired-intermediate") == 0) {
    const node_t *i = add(s, mint(CA("test inter", spec.not_after = now - DAY), TLS_KEY_EC_P256, 0, root));
    const node_t *l = add(s, mint(LEAF(spec.common_name = SITE), TLS_KEY_EC_P256, 0, i));
    s->chain[s->chain_len++] = l->cert;
    s->chain[s->chain_len++] = i->cert;
  } else if (strcmp(name, "expired-anchor") == 0) {
    // The trust store holds an expired root.
    const node_t *old = add(s, mint(CA("test old root", spec.not_after = now - DAY), TLS_KEY_EC_P256, 0, NULL));
    s->anchors[0] = old->cert;
    const node_t *i = add(s, mint(CA("test inter", spec.not_before = now - 400 * DAY), TLS_KEY_EC_P256, 0, old));
    const node_t *l = add(s, mint(LEAF(spec.common_name = SITE), TLS_KEY_EC_P256, 0, i));
    s->chain[s->chain_len++] = l->cert;
    s->chain[s->chain_len++] = i->cert;
  } else if (strcmp(name, "untrusted-intermediate-alone") == 0) {
    const node_t *other = add(s, mint(CA("test other root", spec.path_len = -1), TLS_KEY_EC_P256, 0, NULL));
    const node_t *i = add(s, mint(CA("test other inter", spec.path_len = -1), TLS_KEY_EC_P256, 0, other));
    const node_t *l = add(s, mint(LEAF(spec.common_name = SITE), TLS_KEY_EC_P256, 0, i));
    s->chain[s->chain_len++] = l->cert;
    s->chain[s->chain_len++] = i->cert;
  } else if (strcmp(name, "key-types") == 0) {
    // An RSA-2048 intermediate signing a P-384 leaf with SHA-512.
    const node_t *i = add(s, mint(CA("test RSA inter", spec.md = EVP_sha384()), TLS_KEY_RSA, 2048, root));
    const node_t *l = add(s, mint(LEAF(spec.md = EVP_sha512()), TLS_KEY_EC_P384, 0, i));
    s->chain[s->chain_len++] = l->cert;
    s->chain[s->chain_len++] = i->cert;
  } else if (strcmp(name, "ed25519-leaf") == 0) {
    const node_t *i = add(s, mint(CA("test inter", spec.path_len = -1), TLS_KEY_EC_P256, 0, root));
    const node_t *l = add(s, mint(LEAF(spec.common_name = SITE), 0, 0, i));
    s->chain[s->chain_len++] = l->cert;
    s->chain[s->chain_len++] = i->cert;
  } else if (strcmp(name, "rsa-anchor") == 0) {
    const node_t *rsa = add(s, mint(CA("test RSA root", spec.path_len = -1), TLS_KEY_RSA, 2048, NULL));
    s->anchors[0] = rsa->cert;
    const node_t *i = add(s, mint(CA("test inter", spec.path_len = -1), TLS_KEY_EC_P256, 0, rsa));
    const node_t *l = add(s, mint(LEAF(spec.common_name = SITE), TLS_KEY_EC_P256, 0, i));
    s->chain[s->chain_len++] = l->cert;
    s->chain[s->chain_len++] = i->cert;
  } else if (strcmp(name, "name-constraints-ok") == 0) {
    const node_t *i = add(s, mint(CA("test NC inter", spec.permitted_dns = SITE), TLS_KEY_EC_P256, 0, root));
    const node_t *l = add(s, mint(LEAF(spec.common_name = SITE), TLS_KEY_EC_P256, 0, i));
    s->chain[s->chain_len++] = l->cert;
    s->chain[s->chain_len++] = i->cert;
  } else if (strcmp(name, "cross-signed-loop") == 0) {
    // Two CAs, each signed by the other's key, both sent: no path leaves
    // the loop. Y is first self-signed to lend X its name and key.
    const node_t *y0 = add(s, mint(CA("test loop Y", spec.path_len = -1), TLS_KEY_EC_P256, 0, NULL));
    const node_t *x = add(s, mint(CA("test loop X", spec.path_len = -1), TLS_KEY_EC_P256, 0, y0));
    node_t y = {.key = y0->key};
    EVP_PKEY_up_ref(y.key);
    cr_assert_eq(tls_cert_mint(CA("test loop Y", spec.path_len = -1), y.key, x->cert, x->key, &y.cert), TLS_OK);
    const node_t *yy = add(s, y);
    const node_t *l = add(s, mint(LEAF(spec.common_name = SITE), TLS_KEY_EC_P256, 0, x));
    s->chain[s->chain_len++] = l->cert;
    s->chain[s->chain_len++] = x->cert;
    s->chain[s->chain_len++] = yy->cert;
  } else if (strcmp(name, "v1-leaf") == 0) {
    const node_t *i = add(s, mint(CA("test inter", spec.path_len = -1), TLS_KEY_EC_P256, 0, root));
    const node_t *l = add(s, mint(LEAF(spec.version1 = 1), TLS_KEY_EC_P256, 0, i));
    s->chain[s->chain_len++] = l->cert;
    s->chain[s->chain_len++] = i->cert;
  } else {
    cr_assert_fail("no shape %s", name);
  }
#undef CA
#undef LEAF
}

static void shape_free(shape_t *s) {
  for (size_t i = 0; i < s->num_nodes; i++) {
    node_free(&s->nodes[i]);
  }
}

ParameterizedTestParameters(mirror, shapes) {
  static shape_param_t params[] = {
      // A self-signed leaf trusted as such (--trust with the origin's own
      // certificate): OpenSSL 3 accepts it. BoringSSL looks for its issuer
      // instead and, its key usage lacking keyCertSign, finds none. The
      // mirror cannot please both: its copy chains to the mirror root, as
      // OpenSSL 3 decides.
      {"trusted-self-signed-leaf", X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY},
      {"leaf-under-root", 0},
      {"leaf-under-root-sent", 0},
      {"leaf-sent-twice", 0},
      {"path-length-exceeded", 0},
      {"leaf-as-issuer", 0},
      {"expired-intermediate", 0},
      {"untrusted-intermediate-alone", 0},
      {"key-types", 0},
      {"ed25519-leaf", 0},
      {"rsa-anchor", 0},
      {"name-constraints-ok", 0},
      {"v1-leaf", 0},
      {"cross-signed-loop", 0},
  };
  return cr_make_param_array(shape_param_t, params, COUNT_OF(params));
}

ParameterizedTest(shape_param_t *p, mirror, shapes) {
  env_t e;
  env_init(&e, 8);
  shape_t s;
  build_shape(p->name, e.now, &s);
  inspect_trust_t *trust = trust_of(s.anchors, s.num_anchors);
  inspect_chain_t *chain = chain_of(s.chain, s.chain_len);
  tls_identity_t id;
  cr_assert_eq(tls_mirror_chain(e.mirror, chain, trust, &id), TLS_OK, "%s", p->name);
  check_mirror(&e, trust, s.chain, s.chain_len, &id, p->name);
  CRYPTO_BUFFER *mirror_root = tls_mirror_ca_get0_root(e.ca);
  for (int with_host = 0; with_host < 2; with_host++) {
    for (int purpose = 0; purpose < 2; purpose++) {
      const char *host = with_host ? SITE : NULL;
      int pur = purpose ? X509_PURPOSE_SSL_SERVER : 0;
      verdict_t vo = verify_boringssl(s.chain, s.chain_len, s.anchors, s.num_anchors, host, pur, e.now);
      verdict_t vm = verify_boringssl(id.chain, id.chain_len, &mirror_root, 1, host, pur, e.now);
      if (p->boringssl_refuses) {
        verdict_t want_o = {p->boringssl_refuses, 0}, want_m = {X509_V_OK, -1};
        cr_assert(verdict_eq(vo, want_o) && verdict_eq(vm, want_m),
                  "%s, host %s, purpose %d: BoringSSL says %d at %d to the origin, %d at %d to the mirror", p->name,
                  host != NULL ? host : "-", pur, vo.err, vo.depth, vm.err, vm.depth);
        continue;
      }
      cr_assert(verdict_eq(vo, vm),
                "%s, host %s, purpose %d: BoringSSL says %d at %d to the origin, %d at %d to the mirror", p->name,
                host != NULL ? host : "-", pur, vo.err, vo.depth, vm.err, vm.depth);
    }
  }
  char odir[700], mdir[700];
  snprintf(odir, sizeof(odir), "%s/origin", e.dir);
  snprintf(mdir, sizeof(mdir), "%s/mirror", e.dir);
  cr_assert_eq(mkdir(odir, 0700), 0);
  cr_assert_eq(mkdir(mdir, 0700), 0);
  verdict_t vo = verify_openssl(odir, s.chain, s.chain_len, s.anchors, s.num_anchors, SITE, e.now);
  verdict_t vm = verify_openssl(mdir, id.chain, id.chain_len, &mirror_root, 1, SITE, e.now);
  cr_assert(verdict_eq(vo, vm), "%s: OpenSSL 3 says %d at %d to the origin, %d at %d to the mirror", p->name, vo.err,
            vo.depth, vm.err, vm.depth);
  inspect_chain_free(chain);
  inspect_trust_free(trust);
  shape_free(&s);
  env_cleanup(&e);
}

// An expired trust anchor: OpenSSL 3 and BoringSSL refuse the origin
// (CERT_HAS_EXPIRED at the root), but the mirror root, valid, stands in for
// every anchor, so both accept the mirror. Mirroring it would take a copy
// of the anchor, with its dates, between the chain and the mirror root: a
// change of design, left to the maintainers. Disabled until then.
Test(mirror, expired_anchor, .disabled = true) {
  env_t e;
  env_init(&e, 8);
  shape_t s;
  build_shape("expired-anchor", e.now, &s);
  inspect_trust_t *trust = trust_of(s.anchors, s.num_anchors);
  inspect_chain_t *chain = chain_of(s.chain, s.chain_len);
  tls_identity_t id;
  cr_assert_eq(tls_mirror_chain(e.mirror, chain, trust, &id), TLS_OK);
  CRYPTO_BUFFER *mirror_root = tls_mirror_ca_get0_root(e.ca);
  verdict_t vo = verify_boringssl(s.chain, s.chain_len, s.anchors, s.num_anchors, SITE, 0, e.now);
  verdict_t vm = verify_boringssl(id.chain, id.chain_len, &mirror_root, 1, SITE, 0, e.now);
  cr_assert(verdict_eq(vo, vm), "BoringSSL says %d at %d to the origin, %d at %d to the mirror", vo.err, vo.depth,
            vm.err, vm.depth);
  inspect_chain_free(chain);
  inspect_trust_free(trust);
  shape_free(&s);
  env_cleanup(&e);
}

// The cache: the same origin chain (by content) gives the same
// certificates; once evicted it is minted anew, with the same keys.
Test(mirror, cache) {
  env_t e;
  env_init(&e, 4);
  CRYPTO_BUFFER *const *orig;
  size_t n;
  tls_identity_t id;
  mirror_scenario(&e, "good", 0, &orig, &n, &id);
  cr_assert_eq(tls_mirror_cache_hits(e.mirror), 0);
  CRYPTO_BUFFER *first[2] = {id.chain[0], id.chain[1]};
  CRYPTO_BUFFER_up_ref(first[0]);
  CRYPTO_BUFFER_up_ref(first[1]);
  EVP_PKEY *first_key = id.key;
  EVP_PKEY_up_ref(first_key);
  // A new chain object with the same certificates: a hit.
  tls_identity_t again;
  mirror_scenario(&e, "good", 0, &orig, &n, &again);
  cr_assert_eq(tls_mirror_cache_hits(e.mirror), 1);
  cr_assert_eq(again.chain_len, 2);
  cr_assert(again.chain[0] == first[0] && again.chain[1] == first[1]);
  cr_assert(again.key == first_key);
  // Four other chains fill the four entries.
  static const char *const kOthers[] = {"expired", "not-yet-valid", "hostname-mismatch", "wildcard-too-deep"};
  for (size_t k = 0; k < COUNT_OF(kOthers); k++) {
    mirror_scenario(&e, kOthers[k], 0, &orig, &n, &id);
    cr_assert_eq(tls_mirror_cache_hits(e.mirror), 1, "%s", kOthers[k]);
  }
  mirror_scenario(&e, "expired", 0, &orig, &n, &id);
  cr_assert_eq(tls_mirror_cache_hits(e.mirror), 2);
  // "good" was evicted: minted again (ECDSA signatures differ), same keys.
  mirror_scenario(&e, "good", 0, &orig, &n, &id);
  cr_assert_eq(tls_mirror_cache_hits(e.mirror), 2);
  cr_assert(!same_buffer(id.chain[0], first[0]));
  cr_assert(EVP_PKEY_cmp(id.key, first_key) == 1);
  for (size_t i = 0; i < 2; i++) {
    X509 *a = x509_of(id.chain[i]), *b = x509_of(first[i]);
    cr_assert(same_key(a, b), "certificate %zu has a new key", i);
    X509_free(a);
    X509_free(b);
    CRYPTO_BUFFER_free(first[i]);
  }
  EVP_PKEY_free(first_key);
  env_cleanup(&e);
}

// Keygen jobs: the keys a chain's mirror lacks, generated on another thread.
static void *keygen_thread(void *job) {
  tls_mirror_keygen_run(job);
  return NULL;
}

static void keygen_on_thread(tls_mirror_keygen_t *job) {
  pthread_t t;
  cr_assert_eq(pthread_create(&t, NULL, keygen_thread, job), 0);
  cr_assert_eq(pthread_join(t, NULL), 0);
}

// job_for asks for the mirror of `chain`: a keygen job if keys are missing,
// else NULL (and the chain is minted).
static tls_mirror_keygen_t *job_for(env_t *e, const inspect_chain_t *chain) {
  tls_identity_t id;
  tls_mirror_keygen_t *job = NULL;
  cr_assert_eq(tls_mirror_chain_or_keygen(e->mirror, chain, e->trust, &id, &job), TLS_OK);
  return job;
}

// A job lists exactly the keys tls_mirror_chain would make: once it is done,
// minting any lab chain (with and without SNI) generates none, and there is
// no job for a chain already minted, or whose keys are all there.
Test(mirror, keygen_jobs_supply_every_key) {
  env_t e;
  env_init(&e, 64);
  for (size_t i = 0; i < lab_scenario_count(); i++) {
    for (int no_sni = 0; no_sni < 2; no_sni++) {
      const char *name = lab_scenario_get(i)->name;
      size_t n;
      CRYPTO_BUFFER *const *orig = lab_get0_chain(e.lab, i, no_sni, &n);
      inspect_chain_t *chain = chain_of(orig, n);
      tls_mirror_keygen_t *job = job_for(&e, chain);
      if (job != NULL) {
        cr_assert_gt(tls_mirror_keygen_num(job), 0, "%s", name);
        keygen_on_thread(job);
        tls_mirror_keygen_finish(e.mirror, job);
      }
      size_t before = tls_mirror_keys_generated(e.mirror);
      cr_assert_null(job_for(&e, chain), "%s: keys still missing", name);
      tls_identity_t id;
      cr_assert_eq(tls_mirror_chain(e.mirror, chain, e.trust, &id), TLS_OK, "%s", name);
      cr_assert_eq(tls_mirror_keys_generated(e.mirror), before, "%s: the job missed a key", name);
      cr_assert_null(job_for(&e, chain), "%s: cached", name);
      inspect_chain_free(chain);
    }
  }
  cr_assert_eq(tls_mirror_keys_generated(e.mirror), 0);
  env_cleanup(&e);
}

// What a cold mirror's job holds: a key per copy, none for a sent anchor
// (the mirror root stands in), an extra EC key for a phantom issuer. Two jobs
// for one chain: the first to finish wins, the second's keys are freed.
Test(mirror, keygen_job_contents) {
  static const struct {
    const char *name;
    size_t chain_len, keys;
  } kCases[] = {
      {"good", 2, 2},
      {"anchor-included", 3, 2},
      {"missing-intermediate", 1, 2},
      {"self-signed", 1, 1},
  };
  for (size_t k = 0; k < COUNT_OF(kCases); k++) {
    env_t e;
    env_init(&e, 1);
    int index = lab_scenario_find(kCases[k].name);
    cr_assert_geq(index, 0);
    size_t n;
    CRYPTO_BUFFER *const *orig = lab_get0_chain(e.lab, (size_t)index, 0, &n);
    cr_assert_eq(n, kCases[k].chain_len, "%s", kCases[k].name);
    inspect_chain_t *chain = chain_of(orig, n);
    tls_mirror_keygen_t *first = job_for(&e, chain);
    tls_mirror_keygen_t *second = job_for(&e, chain);
    cr_assert(first != NULL && second != NULL);
    cr_assert_eq(tls_mirror_keygen_num(first), kCases[k].keys, "%s: %zu keys", kCases[k].name,
                 tls_mirror_keygen_num(first));
    keygen_on_thread(first);
    keygen_on_thread(second);
    tls_mirror_keygen_finish(e.mirror, first);
    tls_identity_t id;
    cr_assert_eq(tls_mirror_chain(e.mirror, chain, e.trust, &id), TLS_OK);
    EVP_PKEY *leaf_key = id.key;
    EVP_PKEY_up_ref(leaf_key);
    tls_mirror_keygen_finish(e.mirror, second);  // too late: its keys are dropped
    cr_assert_eq(tls_mirror_keys_generated(e.mirror), 0);
    // Evicted (the cache holds one chain) and minted again: still the first
    // job's leaf key.
    tls_identity_t other;
    mirror_scenario(&e, "expired", 0, &orig, &n, &other);
    cr_assert_eq(tls_mirror_chain(e.mirror, chain, e.trust, &id), TLS_OK);
    cr_assert_eq(tls_mirror_cache_hits(e.mirror), 0);
    cr_assert(EVP_PKEY_cmp(id.key, leaf_key) == 1, "%s: the leaf key changed", kCases[k].name);
    EVP_PKEY_free(leaf_key);
    inspect_chain_free(chain);
    env_cleanup(&e);
  }
}

// Keys are kept per type, size class and position, and reused across
// chains; so two certificates of one chain never share one, and a class
// change gets a key of that class.
Test(mirror, keys_per_position) {
  env_t e;
  env_init(&e, 64);
  X509 *leaf_key_of_good = NULL, *inter_key_of_good = NULL;
  for (size_t i = 0; i < lab_scenario_count(); i++) {
    const char *name = lab_scenario_get(i)->name;
    CRYPTO_BUFFER *const *orig;
    size_t n;
    tls_identity_t id;
    mirror_scenario(&e, name, 0, &orig, &n, &id);
    X509 *copies[4];
    cr_assert_leq(n, COUNT_OF(copies));
    for (size_t k = 0; k < n; k++) {
      copies[k] = x509_of(id.chain[k]);
    }
    for (size_t a = 0; a < n; a++) {
      for (size_t b = a + 1; b < n; b++) {
        cr_assert(!same_key(copies[a], copies[b]), "%s: certificates %zu and %zu share a key", name, a, b);
      }
    }
    if (strcmp(name, "good") == 0) {
      leaf_key_of_good = copies[0];
      inter_key_of_good = copies[1];
      continue;
    }
    cr_assert_not_null(leaf_key_of_good, "good comes first in the lab");
    // Same class at the same position: the same key as good's.
    inspect_cert_t *oc = cert_of(orig[0]);
    int rsa = inspect_cert_get0_info(oc)->key_type == INSPECT_KEY_RSA;
    int self = inspect_cert_is_self_signed(oc);
    inspect_cert_free(oc);
    cr_assert_eq(same_key(copies[0], leaf_key_of_good), !rsa, "%s: leaf key", name);
    if (n > 1 && !self) {
      cr_assert(!same_key(copies[0], inter_key_of_good), "%s", name);
    }
    for (size_t k = 0; k < n; k++) {
      X509_free(copies[k]);
    }
  }
  X509_free(leaf_key_of_good);
  X509_free(inter_key_of_good);
  env_cleanup(&e);
}

// Stand-ins: a valid leaf for the name asked for, under the mirror root.
typedef struct {
  char name[64];
  int ip;
} standin_param_t;

ParameterizedTestParameters(mirror, standin) {
  static standin_param_t params[] = {
      {"standin.example.test", 0}, {"xn--bcher-kva.example", 0}, {"192.0.2.7", 1}, {"2001:db8::1", 1}};
  return cr_make_param_array(standin_param_t, params, COUNT_OF(params));
}

ParameterizedTest(standin_param_t *p, mirror, standin) {
  env_t e;
  env_init(&e, 4);
  tls_identity_t id;
  cr_assert_eq(tls_mirror_standin(e.mirror, p->name, e.now, &id), TLS_OK, "%s", p->name);
  cr_assert_eq(id.chain_len, 1);
  inspect_cert_t *c = cert_of(id.chain[0]);
  const inspect_cert_info_t *info = inspect_cert_get0_info(c);
  cr_assert_str_eq(info->common_name, p->name);
  if (p->ip) {
    cr_assert_eq(info->num_dns_names, 0);
    cr_assert_eq(info->num_ip_addrs, 1);
    uint8_t want[16], got[16];
    int af = strchr(p->name, ':') != NULL ? AF_INET6 : AF_INET;
    cr_assert_eq(inet_pton(af, p->name, want), 1);
    cr_assert_eq(inet_pton(af, info->ip_addrs[0], got), 1, "%s", info->ip_addrs[0]);
    cr_assert(memcmp(want, got, af == AF_INET6 ? 16 : 4) == 0, "%s", info->ip_addrs[0]);
  } else {
    cr_assert_eq(info->num_ip_addrs, 0);
    cr_assert_eq(info->num_dns_names, 1);
    cr_assert_str_eq(info->dns_names[0], p->name);
  }
  cr_assert(!info->is_ca);
  cr_assert_eq(info->eku, INSPECT_EKU_SERVER_AUTH);
  cr_assert_leq(info->not_before, e.now);
  cr_assert_gt(info->not_after, e.now + 7 * DAY);
  inspect_cert_t *root = cert_of(tls_mirror_ca_get0_root(e.ca));
  cr_assert_str_eq(info->issuer, inspect_cert_get0_info(root)->subject);
  inspect_cert_free(root);
  X509 *leaf = inspect_cert_get0_x509(c);
  cr_assert(signed_by(leaf, e.mirror_root));
  cr_assert(X509_check_private_key(leaf, id.key));
  cr_assert(!same_key(leaf, e.mirror_root));
  CRYPTO_BUFFER *mirror_root = tls_mirror_ca_get0_root(e.ca);
  verdict_t v = verify_boringssl(id.chain, 1, &mirror_root, 1, p->name, X509_PURPOSE_SSL_SERVER, e.now);
  cr_assert_eq(v.err, X509_V_OK, "%s: BoringSSL says %d", p->name, v.err);
  v = verify_boringssl(id.chain, 1, &mirror_root, 1, p->ip ? "203.0.113.9" : "other.example.test",
                       X509_PURPOSE_SSL_SERVER, e.now);
  cr_assert_neq(v.err, X509_V_OK, "%s: another name is accepted", p->name);
  v = verify_openssl(e.dir, id.chain, 1, &mirror_root, 1, p->name, e.now);
  cr_assert_eq(v.err, X509_V_OK, "%s: OpenSSL 3 says %d at %d", p->name, v.err, v.depth);
  inspect_cert_free(c);
  env_cleanup(&e);
}

// Names a stand-in cannot carry are refused, not minted.
Test(mirror, standin_bad_names) {
  env_t e;
  env_init(&e, 4);
  static const char *const kBad[] = {"", "a b.test", "a,DNS:evil.test", "x\r\ny"};
  for (size_t i = 0; i < COUNT_OF(kBad); i++) {
    tls_identity_t id;
    cr_assert_neq(tls_mirror_standin(e.mirror, kBad[i], e.now, &id), TLS_OK, "'%s' accepted", kBad[i]);
  }
  // The mirror still works after refusals.
  tls_identity_t id;
  cr_assert_eq(tls_mirror_standin(e.mirror, "ok.test", e.now, &id), TLS_OK);
  env_cleanup(&e);
}

// The mirror CA on disk.
static void ca_path(char *out, size_t len, const char *dir, const char *file) {
  snprintf(out, len, "%s/%s", dir, file);
}

static mode_t mode_of(const char *path) {
  struct stat st;
  cr_assert_eq(stat(path, &st), 0, "%s: %s", path, strerror(errno));
  return st.st_mode & 07777;
}

static size_t read_all(const char *path, uint8_t **out) {
  size_t len = 0;
  cr_assert_eq(tls_file_read(path, 1 << 20, out, &len), TLS_OK, "%s", path);
  return len;
}

Test(mirror_ca, create_and_load) {
  char base[512], dir[600], path[700];
  tmp_dir(base, sizeof(base));
  snprintf(dir, sizeof(dir), "%s/new-ca", base);
  int64_t now = (int64_t)time(NULL);
  cr_assert_eq(tls_mirror_ca_create(dir, now), TLS_OK);
  cr_assert_eq(mode_of(dir), 0700);
  static const struct {
    const char *file;
    mode_t mode;
  } kFiles[] = {{TLS_MIRROR_ROOT_FILE, 0644},
                {TLS_MIRROR_ROOT_KEY_FILE, 0600},
                {TLS_MIRROR_UNTRUSTED_FILE, 0644},
                {TLS_MIRROR_UNTRUSTED_KEY_FILE, 0600}};
  for (size_t i = 0; i < COUNT_OF(kFiles); i++) {
    ca_path(path, sizeof(path), dir, kFiles[i].file);
    cr_assert_eq(mode_of(path), kFiles[i].mode, "%s: mode %o", kFiles[i].file, mode_of(path));
  }
  tls_mirror_ca_t *ca = NULL;
  cr_assert_eq(tls_mirror_ca_load(dir, &ca), TLS_OK);
  inspect_cert_t *root = cert_of(tls_mirror_ca_get0_root(ca));
  const inspect_cert_info_t *info = inspect_cert_get0_info(root);
  cr_assert(info->is_ca && inspect_cert_is_self_signed(root), "%s", info->subject);
  cr_assert_leq(info->not_before, now);
  cr_assert_gt(info->not_after, now + 365 * DAY);
  cr_assert_str_eq(info->common_name, "tlsmirror mirror root CA");
  // The untrusted root is another CA with another key.
  ca_path(path, sizeof(path), dir, TLS_MIRROR_UNTRUSTED_FILE);
  STACK_OF(CRYPTO_BUFFER) *certs = NULL;
  cr_assert_eq(tls_pem_read_certs(path, 1, &certs), TLS_OK);
  X509 *untrusted = x509_of(sk_CRYPTO_BUFFER_value(certs, 0));
  cr_assert(!same_key(untrusted, inspect_cert_get0_x509(root)));
  cr_assert_neq(X509_NAME_cmp(X509_get_subject_name(untrusted), X509_get_subject_name(inspect_cert_get0_x509(root))),
                0);
  X509_free(untrusted);
  sk_CRYPTO_BUFFER_pop_free(certs, CRYPTO_BUFFER_free);
  inspect_cert_free(root);
  tls_mirror_ca_free(ca);
}

Test(mirror_ca, refuses_to_overwrite) {
  char dir[512], path[700];
  tmp_dir(dir, sizeof(dir));  // exists already: created, not replaced
  int64_t now = (int64_t)time(NULL);
  cr_assert_eq(tls_mirror_ca_create(dir, now), TLS_OK);
  uint8_t *before[4], *after[4];
  size_t before_len[4], after_len[4];
  static const char *const kFiles[] = {TLS_MIRROR_ROOT_FILE, TLS_MIRROR_ROOT_KEY_FILE, TLS_MIRROR_UNTRUSTED_FILE,
                                       TLS_MIRROR_UNTRUSTED_KEY_FILE};
  for (size_t i = 0; i < 4; i++) {
    ca_path(path, sizeof(path), dir, kFiles[i]);
    before_len[i] = read_all(path, &before[i]);
  }
  cr_assert_eq(tls_mirror_ca_create(dir, now + 60), TLS_EEXISTS);
  for (size_t i = 0; i < 4; i++) {
    ca_path(path, sizeof(path), dir, kFiles[i]);
    after_len[i] = read_all(path, &after[i]);
    cr_assert(before_len[i] == after_len[i] && memcmp(before[i], after[i], before_len[i]) == 0, "%s changed",
              kFiles[i]);
    free(before[i]);
    free(after[i]);
  }
}

// Proxies starting together on one directory: one creates, the others find
// it (TLS_EEXISTS), and all can load it.
Test(mirror_ca, concurrent_create) {
  char base[512], dir[600];
  tmp_dir(base, sizeof(base));
  snprintf(dir, sizeof(dir), "%s/shared", base);
  int64_t now = (int64_t)time(NULL);
  int go[2];
  cr_assert_eq(pipe(go), 0);
  pid_t pids[6];
  for (size_t i = 0; i < COUNT_OF(pids); i++) {
    pids[i] = fork();
    cr_assert_geq(pids[i], 0);
    if (pids[i] == 0) {
      close(go[1]);
      char c;
      if (read(go[0], &c, 1) != 0) {
        _exit(9);
      }
      int err = tls_mirror_ca_create(dir, now);
      _exit(err == TLS_OK ? 0 : err == TLS_EEXISTS ? 1 : 2);
    }
  }
  close(go[0]);
  close(go[1]);  // EOF: everyone starts at once
  int created = 0, found = 0;
  for (size_t i = 0; i < COUNT_OF(pids); i++) {
    int status;
    cr_assert_eq(waitpid(pids[i], &status, 0), pids[i]);
    cr_assert(WIFEXITED(status), "child %zu did not exit", i);
    created += WEXITSTATUS(status) == 0;
    found += WEXITSTATUS(status) == 1;
  }
  cr_assert_eq(created, 1, "%d created the CA", created);
  cr_assert_eq(found, (int)COUNT_OF(pids) - 1);
  tls_mirror_ca_t *ca = NULL;
  cr_assert_eq(tls_mirror_ca_load(dir, &ca), TLS_OK);
  tls_mirror_ca_free(ca);
}

// A key that does not match its certificate: TLS_EKEY_MISMATCH.
Test(mirror_ca, key_mismatch) {
  char dir[512], a[700], b[700], tmp[700];
  tmp_dir(dir, sizeof(dir));
  cr_assert_eq(tls_mirror_ca_create(dir, (int64_t)time(NULL)), TLS_OK);
  ca_path(a, sizeof(a), dir, TLS_MIRROR_ROOT_KEY_FILE);
  ca_path(b, sizeof(b), dir, TLS_MIRROR_UNTRUSTED_KEY_FILE);
  ca_path(tmp, sizeof(tmp), dir, "swap");
  cr_assert_eq(rename(a, tmp), 0);
  cr_assert_eq(rename(b, a), 0);
  cr_assert_eq(rename(tmp, b), 0);
  tls_mirror_ca_t *ca = (tls_mirror_ca_t *)1;
  cr_assert_eq(tls_mirror_ca_load(dir, &ca), TLS_EKEY_MISMATCH);
  cr_assert_null(ca);
  // Only the untrusted root's key wrong.
  cr_assert_eq(rename(a, tmp), 0);
  cr_assert_eq(rename(b, a), 0);  // the root's key back in place
  uint8_t *key;
  size_t len = read_all(a, &key);
  FILE *f = fopen(b, "wb");
  cr_assert_not_null(f);
  cr_assert_eq(fwrite(key, 1, len, f), len);
  fclose(f);
  free(key);
  cr_assert_eq(tls_mirror_ca_load(dir, &ca), TLS_EKEY_MISMATCH);
  cr_assert_null(ca);
}

// No CA, or half of one: TLS_ENO_CA.
Test(mirror_ca, missing) {
  char dir[512], path[700];
  tmp_dir(dir, sizeof(dir));
  tls_mirror_ca_t *ca = (tls_mirror_ca_t *)1;
  cr_assert_eq(tls_mirror_ca_load(dir, &ca), TLS_ENO_CA);  // empty
  cr_assert_null(ca);
  snprintf(path, sizeof(path), "%s/none", dir);
  cr_assert_eq(tls_mirror_ca_load(path, &ca), TLS_ENO_CA);  // no directory
  cr_assert_eq(tls_mirror_ca_create(dir, (int64_t)time(NULL)), TLS_OK);
  ca_path(path, sizeof(path), dir, TLS_MIRROR_UNTRUSTED_FILE);
  cr_assert_eq(unlink(path), 0);
  cr_assert_eq(tls_mirror_ca_load(dir, &ca), TLS_ENO_CA);  // the untrusted root missing
  cr_assert_null(ca);
}

// AIA: with a base, a mirrored leaf whose original names an AIA URL names one
// at the base instead, which serves the mirrored issuer (what
// tls_mirror_aia_issuer mints); that issuer completes the mirrored chain up
// to the mirror root, for BoringSSL and OpenSSL 3 alike.
static char *aia_url_of(const CRYPTO_BUFFER *buf) {
  int err = 0;
  inspect_cert_t *c = inspect_cert_new(CRYPTO_BUFFER_data(buf), CRYPTO_BUFFER_len(buf), &err);
  cr_assert_not_null(c);
  const char *url = inspect_cert_get0_info(c)->aia_ca_issuers;
  char *copy = url != NULL ? strdup(url) : NULL;
  inspect_cert_free(c);
  return copy;
}

Test(mirror, aia_rewritten_and_served) {
  env_t e;
  env_init(&e, 8);
  int index = lab_scenario_find("missing-intermediate-aia");
  cr_assert_geq(index, 0);
  size_t n = 0;
  CRYPTO_BUFFER *const *orig = lab_get0_chain(e.lab, (size_t)index, 0, &n);
  cr_assert_eq(n, 1);
  char *orig_url = aia_url_of(orig[0]);
  cr_assert_not_null(orig_url, "the lab's leaf names an AIA URL");
  inspect_chain_t *chain = chain_of(orig, n);
  size_t num_inter = 0;
  CRYPTO_BUFFER *const *inters = lab_get0_intermediates(e.lab, &num_inter);
  inspect_cert_t *inter = cert_of(inters[0]);
  CRYPTO_BUFFER *served = NULL;
  char path[64];

  // Without a base the origin's URL stays, and there is nothing to serve.
  tls_identity_t id;
  cr_assert_eq(tls_mirror_chain(e.mirror, chain, e.trust, &id), TLS_OK);
  char *url = aia_url_of(id.chain[0]);
  cr_assert_str_eq(url, orig_url);
  free(url);
  cr_assert_eq(tls_mirror_aia_issuer(e.mirror, chain, 0, inter, e.trust, &served, path, sizeof(path)), TLS_EMINT);
  cr_assert_eq(tls_mirror_aia_path(e.mirror, chain, 0, e.trust, path, sizeof(path)), TLS_EMINT);

  cr_assert_eq(tls_mirror_set_aia_base(e.mirror, "http://mirror.test:8443"), TLS_OK);
  cr_assert_eq(tls_mirror_chain(e.mirror, chain, e.trust, &id), TLS_OK);
  CRYPTO_BUFFER *leaf = id.chain[0];
  CRYPTO_BUFFER_up_ref(leaf);
  url = aia_url_of(leaf);
  cr_assert_not_null(url);
  cr_assert(strncmp(url, "http://mirror.test:8443/", 24) == 0 && strlen(url) == 24 + 32 + 4, "%s", url);
  cr_assert_eq(tls_mirror_aia_issuer(e.mirror, chain, 0, inter, e.trust, &served, path, sizeof(path)), TLS_OK);
  cr_assert_str_eq(url + 23, path, "the served path is the leaf's: %s vs %s", url, path);
  char bare[64];  // the same path, whatever the URL gave
  cr_assert_eq(tls_mirror_aia_path(e.mirror, chain, 0, e.trust, bare, sizeof(bare)), TLS_OK);
  cr_assert_str_eq(bare, path);

  // The leaf alone still misses its issuer; with the served one it chains
  // to the mirror root, as the origin's leaf with the real intermediate
  // chains to the lab root.
  CRYPTO_BUFFER *mirror_root = tls_mirror_ca_get0_root(e.ca);
  const char *host = "missing-intermediate-aia.lab.test";
  verdict_t alone = verify_boringssl(&leaf, 1, &mirror_root, 1, host, X509_PURPOSE_SSL_SERVER, e.now);
  cr_assert_eq(alone.err, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  CRYPTO_BUFFER *with[2] = {leaf, served};
  CRYPTO_BUFFER *lab_root = lab_get0_root(e.lab);
  CRYPTO_BUFFER *orig_with[2] = {orig[0], inters[0]};
  verdict_t want = verify_boringssl(orig_with, 2, &lab_root, 1, host, X509_PURPOSE_SSL_SERVER, e.now);
  cr_assert_eq(want.err, X509_V_OK);
  verdict_t got = verify_boringssl(with, 2, &mirror_root, 1, host, X509_PURPOSE_SSL_SERVER, e.now);
  cr_assert(verdict_eq(got, want), "BoringSSL: %d at %d", got.err, got.depth);
  got = verify_openssl(e.dir, with, 2, &mirror_root, 1, host, e.now);
  cr_assert(verdict_eq(got, want), "OpenSSL: %d at %d", got.err, got.depth);
  // The served issuer keeps the intermediate's names.
  X509 *sx = x509_of(served), *ix = x509_of(inters[0]);
  cr_assert_eq(X509_NAME_cmp(X509_get_subject_name(sx), X509_get_subject_name(ix)), 0);
  X509_free(sx);
  X509_free(ix);
  CRYPTO_BUFFER_free(served);

  // Another base mirrors the same chain anew (the cache keys by base).
  cr_assert_eq(tls_mirror_set_aia_base(e.mirror, "http://other.test"), TLS_OK);
  cr_assert_eq(tls_mirror_chain(e.mirror, chain, e.trust, &id), TLS_OK);
  char *other = aia_url_of(id.chain[0]);
  cr_assert(strncmp(other, "http://other.test/", 18) == 0, "%s", other);
  free(other);

  // An issuer that did not issue the leaf, or a chain whose issuer was sent,
  // has nothing to serve.
  size_t un = 0;
  CRYPTO_BUFFER *const *untrusted = lab_get0_chain(e.lab, (size_t)lab_scenario_find("untrusted-root"), 0, &un);
  inspect_cert_t *stranger = cert_of(untrusted[1]);
  cr_assert_eq(tls_mirror_aia_issuer(e.mirror, chain, 0, stranger, e.trust, &served, path, sizeof(path)), TLS_EMINT);
  cr_assert_eq(tls_mirror_aia_path(e.mirror, chain, 0, e.trust, path, sizeof(path)), TLS_OK);
  size_t gn = 0;
  CRYPTO_BUFFER *const *good = lab_get0_chain(e.lab, (size_t)lab_scenario_find("good"), 0, &gn);
  inspect_chain_t *good_chain = chain_of(good, gn);
  cr_assert_eq(tls_mirror_aia_issuer(e.mirror, good_chain, 0, inter, e.trust, &served, path, sizeof(path)), TLS_EMINT);
  cr_assert_eq(tls_mirror_aia_issuer(e.mirror, chain, 5, inter, e.trust, &served, path, sizeof(path)), TLS_EMINT);
  cr_assert_eq(tls_mirror_aia_path(e.mirror, good_chain, 0, e.trust, path, sizeof(path)), TLS_EMINT);
  cr_assert_eq(tls_mirror_aia_path(e.mirror, chain, 5, e.trust, path, sizeof(path)), TLS_EMINT);

  inspect_chain_free(good_chain);
  inspect_cert_free(stranger);
  CRYPTO_BUFFER_free(leaf);
  free(url);
  free(orig_url);
  inspect_cert_free(inter);
  inspect_chain_free(chain);
  env_cleanup(&e);
}
