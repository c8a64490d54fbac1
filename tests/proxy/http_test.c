// Unit tests of proxy_http_t (proxy/http.c) through a fake sink: no sockets,
// no TLS. Each request stream is fed whole, byte by byte, cut at every
// single position and in seeded random chunks; what reaches the sink must be
// byte for byte what a correct relay forwards, whatever the split. Then the
// facts the log reports (method, path, Host, User-Agent, headers, counts,
// first status) and the response observer's robustness.

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/proxy_internal.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
#define IN(s) .in = s, .in_len = sizeof(s) - 1
#define WANT(s) .want = s, .want_len = sizeof(s) - 1

// A tiny deterministic generator, so a failing seed can be replayed.
static uint32_t rnd(uint64_t *state) {
  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(*state >> 33);
}

// The fake sink.
//
// It collects what is forwarded and checks, at every on_head, that the head
// handed over is a complete request head, already counted, and that what was
// forwarded before it plus this head (with the injected lines) is exactly the
// next part of what a correct relay sends.
typedef struct {
  inspect_buf_t out;
  unsigned heads;
  unsigned too_large;
  unsigned rejected;   // reject calls (guarded streams)
  const char *why;     // the last reason given
  int guarded;         // heads may end in LF LF: on_head checks no bytes
  unsigned answer_at;  // on_head returns 1 on this call (1-based); 0 = never
  const char *want;    // the expected forwarded stream, for the on_head check
  size_t want_len;
  const char *inject;
  const char *where;  // how the input was split, for messages
} sink_t;

static void sink_forward(void *arg, const uint8_t *data, size_t len) {
  sink_t *s = arg;
  cr_assert(inspect_buf_append(&s->out, data, len), "%s: more forwarded than the test allows", s->where);
}

static int sink_on_head(void *arg, proxy_http_t *http) {
  sink_t *s = arg;
  s->heads++;
  const char *head = http->head.data;
  size_t len = http->head.len;
  if (s->guarded) {
    return s->heads == s->answer_at ? 1 : 0;
  }
  cr_assert_geq(len, 4, "%s: head %u is %zu bytes", s->where, s->heads, len);
  cr_assert(memcmp(head + len - 4, "\r\n\r\n", 4) == 0, "%s: head %u does not end its head", s->where, s->heads);
  cr_assert_eq(http->requests, s->heads, "%s: on_head %u ran with %u requests parsed", s->where, s->heads,
               http->requests);
  if (s->want != NULL) {
    cr_assert_leq(s->out.len, s->want_len, "%s: forwarded past the expected stream", s->where);
    cr_assert(memcmp(s->out.data != NULL ? s->out.data : "", s->want, s->out.len) == 0,
              "%s: forwarded bytes differ before head %u", s->where, s->heads);
    if (s->heads == s->answer_at) {
      cr_assert_eq(s->out.len, s->want_len, "%s: the answered head %u is not where forwarding ends", s->where,
                   s->heads);
    } else {
      size_t inject_len = s->inject != NULL ? strlen(s->inject) : 0;
      size_t at = s->out.len;
      cr_assert_leq(at + len + inject_len, s->want_len, "%s: head %u runs past the expected stream", s->where,
                    s->heads);
      cr_assert(memcmp(s->want + at, head, len - 2) == 0 &&
                    memcmp(s->want + at + len - 2, s->inject != NULL ? s->inject : "", inject_len) == 0 &&
                    memcmp(s->want + at + len - 2 + inject_len, "\r\n", 2) == 0,
                "%s: head %u is not the next request head of the expected stream", s->where, s->heads);
    }
  }
  return s->heads == s->answer_at ? 1 : 0;
}

static void sink_on_too_large(void *arg) {
  sink_t *s = arg;
  s->too_large++;
}

static void sink_reject(void *arg, int status, const char *response, size_t len, const char *why) {
  sink_t *s = arg;
  cr_assert_eq(status, 400, "%s", s->where);
  cr_assert(len > 12 && memcmp(response, "HTTP/1.1 400", 12) == 0 && strstr(response, "awselb/2.0") != NULL,
            "%s: ALB's 400", s->where);
  s->rejected++;
  s->why = why;
}

static const proxy_http_sink_t kSink = {
    .forward = sink_forward,
    .on_head = sink_on_head,
    .on_too_large = sink_on_too_large,
    .reject = sink_reject,
};

static void sink_init(sink_t *s, const char *where) {
  memset(s, 0, sizeof(*s));
  inspect_buf_init(&s->out, 1 << 22);
  s->where = where;
}

static void sink_cleanup(sink_t *s) { inspect_buf_cleanup(&s->out); }

// Splits. A split is a list of chunk lengths covering the input.
typedef enum { SPLIT_WHOLE, SPLIT_BYTES, SPLIT_AT, SPLIT_RANDOM_SMALL, SPLIT_RANDOM } split_kind_t;

typedef struct {
  split_kind_t kind;
  size_t at;      // SPLIT_AT: the cut
  uint64_t seed;  // SPLIT_RANDOM*
  char where[64];
} split_t;

static void split_describe(split_t *sp) {
  switch (sp->kind) {
    case SPLIT_WHOLE: snprintf(sp->where, sizeof(sp->where), "whole"); break;
    case SPLIT_BYTES: snprintf(sp->where, sizeof(sp->where), "byte by byte"); break;
    case SPLIT_AT: snprintf(sp->where, sizeof(sp->where), "cut at %zu", sp->at); break;
    case SPLIT_RANDOM_SMALL:
      snprintf(sp->where, sizeof(sp->where), "chunks of 1..17, seed %llu", (unsigned long long)sp->seed);
      break;
    case SPLIT_RANDOM:
      snprintf(sp->where, sizeof(sp->where), "random chunks, seed %llu", (unsigned long long)sp->seed);
      break;
  }
}

// feed_split feeds `len` bytes as `sp` says, each chunk from a heap copy of
// exactly its size so that --config=asan sees any read past a chunk.
typedef void (*feed_fn)(proxy_http_t *http, const uint8_t *data, size_t len);

static void feed_split(proxy_http_t *http, feed_fn feed, const char *in, size_t len, const split_t *sp) {
  uint64_t state = sp->seed;
  size_t off = 0;
  while (off < len) {
    size_t n = len - off;
    switch (sp->kind) {
      case SPLIT_WHOLE: break;
      case SPLIT_BYTES: n = 1; break;
      case SPLIT_AT: n = off < sp->at ? sp->at - off : len - off; break;
      case SPLIT_RANDOM_SMALL: n = 1 + rnd(&state) % 17; break;
      case SPLIT_RANDOM: n = 1 + rnd(&state) % len; break;
    }
    if (n > len - off) {
      n = len - off;
    }
    uint8_t *chunk = malloc(n);
    cr_assert_not_null(chunk);
    memcpy(chunk, in + off, n);
    feed(http, chunk, n);
    free(chunk);
    off += n;
  }
}

