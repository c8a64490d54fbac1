// Mirrored chains: the origin's chain, re-keyed and re-signed by the mirror
// CA so that clients trusting the mirror root decide exactly as they would
// against the origin. See tls.h.

#include <arpa/inet.h>
#include <openssl/bytestring.h>
#include <openssl/digest.h>
#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tls/tls_internal.h"

// Key classes: a mirrored certificate gets a key of the same type and size
// class as the original, so key-strength rules judge the copy alike.
typedef enum {
  KEY_EC256,
  KEY_EC384,
  KEY_EC521,
  KEY_RSA1024,
  KEY_RSA2048,
  KEY_RSA3072,
  KEY_RSA4096,
  KEY_ED25519,
  NUM_KEY_CLASSES
} key_class_t;

// Slots: positions in a chain, then phantom issuers (issuers the origin did
// not send), so no two certificates of one chain share a key.
#define NUM_SLOTS (2 * INSPECT_CHAIN_MAX)

typedef struct {
  uint8_t hash[32];
  CRYPTO_BUFFER *chain[INSPECT_CHAIN_MAX];
  size_t chain_len;
  EVP_PKEY *key;
} mirror_entry_t;

struct tls_mirror_st {
  const tls_mirror_ca_t *ca;
  char *aia_base;  // see tls_mirror_set_aia_base; NULL keeps the origin's URLs
  EVP_PKEY *keys[NUM_KEY_CLASSES][NUM_SLOTS];
  mirror_entry_t *entries;
  size_t num_entries;
  size_t next;
  size_t hits;
  size_t keys_generated;  // by key_for, on the caller's thread
};

tls_mirror_t *tls_mirror_new(const tls_mirror_ca_t *ca, size_t cache_entries) {
  tls_mirror_t *m = calloc(1, sizeof(*m));
  if (m == NULL) {
    return NULL;
  }
  m->ca = ca;
  m->num_entries = cache_entries > 0 ? cache_entries : 1;
  m->entries = calloc(m->num_entries, sizeof(mirror_entry_t));
  if (m->entries == NULL) {
    free(m);
    return NULL;
  }
  return m;
}

static void entry_clear(mirror_entry_t *e) {
  for (size_t i = 0; i < e->chain_len; i++) {
    CRYPTO_BUFFER_free(e->chain[i]);
  }
  EVP_PKEY_free(e->key);
  memset(e, 0, sizeof(*e));
}

void tls_mirror_free(tls_mirror_t *m) {
  if (m == NULL) {
    return;
  }
  for (size_t i = 0; i < m->num_entries; i++) {
    entry_clear(&m->entries[i]);
  }
  for (size_t c = 0; c < NUM_KEY_CLASSES; c++) {
    for (size_t s = 0; s < NUM_SLOTS; s++) {
      EVP_PKEY_free(m->keys[c][s]);
    }
  }
  free(m->entries);
  free(m->aia_base);
  free(m);
}

size_t tls_mirror_cache_hits(const tls_mirror_t *m) { return m->hits; }
size_t tls_mirror_keys_generated(const tls_mirror_t *m) { return m->keys_generated; }

static key_class_t class_of(const inspect_cert_info_t *info) {
  switch (info->key_type) {
    case INSPECT_KEY_RSA:
    case INSPECT_KEY_DSA:
      return info->key_bits <= 1024   ? KEY_RSA1024
             : info->key_bits <= 2048 ? KEY_RSA2048
             : info->key_bits <= 3072 ? KEY_RSA3072
                                      : KEY_RSA4096;
    case INSPECT_KEY_EC: return info->key_bits <= 256 ? KEY_EC256 : info->key_bits <= 384 ? KEY_EC384 : KEY_EC521;
    case INSPECT_KEY_ED25519: return KEY_ED25519;
    case INSPECT_KEY_UNKNOWN: break;
  }
  return KEY_EC256;
}

