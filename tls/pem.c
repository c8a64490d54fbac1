// PEM files: certificates and private keys on disk.

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tls/tls.h"

// write_file_atomic writes `data` to a temporary file beside `path` with
// `mode`, then renames it over `path`, so readers never see half a file.
static int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode) {
  char tmp[4096];
  if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
    return TLS_EWRITE;
  }
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return TLS_EWRITE;
  }
  const char *p = data;
  size_t left = len;
  while (left > 0) {
    ssize_t w = write(fd, p, left);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      close(fd);
      unlink(tmp);
      return TLS_EWRITE;
    }
    p += w;
    left -= (size_t)w;
  }
  if (fchmod(fd, mode) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
    unlink(tmp);
    return TLS_EWRITE;
  }
  return TLS_OK;
}

int tls_pem_write_certs(const char *path, CRYPTO_BUFFER *const *certs, size_t num) {
  inspect_buf_t buf;
  inspect_buf_init(&buf, 0);
  int err = TLS_OK;
  for (size_t i = 0; i < num && err == TLS_OK; i++) {
    if (inspect_pem_append_cert(&buf, CRYPTO_BUFFER_data(certs[i]), CRYPTO_BUFFER_len(certs[i])) != INSPECT_OK) {
      err = TLS_ENOMEM;
    }
  }
  if (err == TLS_OK) {
    err = write_file_atomic(path, buf.data != NULL ? buf.data : "", buf.len, 0644);
  }
  inspect_buf_cleanup(&buf);
  return err;
}

int tls_pem_write_key(const char *path, EVP_PKEY *key) {
  BIO *bio = BIO_new(BIO_s_mem());
  if (bio == NULL) {
    return TLS_ENOMEM;
  }
  int err = TLS_ENOMEM;
  if (PEM_write_bio_PKCS8PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)) {
    const uint8_t *data;
    size_t len;
    BIO_mem_contents(bio, &data, &len);
    err = write_file_atomic(path, data, len, 0600);
  }
  BIO_free(bio);
  ERR_clear_error();
  return err;
}

int tls_pem_read_key(const char *path, EVP_PKEY **out) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    return TLS_EOPEN;
  }
  *out = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  fclose(f);
  ERR_clear_error();
  return *out != NULL ? TLS_OK : TLS_EBAD_KEY;
}

int tls_file_read(const char *path, size_t max_len, uint8_t **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    return TLS_EOPEN;
  }
  inspect_buf_t buf;
  inspect_buf_init(&buf, max_len + 1);
  char chunk[16384];
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
    if (!inspect_buf_append(&buf, chunk, n)) {
      break;
    }
  }
  int read_error = ferror(f);
  fclose(f);
  if (buf.failed) {
    inspect_buf_cleanup(&buf);
    return INSPECT_ETOO_LARGE;
  }
  if (read_error) {
    inspect_buf_cleanup(&buf);
    return TLS_EREAD;
  }
  *out = (uint8_t *)buf.data;  // NULL for an empty file
  *out_len = buf.len;
  return TLS_OK;
}

int tls_pem_read_certs(const char *path, size_t max_certs, STACK_OF(CRYPTO_BUFFER) * *out) {
  *out = NULL;
  uint8_t *data;
  size_t len;
  int err = tls_file_read(path, 16 << 20, &data, &len);
  if (err != TLS_OK) {
    return err;
  }
  STACK_OF(CRYPTO_BUFFER) *certs = sk_CRYPTO_BUFFER_new_null();
  if (certs == NULL) {
    free(data);
    return TLS_ENOMEM;
  }
  err = TLS_OK;
  if (!inspect_data_looks_like_pem(data, len)) {
    // A single DER certificate.
    CRYPTO_BUFFER *buf = len > 0 ? CRYPTO_BUFFER_new(data, len, NULL) : NULL;
    if (buf == NULL || !sk_CRYPTO_BUFFER_push(certs, buf)) {
      CRYPTO_BUFFER_free(buf);
      err = len > 0 ? TLS_ENOMEM : INSPECT_ENO_CERTIFICATE;
    }
  } else {
    inspect_pem_reader_t reader;
    inspect_pem_block_t block;
    inspect_pem_reader_init(&reader, data, len);
    while (err == TLS_OK && inspect_pem_reader_next(&reader, &block)) {
      if (block.err != 0) {
        err = block.err;
      } else if (strcmp(block.label, "CERTIFICATE") == 0 || strcmp(block.label, "TRUSTED CERTIFICATE") == 0 ||
                 strcmp(block.label, "X509 CERTIFICATE") == 0) {
        if (sk_CRYPTO_BUFFER_num(certs) >= max_certs) {
          err = INSPECT_ETOO_MANY_CERTS;
        } else {
          CRYPTO_BUFFER *buf = CRYPTO_BUFFER_new(block.der, block.der_len, NULL);
          if (buf == NULL || !sk_CRYPTO_BUFFER_push(certs, buf)) {
            CRYPTO_BUFFER_free(buf);
            err = TLS_ENOMEM;
          }
        }
      }
      inspect_pem_block_cleanup(&block);
    }
    if (err == TLS_OK && sk_CRYPTO_BUFFER_num(certs) == 0) {
      err = INSPECT_ENO_CERTIFICATE;
    }
  }
  free(data);
  if (err != TLS_OK) {
    sk_CRYPTO_BUFFER_pop_free(certs, CRYPTO_BUFFER_free);
    return err;
  }
  *out = certs;
  return TLS_OK;
}
