// Table-driven tests of inspect's buffers, time conversion and PEM reader.

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "inspect/inspect.h"

// Criterion runs each parameter in a new process: cases hold their strings
// inline, since pointers into the parent's data would not survive.
typedef struct {
  char text[40];
  int ok;
  int64_t want;
} rfc3339_case_t;

ParameterizedTestParameters(inspect_time, parse_rfc3339) {
  static rfc3339_case_t cases[] = {
      {"1970-01-01T00:00:00Z", 1, 0},
      {"2026-11-23T08:49:00Z", 1, 1795423740},
      {"2026-11-23", 1, 1795392000},
      {"2026-11-23T10:49:00+02:00", 1, 1795423740},
      {"2026-11-23T08:49:00.123Z", 1, 1795423740},
      {"2024-02-29T00:00:00Z", 1, 1709164800},
      {"2023-02-29T00:00:00Z", 0, 0},
      {"2026-13-01T00:00:00Z", 0, 0},
      {"2026-11-23T08:49:00", 0, 0},
      {"yesterday", 0, 0},
      {"", 0, 0},
      {"2026-11-23T08:49:00Zjunk", 0, 0},
  };
  return cr_make_param_array(rfc3339_case_t, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(rfc3339_case_t *c, inspect_time, parse_rfc3339) {
  int64_t t = -1;
  cr_assert_eq(inspect_time_parse_rfc3339(c->text, &t), c->ok, "%s", c->text);
  if (c->ok) {
    cr_assert_eq(t, c->want, "%s: got %lld", c->text, (long long)t);
  }
}

Test(inspect_time, format_round_trip) {
  char out[INSPECT_TIME_STR_LEN];
  inspect_time_format_rfc3339(1795423740, out);
  cr_assert_str_eq(out, "2026-11-23T08:49:00Z");
  inspect_time_format_rfc3339(-86400, out);
  cr_assert_str_eq(out, "1969-12-31T00:00:00Z");
}

typedef struct {
  char text[24];
  int generalized;
  int ok;
  int64_t want;
} asn1_case_t;

ParameterizedTestParameters(inspect_time, from_asn1) {
  static asn1_case_t cases[] = {
      {"491231235959Z", 0, 1, 2524607999},                                       // UTCTime years 00-49 are 20xx
      {"500101000000Z", 0, 1, -631152000},                                       // and 50-99 are 19xx
      {"20261123084900Z", 1, 1, 1795423740}, {"2612310000Z", 0, 1, 1798675200},  // seconds may be absent in UTCTime
      {"20261123084900", 1, 0, 0},                                               // no Z
      {"2026112308490Z", 1, 0, 0},           {"20261323084900Z", 1, 0, 0},
  };
  return cr_make_param_array(asn1_case_t, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(asn1_case_t *c, inspect_time, from_asn1) {
  int64_t t = 0;
  cr_assert_eq(inspect_time_from_asn1(c->text, strlen(c->text), c->generalized, &t), c->ok, "%s", c->text);
  if (c->ok) {
    cr_assert_eq(t, c->want, "%s: got %lld", c->text, (long long)t);
  }
}

Test(inspect_buf, json_escaping) {
  inspect_buf_t buf;
  inspect_buf_init(&buf, 0);
  inspect_buf_json_string(&buf, "a\"b\\c\n\x01\xc3\xa9\xff");
  cr_assert_str_eq(buf.data, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\\ufffd\"");
  inspect_buf_reset(&buf);
  inspect_buf_json_string(&buf, NULL);
  cr_assert_str_eq(buf.data, "null");
  inspect_buf_cleanup(&buf);
}

// RFC 3629 bounds: the first and last code points of each narrow range are
// kept; overlong forms, surrogates and code points past U+10FFFF are
// replaced, one U+FFFD per byte.
Test(inspect_buf, json_utf8_bounds) {
  static const struct {
    const char *in, *want;
  } kCases[] = {
      {"\xe0\xa0\x80", "\"\xe0\xa0\x80\""},                      // U+0800
      {"\xed\x9f\xbf", "\"\xed\x9f\xbf\""},                      // U+D7FF
      {"\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\""},              // U+10000
      {"\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""},              // U+10FFFF
      {"\xe0\x9f\xbf", "\"\\ufffd\\ufffd\\ufffd\""},             // overlong U+07FF
      {"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},             // surrogate U+D800
      {"\xf0\x8f\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},  // overlong U+FFFF
      {"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},  // U+110000
      {"\xc1\xbf", "\"\\ufffd\\ufffd\""},                        // overlong U+007F
      {"a\xe2\x82", "\"a\\ufffd\\ufffd\""},                      // cut short
  };
  inspect_buf_t buf;
  inspect_buf_init(&buf, 0);
  for (size_t i = 0; i < sizeof(kCases) / sizeof(kCases[0]); i++) {
    inspect_buf_reset(&buf);
    inspect_buf_json_string(&buf, kCases[i].in);
    cr_assert_str_eq(buf.data, kCases[i].want, "case %zu", i);
  }
  inspect_buf_cleanup(&buf);
}

Test(inspect_buf, cap_is_sticky) {
  inspect_buf_t buf;
  inspect_buf_init(&buf, 8);
  cr_assert(inspect_buf_puts(&buf, "1234567"));
  cr_assert_not(inspect_buf_puts(&buf, "89"));
  cr_assert(buf.failed);
  cr_assert_not(inspect_buf_puts(&buf, "x"), "appends after a failure are refused");
  cr_assert_eq(buf.len, 7);
  inspect_buf_cleanup(&buf);
}

Test(inspect_buf, printf_grows_past_small_buffer) {
  inspect_buf_t buf;
  inspect_buf_init(&buf, 0);
  char big[1000];
  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  cr_assert(inspect_buf_printf(&buf, "<%s>", big));
  cr_assert_eq(buf.len, 1001);
  cr_assert_eq(buf.data[1000], '>');
  inspect_buf_cleanup(&buf);
}

Test(inspect_pem, blocks_lines_and_junk) {
  static const char text[] =
      "junk line\n"
      "-----BEGIN CERTIFICATE-----\n"
      "AAEC\n"
      "-----END CERTIFICATE-----\n"
      "\n"
      "-----BEGIN PRIVATE KEY-----\n"
      "AwQF\n"
      "-----END PRIVATE KEY-----\n"
      "-----BEGIN CERTIFICATE-----\n"
      "not base64 !!\n"
      "-----END CERTIFICATE-----\n"
      "-----BEGIN CERTIFICATE-----\n"
      "AAEC\n"
      "trailing\n";
  inspect_pem_reader_t r;
  inspect_pem_block_t b;
  inspect_pem_reader_init(&r, (const uint8_t *)text, strlen(text));

  cr_assert(inspect_pem_reader_next(&r, &b));
  cr_assert_eq(b.err, 0);
  cr_assert_str_eq(b.label, "CERTIFICATE");
  cr_assert_eq(b.line, 2);
  cr_assert_eq(b.junk_before, 8);
  cr_assert_eq(b.der_len, 3);
  cr_assert_eq(b.der[2], 2);
  inspect_pem_block_cleanup(&b);

  cr_assert(inspect_pem_reader_next(&r, &b));
  cr_assert_str_eq(b.label, "PRIVATE KEY");
  cr_assert_eq(b.line, 6);
  cr_assert_eq(b.junk_before, 0);
  inspect_pem_block_cleanup(&b);

  cr_assert(inspect_pem_reader_next(&r, &b));
  cr_assert_eq(b.err, INSPECT_EBAD_PEM, "invalid base64 is reported");
  cr_assert_eq(b.line, 9);
  inspect_pem_block_cleanup(&b);

  cr_assert(inspect_pem_reader_next(&r, &b));
  cr_assert_eq(b.err, INSPECT_EBAD_PEM, "a BEGIN without END is reported");
  cr_assert_eq(b.line, 12);
  inspect_pem_block_cleanup(&b);

  cr_assert_not(inspect_pem_reader_next(&r, &b));
}

Test(inspect_errors, every_code_has_a_name_and_message) {
#define CHECK(name, value, msg)                     \
  cr_assert_str_eq(inspect_err_name(value), #name); \
  cr_assert_str_eq(inspect_strerror(value), msg);
  INSPECT_ERRNO_MAP(CHECK)
#undef CHECK
  cr_assert_str_eq(inspect_err_name(-1), "UNKNOWN");
}
