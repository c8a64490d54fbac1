// proxy: everything that runs on the libuv event loop. The lab's origin
// servers, the TLS-terminating mirror proxy and its metrics endpoint. This is
// the only module that includes <uv.h>; callers see plain C configuration
// structs and a blocking run function.
//
// Functions returning int give 0 on success or a negative PROXY_E* code, and
// fill a caller's `err` buffer with a one-line detail naming what failed.

#ifndef TLSMIRROR_PROXY_PROXY_H
#define TLSMIRROR_PROXY_PROXY_H

#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>

#include "tls/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

// Errors.
#define PROXY_ERRNO_MAP(XX)                                                                                     \
  XX(NOMEM, -22001, "out of memory")                                                                            \
  XX(ADDRINUSE, -22002, "address already in use: stop what holds the port or choose another")                   \
  XX(BIND, -22003, "cannot listen on the address: check it is a local address you may bind")                    \
  XX(BAD_ADDR, -22004, "invalid address: expected IPv4 ADDR:PORT, [IPv6]:PORT or a port")                       \
  XX(LOOP, -22005, "event loop failure")                                                                        \
  XX(RESOLVE, -22006, "cannot resolve the origin's host name: use --resolve HOST:PORT:ADDR")                    \
  XX(LOOPBACK, -22007, "the origin resolves to tlsmirror's own listener: give the real address with --resolve") \
  XX(THREAD, -22008, "cannot start a worker thread")                                                            \
  XX(LOG, -22009, "cannot open the log file: check the directory exists and is writable")                       \
  XX(CONFIG, -22010, "invalid proxy configuration (a bug in the caller: start from proxy_config_init)")         \
  XX(READY, -22011, "stopped before serving: the start-up callback failed")                                     \
  XX(LISTENING, -22012,                                                                                         \
     "another process already listens on this address, and the kernel would split clients "                     \
     "between the two: stop it or choose another --listen")                                                     \
  XX(LOG_WRITE, -22013, "the log could not be written (disk full?): those records are lost")                    \
  XX(UI_TOKEN, -22014, "--ui on an address other than loopback needs --ui-token: the view shows every connection")

typedef enum {
  PROXY_OK = 0,
#define PROXY_ERRNO_ENUM(name, value, msg) PROXY_E##name = (value),
  PROXY_ERRNO_MAP(PROXY_ERRNO_ENUM)
#undef PROXY_ERRNO_ENUM
} proxy_errno_t;

// proxy_strerror renders PROXY_E*, TLS_E*, INSPECT_E* and libuv codes.
const char *proxy_strerror(int err);
const char *proxy_err_name(int err);

// Lab origins.
//
// proxy_origin_site_t is one HTTPS origin of the lab: a TLS context (built by
// tls_origin_ctx_new) served on its own port, answering every HTTP/1.1
// request with 200 and a body naming the scenario.
typedef struct {
  const char *name;         // scenario name, sent in X-Lab-Scenario and the body
  const char *description;  // what is wrong with it, sent in the body
  SSL_CTX *ctx;             // borrowed for the whole run
  uint16_t port;            // 0 = any free port; set to the bound port on ready
  unsigned hello_delay_ms;  // wait this long before answering the ClientHello
} proxy_origin_site_t;

// proxy_http_route_t is one answer of the lab's plain-HTTP listener (where
// its certificates' AIA URLs point): GET `path` gets 200 with `body`; any
// other path gets 404.
typedef struct {
  const char *path;
  const char *content_type;
  const uint8_t *body;  // borrowed for the whole run
  size_t body_len;
} proxy_http_route_t;

typedef struct {
  const char *listen_addr;  // default "127.0.0.1"
  proxy_origin_site_t *sites;
  size_t num_sites;
  // A plain-HTTP listener on listen_addr, when `http` is set: `http_port` (0 =
  // any free port) is set to the bound port before on_ready. on_ready may
  // still set `routes` (and the sites' contexts): nothing is served before it
  // returns.
  int http;
  uint16_t http_port;
  const proxy_http_route_t *routes;
  size_t num_routes;
  double duration;  // seconds to serve; 0 = until SIGINT or SIGTERM
  // on_ready runs once every site listens, with the bound ports filled in.
  // It returns 0 to serve, or non-zero to stop at once (proxy_origins_run
  // then returns PROXY_EREADY).
  int (*on_ready)(void *arg, const proxy_origin_site_t *sites, size_t num_sites);
  void *arg;
} proxy_origins_config_t;

// proxy_origins_run serves the sites until the duration ends or SIGINT or
// SIGTERM arrives, then closes every connection and returns 0.
int proxy_origins_run(proxy_origins_config_t *cfg, char *err, size_t err_len);

// The mirror proxy.
//
// proxy_resolve_t is one --resolve entry: connect to `addr` for `host`:`port`.
typedef struct {
  char host[256];
  uint16_t port;
  char addr[64];
} proxy_resolve_t;

#define PROXY_MAX_RESOLVE 64

typedef enum {
  PROXY_ENFORCE_NONE = 0,
  PROXY_ENFORCE_CLOUDFRONT,  // --as cloudfront-origin: 502 "The request could not be satisfied"
  PROXY_ENFORCE_APIGATEWAY,  // --as apigateway: 500 {"message": "Internal server error"}
  PROXY_ENFORCE_AKAMAI,      // --as akamai-origin: 503 with a Reference # line
  PROXY_ENFORCE_ALB,         // --as alb: an ALB listener (502 awselb/2.0 when the target fails; mTLS modes)
} proxy_enforce_t;

