// HTTP/1.1 request handling and response observation. See proxy_internal.h.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy/h2_internal.h"
#include "proxy/proxy_internal.h"

// REQ_WAIT (guarded streams, below): an Upgrade or CONNECT head went
// upstream; the client's next bytes wait until the origin agrees to switch.
enum { REQ_HEAD, REQ_BODY, REQ_RAW, REQ_DROP, REQ_WAIT };

static proxy_http_t *of(http_parser *p) { return p->data; }

static void copy_field(char *dst, size_t dst_len, const char *at, size_t len) {
  size_t n = len < dst_len - 1 ? len : dst_len - 1;
  memcpy(dst, at, n);
  dst[n] = '\0';
}

static int on_url(http_parser *p, const char *at, size_t len) {
  proxy_http_t *h = of(p);
  if (h->capture) {
    copy_field(h->path, sizeof(h->path), at, len);
  }
  return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len) {
  proxy_http_t *h = of(p);
  if (h->capture) {
    copy_field(h->field, sizeof(h->field), at, len);
  }
  return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len) {
  proxy_http_t *h = of(p);
  if (!h->capture) {
    return 0;
  }
  if (strcasecmp(h->field, "host") == 0) {
    copy_field(h->host, sizeof(h->host), at, len);
  } else if (strcasecmp(h->field, "user-agent") == 0) {
    copy_field(h->user_agent, sizeof(h->user_agent), at, len);
  }
  proxy_header_json_add(&h->headers_json, h->field, strlen(h->field), at, len, h->redact);
  return 0;
}

// The requests awaiting a response, in order: one bit each, HEAD or not.
static int pending_bit(const proxy_http_t *h, size_t i) {
  size_t at = (h->pending_first + i) % h->pending_cap;
  return (h->pending_bits[at / 8] >> (at % 8)) & 1;
}

static void pending_push(proxy_http_t *h, int head) {
  if (h->pending_bits == NULL) {
    h->pending_bits = h->pending_inline;
    h->pending_cap = PROXY_HTTP_PENDING_INLINE;
  }
  if (h->pending_count == h->pending_cap) {
    size_t cap = h->pending_cap * 2;
    uint8_t *bits = cap <= PROXY_HTTP_MAX_PENDING ? calloc(cap / 8, 1) : NULL;
    if (bits == NULL) {
      return;  // a HEAD past the limit is taken for a GET: only the counts can suffer
    }
    for (size_t i = 0; i < h->pending_count; i++) {
      bits[i / 8] |= (uint8_t)(pending_bit(h, i) << (i % 8));
    }
    if (h->pending_bits != h->pending_inline) {
      free(h->pending_bits);
    }
    h->pending_bits = bits;
    h->pending_cap = cap;
    h->pending_first = 0;
  }
  size_t at = (h->pending_first + h->pending_count++) % h->pending_cap;
  h->pending_bits[at / 8] = (uint8_t)((h->pending_bits[at / 8] & ~(1u << (at % 8))) | ((head ? 1u : 0u) << (at % 8)));
}

static int pending_pop(proxy_http_t *h) {
  if (h->pending_count == 0) {
    return 0;
  }
  int head = pending_bit(h, 0);
  h->pending_first = (h->pending_first + 1) % h->pending_cap;
  h->pending_count--;
  return head;
}

static int on_req_headers_complete(http_parser *p) {
  proxy_http_t *h = of(p);
  if (h->capture) {
    copy_field(h->method, sizeof(h->method), http_method_str((enum http_method)p->method),
               strlen(http_method_str((enum http_method)p->method)));
  }
  h->capture = 0;
  h->requests++;
  pending_push(h, p->method == HTTP_HEAD);
  return 0;
}

static int on_req_message_complete(http_parser *p) {
  proxy_http_t *h = of(p);
  h->message_done = 1;
  http_parser_pause(p, 1);  // split pipelined requests exactly here
  return 0;
}

static const http_parser_settings kRequestSettings = {
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_req_headers_complete,
    .on_message_complete = on_req_message_complete,
};

