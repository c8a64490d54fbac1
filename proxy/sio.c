// TLS over a libuv TCP handle through a custom BIO. See proxy_internal.h.

#include <limits.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/proxy_internal.h"

struct proxy_sio_write_st {
  uv_write_t req;
  proxy_sio_t *sio;
  size_t len;
  size_t cap;
  char data[];
};

#define SIO_OUT_MIN 4096

// One read buffer per thread: libuv fills it, BoringSSL consumes it during
// the read callback, and leftovers are copied out, so idle streams hold none.
static _Thread_local char g_read_buf[64 * 1024];
static _Thread_local uint8_t g_plain_buf[16 * 1024];

static void sio_fail(proxy_sio_t *sio, int error) {
  if (sio->error == 0) {
    sio->error = error;
    if (error == PROXY_SIO_ETLS) {
      sio->tls_packed = ERR_peek_error();
      tls_error_describe(sio->tls_error, sizeof(sio->tls_error));
    }
  }
  ERR_clear_error();
}

// The BIO: reads from sio->in, appends writes to sio->out.
static int bio_read(BIO *bio, char *out, int len) {
  proxy_sio_t *sio = BIO_get_data(bio);
  BIO_clear_retry_flags(bio);
  size_t avail = sio->in_len - sio->in_off;
  if (avail == 0 || len <= 0) {
    BIO_set_retry_read(bio);
    return -1;
  }
  size_t n = (size_t)len < avail ? (size_t)len : avail;
  memcpy(out, sio->in + sio->in_off, n);
  sio->in_off += n;
  return (int)n;
}

static int bio_write(BIO *bio, const char *in, int len) {
  proxy_sio_t *sio = BIO_get_data(bio);
  BIO_clear_retry_flags(bio);
  if (len <= 0) {
    return 0;
  }
  proxy_sio_write_t *w = sio->out;
  size_t need = (w != NULL ? w->len : 0) + (size_t)len;
  if (w == NULL || need > w->cap) {
    size_t cap = w != NULL ? w->cap * 2 : SIO_OUT_MIN;
    while (cap < need) {
      cap *= 2;
    }
    proxy_sio_write_t *grown = realloc(w, sizeof(*w) + cap);
    if (grown == NULL) {
      return -1;
    }
    if (w == NULL) {
      grown->len = 0;
    }
    grown->cap = cap;
    sio->out = w = grown;
  }
  memcpy(w->data + w->len, in, (size_t)len);
  w->len += (size_t)len;
  return len;
}

static long bio_ctrl(BIO *bio, int cmd, long num, void *ptr) {
  (void)bio, (void)num, (void)ptr;
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *bio) {
  BIO_set_init(bio, 1);
  return 1;
}

static const BIO_METHOD kSioBioMethod = {
    .type = BIO_TYPE_SOURCE_SINK,
    .name = "tlsmirror-sio",
    .bwrite = bio_write,
    .bread = bio_read,
    .ctrl = bio_ctrl,
    .create = bio_create,
};

static void on_info(const SSL *ssl, int where, int value) {
  if (!(where & SSL_CB_ALERT)) {
    return;
  }
  proxy_sio_t *sio = SSL_get_app_data(ssl);
  int alert = value & 0xff;
  if (alert == SSL_AD_CLOSE_NOTIFY) {
    return;
  }
  if (where & SSL_CB_READ) {
    sio->alert_received = alert;
  } else {
    sio->alert_sent = alert;
  }
}

static void drop_first_record(proxy_sio_t *sio) {
  free(sio->first_record);
  sio->first_record = NULL;
  sio->first_record_len = sio->first_record_have = 0;
}

static void on_closed(uv_handle_t *handle) {
  proxy_sio_t *sio = PROXY_CONTAINER_OF(handle, proxy_sio_t, tcp);
  SSL_free(sio->ssl);
  sio->ssl = NULL;
  free(sio->pending);
  sio->pending = NULL;
  free(sio->out);
  sio->out = NULL;
  drop_first_record(sio);
  if (sio->cb->on_close != NULL) {
    sio->cb->on_close(sio);
  }
}

