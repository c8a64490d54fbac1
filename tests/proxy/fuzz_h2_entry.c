// The h2 decoder's fuzz entry point. See fuzz_h2_entry.h.

#include "tests/proxy/fuzz_h2_entry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/h2_internal.h"
#include "tests/proxy/h2_conv.h"

#define RECORD_MAX 32768

static void fail(const char *what, const char *json) {
  fprintf(stderr, "fuzz_h2: %s\n%s\n", what, json != NULL ? json : "");
  abort();
}

void fuzz_h2_record(inspect_buf_t *out, int from_origin, const uint8_t *data, size_t len) {
  while (len > 0) {
    size_t n = len < RECORD_MAX ? len : RECORD_MAX;
    uint8_t head[2] = {(uint8_t)((from_origin ? 0x80 : 0) | (n - 1) >> 8), (uint8_t)((n - 1) & 0xff)};
    inspect_buf_append(out, head, 2);
    inspect_buf_append(out, data, n);
    data += n;
    len -= n;
  }
}

static void render_and_check(const proxy_h2_t *h2) {
  inspect_buf_t out;
  inspect_buf_init(&out, 0);
  if (!h2c_record(h2, &out)) {
    fail("the record is not valid JSON", out.data);
  }
  inspect_buf_cleanup(&out);
}

size_t fuzz_h2_one(const uint8_t *data, size_t size) {
  if (size < 1) {
    return 0;
  }
  static const unsigned kStreams[] = {100, 1, 3, 1000};
  proxy_h2_limits_t limits = {
      .redact = data[0] & 1,
      .max_streams = kStreams[(data[0] >> 1) & 3],
      .max_header_block = (data[0] & 0x08) ? 256 : 0,
      .max_table_size = (data[0] & 0x10) ? 4096 : 0,
  };
  proxy_h2_t h2;
  proxy_h2_init(&h2, &limits);
  size_t off = 1, pieces = 0;
  uint64_t total_at_error = 0;
  while (off + 2 <= size) {
    int from_origin = (data[off] & 0x80) != 0;
    size_t n = ((size_t)(data[off] & 0x7f) << 8 | data[off + 1]) + 1;
    off += 2;
    n = n < size - off ? n : size - off;
    // An exact-size copy, so ASan sees reads past the piece.
    uint8_t *piece = malloc(n > 0 ? n : 1);
    memcpy(piece, data + off, n);
    int stopped = h2.error != PROXY_H2_OK;
    proxy_h2_feed(&h2, from_origin ? PROXY_H2_FROM_ORIGIN : PROXY_H2_FROM_CLIENT, piece, n);
    free(piece);
    off += n;
    pieces++;
    if (stopped && h2.streams_total != total_at_error) {
      fail("a stream opened after decoding stopped", NULL);
    }
    if (!stopped && h2.error != PROXY_H2_OK) {
      total_at_error = h2.streams_total;
      if (h2.error_detail[0] == '\0') {
        fail("an error without a detail", NULL);
      }
    }
    if (h2.num_streams > limits.max_streams || h2.num_streams + h2.streams_dropped != h2.streams_total) {
      fail("stream counts do not add up", NULL);
    }
    for (int d = 0; d < 2; d++) {
      if (h2.side[d].block.len > h2.limits.max_header_block || h2.side[d].table_limit > h2.limits.max_table_size) {
        fail("a limit was passed", NULL);
      }
    }
  }
  render_and_check(&h2);
  proxy_h2_cleanup(&h2);
  return pieces;
}