static int on_resp_headers_complete(http_parser *p) {
  proxy_http_t *h = of(p);
  int head_request = 0;
  if (p->status_code >= 200) {
    head_request = pending_pop(h);
  }
  if (p->status_code >= 200 || p->status_code == 101) {
    if (h->responses++ == 0) {
      h->status = p->status_code;
    }
    if (h->req_state == REQ_WAIT && h->responses == h->requests) {
      h->wait_status = p->status_code;  // the answer to the Upgrade or CONNECT (see end_wait)
    }
  }
  if (p->status_code == 101) {
    h->resp_observing = 0;  // another protocol follows
  }
  // 1: no body. Responses to HEAD, 1xx, 204 and 304 end with their head,
  // whatever Content-Length says (RFC 9112, 6.3); a 304 often states the
  // length of the representation it stands for.
  return head_request || p->status_code / 100 == 1 || p->status_code == 204 || p->status_code == 304 ? 1 : 0;
}

// The probe reads a head as it arrives, for bytes that are not HTTP and for
// where the parser ends the head; it stops there.
static int on_probe_headers_complete(http_parser *p) {
  http_parser_pause(p, 1);
  return 0;
}

static const http_parser_settings kProbeSettings = {
    .on_headers_complete = on_probe_headers_complete,
};

static int on_resp_message_complete(http_parser *p) {
  proxy_http_t *h = of(p);
  if (p->status_code >= 200) {
    h->responses_done++;
  }
  return 0;
}

static const http_parser_settings kResponseSettings = {
    .on_headers_complete = on_resp_headers_complete,
    .on_message_complete = on_resp_message_complete,
};

void proxy_http_init(proxy_http_t *http, const proxy_http_sink_t *sink, void *arg, size_t max_header, int redact) {
  memset(http, 0, sizeof(*http));
  http->sink = sink;
  http->arg = arg;
  http->max_header = max_header;
  http->redact = redact;
  http->capture = 1;
  http->resp_observing = 1;
  http_parser_init(&http->req, HTTP_REQUEST);
  http_parser_init(&http->resp, HTTP_RESPONSE);
  http->req.data = http;
  http->resp.data = http;
  inspect_buf_init(&http->head, max_header + 1);
  inspect_buf_init(&http->headers_json, PROXY_HEADERS_JSON_BUF);
  inspect_buf_init(&http->held, max_header);
}

void proxy_http_cleanup(proxy_http_t *http) {
  if (http->pending_bits != http->pending_inline) {
    free(http->pending_bits);
  }
  http->pending_bits = NULL;
  inspect_buf_cleanup(&http->head);
  inspect_buf_cleanup(&http->headers_json);
  inspect_buf_cleanup(&http->held);
}

void proxy_http_set_raw(proxy_http_t *http) {
  if (http->head.len > 0) {
    http->sink->forward(http->arg, (const uint8_t *)http->head.data, http->head.len);
    inspect_buf_reset(&http->head);
  }
  http->req_state = REQ_RAW;
  http->resp_observing = 0;
}

// guarded says whether the stream is guarded (see http_guard.c).
static int guarded(const proxy_http_t *h) { return h->strip_prefix != NULL && h->strip_prefix[0] != '\0'; }

static const char kAlb400[] =
    "HTTP/1.1 400 Bad Request\r\nServer: awselb/2.0\r\nContent-Type: text/html\r\nContent-Length: 122\r\n"
    "Connection: close\r\n\r\n"
    "<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\r\n"
    "<center><h1>400 Bad Request</h1></center>\r\n</body>\r\n</html>\r\n";

// refuse answers 400 and forwards nothing more of the stream.
static void refuse(proxy_http_t *h, const char *why) {
  inspect_buf_reset(&h->head);
  inspect_buf_reset(&h->held);
  h->head_scan = 0;
  h->req_state = REQ_DROP;
  h->sink->reject(h->arg, 400, kAlb400, sizeof(kAlb400) - 1, why);
}

// parser_says words http_parser's complaint as the reason for a refusal.
static const char *parser_says(proxy_http_t *h, enum http_errno err) {
  snprintf(h->why, sizeof(h->why), "malformed request: %s", http_errno_description(err));
  return h->why;
}

