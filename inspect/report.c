// The analysis: findings about the chain as sent, one verdict per selected
// profile, and a one-sentence summary.

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect_internal.h"

#define EXPIRES_SOON_SECONDS (30 * 24 * 3600)
#define BROWSER_MAX_VALIDITY_SECONDS ((int64_t)398 * 24 * 3600)

struct inspect_report_st {
  int refs;
  inspect_arena_t arena;
  inspect_finding_t *findings;
  size_t num_findings;
  size_t cap_findings;
  inspect_verdict_t verdicts[INSPECT_SELECTION_MAX];
  size_t num_verdicts;
  size_t num_rejects;
  const char *summary;
  inspect_offer_t handshakes[INSPECT_SELECTION_MAX];  // what each verdict's `handshake` points to
};

static void add_finding(inspect_report_t *r, const char *code, inspect_severity_t severity, int cert_index,
                        const char *detail) {
  if (r->num_findings == r->cap_findings) {
    size_t cap = r->cap_findings ? r->cap_findings * 2 : 16;
    inspect_finding_t *grown = realloc(r->findings, cap * sizeof(*grown));
    if (grown == NULL) {
      return;
    }
    r->findings = grown;
    r->cap_findings = cap;
  }
  inspect_finding_t *f = &r->findings[r->num_findings++];
  f->code = code;
  f->severity = severity;
  f->cert_index = cert_index;
  f->detail = detail;
}

// seconds_between returns a - b, saturated: a validity time that does not
// parse is INT64_MIN or INT64_MAX (cert.c), where plain subtraction
// overflows.
static int64_t seconds_between(int64_t a, int64_t b) {
  int64_t d;
  if (__builtin_sub_overflow(a, b, &d)) {
    return a > b ? INT64_MAX : INT64_MIN;
  }
  return d;
}

static const char *cn_or_subject(const inspect_cert_t *cert) {
  return cert->info.common_name != NULL ? cert->info.common_name : cert->info.subject;
}

// Handshake-level findings.
static void diagnose_handshake(inspect_ctx_t *ctx, inspect_report_t *r) {
  const inspect_handshake_t *hs = &ctx->in->handshake;
  const char *detail = hs->detail != NULL ? hs->detail : "";
  inspect_arena_t *a = &r->arena;
  switch (hs->status) {
    case INSPECT_HS_ALERT:
      add_finding(r, hs->alert == 70 ? "PROTOCOL_MISMATCH" : "HANDSHAKE_ALERT", INSPECT_SEVERITY_ERROR, -1,
                  inspect__arena_printf(a, "the origin aborted the handshake with a fatal %s alert (%d)%s%s%s",
                                        inspect_alert_name(hs->alert), hs->alert,
                                        ctx->in->sni_sent ? "" : " to a client that sent no SNI", detail[0] ? ": " : "",
                                        detail));
      break;
    case INSPECT_HS_CLOSED:
      add_finding(
          r, "HANDSHAKE_ALERT", INSPECT_SEVERITY_ERROR, -1,
          inspect__arena_printf(a, "the origin closed the connection during the handshake without an alert%s%s%s",
                                ctx->in->sni_sent ? "" : " (the client sent no SNI)", detail[0] ? ": " : "", detail));
      break;
    case INSPECT_HS_PROTOCOL:
      add_finding(r, "PROTOCOL_MISMATCH", INSPECT_SEVERITY_ERROR, -1,
                  inspect__arena_printf(a, "no TLS version or cipher in common, or the origin does not speak TLS%s%s",
                                        detail[0] ? ": " : "", detail));
      break;
    case INSPECT_HS_CONNECT_FAILED:
      add_finding(r, "CONNECT_FAILED", INSPECT_SEVERITY_ERROR, -1,
                  inspect__arena_printf(a, "cannot connect to the origin%s%s", detail[0] ? ": " : "", detail));
      break;
    case INSPECT_HS_TIMEOUT:
      add_finding(r, "TIMEOUT", INSPECT_SEVERITY_ERROR, -1,
                  inspect__arena_printf(a, "the origin did not complete the handshake in time%s%s",
                                        detail[0] ? ": " : "", detail));
      break;
    case INSPECT_HS_OK:
      if (hs->alert >= 0 && hs->alert_after_handshake) {
        add_finding(r, "HANDSHAKE_ALERT", INSPECT_SEVERITY_ERROR, -1,
                    inspect__arena_printf(a, "after the handshake the origin sent a fatal %s alert (%d)%s",
                                          inspect_alert_name(hs->alert), hs->alert,
                                          hs->alert == 116 ? ": it requires a client certificate (mTLS)" : ""));
      }
      if (hs->own_limit != NULL) {
        add_finding(r, "TLSMIRROR_LIMIT", INSPECT_SEVERITY_WARNING, -1, hs->own_limit);
      }
      break;
    case INSPECT_HS_NONE: break;
  }
}

