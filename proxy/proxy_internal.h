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

#include <http_parser.h>
#include <pthread.h>
#include <stddef.h>
#include <uv.h>

#include "proxy/proxy.h"

#define PROXY_CONTAINER_OF(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

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
// Input kept unconsumed (e.g. bytes after a ClientHello while the handshake
// is paused) is capped: past this, the stream stops reading until BoringSSL
// takes it. It may exceed the cap by one read (64 KiB).
#define PROXY_SIO_MAX_PENDING (64 * 1024)

typedef struct proxy_sio_write_st proxy_sio_write_t;

struct proxy_sio_st {
  uv_tcp_t tcp;
  SSL *ssl;
  BIO *bio;           // owned by ssl
  const uint8_t *in;  // input BoringSSL reads next (libuv's buffer or `pending`)
  size_t in_len;
  size_t in_off;
  uint8_t *pending;        // unconsumed input kept between reads, or NULL
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
  unsigned input_full : 1;  // reading stopped: PROXY_SIO_MAX_PENDING bytes wait unconsumed
  unsigned plain : 1;       // the peer speaks plain text: bytes go to on_data as they are (proxy_sio_set_plain)
  int alert_received;       // last TLS alert from the peer, -1 if none
  // Record boundaries of the peer's bytes during the handshake, to spot a
  // plaintext alert BoringSSL cannot read (see scan_records in sio.c).
  uint8_t rec_header[5];
  uint8_t rec_header_len;
  uint32_t rec_left;
  // The peer's first record when it is a handshake record (its ClientHello),
  // kept until the handshake ends: what the owner can still describe when
  // BoringSSL refuses the ClientHello before any callback runs.
  uint8_t *first_record;
  uint32_t first_record_len, first_record_have;
  unsigned records_seen;
  int alert_sent;       // last TLS alert we sent, -1 if none
  int error;            // first failure: a UV_E* code, or PROXY_SIO_ETLS for a TLS error
  char tls_error[128];  // BoringSSL's reason when error == PROXY_SIO_ETLS
  uint32_t tls_packed;  // and its packed code (ERR_peek_error), 0 for none
  uint64_t bytes_in;    // ciphertext bytes read from the socket
  uint64_t bytes_out;   // ciphertext bytes queued to the socket
  size_t write_queue;   // bytes queued and not yet written
  // When it happened (uv_hrtime; 0: not yet), for the record's timeline.
  uint64_t t_start;       // proxy_sio_start: connected (a client: accepted)
  uint64_t t_paused;      // the handshake first paused (a server: its ClientHello was read)
  uint64_t t_handshake;   // the handshake completed
  uint64_t t_first_data;  // the first decrypted bytes arrived (a client: its first request)
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
// proxy_sio_close_notify sends close_notify and keeps reading (half close).
void proxy_sio_close_notify(proxy_sio_t *sio);
// proxy_sio_close closes at once, dropping queued output.
void proxy_sio_close(proxy_sio_t *sio);
// proxy_sio_close_after_flush closes once queued output is written (no
// close_notify: used after a fatal alert or a plain-text reply).
void proxy_sio_close_after_flush(proxy_sio_t *sio);
// proxy_sio_write_raw queues bytes to the socket without TLS (e.g. a plain
// HTTP 400 to a client that did not speak TLS).
int proxy_sio_write_raw(proxy_sio_t *sio, const void *data, size_t len);
// proxy_sio_set_plain, called from on_handshake(sio, 0) when the peer spoke
// plain text instead of TLS, keeps the stream open as a plain one: on_data
// gets what the peer sent, from its first byte, and everything it sends next;
// on_eof its end. The owner answers with proxy_sio_write_raw and closes. It
// returns -1 (and changes nothing) when the first bytes are gone (BoringSSL
// consumed them in an earlier read).
int proxy_sio_set_plain(proxy_sio_t *sio);

// HTTP/1.1 through the proxy.
//
// proxy_http_t watches the client's bytes request by request: each request
// head is gathered (up to a limit), handed to the owner (which may answer it
// itself, e.g. with a platform's error page) and forwarded, with extra
// header lines inserted if asked; bodies stream through as they arrive
// (chunked or not), pipelined requests stay in order, and after an Upgrade,
// a CONNECT or bytes that are not HTTP, everything is relayed raw. Responses
// are only observed (status codes for the log).
//
// With strip_prefix set the stream is guarded: the proxy vouches for headers
// it adds, so it forwards only requests whose framing nobody can read two
// ways, without any client-sent header named by the prefix, and refuses the
// rest with 400 (see http_guard.c).
typedef struct proxy_http_st proxy_http_t;

typedef struct {
  // forward sends request bytes towards the origin.
  void (*forward)(void *arg, const uint8_t *data, size_t len);
  // on_head runs for each request head: return 0 to forward it, 1 when the
  // owner answered the client itself (nothing more is forwarded).
  int (*on_head)(void *arg, proxy_http_t *http);
  // on_too_large runs when a request head exceeds the limit (then: 431).
  void (*on_too_large)(void *arg);
  // reject runs when a guarded stream refuses a request: send `response`
  // (a whole HTTP response with that status) to the client, then close;
  // `why` (static) says what was wrong, for the log. Nothing more is forwarded.
  void (*reject)(void *arg, int status, const char *response, size_t len, const char *why);
} proxy_http_sink_t;

// Requests awaiting a response are remembered one bit each (HEAD or not):
// 512 in the struct, more on the heap up to PROXY_HTTP_MAX_PENDING, past
// which a HEAD is no longer told apart (only the record's counts can suffer).
#define PROXY_HTTP_PENDING_INLINE 512
#define PROXY_HTTP_MAX_PENDING (1u << 20)

struct proxy_http_st {
  http_parser req;
  http_parser resp;
  http_parser probe;  // checks an unfinished head as it arrives (no callbacks)
  int req_state;
  int resp_observing;
  inspect_buf_t head;
  size_t head_scan;
  size_t max_header;
  const proxy_http_sink_t *sink;
  void *arg;
  const char *inject;        // header lines, each ending in CRLF, added to every request
  const char *strip_prefix;  // guards the stream: request headers whose name starts with this are dropped
                             // (case-insensitive, '_' as '-'; under 64 bytes)
  int redact;                // replace Authorization/Cookie values in the log
  int message_done;
  // Guarded streams: the chunked body being checked, and an Upgrade or
  // CONNECT waiting for the origin's answer with the client's bytes held.
  int chunked;
  int chunk_state;
  unsigned chunk_digits;
  uint64_t chunk_left;
  inspect_buf_t held;
  int wait_connect;
  int wait_status;  // the answer's status, once it arrived
  int tunnel;       // raw because the origin agreed to switch protocols
  char why[96];     // the reason given to reject, when it is http_parser's
  // What the log reports: the first request and response.
  unsigned requests;
  unsigned responses;
  unsigned responses_done;  // final responses seen to their end
  const char *raw_reason;   // why the request stream went unread (relayed raw), or NULL
  char method[16];
  char path[2048];
  char host[256];
  char user_agent[256];
  int status;
  inspect_buf_t headers_json;  // the first request's headers as JSON members
  char field[128];
  int capture;
  // Methods of requests awaiting a response (HEAD responses have no body).
  uint8_t pending_inline[PROXY_HTTP_PENDING_INLINE / 8];
  uint8_t *pending_bits;  // the ring's bits: pending_inline, or a heap copy once more are needed
  size_t pending_cap;     // bits
  size_t pending_first, pending_count;
};

void proxy_http_init(proxy_http_t *http, const proxy_http_sink_t *sink, void *arg, size_t max_header, int redact);
void proxy_http_cleanup(proxy_http_t *http);
// proxy_http_set_raw relays everything from now on (e.g. ALPN is not http/1.1).
void proxy_http_set_raw(proxy_http_t *http);
// proxy_http_request_feed takes bytes from the client.
void proxy_http_request_feed(proxy_http_t *http, const uint8_t *data, size_t len);
// proxy_http_response_feed observes bytes from the origin.
void proxy_http_response_feed(proxy_http_t *http, const uint8_t *data, size_t len);

// proxy_http_phase says where the conversation is, for deadlines: waiting
// for the first byte of a request, in the middle of a request head, busy
// (a body, or a response on its way), or not watched (raw relay, HTTP/2).
typedef enum {
  PROXY_HTTP_IDLE,
  PROXY_HTTP_IN_HEAD,
  PROXY_HTTP_BUSY,
  PROXY_HTTP_UNWATCHED,
} proxy_http_phase_t;

proxy_http_phase_t proxy_http_phase(const proxy_http_t *http);
// proxy_http_response_eof tells the observer the origin closed, and returns
// 1 when that cut a response short (its head came, its end did not: a body
// shorter than its Content-Length or an unfinished chunked body). A body
// delimited by the close itself ends there.
int proxy_http_response_eof(proxy_http_t *http);

// Guarded streams, shared by http.c and http_guard.c only.
//
// proxy_http__check_head returns why a guarded stream refuses the head
// [head, head + len), or NULL.
const char *proxy_http__check_head(const uint8_t *head, size_t len);
// proxy_http__chunks_begin starts checking a chunked body;
// proxy_http__check_chunks checks its next `len` bytes and returns how many
// are well-formed (all, or up to the first fault, with `*why` set);
// proxy_http__chunks_done says whether the last chunk and its CRLF came.
void proxy_http__chunks_begin(proxy_http_t *h);
size_t proxy_http__check_chunks(proxy_http_t *h, const uint8_t *data, size_t len, const char **why);
int proxy_http__chunks_done(const proxy_http_t *h);
// proxy_http__forward_stripped forwards a checked head up to its final
// empty line, without the headers strip_prefix names, each line in CRLF.
void proxy_http__forward_stripped(proxy_http_t *h, const uint8_t *head, size_t len);

// Log and key log files: whole records written under a lock, so workers
// never interleave.
typedef struct {
  int fd;
  int owned;
  pthread_mutex_t lock;
  char name[320];    // "--log PATH", for messages
  uint64_t *errors;  // a metric counting dropped records, or NULL
  uint64_t lost;     // records dropped: their write failed
  int first_errno;   // why the first one was
  int failing;       // the last write failed (said once on stderr)
  int partial;       // the last record was cut short
} proxy_log_t;

// proxy_log_open opens `path` ("-" or NULL: stdout) for appending; `option`
// names it in messages ("--log").
int proxy_log_open(proxy_log_t *log, const char *path, const char *option, uint64_t *errors);
// proxy_log_write writes one whole record, or drops it when the write fails
// (see log.c): it returns 0, or -1 when the record was dropped.
int proxy_log_write(proxy_log_t *log, const char *data, size_t len);
void proxy_log_close(proxy_log_t *log);

// Metrics: counters shared by every worker, updated with relaxed atomics.
typedef enum { PROXY_SIDE_CLIENT, PROXY_SIDE_ORIGIN, PROXY_NUM_SIDES } proxy_side_t;

typedef enum {
  PROXY_HS_OK,
  PROXY_HS_ALERT,
  PROXY_HS_CLOSED,
  PROXY_HS_TIMEOUT,
  PROXY_HS_NOT_TLS,
  PROXY_HS_CONNECT_FAILED,
  PROXY_HS_ERROR,
  PROXY_NUM_HS_OUTCOMES
} proxy_hs_outcome_t;

typedef struct {
  uint64_t connections_total;
  uint64_t connections_active;
  uint64_t connections_refused;  // over --max-conns
  uint64_t requests_total;
  uint64_t records_total;  // written
  uint64_t log_errors;     // records dropped: the log write failed
  uint64_t keylog_errors;  // key log lines dropped
  uint64_t handshakes[PROXY_NUM_SIDES][PROXY_NUM_HS_OUTCOMES];
  uint64_t verdicts[INSPECT_SELECTION_MAX][INSPECT_REASON_COUNT];
  uint64_t bytes_to_origin;
  uint64_t bytes_to_client;
  const inspect_selection_t *selection;
} proxy_metrics_t;

static inline void proxy_metrics_add(uint64_t *counter, int64_t n) {
  __atomic_add_fetch(counter, (uint64_t)n, __ATOMIC_RELAXED);
}

void proxy_metrics_render(const proxy_metrics_t *metrics, inspect_buf_t *out);

// AIA through the proxy: the table of fetched caIssuers URLs and of the
// mirrored URLs that stand for them, shared by every worker (see aia.c).
typedef struct proxy_aia_st proxy_aia_t;

proxy_aia_t *proxy_aia_new(const proxy_config_t *cfg);
void proxy_aia_free(proxy_aia_t *aia);
// proxy_aia_lookup gives `url`'s outcome: from the table while it is fresh
// (after waiting for a fetch of it under way), else fetched now on the
// calling thread, which blocks. Connections use it from the thread pool.
// It returns 0, or PROXY_ENOMEM.
typedef struct {
  inspect_aia_status_t status;
  int cached;  // from the table: fetched before (or meanwhile, by another caller)
  size_t num_certs;
} proxy_aia_outcome_t;
int proxy_aia_lookup(proxy_aia_t *aia, const char *url, proxy_aia_outcome_t *out);
// proxy_aia_set_ttl sets how long an outcome stays fresh, in seconds (10
// minutes, a failure 1 minute; tests shorten them).
void proxy_aia_set_ttl(proxy_aia_t *aia, double ok, double failed);
size_t proxy_aia_num_urls(proxy_aia_t *aia);

// Workers and connections.
typedef struct proxy_server_st proxy_server_t;
typedef struct proxy_ui_st proxy_ui_t;
typedef struct proxy_worker_st proxy_worker_t;
typedef struct proxy_conn_st proxy_conn_t;

struct proxy_worker_st {
  proxy_server_t *server;
  unsigned index;
  uv_loop_t loop;
  uv_tcp_t listener;
  uv_async_t wakeup;
  uv_timer_t drain_timer;
  uv_thread_t thread;
  SSL_CTX *client_ctx;
  SSL_CTX *upstream_ctx;
  inspect_cache_t *cache;
  tls_mirror_t *mirror;
  proxy_conn_t *conns;
  unsigned num_conns;
  int initialised;
  int draining;
  int stopped;  // its handles are closing; the loop ends when they are closed
  int done;     // atomic: the loop has returned
};

struct proxy_server_st {
  const proxy_config_t *cfg;
  struct sockaddr_storage listen_addr;
  char listen_text[80];
  char metrics_text[80];
  struct sockaddr_storage origin_addr;  // a fixed origin, resolved at start
  char origin_ip[64];
  proxy_log_t log;
  proxy_log_t keylog;
  int keylog_enabled;
  proxy_metrics_t metrics;
  proxy_aia_t *aia;
  proxy_worker_t *workers;
  unsigned num_workers;
  unsigned max_conns;       // --max-conns, for the whole process
  unsigned open_conns;      // atomic: client connections admitted and not yet released
  int stop_requested;       // atomic: 1 drain, 2 now
  uv_async_t *main_wakeup;  // workers signal the main loop when they end
  proxy_ui_t *ui;           // the live web view, or NULL (--ui off)
};

// proxy_server_admit counts a new client connection against --max-conns,
// across all workers (one atomic counter, so the limit is exact whichever
// worker the kernel picks); it returns 0, counting nothing, at the limit.
// proxy_server_release gives an admitted connection's place back.
int proxy_server_admit(proxy_server_t *server);
void proxy_server_release(proxy_server_t *server);
// proxy_conn_accept takes a new client connection on `worker`.
void proxy_conn_accept(proxy_worker_t *worker, uv_stream_t *listener);
// proxy_conn_close_all closes every connection of `worker` at once.
void proxy_conn_close_all(proxy_worker_t *worker);
// proxy_worker_contexts builds the worker's client-facing and upstream contexts.
int proxy_worker_contexts(proxy_worker_t *worker);
// proxy_is_self returns 1 if `addr` is the proxy's own listener.
int proxy_is_self(const proxy_server_t *server, const struct sockaddr *addr);
// proxy_conn_worker_idle runs when a draining worker's last connection ends.
void proxy_worker_conn_done(proxy_worker_t *worker);

// The live web view (ui.c), on its own thread and loop.
//
// proxy_ui_start binds cfg->ui_listen and starts serving; server->ui is set
// (also on failure: proxy_ui_stop cleans up).
int proxy_ui_start(proxy_server_t *server, char *err, size_t err_len);
const char *proxy_ui_url(const proxy_ui_t *ui);
// proxy_ui_push hands a record to the view (any thread; one copy, a short lock).
void proxy_ui_push(proxy_ui_t *ui, const char *record, size_t len);
// proxy_ui_stop ends the view's thread and frees it (NULL: nothing).
void proxy_ui_stop(proxy_ui_t *ui);

// proxy_parse_host_port parses "ADDR:PORT", "[V6]:PORT", "ADDR" (with
// `default_port`) or a bare "PORT" (on 127.0.0.1); numeric addresses only.
int proxy_parse_host_port(const char *text, uint16_t default_port, struct sockaddr_storage *out);

#endif  // TLSMIRROR_PROXY_PROXY_INTERNAL_H
