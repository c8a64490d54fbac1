// Real HTTP/2 conversations between two nghttp2 sessions in memory. See h2_conv.h.

#include "tests/proxy/h2_conv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  h2c_stream_t pub;
  uint64_t to_send;  // server: response body bytes left
  int trailers;      // server: send trailers after the body
  uint8_t *body;     // client: the request body, sent from body_off
  size_t body_len, body_off;
} stream_t;

struct h2c_conv_st {
  nghttp2_session *client, *server;
  h2c_segment_t *segs;
  size_t num_segs, cap_segs;
  uint8_t *out;  // bytes the session being pumped has sent
  size_t out_len, out_cap;
  stream_t *streams;
  size_t num_streams, cap_streams;
  int client_reading_stopped;
  unsigned padding;
  int64_t goaway_code[2];  // by sender: 0 client, 1 origin
  int32_t goaway_last[2];
};

static void die(const char *what, int rv) {
  fprintf(stderr, "h2_conv: %s: %s\n", what, nghttp2_strerror(rv));
  abort();
}

static void *grow(void *p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) {
    return p;
  }
  size_t n = *cap ? *cap : 16;
  while (n < need) {
    n *= 2;
  }
  void *q = realloc(p, n * size);
  if (q == NULL) {
    abort();
  }
  *cap = n;
  return q;
}

static stream_t *stream_of(h2c_conv_t *c, int32_t id) {
  for (size_t i = 0; i < c->num_streams; i++) {
    if (c->streams[i].pub.id == id) {
      return &c->streams[i];
    }
  }
  c->streams = grow(c->streams, &c->cap_streams, c->num_streams + 1, sizeof(*c->streams));
  stream_t *st = &c->streams[c->num_streams++];
  memset(st, 0, sizeof(*st));
  st->pub.id = id;
  return st;
}

static void push_segment(h2c_conv_t *c, int from_origin, const void *data, size_t len) {
  c->segs = grow(c->segs, &c->cap_segs, c->num_segs + 1, sizeof(*c->segs));
  h2c_segment_t *s = &c->segs[c->num_segs++];
  s->from_origin = from_origin;
  s->data = malloc(len);
  memcpy(s->data, data, len);
  s->len = len;
}

static ssize_t on_send(nghttp2_session *session, const uint8_t *data, size_t len, int flags, void *arg) {
  (void)session;
  (void)flags;
  h2c_conv_t *c = arg;
  c->out = grow(c->out, &c->out_cap, c->out_len + len, 1);
  memcpy(c->out + c->out_len, data, len);
  c->out_len += len;
  return (ssize_t)len;
}

static void copy_nv(char *dst, size_t dst_len, const nghttp2_nv *nv) {
  size_t n = nv->valuelen < dst_len - 1 ? nv->valuelen : dst_len - 1;
  memcpy(dst, nv->value, n);
  dst[n] = '\0';
}

static int nv_is(const nghttp2_nv *nv, const char *name) {
  return nv->namelen == strlen(name) && memcmp(nv->name, name, nv->namelen) == 0;
}

static void request_head(stream_t *st, const nghttp2_nv *nva, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (nv_is(&nva[i], ":method")) {
      copy_nv(st->pub.method, sizeof(st->pub.method), &nva[i]);
    } else if (nv_is(&nva[i], ":authority")) {
      copy_nv(st->pub.authority, sizeof(st->pub.authority), &nva[i]);
    } else if (nv_is(&nva[i], ":path")) {
      copy_nv(st->pub.path, sizeof(st->pub.path), &nva[i]);
    } else if (nv_is(&nva[i], ":scheme")) {
      copy_nv(st->pub.scheme, sizeof(st->pub.scheme), &nva[i]);
    }
  }
}

