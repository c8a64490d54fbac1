// Tests of tlsmirror's own answers (proxy/pages.c): every page renders as
// a complete HTTP/1.1 response whose Content-Length is its body's, names
// the verdict behind it, and has every placeholder filled.

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/conn_internal.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

typedef struct {
  char name[40];
  conn_answer_t answer;
  proxy_enforce_t as;
  int verdict;  // a verdict is behind the answer
  int status;
  char in_head[80];
  char in_body[100];
} page_case_t;

ParameterizedTestParameters(pages, render) {
  static page_case_t cases[] = {
      {"tlsmirror's 502", ANSWER_502, PROXY_ENFORCE_NONE, 0, 502, "X-Tlsmirror-Verdict: origin CONNECT_FAILED",
       "tlsmirror could not use the origin origin.test:8443: connection refused (CONNECT_FAILED)."},
      {"CloudFront", ANSWER_PLATFORM, PROXY_ENFORCE_CLOUDFRONT, 1, 502, "X-Cache: Error from cloudfront",
       "<TITLE>ERROR: The request could not be satisfied</TITLE>"},
      {"API Gateway", ANSWER_PLATFORM, PROXY_ENFORCE_APIGATEWAY, 1, 500,
       "x-amzn-ErrorType: InternalServerErrorException", "{\"message\": \"Internal server error\"}"},
      {"Akamai", ANSWER_PLATFORM, PROXY_ENFORCE_AKAMAI, 1, 503, "Server: AkamaiGHost", "Reference #30."},
      {"ALB", ANSWER_PLATFORM, PROXY_ENFORCE_ALB, 0, 502, "Server: awselb/2.0", "<h1>502 Bad Gateway</h1>"},
      {"API Gateway mTLS", ANSWER_FORBIDDEN, PROXY_ENFORCE_APIGATEWAY, 1, 403, "x-amzn-ErrorType: ForbiddenException",
       "{\"message\":\"Forbidden\"}"},
  };
  return cr_make_param_array(page_case_t, cases, COUNT_OF(cases));
}

ParameterizedTest(page_case_t *c, pages, render) {
  static const inspect_verdict_t kVerdict = {"some-profile", "A platform",         0,    INSPECT_REASON_EXPIRED,
                                             "expired",      "users see an error", NULL, NULL};
  proxy_page_input_t in = {
      .answer = c->answer,
      .as = c->as,
      .verdict = c->verdict ? &kVerdict : NULL,
      .origin_host = "origin.test",
      .origin_port = 8443,
      .origin_detail = "connection refused",
      .request_id = "0123456789abcdef0123456789abcdef01234567",
      .now = 1767225600,
  };
  inspect_buf_t out;
  inspect_buf_init(&out, 1 << 20);
  cr_assert_eq(proxy_page_render(&in, &out), c->status, "%s", c->name);
  char status_line[40];
  snprintf(status_line, sizeof(status_line), "HTTP/1.1 %d ", c->status);
  cr_expect_eq(strncmp(out.data, status_line, strlen(status_line)), 0, "%s: %s", c->name, out.data);
  const char *body = strstr(out.data, "\r\n\r\n");
  cr_assert_not_null(body, "%s: no end of head", c->name);
  body += 4;
  const char *length = strstr(out.data, "Content-Length: ");
  cr_assert(length != NULL && length < body, "%s", c->name);
  cr_expect_eq(strtoul(length + 16, NULL, 10), strlen(body), "%s: Content-Length", c->name);
  const char *head_end = body - 4;
  const char *found = strstr(out.data, c->in_head);
  cr_expect(found != NULL && found < head_end, "%s: head lacks %s:\n%s", c->name, c->in_head, out.data);
  cr_expect_not_null(strstr(body, c->in_body), "%s: body lacks %s:\n%s", c->name, c->in_body, body);
  if (c->verdict) {
    cr_expect_not_null(strstr(out.data, "X-Tlsmirror-Verdict: some-profile EXPIRED\r\n"), "%s", c->name);
  }
  static const char *const kPlaceholders[] = {"{id}",   "{id32}",   "{uuid}",   "{akamai_ref}", "{origin}",
                                              "{port}", "{detail}", "{reason}", "{summary}"};
  for (size_t i = 0; i < COUNT_OF(kPlaceholders); i++) {
    cr_expect_null(strstr(out.data, kPlaceholders[i]), "%s: %s left", c->name, kPlaceholders[i]);
  }
  inspect_buf_cleanup(&out);
}

// A request ID in the forms each platform uses.
Test(pages, request_ids) {
  proxy_page_input_t in = {.answer = ANSWER_PLATFORM,
                           .as = PROXY_ENFORCE_APIGATEWAY,
                           .origin_host = "o",
                           .origin_detail = "",
                           .request_id = "0123456789abcdef0123456789abcdef01234567",
                           .now = 1767225600};
  inspect_buf_t out;
  inspect_buf_init(&out, 1 << 20);
  proxy_page_render(&in, &out);
  cr_expect_not_null(strstr(out.data, "x-amzn-RequestId: 01234567-89ab-cdef-0123-456789abcdef\r\n"), "%s", out.data);
  inspect_buf_reset(&out);
  in.as = PROXY_ENFORCE_AKAMAI;
  proxy_page_render(&in, &out);
  cr_expect_not_null(strstr(out.data, "Reference #30.01234567.1767225600.89abcdef\n"), "%s", out.data);
  inspect_buf_reset(&out);
  in.as = PROXY_ENFORCE_CLOUDFRONT;
  proxy_page_render(&in, &out);
  cr_expect_not_null(strstr(out.data, "Via: 1.1 0123456789abcdef0123456789abcdef.cloudfront.net (CloudFront)\r\n"),
                     "%s", out.data);
  cr_expect_not_null(strstr(out.data, "X-Amz-Cf-Id: 0123456789abcdef0123456789abcdef01234567\r\n"), "%s", out.data);
  inspect_buf_cleanup(&out);
}
