// fuzz_h2_seeds DIR writes the h2 fuzzer's seed corpus: real conversations
// between two nghttp2 sessions (h2_conv.c) in fuzz_h2_entry.h's format, one
// file per scenario and limit setting. The files in
// tests/proxy/fuzz_h2_corpus/ were written by it:
//   bazel run //tests/proxy:fuzz_h2_seeds -- $PWD/tests/proxy/fuzz_h2_corpus

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/proxy/fuzz_h2_entry.h"
#include "tests/proxy/h2_conv.h"

#define NV(n, v) \
  { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, NGHTTP2_NV_FLAG_NONE }

static const nghttp2_nv kHeaders[] = {
    NV("user-agent", "curl/7.88.1"),
    NV("accept", "*/*"),
    NV("authorization", "Basic dXNlcjpwYXNz"),
    NV("cookie", "a=b"),
};

static void write_seed(const char *dir, const char *name, uint8_t options, h2c_conv_t *c) {
  inspect_buf_t out;
  inspect_buf_init(&out, 0);
  inspect_buf_append(&out, &options, 1);
  for (size_t i = 0; i < h2c_num_segments(c); i++) {
    const h2c_segment_t *s = h2c_segment(c, i);
    fuzz_h2_record(&out, s->from_origin, s->data, s->len);
  }
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL || fwrite(out.data, 1, out.len, f) != out.len || fclose(f) != 0) {
    fprintf(stderr, "fuzz_h2_seeds: cannot write %s\n", path);
    exit(1);
  }
  printf("%s: %zu bytes\n", path, out.len);
  inspect_buf_cleanup(&out);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: fuzz_h2_seeds DIR\n");
    return 2;
  }
  const char *dir = argv[1];
  h2c_conv_t *c = h2c_new(NULL);
  h2c_request(c, "GET", "example.com", "/", kHeaders, 4, NULL, 0, 0);
  h2c_request(c, "POST", "example.com", "/status/404", kHeaders, 2, (const uint8_t *)"name=value", 10, 0);
  h2c_request(c, "GET", "example.com:8443", "/status/503?x=1", NULL, 0, NULL, 0, 0);
  h2c_run(c);
  h2c_request(c, "GET", "example.com", "/again", kHeaders, 4, NULL, 0, 0);
  h2c_run(c);
  write_seed(dir, "streams", 0x01, c);
  write_seed(dir, "streams-cap1", 0x03, c);
  write_seed(dir, "streams-small-block", 0x09, c);
  h2c_free(c);

  h2c_options_t tables = {.client_table_size = 0, .server_table_size = 256};
  c = h2c_new(&tables);
  for (int i = 0; i < 3; i++) {
    h2c_request(c, "GET", "example.com", "/t", kHeaders, 4, NULL, 0, 0);
    h2c_run(c);
  }
  write_seed(dir, "table-size", 0x01, c);
  h2c_free(c);

  h2c_options_t large_table = {.client_table_size = -1, .server_table_size = 16384, .client_deflate_max = 16384};
  c = h2c_new(&large_table);
  h2c_request(c, "GET", "example.com", "/t", kHeaders, 4, NULL, 0, 0);
  h2c_run(c);
  h2c_request(c, "GET", "example.com", "/u", kHeaders, 4, NULL, 0, 0);
  h2c_run(c);
  write_seed(dir, "table-large", 0x01, c);
  write_seed(dir, "table-large-cap", 0x11, c);
  h2c_free(c);

  h2c_options_t padded = {.client_table_size = -1, .server_table_size = -1, .padding = 5};
  c = h2c_new(&padded);
  h2c_request(c, "POST", "example.com", "/status/201", NULL, 0, (const uint8_t *)"0123456789", 10, 1);
  int32_t id = h2c_request(c, "GET", "example.com", "/push", NULL, 0, NULL, 0, 1);
  h2c_client_priority(c, id);
  h2c_request(c, "GET", "example.com", "/trailers", NULL, 0, NULL, 0, 0);
  h2c_request(c, "GET", "example.com", "/early", NULL, 0, NULL, 0, 0);
  h2c_run(c);
  write_seed(dir, "padding-priority-push", 0x01, c);
  h2c_free(c);

  c = h2c_new(NULL);
  static char big[26000];
  for (size_t i = 0; i < sizeof(big); i++) {
    big[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[(i * 7919) % 62];
  }
  nghttp2_nv large[] = {{(uint8_t *)"x-large", (uint8_t *)big, 7, sizeof(big), NGHTTP2_NV_FLAG_NONE}};
  h2c_request(c, "GET", "example.com", "/continuation", large, 1, NULL, 0, 0);
  h2c_run(c);
  write_seed(dir, "continuation", 0x01, c);
  h2c_free(c);

  c = h2c_new(NULL);
  h2c_request(c, "GET", "example.com", "/reset/7", NULL, 0, NULL, 0, 0);
  id = h2c_request(c, "GET", "example.com", "/big/1000", NULL, 0, NULL, 0, 0);
  h2c_client_reset(c, id, NGHTTP2_CANCEL);  // before the origin answers
  h2c_run(c);
  h2c_server_goaway(c, NGHTTP2_ENHANCE_YOUR_CALM, "slow down");
  h2c_run(c);
  write_seed(dir, "reset-goaway", 0x01, c);
  h2c_free(c);
  return 0;
}
