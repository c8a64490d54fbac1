// The connection's record: one line of JSON (ECS field names where ECS has
// them) written when every handle has closed. It is a function of a
// read-only view of the connection, so tests can render any state.

#include <stdio.h>
#include <string.h>

#include "proxy/conn_internal.h"

static void json_key(inspect_buf_t *out, int *first, const char *key) {
  inspect_buf_printf(out, "%s\"%s\":", *first ? "" : ",", key);
  *first = 0;
}

static const char *ecs_version(const char *v) {
  // ECS wants "1.3" with tls.version_protocol "tls".
  if (strncmp(v, "TLSv", 4) == 0) {
    return v + 4;
  }
  return v;
}

static void json_alert(inspect_buf_t *out, int alert) {
  if (alert < 0) {
    inspect_buf_puts(out, "null");
    return;
  }
  inspect_buf_printf(out, "{\"number\":%d,\"name\":", alert);
  inspect_buf_json_string(out, tls_alert_name(alert));
  inspect_buf_puts(out, "}");
}

// record_chain appends ECS's certificate_chain (PEM, as sent), hash and x509
// members for `chain` (the caller opens and closes the object).
static void record_chain(inspect_buf_t *out, const inspect_chain_t *chain) {
  inspect_buf_puts(out, "\"certificate_chain\":[");
  for (size_t i = 0; i < inspect_chain_num(chain); i++) {
    const inspect_cert_info_t *c = inspect_cert_get0_info(inspect_chain_get0(chain, i));
    inspect_buf_t pem;
    inspect_buf_init(&pem, 1 << 20);
    if (inspect_pem_append_cert(&pem, c->der, c->der_len) != INSPECT_OK) {
      out->failed = 1;  // the record is dropped whole rather than written without a certificate
    }
    inspect_buf_puts(out, i ? "," : "");
    inspect_buf_json_string(out, pem.data != NULL ? pem.data : "");
    inspect_buf_cleanup(&pem);
  }
  inspect_buf_puts(out, "]");
  if (inspect_chain_num(chain) == 0) {
    return;
  }
  const inspect_cert_info_t *leaf = inspect_cert_get0_info(inspect_chain_get0(chain, 0));
  char nb[INSPECT_TIME_STR_LEN], na[INSPECT_TIME_STR_LEN];
  inspect_time_format_rfc3339(leaf->not_before, nb);
  inspect_time_format_rfc3339(leaf->not_after, na);
  inspect_buf_puts(out, ",\"hash\":{\"sha256\":\"");
  for (size_t i = 0; i < 64; i++) {
    char ch = leaf->sha256_hex[i];
    inspect_buf_printf(out, "%c", ch >= 'a' ? ch - 32 : ch);  // ECS shows hashes upper case
  }
  inspect_buf_puts(out, "\"},\"x509\":{\"subject\":{\"distinguished_name\":");
  inspect_buf_json_string(out, leaf->subject);
  inspect_buf_puts(out, "},\"issuer\":{\"distinguished_name\":");
  inspect_buf_json_string(out, leaf->issuer);
  inspect_buf_printf(out, "},\"not_before\":\"%s\",\"not_after\":\"%s\",\"serial_number\":", nb, na);
  inspect_buf_json_string(out, leaf->serial_hex);
  inspect_buf_puts(out, ",\"alternative_names\":[");
  for (size_t i = 0; i < leaf->num_dns_names; i++) {
    inspect_buf_puts(out, i ? "," : "");
    inspect_buf_json_string(out, leaf->dns_names[i]);
  }
  for (size_t i = 0; i < leaf->num_ip_addrs; i++) {
    inspect_buf_puts(out, i || leaf->num_dns_names ? "," : "");
    inspect_buf_json_string(out, leaf->ip_addrs[i]);
  }
  inspect_buf_puts(out, "]}");
}

static int origin_has_result(const conn_origin_t *origin) { return origin->state >= ORIGIN_ESTABLISHED; }

static const char *rejected_by(const proxy_record_view_t *v, const char **summary_out, inspect_buf_t *scratch);

