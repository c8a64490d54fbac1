// The passive HTTP/2 decoder. See h2_internal.h.
//
// Each direction runs its own frame parser over the bytes as they come, in
// pieces of any size: a frame header is gathered (9 bytes), then the payload
// streams through as [prefix][body][padding], where the prefix holds the
// fixed fields of the frame type (pad length, priority, promised stream, the
// RST_STREAM, GOAWAY or PING fields). Only header blocks are buffered, up to
// their limit, and decoded whole at END_HEADERS.

#include <nghttp2/nghttp2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/h2_internal.h"

enum { ST_PREFACE, ST_HEADER, ST_PAYLOAD };

enum {
  F_DATA = 0x0,
  F_HEADERS = 0x1,
  F_PRIORITY = 0x2,
  F_RST_STREAM = 0x3,
  F_SETTINGS = 0x4,
  F_PUSH_PROMISE = 0x5,
  F_PING = 0x6,
  F_GOAWAY = 0x7,
  F_WINDOW_UPDATE = 0x8,
  F_CONTINUATION = 0x9,
};

enum { FL_END_STREAM = 0x1, FL_ACK = 0x1, FL_END_HEADERS = 0x4, FL_PADDED = 0x8, FL_PRIORITY = 0x20 };

enum { SET_HEADER_TABLE_SIZE = 0x1, SET_MAX_FRAME_SIZE = 0x5 };

#define DEFAULT_MAX_FRAME_SIZE 16384u
#define MAX_MAX_FRAME_SIZE 16777215u

static const char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define PREFACE_LEN (sizeof(kPreface) - 1)

const char *proxy_h2_error_name(proxy_h2_error_t err) {
  switch (err) {
    case PROXY_H2_OK:
      return "OK";
#define PROXY_H2_NAME_CASE(name, msg) \
  case PROXY_H2_E##name:              \
    return #name;
      PROXY_H2_ERROR_MAP(PROXY_H2_NAME_CASE)
#undef PROXY_H2_NAME_CASE
  }
  return "UNKNOWN";
}

const char *proxy_h2_error_message(proxy_h2_error_t err) {
  switch (err) {
    case PROXY_H2_OK:
      return "success";
#define PROXY_H2_MSG_CASE(name, msg) \
  case PROXY_H2_E##name:             \
    return msg;
      PROXY_H2_ERROR_MAP(PROXY_H2_MSG_CASE)
#undef PROXY_H2_MSG_CASE
  }
  return "unknown error";
}

const char *proxy_h2_code_name(uint32_t code) {
  static const char *const kNames[] = {
      "NO_ERROR",       "PROTOCOL_ERROR", "INTERNAL_ERROR",     "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
      "STREAM_CLOSED",  "FRAME_SIZE_ERROR", "REFUSED_STREAM",   "CANCEL",             "COMPRESSION_ERROR",
      "CONNECT_ERROR",  "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
  };
  return code < sizeof(kNames) / sizeof(kNames[0]) ? kNames[code] : NULL;
}

static const char *dir_name(proxy_h2_dir_t dir) { return dir == PROXY_H2_FROM_CLIENT ? "client" : "origin"; }

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

void proxy_h2_init(proxy_h2_t *h2, const proxy_h2_limits_t *limits) {
  memset(h2, 0, sizeof(*h2));
  if (limits != NULL) {
    h2->limits = *limits;
  } else {
    h2->limits.redact = 1;
  }
  if (h2->limits.max_streams == 0) {
    h2->limits.max_streams = PROXY_H2_DEFAULT_MAX_STREAMS;
  }
  if (h2->limits.max_header_block == 0) {
    h2->limits.max_header_block = PROXY_H2_DEFAULT_MAX_HEADER_BLOCK;
  }
  if (h2->limits.max_table_size == 0) {
    h2->limits.max_table_size = PROXY_H2_DEFAULT_MAX_TABLE_SIZE;
  } else if (h2->limits.max_table_size < NGHTTP2_DEFAULT_HEADER_TABLE_SIZE) {
    // Every encoder may use 4096 bytes unasked (RFC 9113, 6.5.2): less could not decode any connection.
    h2->limits.max_table_size = NGHTTP2_DEFAULT_HEADER_TABLE_SIZE;
  }
  for (int d = 0; d < 2; d++) {
    proxy_h2_side_t *s = &h2->side[d];
    s->state = d == PROXY_H2_FROM_CLIENT ? ST_PREFACE : ST_HEADER;
    s->max_frame_size = DEFAULT_MAX_FRAME_SIZE;
    s->table_limit = NGHTTP2_DEFAULT_HEADER_TABLE_SIZE;
    s->cur_stream = -1;
    inspect_buf_init(&s->block, h2->limits.max_header_block + 1);
  }
  inspect_buf_init(&h2->headers_json, PROXY_HEADERS_JSON_BUF);
}