// forward_head sends the request head with the injected lines before its
// final empty line; a guarded stream's head goes as http_guard.c rewrites it.
static void forward_head(proxy_http_t *h, const uint8_t *head, size_t len) {
  const uint8_t *inject = (const uint8_t *)(h->inject != NULL ? h->inject : "");
  if (!guarded(h)) {
    h->sink->forward(h->arg, head, len - 2);  // everything before the final CRLF
    h->sink->forward(h->arg, inject, strlen((const char *)inject));
    h->sink->forward(h->arg, head + len - 2, 2);
    return;
  }
  proxy_http__forward_stripped(h, head, len);
  h->sink->forward(h->arg, inject, strlen((const char *)inject));
  h->sink->forward(h->arg, (const uint8_t *)"\r\n", 2);
}

// too_large reports a head over the limit. Nothing more of the request
// stream goes upstream: the owner answers 431 and closes.
static void too_large(proxy_http_t *h) {
  inspect_buf_reset(&h->head);
  h->head_scan = 0;
  h->req_state = REQ_DROP;
  h->sink->on_too_large(h->arg);
}

// find_head_end returns the length of the head (through its empty line), or
// 0. Its lines end in CRLF; a guarded stream's may end in LF too. Empty
// lines before the request line belong to the head: servers ignore them
// (RFC 9112, 2.2), and they do not end it.
static size_t find_head_end(proxy_http_t *h) {
  const char *d = h->head.data;
  size_t len = h->head.len;
  size_t start = 0;
  while (start < len && (d[start] == '\r' || d[start] == '\n')) {
    start++;
  }
  int lf_ok = guarded(h);
  for (size_t i = start > h->head_scan ? start : h->head_scan; i + 1 < len; i++) {
    if (d[i] != '\n') {
      continue;
    }
    if (lf_ok && d[i + 1] == '\n') {
      return i + 2;  // LF LF or CRLF LF
    }
    if (i + 2 < len && d[i + 1] == '\r' && d[i + 2] == '\n' && (lf_ok || d[i - 1] == '\r')) {
      return i + 3;  // CRLF CRLF or LF CRLF
    }
  }
  h->head_scan = len >= 3 ? len - 3 : 0;
  return 0;
}

static int known_method(const char *name, size_t len) {
  for (int m = 0; m <= HTTP_SOURCE; m++) {
    const char *s = http_method_str((enum http_method)m);
    if (strlen(s) == len && memcmp(s, name, len) == 0) {
      return 1;
    }
  }
  return 0;
}

// go_unread relays the stream raw from the head being gathered on, and keeps
// for the record what its request line says and why the head was not read.
static void go_unread(proxy_http_t *h, enum http_errno err) {
  const char *line = h->head.data;
  size_t len = h->head.len;
  while (len > 0 && (*line == '\r' || *line == '\n')) {
    line++;
    len--;
  }
  const char *sp1 = memchr(line, ' ', len < 32 ? len : 32);
  const char *sp2 = sp1 != NULL ? memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line)) : NULL;
  // A request line of a method the parser knows and HTTP/1.x is a request,
  // though its head was not read (ambiguous framing, say); other bytes are not.
  if (sp2 != NULL && sp2 - line < 2048 && memchr(line, '\n', (size_t)(sp2 - line)) == NULL &&
      known_method(line, (size_t)(sp1 - line)) && (size_t)(line + len - sp2) > 8 &&
      memcmp(sp2 + 1, "HTTP/1.", 7) == 0) {
    if (h->capture) {
      copy_field(h->method, sizeof(h->method), line, (size_t)(sp1 - line));
      copy_field(h->path, sizeof(h->path), sp1 + 1, (size_t)(sp2 - sp1 - 1));
    }
    h->requests++;
    h->raw_reason = parser_says(h, err);
  }
  h->capture = 0;
  proxy_http_set_raw(h);
}