// likely_kind ranks an unmirrorable suite or group by how likely it is what
// the origin wanted: FFDHE groups (0) and DHE suites (1), the key exchanges
// BoringSSL lacks, before the rest (2: CBC-SHA256 variants of suites
// tlsmirror did offer, x448...).
static int likely_kind(const char *name, int group) {
  if (name != NULL && group && strncmp(name, "ffdhe", 5) == 0) {
    return 0;
  }
  return name != NULL && !group && strstr(name, "_DHE_") != NULL ? 1 : 2;
}

// unmirrorable_names appends the suites and groups of the client's offer that
// tlsmirror could not offer upstream, by IANA name, other key exchanges
// first, at most `max` of them, then how many more; it returns how many
// there are.
static size_t unmirrorable_names(inspect_buf_t *out, const tls_hello_missing_t *m, size_t max) {
  size_t n = 0;
  for (int kind = 0; kind < 3; kind++) {
    for (size_t i = 0; i < m->num_ciphers + m->num_groups; i++) {
      int group = i >= m->num_ciphers;
      uint16_t v = group ? m->groups[i - m->num_ciphers] : m->ciphers[i];
      const char *name = group ? tls_group_name(v) : tls_cipher_name(v);
      if (likely_kind(name, group) != kind) {
        continue;
      }
      if (n < max) {
        inspect_buf_puts(out, n ? ", " : "");
        if (name != NULL) {
          inspect_buf_puts(out, name);
        } else {
          inspect_buf_printf(out, group ? "group 0x%04x" : "suite 0x%04x", v);
        }
      }
      n++;
    }
  }
  if (n > max) {
    inspect_buf_printf(out, " and %zu more (tlsmirror.client.unmirrorable)", n - max);
  }
  return n;
}

// tlsmirror_limit says, when the origin refused everything tlsmirror could
// offer while the client had offered suites or groups BoringSSL cannot
// speak, that this is tlsmirror's own limit, not the origin's or the
// client's. It returns 0 when that is not the case.
static int tlsmirror_limit(const proxy_record_view_t *v, inspect_buf_t *scratch) {
  const conn_origin_t *origin = v->origin;
  const tls_hello_missing_t *m = &v->hello->unmirrorable;
  // Without SNI an SNI-only origin refuses with the same handshake_failure:
  // unless a replay of the client's own ClientHello says otherwise, that is
  // not taken for a matter of suites or groups.
  if (v->hello->offered_as != NULL || (!v->hello->has_sni && origin->replay == NULL) ||
      origin->state != ORIGIN_FAILED || m->num_ciphers + m->num_groups == 0 ||
      (origin->hs.status != INSPECT_HS_ALERT && origin->hs.status != INSPECT_HS_PROTOCOL)) {
    return 0;
  }
  int alert = origin->hs.status == INSPECT_HS_ALERT ? origin->hs.alert : -1;
  if (alert >= 0 && alert != SSL_AD_HANDSHAKE_FAILURE && alert != SSL_AD_INSUFFICIENT_SECURITY &&
      alert != SSL_AD_ILLEGAL_PARAMETER) {
    return 0;  // e.g. unrecognized_name or certificate_required: the origin's own reason
  }
  const tls_offer_result_t *replay = origin->replay;
  if (replay != NULL && replay->outcome != TLS_OFFER_ACCEPTED && replay->outcome != TLS_OFFER_RETRY) {
    return 0;  // the client's own ClientHello is refused too (or got no answer): not tlsmirror's limit
  }
  if (replay != NULL) {
    // Confirmed: the origin answers the client's own ClientHello.
    const char *group = tls_group_name(replay->group), *cipher = tls_cipher_name(replay->cipher);
    int asks_group = replay->outcome == TLS_OFFER_RETRY || (group != NULL && strncmp(group, "ffdhe", 5) == 0);
    inspect_buf_printf(scratch,
                       "The origin refused everything tlsmirror could offer (%s), yet it accepts the client's own "
                       "ClientHello: it %s %s, which tlsmirror's TLS library (BoringSSL) cannot speak, so this is "
                       "tlsmirror's limit, not the origin's or the client's.",
                       alert >= 0 ? tls_alert_name(alert) : "no common parameters",
                       asks_group ? "asks for the group" : "chooses",
                       asks_group ? (group ? group : "?") : (cipher ? cipher : "?"));
    return 1;
  }
  inspect_buf_printf(scratch, "The origin refused everything tlsmirror could offer (%s); the client also offered ",
                     alert >= 0 ? tls_alert_name(alert) : "no common parameters");
  unmirrorable_names(scratch, m, 8);
  inspect_buf_puts(scratch,
                   ", which the origin would probably have accepted, but tlsmirror's TLS library (BoringSSL) cannot "
                   "speak them, so this is tlsmirror's limit, not the origin's or the client's.");
  return 1;
}