static EVP_PKEY *generate(key_class_t c) {
  switch (c) {
    case KEY_EC256: return tls_key_generate(TLS_KEY_EC_P256, 0);
    case KEY_EC384: return tls_key_generate(TLS_KEY_EC_P384, 0);
    case KEY_EC521: return tls_key_generate(TLS_KEY_EC_P384, 0);  // no P-521 minting here; P-384 is the closest class
    case KEY_RSA1024: return tls_key_generate(TLS_KEY_RSA, 1024);
    case KEY_RSA2048: return tls_key_generate(TLS_KEY_RSA, 2048);
    case KEY_RSA3072: return tls_key_generate(TLS_KEY_RSA, 3072);
    case KEY_RSA4096: return tls_key_generate(TLS_KEY_RSA, 4096);
    case KEY_ED25519: {
      EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
      EVP_PKEY *key = NULL;
      if (pctx == NULL || !EVP_PKEY_keygen_init(pctx) || !EVP_PKEY_keygen(pctx, &key)) {
        key = NULL;
      }
      EVP_PKEY_CTX_free(pctx);
      return key;
    }
    case NUM_KEY_CLASSES: break;
  }
  return NULL;
}

// key_for returns the mirror key of class `c` for chain slot `slot`.
static EVP_PKEY *key_for(tls_mirror_t *m, key_class_t c, size_t slot) {
  if (slot >= NUM_SLOTS) {
    slot = NUM_SLOTS - 1;
  }
  if (m->keys[c][slot] == NULL) {
    m->keys[c][slot] = generate(c);
    m->keys_generated++;
  }
  return m->keys[c][slot];
}

static const EVP_MD *digest_for(const inspect_cert_info_t *info, const EVP_PKEY *signer) {
  if (EVP_PKEY_id(signer) == EVP_PKEY_ED25519) {
    return NULL;
  }
  switch (info->sig_hash) {
    case INSPECT_HASH_MD5:
    case INSPECT_HASH_SHA1: return EVP_sha1();  // MD5 cannot be minted here; SHA-1 is as weak for every verifier
    case INSPECT_HASH_SHA224: return EVP_sha224();
    case INSPECT_HASH_SHA384: return EVP_sha384();
    case INSPECT_HASH_SHA512: return EVP_sha512();
    default: return EVP_sha256();
  }
}

static void replace_ext(X509 *x, int nid, X509 *issuer, const char *value) {
  int loc = X509_get_ext_by_NID(x, nid, -1);
  if (loc < 0) {
    return;  // keep the shape: only key identifiers the original had
  }
  X509_EXTENSION_free(X509_delete_ext(x, loc));
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, &v3, nid, value);
  if (ext != NULL) {
    X509_add_ext(x, ext, loc);
    X509_EXTENSION_free(ext);
  }
}

// aia_path writes "/<32 hex digits>.der": a SHA-256 of the original URL and
// of the public key that signs the copy naming it, so the URL leads to the
// one mirrored issuer that verifies that copy.
static int aia_path(const char *url, EVP_PKEY *signer, char *out, size_t out_len) {
  uint8_t *spki = NULL;
  size_t spki_len = 0;
  CBB cbb;
  if (!CBB_init(&cbb, 128) || !EVP_marshal_public_key(&cbb, signer) || !CBB_finish(&cbb, &spki, &spki_len)) {
    CBB_cleanup(&cbb);
    return 0;
  }
  uint8_t digest[32];
  SHA256_CTX sha;
  SHA256_Init(&sha);
  SHA256_Update(&sha, url, strlen(url) + 1);
  SHA256_Update(&sha, spki, spki_len);
  SHA256_Final(digest, &sha);
  OPENSSL_free(spki);
  char hex[33];
  for (size_t i = 0; i < 16; i++) {
    snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  }
  return snprintf(out, out_len, "/%s.der", hex) < (int)out_len;
}