// do_head handles a complete head of `len` bytes at the start of h->head.
// It returns 0 to continue, 1 when the owner took over (or the stream was
// refused).
static int do_head(proxy_http_t *h, size_t len) {
  size_t n = http_parser_execute(&h->req, &kRequestSettings, h->head.data, len);
  enum http_errno err = HTTP_PARSER_ERRNO(&h->req);
  int parsed = (err == HPE_OK || err == HPE_PAUSED) && n == len;
  if (guarded(h)) {
    const char *why = proxy_http__check_head((const uint8_t *)h->head.data, len);
    if (why == NULL && !parsed) {
      why = parser_says(h, err);
    }
    if (why == NULL && h->req.upgrade && !h->message_done) {
      why = "ambiguous request: an Upgrade or CONNECT with a body";
    }
    if (why != NULL) {
      refuse(h, why);
      return 1;
    }
  } else if (!parsed) {
    // Not HTTP after all, a request with ambiguous framing, or one that ends
    // before the empty line (bare LF line ends): relay it as it is, for the
    // origin to judge, and say so in the record.
    go_unread(h, err);
    return 0;
  }
  int answered = h->sink->on_head(h->arg, h);
  if (answered) {
    return 1;
  }
  forward_head(h, (const uint8_t *)h->head.data, len);
  h->chunked = (h->req.flags & F_CHUNKED) != 0;
  proxy_http__chunks_begin(h);
  if (h->req.upgrade || h->req.method == HTTP_CONNECT) {
    // Bytes after an Upgrade or CONNECT head belong to another protocol; a
    // guarded stream waits until the origin agrees to that.
    h->req_state = guarded(h) ? REQ_WAIT : REQ_RAW;
    h->wait_connect = h->req.method == HTTP_CONNECT;
  } else if (h->message_done) {
    h->message_done = 0;
    http_parser_pause(&h->req, 0);
    h->req_state = REQ_HEAD;
  } else {
    h->req_state = REQ_BODY;
  }
  return 0;
}

// body forwards the body bytes of the current request at the start of
// `data`, and returns how many there were (or len + 1 when the stream ended
// in refusal or went raw).
static size_t body(proxy_http_t *h, const uint8_t *data, size_t len) {
  size_t n = http_parser_execute(&h->req, &kRequestSettings, (const char *)data, len);
  enum http_errno err = HTTP_PARSER_ERRNO(&h->req);
  int failed = err != HPE_OK && err != HPE_PAUSED;
  if (failed && !guarded(h)) {
    h->req_state = REQ_RAW;  // lost track: keep relaying
    return 0;
  }
  if (n > len) {
    n = len;
  }
  if (guarded(h)) {
    // What both the parser and the chunk check accept goes on, whatever the
    // reads; the refusal comes at the first byte either of them refuses.
    const char *why = NULL;
    size_t ok = h->chunked ? proxy_http__check_chunks(h, data, n, &why) : n;
    if (why == NULL && failed) {
      why = parser_says(h, err);
    }
    if (why == NULL && h->chunked && h->message_done && !proxy_http__chunks_done(h)) {
      why = "malformed request: chunked framing the parser reads differently";
    }
    if (why != NULL) {
      h->sink->forward(h->arg, data, ok);
      refuse(h, why);
      return len + 1;
    }
  }
  h->sink->forward(h->arg, data, n);
  if (h->message_done) {
    h->message_done = 0;
    http_parser_pause(&h->req, 0);
    h->req_state = REQ_HEAD;
  }
  return n;
}

