// CA bundle lint: what a platform's mTLS trust store accepts, rule by rule,
// and the cleaned bundle --fix writes. The platform facts (limits, texts)
// live with each profile (profile_alb_mtls.c, profile_apigateway_mtls.c);
// this file applies them.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect_internal.h"

struct inspect_bundle_st {
  inspect_arena_t arena;
  const inspect_profile_t *profile;
  const inspect_bundle_rules_t *rules;  // NULL: parse only
  int64_t now;
  int is_pem;
  uint8_t *data;  // a copy of the input: entries point into it
  size_t len;
  inspect_bundle_entry_t *entries;
  inspect_cert_t **certs;         // entries[i].cert, owned
  inspect_bundle_rule_t *broken;  // the parse problem of entry i, or INSPECT_BUNDLE_RULE_COUNT
  size_t num_entries;
  size_t num_certs;
  inspect_bundle_violation_t *violations;
  size_t num_violations;
  size_t cap_violations;
};

static const char *const kRuleNames[] = {
#define INSPECT_BUNDLE_RULE_NAME(name, summary) #name,
    INSPECT_BUNDLE_RULE_MAP(INSPECT_BUNDLE_RULE_NAME)
#undef INSPECT_BUNDLE_RULE_NAME
};

static const char *const kRuleSummaries[] = {
#define INSPECT_BUNDLE_RULE_SUMMARY(name, summary) summary,
    INSPECT_BUNDLE_RULE_MAP(INSPECT_BUNDLE_RULE_SUMMARY)
#undef INSPECT_BUNDLE_RULE_SUMMARY
};

const char *inspect_bundle_rule_name(inspect_bundle_rule_t rule) {
  return (unsigned)rule < INSPECT_BUNDLE_RULE_COUNT ? kRuleNames[rule] : "UNKNOWN";
}

const char *inspect_bundle_rule_summary(inspect_bundle_rule_t rule) {
  return (unsigned)rule < INSPECT_BUNDLE_RULE_COUNT ? kRuleSummaries[rule] : "unknown rule";
}

int inspect_profile_has_bundle_rules(const inspect_profile_t *profile) {
  return profile != NULL && profile->bundle != NULL;
}

// A pass over the bundle reports problems to a sink: the first pass records
// them as violations, later ones (for --fix) only note which entries to drop.
typedef struct {
  int emit;
  const char **reasons;  // per entry: the first reason to remove it
} sink_t;

static void report(inspect_bundle_t *b, sink_t *sink, inspect_bundle_rule_t rule, int entry, size_t line,
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
  v->code = kRuleNames[rule];
  v->entry = entry;
  v->line = line;
  v->detail = detail;
  v->platform_text = b->rules != NULL ? b->rules->texts[rule] : NULL;
  v->suggestion = suggestion;
}

static const char *cn_or_subject(const inspect_cert_t *cert) {
  return cert->info.common_name != NULL ? cert->info.common_name : cert->info.subject;
}

// Parsing: one entry per PEM block, or one for a DER certificate.

static int add_entry(inspect_bundle_t *b, size_t line, const char *label, const uint8_t *text, size_t text_len) {
  if (b->num_entries >= INSPECT_TRUST_MAX) {
    return INSPECT_ETOO_MANY_CERTS;
  }
  size_t n = b->num_entries + 1;
  inspect_bundle_entry_t *entries = realloc(b->entries, n * sizeof(*entries));
  if (entries != NULL) {
    b->entries = entries;
  }
  inspect_cert_t **certs = realloc(b->certs, n * sizeof(*certs));
  if (certs != NULL) {
    b->certs = certs;
  }
  inspect_bundle_rule_t *broken = realloc(b->broken, n * sizeof(*broken));
  if (broken != NULL) {
    b->broken = broken;
  }
  if (entries == NULL || certs == NULL || broken == NULL) {
    return INSPECT_ENOMEM;
  }
  inspect_bundle_entry_t *e = &b->entries[b->num_entries];
  memset(e, 0, sizeof(*e));
  e->index = b->num_entries;
  e->line = line;
  snprintf(e->label, sizeof(e->label), "%s", label);
  e->text = text;
  e->text_len = text_len;
  b->certs[b->num_entries] = NULL;
  b->broken[b->num_entries] = INSPECT_BUNDLE_RULE_COUNT;
  b->num_entries = n;
  return INSPECT_OK;
}

