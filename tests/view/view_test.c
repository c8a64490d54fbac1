// Tests of view/: the JSON reader on broken and hostile input, HTML escaping
// of everything a record carries (a certificate whose subject is a <script>
// element, SNI, paths, headers, findings), the chain drawing's marks, and the
// report document.

#include <criterion/criterion.h>
#include <openssl/bytestring.h>
#include <openssl/ec_key.h>
#include <openssl/evp.h>
#include <openssl/mem.h>
#include <openssl/obj.h>
#include <openssl/x509.h>
#include <string.h>
#include <time.h>

#include "view/view_internal.h"

static view_json_t *parse(const char *text, int *err, view_arena_t *arena) {
  view_json_t *root = NULL;
  *err = view_json_parse(text, strlen(text), arena, &root);
  return root;
}

Test(json, reads_values_and_paths) {
  view_arena_t arena = {0};
  int err;
  view_json_t *root =
      parse("{\"a\":{\"b\":[1,2.5,-3e2]},\"s\":\"x\\u00e9\\ud83d\\ude00\\n\",\"t\":true,\"n\":null}", &err, &arena);
  cr_assert_eq(err, 0);
  cr_assert_eq(view_json_get(root, "a.b")->len, 3);
  cr_assert_float_eq(view_json_get(root, "a.b")->child->next->num, 2.5, 1e-9);
  cr_assert_str_eq(view_json_str(root, "s"), "x\xC3\xA9\xF0\x9F\x98\x80\n");
  cr_assert_eq(view_json_num(root, "t", 0), 1);
  cr_assert_eq(view_json_get(root, "n")->type, VIEW_JSON_NULL);
  cr_assert_null(view_json_get(root, "a.b.c"));
  cr_assert_null(view_json_str(root, "missing"));
  view_arena_free(&arena);
}

Test(json, tells_truncated_from_not_json) {
  static const struct {
    const char *text;
    int err;
  } kCases[] = {
      {"{\"a\":", VIEW_ETRUNCATED},
      {"{\"a\":\"unterminated", VIEW_ETRUNCATED},
      {"[1,2", VIEW_ETRUNCATED},
      {"{\"a\":tr", VIEW_ETRUNCATED},
      {"", VIEW_ETRUNCATED},
      {"hello", VIEW_ENOT_JSON},
      {"{\"a\" 1}", VIEW_ENOT_JSON},
      {"{\"a\":1}x", VIEW_ENOT_JSON},
      {"[1,]", VIEW_ENOT_JSON},
      {"\"bad \\q escape\"", VIEW_ENOT_JSON},
      {"\"ctl \x01\"", VIEW_ENOT_JSON},
  };
  for (size_t i = 0; i < sizeof(kCases) / sizeof(kCases[0]); i++) {
    view_arena_t arena = {0};
    int err;
    parse(kCases[i].text, &err, &arena);
    cr_expect_eq(err, kCases[i].err, "%s: %d", kCases[i].text, err);
    view_arena_free(&arena);
  }
}

Test(json, bounds_depth_and_keeps_nul_out) {
  char deep[400];
  memset(deep, '[', 200);
  memset(deep + 200, ']', 199);
  deep[399] = '\0';
  view_arena_t arena = {0};
  int err;
  parse(deep, &err, &arena);
  cr_assert_eq(err, VIEW_ENOT_JSON);
  view_arena_free(&arena);
  view_json_t *root = parse("\"a\\u0000b\"", &err, &arena);
  cr_assert_eq(err, 0);
  cr_assert_str_eq(root->str,
                   "a\xEF\xBF\xBD"
                   "b");
  view_arena_free(&arena);
}

Test(record, foreign_json_is_not_a_record) {
  view_record_t *rec;
  cr_assert_eq(view_record_parse("{\"a\":1}", 7, &rec), VIEW_EFOREIGN);
  cr_assert_eq(view_record_parse("[1]", 3, &rec), VIEW_EFOREIGN);
  cr_assert_eq(view_record_parse("{\"tlsmirror\":5}", 15, &rec), VIEW_EFOREIGN);
  cr_assert_eq(view_record_parse("{\"tlsmirror\":{}}\n", 17, &rec), 0);
  cr_assert_str_eq(view_record_rejected_by(rec), "none");
  view_record_free(rec);
}

