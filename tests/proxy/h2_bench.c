// h2_bench: CPU time the passive HTTP/2 decoder adds per request. One real
// connection is made once with two nghttp2 sessions in memory (h2_conv.c):
// --streams requests with a browser's header set (GET, a few POSTs with a
// body), answered with typical response heads and --body bytes, sent
// --concurrency at a time as h2load -m does. Each iteration then decodes the
// whole transcript as the proxy would see it (in --piece-byte reads), renders
// the record fragments and frees the decoder.
//
//   bazel build -c opt //tests/proxy:h2_bench
//   bazel-bin/tests/proxy/h2_bench [--streams=N] [--body=B] [--concurrency=M] [--piece=P]
//                                  [--headers=browser|h2load] [--iterations=I] [--runs=R] [--max-ns=X]
//
// --headers=h2load sends only what h2load sends (the pseudo-headers and a
// user-agent), for comparing with an h2load run through the proxy.
//
// It prints the mean CPU nanoseconds per request of each run (measured with
// CLOCK_PROCESS_CPUTIME_ID) and their median, and exits 1 if the median
// exceeds --max-ns or the decoder disagrees with the sessions.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proxy/h2_internal.h"
#include "tests/proxy/h2_conv.h"

#define NV(n, v) \
  { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, NGHTTP2_NV_FLAG_NONE }

