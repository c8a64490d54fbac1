// Real HTTP/2 conversations for the decoder's tests, fuzz seeds and
// benchmark: an nghttp2 client session and an nghttp2 server session talk
// through memory, and every byte each one sends is kept, in order, as a
// transcript of segments. What the two sessions themselves saw (each
// stream's request head, status, body bytes, resets, GOAWAYs) is kept too,
// as the truth a passive decoder of the transcript must agree with.
//
// The server answers each complete request by its path:
//   /status/NNN   status NNN with a short body
//   /big/N        200 with an N-byte body
//   /reset/C      RST_STREAM with error code C instead of a response
//   /push         a PUSH_PROMISE of /pushed, then 200 on both streams
//   /trailers     200, a body, then trailers
//   anything else 200 with "hello\n"
// Response heads carry set-cookie and a few more fields; 103 goes first for
// /early.

#ifndef TLSMIRROR_TESTS_PROXY_H2_CONV_H
#define TLSMIRROR_TESTS_PROXY_H2_CONV_H

#include <nghttp2/nghttp2.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy/h2_internal.h"

typedef struct {
  int from_origin;  // 0: client to origin, 1: origin to client
  uint8_t *data;
  size_t len;
} h2c_segment_t;

// What the sessions saw of one stream.
typedef struct {
  int32_t id;
  char method[16];
  char authority[256];
  char path[256];
  char scheme[16];
  int status;               // final status the client received
  uint64_t request_bytes;   // DATA payload the server received
  uint64_t response_bytes;  // DATA payload the client received
  int request_ended, response_ended;
  int reset_by;  // 0 none, 1 client sent RST_STREAM, 2 origin sent it
  uint32_t reset_code;
  int pushed;
} h2c_stream_t;

typedef struct {
  int client_table_size;      // SETTINGS_HEADER_TABLE_SIZE the client announces, -1: default
  int server_table_size;      // the same for the server
  size_t client_deflate_max;  // the client encoder's own table limit (0: nghttp2's 4096)
  unsigned padding;           // padding bytes added to each HEADERS and DATA frame (0: none)
} h2c_options_t;

typedef struct h2c_conv_st h2c_conv_t;

h2c_conv_t *h2c_new(const h2c_options_t *opt);
void h2c_free(h2c_conv_t *conv);
// h2c_request submits a request (body may be NULL); `extra` are more
// header fields; `priority` sends the HEADERS with a PRIORITY block. It
// returns the stream id.
int32_t h2c_request(h2c_conv_t *conv, const char *method, const char *authority, const char *path,
                    const nghttp2_nv *extra, size_t num_extra, const uint8_t *body, size_t body_len, int priority);
// h2c_run exchanges bytes until both sessions are quiet.
void h2c_run(h2c_conv_t *conv);
// h2c_client_reset / h2c_server_goaway / h2c_client_priority submit frames.
void h2c_client_reset(h2c_conv_t *conv, int32_t stream, uint32_t code);
void h2c_server_goaway(h2c_conv_t *conv, uint32_t code, const char *debug);
void h2c_client_priority(h2c_conv_t *conv, int32_t stream);
// h2c_client_stop_reading makes the client stop consuming DATA (no window
// updates), so a large response stalls mid-way.
void h2c_client_stop_reading(h2c_conv_t *conv);

size_t h2c_num_segments(const h2c_conv_t *conv);
const h2c_segment_t *h2c_segment(const h2c_conv_t *conv, size_t i);
// h2c_append_raw adds bytes to the transcript as if `from_origin` sent
// them (for malformed input after a real start).
void h2c_append_raw(h2c_conv_t *conv, int from_origin, const void *data, size_t len);

size_t h2c_num_streams(const h2c_conv_t *conv);
const h2c_stream_t *h2c_stream(const h2c_conv_t *conv, size_t i);
const h2c_stream_t *h2c_stream_by_id(const h2c_conv_t *conv, int32_t id);
// The last GOAWAY each side received: last stream id, code, debug data (-1 code: none).
int64_t h2c_goaway_code(const h2c_conv_t *conv, int sent_by_origin, int32_t *last_stream_id);

// h2c_direction_bytes returns (malloc'd) every byte one side sent, in order.
uint8_t *h2c_direction_bytes(const h2c_conv_t *conv, int from_origin, size_t *len);

// h2c_json_valid checks `s` is one JSON value (RFC 8259), strings in UTF-8.
int h2c_json_valid(const char *s, size_t len);

// h2c_record renders a decoder's record fragments (ECS members and
// "http2") into `out` as one JSON object, and says whether it is valid JSON.
int h2c_record(const proxy_h2_t *h2, inspect_buf_t *out);

#endif  // TLSMIRROR_TESTS_PROXY_H2_CONV_H
