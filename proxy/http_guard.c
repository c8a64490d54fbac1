// Guarded streams (see proxy_internal.h and http.c): the RFC 9112 grammar
// a guarded request head must follow, its chunked body checked byte by byte,
// and the head re-sent without the headers the proxy vouches for.
//
// With strip_prefix set, the proxy vouches for the headers it adds (ALB's
// X-Amzn-Mtls-*), so no request may reach the origin in a shape the origin
// could read differently from the proxy: the layer then stands in for ALB, an
// HTTP-normalising front end. It accepts only requests whose framing is
// unambiguous (RFC 9112; what http_desync_guardian, ALB's desync mitigation
// library, classes as Compliant, plus bare LF line ends, which it classes as
// Acceptable and which the head is rewritten from), strips every client-sent
// header whose name starts with the prefix from every head, re-sends each
// head with CRLF line ends, checks chunked bodies byte by byte, and tunnels
// after Upgrade or CONNECT only once the origin agreed (never to h2c). Anything
// else gets ALB's 400 and the connection closes: for requests the guardian
// classes as Ambiguous that is ALB's strictest desync mode, where its default,
// defensive mode would serve them and then close both connections.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy/proxy_internal.h"

static int is_tchar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

// name_is compares a header name with `want` (lower case, '-' as the
// separator) as a CGI or WSGI origin would: case-insensitively, and with '_'
// and '-' alike. With `prefix` set, `want` need only start the name.
static int name_is(const uint8_t *name, size_t len, const char *want, int prefix) {
  size_t n = strlen(want);
  if (len < n || (!prefix && len != n)) {
    return 0;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = name[i] >= 'A' && name[i] <= 'Z' ? (unsigned char)(name[i] + 32) : name[i];
    if ((c == '_' ? '-' : c) != (want[i] == '_' ? '-' : (unsigned char)want[i])) {
      return 0;
    }
  }
  return 1;
}

static int strip_name(const proxy_http_t *h, const uint8_t *name, size_t len) {
  char want[64];
  size_t n = strlen(h->strip_prefix);
  if (n >= sizeof(want)) {
    return 1;
  }
  for (size_t i = 0; i <= n; i++) {
    char c = h->strip_prefix[i];
    want[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
  }
  return name_is(name, len, want, 1);
}

// A line of a head: [p, p + len) without its line end.
typedef struct {
  const uint8_t *p;
  size_t len;
} line_t;

// next_line takes the next line of [*at, end), which ends in LF or CRLF; it
// returns 0 when a CR stands anywhere else or no LF is left.
static int next_line(const uint8_t **at, const uint8_t *end, line_t *line) {
  const uint8_t *lf = memchr(*at, '\n', (size_t)(end - *at));
  if (lf == NULL) {
    return 0;
  }
  line->p = *at;
  line->len = (size_t)(lf - *at);
  if (line->len > 0 && line->p[line->len - 1] == '\r') {
    line->len--;
  }
  *at = lf + 1;
  return memchr(line->p, '\r', line->len) == NULL;
}

static int all_digits(const uint8_t *p, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (p[i] < '0' || p[i] > '9') {
      return 0;
    }
  }
  return len > 0;
}

// upgrades_to_http says whether an Upgrade value names HTTP itself (h2c,
// HTTP/2.0): once the origin agreed, its requests would go through the
// tunnel, headers and all, unstripped. Other protocols (websocket) are not
// HTTP requests.
static int upgrades_to_http(const uint8_t *v, size_t len) {
  for (size_t i = 0; i < len; i++) {
    int token_start = i == 0 || v[i - 1] == ',' || v[i - 1] == ' ' || v[i - 1] == '\t';
    if (token_start && ((len - i >= 2 && strncasecmp((const char *)v + i, "h2", 2) == 0) ||
                        (len - i >= 4 && strncasecmp((const char *)v + i, "http", 4) == 0))) {
      return 1;
    }
  }
  return 0;
}

