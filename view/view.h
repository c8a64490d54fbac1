// view: tlsmirror's connection records as HTML. The one renderer behind the
// proxy's live web view (proxy --ui) and the self-contained report
// (tlsmirror report, inspect --html): a record's text in, escaped HTML out.
// Pure like inspect/: no sockets, no files, no global state; the page's CSS
// and JavaScript are embedded assets (view/assets, turned into C at build).
//
// Every value taken from a record (certificate fields, SNI, headers, paths)
// is HTML-escaped; a record is untrusted input.

#ifndef TLSMIRROR_VIEW_VIEW_H
#define TLSMIRROR_VIEW_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "inspect/inspect.h"

#ifdef __cplusplus
extern "C" {
#endif

// Errors: why a line of a record file is not shown.
#define VIEW_ERRNO_MAP(XX)                                                                           \
  XX(NOMEM, -24001, "out of memory")                                                                 \
  XX(TRUNCATED, -24002, "the record ends early (a line cut short, or still being written): skipped") \
  XX(NOT_JSON, -24003, "not JSON: skipped")                                                          \
  XX(FOREIGN, -24004, "JSON, but not a tlsmirror connection record (no tlsmirror member): skipped")  \
  XX(TOO_LONG, -24005, "longer than 16 MiB, larger than any record: skipped")

typedef enum {
  VIEW_OK = 0,
#define VIEW_ERRNO_ENUM(name, value, msg) VIEW_E##name = (value),
  VIEW_ERRNO_MAP(VIEW_ERRNO_ENUM)
#undef VIEW_ERRNO_ENUM
} view_errno_t;

const char *view_strerror(int err);
const char *view_err_name(int err);

// The longest record line read (records hold chains as PEM).
#define VIEW_RECORD_MAX ((size_t)16 << 20)

// Records.
typedef struct view_record_st view_record_t;

// view_record_parse parses one record (one line of the proxy's log, without
// or with its newline). It returns 0 or VIEW_ETRUNCATED, VIEW_ENOT_JSON,
// VIEW_EFOREIGN, VIEW_ETOO_LONG, VIEW_ENOMEM.
int view_record_parse(const char *text, size_t len, view_record_t **out);
void view_record_free(view_record_t *rec);
// view_record_rejected_by returns tlsmirror.rejected_by ("none", "client",
// "origin" or a profile id).
const char *view_record_rejected_by(const view_record_t *rec);

// Rendering, appended to `out`. `id` names the connection: #c-ID in a
// report, /api/conn/ID in the live view.
//
// view_row_html renders the connection's row of the list (<tr>).
void view_row_html(const view_record_t *rec, uint64_t id, inspect_buf_t *out);
// view_row_json renders what the live list needs of a row: its filter keys
// (id, rejected_by, rejecting profiles, host, SNI) and its HTML, as JSON.
void view_row_json(const view_record_t *rec, uint64_t id, inspect_buf_t *out);
// view_conn_html renders one connection opened (<section>): timeline, the
// origin's and the mirrored chain as cards with the verified path, the
// verdict matrix, the client's offer and the origin's choice, HTTP, the
// equivalent `tlsmirror inspect` command and the record itself.
void view_conn_html(const view_record_t *rec, uint64_t id, inspect_buf_t *out);

// Assets: the page (index.html), its style.css and app.js.
typedef struct {
  const char *name;
  const char *type;  // Content-Type
  const uint8_t *data;
  size_t len;
} view_asset_t;

const view_asset_t *view_asset_find(const char *name);

// Reports.
//
// view_report_t gathers records (line by line, so a 200 MB log never sits in
// memory: only the newest `limit` are kept for the report, all are counted)
// and writes one self-contained HTML file whose list, chains and verdicts
// read without JavaScript.
typedef struct view_report_st view_report_t;

view_report_t *view_report_new(const char *title, size_t limit);
void view_report_free(view_report_t *report);
// view_report_add takes one line (line numbers count from 1 in call order).
// It returns 0, or why the line was skipped (VIEW_E*), also counted for the
// report's own note.
int view_report_add(view_report_t *report, const char *line, size_t len);
// view_report_add_long counts a line that was too long to read.
void view_report_add_long(view_report_t *report);
size_t view_report_num_records(const view_report_t *report);  // records read (kept or not)
size_t view_report_num_kept(const view_report_t *report);
size_t view_report_num_skipped(const view_report_t *report);
// view_report_write renders the document through `write` (which returns 0,
// or non-zero to stop); it returns 0 or the first non-zero from `write`.
int view_report_write(const view_report_t *report, int (*write)(void *arg, const char *data, size_t len), void *arg);

#ifdef __cplusplus
}
#endif

#endif  // TLSMIRROR_VIEW_VIEW_H
