// Table-driven tests of the client-chain profiles alb-mtls and
// apigateway-mtls: a client's chain (leaf first) against a trust store.

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "inspect/inspect.h"
#include "tests/inspect/testpki.h"

// Criterion runs each parameter in a new process: strings are held inline.
typedef struct {
  char name[48];
  char profile[32];  // a --profile item, options included
  char chain[80];    // the client's chain as sent, testpki.h tokens
  char trust[80];    // the trust store
  int accept;
  char reason[24];
  char message[96];
} judge_case_t;

#define ALB_UNTRUSTED "Failed:ClientCertUntrusted"
#define ALB_TYPE "Failed:ClientCertTypeUnsupported"
#define AGW "Access denied. Reason: "
#define AGW_ISSUER AGW "Could not find issuer for certificate"

ParameterizedTestParameters(mtls, judge) {
  static judge_case_t cases[] = {
      // alb-mtls: tls_verify_status values.
      {"chain sent, root and intermediate trusted", "alb-mtls", "leaf inter", "root inter", 1, "OK", "Success"},
      {"leaf alone, intermediate trusted", "alb-mtls", "leaf", "root inter", 1, "OK", "Success"},
      {"intermediate sent, root trusted", "alb-mtls", "leaf inter", "root", 1, "OK", "Success"},
      {"leaf alone, intermediate unknown", "alb-mtls", "leaf", "root", 0, "MISSING_INTERMEDIATE", ALB_UNTRUSTED},
      {"trust store without its root", "alb-mtls", "leaf inter", "inter", 0, "UNTRUSTED_ROOT", ALB_UNTRUSTED},
      {"another CA's client", "alb-mtls", "uleaf uinter", "root inter", 0, "UNTRUSTED_ROOT", ALB_UNTRUSTED},
      {"another CA's full chain", "alb-mtls", "uleaf uinter uroot", "root inter", 0, "UNTRUSTED_ROOT", ALB_UNTRUSTED},
      {"self-signed client", "alb-mtls", "self", "root inter", 0, "SELF_SIGNED", ALB_UNTRUSTED},
      {"self-signed client, pinned", "alb-mtls", "self", "root self", 1, "OK", "Success"},
      {"issuer is not a CA", "alb-mtls", "leaf-under-nobc nobc", "root", 0, "UNTRUSTED_ROOT", ALB_UNTRUSTED},
      {"five CAs deep", "alb-mtls", "dleaf d4 d3 d2 d1", "root inter", 0, "CHAIN_TOO_LONG",
       "Failed:ClientCertMaxChainDepthExceeded"},
      {"five CAs deep, all trusted", "alb-mtls", "dleaf", "root d1 d2 d3 d4", 0, "CHAIN_TOO_LONG",
       "Failed:ClientCertMaxChainDepthExceeded"},
      {"four CAs deep", "alb-mtls", "dleaf3 d3 d2 d1", "root", 1, "OK", "Success"},
      {"expired client", "alb-mtls", "leaf-expired inter", "root inter", 0, "EXPIRED", "Failed:ClientCertExpired"},
      {"expired client, IgnoreClientCertificateExpiry", "alb-mtls:ignore-expiry", "leaf-expired inter", "root inter", 1,
       "OK", "Success"},
      {"expired intermediate", "alb-mtls", "leaf-under-expired expired", "root", 0, "EXPIRED",
       "Failed:ClientCertExpired"},
      {"expired intermediate, ignored", "alb-mtls:ignore-expiry", "leaf-under-expired expired", "root", 1, "OK",
       "Success"},
      {"client not valid yet", "alb-mtls", "leaf-notyet inter", "root inter", 0, "NOT_YET_VALID",
       "Failed:ClientCertNotYetValid"},
      {"not valid yet, expiry ignored", "alb-mtls:ignore-expiry", "leaf-notyet inter", "root inter", 0, "NOT_YET_VALID",
       "Failed:ClientCertNotYetValid"},
      {"serverAuth only", "alb-mtls", "leaf-server inter", "root inter", 0, "BAD_EKU",
       "Failed:ClientCertPurposeInvalid"},
      {"no extended key usage", "alb-mtls", "leaf-noeku inter", "root inter", 1, "OK", "Success"},
      {"keyEncipherment only", "alb-mtls", "leaf-keyenc inter", "root inter", 0, "BAD_EKU",
       "Failed:ClientCertPurposeInvalid"},
      {"SHA-1 client", "alb-mtls", "leaf-sha1 inter", "root inter", 0, "WEAK_SIGNATURE", ALB_TYPE},
      {"RSA-1024 client", "alb-mtls", "leaf-rsa1024 inter", "root inter", 0, "WEAK_KEY", ALB_TYPE},
      {"Ed25519 client", "alb-mtls", "leaf-ed25519 inter", "root inter", 0, "UNSUPPORTED_CERT", ALB_TYPE},
      {"X.509 v1 client", "alb-mtls", "leaf-v1 inter", "root inter", 0, "UNSUPPORTED_CERT", ALB_TYPE},
      {"RSA-1024 CA in the trust store", "alb-mtls", "leaf-under-rsa1024", "root rsa1024", 0, "WEAK_KEY", ALB_TYPE},
      {"no client certificate", "alb-mtls", "", "root inter", 0, "NO_CERTIFICATE", "Failed:UnmappedConnectionError"},
      // apigateway-mtls: execution-log reasons; the truststore must hold the issuer.
      {"chain sent, full chain trusted", "apigateway-mtls", "leaf inter", "root inter", 1, "OK", "OK"},
      {"leaf alone, full chain trusted", "apigateway-mtls", "leaf", "root inter", 1, "OK", "OK"},
      {"intermediate sent, only the root trusted", "apigateway-mtls", "leaf inter", "root", 0, "MISSING_INTERMEDIATE",
       AGW_ISSUER},
      {"leaf alone, only the root trusted", "apigateway-mtls", "leaf", "root", 0, "UNTRUSTED_ROOT", AGW_ISSUER},
      {"truststore without its root", "apigateway-mtls", "leaf", "inter", 0, "UNTRUSTED_ROOT", AGW_ISSUER},
      {"another CA's full chain", "apigateway-mtls", "uleaf uinter uroot", "root inter", 0, "UNTRUSTED_ROOT",
       AGW_ISSUER},
      {"self-signed client", "apigateway-mtls", "self", "root inter", 0, "SELF_SIGNED", AGW "self signed certificate"},
      {"self-signed client, in the truststore", "apigateway-mtls", "self", "self", 1, "OK", "OK"},
      {"issuer is not a CA", "apigateway-mtls", "leaf-under-nobc", "root nobc", 0, "UNTRUSTED_ROOT",
       AGW "invalid CA certificate"},
      {"five CAs deep", "apigateway-mtls", "dleaf d4 d3 d2 d1", "root d1 d2 d3 d4", 0, "CHAIN_TOO_LONG",
       AGW "certificate chain too long"},
      {"four CAs deep", "apigateway-mtls", "dleaf3", "root d1 d2 d3", 1, "OK", "OK"},
      {"SHA-1 client", "apigateway-mtls", "leaf-sha1", "root inter", 0, "WEAK_SIGNATURE",
       AGW "Client cert using an insecure Signature Algorithm"},
      {"RSA-1024 client", "apigateway-mtls", "leaf-rsa1024", "root inter", 0, "WEAK_KEY",
       AGW "EE certificate key too weak"},
      {"RSA-1024 CA", "apigateway-mtls", "leaf-under-rsa1024", "root rsa1024", 0, "WEAK_KEY",
       AGW "CA certificate key too weak"},
      {"expired client", "apigateway-mtls", "leaf-expired", "root inter", 0, "EXPIRED", AGW "certificate has expired"},
      {"client not valid yet", "apigateway-mtls", "leaf-notyet", "root inter", 0, "NOT_YET_VALID",
       AGW "certificate is not yet valid"},
      {"serverAuth only", "apigateway-mtls", "leaf-server", "root inter", 0, "BAD_EKU",
       AGW "unsupported certificate purpose"},
      {"no client certificate", "apigateway-mtls", "", "root inter", 0, "NO_CERTIFICATE",
       "The client presented no certificate: a custom domain with mutual TLS requires one"},
  };
  return cr_make_param_array(judge_case_t, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(judge_case_t *c, mtls, judge) {
  inspect_chain_t *chain = inspect_chain_new();
  inspect_trust_t *trust = inspect_trust_new(0);
  cr_assert(chain != NULL && trust != NULL);
  tp_chain(c->chain, chain);
  tp_trust(c->trust, trust);
  inspect_selection_t sel;
  char bad[80];
  cr_assert_eq(inspect_selection_parse(c->profile, &sel, bad, sizeof(bad)), INSPECT_OK, "%s", bad);
  inspect_input_t in = {
      .chain = chain,
      .name = NULL,
      .trust = trust,
      .now = TP_NOW,
      .handshake = {.status = INSPECT_HS_NONE, .alert = -1},
  };
  inspect_report_t *report = NULL;
  cr_assert_eq(inspect_report_new(&in, &sel, &report), INSPECT_OK);
  cr_assert_eq(inspect_report_num_verdicts(report), 1);
  const inspect_verdict_t *v = inspect_report_get0_verdict(report, 0);
  cr_assert_str_eq(v->profile, c->profile);
  cr_assert_eq(v->accept, c->accept, "%s (%s): accept=%d, reason %s, message %s", c->name, c->profile, v->accept,
               inspect_reason_name(v->reason), v->message);
  cr_assert_str_eq(inspect_reason_name(v->reason), c->reason, "%s (%s): %s", c->name, c->profile, v->message);
  cr_assert(strncmp(v->message, c->message, strlen(c->message)) == 0, "%s (%s): message '%s', want '%s'", c->name,
            c->profile, v->message, c->message);
  cr_assert(v->effect != NULL && v->effect[0] != '\0');
  if (!c->accept && strncmp(c->profile, "alb-mtls", 8) == 0) {
    cr_assert(strstr(v->effect, v->message) != NULL, "ALB's effect names the status: %s", v->effect);
  }
  inspect_report_free(report);
  inspect_trust_free(trust);
  inspect_chain_free(chain);
}

Test(mtls, profiles_are_not_in_all_and_take_their_options) {
  inspect_selection_t sel;
  char bad[80];
  inspect_selection_all(&sel);
  for (size_t i = 0; i < sel.num; i++) {
    cr_assert(strstr(sel.items[i].label, "mtls") == NULL, "%s is not a default profile", sel.items[i].label);
  }
  cr_assert_not(inspect_profile_is_default(inspect_profile_find("alb-mtls")));
  cr_assert_not(inspect_profile_is_default(inspect_profile_find("apigateway-mtls")));
  cr_assert_eq(inspect_selection_parse("alb-mtls:ignore-expiry,apigateway-mtls", &sel, bad, sizeof(bad)), INSPECT_OK);
  cr_assert_eq(sel.num, 2);
  cr_assert_eq(sel.items[0].options, 1u);
  cr_assert_eq(inspect_selection_parse("apigateway-mtls:ignore-expiry", &sel, bad, sizeof(bad)), INSPECT_EBAD_PROFILE);
  cr_assert_str_eq(bad, "apigateway-mtls:ignore-expiry");
}

Test(mtls, client_chain_findings_are_about_clients) {
  inspect_chain_t *chain = inspect_chain_new();
  inspect_trust_t *trust = inspect_trust_new(0);
  tp_chain("leaf-server inter", chain);
  tp_trust("root", trust);
  inspect_selection_t sel;
  char bad[80];
  cr_assert_eq(inspect_selection_parse("alb-mtls,apigateway-mtls", &sel, bad, sizeof(bad)), INSPECT_OK);
  inspect_input_t in = {.chain = chain, .trust = trust, .now = TP_NOW, .handshake = {.status = INSPECT_HS_NONE, .alert = -1}};
  inspect_report_t *report = NULL;
  cr_assert_eq(inspect_report_new(&in, &sel, &report), INSPECT_OK);
  int bad_eku = 0;
  for (size_t i = 0; i < inspect_report_num_findings(report); i++) {
    const inspect_finding_t *f = inspect_report_get0_finding(report, i);
    cr_assert(strcmp(f->code, "NO_SAN") != 0 && strcmp(f->code, "LONG_VALIDITY") != 0,
              "no server-only finding for a client chain: %s", f->code);
    if (strcmp(f->code, "BAD_EKU") == 0) {
      bad_eku = 1;
      cr_assert(strstr(f->detail, "clientAuth") != NULL, "%s", f->detail);
    }
  }
  cr_assert(bad_eku);
  cr_assert_eq(inspect_report_num_rejects(report), 2);
  const char *summary = inspect_report_get0_summary(report);
  cr_assert(strstr(summary, "alb-mtls (BAD_EKU)") != NULL, "%s", summary);
  inspect_report_free(report);
  inspect_trust_free(trust);
  inspect_chain_free(chain);
}

Test(mtls, reason_names) {
  cr_assert_str_eq(inspect_reason_name(INSPECT_REASON_CHAIN_TOO_LONG), "CHAIN_TOO_LONG");
  cr_assert_str_eq(inspect_reason_name(INSPECT_REASON_UNSUPPORTED_CERT), "UNSUPPORTED_CERT");
  cr_assert_eq(inspect_reason_from_name("CHAIN_TOO_LONG"), INSPECT_REASON_CHAIN_TOO_LONG);
  // The existing codes keep their numbers.
  cr_assert_eq(INSPECT_REASON_TIMEOUT, INSPECT_REASON_CHAIN_TOO_LONG - 1);
}
