// Path building: from the leaf towards a trust anchor, through the
// certificates the server sent (in any order, as every mainstream verifier
// does) and optionally an AIA pool, verifying each signature once.

#include <openssl/err.h>
#include <string.h>

#include "inspect/inspect_internal.h"

const inspect_cert_t *inspect__leaf(const inspect_ctx_t *ctx) { return inspect_chain_get0(ctx->in->chain, 0); }

int inspect__signed_by(inspect_ctx_t *ctx, const inspect_cert_t *cert, const inspect_cert_t *issuer) {
  for (size_t i = 0; i < ctx->num_sigcache; i++) {
    if (ctx->sigcache[i].cert == cert && ctx->sigcache[i].issuer == issuer) {
      return ctx->sigcache[i].ok;
    }
  }
  int ok = issuer->pkey != NULL && X509_verify(cert->x509, issuer->pkey) == 1;
  ERR_clear_error();
  if (ctx->num_sigcache < INSPECT_SIGCACHE_MAX) {
    ctx->sigcache[ctx->num_sigcache].cert = cert;
    ctx->sigcache[ctx->num_sigcache].issuer = issuer;
    ctx->sigcache[ctx->num_sigcache].ok = ok;
    ctx->num_sigcache++;
  }
  return ok;
}

int inspect__is_valid_at(const inspect_cert_t *cert, int64_t now) {
  return now >= cert->info.not_before && now <= cert->info.not_after;
}

static int in_path(const inspect_path_t *path, const inspect_cert_t *cert) {
  for (size_t i = 0; i < path->len; i++) {
    const inspect_cert_t *p = path->certs[i];
    if (p == cert ||
        (memcmp(p->subject_hash, cert->subject_hash, 32) == 0 && memcmp(p->spki_hash, cert->spki_hash, 32) == 0)) {
      return 1;
    }
  }
  return 0;
}

// find_issuer looks for `cert`'s issuer in `chain`: the first certificate
// that names it and verifies its signature. A name match whose signature
// fails sets *stale (a renewed intermediate sent with an old leaf, or the
// reverse).
static const inspect_cert_t *find_issuer(inspect_ctx_t *ctx, const inspect_chain_t *chain, const inspect_path_t *path,
                                         const inspect_cert_t *cert, int *out_index, int *stale) {
  for (size_t i = 0; i < inspect_chain_num(chain); i++) {
    const inspect_cert_t *cand = inspect_chain_get0(chain, i);
    if (in_path(path, cand) || memcmp(cand->subject_hash, cert->issuer_hash, 32) != 0) {
      continue;
    }
    if (inspect__signed_by(ctx, cert, cand)) {
      *out_index = (int)i;
      return cand;
    }
    *stale = 1;
  }
  return NULL;
}

static void push(inspect_path_t *path, const inspect_cert_t *cert, inspect_path_source_t source, int sent_index) {
  path->certs[path->len] = cert;
  path->source[path->len] = source;
  path->sent_index[path->len] = sent_index;
  path->len++;
}

void inspect__path_build(inspect_ctx_t *ctx, const inspect_path_opts_t *opts, inspect_path_t *path) {
  memset(path, 0, sizeof(*path));
  const inspect_chain_t *chain = ctx->in->chain;
  if (inspect_chain_num(chain) == 0) {
    path->end = PATH_END_EMPTY;
    return;
  }
  push(path, inspect_chain_get0(chain, 0), PATH_SOURCE_CHAIN, 0);
  for (;;) {
    const inspect_cert_t *top = path->certs[path->len - 1];
    int top_trusted = path->source[path->len - 1] == PATH_SOURCE_TRUST || inspect__trust_is_anchor(ctx->in->trust, top);
    if (top_trusted && (!opts->require_root || inspect_cert_is_self_signed(top))) {
      path->end = PATH_END_ANCHORED;
      return;
    }
    if (inspect_cert_is_self_signed(top)) {
      path->end = path->len == 1 ? PATH_END_SELF_SIGNED : PATH_END_UNTRUSTED_ROOT;
      return;
    }
    if (path->len == INSPECT_PATH_MAX) {
      path->end = PATH_END_TOO_LONG;
      return;
    }
    const inspect_cert_t *issuer = inspect__trust_find_issuer(ctx, ctx->in->trust, top);
    if (issuer != NULL && !in_path(path, issuer)) {
      push(path, issuer, PATH_SOURCE_TRUST, -1);
      continue;  // anchored at once unless a root is required
    }
    int index = -1, stale = 0;
    issuer = opts->use_chain ? find_issuer(ctx, chain, path, top, &index, &stale) : NULL;
    if (issuer != NULL) {
      push(path, issuer, PATH_SOURCE_CHAIN, index);
      continue;
    }
    if (opts->use_pool && ctx->in->aia_pool != NULL) {
      issuer = find_issuer(ctx, ctx->in->aia_pool, path, top, &index, &stale);
      if (issuer != NULL) {
        push(path, issuer, PATH_SOURCE_POOL, -1);
        continue;
      }
    }
    path->stale_issuer = stale;
    path->end = PATH_END_ISSUER_MISSING;
    return;
  }
}

const inspect_path_t *inspect__path(inspect_ctx_t *ctx, int use_aia_pool) {
  if (use_aia_pool) {
    if (!ctx->have_path_aia) {
      inspect__path_build(ctx, &(inspect_path_opts_t){.use_chain = 1, .use_pool = 1}, &ctx->path_aia);
      ctx->have_path_aia = 1;
    }
    return &ctx->path_aia;
  }
  if (!ctx->have_path) {
    inspect__path_build(ctx, &(inspect_path_opts_t){.use_chain = 1}, &ctx->path);
    ctx->have_path = 1;
  }
  return &ctx->path;
}

// OpenSSL's BN_security_bits for RSA and DSA moduli.
static int modulus_security_bits(int bits) {
  if (bits >= 15360)
    return 256;
  if (bits >= 7680)
    return 192;
  if (bits >= 3072)
    return 128;
  if (bits >= 2048)
    return 112;
  if (bits >= 1024)
    return 80;
  return 0;
}

int inspect__key_security_bits(const inspect_cert_t *cert) {
  switch (cert->info.key_type) {
    case INSPECT_KEY_RSA:
    case INSPECT_KEY_DSA: return modulus_security_bits(cert->info.key_bits);
    case INSPECT_KEY_EC: return cert->info.key_bits / 2;
    case INSPECT_KEY_ED25519: return 128;
    case INSPECT_KEY_UNKNOWN: break;
  }
  return 0;
}

// OpenSSL 3 rates a signature by its digest: half the output size, except
// SHA-1 (63 bits, after the 2020 chosen-prefix collision) and MD5 (39).
int inspect__sig_security_bits(const inspect_cert_t *cert) {
  switch (cert->info.sig_hash) {
    case INSPECT_HASH_MD5: return 39;
    case INSPECT_HASH_SHA1: return 63;
    case INSPECT_HASH_SHA224: return 112;
    case INSPECT_HASH_SHA256: return 128;
    case INSPECT_HASH_SHA384: return 192;
    case INSPECT_HASH_SHA512: return 256;
    case INSPECT_HASH_INTRINSIC:
    case INSPECT_HASH_UNKNOWN: break;
  }
  return 128;
}
