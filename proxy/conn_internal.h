// Internal to proxy/: one client connection through the mirror proxy, in
// parts with one owner each.
//
//   client --TLS--> [client leg]  tlsmirror  [origin leg] --TLS--> origin
//
// conn.c         the connection's life: accept, deadlines, the hand-off from
//                the origin leg's result to the client leg's answer (mirror
//                keys on the thread pool), close and release
// conn_client.c  the client leg: its ClientHello (what is mirrored), the
//                chain or alert it gets, its handshake, the HTTP it sends
// conn_origin.c  the origin leg: routing, connect, handshake, the chain as
//                sent and its verdicts, the bytes it answers with
// conn_mtls.c    client certificates: judging them, ALB's headers and
//                refusals, API Gateway's 403
// pages.c        what tlsmirror answers itself: a platform's error page
//                (--as) or its own 502
// record.c       the JSON record, a function of a read-only view
// aia.c          AIA through the proxy: the server's table, and the missing
//                issuer's URL fetched for the verdicts and the mirror
// aia_serve.c    the URLs mirrored copies name instead, and plain HTTP on the
//                TLS port (GETs of those URLs) with their records
//
// Each leg has one explicit state; who rejected the connection is read from
// those states when the record is written.

#ifndef TLSMIRROR_PROXY_CONN_INTERNAL_H
#define TLSMIRROR_PROXY_CONN_INTERNAL_H

#include "proxy/h2_internal.h"
#include "proxy/proxy_internal.h"

// What the client offered, as mirrored towards the origin.
typedef struct {
  int has_sni;
  char sni[256];
  uint8_t alpn_wire[256];
  size_t alpn_wire_len;
  uint16_t min_version, max_version;
  // What it offered (GREASE left out; the first entries of longer lists).
  uint16_t ciphers[64];
  size_t num_ciphers;
  uint16_t groups[32];
  size_t num_groups;
  uint16_t sigalgs[32];
  size_t num_sigalgs;
  // What the origin leg could not offer on the client's behalf: values of
  // its offer BoringSSL does not speak (DHE suites, FFDHE groups...).
  tls_hello_missing_t unmirrorable;
  // With --as, the origin leg offered that platform's ClientHello instead of
  // the client's (its label); `unmirrorable` is then what BoringSSL could
  // not offer of the platform's. NULL: the client's offer was mirrored.
  const char *offered_as;
  // The ClientHello record as the client sent it (rebuilt around its body),
  // replayed to the origin when tlsmirror's own offer is refused; NULL when
  // it does not fit one record.
  uint8_t *raw;
  size_t raw_len;
  inspect_buf_t json;   // tls.client.{ja3, ja4, supported_ciphers}, rendered when the ClientHello came
  inspect_buf_t extra;  // tlsmirror.client_hello.*
} conn_hello_t;

// The client leg. Its state also sets the connection's deadline.
typedef enum {
  CLIENT_AWAIT_HELLO,  // accepted, no ClientHello yet (--timeout-handshake)
  CLIENT_HELD,         // ClientHello read: its handshake waits for the origin leg (connect + handshake)
  CLIENT_FINISHING,    // what it gets is chosen (`serve`); its handshake goes on (--timeout-handshake)
  CLIENT_ESTABLISHED,  // handshake complete: traffic flows (--timeout-idle)
  CLIENT_FAILED,       // its handshake failed after the ClientHello
  CLIENT_PLAIN_HTTP,   // it spoke plain HTTP to the TLS port and got a 400
  CLIENT_REFUSED,      // never served: over --max-conns, or shutting down
} conn_client_state_t;

// What the client's handshake gets.
typedef enum {
  SERVE_NOTHING,  // nothing chosen yet
  SERVE_ALERT,    // a fatal alert (`fail_alert`; -1 closes without one)
  SERVE_MIRROR,   // the origin's chain, mirrored
  SERVE_STANDIN,  // a valid stand-in for the name: tlsmirror answers itself
  SERVE_FIXED,    // --cert/--key
} conn_serve_t;