void proxy_h2_cleanup(proxy_h2_t *h2) {
  for (int d = 0; d < 2; d++) {
    if (h2->side[d].inflater != NULL) {
      nghttp2_hd_inflate_del(h2->side[d].inflater);
    }
    inspect_buf_cleanup(&h2->side[d].block);
  }
  for (size_t i = 0; i < h2->num_streams; i++) {
    free(h2->streams[i].authority);
    free(h2->streams[i].path);
  }
  free(h2->streams);
  inspect_buf_cleanup(&h2->headers_json);
  memset(h2, 0, sizeof(*h2));
}

// stop ends decoding for the connection (the relay is not affected).
static void stop(proxy_h2_t *h2, proxy_h2_dir_t dir, proxy_h2_error_t err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void stop(proxy_h2_t *h2, proxy_h2_dir_t dir, proxy_h2_error_t err, const char *fmt, ...) {
  if (h2->error != PROXY_H2_OK) {
    return;
  }
  h2->error = err;
  h2->error_dir = dir;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(h2->error_detail, sizeof(h2->error_detail), fmt, ap);
  va_end(ap);
}

// Streams.

static long stream_find(proxy_h2_t *h2, uint32_t id) {
  if (h2->last_lookup < h2->num_streams && h2->streams[h2->last_lookup].id == id) {
    return (long)h2->last_lookup;
  }
  if (id > h2->last_recorded[id & 1]) {
    return -1;  // opened after the limit was reached: not recorded (a long connection's usual case)
  }
  for (size_t i = h2->num_streams; i-- > 0;) {
    if (h2->streams[i].id == id) {
      h2->last_lookup = i;
      return (long)i;
    }
  }
  return -1;
}

// stream_open counts a new stream and records it if the limit allows. It
// returns its index, or -1 when dropped (or out of memory: decoding stops).
static long stream_open(proxy_h2_t *h2, proxy_h2_dir_t dir, uint32_t id, int pushed) {
  h2->streams_total++;
  if (h2->num_streams >= h2->limits.max_streams) {
    h2->streams_dropped++;
    return -1;
  }
  if (h2->num_streams == h2->cap_streams) {
    size_t cap = h2->cap_streams ? h2->cap_streams * 2 : 8;
    cap = min_size(cap, h2->limits.max_streams);
    proxy_h2_stream_t *grown = realloc(h2->streams, cap * sizeof(*grown));
    if (grown == NULL) {
      stop(h2, dir, PROXY_H2_ENOMEM, "no memory to record stream %u", id);
      return -1;
    }
    h2->streams = grown;
    h2->cap_streams = cap;
  }
  proxy_h2_stream_t *st = &h2->streams[h2->num_streams];
  memset(st, 0, sizeof(*st));
  st->id = id;
  h2->last_recorded[id & 1] = id;  // ids of each parity only grow
  st->pushed = pushed ? 1 : 0;
  st->request_ended = pushed ? 1 : 0;  // a promised request has no body
  h2->last_lookup = h2->num_streams;
  return (long)h2->num_streams++;
}

static void copy_str(char *dst, size_t dst_len, const uint8_t *src, size_t len) {
  size_t n = min_size(len, dst_len - 1);
  memcpy(dst, src, n);
  dst[n] = '\0';
}

// set_owned keeps the first value seen, cut to `max` bytes.
static void set_owned(proxy_h2_t *h2, proxy_h2_dir_t dir, char **dst, const uint8_t *src, size_t len, size_t max) {
  if (*dst != NULL) {
    return;
  }
  size_t n = min_size(len, max);
  *dst = malloc(n + 1);
  if (*dst == NULL) {
    stop(h2, dir, PROXY_H2_ENOMEM, "no memory for a header value");
    return;
  }
  memcpy(*dst, src, n);
  (*dst)[n] = '\0';
}

// NAME_IS compares a field name with a literal. HTTP/2 field names are
// lower case (RFC 9113, 8.2.1), so the comparison is exact.
#define NAME_IS(nv, lit) ((nv)->namelen == sizeof(lit) - 1 && memcmp((nv)->name, lit, sizeof(lit) - 1) == 0)

// on_request_header takes one field of a request head (HEADERS from the
// client, or PUSH_PROMISE) for stream `idx` (-1: not recorded).
static void on_request_header(proxy_h2_t *h2, proxy_h2_dir_t dir, long idx, const nghttp2_nv *nv) {
  if (idx < 0) {
    return;
  }
  proxy_h2_stream_t *st = &h2->streams[idx];
  if (nv->namelen > 0 && nv->name[0] == ':') {
    if (NAME_IS(nv, ":method")) {
      copy_str(st->method, sizeof(st->method), nv->value, nv->valuelen);
    } else if (NAME_IS(nv, ":scheme")) {
      copy_str(st->scheme, sizeof(st->scheme), nv->value, nv->valuelen);
    } else if (NAME_IS(nv, ":authority")) {
      set_owned(h2, dir, &st->authority, nv->value, nv->valuelen, 255);
    } else if (NAME_IS(nv, ":path")) {
      set_owned(h2, dir, &st->path, nv->value, nv->valuelen, 2047);
    }
  } else if (NAME_IS(nv, "host")) {
    set_owned(h2, dir, &st->authority, nv->value, nv->valuelen, 255);
  }
  if (idx == 0 && !st->pushed) {
    if (NAME_IS(nv, "user-agent")) {
      copy_str(h2->user_agent, sizeof(h2->user_agent), nv->value, nv->valuelen);
    }
    proxy_header_json_add(&h2->headers_json, (const char *)nv->name, nv->namelen, (const char *)nv->value,
                          nv->valuelen, h2->limits.redact);
  }
}

// on_response_header takes one field of a response head (HEADERS from the
// origin) for stream `idx` (-1: not recorded).
static void on_response_header(proxy_h2_t *h2, long idx, const nghttp2_nv *nv) {
  if (!NAME_IS(nv, ":status") || nv->valuelen != 3) {
    return;
  }
  int status = 0;
  for (size_t i = 0; i < 3; i++) {
    if (nv->value[i] < '0' || nv->value[i] > '9') {
      return;
    }
    status = status * 10 + (nv->value[i] - '0');
  }
  if (status < 200 || status > 599) {
    return;  // 1xx: informational, a final status follows
  }
  h2->status_classes[status / 100 - 1]++;
  if (idx >= 0 && h2->streams[idx].status == 0) {
    h2->streams[idx].status = status;
  }
}

// table_updates_over tells whether the dynamic table size updates that may
// open a header block (RFC 7541, 4.2 and 6.3) ask for more than `limit`.
static int table_updates_over(const uint8_t *p, size_t len, size_t limit) {
  size_t i = 0;
  while (i < len && (p[i] & 0xe0) == 0x20) {
    uint64_t v = p[i++] & 0x1f;
    if (v == 0x1f) {
      for (unsigned shift = 0;; shift += 7) {
        if (i >= len || shift > 28) {
          return 0;  // malformed: the inflater says so
        }
        uint8_t b = p[i++];
        v += (uint64_t)(b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          break;
        }
      }
    }
    if (v > limit) {
      return 1;
    }
  }
  return 0;
}

static nghttp2_hd_inflater *inflater_of(proxy_h2_t *h2, proxy_h2_dir_t dir) {
  proxy_h2_side_t *s = &h2->side[dir];
  if (s->inflater == NULL) {
    if (nghttp2_hd_inflate_new(&s->inflater) != 0) {
      s->inflater = NULL;
      stop(h2, dir, PROXY_H2_ENOMEM, "no memory for an HPACK decoder");
      return NULL;
    }
    if (s->table_limit != NGHTTP2_DEFAULT_HEADER_TABLE_SIZE &&
        nghttp2_hd_inflate_change_table_size(s->inflater, s->table_limit) != 0) {
      stop(h2, dir, PROXY_H2_ENOMEM, "the HPACK decoder could not change its table size");
      return NULL;
    }
  }
  return s->inflater;
}

// table_limit_set sets the largest dynamic table the sender of `dir` may
// use: what the receiver announced, but no more than the decoder's limit.
static void table_limit_set(proxy_h2_t *h2, proxy_h2_dir_t dir, uint64_t announced) {
  proxy_h2_side_t *s = &h2->side[dir];
  size_t limit = (size_t)(announced < h2->limits.max_table_size ? announced : h2->limits.max_table_size);
  if (limit == s->table_limit) {
    return;
  }
  s->table_limit = limit;
  if (s->inflater != NULL && nghttp2_hd_inflate_change_table_size(s->inflater, limit) != 0) {
    stop(h2, dir, PROXY_H2_ENOMEM, "the HPACK decoder could not change its table size");
  }
}

// decode_block decodes the header block gathered in direction `dir`.
static void decode_block(proxy_h2_t *h2, proxy_h2_dir_t dir) {
  proxy_h2_side_t *s = &h2->side[dir];
  s->block_open = 0;
  nghttp2_hd_inflater *inflater = inflater_of(h2, dir);
  if (inflater == NULL) {
    return;
  }
  // Whose head is it? A request opens a stream (the client's HEADERS on a
  // new stream, or the origin's PUSH_PROMISE); anything else is a response
  // head or trailers on a stream already open.
  int request = dir == PROXY_H2_FROM_CLIENT || s->block_type == F_PUSH_PROMISE;
  uint32_t id = s->block_type == F_PUSH_PROMISE ? s->block_promised : s->block_stream;
  long idx;
  if (request && id > s->last_opened && (s->block_type == F_PUSH_PROMISE || (id & 1) == 1)) {
    s->last_opened = id;
    idx = stream_open(h2, dir, id, s->block_type == F_PUSH_PROMISE);
  } else {
    idx = stream_find(h2, id);
  }
  if (h2->error != PROXY_H2_OK) {
    return;
  }
  int head = request && idx >= 0 && !h2->streams[idx].request_head_seen;
  const uint8_t *in = s->block.data != NULL ? (const uint8_t *)s->block.data : (const uint8_t *)"";  // may be empty
  size_t left = s->block.len;
  for (;;) {
    nghttp2_nv nv;
    int flags = 0;
    ssize_t n = nghttp2_hd_inflate_hd2(inflater, &nv, &flags, in, left, 1);
    if (n < 0) {
      if (s->table_limit == h2->limits.max_table_size &&
          table_updates_over((const uint8_t *)s->block.data, s->block.len, s->table_limit)) {
        stop(h2, dir, PROXY_H2_EHPACK_TABLE_SIZE, "the %s's encoder asks for a table over %zu bytes (stream %u)",
             dir_name(dir), h2->limits.max_table_size, id);
      } else {
        stop(h2, dir, PROXY_H2_EHPACK, "stream %u, from the %s: %s", id, dir_name(dir),
             nghttp2_strerror((int)n));
      }
      return;
    }
    in += n;
    left -= (size_t)n;
    if (flags & NGHTTP2_HD_INFLATE_EMIT) {
      if (head) {
        on_request_header(h2, dir, idx, &nv);
      } else if (!request) {
        on_response_header(h2, idx, &nv);
      }
      if (h2->error != PROXY_H2_OK) {
        return;
      }
    }
    if (flags & NGHTTP2_HD_INFLATE_FINAL) {
      nghttp2_hd_inflate_end_headers(inflater);
      break;
    }
    if ((flags & NGHTTP2_HD_INFLATE_EMIT) == 0 && left == 0) {
      break;  // not reached with in_final set; kept as a guard against looping
    }
  }
  inspect_buf_reset(&s->block);
  if (idx >= 0) {
    proxy_h2_stream_t *st = &h2->streams[idx];
    if (request) {
      st->request_head_seen = 1;
    }
    if (s->block_end_stream) {
      if (dir == PROXY_H2_FROM_CLIENT) {
        st->request_ended = 1;
      } else {
        st->response_ended = 1;
      }
    }
  }
}

// Frames.

// begin_frame checks the frame header just gathered and sets up its payload.
static void begin_frame(proxy_h2_t *h2, proxy_h2_dir_t dir) {
  proxy_h2_side_t *s = &h2->side[dir];
  proxy_h2_side_t *receiver = &h2->side[!dir];
  s->len = (uint32_t)s->hdr[0] << 16 | (uint32_t)s->hdr[1] << 8 | s->hdr[2];
  s->type = s->hdr[3];
  s->flags = s->hdr[4];
  s->stream = be32(&s->hdr[5]) & 0x7fffffffu;
  s->off = 0;
  s->pad = 0;
  s->entry_len = 0;
  s->cur_stream = -1;
  if (s->frames++ == 0 && s->type != F_SETTINGS) {
    stop(h2, dir, PROXY_H2_EFIRST_FRAME, "the %s's first frame is of type 0x%02x", dir_name(dir), s->type);
    return;
  }
  if (s->len > receiver->max_frame_size) {
    stop(h2, dir, PROXY_H2_EFRAME_SIZE, "a frame of type 0x%02x from the %s has %u bytes, over the %u the %s allows",
         s->type, dir_name(dir), s->len, receiver->max_frame_size, dir_name(!dir));
    return;
  }
  if (s->block_open && (s->type != F_CONTINUATION || s->stream != s->block_stream)) {
    stop(h2, dir, PROXY_H2_ECONTINUATION,
         "a frame of type 0x%02x from the %s on stream %u, inside a header block of stream %u", s->type, dir_name(dir),
         s->stream, s->block_stream);
    return;
  }
  uint32_t padded = (s->flags & FL_PADDED) ? 1 : 0;
  uint32_t exact = UINT32_MAX;  // the length the type requires, if fixed
  int bad_len = 0;
  int on_stream = -1;           // 1: needs a stream, 0: must be on stream 0, -1: either
  switch (s->type) {
    case F_DATA:
      s->prefix_len = padded;
      on_stream = 1;
      break;
    case F_HEADERS:
      s->prefix_len = padded + ((s->flags & FL_PRIORITY) ? 5 : 0);
      on_stream = 1;
      break;
    case F_PRIORITY:
      s->prefix_len = exact = 5;
      on_stream = 1;
      break;
    case F_RST_STREAM:
      s->prefix_len = exact = 4;
      on_stream = 1;
      break;
    case F_SETTINGS:
      s->prefix_len = 0;
      on_stream = 0;
      bad_len = (s->flags & FL_ACK) ? s->len != 0 : s->len % 6 != 0;
      break;
    case F_PUSH_PROMISE:
      s->prefix_len = padded + 4;
      on_stream = 1;
      break;
    case F_PING:
      s->prefix_len = exact = 8;
      on_stream = 0;
      break;
    case F_GOAWAY:
      s->prefix_len = 8;
      on_stream = 0;
      break;
    case F_WINDOW_UPDATE:
      s->prefix_len = exact = 4;
      break;
    case F_CONTINUATION:
      s->prefix_len = 0;
      on_stream = 1;
      if (!s->block_open) {
        stop(h2, dir, PROXY_H2_ECONTINUATION, "CONTINUATION from the %s on stream %u without a header block",
             dir_name(dir), s->stream);
        return;
      }
      break;
    default:
      s->prefix_len = 0;  // an extension frame: ignored (RFC 9113, 4.1)
      break;
  }
  if (bad_len || (exact != UINT32_MAX && s->len != exact) || s->len < s->prefix_len) {
    stop(h2, dir, PROXY_H2_EFRAME_SIZE, "a frame of type 0x%02x from the %s has %u bytes, a wrong length for its type",
         s->type, dir_name(dir), s->len);
    return;
  }
  if ((on_stream == 1 && s->stream == 0) || (on_stream == 0 && s->stream != 0)) {
    stop(h2, dir, PROXY_H2_ESTREAM_ID, "a frame of type 0x%02x from the %s is on stream %u", s->type, dir_name(dir),
         s->stream);
    return;
  }
  switch (s->type) {
    case F_DATA:
    case F_RST_STREAM:
      s->cur_stream = stream_find(h2, s->stream);
      break;
    case F_HEADERS:
    case F_PUSH_PROMISE:
      inspect_buf_reset(&s->block);
      s->block_open = 1;
      s->block_type = s->type;
      s->block_stream = s->stream;
      s->block_end_stream = (s->flags & FL_END_STREAM) != 0;
      break;
    case F_SETTINGS:
      s->settings_table_size = -1;
      break;
    case F_GOAWAY:
      s->goaway.debug_len = 0;
      s->goaway.debug_total = s->len - 8;
      break;
  }
}

// settings_entry takes one SETTINGS parameter the side `dir` announces.
static void settings_entry(proxy_h2_t *h2, proxy_h2_dir_t dir, uint16_t id, uint32_t value) {
  proxy_h2_side_t *s = &h2->side[dir];
  if (id == SET_HEADER_TABLE_SIZE) {
    s->settings_table_size = value;  // the last one counts (RFC 9113, 6.5.3)
  } else if (id == SET_MAX_FRAME_SIZE && value > s->max_frame_size && value <= MAX_MAX_FRAME_SIZE) {
    s->max_frame_size = value;  // the largest ever announced: a passive reader may be lenient
  }
}

// frame_body takes `n` body bytes of the current frame (after its prefix,
// before its padding).
static void frame_body(proxy_h2_t *h2, proxy_h2_dir_t dir, const uint8_t *p, size_t n) {
  proxy_h2_side_t *s = &h2->side[dir];
  switch (s->type) {
    case F_DATA:
      if (s->cur_stream >= 0) {
        proxy_h2_stream_t *st = &h2->streams[s->cur_stream];
        if (dir == PROXY_H2_FROM_CLIENT) {
          st->request_bytes += n;
        } else {
          st->response_bytes += n;
        }
      }
      break;
    case F_HEADERS:
    case F_PUSH_PROMISE:
    case F_CONTINUATION:
      if (!inspect_buf_append(&s->block, p, n)) {
        stop(h2, dir, s->block.len + n > h2->limits.max_header_block ? PROXY_H2_EHEADER_BLOCK_SIZE : PROXY_H2_ENOMEM,
             "a header block from the %s on stream %u is over %zu bytes", dir_name(dir), s->block_stream,
             h2->limits.max_header_block);
      }
      break;
    case F_SETTINGS:
      for (size_t i = 0; i < n; i++) {
        s->entry[s->entry_len++] = p[i];
        if (s->entry_len == 6) {
          s->entry_len = 0;
          settings_entry(h2, dir, (uint16_t)(s->entry[0] << 8 | s->entry[1]), be32(&s->entry[2]));
        }
      }
      break;
    case F_GOAWAY: {
      size_t keep = min_size(n, PROXY_H2_DEBUG_DATA_MAX - s->goaway.debug_len);
      memcpy(s->goaway.debug + s->goaway.debug_len, p, keep);
      s->goaway.debug_len += keep;
      break;
    }
  }
}

// end_frame acts on a frame whose payload has all arrived.
static void end_frame(proxy_h2_t *h2, proxy_h2_dir_t dir) {
  proxy_h2_side_t *s = &h2->side[dir];
  uint32_t padded = (s->flags & FL_PADDED) ? 1 : 0;
  switch (s->type) {
    case F_DATA:
      if ((s->flags & FL_END_STREAM) && s->cur_stream >= 0) {
        proxy_h2_stream_t *st = &h2->streams[s->cur_stream];
        if (dir == PROXY_H2_FROM_CLIENT) {
          st->request_ended = 1;
        } else {
          st->response_ended = 1;
        }
      }
      break;
    case F_HEADERS:
    case F_CONTINUATION:
      if (s->flags & FL_END_HEADERS) {
        decode_block(h2, dir);
      }
      break;
    case F_PUSH_PROMISE:
      s->block_promised = be32(&s->prefix[padded]) & 0x7fffffffu;
      if (s->flags & FL_END_HEADERS) {
        decode_block(h2, dir);
      }
      break;
    case F_RST_STREAM:
      h2->resets++;
      if (s->cur_stream >= 0) {
        proxy_h2_stream_t *st = &h2->streams[s->cur_stream];
        if (!st->reset) {
          st->reset = 1;
          st->reset_by = (uint8_t)dir;
          st->reset_code = be32(s->prefix);
        }
      }
      break;
    case F_SETTINGS:
      if (s->flags & FL_ACK) {
        // `dir` acknowledges the other side's oldest SETTINGS: from now on
        // its encoder honours that side's table size.
        proxy_h2_side_t *other = &h2->side[!dir];
        if (other->num_pending > 0) {
          int64_t size = other->pending_table_size[0];
          other->num_pending--;
          memmove(&other->pending_table_size[0], &other->pending_table_size[1],
                  sizeof(other->pending_table_size[0]) * other->num_pending);
          if (size >= 0) {
            table_limit_set(h2, dir, (uint64_t)size);
          }
        }
        break;
      }
      if (s->num_pending == PROXY_H2_MAX_PENDING_SETTINGS) {
        // Too many unacknowledged: the oldest is taken as applied.
        s->num_pending--;
        memmove(&s->pending_table_size[0], &s->pending_table_size[1],
                sizeof(s->pending_table_size[0]) * s->num_pending);
      }
      s->pending_table_size[s->num_pending++] = s->settings_table_size;
      // A larger table may be used as soon as the peer reads this: allow it
      // now. A smaller one binds the peer's encoder once it acknowledges.
      if (s->settings_table_size > (int64_t)h2->side[!dir].table_limit) {
        table_limit_set(h2, !dir, (uint64_t)s->settings_table_size);
      }
      break;
    case F_GOAWAY:
      s->goaway.seen = 1;
      s->goaway.last_stream_id = be32(s->prefix) & 0x7fffffffu;
      s->goaway.code = be32(&s->prefix[4]);
      break;
  }
}

// frame_payload takes `n` payload bytes of the current frame.
static void frame_payload(proxy_h2_t *h2, proxy_h2_dir_t dir, const uint8_t *p, size_t n) {
  proxy_h2_side_t *s = &h2->side[dir];
  while (n > 0 && h2->error == PROXY_H2_OK) {
    if (s->off < s->prefix_len) {
      size_t k = min_size(n, s->prefix_len - s->off);
      memcpy(s->prefix + s->off, p, k);
      int got_pad_length = (s->flags & FL_PADDED) && s->off == 0 &&
                           (s->type == F_DATA || s->type == F_HEADERS || s->type == F_PUSH_PROMISE);
      s->off += (uint32_t)k;
      p += k;
      n -= k;
      if (got_pad_length) {
        s->pad = s->prefix[0];
        if ((uint64_t)s->prefix_len + s->pad > s->len) {
          stop(h2, dir, PROXY_H2_EPADDING, "a frame of type 0x%02x from the %s has %u bytes of padding in %u",
               s->type, dir_name(dir), s->pad, s->len);
        }
      }
      continue;
    }
    uint32_t body_end = s->len - s->pad;
    if (s->off < body_end) {
      size_t k = min_size(n, body_end - s->off);
      frame_body(h2, dir, p, k);
      s->off += (uint32_t)k;
      p += k;
      n -= k;
      continue;
    }
    size_t k = min_size(n, s->len - s->off);  // padding
    s->off += (uint32_t)k;
    p += k;
    n -= k;
  }
}

void proxy_h2_feed(proxy_h2_t *h2, proxy_h2_dir_t dir, const uint8_t *data, size_t len) {
  proxy_h2_side_t *s = &h2->side[dir];
  while (len > 0 && h2->error == PROXY_H2_OK) {
    switch (s->state) {
      case ST_PREFACE: {
        size_t k = min_size(len, PREFACE_LEN - s->preface_seen);
        if (memcmp(data, kPreface + s->preface_seen, k) != 0) {
          stop(h2, dir, PROXY_H2_EPREFACE, "the client's first %zu bytes differ from the preface",
               s->preface_seen + k);
          return;
        }
        s->preface_seen += k;
        data += k;
        len -= k;
        if (s->preface_seen == PREFACE_LEN) {
          s->state = ST_HEADER;
        }
        break;
      }
      case ST_HEADER: {
        size_t k = min_size(len, sizeof(s->hdr) - s->hdr_len);
        memcpy(s->hdr + s->hdr_len, data, k);
        s->hdr_len += k;
        data += k;
        len -= k;
        if (s->hdr_len < sizeof(s->hdr)) {
          break;
        }
        s->hdr_len = 0;
        begin_frame(h2, dir);
        if (h2->error == PROXY_H2_OK && s->len == 0) {
          end_frame(h2, dir);
        } else {
          s->state = ST_PAYLOAD;
        }
        break;
      }
      case ST_PAYLOAD: {
        size_t k = min_size(len, s->len - s->off);
        frame_payload(h2, dir, data, k);
        data += k;
        len -= k;
        if (h2->error == PROXY_H2_OK && s->off == s->len) {
          end_frame(h2, dir);
          s->state = ST_HEADER;
        }
        break;
      }
    }
  }
}

// The record.

static void json_code(inspect_buf_t *out, uint32_t code) {
  const char *name = proxy_h2_code_name(code);
  inspect_buf_printf(out, "{\"code\":%u,\"name\":", code);
  if (name != NULL) {
    inspect_buf_printf(out, "\"%s\"}", name);
  } else {
    inspect_buf_printf(out, "\"0x%x\"}", code);
  }
}

// authority_host gives the host part of an authority ("h", "h:443", "[::1]:443").
static size_t authority_host(const char *a, const char **port) {
  *port = NULL;
  if (a[0] == '[') {
    const char *end = strchr(a, ']');
    if (end == NULL) {
      return strlen(a);
    }
    if (end[1] == ':') {
      *port = end + 2;
    }
    return (size_t)(end + 1 - a);
  }
  const char *colon = strrchr(a, ':');
  if (colon != NULL && strchr(a, ':') == colon) {
    *port = colon + 1;
    return (size_t)(colon - a);
  }
  return strlen(a);
}

void proxy_h2_json_ecs(const proxy_h2_t *h2, inspect_buf_t *out) {
  if (h2->streams_total == 0) {
    return;
  }
  uint64_t responses = 0;
  for (int i = 1; i < 5; i++) {
    responses += h2->status_classes[i];
  }
  const proxy_h2_stream_t *st = h2->num_streams > 0 ? &h2->streams[0] : NULL;
  inspect_buf_puts(out, ",\"http\":{\"version\":\"2\",\"request\":{");
  if (st != NULL) {
    int comma = 0;
    if (st->method[0] != '\0') {
      inspect_buf_puts(out, "\"method\":");
      inspect_buf_json_string(out, st->method);
      comma = 1;
    }
    if (h2->headers_json.len > 0) {
      inspect_buf_printf(out, "%s\"headers\":{%s}", comma ? "," : "", h2->headers_json.data);
      comma = 1;
    }
    inspect_buf_printf(out, "%s\"body\":{\"bytes\":%llu}", comma ? "," : "", (unsigned long long)st->request_bytes);
  }
  inspect_buf_printf(out, "},\"requests\":%llu,\"responses\":%llu", (unsigned long long)h2->streams_total,
                     (unsigned long long)responses);
  if (st != NULL && st->status != 0) {
    inspect_buf_printf(out, ",\"response\":{\"status_code\":%d,\"body\":{\"bytes\":%llu}}", st->status,
                       (unsigned long long)st->response_bytes);
  }
  inspect_buf_puts(out, "}");
  if (st != NULL && (st->path != NULL || st->authority != NULL)) {
    inspect_buf_puts(out, ",\"url\":{");
    int comma = 0;
    if (st->path != NULL) {
      const char *q = strchr(st->path, '?');
      inspect_buf_puts(out, "\"original\":");
      inspect_buf_json_string(out, st->path);
      inspect_buf_puts(out, ",\"path\":");
      inspect_buf_json_string_len(out, st->path, q != NULL ? (size_t)(q - st->path) : strlen(st->path));
      comma = 1;
    }
    if (st->authority != NULL) {
      const char *port;
      size_t host_len = authority_host(st->authority, &port);
      inspect_buf_printf(out, "%s\"domain\":", comma ? "," : "");
      inspect_buf_json_string_len(out, st->authority, host_len);
      long port_num = port != NULL ? strtol(port, NULL, 10) : 0;
      if (port_num > 0 && port_num < 65536) {
        inspect_buf_printf(out, ",\"port\":%ld", port_num);
      }
      comma = 1;
    }
    if (st->scheme[0] != '\0') {
      inspect_buf_printf(out, "%s\"scheme\":", comma ? "," : "");
      inspect_buf_json_string(out, st->scheme);
    }
    inspect_buf_puts(out, "}");
  }
  if (h2->user_agent[0] != '\0') {
    inspect_buf_puts(out, ",\"user_agent\":{\"original\":");
    inspect_buf_json_string(out, h2->user_agent);
    inspect_buf_puts(out, "}");
  }
}

// json_uint appends `prefix` and the number `v`, without printf: it runs a
// few times for every stream.
static void json_uint(inspect_buf_t *out, const char *prefix, uint64_t v) {
  char digits[24];
  size_t n = sizeof(digits);
  do {
    digits[--n] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0);
  inspect_buf_puts(out, prefix);
  inspect_buf_append(out, digits + n, sizeof(digits) - n);
}

static void json_stream(inspect_buf_t *out, const proxy_h2_stream_t *st) {
  json_uint(out, "{\"id\":", st->id);
  if (st->method[0] != '\0') {
    inspect_buf_puts(out, ",\"method\":");
    inspect_buf_json_string(out, st->method);
  }
  if (st->scheme[0] != '\0') {
    inspect_buf_puts(out, ",\"scheme\":");
    inspect_buf_json_string(out, st->scheme);
  }
  if (st->authority != NULL) {
    inspect_buf_puts(out, ",\"authority\":");
    inspect_buf_json_string(out, st->authority);
  }
  if (st->path != NULL) {
    inspect_buf_puts(out, ",\"path\":");
    inspect_buf_json_string(out, st->path);
  }
  if (st->status != 0) {
    json_uint(out, ",\"status\":", (uint64_t)st->status);
  }
  json_uint(out, ",\"request_bytes\":", st->request_bytes);
  json_uint(out, ",\"response_bytes\":", st->response_bytes);
  inspect_buf_puts(out, st->request_ended && st->response_ended ? ",\"complete\":true" : ",\"complete\":false");
  if (st->pushed) {
    inspect_buf_puts(out, ",\"pushed\":true");
  }
  if (st->reset) {
    inspect_buf_printf(out, ",\"reset\":{\"by\":\"%s\",\"error\":", dir_name((proxy_h2_dir_t)st->reset_by));
    json_code(out, st->reset_code);
    inspect_buf_puts(out, "}");
  }
  inspect_buf_puts(out, "}");
}

void proxy_h2_json_detail(const proxy_h2_t *h2, inspect_buf_t *out) {
  inspect_buf_puts(out, ",\"http2\":{\"streams\":[");
  for (size_t i = 0; i < h2->num_streams; i++) {
    inspect_buf_puts(out, i ? "," : "");
    json_stream(out, &h2->streams[i]);
  }
  inspect_buf_printf(out, "],\"streams_total\":%llu,\"streams_dropped\":%llu,\"resets\":%llu,\"status_classes\":{",
                     (unsigned long long)h2->streams_total, (unsigned long long)h2->streams_dropped,
                     (unsigned long long)h2->resets);
  int comma = 0;
  for (int i = 0; i < 5; i++) {
    if (h2->status_classes[i] > 0) {
      inspect_buf_printf(out, "%s\"%dxx\":%llu", comma ? "," : "", i + 1, (unsigned long long)h2->status_classes[i]);
      comma = 1;
    }
  }
  inspect_buf_puts(out, "}");
  if (h2->side[0].goaway.seen || h2->side[1].goaway.seen) {
    inspect_buf_puts(out, ",\"goaway\":{");
    comma = 0;
    for (int d = 0; d < 2; d++) {
      const proxy_h2_goaway_t *g = &h2->side[d].goaway;
      if (!g->seen) {
        continue;
      }
      inspect_buf_printf(out, "%s\"%s\":{\"last_stream_id\":%u,\"error\":", comma ? "," : "",
                         dir_name((proxy_h2_dir_t)d), g->last_stream_id);
      json_code(out, g->code);
      if (g->debug_total > 0) {
        inspect_buf_puts(out, ",\"debug_data\":");
        inspect_buf_json_string_len(out, (const char *)g->debug, g->debug_len);
        if (g->debug_total > g->debug_len) {
          inspect_buf_printf(out, ",\"debug_data_bytes\":%zu", g->debug_total);
        }
      }
      inspect_buf_puts(out, "}");
      comma = 1;
    }
    inspect_buf_puts(out, "}");
  }
  if (h2->error != PROXY_H2_OK) {
    inspect_buf_printf(out, ",\"error\":{\"code\":\"%s\",\"message\":", proxy_h2_error_name(h2->error));
    inspect_buf_json_string(out, proxy_h2_error_message(h2->error));
    inspect_buf_printf(out, ",\"from\":\"%s\",\"detail\":", dir_name(h2->error_dir));
    inspect_buf_json_string(out, h2->error_detail);
    inspect_buf_puts(out, "}");
  }
  inspect_buf_puts(out, "}");
}

size_t proxy_h2_responses_cut(const proxy_h2_t *h2) {
  size_t cut = 0;
  for (size_t i = 0; i < h2->num_streams; i++) {
    const proxy_h2_stream_t *s = &h2->streams[i];
    cut += s->status != 0 && !s->response_ended && !s->reset;
  }
  return cut;
}