void proxy_http_request_feed(proxy_http_t *h, const uint8_t *data, size_t len) {
  while (len > 0) {
    switch (h->req_state) {
      case REQ_DROP: return;
      case REQ_RAW:
        if (guarded(h) && !h->tunnel) {
          // Not HTTP/1.1 (ALPN h2, say): there are no heads to strip headers from.
          refuse(h, "not HTTP/1.1: a guarded stream relays nothing it cannot read");
          return;
        }
        h->sink->forward(h->arg, data, len);
        return;
      case REQ_WAIT:
        if (!inspect_buf_append(&h->held, data, len)) {
          refuse(h, "request bytes past --max-header before the origin agreed to switch protocols");
        }
        return;
      case REQ_BODY: {
        size_t n = body(h, data, len);
        if (n > len) {
          return;
        }
        data += n;
        len -= n;
        break;
      }
      case REQ_HEAD: {
        // Gather the head; keep what follows it for the next round. Take no
        // more than fits under the limit: the limit is on the head, not on
        // the body or the pipelined requests that follow it in one read.
        size_t before = h->head.len;
        size_t room = h->max_header > before ? h->max_header - before : 0;
        size_t take = len < room ? len : room;
        if (before == 0) {
          h->probe = h->req;  // a copy: judges the new head as the request parser will
        }
        if (!inspect_buf_append(&h->head, data, take)) {
          too_large(h);
          return;
        }
        size_t end = find_head_end(h);
        // Check the new bytes of the head as they arrive: bytes that are not
        // HTTP go raw now, rather than wait for an empty line that may never
        // come; so does a head the parser ends elsewhere than at its empty
        // line (bare LF line ends), since where it ends is then unclear.
        // Whatever the reads, a head is judged on the same bytes. (No empty
        // call: to http_parser, 0 bytes means end of stream.) A guarded
        // stream refuses them instead.
        size_t fresh = (end != 0 ? end : h->head.len) - before;
        size_t n = fresh > 0 ? http_parser_execute(&h->probe, &kProbeSettings, h->head.data + before, fresh) : 0;
        enum http_errno perr = HTTP_PARSER_ERRNO(&h->probe);
        int http_so_far = end == 0 ? perr == HPE_OK : perr == HPE_PAUSED && before + n + 1 == end;
        if (!http_so_far && guarded(h)) {
          const char *why = end != 0 ? proxy_http__check_head((const uint8_t *)h->head.data, end) : NULL;
          refuse(h, why != NULL ? why : parser_says(h, perr));
          return;
        }
        if (!http_so_far) {
          go_unread(h, perr);  // forwards what was gathered
          data += take;
          len -= take;
          break;
        }
        if (end == 0) {
          if (take < len) {
            too_large(h);  // the limit is reached and the head goes on
          }
          return;  // wait for more
        }
        size_t used = end - before;  // bytes of `data` that belong to this head
        data += used;
        len -= used;
        h->head.len = end;
        h->head_scan = 0;
        int taken = do_head(h, end);
        inspect_buf_reset(&h->head);
        if (taken) {
          h->req_state = REQ_DROP;  // the owner answered: nothing more goes upstream
          return;
        }
        break;
      }
    }
  }
}

// end_wait acts on the origin's answer to a guarded stream's Upgrade or
// CONNECT: 101 (2xx for CONNECT) starts the tunnel with the bytes held so
// far; anything else means the client still speaks HTTP/1.1, and the held
// bytes are read as requests like any others.
static void end_wait(proxy_http_t *h) {
  int status = h->wait_status;
  h->wait_status = 0;
  inspect_buf_t held = h->held;
  inspect_buf_init(&h->held, h->max_header);
  if (h->wait_connect ? status / 100 == 2 : status == 101) {
    h->tunnel = 1;
    h->resp_observing = 0;
    h->req_state = REQ_RAW;
  } else {
    http_parser_init(&h->req, HTTP_REQUEST);
    h->req.data = h;
    h->message_done = 0;
    h->req_state = REQ_HEAD;
  }
  if (held.len > 0) {
    proxy_http_request_feed(h, (const uint8_t *)held.data, held.len);
  }
  inspect_buf_cleanup(&held);
}

int proxy_http_response_eof(proxy_http_t *h) {
  if (!h->resp_observing) {
    return 0;
  }
  http_parser_execute(&h->resp, &kResponseSettings, NULL, 0);
  h->resp_observing = 0;
  return h->responses > h->responses_done;
}

proxy_http_phase_t proxy_http_phase(const proxy_http_t *h) {
  switch (h->req_state) {
    case REQ_HEAD:
      if (h->head.len > 0) {
        return PROXY_HTTP_IN_HEAD;
      }
      // Waiting for the next request, unless a response is still on its way
      // (or cannot be followed any more, which counts as on its way).
      return h->resp_observing && h->responses_done >= h->requests ? PROXY_HTTP_IDLE : PROXY_HTTP_BUSY;
    case REQ_BODY:
    case REQ_WAIT: return PROXY_HTTP_BUSY;
    default: return PROXY_HTTP_UNWATCHED;
  }
}

void proxy_http_response_feed(proxy_http_t *h, const uint8_t *data, size_t len) {
  if (!h->resp_observing) {
    return;
  }
  http_parser_execute(&h->resp, &kResponseSettings, (const char *)data, len);
  enum http_errno err = HTTP_PARSER_ERRNO(&h->resp);
  if (err != HPE_OK) {
    h->resp_observing = 0;  // not HTTP/1.1 (or lost track): stop watching, keep relaying
  }
  if (h->wait_status != 0) {
    end_wait(h);
  } else if (!h->resp_observing && h->req_state == REQ_WAIT) {
    // The answer to the Upgrade or CONNECT cannot be read: never tunnel.
    inspect_buf_reset(&h->held);
    h->req_state = REQ_DROP;
  }
}
