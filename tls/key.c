#include <openssl/bn.h>
#include <openssl/ec_key.h>
#include <openssl/evp.h>
#include <openssl/nid.h>
#include <openssl/rsa.h>

#include "tls/tls.h"

static EVP_PKEY *ec_generate(int nid) {
  EC_KEY *ec = EC_KEY_new_by_curve_name(nid);
  EVP_PKEY *pkey = EVP_PKEY_new();
  if (ec == NULL || pkey == NULL || !EC_KEY_generate_key(ec) || !EVP_PKEY_assign_EC_KEY(pkey, ec)) {
    EC_KEY_free(ec);
    EVP_PKEY_free(pkey);
    return NULL;
  }
  return pkey;
}

static EVP_PKEY *rsa_generate(int bits) {
  if (bits < 1024 || bits > 8192) {
    return NULL;
  }
  RSA *rsa = RSA_new();
  BIGNUM *e = BN_new();
  EVP_PKEY *pkey = EVP_PKEY_new();
  if (rsa == NULL || e == NULL || pkey == NULL || !BN_set_word(e, RSA_F4) || !RSA_generate_key_ex(rsa, bits, e, NULL) ||
      !EVP_PKEY_assign_RSA(pkey, rsa)) {
    RSA_free(rsa);
    BN_free(e);
    EVP_PKEY_free(pkey);
    return NULL;
  }
  BN_free(e);
  return pkey;
}

EVP_PKEY *tls_key_generate(tls_key_type_t type, int rsa_bits) {
  switch (type) {
    case TLS_KEY_EC_P256: return ec_generate(NID_X9_62_prime256v1);
    case TLS_KEY_EC_P384: return ec_generate(NID_secp384r1);
    case TLS_KEY_RSA: return rsa_generate(rsa_bits);
    case TLS_KEY_ED25519: {
      EVP_PKEY *key = NULL;
      EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
      if (pctx == NULL || EVP_PKEY_keygen_init(pctx) != 1 || EVP_PKEY_keygen(pctx, &key) != 1) {
        key = NULL;
      }
      EVP_PKEY_CTX_free(pctx);
      return key;
    }
  }
  return NULL;
}