// on_frame_send keeps what went on the wire: the truth for the decoder.
static int on_frame_send(nghttp2_session *session, const nghttp2_frame *frame, void *arg) {
  h2c_conv_t *c = arg;
  int from_origin = session == c->server;
  int end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  switch (frame->hd.type) {
    case NGHTTP2_HEADERS: {
      stream_t *st = stream_of(c, frame->hd.stream_id);
      if (!from_origin && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
        request_head(st, frame->headers.nva, frame->headers.nvlen);
      }
      for (size_t i = 0; from_origin && i < frame->headers.nvlen; i++) {
        if (nv_is(&frame->headers.nva[i], ":status")) {
          int status = atoi((const char *)frame->headers.nva[i].value);
          if (status >= 200 && st->pub.status == 0) {
            st->pub.status = status;
          }
        }
      }
      if (end_stream) {
        *(from_origin ? &st->pub.response_ended : &st->pub.request_ended) = 1;
      }
      break;
    }
    case NGHTTP2_PUSH_PROMISE: {
      stream_t *st = stream_of(c, frame->push_promise.promised_stream_id);
      st->pub.pushed = 1;
      st->pub.request_ended = 1;
      request_head(st, frame->push_promise.nva, frame->push_promise.nvlen);
      break;
    }
    case NGHTTP2_DATA: {
      stream_t *st = stream_of(c, frame->hd.stream_id);
      uint64_t body = frame->hd.length - frame->data.padlen;
      *(from_origin ? &st->pub.response_bytes : &st->pub.request_bytes) += body;
      if (end_stream) {
        *(from_origin ? &st->pub.response_ended : &st->pub.request_ended) = 1;
      }
      break;
    }
    case NGHTTP2_RST_STREAM: {
      stream_t *st = stream_of(c, frame->hd.stream_id);
      if (st->pub.reset_by == 0) {
        st->pub.reset_by = from_origin ? 2 : 1;
        st->pub.reset_code = frame->rst_stream.error_code;
      }
      break;
    }
    case NGHTTP2_GOAWAY:
      c->goaway_code[from_origin] = frame->goaway.error_code;
      c->goaway_last[from_origin] = frame->goaway.last_stream_id;
      break;
  }
  return 0;
}

static ssize_t read_body(nghttp2_session *session, int32_t stream_id, uint8_t *buf, size_t length, uint32_t *data_flags,
                         nghttp2_data_source *source, void *arg) {
  (void)source;
  h2c_conv_t *c = arg;
  stream_t *st = stream_of(c, stream_id);
  size_t n = st->to_send < length ? (size_t)st->to_send : length;
  for (size_t i = 0; i < n; i++) {
    buf[i] = (uint8_t)('a' + (st->to_send - i) % 26);
  }
  st->to_send -= n;
  if (st->to_send == 0) {
    *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    if (st->trailers) {
      static const nghttp2_nv kTrailers[] = {
          {(uint8_t *)"x-checksum", (uint8_t *)"abc123", 10, 6, NGHTTP2_NV_FLAG_NONE},
      };
      *data_flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      int rv = nghttp2_submit_trailer(session, stream_id, kTrailers, 1);
      if (rv != 0) {
        die("submit_trailer", rv);
      }
    }
  }
  return (ssize_t)n;
}

static ssize_t read_request_body(nghttp2_session *session, int32_t stream_id, uint8_t *buf, size_t length,
                                 uint32_t *data_flags, nghttp2_data_source *source, void *arg) {
  (void)session;
  (void)source;
  stream_t *st = stream_of(arg, stream_id);
  size_t n = st->body_len - st->body_off < length ? st->body_len - st->body_off : length;
  memcpy(buf, st->body + st->body_off, n);
  st->body_off += n;
  if (st->body_off == st->body_len) {
    *data_flags |= NGHTTP2_DATA_FLAG_EOF;
  }
  return (ssize_t)n;
}

#define NV(n, v) \
  { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE }

