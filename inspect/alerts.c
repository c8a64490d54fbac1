// TLS alert names: the IANA name (the one name tlsmirror itself uses; Java
// prints it too) and OpenSSL's text (curl, Python and Node print it; NULL
// where OpenSSL has none of its own).

#include "inspect/inspect_internal.h"

typedef struct {
  int number;
  const char *name;
  const char *openssl;
} alert_t;

static const alert_t kAlerts[] = {
    {0, "close_notify", "ssl/tls alert close notify"},
    {10, "unexpected_message", "sslv3 alert unexpected message"},
    {20, "bad_record_mac", "sslv3 alert bad record mac"},
    {21, "decryption_failed", NULL},
    {22, "record_overflow", "tlsv1 alert record overflow"},
    {30, "decompression_failure", NULL},
    {40, "handshake_failure", "sslv3 alert handshake failure"},
    {41, "no_certificate", NULL},
    {42, "bad_certificate", "sslv3 alert bad certificate"},
    {43, "unsupported_certificate", "sslv3 alert unsupported certificate"},
    {44, "certificate_revoked", "sslv3 alert certificate revoked"},
    {45, "certificate_expired", "sslv3 alert certificate expired"},
    {46, "certificate_unknown", "sslv3 alert certificate unknown"},
    {47, "illegal_parameter", "sslv3 alert illegal parameter"},
    {48, "unknown_ca", "tlsv1 alert unknown ca"},
    {49, "access_denied", "tlsv1 alert access denied"},
    {50, "decode_error", "tlsv1 alert decode error"},
    {51, "decrypt_error", "tlsv1 alert decrypt error"},
    {60, "export_restriction", NULL},
    {70, "protocol_version", "tlsv1 alert protocol version"},
    {71, "insufficient_security", "tlsv1 alert insufficient security"},
    {80, "internal_error", "tlsv1 alert internal error"},
    {86, "inappropriate_fallback", "tlsv1 alert inappropriate fallback"},
    {90, "user_canceled", "tlsv1 alert user cancelled"},
    {100, "no_renegotiation", NULL},
    {109, "missing_extension", "tlsv13 alert missing extension"},
    {110, "unsupported_extension", "tlsv1 alert unsupported extension"},
    {111, "certificate_unobtainable", NULL},
    {112, "unrecognized_name", "tlsv1 unrecognized name"},
    {113, "bad_certificate_status_response", "tlsv1 bad certificate status response"},
    {114, "bad_certificate_hash_value", NULL},
    {115, "unknown_psk_identity", "tlsv1 alert unknown psk identity"},
    {116, "certificate_required", "tlsv13 alert certificate required"},
    {120, "no_application_protocol", "tlsv1 alert no application protocol"},
    {121, "ech_required", NULL},
};

static const alert_t *find(int number) {
  for (size_t i = 0; i < sizeof(kAlerts) / sizeof(kAlerts[0]); i++) {
    if (kAlerts[i].number == number) {
      return &kAlerts[i];
    }
  }
  return NULL;
}

const char *inspect_alert_name(int alert) {
  const alert_t *a = find(alert);
  return a != NULL ? a->name : "unknown_alert";
}

const char *inspect__alert_openssl_text(int alert) {
  const alert_t *a = find(alert);
  return a != NULL && a->openssl != NULL ? a->openssl : "unknown alert";
}
