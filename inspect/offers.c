// Each platform's own handshake (inspect_offer_t, rule G3): which input a profile is
// judged on when the caller sent that platform's ClientHello, and the words
// for a refusal: what the origin accepts (tlsmirror's own handshake) and
// which part of the platform's offer misses it.

#include <string.h>

#include "inspect/inspect_internal.h"

const inspect_offer_t *inspect__offer_of(const inspect_input_t *in, const inspect_profile_t *profile) {
  const inspect_hello_spec_t *spec = inspect_profile_hello(profile);
  for (size_t i = 0; spec != NULL && i < in->num_offers; i++) {
    if (in->offers[i].spec == spec) {
      return &in->offers[i];
    }
  }
  return NULL;
}

static const char *version_text(uint16_t v) {
  switch (v) {
    case 0x0300: return "SSL 3.0";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
  }
  return "an unknown version";
}

static const char *group_text(uint16_t g) {
  static const struct {
    uint16_t id;
    const char *name;
  } kGroups[] = {{0x0017, "secp256r1"}, {0x0018, "secp384r1"}, {0x0019, "secp521r1"},     {0x001d, "x25519"},
                 {0x001e, "x448"},      {0x0100, "ffdhe2048"}, {0x0101, "ffdhe3072"},     {0x0102, "ffdhe4096"},
                 {0x0103, "ffdhe6144"}, {0x0104, "ffdhe8192"}, {0x11ec, "X25519MLKEM768"}};
  for (size_t i = 0; i < sizeof(kGroups) / sizeof(kGroups[0]); i++) {
    if (kGroups[i].id == g) {
      return kGroups[i].name;
    }
  }
  return "an unknown group";
}

static int listed(const uint16_t *list, size_t num, uint16_t v) {
  for (size_t i = 0; i < num; i++) {
    if (list[i] == v) {
      return 1;
    }
  }
  return 0;
}

static int any_in_range(const uint16_t *list, size_t num, uint16_t lo, uint16_t hi) {
  for (size_t i = 0; i < num; i++) {
    if (list[i] >= lo && list[i] <= hi) {
      return 1;
    }
  }
  return 0;
}

// inspect__offer_covers_key returns 1 if a signature algorithm of `spec`
// can sign with `leaf`'s key at `version` (TLS 1.3 binds ECDSA to its curve
// and allows RSA only with PSS).
int inspect__offer_covers_key(const inspect_hello_spec_t *spec, const inspect_cert_t *leaf, uint16_t version) {
  const uint16_t *s = spec->sigalgs;
  size_t n = spec->num_sigalgs;
  if (n == 0) {
    return 1;  // no signature_algorithms extension: the defaults of its version
  }
  switch (leaf->info.key_type) {
    case INSPECT_KEY_ED25519: return listed(s, n, 0x0807);
    case INSPECT_KEY_RSA:
      return any_in_range(s, n, 0x0804, 0x0806) || (version < 0x0304 && (listed(s, n, 0x0201) || listed(s, n, 0x0401) ||
                                                                         listed(s, n, 0x0501) || listed(s, n, 0x0601)));
    case INSPECT_KEY_EC:
      if (version >= 0x0304) {
        int bits = leaf->info.key_bits;
        return listed(s, n, bits <= 256 ? 0x0403 : bits <= 384 ? 0x0503 : 0x0603);
      }
      return listed(s, n, 0x0203) || listed(s, n, 0x0403) || listed(s, n, 0x0503) || listed(s, n, 0x0603);
    default: return 1;
  }
}

// misses says which part of `spec` misses what the origin accepts (its
// answer to tlsmirror's own handshake, in->own), in one phrase.
static const char *misses(inspect_ctx_t *ctx, const inspect_input_t *in, const char *who,
                          const inspect_offer_t *offer) {
  const inspect_hello_spec_t *spec = offer->spec;
  const inspect_offer_t *own = &ctx->in->own;
  inspect_arena_t *a = ctx->arena;
  const inspect_cert_t *leaf = inspect_chain_num(in->chain) > 0 ? inspect_chain_get0(in->chain, 0) : NULL;
  uint16_t at = own->version != 0 && own->version < spec->max_version ? own->version : spec->max_version;
  if (leaf != NULL && !inspect__offer_covers_key(spec, leaf, at)) {
    return inspect__arena_printf(a, "%s offers no signature algorithm for the certificate's %s key", who,
                                 leaf->info.key_desc);
  }
  if (offer->cipher != 0) {
    // It chose a suite for the platform, then refused: what it signs with.
    return inspect__arena_printf(a,
                                 "it chose %s for %s, then found no signature algorithm in %s's offer that it "
                                 "signs with",
                                 offer->cipher_name != NULL ? offer->cipher_name : "a suite", who, who);
  }
  uint16_t lo = spec->min_accepted ? spec->min_accepted : spec->min_version;
  const char *range = lo == spec->max_version
                          ? inspect__arena_printf(a, "%s only", version_text(lo))
                          : inspect__arena_printf(a, "%s to %s", version_text(lo), version_text(spec->max_version));
  if (own->group != 0 && !listed(spec->groups, spec->num_groups, own->group)) {
    inspect_buf_t groups;
    inspect_buf_init(&groups, 4096);
    for (size_t i = 0; i < spec->num_groups; i++) {
      inspect_buf_printf(&groups, "%s%s", i ? ", " : "", group_text(spec->groups[i]));
    }
    const char *out = inspect__arena_printf(a, "%s offers the groups %s, not %s", who,
                                            groups.data != NULL ? groups.data : "", group_text(own->group));
    inspect_buf_cleanup(&groups);
    return out;
  }
  if (own->version != 0 && (own->version < lo || own->version > spec->max_version)) {
    return inspect__arena_printf(a, "%s offers %s", who, range);
  }
  if (own->version != 0 && own->version <= 0x0303 && own->cipher != 0 &&
      !listed(spec->ciphers, spec->num_ciphers, own->cipher)) {
    return inspect__arena_printf(a, "%s offers %s with %zu cipher suites, not %s", who, range, spec->num_ciphers,
                                 own->cipher_name != NULL ? own->cipher_name : "the origin's");
  }
  return inspect__arena_printf(a, "%s offers %s", who, range);
}

