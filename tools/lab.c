// The lab catalogue and its PKI. Every certificate is minted with BoringSSL
// at start-up, relative to an explicit `now`, so expiry scenarios stay
// expired and nothing generated is ever committed.

#include "tools/lab.h"

#include <errno.h>
#include <openssl/bytestring.h>
#include <openssl/digest.h>
#include <openssl/pkcs7.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DAY (24 * 3600)

// Issuers in the lab hierarchy.
typedef enum {
  ISSUER_INTER = 0,        // lab root -> lab intermediate (the usual)
  ISSUER_INTER_B,          // lab root -> intermediate A -> intermediate B
  ISSUER_UNTRUSTED_INTER,  // untrusted root -> untrusted intermediate
  ISSUER_NC_INTER,         // lab root -> name-constrained intermediate
  ISSUER_SELF,             // self-signed
  // Intermediates that break one rule of path validation (issue 15).
  ISSUER_PATHLEN_B,        // lab root -> A (pathLenConstraint 0) -> B: B is one CA too many
  ISSUER_NO_KEYCERTSIGN,   // lab root -> a CA whose key usage lacks keyCertSign
  ISSUER_NOT_CA,           // lab root -> a "CA" with basicConstraints CA:FALSE
  ISSUER_NO_BC,            // lab root -> a "CA" without basicConstraints
  ISSUER_POLICY,           // lab root -> a CA with requireExplicitPolicy 0 (and anyPolicy)
} issuer_t;

// Chain shapes, as sent.
typedef enum {
  SHAPE_LEAF_INTER = 0,  // the usual
  SHAPE_LEAF_ONLY,
  SHAPE_LEAF_ROOT_INTER,
  SHAPE_LEAF_INTER_ROOT,
  SHAPE_LEAF_INTER_A_B,  // leaf, intermediate A, intermediate B: B issued the leaf
  SHAPE_LEAF_UNTRUSTED_FULL,
  SHAPE_LEAF_NC_INTER,
  SHAPE_LEAF_ISSUERS,  // the leaf and every CA above it up to, not including, the lab root
} shape_t;

typedef enum { VALID_NOW = 0, VALID_EXPIRED, VALID_NOT_YET } validity_t;

typedef enum {
  LEAF_EKU_SERVER = 0,  // extendedKeyUsage serverAuth (the usual)
  LEAF_EKU_CLIENT,      // clientAuth only
} leaf_eku_t;

// What the leaf's AIA caIssuers URL (on the lab's plain-HTTP listener) serves.
typedef enum {
  AIA_NONE = 0,  // no AIA extension (the usual)
  AIA_DER,       // the issuer, one DER certificate (.der)
  AIA_PKCS7,     // the issuer and the root, a certs-only PKCS#7 (.p7c)
  AIA_DEAD,      // nothing: the URL answers 404
} aia_t;

// scenario_def_t is one scenario: what the catalogue says (`info`), how its
// leaf and chain are minted, and how its origin answers. A zero field means
// the usual: an ECDSA P-256 leaf for `info.host` (SAN and CN), signed with
// SHA-256 by the lab intermediate, valid now, serverAuth, sent with the
// intermediate, by an origin that speaks TLS 1.0-1.3 with or without SNI.
// A new scenario is one entry here, with the fields that differ.
typedef struct {
  lab_scenario_t info;
  issuer_t issuer;
  shape_t shape;
  const char *dns[3];  // SAN names; none = info.host (unless cn_only)
  int cn_only;         // the name is in the CN only, with no SAN extension
  validity_t validity;
  int rsa_bits;  // 0 = ECDSA P-256
  int sha1;
  leaf_eku_t eku;
  const char *critical_oid;  // the leaf carries this unknown critical extension
  unsigned key_usage;        // the leaf's key usage (tls_key_usage_t); 0 = what its key type needs
  aia_t aia;
  // Server behaviour.
  int require_sni;
  int default_cert_without_sni;
  int require_client_cert;
  int tls12_only;
  // Handshake scenarios (info.handshake): what the origin accepts of a
  // handshake. Versions (0 = TLS 1.2 to 1.3), a BoringSSL cipher string for
  // TLS 1.2 and older, a curves list, the signature algorithms it signs with.
  uint16_t min_version, max_version;
  const char *ciphers;
  const char *curves;
  uint16_t sigalgs[4];
  int ed25519;  // the leaf's key is Ed25519
} scenario_def_t;

#define SCENARIO(NAME, PROBLEM, WHAT, OPENSSL, OPENSSL_NO_SNI)                                              \
  .info = {.name = NAME, .host = NAME ".lab.test", .problem = PROBLEM, .what = WHAT, .expect_openssl = OPENSSL, \
           .expect_openssl_no_sni = OPENSSL_NO_SNI}