// rewrite_aia points every http:// caIssuers URL of `x` at `base` (see
// tls_mirror_set_aia_base); other access descriptions (OCSP, non-http URLs,
// which no browser fetches) stay as they are.
static int rewrite_aia(X509 *x, const char *base, EVP_PKEY *signer) {
  int crit = 0;
  AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, &crit, NULL);
  int ok = 1, changed = 0;
  for (size_t i = 0; aia != NULL && ok && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
    ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
    if (OBJ_obj2nid(ad->method) != NID_ad_ca_issuers || ad->location->type != GEN_URI) {
      continue;
    }
    ASN1_IA5STRING *uri = ad->location->d.uniformResourceIdentifier;
    char url[2048], path[64], rewritten[2200];
    if (ASN1_STRING_length(uri) < 7 || (size_t)ASN1_STRING_length(uri) >= sizeof(url) ||
        strncasecmp((const char *)ASN1_STRING_get0_data(uri), "http://", 7) != 0) {
      continue;
    }
    snprintf(url, sizeof(url), "%.*s", ASN1_STRING_length(uri), (const char *)ASN1_STRING_get0_data(uri));
    ok = aia_path(url, signer, path, sizeof(path)) &&
         snprintf(rewritten, sizeof(rewritten), "%s%s", base, path) < (int)sizeof(rewritten) &&
         ASN1_STRING_set(uri, rewritten, (int)strlen(rewritten));
    changed = 1;
  }
  if (ok && changed) {
    ok = X509_add1_ext_i2d(x, NID_info_access, aia, crit, X509V3_ADD_REPLACE) == 1;
  }
  AUTHORITY_INFO_ACCESS_free(aia);
  return ok;
}

// mint_copy re-keys `origin` with `key` and signs it as `issuer_x509` (whose
// subject becomes the issuer name) with `issuer_key`; issuer NULL = self.
// With an AIA base, its caIssuers URLs point at the mirror (rewrite_aia).
static CRYPTO_BUFFER *mint_copy(X509 *origin, const inspect_cert_info_t *info, EVP_PKEY *key, X509 *issuer_x509,
                                EVP_PKEY *issuer_key, const char *aia_base) {
  X509 *x = X509_dup(origin);
  CRYPTO_BUFFER *out = NULL;
  if (x == NULL || !X509_set_pubkey(x, key)) {
    X509_free(x);
    return NULL;
  }
  if (issuer_x509 != NULL) {
    X509_set_issuer_name(x, X509_get_subject_name(issuer_x509));
  } else {
    X509_set_issuer_name(x, X509_get_subject_name(x));
    issuer_key = key;
  }
  replace_ext(x, NID_subject_key_identifier, NULL, "hash");
  replace_ext(x, NID_authority_key_identifier, issuer_x509 != NULL ? issuer_x509 : x, "keyid:always");
  if ((aia_base == NULL || rewrite_aia(x, aia_base, issuer_key)) &&
      X509_sign(x, issuer_key, digest_for(info, issuer_key)) > 0) {
    uint8_t *der = NULL;
    int len = i2d_X509(x, &der);
    if (len > 0) {
      out = CRYPTO_BUFFER_new(der, (size_t)len, NULL);
    }
    OPENSSL_free(der);
  }
  X509_free(x);
  ERR_clear_error();
  return out;
}

// phantom_of returns an unsigned stand-in for `x`'s issuer: its name, `key`,
// and a subject key identifier, so that a copy signed with `key` keeps its
// authority key identifier (naming that key).
static X509 *phantom_of(X509 *x, EVP_PKEY *key) {
  X509 *phantom = X509_new();
  if (phantom == NULL || !X509_set_subject_name(phantom, X509_get_issuer_name(x)) || !X509_set_pubkey(phantom, key)) {
    X509_free(phantom);
    return NULL;
  }
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, NULL, phantom, NULL, NULL, 0);
  X509_EXTENSION *ski = X509V3_EXT_nconf_nid(NULL, &v3, NID_subject_key_identifier, "hash");
  if (ski != NULL) {
    X509_add_ext(phantom, ski, -1);
    X509_EXTENSION_free(ski);
  }
  return phantom;
}

// A plan says how each certificate of the origin chain is mirrored.
typedef enum {
  SIGN_BY_SENT,     // its issuer is in the chain: sign with that copy's key
  SIGN_BY_ROOT,     // a trust anchor issued it: sign with the mirror root
  SIGN_SELF,        // self-signed, not trusted: self-sign the copy
  SIGN_BY_PHANTOM,  // issuer unknown: sign with a key no client can find
  IS_ANCHOR,        // it is a trust anchor: send the mirror root instead
} plan_kind_t;