const char *proxy_record_rejected_by(const proxy_record_view_t *v, const char **summary_out, inspect_buf_t *scratch) {
  const char *who = rejected_by(v, summary_out, scratch);
  if (v->hello->has_sni && !inspect_name_is_valid(v->hello->sni)) {
    // Say it first: no certificate can match such a name, whoever closed.
    inspect_buf_t said;
    inspect_buf_init(&said, 1 << 16);
    inspect_buf_puts(&said, "The client's SNI ");
    inspect_buf_json_string(&said, v->hello->sni);
    inspect_buf_printf(&said, " is not a valid host name: no certificate can match it. %s", *summary_out);
    inspect_buf_reset(scratch);
    inspect_buf_append(scratch, said.data, said.len);
    inspect_buf_cleanup(&said);
    *summary_out = scratch->data != NULL ? scratch->data : "";
  }
  return who;
}

static const char *rejected_by(const proxy_record_view_t *v, const char **summary_out, inspect_buf_t *scratch) {
  const conn_client_t *client = v->client;
  const conn_origin_t *origin = v->origin;
  const inspect_report_t *r = origin->report;
  const char *verdict_summary = r != NULL ? inspect_report_get0_summary(r) : "";
  switch (client->state) {
    case CLIENT_PLAIN_HTTP:
      *summary_out = "The client spoke plain HTTP to the TLS port and got 400 Bad Request.";
      return "client";
    case CLIENT_AWAIT_HELLO:
    case CLIENT_REFUSED:
      // No ClientHello came: nothing was mirrored, judged or served.
      if (client->hello_refused != NULL) {
        inspect_buf_printf(scratch, "The client's ClientHello was refused (%s): %s.",
                           v->client_tls_error[0] != '\0' ? v->client_tls_error : "malformed", client->hello_refused);
        *summary_out = scratch->data;
      } else if (v->client_tls_error[0] != '\0') {
        inspect_buf_printf(scratch, "The client's first bytes were not a TLS ClientHello (%s).", v->client_tls_error);
        *summary_out = scratch->data;
      } else if (v->close_reason != NULL) {
        inspect_buf_printf(scratch, "No ClientHello: %s.", v->close_reason);
        *summary_out = scratch->data;
      } else {
        *summary_out = "The client closed the connection before sending a ClientHello (a port check or health probe?).";
      }
      return "client";
    default: break;
  }
  if (client->rejected != NULL && v->answer == ANSWER_FORBIDDEN) {
    inspect_buf_printf(scratch,
                       "API Gateway (mutual TLS) refuses the client certificate: the caller gets 403 "
                       "{\"message\":\"Forbidden\"}; the execution log says '%s' (%s).",
                       client->rejected->message, inspect_reason_name(client->rejected->reason));
    *summary_out = scratch->data;
    return client->rejected->profile;
  }
  if (client->rejected != NULL) {
    inspect_buf_printf(scratch, "ALB (verify mode) refuses the client certificate: tls_verify_status %s (%s).",
                       client->rejected->message, inspect_reason_name(client->rejected->reason));
    *summary_out = scratch->data;
    return client->rejected->profile;
  }
  if (origin->enforced != NULL) {
    inspect_buf_printf(scratch, "%s rejects the origin (%s): %s", origin->enforced->profile,
                       inspect_reason_name(origin->enforced->reason), origin->enforced->effect);
    *summary_out = scratch->data;
    return origin->enforced->profile;
  }
  if (origin->state == ORIGIN_OWN_LIMIT) {
    conn_origin_own_limit_summary(origin, scratch);
    *summary_out = scratch->data;
    return "tlsmirror";
  }
  if (origin->state == ORIGIN_CUT_SHORT) {
    inspect_buf_printf(scratch,
                       "The origin closed the connection in the middle of a response: the client got it cut short "
                       "(HTTP %d). %s",
                       v->http->status, verdict_summary);
    *summary_out = scratch->data;
    return "origin";
  }
  if (tlsmirror_limit(v, scratch)) {
    *summary_out = scratch->data;
    return "tlsmirror";
  }
  if (origin_has_result(origin) && (origin->state == ORIGIN_FAILED || origin->hs.alert >= 0)) {
    inspect_buf_printf(scratch,
                       conn_origin_sni_is_cause(origin) ? "%.0s%s" : "The origin failed the connection (%s); %s",
                       origin->detail[0] ? origin->detail : tls_alert_name(origin->hs.alert), verdict_summary);
    *summary_out = scratch->data;
    return "origin";
  }
  if (origin->state == ORIGIN_ESTABLISHED && client->state != CLIENT_ESTABLISHED) {
    if (v->client_alert_received >= 0) {
      inspect_buf_printf(scratch, "The client rejected the (mirrored) origin certificate with a fatal %s alert. %s",
                         tls_alert_name(v->client_alert_received), verdict_summary);
    } else {
      inspect_buf_printf(scratch, "The client closed the connection during the handshake without an alert. %s",
                         verdict_summary);
    }
    *summary_out = scratch->data;
    return "client";
  }
  if (client->state == CLIENT_ESTABLISHED && v->http->requests == 0 && v->bytes_to_origin == 0 &&
      v->answer == ANSWER_NONE && origin->hs.status == INSPECT_HS_OK && v->close_reason == NULL) {
    inspect_buf_printf(scratch,
                       "The client completed the handshake, then closed without a request: it most likely rejected "
                       "the certificate after the handshake (curl and Node check the host name then). %s",
                       verdict_summary);
    *summary_out = scratch->data;
    return "client";
  }
  if (r != NULL && inspect_report_num_rejects(r) > 0) {
    *summary_out = verdict_summary;
    for (size_t i = 0; i < inspect_report_num_verdicts(r); i++) {
      const inspect_verdict_t *verdict = inspect_report_get0_verdict(r, i);
      if (!verdict->accept) {
        return verdict->profile;  // this client passed; that platform would not
      }
    }
  }
  *summary_out = verdict_summary[0] ? verdict_summary : "The connection was relayed.";
  return "none";
}