static void respond(h2c_conv_t *c, int32_t stream_id, int status, uint64_t body) {
  char status_text[8], length[24];
  snprintf(status_text, sizeof(status_text), "%d", status);
  snprintf(length, sizeof(length), "%llu", (unsigned long long)body);
  nghttp2_nv nva[] = {
      NV(":status", status_text),         NV("content-type", "text/plain"), NV("content-length", length),
      NV("set-cookie", "session=secret"), NV("server", "h2_conv"),          NV("cache-control", "no-store"),
  };
  stream_t *st = stream_of(c, stream_id);
  st->to_send = body;
  nghttp2_data_provider prd = {.read_callback = read_body};
  int rv = nghttp2_submit_response(c->server, stream_id, nva, st->trailers ? 5 : 6, body > 0 ? &prd : NULL);
  if (rv != 0) {
    die("submit_response", rv);
  }
}

// on_request answers a complete request by its path.
static void on_request(h2c_conv_t *c, int32_t stream_id) {
  stream_t *st = stream_of(c, stream_id);
  const char *path = st->pub.path;
  int rv;
  if (strncmp(path, "/status/", 8) == 0) {
    respond(c, stream_id, atoi(path + 8), 6);
  } else if (strncmp(path, "/big/", 5) == 0) {
    respond(c, stream_id, 200, strtoull(path + 5, NULL, 10));
  } else if (strncmp(path, "/reset/", 7) == 0) {
    if ((rv = nghttp2_submit_rst_stream(c->server, NGHTTP2_FLAG_NONE, stream_id, (uint32_t)atoi(path + 7))) != 0) {
      die("submit_rst_stream", rv);
    }
  } else if (strcmp(path, "/push") == 0) {
    nghttp2_nv req[] = {NV(":method", "GET"), NV(":scheme", "https"), NV(":authority", st->pub.authority),
                        NV(":path", "/pushed")};
    int32_t promised = nghttp2_submit_push_promise(c->server, NGHTTP2_FLAG_NONE, stream_id, req, 4, NULL);
    if (promised < 0) {
      die("submit_push_promise", promised);
    }
    respond(c, stream_id, 200, 6);
    respond(c, promised, 200, 100);
  } else if (strcmp(path, "/trailers") == 0) {
    st->trailers = 1;
    respond(c, stream_id, 200, 10);
  } else if (strcmp(path, "/early") == 0) {
    nghttp2_nv early[] = {NV(":status", "103"), NV("link", "</style.css>; rel=preload")};
    if ((rv = nghttp2_submit_headers(c->server, NGHTTP2_FLAG_NONE, stream_id, NULL, early, 2, NULL)) < 0) {
      die("submit_headers", rv);
    }
    respond(c, stream_id, 200, 6);
  } else {
    respond(c, stream_id, 200, 6);
  }
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame, void *arg) {
  h2c_conv_t *c = arg;
  if (session == c->server && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
      (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA)) {
    on_request(c, frame->hd.stream_id);
  }
  return 0;
}

static int on_data_chunk(nghttp2_session *session, uint8_t flags, int32_t stream_id, const uint8_t *data, size_t len,
                         void *arg) {
  (void)flags;
  (void)data;
  h2c_conv_t *c = arg;
  if (session == c->client && !c->client_reading_stopped) {
    nghttp2_session_consume(session, stream_id, len);
  }
  return 0;
}

static ssize_t select_padding(nghttp2_session *session, const nghttp2_frame *frame, size_t max_payloadlen, void *arg) {
  (void)session;
  h2c_conv_t *c = arg;
  size_t want = frame->hd.length + c->padding;
  return (ssize_t)(want < max_payloadlen ? want : max_payloadlen);
}

