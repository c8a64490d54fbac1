// The fuzz entry point over the passive HTTP/2 decoder, shared by the
// libFuzzer target (fuzz_h2.c, clang) and its regression test
// (fuzz_h2_regress_test.c, gcc).
//
// Input: one byte of options, then records of [2 bytes: direction bit and
// length - 1][that many bytes]; each record is fed to the decoder as one
// piece from the client (bit clear) or the origin (bit set). The options
// pick the limits (stream cap, header block size, HPACK table size) and
// redaction, so the fuzzer reaches every limit.

#ifndef TLSMIRROR_TESTS_PROXY_FUZZ_H2_ENTRY_H
#define TLSMIRROR_TESTS_PROXY_FUZZ_H2_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "inspect/inspect.h"

// fuzz_h2_one decodes `data` as above, renders the record and checks what it
// can see: valid JSON, counts that add up, nothing decoded after an error.
// It aborts on any inconsistency; it returns the number of pieces fed.
size_t fuzz_h2_one(const uint8_t *data, size_t size);

// fuzz_h2_record appends one record to a fuzz input.
void fuzz_h2_record(inspect_buf_t *out, int from_origin, const uint8_t *data, size_t len);

#endif  // TLSMIRROR_TESTS_PROXY_FUZZ_H2_ENTRY_H
