#include "tests/inspect/testlib.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

const char *const t_profiles[T_NUM_PROFILES] = {
    "openssl", "node", "java", "browser", "cloudfront-origin", "cloudfront-viewer", "apigateway", "akamai-origin",
};

static lab_t *g_lab;

static void free_lab(void) {
  lab_free(g_lab);
  g_lab = NULL;
}

const lab_t *t_lab(void) {
  if (g_lab == NULL) {
    int err = 0;
    g_lab = lab_new(T_NOW, &err);
    cr_assert_not_null(g_lab, "lab_new: %s", tls_strerror(err));
    atexit(free_lab);
  }
  return g_lab;
}

size_t t_lab_index(const char *name) {
  int index = lab_scenario_find(name);
  cr_assert_geq(index, 0, "unknown lab scenario %s", name);
  return (size_t)index;
}

inspect_chain_t *t_chain_new(CRYPTO_BUFFER *const *certs, size_t n) {
  inspect_chain_t *chain = inspect_chain_new();
  cr_assert_not_null(chain);
  for (size_t i = 0; i < n; i++) {
    int err = inspect_chain_add_der(chain, CRYPTO_BUFFER_data(certs[i]), CRYPTO_BUFFER_len(certs[i]));
    cr_assert_eq(err, INSPECT_OK, "certificate #%zu: %s", i, inspect_strerror(err));
  }
  return chain;
}

inspect_chain_t *t_lab_chain(const char *name, int no_sni) {
  size_t n = 0;
  CRYPTO_BUFFER *const *certs = lab_get0_chain(t_lab(), t_lab_index(name), no_sni, &n);
  return t_chain_new(certs, n);
}

inspect_trust_t *t_lab_trust(void) {
  inspect_trust_t *trust = inspect_trust_new(0);
  cr_assert_not_null(trust);
  CRYPTO_BUFFER *root = lab_get0_root(t_lab());
  cr_assert_eq(inspect_trust_load(trust, CRYPTO_BUFFER_data(root), CRYPTO_BUFFER_len(root), NULL), INSPECT_OK);
  return trust;
}

inspect_chain_t *t_lab_pool(void) {
  size_t n = 0;
  CRYPTO_BUFFER *const *certs = lab_get0_intermediates(t_lab(), &n);
  return t_chain_new(certs, n);
}

void t_input(inspect_input_t *in, const inspect_chain_t *chain, const inspect_trust_t *trust, const char *name,
             int sni_sent, int64_t now) {
  memset(in, 0, sizeof(*in));
  in->chain = chain;
  in->trust = trust;
  in->name = name;
  in->sni_sent = sni_sent;
  in->now = now;
  in->handshake.status = INSPECT_HS_NONE;
  in->handshake.alert = -1;
}

inspect_report_t *t_report(const inspect_input_t *in, const char *selection) {
  inspect_selection_t sel;
  char bad[80];
  int err = inspect_selection_parse(selection != NULL ? selection : "all", &sel, bad, sizeof(bad));
  cr_assert_eq(err, INSPECT_OK, "selection %s: %s", selection, bad);
  inspect_report_t *report = NULL;
  err = inspect_report_new(in, &sel, &report);
  cr_assert_eq(err, INSPECT_OK, "inspect_report_new: %s", inspect_strerror(err));
  cr_assert_not_null(report);
  return report;
}

const inspect_verdict_t *t_verdict(const inspect_report_t *report, const char *label) {
  for (size_t i = 0; i < inspect_report_num_verdicts(report); i++) {
    const inspect_verdict_t *v = inspect_report_get0_verdict(report, i);
    if (strcmp(v->profile, label) == 0) {
      return v;
    }
  }
  cr_assert_fail("no verdict for %s", label);
  return NULL;
}

const char *t_reason(const inspect_report_t *report, const char *label) {
  return inspect_reason_name(t_verdict(report, label)->reason);
}

const inspect_finding_t *t_finding(const inspect_report_t *report, const char *code) {
  for (size_t i = 0; i < inspect_report_num_findings(report); i++) {
    const inspect_finding_t *f = inspect_report_get0_finding(report, i);
    if (strcmp(f->code, code) == 0) {
      return f;
    }
  }
  return NULL;
}

