// JSON renderings of chains, findings and verdicts, shared by
// `inspect --json` and the proxy's log records.

#include "inspect/inspect_internal.h"

static void json_strings(inspect_buf_t *out, const char *const *items, size_t num) {
  inspect_buf_puts(out, "[");
  for (size_t i = 0; i < num; i++) {
    if (i) {
      inspect_buf_puts(out, ",");
    }
    inspect_buf_json_string(out, items[i]);
  }
  inspect_buf_puts(out, "]");
}

void inspect_json_cert(inspect_buf_t *out, const inspect_cert_t *cert, int index) {
  const inspect_cert_info_t *info = &cert->info;
  char nb[INSPECT_TIME_STR_LEN], na[INSPECT_TIME_STR_LEN];
  inspect_time_format_rfc3339(info->not_before, nb);
  inspect_time_format_rfc3339(info->not_after, na);
  inspect_buf_printf(out, "{\"index\":%d,\"subject\":", index);
  inspect_buf_json_string(out, info->subject);
  inspect_buf_puts(out, ",\"issuer\":");
  inspect_buf_json_string(out, info->issuer);
  inspect_buf_puts(out, ",\"dns_names\":");
  json_strings(out, info->dns_names, info->num_dns_names);
  inspect_buf_puts(out, ",\"ip_addresses\":");
  json_strings(out, info->ip_addrs, info->num_ip_addrs);
  inspect_buf_printf(out, ",\"not_before\":\"%s\",\"not_after\":\"%s\",\"key\":", nb, na);
  inspect_buf_json_string(out, info->key_desc);
  inspect_buf_puts(out, ",\"signature_algorithm\":");
  inspect_buf_json_string(out, info->sig_alg);
  inspect_buf_printf(out, ",\"sha256\":\"%s\",\"serial\":", info->sha256_hex);
  inspect_buf_json_string(out, info->serial_hex);
  inspect_buf_printf(out, ",\"is_ca\":%s,\"self_signed\":%s}", info->is_ca ? "true" : "false",
                     inspect_cert_is_self_signed(cert) ? "true" : "false");
}

void inspect_json_chain(inspect_buf_t *out, const inspect_chain_t *chain) {
  inspect_buf_puts(out, "[");
  for (size_t i = 0; i < inspect_chain_num(chain); i++) {
    if (i) {
      inspect_buf_puts(out, ",");
    }
    inspect_json_cert(out, inspect_chain_get0(chain, i), (int)i);
  }
  inspect_buf_puts(out, "]");
}

static const char *severity_name(inspect_severity_t severity) {
  switch (severity) {
    case INSPECT_SEVERITY_ERROR: return "error";
    case INSPECT_SEVERITY_WARNING: return "warning";
    case INSPECT_SEVERITY_INFO: break;
  }
  return "info";
}

void inspect_json_findings(inspect_buf_t *out, const inspect_report_t *report) {
  inspect_buf_puts(out, "[");
  for (size_t i = 0; i < inspect_report_num_findings(report); i++) {
    const inspect_finding_t *f = inspect_report_get0_finding(report, i);
    inspect_buf_puts(out, i ? ",{\"code\":" : "{\"code\":");
    inspect_buf_json_string(out, f->code);
    inspect_buf_printf(out, ",\"severity\":\"%s\",\"cert_index\":", severity_name(f->severity));
    if (f->cert_index >= 0) {
      inspect_buf_printf(out, "%d", f->cert_index);
    } else {
      inspect_buf_puts(out, "null");
    }
    inspect_buf_puts(out, ",\"detail\":");
    inspect_buf_json_string(out, f->detail);
    inspect_buf_puts(out, "}");
  }
  inspect_buf_puts(out, "]");
}

// json_verdict_handshake appends ,"handshake":{...}: the version, cipher
// and group the verdict's platform got, or how its handshake failed.
static void json_verdict_handshake(inspect_buf_t *out, const inspect_offer_t *h) {
  static const char *const kStatus[] = {"none", "ok", "alert", "closed", "protocol", "connect_failed", "timeout"};
  inspect_buf_printf(out, ",\"handshake\":{\"own\":%s,\"status\":\"%s\"", h->spec != NULL ? "true" : "false",
                     kStatus[h->handshake.status]);
  if (h->handshake.status == INSPECT_HS_OK) {
    inspect_buf_puts(out, ",\"version\":");
    inspect_buf_json_string(out, h->version_name);
    inspect_buf_puts(out, ",\"cipher\":");
    inspect_buf_json_string(out, h->cipher_name);
    inspect_buf_puts(out, ",\"group\":");
    inspect_buf_json_string(out, h->group_name);
  } else {
    inspect_buf_puts(out, ",\"alert\":");
    if (h->handshake.alert >= 0) {
      inspect_buf_json_string(out, inspect_alert_name(h->handshake.alert));
    } else {
      inspect_buf_puts(out, "null");
    }
    inspect_buf_puts(out, ",\"failure\":");
    inspect_buf_json_string(out, h->handshake.detail != NULL ? h->handshake.detail : "the handshake failed");
  }
  inspect_buf_puts(out, "}");
}

void inspect_json_verdicts(inspect_buf_t *out, const inspect_report_t *report) {
  inspect_buf_puts(out, "[");
  for (size_t i = 0; i < inspect_report_num_verdicts(report); i++) {
    const inspect_verdict_t *v = inspect_report_get0_verdict(report, i);
    inspect_buf_puts(out, i ? ",{\"profile\":" : "{\"profile\":");
    inspect_buf_json_string(out, v->profile);
    inspect_buf_puts(out, ",\"platform\":");
    inspect_buf_json_string(out, v->platform);
    inspect_buf_printf(out, ",\"accept\":%s,\"reason\":\"%s\",\"message\":", v->accept ? "true" : "false",
                       inspect_reason_name(v->reason));
    inspect_buf_json_string(out, v->message);
    inspect_buf_puts(out, ",\"effect\":");
    inspect_buf_json_string(out, v->effect);
    if (v->fix != NULL) {
      inspect_buf_puts(out, ",\"fix\":");
      inspect_buf_json_string(out, v->fix);
    }
    if (v->handshake != NULL) {
      json_verdict_handshake(out, v->handshake);
    }
    inspect_buf_puts(out, "}");
  }
  inspect_buf_puts(out, "]");
}
