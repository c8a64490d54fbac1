// The lab's PKI and origins. Every certificate is minted with BoringSSL
// at start-up, relative to an explicit `now`, so expiry scenarios stay
// expired and nothing generated is ever committed.

#include <openssl/bytestring.h>
#include <openssl/digest.h>
#include <openssl/pkcs7.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/lab_internal.h"

#define DAY (24 * 3600)

static void site_cleanup(lab_site_t *site) {
  // Chains hold extra references to shared CA certificates.
  for (size_t k = 0; k < site->chain_len; k++) {
    CRYPTO_BUFFER_free(site->chain[k]);
  }
  for (size_t k = 0; k < site->no_sni_len; k++) {
    CRYPTO_BUFFER_free(site->no_sni_chain[k]);
  }
  EVP_PKEY_free(site->key);
  EVP_PKEY_free(site->no_sni_key);
  memset(site, 0, sizeof(*site));
}

static void ca_cleanup(lab_ca_t *ca) {
  CRYPTO_BUFFER_free(ca->cert);
  EVP_PKEY_free(ca->key);
}

void lab_free(lab_t *lab) {
  if (lab == NULL) {
    return;
  }
  ca_cleanup(&lab->root);
  ca_cleanup(&lab->inter);
  ca_cleanup(&lab->inter_a);
  ca_cleanup(&lab->inter_b);
  ca_cleanup(&lab->untrusted_root);
  ca_cleanup(&lab->untrusted_inter);
  ca_cleanup(&lab->nc_inter);
  ca_cleanup(&lab->pathlen_a);
  ca_cleanup(&lab->pathlen_b);
  ca_cleanup(&lab->no_keycertsign);
  ca_cleanup(&lab->not_ca);
  ca_cleanup(&lab->no_bc);
  ca_cleanup(&lab->policy_inter);
  ca_cleanup(&lab->expired_ca);
  ca_cleanup(&lab->sha1_ca);
  ca_cleanup(&lab->rsa1024_ca);
  for (size_t i = 0; i < LAB_DEEP_CAS; i++) {
    ca_cleanup(&lab->deep[i]);
  }
  CRYPTO_BUFFER_free(lab->client_chain[0]);
  EVP_PKEY_free(lab->client_key);
  for (size_t i = 0; i < NUM_CLIENTS; i++) {
    for (size_t k = 0; k < lab->client_len[i]; k++) {
      CRYPTO_BUFFER_free(lab->clients[i][k]);
    }
    EVP_PKEY_free(lab->client_keys[i]);
  }
  for (size_t i = 0; i < lab__num_scenarios; i++) {
    site_cleanup(&lab->sites[i]);
  }
  OPENSSL_free(lab->aia_pkcs7);
  free(lab);
}

// How a CA differs from the lab's usual ones (ECDSA P-256, SHA-256, valid
// from a year ago for ten years, CA:TRUE with keyCertSign).
typedef struct {
  int rsa_bits;  // 0 = ECDSA P-256
  int sha1;
  int expired;         // expired yesterday
  unsigned key_usage;  // tls_key_usage_t bits; 0 = a CA's usual
  tls_basic_constraints_t basic_constraints;
  const char *policy_oid;
  int require_explicit_policy;
} ca_variant_t;

static int mint_ca_variant(lab_ca_t *ca, const char *cn, const lab_ca_t *issuer, int path_len, const char *permitted,
                           int64_t now, const ca_variant_t *variant) {
  ca->key =
      variant->rsa_bits > 0 ? tls_key_generate(TLS_KEY_RSA, variant->rsa_bits) : tls_key_generate(TLS_KEY_EC_P256, 0);
  if (ca->key == NULL) {
    return TLS_EKEYGEN;
  }
  tls_cert_spec_t spec = {
      .common_name = cn,
      .organization = "tlsmirror lab",
      .not_before = now - 365 * DAY,
      .not_after = variant->expired ? now - 1 * DAY : now + 3650 * DAY,
      .is_ca = 1,
      .path_len = path_len,
      .permitted_dns = permitted,
      .md = variant->sha1 ? EVP_sha1() : NULL,
      .key_usage = variant->key_usage,
      .basic_constraints = variant->basic_constraints,
      .policy_oid = variant->policy_oid,
      .require_explicit_policy = variant->require_explicit_policy,
  };
  ca->parent = issuer;
  return tls_cert_mint(&spec, ca->key, issuer != NULL ? issuer->cert : NULL, issuer != NULL ? issuer->key : NULL,
                       &ca->cert);
}

