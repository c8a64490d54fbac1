// The HTTP layer's fuzz entry point built with gcc as a plain test: over the
// corpus kept in fuzz_http_corpus/ (request streams with the mode bytes in
// front: the shapes of issue 11's attacks, ordinary traffic, and whatever the
// fuzzer found), each in every mode, and over truncations and byte changes.

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz_corpus.h"
#include "tests/proxy/fuzz_http_entry.h"

#define CORPUS "tests/proxy/fuzz_http_corpus"

static int g_heads;
static size_t g_runs;

static void every_mode(const uint8_t *data, size_t size) {
  uint8_t *copy = malloc(size > 0 ? size : 1);
  memcpy(copy, data, size);
  for (unsigned mode = 0; size >= 2 && mode < 32; mode++) {
    copy[0] = (uint8_t)mode;
    g_heads += fuzz_http_one(copy, size);
    g_runs++;
  }
  free(copy);
}

static void feed(const uint8_t *data, size_t size) { fuzz_http_one(data, size); }

// The mode bytes stay; the stream is cut and changed.
static void mutate(const uint8_t *data, size_t size) { g_runs += fuzz_corpus_mutate(data, size, 2, feed); }

Test(fuzz_http, corpus_in_every_mode) {
  int files = fuzz_corpus_replay(CORPUS, every_mode);
  cr_assert_geq(files, 10, "%s holds the seeds (%d files)", CORPUS, files);
  cr_assert_gt(g_heads, 100, "requests went through (%d heads)", g_heads);
}

Test(fuzz_http, mutations) {
  cr_assert_gt(fuzz_corpus_replay(CORPUS, mutate), 0);
  cr_assert_gt(g_runs, 1000);
}
