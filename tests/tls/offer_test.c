// Tests of tls_hello_spec_apply and tls_hello_spec_of: a spec is applied to a
// real BoringSSL client, whose ClientHello is then read off the wire (a
// memory BIO) and parsed, so what is checked is what an origin would see.

#include <criterion/criterion.h>
#include <string.h>

#include "tls/tls.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

// client_hello applies `spec` to a new client and parses the ClientHello it
// sends into `out`; it returns tls_hello_spec_apply's result.
static int client_hello(const inspect_hello_spec_t *spec, tls_hello_missing_t *missing, tls_hello_t *out) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_method());
  SSL *ssl = SSL_new(ctx);
  cr_assert(ssl != NULL);
  int r = tls_hello_spec_apply(ssl, spec, missing);
  BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, rbio, wbio);
  SSL_set_connect_state(ssl);
  cr_assert_eq(SSL_do_handshake(ssl), -1, "the client waits for the server");
  const uint8_t *data;
  size_t len;
  cr_assert(BIO_mem_contents(wbio, &data, &len));
  cr_assert_gt(len, 9u, "a ClientHello record was written");
  cr_assert_eq(data[0], 22, "a handshake record");
  cr_assert_eq(data[5], 1, "a ClientHello");
  size_t body = (size_t)data[6] << 16 | (size_t)data[7] << 8 | data[8];
  cr_assert_eq(body + 9, len, "one ClientHello in one record");
  cr_assert_eq(tls_hello_parse(data + 9, body, out), TLS_OK);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return r;
}

// strip copies the values of `in` that are not GREASE and, for suites, not
// TLS 1.3 ones (BoringSSL offers its own three whenever TLS 1.3 is in range).
static size_t strip(const uint16_t *in, size_t num, int suites, uint16_t *out) {
  size_t n = 0;
  for (size_t i = 0; i < num; i++) {
    if (!tls_hello_is_grease(in[i]) && !(suites && (in[i] >> 8) == 0x13)) {
      out[n++] = in[i];
    }
  }
  return n;
}

static void assert_list(const uint16_t *got, size_t num_got, const uint16_t *want, size_t num_want, const char *what) {
  cr_assert_eq(num_got, num_want, "%s: %zu values, expected %zu", what, num_got, num_want);
  for (size_t i = 0; i < num_want; i++) {
    cr_assert_eq(got[i], want[i], "%s[%zu]: 0x%04x, expected 0x%04x", what, i, got[i], want[i]);
  }
}

// A curl-like offer: what BoringSSL speaks is offered in the client's order,
// the rest is listed as missing.
Test(offer, mirrors_what_boringssl_speaks_in_order) {
  static const uint16_t ciphers[] = {0x0a0a, 0x1301, 0x009e /* DHE_RSA_AES_128_GCM */,
                                     0xc02c, 0xc02b, 0xc023 /* ECDHE_ECDSA_AES_128_CBC_SHA256 */,
                                     0xcca9, 0x009c, 0x00ff};
  static const uint16_t groups[] = {0x1a1a, 29, 30 /* x448 */, 25 /* P-521 */, 256 /* ffdhe2048 */, 23};
  static const uint16_t sigalgs[] = {0x0807, 0x0808 /* ed448 */, 0x0804, 0x0809 /* rsa_pss_pss */, 0x0603, 0x0201};
  inspect_hello_spec_t spec = {.min_version = TLS1_2_VERSION,
                               .max_version = TLS1_3_VERSION,
                               .ciphers = ciphers,
                               .num_ciphers = COUNT_OF(ciphers),
                               .groups = groups,
                               .num_groups = COUNT_OF(groups),
                               .sigalgs = sigalgs,
                               .num_sigalgs = COUNT_OF(sigalgs)};
  tls_hello_missing_t missing;
  tls_hello_t h;
  cr_assert_eq(client_hello(&spec, &missing, &h), TLS_OK);
  uint16_t got[256];
  static const uint16_t want_ciphers[] = {0xc02c, 0xc02b, 0xcca9, 0x009c};
  assert_list(got, strip(h.ciphers, h.num_ciphers, 1, got), want_ciphers, COUNT_OF(want_ciphers), "suites");
  static const uint16_t want_groups[] = {29, 25, 23};
  assert_list(got, strip(h.groups, h.num_groups, 0, got), want_groups, COUNT_OF(want_groups), "groups");
  static const uint16_t want_sigalgs[] = {0x0807, 0x0804, 0x0603, 0x0201};
  assert_list(got, strip(h.sigalgs, h.num_sigalgs, 0, got), want_sigalgs, COUNT_OF(want_sigalgs), "sigalgs");
  cr_assert_eq(h.min_version, TLS1_2_VERSION);
  cr_assert_eq(h.max_version, TLS1_3_VERSION);
  static const uint16_t miss_ciphers[] = {0x009e, 0xc023};
  assert_list(missing.ciphers, missing.num_ciphers, miss_ciphers, COUNT_OF(miss_ciphers), "missing suites");
  static const uint16_t miss_groups[] = {30, 256};
  assert_list(missing.groups, missing.num_groups, miss_groups, COUNT_OF(miss_groups), "missing groups");
  static const uint16_t miss_sigalgs[] = {0x0808, 0x0809};
  assert_list(missing.sigalgs, missing.num_sigalgs, miss_sigalgs, COUNT_OF(miss_sigalgs), "missing sigalgs");
  cr_assert_eq(missing.versions, 0);
}

