// CA bundle lint, the rules (see bundle.c): each pass over a bundle checks
// its format, each entry's parse, each certificate against the platform's
// trust-store rules and the chains inside the bundle, then the totals.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect_internal.h"

static void report(inspect_bundle_t *b, inspect_bundle_sink_t *sink, inspect_bundle_rule_t rule, int entry, size_t line,
                   const char *detail, const char *suggestion, const char *removal) {
  if (sink->reasons != NULL && entry >= 0 && removal != NULL && sink->reasons[entry] == NULL) {
    sink->reasons[entry] = removal;
  }
  if (!sink->emit) {
    return;
  }
  if (b->num_violations == b->cap_violations) {
    size_t cap = b->cap_violations ? b->cap_violations * 2 : 16;
    inspect_bundle_violation_t *grown = realloc(b->violations, cap * sizeof(*grown));
    if (grown == NULL) {
      return;
    }
    b->violations = grown;
    b->cap_violations = cap;
  }
  inspect_bundle_violation_t *v = &b->violations[b->num_violations++];
  v->rule = rule;
  v->code = inspect_bundle_rule_name(rule);
  v->entry = entry;
  v->line = line;
  v->detail = detail;
  v->platform_text = b->rules != NULL ? b->rules->texts[rule] : NULL;
  v->suggestion = suggestion;
}

static const char *cn_or_subject(const inspect_cert_t *cert) {
  return cert->info.common_name != NULL ? cert->info.common_name : cert->info.subject;
}

// Format: what the file holds besides its blocks, line by line.

static int is_blank(const uint8_t *p, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') {
      return 0;
    }
  }
  return 1;
}

static int starts_with(const uint8_t *p, size_t len, const char *prefix) {
  size_t n = strlen(prefix);
  return len >= n && memcmp(p, prefix, n) == 0;
}