typedef enum {
  KEYGEN_NONE,     // no keys were missing (or not looked for yet)
  KEYGEN_RUNNING,  // missing mirror keys are being made on the thread pool
  KEYGEN_DONE,     // the job ran: whatever is still missing is made inline
} conn_keygen_t;

typedef struct {
  conn_client_state_t state;
  conn_serve_t serve;
  int fail_alert;           // with SERVE_ALERT: the alert to send, -1 for none
  tls_identity_t identity;  // borrowed from the mirror cache or the config
  conn_keygen_t keygen;
  // Why BoringSSL refused a ClientHello that tlsmirror can still read
  // (e.g. an SNI of 300 bytes), or NULL.
  const char *hello_refused;
  char version[16];  // negotiated, once established
  char cipher[64];
  char alpn[64];
  uint16_t group;  // key exchange group, 0 for none
  // Client certificates (mTLS).
  inspect_chain_t *chain;             // as the client sent it
  inspect_report_t *report;           // client_selection's verdicts on it
  const inspect_verdict_t *rejected;  // the platform (ALB verify, API Gateway) refuses it
  char *inject;                       // header lines added to every request, or NULL
} conn_client_t;

// The origin leg.
typedef enum {
  ORIGIN_NOT_STARTED,  // no ClientHello yet
  ORIGIN_CONNECTING,   // resolving the name or connecting
  ORIGIN_HANDSHAKING,  // TLS handshake under way
  ORIGIN_ESTABLISHED,  // handshake complete: chain recorded and judged
  ORIGIN_FAILED,       // no usable handshake (`hs.status` says why); judged too
  ORIGIN_OWN_LIMIT,    // tlsmirror's BoringSSL stopped it after the chain (`hs.own_limit`): judged, nothing to relay
  ORIGIN_CUT_SHORT,    // established, then it closed in the middle of a response
} conn_origin_state_t;

typedef enum {
  STREAM_NONE,    // no upstream stream exists
  STREAM_OPEN,    // the upstream stream exists (it may be closing)
  STREAM_CLOSED,  // its handle closed
} conn_stream_t;

// The handshake again with SNI `name`; owns the result's chain.
typedef struct {
  char name[256];
  tls_probe_result_t result;
  inspect_retry_t retry;  // what the verdicts read of it (conn_origin_with_sni)
} conn_sni_probe_t;

typedef struct {
  conn_origin_state_t state;
  conn_stream_t stream;
  char host[256];
  uint16_t port;
  char ip[INET6_ADDRSTRLEN];
  struct sockaddr_storage addr;
  inspect_chain_t *chain;  // as sent
  inspect_chain_t *sent;   // read from its Certificate message during the handshake (tls_certificate_msg_keep)
  inspect_handshake_t hs;  // hs.detail is set from `detail` when judged
  char detail[320];        // what went wrong, for the record (a name to resolve can take 255 bytes)
  char version[16];
  char cipher[64];
  char alpn[64];
  // What it chose, as IANA values (0: none or unknown).
  uint16_t version_id;
  uint16_t cipher_id;
  uint16_t group;
  uint16_t sigalg;                    // the signature algorithm of its handshake signature
  inspect_report_t *report;           // every profile's verdict
  const inspect_verdict_t *enforced;  // the --as profile's rejection, or NULL
  int pending_alert;  // an alert it sent after its handshake, passed on once the client's finishes, or -1
  // What tlsmirror learns after the origin refused, on the heap (NULL until
  // then), so that connections that go well do not carry it: its answer to
  // the client's own ClientHello (conn_origin_replay), and the same
  // handshake with SNI after a client that sent none (conn_sni.c).
  tls_offer_result_t *replay;
  conn_sni_probe_t *sni;
} conn_origin_t;