typedef struct {
  plan_kind_t kind;
  size_t issuer;  // with SIGN_BY_SENT
} plan_t;

static void make_plan(const inspect_chain_t *origin, const inspect_trust_t *trust, plan_t *plan) {
  size_t n = inspect_chain_num(origin);
  for (size_t i = 0; i < n; i++) {
    const inspect_cert_t *c = inspect_chain_get0(origin, i);
    plan[i].kind = SIGN_BY_PHANTOM;
    if (inspect_trust_contains(trust, c)) {
      // A trust anchor sent as the leaf (a self-signed certificate the user
      // trusts) is trusted as it is: its copy must chain to the mirror root,
      // keeping its names. Elsewhere the mirror root stands in for it.
      plan[i].kind = i == 0 ? SIGN_BY_ROOT : IS_ANCHOR;
      continue;
    }
    if (inspect_cert_is_self_signed(c)) {
      plan[i].kind = SIGN_SELF;
      continue;
    }
    for (size_t j = 0; j < n; j++) {
      if (j != i && inspect_cert_is_issued_by(c, inspect_chain_get0(origin, j))) {
        plan[i].kind = inspect_trust_contains(trust, inspect_chain_get0(origin, j)) ? SIGN_BY_ROOT : SIGN_BY_SENT;
        plan[i].issuer = j;
        break;
      }
    }
    if (plan[i].kind == SIGN_BY_PHANTOM && inspect_trust_issuer_of(trust, c)) {
      plan[i].kind = SIGN_BY_ROOT;
    }
  }
}

// break_loop finds a loop of SIGN_BY_SENT certificates not yet minted (CAs
// cross-signed by each other, both sent) and makes the one of them sent last
// SIGN_BY_PHANTOM: a verifier finds no issuer past its copy, as it finds no
// way out of the loop in the origin's chain. Returns 0 if there is none.
static int break_loop(plan_t *plan, const int *done, size_t n) {
  for (size_t start = 0; start < n; start++) {
    if (done[start] || plan[start].kind != SIGN_BY_SENT) {
      continue;
    }
    // Every certificate still waiting waits for another: n steps from any
    // of them end inside a loop.
    size_t c = start;
    for (size_t step = 0; step < n && !done[c] && plan[c].kind == SIGN_BY_SENT; step++) {
      c = plan[c].issuer;
    }
    if (done[c] || plan[c].kind != SIGN_BY_SENT) {
      continue;
    }
    size_t furthest = c;
    for (size_t k = plan[c].issuer; k != c; k = plan[k].issuer) {
      furthest = k > furthest ? k : furthest;
    }
    plan[furthest].kind = SIGN_BY_PHANTOM;
    return 1;
  }
  return 0;
}

