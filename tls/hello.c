// ClientHello summary and JA3/JA4 fingerprints, computed over untrusted bytes
// with CBS: every length is checked before it is used, and nothing is
// allocated.
//
// JA3 follows Salesforce's definition (github.com/salesforce/ja3, README and
// python/ja3.py): SSLVersion,Ciphers,Extensions,EllipticCurves,
// EllipticCurvePointFormats in decimal, values joined by '-', GREASE left out,
// then MD5.
//
// JA4 follows FoxIO's specification, technical_details/JA4.md in
// github.com/FoxIO-LLC/ja4 (TLS over TCP, so the prefix is always "t"),
// including its rules for non-alphanumeric ALPN values and for empty lists
// ("000000000000"). GREASE is left out everywhere, signature algorithms
// included: the specification says so, and FoxIO's tools were brought in line
// with it (FoxIO-LLC/ja4 issues #60 and #305). Its published example
// t13d1516h2_8daaf6152771_e5627efa2ab1 is one of our test vectors.

#include <openssl/bytestring.h>
#include <openssl/md5.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "tls/tls.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

enum {
  EXT_SERVER_NAME = 0x0000,
  EXT_SUPPORTED_GROUPS = 0x000a,
  EXT_EC_POINT_FORMATS = 0x000b,
  EXT_SIGNATURE_ALGORITHMS = 0x000d,
  EXT_ALPN = 0x0010,
  EXT_SUPPORTED_VERSIONS = 0x002b,
};

// The parts of the ClientHello the fingerprints read again after parsing:
// the raw lists, so that they cover every entry, not only those that fit in
// tls_hello_t's arrays.
typedef struct {
  CBS ciphers;        // u16 values
  CBS extensions;     // (u16 type, u16-prefixed body)*
  CBS versions;       // u16 values
  CBS groups;         // u16 values
  CBS sigalgs;        // u16 values
  CBS point_formats;  // u8 values
  CBS alpn_first;     // the first ALPN protocol name
  int has_versions, has_groups, has_sigalgs, has_point_formats, has_alpn;
  int sent_sni;  // a server_name extension is present, whatever it holds
} hello_parts_t;

int tls_hello_is_grease(uint16_t value) { return (value & 0x0f0f) == 0x0a0a && (value >> 8) == (value & 0xff); }

// Lists.
//
// A list_iter_t walks a list that parsing has already framed with CBS: u8
// values, u16 values, or the types of an extensions block. It reads bytes
// directly, checking bounds again, because the fingerprints walk every list
// several times and a function call per value would dominate.
typedef enum { LIST_U8, LIST_U16, LIST_EXT_TYPES } list_kind_t;

//
// It counts what is left rather than keep an end pointer: an empty list's CBS
// may hold a NULL pointer, and NULL + 0 is undefined behaviour.
typedef struct {
  const uint8_t *p;
  size_t left;
  list_kind_t kind;
} list_iter_t;

static list_iter_t list_iter(const CBS *cbs, list_kind_t kind) {
  list_iter_t it = {CBS_data(cbs), CBS_len(cbs), kind};
  return it;
}

static inline int list_next(list_iter_t *it, uint16_t *out) {
  size_t left = it->left;
  size_t step;
  switch (it->kind) {
    case LIST_U8:
      if (left < 1) {
        return 0;
      }
      *out = it->p[0];
      it->p += 1;
      it->left -= 1;
      return 1;
    case LIST_U16: step = 2; break;
    case LIST_EXT_TYPES:
      if (left < 4) {
        return 0;
      }
      step = 4 + (size_t)(it->p[2] << 8 | it->p[3]);
      break;
    default: return 0;
  }
  if (left < step) {
    return 0;
  }
  *out = (uint16_t)(it->p[0] << 8 | it->p[1]);
  it->p += step;
  it->left -= step;
  return 1;
}

// copy_u16_list stores the first `cap` values of `list` and reports in the
// return value whether any were left out.
static int copy_u16_list(const CBS *list, list_kind_t kind, uint16_t *dst, size_t cap, size_t *num) {
  list_iter_t it = list_iter(list, kind);
  uint16_t v;
  *num = 0;
  while (list_next(&it, &v)) {
    if (*num == cap) {
      return 1;
    }
    dst[(*num)++] = v;
  }
  return 0;
}

