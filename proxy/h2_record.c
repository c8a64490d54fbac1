// The passive HTTP/2 decoder's record (see h2_internal.h): the first stream's
// ECS fields, and the tlsmirror.http2 detail of every recorded stream.

#include <stdlib.h>
#include <string.h>

#include "proxy/h2_internal.h"

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
    inspect_buf_printf(out, ",\"reset\":{\"by\":\"%s\",\"error\":", proxy_h2__dir_name((proxy_h2_dir_t)st->reset_by));
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
                         proxy_h2__dir_name((proxy_h2_dir_t)d), g->last_stream_id);
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
    inspect_buf_printf(out, ",\"from\":\"%s\",\"detail\":", proxy_h2__dir_name(h2->error_dir));
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
