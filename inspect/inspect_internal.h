// Internal to inspect/: certificate internals, the analysis context, path
// building, the OpenSSL verification emulation, name matching and the
// profile interface. A server profile is a table of rules (rules.c runs it);
// mTLS profiles judge in a function of their own.

#ifndef TLSMIRROR_INSPECT_INSPECT_INTERNAL_H
#define TLSMIRROR_INSPECT_INSPECT_INTERNAL_H

#include <openssl/base.h>
#ifndef OPENSSL_IS_BORINGSSL
#error "tlsmirror must be built against BoringSSL (headers in /usr/include/android)"
#endif

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "inspect/inspect.h"

struct inspect_cert_st {
  int refs;  // atomic
  X509 *x509;
  EVP_PKEY *pkey;  // NULL when the key cannot be parsed
  inspect_cert_info_t info;
  int self_signed_state;     // atomic: 0 not checked yet, 1 no, 2 yes
  uint8_t subject_hash[32];  // SHA-256 of the subject's DER
  uint8_t issuer_hash[32];
  uint8_t spki_hash[32];  // SHA-256 of the public key bit string
  uint8_t *der;
  char *subject, *issuer, *common_name, *serial_hex, *aia;
  char **dns, **ips;
  char key_desc[32];
  char unhandled_critical[80];  // see inspect_cert_info_t
  int duplicate_extension;      // an extension occurs twice (RFC 5280 4.2)
};

// Arena: report-lifetime strings, freed all at once.
typedef struct inspect_arena_block_st inspect_arena_block_t;
typedef struct {
  inspect_arena_block_t *head;
} inspect_arena_t;

