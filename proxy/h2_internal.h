// Internal to proxy/: the passive HTTP/2 decoder, and what the log keeps of
// a request header (shared with the HTTP/1.1 observer, proxy/http.c).
//
// HTTP/2 bytes are relayed unchanged both ways; proxy_h2_t only reads a copy
// of them, one direction at a time, and never answers. It follows the frame
// layer (client preface, frame headers, padding, CONTINUATION, SETTINGS and
// their ACKs), decodes every header block with nghttp2's standalone HPACK
// inflater (one per direction, so the dynamic tables stay in step with the
// peers'), and keeps per stream what the record reports: method, scheme,
// authority, path, final status, DATA bytes each way, END_STREAM and
// RST_STREAM, plus each side's last GOAWAY. It needs no libuv.
//
// Limits bound its memory whatever the peers send: streams recorded per
// connection (the rest are counted as dropped, their header blocks still
// decoded to keep HPACK in step), bytes of one header block, and the HPACK
// dynamic table of each direction (the receiver's SETTINGS_HEADER_TABLE_SIZE,
// but no more than the limit). A malformed frame, a header block over the
// limit or an HPACK error stops decoding for the connection with a named
// error; the relay is not affected.

#ifndef TLSMIRROR_PROXY_H2_INTERNAL_H
#define TLSMIRROR_PROXY_H2_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "inspect/inspect.h"

// Request headers in the log (HTTP/1.1 and HTTP/2 alike).
//
// proxy_header_is_secret says whether a header's value is a credential the
// log redacts (Authorization, Proxy-Authorization, Cookie, Set-Cookie; any case).
int proxy_header_is_secret(const char *name, size_t name_len);
// proxy_header_json_add appends `"name":"value"` to the JSON members in `out`
// (a comma first unless `out` is empty), the name cut to
// PROXY_HEADER_NAME_MAX bytes, the value to PROXY_HEADER_VALUE_MAX and
// "[REDACTED]" for secrets when `redact` is set; nothing once `out` holds
// PROXY_HEADERS_JSON_MAX bytes. A member that does not fit in `out` (a
// buffer of PROXY_HEADERS_JSON_BUF bytes always fits one) is left out whole.
#define PROXY_HEADERS_JSON_MAX 16384
#define PROXY_HEADERS_JSON_BUF (1 << 16)
#define PROXY_HEADER_NAME_MAX 127
#define PROXY_HEADER_VALUE_MAX 1024
void proxy_header_json_add(inspect_buf_t *out, const char *name, size_t name_len, const char *value, size_t value_len,
                           int redact);

// Why decoding stopped: a code for queries, a message for people.
#define PROXY_H2_ERROR_MAP(XX)                                                                   \
  XX(PREFACE, "the client's first bytes are not the HTTP/2 connection preface")                  \
  XX(FIRST_FRAME, "a side's first frame is not SETTINGS")                                        \
  XX(FRAME_SIZE, "a frame is longer than its receiver allows, or the wrong length for its type") \
  XX(PADDING, "a frame's padding is longer than its payload")                                    \
  XX(STREAM_ID, "a frame is on a stream its type does not allow")                                \
  XX(CONTINUATION, "a header block was interrupted before END_HEADERS")                          \
  XX(HEADER_BLOCK_SIZE, "a header block is larger than the decoder's limit")                     \
  XX(HPACK_TABLE_SIZE, "the HPACK dynamic table would be larger than the decoder's limit")       \
  XX(HPACK, "a header block does not decode (HPACK)")                                            \
  XX(NOMEM, "out of memory")

typedef enum {
  PROXY_H2_OK = 0,
#define PROXY_H2_ERROR_ENUM(name, msg) PROXY_H2_E##name,
  PROXY_H2_ERROR_MAP(PROXY_H2_ERROR_ENUM)
#undef PROXY_H2_ERROR_ENUM
} proxy_h2_error_t;

