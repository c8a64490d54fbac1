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

void proxy_header_json_add(inspect_buf_t *out, const char *name, size_t name_len, const char *value, size_t value_len,
                           int redact) {
  if (out->len >= PROXY_HEADERS_JSON_MAX) {
    return;
  }
  size_t before = out->len;
  inspect_buf_puts(out, out->len ? "," : "");
  inspect_buf_json_string_len(out, name, name_len < PROXY_HEADER_NAME_MAX ? name_len : PROXY_HEADER_NAME_MAX);
  inspect_buf_puts(out, ":");
  if (redact && proxy_header_is_secret(name, name_len)) {
    inspect_buf_puts(out, "\"[REDACTED]\"");
  } else {
    inspect_buf_json_string_len(out, value, value_len < PROXY_HEADER_VALUE_MAX ? value_len : PROXY_HEADER_VALUE_MAX);
  }
  if (out->failed && out->data != NULL) {
    out->len = before;  // no half member: what is there stays valid JSON
    out->data[before] = '\0';
  }
}