h2c_conv_t *h2c_new(const h2c_options_t *opt) {
  static const h2c_options_t kDefault = {.client_table_size = -1, .server_table_size = -1};
  if (opt == NULL) {
    opt = &kDefault;
  }
  h2c_conv_t *c = calloc(1, sizeof(*c));
  c->goaway_code[0] = c->goaway_code[1] = -1;
  nghttp2_session_callbacks *cbs;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_send_callback(cbs, on_send);
  nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_frame_send);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
  if (opt->padding > 0) {
    c->padding = opt->padding;
    nghttp2_session_callbacks_set_select_padding_callback(cbs, select_padding);
  }
  nghttp2_option *client_opt, *server_opt;
  nghttp2_option_new(&client_opt);
  nghttp2_option_new(&server_opt);
  nghttp2_option_set_no_auto_window_update(client_opt, 1);
  if (opt->client_deflate_max > 0) {
    nghttp2_option_set_max_deflate_dynamic_table_size(client_opt, opt->client_deflate_max);
  }
  int rv;
  if ((rv = nghttp2_session_client_new2(&c->client, cbs, c, client_opt)) != 0 ||
      (rv = nghttp2_session_server_new2(&c->server, cbs, c, server_opt)) != 0) {
    die("session_new", rv);
  }
  nghttp2_option_del(client_opt);
  nghttp2_option_del(server_opt);
  nghttp2_session_callbacks_del(cbs);
  nghttp2_settings_entry client_iv[2] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 1}};
  size_t n = 1;
  if (opt->client_table_size >= 0) {
    client_iv[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, (uint32_t)opt->client_table_size};
  }
  if ((rv = nghttp2_submit_settings(c->client, NGHTTP2_FLAG_NONE, client_iv, n)) != 0) {
    die("submit_settings", rv);
  }
  nghttp2_settings_entry server_iv[2] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 1000}};
  n = 1;
  if (opt->server_table_size >= 0) {
    server_iv[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, (uint32_t)opt->server_table_size};
  }
  if ((rv = nghttp2_submit_settings(c->server, NGHTTP2_FLAG_NONE, server_iv, n)) != 0) {
    die("submit_settings", rv);
  }
  return c;
}

void h2c_free(h2c_conv_t *c) {
  nghttp2_session_del(c->client);
  nghttp2_session_del(c->server);
  for (size_t i = 0; i < c->num_segs; i++) {
    free(c->segs[i].data);
  }
  free(c->segs);
  free(c->out);
  for (size_t i = 0; i < c->num_streams; i++) {
    free(c->streams[i].body);
  }
  free(c->streams);
  free(c);
}

int32_t h2c_request(h2c_conv_t *c, const char *method, const char *authority, const char *path, const nghttp2_nv *extra,
                    size_t num_extra, const uint8_t *body, size_t body_len, int priority) {
  nghttp2_nv *nva = calloc(4 + num_extra, sizeof(*nva));
  nghttp2_nv head[] = {NV(":method", method), NV(":scheme", "https"), NV(":authority", authority), NV(":path", path)};
  memcpy(nva, head, sizeof(head));
  if (num_extra > 0) {
    memcpy(nva + 4, extra, num_extra * sizeof(*nva));
  }
  nghttp2_priority_spec pri;
  nghttp2_priority_spec_init(&pri, 0, 32, 1);
  nghttp2_data_provider prd = {.read_callback = read_request_body};
  int32_t id =
      nghttp2_submit_request(c->client, priority ? &pri : NULL, nva, 4 + num_extra, body != NULL ? &prd : NULL, NULL);
  if (id < 0) {
    die("submit_request", id);
  }
  if (body != NULL) {
    stream_t *st = stream_of(c, id);
    st->body = malloc(body_len > 0 ? body_len : 1);
    memcpy(st->body, body, body_len);
    st->body_len = body_len;
  }
  free(nva);
  return id;
}

// pump sends what one session has queued and feeds it to the other.
static size_t pump(h2c_conv_t *c, int from_origin) {
  nghttp2_session *from = from_origin ? c->server : c->client;
  nghttp2_session *to = from_origin ? c->client : c->server;
  c->out_len = 0;
  int rv = nghttp2_session_send(from);
  if (rv != 0) {
    die("session_send", rv);
  }
  size_t n = c->out_len;
  if (n > 0) {
    push_segment(c, from_origin, c->out, n);
    ssize_t got = nghttp2_session_mem_recv(to, c->out, n);
    if (got < 0) {
      die("session_mem_recv", (int)got);
    }
  }
  return n;
}