const char *proxy_h2_error_name(proxy_h2_error_t err);
const char *proxy_h2_error_message(proxy_h2_error_t err);
// proxy_h2_code_name names an HTTP/2 error code (RFC 9113, section 7), or
// returns NULL for a code it does not define.
const char *proxy_h2_code_name(uint32_t code);

typedef enum { PROXY_H2_FROM_CLIENT = 0, PROXY_H2_FROM_ORIGIN = 1 } proxy_h2_dir_t;

typedef struct {
  unsigned max_streams;     // streams recorded per connection (default 100)
  size_t max_header_block;  // bytes of one HEADERS/PUSH_PROMISE + CONTINUATION block (default 64 KiB)
  size_t max_table_size;    // HPACK dynamic table bytes per direction (default 64 KiB, at least 4096)
  int redact;               // replace Authorization/Cookie/Set-Cookie values in the log
} proxy_h2_limits_t;

#define PROXY_H2_DEFAULT_MAX_STREAMS 100
#define PROXY_H2_DEFAULT_MAX_HEADER_BLOCK (64 * 1024)
#define PROXY_H2_DEFAULT_MAX_TABLE_SIZE (64 * 1024)
#define PROXY_H2_DEBUG_DATA_MAX 128  // GOAWAY debug data kept for the log

typedef struct {
  uint32_t id;
  char method[16];
  char scheme[16];
  char *authority;              // NULL until seen; owned
  char *path;                   // NULL until seen; owned
  int status;                   // the final (non-1xx) status, 0 until seen
  uint64_t request_bytes;       // DATA payload from the client, padding excluded
  uint64_t response_bytes;      // DATA payload from the origin, padding excluded
  unsigned request_ended : 1;   // END_STREAM from the client
  unsigned response_ended : 1;  // END_STREAM from the origin
  unsigned pushed : 1;          // promised by the origin (PUSH_PROMISE)
  unsigned reset : 1;
  unsigned request_head_seen : 1;  // later request blocks are trailers
  uint8_t reset_by;                // a proxy_h2_dir_t
  uint32_t reset_code;
} proxy_h2_stream_t;

typedef struct {
  unsigned seen : 1;
  uint32_t last_stream_id;
  uint32_t code;
  uint8_t debug[PROXY_H2_DEBUG_DATA_MAX];
  size_t debug_len;    // bytes kept in `debug`
  size_t debug_total;  // debug data bytes sent
} proxy_h2_goaway_t;

struct nghttp2_hd_inflater;

#define PROXY_H2_MAX_PENDING_SETTINGS 8

// One direction of the connection: the frames its sender writes.
typedef struct {
  int state;            // where the frame parser is (h2.c)
  size_t preface_seen;  // bytes of the client preface matched so far
  uint8_t hdr[9];       // the frame header being gathered
  size_t hdr_len;
  uint32_t len;  // current frame: payload length, type, flags, stream
  uint8_t type, flags;
  uint32_t stream;
  uint32_t off;         // payload bytes consumed
  uint32_t prefix_len;  // bytes before the body (pad length, priority, promised id, fixed fields)
  uint32_t pad;         // padding bytes at the end
  uint8_t prefix[8];
  uint8_t entry[6];  // a SETTINGS entry being gathered
  size_t entry_len;
  // The header block being gathered (HEADERS or PUSH_PROMISE, then CONTINUATION).
  inspect_buf_t block;
  int block_open;  // waiting for CONTINUATION
  uint8_t block_type;
  uint32_t block_stream;    // the stream the block's frame is on
  uint32_t block_promised;  // PUSH_PROMISE: the promised stream
  int block_end_stream;
  struct nghttp2_hd_inflater *inflater;  // decodes this direction's header blocks
  size_t table_limit;                    // the largest dynamic table its sender may use now
  int64_t settings_table_size;           // HEADER_TABLE_SIZE in the SETTINGS being read, -1: none
  // HEADER_TABLE_SIZE of this side's SETTINGS not yet acknowledged by the
  // other side, oldest first (-1: not in that SETTINGS): the limit of the
  // other direction's encoder once it ACKs.
  int64_t pending_table_size[PROXY_H2_MAX_PENDING_SETTINGS];
  unsigned num_pending;
  uint32_t max_frame_size;  // the largest frame this side has said it accepts
  uint32_t last_opened;     // the highest stream this side opened (HEADERS, PUSH_PROMISE)
  long cur_stream;          // the recorded stream the current frame is on, or -1
  proxy_h2_goaway_t goaway;
  uint64_t frames;
} proxy_h2_side_t;

