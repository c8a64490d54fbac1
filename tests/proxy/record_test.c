// Tests of the connection record (proxy/record.c) as a function of a view:
// who rejected the connection, read from the legs' states, for every
// combination the proxy can end in, and the record's shape for each.

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "proxy/conn_internal.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

typedef struct {
  char name[64];
  conn_client_state_t client;
  conn_serve_t serve;
  conn_origin_state_t origin;
  inspect_hs_status_t origin_hs;
  int origin_alert;  // -1: none
  int client_alert;  // the client's alert, -1: none
  char client_tls_error[40];
  char close_reason[40];
  unsigned requests;
  conn_answer_t answer;
  int enforced;       // an --as verdict rejects the origin
  int mtls_rejected;  // the client certificate is refused (ALB verify, or API Gateway with ANSWER_FORBIDDEN)
  // Expected.
  char rejected_by[32];
  char summary[80];  // a part of the summary
  char record[64];   // a part of the record
} view_case_t;

ParameterizedTestParameters(record, rejected_by) {
  static view_case_t cases[] = {
      {"closed before a ClientHello", CLIENT_AWAIT_HELLO, SERVE_NOTHING, ORIGIN_NOT_STARTED, INSPECT_HS_NONE, -1, -1,
       "", "", 0, ANSWER_NONE, 0, 0, "client", "before sending a ClientHello", "\"served\":\"nothing\""},
      {"not a ClientHello", CLIENT_AWAIT_HELLO, SERVE_NOTHING, ORIGIN_NOT_STARTED, INSPECT_HS_NONE, -1, -1,
       "WRONG_VERSION_NUMBER", "", 0, ANSWER_NONE, 0, 0, "client", "were not a TLS ClientHello (WRONG_VERSION_NUMBER)",
       "\"established\":false"},
      {"no ClientHello in time", CLIENT_AWAIT_HELLO, SERVE_NOTHING, ORIGIN_NOT_STARTED, INSPECT_HS_NONE, -1, -1, "",
       "the client sent no ClientHello in time", 0, ANSWER_NONE, 0, 0, "client", "No ClientHello: the client sent no",
       "\"reason\":\"the client sent no ClientHello in time\""},
      {"refused over --max-conns", CLIENT_REFUSED, SERVE_NOTHING, ORIGIN_NOT_STARTED, INSPECT_HS_NONE, -1, -1, "",
       "over --max-conns", 0, ANSWER_NONE, 0, 0, "client", "No ClientHello: over --max-conns",
       "\"outcome\":\"failure\""},
      {"plain HTTP", CLIENT_PLAIN_HTTP, SERVE_NOTHING, ORIGIN_NOT_STARTED, INSPECT_HS_NONE, -1, -1, "HTTP_REQUEST", "",
       0, ANSWER_NONE, 0, 0, "client", "plain HTTP to the TLS port", "\"established\":false"},
      {"origin alert", CLIENT_FAILED, SERVE_ALERT, ORIGIN_FAILED, INSPECT_HS_ALERT, 40, -1, "", "", 0, ANSWER_NONE, 0,
       0, "origin", "The origin failed the connection", "\"served\":\"alert\""},
      {"origin unreachable, 502", CLIENT_ESTABLISHED, SERVE_STANDIN, ORIGIN_FAILED, INSPECT_HS_CONNECT_FAILED, -1, -1,
       "", "", 1, ANSWER_502, 0, 0, "origin", "The origin failed the connection", "\"served\":\"stand-in\""},
      {"tlsmirror's own limit, 502", CLIENT_ESTABLISHED, SERVE_STANDIN, ORIGIN_OWN_LIMIT, INSPECT_HS_OK, -1, -1, "", "",
       1, ANSWER_502, 0, 0, "tlsmirror", "tlsmirror's own TLS library (BoringSSL) refused the origin's leaf",
       "\"handshake\":\"ok\""},
      {"alert after the origin's handshake", CLIENT_ESTABLISHED, SERVE_MIRROR, ORIGIN_ESTABLISHED, INSPECT_HS_OK, 116,
       -1, "", "", 1, ANSWER_NONE, 0, 0, "origin", "The origin failed the connection", "\"handshake\":\"ok\""},
      {"client alert in its handshake", CLIENT_FAILED, SERVE_MIRROR, ORIGIN_ESTABLISHED, INSPECT_HS_OK, -1, 48, "", "",
       0, ANSWER_NONE, 0, 0, "client", "with a fatal unknown_ca alert", "\"alert_received\":{\"number\":48"},
      {"client closed in its handshake", CLIENT_FAILED, SERVE_MIRROR, ORIGIN_ESTABLISHED, INSPECT_HS_OK, -1, -1, "", "",
       0, ANSWER_NONE, 0, 0, "client", "during the handshake without an alert", "\"served\":\"mirror\""},
      {"client gave up waiting for the origin", CLIENT_FAILED, SERVE_NOTHING, ORIGIN_HANDSHAKING, INSPECT_HS_NONE, -1,
       -1, "", "", 0, ANSWER_NONE, 0, 0, "none", "The connection was relayed.", "\"origin\":{}"},
      {"no request after the handshake", CLIENT_ESTABLISHED, SERVE_MIRROR, ORIGIN_ESTABLISHED, INSPECT_HS_OK, -1, -1,
       "", "", 0, ANSWER_NONE, 0, 0, "client", "then closed without a request", "\"established\":true"},
      {"relayed", CLIENT_ESTABLISHED, SERVE_MIRROR, ORIGIN_ESTABLISHED, INSPECT_HS_OK, -1, -1, "", "", 1, ANSWER_NONE,
       0, 0, "none", "The connection was relayed.", "\"outcome\":\"success\""},
      {"--as rejects the origin", CLIENT_ESTABLISHED, SERVE_STANDIN, ORIGIN_ESTABLISHED, INSPECT_HS_OK, -1, -1, "", "",
       1, ANSWER_PLATFORM, 1, 0, "cloudfront-origin", "cloudfront-origin rejects the origin (MISSING_INTERMEDIATE)",
       "\"rejected_by\":\"cloudfront-origin\""},
      {"ALB verify refuses the client", CLIENT_FAILED, SERVE_STANDIN, ORIGIN_ESTABLISHED, INSPECT_HS_OK, -1, -1, "", "",
       0, ANSWER_NONE, 0, 1, "alb-mtls", "ALB (verify mode) refuses the client certificate", "\"served\""},
      {"API Gateway 403", CLIENT_ESTABLISHED, SERVE_STANDIN, ORIGIN_ESTABLISHED, INSPECT_HS_OK, -1, -1, "", "", 1,
       ANSWER_FORBIDDEN, 0, 1, "alb-mtls", "API Gateway (mutual TLS) refuses the client certificate", "\"served\""},
  };
  return cr_make_param_array(view_case_t, cases, COUNT_OF(cases));
}