// Only TLS 1.3 suites that BoringSSL speaks (besides DHE): TLS 1.3 only.
Test(offer, tls13_only_when_no_older_suite_is_speakable) {
  static const uint16_t ciphers[] = {0x1301, 0x009e};
  inspect_hello_spec_t spec = {
      .min_version = TLS1_VERSION, .max_version = TLS1_3_VERSION, .ciphers = ciphers, .num_ciphers = COUNT_OF(ciphers)};
  tls_hello_t h;
  cr_assert_eq(client_hello(&spec, NULL, &h), TLS_OK);
  cr_assert_eq(h.min_version, TLS1_3_VERSION, "offered from 0x%04x", h.min_version);
}

Test(offer, nothing_speakable_is_an_error_and_listed) {
  static const uint16_t ciphers[] = {0x009e, 0x0033};
  static const uint16_t groups[] = {256, 257};
  inspect_hello_spec_t spec = {.min_version = TLS1_VERSION,
                               .max_version = TLS1_2_VERSION,
                               .ciphers = ciphers,
                               .num_ciphers = COUNT_OF(ciphers),
                               .groups = groups,
                               .num_groups = COUNT_OF(groups)};
  tls_hello_missing_t missing;
  tls_hello_t h;
  cr_assert_eq(client_hello(&spec, &missing, &h), TLS_ENO_OFFER);
  cr_assert_eq(missing.num_ciphers, 2);
  cr_assert_eq(missing.num_groups, 2);
}

Test(offer, versions_outside_tls_are_noted) {
  inspect_hello_spec_t spec = {.min_version = 0x0300, .max_version = TLS1_1_VERSION};
  tls_hello_missing_t missing;
  tls_hello_t h;
  cr_assert_eq(client_hello(&spec, &missing, &h), TLS_OK);
  cr_assert_eq(missing.versions, 1);
  cr_assert_eq(h.max_version, TLS1_1_VERSION);
}

// spec_of then apply: a second client offers what the first one did.
Test(offer, spec_of_round_trips) {
  static const uint16_t ciphers[] = {0xc030, 0xc02f, 0x009d};
  static const uint16_t groups[] = {24, 25};
  static const uint16_t sigalgs[] = {0x0805, 0x0401};
  inspect_hello_spec_t spec = {.min_version = TLS1_2_VERSION,
                               .max_version = TLS1_2_VERSION,
                               .ciphers = ciphers,
                               .num_ciphers = COUNT_OF(ciphers),
                               .groups = groups,
                               .num_groups = COUNT_OF(groups),
                               .sigalgs = sigalgs,
                               .num_sigalgs = COUNT_OF(sigalgs)};
  tls_hello_t first, second;
  cr_assert_eq(client_hello(&spec, NULL, &first), TLS_OK);
  inspect_hello_spec_t again;
  tls_hello_spec_of(&first, &again);
  cr_assert_eq(again.sni, INSPECT_SNI_AS_CLIENT);
  cr_assert_eq(client_hello(&again, NULL, &second), TLS_OK);
  uint16_t a[256], b[256];
  size_t na = strip(first.ciphers, first.num_ciphers, 1, a);
  assert_list(b, strip(second.ciphers, second.num_ciphers, 1, b), a, na, "suites");
  assert_list(b, strip(second.groups, second.num_groups, 0, b), groups, COUNT_OF(groups), "groups");
  assert_list(b, strip(second.sigalgs, second.num_sigalgs, 0, b), sigalgs, COUNT_OF(sigalgs), "sigalgs");
  cr_assert_eq(second.max_version, TLS1_2_VERSION);
}

