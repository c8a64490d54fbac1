// The ClientHello fuzz entry point built with gcc as a plain test: over the
// corpus kept in fuzz_hello_corpus/ (real clients' ClientHellos, hand-made
// shapes, and whatever the fuzzer found), and over every truncation and
// single-byte change of each seed.

#include <criterion/criterion.h>

#include "tests/fuzz_corpus.h"
#include "tests/tls/fuzz_hello_entry.h"

#define CORPUS "tests/tls/fuzz_hello_corpus"

static int g_parsed;
static size_t g_mutations;

static void replay(const uint8_t *data, size_t size) { g_parsed += fuzz_hello_one(data, size); }

static void parse(const uint8_t *data, size_t size) { fuzz_hello_one(data, size); }

static void mutate(const uint8_t *data, size_t size) { g_mutations += fuzz_corpus_mutate(data, size, 0, parse); }

Test(fuzz_hello, corpus) {
  int files = fuzz_corpus_replay(CORPUS, replay);
  cr_assert_geq(files, 6, "%s holds the seeds (%d files)", CORPUS, files);
  cr_assert_geq(g_parsed, 6, "the real clients' ClientHellos parse (%d did)", g_parsed);
}

Test(fuzz_hello, mutations) {
  cr_assert_gt(fuzz_corpus_replay(CORPUS, mutate), 0);
  cr_assert_gt(g_mutations, 1000);
}