ParameterizedTest(view_case_t *c, record, rejected_by) {
  static const inspect_verdict_t kEnforced = {"cloudfront-origin",
                                              "CloudFront",
                                              0,
                                              INSPECT_REASON_MISSING_INTERMEDIATE,
                                              "If the full chain ... is not present",
                                              "viewers get 502",
                                              NULL,
                                              NULL};
  static const inspect_verdict_t kClient = {
      "alb-mtls", "ALB", 0, INSPECT_REASON_UNTRUSTED_ROOT, "Failed:ClientCertUntrusted", "the handshake fails",
      NULL,       NULL};
  conn_hello_t hello;
  memset(&hello, 0, sizeof(hello));
  hello.has_sni = 1;
  strcpy(hello.sni, "good.lab.test");
  conn_client_t client;
  memset(&client, 0, sizeof(client));
  client.state = c->client;
  client.serve = c->serve;
  client.rejected = c->mtls_rejected ? &kClient : NULL;
  if (c->client == CLIENT_ESTABLISHED) {
    strcpy(client.version, "TLSv1.3");
  }
  conn_origin_t origin;
  memset(&origin, 0, sizeof(origin));
  origin.state = c->origin;
  origin.hs.status = c->origin_hs;
  origin.hs.alert = c->origin_alert;
  origin.pending_alert = -1;
  origin.enforced = c->enforced ? &kEnforced : NULL;
  strcpy(origin.host, "good.lab.test");
  origin.port = 443;
  proxy_http_t http;
  memset(&http, 0, sizeof(http));
  http.requests = c->requests;
  proxy_record_view_t view = {
      .start_ms = 1767225600123,
      .duration_ns = 5000000,
      .source_ip = "127.0.0.1",
      .source_port = 40000,
      .hello = &hello,
      .client = &client,
      .origin = &origin,
      .http = &http,
      .answer = c->answer,
      .close_reason = c->close_reason[0] != '\0' ? c->close_reason : NULL,
      .bytes_to_origin = c->requests * 100u,
      .client_alert_received = c->client_alert,
      .client_alert_sent = -1,
      .client_tls_error = c->client_tls_error,
  };
  inspect_buf_t out, scratch;
  inspect_buf_init(&out, 1 << 20);
  inspect_buf_init(&scratch, 1 << 16);
  const char *summary;
  const char *who = proxy_record_render(&view, &out, &scratch, &summary);
  cr_assert(!out.failed);
  cr_expect_str_eq(who, c->rejected_by, "%s: rejected_by %s (%s)", c->name, who, summary);
  cr_expect_not_null(strstr(summary, c->summary), "%s: summary: %s", c->name, summary);
  cr_expect_not_null(strstr(out.data, c->record), "%s: record: %s", c->name, out.data);
  // One line of JSON, the summary and who in it.
  cr_expect_eq(strchr(out.data, '\n'), out.data + out.len - 1, "%s: not one line", c->name);
  cr_expect_eq(strncmp(out.data, "{\"@timestamp\":\"2026-01-01T00:00:00.123Z\"", 40), 0, "%s: %s", c->name, out.data);
  char member[128];
  snprintf(member, sizeof(member), "\"rejected_by\":\"%s\"", who);
  cr_expect_not_null(strstr(out.data, member), "%s", c->name);
  // The same answer when asked without rendering.
  inspect_buf_reset(&scratch);
  const char *summary2;
  cr_expect_str_eq(proxy_record_rejected_by(&view, &summary2, &scratch), who);
  inspect_buf_cleanup(&out);
  inspect_buf_cleanup(&scratch);
}