// tls_offer_parse on answers written byte by byte.
Test(offer_parse, alert) {
  static const uint8_t rec[] = {21, 3, 3, 0, 2, 2, 40};
  tls_offer_result_t r;
  cr_assert_eq(tls_offer_parse(rec, sizeof(rec), &r), 1);
  cr_assert_eq(r.outcome, TLS_OFFER_ALERT);
  cr_assert_eq(r.alert, 40);
  cr_assert_eq(tls_offer_parse(rec, 6, &r), 0, "an incomplete record needs more bytes");
}

// server_hello_record writes a ServerHello record: TLS 1.2 legacy version,
// `random` (32 bytes), `cipher`, and with `tls13` the supported_versions and
// key_share extensions (`group`).
static size_t server_hello_record(uint8_t *out, const uint8_t *random, uint16_t cipher, int tls13, uint16_t group) {
  uint8_t body[128];
  size_t n = 0;
  body[n++] = 3, body[n++] = 3;
  memcpy(body + n, random, 32), n += 32;
  body[n++] = 0;  // no session id
  body[n++] = (uint8_t)(cipher >> 8), body[n++] = (uint8_t)cipher, body[n++] = 0;
  if (tls13) {
    static const uint8_t ext[] = {0, 12, 0, 43, 0, 2, 3, 4, 0, 51, 0, 2, 0, 0};
    memcpy(body + n, ext, sizeof(ext));
    body[n + 12] = (uint8_t)(group >> 8), body[n + 13] = (uint8_t)group;
    n += sizeof(ext);
  }
  const uint8_t head[9] = {22, 3, 3, (uint8_t)((n + 4) >> 8), (uint8_t)(n + 4), 2, 0, (uint8_t)(n >> 8), (uint8_t)n};
  memcpy(out, head, 9);
  memcpy(out + 9, body, n);
  return n + 9;
}

