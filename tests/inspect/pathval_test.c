// Path validation (issue 15) on chains minted here: the trust anchor's own
// extensions, self-issued CAs, CA EKUs and leaf key usages, which the lab's
// scenarios do not cover. Each expectation is what the real client said in
// tools/difftest's runs (docs/difftest.md, "What phase 2 has to fix"): OpenSSL
// 3's s_client, Node 20, Java 17 and Chromium 156, with their words. (A v1
// intermediate is left to the difftest: tls_cert_mint needs an issuer's SKI.)

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "tests/inspect/testlib.h"

#define NPROF 4  // openssl, node, java, browser

typedef struct {
  char name[48];
  int root_path_len;  // -1: none
  int root_bc;        // tls_basic_constraints_t
  unsigned root_ku;   // tls_key_usage_t bits; 0: a CA's default
  int root_expired;
  int inter_path_len;
  unsigned inter_eku;
  int rollover;  // a self-issued CA (the intermediate's name, a new key) issues the leaf
  unsigned leaf_ku;
  char expect[NPROF][24];
  char words[NPROF][200];  // in the verdict's message ("" for an accept)
} pv_case_t;

ParameterizedTestParameters(pathval, cases) {
  static pv_case_t cases[] = {
      {.name = "anchor pathLen 0 over an intermediate",
       .root_path_len = 0,
       .inter_path_len = -1,
       .expect = {"PATH_LENGTH", "PATH_LENGTH", "OK", "PATH_LENGTH"},
       .words = {"path length constraint exceeded (X509 error 25 at depth 2)", "(code PATH_LENGTH_EXCEEDED)", "",
                 "NET::ERR_CERT_INVALID"}},
      {.name = "anchor without basicConstraints",
       .root_path_len = -1,
       .root_bc = TLS_BC_ABSENT,
       .inter_path_len = -1,
       .expect = {"OK", "OK", "INVALID_CA", "OK"},
       .words = {"", "",
                 "PKIX path validation failed: sun.security.validator.ValidatorException: TrustAnchor with "
                 "subject \"CN=pv root, O=tlsmirror tests\" is not a CA certificate",
                 ""}},
      {.name = "anchor keyUsage without keyCertSign",
       .root_path_len = -1,
       .root_ku = TLS_KU_DIGITAL_SIGNATURE | TLS_KU_CRL_SIGN,
       .inter_path_len = -1,
       .expect = {"INVALID_CA", "KEY_USAGE", "KEY_USAGE", "KEY_USAGE"},
       .words = {"invalid CA certificate (X509 error 79 at depth 2)",
                 "key usage does not include certificate signing (code UNSPECIFIED)",
                 "\" does not have keyCertSign bit set in KeyUsage extension", "NET::ERR_CERT_INVALID"}},
      {.name = "expired anchor",
       .root_path_len = -1,
       .root_expired = 1,
       .inter_path_len = -1,
       .expect = {"EXPIRED", "EXPIRED", "OK", "EXPIRED"},
       .words = {"certificate has expired (X509 error 10 at depth 2)", "(code CERT_HAS_EXPIRED)", "",
                 "NET::ERR_CERT_DATE_INVALID"}},
      {.name = "self-issued CA under pathLen 0",
       .root_path_len = -1,
       .inter_path_len = 0,
       .rollover = 1,
       .expect = {"OK", "OK", "OK", "OK"}},
      {.name = "intermediate EKU clientAuth only",
       .root_path_len = -1,
       .inter_path_len = -1,
       .inter_eku = TLS_EKU_CLIENT,
       .expect = {"BAD_EKU", "BAD_EKU", "OK", "BAD_EKU"},
       .words = {"unsuitable certificate purpose (X509 error 26 at depth 1)", "(code INVALID_PURPOSE)", "",
                 "NET::ERR_CERT_INVALID"}},
      {.name = "leaf keyCertSign only",
       .root_path_len = -1,
       .inter_path_len = -1,
       .leaf_ku = TLS_KU_KEY_CERT_SIGN,
       .expect = {"KEY_USAGE", "KEY_USAGE", "KEY_USAGE", "KEY_USAGE"},
       .words = {"unsuitable certificate purpose (X509 error 26 at depth 0)", "(code INVALID_PURPOSE)",
                 "KeyUsage does not allow digital signatures", "NET::ERR_SSL_KEY_USAGE_INCOMPATIBLE"}},
      {.name = "ECDSA leaf keyAgreement only",
       .root_path_len = -1,
       .inter_path_len = -1,
       .leaf_ku = TLS_KU_KEY_AGREEMENT,
       .expect = {"OK", "OK", "KEY_USAGE", "KEY_USAGE"},
       .words = {"", "", "KeyUsage does not allow digital signatures", "NET::ERR_SSL_KEY_USAGE_INCOMPATIBLE"}},
  };
  return cr_make_param_array(pv_case_t, cases, sizeof(cases) / sizeof(cases[0]));
}

