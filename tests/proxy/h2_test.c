// Unit tests of the passive HTTP/2 decoder (proxy/h2.c) over real HTTP/2:
// an nghttp2 client and an nghttp2 server talk in memory (h2_conv.c), and
// the decoder reads their transcript cut in pieces of every size from 1 to
// 40 bytes, larger ones, whole segments, and seeded random cuts. Whatever
// the cuts, what it reports must be what the two sessions put on the wire
// (their own view of each stream: head, status, body bytes, END_STREAM,
// RST_STREAM), and the rendered record the same valid JSON. Then broken
// input after a real start: every malformed frame and HPACK garbage stops
// decoding with its named error, and the limits hold.

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/h2_internal.h"
#include "tests/proxy/h2_conv.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
#define NV(n, v) \
  { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, NGHTTP2_NV_FLAG_NONE }
#define WHOLE ((size_t)-1)

static uint32_t rnd(uint64_t *state) {
  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(*state >> 33);
}

// feed decodes the transcript cut in pieces of `chunk` bytes (WHOLE: as the
// sessions sent them; 0: seeded random pieces of 1 to 64 bytes).
static void feed(proxy_h2_t *h2, const h2c_conv_t *c, size_t chunk, uint64_t seed) {
  for (size_t i = 0; i < h2c_num_segments(c); i++) {
    const h2c_segment_t *s = h2c_segment(c, i);
    proxy_h2_dir_t dir = s->from_origin ? PROXY_H2_FROM_ORIGIN : PROXY_H2_FROM_CLIENT;
    for (size_t off = 0; off < s->len;) {
      size_t n = chunk == 0 ? 1 + rnd(&seed) % 64 : chunk;
      n = n < s->len - off ? n : s->len - off;
      // An exact-size copy, so ASan sees any read past the piece.
      uint8_t *piece = malloc(n);
      memcpy(piece, s->data + off, n);
      proxy_h2_feed(h2, dir, piece, n);
      free(piece);
      off += n;
    }
  }
}

// render returns the record fragments: {ECS members, "http2": ...} as one
// JSON object, checked valid.
static char *render(const proxy_h2_t *h2) {
  inspect_buf_t out;
  inspect_buf_init(&out, 0);
  cr_assert(h2c_record(h2, &out), "not valid JSON: %s", out.data);
  char *s = strdup(out.data);
  inspect_buf_cleanup(&out);
  return s;
}

static const proxy_h2_stream_t *find(const proxy_h2_t *h2, uint32_t id) {
  for (size_t i = 0; i < h2->num_streams; i++) {
    if (h2->streams[i].id == id) {
      return &h2->streams[i];
    }
  }
  return NULL;
}

// check_truth compares every recorded stream with what the sessions sent.
static void check_truth(const proxy_h2_t *h2, const h2c_conv_t *c, const char *where) {
  for (size_t i = 0; i < h2->num_streams; i++) {
    const proxy_h2_stream_t *d = &h2->streams[i];
    const h2c_stream_t *t = h2c_stream_by_id(c, (int32_t)d->id);
    cr_assert_not_null(t, "%s: the decoder has stream %u, the sessions did not send it", where, d->id);
    cr_assert_str_eq(d->method, t->method, "%s: stream %u method", where, d->id);
    cr_assert_str_eq(d->path != NULL ? d->path : "", t->path, "%s: stream %u path", where, d->id);
    cr_assert_str_eq(d->authority != NULL ? d->authority : "", t->authority, "%s: stream %u authority", where, d->id);
    cr_assert_str_eq(d->scheme, t->scheme, "%s: stream %u scheme", where, d->id);
    cr_assert_eq(d->status, t->status, "%s: stream %u status %d, sent %d", where, d->id, d->status, t->status);
    cr_assert_eq(d->request_bytes, t->request_bytes, "%s: stream %u request bytes %llu, sent %llu", where, d->id,
                 (unsigned long long)d->request_bytes, (unsigned long long)t->request_bytes);
    cr_assert_eq(d->response_bytes, t->response_bytes, "%s: stream %u response bytes %llu, sent %llu", where, d->id,
                 (unsigned long long)d->response_bytes, (unsigned long long)t->response_bytes);
    cr_assert_eq(d->request_ended, t->request_ended, "%s: stream %u request END_STREAM", where, d->id);
    cr_assert_eq(d->response_ended, t->response_ended, "%s: stream %u response END_STREAM", where, d->id);
    cr_assert_eq(d->pushed, t->pushed, "%s: stream %u pushed", where, d->id);
    cr_assert_eq(d->reset ? (d->reset_by == PROXY_H2_FROM_CLIENT ? 1 : 2) : 0, t->reset_by, "%s: stream %u reset by",
                 where, d->id);
    if (d->reset) {
      cr_assert_eq(d->reset_code, t->reset_code, "%s: stream %u reset code", where, d->id);
    }
  }
  // Every stream the sessions opened is recorded (under the limit) or dropped.
  size_t opened = 0;
  for (size_t i = 0; i < h2c_num_streams(c); i++) {
    opened += h2c_stream(c, i)->method[0] != '\0';
  }
  cr_assert_eq(h2->streams_total, opened, "%s: %llu streams seen, %zu opened", where,
               (unsigned long long)h2->streams_total, opened);
  cr_assert_eq(h2->num_streams + h2->streams_dropped, h2->streams_total, "%s: recorded + dropped = total", where);
  for (int side = 0; side < 2; side++) {
    int32_t last;
    int64_t code = h2c_goaway_code(c, side, &last);
    const proxy_h2_goaway_t *g = &h2->side[side].goaway;
    cr_assert_eq(g->seen, code >= 0, "%s: GOAWAY from side %d", where, side);
    if (code >= 0) {
      cr_assert_eq(g->code, (uint32_t)code, "%s: GOAWAY code", where);
      cr_assert_eq(g->last_stream_id, (uint32_t)last, "%s: GOAWAY last stream", where);
    }
  }
}

