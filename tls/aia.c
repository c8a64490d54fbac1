// AIA fetching: plain HTTP GETs of caIssuers URLs, with Chromium's limits
// (see tls.h), and the certificates each one delivered.

#include <ctype.h>
#include <errno.h>
#include <http_parser.h>
#include <limits.h>
#include <openssl/bytestring.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tls/tls_internal.h"

typedef struct {
  char *url;
  char detail[320];
  inspect_chain_t *certs;
} aia_entry_t;

struct tls_aia_st {
  tls_aia_config_t cfg;
  aia_entry_t entries[TLS_AIA_MAX_URLS];
  inspect_aia_fetch_t fetches[TLS_AIA_MAX_URLS];  // the public view of entries
  size_t num;
};

tls_aia_t *tls_aia_new(const tls_aia_config_t *cfg) {
  tls_aia_t *aia = calloc(1, sizeof(*aia));
  if (aia == NULL) {
    return NULL;
  }
  aia->cfg = *cfg;
  if (aia->cfg.timeout <= 0) {
    aia->cfg.timeout = TLS_AIA_TIMEOUT;
  }
  if (aia->cfg.max_bytes == 0) {
    aia->cfg.max_bytes = TLS_AIA_MAX_BYTES;
  }
  return aia;
}

void tls_aia_free(tls_aia_t *aia) {
  if (aia == NULL) {
    return;
  }
  for (size_t i = 0; i < aia->num; i++) {
    free(aia->entries[i].url);
    inspect_chain_free(aia->entries[i].certs);
  }
  free(aia);
}

const inspect_aia_fetch_t *tls_aia_get0_fetches(const tls_aia_t *aia, size_t *out_num) {
  *out_num = aia->num;
  return aia->fetches;
}

// A URL split into what an HTTP/1.1 request needs.
typedef struct {
  char host[256];  // without brackets for IPv6
  uint16_t port;
  char path[2048];  // path and query, "/" at least
} url_parts_t;

// parse_http_url splits an absolute http:// URL. It returns 1, 0 for another
// scheme, or -1 for a malformed URL.
static int parse_http_url(const char *url, url_parts_t *out) {
  if (strncasecmp(url, "http://", 7) != 0) {
    return 0;
  }
  const char *auth = url + 7;
  size_t auth_len = strcspn(auth, "/?#");
  if (auth_len == 0 || memchr(auth, '@', auth_len) != NULL) {
    return -1;  // no host, or credentials (which Chrome never sends for AIA)
  }
  const char *host = auth, *host_end, *port = NULL;
  if (auth[0] == '[') {
    host_end = memchr(auth, ']', auth_len);
    if (host_end == NULL) {
      return -1;
    }
    host++;
    if (host_end + 1 < auth + auth_len) {
      if (host_end[1] != ':') {
        return -1;
      }
      port = host_end + 2;
    }
  } else {
    const char *colon = memchr(auth, ':', auth_len);
    host_end = colon != NULL ? colon : auth + auth_len;
    port = colon != NULL ? colon + 1 : NULL;
  }
  size_t host_len = (size_t)(host_end - host);
  if (host_len == 0 || host_len >= sizeof(out->host)) {
    return -1;
  }
  memcpy(out->host, host, host_len);
  out->host[host_len] = '\0';
  for (size_t i = 0; i < host_len; i++) {
    if ((unsigned char)out->host[i] <= 0x20 || out->host[i] == 0x7f) {
      return -1;
    }
  }
  out->port = 80;
  if (port != NULL && port < auth + auth_len) {
    unsigned long p = 0;
    for (const char *c = port; c < auth + auth_len; c++) {
      if (!isdigit((unsigned char)*c) || (p = p * 10 + (unsigned long)(*c - '0')) > 65535) {
        return -1;
      }
    }
    if (p == 0) {
      return -1;
    }
    out->port = (uint16_t)p;
  }
  const char *path = auth + auth_len;
  size_t path_len = strcspn(path, "#");
  if (path_len + 2 > sizeof(out->path)) {
    return -1;
  }
  snprintf(out->path, sizeof(out->path), "%s%.*s", path[0] == '/' ? "" : "/", (int)path_len, path);
  for (const char *c = out->path; *c != '\0'; c++) {
    if ((unsigned char)*c <= 0x20 || *c == 0x7f) {
      return -1;  // a request line must not carry spaces or control characters
    }
  }
  return 1;
}