// evil_pem mints a self-signed certificate whose subject is HTML.
static void evil_pem(inspect_buf_t *out, const char *cn, int64_t not_after_days) {
  EC_KEY *ec = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
  cr_assert(ec != NULL && EC_KEY_generate_key(ec));
  EVP_PKEY *key = EVP_PKEY_new();
  EVP_PKEY_assign_EC_KEY(key, ec);
  X509 *x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_NAME *name = X509_NAME_new();
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const uint8_t *)cn, -1, -1, 0);
  X509_set_subject_name(x, name);
  X509_set_issuer_name(x, name);
  X509_NAME_free(name);
  X509_gmtime_adj(X509_getm_notBefore(x), -86400 * 30);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400 * not_after_days);
  X509_set_pubkey(x, key);
  cr_assert(X509_sign(x, key, EVP_sha256()));
  uint8_t *der = NULL;
  int len = i2d_X509(x, &der);
  cr_assert(len > 0);
  inspect_pem_append_cert(out, der, (size_t)len);
  OPENSSL_free(der);
  X509_free(x);
  EVP_PKEY_free(key);
}

// A record with HTML in every field a peer or a client controls.
static view_record_t *evil_record(int64_t expired) {
  inspect_buf_t pem, rec;
  inspect_buf_init(&pem, 1 << 20);
  inspect_buf_init(&rec, 1 << 20);
  evil_pem(&pem, "<script>alert(1)</script>", expired ? -1 : 30);
  char now[INSPECT_TIME_STR_LEN];
  inspect_time_format_rfc3339((int64_t)time(NULL), now);  // the certificate is minted relative to now
  inspect_buf_printf(&rec, "{\"@timestamp\":\"%s\",\"destination\":{\"address\":\"o\\\"rigin\",", now);
  inspect_buf_puts(&rec,
                   "\"port\":443},\"tls\":{\"client\":{\"server_name\":\"<img src=x onerror=alert(2)>\"},"
                   "\"server\":{\"certificate_chain\":[");
  inspect_buf_json_string(&rec, pem.data);
  inspect_buf_puts(&rec,
                   "]}},\"http\":{\"request\":{\"method\":\"GET\",\"headers\":{\"<x>\":\"<script>h</script>\"}},"
                   "\"requests\":1,\"responses\":1},\"url\":{\"original\":\"/<svg onload=alert(3)>\"},"
                   "\"tlsmirror\":{\"findings\":[{\"code\":\"SELF_SIGNED\",\"severity\":\"error\","
                   "\"cert_index\":0,\"detail\":\"<b>x</b>\"}],\"verdicts\":[{\"profile\":\"<p>\","
                   "\"platform\":\"<i>\",\"accept\":false,\"reason\":\"SELF_SIGNED\",\"message\":\"<u>m</u>\","
                   "\"effect\":\"'e'\"}],\"rejected_by\":\"<p>\",\"summary\":\"<s>sum</s>\"}}");
  view_record_t *r = NULL;
  cr_assert_eq(view_record_parse(rec.data, rec.len, &r), 0);
  inspect_buf_cleanup(&pem);
  inspect_buf_cleanup(&rec);
  return r;
}

// no_markup checks that none of the record's HTML made it through unescaped.
static void no_markup(const char *html) {
  static const char *const kForbidden[] = {"<script", "<img", "<svg", "<b>x", "<u>",
                                           "<i>",     "<p>",  "<s>",  "<x>",  "o\"rigin"};
  for (size_t i = 0; i < sizeof(kForbidden) / sizeof(kForbidden[0]); i++) {
    cr_expect_null(strstr(html, kForbidden[i]), "found %s", kForbidden[i]);
  }
}

Test(render, escapes_everything_from_the_record) {
  view_record_t *rec = evil_record(0);
  inspect_buf_t out;
  inspect_buf_init(&out, 1 << 24);
  view_conn_html(rec, 1, &out);
  view_row_html(rec, 1, &out);
  cr_assert(!out.failed);
  no_markup(out.data);
  cr_expect(strstr(out.data, "<b class=\"cn\">&lt;script&gt;alert(1)&lt;/script&gt;</b>") != NULL);
  cr_expect(strstr(out.data, "&lt;img src=x onerror=alert(2)&gt;") != NULL);
  cr_expect(strstr(out.data, "/&lt;svg onload=alert(3)&gt;") != NULL);
  cr_expect(strstr(out.data, "data-host=\"o&quot;rigin\"") != NULL);
  cr_expect(strstr(out.data, "&#39;e&#39;") != NULL);
  inspect_buf_cleanup(&out);
  view_record_free(rec);
}

