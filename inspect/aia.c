// AIA: what fetching issuers from caIssuers URLs changes, for browsers only.
//
// Chromium's path builder asks its AIA source for an issuer only when no
// issuer of the certificate at the top of the path was sent or is trusted
// (net/cert/internal/cert_issuer_source_aia.cc). It accepts then what the
// fetch delivered; a fetch that fails leaves the path without that issuer,
// which Chrome reports as NET::ERR_CERT_AUTHORITY_INVALID. Here: which URL
// comes next, which fetch delivered a certificate of the path, the browser's
// words for both cases, and the findings.

#include <string.h>

#include "inspect/inspect_internal.h"

const char *inspect_aia_status_name(inspect_aia_status_t status) {
  switch (status) {
#define INSPECT_AIA_STATUS_CASE(name, text) \
  case INSPECT_AIA_##name: return text;
    INSPECT_AIA_STATUS_MAP(INSPECT_AIA_STATUS_CASE)
#undef INSPECT_AIA_STATUS_CASE
  }
  return "unknown";
}

const char *inspect_aia_next_url(const inspect_input_t *in) {
  // Path building needs no arena: a context on the stack will do.
  inspect_ctx_t *ctx = &(inspect_ctx_t){.in = in};
  const inspect_path_t *path = inspect__path(ctx, 1);
  if (path->end != PATH_END_ISSUER_MISSING) {
    return NULL;
  }
  return path->certs[path->len - 1]->info.aia_ca_issuers;
}

static const inspect_aia_fetch_t *fetch_of_url(const inspect_ctx_t *ctx, const char *url) {
  for (size_t i = 0; url != NULL && i < ctx->in->num_aia_fetches; i++) {
    if (strcmp(ctx->in->aia_fetches[i].url, url) == 0) {
      return &ctx->in->aia_fetches[i];
    }
  }
  return NULL;
}

// fetch_of_cert returns the fetch that delivered `cert`, or NULL (it came
// from --intermediates).
static const inspect_aia_fetch_t *fetch_of_cert(const inspect_ctx_t *ctx, const inspect_cert_t *cert) {
  for (size_t i = 0; i < ctx->in->num_aia_fetches; i++) {
    const inspect_chain_t *certs = ctx->in->aia_fetches[i].certs;
    for (size_t k = 0; k < inspect_chain_num(certs); k++) {
      if (memcmp(inspect_chain_get0(certs, k)->info.sha256, cert->info.sha256, 32) == 0) {
        return &ctx->in->aia_fetches[i];
      }
    }
  }
  return NULL;
}

// first_pool_cert returns the index in `path` of its first certificate from
// the AIA pool, or -1.
static int first_pool_cert(const inspect_path_t *path) {
  for (size_t k = 0; k < path->len; k++) {
    if (path->source[k] == PATH_SOURCE_POOL) {
      return (int)k;
    }
  }
  return -1;
}

static const char *cn_or_subject(const inspect_cert_t *cert) {
  return cert->info.common_name != NULL ? cert->info.common_name : cert->info.subject;
}

#define NON_FETCHERS "curl, Python, Node, Java, CloudFront and API Gateway do not"

const char *inspect__aia_browser_accept_effect(inspect_ctx_t *ctx, const inspect_path_t *path) {
  int k = first_pool_cert(path);
  if (k < 0) {
    return NULL;
  }
  const inspect_aia_fetch_t *fetch = fetch_of_cert(ctx, path->certs[k]);
  if (fetch == NULL) {
    return "Chrome shows the page: it fetches the missing intermediate through AIA (here: from "
           "--intermediates); " NON_FETCHERS ".";
  }
  return inspect__arena_printf(
      ctx->arena, "Chrome shows the page: it fetches the missing intermediate from %s; " NON_FETCHERS ".", fetch->url);
}

