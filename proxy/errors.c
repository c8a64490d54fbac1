#include <uv.h>

#include "proxy/proxy.h"

const char *proxy_strerror(int err) {
  switch (err) {
    case PROXY_OK: return "success";
#define PROXY_STRERROR_CASE(name, value, msg) \
  case PROXY_E##name: return msg;
      PROXY_ERRNO_MAP(PROXY_STRERROR_CASE)
#undef PROXY_STRERROR_CASE
  }
  if (err <= -20000) {
    return tls_strerror(err);
  }
  return uv_strerror(err);
}

const char *proxy_err_name(int err) {
  switch (err) {
    case PROXY_OK: return "OK";
#define PROXY_NAME_CASE(name, value, msg) \
  case PROXY_E##name: return #name;
      PROXY_ERRNO_MAP(PROXY_NAME_CASE)
#undef PROXY_NAME_CASE
  }
  if (err <= -20000) {
    return tls_err_name(err);
  }
  return uv_err_name(err);
}