// What tlsmirror answers the client itself instead of relaying.
typedef enum {
  ANSWER_NONE,       // relay to the origin
  ANSWER_502,        // the origin could not be used
  ANSWER_PLATFORM,   // --as: answer as the platform would
  ANSWER_FORBIDDEN,  // --as apigateway: the client certificate fails mTLS (403)
} conn_answer_t;

// The deadline the request timer enforces on an HTTP/1.1 conversation.
typedef enum {
  DEADLINE_NONE,       // a body or a response is under way, or the bytes are not HTTP/1.1
  DEADLINE_KEEPALIVE,  // waiting for a request's first byte (--timeout-keepalive)
  DEADLINE_HEAD,       // a request head has begun and must end (--timeout-request)
} conn_request_deadline_t;
typedef struct conn_aia_st conn_aia_t;

struct proxy_conn_st {
  proxy_worker_t *worker;
  proxy_conn_t *prev, *next;
  proxy_sio_t client_sio;
  proxy_sio_t upstream;
  uv_timer_t timer;
  uv_timer_t request_timer;  // HTTP/1.1 deadlines: a whole request head, the next request's first byte
  conn_request_deadline_t request_deadline;
  uv_connect_t connect_req;
  uv_getaddrinfo_t resolve_req;
  uv_work_t keygen_req;
  int open_handles;  // client, both timers, upstream (when it exists), a pending resolve or keygen
  uint64_t start_ns;
  int64_t start_ms;  // wall clock, for @timestamp
  char source_ip[INET6_ADDRSTRLEN];
  uint16_t source_port;

  conn_hello_t hello;
  conn_client_t client;
  conn_origin_t origin;
  conn_aia_t *aia;  // AIA fetches or an AIA GET (aia.c), NULL for most connections
  conn_answer_t answer;
  const char *close_reason;

  proxy_http_t http;
  proxy_h2_t *h2;       // the passive HTTP/2 decoder, when ALPN chose h2
  inspect_buf_t early;  // origin bytes that came before the client's handshake finished
  uint64_t bytes_to_origin;
  uint64_t bytes_to_client;
};

static inline const proxy_config_t *conn_cfg(const proxy_conn_t *conn) { return conn->worker->server->cfg; }
static inline proxy_metrics_t *conn_metrics(proxy_conn_t *conn) { return &conn->worker->server->metrics; }

// conn.c
void conn_client_set_state(proxy_conn_t *conn, conn_client_state_t state);
// conn_close closes everything at once; conn_close_timers only the timers.
void conn_close(proxy_conn_t *conn);
void conn_close_timers(proxy_conn_t *conn);
// conn_request_deadlines sets the request timer from where the HTTP/1.1
// conversation is (call after bytes went either way). A deadline is not
// renewed by the bytes that keep it running: a head trickled byte by byte
// still has to end in time.
void conn_request_deadlines(proxy_conn_t *conn);
void conn_release(proxy_conn_t *conn);
// conn_origin_done runs once when the origin leg has a result (established
// or failed, judged): it chooses what the client gets and resumes it (after
// AIA fetches, when the chain needs them).
void conn_origin_done(proxy_conn_t *conn);
// conn_origin_proceed is conn_origin_done's second half, once a replay of
// the client's ClientHello (conn_origin_replay) has its answer.
void conn_origin_proceed(proxy_conn_t *conn);
// conn_client_serve chooses what the client gets from the origin leg's
// verdicts and resumes its handshake.
void conn_client_serve(proxy_conn_t *conn);

// conn_client.c
extern const proxy_sio_callbacks_t conn_client_callbacks;
extern const proxy_http_sink_t conn_http_sink;
void conn_client_resume(proxy_conn_t *conn);
void conn_client_pass_alert(proxy_conn_t *conn);

