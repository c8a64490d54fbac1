// PEM text: finds "-----BEGIN <label>-----" ... "-----END <label>-----" blocks
// in untrusted text and decodes their base64, reporting where each block
// starts so a linter can name the line; and writes certificates back as PEM.

#include <openssl/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"

static const char kBegin[] = "-----BEGIN ";
static const char kEnd[] = "-----END ";
static const char kDashes[] = "-----";

void inspect_pem_reader_init(inspect_pem_reader_t *reader, const uint8_t *data, size_t len) {
  reader->data = data;
  reader->len = len;
  reader->pos = 0;
  reader->line = 1;
}

void inspect_pem_block_cleanup(inspect_pem_block_t *block) {
  free(block->der);
  memset(block, 0, sizeof(*block));
}

// find returns the offset of `needle` in data[from, len), or len.
static size_t find(const uint8_t *data, size_t len, size_t from, const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = from; i + n <= len; i++) {
    if (data[i] == (uint8_t)needle[0] && memcmp(data + i, needle, n) == 0) {
      return i;
    }
  }
  return len;
}

static size_t count_lines(const uint8_t *data, size_t from, size_t to) {
  size_t n = 0;
  for (size_t i = from; i < to; i++) {
    n += data[i] == '\n';
  }
  return n;
}

static int is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int inspect_pem_reader_next(inspect_pem_reader_t *reader, inspect_pem_block_t *out) {
  memset(out, 0, sizeof(*out));
  const uint8_t *data = reader->data;
  size_t len = reader->len;
  size_t begin = find(data, len, reader->pos, kBegin);
  for (size_t i = reader->pos; i < begin; i++) {
    out->junk_before += !is_space(data[i]);
  }
  reader->line += count_lines(data, reader->pos, begin);
  if (begin == len) {
    reader->pos = len;
    return 0;
  }
  out->offset = begin;
  out->line = reader->line;
  size_t label_start = begin + strlen(kBegin);
  size_t label_end = find(data, len, label_start, kDashes);
  size_t eol = label_start;
  while (eol < len && data[eol] != '\n') {
    eol++;
  }
  if (label_end >= eol || label_end - label_start >= sizeof(out->label)) {
    // Not a BEGIN line after all: report it and skip the line.
    out->err = INSPECT_EBAD_PEM;
    reader->pos = eol;
    return 1;
  }
  memcpy(out->label, data + label_start, label_end - label_start);
  out->label[label_end - label_start] = '\0';

  // The END line must carry the same label.
  char end_line[96];
  snprintf(end_line, sizeof(end_line), "%s%s%s", kEnd, out->label, kDashes);
  size_t body_start = label_end + strlen(kDashes);
  size_t end = find(data, len, body_start, end_line);
  size_t next_begin = find(data, len, body_start, kBegin);
  if (end == len || next_begin < end) {
    out->err = INSPECT_EBAD_PEM;
    reader->line += count_lines(data, begin, next_begin);
    reader->pos = next_begin;
    return 1;
  }
  size_t after = end + strlen(end_line);
  reader->line += count_lines(data, begin, after);
  reader->pos = after;

  // Decode the base64 body, skipping whitespace. Headers ("Proc-Type:") are
  // not supported: encrypted PEM is not a certificate.
  size_t body_len = end - body_start;
  char *b64 = malloc(body_len + 1);
  if (b64 == NULL) {
    out->err = INSPECT_ENOMEM;
    return 1;
  }
  size_t b64_len = 0;
  for (size_t i = body_start; i < end; i++) {
    if (!is_space(data[i])) {
      b64[b64_len++] = (char)data[i];
    }
  }
  size_t max_out;
  if (b64_len == 0 || !EVP_DecodedLength(&max_out, b64_len)) {
    free(b64);
    out->err = INSPECT_EBAD_PEM;
    return 1;
  }
  out->der = malloc(max_out == 0 ? 1 : max_out);
  if (out->der == NULL) {
    free(b64);
    out->err = INSPECT_ENOMEM;
    return 1;
  }
  if (!EVP_DecodeBase64(out->der, &out->der_len, max_out, (const uint8_t *)b64, b64_len)) {
    free(out->der);
    out->der = NULL;
    out->der_len = 0;
    out->err = INSPECT_EBAD_PEM;
  }
  free(b64);
  return 1;
}

int inspect_pem_reader_trailing_junk(const inspect_pem_reader_t *reader) {
  for (size_t i = reader->pos; i < reader->len; i++) {
    if (!is_space(reader->data[i])) {
      return 1;
    }
  }
  return 0;
}

int inspect_data_looks_like_pem(const uint8_t *data, size_t len) { return find(data, len, 0, kBegin) < len; }

int inspect_pem_append_cert(inspect_buf_t *out, const uint8_t *der, size_t der_len) {
  size_t b64_len;
  char *b64 = EVP_EncodedLength(&b64_len, der_len) ? malloc(b64_len) : NULL;
  if (b64 == NULL) {
    out->failed = 1;  // as every append: the buffer stays failed
    return INSPECT_ENOMEM;
  }
  size_t n = EVP_EncodeBlock((uint8_t *)b64, der, der_len);
  inspect_buf_puts(out, "-----BEGIN CERTIFICATE-----\n");
  for (size_t i = 0; i < n; i += 64) {
    inspect_buf_append(out, b64 + i, n - i < 64 ? n - i : 64);
    inspect_buf_append(out, "\n", 1);
  }
  inspect_buf_puts(out, "-----END CERTIFICATE-----\n");
  free(b64);
  return out->failed ? INSPECT_ENOMEM : INSPECT_OK;
}
