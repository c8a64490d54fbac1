// Internal to view/: the JSON reader and the HTML helpers.

#ifndef TLSMIRROR_VIEW_VIEW_INTERNAL_H
#define TLSMIRROR_VIEW_VIEW_INTERNAL_H

#include "view/view.h"

// An arena: blocks freed together.
typedef struct {
  char *blocks;  // list of blocks, each starting with the next's pointer
  char *base;
  size_t used, cap;
} view_arena_t;

void view_arena_free(view_arena_t *arena);

typedef enum {
  VIEW_JSON_NULL,
  VIEW_JSON_BOOL,
  VIEW_JSON_NUMBER,
  VIEW_JSON_STRING,
  VIEW_JSON_ARRAY,
  VIEW_JSON_OBJECT,
} view_json_type_t;

typedef struct view_json_st view_json_t;
struct view_json_st {
  view_json_type_t type;
  const char *key;     // in an object, else NULL
  const char *str;     // VIEW_JSON_STRING: decoded, NUL-terminated
  size_t len;          // string bytes, or array/object members
  double num;          // NUMBER, BOOL
  view_json_t *child;  // first member
  view_json_t *next;   // next sibling
};

// view_json_parse parses `text` into nodes in `arena`: 0, VIEW_ETRUNCATED
// (the text ends inside a value), VIEW_ENOT_JSON or VIEW_ENOMEM.
int view_json_parse(const char *text, size_t len, view_arena_t *arena, view_json_t **out);
// view_json_get follows a dotted path of object keys ("tls.client.server_name").
const view_json_t *view_json_get(const view_json_t *node, const char *path);
const char *view_json_str(const view_json_t *node, const char *path);
double view_json_num(const view_json_t *node, const char *path, double dflt);

struct view_record_st {
  view_arena_t arena;
  view_json_t *root;
  const char *text;  // the record as read (in the arena)
  size_t text_len;
};

// view_html_text appends `str` HTML-escaped (& < > " '); NULL appends nothing.
void view_html_text(inspect_buf_t *out, const char *str);
// view_html_printf formats, then escapes the result.
void view_html_printf(inspect_buf_t *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// view_html_badge appends a badge of class `cls` (bad, warn, info)
// saying `text`; view_severity_class gives a finding's severity its class.
void view_html_badge(inspect_buf_t *out, const char *cls, const char *text);
const char *view_severity_class(const char *severity);

// The judgement a chain is drawn with: its findings and verdicts.
typedef struct {
  const view_json_t *findings;
  const view_json_t *verdicts;
  int64_t at;  // the connection's time
} view_judged_t;
// view_chain_panel (chain.c) appends the chain `pems` (the record's PEMs) as
// cards under `title`, with `note` (may be NULL) beneath it.
void view_chain_panel(inspect_buf_t *out, const view_judged_t *j, const char *title, const char *note,
                      const view_json_t *pems);

// The embedded assets (assets.c, generated), ended by a zero entry.
extern const view_asset_t view_assets[];

#endif  // TLSMIRROR_VIEW_VIEW_INTERNAL_H