static int mint_ca(lab_ca_t *ca, const char *cn, const lab_ca_t *issuer, int path_len, const char *permitted,
                   int64_t now) {
  static const ca_variant_t kPlain = {0};
  return mint_ca_variant(ca, cn, issuer, path_len, permitted, now, &kPlain);
}

// mint_rule_breakers mints the intermediates of the path-validation
// scenarios, each breaking one rule and otherwise like the lab intermediate.
static int mint_rule_breakers(lab_t *lab, int64_t now) {
  static const ca_variant_t kNoCertSign = {.key_usage = TLS_KU_DIGITAL_SIGNATURE | TLS_KU_CRL_SIGN},
                            kNotCa = {.basic_constraints = TLS_BC_CA_FALSE},
                            kNoBc = {.basic_constraints = TLS_BC_ABSENT},
                            kPolicy = {.policy_oid = "2.5.29.32.0", .require_explicit_policy = 1};
  int err = mint_ca(&lab->pathlen_a, "tlsmirror lab intermediate A (pathlen 0)", &lab->root, 0, NULL, now);
  if (err == TLS_OK)
    err = mint_ca(&lab->pathlen_b, "tlsmirror lab intermediate B", &lab->pathlen_a, -1, NULL, now);
  if (err == TLS_OK)
    err = mint_ca_variant(&lab->no_keycertsign, "tlsmirror lab CA without keyCertSign", &lab->root, 0, NULL, now,
                          &kNoCertSign);
  if (err == TLS_OK)
    err = mint_ca_variant(&lab->not_ca, "tlsmirror lab CA:FALSE issuer", &lab->root, -1, NULL, now, &kNotCa);
  if (err == TLS_OK)
    err = mint_ca_variant(&lab->no_bc, "tlsmirror lab issuer without basicConstraints", &lab->root, -1, NULL, now,
                          &kNoBc);
  if (err == TLS_OK)
    err =
        mint_ca_variant(&lab->policy_inter, "tlsmirror lab policy-constrained CA", &lab->root, 0, NULL, now, &kPolicy);
  return err;
}

static const lab_ca_t *issuer_ca(const lab_t *lab, issuer_t issuer) {
  switch (issuer) {
    case ISSUER_INTER: return &lab->inter;
    case ISSUER_INTER_B: return &lab->inter_b;
    case ISSUER_UNTRUSTED_INTER: return &lab->untrusted_inter;
    case ISSUER_NC_INTER: return &lab->nc_inter;
    case ISSUER_PATHLEN_B: return &lab->pathlen_b;
    case ISSUER_NO_KEYCERTSIGN: return &lab->no_keycertsign;
    case ISSUER_NOT_CA: return &lab->not_ca;
    case ISSUER_NO_BC: return &lab->no_bc;
    case ISSUER_POLICY: return &lab->policy_inter;
    case ISSUER_SELF: break;
  }
  return NULL;
}

static void push(CRYPTO_BUFFER **chain, size_t *len, CRYPTO_BUFFER *cert) {
  CRYPTO_BUFFER_up_ref(cert);
  chain[(*len)++] = cert;
}

// leaf_key makes the key of a scenario's leaf: ECDSA P-256 unless it says.
static EVP_PKEY *leaf_key(const scenario_def_t *def) {
  if (def->ed25519) {
    return tls_key_generate(TLS_KEY_ED25519, 0);
  }
  return def->rsa_bits > 0 ? tls_key_generate(TLS_KEY_RSA, def->rsa_bits) : tls_key_generate(TLS_KEY_EC_P256, 0);
}

