// Host name matching, per profile, through certificates minted with chosen
// SANs and CN: wildcards, IDNA A-labels, trailing dots, case, IP addresses
// and the subject CN fallback.
//
// The openssl, node and java cells were checked against the real clients on
// this machine (OpenSSL 3.0.19 `openssl verify -verify_hostname/-verify_ip`,
// Node 20 tls.checkServerIdentity, JDK 17 sun.security.util.HostnameChecker
// with a private CA); browser cells follow Chromium's
// X509Certificate::VerifyHostname (whole-label wildcards only, trailing dots
// ignored, IP hosts against iPAddress SANs only, no CN); apigateway follows
// Apache HttpClient's DefaultHostnameVerifier; cloudfront-origin and
// akamai-origin match "CN or SAN" with whole-label wildcards (O6-O8, K3).
// "-" marks a cell not asserted, with the reason next to the row.

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "tests/inspect/testlib.h"

#define OK "OK"
#define HOST "HOSTNAME_MISMATCH"
#define NOSAN "NO_SAN"
#define SKIP "-"

typedef struct {
  char dns[3][32];
  char ip[2][48];
  char cn[32];
  char host[48];
  int system_trust;  // the anchor is in a platform's default store
  // openssl, node, java, browser, cloudfront-origin, cloudfront-viewer, apigateway, akamai-origin
  char expect[T_NUM_PROFILES][24];
} name_case_t;