// excerpt returns the line as printable ASCII, at most 48 characters.
static const char *excerpt(inspect_bundle_t *b, const uint8_t *p, size_t len) {
  char out[52];
  size_t n = 0;
  if (len > 0 && p[len - 1] == '\r') {
    len--;
  }
  for (size_t i = 0; i < len && n < 48; i++) {
    out[n++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
  }
  out[n] = '\0';
  return inspect__arena_printf(&b->arena, "%s%s", out, len > 48 ? "..." : "");
}

static void report_junk(inspect_bundle_t *b, inspect_bundle_sink_t *sink, size_t first, size_t last, const char *text) {
  const char *lines = last > first ? inspect__arena_printf(&b->arena, "lines %zu-%zu", first, last)
                                   : inspect__arena_printf(&b->arena, "line %zu", first);
  report(b, sink, INSPECT_BUNDLE_NON_PEM_DATA, -1, first,
         inspect__arena_printf(&b->arena, "%s: not PEM (\"%s\")", lines, text),
         inspect__arena_printf(&b->arena, "delete %s: %s takes PEM blocks%s only (--fix writes the blocks alone)",
                               lines, b->rules->platform, b->rules->hash_comments_ok ? " and '#' comment lines" : ""),
         NULL);
}

static void check_format(inspect_bundle_t *b, inspect_bundle_sink_t *sink) {
  const inspect_bundle_rules_t *rules = b->rules;
  const char *platform = rules->platform;
  inspect_buf_t blanks;
  inspect_buf_init(&blanks, 1 << 12);
  size_t num_blank = 0, first_blank = 0;
  size_t junk_start = 0, junk_end = 0;
  const char *junk_text = NULL;
  int inside = 0;
  size_t line = 1;
  for (size_t pos = 0; pos < b->len; line++) {
    size_t eol = pos;
    while (eol < b->len && b->data[eol] != '\n') {
      eol++;
    }
    const uint8_t *p = b->data + pos;
    size_t n = eol - pos;
    int junk = 0;
    if (inside) {
      inside = !starts_with(p, n, "-----END ");
      if (inside && is_blank(p, n) && !rules->blank_lines_ok) {
        num_blank++;
        first_blank = first_blank ? first_blank : line;
        if (num_blank <= 8) {
          inspect_buf_printf(&blanks, "%s%zu", num_blank > 1 ? ", " : "", line);
        }
      }
    } else if (starts_with(p, n, "-----BEGIN ")) {
      inside = 1;
    } else if (is_blank(p, n)) {
      // The newline that ends the file leaves an empty last "line": not a blank line.
      if (!rules->blank_lines_ok && !(eol == b->len && n == 0)) {
        num_blank++;
        first_blank = first_blank ? first_blank : line;
        if (num_blank <= 8) {
          inspect_buf_printf(&blanks, "%s%zu", num_blank > 1 ? ", " : "", line);
        }
      }
    } else if (p[0] == '#' && rules->hash_comments_ok) {
      if (memchr(p, '-', n) != NULL) {
        report(b, sink, INSPECT_BUNDLE_BAD_COMMENT, -1, line,
               inspect__arena_printf(&b->arena, "the comment on line %zu contains '-': %s", line, excerpt(b, p, n)),
               inspect__arena_printf(&b->arena,
                                     "remove the '-' characters from line %zu or delete the line: %s comments "
                                     "start with '#' and must not contain '-' (--fix drops comments)",
                                     line, platform),
               NULL);
      }
    } else {
      junk = 1;
      if (junk_start == 0) {
        junk_start = line;
        junk_text = excerpt(b, p, n);
      }
      junk_end = line;
    }
    if (junk_start != 0 && !junk) {
      report_junk(b, sink, junk_start, junk_end, junk_text);
      junk_start = 0;
    }
    pos = eol < b->len ? eol + 1 : eol;
  }
  if (junk_start != 0) {
    report_junk(b, sink, junk_start, junk_end, junk_text);
  }
  if (num_blank > 0) {
    report(b, sink, INSPECT_BUNDLE_BLANK_LINE, -1, first_blank,
           inspect__arena_printf(&b->arena, "%zu blank line%s (line%s %s%s)", num_blank, num_blank == 1 ? "" : "s",
                                 num_blank == 1 ? "" : "s", blanks.data != NULL ? blanks.data : "",
                                 num_blank > 8 ? ", ..." : ""),
           inspect__arena_printf(&b->arena,
                                 "delete the blank lines: %s refuses a bundle with any blank line "
                                 "(--fix writes one without)",
                                 platform),
           NULL);
  }
  inspect_buf_cleanup(&blanks);
}

// Chains inside the bundle.

// issuer_of returns the index of `i`'s issuer among the kept certificates
// (first match by name whose key verifies the signature), or -1. *named is
// set when a certificate carries the issuer's name but did not sign it.
static int issuer_of(const inspect_bundle_t *b, const unsigned char *removed, size_t i, int *named) {
  const inspect_cert_t *cert = b->certs[i];
  *named = 0;
  for (size_t k = 0; k < b->num_entries; k++) {
    const inspect_cert_t *cand = b->certs[k];
    if (k == i || cand == NULL || removed[k] || memcmp(cand->subject_hash, cert->issuer_hash, 32) != 0) {
      continue;
    }
    if (inspect_cert_is_issued_by(cert, cand)) {
      return (int)k;
    }
    *named = 1;
  }
  return -1;
}

static void chains(const inspect_bundle_t *b, const unsigned char *removed, inspect_bundle_chain_info_t *out) {
  for (size_t i = 0; i < b->num_entries; i++) {
    out[i].issuer = -1;
    out[i].named = 0;
    out[i].depth = 0;
    out[i].has_root = 0;
    if (b->certs[i] != NULL && !removed[i] && !inspect_cert_is_self_signed(b->certs[i])) {
      out[i].issuer = issuer_of(b, removed, i, &out[i].named);
    }
  }
  for (size_t i = 0; i < b->num_entries; i++) {
    if (b->certs[i] == NULL || removed[i]) {
      continue;
    }
    int depth = 1;
    size_t top = i;
    while (out[top].issuer >= 0 && depth <= INSPECT_PATH_MAX) {  // the bound also stops cross-signing loops
      top = (size_t)out[top].issuer;
      depth++;
    }
    out[i].depth = depth;
    out[i].has_root = inspect_cert_is_self_signed(b->certs[top]);
  }
}

static const char *ordinal(inspect_bundle_t *b, int n) {
  const char *suffix = (n % 100 >= 11 && n % 100 <= 13) ? "th"
                       : n % 10 == 1                    ? "st"
                       : n % 10 == 2                    ? "nd"
                       : n % 10 == 3                    ? "rd"
                                                        : "th";
  return inspect__arena_printf(&b->arena, "%d%s", n, suffix);
}

static const char *days(inspect_bundle_t *b, int64_t seconds) {
  long long d = (long long)(seconds / 86400);
  return d < 1 ? "less than a day" : inspect__arena_printf(&b->arena, "%lld day%s", d, d == 1 ? "" : "s");
}

// remove_suggestion phrases "remove certificate #N (CN): <why>".
static const char *remove_suggestion(inspect_bundle_t *b, size_t i, const char *why) {
  return inspect__arena_printf(&b->arena, "remove certificate #%zu (%s): %s", i, cn_or_subject(b->certs[i]), why);
}

static void check_cert(inspect_bundle_t *b, inspect_bundle_sink_t *sink, const unsigned char *removed,
                       const inspect_bundle_chain_info_t *ci, size_t i) {
  const inspect_bundle_rules_t *rules = b->rules;
  const inspect_cert_t *cert = b->certs[i];
  const inspect_cert_info_t *info = &cert->info;
  inspect_arena_t *a = &b->arena;
  const char *name = cn_or_subject(cert);
  const char *platform = rules->platform;
  size_t line = b->entries[i].line;
  int e = (int)i;
  char when[INSPECT_TIME_STR_LEN];

  int not_v3 = rules->require_v3 && info->version != 3;
  if (not_v3) {
    const char *why =
        inspect__arena_printf(a, "it is an X.509 v%d certificate; %s supports X.509 v3 only", info->version, platform);
    report(
        b, sink, INSPECT_BUNDLE_NOT_V3, e, line,
        inspect__arena_printf(a, "#%zu %s is X.509 v%d", i, name, info->version),
        inspect__arena_printf(a, "%s, or reissue it as v3 with basicConstraints CA:TRUE", remove_suggestion(b, i, why)),
        why);
  }
  int v1_root = info->version == 1 && inspect_cert_is_self_signed(cert);  // OpenSSL trusts these as CAs
  int leaf = !info->is_ca && !not_v3 && !v1_root;
  if (leaf) {
    const char *what =
        !info->has_basic_constraints ? "it has no basicConstraints extension" : "basicConstraints says CA:FALSE";
    const char *why = inspect__arena_printf(a, "it is a leaf (%s)", what);
    report(b, sink, INSPECT_BUNDLE_NOT_CA, e, line,
           inspect__arena_printf(a, "#%zu %s is not a CA: %s; a trust store holds CA certificates only", i, name, what),
           remove_suggestion(b, i, why), why);
  }
  if (b->now > info->not_after) {
    inspect_time_format_rfc3339(info->not_after, when);
    const char *why = inspect__arena_printf(a, "it expired at %s", when);
    report(b, sink, INSPECT_BUNDLE_EXPIRED, e, line,
           inspect__arena_printf(a, "#%zu %s expired at %s (%s ago)", i, name, when, days(b, b->now - info->not_after)),
           inspect__arena_printf(a, "%s; add its renewed version if clients still chain to it",
                                 remove_suggestion(b, i, why)),
           why);
  } else if (b->now < info->not_before) {
    inspect_time_format_rfc3339(info->not_before, when);
    const char *why = inspect__arena_printf(a, "it is not valid before %s", when);
    report(b, sink, INSPECT_BUNDLE_NOT_YET_VALID, e, line,
           inspect__arena_printf(a, "#%zu %s is not valid before %s (in %s)", i, name, when,
                                 days(b, info->not_before - b->now)),
           inspect__arena_printf(a, "%s, or wait until it is valid", remove_suggestion(b, i, why)), why);
  }
  inspect_bundle_rule_t key = inspect__key_rule(rules, cert);
  if (key != INSPECT_BUNDLE_RULE_COUNT) {
    const char *why =
        key == INSPECT_BUNDLE_WEAK_KEY
            ? inspect__arena_printf(a, "its %s key is too small: %s needs RSA %d+ or ECDSA %d+", info->key_desc,
                                    platform, rules->min_rsa_bits, rules->min_ec_bits)
            : inspect__arena_printf(a, "%s does not support its %s key (RSA %d%s%s or ECDSA P-256/384/521 only)",
                                    platform, info->key_desc, rules->min_rsa_bits, rules->max_rsa_bits ? "-" : "+",
                                    rules->max_rsa_bits ? inspect__arena_printf(a, "%d", rules->max_rsa_bits) : "");
    report(b, sink, key, e, line,
           inspect__arena_printf(a, "#%zu %s has an unacceptable key: %s", i, name, info->key_desc),
           inspect__arena_printf(a, "%s; reissue the CA with an RSA 2048+ or ECDSA P-256 key",
                                 remove_suggestion(b, i, why)),
           why);
  }
  inspect_bundle_rule_t sig = inspect__sig_rule(rules, cert);
  if (sig != INSPECT_BUNDLE_RULE_COUNT) {
    const char *why =
        inspect__arena_printf(a, "it is signed with %s; %s needs SHA-256, SHA-384 or SHA-512", info->sig_alg, platform);
    report(b, sink, sig, e, line, inspect__arena_printf(a, "#%zu %s is signed with %s", i, name, info->sig_alg),
           inspect__arena_printf(a, "%s; ask the issuer for a SHA-256 version", remove_suggestion(b, i, why)), why);
  }
  if (rules->max_cert_der > 0 && info->der_len > rules->max_cert_der) {
    const char *why =
        inspect__arena_printf(a, "it is %zu bytes; %s allows %zu", info->der_len, platform, rules->max_cert_der);
    report(b, sink, INSPECT_BUNDLE_CERT_TOO_LARGE, e, line,
           inspect__arena_printf(a, "#%zu %s is %zu bytes (DER), over %s's limit of %zu", i, name, info->der_len,
                                 platform, rules->max_cert_der),
           remove_suggestion(b, i, why), why);
  }
  for (size_t k = 0; k < i; k++) {
    if (b->certs[k] != NULL && !removed[k] && memcmp(b->certs[k]->info.sha256, info->sha256, 32) == 0) {
      const char *why = inspect__arena_printf(a, "it repeats certificate #%zu", k);
      report(b, sink, INSPECT_BUNDLE_DUPLICATE, e, line,
             inspect__arena_printf(a, "#%zu %s is the same certificate as #%zu", i, name, k),
             remove_suggestion(b, i, why), why);
      break;
    }
  }
  if (!leaf && ci[i].issuer < 0 && !inspect_cert_is_self_signed(cert)) {
    const char *why = ci[i].named
                          ? inspect__arena_printf(a,
                                                  "the certificate named %s in the bundle did not sign it (another "
                                                  "generation of that CA)",
                                                  info->issuer)
                          : inspect__arena_printf(a, "its issuer %s is not in the bundle", info->issuer);
    report(b, sink, INSPECT_BUNDLE_ISSUER_MISSING, e, line,
           inspect__arena_printf(a, "#%zu %s: %s; %s needs the complete chain from each issuing CA up to its root", i,
                                 name, why, platform),
           inspect__arena_printf(a, "add the certificate of %s (and its issuers up to the root), or %s", info->issuer,
                                 remove_suggestion(b, i, why)),
           why);
  }
  if (rules->max_depth > 0 && ci[i].depth > rules->max_depth) {
    const char *why = inspect__arena_printf(a, "it is the %s CA of its chain, counting from the root; %s allows %d",
                                            ordinal(b, ci[i].depth), platform, rules->max_depth);
    report(b, sink, INSPECT_BUNDLE_CHAIN_TOO_DEEP, e, line,
           inspect__arena_printf(a, "#%zu %s sits %d CAs deep (root included); %s allows a chain depth of %d", i, name,
                                 ci[i].depth, platform, rules->max_depth),
           inspect__arena_printf(a, "%s; or flatten the hierarchy", remove_suggestion(b, i, why)), why);
  }
}

static void check_entry_parse(inspect_bundle_t *b, inspect_bundle_sink_t *sink, size_t i) {
  inspect_arena_t *a = &b->arena;
  const inspect_bundle_entry_t *e = &b->entries[i];
  switch (b->broken[i]) {
    case INSPECT_BUNDLE_BAD_PEM:
      report(b, sink, INSPECT_BUNDLE_BAD_PEM, (int)i, e->line,
             inspect__arena_printf(a, "block #%zu at line %zu is broken: %s", i, e->line,
                                   inspect_strerror(INSPECT_EBAD_PEM)),
             inspect__arena_printf(a, "remove block #%zu or copy it again from its source", i), "it is broken PEM");
      break;
    case INSPECT_BUNDLE_NOT_CERTIFICATE: {
      int key = strstr(e->label, "PRIVATE KEY") != NULL;
      report(b, sink, INSPECT_BUNDLE_NOT_CERTIFICATE, (int)i, e->line,
             inspect__arena_printf(a, "block #%zu at line %zu is a %s, not a CERTIFICATE", i, e->line, e->label),
             inspect__arena_printf(a, "remove block #%zu%s", i,
                                   key ? ": a private key never belongs in a trust store (treat it as leaked)" : ""),
             inspect__arena_printf(a, "it is a %s", e->label));
      break;
    }
    case INSPECT_BUNDLE_BAD_DER:
      report(b, sink, INSPECT_BUNDLE_BAD_DER, (int)i, e->line,
             inspect__arena_printf(a, "block #%zu at line %zu: %s", i, e->line, inspect_strerror(INSPECT_EBAD_DER)),
             inspect__arena_printf(a, "remove block #%zu or copy it again from its source", i),
             "it is not a valid certificate");
      break;
    default: break;
  }
}

// inspect__bundle_evaluate runs every rule over the entries not in `removed`.
void inspect__bundle_evaluate(inspect_bundle_t *b, inspect_bundle_sink_t *sink, const unsigned char *removed,
                              inspect_bundle_chain_info_t *ci) {
  const inspect_bundle_rules_t *rules = b->rules;
  if (sink->emit && rules != NULL) {
    if (!b->is_pem) {
      report(b, sink, INSPECT_BUNDLE_NOT_PEM, -1, 0,
             inspect__arena_printf(&b->arena, "the file is a DER certificate; %s takes PEM only", rules->platform),
             "convert it: openssl x509 -inform DER -in FILE -out FILE.pem (--fix writes PEM)", NULL);
    } else {
      check_format(b, sink);
    }
  }
  if (rules != NULL) {
    chains(b, removed, ci);
  }
  size_t kept = 0, subject_bytes = 0;
  for (size_t i = 0; i < b->num_entries; i++) {
    if (removed[i]) {
      continue;
    }
    check_entry_parse(b, sink, i);
    if (rules == NULL || b->certs[i] == NULL) {
      continue;
    }
    check_cert(b, sink, removed, ci, i);
    kept++;
    const uint8_t *der;
    size_t der_len;
    if (X509_NAME_get0_der(X509_get_subject_name(b->certs[i]->x509), &der, &der_len)) {
      subject_bytes += der_len;
    }
  }
  if (rules == NULL) {
    return;
  }
  if (rules->max_cas > 0 && kept > rules->max_cas) {
    report(b, sink, INSPECT_BUNDLE_TOO_MANY_CAS, -1, 0,
           inspect__arena_printf(&b->arena, "the bundle holds %zu certificates; %s trust stores hold at most %zu", kept,
                                 rules->platform, rules->max_cas),
           inspect__arena_printf(&b->arena,
                                 "keep the CAs your clients chain to and split the rest across trust "
                                 "stores (--fix keeps the first %zu)",
                                 rules->max_cas),
           NULL);
  }
  if (rules->max_subject_bytes > 0 && subject_bytes > rules->max_subject_bytes) {
    report(b, sink, INSPECT_BUNDLE_SUBJECTS_TOO_LARGE, -1, 0,
           inspect__arena_printf(&b->arena, "the subject names total %zu bytes (DER); %s allows %zu per trust store",
                                 subject_bytes, rules->platform, rules->max_subject_bytes),
           "remove CAs your clients do not chain to (--fix drops the last ones until the names fit)", NULL);
  }
}
