// Server contexts for lab origins: certificate choice by SNI presence, the
// SNI-required alert, client-certificate demands and a capped TLS version.

#include <openssl/bytestring.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls.h"

typedef struct {
  STACK_OF(CRYPTO_BUFFER) * chain;
  EVP_PKEY *key;
} origin_identity_t;

typedef struct {
  origin_identity_t identity;
  origin_identity_t no_sni;  // chain NULL: use identity
  int require_sni;
  X509_STORE *client_store;  // non-NULL: client certificates are verified against it
} origin_config_t;

static int g_config_index = -1;
static pthread_once_t g_config_once = PTHREAD_ONCE_INIT;

static void identity_cleanup(origin_identity_t *id) {
  sk_CRYPTO_BUFFER_pop_free(id->chain, CRYPTO_BUFFER_free);
  EVP_PKEY_free(id->key);
}

static void config_free(origin_config_t *cfg) {
  if (cfg == NULL) {
    return;
  }
  identity_cleanup(&cfg->identity);
  identity_cleanup(&cfg->no_sni);
  X509_STORE_free(cfg->client_store);
  free(cfg);
}

static void config_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int index, long argl, void *argp) {
  (void)parent, (void)ad, (void)index, (void)argl, (void)argp;
  config_free(ptr);
}

static void config_index_init(void) { g_config_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, config_ex_free); }

static int identity_copy(origin_identity_t *dst, const tls_identity_t *src) {
  dst->chain = sk_CRYPTO_BUFFER_new_null();
  if (dst->chain == NULL) {
    return 0;
  }
  for (size_t i = 0; i < src->chain_len; i++) {
    CRYPTO_BUFFER_up_ref(src->chain[i]);
    if (!sk_CRYPTO_BUFFER_push(dst->chain, src->chain[i])) {
      CRYPTO_BUFFER_free(src->chain[i]);
      return 0;
    }
  }
  EVP_PKEY_up_ref(src->key);
  dst->key = src->key;
  return 1;
}

static enum ssl_select_cert_result_t select_certificate(const SSL_CLIENT_HELLO *hello) {
  SSL *ssl = hello->ssl;
  const origin_config_t *cfg = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), g_config_index);
  const uint8_t *sni;
  size_t sni_len;
  int has_sni = SSL_early_callback_ctx_extension_get(hello, TLSEXT_TYPE_server_name, &sni, &sni_len);
  if (!has_sni && cfg->require_sni) {
    return ssl_select_cert_error;  // fatal handshake_failure(40)
  }
  const origin_identity_t *id = !has_sni && cfg->no_sni.chain != NULL ? &cfg->no_sni : &cfg->identity;
  size_t n = sk_CRYPTO_BUFFER_num(id->chain);
  CRYPTO_BUFFER *certs[64];
  for (size_t i = 0; i < n && i < 64; i++) {
    certs[i] = sk_CRYPTO_BUFFER_value(id->chain, i);
  }
  if (!SSL_set_chain_and_key(ssl, certs, n < 64 ? n : 64, id->key, NULL)) {
    return ssl_select_cert_error;
  }
  return ssl_select_cert_success;
}

// verify_client checks the client's chain against the configured CA, as a
// server demanding mTLS would, and picks the alert OpenSSL would send.
static enum ssl_verify_result_t verify_client(SSL *ssl, uint8_t *out_alert) {
  const origin_config_t *cfg = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), g_config_index);
  const STACK_OF(CRYPTO_BUFFER) *peer = SSL_get0_peer_certificates(ssl);
  if (peer == NULL || sk_CRYPTO_BUFFER_num(peer) == 0) {
    *out_alert = SSL_AD_CERTIFICATE_REQUIRED;
    return ssl_verify_invalid;
  }
  STACK_OF(X509) *untrusted = sk_X509_new_null();
  X509 *leaf = NULL;
  for (size_t i = 0; i < sk_CRYPTO_BUFFER_num(peer); i++) {
    X509 *x = X509_parse_from_buffer(sk_CRYPTO_BUFFER_value(peer, i));
    if (x == NULL) {
      continue;
    }
    if (leaf == NULL) {
      leaf = x;
    } else if (untrusted == NULL || !sk_X509_push(untrusted, x)) {
      X509_free(x);
    }
  }
  enum ssl_verify_result_t result = ssl_verify_invalid;
  *out_alert = SSL_AD_BAD_CERTIFICATE;
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  if (leaf != NULL && ctx != NULL && X509_STORE_CTX_init(ctx, cfg->client_store, leaf, untrusted)) {
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
    if (X509_verify_cert(ctx) == 1) {
      result = ssl_verify_ok;
    } else {
      switch (X509_STORE_CTX_get_error(ctx)) {
        case X509_V_ERR_CERT_HAS_EXPIRED: *out_alert = SSL_AD_CERTIFICATE_EXPIRED; break;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT: *out_alert = SSL_AD_UNKNOWN_CA; break;
        case X509_V_ERR_INVALID_PURPOSE: *out_alert = SSL_AD_UNSUPPORTED_CERTIFICATE; break;
        default: *out_alert = SSL_AD_BAD_CERTIFICATE; break;
      }
    }
  }
  X509_STORE_CTX_free(ctx);
  X509_free(leaf);
  sk_X509_pop_free(untrusted, X509_free);
  ERR_clear_error();
  return result;
}

