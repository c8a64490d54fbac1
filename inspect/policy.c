// Certificate policy processing, RFC 5280 6.1.3 (d)-(f), 6.1.4 (a), (h)-(j)
// and 6.1.5, as Java's PolicyChecker and Chromium do it and OpenSSL does
// only when asked (curl, Python and Node never ask). The valid policy tree
// is kept as the set of its leaves' policies, which is what decides the
// outcome here: the initial policy set is anyPolicy and no initial
// constraint is set (PKIXParameters' defaults).

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "inspect/inspect_internal.h"

#define MAX_POLICIES 16

typedef struct {
  int null;  // the tree is NULL
  int any;   // anyPolicy is a valid policy
  ASN1_OBJECT *oids[MAX_POLICIES];
  size_t num;
} policy_set_t;

static int set_has(const policy_set_t *set, const ASN1_OBJECT *oid) {
  for (size_t i = 0; i < set->num; i++) {
    if (OBJ_cmp(set->oids[i], oid) == 0) {
      return 1;
    }
  }
  return 0;
}

static void set_add(policy_set_t *set, ASN1_OBJECT *oid) {
  if (!set_has(set, oid) && set->num < MAX_POLICIES) {
    set->oids[set->num++] = oid;
  }
}

static long integer_of(const ASN1_INTEGER *i, long unset) { return i != NULL ? ASN1_INTEGER_get(i) : unset; }

// apply_policies is 6.1.3 (d) and (e): the certificate's policies that the
// set allows; its anyPolicy keeps the set's own when anyPolicy may count.
static void apply_policies(policy_set_t *set, const CERTIFICATEPOLICIES *cp, int any_counts) {
  if (set->null) {
    return;
  }
  if (cp == NULL) {
    set->null = 1;
    return;
  }
  policy_set_t next = {0};
  int cert_any = 0;
  for (size_t i = 0; i < sk_POLICYINFO_num(cp); i++) {
    ASN1_OBJECT *oid = sk_POLICYINFO_value(cp, i)->policyid;
    if (OBJ_obj2nid(oid) == NID_any_policy) {
      cert_any = 1;
    } else if (set->any || set_has(set, oid)) {
      set_add(&next, oid);
    }
  }
  if (cert_any && any_counts) {
    next.any = set->any;
    for (size_t i = 0; i < set->num; i++) {
      set_add(&next, set->oids[i]);
    }
  }
  next.null = !next.any && next.num == 0;
  *set = next;
}

// apply_mappings is 6.1.4 (a) and (b): 0 when a mapping names anyPolicy
// (while the tree is not NULL, unless `any_always`).
static int apply_mappings(policy_set_t *set, const POLICY_MAPPINGS *pm, int mapping_allowed, int any_always) {
  for (size_t i = 0; pm != NULL && (any_always || !set->null) && i < sk_POLICY_MAPPING_num(pm); i++) {
    const POLICY_MAPPING *m = sk_POLICY_MAPPING_value(pm, i);
    if (OBJ_obj2nid(m->issuerDomainPolicy) == NID_any_policy || OBJ_obj2nid(m->subjectDomainPolicy) == NID_any_policy) {
      return 0;
    }
  }
  if (set->null || pm == NULL || !mapping_allowed) {
    return 1;
  }
  policy_set_t next = *set;
  for (size_t i = 0; i < sk_POLICY_MAPPING_num(pm); i++) {
    const POLICY_MAPPING *m = sk_POLICY_MAPPING_value(pm, i);
    if (set->any || set_has(set, m->issuerDomainPolicy)) {
      set_add(&next, m->subjectDomainPolicy);
    }
  }
  *set = next;
  return 1;
}

// The policy extensions of one certificate, kept parsed until the end: the
// set points at their OIDs.
typedef struct {
  CERTIFICATEPOLICIES *cp;
  POLICY_CONSTRAINTS *pc;
  POLICY_MAPPINGS *pm;
  ASN1_INTEGER *iap;
} policy_exts_t;

const char *inspect__path_policy_error(const inspect_ctx_t *ctx, const inspect_path_t *path, int any_mapping_always,
                                       size_t *at) {
  size_t n = inspect__path_checked_len(ctx, path);
  long explicit_policy = (long)n + 1, inhibit_any = (long)n + 1, policy_mapping = (long)n + 1;
  policy_set_t set = {.any = 1};
  policy_exts_t exts[INSPECT_PATH_MAX] = {{0}};
  const char *error = NULL;
  for (size_t k = n; k-- > 0 && error == NULL;) {  // from the anchor's side down to the leaf
    X509 *x = path->certs[k]->x509;
    int self_issued = path->certs[k]->info.self_issued;
    policy_exts_t *e = &exts[k];
    e->cp = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
    e->pc = X509_get_ext_d2i(x, NID_policy_constraints, NULL, NULL);
    e->pm = X509_get_ext_d2i(x, NID_policy_mappings, NULL, NULL);
    e->iap = X509_get_ext_d2i(x, NID_inhibit_any_policy, NULL, NULL);
    apply_policies(&set, e->cp, inhibit_any > 0 || (k > 0 && self_issued));
    if (k > 0 && !apply_mappings(&set, e->pm, policy_mapping > 0, any_mapping_always)) {
      error = "encountered an issuerDomainPolicy of ANY_POLICY";
    }
    if (k == 0) {  // 6.1.5 (a), (b): the leaf's own constraint counts
      explicit_policy -= explicit_policy > 0 && !self_issued;
      if (e->pc != NULL && integer_of(e->pc->requireExplicitPolicy, -1) == 0) {
        explicit_policy = 0;
      }
    }
    if (error == NULL && explicit_policy <= 0 && set.null) {  // 6.1.3 (f), 6.1.5 (g)
      error = "non-null policy tree required and policy tree is null";
    }
    if (k > 0) {  // 6.1.4 (h)-(j), for the certificates below
      if (!self_issued) {
        explicit_policy -= explicit_policy > 0;
        policy_mapping -= policy_mapping > 0;
        inhibit_any -= inhibit_any > 0;
      }
      long require = integer_of(e->pc != NULL ? e->pc->requireExplicitPolicy : NULL, -1);
      long inhibit_map = integer_of(e->pc != NULL ? e->pc->inhibitPolicyMapping : NULL, -1);
      long skip = integer_of(e->iap, -1);
      explicit_policy = require >= 0 && require < explicit_policy ? require : explicit_policy;
      policy_mapping = inhibit_map >= 0 && inhibit_map < policy_mapping ? inhibit_map : policy_mapping;
      inhibit_any = skip >= 0 && skip < inhibit_any ? skip : inhibit_any;
    }
    if (error != NULL) {
      *at = k;
    }
  }
  for (size_t k = 0; k < n; k++) {
    CERTIFICATEPOLICIES_free(exts[k].cp);
    POLICY_CONSTRAINTS_free(exts[k].pc);
    sk_POLICY_MAPPING_pop_free(exts[k].pm, POLICY_MAPPING_free);
    ASN1_INTEGER_free(exts[k].iap);
  }
  ERR_clear_error();
  return error;
}
