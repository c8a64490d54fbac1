// HTTP/1.1 request handling and response observation. See proxy_internal.h.

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy/h2_internal.h"
#include "proxy/proxy_internal.h"

enum { REQ_HEAD, REQ_BODY, REQ_RAW, REQ_DROP };

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

static int on_req_headers_complete(http_parser *p) {
  proxy_http_t *h = of(p);
  if (h->capture) {
    copy_field(h->method, sizeof(h->method), http_method_str((enum http_method)p->method),
               strlen(http_method_str((enum http_method)p->method)));
  }
  h->capture = 0;
  h->requests++;
  if (h->pending_count < PROXY_HTTP_MAX_PENDING) {
    h->pending_head[(h->pending_first + h->pending_count++) % PROXY_HTTP_MAX_PENDING] = p->method == HTTP_HEAD;
  }
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
  if (p->status_code >= 200 && h->pending_count > 0) {
    head_request = h->pending_head[h->pending_first];
    h->pending_first = (h->pending_first + 1) % PROXY_HTTP_MAX_PENDING;
    h->pending_count--;
  }
  if (p->status_code >= 200 || p->status_code == 101) {
    if (h->responses++ == 0) {
      h->status = p->status_code;
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

static const http_parser_settings kResponseSettings = {
    .on_headers_complete = on_resp_headers_complete,
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
}

void proxy_http_cleanup(proxy_http_t *http) {
  inspect_buf_cleanup(&http->head);
  inspect_buf_cleanup(&http->headers_json);
}

void proxy_http_set_raw(proxy_http_t *http) {
  if (http->head.len > 0) {
    http->sink->forward(http->arg, (const uint8_t *)http->head.data, http->head.len);
    inspect_buf_reset(&http->head);
  }
  http->req_state = REQ_RAW;
  http->resp_observing = 0;
}

// forward_head sends the request head without the headers named by
// strip_prefix (a client must not forge what the proxy vouches for) and with
// the injected lines before its final empty line.
static void forward_head(proxy_http_t *h, const uint8_t *head, size_t len) {
  size_t body_of_head = len - 2;  // everything before the final CRLF
  if (h->strip_prefix != NULL && h->strip_prefix[0] != '\0') {
    size_t prefix_len = strlen(h->strip_prefix);
    const uint8_t *line = head;
    const uint8_t *end = head + body_of_head;
    while (line < end) {
      const uint8_t *eol = memchr(line, '\n', (size_t)(end - line));
      const uint8_t *next = eol != NULL ? eol + 1 : end;
      int drop = line != head && (size_t)(next - line) > prefix_len &&
                 strncasecmp((const char *)line, h->strip_prefix, prefix_len) == 0;
      if (!drop) {
        h->sink->forward(h->arg, line, (size_t)(next - line));
      }
      line = next;
    }
  } else {
    h->sink->forward(h->arg, head, body_of_head);
  }
  if (h->inject != NULL && h->inject[0] != '\0') {
    h->sink->forward(h->arg, (const uint8_t *)h->inject, strlen(h->inject));
  }
  h->sink->forward(h->arg, head + body_of_head, 2);
}

// too_large reports a head over the limit. Nothing more of the request
// stream goes upstream: the owner answers 431 and closes.
static void too_large(proxy_http_t *h) {
  inspect_buf_reset(&h->head);
  h->head_scan = 0;
  h->req_state = REQ_DROP;
  h->sink->on_too_large(h->arg);
}

// find_head_end returns the length of the head (through CRLF CRLF), or 0.
// Empty lines before the request line belong to the head: servers ignore
// them (RFC 9112, 2.2), and they do not end it.
static size_t find_head_end(proxy_http_t *h) {
  const char *d = h->head.data;
  size_t start = 0;
  while (start < h->head.len && (d[start] == '\r' || d[start] == '\n')) {
    start++;
  }
  for (size_t i = start > h->head_scan ? start : h->head_scan; i + 4 <= h->head.len; i++) {
    if (d[i] == '\r' && d[i + 1] == '\n' && d[i + 2] == '\r' && d[i + 3] == '\n') {
      return i + 4;
    }
  }
  h->head_scan = h->head.len >= 3 ? h->head.len - 3 : 0;
  return 0;
}

// do_head handles a complete head of `len` bytes at the start of h->head.
// It returns 0 to continue, 1 when the owner took over.
static int do_head(proxy_http_t *h, size_t len) {
  size_t n = http_parser_execute(&h->req, &kRequestSettings, h->head.data, len);
  enum http_errno err = HTTP_PARSER_ERRNO(&h->req);
  if ((err != HPE_OK && err != HPE_PAUSED) || n != len) {
    // Not HTTP after all, or a request that ends before the empty line
    // (bare LF line ends): relay it as it is, for the origin to judge.
    proxy_http_set_raw(h);
    return 0;
  }
  int answered = h->sink->on_head(h->arg, h);
  if (answered) {
    return 1;
  }
  forward_head(h, (const uint8_t *)h->head.data, len);
  if (h->req.upgrade || h->req.method == HTTP_CONNECT) {
    // Bytes after an Upgrade or CONNECT head belong to another protocol.
    h->req_state = REQ_RAW;
  } else if (h->message_done) {
    h->message_done = 0;
    http_parser_pause(&h->req, 0);
    h->req_state = REQ_HEAD;
  } else {
    h->req_state = REQ_BODY;
  }
  return 0;
}

void proxy_http_request_feed(proxy_http_t *h, const uint8_t *data, size_t len) {
  while (len > 0) {
    switch (h->req_state) {
      case REQ_DROP:
        return;
      case REQ_RAW:
        h->sink->forward(h->arg, data, len);
        return;
      case REQ_BODY: {
        size_t n = http_parser_execute(&h->req, &kRequestSettings, (const char *)data, len);
        enum http_errno err = HTTP_PARSER_ERRNO(&h->req);
        if (err != HPE_OK && err != HPE_PAUSED) {
          h->req_state = REQ_RAW;  // lost track: keep relaying
          continue;
        }
        if (n > len) {
          n = len;
        }
        h->sink->forward(h->arg, data, n);
        data += n;
        len -= n;
        if (h->message_done) {
          h->message_done = 0;
          http_parser_pause(&h->req, 0);
          h->req_state = REQ_HEAD;
        }
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
        // call: to http_parser, 0 bytes means end of stream.)
        size_t fresh = (end != 0 ? end : h->head.len) - before;
        size_t n = fresh > 0 ? http_parser_execute(&h->probe, &kProbeSettings, h->head.data + before, fresh) : 0;
        enum http_errno perr = HTTP_PARSER_ERRNO(&h->probe);
        int http_so_far = end == 0 ? perr == HPE_OK : perr == HPE_PAUSED && before + n + 1 == end;
        if (!http_so_far) {
          proxy_http_set_raw(h);  // forwards what was gathered
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

void proxy_http_response_feed(proxy_http_t *h, const uint8_t *data, size_t len) {
  if (!h->resp_observing) {
    return;
  }
  http_parser_execute(&h->resp, &kResponseSettings, (const char *)data, len);
  enum http_errno err = HTTP_PARSER_ERRNO(&h->resp);
  if (err != HPE_OK) {
    h->resp_observing = 0;  // not HTTP/1.1 (or lost track): stop watching, keep relaying
  }
}
