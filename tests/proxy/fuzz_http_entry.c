#include "tests/proxy/fuzz_http_entry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy/proxy_internal.h"

#define INJECT "X-Amzn-Mtls-Clientcert: INJECTED\r\n"

static void check(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "fuzz_http_one: %s\n", what);
    abort();
  }
}

typedef struct {
  inspect_buf_t out;
  unsigned heads, too_large, rejected;
} sink_t;

static void sink_forward(void *arg, const uint8_t *data, size_t len) {
  sink_t *s = arg;
  check(s->rejected == 0 && s->too_large == 0, "forwarded after the stream was refused");
  check(inspect_buf_append(&s->out, data, len), "forwarded more than the test allows");
}

static int sink_on_head(void *arg, proxy_http_t *http) {
  (void)http;
  ((sink_t *)arg)->heads++;
  return 0;
}

static void sink_on_too_large(void *arg) { ((sink_t *)arg)->too_large++; }

static void sink_reject(void *arg, int status, const char *response, size_t len, const char *why) {
  sink_t *s = arg;
  check(status == 400 && len > 12 && memcmp(response, "HTTP/1.1 400", 12) == 0 && why != NULL && why[0] != '\0',
        "a rejection is a 400 with a reason");
  s->rejected++;
}

static const proxy_http_sink_t kSink = {
    .forward = sink_forward,
    .on_head = sink_on_head,
    .on_too_large = sink_on_too_large,
    .reject = sink_reject,
};

static const char *const kResponses[] = {
    NULL,
    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n",
};

typedef struct {
  int guard;
  int respond;     // index in kResponses
  int interleave;  // answer after each chunk, not only once all is fed
  size_t max_header;
} mode_t_;

// run feeds `in` in chunks of 1..`chunk_max` bytes (0: whole), answering
// every request parsed so far after the last chunk (or after each, with
// `interleave`).
static void run(const mode_t_ *m, const uint8_t *in, size_t len, uint64_t seed, size_t chunk_max, int interleave,
                sink_t *s, size_t *held) {
  memset(s, 0, sizeof(*s));
  inspect_buf_init(&s->out, 1 << 20);
  proxy_http_t http;
  proxy_http_init(&http, &kSink, s, m->max_header, 1);
  if (m->guard) {
    http.strip_prefix = "X-Amzn-Mtls-";
    http.inject = INJECT;
  }
  size_t off = 0;
  while (off < len) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    size_t n = chunk_max == 0 ? len - off : 1 + (size_t)(seed >> 33) % chunk_max;
    n = n < len - off ? n : len - off;
    uint8_t *chunk = malloc(n);  // exact size: ASan sees reads past a chunk
    memcpy(chunk, in + off, n);
    proxy_http_request_feed(&http, chunk, n);
    free(chunk);
    off += n;
    const char *resp = off == len || interleave ? kResponses[m->respond] : NULL;
    for (int i = 0; resp != NULL && i < 64 && http.resp_observing && http.responses < http.requests; i++) {
      proxy_http_response_feed(&http, (const uint8_t *)resp, strlen(resp));
    }
  }
  *held = http.head.len;
  proxy_http_cleanup(&http);
}

