// A client's offer, mirrored: what a ClientHello (or a platform's ClientHello
// as data) offers, made into a BoringSSL client's own offer as far as
// BoringSSL can express it, with the rest listed so the record can say what
// tlsmirror could not offer on the client's behalf.

#include <errno.h>
#include <openssl/bytestring.h>
#include <openssl/nid.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tls/tls_internal.h"

#ifndef OPENSSL_IS_BORINGSSL
#error "tlsmirror's TLS layer needs BoringSSL (-I/usr/include/android)"
#endif

// Cipher suite values that are signals, not suites (RFC 5746, RFC 7507):
// nothing to offer and nothing missing.
#define SCSV_RENEGOTIATION 0x00ff
#define SCSV_FALLBACK 0x5600

void tls_hello_spec_of(const tls_hello_t *hello, inspect_hello_spec_t *spec) {
  memset(spec, 0, sizeof(*spec));
  spec->min_version = hello->min_version;
  spec->max_version = hello->max_version;
  spec->ciphers = hello->ciphers;
  spec->num_ciphers = hello->num_ciphers;
  spec->groups = hello->groups;
  spec->num_groups = hello->num_groups;
  spec->sigalgs = hello->sigalgs;
  spec->num_sigalgs = hello->num_sigalgs;
  spec->sni = INSPECT_SNI_AS_CLIENT;
  spec->source = "the client's own ClientHello";
}

static void note(uint16_t *list, size_t *num, size_t max, uint16_t value) {
  if (*num < max) {
    list[(*num)++] = value;
  }
}

// apply_versions offers TLS 1.0 to 1.3 as far as the spec's range reaches.
static int apply_versions(SSL *ssl, const inspect_hello_spec_t *spec, tls_hello_missing_t *missing) {
  uint16_t lo = spec->min_version, hi = spec->max_version;
  if (lo == 0 && hi == 0) {
    lo = TLS1_VERSION;
    hi = TLS1_3_VERSION;
  }
  if (lo < TLS1_VERSION || hi > TLS1_3_VERSION) {
    missing->versions = 1;
  }
  lo = lo < TLS1_VERSION ? TLS1_VERSION : lo;
  hi = hi > TLS1_3_VERSION ? TLS1_3_VERSION : hi;
  if (lo > hi) {
    return TLS_ENO_OFFER;
  }
  return SSL_set_min_proto_version(ssl, lo) && SSL_set_max_proto_version(ssl, hi) ? TLS_OK : TLS_ENO_OFFER;
}

// apply_ciphers offers the spec's TLS 1.2-and-older suites in its order.
// BoringSSL offers its three TLS 1.3 suites whenever TLS 1.3 is in range.
static int apply_ciphers(SSL *ssl, const inspect_hello_spec_t *spec, tls_hello_missing_t *missing) {
  char list[64 * 48];
  size_t len = 0, legacy = 0, modern = 0;
  list[0] = '\0';
  for (size_t i = 0; i < spec->num_ciphers; i++) {
    uint16_t v = spec->ciphers[i];
    if (tls_hello_is_grease(v) || v == SCSV_RENEGOTIATION || v == SCSV_FALLBACK) {
      continue;
    }
    const SSL_CIPHER *c = SSL_get_cipher_by_value(v);
    if (c == NULL) {
      note(missing->ciphers, &missing->num_ciphers, sizeof(missing->ciphers) / sizeof(missing->ciphers[0]), v);
      continue;
    }
    if (SSL_CIPHER_get_min_version(c) >= TLS1_3_VERSION) {
      modern++;
      continue;
    }
    int n = snprintf(list + len, sizeof(list) - len, "%s%s", legacy > 0 ? ":" : "", SSL_CIPHER_get_name(c));
    if (n > 0 && (size_t)n < sizeof(list) - len) {
      len += (size_t)n;
      legacy++;
    }
  }
  if (spec->num_ciphers == 0) {
    return TLS_OK;  // a spec that says nothing of suites: BoringSSL's defaults
  }
  if (legacy > 0) {
    return SSL_set_strict_cipher_list(ssl, list) ? TLS_OK : TLS_ENO_OFFER;
  }
  // Nothing for TLS 1.2 and older: only TLS 1.3 is left, if it was offered.
  if (modern > 0 && SSL_get_max_proto_version(ssl) >= TLS1_3_VERSION) {
    return SSL_set_min_proto_version(ssl, TLS1_3_VERSION) ? TLS_OK : TLS_ENO_OFFER;
  }
  return TLS_ENO_OFFER;
}