// Parsing.

static int do_parse_sni(CBS body, tls_hello_t *out) {
  CBS list;
  if (!CBS_get_u16_length_prefixed(&body, &list) || CBS_len(&body) != 0) {
    return 0;
  }
  while (CBS_len(&list) > 0) {
    uint8_t name_type;
    CBS name;
    if (!CBS_get_u8(&list, &name_type) || !CBS_get_u16_length_prefixed(&list, &name)) {
      return 0;
    }
    // host_name(0) is the only type defined (RFC 6066, section 3).
    if (name_type == 0 && !out->has_sni && CBS_len(&name) > 0 && CBS_len(&name) < sizeof(out->sni) &&
        !CBS_contains_zero_byte(&name)) {
      memcpy(out->sni, CBS_data(&name), CBS_len(&name));
      out->sni[CBS_len(&name)] = '\0';
      out->has_sni = 1;
    }
  }
  return 1;
}

// do_format_alpn writes `proto` for display into `out`, stopping before a
// character that would not fit whole.
static void do_format_alpn(const CBS *proto, char *out, size_t out_len) {
  static const char hex[] = "0123456789abcdef";
  size_t n = 0;
  for (size_t i = 0; i < CBS_len(proto); i++) {
    uint8_t b = CBS_data(proto)[i];
    if (b > 0x20 && b < 0x7f && b != '\\') {
      if (n + 1 >= out_len) {
        break;
      }
      out[n++] = (char)b;
    } else {
      if (n + 4 >= out_len) {
        break;
      }
      out[n++] = '\\';
      out[n++] = 'x';
      out[n++] = hex[b >> 4];
      out[n++] = hex[b & 0xf];
    }
  }
  out[n] = '\0';
}

static int do_parse_alpn(CBS body, tls_hello_t *out, hello_parts_t *parts) {
  CBS list;
  if (!CBS_get_u16_length_prefixed(&body, &list) || CBS_len(&body) != 0) {
    return 0;
  }
  int first = 1, full = 0;
  while (CBS_len(&list) > 0) {
    const uint8_t *entry = CBS_data(&list);
    CBS proto;
    if (!CBS_get_u8_length_prefixed(&list, &proto)) {
      return 0;
    }
    if (first) {
      parts->alpn_first = proto;
      do_format_alpn(&proto, out->alpn_first, sizeof(out->alpn_first));
      first = 0;
    }
    // Whole protocols only, so that a cut list is still a valid one.
    size_t entry_len = 1 + CBS_len(&proto);
    if (!full && out->alpn_wire_len + entry_len <= sizeof(out->alpn_wire)) {
      memcpy(out->alpn_wire + out->alpn_wire_len, entry, entry_len);
      out->alpn_wire_len += entry_len;
    } else {
      full = 1;
      out->overflow |= TLS_HELLO_OVERFLOW_ALPN;
    }
  }
  parts->has_alpn = 1;
  return 1;
}

// do_get_u16_list reads a length-prefixed list of u16 values that must fill
// `body` exactly. `prefix_len` is the size of the length prefix (1 or 2).
static int do_get_u16_list(CBS body, int prefix_len, CBS *out) {
  int ok = prefix_len == 1 ? CBS_get_u8_length_prefixed(&body, out) : CBS_get_u16_length_prefixed(&body, out);
  return ok && CBS_len(&body) == 0 && CBS_len(out) % 2 == 0;
}