// decode_every_way decodes the transcript cut every way, checks each run
// against the truth and against the others, and returns the decoder of the
// whole-segment run (the caller cleans it up).
static void decode_every_way(const h2c_conv_t *c, const proxy_h2_limits_t *limits, int all_sizes, proxy_h2_t *out,
                             char **json_out) {
  proxy_h2_init(out, limits);
  feed(out, c, WHOLE, 0);
  cr_assert_eq(out->error, PROXY_H2_OK, "whole segments: %s (%s)", proxy_h2_error_name(out->error), out->error_detail);
  check_truth(out, c, "whole segments");
  char *want = render(out);
  size_t sizes[64], n = 0;
  if (all_sizes) {
    for (size_t k = 1; k <= 40; k++) {
      sizes[n++] = k;
    }
  } else {
    sizes[n++] = 1;
    sizes[n++] = 7;
  }
  sizes[n++] = 100;
  sizes[n++] = 4096;
  sizes[n++] = 16393;  // one full frame and its header
  for (size_t i = 0; i < n + 3; i++) {
    char where[64];
    proxy_h2_t h2;
    proxy_h2_init(&h2, limits);
    if (i < n) {
      snprintf(where, sizeof(where), "pieces of %zu bytes", sizes[i]);
      feed(&h2, c, sizes[i], 0);
    } else {
      snprintf(where, sizeof(where), "random pieces, seed %zu", i);
      feed(&h2, c, 0, i * 7919);
    }
    cr_assert_eq(h2.error, PROXY_H2_OK, "%s: %s (%s)", where, proxy_h2_error_name(h2.error), h2.error_detail);
    check_truth(&h2, c, where);
    char *got = render(&h2);
    cr_assert_str_eq(got, want, "%s: the record differs from the whole-segment one", where);
    free(got);
    proxy_h2_cleanup(&h2);
  }
  *json_out = want;
}

// Frames of the transcript, for checking the sessions really sent what a
// test is about.
typedef struct {
  unsigned count[16];      // frames by type (0..15)
  unsigned padded;         // frames with PADDED
  unsigned with_priority;  // HEADERS with PRIORITY
  unsigned table_updates;  // header blocks opening with a dynamic table size update
  size_t headers_len[64];  // payload length of the first HEADERS frames
  unsigned num_headers;
} frames_t;

static frames_t frames_of(const h2c_conv_t *c, int from_origin) {
  frames_t f;
  memset(&f, 0, sizeof(f));
  size_t len;
  uint8_t *b = h2c_direction_bytes(c, from_origin, &len);
  size_t off = from_origin ? 0 : 24;
  while (off + 9 <= len) {
    size_t flen = (size_t)b[off] << 16 | (size_t)b[off + 1] << 8 | b[off + 2];
    uint8_t type = b[off + 3], flags = b[off + 4];
    const uint8_t *p = b + off + 9;
    f.count[type < 16 ? type : 15]++;
    if (type == 0x1) {
      size_t skip = ((flags & 0x8) ? 1 : 0) + ((flags & 0x20) ? 5 : 0);
      f.padded += (flags & 0x8) != 0;
      f.with_priority += (flags & 0x20) != 0;
      f.table_updates += flen > skip && (p[skip] & 0xe0) == 0x20;
      if (f.num_headers < COUNT_OF(f.headers_len)) {
        f.headers_len[f.num_headers++] = flen;
      }
    } else if (type == 0x0) {
      f.padded += (flags & 0x8) != 0;
    }
    off += 9 + flen;
  }
  free(b);
  return f;
}