static int set_cert(inspect_bundle_t *b, size_t index, const uint8_t *der, size_t der_len) {
  int err;
  inspect_cert_t *cert = inspect_cert_new(der, der_len, &err);
  if (cert == NULL) {
    if (err == INSPECT_ENOMEM) {
      return err;
    }
    b->broken[index] = INSPECT_BUNDLE_BAD_DER;
    return INSPECT_OK;
  }
  b->certs[index] = cert;
  b->entries[index].cert = cert;
  b->num_certs++;
  return INSPECT_OK;
}

static int parse(inspect_bundle_t *b) {
  if (!inspect_data_looks_like_pem(b->data, b->len)) {
    if (b->len == 0 || b->data[0] != 0x30) {  // DER starts with a SEQUENCE
      return INSPECT_ENO_CERTIFICATE;
    }
    int err;
    inspect_cert_t *probe = inspect_cert_new(b->data, b->len, &err);
    if (probe == NULL) {
      return err;
    }
    inspect_cert_free(probe);
    err = add_entry(b, 1, "", NULL, 0);
    return err != INSPECT_OK ? err : set_cert(b, 0, b->data, b->len);
  }
  b->is_pem = 1;
  inspect_pem_reader_t reader;
  inspect_pem_block_t block;
  inspect_pem_reader_init(&reader, b->data, b->len);
  int err = INSPECT_OK;
  while (err == INSPECT_OK && inspect_pem_reader_next(&reader, &block)) {
    const uint8_t *text = NULL;
    size_t text_len = 0;
    if (block.err == INSPECT_OK) {
      // The block as written, BEGIN line to END line and its line end.
      size_t end = reader.pos;
      if (end < b->len && b->data[end] == '\r' && end + 1 < b->len && b->data[end + 1] == '\n') {
        end += 2;
      } else if (end < b->len && b->data[end] == '\n') {
        end++;
      }
      text = b->data + block.offset;
      text_len = end - block.offset;
    }
    size_t index = b->num_entries;
    err = block.err == INSPECT_ENOMEM ? INSPECT_ENOMEM : add_entry(b, block.line, block.label, text, text_len);
    if (err == INSPECT_OK) {
      if (block.err != INSPECT_OK) {
        b->broken[index] = INSPECT_BUNDLE_BAD_PEM;
      } else if (strcmp(block.label, "CERTIFICATE") != 0) {
        b->broken[index] = INSPECT_BUNDLE_NOT_CERTIFICATE;
      } else {
        err = set_cert(b, index, block.der, block.der_len);
      }
    }
    inspect_pem_block_cleanup(&block);
  }
  return err;
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

static void report_junk(inspect_bundle_t *b, sink_t *sink, size_t first, size_t last, const char *text) {
  const char *lines = last > first ? inspect__arena_printf(&b->arena, "lines %zu-%zu", first, last)
                                   : inspect__arena_printf(&b->arena, "line %zu", first);
  report(b, sink, INSPECT_BUNDLE_NON_PEM_DATA, -1, first,
         inspect__arena_printf(&b->arena, "%s: not PEM (\"%s\")", lines, text),
         inspect__arena_printf(&b->arena, "delete %s: %s takes PEM blocks%s only (--fix writes the blocks alone)",
                               lines, b->rules->platform, b->rules->hash_comments_ok ? " and '#' comment lines" : ""),
         NULL);
}

static void check_format(inspect_bundle_t *b, sink_t *sink) {
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
               inspect__arena_printf(&b->arena, "the comment on line %zu contains '-': %s", line,
                                     excerpt(b, p, n)),
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
           inspect__arena_printf(&b->arena, "delete the blank lines: %s refuses a bundle with any blank line "
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

typedef struct {
  int issuer;    // index, or -1
  int named;     // an issuer by name exists but did not sign it
  int depth;     // certificates from this one to the top of its chain
  int has_root;  // the top is self-signed
} chain_info_t;

static void chains(const inspect_bundle_t *b, const unsigned char *removed, chain_info_t *out) {
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
                       : n % 10 == 1                   ? "st"
                       : n % 10 == 2                   ? "nd"
                       : n % 10 == 3                   ? "rd"
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

static void check_cert(inspect_bundle_t *b, sink_t *sink, const unsigned char *removed, const chain_info_t *ci,
                       size_t i) {
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
    const char *why = inspect__arena_printf(a, "it is an X.509 v%d certificate; %s supports X.509 v3 only",
                                            info->version, platform);
    report(b, sink, INSPECT_BUNDLE_NOT_V3, e, line, inspect__arena_printf(a, "#%zu %s is X.509 v%d", i, name,
                                                                          info->version),
           inspect__arena_printf(a, "%s, or reissue it as v3 with basicConstraints CA:TRUE",
                                 remove_suggestion(b, i, why)),
           why);
  }
  int v1_root = info->version == 1 && inspect_cert_is_self_signed(cert);  // OpenSSL trusts these as CAs
  int leaf = !info->is_ca && !not_v3 && !v1_root;
  if (leaf) {
    const char *what = !info->has_basic_constraints ? "it has no basicConstraints extension"
                                                    : "basicConstraints says CA:FALSE";
    const char *why = inspect__arena_printf(a, "it is a leaf (%s)", what);
    report(b, sink, INSPECT_BUNDLE_NOT_CA, e, line,
           inspect__arena_printf(a, "#%zu %s is not a CA: %s; a trust store holds CA certificates only", i, name,
                                 what),
           remove_suggestion(b, i, why), why);
  }
  if (b->now > info->not_after) {
    inspect_time_format_rfc3339(info->not_after, when);
    const char *why = inspect__arena_printf(a, "it expired at %s", when);
    report(b, sink, INSPECT_BUNDLE_EXPIRED, e, line,
           inspect__arena_printf(a, "#%zu %s expired at %s (%s ago)", i, name, when,
                                 days(b, b->now - info->not_after)),
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
    report(b, sink, key, e, line, inspect__arena_printf(a, "#%zu %s has an unacceptable key: %s", i, name,
                                                             info->key_desc),
           inspect__arena_printf(a, "%s; reissue the CA with an RSA 2048+ or ECDSA P-256 key",
                                 remove_suggestion(b, i, why)),
           why);
  }
  inspect_bundle_rule_t sig = inspect__sig_rule(rules, cert);
  if (sig != INSPECT_BUNDLE_RULE_COUNT) {
    const char *why = inspect__arena_printf(a, "it is signed with %s; %s needs SHA-256, SHA-384 or SHA-512",
                                            info->sig_alg, platform);
    report(b, sink, sig, e, line, inspect__arena_printf(a, "#%zu %s is signed with %s", i, name, info->sig_alg),
           inspect__arena_printf(a, "%s; ask the issuer for a SHA-256 version", remove_suggestion(b, i, why)), why);
  }
  if (rules->max_cert_der > 0 && info->der_len > rules->max_cert_der) {
    const char *why = inspect__arena_printf(a, "it is %zu bytes; %s allows %zu", info->der_len, platform,
                                            rules->max_cert_der);
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
    const char *why =
        ci[i].named ? inspect__arena_printf(a, "the certificate named %s in the bundle did not sign it (another "
                                               "generation of that CA)",
                                            info->issuer)
                    : inspect__arena_printf(a, "its issuer %s is not in the bundle", info->issuer);
    report(b, sink, INSPECT_BUNDLE_ISSUER_MISSING, e, line,
           inspect__arena_printf(a, "#%zu %s: %s; %s needs the complete chain from each issuing CA up to its root",
                                 i, name, why, platform),
           inspect__arena_printf(a, "add the certificate of %s (and its issuers up to the root), or %s",
                                 info->issuer, remove_suggestion(b, i, why)),
           why);
  }
  if (rules->max_depth > 0 && ci[i].depth > rules->max_depth) {
    const char *why = inspect__arena_printf(a, "it is the %s CA of its chain, counting from the root; %s allows %d",
                                            ordinal(b, ci[i].depth), platform, rules->max_depth);
    report(b, sink, INSPECT_BUNDLE_CHAIN_TOO_DEEP, e, line,
           inspect__arena_printf(a, "#%zu %s sits %d CAs deep (root included); %s allows a chain depth of %d", i,
                                 name, ci[i].depth, platform, rules->max_depth),
           inspect__arena_printf(a, "%s; or flatten the hierarchy", remove_suggestion(b, i, why)), why);
  }
}

static void check_entry_parse(inspect_bundle_t *b, sink_t *sink, size_t i) {
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
    default:
      break;
  }
}

// evaluate runs every rule over the entries not in `removed`.
static void evaluate(inspect_bundle_t *b, sink_t *sink, const unsigned char *removed, chain_info_t *ci) {
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
           inspect__arena_printf(&b->arena, "the bundle holds %zu certificates; %s trust stores hold at most %zu",
                                 kept, rules->platform, rules->max_cas),
           inspect__arena_printf(&b->arena, "keep the CAs your clients chain to and split the rest across trust "
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

// plan_fix decides what the cleaned bundle keeps: everything a rule flags,
// then whatever that orphans, until nothing is flagged; over-quota bundles
// keep their first certificates.
static int plan_fix(inspect_bundle_t *b, const char **reasons, chain_info_t *ci) {
  unsigned char *removed = calloc(b->num_entries ? b->num_entries : 1, 1);
  if (removed == NULL) {
    return INSPECT_ENOMEM;
  }
  for (size_t i = 0; i < b->num_entries; i++) {
    b->entries[i].removed = reasons[i];
    removed[i] = reasons[i] != NULL;
  }
  const inspect_bundle_rules_t *rules = b->rules;
  for (int round = 0; rules != NULL && round <= INSPECT_PATH_MAX + 2; round++) {
    memset(reasons, 0, b->num_entries * sizeof(*reasons));
    sink_t sink = {0, reasons};
    evaluate(b, &sink, removed, ci);
    int changed = 0;
    size_t kept = 0, subject_bytes = 0;
    for (size_t i = 0; i < b->num_entries; i++) {
      if (removed[i]) {
        continue;
      }
      if (reasons[i] != NULL) {
        b->entries[i].removed = reasons[i];
        removed[i] = 1;
        changed = 1;
        continue;
      }
      if (b->certs[i] == NULL) {
        continue;
      }
      const uint8_t *der;
      size_t der_len = 0;
      X509_NAME_get0_der(X509_get_subject_name(b->certs[i]->x509), &der, &der_len);
      if ((rules->max_cas > 0 && kept + 1 > rules->max_cas) ||
          (rules->max_subject_bytes > 0 && subject_bytes + der_len > rules->max_subject_bytes)) {
        b->entries[i].removed =
            rules->max_cas > 0 && kept + 1 > rules->max_cas
                ? inspect__arena_printf(&b->arena, "the trust store is full: %s holds at most %zu CAs",
                                        rules->platform, rules->max_cas)
                : inspect__arena_printf(&b->arena, "the trust store is full: %s allows %zu bytes of subject names",
                                        rules->platform, rules->max_subject_bytes);
        removed[i] = 1;
        changed = 1;
        continue;
      }
      kept++;
      subject_bytes += der_len;
    }
    if (!changed) {
      break;
    }
  }
  free(removed);
  return INSPECT_OK;
}

int inspect_bundle_lint(const uint8_t *data, size_t len, const inspect_profile_t *profile, int64_t now,
                        inspect_bundle_t **out) {
  *out = NULL;
  if (profile != NULL && profile->bundle == NULL) {
    return INSPECT_EBAD_PROFILE;
  }
  if (len > INSPECT_INPUT_MAX) {
    return INSPECT_ETOO_LARGE;
  }
  inspect_bundle_t *b = calloc(1, sizeof(*b));
  if (b == NULL || (b->data = malloc(len ? len : 1)) == NULL) {
    free(b);
    return INSPECT_ENOMEM;
  }
  memcpy(b->data, data, len);
  b->len = len;
  b->profile = profile;
  b->rules = profile != NULL ? profile->bundle : NULL;
  b->now = now;
  int err = parse(b);
  const char **reasons = NULL;
  unsigned char *none = NULL;
  chain_info_t *ci = NULL;
  if (err == INSPECT_OK) {
    size_t n = b->num_entries ? b->num_entries : 1;
    reasons = calloc(n, sizeof(*reasons));
    none = calloc(n, 1);
    ci = calloc(n, sizeof(*ci));
    err = reasons != NULL && none != NULL && ci != NULL ? INSPECT_OK : INSPECT_ENOMEM;
  }
  if (err == INSPECT_OK) {
    sink_t sink = {1, reasons};
    evaluate(b, &sink, none, ci);
    for (size_t i = 0; i < b->num_entries; i++) {
      b->entries[i].depth = ci[i].depth;
      b->entries[i].has_root = ci[i].has_root;
    }
    err = plan_fix(b, reasons, ci);
  }
  free(reasons);
  free(none);
  free(ci);
  if (err != INSPECT_OK) {
    inspect_bundle_free(b);
    return err;
  }
  *out = b;
  return INSPECT_OK;
}

void inspect_bundle_free(inspect_bundle_t *bundle) {
  if (bundle == NULL) {
    return;
  }
  for (size_t i = 0; i < bundle->num_entries; i++) {
    inspect_cert_free(bundle->certs[i]);
  }
  free(bundle->certs);
  free(bundle->entries);
  free(bundle->broken);
  free(bundle->violations);
  free(bundle->data);
  inspect__arena_free(&bundle->arena);
  free(bundle);
}

const inspect_profile_t *inspect_bundle_get0_profile(const inspect_bundle_t *bundle) { return bundle->profile; }

int64_t inspect_bundle_time(const inspect_bundle_t *bundle) { return bundle->now; }

int inspect_bundle_is_pem(const inspect_bundle_t *bundle) { return bundle->is_pem; }

size_t inspect_bundle_num_entries(const inspect_bundle_t *bundle) { return bundle->num_entries; }

const inspect_bundle_entry_t *inspect_bundle_get0_entry(const inspect_bundle_t *bundle, size_t index) {
  return index < bundle->num_entries ? &bundle->entries[index] : NULL;
}

size_t inspect_bundle_num_certs(const inspect_bundle_t *bundle) { return bundle->num_certs; }

size_t inspect_bundle_num_violations(const inspect_bundle_t *bundle) { return bundle->num_violations; }

const inspect_bundle_violation_t *inspect_bundle_get0_violation(const inspect_bundle_t *bundle, size_t index) {
  return index < bundle->num_violations ? &bundle->violations[index] : NULL;
}

size_t inspect_bundle_num_kept(const inspect_bundle_t *bundle) {
  size_t n = 0;
  for (size_t i = 0; i < bundle->num_entries; i++) {
    n += bundle->certs[i] != NULL && bundle->entries[i].removed == NULL;
  }
  return n;
}

int inspect_bundle_write_fixed(const inspect_bundle_t *bundle, inspect_buf_t *out) {
  for (size_t i = 0; i < bundle->num_entries; i++) {
    const inspect_cert_t *cert = bundle->certs[i];
    if (cert == NULL || bundle->entries[i].removed != NULL) {
      continue;
    }
    if (inspect_pem_append_cert(out, cert->info.der, cert->info.der_len) != INSPECT_OK) {
      return INSPECT_ENOMEM;
    }
  }
  return out->failed ? INSPECT_ENOMEM : INSPECT_OK;
}

void inspect_bundle_file_name(const inspect_bundle_t *bundle, size_t index, char *out, size_t out_len) {
  if (out_len == 0) {
    return;
  }
  int width = 2;
  for (size_t n = bundle->num_entries > 0 ? bundle->num_entries - 1 : 0; n >= 100; n /= 10) {
    width++;
  }
  const inspect_cert_t *cert = index < bundle->num_entries ? bundle->certs[index] : NULL;
  const char *cn = cert != NULL && cert->info.common_name != NULL ? cert->info.common_name : "";
  char safe[61];
  size_t n = 0;
  for (const char *p = cn; *p != '\0' && n < sizeof(safe) - 1; p++) {
    char c = *p;
    int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
             c == '-';
    if (!ok || c == '-') {
      if (n > 0 && safe[n - 1] != '-') {
        safe[n++] = '-';
      }
      continue;
    }
    if (c == '.' && n == 0) {
      continue;  // no hidden files
    }
    safe[n++] = c;
  }
  while (n > 0 && (safe[n - 1] == '-' || safe[n - 1] == '.')) {
    n--;
  }
  safe[n] = '\0';
  snprintf(out, out_len, "%0*zu-%s.pem", width, index, n > 0 ? safe : "certificate");
}

// JSON.

static const char *validity(const inspect_bundle_t *b, const inspect_cert_t *cert) {
  return b->now > cert->info.not_after    ? "expired"
         : b->now < cert->info.not_before ? "not_yet_valid"
                                          : "valid";
}

void inspect_json_bundle(inspect_buf_t *out, const inspect_bundle_t *b) {
  char at[INSPECT_TIME_STR_LEN];
  inspect_time_format_rfc3339(b->now, at);
  inspect_buf_puts(out, "{\"profile\":");
  inspect_buf_json_string(out, b->profile != NULL ? b->profile->id : NULL);
  inspect_buf_puts(out, ",\"platform\":");
  inspect_buf_json_string(out, b->profile != NULL ? b->profile->platform : NULL);
  inspect_buf_printf(out, ",\"at\":\"%s\",\"pem\":%s,\"entries\":[", at, b->is_pem ? "true" : "false");
  for (size_t i = 0; i < b->num_entries; i++) {
    const inspect_bundle_entry_t *e = &b->entries[i];
    inspect_buf_printf(out, "%s{\"index\":%zu,\"line\":%zu,\"label\":", i ? "," : "", e->index, e->line);
    inspect_buf_json_string(out, e->label[0] ? e->label : NULL);
    inspect_buf_puts(out, ",\"certificate\":");
    if (e->cert != NULL) {
      inspect_json_cert(out, e->cert, (int)i);
      inspect_buf_printf(out, ",\"validity\":\"%s\",\"depth\":%d,\"has_root\":%s", validity(b, e->cert), e->depth,
                         e->has_root ? "true" : "false");
    } else {
      inspect_buf_puts(out, "null,\"validity\":null,\"depth\":null,\"has_root\":null");
    }
    inspect_buf_puts(out, ",\"removed_by_fix\":");
    inspect_buf_json_string(out, e->removed);
    inspect_buf_puts(out, "}");
  }
  inspect_buf_puts(out, "],\"violations\":[");
  for (size_t i = 0; i < b->num_violations; i++) {
    const inspect_bundle_violation_t *v = &b->violations[i];
    inspect_buf_printf(out, "%s{\"code\":\"%s\",\"entry\":", i ? "," : "", v->code);
    if (v->entry >= 0) {
      inspect_buf_printf(out, "%d", v->entry);
    } else {
      inspect_buf_puts(out, "null");
    }
    inspect_buf_puts(out, ",\"line\":");
    if (v->line > 0) {
      inspect_buf_printf(out, "%zu", v->line);
    } else {
      inspect_buf_puts(out, "null");
    }
    inspect_buf_puts(out, ",\"detail\":");
    inspect_buf_json_string(out, v->detail);
    inspect_buf_puts(out, ",\"platform_text\":");
    inspect_buf_json_string(out, v->platform_text);
    inspect_buf_puts(out, ",\"suggestion\":");
    inspect_buf_json_string(out, v->suggestion);
    inspect_buf_puts(out, "}");
  }
  inspect_buf_printf(out, "],\"compliant\":%s,\"fix\":{\"keeps\":[", b->num_violations == 0 ? "true" : "false");
  int first = 1;
  for (size_t i = 0; i < b->num_entries; i++) {
    if (b->certs[i] != NULL && b->entries[i].removed == NULL) {
      inspect_buf_printf(out, "%s%zu", first ? "" : ",", i);
      first = 0;
    }
  }
  inspect_buf_puts(out, "],\"removes\":[");
  first = 1;
  for (size_t i = 0; i < b->num_entries; i++) {
    if (b->entries[i].removed != NULL) {
      inspect_buf_printf(out, "%s{\"index\":%zu,\"reason\":", first ? "" : ",", i);
      inspect_buf_json_string(out, b->entries[i].removed);
      inspect_buf_puts(out, "}");
      first = 0;
    }
  }
  inspect_buf_puts(out, "]}}");
}