// What the peer sent that the chain could not take (inspect_chain_add_sent).
static void diagnose_dropped(inspect_ctx_t *ctx, inspect_report_t *r) {
  int err = INSPECT_OK;
  int first = inspect_chain_first_dropped(ctx->in->chain, &err);
  if (first < 0) {
    return;
  }
  size_t n = inspect_chain_num_dropped(ctx->in->chain);
  add_finding(r, "DROPPED_CERT", INSPECT_SEVERITY_ERROR, -1,
              inspect__arena_printf(&r->arena,
                                    "%zu certificate%s as sent could not be judged and %s left out of the chain: "
                                    "the first, at position %d as sent: %s",
                                    n, n == 1 ? "" : "s", n == 1 ? "is" : "are", first, inspect_strerror(err)));
}

static int path_contains_sent(const inspect_path_t *path, size_t index) {
  for (size_t k = 0; k < path->len; k++) {
    if (path->sent_index[k] == (int)index) {
      return 1;
    }
  }
  return 0;
}

static void diagnose_order(inspect_ctx_t *ctx, inspect_report_t *r, const inspect_path_t *path) {
  const inspect_chain_t *chain = ctx->in->chain;
  size_t n = inspect_chain_num(chain);
  // In issuing order, the sent certificates of the path come first: leaf,
  // its issuer, that one's issuer...
  int wrong = 0;
  for (size_t k = 0; k < path->len && path->source[k] == PATH_SOURCE_CHAIN; k++) {
    wrong |= path->sent_index[k] != (int)k;
  }
  if (wrong) {
    inspect_buf_t sent, want;
    inspect_buf_init(&sent, 1 << 16);
    inspect_buf_init(&want, 1 << 16);
    for (size_t i = 0; i < n; i++) {
      inspect_buf_printf(&sent, "%s#%zu %s", i ? ", " : "", i, cn_or_subject(inspect_chain_get0(chain, i)));
    }
    for (size_t k = 0; k < path->len && path->source[k] == PATH_SOURCE_CHAIN; k++) {
      inspect_buf_printf(&want, "%s#%d", k ? ", " : "", path->sent_index[k]);
    }
    add_finding(r, "WRONG_ORDER", INSPECT_SEVERITY_ERROR, -1,
                inspect__arena_printf(&r->arena,
                                      "sent as %s; each certificate must be followed by its issuer: send %s. "
                                      "CloudFront rejects this order; most clients reorder it",
                                      sent.data ? sent.data : "", want.data ? want.data : ""));
    inspect_buf_cleanup(&sent);
    inspect_buf_cleanup(&want);
  }
  for (size_t i = 1; i < n; i++) {
    const inspect_cert_t *c = inspect_chain_get0(chain, i);
    int duplicate = 0;
    for (size_t j = 0; j < i; j++) {
      duplicate |= memcmp(inspect_chain_get0(chain, j)->info.sha256, c->info.sha256, 32) == 0;
    }
    if (duplicate) {
      add_finding(r, "DUPLICATE_CERT", INSPECT_SEVERITY_WARNING, (int)i,
                  inspect__arena_printf(&r->arena, "%s is sent twice: remove the copy", cn_or_subject(c)));
    } else if (inspect__trust_is_anchor(ctx->in->trust, c)) {
      add_finding(r, "ANCHOR_INCLUDED", INSPECT_SEVERITY_INFO, (int)i,
                  inspect__arena_printf(&r->arena,
                                        "the trust anchor %s is sent: clients use their own copy, so it only "
                                        "adds bytes to every handshake",
                                        cn_or_subject(c)));
    } else if (!path_contains_sent(path, i)) {
      add_finding(r, "UNRELATED_CERT", INSPECT_SEVERITY_WARNING, (int)i,
                  inspect__arena_printf(&r->arena, "%s is not part of the path to a trust anchor: remove it",
                                        cn_or_subject(c)));
    }
  }
}

