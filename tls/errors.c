#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

#include "tls/tls.h"

const char *tls_strerror(int err) {
  switch (err) {
    case TLS_OK: return "success";
#define TLS_STRERROR_CASE(name, value, msg) \
  case TLS_E##name: return msg;
      TLS_ERRNO_MAP(TLS_STRERROR_CASE)
#undef TLS_STRERROR_CASE
  }
  return inspect_strerror(err);
}

const char *tls_err_name(int err) {
  switch (err) {
    case TLS_OK: return "OK";
#define TLS_NAME_CASE(name, value, msg) \
  case TLS_E##name: return #name;
      TLS_ERRNO_MAP(TLS_NAME_CASE)
#undef TLS_NAME_CASE
  }
  return inspect_err_name(err);
}

void tls_error_describe(char *out, size_t out_len) {
  uint32_t packed = ERR_get_error();
  if (packed == 0) {
    snprintf(out, out_len, "no further detail");
  } else {
    const char *reason = ERR_reason_error_string(packed);
    const char *lib = ERR_lib_error_string(packed);
    snprintf(out, out_len, "%s (%s)", reason != NULL ? reason : "unknown reason",
             lib != NULL ? lib : "unknown library");
  }
  ERR_clear_error();
}

const char *tls_alert_name(int alert) { return inspect_alert_name(alert); }
