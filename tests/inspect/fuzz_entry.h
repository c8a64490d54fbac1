// The fuzz entry point shared by the libFuzzer target (fuzz_chain.c, clang)
// and its regression test (fuzz_regress_test.c, gcc): untrusted bytes in, a
// full analysis of whatever loads.

#ifndef TLSMIRROR_TESTS_INSPECT_FUZZ_ENTRY_H
#define TLSMIRROR_TESTS_INSPECT_FUZZ_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "inspect/inspect.h"

// fuzz_chain_one loads `data` as a chain (PEM or DER) and as a trust store,
// and runs inspect_report_new with every profile (and the apigateway option)
// on what loaded, against `trust` (may be NULL) and against the input's own
// certificates, rendering the report as JSON. The name, SNI, time and
// handshake vary with the input's length. It returns the number of reports
// made; it aborts on any inconsistency it can see.
int fuzz_chain_one(const uint8_t *data, size_t size, const inspect_trust_t *trust);

#endif  // TLSMIRROR_TESTS_INSPECT_FUZZ_ENTRY_H