void proxy_sio_close(proxy_sio_t *sio) {
  if (sio->closing) {
    return;
  }
  sio->closing = 1;
  uv_close((uv_handle_t *)&sio->tcp, on_closed);
}

static void on_write(uv_write_t *req, int status) {
  proxy_sio_write_t *w = PROXY_CONTAINER_OF(req, proxy_sio_write_t, req);
  proxy_sio_t *sio = w->sio;
  sio->write_queue -= w->len;
  free(w);
  if (status < 0) {
    if (status != UV_ECANCELED) {
      sio_fail(sio, status);
    }
    proxy_sio_close(sio);
    return;
  }
  if (sio->write_queue == 0) {
    if (sio->close_after_flush) {
      proxy_sio_close(sio);
      return;
    }
    if (sio->above_high_water) {
      sio->above_high_water = 0;
      if (sio->cb->on_drained != NULL && !sio->closing) {
        sio->cb->on_drained(sio);
      }
    }
  }
}

// flush hands what BoringSSL wrote to libuv; the write request owns it.
static int flush(proxy_sio_t *sio) {
  proxy_sio_write_t *w = sio->out;
  if (w == NULL || w->len == 0) {
    return 0;
  }
  sio->out = NULL;
  if (sio->closing) {
    free(w);
    return UV_ECANCELED;
  }
  w->sio = sio;
  uv_buf_t buf = uv_buf_init(w->data, (unsigned)w->len);
  int r = uv_write(&w->req, (uv_stream_t *)&sio->tcp, &buf, 1, on_write);
  if (r < 0) {
    free(w);
    sio_fail(sio, r);
    proxy_sio_close(sio);
    return r;
  }
  sio->write_queue += w->len;
  sio->bytes_out += w->len;
  if (sio->write_queue > PROXY_SIO_HIGH_WATER) {
    sio->above_high_water = 1;
  }
  return 0;
}

int proxy_sio_write_raw(proxy_sio_t *sio, const void *data, size_t len) {
  if (sio->closing) {
    return UV_ECANCELED;
  }
  flush(sio);  // keep order with anything BoringSSL already produced
  if (bio_write(sio->bio, data, (int)len) != (int)len) {
    sio_fail(sio, UV_ENOMEM);
    proxy_sio_close(sio);
    return UV_ENOMEM;
  }
  return flush(sio);
}

void proxy_sio_close_after_flush(proxy_sio_t *sio) {
  if (sio->closing) {
    return;
  }
  uv_read_stop((uv_stream_t *)&sio->tcp);
  sio->reading = 0;
  flush(sio);
  if (sio->write_queue == 0) {
    proxy_sio_close(sio);
  } else {
    sio->close_after_flush = 1;
  }
}

// deliver_plain hands a plain stream's input to the owner as it is.
static void deliver_plain(proxy_sio_t *sio) {
  size_t n = sio->in_len - sio->in_off;
  const uint8_t *data = sio->in + sio->in_off;
  sio->in_off = sio->in_len;
  if (n > 0) {
    sio->cb->on_data(sio, data, n);
  }
}

static void handshake_failed(proxy_sio_t *sio, int error) {
  sio->handshake_failed = 1;
  sio_fail(sio, error);
  flush(sio);  // the alert, if BoringSSL produced one
  if (sio->cb->on_handshake != NULL) {
    sio->cb->on_handshake(sio, 0);
  }
  drop_first_record(sio);
  if (sio->plain && !sio->closing) {
    deliver_plain(sio);  // the owner took the stream over as plain text (proxy_sio_set_plain)
    return;
  }
  proxy_sio_close_after_flush(sio);
}

int proxy_sio_set_plain(proxy_sio_t *sio) {
  if (sio->bytes_in != sio->in_len) {
    return -1;  // earlier reads were consumed: the first bytes are gone
  }
  sio->plain = 1;
  sio->in_off = 0;
  return 0;
}

