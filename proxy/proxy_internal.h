// Internal to proxy/: the TLS stream over a libuv TCP handle ("sio") that the
// lab origins and both legs of the mirror proxy are built on.
//
// A proxy_sio_t owns its SSL and its uv_tcp_t. A custom BIO lets BoringSSL
// read straight from libuv's read buffer and write into the next write
// request, so an idle stream holds no I/O buffers; bytes BoringSSL has not
// consumed yet (a paused handshake, backpressure) are kept in `pending`.
// The handshake can pause (asynchronous certificate selection) and be
// resumed. Memory rules follow libuv's: the owner frees the struct only from
// on_close, which runs after uv_close.

#ifndef TLSMIRROR_PROXY_PROXY_INTERNAL_H
#define TLSMIRROR_PROXY_PROXY_INTERNAL_H

#include <stddef.h>
#include <uv.h>

#include "proxy/proxy.h"

#define PROXY_CONTAINER_OF(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

typedef struct proxy_sio_st proxy_sio_t;

typedef struct {
  // on_handshake runs when the handshake completes (`ok` = 1) or fails
  // (`ok` = 0; the alert, if any, is being flushed and the stream closes).
  void (*on_handshake)(proxy_sio_t *sio, int ok);
  // on_paused runs when the handshake waits for the owner (certificate
  // selection returned retry); call proxy_sio_resume when ready.
  void (*on_paused)(proxy_sio_t *sio);
  // on_data delivers decrypted bytes, valid only during the call.
  void (*on_data)(proxy_sio_t *sio, const uint8_t *data, size_t len);
  // on_eof runs once when the peer stops sending (close_notify or FIN).
  void (*on_eof)(proxy_sio_t *sio);
  // on_drained runs when queued output falls to zero after having been
  // above PROXY_SIO_HIGH_WATER (backpressure release). Optional.
  void (*on_drained)(proxy_sio_t *sio);
  // on_close runs once after the handle closed: the owner may free now.
  void (*on_close)(proxy_sio_t *sio);
} proxy_sio_callbacks_t;

#define PROXY_SIO_HIGH_WATER (256 * 1024)

typedef struct proxy_sio_write_st proxy_sio_write_t;

struct proxy_sio_st {
  uv_tcp_t tcp;
  SSL *ssl;
  BIO *bio;  // owned by ssl
  const uint8_t *in;   // input BoringSSL reads next (libuv's buffer or `pending`)
  size_t in_len;
  size_t in_off;
  uint8_t *pending;    // unconsumed input kept between reads, or NULL
  proxy_sio_write_t *out;  // output being gathered for the next uv_write, or NULL
  const proxy_sio_callbacks_t *cb;
  void *data;  // the owner's
  unsigned handshake_done : 1;
  unsigned handshake_failed : 1;
  unsigned paused : 1;
  unsigned closing : 1;
  unsigned eof : 1;            // the peer's FIN arrived
  unsigned eof_delivered : 1;  // on_eof ran
  unsigned reading : 1;
  unsigned read_paused : 1;  // backpressure: reading stopped by the owner
  unsigned close_after_flush : 1;
  unsigned above_high_water : 1;
  int alert_received;  // last TLS alert from the peer, -1 if none
  int alert_sent;      // last TLS alert we sent, -1 if none
  int error;           // first failure: a UV_E* code, or PROXY_SIO_ETLS for a TLS error
  char tls_error[128]; // BoringSSL's reason when error == PROXY_SIO_ETLS
  uint64_t bytes_in;   // ciphertext bytes read from the socket
  uint64_t bytes_out;  // ciphertext bytes queued to the socket
  size_t write_queue;  // bytes queued and not yet written
};

#define PROXY_SIO_ETLS (-22900)

// proxy_sio_init prepares `sio` on `loop` and takes ownership of `ssl` (also
// on failure). The owner then accepts or connects `sio->tcp`.
int proxy_sio_init(uv_loop_t *loop, proxy_sio_t *sio, SSL *ssl, const proxy_sio_callbacks_t *cb, void *data);
// proxy_sio_start starts reading and drives the handshake (a client sends
// its ClientHello now).
int proxy_sio_start(proxy_sio_t *sio);
// proxy_sio_resume continues a paused handshake.
void proxy_sio_resume(proxy_sio_t *sio);
// proxy_sio_write encrypts and queues `len` bytes. Returns 0 or an error
// (the stream is then closing).
int proxy_sio_write(proxy_sio_t *sio, const void *data, size_t len);
// proxy_sio_read_stop / proxy_sio_read_start apply backpressure.
void proxy_sio_read_stop(proxy_sio_t *sio);
void proxy_sio_read_start(proxy_sio_t *sio);
// proxy_sio_shutdown sends close_notify and closes once output is flushed.
void proxy_sio_shutdown(proxy_sio_t *sio);
// proxy_sio_close closes at once, dropping queued output.
void proxy_sio_close(proxy_sio_t *sio);
// proxy_sio_close_after_flush closes once queued output is written (no
// close_notify: used after a fatal alert or a plain-text reply).
void proxy_sio_close_after_flush(proxy_sio_t *sio);
// proxy_sio_write_raw queues bytes to the socket without TLS (e.g. a plain
// HTTP 400 to a client that did not speak TLS).
int proxy_sio_write_raw(proxy_sio_t *sio, const void *data, size_t len);

// proxy_parse_host_port parses "ADDR:PORT", "[V6]:PORT", "ADDR" (with
// `default_port`) or a bare "PORT" (on 127.0.0.1); numeric addresses only.
int proxy_parse_host_port(const char *text, uint16_t default_port, struct sockaddr_storage *out);

#endif  // TLSMIRROR_PROXY_PROXY_INTERNAL_H
