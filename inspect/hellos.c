// What each client and platform offers in its ClientHello, as data: the
// handshake half of a profile (its certificate rules are in profile_*.c).
//
// The client emulations were captured from the real clients on Debian 12
// (2026-12-07): the first record each sent to a listener that only read it.
// The platforms come from their documentation (docs/platform-rules.md, rules
// O10-O12, A12, L1, K10); where it is silent the source says UNCERTAIN and
// the table holds the assumption. Values are IANA code points in the order
// the client sends them (GREASE left out).

#include <string.h>

#include "inspect/inspect_internal.h"

#define SPEC_LIST(a) (a), (sizeof(a) / sizeof((a)[0]))

// curl 7.88.1 with OpenSSL 3.0 (Debian), `curl https://HOST/`: advertises
// TLS 1.0-1.3 (it refuses below 1.2 only after the ServerHello, at security
// level 2), DHE suites, x448 and the FFDHE groups.
static const uint16_t kOpensslCiphers[] = {0x1302, 0x1303, 0x1301, 0xc02c, 0xc030, 0x009f, 0xcca9, 0xcca8,
                                           0xccaa, 0xc02b, 0xc02f, 0x009e, 0xc024, 0xc028, 0x006b, 0xc023,
                                           0xc027, 0x0067, 0xc00a, 0xc014, 0x0039, 0xc009, 0xc013, 0x0033,
                                           0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x00ff};
static const uint16_t kOpensslGroups[] = {0x001d, 0x0017, 0x001e, 0x0019, 0x0018,
                                          0x0100, 0x0101, 0x0102, 0x0103, 0x0104};
static const uint16_t kOpensslSigalgs[] = {0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a,
                                           0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
                                           0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602};

static const inspect_hello_spec_t kOpenssl = {
    0x0301,
    0x0304,
    SPEC_LIST(kOpensslCiphers),
    SPEC_LIST(kOpensslGroups),
    SPEC_LIST(kOpensslSigalgs),
    INSPECT_SNI_AS_CLIENT,
    "captured from curl 7.88.1 / OpenSSL 3.0 on Debian 12 (openssl s_client sends the same without ALPN)",
    0x0303,  // security level 2 refuses TLS 1.0 and 1.1 after the ServerHello [LAB: lab tls11-only]
};

// Node.js 20 (tls.connect defaults): TLS 1.2-1.3, its long default cipher
// list (DHE, CCM and ARIA included).
static const uint16_t kNodeCiphers[] = {0x1302, 0x1303, 0x1301, 0xc02f, 0xc02b, 0xc030, 0xc02c, 0x009e, 0xc027, 0x0067,
                                        0xc028, 0x006b, 0x00a3, 0x009f, 0xcca9, 0xcca8, 0xccaa, 0xc0af, 0xc0ad, 0xc0a3,
                                        0xc09f, 0xc05d, 0xc061, 0xc057, 0xc053, 0x00a2, 0xc0ae, 0xc0ac, 0xc0a2, 0xc09e,
                                        0xc05c, 0xc060, 0xc056, 0xc052, 0xc024, 0x006a, 0xc023, 0x0040, 0xc00a, 0xc014,
                                        0x0039, 0x0038, 0xc009, 0xc013, 0x0033, 0x0032, 0x009d, 0xc0a1, 0xc09d, 0xc051,
                                        0x009c, 0xc0a0, 0xc09c, 0xc050, 0x003d, 0x003c, 0x0035, 0x002f, 0x00ff};

static const inspect_hello_spec_t kNode = {
    0x0303,
    0x0304,
    SPEC_LIST(kNodeCiphers),
    SPEC_LIST(kOpensslGroups),
    SPEC_LIST(kOpensslSigalgs),
    INSPECT_SNI_AS_CLIENT,
    "captured from Node.js v20.20.2 (tls.connect defaults) on Debian 12",
    0,
};

