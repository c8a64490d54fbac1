// A live inspect handshakes as each platform: one ClientHello per distinct
// platform offer (its lists and the SNI its rule gives), built byte by byte
// (tls_hello_build, suites BoringSSL cannot speak included) and sent all at
// once (tls_offer_probe_all), so each profile is judged on its own handshake
// (inspect_offer_t). tlsmirror's own handshake, which records the chain,
// offers as widely as BoringSSL can.

#include <stdio.h>
#include <string.h>

#include "tools/cli.h"

// What tlsmirror's own handshake offers: every version, BoringSSL's suites,
// every group and signature algorithm it speaks, so it completes with as
// many origins as it can and records their chain.
static const uint16_t kWideGroups[] = {0x001d, 0x0017, 0x0018, 0x0019};
static const uint16_t kWideSigalgs[] = {0x0403, 0x0503, 0x0603, 0x0807, 0x0804, 0x0805,
                                        0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201};
const inspect_hello_spec_t cli_inspect_wide_offer = {
    .min_version = 0x0301,
    .max_version = 0x0304,
    .groups = kWideGroups,
    .num_groups = sizeof(kWideGroups) / sizeof(kWideGroups[0]),
    .sigalgs = kWideSigalgs,
    .num_sigalgs = sizeof(kWideSigalgs) / sizeof(kWideSigalgs[0]),
    .sni = INSPECT_SNI_AS_CLIENT,
    .source = "tlsmirror's own probe: everything BoringSSL speaks",
};

// sni_of returns the SNI a platform sends: the target's name when its rule
// is ALWAYS, what inspect sends (`sni`, NULL for --no-sni) otherwise.
static const char *sni_of(const inspect_hello_spec_t *spec, const char *host, const char *sni) {
  switch (spec->sni) {
    case INSPECT_SNI_ALWAYS: return inspect_name_is_ip(host) ? NULL : host;
    case INSPECT_SNI_NEVER: return NULL;
    case INSPECT_SNI_AS_CLIENT:
    case INSPECT_SNI_CONFIGURABLE: break;
  }
  return sni;
}

static int same_list(const uint16_t *a, size_t na, const uint16_t *b, size_t nb) {
  return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

static int same_offer(const inspect_hello_spec_t *a, const char *sni_a, const inspect_hello_spec_t *b,
                      const char *sni_b) {
  return a->min_version == b->min_version && a->max_version == b->max_version &&
         same_list(a->ciphers, a->num_ciphers, b->ciphers, b->num_ciphers) &&
         same_list(a->groups, a->num_groups, b->groups, b->num_groups) &&
         same_list(a->sigalgs, a->num_sigalgs, b->sigalgs, b->num_sigalgs) &&
         (sni_a == sni_b || (sni_a != NULL && sni_b != NULL && strcmp(sni_a, sni_b) == 0));
}

// offer_from fills `o` with the answer `r` to the platform's ClientHello. A
// HelloRetryRequest asks for a group the platform offered: it would retry
// with that key share and go on.
static void offer_from(const inspect_hello_spec_t *spec, const tls_offer_result_t *r, inspect_offer_t *o) {
  static const inspect_hs_status_t kStatus[] = {
      [TLS_OFFER_ACCEPTED] = INSPECT_HS_OK,
      [TLS_OFFER_RETRY] = INSPECT_HS_OK,
      [TLS_OFFER_ALERT] = INSPECT_HS_ALERT,
      [TLS_OFFER_CLOSED] = INSPECT_HS_CLOSED,
      [TLS_OFFER_NOT_TLS] = INSPECT_HS_PROTOCOL,
      [TLS_OFFER_TIMEOUT] = INSPECT_HS_TIMEOUT,
      [TLS_OFFER_CONNECT_FAILED] = INSPECT_HS_CONNECT_FAILED,
  };
  memset(o, 0, sizeof(*o));
  o->spec = spec;
  o->handshake = (inspect_handshake_t){.status = kStatus[r->outcome], .alert = r->alert, .detail = r->detail};
  // A refusal after a ServerHello (a TLS 1.2 flight ending in an alert)
  // keeps what the origin had chosen: the refusal came later.
  if (o->handshake.status == INSPECT_HS_OK || r->cipher != 0) {
    o->version = r->version;
    o->cipher = r->cipher;
    o->group = r->group;
    o->version_name = tls_version_name(r->version);
    o->cipher_name = tls_cipher_name(r->cipher);
    o->group_name = tls_group_name(r->group);
  }
}

// offers_build makes one ClientHello per distinct offer of the selected
// profiles; `slot[i]` is the hello profile i's answer will be in.
static int offers_build(const char *host, const char *sni, const inspect_selection_t *sel, cli_offers_t *out,
                        inspect_buf_t *hellos, size_t *num_hellos, size_t *slot) {
  const inspect_hello_spec_t *specs[INSPECT_SELECTION_MAX];
  const char *snis[INSPECT_SELECTION_MAX];
  *num_hellos = 0;
  for (size_t i = 0; i < sel->num && i < INSPECT_SELECTION_MAX; i++) {
    const inspect_hello_spec_t *spec = inspect_profile_hello(sel->items[i].profile);
    slot[i] = (size_t)-1;
    if (spec == NULL) {
      continue;
    }
    const char *s = sni_of(spec, host, sni);
    for (size_t k = 0; k < *num_hellos && slot[i] == (size_t)-1; k++) {
      slot[i] = same_offer(spec, s, specs[k], snis[k]) ? k : (size_t)-1;
    }
    if (slot[i] == (size_t)-1) {
      specs[*num_hellos] = spec;
      snis[*num_hellos] = s;
      inspect_buf_init(&hellos[*num_hellos], 1 << 16);
      int err = tls_hello_build(spec, s, NULL, 0, &hellos[*num_hellos]);
      slot[i] = (*num_hellos)++;
      if (err != TLS_OK) {
        return err;
      }
    }
  }
  out->num_probes = *num_hellos;
  return TLS_OK;
}

int cli_inspect_offers(const tls_probe_config_t *cfg, const char *host, const inspect_selection_t *sel,
                       cli_offers_t *out) {
  inspect_buf_t hellos[INSPECT_SELECTION_MAX];
  size_t num_hellos = 0, slot[INSPECT_SELECTION_MAX];
  memset(out, 0, sizeof(*out));
  int err = offers_build(host, cfg->sni, sel, out, hellos, &num_hellos, slot);
  if (err == TLS_OK) {
    err = tls_offer_probe_all(cfg, hellos, num_hellos, out->results);
  }
  for (size_t i = 0; err == TLS_OK && i < sel->num && i < INSPECT_SELECTION_MAX; i++) {
    if (slot[i] != (size_t)-1) {
      offer_from(inspect_profile_hello(sel->items[i].profile), &out->results[slot[i]], &out->offers[out->num++]);
    }
  }
  for (size_t k = 0; k < num_hellos; k++) {
    inspect_buf_cleanup(&hellos[k]);
  }
  return err;
}

void cli_inspect_own(const tls_probe_result_t *probe, inspect_offer_t *own) {
  memset(own, 0, sizeof(*own));
  own->handshake = probe->handshake;
  if (probe->handshake.status == INSPECT_HS_OK) {
    own->version = probe->version_id;
    own->cipher = probe->cipher_id;
    own->group = probe->group_id;
    own->version_name = tls_version_name(probe->version_id);
    own->cipher_name = tls_cipher_name(probe->cipher_id);
    own->group_name = tls_group_name(probe->group_id);
  }
}