static int select_alpn(SSL *ssl, const uint8_t **out, uint8_t *out_len, const uint8_t *in, unsigned in_len, void *arg) {
  (void)ssl, (void)arg;
  CBS list, proto;
  CBS_init(&list, in, in_len);
  while (CBS_len(&list) > 0) {
    if (!CBS_get_u8_length_prefixed(&list, &proto)) {
      break;
    }
    if (CBS_len(&proto) == 8 && memcmp(CBS_data(&proto), "http/1.1", 8) == 0) {
      *out = CBS_data(&proto);
      *out_len = 8;
      return SSL_TLSEXT_ERR_OK;
    }
  }
  return SSL_TLSEXT_ERR_NOACK;
}

static int client_ca_names(SSL_CTX *ctx, const CRYPTO_BUFFER *ca) {
  X509 *x = X509_parse_from_buffer((CRYPTO_BUFFER *)ca);
  if (x == NULL) {
    return 0;
  }
  uint8_t *der = NULL;
  int len = i2d_X509_NAME(X509_get_subject_name(x), &der);
  X509_free(x);
  STACK_OF(CRYPTO_BUFFER) *names = sk_CRYPTO_BUFFER_new_null();
  CRYPTO_BUFFER *name = len > 0 ? CRYPTO_BUFFER_new(der, (size_t)len, NULL) : NULL;
  OPENSSL_free(der);
  if (names == NULL || name == NULL || !sk_CRYPTO_BUFFER_push(names, name)) {
    CRYPTO_BUFFER_free(name);
    sk_CRYPTO_BUFFER_pop_free(names, CRYPTO_BUFFER_free);
    return 0;
  }
  SSL_CTX_set0_client_CAs(ctx, names);
  return 1;
}

SSL_CTX *tls_origin_ctx_new(const tls_origin_config_t *cfg, int *out_err) {
  pthread_once(&g_config_once, config_index_init);
  *out_err = TLS_ECTX;
  if (g_config_index < 0 || cfg->identity.chain_len == 0 || cfg->identity.chain_len > 64 ||
      cfg->no_sni.chain_len > 64 || cfg->identity.key == NULL) {
    return NULL;
  }
  origin_config_t *copy = calloc(1, sizeof(*copy));
  SSL_CTX *ctx = SSL_CTX_new(TLS_with_buffers_method());
  if (copy == NULL || ctx == NULL || !identity_copy(&copy->identity, &cfg->identity) ||
      (cfg->no_sni.chain_len > 0 && !identity_copy(&copy->no_sni, &cfg->no_sni))) {
    config_free(copy);
    SSL_CTX_free(ctx);
    *out_err = TLS_ENOMEM;
    return NULL;
  }
  copy->require_sni = cfg->require_sni;
  if (!SSL_CTX_set_ex_data(ctx, g_config_index, copy)) {
    config_free(copy);
    SSL_CTX_free(ctx);
    return NULL;
  }
  if (!SSL_CTX_set_min_proto_version(ctx, cfg->min_version != 0 ? cfg->min_version : TLS1_2_VERSION) ||
      !SSL_CTX_set_max_proto_version(ctx, cfg->max_version != 0 ? cfg->max_version : TLS1_3_VERSION) ||
      (cfg->ciphers != NULL && !SSL_CTX_set_strict_cipher_list(ctx, cfg->ciphers)) ||
      (cfg->curves != NULL && !SSL_CTX_set1_curves_list(ctx, cfg->curves)) ||
      (cfg->num_sigalgs > 0 && !SSL_CTX_set_signing_algorithm_prefs(ctx, cfg->sigalgs, cfg->num_sigalgs))) {
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return NULL;
  }
  SSL_CTX_set_select_certificate_cb(ctx, select_certificate);
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);
  if (cfg->require_client_cert) {
    X509 *ca = cfg->client_ca != NULL ? X509_parse_from_buffer((CRYPTO_BUFFER *)cfg->client_ca) : NULL;
    copy->client_store = X509_STORE_new();
    if (ca == NULL || copy->client_store == NULL || !X509_STORE_add_cert(copy->client_store, ca) ||
        !client_ca_names(ctx, cfg->client_ca)) {
      X509_free(ca);
      SSL_CTX_free(ctx);
      ERR_clear_error();
      return NULL;
    }
    X509_free(ca);
    SSL_CTX_set_custom_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_client);
  }
  *out_err = TLS_OK;
  return ctx;
}

const char *tls_conn_get_sni(const SSL *ssl) { return SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name); }
