// Fixtures shared by inspect's unit tests: the lab PKI at a fixed time, a
// small private PKI for certificates with chosen names, and shortcuts to run
// an analysis and look up a verdict or a finding. Helpers abort the test
// (through Criterion) when a fixture cannot be built, so a broken fixture
// never passes for a working engine.

#ifndef TLSMIRROR_TESTS_INSPECT_TESTLIB_H
#define TLSMIRROR_TESTS_INSPECT_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include "inspect/inspect.h"
#include "tls/tls.h"
#include "tools/lab.h"

// 2026-11-23T08:49:00Z: every lab certificate is minted relative to it.
#define T_NOW INT64_C(1795423740)
#define T_DAY INT64_C(86400)

// The eight default profiles, in registry order (the columns of every table).
#define T_NUM_PROFILES 8
extern const char *const t_profiles[T_NUM_PROFILES];

// t_lab returns the lab minted at T_NOW (one per test process).
const lab_t *t_lab(void);
// t_lab_index returns the index of scenario `name`, failing the test if unknown.
size_t t_lab_index(const char *name);

// t_chain_new returns a chain of `n` DER buffers, in order.
inspect_chain_t *t_chain_new(CRYPTO_BUFFER *const *certs, size_t n);
// t_lab_chain returns scenario `name`'s chain as served (with or without SNI).
inspect_chain_t *t_lab_chain(const char *name, int no_sni);
// t_lab_trust returns a trust store holding only the lab root.
inspect_trust_t *t_lab_trust(void);
// t_lab_pool returns the lab intermediates as an AIA pool.
inspect_chain_t *t_lab_pool(void);

// t_input fills `in` for an offline check of `chain` against `trust`.
void t_input(inspect_input_t *in, const inspect_chain_t *chain, const inspect_trust_t *trust, const char *name,
             int sni_sent, int64_t now);
// t_report analyses `in` under `selection` ("all" when NULL), failing the
// test on any error.
inspect_report_t *t_report(const inspect_input_t *in, const char *selection);
// t_verdict returns the verdict labelled `label`, failing the test if absent.
const inspect_verdict_t *t_verdict(const inspect_report_t *report, const char *label);
// t_reason returns the name of the reason of the verdict labelled `label`.
const char *t_reason(const inspect_report_t *report, const char *label);
// t_finding returns the first finding with `code`, or NULL.
const inspect_finding_t *t_finding(const inspect_report_t *report, const char *code);
// t_findings writes the codes of every finding, comma-separated, to `out`.
void t_findings(const inspect_report_t *report, char *out, size_t out_len);

// A private PKI (root -> intermediate) for certificates with chosen names.
typedef struct {
  EVP_PKEY *root_key, *inter_key, *leaf_key;
  CRYPTO_BUFFER *root, *inter;
  inspect_trust_t *trust;
} t_pki_t;

// t_pki_init mints the PKI valid around `now`; the intermediate carries
// `permitted_dns` as a name constraint when not NULL.
void t_pki_init(t_pki_t *pki, int64_t now, const char *permitted_dns);
void t_pki_cleanup(t_pki_t *pki);
// t_pki_leaf mints a leaf under the intermediate as `spec` says (times
// default to a year around T_NOW when both are 0) and returns the chain
// leaf, intermediate.
inspect_chain_t *t_pki_leaf_chain(t_pki_t *pki, const tls_cert_spec_t *spec);

// t_der_of returns a copy of the DER of `buf` (free() it).
uint8_t *t_der_of(const CRYPTO_BUFFER *buf, size_t *out_len);
// t_pem_of appends `n` certificates as PEM to `out`.
void t_pem_of(inspect_buf_t *out, CRYPTO_BUFFER *const *certs, size_t n);

#endif  // TLSMIRROR_TESTS_INSPECT_TESTLIB_H