// for_each_split calls `fn` for every split of an input of `len` bytes.
typedef void (*split_cb)(const void *c, const split_t *sp);

static void for_each_split(const void *c, size_t len, split_cb fn) {
  split_t sp = {.kind = SPLIT_WHOLE};
  split_describe(&sp);
  fn(c, &sp);
  sp.kind = SPLIT_BYTES;
  split_describe(&sp);
  fn(c, &sp);
  for (size_t at = 1; at < len; at++) {
    sp.kind = SPLIT_AT;
    sp.at = at;
    split_describe(&sp);
    fn(c, &sp);
  }
  for (uint64_t seed = 1; seed <= 24; seed++) {
    sp.kind = seed % 2 ? SPLIT_RANDOM_SMALL : SPLIT_RANDOM;
    sp.seed = seed;
    split_describe(&sp);
    fn(c, &sp);
  }
}

// Request streams.
typedef struct {
  char name[48];
  char in[2048];
  size_t in_len;
  char want[2048];  // what must be forwarded, unless `same`
  size_t want_len;
  int same;  // the whole input is forwarded unchanged
  char inject[64];
  size_t max_header;  // 0: 8192
  unsigned answer_at;
  unsigned heads;
  unsigned too_large;
  unsigned requests;
  // Facts of the first request.
  char method[16];
  char path[64];
  char host[64];
  char user_agent[64];
} relay_case_t;

#define GET1 "GET /a?b=1 HTTP/1.1\r\nHost: one.test\r\nUser-Agent: ua/1\r\n\r\n"
#define POST2 "POST /form HTTP/1.1\r\nHost: two.test\r\nContent-Length: 26\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n"
#define GET3 "GET /three HTTP/1.1\r\nHost: three.test\r\nUser-Agent: ua/3\r\n\r\n"
#define CHUNKED                                                             \
  "POST /up HTTP/1.1\r\nHost: c.test\r\nTransfer-Encoding: chunked\r\n\r\n" \
  "5;name=value;q=\"x\"\r\nhello\r\n"                                       \
  "1c\r\nGET /in-a-chunk HTTP/1.1\r\n\r\n\r\n"                              \
  "0;last\r\nX-Trailer: t\r\nX-Other: \r\n\r\n"
#define X_INJ "X-Mirror: 1\r\nX-Via: tlsmirror\r\n"

ParameterizedTestParameters(http_relay, streams) {
  static relay_case_t cases[] = {
      {"single GET", IN(GET1), .same = 1, .heads = 1, .requests = 1, .method = "GET", .path = "/a?b=1",
       .host = "one.test", .user_agent = "ua/1"},
      // A body holding something shaped like a request is a body.
      {"keep-alive GET, POST with body, GET", IN(GET1 POST2 GET3), .same = 1, .heads = 3, .requests = 3,
       .method = "GET", .path = "/a?b=1", .host = "one.test", .user_agent = "ua/1"},
      {"chunked with extensions and trailers, then GET", IN(CHUNKED GET3), .same = 1, .heads = 2, .requests = 2,
       .method = "POST", .path = "/up", .host = "c.test"},
      {"Content-Length 0 and HTTP/1.0 keep-alive",
       IN("POST /empty HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
          "GET /10 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" GET3),
       .same = 1, .heads = 3, .requests = 3, .method = "POST", .path = "/empty"},
      {"Expect: 100-continue",
       IN("PUT /big HTTP/1.1\r\nHost: e.test\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n0123456789" GET1),
       .same = 1, .heads = 2, .requests = 2, .method = "PUT", .path = "/big", .host = "e.test"},
      // After an upgrade the bytes belong to another protocol: nothing is a head.
      {"Upgrade: websocket",
       IN("GET /ws HTTP/1.1\r\nHost: w.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
          "\x81\x05hello\x88\x00" GET1 "\x00\xff"),
       .same = 1, .heads = 1, .requests = 1, .method = "GET", .path = "/ws", .host = "w.test"},
      {"CONNECT",
       IN("CONNECT origin.test:443 HTTP/1.1\r\nHost: origin.test:443\r\n\r\n"
          "\x16\x03\x01\x00\x05hello" GET1),
       .same = 1, .heads = 1, .requests = 1, .method = "CONNECT", .path = "origin.test:443", .host = "origin.test:443"},
      // Bytes that are not HTTP are relayed raw, none lost, none held back.
      {"TLS record, no blank line",
       IN("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00"
          "binary"),
       .same = 1},
      {"SSH banner with a blank line", IN("SSH-2.0-OpenSSH_9.2\r\n\r\nrest \x00\x01 of it"), .same = 1},
      {"lower-case method", IN("get / HTTP/1.1\r\nHost: x\r\n\r\n" GET1), .same = 1},
      {"unknown method", IN("FOO /x HTTP/1.1\r\n\r\n" GET1), .same = 1},
      // A request the parser ends before the empty line (bare LF line ends):
      // the proxy cannot tell where its head ends, so it relays raw, and
      // records the request line it could not read further.
      {"bare LF line ends",
       IN("POST /form HTTP/1.1\n\nHost: two.test\r\nContent-Length: 26\r\n\r\n"
          "GET /smuggled HTTP/1.1\r\n\r\n" GET1),
       .same = 1, .requests = 1, .method = "POST", .path = "/form"},
      {"bare LF, then a request line", IN("GET /lf HTTP/1.1\n\nGET /b HTTP/1.1\r\nHost: b.test\r\n\r\n" GET1),
       .same = 1, .requests = 1, .method = "GET", .path = "/lf"},
      {"binary after a request", IN(GET1 "\x00\x01\x02garbage\r\n\r\n" GET3), .same = 1, .heads = 1, .requests = 1,
       .method = "GET", .path = "/a?b=1", .host = "one.test", .user_agent = "ua/1"},
      {"HTTP/1.0 then more", IN("GET /old HTTP/1.0\r\n\r\n" GET1), .same = 1, .heads = 2, .requests = 2,
       .method = "GET", .path = "/old"},
      // RFC 9112 2.2: empty lines before a request line are ignored.
      {"empty lines before a request", IN("\r\n\r\n\r\n" GET1 "\r\n" GET3), .same = 1, .heads = 2, .requests = 2,
       .method = "GET", .path = "/a?b=1", .host = "one.test", .user_agent = "ua/1"},
      {"inject after empty lines", IN("\r\n\r\n" GET1),
       WANT("\r\n\r\nGET /a?b=1 HTTP/1.1\r\nHost: one.test\r\nUser-Agent: ua/1\r\n" X_INJ "\r\n"), .inject = X_INJ,
       .heads = 1, .requests = 1, .method = "GET", .path = "/a?b=1", .host = "one.test", .user_agent = "ua/1"},
      // Injected lines: once per head, before its empty line; bodies untouched.
      {"inject", IN(GET1 POST2 CHUNKED),
       WANT("GET /a?b=1 HTTP/1.1\r\nHost: one.test\r\nUser-Agent: ua/1\r\n" X_INJ "\r\n"
            "POST /form HTTP/1.1\r\nHost: two.test\r\nContent-Length: 26\r\n" X_INJ "\r\nGET /smuggled HTTP/1.1\r\n\r\n"
            "POST /up HTTP/1.1\r\nHost: c.test\r\nTransfer-Encoding: chunked\r\n" X_INJ "\r\n"
            "5;name=value;q=\"x\"\r\nhello\r\n1c\r\nGET /in-a-chunk HTTP/1.1\r\n\r\n\r\n"
            "0;last\r\nX-Trailer: t\r\nX-Other: \r\n\r\n"),
       .inject = X_INJ, .heads = 3, .requests = 3, .method = "GET", .path = "/a?b=1", .host = "one.test",
       .user_agent = "ua/1"},
      {"inject, then upgrade", IN("GET /ws HTTP/1.1\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n" GET1),
       WANT("GET /ws HTTP/1.1\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n" X_INJ "\r\n" GET1), .inject = X_INJ,
       .heads = 1, .requests = 1, .method = "GET", .path = "/ws"},
      // The owner answers a head itself: nothing more goes upstream.
      {"answer the first head", IN(GET1 GET3), WANT(""), .answer_at = 1, .heads = 1, .requests = 1, .method = "GET",
       .path = "/a?b=1", .host = "one.test", .user_agent = "ua/1"},
      {"answer the second head", IN(POST2 GET1 GET3 "garbage"), WANT(POST2), .answer_at = 2, .heads = 2, .requests = 2,
       .method = "POST", .path = "/form", .host = "two.test"},
      // Heads over the limit: on_too_large, and nothing of them goes upstream.
      {"head over the limit", IN(GET1 GET1 GET3), .max_header = 40, WANT(""), .too_large = 1},
      {"second head over the limit",
       IN(GET3 "GET /long HTTP/1.1\r\nX-Pad: 0123456789012345678901234567890123456789\r\n\r\n" GET3), WANT(GET3),
       .max_header = 64, .heads = 1, .requests = 1, .too_large = 1, .method = "GET", .path = "/three",
       .host = "three.test", .user_agent = "ua/3"},
      {"head one byte over the limit", IN("POST /b HTTP/1.1\r\nContent-Length: 1\r\n\r\nx"), .max_header = 38, WANT(""),
       .too_large = 1},
      // The limit is on one head, not on what follows it in the same read.
      {"head at the limit, long body",
       IN("POST /b HTTP/1.1\r\nContent-Length: 100\r\n\r\n"
          "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"),
       .max_header = 41, .same = 1, .heads = 1, .requests = 1, .method = "POST", .path = "/b"},
      {"pipelined heads under the limit", IN(GET1 GET1 GET1 GET1 GET1), .max_header = 64, .same = 1, .heads = 5,
       .requests = 5, .method = "GET", .path = "/a?b=1", .host = "one.test", .user_agent = "ua/1"},
  };
  return cr_make_param_array(relay_case_t, cases, COUNT_OF(cases));
}