// conn_origin.c
// conn_origin_start routes and connects (the client's ClientHello is read).
void conn_origin_start(proxy_conn_t *conn);
// conn_origin_judge (re)computes the origin's verdicts; `count` adds them to
// the metrics (once per connection).
void conn_origin_judge(proxy_conn_t *conn, int count);
// conn_origin_fail ends the origin leg without a usable handshake.
void conn_origin_fail(proxy_conn_t *conn, inspect_hs_status_t status, const char *detail);
// conn_origin_observe passes the origin's bytes to the HTTP observers.
void conn_origin_observe(proxy_conn_t *conn, const uint8_t *data, size_t len);
// conn_origin_replay starts replaying the client's own ClientHello to the
// origin on the thread pool when the origin refused tlsmirror's offer and the
// client offered what BoringSSL cannot speak; it returns 1 when started (its
// completion calls conn_origin_proceed), 0 when not needed or not possible.
int conn_origin_replay(proxy_conn_t *conn);
// conn_origin_own_limit_summary writes to `out` the record's summary of an
// origin in ORIGIN_OWN_LIMIT: in one sentence, that tlsmirror's own TLS
// library refused the origin's leaf, which clients accept it, and which of
// the judged platforms would refuse it.
void conn_origin_own_limit_summary(const conn_origin_t *origin, inspect_buf_t *out);
// conn_origin_sni returns the SNI sent to the origin (NULL: none).
const char *conn_origin_sni(const proxy_conn_t *conn);

// conn_sni.c
// conn_origin_probe_sni starts, on the thread pool, the handshake again with
// SNI set to the origin's name when the origin refused a client that sent no
// SNI; it returns 1 when started (its completion judges the origin again and
// replays or proceeds), 0 when not needed or not possible.
int conn_origin_probe_sni(proxy_conn_t *conn);
// conn_origin_sni_is_cause returns 1 when the handshake with SNI completed.
int conn_origin_sni_is_cause(const conn_origin_t *origin);
// conn_origin_with_sni returns the verdicts' view of that handshake, or NULL.
const inspect_retry_t *conn_origin_with_sni(conn_origin_t *origin);
// conn_hello_spec is the client's offer as data (pointing into `hello`,
// which must outlive it), with the SNI rule and source given.
inspect_hello_spec_t conn_hello_spec(const conn_hello_t *hello, inspect_sni_rule_t sni, const char *source);
// conn_queue_job runs `work` for `job` (heap, holding `req`) on the thread
// pool; the pending job holds the connection open until `done` releases it.
// Returns 1, or 0 when it could not be queued (then `job` is freed).
int conn_queue_job(proxy_conn_t *conn, uv_work_t *req, void *job, uv_work_cb work, uv_after_work_cb done);
// conn_origin_free_probes frees what the replay and the SNI probe learnt.
void conn_origin_free_probes(conn_origin_t *origin);
// conn_origin_record_sni appends tlsmirror.origin.with_sni (when probed).
void conn_origin_record_sni(inspect_buf_t *out, const conn_origin_t *origin);

// conn_mtls.c
enum ssl_verify_result_t conn_mtls_on_client_chain(SSL *ssl, uint8_t *out_alert);
void conn_mtls_judge(proxy_conn_t *conn);
void conn_mtls_apply(proxy_conn_t *conn);  // after the client's handshake: ALB headers, API Gateway's 403
const inspect_verdict_t *conn_mtls_alb_verdict(const inspect_report_t *client_report);