// group_nid returns the NID BoringSSL knows a supported group by, or 0.
static int group_nid(uint16_t group) {
  switch (group) {
    case SSL_CURVE_SECP224R1: return NID_secp224r1;
    case SSL_CURVE_SECP256R1: return NID_X9_62_prime256v1;
    case SSL_CURVE_SECP384R1: return NID_secp384r1;
    case SSL_CURVE_SECP521R1: return NID_secp521r1;
    case SSL_CURVE_X25519: return NID_X25519;
    case SSL_CURVE_CECPQ2: return NID_CECPQ2;
    default: return 0;
  }
}

static int apply_groups(SSL *ssl, const inspect_hello_spec_t *spec, tls_hello_missing_t *missing) {
  int nids[64];
  size_t n = 0;
  for (size_t i = 0; i < spec->num_groups; i++) {
    uint16_t v = spec->groups[i];
    if (tls_hello_is_grease(v)) {
      continue;
    }
    int nid = group_nid(v);
    if (nid == 0) {
      note(missing->groups, &missing->num_groups, sizeof(missing->groups) / sizeof(missing->groups[0]), v);
    } else if (n < sizeof(nids) / sizeof(nids[0])) {
      nids[n++] = nid;
    }
  }
  if (n == 0) {
    return spec->num_groups == 0 ? TLS_OK : TLS_ENO_OFFER;
  }
  return SSL_set1_curves(ssl, nids, n) ? TLS_OK : TLS_ENO_OFFER;
}

// can_verify says whether BoringSSL verifies signatures made with `sigalg`.
static int can_verify(uint16_t sigalg) {
  static const uint16_t kKnown[] = {
      SSL_SIGN_RSA_PKCS1_SHA1,
      SSL_SIGN_RSA_PKCS1_SHA256,
      SSL_SIGN_RSA_PKCS1_SHA384,
      SSL_SIGN_RSA_PKCS1_SHA512,
      SSL_SIGN_ECDSA_SHA1,
      SSL_SIGN_ECDSA_SECP256R1_SHA256,
      SSL_SIGN_ECDSA_SECP384R1_SHA384,
      SSL_SIGN_ECDSA_SECP521R1_SHA512,
      SSL_SIGN_RSA_PSS_RSAE_SHA256,
      SSL_SIGN_RSA_PSS_RSAE_SHA384,
      SSL_SIGN_RSA_PSS_RSAE_SHA512,
      SSL_SIGN_ED25519,
  };
  for (size_t i = 0; i < sizeof(kKnown) / sizeof(kKnown[0]); i++) {
    if (kKnown[i] == sigalg) {
      return 1;
    }
  }
  return 0;
}

static int apply_sigalgs(SSL *ssl, const inspect_hello_spec_t *spec, tls_hello_missing_t *missing) {
  uint16_t prefs[64];
  size_t n = 0;
  for (size_t i = 0; i < spec->num_sigalgs; i++) {
    uint16_t v = spec->sigalgs[i];
    if (tls_hello_is_grease(v)) {
      continue;
    }
    int dup = 0;
    for (size_t j = 0; j < n; j++) {
      dup |= prefs[j] == v;
    }
    if (!can_verify(v)) {
      note(missing->sigalgs, &missing->num_sigalgs, sizeof(missing->sigalgs) / sizeof(missing->sigalgs[0]), v);
    } else if (!dup && n < sizeof(prefs) / sizeof(prefs[0])) {
      prefs[n++] = v;
    }
  }
  if (n == 0) {
    return spec->num_sigalgs == 0 ? TLS_OK : TLS_ENO_OFFER;
  }
  return SSL_set_verify_algorithm_prefs(ssl, prefs, n) ? TLS_OK : TLS_ENO_OFFER;
}