static void run_relay(const void *arg, const split_t *sp) {
  const relay_case_t *c = arg;
  const char *want = c->same ? c->in : c->want;
  size_t want_len = c->same ? c->in_len : c->want_len;
  char where[128];
  snprintf(where, sizeof(where), "%s, %s", c->name, sp->where);
  sink_t s;
  sink_init(&s, where);
  s.answer_at = c->answer_at;
  s.want = want;
  s.want_len = want_len;
  s.inject = c->inject[0] != '\0' ? c->inject : NULL;
  proxy_http_t http;
  proxy_http_init(&http, &kSink, &s, c->max_header != 0 ? c->max_header : 8192, 1);
  http.inject = s.inject;
  feed_split(&http, proxy_http_request_feed, c->in, c->in_len, sp);
  cr_assert_eq(s.out.len, want_len, "%s: forwarded %zu bytes, want %zu", where, s.out.len, want_len);
  cr_assert(memcmp(s.out.data != NULL ? s.out.data : "", want, want_len) == 0, "%s: forwarded bytes differ", where);
  cr_assert_eq(s.heads, c->heads, "%s: %u heads, want %u", where, s.heads, c->heads);
  cr_assert_eq(s.too_large, c->too_large, "%s: on_too_large %u times", where, s.too_large);
  cr_assert_eq(http.requests, c->requests, "%s: %u requests", where, http.requests);
  cr_assert_str_eq(http.method, c->method, "%s", where);
  cr_assert_str_eq(http.path, c->path, "%s", where);
  cr_assert_str_eq(http.host, c->host, "%s", where);
  cr_assert_str_eq(http.user_agent, c->user_agent, "%s", where);
  proxy_http_cleanup(&http);
  sink_cleanup(&s);
}

ParameterizedTest(relay_case_t *c, http_relay, streams) { for_each_split(c, c->in_len, run_relay); }

// Whatever the bytes, nothing is invented or reordered: what is forwarded
// is a prefix of the input, what is held back is an unfinished head within
// the limit, and the split does not change the outcome. The inputs are
// mutations of a valid stream, to reach every parser state.
Test(http_relay, mutations) {
  static const char kBase[] =
      GET1 POST2 CHUNKED "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\nxx";
  uint64_t state = 42;
  for (int iter = 0; iter < 3000; iter++) {
    char in[sizeof(kBase) + 64];
    size_t len = sizeof(kBase) - 1;
    memcpy(in, kBase, len);
    int edits = 1 + (int)(rnd(&state) % 4);
    for (int e = 0; e < edits && len > 1; e++) {
      size_t at = rnd(&state) % len;
      switch (rnd(&state) % 4) {
        case 0:  // flip a byte
          in[at] = (char)rnd(&state);
          break;
        case 1:  // a structural byte
          in[at] = "\r\n :;0\x00"[rnd(&state) % 7];
          break;
        case 2:  // drop a byte
          memmove(in + at, in + at + 1, len - at - 1);
          len--;
          break;
        default:  // truncate
          len = at + 1;
          break;
      }
    }
    char out_whole[sizeof(in)], out_bytes[sizeof(in)];
    size_t whole_len = 0;
    for (int pass = 0; pass < 3; pass++) {
      split_t sp = {.kind = pass == 0   ? SPLIT_WHOLE
                            : pass == 1 ? SPLIT_BYTES
                                        : SPLIT_RANDOM_SMALL,
                    .seed = (uint64_t)iter + 1};
      split_describe(&sp);
      char where[128];
      snprintf(where, sizeof(where), "mutation %d, %s", iter, sp.where);
      sink_t s;
      sink_init(&s, where);
      proxy_http_t http;
      proxy_http_init(&http, &kSink, &s, 256, 1);
      feed_split(&http, proxy_http_request_feed, in, len, &sp);
      cr_assert_leq(s.out.len, len, "%s", where);
      cr_assert(memcmp(s.out.data != NULL ? s.out.data : "", in, s.out.len) == 0, "%s: not a prefix", where);
      size_t held = len - s.out.len;
      if (s.too_large == 0 && held > 0) {
        cr_assert_eq(http.head.len, held, "%s: %zu bytes held back, %zu in the head", where, held, http.head.len);
        cr_assert_leq(held, 256, "%s", where);
        cr_assert_null(memmem(in + s.out.len, held, "\r\n\r\n", 4), "%s: a finished head is held back", where);
      }
      if (pass == 0) {
        whole_len = s.out.len;
        memcpy(out_whole, s.out.data != NULL ? s.out.data : "", s.out.len);
      } else {
        memcpy(out_bytes, s.out.data != NULL ? s.out.data : "", s.out.len);
        cr_assert_eq(s.out.len, whole_len, "%s: %zu bytes forwarded, %zu when fed whole", where, s.out.len, whole_len);
        cr_assert(memcmp(out_bytes, out_whole, whole_len) == 0, "%s", where);
      }
      proxy_http_cleanup(&http);
      sink_cleanup(&s);
    }
  }
}

