// inspect: the verdict engine. Pure C over DER bytes: certificate facts, the
// chain as sent, path building against a trust store, name matching, and one
// rule table per platform profile. No sockets, no printing, no global state;
// time is always an explicit argument.
//
// Conventions (as BoringSSL's): functions returning int give 1/0 for
// success/failure unless they document INSPECT_E* codes (negative, 0 = ok);
// get0 returns a borrowed pointer, get1/new an owned one; _free accepts NULL.

#ifndef TLSMIRROR_INSPECT_INSPECT_H
#define TLSMIRROR_INSPECT_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Errors.
//
// Failures of the caller's input (a file, a flag) are INSPECT_E* codes. A
// peer's bad certificate is never an error: it is a finding and a verdict.
#define INSPECT_ERRNO_MAP(XX)                                                                  \
  XX(NOMEM, -21001, "out of memory")                                                           \
  XX(NO_CERTIFICATE, -21002,                                                                   \
     "no certificate found: expected PEM blocks (-----BEGIN CERTIFICATE-----) or one DER "     \
     "certificate")                                                                            \
  XX(BAD_PEM, -21003,                                                                          \
     "malformed PEM block: a BEGIN line without its END line, or invalid base64 inside")      \
  XX(BAD_DER, -21004, "a certificate is not valid DER X.509: the file is truncated or not a certificate") \
  XX(TOO_MANY_CERTS, -21005,                                                                   \
     "too many certificates: a chain is limited to 64 and a trust store to 4096")              \
  XX(TOO_LARGE, -21006, "input is larger than 16 MiB: not a certificate chain or bundle")      \
  XX(BAD_PROFILE, -21007, "unknown profile: see 'tlsmirror inspect --help' for the list")      \
  XX(BAD_TIME, -21008, "time is not RFC 3339: use e.g. 2026-01-31T12:00:00Z")                 \
  XX(BAD_NAME, -21009, "host name is empty, too long or contains spaces or control characters") \
  XX(NOT_PEM_CERT, -21010, "a PEM block is not a certificate (e.g. a private key): remove it")

typedef enum {
  INSPECT_OK = 0,
#define INSPECT_ERRNO_ENUM(name, value, msg) INSPECT_E##name = (value),
  INSPECT_ERRNO_MAP(INSPECT_ERRNO_ENUM)
#undef INSPECT_ERRNO_ENUM
} inspect_errno_t;

// inspect_strerror returns the one-line message for an INSPECT_E* code.
const char *inspect_strerror(int err);
// inspect_err_name returns the code's name without prefix, e.g. "BAD_PEM".
const char *inspect_err_name(int err);

// Buffers.
//
// inspect_buf_t is a growable, NUL-terminated byte buffer with a hard cap
// (`max_len`, default INSPECT_BUF_DEFAULT_MAX). Appends past the cap or
// failing allocations set `failed` and are ignored afterwards, so a writer can
// append freely and check once at the end.
#define INSPECT_BUF_DEFAULT_MAX ((size_t)64 << 20)

typedef struct {
  char *data;
  size_t len;
  size_t cap;
  size_t max_len;
  int failed;
} inspect_buf_t;

void inspect_buf_init(inspect_buf_t *buf, size_t max_len);
void inspect_buf_cleanup(inspect_buf_t *buf);
void inspect_buf_reset(inspect_buf_t *buf);
int inspect_buf_append(inspect_buf_t *buf, const void *data, size_t len);
int inspect_buf_puts(inspect_buf_t *buf, const char *str);
int inspect_buf_printf(inspect_buf_t *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
// inspect_buf_json_string appends `str` as a quoted JSON string, or `null`
// when `str` is NULL. Invalid UTF-8 becomes U+FFFD so output stays valid.
int inspect_buf_json_string(inspect_buf_t *buf, const char *str);
int inspect_buf_json_string_len(inspect_buf_t *buf, const char *str, size_t len);

// Time.
//
// Times are seconds since the Unix epoch, UTC, as int64_t.
#define INSPECT_TIME_STR_LEN 21  // "2026-11-23T08:49:00Z" and NUL

// inspect_time_parse_rfc3339 parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ" or
// with a numeric offset or fractional seconds. It returns 1 on success.
int inspect_time_parse_rfc3339(const char *str, int64_t *out);
void inspect_time_format_rfc3339(int64_t t, char out[INSPECT_TIME_STR_LEN]);
// inspect_time_from_asn1 converts the text of an ASN.1 UTCTime
// (`generalized` = 0) or GeneralizedTime, which must end in 'Z'.
int inspect_time_from_asn1(const char *str, size_t len, int generalized, int64_t *out);

// PEM.
//
// inspect_pem_reader_t walks the PEM blocks of untrusted text. Each call to
// inspect_pem_reader_next yields one block: check `err` (INSPECT_EBAD_PEM for
// a broken block, which is then skipped). `junk_before` counts non-blank
// bytes between the previous block and this one; `line` is 1-based.
typedef struct {
  const uint8_t *data;
  size_t len;
  size_t pos;
  size_t line;
} inspect_pem_reader_t;

typedef struct {
  char label[64];  // e.g. "CERTIFICATE"
  uint8_t *der;    // decoded body, owned by the block
  size_t der_len;
  size_t offset;   // byte offset of the BEGIN line
  size_t line;     // line number of the BEGIN line
  size_t junk_before;
  int err;
} inspect_pem_block_t;

void inspect_pem_reader_init(inspect_pem_reader_t *reader, const uint8_t *data, size_t len);
// inspect_pem_reader_next returns 1 when it filled `out` (which the caller
// releases with inspect_pem_block_cleanup) and 0 at the end of the input.
int inspect_pem_reader_next(inspect_pem_reader_t *reader, inspect_pem_block_t *out);
void inspect_pem_block_cleanup(inspect_pem_block_t *block);
// inspect_pem_reader_trailing_junk returns 1 if non-blank bytes follow the
// last block the reader returned (call after inspect_pem_reader_next gave 0).
int inspect_pem_reader_trailing_junk(const inspect_pem_reader_t *reader);
// inspect_data_looks_like_pem returns 1 if `data` holds a BEGIN line.
int inspect_data_looks_like_pem(const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif  // TLSMIRROR_INSPECT_INSPECT_H