int tls_hello_spec_apply(SSL *ssl, const inspect_hello_spec_t *spec, tls_hello_missing_t *missing) {
  tls_hello_missing_t scratch;
  if (missing == NULL) {
    missing = &scratch;
  }
  memset(missing, 0, sizeof(*missing));
  // Every list is applied even when one fails, so `missing` is complete.
  int r = apply_versions(ssl, spec, missing);
  int c = apply_ciphers(ssl, spec, missing);
  int g = apply_groups(ssl, spec, missing);
  int s = apply_sigalgs(ssl, spec, missing);
  return r != TLS_OK ? r : c != TLS_OK ? c : g != TLS_OK ? g : s;
}

// The server's answer to an offer.

// RFC 8446, 4.1.3: a ServerHello with this random is a HelloRetryRequest.
static const uint8_t kHrrRandom[32] = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
                                       0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
                                       0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

// server_hello reads a ServerHello body into `out`; 0 when malformed.
static int server_hello(CBS *body, tls_offer_result_t *out) {
  uint16_t version, cipher;
  uint8_t compression;
  CBS random, session_id, extensions;
  if (!CBS_get_u16(body, &version) || !CBS_get_bytes(body, &random, 32) ||
      !CBS_get_u8_length_prefixed(body, &session_id) || !CBS_get_u16(body, &cipher) ||
      !CBS_get_u8(body, &compression)) {
    return 0;
  }
  int hrr = memcmp(CBS_data(&random), kHrrRandom, 32) == 0;
  out->outcome = hrr ? TLS_OFFER_RETRY : TLS_OFFER_ACCEPTED;
  out->version = version;
  out->cipher = cipher;
  if (CBS_len(body) == 0) {
    return 1;  // no extensions (TLS 1.2 and older)
  }
  if (!CBS_get_u16_length_prefixed(body, &extensions)) {
    return 0;
  }
  while (CBS_len(&extensions) > 0) {
    uint16_t type, value;
    CBS data;
    if (!CBS_get_u16(&extensions, &type) || !CBS_get_u16_length_prefixed(&extensions, &data)) {
      return 0;
    }
    if (type == TLSEXT_TYPE_supported_versions && CBS_get_u16(&data, &value)) {
      out->version = value;
    } else if (type == TLSEXT_TYPE_key_share && CBS_get_u16(&data, &value)) {
      out->group = value;  // the group of the server's share, or the one a HelloRetryRequest asks for
    }
  }
  return 1;
}

int tls_offer_parse(const uint8_t *data, size_t len, tls_offer_result_t *out) {
  memset(out, 0, sizeof(*out));
  out->alert = -1;
  CBS cbs, fragment;
  CBS_init(&cbs, data, len);
  uint8_t type;
  uint16_t version;
  if (!CBS_get_u8(&cbs, &type) || !CBS_get_u16(&cbs, &version)) {
    return len > 0 && data[0] != 21 && data[0] != 22 ? TLS_EHELLO : 0;
  }
  if ((type != 21 && type != 22) || (version >> 8) != 3) {
    return TLS_EHELLO;
  }
  if (!CBS_get_u16_length_prefixed(&cbs, &fragment)) {
    return 0;  // the first record is not complete yet
  }
  uint8_t level, desc, msg_type;
  if (type == 21) {
    if (!CBS_get_u8(&fragment, &level) || !CBS_get_u8(&fragment, &desc)) {
      return TLS_EHELLO;
    }
    out->outcome = TLS_OFFER_ALERT;
    out->alert = desc;
    snprintf(out->detail, sizeof(out->detail), "alert %s (%d)", tls_alert_name(desc) ? tls_alert_name(desc) : "?",
             desc);
    return 1;
  }
  CBS body;
  // A ServerHello is small: servers send it whole in their first record.
  if (!CBS_get_u8(&fragment, &msg_type) || msg_type != SSL3_MT_SERVER_HELLO ||
      !CBS_get_u24_length_prefixed(&fragment, &body) || !server_hello(&body, out)) {
    return TLS_EHELLO;
  }
  const char *cipher = tls_cipher_name(out->cipher), *group = tls_group_name(out->group);
  snprintf(out->detail, sizeof(out->detail), "%s %s, %s%s%s",
           out->outcome == TLS_OFFER_RETRY ? "HelloRetryRequest" : "ServerHello",
           tls_version_name(out->version) ? tls_version_name(out->version) : "?", cipher != NULL ? cipher : "?",
           group != NULL ? ", " : "", group != NULL ? group : "");
  return 1;
}