static void diagnose_path(inspect_ctx_t *ctx, inspect_report_t *r) {
  const inspect_path_t *path = inspect__path(ctx, 0);
  inspect_arena_t *a = &r->arena;
  if (path->len == 0) {
    return;
  }
  const inspect_cert_t *top = path->certs[path->len - 1];
  int top_index = path->sent_index[path->len - 1];
  switch (path->end) {
    case PATH_END_SELF_SIGNED:
      add_finding(r, "SELF_SIGNED", INSPECT_SEVERITY_ERROR, 0,
                  inspect__arena_printf(a, "the leaf %s is self-signed and not a trust anchor", cn_or_subject(top)));
      break;
    case PATH_END_UNTRUSTED_ROOT:
      add_finding(r, "UNTRUSTED_ROOT", INSPECT_SEVERITY_ERROR, top_index,
                  inspect__arena_printf(a, "the chain ends at the root %s, which is not in the trust store",
                                        cn_or_subject(top)));
      break;
    case PATH_END_TOO_LONG:
      add_finding(r, "UNTRUSTED_ROOT", INSPECT_SEVERITY_ERROR, top_index, "the path to a trust anchor is too long");
      break;
    case PATH_END_ISSUER_MISSING: {
      int missing = inspect__path_failure_reason(ctx, path) == INSPECT_REASON_MISSING_INTERMEDIATE;
      const char *code = inspect_reason_name(inspect__path_failure_reason(ctx, path));
      if (path->stale_issuer) {
        add_finding(r, code, INSPECT_SEVERITY_ERROR, top_index,
                    inspect__arena_printf(a,
                                          "an intermediate named %s is sent, but its key did not sign %s: it belongs "
                                          "to another leaf (an old or renewed intermediate); send the right one",
                                          top->info.issuer, cn_or_subject(top)));
      } else {
        add_finding(r, code, INSPECT_SEVERITY_ERROR, top_index,
                    inspect__arena_printf(a, "%s was issued by %s, which is neither sent nor a trusted root%s%s",
                                          cn_or_subject(top), top->info.issuer,
                                          missing ? ": send the intermediate after the leaf" : "",
                                          top->info.aia_ca_issuers != NULL ? " (its AIA URL names it)" : ""));
      }
      inspect_finding_t aia[8];
      size_t num_aia = inspect__aia_findings(ctx, aia, sizeof(aia) / sizeof(aia[0]));
      for (size_t i = 0; i < num_aia; i++) {
        add_finding(r, aia[i].code, aia[i].severity, aia[i].cert_index, aia[i].detail);
      }
      break;
    }
    case PATH_END_ANCHORED:
    case PATH_END_EMPTY: break;
  }
  diagnose_order(ctx, r, path);
  // Intermediates that are not CAs.
  for (size_t k = 1; k < path->len; k++) {
    if (!path->certs[k]->info.is_ca) {
      add_finding(r, "NOT_CA", INSPECT_SEVERITY_ERROR, path->sent_index[k],
                  inspect__arena_printf(a, "%s issues certificates but is not a CA (basicConstraints CA:TRUE missing)",
                                        cn_or_subject(path->certs[k])));
    }
  }
}

