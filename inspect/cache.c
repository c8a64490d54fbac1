// A small cache of reports keyed by everything that decides them.

#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect_internal.h"

typedef struct {
  uint8_t key[32];
  inspect_report_t *report;
} cache_entry_t;

struct inspect_cache_st {
  cache_entry_t *entries;
  size_t max_entries;
  size_t next;  // replacement cursor (oldest first)
  size_t hits;
};

inspect_cache_t *inspect_cache_new(size_t max_entries) {
  inspect_cache_t *cache = calloc(1, sizeof(*cache));
  if (cache == NULL || max_entries == 0 || (cache->entries = calloc(max_entries, sizeof(cache_entry_t))) == NULL) {
    free(cache);
    return NULL;
  }
  cache->max_entries = max_entries;
  return cache;
}

void inspect_cache_free(inspect_cache_t *cache) {
  if (cache == NULL) {
    return;
  }
  for (size_t i = 0; i < cache->max_entries; i++) {
    inspect_report_free(cache->entries[i].report);
  }
  free(cache->entries);
  free(cache);
}

size_t inspect_cache_hits(const inspect_cache_t *cache) { return cache->hits; }

static void update_str(SHA256_CTX *sha, const char *s) {
  uint8_t present = s != NULL;
  SHA256_Update(sha, &present, 1);
  if (s != NULL) {
    SHA256_Update(sha, s, strlen(s) + 1);
  }
}

static void cache_key(const inspect_input_t *in, const inspect_selection_t *sel, uint8_t out[32]) {
  uint8_t chain_hash[32];
  inspect_chain_sha256(in->chain, chain_hash);
  SHA256_CTX sha;
  SHA256_Init(&sha);
  SHA256_Update(&sha, chain_hash, sizeof(chain_hash));
  update_str(&sha, in->name);
  int64_t fields[6] = {
      in->sni_sent, in->handshake.status, in->handshake.alert, in->handshake.alert_after_handshake, in->now / 60, 0};
  SHA256_Update(&sha, fields, sizeof(fields));
  update_str(&sha, in->handshake.detail);
  update_str(&sha, in->handshake.own_limit);  // the verdicts' effects name it
  // The trust store is compared by identity: a proxy keeps it for its whole
  // life. The AIA pool and fetches are a connection's own: by content.
  SHA256_Update(&sha, &in->trust, sizeof(in->trust));
  uint8_t pool_hash[32] = {0};
  if (in->aia_pool != NULL) {
    inspect_chain_sha256(in->aia_pool, pool_hash);
  }
  SHA256_Update(&sha, pool_hash, sizeof(pool_hash));
  // The handshake with SNI made after a failure without it (cause.c).
  const inspect_retry_t *retry = in->with_sni;
  int64_t retry_fields[3] = {retry != NULL, retry != NULL ? retry->handshake.status : 0,
                             retry != NULL ? retry->handshake.alert : 0};
  SHA256_Update(&sha, retry_fields, sizeof(retry_fields));
  if (retry != NULL) {
    update_str(&sha, retry->sni);
    uint8_t retry_hash[32] = {0};
    if (retry->chain != NULL) {
      inspect_chain_sha256(retry->chain, retry_hash);
    }
    SHA256_Update(&sha, retry_hash, sizeof(retry_hash));
  }
  // Each platform's own handshake and tlsmirror's (offers.c).
  for (size_t i = 0; i <= in->num_offers; i++) {
    const inspect_offer_t *o = i < in->num_offers ? &in->offers[i] : &in->own;
    int64_t offer_fields[6] = {o->handshake.status, o->handshake.alert, o->version,
                               o->cipher,           o->group,           (int64_t)(uintptr_t)o->spec};
    SHA256_Update(&sha, offer_fields, sizeof(offer_fields));
  }
  SHA256_Update(&sha, &in->num_aia_fetches, sizeof(in->num_aia_fetches));
  for (size_t i = 0; i < in->num_aia_fetches; i++) {
    const inspect_aia_fetch_t *f = &in->aia_fetches[i];
    int status = f->status;
    SHA256_Update(&sha, &status, sizeof(status));
    update_str(&sha, f->url);
    update_str(&sha, f->detail);
    uint8_t certs_hash[32] = {0};
    if (f->certs != NULL) {
      inspect_chain_sha256(f->certs, certs_hash);
    }
    SHA256_Update(&sha, certs_hash, sizeof(certs_hash));
  }
  for (size_t i = 0; i < sel->num; i++) {
    update_str(&sha, sel->items[i].label);
  }
  SHA256_Final(out, &sha);
}

int inspect_cache_report(inspect_cache_t *cache, const inspect_input_t *in, const inspect_selection_t *sel,
                         inspect_report_t **out) {
  uint8_t key[32];
  cache_key(in, sel, key);
  for (size_t i = 0; i < cache->max_entries; i++) {
    cache_entry_t *e = &cache->entries[i];
    if (e->report != NULL && memcmp(e->key, key, 32) == 0) {
      cache->hits++;
      inspect_report_up_ref(e->report);
      *out = e->report;
      return INSPECT_OK;
    }
  }
  int err = inspect_report_new(in, sel, out);
  if (err != INSPECT_OK) {
    return err;
  }
  cache_entry_t *slot = &cache->entries[cache->next];
  cache->next = (cache->next + 1) % cache->max_entries;
  inspect_report_free(slot->report);
  memcpy(slot->key, key, 32);
  inspect_report_up_ref(*out);
  slot->report = *out;
  return INSPECT_OK;
}