static int do_parse_extension(uint16_t type, CBS body, tls_hello_t *out, hello_parts_t *parts) {
  size_t n;
  switch (type) {
    case EXT_SERVER_NAME:
      if (parts->sent_sni) {
        return 1;
      }
      parts->sent_sni = 1;
      return do_parse_sni(body, out);
    case EXT_ALPN: return parts->has_alpn ? 1 : do_parse_alpn(body, out, parts);
    case EXT_SUPPORTED_VERSIONS:
      if (parts->has_versions) {
        return 1;
      }
      if (!do_get_u16_list(body, 1, &parts->versions)) {
        return 0;
      }
      parts->has_versions = 1;
      if (copy_u16_list(&parts->versions, LIST_U16, out->versions, COUNT_OF(out->versions), &out->num_versions)) {
        out->overflow |= TLS_HELLO_OVERFLOW_VERSIONS;
      }
      return 1;
    case EXT_SUPPORTED_GROUPS:
      if (parts->has_groups) {
        return 1;
      }
      if (!do_get_u16_list(body, 2, &parts->groups)) {
        return 0;
      }
      parts->has_groups = 1;
      if (copy_u16_list(&parts->groups, LIST_U16, out->groups, COUNT_OF(out->groups), &out->num_groups)) {
        out->overflow |= TLS_HELLO_OVERFLOW_GROUPS;
      }
      return 1;
    case EXT_SIGNATURE_ALGORITHMS:
      if (parts->has_sigalgs) {
        return 1;
      }
      if (!do_get_u16_list(body, 2, &parts->sigalgs)) {
        return 0;
      }
      parts->has_sigalgs = 1;
      if (copy_u16_list(&parts->sigalgs, LIST_U16, out->sigalgs, COUNT_OF(out->sigalgs), &out->num_sigalgs)) {
        out->overflow |= TLS_HELLO_OVERFLOW_SIGALGS;
      }
      return 1;
    case EXT_EC_POINT_FORMATS:
      if (parts->has_point_formats) {
        return 1;
      }
      if (!CBS_get_u8_length_prefixed(&body, &parts->point_formats) || CBS_len(&body) != 0) {
        return 0;
      }
      parts->has_point_formats = 1;
      n = CBS_len(&parts->point_formats);
      if (n > sizeof(out->point_formats)) {
        n = sizeof(out->point_formats);
        out->overflow |= TLS_HELLO_OVERFLOW_POINT_FORMATS;
      }
      memcpy(out->point_formats, CBS_data(&parts->point_formats), n);
      out->num_point_formats = n;
      return 1;
  }
  return 1;
}

static int do_parse(CBS body, tls_hello_t *out, hello_parts_t *parts) {
  CBS random, session_id, compression;
  if (!CBS_get_u16(&body, &out->legacy_version) || !CBS_get_bytes(&body, &random, 32) ||
      !CBS_get_u8_length_prefixed(&body, &session_id) || !CBS_get_u16_length_prefixed(&body, &parts->ciphers) ||
      CBS_len(&parts->ciphers) % 2 != 0 || !CBS_get_u8_length_prefixed(&body, &compression)) {
    return 0;
  }
  // Before TLS 1.3 the extensions block may be left out altogether.
  CBS_init(&parts->extensions, NULL, 0);
  if (CBS_len(&body) > 0 && (!CBS_get_u16_length_prefixed(&body, &parts->extensions) || CBS_len(&body) != 0)) {
    return 0;
  }
  if (copy_u16_list(&parts->ciphers, LIST_U16, out->ciphers, COUNT_OF(out->ciphers), &out->num_ciphers)) {
    out->overflow |= TLS_HELLO_OVERFLOW_CIPHERS;
  }
  CBS exts = parts->extensions;
  while (CBS_len(&exts) > 0) {
    uint16_t type;
    CBS ext_body;
    if (!CBS_get_u16(&exts, &type) || !CBS_get_u16_length_prefixed(&exts, &ext_body) ||
        !do_parse_extension(type, ext_body, out, parts)) {
      return 0;
    }
    if (out->num_extensions < COUNT_OF(out->extensions)) {
      out->extensions[out->num_extensions++] = type;
    } else {
      out->overflow |= TLS_HELLO_OVERFLOW_EXTENSIONS;
    }
  }
  return 1;
}

// Version range.

static int is_tls_version(uint16_t v) { return v >= SSL3_VERSION && v <= TLS1_3_VERSION; }

static void do_version_range(const tls_hello_t *hello, const hello_parts_t *parts, uint16_t *min, uint16_t *max) {
  *min = *max = 0;
  if (parts->has_versions) {
    list_iter_t it = list_iter(&parts->versions, LIST_U16);
    uint16_t v;
    while (list_next(&it, &v)) {
      if (is_tls_version(v)) {
        *min = *min == 0 || v < *min ? v : *min;
        *max = v > *max ? v : *max;
      }
    }
    return;
  }
  uint16_t v = hello->legacy_version > TLS1_2_VERSION ? TLS1_2_VERSION : hello->legacy_version;
  if (is_tls_version(v)) {
    *min = *max = v;
  }
}