// The strict reader of what a guarded stream forwards.
static int tchar(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int name_eq(const uint8_t *p, size_t n, const char *want, int prefix) {
  size_t w = strlen(want);
  if (n < w || (!prefix && n != w)) {
    return 0;
  }
  for (size_t i = 0; i < w; i++) {
    uint8_t c = p[i] >= 'A' && p[i] <= 'Z' ? (uint8_t)(p[i] + 32) : p[i];
    if ((c == '_' ? '-' : c) != (uint8_t)want[i]) {
      return 0;
    }
  }
  return 1;
}

// find_crlf returns where the line at `p` ends (its CR), or `left` when no
// line end arrived yet; a bare CR or LF fails.
static size_t find_crlf(const uint8_t *p, size_t left) {
  for (size_t i = 0; i < left; i++) {
    if (p[i] == '\r' || p[i] == '\n') {
      check(p[i] == '\r' && (i + 1 == left || p[i + 1] == '\n'), "guarded output: a line end other than CRLF");
      return i + 1 == left ? left : i;
    }
  }
  return left;
}

// crlf_line is find_crlf for a head, which is always forwarded whole.
static size_t crlf_line(const uint8_t *p, size_t left) {
  size_t n = find_crlf(p, left);
  check(n < left, "guarded output: a head cut short");
  return n;
}

// check_guarded reads `out` as requests; respond says whether a tunnel may
// start after an Upgrade or CONNECT head (then the rest is not HTTP).
static void check_guarded(const uint8_t *out, size_t len, int respond) {
  size_t pos = 0;
  while (pos < len) {
    const uint8_t *p = out + pos;
    size_t left = len - pos;
    size_t n = crlf_line(p, left);
    size_t m = 0;
    while (m < n && tchar(p[m])) {
      m++;
    }
    check(m > 0 && m < n && p[m] == ' ', "guarded output: request line method");
    size_t t = m + 1;
    while (t < n && p[t] > 0x20 && p[t] != 0x7f) {
      t++;
    }
    check(t > m + 1 && n == t + 9 && p[t] == ' ' &&
              (memcmp(p + t + 1, "HTTP/1.1", 8) == 0 || memcmp(p + t + 1, "HTTP/1.0", 8) == 0),
          "guarded output: request line");
    int connect = m == 7 && memcmp(p, "CONNECT", 7) == 0;
    int body_less = (m == 3 && memcmp(p, "GET", 3) == 0) || (m == 4 && memcmp(p, "HEAD", 4) == 0);
    size_t at = n + 2;
    int injected = 0, upgrade = 0, chunked = 0, cls = 0;
    unsigned long long cl = 0;
    for (;;) {
      check(at < left, "guarded output: a head cut short");
      size_t l = crlf_line(p + at, left - at);
      const uint8_t *line = p + at;
      at += l + 2;
      if (l == 0) {
        break;
      }
      size_t k = 0;
      while (k < l && tchar(line[k])) {
        k++;
      }
      check(k > 0 && k < l && line[k] == ':', "guarded output: a header line is NAME: VALUE");
      for (size_t i = k + 1; i < l; i++) {
        check(line[i] >= 0x20 ? line[i] != 0x7f : line[i] == '\t', "guarded output: a control byte in a value");
      }
      if (name_eq(line, k, "x-amzn-mtls-", 1)) {
        check(l + 2 == strlen(INJECT) && memcmp(line, INJECT, l) == 0, "a client's X-Amzn-Mtls-* reached the origin");
        injected++;
      }
      const uint8_t *v = line + k + 1, *v_end = line + l;
      while (v < v_end && (*v == ' ' || *v == '\t'))
        v++;
      while (v_end > v && (v_end[-1] == ' ' || v_end[-1] == '\t'))
        v_end--;
      upgrade |= name_eq(line, k, "upgrade", 0);
      if (name_eq(line, k, "transfer-encoding", 0)) {
        check(v_end - v == 7 && strncasecmp((const char *)v, "chunked", 7) == 0, "guarded output: Transfer-Encoding");
        chunked++;
      }
      if (name_eq(line, k, "content-length", 0)) {
        cls++;
        for (const uint8_t *c = v; c < v_end; c++) {
          check(*c >= '0' && *c <= '9', "guarded output: Content-Length");
          cl = cl * 10 + (unsigned)(*c - '0');
        }
      }
    }
    check(injected == 1 && at >= strlen(INJECT) + 2 && memcmp(p + at - 2 - strlen(INJECT), INJECT, strlen(INJECT)) == 0,
          "guarded output: the injected line ends every head, once");
    check(chunked <= 1 && cls <= 1 && !(chunked && cls), "guarded output: one way to frame the body");
    check(!body_less || (!chunked && cl == 0), "guarded output: a GET or HEAD with a body");
    pos += at;
    if ((upgrade || connect) && respond != 0) {
      return;  // the origin may have agreed: a tunnel
    }
    if (cls) {
      pos += cl < len - pos ? (size_t)cl : len - pos;
    } else if (chunked) {
      for (;;) {
        size_t l = find_crlf(out + pos, len - pos);
        if (l == len - pos) {
          return;  // the body goes on
        }
        unsigned long long size = 0;
        size_t digits = 0;
        for (; digits < l && out[pos + digits] != 0 && strchr("0123456789abcdefABCDEF", out[pos + digits]); digits++) {
          uint8_t c = out[pos + digits];
          size = size * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }
        check(digits > 0 && digits <= 15 && (digits == l || out[pos + digits] == ';'), "guarded output: chunk size");
        pos += l + 2;
        if (size == 0) {
          check((pos >= len || out[pos] == '\r') && (pos + 1 >= len || out[pos + 1] == '\n'),
                "guarded output: a trailer after the last chunk");
          pos += 2;
          break;
        }
        if (len - pos <= size + 1) {
          return;  // the body goes on
        }
        pos += (size_t)size;
        check(out[pos] == '\r' && out[pos + 1] == '\n', "guarded output: CRLF after chunk data");
        pos += 2;
      }
    }
  }
}

int fuzz_http_one(const uint8_t *data, size_t size) {
  if (size < 2) {
    return 0;
  }
  static const size_t kLimits[] = {8192, 64, 256, 1024};
  mode_t_ m = {.guard = data[0] & 1,
               .respond = ((data[0] >> 1) & 3) % 3,
               .max_header = kLimits[(data[0] >> 3) & 3],
               .interleave = (data[0] >> 5) & 1};
  const uint8_t *in = data + 2;
  size_t len = size - 2;
  sink_t whole, cut;
  size_t held_whole, held_cut;
  run(&m, in, len, 0, 0, 0, &whole, &held_whole);
  run(&m, in, len, data[1], 1 + data[1] % 23, m.interleave, &cut, &held_cut);
  const char *out = whole.out.data != NULL ? whole.out.data : "";
  const char *cut_out = cut.out.data != NULL ? cut.out.data : "";
  static int show = -1;  // FUZZ_HTTP_SHOW=1: print both runs' outcomes, to read a finding
  if (show < 0) {
    show = getenv("FUZZ_HTTP_SHOW") != NULL;
  }
  if (show) {
    fprintf(stderr,
            "mode %d/%d/%zu chunks<=%u\nwhole (%u heads, %u rejected, %u too large): %.*s\n"
            "cut (%u heads, %u rejected, %u too large): %.*s\n",
            m.guard, m.respond, m.max_header, 1 + data[1] % 23, whole.heads, whole.rejected, whole.too_large,
            (int)whole.out.len, out, cut.heads, cut.rejected, cut.too_large, (int)cut.out.len, cut_out);
  }
  if (!m.interleave) {
    // Answers interleaved with the requests may rightly change the outcome
    // (bytes held past the limit while an Upgrade waits); the chunking alone may not.
    check(whole.out.len == cut.out.len && memcmp(out, cut_out, whole.out.len) == 0,
          "the chunking changed what was forwarded");
    check(whole.heads == cut.heads && whole.too_large == cut.too_large && whole.rejected == cut.rejected,
          "the chunking changed the outcome");
  }
  if (!m.guard) {
    check(whole.rejected == 0, "an unguarded stream refuses nothing");
    check(whole.out.len <= len && memcmp(out, in, whole.out.len) == 0, "unguarded: what is forwarded is the input");
    check(whole.too_large > 0 || whole.out.len + held_whole == len,
          "unguarded: all of the input is forwarded, but an unfinished head");
  } else {
    check_guarded((const uint8_t *)out, whole.out.len, m.respond);
    check_guarded((const uint8_t *)cut_out, cut.out.len, m.respond);
  }
  int heads = (int)whole.heads;
  inspect_buf_cleanup(&whole.out);
  inspect_buf_cleanup(&cut.out);
  return heads;
}
