// tls_certificate_msg_parse: the chain of a Certificate handshake message in
// both layouts (TLS 1.3 with a request context and per-entry extensions,
// TLS 1.2 a list of certificates), built here from the lab's real chain, and
// the malformed messages it must refuse without reading past the end.

#include <criterion/criterion.h>
#include <openssl/bytestring.h>
#include <string.h>
#include <time.h>

#include "tls/tls.h"
#include "tools/lab.h"

static lab_t *g_lab;

static void setup(void) {
  int err = 0;
  g_lab = lab_new((int64_t)time(NULL), &err);
  cr_assert_not_null(g_lab, "lab_new: %d", err);
}

static void teardown(void) { lab_free(g_lab); }

// message builds a Certificate message of the lab's "good" chain (leaf,
// intermediate), with `junk` as an extra entry when not NULL.
static size_t message(int tls13, const char *junk, uint8_t *out, size_t cap) {
  size_t n = 0;
  CRYPTO_BUFFER *const *certs = lab_get0_chain(g_lab, 0, 0, &n);
  CBB cbb, body, list, entry, ext;
  cr_assert(CBB_init(&cbb, 0));
  cr_assert(CBB_add_u8(&cbb, SSL3_MT_CERTIFICATE) && CBB_add_u24_length_prefixed(&cbb, &body));
  if (tls13) {
    cr_assert(CBB_add_u8(&body, 0));  // empty certificate_request_context
  }
  cr_assert(CBB_add_u24_length_prefixed(&body, &list));
  for (size_t i = 0; i < n + (junk != NULL); i++) {
    cr_assert(CBB_add_u24_length_prefixed(&list, &entry));
    if (i < n) {
      cr_assert(CBB_add_bytes(&entry, CRYPTO_BUFFER_data(certs[i]), CRYPTO_BUFFER_len(certs[i])));
    } else {
      cr_assert(CBB_add_bytes(&entry, (const uint8_t *)junk, strlen(junk)));
    }
    if (tls13) {
      cr_assert(CBB_add_u16_length_prefixed(&list, &ext));  // no extensions
    }
  }
  uint8_t *data;
  size_t len;
  cr_assert(CBB_finish(&cbb, &data, &len));
  cr_assert_leq(len, cap);
  memcpy(out, data, len);
  OPENSSL_free(data);
  return len;
}

static void expect_good_chain(const inspect_chain_t *chain) {
  size_t n = 0;
  CRYPTO_BUFFER *const *certs = lab_get0_chain(g_lab, 0, 0, &n);
  cr_assert_eq(inspect_chain_num(chain), n);
  for (size_t i = 0; i < n; i++) {
    const inspect_cert_info_t *info = inspect_cert_get0_info(inspect_chain_get0(chain, i));
    cr_assert_eq(info->der_len, CRYPTO_BUFFER_len(certs[i]));
    cr_assert(memcmp(info->der, CRYPTO_BUFFER_data(certs[i]), info->der_len) == 0, "certificate %zu differs", i);
  }
}

TestSuite(certmsg, .init = setup, .fini = teardown);

Test(certmsg, both_layouts) {
  static uint8_t buf[1 << 16];
  for (int tls13 = 0; tls13 <= 1; tls13++) {
    size_t len = message(tls13, NULL, buf, sizeof(buf));
    inspect_chain_t *chain = inspect_chain_new();
    size_t num = 0;
    cr_assert_eq(tls_certificate_msg_parse(buf, len, tls13, chain, &num), TLS_OK, "tls13=%d", tls13);
    cr_assert_eq(num, 2);
    expect_good_chain(chain);
    // The other layout does not fit these bytes.
    inspect_chain_t *other = inspect_chain_new();
    cr_assert_eq(tls_certificate_msg_parse(buf, len, !tls13, other, &num), TLS_ECERT_MSG, "tls13=%d read as %d", tls13,
                 !tls13);
    inspect_chain_free(other);
    inspect_chain_free(chain);
  }
}

// An entry that is not a certificate is counted and left out; the rest stays.
Test(certmsg, entry_not_a_certificate) {
  static uint8_t buf[1 << 16];
  size_t len = message(1, "not a certificate", buf, sizeof(buf));
  inspect_chain_t *chain = inspect_chain_new();
  size_t num = 0;
  cr_assert_eq(tls_certificate_msg_parse(buf, len, 1, chain, &num), TLS_OK);
  cr_assert_eq(num, 3);
  expect_good_chain(chain);
  inspect_chain_free(chain);
}

// Every truncation of a valid message, and a byte too many, is refused.
Test(certmsg, truncated_or_trailing) {
  static uint8_t buf[1 << 16];
  for (int tls13 = 0; tls13 <= 1; tls13++) {
    size_t len = message(tls13, NULL, buf, sizeof(buf) - 1);
    for (size_t cut = 0; cut < len; cut++) {
      inspect_chain_t *chain = inspect_chain_new();
      size_t num = 0;
      cr_assert_eq(tls_certificate_msg_parse(buf, cut, tls13, chain, &num), TLS_ECERT_MSG, "tls13=%d cut at %zu", tls13,
                   cut);
      inspect_chain_free(chain);
    }
    buf[len] = 0;
    inspect_chain_t *chain = inspect_chain_new();
    size_t num = 0;
    cr_assert_eq(tls_certificate_msg_parse(buf, len + 1, tls13, chain, &num), TLS_ECERT_MSG);
    inspect_chain_free(chain);
  }
}

// Another handshake message, and a Certificate with no entry (an anonymous
// server sends none: an empty chain, not an error).
Test(certmsg, other_type_and_empty) {
  static const uint8_t kFinished[] = {SSL3_MT_FINISHED, 0, 0, 4, 0, 0, 0, 0};
  static const uint8_t kEmpty13[] = {SSL3_MT_CERTIFICATE, 0, 0, 4, 0, 0, 0, 0};
  inspect_chain_t *chain = inspect_chain_new();
  size_t num = 7;
  cr_assert_eq(tls_certificate_msg_parse(kFinished, sizeof(kFinished), 1, chain, &num), TLS_ECERT_MSG);
  cr_assert_eq(tls_certificate_msg_parse(kEmpty13, sizeof(kEmpty13), 1, chain, &num), TLS_OK);
  cr_assert_eq(num, 0);
  cr_assert_eq(inspect_chain_num(chain), 0);
  inspect_chain_free(chain);
}