Test(render, row_json_is_json) {
  view_record_t *rec = evil_record(0);
  inspect_buf_t out;
  inspect_buf_init(&out, 1 << 24);
  view_row_json(rec, 42, &out);
  view_arena_t arena = {0};
  view_json_t *root = NULL;
  cr_assert_eq(view_json_parse(out.data, out.len, &arena, &root), 0);
  cr_assert_eq(view_json_num(root, "id", 0), 42);
  cr_assert_str_eq(view_json_str(root, "rejected_by"), "<p>");  // JSON data, escaped when it becomes HTML
  cr_assert_str_eq(view_json_str(root, "sni"), "<img src=x onerror=alert(2)>");
  no_markup(view_json_str(root, "html"));
  view_arena_free(&arena);
  inspect_buf_cleanup(&out);
  view_record_free(rec);
}

Test(render, marks_an_expired_self_signed_certificate) {
  view_record_t *rec = evil_record(1);
  inspect_buf_t out;
  inspect_buf_init(&out, 1 << 24);
  view_conn_html(rec, 1, &out);
  cr_expect(strstr(out.data, "class=\"card m-expired\"") != NULL);
  cr_expect(strstr(out.data, ">EXPIRED<") != NULL);
  cr_expect(strstr(out.data, ">self-signed<") != NULL);
  cr_expect(strstr(out.data, "MISSING") == NULL, "a self-signed chain misses nothing");
  inspect_buf_cleanup(&out);
  view_record_free(rec);
}

static int collect(void *arg, const char *data, size_t len) { return inspect_buf_append(arg, data, len) ? 0 : -1; }

Test(report, counts_skips_and_inlines_its_assets) {
  view_report_t *report = view_report_new("my <log>", 2);
  static const char kLine[] =
      "{\"tlsmirror\":{\"rejected_by\":\"client\"},\"tls\":{\"client\":{\"server_name\":\"a\"}}}";
  cr_assert_eq(view_report_add(report, kLine, strlen(kLine)), 0);
  cr_assert_eq(view_report_add(report, "{\"x\":", 5), VIEW_ETRUNCATED);
  cr_assert_eq(view_report_add(report, "  \n", 3), 0);  // blank: neither a record nor a skip
  cr_assert_eq(view_report_add(report, kLine, strlen(kLine)), 0);
  cr_assert_eq(view_report_add(report, kLine, strlen(kLine)), 0);
  cr_assert_eq(view_report_num_records(report), 3);
  cr_assert_eq(view_report_num_kept(report), 2);
  cr_assert_eq(view_report_num_skipped(report), 1);
  inspect_buf_t out;
  inspect_buf_init(&out, 1 << 24);
  cr_assert_eq(view_report_write(report, collect, &out), 0);
  cr_assert(strstr(out.data, "<meta name=\"tlsmirror-mode\" content=\"report\">") != NULL);
  cr_assert(strstr(out.data, "<link rel=\"stylesheet\"") == NULL && strstr(out.data, "<style>") != NULL);
  cr_assert(strstr(out.data, "<script src=") == NULL && strstr(out.data, "<script>") != NULL);
  cr_assert(strstr(out.data, "my &lt;log&gt;") != NULL);
  cr_assert(strstr(out.data, "3 records read; this report shows the newest 2") != NULL);
  cr_assert(strstr(out.data, "1 line skipped (first: line 2)") != NULL);
  cr_assert(strstr(out.data, "rejected by client<b>3</b>") != NULL);
  // The newest first: lines 5 then 4; line 1 fell out.
  const char *r5 = strstr(out.data, "id=\"r-5\""), *r4 = strstr(out.data, "id=\"r-4\"");
  cr_assert(r5 != NULL && r4 != NULL && r5 < r4 && strstr(out.data, "id=\"r-1\"") == NULL);
  inspect_buf_cleanup(&out);
  view_report_free(report);
}

Test(assets, are_embedded) {
  cr_assert_not_null(view_asset_find("index.html"));
  cr_assert_not_null(view_asset_find("app.js"));
  cr_assert_str_eq(view_asset_find("style.css")->type, "text/css; charset=utf-8");
  cr_assert_null(view_asset_find("../etc/passwd"));
}
