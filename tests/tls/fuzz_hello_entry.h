// The ClientHello fuzz entry point, shared by the libFuzzer target
// (fuzz_hello.c, clang) and its corpus replay test (fuzz_hello_test.c, gcc).

#ifndef TLSMIRROR_TESTS_TLS_FUZZ_HELLO_ENTRY_H
#define TLSMIRROR_TESTS_TLS_FUZZ_HELLO_ENTRY_H

#include <stddef.h>
#include <stdint.h>

// fuzz_hello_one parses `data` as a ClientHello body (tls_hello_parse) and
// checks what it can see: an error leaves the summary zeroed, counts stay
// within their arrays, strings are terminated, the fingerprints have their
// shapes, and a second parse gives the same bytes. It returns 1 when the
// input parsed, 0 when it was refused; it aborts on any inconsistency.
int fuzz_hello_one(const uint8_t *data, size_t size);

#endif  // TLSMIRROR_TESTS_TLS_FUZZ_HELLO_ENTRY_H