void h2c_run(h2c_conv_t *c) {
  for (int round = 0; round < 1000000; round++) {
    size_t sent = pump(c, 0);
    sent += pump(c, 1);
    if (sent == 0) {
      return;
    }
  }
  fprintf(stderr, "h2_conv: the sessions never went quiet\n");
  abort();
}

void h2c_client_reset(h2c_conv_t *c, int32_t stream, uint32_t code) {
  int rv = nghttp2_submit_rst_stream(c->client, NGHTTP2_FLAG_NONE, stream, code);
  if (rv != 0) {
    die("submit_rst_stream", rv);
  }
}

void h2c_server_goaway(h2c_conv_t *c, uint32_t code, const char *debug) {
  int32_t last = nghttp2_session_get_last_proc_stream_id(c->server);
  int rv = nghttp2_submit_goaway(c->server, NGHTTP2_FLAG_NONE, last, code, (const uint8_t *)debug,
                                 debug != NULL ? strlen(debug) : 0);
  if (rv != 0) {
    die("submit_goaway", rv);
  }
}

void h2c_client_priority(h2c_conv_t *c, int32_t stream) {
  nghttp2_priority_spec pri;
  nghttp2_priority_spec_init(&pri, 0, 200, 0);
  int rv = nghttp2_submit_priority(c->client, NGHTTP2_FLAG_NONE, stream, &pri);
  if (rv != 0) {
    die("submit_priority", rv);
  }
}

void h2c_client_stop_reading(h2c_conv_t *c) { c->client_reading_stopped = 1; }

size_t h2c_num_segments(const h2c_conv_t *c) { return c->num_segs; }
const h2c_segment_t *h2c_segment(const h2c_conv_t *c, size_t i) { return &c->segs[i]; }

void h2c_append_raw(h2c_conv_t *c, int from_origin, const void *data, size_t len) {
  push_segment(c, from_origin, data, len);
}

size_t h2c_num_streams(const h2c_conv_t *c) { return c->num_streams; }
const h2c_stream_t *h2c_stream(const h2c_conv_t *c, size_t i) { return &c->streams[i].pub; }

const h2c_stream_t *h2c_stream_by_id(const h2c_conv_t *c, int32_t id) {
  for (size_t i = 0; i < c->num_streams; i++) {
    if (c->streams[i].pub.id == id) {
      return &c->streams[i].pub;
    }
  }
  return NULL;
}

int64_t h2c_goaway_code(const h2c_conv_t *c, int sent_by_origin, int32_t *last_stream_id) {
  if (last_stream_id != NULL) {
    *last_stream_id = c->goaway_last[sent_by_origin];
  }
  return c->goaway_code[sent_by_origin];
}

uint8_t *h2c_direction_bytes(const h2c_conv_t *c, int from_origin, size_t *len) {
  size_t total = 0;
  for (size_t i = 0; i < c->num_segs; i++) {
    total += c->segs[i].from_origin == from_origin ? c->segs[i].len : 0;
  }
  uint8_t *out = malloc(total > 0 ? total : 1);
  size_t off = 0;
  for (size_t i = 0; i < c->num_segs; i++) {
    if (c->segs[i].from_origin == from_origin) {
      memcpy(out + off, c->segs[i].data, c->segs[i].len);
      off += c->segs[i].len;
    }
  }
  *len = total;
  return out;
}

// A strict JSON checker (RFC 8259 grammar; strings must be valid UTF-8).
typedef struct {
  const char *p, *end;
  int depth;
} json_t;

static void json_ws(json_t *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) {
    j->p++;
  }
}

