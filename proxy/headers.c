// What the log keeps of request headers, for HTTP/1.1 (http.c) and HTTP/2
// (h2.c) alike. See h2_internal.h.

#include <string.h>
#include <strings.h>

#include "proxy/h2_internal.h"

int proxy_header_is_secret(const char *name, size_t name_len) {
  static const char *const kSecrets[] = {"authorization", "proxy-authorization", "cookie", "set-cookie"};
  for (size_t i = 0; i < sizeof(kSecrets) / sizeof(kSecrets[0]); i++) {
    size_t n = strlen(kSecrets[i]);
    if (n == name_len && strncasecmp(name, kSecrets[i], n) == 0) {
      return 1;
    }
  }
  return 0;
}

// json_string_end returns the offset just past the JSON string that starts
// (with its quote) at `at` in `json`, or 0 if there is none.
static size_t json_string_end(const char *json, size_t len, size_t at) {
  if (at >= len || json[at] != '"') {
    return 0;
  }
  for (size_t i = at + 1; i < len; i++) {
    if (json[i] == '\\') {
      i++;
    } else if (json[i] == '"') {
      return i + 1;
    }
  }
  return 0;
}

// find_member returns the offset of the closing quote of the value of the
// member named `name` (a JSON string, compared without regard to case), or 0.
static size_t find_member(const inspect_buf_t *out, const char *name, size_t name_len) {
  size_t at = 0;
  while (at < out->len) {
    size_t name_end = json_string_end(out->data, out->len, at);
    size_t value_end = name_end != 0 && name_end < out->len && out->data[name_end] == ':'
                           ? json_string_end(out->data, out->len, name_end + 1)
                           : 0;
    if (value_end == 0) {
      return 0;
    }
    if (name_end - at == name_len && strncasecmp(out->data + at, name, name_len) == 0) {
      return value_end - 1;
    }
    at = value_end + 1;  // past the comma
  }
  return 0;
}

void proxy_header_json_add(inspect_buf_t *out, const char *name, size_t name_len, const char *value, size_t value_len,
                           int redact) {
  if (out->len >= PROXY_HEADERS_JSON_MAX) {
    return;
  }
  size_t before = out->len;
  int secret = redact && proxy_header_is_secret(name, name_len);
  if (value_len > PROXY_HEADER_VALUE_MAX) {
    value_len = PROXY_HEADER_VALUE_MAX;
  }
  // A header sent twice (or continued on an obs-fold line) is one member,
  // its values joined with ", " (RFC 9110, 5.3): JSON keys must be unique.
  inspect_buf_t key;
  inspect_buf_init(&key, PROXY_HEADER_NAME_MAX * 6 + 2);
  inspect_buf_json_string_len(&key, name, name_len < PROXY_HEADER_NAME_MAX ? name_len : PROXY_HEADER_NAME_MAX);
  size_t quote = key.failed ? 0 : find_member(out, key.data, key.len);
  if (quote != 0) {
    if (!secret) {
      inspect_buf_t more;
      inspect_buf_init(&more, PROXY_HEADER_VALUE_MAX * 6 + 4);
      inspect_buf_puts(&more, ", ");
      inspect_buf_json_string_len(&more, value, value_len);
      // Into the existing value, before its closing quote: ", " and the new
      // value without its own quotes.
      size_t add = more.len - 2;
      if (!more.failed && inspect_buf_append(out, more.data, add) && out->len <= PROXY_HEADERS_JSON_MAX) {
        memmove(out->data + quote + add, out->data + quote, out->len - add - quote);
        memcpy(out->data + quote, more.data, 2);
        memcpy(out->data + quote + 2, more.data + 3, add - 2);
      } else if (out->data != NULL) {
        out->len = before;  // it does not fit: the value stays as it was
        out->data[before] = '\0';
      }
      inspect_buf_cleanup(&more);
    }
    inspect_buf_cleanup(&key);
    return;
  }
  inspect_buf_puts(out, out->len ? "," : "");
  inspect_buf_append(out, key.data, key.len);
  inspect_buf_puts(out, ":");
  if (secret) {
    inspect_buf_puts(out, "\"[REDACTED]\"");
  } else {
    inspect_buf_json_string_len(out, value, value_len);
  }
  if ((out->failed || key.failed) && out->data != NULL) {
    out->len = before;  // no half member: what is there stays valid JSON
    out->data[before] = '\0';
  }
  inspect_buf_cleanup(&key);
}