static void diagnose_certs(inspect_ctx_t *ctx, inspect_report_t *r) {
  const inspect_chain_t *chain = ctx->in->chain;
  inspect_arena_t *a = &r->arena;
  int64_t now = ctx->in->now;
  for (size_t i = 0; i < inspect_chain_num(chain); i++) {
    const inspect_cert_t *c = inspect_chain_get0(chain, i);
    const inspect_cert_info_t *info = &c->info;
    char when[INSPECT_TIME_STR_LEN];
    if (now > info->not_after) {
      inspect_time_format_rfc3339(info->not_after, when);
      add_finding(r, "EXPIRED", INSPECT_SEVERITY_ERROR, (int)i,
                  inspect__arena_printf(a, "%s expired at %s (%lld day%s ago)", cn_or_subject(c), when,
                                        (long long)(seconds_between(now, info->not_after) / 86400),
                                        seconds_between(now, info->not_after) / 86400 == 1 ? "" : "s"));
    } else if (now < info->not_before) {
      inspect_time_format_rfc3339(info->not_before, when);
      add_finding(
          r, "NOT_YET_VALID", INSPECT_SEVERITY_ERROR, (int)i,
          inspect__arena_printf(a,
                                "%s is not valid before %s (in %lld days): check the issuing date or "
                                "the clock",
                                cn_or_subject(c), when, (long long)(seconds_between(info->not_before, now) / 86400)));
    } else if (seconds_between(info->not_after, now) < EXPIRES_SOON_SECONDS) {
      inspect_time_format_rfc3339(info->not_after, when);
      add_finding(r, "EXPIRES_SOON", INSPECT_SEVERITY_WARNING, (int)i,
                  inspect__arena_printf(a, "%s expires at %s, in %lld days", cn_or_subject(c), when,
                                        (long long)(seconds_between(info->not_after, now) / 86400)));
    }
    if ((info->sig_hash == INSPECT_HASH_SHA1 || info->sig_hash == INSPECT_HASH_MD5) &&
        !inspect_cert_is_self_signed(c)) {
      add_finding(r, "WEAK_SIGNATURE", INSPECT_SEVERITY_ERROR, (int)i,
                  inspect__arena_printf(a, "%s is signed with %s: OpenSSL, Node and browsers reject it",
                                        cn_or_subject(c), info->sig_alg));
    }
    int weak_key =
        ((info->key_type == INSPECT_KEY_RSA || info->key_type == INSPECT_KEY_DSA) && info->key_bits < 2048) ||
        (info->key_type == INSPECT_KEY_EC && info->key_bits < 224);
    if (weak_key) {
      add_finding(
          r, "WEAK_KEY", INSPECT_SEVERITY_ERROR, (int)i,
          inspect__arena_printf(a, "%s has a %s key: OpenSSL at security level 2 (curl, Python) needs RSA 2048+",
                                cn_or_subject(c), info->key_desc));
    }
    if (info->unhandled_critical != NULL) {
      add_finding(r, "UNHANDLED_CRITICAL_EXTENSION", INSPECT_SEVERITY_ERROR, (int)i,
                  inspect__arena_printf(a,
                                        "%s has a critical extension no verifier processes (%s): OpenSSL, Node, "
                                        "Java and browsers refuse the certificate",
                                        cn_or_subject(c), info->unhandled_critical));
    }
    if (info->extensions_invalid) {
      add_finding(r, "MALFORMED_EXTENSION", INSPECT_SEVERITY_WARNING, (int)i,
                  inspect__arena_printf(a, "%s has an extension that does not parse", cn_or_subject(c)));
    }
  }
}