// proxy_http__check_head returns why a guarded stream refuses the head
// [head, head + len), or NULL. It is the RFC 9112 grammar, not http_parser's
// leniency: request-line = token SP target SP HTTP/1.x; field-line = token
// ":" value with no control bytes but HTAB; no obs-fold; one way to frame the
// body.
const char *proxy_http__check_head(const uint8_t *head, size_t len) {
  const uint8_t *at = head, *end = head + len;
  line_t line;
  do {
    if (!next_line(&at, end, &line)) {
      return "malformed request: a CR without LF in the head";
    }
  } while (line.len == 0);  // empty lines before the request line are ignored (RFC 9112, 2.2)
  size_t m = 0;
  while (m < line.len && is_tchar(line.p[m])) {
    m++;
  }
  size_t t = m + 1;
  while (t < line.len && line.p[t] > 0x20 && line.p[t] != 0x7f) {
    t++;
  }
  if (m == 0 || m == line.len || line.p[m] != ' ' || t == m + 1 || line.len != t + 9 || line.p[t] != ' ' ||
      (memcmp(line.p + t + 1, "HTTP/1.1", 8) != 0 && memcmp(line.p + t + 1, "HTTP/1.0", 8) != 0)) {
    return "malformed request: not METHOD SP TARGET SP HTTP/1.x";
  }
  int body_less = (m == 3 && memcmp(line.p, "GET", 3) == 0) || (m == 4 && memcmp(line.p, "HEAD", 4) == 0);
  int http10 = line.p[line.len - 1] == '0';
  unsigned cl = 0, te = 0;
  int cl_zero = 0;
  for (;;) {
    if (!next_line(&at, end, &line)) {
      return "malformed request: a CR without LF in the head";
    }
    if (line.len == 0) {
      break;
    }
    size_t n = 0;
    while (n < line.len && is_tchar(line.p[n])) {
      n++;
    }
    if (n == 0 || n == line.len || line.p[n] != ':') {
      return line.p[0] == ' ' || line.p[0] == '\t' ? "ambiguous request: a folded header line (obs-fold)"
                                                   : "malformed request: a header line is not NAME: VALUE";
    }
    const uint8_t *v = line.p + n + 1, *v_end = line.p + line.len;
    for (const uint8_t *c = v; c < v_end; c++) {
      if ((*c < 0x20 && *c != '\t') || *c == 0x7f) {
        return "malformed request: a control byte in a header value";
      }
    }
    while (v < v_end && (*v == ' ' || *v == '\t')) {
      v++;
    }
    while (v_end > v && (v_end[-1] == ' ' || v_end[-1] == '\t')) {
      v_end--;
    }
    int is_cl = name_is(line.p, n, "content-length", 0), is_te = name_is(line.p, n, "transfer-encoding", 0);
    if ((is_cl || is_te) && memchr(line.p, '_', n) != NULL) {
      return "ambiguous request: Content-Length or Transfer-Encoding spelt with '_'";
    }
    if (is_cl) {
      if (!all_digits(v, (size_t)(v_end - v)) || v_end - v > 18) {
        return "malformed request: Content-Length is not a number";
      }
      cl++;
      cl_zero = 1;
      for (const uint8_t *c = v; c < v_end; c++) {
        cl_zero &= *c == '0';
      }
    } else if (is_te) {
      if (v_end - v != 7 || strncasecmp((const char *)v, "chunked", 7) != 0) {
        return "malformed request: a Transfer-Encoding other than chunked";
      }
      te++;
    } else if (name_is(line.p, n, "upgrade", 0) && upgrades_to_http(v, (size_t)(v_end - v))) {
      return "refused request: an Upgrade to HTTP/2 (h2c) would carry headers past the strip";
    }
  }
  if (cl > 1) {
    return "ambiguous request: more than one Content-Length";
  }
  if (te > 1) {
    return "malformed request: more than one Transfer-Encoding";
  }
  if (cl > 0 && te > 0) {
    return "ambiguous request: both Content-Length and Transfer-Encoding";
  }
  if (te > 0 && http10) {
    return "malformed request: Transfer-Encoding in an HTTP/1.0 request (RFC 9112, 6.1)";
  }
  if (body_less && (te > 0 || (cl > 0 && !cl_zero))) {
    return "ambiguous request: a GET or HEAD with a body";
  }
  return NULL;
}