static const char *served_name(conn_serve_t serve) {
  switch (serve) {
    case SERVE_ALERT: return "alert";
    case SERVE_MIRROR: return "mirror";
    case SERVE_STANDIN: return "stand-in";
    case SERVE_FIXED: return "fixed";
    case SERVE_NOTHING: break;
  }
  return "nothing";
}

// record_tls appends tls.*: the client's side, then the origin's chain.
static void record_tls(inspect_buf_t *out, const proxy_record_view_t *v) {
  const conn_client_t *client = v->client;
  const conn_hello_t *hello = v->hello;
  int first = 1;
  inspect_buf_puts(out, ",\"tls\":{");
  if (client->version[0] != '\0') {
    json_key(out, &first, "version");
    inspect_buf_json_string(out, ecs_version(client->version));
    json_key(out, &first, "version_protocol");
    inspect_buf_puts(out, "\"tls\"");
    json_key(out, &first, "cipher");
    inspect_buf_json_string(out, client->cipher);
  }
  json_key(out, &first, "established");
  inspect_buf_puts(out, client->state == CLIENT_ESTABLISHED ? "true" : "false");
  if (client->alpn[0] != '\0') {
    json_key(out, &first, "next_protocol");
    inspect_buf_json_string(out, client->alpn);
  }
  json_key(out, &first, "client");
  inspect_buf_puts(out, "{");
  if (hello->has_sni) {
    inspect_buf_puts(out, "\"server_name\":");
    inspect_buf_json_string(out, hello->sni);
    inspect_buf_puts(out, ",");
  }
  if (hello->json.len > 0) {
    inspect_buf_append(out, hello->json.data, hello->json.len);
    inspect_buf_puts(out, ",");
  }
  if (inspect_chain_num(client->chain) > 0) {
    record_chain(out, client->chain);
    inspect_buf_puts(out, ",");
  }
  inspect_buf_printf(out, "\"sni_sent\":%s}", hello->has_sni ? "true" : "false");
  if (origin_has_result(v->origin)) {
    inspect_buf_puts(out, ",\"server\":{");
    record_chain(out, v->origin->chain);
    inspect_buf_puts(out, "}");
  }
  inspect_buf_puts(out, "}");
}

