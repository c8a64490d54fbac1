// libFuzzer target over proxy_http_t, the layer that reads a client's
// requests and an origin's responses (bazel build --config=fuzz
// //tests/proxy:fuzz_http; seeds in fuzz_http_corpus/). The input's first
// two bytes choose the mode and the chunking: see fuzz_http_entry.h.

#include "tests/proxy/fuzz_http_entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_http_one(data, size);
  return 0;
}
