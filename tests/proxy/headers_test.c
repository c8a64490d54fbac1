// Tests of the request-header log rule (proxy/headers.c): one JSON member
// per header name however often it is sent, secrets redacted, and the
// members always valid JSON.

#include <criterion/criterion.h>
#include <string.h>

#include "proxy/h2_internal.h"

static void add(inspect_buf_t *out, const char *name, const char *value, int redact) {
  proxy_header_json_add(out, name, strlen(name), value, strlen(value), redact);
}

Test(headers, repeated_names_are_one_member) {
  inspect_buf_t out;
  inspect_buf_init(&out, PROXY_HEADERS_JSON_BUF);
  add(&out, "Host", "h.test", 1);
  add(&out, "X-Folded", "a", 1);
  add(&out, "Accept", "*/*", 1);
  add(&out, "x-folded", "b \"quoted\"", 1);
  add(&out, "X-FOLDED", "c", 1);
  cr_assert_str_eq(out.data, "\"Host\":\"h.test\",\"X-Folded\":\"a, b \\\"quoted\\\", c\",\"Accept\":\"*/*\"");
  inspect_buf_cleanup(&out);
}

Test(headers, secrets_stay_redacted_when_repeated) {
  inspect_buf_t out;
  inspect_buf_init(&out, PROXY_HEADERS_JSON_BUF);
  add(&out, "Cookie", "a=1", 1);
  add(&out, "cookie", "b=2", 1);
  add(&out, "Authorization", "Bearer x", 0);
  add(&out, "Authorization", "Bearer y", 0);
  cr_assert_str_eq(out.data, "\"Cookie\":\"[REDACTED]\",\"Authorization\":\"Bearer x, Bearer y\"");
  inspect_buf_cleanup(&out);
}

Test(headers, names_that_need_escaping) {
  inspect_buf_t out;
  inspect_buf_init(&out, PROXY_HEADERS_JSON_BUF);
  add(&out, "X-\"odd\\", "1", 1);
  add(&out, "X-\"ODD\\", "2", 1);
  add(&out, "X-\"odd", "3", 1);  // a prefix of the first name's escaped form: another header
  cr_assert_str_eq(out.data, "\"X-\\\"odd\\\\\":\"1, 2\",\"X-\\\"odd\":\"3\"");
  inspect_buf_cleanup(&out);
}