// Hashed text.
//
// A text_hash_t hashes the text written to it (MD5 for JA3, SHA-256 for JA4)
// in chunks, and can keep what fits of it in `keep`. The text can be far
// longer than anything kept: a ClientHello may list 32767 cipher suites.
typedef struct {
  int is_md5;
  MD5_CTX md5;
  SHA256_CTX sha256;
  char chunk[512];
  size_t chunk_len;
  size_t total;  // bytes written
  char *keep;    // NULL, or a buffer for the text, always NUL-terminated
  size_t keep_cap, keep_len;
} text_hash_t;

static void text_init(text_hash_t *t, int is_md5, char *keep, size_t keep_cap) {
  memset(t, 0, sizeof(*t));
  t->is_md5 = is_md5;
  if (is_md5) {
    MD5_Init(&t->md5);
  } else {
    SHA256_Init(&t->sha256);
  }
  t->keep = keep;
  t->keep_cap = keep_cap;
  if (keep != NULL) {
    keep[0] = '\0';
  }
}

static void text_flush(text_hash_t *t) {
  if (t->is_md5) {
    MD5_Update(&t->md5, t->chunk, t->chunk_len);
  } else {
    SHA256_Update(&t->sha256, t->chunk, t->chunk_len);
  }
  if (t->keep != NULL) {
    size_t n = t->keep_cap - 1 - t->keep_len;
    n = t->chunk_len < n ? t->chunk_len : n;
    memcpy(t->keep + t->keep_len, t->chunk, n);
    t->keep_len += n;
    t->keep[t->keep_len] = '\0';
  }
  t->chunk_len = 0;
}

static void text_put(text_hash_t *t, const char *s, size_t n) {
  t->total += n;
  while (n > 0) {
    if (t->chunk_len == sizeof(t->chunk)) {
      text_flush(t);
    }
    size_t room = sizeof(t->chunk) - t->chunk_len;
    size_t k = n < room ? n : room;
    memcpy(t->chunk + t->chunk_len, s, k);
    t->chunk_len += k;
    s += k;
    n -= k;
  }
}