static int mint_site(lab_t *lab, size_t index, int64_t now) {
  const scenario_def_t *def = &lab__scenarios[index];
  lab_site_t *site = &lab->sites[index];
  site->key = leaf_key(def);
  if (site->key == NULL) {
    return TLS_EKEYGEN;
  }
  const char *const *dns = def->dns;
  size_t num_dns = 0;
  while (num_dns < 3 && dns[num_dns] != NULL) {
    num_dns++;
  }
  if (num_dns == 0) {
    dns = &def->info.host;
    num_dns = 1;
  }
  tls_cert_spec_t spec = {
      .common_name = def->cn_only ? def->info.host : dns[0],
      .organization = "tlsmirror lab",
      .dns_names = dns,
      .num_dns_names = def->cn_only ? 0 : num_dns,
      .not_before = now - 30 * DAY,
      .not_after = now + 200 * DAY,
      .path_len = -1,
      .eku = def->eku == LEAF_EKU_CLIENT ? TLS_EKU_CLIENT : TLS_EKU_SERVER,
      .md = def->sha1 ? EVP_sha1() : NULL,
      .critical_oid = def->critical_oid,
      .key_usage = def->key_usage,
  };
  char aia_url[256];
  if (def->aia != AIA_NONE) {
    lab_aia_url(lab, index, aia_url, sizeof(aia_url));
    spec.aia_ca_issuers = aia_url;
  }
  if (def->validity == VALID_EXPIRED) {
    spec.not_before = now - 120 * DAY;
    spec.not_after = now - 1 * DAY;
  } else if (def->validity == VALID_NOT_YET) {
    spec.not_before = now + 30 * DAY;
    spec.not_after = now + 230 * DAY;
  }
  const lab_ca_t *ca = issuer_ca(lab, def->issuer);
  CRYPTO_BUFFER *leaf = NULL;
  int err = tls_cert_mint(&spec, site->key, ca != NULL ? ca->cert : NULL, ca != NULL ? ca->key : NULL, &leaf);
  if (err != TLS_OK) {
    return err;
  }
  site->chain[site->chain_len++] = leaf;
  switch (def->shape) {
    case SHAPE_LEAF_INTER: push(site->chain, &site->chain_len, lab->inter.cert); break;
    case SHAPE_LEAF_ONLY: break;
    case SHAPE_LEAF_ROOT_INTER:
      push(site->chain, &site->chain_len, lab->root.cert);
      push(site->chain, &site->chain_len, lab->inter.cert);
      break;
    case SHAPE_LEAF_INTER_ROOT:
      push(site->chain, &site->chain_len, lab->inter.cert);
      push(site->chain, &site->chain_len, lab->root.cert);
      break;
    case SHAPE_LEAF_INTER_A_B:
      push(site->chain, &site->chain_len, lab->inter_a.cert);
      push(site->chain, &site->chain_len, lab->inter_b.cert);
      break;
    case SHAPE_LEAF_UNTRUSTED_FULL:
      push(site->chain, &site->chain_len, lab->untrusted_inter.cert);
      push(site->chain, &site->chain_len, lab->untrusted_root.cert);
      break;
    case SHAPE_LEAF_NC_INTER: push(site->chain, &site->chain_len, lab->nc_inter.cert); break;
    case SHAPE_LEAF_ISSUERS:
      for (const lab_ca_t *c = ca; c != NULL && c->parent != NULL && site->chain_len < 4; c = c->parent) {
        push(site->chain, &site->chain_len, c->cert);
      }
      break;
  }
  if (def->default_cert_without_sni) {
    // What an SNI-only edge serves to a client that names no host.
    static const char *const kDefaultNames[] = {"default.edge.test", "*.edge.test"};
    site->no_sni_key = tls_key_generate(TLS_KEY_EC_P256, 0);
    if (site->no_sni_key == NULL) {
      return TLS_EKEYGEN;
    }
    tls_cert_spec_t dflt = spec;
    dflt.common_name = kDefaultNames[0];
    dflt.dns_names = kDefaultNames;
    dflt.num_dns_names = 2;
    CRYPTO_BUFFER *dleaf = NULL;
    err = tls_cert_mint(&dflt, site->no_sni_key, lab->inter.cert, lab->inter.key, &dleaf);
    if (err != TLS_OK) {
      return err;
    }
    site->no_sni_chain[site->no_sni_len++] = dleaf;
    push(site->no_sni_chain, &site->no_sni_len, lab->inter.cert);
  }
  return TLS_OK;
}