typedef enum {
  PROXY_CLIENT_AUTH_NONE = 0,  // no CertificateRequest
  PROXY_CLIENT_AUTH_REQUEST,   // ask for a client certificate, accept the handshake without one
  PROXY_CLIENT_AUTH_REQUIRE,   // a handshake without a client certificate fails
} proxy_client_auth_t;

typedef enum {
  PROXY_MTLS_OFF = 0,
  PROXY_MTLS_PASSTHROUGH,  // with --as alb: forward the chain in X-Amzn-Mtls-Clientcert, no verification
  PROXY_MTLS_VERIFY,       // with --as alb: reject as ALB would, else forward the X-Amzn-Mtls-Clientcert-* headers
} proxy_mtls_mode_t;

typedef struct {
  const char *listen;        // "ADDR:PORT" (PROXY_DEFAULT_LISTEN)
  const char *origin_host;   // fixed origin; NULL routes by the client's SNI (to a --resolve
                             // entry for that name, at its port, else to the name at origin_port)
  const char *upstream_sni;  // SNI towards the origin instead of the client's; "" sends none; NULL mirrors
  uint16_t origin_port;      // 443
  const proxy_resolve_t *resolves;
  size_t num_resolves;
  const inspect_trust_t *trust;          // anchors the verdicts use (borrowed)
  const inspect_selection_t *selection;  // profiles to judge with (borrowed)
  proxy_enforce_t enforce;               // answer as this platform when its profile rejects
  const char *enforce_profile;           // the --as profile's label in `selection`
  const char *log_path;                  // NULL or "-": stdout
  const tls_mirror_ca_t *ca;             // mirror CA (borrowed); NULL with a fixed identity
  const tls_identity_t *fixed;           // --cert/--key instead of mirroring, or NULL
  const char *keylog_path;               // NSS key log for both legs, or NULL
  unsigned workers;                      // event loops; 0 = one per CPU
  const char *metrics_listen;            // "ADDR:PORT" for /metrics and /healthz, or NULL
  double timeout_handshake;              // seconds for both handshakes (10)
  double timeout_idle;                   // seconds without traffic (60)
  double timeout_connect;                // seconds to connect to the origin (5)
  double timeout_request;                // seconds from a request head's first byte to its end (20)
  double timeout_keepalive;              // seconds from a response's end (or the handshake) to the next request (60)
  double aia_timeout;                    // seconds for one AIA URL, redirects included (10); fetches for one
                                         // chain stop a second short of timeout_connect + timeout_handshake
  double drain;                          // seconds SIGTERM waits for open connections (10)
  unsigned max_conns;                    // open client connections, all workers (10000)
  size_t max_header;                     // request head bytes (64 KiB)
  int log_headers_unredacted;            // log Authorization/Cookie values (off by default)
  proxy_client_auth_t client_auth;       // ask clients for a certificate
  const inspect_trust_t *client_trust;   // anchors client chains are judged against
  const inspect_selection_t *client_selection;  // profiles for client chains (alb-mtls, apigateway-mtls)
  proxy_mtls_mode_t mtls_mode;                  // ALB's mutual TLS mode (with PROXY_ENFORCE_ALB)
  const tls_identity_t *upstream_identity;      // client certificate presented to the origin, or NULL
  // The live web view (--ui): NULL is off, and then costs nothing.
  const char *ui_listen;                            // "ADDR:PORT"; other than loopback it needs ui_token
  const char *ui_token;                             // the page asks for it once; NULL: none (loopback only)
  size_t ui_ring;                                   // records kept for the page (10000); the log keeps them all
  void (*on_ui_ready)(void *arg, const char *url);  // the view listens at `url`
  // on_ready runs once every worker listens, with the bound address.
  void (*on_ready)(void *arg, const char *listen_addr, const char *metrics_addr);
  // on_record runs (on a worker thread) after each connection's record is
  // written: the SNI (or NULL), who rejects it, the one-sentence summary and
  // the origin's verdicts (NULL when not judged; valid during the call). A
  // GET of a mirrored AIA URL has a record but no call.
  void (*on_record)(void *arg, const char *sni, const char *rejected_by, const char *summary,
                    const inspect_report_t *verdicts);
  void *arg;
} proxy_config_t;

#define PROXY_DEFAULT_LISTEN "127.0.0.1:8443"

// proxy_config_init fills `cfg` with the defaults noted above (the one place
// they live) and zero elsewhere; the caller then sets the origin, trust
// anchors, profiles and the mirror CA (or a fixed identity).
void proxy_config_init(proxy_config_t *cfg);
// proxy_config_check returns 0, or PROXY_ECONFIG with `err` naming what is
// missing or out of range. proxy_run checks first.
int proxy_config_check(const proxy_config_t *cfg, char *err, size_t err_len);

// proxy_run serves until SIGINT or SIGTERM (which drain open connections),
// then flushes the log and returns 0, or a PROXY_E* code with `err` set.
int proxy_run(const proxy_config_t *cfg, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif  // TLSMIRROR_PROXY_PROXY_H
