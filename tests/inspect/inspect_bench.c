// inspect_bench: CPU time of one inspection of a 3-certificate chain (leaf,
// intermediate, root) read from PEM text, under all eight profiles: each
// iteration parses the PEM, builds the chain, runs inspect_report_new with
// every default profile and frees it all, as `tlsmirror inspect chain.pem`
// does after reading its files. The trust store (the root) is loaded once,
// like the system bundle a long-running proxy keeps.
//
//   bazel build -c opt //tests/inspect:inspect_bench
//   bazel-bin/tests/inspect/inspect_bench [--iterations=N] [--key=ec|rsa] [--runs=R] [--max-us=U]
//
// It prints the mean CPU microseconds per inspection of each run (measured
// with CLOCK_PROCESS_CPUTIME_ID over N iterations) and their median, and
// exits 1 if the median exceeds --max-us or if a verdict is not the
// expected one. The chain is minted at start-up (never committed).

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inspect/inspect.h"
#include "tls/tls.h"

#define NOW INT64_C(1795423740)
#define DAY INT64_C(86400)

static double cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static CRYPTO_BUFFER *mint(const char *cn, const char *dns, int is_ca, EVP_PKEY *key, CRYPTO_BUFFER *issuer,
                           EVP_PKEY *issuer_key) {
  const char *names[1] = {dns};
  tls_cert_spec_t spec = {
      .common_name = cn,
      .organization = "tlsmirror bench",
      .dns_names = names,
      .num_dns_names = dns != NULL ? 1 : 0,
      .not_before = NOW - 30 * DAY,
      .not_after = NOW + (is_ca ? 3650 : 90) * DAY,
      .is_ca = is_ca,
      .path_len = is_ca && issuer != NULL ? 0 : -1,
      .eku = is_ca ? 0 : TLS_EKU_SERVER,
  };
  CRYPTO_BUFFER *out = NULL;
  int err = tls_cert_mint(&spec, key, issuer, issuer_key, &out);
  if (err != TLS_OK) {
    fprintf(stderr, "inspect_bench: minting %s: %s\n", cn, tls_strerror(err));
    exit(2);
  }
  return out;
}

static EVP_PKEY *key_of(const char *type) {
  EVP_PKEY *key = strcmp(type, "rsa") == 0 ? tls_key_generate(TLS_KEY_RSA, 2048) : tls_key_generate(TLS_KEY_EC_P256, 0);
  if (key == NULL) {
    fprintf(stderr, "inspect_bench: key generation failed\n");
    exit(2);
  }
  return key;
}

