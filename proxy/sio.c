// TLS over a libuv TCP handle through memory BIOs. See proxy_internal.h.

#include <limits.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/proxy_internal.h"

typedef struct {
  uv_write_t req;
  proxy_sio_t *sio;
  size_t len;
  char data[];
} sio_write_t;

// One read buffer per thread: libuv hands it back in the read callback and
// its bytes move into the read BIO at once, so idle streams hold none.
static _Thread_local char g_read_buf[64 * 1024];
static _Thread_local uint8_t g_plain_buf[16 * 1024];

static void sio_fail(proxy_sio_t *sio, int error) {
  if (sio->error == 0) {
    sio->error = error;
    if (error == PROXY_SIO_ETLS) {
      tls_error_describe(sio->tls_error, sizeof(sio->tls_error));
    }
  }
  ERR_clear_error();
}

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

static void on_closed(uv_handle_t *handle) {
  proxy_sio_t *sio = PROXY_CONTAINER_OF(handle, proxy_sio_t, tcp);
  SSL_free(sio->ssl);
  sio->ssl = NULL;
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
  sio_write_t *w = PROXY_CONTAINER_OF(req, sio_write_t, req);
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

static int queue_bytes(proxy_sio_t *sio, const void *data, size_t len, int from_bio) {
  if (sio->closing) {
    return UV_ECANCELED;
  }
  sio_write_t *w = malloc(sizeof(*w) + len);
  if (w == NULL) {
    sio_fail(sio, UV_ENOMEM);
    proxy_sio_close(sio);
    return UV_ENOMEM;
  }
  if (from_bio) {
    BIO_read(sio->wbio, w->data, (int)len);
  } else {
    memcpy(w->data, data, len);
  }
  w->sio = sio;
  w->len = len;
  uv_buf_t buf = uv_buf_init(w->data, (unsigned)len);
  int r = uv_write(&w->req, (uv_stream_t *)&sio->tcp, &buf, 1, on_write);
  if (r < 0) {
    free(w);
    sio_fail(sio, r);
    proxy_sio_close(sio);
    return r;
  }
  sio->write_queue += len;
  sio->bytes_out += len;
  if (sio->write_queue > PROXY_SIO_HIGH_WATER) {
    sio->above_high_water = 1;
  }
  return 0;
}

// flush moves everything BoringSSL wrote into the socket's write queue.
static int flush(proxy_sio_t *sio) {
  size_t pending = BIO_pending(sio->wbio);
  if (pending == 0) {
    return 0;
  }
  return queue_bytes(sio, NULL, pending, 1);
}

int proxy_sio_write_raw(proxy_sio_t *sio, const void *data, size_t len) {
  return queue_bytes(sio, data, len, 0);
}

void proxy_sio_close_after_flush(proxy_sio_t *sio) {
  if (sio->closing) {
    return;
  }
  uv_read_stop((uv_stream_t *)&sio->tcp);
  sio->reading = 0;
  if (sio->write_queue == 0) {
    proxy_sio_close(sio);
  } else {
    sio->close_after_flush = 1;
  }
}

static void handshake_failed(proxy_sio_t *sio, int error) {
  sio->handshake_failed = 1;
  sio_fail(sio, error);
  flush(sio);  // the alert, if BoringSSL produced one
  if (sio->cb->on_handshake != NULL) {
    sio->cb->on_handshake(sio, 0);
  }
  proxy_sio_close_after_flush(sio);
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

static void process(proxy_sio_t *sio) {
  if (sio->closing) {
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
        if (sio->eof) {
          handshake_failed(sio, UV_EOF);
        }
        return;
      }
      if (e == SSL_ERROR_PENDING_CERTIFICATE || e == SSL_ERROR_WANT_CERTIFICATE_VERIFY ||
          e == SSL_ERROR_WANT_X509_LOOKUP || e == SSL_ERROR_PENDING_SESSION) {
        sio->paused = 1;
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
    if (sio->cb->on_handshake != NULL) {
      sio->cb->on_handshake(sio, 1);
    }
  }
  while (!sio->closing && !sio->read_paused) {
    int n = SSL_read(sio->ssl, g_plain_buf, sizeof(g_plain_buf));
    if (n > 0) {
      sio->cb->on_data(sio, g_plain_buf, (size_t)n);
      continue;
    }
    int e = SSL_get_error(sio->ssl, n);
    if (e == SSL_ERROR_WANT_READ) {
      if (sio->eof && BIO_pending(sio->rbio) == 0) {
        // TCP FIN without close_notify: treat as the end of the stream.
        deliver_eof(sio);
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
  BIO_write(sio->rbio, buf->base, (int)nread);
  process(sio);
}

int proxy_sio_init(uv_loop_t *loop, proxy_sio_t *sio, SSL *ssl, const proxy_sio_callbacks_t *cb, void *data) {
  memset(sio, 0, sizeof(*sio));
  sio->cb = cb;
  sio->data = data;
  sio->alert_received = -1;
  sio->alert_sent = -1;
  BIO *rbio = BIO_new(BIO_s_mem());
  BIO *wbio = BIO_new(BIO_s_mem());
  if (rbio == NULL || wbio == NULL) {
    BIO_free(rbio);
    BIO_free(wbio);
    SSL_free(ssl);
    return UV_ENOMEM;
  }
  // An empty read BIO means "wait for more", not end of file.
  BIO_set_mem_eof_return(rbio, -1);
  SSL_set_bio(ssl, rbio, wbio);
  SSL_set_app_data(ssl, sio);
  SSL_set_info_callback(ssl, on_info);
  sio->ssl = ssl;
  sio->rbio = rbio;
  sio->wbio = wbio;
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
  if (sio->closing) {
    return;
  }
  if (!sio->reading && !sio->eof) {
    if (uv_read_start((uv_stream_t *)&sio->tcp, on_alloc, on_read) == 0) {
      sio->reading = 1;
    }
  }
  process(sio);  // deliver what was already buffered
}

void proxy_sio_shutdown(proxy_sio_t *sio) {
  if (sio->closing) {
    return;
  }
  if (sio->handshake_done) {
    SSL_shutdown(sio->ssl);
    ERR_clear_error();
    flush(sio);
  }
  proxy_sio_close_after_flush(sio);
}