// accepts says what the origin accepts, from tlsmirror's own handshake.
static const char *accepts(inspect_ctx_t *ctx) {
  const inspect_offer_t *own = &ctx->in->own;
  if (ctx->in->handshake.status != INSPECT_HS_OK || own->version == 0) {
    return "the origin completed no handshake with tlsmirror either";
  }
  return inspect__arena_printf(ctx->arena, "the origin accepts %s with %s%s%s", version_text(own->version),
                               own->cipher_name != NULL ? own->cipher_name : "its suite",
                               own->group != 0 ? " and " : "", own->group != 0 ? group_text(own->group) : "");
}

static int shares_nothing(const inspect_handshake_t *hs) {
  if (hs->status == INSPECT_HS_PROTOCOL) {
    return 1;
  }
  // handshake_failure, illegal_parameter, protocol_version, insufficient_security
  return hs->status == INSPECT_HS_ALERT && !hs->alert_after_handshake &&
         (hs->alert == 40 || hs->alert == 47 || hs->alert == 70 || hs->alert == 71);
}

const inspect_input_t *inspect__offer_input(inspect_ctx_t *ctx, const inspect_input_t *base,
                                            const inspect_profile_t *profile, inspect_input_t *alt) {
  const inspect_offer_t *offer = inspect__offer_of(ctx->in, profile);
  if (offer == NULL) {
    return base;
  }
  const inspect_hello_spec_t *spec = offer->spec;
  const char *who = inspect_profile_id(profile);
  const inspect_handshake_t *hs = &offer->handshake;
  *alt = *base;
  if (hs->status == INSPECT_HS_OK) {
    if (base->handshake.status != INSPECT_HS_OK) {
      return base;  // the origin answered the platform, not tlsmirror: no chain to judge
    }
    uint16_t lo = spec->min_accepted ? spec->min_accepted : spec->min_version;
    const inspect_cert_t *leaf = inspect_chain_num(base->chain) > 0 ? inspect_chain_get0(base->chain, 0) : NULL;
    int old = offer->version != 0 && offer->version < lo;
    if (!old && (leaf == NULL || inspect__offer_covers_key(spec, leaf, offer->version))) {
      return base;  // the chain is judged as tlsmirror received it
    }
    // The platform's refusal, not tlsmirror's: nothing of tlsmirror's own
    // handshake (its own limit, a late alert) carries over.
    alt->handshake.status = INSPECT_HS_PROTOCOL;
    alt->handshake.alert = -1;
    alt->handshake.alert_after_handshake = 0;
    alt->handshake.own_limit = NULL;
    const char *chose = offer->cipher_name != NULL ? offer->cipher_name : "a suite";
    alt->handshake.detail =
        old ? inspect__arena_printf(ctx->arena, "%s; it chose %s with %s for %s, which refuses versions below %s",
                                    accepts(ctx), version_text(offer->version), chose, who, version_text(lo))
            : inspect__arena_printf(ctx->arena,
                                    "%s; it chose %s for %s, which offers no signature algorithm for the "
                                    "certificate's %s key",
                                    accepts(ctx), chose, who, leaf->info.key_desc);
    return alt;
  }
  alt->handshake = *hs;
  // Nothing in common only when tlsmirror got what the platform did not: a
  // refusal of both (no SNI to an SNI-only origin) is the origin's alert.
  if (shares_nothing(hs) && base->handshake.status == INSPECT_HS_OK) {
    alt->handshake.status = INSPECT_HS_PROTOCOL;
    alt->handshake.detail =
        inspect__arena_printf(ctx->arena, "%s; %s: the origin answered its ClientHello with %s", accepts(ctx),
                              misses(ctx, base, who, offer), hs->detail != NULL ? hs->detail : "a refusal");
  }
  return alt;
}