static const scenario_def_t kScenarios[] = {
    {SCENARIO("good", "OK", "nothing: leaf and intermediate in order, trusted root, valid names", "OK", "OK")},
    {SCENARIO("missing-intermediate", "MISSING_INTERMEDIATE",
              "the leaf is sent alone: the intermediate that issued it is missing", "MISSING_INTERMEDIATE",
              "MISSING_INTERMEDIATE"),
     .shape = SHAPE_LEAF_ONLY},
    {SCENARIO("wrong-order", "WRONG_ORDER", "chain sent as leaf, root, intermediate", "OK", "OK"),
     .shape = SHAPE_LEAF_ROOT_INTER},
    {SCENARIO("deep-wrong-order", "WRONG_ORDER",
              "two intermediates out of order: leaf, intermediate A, intermediate B, but B issued the leaf", "OK",
              "OK"),
     .issuer = ISSUER_INTER_B, .shape = SHAPE_LEAF_INTER_A_B},
    {SCENARIO("anchor-included", "ANCHOR_INCLUDED",
              "the trusted root is sent too (harmless for most clients, wasted bytes)", "OK", "OK"),
     .shape = SHAPE_LEAF_INTER_ROOT},
    {SCENARIO("expired", "EXPIRED", "the leaf expired yesterday", "EXPIRED", "EXPIRED"), .validity = VALID_EXPIRED},
    {SCENARIO("not-yet-valid", "NOT_YET_VALID", "the leaf becomes valid in 30 days", "NOT_YET_VALID",
              "NOT_YET_VALID"),
     .validity = VALID_NOT_YET},
    {SCENARIO("self-signed", "SELF_SIGNED", "the leaf is self-signed", "SELF_SIGNED", "SELF_SIGNED"),
     .issuer = ISSUER_SELF, .shape = SHAPE_LEAF_ONLY},
    {SCENARIO("untrusted-root", "UNTRUSTED_ROOT", "the chain ends at a root no client trusts (sent in the chain)",
              "UNTRUSTED_ROOT", "UNTRUSTED_ROOT"),
     .issuer = ISSUER_UNTRUSTED_INTER, .shape = SHAPE_LEAF_UNTRUSTED_FULL},
    {SCENARIO("hostname-mismatch", "HOSTNAME_MISMATCH",
              "the certificate names cloudfront.test and *.cloudfront.test, not the host asked for",
              "HOSTNAME_MISMATCH", "HOSTNAME_MISMATCH"),
     .dns = {"cloudfront.test", "*.cloudfront.test"}},
    {.info = {.name = "wildcard-too-deep", .host = "deep.wildcard-too-deep.lab.test", .problem = "HOSTNAME_MISMATCH",
              .what = "*.lab.test covers one label only, not deep.wildcard-too-deep.lab.test",
              .expect_openssl = "HOSTNAME_MISMATCH", .expect_openssl_no_sni = "HOSTNAME_MISMATCH"},
     .dns = {"*.lab.test"}},
    {SCENARIO("cn-only-no-san", "NO_SAN",
              "the name is only in the subject CN, with no subjectAltName (browsers reject it)", "OK", "OK"),
     .cn_only = 1},
    {SCENARIO("sha1-signature", "WEAK_SIGNATURE", "the leaf is signed with SHA-1", "WEAK_SIGNATURE",
              "WEAK_SIGNATURE"),
     .sha1 = 1},
    {SCENARIO("rsa1024-key", "WEAK_KEY", "the leaf has a 1024-bit RSA key", "WEAK_KEY", "WEAK_KEY"),
     .rsa_bits = 1024},
    {SCENARIO("eku-client-only", "BAD_EKU", "the leaf's extended key usage allows TLS client authentication only",
              "BAD_EKU", "BAD_EKU"),
     .eku = LEAF_EKU_CLIENT},
    {SCENARIO("name-constraint-violation", "NAME_CONSTRAINTS",
              "the intermediate may only issue for allowed.lab.test, but the leaf is for another name",
              "NAME_CONSTRAINTS", "NAME_CONSTRAINTS"),
     .issuer = ISSUER_NC_INTER, .shape = SHAPE_LEAF_NC_INTER},
    // 1.3.6.1.4.1.32473 is the enterprise number RFC 5612 reserves for documentation.
    {SCENARIO("unknown-critical-extension", "UNHANDLED_CRITICAL_EXTENSION",
              "the leaf has an extension marked critical that no client knows (OID 1.3.6.1.4.1.32473.1)",
              "UNHANDLED_CRITICAL_EXTENSION", "UNHANDLED_CRITICAL_EXTENSION"),
     .critical_oid = "1.3.6.1.4.1.32473.1"},
    // Path validation (issue 15): what every verifier enforces on CAs and
    // leaves. The four real clients refuse each of these unless noted.
    {SCENARIO("pathlen-exceeded", "PATH_LENGTH",
              "intermediate A allows no CA below it (pathLenConstraint 0), yet intermediate B under it issued the leaf",
              "PATH_LENGTH", "PATH_LENGTH"),
     .issuer = ISSUER_PATHLEN_B, .shape = SHAPE_LEAF_ISSUERS},
    {SCENARIO("ca-without-keycertsign", "INVALID_CA",
              "the intermediate is CA:TRUE but its key usage (digitalSignature, cRLSign) lacks keyCertSign",
              "INVALID_CA", "INVALID_CA"),
     .issuer = ISSUER_NO_KEYCERTSIGN, .shape = SHAPE_LEAF_ISSUERS},
    {SCENARIO("intermediate-not-ca", "INVALID_CA",
              "the certificate that issued the leaf says basicConstraints CA:FALSE", "INVALID_CA", "INVALID_CA"),
     .issuer = ISSUER_NOT_CA, .shape = SHAPE_LEAF_ISSUERS},
    {SCENARIO("intermediate-no-basic-constraints", "INVALID_CA",
              "the certificate that issued the leaf has no basicConstraints (its key usage allows keyCertSign)",
              "INVALID_CA", "INVALID_CA"),
     .issuer = ISSUER_NO_BC, .shape = SHAPE_LEAF_ISSUERS},
    {SCENARIO("name-constraint-cn-only", "NAME_CONSTRAINTS",
              "the intermediate may only issue for allowed.lab.test; the leaf names its host in the CN only, which "
              "verifiers then check against the constraint",
              "NAME_CONSTRAINTS", "NAME_CONSTRAINTS"),
     .issuer = ISSUER_NC_INTER, .shape = SHAPE_LEAF_NC_INTER, .cn_only = 1},
    // OpenSSL, Node and curl accept: they process policies only when asked.
    {SCENARIO("policy-required", "POLICY",
              "the intermediate requires an explicit policy (requireExplicitPolicy 0) and the leaf has none", "OK",
              "OK"),
     .issuer = ISSUER_POLICY, .shape = SHAPE_LEAF_ISSUERS},
    {SCENARIO("sni-required", "OK",
              "without SNI the origin aborts with a fatal handshake_failure alert (an SNI-only server)", "OK",
              "HANDSHAKE_ALERT"),
     .require_sni = 1},
    {SCENARIO("sni-default-cert", "OK", "without SNI the origin serves its default certificate, for *.edge.test",
              "OK", "HOSTNAME_MISMATCH"),
     .default_cert_without_sni = 1},
    {SCENARIO("mtls-required", "OK",
              "the origin demands a client certificate issued under the lab root (client.pem)", "HANDSHAKE_ALERT",
              "HANDSHAKE_ALERT"),
     .require_client_cert = 1},
    {SCENARIO("tls12-only", "OK", "the origin speaks TLS 1.2 at most", "OK", "OK"), .tls12_only = 1},
    {SCENARIO("slow-handshake", "OK", "the origin waits 3 seconds before answering the ClientHello (for timeouts)",
              "OK", "OK"),
     .info.hello_delay_ms = 3000},
    {SCENARIO("missing-intermediate-aia", "MISSING_INTERMEDIATE",
              "the leaf is sent alone, but its AIA URL serves the intermediate: browsers fetch it, curl does not",
              "MISSING_INTERMEDIATE", "MISSING_INTERMEDIATE"),
     .shape = SHAPE_LEAF_ONLY, .aia = AIA_DER},
    {SCENARIO("missing-intermediate-dead-aia", "MISSING_INTERMEDIATE",
              "the leaf is sent alone and its AIA URL answers 404: browsers cannot fetch the intermediate either",
              "MISSING_INTERMEDIATE", "MISSING_INTERMEDIATE"),
     .shape = SHAPE_LEAF_ONLY, .aia = AIA_DEAD},
    {SCENARIO("aia-pkcs7", "MISSING_INTERMEDIATE",
              "the leaf is sent alone; its AIA URL serves the intermediate as a certs-only PKCS#7 (.p7c)",
              "MISSING_INTERMEDIATE", "MISSING_INTERMEDIATE"),
     .shape = SHAPE_LEAF_ONLY, .aia = AIA_PKCS7},
    // Handshake scenarios (issue 16), after the certificate scenarios: the
    // chain is the usual one, the origin accepts only part of what clients
    // offer. Served by `tlsmirror lab --handshake` (or --only NAME).
    {SCENARIO("tls11-only", "OK", "the origin speaks TLS 1.1 only (OpenSSL 3 at security level 2 refuses it)",
              "PROTOCOL_MISMATCH", "PROTOCOL_MISMATCH"),
     .info.handshake = 1, .min_version = TLS1_1_VERSION, .max_version = TLS1_1_VERSION},
    {SCENARIO("tls13-only", "OK", "the origin speaks TLS 1.3 only", "OK", "OK"),
     .info.handshake = 1, .min_version = TLS1_3_VERSION, .max_version = TLS1_3_VERSION},
    {SCENARIO("rsa-kx-only", "OK", "the origin speaks TLS 1.2 with RSA key exchange only (AES128-GCM-SHA256)", "OK",
              "OK"),
     .info.handshake = 1, .rsa_bits = 2048, .max_version = TLS1_2_VERSION, .ciphers = "AES128-GCM-SHA256"},
    {SCENARIO("chacha20-only", "OK", "the origin speaks TLS 1.2 with ECDHE-ECDSA-CHACHA20-POLY1305 only", "OK", "OK"),
     .info.handshake = 1, .max_version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {SCENARIO("p521-only", "OK", "the origin's only key exchange group is P-521 (secp521r1)", "OK", "OK"),
     .info.handshake = 1, .curves = "P-521"},
    {SCENARIO("ed25519-leaf", "OK", "the leaf's key is Ed25519: the handshake is signed with ed25519", "OK", "OK"),
     .info.handshake = 1, .ed25519 = 1},
    {SCENARIO("rsa-pss-only", "OK", "the origin signs the handshake with rsa_pss_rsae_sha256 only (RSA leaf)", "OK",
              "OK"),
     .info.handshake = 1, .rsa_bits = 2048, .sigalgs = {SSL_SIGN_RSA_PSS_RSAE_SHA256}},
    {SCENARIO("3des-only", "OK", "the origin speaks TLS 1.2 with DES-CBC3-SHA only (no current client offers it)",
              "HANDSHAKE_ALERT", "HANDSHAKE_ALERT"),
     .info.handshake = 1, .rsa_bits = 2048, .max_version = TLS1_2_VERSION, .ciphers = "DES-CBC3-SHA"},
    // Offline fixtures, after every served scenario: BoringSSL refuses to
    // serve them, so the lab writes them for another TLS server.
    // BoringSSL will not even load an EC certificate without digitalSignature
    // (KEY_USAGE_BIT_INCORRECT). From an OpenSSL origin, OpenSSL and Node
    // accept it (they check a leaf's key usage only against a TLS key
    // exchange); Java, Chromium and tlsmirror's own BoringSSL probe refuse it.
    {SCENARIO("ecdsa-leaf-no-digitalsignature", "KEY_USAGE",
              "the ECDSA leaf's key usage is keyAgreement only: TLS 1.3 needs digitalSignature to sign the handshake",
              "OK", "OK"),
     .info.offline = 1, .key_usage = TLS_KU_KEY_AGREEMENT},
};

#undef SCENARIO

#define NUM_SCENARIOS (sizeof(kScenarios) / sizeof(kScenarios[0]))

// Certificate scenarios come first, then handshake scenarios, offline
// fixtures last.
static size_t num_served(void) {
  size_t n = 0;
  while (n < NUM_SCENARIOS && !kScenarios[n].info.offline) {
    n++;
  }
  return n;
}

size_t lab_scenario_count(void) {
  size_t n = 0;
  while (n < NUM_SCENARIOS && !kScenarios[n].info.offline && !kScenarios[n].info.handshake) {
    n++;
  }
  return n;
}

size_t lab_handshake_count(void) { return num_served() - lab_scenario_count(); }

const lab_scenario_t *lab_scenario_get(size_t index) {
  return index < num_served() ? &kScenarios[index].info : NULL;
}

size_t lab_offline_count(void) { return NUM_SCENARIOS - num_served(); }

const lab_scenario_t *lab_offline_get(size_t index) {
  return index < lab_offline_count() ? &kScenarios[num_served() + index].info : NULL;
}

int lab_scenario_find(const char *name) {
  for (size_t i = 0; i < num_served(); i++) {
    if (strcmp(kScenarios[i].info.name, name) == 0) {
      return (int)i;
    }
  }
  return -1;
}

typedef struct lab_ca_st {
  CRYPTO_BUFFER *cert;
  EVP_PKEY *key;
  const struct lab_ca_st *parent;  // the CA that issued it (NULL: a root)
} lab_ca_t;

typedef struct {
  CRYPTO_BUFFER *chain[4];
  size_t chain_len;
  CRYPTO_BUFFER *no_sni_chain[4];
  size_t no_sni_len;
  EVP_PKEY *key;
  EVP_PKEY *no_sni_key;
} lab_site_t;

// CA bundles (bundles/<name>.pem) and mTLS clients (clients/<name>.pem).
typedef enum { BUNDLE_GOOD, BUNDLE_WITH_LEAF, BUNDLE_EXPIRED_CA, BUNDLE_SHA1_CA, BUNDLE_RSA1024_CA,
               BUNDLE_MISSING_ISSUER, BUNDLE_GARBAGE, NUM_BUNDLES } bundle_id_t;

static const lab_fixture_t kBundles[NUM_BUNDLES] = {
    {"good", "OK", "the lab root and intermediate: the CA chain a client trust store needs"},
    {"with-leaf", "NOT_CA", "the lab root and intermediate plus a client leaf certificate (CA:FALSE)"},
    {"expired-ca", "EXPIRED", "the lab root and intermediate plus a CA that expired yesterday"},
    {"sha1-ca", "WEAK_SIGNATURE", "the lab root and intermediate plus a CA the root signed with SHA-1"},
    {"rsa1024-ca", "WEAK_KEY", "the lab root and intermediate plus a CA with a 1024-bit RSA key"},
    {"missing-issuer", "ISSUER_MISSING",
     "the lab root plus the untrusted intermediate, whose root (the untrusted root) is missing"},
    {"garbage", "NON_PEM_DATA",
     "the lab root and intermediate between 'openssl x509 -text' output, a comment with '-' and blank lines"},
};

typedef enum { CLIENT_TRUSTED, CLIENT_EXPIRED, CLIENT_UNTRUSTED, CLIENT_TOO_DEEP, NUM_CLIENTS } client_id_t;

static const lab_fixture_t kClients[NUM_CLIENTS] = {
    {"trusted", "OK", "a clientAuth certificate under the lab intermediate, sent with the intermediate"},
    {"expired", "EXPIRED", "a clientAuth certificate under the lab intermediate that expired yesterday"},
    {"untrusted", "UNTRUSTED_ROOT", "a clientAuth certificate under the untrusted root, sent with its intermediate"},
    {"too-deep", "CHAIN_TOO_LONG",
     "a clientAuth certificate five CAs below the lab root, sent with its four intermediates"},
};

#define LAB_DEEP_CAS 4
#define CLIENT_CHAIN_MAX (1 + LAB_DEEP_CAS)

struct lab_st {
  lab_ca_t root, inter, inter_a, inter_b, untrusted_root, untrusted_inter, nc_inter;
  lab_ca_t pathlen_a, pathlen_b, no_keycertsign, not_ca, no_bc, policy_inter;
  lab_ca_t expired_ca, sha1_ca, rsa1024_ca, deep[LAB_DEEP_CAS];
  CRYPTO_BUFFER *intermediates[4];
  CRYPTO_BUFFER *client_chain[2];
  EVP_PKEY *client_key;
  CRYPTO_BUFFER *clients[NUM_CLIENTS][CLIENT_CHAIN_MAX];  // each holds a reference
  size_t client_len[NUM_CLIENTS];
  EVP_PKEY *client_keys[NUM_CLIENTS];
  lab_site_t sites[NUM_SCENARIOS];
  int64_t now;
  uint16_t aia_port;  // the port of the AIA URLs; 0 = none given yet (80 in the URL)
  uint8_t *aia_pkcs7;  // the certs-only PKCS#7 that AIA_PKCS7 URLs serve
  size_t aia_pkcs7_len;
};

size_t lab_bundle_count(void) { return NUM_BUNDLES; }

const lab_fixture_t *lab_bundle_get(size_t index) { return index < NUM_BUNDLES ? &kBundles[index] : NULL; }

size_t lab_mtls_client_count(void) { return NUM_CLIENTS; }

const lab_fixture_t *lab_mtls_client_get(size_t index) { return index < NUM_CLIENTS ? &kClients[index] : NULL; }

static void site_cleanup(lab_site_t *site) {
  // Chains hold extra references to shared CA certificates.
  for (size_t k = 0; k < site->chain_len; k++) {
    CRYPTO_BUFFER_free(site->chain[k]);
  }
  for (size_t k = 0; k < site->no_sni_len; k++) {
    CRYPTO_BUFFER_free(site->no_sni_chain[k]);
  }
  EVP_PKEY_free(site->key);
  EVP_PKEY_free(site->no_sni_key);
  memset(site, 0, sizeof(*site));
}

static void ca_cleanup(lab_ca_t *ca) {
  CRYPTO_BUFFER_free(ca->cert);
  EVP_PKEY_free(ca->key);
}

void lab_free(lab_t *lab) {
  if (lab == NULL) {
    return;
  }
  ca_cleanup(&lab->root);
  ca_cleanup(&lab->inter);
  ca_cleanup(&lab->inter_a);
  ca_cleanup(&lab->inter_b);
  ca_cleanup(&lab->untrusted_root);
  ca_cleanup(&lab->untrusted_inter);
  ca_cleanup(&lab->nc_inter);
  ca_cleanup(&lab->pathlen_a);
  ca_cleanup(&lab->pathlen_b);
  ca_cleanup(&lab->no_keycertsign);
  ca_cleanup(&lab->not_ca);
  ca_cleanup(&lab->no_bc);
  ca_cleanup(&lab->policy_inter);
  ca_cleanup(&lab->expired_ca);
  ca_cleanup(&lab->sha1_ca);
  ca_cleanup(&lab->rsa1024_ca);
  for (size_t i = 0; i < LAB_DEEP_CAS; i++) {
    ca_cleanup(&lab->deep[i]);
  }
  CRYPTO_BUFFER_free(lab->client_chain[0]);
  EVP_PKEY_free(lab->client_key);
  for (size_t i = 0; i < NUM_CLIENTS; i++) {
    for (size_t k = 0; k < lab->client_len[i]; k++) {
      CRYPTO_BUFFER_free(lab->clients[i][k]);
    }
    EVP_PKEY_free(lab->client_keys[i]);
  }
  for (size_t i = 0; i < NUM_SCENARIOS; i++) {
    site_cleanup(&lab->sites[i]);
  }
  OPENSSL_free(lab->aia_pkcs7);
  free(lab);
}

// How a CA differs from the lab's usual ones (ECDSA P-256, SHA-256, valid
// from a year ago for ten years, CA:TRUE with keyCertSign).
typedef struct {
  int rsa_bits;  // 0 = ECDSA P-256
  int sha1;
  int expired;   // expired yesterday
  unsigned key_usage;  // tls_key_usage_t bits; 0 = a CA's usual
  tls_basic_constraints_t basic_constraints;
  const char *policy_oid;
  int require_explicit_policy;
} ca_variant_t;

static int mint_ca_variant(lab_ca_t *ca, const char *cn, const lab_ca_t *issuer, int path_len,
                           const char *permitted, int64_t now, const ca_variant_t *variant) {
  ca->key = variant->rsa_bits > 0 ? tls_key_generate(TLS_KEY_RSA, variant->rsa_bits)
                                  : tls_key_generate(TLS_KEY_EC_P256, 0);
  if (ca->key == NULL) {
    return TLS_EKEYGEN;
  }
  tls_cert_spec_t spec = {
      .common_name = cn,
      .organization = "tlsmirror lab",
      .not_before = now - 365 * DAY,
      .not_after = variant->expired ? now - 1 * DAY : now + 3650 * DAY,
      .is_ca = 1,
      .path_len = path_len,
      .permitted_dns = permitted,
      .md = variant->sha1 ? EVP_sha1() : NULL,
      .key_usage = variant->key_usage,
      .basic_constraints = variant->basic_constraints,
      .policy_oid = variant->policy_oid,
      .require_explicit_policy = variant->require_explicit_policy,
  };
  ca->parent = issuer;
  return tls_cert_mint(&spec, ca->key, issuer != NULL ? issuer->cert : NULL, issuer != NULL ? issuer->key : NULL,
                       &ca->cert);
}

static int mint_ca(lab_ca_t *ca, const char *cn, const lab_ca_t *issuer, int path_len, const char *permitted,
                   int64_t now) {
  static const ca_variant_t kPlain = {0};
  return mint_ca_variant(ca, cn, issuer, path_len, permitted, now, &kPlain);
}

// mint_rule_breakers mints the intermediates of the path-validation
// scenarios, each breaking one rule and otherwise like the lab intermediate.
static int mint_rule_breakers(lab_t *lab, int64_t now) {
  static const ca_variant_t kNoCertSign = {.key_usage = TLS_KU_DIGITAL_SIGNATURE | TLS_KU_CRL_SIGN},
                            kNotCa = {.basic_constraints = TLS_BC_CA_FALSE},
                            kNoBc = {.basic_constraints = TLS_BC_ABSENT},
                            kPolicy = {.policy_oid = "2.5.29.32.0", .require_explicit_policy = 1};
  int err = mint_ca(&lab->pathlen_a, "tlsmirror lab intermediate A (pathlen 0)", &lab->root, 0, NULL, now);
  if (err == TLS_OK) err = mint_ca(&lab->pathlen_b, "tlsmirror lab intermediate B", &lab->pathlen_a, -1, NULL, now);
  if (err == TLS_OK)
    err = mint_ca_variant(&lab->no_keycertsign, "tlsmirror lab CA without keyCertSign", &lab->root, 0, NULL, now,
                          &kNoCertSign);
  if (err == TLS_OK)
    err = mint_ca_variant(&lab->not_ca, "tlsmirror lab CA:FALSE issuer", &lab->root, -1, NULL, now, &kNotCa);
  if (err == TLS_OK)
    err = mint_ca_variant(&lab->no_bc, "tlsmirror lab issuer without basicConstraints", &lab->root, -1, NULL, now,
                          &kNoBc);
  if (err == TLS_OK)
    err = mint_ca_variant(&lab->policy_inter, "tlsmirror lab policy-constrained CA", &lab->root, 0, NULL, now,
                          &kPolicy);
  return err;
}

static const lab_ca_t *issuer_ca(const lab_t *lab, issuer_t issuer) {
  switch (issuer) {
    case ISSUER_INTER:
      return &lab->inter;
    case ISSUER_INTER_B:
      return &lab->inter_b;
    case ISSUER_UNTRUSTED_INTER:
      return &lab->untrusted_inter;
    case ISSUER_NC_INTER:
      return &lab->nc_inter;
    case ISSUER_PATHLEN_B:
      return &lab->pathlen_b;
    case ISSUER_NO_KEYCERTSIGN:
      return &lab->no_keycertsign;
    case ISSUER_NOT_CA:
      return &lab->not_ca;
    case ISSUER_NO_BC:
      return &lab->no_bc;
    case ISSUER_POLICY:
      return &lab->policy_inter;
    case ISSUER_SELF:
      break;
  }
  return NULL;
}

static void push(CRYPTO_BUFFER **chain, size_t *len, CRYPTO_BUFFER *cert) {
  CRYPTO_BUFFER_up_ref(cert);
  chain[(*len)++] = cert;
}

// leaf_key makes the key of a scenario's leaf: ECDSA P-256 unless it says.
static EVP_PKEY *leaf_key(const scenario_def_t *def) {
  if (def->ed25519) {
    return tls_key_generate(TLS_KEY_ED25519, 0);
  }
  return def->rsa_bits > 0 ? tls_key_generate(TLS_KEY_RSA, def->rsa_bits) : tls_key_generate(TLS_KEY_EC_P256, 0);
}

static int mint_site(lab_t *lab, size_t index, int64_t now) {
  const scenario_def_t *def = &kScenarios[index];
  lab_site_t *site = &lab->sites[index];
  site->key = leaf_key(def);
  if (site->key == NULL) {
    return TLS_EKEYGEN;
  }
  const char *const *dns = def->dns;
  size_t num_dns = 0;
  while (num_dns < 3 && dns[num_dns] != NULL) {
    num_dns++;
  }
  if (num_dns == 0) {
    dns = &def->info.host;
    num_dns = 1;
  }
  tls_cert_spec_t spec = {
      .common_name = def->cn_only ? def->info.host : dns[0],
      .organization = "tlsmirror lab",
      .dns_names = dns,
      .num_dns_names = def->cn_only ? 0 : num_dns,
      .not_before = now - 30 * DAY,
      .not_after = now + 200 * DAY,
      .path_len = -1,
      .eku = def->eku == LEAF_EKU_CLIENT ? TLS_EKU_CLIENT : TLS_EKU_SERVER,
      .md = def->sha1 ? EVP_sha1() : NULL,
      .critical_oid = def->critical_oid,
      .key_usage = def->key_usage,
  };
  char aia_url[256];
  if (def->aia != AIA_NONE) {
    lab_aia_url(lab, index, aia_url, sizeof(aia_url));
    spec.aia_ca_issuers = aia_url;
  }
  if (def->validity == VALID_EXPIRED) {
    spec.not_before = now - 120 * DAY;
    spec.not_after = now - 1 * DAY;
  } else if (def->validity == VALID_NOT_YET) {
    spec.not_before = now + 30 * DAY;
    spec.not_after = now + 230 * DAY;
  }
  const lab_ca_t *ca = issuer_ca(lab, def->issuer);
  CRYPTO_BUFFER *leaf = NULL;
  int err = tls_cert_mint(&spec, site->key, ca != NULL ? ca->cert : NULL, ca != NULL ? ca->key : NULL, &leaf);
  if (err != TLS_OK) {
    return err;
  }
  site->chain[site->chain_len++] = leaf;
  switch (def->shape) {
    case SHAPE_LEAF_INTER:
      push(site->chain, &site->chain_len, lab->inter.cert);
      break;
    case SHAPE_LEAF_ONLY:
      break;
    case SHAPE_LEAF_ROOT_INTER:
      push(site->chain, &site->chain_len, lab->root.cert);
      push(site->chain, &site->chain_len, lab->inter.cert);
      break;
    case SHAPE_LEAF_INTER_ROOT:
      push(site->chain, &site->chain_len, lab->inter.cert);
      push(site->chain, &site->chain_len, lab->root.cert);
      break;
    case SHAPE_LEAF_INTER_A_B:
      push(site->chain, &site->chain_len, lab->inter_a.cert);
      push(site->chain, &site->chain_len, lab->inter_b.cert);
      break;
    case SHAPE_LEAF_UNTRUSTED_FULL:
      push(site->chain, &site->chain_len, lab->untrusted_inter.cert);
      push(site->chain, &site->chain_len, lab->untrusted_root.cert);
      break;
    case SHAPE_LEAF_NC_INTER:
      push(site->chain, &site->chain_len, lab->nc_inter.cert);
      break;
    case SHAPE_LEAF_ISSUERS:
      for (const lab_ca_t *c = ca; c != NULL && c->parent != NULL && site->chain_len < 4; c = c->parent) {
        push(site->chain, &site->chain_len, c->cert);
      }
      break;
  }
  if (def->default_cert_without_sni) {
    // What an SNI-only edge serves to a client that names no host.
    static const char *const kDefaultNames[] = {"default.edge.test", "*.edge.test"};
    site->no_sni_key = tls_key_generate(TLS_KEY_EC_P256, 0);
    if (site->no_sni_key == NULL) {
      return TLS_EKEYGEN;
    }
    tls_cert_spec_t dflt = spec;
    dflt.common_name = kDefaultNames[0];
    dflt.dns_names = kDefaultNames;
    dflt.num_dns_names = 2;
    CRYPTO_BUFFER *dleaf = NULL;
    err = tls_cert_mint(&dflt, site->no_sni_key, lab->inter.cert, lab->inter.key, &dleaf);
    if (err != TLS_OK) {
      return err;
    }
    site->no_sni_chain[site->no_sni_len++] = dleaf;
    push(site->no_sni_chain, &site->no_sni_len, lab->inter.cert);
  }
  return TLS_OK;
}

static int mint_client(lab_t *lab, int64_t now) {
  static const char *const kNames[] = {"client.lab.test"};
  lab->client_key = tls_key_generate(TLS_KEY_EC_P256, 0);
  if (lab->client_key == NULL) {
    return TLS_EKEYGEN;
  }
  tls_cert_spec_t spec = {
      .common_name = "lab client",
      .organization = "tlsmirror lab",
      .dns_names = kNames,
      .num_dns_names = 1,
      .not_before = now - 30 * DAY,
      .not_after = now + 200 * DAY,
      .path_len = -1,
      .eku = TLS_EKU_CLIENT,
  };
  int err = tls_cert_mint(&spec, lab->client_key, lab->inter.cert, lab->inter.key, &lab->client_chain[0]);
  if (err == TLS_OK) {
    lab->client_chain[1] = lab->inter.cert;  // borrowed: lab->inter owns it
  }
  return err;
}

// mint_mtls_clients mints the clients of clients/: a clientAuth leaf each,
// under the CA the fixture names, with the chain the client sends.
static int mint_mtls_clients(lab_t *lab, int64_t now) {
  static const ca_variant_t kExpired = {.expired = 1}, kSha1 = {.sha1 = 1}, kRsa1024 = {.rsa_bits = 1024};
  int err = mint_ca_variant(&lab->expired_ca, "tlsmirror lab expired CA", &lab->root, -1, NULL, now, &kExpired);
  if (err == TLS_OK) err = mint_ca_variant(&lab->sha1_ca, "tlsmirror lab SHA-1 CA", &lab->root, -1, NULL, now, &kSha1);
  if (err == TLS_OK)
    err = mint_ca_variant(&lab->rsa1024_ca, "tlsmirror lab RSA-1024 CA", &lab->root, -1, NULL, now, &kRsa1024);
  for (size_t i = 0; err == TLS_OK && i < LAB_DEEP_CAS; i++) {
    char cn[64];
    snprintf(cn, sizeof(cn), "tlsmirror lab deep CA %zu", i + 1);
    err = mint_ca(&lab->deep[i], cn, i == 0 ? &lab->root : &lab->deep[i - 1], -1, NULL, now);
  }
  for (size_t c = 0; err == TLS_OK && c < NUM_CLIENTS; c++) {
    if (c == CLIENT_TRUSTED) {  // the lab client (client.pem) itself
      push(lab->clients[c], &lab->client_len[c], lab->client_chain[0]);
      push(lab->clients[c], &lab->client_len[c], lab->client_chain[1]);
      EVP_PKEY_up_ref(lab->client_key);
      lab->client_keys[c] = lab->client_key;
      continue;
    }
    const lab_ca_t *issuer = c == CLIENT_UNTRUSTED ? &lab->untrusted_inter
                             : c == CLIENT_TOO_DEEP ? &lab->deep[LAB_DEEP_CAS - 1]
                                                    : &lab->inter;
    char cn[64];
    snprintf(cn, sizeof(cn), "lab client %s", kClients[c].name);
    lab->client_keys[c] = tls_key_generate(TLS_KEY_EC_P256, 0);
    if (lab->client_keys[c] == NULL) {
      return TLS_EKEYGEN;
    }
    tls_cert_spec_t spec = {
        .common_name = cn,
        .organization = "tlsmirror lab",
        .not_before = c == CLIENT_EXPIRED ? now - 120 * DAY : now - 30 * DAY,
        .not_after = c == CLIENT_EXPIRED ? now - 1 * DAY : now + 200 * DAY,
        .path_len = -1,
        .eku = TLS_EKU_CLIENT,
    };
    CRYPTO_BUFFER *leaf = NULL;
    err = tls_cert_mint(&spec, lab->client_keys[c], issuer->cert, issuer->key, &leaf);
    if (err != TLS_OK) {
      return err;
    }
    lab->clients[c][lab->client_len[c]++] = leaf;
    if (c == CLIENT_TOO_DEEP) {
      for (size_t k = LAB_DEEP_CAS; k > 0; k--) {
        push(lab->clients[c], &lab->client_len[c], lab->deep[k - 1].cert);
      }
    } else {
      push(lab->clients[c], &lab->client_len[c], issuer->cert);
    }
  }
  return err;
}

// bundle_pkcs7 makes what AIA_PKCS7 URLs serve: the intermediate and the
// root as a certs-only PKCS#7, as some CAs publish their .p7c files.
static int bundle_pkcs7(lab_t *lab) {
  STACK_OF(CRYPTO_BUFFER) *certs = sk_CRYPTO_BUFFER_new_null();
  CBB cbb;
  int ok = certs != NULL && CBB_init(&cbb, 2048);
  if (ok) {
    ok = sk_CRYPTO_BUFFER_push(certs, lab->inter.cert) && sk_CRYPTO_BUFFER_push(certs, lab->root.cert) &&
         PKCS7_bundle_raw_certificates(&cbb, certs) && CBB_finish(&cbb, &lab->aia_pkcs7, &lab->aia_pkcs7_len);
    if (!ok) {
      CBB_cleanup(&cbb);
    }
  }
  sk_CRYPTO_BUFFER_free(certs);  // the lab keeps its references
  return ok ? TLS_OK : TLS_ENOMEM;
}

int lab_aia_url(const lab_t *lab, size_t index, char *out, size_t out_len) {
  if (index >= NUM_SCENARIOS || kScenarios[index].aia == AIA_NONE) {
    return 0;
  }
  char port[8] = "";
  if (lab->aia_port != 0) {
    snprintf(port, sizeof(port), ":%u", lab->aia_port);
  }
  return snprintf(out, out_len, "http://" LAB_AIA_HOST "%s/%s/issuer.%s", port, kScenarios[index].info.name,
                  kScenarios[index].aia == AIA_PKCS7 ? "p7c" : "der") < (int)out_len;
}

int lab_aia_object(const lab_t *lab, size_t index, lab_aia_object_t *out) {
  char url[256];
  if (!lab_aia_url(lab, index, url, sizeof(url))) {
    return 0;
  }
  snprintf(out->path, sizeof(out->path), "%s", strchr(url + strlen("http://"), '/'));
  switch (kScenarios[index].aia) {
    case AIA_DER:
      out->body = CRYPTO_BUFFER_data(lab->inter.cert);
      out->body_len = CRYPTO_BUFFER_len(lab->inter.cert);
      out->content_type = "application/pkix-cert";
      return 1;
    case AIA_PKCS7:
      out->body = lab->aia_pkcs7;
      out->body_len = lab->aia_pkcs7_len;
      out->content_type = "application/pkcs7-mime";
      return 1;
    case AIA_DEAD:
    case AIA_NONE:
      break;
  }
  return 0;
}

int lab_set_aia_port(lab_t *lab, uint16_t port) {
  lab->aia_port = port;
  int err = TLS_OK;
  for (size_t i = 0; i < NUM_SCENARIOS && err == TLS_OK; i++) {
    if (kScenarios[i].aia != AIA_NONE) {
      site_cleanup(&lab->sites[i]);
      err = mint_site(lab, i, lab->now);
    }
  }
  return err;
}

lab_t *lab_new(int64_t now, int *out_err) {
  for (size_t i = num_served(); i < NUM_SCENARIOS; i++) {
    if (!kScenarios[i].info.offline) {
      *out_err = TLS_EMINT;  // a served scenario after an offline fixture: move it up in kScenarios
      return NULL;
    }
  }
  lab_t *lab = calloc(1, sizeof(*lab));
  if (lab == NULL) {
    *out_err = TLS_ENOMEM;
    return NULL;
  }
  lab->now = now;
  int err = mint_ca(&lab->root, "tlsmirror lab root CA", NULL, -1, NULL, now);
  if (err == TLS_OK) err = mint_ca(&lab->inter, "tlsmirror lab intermediate CA", &lab->root, 0, NULL, now);
  if (err == TLS_OK) err = mint_ca(&lab->inter_a, "tlsmirror lab intermediate A", &lab->root, 1, NULL, now);
  if (err == TLS_OK) err = mint_ca(&lab->inter_b, "tlsmirror lab intermediate B", &lab->inter_a, 0, NULL, now);
  if (err == TLS_OK) err = mint_ca(&lab->untrusted_root, "tlsmirror untrusted root CA", NULL, -1, NULL, now);
  if (err == TLS_OK)
    err = mint_ca(&lab->untrusted_inter, "tlsmirror untrusted intermediate CA", &lab->untrusted_root, 0, NULL, now);
  if (err == TLS_OK)
    err = mint_ca(&lab->nc_inter, "tlsmirror lab constrained intermediate CA", &lab->root, 0, "allowed.lab.test",
                  now);
  if (err == TLS_OK) err = mint_rule_breakers(lab, now);
  for (size_t i = 0; err == TLS_OK && i < NUM_SCENARIOS; i++) {
    err = mint_site(lab, i, now);
  }
  if (err == TLS_OK) {
    err = mint_client(lab, now);
  }
  if (err == TLS_OK) {
    err = mint_mtls_clients(lab, now);
  }
  if (err == TLS_OK) {
    err = bundle_pkcs7(lab);
  }
  if (err != TLS_OK) {
    lab_free(lab);
    *out_err = err;
    return NULL;
  }
  lab->intermediates[0] = lab->inter.cert;
  lab->intermediates[1] = lab->inter_a.cert;
  lab->intermediates[2] = lab->inter_b.cert;
  lab->intermediates[3] = lab->nc_inter.cert;
  *out_err = TLS_OK;
  return lab;
}

CRYPTO_BUFFER *lab_get0_root(const lab_t *lab) { return lab->root.cert; }

CRYPTO_BUFFER *lab_get0_untrusted_root(const lab_t *lab) { return lab->untrusted_root.cert; }

CRYPTO_BUFFER *const *lab_get0_intermediates(const lab_t *lab, size_t *out_num) {
  *out_num = 4;
  return lab->intermediates;
}

CRYPTO_BUFFER *const *lab_offline_get0_chain(const lab_t *lab, size_t index, size_t *out_num) {
  return lab_get0_chain(lab, num_served() + index, 0, out_num);
}

CRYPTO_BUFFER *const *lab_get0_chain(const lab_t *lab, size_t index, int no_sni, size_t *out_num) {
  const lab_site_t *site = &lab->sites[index];
  if (no_sni && site->no_sni_len > 0) {
    *out_num = site->no_sni_len;
    return site->no_sni_chain;
  }
  *out_num = site->chain_len;
  return site->chain;
}

CRYPTO_BUFFER *const *lab_get0_client_chain(const lab_t *lab, size_t *out_num) {
  *out_num = 2;
  return lab->client_chain;
}

EVP_PKEY *lab_get0_client_key(const lab_t *lab) { return lab->client_key; }

CRYPTO_BUFFER *const *lab_mtls_client_get0_chain(const lab_t *lab, size_t index, size_t *out_num) {
  *out_num = index < NUM_CLIENTS ? lab->client_len[index] : 0;
  return index < NUM_CLIENTS ? lab->clients[index] : NULL;
}

EVP_PKEY *lab_mtls_client_get0_key(const lab_t *lab, size_t index) {
  return index < NUM_CLIENTS ? lab->client_keys[index] : NULL;
}

// What people paste into a bundle by mistake: the text form of a certificate
// (as in ALB's example of a bundle it refuses), a comment with a '-' and
// blank lines.
static const char kGarbageHead[] =
    "# lab CA bundle - exported with openssl x509 -text\n"
    "\n"
    "Certificate:\n"
    "    Data:\n"
    "        Version: 3 (0x2)\n"
    "    Signature Algorithm: ecdsa-with-SHA256\n"
    "        Issuer: O = tlsmirror lab, CN = tlsmirror lab root CA\n"
    "        Subject: O = tlsmirror lab, CN = tlsmirror lab root CA\n";

int lab_bundle_render(const lab_t *lab, size_t index, inspect_buf_t *out) {
  CRYPTO_BUFFER *certs[3] = {lab->root.cert, lab->inter.cert, NULL};
  size_t num = 2;
  switch ((bundle_id_t)index) {
    case BUNDLE_GOOD:
    case BUNDLE_GARBAGE:
      break;
    case BUNDLE_WITH_LEAF:
      certs[num++] = lab->client_chain[0];
      break;
    case BUNDLE_EXPIRED_CA:
      certs[num++] = lab->expired_ca.cert;
      break;
    case BUNDLE_SHA1_CA:
      certs[num++] = lab->sha1_ca.cert;
      break;
    case BUNDLE_RSA1024_CA:
      certs[num++] = lab->rsa1024_ca.cert;
      break;
    case BUNDLE_MISSING_ISSUER:
      certs[1] = lab->untrusted_inter.cert;
      break;
    case NUM_BUNDLES:
    default:
      return TLS_EMINT;  // no such bundle
  }
  int err = TLS_OK;
  if (index == BUNDLE_GARBAGE) {
    inspect_buf_puts(out, kGarbageHead);
  }
  for (size_t i = 0; i < num && err == TLS_OK; i++) {
    if (index == BUNDLE_GARBAGE && i > 0) {
      inspect_buf_puts(out, "\n");
    }
    if (inspect_pem_append_cert(out, CRYPTO_BUFFER_data(certs[i]), CRYPTO_BUFFER_len(certs[i])) != INSPECT_OK) {
      err = TLS_ENOMEM;
    }
  }
  return err == TLS_OK && out->failed ? TLS_ENOMEM : err;
}

static int write_bytes(const char *path, const inspect_buf_t *buf) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    return TLS_EWRITE;
  }
  int ok = fwrite(buf->data != NULL ? buf->data : "", 1, buf->len, f) == buf->len;
  ok = fclose(f) == 0 && ok;
  return ok ? TLS_OK : TLS_EWRITE;
}

