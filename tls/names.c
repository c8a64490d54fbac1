// Names for the values a ClientHello carries, from the IANA TLS registries
// (tls-parameters: TLS Cipher Suites, TLS Supported Groups, TLS
// SignatureScheme, TLS ExtensionType Values), plus the few unregistered
// values that widely deployed clients send. Each list expands into a switch,
// so the compiler rejects a value listed twice.
//
// Cipher suites: the registry up to the AEGIS suites (0x1306, 0x1307), down
// to the retired export, Kerberos, DHE, CBC and TLS_RSA suites that old
// clients still offer. Java's full suite table and OpenSSL 3's `openssl
// ciphers -stdname` agree with these names; tests/tls/hello_test.c checks
// OpenSSL's.

#include "tls/tls.h"

#define CIPHER_NAMES(XX)                                      \
  XX(0x0000, "TLS_NULL_WITH_NULL_NULL")                       \
  XX(0x0001, "TLS_RSA_WITH_NULL_MD5")                         \
  XX(0x0002, "TLS_RSA_WITH_NULL_SHA")                         \
  XX(0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5")                \
  XX(0x0004, "TLS_RSA_WITH_RC4_128_MD5")                      \
  XX(0x0005, "TLS_RSA_WITH_RC4_128_SHA")                      \
  XX(0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5")            \
  XX(0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA")                     \
  XX(0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA")             \
  XX(0x0009, "TLS_RSA_WITH_DES_CBC_SHA")                      \
  XX(0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA")                 \
  XX(0x000b, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA")          \
  XX(0x000c, "TLS_DH_DSS_WITH_DES_CBC_SHA")                   \
  XX(0x000d, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA")              \
  XX(0x000e, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA")          \
  XX(0x000f, "TLS_DH_RSA_WITH_DES_CBC_SHA")                   \
  XX(0x0010, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA")              \
  XX(0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA")         \
  XX(0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA")                  \
  XX(0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA")             \
  XX(0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA")         \
  XX(0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA")                  \
  XX(0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA")             \
  XX(0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5")            \
  XX(0x0018, "TLS_DH_anon_WITH_RC4_128_MD5")                  \
  XX(0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA")         \
  XX(0x001a, "TLS_DH_anon_WITH_DES_CBC_SHA")                  \
  XX(0x001b, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA")             \
  XX(0x001e, "TLS_KRB5_WITH_DES_CBC_SHA")                     \
  XX(0x001f, "TLS_KRB5_WITH_3DES_EDE_CBC_SHA")                \
  XX(0x0020, "TLS_KRB5_WITH_RC4_128_SHA")                     \
  XX(0x0021, "TLS_KRB5_WITH_IDEA_CBC_SHA")                    \
  XX(0x0022, "TLS_KRB5_WITH_DES_CBC_MD5")                     \
  XX(0x0023, "TLS_KRB5_WITH_3DES_EDE_CBC_MD5")                \
  XX(0x0024, "TLS_KRB5_WITH_RC4_128_MD5")                     \
  XX(0x0025, "TLS_KRB5_WITH_IDEA_CBC_MD5")                    \
  XX(0x0026, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA")           \
  XX(0x0027, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA")           \
  XX(0x0028, "TLS_KRB5_EXPORT_WITH_RC4_40_SHA")               \
  XX(0x0029, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5")           \
  XX(0x002a, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5")           \
  XX(0x002b, "TLS_KRB5_EXPORT_WITH_RC4_40_MD5")               \
  XX(0x002c, "TLS_PSK_WITH_NULL_SHA")                         \
  XX(0x002d, "TLS_DHE_PSK_WITH_NULL_SHA")                     \
  XX(0x002e, "TLS_RSA_PSK_WITH_NULL_SHA")                     \
  XX(0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA")                  \
  XX(0x0030, "TLS_DH_DSS_WITH_AES_128_CBC_SHA")               \
  XX(0x0031, "TLS_DH_RSA_WITH_AES_128_CBC_SHA")               \
  XX(0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA")              \
  XX(0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA")              \
  XX(0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA")              \
  XX(0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA")                  \
  XX(0x0036, "TLS_DH_DSS_WITH_AES_256_CBC_SHA")               \
  XX(0x0037, "TLS_DH_RSA_WITH_AES_256_CBC_SHA")               \
  XX(0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA")              \
  XX(0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA")              \
  XX(0x003a, "TLS_DH_anon_WITH_AES_256_CBC_SHA")              \
  XX(0x003b, "TLS_RSA_WITH_NULL_SHA256")                      \
  XX(0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256")               \
  XX(0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256")               \
  XX(0x003e, "TLS_DH_DSS_WITH_AES_128_CBC_SHA256")            \
  XX(0x003f, "TLS_DH_RSA_WITH_AES_128_CBC_SHA256")            \
  XX(0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256")           \
  XX(0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA")             \
  XX(0x0042, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA")          \
  XX(0x0043, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA")          \
  XX(0x0044, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA")         \
  XX(0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA")         \
  XX(0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA")         \
  XX(0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256")           \
  XX(0x0068, "TLS_DH_DSS_WITH_AES_256_CBC_SHA256")            \
  XX(0x0069, "TLS_DH_RSA_WITH_AES_256_CBC_SHA256")            \
  XX(0x006a, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256")           \
  XX(0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256")           \
  XX(0x006c, "TLS_DH_anon_WITH_AES_128_CBC_SHA256")           \
  XX(0x006d, "TLS_DH_anon_WITH_AES_256_CBC_SHA256")           \
  XX(0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA")             \
  XX(0x0085, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA")          \
  XX(0x0086, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA")          \
  XX(0x0087, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA")         \
  XX(0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA")         \
  XX(0x0089, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA")         \
  XX(0x008a, "TLS_PSK_WITH_RC4_128_SHA")                      \
  XX(0x008b, "TLS_PSK_WITH_3DES_EDE_CBC_SHA")                 \
  XX(0x008c, "TLS_PSK_WITH_AES_128_CBC_SHA")                  \
  XX(0x008d, "TLS_PSK_WITH_AES_256_CBC_SHA")                  \
  XX(0x008e, "TLS_DHE_PSK_WITH_RC4_128_SHA")                  \
  XX(0x008f, "TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA")             \
  XX(0x0090, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA")              \
  XX(0x0091, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA")              \
  XX(0x0092, "TLS_RSA_PSK_WITH_RC4_128_SHA")                  \
  XX(0x0093, "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA")             \
  XX(0x0094, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA")              \
  XX(0x0095, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA")              \
  XX(0x0096, "TLS_RSA_WITH_SEED_CBC_SHA")                     \
  XX(0x0097, "TLS_DH_DSS_WITH_SEED_CBC_SHA")                  \
  XX(0x0098, "TLS_DH_RSA_WITH_SEED_CBC_SHA")                  \
  XX(0x0099, "TLS_DHE_DSS_WITH_SEED_CBC_SHA")                 \
  XX(0x009a, "TLS_DHE_RSA_WITH_SEED_CBC_SHA")                 \
  XX(0x009b, "TLS_DH_anon_WITH_SEED_CBC_SHA")                 \
  XX(0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256")               \
  XX(0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384")               \
  XX(0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256")           \
  XX(0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384")           \
  XX(0x00a0, "TLS_DH_RSA_WITH_AES_128_GCM_SHA256")            \
  XX(0x00a1, "TLS_DH_RSA_WITH_AES_256_GCM_SHA384")            \
  XX(0x00a2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256")           \
  XX(0x00a3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384")           \
  XX(0x00a4, "TLS_DH_DSS_WITH_AES_128_GCM_SHA256")            \
  XX(0x00a5, "TLS_DH_DSS_WITH_AES_256_GCM_SHA384")            \
  XX(0x00a6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256")           \
  XX(0x00a7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384")           \
  XX(0x00a8, "TLS_PSK_WITH_AES_128_GCM_SHA256")               \
  XX(0x00a9, "TLS_PSK_WITH_AES_256_GCM_SHA384")               \
  XX(0x00aa, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256")           \
  XX(0x00ab, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384")           \
  XX(0x00ac, "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256")           \
  XX(0x00ad, "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384")           \
  XX(0x00ae, "TLS_PSK_WITH_AES_128_CBC_SHA256")               \
  XX(0x00af, "TLS_PSK_WITH_AES_256_CBC_SHA384")               \
  XX(0x00b0, "TLS_PSK_WITH_NULL_SHA256")                      \
  XX(0x00b1, "TLS_PSK_WITH_NULL_SHA384")                      \
  XX(0x00b2, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256")           \
  XX(0x00b3, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384")           \
  XX(0x00b4, "TLS_DHE_PSK_WITH_NULL_SHA256")                  \
  XX(0x00b5, "TLS_DHE_PSK_WITH_NULL_SHA384")                  \
  XX(0x00b6, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256")           \
  XX(0x00b7, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384")           \
  XX(0x00b8, "TLS_RSA_PSK_WITH_NULL_SHA256")                  \
  XX(0x00b9, "TLS_RSA_PSK_WITH_NULL_SHA384")                  \
  XX(0x00ba, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256")          \
  XX(0x00bb, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256")       \
  XX(0x00bc, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256")       \
  XX(0x00bd, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256")      \
  XX(0x00be, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256")      \
  XX(0x00bf, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256")      \
  XX(0x00c0, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256")          \
  XX(0x00c1, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256")       \
  XX(0x00c2, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256")       \
  XX(0x00c3, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256")      \
  XX(0x00c4, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256")      \
  XX(0x00c5, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256")      \
  XX(0x00c6, "TLS_SM4_GCM_SM3")                               \
  XX(0x00c7, "TLS_SM4_CCM_SM3")                               \
  XX(0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV")             \
  XX(0x1301, "TLS_AES_128_GCM_SHA256")                        \
  XX(0x1302, "TLS_AES_256_GCM_SHA384")                        \
  XX(0x1303, "TLS_CHACHA20_POLY1305_SHA256")                  \
  XX(0x1304, "TLS_AES_128_CCM_SHA256")                        \
  XX(0x1305, "TLS_AES_128_CCM_8_SHA256")                      \
  XX(0x1306, "TLS_AEGIS_256_SHA512")                          \
  XX(0x1307, "TLS_AEGIS_128L_SHA256")                         \
  XX(0x5600, "TLS_FALLBACK_SCSV")                             \
  XX(0xc001, "TLS_ECDH_ECDSA_WITH_NULL_SHA")                  \
  XX(0xc002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA")               \
  XX(0xc003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA")          \
  XX(0xc004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA")           \
  XX(0xc005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA")           \
  XX(0xc006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA")                 \
  XX(0xc007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA")              \
  XX(0xc008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA")         \
  XX(0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")          \
  XX(0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA")          \
  XX(0xc00b, "TLS_ECDH_RSA_WITH_NULL_SHA")                    \
  XX(0xc00c, "TLS_ECDH_RSA_WITH_RC4_128_SHA")                 \
  XX(0xc00d, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA")            \
  XX(0xc00e, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA")             \
  XX(0xc00f, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA")             \
  XX(0xc010, "TLS_ECDHE_RSA_WITH_NULL_SHA")                   \
  XX(0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA")                \
  XX(0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA")           \
  XX(0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA")            \
  XX(0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA")            \
  XX(0xc015, "TLS_ECDH_anon_WITH_NULL_SHA")                   \
  XX(0xc016, "TLS_ECDH_anon_WITH_RC4_128_SHA")                \
  XX(0xc017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA")           \
  XX(0xc018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA")            \
  XX(0xc019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA")            \
  XX(0xc01a, "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA")             \
  XX(0xc01b, "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA")         \
  XX(0xc01c, "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA")         \
  XX(0xc01d, "TLS_SRP_SHA_WITH_AES_128_CBC_SHA")              \
  XX(0xc01e, "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA")          \
  XX(0xc01f, "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA")          \
  XX(0xc020, "TLS_SRP_SHA_WITH_AES_256_CBC_SHA")              \
  XX(0xc021, "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA")          \
  XX(0xc022, "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA")          \
  XX(0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256")       \
  XX(0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384")       \
  XX(0xc025, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256")        \
  XX(0xc026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384")        \
  XX(0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256")         \
  XX(0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384")         \
  XX(0xc029, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256")          \
  XX(0xc02a, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384")          \
  XX(0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")       \
  XX(0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")       \
  XX(0xc02d, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256")        \
  XX(0xc02e, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384")        \
  XX(0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")         \
  XX(0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")         \
  XX(0xc031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256")          \
  XX(0xc032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384")          \
  XX(0xc033, "TLS_ECDHE_PSK_WITH_RC4_128_SHA")                \
  XX(0xc034, "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA")           \
  XX(0xc035, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA")            \
  XX(0xc036, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA")            \
  XX(0xc037, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256")         \
  XX(0xc038, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384")         \
  XX(0xc039, "TLS_ECDHE_PSK_WITH_NULL_SHA")                   \
  XX(0xc03a, "TLS_ECDHE_PSK_WITH_NULL_SHA256")                \
  XX(0xc03b, "TLS_ECDHE_PSK_WITH_NULL_SHA384")                \
  XX(0xc03c, "TLS_RSA_WITH_ARIA_128_CBC_SHA256")              \
  XX(0xc03d, "TLS_RSA_WITH_ARIA_256_CBC_SHA384")              \
  XX(0xc03e, "TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256")           \
  XX(0xc03f, "TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384")           \
  XX(0xc040, "TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256")           \
  XX(0xc041, "TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384")           \
  XX(0xc042, "TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256")          \
  XX(0xc043, "TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384")          \
  XX(0xc044, "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256")          \
  XX(0xc045, "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384")          \
  XX(0xc046, "TLS_DH_anon_WITH_ARIA_128_CBC_SHA256")          \
  XX(0xc047, "TLS_DH_anon_WITH_ARIA_256_CBC_SHA384")          \
  XX(0xc048, "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256")      \
  XX(0xc049, "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384")      \
  XX(0xc04a, "TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256")       \
  XX(0xc04b, "TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384")       \
  XX(0xc04c, "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256")        \
  XX(0xc04d, "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384")        \
  XX(0xc04e, "TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256")         \
  XX(0xc04f, "TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384")         \
  XX(0xc050, "TLS_RSA_WITH_ARIA_128_GCM_SHA256")              \
  XX(0xc051, "TLS_RSA_WITH_ARIA_256_GCM_SHA384")              \
  XX(0xc052, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256")          \
  XX(0xc053, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384")          \
  XX(0xc054, "TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256")           \
  XX(0xc055, "TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384")           \
  XX(0xc056, "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256")          \
  XX(0xc057, "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384")          \
  XX(0xc058, "TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256")           \
  XX(0xc059, "TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384")           \
  XX(0xc05a, "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256")          \
  XX(0xc05b, "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384")          \
  XX(0xc05c, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256")      \
  XX(0xc05d, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384")      \
  XX(0xc05e, "TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256")       \
  XX(0xc05f, "TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384")       \
  XX(0xc060, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256")        \
  XX(0xc061, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384")        \
  XX(0xc062, "TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256")         \
  XX(0xc063, "TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384")         \
  XX(0xc064, "TLS_PSK_WITH_ARIA_128_CBC_SHA256")              \
  XX(0xc065, "TLS_PSK_WITH_ARIA_256_CBC_SHA384")              \
  XX(0xc066, "TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256")          \
  XX(0xc067, "TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384")          \
  XX(0xc068, "TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256")          \
  XX(0xc069, "TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384")          \
  XX(0xc06a, "TLS_PSK_WITH_ARIA_128_GCM_SHA256")              \
  XX(0xc06b, "TLS_PSK_WITH_ARIA_256_GCM_SHA384")              \
  XX(0xc06c, "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256")          \
  XX(0xc06d, "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384")          \
  XX(0xc06e, "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256")          \
  XX(0xc06f, "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384")          \
  XX(0xc070, "TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256")        \
  XX(0xc071, "TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384")        \
  XX(0xc072, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256")  \
  XX(0xc073, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384")  \
  XX(0xc074, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256")   \
  XX(0xc075, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384")   \
  XX(0xc076, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256")    \
  XX(0xc077, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384")    \
  XX(0xc078, "TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256")     \
  XX(0xc079, "TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384")     \
  XX(0xc07a, "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256")          \
  XX(0xc07b, "TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384")          \
  XX(0xc07c, "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256")      \
  XX(0xc07d, "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384")      \
  XX(0xc07e, "TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256")       \
  XX(0xc07f, "TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384")       \
  XX(0xc080, "TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256")      \
  XX(0xc081, "TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384")      \
  XX(0xc082, "TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256")       \
  XX(0xc083, "TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384")       \
  XX(0xc084, "TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256")      \
  XX(0xc085, "TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384")      \
  XX(0xc086, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256")  \
  XX(0xc087, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384")  \
  XX(0xc088, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256")   \
  XX(0xc089, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384")   \
  XX(0xc08a, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256")    \
  XX(0xc08b, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384")    \
  XX(0xc08c, "TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256")     \
  XX(0xc08d, "TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384")     \
  XX(0xc08e, "TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256")          \
  XX(0xc08f, "TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384")          \
  XX(0xc090, "TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256")      \
  XX(0xc091, "TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384")      \
  XX(0xc092, "TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256")      \
  XX(0xc093, "TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384")      \
  XX(0xc094, "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256")          \
  XX(0xc095, "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384")          \
  XX(0xc096, "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256")      \
  XX(0xc097, "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384")      \
  XX(0xc098, "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256")      \
  XX(0xc099, "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384")      \
  XX(0xc09a, "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256")    \
  XX(0xc09b, "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384")    \
  XX(0xc09c, "TLS_RSA_WITH_AES_128_CCM")                      \
  XX(0xc09d, "TLS_RSA_WITH_AES_256_CCM")                      \
  XX(0xc09e, "TLS_DHE_RSA_WITH_AES_128_CCM")                  \
  XX(0xc09f, "TLS_DHE_RSA_WITH_AES_256_CCM")                  \
  XX(0xc0a0, "TLS_RSA_WITH_AES_128_CCM_8")                    \
  XX(0xc0a1, "TLS_RSA_WITH_AES_256_CCM_8")                    \
  XX(0xc0a2, "TLS_DHE_RSA_WITH_AES_128_CCM_8")                \
  XX(0xc0a3, "TLS_DHE_RSA_WITH_AES_256_CCM_8")                \
  XX(0xc0a4, "TLS_PSK_WITH_AES_128_CCM")                      \
  XX(0xc0a5, "TLS_PSK_WITH_AES_256_CCM")                      \
  XX(0xc0a6, "TLS_DHE_PSK_WITH_AES_128_CCM")                  \
  XX(0xc0a7, "TLS_DHE_PSK_WITH_AES_256_CCM")                  \
  XX(0xc0a8, "TLS_PSK_WITH_AES_128_CCM_8")                    \
  XX(0xc0a9, "TLS_PSK_WITH_AES_256_CCM_8")                    \
  XX(0xc0aa, "TLS_PSK_DHE_WITH_AES_128_CCM_8")                \
  XX(0xc0ab, "TLS_PSK_DHE_WITH_AES_256_CCM_8")                \
  XX(0xc0ac, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM")              \
  XX(0xc0ad, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM")              \
  XX(0xc0ae, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8")            \
  XX(0xc0af, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8")            \
  XX(0xc0b0, "TLS_ECCPWD_WITH_AES_128_GCM_SHA256")            \
  XX(0xc0b1, "TLS_ECCPWD_WITH_AES_256_GCM_SHA384")            \
  XX(0xc0b2, "TLS_ECCPWD_WITH_AES_128_CCM_SHA256")            \
  XX(0xc0b3, "TLS_ECCPWD_WITH_AES_256_CCM_SHA384")            \
  XX(0xc0b4, "TLS_SHA256_SHA256")                             \
  XX(0xc0b5, "TLS_SHA384_SHA384")                             \
  XX(0xc100, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC")  \
  XX(0xc101, "TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC")       \
  XX(0xc102, "TLS_GOSTR341112_256_WITH_28147_CNT_IMIT")       \
  XX(0xc103, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L")     \
  XX(0xc104, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_L")          \
  XX(0xc105, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_S")     \
  XX(0xc106, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_S")          \
  XX(0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256")   \
  XX(0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256") \
  XX(0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256")     \
  XX(0xccab, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256")         \
  XX(0xccac, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256")   \
  XX(0xccad, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256")     \
  XX(0xccae, "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256")     \
  XX(0xd001, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256")         \
  XX(0xd002, "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384")         \
  XX(0xd003, "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256")       \
  XX(0xd005, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256")

