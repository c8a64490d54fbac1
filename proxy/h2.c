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
  F_PUSH_PROMISE = PROXY_H2__PUSH_PROMISE,
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
    case PROXY_H2_OK: return "OK";
#define PROXY_H2_NAME_CASE(name, msg) \
  case PROXY_H2_E##name: return #name;
      PROXY_H2_ERROR_MAP(PROXY_H2_NAME_CASE)
#undef PROXY_H2_NAME_CASE
  }
  return "UNKNOWN";
}

const char *proxy_h2_error_message(proxy_h2_error_t err) {
  switch (err) {
    case PROXY_H2_OK: return "success";
#define PROXY_H2_MSG_CASE(name, msg) \
  case PROXY_H2_E##name: return msg;
      PROXY_H2_ERROR_MAP(PROXY_H2_MSG_CASE)
#undef PROXY_H2_MSG_CASE
  }
  return "unknown error";
}

const char *proxy_h2_code_name(uint32_t code) {
  static const char *const kNames[] = {
      "NO_ERROR",
      "PROTOCOL_ERROR",
      "INTERNAL_ERROR",
      "FLOW_CONTROL_ERROR",
      "SETTINGS_TIMEOUT",
      "STREAM_CLOSED",
      "FRAME_SIZE_ERROR",
      "REFUSED_STREAM",
      "CANCEL",
      "COMPRESSION_ERROR",
      "CONNECT_ERROR",
      "ENHANCE_YOUR_CALM",
      "INADEQUATE_SECURITY",
      "HTTP_1_1_REQUIRED",
  };
  return code < sizeof(kNames) / sizeof(kNames[0]) ? kNames[code] : NULL;
}

const char *proxy_h2__dir_name(proxy_h2_dir_t dir) { return dir == PROXY_H2_FROM_CLIENT ? "client" : "origin"; }

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

size_t proxy_h2__min_size(size_t a, size_t b) { return a < b ? a : b; }

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

// proxy_h2__stop ends decoding for the connection (the relay is not affected).
void proxy_h2__stop(proxy_h2_t *h2, proxy_h2_dir_t dir, proxy_h2_error_t err, const char *fmt, ...) {
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

// Frames.

// read_header decodes the frame header just gathered and checks it against
// what came before: the side's first frame, the size the receiver allows, a
// header block still open. It returns 0 once decoding stopped.
static int read_header(proxy_h2_t *h2, proxy_h2_dir_t dir) {
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
    proxy_h2__stop(h2, dir, PROXY_H2_EFIRST_FRAME, "the %s's first frame is of type 0x%02x", proxy_h2__dir_name(dir),
                   s->type);
    return 0;
  }
  if (s->len > receiver->max_frame_size) {
    proxy_h2__stop(h2, dir, PROXY_H2_EFRAME_SIZE,
                   "a frame of type 0x%02x from the %s has %u bytes, over the %u the %s allows", s->type,
                   proxy_h2__dir_name(dir), s->len, receiver->max_frame_size, proxy_h2__dir_name(!dir));
    return 0;
  }
  if (s->block_open && (s->type != F_CONTINUATION || s->stream != s->block_stream)) {
    proxy_h2__stop(h2, dir, PROXY_H2_ECONTINUATION,
                   "a frame of type 0x%02x from the %s on stream %u, inside a header block of stream %u", s->type,
                   proxy_h2__dir_name(dir), s->stream, s->block_stream);
    return 0;
  }
  return 1;
}

// check_shape sets the length of the payload's prefix for the frame's type
// and checks the frame's length and stream against the type. It returns 0
// once decoding stopped.
static int check_shape(proxy_h2_t *h2, proxy_h2_dir_t dir) {
  proxy_h2_side_t *s = &h2->side[dir];
  uint32_t padded = (s->flags & FL_PADDED) ? 1 : 0;
  uint32_t exact = UINT32_MAX;  // the length the type requires, if fixed
  int bad_len = 0;
  int on_stream = -1;  // 1: needs a stream, 0: must be on stream 0, -1: either
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
    case F_WINDOW_UPDATE: s->prefix_len = exact = 4; break;
    case F_CONTINUATION:
      s->prefix_len = 0;
      on_stream = 1;
      if (!s->block_open) {
        proxy_h2__stop(h2, dir, PROXY_H2_ECONTINUATION, "CONTINUATION from the %s on stream %u without a header block",
                       proxy_h2__dir_name(dir), s->stream);
        return 0;
      }
      break;
    default:
      s->prefix_len = 0;  // an extension frame: ignored (RFC 9113, 4.1)
      break;
  }
  if (bad_len || (exact != UINT32_MAX && s->len != exact) || s->len < s->prefix_len) {
    proxy_h2__stop(h2, dir, PROXY_H2_EFRAME_SIZE,
                   "a frame of type 0x%02x from the %s has %u bytes, a wrong length for its type", s->type,
                   proxy_h2__dir_name(dir), s->len);
    return 0;
  }
  if ((on_stream == 1 && s->stream == 0) || (on_stream == 0 && s->stream != 0)) {
    proxy_h2__stop(h2, dir, PROXY_H2_ESTREAM_ID, "a frame of type 0x%02x from the %s is on stream %u", s->type,
                   proxy_h2__dir_name(dir), s->stream);
    return 0;
  }
  return 1;
}