static int mint_client(lab_t *lab, int64_t now) {
  static const char *const kNames[] = {"client.lab.test"};
  lab->client_key = tls_key_generate(TLS_KEY_EC_P256, 0);
  if (lab->client_key == NULL) {
    return TLS_EKEYGEN;
  }
  tls_cert_spec_t spec = {
      .common_name = "lab client",
      .organization = "tlsmirror lab",
      .dns_names = kNames,
      .num_dns_names = 1,
      .not_before = now - 30 * DAY,
      .not_after = now + 200 * DAY,
      .path_len = -1,
      .eku = TLS_EKU_CLIENT,
  };
  int err = tls_cert_mint(&spec, lab->client_key, lab->inter.cert, lab->inter.key, &lab->client_chain[0]);
  if (err == TLS_OK) {
    lab->client_chain[1] = lab->inter.cert;  // borrowed: lab->inter owns it
  }
  return err;
}

// mint_mtls_clients mints the clients of clients/: a clientAuth leaf each,
// under the CA the fixture names, with the chain the client sends.
static int mint_mtls_clients(lab_t *lab, int64_t now) {
  static const ca_variant_t kExpired = {.expired = 1}, kSha1 = {.sha1 = 1}, kRsa1024 = {.rsa_bits = 1024};
  int err = mint_ca_variant(&lab->expired_ca, "tlsmirror lab expired CA", &lab->root, -1, NULL, now, &kExpired);
  if (err == TLS_OK)
    err = mint_ca_variant(&lab->sha1_ca, "tlsmirror lab SHA-1 CA", &lab->root, -1, NULL, now, &kSha1);
  if (err == TLS_OK)
    err = mint_ca_variant(&lab->rsa1024_ca, "tlsmirror lab RSA-1024 CA", &lab->root, -1, NULL, now, &kRsa1024);
  for (size_t i = 0; err == TLS_OK && i < LAB_DEEP_CAS; i++) {
    char cn[64];
    snprintf(cn, sizeof(cn), "tlsmirror lab deep CA %zu", i + 1);
    err = mint_ca(&lab->deep[i], cn, i == 0 ? &lab->root : &lab->deep[i - 1], -1, NULL, now);
  }
  for (size_t c = 0; err == TLS_OK && c < NUM_CLIENTS; c++) {
    if (c == CLIENT_TRUSTED) {  // the lab client (client.pem) itself
      push(lab->clients[c], &lab->client_len[c], lab->client_chain[0]);
      push(lab->clients[c], &lab->client_len[c], lab->client_chain[1]);
      EVP_PKEY_up_ref(lab->client_key);
      lab->client_keys[c] = lab->client_key;
      continue;
    }
    const lab_ca_t *issuer = c == CLIENT_UNTRUSTED  ? &lab->untrusted_inter
                             : c == CLIENT_TOO_DEEP ? &lab->deep[LAB_DEEP_CAS - 1]
                                                    : &lab->inter;
    char cn[64];
    snprintf(cn, sizeof(cn), "lab client %s", lab__clients[c].name);
    lab->client_keys[c] = tls_key_generate(TLS_KEY_EC_P256, 0);
    if (lab->client_keys[c] == NULL) {
      return TLS_EKEYGEN;
    }
    tls_cert_spec_t spec = {
        .common_name = cn,
        .organization = "tlsmirror lab",
        .not_before = c == CLIENT_EXPIRED ? now - 120 * DAY : now - 30 * DAY,
        .not_after = c == CLIENT_EXPIRED ? now - 1 * DAY : now + 200 * DAY,
        .path_len = -1,
        .eku = TLS_EKU_CLIENT,
    };
    CRYPTO_BUFFER *leaf = NULL;
    err = tls_cert_mint(&spec, lab->client_keys[c], issuer->cert, issuer->key, &leaf);
    if (err != TLS_OK) {
      return err;
    }
    lab->clients[c][lab->client_len[c]++] = leaf;
    if (c == CLIENT_TOO_DEEP) {
      for (size_t k = LAB_DEEP_CAS; k > 0; k--) {
        push(lab->clients[c], &lab->client_len[c], lab->deep[k - 1].cert);
      }
    } else {
      push(lab->clients[c], &lab->client_len[c], issuer->cert);
    }
  }
  return err;
}

