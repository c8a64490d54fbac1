// libFuzzer target over the ClientHello parser, the first bytes of a peer the
// proxy reads (bazel build --config=fuzz //tests/tls:fuzz_hello; seeds in
// fuzz_hello_corpus/).

#include "tests/tls/fuzz_hello_entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_hello_one(data, size);
  return 0;
}