static const nghttp2_nv kBrowserHeaders[] = {
    NV("user-agent", "Mozilla/5.0 (X11; Linux x86_64) h2_test/1.0"),
    NV("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    NV("accept-language", "en-GB,en;q=0.5"),
    NV("accept-encoding", "gzip, deflate, br"),
    NV("authorization", "Bearer very-secret-token"),
    NV("cookie", "sid=also-secret"),
    NV("x-request-id", "3f2a7c"),
};

Test(h2, several_streams_on_one_connection) {
  h2c_conv_t *c = h2c_new(NULL);
  h2c_request(c, "GET", "api.example.com", "/index.html?lang=en", kBrowserHeaders, COUNT_OF(kBrowserHeaders), NULL, 0,
              0);
  h2c_request(c, "GET", "api.example.com", "/status/404", kBrowserHeaders, 3, NULL, 0, 0);
  static const uint8_t body[1000] = {1, 2, 3};
  h2c_request(c, "POST", "api.example.com", "/status/503", NULL, 0, body, sizeof(body), 0);
  h2c_request(c, "HEAD", "api.example.com:8443", "/status/204", NULL, 0, NULL, 0, 0);
  h2c_request(c, "DELETE", "api.example.com", "/item/7", NULL, 0, NULL, 0, 0);
  h2c_run(c);
  proxy_h2_t h2;
  char *json;
  decode_every_way(c, NULL, 1, &h2, &json);
  cr_assert_eq(h2.num_streams, 5);
  cr_assert_eq(h2.streams[2].request_bytes, 1000, "the POST body is counted");
  cr_assert_eq(h2.status_classes[1], 3);  // 2xx: index.html, 204, item
  cr_assert_eq(h2.status_classes[3], 1);
  cr_assert_eq(h2.status_classes[4], 1);
  // ECS fields of the first stream, and the redacted headers.
  cr_assert(strstr(json, "\"http\":{\"version\":\"2\",\"request\":{\"method\":\"GET\",") != NULL, "%s", json);
  cr_assert(strstr(json, "\"response\":{\"status_code\":200,") != NULL, "%s", json);
  cr_assert(strstr(json,
                   "\"url\":{\"original\":\"/index.html?lang=en\",\"path\":\"/index.html\","
                   "\"domain\":\"api.example.com\",\"scheme\":\"https\"}") != NULL,
            "%s", json);
  cr_assert(strstr(json, "\"user_agent\":{\"original\":\"Mozilla/5.0 (X11; Linux x86_64) h2_test/1.0\"}") != NULL);
  cr_assert(strstr(json, "\"authorization\":\"[REDACTED]\"") != NULL, "%s", json);
  cr_assert(strstr(json, "\"cookie\":\"[REDACTED]\"") != NULL, "%s", json);
  cr_assert(strstr(json, "secret") == NULL, "no secret in the record: %s", json);
  cr_assert(strstr(json, "\"requests\":5,\"responses\":5") != NULL, "%s", json);
  cr_assert(strstr(json,
                   "{\"id\":7,\"method\":\"HEAD\",\"scheme\":\"https\",\"authority\":\"api.example.com:8443\","
                   "\"path\":\"/status/204\",\"status\":204,") != NULL,
            "%s", json);
  cr_assert(strstr(json, "\"status_classes\":{\"2xx\":3,\"4xx\":1,\"5xx\":1}") != NULL, "%s", json);
  free(json);
  proxy_h2_cleanup(&h2);
  // With --log-secrets the values are there.
  proxy_h2_limits_t secrets = {.redact = 0};
  proxy_h2_init(&h2, &secrets);
  feed(&h2, c, WHOLE, 0);
  json = render(&h2);
  cr_assert(strstr(json, "\"authorization\":\"Bearer very-secret-token\"") != NULL, "%s", json);
  cr_assert(strstr(json, "\"cookie\":\"sid=also-secret\"") != NULL, "%s", json);
  free(json);
  proxy_h2_cleanup(&h2);
  h2c_free(c);
}

// Header fields that JSON must escape six-fold (control bytes) fill the
// log's header object to its limit without ever cutting a member in half.
Test(h2, escaped_headers_stay_valid_json) {
  h2c_conv_t *c = h2c_new(NULL);
  static char names[24][300], values[24][1500];
  nghttp2_nv extra[24];
  for (int i = 0; i < 24; i++) {
    memset(names[i], 0x7f, sizeof(names[i]));
    names[i][0] = (char)('a' + i);
    memset(values[i], 0x01, sizeof(values[i]));
    extra[i] = (nghttp2_nv){(uint8_t *)names[i], (uint8_t *)values[i], sizeof(names[i]), sizeof(values[i]),
                            NGHTTP2_NV_FLAG_NO_INDEX};
  }
  h2c_request(c, "GET", "example.com", "/escapes", extra, 24, NULL, 0, 0);
  h2c_run(c);
  proxy_h2_t h2;
  char *json;
  decode_every_way(c, NULL, 0, &h2, &json);
  cr_assert_geq(h2.headers_json.len, PROXY_HEADERS_JSON_MAX, "the header object is full");
  cr_assert_lt(h2.headers_json.len, PROXY_HEADERS_JSON_BUF);
  inspect_buf_t obj;
  inspect_buf_init(&obj, 0);
  inspect_buf_printf(&obj, "{%s}", h2.headers_json.data);
  cr_assert(h2c_json_valid(obj.data, obj.len));
  inspect_buf_cleanup(&obj);
  // One member that cannot fit is left out whole.
  inspect_buf_t small;
  inspect_buf_init(&small, 100);
  proxy_header_json_add(&small, "a", 1, "b", 1, 1);
  proxy_header_json_add(&small, "x", 1, values[0], 200, 1);
  cr_assert_str_eq(small.data, "\"a\":\"b\"");
  inspect_buf_cleanup(&small);
  free(json);
  proxy_h2_cleanup(&h2);
  h2c_free(c);
}

Test(h2, continuation_carries_a_large_header_block) {
  h2c_conv_t *c = h2c_new(NULL);
  size_t big_len = 40000;
  char *big = malloc(big_len + 1);
  static const char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (size_t i = 0; i < big_len; i++) {
    big[i] = kChars[(i * 7919) % (sizeof(kChars) - 1)];  // little for Huffman to squeeze
  }
  big[big_len] = '\0';
  nghttp2_nv extra[] = {
      {(uint8_t *)"x-large", (uint8_t *)big, 7, big_len, NGHTTP2_NV_FLAG_NONE},
      NV("user-agent", "h2_test"),
  };
  h2c_request(c, "GET", "example.com", "/first", extra, 2, NULL, 0, 0);
  h2c_request(c, "GET", "example.com", "/second", NULL, 0, NULL, 0, 0);
  h2c_run(c);
  frames_t f = frames_of(c, 0);
  cr_assert_geq(f.count[0x9], 1, "the request's head spans HEADERS and CONTINUATION frames");
  proxy_h2_t h2;
  char *json;
  decode_every_way(c, NULL, 1, &h2, &json);
  cr_assert_eq(h2.num_streams, 2);
  cr_assert_str_eq(h2.streams[1].path, "/second");
  cr_assert_str_eq(h2.user_agent, "h2_test", "the field after the large one decoded");
  // The log keeps the first PROXY_HEADER_VALUE_MAX bytes of the value.
  char *want = malloc(PROXY_HEADER_VALUE_MAX + 32);
  snprintf(want, PROXY_HEADER_VALUE_MAX + 32, "\"x-large\":\"%.*s", 40, big);
  cr_assert(strstr(json, want) != NULL);
  free(want);
  free(json);
  free(big);
  proxy_h2_cleanup(&h2);
  h2c_free(c);
}

Test(h2, dynamic_table_is_reused_across_requests) {
  h2c_conv_t *c = h2c_new(NULL);
  for (int i = 0; i < 12; i++) {
    char path[32];
    snprintf(path, sizeof(path), "/asset/%d.js", i);
    h2c_request(c, "GET", "cdn.example.com", path, kBrowserHeaders, COUNT_OF(kBrowserHeaders), NULL, 0, 0);
    h2c_run(c);  // one after the other, as a page loads them
  }
  frames_t f = frames_of(c, 0);
  cr_assert_eq(f.num_headers, 12);
  cr_assert_lt(f.headers_len[11] * 3, f.headers_len[0], "later heads are mostly table references (%zu vs %zu)",
               f.headers_len[11], f.headers_len[0]);
  frames_t r = frames_of(c, 1);
  cr_assert_lt(r.headers_len[11], r.headers_len[0], "so are later response heads");
  proxy_h2_t h2;
  char *json;
  decode_every_way(c, NULL, 0, &h2, &json);
  cr_assert_eq(h2.num_streams, 12);
  cr_assert_str_eq(h2.streams[11].path, "/asset/11.js");
  cr_assert_str_eq(h2.streams[11].authority, "cdn.example.com");
  free(json);
  proxy_h2_cleanup(&h2);
  h2c_free(c);
}

Test(h2, table_size_updates_follow_settings) {
  // The origin allows no dynamic table, the client 256 bytes: each encoder
  // must open a block with a table size update, and the decoder must follow.
  h2c_options_t opt = {.client_table_size = 256, .server_table_size = 0};
  h2c_conv_t *c = h2c_new(&opt);
  for (int i = 0; i < 4; i++) {
    h2c_request(c, "GET", "example.com", i % 2 ? "/status/201" : "/a", kBrowserHeaders, 4, NULL, 0, 0);
    h2c_run(c);
  }
  cr_assert_geq(frames_of(c, 0).table_updates, 1, "the client's encoder announced its smaller table");
  cr_assert_geq(frames_of(c, 1).table_updates, 1, "so did the origin's");
  proxy_h2_t h2;
  char *json;
  decode_every_way(c, NULL, 1, &h2, &json);
  cr_assert_eq(h2.side[PROXY_H2_FROM_CLIENT].table_limit, 0);
  cr_assert_eq(h2.side[PROXY_H2_FROM_ORIGIN].table_limit, 256);
  cr_assert_eq(h2.num_streams, 4);
  free(json);
  proxy_h2_cleanup(&h2);
  // A larger table than the default, announced by the origin and used by the client.
  h2c_free(c);
  h2c_options_t large = {.client_table_size = -1, .server_table_size = 32768, .client_deflate_max = 32768};
  c = h2c_new(&large);
  for (int i = 0; i < 3; i++) {
    h2c_request(c, "GET", "example.com", "/b", kBrowserHeaders, COUNT_OF(kBrowserHeaders), NULL, 0, 0);
    h2c_run(c);
  }
  decode_every_way(c, NULL, 0, &h2, &json);
  cr_assert_eq(h2.side[PROXY_H2_FROM_CLIENT].table_limit, 32768);
  free(json);
  proxy_h2_cleanup(&h2);
  h2c_free(c);
}

// SETTINGS_HEADER_TABLE_SIZE, byte by byte: a larger table may be used as
// soon as the encoder has read the SETTINGS (even before its ACK goes out); a
// smaller one binds it from its ACK on, and its next block must then open
// with a table size update.
static void feed_hex(proxy_h2_t *h2, proxy_h2_dir_t dir, const char *hex) {
  uint8_t buf[256];
  size_t n = 0;
  for (const char *p = hex; *p != '\0';) {
    if (*p == ' ') {
      p++;
      continue;
    }
    unsigned v;
    sscanf(p, "%2x", &v);
    buf[n++] = (uint8_t)v;
    p += 2;
  }
  proxy_h2_feed(h2, dir, buf, n);
}

#define PREFACE_HEX "505249202a20485454502f322e300d0a0d0a534d0d0a0d0a"
#define AUTHORITY_HEX "410b6578616d706c652e636f6d"  // :authority example.com, indexed (62)

static void table_sequence(int send_update_after_ack, proxy_h2_error_t want) {
  proxy_h2_t h2;
  proxy_h2_init(&h2, NULL);
  feed_hex(&h2, PROXY_H2_FROM_CLIENT, PREFACE_HEX "000000040000000000");
  feed_hex(&h2, PROXY_H2_FROM_ORIGIN, "000006040000000000 000100002000");                 // HEADER_TABLE_SIZE 8192
  feed_hex(&h2, PROXY_H2_FROM_CLIENT, "000013010500000001 3fe13f 828784" AUTHORITY_HEX);  // update to 8192
  cr_assert_eq(h2.error, PROXY_H2_OK, "%s", h2.error_detail);
  cr_assert_eq(h2.side[PROXY_H2_FROM_CLIENT].table_limit, 8192);
  feed_hex(&h2, PROXY_H2_FROM_CLIENT, "000000040100000000");               // ACK
  feed_hex(&h2, PROXY_H2_FROM_ORIGIN, "000006040000000000 000100000000");  // HEADER_TABLE_SIZE 0
  feed_hex(&h2, PROXY_H2_FROM_CLIENT, "000004010500000003 828784be");      // before its ACK: index 62
  cr_assert_eq(h2.error, PROXY_H2_OK, "%s", h2.error_detail);
  cr_assert_eq(h2.side[PROXY_H2_FROM_CLIENT].table_limit, 8192);
  feed_hex(&h2, PROXY_H2_FROM_CLIENT, "000000040100000000");  // ACK
  cr_assert_eq(h2.side[PROXY_H2_FROM_CLIENT].table_limit, 0);
  if (send_update_after_ack) {
    feed_hex(&h2, PROXY_H2_FROM_CLIENT, "000011010500000005 20828784" AUTHORITY_HEX);
  } else {
    feed_hex(&h2, PROXY_H2_FROM_CLIENT, "000010010500000005 828784" AUTHORITY_HEX);
  }
  cr_assert_eq(h2.error, want, "%s (%s)", proxy_h2_error_name(h2.error), h2.error_detail);
  cr_assert_eq(h2.streams_total, 3);
  for (size_t i = 0; i < (want == PROXY_H2_OK ? 3u : 2u); i++) {
    cr_assert_str_eq(h2.streams[i].authority, "example.com", "stream %u", h2.streams[i].id);
  }
  proxy_h2_cleanup(&h2);
}

Test(h2, settings_bind_the_encoder_when_it_reads_or_acks_them) {
  table_sequence(1, PROXY_H2_OK);
  table_sequence(0, PROXY_H2_EHPACK);
}

Test(h2, large_responses_and_request_bodies) {
  h2c_conv_t *c = h2c_new(NULL);
  h2c_request(c, "GET", "example.com", "/big/1000000", NULL, 0, NULL, 0, 0);
  h2c_request(c, "GET", "example.com", "/big/300001", NULL, 0, NULL, 0, 0);
  uint8_t *upload = calloc(1, 200000);
  h2c_request(c, "PUT", "example.com", "/upload", NULL, 0, upload, 200000, 0);
  h2c_request(c, "GET", "example.com", "/small", NULL, 0, NULL, 0, 0);
  h2c_run(c);
  free(upload);
  proxy_h2_t h2;
  char *json;
  decode_every_way(c, NULL, 0, &h2, &json);
  cr_assert_eq(h2.streams[0].response_bytes, 1000000);
  cr_assert_eq(h2.streams[1].response_bytes, 300001);
  cr_assert_eq(h2.streams[2].request_bytes, 200000);
  cr_assert(h2.streams[0].response_ended && h2.streams[0].request_ended);
  cr_assert(strstr(json, "\"response_bytes\":1000000,\"complete\":true") != NULL, "%s", json);
  free(json);
  proxy_h2_cleanup(&h2);
  h2c_free(c);
}

Test(h2, rst_stream_from_either_side) {
  h2c_conv_t *c = h2c_new(NULL);
  h2c_request(c, "GET", "example.com", "/reset/7", NULL, 0, NULL, 0, 0);     // REFUSED_STREAM
  h2c_request(c, "GET", "example.com", "/reset/2", NULL, 0, NULL, 0, 0);     // INTERNAL_ERROR
  h2c_request(c, "GET", "example.com", "/reset/4242", NULL, 0, NULL, 0, 0);  // not defined
  h2c_request(c, "GET", "example.com", "/ok", NULL, 0, NULL, 0, 0);
  int32_t big = h2c_request(c, "GET", "example.com", "/big/5000000", NULL, 0, NULL, 0, 0);
  h2c_client_stop_reading(c);
  h2c_run(c);  // the big response stalls on flow control
  h2c_client_reset(c, big, NGHTTP2_CANCEL);
  h2c_run(c);
  proxy_h2_t h2;
  char *json;
  decode_every_way(c, NULL, 0, &h2, &json);
  cr_assert_eq(h2.resets, 4);
  const proxy_h2_stream_t *s = find(&h2, (uint32_t)big);
  cr_assert(s->reset && s->reset_by == PROXY_H2_FROM_CLIENT && s->reset_code == NGHTTP2_CANCEL);
  cr_assert_gt(s->response_bytes, 0);
  cr_assert_lt(s->response_bytes, 5000000);
  cr_assert(strstr(json, "\"reset\":{\"by\":\"origin\",\"error\":{\"code\":7,\"name\":\"REFUSED_STREAM\"}}") != NULL,
            "%s", json);
  cr_assert(strstr(json, "\"reset\":{\"by\":\"origin\",\"error\":{\"code\":2,\"name\":\"INTERNAL_ERROR\"}}") != NULL);
  cr_assert(strstr(json, "\"reset\":{\"by\":\"origin\",\"error\":{\"code\":4242,\"name\":\"0x1092\"}}") != NULL);
  cr_assert(strstr(json, "\"reset\":{\"by\":\"client\",\"error\":{\"code\":8,\"name\":\"CANCEL\"}}") != NULL);
  cr_assert(strstr(json, "\"complete\":false") != NULL);
  free(json);
  proxy_h2_cleanup(&h2);
  h2c_free(c);
}

Test(h2, goaway_says_no) {
  h2c_conv_t *c = h2c_new(NULL);
  h2c_request(c, "GET", "example.com", "/one", NULL, 0, NULL, 0, 0);
  h2c_request(c, "GET", "example.com", "/two", NULL, 0, NULL, 0, 0);
  h2c_run(c);
  h2c_server_goaway(c, NGHTTP2_ENHANCE_YOUR_CALM, "too many requests, slow down");
  h2c_run(c);
  proxy_h2_t h2;
  char *json;
  decode_every_way(c, NULL, 1, &h2, &json);
  cr_assert(strstr(json,
                   "\"goaway\":{\"origin\":{\"last_stream_id\":3,\"error\":{\"code\":11,\"name\":"
                   "\"ENHANCE_YOUR_CALM\"},\"debug_data\":\"too many requests, slow down\"}}") != NULL,
            "%s", json);
  free(json);
  proxy_h2_cleanup(&h2);
  h2c_free(c);
  // Long debug data is cut for the log, and its length said.
  c = h2c_new(NULL);
  h2c_run(c);
  char debug[301];
  memset(debug, 'd', 300);
  debug[300] = '\0';
  h2c_server_goaway(c, NGHTTP2_NO_ERROR, debug);
  h2c_run(c);
  decode_every_way(c, NULL, 0, &h2, &json);
  cr_assert_eq(h2.side[PROXY_H2_FROM_ORIGIN].goaway.debug_len, PROXY_H2_DEBUG_DATA_MAX);
  cr_assert(strstr(json, "\"debug_data_bytes\":300") != NULL, "%s", json);
  cr_assert(strstr(json, "\"last_stream_id\":0,\"error\":{\"code\":0,\"name\":\"NO_ERROR\"}") != NULL, "%s", json);
  free(json);
  proxy_h2_cleanup(&h2);
  h2c_free(c);
}

Test(h2, padding_priority_push_trailers_and_early_hints) {
  h2c_options_t opt = {.client_table_size = -1, .server_table_size = -1, .padding = 17};
  h2c_conv_t *c = h2c_new(&opt);
  static const uint8_t body[5000] = {0};
  h2c_request(c, "POST", "example.com", "/status/201", NULL, 0, body, sizeof(body), 1);
  int32_t a = h2c_request(c, "GET", "example.com", "/push", NULL, 0, NULL, 0, 1);
  h2c_client_priority(c, a);
  h2c_request(c, "GET", "example.com", "/trailers", NULL, 0, NULL, 0, 0);
  h2c_request(c, "GET", "example.com", "/early", NULL, 0, NULL, 0, 0);
  h2c_run(c);
  frames_t f = frames_of(c, 0), r = frames_of(c, 1);
  cr_assert_gt(f.padded, 0, "the client padded its frames");
  cr_assert_gt(r.padded, 0, "so did the origin");
  cr_assert_geq(f.with_priority, 2);
  cr_assert_geq(f.count[0x2], 1, "a PRIORITY frame went");
  cr_assert_eq(r.count[0x5], 1, "a PUSH_PROMISE went");
  proxy_h2_t h2;
  char *json;
  decode_every_way(c, NULL, 1, &h2, &json);
  cr_assert_eq(h2.num_streams, 5);
  cr_assert_eq(h2.streams[0].request_bytes, 5000, "padding is not body");
  const proxy_h2_stream_t *pushed = find(&h2, 2);
  cr_assert_not_null(pushed);
  cr_assert(pushed->pushed);
  cr_assert_str_eq(pushed->path, "/pushed");
  cr_assert_eq(pushed->response_bytes, 100);
  cr_assert_eq(find(&h2, 7)->status, 200, "103 Early Hints is not the final status");
  cr_assert_eq(find(&h2, 5)->response_bytes, 10, "trailers end the stream after the body");
  cr_assert(find(&h2, 5)->response_ended);
  cr_assert(strstr(json, "\"pushed\":true") != NULL);
  free(json);
  proxy_h2_cleanup(&h2);
  h2c_free(c);
}

// Broken input after a real start.

// real_start is a conversation with one request done; `bad` bytes are then
// appended as if `from_origin` sent them, followed by a valid request the
// decoder must no longer see.
static void expect_stop(const void *bad, size_t bad_len, int from_origin, proxy_h2_error_t want, const char *what) {
  h2c_conv_t *c = h2c_new(NULL);
  h2c_request(c, "GET", "example.com", "/before", NULL, 0, NULL, 0, 0);
  h2c_run(c);
  h2c_append_raw(c, from_origin, bad, bad_len);
  // A valid HEADERS frame for stream 99 (":method GET", ":path /", static table).
  static const uint8_t kAfter[] = {0, 0, 3, 1, 5, 0, 0, 0, 99, 0x82, 0x84, 0x87};
  h2c_append_raw(c, 0, kAfter, sizeof(kAfter));
  for (size_t chunk = 1; chunk <= 9; chunk += 8) {
    proxy_h2_t h2;
    proxy_h2_init(&h2, NULL);
    feed(&h2, c, chunk, 0);
    cr_assert_eq(h2.error, want, "%s: stopped with %s (%s), want %s", what, proxy_h2_error_name(h2.error),
                 h2.error_detail, proxy_h2_error_name(want));
    cr_assert_eq(h2.error_dir, from_origin ? PROXY_H2_FROM_ORIGIN : PROXY_H2_FROM_CLIENT, "%s", what);
    cr_assert_null(find(&h2, 99), "%s: nothing decoded after the error", what);
    cr_assert_leq(h2.streams_total, 2, "%s: the bad frame may open a stream, nothing after it does", what);
    cr_assert_str_eq(h2.streams[0].path, "/before");
    char *json = render(&h2);
    char code[64];
    snprintf(code, sizeof(code), "\"error\":{\"code\":\"%s\",", proxy_h2_error_name(want));
    cr_assert(strstr(json, code) != NULL, "%s: %s", what, json);
    free(json);
    proxy_h2_cleanup(&h2);
  }
  h2c_free(c);
}

Test(h2, malformed_frames_stop_decoding) {
  static const uint8_t rst_5[] = {0, 0, 5, 3, 0, 0, 0, 0, 1, 0, 0, 0, 8, 0};
  expect_stop(rst_5, sizeof(rst_5), 0, PROXY_H2_EFRAME_SIZE, "RST_STREAM of 5 bytes");
  static const uint8_t settings_7[] = {0, 0, 7, 4, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0};
  expect_stop(settings_7, sizeof(settings_7), 1, PROXY_H2_EFRAME_SIZE, "SETTINGS of 7 bytes");
  static const uint8_t ack_6[] = {0, 0, 6, 4, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
  expect_stop(ack_6, sizeof(ack_6), 0, PROXY_H2_EFRAME_SIZE, "SETTINGS ACK with a payload");
  static const uint8_t huge[] = {0, 0x50, 0, 0, 0, 0, 0, 0, 1};
  expect_stop(huge, sizeof(huge), 1, PROXY_H2_EFRAME_SIZE, "DATA over the default maximum frame size");
  static const uint8_t ping_0[] = {0, 0, 0, 6, 0, 0, 0, 0, 0};
  expect_stop(ping_0, sizeof(ping_0), 0, PROXY_H2_EFRAME_SIZE, "empty PING");
  static const uint8_t goaway_4[] = {0, 0, 4, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  expect_stop(goaway_4, sizeof(goaway_4), 1, PROXY_H2_EFRAME_SIZE, "GOAWAY of 4 bytes");
  static const uint8_t pad[] = {0, 0, 4, 0, 0x8, 0, 0, 0, 1, 9, 'a', 'b', 'c'};
  expect_stop(pad, sizeof(pad), 1, PROXY_H2_EPADDING, "padding longer than the frame");
  static const uint8_t headers_0[] = {0, 0, 1, 1, 4, 0, 0, 0, 0, 0x82};
  expect_stop(headers_0, sizeof(headers_0), 0, PROXY_H2_ESTREAM_ID, "HEADERS on stream 0");
  static const uint8_t ping_1[] = {0, 0, 8, 6, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8};
  expect_stop(ping_1, sizeof(ping_1), 1, PROXY_H2_ESTREAM_ID, "PING on stream 1");
  static const uint8_t garbage[] = {0, 0, 6, 1, 5, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  expect_stop(garbage, sizeof(garbage), 0, PROXY_H2_EHPACK, "HPACK garbage");
  static const uint8_t bad_index[] = {0, 0, 1, 1, 5, 0, 0, 0, 3, 0xff};
  expect_stop(bad_index, sizeof(bad_index), 0, PROXY_H2_EHPACK, "HPACK index past the tables");
  static const uint8_t bad_huffman[] = {0, 0, 5, 1, 5, 0, 0, 0, 3, 0x82, 0x44, 0x82, 0xff, 0xff};
  expect_stop(bad_huffman, sizeof(bad_huffman), 0, PROXY_H2_EHPACK, "Huffman padding of ones past 7 bits");
  static const uint8_t interrupted[] = {0, 0, 1, 1, 0, 0, 0, 0, 3, 0x82, 0, 0, 0, 0, 0, 0, 0, 0, 3};
  expect_stop(interrupted, sizeof(interrupted), 0, PROXY_H2_ECONTINUATION, "a DATA frame inside a header block");
  static const uint8_t stray[] = {0, 0, 1, 9, 4, 0, 0, 0, 3, 0x82};
  expect_stop(stray, sizeof(stray), 0, PROXY_H2_ECONTINUATION, "CONTINUATION without HEADERS");
  static const uint8_t over_table[] = {0, 0, 4, 1, 5, 0, 0, 0, 3, 0x3f, 0xe1, 0x7f, 0x82};  // size update 16384
  expect_stop(over_table, sizeof(over_table), 0, PROXY_H2_EHPACK, "a table size update over the receiver's setting");
}

Test(h2, preface_and_first_frame) {
  static const char kHttp1[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
  proxy_h2_t h2;
  proxy_h2_init(&h2, NULL);
  proxy_h2_feed(&h2, PROXY_H2_FROM_CLIENT, (const uint8_t *)kHttp1, sizeof(kHttp1) - 1);
  cr_assert_eq(h2.error, PROXY_H2_EPREFACE);
  proxy_h2_cleanup(&h2);
  // The preface, then a PING instead of SETTINGS.
  proxy_h2_init(&h2, NULL);
  static const char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  proxy_h2_feed(&h2, PROXY_H2_FROM_CLIENT, (const uint8_t *)kPreface, 24);
  cr_assert_eq(h2.error, PROXY_H2_OK);
  static const uint8_t ping[] = {0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
  proxy_h2_feed(&h2, PROXY_H2_FROM_CLIENT, ping, sizeof(ping));
  cr_assert_eq(h2.error, PROXY_H2_EFIRST_FRAME);
  cr_assert_eq(h2.error_dir, PROXY_H2_FROM_CLIENT);
  proxy_h2_cleanup(&h2);
  // The origin's side: TLS-looking bytes (an HTTP/1.1 answer would do the same).
  proxy_h2_init(&h2, NULL);
  static const char kResp[] = "HTTP/1.1 200 OK\r\n\r\n";
  proxy_h2_feed(&h2, PROXY_H2_FROM_ORIGIN, (const uint8_t *)kResp, sizeof(kResp) - 1);
  cr_assert_neq(h2.error, PROXY_H2_OK);
  cr_assert_eq(h2.error_dir, PROXY_H2_FROM_ORIGIN);
  char *json = render(&h2);
  cr_assert(strstr(json, "\"http2\":{\"streams\":[],\"streams_total\":0") != NULL, "%s", json);
  cr_assert(strstr(json, "\"http\":") == NULL, "no ECS http.* without a stream: %s", json);
  free(json);
  proxy_h2_cleanup(&h2);
  // A decoder never fed renders an empty, valid fragment and frees cleanly.
  proxy_h2_init(&h2, NULL);
  free(render(&h2));
  proxy_h2_cleanup(&h2);
}

Test(h2, stream_limit_counts_the_dropped) {
  h2c_conv_t *c = h2c_new(NULL);
  for (int i = 0; i < 7; i++) {
    h2c_request(c, "GET", "example.com", i == 6 ? "/status/500" : "/x", kBrowserHeaders, 4, NULL, 0, 0);
  }
  h2c_run(c);
  h2c_server_goaway(c, NGHTTP2_NO_ERROR, NULL);
  h2c_run(c);
  proxy_h2_limits_t limits = {.max_streams = 3, .redact = 1};
  proxy_h2_t h2;
  char *json;
  decode_every_way(c, &limits, 1, &h2, &json);
  cr_assert_eq(h2.num_streams, 3);
  cr_assert_eq(h2.streams_dropped, 4);
  cr_assert_eq(h2.status_classes[4], 1, "the dropped streams' heads still decode: the last one's 500 is counted");
  cr_assert(strstr(json, "\"streams_total\":7,\"streams_dropped\":4") != NULL, "%s", json);
  cr_assert(strstr(json, "\"requests\":7,\"responses\":7") != NULL, "%s", json);
  free(json);
  proxy_h2_cleanup(&h2);
  h2c_free(c);
}

Test(h2, header_block_limit) {
  h2c_conv_t *c = h2c_new(NULL);
  char value[3001];
  for (size_t i = 0; i < 3000; i++) {
    value[i] = (char)('!' + (i * 31) % 90);
  }
  value[3000] = '\0';
  nghttp2_nv extra[] = {{(uint8_t *)"x-big", (uint8_t *)value, 5, 3000, NGHTTP2_NV_FLAG_NONE}};
  h2c_request(c, "GET", "example.com", "/small", NULL, 0, NULL, 0, 0);
  h2c_request(c, "GET", "example.com", "/big-head", extra, 1, NULL, 0, 0);
  h2c_run(c);
  proxy_h2_limits_t limits = {.max_header_block = 1024};
  for (size_t chunk = 1; chunk <= 4096; chunk *= 64) {
    proxy_h2_t h2;
    proxy_h2_init(&h2, &limits);
    feed(&h2, c, chunk, 0);
    cr_assert_eq(h2.error, PROXY_H2_EHEADER_BLOCK_SIZE, "pieces of %zu: %s", chunk, proxy_h2_error_name(h2.error));
    cr_assert_eq(h2.streams_total, 1);
    cr_assert_leq(h2.side[0].block.cap, 1025, "no more than the limit was buffered");
    char *json = render(&h2);
    cr_assert(strstr(json, "\"code\":\"HEADER_BLOCK_SIZE\"") != NULL, "%s", json);
    free(json);
    proxy_h2_cleanup(&h2);
  }
  h2c_free(c);
}

Test(h2, hpack_table_limit) {
  // The origin allows a 64 KiB table and the client's encoder uses it.
  h2c_options_t opt = {.client_table_size = -1, .server_table_size = 65536, .client_deflate_max = 65536};
  h2c_conv_t *c = h2c_new(&opt);
  h2c_request(c, "GET", "example.com", "/one", kBrowserHeaders, COUNT_OF(kBrowserHeaders), NULL, 0, 0);
  h2c_run(c);
  h2c_request(c, "GET", "example.com", "/two", kBrowserHeaders, COUNT_OF(kBrowserHeaders), NULL, 0, 0);
  h2c_run(c);
  // A decoder allowed 64 KiB follows; one allowed 8 KiB stops on the table size update.
  proxy_h2_t h2;
  char *json;
  decode_every_way(c, NULL, 0, &h2, &json);
  cr_assert_eq(h2.num_streams, 2);
  free(json);
  proxy_h2_cleanup(&h2);
  proxy_h2_limits_t limits = {.max_table_size = 8192};
  proxy_h2_init(&h2, &limits);
  feed(&h2, c, WHOLE, 0);
  cr_assert_eq(h2.error, PROXY_H2_EHPACK_TABLE_SIZE, "%s (%s)", proxy_h2_error_name(h2.error), h2.error_detail);
  cr_assert_eq(h2.error_dir, PROXY_H2_FROM_CLIENT);
  proxy_h2_cleanup(&h2);
  h2c_free(c);
}

Test(h2, error_code_names) {
  cr_assert_str_eq(proxy_h2_code_name(0), "NO_ERROR");
  cr_assert_str_eq(proxy_h2_code_name(0x7), "REFUSED_STREAM");
  cr_assert_str_eq(proxy_h2_code_name(0xb), "ENHANCE_YOUR_CALM");
  cr_assert_str_eq(proxy_h2_code_name(0xd), "HTTP_1_1_REQUIRED");
  cr_assert_null(proxy_h2_code_name(0xe));
  for (uint32_t code = 0; code <= 0xd; code++) {
    cr_assert_str_eq(proxy_h2_code_name(code), nghttp2_http2_strerror(code), "code %u", code);
  }
}