Test(offer_parse, server_hello_tls12) {
  uint8_t random[32] = {1}, rec[160];
  size_t len = server_hello_record(rec, random, 0x009e, 0, 0);
  tls_offer_result_t r;
  cr_assert_eq(tls_offer_parse(rec, len, &r), 1);
  cr_assert_eq(r.outcome, TLS_OFFER_ACCEPTED);
  cr_assert_eq(r.version, TLS1_2_VERSION);
  cr_assert_eq(r.cipher, 0x009e);
  cr_assert_str_eq(r.detail, "ServerHello TLSv1.2, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
}

Test(offer_parse, hello_retry_request) {
  static const uint8_t hrr[32] = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
                                  0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
                                  0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
  uint8_t rec[160];
  size_t len = server_hello_record(rec, hrr, 0x1301, 1, 256);
  tls_offer_result_t r;
  cr_assert_eq(tls_offer_parse(rec, len, &r), 1);
  cr_assert_eq(r.outcome, TLS_OFFER_RETRY);
  cr_assert_eq(r.version, TLS1_3_VERSION);
  cr_assert_eq(r.group, 256);
}

Test(offer_parse, not_tls) {
  static const uint8_t http[] = "HTTP/1.1 400 Bad Request\r\n";
  tls_offer_result_t r;
  cr_assert_eq(tls_offer_parse(http, sizeof(http) - 1, &r), TLS_EHELLO);
  static const uint8_t truncated_body[] = {22, 3, 3, 0, 4, 2, 0, 0, 0};
  cr_assert_eq(tls_offer_parse(truncated_body, sizeof(truncated_body), &r), TLS_EHELLO);
}

// tls_hello_build: what it writes parses back to the spec, and a real
// BoringSSL server answers it.
static const uint16_t kBuildCiphers[] = {0x009e /* DHE: BoringSSL's client cannot offer it */, 0xc02b, 0x1301};
static const uint16_t kBuildGroups[] = {256 /* ffdhe2048 */, 29, 23};
static const uint16_t kBuildSigalgs[] = {0x0403, 0x0804};

static inspect_hello_spec_t build_spec(uint16_t max_version) {
  return (inspect_hello_spec_t){.min_version = TLS1_2_VERSION,
                                .max_version = max_version,
                                .ciphers = kBuildCiphers,
                                .num_ciphers = COUNT_OF(kBuildCiphers),
                                .groups = kBuildGroups,
                                .num_groups = COUNT_OF(kBuildGroups),
                                .sigalgs = kBuildSigalgs,
                                .num_sigalgs = COUNT_OF(kBuildSigalgs)};
}

Test(hello_build, parses_back) {
  inspect_hello_spec_t spec = build_spec(TLS1_3_VERSION);
  inspect_buf_t buf;
  inspect_buf_init(&buf, 1 << 16);
  cr_assert_eq(tls_hello_build(&spec, "origin.test", (const uint8_t *)"\x08http/1.1", 9, &buf), TLS_OK);
  const uint8_t *d = (const uint8_t *)buf.data;
  cr_assert_eq(d[0], 22);
  cr_assert_eq(((size_t)d[3] << 8 | d[4]) + 5, buf.len, "one record");
  tls_hello_t h;
  cr_assert_eq(tls_hello_parse(d + 9, buf.len - 9, &h), TLS_OK);
  assert_list(h.ciphers, h.num_ciphers, kBuildCiphers, COUNT_OF(kBuildCiphers), "suites");
  assert_list(h.groups, h.num_groups, kBuildGroups, COUNT_OF(kBuildGroups), "groups");
  assert_list(h.sigalgs, h.num_sigalgs, kBuildSigalgs, COUNT_OF(kBuildSigalgs), "sigalgs");
  cr_assert_str_eq(h.sni, "origin.test");
  cr_assert_eq(h.min_version, TLS1_2_VERSION);
  cr_assert_eq(h.max_version, TLS1_3_VERSION);
  cr_assert_str_eq(h.alpn_first, "http/1.1");
  inspect_buf_cleanup(&buf);
}

// server_answer feeds `hello` to a BoringSSL server with an ECDSA P-256
// certificate and parses its first flight.
static void server_answer(const inspect_buf_t *hello, tls_offer_result_t *out) {
  EVP_PKEY *key = tls_key_generate(TLS_KEY_EC_P256, 0);
  const char *names[] = {"origin.test"};
  tls_cert_spec_t cs = {.common_name = "origin.test",
                        .dns_names = names,
                        .num_dns_names = 1,
                        .not_before = 0,
                        .not_after = 4102444800,
                        .eku = TLS_EKU_SERVER};
  CRYPTO_BUFFER *cert = NULL;
  cr_assert_eq(tls_cert_mint(&cs, key, NULL, NULL, &cert), TLS_OK);
  SSL_CTX *ctx = SSL_CTX_new(TLS_with_buffers_method());
  SSL *ssl = SSL_new(ctx);
  cr_assert(SSL_set_chain_and_key(ssl, &cert, 1, key, NULL));
  BIO *rbio = BIO_new_mem_buf(hello->data, (int)hello->len), *wbio = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, rbio, wbio);
  SSL_set_accept_state(ssl);
  SSL_do_handshake(ssl);
  const uint8_t *data;
  size_t len;
  cr_assert(BIO_mem_contents(wbio, &data, &len));
  cr_assert_eq(tls_offer_parse(data, len, out), 1, "the server answered (%zu bytes)", len);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  CRYPTO_BUFFER_free(cert);
  EVP_PKEY_free(key);
}

Test(hello_build, boringssl_server_answers_tls13) {
  inspect_hello_spec_t spec = build_spec(TLS1_3_VERSION);
  inspect_buf_t buf;
  inspect_buf_init(&buf, 1 << 16);
  cr_assert_eq(tls_hello_build(&spec, "origin.test", NULL, 0, &buf), TLS_OK);
  tls_offer_result_t r;
  server_answer(&buf, &r);
  // The key share is for x25519, the first group BoringSSL can make.
  cr_assert_eq(r.outcome, TLS_OFFER_ACCEPTED, "%s", r.detail);
  cr_assert_eq(r.version, TLS1_3_VERSION);
  cr_assert_eq(r.cipher, 0x1301);
  cr_assert_eq(r.group, 29);
  inspect_buf_cleanup(&buf);
}

Test(hello_build, boringssl_server_answers_tls12) {
  inspect_hello_spec_t spec = build_spec(TLS1_2_VERSION);
  inspect_buf_t buf;
  inspect_buf_init(&buf, 1 << 16);
  cr_assert_eq(tls_hello_build(&spec, NULL, NULL, 0, &buf), TLS_OK);
  tls_offer_result_t r;
  server_answer(&buf, &r);
  cr_assert_eq(r.outcome, TLS_OFFER_ACCEPTED, "%s", r.detail);
  cr_assert_eq(r.version, TLS1_2_VERSION);
  cr_assert_eq(r.cipher, 0xc02b, "BoringSSL skips the DHE suite it cannot speak: 0x%04x", r.cipher);
  inspect_buf_cleanup(&buf);
}
