// The token PKI of testpki.h, minted with BoringSSL on first use.

#include "tests/inspect/testpki.h"

#include <criterion/criterion.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec_key.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/mem.h>
#include <openssl/nid.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY ((int64_t)86400)

enum { K_P256, K_P224, K_P384, K_RSA1024, K_RSA2048, K_ED25519 };
enum { M_SHA256, M_SHA1, M_SHA224 };
enum { V_NOW, V_EXPIRED, V_NOTYET };
enum { E_NONE, E_CLIENT, E_SERVER };

typedef struct {
  const char *name;
  const char *issuer;  // token, NULL = self-signed
  const char *cn;
  int ca;
  int no_bc;     // no basicConstraints extension
  int version1;  // X.509 v1, no extensions
  int key;
  int md;
  int validity;
  int eku;
  const char *ku;  // keyUsage value, NULL = the usual one for the role
  int extra_ou;    // OU entries of 60 characters each
} def_t;

static const def_t kDefs[] = {
    {"root", NULL, "test root CA", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"root-twin", NULL, "test root CA", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"other-root", NULL, "test other root CA", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"inter", "root", "test intermediate CA", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"inter2", "inter", "test second-level CA", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"expired", "root", "test expired CA", 1, 0, 0, K_P256, M_SHA256, V_EXPIRED, E_NONE, NULL, 0},
    {"notyet", "root", "test future CA", 1, 0, 0, K_P256, M_SHA256, V_NOTYET, E_NONE, NULL, 0},
    {"sha1", "root", "test SHA-1 CA", 1, 0, 0, K_P256, M_SHA1, V_NOW, E_NONE, NULL, 0},
    {"sha224", "root", "test SHA-224 CA", 1, 0, 0, K_P256, M_SHA224, V_NOW, E_NONE, NULL, 0},
    {"rsa1024", "root", "test RSA-1024 CA", 1, 0, 0, K_RSA1024, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"rsa2048", "root", "test RSA-2048 CA", 1, 0, 0, K_RSA2048, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"p224", "root", "test P-224 CA", 1, 0, 0, K_P224, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"p384", "root", "test P-384 CA", 1, 0, 0, K_P384, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"ed25519", "root", "test Ed25519 CA", 1, 0, 0, K_ED25519, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"v1root", NULL, "test v1 root", 1, 0, 1, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"nobc", "root", "test CA without basicConstraints", 1, 1, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"orphan", "other-root", "test orphan CA", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"stale", "root-twin", "test CA of the twin root", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"d1", "root", "test deep CA 1", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"d2", "d1", "test deep CA 2", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"d3", "d2", "test deep CA 3", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"d4", "d3", "test deep CA 4", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"bigsubj1", "root", "test big subject CA 1", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 30},
    {"bigsubj2", "root", "test big subject CA 2", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 30},
    {"bigsubj3", "root", "test big subject CA 3", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 30},
    {"bigsubj4", "root", "test big subject CA 4", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 30},
    {"bigsubj5", "root", "test big subject CA 5", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 30},
    {"child-of-expired", "expired", "test CA under the expired CA", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"child-of-rsa1024", "rsa1024", "test CA under the RSA-1024 CA", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"uroot", NULL, "test untrusted root CA", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"uinter", "uroot", "test untrusted intermediate CA", 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    // Client leaves.
    {"leaf", "inter", "client", 0, 0, 0, K_P256, M_SHA256, V_NOW, E_CLIENT, NULL, 0},
    {"leaf-expired", "inter", "expired client", 0, 0, 0, K_P256, M_SHA256, V_EXPIRED, E_CLIENT, NULL, 0},
    {"leaf-notyet", "inter", "future client", 0, 0, 0, K_P256, M_SHA256, V_NOTYET, E_CLIENT, NULL, 0},
    {"leaf-server", "inter", "server-only client", 0, 0, 0, K_P256, M_SHA256, V_NOW, E_SERVER, NULL, 0},
    {"leaf-noeku", "inter", "client without EKU", 0, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"leaf-keyenc", "inter", "keyEncipherment client", 0, 0, 0, K_RSA2048, M_SHA256, V_NOW, E_CLIENT,
     "critical,keyEncipherment", 0},
    {"leaf-sha1", "inter", "SHA-1 client", 0, 0, 0, K_P256, M_SHA1, V_NOW, E_CLIENT, NULL, 0},
    {"leaf-rsa1024", "inter", "RSA-1024 client", 0, 0, 0, K_RSA1024, M_SHA256, V_NOW, E_CLIENT, NULL, 0},
    {"leaf-ed25519", "inter", "Ed25519 client", 0, 0, 0, K_ED25519, M_SHA256, V_NOW, E_CLIENT, NULL, 0},
    {"leaf-v1", "inter", "v1 client", 0, 0, 1, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0},
    {"self", NULL, "self-signed client", 0, 0, 0, K_P256, M_SHA256, V_NOW, E_CLIENT, NULL, 0},
    {"uleaf", "uinter", "untrusted client", 0, 0, 0, K_P256, M_SHA256, V_NOW, E_CLIENT, NULL, 0},
    {"dleaf", "d4", "deep client", 0, 0, 0, K_P256, M_SHA256, V_NOW, E_CLIENT, NULL, 0},
    {"dleaf3", "d3", "less deep client", 0, 0, 0, K_P256, M_SHA256, V_NOW, E_CLIENT, NULL, 0},
    {"leaf-under-rsa1024", "rsa1024", "client of the RSA-1024 CA", 0, 0, 0, K_P256, M_SHA256, V_NOW, E_CLIENT, NULL, 0},
    {"leaf-under-expired", "expired", "client of the expired CA", 0, 0, 0, K_P256, M_SHA256, V_NOW, E_CLIENT, NULL, 0},
    {"leaf-under-nobc", "nobc", "client of the CA without basicConstraints", 0, 0, 0, K_P256, M_SHA256, V_NOW, E_CLIENT,
     NULL, 0},
};

#define NUM_DEFS (sizeof(kDefs) / sizeof(kDefs[0]))
#define MAX_MANY 64

typedef struct {
  X509 *x509;
  EVP_PKEY *key;
  uint8_t *der;
  size_t der_len;
} minted_t;

static minted_t g_minted[NUM_DEFS];
static minted_t g_many[MAX_MANY];
static unsigned g_serial = 1;

static EVP_PKEY *ec_key(int nid) {
  EC_KEY *ec = EC_KEY_new_by_curve_name(nid);
  EVP_PKEY *pkey = EVP_PKEY_new();
  cr_assert(ec != NULL && pkey != NULL && EC_KEY_generate_key(ec) && EVP_PKEY_assign_EC_KEY(pkey, ec));
  return pkey;
}

static EVP_PKEY *new_key(int type) {
  switch (type) {
    case K_P224: return ec_key(NID_secp224r1);
    case K_P384: return ec_key(NID_secp384r1);
    case K_RSA1024:
    case K_RSA2048: {
      RSA *rsa = RSA_new();
      BIGNUM *e = BN_new();
      EVP_PKEY *pkey = EVP_PKEY_new();
      cr_assert(rsa != NULL && e != NULL && pkey != NULL && BN_set_word(e, RSA_F4) &&
                RSA_generate_key_ex(rsa, type == K_RSA1024 ? 1024 : 2048, e, NULL) && EVP_PKEY_assign_RSA(pkey, rsa));
      BN_free(e);
      return pkey;
    }
    case K_ED25519: {
      EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
      EVP_PKEY *pkey = NULL;
      cr_assert(ctx != NULL && EVP_PKEY_keygen_init(ctx) && EVP_PKEY_keygen(ctx, &pkey));
      EVP_PKEY_CTX_free(ctx);
      return pkey;
    }
    default: break;
  }
  return ec_key(NID_X9_62_prime256v1);
}

static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value) {
  X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
  cr_assert(ext != NULL && X509_add_ext(x, ext, -1), "extension %d = %s", nid, value);
  X509_EXTENSION_free(ext);
}