static void diagnose_leaf(inspect_ctx_t *ctx, inspect_report_t *r, int client_chain) {
  const inspect_cert_t *leaf = inspect__leaf(ctx);
  inspect_arena_t *a = &r->arena;
  const inspect_cert_info_t *info = &leaf->info;
  const char *name = ctx->in->name;
  if (client_chain) {
    // A client certificate needs no name, SAN or serverAuth.
    if (info->has_eku && !(info->eku & (INSPECT_EKU_CLIENT_AUTH | INSPECT_EKU_ANY))) {
      add_finding(r, "BAD_EKU", INSPECT_SEVERITY_ERROR, 0,
                  "the leaf's extended key usage does not include clientAuth: it cannot identify a TLS client");
    }
  } else if (name != NULL) {
    static const inspect_name_rules_t kLenient = {NAME_CN_IF_NO_DNS, 0};
    static const inspect_name_rules_t kStrict = {NAME_CN_NEVER, 0};
    inspect_name_result_t lenient = inspect__name_check(leaf, name, ctx->name_is_ip, &kLenient);
    inspect_name_result_t strict = inspect__name_check(leaf, name, ctx->name_is_ip, &kStrict);
    if (lenient != NAME_MATCH) {
      const char *names = inspect__name_list(ctx, leaf, "", ", ");
      add_finding(r, "HOSTNAME_MISMATCH", INSPECT_SEVERITY_ERROR, 0,
                  inspect__arena_printf(a, "%s is not covered by the certificate (%s%s%s)", name,
                                        names[0] ? "names: " : "subject CN: ", names[0] ? names : "",
                                        names[0] ? "" : (info->common_name ? info->common_name : "none")));
    } else if (strict != NAME_MATCH) {
      add_finding(r, "NO_SAN", INSPECT_SEVERITY_WARNING, 0,
                  inspect__arena_printf(a,
                                        "%s is only in the subject CN, with no subjectAltName: browsers and "
                                        "CloudFront viewer certificates need a SAN; curl, Node and Java accept it",
                                        name));
    }
  } else if (!info->has_san) {
    add_finding(r, "NO_SAN", INSPECT_SEVERITY_WARNING, 0, "the leaf has no subjectAltName: browsers reject it");
  }
  if (!client_chain && info->has_eku && !(info->eku & (INSPECT_EKU_SERVER_AUTH | INSPECT_EKU_ANY))) {
    add_finding(r, "BAD_EKU", INSPECT_SEVERITY_ERROR, 0,
                "the leaf's extended key usage does not include serverAuth: it cannot identify a TLS server");
  }
  if (!client_chain && seconds_between(info->not_after, info->not_before) > BROWSER_MAX_VALIDITY_SECONDS) {
    add_finding(r, "LONG_VALIDITY", INSPECT_SEVERITY_INFO, 0,
                inspect__arena_printf(a,
                                      "the leaf is valid for %lld days: browsers refuse publicly trusted "
                                      "certificates valid for more than 398 days",
                                      (long long)(seconds_between(info->not_after, info->not_before) / 86400)));
  }
  // Name constraints, as OpenSSL reports them.
  static const inspect_ossl_opts_t kOpts = {0, 0};
  inspect_ossl_result_t res;
  inspect__ossl_verify(ctx, &kOpts, &res);
  for (size_t i = 0; i < res.num; i++) {
    if (res.items[i].reason == INSPECT_REASON_NAME_CONSTRAINTS) {
      const inspect_cert_t *c = res.path->certs[res.items[i].depth];
      add_finding(r, "NAME_CONSTRAINTS", INSPECT_SEVERITY_ERROR, res.path->sent_index[res.items[i].depth],
                  inspect__arena_printf(a, "%s is outside the names its issuing CA may certify (%s)", cn_or_subject(c),
                                        inspect__ossl_error_text(res.items[i].code)));
      break;
    }
  }
}

// Templates: handshake words use {placeholders} filled here, so the profiles
// stay data.
static const char *chrome_alert_error(int alert) {
  switch (alert) {
    case 112: return "ERR_SSL_UNRECOGNIZED_NAME_ALERT";
    case 70:
    case 71: return "ERR_SSL_VERSION_OR_CIPHER_MISMATCH";
    case 116: return "ERR_SSL_CLIENT_AUTH_CERT_NEEDED";
    case 42:
    case 45:
    case 46:
    case 48: return "ERR_BAD_SSL_CLIENT_AUTH_CERT";
  }
  return "ERR_SSL_PROTOCOL_ERROR";
}

static const char *expand(inspect_ctx_t *ctx, const char *tmpl) {
  const inspect_handshake_t *hs = &ctx->in->handshake;
  inspect_buf_t buf;
  inspect_buf_init(&buf, 1 << 16);
  for (const char *p = tmpl; *p != '\0';) {
    const char *open = strchr(p, '{');
    const char *close = open != NULL ? strchr(open, '}') : NULL;
    if (close == NULL) {
      inspect_buf_puts(&buf, p);
      break;
    }
    inspect_buf_append(&buf, p, (size_t)(open - p));
    size_t len = (size_t)(close - open - 1);
#define IS(key) (len == strlen(key) && strncmp(open + 1, key, len) == 0)
    if (IS("name")) {
      inspect_buf_puts(&buf, ctx->in->name != NULL ? ctx->in->name : "(none)");
    } else if (IS("alert")) {
      inspect_buf_puts(&buf, inspect_alert_name(hs->alert));
    } else if (IS("number")) {
      inspect_buf_printf(&buf, "%d", hs->alert);
    } else if (IS("openssl_alert")) {
      inspect_buf_puts(&buf, inspect__alert_openssl_text(hs->alert));
    } else if (IS("openssl_err")) {
      inspect_buf_printf(&buf, "%08X", 0x0A000000u + 1000u + (unsigned)(hs->alert & 0xff));
    } else if (IS("node_alert_code")) {
      inspect_buf_puts(&buf, "ERR_SSL_");
      for (const char *s = inspect__alert_openssl_text(hs->alert); *s != '\0'; s++) {
        char c = *s == ' ' || *s == '-' ? '_' : (char)toupper((unsigned char)*s);
        inspect_buf_append(&buf, &c, 1);
      }
    } else if (IS("chrome_alert")) {
      inspect_buf_puts(&buf, chrome_alert_error(hs->alert));
    } else if (IS("detail")) {
      inspect_buf_puts(&buf, hs->detail != NULL ? hs->detail : "no detail");
    } else {
      inspect_buf_append(&buf, open, len + 2);
    }
#undef IS
    p = close + 1;
  }
  const char *out = inspect__arena_strdup(ctx->arena, buf.data != NULL ? buf.data : "");
  inspect_buf_cleanup(&buf);
  return out;
}

