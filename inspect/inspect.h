// inspect: the verdict engine. Pure C over DER bytes: certificate facts, the
// chain as sent, path building against a trust store, name matching, and one
// rule table per platform profile. No sockets, no printing, no global state;
// time is always an explicit argument.
//
// Results, one convention for the whole header:
// - An operation that can fail returns INSPECT_OK (0) or a negative INSPECT_E*
//   code, and its comment names the codes; test it with `!= INSPECT_OK`. An
//   allocating constructor returns NULL on failure instead.
// - A question returns 1 (yes) or 0 (no): predicates (is_, has_, contains,
//   issuer_of, looks_like), and three kinds whose comments say so: the time
//   parsers (1: it parsed), the PEM reader (1: one more block) and the
//   buffer appends (1: appended; 0 once the buffer has failed, which it
//   remembers in `failed`, so a writer may append freely and check once).
// - A lookup returns the thing or NULL (-1 where it is a number).
// - What a peer sent is never an error: a bad certificate is a finding and a
//   verdict, and a chain as sent keeps count of what it could not take.
// Ownership (as BoringSSL's): get0 returns a borrowed pointer, get1/new an
// owned one; _free accepts NULL.

#ifndef TLSMIRROR_INSPECT_INSPECT_H
#define TLSMIRROR_INSPECT_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Errors.
//
// Failures of the caller's input (a file, a flag) are INSPECT_E* codes. A
// peer's bad certificate is never an error: it is a finding and a verdict.
#define INSPECT_ERRNO_MAP(XX)                                                                             \
  XX(NOMEM, -21001, "out of memory")                                                                      \
  XX(NO_CERTIFICATE, -21002,                                                                              \
     "no certificate found: expected PEM blocks (-----BEGIN CERTIFICATE-----) or one DER "                \
     "certificate")                                                                                       \
  XX(BAD_PEM, -21003, "malformed PEM block: a BEGIN line without its END line, or invalid base64 inside") \
  XX(BAD_DER, -21004, "a certificate is not valid DER X.509: the file is truncated or not a certificate") \
  XX(TOO_MANY_CERTS, -21005, "too many certificates: a chain is limited to 64 and a trust store to 4096") \
  XX(TOO_LARGE, -21006, "input is larger than 16 MiB: not a certificate chain or bundle")                 \
  XX(BAD_PROFILE, -21007, "unknown profile: see 'tlsmirror inspect --help' for the list")                 \
  XX(BAD_TIME, -21008, "time is not RFC 3339: use e.g. 2026-01-31T12:00:00Z")                             \
  XX(BAD_NAME, -21009, "host name is empty, too long or contains spaces or control characters")           \
  XX(NOT_PEM_CERT, -21010, "a PEM block is not a certificate (e.g. a private key): remove it")

typedef enum {
  INSPECT_OK = 0,
#define INSPECT_ERRNO_ENUM(name, value, msg) INSPECT_E##name = (value),
  INSPECT_ERRNO_MAP(INSPECT_ERRNO_ENUM)
#undef INSPECT_ERRNO_ENUM
} inspect_errno_t;

// inspect_strerror returns the one-line message for an INSPECT_E* code.
const char *inspect_strerror(int err);
// inspect_err_name returns the code's name without prefix, e.g. "BAD_PEM".
const char *inspect_err_name(int err);

// Buffers.
//
// inspect_buf_t is a growable, NUL-terminated byte buffer with a hard cap
// (`max_len`, default INSPECT_BUF_DEFAULT_MAX). Appends past the cap or
// failing allocations set `failed` and are ignored afterwards, so a writer can
// append freely and check once at the end.
#define INSPECT_BUF_DEFAULT_MAX ((size_t)64 << 20)

typedef struct {
  char *data;
  size_t len;
  size_t cap;
  size_t max_len;
  int failed;
} inspect_buf_t;