// One HTTP response, as http_parser sees it.
typedef struct {
  size_t max_bytes;
  inspect_buf_t body;
  char location[2048];
  char field[32];
  int after_value;  // the next header name starts a new field
  int too_large;
  int complete;
} response_t;

static int on_header_field(http_parser *p, const char *at, size_t len) {
  response_t *r = p->data;
  if (r->after_value) {
    r->field[0] = '\0';
    r->after_value = 0;
  }
  size_t used = strlen(r->field);
  snprintf(r->field + used, sizeof(r->field) - used, "%.*s", (int)len, at);
  return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len) {
  response_t *r = p->data;
  if (strcasecmp(r->field, "location") == 0) {
    size_t used = strlen(r->location);
    snprintf(r->location + used, sizeof(r->location) - used, "%.*s", (int)len, at);
  }
  r->after_value = 1;
  return 0;
}

static int on_headers_complete(http_parser *p) {
  response_t *r = p->data;
  if (p->status_code != 200) {
    return 1;  // the head decides (a redirect, or a failure): Chromium reads no body then
  }
  // A declared body over the cap fails at once, as Chromium's would once read.
  r->too_large = p->content_length != ULLONG_MAX && p->content_length > r->max_bytes;
  return 0;
}

static int on_body(http_parser *p, const char *at, size_t len) {
  response_t *r = p->data;
  if (r->too_large || r->body.len + len > r->max_bytes) {
    r->too_large = 1;
    return 1;
  }
  inspect_buf_append(&r->body, at, len);
  return 0;
}

static int on_message_complete(http_parser *p) {
  ((response_t *)p->data)->complete = 1;
  return 1;  // one response is all we read
}

static const http_parser_settings kSettings = {
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

typedef enum { GET_OK, GET_DEAD, GET_TIMEOUT, GET_TOO_LARGE } get_status_t;

// get sends one GET and reads the response into `r`.
static get_status_t get(const tls_aia_t *aia, const url_parts_t *u, double deadline, response_t *r, http_parser *parser,
                        char *detail, size_t detail_len) {
  const char *addr = NULL;
  for (size_t i = 0; i < aia->cfg.num_resolves; i++) {
    const tls_resolve_t *e = &aia->cfg.resolves[i];
    if (e->port == u->port && strcasecmp(e->host, u->host) == 0) {
      addr = e->addr;
      break;
    }
  }
  int fd = tls__connect(u->host, u->port, addr, deadline, detail, detail_len, NULL, 0);
  if (fd < 0) {
    return tls__now() >= deadline ? GET_TIMEOUT : GET_DEAD;
  }
  char req[2600];
  int req_len = snprintf(req, sizeof(req),
                         "GET %s HTTP/1.1\r\nHost: %s%s%s:%u\r\nAccept: */*\r\nUser-Agent: tlsmirror\r\n"
                         "Connection: close\r\n\r\n",
                         u->path, strchr(u->host, ':') != NULL ? "[" : "", u->host,
                         strchr(u->host, ':') != NULL ? "]" : "", u->port);
  get_status_t status = GET_DEAD;
  size_t sent = 0;
  while (req_len > 0 && sent < (size_t)req_len) {
    ssize_t n = send(fd, req + sent, (size_t)req_len - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += (size_t)n;
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR) && tls__wait_fd(fd, POLLOUT, deadline)) {
      continue;
    } else {
      snprintf(detail, detail_len, "%s port %u: %s", u->host, u->port, n < 0 ? strerror(errno) : "closed");
      close(fd);
      return tls__now() >= deadline ? GET_TIMEOUT : GET_DEAD;
    }
  }
  http_parser_init(parser, HTTP_RESPONSE);
  parser->data = r;
  char buf[16384];
  for (;;) {
    if (!tls__wait_fd(fd, POLLIN, deadline)) {
      snprintf(detail, detail_len, "no complete answer within %.0f s", aia->cfg.timeout);
      status = GET_TIMEOUT;
      break;
    }
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      continue;
    }
    if (n < 0) {
      snprintf(detail, detail_len, "%s port %u: %s", u->host, u->port, strerror(errno));
      break;
    }
    size_t done = http_parser_execute(parser, &kSettings, buf, (size_t)n);  // n == 0 tells it the end
    if (r->too_large) {
      snprintf(detail, detail_len, "the answer is larger than %zu bytes", aia->cfg.max_bytes);
      status = GET_TOO_LARGE;
      break;
    }
    if (r->complete) {
      status = GET_OK;
      break;
    }
    if (n == 0 || (done != (size_t)n && HTTP_PARSER_ERRNO(parser) != HPE_OK)) {
      snprintf(detail, detail_len, "%s",
               n == 0 ? "the server closed the connection before a complete answer" : "the answer is not HTTP/1.x");
      break;
    }
  }
  close(fd);
  return status;
}