// mint_chain mirrors certificates in issuing order (issuers before the
// certificates they sign), since a copy is signed with its issuer copy's key.
static int mint_chain(tls_mirror_t *m, const inspect_chain_t *origin, plan_t *plan, mirror_entry_t *e) {
  size_t n = inspect_chain_num(origin);
  X509 *copies[INSPECT_CHAIN_MAX] = {0};
  int done[INSPECT_CHAIN_MAX] = {0};
  size_t num_done = 0;
  int err = TLS_OK;
  while (num_done < n && err == TLS_OK) {
    size_t before = num_done;
    for (size_t i = 0; i < n && err == TLS_OK; i++) {
      if (done[i]) {
        continue;
      }
      const inspect_cert_t *c = inspect_chain_get0(origin, i);
      const inspect_cert_info_t *info = inspect_cert_get0_info(c);
      X509 *x = inspect_cert_get0_x509(c);
      EVP_PKEY *key = plan[i].kind == IS_ANCHOR ? NULL : key_for(m, class_of(info), i);
      CRYPTO_BUFFER *buf = NULL;
      switch (plan[i].kind) {
        case IS_ANCHOR:
          CRYPTO_BUFFER_up_ref(m->ca->root);
          buf = m->ca->root;
          break;
        case SIGN_SELF: buf = key != NULL ? mint_copy(x, info, key, NULL, NULL, m->aia_base) : NULL; break;
        case SIGN_BY_ROOT:
          buf = key != NULL ? mint_copy(x, info, key, m->ca->root_x509, m->ca->root_key, m->aia_base) : NULL;
          break;
        case SIGN_BY_PHANTOM: {
          // A stand-in for the issuer the origin did not send: same name as
          // that issuer, a key of its own (the key of what
          // tls_mirror_aia_issuer mints), under the untrusted root.
          EVP_PKEY *pkey = key_for(m, KEY_EC256, INSPECT_CHAIN_MAX + i);
          X509 *phantom = pkey != NULL ? phantom_of(x, pkey) : NULL;
          buf = phantom != NULL ? mint_copy(x, info, key, phantom, pkey, m->aia_base) : NULL;
          X509_free(phantom);
          break;
        }
        case SIGN_BY_SENT: {
          size_t j = plan[i].issuer;
          if (!done[j]) {
            continue;  // mint the issuer's copy first
          }
          const inspect_cert_info_t *jinfo = inspect_cert_get0_info(inspect_chain_get0(origin, j));
          EVP_PKEY *jkey = plan[j].kind == IS_ANCHOR ? m->ca->root_key : key_for(m, class_of(jinfo), j);
          buf = key != NULL && jkey != NULL ? mint_copy(x, info, key, copies[j], jkey, m->aia_base) : NULL;
          break;
        }
      }
      if (buf == NULL) {
        err = TLS_EMINT;
        break;
      }
      e->chain[i] = buf;
      copies[i] = X509_parse_from_buffer(buf);
      done[i] = 1;
      num_done++;
      if (copies[i] == NULL) {
        err = TLS_EMINT;
      }
    }
    if (err == TLS_OK && num_done == before && !break_loop(plan, done, n)) {
      err = TLS_EMINT;  // no progress and no loop to break: a bug
    }
  }
  for (size_t i = 0; i < n; i++) {
    X509_free(copies[i]);
  }
  e->chain_len = n;
  return err;
}

static mirror_entry_t *cache_find(tls_mirror_t *m, const uint8_t hash[32]) {
  for (size_t i = 0; i < m->num_entries; i++) {
    mirror_entry_t *e = &m->entries[i];
    if (e->key != NULL && memcmp(e->hash, hash, 32) == 0) {
      return e;
    }
  }
  return NULL;
}

// The keys mint_chain signs with for `plan`: one per certificate copy (none
// for an anchor, which the mirror root replaces) and an EC key per phantom
// issuer, in the slots past the chain's.
typedef struct {
  key_class_t c;
  size_t slot;
} key_need_t;

static size_t keys_of_plan(const inspect_chain_t *origin, const plan_t *plan, key_need_t *out) {
  size_t k = 0;
  for (size_t i = 0; i < inspect_chain_num(origin); i++) {
    if (plan[i].kind != IS_ANCHOR) {
      out[k++] = (key_need_t){class_of(inspect_cert_get0_info(inspect_chain_get0(origin, i))), i};
    }
    if (plan[i].kind == SIGN_BY_PHANTOM) {
      out[k++] = (key_need_t){KEY_EC256, INSPECT_CHAIN_MAX + i};
    }
  }
  return k;
}

struct tls_mirror_keygen_st {
  size_t num;
  struct {
    key_class_t c;
    size_t slot;
    EVP_PKEY *key;
  } keys[NUM_SLOTS];
};

// keygen_new returns a job for the keys `plan` needs that `m` lacks, or
// NULL when none is missing (or on allocation failure).
static tls_mirror_keygen_t *keygen_new(const tls_mirror_t *m, const inspect_chain_t *origin, const plan_t *plan) {
  key_need_t need[NUM_SLOTS];
  size_t k = keys_of_plan(origin, plan, need);
  tls_mirror_keygen_t *job = NULL;
  for (size_t i = 0; i < k; i++) {
    if (m->keys[need[i].c][need[i].slot] != NULL) {
      continue;
    }
    if (job == NULL && (job = calloc(1, sizeof(*job))) == NULL) {
      return NULL;
    }
    job->keys[job->num].c = need[i].c;
    job->keys[job->num].slot = need[i].slot;
    job->num++;
  }
  return job;
}