// Appends return 1 if the bytes were appended, 0 if the buffer has failed.
void inspect_buf_init(inspect_buf_t *buf, size_t max_len);
void inspect_buf_cleanup(inspect_buf_t *buf);
void inspect_buf_reset(inspect_buf_t *buf);
int inspect_buf_append(inspect_buf_t *buf, const void *data, size_t len);
int inspect_buf_puts(inspect_buf_t *buf, const char *str);
int inspect_buf_printf(inspect_buf_t *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// inspect_buf_json_string appends `str` as a quoted JSON string, or `null`
// when `str` is NULL. Invalid UTF-8 becomes U+FFFD so output stays valid.
int inspect_buf_json_string(inspect_buf_t *buf, const char *str);
int inspect_buf_json_string_len(inspect_buf_t *buf, const char *str, size_t len);

// Time.
//
// Times are seconds since the Unix epoch, UTC, as int64_t.
#define INSPECT_TIME_STR_LEN 21  // "2026-11-23T08:49:00Z" and NUL

// inspect_time_parse_rfc3339 parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ" or
// with a numeric offset or fractional seconds. It returns 1 on success.
int inspect_time_parse_rfc3339(const char *str, int64_t *out);
void inspect_time_format_rfc3339(int64_t t, char out[INSPECT_TIME_STR_LEN]);
// inspect_time_from_asn1 converts the text of an ASN.1 UTCTime
// (`generalized` = 0) or GeneralizedTime, which must end in 'Z'. It returns
// 1 on success.
int inspect_time_from_asn1(const char *str, size_t len, int generalized, int64_t *out);

// PEM.
//
// inspect_pem_reader_t walks the PEM blocks of untrusted text. Each call to
// inspect_pem_reader_next yields one block: check `err` (INSPECT_EBAD_PEM for
// a broken block, which is then skipped). `junk_before` counts non-blank
// bytes between the previous block and this one; `line` is 1-based.
typedef struct {
  const uint8_t *data;
  size_t len;
  size_t pos;
  size_t line;
} inspect_pem_reader_t;

typedef struct {
  char label[64];  // e.g. "CERTIFICATE"
  uint8_t *der;    // decoded body, owned by the block
  size_t der_len;
  size_t offset;  // byte offset of the BEGIN line
  size_t line;    // line number of the BEGIN line
  size_t junk_before;
  int err;
} inspect_pem_block_t;

void inspect_pem_reader_init(inspect_pem_reader_t *reader, const uint8_t *data, size_t len);
// inspect_pem_reader_next returns 1 when it filled `out` (which the caller
// releases with inspect_pem_block_cleanup) and 0 at the end of the input.
int inspect_pem_reader_next(inspect_pem_reader_t *reader, inspect_pem_block_t *out);
void inspect_pem_block_cleanup(inspect_pem_block_t *block);
// inspect_pem_reader_trailing_junk returns 1 if non-blank bytes follow the
// last block the reader returned (call after inspect_pem_reader_next gave 0).
int inspect_pem_reader_trailing_junk(const inspect_pem_reader_t *reader);
// inspect_data_looks_like_pem returns 1 if `data` holds a BEGIN line.
int inspect_data_looks_like_pem(const uint8_t *data, size_t len);
// inspect_pem_append_cert appends one DER certificate to `out` as a PEM
// CERTIFICATE block (64-column base64). Returns INSPECT_OK or INSPECT_ENOMEM
// (and `out` is then failed, as after any append).
int inspect_pem_append_cert(inspect_buf_t *out, const uint8_t *der, size_t der_len);

// Certificates.
//
// inspect_cert_t is an immutable, reference-counted, parsed certificate.
// inspect_cert_info_t is a read-only view of its facts, valid as long as the
// certificate. Strings are NUL-terminated UTF-8; DNs are RFC 2253.
typedef struct inspect_cert_st inspect_cert_t;

typedef enum {
  INSPECT_KEY_UNKNOWN = 0,
  INSPECT_KEY_RSA,
  INSPECT_KEY_EC,
  INSPECT_KEY_ED25519,
  INSPECT_KEY_DSA,
} inspect_key_type_t;

typedef enum {
  INSPECT_HASH_UNKNOWN = 0,
  INSPECT_HASH_MD5,
  INSPECT_HASH_SHA1,
  INSPECT_HASH_SHA224,
  INSPECT_HASH_SHA256,
  INSPECT_HASH_SHA384,
  INSPECT_HASH_SHA512,
  INSPECT_HASH_INTRINSIC,  // Ed25519: no separate digest
} inspect_hash_t;

// Extended key usage bits.
#define INSPECT_EKU_SERVER_AUTH 0x1u
#define INSPECT_EKU_CLIENT_AUTH 0x2u
#define INSPECT_EKU_ANY 0x4u
#define INSPECT_EKU_OTHER 0x8u

// Key usage bits (RFC 5280 order).
#define INSPECT_KU_DIGITAL_SIGNATURE 0x80u
#define INSPECT_KU_KEY_ENCIPHERMENT 0x20u
#define INSPECT_KU_KEY_AGREEMENT 0x08u
#define INSPECT_KU_KEY_CERT_SIGN 0x04u

typedef struct {
  const uint8_t *der;
  size_t der_len;
  uint8_t sha256[32];
  char sha256_hex[65];
  const char *subject;
  const char *issuer;
  const char *common_name;       // the subject's last CN, or NULL
  const char *const *dns_names;  // subjectAltName dNSName entries
  size_t num_dns_names;
  const char *const *ip_addrs;  // subjectAltName iPAddress entries, as text
  size_t num_ip_addrs;
  int has_san;  // the subjectAltName extension is present
  int64_t not_before;
  int64_t not_after;
  const char *serial_hex;
  int version;  // 1, 2 or 3
  inspect_key_type_t key_type;
  int key_bits;
  const char *key_desc;  // e.g. "RSA 2048", "EC P-256"
  inspect_hash_t sig_hash;
  const char *sig_alg;  // e.g. "ecdsa-with-SHA256"
  int has_basic_constraints;
  int is_ca;
  int path_len;  // -1: no constraint
  int has_key_usage;
  unsigned key_usage;  // INSPECT_KU_*
  int has_eku;
  unsigned eku;     // INSPECT_EKU_*
  int self_issued;  // subject == issuer (see inspect_cert_is_self_signed)
  int has_name_constraints;
  int extensions_invalid;  // an extension could not be parsed
  // The first critical extension no verifier processes (anything but basic
  // constraints, key usage, EKU, SAN, name constraints and the policy
  // extensions: OpenSSL's X509_supported_extension list), as a dotted OID
  // or short name; NULL if none.
  const char *unhandled_critical;
  const char *aia_ca_issuers;  // first caIssuers URL of the AIA extension, or NULL
} inspect_cert_info_t;

// inspect_cert_new parses one DER certificate (copied). It returns NULL and
// sets `*out_err` to INSPECT_EBAD_DER for anything that is not X.509.
inspect_cert_t *inspect_cert_new(const uint8_t *der, size_t der_len, int *out_err);
void inspect_cert_up_ref(inspect_cert_t *cert);
void inspect_cert_free(inspect_cert_t *cert);
const inspect_cert_info_t *inspect_cert_get0_info(const inspect_cert_t *cert);
// inspect_cert_is_issued_by returns 1 if `issuer`'s subject is `cert`'s
// issuer and its key verifies `cert`'s signature.
int inspect_cert_is_issued_by(const inspect_cert_t *cert, const inspect_cert_t *issuer);
// inspect_cert_is_self_signed returns 1 if `cert` is self-issued and its
// signature verifies with its own key. Checked on first use and remembered:
// a root that is only ever used as a trust anchor never pays for it.
int inspect_cert_is_self_signed(const inspect_cert_t *cert);
// inspect_cert_get0_x509 returns the parsed BoringSSL object (for tls/).
struct x509_st *inspect_cert_get0_x509(const inspect_cert_t *cert);

// Chains.
//
// inspect_chain_t is an ordered list of certificates, e.g. as a server sent
// them (leaf first). At most INSPECT_CHAIN_MAX entries.
#define INSPECT_CHAIN_MAX 64
#define INSPECT_TRUST_MAX 4096
#define INSPECT_INPUT_MAX ((size_t)16 << 20)

typedef struct inspect_chain_st inspect_chain_t;

inspect_chain_t *inspect_chain_new(void);
void inspect_chain_free(inspect_chain_t *chain);
// inspect_chain_add_der parses and appends a certificate. It returns
// INSPECT_OK, INSPECT_EBAD_DER, INSPECT_ENOMEM or INSPECT_ETOO_MANY_CERTS (the
// chain is left as it was).
int inspect_chain_add_der(inspect_chain_t *chain, const uint8_t *der, size_t der_len);
// inspect_chain_add_sent appends a certificate as a peer sent it. One the
// chain cannot take (it does not parse, or comes past INSPECT_CHAIN_MAX) is
// not an error: the chain counts it as dropped and the report names it
// (finding DROPPED_CERT), so nothing a peer sent disappears silently.
void inspect_chain_add_sent(inspect_chain_t *chain, const uint8_t *der, size_t der_len);
// inspect_chain_num_dropped counts what inspect_chain_add_sent could not
// take; inspect_chain_first_dropped returns the first one's 0-based position
// as sent (with why in `*out_err`, if not NULL), or -1 when none was.
size_t inspect_chain_num_dropped(const inspect_chain_t *chain);
int inspect_chain_first_dropped(const inspect_chain_t *chain, int *out_err);
// inspect_chain_add1_cert appends a new reference to `cert`. It returns
// INSPECT_OK or INSPECT_ETOO_MANY_CERTS.
int inspect_chain_add1_cert(inspect_chain_t *chain, inspect_cert_t *cert);
// inspect_chain_load appends every certificate of `data`: PEM (blocks of
// other types, such as keys, are an error) or a single DER certificate. It
// returns INSPECT_OK or the first error (INSPECT_ENO_CERTIFICATE,
// INSPECT_EBAD_PEM, INSPECT_ENOT_PEM_CERT, INSPECT_EBAD_DER,
// INSPECT_ETOO_MANY_CERTS, INSPECT_ETOO_LARGE, INSPECT_ENOMEM); on a bad block
// `*out_index` (if not NULL) is its 0-based position.
int inspect_chain_load(inspect_chain_t *chain, const uint8_t *data, size_t len, size_t *out_index);
size_t inspect_chain_num(const inspect_chain_t *chain);
const inspect_cert_t *inspect_chain_get0(const inspect_chain_t *chain, size_t index);
// inspect_chain_sha256 hashes the DER of every certificate in order (and
// of any dropped): the identity of a chain as sent.
void inspect_chain_sha256(const inspect_chain_t *chain, uint8_t out[32]);

// Trust stores.
//
// inspect_trust_t is a set of trust anchors indexed by subject. `system`
// marks a platform's default store (Debian's Mozilla bundle): some clients
// apply extra rules to chains anchored there (Java's SHA-1 "jdkCA" rule).
typedef struct inspect_trust_st inspect_trust_t;

#define INSPECT_SYSTEM_TRUST_PATH "/etc/ssl/certs/ca-certificates.crt"

inspect_trust_t *inspect_trust_new(int system);
void inspect_trust_free(inspect_trust_t *trust);
// inspect_trust_load adds every certificate of a PEM bundle or DER file. It
// returns INSPECT_OK or the first error, as inspect_chain_load does (at most
// INSPECT_TRUST_MAX anchors).
int inspect_trust_load(inspect_trust_t *trust, const uint8_t *data, size_t len, size_t *out_index);
// inspect_trust_add1_cert adds `cert` (a duplicate is ignored). It returns
// INSPECT_OK, INSPECT_ETOO_MANY_CERTS or INSPECT_ENOMEM.
int inspect_trust_add1_cert(inspect_trust_t *trust, inspect_cert_t *cert);
size_t inspect_trust_num(const inspect_trust_t *trust);
int inspect_trust_is_system(const inspect_trust_t *trust);
// inspect_trust_contains returns 1 if `cert` (same subject and key) is an anchor.
int inspect_trust_contains(const inspect_trust_t *trust, const inspect_cert_t *cert);
// inspect_trust_issuer_of returns 1 if an anchor issued (signed) `cert`.
int inspect_trust_issuer_of(const inspect_trust_t *trust, const inspect_cert_t *cert);

// Reasons.
//
// A verdict's reason is one of these stable codes (documented in README.md).
#define INSPECT_REASON_MAP(XX)     \
  XX(OK)                           \
  XX(MISSING_INTERMEDIATE)         \
  XX(UNTRUSTED_ROOT)               \
  XX(SELF_SIGNED)                  \
  XX(WRONG_ORDER)                  \
  XX(EXPIRED)                      \
  XX(NOT_YET_VALID)                \
  XX(HOSTNAME_MISMATCH)            \
  XX(NO_SAN)                       \
  XX(WEAK_KEY)                     \
  XX(WEAK_SIGNATURE)               \
  XX(BAD_EKU)                      \
  XX(NAME_CONSTRAINTS)             \
  XX(NO_CERTIFICATE)               \
  XX(HANDSHAKE_ALERT)              \
  XX(PROTOCOL_MISMATCH)            \
  XX(CONNECT_FAILED)               \
  XX(TIMEOUT)                      \
  XX(CHAIN_TOO_LONG)               \
  XX(UNSUPPORTED_CERT)             \
  XX(UNHANDLED_CRITICAL_EXTENSION) \
  XX(INVALID_CA)                   \
  XX(PATH_LENGTH)                  \
  XX(KEY_USAGE)                    \
  XX(POLICY)

// CHAIN_TOO_LONG: the path from a client certificate to its root holds more
//   CA certificates than the platform allows (ALB and API Gateway mTLS: 4).
// UNSUPPORTED_CERT: a certificate the platform does not handle at all, though
//   not weak: an X.509 v1 certificate, an Ed25519 or DSA key, RSA above 8192
//   bits, a curve other than P-256/384/521 (ALB mTLS).
// UNHANDLED_CRITICAL_EXTENSION: a certificate carries an extension marked
//   critical that the verifier does not process (OpenSSL, Node, the JDK and
//   Chromium all refuse such a certificate).
// INVALID_CA: a certificate that issues another in the path is not a CA: its
//   basicConstraints says CA:FALSE, it has none, or it is X.509 v1 (RFC 5280
//   6.1.4 (k); OpenSSL error 79, Java "this is not a CA certificate").
// PATH_LENGTH: a CA's pathLenConstraint allows fewer CAs below it than the
//   path holds; self-issued CAs do not count (RFC 5280 6.1.4 (l), (m)).
// KEY_USAGE: a CA's keyUsage lacks keyCertSign (RFC 5280 6.1.4 (n)), or the
//   leaf's keyUsage does not allow what the TLS handshake needs of it
//   (digitalSignature for ECDHE and TLS 1.3).
// POLICY: certificate policy processing fails (RFC 5280 6.1.3 (f), 6.1.5
//   (g)): a requireExplicitPolicy the path's policies do not meet, or a
//   policy mapping of anyPolicy (Java, Chromium; OpenSSL only when asked).

typedef enum {
#define INSPECT_REASON_ENUM(name) INSPECT_REASON_##name,
  INSPECT_REASON_MAP(INSPECT_REASON_ENUM)
#undef INSPECT_REASON_ENUM
      INSPECT_REASON_COUNT
} inspect_reason_t;

const char *inspect_reason_name(inspect_reason_t reason);
// inspect_reason_from_name returns the reason, or -1 for an unknown name.
int inspect_reason_from_name(const char *name);

// Profiles.
//
// A profile is one client or platform's rules (openssl, node, java, browser,
// cloudfront-origin, cloudfront-viewer, apigateway, akamai-origin, ...).
// A selection is a parsed --profile list: ids, optionally with options after
// a colon ("apigateway:insecure-skip-verification"), or "all".
typedef struct inspect_profile_st inspect_profile_t;

#define INSPECT_SELECTION_MAX 24

size_t inspect_profile_count(void);
const inspect_profile_t *inspect_profile_get(size_t index);
const inspect_profile_t *inspect_profile_find(const char *id);
const char *inspect_profile_id(const inspect_profile_t *profile);
// inspect_profile_platform returns who the profile stands for, e.g.
// "Node.js 20 (Postman, axios)".
const char *inspect_profile_platform(const inspect_profile_t *profile);
// inspect_profile_options returns the profile's option names, or NULL.
const char *const *inspect_profile_options(const inspect_profile_t *profile);
// inspect_profile_is_default returns 1 for profiles that judge a server's
// chain (the "all" set); mTLS profiles judge client chains instead.
int inspect_profile_is_default(const inspect_profile_t *profile);

typedef struct {
  const inspect_profile_t *profile;
  unsigned options;  // bit i = option i of inspect_profile_options
  char label[64];    // "id" or "id:option"
} inspect_choice_t;

typedef struct {
  inspect_choice_t items[INSPECT_SELECTION_MAX];
  size_t num;
} inspect_selection_t;

// inspect_selection_parse parses "all" or a comma-separated list of ids with
// options. Returns 0 or INSPECT_EBAD_PROFILE with `bad` naming the item.
int inspect_selection_parse(const char *list, inspect_selection_t *out, char *bad, size_t bad_len);
// inspect_selection_all selects every default profile.
void inspect_selection_all(inspect_selection_t *out);

// ClientHellos.
//
// inspect_hello_spec_t is what a client or platform offers in its
// ClientHello, as data: protocol versions, cipher suites (IANA values,
// TLS 1.3 ones included, in preference order), supported groups and
// signature algorithms, and whether it sends SNI. Profiles carry the one
// their platform sends; the proxy builds one from each client's ClientHello.
typedef enum {
  INSPECT_SNI_AS_CLIENT = 0,  // whatever the client sent (client emulations)
  INSPECT_SNI_ALWAYS,         // the origin's name, always (CloudFront, API Gateway)
  INSPECT_SNI_NEVER,          // none
  INSPECT_SNI_CONFIGURABLE,   // on by default, can be turned off (Akamai "Use SNI TLS Extension")
} inspect_sni_rule_t;

typedef struct {
  uint16_t min_version, max_version;  // e.g. 0x0301 (TLS 1.0) .. 0x0304 (TLS 1.3)
  const uint16_t *ciphers;
  size_t num_ciphers;
  const uint16_t *groups;
  size_t num_groups;
  const uint16_t *sigalgs;
  size_t num_sigalgs;
  inspect_sni_rule_t sni;
  const char *source;  // where the facts come from; "UNCERTAIN: ..." where the platform does not say
  // The lowest version it completes a handshake with, when lower ones are
  // offered but refused after the ServerHello (OpenSSL 3 at security level
  // 2 offers TLS 1.0 and refuses it); 0: min_version.
  uint16_t min_accepted;
} inspect_hello_spec_t;

// inspect_profile_hello returns the ClientHello the profile's client or
// platform sends, or NULL for profiles that judge something else (viewer and
// mTLS profiles). inspect_hello_spec_find also knows platforms without a
// certificate profile ("alb": ALB to its targets).
const inspect_hello_spec_t *inspect_profile_hello(const inspect_profile_t *profile);
const inspect_hello_spec_t *inspect_hello_spec_find(const char *id);

// Analysis input.
//
// The handshake part says how the connection went; a chain read from a file
// has INSPECT_HS_NONE.
typedef enum {
  INSPECT_HS_NONE = 0,        // no live handshake (offline input)
  INSPECT_HS_OK,              // the handshake completed
  INSPECT_HS_ALERT,           // the server sent a fatal alert
  INSPECT_HS_CLOSED,          // the server closed or reset the connection mid-handshake
  INSPECT_HS_PROTOCOL,        // no common version or cipher, or the peer is not TLS
  INSPECT_HS_CONNECT_FAILED,  // TCP connect failed
  INSPECT_HS_TIMEOUT,         // no answer in time
} inspect_hs_status_t;

// inspect_alert_name returns a TLS alert's IANA name, e.g. "handshake_failure"
// (40), or "unknown_alert". Every alert tlsmirror names anywhere (verdicts,
// findings, records, JSON) is named this way.
const char *inspect_alert_name(int alert);

typedef struct {
  inspect_hs_status_t status;
  int alert;                  // alert number from the server, -1 for none
  int alert_after_handshake;  // it arrived after our Finished (TLS 1.3 client auth)
  const char *detail;         // e.g. "Connection refused", or NULL
  // Non-NULL when tlsmirror's own TLS library, not the origin, stopped the
  // handshake after the origin sent its chain (status is then
  // INSPECT_HS_OK and the chain is judged as received): what it could not do.
  const char *own_limit;
} inspect_handshake_t;

// A second handshake with one parameter changed, made only after a failure
// (a live inspect, the proxy): today SNI. When the handshake went without
// SNI and failed, the same offer with SNI `sni` (the origin's name) says
// whether SNI is the cause. If it completes, the report names that cause
// (finding SNI_REQUIRED, the summary, each verdict's `fix`), and platforms
// that always send SNI (INSPECT_SNI_ALWAYS: CloudFront and API Gateway to
// their origins) are judged on this handshake instead.
typedef struct {
  const char *sni;
  inspect_handshake_t handshake;
  const inspect_chain_t *chain;  // what the origin sent on it; NULL or empty: nothing
} inspect_retry_t;

// Each platform's own handshake. A live inspect sends every distinct
// platform ClientHello (tls_hello_build, tls_offer_probe_all) and judges each
// profile that has one on the answer to its own: a refusal is that
// profile's verdict (PROTOCOL_MISMATCH in its words when they share nothing,
// naming what the origin accepts and what the platform offers); an answer
// gives the version, suite and group the platform would get, and its chain
// is judged as usual. So is an answer whose certificate key no signature
// algorithm of the offer covers (an Ed25519 leaf for CloudFront) refused.
typedef struct {
  const inspect_hello_spec_t *spec;  // whose ClientHello (inspect_profile_hello); NULL for tlsmirror's own
  inspect_handshake_t handshake;     // INSPECT_HS_OK: the origin chose the values below
  uint16_t version, cipher, group;   // IANA values; 0: unknown
  const char *version_name, *cipher_name, *group_name;  // their names, or NULL
} inspect_offer_t;

// AIA fetches.
//
// Chromium fetches an issuer that no one sent from the caIssuers URL of the
// certificate's Authority Information Access extension; no other client or
// platform here does. tls/ fetches (the only part with sockets); inspect says
// which URL a browser fetches next and what each outcome means for its
// verdict. Statuses are stable names, as in JSON.
#define INSPECT_AIA_STATUS_MAP(XX)                                                   \
  XX(OK, "ok")                       /* it delivered at least one certificate */     \
  XX(NOT_HTTP, "not_http")           /* not an http:// URL (or a redirect to one) */ \
  XX(DEAD, "dead")                   /* unresolvable, refused, or not HTTP 200 */    \
  XX(TIMEOUT, "timeout")             /* no complete answer in time */                \
  XX(TOO_LARGE, "too_large")         /* the body is larger than the cap */           \
  XX(GARBAGE, "garbage")             /* not DER, certs-only PKCS#7 or PEM */         \
  XX(REDIRECT_LOOP, "redirect_loop") /* more redirects than allowed */

typedef enum {
#define INSPECT_AIA_STATUS_ENUM(name, text) INSPECT_AIA_##name,
  INSPECT_AIA_STATUS_MAP(INSPECT_AIA_STATUS_ENUM)
#undef INSPECT_AIA_STATUS_ENUM
} inspect_aia_status_t;

// inspect_aia_status_name returns the status's stable name, e.g. "dead".
const char *inspect_aia_status_name(inspect_aia_status_t status);

// inspect_aia_fetch_t is the outcome of fetching one URL.
typedef struct {
  const char *url;
  inspect_aia_status_t status;
  const char *detail;            // what happened, e.g. "HTTP 404 Not Found", "DER certificate"
  const inspect_chain_t *certs;  // what it delivered (status OK), or NULL
} inspect_aia_fetch_t;

typedef struct inspect_input_st inspect_input_t;

// inspect_aia_next_url returns the caIssuers URL a browser fetches next for
// `in` (its chain, trust store and the AIA pool gathered so far): the URL of
// the certificate its path stops at when no issuer of it is known, or NULL.
// The string belongs to a certificate of the chain or the pool.
const char *inspect_aia_next_url(const inspect_input_t *in);

struct inspect_input_st {
  const inspect_chain_t *chain;     // as sent; NULL or empty: no certificate
  const char *name;                 // the name clients check; NULL: no check
  int name_from_peer;               // `name` is a peer's (a client's SNI): an unusable name matches nothing
                                    // instead of being INSPECT_EBAD_NAME
  int sni_sent;                     // the client sent SNI
  const inspect_trust_t *trust;     // trust anchors for every profile
  const inspect_chain_t *aia_pool;  // intermediates AIA-fetching clients obtain; may be NULL
  int64_t now;
  inspect_handshake_t handshake;
  // The AIA fetches made for this input, in order (their certificates are in
  // aia_pool too); NULL when nothing was fetched. A URL a browser would fetch
  // that has no entry here was not tried (offline, or --no-aia).
  const inspect_aia_fetch_t *aia_fetches;
  size_t num_aia_fetches;
  const inspect_retry_t *with_sni;  // the same handshake with SNI, or NULL (see inspect_retry_t)
  // Each platform's own handshake (see inspect_offer_t), or NULL; and what
  // tlsmirror's own handshake (`handshake`, `chain`) negotiated, named.
  const inspect_offer_t *offers;
  size_t num_offers;
  inspect_offer_t own;
};

// inspect_name_is_valid returns 1 if `name` can be a host name to check: 1
// to 253 bytes, no spaces or control characters.
int inspect_name_is_valid(const char *name);
// inspect_name_is_ip returns 1 if `name` is an IPv4 or IPv6 literal (a
// client sends no SNI for it; certificates name it in an iPAddress SAN).
int inspect_name_is_ip(const char *name);

// Reports.
typedef enum {
  INSPECT_SEVERITY_INFO = 0,
  INSPECT_SEVERITY_WARNING,
  INSPECT_SEVERITY_ERROR,
} inspect_severity_t;

typedef struct {
  const char *code;  // a reason code or a finding-only code (ANCHOR_INCLUDED...)
  inspect_severity_t severity;
  int cert_index;  // position in the chain as sent, -1 for the chain as a whole
  const char *detail;
} inspect_finding_t;

typedef struct {
  const char *profile;  // the choice's label
  const char *platform;
  int accept;
  inspect_reason_t reason;
  const char *message;  // the platform's own words
  const char *effect;   // what the user would see, one sentence
  // When the report names the cause of a failed handshake (the origin
  // requires SNI): what this platform's user changes, else NULL.
  const char *fix;
  // The handshake this verdict was judged on: the platform's own (live
  // inspect with offers), else tlsmirror's; NULL offline.
  const inspect_offer_t *handshake;
} inspect_verdict_t;

typedef struct inspect_report_st inspect_report_t;

// inspect_report_new analyses `in` under every profile of `sel`. It never
// fails on a bad certificate (that is a finding); it returns INSPECT_ENOMEM
// or INSPECT_EBAD_NAME.
int inspect_report_new(const inspect_input_t *in, const inspect_selection_t *sel, inspect_report_t **out);
void inspect_report_up_ref(inspect_report_t *report);
void inspect_report_free(inspect_report_t *report);
size_t inspect_report_num_findings(const inspect_report_t *report);
const inspect_finding_t *inspect_report_get0_finding(const inspect_report_t *report, size_t index);
size_t inspect_report_num_verdicts(const inspect_report_t *report);
const inspect_verdict_t *inspect_report_get0_verdict(const inspect_report_t *report, size_t index);
size_t inspect_report_num_rejects(const inspect_report_t *report);
// inspect_report_get0_summary returns one sentence: who rejects and what the
// user sees, or that every profile accepts.
const char *inspect_report_get0_summary(const inspect_report_t *report);

// JSON renderings (appended to `out`), shared by inspect --json and the
// proxy's log records.
void inspect_json_chain(inspect_buf_t *out, const inspect_chain_t *chain);
void inspect_json_cert(inspect_buf_t *out, const inspect_cert_t *cert, int index);
void inspect_json_findings(inspect_buf_t *out, const inspect_report_t *report);
void inspect_json_verdicts(inspect_buf_t *out, const inspect_report_t *report);

// Cache.
//
// inspect_cache_t keeps recent reports keyed by everything that decides them
// (chain SHA-256, name, SNI, handshake, trust, selection, the current
// minute), so a proxy judges each origin chain once. Not thread-safe: use one
// per event loop.
typedef struct inspect_cache_st inspect_cache_t;

inspect_cache_t *inspect_cache_new(size_t max_entries);
void inspect_cache_free(inspect_cache_t *cache);
// inspect_cache_report sets `*out` to a new reference to the report for `in`
// and `sel`, from the cache or freshly analysed (and then cached). It returns
// INSPECT_OK or an error of inspect_report_new (`*out` is then NULL).
int inspect_cache_report(inspect_cache_t *cache, const inspect_input_t *in, const inspect_selection_t *sel,
                         inspect_report_t **out);
size_t inspect_cache_hits(const inspect_cache_t *cache);

// CA bundles.
//
// inspect_bundle_lint checks a CA bundle (the PEM file a platform's mTLS
// trust store is made of) the way the platform checks it before accepting
// it: each certificate (X.509 v3, basicConstraints CA:TRUE, valid at `now`,
// key, signature, size) and the bundle as a whole (PEM only, blank lines,
// comments and other text, duplicates, every issuer present up to a root,
// chain depth, number of CAs). Profiles with bundle rules are the mTLS ones
// (alb-mtls, apigateway-mtls); a NULL profile only splits the file into its
// blocks (for `tlsmirror bundle split`).
//
// A bad block or certificate is a violation, never an error: the only errors
// are input with no PEM block and no DER certificate at all
// (INSPECT_ENO_CERTIFICATE, INSPECT_EBAD_DER), INSPECT_ETOO_LARGE,
// INSPECT_ETOO_MANY_CERTS, INSPECT_EBAD_PROFILE (a profile without bundle
// rules) and INSPECT_ENOMEM.
#define INSPECT_BUNDLE_RULE_MAP(XX)                                                \
  XX(NOT_PEM, "the file is DER, not PEM")                                          \
  XX(BAD_PEM, "a PEM block is broken (no END line or invalid base64)")             \
  XX(NOT_CERTIFICATE, "a PEM block is not a certificate (a key, a CRL...)")        \
  XX(BAD_DER, "a CERTIFICATE block does not hold a valid X.509 certificate")       \
  XX(NON_PEM_DATA, "text outside the PEM blocks")                                  \
  XX(BAD_COMMENT, "a # comment contains a '-'")                                    \
  XX(BLANK_LINE, "blank lines")                                                    \
  XX(NOT_V3, "not an X.509 v3 certificate")                                        \
  XX(NOT_CA, "not a CA: basicConstraints CA:TRUE is missing (a leaf)")             \
  XX(EXPIRED, "the certificate has expired")                                       \
  XX(NOT_YET_VALID, "the certificate is not valid yet")                            \
  XX(WEAK_KEY, "the key is too small")                                             \
  XX(UNSUPPORTED_KEY, "the key type, size or curve is not supported")              \
  XX(WEAK_SIGNATURE, "signed with a weak digest (SHA-1, MD5)")                     \
  XX(UNSUPPORTED_SIGNATURE, "the signature algorithm is not supported")            \
  XX(CERT_TOO_LARGE, "the certificate is larger than the platform allows")         \
  XX(DUPLICATE, "the same certificate appears twice")                              \
  XX(ISSUER_MISSING, "the certificate's issuer is not in the bundle")              \
  XX(CHAIN_TOO_DEEP, "more CA certificates in one chain than the platform allows") \
  XX(TOO_MANY_CAS, "more CA certificates than one trust store may hold")           \
  XX(SUBJECTS_TOO_LARGE, "the subject names together exceed the platform's limit")

typedef enum {
#define INSPECT_BUNDLE_RULE_ENUM(name, summary) INSPECT_BUNDLE_##name,
  INSPECT_BUNDLE_RULE_MAP(INSPECT_BUNDLE_RULE_ENUM)
#undef INSPECT_BUNDLE_RULE_ENUM
      INSPECT_BUNDLE_RULE_COUNT
} inspect_bundle_rule_t;

// inspect_bundle_rule_name returns the rule's stable code, e.g. "NOT_CA";
// inspect_bundle_rule_summary its one-line description.
const char *inspect_bundle_rule_name(inspect_bundle_rule_t rule);
const char *inspect_bundle_rule_summary(inspect_bundle_rule_t rule);

// An entry is one block of the file (or the one DER certificate), in order.
typedef struct {
  size_t index;                // 0-based position in the file
  size_t line;                 // 1-based line of the BEGIN line (1 for DER input)
  char label[64];              // PEM label, e.g. "CERTIFICATE"; "" for DER input
  const inspect_cert_t *cert;  // NULL when the block holds no parsable certificate
  const uint8_t *text;         // the block exactly as in the file, with its line end; NULL for DER
  size_t text_len;
  int depth;            // CA certificates from this one up to the top of its chain in the bundle
  int has_root;         // that chain ends at a self-signed root in the bundle
  const char *removed;  // why --fix leaves it out ("it is a leaf"), NULL if kept
} inspect_bundle_entry_t;

typedef struct {
  inspect_bundle_rule_t rule;
  const char *code;           // inspect_bundle_rule_name(rule)
  int entry;                  // the entry concerned, -1 for the file as a whole
  size_t line;                // 1-based line concerned, 0 for none
  const char *detail;         // what is wrong, with the facts
  const char *platform_text;  // the platform's own words where known, else NULL
  const char *suggestion;     // what to do, e.g. "remove certificate #2: it is a leaf"
} inspect_bundle_violation_t;

typedef struct inspect_bundle_st inspect_bundle_t;

// inspect_profile_has_bundle_rules returns 1 for profiles that lint bundles.
int inspect_profile_has_bundle_rules(const inspect_profile_t *profile);
int inspect_bundle_lint(const uint8_t *data, size_t len, const inspect_profile_t *profile, int64_t now,
                        inspect_bundle_t **out);
void inspect_bundle_free(inspect_bundle_t *bundle);
const inspect_profile_t *inspect_bundle_get0_profile(const inspect_bundle_t *bundle);
int64_t inspect_bundle_time(const inspect_bundle_t *bundle);
int inspect_bundle_is_pem(const inspect_bundle_t *bundle);
size_t inspect_bundle_num_entries(const inspect_bundle_t *bundle);
const inspect_bundle_entry_t *inspect_bundle_get0_entry(const inspect_bundle_t *bundle, size_t index);
// inspect_bundle_num_certs counts the entries that hold a certificate.
size_t inspect_bundle_num_certs(const inspect_bundle_t *bundle);
size_t inspect_bundle_num_violations(const inspect_bundle_t *bundle);
const inspect_bundle_violation_t *inspect_bundle_get0_violation(const inspect_bundle_t *bundle, size_t index);
// inspect_bundle_num_kept counts the certificates the cleaned bundle keeps.
size_t inspect_bundle_num_kept(const inspect_bundle_t *bundle);
// inspect_bundle_write_fixed appends the cleaned bundle to `out`: the kept
// certificates in file order, as PEM without comments or blank lines. The
// removals are those that make it pass the lint (entries whose `removed` is
// set), including certificates whose issuer --fix removed. It returns 0 or
// INSPECT_ENOMEM.
int inspect_bundle_write_fixed(const inspect_bundle_t *bundle, inspect_buf_t *out);
// inspect_bundle_file_name writes a safe file name for entry `index`:
// "<index>-<subject CN>.pem", with the index zero-padded to the width of the
// largest one and anything but [A-Za-z0-9._-] in the CN replaced by '-'.
void inspect_bundle_file_name(const inspect_bundle_t *bundle, size_t index, char *out, size_t out_len);
// inspect_json_bundle appends {"profile","platform","at","pem","entries",
// "violations","compliant","fix"} (see tools/cmd_bundle.c --help).
void inspect_json_bundle(inspect_buf_t *out, const inspect_bundle_t *bundle);

#ifdef __cplusplus
}
#endif

#endif  // TLSMIRROR_INSPECT_INSPECT_H