// with_own_limit adds to an effect what tlsmirror's own TLS library could
// not do on this connection, so that the origin is not blamed for it.
static const char *with_own_limit(inspect_ctx_t *ctx, const char *effect) {
  const char *limit = ctx->in->handshake.own_limit;
  return limit == NULL ? effect
                       : inspect__arena_printf(ctx->arena, "%s (tlsmirror's own limit, not the origin's fault: %s.)",
                                               effect, limit);
}

void inspect__verdict_accept(inspect_ctx_t *ctx, inspect_verdict_t *out, const char *effect) {
  out->accept = 1;
  out->reason = INSPECT_REASON_OK;
  out->message = "OK";
  out->effect = with_own_limit(ctx, effect);
}

void inspect__verdict_reject(inspect_ctx_t *ctx, inspect_verdict_t *out, inspect_reason_t reason, const char *message,
                             const char *effect) {
  out->accept = 0;
  out->reason = reason;
  out->message = message;
  out->effect = with_own_limit(ctx, effect);
}

// reject_words rejects with a template message and effect (see
// inspect_hs_words_t); certificate data never goes through templates.
static void reject_words(inspect_ctx_t *ctx, inspect_verdict_t *out, inspect_reason_t reason, const char *message,
                         const char *effect) {
  inspect__verdict_reject(ctx, out, reason, expand(ctx, message), expand(ctx, effect));
}

int inspect__judge_handshake(inspect_ctx_t *ctx, const inspect_hs_words_t *words, inspect_verdict_t *out) {
  const inspect_handshake_t *hs = &ctx->in->handshake;
  switch (hs->status) {
    case INSPECT_HS_ALERT:
      reject_words(ctx, out, hs->alert == 70 ? INSPECT_REASON_PROTOCOL_MISMATCH : INSPECT_REASON_HANDSHAKE_ALERT,
                   hs->alert == 70 ? words->protocol : words->alert, words->effect);
      return 1;
    case INSPECT_HS_CLOSED:
      reject_words(ctx, out, INSPECT_REASON_HANDSHAKE_ALERT, words->closed, words->effect);
      return 1;
    case INSPECT_HS_PROTOCOL:
      reject_words(ctx, out, INSPECT_REASON_PROTOCOL_MISMATCH, words->protocol, words->effect);
      return 1;
    case INSPECT_HS_CONNECT_FAILED:
      reject_words(ctx, out, INSPECT_REASON_CONNECT_FAILED, words->connect_failed, words->effect);
      return 1;
    case INSPECT_HS_TIMEOUT:
      reject_words(ctx, out, INSPECT_REASON_TIMEOUT, words->timeout,
                   words->timeout_effect != NULL ? words->timeout_effect : words->effect);
      return 1;
    case INSPECT_HS_OK:
    case INSPECT_HS_NONE: break;
  }
  if (inspect_chain_num(ctx->in->chain) == 0) {
    reject_words(ctx, out, INSPECT_REASON_NO_CERTIFICATE, words->no_certificate, words->effect);
    return 1;
  }
  return 0;
}

// inspect__judge_post_handshake_alert rejects when the origin's alert came
// after the handshake (TLS 1.3 client authentication): the chain may be fine,
// but the connection still fails.
int inspect__judge_post_handshake_alert(inspect_ctx_t *ctx, const inspect_hs_words_t *words, inspect_verdict_t *out) {
  const inspect_handshake_t *hs = &ctx->in->handshake;
  if (hs->status == INSPECT_HS_OK && hs->alert >= 0 && hs->alert_after_handshake) {
    reject_words(ctx, out, INSPECT_REASON_HANDSHAKE_ALERT,
                 words->post_handshake_alert != NULL ? words->post_handshake_alert : words->alert, words->effect);
    return 1;
  }
  return 0;
}

