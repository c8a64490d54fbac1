// The fuzz entry point (fuzz_entry.c) built with gcc as a plain test: over
// seeds minted now from the lab, deterministic mutations of them, and every
// input kept in fuzz_regressions/ (crashes the fuzzer found, and small
// hand-made garbage; never keys or certificates).

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/inspect/fuzz_entry.h"
#include "tests/inspect/testlib.h"

#define REGRESSIONS "tests/inspect/fuzz_regressions"

static void seed_pem(inspect_buf_t *out, const char *scenario, int no_sni) {
  size_t n = 0;
  CRYPTO_BUFFER *const *chain = lab_get0_chain(t_lab(), t_lab_index(scenario), no_sni, &n);
  inspect_buf_reset(out);
  t_pem_of(out, chain, n);
}

Test(fuzz, lab_seeds) {
  inspect_trust_t *trust = t_lab_trust();
  inspect_buf_t pem;
  inspect_buf_init(&pem, 0);
  int reports = 0;
  for (size_t i = 0; i < lab_scenario_count(); i++) {
    for (int no_sni = 0; no_sni <= 1; no_sni++) {
      seed_pem(&pem, lab_scenario_get(i)->name, no_sni);
      reports += fuzz_chain_one((const uint8_t *)pem.data, pem.len, trust);
      size_t n = 0;
      CRYPTO_BUFFER *const *chain = lab_get0_chain(t_lab(), i, no_sni, &n);
      reports += fuzz_chain_one(CRYPTO_BUFFER_data(chain[0]), CRYPTO_BUFFER_len(chain[0]), trust);
    }
  }
  cr_assert_eq(reports, 4 * 2 * (int)lab_scenario_count(), "every seed loads and gets two reports");
  inspect_buf_cleanup(&pem);
  inspect_trust_free(trust);
}

// Mutations the fuzzer would try first: truncations, flipped bytes, and
// blocks spliced from two chains.
Test(fuzz, mutated_seeds) {
  inspect_trust_t *trust = t_lab_trust();
  inspect_buf_t pem, other;
  inspect_buf_init(&pem, 0);
  inspect_buf_init(&other, 0);
  static const char *const kSeeds[] = {"good",           "wrong-order", "untrusted-root", "name-constraint-violation",
                                       "sha1-signature", "rsa1024-key"};
  size_t runs = 0;
  for (size_t s = 0; s < sizeof(kSeeds) / sizeof(kSeeds[0]); s++) {
    seed_pem(&pem, kSeeds[s], 0);
    uint8_t *buf = malloc(pem.len);
    for (size_t cut = 0; cut < pem.len; cut += 13) {
      memcpy(buf, pem.data, cut);
      fuzz_chain_one(buf, cut, trust);
      runs++;
    }
    for (size_t pos = 0; pos < pem.len; pos += 7) {
      memcpy(buf, pem.data, pem.len);
      buf[pos] ^= (uint8_t)(1u << (pos % 8));
      fuzz_chain_one(buf, pem.len, trust);
      runs++;
    }
    free(buf);
    // The DER leaf with flipped bytes: a different parse path.
    size_t n = 0;
    CRYPTO_BUFFER *const *chain = lab_get0_chain(t_lab(), t_lab_index(kSeeds[s]), 0, &n);
    size_t der_len = 0;
    uint8_t *der = t_der_of(chain[0], &der_len);
    for (size_t pos = 0; pos < der_len; pos += 3) {
      uint8_t saved = der[pos];
      der[pos] ^= 0xff;
      fuzz_chain_one(der, der_len, trust);
      der[pos] = saved;
      runs++;
    }
    free(der);
    // The first half of one chain with the second half of another.
    seed_pem(&other, kSeeds[(s + 1) % 6], 1);
    inspect_buf_t spliced;
    inspect_buf_init(&spliced, 0);
    inspect_buf_append(&spliced, pem.data, pem.len / 2);
    inspect_buf_append(&spliced, other.data + other.len / 2, other.len - other.len / 2);
    fuzz_chain_one((const uint8_t *)spliced.data, spliced.len, trust);
    inspect_buf_cleanup(&spliced);
    runs++;
  }
  cr_assert_gt(runs, 1000);
  inspect_buf_cleanup(&pem);
  inspect_buf_cleanup(&other);
  inspect_trust_free(trust);
}

Test(fuzz, kept_inputs) {
  DIR *dir = opendir(REGRESSIONS);
  cr_assert_not_null(dir, "%s is in the test's runfiles", REGRESSIONS);
  inspect_trust_t *trust = t_lab_trust();
  int files = 0;
  for (struct dirent *e; (e = readdir(dir)) != NULL;) {
    if (e->d_name[0] == '.') {
      continue;
    }
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", REGRESSIONS, e->d_name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    static uint8_t buf[1 << 20];
    size_t len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    // An exact-size copy, so ASan sees reads past the end.
    uint8_t *copy = malloc(len > 0 ? len : 1);
    memcpy(copy, buf, len);
    fuzz_chain_one(copy, len, trust);
    free(copy);
    cr_log_info("%s: %zu bytes", e->d_name, len);
    files++;
  }
  closedir(dir);
  cr_assert_gt(files, 0);
  inspect_trust_free(trust);
}