// proxy_http_set_raw (ALPN other than http/1.1) hands over a head gathered
// so far, then everything as it comes; responses are no longer parsed.
Test(http_relay, set_raw) {
  sink_t s;
  sink_init(&s, "set_raw");
  proxy_http_t http;
  proxy_http_init(&http, &kSink, &s, 8192, 1);
#define HALF "GET /half HTTP/1.1\r\nHost: "
  static const char kPart[] = HALF;
  proxy_http_request_feed(&http, (const uint8_t *)kPart, sizeof(kPart) - 1);
  cr_assert_eq(s.out.len, 0);
  proxy_http_set_raw(&http);
  cr_assert_eq(s.out.len, sizeof(kPart) - 1);
  proxy_http_request_feed(&http, (const uint8_t *)"x\r\n\r\n" GET1, 5 + sizeof(GET1) - 1);
  cr_assert_eq(s.out.len, sizeof(kPart) - 1 + 5 + sizeof(GET1) - 1);
  cr_assert(memcmp(s.out.data, HALF "x\r\n\r\n" GET1, s.out.len) == 0);
  cr_assert_eq(s.heads, 0);
  proxy_http_response_feed(&http, (const uint8_t *)"HTTP/1.1 200 OK\r\n\r\n", 19);
  cr_assert_eq(http.responses, 0);
  proxy_http_cleanup(&http);
  sink_cleanup(&s);
}

// The facts of the log.
//
// json_check validates `text` as one JSON value (RFC 8259) with UTF-8 per
// RFC 3629 (no overlong forms, surrogates or code points past U+10FFFF).
typedef struct {
  const unsigned char *p, *end;
} json_t;

static void json_ws(json_t *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) {
    j->p++;
  }
}

static int json_utf8(json_t *j) {
  unsigned c = *j->p;
  size_t n;
  unsigned lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf)
    n = 1;
  else if (c == 0xe0)
    n = 2, lo = 0xa0;
  else if (c == 0xed)
    n = 2, hi = 0x9f;
  else if (c >= 0xe1 && c <= 0xef)
    n = 2;
  else if (c == 0xf0)
    n = 3, lo = 0x90;
  else if (c == 0xf4)
    n = 3, hi = 0x8f;
  else if (c >= 0xf1 && c <= 0xf3)
    n = 3;
  else
    return 0;
  if ((size_t)(j->end - j->p) <= n)
    return 0;
  for (size_t k = 1; k <= n; k++) {
    unsigned b = j->p[k];
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf))
      return 0;
  }
  j->p += n + 1;
  return 1;
}

static int json_string(json_t *j) {
  if (j->p >= j->end || *j->p != '"')
    return 0;
  j->p++;
  while (j->p < j->end) {
    unsigned c = *j->p;
    if (c == '"') {
      j->p++;
      return 1;
    }
    if (c < 0x20)
      return 0;
    if (c == '\\') {
      if (j->end - j->p < 2)
        return 0;
      unsigned e = j->p[1];
      if (e == 'u') {
        if (j->end - j->p < 6)
          return 0;
        for (int k = 2; k < 6; k++) {
          if (!strchr("0123456789abcdefABCDEF", j->p[k]) || j->p[k] == '\0')
            return 0;
        }
        j->p += 6;
      } else if (strchr("\"\\/bfnrt", (int)e) != NULL && e != '\0') {
        j->p += 2;
      } else {
        return 0;
      }
    } else if (c >= 0x80) {
      if (!json_utf8(j))
        return 0;
    } else {
      j->p++;
    }
  }
  return 0;
}

static int json_value(json_t *j, int depth);

static int json_object(json_t *j, int depth) {
  j->p++;
  json_ws(j);
  if (j->p < j->end && *j->p == '}') {
    j->p++;
    return 1;
  }
  for (;;) {
    json_ws(j);
    if (!json_string(j))
      return 0;
    json_ws(j);
    if (j->p >= j->end || *j->p++ != ':')
      return 0;
    if (!json_value(j, depth + 1))
      return 0;
    json_ws(j);
    if (j->p >= j->end)
      return 0;
    if (*j->p == '}') {
      j->p++;
      return 1;
    }
    if (*j->p++ != ',')
      return 0;
  }
}

static int json_value(json_t *j, int depth) {
  json_ws(j);
  if (depth > 64 || j->p >= j->end)
    return 0;
  if (*j->p == '{')
    return json_object(j, depth);
  if (*j->p == '"')
    return json_string(j);
  return 0;  // headers_json holds strings only
}

static int json_check(const char *text, size_t len) {
  json_t j = {(const unsigned char *)text, (const unsigned char *)text + len};
  if (!json_value(&j, 0))
    return 0;
  json_ws(&j);
  return j.p == j.end;
}

// headers_object wraps headers_json ("members") into an object and checks it.
static void check_headers_json(const proxy_http_t *http, const char *where) {
  inspect_buf_t obj;
  inspect_buf_init(&obj, 1 << 20);
  inspect_buf_printf(&obj, "{%s}", http->headers_json.data != NULL ? http->headers_json.data : "");
  cr_assert(!http->headers_json.failed, "%s: headers_json overflowed", where);
  cr_assert(json_check(obj.data, obj.len), "%s: headers_json is not valid JSON: %s", where, obj.data);
  inspect_buf_cleanup(&obj);
}

