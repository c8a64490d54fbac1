// A ClientHello built byte by byte from a spec, for offers BoringSSL's own
// client cannot make (DHE and CBC-SHA256 suites, FFDHE groups...): only the
// server's first answer is read (tls_offer_probe), so no secret is needed
// beyond a real key share for a group BoringSSL can make.

#include <openssl/bytestring.h>
#include <openssl/curve25519.h>
#include <openssl/ec.h>
#include <openssl/ec_key.h>
#include <openssl/nid.h>
#include <openssl/rand.h>
#include <string.h>

#include "tls/tls_internal.h"

#ifndef OPENSSL_IS_BORINGSSL
#error "tlsmirror's TLS layer needs BoringSSL (-I/usr/include/android)"
#endif

static int add_u16_list(CBB *cbb, const uint16_t *list, size_t num) {
  CBB child;
  if (!CBB_add_u16_length_prefixed(cbb, &child)) {
    return 0;
  }
  for (size_t i = 0; i < num; i++) {
    if (!CBB_add_u16(&child, list[i])) {
      return 0;
    }
  }
  return CBB_flush(cbb);
}

// add_key_share adds one KeyShareEntry for the first group of `spec` that
// BoringSSL can make a key for; none when it can make none (the server then
// answers with a HelloRetryRequest for its group).
static int add_key_share(CBB *shares, const inspect_hello_spec_t *spec) {
  for (size_t i = 0; i < spec->num_groups; i++) {
    uint16_t group = spec->groups[i];
    int nid = group == SSL_CURVE_SECP256R1   ? NID_X9_62_prime256v1
              : group == SSL_CURVE_SECP384R1 ? NID_secp384r1
              : group == SSL_CURVE_SECP521R1 ? NID_secp521r1
                                             : 0;
    CBB key;
    if (group == SSL_CURVE_X25519) {
      uint8_t pub[32], priv[32];
      X25519_keypair(pub, priv);
      return CBB_add_u16(shares, group) && CBB_add_u16_length_prefixed(shares, &key) && CBB_add_bytes(&key, pub, 32) &&
             CBB_flush(shares);
    }
    if (nid != 0) {
      EC_KEY *ec = EC_KEY_new_by_curve_name(nid);
      uint8_t pub[133];
      size_t len = ec != NULL && EC_KEY_generate_key(ec)
                       ? EC_POINT_point2oct(EC_KEY_get0_group(ec), EC_KEY_get0_public_key(ec),
                                            POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub), NULL)
                       : 0;
      EC_KEY_free(ec);
      return len > 0 && CBB_add_u16(shares, group) && CBB_add_u16_length_prefixed(shares, &key) &&
             CBB_add_bytes(&key, pub, len) && CBB_flush(shares);
    }
  }
  return 1;
}

// add_extension opens extension `type` in `exts`, its body in `body`.
static int add_extension(CBB *exts, uint16_t type, CBB *body) {
  return CBB_add_u16(exts, type) && CBB_add_u16_length_prefixed(exts, body);
}

