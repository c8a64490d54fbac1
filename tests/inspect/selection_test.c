// --profile selections and the report cache.

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "tests/inspect/testlib.h"

typedef struct {
  char list[200];
  int err;           // 0 or INSPECT_EBAD_PROFILE
  char labels[200];  // the parsed labels, comma-separated; or the `bad` text on error
} selection_case_t;

#define ALL_LABELS "openssl,node,java,browser,cloudfront-origin,cloudfront-viewer,apigateway,akamai-origin"
#define ISV "apigateway:insecure-skip-verification"

ParameterizedTestParameters(selection, parse) {
  static selection_case_t cases[] = {
      {"all", 0, ALL_LABELS},
      {"openssl,node", 0, "openssl,node"},
      {"node,openssl", 0, "node,openssl"},
      {ISV, 0, ISV},
      {"apigateway," ISV, 0, "apigateway," ISV},
      // Listed twice, or already in "all": once is enough.
      {"openssl,openssl", 0, "openssl"},
      {"all,openssl,node", 0, ALL_LABELS},
      {"java,all", 0, "java,openssl,node,browser,cloudfront-origin,cloudfront-viewer,apigateway,akamai-origin"},
      {ISV "," ISV, 0, ISV},
      // Items are at most 63 bytes: the same option twice does not fit.
      {ISV ":insecure-skip-verification", INSPECT_EBAD_PROFILE,
       "apigateway:insecure-skip-verification:insecure-skip-verifica"},
      {"openssl,", 0, "openssl"},
      // Unknown ids and options name the bad item.
      {"nope", INSPECT_EBAD_PROFILE, "nope"},
      {"openssl,nope,node", INSPECT_EBAD_PROFILE, "nope"},
      {"OpenSSL", INSPECT_EBAD_PROFILE, "OpenSSL"},
      {"apigateway:nope", INSPECT_EBAD_PROFILE, "apigateway:nope"},
      {"openssl:insecure-skip-verification", INSPECT_EBAD_PROFILE, "openssl:insecure-skip-verification"},
      {"apigateway:", INSPECT_EBAD_PROFILE, "apigateway:"},
      {":insecure-skip-verification", INSPECT_EBAD_PROFILE, ":insecure-skip-verification"},
      {"all:x", INSPECT_EBAD_PROFILE, "all:x"},
      {"", INSPECT_EBAD_PROFILE, "(empty list)"},
      {",", INSPECT_EBAD_PROFILE, ""},
      {"openssl,,node", INSPECT_EBAD_PROFILE, ""},
      {" openssl", INSPECT_EBAD_PROFILE, " openssl"},
      // An item longer than any id is cut to 60 characters in the message.
      {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", INSPECT_EBAD_PROFILE,
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
  };
  return cr_make_param_array(selection_case_t, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(selection_case_t *c, selection, parse) {
  inspect_selection_t sel;
  char bad[80] = "untouched";
  int err = inspect_selection_parse(c->list, &sel, bad, sizeof(bad));
  cr_assert_eq(err, c->err, "'%s': got %d (%s)", c->list, err, bad);
  if (err != 0) {
    cr_assert_str_eq(bad, c->labels, "'%s'", c->list);
    return;
  }
  char labels[400] = "";
  size_t len = 0;
  for (size_t i = 0; i < sel.num; i++) {
    len += (size_t)snprintf(labels + len, sizeof(labels) - len, "%s%s", i ? "," : "", sel.items[i].label);
    cr_assert_not_null(sel.items[i].profile);
    int isv = strchr(sel.items[i].label, ':') != NULL;
    cr_assert_eq(sel.items[i].options, isv ? 1u : 0u, "%s", sel.items[i].label);
  }
  cr_assert_str_eq(labels, c->labels, "'%s'", c->list);
}

// However long the list, a selection holds each distinct choice once and
// never more than INSPECT_SELECTION_MAX.
Test(selection, many_items) {
  char list[8192] = "";
  size_t len = 0;
  for (int round = 0; round < 40; round++) {
    len += (size_t)snprintf(list + len, sizeof(list) - len, "%s" ALL_LABELS "," ISV ",all", round ? "," : "");
  }
  cr_assert_lt(len, sizeof(list) - 1);
  inspect_selection_t sel;
  char bad[80];
  cr_assert_eq(inspect_selection_parse(list, &sel, bad, sizeof(bad)), INSPECT_OK, "%s", bad);
  cr_assert_eq(sel.num, 9, "8 profiles and one with an option, got %zu", sel.num);
  cr_assert_leq(sel.num, INSPECT_SELECTION_MAX);
  // A NULL or short `bad` buffer is safe.
  cr_assert_eq(inspect_selection_parse("nope", &sel, NULL, 0), INSPECT_EBAD_PROFILE);
  char tiny[4];
  cr_assert_eq(inspect_selection_parse("nope-nope", &sel, tiny, sizeof(tiny)), INSPECT_EBAD_PROFILE);
  cr_assert_str_eq(tiny, "nop");
}

Test(selection, all_is_the_default_set) {
  inspect_selection_t parsed, all;
  char bad[80];
  cr_assert_eq(inspect_selection_parse("all", &parsed, bad, sizeof(bad)), INSPECT_OK);
  inspect_selection_all(&all);
  cr_assert_eq(parsed.num, all.num);
  cr_assert_eq(all.num, T_NUM_PROFILES);
  for (size_t i = 0; i < all.num; i++) {
    cr_assert_str_eq(all.items[i].label, t_profiles[i]);
    cr_assert_eq(all.items[i].profile, inspect_profile_find(t_profiles[i]));
    cr_assert(inspect_profile_is_default(all.items[i].profile));
    cr_assert_str_eq(inspect_profile_id(all.items[i].profile), t_profiles[i]);
    cr_assert_gt(strlen(inspect_profile_platform(all.items[i].profile)), 10);
  }
  cr_assert_null(inspect_profile_find("nope"));
  cr_assert_null(inspect_profile_get(inspect_profile_count()));
  const char *const *options = inspect_profile_options(inspect_profile_find("apigateway"));
  cr_assert_not_null(options);
  cr_assert_str_eq(options[0], "insecure-skip-verification");
  cr_assert_null(options[1]);
  cr_assert_null(inspect_profile_options(inspect_profile_find("openssl")));
}

// The cache: a hit returns the same report; anything that decides a verdict
// is part of the key.
typedef struct {
  inspect_trust_t *trust, *trust2;
  inspect_chain_t *good, *expired;
  inspect_selection_t all, two;
} cache_fixture_t;

static void fixture_init(cache_fixture_t *f) {
  f->trust = t_lab_trust();
  f->trust2 = t_lab_trust();
  f->good = t_lab_chain("good", 0);
  f->expired = t_lab_chain("expired", 0);
  inspect_selection_all(&f->all);
  char bad[80];
  cr_assert_eq(inspect_selection_parse("openssl,node", &f->two, bad, sizeof(bad)), INSPECT_OK);
}

static void fixture_cleanup(cache_fixture_t *f) {
  inspect_trust_free(f->trust);
  inspect_trust_free(f->trust2);
  inspect_chain_free(f->good);
  inspect_chain_free(f->expired);
}

static inspect_report_t *cached(inspect_cache_t *cache, const inspect_input_t *in, const inspect_selection_t *sel) {
  inspect_report_t *r = NULL;
  cr_assert_eq(inspect_cache_report(cache, in, sel, &r), INSPECT_OK);
  cr_assert_not_null(r);
  return r;
}

Test(cache, hits_and_key) {
  cache_fixture_t f;
  fixture_init(&f);
  inspect_cache_t *cache = inspect_cache_new(64);
  cr_assert_not_null(cache);
  // The minute starts at T_NOW - T_NOW % 60.
  int64_t minute = T_NOW - T_NOW % 60;
  inspect_input_t base;
  t_input(&base, f.good, f.trust, "good.lab.test", 1, minute + 10);

  inspect_report_t *first = cached(cache, &base, &f.all);
  cr_assert_eq(inspect_cache_hits(cache), 0);
  inspect_report_t *again = cached(cache, &base, &f.all);
  cr_assert_eq(inspect_cache_hits(cache), 1);
  cr_assert_eq(again, first, "a hit returns the cached report");
  inspect_report_free(again);

  // Same minute: same key.
  inspect_input_t in = base;
  in.now = minute + 59;
  inspect_report_free(cached(cache, &in, &f.all));
  cr_assert_eq(inspect_cache_hits(cache), 2);

  // Each of these changes the key: a miss, and a report of its own.
  struct {
    const char *what;
    inspect_input_t in;
    const inspect_selection_t *sel;
  } variants[12];
  size_t n = 0;
#define VARIANT(desc, field, value) \
  variants[n].what = desc;          \
  variants[n].in = base;            \
  variants[n].in.field = value;     \
  variants[n].sel = &f.all;         \
  n++
  VARIANT("another name", name, "other.lab.test");
  VARIANT("no name", name, NULL);
  VARIANT("no SNI", sni_sent, 0);
  VARIANT("the next minute", now, minute + 60);
  VARIANT("a year later", now, minute + 365 * T_DAY);
  VARIANT("another chain", chain, f.expired);
  VARIANT("another trust store", trust, f.trust2);
  VARIANT("an AIA pool", aia_pool, f.expired);
  VARIANT("a live handshake", handshake.status, INSPECT_HS_OK);
  VARIANT("an alert", handshake.alert, 116);
  VARIANT("a detail", handshake.detail, "timed out");
#undef VARIANT
  variants[n].what = "another selection";
  variants[n].in = base;
  variants[n].sel = &f.two;
  n++;
  inspect_report_t *reports[12];
  for (size_t i = 0; i < n; i++) {
    reports[i] = cached(cache, &variants[i].in, variants[i].sel);
    cr_assert_eq(inspect_cache_hits(cache), 2, "%s must miss", variants[i].what);
    cr_assert_neq(reports[i], first, "%s", variants[i].what);
  }
  // ... and each is then a hit of its own.
  for (size_t i = 0; i < n; i++) {
    inspect_report_t *r = cached(cache, &variants[i].in, variants[i].sel);
    cr_assert_eq(r, reports[i], "%s is cached", variants[i].what);
    cr_assert_eq(inspect_cache_hits(cache), 3 + i);
    inspect_report_free(r);
    inspect_report_free(reports[i]);
  }
  // The cached verdicts are the right ones.
  inspect_input_t expired = base;
  expired.chain = f.expired;
  inspect_report_t *r = cached(cache, &expired, &f.all);
  cr_assert_str_eq(t_reason(r, "java"), "EXPIRED");
  inspect_report_free(r);
  cr_assert_str_eq(t_reason(first, "openssl"), "OK");

  // A report outlives the cache that returned it.
  inspect_cache_free(cache);
  cr_assert_str_eq(t_reason(first, "java"), "OK");
  inspect_report_free(first);
  fixture_cleanup(&f);
}

Test(cache, evicts_the_oldest) {
  cache_fixture_t f;
  fixture_init(&f);
  inspect_cache_t *cache = inspect_cache_new(2);
  inspect_input_t a, b, c;
  t_input(&a, f.good, f.trust, "a.lab.test", 1, T_NOW);
  t_input(&b, f.good, f.trust, "b.lab.test", 1, T_NOW);
  t_input(&c, f.good, f.trust, "c.lab.test", 1, T_NOW);
  inspect_report_free(cached(cache, &a, &f.all));
  inspect_report_free(cached(cache, &b, &f.all));
  inspect_report_free(cached(cache, &c, &f.all));  // evicts a
  cr_assert_eq(inspect_cache_hits(cache), 0);
  inspect_report_free(cached(cache, &c, &f.all));
  inspect_report_free(cached(cache, &b, &f.all));
  cr_assert_eq(inspect_cache_hits(cache), 2);
  inspect_report_free(cached(cache, &a, &f.all));
  cr_assert_eq(inspect_cache_hits(cache), 2, "a was evicted");
  inspect_cache_free(cache);
  cr_assert_null(inspect_cache_new(0));
  inspect_cache_free(NULL);
  fixture_cleanup(&f);
}

Test(cache, errors_are_not_cached) {
  cache_fixture_t f;
  fixture_init(&f);
  inspect_cache_t *cache = inspect_cache_new(4);
  inspect_input_t in;
  t_input(&in, f.good, f.trust, "bad name", 1, T_NOW);
  inspect_report_t *r = NULL;
  cr_assert_eq(inspect_cache_report(cache, &in, &f.all, &r), INSPECT_EBAD_NAME);
  cr_assert_null(r);
  cr_assert_eq(inspect_cache_report(cache, &in, &f.all, &r), INSPECT_EBAD_NAME);
  cr_assert_eq(inspect_cache_hits(cache), 0);
  inspect_cache_free(cache);
  fixture_cleanup(&f);
}