size_t tls_mirror_keygen_num(const tls_mirror_keygen_t *job) { return job->num; }

void tls_mirror_keygen_run(tls_mirror_keygen_t *job) {
  for (size_t i = 0; i < job->num; i++) {
    job->keys[i].key = generate(job->keys[i].c);
  }
  ERR_clear_error();  // the error queue is per thread: leave this one clean
}

void tls_mirror_keygen_finish(tls_mirror_t *m, tls_mirror_keygen_t *job) {
  for (size_t i = 0; i < job->num; i++) {
    EVP_PKEY **slot = &m->keys[job->keys[i].c][job->keys[i].slot];
    if (*slot == NULL) {
      *slot = job->keys[i].key;
    } else {
      EVP_PKEY_free(job->keys[i].key);
    }
  }
  free(job);
}

int tls_mirror_chain(tls_mirror_t *m, const inspect_chain_t *origin, const inspect_trust_t *trust,
                     tls_identity_t *out) {
  return tls_mirror_chain_or_keygen(m, origin, trust, out, NULL);
}

int tls_mirror_chain_or_keygen(tls_mirror_t *m, const inspect_chain_t *origin, const inspect_trust_t *trust,
                               tls_identity_t *out, tls_mirror_keygen_t **out_job) {
  if (out_job != NULL) {
    *out_job = NULL;
  }
  size_t n = inspect_chain_num(origin);
  if (n == 0) {
    return INSPECT_ENO_CERTIFICATE;
  }
  uint8_t hash[32];
  inspect_chain_sha256(origin, hash);
  if (m->aia_base != NULL) {  // the same chain mirrors differently under another base
    SHA256_CTX sha;
    SHA256_Init(&sha);
    SHA256_Update(&sha, hash, sizeof(hash));
    SHA256_Update(&sha, m->aia_base, strlen(m->aia_base));
    SHA256_Final(hash, &sha);
  }
  mirror_entry_t *hit = cache_find(m, hash);
  if (hit != NULL) {
    m->hits++;
    out->chain = hit->chain;
    out->chain_len = hit->chain_len;
    out->key = hit->key;
    return TLS_OK;
  }
  plan_t plan[INSPECT_CHAIN_MAX];
  make_plan(origin, trust, plan);
  if (out_job != NULL && (*out_job = keygen_new(m, origin, plan)) != NULL) {  // the caller makes the keys
    return TLS_OK;
  }
  mirror_entry_t *e = &m->entries[m->next];
  m->next = (m->next + 1) % m->num_entries;
  entry_clear(e);
  int err = mint_chain(m, origin, plan, e);
  const inspect_cert_info_t *leaf = inspect_cert_get0_info(inspect_chain_get0(origin, 0));
  EVP_PKEY *leaf_key = key_for(m, class_of(leaf), 0);
  if (err != TLS_OK || leaf_key == NULL) {
    entry_clear(e);
    return err != TLS_OK ? err : TLS_EKEYGEN;
  }
  EVP_PKEY_up_ref(leaf_key);
  e->key = leaf_key;
  memcpy(e->hash, hash, 32);
  out->chain = e->chain;
  out->chain_len = e->chain_len;
  out->key = e->key;
  return TLS_OK;
}

int tls_mirror_standin(tls_mirror_t *m, const char *name, int64_t now, tls_identity_t *out) {
  EVP_PKEY *key = key_for(m, KEY_EC256, NUM_SLOTS - 1);
  if (key == NULL) {
    return TLS_EKEYGEN;
  }
  const char *names[1] = {name};
  uint8_t addr[16];
  int is_ip = inet_pton(AF_INET, name, addr) == 1 || inet_pton(AF_INET6, name, addr) == 1;
  tls_cert_spec_t spec = {
      .common_name = name,
      .organization = "tlsmirror stand-in (the origin was not reached)",
      .dns_names = is_ip ? NULL : names,
      .num_dns_names = is_ip ? 0 : 1,
      .ip_addrs = is_ip ? names : NULL,
      .num_ip_addrs = is_ip ? 1 : 0,
      .not_before = now - TLS__DAY,
      .not_after = now + 30 * TLS__DAY,
      .path_len = -1,
      .eku = TLS_EKU_SERVER,
  };
  mirror_entry_t *e = &m->entries[m->next];
  m->next = (m->next + 1) % m->num_entries;
  entry_clear(e);
  int err = tls_cert_mint(&spec, key, m->ca->root, m->ca->root_key, &e->chain[0]);
  if (err != TLS_OK) {
    return err;
  }
  e->chain_len = 1;
  EVP_PKEY_up_ref(key);
  e->key = key;
  memset(e->hash, 0, sizeof(e->hash));  // never matched by tls_mirror_chain
  out->chain = e->chain;
  out->chain_len = 1;
  out->key = key;
  return TLS_OK;
}