// send_all writes `len` bytes to the non-blocking `fd` before `deadline`.
static int send_all(int fd, const uint8_t *data, size_t len, double deadline) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n > 0) {
      data += n;
      len -= (size_t)n;
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!tls__wait_fd(fd, POLLOUT, deadline)) {
        return 0;
      }
    } else {
      return 0;
    }
  }
  return 1;
}

// flight_end reads the rest of a TLS 1.2 (or older) server's first flight,
// which is in the clear: an alert after the ServerHello (the origin chose a
// suite, then found no signature algorithm the client offered for its key)
// makes the outcome TLS_OFFER_ALERT, and the ServerKeyExchange names the
// ECDHE group. It returns 1 once the flight ended (ServerHelloDone) or
// failed, 0 while it needs more bytes. `hs` collects handshake bytes.
static int flight_end(const uint8_t *data, size_t len, inspect_buf_t *hs, tls_offer_result_t *out) {
  CBS cbs, fragment, msgs, body;
  CBS_init(&cbs, data, len);
  inspect_buf_reset(hs);
  uint8_t type, level, desc, msg_type, curve_type;
  uint16_t version, group;
  while (CBS_get_u8(&cbs, &type) && CBS_get_u16(&cbs, &version) && CBS_get_u16_length_prefixed(&cbs, &fragment)) {
    if (type == 21 && CBS_get_u8(&fragment, &level) && CBS_get_u8(&fragment, &desc)) {
      char chosen[sizeof(out->detail)];
      snprintf(chosen, sizeof(chosen), "%s", out->detail);
      out->outcome = TLS_OFFER_ALERT;
      out->alert = desc;
      snprintf(out->detail, sizeof(out->detail), "%.100s, then alert %s (%d)", chosen,
               tls_alert_name(desc) ? tls_alert_name(desc) : "?", desc);
      return 1;
    }
    if (type != 22) {
      return 1;  // anything else ends what can be read in the clear
    }
    inspect_buf_append(hs, CBS_data(&fragment), CBS_len(&fragment));
  }
  CBS_init(&msgs, (const uint8_t *)hs->data, hs->len);
  while (CBS_get_u8(&msgs, &msg_type) && CBS_get_u24_length_prefixed(&msgs, &body)) {
    if (msg_type == SSL3_MT_SERVER_KEY_EXCHANGE && CBS_get_u8(&body, &curve_type) && curve_type == 3 &&
        CBS_get_u16(&body, &group)) {
      out->group = group;  // named_curve
    }
    if (msg_type == SSL3_MT_SERVER_HELLO_DONE) {
      return 1;
    }
  }
  return hs->failed;  // a flight too large to follow: take the ServerHello's word
}

// read_more reads once into `buf`; 1 when bytes came, else `out` says why not.
static int read_more(int fd, double deadline, inspect_buf_t *buf, tls_offer_result_t *out) {
  uint8_t chunk[16 * 1024];
  for (;;) {
    if (!tls__wait_fd(fd, POLLIN, deadline)) {
      out->outcome = TLS_OFFER_TIMEOUT;
      snprintf(out->detail, sizeof(out->detail), "no answer in time");
      return 0;
    }
    ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      continue;
    }
    if (n <= 0) {
      out->outcome = TLS_OFFER_CLOSED;
      snprintf(out->detail, sizeof(out->detail), "%s", n == 0 ? "closed without an answer" : strerror(errno));
      return 0;
    }
    return inspect_buf_append(buf, chunk, (size_t)n);
  }
}