// inspect_once is one inspection; it returns the number of rejects.
static size_t inspect_once(const inspect_buf_t *pem, const inspect_trust_t *trust, const inspect_selection_t *sel) {
  inspect_chain_t *chain = inspect_chain_new();
  int err = chain != NULL ? inspect_chain_load(chain, (const uint8_t *)pem->data, pem->len, NULL) : INSPECT_ENOMEM;
  if (err != INSPECT_OK || inspect_chain_num(chain) != 3) {
    fprintf(stderr, "inspect_bench: loading the chain: %s\n", inspect_strerror(err));
    exit(2);
  }
  inspect_input_t in = {
      .chain = chain,
      .name = "www.bench.test",
      .sni_sent = 1,
      .trust = trust,
      .now = NOW,
      .handshake = {.status = INSPECT_HS_NONE, .alert = -1},
  };
  inspect_report_t *report = NULL;
  if (inspect_report_new(&in, sel, &report) != INSPECT_OK || inspect_report_num_verdicts(report) != 8) {
    fprintf(stderr, "inspect_bench: inspect_report_new failed\n");
    exit(2);
  }
  size_t rejects = inspect_report_num_rejects(report);
  inspect_report_free(report);
  inspect_chain_free(chain);
  return rejects;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  long iterations = 10000, runs = 5;
  double max_us = 0;
  const char *key_type = "ec";
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--iterations=", 13) == 0) {
      iterations = strtol(argv[i] + 13, NULL, 10);
    } else if (strncmp(argv[i], "--runs=", 7) == 0) {
      runs = strtol(argv[i] + 7, NULL, 10);
    } else if (strncmp(argv[i], "--key=", 6) == 0) {
      key_type = argv[i] + 6;
    } else if (strncmp(argv[i], "--max-us=", 9) == 0) {
      max_us = strtod(argv[i] + 9, NULL);
    } else {
      fprintf(stderr, "usage: inspect_bench [--iterations=N] [--runs=R] [--key=ec|rsa] [--max-us=U]\n");
      return 2;
    }
  }
  if (iterations < 1 || runs < 1 || runs > 100) {
    fprintf(stderr, "inspect_bench: --iterations and --runs must be positive (runs <= 100)\n");
    return 2;
  }
  EVP_PKEY *root_key = key_of(key_type), *inter_key = key_of(key_type), *leaf_key = key_of(key_type);
  CRYPTO_BUFFER *root = mint("bench root", NULL, 1, root_key, NULL, NULL);
  CRYPTO_BUFFER *inter = mint("bench intermediate", NULL, 1, inter_key, root, root_key);
  CRYPTO_BUFFER *leaf = mint("www.bench.test", "www.bench.test", 0, leaf_key, inter, inter_key);
  CRYPTO_BUFFER *chain[3] = {leaf, inter, root};
  inspect_buf_t pem;
  inspect_buf_init(&pem, 0);
  for (size_t i = 0; i < 3; i++) {
    inspect_pem_append_cert(&pem, CRYPTO_BUFFER_data(chain[i]), CRYPTO_BUFFER_len(chain[i]));
  }
  inspect_trust_t *trust = inspect_trust_new(0);
  if (trust == NULL || inspect_trust_load(trust, CRYPTO_BUFFER_data(root), CRYPTO_BUFFER_len(root), NULL) != 0) {
    fprintf(stderr, "inspect_bench: trust store\n");
    return 2;
  }
  inspect_selection_t sel;
  inspect_selection_all(&sel);

  // The anchor is sent too, so the chain is judged fine by every profile
  // (ANCHOR_INCLUDED is a finding, not a reject).
  if (inspect_once(&pem, trust, &sel) != 0) {
    fprintf(stderr, "inspect_bench: a profile rejects the benchmark chain\n");
    return 1;
  }
  double per_run[100];
  for (long r = 0; r < runs; r++) {
    size_t rejects = 0;
    double start = cpu_seconds();
    for (long i = 0; i < iterations; i++) {
      rejects += inspect_once(&pem, trust, &sel);
    }
    double elapsed = cpu_seconds() - start;
    if (rejects != 0) {
      fprintf(stderr, "inspect_bench: %zu rejects\n", rejects);
      return 1;
    }
    per_run[r] = elapsed / (double)iterations * 1e6;
    printf("run %ld: %ld inspections of a %zu-byte PEM chain (%s keys), %.1f us CPU each\n", r + 1, iterations, pem.len,
           key_type, per_run[r]);
  }
  qsort(per_run, (size_t)runs, sizeof(double), cmp_double);
  double median = per_run[runs / 2];
  printf("median: %.1f us CPU per inspection (8 profiles)\n", median);

  inspect_trust_free(trust);
  inspect_buf_cleanup(&pem);
  for (size_t i = 0; i < 3; i++) {
    CRYPTO_BUFFER_free(chain[i]);
  }
  EVP_PKEY_free(root_key);
  EVP_PKEY_free(inter_key);
  EVP_PKEY_free(leaf_key);
  if (max_us > 0 && median > max_us) {
    fprintf(stderr, "inspect_bench: median %.1f us exceeds --max-us=%.0f\n", median, max_us);
    return 1;
  }
  return 0;
}