static void deliver_eof(proxy_sio_t *sio) {
  if (sio->eof_delivered) {
    return;
  }
  sio->eof_delivered = 1;
  if (sio->cb->on_eof != NULL) {
    sio->cb->on_eof(sio);
  }
}

static int input_left(const proxy_sio_t *sio) { return sio->in_off < sio->in_len; }

static void process(proxy_sio_t *sio) {
  if (sio->closing) {
    return;
  }
  if (sio->plain) {
    if (!sio->close_after_flush) {
      deliver_plain(sio);
      if (sio->eof && !sio->closing) {
        deliver_eof(sio);
      }
    }
    return;
  }
  if (!sio->handshake_done) {
    if (sio->paused) {
      return;
    }
    int r = SSL_do_handshake(sio->ssl);
    if (r != 1) {
      int e = SSL_get_error(sio->ssl, r);
      flush(sio);
      if (e == SSL_ERROR_WANT_READ) {
        if (sio->eof && !input_left(sio)) {
          handshake_failed(sio, UV_EOF);
        }
        return;
      }
      if (e == SSL_ERROR_PENDING_CERTIFICATE || e == SSL_ERROR_WANT_CERTIFICATE_VERIFY ||
          e == SSL_ERROR_WANT_X509_LOOKUP || e == SSL_ERROR_PENDING_SESSION) {
        sio->paused = 1;
        if (sio->t_paused == 0) {
          sio->t_paused = uv_hrtime();
        }
        if (sio->cb->on_paused != NULL) {
          sio->cb->on_paused(sio);
        }
        return;
      }
      handshake_failed(sio, e == SSL_ERROR_SYSCALL && sio->eof ? UV_EOF : PROXY_SIO_ETLS);
      return;
    }
    flush(sio);
    sio->handshake_done = 1;
    drop_first_record(sio);
    sio->t_handshake = uv_hrtime();
    if (sio->cb->on_handshake != NULL) {
      sio->cb->on_handshake(sio, 1);
    }
  }
  // Not after a shutdown (close_after_flush): the owner is done with the
  // input, even with records left from the same read.
  while (!sio->closing && !sio->read_paused && !sio->close_after_flush) {
    int n = SSL_read(sio->ssl, g_plain_buf, sizeof(g_plain_buf));
    if (n > 0) {
      if (sio->t_first_data == 0) {
        sio->t_first_data = uv_hrtime();
      }
      sio->cb->on_data(sio, g_plain_buf, (size_t)n);
      continue;
    }
    int e = SSL_get_error(sio->ssl, n);
    if (e == SSL_ERROR_WANT_READ) {
      if (sio->eof && !input_left(sio)) {
        deliver_eof(sio);  // TCP FIN without close_notify ends the stream too
      }
      break;
    }
    if (e == SSL_ERROR_ZERO_RETURN) {
      deliver_eof(sio);
      break;
    }
    sio_fail(sio, PROXY_SIO_ETLS);
    flush(sio);
    proxy_sio_close_after_flush(sio);
    return;
  }
  if (!sio->closing) {
    flush(sio);  // post-handshake messages (tickets, key updates)
  }
}

