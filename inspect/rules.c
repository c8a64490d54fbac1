// The rules engine and the checks platforms share. A profile's table says
// what its platform requires, in its order and its words (docs/
// platform-rules.md cites each rule's source); this file runs the table and
// holds every check that more than one platform makes.

#include "inspect/inspect_internal.h"

// effect_of returns what users see when `f->rule` fails: the rule's own
// effect, else the table's.
static const char *effect_of(const inspect_rule_failure_t *f) {
  if (f->rule->effect != NULL) {
    return f->rule->effect;
  }
  if (f->rule->say_effect != NULL) {
    return f->rule->say_effect(f);
  }
  return f->words->say_effect != NULL ? f->words->say_effect(f) : f->words->effect;
}

void inspect__rules_run(inspect_ctx_t *ctx, const inspect_rule_t *rules, size_t num_rules,
                        const inspect_rules_words_t *words, inspect_verdict_t *out) {
  for (size_t i = 0; i < num_rules; i++) {
    const inspect_rule_t *rule = &rules[i];
    if (rule->judge != NULL) {
      if (rule->judge(ctx, words->handshake, out)) {
        return;
      }
      continue;
    }
    const inspect_path_t *path = inspect__path(ctx, words->use_aia_pool);
    inspect_reason_t reason = rule->check(ctx, path);
    if (reason == INSPECT_REASON_OK) {
      continue;
    }
    inspect_rule_failure_t f = {ctx, path, reason, rule, words, NULL};
    f.message = rule->say != NULL ? rule->say(&f) : rule->message;
    const char *message = words->frame != NULL ? words->frame(&f) : f.message;
    inspect__verdict_reject(ctx, out, reason, message, effect_of(&f));
    return;
  }
  if (words->say_accept == NULL) {
    inspect__verdict_accept(ctx, out, words->accept);
    return;
  }
  inspect_rule_failure_t all_pass = {ctx, inspect__path(ctx, words->use_aia_pool), INSPECT_REASON_OK, NULL, words,
                                     NULL};
  inspect__verdict_accept(ctx, out, words->say_accept(&all_pass));
}

// Checks. Each passes (INSPECT_REASON_OK) or says why not.

inspect_reason_t inspect__check_sni_sent(inspect_ctx_t *ctx, const inspect_path_t *path) {
  (void)path;
  return ctx->in->sni_sent ? INSPECT_REASON_OK : INSPECT_REASON_NO_CERTIFICATE;
}

inspect_reason_t inspect__check_leaf_not_self_signed(inspect_ctx_t *ctx, const inspect_path_t *path) {
  (void)ctx;
  return inspect_cert_is_self_signed(path->certs[0]) ? INSPECT_REASON_SELF_SIGNED : INSPECT_REASON_OK;
}

// inspect__check_anchored passes when the path reaches a trust anchor, and
// otherwise says why it stops (missing intermediate, untrusted root...).
inspect_reason_t inspect__check_anchored(inspect_ctx_t *ctx, const inspect_path_t *path) {
  return inspect__path_failure_reason(ctx, path);
}

// inspect__check_chain_complete fails only for a missing intermediate: a path
// that stops for another reason is the trust store's rule to judge.
inspect_reason_t inspect__check_chain_complete(inspect_ctx_t *ctx, const inspect_path_t *path) {
  inspect_reason_t reason = inspect__path_failure_reason(ctx, path);
  return reason == INSPECT_REASON_MISSING_INTERMEDIATE ? reason : INSPECT_REASON_OK;
}

inspect_reason_t inspect__check_sent_order(inspect_ctx_t *ctx, const inspect_path_t *path) {
  (void)ctx;
  return inspect__path_in_sent_order(path) ? INSPECT_REASON_OK : INSPECT_REASON_WRONG_ORDER;
}

inspect_reason_t inspect__check_server_eku(inspect_ctx_t *ctx, const inspect_path_t *path) {
  (void)ctx;
  return inspect__leaf_server_eku_ok(path->certs[0]) ? INSPECT_REASON_OK : INSPECT_REASON_BAD_EKU;
}

inspect_reason_t inspect__check_issuers_are_cas(inspect_ctx_t *ctx, const inspect_path_t *path) {
  size_t at;
  inspect_reason_t ca = inspect__path_ca_problem(ctx, path, INSPECT_ANCHOR_UNCHECKED, &at);
  return ca != INSPECT_REASON_OK ? ca : inspect__leaf_key_usage(path->certs[0], INSPECT_KU_DIGITAL_SIGNATURE);
}

inspect_reason_t inspect__check_critical_extensions(inspect_ctx_t *ctx, const inspect_path_t *path) {
  return inspect__path_unhandled_critical(ctx, path) >= 0 ? INSPECT_REASON_UNHANDLED_CRITICAL_EXTENSION
                                                          : INSPECT_REASON_OK;
}

