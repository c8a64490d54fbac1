// java: JDK 17 JSSE with the PKIX trust manager and HTTPS endpoint
// identification (HttpClient, HttpsURLConnection, Spring, Apache HttpClient).

#include "inspect/inspect_internal.h"

static const inspect_hs_words_t kWords = {
    .alert = "Received fatal alert: {alert}",
    .closed = "Remote host terminated the handshake",
    .protocol = "No appropriate protocol (protocol is disabled or cipher suites are inappropriate)",
    .connect_failed = "Connection refused ({detail})",
    .timeout = "Read timed out ({detail})",
    .no_certificate = "Empty server certificate chain",
    .effect = "Java clients throw javax.net.ssl.SSLHandshakeException before any HTTP request is sent.",
};

static void judge(inspect_ctx_t *ctx, unsigned options, inspect_verdict_t *out) {
  (void)options;
  if (inspect__judge_handshake(ctx, &kWords, out)) {
    return;
  }
  inspect_reason_t reason;
  const char *msg = inspect__jdk_verify(ctx, &reason);
  if (msg == NULL) {
    msg = inspect__jdk_hostname(ctx);
    reason = INSPECT_REASON_HOSTNAME_MISMATCH;
  }
  if (msg != NULL) {
    inspect__verdict_reject(ctx, out, reason, msg,
                            inspect__arena_printf(ctx->arena,
                                                  "Java clients (HttpClient, Apache HttpClient, Spring) throw "
                                                  "javax.net.ssl.SSLHandshakeException: %s",
                                                  msg));
    return;
  }
  if (inspect__judge_post_handshake_alert(ctx, &kWords, out)) {
    return;
  }
  inspect__verdict_accept(ctx, out, "Java clients (HttpClient, Apache HttpClient, Spring) connect.");
}

const inspect_profile_t inspect_profile_java = {
    .id = "java",
    .platform = "JDK 17 JSSE, PKIX (HttpClient, Apache HttpClient, Spring)",
    .is_default = 1,
    .judge = judge,
};