static const nghttp2_nv kBrowser[] = {
    NV("user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
    NV("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    NV("accept-language", "en-GB,en;q=0.5"),
    NV("accept-encoding", "gzip, deflate, br, zstd"),
    NV("referer", "https://www.example.com/products/index.html"),
    NV("cookie", "session=4f6a0e1c9d; theme=dark; consent=1"),
    NV("sec-fetch-dest", "document"),
    NV("sec-fetch-mode", "navigate"),
    NV("sec-fetch-site", "same-origin"),
    NV("priority", "u=0, i"),
};

static const nghttp2_nv kH2load[] = {
    NV("user-agent", "h2load nghttp2/1.52.0"),
};

static double cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

// decode_once is one connection's worth of decoding.
static void decode_once(const h2c_conv_t *c, size_t piece, proxy_h2_t *h2) {
  proxy_h2_init(h2, NULL);
  for (size_t i = 0; i < h2c_num_segments(c); i++) {
    const h2c_segment_t *s = h2c_segment(c, i);
    proxy_h2_dir_t dir = s->from_origin ? PROXY_H2_FROM_ORIGIN : PROXY_H2_FROM_CLIENT;
    for (size_t off = 0; off < s->len; off += piece) {
      proxy_h2_feed(h2, dir, s->data + off, piece < s->len - off ? piece : s->len - off);
    }
  }
}

// render_once writes the connection's record fragments; it returns their length.
static size_t render_once(const proxy_h2_t *h2, inspect_buf_t *out) {
  inspect_buf_reset(out);
  proxy_h2_json_ecs(h2, out);
  proxy_h2_json_detail(h2, out);
  return out->len;
}

int main(int argc, char **argv) {
  long streams = 100, body = 1024, concurrency = 10, piece = 16384, iterations = 2000, runs = 5;
  double max_ns = 0;
  const nghttp2_nv *headers = kBrowser;
  size_t num_headers = sizeof(kBrowser) / sizeof(kBrowser[0]);
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--streams=", 10) == 0) {
      streams = strtol(argv[i] + 10, NULL, 10);
    } else if (strncmp(argv[i], "--body=", 7) == 0) {
      body = strtol(argv[i] + 7, NULL, 10);
    } else if (strncmp(argv[i], "--concurrency=", 14) == 0) {
      concurrency = strtol(argv[i] + 14, NULL, 10);
    } else if (strncmp(argv[i], "--piece=", 8) == 0) {
      piece = strtol(argv[i] + 8, NULL, 10);
    } else if (strncmp(argv[i], "--iterations=", 13) == 0) {
      iterations = strtol(argv[i] + 13, NULL, 10);
    } else if (strncmp(argv[i], "--runs=", 7) == 0) {
      runs = strtol(argv[i] + 7, NULL, 10);
    } else if (strcmp(argv[i], "--headers=h2load") == 0) {
      headers = kH2load;
      num_headers = 1;
    } else if (strcmp(argv[i], "--headers=browser") == 0) {
      headers = kBrowser;
      num_headers = sizeof(kBrowser) / sizeof(kBrowser[0]);
    } else if (strncmp(argv[i], "--max-ns=", 9) == 0) {
      max_ns = strtod(argv[i] + 9, NULL);
    } else {
      fprintf(stderr,
              "usage: h2_bench [--streams=N] [--body=B] [--concurrency=M] [--piece=P] "
              "[--headers=browser|h2load] [--iterations=I] [--runs=R] [--max-ns=X]\n");
      return 2;
    }
  }
  if (streams < 1 || streams > 100000 || body < 0 || concurrency < 1 || piece < 1 || iterations < 1 || runs < 1 ||
      runs > 100) {
    fprintf(stderr, "h2_bench: arguments out of range\n");
    return 2;
  }
  h2c_conv_t *c = h2c_new(NULL);
  char path[64];
  static const uint8_t kForm[256] = {'a'};
  for (long i = 0; i < streams;) {
    for (long k = 0; k < concurrency && i < streams; k++, i++) {
      snprintf(path, sizeof(path), "/big/%ld?item=%ld", body, i);
      int post = i % 10 == 9;
      h2c_request(c, post ? "POST" : "GET", "www.example.com", path, headers, num_headers, post ? kForm : NULL,
                  post ? sizeof(kForm) : 0, 0);
    }
    h2c_run(c);
  }
  size_t bytes[2] = {0, 0};
  for (size_t i = 0; i < h2c_num_segments(c); i++) {
    bytes[h2c_segment(c, i)->from_origin] += h2c_segment(c, i)->len;
  }
  proxy_h2_t h2;
  inspect_buf_t out;
  inspect_buf_init(&out, 0);
  decode_once(c, (size_t)piece, &h2);
  size_t record_len = render_once(&h2, &out);
  int ok = h2.error == PROXY_H2_OK && h2.streams_total == (uint64_t)streams &&
           h2.status_classes[1] == (uint64_t)streams && h2.num_streams > 0 &&
           h2.streams[h2.num_streams - 1].response_bytes == (uint64_t)body;
  if (!ok) {
    fprintf(stderr, "h2_bench: the decoder disagrees with the sessions\n");
    return 1;
  }
  printf(
      "h2_bench: %ld requests on one connection (%ld at a time), %zu bytes from the client, %zu from the origin "
      "(%ld-byte bodies), read in pieces of %ld; record fragment %zu bytes\n",
      streams, concurrency, bytes[0], bytes[1], body, piece, record_len);
  double per[100];
  for (long r = 0; r < runs; r++) {
    // Decoding and the record are timed apart: the proxy renders the record
    // once per connection, and the two costs scale differently.
    double t0 = cpu_seconds();
    for (long i = 0; i < iterations; i++) {
      proxy_h2_t run;
      decode_once(c, (size_t)piece, &run);
      proxy_h2_cleanup(&run);
    }
    double t1 = cpu_seconds();
    for (long i = 0; i < iterations; i++) {
      render_once(&h2, &out);
    }
    double t2 = cpu_seconds();
    double scale = 1e9 / ((double)iterations * (double)streams);
    per[r] = (t2 - t0) * scale;
    printf("run %ld: %.0f ns CPU per request (decoding %.0f, record %.0f)\n", r + 1, per[r], (t1 - t0) * scale,
           (t2 - t1) * scale);
  }
  qsort(per, (size_t)runs, sizeof(per[0]), cmp_double);
  double median = per[runs / 2];
  printf("median: %.0f ns CPU per request (%.2f GB/s of HTTP/2 bytes)\n", median,
         (double)(bytes[0] + bytes[1]) / streams / median);
  proxy_h2_cleanup(&h2);
  inspect_buf_cleanup(&out);
  h2c_free(c);
  if (max_ns > 0 && median > max_ns) {
    fprintf(stderr, "h2_bench: median %.0f ns over the %.0f ns allowed\n", median, max_ns);
    return 1;
  }
  return 0;
}