// record_http appends http.*, url.* and user_agent.* for the first request.
static void record_http(inspect_buf_t *out, const proxy_http_t *http) {
  if (http->requests == 0 && http->status == 0) {
    return;
  }
  int first = 1;
  inspect_buf_puts(out, ",\"http\":{\"request\":{");
  if (http->method[0] != '\0') {
    json_key(out, &first, "method");
    inspect_buf_json_string(out, http->method);
  }
  if (http->headers_json.len > 0) {
    json_key(out, &first, "headers");
    inspect_buf_printf(out, "{%s}", http->headers_json.data);
  }
  inspect_buf_printf(out, "},\"requests\":%u,\"responses\":%u", http->requests, http->responses);
  if (http->raw_reason != NULL) {
    inspect_buf_puts(out, ",\"relayed_unread\":");  // why tlsmirror stopped reading the requests
    inspect_buf_json_string(out, http->raw_reason);
  }
  if (http->status != 0) {
    inspect_buf_printf(out, ",\"response\":{\"status_code\":%d}", http->status);
  }
  inspect_buf_puts(out, "}");
  if (http->path[0] != '\0') {
    inspect_buf_puts(out, ",\"url\":{\"original\":");
    inspect_buf_json_string(out, http->path);
    const char *q = strchr(http->path, '?');
    inspect_buf_puts(out, ",\"path\":");
    inspect_buf_json_string_len(out, http->path, q != NULL ? (size_t)(q - http->path) : strlen(http->path));
    inspect_buf_puts(out, "}");
  }
  if (http->user_agent[0] != '\0') {
    inspect_buf_puts(out, ",\"user_agent\":{\"original\":");
    inspect_buf_json_string(out, http->user_agent);
    inspect_buf_puts(out, "}");
  }
}

static void json_iana(inspect_buf_t *out, const char *name, uint16_t value) {
  if (name != NULL) {
    inspect_buf_json_string(out, name);
  } else {
    inspect_buf_printf(out, "\"0x%04x\"", value);
  }
}

// json_group_sigalg appends the key exchange group and the handshake
// signature algorithm, by IANA name (hex when unnamed), when known.
static void json_group_sigalg(inspect_buf_t *out, int *first, uint16_t group, uint16_t sigalg) {
  if (group != 0) {
    json_key(out, first, "group");
    json_iana(out, tls_group_name(group), group);
  }
  if (sigalg != 0) {
    json_key(out, first, "signature_algorithm");
    json_iana(out, tls_sigalg_name(sigalg), sigalg);
  }
}

// record_unmirrorable appends tlsmirror.client.unmirrorable: what the client
// offered that tlsmirror could not offer the origin, by IANA name.
static void record_unmirrorable(inspect_buf_t *out, int *first, const tls_hello_missing_t *m) {
  if (m->num_ciphers + m->num_groups + m->num_sigalgs == 0 && !m->versions) {
    return;
  }
  json_key(out, first, "unmirrorable");
  inspect_buf_puts(out, "{\"ciphers\":[");
  for (size_t i = 0; i < m->num_ciphers; i++) {
    inspect_buf_puts(out, i ? "," : "");
    json_iana(out, tls_cipher_name(m->ciphers[i]), m->ciphers[i]);
  }
  inspect_buf_puts(out, "],\"groups\":[");
  for (size_t i = 0; i < m->num_groups; i++) {
    inspect_buf_puts(out, i ? "," : "");
    json_iana(out, tls_group_name(m->groups[i]), m->groups[i]);
  }
  inspect_buf_puts(out, "],\"signature_algorithms\":[");
  for (size_t i = 0; i < m->num_sigalgs; i++) {
    inspect_buf_puts(out, i ? "," : "");
    json_iana(out, tls_sigalg_name(m->sigalgs[i]), m->sigalgs[i]);
  }
  inspect_buf_printf(out, "],\"versions\":%s}", m->versions ? "true" : "false");
}

