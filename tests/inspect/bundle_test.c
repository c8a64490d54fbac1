// Table-driven tests of the CA bundle lint (inspect/bundle.c) under the
// alb-mtls and apigateway-mtls rules: the violations in order, what --fix
// keeps, and that the cleaned bundle passes.

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "inspect/inspect.h"
#include "tests/inspect/testpki.h"

// Criterion runs each parameter in a new process: strings are held inline.
typedef struct {
  char name[40];
  char profile[20];
  char tokens[200];  // the file, as testpki.h tokens
  char want[200];    // the violation codes, in order
  int want_kept;     // certificates the cleaned bundle keeps
} lint_case_t;

ParameterizedTestParameters(bundle, lint) {
  static lint_case_t cases[] = {
      {"good chain", "alb-mtls", "root inter", "", 2},
      {"good chain", "apigateway-mtls", "root inter", "", 2},
      {"three levels and strong keys", "alb-mtls", "root inter inter2 rsa2048 p384", "", 5},
      {"ALB comments without a dash", "alb-mtls", "# root # inter", "", 2},
      {"comment with a dash", "alb-mtls", "#- root inter", "BAD_COMMENT", 2},
      {"comments are text to API Gateway", "apigateway-mtls", "# root inter", "NON_PEM_DATA", 2},
      {"blank lines", "alb-mtls", "root blank inter blank", "BLANK_LINE", 2},
      {"blank lines are fine for API Gateway", "apigateway-mtls", "root blank inter blank", "", 2},
      {"openssl -text output", "alb-mtls", "junk junk root inter junk", "NON_PEM_DATA NON_PEM_DATA", 2},
      {"CRLF line ends", "alb-mtls", "crlf:root crlf:inter", "", 2},
      {"a leaf", "alb-mtls", "root inter leaf", "NOT_CA", 2},
      {"a leaf", "apigateway-mtls", "root inter leaf", "NOT_CA", 2},
      {"a CA without basicConstraints", "alb-mtls", "root nobc", "NOT_CA", 1},
      {"a private key", "alb-mtls", "root key inter", "NOT_CERTIFICATE", 2},
      {"broken base64", "alb-mtls", "root badb64 inter", "BAD_PEM", 2},
      {"a block that is not X.509", "apigateway-mtls", "root notder inter", "BAD_DER", 2},
      {"a block without END", "alb-mtls", "root inter noend", "BAD_PEM", 2},
      {"expired CA", "alb-mtls", "root inter expired", "EXPIRED", 2},
      {"CA not valid yet", "apigateway-mtls", "root notyet", "NOT_YET_VALID", 1},
      {"SHA-1 CA", "alb-mtls", "root sha1", "WEAK_SIGNATURE", 1},
      {"SHA-224 CA", "apigateway-mtls", "root sha224", "UNSUPPORTED_SIGNATURE", 1},
      {"RSA-1024 CA", "apigateway-mtls", "root rsa1024", "WEAK_KEY", 1},
      {"P-224 CA", "alb-mtls", "root p224", "WEAK_KEY", 1},
      {"Ed25519 CA", "alb-mtls", "root ed25519", "UNSUPPORTED_KEY", 1},
      {"X.509 v1 root", "alb-mtls", "v1root", "NOT_V3", 0},
      {"X.509 v1 root is a CA to API Gateway", "apigateway-mtls", "v1root", "", 1},
      {"duplicate", "alb-mtls", "root inter inter", "DUPLICATE", 2},
      {"intermediate without its root", "apigateway-mtls", "orphan", "ISSUER_MISSING", 0},
      {"intermediate without its root", "alb-mtls", "root orphan", "ISSUER_MISSING", 1},
      {"issuer by name only (another key)", "alb-mtls", "root stale", "ISSUER_MISSING", 1},
      // Removing a CA orphans what it issued: the fix removes both.
      {"expired CA with a child", "alb-mtls", "root expired child-of-expired inter", "EXPIRED", 2},
      {"weak CA with a child", "apigateway-mtls", "root child-of-rsa1024 rsa1024", "WEAK_KEY", 1},
      {"four CAs deep", "apigateway-mtls", "root d1 d2 d3", "", 4},
      {"five CAs deep", "apigateway-mtls", "root d1 d2 d3 d4", "CHAIN_TOO_DEEP", 4},
      {"five CAs deep, shuffled", "alb-mtls", "d4 d2 root d3 d1", "CHAIN_TOO_DEEP", 4},
      {"25 CAs", "alb-mtls", "root many:24", "", 25},
      {"26 CAs", "alb-mtls", "root many:25", "TOO_MANY_CAS", 25},
      {"26 CAs are fine for API Gateway", "apigateway-mtls", "root many:25", "", 26},
      {"subject names over 10000 bytes", "alb-mtls", "root bigsubj1 bigsubj2 bigsubj3 bigsubj4 bigsubj5",
       "SUBJECTS_TOO_LARGE", 5},
      {"everything at once", "alb-mtls", "#- junk root blank leaf sha1 key inter inter orphan",
       "BAD_COMMENT NON_PEM_DATA BLANK_LINE NOT_CA WEAK_SIGNATURE NOT_CERTIFICATE DUPLICATE ISSUER_MISSING", 2},
  };
  return cr_make_param_array(lint_case_t, cases, sizeof(cases) / sizeof(cases[0]));
}