// The validator itself, so that a check that passes means something.
Test(http_facts, json_checker) {
  static const char *const kGood[] = {"{}", "{\"a\":\"b\"}",
                                      "{\"a\":\"\\u00e9\\n\",\"b\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}"};
  static const char *const kBad[] = {"{",
                                     "{\"a\"}",
                                     "{\"a\":\"b\",}",
                                     "{\"a\":\"\x01\"}",
                                     "{\"a\":\"\xff\"}",
                                     "{\"a\":\"\xc0\xaf\"}",
                                     "{\"a\":\"\xed\xa0\x80\"}",
                                     "{\"a\":\"\xe0\x80\xaf\"}",
                                     "{\"a\":\"\xf4\x90\x80\x80\"}",
                                     "{\"a\":\"\\x\"}",
                                     "{\"a\":\"b\"} x",
                                     "{\"a\":\"\xe2\x82\"}"};
  for (size_t i = 0; i < COUNT_OF(kGood); i++) {
    cr_assert(json_check(kGood[i], strlen(kGood[i])), "%s", kGood[i]);
  }
  for (size_t i = 0; i < COUNT_OF(kBad); i++) {
    cr_assert(!json_check(kBad[i], strlen(kBad[i])), "accepted %s", kBad[i]);
  }
}

static void feed_all(proxy_http_t *http, const char *data, size_t len) {
  proxy_http_request_feed(http, (const uint8_t *)data, len);
}

typedef struct {
  char name[40];
  char in[1024];
  size_t in_len;
  int redact;
  char json[1024];
} headers_case_t;

ParameterizedTestParameters(http_facts, headers_json) {
  static headers_case_t cases[] = {
      {"plain", IN("GET / HTTP/1.1\r\nHost: h.test\r\nAccept: */*\r\n\r\n"), 1,
       "\"Host\":\"h.test\",\"Accept\":\"*/*\""},
      {"secrets redacted",
       IN("GET / HTTP/1.1\r\nAuthorization: Bearer s3cr3t\r\ncookie: sid=s3cr3t\r\nSET-COOKIE: a=s3cr3t\r\n"
          "Proxy-Authorization: Basic s3cr3t\r\nX-Not-Secret: v\r\n\r\n"),
       1,
       "\"Authorization\":\"[REDACTED]\",\"cookie\":\"[REDACTED]\",\"SET-COOKIE\":\"[REDACTED]\","
       "\"Proxy-Authorization\":\"[REDACTED]\",\"X-Not-Secret\":\"v\""},
      {"secrets shown when asked", IN("GET / HTTP/1.1\r\nAuthorization: Bearer s3cr3t\r\nCookie: sid=1\r\n\r\n"), 0,
       "\"Authorization\":\"Bearer s3cr3t\",\"Cookie\":\"sid=1\""},
      {"only the first request", IN("GET / HTTP/1.1\r\nA: 1\r\n\r\nGET / HTTP/1.1\r\nB: 2\r\n\r\n"), 1, "\"A\":\"1\""},
      {"escapes", IN("GET / HTTP/1.1\r\nX-Q: say \"hi\" \\ back\tslash\r\n\r\n"), 1,
       "\"X-Q\":\"say \\\"hi\\\" \\\\ back\\tslash\""},
      {"odd bytes", IN("GET / HTTP/1.1\r\nX-B: caf\xc3\xa9 \xff\xfe \xc3 \x80\r\n\r\n"), 1,
       "\"X-B\":\"caf\xc3\xa9 \\ufffd\\ufffd \\ufffd \\ufffd\""},
      {"no headers", IN("GET / HTTP/1.1\r\n\r\n"), 1, ""},
      {"empty value", IN("GET / HTTP/1.1\r\nX-Empty:\r\n\r\n"), 1, "\"X-Empty\":\"\""},
  };
  return cr_make_param_array(headers_case_t, cases, COUNT_OF(cases));
}

ParameterizedTest(headers_case_t *c, http_facts, headers_json) {
  sink_t s;
  sink_init(&s, c->name);
  proxy_http_t http;
  proxy_http_init(&http, &kSink, &s, 8192, c->redact);
  feed_all(&http, c->in, c->in_len);
  const char *got = http.headers_json.data != NULL ? http.headers_json.data : "";
  cr_assert_str_eq(got, c->json, "%s: got %s", c->name, got);
  check_headers_json(&http, c->name);
  if (c->redact) {
    cr_assert_null(strstr(http.headers_json.data != NULL ? http.headers_json.data : "", "s3cr3t"), "%s", c->name);
  }
  // The request itself is forwarded as sent: redaction is for the log only.
  cr_assert_eq(s.out.len, c->in_len);
  cr_assert(memcmp(s.out.data, c->in, c->in_len) == 0);
  proxy_http_cleanup(&http);
  sink_cleanup(&s);
}

// Values of any bytes a header may hold stay valid JSON: long ones are cut
// at 1024 bytes (a sequence cut in two included), many headers stop at a
// bound, and random bytes never break the record.
Test(http_facts, headers_json_odd_bytes) {
  inspect_buf_t req;
  inspect_buf_init(&req, 1 << 20);
  // A value of 1023 ASCII bytes then a two-byte sequence straddling the cut.
  inspect_buf_puts(&req, "GET / HTTP/1.1\r\nX-Long: ");
  for (int i = 0; i < 1023; i++) {
    inspect_buf_puts(&req, "a");
  }
  inspect_buf_puts(&req, "\xc3\xa9tail\r\n");
  for (int i = 0; i < 400; i++) {
    inspect_buf_printf(&req, "X-Many-%d: %0100d\r\n", i, i);
  }
  inspect_buf_puts(&req, "\r\n");
  sink_t s;
  sink_init(&s, "odd bytes");
  proxy_http_t http;
  proxy_http_init(&http, &kSink, &s, 1 << 20, 1);
  feed_all(&http, req.data, req.len);
  cr_assert_eq(s.heads, 1);
  check_headers_json(&http, "long and many");
  const char *json = http.headers_json.data;
  cr_assert_not_null(strstr(json, "\"X-Long\":\""), "%.80s", json);
  // 1023 a's, then the cut sequence replaced, then the next member.
  const char *v = strstr(json, "\"X-Long\":\"") + 10;
  cr_assert_eq(strspn(v, "a"), 1023);
  cr_assert(strncmp(v + 1023, "\\ufffd\",", 8) == 0, "%.40s", v + 1000);
  cr_assert_leq(http.headers_json.len, 16384 + 2048, "%zu bytes", http.headers_json.len);
  cr_assert_null(strstr(json, "X-Many-399"), "every header was kept: no bound");
  proxy_http_cleanup(&http);
  sink_cleanup(&s);
  inspect_buf_cleanup(&req);

  // Random header values: every byte a header value may carry (HTAB, SP,
  // VCHAR, obs-text).
  uint64_t state = 7;
  for (int iter = 0; iter < 2000; iter++) {
    char in[512];
    int n = snprintf(in, sizeof(in), "GET / HTTP/1.1\r\nX-R: ");
    int vlen = 1 + (int)(rnd(&state) % 64);
    for (int k = 0; k < vlen; k++) {
      unsigned char b;
      do {
        b = (unsigned char)(rnd(&state) % 256);
      } while ((b < 0x20 && b != '\t') || b == 0x7f);
      in[n++] = (char)b;
    }
    n += snprintf(in + n, sizeof(in) - (size_t)n, "x\r\n\r\n");
    char where[32];
    snprintf(where, sizeof(where), "random value %d", iter);
    sink_init(&s, where);
    proxy_http_init(&http, &kSink, &s, 8192, 1);
    feed_all(&http, in, (size_t)n);
    cr_assert_eq(s.heads, 1, "%s: not parsed as a request", where);
    check_headers_json(&http, where);
    proxy_http_cleanup(&http);
    sink_cleanup(&s);
  }
}