// Supported groups. CECPQ2 (0x4138) is BoringSSL's experimental
// X25519+HRSS and X25519Kyber768Draft00 (0x6399) Chrome's first hybrid, both
// since replaced by X25519MLKEM768.
#define GROUP_NAMES(XX)                         \
  XX(0x0001, "sect163k1")                       \
  XX(0x0002, "sect163r1")                       \
  XX(0x0003, "sect163r2")                       \
  XX(0x0004, "sect193r1")                       \
  XX(0x0005, "sect193r2")                       \
  XX(0x0006, "sect233k1")                       \
  XX(0x0007, "sect233r1")                       \
  XX(0x0008, "sect239k1")                       \
  XX(0x0009, "sect283k1")                       \
  XX(0x000a, "sect283r1")                       \
  XX(0x000b, "sect409k1")                       \
  XX(0x000c, "sect409r1")                       \
  XX(0x000d, "sect571k1")                       \
  XX(0x000e, "sect571r1")                       \
  XX(0x000f, "secp160k1")                       \
  XX(0x0010, "secp160r1")                       \
  XX(0x0011, "secp160r2")                       \
  XX(0x0012, "secp192k1")                       \
  XX(0x0013, "secp192r1")                       \
  XX(0x0014, "secp224k1")                       \
  XX(0x0015, "secp224r1")                       \
  XX(0x0016, "secp256k1")                       \
  XX(0x0017, "secp256r1")                       \
  XX(0x0018, "secp384r1")                       \
  XX(0x0019, "secp521r1")                       \
  XX(0x001a, "brainpoolP256r1")                 \
  XX(0x001b, "brainpoolP384r1")                 \
  XX(0x001c, "brainpoolP512r1")                 \
  XX(0x001d, "x25519")                          \
  XX(0x001e, "x448")                            \
  XX(0x001f, "brainpoolP256r1tls13")            \
  XX(0x0020, "brainpoolP384r1tls13")            \
  XX(0x0021, "brainpoolP512r1tls13")            \
  XX(0x0022, "GC256A")                          \
  XX(0x0023, "GC256B")                          \
  XX(0x0024, "GC256C")                          \
  XX(0x0025, "GC256D")                          \
  XX(0x0026, "GC512A")                          \
  XX(0x0027, "GC512B")                          \
  XX(0x0028, "GC512C")                          \
  XX(0x0029, "curveSM2")                        \
  XX(0x0100, "ffdhe2048")                       \
  XX(0x0101, "ffdhe3072")                       \
  XX(0x0102, "ffdhe4096")                       \
  XX(0x0103, "ffdhe6144")                       \
  XX(0x0104, "ffdhe8192")                       \
  XX(0x0200, "MLKEM512")                        \
  XX(0x0201, "MLKEM768")                        \
  XX(0x0202, "MLKEM1024")                       \
  XX(0x11eb, "SecP256r1MLKEM768")               \
  XX(0x11ec, "X25519MLKEM768")                  \
  XX(0x11ed, "SecP384r1MLKEM1024")              \
  XX(0x4138, "CECPQ2")                          \
  XX(0x6399, "X25519Kyber768Draft00")           \
  XX(0x639a, "SecP256r1Kyber768Draft00")        \
  XX(0xff01, "arbitrary_explicit_prime_curves") \
  XX(0xff02, "arbitrary_explicit_char2_curves")