static void set_time(X509 *x, int64_t t, int after) {
  ASN1_TIME *tm = ASN1_TIME_set(NULL, (time_t)t);
  cr_assert(tm != NULL && (after ? X509_set1_notAfter(x, tm) : X509_set1_notBefore(x, tm)));
  ASN1_TIME_free(tm);
}

static const minted_t *get(const char *token);

static void mint(const def_t *def, minted_t *out) {
  const minted_t *issuer = def->issuer != NULL ? get(def->issuer) : NULL;
  out->key = new_key(def->key);
  X509 *x = X509_new();
  cr_assert(x != NULL && X509_set_version(x, def->version1 ? X509_VERSION_1 : X509_VERSION_3));
  cr_assert(ASN1_INTEGER_set(X509_get_serialNumber(x), (long)g_serial++));
  X509_NAME *name = X509_get_subject_name(x);
  cr_assert(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const uint8_t *)"tlsmirror test", -1, -1, 0));
  for (int i = 0; i < def->extra_ou; i++) {
    char ou[64];  // 60 characters: 71 DER bytes per RDN
    snprintf(ou, sizeof(ou), "%02d-an organisational unit that makes the subject name long", i % 100);
    cr_assert(X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_UTF8, (const uint8_t *)ou, -1, -1, 0));
  }
  cr_assert(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const uint8_t *)def->cn, -1, -1, 0));
  cr_assert(X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer->x509) : name));
  int64_t nb = def->ca ? TP_NOW - 365 * DAY : TP_NOW - 30 * DAY;
  int64_t na = def->ca ? TP_NOW + 3650 * DAY : TP_NOW + 200 * DAY;
  if (def->validity == V_EXPIRED) {
    nb = TP_NOW - 400 * DAY;
    na = TP_NOW - 1 * DAY;
  } else if (def->validity == V_NOTYET) {
    nb = TP_NOW + 30 * DAY;
    na = TP_NOW + 400 * DAY;
  }
  set_time(x, nb, 0);
  set_time(x, na, 1);
  cr_assert(X509_set_pubkey(x, out->key));
  if (!def->version1) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer != NULL ? issuer->x509 : x, x, NULL, NULL, 0);
    if (!def->no_bc) {
      add_ext(x, &ctx, NID_basic_constraints, def->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    }
    add_ext(x, &ctx, NID_key_usage,
            def->ku != NULL ? def->ku
            : def->ca       ? "critical,keyCertSign,cRLSign"
                            : "critical,digitalSignature");
    if (def->eku != E_NONE) {
      add_ext(x, &ctx, NID_ext_key_usage, def->eku == E_CLIENT ? "clientAuth" : "serverAuth");
    }
    add_ext(x, &ctx, NID_subject_key_identifier, "hash");
    if (issuer != NULL) {
      add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
    }
  }
  EVP_PKEY *signer = issuer != NULL ? issuer->key : out->key;
  const EVP_MD *md = EVP_PKEY_id(signer) == EVP_PKEY_ED25519 ? NULL
                     : def->md == M_SHA1                     ? EVP_sha1()
                     : def->md == M_SHA224                   ? EVP_sha224()
                                                             : EVP_sha256();
  cr_assert(X509_sign(x, signer, md) > 0, "signing %s", def->name);
  uint8_t *der = NULL;
  int len = i2d_X509(x, &der);
  cr_assert(len > 0);
  out->x509 = x;
  out->der = der;
  out->der_len = (size_t)len;
  ERR_clear_error();
}