// Overlong forms and encoded surrogates are invalid UTF-8 (RFC 3629), so a
// strict reader (Python's json.loads on bytes, Go's encoding/json with
// validation) refuses a record holding them: inspect_buf_json_string_len
// must replace them.
Test(http_facts, headers_json_strict_utf8) {
  static const char *const kValues[] = {"\xe0\x80\xaf", "\xed\xa0\x80", "\xf0\x80\x80\xaf", "\xf4\x90\x80\x80"};
  for (size_t i = 0; i < COUNT_OF(kValues); i++) {
    char in[128];
    int n = snprintf(in, sizeof(in), "GET / HTTP/1.1\r\nX-U: %s\r\n\r\n", kValues[i]);
    sink_t s;
    sink_init(&s, "strict utf8");
    proxy_http_t http;
    proxy_http_init(&http, &kSink, &s, 8192, 1);
    feed_all(&http, in, (size_t)n);
    cr_assert_eq(s.heads, 1);
    check_headers_json(&http, "strict utf8");
    proxy_http_cleanup(&http);
    sink_cleanup(&s);
  }
}

Test(http_facts, first_request_fields) {
  sink_t s;
  sink_init(&s, "fields");
  proxy_http_t http;
  proxy_http_init(&http, &kSink, &s, 1 << 16, 1);
  inspect_buf_t req;
  inspect_buf_init(&req, 1 << 20);
  // A path past the 2048-byte field, Host and User-Agent past 256.
  inspect_buf_puts(&req, "OPTIONS /");
  for (int i = 0; i < 3000; i++)
    inspect_buf_puts(&req, "p");
  inspect_buf_puts(&req, " HTTP/1.1\r\nhOST: ");
  for (int i = 0; i < 300; i++)
    inspect_buf_puts(&req, "h");
  inspect_buf_puts(&req, "\r\nuser-agent: ");
  for (int i = 0; i < 300; i++)
    inspect_buf_puts(&req, "u");
  inspect_buf_puts(&req, "\r\n\r\nGET /second HTTP/1.1\r\nHost: second\r\nUser-Agent: second\r\n\r\n");
  feed_all(&http, req.data, req.len);
  cr_assert_eq(s.heads, 2);
  cr_assert_eq(http.requests, 2);
  cr_assert_str_eq(http.method, "OPTIONS");
  cr_assert_eq(strlen(http.path), sizeof(http.path) - 1);
  cr_assert_eq(http.path[0], '/');
  cr_assert_eq(strspn(http.path + 1, "p"), sizeof(http.path) - 2);
  cr_assert_eq(strlen(http.host), sizeof(http.host) - 1);
  cr_assert_eq(strspn(http.host, "h"), sizeof(http.host) - 1);
  cr_assert_eq(strspn(http.user_agent, "u"), sizeof(http.user_agent) - 1);
  cr_assert_eq(strlen(http.user_agent), sizeof(http.user_agent) - 1);
  cr_assert_eq(s.out.len, req.len);
  inspect_buf_cleanup(&req);
  proxy_http_cleanup(&http);
  sink_cleanup(&s);
}

// Responses: only observed. The requests are fed first (the observer needs
// to know which were HEAD), then the responses in every split.
typedef struct {
  char name[48];
  char in[1024];  // requests
  size_t in_len;
  char resp[2048];
  size_t resp_len;
  unsigned responses;
  int status;
} resp_case_t;

#define RESP(s) .resp = s, .resp_len = sizeof(s) - 1

