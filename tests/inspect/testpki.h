// A test PKI minted on demand with BoringSSL: certificates are named by
// tokens ("root", "inter", "leaf-expired"...) so table-driven tests describe a
// bundle or a client chain as a string of tokens. Nothing is committed;
// everything is minted relative to TP_NOW in the test process.

#ifndef TLSMIRROR_TESTS_INSPECT_TESTPKI_H
#define TLSMIRROR_TESTS_INSPECT_TESTPKI_H

#include "inspect/inspect.h"

// 2026-11-23T08:49:00Z: the time every test judges at.
#define TP_NOW ((int64_t)1795423740)

// tp_der returns the DER of certificate `token` (minting it and its issuers
// on first use); it aborts the test on an unknown token.
const uint8_t *tp_der(const char *token, size_t *out_len);

// tp_text appends the file a space-separated list of tokens describes:
// certificate tokens as PEM, and "#" (a comment), "#-" (a comment with '-'),
// "blank" (an empty line), "junk" (a line of text), "key" (a PRIVATE KEY
// block), "badb64" (a CERTIFICATE block with invalid base64), "notder" (one
// holding bytes that are not X.509), "noend" (a BEGIN line without END);
// "crlf:<token>" writes a certificate with CRLF line ends; "many:<n>" writes
// n CAs under the root.
void tp_text(const char *tokens, inspect_buf_t *out);

// tp_chain appends the certificates of `tokens` to `chain`; tp_trust adds them
// to `trust`.
void tp_chain(const char *tokens, inspect_chain_t *chain);
void tp_trust(const char *tokens, inspect_trust_t *trust);

#endif  // TLSMIRROR_TESTS_INSPECT_TESTPKI_H
