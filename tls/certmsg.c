// The certificates of a TLS Certificate handshake message, read from the
// message itself (SSL_set_msg_callback gives it before BoringSSL checks
// anything of the leaf), so that a chain BoringSSL refuses is still judged.

#include <openssl/bytestring.h>
#include <openssl/err.h>

#include "tls/tls_internal.h"

int tls_certificate_msg_parse(const uint8_t *msg, size_t len, int tls13, inspect_chain_t *out, size_t *out_num) {
  CBS cbs, body, context, list;
  uint8_t type;
  *out_num = 0;
  CBS_init(&cbs, msg, len);
  if (!CBS_get_u8(&cbs, &type) || type != SSL3_MT_CERTIFICATE || !CBS_get_u24_length_prefixed(&cbs, &body) ||
      CBS_len(&cbs) != 0) {
    return TLS_ECERT_MSG;
  }
  if ((tls13 && !CBS_get_u8_length_prefixed(&body, &context)) || !CBS_get_u24_length_prefixed(&body, &list) ||
      CBS_len(&body) != 0) {
    return TLS_ECERT_MSG;
  }
  while (CBS_len(&list) > 0) {
    CBS cert, extensions;
    if (!CBS_get_u24_length_prefixed(&list, &cert) || CBS_len(&cert) == 0 ||
        (tls13 && !CBS_get_u16_length_prefixed(&list, &extensions))) {
      return TLS_ECERT_MSG;
    }
    // As the verify callbacks do: a certificate that does not parse is
    // counted as dropped, and the report says so (DROPPED_CERT).
    inspect_chain_add_sent(out, CBS_data(&cert), CBS_len(&cert));
    (*out_num)++;
  }
  return TLS_OK;
}

void tls_certificate_msg_keep(const SSL *ssl, int write_p, int content_type, const void *buf, size_t len,
                              inspect_chain_t *sent) {
  const uint8_t *msg = buf;
  if (write_p || content_type != SSL3_RT_HANDSHAKE || len == 0 || msg[0] != SSL3_MT_CERTIFICATE || sent == NULL ||
      inspect_chain_num(sent) + inspect_chain_num_dropped(sent) > 0) {
    return;
  }
  size_t n = 0;
  // A malformed message leaves what parsed: BoringSSL then fails on it too,
  // with a reason that is not an own limit.
  (void)tls_certificate_msg_parse(msg, len, SSL_version(ssl) >= TLS1_3_VERSION, sent, &n);
}

const char *tls_own_limit(uint32_t packed) {
  if (ERR_GET_LIB(packed) != ERR_LIB_SSL || ERR_GET_REASON(packed) != SSL_R_KEY_USAGE_BIT_INCORRECT) {
    return NULL;
  }
  return "tlsmirror's BoringSSL refuses a leaf whose key usage lacks digitalSignature (KEY_USAGE_BIT_INCORRECT) "
         "and stopped the handshake there; the chain was read from the origin's Certificate message and is "
         "judged as each client would";
}