// keep_leftover saves input BoringSSL did not consume, so the shared read
// buffer can be reused by the next stream.
static void keep_leftover(proxy_sio_t *sio) {
  size_t left = sio->in_len - sio->in_off;
  if (sio->closing || left == 0) {
    free(sio->pending);
    sio->pending = NULL;
    sio->in = NULL;
    sio->in_len = sio->in_off = 0;
    return;
  }
  if (sio->in == sio->pending) {
    memmove(sio->pending, sio->pending + sio->in_off, left);
  } else {
    uint8_t *copy = malloc(left);
    if (copy == NULL) {
      sio_fail(sio, UV_ENOMEM);
      proxy_sio_close(sio);
      return;
    }
    memcpy(copy, sio->in + sio->in_off, left);
    free(sio->pending);
    sio->pending = copy;
  }
  sio->in = sio->pending;
  sio->in_len = left;
  sio->in_off = 0;
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

// limit_input stops reading while more than PROXY_SIO_MAX_PENDING bytes
// wait unconsumed (during a paused handshake the peer may keep sending), and
// reads again once BoringSSL has taken them.
static void limit_input(proxy_sio_t *sio) {
  size_t waiting = sio->pending != NULL ? sio->in_len - sio->in_off : 0;
  if (waiting > PROXY_SIO_MAX_PENDING) {
    if (sio->reading) {
      uv_read_stop((uv_stream_t *)&sio->tcp);
      sio->reading = 0;
    }
    sio->input_full = 1;
  } else if (sio->input_full) {
    sio->input_full = 0;
    if (!sio->read_paused && !sio->closing && !sio->close_after_flush && !sio->eof && !sio->reading &&
        uv_read_start((uv_stream_t *)&sio->tcp, on_alloc, on_read) == 0) {
      sio->reading = 1;
    }
  }
}

// scan_records follows the peer's TLS records during the handshake. A TLS
// 1.3 OpenSSL client that rejects our certificate sends its alert before it
// switches to handshake keys, so the alert is a plaintext 2-byte record that
// BoringSSL, already expecting encrypted records, cannot read (it answers
// bad_record_mac). The alert is why the client said no: keep it.
static void scan_records(proxy_sio_t *sio, const uint8_t *data, size_t len) {
  while (len > 0) {
    if (sio->rec_left == 0) {
      size_t need = 5 - sio->rec_header_len;
      size_t n = need < len ? need : len;
      memcpy(sio->rec_header + sio->rec_header_len, data, n);
      sio->rec_header_len += (uint8_t)n;
      data += n;
      len -= n;
      if (sio->rec_header_len < 5) {
        return;
      }
      sio->rec_header_len = 0;
      sio->rec_left = (uint32_t)sio->rec_header[3] << 8 | sio->rec_header[4];
      if (sio->records_seen++ == 0 && sio->rec_header[0] == 22 && sio->rec_left > 0 && sio->rec_left <= 18432) {
        sio->first_record = malloc(sio->rec_left);
        sio->first_record_len = sio->first_record != NULL ? sio->rec_left : 0;
      }
      if (sio->rec_header[0] == 21 && sio->rec_left == 2 && len >= 2 && sio->alert_received < 0 &&
          data[1] != SSL_AD_CLOSE_NOTIFY) {
        sio->alert_received = data[1];  // an encrypted alert is never 2 bytes long
      }
      continue;
    }
    size_t n = sio->rec_left < len ? sio->rec_left : len;
    if (sio->first_record != NULL && sio->records_seen == 1 && sio->first_record_have < sio->first_record_len) {
      size_t room = sio->first_record_len - sio->first_record_have;
      size_t take = n < room ? n : room;
      memcpy(sio->first_record + sio->first_record_have, data, take);
      sio->first_record_have += (uint32_t)take;
    }
    sio->rec_left -= (uint32_t)n;
    data += n;
    len -= n;
  }
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  (void)handle, (void)suggested;
  *buf = uv_buf_init(g_read_buf, sizeof(g_read_buf));
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  proxy_sio_t *sio = PROXY_CONTAINER_OF(stream, proxy_sio_t, tcp);
  if (nread == 0) {
    return;
  }
  if (nread < 0) {
    uv_read_stop(stream);
    sio->reading = 0;
    if (nread != UV_EOF) {
      sio_fail(sio, (int)nread);
      if (!sio->handshake_done && !sio->handshake_failed) {
        handshake_failed(sio, (int)nread);
      } else {
        proxy_sio_close(sio);
      }
      return;
    }
    sio->eof = 1;
    process(sio);
    return;
  }
  sio->bytes_in += (uint64_t)nread;
  if (!sio->handshake_done && !sio->plain && SSL_is_server(sio->ssl)) {
    scan_records(sio, (const uint8_t *)buf->base, (size_t)nread);
  }
  if (sio->pending != NULL) {
    // Older bytes come first: append the new ones to them.
    uint8_t *grown = realloc(sio->pending, sio->in_len + (size_t)nread);
    if (grown == NULL) {
      sio_fail(sio, UV_ENOMEM);
      proxy_sio_close(sio);
      return;
    }
    memcpy(grown + sio->in_len, buf->base, (size_t)nread);
    sio->pending = grown;
    sio->in = grown;
    sio->in_len += (size_t)nread;
  } else {
    sio->in = (const uint8_t *)buf->base;
    sio->in_len = (size_t)nread;
    sio->in_off = 0;
  }
  process(sio);
  keep_leftover(sio);
  limit_input(sio);
}

int proxy_sio_init(uv_loop_t *loop, proxy_sio_t *sio, SSL *ssl, const proxy_sio_callbacks_t *cb, void *data) {
  memset(sio, 0, sizeof(*sio));
  sio->cb = cb;
  sio->data = data;
  sio->alert_received = -1;
  sio->alert_sent = -1;
  BIO *bio = BIO_new(&kSioBioMethod);
  if (bio == NULL) {
    SSL_free(ssl);
    return UV_ENOMEM;
  }
  BIO_set_data(bio, sio);
  SSL_set_bio(ssl, bio, bio);  // one BIO both ways; the SSL owns it
  SSL_set_app_data(ssl, sio);
  SSL_set_info_callback(ssl, on_info);
  sio->ssl = ssl;
  sio->bio = bio;
  int r = uv_tcp_init(loop, &sio->tcp);
  if (r < 0) {
    SSL_free(ssl);
    sio->ssl = NULL;
  }
  return r;
}

int proxy_sio_start(proxy_sio_t *sio) {
  uv_tcp_nodelay(&sio->tcp, 1);
  int r = uv_read_start((uv_stream_t *)&sio->tcp, on_alloc, on_read);
  if (r < 0) {
    sio_fail(sio, r);
    proxy_sio_close(sio);
    return r;
  }
  sio->reading = 1;
  sio->t_start = uv_hrtime();
  if (!SSL_is_server(sio->ssl)) {
    process(sio);  // send the ClientHello
  }
  return 0;
}

void proxy_sio_resume(proxy_sio_t *sio) {
  if (!sio->paused || sio->closing) {
    return;
  }
  sio->paused = 0;
  process(sio);
  keep_leftover(sio);
  limit_input(sio);
}

int proxy_sio_write(proxy_sio_t *sio, const void *data, size_t len) {
  if (sio->closing || !sio->handshake_done) {
    return UV_ECANCELED;
  }
  const uint8_t *p = data;
  while (len > 0) {
    int chunk = len > INT_MAX ? INT_MAX : (int)len;
    int n = SSL_write(sio->ssl, p, chunk);
    if (n <= 0) {
      sio_fail(sio, PROXY_SIO_ETLS);
      proxy_sio_close(sio);
      return PROXY_SIO_ETLS;
    }
    p += n;
    len -= (size_t)n;
  }
  return flush(sio);
}

void proxy_sio_read_stop(proxy_sio_t *sio) {
  sio->read_paused = 1;
  if (sio->reading) {
    uv_read_stop((uv_stream_t *)&sio->tcp);
    sio->reading = 0;
  }
}

void proxy_sio_read_start(proxy_sio_t *sio) {
  sio->read_paused = 0;
  if (sio->closing || sio->close_after_flush) {
    return;  // shut down: reading does not resume
  }
  if (!sio->reading && !sio->eof && !sio->input_full) {
    if (uv_read_start((uv_stream_t *)&sio->tcp, on_alloc, on_read) == 0) {
      sio->reading = 1;
    }
  }
  process(sio);  // deliver what was already received
  keep_leftover(sio);
  limit_input(sio);
}

void proxy_sio_close_notify(proxy_sio_t *sio) {
  if (sio->closing || !sio->handshake_done) {
    return;
  }
  SSL_shutdown(sio->ssl);
  ERR_clear_error();
  flush(sio);
}

void proxy_sio_shutdown(proxy_sio_t *sio) {
  if (sio->closing) {
    return;
  }
  if (sio->handshake_done) {
    SSL_shutdown(sio->ssl);
    ERR_clear_error();
  }
  proxy_sio_close_after_flush(sio);
}