static int json_lit(json_t *j, const char *lit) {
  size_t n = strlen(lit);
  if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0) {
    return 0;
  }
  j->p += n;
  return 1;
}

static int json_string(json_t *j) {
  if (j->p >= j->end || *j->p != '"') {
    return 0;
  }
  j->p++;
  while (j->p < j->end) {
    unsigned char ch = (unsigned char)*j->p;
    if (ch == '"') {
      j->p++;
      return 1;
    }
    if (ch < 0x20) {
      return 0;
    }
    if (ch == '\\') {
      j->p++;
      if (j->p >= j->end) {
        return 0;
      }
      if (*j->p == 'u') {
        for (int k = 1; k <= 4; k++) {
          if (j->p + k >= j->end || !strchr("0123456789abcdefABCDEF", j->p[k]) || j->p[k] == '\0') {
            return 0;
          }
        }
        j->p += 5;
      } else if (strchr("\"\\/bfnrt", *j->p) && *j->p != '\0') {
        j->p++;
      } else {
        return 0;
      }
      continue;
    }
    size_t n = ch < 0x80 ? 0 : (ch & 0xe0) == 0xc0 ? 1 : (ch & 0xf0) == 0xe0 ? 2 : (ch & 0xf8) == 0xf0 ? 3 : 9;
    if (n == 9 || (ch >= 0x80 && ch < 0xc2) || j->p + n >= j->end) {
      return 0;
    }
    for (size_t k = 1; k <= n; k++) {
      if (((unsigned char)j->p[k] & 0xc0) != 0x80) {
        return 0;
      }
    }
    j->p += n + 1;
  }
  return 0;
}

static int json_value(json_t *j);

static int json_number(json_t *j) {
  const char *start = j->p;
  if (j->p < j->end && *j->p == '-') {
    j->p++;
  }
  while (j->p < j->end && ((*j->p >= '0' && *j->p <= '9') || *j->p == '.' || *j->p == 'e' || *j->p == 'E' ||
                           *j->p == '+' || *j->p == '-')) {
    j->p++;
  }
  return j->p > start;
}

static int json_members(json_t *j, char close, int object) {
  j->p++;
  json_ws(j);
  if (j->p < j->end && *j->p == close) {
    j->p++;
    return 1;
  }
  for (;;) {
    json_ws(j);
    if (object) {
      if (!json_string(j)) {
        return 0;
      }
      json_ws(j);
      if (j->p >= j->end || *j->p != ':') {
        return 0;
      }
      j->p++;
    }
    if (!json_value(j)) {
      return 0;
    }
    json_ws(j);
    if (j->p < j->end && *j->p == ',') {
      j->p++;
      continue;
    }
    if (j->p < j->end && *j->p == close) {
      j->p++;
      return 1;
    }
    return 0;
  }
}

static int json_value(json_t *j) {
  json_ws(j);
  if (j->p >= j->end || ++j->depth > 64) {
    return 0;
  }
  int ok;
  switch (*j->p) {
    case '{': ok = json_members(j, '}', 1); break;
    case '[': ok = json_members(j, ']', 0); break;
    case '"': ok = json_string(j); break;
    case 't': ok = json_lit(j, "true"); break;
    case 'f': ok = json_lit(j, "false"); break;
    case 'n': ok = json_lit(j, "null"); break;
    default: ok = json_number(j); break;
  }
  j->depth--;
  return ok;
}

int h2c_json_valid(const char *s, size_t len) {
  json_t j = {s, s + len, 0};
  if (!json_value(&j)) {
    return 0;
  }
  json_ws(&j);
  return j.p == j.end;
}

int h2c_record(const proxy_h2_t *h2, inspect_buf_t *out) {
  inspect_buf_puts(out, "{\"x\":0");
  proxy_h2_json_ecs(h2, out);
  proxy_h2_json_detail(h2, out);
  inspect_buf_puts(out, "}");
  return !out->failed && h2c_json_valid(out->data, out->len);
}