// aia.c: AIA through the proxy.
//
// conn_aia_fetch starts fetching, on the thread pool, the caIssuers URLs a
// browser would fetch for the origin's chain (its path stops at a
// certificate whose issuer nobody sent) and returns 1: the origin is then
// judged again with what they gave, and conn_client_serve runs. It returns 0
// when there is nothing to fetch, or once it has run.
int conn_aia_fetch(proxy_conn_t *conn);
// conn_aia_input gives the origin's verdict input the fetches and their certificates.
void conn_aia_input(const proxy_conn_t *conn, inspect_input_t *in);
// conn_aia_set_base points the caIssuers URLs of the chain the worker's mirror
// mints next at tlsmirror (a chain that names none keeps them); call it
// before tls_mirror_chain_or_keygen.
void conn_aia_set_base(proxy_conn_t *conn);
// conn_aia_publish, once the client is to get the mirrored chain, makes each
// fetched URL's mirrored URL serve what the origin's URL gave.
void conn_aia_publish(proxy_conn_t *conn);
// conn_plain_http answers a client that spoke plain HTTP to the TLS port: a
// GET of a mirrored AIA URL gets what the origin's URL gave, anything else 400.
void conn_plain_http(proxy_conn_t *conn);
// conn_aia_render appends the record's tlsmirror.aia member (",\"aia\":[...]"),
// nothing without fetches.
void conn_aia_render(const conn_aia_t *aia, inspect_buf_t *out);
// conn_aia_record writes the record of an AIA GET and returns 1; 0 for any
// other connection (which gets the usual record).
int conn_aia_record(proxy_conn_t *conn);
void conn_aia_free(conn_aia_t *aia);

// aia.c and aia_serve.c share the server's table and the connection's part.
#define AIA_PREFIX "/.well-known/tlsmirror-aia"
#define AIA_MAX_FETCHES 8   // URLs fetched for one chain, upward
#define AIA_MAX_PATHS 4096  // mirrored paths the table keeps (the oldest go first)

// The server's table.
//
// One origin URL: its last fetch.
typedef struct aia_url_st {
  struct aia_url_st *next;  // newest first
  char *url;
  int fetching;                      // a job is fetching it: others wait
  tls_aia_t *aia;                    // owns the outcome
  const inspect_aia_fetch_t *fetch;  // NULL while fetching
  int64_t fetched_ms;                // wall clock when the fetch ended
  uint64_t expires_ns;               // uv_hrtime
} aia_url_t;

// One mirrored path: what a GET of it gets.
typedef struct aia_path_st {
  struct aia_path_st *next;  // newest first
  char path[48];             // "/<32 hex>.der"
  char *url;                 // the origin's URL it stands for
  inspect_aia_status_t status;
  int64_t fetched_ms;  // of the outcome it mimics
  uint8_t *der;        // with status OK: what a 200 carries
  size_t der_len;
  int issuer;  // `der` is the mirrored issuer (else a certificate that did not issue the copy)
} aia_path_t;

struct proxy_aia_st {
  pthread_mutex_t lock;
  pthread_cond_t fetched;  // a fetch ended
  tls_resolve_t resolves[PROXY_MAX_RESOLVE];
  tls_aia_config_t cfg;
  uint64_t ttl_ok_ns, ttl_failed_ns;
  aia_url_t *urls;
  size_t num_urls;
  aia_path_t *paths;
  size_t num_paths;
};

// A fetch as one connection keeps it (its own copies: the table's may be
// replaced, and certificates are parsed per thread).
typedef struct {
  char *url;
  char *detail;
  inspect_aia_status_t status;
  inspect_chain_t *certs;  // with status OK
  int64_t fetched_ms;
  int cached;      // fetched earlier, for another connection
  char *mirrored;  // the URL the mirrored copy names instead, or NULL
} aia_result_t;

// An AIA GET: a client's plain-HTTP request on the TLS port (its request
// line and headers are in the connection's proxy_http_t).
typedef struct {
  int answered;  // a response was written (else: held, or closed)
  int held;      // the origin's URL timed out: no answer until the client gives up
  int64_t start_ms;
  uint64_t start_ns;
  // What the path stands for (copied from the table when the request came).
  int found;
  char *url;
  inspect_aia_status_t status;
  int64_t fetched_ms;
  int issuer;
  int code;  // the HTTP status served, 0 for none
} aia_get_t;