ParameterizedTestParameters(names, per_profile) {
  static name_case_t cases[] = {
      // Wildcards cover exactly one whole left-most label.
      {{"*.a.test"}, {""}, "", "x.a.test", 0, {OK, OK, OK, OK, OK, OK, OK, OK}},
      {{"*.a.test"}, {""}, "", "X.A.TEST", 0, {OK, OK, OK, OK, OK, OK, OK, OK}},
      {{"*.a.test"}, {""}, "", "y.x.a.test", 0, {HOST, HOST, HOST, HOST, HOST, HOST, HOST, HOST}},
      {{"*.a.test"}, {""}, "", "a.test", 0, {HOST, HOST, HOST, HOST, HOST, HOST, HOST, HOST}},
      {{"a.test", "*.b.test"}, {""}, "", "x.b.test", 0, {OK, OK, OK, OK, OK, OK, OK, OK}},
      // Partial wildcards: OpenSSL, Node, the JDK and Apache accept them;
      // Chromium, CloudFront (CNAMEs.md) and Akamai only whole labels. The
      // wildcard may match nothing ("f*" against "f").
      {{"f*.a.test"}, {""}, "", "foo.a.test", 0, {OK, OK, OK, HOST, HOST, HOST, OK, HOST}},
      {{"f*.a.test"}, {""}, "", "f.a.test", 0, {OK, OK, OK, HOST, HOST, HOST, OK, HOST}},
      {{"*o.a.test"}, {""}, "", "foo.a.test", 0, {OK, OK, OK, HOST, HOST, HOST, OK, HOST}},
      // OpenSSL refuses a wildcard in the middle of a label (valid_star).
      {{"f*o.a.test"}, {""}, "", "foo.a.test", 0, {HOST, OK, OK, HOST, HOST, HOST, OK, HOST}},
      // "*.com": never for OpenSSL, Node, Chromium (registry-controlled) or
      // Apache (public suffix list); the JDK skips its public-suffix check
      // when the chain does not end at a cacerts root.
      {{"*.com"}, {""}, "", "x.com", 0, {HOST, HOST, OK, HOST, HOST, HOST, HOST, HOST}},
      {{"*.com"}, {""}, "", "x.com", 1, {HOST, HOST, HOST, HOST, HOST, HOST, HOST, HOST}},
      // IDNA A-labels: compared as text, and a whole-label wildcard covers
      // them; a partial one does not for OpenSSL ("IDNA labels cannot match
      // partial wildcards") nor the JDK (it compares U-labels); a wildcard
      // inside an A-label never matches (Apache's prefix match would: "-").
      {{"xn--bcher-kva.a.test"}, {""}, "", "xn--bcher-kva.a.test", 0, {OK, OK, OK, OK, OK, OK, OK, OK}},
      {{"xn--bcher-kva.a.test"}, {""}, "", "XN--BCHER-KVA.A.TEST", 0, {OK, OK, OK, OK, OK, OK, OK, OK}},
      {{"*.a.test"}, {""}, "", "xn--bcher-kva.a.test", 0, {OK, OK, OK, OK, OK, OK, OK, OK}},
      {{"x*.a.test"}, {""}, "", "xn--bcher-kva.a.test", 0, {HOST, OK, HOST, HOST, HOST, HOST, OK, HOST}},
      {{"xn--*.a.test"}, {""}, "", "xn--bcher-kva.a.test", 0, {HOST, HOST, HOST, HOST, HOST, HOST, SKIP, HOST}},
      // Case never matters.
      {{"X.A.Test"}, {""}, "", "x.a.test", 0, {OK, OK, OK, OK, OK, OK, OK, OK}},
      // Trailing dots name the same host for curl, Node and Chromium; the
      // openssl CLI and the JDK refuse them, so those cells are not asserted.
      {{"x.a.test"}, {""}, "", "x.a.test.", 0, {SKIP, OK, SKIP, OK, OK, OK, SKIP, OK}},
      {{"x.a.test."}, {""}, "", "x.a.test", 0, {SKIP, OK, SKIP, OK, OK, OK, SKIP, OK}},
      // IP addresses match iPAddress SANs only, compared as addresses.
      // CloudFront and Akamai take host names for origins and alternate
      // domain names, so their IP cells are not asserted.
      {{""}, {"192.0.2.7"}, "", "192.0.2.7", 0, {OK, OK, OK, OK, SKIP, SKIP, OK, SKIP}},
      {{"192.0.2.7"}, {""}, "", "192.0.2.7", 0, {HOST, HOST, HOST, HOST, SKIP, SKIP, HOST, SKIP}},
      {{""}, {"2001:db8::1"}, "", "2001:db8::1", 0, {OK, OK, OK, OK, SKIP, SKIP, OK, SKIP}},
      {{""}, {"2001:db8::1"}, "", "2001:DB8:0:0:0:0:0:1", 0, {OK, OK, OK, OK, SKIP, SKIP, OK, SKIP}},
      {{""}, {"2001:db8::1"}, "", "2001:db8::2", 0, {HOST, HOST, HOST, HOST, SKIP, SKIP, HOST, SKIP}},
      {{"x.a.test"}, {"192.0.2.7"}, "", "192.0.2.8", 0, {HOST, HOST, HOST, HOST, SKIP, SKIP, HOST, SKIP}},
      // Apache matches an IP against the CN when there is no SAN at all.
      {{""}, {""}, "192.0.2.7", "192.0.2.7", 0, {HOST, HOST, HOST, NOSAN, SKIP, SKIP, SKIP, SKIP}},
      // The CN: OpenSSL, Node, the JDK and Apache read it when there is no
      // dNSName SAN; Chromium and CloudFront viewer certificates never;
      // CloudFront origins and Akamai read it as much as the SANs ("CN or SAN").
      {{""}, {""}, "x.a.test", "x.a.test", 0, {OK, OK, OK, NOSAN, OK, NOSAN, OK, OK}},
      {{""}, {""}, "*.a.test", "x.a.test", 0, {OK, OK, OK, NOSAN, OK, NOSAN, OK, OK}},
      {{""}, {""}, "y.a.test", "x.a.test", 0, {HOST, HOST, HOST, NOSAN, HOST, NOSAN, HOST, HOST}},
      {{"other.a.test"}, {""}, "x.a.test", "x.a.test", 0, {HOST, HOST, HOST, HOST, OK, HOST, HOST, OK}},
      // Only an IP SAN: OpenSSL (X509_check_host), Node and the JDK still read
      // the CN; Chromium sees a SAN without the name. Apache reads the CN only
      // without any SAN, and curl (unlike the openssl CLI) too: not asserted.
      {{""}, {"192.0.2.7"}, "x.a.test", "x.a.test", 0, {OK, OK, OK, HOST, OK, HOST, SKIP, OK}},
  };
  return cr_make_param_array(name_case_t, cases, sizeof(cases) / sizeof(cases[0]));
}

static size_t fill(const char (*in)[32], size_t max, const char **out) {
  size_t n = 0;
  while (n < max && in[n][0] != '\0') {
    out[n] = in[n];
    n++;
  }
  return n;
}