static const minted_t *get(const char *token) {
  if (strncmp(token, "many-", 5) == 0) {
    int i = atoi(token + 5);
    cr_assert(i >= 0 && i < MAX_MANY, "%s", token);
    if (g_many[i].x509 == NULL) {
      char cn[32];
      snprintf(cn, sizeof(cn), "test CA number %d", i);
      def_t def = {token, "root", cn, 1, 0, 0, K_P256, M_SHA256, V_NOW, E_NONE, NULL, 0};
      mint(&def, &g_many[i]);
    }
    return &g_many[i];
  }
  for (size_t i = 0; i < NUM_DEFS; i++) {
    if (strcmp(kDefs[i].name, token) == 0) {
      if (g_minted[i].x509 == NULL) {
        mint(&kDefs[i], &g_minted[i]);
      }
      return &g_minted[i];
    }
  }
  cr_assert_fail("unknown token %s", token);
  return NULL;
}

const uint8_t *tp_der(const char *token, size_t *out_len) {
  const minted_t *m = get(token);
  *out_len = m->der_len;
  return m->der;
}

static void append_pem(inspect_buf_t *out, const char *token, int crlf) {
  const minted_t *m = get(token);
  BIO *bio = BIO_new(BIO_s_mem());
  cr_assert(bio != NULL && PEM_write_bio_X509(bio, m->x509));
  const uint8_t *data;
  size_t len;
  BIO_mem_contents(bio, &data, &len);
  for (size_t i = 0; i < len; i++) {
    if (crlf && data[i] == '\n') {
      inspect_buf_append(out, "\r", 1);
    }
    inspect_buf_append(out, data + i, 1);
  }
  BIO_free(bio);
}

