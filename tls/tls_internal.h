// Internal to tls/: blocking socket helpers shared by the live probe
// (probe.c) and the AIA fetcher (aia.c), which run on the caller's thread
// with a deadline, never on an event loop; and the mirror CA that
// mirror_ca.c loads and mirror.c signs with.

#ifndef TLSMIRROR_TLS_TLS_INTERNAL_H
#define TLSMIRROR_TLS_TLS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tls/tls.h"

// tls__now returns a monotonic time in seconds.
double tls__now(void);
// tls__wait_fd waits until `fd` is ready for `events` (poll bits) or the
// deadline passes; it returns 1 when ready.
int tls__wait_fd(int fd, short events, double deadline);
// tls__connect opens a non-blocking TCP connection to `host`:`port`, or to
// the numeric address `addr` instead of resolving `host`, before `deadline`.
// It returns the socket, or TLS_ERESOLVE / TLS_ECONNECT with `detail` saying
// why. `peer` (may be NULL) receives the address connected to.
int tls__connect(const char *host, uint16_t port, const char *addr, double deadline, char *detail, size_t detail_len,
                 char *peer, size_t peer_len);

#define TLS__DAY (24 * 3600)  // seconds

// The mirror CA (mirror_ca.c), read by mirror.c to sign mirrored chains.
struct tls_mirror_ca_st {
  CRYPTO_BUFFER *root;
  X509 *root_x509;
  EVP_PKEY *root_key;
  X509 *untrusted_x509;
  EVP_PKEY *untrusted_key;
};

#endif  // TLSMIRROR_TLS_TLS_INTERNAL_H