typedef struct {
  proxy_h2_limits_t limits;
  proxy_h2_side_t side[2];     // indexed by proxy_h2_dir_t
  proxy_h2_stream_t *streams;  // recorded streams, in the order they opened
  size_t num_streams, cap_streams;
  uint64_t streams_total;      // streams opened (by the client, or promised)
  uint64_t streams_dropped;    // of those, not recorded (limit reached)
  uint64_t resets;             // RST_STREAM frames, both ways
  uint64_t status_classes[5];  // final statuses by class: 1xx (unused) .. 5xx
  inspect_buf_t headers_json;  // the first recorded stream's request headers as JSON members
  char user_agent[256];        // the first recorded stream's User-Agent
  size_t last_lookup;          // index of the last stream found (frames come in runs)
  uint32_t last_recorded[2];   // the highest recorded stream id, even and odd
  proxy_h2_error_t error;      // why decoding stopped, or PROXY_H2_OK
  proxy_h2_dir_t error_dir;
  char error_detail[192];
} proxy_h2_t;

// proxy_h2_init prepares a decoder; `limits` (NULL for the defaults) may
// leave members 0 for their default. It allocates nothing until fed.
void proxy_h2_init(proxy_h2_t *h2, const proxy_h2_limits_t *limits);
void proxy_h2_cleanup(proxy_h2_t *h2);
// proxy_h2_feed observes `len` bytes the side `dir` sent, in order. After an
// error it returns at once.
void proxy_h2_feed(proxy_h2_t *h2, proxy_h2_dir_t dir, const uint8_t *data, size_t len);

// The record. proxy_h2_json_ecs appends the ECS members
// `,"http":{...},"url":{...},"user_agent":{...}` (the first stream's, with
// http.version "2"); nothing if no stream opened. proxy_h2_json_detail
// appends `,"http2":{...}` for the tlsmirror object: every recorded stream,
// counts, each side's GOAWAY and the error that stopped decoding.
void proxy_h2_json_ecs(const proxy_h2_t *h2, inspect_buf_t *out);
// proxy_h2_responses_cut counts recorded streams whose response began (a
// final status) but neither ended nor was reset: at the origin's close,
// responses it cut short.
size_t proxy_h2_responses_cut(const proxy_h2_t *h2);
void proxy_h2_json_detail(const proxy_h2_t *h2, inspect_buf_t *out);

// Shared by the decoder's files only: h2.c (the frame layer), h2_block.c
// (streams and header blocks) and h2_record.c (the record).
#define PROXY_H2__PUSH_PROMISE 0x5                   // the frame type
const char *proxy_h2__dir_name(proxy_h2_dir_t dir);  // "client" or "origin"
size_t proxy_h2__min_size(size_t a, size_t b);
// proxy_h2__stop ends decoding for the connection (the relay is not affected).
void proxy_h2__stop(proxy_h2_t *h2, proxy_h2_dir_t dir, proxy_h2_error_t err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
// proxy_h2__stream_find returns the index of recorded stream `id`, or -1.
long proxy_h2__stream_find(proxy_h2_t *h2, uint32_t id);
// proxy_h2__table_limit_set bounds the HPACK dynamic table of the blocks `dir`
// sends by what the receiver announced, within the decoder's limit.
void proxy_h2__table_limit_set(proxy_h2_t *h2, proxy_h2_dir_t dir, uint64_t announced);
// proxy_h2__decode_block decodes the header block `dir` completed (END_HEADERS).
void proxy_h2__decode_block(proxy_h2_t *h2, proxy_h2_dir_t dir);

#endif  // TLSMIRROR_PROXY_H2_INTERNAL_H
