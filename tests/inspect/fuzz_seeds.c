// fuzz_seeds DIR: writes a seed corpus for fuzz_chain, minted now from the
// lab (never committed): every scenario's chain as PEM and as DER (each
// certificate alone, and the chain with and without SNI), the lab
// intermediates, and DIR/../root.pem as the fixed trust anchor.

#include <stdio.h>
#include <string.h>

#include "tools/lab.h"

static int write_file(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (f == NULL || fwrite(data, 1, len, f) != len) {
    fprintf(stderr, "fuzz_seeds: cannot write %s\n", path);
    if (f != NULL) {
      fclose(f);
    }
    return 0;
  }
  return fclose(f) == 0;
}

static int write_pem(const char *path, CRYPTO_BUFFER *const *certs, size_t n) {
  inspect_buf_t pem;
  inspect_buf_init(&pem, 0);
  for (size_t i = 0; i < n; i++) {
    inspect_pem_append_cert(&pem, CRYPTO_BUFFER_data(certs[i]), CRYPTO_BUFFER_len(certs[i]));
  }
  int ok = !pem.failed && write_file(path, pem.data, pem.len);
  inspect_buf_cleanup(&pem);
  return ok;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: fuzz_seeds CORPUS_DIR ROOT_PEM\n");
    return 2;
  }
  int err = 0;
  lab_t *lab = lab_new(INT64_C(1795423740), &err);
  if (lab == NULL) {
    fprintf(stderr, "fuzz_seeds: %s\n", tls_strerror(err));
    return 1;
  }
  char path[4096];
  int ok = 1, files = 0;
  for (size_t i = 0; ok && i < lab_scenario_count(); i++) {
    for (int no_sni = 0; ok && no_sni <= 1; no_sni++) {
      size_t n = 0;
      CRYPTO_BUFFER *const *chain = lab_get0_chain(lab, i, no_sni, &n);
      snprintf(path, sizeof(path), "%s/%s%s.pem", argv[1], lab_scenario_get(i)->name, no_sni ? "-no-sni" : "");
      ok = write_pem(path, chain, n);
      files++;
      snprintf(path, sizeof(path), "%s/%s%s.der", argv[1], lab_scenario_get(i)->name, no_sni ? "-no-sni" : "");
      ok = ok && write_file(path, CRYPTO_BUFFER_data(chain[0]), CRYPTO_BUFFER_len(chain[0]));
      files++;
    }
  }
  size_t n = 0;
  CRYPTO_BUFFER *const *inters = lab_get0_intermediates(lab, &n);
  snprintf(path, sizeof(path), "%s/intermediates.pem", argv[1]);
  ok = ok && write_pem(path, inters, n);
  CRYPTO_BUFFER *root = lab_get0_root(lab);
  ok = ok && write_pem(argv[2], &root, 1);
  lab_free(lab);
  if (ok) {
    printf("fuzz_seeds: %d seeds in %s, trust anchor %s\n", files + 1, argv[1], argv[2]);
  }
  return ok ? 0 : 1;
}