// The phases' times and the chain the client was served, for the web view.
Test(record, timeline_and_served_chain) {
  conn_hello_t hello;
  memset(&hello, 0, sizeof(hello));
  conn_client_t client;
  memset(&client, 0, sizeof(client));
  client.state = CLIENT_ESTABLISHED;
  client.serve = SERVE_MIRROR;
  conn_origin_t origin;
  memset(&origin, 0, sizeof(origin));
  origin.state = ORIGIN_ESTABLISHED;
  origin.hs.status = INSPECT_HS_OK;
  origin.hs.alert = -1;
  proxy_http_t http;
  memset(&http, 0, sizeof(http));
  static const uint8_t kDer[] = {0x30, 0x03, 0x02, 0x01, 0x07};
  CRYPTO_BUFFER *served[1] = {CRYPTO_BUFFER_new(kDer, sizeof(kDer), NULL)};
  proxy_record_view_t view = {
      .start_ms = 1767225600123,
      .duration_ns = 9000000,
      .source_ip = "127.0.0.1",
      .hello = &hello,
      .client = &client,
      .origin = &origin,
      .http = &http,
      .client_alert_received = -1,
      .client_alert_sent = -1,
      .client_tls_error = "",
      .t_client_hello = 1500000,
      .t_origin_connected = 2000000,
      .t_origin_handshake = 4250000,
      .t_client_handshake = 6000000,
      .served_chain = served,
      .served_chain_len = 1,
  };
  inspect_buf_t out, scratch;
  inspect_buf_init(&out, 1 << 20);
  inspect_buf_init(&scratch, 1 << 16);
  const char *summary;
  proxy_record_render(&view, &out, &scratch, &summary);
  cr_expect_not_null(strstr(out.data,
                            "\"timeline\":{\"client_hello\":1.500,\"origin_connected\":2.000,"
                            "\"origin_handshake\":4.250,\"client_handshake\":6.000,\"closed\":9.000}"),
                     "%s", out.data);
  cr_expect_not_null(strstr(out.data,
                            "\"mirror\":{\"certificate_chain\":[\"-----BEGIN CERTIFICATE-----\\nMAMCAQc=\\n"
                            "-----END CERTIFICATE-----\\n\"]}"),
                     "%s", out.data);
  view.served_chain = NULL;
  inspect_buf_reset(&out);
  proxy_record_render(&view, &out, &scratch, &summary);
  cr_expect_null(strstr(out.data, "\"mirror\":{"), "no chain served, no member");
  CRYPTO_BUFFER_free(served[0]);
  inspect_buf_cleanup(&out);
  inspect_buf_cleanup(&scratch);
}