char *inspect__arena_strdup(inspect_arena_t *arena, const char *str);
char *inspect__arena_printf(inspect_arena_t *arena, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void inspect__arena_free(inspect_arena_t *arena);

// Paths: a candidate certification path from the leaf towards an anchor.
#define INSPECT_PATH_MAX 16

typedef enum {
  PATH_SOURCE_CHAIN,  // sent by the server
  PATH_SOURCE_TRUST,  // a trust anchor from the store
  PATH_SOURCE_POOL,   // from the AIA pool (--intermediates)
} inspect_path_source_t;

typedef enum {
  PATH_END_EMPTY,           // no certificate at all
  PATH_END_ANCHORED,        // reached a trust anchor
  PATH_END_SELF_SIGNED,     // the leaf is self-signed and not trusted
  PATH_END_UNTRUSTED_ROOT,  // reached a self-signed root that is not trusted
  PATH_END_ISSUER_MISSING,  // no issuer for the top certificate
  PATH_END_TOO_LONG,
} inspect_path_end_t;

typedef struct {
  const inspect_cert_t *certs[INSPECT_PATH_MAX];
  int sent_index[INSPECT_PATH_MAX];  // index in the chain as sent, or -1
  inspect_path_source_t source[INSPECT_PATH_MAX];
  size_t len;
  inspect_path_end_t end;
  int stale_issuer;  // the top's issuer was sent by name but did not sign it
} inspect_path_t;

// The analysis context shared by the findings pass and every profile.
#define INSPECT_SIGCACHE_MAX 64

typedef struct {
  const inspect_input_t *in;
  inspect_arena_t *arena;
  int name_is_ip;
  // Signature checks already made: (cert, issuer) -> verified.
  struct {
    const inspect_cert_t *cert, *issuer;
    int ok;
  } sigcache[INSPECT_SIGCACHE_MAX];
  size_t num_sigcache;
  // Paths built once: without and with the AIA pool.
  inspect_path_t path, path_aia;
  int have_path, have_path_aia;
} inspect_ctx_t;

const inspect_cert_t *inspect__leaf(const inspect_ctx_t *ctx);
int inspect__signed_by(inspect_ctx_t *ctx, const inspect_cert_t *cert, const inspect_cert_t *issuer);
// inspect__names_issuer returns 1 if `issuer`'s subject is `cert`'s issuer
// (and, when both are present, the key identifiers agree).
int inspect__names_issuer(const inspect_cert_t *cert, const inspect_cert_t *issuer);
// inspect__path_build builds a path from the leaf of ctx->in->chain, taking
// each issuer from the trust store first, then (use_chain) from the chain as
// sent in any order, then (use_pool) from the AIA pool. Without
// require_root it ends ANCHORED at the first trusted certificate, as servers'
// verifiers do; with it only at a trusted self-signed root, as OpenSSL does
// for client certificates without partial chains.
typedef struct {
  int use_chain, use_pool, require_root;
} inspect_path_opts_t;
void inspect__path_build(inspect_ctx_t *ctx, const inspect_path_opts_t *opts, inspect_path_t *out);
// inspect__path returns the server path built once per context (with
// use_chain, without require_root), with or without the AIA pool.
const inspect_path_t *inspect__path(inspect_ctx_t *ctx, int use_aia_pool);
const inspect_cert_t *inspect__trust_find_issuer(inspect_ctx_t *ctx, const inspect_trust_t *trust,
                                                 const inspect_cert_t *cert);
int inspect__trust_is_anchor(const inspect_trust_t *trust, const inspect_cert_t *cert);
int inspect__is_valid_at(const inspect_cert_t *cert, int64_t now);

// Shared path checks (checks.c). "Checked" certificates are those of the
// path except a trust anchor at its top.
inspect_reason_t inspect__path_failure_reason(inspect_ctx_t *ctx, const inspect_path_t *path);
size_t inspect__path_checked_len(const inspect_ctx_t *ctx, const inspect_path_t *path);
inspect_reason_t inspect__path_time_problem(inspect_ctx_t *ctx, const inspect_path_t *path);
int inspect__path_weak_signature(inspect_ctx_t *ctx, const inspect_path_t *path);
int inspect__path_weak_key(inspect_ctx_t *ctx, const inspect_path_t *path, int min_rsa_bits);
int inspect__leaf_server_eku_ok(const inspect_cert_t *leaf);
int inspect__path_in_sent_order(const inspect_path_t *path);
int inspect__path_cas_ok(const inspect_path_t *path);
int inspect__path_name_constraints_ok(const inspect_path_t *path);
// RFC 5280 6.1.4 (k)-(n) over the CAs of a path (checks.c). Each returns
// INSPECT_REASON_OK or its reason, with the failing certificate's index in
// *at. Verifiers differ on the trust anchor at the top: RFC 5280 and Java's
// CertPathValidator do not check it, OpenSSL and Chromium apply its
// constraints (a v1 anchor, or one without basicConstraints, still counts as
// a CA), and Java's PKIXValidator then requires a v3 anchor to be a CA.
typedef enum {
  INSPECT_ANCHOR_UNCHECKED,    // the anchor's extensions are not looked at
  INSPECT_ANCHOR_BC_OPTIONAL,  // checked, but basicConstraints may be absent (and v1 passes)
  INSPECT_ANCHOR_BC_REQUIRED,  // checked, and a v3 anchor needs CA:TRUE
} inspect_anchor_rule_t;
int inspect__path_is_anchor_at(const inspect_ctx_t *ctx, const inspect_path_t *path, size_t k);
// INVALID_CA: an issuer in the path that is not a CA (CA:FALSE, no
// basicConstraints, X.509 v1), the anchor as `anchor` says.
inspect_reason_t inspect__path_basic_constraints(const inspect_ctx_t *ctx, const inspect_path_t *path,
                                                 inspect_anchor_rule_t anchor, size_t *at);
// inspect__path_len_exceeded_at returns 1 if the pathLenConstraint of the CA
// at `k` allows fewer intermediate CAs below it than the path holds
// (self-issued ones do not count).
int inspect__path_len_exceeded_at(const inspect_path_t *path, size_t k);
// PATH_LENGTH: the first CA from the top whose pathLenConstraint is exceeded
// (the anchor's only with `anchor`).
inspect_reason_t inspect__path_length(const inspect_ctx_t *ctx, const inspect_path_t *path, int anchor, size_t *at);
// KEY_USAGE: the first CA from the top whose keyUsage lacks keyCertSign.
int inspect__ca_key_usage_ok(const inspect_cert_t *ca);
inspect_reason_t inspect__path_ca_key_usage(const inspect_ctx_t *ctx, const inspect_path_t *path, int anchor,
                                            size_t *at);
// inspect__path_ca_problem runs the three above in that order (the anchor as
// `anchor` says) and returns the first problem.
inspect_reason_t inspect__path_ca_problem(const inspect_ctx_t *ctx, const inspect_path_t *path,
                                          inspect_anchor_rule_t anchor, size_t *at);
// inspect__path_store_issuer_inexact returns the index of the first issuer
// taken from the trust store whose subject matches the name its subordinate
// gives only as RFC 5280 7.1 compares names (case, spaces, string type), not
// byte for byte; -1 if none. Chromium's NSS trust store finds CAs by their
// exact name, so it does not find that one.
int inspect__path_store_issuer_inexact(const inspect_path_t *path);
// BAD_EKU: the first CA from the top (the anchor only with `anchor`) whose
// extended key usage has neither serverAuth nor anyExtendedKeyUsage, which
// Chromium applies to the whole path.
inspect_reason_t inspect__path_ca_eku(const inspect_ctx_t *ctx, const inspect_path_t *path, int anchor, size_t *at);
// inspect__anchor_time_problem returns EXPIRED or NOT_YET_VALID for a trust
// anchor at the top of `path` outside its validity (Chromium checks a
// locally trusted root's dates), else OK.
inspect_reason_t inspect__anchor_time_problem(const inspect_ctx_t *ctx, const inspect_path_t *path);
// inspect__akid_matches returns 0 when `cert`'s authorityKeyIdentifier names
// another key or certificate than `issuer` (its key identifier, or its
// issuer name and serial); OpenSSL and Java then do not take `issuer` as the
// issuer (RFC 5280 leaves it to path building).
int inspect__akid_matches(const inspect_cert_t *cert, const inspect_cert_t *issuer);
// inspect__cn_name_constraint_error checks a leaf without a dNSName SAN whose
// CN looks like a host name against the DNS subtrees of `nc`, as OpenSSL 3
// (NAME_CONSTRAINTS_check_CN) and Java do and BoringSSL does not: 0 when it
// passes, else X509_V_ERR_PERMITTED_VIOLATION (47) or _EXCLUDED_ (48).
int inspect__cn_name_constraint_error(const inspect_cert_t *leaf, NAME_CONSTRAINTS *nc);
// inspect__path_policy_error runs RFC 5280 policy processing over the
// checked certificates (policy.c) with PKIXParameters' defaults, as Java and
// Chromium do: NULL when it passes, else Java's words, with the index of the
// certificate where it fails in *at. A mapping of anyPolicy fails always with
// `any_mapping_always` (Chromium), else only while the policy tree is not
// NULL (Java's PolicyChecker maps only then).
const char *inspect__path_policy_error(const inspect_ctx_t *ctx, const inspect_path_t *path, int any_mapping_always,
                                       size_t *at);
// KEY_USAGE when the leaf has keyUsage with none of the bits `any_of`
// (INSPECT_KU_*), else OK.
inspect_reason_t inspect__leaf_key_usage(const inspect_cert_t *leaf, unsigned any_of);
// inspect__path_unhandled_critical returns the index of the first checked
// certificate with an unhandled critical extension, or -1.
int inspect__path_unhandled_critical(const inspect_ctx_t *ctx, const inspect_path_t *path);

// AIA (aia.c), for browsers: what the issuers fetched from caIssuers URLs
// (or given with --intermediates) change.
//
// inspect__aia_browser_accept_effect returns the effect of accepting `path`
// (built with the AIA pool) when an issuer in it came from the pool, naming
// the URL it was fetched from; NULL when the chain as sent sufficed.
const char *inspect__aia_browser_accept_effect(inspect_ctx_t *ctx, const inspect_path_t *path);
// inspect__aia_browser_reject_note returns, for a path that stops for want of
// an issuer whose certificate names a caIssuers URL, what became of that URL
// (dead, too slow, not fetched here...); NULL otherwise.
const char *inspect__aia_browser_reject_note(inspect_ctx_t *ctx, const inspect_path_t *path);
// inspect__aia_findings writes at most `max` findings about AIA into `out`:
// AIA_FAILED for each failed fetch, AIA_FETCHED for each fetched issuer that
// completes the browser's path, AIA_RESCUABLE when --intermediates does.
size_t inspect__aia_findings(inspect_ctx_t *ctx, inspect_finding_t *out, size_t max);

// Name matching.
typedef enum {
  NAME_CN_NEVER,      // SANs only (browsers, CloudFront viewer certificates)
  NAME_CN_IF_NO_DNS,  // CN only when there is no dNSName SAN (OpenSSL, Node, Java, Apache)
  NAME_CN_ALWAYS,     // CN counts as much as SANs (CloudFront origins, Akamai, as documented)
} inspect_cn_rule_t;

// Wildcard rules, as bits: clients differ on partial-label wildcards.
#define NAME_WILDCARD_PARTIAL 0x1u   // "f*.example.com" matches "foo.example.com" (OpenSSL, Node, JDK, Apache)
#define NAME_WILDCARD_ONE_SIDE 0x2u  // ... but never "f*o.example.com" (OpenSSL's valid_star)
#define NAME_WILDCARD_WHOLE_ALABEL \
  0x4u  // a partial wildcard never covers an "xn--" host label (OpenSSL; the
        // JDK compares U-labels)
#define NAME_WILDCARD_ANY_DOMAIN \
  0x8u  // "*.com" counts: one label after the '*' is enough (the JDK under a
        // CA outside its cacerts)

typedef struct {
  inspect_cn_rule_t cn;
  unsigned wildcards;  // NAME_WILDCARD_* bits; 0: whole left-most labels only
} inspect_name_rules_t;

typedef enum {
  NAME_MATCH = 0,
  NAME_MISMATCH,  // names present, none matches
  NAME_NO_SAN,    // nothing to match: no SAN name of any kind (and the CN does not count)
} inspect_name_result_t;

inspect_name_result_t inspect__name_check(const inspect_cert_t *leaf, const char *name, int name_is_ip,
                                          const inspect_name_rules_t *rules);
// inspect__wildcard_match matches one pattern (RFC 6125, left-most label)
// under NAME_WILDCARD_* rules.
int inspect__wildcard_match(const char *pattern, const char *host, unsigned wildcards);
// inspect__name_list renders the leaf's names for messages ("DNS:a, DNS:b").
const char *inspect__name_list(inspect_ctx_t *ctx, const inspect_cert_t *leaf, const char *dns_prefix, const char *sep);

// OpenSSL 3 verification, emulated: every error X509_verify_cert would
// report, in its order, at a given security level.
#define INSPECT_OSSL_MAX_ERRORS 24

typedef struct {
  int code;   // X509_V_ERR_* number
  int depth;  // index in the built path
  inspect_reason_t reason;
} inspect_ossl_error_t;

typedef struct {
  inspect_ossl_error_t items[INSPECT_OSSL_MAX_ERRORS];
  size_t num;
  const inspect_path_t *path;  // the chain OpenSSL builds: the context's path, or `cut`
  inspect_path_t cut;          // that path cut below a CA OpenSSL will not use
} inspect_ossl_result_t;

typedef struct {
  int security_bits;  // 80 = level 1 (Node), 112 = level 2 (Debian's OpenSSL)
  int check_host;     // hostname as part of verification (s_client -verify_hostname, curl, Python)
} inspect_ossl_opts_t;

void inspect__ossl_verify(inspect_ctx_t *ctx, const inspect_ossl_opts_t *opts, inspect_ossl_result_t *out);
const char *inspect__ossl_error_text(int code);
const char *inspect__ossl_error_name(int code);

// JDK 17 verification, emulated (PKIXValidator, EndEntityChecker and
// HostnameChecker). inspect__jdk_verify returns NULL when the chain passes,
// else the exception message with `*reason` set.
const char *inspect__jdk_verify(inspect_ctx_t *ctx, inspect_reason_t *reason);
// inspect__jdk_hostname returns NULL when the name matches, else the
// CertificateException message HostnameChecker throws.
const char *inspect__jdk_hostname(inspect_ctx_t *ctx);
// inspect__java_dn renders an RFC 2253 DN as X500Principal.toString() does.
const char *inspect__java_dn(inspect_ctx_t *ctx, const char *rfc2253);

// TLS alerts (inspect_alert_name gives the IANA name).
const char *inspect__alert_openssl_text(int alert);  // "sslv3 alert handshake failure"

// Key and signature strength.
int inspect__key_security_bits(const inspect_cert_t *cert);
int inspect__sig_security_bits(const inspect_cert_t *cert);

// Trust-store rules of a platform that verifies client certificates (mTLS):
// what its CA bundle may hold and which keys and signatures it accepts. The
// bundle linter (bundle.c) and the platform's client-chain judge share them.
typedef struct {
  const char *platform;      // short name for messages, e.g. "ALB"
  int require_v3;            // X.509 v1/v2 certificates are refused
  int min_rsa_bits;          // RSA (and DSA) below this is a weak key
  int max_rsa_bits;          // RSA above this is unsupported; 0 = no maximum
  int min_ec_bits;           // ECDSA below this is a weak key
  int named_curves_only;     // ECDSA on P-256, P-384 or P-521 only
  size_t max_cert_der;       // bytes of one CA certificate; 0 = no limit
  size_t max_cas;            // CA certificates per bundle; 0 = no limit
  size_t max_subject_bytes;  // DER bytes of all subject names; 0 = no limit
  int max_depth;             // CA certificates in one chain, root included
  int blank_lines_ok;        // blank lines may appear in the bundle file
  int hash_comments_ok;      // lines starting with '#' (and without '-') are comments
  // The platform's own words for each rule where known (an upload error or
  // what its clients then see), else NULL.
  const char *texts[INSPECT_BUNDLE_RULE_COUNT];
} inspect_bundle_rules_t;

// inspect__key_rule returns WEAK_KEY or UNSUPPORTED_KEY when `cert`'s key
// breaks `rules`, else INSPECT_BUNDLE_RULE_COUNT; inspect__sig_rule the same
// for its signature (WEAK_SIGNATURE or UNSUPPORTED_SIGNATURE). A self-signed
// certificate's own signature is never checked: nobody verifies it.
inspect_bundle_rule_t inspect__key_rule(const inspect_bundle_rules_t *rules, const inspect_cert_t *cert);
inspect_bundle_rule_t inspect__sig_rule(const inspect_bundle_rules_t *rules, const inspect_cert_t *cert);

// CA bundle lint: bundle.c parses the bundle and plans --fix, bundle_rules.c
// applies the rules.
struct inspect_bundle_st {
  inspect_arena_t arena;
  const inspect_profile_t *profile;
  const inspect_bundle_rules_t *rules;  // NULL: parse only
  int64_t now;
  int is_pem;
  uint8_t *data;  // a copy of the input: entries point into it
  size_t len;
  inspect_bundle_entry_t *entries;
  inspect_cert_t **certs;         // entries[i].cert, owned
  inspect_bundle_rule_t *broken;  // the parse problem of entry i, or INSPECT_BUNDLE_RULE_COUNT
  size_t num_entries;
  size_t num_certs;
  inspect_bundle_violation_t *violations;
  size_t num_violations;
  size_t cap_violations;
};

// A pass over the bundle reports problems to a sink: the first pass records
// them as violations, later ones (for --fix) only note which entries to drop.
typedef struct {
  int emit;
  const char **reasons;  // per entry: the first reason to remove it
} inspect_bundle_sink_t;

// What the rules learn of a certificate's chain inside the bundle.
typedef struct {
  int issuer;    // index, or -1
  int named;     // an issuer by name exists but did not sign it
  int depth;     // certificates from this one to the top of its chain
  int has_root;  // the top is self-signed
} inspect_bundle_chain_info_t;

// inspect__bundle_evaluate runs every rule over the entries not in
// `removed`, reporting to `sink`; `ci` (one per entry) gets each
// certificate's chain.
void inspect__bundle_evaluate(inspect_bundle_t *b, inspect_bundle_sink_t *sink, const unsigned char *removed,
                              inspect_bundle_chain_info_t *ci);

// inspect__mtls_path builds the path of a client's chain (ctx->in->chain,
// leaf first) up to a trusted self-signed root: inspect__path_build with
// require_root, using the certificates the client sent only with `use_sent`.
void inspect__mtls_path(inspect_ctx_t *ctx, int use_sent, inspect_path_t *out);
// inspect__path_client_purpose_ok returns 1 if `path` passes OpenSSL's
// sslclient purpose check: no certificate's extended key usage excludes
// clientAuth, and the leaf's key usage (if any) allows digitalSignature or
// keyAgreement.
int inspect__path_client_purpose_ok(const inspect_path_t *path);
// inspect__mtls_depth returns the number of CA certificates in `path` (all
// but the leaf).
int inspect__mtls_depth(const inspect_path_t *path);

// inspect__judge_handshake fills `out` and returns 1 when the handshake
// itself failed (no chain to judge). `words` gives the platform's phrasing.
// Messages and effects are templates: {name} (the checked name), {alert},
// {number}, {openssl_alert}, {openssl_err}, {node_alert_code},
// {chrome_alert} and {detail} are filled from the input.
typedef struct {
  const char *alert;                 // fatal alert from the origin
  const char *post_handshake_alert;  // alert after the handshake (NULL: as alert)
  const char *closed;                // the origin closed the connection
  const char *protocol;              // version/cipher mismatch or not TLS
  const char *connect_failed;
  const char *timeout;
  const char *no_certificate;
  const char *effect;          // the user-visible consequence of any of these
  const char *timeout_effect;  // for timeouts, when it differs (NULL: effect)
} inspect_hs_words_t;

int inspect__judge_handshake(inspect_ctx_t *ctx, const inspect_hs_words_t *words, inspect_verdict_t *out);
int inspect__judge_post_handshake_alert(inspect_ctx_t *ctx, const inspect_hs_words_t *words, inspect_verdict_t *out);
// inspect__verdict_accept and inspect__verdict_reject take final strings
// (static or in the arena), never templates.
void inspect__verdict_accept(inspect_ctx_t *ctx, inspect_verdict_t *out, const char *effect);
void inspect__verdict_reject(inspect_ctx_t *ctx, inspect_verdict_t *out, inspect_reason_t reason, const char *message,
                             const char *effect);

// Platform rules (rules.c). A server profile is an ordered table of rules,
// each citing its identifier in docs/platform-rules.md, naming a check and
// carrying the platform's own words; one engine runs every table. The first
// rule that fails decides the verdict; when all pass, the platform accepts.
//
// A check returns INSPECT_REASON_OK when the path passes, else why it fails.
// It may be called before the handshake rule for rules placed before it (the
// path is then empty). Checks shared by several platforms are below; a check
// only one platform makes is static in its profile.
typedef inspect_reason_t (*inspect_rule_check_t)(inspect_ctx_t *ctx, const inspect_path_t *path);

typedef struct inspect_rule_st inspect_rule_t;
typedef struct inspect_rules_words_st inspect_rules_words_t;

// What words are built from when a rule fails (or, for say_accept, when all
// pass: rule NULL, reason OK).
typedef struct {
  inspect_ctx_t *ctx;
  const inspect_path_t *path;
  inspect_reason_t reason;
  const inspect_rule_t *rule;
  const inspect_rules_words_t *words;
  const char *message;  // the rule's words before the table's frame (for effects)
} inspect_rule_failure_t;

// Words that need the facts (a name, an index, an emulation's message):
// final strings, static or in the arena.
typedef const char *(*inspect_rule_say_t)(const inspect_rule_failure_t *f);

struct inspect_rule_st {
  const char *id;              // e.g. "O2": its entry in docs/platform-rules.md
  inspect_rule_check_t check;  // NULL for a judge rule
  const char *message;         // the platform's words, or NULL: say
  inspect_rule_say_t say;
  const char *effect;  // NULL: say_effect, else the table's effect
  inspect_rule_say_t say_effect;
  // A judge rule (the handshake, a late alert) fills the verdict itself from
  // the table's handshake words and returns 1 when it rejects.
  int (*judge)(inspect_ctx_t *ctx, const inspect_hs_words_t *words, inspect_verdict_t *out);
};

// A check rule with static words; rules that need more name their fields.
#define INSPECT_RULE(rule_id, rule_check, words) \
  { .id = (rule_id), .check = (rule_check), .message = (words) }
#define INSPECT_RULE_HANDSHAKE(rule_id) \
  { .id = (rule_id), .judge = inspect__judge_handshake }
#define INSPECT_RULE_LATE_ALERT(rule_id) \
  { .id = (rule_id), .judge = inspect__judge_post_handshake_alert }

struct inspect_rules_words_st {
  const inspect_hs_words_t *handshake;  // templates for the judge rules
  int use_aia_pool;                     // judge the path an AIA-fetching client builds
  inspect_rule_say_t frame;             // wraps every check rule's message (NULL: as is)
  const char *effect;                   // what users see when a check rule fails
  inspect_rule_say_t say_effect;        // ... when it needs the facts
  const char *accept;                   // the effect of accepting
  inspect_rule_say_t say_accept;
  // The fix when the origin refuses handshakes without SNI and the platform
  // sent none; "{name}" is the origin's name (cause.c). NULL: none to give.
  const char *sni_fix;
};

#define INSPECT_COUNT(array) (sizeof(array) / sizeof((array)[0]))
// INSPECT_PROFILE_TABLE(kRules, kWords) in a profile's initializer.
#define INSPECT_PROFILE_TABLE(table, table_words) \
  .rules = (table), .num_rules = INSPECT_COUNT(table), .words = &(table_words)

void inspect__rules_run(inspect_ctx_t *ctx, const inspect_rule_t *rules, size_t num_rules,
                        const inspect_rules_words_t *words, inspect_verdict_t *out);

// Shared checks. Besides these, inspect__path_time_problem (every checked
// certificate is within its validity) is a check as it stands.
inspect_reason_t inspect__check_sni_sent(inspect_ctx_t *ctx, const inspect_path_t *path);
inspect_reason_t inspect__check_leaf_not_self_signed(inspect_ctx_t *ctx, const inspect_path_t *path);
inspect_reason_t inspect__check_anchored(inspect_ctx_t *ctx, const inspect_path_t *path);
inspect_reason_t inspect__check_chain_complete(inspect_ctx_t *ctx, const inspect_path_t *path);
inspect_reason_t inspect__check_sent_order(inspect_ctx_t *ctx, const inspect_path_t *path);
inspect_reason_t inspect__check_server_eku(inspect_ctx_t *ctx, const inspect_path_t *path);
inspect_reason_t inspect__check_issuers_are_cas(inspect_ctx_t *ctx, const inspect_path_t *path);
inspect_reason_t inspect__check_critical_extensions(inspect_ctx_t *ctx, const inspect_path_t *path);
inspect_reason_t inspect__check_name_constraints(inspect_ctx_t *ctx, const inspect_path_t *path);
inspect_reason_t inspect__check_no_sha1_signature(inspect_ctx_t *ctx, const inspect_path_t *path);
// Name checks pass when no name is to be checked.
inspect_reason_t inspect__check_name_cn_or_san(inspect_ctx_t *ctx, const inspect_path_t *path);
inspect_reason_t inspect__check_name_san_only(inspect_ctx_t *ctx, const inspect_path_t *path);
inspect_reason_t inspect__check_name_cn_fallback(inspect_ctx_t *ctx, const inspect_path_t *path);
inspect_reason_t inspect__check_jdk_pkix(inspect_ctx_t *ctx, const inspect_path_t *path);
const char *inspect__say_jdk_pkix(const inspect_rule_failure_t *f);
// OpenSSL's emulated verification: level 1 (80 bits, Node) without the host
// name, level 2 (112 bits, Debian's default) with it (curl, Python).
extern const inspect_ossl_opts_t inspect__ossl_level1, inspect__ossl_level2;
inspect_reason_t inspect__check_openssl_level1(inspect_ctx_t *ctx, const inspect_path_t *path);
inspect_reason_t inspect__check_openssl_level2(inspect_ctx_t *ctx, const inspect_path_t *path);
// inspect__ossl_error runs OpenSSL's emulated verification under `opts`
// into `res` and returns its first (last = 0) or last error, or NULL.
const inspect_ossl_error_t *inspect__ossl_error(inspect_ctx_t *ctx, const inspect_ossl_opts_t *opts, int last,
                                                inspect_ossl_result_t *res);

// Causes (cause.c): a failure that depends on one handshake parameter,
// found with one more probe (inspect_input_t.with_sni).
//
// inspect__cause_no_sni returns 1 when the handshake without SNI failed and
// the same one with SNI completed.
int inspect__cause_no_sni(const inspect_input_t *in);
// inspect__input_for returns the input `profile` is judged on: `in`, or
// for a platform that always sends SNI, `alt` filled from in->with_sni.
const inspect_input_t *inspect__input_for(const inspect_input_t *in, const inspect_profile_t *profile,
                                          inspect_input_t *alt);
// inspect__cause_fix returns the profile's fix for the cause, or NULL.
const char *inspect__cause_fix(inspect_ctx_t *ctx, const inspect_profile_t *profile, const inspect_verdict_t *v);
// inspect__cause_detail returns the finding's sentence; inspect__cause_summary
// puts the cause and every fix before `summary`.
const char *inspect__cause_detail(inspect_ctx_t *ctx);
const char *inspect__cause_summary(inspect_ctx_t *ctx, const inspect_verdict_t *verdicts,
                                   const inspect_profile_t *const *profiles, size_t num, const char *summary);

// Each platform's own handshake (offers.c).
//
// inspect__offer_of returns the answer to `profile`'s own ClientHello, or NULL.
const inspect_offer_t *inspect__offer_of(const inspect_input_t *in, const inspect_profile_t *profile);
// inspect__offer_covers_key returns 1 if a signature algorithm `spec` offers
// can sign with `leaf`'s key at protocol `version`.
int inspect__offer_covers_key(const inspect_hello_spec_t *spec, const inspect_cert_t *leaf, uint16_t version);
// inspect__offer_input returns the input `profile` is judged on: `base`, or
// `alt` with the handshake its own ClientHello got (a refusal, explained).
const inspect_input_t *inspect__offer_input(inspect_ctx_t *ctx, const inspect_input_t *base,
                                            const inspect_profile_t *profile, inspect_input_t *alt);

// Profiles: a server profile is its table of rules; mTLS profiles (and
// options that change the table) judge in their own function.
struct inspect_profile_st {
  const char *id;
  const char *platform;
  const char *const *options;
  int is_default;
  const inspect_rule_t *rules;
  size_t num_rules;
  const inspect_rules_words_t *words;
  void (*judge)(inspect_ctx_t *ctx, unsigned options, inspect_verdict_t *out);  // when there is no table
  const inspect_bundle_rules_t *bundle;  // trust-store rules (mTLS profiles), or NULL
};

extern const inspect_profile_t inspect_profile_openssl;
extern const inspect_profile_t inspect_profile_node;
extern const inspect_profile_t inspect_profile_java;
extern const inspect_profile_t inspect_profile_browser;
extern const inspect_profile_t inspect_profile_cloudfront_origin;
extern const inspect_profile_t inspect_profile_cloudfront_viewer;
extern const inspect_profile_t inspect_profile_apigateway;
extern const inspect_profile_t inspect_profile_akamai_origin;
extern const inspect_profile_t inspect_profile_alb_mtls;
extern const inspect_profile_t inspect_profile_apigateway_mtls;

#endif  // TLSMIRROR_INSPECT_INSPECT_INTERNAL_H