// Summary: who rejects, and what the user of the most consequential one sees.
static const char *const kSummaryPriority[] = {
    "cloudfront-origin", "apigateway", "akamai-origin", "alb-mtls", "apigateway-mtls",
    "cloudfront-viewer", "browser",    "node",          "java",     "openssl",
};

static size_t priority_of(const char *label) {
  size_t n = sizeof(kSummaryPriority) / sizeof(kSummaryPriority[0]);
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(kSummaryPriority[i]);
    if (strncmp(label, kSummaryPriority[i], len) == 0 && (label[len] == '\0' || label[len] == ':')) {
      return i;
    }
  }
  return n;
}

static void summarize(inspect_report_t *r) {
  if (r->num_verdicts == 0) {
    r->summary = "No profile selected.";
    return;
  }
  if (r->num_rejects == 0) {
    r->summary = r->num_verdicts == 1
                     ? inspect__arena_printf(&r->arena, "%s accepts: %s", r->verdicts[0].profile, r->verdicts[0].effect)
                     : inspect__arena_printf(&r->arena,
                                             "All %zu profiles accept: no client or platform selected "
                                             "would reject this connection.",
                                             r->num_verdicts);
    return;
  }
  inspect_buf_t who;
  inspect_buf_init(&who, 1 << 16);
  const inspect_verdict_t *lead = NULL;
  for (size_t i = 0; i < r->num_verdicts; i++) {
    const inspect_verdict_t *v = &r->verdicts[i];
    if (v->accept) {
      continue;
    }
    inspect_buf_printf(&who, "%s%s (%s)", who.len ? ", " : "", v->profile, inspect_reason_name(v->reason));
    if (lead == NULL || priority_of(v->profile) < priority_of(lead->profile)) {
      lead = v;
    }
  }
  r->summary = inspect__arena_printf(&r->arena, "%zu of %zu profiles reject: %s. %s", r->num_rejects, r->num_verdicts,
                                     who.data != NULL ? who.data : "", lead->effect);
  inspect_buf_cleanup(&who);
}

int inspect_name_is_valid(const char *name) {
  size_t len = strlen(name);
  if (len == 0 || len > 253) {
    return 0;
  }
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c <= 0x20 || c == 0x7f) {
      return 0;
    }
  }
  return 1;
}

// keep_handshake copies the handshake a verdict was judged on into the
// report (which may outlive the input, in a cache).
static const inspect_offer_t *keep_handshake(inspect_report_t *r, const inspect_offer_t *offer,
                                             const inspect_handshake_t *judged) {
  inspect_offer_t *kept = &r->handshakes[r->num_verdicts - 1];
  *kept = *offer;
  kept->handshake = *judged;
  kept->handshake.detail = judged->detail != NULL ? inspect__arena_strdup(&r->arena, judged->detail) : NULL;
  kept->version_name = offer->version_name != NULL ? inspect__arena_strdup(&r->arena, offer->version_name) : NULL;
  kept->cipher_name = offer->cipher_name != NULL ? inspect__arena_strdup(&r->arena, offer->cipher_name) : NULL;
  kept->group_name = offer->group_name != NULL ? inspect__arena_strdup(&r->arena, offer->group_name) : NULL;
  return kept;
}

// judge_profile runs one profile on the input it is judged on: its own
// handshake (offers.c) or, for a platform that always sends SNI, the one
// with SNI (cause.c); a context of its own when that differs from `in`.
static void judge_profile(inspect_ctx_t *ctx, inspect_report_t *r, const inspect_choice_t *choice,
                          inspect_verdict_t *v) {
  const inspect_profile_t *p = choice->profile;
  inspect_input_t sni_in, offer_in;
  const inspect_input_t *base = inspect__input_for(ctx->in, p, &sni_in);
  const inspect_input_t *judged = inspect__offer_input(ctx, base, p, &offer_in);
  inspect_ctx_t own = {0};
  inspect_ctx_t *judge_ctx = ctx;
  if (judged != ctx->in) {
    own.in = judged;
    own.arena = &r->arena;
    own.name_is_ip = judged->name != NULL && inspect_name_is_ip(judged->name);
    judge_ctx = &own;
  }
  if (p->rules != NULL) {
    inspect__rules_run(judge_ctx, p->rules, p->num_rules, p->words, v);
  } else {
    p->judge(judge_ctx, choice->options, v);
  }
  // Shown when platforms made their own handshakes (a live inspect).
  const inspect_offer_t *offer = inspect__offer_of(ctx->in, p);
  if (ctx->in->num_offers > 0) {
    v->handshake = keep_handshake(r, offer != NULL ? offer : &ctx->in->own, &judged->handshake);
  }
}