struct conn_aia_st {
  proxy_conn_t *conn;
  // Fetching, on the thread pool: inputs the job only reads...
  uv_work_t req;
  proxy_aia_t *table;
  const inspect_chain_t *chain;
  const inspect_trust_t *trust;
  int64_t now;
  double deadline;  // uv_hrtime seconds: the job starts no fetch it could not end by then
  // ...and what it made (read by the loop once it ended).
  int fetched;
  inspect_chain_t *pool;
  aia_result_t results[AIA_MAX_FETCHES];
  inspect_aia_fetch_t fetches[AIA_MAX_FETCHES];  // the verdicts' view of `results`
  size_t num;
  aia_get_t *get;  // when this connection is an AIA GET
};

// conn_aia_of returns the connection's AIA part, made on first use; NULL when out of memory.
conn_aia_t *conn_aia_of(proxy_conn_t *conn);
void conn_aia_path_free(aia_path_t *p);
int64_t conn_aia_wall_ms(void);  // CLOCK_REALTIME in milliseconds

// pages.c: what tlsmirror answers itself.
typedef struct {
  conn_answer_t answer;
  proxy_enforce_t as;                // the --as platform (ANSWER_PLATFORM)
  const inspect_verdict_t *verdict;  // the verdict behind it (enforced, or the client's mTLS refusal), or NULL
  const inspect_report_t *report;    // the origin's verdicts, or NULL
  const char *origin_host;
  uint16_t origin_port;
  const char *origin_detail;
  int own_limit;           // tlsmirror's own TLS library refused the origin (ORIGIN_OWN_LIMIT)
  const char *request_id;  // 40 hex digits
  int64_t now;
} proxy_page_input_t;

// proxy_page_render appends a whole HTTP/1.1 response (status line,
// headers, body) to `out` and returns its status code.
int proxy_page_render(const proxy_page_input_t *in, inspect_buf_t *out);
// conn_answer writes tlsmirror's own answer to the client and ends the
// connection once it is sent.
void conn_answer(proxy_conn_t *conn);

// record.c: the connection's record as a read-only view.
typedef struct {
  int64_t start_ms;
  uint64_t duration_ns;
  const char *source_ip;
  uint16_t source_port;
  const conn_hello_t *hello;
  const conn_client_t *client;
  const conn_origin_t *origin;
  const proxy_http_t *http;
  const proxy_h2_t *h2;   // NULL unless HTTP/2
  const conn_aia_t *aia;  // may be NULL
  conn_answer_t answer;
  const char *close_reason;
  uint64_t bytes_to_origin;
  uint64_t bytes_to_client;
  // What the client's TLS stream saw.
  int client_alert_received;  // -1 for none
  int client_alert_sent;
  const char *client_tls_error;  // BoringSSL's reason, "" for none
  // When each phase ended, in ns after the start (0: it did not happen), for
  // tlsmirror.timeline: the ClientHello read, the origin connected, the
  // origin's and the client's handshakes, the first request bytes.
  uint64_t t_client_hello, t_origin_connected, t_origin_handshake, t_client_handshake, t_first_request;
  // The chain the client was served (mirrored, or --cert), leaf first, for
  // tlsmirror.mirror; NULL when it got none or a stand-in.
  CRYPTO_BUFFER *const *served_chain;
  size_t served_chain_len;
} proxy_record_view_t;

// proxy_record_rejected_by says who rejected the connection ("client",
// "origin", "none" or a profile id) and writes the one-sentence summary to
// `summary` (which may point into `scratch`).
const char *proxy_record_rejected_by(const proxy_record_view_t *view, const char **summary, inspect_buf_t *scratch);
// proxy_record_render appends the record, one line of JSON, to `out`, and
// returns proxy_record_rejected_by's answer (the summary may point into
// `scratch`).
const char *proxy_record_render(const proxy_record_view_t *view, inspect_buf_t *out, inspect_buf_t *scratch,
                                const char **summary);
// conn_record writes the connection's record to the log.
void conn_record(proxy_conn_t *conn);

#endif  // TLSMIRROR_PROXY_CONN_INTERNAL_H