// bundle_pkcs7 makes what AIA_PKCS7 URLs serve: the intermediate and the
// root as a certs-only PKCS#7, as some CAs publish their .p7c files.
static int bundle_pkcs7(lab_t *lab) {
  STACK_OF(CRYPTO_BUFFER) *certs = sk_CRYPTO_BUFFER_new_null();
  CBB cbb;
  int ok = certs != NULL && CBB_init(&cbb, 2048);
  if (ok) {
    ok = sk_CRYPTO_BUFFER_push(certs, lab->inter.cert) && sk_CRYPTO_BUFFER_push(certs, lab->root.cert) &&
         PKCS7_bundle_raw_certificates(&cbb, certs) && CBB_finish(&cbb, &lab->aia_pkcs7, &lab->aia_pkcs7_len);
    if (!ok) {
      CBB_cleanup(&cbb);
    }
  }
  sk_CRYPTO_BUFFER_free(certs);  // the lab keeps its references
  return ok ? TLS_OK : TLS_ENOMEM;
}

int lab_aia_url(const lab_t *lab, size_t index, char *out, size_t out_len) {
  if (index >= lab__num_scenarios || lab__scenarios[index].aia == AIA_NONE) {
    return 0;
  }
  char port[8] = "";
  if (lab->aia_port != 0) {
    snprintf(port, sizeof(port), ":%u", lab->aia_port);
  }
  return snprintf(out, out_len, "http://" LAB_AIA_HOST "%s/%s/issuer.%s", port, lab__scenarios[index].info.name,
                  lab__scenarios[index].aia == AIA_PKCS7 ? "p7c" : "der") < (int)out_len;
}

int lab_aia_object(const lab_t *lab, size_t index, lab_aia_object_t *out) {
  char url[256];
  if (!lab_aia_url(lab, index, url, sizeof(url))) {
    return 0;
  }
  snprintf(out->path, sizeof(out->path), "%s", strchr(url + strlen("http://"), '/'));
  switch (lab__scenarios[index].aia) {
    case AIA_DER:
      out->body = CRYPTO_BUFFER_data(lab->inter.cert);
      out->body_len = CRYPTO_BUFFER_len(lab->inter.cert);
      out->content_type = "application/pkix-cert";
      return 1;
    case AIA_PKCS7:
      out->body = lab->aia_pkcs7;
      out->body_len = lab->aia_pkcs7_len;
      out->content_type = "application/pkcs7-mime";
      return 1;
    case AIA_DEAD:
    case AIA_NONE: break;
  }
  return 0;
}

int lab_set_aia_port(lab_t *lab, uint16_t port) {
  lab->aia_port = port;
  int err = TLS_OK;
  for (size_t i = 0; i < lab__num_scenarios && err == TLS_OK; i++) {
    if (lab__scenarios[i].aia != AIA_NONE) {
      site_cleanup(&lab->sites[i]);
      err = mint_site(lab, i, lab->now);
    }
  }
  return err;
}