// JDK 17 JSSE defaults (jdk.tls.disabledAlgorithms as shipped): TLS
// 1.2-1.3, DHE suites, the FFDHE groups, SHA-1 signature schemes still
// offered for compatibility.
static const uint16_t kJavaCiphers[] = {0x1302, 0x1301, 0x1303, 0xc02c, 0xc02b, 0xcca9, 0xc030, 0xcca8, 0xc02f, 0x009f,
                                        0xccaa, 0x00a3, 0x009e, 0x00a2, 0xc024, 0xc028, 0xc023, 0xc027, 0x006b, 0x006a,
                                        0x0067, 0x0040, 0xc00a, 0xc014, 0xc009, 0xc013, 0x0039, 0x0038, 0x0033, 0x0032,
                                        0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x00ff};
static const uint16_t kJavaGroups[] = {0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104};
static const uint16_t kJavaSigalgs[] = {0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805,
                                        0x0806, 0x0809, 0x080a, 0x080b, 0x0401, 0x0501, 0x0601,
                                        0x0402, 0x0303, 0x0301, 0x0302, 0x0203, 0x0201, 0x0202};

static const inspect_hello_spec_t kJava = {
    0x0303,
    0x0304,
    SPEC_LIST(kJavaCiphers),
    SPEC_LIST(kJavaGroups),
    SPEC_LIST(kJavaSigalgs),
    INSPECT_SNI_AS_CLIENT,
    "captured from OpenJDK 17.0.15 (SSLSocketFactory defaults) on Debian 12",
    0,
};