int inspect_report_new(const inspect_input_t *in, const inspect_selection_t *sel, inspect_report_t **out) {
  *out = NULL;
  if (in->name != NULL && !in->name_from_peer && !inspect_name_is_valid(in->name)) {
    return INSPECT_EBAD_NAME;
  }
  inspect_report_t *r = calloc(1, sizeof(*r));
  inspect_ctx_t *ctx = calloc(1, sizeof(*ctx));
  if (r == NULL || ctx == NULL) {
    free(r);
    free(ctx);
    return INSPECT_ENOMEM;
  }
  r->refs = 1;
  ctx->in = in;
  ctx->arena = &r->arena;
  ctx->name_is_ip = in->name != NULL && inspect_name_is_ip(in->name);

  // A selection of mTLS profiles only (alb-mtls, apigateway-mtls) judges a
  // client's chain: the server-only leaf findings do not apply.
  int client_chain = sel->num > 0;
  for (size_t i = 0; i < sel->num && i < INSPECT_SELECTION_MAX; i++) {
    client_chain &= !sel->items[i].profile->is_default;
  }
  diagnose_handshake(ctx, r);
  diagnose_dropped(ctx, r);
  if (inspect_chain_num(in->chain) == 0) {
    if (in->handshake.status == INSPECT_HS_OK || in->handshake.status == INSPECT_HS_NONE) {
      add_finding(r, "NO_CERTIFICATE", INSPECT_SEVERITY_ERROR, -1,
                  client_chain ? "the client sent no certificate" : "the origin sent no certificate");
    }
  } else {
    diagnose_path(ctx, r);
    diagnose_certs(ctx, r);
    diagnose_leaf(ctx, r, client_chain);
  }
  if (inspect__cause_no_sni(in)) {
    add_finding(r, "SNI_REQUIRED", INSPECT_SEVERITY_ERROR, -1, inspect__cause_detail(ctx));
  }
  const inspect_profile_t *profiles[INSPECT_SELECTION_MAX];
  for (size_t i = 0; i < sel->num && i < INSPECT_SELECTION_MAX; i++) {
    const inspect_choice_t *choice = &sel->items[i];
    inspect_verdict_t *v = &r->verdicts[r->num_verdicts++];
    v->profile = inspect__arena_strdup(&r->arena, choice->label);
    v->platform = choice->profile->platform;
    profiles[i] = choice->profile;
    judge_profile(ctx, r, choice, v);
    v->fix = inspect__cause_fix(ctx, choice->profile, v);
    r->num_rejects += !v->accept;
  }
  summarize(r);
  if (inspect__cause_no_sni(in)) {
    r->summary = inspect__cause_summary(ctx, r->verdicts, profiles, r->num_verdicts, r->summary);
  }
  free(ctx);
  *out = r;
  return INSPECT_OK;
}

void inspect_report_up_ref(inspect_report_t *report) { __atomic_add_fetch(&report->refs, 1, __ATOMIC_RELAXED); }

void inspect_report_free(inspect_report_t *report) {
  if (report == NULL || __atomic_sub_fetch(&report->refs, 1, __ATOMIC_ACQ_REL) > 0) {
    return;
  }
  inspect__arena_free(&report->arena);
  free(report->findings);
  free(report);
}

size_t inspect_report_num_findings(const inspect_report_t *report) { return report->num_findings; }

const inspect_finding_t *inspect_report_get0_finding(const inspect_report_t *report, size_t index) {
  return index < report->num_findings ? &report->findings[index] : NULL;
}

size_t inspect_report_num_verdicts(const inspect_report_t *report) { return report->num_verdicts; }

const inspect_verdict_t *inspect_report_get0_verdict(const inspect_report_t *report, size_t index) {
  return index < report->num_verdicts ? &report->verdicts[index] : NULL;
}

size_t inspect_report_num_rejects(const inspect_report_t *report) { return report->num_rejects; }

const char *inspect_report_get0_summary(const inspect_report_t *report) { return report->summary; }