lab_t *lab_new(int64_t now, int *out_err) {
  for (size_t i = lab__num_served(); i < lab__num_scenarios; i++) {
    if (!lab__scenarios[i].info.offline) {
      *out_err = TLS_EMINT;  // a served scenario after an offline fixture: move it up in lab__scenarios
      return NULL;
    }
  }
  lab_t *lab = calloc(1, sizeof(*lab));
  if (lab == NULL) {
    *out_err = TLS_ENOMEM;
    return NULL;
  }
  lab->now = now;
  int err = mint_ca(&lab->root, "tlsmirror lab root CA", NULL, -1, NULL, now);
  if (err == TLS_OK)
    err = mint_ca(&lab->inter, "tlsmirror lab intermediate CA", &lab->root, 0, NULL, now);
  if (err == TLS_OK)
    err = mint_ca(&lab->inter_a, "tlsmirror lab intermediate A", &lab->root, 1, NULL, now);
  if (err == TLS_OK)
    err = mint_ca(&lab->inter_b, "tlsmirror lab intermediate B", &lab->inter_a, 0, NULL, now);
  if (err == TLS_OK)
    err = mint_ca(&lab->untrusted_root, "tlsmirror untrusted root CA", NULL, -1, NULL, now);
  if (err == TLS_OK)
    err = mint_ca(&lab->untrusted_inter, "tlsmirror untrusted intermediate CA", &lab->untrusted_root, 0, NULL, now);
  if (err == TLS_OK)
    err = mint_ca(&lab->nc_inter, "tlsmirror lab constrained intermediate CA", &lab->root, 0, "allowed.lab.test", now);
  if (err == TLS_OK)
    err = mint_rule_breakers(lab, now);
  for (size_t i = 0; err == TLS_OK && i < lab__num_scenarios; i++) {
    err = mint_site(lab, i, now);
  }
  if (err == TLS_OK) {
    err = mint_client(lab, now);
  }
  if (err == TLS_OK) {
    err = mint_mtls_clients(lab, now);
  }
  if (err == TLS_OK) {
    err = bundle_pkcs7(lab);
  }
  if (err != TLS_OK) {
    lab_free(lab);
    *out_err = err;
    return NULL;
  }
  lab->intermediates[0] = lab->inter.cert;
  lab->intermediates[1] = lab->inter_a.cert;
  lab->intermediates[2] = lab->inter_b.cert;
  lab->intermediates[3] = lab->nc_inter.cert;
  *out_err = TLS_OK;
  return lab;
}

CRYPTO_BUFFER *lab_get0_root(const lab_t *lab) { return lab->root.cert; }

CRYPTO_BUFFER *lab_get0_untrusted_root(const lab_t *lab) { return lab->untrusted_root.cert; }

CRYPTO_BUFFER *const *lab_get0_intermediates(const lab_t *lab, size_t *out_num) {
  *out_num = 4;
  return lab->intermediates;
}

CRYPTO_BUFFER *const *lab_offline_get0_chain(const lab_t *lab, size_t index, size_t *out_num) {
  return lab_get0_chain(lab, lab__num_served() + index, 0, out_num);
}

CRYPTO_BUFFER *const *lab_get0_chain(const lab_t *lab, size_t index, int no_sni, size_t *out_num) {
  const lab_site_t *site = &lab->sites[index];
  if (no_sni && site->no_sni_len > 0) {
    *out_num = site->no_sni_len;
    return site->no_sni_chain;
  }
  *out_num = site->chain_len;
  return site->chain;
}

CRYPTO_BUFFER *const *lab_get0_client_chain(const lab_t *lab, size_t *out_num) {
  *out_num = 2;
  return lab->client_chain;
}

EVP_PKEY *lab_get0_client_key(const lab_t *lab) { return lab->client_key; }

CRYPTO_BUFFER *const *lab_mtls_client_get0_chain(const lab_t *lab, size_t index, size_t *out_num) {
  *out_num = index < NUM_CLIENTS ? lab->client_len[index] : 0;
  return index < NUM_CLIENTS ? lab->clients[index] : NULL;
}

EVP_PKEY *lab_mtls_client_get0_key(const lab_t *lab, size_t index) {
  return index < NUM_CLIENTS ? lab->client_keys[index] : NULL;
}

// What people paste into a bundle by mistake: the text form of a certificate
// (as in ALB's example of a bundle it refuses), a comment with a '-' and
