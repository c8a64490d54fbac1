#include "tests/tls/fuzz_hello_entry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls.h"

static void check(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "fuzz_hello_one: %s\n", what);
    abort();
  }
}

static int terminated(const char *s, size_t cap) { return memchr(s, '\0', cap) != NULL; }

static int lower_hex(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
      return 0;
    }
  }
  return 1;
}

int fuzz_hello_one(const uint8_t *data, size_t size) {
  static tls_hello_t h, again;
  static const tls_hello_t zero;
  int r = tls_hello_parse(data, size, &h);
  check(r == TLS_OK || r == TLS_EHELLO, "result code");
  if (r != TLS_OK) {
    check(memcmp(&h, &zero, sizeof(h)) == 0, "a refused ClientHello leaves the summary zeroed");
    return 0;
  }
  check(h.num_versions <= 16 && h.num_ciphers <= 256 && h.num_extensions <= 64 && h.num_groups <= 64 &&
            h.num_sigalgs <= 64 && h.num_point_formats <= 8 && h.alpn_wire_len <= sizeof(h.alpn_wire),
        "counts within their arrays");
  check(terminated(h.sni, sizeof(h.sni)) && terminated(h.alpn_first, sizeof(h.alpn_first)) &&
            terminated(h.ja3_string, sizeof(h.ja3_string)) && terminated(h.ja4, sizeof(h.ja4)),
        "strings terminated");
  check(h.has_sni ? strlen(h.sni) > 0 : h.sni[0] == '\0', "SNI present iff has_sni");
  for (const char *p = h.alpn_first; *p != '\0'; p++) {
    check(*p >= 0x20 && *p < 0x7f, "alpn_first is printable");
  }
  check(strlen(h.ja3) == 32 && lower_hex(h.ja3, 32), "JA3 is an MD5 in hex");
  size_t n4 = strlen(h.ja4);
  check(n4 == 36 && h.ja4[0] == 't' && h.ja4[10] == '_' && h.ja4[23] == '_' && lower_hex(h.ja4 + 11, 12) &&
            lower_hex(h.ja4 + 24, 12),
        "JA4 is t..._hash_hash");
  check((h.min_version == 0) == (h.max_version == 0) && h.min_version <= h.max_version, "version range");
  check(tls_hello_parse(data, size, &again) == TLS_OK && memcmp(&h, &again, sizeof(h)) == 0,
        "the same bytes parse to the same summary");
  return 1;
}