int tls_mirror_set_aia_base(tls_mirror_t *m, const char *base) {
  if (base == m->aia_base || (base != NULL && m->aia_base != NULL && strcmp(base, m->aia_base) == 0)) {
    return TLS_OK;  // unchanged (a proxy sets it for every connection)
  }
  char *copy = NULL;
  if (base != NULL && (copy = strdup(base)) == NULL) {
    return TLS_ENOMEM;
  }
  free(m->aia_base);
  m->aia_base = copy;
  return TLS_OK;
}

// aia_signer returns the key that signed copy `index` of `origin` when that
// copy names a rewritten caIssuers URL (its issuer was not sent: a phantom's
// key), or NULL.
static EVP_PKEY *aia_signer(tls_mirror_t *m, const inspect_chain_t *origin, size_t index,
                            const inspect_trust_t *trust) {
  if (index >= inspect_chain_num(origin) || m->aia_base == NULL) {
    return NULL;
  }
  const char *url = inspect_cert_get0_info(inspect_chain_get0(origin, index))->aia_ca_issuers;
  if (url == NULL || strncasecmp(url, "http://", 7) != 0) {
    return NULL;
  }
  plan_t plan[INSPECT_CHAIN_MAX];
  make_plan(origin, trust, plan);
  return plan[index].kind == SIGN_BY_PHANTOM ? key_for(m, KEY_EC256, INSPECT_CHAIN_MAX + index) : NULL;
}

int tls_mirror_aia_path(tls_mirror_t *m, const inspect_chain_t *origin, size_t index, const inspect_trust_t *trust,
                        char *path, size_t path_len) {
  EVP_PKEY *key = aia_signer(m, origin, index, trust);
  if (key == NULL) {
    return TLS_EMINT;
  }
  const char *url = inspect_cert_get0_info(inspect_chain_get0(origin, index))->aia_ca_issuers;
  return aia_path(url, key, path, path_len) ? TLS_OK : TLS_EMINT;
}

int tls_mirror_aia_issuer(tls_mirror_t *m, const inspect_chain_t *origin, size_t index, const inspect_cert_t *issuer,
                          const inspect_trust_t *trust, CRYPTO_BUFFER **out, char *path, size_t path_len) {
  *out = NULL;
  if (tls_mirror_aia_path(m, origin, index, trust, path, path_len) != TLS_OK ||
      !inspect_cert_is_issued_by(inspect_chain_get0(origin, index), issuer)) {
    return TLS_EMINT;  // no copy names a mirrored URL for it, or `issuer` did not issue it
  }
  // The key that signed copy `index`, and the copy's issuer as it would be
  // signed: by the mirror root when a trust anchor issued it, else by the
  // untrusted mirror root, which no client trusts.
  EVP_PKEY *key = key_for(m, KEY_EC256, INSPECT_CHAIN_MAX + index);
  int trusted = inspect_trust_issuer_of(trust, issuer);
  X509 *signer = trusted ? m->ca->root_x509 : m->ca->untrusted_x509;
  EVP_PKEY *signer_key = trusted ? m->ca->root_key : m->ca->untrusted_key;
  *out =
      mint_copy(inspect_cert_get0_x509(issuer), inspect_cert_get0_info(issuer), key, signer, signer_key, m->aia_base);
  return *out != NULL ? TLS_OK : TLS_EMINT;
}
