// Calendar time without the C library's time zone state: RFC 3339 parsing and
// formatting, and ASN.1 UTCTime/GeneralizedTime conversion, all in UTC.

#include "inspect/inspect.h"

#include <stdio.h>
#include <string.h>

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, size_t n, int *out) {
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') {
      return 0;
    }
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 1;
}

static int valid_fields(int y, int mo, int d, int h, int mi, int s) {
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || s > 60) {
    return 0;
  }
  if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) {
    return 0;
  }
  return 1;
}

int inspect_time_from_asn1(const char *str, size_t len, int generalized, int64_t *out) {
  int y, mo, d, h, mi, s = 0;
  size_t ylen = generalized ? 4 : 2;
  // Both forms end in 'Z' (RFC 5280 requires UTC and, for GeneralizedTime, seconds).
  if (len < ylen + 8 + 1 || str[len - 1] != 'Z') {
    return 0;
  }
  if (!digits(str, ylen, &y) || !digits(str + ylen, 2, &mo) || !digits(str + ylen + 2, 2, &d) ||
      !digits(str + ylen + 4, 2, &h) || !digits(str + ylen + 6, 2, &mi)) {
    return 0;
  }
  size_t rest = len - 1 - (ylen + 8);
  if (rest == 2) {
    if (!digits(str + ylen + 8, 2, &s)) {
      return 0;
    }
  } else if (rest != 0) {
    return 0;
  }
  if (!generalized) {
    y += y < 50 ? 2000 : 1900;  // RFC 5280 4.1.2.5.1
  }
  if (!valid_fields(y, mo, d, h, mi, s)) {
    return 0;
  }
  *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
  return 1;
}

int inspect_time_parse_rfc3339(const char *str, int64_t *out) {
  size_t len = strlen(str);
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (len < 10 || !digits(str, 4, &y) || str[4] != '-' || !digits(str + 5, 2, &mo) || str[7] != '-' ||
      !digits(str + 8, 2, &d)) {
    return 0;
  }
  const char *p = str + 10;
  int64_t offset = 0;
  if (*p == 'T' || *p == 't' || *p == ' ') {
    p++;
    if (strlen(p) < 8 || !digits(p, 2, &h) || p[2] != ':' || !digits(p + 3, 2, &mi) || p[5] != ':' ||
        !digits(p + 6, 2, &s)) {
      return 0;
    }
    p += 8;
    if (*p == '.') {  // Fractional seconds are accepted and dropped.
      p++;
      if (*p < '0' || *p > '9') {
        return 0;
      }
      while (*p >= '0' && *p <= '9') {
        p++;
      }
    }
    if (*p == 'Z' || *p == 'z') {
      p++;
    } else if (*p == '+' || *p == '-') {
      int oh, om;
      if (strlen(p) != 6 || !digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59) {
        return 0;
      }
      offset = (int64_t)(oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
      p += 6;
    } else {
      return 0;
    }
  }
  if (*p != '\0' || !valid_fields(y, mo, d, h, mi, s)) {
    return 0;
  }
  *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s - offset;
  return 1;
}

void inspect_time_format_rfc3339(int64_t t, char out[INSPECT_TIME_STR_LEN]) {
  int64_t days = t / 86400;
  int64_t secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    days -= 1;
  }
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  if (y < 0 || y > 9999) {
    snprintf(out, INSPECT_TIME_STR_LEN, "%s", y < 0 ? "0000-01-01T00:00:00Z" : "9999-12-31T23:59:59Z");
    return;
  }
  // Every field is in range here; the wide scratch buffer keeps the compiler's
  // format-truncation analysis, which cannot know that, quiet.
  char tmp[64];
  snprintf(tmp, sizeof(tmp), "%04d-%02u-%02uT%02d:%02d:%02dZ", (int)y, m, d, (int)(secs / 3600), (int)(secs / 60 % 60),
           (int)(secs % 60));
  memcpy(out, tmp, INSPECT_TIME_STR_LEN - 1);
  out[INSPECT_TIME_STR_LEN - 1] = '\0';
}