void t_findings(const inspect_report_t *report, char *out, size_t out_len) {
  size_t len = 0;
  out[0] = '\0';
  for (size_t i = 0; i < inspect_report_num_findings(report) && len < out_len; i++) {
    int n = snprintf(out + len, out_len - len, "%s%s", i ? "," : "", inspect_report_get0_finding(report, i)->code);
    len += n > 0 ? (size_t)n : 0;
  }
}

static CRYPTO_BUFFER *mint(const tls_cert_spec_t *spec, EVP_PKEY *key, const CRYPTO_BUFFER *issuer,
                           EVP_PKEY *issuer_key) {
  CRYPTO_BUFFER *out = NULL;
  int err = tls_cert_mint(spec, key, issuer, issuer_key, &out);
  cr_assert_eq(err, TLS_OK, "tls_cert_mint %s: %s", spec->common_name ? spec->common_name : "(no CN)",
               tls_strerror(err));
  return out;
}

void t_pki_init(t_pki_t *pki, int64_t now, const char *permitted_dns) {
  memset(pki, 0, sizeof(*pki));
  pki->root_key = tls_key_generate(TLS_KEY_EC_P256, 0);
  pki->inter_key = tls_key_generate(TLS_KEY_EC_P256, 0);
  pki->leaf_key = tls_key_generate(TLS_KEY_EC_P256, 0);
  cr_assert(pki->root_key != NULL && pki->inter_key != NULL && pki->leaf_key != NULL, "key generation");
  tls_cert_spec_t ca = {
      .common_name = "unit test root",
      .organization = "tlsmirror tests",
      .not_before = now - 365 * T_DAY,
      .not_after = now + 3650 * T_DAY,
      .is_ca = 1,
      .path_len = -1,
  };
  pki->root = mint(&ca, pki->root_key, NULL, NULL);
  ca.common_name = "unit test intermediate";
  ca.path_len = 0;
  ca.permitted_dns = permitted_dns;
  pki->inter = mint(&ca, pki->inter_key, pki->root, pki->root_key);
  pki->trust = inspect_trust_new(0);
  cr_assert_not_null(pki->trust);
  cr_assert_eq(inspect_trust_load(pki->trust, CRYPTO_BUFFER_data(pki->root), CRYPTO_BUFFER_len(pki->root), NULL),
               INSPECT_OK);
}

void t_pki_cleanup(t_pki_t *pki) {
  EVP_PKEY_free(pki->root_key);
  EVP_PKEY_free(pki->inter_key);
  EVP_PKEY_free(pki->leaf_key);
  CRYPTO_BUFFER_free(pki->root);
  CRYPTO_BUFFER_free(pki->inter);
  inspect_trust_free(pki->trust);
  memset(pki, 0, sizeof(*pki));
}

inspect_chain_t *t_pki_leaf_chain(t_pki_t *pki, const tls_cert_spec_t *spec) {
  tls_cert_spec_t s = *spec;
  if (s.not_before == 0 && s.not_after == 0) {
    s.not_before = T_NOW - 30 * T_DAY;
    s.not_after = T_NOW + 200 * T_DAY;
  }
  if (s.path_len == 0 && !s.is_ca) {
    s.path_len = -1;
  }
  CRYPTO_BUFFER *certs[2] = {mint(&s, pki->leaf_key, pki->inter, pki->inter_key), pki->inter};
  inspect_chain_t *chain = t_chain_new(certs, 2);
  CRYPTO_BUFFER_free(certs[0]);
  return chain;
}

uint8_t *t_der_of(const CRYPTO_BUFFER *buf, size_t *out_len) {
  *out_len = CRYPTO_BUFFER_len(buf);
  uint8_t *der = malloc(*out_len);
  cr_assert_not_null(der);
  memcpy(der, CRYPTO_BUFFER_data(buf), *out_len);
  return der;
}

void t_pem_of(inspect_buf_t *out, CRYPTO_BUFFER *const *certs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    cr_assert_eq(inspect_pem_append_cert(out, CRYPTO_BUFFER_data(certs[i]), CRYPTO_BUFFER_len(certs[i])), INSPECT_OK);
  }
}