// Chromium 156 (chromium-headless-shell): TLS 1.2-1.3, no CBC-SHA256, no
// 3DES, X25519MLKEM768 first, ML-DSA signature schemes.
static const uint16_t kBrowserCiphers[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                           0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
static const uint16_t kBrowserGroups[] = {0x11ec, 0x001d, 0x0017, 0x0018};
static const uint16_t kBrowserSigalgs[] = {0x0904, 0x0905, 0x0906, 0x0403, 0x0804, 0x0401,
                                           0x0503, 0x0805, 0x0501, 0x0806, 0x0601};

static const inspect_hello_spec_t kBrowser = {
    0x0303,
    0x0304,
    SPEC_LIST(kBrowserCiphers),
    SPEC_LIST(kBrowserGroups),
    SPEC_LIST(kBrowserSigalgs),
    INSPECT_SNI_AS_CLIENT,
    "captured from Chromium 156.0.8078 (chromium-headless-shell) on Debian 12",
    0,
};

// CloudFront to a custom origin (O10-O12): the documented cipher list in its
// order, curves prime256v1, secp384r1 and X25519, RSA PKCS#1 and ECDSA
// signature schemes with SHA-2 and SHA-1 (no RSA-PSS), SNI = the origin
// domain. OriginSslProtocols takes SSLv3..TLSv1.2; the console's default
// minimum is TLSv1.2, which this table assumes. UNCERTAIN: whether CloudFront
// offers TLS 1.3 to origins (no such value exists in the API).
static const uint16_t kCloudfrontCiphers[] = {0xc02c, 0xc024, 0xc00a, 0xc02b, 0xc023, 0xc009, 0xc030, 0xc028,
                                              0xc014, 0xc02f, 0xc027, 0xc013, 0x0035, 0x002f, 0x000a, 0x0004};
static const uint16_t kCloudfrontGroups[] = {0x0017, 0x0018, 0x001d};
static const uint16_t kCloudfrontSigalgs[] = {0x0401, 0x0501, 0x0601, 0x0301, 0x0201,
                                              0x0403, 0x0503, 0x0603, 0x0303, 0x0203};

static const inspect_hello_spec_t kCloudfront = {
    0x0303,
    0x0303,
    SPEC_LIST(kCloudfrontCiphers),
    SPEC_LIST(kCloudfrontGroups),
    SPEC_LIST(kCloudfrontSigalgs),
    INSPECT_SNI_ALWAYS,
    "CloudFront Developer Guide, 'Supported protocols and ciphers between CloudFront and the origin' and "
    "API_OriginSslProtocols (minimum TLSv1.2 assumed; UNCERTAIN: TLS 1.3 to origins)",
    0,
};

// API Gateway REST/HTTP integrations to HTTPS backends (A12): not documented.
// UNCERTAIN: its backend errors are JSSE's ("PKIX path building failed"),
// so a JDK 17 client with default settings is assumed; SNI = the host of the
// integration URI (serverNameToVerify for private integrations, A9).
static const inspect_hello_spec_t kApigateway = {
    0x0303,
    0x0304,
    SPEC_LIST(kJavaCiphers),
    SPEC_LIST(kJavaGroups),
    SPEC_LIST(kJavaSigalgs),
    INSPECT_SNI_ALWAYS,
    "UNCERTAIN: API Gateway does not document its backend handshake; JDK 17 defaults assumed (its errors are JSSE's)",
    0,
};

// Akamai edge to origin (K1, K10): no public cipher profile. UNCERTAIN:
// modern OpenSSL defaults (TLS 1.2-1.3, ECDHE and RSA suites, X25519,
// P-256, P-384) are assumed; "Use SNI TLS Extension" is on by default.
static const uint16_t kAkamaiCiphers[] = {0x1302, 0x1303, 0x1301, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc02b,
                                          0xc02f, 0xc024, 0xc028, 0xc023, 0xc027, 0xc00a, 0xc014, 0xc009,
                                          0xc013, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f};
static const uint16_t kAkamaiGroups[] = {0x001d, 0x0017, 0x0018};

static const inspect_hello_spec_t kAkamai = {
    0x0303,
    0x0304,
    SPEC_LIST(kAkamaiCiphers),
    SPEC_LIST(kAkamaiGroups),
    SPEC_LIST(kOpensslSigalgs),
    INSPECT_SNI_CONFIGURABLE,
    "UNCERTAIN: Akamai publishes no origin cipher profile (Origin Server behaviour: minTlsVersion, maxTlsVersion, "
    "originSni); OpenSSL-style TLS 1.2-1.3 defaults assumed",
    0,
};

// ALB to HTTPS targets (L1): ELBSecurityPolicy-2016-08 unless the listener
// uses a TLS 1.3 policy. UNCERTAIN: its groups and signature schemes, and
// whether it sends SNI to targets.
static const uint16_t kAlbCiphers[] = {0xc02b, 0xc02f, 0xc023, 0xc027, 0xc009, 0xc013, 0xc02c, 0xc030, 0xc024,
                                       0xc028, 0xc014, 0xc00a, 0x009c, 0x003c, 0x002f, 0x009d, 0x003d, 0x0035};
static const uint16_t kAlbSigalgs[] = {0x0401, 0x0501, 0x0601, 0x0201, 0x0403, 0x0503, 0x0603, 0x0203};

static const inspect_hello_spec_t kAlb = {
    0x0301,
    0x0303,
    SPEC_LIST(kAlbCiphers),
    SPEC_LIST(kCloudfrontGroups),
    SPEC_LIST(kAlbSigalgs),
    INSPECT_SNI_ALWAYS,
    "ELB 'describe SSL policies': ELBSecurityPolicy-2016-08 (UNCERTAIN: groups, signature schemes, SNI to targets)",
    0,
};

static const struct {
  const char *id;
  const inspect_hello_spec_t *spec;
} kHellos[] = {
    {"openssl", &kOpenssl},
    {"node", &kNode},
    {"java", &kJava},
    {"browser", &kBrowser},
    {"cloudfront-origin", &kCloudfront},
    {"apigateway", &kApigateway},
    {"akamai-origin", &kAkamai},
    {"alb", &kAlb},
};

const inspect_hello_spec_t *inspect_hello_spec_find(const char *id) {
  for (size_t i = 0; i < sizeof(kHellos) / sizeof(kHellos[0]); i++) {
    if (strcmp(kHellos[i].id, id) == 0) {
      return kHellos[i].spec;
    }
  }
  return NULL;
}

const inspect_hello_spec_t *inspect_profile_hello(const inspect_profile_t *profile) {
  return inspect_hello_spec_find(inspect_profile_id(profile));
}
