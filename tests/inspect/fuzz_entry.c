#include "tests/inspect/fuzz_entry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// 2026-11-23T08:49:00Z, the lab's T_NOW, and times around it.
static const int64_t kTimes[] = {INT64_C(1795423740), INT64_C(1795423740) - 400 * 86400,
                                 INT64_C(1795423740) + 4000 * 86400};
static const char *const kNames[] = {NULL, "good.lab.test", "x.lab.test", "127.0.0.1", "::1", "xn--bcher-kva.lab.test"};

static void check(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "fuzz_chain_one: %s\n", what);
    abort();
  }
}

static int analyse(const inspect_chain_t *chain, const inspect_trust_t *trust, const inspect_chain_t *pool,
                   size_t variant) {
  static const inspect_hs_status_t kStatus[] = {INSPECT_HS_NONE, INSPECT_HS_OK, INSPECT_HS_OK, INSPECT_HS_ALERT,
                                                INSPECT_HS_TIMEOUT};
  inspect_selection_t sel;
  char bad[80];
  check(inspect_selection_parse("all,apigateway:insecure-skip-verification", &sel, bad, sizeof(bad)) == INSPECT_OK,
        "selection");
  inspect_input_t in = {
      .chain = chain,
      .name = kNames[variant % 6],
      .sni_sent = (int)((variant / 6) % 2),
      .trust = trust,
      .aia_pool = pool,
      .now = kTimes[(variant / 12) % 3],
      .handshake = {.status = kStatus[(variant / 36) % 5], .alert = -1},
  };
  if (in.handshake.status == INSPECT_HS_ALERT) {
    in.handshake.alert = 40;
  } else if (in.handshake.status == INSPECT_HS_OK && (variant / 36) % 5 == 2) {
    in.handshake.alert = 116;
    in.handshake.alert_after_handshake = 1;
  }
  inspect_report_t *report = NULL;
  int err = inspect_report_new(&in, &sel, &report);
  check(err == INSPECT_OK && report != NULL, "inspect_report_new failed");
  check(inspect_report_num_verdicts(report) == sel.num, "one verdict per choice");
  size_t rejects = 0;
  for (size_t i = 0; i < inspect_report_num_verdicts(report); i++) {
    const inspect_verdict_t *v = inspect_report_get0_verdict(report, i);
    check(v->message != NULL && v->effect != NULL && v->profile != NULL, "verdict strings");
    check(v->accept == (v->reason == INSPECT_REASON_OK), "accept iff reason OK");
    check(inspect_reason_name(v->reason) != NULL, "reason name");
    rejects += !v->accept;
  }
  check(rejects == inspect_report_num_rejects(report), "reject count");
  for (size_t i = 0; i < inspect_report_num_findings(report); i++) {
    const inspect_finding_t *f = inspect_report_get0_finding(report, i);
    check(f->code != NULL && f->detail != NULL, "finding strings");
    check(f->cert_index >= -1 && f->cert_index < (int)inspect_chain_num(chain), "finding index");
  }
  check(inspect_report_get0_summary(report) != NULL, "summary");
  inspect_buf_t json;
  inspect_buf_init(&json, 0);
  inspect_json_chain(&json, chain);
  inspect_json_findings(&json, report);
  inspect_json_verdicts(&json, report);
  check(!json.failed, "JSON rendering");
  inspect_buf_cleanup(&json);
  inspect_report_free(report);
  return 1;
}

int fuzz_chain_one(const uint8_t *data, size_t size, const inspect_trust_t *trust) {
  int reports = 0;
  inspect_chain_t *chain = inspect_chain_new();
  inspect_trust_t *own = inspect_trust_new(size % 2);
  check(chain != NULL && own != NULL, "allocation");
  size_t index = 0;
  int err = inspect_chain_load(chain, data, size, &index);
  check(err <= 0 && inspect_strerror(err) != NULL, "chain load code");
  check(err != INSPECT_OK || inspect_chain_num(chain) > 0, "an OK load holds a certificate");
  int trust_err = inspect_trust_load(own, data, size, NULL);
  check(trust_err <= 0, "trust load code");
  // What loaded, whatever the error after it, is judged.
  if (inspect_chain_num(chain) > 0 || err == INSPECT_OK) {
    reports += analyse(chain, trust, NULL, size);
    reports += analyse(chain, own, chain, size / 7);
  } else if (size % 5 == 0) {
    reports += analyse(chain, own, NULL, size);  // no certificate at all
  }
  for (size_t i = 0; i < inspect_chain_num(chain); i++) {
    const inspect_cert_info_t *info = inspect_cert_get0_info(inspect_chain_get0(chain, i));
    check(info->subject != NULL && info->issuer != NULL && info->key_desc != NULL && info->sig_alg != NULL,
          "certificate facts");
    check(inspect_trust_contains(own, inspect_chain_get0(chain, i)) || trust_err != INSPECT_OK ||
              inspect_trust_num(own) == INSPECT_TRUST_MAX,
          "a loaded certificate is in the store loaded from the same bytes");
  }
  inspect_trust_free(own);
  inspect_chain_free(chain);
  return reports;
}