ParameterizedTestParameters(http_responses, streams) {
  static resp_case_t cases[] = {
      {"one", IN(GET1), RESP("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), 1, 200},
      {"keep-alive mix", IN(GET1 GET1 GET1 GET1 GET1),
       RESP("HTTP/1.1 404 Not Found\r\nContent-Length: 24\r\n\r\nHTTP/1.1 500 Oops!\r\n\r\n\r\n"
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nbody\r\n0\r\nT: 1\r\n\r\n"
            "HTTP/1.1 204 No Content\r\n\r\n"
            "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"
            "HTTP/1.1 301 Moved\r\nContent-Length: 0\r\n\r\n"),
       5, 404},
      {"204 with a length", IN(GET1 GET1),
       RESP("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 2,
       204},
      // A response to HEAD has no body, whatever its headers say.
      {"HEAD then GET", IN("HEAD / HTTP/1.1\r\n\r\n" GET1),
       RESP("HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc"), 2,
       200},
      {"HEAD chunked then GET", IN("HEAD / HTTP/1.1\r\n\r\n" GET1),
       RESP("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"),
       2, 200},
      {"GET, HEAD, GET", IN(GET1 "HEAD /h HTTP/1.1\r\n\r\n" GET3),
       RESP("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
            "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok"),
       3, 200},
      // Interim responses are not responses.
      {"100-continue", IN("PUT /u HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok"),
       RESP("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"), 1, 201},
      {"103 early hints", IN(GET1),
       RESP("HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
       1, 200},
      // After 101 the bytes are another protocol.
      {"101 switching", IN("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
       RESP("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
            "\x81\x7eHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
       1, 101},
      {"close-delimited body", IN(GET1 GET1),
       RESP("HTTP/1.0 200 OK\r\n\r\nuntil EOF HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"), 1, 200},
      {"garbage", IN(GET1), RESP("\x00\x01\x02 not http\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"), 0, 0},
      {"garbage after a response", IN(GET1 GET1),
       RESP("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\nSSH-2.0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"), 1, 502},
      {"no request seen", .in_len = 0, RESP("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n"), 1, 408},
  };
  return cr_make_param_array(resp_case_t, cases, COUNT_OF(cases));
}

static void run_responses(const void *arg, const split_t *sp) {
  const resp_case_t *c = arg;
  char where[128];
  snprintf(where, sizeof(where), "%s, %s", c->name, sp->where);
  sink_t s;
  sink_init(&s, where);
  proxy_http_t http;
  proxy_http_init(&http, &kSink, &s, 8192, 1);
  feed_all(&http, c->in, c->in_len);
  cr_assert_eq(s.out.len, c->in_len, "%s: the requests were not all forwarded", where);
  feed_split(&http, proxy_http_response_feed, c->resp, c->resp_len, sp);
  cr_assert_eq(http.responses, c->responses, "%s: %u responses, want %u", where, http.responses, c->responses);
  cr_assert_eq(http.status, c->status, "%s: status %d, want %d", where, http.status, c->status);
  proxy_http_cleanup(&http);
  sink_cleanup(&s);
}

ParameterizedTest(resp_case_t *c, http_responses, streams) { for_each_split(c, c->resp_len, run_responses); }

// Garbage and huge heads from the origin: the observer gives up, never
// crashes, never counts what it could not parse.
Test(http_responses, robustness) {
  sink_t s;
  sink_init(&s, "huge");
  proxy_http_t http;
  proxy_http_init(&http, &kSink, &s, 8192, 1);
  feed_all(&http, GET1 GET1, 2 * (sizeof(GET1) - 1));
  static const char kTop[] = "HTTP/1.1 200 OK\r\n";
  proxy_http_response_feed(&http, (const uint8_t *)kTop, sizeof(kTop) - 1);
  char line[1024];
  memset(line, 'v', sizeof(line));
  memcpy(line, "X-Big: ", 7);
  memcpy(line + sizeof(line) - 2, "\r\n", 2);
  for (int i = 0; i < 1024; i++) {  // 1 MiB of headers
    proxy_http_response_feed(&http, (const uint8_t *)line, sizeof(line));
  }
  static const char kRest[] = "\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  proxy_http_response_feed(&http, (const uint8_t *)kRest, sizeof(kRest) - 1);
  cr_assert_eq(http.responses, 0, "a head past http_parser's limit was counted");
  cr_assert_eq(http.status, 0);
  proxy_http_cleanup(&http);
  sink_cleanup(&s);

  uint64_t state = 99;
  for (int iter = 0; iter < 2000; iter++) {
    sink_init(&s, "random");
    proxy_http_init(&http, &kSink, &s, 8192, 1);
    feed_all(&http, "HEAD / HTTP/1.1\r\n\r\n" GET1, 19 + sizeof(GET1) - 1);
    // A valid response, mutated.
    char resp[] =
        "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"
        "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n";
    size_t len = sizeof(resp) - 1;
    for (int e = 0; e < 3; e++) {
      resp[rnd(&state) % len] = (char)rnd(&state);
    }
    split_t sp = {.kind = SPLIT_RANDOM_SMALL, .seed = (uint64_t)iter};
    split_describe(&sp);
    feed_split(&http, proxy_http_response_feed, resp, len, &sp);
    cr_assert_leq(http.responses, 2, "iteration %d: %u responses from two", iter, http.responses);
    cr_assert(http.status == 0 || (http.status >= 100 && http.status <= 999), "iteration %d: status %d", iter,
              http.status);
    proxy_http_cleanup(&http);
    sink_cleanup(&s);
  }
}

// Guarded streams (strip_prefix set: the proxy vouches for X-Amzn-Mtls-*).
// Whatever the split, a client's X-Amzn-Mtls-* header never goes upstream:
// well-formed heads go without it (bare LF heads rewritten with CRLF), heads
// and bodies that could be read two ways are refused with ALB's 400.
typedef struct {
  char name[64];
  char in[1024];
  size_t in_len;
  char want[1024];
  size_t want_len;
  char why[128];  // the start of the reason for a refusal; "": none (arrays: Criterion copies the cases)
  unsigned heads;
} guard_case_t;

#define INJ "X-Amzn-Mtls-Clientcert: REAL\r\n"
#define FORGED "X-Amzn-Mtls-Clientcert: FORGED\r\n"

ParameterizedTestParameters(http_guard, streams) {
  static guard_case_t cases[] = {
      {"CRLF head", IN("GET / HTTP/1.1\r\nHost: a\r\n" FORGED "\r\n"), WANT("GET / HTTP/1.1\r\nHost: a\r\n" INJ "\r\n"),
       .heads = 1},
      {"bare LF head (issue 11)", IN("GET / HTTP/1.1\nHost: a\n" FORGED "\n"),
       WANT("GET / HTTP/1.1\r\nHost: a\r\n" INJ "\r\n"), .heads = 1},
      {"mixed line ends", IN("GET / HTTP/1.1\r\nHost: a\n" FORGED "\r\n"),
       WANT("GET / HTTP/1.1\r\nHost: a\r\n" INJ "\r\n"), .heads = 1},
      {"case and '_' spellings",
       IN("GET / HTTP/1.1\r\nx-amzn-MTLS-clientcert-subject: CN=x\r\n"
          "X_Amzn_Mtls_Clientcert: F\r\nX-Amzn_Mtls-Leaf: F\r\nX-Amzn-Other: kept\r\n\r\n"),
       WANT("GET / HTTP/1.1\r\nX-Amzn-Other: kept\r\n" INJ "\r\n"), .heads = 1},
      {"empty lines before the request line", IN("\r\n\n\r\nGET / HTTP/1.1\r\n" FORGED "\r\n"),
       WANT("GET / HTTP/1.1\r\n" INJ "\r\n"), .heads = 1},
      {"pipelined, the second forged",
       IN("POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n" FORGED "\r\n"),
       WANT("POST /a HTTP/1.1\r\nContent-Length: 3\r\n" INJ "\r\nabcGET /b HTTP/1.1\r\n" INJ "\r\n"), .heads = 2},
      {"chunked, extensions",
       IN("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n3;a=b\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n" FORGED
          "\r\n"),
       WANT("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n" INJ
            "\r\n3;a=b\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n" INJ "\r\n"),
       .heads = 2},
      {"two Content-Length (issue 11)",
       IN("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nxGET / HTTP/1.1\r\n" FORGED "\r\n"),
       WANT(""), .why = "ambiguous request: more than one Content-Length|malformed request: unexpected content-length"},
      {"Content-Length and Transfer-Encoding",
       IN("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), WANT(""),
       .why = "ambiguous request: both"},
      {"Transfer_Encoding", IN("POST / HTTP/1.1\r\nTransfer_Encoding: chunked\r\n\r\n"), WANT(""),
       .why = "ambiguous request: Content-Length or Transfer-Encoding spelt"},
      {"Transfer-Encoding other than chunked", IN("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
       WANT(""), .why = "malformed request: a Transfer-Encoding"},
      {"chunked in HTTP/1.0", IN("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), WANT(""),
       .why = "malformed request: Transfer-Encoding in an HTTP/1.0"},
      {"obs-fold", IN("GET / HTTP/1.1\r\nX-A: b\r\n " FORGED "\r\n"), WANT(""), .why = "ambiguous request: a folded"},
      {"space before the colon", IN("GET / HTTP/1.1\r\nX-Amzn-Mtls-Clientcert : F\r\n\r\n"), WANT(""),
       .why = "malformed request: a header line"},
      {"bare CR", IN("GET / HTTP/1.1\r\nX-A: b\r" FORGED "\r\n"), WANT(""), .why = "malformed request"},
      {"control byte in a value", IN("GET / HTTP/1.1\r\nX-A: b\x01\r\n\r\n"), WANT(""), .why = "malformed request"},
      {"GET with a body", IN("GET / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx"), WANT(""),
       .why = "ambiguous request: a GET or HEAD with a body"},
      {"GET with Content-Length 0", IN("GET / HTTP/1.1\r\nContent-Length: 00\r\n\r\n"),
       WANT("GET / HTTP/1.1\r\nContent-Length: 00\r\n" INJ "\r\n"), .heads = 1},
      {"HTTP/2 preface", IN("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), WANT(""), .why = "malformed request"},
      {"not HTTP", IN("\x16\x03\x01\x00\x05hello"), WANT(""), .why = "malformed request"},
      {"trailer after the last chunk",
       IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n" FORGED "\r\n"),
       WANT("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n" INJ "\r\n1\r\nx\r\n0\r\n"),
       .why = "ambiguous request: trailer fields", .heads = 1},
      {"chunk data without CRLF", IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxYY0\r\n\r\n"),
       WANT("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n" INJ "\r\n1\r\nx"),
       .why = "malformed request: chunk data without CRLF", .heads = 1},
      {"chunk size with a bare LF", IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n"),
       WANT("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n" INJ "\r\n1"), .why = "malformed request", .heads = 1},
      {"Upgrade to h2c",
       IN("GET / HTTP/1.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: websocket, H2C\r\n"
          "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"),
       WANT(""), .why = "refused request: an Upgrade to HTTP/2"},
      {"Upgrade with a body",
       IN("POST / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 2\r\n\r\nab"), WANT(""),
       .why = "ambiguous request: an Upgrade or CONNECT with a body"},
  };
  return cr_make_param_array(guard_case_t, cases, COUNT_OF(cases));
}

static void guard_init(proxy_http_t *http, sink_t *s, const char *where) {
  sink_init(s, where);
  s->guarded = 1;
  proxy_http_init(http, &kSink, s, 8192, 1);
  http->strip_prefix = "X-Amzn-Mtls-";
  http->inject = INJ;
}

static void run_guard(const void *arg, const split_t *sp) {
  const guard_case_t *c = arg;
  char where[160];
  snprintf(where, sizeof(where), "%s, %s", c->name, sp->where);
  sink_t s;
  proxy_http_t http;
  guard_init(&http, &s, where);
  feed_split(&http, proxy_http_request_feed, c->in, c->in_len, sp);
  cr_assert_eq(s.out.len, c->want_len, "%s: forwarded %zu bytes, want %zu: %.*s", where, s.out.len, c->want_len,
               (int)s.out.len, s.out.data != NULL ? s.out.data : "");
  cr_assert(memcmp(s.out.data != NULL ? s.out.data : "", c->want, c->want_len) == 0, "%s: forwarded %.*s", where,
            (int)s.out.len, s.out.data);
  cr_assert_eq(s.rejected, c->why[0] != '\0', "%s: %u refusals", where, s.rejected);
  if (c->why[0] != '\0') {
    // Alternatives split by '|': a head refused before its end arrived has
    // http_parser's reason, a whole one the head check's.
    int matched = 0;
    for (const char *alt = c->why; alt != NULL && !matched;) {
      const char *bar = strchr(alt, '|');
      size_t n = bar != NULL ? (size_t)(bar - alt) : strlen(alt);
      matched = strncmp(s.why, alt, n) == 0;
      alt = bar != NULL ? bar + 1 : NULL;
    }
    cr_assert(matched, "%s: refused for \"%s\"", where, s.why);
  }
  cr_assert_eq(s.heads, c->heads, "%s: %u heads", where, s.heads);
  proxy_http_cleanup(&http);
  sink_cleanup(&s);
}

ParameterizedTest(guard_case_t *c, http_guard, streams) { for_each_split(c, c->in_len, run_guard); }

static void feed_str(proxy_http_t *http, feed_fn feed, const char *text) {
  feed(http, (const uint8_t *)text, strlen(text));
}

// After Upgrade or CONNECT a guarded stream holds the client's bytes until
// the origin answers: 101 (2xx for CONNECT) starts the tunnel, anything else
// means the bytes are HTTP/1.1 requests, stripped like any others.
Test(http_guard, upgrade_waits_for_the_origin) {
  static const char kUpgrade[] = "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
  static const char kWant[] = "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" INJ "\r\n";
  static const struct {
    const char *request, *response, *want_after;
  } kCases[] = {
      {kUpgrade, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "GET / HTTP/1.1\r\n" INJ "\r\n"},
      {kUpgrade, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
       "GET / HTTP/1.1\r\n" FORGED "\r\n"},
      {"CONNECT o.test:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 200 Connection Established\r\n\r\n",
       "GET / HTTP/1.1\r\n" FORGED "\r\n"},
      {"CONNECT o.test:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
       "GET / HTTP/1.1\r\n" INJ "\r\n"},
  };
  for (size_t i = 0; i < COUNT_OF(kCases); i++) {
    sink_t s;
    proxy_http_t http;
    guard_init(&http, &s, kCases[i].response);
    feed_str(&http, proxy_http_request_feed, kCases[i].request);
    size_t head_len = s.out.len;
    cr_assert(head_len > 0);
    feed_str(&http, proxy_http_request_feed, "GET / HTTP/1.1\r\n" FORGED "\r\n");
    cr_assert_eq(s.out.len, head_len, "case %zu: bytes after the head went before the origin answered", i);
    feed_str(&http, proxy_http_response_feed, kCases[i].response);
    cr_assert_eq(s.out.len, head_len + strlen(kCases[i].want_after), "case %zu: %.*s", i, (int)s.out.len, s.out.data);
    cr_assert(memcmp(s.out.data + head_len, kCases[i].want_after, strlen(kCases[i].want_after)) == 0, "case %zu", i);
    cr_assert_eq(s.rejected, 0);
    proxy_http_cleanup(&http);
    sink_cleanup(&s);
  }
  sink_t s;
  proxy_http_t http;
  guard_init(&http, &s, "upgrade, then the origin's answer cannot be read");
  feed_str(&http, proxy_http_request_feed, kUpgrade);
  cr_assert_eq(s.out.len, sizeof(kWant) - 1);
  feed_str(&http, proxy_http_request_feed, "GET / HTTP/1.1\r\n" FORGED "\r\n");
  feed_str(&http, proxy_http_response_feed, "\x16\x03\x03 not HTTP\r\n\r\n");
  feed_str(&http, proxy_http_request_feed, "more");
  cr_assert_eq(s.out.len, sizeof(kWant) - 1, "nothing after the head goes upstream");
  proxy_http_cleanup(&http);
  sink_cleanup(&s);
}

// A guarded stream relayed raw (ALPN h2: proxy_http_set_raw before the
// strip prefix was set) forwards nothing: there are no heads to strip.
Test(http_guard, raw_is_refused) {
  sink_t s;
  proxy_http_t http;
  sink_init(&s, "raw");
  proxy_http_init(&http, &kSink, &s, 8192, 1);
  proxy_http_set_raw(&http);
  http.strip_prefix = "X-Amzn-Mtls-";
  feed_str(&http, proxy_http_request_feed, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  cr_assert_eq(s.out.len, 0);
  cr_assert_eq(s.rejected, 1);
  proxy_http_cleanup(&http);
  sink_cleanup(&s);
}