// text_put_u16 writes `v` in decimal (JA3) or as 4 lower-case hex digits
// (JA4), after `sep` unless it is the first value.
static void text_put_u16(text_hash_t *t, uint16_t v, int hex, char sep, int *first) {
  char buf[8];
  size_t n = 0;
  if (!*first) {
    buf[n++] = sep;
  }
  *first = 0;
  if (hex) {
    static const char digits[] = "0123456789abcdef";
    buf[n++] = digits[v >> 12];
    buf[n++] = digits[(v >> 8) & 0xf];
    buf[n++] = digits[(v >> 4) & 0xf];
    buf[n++] = digits[v & 0xf];
  } else {
    char rev[5];
    size_t k = 0;
    do {
      rev[k++] = (char)('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (k > 0) {
      buf[n++] = rev[--k];
    }
  }
  text_put(t, buf, n);
}

// text_final writes the digest's first `hex_len` hex digits to `out`.
static void text_final(text_hash_t *t, char *out, size_t hex_len) {
  static const char digits[] = "0123456789abcdef";
  uint8_t digest[SHA256_DIGEST_LENGTH];
  text_flush(t);
  if (t->is_md5) {
    MD5_Final(digest, &t->md5);
  } else {
    SHA256_Final(digest, &t->sha256);
  }
  for (size_t i = 0; i < hex_len; i++) {
    out[i] = digits[i % 2 == 0 ? digest[i / 2] >> 4 : digest[i / 2] & 0xf];
  }
  out[hex_len] = '\0';
}

// JA3.

static void ja3_put_list(text_hash_t *t, const CBS *list, list_kind_t kind) {
  list_iter_t it = list_iter(list, kind);
  uint16_t v;
  int first = 1;
  while (list_next(&it, &v)) {
    // GREASE values are 16 bits wide: a point format (one byte) is never one.
    if (kind == LIST_U8 || !tls_hello_is_grease(v)) {
      text_put_u16(t, v, 0, '-', &first);
    }
  }
}

static void do_ja3(tls_hello_t *out, const hello_parts_t *parts) {
  text_hash_t t;
  int first = 1;
  text_init(&t, 1, out->ja3_string, sizeof(out->ja3_string));
  text_put_u16(&t, out->legacy_version, 0, ',', &first);
  text_put(&t, ",", 1);
  ja3_put_list(&t, &parts->ciphers, LIST_U16);
  text_put(&t, ",", 1);
  ja3_put_list(&t, &parts->extensions, LIST_EXT_TYPES);
  text_put(&t, ",", 1);
  if (parts->has_groups) {
    ja3_put_list(&t, &parts->groups, LIST_U16);
  }
  text_put(&t, ",", 1);
  if (parts->has_point_formats) {
    ja3_put_list(&t, &parts->point_formats, LIST_U8);
  }
  text_final(&t, out->ja3, 32);
  if (t.total >= sizeof(out->ja3_string)) {
    out->overflow |= TLS_HELLO_OVERFLOW_JA3_STRING;
  }
}

// JA4.

// ja4_skip says whether a value stays out of a JA4 list: GREASE always, and
// for the extension hash SNI and ALPN, which section a already shows.
static int ja4_skip(uint16_t v, int drop_sni_alpn) {
  return tls_hello_is_grease(v) || (drop_sni_alpn && (v == EXT_SERVER_NAME || v == EXT_ALPN));
}

static size_t ja4_count(const CBS *list, list_kind_t kind) {
  list_iter_t it = list_iter(list, kind);
  uint16_t v;
  size_t n = 0;
  while (list_next(&it, &v)) {
    n += !tls_hello_is_grease(v);
  }
  return n;
}

// ja4_put_sorted writes the kept values of `list`, sorted, as comma-joined
// 4-digit hex to `t` and returns how many there were. Lists short enough
// (all real ones) are sorted in a stack array; longer ones, which a
// ClientHello allows up to 32767 entries, are counted one window of values at
// a time, so the work stays linear and the stack small.
#define JA4_SORT_INLINE 512
#define JA4_COUNT_WINDOW 4096

static size_t ja4_put_sorted(text_hash_t *t, const CBS *list, list_kind_t kind, int drop_sni_alpn) {
  list_iter_t it = list_iter(list, kind);
  uint16_t v, lo = 0xffff, hi = 0;
  size_t n = 0;
  while (list_next(&it, &v)) {
    if (!ja4_skip(v, drop_sni_alpn)) {
      n++;
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
  }
  int first = 1;
  if (n <= JA4_SORT_INLINE) {
    uint16_t vals[JA4_SORT_INLINE];
    size_t k = 0;
    it = list_iter(list, kind);
    while (list_next(&it, &v)) {
      if (ja4_skip(v, drop_sni_alpn)) {
        continue;
      }
      size_t j = k++;
      for (; j > 0 && vals[j - 1] > v; j--) {
        vals[j] = vals[j - 1];
      }
      vals[j] = v;
    }
    for (size_t i = 0; i < k; i++) {
      text_put_u16(t, vals[i], 1, ',', &first);
    }
    return n;
  }
  uint16_t counts[JA4_COUNT_WINDOW];  // a list holds at most 32767 values: no wrap
  for (uint32_t base = lo; base <= hi; base += JA4_COUNT_WINDOW) {
    memset(counts, 0, sizeof(counts));
    it = list_iter(list, kind);
    while (list_next(&it, &v)) {
      uint32_t slot = (uint32_t)v - base;  // wraps for values below the window
      if (slot < JA4_COUNT_WINDOW && !ja4_skip(v, drop_sni_alpn)) {
        counts[slot]++;
      }
    }
    for (uint32_t i = 0; i < JA4_COUNT_WINDOW; i++) {
      for (uint16_t c = 0; c < counts[i]; c++) {
        text_put_u16(t, (uint16_t)(base + i), 1, ',', &first);
      }
    }
  }
  return n;
}

// ja4_final writes the first 12 hex digits of the hash, or twelve zeros when
// nothing was hashed, as the specification asks for an empty list.
static void ja4_final(text_hash_t *t, size_t n, char out[13]) {
  text_final(t, out, 12);
  if (n == 0) {
    memset(out, '0', 12);
  }
}

static const char *ja4_version(uint16_t v) {
  switch (v) {
    case TLS1_3_VERSION: return "13";
    case TLS1_2_VERSION: return "12";
    case TLS1_1_VERSION: return "11";
    case TLS1_VERSION: return "10";
    case SSL3_VERSION: return "s3";
    case 0x0002:  // SSL 2.0 as the specification writes it
    case 0x0200:  // and as FoxIO's Python and Rust tools match it
      return "s2";
    case 0x0100: return "s1";
    case DTLS1_VERSION: return "d1";
    case DTLS1_2_VERSION: return "d2";
    case 0xfefc: return "d3";
  }
  return "00";
}

static int is_alnum(uint8_t c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// ja4_alpn writes the first and last characters of the first ALPN value, or
// when either is not alphanumeric the first and last hex digits of the whole
// value; "00" without one.
static void ja4_alpn(const hello_parts_t *parts, char out[3]) {
  static const char hex[] = "0123456789abcdef";
  size_t len = parts->has_alpn ? CBS_len(&parts->alpn_first) : 0;
  if (len == 0) {
    memcpy(out, "00", 3);
    return;
  }
  uint8_t first = CBS_data(&parts->alpn_first)[0], last = CBS_data(&parts->alpn_first)[len - 1];
  if (is_alnum(first) && is_alnum(last)) {
    out[0] = (char)first;
    out[1] = (char)last;
  } else {
    out[0] = hex[first >> 4];
    out[1] = hex[last & 0xf];
  }
  out[2] = '\0';
}

static void do_ja4(tls_hello_t *out, const hello_parts_t *parts) {
  uint16_t version = out->legacy_version;
  if (parts->has_versions) {
    list_iter_t it = list_iter(&parts->versions, LIST_U16);
    uint16_t v, best = 0;
    int found = 0;
    while (list_next(&it, &v)) {
      if (!tls_hello_is_grease(v) && (!found || v > best)) {
        best = v;
        found = 1;
      }
    }
    // Only GREASE in supported_versions: fall back as if it were absent.
    version = found ? best : version;
  }
  size_t num_ciphers = ja4_count(&parts->ciphers, LIST_U16);
  size_t num_exts = ja4_count(&parts->extensions, LIST_EXT_TYPES);
  char alpn[3];
  ja4_alpn(parts, alpn);

  text_hash_t t;
  char cipher_hash[13], ext_hash[13];
  text_init(&t, 0, NULL, 0);
  ja4_final(&t, ja4_put_sorted(&t, &parts->ciphers, LIST_U16, 0), cipher_hash);

  text_init(&t, 0, NULL, 0);
  size_t n = ja4_put_sorted(&t, &parts->extensions, LIST_EXT_TYPES, 1);
  if (n > 0 && parts->has_sigalgs) {
    // Signature algorithms in wire order after an underscore; no underscore
    // when there are none.
    list_iter_t it = list_iter(&parts->sigalgs, LIST_U16);
    uint16_t v;
    int first = 1;
    while (list_next(&it, &v)) {
      if (!tls_hello_is_grease(v)) {
        if (first) {
          text_put(&t, "_", 1);
        }
        text_put_u16(&t, v, 1, ',', &first);
      }
    }
  }
  ja4_final(&t, n, ext_hash);

  snprintf(out->ja4, sizeof(out->ja4), "t%s%c%02u%02u%s_%s_%s", ja4_version(version), parts->sent_sni ? 'd' : 'i',
           (unsigned)(num_ciphers > 99 ? 99 : num_ciphers), (unsigned)(num_exts > 99 ? 99 : num_exts), alpn,
           cipher_hash, ext_hash);
}

int tls_hello_parse(const uint8_t *body, size_t len, tls_hello_t *out) {
  hello_parts_t parts;
  memset(out, 0, sizeof(*out));
  memset(&parts, 0, sizeof(parts));
  CBS cbs;
  CBS_init(&cbs, body, len);
  if (body == NULL || !do_parse(cbs, out, &parts)) {
    memset(out, 0, sizeof(*out));
    return TLS_EHELLO;
  }
  do_version_range(out, &parts, &out->min_version, &out->max_version);
  do_ja3(out, &parts);
  do_ja4(out, &parts);
  return TLS_OK;
}
