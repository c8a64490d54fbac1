// java: JDK 17 JSSE with the PKIX trust manager and HTTPS endpoint
// identification (HttpClient, HttpsURLConnection, Spring, Apache HttpClient).

#include "inspect/inspect_internal.h"

static const inspect_hs_words_t kHandshake = {
    .alert = "Received fatal alert: {alert}",
    .closed = "Remote host terminated the handshake",
    .protocol = "No appropriate protocol (protocol is disabled or cipher suites are inappropriate)",
    .connect_failed = "Connection refused ({detail})",
    .timeout = "Read timed out ({detail})",
    .no_certificate = "Empty server certificate chain",
    .effect = "Java clients throw javax.net.ssl.SSLHandshakeException before any HTTP request is sent.",
};

// J2: HostnameChecker, after PKIX validation.
static inspect_reason_t check_hostname(inspect_ctx_t *ctx, const inspect_path_t *path) {
  (void)path;
  return inspect__jdk_hostname(ctx) != NULL ? INSPECT_REASON_HOSTNAME_MISMATCH : INSPECT_REASON_OK;
}

static const char *say_hostname(const inspect_rule_failure_t *f) { return inspect__jdk_hostname(f->ctx); }

static const char *say_effect(const inspect_rule_failure_t *f) {
  return inspect__arena_printf(f->ctx->arena,
                               "Java clients (HttpClient, Apache HttpClient, Spring) throw "
                               "javax.net.ssl.SSLHandshakeException: %s",
                               f->message);
}

static const inspect_rule_t kRules[] = {
    INSPECT_RULE_HANDSHAKE("G1"),
    {.id = "J1", .check = inspect__check_jdk_pkix, .say = inspect__say_jdk_pkix},
    {.id = "J2", .check = check_hostname, .say = say_hostname},
    INSPECT_RULE_LATE_ALERT("G2"),
};

static const inspect_rules_words_t kWords = {
    .handshake = &kHandshake,
    .say_effect = say_effect,
    .accept = "Java clients (HttpClient, Apache HttpClient, Spring) connect.",
    .sni_fix =
        "connect by the host name {name}, or set SSLParameters.setServerNames(List.of(new "
        "SNIHostName(\"{name}\"))): Java sends no SNI to an IP address",
};

const inspect_profile_t inspect_profile_java = {
    .id = "java",
    .platform = "JDK 17 JSSE, PKIX (HttpClient, Apache HttpClient, Spring)",
    .is_default = 1,
    INSPECT_PROFILE_TABLE(kRules, kWords),
};
