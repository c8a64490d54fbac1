// The HTTP/1.1 layer's fuzz entry point, shared by the libFuzzer target
// (fuzz_http.c, clang) and its corpus replay test (fuzz_http_test.c, gcc).

#ifndef TLSMIRROR_TESTS_PROXY_FUZZ_HTTP_ENTRY_H
#define TLSMIRROR_TESTS_PROXY_FUZZ_HTTP_ENTRY_H

#include <stddef.h>
#include <stdint.h>

// fuzz_http_one feeds a request stream to proxy_http_t, whole and in chunks
// its second byte seeds, answering each request with a response its first
// byte chooses (none, 200 or 101). The first byte also chooses the head limit
// and whether the stream is guarded (strip_prefix X-Amzn-Mtls-, an injected
// X-Amzn-Mtls-Clientcert line). It checks:
//   - unguarded, nothing injected: what is forwarded is exactly the input,
//     less an unfinished head held back (or everything past a head over the
//     limit);
//   - guarded: what is forwarded reads as strict RFC 9112 requests, up to
//     where a tunnel may start, every head carrying the injected line once
//     and no other header named like it, whatever the client sent;
//   - either way the chunking changes nothing.
// It returns the number of request heads forwarded; it aborts on a failure
// (with FUZZ_HTTP_SHOW set in the environment, it prints both runs first).
int fuzz_http_one(const uint8_t *data, size_t size);

#endif  // TLSMIRROR_TESTS_PROXY_FUZZ_HTTP_ENTRY_H