const char *inspect__aia_browser_reject_note(inspect_ctx_t *ctx, const inspect_path_t *path) {
  if (path->end != PATH_END_ISSUER_MISSING) {
    return NULL;
  }
  const char *url = path->certs[path->len - 1]->info.aia_ca_issuers;
  if (url == NULL) {
    return NULL;
  }
  const inspect_aia_fetch_t *fetch = fetch_of_url(ctx, url);
  if (fetch == NULL) {
    return inspect__arena_printf(ctx->arena, "not tried here: Chrome would first fetch the issuer from %s", url);
  }
  if (fetch->status == INSPECT_AIA_OK) {
    // It delivered certificates, but none issued this one.
    return inspect__arena_printf(ctx->arena, "Chrome fetched %s, but it holds no issuer of %s", url,
                                 cn_or_subject(path->certs[path->len - 1]));
  }
  return inspect__arena_printf(ctx->arena, "Chrome cannot fetch the missing intermediate from %s (%s: %s)", url,
                               inspect_aia_status_name(fetch->status), fetch->detail != NULL ? fetch->detail : "");
}

// sent_index_of returns the position of `cert` in the chain as sent, or -1.
static int sent_index_of(const inspect_ctx_t *ctx, const inspect_cert_t *cert) {
  for (size_t i = 0; i < inspect_chain_num(ctx->in->chain); i++) {
    if (inspect_chain_get0(ctx->in->chain, i) == cert) {
      return (int)i;
    }
  }
  return -1;
}

// owner_of returns the certificate (of the chain or the pool) whose caIssuers
// URL is `url`, or NULL.
static const inspect_cert_t *owner_of(const inspect_ctx_t *ctx, const char *url) {
  const inspect_chain_t *lists[2] = {ctx->in->chain, ctx->in->aia_pool};
  for (size_t l = 0; l < 2; l++) {
    for (size_t i = 0; i < inspect_chain_num(lists[l]); i++) {
      const inspect_cert_t *c = inspect_chain_get0(lists[l], i);
      if (c->info.aia_ca_issuers != NULL && strcmp(c->info.aia_ca_issuers, url) == 0) {
        return c;
      }
    }
  }
  return NULL;
}

size_t inspect__aia_findings(inspect_ctx_t *ctx, inspect_finding_t *out, size_t max) {
  const inspect_path_t *path = inspect__path(ctx, 1);
  size_t n = 0;
  // Fetches that failed: a browser rejects for lack of that issuer.
  for (size_t i = 0; i < ctx->in->num_aia_fetches && n < max; i++) {
    const inspect_aia_fetch_t *f = &ctx->in->aia_fetches[i];
    if (f->status == INSPECT_AIA_OK) {
      continue;
    }
    const inspect_cert_t *owner = owner_of(ctx, f->url);
    out[n++] = (inspect_finding_t){
        "AIA_FAILED", INSPECT_SEVERITY_ERROR, owner != NULL ? sent_index_of(ctx, owner) : -1,
        inspect__arena_printf(ctx->arena,
                              "the AIA URL %s%s%s cannot be fetched (%s: %s): browsers cannot get the missing "
                              "intermediate from it either",
                              f->url, owner != NULL ? " of " : "", owner != NULL ? cn_or_subject(owner) : "",
                              inspect_aia_status_name(f->status), f->detail != NULL ? f->detail : "")};
  }
  if (path->end != PATH_END_ANCHORED) {
    return n;
  }
  // Issuers from the pool that complete the path: fetched, or from --intermediates.
  int from_file = -2;  // the position (as sent) of the first certificate whose issuer --intermediates gave
  for (size_t k = 1; k < path->len && n < max; k++) {
    if (path->source[k] != PATH_SOURCE_POOL) {
      continue;
    }
    const inspect_aia_fetch_t *f = fetch_of_cert(ctx, path->certs[k]);
    if (f == NULL) {
      from_file = from_file == -2 ? sent_index_of(ctx, path->certs[k - 1]) : from_file;
      continue;
    }
    out[n++] = (inspect_finding_t){
        "AIA_FETCHED", INSPECT_SEVERITY_INFO, sent_index_of(ctx, path->certs[k - 1]),
        inspect__arena_printf(
            ctx->arena,
            "the missing intermediate %s was fetched from %s (%s): browsers accept the chain; " NON_FETCHERS,
            cn_or_subject(path->certs[k]), f->url, f->detail != NULL ? f->detail : "")};
  }
  if (from_file != -2 && n < max) {
    out[n++] = (inspect_finding_t){"AIA_RESCUABLE", INSPECT_SEVERITY_INFO, from_file,
                                   "the missing intermediate is in --intermediates: browsers that fetch it through "
                                   "AIA accept the chain; " NON_FETCHERS};
  }
  return n;
}
