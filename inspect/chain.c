// Chains as sent, and trust stores.

#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect_internal.h"

struct inspect_chain_st {
  inspect_cert_t *certs[INSPECT_CHAIN_MAX];
  size_t num;
  // What inspect_chain_add_sent could not take: how many, the first one's
  // position as sent and why, and a hash of them all (part of the identity).
  size_t num_dropped;
  size_t first_dropped;
  int first_dropped_err;
  uint8_t dropped_sha256[32];
};

inspect_chain_t *inspect_chain_new(void) { return calloc(1, sizeof(inspect_chain_t)); }

void inspect_chain_free(inspect_chain_t *chain) {
  if (chain == NULL) {
    return;
  }
  for (size_t i = 0; i < chain->num; i++) {
    inspect_cert_free(chain->certs[i]);
  }
  free(chain);
}

int inspect_chain_add1_cert(inspect_chain_t *chain, inspect_cert_t *cert) {
  if (chain->num >= INSPECT_CHAIN_MAX) {
    return INSPECT_ETOO_MANY_CERTS;
  }
  inspect_cert_up_ref(cert);
  chain->certs[chain->num++] = cert;
  return INSPECT_OK;
}

int inspect_chain_add_der(inspect_chain_t *chain, const uint8_t *der, size_t der_len) {
  if (chain->num >= INSPECT_CHAIN_MAX) {
    return INSPECT_ETOO_MANY_CERTS;
  }
  int err;
  inspect_cert_t *cert = inspect_cert_new(der, der_len, &err);
  if (cert == NULL) {
    return err;
  }
  chain->certs[chain->num++] = cert;
  return INSPECT_OK;
}

void inspect_chain_add_sent(inspect_chain_t *chain, const uint8_t *der, size_t der_len) {
  size_t position = chain->num + chain->num_dropped;
  int err = inspect_chain_add_der(chain, der, der_len);
  if (err == INSPECT_OK) {
    return;
  }
  if (chain->num_dropped++ == 0) {
    chain->first_dropped = position;
    chain->first_dropped_err = err;
  }
  SHA256_CTX sha;
  SHA256_Init(&sha);
  SHA256_Update(&sha, chain->dropped_sha256, sizeof(chain->dropped_sha256));
  SHA256_Update(&sha, &position, sizeof(position));
  SHA256_Update(&sha, der, der_len);
  SHA256_Final(chain->dropped_sha256, &sha);
}

size_t inspect_chain_num_dropped(const inspect_chain_t *chain) { return chain != NULL ? chain->num_dropped : 0; }

int inspect_chain_first_dropped(const inspect_chain_t *chain, int *out_err) {
  if (inspect_chain_num_dropped(chain) == 0) {
    return -1;
  }
  if (out_err != NULL) {
    *out_err = chain->first_dropped_err;
  }
  return (int)chain->first_dropped;
}

size_t inspect_chain_num(const inspect_chain_t *chain) { return chain != NULL ? chain->num : 0; }

const inspect_cert_t *inspect_chain_get0(const inspect_chain_t *chain, size_t index) {
  return chain != NULL && index < chain->num ? chain->certs[index] : NULL;
}

void inspect_chain_sha256(const inspect_chain_t *chain, uint8_t out[32]) {
  SHA256_CTX sha;
  SHA256_Init(&sha);
  for (size_t i = 0; chain != NULL && i < chain->num; i++) {
    const inspect_cert_info_t *info = &chain->certs[i]->info;
    uint8_t len[4] = {(uint8_t)(info->der_len >> 24), (uint8_t)(info->der_len >> 16), (uint8_t)(info->der_len >> 8),
                      (uint8_t)info->der_len};
    SHA256_Update(&sha, len, sizeof(len));
    SHA256_Update(&sha, info->der, info->der_len);
  }
  if (inspect_chain_num_dropped(chain) > 0) {
    SHA256_Update(&sha, chain->dropped_sha256, sizeof(chain->dropped_sha256));
  }
  SHA256_Final(out, &sha);
}

// load_certs calls `add` for each certificate of PEM or DER `data`.
static int load_certs(const uint8_t *data, size_t len, size_t max, size_t *out_index,
                      int (*add)(void *arg, const uint8_t *der, size_t der_len), void *arg) {
  size_t index = 0;
  if (out_index != NULL) {
    *out_index = 0;
  }
  if (len > INSPECT_INPUT_MAX) {
    return INSPECT_ETOO_LARGE;
  }
  if (!inspect_data_looks_like_pem(data, len)) {
    if (len == 0 || data[0] != 0x30) {  // DER starts with a SEQUENCE
      return INSPECT_ENO_CERTIFICATE;
    }
    return add(arg, data, len);
  }
  inspect_pem_reader_t reader;
  inspect_pem_block_t block;
  inspect_pem_reader_init(&reader, data, len);
  int err = INSPECT_OK;
  while (err == INSPECT_OK && inspect_pem_reader_next(&reader, &block)) {
    if (out_index != NULL) {
      *out_index = index;
    }
    if (block.err != 0) {
      err = block.err;
    } else if (strcmp(block.label, "CERTIFICATE") != 0 && strcmp(block.label, "TRUSTED CERTIFICATE") != 0 &&
               strcmp(block.label, "X509 CERTIFICATE") != 0) {
      err = INSPECT_ENOT_PEM_CERT;
    } else if (index >= max) {
      err = INSPECT_ETOO_MANY_CERTS;
    } else {
      err = add(arg, block.der, block.der_len);
    }
    index++;
    inspect_pem_block_cleanup(&block);
  }
  if (err == INSPECT_OK && index == 0) {
    err = INSPECT_ENO_CERTIFICATE;
  }
  return err;
}

