// libFuzzer target over inspect's PEM/DER entry points and the full
// analysis (bazel build --config=fuzz //tests/inspect:fuzz_chain). The
// fixed trust store comes from $TLSMIRROR_FUZZ_TRUST (a PEM file, e.g. the
// root.pem that fuzz_seeds writes next to its corpus), else it is empty.

#include <stdio.h>
#include <stdlib.h>

#include "tests/inspect/fuzz_entry.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inspect_trust_t *g_trust;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  g_trust = inspect_trust_new(0);
  const char *path = getenv("TLSMIRROR_FUZZ_TRUST");
  if (path == NULL) {
    return 0;
  }
  FILE *f = fopen(path, "rb");
  static uint8_t buf[1 << 20];
  size_t len = f != NULL ? fread(buf, 1, sizeof(buf), f) : 0;
  if (f != NULL) {
    fclose(f);
  }
  int err = inspect_trust_load(g_trust, buf, len, NULL);
  fprintf(stderr, "fuzz_chain: %zu anchors from %s (%s)\n", inspect_trust_num(g_trust), path, inspect_err_name(err));
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_chain_one(data, size, g_trust);
  return 0;
}
