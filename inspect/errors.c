#include "inspect/inspect.h"

const char *inspect_strerror(int err) {
  switch (err) {
    case INSPECT_OK: return "success";
#define INSPECT_STRERROR_CASE(name, value, msg) \
  case INSPECT_E##name: return msg;
      INSPECT_ERRNO_MAP(INSPECT_STRERROR_CASE)
#undef INSPECT_STRERROR_CASE
  }
  return "unknown inspect error";
}

const char *inspect_err_name(int err) {
  switch (err) {
    case INSPECT_OK: return "OK";
#define INSPECT_NAME_CASE(name, value, msg) \
  case INSPECT_E##name: return #name;
      INSPECT_ERRNO_MAP(INSPECT_NAME_CASE)
#undef INSPECT_NAME_CASE
  }
  return "UNKNOWN";
}
