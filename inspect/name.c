// Host name matching against a certificate, with each client's rules for
// wildcards and the subject CN (RFC 6125 and its variations in practice).

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "inspect/inspect_internal.h"

int inspect_name_is_ip(const char *name) {
  uint8_t buf[16];
  return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

static size_t trimmed_len(const char *s) {
  size_t n = strlen(s);
  return n > 0 && s[n - 1] == '.' ? n - 1 : n;  // "example.com." names the same host
}

static size_t count_labels(const char *s, size_t len) {
  size_t n = 1;
  for (size_t i = 0; i < len; i++) {
    n += s[i] == '.';
  }
  return n;
}

int inspect__wildcard_match(const char *pattern, const char *host, unsigned wildcards) {
  size_t plen = trimmed_len(pattern), hlen = trimmed_len(host);
  if (plen == 0 || hlen == 0) {
    return 0;
  }
  const char *star = memchr(pattern, '*', plen);
  if (star == NULL) {
    return plen == hlen && strncasecmp(pattern, host, plen) == 0;
  }
  const char *pdot = memchr(pattern, '.', plen);
  const char *hdot = memchr(host, '.', hlen);
  // One '*', in the left-most label, with at least two labels after it
  // ("*.com" never matches, unless ANY_DOMAIN), and the same number of
  // labels as the host.
  size_t min_labels = (wildcards & NAME_WILDCARD_ANY_DOMAIN) ? 2 : 3;
  if (pdot == NULL || hdot == NULL || star > pdot || memchr(star + 1, '*', (size_t)(pattern + plen - star - 1)) ||
      count_labels(pattern, plen) < min_labels || count_labels(pattern, plen) != count_labels(host, hlen)) {
    return 0;
  }
  size_t prest = (size_t)(pattern + plen - pdot), hrest = (size_t)(host + hlen - hdot);
  if (prest != hrest || strncasecmp(pdot, hdot, prest) != 0) {
    return 0;
  }
  size_t prefix = (size_t)(star - pattern), suffix = (size_t)(pdot - star - 1);
  size_t hlabel = (size_t)(hdot - host);
  if (prefix + suffix > 0 &&
      (!(wildcards & NAME_WILDCARD_PARTIAL) || ((wildcards & NAME_WILDCARD_ONE_SIDE) && prefix > 0 && suffix > 0) ||
       ((wildcards & NAME_WILDCARD_WHOLE_ALABEL) && hlabel >= 4 && strncasecmp(host, "xn--", 4) == 0))) {
    return 0;
  }
  if (strncasecmp(pattern, "xn--", 4) == 0 || hlabel == 0 || hlabel < prefix + suffix + (prefix + suffix == 0)) {
    return 0;  // no wildcards inside IDNA A-labels; '*' matches at least one character
  }
  return strncasecmp(pattern, host, prefix) == 0 && strncasecmp(star + 1, hdot - suffix, suffix) == 0;
}

static int ip_equal(const char *a, const char *b) {
  uint8_t x[16], y[16];
  if (inet_pton(AF_INET, a, x) == 1) {
    return inet_pton(AF_INET, b, y) == 1 && memcmp(x, y, 4) == 0;
  }
  return inet_pton(AF_INET6, a, x) == 1 && inet_pton(AF_INET6, b, y) == 1 && memcmp(x, y, 16) == 0;
}

inspect_name_result_t inspect__name_check(const inspect_cert_t *leaf, const char *name, int name_is_ip,
                                          const inspect_name_rules_t *rules) {
  const inspect_cert_info_t *info = &leaf->info;
  if (name_is_ip) {
    for (size_t i = 0; i < info->num_ip_addrs; i++) {
      if (ip_equal(name, info->ip_addrs[i])) {
        return NAME_MATCH;
      }
    }
    return info->num_ip_addrs + info->num_dns_names > 0 ? NAME_MISMATCH : NAME_NO_SAN;
  }
  int cn_counts = info->common_name != NULL &&
                  (rules->cn == NAME_CN_ALWAYS || (rules->cn == NAME_CN_IF_NO_DNS && info->num_dns_names == 0));
  if (info->num_dns_names == 0 && !cn_counts) {
    // NO_SAN means the certificate names nothing a client reads; SANs of
    // the other kind (an IP for a host name) make it a plain mismatch.
    return info->num_ip_addrs > 0 ? NAME_MISMATCH : NAME_NO_SAN;
  }
  for (size_t i = 0; i < info->num_dns_names; i++) {
    if (inspect__wildcard_match(info->dns_names[i], name, rules->wildcards)) {
      return NAME_MATCH;
    }
  }
  if (cn_counts && inspect__wildcard_match(info->common_name, name, rules->wildcards)) {
    return NAME_MATCH;
  }
  return NAME_MISMATCH;
}

const char *inspect__name_list(inspect_ctx_t *ctx, const inspect_cert_t *leaf, const char *dns_prefix,
                               const char *sep) {
  inspect_buf_t buf;
  inspect_buf_init(&buf, 1 << 16);
  const inspect_cert_info_t *info = &leaf->info;
  for (size_t i = 0; i < info->num_dns_names; i++) {
    inspect_buf_printf(&buf, "%s%s%s", buf.len ? sep : "", dns_prefix, info->dns_names[i]);
  }
  for (size_t i = 0; dns_prefix[0] != '\0' && i < info->num_ip_addrs; i++) {
    inspect_buf_printf(&buf, "%sIP Address:%s", buf.len ? sep : "", info->ip_addrs[i]);
  }
  const char *out = inspect__arena_strdup(ctx->arena, buf.data != NULL ? buf.data : "");
  inspect_buf_cleanup(&buf);
  return out;
}
