// The mirror CA (see tls.h): a root clients trust and an untrusted
// intermediate, minted once into a directory and loaded from it. Mirrored
// chains (mirror.c) are signed by them.

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tls/tls_internal.h"

static const char *ca_path(char *buf, size_t len, const char *dir, const char *file) {
  snprintf(buf, len, "%s/%s", dir, file);
  return buf;
}

static int mint_root(const char *dir, const char *cert_file, const char *key_file, const char *cn, int64_t now) {
  EVP_PKEY *key = tls_key_generate(TLS_KEY_EC_P256, 0);
  if (key == NULL) {
    return TLS_EKEYGEN;
  }
  tls_cert_spec_t spec = {
      .common_name = cn,
      .organization = "tlsmirror (debugging proxy; trust for testing only)",
      .not_before = now - TLS__DAY,
      .not_after = now + 3650 * TLS__DAY,
      .is_ca = 1,
      .path_len = -1,
  };
  CRYPTO_BUFFER *cert = NULL;
  char path[4096];
  int err = tls_cert_mint(&spec, key, NULL, NULL, &cert);
  if (err == TLS_OK)
    err = tls_pem_write_key(ca_path(path, sizeof(path), dir, key_file), key);
  if (err == TLS_OK)
    err = tls_pem_write_certs(ca_path(path, sizeof(path), dir, cert_file), &cert, 1);
  CRYPTO_BUFFER_free(cert);
  EVP_PKEY_free(key);
  return err;
}

int tls_mirror_ca_create(const char *dir, int64_t now) {
  char path[4096];
  struct stat st;
  if (stat(ca_path(path, sizeof(path), dir, TLS_MIRROR_ROOT_FILE), &st) == 0) {
    return TLS_EEXISTS;
  }
  if (mkdir(dir, 0700) != 0 && (errno != EEXIST || chmod(dir, 0700) != 0)) {
    return TLS_EWRITE;  // (an existing directory becomes private too: it is to hold the CA's keys)
  }
  // Several proxies may start at once on one directory: one creates the CA
  // while the others wait, then find it.
  int lock = open(ca_path(path, sizeof(path), dir, ".lock"), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) {
    if (lock >= 0) {
      close(lock);
    }
    return TLS_EWRITE;
  }
  int err = TLS_EEXISTS;
  if (stat(ca_path(path, sizeof(path), dir, TLS_MIRROR_ROOT_FILE), &st) != 0) {
    err = mint_root(dir, TLS_MIRROR_UNTRUSTED_FILE, TLS_MIRROR_UNTRUSTED_KEY_FILE,
                    "tlsmirror untrusted mirror root (never trust this one)", now);
    if (err == TLS_OK) {
      // The trusted root goes last: its presence marks a complete CA.
      err = mint_root(dir, TLS_MIRROR_ROOT_FILE, TLS_MIRROR_ROOT_KEY_FILE, "tlsmirror mirror root CA", now);
    }
  }
  close(lock);  // releases the lock
  return err;
}

static int load_pair(const char *dir, const char *cert_file, const char *key_file, CRYPTO_BUFFER **out_cert,
                     X509 **out_x509, EVP_PKEY **out_key) {
  char path[4096];
  STACK_OF(CRYPTO_BUFFER) *certs = NULL;
  int err = tls_pem_read_certs(ca_path(path, sizeof(path), dir, cert_file), 1, &certs);
  if (err != TLS_OK) {
    return err == TLS_EOPEN ? TLS_ENO_CA : err;
  }
  CRYPTO_BUFFER *cert = sk_CRYPTO_BUFFER_shift(certs);
  sk_CRYPTO_BUFFER_pop_free(certs, CRYPTO_BUFFER_free);
  err = tls_pem_read_key(ca_path(path, sizeof(path), dir, key_file), out_key);
  X509 *x509 = err == TLS_OK ? X509_parse_from_buffer(cert) : NULL;
  if (err == TLS_OK && (x509 == NULL || !X509_check_private_key(x509, *out_key))) {
    err = x509 == NULL ? TLS_EBAD_CERT : TLS_EKEY_MISMATCH;
  }
  ERR_clear_error();
  if (err != TLS_OK) {
    X509_free(x509);
    CRYPTO_BUFFER_free(cert);
    EVP_PKEY_free(*out_key);
    *out_key = NULL;
    return err;
  }
  *out_x509 = x509;
  if (out_cert != NULL) {
    *out_cert = cert;
  } else {
    CRYPTO_BUFFER_free(cert);
  }
  return TLS_OK;
}

int tls_mirror_ca_load(const char *dir, tls_mirror_ca_t **out) {
  *out = NULL;
  tls_mirror_ca_t *ca = calloc(1, sizeof(*ca));
  if (ca == NULL) {
    return TLS_ENOMEM;
  }
  int err = load_pair(dir, TLS_MIRROR_ROOT_FILE, TLS_MIRROR_ROOT_KEY_FILE, &ca->root, &ca->root_x509, &ca->root_key);
  if (err == TLS_OK) {
    err = load_pair(dir, TLS_MIRROR_UNTRUSTED_FILE, TLS_MIRROR_UNTRUSTED_KEY_FILE, NULL, &ca->untrusted_x509,
                    &ca->untrusted_key);
  }
  if (err != TLS_OK) {
    tls_mirror_ca_free(ca);
    return err;
  }
  *out = ca;
  return TLS_OK;
}

void tls_mirror_ca_free(tls_mirror_ca_t *ca) {
  if (ca == NULL) {
    return;
  }
  CRYPTO_BUFFER_free(ca->root);
  X509_free(ca->root_x509);
  EVP_PKEY_free(ca->root_key);
  X509_free(ca->untrusted_x509);
  EVP_PKEY_free(ca->untrusted_key);
  free(ca);
}

CRYPTO_BUFFER *tls_mirror_ca_get0_root(const tls_mirror_ca_t *ca) { return ca->root; }
