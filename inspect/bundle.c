// CA bundle lint: what a platform's mTLS trust store accepts, rule by rule,
// and the cleaned bundle --fix writes. The platform facts (limits, texts)
// live with each profile (profile_alb_mtls.c, profile_apigateway_mtls.c);
// this file parses the bundle and plans --fix, bundle_rules.c applies them.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect_internal.h"

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

// plan_fix decides what the cleaned bundle keeps: everything a rule flags,
// then whatever that orphans, until nothing is flagged; over-quota bundles
// keep their first certificates.
static int plan_fix(inspect_bundle_t *b, const char **reasons, inspect_bundle_chain_info_t *ci) {
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
    inspect_bundle_sink_t sink = {0, reasons};
    inspect__bundle_evaluate(b, &sink, removed, ci);
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
                ? inspect__arena_printf(&b->arena, "the trust store is full: %s holds at most %zu CAs", rules->platform,
                                        rules->max_cas)
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
  inspect_bundle_chain_info_t *ci = NULL;
  if (err == INSPECT_OK) {
    size_t n = b->num_entries ? b->num_entries : 1;
    reasons = calloc(n, sizeof(*reasons));
    none = calloc(n, 1);
    ci = calloc(n, sizeof(*ci));
    err = reasons != NULL && none != NULL && ci != NULL ? INSPECT_OK : INSPECT_ENOMEM;
  }
  if (err == INSPECT_OK) {
    inspect_bundle_sink_t sink = {1, reasons};
    inspect__bundle_evaluate(b, &sink, none, ci);
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
    int ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
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
  return b->now > cert->info.not_after ? "expired" : b->now < cert->info.not_before ? "not_yet_valid" : "valid";
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
