#include "tools/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cli_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "tlsmirror %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return CLI_EXIT_USAGE;
}

int cli_usage_error(const char *cmd, const char *what) {
  return cli_error(cmd, "%s (see 'tlsmirror %s --help')", what, cmd);
}

int cli_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out) {
  if (text == NULL || text[0] < '0' || text[0] > '9') {
    return 0;
  }
  errno = 0;
  char *end;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max) {
    return 0;
  }
  *out = v;
  return 1;
}

int cli_parse_seconds(const char *text, double max, double *out) {
  if (text == NULL || ((text[0] < '0' || text[0] > '9') && text[0] != '.')) {
    return 0;
  }
  errno = 0;
  char *end;
  double v = strtod(text, &end);
  if (errno != 0 || *end != '\0' || !isfinite(v) || v < 0 || v > max) {
    return 0;
  }
  *out = v;
  return 1;
}

int64_t cli_now(void) { return (int64_t)time(NULL); }