static int chain_add(void *arg, const uint8_t *der, size_t der_len) { return inspect_chain_add_der(arg, der, der_len); }

int inspect_chain_load(inspect_chain_t *chain, const uint8_t *data, size_t len, size_t *out_index) {
  return load_certs(data, len, INSPECT_CHAIN_MAX - chain->num, out_index, chain_add, chain);
}

// Trust stores: an open-addressing table keyed by subject hash, so issuer
// lookups cost one probe even with a few hundred anchors.
struct inspect_trust_st {
  inspect_cert_t **certs;
  size_t num;
  size_t *slots;  // index+1 into certs, 0 = empty
  size_t num_slots;
  int system;
};

inspect_trust_t *inspect_trust_new(int system) {
  inspect_trust_t *trust = calloc(1, sizeof(*trust));
  if (trust != NULL) {
    trust->system = system;
  }
  return trust;
}

void inspect_trust_free(inspect_trust_t *trust) {
  if (trust == NULL) {
    return;
  }
  for (size_t i = 0; i < trust->num; i++) {
    inspect_cert_free(trust->certs[i]);
  }
  free(trust->certs);
  free(trust->slots);
  free(trust);
}

static size_t slot_of(const uint8_t hash[32], size_t num_slots) {
  size_t h;
  memcpy(&h, hash, sizeof(h));
  return h & (num_slots - 1);
}

static int rehash(inspect_trust_t *trust, size_t num_slots) {
  size_t *slots = calloc(num_slots, sizeof(size_t));
  if (slots == NULL) {
    return 0;
  }
  for (size_t i = 0; i < trust->num; i++) {
    size_t s = slot_of(trust->certs[i]->subject_hash, num_slots);
    while (slots[s] != 0) {
      s = (s + 1) & (num_slots - 1);
    }
    slots[s] = i + 1;
  }
  free(trust->slots);
  trust->slots = slots;
  trust->num_slots = num_slots;
  return 1;
}

int inspect_trust_add1_cert(inspect_trust_t *trust, inspect_cert_t *cert) {
  if (trust->num >= INSPECT_TRUST_MAX) {
    return INSPECT_ETOO_MANY_CERTS;
  }
  if (inspect__trust_is_anchor(trust, cert)) {
    return INSPECT_OK;  // duplicates in a bundle are harmless
  }
  if ((trust->num + 1) * 2 > trust->num_slots && !rehash(trust, trust->num_slots ? trust->num_slots * 2 : 64)) {
    return INSPECT_ENOMEM;
  }
  inspect_cert_t **certs = realloc(trust->certs, (trust->num + 1) * sizeof(*certs));
  if (certs == NULL) {
    return INSPECT_ENOMEM;
  }
  trust->certs = certs;
  inspect_cert_up_ref(cert);
  certs[trust->num++] = cert;
  size_t s = slot_of(cert->subject_hash, trust->num_slots);
  while (trust->slots[s] != 0) {
    s = (s + 1) & (trust->num_slots - 1);
  }
  trust->slots[s] = trust->num;
  return INSPECT_OK;
}

static int trust_add(void *arg, const uint8_t *der, size_t der_len) {
  int err;
  inspect_cert_t *cert = inspect_cert_new(der, der_len, &err);
  if (cert == NULL) {
    return err;
  }
  err = inspect_trust_add1_cert(arg, cert);
  inspect_cert_free(cert);
  return err;
}

int inspect_trust_load(inspect_trust_t *trust, const uint8_t *data, size_t len, size_t *out_index) {
  return load_certs(data, len, INSPECT_TRUST_MAX, out_index, trust_add, trust);
}

size_t inspect_trust_num(const inspect_trust_t *trust) { return trust != NULL ? trust->num : 0; }

int inspect_trust_is_system(const inspect_trust_t *trust) { return trust != NULL && trust->system; }

int inspect__trust_is_anchor(const inspect_trust_t *trust, const inspect_cert_t *cert) {
  if (trust == NULL || trust->num_slots == 0) {
    return 0;
  }
  for (size_t s = slot_of(cert->subject_hash, trust->num_slots); trust->slots[s] != 0;
       s = (s + 1) & (trust->num_slots - 1)) {
    const inspect_cert_t *a = trust->certs[trust->slots[s] - 1];
    if (memcmp(a->subject_hash, cert->subject_hash, 32) == 0 && memcmp(a->spki_hash, cert->spki_hash, 32) == 0) {
      return 1;
    }
  }
  return 0;
}

int inspect_trust_contains(const inspect_trust_t *trust, const inspect_cert_t *cert) {
  return inspect__trust_is_anchor(trust, cert);
}

int inspect_trust_issuer_of(const inspect_trust_t *trust, const inspect_cert_t *cert) {
  if (trust == NULL || trust->num_slots == 0) {
    return 0;
  }
  for (size_t s = slot_of(cert->issuer_hash, trust->num_slots); trust->slots[s] != 0;
       s = (s + 1) & (trust->num_slots - 1)) {
    if (inspect_cert_is_issued_by(cert, trust->certs[trust->slots[s] - 1])) {
      return 1;
    }
  }
  return 0;
}

const inspect_cert_t *inspect__trust_find_issuer(inspect_ctx_t *ctx, const inspect_trust_t *trust,
                                                 const inspect_cert_t *cert) {
  if (trust == NULL || trust->num_slots == 0) {
    return NULL;
  }
  for (size_t s = slot_of(cert->issuer_hash, trust->num_slots); trust->slots[s] != 0;
       s = (s + 1) & (trust->num_slots - 1)) {
    const inspect_cert_t *a = trust->certs[trust->slots[s] - 1];
    if (memcmp(a->subject_hash, cert->issuer_hash, 32) == 0 && inspect__signed_by(ctx, cert, a)) {
      return a;
    }
  }
  return NULL;
}