// read_answer reads until `out` can be filled, the server closes, or the
// deadline passes; after a TLS 1.2 ServerHello, to the end of the flight.
static void read_answer(int fd, double deadline, inspect_buf_t *buf, tls_offer_result_t *out) {
  inspect_buf_t hs;
  inspect_buf_init(&hs, 256 * 1024);
  int r = 0;
  while (r == 0 && read_more(fd, deadline, buf, out)) {
    r = tls_offer_parse((const uint8_t *)buf->data, buf->len, out);
    if (r < 0 || (r == 0 && buf->len > 16 * 1024 + 5)) {
      memset(out, 0, sizeof(*out));
      out->alert = -1;
      out->outcome = TLS_OFFER_NOT_TLS;
      snprintf(out->detail, sizeof(out->detail), "the answer is not a TLS ServerHello or alert");
      r = -1;
    }
  }
  if (r == 1 && out->outcome == TLS_OFFER_ACCEPTED && out->version <= TLS1_2_VERSION) {
    tls_offer_result_t accepted = *out;
    int done = flight_end((const uint8_t *)buf->data, buf->len, &hs, out);
    while (!done && read_more(fd, deadline, buf, out)) {
      done = flight_end((const uint8_t *)buf->data, buf->len, &hs, out);
    }
    if (!done && out->outcome == TLS_OFFER_TIMEOUT) {
      *out = accepted;  // a slow flight: the ServerHello stands
    } else if (!done) {
      snprintf(out->detail, sizeof(out->detail), "%.100s, then the connection closed", accepted.detail);
    }
  }
  inspect_buf_cleanup(&hs);
}

int tls_offer_probe(const tls_probe_config_t *cfg, const uint8_t *hello, size_t hello_len, tls_offer_result_t *out) {
  memset(out, 0, sizeof(*out));
  out->alert = -1;
  if (cfg == NULL || cfg->host == NULL || hello == NULL || hello_len == 0) {
    return TLS_EHELLO;
  }
  double deadline = tls__now() + (cfg->timeout > 0 ? cfg->timeout : 10);
  int fd = tls__connect(cfg->host, cfg->port, cfg->connect_addr, deadline, out->detail, sizeof(out->detail), NULL, 0);
  if (fd < 0) {
    out->outcome = TLS_OFFER_CONNECT_FAILED;
    return TLS_OK;
  }
  if (!send_all(fd, hello, hello_len, deadline)) {
    out->outcome = TLS_OFFER_CLOSED;
    snprintf(out->detail, sizeof(out->detail), "the origin closed before the ClientHello was sent");
  } else {
    inspect_buf_t buf;
    inspect_buf_init(&buf, 256 * 1024);
    read_answer(fd, deadline, &buf, out);
    inspect_buf_cleanup(&buf);
  }
  close(fd);
  return TLS_OK;
}

typedef struct {
  const tls_probe_config_t *cfg;
  const inspect_buf_t *hello;
  tls_offer_result_t *out;
  pthread_t thread;
  int started;
} offer_job_t;

static void *offer_thread(void *arg) {
  offer_job_t *job = arg;
  (void)tls_offer_probe(job->cfg, (const uint8_t *)job->hello->data, job->hello->len, job->out);
  return NULL;
}

int tls_offer_probe_all(const tls_probe_config_t *cfg, const inspect_buf_t *hellos, size_t num,
                        tls_offer_result_t *out) {
  offer_job_t *jobs = calloc(num > 0 ? num : 1, sizeof(*jobs));
  if (jobs == NULL) {
    return TLS_ENOMEM;
  }
  int err = TLS_OK;
  for (size_t i = 0; i < num; i++) {
    jobs[i] = (offer_job_t){cfg, &hellos[i], &out[i], 0, 0};
    jobs[i].started = pthread_create(&jobs[i].thread, NULL, offer_thread, &jobs[i]) == 0;
    if (!jobs[i].started) {
      memset(&out[i], 0, sizeof(out[i]));
      out[i].alert = -1;
      out[i].outcome = TLS_OFFER_TIMEOUT;
      snprintf(out[i].detail, sizeof(out[i].detail), "could not start a thread for this offer");
      err = TLS_ENOMEM;
    }
  }
  for (size_t i = 0; i < num; i++) {
    if (jobs[i].started) {
      pthread_join(jobs[i].thread, NULL);
    }
  }
  free(jobs);
  return err;
}
