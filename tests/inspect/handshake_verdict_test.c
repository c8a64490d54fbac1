// Judging each platform on its own handshake (issue 16, items 5 and 7), pure
// inspect, no sockets: the answer an origin gave to a platform's
// ClientHello (inspect_offer_t) and what it negotiated with tlsmirror
// (inspect_input_t.own) go in as data, as a live inspect fills them from
// tls_offer_probe_all; the verdict, its reason, the words that name the
// mismatch and the handshake shown with it come out. Then the cause of a
// refusal without SNI (inspect_input_t.with_sni).

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "tests/inspect/testlib.h"

#define TLS12 0x0303
#define TLS13 0x0304

typedef struct {
  char what[80];
  char scenario[32];  // the lab chain tlsmirror received (own handshake OK)
  char profile[24];
  // The platform's answer: status, alert, and what the origin chose.
  inspect_hs_status_t status;
  int alert;
  uint16_t version, cipher, group;
  // tlsmirror's own handshake with the origin.
  uint16_t own_version, own_cipher, own_group;
  int expect_accept;
  char expect_reason[24];
  char expect_words[96];  // in the verdict's message (or, accepted, its handshake's cipher name)
} offer_case_t;

ParameterizedTestParameters(handshake_verdict, offers) {
  static offer_case_t cases[] = {
      {"CloudFront offers no TLS 1.3 (tls13-only)", "good", "cloudfront-origin", INSPECT_HS_ALERT, 70, 0, 0, 0, TLS13,
       0x1301, 0x001d, 0, "PROTOCOL_MISMATCH", "cloudfront-origin offers TLS 1.2 only"},
      {"CloudFront offers no ChaCha20 (chacha20-only)", "good", "cloudfront-origin", INSPECT_HS_ALERT, 40, 0, 0, 0,
       TLS12, 0xcca9, 0x001d, 0, "PROTOCOL_MISMATCH", "not TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
      {"CloudFront offers no P-521 (p521-only)", "good", "cloudfront-origin", INSPECT_HS_ALERT, 40, 0, 0, 0, TLS13,
       0x1301, 0x0019, 0, "PROTOCOL_MISMATCH", "offers the groups secp256r1, secp384r1, x25519, not secp521r1"},
      {"the words name what the origin accepts", "good", "cloudfront-origin", INSPECT_HS_ALERT, 40, 0, 0, 0, TLS12,
       0xcca9, 0x001d, 0, "PROTOCOL_MISMATCH", "the origin accepts TLS 1.2 with TLS_ECDHE_ECDSA_WITH_CHACHA20"},
      {"a suite chosen, then refused: signature algorithms (rsa-pss-only)", "good", "cloudfront-origin",
       INSPECT_HS_ALERT, 40, TLS12, 0xc030, 0, TLS13, 0x1301, 0x001d, 0, "PROTOCOL_MISMATCH",
       "then found no signature algorithm"},
      {"an Ed25519 leaf and no ed25519 in CloudFront's offer", "ed25519-leaf", "cloudfront-origin", INSPECT_HS_OK, -1,
       TLS12, 0xc02c, 0x001d, TLS13, 0x1301, 0x001d, 0, "PROTOCOL_MISMATCH",
       "no signature algorithm for the certificate's Ed25519 key"},
      {"an Ed25519 leaf and no ed25519 in Chrome's offer", "ed25519-leaf", "browser", INSPECT_HS_OK, -1, TLS13, 0x1301,
       0x001d, TLS13, 0x1301, 0x001d, 0, "PROTOCOL_MISMATCH", "Ed25519 key"},
      {"curl offers ed25519: it accepts", "ed25519-leaf", "openssl", INSPECT_HS_OK, -1, TLS13, 0x1302, 0x001d, TLS13,
       0x1301, 0x001d, 1, "OK", "TLS_AES_256_GCM_SHA384"},
      {"CloudFront still offers 3DES (3des-only)", "good", "cloudfront-origin", INSPECT_HS_OK, -1, TLS12, 0x000a, 0,
       TLS12, 0x000a, 0, 1, "OK", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
      {"curl offers no 3DES", "good", "openssl", INSPECT_HS_ALERT, 40, 0, 0, 0, TLS12, 0x000a, 0, 0,
       "PROTOCOL_MISMATCH", "openssl offers TLS 1.2 to TLS 1.3 with 31 cipher suites, not TLS_RSA_WITH_3DES"},
      {"OpenSSL refuses TLS 1.1 after the ServerHello (tls11-only)", "good", "openssl", INSPECT_HS_OK, -1, 0x0302,
       0xc009, 0x001d, 0x0302, 0xc009, 0x001d, 0, "PROTOCOL_MISMATCH", "refuses versions below TLS 1.2"},
      {"Node offers TLS 1.2-1.3 only (tls11-only)", "good", "node", INSPECT_HS_ALERT, 70, 0, 0, 0, 0x0302, 0xc009,
       0x001d, 0, "PROTOCOL_MISMATCH", "node offers TLS 1.2 to TLS 1.3"},
      {"a closed connection is not a mismatch", "good", "java", INSPECT_HS_CLOSED, -1, 0, 0, 0, TLS13, 0x1301, 0x001d,
       0, "HANDSHAKE_ALERT", "Remote host terminated the handshake"},
      {"an answer, then the chain decides (expired)", "expired", "java", INSPECT_HS_OK, -1, TLS13, 0x1301, 0x001d,
       TLS13, 0x1301, 0x001d, 0, "EXPIRED", "validity check failed"},
      {"Akamai offers no P-521", "good", "akamai-origin", INSPECT_HS_ALERT, 40, 0, 0, 0, TLS13, 0x1301, 0x0019, 0,
       "PROTOCOL_MISMATCH", "not secp521r1"},
  };
  return cr_make_param_array(offer_case_t, cases, sizeof(cases) / sizeof(cases[0]));
}

// cipher_name names the suites the table uses (tls_cipher_name's job in a
// live inspect).
static const char *cipher_name(uint16_t cipher) {
  switch (cipher) {
    case 0x1302: return "TLS_AES_256_GCM_SHA384";
    case 0x000a: return "TLS_RSA_WITH_3DES_EDE_CBC_SHA";
    case 0xcca9: return "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256";
  }
  return NULL;
}

ParameterizedTest(offer_case_t *c, handshake_verdict, offers) {
  inspect_chain_t *chain = t_lab_chain(c->scenario, 0);
  inspect_trust_t *trust = t_lab_trust();
  char name[64];
  snprintf(name, sizeof(name), "%s.lab.test", c->scenario);
  inspect_input_t in;
  t_input(&in, chain, trust, name, 1, T_NOW);
  in.handshake.status = INSPECT_HS_OK;
  in.own = (inspect_offer_t){
      NULL, in.handshake, c->own_version, c->own_cipher, c->own_group, NULL, cipher_name(c->own_cipher), NULL};
  const inspect_profile_t *profile = inspect_profile_find(c->profile);
  cr_assert_not_null(profile);
  inspect_offer_t offer = {
      inspect_profile_hello(profile),
      {.status = c->status, .alert = c->alert, .detail = c->status == INSPECT_HS_OK ? NULL : "alert from the origin"},
      c->version,
      c->cipher,
      c->group,
      NULL,
      cipher_name(c->cipher),
      NULL};
  in.offers = &offer;
  in.num_offers = 1;
  inspect_report_t *r = t_report(&in, c->profile);
  const inspect_verdict_t *v = t_verdict(r, c->profile);
  cr_expect_eq(v->accept, c->expect_accept, "%s: accept %d: %s", c->what, v->accept, v->message);
  cr_expect_str_eq(inspect_reason_name(v->reason), c->expect_reason, "%s: %s", c->what, v->message);
  cr_assert_not_null(v->handshake, "%s: the verdict names its handshake", c->what);
  cr_expect(v->handshake->spec == offer.spec, "%s: judged on the platform's own handshake", c->what);
  if (c->expect_accept) {
    cr_expect(v->handshake->handshake.status == INSPECT_HS_OK && v->handshake->cipher_name != NULL &&
                  strcmp(v->handshake->cipher_name, c->expect_words) == 0,
              "%s: the handshake shown is the one it would get", c->what);
  } else {
    // The platform's words carry the explanation where they have room for
    // it ({detail}); the verdict's handshake always does (Chrome's words are
    // a bare net error).
    const char *failure = v->handshake->handshake.detail != NULL ? v->handshake->handshake.detail : "";
    cr_expect(strstr(v->message, c->expect_words) != NULL || strstr(failure, c->expect_words) != NULL,
              "%s: '%s' not in: %s / %s", c->what, c->expect_words, v->message, failure);
  }
  inspect_report_free(r);
  inspect_chain_free(chain);
  inspect_trust_free(trust);
}

// A profile without a ClientHello of its own (cloudfront-viewer) is judged
// on tlsmirror's handshake, and so is every profile when no offer was made.
Test(handshake_verdict, no_offer_keeps_own) {
  inspect_chain_t *chain = t_lab_chain("good", 0);
  inspect_trust_t *trust = t_lab_trust();
  inspect_input_t in;
  t_input(&in, chain, trust, "good.lab.test", 1, T_NOW);
  in.handshake.status = INSPECT_HS_OK;
  inspect_offer_t refused = {inspect_hello_spec_find("cloudfront-origin"),
                             {.status = INSPECT_HS_ALERT, .alert = 40, .detail = "x"},
                             0,
                             0,
                             0,
                             NULL,
                             NULL,
                             NULL};
  in.offers = &refused;
  in.num_offers = 1;
  inspect_report_t *r = t_report(&in, "cloudfront-origin,cloudfront-viewer,openssl");
  cr_expect_eq(t_verdict(r, "cloudfront-origin")->accept, 0);
  cr_expect_eq(t_verdict(r, "cloudfront-viewer")->accept, 1);
  cr_expect_eq(t_verdict(r, "openssl")->accept, 1, "openssl has no offer here: tlsmirror's handshake stands");
  cr_expect_null(t_verdict(r, "openssl")->handshake->spec);
  inspect_report_free(r);
  in.offers = NULL;
  in.num_offers = 0;
  r = t_report(&in, "cloudfront-origin");
  cr_expect_eq(t_verdict(r, "cloudfront-origin")->accept, 1);
  cr_expect_null(t_verdict(r, "cloudfront-origin")->handshake, "offline or without offers: no handshake shown");
  inspect_report_free(r);
  inspect_chain_free(chain);
  inspect_trust_free(trust);
}

// Item 7: refused without SNI, completed with it.
typedef struct {
  char what[48];
  inspect_hs_status_t retry_status;
  int expect_cause;
} sni_case_t;

ParameterizedTestParameters(handshake_verdict, sni_cause) {
  static sni_case_t cases[] = {
      {"with SNI the handshake completes", INSPECT_HS_OK, 1},
      {"with SNI it is refused too", INSPECT_HS_ALERT, 0},
  };
  return cr_make_param_array(sni_case_t, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(sni_case_t *c, handshake_verdict, sni_cause) {
  inspect_chain_t *empty = inspect_chain_new();
  inspect_chain_t *chain = t_lab_chain("sni-required", 0);
  inspect_trust_t *trust = t_lab_trust();
  inspect_input_t in;
  t_input(&in, empty, trust, "sni-required.lab.test", 0, T_NOW);
  in.handshake =
      (inspect_handshake_t){.status = INSPECT_HS_ALERT, .alert = 40, .detail = "SSLV3_ALERT_HANDSHAKE_FAILURE"};
  inspect_retry_t retry = {"sni-required.lab.test",
                           {.status = c->retry_status, .alert = c->retry_status == INSPECT_HS_OK ? -1 : 40},
                           c->retry_status == INSPECT_HS_OK ? chain : empty};
  in.with_sni = &retry;
  inspect_report_t *r = t_report(&in, NULL);
  const char *summary = inspect_report_get0_summary(r);
  cr_expect_eq(t_finding(r, "SNI_REQUIRED") != NULL, c->expect_cause, "%s", c->what);
  cr_expect_eq(strstr(summary, "refuses handshakes without SNI") != NULL, c->expect_cause, "%s: %s", c->what, summary);
  cr_expect_eq(t_verdict(r, "cloudfront-origin")->accept, c->expect_cause, "%s: CloudFront sends SNI", c->what);
  cr_expect_eq(t_verdict(r, "apigateway")->accept, c->expect_cause, "%s: API Gateway sends SNI", c->what);
  const inspect_verdict_t *akamai = t_verdict(r, "akamai-origin");
  cr_expect_eq(akamai->accept, 0, "%s: Akamai with 'Use SNI TLS Extension' off is refused", c->what);
  cr_expect_eq(akamai->fix != NULL && strstr(akamai->fix, "Use SNI TLS Extension") != NULL, c->expect_cause,
               "%s: Akamai's fix", c->what);
  cr_expect_eq(strstr(summary, "CloudFront would drop") == NULL, c->expect_cause, "%s: %s", c->what, summary);
  inspect_report_free(r);
  inspect_chain_free(chain);
  inspect_chain_free(empty);
  inspect_trust_free(trust);
}
