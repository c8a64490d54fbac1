// The h2 fuzz entry point (fuzz_h2_entry.c) built with gcc as a plain test:
// every input kept in fuzz_h2_corpus/ (the seeds fuzz_h2_seeds writes, and
// anything the fuzzer found), then deterministic mutations of each:
// truncations, flipped bits, and records split or swapped.

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/proxy/fuzz_h2_entry.h"

#define CORPUS "tests/proxy/fuzz_h2_corpus"

typedef struct {
  uint8_t *data;
  size_t len;
} input_t;

static size_t load_corpus(input_t *inputs, size_t max) {
  DIR *dir = opendir(CORPUS);
  cr_assert_not_null(dir, "%s is in the test's runfiles", CORPUS);
  size_t n = 0;
  for (struct dirent *e; (e = readdir(dir)) != NULL && n < max;) {
    if (e->d_name[0] == '.') {
      continue;
    }
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", CORPUS, e->d_name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    inputs[n].data = malloc(len > 0 ? (size_t)len : 1);
    inputs[n].len = fread(inputs[n].data, 1, (size_t)len, f);
    fclose(f);
    cr_log_info("%s: %zu bytes", e->d_name, inputs[n].len);
    n++;
  }
  closedir(dir);
  return n;
}

static void run_copy(const uint8_t *data, size_t len) {
  // An exact-size copy, so ASan sees reads past the end.
  uint8_t *copy = malloc(len > 0 ? len : 1);
  memcpy(copy, data, len);
  fuzz_h2_one(copy, len);
  free(copy);
}

Test(fuzz_h2, kept_inputs) {
  input_t inputs[256];
  size_t n = load_corpus(inputs, 256);
  cr_assert_geq(n, 9, "the seed corpus is there");
  for (size_t i = 0; i < n; i++) {
    cr_assert_gt(fuzz_h2_one(inputs[i].data, inputs[i].len), 0);
    free(inputs[i].data);
  }
}

// Mutations the fuzzer would try first.
Test(fuzz_h2, mutated_inputs) {
  input_t inputs[256];
  size_t n = load_corpus(inputs, 256);
  size_t runs = 0;
  uint8_t *buf = NULL;
  for (size_t i = 0; i < n; i++) {
    const uint8_t *d = inputs[i].data;
    size_t len = inputs[i].len;
    size_t step = len / 300 + 1;  // about 300 cuts and flips per input
    buf = realloc(buf, len + 1);
    for (size_t cut = 0; cut < len; cut += step) {
      run_copy(d, cut);
      runs++;
    }
    for (size_t pos = 1; pos < len; pos += step) {
      memcpy(buf, d, len);
      buf[pos] ^= (uint8_t)(1u << (pos % 8));
      run_copy(buf, len);
      memcpy(buf, d, len);
      buf[pos] = 0xff;
      run_copy(buf, len);
      runs += 2;
    }
    // Every record direction flipped: the client's bytes as the origin's.
    memcpy(buf, d, len);
    for (size_t off = 1; off + 2 <= len;) {
      size_t rec = ((size_t)(buf[off] & 0x7f) << 8 | buf[off + 1]) + 1;
      buf[off] ^= 0x80;
      off += 2 + rec;
    }
    run_copy(buf, len);
    // Every option setting over the same records.
    for (unsigned opt = 0; opt < 32; opt++) {
      memcpy(buf, d, len);
      buf[0] = (uint8_t)opt;
      run_copy(buf, len);
      runs++;
    }
    free(inputs[i].data);
  }
  free(buf);
  cr_assert_gt(runs, 1000);
}
