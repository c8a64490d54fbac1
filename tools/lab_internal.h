// Internals of the lab, shared by its parts: the catalogue (lab_catalog.c:
// what each scenario is, as data), the PKI and origins (lab.c: minting at
// start-up) and the files (lab_write.c: `tlsmirror lab --out`).

#ifndef TLSMIRROR_TOOLS_LAB_INTERNAL_H
#define TLSMIRROR_TOOLS_LAB_INTERNAL_H

#include "tools/lab.h"

// Issuers in the lab hierarchy.
typedef enum {
  ISSUER_INTER = 0,        // lab root -> lab intermediate (the usual)
  ISSUER_INTER_B,          // lab root -> intermediate A -> intermediate B
  ISSUER_UNTRUSTED_INTER,  // untrusted root -> untrusted intermediate
  ISSUER_NC_INTER,         // lab root -> name-constrained intermediate
  ISSUER_SELF,             // self-signed
  // Intermediates that break one rule of path validation (issue 15).
  ISSUER_PATHLEN_B,       // lab root -> A (pathLenConstraint 0) -> B: B is one CA too many
  ISSUER_NO_KEYCERTSIGN,  // lab root -> a CA whose key usage lacks keyCertSign
  ISSUER_NOT_CA,          // lab root -> a "CA" with basicConstraints CA:FALSE
  ISSUER_NO_BC,           // lab root -> a "CA" without basicConstraints
  ISSUER_POLICY,          // lab root -> a CA with requireExplicitPolicy 0 (and anyPolicy)
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

// The catalogue, in lab_catalog.c: certificate scenarios first, then
// handshake scenarios, offline fixtures last.
#define LAB_MAX_SCENARIOS 64
extern const scenario_def_t lab__scenarios[];
extern const size_t lab__num_scenarios;
// lab__num_served counts the scenarios an origin serves (all but the
// offline fixtures).
size_t lab__num_served(void);

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
typedef enum {
  BUNDLE_GOOD,
  BUNDLE_WITH_LEAF,
  BUNDLE_EXPIRED_CA,
  BUNDLE_SHA1_CA,
  BUNDLE_RSA1024_CA,
  BUNDLE_MISSING_ISSUER,
  BUNDLE_GARBAGE,
  NUM_BUNDLES
} bundle_id_t;

typedef enum { CLIENT_TRUSTED, CLIENT_EXPIRED, CLIENT_UNTRUSTED, CLIENT_TOO_DEEP, NUM_CLIENTS } client_id_t;

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
  lab_site_t sites[LAB_MAX_SCENARIOS];
  int64_t now;
  uint16_t aia_port;   // the port of the AIA URLs; 0 = none given yet (80 in the URL)
  uint8_t *aia_pkcs7;  // the certs-only PKCS#7 that AIA_PKCS7 URLs serve
  size_t aia_pkcs7_len;
};

extern const lab_fixture_t lab__bundles[NUM_BUNDLES];
extern const lab_fixture_t lab__clients[NUM_CLIENTS];

#endif  // TLSMIRROR_TOOLS_LAB_INTERNAL_H