// Signature schemes. The dsa_* and *_sha224 values are TLS 1.2 (hash,
// signature) pairs that RFC 8446 left out of the SignatureScheme registry but
// Java still offers; their names are OpenSSL's.
#define SIGALG_NAMES(XX)                          \
  XX(0x0201, "rsa_pkcs1_sha1")                    \
  XX(0x0202, "dsa_sha1")                          \
  XX(0x0203, "ecdsa_sha1")                        \
  XX(0x0301, "rsa_pkcs1_sha224")                  \
  XX(0x0302, "dsa_sha224")                        \
  XX(0x0303, "ecdsa_sha224")                      \
  XX(0x0401, "rsa_pkcs1_sha256")                  \
  XX(0x0402, "dsa_sha256")                        \
  XX(0x0403, "ecdsa_secp256r1_sha256")            \
  XX(0x0420, "rsa_pkcs1_sha256_legacy")           \
  XX(0x0501, "rsa_pkcs1_sha384")                  \
  XX(0x0502, "dsa_sha384")                        \
  XX(0x0503, "ecdsa_secp384r1_sha384")            \
  XX(0x0520, "rsa_pkcs1_sha384_legacy")           \
  XX(0x0601, "rsa_pkcs1_sha512")                  \
  XX(0x0602, "dsa_sha512")                        \
  XX(0x0603, "ecdsa_secp521r1_sha512")            \
  XX(0x0620, "rsa_pkcs1_sha512_legacy")           \
  XX(0x0704, "eccsi_sha256")                      \
  XX(0x0705, "iso_ibs1")                          \
  XX(0x0706, "iso_ibs2")                          \
  XX(0x0707, "iso_chinese_ibs")                   \
  XX(0x0708, "sm2sig_sm3")                        \
  XX(0x0709, "gostr34102012_256a")                \
  XX(0x070a, "gostr34102012_256b")                \
  XX(0x070b, "gostr34102012_256c")                \
  XX(0x070c, "gostr34102012_256d")                \
  XX(0x070d, "gostr34102012_512a")                \
  XX(0x070e, "gostr34102012_512b")                \
  XX(0x070f, "gostr34102012_512c")                \
  XX(0x0804, "rsa_pss_rsae_sha256")               \
  XX(0x0805, "rsa_pss_rsae_sha384")               \
  XX(0x0806, "rsa_pss_rsae_sha512")               \
  XX(0x0807, "ed25519")                           \
  XX(0x0808, "ed448")                             \
  XX(0x0809, "rsa_pss_pss_sha256")                \
  XX(0x080a, "rsa_pss_pss_sha384")                \
  XX(0x080b, "rsa_pss_pss_sha512")                \
  XX(0x081a, "ecdsa_brainpoolP256r1tls13_sha256") \
  XX(0x081b, "ecdsa_brainpoolP384r1tls13_sha384") \
  XX(0x081c, "ecdsa_brainpoolP512r1tls13_sha512") \
  XX(0x0904, "mldsa44")                           \
  XX(0x0905, "mldsa65")                           \
  XX(0x0906, "mldsa87")

