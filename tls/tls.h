// tls: the BoringSSL layer. Mints keys and certificates (lab PKI, mirror
// chains), loads and writes PEM, and builds SSL_CTXs for each role tlsmirror
// plays: a lab origin, the client-facing side of the proxy, and the client
// that connects to an origin. It never touches sockets of the event loop: the
// proxy feeds bytes through memory BIOs.
//
// Conventions: an operation that can fail returns 0 (TLS_OK) or a negative
// TLS_E* code; a predicate (is_) returns 1 or 0; tls_offer_parse alone says
// "not yet" too (0, with 1 for done), as documented there. get0 borrows,
// get1/new return owned references; _free accepts NULL.

#ifndef TLSMIRROR_TLS_TLS_H
#define TLSMIRROR_TLS_TLS_H

#include <openssl/base.h>
#ifndef OPENSSL_IS_BORINGSSL
#error "tlsmirror must be built against BoringSSL (headers in /usr/include/android)"
#endif

#include <openssl/evp.h>
#include <openssl/pool.h>
#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>

#include "inspect/inspect.h"

#ifdef __cplusplus
extern "C" {
#endif

// Errors.
#define TLS_ERRNO_MAP(XX)                                                                                              \
  XX(NOMEM, -20001, "out of memory")                                                                                   \
  XX(KEYGEN, -20002, "key generation failed in BoringSSL")                                                             \
  XX(MINT, -20003, "could not build or sign a certificate (BoringSSL refused the input)")                              \
  XX(OPEN, -20004, "cannot open the file: check the path and permissions")                                             \
  XX(WRITE, -20005, "cannot write the file: check the directory exists and is writable")                               \
  XX(READ, -20006, "cannot read the file")                                                                             \
  XX(BAD_KEY, -20007, "no usable private key in the file: expected a PEM private key")                                 \
  XX(KEY_MISMATCH, -20008, "the private key does not match the certificate")                                           \
  XX(CTX, -20009, "could not create the TLS context")                                                                  \
  XX(BAD_CERT, -20010, "no usable certificate in the file: expected PEM certificates")                                 \
  XX(BAD_NAME, -20011, "invalid host name or IP address for a certificate")                                            \
  XX(RESOLVE, -20012, "cannot resolve the host name: check it, or give the address with --resolve")                    \
  XX(CONNECT, -20013, "cannot connect to the origin: check the host, port and that it is listening")                   \
  XX(EXISTS, -20014, "a mirror CA already exists there: use it, or remove the directory to start over")                \
  XX(NO_CA, -20015, "no mirror CA in the directory: run 'tlsmirror ca init' first")                                    \
  XX(HELLO, -20016, "malformed ClientHello: a length or list runs past the end of its data")                           \
  XX(NO_OFFER, -20017, "BoringSSL can offer none of what the client offered (suites, groups or signature algorithms)") \
  XX(CERT_MSG, -20018, "malformed Certificate message: a length or list runs past the end of its data")

typedef enum {
  TLS_OK = 0,
#define TLS_ERRNO_ENUM(name, value, msg) TLS_E##name = (value),
  TLS_ERRNO_MAP(TLS_ERRNO_ENUM)
#undef TLS_ERRNO_ENUM
} tls_errno_t;

// tls_strerror returns the message for a TLS_E* code, and for INSPECT_E*
// codes too, since this layer passes those through.
const char *tls_strerror(int err);
const char *tls_err_name(int err);

// Keys.
typedef enum {
  TLS_KEY_EC_P256 = 1,
  TLS_KEY_EC_P384,
  TLS_KEY_RSA,
  TLS_KEY_ED25519,
} tls_key_type_t;

// tls_key_generate returns a new key, or NULL. `rsa_bits` is used for
// TLS_KEY_RSA only (1024..8192).
EVP_PKEY *tls_key_generate(tls_key_type_t type, int rsa_bits);

// Minting.
//
// tls_cert_spec_t describes a certificate to mint. Strings are borrowed for the
// duration of the call. Extensions are left out when their field is zero.
typedef enum {
  TLS_EKU_SERVER = 1 << 0,
  TLS_EKU_CLIENT = 1 << 1,
} tls_eku_t;

// Key usage bits for tls_cert_spec_t.key_usage (the KeyUsage named bits).
typedef enum {
  TLS_KU_DIGITAL_SIGNATURE = 1 << 0,
  TLS_KU_KEY_ENCIPHERMENT = 1 << 2,
  TLS_KU_KEY_AGREEMENT = 1 << 4,
  TLS_KU_KEY_CERT_SIGN = 1 << 5,
  TLS_KU_CRL_SIGN = 1 << 6,
} tls_key_usage_t;

// How basicConstraints is written (tls_cert_spec_t.basic_constraints).
typedef enum {
  TLS_BC_DEFAULT = 0,  // CA:TRUE (critical, with path_len) when is_ca, else CA:FALSE
  TLS_BC_ABSENT,       // no basicConstraints extension at all
  TLS_BC_CA_FALSE,     // CA:FALSE even when is_ca (which then still gives a CA's key usage)
} tls_basic_constraints_t;

typedef struct {
  const char *common_name;       // subject CN, or NULL for none
  const char *organization;      // subject O, or NULL
  const char *const *dns_names;  // subjectAltName dNSName entries
  size_t num_dns_names;
  const char *const *ip_addrs;  // subjectAltName iPAddress entries (text)
  size_t num_ip_addrs;
  int64_t not_before;  // Unix seconds
  int64_t not_after;
  int is_ca;                   // basicConstraints CA:TRUE (critical) + keyCertSign
  int path_len;                // with is_ca: pathLenConstraint, or -1 for none
  unsigned eku;                // tls_eku_t bits; 0 = no extendedKeyUsage extension
  const char *permitted_dns;   // nameConstraints permitted dNSName subtree, or NULL
  const EVP_MD *md;            // signature digest; NULL = SHA-256
  int version1;                // mint an X.509 v1 certificate (no extensions)
  const char *critical_oid;    // a critical extension of this OID (dotted), holding NULL, or none
  const char *aia_ca_issuers;  // authorityInfoAccess caIssuers URI (where the issuer can be fetched), or NULL
  // Path-validation shapes (what verifiers enforce on CAs and leaves, issue 15).
  unsigned key_usage;  // tls_key_usage_t bits (critical) instead of the default for is_ca and the key; 0 = default
  tls_basic_constraints_t basic_constraints;
  const char *policy_oid;       // certificatePolicies holding this policy (dotted, e.g. 2.5.29.32.0 anyPolicy), or none
  int require_explicit_policy;  // policyConstraints requireExplicitPolicy 0 (critical): every certificate below needs a
                                // policy
} tls_cert_spec_t;

// tls_cert_mint mints a certificate for `key` as `spec` describes. It is
// signed by `issuer_key` under the name of `issuer` (DER); when `issuer` is
// NULL it is self-signed with `key`. On success `*out` is a new buffer.
int tls_cert_mint(const tls_cert_spec_t *spec, EVP_PKEY *key, const CRYPTO_BUFFER *issuer, EVP_PKEY *issuer_key,
                  CRYPTO_BUFFER **out);

// PEM files.
//
// tls_pem_write_certs writes `num` certificates to `path` (mode 0644).
int tls_pem_write_certs(const char *path, CRYPTO_BUFFER *const *certs, size_t num);
// tls_pem_write_key writes `key` as an unencrypted PKCS#8 PEM to `path` with
// mode 0600, replacing it atomically.
int tls_pem_write_key(const char *path, EVP_PKEY *key);
// tls_pem_read_key reads the first private key in `path`.
int tls_pem_read_key(const char *path, EVP_PKEY **out);
// tls_file_read reads a whole file of at most `max_len` bytes into a new
// NUL-terminated buffer (`*out` is NULL for an empty file; free() it).
int tls_file_read(const char *path, size_t max_len, uint8_t **out, size_t *out_len);
// tls_pem_read_certs reads every certificate in a PEM (or single DER) file,
// in file order. `*out` is a new stack of CRYPTO_BUFFERs.
int tls_pem_read_certs(const char *path, size_t max_certs, STACK_OF(CRYPTO_BUFFER) * *out);

// Origin servers (the lab).
//
// tls_origin_config_t describes how a lab origin answers the handshake. All
// pointers are borrowed during tls_origin_ctx_new, which copies what it keeps.
typedef struct {
  CRYPTO_BUFFER *const *chain;  // certificates as sent, leaf first
  size_t chain_len;
  EVP_PKEY *key;
} tls_identity_t;

typedef struct {
  tls_identity_t identity;  // served to clients that send SNI (or always)
  tls_identity_t no_sni;    // served when the client sends no SNI; chain_len 0 = identity
  int require_sni;          // no SNI: fatal handshake_failure alert
  uint16_t max_version;     // e.g. TLS1_2_VERSION; 0 = TLS 1.3
  uint16_t min_version;     // e.g. TLS1_1_VERSION; 0 = TLS 1.2
  // What the origin accepts of a handshake (the lab's handshake scenarios):
  // a BoringSSL cipher string for TLS 1.2 and older, a curves list
  // ("P-521"), and the signature algorithms it signs with; NULL/0 = defaults.
  const char *ciphers;
  const char *curves;
  const uint16_t *sigalgs;
  size_t num_sigalgs;
  const CRYPTO_BUFFER *client_ca;  // with require_client_cert: the CA clients must chain to
  int require_client_cert;         // demand a client certificate issued under client_ca
} tls_origin_config_t;

// tls_origin_ctx_new returns a new server SSL_CTX implementing `cfg`, offering
// ALPN http/1.1, or NULL with `*out_err` set.
SSL_CTX *tls_origin_ctx_new(const tls_origin_config_t *cfg, int *out_err);

// tls_conn_get_sni returns the SNI the client sent on `ssl`, or NULL.
const char *tls_conn_get_sni(const SSL *ssl);

// Probes: one live handshake to an origin, as a client.
//
// tls_probe_config_t says where to connect and what to offer. The chain is
// recorded exactly as sent and never rejected: judging it is inspect's job.
typedef struct {
  const char *host;  // host name or IP literal to connect to
  uint16_t port;
  const char *connect_addr;            // numeric address to use instead of resolving `host` (--resolve), or NULL
  const char *sni;                     // server_name to send, or NULL to send none
  const char *alpn;                    // comma-separated ALPN protocols to offer, or NULL
  double timeout;                      // seconds for connect + handshake
  CRYPTO_BUFFER *const *client_chain;  // client certificate chain to present, or NULL
  size_t client_chain_len;
  EVP_PKEY *client_key;
  // What to offer (tls_hello_spec_apply: versions, suites, groups, signature
  // algorithms as far as BoringSSL speaks them), or NULL for TLS 1.2-1.3 with
  // BoringSSL's defaults.
  const inspect_hello_spec_t *spec;
} tls_probe_config_t;

typedef struct {
  inspect_handshake_t handshake;  // handshake.detail points into `detail`
  char detail[256];
  inspect_chain_t *chain;  // as sent, possibly empty; owned
  char version[16];        // e.g. "TLSv1.3", "" when no handshake
  char cipher[64];
  char alpn[64];
  char peer[64];       // the address connected to
  int cert_requested;  // the origin sent a CertificateRequest
  int client_cert_sent;
  uint16_t version_id, cipher_id, group_id;  // what it chose, as IANA values (0: no handshake, unknown)
  char limit[320];                           // handshake.own_limit points here when set
} tls_probe_result_t;

// tls_certificate_msg_parse reads a TLS Certificate handshake message
// (`msg` with its 4-byte header, as SSL_set_msg_callback gives it): in TLS
// 1.3 (`tls13`) a request context, then per entry a u24 certificate and u16
// extensions; in TLS 1.2 a u24 list of u24 certificates. It appends each
// certificate with inspect_chain_add_sent (one that does not parse, or past
// the chain's limit, is counted as dropped) and counts the entries in
// `*out_num`. Returns TLS_OK, or TLS_ECERT_MSG for a malformed message.
int tls_certificate_msg_parse(const uint8_t *msg, size_t len, int tls13, inspect_chain_t *out, size_t *out_num);

// tlsmirror's own limits (docs/difftest.md): BoringSSL stops some handshakes
// after the peer sent its chain, which clients built on other libraries
// accept or judge themselves. The probe and the proxy's upstream leg share
// these two.
//
// tls_certificate_msg_keep is for an SSL_set_msg_callback: it appends to
// `sent` the chain of the first Certificate message the peer sent (parsed by
// tls_certificate_msg_parse; `sent` is left as is once it holds a
// certificate) and ignores every other message. Memory is bounded by the
// chain's limit (64 certificates).
void tls_certificate_msg_keep(const SSL *ssl, int write_p, int content_type, const void *buf, size_t len,
                              inspect_chain_t *sent);
// tls_own_limit returns what tlsmirror's BoringSSL could not do when
// `packed` (ERR_peek_error after a failed handshake) is such a limit, today
// KEY_USAGE_BIT_INCORRECT (a leaf whose key usage lacks digitalSignature),
// as a static sentence; otherwise NULL.
const char *tls_own_limit(uint32_t packed);

// tls_probe_run connects and handshakes. It returns TLS_OK when a verdict
// can be given (even for a failed handshake, described in `out->handshake`)
// and TLS_ERESOLVE or TLS_ECONNECT (with `out->detail`) when the origin
// could not be reached. Free the result with tls_probe_result_cleanup.
int tls_probe_run(const tls_probe_config_t *cfg, tls_probe_result_t *out);
void tls_probe_result_cleanup(tls_probe_result_t *result);

// AIA fetching, as Chromium does it.
//
// A browser that finds no issuer of a certificate fetches one from the
// caIssuers URL of the certificate's Authority Information Access extension.
// Chromium's rules (net/cert/internal/cert_issuer_source_aia.cc and its
// CertNetFetcher): plain http:// only, also after a redirect; at most 20
// redirects (URLRequest's limit); HTTP 200 only; a 10 s timeout for the
// whole fetch; a 64 KiB body at most; the body is a DER certificate, else a
// certs-only PKCS#7 (CMS) bundle, else the first PEM CERTIFICATE block.
// A tls_aia_t fetches each URL at most once in its life (one run of
// `inspect`), with blocking sockets on the caller's thread.
#define TLS_AIA_TIMEOUT 10.0
#define TLS_AIA_MAX_BYTES ((size_t)64 << 10)
#define TLS_AIA_MAX_REDIRECTS 20
#define TLS_AIA_MAX_URLS 16

// tls_resolve_t maps host:port to a numeric address (like curl's --resolve).
typedef struct {
  char host[256];
  uint16_t port;
  char addr[64];
} tls_resolve_t;

typedef struct {
  double timeout;                 // seconds for one URL, redirects included; 0 = TLS_AIA_TIMEOUT
  size_t max_bytes;               // body cap; 0 = TLS_AIA_MAX_BYTES
  const tls_resolve_t *resolves;  // borrowed for the life of the tls_aia_t
  size_t num_resolves;
} tls_aia_config_t;

typedef struct tls_aia_st tls_aia_t;

tls_aia_t *tls_aia_new(const tls_aia_config_t *cfg);
void tls_aia_free(tls_aia_t *aia);
// tls_aia_fetch fetches `url` (the first time only: later calls return the
// same outcome). A bad URL or a bad answer is an outcome, never an error; it
// returns NULL only when out of memory or after TLS_AIA_MAX_URLS URLs.
const inspect_aia_fetch_t *tls_aia_fetch(tls_aia_t *aia, const char *url);
// tls_aia_gather fetches what a browser would for `chain`: while its path
// (through `trust` and `pool`) stops at a certificate whose issuer nobody
// sent and whose caIssuers URL was not fetched yet, it fetches that URL and
// adds what it delivered to `pool`, following the chain upward. It returns
// TLS_OK or TLS_ENOMEM.
int tls_aia_gather(tls_aia_t *aia, const inspect_chain_t *chain, const inspect_trust_t *trust, int64_t now,
                   inspect_chain_t *pool);
// tls_aia_get0_fetches returns every fetch made, in order (for
// inspect_input_t.aia_fetches), valid until tls_aia_free.
const inspect_aia_fetch_t *tls_aia_get0_fetches(const tls_aia_t *aia, size_t *out_num);

// Mirror CA and mirrored chains.
//
// The proxy shows clients a copy of the origin's chain re-signed by its own
// mirror CA: same names, validity, key type and size class, signature hash,
// extensions and shape (count, order, a missing intermediate stays missing,
// a sent root stays sent, self-signed stays self-signed). Certificates the
// origin chained to a trusted root chain to the mirror root; everything else
// ends at a second, deliberately untrusted mirror root or at nothing. A
// client that trusts the mirror root therefore decides as it would against
// the origin.
typedef struct tls_mirror_ca_st tls_mirror_ca_t;
typedef struct tls_mirror_st tls_mirror_t;

#define TLS_MIRROR_ROOT_FILE "root.pem"
#define TLS_MIRROR_ROOT_KEY_FILE "root.key"
#define TLS_MIRROR_UNTRUSTED_FILE "untrusted-root.pem"
#define TLS_MIRROR_UNTRUSTED_KEY_FILE "untrusted-root.key"

// tls_mirror_ca_create mints a new mirror CA into `dir` (created, mode 0700;
// keys 0600). It refuses to replace an existing CA (TLS_EEXISTS).
int tls_mirror_ca_create(const char *dir, int64_t now);
// tls_mirror_ca_load reads the mirror CA from `dir`.
int tls_mirror_ca_load(const char *dir, tls_mirror_ca_t **out);
void tls_mirror_ca_free(tls_mirror_ca_t *ca);
// tls_mirror_ca_get0_root returns the certificate clients should trust.
CRYPTO_BUFFER *tls_mirror_ca_get0_root(const tls_mirror_ca_t *ca);

// tls_mirror_new returns per-thread minting state over `ca` (borrowed): keys
// per type and chain position, and a cache of recently minted chains.
tls_mirror_t *tls_mirror_new(const tls_mirror_ca_t *ca, size_t cache_entries);
void tls_mirror_free(tls_mirror_t *mirror);
// tls_mirror_chain fills `out` with the mirror of `origin` (as sent), judged
// against `trust`. `out` is borrowed from the cache: use it before the next
// call on `mirror` (SSL_set_chain_and_key takes its own references).
int tls_mirror_chain(tls_mirror_t *mirror, const inspect_chain_t *origin, const inspect_trust_t *trust,
                     tls_identity_t *out);
// Keys take time (an RSA-4096 key about a second), so a caller with an event
// loop generates the keys a mirror lacks on another thread:
//   tls_mirror_chain_or_keygen(mirror, origin, trust, &id, &job);
//   if (job != NULL) {
//     tls_mirror_keygen_run(job);             // any thread: touches no mirror
//     tls_mirror_keygen_finish(mirror, job);  // the mirror's thread; frees job
//     tls_mirror_chain(mirror, origin, trust, &id);  // generates no key now
//   }
// tls_mirror_chain itself generates what it lacks. tls_mirror_standin needs
// only an EC key, quick enough to make inline.
typedef struct tls_mirror_keygen_st tls_mirror_keygen_t;
// tls_mirror_chain_or_keygen is tls_mirror_chain, except that when the mirror
// lacks keys for `origin` it sets `*out_job` and leaves `out` unset. `*out_job`
// is NULL otherwise (and when a job cannot be allocated: the keys are then
// made inline). With `out_job` NULL it is tls_mirror_chain.
int tls_mirror_chain_or_keygen(tls_mirror_t *mirror, const inspect_chain_t *origin, const inspect_trust_t *trust,
                               tls_identity_t *out, tls_mirror_keygen_t **out_job);
size_t tls_mirror_keygen_num(const tls_mirror_keygen_t *job);
void tls_mirror_keygen_run(tls_mirror_keygen_t *job);
// tls_mirror_keygen_finish gives the job's keys to `mirror` (a key another
// job supplied first is kept, the duplicate freed; a job that never ran gives
// none) and frees `job`.
void tls_mirror_keygen_finish(tls_mirror_t *mirror, tls_mirror_keygen_t *job);

// AIA in mirrored chains. A client that fetches a mirrored certificate's
// caIssuers URL must get the mirrored issuer, never the origin's (which does
// not chain to the mirror root). With an AIA base ("http://host:port", no
// trailing slash), every mirrored copy whose original names an http://
// caIssuers URL names "<base>/<32 hex digits>.der" instead: the digits hash
// the original URL and the key that signed the copy, so each URL leads to
// exactly the mirrored issuer that verifies that copy (workers, each with
// keys of its own, can share one table of paths). The mirror's cache keys
// chains by base too. NULL (the default) keeps the origin's URLs.
int tls_mirror_set_aia_base(tls_mirror_t *mirror, const char *base);
// tls_mirror_aia_issuer mints what copy `index` of `origin`'s rewritten URL
// serves, given `issuer`, a certificate the original URL served that issued
// certificate `index`: `issuer`'s names, validity and extensions (its own
// caIssuers URLs rewritten) with the key that signed copy `index`, signed by
// the mirror root when a trust anchor of `trust` issued `issuer`, else by the
// untrusted mirror root. `path` receives the URL's path below the base
// ("/<hex>.der"). TLS_EMINT when no copy of `origin` names such a URL
// (its issuer was sent, or it has no http:// caIssuers URL) or `issuer` did
// not issue it. Mirror `origin` (tls_mirror_chain) first, on the same mirror.
int tls_mirror_aia_issuer(tls_mirror_t *mirror, const inspect_chain_t *origin, size_t index,
                          const inspect_cert_t *issuer, const inspect_trust_t *trust, CRYPTO_BUFFER **out, char *path,
                          size_t path_len);
// tls_mirror_aia_path writes the path below the base ("/<hex>.der") that
// copy `index` of `origin` names instead of its original caIssuers URL, for
// whatever that URL gave (a failure, or certificates that did not issue it),
// without minting anything. TLS_EMINT when the copy names no such URL.
int tls_mirror_aia_path(tls_mirror_t *mirror, const inspect_chain_t *origin, size_t index, const inspect_trust_t *trust,
                        char *path, size_t path_len);

// tls_mirror_standin fills `out` with a valid leaf for `name` under the
// mirror root: what clients get when there is no origin chain to mirror
// (the origin is unreachable) and tlsmirror answers itself.
int tls_mirror_standin(tls_mirror_t *mirror, const char *name, int64_t now, tls_identity_t *out);
size_t tls_mirror_cache_hits(const tls_mirror_t *mirror);
// tls_mirror_keys_generated counts the keys `mirror` had to generate itself
// (none when keygen jobs supplied them).
size_t tls_mirror_keys_generated(const tls_mirror_t *mirror);

// tls_alert_name returns the IANA name of a TLS alert ("handshake_failure",
// "unknown_alert" for a number IANA does not list): inspect_alert_name.
const char *tls_alert_name(int alert);

// ClientHello.
//
// tls_hello_t summarises a ClientHello as the client sent it: what the proxy
// logs, what it mirrors towards the origin (SNI, ALPN, version range) and the
// client's JA3 and JA4 fingerprints. It is a plain value, filled without
// allocation. Lists keep wire order and GREASE values (RFC 8701); a list
// longer than its array keeps its first entries and sets its bit in
// `overflow`, but the fingerprints always cover every entry. Of an extension
// sent twice, the first counts; BoringSSL refuses such a ClientHello before
// its callbacks run, so the proxy never sees one.
#define TLS_HELLO_OVERFLOW_VERSIONS (1u << 0)
#define TLS_HELLO_OVERFLOW_CIPHERS (1u << 1)
#define TLS_HELLO_OVERFLOW_EXTENSIONS (1u << 2)
#define TLS_HELLO_OVERFLOW_GROUPS (1u << 3)
#define TLS_HELLO_OVERFLOW_SIGALGS (1u << 4)
#define TLS_HELLO_OVERFLOW_POINT_FORMATS (1u << 5)
#define TLS_HELLO_OVERFLOW_ALPN (1u << 6)        // alpn_wire holds the leading protocols that fit
#define TLS_HELLO_OVERFLOW_JA3_STRING (1u << 7)  // ja3_string is cut short; ja3 is still exact

typedef struct {
  uint16_t legacy_version;  // ClientHello.legacy_version
  // has_sni is 1 when server_name carries a usable host_name (1 to 255 bytes,
  // no NUL), copied to `sni` as sent (case kept). JA4's d/i only asks whether
  // the extension is present.
  int has_sni;
  char sni[256];
  uint16_t versions[16];  // supported_versions
  size_t num_versions;
  uint16_t ciphers[256];  // cipher_suites
  size_t num_ciphers;
  uint16_t extensions[64];  // extension types
  size_t num_extensions;
  uint16_t groups[64];  // supported_groups
  size_t num_groups;
  uint16_t sigalgs[64];  // signature_algorithms (not signature_algorithms_cert)
  size_t num_sigalgs;
  uint8_t point_formats[8];  // ec_point_formats
  size_t num_point_formats;
  // alpn_wire is the ALPN protocol_name_list exactly as sent, ready for
  // SSL_set_alpn_protos; alpn_wire_len is 0 when the client sent no ALPN.
  uint8_t alpn_wire[256];
  size_t alpn_wire_len;
  // alpn_first is the first ALPN protocol for display: printable ASCII as is,
  // other bytes (and backslash) as \xHH; "" when none.
  char alpn_first[64];
  // min_version and max_version are the TLS versions offered, ignoring GREASE
  // and values that name no TLS version (drafts): from supported_versions when
  // sent (both 0 if it names none), else legacy_version for both, capped at
  // TLS 1.2 since TLS 1.3 needs supported_versions (RFC 8446, 4.2.1). Such a
  // ClientHello states no minimum: min_version is then only its maximum.
  uint16_t min_version, max_version;
  unsigned overflow;      // TLS_HELLO_OVERFLOW_* bits
  char ja3[33];           // MD5 of the JA3 string, lower-case hex
  char ja3_string[2048];  // SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats
  char ja4[64];           // e.g. "t13d1516h2_8daaf6152771_e5627efa2ab1" (TLS over TCP)
} tls_hello_t;

// tls_hello_parse fills `*out` from `body`, a ClientHello handshake body
// without its 4-byte handshake header (SSL_CLIENT_HELLO's client_hello). It
// returns TLS_EHELLO, with `*out` zeroed, when a length or list runs past its
// end or bytes are left over; odd but well-framed content (empty lists,
// unknown values, a repeated extension) is summarised, not refused.
int tls_hello_parse(const uint8_t *body, size_t len, tls_hello_t *out);

// tls_hello_is_grease returns 1 for the GREASE values of RFC 8701 (0x0a0a,
// 0x1a1a ... 0xfafa), which clients send to keep servers tolerant of unknown
// values, and 0 otherwise.
int tls_hello_is_grease(uint16_t value);

// Offers: a ClientHello as data, built byte by byte, and the server's answer.
//
// BoringSSL cannot speak every suite and group real clients and platforms
// offer (DHE, FFDHE, CBC-SHA256, CCM, RC4...), so tlsmirror learns what an
// origin would choose for any offer the way scanners do: it sends that exact
// ClientHello and reads the ServerHello (or HelloRetryRequest, or alert)
// without completing the handshake. No secret is needed for that.
//
// tls_hello_build appends a ClientHello record for `spec` to `out`: SNI
// (`sni`, or none when NULL), ALPN (`alpn_wire`, RFC 7301 wire form, or none),
// supported_versions, supported_groups, signature_algorithms,
// ec_point_formats, extended_master_secret, renegotiation_info,
// psk_key_exchange_modes, and a key_share with a real public key for the first group BoringSSL can make
// (X25519, P-256, P-384, P-521; an offer of other groups only gets a
// HelloRetryRequest or the server's choice in TLS 1.2). Returns 0 or TLS_E*.
int tls_hello_build(const inspect_hello_spec_t *spec, const char *sni, const uint8_t *alpn_wire, size_t alpn_len,
                    inspect_buf_t *out);

typedef enum {
  TLS_OFFER_ACCEPTED,        // a ServerHello: version and cipher (and group) chosen
  TLS_OFFER_RETRY,           // a HelloRetryRequest: TLS 1.3 with `group`, which the offer listed
  TLS_OFFER_ALERT,           // a fatal alert (`alert`), e.g. handshake_failure: nothing in common
  TLS_OFFER_CLOSED,          // the server closed or reset without an answer
  TLS_OFFER_NOT_TLS,         // the answer is not TLS
  TLS_OFFER_TIMEOUT,         // no answer in time
  TLS_OFFER_CONNECT_FAILED,  // no TCP connection
} tls_offer_outcome_t;

typedef struct {
  tls_offer_outcome_t outcome;
  uint16_t version;  // negotiated protocol version (supported_versions in TLS 1.3)
  uint16_t cipher;   // chosen suite
  uint16_t group;    // TLS 1.3 key_share / HRR group, or TLS 1.2 ECDHE curve from ServerKeyExchange; 0 unknown
  int alert;         // with TLS_OFFER_ALERT
  char detail[160];  // one line for the record
} tls_offer_result_t;

// tls_offer_parse reads the server's first bytes (`data`, as received so
// far). It returns 1 with `out` filled once it can say, 0 when it needs more
// bytes, or TLS_EHELLO for bytes that are not a TLS server's answer.
int tls_offer_parse(const uint8_t *data, size_t len, tls_offer_result_t *out);
// tls_offer_probe connects as `cfg` says (host, port, connect_addr,
// timeout), sends `hello` (a record from tls_hello_build, or a client's own
// ClientHello replayed), reads the answer and closes. It returns 0 with
// `out` filled for every outcome, TLS_E* only for bad arguments.
int tls_offer_probe(const tls_probe_config_t *cfg, const uint8_t *hello, size_t hello_len, tls_offer_result_t *out);
// tls_offer_probe_all sends each of `num` ClientHellos (`hellos[i]`, records
// from tls_hello_build) on its own connection, all at once (one thread
// each), so the whole takes one `cfg->timeout` at most; `out[i]` is the
// answer to `hellos[i]`. It returns 0, or TLS_ENOMEM when a thread could not
// start (its answer is then a timeout with that detail).
int tls_offer_probe_all(const tls_probe_config_t *cfg, const inspect_buf_t *hellos, size_t num,
                        tls_offer_result_t *out);

// tls_hello_spec_apply makes a BoringSSL client `ssl` offer as much of
// `spec` as BoringSSL can: versions, suites in order (TLS 1.2 and older;
// BoringSSL's TLS 1.3 suites are fixed), groups and signature algorithms
// in order (GREASE and the renegotiation/fallback SCSVs skipped). What it
// cannot offer is listed in `missing` (IANA values, of each list; may be
// NULL). Every list is applied even when one fails. Returns 0, or
// TLS_ENO_OFFER when nothing of a non-empty list can be offered (no suite,
// group or signature algorithm BoringSSL speaks); that list keeps
// BoringSSL's defaults. A spec with TLS 1.3 suites but no older one BoringSSL
// speaks gets TLS 1.3 only.
typedef struct {
  uint16_t ciphers[64];
  size_t num_ciphers;
  uint16_t groups[32];
  size_t num_groups;
  uint16_t sigalgs[32];
  size_t num_sigalgs;
  int versions;  // a version outside TLS 1.0-1.3 was asked for
} tls_hello_missing_t;

int tls_hello_spec_apply(SSL *ssl, const inspect_hello_spec_t *spec, tls_hello_missing_t *missing);

// tls_hello_spec_of fills `spec` with what the client of `hello` offered,
// pointing into `hello` (so GREASE is still there: tls_hello_spec_apply
// skips it). SNI is INSPECT_SNI_AS_CLIENT.
void tls_hello_spec_of(const tls_hello_t *hello, inspect_hello_spec_t *spec);

// Names from the IANA TLS registries, or NULL for a value they do not name.
//
// tls_cipher_name returns a cipher suite's IANA name
// ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").
const char *tls_cipher_name(uint16_t id);
// tls_group_name returns a supported group's name ("x25519", "secp256r1",
// "X25519MLKEM768", "X25519Kyber768Draft00").
const char *tls_group_name(uint16_t id);
// tls_sigalg_name returns a SignatureScheme name ("ecdsa_secp256r1_sha256"),
// or for a TLS 1.2 (hash, signature) pair outside that registry the name
// OpenSSL gives it ("dsa_sha256").
const char *tls_sigalg_name(uint16_t id);
// tls_extension_name returns an extension type's name ("server_name").
const char *tls_extension_name(uint16_t type);
// tls_version_name returns a protocol version's name as OpenSSL prints it
// ("TLSv1.3", "TLSv1", "SSLv3", "DTLSv1.2").
const char *tls_version_name(uint16_t version);

// Errors from a connection.
//
// tls_error_describe writes a one-line description of the last failure on
// the calling thread's BoringSSL error queue (reason and library) to `out`,
// and clears the queue.
void tls_error_describe(char *out, size_t out_len);

#ifdef __cplusplus
}
#endif

#endif  // TLSMIRROR_TLS_TLS_H
