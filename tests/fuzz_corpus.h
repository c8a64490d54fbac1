// Replaying a fuzz corpus as a plain test: every file of a directory in the
// test's runfiles (seeds checked into the tree, and inputs the fuzzers found),
// each from an exact-size heap copy so that ASan sees reads past its end.

#ifndef TLSMIRROR_TESTS_FUZZ_CORPUS_H
#define TLSMIRROR_TESTS_FUZZ_CORPUS_H

#include <stddef.h>
#include <stdint.h>

// fuzz_corpus_replay calls `one` on every file in `dir` (not starting with
// '.') and returns how many there were, or -1 when `dir` cannot be read.
int fuzz_corpus_replay(const char *dir, void (*one)(const uint8_t *data, size_t size));

// fuzz_corpus_mutate calls `one` on the mutations a fuzzer tries first, each
// an exact-size copy: every truncation, and every byte (past the first
// `keep`) flipped and replaced with a byte that structures text protocols.
// It returns how many calls it made.
size_t fuzz_corpus_mutate(const uint8_t *data, size_t size, size_t keep, void (*one)(const uint8_t *data, size_t size));

#endif  // TLSMIRROR_TESTS_FUZZ_CORPUS_H