// record_timeline appends tlsmirror.timeline: when each phase ended, in
// milliseconds after the connection was accepted.
static void record_timeline(inspect_buf_t *out, const proxy_record_view_t *v) {
  const struct {
    const char *name;
    uint64_t ns;
  } phases[] = {
      {"client_hello", v->t_client_hello},         {"origin_connected", v->t_origin_connected},
      {"origin_handshake", v->t_origin_handshake}, {"client_handshake", v->t_client_handshake},
      {"first_request", v->t_first_request},       {"closed", v->duration_ns},
  };
  inspect_buf_puts(out, "\"timeline\":{");
  int first = 1;
  for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
    if (phases[i].ns != 0) {
      json_key(out, &first, phases[i].name);
      inspect_buf_printf(out, "%.3f", (double)phases[i].ns / 1e6);
    }
  }
  inspect_buf_puts(out, "},");
}

// record_served appends tlsmirror.mirror: the chain the client was served.
static void record_served(inspect_buf_t *out, const proxy_record_view_t *v) {
  if (v->served_chain == NULL || v->served_chain_len == 0) {
    return;
  }
  inspect_buf_puts(out, ",\"mirror\":{\"certificate_chain\":[");
  inspect_buf_t pem;
  inspect_buf_init(&pem, 1 << 20);
  for (size_t i = 0; i < v->served_chain_len; i++) {
    inspect_buf_reset(&pem);
    if (inspect_pem_append_cert(&pem, CRYPTO_BUFFER_data(v->served_chain[i]), CRYPTO_BUFFER_len(v->served_chain[i])) !=
        INSPECT_OK) {
      out->failed = 1;
    }
    inspect_buf_puts(out, i ? "," : "");
    inspect_buf_json_string(out, pem.data != NULL ? pem.data : "");
  }
  inspect_buf_cleanup(&pem);
  inspect_buf_puts(out, "]}");
}

// record_origin appends tlsmirror.origin: how the origin's handshake went.
// record_replay appends tlsmirror.origin.replay: the origin's answer to the
// client's own ClientHello, replayed after it refused tlsmirror's offer.
static void record_replay(inspect_buf_t *out, const tls_offer_result_t *r) {
  static const char *const kOutcome[] = {"accepted", "retry",   "alert",         "closed",
                                         "not_tls",  "timeout", "connect_failed"};
  inspect_buf_printf(out, ",\"replay\":{\"outcome\":\"%s\"", kOutcome[r->outcome]);
  int first = 0;
  if (r->outcome == TLS_OFFER_ACCEPTED || r->outcome == TLS_OFFER_RETRY) {
    const char *version = tls_version_name(r->version);
    json_key(out, &first, "version");
    json_iana(out, version != NULL ? ecs_version(version) : NULL, r->version);
    json_key(out, &first, "cipher");
    json_iana(out, tls_cipher_name(r->cipher), r->cipher);
    json_group_sigalg(out, &first, r->group, 0);
  }
  json_key(out, &first, "alert");
  json_alert(out, r->alert);
  json_key(out, &first, "detail");
  inspect_buf_json_string(out, r->detail);
  inspect_buf_puts(out, "}");
}

static void record_origin(inspect_buf_t *out, const conn_origin_t *origin) {
  static const char *const kStatus[] = {"none", "ok", "alert", "closed", "protocol", "connect_failed", "timeout"};
  int first = 1;
  inspect_buf_puts(out, "\"origin\":{");
  if (origin_has_result(origin)) {
    json_key(out, &first, "handshake");
    inspect_buf_printf(out, "\"%s\"", kStatus[origin->hs.status]);
    if (origin->version[0] != '\0') {
      json_key(out, &first, "version");
      inspect_buf_json_string(out, ecs_version(origin->version));
      json_key(out, &first, "cipher");
      inspect_buf_json_string(out, origin->cipher);
    }
    if (origin->alpn[0] != '\0') {
      json_key(out, &first, "next_protocol");
      inspect_buf_json_string(out, origin->alpn);
    }
    json_group_sigalg(out, &first, origin->group, origin->sigalg);
    json_key(out, &first, "alert");
    json_alert(out, origin->hs.alert);
    if (origin->detail[0] != '\0') {
      json_key(out, &first, "detail");
      inspect_buf_json_string(out, origin->detail);
    }
    if (origin->replay != NULL) {
      record_replay(out, origin->replay);
    }
    conn_origin_record_sni(out, origin);
  }
  inspect_buf_puts(out, "}");
}