// resolve_location turns a Location value into an absolute URL; 0 when it
// does not fit.
static int resolve_location(const char *base, const url_parts_t *u, const char *loc, char *out, size_t out_len) {
  size_t scheme = strspn(loc, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
  size_t auth = 7 + strcspn(base + 7, "/?#");  // "http://host:port"
  int n;
  if (scheme > 0 && loc[scheme] == ':') {
    n = snprintf(out, out_len, "%s", loc);  // absolute
  } else if (loc[0] == '/' && loc[1] == '/') {
    n = snprintf(out, out_len, "http:%s", loc);
  } else if (loc[0] == '/') {
    n = snprintf(out, out_len, "%.*s%s", (int)auth, base, loc);
  } else {
    // Relative to the current path's directory.
    const char *slash = strrchr(u->path, '/');
    n = snprintf(out, out_len, "%.*s%.*s%s", (int)auth, base, (int)(slash - u->path + 1), u->path, loc);
  }
  return n >= 0 && (size_t)n < out_len;
}

// parse_certs reads what Chromium accepts from an AIA response: one DER
// certificate, else a certs-only PKCS#7, else the first PEM certificate.
static const char *parse_certs(const uint8_t *data, size_t len, inspect_chain_t *out) {
  if (len > 0 && inspect_chain_add_der(out, data, len) == INSPECT_OK) {
    return "a DER certificate";
  }
  CBS cbs;
  CBS_init(&cbs, data, len);
  STACK_OF(CRYPTO_BUFFER) *bufs = sk_CRYPTO_BUFFER_new_null();
  if (bufs != NULL && PKCS7_get_raw_certificates(bufs, &cbs, NULL)) {
    for (size_t i = 0; i < sk_CRYPTO_BUFFER_num(bufs); i++) {
      const CRYPTO_BUFFER *b = sk_CRYPTO_BUFFER_value(bufs, i);
      if (inspect_chain_add_der(out, CRYPTO_BUFFER_data(b), CRYPTO_BUFFER_len(b)) != INSPECT_OK) {
        continue;  // a bad one is skipped, as Chrome does
      }
    }
  }
  sk_CRYPTO_BUFFER_pop_free(bufs, CRYPTO_BUFFER_free);
  ERR_clear_error();
  if (inspect_chain_num(out) > 0) {
    return inspect_chain_num(out) == 1 ? "a certs-only PKCS#7 of 1 certificate" : "a certs-only PKCS#7";
  }
  inspect_pem_reader_t reader;
  inspect_pem_reader_init(&reader, data, len);
  inspect_pem_block_t block;
  const char *what = NULL;
  while (what == NULL && inspect_pem_reader_next(&reader, &block)) {
    if (block.err == 0 && strcmp(block.label, "CERTIFICATE") == 0) {
      // Chrome parses the first CERTIFICATE block only, and fails if it is bad.
      what = inspect_chain_add_der(out, block.der, block.der_len) == INSPECT_OK ? "a PEM certificate" : "";
    }
    inspect_pem_block_cleanup(&block);
  }
  return what != NULL && what[0] != '\0' ? what : NULL;
}

static void fetch_into(const tls_aia_t *aia, const char *url, inspect_aia_fetch_t *out, aia_entry_t *e) {
  double deadline = tls__now() + aia->cfg.timeout;
  char current[2048];
  snprintf(current, sizeof(current), "%s", url);
  out->status = INSPECT_AIA_DEAD;
  for (int redirects = 0;; redirects++) {
    url_parts_t u;
    int kind = parse_http_url(current, &u);
    if (kind == 0) {
      out->status = INSPECT_AIA_NOT_HTTP;
      snprintf(e->detail, sizeof(e->detail), "%s%.200s%s: Chrome fetches AIA over plain http:// only",
               redirects > 0 ? "it redirects to " : "", current, redirects > 0 ? "" : " is not an http:// URL");
      return;
    }
    if (kind < 0) {
      snprintf(e->detail, sizeof(e->detail), "%s%.200s is not a valid URL", redirects > 0 ? "it redirects to " : "",
               current);
      return;
    }
    response_t r = {.max_bytes = aia->cfg.max_bytes};
    inspect_buf_init(&r.body, aia->cfg.max_bytes + 1);
    http_parser parser;
    memset(&parser, 0, sizeof(parser));
    get_status_t got = get(aia, &u, deadline, &r, &parser, e->detail, sizeof(e->detail));
    unsigned status = parser.status_code;
    if (got != GET_OK) {
      out->status = got == GET_TIMEOUT     ? INSPECT_AIA_TIMEOUT
                    : got == GET_TOO_LARGE ? INSPECT_AIA_TOO_LARGE
                                           : INSPECT_AIA_DEAD;
    } else if ((status == 301 || status == 302 || status == 303 || status == 307 || status == 308) &&
               r.location[0] != '\0') {
      if (redirects == TLS_AIA_MAX_REDIRECTS) {
        out->status = INSPECT_AIA_REDIRECT_LOOP;
        snprintf(e->detail, sizeof(e->detail), "more than %d redirects (Chrome's limit)", TLS_AIA_MAX_REDIRECTS);
      } else {
        char next[sizeof(current)];
        int fits = resolve_location(current, &u, r.location, next, sizeof(next));
        inspect_buf_cleanup(&r.body);
        if (!fits) {
          snprintf(e->detail, sizeof(e->detail), "it redirects to a URL too long to follow");
          return;
        }
        memcpy(current, next, sizeof(current));
        continue;
      }
    } else if (status != 200) {
      snprintf(e->detail, sizeof(e->detail), "HTTP %u %s", status, http_status_str((enum http_status)status));
    } else {
      const char *what = parse_certs((const uint8_t *)r.body.data, r.body.len, e->certs);
      if (what != NULL) {
        out->status = INSPECT_AIA_OK;
        snprintf(e->detail, sizeof(e->detail), "%s%s%.200s", what, redirects > 0 ? ", after a redirect to " : "",
                 redirects > 0 ? current : "");
      } else {
        out->status = INSPECT_AIA_GARBAGE;
        snprintf(e->detail, sizeof(e->detail),
                 "%zu bytes that are neither a DER certificate, a certs-only PKCS#7 nor a PEM certificate", r.body.len);
      }
    }
    inspect_buf_cleanup(&r.body);
    return;
  }
}

const inspect_aia_fetch_t *tls_aia_fetch(tls_aia_t *aia, const char *url) {
  for (size_t i = 0; i < aia->num; i++) {
    if (strcmp(aia->entries[i].url, url) == 0) {
      return &aia->fetches[i];
    }
  }
  if (aia->num == TLS_AIA_MAX_URLS) {
    return NULL;
  }
  aia_entry_t *e = &aia->entries[aia->num];
  e->url = strdup(url);
  e->certs = inspect_chain_new();
  if (e->url == NULL || e->certs == NULL) {
    free(e->url);
    inspect_chain_free(e->certs);
    memset(e, 0, sizeof(*e));
    return NULL;
  }
  inspect_aia_fetch_t *out = &aia->fetches[aia->num];
  fetch_into(aia, url, out, e);
  out->url = e->url;
  out->detail = e->detail;
  out->certs = out->status == INSPECT_AIA_OK ? e->certs : NULL;
  aia->num++;
  return out;
}

int tls_aia_gather(tls_aia_t *aia, const inspect_chain_t *chain, const inspect_trust_t *trust, int64_t now,
                   inspect_chain_t *pool) {
  for (;;) {
    inspect_input_t in = {.chain = chain, .trust = trust, .aia_pool = pool, .now = now};
    const char *url = inspect_aia_next_url(&in);
    if (url == NULL) {
      return TLS_OK;
    }
    for (size_t i = 0; i < aia->num; i++) {
      if (strcmp(aia->entries[i].url, url) == 0) {
        return TLS_OK;  // fetched already: what it gave did not help
      }
    }
    const inspect_aia_fetch_t *f = tls_aia_fetch(aia, url);
    if (f == NULL) {
      return aia->num == TLS_AIA_MAX_URLS ? TLS_OK : TLS_ENOMEM;
    }
    for (size_t i = 0; i < inspect_chain_num(f->certs); i++) {
      const inspect_cert_info_t *info = inspect_cert_get0_info(inspect_chain_get0(f->certs, i));
      int err = inspect_chain_add_der(pool, info->der, info->der_len);
      if (err != INSPECT_OK) {
        return err == INSPECT_ETOO_MANY_CERTS ? TLS_OK : TLS_ENOMEM;
      }
    }
  }
}