// Chunked bodies of guarded streams, RFC 9112 7.1 to the byte: hex size,
// optional extensions, CRLF, data, CRLF; after the last chunk no trailer
// fields (a client could forge a header there), then CRLF.
enum { CH_SIZE0, CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_END_CR, CH_END_LF, CH_DONE };

static int hex_value(uint8_t c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

// proxy_http__check_chunks runs the chunk state over `len` body bytes; it
// returns how many are well-formed (all of them, or where the first fault is).
size_t proxy_http__check_chunks(proxy_http_t *h, const uint8_t *data, size_t len, const char **why) {
  for (size_t i = 0; i < len; i++) {
    uint8_t c = data[i];
    switch (h->chunk_state) {
      case CH_SIZE0:
      case CH_SIZE:
        if (hex_value(c) >= 0 && h->chunk_digits < 15) {
          h->chunk_left = h->chunk_left * 16 + (uint64_t)hex_value(c);
          h->chunk_digits++;
          h->chunk_state = CH_SIZE;
          continue;
        }
        if (h->chunk_state == CH_SIZE && (c == ';' || c == '\r')) {
          h->chunk_state = c == ';' ? CH_EXT : CH_SIZE_LF;
          continue;
        }
        *why = "malformed request: a bad chunk size";
        return i;
      case CH_EXT:
        if (c == '\r') {
          h->chunk_state = CH_SIZE_LF;
        } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
          *why = "malformed request: a control byte in a chunk extension";
          return i;
        }
        continue;
      case CH_SIZE_LF:
        if (c != '\n') {
          *why = "malformed request: a chunk size line without CRLF";
          return i;
        }
        h->chunk_digits = 0;
        h->chunk_state = h->chunk_left > 0 ? CH_DATA : CH_END_CR;
        continue;
      case CH_DATA: {
        size_t n = len - i < h->chunk_left ? len - i : (size_t)h->chunk_left;
        h->chunk_left -= n;
        i += n - 1;
        if (h->chunk_left == 0) {
          h->chunk_state = CH_DATA_CR;
        }
        continue;
      }
      case CH_DATA_CR:
      case CH_END_CR:
        if (c != '\r') {
          *why = h->chunk_state == CH_END_CR ? "ambiguous request: trailer fields after the last chunk"
                                             : "malformed request: chunk data without CRLF after it";
          return i;
        }
        h->chunk_state = h->chunk_state == CH_DATA_CR ? CH_DATA_LF : CH_END_LF;
        continue;
      case CH_DATA_LF:
      case CH_END_LF:
        if (c != '\n') {
          *why = "malformed request: chunk data without CRLF after it";
          return i;
        }
        h->chunk_state = h->chunk_state == CH_DATA_LF ? CH_SIZE0 : CH_DONE;
        continue;
      default: *why = "malformed request: bytes after the last chunk"; return i;
    }
  }
  return len;
}

void proxy_http__chunks_begin(proxy_http_t *h) {
  h->chunk_state = CH_SIZE0;
  h->chunk_left = 0;
  h->chunk_digits = 0;
}

int proxy_http__chunks_done(const proxy_http_t *h) { return h->chunk_state == CH_DONE; }

// proxy_http__forward_stripped sends a guarded stream's head (checked by
// proxy_http__check_head) up to its final empty line, without the headers
// named by strip_prefix, a client must not forge what the proxy vouches for,
// and with every line ending in CRLF.
void proxy_http__forward_stripped(proxy_http_t *h, const uint8_t *head, size_t len) {
  const uint8_t *at = head, *end = head + len;
  line_t line;
  int first = 1;
  while (next_line(&at, end, &line) && (line.len > 0 || first)) {
    if (line.len == 0) {
      continue;  // empty lines before the request line: dropped
    }
    const uint8_t *colon = memchr(line.p, ':', line.len);
    if (first || colon == NULL || !strip_name(h, line.p, (size_t)(colon - line.p))) {
      h->sink->forward(h->arg, line.p, line.len);
      h->sink->forward(h->arg, (const uint8_t *)"\r\n", 2);
    }
    first = 0;
  }
}