// begin_payload sets up what the payload of a well-formed frame fills in.
static void begin_payload(proxy_h2_t *h2, proxy_h2_dir_t dir) {
  proxy_h2_side_t *s = &h2->side[dir];
  switch (s->type) {
    case F_DATA:
    case F_RST_STREAM: s->cur_stream = proxy_h2__stream_find(h2, s->stream); break;
    case F_HEADERS:
    case F_PUSH_PROMISE:
      inspect_buf_reset(&s->block);
      s->block_open = 1;
      s->block_type = s->type;
      s->block_stream = s->stream;
      s->block_end_stream = (s->flags & FL_END_STREAM) != 0;
      break;
    case F_SETTINGS: s->settings_table_size = -1; break;
    case F_GOAWAY:
      s->goaway.debug_len = 0;
      s->goaway.debug_total = s->len - 8;
      break;
  }
}

// begin_frame checks the frame header just gathered and sets up its payload.
static void begin_frame(proxy_h2_t *h2, proxy_h2_dir_t dir) {
  if (read_header(h2, dir) && check_shape(h2, dir)) {
    begin_payload(h2, dir);
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
        proxy_h2__stop(h2, dir,
                       s->block.len + n > h2->limits.max_header_block ? PROXY_H2_EHEADER_BLOCK_SIZE : PROXY_H2_ENOMEM,
                       "a header block from the %s on stream %u is over %zu bytes", proxy_h2__dir_name(dir),
                       s->block_stream, h2->limits.max_header_block);
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
      size_t keep = proxy_h2__min_size(n, PROXY_H2_DEBUG_DATA_MAX - s->goaway.debug_len);
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
        proxy_h2__decode_block(h2, dir);
      }
      break;
    case F_PUSH_PROMISE:
      s->block_promised = be32(&s->prefix[padded]) & 0x7fffffffu;
      if (s->flags & FL_END_HEADERS) {
        proxy_h2__decode_block(h2, dir);
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
            proxy_h2__table_limit_set(h2, dir, (uint64_t)size);
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
        proxy_h2__table_limit_set(h2, !dir, (uint64_t)s->settings_table_size);
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
      size_t k = proxy_h2__min_size(n, s->prefix_len - s->off);
      memcpy(s->prefix + s->off, p, k);
      int got_pad_length = (s->flags & FL_PADDED) && s->off == 0 &&
                           (s->type == F_DATA || s->type == F_HEADERS || s->type == F_PUSH_PROMISE);
      s->off += (uint32_t)k;
      p += k;
      n -= k;
      if (got_pad_length) {
        s->pad = s->prefix[0];
        if ((uint64_t)s->prefix_len + s->pad > s->len) {
          proxy_h2__stop(h2, dir, PROXY_H2_EPADDING, "a frame of type 0x%02x from the %s has %u bytes of padding in %u",
                         s->type, proxy_h2__dir_name(dir), s->pad, s->len);
        }
      }
      continue;
    }
    uint32_t body_end = s->len - s->pad;
    if (s->off < body_end) {
      size_t k = proxy_h2__min_size(n, body_end - s->off);
      frame_body(h2, dir, p, k);
      s->off += (uint32_t)k;
      p += k;
      n -= k;
      continue;
    }
    size_t k = proxy_h2__min_size(n, s->len - s->off);  // padding
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
        size_t k = proxy_h2__min_size(len, PREFACE_LEN - s->preface_seen);
        if (memcmp(data, kPreface + s->preface_seen, k) != 0) {
          proxy_h2__stop(h2, dir, PROXY_H2_EPREFACE, "the client's first %zu bytes differ from the preface",
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
        size_t k = proxy_h2__min_size(len, sizeof(s->hdr) - s->hdr_len);
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
        size_t k = proxy_h2__min_size(len, s->len - s->off);
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
