// The lab: a private PKI and a catalogue of deliberately broken TLS origins.
// It is a product feature (reproduce an error on purpose) and the fixture
// every test uses. lab_new mints everything in memory; lab_write puts it on
// disk; tools/cmd_lab.c serves it through proxy/.

#ifndef TLSMIRROR_TOOLS_LAB_H
#define TLSMIRROR_TOOLS_LAB_H

#include <stddef.h>
#include <stdint.h>

#include "tls/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

// lab_scenario_t describes one scenario of the catalogue (static data).
typedef struct {
  const char *name;
  const char *host;     // the name clients should ask for (SNI and Host)
  const char *problem;  // finding code of what is wrong, "OK" for none
  const char *what;     // one line: what is wrong, in plain words
  // Outcome for OpenSSL 3 at security level 2 (curl, openssl s_client), as a
  // reason code, with and without SNI.
  const char *expect_openssl;
  const char *expect_openssl_no_sni;
  unsigned hello_delay_ms;  // slow-handshake
  // An offline fixture: minted and written like a scenario, but not served,
  // because BoringSSL (the lab's TLS library) refuses to serve its chain.
  int offline;
  // A handshake scenario: the usual chain, but the origin accepts only part
  // of what clients offer (a version, suite, group or signature algorithm).
  int handshake;
} lab_scenario_t;

// The certificate scenarios (lab_scenario_*, indexes 0 to
// lab_scenario_count() - 1), the handshake scenarios (the next
// lab_handshake_count() indexes of lab_scenario_get) and the offline
// fixtures (lab_offline_*, indexed from 0).
size_t lab_scenario_count(void);
size_t lab_handshake_count(void);
const lab_scenario_t *lab_scenario_get(size_t index);
// lab_scenario_find returns the served scenario's index (handshake scenarios
// included), or -1.
int lab_scenario_find(const char *name);
size_t lab_offline_count(void);
const lab_scenario_t *lab_offline_get(size_t index);

typedef struct lab_st lab_t;

// lab_new mints the lab PKI and every scenario's chain, valid around `now`.
lab_t *lab_new(int64_t now, int *out_err);
void lab_free(lab_t *lab);

// lab_get0_root returns the lab root (the trust anchor), DER.
CRYPTO_BUFFER *lab_get0_root(const lab_t *lab);
// lab_get0_untrusted_root returns the second root, which no client trusts.
CRYPTO_BUFFER *lab_get0_untrusted_root(const lab_t *lab);
// lab_get0_intermediates returns the lab's intermediates (an AIA pool).
CRYPTO_BUFFER *const *lab_get0_intermediates(const lab_t *lab, size_t *out_num);
// lab_get0_chain returns scenario `index`'s chain as served (leaf first); with
// `no_sni` the chain served to clients that send no SNI.
CRYPTO_BUFFER *const *lab_get0_chain(const lab_t *lab, size_t index, int no_sni, size_t *out_num);
// lab_offline_get0_chain returns offline fixture `index`'s chain (leaf first),
// for another TLS server to send: lab_write puts it in <name>/chain.pem with
// its key in <name>/key.pem, as for a served scenario.
CRYPTO_BUFFER *const *lab_offline_get0_chain(const lab_t *lab, size_t index, size_t *out_num);
// lab_get0_client returns the lab client certificate chain and key
// (for the mtls-required scenario).
CRYPTO_BUFFER *const *lab_get0_client_chain(const lab_t *lab, size_t *out_num);
EVP_PKEY *lab_get0_client_key(const lab_t *lab);

// CA bundles and mTLS clients: fixtures for `tlsmirror bundle` and the
// alb-mtls / apigateway-mtls profiles (static descriptions; the certificates
// are minted by lab_new).
typedef struct {
  const char *name;     // file name without extension, e.g. "with-leaf"
  const char *problem;  // the main violation or reason code, "OK" for none
  const char *what;     // one line: what the file holds
} lab_fixture_t;

size_t lab_bundle_count(void);
const lab_fixture_t *lab_bundle_get(size_t index);
size_t lab_mtls_client_count(void);
const lab_fixture_t *lab_mtls_client_get(size_t index);

// lab_bundle_render appends bundle `index` as written to bundles/<name>.pem.
int lab_bundle_render(const lab_t *lab, size_t index, inspect_buf_t *out);
// lab_mtls_client_get0_chain returns client `index`'s chain as the client
// sends it (leaf first, no root); lab_mtls_client_get0_key its key.
CRYPTO_BUFFER *const *lab_mtls_client_get0_chain(const lab_t *lab, size_t index, size_t *out_num);
EVP_PKEY *lab_mtls_client_get0_key(const lab_t *lab, size_t index);

// AIA: some scenarios' leaves name a caIssuers URL on the lab's plain-HTTP
// listener, http://aia.lab.test:PORT/<scenario>/issuer.der (or .p7c), which
// serves the issuer (or answers 404, for a dead URL). The port is known only
// once that listener is bound: lab_set_aia_port then mints those leaves again
// with it (before, their URLs name port 80). Build origin contexts and write
// the lab after it.
#define LAB_AIA_HOST "aia.lab.test"
int lab_set_aia_port(lab_t *lab, uint16_t port);
// lab_aia_url writes scenario `index`'s AIA URL to `out` and returns 1, or
// returns 0 when its leaf has none.
int lab_aia_url(const lab_t *lab, size_t index, char *out, size_t out_len);
// lab_aia_object fills `out` with what GET on scenario `index`'s AIA URL
// serves (the body borrowed from the lab) and returns 1, or returns 0 when
// that URL answers 404 or there is none.
typedef struct {
  char path[128];  // the URL's path, e.g. "/aia-pkcs7/issuer.p7c"
  const char *content_type;
  const uint8_t *body;
  size_t body_len;
} lab_aia_object_t;
int lab_aia_object(const lab_t *lab, size_t index, lab_aia_object_t *out);

// lab_origin_ctx_new returns a server context for scenario `index`.
SSL_CTX *lab_origin_ctx_new(const lab_t *lab, size_t index, int *out_err);

// lab_write writes the PKI to `dir` (created if missing): root.pem,
// untrusted-root.pem, intermediates.pem, client.pem + client.key,
// <scenario>/chain.pem + key.pem, bundles/<bundle>.pem and
// clients/<client>.pem + .key. `err` names the failing path.
int lab_write(const lab_t *lab, const char *dir, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif  // TLSMIRROR_TOOLS_LAB_H
