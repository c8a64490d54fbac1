// The lab catalogue as data: every scenario (what it breaks, what OpenSSL
// says of it, how its leaf, chain and origin differ from the usual), the CA
// bundles and the mTLS clients. A new scenario is one entry here.

#include <string.h>

#include "tools/lab_internal.h"

#define SCENARIO(NAME, PROBLEM, WHAT, OPENSSL, OPENSSL_NO_SNI) \
  .info = {.name = NAME,                                       \
           .host = NAME ".lab.test",                           \
           .problem = PROBLEM,                                 \
           .what = WHAT,                                       \
           .expect_openssl = OPENSSL,                          \
           .expect_openssl_no_sni = OPENSSL_NO_SNI}

const scenario_def_t lab__scenarios[] = {
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
    {SCENARIO("not-yet-valid", "NOT_YET_VALID", "the leaf becomes valid in 30 days", "NOT_YET_VALID", "NOT_YET_VALID"),
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
    {.info = {.name = "wildcard-too-deep",
              .host = "deep.wildcard-too-deep.lab.test",
              .problem = "HOSTNAME_MISMATCH",
              .what = "*.lab.test covers one label only, not deep.wildcard-too-deep.lab.test",
              .expect_openssl = "HOSTNAME_MISMATCH",
              .expect_openssl_no_sni = "HOSTNAME_MISMATCH"},
     .dns = {"*.lab.test"}},
    {SCENARIO("cn-only-no-san", "NO_SAN",
              "the name is only in the subject CN, with no subjectAltName (browsers reject it)", "OK", "OK"),
     .cn_only = 1},
    {SCENARIO("sha1-signature", "WEAK_SIGNATURE", "the leaf is signed with SHA-1", "WEAK_SIGNATURE", "WEAK_SIGNATURE"),
     .sha1 = 1},
    {SCENARIO("rsa1024-key", "WEAK_KEY", "the leaf has a 1024-bit RSA key", "WEAK_KEY", "WEAK_KEY"), .rsa_bits = 1024},
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
    {SCENARIO("sni-default-cert", "OK", "without SNI the origin serves its default certificate, for *.edge.test", "OK",
              "HOSTNAME_MISMATCH"),
     .default_cert_without_sni = 1},
    {SCENARIO("mtls-required", "OK", "the origin demands a client certificate issued under the lab root (client.pem)",
              "HANDSHAKE_ALERT", "HANDSHAKE_ALERT"),
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
    {SCENARIO("tls13-only", "OK", "the origin speaks TLS 1.3 only", "OK", "OK"), .info.handshake = 1,
     .min_version = TLS1_3_VERSION, .max_version = TLS1_3_VERSION},
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

const size_t lab__num_scenarios = sizeof(lab__scenarios) / sizeof(lab__scenarios[0]);
_Static_assert(sizeof(lab__scenarios) / sizeof(lab__scenarios[0]) <= LAB_MAX_SCENARIOS, "raise LAB_MAX_SCENARIOS");

// Certificate scenarios come first, then handshake scenarios, offline
// fixtures last.
size_t lab__num_served(void) {
  size_t n = 0;
  while (n < lab__num_scenarios && !lab__scenarios[n].info.offline) {
    n++;
  }
  return n;
}

size_t lab_scenario_count(void) {
  size_t n = 0;
  while (n < lab__num_scenarios && !lab__scenarios[n].info.offline && !lab__scenarios[n].info.handshake) {
    n++;
  }
  return n;
}

size_t lab_handshake_count(void) { return lab__num_served() - lab_scenario_count(); }

const lab_scenario_t *lab_scenario_get(size_t index) {
  return index < lab__num_served() ? &lab__scenarios[index].info : NULL;
}

size_t lab_offline_count(void) { return lab__num_scenarios - lab__num_served(); }

const lab_scenario_t *lab_offline_get(size_t index) {
  return index < lab_offline_count() ? &lab__scenarios[lab__num_served() + index].info : NULL;
}

int lab_scenario_find(const char *name) {
  for (size_t i = 0; i < lab__num_served(); i++) {
    if (strcmp(lab__scenarios[i].info.name, name) == 0) {
      return (int)i;
    }
  }
  return -1;
}
const lab_fixture_t lab__bundles[NUM_BUNDLES] = {
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

const lab_fixture_t lab__clients[NUM_CLIENTS] = {
    {"trusted", "OK", "a clientAuth certificate under the lab intermediate, sent with the intermediate"},
    {"expired", "EXPIRED", "a clientAuth certificate under the lab intermediate that expired yesterday"},
    {"untrusted", "UNTRUSTED_ROOT", "a clientAuth certificate under the untrusted root, sent with its intermediate"},
    {"too-deep", "CHAIN_TOO_LONG",
     "a clientAuth certificate five CAs below the lab root, sent with its four intermediates"},
};

size_t lab_bundle_count(void) { return NUM_BUNDLES; }

const lab_fixture_t *lab_bundle_get(size_t index) { return index < NUM_BUNDLES ? &lab__bundles[index] : NULL; }

size_t lab_mtls_client_count(void) { return NUM_CLIENTS; }

const lab_fixture_t *lab_mtls_client_get(size_t index) { return index < NUM_CLIENTS ? &lab__clients[index] : NULL; }