SSL_CTX *lab_origin_ctx_new(const lab_t *lab, size_t index, int *out_err) {
  const scenario_def_t *def = &kScenarios[index];
  const lab_site_t *site = &lab->sites[index];
  tls_origin_config_t cfg = {
      .identity = {site->chain, site->chain_len, site->key},
      .no_sni = {site->no_sni_chain, site->no_sni_len, site->no_sni_key},
      .require_sni = def->require_sni,
      .max_version = def->tls12_only ? TLS1_2_VERSION : def->max_version,
      .min_version = def->min_version,
      .ciphers = def->ciphers,
      .curves = def->curves,
      .sigalgs = def->sigalgs,
      .num_sigalgs = def->sigalgs[0] != 0 ? 1 : 0,
      .client_ca = lab->root.cert,
      .require_client_cert = def->require_client_cert,
  };
  return tls_origin_ctx_new(&cfg, out_err);
}

static int make_dir(const char *path) {
  return mkdir(path, 0755) == 0 || errno == EEXIST ? TLS_OK : TLS_EWRITE;
}

int lab_write(const lab_t *lab, const char *dir, char *err, size_t err_len) {
  char path[4096];
  snprintf(path, sizeof(path), "%s", dir);
  int r = make_dir(dir);
#define LAB_PATH(...) (snprintf(path, sizeof(path), __VA_ARGS__) < (int)sizeof(path) ? path : "")
  if (r == TLS_OK) r = tls_pem_write_certs(LAB_PATH("%s/root.pem", dir), &lab->root.cert, 1);
  if (r == TLS_OK) r = tls_pem_write_certs(LAB_PATH("%s/untrusted-root.pem", dir), &lab->untrusted_root.cert, 1);
  if (r == TLS_OK) r = tls_pem_write_certs(LAB_PATH("%s/intermediates.pem", dir), lab->intermediates, 4);
  if (r == TLS_OK) r = tls_pem_write_certs(LAB_PATH("%s/client.pem", dir), lab->client_chain, 2);
  if (r == TLS_OK) r = tls_pem_write_key(LAB_PATH("%s/client.key", dir), lab->client_key);
  for (size_t i = 0; r == TLS_OK && i < NUM_SCENARIOS; i++) {
    const lab_site_t *site = &lab->sites[i];
    const char *name = kScenarios[i].info.name;
    r = make_dir(LAB_PATH("%s/%s", dir, name));
    if (r == TLS_OK) r = tls_pem_write_certs(LAB_PATH("%s/%s/chain.pem", dir, name), site->chain, site->chain_len);
    if (r == TLS_OK) r = tls_pem_write_key(LAB_PATH("%s/%s/key.pem", dir, name), site->key);
    if (r == TLS_OK && site->no_sni_len > 0) {
      r = tls_pem_write_certs(LAB_PATH("%s/%s/no-sni-chain.pem", dir, name), site->no_sni_chain, site->no_sni_len);
    }
  }
  if (r == TLS_OK) r = make_dir(LAB_PATH("%s/bundles", dir));
  for (size_t i = 0; r == TLS_OK && i < NUM_BUNDLES; i++) {
    inspect_buf_t buf;
    inspect_buf_init(&buf, 1 << 20);
    r = lab_bundle_render(lab, i, &buf);
    if (r == TLS_OK) r = write_bytes(LAB_PATH("%s/bundles/%s.pem", dir, kBundles[i].name), &buf);
    inspect_buf_cleanup(&buf);
  }
  if (r == TLS_OK) r = make_dir(LAB_PATH("%s/clients", dir));
  for (size_t i = 0; r == TLS_OK && i < NUM_CLIENTS; i++) {
    r = tls_pem_write_certs(LAB_PATH("%s/clients/%s.pem", dir, kClients[i].name), lab->clients[i],
                            lab->client_len[i]);
    if (r == TLS_OK) r = tls_pem_write_key(LAB_PATH("%s/clients/%s.key", dir, kClients[i].name), lab->client_keys[i]);
  }
#undef LAB_PATH
  if (r != TLS_OK) {
    snprintf(err, err_len, "%s: %s", path, tls_strerror(r));
  }
  return r;
}