// Extension types. next_protocol_negotiation, application_settings (ALPS,
// old and new code points) and channel_id are Google's, never registered;
// extended_master_secret is the name RFC 7627 gives extension 23.
#define EXTENSION_NAMES(XX)                            \
  XX(0x0000, "server_name")                            \
  XX(0x0001, "max_fragment_length")                    \
  XX(0x0002, "client_certificate_url")                 \
  XX(0x0003, "trusted_ca_keys")                        \
  XX(0x0004, "truncated_hmac")                         \
  XX(0x0005, "status_request")                         \
  XX(0x0006, "user_mapping")                           \
  XX(0x0007, "client_authz")                           \
  XX(0x0008, "server_authz")                           \
  XX(0x0009, "cert_type")                              \
  XX(0x000a, "supported_groups")                       \
  XX(0x000b, "ec_point_formats")                       \
  XX(0x000c, "srp")                                    \
  XX(0x000d, "signature_algorithms")                   \
  XX(0x000e, "use_srtp")                               \
  XX(0x000f, "heartbeat")                              \
  XX(0x0010, "application_layer_protocol_negotiation") \
  XX(0x0011, "status_request_v2")                      \
  XX(0x0012, "signed_certificate_timestamp")           \
  XX(0x0013, "client_certificate_type")                \
  XX(0x0014, "server_certificate_type")                \
  XX(0x0015, "padding")                                \
  XX(0x0016, "encrypt_then_mac")                       \
  XX(0x0017, "extended_master_secret")                 \
  XX(0x0018, "token_binding")                          \
  XX(0x0019, "cached_info")                            \
  XX(0x001a, "tls_lts")                                \
  XX(0x001b, "compress_certificate")                   \
  XX(0x001c, "record_size_limit")                      \
  XX(0x001d, "pwd_protect")                            \
  XX(0x001e, "pwd_clear")                              \
  XX(0x001f, "password_salt")                          \
  XX(0x0020, "ticket_pinning")                         \
  XX(0x0021, "tls_cert_with_extern_psk")               \
  XX(0x0022, "delegated_credential")                   \
  XX(0x0023, "session_ticket")                         \
  XX(0x0024, "TLMSP")                                  \
  XX(0x0025, "TLMSP_proxying")                         \
  XX(0x0026, "TLMSP_delegate")                         \
  XX(0x0027, "supported_ekt_ciphers")                  \
  XX(0x0029, "pre_shared_key")                         \
  XX(0x002a, "early_data")                             \
  XX(0x002b, "supported_versions")                     \
  XX(0x002c, "cookie")                                 \
  XX(0x002d, "psk_key_exchange_modes")                 \
  XX(0x002f, "certificate_authorities")                \
  XX(0x0030, "oid_filters")                            \
  XX(0x0031, "post_handshake_auth")                    \
  XX(0x0032, "signature_algorithms_cert")              \
  XX(0x0033, "key_share")                              \
  XX(0x0034, "transparency_info")                      \
  XX(0x0035, "connection_id_deprecated")               \
  XX(0x0036, "connection_id")                          \
  XX(0x0037, "external_id_hash")                       \
  XX(0x0038, "external_session_id")                    \
  XX(0x0039, "quic_transport_parameters")              \
  XX(0x003a, "ticket_request")                         \
  XX(0x003b, "dnssec_chain")                           \
  XX(0x003c, "sequence_number_encryption_algorithms")  \
  XX(0x003d, "rrc")                                    \
  XX(0x003e, "tls_flags")                              \
  XX(0x3374, "next_protocol_negotiation")              \
  XX(0x4469, "application_settings_old")               \
  XX(0x44cd, "application_settings")                   \
  XX(0x7550, "channel_id")                             \
  XX(0xfe0d, "encrypted_client_hello")                 \
  XX(0xff01, "renegotiation_info")

#define NAME_CASE(value, name) \
  case value: return name;

const char *tls_cipher_name(uint16_t id) {
  switch (id) { CIPHER_NAMES(NAME_CASE) }
  return NULL;
}

const char *tls_group_name(uint16_t id) {
  switch (id) { GROUP_NAMES(NAME_CASE) }
  return NULL;
}

const char *tls_sigalg_name(uint16_t id) {
  switch (id) { SIGALG_NAMES(NAME_CASE) }
  return NULL;
}

const char *tls_extension_name(uint16_t type) {
  switch (type) { EXTENSION_NAMES(NAME_CASE) }
  return NULL;
}

const char *tls_version_name(uint16_t version) {
  switch (version) {
    case SSL3_VERSION: return "SSLv3";
    case TLS1_VERSION: return "TLSv1";
    case TLS1_1_VERSION: return "TLSv1.1";
    case TLS1_2_VERSION: return "TLSv1.2";
    case TLS1_3_VERSION: return "TLSv1.3";
    case DTLS1_VERSION: return "DTLSv1";
    case DTLS1_2_VERSION: return "DTLSv1.2";
    case 0xfefc: return "DTLSv1.3";
  }
  return NULL;
}