// each_token calls fn for each space-separated token.
static void each_token(const char *tokens, void (*fn)(const char *token, void *arg), void *arg) {
  char buf[512];
  snprintf(buf, sizeof(buf), "%s", tokens);
  char *save = NULL;
  for (char *t = strtok_r(buf, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
    fn(t, arg);
  }
}

static void text_token(const char *t, void *arg) {
  inspect_buf_t *out = arg;
  if (strcmp(t, "#") == 0) {
    inspect_buf_puts(out, "# a comment\n");
  } else if (strcmp(t, "#-") == 0) {
    inspect_buf_puts(out, "# a comment - with a dash\n");
  } else if (strcmp(t, "blank") == 0) {
    inspect_buf_puts(out, "\n");
  } else if (strcmp(t, "junk") == 0) {
    inspect_buf_puts(out, "Certificate:\n");
  } else if (strcmp(t, "key") == 0) {
    inspect_buf_puts(out, "-----BEGIN PRIVATE KEY-----\nAAEC\n-----END PRIVATE KEY-----\n");
  } else if (strcmp(t, "badb64") == 0) {
    inspect_buf_puts(out, "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
  } else if (strcmp(t, "notder") == 0) {
    inspect_buf_puts(out, "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n");
  } else if (strcmp(t, "noend") == 0) {
    inspect_buf_puts(out, "-----BEGIN CERTIFICATE-----\nAAEC\n");
  } else if (strncmp(t, "crlf:", 5) == 0) {
    append_pem(out, t + 5, 1);
  } else if (strncmp(t, "many:", 5) == 0) {
    int n = atoi(t + 5);
    for (int i = 0; i < n; i++) {
      char name[24];
      snprintf(name, sizeof(name), "many-%d", i);
      append_pem(out, name, 0);
    }
  } else {
    append_pem(out, t, 0);
  }
}

void tp_text(const char *tokens, inspect_buf_t *out) { each_token(tokens, text_token, out); }

static void chain_token(const char *t, void *arg) {
  const minted_t *m = get(t);
  cr_assert_eq(inspect_chain_add_der(arg, m->der, m->der_len), INSPECT_OK, "%s", t);
}

void tp_chain(const char *tokens, inspect_chain_t *chain) { each_token(tokens, chain_token, chain); }

static void trust_token(const char *t, void *arg) {
  const minted_t *m = get(t);
  int err;
  inspect_cert_t *cert = inspect_cert_new(m->der, m->der_len, &err);
  cr_assert(cert != NULL, "%s", t);
  cr_assert_eq(inspect_trust_add1_cert(arg, cert), INSPECT_OK);
  inspect_cert_free(cert);
}

void tp_trust(const char *tokens, inspect_trust_t *trust) { each_token(tokens, trust_token, trust); }
