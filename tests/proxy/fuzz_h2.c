// libFuzzer target over the passive HTTP/2 decoder
// (bazel build --config=fuzz //tests/proxy:fuzz_h2). Seeds:
// tests/proxy/fuzz_h2_corpus/ (written by fuzz_h2_seeds). Input format:
// fuzz_h2_entry.h.

#include "tests/proxy/fuzz_h2_entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_h2_one(data, size);
  return 0;
}
