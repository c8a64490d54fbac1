// The passive HTTP/2 decoder's header blocks (see h2.c and h2_internal.h):
// the streams they open, their HPACK decoding with each direction's dynamic
// table bounded, and the request and response fields kept per stream.

#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/h2_internal.h"

// Streams.

long proxy_h2__stream_find(proxy_h2_t *h2, uint32_t id) {
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
    cap = proxy_h2__min_size(cap, h2->limits.max_streams);
    proxy_h2_stream_t *grown = realloc(h2->streams, cap * sizeof(*grown));
    if (grown == NULL) {
      proxy_h2__stop(h2, dir, PROXY_H2_ENOMEM, "no memory to record stream %u", id);
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
  size_t n = proxy_h2__min_size(len, dst_len - 1);
  memcpy(dst, src, n);
  dst[n] = '\0';
}

// set_owned keeps the first value seen, cut to `max` bytes.
static void set_owned(proxy_h2_t *h2, proxy_h2_dir_t dir, char **dst, const uint8_t *src, size_t len, size_t max) {
  if (*dst != NULL) {
    return;
  }
  size_t n = proxy_h2__min_size(len, max);
  *dst = malloc(n + 1);
  if (*dst == NULL) {
    proxy_h2__stop(h2, dir, PROXY_H2_ENOMEM, "no memory for a header value");
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
    proxy_header_json_add(&h2->headers_json, (const char *)nv->name, nv->namelen, (const char *)nv->value, nv->valuelen,
                          h2->limits.redact);
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
      proxy_h2__stop(h2, dir, PROXY_H2_ENOMEM, "no memory for an HPACK decoder");
      return NULL;
    }
    if (s->table_limit != NGHTTP2_DEFAULT_HEADER_TABLE_SIZE &&
        nghttp2_hd_inflate_change_table_size(s->inflater, s->table_limit) != 0) {
      proxy_h2__stop(h2, dir, PROXY_H2_ENOMEM, "the HPACK decoder could not change its table size");
      return NULL;
    }
  }
  return s->inflater;
}

// proxy_h2__table_limit_set sets the largest dynamic table the sender of `dir` may
// use: what the receiver announced, but no more than the decoder's limit.
void proxy_h2__table_limit_set(proxy_h2_t *h2, proxy_h2_dir_t dir, uint64_t announced) {
  proxy_h2_side_t *s = &h2->side[dir];
  size_t limit = (size_t)(announced < h2->limits.max_table_size ? announced : h2->limits.max_table_size);
  if (limit == s->table_limit) {
    return;
  }
  s->table_limit = limit;
  if (s->inflater != NULL && nghttp2_hd_inflate_change_table_size(s->inflater, limit) != 0) {
    proxy_h2__stop(h2, dir, PROXY_H2_ENOMEM, "the HPACK decoder could not change its table size");
  }
}

// proxy_h2__decode_block decodes the header block gathered in direction `dir`.
void proxy_h2__decode_block(proxy_h2_t *h2, proxy_h2_dir_t dir) {
  proxy_h2_side_t *s = &h2->side[dir];
  s->block_open = 0;
  nghttp2_hd_inflater *inflater = inflater_of(h2, dir);
  if (inflater == NULL) {
    return;
  }
  // Whose head is it? A request opens a stream (the client's HEADERS on a
  // new stream, or the origin's PUSH_PROMISE); anything else is a response
  // head or trailers on a stream already open.
  int request = dir == PROXY_H2_FROM_CLIENT || s->block_type == PROXY_H2__PUSH_PROMISE;
  uint32_t id = s->block_type == PROXY_H2__PUSH_PROMISE ? s->block_promised : s->block_stream;
  long idx;
  if (request && id > s->last_opened && (s->block_type == PROXY_H2__PUSH_PROMISE || (id & 1) == 1)) {
    s->last_opened = id;
    idx = stream_open(h2, dir, id, s->block_type == PROXY_H2__PUSH_PROMISE);
  } else {
    idx = proxy_h2__stream_find(h2, id);
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
        proxy_h2__stop(h2, dir, PROXY_H2_EHPACK_TABLE_SIZE,
                       "the %s's encoder asks for a table over %zu bytes (stream %u)", proxy_h2__dir_name(dir),
                       h2->limits.max_table_size, id);
      } else {
        proxy_h2__stop(h2, dir, PROXY_H2_EHPACK, "stream %u, from the %s: %s", id, proxy_h2__dir_name(dir),
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