const char *proxy_record_render(const proxy_record_view_t *v, inspect_buf_t *out, inspect_buf_t *scratch,
                                const char **summary_out) {
  char ts[INSPECT_TIME_STR_LEN];
  inspect_time_format_rfc3339(v->start_ms / 1000, ts);
  ts[19] = '\0';  // drop the Z to add milliseconds
  const char *summary;
  const char *who = proxy_record_rejected_by(v, &summary, scratch);
  inspect_buf_printf(out, "{\"@timestamp\":\"%s.%03lldZ\"", ts, (long long)(v->start_ms % 1000));
  inspect_buf_printf(out,
                     ",\"event\":{\"kind\":\"event\",\"category\":[\"network\"],\"dataset\":\"tlsmirror.connection\","
                     "\"duration\":%llu,\"outcome\":\"%s\"",
                     (unsigned long long)v->duration_ns, strcmp(who, "none") == 0 ? "success" : "failure");
  if (v->close_reason != NULL) {
    inspect_buf_puts(out, ",\"reason\":");
    inspect_buf_json_string(out, v->close_reason);
  }
  inspect_buf_puts(out, "},\"source\":{\"ip\":");
  inspect_buf_json_string(out, v->source_ip);
  inspect_buf_printf(out, ",\"port\":%u,\"bytes\":%llu}", v->source_port, (unsigned long long)v->bytes_to_origin);
  const conn_origin_t *origin = v->origin;
  if (origin->host[0] != '\0') {
    inspect_buf_puts(out, ",\"destination\":{\"address\":");
    inspect_buf_json_string(out, origin->host);
    if (origin->ip[0] != '\0') {
      inspect_buf_puts(out, ",\"ip\":");
      inspect_buf_json_string(out, origin->ip);
    }
    inspect_buf_printf(out, ",\"port\":%u,\"bytes\":%llu}", origin->port, (unsigned long long)v->bytes_to_client);
  }
  record_tls(out, v);
  if (v->h2 != NULL) {
    proxy_h2_json_ecs(v->h2, out);
  } else {
    record_http(out, v->http);
  }
  // tlsmirror.*: the origin handshake, the verdicts and who rejects.
  inspect_buf_puts(out, ",\"tlsmirror\":{");
  if (v->hello->extra.len > 0) {
    inspect_buf_puts(out, "\"client_hello\":{");
    inspect_buf_append(out, v->hello->extra.data, v->hello->extra.len);
    inspect_buf_puts(out, "},");
  }
  record_timeline(out, v);
  record_origin(out, origin);
  if (v->h2 != NULL) {
    proxy_h2_json_detail(v->h2, out);
  }
  inspect_buf_puts(out, ",\"client\":{");
  int first_client = 1;
  json_group_sigalg(out, &first_client, v->client->group, 0);
  if (v->hello->offered_as != NULL) {
    json_key(out, &first_client, "upstream_offer");  // the platform's ClientHello went upstream, not the client's
    inspect_buf_json_string(out, v->hello->offered_as);
  } else {
    record_unmirrorable(out, &first_client, &v->hello->unmirrorable);
  }
  inspect_buf_puts(out, first_client ? "\"alert_received\":" : ",\"alert_received\":");
  json_alert(out, v->client_alert_received);
  inspect_buf_puts(out, ",\"alert_sent\":");
  json_alert(out, v->client_alert_sent);
  inspect_buf_printf(out, ",\"served\":\"%s\"}", served_name(v->client->serve));
  record_served(out, v);
  conn_aia_render(v->aia, out);
  if (origin->report != NULL) {
    inspect_buf_puts(out, ",\"findings\":");
    inspect_json_findings(out, origin->report);
    inspect_buf_puts(out, ",\"verdicts\":");
    inspect_json_verdicts(out, origin->report);
  }
  const conn_client_t *client = v->client;
  if (client->report != NULL) {
    const inspect_verdict_t *alb = conn_mtls_alb_verdict(client->report);
    inspect_buf_printf(out, ",\"client_certificate\":{\"sent\":%s",
                       inspect_chain_num(client->chain) > 0 ? "true" : "false");
    if (alb != NULL) {
      inspect_buf_puts(out, ",\"tls_verify_status\":");
      inspect_buf_json_string(out, alb->accept ? "Success" : alb->message);
    }
    inspect_buf_puts(out, ",\"findings\":");
    inspect_json_findings(out, client->report);
    inspect_buf_puts(out, ",\"verdicts\":");
    inspect_json_verdicts(out, client->report);
    inspect_buf_puts(out, "}");
  }
  inspect_buf_puts(out, ",\"rejected_by\":");
  inspect_buf_json_string(out, who);
  inspect_buf_puts(out, ",\"summary\":");
  inspect_buf_json_string(out, summary);
  inspect_buf_puts(out, "}}\n");
  *summary_out = summary;
  return who;
}