static CRYPTO_BUFFER *mint(const tls_cert_spec_t *spec, EVP_PKEY *key, const CRYPTO_BUFFER *issuer,
                           EVP_PKEY *issuer_key) {
  CRYPTO_BUFFER *out = NULL;
  int err = tls_cert_mint(spec, key, issuer, issuer_key, &out);
  cr_assert_eq(err, TLS_OK, "tls_cert_mint %s: %s", spec->common_name, tls_strerror(err));
  return out;
}

static void add(inspect_chain_t *chain, const CRYPTO_BUFFER *buf) {
  cr_assert_eq(inspect_chain_add_der(chain, CRYPTO_BUFFER_data(buf), CRYPTO_BUFFER_len(buf)), INSPECT_OK);
}

ParameterizedTest(pv_case_t *c, pathval, cases) {
  EVP_PKEY *keys[4];
  for (size_t i = 0; i < 4; i++) {
    keys[i] = tls_key_generate(TLS_KEY_EC_P256, 0);
    cr_assert_not_null(keys[i]);
  }
  tls_cert_spec_t root = {.common_name = "pv root",
                          .organization = "tlsmirror tests",
                          .not_before = T_NOW - 365 * T_DAY,
                          .not_after = T_NOW + 3650 * T_DAY,
                          .is_ca = 1,
                          .path_len = c->root_path_len,
                          .basic_constraints = c->root_bc,
                          .key_usage = c->root_ku};
  if (c->root_expired) {
    root.not_after = T_NOW - T_DAY;
  }
  tls_cert_spec_t inter = {.common_name = "pv intermediate",
                           .organization = "tlsmirror tests",
                           .not_before = T_NOW - 30 * T_DAY,
                           .not_after = T_NOW + 365 * T_DAY,
                           .is_ca = 1,
                           .path_len = c->inter_path_len,
                           .eku = c->inter_eku};
  const char *dns[] = {"pv.example"};
  tls_cert_spec_t leaf = {.common_name = "pv.example",
                          .dns_names = dns,
                          .num_dns_names = 1,
                          .not_before = T_NOW - 30 * T_DAY,
                          .not_after = T_NOW + 90 * T_DAY,
                          .eku = TLS_EKU_SERVER,
                          .key_usage = c->leaf_ku};
  CRYPTO_BUFFER *certs[4] = {NULL};
  certs[0] = mint(&root, keys[0], NULL, NULL);
  certs[1] = mint(&inter, keys[1], certs[0], keys[0]);
  CRYPTO_BUFFER *issuer = certs[1];
  EVP_PKEY *issuer_key = keys[1];
  if (c->rollover) {
    certs[2] = mint(&inter, keys[2], certs[1], keys[1]);  // same name, new key, signed by the old one
    issuer = certs[2];
    issuer_key = keys[2];
  }
  certs[3] = mint(&leaf, keys[3], issuer, issuer_key);
  inspect_chain_t *chain = inspect_chain_new();
  add(chain, certs[3]);
  if (c->rollover) {
    add(chain, certs[2]);
  }
  add(chain, certs[1]);
  inspect_trust_t *trust = inspect_trust_new(0);
  cr_assert_eq(inspect_trust_load(trust, CRYPTO_BUFFER_data(certs[0]), CRYPTO_BUFFER_len(certs[0]), NULL), INSPECT_OK);
  inspect_input_t in;
  t_input(&in, chain, trust, "pv.example", 1, T_NOW);
  inspect_report_t *r = t_report(&in, "openssl,node,java,browser");
  static const char *const kProfiles[NPROF] = {"openssl", "node", "java", "browser"};
  for (size_t p = 0; p < NPROF; p++) {
    const inspect_verdict_t *v = t_verdict(r, kProfiles[p]);
    cr_expect_str_eq(inspect_reason_name(v->reason), c->expect[p], "%s, %s: %s", c->name, kProfiles[p], v->message);
    cr_expect(strstr(v->message, c->words[p]) != NULL, "%s, %s: %s lacks %s", c->name, kProfiles[p], v->message,
              c->words[p]);
  }
  inspect_report_free(r);
  inspect_trust_free(trust);
  inspect_chain_free(chain);
  for (size_t i = 0; i < 4; i++) {
    CRYPTO_BUFFER_free(certs[i]);
    EVP_PKEY_free(keys[i]);
  }
}
