// Causes (rule G3): when a failed handshake depends on one parameter, name it. The
// caller made one more handshake with that parameter changed
// (inspect_input_t.with_sni); if that one completes, the parameter is the
// cause. Today the parameter is SNI: an SNI-only origin refuses a client that
// sends none, and each platform's fix is its own (Akamai: "Use SNI TLS
// Extension"), while platforms that always send SNI are not affected at all.

#include <string.h>

#include "inspect/inspect_internal.h"

int inspect__cause_no_sni(const inspect_input_t *in) {
  const inspect_retry_t *retry = in->with_sni;
  if (retry == NULL || retry->sni == NULL || in->sni_sent) {
    return 0;
  }
  switch (in->handshake.status) {
    case INSPECT_HS_ALERT:
    case INSPECT_HS_CLOSED:
    case INSPECT_HS_PROTOCOL: break;
    default: return 0;
  }
  return retry->handshake.status == INSPECT_HS_OK;
}

static int always_sends_sni(const inspect_profile_t *profile) {
  const inspect_hello_spec_t *spec = inspect_profile_hello(profile);
  return spec != NULL && spec->sni == INSPECT_SNI_ALWAYS;
}

const inspect_input_t *inspect__input_for(const inspect_input_t *in, const inspect_profile_t *profile,
                                          inspect_input_t *alt) {
  if (!always_sends_sni(profile) || !inspect__cause_no_sni(in)) {
    return in;
  }
  *alt = *in;
  alt->chain = in->with_sni->chain;
  alt->sni_sent = 1;
  alt->handshake = in->with_sni->handshake;
  alt->with_sni = NULL;
  if (alt->name == NULL) {
    alt->name = in->with_sni->sni;
  }
  return alt;
}

// fill replaces every "{name}" of `tmpl` with `name`.
static const char *fill(inspect_ctx_t *ctx, const char *tmpl, const char *name) {
  inspect_buf_t buf;
  inspect_buf_init(&buf, 1 << 16);
  for (const char *p = tmpl; *p != '\0';) {
    const char *at = strstr(p, "{name}");
    if (at == NULL) {
      inspect_buf_puts(&buf, p);
      break;
    }
    inspect_buf_append(&buf, p, (size_t)(at - p));
    inspect_buf_puts(&buf, name);
    p = at + strlen("{name}");
  }
  const char *out = inspect__arena_strdup(ctx->arena, buf.data != NULL ? buf.data : "");
  inspect_buf_cleanup(&buf);
  return out;
}

const char *inspect__cause_fix(inspect_ctx_t *ctx, const inspect_profile_t *profile, const inspect_verdict_t *v) {
  if (v->accept || !inspect__cause_no_sni(ctx->in) || always_sends_sni(profile) || profile->words == NULL ||
      profile->words->sni_fix == NULL) {
    return NULL;
  }
  return fill(ctx, profile->words->sni_fix, ctx->in->with_sni->sni);
}

// refusal says how the handshake without SNI failed.
static const char *refusal(inspect_ctx_t *ctx) {
  const inspect_handshake_t *hs = &ctx->in->handshake;
  switch (hs->status) {
    case INSPECT_HS_ALERT: return inspect__arena_printf(ctx->arena, "a fatal %s alert", inspect_alert_name(hs->alert));
    case INSPECT_HS_CLOSED: return "a closed connection";
    default: return "no common protocol";
  }
}

const char *inspect__cause_detail(inspect_ctx_t *ctx) {
  return inspect__arena_printf(ctx->arena,
                               "the origin refuses handshakes without SNI (%s) and completes them with SNI %s: "
                               "the client sent none",
                               refusal(ctx), ctx->in->with_sni->sni);
}

const char *inspect__cause_summary(inspect_ctx_t *ctx, const inspect_verdict_t *verdicts,
                                   const inspect_profile_t *const *profiles, size_t num, const char *summary) {
  inspect_buf_t fixes, spared;
  inspect_buf_init(&fixes, 1 << 16);
  inspect_buf_init(&spared, 1 << 16);
  size_t num_spared = 0;
  for (size_t i = 0; i < num; i++) {
    if (always_sends_sni(profiles[i])) {
      inspect_buf_printf(&spared, "%s%s", num_spared++ ? " and " : "", verdicts[i].profile);
    } else if (verdicts[i].fix != NULL) {
      inspect_buf_printf(&fixes, " %s: %s.", verdicts[i].profile, verdicts[i].fix);
    }
  }
  const char *out = inspect__arena_printf(
      ctx->arena,
      "The origin refuses handshakes without SNI (%s) and works with SNI %s; the client sent none.%s%s%s%s %s",
      refusal(ctx), ctx->in->with_sni->sni, fixes.len ? " Fixes:" : "", fixes.data != NULL ? fixes.data : "",
      num_spared ? " " : "",
      num_spared ? inspect__arena_printf(ctx->arena, "%s always send%s SNI to origins and %s not affected.",
                                         spared.data != NULL ? spared.data : "", num_spared == 1 ? "s" : "",
                                         num_spared == 1 ? "is" : "are")
                 : "",
      summary);
  inspect_buf_cleanup(&fixes);
  inspect_buf_cleanup(&spared);
  return out;
}
