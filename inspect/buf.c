// Growable byte buffer with a hard cap, and JSON string escaping.
//
// Every module that renders text (reports, log records, lab tables) builds it
// here first and writes it out whole, so a record is never interleaved.

#include "inspect/inspect.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void inspect_buf_init(inspect_buf_t *buf, size_t max_len) {
  memset(buf, 0, sizeof(*buf));
  buf->max_len = max_len == 0 ? INSPECT_BUF_DEFAULT_MAX : max_len;
}

void inspect_buf_cleanup(inspect_buf_t *buf) {
  free(buf->data);
  memset(buf, 0, sizeof(*buf));
}

void inspect_buf_reset(inspect_buf_t *buf) {
  buf->len = 0;
  buf->failed = 0;
  if (buf->data != NULL) {
    buf->data[0] = '\0';
  }
}

static int buf_reserve(inspect_buf_t *buf, size_t extra) {
  if (buf->failed) {
    return 0;
  }
  if (extra > buf->max_len || buf->len + extra + 1 > buf->max_len) {
    buf->failed = 1;
    return 0;
  }
  size_t need = buf->len + extra + 1;
  if (need <= buf->cap) {
    return 1;
  }
  size_t cap = buf->cap < 256 ? 256 : buf->cap;
  while (cap < need) {
    cap *= 2;
  }
  if (cap > buf->max_len) {
    cap = buf->max_len;
  }
  char *data = realloc(buf->data, cap);
  if (data == NULL) {
    buf->failed = 1;
    return 0;
  }
  buf->data = data;
  buf->cap = cap;
  return 1;
}

int inspect_buf_append(inspect_buf_t *buf, const void *data, size_t len) {
  if (!buf_reserve(buf, len)) {
    return 0;
  }
  if (len > 0) {
    memcpy(buf->data + buf->len, data, len);
  }
  buf->len += len;
  buf->data[buf->len] = '\0';
  return 1;
}

int inspect_buf_puts(inspect_buf_t *buf, const char *str) { return inspect_buf_append(buf, str, strlen(str)); }

int inspect_buf_printf(inspect_buf_t *buf, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char small[256];
  int n = vsnprintf(small, sizeof(small), fmt, ap);
  va_end(ap);
  if (n < 0) {
    buf->failed = 1;
    return 0;
  }
  if ((size_t)n < sizeof(small)) {
    return inspect_buf_append(buf, small, (size_t)n);
  }
  if (!buf_reserve(buf, (size_t)n)) {
    return 0;
  }
  va_start(ap, fmt);
  vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  buf->len += (size_t)n;
  return 1;
}

int inspect_buf_json_string(inspect_buf_t *buf, const char *str) {
  if (str == NULL) {
    return inspect_buf_puts(buf, "null");
  }
  return inspect_buf_json_string_len(buf, str, strlen(str));
}

int inspect_buf_json_string_len(inspect_buf_t *buf, const char *str, size_t len) {
  static const char hex[] = "0123456789abcdef";
  if (!inspect_buf_append(buf, "\"", 1)) {
    return 0;
  }
  size_t run = 0;  // Start of the current run of bytes that need no escaping.
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)str[i];
    const char *esc = NULL;
    char u[7];
    switch (c) {
      case '"': esc = "\\\""; break;
      case '\\': esc = "\\\\"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      case '\t': esc = "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          u[0] = '\\';
          u[1] = 'u';
          u[2] = '0';
          u[3] = '0';
          u[4] = hex[c >> 4];
          u[5] = hex[c & 15];
          u[6] = '\0';
          esc = u;
        } else if (c >= 0x80) {
          // Peer data is not trusted to be UTF-8: keep valid sequences, replace
          // anything else so the record stays valid JSON.
          size_t n = 0;
          if ((c & 0xe0) == 0xc0 && c >= 0xc2)
            n = 1;
          else if ((c & 0xf0) == 0xe0)
            n = 2;
          else if ((c & 0xf8) == 0xf0 && c <= 0xf4)
            n = 3;
          int ok = n > 0 && i + n < len;
          for (size_t k = 1; ok && k <= n; k++) {
            if (((unsigned char)str[i + k] & 0xc0) != 0x80)
              ok = 0;
          }
          // RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF.
          unsigned char c1 = ok ? (unsigned char)str[i + 1] : 0;
          if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f) || (c == 0xf0 && c1 < 0x90) ||
              (c == 0xf4 && c1 > 0x8f)) {
            ok = 0;
          }
          if (ok) {
            i += n;
            continue;
          }
          esc = "\\ufffd";
        }
        break;
    }
    if (esc != NULL) {
      if (!inspect_buf_append(buf, str + run, i - run) || !inspect_buf_puts(buf, esc)) {
        return 0;
      }
      run = i + 1;
    }
  }
  return inspect_buf_append(buf, str + run, len - run) && inspect_buf_append(buf, "\"", 1);
}