static void codes_of(const inspect_bundle_t *b, char *out, size_t out_len) {
  size_t len = 0;
  out[0] = '\0';
  for (size_t i = 0; i < inspect_bundle_num_violations(b) && len < out_len; i++) {
    len += (size_t)snprintf(out + len, out_len - len, "%s%s", i ? " " : "", inspect_bundle_get0_violation(b, i)->code);
  }
}

ParameterizedTest(lint_case_t *c, bundle, lint) {
  const inspect_profile_t *profile = inspect_profile_find(c->profile);
  cr_assert(inspect_profile_has_bundle_rules(profile), "%s", c->profile);
  inspect_buf_t text;
  inspect_buf_init(&text, 0);
  tp_text(c->tokens, &text);
  inspect_bundle_t *b = NULL;
  cr_assert_eq(inspect_bundle_lint((const uint8_t *)text.data, text.len, profile, TP_NOW, &b), INSPECT_OK, "%s",
               c->name);
  char got[512];
  codes_of(b, got, sizeof(got));
  cr_assert_str_eq(got, c->want, "%s under %s: got [%s], want [%s]", c->name, c->profile, got, c->want);
  for (size_t i = 0; i < inspect_bundle_num_violations(b); i++) {
    const inspect_bundle_violation_t *v = inspect_bundle_get0_violation(b, i);
    cr_assert(v->detail != NULL && v->detail[0] != '\0' && v->suggestion != NULL && v->suggestion[0] != '\0',
              "%s: %s has a detail and a suggestion", c->name, v->code);
    cr_assert(v->entry < (int)inspect_bundle_num_entries(b));
  }
  cr_assert_eq(inspect_bundle_num_kept(b), (size_t)c->want_kept, "%s: keeps %zu, want %d", c->name,
               inspect_bundle_num_kept(b), c->want_kept);

  // The cleaned bundle passes the same rules and holds what was kept.
  if (c->want_kept > 0) {
    inspect_buf_t fixed;
    inspect_buf_init(&fixed, 0);
    cr_assert_eq(inspect_bundle_write_fixed(b, &fixed), INSPECT_OK);
    inspect_bundle_t *again = NULL;
    cr_assert_eq(inspect_bundle_lint((const uint8_t *)fixed.data, fixed.len, profile, TP_NOW, &again), INSPECT_OK);
    codes_of(again, got, sizeof(got));
    cr_assert_str_eq(got, "", "%s: the cleaned bundle still breaks [%s]", c->name, got);
    cr_assert_eq(inspect_bundle_num_certs(again), (size_t)c->want_kept);
    size_t k = 0;
    for (size_t i = 0; i < inspect_bundle_num_entries(b); i++) {
      const inspect_bundle_entry_t *e = inspect_bundle_get0_entry(b, i);
      if (e->cert != NULL && e->removed == NULL) {
        const inspect_cert_info_t *want = inspect_cert_get0_info(e->cert);
        const inspect_cert_info_t *have = inspect_cert_get0_info(inspect_bundle_get0_entry(again, k++)->cert);
        cr_assert(memcmp(want->sha256, have->sha256, 32) == 0, "%s: kept in file order", c->name);
      }
    }
    inspect_bundle_free(again);
    inspect_buf_cleanup(&fixed);
  }
  // A compliant bundle loses nothing; every removal says why.
  for (size_t i = 0; i < inspect_bundle_num_entries(b); i++) {
    const inspect_bundle_entry_t *e = inspect_bundle_get0_entry(b, i);
    if (c->want[0] == '\0') {
      cr_assert_null(e->removed, "%s: #%zu removed from a compliant bundle", c->name, i);
    }
    if (e->removed != NULL) {
      cr_assert(e->removed[0] != '\0');
    }
  }
  inspect_bundle_free(b);
  inspect_buf_cleanup(&text);
}