ParameterizedTest(name_case_t *c, names, per_profile) {
  t_pki_t pki;
  t_pki_init(&pki, T_NOW, NULL);
  const char *dns[3], *ips[2];
  size_t num_dns = fill(c->dns, 3, dns);
  size_t num_ips = 0;
  while (num_ips < 2 && c->ip[num_ips][0] != '\0') {
    ips[num_ips] = c->ip[num_ips];
    num_ips++;
  }
  tls_cert_spec_t spec = {
      .common_name = c->cn[0] ? c->cn : NULL,
      .organization = "tlsmirror tests",
      .dns_names = dns,
      .num_dns_names = num_dns,
      .ip_addrs = ips,
      .num_ip_addrs = num_ips,
      .eku = TLS_EKU_SERVER,
  };
  inspect_chain_t *chain = t_pki_leaf_chain(&pki, &spec);
  inspect_trust_t *trust = pki.trust;
  if (c->system_trust) {
    trust = inspect_trust_new(1);
    cr_assert_eq(inspect_trust_load(trust, CRYPTO_BUFFER_data(pki.root), CRYPTO_BUFFER_len(pki.root), NULL),
                 INSPECT_OK);
  }
  inspect_input_t in;
  t_input(&in, chain, trust, c->host, 1, T_NOW);
  inspect_report_t *r = t_report(&in, NULL);
  int mismatches = 0, asserted = 0;
  for (size_t p = 0; p < T_NUM_PROFILES; p++) {
    if (strcmp(c->expect[p], SKIP) == 0) {
      continue;
    }
    asserted++;
    const inspect_verdict_t *v = t_verdict(r, t_profiles[p]);
    const char *got = inspect_reason_name(v->reason);
    if (strcmp(got, c->expect[p]) != 0) {
      cr_log_error("SAN %s%s%s CN %s, host %s, %s: want %s, got %s (%s)", c->dns[0], c->ip[0][0] ? " IP " : "",
                   c->ip[0], c->cn, c->host, t_profiles[p], c->expect[p], got, v->message);
      mismatches++;
    }
  }
  cr_assert_gt(asserted, 3);
  cr_assert_eq(mismatches, 0, "host %s: %d profile(s) disagree", c->host, mismatches);
  // The findings say the same: HOSTNAME_MISMATCH when the lenient clients
  // (OpenSSL, Node, Java) reject, NO_SAN when only SAN-only ones do.
  const char *lenient = c->expect[1];  // node: CN when no dNSName, no partial-wildcard quirks of OpenSSL
  if (strcmp(lenient, HOST) == 0) {
    cr_assert_not_null(t_finding(r, "HOSTNAME_MISMATCH"), "host %s", c->host);
  } else if (strcmp(c->expect[3], NOSAN) == 0) {
    cr_assert_not_null(t_finding(r, "NO_SAN"), "host %s", c->host);
  }
  inspect_report_free(r);
  if (trust != pki.trust) {
    inspect_trust_free(trust);
  }
  inspect_chain_free(chain);
  t_pki_cleanup(&pki);
}

// Odd names never crash the matcher, for certificates whose names are odd
// too: each gives a verdict per profile.
Test(names, odd_names_are_handled) {
  static const char *const kSans[] = {"*", "*.", ".a.test", "a..test", "*.*.a.test", "**.a.test", "a.test*"};
  static const char *const kHosts[] = {"*", ".",  "..",      "a..test", ".a.test", "*.a.test",
                                       "x", "::", "0.0.0.0", "[::1]",   "xn--",    "-.a.test"};
  t_pki_t pki;
  t_pki_init(&pki, T_NOW, NULL);
  for (size_t i = 0; i < sizeof(kSans) / sizeof(kSans[0]); i++) {
    const char *dns[1] = {kSans[i]};
    tls_cert_spec_t spec = {.common_name = kSans[i], .dns_names = dns, .num_dns_names = 1, .eku = TLS_EKU_SERVER};
    inspect_chain_t *chain = t_pki_leaf_chain(&pki, &spec);
    for (size_t h = 0; h < sizeof(kHosts) / sizeof(kHosts[0]); h++) {
      inspect_input_t in;
      t_input(&in, chain, pki.trust, kHosts[h], 1, T_NOW);
      inspect_report_t *r = t_report(&in, NULL);
      // Without a '*', a name matches only the identical text.
      if (strchr(kSans[i], '*') == NULL) {
        int same = strcmp(kSans[i], kHosts[h]) == 0;
        cr_expect_eq(t_verdict(r, "browser")->accept, same, "SAN %s, host %s", kSans[i], kHosts[h]);
      }
      cr_expect_eq(inspect_report_num_verdicts(r), T_NUM_PROFILES);
      inspect_report_free(r);
    }
    inspect_chain_free(chain);
  }
  t_pki_cleanup(&pki);
}