inspect_reason_t inspect__check_name_constraints(inspect_ctx_t *ctx, const inspect_path_t *path) {
  (void)ctx;
  return inspect__path_name_constraints_ok(path) ? INSPECT_REASON_OK : INSPECT_REASON_NAME_CONSTRAINTS;
}

inspect_reason_t inspect__check_no_sha1_signature(inspect_ctx_t *ctx, const inspect_path_t *path) {
  return inspect__path_weak_signature(ctx, path) ? INSPECT_REASON_WEAK_SIGNATURE : INSPECT_REASON_OK;
}

static inspect_name_result_t check_name(inspect_ctx_t *ctx, const inspect_path_t *path,
                                        const inspect_name_rules_t *rules) {
  if (ctx->in->name == NULL) {
    return NAME_MATCH;
  }
  return inspect__name_check(path->certs[0], ctx->in->name, ctx->name_is_ip, rules);
}

// CN or SAN, whole left-most labels only (CloudFront origins, Akamai).
inspect_reason_t inspect__check_name_cn_or_san(inspect_ctx_t *ctx, const inspect_path_t *path) {
  static const inspect_name_rules_t kRules = {NAME_CN_ALWAYS, 0};
  return check_name(ctx, path, &kRules) == NAME_MATCH ? INSPECT_REASON_OK : INSPECT_REASON_HOSTNAME_MISMATCH;
}

// SANs only (browsers, CloudFront viewer certificates).
inspect_reason_t inspect__check_name_san_only(inspect_ctx_t *ctx, const inspect_path_t *path) {
  static const inspect_name_rules_t kRules = {NAME_CN_NEVER, 0};
  switch (check_name(ctx, path, &kRules)) {
    case NAME_MATCH: return INSPECT_REASON_OK;
    case NAME_NO_SAN: return INSPECT_REASON_NO_SAN;
    case NAME_MISMATCH: break;
  }
  return INSPECT_REASON_HOSTNAME_MISMATCH;
}

// The CN only without a dNSName SAN, partial-label wildcards allowed (Apache
// HttpClient, Node's checkServerIdentity).
inspect_reason_t inspect__check_name_cn_fallback(inspect_ctx_t *ctx, const inspect_path_t *path) {
  static const inspect_name_rules_t kRules = {NAME_CN_IF_NO_DNS, NAME_WILDCARD_PARTIAL};
  return check_name(ctx, path, &kRules) == NAME_MATCH ? INSPECT_REASON_OK : INSPECT_REASON_HOSTNAME_MISMATCH;
}

// JDK 17's PKIX validation (Java clients, API Gateway's integration client).
inspect_reason_t inspect__check_jdk_pkix(inspect_ctx_t *ctx, const inspect_path_t *path) {
  (void)path;
  inspect_reason_t reason = INSPECT_REASON_OK;
  return inspect__jdk_verify(ctx, &reason) != NULL ? reason : INSPECT_REASON_OK;
}

// inspect__say_jdk_pkix gives the exception message of the failed check.
const char *inspect__say_jdk_pkix(const inspect_rule_failure_t *f) {
  inspect_reason_t reason;
  return inspect__jdk_verify(f->ctx, &reason);
}

const inspect_ossl_opts_t inspect__ossl_level1 = {80, 0};
const inspect_ossl_opts_t inspect__ossl_level2 = {112, 1};

const inspect_ossl_error_t *inspect__ossl_error(inspect_ctx_t *ctx, const inspect_ossl_opts_t *opts, int last,
                                                inspect_ossl_result_t *res) {
  inspect__ossl_verify(ctx, opts, res);
  if (res->num == 0) {
    return NULL;
  }
  return &res->items[last ? res->num - 1 : 0];
}

static inspect_reason_t ossl_reason(inspect_ctx_t *ctx, const inspect_ossl_opts_t *opts, int last) {
  inspect_ossl_result_t res;
  const inspect_ossl_error_t *e = inspect__ossl_error(ctx, opts, last, &res);
  return e != NULL ? e->reason : INSPECT_REASON_OK;
}

// At level 1 (Node's bundled OpenSSL) verification goes on after an error,
// and the last one is reported.
inspect_reason_t inspect__check_openssl_level1(inspect_ctx_t *ctx, const inspect_path_t *path) {
  (void)path;
  return ossl_reason(ctx, &inspect__ossl_level1, 1);
}

// At level 2 with the host name (curl, Python) it stops at the first error.
inspect_reason_t inspect__check_openssl_level2(inspect_ctx_t *ctx, const inspect_path_t *path) {
  (void)path;
  return ossl_reason(ctx, &inspect__ossl_level2, 0);
}
