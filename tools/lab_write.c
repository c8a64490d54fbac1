// The lab on disk (`tlsmirror lab --out DIR`): the roots, each scenario's
// chain and key, the CA bundles (rendered as people paste them) and the mTLS
// clients.

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/lab_internal.h"
// blank lines.
static const char kGarbageHead[] =
    "# lab CA bundle - exported with openssl x509 -text\n"
    "\n"
    "Certificate:\n"
    "    Data:\n"
    "        Version: 3 (0x2)\n"
    "    Signature Algorithm: ecdsa-with-SHA256\n"
    "        Issuer: O = tlsmirror lab, CN = tlsmirror lab root CA\n"
    "        Subject: O = tlsmirror lab, CN = tlsmirror lab root CA\n";

int lab_bundle_render(const lab_t *lab, size_t index, inspect_buf_t *out) {
  CRYPTO_BUFFER *certs[3] = {lab->root.cert, lab->inter.cert, NULL};
  size_t num = 2;
  switch ((bundle_id_t)index) {
    case BUNDLE_GOOD:
    case BUNDLE_GARBAGE: break;
    case BUNDLE_WITH_LEAF: certs[num++] = lab->client_chain[0]; break;
    case BUNDLE_EXPIRED_CA: certs[num++] = lab->expired_ca.cert; break;
    case BUNDLE_SHA1_CA: certs[num++] = lab->sha1_ca.cert; break;
    case BUNDLE_RSA1024_CA: certs[num++] = lab->rsa1024_ca.cert; break;
    case BUNDLE_MISSING_ISSUER: certs[1] = lab->untrusted_inter.cert; break;
    case NUM_BUNDLES:
    default: return TLS_EMINT;  // no such bundle
  }
  int err = TLS_OK;
  if (index == BUNDLE_GARBAGE) {
    inspect_buf_puts(out, kGarbageHead);
  }
  for (size_t i = 0; i < num && err == TLS_OK; i++) {
    if (index == BUNDLE_GARBAGE && i > 0) {
      inspect_buf_puts(out, "\n");
    }
    if (inspect_pem_append_cert(out, CRYPTO_BUFFER_data(certs[i]), CRYPTO_BUFFER_len(certs[i])) != INSPECT_OK) {
      err = TLS_ENOMEM;
    }
  }
  return err == TLS_OK && out->failed ? TLS_ENOMEM : err;
}

static int write_bytes(const char *path, const inspect_buf_t *buf) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    return TLS_EWRITE;
  }
  int ok = fwrite(buf->data != NULL ? buf->data : "", 1, buf->len, f) == buf->len;
  ok = fclose(f) == 0 && ok;
  return ok ? TLS_OK : TLS_EWRITE;
}

SSL_CTX *lab_origin_ctx_new(const lab_t *lab, size_t index, int *out_err) {
  const scenario_def_t *def = &lab__scenarios[index];
  const lab_site_t *site = &lab->sites[index];
  tls_origin_config_t cfg = {
      .identity = {site->chain, site->chain_len, site->key},
      .no_sni = {site->no_sni_chain, site->no_sni_len, site->no_sni_key},
      .require_sni = def->require_sni,
      .max_version = def->tls12_only ? TLS1_2_VERSION : def->max_version,
      .min_version = def->min_version,
      .ciphers = def->ciphers,
      .curves = def->curves,
      .sigalgs = def->sigalgs,
      .num_sigalgs = def->sigalgs[0] != 0 ? 1 : 0,
      .client_ca = lab->root.cert,
      .require_client_cert = def->require_client_cert,
  };
  return tls_origin_ctx_new(&cfg, out_err);
}

static int make_dir(const char *path) { return mkdir(path, 0755) == 0 || errno == EEXIST ? TLS_OK : TLS_EWRITE; }

int lab_write(const lab_t *lab, const char *dir, char *err, size_t err_len) {
  char path[4096];
  snprintf(path, sizeof(path), "%s", dir);
  int r = make_dir(dir);
#define LAB_PATH(...) (snprintf(path, sizeof(path), __VA_ARGS__) < (int)sizeof(path) ? path : "")
  if (r == TLS_OK)
    r = tls_pem_write_certs(LAB_PATH("%s/root.pem", dir), &lab->root.cert, 1);
  if (r == TLS_OK)
    r = tls_pem_write_certs(LAB_PATH("%s/untrusted-root.pem", dir), &lab->untrusted_root.cert, 1);
  if (r == TLS_OK)
    r = tls_pem_write_certs(LAB_PATH("%s/intermediates.pem", dir), lab->intermediates, 4);
  if (r == TLS_OK)
    r = tls_pem_write_certs(LAB_PATH("%s/client.pem", dir), lab->client_chain, 2);
  if (r == TLS_OK)
    r = tls_pem_write_key(LAB_PATH("%s/client.key", dir), lab->client_key);
  for (size_t i = 0; r == TLS_OK && i < lab__num_scenarios; i++) {
    const lab_site_t *site = &lab->sites[i];
    const char *name = lab__scenarios[i].info.name;
    r = make_dir(LAB_PATH("%s/%s", dir, name));
    if (r == TLS_OK)
      r = tls_pem_write_certs(LAB_PATH("%s/%s/chain.pem", dir, name), site->chain, site->chain_len);
    if (r == TLS_OK)
      r = tls_pem_write_key(LAB_PATH("%s/%s/key.pem", dir, name), site->key);
    if (r == TLS_OK && site->no_sni_len > 0) {
      r = tls_pem_write_certs(LAB_PATH("%s/%s/no-sni-chain.pem", dir, name), site->no_sni_chain, site->no_sni_len);
    }
  }
  if (r == TLS_OK)
    r = make_dir(LAB_PATH("%s/bundles", dir));
  for (size_t i = 0; r == TLS_OK && i < NUM_BUNDLES; i++) {
    inspect_buf_t buf;
    inspect_buf_init(&buf, 1 << 20);
    r = lab_bundle_render(lab, i, &buf);
    if (r == TLS_OK)
      r = write_bytes(LAB_PATH("%s/bundles/%s.pem", dir, lab__bundles[i].name), &buf);
    inspect_buf_cleanup(&buf);
  }
  if (r == TLS_OK)
    r = make_dir(LAB_PATH("%s/clients", dir));
  for (size_t i = 0; r == TLS_OK && i < NUM_CLIENTS; i++) {
    r = tls_pem_write_certs(LAB_PATH("%s/clients/%s.pem", dir, lab__clients[i].name), lab->clients[i],
                            lab->client_len[i]);
    if (r == TLS_OK)
      r = tls_pem_write_key(LAB_PATH("%s/clients/%s.key", dir, lab__clients[i].name), lab->client_keys[i]);
  }
#undef LAB_PATH
  if (r != TLS_OK) {
    snprintf(err, err_len, "%s: %s", path, tls_strerror(r));
  }
  return r;
}