// since returns how long after the connection's start `t` was, or 0.
static uint64_t since(const proxy_conn_t *conn, uint64_t t) { return t > conn->start_ns ? t - conn->start_ns : 0; }

// served_chain finds the chain the client was served. A mirrored chain is
// looked up again in the worker's mirror cache (the connection's borrowed
// copy may be stale by now): the same certificates unless it was evicted
// meanwhile, then a re-mint of the same shape.
static void served_chain(proxy_conn_t *conn, proxy_record_view_t *view) {
  const proxy_config_t *cfg = conn_cfg(conn);
  tls_identity_t id = {0};
  if (conn->client.serve == SERVE_FIXED && cfg->fixed != NULL) {
    id = *cfg->fixed;
  } else if (conn->client.serve == SERVE_MIRROR && conn->worker->mirror != NULL &&
             inspect_chain_num(conn->origin.chain) > 0 &&
             tls_mirror_chain(conn->worker->mirror, conn->origin.chain, cfg->trust, &id) != TLS_OK) {
    id.chain_len = 0;
  }
  view->served_chain = id.chain;
  view->served_chain_len = id.chain_len;
}

void conn_record(proxy_conn_t *conn) {
  if (conn_aia_record(conn)) {
    return;  // an AIA GET: a record of its own
  }
  proxy_server_t *server = conn->worker->server;
  proxy_record_view_t view = {
      .start_ms = conn->start_ms,
      .duration_ns = uv_hrtime() - conn->start_ns,
      .source_ip = conn->source_ip,
      .source_port = conn->source_port,
      .hello = &conn->hello,
      .client = &conn->client,
      .origin = &conn->origin,
      .http = &conn->http,
      .h2 = conn->h2,
      .aia = conn->aia,
      .answer = conn->answer,
      .close_reason = conn->close_reason,
      .bytes_to_origin = conn->bytes_to_origin,
      .bytes_to_client = conn->bytes_to_client,
      .client_alert_received = conn->client_sio.alert_received,
      .client_alert_sent = conn->client_sio.alert_sent,
      .client_tls_error = conn->client_sio.tls_error,
      .t_client_hello = since(conn, conn->client_sio.t_paused),
      .t_origin_connected = conn->origin.stream != STREAM_NONE ? since(conn, conn->upstream.t_start) : 0,
      .t_origin_handshake = conn->origin.stream != STREAM_NONE ? since(conn, conn->upstream.t_handshake) : 0,
      .t_client_handshake = since(conn, conn->client_sio.t_handshake),
      .t_first_request = since(conn, conn->client_sio.t_first_data),
  };
  served_chain(conn, &view);
  inspect_buf_t out, scratch;
  inspect_buf_init(&out, 16 << 20);
  inspect_buf_init(&scratch, 1 << 16);
  const char *summary;
  const char *who = proxy_record_render(&view, &out, &scratch, &summary);
  if (!out.failed && proxy_log_write(&server->log, out.data, out.len) == 0) {
    proxy_metrics_add(&server->metrics.records_total, 1);
    if (server->ui != NULL) {
      proxy_ui_push(server->ui, out.data, out.len);
    }
  }
  if (server->cfg->on_record != NULL) {
    server->cfg->on_record(server->cfg->arg, conn->hello.has_sni ? conn->hello.sni : NULL, who, summary,
                           conn->origin.report);
  }
  inspect_buf_cleanup(&out);
  inspect_buf_cleanup(&scratch);
}