// Inputs that cannot be linted at all are errors, not violations.
typedef struct {
  char name[32];
  char bytes[48];
  size_t len;
  int want_err;
} error_case_t;

ParameterizedTestParameters(bundle, unreadable) {
  static error_case_t cases[] = {
      {"empty", "", 0, INSPECT_ENO_CERTIFICATE},
      {"plain text", "hello, this is not a bundle\n", 28, INSPECT_ENO_CERTIFICATE},
      {"binary junk", "\x01\x02\x03\x04", 4, INSPECT_ENO_CERTIFICATE},
      {"DER-looking junk", "\x30\x03\x01\x02\x03", 5, INSPECT_EBAD_DER},
  };
  return cr_make_param_array(error_case_t, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(error_case_t *c, bundle, unreadable) {
  inspect_bundle_t *b = (inspect_bundle_t *)1;
  int err = inspect_bundle_lint((const uint8_t *)c->bytes, c->len, inspect_profile_find("alb-mtls"), TP_NOW, &b);
  cr_assert_eq(err, c->want_err, "%s: got %s", c->name, inspect_err_name(err));
  cr_assert_null(b);
}

Test(bundle, profiles_without_bundle_rules_are_refused) {
  inspect_bundle_t *b = NULL;
  cr_assert_eq(inspect_bundle_lint((const uint8_t *)"x", 1, inspect_profile_find("openssl"), TP_NOW, &b),
               INSPECT_EBAD_PROFILE);
  cr_assert_not(inspect_profile_has_bundle_rules(inspect_profile_find("cloudfront-origin")));
  cr_assert(inspect_profile_has_bundle_rules(inspect_profile_find("alb-mtls")));
  cr_assert(inspect_profile_has_bundle_rules(inspect_profile_find("apigateway-mtls")));
}

Test(bundle, der_input_is_not_pem_and_the_fix_converts_it) {
  size_t len;
  const uint8_t *der = tp_der("root", &len);
  inspect_bundle_t *b = NULL;
  cr_assert_eq(inspect_bundle_lint(der, len, inspect_profile_find("alb-mtls"), TP_NOW, &b), INSPECT_OK);
  cr_assert_not(inspect_bundle_is_pem(b));
  cr_assert_eq(inspect_bundle_num_violations(b), 1);
  cr_assert_str_eq(inspect_bundle_get0_violation(b, 0)->code, "NOT_PEM");
  cr_assert_eq(inspect_bundle_num_kept(b), 1);
  inspect_buf_t fixed;
  inspect_buf_init(&fixed, 0);
  cr_assert_eq(inspect_bundle_write_fixed(b, &fixed), INSPECT_OK);
  cr_assert(strncmp(fixed.data, "-----BEGIN CERTIFICATE-----\n", 28) == 0);
  inspect_bundle_t *again = NULL;
  cr_assert_eq(
      inspect_bundle_lint((const uint8_t *)fixed.data, fixed.len, inspect_profile_find("alb-mtls"), TP_NOW, &again),
      INSPECT_OK);
  cr_assert(inspect_bundle_is_pem(again));
  cr_assert_eq(inspect_bundle_num_violations(again), 0);
  const inspect_cert_info_t *info = inspect_cert_get0_info(inspect_bundle_get0_entry(again, 0)->cert);
  cr_assert(info->der_len == len && memcmp(info->der, der, len) == 0, "the DER survives the conversion");
  inspect_bundle_free(again);
  inspect_buf_cleanup(&fixed);
  inspect_bundle_free(b);
}

Test(bundle, entries_keep_the_exact_text_and_line) {
  inspect_buf_t text;
  inspect_buf_init(&text, 0);
  tp_text("# crlf:root blank inter", &text);
  inspect_bundle_t *b = NULL;
  cr_assert_eq(inspect_bundle_lint((const uint8_t *)text.data, text.len, NULL, TP_NOW, &b), INSPECT_OK);
  cr_assert_eq(inspect_bundle_num_entries(b), 2);
  cr_assert_eq(inspect_bundle_num_violations(b), 0, "a NULL profile only parses");
  const inspect_bundle_entry_t *root = inspect_bundle_get0_entry(b, 0);
  const inspect_bundle_entry_t *inter = inspect_bundle_get0_entry(b, 1);
  cr_assert_eq(root->line, 2);
  cr_assert_str_eq(root->label, "CERTIFICATE");
  // The block runs from its BEGIN line to the end of its END line, CRLF included.
  const char *begin = strstr(text.data, "-----BEGIN");
  const char *end = strstr(text.data, "-----END CERTIFICATE-----\r\n");
  cr_assert(begin != NULL && end != NULL);
  cr_assert_eq(root->text_len, (size_t)(end + strlen("-----END CERTIFICATE-----\r\n") - begin));
  cr_assert(memcmp(root->text, begin, root->text_len) == 0);
  cr_assert_eq(inter->text[inter->text_len - 1], '\n');
  cr_assert(strncmp((const char *)inter->text, "-----BEGIN CERTIFICATE-----\n", 28) == 0);
  // The root's block has as many lines as the intermediate's start is below it, minus the blank line.
  size_t root_lines = 0;
  for (size_t i = 0; i < root->text_len; i++) {
    root_lines += root->text[i] == '\n';
  }
  cr_assert_eq(inter->line, root->line + root_lines + 1);
  inspect_bundle_free(b);
  inspect_buf_cleanup(&text);
}

Test(bundle, lint_is_at_the_given_time) {
  inspect_buf_t text;
  inspect_buf_init(&text, 0);
  tp_text("root inter expired", &text);
  const inspect_profile_t *alb = inspect_profile_find("alb-mtls");
  inspect_bundle_t *b = NULL;
  // Before it expired, the expired CA was fine.
  cr_assert_eq(inspect_bundle_lint((const uint8_t *)text.data, text.len, alb, TP_NOW - 30 * 86400, &b), INSPECT_OK);
  cr_assert_eq(inspect_bundle_num_violations(b), 0);
  inspect_bundle_free(b);
  cr_assert_eq(inspect_bundle_lint((const uint8_t *)text.data, text.len, alb, TP_NOW, &b), INSPECT_OK);
  cr_assert_eq(inspect_bundle_num_violations(b), 1);
  const inspect_bundle_violation_t *v = inspect_bundle_get0_violation(b, 0);
  cr_assert_eq(v->entry, 2);
  cr_assert_str_eq(v->platform_text, "Failed:ClientCertExpired");
  cr_assert(strstr(v->suggestion, "remove certificate #2 (test expired CA)") == v->suggestion, "%s", v->suggestion);
  cr_assert_str_eq(inspect_bundle_get0_entry(b, 2)->removed, "it expired at 2026-11-22T08:49:00Z");
  cr_assert(strstr(v->suggestion, inspect_bundle_get0_entry(b, 2)->removed) != NULL, "the suggestion says why");
  inspect_bundle_free(b);
  inspect_buf_cleanup(&text);
}

Test(bundle, platform_texts) {
  inspect_buf_t text;
  inspect_buf_init(&text, 0);
  tp_text("blank orphan", &text);
  inspect_bundle_t *b = NULL;
  cr_assert_eq(inspect_bundle_lint((const uint8_t *)text.data, text.len, inspect_profile_find("alb-mtls"), TP_NOW, &b),
               INSPECT_OK);
  cr_assert_eq(inspect_bundle_num_violations(b), 2);
  cr_assert_str_eq(inspect_bundle_get0_violation(b, 0)->code, "BLANK_LINE");
  cr_assert_eq(inspect_bundle_get0_violation(b, 0)->line, 1);
  cr_assert_str_eq(inspect_bundle_get0_violation(b, 0)->platform_text,
                   "InvalidCaCertificatesBundle: The specified ca certificate bundle is in an invalid format, or "
                   "corrupt.");
  cr_assert_str_eq(inspect_bundle_get0_violation(b, 1)->platform_text, "Failed:ClientCertUntrusted");
  inspect_bundle_free(b);
  cr_assert_eq(
      inspect_bundle_lint((const uint8_t *)text.data, text.len, inspect_profile_find("apigateway-mtls"), TP_NOW, &b),
      INSPECT_OK);
  cr_assert_eq(inspect_bundle_num_violations(b), 1);
  cr_assert_str_eq(inspect_bundle_get0_violation(b, 0)->platform_text,
                   "Access denied. Reason: Could not find issuer for certificate");
  inspect_bundle_free(b);
  inspect_buf_cleanup(&text);
}

Test(bundle, depth_and_root_per_entry) {
  inspect_buf_t text;
  inspect_buf_init(&text, 0);
  tp_text("d2 root d1 orphan", &text);
  inspect_bundle_t *b = NULL;
  cr_assert_eq(inspect_bundle_lint((const uint8_t *)text.data, text.len, inspect_profile_find("alb-mtls"), TP_NOW, &b),
               INSPECT_OK);
  int want_depth[] = {3, 1, 2, 1};
  int want_root[] = {1, 1, 1, 0};
  for (size_t i = 0; i < 4; i++) {
    const inspect_bundle_entry_t *e = inspect_bundle_get0_entry(b, i);
    cr_assert_eq(e->depth, want_depth[i], "#%zu depth %d", i, e->depth);
    cr_assert_eq(e->has_root, want_root[i], "#%zu has_root", i);
  }
  inspect_bundle_free(b);
  inspect_buf_cleanup(&text);
}

Test(bundle, file_names_are_safe) {
  inspect_buf_t text;
  inspect_buf_init(&text, 0);
  tp_text("root inter2 key", &text);
  inspect_bundle_t *b = NULL;
  cr_assert_eq(inspect_bundle_lint((const uint8_t *)text.data, text.len, NULL, TP_NOW, &b), INSPECT_OK);
  char name[128];
  inspect_bundle_file_name(b, 0, name, sizeof(name));
  cr_assert_str_eq(name, "00-test-root-CA.pem");
  inspect_bundle_file_name(b, 1, name, sizeof(name));
  cr_assert_str_eq(name, "01-test-second-level-CA.pem");
  inspect_bundle_file_name(b, 2, name, sizeof(name));
  cr_assert_str_eq(name, "02-certificate.pem", "a block without a certificate has no CN");
  inspect_bundle_free(b);
  inspect_buf_cleanup(&text);

  // Over 100 entries the index takes three digits.
  inspect_buf_init(&text, 0);
  tp_text("root many:60 many:60", &text);
  cr_assert_eq(inspect_bundle_lint((const uint8_t *)text.data, text.len, NULL, TP_NOW, &b), INSPECT_OK);
  cr_assert_eq(inspect_bundle_num_entries(b), 121);
  inspect_bundle_file_name(b, 7, name, sizeof(name));
  cr_assert_str_eq(name, "007-test-CA-number-6.pem");
  inspect_bundle_free(b);
  inspect_buf_cleanup(&text);
}

Test(bundle, json_names_everything) {
  inspect_buf_t text;
  inspect_buf_init(&text, 0);
  tp_text("root inter leaf", &text);
  inspect_bundle_t *b = NULL;
  cr_assert_eq(inspect_bundle_lint((const uint8_t *)text.data, text.len, inspect_profile_find("alb-mtls"), TP_NOW, &b),
               INSPECT_OK);
  inspect_buf_t json;
  inspect_buf_init(&json, 0);
  inspect_json_bundle(&json, b);
  cr_assert(strncmp(json.data, "{\"profile\":\"alb-mtls\"", 21) == 0, "%s", json.data);
  cr_assert(strstr(json.data, "\"at\":\"2026-11-23T08:49:00Z\"") != NULL);
  cr_assert(strstr(json.data, "\"code\":\"NOT_CA\",\"entry\":2,") != NULL, "%s", json.data);
  cr_assert(strstr(json.data, "\"compliant\":false") != NULL);
  cr_assert(strstr(json.data, "\"fix\":{\"keeps\":[0,1],\"removes\":[{\"index\":2,\"reason\":\"it is a leaf") != NULL,
            "%s", json.data);
  cr_assert_eq(json.data[json.len - 1], '}');
  inspect_buf_cleanup(&json);
  inspect_bundle_free(b);
  inspect_buf_cleanup(&text);
}

Test(bundle, rule_names) {
  cr_assert_str_eq(inspect_bundle_rule_name(INSPECT_BUNDLE_NOT_CA), "NOT_CA");
  cr_assert_str_eq(inspect_bundle_rule_name(INSPECT_BUNDLE_SUBJECTS_TOO_LARGE), "SUBJECTS_TOO_LARGE");
  cr_assert_str_eq(inspect_bundle_rule_name(INSPECT_BUNDLE_RULE_COUNT), "UNKNOWN");
  for (int r = 0; r < INSPECT_BUNDLE_RULE_COUNT; r++) {
    cr_assert(inspect_bundle_rule_summary((inspect_bundle_rule_t)r)[0] != '\0');
  }
}