static int add_extensions(CBB *exts, const inspect_hello_spec_t *spec, uint16_t lo, uint16_t hi, const char *sni,
                          const uint8_t *alpn_wire, size_t alpn_len) {
  CBB body, list, name;
  int ok = 1;
  if (sni != NULL) {
    ok = ok && add_extension(exts, TLSEXT_TYPE_server_name, &body) && CBB_add_u16_length_prefixed(&body, &list) &&
         CBB_add_u8(&list, TLSEXT_NAMETYPE_host_name) && CBB_add_u16_length_prefixed(&list, &name) &&
         CBB_add_bytes(&name, (const uint8_t *)sni, strlen(sni)) && CBB_flush(exts);
  }
  ok = ok && add_extension(exts, TLSEXT_TYPE_ec_point_formats, &body) && CBB_add_u8(&body, 1) &&
       CBB_add_u8(&body, TLSEXT_ECPOINTFORMAT_uncompressed) && CBB_flush(exts);
  if (spec->num_groups > 0) {
    ok = ok && add_extension(exts, TLSEXT_TYPE_supported_groups, &body) &&
         add_u16_list(&body, spec->groups, spec->num_groups) && CBB_flush(exts);
  }
  if (hi >= TLS1_2_VERSION && spec->num_sigalgs > 0) {
    ok = ok && add_extension(exts, TLSEXT_TYPE_signature_algorithms, &body) &&
         add_u16_list(&body, spec->sigalgs, spec->num_sigalgs) && CBB_flush(exts);
  }
  if (alpn_wire != NULL && alpn_len > 0) {
    ok = ok && add_extension(exts, TLSEXT_TYPE_application_layer_protocol_negotiation, &body) &&
         CBB_add_u16_length_prefixed(&body, &list) && CBB_add_bytes(&list, alpn_wire, alpn_len) && CBB_flush(exts);
  }
  ok = ok && add_extension(exts, TLSEXT_TYPE_extended_master_secret, &body) && CBB_flush(exts);
  ok = ok && add_extension(exts, TLSEXT_TYPE_renegotiate, &body) && CBB_add_u8(&body, 0) && CBB_flush(exts);
  if (hi >= TLS1_3_VERSION) {
    ok = ok && add_extension(exts, TLSEXT_TYPE_supported_versions, &body) && CBB_add_u8_length_prefixed(&body, &list);
    for (uint16_t v = hi; ok && v >= lo && v >= TLS1_VERSION; v--) {
      ok = CBB_add_u16(&list, v);
    }
    ok = ok && CBB_flush(exts);
    ok = ok && add_extension(exts, TLSEXT_TYPE_psk_key_exchange_modes, &body) && CBB_add_u8(&body, 1) &&
         CBB_add_u8(&body, 1 /* psk_dhe_ke */) && CBB_flush(exts);
    ok = ok && add_extension(exts, TLSEXT_TYPE_key_share, &body) && CBB_add_u16_length_prefixed(&body, &list) &&
         add_key_share(&list, spec) && CBB_flush(exts);
  }
  return ok;
}

int tls_hello_build(const inspect_hello_spec_t *spec, const char *sni, const uint8_t *alpn_wire, size_t alpn_len,
                    inspect_buf_t *out) {
  uint16_t lo = spec->min_version != 0 ? spec->min_version : TLS1_VERSION;
  uint16_t hi = spec->max_version != 0 ? spec->max_version : TLS1_3_VERSION;
  if (lo > hi || hi < TLS1_VERSION || spec->num_ciphers == 0 || (sni != NULL && strlen(sni) > 255)) {
    return TLS_ENO_OFFER;
  }
  uint8_t random[32], session_id[32];
  RAND_bytes(random, sizeof(random));
  RAND_bytes(session_id, sizeof(session_id));
  CBB cbb, record, handshake, sid, compression, exts;
  int ok = CBB_init(&cbb, 512) && CBB_add_u8(&cbb, SSL3_RT_HANDSHAKE) && CBB_add_u16(&cbb, TLS1_VERSION) &&
           CBB_add_u16_length_prefixed(&cbb, &record) && CBB_add_u8(&record, SSL3_MT_CLIENT_HELLO) &&
           CBB_add_u24_length_prefixed(&record, &handshake) &&
           CBB_add_u16(&handshake, hi > TLS1_2_VERSION ? TLS1_2_VERSION : hi) &&
           CBB_add_bytes(&handshake, random, sizeof(random)) && CBB_add_u8_length_prefixed(&handshake, &sid) &&
           // TLS 1.3 clients send a session id for middlebox compatibility (RFC 8446, D.4).
           (hi < TLS1_3_VERSION || CBB_add_bytes(&sid, session_id, sizeof(session_id))) &&
           add_u16_list(&handshake, spec->ciphers, spec->num_ciphers) &&
           CBB_add_u8_length_prefixed(&handshake, &compression) && CBB_add_u8(&compression, 0) &&
           CBB_add_u16_length_prefixed(&handshake, &exts) &&
           add_extensions(&exts, spec, lo, hi, sni, alpn_wire, alpn_len) && CBB_flush(&cbb);
  uint8_t *data = NULL;
  size_t len = 0;
  if (!ok || !CBB_finish(&cbb, &data, &len)) {
    CBB_cleanup(&cbb);
    return TLS_ENOMEM;
  }
  int r = len > 16384 + 5                      ? TLS_ENO_OFFER  // more than one record
          : inspect_buf_append(out, data, len) ? TLS_OK
                                               : TLS_ENOMEM;
  OPENSSL_free(data);
  return r;
}
